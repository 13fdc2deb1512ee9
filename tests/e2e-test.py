#!/usr/bin/python3
"""e2e-test: the whole daemon in operation, end to end, on 127.0.0.1 only.

The real newswatchd polls tests/fixture-server.py serving feeds of every format
(RSS 2.0, Atom, JSON Feed, RSS 1.0/RDF) and an aggregator that republishes one
story with a "The post ... appeared first on ..." trailer; it alerts through the
webhook plugin to tests/webhook-receiver.py and through the email plugin to
tests/smtp-server.py (aiosmtpd). One source is an HTML listing page
(type = "html" with link_xpath) whose links lead to article pages served by
the same fixture server: on its first poll the links are recorded as seen and
no page is fetched; a new link later has its page fetched and extracted.

Checked: the first poll of a source (feed or listing) is silent; a feed update
gives exactly the new alerts, on both channels; a new link on the listing
gives exactly one alert, on both channels, with the title and a snippet of the
text extracted from the article page (not the listing's link text); the
aggregator's copy alerts nobody and is named
under "also at" in the original's alert; a reload that adds a watchlist (and a
source) applies it to new articles only; a restart repeats no alert; /metrics
counts what happened; /healthz answers; a failing source raises one health
alert, and one more when it recovers; newswatch status --json agrees.
Prints TAP. Every process has a lifetime, every wait a deadline."""

import email
import email.header
import email.policy
import glob
import hashlib
import json
import os
import re
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
import urllib.request

sys.dont_write_bytecode = True
import nwtest  # noqa: E402
from nwtest import (CLI, DAEMON, PLUGINS, PY, SRC, Notify,  # noqa: E402
                    free_port, ok, procs, read, read_port, wait_for)

nwtest.WAIT = 40   # seconds: the bound of every wait for the daemon
WAIT = nwtest.WAIT
LIFETIME = "300"   # seconds: every helper server exits by then

# ---- the news: texts of at least 40 words, one story each ----

WORDS = ("river council harbour budget storm school railway mayor bridge "
         "election museum hospital vaccine festival drought market tunnel "
         "airport court strike forest energy housing police farmer minister "
         "library stadium census glacier pension tariff orchestra "
         "satellite volcano refinery vineyard monastery lighthouse canal "
         "bakery harvest orchard quarry brewery village chapel meadow "
         "workshop theatre garrison").split()


def text(topic, n, words=60):
    """A distinct text for story n: the topic sentence, then its own words."""
    h = hashlib.sha256(b"e2e-%d" % n).digest()
    out = []
    for i in range(words):
        b = h[i % len(h)] ^ (i * 7 + n * 13) ^ h[(i * 5 + n) % len(h)]
        out.append(WORDS[b % len(WORDS)])
        if i % 11 == 10:
            out[-1] += "."
    return topic + " " + " ".join(out) + "."


STORIES = {
    # first poll (silent)
    "s1": ("Wind farm approved off the coast",
           text("The regional authority approved a wind farm of forty turbines.", 1)),
    "s2": ("Łódź opens a new tram line",
           text("A new tram line opened in Łódź on Saturday morning.", 2)),
    "s3": ("Ferry timetable changes for winter",
           text("The winter ferry timetable cuts the evening crossings.", 3)),
    "s4": ("Museum reopens after renovation",
           text("The city museum reopened after two years of renovation.", 4)),
    "s5": ("Markets close higher",
           text("Stock markets closed higher as shipping costs eased.", 5)),
    # the update
    "a": ("Second wind farm planned further north",
          text("An energy company plans a second wind farm further north.", 6)),
    "b": ("Bank opens an office in Tromsø",
          text("A French bank opens an office in Tromsø for arctic shipping.", 7)),
    "c": ("School year starts with new teachers",
          text("The school year starts with thirty new teachers in the city.", 8)),
    "d": ("Neuer Windpark in der Nordsee genehmigt",
          text("Ein weiterer Windpark in der Nordsee wurde genehmigt.", 9)),
    # after the reload
    "e": ("New ferry line to the islands",
          text("A new ferry line will link the harbour with the islands.", 10)),
    "f": ("Wind farm consultation extended",
          text("The consultation on the wind farm was extended by a month.", 11)),
    # the listing page: two links at its first poll (silent), one added later
    "l1": ("Harbour bakery wins a national prize",
           text("The harbour bakery won a national prize for its rye bread.", 12)),
    "l2": ("Orchestra announces its spring season",
           text("The city orchestra announced a spring season of ten concerts.",
                13)),
    "g": ("Offshore wind farm cable reaches the harbour",
          text("The export cable of the offshore wind farm reached the harbour "
               "on Monday.", 14)),
}

