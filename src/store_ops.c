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
