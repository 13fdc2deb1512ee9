#!/usr/bin/python3
"""pages-daemon: the real newswatchd against tests/fixture-server.py on
127.0.0.1, for the page side of ingest (src/pages_ingest.c, src/pages.c):
feed autodiscovery and rediscovery, listing pages with and without
selectors, first sight, full_text, robots.txt, the address rule for links,
and a page that fails and then succeeds. Prints TAP; every wait is bounded."""

import os
import re
import sys

sys.dont_write_bytecode = True
import nwtest  # noqa: E402
from nwtest import (DAEMON, Daemon, Env, ok, q, q1, rss,  # noqa: E402
                    run_once, wait_for, watch_lines, WORDS)


def paragraphs(n):
    """Three deterministic paragraphs for story n (enough words for identity)."""
    out = []
    for p in range(3):
        words = [WORDS[(n * 31 + p * 17 + i * 7 + i * i) % len(WORDS)]
                 for i in range(30)]
        out.append("Story %d part %d: %s." % (n, p, " ".join(words)))
    return out


def article_page(n, title):
    """An article page with navigation, share buttons, related links, footer."""
    body = "".join("<p>%s</p>" % p for p in paragraphs(n))
    return ("<!doctype html><html lang=en><head><title>%s | Site</title>"
            "</head><body><header><nav><a href='/'>Home</a> "
            "<a href='/files/world.html'>World news section</a></nav></header>"
            "<article><h1>%s</h1>%s</article>"
            "<aside class=related><h3>Related</h3><ul><li><a href='/files/"
            "other-story-here.html'>Another related story here</a></li></ul>"
            "</aside><div class=share>Share on social</div>"
            "<footer>Copyright Site 2026. All rights reserved.</footer>"
            "</body></html>" % (title, title, body))


def listing_page(links, extra=""):
    """A listing: teasers (div.teaser h2 a), a nav, a sidebar and a footer."""
    teasers = "".join(
        "<div class=teaser><h2><a href='%s'>%s</a></h2><p>Teaser text.</p>"
        "</div>" % (href, title) for href, title in links)
    return ("<!doctype html><html><head><title>Latest</title></head><body>"
            "<nav><a href='/files/home-page-of-site.html'>Home page of the "
            "site</a></nav><main>%s</main>%s<footer><a href='/files/"
            "about-the-team-here.html'>About the team here</a></footer>"
            "</body></html>" % (teasers, extra))


def test_stop_while_pending(env):
    """Stopped while a page waits for its retry: nothing is lost, the next
    run (same listing bytes, no 304) fetches it again."""
    state = os.path.join(env.tmp, "pending")
    links = [("/files/pending-story-comes-later.html",
              "Pending story comes later")]
    env.put("pending.html", listing_page(links))
    conf = env.conf(state, [{"name": "pending", "type": "html",
                             "url": env.url("/files/pending.html"),
                             "alert_on_first_fetch": True}])
    d = Daemon(env, conf, "pending")
    ok(wait_for(lambda: env.requests(links[0][0])), "the missing page is "
       "requested")
    rc = d.stop()
    log = d.text()
    ok(rc == 0 and ("again in 1 s" in log or "left to the next poll" in log),
       "stopped while the page was pending: exit 0", log)
    ok(q1(state, "SELECT count(*) FROM articles") == 0 and
       q(state, "SELECT etag, last_modified FROM sources") == [(None, None)],
       "nothing stored, the listing's validators held back")
    env.put(os.path.basename(links[0][0]), article_page(70, links[0][1]))
    rc, log = run_once(conf)
    ok(rc == 0 and q1(state, "SELECT content FROM articles") ==
       "\n\n".join(paragraphs(70)),
       "next run: the same listing is read again and the page stored", log)


