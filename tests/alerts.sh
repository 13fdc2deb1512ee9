#!/bin/sh
# alerts.sh: the real newswatchd and newswatch against tests/webhook-receiver.py
# on 127.0.0.1. Alerts are queued with tests/outbox-fill (watch_article on
# hand-made stories, as ingest does); the daemon runs without polling sources.
#   - configuration errors: a bad query (file:line:column), an unknown plugin;
#   - loss: receiver down, daemon killed with SIGKILL after trying, restarted
#     with the receiver up: every alert arrives, duplicates carry the same id;
#   - --once waits for its alerts; outbox, retry, backtest, notify-test.
set -u
B=${top_builddir:-.}
S=${top_srcdir:-.}
PY=${PYTHON3:-/usr/bin/python3}
T=$(mktemp -d /tmp/alerts-test.XXXXXX)
n=0
fail=0
dpid=
rpid=
cleanup() {
	[ -n "$dpid" ] && kill -9 "$dpid" 2>/dev/null
	[ -n "$rpid" ] && kill "$rpid" 2>/dev/null
	wait 2>/dev/null
	[ -n "${KEEP:-}" ] || rm -rf "$T"
}
trap cleanup EXIT INT TERM

ok() {	# ok CONDITION-STATUS DESCRIPTION
	n=$((n + 1))
	if [ "$1" = 0 ]; then
		echo "ok $n - $2"
	else
		echo "not ok $n - $2"
		fail=1
	fi
}

# A field count of the outbox in a state, through the CLI.
count() {
	"$B/newswatch" -c "$T/nw.conf" outbox --"$1" --json 2>/dev/null |
	    "$PY" -c 'import json,sys; print(len(json.load(sys.stdin)))' 2>/dev/null
}

# Wait (at most $2 tenths of a second) until a shell condition holds.
wait_for() {
	i=0
	while [ $i -lt "$2" ]; do
		eval "$1" && return 0
		sleep 0.1
		i=$((i + 1))
	done
	return 1
}

