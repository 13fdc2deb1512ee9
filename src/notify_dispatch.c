/*
 * notify_dispatch: the outbox dispatcher (see notify_dispatch.h).
 */
#include "config.h"

#include <sys/queue.h>
#include <sys/time.h>

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <curl/curl.h>
#include <event2/event.h>

#include "conf.h"
#include "daemon.h"
#include "digest.h"
#include "http.h"
#include "log.h"
#include "metrics.h"
#include "notify.h"
#include "notify_dispatch.h"
#include "plugin.h"
#include "store.h"
#include "store_health.h"
#include "store_outbox.h"
#include "xmalloc.h"

#define ERROR_MAX	300		/* bytes of a receiver's answer kept */
/* The watchdog of sends of plugins that declare no limit: daemon.timeout. */
#define WATCHDOG_MS(c)	((c)->daemon.timeout > 0 ? (c)->daemon.timeout : 30000)

/* One notifier of a generation. */
struct nfy {
	char			*name;
	struct plugin_notifier	*pn;		/* NULL: failed to set up */
	unsigned		 inflight;
};

/* The digest schedule and rate cap of a notifier, or of a watchlist's group. */
struct dgroup {
	char			*notifier;
	char			*watchlist;	/* NULL: the notifier's own */
	struct digest_spec	 spec;
	struct digest_cap	 cap;
};

/* One configuration's plugins and notifiers. */
struct pset {
	struct plugins		*ps;
	struct nfy		*v;
	size_t			 n;
	struct dgroup		*groups;
	size_t			 ngroups;
	unsigned		 jobs;		/* sends outstanding */
	TAILQ_ENTRY(pset)	 entry;
};

/* One article alert's data, owned by a job. */
struct abuf {
	struct outbox_alert	 oa;
	char			*delivery_id;	/* the row's */
	char			*watchlist;
	const char		**terms;
	struct nw_alert_source	*also;
};

/* One send in flight: a single alert, or a digest of several rows. */
struct job {
	struct notify		*nf;
	struct pset		*set;
	struct nfy		*nfy;
	int64_t			*ids;		/* the outbox rows it carries */
	size_t			 nids;
	int			 attempts;	/* the most of its rows */
	int64_t			 created;	/* the oldest of its rows */
	int			 digest;
	char			*delivery_id;
	char			*watchlist;	/* digest: NULL when several */
	char			*title;		/* digest: "N alerts" */
	struct abuf		*bufs;
	struct nw_alert		*subs;		/* the article alerts */
	size_t			 nbufs;
	struct health_alert	 ha;		/* a health alert's data */
	struct nw_alert		 hal;		/* and the alert itself */
	TAILQ_ENTRY(job)	 entry;
};

/*
 * An attempt's outcome the store could not take (busy, full disk): written
 * again before each scan; its rows count as in flight meanwhile, so an alert
 * is never sent again only because its result was not recorded.
 */
struct outcome {
	int64_t			*ids;		/* the rows still to update */
	size_t			 nids;
	const char		*state;
	int			 attempts;
	int64_t			 next;
	int			 code;
	char			*error;
	int64_t			 now;
	TAILQ_ENTRY(outcome)	 entry;
};

/* One transfer a plugin runs through the backend. */
struct btx {
	struct notify		*nf;
	void			*owner;
	nw_transfer_done_cb	 done;
	void			*arg;
	uint64_t		 id;
	int			 cancelled;
	TAILQ_ENTRY(btx)	 entry;
};

struct notify {
	struct daemon		*d;
	struct http		*http;
	struct pset		*cur;
	TAILQ_HEAD(, pset)	 retired;
	TAILQ_HEAD(, job)	 jobs;
	TAILQ_HEAD(, btx)	 btxs;
	TAILQ_HEAD(, outcome)	 unrecorded;
	struct event		*timer, *kick, *reap;
	struct notify_policy	 pol;
	struct notify_stats	 st;
};

static void	scan(struct notify *);

/* The real clock, Unix milliseconds. */
static int64_t
clock_ms(void)
{
	struct timeval tv;

	gettimeofday(&tv, NULL);
	return (int64_t)tv.tv_sec * 1000 + tv.tv_usec / 1000;
}

int64_t (*notify_clock_fn)(void) = clock_ms;

/* Unix milliseconds, as the dispatcher sees them. */
static int64_t
now_ms(void)
{
	return notify_clock_fn();
}

/* A transfer of ours finished; hand it to the plugin unless cancelled. */
static void
btx_done_cb(CURL *easy, CURLcode code, const char *error, void *arg)
{
	struct btx *b = arg;

	(void)error;
	if (!b->cancelled) {
		TAILQ_REMOVE(&b->nf->btxs, b, entry);
		b->done(easy, code, b->arg);
	}
	free(b);
}

