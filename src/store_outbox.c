/*
 * store_outbox: matches and the alert outbox (see store_outbox.h). Every
 * statement is prepared once through store_stmt.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "store.h"
#include "store_ops.h"
#include "store_outbox.h"
#include "xmalloc.h"

#define MAX_TERMS	64		/* terms read back per alert */
#define MAX_ALSO	64		/* other sources named per alert */

/* Migration 4: see store_outbox.h. */
const char store_migration_outbox[] =
	"CREATE TABLE matches ("
	"  id INTEGER PRIMARY KEY,"
	"  story_id INTEGER NOT NULL,"
	"  watchlist TEXT NOT NULL,"
	"  article_id INTEGER,"
	"  source_id INTEGER,"
	"  terms TEXT,"
	"  snippet TEXT,"
	"  matched_at INTEGER NOT NULL,"
	"  UNIQUE (story_id, watchlist));"
	"CREATE TABLE outbox ("
	"  id INTEGER PRIMARY KEY,"
	"  delivery_id TEXT UNIQUE NOT NULL,"
	"  kind INTEGER NOT NULL,"
	"  story_id INTEGER,"
	"  watchlist TEXT,"
	"  notifier TEXT NOT NULL,"
	"  article_id INTEGER,"
	"  source_id INTEGER,"
	"  health_state TEXT,"
	"  state TEXT NOT NULL DEFAULT 'pending'"
	"    CHECK (state IN ('pending', 'delivered', 'dead')),"
	"  created_at INTEGER NOT NULL,"
	"  next_attempt_at INTEGER NOT NULL,"
	"  attempts INTEGER NOT NULL DEFAULT 0,"
	"  last_attempt_at INTEGER,"
	"  last_code INTEGER,"
	"  last_error TEXT,"
	"  delivered_at INTEGER,"
	"  digest_id TEXT,"
	"  UNIQUE (story_id, watchlist, notifier));"
	"CREATE INDEX outbox_due ON outbox (next_attempt_at)"
	"  WHERE state = 'pending';"
	"CREATE INDEX outbox_due_notifier ON outbox (notifier, next_attempt_at)"
	"  WHERE state = 'pending';"
	"CREATE INDEX outbox_digest ON outbox (digest_id) WHERE digest_id IS NOT NULL;"
	"CREATE INDEX outbox_state ON outbox (state, id);";

/* Statement slots: matches 96-127, outbox 128-159 (store.h). */
enum {
	S_MATCH_EXISTS = 96,
	S_MATCH_ADD,
	S_MATCH_GET,
	S_OB_ADD = 128,
	S_OB_DUE,
	S_OB_NEXT,
	S_OB_UPDATE,
	S_OB_LIST,
	S_OB_LIST_ALL,
	S_OB_RETRY,
	S_OB_RETRY_DEAD,
	S_OB_COUNT,
	S_AL_FIRST,
	S_AL_ALSO,
	S_BACKTEST,
	S_OB_SET_DIGEST,
	S_OB_DIGEST_ROWS,
	S_OB_SINGLES,
	S_OB_SINGLES_WL,
};

#define ROW_COLUMNS							\
	"id, delivery_id, kind, story_id, watchlist, notifier, article_id,"	\
	" source_id, state, created_at, next_attempt_at, attempts,"		\
	" last_attempt_at, last_code, last_error, delivered_at, digest_id"

/* A text column as a new string, or NULL. */
static char *
col_str(sqlite3_stmt *st, int i)
{
	const unsigned char *s = sqlite3_column_text(st, i);

	return s != NULL ? xstrdup((const char *)s) : NULL;
}

/* Bind a string or NULL. */
static void
bind_str(sqlite3_stmt *st, int i, const char *s)
{
	if (s != NULL)
		sqlite3_bind_text(st, i, s, -1, SQLITE_TRANSIENT);
	else
		sqlite3_bind_null(st, i);
}

/* Step a statement that returns no row; 0 or -1 (logged). */
static int
step_done(struct store *s, sqlite3_stmt *st, const char *what)
{
	int rc = sqlite3_step(st);

	sqlite3_reset(st);
	if (rc == SQLITE_DONE)
		return 0;
	log_warnx("store: %s: %s", what, sqlite3_errmsg(store_db(s)));
	return -1;
}

