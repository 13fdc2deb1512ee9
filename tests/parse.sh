#!/bin/sh
# parse.sh: `newswatch parse` on fixtures: --json output checked with Python's json,
# text output, exit codes. Uses the real binary when its table lists `parse`, else the
# test driver tests/parse-main that calls the same cmd_parse.
: "${top_srcdir:=.}" "${top_builddir:=.}" "${PYTHON3:=/usr/bin/python3}"
F="$top_srcdir/tests/feeds"
if "$top_builddir/newswatch" -h 2>&1 | grep -q '^  parse '; then
	NW="$top_builddir/newswatch"
else
	NW="$top_builddir/tests/parse-main"
fi
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT INT TERM
n=0
check() {
	n=$((n + 1))
	if [ "$1" = 0 ]; then echo "ok $n - $2"; else echo "not ok $n - $2"; fi
}

"$NW" parse --json "$F/rss20.xml" >"$T/out.json" 2>"$T/err"
check $? "rss20 --json exits 0"
"$PYTHON3" - "$T/out.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
assert list(d) == ["format", "bozo", "title", "link", "language", "entries"], list(d)
assert d["format"] == "rss2.0" and d["bozo"] is False
e = d["entries"][0]
assert list(e) == ["id", "title", "link", "published", "authors", "summary", "content",
                   "categories", "enclosures"], list(e)
assert e["published"] == "2024-03-05T14:30:00Z"
assert e["authors"] == [{"name": "Jane Editor", "email": "editor@example.org"}]
assert e["enclosures"] == [{"url": "https://cdn.example.org/flood.mp3",
                            "type": "audio/mpeg", "length": 123456}]
assert e["categories"] == ["Weather", "UK"]
assert "updated" not in e
assert d["entries"][1]["authors"] == [{"name": "John Smith"}]
PY
check $? "rss20 --json has the keys of issue 4, in order, absent ones omitted"

"$NW" parse --json "$F/atom10.xml" >"$T/atom.json"
"$PYTHON3" -c '
import json, sys
d = json.load(open(sys.argv[1]))
e = d["entries"][0]
assert d["format"] == "atom1.0" and d["language"] == "fr"
assert e["updated"] == "2024-01-10T11:30:45Z" and e["published"] == "2024-01-09T08:00:00Z"
assert e["link"] == "https://atom.example.com/blog/posts/1"
assert e["authors"][1] == {"name": "Bob"}
' "$T/atom.json"
check $? "atom10 --json: dates as ISO 8601 UTC, links resolved"

"$NW" parse --json "$F/media-rss.xml" >"$T/media.json"
"$PYTHON3" -c '
import json, sys
e = json.load(open(sys.argv[1]))["entries"][0]
assert e["enclosures"] == [
    {"url": "https://cdn.example.org/ep1.mp3", "type": "audio/mpeg", "length": 1000},
    {"url": "https://cdn.example.org/ep1-hd.mp4", "type": "video/mp4", "length": 2000},
    {"url": "https://news.example.org/2024/ep1-sd.mp4", "type": "video/mp4"}], e["enclosures"]
assert "href=\"https://news.example.org/rivers/severn\"" in e["summary"], e["summary"]
assert "src=\"https://img.example.org/a.jpg\"" in e["content"], e["content"]
' "$T/media.json"
check $? "media-rss --json: Media RSS enclosures (deduplicated), relative links resolved"

"$NW" parse --json - <"$F/json11.json" >"$T/json.json"
check $? "json11 from stdin exits 0"
"$PYTHON3" -c '
import json, sys
d = json.load(open(sys.argv[1]))
assert d["format"] == "json1.1" and len(d["entries"]) == 2
assert d["entries"][0]["enclosures"][0]["length"] == 999
' "$T/json.json"
check $? "json11 --json content"

"$NW" parse --json "$F/malformed.xml" >"$T/bozo.json"
check $? "malformed feed still exits 0"
"$PYTHON3" -c '
import json, sys
d = json.load(open(sys.argv[1]))
assert d["bozo"] is True and d["title"] == "Broken & Co"
' "$T/bozo.json"
check $? "malformed --json has bozo true"

printf '<rss version="2.0"><channel><title>empty</title></channel></rss>' >"$T/empty.xml"
"$NW" parse --json "$T/empty.xml" >"$T/empty.json"
check $? "entry-less feed exits 0"
"$PYTHON3" -c '
import json, sys
d = json.load(open(sys.argv[1])); assert d["entries"] == [] and d["title"] == "empty"
' "$T/empty.json"
check $? "entry-less feed prints an empty entries array"

"$NW" parse "$F/rss20.xml" >"$T/out.txt"
check $? "text output exits 0"
grep -q '^\[1\] Flood warning issued for River Severn$' "$T/out.txt" &&
    grep -q 'published: 2024-03-05T14:30:00Z' "$T/out.txt"
check $? "text output is readable"

"$NW" parse "$F/notfeed.html" >"$T/nf.out" 2>"$T/nf.err"
rc=$?
[ $rc = 2 ] && [ ! -s "$T/nf.out" ] && grep -q 'not a feed' "$T/nf.err"
check $? "HTML page: exit 2 with a message (rc $rc)"

"$NW" parse "$T/does-not-exist.xml" 2>/dev/null
check $(( $? != 2 )) "missing file: exit 2"

"$NW" parse 2>/dev/null
check $(( $? != 2 )) "no argument: usage, exit 2"

"$NW" parse --bogus "$F/rss20.xml" 2>/dev/null
check $(( $? != 2 )) "unknown option: usage, exit 2"

"$NW" parse "ftp://127.0.0.1/x" >/dev/null 2>&1
check $(( $? != 2 )) "unreadable URL/file: exit 2"

# URLs, from a loopback server that prints its port when it listens.
mkfifo "$T/port"
"$PYTHON3" "$top_srcdir/tests/feed-httpd.py" "$F" 60 >"$T/port" &
srv=$!
read -r port <"$T/port"
"$NW" parse --json "http://127.0.0.1:$port/redirect" >"$T/url.json"
check $? "URL: exits 0 after a redirect"
"$PYTHON3" -c '
import json, sys
d = json.load(open(sys.argv[1]))
assert d["entries"][0]["title"] == "Caf\u00e9 na\u00efve", d["entries"][0]["title"]
' "$T/url.json"
check $? "URL: HTTP charset from Content-Type used"
"$NW" parse "http://127.0.0.1:$port/missing" >/dev/null 2>"$T/404.err"
rc=$?
[ $rc = 2 ] && grep -q 'HTTP status 404' "$T/404.err"
check $? "URL: 404 is exit 2 with the status (rc $rc)"
"$NW" parse "http://127.0.0.1:$port/big" >/dev/null 2>"$T/big.err"
rc=$?
[ $rc = 2 ] && grep -q 'larger than' "$T/big.err"
check $? "URL: endless body stopped at the cap (rc $rc)"
kill $srv 2>/dev/null
wait $srv 2>/dev/null

echo "1..$n"
