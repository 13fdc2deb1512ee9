#!/usr/bin/python3
"""ops-test: the operations side against the real newswatchd and newswatch.

- admin: /healthz and /metrics with curl on 127.0.0.1 and a free port; 404, 405,
  oversized headers refused; a reload moves admin_listen; "" disables it.
- newswatch status --json: the exact shape, read while the daemon runs.
- newswatch source enable: clears disabled_reason, due now; unknown name; a
  database owned by someone else is refused.
- newswatch import-opml: the output, inside a full configuration, passes
  newswatchd -n (conf_load) with every feed, unique names, escaped strings.
Prints TAP; every wait is bounded; every process is killed at the end."""

import json
import os
import re
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time

sys.dont_write_bytecode = True
import nwtest  # noqa: E402
from nwtest import (CLI, DAEMON, Notify, free_port, ok,  # noqa: E402
                    procs, read)

nwtest.WAIT = 15  # seconds, the bound of every wait
WAIT = nwtest.WAIT


def curl(*args):
    """(status code, headers+body) of a curl request; code 0 when refused."""
    r = subprocess.run(["curl", "-s", "-i", "--max-time", "5"] + list(args),
                       capture_output=True, timeout=WAIT)
    text = r.stdout.decode(errors="replace")
    m = re.match(r"HTTP/1\.[01] (\d+)", text)
    return (int(m.group(1)) if m else 0), text


def body(text):
    return text.split("\r\n\r\n", 1)[1] if "\r\n\r\n" in text else ""


def write_conf(path, state, listen):
    with open(path, "w") as f:
        f.write('daemon = {\n  state_dir = "%s";\n  admin_listen = "%s";\n};\n'
                'sources = (\n'
                '  { name = "alpha"; url = "http://127.0.0.1:9/a.xml"; },\n'
                '  { name = "beta"; url = "http://127.0.0.1:9/b.xml"; '
                'enabled = false; }\n);\n' % (state, listen))


def start(tmp, conf, sock):
    env = dict(os.environ, NOTIFY_SOCKET=sock)
    for k in ("WATCHDOG_USEC", "WATCHDOG_PID", "STATE_DIRECTORY"):
        env.pop(k, None)
    log = open(os.path.join(tmp, "daemon.log"), "a")
    proc = subprocess.Popen([DAEMON, "-c", conf], env=env, stdout=log,
                            stderr=subprocess.STDOUT, cwd=tmp)
    log.close()
    procs.append(proc)
    return proc


def test_admin(tmp, conf, state, proc, notify):
    port = int(re.search(r":(\d+)", read(conf)).group(1))
    base = "http://127.0.0.1:%d" % port
    code, text = curl(base + "/healthz")
    ok(code == 200, "/healthz answers 200", text)
    try:
        h = json.loads(body(text))
    except ValueError:
        h = {}
    ok(h.get("status") == "ok" and h.get("db") == "ok" and
       h.get("sources") == 2 and isinstance(h.get("uptime"), int) and
       isinstance(h.get("version"), str), "/healthz JSON summary", text)
    code, text = curl(base + "/metrics")
    ok(code == 200 and "text/plain; version=0.0.4" in text,
       "/metrics answers in the text format", text)
    lines = [l for l in body(text).splitlines() if l and not l.startswith("#")]
    ok(lines and all(l.startswith("newswatch_") for l in lines),
       "every metric name starts with newswatch_", text)
    ok('newswatch_source_last_success_timestamp_seconds{source="alpha"}' in text
       and "newswatch_up 1" in text, "gauges read from the store", text)
    code, text = curl(base + "/nope")
    ok(code == 404, "other paths: 404", text)
    code, text = curl("-X", "POST", "-d", "x=1", base + "/metrics")
    ok(code == 405 and "Allow: GET, HEAD" in text, "other methods: 405", text)
    code, text = curl("-H", "X-Big: " + "a" * 10000, base + "/healthz")
    ok(code != 200, "oversized headers refused (got %d)" % code, text)
    code, text = curl("-I", base + "/healthz")
    ok(code == 200 and body(text) == "", "HEAD: headers only", text)

    # A reload that moves admin_listen; then one that disables it.
    port2 = free_port()
    write_conf(conf, state, "127.0.0.1:%d" % port2)
    proc.send_signal(signal.SIGHUP)
    ok(notify.wait(r"^READY=1$") is not None, "reload done")
    code2, _ = curl("http://127.0.0.1:%d/healthz" % port2)
    code1, _ = curl(base + "/healthz")
    ok(code2 == 200 and code1 == 0, "reload rebinds admin_listen (new %d, old %d)"
       % (code2, code1), read(os.path.join(tmp, "daemon.log")))
    write_conf(conf, state, "")
    proc.send_signal(signal.SIGHUP)
    ok(notify.wait(r"^READY=1$") is not None, "reload done")
    code2, _ = curl("http://127.0.0.1:%d/healthz" % port2)
    ok(code2 == 0, 'admin_listen = "" disables it')