/* Backend: run a plugin's easy handle on our http. */
static int
be_transfer_add(void *ctx, void *owner, CURL *easy, nw_transfer_done_cb done,
    void *arg)
{
	struct notify *nf = ctx;
	struct btx *b = xcalloc(1, sizeof *b);

	b->nf = nf;
	b->owner = owner;
	b->done = done;
	b->arg = arg;
	TAILQ_INSERT_TAIL(&nf->btxs, b, entry);
	b->id = http_transfer_add(nf->http, easy, btx_done_cb, b);
	return 0;
}

/* Backend: drop every unfinished transfer of owner without calling done. */
static void
be_transfer_cancel(void *ctx, void *owner)
{
	struct notify *nf = ctx;
	struct btx *b, *next;

	for (b = TAILQ_FIRST(&nf->btxs); b != NULL; b = next) {
		next = TAILQ_NEXT(b, entry);
		if (b->owner != owner)
			continue;
		TAILQ_REMOVE(&nf->btxs, b, entry);
		b->cancelled = 1;
		http_cancel(nf->http, b->id);	/* off the multi handle now */
	}
}

/* Backend: the daemon-wide options of an easy handle. */
static void
be_setup(void *ctx, CURL *easy)
{
	struct notify *nf = ctx;
	const struct conf_daemon *dc = &nf->d->conf->daemon;

	if (dc->user_agent != NULL)
		curl_easy_setopt(easy, CURLOPT_USERAGENT, dc->user_agent);
	if (dc->ca_file != NULL)
		curl_easy_setopt(easy, CURLOPT_CAINFO, dc->ca_file);
	if (dc->proxy != NULL)
		curl_easy_setopt(easy, CURLOPT_PROXY, dc->proxy);
}

/* Backend: the clock. */
static int64_t
be_now(void *ctx)
{
	(void)ctx;
	return now_ms();
}

/* The policy of a configuration. */
static void
policy_set(struct notify_policy *p, const struct conf *c)
{
	p->retry_min = c->daemon.retry_min;
	p->retry_max = c->daemon.retry_max;
	p->max_age = c->daemon.max_age;
}

/* A plugin disabled a notifier: say so (its rows stay pending). */
static void
disabled_cb(struct plugin_notifier *pn, const char *why, void *arg)
{
	(void)arg;
	log_info("notifier %s: disabled (%s); its alerts stay queued",
	    plugin_notifier_name(pn), why);
}

/* Set up every notifier of a configuration; errors gathered in *errors. */
static struct pset *
pset_new(struct notify *nf, const struct conf *c, char **errors)
{
	struct plugin_backend be = { nf->d->base, nf, be_transfer_add,
	    be_transfer_cancel, be_setup, be_now };
	struct pset *s = xcalloc(1, sizeof *s);
	char *cause, *tmp;

	s->ps = plugins_new(c->daemon.plugin_dir, &be, WATCHDOG_MS(c));
	plugins_set_disabled_cb(s->ps, disabled_cb, nf);
	s->n = c->nnotifiers;
	s->v = xcalloc(s->n + 1, sizeof *s->v);
	*errors = NULL;
	for (size_t i = 0; i < s->n; i++) {
		const struct conf_notifier *cn = &c->notifiers[i];

		s->v[i].name = xstrdup(cn->name);
		s->v[i].pn = plugin_notifier_new(s->ps, cn->name, cn->plugin,
		    cn->setting, cn->file, &cause);
		if (s->v[i].pn != NULL)
			continue;
		tmp = *errors;
		xasprintf(errors, "%s%s%s", tmp != NULL ? tmp : "",
		    tmp != NULL ? "\n" : "", cause);
		free(tmp);
		free(cause);
	}
	return s;
}

/* Free a generation (no job may refer to it). */
static void
pset_free(struct pset *s)
{
	if (s == NULL)
		return;
	plugins_free(s->ps);
	for (size_t i = 0; i < s->n; i++)
		free(s->v[i].name);
	free(s->v);
	for (size_t i = 0; i < s->ngroups; i++) {
		free(s->groups[i].notifier);
		free(s->groups[i].watchlist);
		digest_cap_free(&s->groups[i].cap);
	}
	free(s->groups);
	free(s);
}

/* A notifier of the current generation by name. */
static struct nfy *
nfy_find(struct pset *s, const char *name)
{
	for (size_t i = 0; i < s->n; i++)
		if (strcmp(s->v[i].name, name) == 0)
			return &s->v[i];
	return NULL;
}

