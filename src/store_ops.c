/*
 * store_ops: the store's queries for the operations part (status, metrics,
 * /healthz, source enable, test-source, articles).
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "store_ops.h"
#include "xmalloc.h"

/* The gauges' queries, by enum store_gauge_kind. */
static const struct {
	const char	*sql;
	int		 nlabels;
} gauges[] = {
	{ "SELECT name, coalesce(last_success, 0) FROM sources ORDER BY name", 1 },
	{ "SELECT name, failures FROM sources ORDER BY name", 1 },
	{ "SELECT n.notifier, s.state, (SELECT count(*) FROM outbox o"
	  "  WHERE o.notifier = n.notifier AND o.state = s.state)"
	  " FROM (SELECT DISTINCT notifier FROM outbox) n,"
	  " (SELECT 'pending' AS state UNION ALL SELECT 'dead') s"
	  " ORDER BY 1, 2", 2 }
};

/* Whether a table exists. */
int
store_ops_table_exists(sqlite3 *db, const char *name)
{
	sqlite3_stmt *st;
	int found;

	if (sqlite3_prepare_v2(db, "SELECT 1 FROM sqlite_master WHERE type = 'table'"
	    " AND name = ?", -1, &st, NULL) != SQLITE_OK)
		return 0;
	sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
	found = sqlite3_step(st) == SQLITE_ROW;
	sqlite3_finalize(st);
	return found;
}

/* The number of sources, or -1 with *why (SQLite's message). */
int
store_ops_source_count(sqlite3 *db, const char **why)
{
	sqlite3_stmt *st;
	int n = -1;

	if (sqlite3_prepare_v2(db, "SELECT count(*) FROM sources", -1, &st,
	    NULL) != SQLITE_OK) {
		*why = sqlite3_errmsg(db);
		return -1;
	}
	if (sqlite3_step(st) == SQLITE_ROW)
		n = sqlite3_column_int(st, 0);
	else
		*why = sqlite3_errmsg(db);
	sqlite3_finalize(st);
	return n;
}

/* Append one result row to a gauge. */
static void
gauge_add(struct store_gauge *g, sqlite3_stmt *st, int nlabels)
{
	struct store_gauge_row *r;

	g->rows = xreallocarray(g->rows, g->n + 1, sizeof *g->rows);
	r = &g->rows[g->n++];
	r->label[0] = r->label[1] = NULL;
	for (int l = 0; l < nlabels; l++) {
		const unsigned char *v = sqlite3_column_text(st, l);

		r->label[l] = xstrdup(v != NULL ? (const char *)v : "");
	}
	r->value = sqlite3_column_double(st, nlabels);
}

/* Read a gauge's rows into g; -1 with *cause when the query fails. */
int
store_ops_gauge(sqlite3 *db, enum store_gauge_kind kind, struct store_gauge *g,
    char **cause)
{
	sqlite3_stmt *st;

	g->rows = NULL;
	g->n = 0;
	if (sqlite3_prepare_v2(db, gauges[kind].sql, -1, &st, NULL) != SQLITE_OK) {
		*cause = xstrdup(sqlite3_errmsg(db));
		return -1;
	}
	while (sqlite3_step(st) == SQLITE_ROW)
		gauge_add(g, st, gauges[kind].nlabels);
	sqlite3_finalize(st);
	return 0;
}

/* Free a gauge's rows. */
void
store_ops_gauge_free(struct store_gauge *g)
{
	for (size_t i = 0; i < g->n; i++) {
		free(g->rows[i].label[0]);
		free(g->rows[i].label[1]);
	}
	free(g->rows);
	g->rows = NULL;
	g->n = 0;
}

/* A text column as an owned string, or NULL. */
static char *
text_or_null(sqlite3_stmt *st, int i)
{
	const unsigned char *v = sqlite3_column_text(st, i);

	return v != NULL ? xstrdup((const char *)v) : NULL;
}

/* An integer column and whether it is not NULL. */
static int64_t
int_col(sqlite3_stmt *st, int i, int *has)
{
	*has = sqlite3_column_type(st, i) != SQLITE_NULL;
	return sqlite3_column_int64(st, i);
}