# The listing's link text for each article (the page's title is the alert's).
LINK_TEXT = {"l1": "Bakery prize: read the story",
             "l2": "Spring concerts: read the story",
             "g": "The cable has landed: read the story"}


def rss(items, base):
    out = ['<?xml version="1.0" encoding="utf-8"?>\n<rss version="2.0" '
           'xmlns:content="http://purl.org/rss/1.0/modules/content/">'
           '<channel><title>Harbour Times</title><link>%s</link>\n' % base]
    for key, extra in items:
        title, body = STORIES[key]
        out.append("<item><guid>%s-%s</guid><title>%s</title><link>%s%s.html"
                   "</link><content:encoded><![CDATA[<p>%s</p>%s]]>"
                   "</content:encoded></item>\n" % (base, key, title, base, key,
                                                    body, extra))
    out.append("</channel></rss>\n")
    return "".join(out)


def atom(items):
    out = ['<?xml version="1.0" encoding="utf-8"?>\n<feed xmlns='
           '"http://www.w3.org/2005/Atom"><title>Le Quotidien</title>'
           '<id>urn:e2e:atom</id><updated>2026-11-28T08:00:00Z</updated>\n']
    for key in items:
        title, body = STORIES[key]
        out.append('<entry><id>urn:e2e:%s</id><title>%s</title><link rel='
                   '"alternate" href="http://atom.test/%s"/><updated>'
                   '2026-11-28T08:00:00Z</updated><content type="text">%s'
                   '</content></entry>\n' % (key, title, key, body))
    out.append("</feed>\n")
    return "".join(out)


def jsonfeed(items):
    return json.dumps({
        "version": "https://jsonfeed.org/version/1.1", "title": "El Diario",
        "items": [{"id": "json-" + k, "url": "http://json.test/" + k,
                   "title": STORIES[k][0], "content_text": STORIES[k][1]}
                  for k in items]}, ensure_ascii=False)


def rdf(items):
    out = ['<?xml version="1.0" encoding="utf-8"?>\n<rdf:RDF xmlns:rdf='
           '"http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns='
           '"http://purl.org/rss/1.0/"><channel rdf:about="http://rdf.test/">'
           '<title>Gazeta</title><link>http://rdf.test/</link></channel>\n']
    for key in items:
        title, body = STORIES[key]
        out.append('<item rdf:about="http://rdf.test/%s"><title>%s</title>'
                   '<link>http://rdf.test/%s</link><description>%s'
                   '</description></item>\n' % (key, title, key, body))
    out.append("</rdf:RDF>\n")
    return "".join(out)


def article_page(key):
    """An article page: navigation, the article (its title and text), footer."""
    title, body = STORIES[key]
    return ("<!doctype html><html lang=en><head><meta charset=utf-8><title>%s"
            "</title></head><body><header><nav><a href='/files/list.html'>"
            "Latest news from the harbour</a></nav></header><article><h1>%s"
            "</h1><p>%s</p></article><footer>Copyright The Listing 2026."
            "</footer></body></html>" % (title, title, body))


def listing_page(keys):
    """The listing: one teaser per article page, a nav and a footer."""
    teasers = "".join("<div class=teaser><h2><a href='/files/list-%s.html'>%s"
                      "</a></h2><p>Teaser.</p></div>" % (k, LINK_TEXT[k])
                      for k in keys)
    return ("<!doctype html><html><head><meta charset=utf-8><title>Latest"
            "</title></head><body><nav><a href='/files/about-the-listing-"
            "site.html'>About the listing site</a></nav><main>%s</main>"
            "<footer>The Listing</footer></body></html>" % teasers)


