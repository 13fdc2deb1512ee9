#!/bin/sh
# dedup-kill.sh: SIGKILL during a burst of inserts (`newswatch dedup --db`, one
# transaction per file, each line printed after its commit), then: the database
# passes integrity_check and foreign_key_check, every printed (committed) article
# is there, no file is half-written, and the next run works on it.
set -u
n=0
fail=0
t() {
	desc=$1; shift
	n=$((n + 1))
	if "$@"; then echo "ok $n - $desc"; else echo "not ok $n - $desc"; fail=1; fi
}

fx="$top_srcdir/tests/dedup"
tmp=$(mktemp -d)
pid=
trap '[ -n "$pid" ] && kill -9 "$pid" 2>/dev/null; rm -rf "$tmp"' EXIT INT TERM
if "$top_builddir/newswatch" -h 2>/dev/null | grep -q '^  dedup '; then
	set -- "$top_builddir/newswatch"
else
	set -- "$top_builddir/tests/store-cli"
fi

# 4,000 files: each a source of its own, with one or two articles
i=0
while [ $i -lt 500 ]; do
	for f in wire.xml digest.atom floods-original.txt floods-chrome.txt \
	    floods-followup.txt weather-mon.txt bahn-de.txt floods-page.html; do
		echo "$fx/$f"
	done
	i=$((i + 1))
done > "$tmp/list"

: > "$tmp/out"	# exists before the loop reads it (the job opens it later)
# the file exists before the loop below reads it
: > "$tmp/out"
"$@" --db "$tmp/k.db" dedup "@$tmp/list" > "$tmp/out" &
pid=$!
# wait (bounded) until a hundred commits were reported (up to 120 s: CI machines are shared), then kill
tries=0
while [ "$(wc -l < "$tmp/out")" -lt 100 ] && [ $tries -lt 2400 ] &&
    kill -0 "$pid" 2>/dev/null; do
	sleep 0.05
	tries=$((tries + 1))
done
kill -9 "$pid" 2>/dev/null
wait "$pid" 2>/dev/null
rc=$?
pid=
printed=$(wc -l < "$tmp/out")
t "killed during the burst (status $rc, $printed lines printed)" test "$rc" -eq 137
t "some commits were reported before" test "$printed" -ge 100

"$PYTHON3" - "$tmp/k.db" "$tmp/out" "$fx" > "$tmp/py" 2>&1 <<'PY'
import os, sqlite3, sys
db, out, fx = sys.argv[1], sys.argv[2], sys.argv[3]
c = sqlite3.connect(db)
res = []
res.append(("integrity_check ok", c.execute("PRAGMA integrity_check").fetchone()[0] == "ok"))
res.append(("foreign_key_check clean", c.execute("PRAGMA foreign_key_check").fetchall() == []))
# articles per file kind: wire.xml 2 (its third entry repeats the first), digest 2
want = {"wire.xml": 2, "digest.atom": 2}
names = [l.rstrip("\n") for l in open(os.path.join(os.path.dirname(out), "list"))]
rows = dict(c.execute("SELECT source_id, count(*) FROM articles GROUP BY 1").fetchall())
sight = dict(c.execute("SELECT source_id, count(*) FROM sightings GROUP BY 1").fetchall())
half = [s for s, k in rows.items()
        if k != want.get(os.path.basename(names[-s - 1]), 1) or sight.get(s) != k]
res.append(("no file half-written (%d sources stored)" % len(rows), half == []))
stored = sum(rows.values())
printed = sum(1 for l in open(out))
# a printed line is a committed article; the third wire.xml entry prints but adds no row
per = {"wire.xml": 3, "digest.atom": 2}
done = max(-s for s in rows) if rows else 0
expect_lines = sum(per.get(os.path.basename(n), 1) for n in names[:done])
res.append(("every printed line is stored (%d lines, %d files committed)" % (printed, done),
            printed <= expect_lines))
res.append(("committed files are contiguous", sorted(-s for s in rows) == list(range(1, done + 1))))
res.append(("every article has its story", c.execute(
    "SELECT count(*) FROM articles a LEFT JOIN stories s ON s.id = a.story_id"
    " WHERE s.id IS NULL").fetchone()[0] == 0))
for d, ok in res:
    print(("ok " if ok else "FAIL ") + d)
PY
while read -r status desc; do
	t "$desc" test "$status" = ok
done < "$tmp/py"

"$@" --db "$tmp/k.db" dedup --explain "$fx/floods-syndicated.txt" > "$tmp/after"; rc=$?
t "restart: the next run works on the database" test $rc -eq 0
t "and finds the story stored before the kill" grep -q 'content-hash' "$tmp/after"

# A database another process holds locked (a python sqlite3 in BEGIN EXCLUSIVE
# for a second) while it is opened: the open is retried, logged, and succeeds.
"$PYTHON3" -c '
import sqlite3, sys, time
c = sqlite3.connect(sys.argv[1], isolation_level=None)
c.execute("BEGIN EXCLUSIVE")
c.execute("CREATE TABLE held (x)")
open(sys.argv[2], "w").close()
time.sleep(1)
c.execute("COMMIT")
' "$tmp/locked.db" "$tmp/held" &
lpid=$!
i=0
while [ ! -e "$tmp/held" ] && [ $i -lt 200 ]; do sleep 0.05; i=$((i + 1)); done
"$@" --db "$tmp/locked.db" dedup "$fx/floods-original.txt" > "$tmp/locked.out" \
	2> "$tmp/locked.err"; rc=$?
wait $lpid
t "a locked database: opened once free" test $rc -eq 0 -a -e "$tmp/held"
t "the wait was logged" grep -q 'database is locked (retry 1 of' "$tmp/locked.err"
t "and the run stored its article" test "$(cut -f1 "$tmp/locked.out")" = 1

echo "1..$n"
exit $fail
