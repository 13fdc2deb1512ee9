/*
 * store: the SQLite state file: opening, migrations, the statement cache,
 * transactions and the sources table (see store.h).
 */
#include "config.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "conf.h"
#include "log.h"
#include "store.h"
#include "store_dedup.h"
#include "store_health.h"
#include "store_ingest.h"
#include "store_outbox.h"
#include "xmalloc.h"

#define BUSY_TIMEOUT_MS	100

struct store {
	sqlite3		*db;
	char		*path;
	int		 version;
	int		 busy;		/* the last error was a lock held elsewhere */
	sqlite3_stmt	*stmts[STORE_MAX_STMTS];
	struct store_dedup *dedup;	/* store_dedup's candidate index */
};

/*
 * The migrations: migrations[i] takes the schema from version i to i + 1, in one
 * transaction. Later parts append their step at the end; never edit a released one.
 */
static const char *const migrations[] = {
	/* 1: foundation, the sources */
	"CREATE TABLE sources ("
	"  id INTEGER PRIMARY KEY,"
	"  name TEXT UNIQUE NOT NULL,"
	"  url TEXT NOT NULL,"
	"  enabled INTEGER NOT NULL DEFAULT 1,"
	"  disabled_reason TEXT,"
	"  etag TEXT, last_modified TEXT,"
	"  feed_url TEXT,"
	"  last_attempt INTEGER, last_success INTEGER, last_status INTEGER,"
	"  last_error TEXT, failures INTEGER NOT NULL DEFAULT 0,"
	"  next_due INTEGER, first_fetch_done INTEGER NOT NULL DEFAULT 0,"
	"  created_at INTEGER NOT NULL);",
	/* 2: feeds, the articles (STAND-IN from store_dedup.c until feeds lands) */
	store_migration_articles,
	/* 3: store, stories, sightings and the identity of articles */
	store_migration_dedup,
	/* 4: watchlists and alerts, matches and the outbox */
	store_migration_outbox,
	/* 5: the body hash of ingest */
	store_migration_ingest,
	/* 6: operations, health alerts and newest articles by source */
	store_migration_health,
	/* 7: store, the candidate index in memory, from one anchors row per article */
	store_migration_anchors,
	/* 8: store, the URL and content hash keys in memory with the anchors */
	store_migration_keys,
};
#define NMIGRATIONS ((int)(sizeof migrations / sizeof migrations[0]))

/* Statement slots of this file (other store files take slots from 32 on). */
enum {
	STMT_SRC_LIST,
	STMT_SRC_INSERT,
	STMT_SRC_UPDATE,
	STMT_SRC_RESET,
	STMT_SRC_DELETE,
	STMT_SRC_LOAD,
	STMT_SRC_SAVE,
};

/* 1 when the connection's last error is a lock another connection holds. */
static int
busy_now(sqlite3 *db)
{
	int e = sqlite3_errcode(db);

	return e == SQLITE_BUSY || e == SQLITE_LOCKED;
}

/* Run SQL without results; -1 with *cause on failure. */
static int
exec_sql(sqlite3 *db, const char *sql, char **cause)
{
	char *err = NULL;

	if (sqlite3_exec(db, sql, NULL, NULL, &err) == SQLITE_OK)
		return 0;
	if (cause != NULL)
		xasprintf(cause, "%s", err != NULL ? err : sqlite3_errmsg(db));
	sqlite3_free(err);
	return -1;
}

/* Read PRAGMA user_version; -1 on error. */
static int
read_version(sqlite3 *db)
{
	sqlite3_stmt *st;
	int v = -1;

	if (sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &st, NULL) != SQLITE_OK)
		return -1;
	if (sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	return v;
}

/* Apply migration number v + 1 in its own transaction. */
static int
migrate_one(struct store *s, int v, char **cause)
{
	char *sql, *err = NULL;

	xasprintf(&sql, "BEGIN IMMEDIATE; %s PRAGMA user_version = %d; COMMIT;",
	    migrations[v], v + 1);
	if (exec_sql(s->db, sql, &err) == -1) {
		s->busy = busy_now(s->db);
		exec_sql(s->db, "ROLLBACK", NULL);
		xasprintf(cause, "%s: migration %d: %s", s->path, v + 1, err);
		free(err);
		free(sql);
		return -1;
	}
	free(sql);
	log_info("%s: schema upgraded to version %d", s->path, v + 1);
	return 0;
}