TRAILER = ('<p>The post <a href="http://rss.test/a.html">%s</a> appeared first '
           'on <a href="http://rss.test/">Harbour Times</a>.</p>'
           % STORIES["a"][0])


class Env:
    """The servers, the configuration and the daemon."""

    def __init__(self):
        self.tmp = tempfile.mkdtemp(prefix="nw-e2e.")
        self.www = os.path.join(self.tmp, "www")
        self.mails = os.path.join(self.tmp, "mails")
        os.mkdir(self.www)
        os.mkdir(self.mails)
        self.state = os.path.join(self.tmp, "state")
        self.conf = os.path.join(self.tmp, "newswatch.conf")
        self.db = os.path.join(self.state, "newswatch.db")
        self.hooklog = os.path.join(self.tmp, "hook.jsonl")
        self.dlog = os.path.join(self.tmp, "daemon.log")
        self.admin = free_port()
        self.fixture = self.start_server(
            [PY, os.path.join(SRC, "tests", "fixture-server.py"), "--dir",
             self.www, "--lifetime", LIFETIME], "fixture")
        self.hook = self.start_server(
            [PY, os.path.join(SRC, "tests", "webhook-receiver.py"), "--log",
             self.hooklog, "--lifetime", LIFETIME], "hook")
        self.smtp = self.start_server(
            [PY, os.path.join(SRC, "tests", "smtp-server.py"), "--dir",
             self.mails, "--no-starttls", "--lifetime", LIFETIME], "smtp")
        self.base = "http://127.0.0.1:%d/files/" % self.fixture
        self.notify = Notify(os.path.join(self.tmp, "notify.sock"))
        self.daemon = None

    def start_server(self, argv, name):
        """Start a helper that writes its port to --port-file; the port."""
        pf = os.path.join(self.tmp, name + ".port")
        proc = subprocess.Popen(argv + ["--port-file", pf],
                                stdout=subprocess.DEVNULL)
        procs.append(proc)
        return read_port(pf, proc, 15)

    def put(self, name, body):
        req = urllib.request.Request(self.base + name, data=body.encode(),
                                     method="PUT")
        urllib.request.urlopen(req, timeout=10).read()

    def write_conf(self, ferries=False, quiet=False):
        wl = ['{ name = "wind"; query = "\\"wind farm\\" OR windpark"; '
              'notify = ["hook", "mail"]; }',
              '{ name = "cities"; keywords = ["Lodz", "Tromso"]; mode = "any"; '
              'notify = ["hook", "mail"]; }']
        src = [("rss", "rss.xml"), ("atom", "atom.xml"), ("json", "feed.json"),
               ("rdf", "rdf.xml"), ("agg", "agg.xml"), ("broken", "broken.xml")]
        if ferries:
            wl.append('{ name = "ferries"; query = "ferry"; '
                      'notify = ["hook", "mail"]; }')
            src.append(("late", "late.xml"))
        extra = (',\n { name = "list"; type = "html"; url = "%slist.html"; '
                 'link_xpath = "//div[@class=\'teaser\']//a"; }' % self.base)
        if quiet:
            extra += (',\n { name = "quiet"; url = "%squiet.xml"; '
                     'stale_after = "3s"; }' % self.base)
        with open(self.conf, "w") as f:
            f.write('daemon = {\n state_dir = "%s";\n admin_listen = '
                    '"127.0.0.1:%d";\n plugin_dir = "%s";\n interval = "2s";\n'
                    ' backoff_max = "3s";\n allow_private = true;\n'
                    ' retry_min = "1s";\n health_notify = ["hook"];\n'
                    ' fail_after = 2;\n};\n' % (self.state, self.admin, PLUGINS))
            f.write("sources = (\n%s,\n { name = \"gone\"; url = "
                    "\"http://127.0.0.1:%d/status/410\"; }%s\n);\n" % (",\n".join(
                        ' { name = "%s"; url = "%s%s"; }' % (n, self.base, p)
                        for n, p in src), self.fixture, extra))
            f.write("watchlists = (\n%s\n);\n" % ",\n".join(" " + w for w in wl))
            f.write('notifiers = (\n { name = "hook"; plugin = "webhook"; '
                    'url = "http://127.0.0.1:%d/hook"; hold = "5s"; },\n'
                    ' { name = "mail"; plugin = "email"; url = '
                    '"smtp://127.0.0.1:%d"; starttls = false; from = '
                    '"newswatch <alerts@e2e.test>"; to = ["desk@e2e.test"]; '
                    'hold = "5s"; }\n);\n' % (self.hook, self.smtp))

    def notified(self, pattern, timeout=WAIT):
        return self.notify.wait(pattern, timeout) is not None

    def start_daemon(self):
        env = dict(os.environ, NOTIFY_SOCKET=self.notify.path)
        for k in ("WATCHDOG_USEC", "WATCHDOG_PID", "STATE_DIRECTORY"):
            env.pop(k, None)
        log = open(self.dlog, "a")
        self.daemon = subprocess.Popen([DAEMON, "-c", self.conf], env=env,
                                       stdout=log, stderr=subprocess.STDOUT,
                                       cwd=self.tmp)
        log.close()
        procs.append(self.daemon)
        return self.notified(r"^READY=1$")

    def stop_daemon(self):
        self.daemon.send_signal(signal.SIGTERM)
        try:
            return self.daemon.wait(WAIT)
        except subprocess.TimeoutExpired:
            self.daemon.kill()
            self.daemon.wait()
            return None

    def query(self, sql, args=()):
        try:
            con = sqlite3.connect("file:%s?mode=ro" % self.db, uri=True,
                                  timeout=5)
            try:
                return con.execute(sql, args).fetchall()
            finally:
                con.close()
        except sqlite3.Error:
            return []

    def hooks(self):
        """The payloads the webhook receiver got, in order."""
        out = []
        for line in read(self.hooklog).splitlines():
            try:
                out.append(json.loads(json.loads(line)["body"]))
            except (ValueError, KeyError):
                pass
        return out

    def articles(self):
        return sorted(a for a, in self.hooks_key("article"))

    def hooks_key(self, kind):
        return [((p.get("watchlist"), p.get("title")),) for p in self.hooks()
                if p.get("type") == kind]

    def mail_texts(self):
        """{subject: plain text body} of the mails received."""
        out = {}
        for path in sorted(glob.glob(os.path.join(self.mails, "*.eml"))):
            with open(path, "rb") as f:
                msg = email.message_from_binary_file(f, policy=email.policy.default)
            part = msg.get_body(preferencelist=("plain",))
            out[str(msg["Subject"])] = part.get_content() if part else ""
        return out

    def mails_got(self):
        """(subject) of each mail received."""
        out = []
        for path in sorted(glob.glob(os.path.join(self.mails, "*.eml"))):
            with open(path, "rb") as f:
                msg = email.message_from_binary_file(f, policy=email.policy.default)
            out.append(str(msg["Subject"]))
        return out

    def metrics(self):
        try:
            with urllib.request.urlopen("http://127.0.0.1:%d/metrics"
                                        % self.admin, timeout=5) as r:
                return r.read().decode()
        except OSError:
            return ""