/* Free retired generations whose sends are all done. */
static void
reap_cb(evutil_socket_t fd, short events, void *arg)
{
	struct notify *nf = arg;
	struct pset *s, *next;

	(void)fd;
	(void)events;
	for (s = TAILQ_FIRST(&nf->retired); s != NULL; s = next) {
		next = TAILQ_NEXT(s, entry);
		if (s->jobs != 0)
			continue;
		TAILQ_REMOVE(&nf->retired, s, entry);
		pset_free(s);
	}
}

/* Free a job. */
static void
job_free(struct job *j)
{
	for (size_t i = 0; i < j->nbufs; i++) {
		outbox_alert_clear(&j->bufs[i].oa);
		free(j->bufs[i].delivery_id);
		free(j->bufs[i].watchlist);
		free(j->bufs[i].terms);
		free(j->bufs[i].also);
	}
	free(j->bufs);
	free(j->subs);
	health_alert_clear(&j->ha);
	free(j->ids);
	free(j->delivery_id);
	free(j->watchlist);
	free(j->title);
	free(j);
}

/* The receiver's answer as kept in last_error. */
static char *
answer_text(const struct nw_send_result *r)
{
	char *s;

	if (r->code != 0)
		xasprintf(&s, "%d %.*s", r->code, ERROR_MAX,
		    r->text != NULL ? r->text : "");
	else
		xasprintf(&s, "%.*s", ERROR_MAX,
		    r->text != NULL ? r->text : "no answer");
	s[strcspn(s, "\r\n")] = '\0';
	return s;
}

/* Free an outcome. */
static void
outcome_free(struct outcome *o)
{
	free(o->ids);
	free(o->error);
	free(o);
}

/* Update the outcome's rows; those the store did not take stay in it. */
static int
outcome_write(struct notify *nf, struct outcome *o)
{
	size_t left = 0;

	for (size_t i = 0; i < o->nids; i++)
		if (store_outbox_update(nf->d->store, o->ids[i], o->state,
		    o->attempts, o->next, o->code, o->error, o->now) == -1)
			o->ids[left++] = o->ids[i];
	o->nids = left;
	return left == 0 ? 0 : -1;
}

/* Record the outcome of one attempt in the job's rows (a digest's all alike). */
static void
record(struct job *j, const struct nw_send_result *r)
{
	struct notify *nf = j->nf;
	struct outcome *o;
	int64_t now = now_ms(), next = 0;
	enum notify_fate fate;
	const char *state;
	char *text = answer_text(r);

	fate = notify_after(&nf->pol, r, j->attempts + 1, j->created * 1000, now,
	    (uint32_t)random() ^ ((uint32_t)random() << 16), &next);
	if (fate == NOTIFY_DELIVERED) {
		state = OUTBOX_DELIVERED;
		nf->st.delivered += j->nids;
		log_debug("notifier %s: delivered %.12s", j->nfy->name,
		    j->delivery_id);
	} else if (fate == NOTIFY_PENDING) {
		state = OUTBOX_PENDING;
		nf->st.retried++;
		log_info("notifier %s: %.12s: %s; retry in %llds", j->nfy->name,
		    j->delivery_id, text, (long long)((next - now + 999) / 1000));
	} else {
		state = OUTBOX_DEAD;
		nf->st.dead += j->nids;
		log_warnx("notifier %s: %.12s: %s; given up", j->nfy->name,
		    j->delivery_id, text);
	}
	metrics_delivery(j->nfy->name, fate == NOTIFY_DELIVERED ? "delivered" :
	    fate == NOTIFY_PENDING ? "retry" : "dead");
	o = xcalloc(1, sizeof *o);
	o->ids = xreallocarray(NULL, j->nids, sizeof *o->ids);
	memcpy(o->ids, j->ids, j->nids * sizeof *o->ids);
	o->nids = j->nids;
	o->state = state;
	o->attempts = j->attempts + 1;
	o->next = fate == NOTIFY_PENDING ? (next + 999) / 1000 : now / 1000;
	o->code = r->code;
	o->error = fate == NOTIFY_DELIVERED ? NULL : xstrdup(text);
	o->now = now / 1000;
	if (outcome_write(nf, o) == 0)
		outcome_free(o);
	else {
		log_warnx("notifier %s: %.12s: the outcome could not be recorded"
		    " yet; kept and written again", j->nfy->name, j->delivery_id);
		TAILQ_INSERT_TAIL(&nf->unrecorded, o, entry);
	}
	free(text);
}

/* Write the outcome again where it was not taken; -1 while some row is left. */
static int
flush_unrecorded(struct notify *nf)
{
	struct outcome *o;

	while ((o = TAILQ_FIRST(&nf->unrecorded)) != NULL) {
		if (outcome_write(nf, o) == -1)
			return -1;
		TAILQ_REMOVE(&nf->unrecorded, o, entry);
		log_info("outbox: a kept outcome (%s) recorded", o->state);
		outcome_free(o);
	}
	return 0;
}