/* Bring the schema up to date, refusing a newer one. */
static int
migrate(struct store *s, char **cause)
{
	int v = read_version(s->db);

	if (v < 0) {
		xasprintf(cause, "%s: %s", s->path, sqlite3_errmsg(s->db));
		return -1;
	}
	if (v > NMIGRATIONS) {
		xasprintf(cause, "%s: schema version %d is newer than this newswatch "
		    "knows (%d)", s->path, v, NMIGRATIONS);
		return -1;
	}
	for (; v < NMIGRATIONS; v++)
		if (migrate_one(s, v, cause) == -1)
			return -1;
	s->version = v;
	return 0;
}

/* Check the version before anything writes to the file. */
static int
check_not_newer(struct store *s, char **cause)
{
	int v = read_version(s->db);

	if (v < 0) {
		s->busy = busy_now(s->db);
		xasprintf(cause, "%s: %s", s->path, sqlite3_errmsg(s->db));
		return -1;
	}
	if (v > NMIGRATIONS) {
		xasprintf(cause, "%s: schema version %d is newer than this newswatch "
		    "knows (%d)", s->path, v, NMIGRATIONS);
		return -1;
	}
	return 0;
}

/* Set the connection's pragmas: auto_vacuum before the first table, then WAL. */
static int
set_pragmas(struct store *s, char **cause)
{
	char *err = NULL;

	sqlite3_busy_timeout(s->db, BUSY_TIMEOUT_MS);
	if (exec_sql(s->db, "PRAGMA auto_vacuum = INCREMENTAL;"
	    "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL;"
	    "PRAGMA foreign_keys = ON;", &err) == -1) {
		s->busy = busy_now(s->db);
		xasprintf(cause, "%s: %s", s->path, err);
		free(err);
		return -1;
	}
	return 0;
}

/*
 * Check the version, set the pragmas and migrate, again while another
 * connection holds the lock (a CLI command writing), STORE_OPEN_RETRIES times
 * at most, about 0.2 s apart.
 */
static int
open_retry(struct store *s, char **cause)
{
	struct timespec pause = { 0, 100 * 1000 * 1000 };

	for (int i = 1;; i++) {
		s->busy = 0;
		if (check_not_newer(s, cause) == 0 && set_pragmas(s, cause) == 0 &&
		    migrate(s, cause) == 0)
			return 0;
		if (!s->busy || i > STORE_OPEN_RETRIES)
			return -1;
		log_warnx("%s (retry %d of %d)", *cause, i, STORE_OPEN_RETRIES);
		free(*cause);
		*cause = NULL;
		nanosleep(&pause, NULL);
	}
}

/* Open the database (store.h). */
struct store *
store_open(const char *path, char **cause)
{
	struct store *s = xcalloc(1, sizeof *s);
	int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE |
	    SQLITE_OPEN_NOMUTEX;

	s->path = xstrdup(path);
	if (sqlite3_open_v2(path, &s->db, flags, NULL) != SQLITE_OK) {
		xasprintf(cause, "%s: %s", path, s->db != NULL ?
		    sqlite3_errmsg(s->db) : "cannot open");
		store_close(s);
		return NULL;
	}
	sqlite3_extended_result_codes(s->db, 1);
	if (store_dedup_sql(s) == -1 || open_retry(s, cause) == -1) {
		store_close(s);
		return NULL;
	}
	return s;
}

/* Close the database; NULL does nothing. */
void
store_close(struct store *s)
{
	if (s == NULL)
		return;
	for (int i = 0; i < STORE_MAX_STMTS; i++)
		sqlite3_finalize(s->stmts[i]);
	if (s->db != NULL) {
		sqlite3_commit_hook(s->db, NULL, NULL);
		sqlite3_rollback_hook(s->db, NULL, NULL);
	}
	store_dedup_free(s->dedup);
	if (s->db != NULL && s->version > 0)
		sqlite3_exec(s->db, "PRAGMA optimize", NULL, NULL, NULL);
	sqlite3_close(s->db);
	free(s->path);
	free(s);
}

/* The connection, for the store's other files. */
sqlite3 *
store_db(struct store *s)
{
	return s->db;
}

/* Where store_dedup keeps its state for this store. */
struct store_dedup **
store_dedup_state(struct store *s)
{
	return &s->dedup;
}

/* The schema version after migrations. */
int
store_version(struct store *s)
{
	return s->version;
}

/* Begin a write transaction. */
int
store_begin(struct store *s)
{
	char *err = NULL;

	if (exec_sql(s->db, "BEGIN IMMEDIATE", &err) == -1) {
		log_warnx("%s: begin: %s", s->path, err);
		free(err);
		return -1;
	}
	return 0;
}

