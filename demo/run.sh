#!/bin/sh
# demo/run.sh: the newswatch demo (make demo). Starts, on 127.0.0.1 only, the demo
# news sites (demo/server.py serving demo/site/), a webhook receiver that prints
# each alert (demo/receiver.py) and newswatchd on a copy of etc/demo.conf whose
# ports are rewritten to free ones. Ctrl-C stops all three.
#
# Usage: demo/run.sh SRCDIR BUILDDIR
set -u
srcdir=$(cd "${1:-.}" && pwd)
builddir=$(cd "${2:-.}" && pwd)
python=${PYTHON3:-$(command -pv python3 || echo python3)}
state=$builddir/demo-state
pids=

cleanup() {
	trap - INT TERM EXIT
	for p in $pids; do
		kill "$p" 2>/dev/null
	done
	for p in $pids; do
		wait "$p" 2>/dev/null
	done
	echo
	echo "demo stopped; its database stays in $state/newswatch.db"
	exit 0
}
trap cleanup INT TERM EXIT

# Wait for a file to appear (a server's port), at most 10 seconds.
wait_file() {
	i=0
	while [ ! -s "$1" ]; do
		i=$((i + 1))
		if [ $i -gt 100 ]; then
			echo "demo: $2 did not start" >&2
			exit 1
		fi
		sleep 0.1
	done
}

# A free port on 127.0.0.1.
free_port() {
	"$python" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

rm -rf "$state"
mkdir -p "$state"
"$python" "$srcdir/demo/server.py" --dir "$srcdir/demo/site" \
    --port-file "$state/server.port" --later 3 >/dev/null &
pids="$pids $!"
"$python" -u "$srcdir/demo/receiver.py" --port-file "$state/receiver.port" \
    --log "$state/alerts.jsonl" &
pids="$pids $!"
wait_file "$state/server.port" "the demo server"
wait_file "$state/receiver.port" "the webhook receiver"
sport=$(cat "$state/server.port")
rport=$(cat "$state/receiver.port")
aport=$(free_port)
sed -e "s/127\.0\.0\.1:8780/127.0.0.1:$sport/g" \
    -e "s/127\.0\.0\.1:8781/127.0.0.1:$rport/g" \
    -e "s/127\.0\.0\.1:8782/127.0.0.1:$aport/g" \
    -e "s|\"demo-state\"|\"$state\"|" \
    -e "s|\"src/plugins/.libs\"|\"$builddir/src/plugins/.libs\"|" \
    "$srcdir/etc/demo.conf" > "$state/demo.conf"

cat <<EOT
newswatch demo
  news sites     http://127.0.0.1:$sport/  (demo/site/)
  alerts go to   http://127.0.0.1:$rport/alerts  (printed below)
  metrics        curl http://127.0.0.1:$aport/metrics
  health         curl http://127.0.0.1:$aport/healthz
  status         $builddir/newswatch -c $state/demo.conf status
  daemon log     $state/newswatchd.log
  configuration  $state/demo.conf (from etc/demo.conf)
Alerts appear within about fifteen seconds (each story is held 10s so that
copies seen meanwhile are named in it). Ctrl-C stops everything.

EOT
"$builddir/newswatchd" -c "$state/demo.conf" >"$state/newswatchd.log" 2>&1 &
dpid=$!
pids="$dpid $pids"
wait "$dpid"
echo "demo: newswatchd exited; see $state/newswatchd.log" >&2
tail -5 "$state/newswatchd.log" >&2
cleanup