def metric(text, line):
    """The value of one sample line (name with labels), or None."""
    m = re.search("^" + re.escape(line) + r" (\S+)$", text, re.M)
    return float(m.group(1)) if m else None


def polled_since(env, names, t):
    """Whether every named source had an attempt at or after t."""
    rows = dict(env.query("SELECT name, coalesce(last_attempt, 0) FROM sources"))
    return all(rows.get(n, 0) >= t for n in names)


FEEDS = ["rss", "atom", "json", "rdf", "agg"]
LISTING = ["l1", "l2"]          # the listing's links at its first poll


def phase_first_poll(env):
    env.put("rss.xml", rss([("s1", "")], "http://rss.test/"))
    env.put("atom.xml", atom(["s2"]))
    env.put("feed.json", jsonfeed(["s3"]))
    env.put("rdf.xml", rdf(["s4"]))
    env.put("agg.xml", rss([("s5", "")], "http://agg.test/"))
    for k in LISTING:
        env.put("list-%s.html" % k, article_page(k))
    env.put("list.html", listing_page(LISTING))
    env.write_conf()
    if not ok(env.start_daemon(), "daemon ready (READY=1)", read(env.dlog)):
        return False
    done = wait_for(lambda: len(env.query(
        "SELECT 1 FROM sources WHERE name IN ('rss','atom','json','rdf','agg',"
        "'list') AND first_fetch_done = 1")) == 6)
    ok(done, "first poll of every feed and of the listing done", read(env.dlog))
    n = len(env.query("SELECT 1 FROM articles"))
    ok(n == 5 + len(LISTING), "the first poll stored 5 articles and the "
       "listing's %d links (got %d)" % (len(LISTING), n))
    listed = env.query("SELECT a.entry_id, a.content FROM articles a JOIN"
                       " sources s ON s.id = a.source_id WHERE s.name = 'list'"
                       " ORDER BY a.entry_id")
    ok(listed == [(env.base + "list-%s.html" % k, None) for k in LISTING],
       "the listing's first poll records its links without fetching a page",
       listed)
    matched = len(env.query("SELECT 1 FROM matches"))
    ok(matched >= 2, "it matched watchlists (%d matches) ..." % matched)
    pending = env.query("SELECT count(*) FROM outbox WHERE kind = 1")
    ok(pending == [(0,)], "... but the first poll is silent: no alert queued",
       pending)
    code = urllib.request.urlopen("http://127.0.0.1:%d/healthz" % env.admin,
                                  timeout=5)
    h = json.loads(code.read())
    ok(code.status == 200 and h.get("status") == "ok" and h.get("sources") == 8,
       "/healthz answers 200 with its summary", h)
    return True


