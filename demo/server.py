#!/usr/bin/python3
"""demo/server.py: the demo's news sites, on 127.0.0.1 only.

Usage: server.py --dir DIR [--port N] [--port-file FILE] [--later SECONDS]

Serves the files under DIR (index.html for a directory) with an ETag, answering
If-None-Match with 304. A file NAME.later.EXT, when it exists, replaces NAME.EXT
once the server has run for --later seconds (default 20): that is how the demo's
feeds "publish" new items while it runs. --port 0 (the default) picks a free port;
the port is written to --port-file (whole, then renamed) and printed.
"""
import argparse
import hashlib
import mimetypes
import os
import sys
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

ARGS = None
STARTED = time.monotonic()
TYPES = {".xml": "application/xml", ".json": "application/feed+json",
         ".html": "text/html; charset=utf-8"}


def resolve(path):
    """The file serving a URL path, or None; never outside the directory."""
    root = os.path.realpath(ARGS.dir)
    full = os.path.realpath(os.path.join(root, path.split("?", 1)[0].lstrip("/")))
    if full != root and not full.startswith(root + os.sep):
        return None
    if os.path.isdir(full):
        full = os.path.join(full, "index.html")
    base, ext = os.path.splitext(full)
    later = base + ".later" + ext
    if time.monotonic() - STARTED >= ARGS.later and os.path.isfile(later):
        return later
    return full if os.path.isfile(full) else None


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "newswatch-demo/1"

    def log_message(self, fmt, *args):
        pass

    def do_GET(self):
        path = resolve(self.path)
        if path is None:
            body = b"not found\n"
            self.send_response(404)
            self.send_header("Content-Type", "text/plain")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
            return
        with open(path, "rb") as f:
            body = f.read()
        etag = '"%s"' % hashlib.sha256(body).hexdigest()[:16]
        if self.headers.get("If-None-Match") == etag:
            self.send_response(304)
            self.send_header("ETag", etag)
            self.end_headers()
            return
        ext = os.path.splitext(path)[1]
        ctype = TYPES.get(ext) or mimetypes.guess_type(path)[0] or "text/plain"
        self.send_response(200)
        self.send_header("Content-Type", ctype)
        self.send_header("ETag", etag)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


def main():
    global ARGS
    p = argparse.ArgumentParser()
    p.add_argument("--dir", required=True)
    p.add_argument("--port", type=int, default=0)
    p.add_argument("--port-file")
    p.add_argument("--later", type=float, default=20)
    ARGS = p.parse_args()
    srv = ThreadingHTTPServer(("127.0.0.1", ARGS.port), Handler)
    srv.daemon_threads = True
    port = srv.server_address[1]
    if ARGS.port_file:
        with open(ARGS.port_file + ".tmp", "w") as f:
            f.write("%d\n" % port)
        os.rename(ARGS.port_file + ".tmp", ARGS.port_file)
    print(port, flush=True)
    try:
        srv.serve_forever()
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
