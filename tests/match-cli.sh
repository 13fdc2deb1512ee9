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
. "$top_srcdir/tests/match-lib.sh"
run() { "$nw" match "$@"; }

# A feed: every entry is an article of its own.
check "feed: a word of one entry's title" 0 'tesla' "$feed"
grepok "feed: the hit names its entry" 'match-feed.xml entry 1: Tesla recalls' "$tmp/out"
lacks "feed: the other entries do not match" 'entry [23]' "$tmp/out"
check "feed: a word of HTML content" 0 'universitat lodz' "$feed"
grepok "feed: the entry with the content" 'entry 2: Forschung in Polen' "$tmp/out"
grepok "feed: the HTML is reduced to text" 'Forscher der «Universität» «Łódź» haben die neuen DeepSeek-Modelle getestet' "$tmp/out"
lacks "feed: no markup in the snippet" '<b>' "$tmp/out"
check "feed: the summary is text:" 0 'text:software' "$feed"
grepok "feed: summary hit" 'entry 1:' "$tmp/out"
check "feed: title:" 0 'title:recalls' "$feed"
check "feed: title: does not search the text" 1 'title:software' "$feed"
check "feed: author:" 0 'author:nowak' "$feed"
grepok "feed: the author's entry" 'entry 2:' "$tmp/out"
check "feed: lang: from the feed's language" 0 'lang:de gewitter' "$feed"
check "feed: lang: excludes" 1 'lang:en gewitter' "$feed"
check "feed: source: is the feed's title" 0 'source:"wirtschaft aktuell" wetter' "$feed"
check "feed: a hyphenated word in a link's text" 0 'deepseek' "$feed"
check "feed: each entry alone (no cross-entry AND)" 1 'tesla AND gewitter' "$feed"
check "feed: nothing matched" 1 'zebra' "$feed"
grepok "feed: it says so" 'no match in' "$tmp/out"
check "feed: on standard input" 0 'gewitter' - <"$feed"
grepok "feed: standard input, entry 3" 'entry 3: Wetter am Wochenende' "$tmp/out"
check "feed: --json" 0 --json 'universitat' "$feed"
grepok "feed: JSON carries the entry number" '"entry": *2' "$tmp/out"
jsonok "feed: the JSON output parses" "$tmp/out"

# An HTML page: its main text, title, byline and language.
check "page: a word of the main text" 0 'turbines' "$page"
grepok "page: the hit shows the page's title" 'match-page.html: Offshore wind farm' "$tmp/out"
grepok "page: the snippet marks the word" '«turbines»' "$tmp/out"
check "page: navigation and footer are not main text" 1 'cryptocurrency' "$page"
check "page: markup is not text" 1 'href OR doctype' "$page"
check "page: title:" 0 'title:tromso' "$page"
check "page: author: from the byline" 0 'author:nordmann' "$page"
check "page: lang: from <html lang>" 0 'lang:en cod' "$page"
check "page: url: is the canonical URL" 0 'url:ledger' "$page"

# Plain text, and errors.
check "text: a plain text file" 0 'universitat AND lodz' "$text"
check "text: nothing matched" 1 'tesla' "$text"
printf '<<< turbines ahead >>>\n' >"$tmp/lt.txt"
check "text: starting with '<' but not a page" 0 'turbines' "$tmp/lt.txt"
printf '<div class="x"><a href="/y">Tesla recall</a></div>\n' >"$tmp/frag.html"
check "a fragment without main text: its text" 0 'tesla recall' "$tmp/frag.html"
check "a fragment without main text: not its markup" 1 'href OR div OR class' \
    "$tmp/frag.html"
check "a bad query" 2 'title:(tesla' "$feed"
check "an unreadable input" 2 'tesla' "$tmp/does-not-exist"
check "usage" 2 'tesla'
finish
