#!/usr/bin/python3
"""fixture-server.py: a loopback HTTP server for newswatch's tests.

Usage: $PYTHON3 fixture-server.py [--dir DIR] [--port-file FILE] [--log FILE]
                                  [--lifetime SECONDS]

Listens on 127.0.0.1, port 0 (a free port). Once it listens it writes the port to
--port-file (written whole, then renamed into place: poll for the file), or prints
it on stdout when none is given. It exits after --lifetime seconds (default 60).

Routes (query parameters in [brackets] are optional):
  GET  /files/NAME [ct=TYPE] [etag=0] [lm=0] [status=N]
        Serve DIR/NAME with Content-Type TYPE (default from the extension), an
        ETag (a hash of the content) and Last-Modified (the file's mtime), and
        answer If-None-Match / If-Modified-Since with 304. etag=0 / lm=0 leave
        that validator out. 404 if the file is missing.
  PUT  /files/NAME            Replace DIR/NAME with the request body (tests change
                              a file between polls); 204.
  GET  /status/N [ra=SECONDS] [ra_date=SECONDS]
        Answer status N with a short body; ra adds "Retry-After: SECONDS",
        ra_date adds Retry-After as an HTTP date SECONDS from now.
  GET  /slow-headers [delay=S]         Wait S seconds (default 5), then 200 "ok".
  GET  /slow-body [bytes=N] [delay=S] [chunk=K]
        Send headers (Content-Length N, default 1000), then K bytes (default 10)
        every S seconds (default 1).
  GET  /reset                  Reset the connection (RST) without an answer.
  GET  /redirect/N [code=C] [final=PATH]
        C (default 302) to /redirect/N-1; /redirect/0 redirects to PATH, or answers
        200 "end" when there is none.
  GET  /loop                   302 to itself, forever.
  GET  /redirect-to?url=URL [code=C]   C (default 302) to any URL (file://, ftp://).
  GET  /huge [bytes=N] [chunked=1]
        N bytes (default 16 MiB) of text, with Content-Length or chunked.
  GET  /gzip-bomb [bytes=N]
        Content-Encoding: gzip of N zero bytes (default 64 MiB), ~1000:1.
  ANY  /echo                   200, a JSON object: method, path, headers, body.
  GET  /robots.txt             DIR/robots.txt (404 if missing); DIR/robots.status,
                               if present, holds another status to answer.
  GET  /auth?user=U&pass=P     401 with a Basic challenge unless the request
                               carries those credentials; then 200 "authorized".

Request log (--log FILE): one JSON object per line, written when a request
arrives: {"time": float, "method", "path", "host": the Host header, "headers":
{...}, "inflight": requests in progress for that Host, this one included}.
"""

import argparse
import base64
import email.utils
import gzip
import hashlib
import io
import json
import mimetypes
import os
import socket
import struct
import sys
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

ARGS = None
LOCK = threading.Lock()
INFLIGHT = {}
BOMBS = {}


def log_request(handler):
    """Append one line to the request log; count in-flight requests per host."""
    host = handler.headers.get("Host", "")
    with LOCK:
        INFLIGHT[host] = INFLIGHT.get(host, 0) + 1
        entry = {"time": time.time(), "method": handler.command,
                 "path": handler.path, "host": host,
                 "headers": dict(handler.headers.items()),
                 "inflight": INFLIGHT[host]}
        if ARGS.log:
            with open(ARGS.log, "a") as f:
                f.write(json.dumps(entry) + "\n")
    return host


def done_request(host):
    with LOCK:
        INFLIGHT[host] -= 1