def test_daemon_stop(env):
    """A running daemon: SIGTERM with a page in flight lets it finish and
    commits it, then exits cleanly."""
    state = os.path.join(env.tmp, "stop")
    links = [("/slow-headers?delay=2", "A slow page to wait for")]
    env.put("stop.html", listing_page(links))
    conf = env.conf(state, [{"name": "stop", "type": "html",
                             "url": env.url("/files/stop.html"),
                             "link_xpath": "//div[@class='teaser']//a",
                             "alert_on_first_fetch": True}])
    d = Daemon(env, conf, "stop")
    ok(d.ready, "daemon: READY=1")
    ok(wait_for(lambda: env.requests("/slow-headers?delay=2")),
       "the listing's page is requested")
    rc = d.stop()
    ok(rc == 0, "SIGTERM with a page in flight: exit 0", d.text())
    ok(q1(state, "SELECT count(*) FROM articles WHERE entry_id = ?",
          env.url("/slow-headers?delay=2")) == 1,
       "the page in flight finished and was committed", d.text())


def test_autodiscovery(env):
    """An HTML page announcing a feed: polled through the feed from then on."""
    state = os.path.join(env.tmp, "auto")
    env.put("home.html", "<!doctype html><html><head><title>Home</title>"
            "<link rel=alternate type='application/rss+xml' title=News "
            "href='/files/news.xml'></head><body><p>Welcome.</p></body></html>")
    items = [("n-%d" % i, "News %d" % i, env.url("/files/n%d.html" % i),
              " ".join(paragraphs(i))) for i in range(3)]
    env.put("news.xml", rss(items))
    conf = env.conf(state, [{"name": "auto", "url": env.url("/files/home.html")}])
    rc, log = run_once(conf)
    ok(rc == 0, "autodiscovery: --once exit 0", log)
    ok("source auto: feed discovered at %s" % env.url("/files/news.xml") in log,
       "the feed is discovered and logged", log)
    ok(q1(state, "SELECT count(*) FROM articles") == 3,
       "the feed's 3 entries stored in the same run", log)
    ok(q1(state, "SELECT feed_url FROM sources WHERE name = 'auto'") ==
       env.url("/files/news.xml"), "sources.feed_url remembered")
    ok(watch_lines(log, "auto") == [(1, 0)] * 3,
       "first sight of the source: no alert", log)

    home0 = len(env.requests("/files/home.html"))
    items.append(("n-3", "News 3", env.url("/files/n3.html"),
                  " ".join(paragraphs(3))))
    env.put("news.xml", rss(items))
    rc, log = run_once(conf)
    ok(rc == 0 and len(env.requests("/files/home.html")) == home0,
       "next poll goes to the feed, not the page", log)
    ok(q1(state, "SELECT count(*) FROM articles") == 4 and
       watch_lines(log, "auto") == [(1, 1)], "its new entry stored, alerting",
       log)

    env.rm("news.xml")
    rc, log = run_once(conf)
    ok(rc == 1 and "rediscovering" in log, "feed 404: rediscovery logged", log)
    row = q(state, "SELECT feed_url, disabled_reason FROM sources"
            " WHERE name = 'auto'")[0]
    ok(row == (None, None), "feed_url forgotten, the source not disabled", row)
    env.put("home.html", "<!doctype html><html><head><link rel=alternate "
            "type='application/atom+xml' href='/files/moved.xml'></head>"
            "<body></body></html>")
    env.put("moved.xml", rss(items))
    rc, log = run_once(conf)
    ok(rc == 0 and q1(state, "SELECT feed_url FROM sources WHERE name = "
       "'auto'") == env.url("/files/moved.xml"), "rediscovered at the new feed",
       log)
    ok(q1(state, "SELECT count(*) FROM articles") == 4,
       "the same entries again: nothing new", log)


