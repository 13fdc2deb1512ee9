/*
 * poller: the http and sched parts of the daemon (see poller.h).
 */
#include "config.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <event2/event.h>

#include "conf.h"
#include "daemon.h"
#include "health.h"
#include "http.h"
#include "ingest.h"
#include "log.h"
#include "metrics.h"
#include "pages_ingest.h"
#include "poller.h"
#include "sched.h"
#include "store.h"
#include "store_dedup.h"
#include "xmalloc.h"

#define GRACE_MS	15000		/* transfers in flight after a stop */
#define RETRY_SEC	30		/* a response the store refused: fetch again
					   (sooner if the interval is shorter) */
#define PRUNE_EVERY	60		/* seconds between retention rounds (at
					   most daemon.retention) */
#define PRUNE_SOON	1		/* ... while a round still found work */
#define PRUNE_BATCH	200		/* rows per round: a short transaction */
#define KEYS_MIN	(366LL * 86400)	/* identity keys kept at least a year */

struct fetch;

/* A configured, enabled source as the poller keeps it. */
struct psource {
	struct poller			*p;
	char				*name, *url, *host;
	const struct conf_source	*cs;	/* NULL: removed, fetch in flight */
	struct source_state		 st;
	struct sched_source		*ss;
	struct fetch			*fetch;	/* in flight, or NULL */
	int				 once_done;
	int				 kept;	/* reload: still configured */
};

/* A request in flight; src is NULL once the source went away. */
struct fetch {
	struct psource	*src;
};

struct poller {
	struct daemon	*d;
	struct psource	**v;
	size_t		 n;
	size_t		 once_left;
	int		 once_failed;
	struct event	*once_ev;
	struct event	*prune_ev;
	int		 http_stopped;	/* http_shutdown finished */
};

/* http part: one multi handle on the loop. */
static int
http_start(struct daemon *d, char **cause)
{
	struct http_limits l;

	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
		xasprintf(cause, "curl_global_init failed");
		return -1;
	}
	http_limits_conf(&l, &d->conf->daemon);
	d->http = http_new(d->base, &l);
	return 0;
}

/* http part: new limits for new transfers. */
static void
http_reload(struct daemon *d, struct conf *old)
{
	struct http_limits l;

	(void)old;
	http_limits_conf(&l, &d->conf->daemon);
	http_set_limits(d->http, &l);
}

/* Every transfer has ended after a stop. */
static void
http_stopped_cb(void *arg)
{
	struct daemon *d = arg;

	if (d->poller != NULL)
		d->poller->http_stopped = 1;
}

/* http part: fail what waits, let what runs finish. */
static void
http_stop(struct daemon *d)
{
	http_shutdown(d->http, GRACE_MS, http_stopped_cb, d);
}

/* http part: transfers still running. */
static int
http_busy(struct daemon *d)
{
	if (d->poller != NULL && d->poller->http_stopped)
		return 0;
	return http_running(d->http) + http_queued(d->http) > 0;
}

/* http part: abort what is left. */
static void
http_part_free(struct daemon *d)
{
	http_free(d->http);
	d->http = NULL;
	curl_global_cleanup();
}

const struct daemon_part poller_http_part = {
	"http", http_start, http_reload, http_stop, http_busy, http_part_free
};

/* A source's interval in ms. */
static int64_t
interval_of(const struct daemon *d, const struct conf_source *cs)
{
	return cs->interval > 0 ? cs->interval : d->conf->daemon.interval;
}

/* Free a source that sched no longer knows. */
static void
psource_free(struct psource *ps)
{
	if (ps->fetch != NULL)
		ps->fetch->src = NULL;
	source_state_clear(&ps->st);
	free(ps->name);
	free(ps->url);
	free(ps->host);
	free(ps);
}

/* Drop a source from sched and free it. */
static void
psource_drop(struct poller *p, struct psource *ps)
{
	sched_remove(p->d->sched, ps->ss);
	psource_free(ps);
}

/* Take a source out of the poller's list. */
static void
unlist(struct poller *p, struct psource *ps)
{
	for (size_t i = 0; i < p->n; i++)
		if (p->v[i] == ps) {
			p->v[i] = p->v[--p->n];
			return;
		}
}

/*
 * A discovered feed's host is the one sched holds for Retry-After; the URL's
 * again when the feed is forgotten (pages_ingest.h).
 */
