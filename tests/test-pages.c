/*
 * test-pages: src/pages.c on its own event_base with the real http module,
 * against tests/fixture-server.py: robots.txt (cached per host, disallow, 404,
 * 5xx), page extraction, failures and their permanence, the address rule, and
 * cancellation on pages_free.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <event2/event.h>

#include "../src/html.h"
#include "../src/http.h"
#include "../src/log.h"
#include "../src/pages.h"
#include "../src/xmalloc.h"
#include "fixture.h"
#include "tap.h"

static struct event_base *base;
static struct fixture fix;

static const char article[] =
    "<!doctype html><html lang=en><head><title>Harbour reopens | Site</title>"
    "<link rel=canonical href=\"/files/harbour.html\"></head><body>"
    "<nav><a href=\"/\">Home</a> <a href=\"/world\">World</a></nav>"
    "<article><h1>Harbour reopens</h1>"
    "<p>The old harbour reopened on Monday after two years of repairs to its "
    "sea walls, and the first fishing boats came in before dawn.</p>"
    "<p>Local traders said the closure had cost them most of their summer "
    "trade, and that they hoped the town would now recover quickly.</p>"
    "</article><footer>Copyright Site</footer></body></html>";

/* What a page callback received. */
struct got {
	int			 done;
	enum pages_result	 result;
	int			 permanent, status;
	char			*text, *title, *error;
};

/* Page callback: copy what matters. */
static void
got_cb(const struct pages_page *pg, void *arg)
{
	struct got *g = arg;

	g->done = 1;
	g->result = pg->result;
	g->permanent = pg->permanent;
	g->status = pg->status;
	g->error = pg->error != NULL ? xstrdup(pg->error) : NULL;
	if (pg->article != NULL) {
		g->text = xstrdup(pg->article->text);
		g->title = pg->article->title != NULL ?
		    xstrdup(pg->article->title) : NULL;
	}
}

static void
got_clear(struct got *g)
{
	free(g->text);
	free(g->title);
	free(g->error);
	memset(g, 0, sizeof *g);
}

/* Run the loop until every struct got in g[0..n) is done (10 s at most). */
static void
wait_all(struct got *g, int n)
{
	struct timeval	tv = { 0, 20000 };
	int		i, left, rounds = 0;

	do {
		for (left = 0, i = 0; i < n; i++)
			left += !g[i].done;
		if (left == 0)
			return;
		event_base_loopexit(base, &tv);
		event_base_loop(base, 0);
	} while (++rounds < 500);
}

/* Requests in the server's log for a path. */
static int
requests(const char *path)
{
	FILE	*fp;
	char	 line[8192], needle[512];
	int	 n = 0;

	snprintf(needle, sizeof needle, "\"path\": \"%s\"", path);
	if ((fp = fopen(fix.log, "r")) == NULL)
		return 0;
	while (fgets(line, sizeof line, fp) != NULL)
		n += strstr(line, needle) != NULL;
	fclose(fp);
	return n;
}

/* The fixture server's URL for a path, in a static buffer (one at a time). */
static const char *
url(const char *host, const char *path)
{
	static char buf[512];

	snprintf(buf, sizeof buf, "http://%s:%d%s", host, fix.port, path);
	return buf;
}

