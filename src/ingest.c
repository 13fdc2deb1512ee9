/*
 * ingest: one response from http through parse, identity, the watchlist step
 * and the source's new fetch state, in one transaction (see ingest.h).
 */
#include "config.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "conf.h"
#include "daemon.h"
#include "feed.h"
#include "feed_int.h"		/* feed_text_from_html */
#include "http.h"
#include "ingest.h"
#include "log.h"
#include "pages_ingest.h"
#include "store.h"
#include "store_dedup.h"
#include "store_ingest.h"
#include "watch.h"
#include "xmalloc.h"

/* One response on its way into the store. */
struct ingest {
	struct daemon			*d;
	const struct conf_source	*cs;
	struct source_state		*st;
	const struct feed		*feed;
	struct ingest_stats		*stats;
	int				 first;		/* first sight: no alert */
	int64_t				 now;
	char				**cause;
};

/* The fetch state ingest may change, kept to undo it after a rollback. */
struct saved {
	char	*etag, *last_modified, *last_error, *feed_url;
	int	 first_fetch_done;
};

/* A text field as plain text: HTML reduced, NULL for NULL. */
static char *
plain(const char *s, int html)
{
	if (s == NULL || *s == '\0')
		return NULL;
	return html ? feed_text_from_html(s) : xstrdup(s);
}

/* The first author's name (or address). */
static const char *
first_author(const struct feed_entry *e)
{
	if (e->nauthors == 0)
		return NULL;
	return e->authors[0].name != NULL ? e->authors[0].name :
	    e->authors[0].email;
}

/* Which watch step a stored copy is, or 0 for none. */
static int
watch_kind(struct ingest *in, const struct dedup_result *r)
{
	int rc;

	if (r->unchanged)
		return 0;
	if (r->updated)
		return WATCH_UPDATE;
	if (r->new_story)
		return WATCH_NEW_STORY;
	rc = store_ingest_carries(in->d->store, in->st->id, r->story_id,
	    r->article_id);
	return rc == -1 ? -1 : rc == 1 ? 0 : WATCH_SIGHTING;
}

/* Count what a stored copy was. */
static void
count(struct ingest_stats *stats, int kind, const struct dedup_result *r)
{
	if (r->unchanged)
		stats->skipped++;
	else if (kind == WATCH_UPDATE)
		stats->updates++;
	else if (kind == WATCH_NEW_STORY)
		stats->new_stories++;
	else if (kind == WATCH_SIGHTING)
		stats->sightings++;
	else
		stats->copies++;
}

/* Whether the watch step of a kind may alert. */
static int
may_alert(const struct ingest *in, int kind)
{
	if (in->first && !in->cs->alert_on_first_fetch)
		return 0;
	return kind != WATCH_UPDATE || in->cs->alert_on_update;
}

/* The watchlist step for one stored copy: ONE call, watch_article (watch.h). */
static int
watch(struct ingest *in, const struct dedup_article *a,
    const struct dedup_result *r, int kind)
{
	struct watch_article wa;

	memset(&wa, 0, sizeof wa);
	wa.article_id = r->article_id;
	wa.story_id = r->story_id;
	wa.source_id = a->source_id;
	wa.source = in->cs->name;
	wa.title = a->title;
	wa.text = a->content != NULL ? a->content : a->summary;
	wa.summary = a->summary;
	wa.url = a->link;
	wa.author = a->author;
	wa.lang = a->lang;
	wa.published = a->published;
	wa.kind = kind;
	wa.alert = may_alert(in, kind);
	log_debug("source %s: watch article %" PRId64 " story %" PRId64
	    " kind %d alert %d", in->cs->name, wa.article_id, wa.story_id,
	    wa.kind, wa.alert);
	return watch_article(in->d, &wa, in->cause);
}

/* One article: identity, store, watch (ingest.h). */
int
ingest_store(struct ingest *in, const struct dedup_article *a)
{
	struct dedup_result	 r;
	int			 kind, rc = -1;

	if (store_dedup_ingest(in->d->store, a, in->d->conf->daemon.near_distance,
	    &r, in->cause) == 0 && (kind = watch_kind(in, &r)) != -1) {
		count(in->stats, kind, &r);
		rc = kind == 0 ? 0 : watch(in, a, &r, kind);
	} else if (*in->cause == NULL)
		xasprintf(in->cause, "store: %s", sqlite3_errmsg(store_db(in->d->store)));
	return rc;
}