/* Append one row of the sources query. */
static void
source_add(struct store_ops_sources *out, sqlite3_stmt *st)
{
	struct store_ops_source *s;
	int has;

	out->v = xreallocarray(out->v, out->n + 1, sizeof *out->v);
	s = &out->v[out->n++];
	memset(s, 0, sizeof *s);
	s->name = text_or_null(st, 0);
	s->last_success = int_col(st, 1, &s->has_last_success);
	s->last_status = int_col(st, 2, &s->has_last_status);
	s->last_error = text_or_null(st, 3);
	s->failures = int_col(st, 4, &has);
	s->next_due = int_col(st, 5, &s->has_next_due);
	s->articles_24h = int_col(st, 6, &has);
	s->enabled = sqlite3_column_int(st, 7);
	s->disabled_reason = text_or_null(st, 8);
}

/*
 * Every source's health row, with its articles of the last day when that table
 * exists. 0; -1 with *cause when the query fails; -2 when reading stopped
 * early (the rows read so far kept).
 */
int
store_ops_sources(sqlite3 *db, int64_t now, struct store_ops_sources *out,
    char **cause)
{
	sqlite3_stmt *st;
	int rc;
	const char *sql = store_ops_table_exists(db, "articles") ?
	    "SELECT s.name, s.last_success, s.last_status, s.last_error, s.failures,"
	    " s.next_due, (SELECT count(*) FROM articles a WHERE a.source_id = s.id"
	    " AND a.fetched_at >= ?1 - 86400), s.enabled, s.disabled_reason"
	    " FROM sources s ORDER BY s.name" :
	    "SELECT s.name, s.last_success, s.last_status, s.last_error, s.failures,"
	    " s.next_due, 0, s.enabled, s.disabled_reason, ?1"
	    " FROM sources s ORDER BY s.name";

	out->v = NULL;
	out->n = 0;
	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK) {
		*cause = xstrdup(sqlite3_errmsg(db));
		return -1;
	}
	sqlite3_bind_int64(st, 1, (sqlite3_int64)now);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		source_add(out, st);
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : -2;
}

/* Free the sources' rows. */
void
store_ops_sources_free(struct store_ops_sources *out)
{
	for (size_t i = 0; i < out->n; i++) {
		free(out->v[i].name);
		free(out->v[i].last_error);
		free(out->v[i].disabled_reason);
	}
	free(out->v);
	out->v = NULL;
	out->n = 0;
}

/*
 * Clear the disabled state of a source and make it due at now. 1 when it
 * exists, 0 when not, -1 with *cause on an error; *enabled is its configured
 * enabled flag, or -1 when no row came back.
 */
int
store_ops_source_enable(sqlite3 *db, const char *name, int64_t now,
    int *enabled, char **cause)
{
	sqlite3_stmt *st;
	int rc, changed;

	*enabled = -1;
	if (sqlite3_prepare_v2(db, "UPDATE sources SET disabled_reason = NULL,"
	    " failures = 0, last_error = NULL, next_due = ?2 WHERE name = ?1"
	    " RETURNING enabled", -1, &st, NULL) != SQLITE_OK) {
		*cause = xstrdup(sqlite3_errmsg(db));
		return -1;
	}
	sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, (sqlite3_int64)now);
	rc = sqlite3_step(st);
	if ((changed = rc == SQLITE_ROW))
		*enabled = sqlite3_column_int(st, 0) != 0;
	while (rc == SQLITE_ROW)
		rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		*cause = xstrdup(sqlite3_errmsg(db));
		return -1;
	}
	return changed;
}

/* The largest id of a table (one of ours, never input), 0 when empty or absent. */
int64_t
store_ops_max_id(sqlite3 *db, const char *table)
{
	sqlite3_stmt *st;
	char *sql;
	int64_t id = 0;

	if (!store_ops_table_exists(db, table))
		return 0;
	xasprintf(&sql, "SELECT coalesce(max(id), 0) FROM %s", table);
	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) == SQLITE_OK) {
		if (sqlite3_step(st) == SQLITE_ROW)
			id = sqlite3_column_int64(st, 0);
		sqlite3_finalize(st);
	}
	free(sql);
	return id;
}