static void
set_feed_host(struct psource *ps)
{
	char *host, *cause;

	if ((host = http_host_key(ps->st.feed_url != NULL ? ps->st.feed_url :
	    ps->url, &cause)) == NULL) {
		free(cause);
		return;
	}
	free(ps->host);
	ps->host = host;
}

/* Add a source: its state from the store, scheduled; NULL if it cannot be. */
static struct psource *
psource_add(struct poller *p, const struct conf_source *cs)
{
	struct daemon	*d = p->d;
	struct psource	*ps;
	char		*cause, *host;

	if ((host = http_host_key(cs->url, &cause)) == NULL) {
		log_warnx("source %s: %s", cs->name, cause);
		free(cause);
		return NULL;
	}
	ps = xcalloc(1, sizeof *ps);
	ps->p = p;
	ps->name = xstrdup(cs->name);
	ps->url = xstrdup(cs->url);
	ps->host = host;
	ps->cs = cs;
	if (store_source_load(d->store, cs->name, &ps->st) == -1) {
		log_warnx("source %s: not in the database", cs->name);
		psource_free(ps);
		return NULL;
	}
	set_feed_host(ps);
	ps->ss = sched_add(d->sched, ps->name, ps->host, interval_of(d, cs),
	    &ps->st, ps);
	p->v = xreallocarray(p->v, p->n + 1, sizeof *p->v);
	p->v[p->n++] = ps;
	return ps;
}

/* The --once cycle is over: every source answered, every page arrived. */
static void
once_stop(void *arg)
{
	struct poller *p = arg;

	log_info("--once: every source polled%s", p->once_failed ?
	    "; some failed" : "");
	daemon_stop(p->d, p->once_failed ? 1 : 0);
}

/* The --once cycle: count a source's answer; stop after the last one. */
static void
once_count(struct poller *p, struct psource *ps, int ok)
{
	if (!p->d->once || ps->once_done)
		return;
	ps->once_done = 1;
	if (!ok)
		p->once_failed = 1;
	if (p->once_left > 0 && --p->once_left == 0)
		pages_ingest_after(p->d, once_stop, p);	/* pages still arriving */
}

/* Log what a response gave. */
static void
log_result(struct psource *ps, const struct http_response *r,
    const struct ingest_stats *s)
{
	const struct source_state *st = &ps->st;

	if (r->result == HTTP_NOT_MODIFIED)
		log_debug("source %s: not modified", ps->name);
	else if (st->disabled_reason != NULL)
		return;		/* sched said it */
	else if (r->result != HTTP_OK)
		log_warnx("source %s: %s (failure %d; next in %lld s)", ps->name,
		    st->last_error != NULL ? st->last_error : "failed", st->failures,
		    (long long)(st->next_due - (int64_t)time(NULL)));
	else if (s->same_body)
		log_debug("source %s: same body as last time", ps->name);
	else if (s->not_feed)
		log_warnx("source %s: %s", ps->name, st->last_error);
	else if (s->new_stories + s->sightings + s->updates + s->copies > 0)
		log_info("source %s: %d entries: %d new, %d seen elsewhere, "
		    "%d updated, %d copies", ps->name, s->entries, s->new_stories,
		    s->sightings, s->updates, s->copies);
	else
		log_debug("source %s: %d entries, nothing new", ps->name, s->entries);
}

/* The metrics label of a fetch's result. */
static const char *
result_label(const struct http_response *r)
{
	switch (r->result) {
	case HTTP_OK:
	case HTTP_NOT_MODIFIED:
	case HTTP_STATUS:
		return metrics_fetch_result(r->status);
	case HTTP_TOO_LARGE:
		return "too_large";
	case HTTP_TIMEOUT:
		return "timeout";
	case HTTP_REFUSED:
		return "refused";
	case HTTP_NETWORK:
		return "network";
	default:
		return "error";
	}
}