def test_status_running(conf):
    """status --json while the daemon runs (and polls)."""
    r = subprocess.run([CLI, "-c", conf, "status", "--json"],
                       capture_output=True, timeout=WAIT)
    try:
        j = json.loads(r.stdout)
    except ValueError:
        j = {}
    ok(r.returncode == 0 and sorted(s["name"] for s in j.get("sources", []))
       == ["alpha", "beta"], "status --json reads while the daemon runs",
       r.stdout + r.stderr)


def test_status(tmp, conf, db):
    now = int(time.time())
    con = sqlite3.connect(db, timeout=5)
    con.execute("UPDATE sources SET last_success = ?, last_status = 200, last_error = NULL,"
                " failures = 0, next_due = ? WHERE name = 'alpha'",
                (now - 60, now + 600))
    con.execute("UPDATE sources SET last_status = 503, last_error = 'HTTP 503',"
                " failures = 3 WHERE name = 'beta'")
    con.commit()
    con.close()
    r = subprocess.run([CLI, "-c", conf, "status", "--json"],
                       capture_output=True, timeout=WAIT)
    try:
        j = json.loads(r.stdout)
    except ValueError:
        j = None
    ok(r.returncode == 0 and j is not None, "status --json prints JSON",
       r.stdout + r.stderr)
    if j is None:
        return
    keys = ["name", "last_success", "last_status", "last_error", "failures",
            "next_due", "articles_24h"]
    ok(sorted(j.keys()) == ["outbox", "sources"] and
       sorted(j["outbox"].keys()) == ["dead", "pending"],
       "top level: sources and outbox {pending, dead}", j)
    ok(all(list(s.keys()) == keys for s in j["sources"]),
       "each source has exactly the documented keys", j)
    by = {s["name"]: s for s in j["sources"]}
    a, b = by.get("alpha", {}), by.get("beta", {})
    ok(a.get("last_success") == now - 60 and a.get("last_status") == 200 and
       a.get("next_due") == now + 600 and a.get("last_error") is None and
       a.get("failures") == 0 and a.get("articles_24h") == 0,
       "a healthy source", a)
    ok(b.get("last_success") is None and b.get("last_status") == 503 and
       b.get("last_error") == "HTTP 503" and b.get("failures") == 3,
       "a failing source", b)
    ok(isinstance(j["outbox"]["pending"], int) and
       isinstance(j["outbox"]["dead"], int), "outbox counts", j)
    r = subprocess.run([CLI, "-c", conf, "status"], capture_output=True,
                       timeout=WAIT)
    out = r.stdout.decode()
    ok(r.returncode == 0 and re.search(r"^alpha\s+ok\s", out, re.M) and
       re.search(r"^beta\s+idle\s.*HTTP 503", out, re.M) and
       re.search(r"^outbox: \d+ pending, \d+ dead$", out, re.M),
       "status as a table", out)


