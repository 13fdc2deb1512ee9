/*
 * store_ops: the store's queries for the operations part (status, metrics,
 * /healthz, source enable, test-source, articles): plain C data out, no SQL in
 * the callers.
 */
#ifndef STORE_OPS_H
#define STORE_OPS_H

#include <stddef.h>
#include <stdint.h>

#include <sqlite3.h>

/* The database gauges of /metrics. */
enum store_gauge_kind {
	STORE_GAUGE_LAST_SUCCESS,	/* (source, last success or 0) */
	STORE_GAUGE_FAILURES,		/* (source, consecutive failures) */
	STORE_GAUGE_OUTBOX		/* (notifier, state, count) */
};

/* One row of a gauge: up to two label values and the value. */
struct store_gauge_row {
	char	*label[2];
	double	 value;
};

/* The rows of a gauge. */
struct store_gauge {
	struct store_gauge_row	*rows;
	size_t			 n;
};

/* A source's row for `newswatch status`; has_* say a column is not NULL. */
struct store_ops_source {
	char		*name, *last_error, *disabled_reason;
	int64_t		 last_success, last_status, failures, next_due;
	int64_t		 articles_24h;	/* fetched since now - 1 day */
	int		 has_last_success, has_last_status, has_next_due;
	int		 enabled;
};

/* Every source, by name. */
struct store_ops_sources {
	struct store_ops_source	*v;
	size_t			 n;
};

int	store_ops_table_exists(sqlite3 *, const char *);
int	store_ops_source_count(sqlite3 *, const char **);
int	store_ops_gauge(sqlite3 *, enum store_gauge_kind, struct store_gauge *,
	    char **);
void	store_ops_gauge_free(struct store_gauge *);
int	store_ops_sources(sqlite3 *, int64_t now, struct store_ops_sources *,
	    char **);
void	store_ops_sources_free(struct store_ops_sources *);
int	store_ops_source_enable(sqlite3 *, const char *name, int64_t now,
	    int *enabled, char **);

/* An article a test-source run stored; strings borrowed during the callback. */
struct store_ops_run_article {
	const char	*title, *link;
	int64_t		 story;
	int		 first;		/* it is its story's first article */
	const char	*first_title, *first_source;	/* of the story's first */
};

int64_t	store_ops_max_id(sqlite3 *, const char *table);
int	store_ops_forget_validators(sqlite3 *, const char *name, char **);
void	store_ops_run_articles(sqlite3 *, int64_t source_id, int64_t after,
	    void (*)(const struct store_ops_run_article *, void *), void *);
int	store_ops_run_alerts(sqlite3 *, int64_t after_outbox,
	    void (*)(const char *watchlist, const char *notifier,
	    const char *title, void *), void *);
void	store_ops_run_silent_matches(sqlite3 *, int64_t after_match,
	    int64_t after_outbox,
	    void (*)(const char *watchlist, const char *title, void *), void *);

#endif /* STORE_OPS_H */