/* A finished fetch: sched's outcome, then ingest's one transaction. */
static void
finish(struct psource *ps, const struct http_response *r)
{
	struct poller		*p = ps->p;
	struct sched_outcome	 o = { 0 };
	struct ingest_stats	 stats;
	char			*cause;
	int64_t			 retry;
	int			 rc;

	o.ok = r->result == HTTP_OK || r->result == HTTP_NOT_MODIFIED;
	o.status = r->status;
	o.retry_after = r->retry_after;
	o.error = o.ok || r->result == HTTP_STATUS ? NULL : r->error;
	o.moved_to = ps->st.feed_url == NULL ? r->moved_to : NULL;
	if (pages_ingest_feed_check(&ps->st, r, ps->name)) {
		o.status = 0;		/* a gone discovered feed: rediscover, don't disable */
		o.error = "discovered feed failed; rediscovering";
		set_feed_host(ps);
		sched_update(p->d->sched, ps->ss, ps->host, 0);
	}
	sched_done(p->d->sched, ps->ss, &o);
	metrics_fetch(ps->name, result_label(r), r->time_total, r->len);
	if ((rc = ingest_response(p->d, ps->cs, &ps->st, r, &stats, &cause)) == -1) {
		retry = interval_of(p->d, ps->cs) / 1000;
		if (retry > RETRY_SEC)
			retry = RETRY_SEC;
		log_warnx("source %s: %s; fetching again in %lld s", ps->name,
		    cause, (long long)retry);
		free(cause);
		ps->st.next_due = (int64_t)time(NULL) + retry;
		sched_update(p->d->sched, ps->ss, ps->host, 0);
	} else {
		metrics_articles(ps->name, (unsigned)stats.new_stories,
		    (unsigned)(stats.sightings + stats.copies));
		log_result(ps, r, &stats);
	}
	if (rc == 0 && stats.feed_changed && !stats.discovered) {
		set_feed_host(ps);	/* the feed is forgotten: the page's host */
		sched_update(p->d->sched, ps->ss, ps->host, 0);
	}
	health_check(p->d, ps->cs, &ps->st);
	if (rc == 0 && stats.discovered) {
		log_info("source %s: feed discovered at %s", ps->name,
		    ps->st.feed_url);
		set_feed_host(ps);
		sched_update(p->d->sched, ps->ss, ps->host, 0);
		if (p->d->once) {	/* this run polls the feed too */
			sched_kick(p->d->sched, ps->ss);
			return;
		}
		ps->st.next_due = (int64_t)time(NULL);
		sched_update(p->d->sched, ps->ss, ps->host, 0);
	}
	once_count(p, ps, o.ok && rc == 0);
}

/* http's completion callback. */
static void
fetched_cb(const struct http_response *r, void *arg)
{
	struct fetch	*f = arg;
	struct psource	*ps = f->src;

	free(f);
	if (ps == NULL)
		return;		/* the poller is gone */
	ps->fetch = NULL;
	if (ps->cs == NULL) {	/* removed or changed by a reload meanwhile */
		unlist(ps->p, ps);
		psource_drop(ps->p, ps);
		return;
	}
	if (r->result == HTTP_CANCELLED)
		return;		/* stopping: nothing to record */
	finish(ps, r);
}

/* Fail a fetch before it started (credentials unreadable). */
static void
fail_early(struct psource *ps, const char *error)
{
	struct http_response r;

	memset(&r, 0, sizeof r);
	r.result = HTTP_REFUSED;
	r.url = r.effective_url = ps->url;
	r.retry_after = -1;
	r.error = error;
	finish(ps, &r);
}

/* The request headers of a source, "Name: value" each. */
static char **
headers_of(const struct conf_source *cs)
{
	char **h = xreallocarray(NULL, cs->nheaders + 1, sizeof *h);

	for (size_t i = 0; i < cs->nheaders; i++)
		xasprintf(&h[i], "%s: %s", cs->headers[i].name,
		    cs->headers[i].value);
	return h;
}

/* Queue the request of a due source. */
static void
fetch_start(struct psource *ps, const char *password)
{
	const struct conf_source	*cs = ps->cs;
	struct http_request		 req;
	struct fetch			*f = xcalloc(1, sizeof *f);
	char				**h = headers_of(cs);

	memset(&req, 0, sizeof req);
	/* a discovered feed (pages_ingest.h) came from the network: no credentials */
	req.url = ps->st.feed_url != NULL ? ps->st.feed_url : ps->url;
	req.from_network = ps->st.feed_url != NULL;
	req.headers = (const char *const *)h;
	req.nheaders = cs->nheaders;
	req.timeout = cs->timeout;
	req.max_body = cs->max_body;
	req.username = ps->st.feed_url == NULL ? cs->username : NULL;
	req.password = ps->st.feed_url == NULL ? password : NULL;
	req.etag = ps->st.etag;
	req.last_modified = ps->st.last_modified;
	f->src = ps;
	ps->fetch = f;
	http_request(ps->p->d->http, &req, fetched_cb, f);
	for (size_t i = 0; i < cs->nheaders; i++)
		free(h[i]);
	free(h);
}

