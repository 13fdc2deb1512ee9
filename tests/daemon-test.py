#!/usr/bin/python3
"""daemon-test: run the real newswatchd with NOTIFY_SOCKET on a datagram socket the
test reads; check READY, reload (valid and invalid), the watchdog, STOPPING and the
exit status, --once, and `newswatchd -n`. Prints TAP. Every wait is bounded."""

import os
import re
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time

sys.dont_write_bytecode = True
import nwtest  # noqa: E402
from nwtest import DAEMON, Notify, ok, procs, read  # noqa: E402

nwtest.WAIT = 15  # seconds, the bound of every wait
WAIT = nwtest.WAIT


def write_conf(path, state, sources, extra=""):
    """A configuration with the given sources (name, url)."""
    src = ",\n".join('  { name = "%s"; url = "%s"; }' % s for s in sources)
    with open(path, "w") as f:
        f.write('daemon = {\n  state_dir = "%s";\n  admin_listen = "";\n%s};\n'
                'sources = (\n%s\n);\n' % (state, extra, src))


def sources(db):
    """The (name, url) rows of the sources table."""
    con = sqlite3.connect("file:%s?mode=ro" % db, uri=True, timeout=5)
    try:
        return sorted(con.execute("SELECT name, url FROM sources").fetchall())
    finally:
        con.close()