/* robots.txt: one request per host, disallowed paths never requested. */
static void
test_robots(struct pages *p)
{
	struct got g[3];

	memset(g, 0, sizeof g);
	fixture_write(&fix, "robots.txt", "User-agent: *\nDisallow: /files/secret\n\n"
	    "User-agent: otherbot\nDisallow: /\n");
	fixture_write(&fix, "harbour.html", article);
	fixture_write(&fix, "secret.html", article);
	pages_fetch(p, url("127.0.0.1", "/files/harbour.html"), 0, got_cb, &g[0]);
	pages_fetch(p, url("127.0.0.1", "/files/secret.html"), 0, got_cb, &g[1]);
	ok(!g[0].done && !g[1].done, "no callback inside pages_fetch");
	wait_all(g, 2);
	is_int(g[0].result, PAGES_OK, "allowed page fetched");
	ok(g[0].text != NULL && strstr(g[0].text, "The old harbour reopened") == g[0].text,
	    "its main text extracted");
	ok(g[0].text != NULL && strstr(g[0].text, "Copyright") == NULL &&
	    strstr(g[0].text, "World") == NULL, "without navigation or footer");
	is_str(g[0].title, "Harbour reopens", "title");
	is_int(g[1].result, PAGES_ROBOTS, "disallowed page: robots");
	ok(g[1].permanent, "disallowed is permanent");
	is_int(requests("/files/secret.html"), 0, "disallowed page never requested");
	is_int(requests("/robots.txt"), 1, "robots.txt requested once");
	got_clear(&g[0]);
	got_clear(&g[1]);

	/* cached: decided without a new robots.txt request */
	pages_fetch(p, url("127.0.0.1", "/files/secret.html?x=1"), 0, got_cb, &g[0]);
	pages_fetch(p, url("127.0.0.1", "/files/harbour.html"), 0, got_cb, &g[1]);
	ok(!g[0].done, "cached decision still delivered from the loop");
	wait_all(g, 2);
	is_int(g[0].result, PAGES_ROBOTS, "cached rules: disallowed");
	is_int(g[1].result, PAGES_OK, "cached rules: allowed");
	is_int(requests("/robots.txt"), 1, "robots.txt still requested once");
	is_int(requests("/files/harbour.html"), 2, "allowed page requested each time");
	got_clear(&g[0]);
	got_clear(&g[1]);

	/* a new agent (reload): the rules are read again, for that agent */
	pages_set_agent(p, "otherbot/2.0");
	pages_fetch(p, url("127.0.0.1", "/files/harbour.html"), 0, got_cb, &g[0]);
	wait_all(g, 1);
	is_int(g[0].result, PAGES_ROBOTS, "new agent: its own group disallows all");
	is_int(requests("/robots.txt"), 2, "robots.txt read again after the change");
	got_clear(&g[0]);
	pages_set_agent(p, "newswatch-test/1.0 (+https://example.org)");
	pages_fetch(p, url("127.0.0.1", "/files/harbour.html"), 0, got_cb, &g[0]);
	wait_all(g, 1);
	is_int(g[0].result, PAGES_OK, "agent back: allowed again");
	got_clear(&g[0]);
}

/* Another host key (localhost): 404 allows, 5xx disallows for a while. */
static void
test_robots_status(void)
{
	struct http_limits	 lim = { 0 };
	struct http		*h;
	struct pages		*p;
	struct got		 g[2];

	lim.proxy = "";
	lim.allow_private = 1;
	h = http_new(base, &lim);
	p = pages_new(base, h, "newswatch-test/1.0");
	memset(g, 0, sizeof g);
	fixture_write(&fix, "robots.status", "503\n");
	pages_fetch(p, url("127.0.0.1", "/files/harbour.html"), 0, got_cb, &g[0]);
	wait_all(g, 1);
	is_int(g[0].result, PAGES_FAILED, "robots.txt 503: page not fetched");
	ok(!g[0].permanent, "and retried later (%s)", g[0].error);
	is_int(requests("/files/harbour.html"), 3, "no page request behind a 503 robots.txt");
	got_clear(&g[0]);
	{
		char path[600];

		snprintf(path, sizeof path, "%s/robots.status", fix.dir);
		unlink(path);
		snprintf(path, sizeof path, "%s/robots.txt", fix.dir);
		unlink(path);
	}
	pages_free(p);
	p = pages_new(base, h, "newswatch-test/1.0");
	pages_fetch(p, url("127.0.0.1", "/files/secret.html"), 0, got_cb, &g[1]);
	wait_all(&g[1], 1);
	is_int(g[1].result, PAGES_OK, "robots.txt 404: everything allowed");
	got_clear(&g[1]);
	pages_free(p);
	http_free(h);
}

/* Page failures: 404 and 500 retried, 410, not HTML and too large permanent. */
static void
test_failures(struct pages *p)
{
	struct got g[5];

	memset(g, 0, sizeof g);
	pages_fetch(p, url("127.0.0.1", "/files/missing.html"), 0, got_cb, &g[0]);
	pages_fetch(p, url("127.0.0.1", "/files/harbour.html?status=500"), 0, got_cb,
	    &g[1]);
	pages_fetch(p, url("127.0.0.1", "/files/harbour.html?ct=image/png"), 0, got_cb,
	    &g[2]);
	pages_fetch(p, url("127.0.0.1", "/files/harbour.html?big=1"), 100, got_cb,
	    &g[3]);
	pages_fetch(p, url("127.0.0.1", "/files/harbour.html?status=410"), 0, got_cb,
	    &g[4]);
	wait_all(g, 5);
	ok(g[0].result == PAGES_FAILED && !g[0].permanent && g[0].status == 404,
	    "404: failed, retried (%s)", g[0].error);
	ok(g[1].result == PAGES_FAILED && !g[1].permanent && g[1].status == 500,
	    "500: failed, retry (%s)", g[1].error);
	ok(g[2].result == PAGES_FAILED && g[2].permanent,
	    "image/png: not a page (%s)", g[2].error);
	ok(g[3].result == PAGES_FAILED && g[3].permanent,
	    "over max_body: failed (%s)", g[3].error);
	ok(g[4].result == PAGES_FAILED && g[4].permanent && g[4].status == 410,
	    "410: failed, permanent (%s)", g[4].error);
	for (int i = 0; i < 5; i++)
		got_clear(&g[i]);
}

