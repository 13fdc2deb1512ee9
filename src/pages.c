/*
 * pages: article pages through the polling engine, behind a per-host
 * robots.txt cache (see pages.h).
 */
#include "config.h"

#include <sys/queue.h>

#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <curl/curl.h>
#include <event2/event.h>

#include "html.h"
#include "http.h"
#include "log.h"
#include "pages.h"
#include "xmalloc.h"

/* One page fetch, from pages_fetch() until its callback. */
struct fetch {
	struct pages		*p;
	char			*url;
	int64_t			 max_body;
	pages_done_cb		 cb;
	void			*arg;
	uint64_t		 id;		/* the page transfer, 0 if none */
	/* a result decided before any transfer (delivered from the loop) */
	enum pages_result	 result;
	int			 permanent;
	char			*error;
	TAILQ_ENTRY(fetch)	 entry;		/* host waiting, running or ready */
};
TAILQ_HEAD(fetches, fetch);

/* A host's robots.txt. */
enum rstate { R_NEW, R_FETCHING, R_READY };
struct rhost {
	struct pages		*p;
	char			*key;		/* http_host_key() */
	enum rstate		 state;
	struct robots		*robots;	/* R_READY: NULL allows everything */
	char			*deny;		/* R_READY: why everything is refused */
	int64_t			 expires;	/* ms since the epoch */
	uint64_t		 id;		/* R_FETCHING: the transfer */
	struct fetches		 waiting;	/* pages waiting for it */
	TAILQ_ENTRY(rhost)	 entry;		/* least recently used first */
};

struct pages {
	struct event_base	*base;
	struct http		*http;
	char			*agent;
	struct event		*ev_ready;
	int			 dead;
	int			 outstanding;	/* transfers not yet called back */
	int			 pending;	/* fetches not yet called back */
	int			 nhosts;
	TAILQ_HEAD(, rhost)	 hosts;
	struct fetches		 running;	/* page transfers */
	struct fetches		 ready;		/* decided, callback not yet run */
};

static void	page_request(struct fetch *);

/* Wall-clock milliseconds. */
static int64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* See pages.h. */
const char *
pages_result_name(enum pages_result r)
{
	static const char *const names[] = { "ok", "disallowed by robots.txt",
	    "refused", "failed", "cancelled" };

	return (unsigned)r < sizeof names / sizeof names[0] ? names[r] : "?";
}

/* Free a fetch and account for it; the pages goes with its last piece of work. */
static void
fetch_free(struct fetch *f)
{
	struct pages *p = f->p;

	p->pending--;
	free(f->url);
	free(f->error);
	free(f);
}

/* Free the pages itself once it is dead and nothing refers to it. */
static void
maybe_free(struct pages *p)
{
	struct rhost *h;

	if (!p->dead || p->outstanding > 0 || p->pending > 0)
		return;
	while ((h = TAILQ_FIRST(&p->hosts)) != NULL) {
		TAILQ_REMOVE(&p->hosts, h, entry);
		robots_free(h->robots);
		free(h->deny);
		free(h->key);
		free(h);
	}
	free(p->agent);
	free(p);
}

/* Run a fetch's callback and free it. */
static void
fetch_done(struct fetch *f, const struct pages_page *pg)
{
	struct pages *p = f->p;

	f->cb(pg, f->arg);
	fetch_free(f);
	maybe_free(p);
}

/* Finish a fetch without a page (robots, refusal, cancel) with a result. */
static void
fetch_fail(struct fetch *f, enum pages_result r, int permanent, const char *error)
{
	struct pages_page pg;

	memset(&pg, 0, sizeof pg);
	pg.result = r;
	pg.permanent = permanent;
	pg.url = f->url;
	pg.error = error;
	fetch_done(f, &pg);
}

/* Decide a fetch's result now; the callback runs from the loop. */
static void
fetch_later(struct fetch *f, enum pages_result r, int permanent, const char *error)
{
	f->result = r;
	f->permanent = permanent;
	f->error = xstrdup(error);
	TAILQ_INSERT_TAIL(&f->p->ready, f, entry);
	event_active(f->p->ev_ready, EV_TIMEOUT, 0);
}