def phase_update(env):
    t = time.time()
    env.put("rss.xml", rss([("a", ""), ("s1", "")], "http://rss.test/"))
    env.put("atom.xml", atom(["b", "s2"]))
    env.put("feed.json", jsonfeed(["c", "s3"]))
    env.put("rdf.xml", rdf(["d", "s4"]))
    env.put("list-g.html", article_page("g"))
    env.put("list.html", listing_page(["g"] + LISTING))
    stored = wait_for(lambda: env.query(
        "SELECT 1 FROM articles a JOIN sources s ON s.id = a.source_id"
        " WHERE s.name = 'rss' AND a.title = ?", (STORIES["a"][0],)))
    ok(stored, "the new item of the RSS feed is stored", read(env.dlog))
    # The aggregator republishes it, within the notifiers' hold.
    env.put("agg.xml", rss([("a", TRAILER), ("s5", "")], "http://agg.test/"))
    want = sorted([("wind", STORIES["a"][0]), ("cities", STORIES["b"][0]),
                   ("wind", STORIES["d"][0]), ("wind", STORIES["g"][0])])
    got = wait_for(lambda: env.articles() if len(env.articles()) >= 4 else None)
    ok(got == want, "the update gives exactly the new alerts, the listing's "
       "new link included (webhook)",
       "got %r\nwant %r\n%s" % (got, want, read(env.dlog)))
    subjects = wait_for(lambda: env.mails_got() if len(env.mails_got()) >= 4
                        else None)
    want_mail = sorted("[newswatch] %s: %s" % w for w in want)
    ok(sorted(subjects or []) == want_mail,
       "the same alerts by email", "got %r\nwant %r" % (subjects, want_mail))
    phase_listing_alert(env)
    alert_a = [p for p in env.hooks() if p.get("title") == STORIES["a"][0]]
    also = alert_a[0].get("also_at", []) if alert_a else []
    ok(any(o.get("source") == "agg" for o in also),
       "the aggregator's copy is named under also_at", alert_a)
    agg = env.query("SELECT a.story_id = (SELECT story_id FROM articles x JOIN"
                    " sources s ON s.id = x.source_id WHERE s.name = 'rss' AND"
                    " x.title = ?1) FROM articles a JOIN sources s ON"
                    " s.id = a.source_id WHERE s.name = 'agg' AND a.title = ?1",
                    (STORIES["a"][0],))
    ok(agg == [(1,)], "the copy is stored as the same story", agg)
    sighting = env.query("SELECT count(*) FROM sightings g JOIN sources s ON"
                         " s.id = g.source_id WHERE s.name = 'agg'")
    ok(sighting and sighting[0][0] >= 1, "and recorded as a sighting", sighting)
    return t