/* A page that fails, then succeeds once the file is there. */
static void
test_fail_then_succeed(struct pages *p)
{
	struct got g;

	memset(&g, 0, sizeof g);
	pages_fetch(p, url("127.0.0.1", "/files/later.html"), 0, got_cb, &g);
	wait_all(&g, 1);
	is_int(g.result, PAGES_FAILED, "page missing: failed");
	got_clear(&g);
	fixture_write(&fix, "later.html", article);
	pages_fetch(p, url("127.0.0.1", "/files/later.html"), 0, got_cb, &g);
	wait_all(&g, 1);
	is_int(g.result, PAGES_OK, "same page later: fetched");
	ok(g.text != NULL && strstr(g.text, "sea walls") != NULL, "and extracted");
	got_clear(&g);
}

/* The address rule: no robots.txt and no page request to a private address. */
static void
test_address_rule(void)
{
	struct http_limits	 lim = { 0 };
	struct http		*h;
	struct pages		*p;
	struct got		 g;
	int			 before = requests("/robots.txt");

	lim.proxy = "";
	h = http_new(base, &lim);
	p = pages_new(base, h, NULL);
	memset(&g, 0, sizeof g);
	pages_fetch(p, url("127.0.0.1", "/files/private.html"), 0, got_cb, &g);
	wait_all(&g, 1);
	is_int(g.result, PAGES_REFUSED, "private address refused");
	ok(g.permanent && g.error != NULL && strstr(g.error, "127.0.0.1") != NULL,
	    "error names the address: %s", g.error);
	is_int(requests("/files/private.html"), 0, "no page request reached the server");
	is_int(requests("/robots.txt"), before, "nor a robots.txt request");
	got_clear(&g);
	pages_fetch(p, "gopher://example.org/x", 0, got_cb, &g);
	wait_all(&g, 1);
	is_int(g.result, PAGES_REFUSED, "gopher: refused");
	got_clear(&g);
	pages_free(p);
	http_free(h);
}

/* pages_free with fetches waiting for robots.txt and running. */
static void
test_cancel(void)
{
	struct http_limits	 lim = { 0 };
	struct http		*h;
	struct pages		*p;
	struct got		 g[2];

	lim.proxy = "";
	lim.allow_private = 1;
	h = http_new(base, &lim);
	p = pages_new(base, h, NULL);
	memset(g, 0, sizeof g);
	pages_fetch(p, url("127.0.0.1", "/files/harbour.html"), 0, got_cb, &g[0]);
	pages_fetch(p, url("localhost", "/slow-headers?delay=3"), 0, got_cb, &g[1]);
	pages_free(p);
	http_free(h);
	ok(g[0].done && g[1].done, "pages_free + http_free: every callback ran");
	ok(g[0].result == PAGES_CANCELLED && g[1].result == PAGES_CANCELLED,
	    "as cancelled");
	got_clear(&g[0]);
	got_clear(&g[1]);
}

int
main(void)
{
	struct http_limits	 lim = { 0 };
	struct http		*h;
	struct pages		*p;

	log_init("test-pages", LOG_LEVEL_WARN);
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != 0)
		skip_all("curl_global_init failed");
	if (fixture_start(&fix, 120) != 0)
		skip_all("cannot start the fixture server");
	base = event_base_new();
	lim.proxy = "";
	lim.allow_private = 1;
	h = http_new(base, &lim);
	p = pages_new(base, h, "newswatch-test/1.0 (+https://example.org)");
	test_robots(p);
	test_failures(p);
	test_fail_then_succeed(p);
	pages_free(p);
	http_free(h);
	test_robots_status();
	test_address_rule();
	test_cancel();
	event_base_free(base);
	fixture_stop(&fix);
	curl_global_cleanup();
	return done_testing();
}