def gzip_bomb(n):
    """n zero bytes, gzip-compressed (cached)."""
    if n not in BOMBS:
        buf = io.BytesIO()
        with gzip.GzipFile(fileobj=buf, mode="wb", compresslevel=9) as g:
            block = b"\0" * (1 << 20)
            left = n
            while left > 0:
                g.write(block[:min(left, len(block))])
                left -= len(block)
        BOMBS[n] = buf.getvalue()
    return BOMBS[n]


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "fixture/1"

    def log_message(self, fmt, *args):
        pass

    def q(self, name, default=None):
        v = self.query.get(name)
        return v[0] if v else default

    def send(self, status, body=b"", ctype="text/plain", headers=()):
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        for k, v in headers:
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD" and status not in (204, 304):
            self.wfile.write(body)

    def dispatch(self):
        url = urllib.parse.urlsplit(self.path)
        self.query = urllib.parse.parse_qs(url.query)
        parts = url.path.strip("/").split("/", 1)
        name = "route_" + parts[0].replace("-", "_").replace(".", "_")
        self.arg = parts[1] if len(parts) > 1 else ""
        host = log_request(self)
        try:
            getattr(self, name, self.route_missing)()
        except (BrokenPipeError, ConnectionResetError, OSError):
            self.close_connection = True
        finally:
            done_request(host)

    do_GET = do_HEAD = do_POST = do_PUT = do_DELETE = dispatch

    def body(self):
        n = int(self.headers.get("Content-Length", "0") or 0)
        return self.rfile.read(n) if n > 0 else b""

    def route_missing(self):
        self.send(404, b"no such route\n")

    def route_files(self):
        path = os.path.join(ARGS.dir, os.path.basename(self.arg))
        if self.command == "PUT":
            data = self.body()
            tmp = path + ".tmp"
            with open(tmp, "wb") as f:
                f.write(data)
            os.replace(tmp, path)
            return self.send(204)
        try:
            with open(path, "rb") as f:
                data = f.read()
            mtime = os.stat(path).st_mtime
        except OSError:
            return self.send(404, b"no such file\n")
        ctype = self.q("ct") or mimetypes.guess_type(path)[0] or "application/octet-stream"
        headers = []
        etag = '"%s"' % hashlib.sha256(data).hexdigest()[:16]
        lm = email.utils.formatdate(mtime, usegmt=True)
        if self.q("etag") != "0":
            headers.append(("ETag", etag))
        if self.q("lm") != "0":
            headers.append(("Last-Modified", lm))
        inm = self.headers.get("If-None-Match")
        ims = self.headers.get("If-Modified-Since")
        if self.q("etag") != "0" and inm is not None:
            if etag in [t.strip() for t in inm.split(",")]:
                return self.send(304, b"", ctype, headers)
        elif self.q("lm") != "0" and ims is not None:
            t = email.utils.parsedate_to_datetime(ims).timestamp()
            if int(mtime) <= t:
                return self.send(304, b"", ctype, headers)
        self.send(int(self.q("status", "200")), data, ctype, headers)

    def route_robots_txt(self):
        try:
            with open(os.path.join(ARGS.dir, "robots.status")) as f:
                return self.send(int(f.read().strip()), b"robots unavailable\n")
        except OSError:
            pass
        try:
            with open(os.path.join(ARGS.dir, "robots.txt"), "rb") as f:
                return self.send(200, f.read())
        except OSError:
            return self.send(404, b"no robots.txt\n")

    def route_status(self):
        status = int(self.arg or "200")
        headers = []
        if self.q("ra") is not None:
            headers.append(("Retry-After", self.q("ra")))
        if self.q("ra_date") is not None:
            when = time.time() + float(self.q("ra_date"))
            headers.append(("Retry-After", email.utils.formatdate(when, usegmt=True)))
        self.send(status, b"status %d\n" % status, headers=headers)

    def route_slow_headers(self):
        time.sleep(float(self.q("delay", "5")))
        self.send(200, b"ok\n")

    def route_slow_body(self):
        n = int(self.q("bytes", "1000"))
        delay = float(self.q("delay", "1"))
        chunk = int(self.q("chunk", "10"))
        self.send_response(200)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(n))
        self.end_headers()
        self.wfile.flush()
        while n > 0:
            k = min(n, chunk)
            self.wfile.write(b"x" * k)
            self.wfile.flush()
            n -= k
            time.sleep(delay)

    def route_reset(self):
        self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                                   struct.pack("ii", 1, 0))
        os.close(self.connection.detach())
        self.close_connection = True

    def route_redirect(self):
        n = int(self.arg or "0")
        code = int(self.q("code", "302"))
        final = self.q("final")
        extra = "?" + urllib.parse.urlencode({k: v[0] for k, v in self.query.items()})
        if n > 0:
            return self.send(code, b"", headers=[("Location", "/redirect/%d%s" % (n - 1, extra))])
        if final:
            return self.send(code, b"", headers=[("Location", final)])
        self.send(200, b"end\n")

    def route_loop(self):
        self.send(302, b"", headers=[("Location", "/loop")])

    def route_redirect_to(self):
        code = int(self.q("code", "302"))
        self.send(code, b"", headers=[("Location", self.q("url", "/"))])

    def route_huge(self):
        n = int(self.q("bytes", str(16 << 20)))
        chunked = self.q("chunked") == "1"
        self.send_response(200)
        self.send_header("Content-Type", "text/plain")
        if chunked:
            self.send_header("Transfer-Encoding", "chunked")
        else:
            self.send_header("Content-Length", str(n))
        self.end_headers()
        block = b"y" * 65536
        while n > 0:
            k = min(n, len(block))
            if chunked:
                self.wfile.write(b"%x\r\n" % k + block[:k] + b"\r\n")
            else:
                self.wfile.write(block[:k])
            n -= k
        if chunked:
            self.wfile.write(b"0\r\n\r\n")

    def route_gzip_bomb(self):
        data = gzip_bomb(int(self.q("bytes", str(64 << 20))))
        self.send(200, data, "text/xml", [("Content-Encoding", "gzip")])

    def route_auth(self):
        want = "Basic " + base64.b64encode(
            ("%s:%s" % (self.q("user", ""), self.q("pass", ""))).encode()).decode()
        if self.headers.get("Authorization") == want:
            return self.send(200, b"authorized\n")
        self.send(401, b"who are you?\n",
                  headers=[("WWW-Authenticate", 'Basic realm="fixture"')])

    def route_echo(self):
        body = self.body()
        out = {"method": self.command, "path": self.path,
               "headers": dict(self.headers.items()),
               "body": body.decode("utf-8", "replace")}
        self.send(200, json.dumps(out).encode(), "application/json")


class Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 128

    def handle_error(self, request, client_address):
        """Clients that time out or reset are part of the tests: stay quiet."""
        if not isinstance(sys.exc_info()[1], (ConnectionError, TimeoutError)):
            super().handle_error(request, client_address)


def main():
    global ARGS
    p = argparse.ArgumentParser()
    p.add_argument("--dir", default=".")
    p.add_argument("--port-file")
    p.add_argument("--log")
    p.add_argument("--lifetime", type=float, default=60)
    ARGS = p.parse_args()
    srv = Server(("127.0.0.1", 0), Handler)
    port = srv.server_address[1]
    if ARGS.port_file:
        with open(ARGS.port_file + ".tmp", "w") as f:
            f.write("%d\n" % port)
        os.replace(ARGS.port_file + ".tmp", ARGS.port_file)
    else:
        print(port, flush=True)
    t = threading.Thread(target=srv.serve_forever, daemon=True)
    t.start()
    time.sleep(ARGS.lifetime)
    srv.shutdown()
    return 0


if __name__ == "__main__":
    sys.exit(main())