/* See store_outbox.h. */
int
store_match_exists(struct store *s, int64_t story, const char *watchlist)
{
	sqlite3_stmt *st = store_stmt(s, S_MATCH_EXISTS,
	    "SELECT 1 FROM matches WHERE story_id = ?1 AND watchlist = ?2");
	int rc;

	sqlite3_bind_int64(st, 1, story);
	bind_str(st, 2, watchlist);
	rc = sqlite3_step(st);
	sqlite3_reset(st);
	if (rc == SQLITE_ROW)
		return 1;
	if (rc == SQLITE_DONE)
		return 0;
	log_warnx("store: match lookup: %s", sqlite3_errmsg(store_db(s)));
	return -1;
}

/* See store_outbox.h. */
int
store_match_add(struct store *s, int64_t story, const char *watchlist,
    int64_t article, int64_t source, const char *terms, const char *snippet,
    int64_t now)
{
	sqlite3_stmt *st = store_stmt(s, S_MATCH_ADD,
	    "INSERT INTO matches (story_id, watchlist, article_id, source_id,"
	    " terms, snippet, matched_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)"
	    " ON CONFLICT DO NOTHING");

	sqlite3_bind_int64(st, 1, story);
	bind_str(st, 2, watchlist);
	sqlite3_bind_int64(st, 3, article);
	sqlite3_bind_int64(st, 4, source);
	bind_str(st, 5, terms);
	bind_str(st, 6, snippet);
	sqlite3_bind_int64(st, 7, now);
	return step_done(s, st, "match insert");
}

/* See store_outbox.h. */
int
store_outbox_add(struct store *s, const struct outbox_row *r)
{
	sqlite3_stmt *st = store_stmt(s, S_OB_ADD,
	    "INSERT INTO outbox (delivery_id, kind, story_id, watchlist, notifier,"
	    " article_id, source_id, state, created_at, next_attempt_at)"
	    " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, 'pending', ?8, ?9)"
	    " ON CONFLICT DO NOTHING");

	bind_str(st, 1, r->delivery_id);
	sqlite3_bind_int(st, 2, r->kind);
	sqlite3_bind_int64(st, 3, r->story_id);
	bind_str(st, 4, r->watchlist);
	bind_str(st, 5, r->notifier);
	sqlite3_bind_int64(st, 6, r->article_id);
	sqlite3_bind_int64(st, 7, r->source_id);
	sqlite3_bind_int64(st, 8, r->created_at);
	sqlite3_bind_int64(st, 9, r->next_attempt_at);
	if (step_done(s, st, "outbox insert") == -1)
		return -1;
	return sqlite3_changes(store_db(s)) > 0;
}

/* Read the ROW_COLUMNS of a result row; the row's strings borrow st. */
static void
row_read(sqlite3_stmt *st, struct outbox_row *r)
{
	memset(r, 0, sizeof *r);
	r->id = sqlite3_column_int64(st, 0);
	r->delivery_id = (char *)sqlite3_column_text(st, 1);
	r->kind = sqlite3_column_int(st, 2);
	r->story_id = sqlite3_column_int64(st, 3);
	r->watchlist = (char *)sqlite3_column_text(st, 4);
	r->notifier = (char *)sqlite3_column_text(st, 5);
	r->article_id = sqlite3_column_int64(st, 6);
	r->source_id = sqlite3_column_int64(st, 7);
	r->state = (char *)sqlite3_column_text(st, 8);
	r->created_at = sqlite3_column_int64(st, 9);
	r->next_attempt_at = sqlite3_column_int64(st, 10);
	r->attempts = sqlite3_column_int(st, 11);
	r->last_attempt_at = sqlite3_column_int64(st, 12);
	r->last_code = sqlite3_column_int(st, 13);
	r->last_error = (char *)sqlite3_column_text(st, 14);
	r->delivered_at = sqlite3_column_int64(st, 15);
	r->digest_id = (char *)sqlite3_column_text(st, 16);
}

/*
 * Collect the rows of a statement, then hand them to cb after the statement is
 * reset (cb may write to the store).
 */
