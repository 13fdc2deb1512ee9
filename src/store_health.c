/*
 * store_health: health alerts in the outbox (see store_health.h).
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "newswatch/plugin.h"
#include "store.h"
#include "store_health.h"
#include "xmalloc.h"

/*
 * The migration after alerts' outbox and ingest's body hash: the last health
 * alert of a source and its newest article, found through indexes rather than
 * by scanning the outbox or the source's articles.
 */
const char store_migration_health[] =
	"CREATE INDEX outbox_health ON outbox (source_id, id) WHERE kind = 3;"
	"CREATE INDEX articles_source_fetched ON articles (source_id, fetched_at);";

/* Statement slots of this file (store.h: others from 160). */
enum {
	S_HEALTH_LAST = 160,
	S_HEALTH_NEWEST,
	S_HEALTH_CREATED,
	S_HEALTH_ADD,
	S_HEALTH_ALERT,
};

/* A text column as a new string, or NULL. */
static char *
column_dup(sqlite3_stmt *st, int i)
{
	const unsigned char *t = sqlite3_column_text(st, i);

	return t != NULL ? xstrdup((const char *)t) : NULL;
}

/* See store_health.h. */
int
store_health_last(struct store *s, int64_t source_id, char **state)
{
	sqlite3_stmt *st = store_stmt(s, S_HEALTH_LAST,
	    "SELECT health_state FROM outbox WHERE kind = 3 AND source_id = ?1"
	    " ORDER BY id DESC LIMIT 1");	/* 3: NW_ALERT_HEALTH */
	int rc;

	*state = NULL;
	sqlite3_bind_int64(st, 1, source_id);
	if ((rc = sqlite3_step(st)) == SQLITE_ROW)
		*state = column_dup(st, 0);
	sqlite3_reset(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
		log_warnx("store: health state: %s", sqlite3_errmsg(store_db(s)));
		return -1;
	}
	return 0;
}

/* One integer from a prepared statement bound to a source id; 0 when none. */
static int64_t
source_int(struct store *s, int slot, const char *sql, int64_t source_id)
{
	sqlite3_stmt *st = store_stmt(s, slot, sql);
	int64_t v = 0;

	sqlite3_bind_int64(st, 1, source_id);
	if (sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	return v;
}

/* See store_health.h. */
int64_t
store_health_newest(struct store *s, int64_t source_id)
{
	int64_t t;

	t = source_int(s, S_HEALTH_NEWEST, "SELECT coalesce(max(fetched_at), 0)"
	    " FROM articles WHERE source_id = ?1", source_id);
	if (t > 0)
		return t;
	return source_int(s, S_HEALTH_CREATED, "SELECT created_at FROM sources"
	    " WHERE id = ?1", source_id);
}

/* See store_health.h. */
int
store_health_add(struct store *s, const char *delivery_id, int64_t source_id,
    const char *notifier, const char *state, int64_t now)
{
	sqlite3_stmt *st = store_stmt(s, S_HEALTH_ADD,
	    "INSERT INTO outbox (delivery_id, kind, notifier, source_id,"
	    " health_state, state, created_at, next_attempt_at)"
	    " VALUES (?1, ?2, ?3, ?4, ?5, 'pending', ?6, ?6) ON CONFLICT DO NOTHING");
	int rc;

	sqlite3_bind_text(st, 1, delivery_id, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int(st, 2, NW_ALERT_HEALTH);
	sqlite3_bind_text(st, 3, notifier, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, 4, source_id);
	sqlite3_bind_text(st, 5, state, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, 6, now);
	rc = sqlite3_step(st);
	sqlite3_reset(st);
	if (rc != SQLITE_DONE) {
		log_warnx("store: health alert: %s", sqlite3_errmsg(store_db(s)));
		return -1;
	}
	return sqlite3_changes(store_db(s)) > 0;
}

/* See store_health.h. */
int
store_health_alert(struct store *s, int64_t outbox_id, struct health_alert *h)
{
	sqlite3_stmt *st = store_stmt(s, S_HEALTH_ALERT,
	    "SELECT s.name, s.url, o.health_state,"
	    " CASE WHEN o.health_state = 'recovered' THEN NULL"
	    "  ELSE coalesce(s.disabled_reason, s.last_error) END"
	    " FROM outbox o JOIN sources s ON s.id = o.source_id WHERE o.id = ?1");
	int rc;

	memset(h, 0, sizeof *h);
	sqlite3_bind_int64(st, 1, outbox_id);
	if ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		h->source = column_dup(st, 0);
		h->url = column_dup(st, 1);
		h->state = column_dup(st, 2);
		h->error = column_dup(st, 3);
	}
	sqlite3_reset(st);
	return rc == SQLITE_ROW ? 0 : -1;
}

/* Free what a health alert holds. */
void
health_alert_clear(struct health_alert *h)
{
	free(h->source);
	free(h->url);
	free(h->state);
	free(h->error);
	memset(h, 0, sizeof *h);
}
