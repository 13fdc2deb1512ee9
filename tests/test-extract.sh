#!/bin/sh
# test-extract: the `newswatch extract` command (through tests/extract-main, which
# runs cmd_extract as the CLI does): a file, standard input, --json, a page without
# text, usage errors, and URLs served by a loopback HTTP server (a page, a 404, a
# body over the 8 MiB cap, a redirect to a non-http scheme).
set -u
X="$top_builddir/tests/extract-main"
P="$top_srcdir/tests/pages"
PY="${PYTHON3:-python3}"
tmp=$(mktemp -d)
srv_pid=""
cleanup() {
	[ -n "$srv_pid" ] && kill "$srv_pid" 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT INT TERM
n=0
fail=0
check() {	# check DESCRIPTION COMMAND... (exit status 0 = pass)
	desc=$1
	shift
	n=$((n + 1))
	if "$@"; then
		echo "ok $n - $desc"
	else
		echo "not ok $n - $desc"
		fail=1
	fi
}

"$X" "$P/news-nav.html" >"$tmp/out" 2>"$tmp/err"
check "file: exit 0" [ $? -eq 0 ]
check "file: first paragraph" grep -q '^The city council of Harbourton voted' "$tmp/out"
check "file: paragraphs separated by a blank line" \
	sh -c "[ \$(grep -c '^\$' '$tmp/out') -eq 6 ]"
check "file: no navigation or footer" sh -c "! grep -q -e 'Most read' -e 'All rights' '$tmp/out'"

"$X" - <"$P/german.html" >"$tmp/out2"
check "stdin: exit 0" [ $? -eq 0 ]
check "stdin: German text" grep -q 'Straßenlaternen auf LED' "$tmp/out2"

"$X" --json "$P/news-nav.html" >"$tmp/json"
check "json: exit 0" [ $? -eq 0 ]
check "json: fields" "$PY" -c '
import json, sys
d = json.load(open(sys.argv[1]))
assert d["title"] == "Harbourton votes to close century-old ferry terminal", d
assert d["byline"] == "Daniel Frey"
assert d["published"] == "2026-03-03T18:45:00Z"
assert "canonical" not in d		# relative canonical, no base URL for a file
assert d["text"].startswith("The city council")
' "$tmp/json"

printf '<html><head><title>Empty</title></head><body><nav><a href="/">Home</a></nav></body></html>' >"$tmp/empty.html"
"$X" "$tmp/empty.html" >"$tmp/out3" 2>"$tmp/err3"
check "no text: exit 1" [ $? -eq 1 ]
check "no text: nothing printed" [ ! -s "$tmp/out3" ]

"$X" >/dev/null 2>&1
check "no argument: exit 2" [ $? -eq 2 ]
"$X" --bogus x >/dev/null 2>&1
check "unknown option: exit 2" [ $? -eq 2 ]
"$X" "$tmp/does-not-exist" >/dev/null 2>"$tmp/err4"
check "missing file: exit 2" [ $? -eq 2 ]
check "missing file: message names it" grep -q 'does-not-exist' "$tmp/err4"
"$X" ftp://127.0.0.1/x >/dev/null 2>&1
check "ftp: not a URL we fetch, no such file: exit 2" [ $? -eq 2 ]

# A loopback server: prints its port, then serves for at most 60 s.
cat >"$tmp/srv.py" <<'PYEOF'
import http.server, os, sys, threading
pages = sys.argv[1]
class H(http.server.BaseHTTPRequestHandler):
    def log_message(self, *a): pass
    def do_GET(self):
        if self.path == "/article":
            body = open(os.path.join(pages, "polish.html"), "rb").read()
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=iso-8859-2")
        elif self.path == "/big":
            body = b"<p>" + b"x" * (9 * 1024 * 1024)
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
        elif self.path == "/bigstream":
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.end_headers()
            try:
                for i in range(10):
                    self.wfile.write(b"<p>" + b"y" * (1024 * 1024))
            except OSError:
                pass
            return
        elif self.path == "/file":
            self.send_response(302)
            self.send_header("Location", "file:///etc/passwd")
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        else:
            body = b"not here"
            self.send_response(404)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        try:
            self.wfile.write(body)
        except OSError:
            pass
s = http.server.ThreadingHTTPServer(("127.0.0.1", 0), H)
print(s.server_address[1], flush=True)
threading.Timer(60, s.shutdown).start()
s.serve_forever()
PYEOF
mkfifo "$tmp/port"
"$PY" "$tmp/srv.py" "$P" >"$tmp/port" 2>/dev/null &
srv_pid=$!
read -r port <"$tmp/port"
base="http://127.0.0.1:$port"

"$X" --json "$base/article" >"$tmp/url" 2>"$tmp/urlerr"
check "url: exit 0" [ $? -eq 0 ]
check "url: HTTP charset and fields" "$PY" -c '
import json, sys
d = json.load(open(sys.argv[1], encoding="utf-8"))
assert d["byline"] == "Piotr Zieliński", d
assert d["published"] == "2026-11-18T15:40:00Z", d
assert "Rada Miasta Brzezin zdecydowała" in d["text"], d
' "$tmp/url"
"$X" "$base/missing" >/dev/null 2>"$tmp/e404"
check "url: 404 exits 2" [ $? -eq 2 ]
check "url: 404 reported" grep -q 'HTTP status 404' "$tmp/e404"
"$X" "$base/big" >/dev/null 2>"$tmp/ebig"
check "url: body over 8 MiB exits 2" [ $? -eq 2 ]
check "url: cap reported" grep -q '8 MiB' "$tmp/ebig"
"$X" "$base/bigstream" >/dev/null 2>"$tmp/ebig2"
check "url: 10 MiB without Content-Length stopped at the cap" grep -q '8 MiB' "$tmp/ebig2"
"$X" "$base/file" >/dev/null 2>&1
check "url: redirect to file:// refused" [ $? -eq 2 ]

echo "1..$n"
exit $fail
