"""nwtest: what the Python drivers of the daemon tests share (pipeline-test,
pages-daemon, daemon-test, ops-test, e2e-test): TAP output, bounded waits, the
paths of the built programs, the sd_notify socket, the fixture server with its
request log, newswatchd runs and SQLite queries on its database.

Every wait is bounded by WAIT seconds unless a caller gives its own bound; a
driver sets nwtest.WAIT to its own bound before its first wait."""

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

SRC = os.environ.get("top_srcdir", ".")
BUILD = os.environ.get("top_builddir", ".")
DAEMON = os.path.join(BUILD, "newswatchd")
CLI = os.path.join(BUILD, "newswatch")
PLUGINS = os.path.join(BUILD, "src", "plugins", ".libs")
FIXTURE = os.path.join(SRC, "tests", "fixture-server.py")
PY = os.environ.get("PYTHON3", "/usr/bin/python3")
WAIT = 30  # seconds, the default bound of every wait

count = 0
failed = 0
procs = []  # every process a driver started: killed by finish()

# Words for article texts: each story gets its own sequence, long enough (>= 40
# words) for the content hash and the near-duplicate fingerprints.
WORDS = ("river council harbour budget storm school railway mayor bridge "
         "election museum hospital vaccine festival drought market tunnel "
         "airport court strike forest energy housing police farmer minister "
         "library stadium ferry census glacier pension tariff orchestra "
         "satellite volcano refinery vineyard monastery lighthouse").split()


def rss(items, title="t"):
    """An RSS 2.0 document from (guid, title, link, description) tuples."""
    parts = ['<?xml version="1.0" encoding="utf-8"?>\n<rss version="2.0">'
             '<channel><title>%s</title><link>http://x.test/</link>'
             '<language>en</language>\n' % title]
    for guid, title, link, text in items:
        parts.append("<item><guid>%s</guid><title>%s</title><link>%s</link>"
                     "<description>%s</description></item>\n"
                     % (guid, title, link, text))
    parts.append("</channel></rss>\n")
    return "".join(parts)


def ok(cond, name, diag=None):
    """One TAP line; the last lines of diag explain a failure."""
    global count, failed
    count += 1
    print(("ok" if cond else "not ok") + " %d - %s" % (count, name))
    if not cond:
        failed += 1
        if diag is not None:
            for line in str(diag).splitlines()[-40:]:
                print("#   " + line)
    sys.stdout.flush()
    return cond


def skip(why):
    """One skipped TAP test."""
    global count
    count += 1
    print("ok %d # SKIP %s" % (count, why))
    sys.stdout.flush()


def run_tests(tests, *args):
    """Run each test function; one that raises fails, the rest still run."""
    for t in tests:
        try:
            t(*args)
        except Exception as e:
            import traceback
            ok(False, "%s raised %r" % (t.__name__, e), traceback.format_exc())


def finish(tmp=None):
    """Kill what is left, remove tmp, print the plan; the exit status."""
    for p in procs:
        if p.poll() is None:
            p.kill()
            p.wait()
    if tmp is not None:
        shutil.rmtree(tmp, ignore_errors=True)
    print("1..%d" % count)
    return 1 if failed else 0


def wait_for(cond, timeout=None, step=0.05):
    """Poll cond() until it returns a true value or the bound passes."""
    deadline = time.monotonic() + (WAIT if timeout is None else timeout)
    while True:
        v = cond()
        if v or time.monotonic() > deadline:
            return v
        time.sleep(step)


def free_port():
    """A TCP port on 127.0.0.1 that was free a moment ago."""
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def read(path):
    """A file's text, or "" when it is not there (yet)."""
    try:
        with open(path, errors="replace") as f:
            return f.read()
    except OSError:
        return ""


def read_port(path, proc=None, timeout=None):
    """The port a helper server wrote to path once it listens."""
    if not wait_for(lambda: os.path.exists(path) and read(path).strip() or
                    (proc is not None and proc.poll() is not None),
                    timeout, 0.02):
        raise RuntimeError("no port in %s" % path)
    return int(read(path))


class Notify:
    """The socket systemd would listen on: collects sd_notify datagrams."""

    def __init__(self, path):
        self.path = path
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.sock.bind(path)
        self.seen = []  # every datagram read so far

    def wait(self, pattern, timeout=None):
        """The first datagram matching pattern (a regex), or None at the
        bound."""
        deadline = time.monotonic() + (WAIT if timeout is None else timeout)
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                return None
            self.sock.settimeout(left)
            try:
                msg = self.sock.recv(4096).decode()
            except socket.timeout:
                return None
            self.seen.append(msg)
            if re.search(pattern, msg, re.M):
                return msg

    def close(self):
        self.sock.close()