/* A new or changed entry: identity, store, watch. */
static int
entry_store(struct ingest *in, const struct feed_entry *e)
{
	struct dedup_article	 a;
	char			*content, *summary;
	int			 rc;

	content = plain(e->content, e->content_html);
	summary = plain(e->summary, e->summary_html);
	memset(&a, 0, sizeof a);
	a.source_id = in->st->id;
	a.entry_id = e->id;
	a.raw_fp = e->fingerprint;
	a.raw_fp_len = sizeof e->fingerprint;
	a.title = e->title;
	a.link = e->link;
	a.author = first_author(e);
	a.summary = summary;
	a.content = content;
	a.lang = in->feed->language;
	a.published = e->published != 0 ? e->published : e->updated;
	a.seen_at = in->now;
	rc = ingest_store(in, &a);
	free(content);
	free(summary);
	return rc;
}

/*
 * An entry stored with its SHA-256 fingerprint (before XXH3): the same bytes when
 * that matches, and then its fingerprint is brought up to date. 1 same, 0 not,
 * -1 error.
 */
static int
known_sha256(struct ingest *in, const struct feed_entry *e,
    const unsigned char old[STORE_INGEST_OLD_FP])
{
	unsigned char md[FEED_FP_LEN_SHA256];

	feed_fingerprint_sha256(e, md);
	if (memcmp(md, old, sizeof md) != 0)
		return 0;
	return store_ingest_fp_set(in->d->store, in->st->id, e->id, e->fingerprint,
	    sizeof e->fingerprint) == 0 ? 1 : -1;
}

/* One entry: skipped at once when known with the same bytes. */
static int
entry_one(struct ingest *in, const struct feed_entry *e)
{
	unsigned char old[STORE_INGEST_OLD_FP];
	int known;

	known = store_ingest_known(in->d->store, in->st->id, e->id, e->fingerprint,
	    sizeof e->fingerprint, old);
	if (known == 2)
		known = known_sha256(in, e, old);
	if (known == 1) {
		in->stats->skipped++;
		return 0;
	}
	if (known == -1) {
		xasprintf(in->cause, "store: %s",
		    sqlite3_errmsg(store_db(in->d->store)));
		return -1;
	}
	/* full_text: the entry waits for its page (pages_ingest.c) */
	if (in->cs->full_text && pages_ingest_full_text(in->d, in->cs, in->st->id, e,
	    in->feed->language, in->first) == 1) {
		in->stats->pages++;
		return 0;
	}
	return entry_store(in, e);
}

/* Replace a string field by a copy of v (NULL for NULL). */
static void
set_str(char **field, const char *v)
{
	free(*field);
	*field = v != NULL ? xstrdup(v) : NULL;
}

/*
 * The validators of a 2xx go with its entries, unless pages are still to come
 * for some of them, or the feed URL changed: then the next poll must see the
 * whole body again.
 */
static void
set_validators(struct ingest *in, const struct http_response *r)
{
	if (in->stats->pages > 0 || in->stats->feed_changed)
		return;
	set_str(&in->st->etag, r->etag);
	set_str(&in->st->last_modified, r->last_modified);
}

/* Remember the body's hash, under the same condition as the validators. */
static int
set_body_hash(struct ingest *in, const unsigned char hash[FEED_FP_LEN])
{
	if (in->stats->pages > 0 || in->stats->feed_changed)
		hash = NULL;
	return store_ingest_body_set(in->d->store, in->st->id, hash, FEED_FP_LEN);
}

/* Parse a body and store its entries. */
static int
ingest_feed(struct ingest *in, const struct http_response *r,
    const unsigned char hash[FEED_FP_LEN])
{
	struct feed	*f = NULL;
	char		*why = NULL;
	int		 rc = 0;

	/* a listing page, or an HTML page announcing a feed (pages_ingest.c) */
	if (in->cs->type != SOURCE_HTML)
		f = feed_parse(r->body, r->len, r->effective_url, r->charset, &why);
	if (f == NULL && in->cs->type != SOURCE_FEED &&
	    (rc = pages_ingest_html(in, in->d, in->cs, in->st, r, in->first,
	    in->stats)) != 1) {
		free(why);
		set_validators(in, r);
		return rc == 0 ? set_body_hash(in, hash) : rc;
	}
	rc = 0;
	if (f == NULL) {
		set_validators(in, r);
		in->stats->not_feed = 1;
		free(in->st->last_error);
		xasprintf(&in->st->last_error, "not a feed: %s",
		    why != NULL ? why : "unreadable");
		free(why);
		return store_ingest_body_set(in->d->store, in->st->id, NULL, 0);
	}
	in->feed = f;
	in->stats->entries = (int)f->nentries;
	for (size_t i = 0; i < f->nentries && rc == 0; i++)
		rc = entry_one(in, &f->entries[i]);
	set_validators(in, r);
	in->st->first_fetch_done = 1;
	feed_free(f);
	in->feed = NULL;
	if (rc == 0)
		rc = set_body_hash(in, hash);
	return rc;
}

