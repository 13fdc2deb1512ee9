/*
 * metrics: the daemon's counters, gauges and histograms, rendered in the
 * Prometheus text format (version 0.0.4) for the admin part's GET /metrics.
 *
 * One process-wide registry. Each metric keeps up to METRICS_MAX_SERIES label
 * sets (its arrays grow by doubling, from 64); a label set's values are copied
 * once, at its first use, and found again through an open-addressing table
 * (load at most 1/2), so an increment allocates nothing after that. Label sets beyond the limit are
 * counted in newswatch_metrics_dropped_total rather than stored. Every metric
 * name starts with newswatch_. Single-threaded: call from the loop only.
 *
 * The parts call the functions below at these spots:
 *   poller, when a source's fetch ends        metrics_fetch()
 *   poller, after ingest committed a response  metrics_articles()
 *   watch, per watchlist hit                  metrics_match()
 *   watch, per article matched                metrics_presearch_fallbacks()
 *   notify, when a plugin's send completes    metrics_delivery()
 * Gauges that live in the database (outbox pending and dead by notifier, last
 * success time per source) are read from it at scrape time by metrics_render().
 */
#ifndef NW_METRICS_H
#define NW_METRICS_H

#include <stddef.h>
#include <stdint.h>

#include <sqlite3.h>

#define METRICS_MAX_SERIES	65536	/* label sets per metric */
#define METRICS_MAX_LABEL	200	/* bytes of one label value kept */

/*
 * A fetch of source ended with result: "ok" (2xx), "not_modified" (304),
 * "http_3xx", "http_4xx", "http_5xx" (metrics_fetch_result()), or what failed
 * without a usable status: "too_large", "timeout", "refused", "network",
 * "error". seconds is its total time, bytes its decoded body.
 *   newswatch_fetches_total{source,result}
 *   newswatch_fetch_duration_seconds{source} (histogram)
 *   newswatch_fetched_bytes_total{source}
 */
void	metrics_fetch(const char *source, const char *result, double seconds,
	    uint64_t bytes);
/* The result label for an HTTP status (0: no response). */
const char *metrics_fetch_result(int status);

/*
 * A response of source stored nnew entries as new stories and recognised ndup
 * as known stories (sightings of a story first seen elsewhere, or copies).
 * Entries skipped as unchanged count in neither.
 *   newswatch_articles_total{source,kind="new"|"duplicate"}
 */
void	metrics_articles(const char *source, unsigned nnew, unsigned ndup);

/* A watchlist matched a story: newswatch_matches_total{watchlist}. */
void	metrics_match(const char *watchlist);

/*
 * n queries without a required term were evaluated for one article (the
 * presearcher's always-evaluated set): newswatch_presearch_fallbacks_total.
 */
void	metrics_presearch_fallbacks(uint64_t n);

/*
 * A delivery attempt through notifier ended with result: "delivered",
 * "retry" or "dead" (also "expired").
 *   newswatch_deliveries_total{notifier,result}
 */
void	metrics_delivery(const char *notifier, const char *result);

/* A health alert was raised: newswatch_health_alerts_total{source,state}. */
void	metrics_health(const char *source, const char *state);

/*
 * Render every metric, plus the gauges read now from db (NULL: none of them):
 *   newswatch_up, newswatch_start_time_seconds,
 *   newswatch_source_last_success_timestamp_seconds{source},
 *   newswatch_source_failures{source},
 *   newswatch_outbox{notifier,state="pending"|"dead"}.
 * Tables that do not exist yet are skipped. Returns a new string (free it).
 */
char	*metrics_render(sqlite3 *db);

/* Record the process's start time (newswatch_start_time_seconds). */
void	metrics_init(void);
/* Forget every series (tests) and free the copied labels (exit). */
void	metrics_reset(void);

/*
 * Append v to a string buffer as a Prometheus label value (backslash, double
 * quote and newline escaped); exposed for the tests.
 */
struct metrics_buf {
	char	*s;
	size_t	 len, cap;
};
void	metrics_buf_add(struct metrics_buf *, const char *, size_t);
void	metrics_buf_printf(struct metrics_buf *, const char *, ...)
	    __attribute__((format(printf, 2, 3)));
void	metrics_buf_label(struct metrics_buf *, const char *v);

#endif