def conf_value(v):
    """A value in libconfig syntax."""
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, list):
        return "[%s]" % ", ".join('"%s"' % x for x in v)
    return '"%s"' % v


class Env:
    """A temporary directory, the fixture server on it and configurations."""

    def __init__(self, tag):
        self.tmp = tempfile.mkdtemp(prefix="nw-%s." % tag)
        self.www = os.path.join(self.tmp, "www")
        os.mkdir(self.www)
        self.reqlog = os.path.join(self.tmp, "requests.log")
        pf = os.path.join(self.tmp, "port")
        self.server = subprocess.Popen(
            [PY, FIXTURE, "--dir", self.www, "--port-file", pf, "--log",
             self.reqlog, "--lifetime", "600"])
        procs.append(self.server)
        self.port = read_port(pf, self.server)
        self.n = 0
        self.extra = ""  # daemon keys every configuration gets

    def url(self, path, host="127.0.0.1"):
        return "http://%s:%d%s" % (host, self.port, path)

    def put(self, name, text):
        """Serve text as /files/name, replaced atomically."""
        path = os.path.join(self.www, name)
        with open(path + ".tmp", "w") as f:
            f.write(text)
        os.replace(path + ".tmp", path)

    def rm(self, name):
        os.unlink(os.path.join(self.www, name))

    def conf(self, state, sources, extra=""):
        """Write a configuration; sources are dicts of keys, extra goes into
        the daemon group."""
        self.n += 1
        path = os.path.join(self.tmp, "nw%d.conf" % self.n)
        self.write_conf(path, state, sources, extra)
        return path

    def write_conf(self, path, state, sources, extra=""):
        src = ["  { " + " ".join("%s = %s;" % (k, conf_value(v))
                                 for k, v in s.items()) + " }"
               for s in sources]
        extra = self.extra + extra
        if "allow_private" not in extra:
            extra = "  allow_private = true;\n" + extra
        with open(path, "w") as f:
            f.write('daemon = {\n  state_dir = "%s";\n  admin_listen = "";\n'
                    '  log_level = "debug";\n%s};\n'
                    'sources = (\n%s\n);\n'
                    % (state, extra, ",\n".join(src)))

    def entries(self):
        """The fixture's request log: one dict per request."""
        out = []
        if os.path.exists(self.reqlog):
            with open(self.reqlog) as f:
                out = [json.loads(line) for line in f]
        return out

    def requests(self, path=None):
        """The paths of the fixture's request log, optionally one path only."""
        out = [e["path"] for e in self.entries()]
        return out if path is None else [p for p in out if p == path]


def run_once(conf, timeout=None):
    """newswatchd --once: (exit status or None at the bound, log)."""
    env = dict(os.environ)
    env.pop("NOTIFY_SOCKET", None)
    try:
        p = subprocess.run([DAEMON, "--once", "-c", conf], env=env,
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                           timeout=WAIT if timeout is None else timeout)
    except subprocess.TimeoutExpired as e:
        return None, (e.output or b"").decode(errors="replace")
    return p.returncode, p.stdout.decode(errors="replace")


class Daemon:
    """A long-running newswatchd, READY=1 awaited on NOTIFY_SOCKET."""

    def __init__(self, env, conf, tag):
        self.log = os.path.join(env.tmp, tag + ".log")
        sock = os.path.join(env.tmp, tag + ".sock")
        self.notify = Notify(sock)
        e = dict(os.environ, NOTIFY_SOCKET=sock)
        e.pop("WATCHDOG_USEC", None)
        with open(self.log, "w") as f:
            self.proc = subprocess.Popen([DAEMON, "-c", conf], env=e,
                                         stdout=f, stderr=subprocess.STDOUT)
        procs.append(self.proc)
        self.ready = self.notify.wait(r"^READY=1$") is not None

    def text(self):
        return read(self.log)

    def stop(self, sig=signal.SIGTERM):
        """Signal it and reap it (killed at the bound); its exit status."""
        self.proc.send_signal(sig)
        try:
            rc = self.proc.wait(WAIT)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            rc = self.proc.wait()
        self.notify.close()
        return rc


def db(state):
    """A connection to the daemon's database in state."""
    return sqlite3.connect(os.path.join(state, "newswatch.db"), timeout=5)


def q(state, sql, *args):
    """All rows of a query on the daemon's database."""
    con = db(state)
    try:
        return con.execute(sql, args).fetchall()
    finally:
        con.close()


def q1(state, sql, *args):
    """The first column of the first row, or None."""
    rows = q(state, sql, *args)
    return rows[0][0] if rows else None


def watch_lines(log, source):
    """(kind, alert) of each watch_article call logged for a source."""
    return [(int(k), int(a)) for k, a in re.findall(
        r"source %s: watch article \d+ story \d+ kind (\d) alert (\d)"
        % re.escape(source), log)]