def test_source_enable(tmp, conf, db):
    con = sqlite3.connect(db, timeout=5)
    con.execute("UPDATE sources SET disabled_reason = '410 Gone', failures = 7,"
                " next_due = NULL WHERE name = 'alpha'")
    con.commit()
    con.close()
    t0 = int(time.time())
    r = subprocess.run([CLI, "-c", conf, "source", "enable", "alpha"],
                       capture_output=True, timeout=WAIT)
    ok(r.returncode == 0, "source enable: exit 0", r.stdout + r.stderr)
    con = sqlite3.connect(db, timeout=5)
    row = con.execute("SELECT disabled_reason, failures, next_due FROM sources"
                      " WHERE name = 'alpha'").fetchone()
    con.close()
    ok(row[0] is None and row[1] == 0 and row[2] is not None and
       t0 <= row[2] <= int(time.time()) + 1,
       "disabled_reason cleared, failures reset, due now", row)
    r = subprocess.run([CLI, "-c", conf, "source", "enable", "nosuch"],
                       capture_output=True, timeout=WAIT)
    ok(r.returncode == 1 and b"nosuch" in r.stderr, "unknown source: exit 1",
       r.stdout + r.stderr)
    r = subprocess.run([CLI, "-c", conf, "source", "bogus"],
                       capture_output=True, timeout=WAIT)
    ok(r.returncode == 2, "bad usage: exit 2")
    if os.geteuid() != 0:
        ok(True, "# SKIP owner check needs root to chown")
        return
    copy = os.path.join(tmp, "other.db")
    shutil.copy(db, copy)
    os.chown(copy, 65534, 65534)
    r = subprocess.run([CLI, "--db", copy, "source", "enable", "alpha"],
                       capture_output=True, timeout=WAIT)
    ok(r.returncode == 2 and b"owner" in r.stderr,
       "a database owned by another user is refused", r.stdout + r.stderr)


def test_stopping(tmp):
    """/healthz says 503 "stopping" while a stopped daemon finishes a transfer."""
    state = os.path.join(tmp, "stop-state")
    conf = os.path.join(tmp, "stop.conf")
    sock = os.path.join(tmp, "stop.sock")
    notify = Notify(sock)
    hang = socket.socket()
    hang.bind(("127.0.0.1", 0))
    hang.listen(4)
    port = free_port()
    with open(conf, "w") as f:
        f.write('daemon = { state_dir = "%s"; admin_listen = "127.0.0.1:%d"; };\n'
                'sources = ( { name = "slow"; url = "http://127.0.0.1:%d/feed"; } );\n'
                % (state, port, hang.getsockname()[1]))
    proc = start(tmp, conf, sock)
    conn = None
    try:
        if not ok(notify.wait(r"^READY=1$") is not None, "second daemon ready"):
            return
        hang.settimeout(WAIT)
        conn, _ = hang.accept()          # the fetch is in flight, unanswered
        proc.send_signal(signal.SIGTERM)
        ok(notify.wait(r"^STOPPING=1$") is not None, "STOPPING=1")
        code, text = curl("http://127.0.0.1:%d/healthz" % port)
        ok(code == 503 and '"status":"stopping"' in text,
           "/healthz: 503 while stopping with work in flight", text)
        conn.close()                     # the transfer fails: the daemon exits
        conn = None
        try:
            rc = proc.wait(WAIT)
        except subprocess.TimeoutExpired:
            rc = None
        ok(rc == 0, "then it exits (rc %r)" % rc)
    finally:
        if conn is not None:
            conn.close()
        hang.close()


OPML = """<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE opml [ <!ENTITY ext SYSTEM "file:///etc/passwd"> ]>
<opml version="2.0">
<head><title>Export</title></head>
<body>
  <outline text="News" title="News">
    <outline type="rss" text="Le Monde" xmlUrl="https://www.lemonde.fr/rss/une.xml"/>
    <outline type="rss" text="Le Monde" xmlUrl="https://www.lemonde.fr/rss/en_continu.xml"/>
    <outline text="Deutsch">
      <outline type="rss" text="Die &quot;Zeit&quot; \\ Online" xmlUrl="https://newsfeed.zeit.de/index?a=1&amp;b=2"/>
      <outline type="rss" title="Łódź   Ελλάδα" xmlUrl="https://pl.example/feed"/>
    </outline>
  </outline>
  <outline type="rss" xmlUrl="http://no-name.example/feed"/>
  <outline type="rss" text="&ext;" xmlUrl="http://entity.example/feed"/>
  <outline type="rss" text="gopher" xmlUrl="gopher://old.example/"/>
  <outline text="Le Monde" xmlUrl="https://third.example/rss"/>
</body>
</opml>
"""