PORT=$("$PY" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
cat >"$T/nw.conf" <<EOF
daemon = { state_dir = "$T/state"; plugin_dir = "$B/src/plugins/.libs";
  admin_listen = ""; retry_min = "1s"; retry_max = "2s"; };
sources = ( { name = "a"; url = "https://a.example/"; enabled = false; } );
watchlists = (
  { name = "loss"; query = "lossword"; notify = ["hook"]; },
  { name = "bad"; query = "badword"; notify = ["badhook"]; },
  { name = "quiet"; query = "nothingmatchesthis"; notify = ["hook"]; } );
notifiers = (
  { name = "hook"; plugin = "webhook"; url = "http://127.0.0.1:$PORT/loss"; },
  { name = "badhook"; plugin = "webhook"; url = "http://127.0.0.1:$PORT/bad"; } );
EOF
mkdir "$T/state"

# Configuration errors.
sed 's/query = "lossword"/query = "(lossword OR"/' "$T/nw.conf" >"$T/badq.conf"
"$B/newswatchd" -n -c "$T/badq.conf" 2>"$T/err"
ok $(( $? == 2 ? 0 : 1 )) "newswatchd -n: a bad query exits 2"
grep -q "badq.conf:5: watchlist \"loss\": query: column 13" "$T/err"
ok $? "newswatchd -n: file:line and column ($(head -1 "$T/err"))"
"$B/newswatch" -c "$T/badq.conf" check-config 2>"$T/err"
ok $(( $? == 2 ? 0 : 1 )) "check-config: a bad query exits 2"
grep -q "badq.conf:5: watchlist \"loss\": query: column 13" "$T/err"
ok $? "check-config: file:line and column"
sed 's/name = "badhook"; plugin = "webhook"/name = "badhook"; plugin = "nosuch"/' \
    "$T/nw.conf" >"$T/badp.conf"
"$B/newswatchd" -n -c "$T/badp.conf" 2>"$T/err"
ok $(( $? == 2 ? 0 : 1 )) "newswatchd -n: an unknown plugin exits 2"
grep -q "badp.conf:10: notifier badhook: plugin nosuch" "$T/err"
ok $? "newswatchd -n: the plugin error has file:line ($(head -1 "$T/err"))"
"$B/newswatchd" -n -c "$T/nw.conf" >/dev/null 2>&1
ok $? "newswatchd -n: the test configuration is OK"

# Loss: queue alerts, the receiver is down; the daemon tries, then is killed.
"$B/tests/outbox-fill" "$T/nw.conf" 20 lossword
ok $? "20 alerts queued"
"$B/newswatchd" -c "$T/nw.conf" 2>"$T/d1.log" &
dpid=$!
wait_for 'grep -q "started:" "$T/d1.log"' 300	# ready before the CLI reads
tried() {
	"$B/newswatch" -c "$T/nw.conf" outbox --json | "$PY" -c 'import json,sys
r=json.load(sys.stdin); sys.exit(0 if r and all(x["attempts"]>0 for x in r) else 1)'
}
wait_for tried 300
ok $? "the daemon tried every alert while the receiver was down"
kill -9 $dpid
wait $dpid 2>/dev/null
dpid=
ok $(( $(count pending) == 20 ? 0 : 1 )) "killed with SIGKILL: all 20 still pending"

"$PY" "$S/tests/webhook-receiver.py" --port "$PORT" --log "$T/recv.log" \
    --lifetime 60 --script=/bad=400 >"$T/port" &
rpid=$!
wait_for '[ -s "$T/port" ]' 300
"$B/newswatchd" -c "$T/nw.conf" 2>"$T/d2.log" &
dpid=$!
wait_for 'grep -q "started:" "$T/d2.log"' 300
wait_for '[ "$(count delivered)" = 20 ]' 450
ok $? "restarted with the receiver up: every alert delivered"
"$PY" - "$T/recv.log" "$T/ids" <<'EOF'
import json, sys
recs = [json.loads(l) for l in open(sys.argv[1]) if '"/loss"' in l]
ids = [json.loads(r["body"])["delivery_id"] for r in recs if r["status"] == 200]
open(sys.argv[2], "w").write("%d %d\n" % (len(ids), len(set(ids))))
EOF
read accepted distinct <"$T/ids" || { accepted=0; distinct=0; }
ok $(( distinct == 20 ? 0 : 1 )) "the receiver accepted 20 distinct ids ($accepted requests)"
"$B/newswatch" -c "$T/nw.conf" outbox --json | "$PY" -c 'import json,sys
rows={r["delivery_id"] for r in json.load(sys.stdin)}
recs=[json.loads(l) for l in open(sys.argv[1]) if "\"/loss\"" in l]
got={json.loads(r["body"])["delivery_id"] for r in recs}
sys.exit(0 if got and got <= rows else 1)' "$T/recv.log"
ok $? "every request carries a queued delivery id (duplicates the same id)"

# A dead alert, listed, retried through the CLI, taken by the running daemon.
"$B/tests/outbox-fill" "$T/nw.conf" 1 badword
wait_for '[ "$(count dead)" = 1 ]' 300
ok $? "400: the alert is dead"
"$B/newswatch" -c "$T/nw.conf" outbox --dead >"$T/out"
grep -q "dead .*badhook .*400" "$T/out"
ok $? "outbox --dead lists it with its error"
id=$("$B/newswatch" -c "$T/nw.conf" outbox --dead --json |
    "$PY" -c 'import json,sys; print(json.load(sys.stdin)[0]["id"])')
"$B/newswatch" -c "$T/nw.conf" retry "$id" >"$T/out"
ok $? "retry $id"
wait_for '[ "$(count dead)" = 0 ] && [ "$(count delivered)" = 21 ]' 300
ok $? "the running daemon delivered the retried alert"
"$B/newswatch" -c "$T/nw.conf" retry 99999 >/dev/null 2>&1
ok $(( $? == 1 ? 0 : 1 )) "retry of an unknown id exits 1"
# Reload with a bad query, then a bad plugin: refused, the daemon goes on.
cp "$T/nw.conf" "$T/good.conf"
cp "$T/badq.conf" "$T/nw.conf"
kill -HUP $dpid
wait_for '[ "$(grep -c "reload failed" "$T/d2.log")" = 1 ]' 300
ok $? "reload: a bad query is refused"
grep -q "nw.conf:5: watchlist \"loss\": query: column 13" "$T/d2.log"
ok $? "reload: the error has file:line and column"
cp "$T/badp.conf" "$T/nw.conf"
kill -HUP $dpid
wait_for '[ "$(grep -c "reload failed" "$T/d2.log")" = 2 ]' 300
ok $? "reload: an unknown plugin is refused"
cp "$T/good.conf" "$T/nw.conf"
kill -HUP $dpid
wait_for 'grep -q "configuration reloaded" "$T/d2.log"' 300
ok $? "reload: a good configuration is taken"
kill -TERM $dpid
wait $dpid
ok $? "SIGTERM: the daemon exits 0"
dpid=

# --once waits until its alerts are delivered.
"$B/tests/outbox-fill" "$T/nw.conf" 3 lossword-once
"$B/newswatchd" --once -c "$T/nw.conf" 2>"$T/d3.log"
ok $? "--once exits 0"
ok $(( $(count delivered) == 24 ? 0 : 1 )) "--once delivered its 3 alerts before exiting"

# backtest over the stored articles.
"$B/newswatch" -c "$T/nw.conf" backtest loss --since 1d >"$T/out"
ok $? "backtest: exit 0 on hits"
grep -q "^watchlist loss: 23 stories would have alerted" "$T/out"
ok $? "backtest: 23 stories ($(tail -1 "$T/out"))"
grep -q "«lossword»" "$T/out"
ok $? "backtest: snippets mark the match"
"$B/newswatch" -c "$T/nw.conf" backtest quiet >"$T/out"
ok $(( $? == 1 ? 0 : 1 )) "backtest: exit 1 when nothing matches"
"$B/newswatch" -c "$T/nw.conf" backtest nosuch >/dev/null 2>&1
ok $(( $? == 2 ? 0 : 1 )) "backtest: exit 2 on an unknown watchlist"

# A command that changes the database refuses a user who does not own it.
if [ "$(id -u)" = 0 ]; then
	chown 65534 "$T/state/newswatch.db"
	"$B/newswatch" -c "$T/nw.conf" retry --dead >/dev/null 2>"$T/err"
	rc=$?
	chown 0 "$T/state/newswatch.db"
	ok $(( rc == 2 ? 0 : 1 )) "retry refuses a database owned by another user"
	grep -q "belongs to uid 65534" "$T/err"
	ok $? "and says whose it is"
else
	n=$((n + 2))
	echo "ok $((n - 1)) # SKIP needs root to chown the database"
	echo "ok $n # SKIP needs root to chown the database"
fi

# notify-test.
"$B/newswatch" -c "$T/nw.conf" notify-test hook >"$T/out"
ok $? "notify-test: exit 0"
grep -q "hook: delivered, receiver answered 200" "$T/out"
ok $? "notify-test: prints the receiver's answer ($(cat "$T/out"))"
tail -1 "$T/recv.log" | grep -q 'newswatch test alert'
ok $? "notify-test: the receiver got the sample alert"

echo "1..$n"
exit $fail