/* sched: a source is due. */
static void
due_cb(struct sched_source *ss, void *arg)
{
	struct psource	*ps = sched_source_arg(ss);
	struct poller	*p = arg;
	char		*password = NULL, *cause, *error;

	if (p->d->stopping || (p->d->once && ps->once_done))
		return;		/* stays "running": nothing more this run */
	if (ps->cs->password_file != NULL &&
	    (password = conf_read_secret(ps->cs->password_file, NULL,
	    &cause)) == NULL) {
		xasprintf(&error, "password_file: %s", cause);
		free(cause);
		fail_early(ps, error);
		free(error);
		return;
	}
	log_debug("source %s: fetching %s", ps->name, ps->st.feed_url != NULL ?
	    ps->st.feed_url : ps->url);
	fetch_start(ps, password);
	if (password != NULL) {
		explicit_bzero(password, strlen(password));
		free(password);
	}
}

/* --once with nothing to poll: stop from the loop. */
static void
once_empty_cb(evutil_socket_t fd, short events, void *arg)
{
	struct poller *p = arg;

	(void)fd;
	(void)events;
	log_info("--once: no enabled source");
	daemon_stop(p->d, 0);
}

/* --once: make every enabled source due now. */
static void
once_kick(struct poller *p)
{
	struct timeval zero = { 0, 0 };

	p->d->once_taken = 1;
	for (size_t i = 0; i < p->n; i++) {
		if (p->v[i]->st.disabled_reason != NULL)
			continue;
		p->once_left++;
		sched_kick(p->d->sched, p->v[i]->ss);
	}
	if (p->once_left == 0) {
		p->once_ev = evtimer_new(p->d->base, once_empty_cb, p);
		evtimer_add(p->once_ev, &zero);
	}
}

/* Arm the retention timer. */
static void
prune_arm(struct poller *p, int sec)
{
	struct timeval tv = { sec, 0 };

	evtimer_add(p->prune_ev, &tv);
}

/* Retention: one small batch in its own short transaction. */
static void
prune_cb(evutil_socket_t fd, short events, void *arg)
{
	struct poller	*p = arg;
	struct store	*s = p->d->store;
	int64_t		 now = time(NULL), keep = p->d->conf->daemon.retention / 1000;
	int		 n = -1;

	(void)fd;
	(void)events;
	if (p->d->stopping || keep <= 0)
		return;
	if (store_begin(s) == 0) {
		n = store_dedup_prune(s, now - keep, now - (keep > KEYS_MIN ? keep :
		    KEYS_MIN), PRUNE_BATCH);
		if (n < 0 || store_commit(s) == -1) {
			store_rollback(s);
			n = -1;
		}
	}
	if (n > 0)
		log_debug("retention: %d articles pruned", n);
	prune_arm(p, n > 0 ? PRUNE_SOON : keep < PRUNE_EVERY ? keep : PRUNE_EVERY);
}

/* The sched parameters of a configuration. */
static void
sched_params_of(struct sched_params *sp, const struct conf *c)
{
	memset(sp, 0, sizeof *sp);
	sp->backoff_max = c->daemon.backoff_max;
}

/* sched part: every enabled source scheduled from its stored state. */
static int
sched_start(struct daemon *d, char **cause)
{
	struct sched_params	 sp;
	struct poller		*p;

	if (store_dedup_register(d->store) == -1) {
		xasprintf(cause, "cannot register hamming()");
		return -1;
	}
	p = d->poller = xcalloc(1, sizeof *p);
	p->d = d;
	sched_params_of(&sp, d->conf);
	d->sched = sched_new(d->base, &sp, due_cb, p);
	for (size_t i = 0; i < d->conf->nsources; i++)
		if (d->conf->sources[i].enabled)
			psource_add(p, &d->conf->sources[i]);
	if (d->once) {
		once_kick(p);
		return 0;
	}
	p->prune_ev = evtimer_new(d->base, prune_cb, p);
	prune_arm(p, PRUNE_SOON);
	return 0;
}

/* Order sources by name. */
static int
by_name(const void *a, const void *b)
{
	return strcmp((*(struct psource *const *)a)->name,
	    (*(struct psource *const *)b)->name);
}