def test_rediscovery(env):
    """A discovered feed answering 410 does not disable the source; one that
    fails 3 times in a row is given up for the page again."""
    state = os.path.join(env.tmp, "gone")
    env.put("gone.html", "<html><head><link rel=alternate type="
            "'application/rss+xml' href='/files/x.xml?status=410'></head></html>")
    env.put("x.xml", rss([]))
    conf = env.conf(state, [{"name": "gone", "url": env.url("/files/gone.html")}])
    rc, log = run_once(conf)
    row = q(state, "SELECT feed_url, disabled_reason, failures FROM sources")[0]
    ok(rc == 1 and row[0] is None and row[1] is None and row[2] == 1,
       "discovered feed 410: forgotten, the source stays enabled", (row, log))

    state = os.path.join(env.tmp, "flaky")
    env.put("flaky.html", "<html><head><link rel=alternate type="
            "'application/rss+xml' href='/files/x.xml?status=503'></head></html>")
    conf = env.conf(state, [{"name": "flaky",
                             "url": env.url("/files/flaky.html")}])
    feed = env.url("/files/x.xml?status=503")
    rc, log = run_once(conf)
    ok(q1(state, "SELECT feed_url FROM sources") == feed,
       "discovered feed failing: kept after 1 failure", log)
    before = len(env.requests("/files/flaky.html"))
    rc, log = run_once(conf)
    ok(q1(state, "SELECT feed_url FROM sources") == feed and
       len(env.requests("/files/flaky.html")) == before,
       "after 2 failures: still polled through the feed", log)
    rc, log = run_once(conf)
    ok(q1(state, "SELECT feed_url FROM sources") is None and
       "keeps failing; rediscovering" in log,
       "after 3 failures: forgotten, rediscovered from the page next time", log)
    rc, log = run_once(conf)
    ok(len(env.requests("/files/flaky.html")) == before + 1 and
       q1(state, "SELECT feed_url FROM sources") == feed,
       "the next poll reads the page again", log)


def test_listing_selectors(env):
    """type html with link_xpath: one article per teaser, text from its page."""
    state = os.path.join(env.tmp, "listsel")
    links = [("/files/sel-%d.html" % i, "Selected story number %d" % i)
             for i in range(3)]
    for i, (href, title) in enumerate(links):
        env.put(os.path.basename(href), article_page(10 + i, title))
    env.put("sel.html", listing_page(
        links, "<aside><a href='/files/sidebar-thing-here.html'>A sidebar "
        "link with words</a></aside>"))
    conf = env.conf(state, [{
        "name": "sel", "url": env.url("/files/sel.html"), "type": "html",
        "link_xpath": "//div[@class='teaser']//a", "title_xpath": ".",
        "alert_on_first_fetch": True}])
    rc, log = run_once(conf)
    ok(rc == 0, "listing with selectors: exit 0", log)
    rows = q(state, "SELECT entry_id, title, content FROM articles"
             " WHERE source_id = (SELECT id FROM sources WHERE name = 'sel')"
             " ORDER BY entry_id")
    ok([r[0] for r in rows] == [env.url(h) for h, _ in links],
       "one article per matching link, the canonical link as entry id", rows)
    ok(all(r[2] == "\n\n".join(paragraphs(10 + i)) for i, r in enumerate(rows)),
       "each article's content is its page's main text", rows)
    ok([r[1] for r in rows] == [t for _, t in links], "titles", rows)
    ok(all(len(env.requests(h)) == 1 for h, _ in links) and
       not env.requests("/files/sidebar-thing-here.html"),
       "each linked page fetched once, the sidebar link not", env.requests())
    ok(len(env.requests("/robots.txt")) >= 1, "robots.txt consulted")
    ok(watch_lines(log, "sel") == [(1, 1)] * 3,
       "alert_on_first_fetch: the pages go to the watch step alerting", log)

    rc, log = run_once(conf)
    ok(all(len(env.requests(h)) == 1 for h, _ in links),
       "listing again: known links are not fetched again", log)
    links.append(("/files/sel-3.html", "Selected story number 3"))
    env.put("sel-3.html", article_page(13, links[-1][1]))
    env.put("sel.html", listing_page(links))
    rc, log = run_once(conf)
    ok(len(env.requests("/files/sel-3.html")) == 1 and
       all(len(env.requests(h)) == 1 for h, _ in links[:3]),
       "a new link: exactly its page fetched", env.requests())
    ok(q1(state, "SELECT content FROM articles WHERE entry_id = ?",
          env.url("/files/sel-3.html")) == "\n\n".join(paragraphs(13)),
       "and stored with its text")