/* Deliver the results decided earlier. */
static void
ready_cb(evutil_socket_t fd, short events, void *arg)
{
	struct pages	*p = arg;
	struct fetch	*f;
	int		 n = 0;

	(void)fd;
	(void)events;
	for (struct fetch *g = TAILQ_FIRST(&p->ready); g != NULL;
	    g = TAILQ_NEXT(g, entry))
		n++;
	/* only those queued now: a callback may queue more (next turn) */
	while (n-- > 0 && (f = TAILQ_FIRST(&p->ready)) != NULL) {
		TAILQ_REMOVE(&p->ready, f, entry);
		fetch_fail(f, f->result, f->permanent, f->error);
	}
	if (!TAILQ_EMPTY(&p->ready))
		event_active(p->ev_ready, EV_TIMEOUT, 0);
}

/* See pages.h. */
struct pages *
pages_new(struct event_base *base, struct http *http, const char *agent)
{
	struct pages *p;

	p = xcalloc(1, sizeof *p);
	p->base = base;
	p->http = http;
	p->agent = xstrdup(agent != NULL && *agent != '\0' ? agent : "newswatch");
	if ((p->ev_ready = event_new(base, -1, 0, ready_cb, p)) == NULL)
		fatalx("pages: event_new");
	TAILQ_INIT(&p->hosts);
	TAILQ_INIT(&p->running);
	TAILQ_INIT(&p->ready);
	return p;
}

/* See pages.h. */
void
pages_free(struct pages *p)
{
	struct fetch	*f;
	struct rhost	*h;

	if (p == NULL)
		return;
	p->dead = 1;
	event_free(p->ev_ready);
	p->ev_ready = NULL;
	p->pending++;			/* hold p while callbacks run */
	while ((f = TAILQ_FIRST(&p->ready)) != NULL) {
		TAILQ_REMOVE(&p->ready, f, entry);
		fetch_fail(f, PAGES_CANCELLED, 0, "stopping");
	}
	TAILQ_FOREACH(f, &p->running, entry)
		http_cancel(p->http, f->id);
	TAILQ_FOREACH(h, &p->hosts, entry)
		if (h->state == R_FETCHING)
			http_cancel(p->http, h->id);
	p->pending--;
	maybe_free(p);
}

/* See pages.h. */
void
pages_set_agent(struct pages *p, const char *agent)
{
	struct rhost *h;

	if (agent == NULL || *agent == '\0')
		agent = "newswatch";
	if (strcmp(agent, p->agent) == 0)
		return;
	free(p->agent);
	p->agent = xstrdup(agent);
	TAILQ_FOREACH(h, &p->hosts, entry)
		if (h->state == R_READY)
			h->expires = 0;
}

/* See pages.h. */
int
pages_pending(struct pages *p)
{
	return p->pending;
}

/* The robots.txt URL of a page URL, or NULL. */
static char *
robots_url(const char *url)
{
	CURLU	*u;
	char	*s = NULL, *out = NULL;

	if ((u = curl_url()) == NULL)
		return NULL;
	if (curl_url_set(u, CURLUPART_URL, url, 0) == CURLUE_OK &&
	    curl_url_set(u, CURLUPART_PATH, "/robots.txt", 0) == CURLUE_OK &&
	    curl_url_set(u, CURLUPART_QUERY, NULL, 0) == CURLUE_OK &&
	    curl_url_set(u, CURLUPART_FRAGMENT, NULL, 0) == CURLUE_OK &&
	    curl_url_set(u, CURLUPART_USER, NULL, 0) == CURLUE_OK &&
	    curl_url_set(u, CURLUPART_PASSWORD, NULL, 0) == CURLUE_OK &&
	    curl_url_get(u, CURLUPART_URL, &s, 0) == CURLUE_OK)
		out = xstrdup(s);
	curl_free(s);
	curl_url_cleanup(u);
	return out;
}

/* A URL's path and query, as robots.txt rules match them ("/" if none). */
static char *
url_path(const char *url)
{
	CURLU	*u;
	char	*path = NULL, *query = NULL, *out;

	if ((u = curl_url()) == NULL)
		return xstrdup("/");
	if (curl_url_set(u, CURLUPART_URL, url, 0) == CURLUE_OK) {
		curl_url_get(u, CURLUPART_PATH, &path, 0);
		curl_url_get(u, CURLUPART_QUERY, &query, 0);
	}
	xasprintf(&out, "%s%s%s", path != NULL ? path : "/",
	    query != NULL ? "?" : "", query != NULL ? query : "");
	curl_free(path);
	curl_free(query);
	curl_url_cleanup(u);
	return out;
}