def phase_listing_alert(env):
    """The alert for the listing's new link: the article page's title, text."""
    alert = [p for p in env.hooks() if p.get("source") == "list"]
    ok(len(alert) == 1 and alert[0].get("title") == STORIES["g"][0] and
       alert[0].get("url") == env.base + "list-g.html",
       "one alert from the listing, titled from the article page", alert)
    snippet = (alert[0].get("snippet") or "") if alert else ""
    plain = re.sub(r"[«»]", "", snippet).strip("… ")
    ok("wind farm" in plain and "reached the harbour" in plain and
       "«" in snippet and plain in " ".join(STORIES["g"]),
       "its snippet is from the page's text, the match marked", snippet)
    page = env.query("SELECT a.content FROM articles a JOIN sources s ON"
                     " s.id = a.source_id WHERE s.name = 'list' AND"
                     " a.entry_id = ?", (env.base + "list-g.html",))
    ok(page == [(STORIES["g"][1],)], "the page's text is stored as the "
       "article's content", page)
    body = env.mail_texts().get("[newswatch] wind: %s" % STORIES["g"][0], "")
    ok(snippet != "" and " ".join(snippet.split()) in " ".join(body.split()),
       "the mail carries the same snippet", body)
    fetched = env.query("SELECT count(*) FROM articles a JOIN sources s ON"
                        " s.id = a.source_id WHERE s.name = 'list' AND"
                        " a.content IS NOT NULL")
    ok(fetched == [(1,)], "the links seen at the first poll stay unfetched",
       fetched)


def health(env, source):
    return [p for p in env.hooks() if p.get("type") == "health" and
            p.get("source") == source]


def phase_health(env):
    got = wait_for(lambda: health(env, "broken"))
    ok(len(got) == 1 and got[0].get("state") == "failing" and
       "404" in (got[0].get("error") or ""),
       "a failing source raises one health alert", got)
    got = wait_for(lambda: health(env, "gone"))
    ok(len(got) == 1 and got[0].get("state") == "failing" and
       "410" in (got[0].get("error") or ""),
       "a source disabled by 410 Gone raises one too", got)
    row = env.query("SELECT disabled_reason FROM sources WHERE name = 'gone'")
    ok(row and row[0][0], "410: the source is disabled", row)


