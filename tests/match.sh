#!/bin/sh
# match.sh: exit codes and output of `newswatch match` (through tests/match-cli,
# which runs the same cmd_match until newswatch.c lists the command).
set -u
cli="$top_builddir/tests/match-cli"
data="$top_srcdir/tests/data/match-article.txt"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT INT TERM
n=0
fails=0

# check DESCRIPTION WANT_STATUS ARGS...: run, compare the exit status.
check() {
	desc=$1 want=$2
	shift 2
	"$cli" "$@" >"$tmp/out" 2>"$tmp/err"
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

# grepok DESCRIPTION PATTERN FILE: the last output contains PATTERN.
grepok() {
	n=$((n + 1))
	if grep -q -- "$2" "$3"; then
		echo "ok $n - $1"
	else
		echo "not ok $n - $1"
		sed 's/^/# /' "$3"
		fails=$((fails + 1))
	fi
}

check "a hit" 0 'universitat AND lodz' "$data"
grepok "the snippet marks the match" '«Universität»' "$tmp/out"
grepok "the terms are listed" 'terms: Universität' "$tmp/out"
check "nothing matched" 1 'AI' "$data"
grepok "it says so" 'no match in' "$tmp/out"
check "word boundaries: EU is not Europe" 1 'EU -"the EU"' "$data"
check "exact case" 0 '=US' "$data"
check "a bad query" 2 '(deepseek' "$data"
grepok "the bad query names its column" 'column 1: unbalanced parenthesis' "$tmp/err"
check "an unreadable input" 2 'x' "$tmp/does-not-exist"
check "usage" 2 'x'
check "an unknown option" 2 --frobnicate 'x' "$data"
check "standard input" 0 'tromso' - <"$data"
check "--json" 0 --json '"open source"' "$data"
grepok "JSON carries the snippet" '"snippet": *"' "$tmp/out"
if "$PYTHON3" -c 'import json,sys; [json.loads(l) for l in open(sys.argv[1])]' "$tmp/out" 2>/dev/null; then
	n=$((n + 1)); echo "ok $n - the JSON output parses"
else
	n=$((n + 1)); echo "not ok $n - the JSON output parses"; fails=$((fails + 1))
fi
check "--stem" 0 --stem english 'researcher' "$data"
check "without --stem" 1 'researcher' "$data"
check "an unknown stemming language" 2 --stem klingon 'x' "$data"
printf 'bad \377\376 bytes Tesla\000 and more' >"$tmp/bin"
check "invalid UTF-8 and NUL bytes" 0 'tesla' "$tmp/bin"
echo "1..$n"
[ "$fails" -eq 0 ]