def wait_exit(proc, timeout=WAIT):
    """The exit status, or None after killing a process that overran."""
    try:
        return proc.wait(timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
        return None


def start(tmp, conf, notify_path, log_path, *args, watchdog=None):
    env = dict(os.environ, NOTIFY_SOCKET=notify_path)
    env.pop("WATCHDOG_PID", None)
    env.pop("STATE_DIRECTORY", None)
    if watchdog:
        env["WATCHDOG_USEC"] = str(watchdog)
    log = open(log_path, "w")
    proc = subprocess.Popen([DAEMON, "-c", conf] + list(args), env=env,
                            stdout=log, stderr=subprocess.STDOUT, cwd=tmp)
    log.close()
    procs.append(proc)
    return proc


def test_run(tmp):
    """Start, reload valid and invalid, watchdog, stop."""
    state = os.path.join(tmp, "state")
    conf = os.path.join(tmp, "newswatch.conf")
    log = os.path.join(tmp, "daemon.log")
    db = os.path.join(state, "newswatch.db")
    notify = Notify(os.path.join(tmp, "notify.sock"))
    write_conf(conf, state, [("one", "http://127.0.0.1:1/one/feed")])
    proc = start(tmp, conf, os.path.join(tmp, "notify.sock"), log,
                 watchdog=400000)
    try:
        run_checks(proc, notify, conf, state, db, log)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def run_checks(proc, notify, conf, state, db, log):
    ready = notify.wait(r"^READY=1$")
    if not ok(ready is not None, "READY=1 after start", read(log)):
        return
    ok(any(re.search(r"^STATUS=Watching 1 sources", m, re.M)
           for m in notify.seen), "STATUS= says what it watches", notify.seen)
    ok(os.path.exists(db), "database created in state_dir")
    ok(sources(db) == [("one", "http://127.0.0.1:1/one/feed")],
       "sources table synced at start", sources(db))
    ok(notify.wait(r"^WATCHDOG=1$", 5) is not None,
       "WATCHDOG=1 at half of WATCHDOG_USEC")

    # A valid, changed configuration.
    write_conf(conf, state, [("one", "http://127.0.0.1:1/one/feed2"),
                             ("two", "http://127.0.0.1:1/two/feed")])
    proc.send_signal(signal.SIGHUP)
    msg = notify.wait(r"^RELOADING=1$")
    ok(msg is not None and re.search(r"^MONOTONIC_USEC=\d+$", msg, re.M),
       "RELOADING=1 with MONOTONIC_USEC", notify.seen)
    ok(notify.wait(r"^READY=1$") is not None, "READY=1 after the reload")
    ok(sources(db) == [("one", "http://127.0.0.1:1/one/feed2"),
                       ("two", "http://127.0.0.1:1/two/feed")],
       "reload applied: sources synced", sources(db))
    ok("configuration reloaded" in read(log), "reload logged", read(log))

    # An invalid one: every error logged, the old one kept.
    with open(conf, "a") as f:
        f.write('bogus = 1;\nwatchlists = ( { name = "w"; query = "x"; '
                'notify = ["nobody"]; } );\n')
    proc.send_signal(signal.SIGHUP)
    ok(notify.wait(r"^RELOADING=1$") is not None, "RELOADING=1 for a bad file")
    ok(notify.wait(r"^READY=1$") is not None, "READY=1 after the failed reload")
    text = read(log)
    ok(re.search(re.escape(conf) + r':\d+: unknown section "bogus"', text) and
       re.search(re.escape(conf) + r':\d+: watchlist "w": unknown notifier '
                 r'"nobody"', text),
       "every error logged as file:line: message", text)
    ok("keeping the running configuration" in text, "old configuration kept")
    ok(sources(db) == [("one", "http://127.0.0.1:1/one/feed2"),
                       ("two", "http://127.0.0.1:1/two/feed")],
       "sources unchanged after the failed reload")
    ok(proc.poll() is None, "still running after the failed reload")

    t0 = time.monotonic()
    proc.send_signal(signal.SIGTERM)
    ok(notify.wait(r"^STOPPING=1$") is not None, "STOPPING=1 on SIGTERM")
    rc = wait_exit(proc, 10)
    ok(rc == 0, "SIGTERM: exit status 0 (got %r)" % rc, read(log))
    ok(time.monotonic() - t0 < 10, "stopped within the bound")


def test_once(tmp):
    """--once: starts, readies, polls its source (refused: nothing listens on
    port 1) and exits 1, some source having failed."""
    state = os.path.join(tmp, "once-state")
    conf = os.path.join(tmp, "once.conf")
    log = os.path.join(tmp, "once.log")
    path = os.path.join(tmp, "once.sock")
    notify = Notify(path)
    write_conf(conf, state, [("one", "http://127.0.0.1:1/one/feed")])
    proc = start(tmp, conf, path, log, "--once")
    ok(notify.wait(r"^READY=1$") is not None, "--once: READY=1")
    ok(wait_exit(proc) == 1, "--once: exit 1 (its source failed)", read(log))


def test_sigint_and_bad_start(tmp):
    """SIGINT stops like SIGTERM; an unusable state_dir exits 1."""
    state = os.path.join(tmp, "int-state")
    conf = os.path.join(tmp, "int.conf")
    log = os.path.join(tmp, "int.log")
    path = os.path.join(tmp, "int.sock")
    notify = Notify(path)
    write_conf(conf, state, [("one", "http://127.0.0.1:1/one/feed")])
    proc = start(tmp, conf, path, log)
    ok(notify.wait(r"^READY=1$") is not None, "READY=1 (SIGINT run)")
    proc.send_signal(signal.SIGINT)
    ok(wait_exit(proc) == 0, "SIGINT: exit 0")
    write_conf(conf, os.path.join(tmp, "no", "such", "dir"),
               [("one", "http://127.0.0.1:1/one/feed")])
    proc = start(tmp, conf, path, log)
    rc = wait_exit(proc)
    ok(rc == 1 and "no/such/dir" in read(log),
       "unusable state_dir: exit 1 with the reason", read(log))


def test_check(tmp):
    """newswatchd -n: exit 0 or 2, prints the verdict or every error, creates nothing."""
    d = os.path.join(tmp, "check")
    os.mkdir(d)
    state = os.path.join(d, "state")
    good = os.path.join(tmp, "good.conf")
    bad = os.path.join(tmp, "bad.conf")
    write_conf(good, state, [("one", "http://127.0.0.1:1/one/feed")])
    write_conf(bad, state, [("one", "ftp://one.example.org/")],
               '  interval = "fast";\n')
    r = subprocess.run([DAEMON, "-n", "-c", good], cwd=d, capture_output=True,
                       text=True, timeout=WAIT)
    ok(r.returncode == 0 and r.stdout == "configuration OK\n", "-n good: exit 0, "
       "configuration OK", r.stdout + r.stderr)
    r = subprocess.run([DAEMON, "-n", "-c", bad], cwd=d, capture_output=True,
                       text=True, timeout=WAIT)
    want = ('%s:4: daemon.interval: bad duration "fast"\n'
            '%s:7: source "one": url: not an http or https URL: '
            '"ftp://one.example.org/"\n' % (bad, bad))
    ok(r.returncode == 2 and r.stderr == want, "-n bad: exit 2, every error",
       "rc=%d\n%s" % (r.returncode, r.stderr))
    ok(os.listdir(d) == [], "-n creates nothing", os.listdir(d))
    r = subprocess.run([DAEMON, "-x"], capture_output=True, timeout=WAIT)
    ok(r.returncode == 2, "unknown option: exit 2")
    r = subprocess.run([DAEMON, "-V"], capture_output=True, text=True,
                       timeout=WAIT)
    ok(r.returncode == 0 and r.stdout.startswith("newswatchd "), "-V")
    r = subprocess.run([DAEMON, "-h"], capture_output=True, text=True,
                       timeout=WAIT)
    ok(r.returncode == 0 and "usage" in r.stdout, "-h")


class Overrun(BaseException):
    """The whole test overran: not caught by run_tests, so it stops here."""


def overrun(signum, frame):
    """The watchdog fired: fail, letting the finally blocks kill the daemons."""
    raise Overrun("daemon-test overran its time limit")


def main():
    signal.signal(signal.SIGALRM, overrun)
    signal.alarm(120)  # the watchdog of the whole test
    tmp = tempfile.mkdtemp(prefix="nw-daemon.")
    try:
        nwtest.run_tests((test_run, test_once, test_sigint_and_bad_start,
                          test_check), tmp)
    finally:
        signal.alarm(0)
        rc = nwtest.finish(tmp)
    return rc

if __name__ == "__main__":
    sys.exit(main())