/* A send completed: record it, free the job, look for more. */
static void
send_done_cb(const struct nw_send_result *r, void *arg)
{
	struct job *j = arg;
	struct notify *nf = j->nf;

	record(j, r);
	TAILQ_REMOVE(&nf->jobs, j, entry);
	j->nfy->inflight--;
	nf->st.inflight--;
	if (--j->set->jobs == 0 && j->set != nf->cur)
		event_active(nf->reap, EV_TIMEOUT, 0);
	job_free(j);
	event_active(nf->kick, EV_TIMEOUT, 0);
}

/* Build the plugin's view of one article alert of a job. */
static void
alert_fill(struct job *j, struct abuf *b, const struct outbox_row *row,
    struct nw_alert *a)
{
	struct outbox_alert *oa = &b->oa;

	b->terms = xcalloc(oa->nterms + 1, sizeof *b->terms);
	for (size_t i = 0; i < oa->nterms; i++)
		b->terms[i] = oa->terms[i];
	b->also = xcalloc(oa->nalso + 1, sizeof *b->also);
	for (size_t i = 0; i < oa->nalso; i++) {
		b->also[i].name = oa->also_name[i];
		b->also[i].url = oa->also_url[i];
	}
	memset(a, 0, sizeof *a);
	a->kind = NW_ALERT_ARTICLE;
	b->delivery_id = xstrdup(row->delivery_id);
	b->watchlist = row->watchlist != NULL ? xstrdup(row->watchlist) : NULL;
	a->delivery_id = b->delivery_id;
	a->notifier = j->nfy->name;
	a->watchlist = b->watchlist;
	a->title = oa->title;
	a->url = oa->url;
	a->source = oa->source;
	a->published = oa->published;
	a->created = row->created_at;
	a->summary = oa->summary;
	a->snippet = oa->snippet;
	a->terms = b->terms;
	a->nterms = oa->nterms;
	a->also = b->also;
	a->nalso = oa->nalso;
}

/* A new job for a notifier. */
static struct job *
job_new(struct notify *nf, struct nfy *nfy, const char *delivery_id)
{
	struct job *j = xcalloc(1, sizeof *j);

	j->nf = nf;
	j->set = nf->cur;
	j->nfy = nfy;
	j->delivery_id = xstrdup(delivery_id);
	j->created = INT64_MAX;
	return j;
}

/* Add a row to a job: its id, and its alert read from the store. 0 or -1. */
static int
job_add_row(struct job *j, const struct outbox_row *row)
{
	struct abuf *b;

	j->ids = xreallocarray(j->ids, j->nids + 1, sizeof *j->ids);
	j->ids[j->nids++] = row->id;
	if (row->attempts > j->attempts)
		j->attempts = row->attempts;
	if (row->created_at < j->created)
		j->created = row->created_at;
	j->bufs = xreallocarray(j->bufs, j->nbufs + 1, sizeof *j->bufs);
	b = &j->bufs[j->nbufs];
	memset(b, 0, sizeof *b);
	if (store_outbox_alert(j->nf->d->store, row->story_id,
	    row->watchlist != NULL ? row->watchlist : "", &b->oa) == -1) {
		store_outbox_update(j->nf->d->store, row->id, OUTBOX_DEAD,
		    row->attempts, row->next_attempt_at, 0,
		    "the story is no longer in the store", now_ms() / 1000);
		j->nids--;
		return -1;
	}
	j->subs = xreallocarray(j->subs, j->nbufs + 1, sizeof *j->subs);
	alert_fill(j, b, row, &j->subs[j->nbufs]);
	j->nbufs++;
	return 0;
}

/* Hand a job's alert to its notifier. */
static void
job_send(struct job *j, const struct nw_alert *a)
{
	struct notify *nf = j->nf;

	TAILQ_INSERT_TAIL(&nf->jobs, j, entry);
	j->nfy->inflight++;
	nf->cur->jobs++;
	nf->st.inflight++;
	nf->st.sent++;
	plugin_send(j->nfy->pn, a, send_done_cb, j);	/* may complete at once */
}

/* Send one due row through its notifier, on its own. */
static void
send_row(struct notify *nf, struct nfy *nfy, const struct outbox_row *row)
{
	struct job *j = job_new(nf, nfy, row->delivery_id);

	if (job_add_row(j, row) == -1) {
		job_free(j);
		return;
	}
	job_send(j, &j->subs[0]);
}

