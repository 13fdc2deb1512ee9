#!/bin/sh
# match.sh: exit codes and output of `newswatch match` on plain text.
set -u
nw="$top_builddir/newswatch"
data="$top_srcdir/tests/data/match-article.txt"
. "$top_srcdir/tests/match-lib.sh"
run() { "$nw" match "$@"; }

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
jsonok "the JSON output parses" "$tmp/out"
check "--stem" 0 --stem english 'researcher' "$data"
check "without --stem" 1 'researcher' "$data"
check "an unknown stemming language" 2 --stem klingon 'x' "$data"
printf 'bad \377\376 bytes Tesla\000 and more' >"$tmp/bin"
check "invalid UTF-8 and NUL bytes" 0 'tesla' "$tmp/bin"
finish