/* Forget the least recently used idle host when the cache is full. */
static void
hosts_trim(struct pages *p)
{
	struct rhost *h;

	if (p->nhosts < PAGES_MAX_HOSTS)
		return;
	TAILQ_FOREACH(h, &p->hosts, entry)
		if (h->state != R_FETCHING && TAILQ_EMPTY(&h->waiting))
			break;
	if (h == NULL)
		return;
	TAILQ_REMOVE(&p->hosts, h, entry);
	robots_free(h->robots);
	free(h->deny);
	free(h->key);
	free(h);
	p->nhosts--;
}

/* The cache entry of a host key, created if new, moved to the recent end. */
static struct rhost *
host_get(struct pages *p, const char *key)
{
	struct rhost *h;

	TAILQ_FOREACH(h, &p->hosts, entry)
		if (strcmp(h->key, key) == 0)
			break;
	if (h != NULL) {
		TAILQ_REMOVE(&p->hosts, h, entry);
		TAILQ_INSERT_TAIL(&p->hosts, h, entry);
		return h;
	}
	hosts_trim(p);
	h = xcalloc(1, sizeof *h);
	h->p = p;
	h->key = xstrdup(key);
	TAILQ_INIT(&h->waiting);
	TAILQ_INSERT_TAIL(&p->hosts, h, entry);
	p->nhosts++;
	return h;
}

/* Apply a ready host's rules to a fetch: request it, or refuse it. */
static void
decide(struct rhost *h, struct fetch *f, int deferred)
{
	char *path, *why;

	if (h->deny != NULL) {
		xasprintf(&why, "robots.txt of %s unavailable (%s): retried later",
		    h->key, h->deny);
		if (deferred)
			fetch_later(f, PAGES_FAILED, 0, why);
		else
			fetch_fail(f, PAGES_FAILED, 0, why);
		free(why);
		return;
	}
	path = url_path(f->url);
	if (robots_allowed(h->robots, path)) {
		free(path);
		page_request(f);
		return;
	}
	log_info("pages: robots.txt of %s disallows %s: not fetched", h->key, f->url);
	free(path);
	if (deferred)
		fetch_later(f, PAGES_ROBOTS, 1, "disallowed by robots.txt");
	else
		fetch_fail(f, PAGES_ROBOTS, 1, "disallowed by robots.txt");
}

/* Record what a robots.txt transfer gave in its host. */
static void
robots_apply(struct rhost *h, const struct http_response *r)
{
	int64_t now = now_ms();

	robots_free(h->robots);
	h->robots = NULL;
	free(h->deny);
	h->deny = NULL;
	h->state = R_READY;
	h->expires = now + PAGES_ROBOTS_TTL;
	if (r->result == HTTP_OK)
		h->robots = robots_parse(r->body, r->len, h->p->agent);
	else if (r->result == HTTP_STATUS && r->status >= 400 && r->status < 500 &&
	    r->status != 429)
		;		/* RFC 9309 2.3.1.3: unavailable, no rules */
	else if (r->result == HTTP_REFUSED)
		;		/* the pages meet the same rule in http */
	else {
		h->expires = now + PAGES_ROBOTS_RETRY;
		if (r->result == HTTP_STATUS)
			xasprintf(&h->deny, "HTTP %d", r->status);
		else
			h->deny = xstrdup(r->error != NULL ? r->error :
			    http_result_name(r->result));
		log_warnx("pages: robots.txt of %s: %s; its pages wait", h->key,
		    h->deny);
	}
}

/* A robots.txt transfer finished: decide every page waiting for it. */
static void
robots_cb(const struct http_response *r, void *arg)
{
	struct rhost	*h = arg;
	struct pages	*p = h->p;
	struct fetch	*f;

	p->outstanding--;
	h->id = 0;
	p->pending++;			/* hold p while callbacks run */
	if (r->result == HTTP_CANCELLED || p->dead) {
		h->state = R_NEW;
		while ((f = TAILQ_FIRST(&h->waiting)) != NULL) {
			TAILQ_REMOVE(&h->waiting, f, entry);
			fetch_fail(f, PAGES_CANCELLED, 0, "cancelled");
		}
	} else {
		robots_apply(h, r);
		while ((f = TAILQ_FIRST(&h->waiting)) != NULL) {
			TAILQ_REMOVE(&h->waiting, f, entry);
			decide(h, f, 0);
		}
	}
	p->pending--;
	maybe_free(p);
}