/* Send a health alert (never gathered into digests or capped). */
static void
send_health(struct notify *nf, struct nfy *nfy, const struct outbox_row *row)
{
	struct job *j = job_new(nf, nfy, row->delivery_id);

	if (store_health_alert(nf->d->store, row->id, &j->ha) == -1) {
		store_outbox_update(nf->d->store, row->id, OUTBOX_DEAD,
		    row->attempts, row->next_attempt_at, 0,
		    "the source is no longer in the store", now_ms() / 1000);
		job_free(j);
		return;
	}
	j->ids = xcalloc(1, sizeof *j->ids);
	j->ids[j->nids++] = row->id;
	j->attempts = row->attempts;
	j->created = row->created_at;
	j->hal.kind = NW_ALERT_HEALTH;
	j->hal.delivery_id = j->delivery_id;
	j->hal.notifier = nfy->name;
	j->hal.source = j->ha.source;
	j->hal.url = j->ha.url;
	j->hal.health_state = j->ha.state;
	j->hal.health_error = j->ha.error;
	j->hal.created = row->created_at;
	job_send(j, &j->hal);
}

/* Gather a digest's rows into a job. */
static void
digest_row_cb(const struct outbox_row *row, void *arg)
{
	struct job *j = arg;

	if (j->nbufs == 0)
		j->watchlist = row->watchlist != NULL ? xstrdup(row->watchlist) : NULL;
	else if (j->watchlist != NULL && (row->watchlist == NULL ||
	    strcmp(j->watchlist, row->watchlist) != 0)) {
		free(j->watchlist);
		j->watchlist = NULL;	/* several watchlists */
	}
	job_add_row(j, row);
}

/* Send a due digest whole: every pending row gathered under its id. */
static void
send_digest(struct notify *nf, struct nfy *nfy, const char *digest_id)
{
	struct job *j = job_new(nf, nfy, digest_id);
	struct nw_alert a;

	j->digest = 1;
	store_outbox_digest_rows(nf->d->store, digest_id, digest_row_cb, j);
	if (j->nbufs == 0) {
		job_free(j);
		return;
	}
	xasprintf(&j->title, "%zu alert%s", j->nbufs, j->nbufs == 1 ? "" : "s");
	memset(&a, 0, sizeof a);
	a.kind = NW_ALERT_DIGEST;
	a.delivery_id = j->delivery_id;
	a.notifier = nfy->name;
	a.watchlist = j->watchlist;
	a.title = j->title;
	a.created = j->created;
	a.alerts = j->subs;
	a.nalerts = j->nbufs;
	job_send(j, &a);
}

/* Is a row being sent (alone or in a digest), or its outcome not yet recorded? */
static int
skip_cb(int64_t id, void *arg)
{
	struct notify *nf = arg;
	struct job *j;
	struct outcome *o;

	TAILQ_FOREACH(j, &nf->jobs, entry)
		for (size_t i = 0; i < j->nids; i++)
			if (j->ids[i] == id)
				return 1;
	TAILQ_FOREACH(o, &nf->unrecorded, entry)
		for (size_t i = 0; i < o->nids; i++)
			if (o->ids[i] == id)
				return 1;
	return 0;
}

/* Add a sent single's time to a cap being rebuilt. */
static void
cap_note_cb(int64_t t, void *arg)
{
	digest_cap_note(arg, t);
}

/* The digest and cap settings of (notifier, watchlist), made on first use. */
static struct dgroup *
group_get(struct notify *nf, const char *notifier, const char *watchlist)
{
	const struct conf *c = nf->d->conf;
	const struct conf_watchlist *wl = conf_find_watchlist(c, watchlist);
	const struct conf_notifier *cn = conf_find_notifier(c, notifier);
	const struct conf_notify_ref *ref = NULL;
	struct pset *s = nf->cur;
	struct dgroup *g;
	const char *digest, *key;
	char *cause;
	int mph;

	for (size_t i = 0; wl != NULL && i < wl->nnotify; i++)
		if (strcmp(wl->notify[i].notifier, notifier) == 0)
			ref = &wl->notify[i];
	digest = ref != NULL && ref->digest != NULL ? ref->digest :
	    cn != NULL ? cn->digest : NULL;
	mph = ref != NULL && ref->max_per_hour >= 0 ? ref->max_per_hour :
	    cn != NULL ? cn->max_per_hour : 0;
	key = ref != NULL && (ref->digest != NULL || ref->max_per_hour >= 0) ?
	    watchlist : NULL;
	for (size_t i = 0; i < s->ngroups; i++) {
		g = &s->groups[i];
		if (strcmp(g->notifier, notifier) == 0 && (g->watchlist == NULL ?
		    key == NULL : key != NULL && strcmp(g->watchlist, key) == 0))
			return g;
	}
	s->groups = xreallocarray(s->groups, s->ngroups + 1, sizeof *s->groups);
	g = &s->groups[s->ngroups++];
	memset(g, 0, sizeof *g);
	g->notifier = xstrdup(notifier);
	g->watchlist = key != NULL ? xstrdup(key) : NULL;
	if (digest_parse(digest, &g->spec, &cause) == -1) {
		log_warnx("notifier %s: digest: %s", notifier, cause);
		free(cause);
		g->spec.kind = DIGEST_NONE;
	}
	digest_cap_init(&g->cap, mph);
	if (mph > 0)
		store_outbox_singles_since(nf->d->store, notifier, key,
		    now_ms() / 1000 - 3600, cap_note_cb, &g->cap);
	return g;
}