/* Find a listed, current source by name in a sorted array. */
static struct psource *
find(struct psource **v, size_t n, const char *name)
{
	struct psource key = { .name = (char *)name }, *kp = &key, **hit;

	hit = bsearch(&kp, v, n, sizeof *v, by_name);
	return hit != NULL ? *hit : NULL;
}

/* A source gone from the configuration: drop it, or after its fetch. */
static void
retire(struct poller *p, struct psource *ps)
{
	if (ps->fetch == NULL) {
		psource_drop(p, ps);
		return;
	}
	ps->cs = NULL;		/* fetched_cb drops it */
	p->v = xreallocarray(p->v, p->n + 1, sizeof *p->v);
	p->v[p->n++] = ps;
}

/*
 * A source the daemon disabled (410 Gone) that `newswatch source enable`
 * cleared in the database since: take the cleared state and poll it now.
 */
static void
reenable(struct poller *p, struct psource *ps)
{
	struct source_state db;

	memset(&db, 0, sizeof db);
	if (ps->fetch != NULL ||
	    store_source_load(p->d->store, ps->name, &db) == -1)
		return;
	if (db.disabled_reason == NULL) {
		free(ps->st.disabled_reason);
		ps->st.disabled_reason = NULL;
		ps->st.failures = db.failures;
		log_info("source %s: enabled again", ps->name);
		sched_kick(p->d->sched, ps->ss);
	}
	source_state_clear(&db);
}

/* Keep a source across a reload: new settings; rescheduled if its interval changed. */
static void
keep(struct poller *p, struct psource *ps, const struct conf_source *cs,
    const struct conf *old)
{
	const struct conf_source *was = ps->cs;
	int64_t before, after;

	before = was->interval > 0 ? was->interval : old->daemon.interval;
	after = interval_of(p->d, cs);
	ps->cs = cs;
	ps->kept = 1;
	if (before != after)
		sched_update(p->d->sched, ps->ss, ps->host, after);
	if (ps->st.disabled_reason != NULL)
		reenable(p, ps);
	p->v = xreallocarray(p->v, p->n + 1, sizeof *p->v);
	p->v[p->n++] = ps;
}

/* sched part: added sources scheduled, removed dropped, changed rescheduled. */
static void
sched_reload(struct daemon *d, struct conf *old)
{
	struct poller		*p = d->poller;
	struct psource		**was = p->v, **cur, *ps;
	size_t			 nwas = p->n, ncur = 0;
	struct sched_params	 sp;

	sched_params_of(&sp, d->conf);
	sched_set_params(d->sched, &sp);
	cur = xreallocarray(NULL, nwas + 1, sizeof *cur);
	p->v = NULL;
	p->n = 0;
	for (size_t i = 0; i < nwas; i++)
		if (was[i]->cs != NULL)
			cur[ncur++] = was[i];
		else
			retire(p, was[i]);	/* still in flight from before */
	qsort(cur, ncur, sizeof *cur, by_name);
	for (size_t i = 0; i < d->conf->nsources; i++) {
		const struct conf_source *cs = &d->conf->sources[i];

		if (!cs->enabled)
			continue;
		if ((ps = find(cur, ncur, cs->name)) != NULL &&
		    strcmp(ps->url, cs->url) == 0)
			keep(p, ps, cs, old);
		else
			psource_add(p, cs);
	}
	for (size_t i = 0; i < ncur; i++) {
		if (cur[i]->kept)
			cur[i]->kept = 0;
		else
			retire(p, cur[i]);
	}
	free(cur);
	free(was);
}

/* sched part: no new rounds of retention. */
static void
sched_stop(struct daemon *d)
{
	if (d->poller->prune_ev != NULL)
		evtimer_del(d->poller->prune_ev);
}

/* sched part: every source out of sched, then sched itself. */
static void
sched_part_free(struct daemon *d)
{
	struct poller *p = d->poller;

	for (size_t i = 0; i < p->n; i++)
		psource_drop(p, p->v[i]);
	free(p->v);
	if (p->prune_ev != NULL)
		event_free(p->prune_ev);
	if (p->once_ev != NULL)
		event_free(p->once_ev);
	sched_free(d->sched);
	d->sched = NULL;
	free(p);
	d->poller = NULL;
}

const struct daemon_part poller_sched_part = {
	"sched", sched_start, sched_reload, sched_stop, NULL, sched_part_free
};