static int
rows_run(struct store *s, sqlite3_stmt *st, size_t max,
    int (*skip)(int64_t, void *), outbox_row_cb cb, void *arg)
{
	struct outbox_row *v = NULL, r;
	size_t n = 0, cap = 0;
	int rc;

	while (n < max && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (skip != NULL && skip(sqlite3_column_int64(st, 0), arg))
			continue;
		row_read(st, &r);
		if (n == cap) {
			cap = cap == 0 ? 16 : cap * 2;
			v = xreallocarray(v, cap, sizeof *v);
		}
		v[n] = r;
		v[n].delivery_id = xstrdup(r.delivery_id != NULL ? r.delivery_id : "");
		v[n].watchlist = r.watchlist != NULL ? xstrdup(r.watchlist) : NULL;
		v[n].notifier = xstrdup(r.notifier != NULL ? r.notifier : "");
		v[n].state = xstrdup(r.state != NULL ? r.state : "");
		v[n].last_error = r.last_error != NULL ? xstrdup(r.last_error) : NULL;
		v[n].digest_id = r.digest_id != NULL ? xstrdup(r.digest_id) : NULL;
		n++;
	}
	if (n < max && rc != SQLITE_DONE)
		log_warnx("store: outbox: %s", sqlite3_errmsg(store_db(s)));
	sqlite3_reset(st);
	for (size_t i = 0; i < n; i++) {
		cb(&v[i], arg);
		free(v[i].delivery_id);
		free(v[i].watchlist);
		free(v[i].notifier);
		free(v[i].state);
		free(v[i].last_error);
		free(v[i].digest_id);
	}
	free(v);
	return (int)n;
}

/* See store_outbox.h. */
int
store_outbox_due(struct store *s, const char *notifier, int64_t now, size_t max,
    int (*skip)(int64_t, void *), outbox_row_cb cb, void *arg)
{
	sqlite3_stmt *st = store_stmt(s, S_OB_DUE, "SELECT " ROW_COLUMNS
	    " FROM outbox WHERE state = 'pending' AND notifier = ?2"
	    " AND next_attempt_at <= ?1 ORDER BY next_attempt_at, id");

	sqlite3_bind_int64(st, 1, now);
	bind_str(st, 2, notifier);
	return rows_run(s, st, max, skip, cb, arg);
}