/* A due row without a digest: alone, or into a digest by the group's rules. */
static void
route_row(struct notify *nf, struct nfy *nfy, const struct outbox_row *row)
{
	struct dgroup *g = group_get(nf, row->notifier, row->watchlist);
	struct digest_slot slot;
	int64_t now;

	if (g->spec.kind == DIGEST_NONE && g->cap.max == 0) {
		send_row(nf, nfy, row);
		return;
	}
	/*
	 * The window is the one open when the row is routed (right after it was
	 * queued, or its hold): a late row never joins a digest already sent.
	 */
	now = now_ms() / 1000;
	digest_assign(&g->spec, &g->cap, row->notifier, g->watchlist, now, now,
	    &slot);
	if (slot.single)
		send_row(nf, nfy, row);
	else if (store_outbox_set_digest(nf->d->store, row->id, slot.id,
	    slot.due) == 0) {
		log_debug("notifier %s: %.12s goes into digest %.12s",
		    row->notifier, row->delivery_id, slot.id);
		event_active(nf->kick, EV_TIMEOUT, 0);	/* route the next ones */
	}
}

/* A due row: send it if its notifier is here, enabled and has room. */
static void
row_cb(const struct outbox_row *row, void *arg)
{
	struct notify *nf = arg;
	struct nfy *nfy;

	if ((row->kind != NW_ALERT_ARTICLE && row->kind != NW_ALERT_HEALTH) ||
	    skip_cb(row->id, nf))
		return;
	if ((nfy = nfy_find(nf->cur, row->notifier)) == NULL || nfy->pn == NULL ||
	    !plugin_notifier_enabled(nfy->pn))
		return;
	if (nfy->inflight >= NOTIFY_INFLIGHT_MAX)
		return;
	if (notify_expired(&nf->pol, row->created_at * 1000, now_ms())) {
		store_outbox_update(nf->d->store, row->id, OUTBOX_DEAD,
		    row->attempts, row->next_attempt_at, row->last_code,
		    "expired: older than max_age", now_ms() / 1000);
		nf->st.dead++;
		return;
	}
	if (row->kind == NW_ALERT_HEALTH)
		send_health(nf, nfy, row);
	else if (row->digest_id != NULL)
		send_digest(nf, nfy, row->digest_id);
	else
		route_row(nf, nfy, row);
}

/* Arm the rescan timer: the next due row, at most NOTIFY_RESCAN_MS away. */
static void
arm_timer(struct notify *nf)
{
	int64_t next = store_outbox_next_due(nf->d->store), now = now_ms() / 1000;
	int64_t ms = NOTIFY_RESCAN_MS;
	struct timeval tv;

	if (next > now && (next - now) * 1000 < ms)
		ms = (next - now) * 1000;
	tv.tv_sec = ms / 1000;
	tv.tv_usec = (ms % 1000) * 1000;
	evtimer_add(nf->timer, &tv);
}

/*
 * Send what is due, notifier by notifier, as far as each has room: the rows of
 * a notifier that is gone, disabled or full never hold up the others.
 */
static void
send_due(struct notify *nf)
{
	struct pset *s = nf->cur;
	int64_t now = now_ms() / 1000;

	for (size_t i = 0; i < s->n; i++) {
		struct nfy *nfy = &s->v[i];

		if (nfy->pn == NULL || !plugin_notifier_enabled(nfy->pn) ||
		    nfy->inflight >= NOTIFY_INFLIGHT_MAX)
			continue;
		store_outbox_due(nf->d->store, nfy->name, now,
		    NOTIFY_INFLIGHT_MAX - nfy->inflight, skip_cb, row_cb, nf);
	}
}

/* Send what is due, then sleep until the next due row or the rescan. */
static void
scan(struct notify *nf)
{
	if (nf->d->stopping && !nf->d->once)
		return;
	flush_unrecorded(nf);
	send_due(nf);
	arm_timer(nf);
}

/* The rescan timer or a kick. */
static void
scan_cb(evutil_socket_t fd, short events, void *arg)
{
	(void)fd;
	(void)events;
	scan(arg);
}

