/*
 * watch: the watchlist step of ingest and the `watch` daemon part (watch.h,
 * watch_part.h). Each hit of an article becomes a match row, once per story and
 * watchlist; when the article may alert, one outbox row per notifier of the
 * watchlist, due after the notifier's hold.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <event2/event.h>

#include "conf.h"
#include "daemon.h"
#include "log.h"
#include "match.h"
#include "metrics.h"
#include "notify.h"
#include "notify_dispatch.h"
#include "store.h"
#include "store_outbox.h"
#include "watch.h"
#include "watch_part.h"
#include "xmalloc.h"

#define TERMS_MAX	4096		/* bytes of matched terms kept per match */

struct watch {
	struct matcher	*m;
	char		**names;	/* watchlist names, by matcher id */
	size_t		 n;
	uint64_t	 queued;	/* outbox rows queued since start */
};

/* One article's run through the matcher. */
struct watch_run {
	struct daemon	*d;
	const struct watch_article *a;
	int		 error;
	char		*cause;
};

/* The default clock. */
static int64_t
clock_now(void)
{
	return time(NULL);
}

int64_t (*watch_now_fn)(void) = clock_now;

/* See watch_part.h. */
int
watch_add(struct matcher *m, uint64_t id, const struct conf_watchlist *wl,
    char **cause)
{
	struct match_spec spec;

	memset(&spec, 0, sizeof spec);
	spec.query = wl->query;
	spec.keywords = (const char **)wl->keywords.v;
	spec.nkeywords = wl->keywords.n;
	spec.mode_all = wl->mode == MODE_ALL;
	spec.exclude = (const char **)wl->exclude.v;
	spec.nexclude = wl->exclude.n;
	if (wl->sources.n > 0) {
		spec.sources = (const char **)wl->sources.v;
		spec.nsources = wl->sources.n;
	}
	spec.stem = wl->stem;
	return matcher_add_spec(m, id, &spec, cause);
}

/* See watch_part.h. */
struct matcher *
watch_compile(const struct conf *c, char **cause)
{
	struct matcher *m = matcher_new();
	char *why;

	for (size_t i = 0; i < c->nwatchlists; i++) {
		const struct conf_watchlist *wl = &c->watchlists[i];

		if (watch_add(m, i, wl, &why) == -1) {
			xasprintf(cause, "%s:%d: watchlist \"%s\": %s", wl->file,
			    wl->query_line != 0 ? wl->query_line : wl->line,
			    wl->name, why);
			free(why);
			matcher_free(m);
			return NULL;
		}
	}
	matcher_compile(m);
	return m;
}

/* Free a compiled set. */
static void
watch_free_one(struct watch *w)
{
	if (w == NULL)
		return;
	matcher_free(w->m);
	for (size_t i = 0; i < w->n; i++)
		free(w->names[i]);
	free(w->names);
	free(w);
}

/* Build the compiled set of a configuration. */
static struct watch *
watch_build(const struct conf *c, char **cause)
{
	struct watch *w = xcalloc(1, sizeof *w);

	if ((w->m = watch_compile(c, cause)) == NULL) {
		free(w);
		return NULL;
	}
	w->n = c->nwatchlists;
	w->names = xcalloc(w->n + 1, sizeof *w->names);
	for (size_t i = 0; i < w->n; i++)
		w->names[i] = xstrdup(c->watchlists[i].name);
	return w;
}

/* Join the matched terms, one per line, bounded. */
static char *
join_terms(const struct match_hit *h)
{
	char *out = xmalloc(TERMS_MAX);
	size_t len = 0, l;

	out[0] = '\0';
	for (size_t i = 0; i < h->nterms; i++) {
		l = strcspn(h->terms[i], "\n");
		if (len + l + 2 > TERMS_MAX)
			break;
		if (len > 0)
			out[len++] = '\n';
		memcpy(out + len, h->terms[i], l);
		len += l;
		out[len] = '\0';
	}
	return out;
}

/* The hold of a notify element: the group's own, else the notifier's (ms). */
static int64_t
ref_hold(const struct conf *c, const struct conf_notify_ref *ref)
{
	const struct conf_notifier *n;

	if (ref->hold >= 0)
		return ref->hold;
	if ((n = conf_find_notifier(c, ref->notifier)) == NULL)
		return 0;
	return n->hold;
}

