/*
 * test-poll: sched and http together, glued the way the daemon will glue them
 * (due → http_request with the stored validators → sched_done), against
 * tests/fixture-server.py: conditional GET across polls, a 429 with Retry-After
 * holding every source of that host (checked in the server's request log), 410
 * disabling a source, a permanent redirect reported, and a source on another
 * host unaffected.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <event2/event.h>

#include "../src/http.h"
#include "../src/log.h"
#include "../src/sched.h"
#include "../src/xmalloc.h"
#include "fixture.h"
#include "tap.h"

static struct event_base *base;
static struct fixture fix;
static struct http *http;
static struct sched *sched;

struct src {
	const char		*name;
	char			*url;
	struct source_state	 st;
	struct sched_source	*ss;
	int			 fetches;
	int			 statuses[32];
	char			*moved_to;
};

/* A fetch finished: keep the validators, report the outcome to sched. */
static void
fetched_cb(const struct http_response *r, void *arg)
{
	struct src		*s = arg;
	struct sched_outcome	 o = { 0 };

	if (s->fetches < 32)
		s->statuses[s->fetches] = r->status;
	s->fetches++;
	if (r->result == HTTP_OK) {
		free(s->st.etag);
		free(s->st.last_modified);
		s->st.etag = r->etag != NULL ? xstrdup(r->etag) : NULL;
		s->st.last_modified = r->last_modified != NULL ?
		    xstrdup(r->last_modified) : NULL;
	}
	if (r->moved_to != NULL && s->moved_to == NULL)
		s->moved_to = xstrdup(r->moved_to);
	o.ok = r->result == HTTP_OK || r->result == HTTP_NOT_MODIFIED;
	o.status = r->status;
	o.retry_after = r->retry_after;
	o.error = o.ok || r->result == HTTP_STATUS ? NULL : r->error;
	o.moved_to = r->moved_to;
	sched_done(sched, s->ss, &o);
}

/* A source is due: fetch it conditionally. */
static void
due_cb(struct sched_source *ss, void *arg)
{
	struct src		*s = sched_source_arg(ss);
	struct http_request	 req = { 0 };

	(void)arg;
	req.url = s->url;
	req.etag = s->st.etag;
	req.last_modified = s->st.last_modified;
	http_request(http, &req, fetched_cb, s);
}

/* Earliest and latest logged request time for a path prefix on a host. */
static int
log_times(const char *host, const char *path, double *first, double *last)
{
	FILE	*fp = fopen(fix.log, "r");
	char	 line[8192], h[128], p[256], *t;
	int	 n = 0;
	double	 v;

	snprintf(h, sizeof h, "\"host\": \"%s:%d\"", host, fix.port);
	snprintf(p, sizeof p, "\"path\": \"%s", path);
	*first = *last = 0;
	while (fp != NULL && fgets(line, sizeof line, fp) != NULL) {
		if (strstr(line, h) == NULL || strstr(line, p) == NULL ||
		    (t = strstr(line, "\"time\": ")) == NULL)
			continue;
		v = atof(t + 8);
		if (n++ == 0)
			*first = v;
		*last = v;
	}
	if (fp != NULL)
		fclose(fp);
	return n;
}

/* Run the loop for ms milliseconds. */
static void
run_for(int64_t ms)
{
	struct timeval	 tv = { ms / 1000, (ms % 1000) * 1000 };

	event_base_loopexit(base, &tv);
	event_base_dispatch(base);
}