/* Commit the transaction. */
int
store_commit(struct store *s)
{
	char *err = NULL;

	if (exec_sql(s->db, "COMMIT", &err) == -1) {
		log_warnx("%s: commit: %s", s->path, err);
		free(err);
		return -1;
	}
	return 0;
}

/* Roll the transaction back, if one is open. */
void
store_rollback(struct store *s)
{
	if (!sqlite3_get_autocommit(s->db))
		exec_sql(s->db, "ROLLBACK", NULL);
}

/* Return the statement of a slot, preparing it the first time (store.h). */
sqlite3_stmt *
store_stmt(struct store *s, int slot, const char *sql)
{
	sqlite3_stmt *st;

	if (slot < 0 || slot >= STORE_MAX_STMTS)
		fatalx("store_stmt: bad slot %d", slot);
	if ((st = s->stmts[slot]) != NULL) {
		sqlite3_reset(st);
		sqlite3_clear_bindings(st);
		return st;
	}
	if (sqlite3_prepare_v3(s->db, sql, -1, SQLITE_PREPARE_PERSISTENT, &st,
	    NULL) != SQLITE_OK)
		fatalx("store_stmt: %s: %s", sql, sqlite3_errmsg(s->db));
	s->stmts[slot] = st;
	return st;
}

/* Step a statement that returns no rows; -1 with *cause on failure. */
static int
step_done(struct store *s, sqlite3_stmt *st, char **cause)
{
	int rc = sqlite3_step(st);

	sqlite3_reset(st);
	if (rc == SQLITE_DONE)
		return 0;
	if (cause != NULL)
		xasprintf(cause, "%s: %s", s->path, sqlite3_errmsg(s->db));
	return -1;
}

/* Insert a configured source, or update enabled and reset state on a new url. */
static int
sync_one(struct store *s, const struct conf_source *src, char **cause)
{
	sqlite3_stmt *st;

	st = store_stmt(s, STMT_SRC_RESET,
	    "UPDATE sources SET url = ?2, etag = NULL, last_modified = NULL,"
	    " feed_url = NULL, disabled_reason = NULL, last_attempt = NULL,"
	    " last_success = NULL, last_status = NULL, last_error = NULL,"
	    " failures = 0, next_due = NULL, first_fetch_done = 0"
	    " WHERE name = ?1 AND url != ?2");
	sqlite3_bind_text(st, 1, src->name, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, src->url, -1, SQLITE_STATIC);
	if (step_done(s, st, cause) == -1)
		return -1;
	if (sqlite3_changes(s->db) > 0)
		log_info("source %s: url changed, fetch state reset", src->name);
	st = store_stmt(s, STMT_SRC_INSERT,
	    "INSERT INTO sources (name, url, enabled, created_at)"
	    " VALUES (?1, ?2, ?3, ?4) ON CONFLICT (name) DO UPDATE"
	    " SET enabled = excluded.enabled,"
	    " disabled_reason = CASE WHEN excluded.enabled AND NOT enabled"
	    " THEN NULL ELSE disabled_reason END");
	sqlite3_bind_text(st, 1, src->name, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, src->url, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 3, src->enabled);
	sqlite3_bind_int64(st, 4, (int64_t)time(NULL));
	return step_done(s, st, cause);
}

/* Delete the rows of sources no longer configured. */
static int
delete_removed(struct store *s, const struct conf *c, char **cause)
{
	sqlite3_stmt *st, *del;
	char **names = NULL;
	size_t n = 0;
	int rc = 0;

	st = store_stmt(s, STMT_SRC_LIST, "SELECT name FROM sources");
	while (sqlite3_step(st) == SQLITE_ROW) {
		const char *name = (const char *)sqlite3_column_text(st, 0);

		if (conf_find_source(c, name) == NULL) {
			names = xreallocarray(names, n + 1, sizeof *names);
			names[n++] = xstrdup(name);
		}
	}
	sqlite3_reset(st);
	del = store_stmt(s, STMT_SRC_DELETE, "DELETE FROM sources WHERE name = ?");
	for (size_t i = 0; i < n; i++) {
		sqlite3_bind_text(del, 1, names[i], -1, SQLITE_STATIC);
		if (rc == 0 && (rc = step_done(s, del, cause)) == 0)
			log_info("source %s: removed", names[i]);
		free(names[i]);
	}
	free(names);
	return rc;
}