/* See store_outbox.h. */
int64_t
store_outbox_next_due(struct store *s)
{
	sqlite3_stmt *st = store_stmt(s, S_OB_NEXT, "SELECT min(next_attempt_at)"
	    " FROM outbox WHERE state = 'pending'");
	int64_t v = -1;

	if (sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	return v;
}

/* See store_outbox.h. */
int
store_outbox_update(struct store *s, int64_t id, const char *state, int attempts,
    int64_t next, int code, const char *error, int64_t now)
{
	sqlite3_stmt *st = store_stmt(s, S_OB_UPDATE,
	    "UPDATE outbox SET state = ?2, attempts = ?3, next_attempt_at = ?4,"
	    " last_code = ?5, last_error = ?6, last_attempt_at = ?7,"
	    " delivered_at = CASE WHEN ?2 = 'delivered' THEN ?7 END"
	    " WHERE id = ?1");

	sqlite3_bind_int64(st, 1, id);
	bind_str(st, 2, state);
	sqlite3_bind_int(st, 3, attempts);
	sqlite3_bind_int64(st, 4, next);
	sqlite3_bind_int(st, 5, code);
	bind_str(st, 6, error);
	sqlite3_bind_int64(st, 7, now);
	return step_done(s, st, "outbox update");
}

/* See store_outbox.h. */
int
store_outbox_list(struct store *s, const char *state, outbox_row_cb cb,
    void *arg)
{
	sqlite3_stmt *st;

	if (state == NULL)
		st = store_stmt(s, S_OB_LIST_ALL, "SELECT " ROW_COLUMNS
		    " FROM outbox ORDER BY id");
	else {
		st = store_stmt(s, S_OB_LIST, "SELECT " ROW_COLUMNS
		    " FROM outbox WHERE state = ?1 ORDER BY id");
		bind_str(st, 1, state);
	}
	return rows_run(s, st, SIZE_MAX, NULL, cb, arg) < 0 ? -1 : 0;
}

/* See store_outbox.h. */
int
store_outbox_retry(struct store *s, int64_t id, int64_t now)
{
	sqlite3_stmt *st = store_stmt(s, S_OB_RETRY,
	    "UPDATE outbox SET state = 'pending', next_attempt_at = ?2,"
	    " attempts = 0, created_at = ?2 WHERE id = ?1 AND state = 'dead'");

	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_int64(st, 2, now);
	if (step_done(s, st, "outbox retry") == -1)
		return -1;
	return sqlite3_changes(store_db(s)) > 0;
}

/* See store_outbox.h. */
int
store_outbox_retry_dead(struct store *s, int64_t now)
{
	sqlite3_stmt *st = store_stmt(s, S_OB_RETRY_DEAD,
	    "UPDATE outbox SET state = 'pending', next_attempt_at = ?1,"
	    " attempts = 0, created_at = ?1 WHERE state = 'dead'");

	sqlite3_bind_int64(st, 1, now);
	if (step_done(s, st, "outbox retry") == -1)
		return -1;
	return sqlite3_changes(store_db(s));
}

/* See store_outbox.h. */
int
store_outbox_count_pending(struct store *s, const char *notifier)
{
	sqlite3_stmt *st = store_stmt(s, S_OB_COUNT, "SELECT count(*) FROM outbox"
	    " WHERE state = 'pending' AND notifier = ?1");
	int n = -1;

	bind_str(st, 1, notifier);
	if (sqlite3_step(st) == SQLITE_ROW)
		n = sqlite3_column_int(st, 0);
	sqlite3_reset(st);
	return n;
}

/* Split the stored terms (one per line) into the alert. */
static void
terms_split(struct outbox_alert *a, const char *terms)
{
	const char *p = terms, *nl;

	while (p != NULL && *p != '\0' && a->nterms < MAX_TERMS) {
		if ((nl = strchr(p, '\n')) == NULL)
			nl = p + strlen(p);
		a->terms = xreallocarray(a->terms, a->nterms + 1, sizeof *a->terms);
		a->terms[a->nterms++] = xstrndup(p, nl - p);
		p = *nl != '\0' ? nl + 1 : NULL;
	}
}

/* The other sources that carried the story, first sighting of each. */
static void
alert_also(struct store *s, int64_t story, struct outbox_alert *a)
{
	sqlite3_stmt *st = store_stmt(s, S_AL_ALSO,
	    "SELECT coalesce(src.name, '#' || g.source_id), g.url"
	    " FROM sightings g LEFT JOIN sources src ON src.id = g.source_id"
	    " WHERE g.story_id = ?1 AND g.source_id IS NOT"
	    "  (SELECT ar.source_id FROM stories t JOIN articles ar"
	    "   ON ar.id = t.first_article WHERE t.id = ?1)"
	    " GROUP BY g.source_id ORDER BY min(g.seen_at), min(g.id)");

	sqlite3_bind_int64(st, 1, story);
	while (a->nalso < MAX_ALSO && sqlite3_step(st) == SQLITE_ROW) {
		a->also_name = xreallocarray(a->also_name, a->nalso + 1,
		    sizeof *a->also_name);
		a->also_url = xreallocarray(a->also_url, a->nalso + 1,
		    sizeof *a->also_url);
		a->also_name[a->nalso] = col_str(st, 0);
		a->also_url[a->nalso] = col_str(st, 1);
		a->nalso++;
	}
	sqlite3_reset(st);
}

/* See store_outbox.h. */
int
store_outbox_alert(struct store *s, int64_t story, const char *watchlist,
    struct outbox_alert *a)
{
	sqlite3_stmt *st = store_stmt(s, S_AL_FIRST,
	    "SELECT coalesce(ar.title, t.title), coalesce(ar.link, t.canonical_url),"
	    " src.name, ar.summary, ar.published, m.snippet, m.terms"
	    " FROM stories t LEFT JOIN articles ar ON ar.id = t.first_article"
	    " LEFT JOIN sources src ON src.id = ar.source_id"
	    " LEFT JOIN matches m ON m.story_id = t.id AND m.watchlist = ?2"
	    " WHERE t.id = ?1");
	int rc;

	memset(a, 0, sizeof *a);
	sqlite3_bind_int64(st, 1, story);
	bind_str(st, 2, watchlist);
	if ((rc = sqlite3_step(st)) != SQLITE_ROW) {
		sqlite3_reset(st);
		return -1;
	}
	a->title = col_str(st, 0);
	a->url = col_str(st, 1);
	a->source = col_str(st, 2);
	a->summary = col_str(st, 3);
	a->published = sqlite3_column_int64(st, 4);
	a->snippet = col_str(st, 5);
	terms_split(a, (const char *)sqlite3_column_text(st, 6));
	sqlite3_reset(st);
	alert_also(s, story, a);
	return 0;
}

/* Free an alert's strings. */
void
outbox_alert_clear(struct outbox_alert *a)
{
	free(a->title);
	free(a->url);
	free(a->source);
	free(a->summary);
	free(a->snippet);
	for (size_t i = 0; i < a->nterms; i++)
		free(a->terms[i]);
	free(a->terms);
	for (size_t i = 0; i < a->nalso; i++) {
		free(a->also_name[i]);
		free(a->also_url[i]);
	}
	free(a->also_name);
	free(a->also_url);
	memset(a, 0, sizeof *a);
}

/* See store_outbox.h. */
int
store_articles_since(struct store *s, int64_t since,
    void (*cb)(const struct stored_article *, void *), void *arg)
{
	sqlite3_stmt *st = store_stmt(s, S_BACKTEST,
	    "SELECT a.id, a.story_id, a.published, a.fetched_at, src.name,"
	    " a.title, a.content, a.summary, a.link, a.author, a.lang"
	    " FROM articles a LEFT JOIN sources src ON src.id = a.source_id"
	    " WHERE a.fetched_at >= ?1 ORDER BY a.fetched_at, a.id");
	struct stored_article a;
	int rc;

	sqlite3_bind_int64(st, 1, since);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		a.id = sqlite3_column_int64(st, 0);
		a.story_id = sqlite3_column_int64(st, 1);
		a.published = sqlite3_column_int64(st, 2);
		a.fetched_at = sqlite3_column_int64(st, 3);
		a.source = (const char *)sqlite3_column_text(st, 4);
		a.title = (const char *)sqlite3_column_text(st, 5);
		a.text = (const char *)sqlite3_column_text(st, 6);
		a.summary = (const char *)sqlite3_column_text(st, 7);
		a.url = (const char *)sqlite3_column_text(st, 8);
		a.author = (const char *)sqlite3_column_text(st, 9);
		a.lang = (const char *)sqlite3_column_text(st, 10);
		cb(&a, arg);
	}
	sqlite3_reset(st);
	return rc == SQLITE_DONE ? 0 : -1;
}