def test_politeness(env):
    """Page fetches go through the engine's per-host cap (max_per_host = 2)."""
    state = os.path.join(env.tmp, "polite")
    links = [("/slow-headers?delay=0.4&n=%d" % i, "Slow page number %d" % i)
             for i in range(6)]
    env.put("polite.html", listing_page(links))
    conf = env.conf(state, [{"name": "polite", "type": "html",
                             "url": env.url("/files/polite.html"),
                             "link_xpath": "//div[@class='teaser']//a",
                             "alert_on_first_fetch": True}])
    with open(conf) as f:
        text = f.read()
    with open(conf, "w") as f:
        f.write(text.replace("daemon = {", "daemon = {\n  max_per_host = 2;"))
    rc, log = run_once(conf)
    seen = [e["inflight"] for e in env.entries()
            if e["path"].startswith("/slow-headers?delay=0.4&n=")]
    ok(rc == 0 and len(seen) == 6, "six slow pages fetched", log)
    ok(max(seen or [0]) == 2, "never more than max_per_host (2) at once on "
       "the host: %s" % seen)
    ok(q1(state, "SELECT count(*) FROM articles") == 6, "six articles")


def test_listing_heuristic(env):
    """type html without selectors: the heuristic; first sight stores links."""
    state = os.path.join(env.tmp, "listheur")
    links = [("/files/harbour-reopens-after-repairs.html",
              "Harbour reopens after repairs"),
             ("/files/council-approves-new-budget.html",
              "Council approves new budget"),
             ("/files/storm-closes-mountain-railway.html",
              "Storm closes mountain railway")]
    for i, (href, title) in enumerate(links):
        env.put(os.path.basename(href), article_page(20 + i, title))
    env.put("heur.html", listing_page(
        links, "<div class=sidebar><a href='/files/most-read-story-of-"
        "the-day.html'>Most read story of the day</a></div>"
        "<p><a href='/files/x.html'>More</a> <a href='http://other.test/"
        "a/some-other-site-story'>Some other site story</a></p>"))
    conf = env.conf(state, [{"name": "heur", "url": env.url("/files/heur.html"),
                             "type": "html"}])
    rc, log = run_once(conf)
    rows = q(state, "SELECT entry_id, title, content FROM articles"
             " ORDER BY entry_id")
    want = sorted(env.url(h) for h, _ in links)
    ok(rc == 0 and [r[0] for r in rows] == want,
       "heuristic: the three article links, not nav, sidebar, footer, 'More' "
       "or another site", rows)
    ok(all(r[2] is None for r in rows) and
       not any(env.requests(h) for h, _ in links),
       "first sight without alert_on_first_fetch: links recorded, no page "
       "fetched", env.requests())
    ok(watch_lines(log, "heur") == [(1, 0)] * 3, "and nothing alerts", log)

    links.insert(0, ("/files/museum-opens-new-wing.html",
                     "Museum opens new wing"))
    env.put("museum-opens-new-wing.html", article_page(24, links[0][1]))
    env.put("heur.html", listing_page(links))
    rc, log = run_once(conf)
    ok(env.requests("/files/museum-opens-new-wing.html") and
       not any(env.requests(h) for h, _ in links[1:]),
       "next poll: only the new link's page fetched", env.requests())
    ok(q1(state, "SELECT content FROM articles WHERE entry_id = ?",
          env.url("/files/museum-opens-new-wing.html")) ==
       "\n\n".join(paragraphs(24)), "stored with the page's main text")
    ok(watch_lines(log, "heur") == [(1, 1)], "and alerting", log)


