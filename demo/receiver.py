#!/usr/bin/python3
"""demo/receiver.py: a webhook receiver that prints each alert it gets, readably.

Usage: receiver.py [--port N] [--port-file FILE] [--log FILE]

Listens on 127.0.0.1 (port 0: a free one, written to --port-file and printed),
answers every POST with 200 and prints newswatch's "json" payload (version 1):
article alerts with their snippet, matched terms and "also at" sources, digests
and health alerts. --log appends each raw payload as one JSON line.
"""
import argparse
import json
import os
import sys
import textwrap
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

ARGS = None
LOCK = threading.Lock()
TTY = sys.stdout.isatty()


def style(code, text):
    return "\033[%sm%s\033[0m" % (code, text) if TTY else text


def wrap(text, indent="    "):
    return textwrap.fill(" ".join(str(text).split()), width=78,
                         initial_indent=indent, subsequent_indent=indent)


def article(a, out):
    out.append(style("1;32", "ALERT") + "  " + style("1", "[%s]" % a.get("watchlist"))
               + "  " + style("1", a.get("title") or "(no title)"))
    out.append("    %s  %s" % (a.get("source"), a.get("url") or ""))
    if a.get("snippet"):
        out.append(wrap(a["snippet"]))
    if a.get("terms"):
        out.append("    terms: " + ", ".join(a["terms"]))
    for o in a.get("also_at") or []:
        out.append(style("33", "    also at: %s  %s" % (o.get("source"), o.get("url") or "")))


def show(p):
    out = []
    kind = p.get("type")
    if kind == "article":
        article(p, out)
    elif kind == "digest":
        out.append(style("1;36", "DIGEST") + "  [%s] %s alerts" % (p.get("watchlist"), p.get("count")))
        for a in p.get("alerts") or []:
            article(a, out)
    elif kind == "health":
        out.append(style("1;31", "HEALTH") + "  source %s is %s  %s"
                   % (p.get("source"), p.get("state"), p.get("error") or ""))
    else:
        out.append(json.dumps(p, ensure_ascii=False))
    out.append("")
    return "\n".join(out)


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *args):
        pass

    def do_POST(self):
        n = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(min(n, 1 << 20))
        try:
            p = json.loads(body)
            text = show(p)
        except ValueError:
            p, text = None, body.decode(errors="replace")
        with LOCK:
            print(text, flush=True)
            if ARGS.log and p is not None:
                with open(ARGS.log, "a") as f:
                    f.write(json.dumps(p) + "\n")
        self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()


def main():
    global ARGS
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--port-file")
    ap.add_argument("--log")
    ARGS = ap.parse_args()
    srv = ThreadingHTTPServer(("127.0.0.1", ARGS.port), Handler)
    srv.daemon_threads = True
    port = srv.server_address[1]
    if ARGS.port_file:
        with open(ARGS.port_file + ".tmp", "w") as f:
            f.write("%d\n" % port)
        os.rename(ARGS.port_file + ".tmp", ARGS.port_file)
    try:
        srv.serve_forever()
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