def phase_metrics(env):
    m = env.metrics()
    ok(m != "" and all(l.startswith("newswatch_") for l in m.splitlines()
                       if l and not l.startswith("#")),
       "/metrics answers; every name starts with newswatch_", m[:2000])
    ok((metric(m, 'newswatch_fetches_total{source="rss",result="ok"}') or 0) >= 2,
       "fetches counted by source and result")
    ok((metric(m, 'newswatch_fetches_total{source="broken",result="http_4xx"}')
        or 0) >= 2, "failed fetches counted as http_4xx")
    ok(metric(m, 'newswatch_articles_total{source="rss",kind="new"}') == 2,
       "new articles counted (rss: 2)", m)
    ok((metric(m, 'newswatch_articles_total{source="agg",kind="duplicate"}')
        or 0) == 1, "the aggregator's copy counted as a duplicate")
    ok(metric(m, 'newswatch_matches_total{watchlist="wind"}') == 4 and
       metric(m, 'newswatch_matches_total{watchlist="cities"}') == 2,
       "matches by watchlist (first poll included)")
    delivered = metric(m, 'newswatch_deliveries_total{notifier="hook",'
                       'result="delivered"}')
    ok(delivered == len(env.hooks()), "deliveries by notifier (%r, receiver %d)"
       % (delivered, len(env.hooks())))
    ok(metric(m, 'newswatch_deliveries_total{notifier="mail",'
              'result="delivered"}') == 4, "email deliveries counted")
    ok(metric(m, 'newswatch_health_alerts_total{source="broken",'
              'state="failing"}') == 1 and metric(m, 'newswatch_health_alerts_'
              'total{source="gone",state="failing"}') == 1,
       "health alerts counted")
    ok(metric(m, 'newswatch_outbox{notifier="hook",state="pending"}') == 0 and
       metric(m, 'newswatch_outbox{notifier="hook",state="dead"}') == 0,
       "outbox gauges: nothing pending or dead")
    ok((metric(m, 'newswatch_source_last_success_timestamp_seconds'
               '{source="rss"}') or 0) > 0 and
       re.search(r'^newswatch_fetch_duration_seconds_count\{source="rss"\} \d+',
                 m, re.M), "last success and the duration histogram")


def phase_test_source(env):
    probe = "NEW: " + STORIES["f"][0]
    env.put("probe.xml", rss([("a", ""), ("c", "")], "http://probe.test/")
            .replace(STORIES["c"][0], probe))
    counts = lambda: env.query(
        "SELECT (SELECT count(*) FROM articles), (SELECT count(*) FROM outbox),"
        " (SELECT count(*) FROM sources), (SELECT count(*) FROM matches)")
    before = counts()
    r = subprocess.run([CLI, "-c", env.conf, "test-source",
                        env.base + "probe.xml"], capture_output=True, timeout=60)
    out = r.stdout.decode()
    ok(r.returncode == 0 and "HTTP 200" in out, "test-source URL: fetched",
       out + r.stderr.decode())
    ok(re.search(r"duplicate\s+%s\s+of story \d+, first seen at rss" %
                 re.escape(STORIES["a"][0]), out),
       "test-source names the duplicate and where it was first seen", out)
    ok(re.search(r"new\s+%s" % re.escape(STORIES["c"][0]), out) is None and
       "first fetch of this source" in out,
       "test-source says a first fetch alerts nobody", out)
    r = subprocess.run([CLI, "-c", env.conf, "test-source", "rss"],
                       capture_output=True, timeout=60)
    out = r.stdout.decode()
    ok(r.returncode == 0 and "2 unchanged" in out and "nothing would alert" in out,
       "test-source NAME: known entries unchanged, nothing would alert", out)
    ok(counts() == before, "test-source changed nothing in the database",
       (before, counts()))


def phase_reload(env):
    env.put("late.xml", rss([("f", "")], "http://late.test/"))
    env.write_conf(ferries=True)
    r = subprocess.run([CLI, "-c", env.conf, "source", "enable", "gone"],
                       capture_output=True, timeout=30)
    ok(r.returncode == 0, "newswatch source enable gone", r.stdout + r.stderr)
    t = time.time()
    env.daemon.send_signal(signal.SIGHUP)
    ok(env.notified(r"^READY=1$"), "reload done")
    again = wait_for(lambda: env.query(
        "SELECT 1 FROM sources WHERE name = 'gone' AND last_attempt >= ?1 AND"
        " disabled_reason IS NOT NULL", (int(t),)))
    ok(again, "the reload takes the enabled source up: polled again (and "
       "disabled again by its 410)", read(env.dlog))
    done = wait_for(lambda: env.query(
        "SELECT 1 FROM sources WHERE name = 'late' AND first_fetch_done = 1"))
    ok(done, "the added source is polled", read(env.dlog))
    before = len(env.hooks())
    env.put("feed.json", jsonfeed(["e", "c", "s3"]))
    got = wait_for(lambda: [p for p in env.hooks()[before:]
                            if p.get("type") == "article"])
    ok([(p.get("watchlist"), p.get("title")) for p in got] ==
       [("ferries", STORIES["e"][0])],
       "the added watchlist alerts on a new article, not on the old ferry item",
       got)
    mail = wait_for(lambda: [m for m in env.mails_got() if "ferries" in m])
    ok(mail == ["[newswatch] ferries: %s" % STORIES["e"][0]],
       "and by email", env.mails_got())
    ok(not any(p.get("title") == STORIES["f"][0] for p in env.hooks()),
       "the added source's first poll is silent")