/* Queue one outbox row per notifier of the watchlist. */
static int
queue_alerts(struct watch_run *r, const struct conf_watchlist *wl, int64_t now)
{
	struct outbox_row row;
	char id[NOTIFY_ID_LEN + 1];
	int64_t hold;
	int rc, queued = 0;

	for (size_t i = 0; i < wl->nnotify; i++) {
		memset(&row, 0, sizeof row);
		notify_delivery_id(r->a->story_id, wl->name,
		    wl->notify[i].notifier, id);
		hold = ref_hold(r->d->conf, &wl->notify[i]);
		row.delivery_id = id;
		row.kind = NW_ALERT_ARTICLE;
		row.story_id = r->a->story_id;
		row.watchlist = wl->name;
		row.notifier = wl->notify[i].notifier;
		row.article_id = r->a->article_id;
		row.source_id = r->a->source_id;
		row.created_at = now;
		row.next_attempt_at = now + (hold + 999) / 1000;
		if ((rc = store_outbox_add(r->d->store, &row)) == -1)
			return -1;
		queued += rc;
	}
	if (queued > 0 && r->d->watch != NULL)
		r->d->watch->queued += queued;
	if (queued > 0)
		notify_kick(r->d);
	return 0;
}

/* One hit: record the match once per story, then queue its alerts. */
static void
record_hit(struct watch_run *r, const struct match_hit *h)
{
	struct watch *w = r->d->watch;
	const struct conf_watchlist *wl;
	struct match_hit full;
	int64_t now = watch_now_fn();
	char *terms;
	int rc;

	if (r->error || h->id >= w->n)
		return;
	if ((wl = conf_find_watchlist(r->d->conf, w->names[h->id])) == NULL)
		return;
	if ((rc = store_match_exists(r->d->store, r->a->story_id, wl->name)) != 0) {
		r->error = rc == -1;
		return;
	}
	match_hit_describe(h, &full);	/* terms and snippet: only for a new match */
	terms = join_terms(&full);
	rc = store_match_add(r->d->store, r->a->story_id, wl->name,
	    r->a->article_id, r->a->source_id, terms, full.snippet, now);
	free(terms);
	if (rc == 0)
		metrics_match(wl->name);
	if (rc == 0 && r->a->alert)
		rc = queue_alerts(r, wl, now);
	if (rc == -1)
		r->error = 1;
}

/* The article's hits, one by one. */
static void
hits_cb(const struct match_hit *hits, size_t n, void *arg)
{
	for (size_t i = 0; i < n; i++)
		record_hit(arg, &hits[i]);
}

/* See watch.h. */
int
watch_article(struct daemon *d, const struct watch_article *a, char **cause)
{
	struct watch_run r = { d, a, 0, NULL };
	struct match_stats st;
	struct match_doc doc = { a->title, a->text, a->summary, a->url, a->source,
	    a->author, a->lang };

	if (d->watch == NULL || d->watch->m == NULL)
		return 0;
	matcher_match(d->watch->m, &doc, MATCH_NOSNIPPET, hits_cb, &r);
	matcher_stats(d->watch->m, &st);
	metrics_presearch_fallbacks(st.always);
	if (r.error) {
		xasprintf(cause, "watchlists: %s", sqlite3_errmsg(store_db(d->store)));
		return -1;
	}
	return 0;
}

/* Part start: compile the configured watchlists. */
static int
watch_start(struct daemon *d, char **cause)
{
	if ((d->watch = watch_build(d->conf, cause)) == NULL)
		return -1;
	log_debug("watch: %zu watchlists compiled", d->watch->n);
	return 0;
}

/* Part reload: compile the new set and swap it in, or keep the old one. */
static void
watch_reload(struct daemon *d, struct conf *old)
{
	struct watch *w;
	char *cause;

	(void)old;
	if ((w = watch_build(d->conf, &cause)) == NULL) {
		log_warnx("watch: %s; keeping the previous watchlists", cause);
		free(cause);
		return;
	}
	w->queued = d->watch != NULL ? d->watch->queued : 0;
	watch_free_one(d->watch);
	d->watch = w;
	log_info("watch: %zu watchlists compiled", w->n);
}

/* Part free. */
static void
watch_free(struct daemon *d)
{
	watch_free_one(d->watch);
	d->watch = NULL;
}

const struct daemon_part watch_part = {
	"watch", watch_start, watch_reload, NULL, NULL, watch_free
};