/* Start fetching a host's robots.txt for the fetch f (which waits for it). */
static void
robots_request(struct rhost *h, struct fetch *f)
{
	struct http_request	 req;
	char			*url;

	if ((url = robots_url(f->url)) == NULL) {
		fetch_later(f, PAGES_REFUSED, 1, "not an http(s) URL");
		return;
	}
	memset(&req, 0, sizeof req);
	req.url = url;
	req.max_body = PAGES_ROBOTS_MAX_BODY;
	req.from_network = 1;
	h->state = R_FETCHING;
	TAILQ_INSERT_TAIL(&h->waiting, f, entry);
	h->p->outstanding++;
	h->id = http_request(h->p->http, &req, robots_cb, h);
	free(url);
}

/* Whether a response's media type can be an HTML page. */
static int
html_type(const char *type)
{
	if (type == NULL)
		return 1;
	return strncmp(type, "text/", 5) == 0 || strstr(type, "html") != NULL ||
	    strstr(type, "xml") != NULL;
}

/* Classify a response that is no page (how it failed). */
static void
page_failure(struct pages_page *pg, const struct http_response *r, char **why)
{
	pg->result = PAGES_FAILED;
	switch (r->result) {
	case HTTP_STATUS:
	case HTTP_NOT_MODIFIED:
		/* a 404 may be a page not yet published everywhere: retried */
		pg->permanent = r->status >= 400 && r->status < 500 &&
		    r->status != 404 && r->status != 408 && r->status != 429;
		xasprintf(why, "HTTP %d", r->status);
		return;
	case HTTP_REFUSED:
		pg->result = PAGES_REFUSED;
		/* FALLTHROUGH */
	case HTTP_TOO_LARGE:
		pg->permanent = 1;
		break;
	case HTTP_CANCELLED:
		pg->result = PAGES_CANCELLED;
		break;
	default:
		break;
	}
	*why = xstrdup(r->error != NULL ? r->error : http_result_name(r->result));
}

/* A page transfer finished: extract it and call back. */
static void
page_cb(const struct http_response *r, void *arg)
{
	struct fetch		*f = arg;
	struct pages_page	 pg;
	struct html_article	*a = NULL;
	char			*why = NULL;

	f->p->outstanding--;
	TAILQ_REMOVE(&f->p->running, f, entry);
	memset(&pg, 0, sizeof pg);
	pg.url = f->url;
	pg.final_url = r->effective_url;
	pg.status = r->status;
	if (r->result != HTTP_OK)
		page_failure(&pg, r, &why);
	else if (!html_type(r->content_type)) {
		pg.result = PAGES_FAILED;
		pg.permanent = 1;
		xasprintf(&why, "not an HTML page (%s)", r->content_type);
	} else if ((a = html_extract(r->body, r->len, r->effective_url,
	    r->charset)) == NULL) {
		pg.result = PAGES_FAILED;
		pg.permanent = 1;
		why = xstrdup("cannot read the page as HTML");
	} else
		pg.article = a;
	if (f->p->dead && pg.result == PAGES_OK) {
		pg.result = PAGES_CANCELLED;
		pg.article = NULL;
	}
	pg.error = why;
	fetch_done(f, &pg);
	html_article_free(a);
	free(why);
}

/* Request the page itself. */
static void
page_request(struct fetch *f)
{
	struct http_request req;

	memset(&req, 0, sizeof req);
	req.url = f->url;
	req.max_body = f->max_body;
	req.from_network = 1;
	TAILQ_INSERT_TAIL(&f->p->running, f, entry);
	f->p->outstanding++;
	f->id = http_request(f->p->http, &req, page_cb, f);
}

/* See pages.h. */
void
pages_fetch(struct pages *p, const char *url, int64_t max_body, pages_done_cb cb,
    void *arg)
{
	struct fetch	*f;
	struct rhost	*h;
	char		*key, *cause = NULL;

	f = xcalloc(1, sizeof *f);
	f->p = p;
	f->url = xstrdup(url);
	f->max_body = max_body;
	f->cb = cb;
	f->arg = arg;
	p->pending++;
	if ((key = http_host_key(url, &cause)) == NULL) {
		fetch_later(f, PAGES_REFUSED, 1, cause);
		free(cause);
		return;
	}
	h = host_get(p, key);
	free(key);
	if (h->state == R_READY && h->expires <= now_ms())
		h->state = R_NEW;
	if (h->state == R_NEW)
		robots_request(h, f);
	else if (h->state == R_FETCHING)
		TAILQ_INSERT_TAIL(&h->waiting, f, entry);
	else
		decide(h, f, 1);
}