def test_full_text(env):
    """full_text: the entry's page text replaces the feed's summary."""
    state = os.path.join(env.tmp, "full")
    items = [("f-%d" % i, "Full %d" % i, env.url("/files/full-%d.html" % i),
              "Short summary %d only." % i) for i in range(2)]
    for i in range(3):
        env.put("full-%d.html" % i, article_page(30 + i, "Full %d" % i))
    env.put("full.xml", rss(items))
    env.put("full2.xml", rss(items))
    conf = env.conf(state, [
        {"name": "full", "url": env.url("/files/full.xml"), "full_text": True,
         "alert_on_first_fetch": True},
        {"name": "lazy", "url": env.url("/files/full2.xml"), "full_text": True}])
    rc, log = run_once(conf)
    rows = q(state, "SELECT a.entry_id, a.content, a.summary FROM articles a"
             " JOIN sources s ON s.id = a.source_id WHERE s.name = 'full'"
             " ORDER BY a.entry_id")
    ok(rc == 0 and len(rows) == 2, "full_text: both entries stored", log)
    ok(all(r[1] == "\n\n".join(paragraphs(30 + i)) for i, r in enumerate(rows)),
       "their content is the page's main text", rows)
    ok(all(r[2] == "Short summary %d only." % i for i, r in enumerate(rows)),
       "the feed's summary kept as summary", rows)
    # (the same entries on 'lazy' may have been stored first: sightings then)
    ok([a for _, a in watch_lines(log, "full")] == [1, 1],
       "matched and alerting", log)
    rows = q(state, "SELECT a.content, a.summary FROM articles a JOIN sources s"
             " ON s.id = a.source_id WHERE s.name = 'lazy' ORDER BY a.entry_id")
    ok(rows == [(None, "Short summary 0 only."), (None, "Short summary 1 only.")],
       "first sight without alert_on_first_fetch: the feed's content, no "
       "page needed", rows)
    ok(len(env.requests("/files/full-0.html")) == 1,
       "each page fetched once (by the alerting source only)", env.requests())
    ok(q1(state, "SELECT etag FROM sources WHERE name = 'full'") is None and
       q1(state, "SELECT etag FROM sources WHERE name = 'lazy'") is not None,
       "validators held back while pages were pending, kept otherwise")

    items.append(("f-2", "Full 2", env.url("/files/full-2.html"),
                  "Short summary 2 only."))
    env.put("full2.xml", rss(items))
    rc, log = run_once(conf)
    ok(q1(state, "SELECT a.content FROM articles a JOIN sources s ON"
          " s.id = a.source_id WHERE s.name = 'lazy' AND a.entry_id = 'f-2'")
       == "\n\n".join(paragraphs(32)),
       "after first sight: a new entry's page fetched and used", log)
    ok("source full: 2 entries, nothing new" in log and
       q1(state, "SELECT etag FROM sources WHERE name = 'full'") is not None,
       "nothing pending any more: the validators committed", log)
    rc, log = run_once(conf)
    ok("source full: not modified" in log, "then the unchanged feed: 304", log)


def test_robots(env):
    """robots.txt: a disallowed page is not fetched; its link is kept."""
    state = os.path.join(env.tmp, "robots")
    env.put("robots.txt", "User-agent: *\nDisallow: /files/private-\n\n"
            "User-agent: newswatch-test\nDisallow: /files/secret-\n")
    links = [("/files/open-story-for-all.html", "Open story for all"),
             ("/files/secret-story-for-none.html", "Secret story for none"),
             ("/files/private-story-for-others.html", "Private story for others")]
    for i, (href, title) in enumerate(links):
        env.put(os.path.basename(href), article_page(40 + i, title))
    env.put("robots-list.html", listing_page(links))
    robots0 = len(env.requests("/robots.txt"))
    conf = env.conf(state, [{"name": "rob", "type": "html",
                             "url": env.url("/files/robots-list.html"),
                             "alert_on_first_fetch": True}])
    rc, log = run_once(conf)
    ok(rc == 0, "robots: exit 0", log)
    ok(not env.requests("/files/secret-story-for-none.html"),
       "the page our group disallows is not fetched", env.requests())
    ok(len(env.requests("/files/open-story-for-all.html")) == 1 and
       len(env.requests("/files/private-story-for-others.html")) == 1,
       "the others are (our group replaces '*')", env.requests())
    ok(len(env.requests("/robots.txt")) == robots0 + 1,
       "robots.txt fetched once for the host")
    ok(re.search(r"robots.txt of 127.0.0.1:\d+ disallows \S+secret-story", log)
       is not None, "the skip is logged", log)
    row = q(state, "SELECT title, content FROM articles WHERE entry_id = ?",
            env.url("/files/secret-story-for-none.html"))
    ok(row == [("Secret story for none", None)],
       "the disallowed link is stored from the listing alone", row)
    rc, log = run_once(conf)
    ok("disallows" not in log, "and not logged again on the next poll", log)
    env.rm("robots.txt")


