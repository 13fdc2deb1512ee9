/*
 * store_outbox: the matches of watchlists (issue 7) and the alert outbox
 * (issue 8) in the store. A match row records that a watchlist matched a story
 * (once per story); an outbox row is one alert for one (story, watchlist,
 * notifier) until its receiver took it (delivered) or it was given up (dead).
 *
 * Migration 4 creates
 *   matches(id INTEGER PRIMARY KEY, story_id INTEGER NOT NULL,
 *           watchlist TEXT NOT NULL, article_id INTEGER, source_id INTEGER,
 *           terms TEXT,            -- the matched words, one per line
 *           snippet TEXT, matched_at INTEGER NOT NULL,
 *           UNIQUE (story_id, watchlist))
 *   outbox(id INTEGER PRIMARY KEY, delivery_id TEXT UNIQUE NOT NULL,
 *          kind INTEGER NOT NULL,  -- NW_ALERT_*
 *          story_id INTEGER, watchlist TEXT, notifier TEXT NOT NULL,
 *          article_id INTEGER, source_id INTEGER, health_state TEXT,
 *          state TEXT NOT NULL,    -- 'pending', 'delivered', 'dead'
 *          created_at INTEGER NOT NULL, next_attempt_at INTEGER NOT NULL,
 *          attempts INTEGER NOT NULL DEFAULT 0, last_attempt_at INTEGER,
 *          last_code INTEGER, last_error TEXT, delivered_at INTEGER,
 *          digest_id TEXT, UNIQUE (story_id, watchlist, notifier))
 *   and partial indexes on outbox(next_attempt_at) and (notifier,
 *   next_attempt_at) over pending rows, and on digest_id.
 *
 * Statement slots 96-159 (store.h: matches 96-127, outbox 128-159).
 */
#ifndef NW_STORE_OUTBOX_H
#define NW_STORE_OUTBOX_H

#include <stddef.h>
#include <stdint.h>

#include <sqlite3.h>

struct store;

/* Migration 4: matches and outbox. */
extern const char store_migration_outbox[];

struct outbox_row;
typedef void (*outbox_row_cb)(const struct outbox_row *, void *);

/* Row states. */
#define OUTBOX_PENDING		"pending"
#define OUTBOX_DELIVERED	"delivered"
#define OUTBOX_DEAD		"dead"

/* One outbox row as read back; strings owned by the row. */
struct outbox_row {
	int64_t		 id;
	char		*delivery_id;
	int		 kind;
	int64_t		 story_id;
	char		*watchlist;
	char		*notifier;
	int64_t		 article_id;
	int64_t		 source_id;
	char		*state;
	int64_t		 created_at;
	int64_t		 next_attempt_at;
	int		 attempts;
	int64_t		 last_attempt_at;
	int		 last_code;
	char		*last_error;
	int64_t		 delivered_at;
	char		*digest_id;	/* NULL: a single alert */
};

/* Gather a row into a digest: its id and the digest's due time. 0 or -1. */
int	store_outbox_set_digest(struct store *, int64_t id, const char *digest_id,
	    int64_t due);
/* Every pending row of a digest, oldest first. The number, or -1. */
int	store_outbox_digest_rows(struct store *, const char *digest_id,
	    outbox_row_cb, void *);
/*
 * The times single alerts of a notifier (and watchlist, NULL: any) were
 * delivered since a time, ascending, for a rate cap after a restart.
 */
int	store_outbox_singles_since(struct store *, const char *notifier,
	    const char *watchlist, int64_t since, void (*cb)(int64_t, void *),
	    void *);

/* Whether a story already has a match for a watchlist: 1, 0, or -1. */
int	store_match_exists(struct store *, int64_t story, const char *watchlist);
/* Record a match (terms: one per line, may be NULL); 0 or -1. */
int	store_match_add(struct store *, int64_t story, const char *watchlist,
	    int64_t article, int64_t source, const char *terms,
	    const char *snippet, int64_t now);

/*
 * Queue an article alert; a row that exists already for (story, watchlist,
 * notifier) is left as it is. 1 inserted, 0 existed, -1 error.
 */
int	store_outbox_add(struct store *, const struct outbox_row *);

/*
 * A notifier's pending rows due at now (next_attempt_at <= now), oldest first,
 * at most max, for a callback; rows whose id is skip(arg, id) != 0 are passed
 * over. The number handed to cb, or -1.
 */
int	store_outbox_due(struct store *, const char *notifier, int64_t now,
	    size_t max,
	    int (*skip)(int64_t, void *), outbox_row_cb, void *);
/* The earliest next_attempt_at of a pending row, 0 when none, -1 on error. */
int64_t	store_outbox_next_due(struct store *);

/* After an attempt: the new state, attempts, next time, the receiver's answer. */
int	store_outbox_update(struct store *, int64_t id, const char *state,
	    int attempts, int64_t next, int code, const char *error, int64_t now);

/* Every row of a state (NULL: all), oldest first, for the CLI. 0 or -1. */
int	store_outbox_list(struct store *, const char *state, outbox_row_cb,
	    void *);
/* A dead row back to pending, due at now; 1 done, 0 not a dead row, -1. */
int	store_outbox_retry(struct store *, int64_t id, int64_t now);
/* Every dead row back to pending; the number, or -1. */
int	store_outbox_retry_dead(struct store *, int64_t now);
/* Pending rows of a notifier not in the list of names (a removed one). */
int	store_outbox_count_pending(struct store *, const char *notifier);

/* What an alert shows, read at dispatch time; strings owned. */
struct outbox_alert {
	char		*title, *url, *source, *summary;
	int64_t		 published;
	char		*snippet;
	char		**terms;
	size_t		 nterms;
	char		**also_name, **also_url;	/* other sources, in order seen */
	size_t		 nalso;
};
/* Fill an alert for a story and watchlist; 0, or -1 when the story is gone. */
int	store_outbox_alert(struct store *, int64_t story, const char *watchlist,
	    struct outbox_alert *);
void	outbox_alert_clear(struct outbox_alert *);

/* A stored article, for `newswatch backtest`; strings borrowed during the call. */
struct stored_article {
	int64_t		 id, story_id, published, fetched_at;
	const char	*source, *title, *text, *summary, *url, *author, *lang;
};
/* Every article fetched at or after since, oldest first. 0 or -1. */
int	store_articles_since(struct store *, int64_t since,
	    void (*cb)(const struct stored_article *, void *), void *);
/*
 * The outbox's pending and dead counts over any connection (a read-only one of
 * the CLI); 0 and 0 without an outbox table.
 */
void	store_outbox_counts(sqlite3 *, long long *pending, long long *dead);

#endif
