#!/bin/sh
# dedup.sh: `newswatch dedup` groups fixture articles into stories as the daemon
# would; `articles` and `article` read what it stored with --db.
set -u
n=0
fail=0
t() {	# t DESCRIPTION COMMAND...: one TAP line from a command's status
	desc=$1; shift
	n=$((n + 1))
	if "$@"; then echo "ok $n - $desc"; else echo "not ok $n - $desc"; fail=1; fi
}

fx="$top_srcdir/tests/dedup"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT INT TERM

# The newswatch tool when its table lists the commands, else the test driver.
if "$top_builddir/newswatch" -h 2>/dev/null | grep -q '^  dedup '; then
	nw() { "$top_builddir/newswatch" "$@"; }
else
	nw() { "$top_builddir/tests/store-cli" "$@"; }
fi

cd "$fx" || exit 1
set -- floods-original.txt floods-syndicated.txt floods-chrome.txt \
	floods-opening.txt floods-followup.txt floods-insurance.txt \
	weather-mon.txt weather-tue.txt bahn-de.txt bahn-de-copy.txt

cat > "$tmp/want-explain" <<'END'
1	floods-original.txt	new
1	floods-syndicated.txt	content-hash
1	floods-chrome.txt	containment 1.00
1	floods-opening.txt	containment 1.00
2	floods-followup.txt	new
3	floods-insurance.txt	new
4	weather-mon.txt	new
5	weather-tue.txt	new
6	bahn-de.txt	new
6	bahn-de-copy.txt	content-hash
END
cut -f1,2 "$tmp/want-explain" > "$tmp/want"

nw dedup --explain "$@" > "$tmp/got-explain"; rc=$?
t "dedup --explain exits 0" test $rc -eq 0
t "dedup --explain groups the fixtures" cmp "$tmp/want-explain" "$tmp/got-explain"
nw dedup "$@" > "$tmp/got"
t "dedup without --explain: key and origin" cmp "$tmp/want" "$tmp/got"

printf '%s\n' "$@" > "$tmp/list"
nw dedup "@$tmp/list" > "$tmp/got-list"
t "@LIST gives the same groups" cmp "$tmp/want" "$tmp/got-list"

# Order does not matter for the grouping, only for the keys.
nw dedup floods-opening.txt weather-mon.txt floods-chrome.txt \
	floods-original.txt > "$tmp/got-order"
t "opening first: the full copies join it" test \
	"$(cut -f1 "$tmp/got-order" | tr '\n' ' ')" = "1 2 1 1 "

# A persistent database: the second run finds the stories of the first.
nw --db "$tmp/nw.db" dedup "$@" > /dev/null
nw --db "$tmp/nw.db" dedup --explain floods-syndicated.txt weather-tue.txt \
	> "$tmp/got-db"
# (a short item is never merged by its text: a new story again)
printf '1\tfloods-syndicated.txt\tcontent-hash\n7\tweather-tue.txt\tnew\n' \
	> "$tmp/want-db"
t "--db: a later run joins stored stories" cmp "$tmp/want-db" "$tmp/got-db"

nw --db "$tmp/nw.db" articles > "$tmp/articles"; rc=$?
t "articles lists every stored article" test $rc -eq 0 -a \
	"$(wc -l < "$tmp/articles")" -eq 12
nw --db "$tmp/nw.db" articles --since 1d --json > "$tmp/articles.json"
t "articles --json parses" "$PYTHON3" -c '
import json, sys
a = json.load(open(sys.argv[1]))
assert len(a) == 12 and all("story" in x and "title" in x for x in a), a
' "$tmp/articles.json"
nw --db "$tmp/nw.db" article 1 --json > "$tmp/article.json"
t "article --json has the story's sightings" "$PYTHON3" -c '
import json, sys
a = json.load(open(sys.argv[1]))
assert a["id"] == 1 and a["story"] == 1, a
assert len(a["sightings"]) == 5, a["sightings"]
' "$tmp/article.json"
nw --db "$tmp/nw.db" article 1 > "$tmp/article.txt"
t "article prints fields and sightings" grep -q '^sightings:' "$tmp/article.txt"
nw --db "$tmp/nw.db" article 9999 2> /dev/null; rc=$?
t "article of an unknown id exits 1" test $rc -eq 1
nw --db "$tmp/nw.db" articles --source nosuchsource > /dev/null; rc=$?
t "articles of an unknown source exits 1" test $rc -eq 1

# Feeds: one line per entry; a re-sent entry is known by its id; an
# aggregator's Atom summary of the opening paragraphs joins the full story.
nw dedup --explain wire.xml digest.atom floods-chrome.txt > "$tmp/got-feeds"
cat > "$tmp/want-feeds" <<'END'
1	wire.xml#https://iberia-wire.example/?p=48213	new
2	wire.xml#https://iberia-wire.example/?p=48377	new
1	wire.xml#https://iberia-wire.example/?p=48213	source-id
1	digest.atom#tag:digest.example,2026:381	containment 0.93
3	digest.atom#tag:digest.example,2026:402	new
1	floods-chrome.txt	containment 1.00
END
t "feeds: entries grouped with their ids" cmp "$tmp/want-feeds" "$tmp/got-feeds"
nw dedup floods-insurance.txt wire.xml > "$tmp/got-feeds2"
t "a plain-text copy of a feed entry: one story" test \
	"$(cut -f1 "$tmp/got-feeds2" | tr '\n' ' ')" = "1 2 1 2 "