/* See notify_dispatch.h. */
void
notify_kick(struct daemon *d)
{
	if (d->notify != NULL)
		event_active(d->notify->kick, EV_TIMEOUT, 0);
}

/* The http of the dispatcher: its own multi handle, no per-host queueing. */
static struct http *
http_make(struct daemon *d)
{
	struct http_limits lim;

	memset(&lim, 0, sizeof lim);
	lim.max_transfers = 256;
	lim.max_per_host = 256;
	lim.max_redirects = -1;
	lim.allow_private = 1;
	lim.user_agent = d->conf->daemon.user_agent;
	lim.ca_file = d->conf->daemon.ca_file;
	lim.proxy = d->conf->daemon.proxy;
	return http_new(d->base, &lim);
}

/* Part start: the notifiers, then a first scan. */
static int
notify_start(struct daemon *d, char **cause)
{
	struct notify *nf = xcalloc(1, sizeof *nf);
	char *errors;

	nf->d = d;
	TAILQ_INIT(&nf->retired);
	TAILQ_INIT(&nf->jobs);
	TAILQ_INIT(&nf->btxs);
	TAILQ_INIT(&nf->unrecorded);
	policy_set(&nf->pol, d->conf);
	nf->http = http_make(d);
	nf->cur = pset_new(nf, d->conf, &errors);
	if (errors != NULL) {
		*cause = errors;
		pset_free(nf->cur);
		http_free(nf->http);
		free(nf);
		return -1;
	}
	nf->timer = evtimer_new(d->base, scan_cb, nf);
	nf->kick = event_new(d->base, -1, 0, scan_cb, nf);
	nf->reap = event_new(d->base, -1, 0, reap_cb, nf);
	d->notify = nf;
	event_active(nf->kick, EV_TIMEOUT, 0);
	return 0;
}

/* Log the notifiers a reload removed that still have pending alerts. */
static void
report_removed(struct notify *nf, const struct conf *old)
{
	int n;

	for (size_t i = 0; i < old->nnotifiers; i++) {
		const char *name = old->notifiers[i].name;

		if (conf_find_notifier(nf->d->conf, name) != NULL)
			continue;
		if ((n = store_outbox_count_pending(nf->d->store, name)) > 0)
			log_warnx("notifier %s removed: its %d pending alerts stay "
			    "pending", name, n);
	}
}

/* Part reload: a new generation of notifiers; the old one retires. */
static void
notify_reload(struct daemon *d, struct conf *old)
{
	struct notify *nf = d->notify;
	struct pset *s;
	char *errors;

	s = pset_new(nf, d->conf, &errors);
	if (errors != NULL) {
		log_warnx("notifiers: %s", errors);	/* those stay unavailable */
		free(errors);
	}
	TAILQ_INSERT_TAIL(&nf->retired, nf->cur, entry);
	nf->cur = s;
	policy_set(&nf->pol, d->conf);
	report_removed(nf, old);
	event_active(nf->reap, EV_TIMEOUT, 0);
	event_active(nf->kick, EV_TIMEOUT, 0);
}

/* Part busy: sends in flight; under --once also due rows still unsent. */
static int
notify_busy(struct daemon *d)
{
	struct notify *nf = d->notify;

	if (nf == NULL)
		return 0;
	if (d->once && TAILQ_EMPTY(&nf->jobs))
		send_due(nf);
	return !TAILQ_EMPTY(&nf->jobs);
}

/* Part free: notifiers first (they cancel their transfers), then http. */
static void
notify_free(struct daemon *d)
{
	struct notify *nf = d->notify;
	struct pset *s;
	struct job *j;
	struct outcome *o;

	if (nf == NULL)
		return;
	pset_free(nf->cur);
	while ((s = TAILQ_FIRST(&nf->retired)) != NULL) {
		TAILQ_REMOVE(&nf->retired, s, entry);
		pset_free(s);
	}
	while ((j = TAILQ_FIRST(&nf->jobs)) != NULL) {
		TAILQ_REMOVE(&nf->jobs, j, entry);
		job_free(j);
	}
	if (flush_unrecorded(nf) == -1)
		log_warnx("outbox: outcomes not recorded at exit: those alerts"
		    " will be sent again");
	while ((o = TAILQ_FIRST(&nf->unrecorded)) != NULL) {
		TAILQ_REMOVE(&nf->unrecorded, o, entry);
		outcome_free(o);
	}
	http_free(nf->http);
	event_free(nf->timer);
	event_free(nf->kick);
	event_free(nf->reap);
	free(nf);
	d->notify = NULL;
}

/* See notify_dispatch.h. */
void
notify_stats(struct daemon *d, struct notify_stats *st)
{
	if (d->notify == NULL)
		memset(st, 0, sizeof *st);
	else
		*st = d->notify->st;
}

