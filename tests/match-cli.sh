#!/bin/sh
# match-cli: `newswatch match` on the three kinds of input it reads: a feed (each
# entry an article: title, content reduced from HTML, summary, author, language),
# an HTML page (its main text only, not the navigation or footer) and plain text;
# exit 0 on a hit, 1 when nothing matched, 2 on a bad query or unreadable input.
set -u
nw="$top_builddir/newswatch"
feed="$top_srcdir/tests/data/match-feed.xml"
page="$top_srcdir/tests/data/match-page.html"
text="$top_srcdir/tests/data/match-article.txt"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT INT TERM
n=0
fails=0

# check DESCRIPTION WANT_STATUS ARGS...: run `newswatch match ARGS`, compare the status.
check() {
	desc=$1 want=$2
	shift 2
	"$nw" match "$@" >"$tmp/out" 2>"$tmp/err"
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

# has DESCRIPTION PATTERN: the last standard output contains PATTERN.
has() {
	n=$((n + 1))
	if grep -q -- "$2" "$tmp/out"; then
		echo "ok $n - $1"
	else
		echo "not ok $n - $1"
		sed 's/^/# /' "$tmp/out"
		fails=$((fails + 1))
	fi
}

# lacks DESCRIPTION PATTERN: the last standard output does not contain PATTERN.
lacks() {
	n=$((n + 1))
	if grep -q -- "$2" "$tmp/out"; then
		echo "not ok $n - $1"
		sed 's/^/# /' "$tmp/out"
		fails=$((fails + 1))
	else
		echo "ok $n - $1"
	fi
}

# A feed: every entry is an article of its own.
check "feed: a word of one entry's title" 0 'tesla' "$feed"
has "feed: the hit names its entry" 'match-feed.xml entry 1: Tesla recalls'
lacks "feed: the other entries do not match" 'entry [23]'
check "feed: a word of HTML content" 0 'universitat lodz' "$feed"
has "feed: the entry with the content" 'entry 2: Forschung in Polen'
has "feed: the HTML is reduced to text" 'Forscher der «Universität» «Łódź» haben die neuen DeepSeek-Modelle getestet'
lacks "feed: no markup in the snippet" '<b>'
check "feed: the summary is text:" 0 'text:software' "$feed"
has "feed: summary hit" 'entry 1:'
check "feed: title:" 0 'title:recalls' "$feed"
check "feed: title: does not search the text" 1 'title:software' "$feed"
check "feed: author:" 0 'author:nowak' "$feed"
has "feed: the author's entry" 'entry 2:'
check "feed: lang: from the feed's language" 0 'lang:de gewitter' "$feed"
check "feed: lang: excludes" 1 'lang:en gewitter' "$feed"
check "feed: source: is the feed's title" 0 'source:"wirtschaft aktuell" wetter' "$feed"
check "feed: a hyphenated word in a link's text" 0 'deepseek' "$feed"
check "feed: each entry alone (no cross-entry AND)" 1 'tesla AND gewitter' "$feed"
check "feed: nothing matched" 1 'zebra' "$feed"
has "feed: it says so" 'no match in'
check "feed: on standard input" 0 'gewitter' - <"$feed"
has "feed: standard input, entry 3" 'entry 3: Wetter am Wochenende'
check "feed: --json" 0 --json 'universitat' "$feed"
has "feed: JSON carries the entry number" '"entry": *2'
if "$PYTHON3" -c 'import json,sys; [json.loads(l) for l in open(sys.argv[1])]' "$tmp/out" 2>/dev/null; then
	n=$((n + 1)); echo "ok $n - feed: the JSON output parses"
else
	n=$((n + 1)); echo "not ok $n - feed: the JSON output parses"; fails=$((fails + 1))
fi

# An HTML page: its main text, title, byline and language.
check "page: a word of the main text" 0 'turbines' "$page"
has "page: the hit shows the page's title" 'match-page.html: Offshore wind farm'
has "page: the snippet marks the word" '«turbines»'
check "page: navigation and footer are not main text" 1 'cryptocurrency' "$page"
check "page: markup is not text" 1 'href OR doctype' "$page"
check "page: title:" 0 'title:tromso' "$page"
check "page: author: from the byline" 0 'author:nordmann' "$page"
check "page: lang: from <html lang>" 0 'lang:en cod' "$page"
check "page: url: is the canonical URL" 0 'url:ledger' "$page"

# Plain text, and errors.
check "text: a plain text file" 0 'universitat AND lodz' "$text"
check "text: nothing matched" 1 'tesla' "$text"
printf 'Just <a few> words about turbines.\n' >"$tmp/lt.txt"
check "text: starting with '<' but not a page" 0 'turbines' "$tmp/lt.txt"
check "a bad query" 2 'title:(tesla' "$feed"
check "an unreadable input" 2 'tesla' "$tmp/does-not-exist"
check "usage" 2 'tesla'
echo "1..$n"
[ "$fails" -eq 0 ]
