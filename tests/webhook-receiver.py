#!/usr/bin/python3
"""webhook-receiver: a webhook catcher for the tests, on 127.0.0.1 only.

Listens on a free port, writes the port to --port-file (atomically) and prints it
on standard output, then records every request as one JSON line in --log:
{"path", "method", "headers" (lower-case names), "body", "verified", "status"}.
With --secret whsec_..., requests carrying Standard Webhooks headers are verified
(HMAC-SHA256 of id.timestamp.body, constant-time compare, timestamp within 5
minutes): "verified" is true or false, and a bad signature is answered 401.
"verified" is null for unsigned requests.

--script PATH=STEP,STEP,... scripts the answers on PATH, one step per request;
after the last step every request gets 200. A step is a status ("500"),
optionally with ":ra=N" (Retry-After: N seconds), ":delay=S" (sleep S seconds
before answering) or ":loc=URL" (a Location header).
The server exits after --lifetime seconds. --port N listens on that port (a test
that restarts the receiver); each record also has "time" (Unix seconds, float).
"""
import argparse
import base64
import hashlib
import hmac
import json
import os
import socket
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

LOCK = threading.Lock()


def parse_step(text):
    parts = text.split(":")
    step = {"status": int(parts[0]), "ra": None, "delay": 0.0, "loc": None}
    for p in parts[1:]:
        key, _, value = p.partition("=")
        if key == "ra":
            step["ra"] = value
        elif key == "delay":
            step["delay"] = float(value)
        elif key == "loc":
            step["loc"] = value
    return step


def verify(key, headers, body):
    msg_id = headers.get("webhook-id")
    ts = headers.get("webhook-timestamp")
    sigs = headers.get("webhook-signature")
    if msg_id is None and ts is None and sigs is None:
        return None
    if key is None or None in (msg_id, ts, sigs):
        return False
    try:
        if abs(time.time() - int(ts)) > 300:
            return False
    except ValueError:
        return False
    signed = msg_id.encode() + b"." + ts.encode() + b"." + body
    want = base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest())
    for sig in sigs.split(" "):
        version, _, value = sig.partition(",")
        if version == "v1" and hmac.compare_digest(value.encode(), want):
            return True
    return False


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def setup(self):
        super().setup()
        # Headers and body go out in two writes: without this, Nagle and the
        # client's delayed ACK add 40 ms to every answer.
        self.request.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def log_message(self, fmt, *args):
        pass

    def handle_any(self):
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(min(length, 1 << 20))
        headers = {k.lower(): v for k, v in self.headers.items()}
        srv = self.server
        ok = verify(srv.key, headers, body)
        with LOCK:
            queue = srv.scripts.get(self.path, [])
            step = queue.pop(0) if queue else parse_step("200")
            if ok is False:
                step = parse_step("401")
            rec = {"path": self.path, "method": self.command,
                   "headers": headers,
                   "body": body.decode("utf-8", "replace"),
                   "verified": ok, "status": step["status"],
                   "time": time.time()}
            with open(srv.log, "a", encoding="utf-8") as f:
                f.write(json.dumps(rec) + "\n")
        if step["delay"]:
            time.sleep(step["delay"])
        answer = json.dumps({"status": step["status"]}).encode()
        try:
            self.send_response(step["status"])
            if step["ra"] is not None:
                self.send_header("Retry-After", step["ra"])
            if step["loc"] is not None:
                self.send_header("Location", step["loc"])
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(answer)))
            self.end_headers()
            self.wfile.write(answer)
        except OSError:
            pass

    do_POST = handle_any
    do_PUT = handle_any
    do_GET = handle_any


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--log", required=True)
    ap.add_argument("--port-file")
    ap.add_argument("--secret")
    ap.add_argument("--script", action="append", default=[])
    ap.add_argument("--lifetime", type=float, default=60)
    ap.add_argument("--port", type=int, default=0)
    args = ap.parse_args()

    srv = ThreadingHTTPServer(("127.0.0.1", args.port), Handler)
    srv.daemon_threads = True
    srv.log = args.log
    srv.key = None
    if args.secret:
        srv.key = base64.b64decode(args.secret.strip()[len("whsec_"):])
    srv.scripts = {}
    for s in args.script:
        path, _, steps = s.partition("=")
        srv.scripts[path] = [parse_step(x) for x in steps.split(",") if x]
    port = srv.server_address[1]
    if args.port_file:
        tmp = args.port_file + ".tmp"
        with open(tmp, "w") as f:
            f.write("%d\n" % port)
        os.rename(tmp, args.port_file)
    sys.stdout.write("%d\n" % port)
    sys.stdout.flush()
    threading.Timer(args.lifetime, srv.shutdown).start()
    srv.serve_forever()


if __name__ == "__main__":
    main()
