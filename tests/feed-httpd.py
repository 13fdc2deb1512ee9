"""Loopback HTTP server for tests/parse.sh: serves fixtures with a chosen charset.

Binds 127.0.0.1 on a free port, prints the port on stdout (the readiness signal),
serves until its lifetime (seconds, argv[2]) ends. Routes:
  /latin1       http-charset.xml as text/xml; charset=ISO-8859-1
  /redirect     302 to /latin1
  /big          an endless chunked body (the client must stop at its cap)
  /missing      404
"""
import http.server
import os
import sys
import threading

FEEDS = sys.argv[1]


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def do_GET(self):
        if self.path == "/latin1":
            with open(os.path.join(FEEDS, "http-charset.xml"), "rb") as f:
                body = f.read()
            self.send_response(200)
            self.send_header("Content-Type", "text/xml; charset=ISO-8859-1")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
        elif self.path == "/redirect":
            self.send_response(302)
            self.send_header("Location", "/latin1")
            self.send_header("Content-Length", "0")
            self.end_headers()
        elif self.path == "/big":
            self.send_response(200)
            self.send_header("Content-Type", "application/rss+xml")
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            chunk = b"<item><title>x</title></item>" * 2000
            try:
                for _ in range(1000):    # ~58 MB at most, bounded
                    self.wfile.write(b"%x\r\n%s\r\n" % (len(chunk), chunk))
            except (BrokenPipeError, ConnectionResetError):
                pass
            self.close_connection = True
        else:
            self.send_response(404)
            self.send_header("Content-Length", "0")
            self.end_headers()


server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
print(server.server_address[1], flush=True)
threading.Timer(float(sys.argv[2]), server.shutdown).start()
server.serve_forever()
