# match-lib.sh: TAP helpers the `newswatch match` tests source. The sourcing
# script defines run() (the command under test) before calling check.
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT INT TERM
n=0
fails=0

# check DESCRIPTION WANT_STATUS ARGS...: run ARGS, compare the exit status.
check() {
	desc=$1 want=$2
	shift 2
	run "$@" >"$tmp/out" 2>"$tmp/err"
	got=$?
	n=$((n + 1))
	if [ "$got" -eq "$want" ]; then
		echo "ok $n - $desc (exit $got)"
	else
		echo "not ok $n - $desc (exit $got, want $want)"
		sed 's/^/# /' "$tmp/out" "$tmp/err"
		fails=$((fails + 1))
	fi
}

# verdict DESCRIPTION PASSED FILE: one TAP line; FILE is shown when it failed.
verdict() {
	n=$((n + 1))
	if [ "$2" -eq 1 ]; then
		echo "ok $n - $1"
	else
		echo "not ok $n - $1"
		sed 's/^/# /' "$3"
		fails=$((fails + 1))
	fi
}

# grepok DESCRIPTION PATTERN FILE: FILE contains PATTERN.
grepok() {
	if grep -q -- "$2" "$3"; then verdict "$1" 1 "$3"; else verdict "$1" 0 "$3"; fi
}

# lacks DESCRIPTION PATTERN FILE: FILE does not contain PATTERN.
lacks() {
	if grep -q -- "$2" "$3"; then verdict "$1" 0 "$3"; else verdict "$1" 1 "$3"; fi
}

# jsonok DESCRIPTION FILE: every line of FILE is a JSON document.
jsonok() {
	if "$PYTHON3" -c 'import json,sys; [json.loads(l) for l in open(sys.argv[1])]' \
	    "$2" 2>/dev/null; then
		verdict "$1" 1 "$2"
	else
		verdict "$1" 0 "$2"
	fi
}

# finish: the plan, and the status.
finish() {
	echo "1..$n"
	[ "$fails" -eq 0 ]
}