def test_address_rule(env):
    """allow_private = false: the configured URL is fetched, its links not."""
    state = os.path.join(env.tmp, "addr")
    env.put("addr-page.html", article_page(50, "Local story"))
    links = [(env.url("/files/addr-page.html"), "Link to a loopback page"),
             (env.url("/files/addr-page.html", "localhost"),
              "Link to localhost page")]
    env.put("addr.html", listing_page(links))
    conf = env.conf(state, [{"name": "addr", "type": "html",
                             "url": env.url("/files/addr.html"),
                             "link_xpath": "//div[@class='teaser']//a",
                             "alert_on_first_fetch": True}],
                    "  allow_private = false;\n")
    before = len(env.requests())
    rc, log = run_once(conf)
    reqs = env.requests()[before:]
    ok(reqs == ["/files/addr.html"],
       "only the configured listing URL reached the server", reqs)
    ok(len(re.findall(r"loopback, private or local", log)) >= 2,
       "each link's refusal is logged with the address rule", log)
    ok(q1(state, "SELECT count(*) FROM articles WHERE content IS NULL") == 2,
       "the links are kept from the listing alone", log)


def test_fail_then_succeed(env):
    """A page that fails (404: not there yet) is fetched again a moment later;
    one that keeps failing is stored from the feed alone after 3 attempts."""
    state = os.path.join(env.tmp, "late")
    links = [("/files/late-story-arrives-soon.html", "Late story arrives soon")]
    env.put("late.html", listing_page(links))
    conf = env.conf(state, [{"name": "late", "type": "html",
                             "url": env.url("/files/late.html"),
                             "alert_on_first_fetch": True}])
    d = Daemon(env, conf, "late")
    ok(d.ready, "daemon: READY=1")
    ok(wait_for(lambda: env.requests("/files/late-story-arrives-soon.html")),
       "the missing page is requested")
    env.put("late-story-arrives-soon.html", article_page(60, links[0][1]))
    ok(wait_for(lambda: q1(state, "SELECT content FROM articles") ==
                "\n\n".join(paragraphs(60))),
       "fetched again a moment later: stored with its text", d.text())
    rc = d.stop()
    log = d.text()
    ok(rc == 0 and re.search(r"late-story-arrives-soon.html: HTTP 404 "
                             r"\(attempt 1 of 3; again in 1 s\)", log),
       "the failed attempt is logged", log)
    ok(len(env.requests("/files/late-story-arrives-soon.html")) == 2,
       "two requests in all", env.requests())
    ok(q(state, "SELECT etag, first_fetch_done FROM sources") == [(None, 1)],
       "the listing's validators were held back while its page was pending")

    state = os.path.join(env.tmp, "broken")
    env.put("broken.xml", rss([("b-1", "Broken 1",
                                env.url("/files/broken-1.html?status=500"),
                                "The feed's own text of broken one.")]))
    env.put("broken-1.html", article_page(61, "Broken 1"))
    conf = env.conf(state, [{"name": "broken", "full_text": True,
                             "url": env.url("/files/broken.xml"),
                             "alert_on_first_fetch": True}])
    rc, log = run_once(conf)
    ok(rc == 0 and len(env.requests("/files/broken-1.html?status=500")) == 3,
       "a page failing with 500: three attempts", log)
    ok(q(state, "SELECT summary FROM articles") ==
       [("The feed's own text of broken one.",)] and
       "stored from the feed alone" in log,
       "then the entry is stored from the feed alone, never lost", log)
    rc, log = run_once(conf)
    ok(len(env.requests("/files/broken-1.html?status=500")) == 3 and
       "1 entries, nothing new" in log, "and known from then on", log)


def main():
    if not os.path.exists(DAEMON):
        print("1..0 # SKIP no newswatchd")
        return 0
    env = Env("pages")
    env.extra = '  user_agent = "newswatch-test/1.0";\n'
    try:
        nwtest.run_tests((test_autodiscovery, test_rediscovery,
                          test_listing_selectors, test_listing_heuristic,
                          test_politeness, test_full_text, test_robots,
                          test_address_rule, test_fail_then_succeed,
                          test_daemon_stop, test_stop_while_pending), env)
    finally:
        rc = nwtest.finish(env.tmp)
    return rc


if __name__ == "__main__":
    sys.exit(main())