/* Make the sources table match the configuration (store.h). */
int
store_sync_sources(struct store *s, const struct conf *c, char **cause)
{
	char *err = NULL;

	if (exec_sql(s->db, "BEGIN IMMEDIATE", &err) == -1) {
		xasprintf(cause, "%s: %s", s->path, err);
		free(err);
		return -1;
	}
	for (size_t i = 0; i < c->nsources; i++)
		if (sync_one(s, &c->sources[i], cause) == -1)
			goto fail;
	if (delete_removed(s, c, cause) == -1)
		goto fail;
	if (exec_sql(s->db, "COMMIT", &err) == -1) {
		xasprintf(cause, "%s: %s", s->path, err);
		free(err);
		goto fail;
	}
	return 0;
fail:
	store_rollback(s);
	return -1;
}

/* Copy a text column, NULL for NULL. */
static char *
column_strdup(sqlite3_stmt *st, int i)
{
	const unsigned char *v = sqlite3_column_text(st, i);

	return v != NULL ? xstrdup((const char *)v) : NULL;
}

/* Load a source's fetch state by name (store.h). */
int
store_source_load(struct store *s, const char *name, struct source_state *ss)
{
	sqlite3_stmt *st;

	st = store_stmt(s, STMT_SRC_LOAD,
	    "SELECT id, etag, last_modified, feed_url, disabled_reason,"
	    " last_attempt, last_success, last_status, last_error, failures,"
	    " next_due, first_fetch_done FROM sources WHERE name = ?");
	sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
	memset(ss, 0, sizeof *ss);
	if (sqlite3_step(st) != SQLITE_ROW) {
		sqlite3_reset(st);
		return -1;
	}
	ss->id = sqlite3_column_int64(st, 0);
	ss->etag = column_strdup(st, 1);
	ss->last_modified = column_strdup(st, 2);
	ss->feed_url = column_strdup(st, 3);
	ss->disabled_reason = column_strdup(st, 4);
	ss->last_attempt = sqlite3_column_int64(st, 5);
	ss->last_success = sqlite3_column_int64(st, 6);
	ss->last_status = sqlite3_column_int(st, 7);
	ss->last_error = column_strdup(st, 8);
	ss->failures = sqlite3_column_int(st, 9);
	ss->next_due = sqlite3_column_int64(st, 10);
	ss->first_fetch_done = sqlite3_column_int(st, 11);
	sqlite3_reset(st);
	return 0;
}

/* Bind a string or NULL. */
static void
bind_text_or_null(sqlite3_stmt *st, int i, const char *v)
{
	if (v != NULL)
		sqlite3_bind_text(st, i, v, -1, SQLITE_STATIC);
	else
		sqlite3_bind_null(st, i);
}

/* Bind an integer, NULL for 0 (never). */
static void
bind_time(sqlite3_stmt *st, int i, int64_t v)
{
	if (v != 0)
		sqlite3_bind_int64(st, i, v);
	else
		sqlite3_bind_null(st, i);
}

/* Save a source's fetch state by id, inside the caller's transaction (store.h). */
int
store_source_save(struct store *s, const struct source_state *ss)
{
	sqlite3_stmt *st;

	st = store_stmt(s, STMT_SRC_SAVE,
	    "UPDATE sources SET etag = ?2, last_modified = ?3, feed_url = ?4,"
	    " disabled_reason = ?5, last_attempt = ?6, last_success = ?7,"
	    " last_status = ?8, last_error = ?9, failures = ?10, next_due = ?11,"
	    " first_fetch_done = ?12 WHERE id = ?1");
	sqlite3_bind_int64(st, 1, ss->id);
	bind_text_or_null(st, 2, ss->etag);
	bind_text_or_null(st, 3, ss->last_modified);
	bind_text_or_null(st, 4, ss->feed_url);
	bind_text_or_null(st, 5, ss->disabled_reason);
	bind_time(st, 6, ss->last_attempt);
	bind_time(st, 7, ss->last_success);
	bind_time(st, 8, ss->last_status);
	bind_text_or_null(st, 9, ss->last_error);
	sqlite3_bind_int(st, 10, ss->failures);
	bind_time(st, 11, ss->next_due);
	sqlite3_bind_int(st, 12, ss->first_fetch_done);
	if (step_done(s, st, NULL) == -1) {
		log_warnx("%s: save source %" PRId64 ": %s", s->path, ss->id,
		    sqlite3_errmsg(s->db));
		return -1;
	}
	return sqlite3_changes(s->db) > 0 ? 0 : -1;
}

/* Free a source state's strings and zero it. */
void
source_state_clear(struct source_state *ss)
{
	free(ss->etag);
	free(ss->last_modified);
	free(ss->feed_url);
	free(ss->disabled_reason);
	free(ss->last_error);
	memset(ss, 0, sizeof *ss);
}