# HTML pages: the extracted article joins the story; a page naming the same
# <link rel="canonical"> joins by the canonical URL.
nw dedup --explain floods-original.txt floods-page.html floods-amp.html \
	> "$tmp/got-html"
t "HTML page of the story joins it" test \
	"$(cut -f1 "$tmp/got-html" | tr '\n' ' ')" = "1 1 1 "
t "a page with the same canonical URL: canonical-url" test \
	"$(sed -n 3p "$tmp/got-html")" = "$(printf '1\tfloods-amp.html\tcanonical-url')"

: > "$tmp/empty.txt"
nw dedup --explain "$tmp/empty.txt" floods-opening.txt > "$tmp/got-empty"; rc=$?
t "an empty file is an article of its own" test $rc -eq 0 -a \
	"$(cut -f1,3 "$tmp/got-empty" | tr '\n\t' '  ')" = "1 new 2 new "

nw dedup 2> /dev/null; rc=$?
t "dedup without files: usage, 2" test $rc -eq 2
nw dedup floods-original.txt "$tmp/missing" > "$tmp/partial" 2> /dev/null; rc=$?
t "a missing file: exit 2" test $rc -eq 2
t "the readable file is still printed" test "$(cat "$tmp/partial")" = \
	"$(printf '1\tfloods-original.txt')"

# Databases of the schemas before migrations 7 and 8 (tests/dedup/v6.sql and
# v7.sql: the dumps of `dedup --db` on the first five files below, by the
# releases before them) are migrated when opened: their anchors rows and
# shingle samples come out as a fresh database's, and later articles get the
# same answers from them.
set -- floods-original.txt floods-followup.txt weather-mon.txt bahn-de.txt \
	wire.xml
later="floods-syndicated.txt floods-opening.txt floods-chrome.txt
	bahn-de-copy.txt weather-tue.txt"
nw --db "$tmp/fresh.db" dedup "$@" > /dev/null
# shellcheck disable=SC2086
nw --db "$tmp/fresh.db" dedup --explain $later > "$tmp/got-fresh"
for v in v6 v7; do
	"$PYTHON3" -c '
import sqlite3, sys
c = sqlite3.connect(sys.argv[1])
c.executescript(open(sys.argv[2]).read())
c.close()
' "$tmp/$v.db" "$fx/$v.sql"
	# shellcheck disable=SC2086
	nw --db "$tmp/$v.db" dedup --explain $later > "$tmp/got-$v"; rc=$?
	t "migrated $v database: exit 0" test $rc -eq 0
	t "migrated $v database: the answers of a fresh one" cmp \
		"$tmp/got-fresh" "$tmp/got-$v"
	t "migrated $v database: the opening joins by containment" grep -q \
		"$(printf '^1\tfloods-opening.txt\tcontainment')" "$tmp/got-$v"
done
t "migrated databases: anchors, keys and samples as a fresh one writes them" \
	"$PYTHON3" -c '
import sqlite3, sys
def rows(path):
    c = sqlite3.connect(path)
    r = (c.execute("PRAGMA user_version").fetchone(),
         c.execute("SELECT article_id, simhash, title_hash, hashes, url_key,"
                   " hash_key FROM anchors ORDER BY 1").fetchall(),
         c.execute("SELECT id, shingles FROM articles ORDER BY 1").fetchall(),
         c.execute("SELECT name FROM sqlite_master WHERE name LIKE"
                   " \x27articles_band%\x27 OR name IN (\x27articles_title_hash\x27,"
                   " \x27articles_url\x27, \x27articles_content_hash\x27)"
                   ).fetchall(),
         c.execute("SELECT count(*) FROM articles a JOIN anchors o ON"
                   " o.article_id = a.id WHERE (a.canonical_url IS NULL) ="
                   " (o.url_key IS NULL) AND (a.content_hash IS NULL) ="
                   " (o.hash_key IS NULL)").fetchone())
    c.close()
    return r
fresh = rows(sys.argv[1])
for path in sys.argv[2:]:
    old = rows(path)
    assert old == fresh, (path, old, fresh)
assert fresh[0][0] >= 8 and fresh[3] == [] and len(fresh[1]) == 9, fresh
assert fresh[4][0] == len(fresh[1]), fresh
assert all(h is None or 0 < len(h) <= 64 and len(h) % 4 == 0
           for _, s, _, h, _, _ in fresh[1] if s is not None), fresh
' "$tmp/fresh.db" "$tmp/v6.db" "$tmp/v7.db"

echo "1..$n"
exit $fail