/* See store_outbox.h. */
int
store_outbox_set_digest(struct store *s, int64_t id, const char *digest_id,
    int64_t due)
{
	sqlite3_stmt *st = store_stmt(s, S_OB_SET_DIGEST,
	    "UPDATE outbox SET digest_id = ?2, next_attempt_at = ?3 WHERE id = ?1");

	sqlite3_bind_int64(st, 1, id);
	bind_str(st, 2, digest_id);
	sqlite3_bind_int64(st, 3, due);
	return step_done(s, st, "outbox digest");
}

/* See store_outbox.h. */
int
store_outbox_digest_rows(struct store *s, const char *digest_id,
    outbox_row_cb cb, void *arg)
{
	sqlite3_stmt *st = store_stmt(s, S_OB_DIGEST_ROWS, "SELECT " ROW_COLUMNS
	    " FROM outbox WHERE digest_id = ?1 AND state = 'pending'"
	    " ORDER BY created_at, id");

	bind_str(st, 1, digest_id);
	return rows_run(s, st, SIZE_MAX, NULL, cb, arg);
}

/* See store_outbox.h. */
int
store_outbox_singles_since(struct store *s, const char *notifier,
    const char *watchlist, int64_t since, void (*cb)(int64_t, void *), void *arg)
{
	sqlite3_stmt *st;
	int rc;

	if (watchlist == NULL)
		st = store_stmt(s, S_OB_SINGLES, "SELECT last_attempt_at FROM outbox"
		    " WHERE notifier = ?1 AND digest_id IS NULL AND"
		    " state = 'delivered' AND last_attempt_at >= ?2"
		    " ORDER BY last_attempt_at");
	else {
		st = store_stmt(s, S_OB_SINGLES_WL, "SELECT last_attempt_at FROM"
		    " outbox WHERE notifier = ?1 AND digest_id IS NULL AND"
		    " state = 'delivered' AND last_attempt_at >= ?2"
		    " AND watchlist = ?3 ORDER BY last_attempt_at");
		bind_str(st, 3, watchlist);
	}
	bind_str(st, 1, notifier);
	sqlite3_bind_int64(st, 2, since);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		cb(sqlite3_column_int64(st, 0), arg);
	sqlite3_reset(st);
	return rc == SQLITE_DONE ? 0 : -1;
}

/* The outbox's pending and dead counts (0 without an outbox table). */
void
store_outbox_counts(sqlite3 *db, long long *pending, long long *dead)
{
	sqlite3_stmt *st;

	*pending = *dead = 0;
	if (!store_ops_table_exists(db, "outbox") || sqlite3_prepare_v2(db,
	    "SELECT coalesce(sum(state = 'pending'), 0),"
	    " coalesce(sum(state = 'dead'), 0) FROM outbox", -1, &st,
	    NULL) != SQLITE_OK)
		return;
	if (sqlite3_step(st) == SQLITE_ROW) {
		*pending = sqlite3_column_int64(st, 0);
		*dead = sqlite3_column_int64(st, 1);
	}
	sqlite3_finalize(st);
}
