/*
 * store_ops: the store's queries for the operations part (status, metrics,
 * /healthz, source enable, test-source, articles).
 */
#include "config.h"

#include <stdlib.h>

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
