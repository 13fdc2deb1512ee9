#!/usr/bin/python3
"""smtp-server: an SMTP peer for the email tests (Debian's python3-aiosmtpd).

Listens on 127.0.0.1 on a free port, writes the port to --port-file once ready,
offers STARTTLS with --cert/--key (required before AUTH and MAIL) unless
--no-starttls (--implicit-tls: TLS from the first byte, as for smtps://), and AUTH LOGIN/PLAIN for --user/--password (a wrong one gets 535).
Recipients whose local part starts with "refused" get 550, with "tempfail" 451;
"flaky" 451 the first time and 250 after; a sender starting with "refused"
gets 553. Each message accepted is saved to
--dir as N.eml (the raw bytes) and N.json (envelope, TLS, login). Exits after
--lifetime seconds.
"""
import argparse
import json
import logging
import os
import socket
import ssl
import sys
import time
import warnings

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult


class Handler:
    def __init__(self, outdir, implicit_tls):
        self.outdir = outdir
        self.implicit_tls = implicit_tls
        self.n = 0
        self.seen = set()

    async def handle_MAIL(self, server, session, envelope, address, options):
        if address.startswith("refused"):
            return "553 5.7.1 <%s>: Sender address rejected: not allowed" % address
        envelope.mail_from = address
        envelope.mail_options.extend(options)
        return "250 OK"

    async def handle_RCPT(self, server, session, envelope, address, options):
        if address.startswith("refused"):
            return "550 5.1.1 <%s>: Recipient address rejected: no such user" % address
        if address.startswith("flaky") and address not in self.seen:
            self.seen.add(address)
            return "451 4.3.0 <%s>: greylisted, try again" % address
        if address.startswith("tempfail"):
            return "451 4.3.0 <%s>: mailbox busy, try later" % address
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.n += 1
        base = os.path.join(self.outdir, "%d" % self.n)
        with open(base + ".eml.tmp", "wb") as f:
            f.write(envelope.original_content)
        meta = {
            "mail_from": envelope.mail_from,
            "rcpt_tos": envelope.rcpt_tos,
            "tls": self.implicit_tls or session.ssl is not None,
            "login": (session.auth_data.login.decode()
                      if session.authenticated and session.auth_data else None),
        }
        with open(base + ".json", "w") as f:
            json.dump(meta, f)
        os.rename(base + ".eml.tmp", base + ".eml")
        return "250 2.0.0 Ok: queued as %d" % self.n


def authenticator(user, password):
    def check(server, session, envelope, mechanism, auth_data):
        good = (auth_data.login == user.encode()
                and auth_data.password == password.encode())
        return AuthResult(success=good, handled=False, auth_data=auth_data)
    return check


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port-file", required=True)
    ap.add_argument("--dir", required=True)
    ap.add_argument("--cert")
    ap.add_argument("--key")
    ap.add_argument("--user", default="alerts")
    ap.add_argument("--password", default="s3cret")
    ap.add_argument("--no-starttls", action="store_true")
    ap.add_argument("--implicit-tls", action="store_true")
    ap.add_argument("--lifetime", type=float, default=60)
    a = ap.parse_args()
    warnings.filterwarnings("ignore")
    # aiosmtpd itself logs a deprecation on every login
    logging.getLogger("mail.log").setLevel(logging.ERROR)

    params = {"authenticator": authenticator(a.user, a.password),
              "auth_require_tls": False}
    ctl_params = {}
    if a.implicit_tls or not a.no_starttls:
        ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        ctx.load_cert_chain(a.cert, a.key)
    if a.implicit_tls:
        ctl_params["ssl_context"] = ctx
    elif not a.no_starttls:
        params.update(tls_context=ctx, require_starttls=True,
                      auth_require_tls=True)
    port = free_port()
    ctl = Controller(Handler(a.dir, a.implicit_tls), hostname="127.0.0.1", port=port,
                     server_hostname="localhost", **ctl_params, **params)
    ctl.start()
    tmp = a.port_file + ".tmp"
    with open(tmp, "w") as f:
        f.write("%d\n" % port)
    os.rename(tmp, a.port_file)
    try:    # readiness for a parent reading stdout: one write
        os.write(1, b"%d\n" % port)
    except OSError:
        pass
    try:
        time.sleep(a.lifetime)
    except KeyboardInterrupt:
        pass
    ctl.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