/*
 * A 2xx: the validators go with what the body gave. The very bytes stored last
 * time (a server without validators) give nothing new: not parsed at all.
 */
static int
ingest_body(struct ingest *in, const struct http_response *r)
{
	unsigned char	hash[FEED_FP_LEN];
	int		rc;

	feed_fingerprint(r->body, r->len, hash);
	if ((rc = store_ingest_body_same(in->d->store, in->st->id, hash,
	    sizeof hash)) == 1) {
		in->stats->same_body = 1;
		set_validators(in, r);
		in->st->first_fetch_done = 1;
		return 0;
	}
	if (rc == -1) {
		xasprintf(in->cause, "store: %s",
		    sqlite3_errmsg(store_db(in->d->store)));
		return -1;
	}
	return ingest_feed(in, r, hash);
}

/* An article whose page came later, in its own transaction (ingest.h). */
int
ingest_article(struct daemon *d, const struct conf_source *cs, int64_t source_id,
    const struct dedup_article *a, int first, struct ingest_stats *stats,
    char **cause)
{
	struct source_state	 st = { .id = source_id };
	struct ingest		 in = { d, cs, &st, NULL, stats, first, 0, cause };

	memset(stats, 0, sizeof *stats);
	*cause = NULL;
	if (store_begin(d->store) == -1) {
		xasprintf(cause, "database busy or unwritable");
		return -1;
	}
	if (ingest_store(&in, a) == 0 && store_commit(d->store) == 0)
		return 0;
	store_rollback(d->store);
	if (*cause == NULL)
		xasprintf(cause, "store: cannot commit");
	return -1;
}

/* Keep what ingest may change in a source's state. */
static void
save_state(struct saved *sv, const struct source_state *st)
{
	sv->etag = st->etag != NULL ? xstrdup(st->etag) : NULL;
	sv->last_modified = st->last_modified != NULL ?
	    xstrdup(st->last_modified) : NULL;
	sv->last_error = st->last_error != NULL ? xstrdup(st->last_error) : NULL;
	sv->feed_url = st->feed_url != NULL ? xstrdup(st->feed_url) : NULL;
	sv->first_fetch_done = st->first_fetch_done;
}

/* Put it back (restore) or forget it. */
static void
end_state(struct saved *sv, struct source_state *st, int restore)
{
	if (restore) {
		set_str(&st->etag, sv->etag);
		set_str(&st->last_modified, sv->last_modified);
		set_str(&st->last_error, sv->last_error);
		set_str(&st->feed_url, sv->feed_url);
		st->first_fetch_done = sv->first_fetch_done;
	}
	free(sv->feed_url);
	free(sv->etag);
	free(sv->last_modified);
	free(sv->last_error);
}

/* One response, one transaction (ingest.h). */
int
ingest_response(struct daemon *d, const struct conf_source *cs,
    struct source_state *st, const struct http_response *r,
    struct ingest_stats *stats, char **cause)
{
	struct ingest	 in = { d, cs, st, NULL, stats, 0, 0, cause };
	struct saved	 sv;
	int		 rc = -1;

	memset(stats, 0, sizeof *stats);
	*cause = NULL;
	in.first = !st->first_fetch_done;
	in.now = (int64_t)time(NULL);
	if (store_begin(d->store) == -1) {
		xasprintf(cause, "database busy or unwritable");
		return -1;
	}
	save_state(&sv, st);
	if ((r->result != HTTP_OK || ingest_body(&in, r) == 0) &&
	    store_source_save(d->store, st) == 0 && store_commit(d->store) == 0)
		rc = 0;
	if (rc == -1) {
		store_rollback(d->store);
		if (*cause == NULL)
			xasprintf(cause, "store: cannot save the source");
	}
	end_state(&sv, st, rc == -1);
	return rc;
}