int
main(void)
{
	struct http_limits	 lim = { 0 };
	struct sched_params	 p = { 0 };
	struct src		 s[5];
	const char		*paths[5] = { "/files/a.xml", "/status/429?ra=1",
				    "/files/b.xml", "/status/410",
				    "/redirect/1?code=301&final=/files/b.xml" };
	const char		*hosts[5] = { "127.0.0.1", "127.0.0.1", "localhost",
				    "localhost", "localhost" };
	char			*key, *cause, *want;
	double			 t429, last429, first, last;
	int			 i, n, ok304 = 0;

	log_init("test-poll", LOG_LEVEL_ERR);
	curl_global_init(CURL_GLOBAL_DEFAULT);
	if (fixture_start(&fix, 60) != 0)
		skip_all("cannot start the fixture server");
	fixture_write(&fix, "a.xml", "<rss>a</rss>\n");
	fixture_write(&fix, "b.xml", "<rss>b</rss>\n");
	base = event_base_new();
	lim.proxy = "";
	lim.allow_private = 1;
	http = http_new(base, &lim);
	p.spread_rate = 20;
	sched = sched_new(base, &p, due_cb, NULL);
	memset(s, 0, sizeof s);
	for (i = 0; i < 5; i++) {
		s[i].name = paths[i];
		xasprintf(&s[i].url, "http://%s:%d%s", hosts[i], fix.port, paths[i]);
		key = http_host_key(s[i].url, &cause);
		/* the 429 source: a long interval, so one hold in the window */
		s[i].ss = sched_add(sched, paths[i], key, i == 1 ? 10000 : 250,
		    &s[i].st, &s[i]);
		free(key);
	}
	run_for(3000);

	/* conditional GET across polls */
	ok(s[0].fetches >= 3, "a.xml polled every ~250 ms but for the hold (%d times)",
	    s[0].fetches);
	is_int(s[0].statuses[0], 200, "first poll 200");
	for (i = 1; i < s[0].fetches && i < 32; i++)
		ok304 += s[0].statuses[i] == 304;
	ok(ok304 >= 1, "later polls are 304 (%d)", ok304);
	is_int(s[0].st.failures, 0, "no failures");

	/* the 429 held its host, a.xml included, not localhost */
	n = log_times("127.0.0.1", "/status/429", &t429, &last429);
	ok(n >= 1, "429 source fetched (%d)", n);
	log_times("127.0.0.1", "/files/a.xml", &first, &last);
	{
		FILE	*fp = fopen(fix.log, "r");
		char	 line[8192], h[64], *t;
		int	 during = 0;

		snprintf(h, sizeof h, "\"host\": \"127.0.0.1:%d\"", fix.port);
		while (fp != NULL && fgets(line, sizeof line, fp) != NULL) {
			if (strstr(line, h) == NULL ||
			    (t = strstr(line, "\"time\": ")) == NULL)
				continue;
			if (atof(t + 8) > t429 + 0.05 && atof(t + 8) < t429 + 0.95)
				during++;
		}
		if (fp != NULL)
			fclose(fp);
		is_int(during, 0, "no request to 127.0.0.1 during its 1 s Retry-After hold");
	}
	ok(last > t429 + 0.95, "a.xml fetched again after the hold");
	ok(s[1].st.failures >= 1, "the 429 counts as a failure");
	n = log_times("localhost", "/files/b.xml", &first, &last);
	ok(n >= 4, "localhost b.xml kept its pace during the hold (%d)", n);

	/* 410 disables */
	n = log_times("localhost", "/status/410", &first, &last);
	is_int(n, 1, "the 410 source was fetched once");
	ok(s[3].st.disabled_reason != NULL, "and disabled: %s", s[3].st.disabled_reason);
	is_int(sched_source_due(s[3].ss), -1, "never due again");

	/* permanent redirect */
	xasprintf(&want, "http://localhost:%d/files/b.xml", fix.port);
	is_str(s[4].moved_to, want, "permanent redirect reported with the new URL");
	free(want);

	http_free(http);		/* callbacks of running fetches still reach sched */
	for (i = 0; i < 5; i++) {
		sched_remove(sched, s[i].ss);
		free(s[i].url);
		free(s[i].moved_to);
		free(s[i].st.etag);
		free(s[i].st.last_modified);
		free(s[i].st.last_error);
		free(s[i].st.disabled_reason);
	}
	sched_free(sched);
	event_base_free(base);
	fixture_stop(&fix);
	curl_global_cleanup();
	return done_testing();
}