def test_opml(tmp):
    path = os.path.join(tmp, "export.opml")
    with open(path, "w") as f:
        f.write(OPML)
    r = subprocess.run([CLI, "import-opml", path], capture_output=True,
                       timeout=WAIT)
    out = r.stdout.decode()
    ok(r.returncode == 0 and out.rstrip().endswith(");"),
       "import-opml prints a sources setting", out + r.stderr.decode())
    ok(not re.search(r",\s*\)", out), "no trailing comma", out)
    ok("root:" not in out, "no external entity read", out)
    conf = os.path.join(tmp, "opml.conf")
    with open(conf, "w") as f:
        f.write('daemon = { state_dir = "%s/opml-state"; admin_listen = ""; };\n'
                '%s\nwatchlists = ( { name = "w"; query = "europe"; } );\n'
                % (tmp, out))
    r = subprocess.run([DAEMON, "-n", "-c", conf], capture_output=True,
                       timeout=WAIT)
    ok(r.returncode == 0, "the output loads in a full configuration (conf_load)",
       r.stdout + r.stderr)
    pairs = re.findall(r'\{ name = "((?:[^"\\]|\\.)*)"; url = "((?:[^"\\]|\\.)*)"; \}',
                       out)
    names = [n for n, _ in pairs]
    urls = [u for _, u in pairs]
    ok(len(pairs) == 7 and len(set(names)) == 7, "7 feeds, unique names", pairs)
    ok(names[:2] == ["Le Monde", "Le Monde (2)"] and "Le Monde (3)" in names,
       "duplicates numbered", names)
    ok('Die \\"Zeit\\" \\\\ Online' in names and
       "https://newsfeed.zeit.de/index?a=1&b=2" in urls,
       "quotes and backslashes escaped, &amp; decoded", pairs)
    ok("Łódź Ελλάδα" in names and "http://no-name.example/feed" in names,
       "UTF-8 kept, whitespace collapsed, a nameless feed named by its URL",
       names)
    ok("gopher://old.example/" not in out and b"skipped 1" in r.stderr or
       "gopher" not in out, "non-http feeds skipped", out)
    ok("// News / Deutsch" in out, "categories named in comments", out)
    bad = os.path.join(tmp, "bad.opml")
    with open(bad, "w") as f:
        f.write("<html><body>no</body></html>")
    r = subprocess.run([CLI, "import-opml", bad], capture_output=True,
                       timeout=WAIT)
    ok(r.returncode == 2, "not OPML: exit 2", r.stderr)


def main():
    tmp = tempfile.mkdtemp(prefix="nw-ops-")
    try:
        state = os.path.join(tmp, "state")
        conf = os.path.join(tmp, "newswatch.conf")
        db = os.path.join(state, "newswatch.db")
        sock = os.path.join(tmp, "notify.sock")
        notify = Notify(sock)
        write_conf(conf, state, "127.0.0.1:%d" % free_port())
        proc = start(tmp, conf, sock)
        if ok(notify.wait(r"^READY=1$") is not None, "daemon ready",
              read(os.path.join(tmp, "daemon.log"))):
            test_status_running(conf)
            test_admin(tmp, conf, state, proc, notify)
            proc.send_signal(signal.SIGTERM)
            try:
                rc = proc.wait(WAIT)
            except subprocess.TimeoutExpired:
                rc = None
            ok(rc == 0, "daemon stops cleanly (rc %r)" % rc,
               read(os.path.join(tmp, "daemon.log")))
            test_status(tmp, conf, db)
            test_source_enable(tmp, conf, db)
        test_stopping(tmp)
        test_opml(tmp)
    finally:
        rc = nwtest.finish(tmp)
    return rc

if __name__ == "__main__":
    sys.exit(main())