/* Forget a source's validators and body hash; 0, or -1 with *cause. */
int
store_ops_forget_validators(sqlite3 *db, const char *name, char **cause)
{
	sqlite3_stmt *st;
	int rc;

	if (sqlite3_prepare_v2(db, "UPDATE sources SET etag = NULL,"
	    " last_modified = NULL, body_hash = NULL WHERE name = ?1", -1, &st,
	    NULL) != SQLITE_OK) {
		xasprintf(cause, "%s", sqlite3_errmsg(db));
		return -1;
	}
	sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		xasprintf(cause, "%s", sqlite3_errmsg(db));
		return -1;
	}
	return 0;
}

/* A source's articles with an id above after, each with its story's first. */
void
store_ops_run_articles(sqlite3 *db, int64_t source_id, int64_t after,
    void (*cb)(const struct store_ops_run_article *, void *), void *arg)
{
	struct store_ops_run_article a;
	sqlite3_stmt *st;

	if (sqlite3_prepare_v2(db, "SELECT a.title, a.link, a.story_id,"
	    " s.first_article = a.id, f.title, src.name, f.link"
	    " FROM articles a LEFT JOIN stories s ON s.id = a.story_id"
	    " LEFT JOIN articles f ON f.id = s.first_article"
	    " LEFT JOIN sources src ON src.id = f.source_id"
	    " WHERE a.source_id = ?1 AND a.id > ?2 ORDER BY a.id", -1, &st,
	    NULL) != SQLITE_OK)
		return;
	sqlite3_bind_int64(st, 1, source_id);
	sqlite3_bind_int64(st, 2, after);
	while (sqlite3_step(st) == SQLITE_ROW) {
		a.title = (const char *)sqlite3_column_text(st, 0);
		a.link = (const char *)sqlite3_column_text(st, 1);
		a.story = sqlite3_column_int64(st, 2);
		a.first = sqlite3_column_int(st, 3);
		a.first_title = (const char *)sqlite3_column_text(st, 4);
		a.first_source = (const char *)sqlite3_column_text(st, 5);
		cb(&a, arg);
	}
	sqlite3_finalize(st);
}

/* The outbox rows above after_outbox with their story's title; how many. */
int
store_ops_run_alerts(sqlite3 *db, int64_t after_outbox,
    void (*cb)(const char *, const char *, const char *, void *), void *arg)
{
	sqlite3_stmt *st;
	int n = 0;

	if (!store_ops_table_exists(db, "outbox") || sqlite3_prepare_v2(db,
	    "SELECT o.watchlist, o.notifier, s.title FROM outbox o"
	    " LEFT JOIN stories s ON s.id = o.story_id WHERE o.id > ?1 ORDER BY o.id",
	    -1, &st, NULL) != SQLITE_OK)
		return 0;
	sqlite3_bind_int64(st, 1, after_outbox);
	while (sqlite3_step(st) == SQLITE_ROW) {
		cb((const char *)sqlite3_column_text(st, 0),
		    (const char *)sqlite3_column_text(st, 1),
		    (const char *)sqlite3_column_text(st, 2), arg);
		n++;
	}
	sqlite3_finalize(st);
	return n;
}

/* The matches above after_match with no outbox row above after_outbox. */
void
store_ops_run_silent_matches(sqlite3 *db, int64_t after_match,
    int64_t after_outbox, void (*cb)(const char *, const char *, void *),
    void *arg)
{
	sqlite3_stmt *st;

	if (!store_ops_table_exists(db, "matches") || sqlite3_prepare_v2(db,
	    "SELECT m.watchlist, s.title FROM matches m LEFT JOIN stories s"
	    " ON s.id = m.story_id WHERE m.id > ?1 AND NOT EXISTS (SELECT 1 FROM"
	    " outbox o WHERE o.story_id = m.story_id AND o.watchlist = m.watchlist"
	    " AND o.id > ?2) ORDER BY m.id", -1, &st, NULL) != SQLITE_OK)
		return;
	sqlite3_bind_int64(st, 1, after_match);
	sqlite3_bind_int64(st, 2, after_outbox);
	while (sqlite3_step(st) == SQLITE_ROW)
		cb((const char *)sqlite3_column_text(st, 0),
		    (const char *)sqlite3_column_text(st, 1), arg);
	sqlite3_finalize(st);
}