/* A backend that runs nothing, for checking notifiers. */
static int
null_transfer_add(void *ctx, void *owner, CURL *easy, nw_transfer_done_cb done,
    void *arg)
{
	(void)ctx; (void)owner; (void)easy; (void)done; (void)arg;
	return -1;
}

/* The null backend's cancel: nothing runs. */
static void
null_transfer_cancel(void *ctx, void *owner)
{
	(void)ctx;
	(void)owner;
}

/* See notify_dispatch.h. */
int
notify_check_conf(const struct conf *c, char **errors)
{
	struct event_base *base = event_base_new();
	struct plugin_backend be = { base, NULL, null_transfer_add,
	    null_transfer_cancel, NULL, be_now };
	struct plugins *ps;
	char *cause, *tmp;

	*errors = NULL;
	ps = plugins_new(c->daemon.plugin_dir, &be, WATCHDOG_MS(c));
	for (size_t i = 0; i < c->nnotifiers; i++) {
		const struct conf_notifier *cn = &c->notifiers[i];

		if (plugin_notifier_new(ps, cn->name, cn->plugin, cn->setting,
		    cn->file, &cause) != NULL)
			continue;
		tmp = *errors;
		xasprintf(errors, "%s%s\n", tmp != NULL ? tmp : "", cause);
		free(tmp);
		free(cause);
	}
	plugins_free(ps);
	event_base_free(base);
	return *errors == NULL ? 0 : -1;
}

/* The one send of notify_test has completed. */
static void
test_done_cb(const struct nw_send_result *r, void *arg)
{
	struct notify_test_result *t = arg;

	t->done = 1;
	t->status = r->status;
	t->code = r->code;
	t->text = xstrdup(r->text != NULL ? r->text : "");
	event_base_loopbreak(t->base);
}

/* A sample alert through one notifier, on a loop of its own. */
static void
test_send(struct notify *nf, struct plugin_notifier *pn,
    struct notify_test_result *t)
{
	struct nw_alert a;
	struct nw_alert_source also = { "example-2", "https://example.org/2" };
	const char *terms[] = { "newswatch" };
	char id[NOTIFY_ID_LEN + 1];
	int64_t now = time(NULL);

	notify_health_id("notify-test", plugin_notifier_name(pn), now_ms(), id);
	memset(&a, 0, sizeof a);
	a.kind = NW_ALERT_ARTICLE;
	a.delivery_id = id;
	a.notifier = plugin_notifier_name(pn);
	a.watchlist = "notify-test";
	a.title = "newswatch test alert";
	a.url = "https://example.org/newswatch-test";
	a.source = "example";
	a.published = now;
	a.created = now;
	a.summary = "A sample alert sent by newswatch notify-test.";
	a.snippet = "A sample alert sent by «newswatch» notify-test.";
	a.terms = terms;
	a.nterms = 1;
	a.also = &also;
	a.nalso = 1;
	t->base = nf->d->base;
	plugin_send(pn, &a, test_done_cb, t);
	if (!t->done)
		event_base_dispatch(nf->d->base);
}

/* See notify_dispatch.h. */
int
notify_test(const struct conf *c, const char *name, struct notify_test_result *t,
    char **cause)
{
	const struct conf_notifier *cn = conf_find_notifier(c, name);
	struct daemon d;
	struct notify nf;
	struct plugin_notifier *pn;
	struct plugin_backend be;

	memset(t, 0, sizeof *t);
	if (cn == NULL) {
		xasprintf(cause, "no notifier named \"%s\"", name);
		return -1;
	}
	memset(&d, 0, sizeof d);
	memset(&nf, 0, sizeof nf);
	d.conf = (struct conf *)c;
	d.base = event_base_new();
	nf.d = &d;
	TAILQ_INIT(&nf.btxs);
	TAILQ_INIT(&nf.unrecorded);
	nf.http = http_make(&d);
	be = (struct plugin_backend){ d.base, &nf, be_transfer_add,
	    be_transfer_cancel, be_setup, be_now };
	nf.cur = xcalloc(1, sizeof *nf.cur);
	nf.cur->ps = plugins_new(c->daemon.plugin_dir, &be, WATCHDOG_MS(c));
	pn = plugin_notifier_new(nf.cur->ps, cn->name, cn->plugin, cn->setting,
	    cn->file, cause);
	if (pn != NULL)
		test_send(&nf, pn, t);
	pset_free(nf.cur);
	http_free(nf.http);
	event_base_free(d.base);
	return pn != NULL ? 0 : -1;
}

const struct daemon_part notify_part = {
	"notify", notify_start, notify_reload, NULL, notify_busy, notify_free
};