def phase_restart(env):
    n_hooks, n_mails = len(env.hooks()), len(env.mails_got())
    rc = env.stop_daemon()
    ok(rc == 0, "SIGTERM: exit 0 (%r)" % rc, read(env.dlog))
    t = time.time()
    ok(env.start_daemon(), "restarted", read(env.dlog))
    polled = wait_for(lambda: polled_since(env, FEEDS + ["late", "list"], t))
    ok(polled, "every source polled again after the restart")
    # Nothing can reach a receiver that is not in the outbox first: no row
    # queued since the restart and none pending means nothing more will come.
    rows = env.query("SELECT count(*), coalesce(sum(state = 'pending'), 0) FROM"
                     " outbox WHERE created_at >= ?1 OR state = 'pending'",
                     (int(t),))
    ok(rows == [(0, 0)], "no alert queued since the restart, none pending", rows)
    ok(len(env.hooks()) == n_hooks and len(env.mails_got()) == n_mails,
       "a restart repeats no alert (%d/%d webhooks, %d/%d mails)"
       % (len(env.hooks()), n_hooks, len(env.mails_got()), n_mails))


def phase_recover(env):
    env.put("broken.xml", rss([("s4", "")], "http://broken.test/"))
    got = wait_for(lambda: [p for p in env.hooks() if p.get("type") == "health"
                            and p.get("state") == "recovered"])
    ok(len(got) == 1 and got[0].get("source") == "broken",
       "a recovered source raises one more health alert", got)
    r = subprocess.run([CLI, "-c", env.conf, "status", "--json"],
                       capture_output=True, timeout=30)
    try:
        j = json.loads(r.stdout)
    except ValueError:
        j = {}
    names = sorted(s["name"] for s in j.get("sources", []))
    ok(names == sorted(FEEDS + ["broken", "gone", "late", "list"]) and
       j.get("outbox", {}).get("dead") == 0,
       "newswatch status --json while the daemon runs", r.stdout + r.stderr)
    ok([p.get("state") for p in health(env, "broken")] ==
       ["failing", "recovered"] and
       [p.get("state") for p in health(env, "gone")] == ["failing"],
       "health alerts: exactly failing then recovered, and one failing for "
       "the source still gone", [p for p in env.hooks()
                                 if p.get("type") == "health"])


def phase_stale(env):
    env.put("quiet.xml", rss([("s3", "")], "http://quiet.test/"))
    env.write_conf(ferries=True, quiet=True)
    env.daemon.send_signal(signal.SIGHUP)
    ok(env.notified(r"^READY=1$"), "reload with a source that has stale_after")
    got = wait_for(lambda: health(env, "quiet"))
    ok([p.get("state") for p in got] == ["stale"],
       "nothing new for longer than stale_after: one stale alert", got)
    env.put("quiet.xml", rss([("e", ""), ("s3", "")], "http://quiet.test/"))
    got = wait_for(lambda: health(env, "quiet")[1:])
    ok([p.get("state") for p in got] == ["recovered"],
       "a new article: recovered", health(env, "quiet"))


def main():
    signal.alarm(280)  # the watchdog of the whole test
    env = Env()
    try:
        if phase_first_poll(env):
            phase_update(env)
            phase_health(env)
            phase_metrics(env)
            phase_test_source(env)
            phase_reload(env)
            phase_restart(env)
            phase_recover(env)
            phase_stale(env)
            rc = env.stop_daemon()
            ok(rc == 0, "final stop: exit 0 (%r)" % rc, read(env.dlog))
    finally:
        rc = nwtest.finish(env.tmp)
    return rc


if __name__ == "__main__":
    sys.exit(main())
