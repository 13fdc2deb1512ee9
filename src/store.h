/*
 * store: the SQLite state file. It owns the schema, the migrations and every SQL
 * statement (DESIGN.md). The store spans several files, store.c (opening,
 * migrations, transactions, sources) and store_<area>.c for the tables later parts
 * add; all of them declare their functions here or in store_<area>.h.
 *
 * Times in the database are Unix seconds (INTEGER).
 *
 * Migration 1 (foundation) creates
 *   sources(id INTEGER PRIMARY KEY, name TEXT UNIQUE NOT NULL, url TEXT NOT NULL,
 *           enabled INTEGER NOT NULL DEFAULT 1,   -- from the configuration
 *           disabled_reason TEXT,                 -- set by the daemon (410 Gone)
 *           etag TEXT, last_modified TEXT,        -- validators, replayed verbatim
 *           feed_url TEXT,                        -- autodiscovered feed, if any
 *           last_attempt INTEGER, last_success INTEGER, last_status INTEGER,
 *           last_error TEXT, failures INTEGER NOT NULL DEFAULT 0,
 *           next_due INTEGER, first_fetch_done INTEGER NOT NULL DEFAULT 0,
 *           created_at INTEGER NOT NULL)
 */
#ifndef NW_STORE_H
#define NW_STORE_H

#include <stdint.h>

#include <sqlite3.h>

struct conf;
struct store;

/*
 * Open (creating if needed) the database at path: WAL, synchronous=NORMAL,
 * foreign keys, auto_vacuum=INCREMENTAL, a short busy timeout, and every pending
 * migration applied, one transaction each. A database locked by another
 * connection (a CLI command writing) is retried, logged, for up to
 * STORE_OPEN_RETRIES times. A database of a newer schema version is refused and
 * left untouched. NULL with *cause set on failure.
 */
struct store	*store_open(const char *path, char **cause);
#define STORE_OPEN_RETRIES	50	/* about 10 s with the busy timeout */
void		 store_close(struct store *);
sqlite3		*store_db(struct store *);
int		 store_version(struct store *);
/* Where store_dedup keeps its state (the candidate index) for this store. */
struct store_dedup **store_dedup_state(struct store *);

/* Transactions: BEGIN IMMEDIATE / COMMIT / ROLLBACK. 0 or -1 (busy, full, …). */
int		 store_begin(struct store *);
int		 store_commit(struct store *);
void		 store_rollback(struct store *);

/*
 * Prepare a statement once and keep it for the store's life (SQLITE_PREPARE_
 * PERSISTENT); later calls with the same slot return it reset. Fatal on a SQL
 * error (the SQL is ours).
 */
sqlite3_stmt	*store_stmt(struct store *, int slot, const char *sql);
/*
 * Slots: store.c uses 0-31; each store_<area>.c takes its own block of 32
 * (store_articles 32-63, store_stories 64-95, store_matches 96-127,
 * store_outbox 128-159, others from 160), as an enum in its own file.
 */
#define STORE_MAX_STMTS 256

/*
 * Make the sources table match the configuration: insert new sources, update
 * enabled, reset the fetch state of a source whose url changed, delete the rows of
 * removed sources (their articles stay). -1 with *cause on failure.
 */
int		 store_sync_sources(struct store *, const struct conf *, char **cause);

/* A source's fetch state, as sched and ingest read and write it. */
struct source_state {
	int64_t		 id;
	char		*etag;			/* NULL: none */
	char		*last_modified;
	char		*feed_url;
	char		*disabled_reason;
	int64_t		 last_attempt;		/* 0: never */
	int64_t		 last_success;
	int		 last_status;		/* HTTP status, 0: none */
	char		*last_error;
	int		 failures;		/* consecutive */
	int64_t		 next_due;		/* 0: never fetched, due now */
	int		 first_fetch_done;
};

/* Load by name (0, -1 when absent); save by id inside the caller's transaction. */
int		 store_source_load(struct store *, const char *name, struct source_state *);
int		 store_source_save(struct store *, const struct source_state *);
void		 source_state_clear(struct source_state *);

#endif
