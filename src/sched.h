/*
 * sched: when each source is due.
 *
 * Two layers. The pure functions (sched_jitter, sched_backoff, sched_spread_slot,
 * sched_next) compute due times from a source's state, an outcome, a time and a
 * random number, so they test without a clock. The driver keeps one evtimer per
 * source on the event_base and calls the due callback when a source is due; the
 * caller fetches it and reports the outcome with sched_done(), which updates the
 * source's struct source_state (src/store.h; the caller saves it) and arms the
 * next due time.
 *
 * Policy: the next fetch after a success is interval ± jitter; sources never
 * fetched (or overdue at start) are spread at spread_rate per second (the first
 * starts at once); failures back off exponentially from one interval up to
 * backoff_max, with jitter, and the first success resets them; a 429 or 503 with
 * Retry-After holds every source of that host until then; 410 Gone disables the
 * source (disabled_reason); a permanent redirect is logged with the new URL.
 * Times in struct source_state are Unix seconds; everything else is milliseconds.
 */
/*
 * -I src puts this file before the system's <sched.h> (which pthread.h
 * includes): pass such includes on to the system header.
 */
#include_next <sched.h>

#ifndef NW_SCHED_H
#define NW_SCHED_H

#include <stdint.h>

#include "store.h"

struct event_base;
struct sched;
struct sched_source;

struct sched_params {
	int64_t		 backoff_max;	/* ms; default 6h */
	double		 jitter;	/* fraction of the delay, default 0.1; <0: none */
	int		 spread_rate;	/* sources started per second, default 50; <0: none */
};

/* What a fetch gave, as sched_done needs it. */
struct sched_outcome {
	int		 ok;		/* 2xx or 304 */
	int		 status;	/* final HTTP status, 0: none */
	int64_t		 retry_after;	/* seconds, -1: none */
	const char	*error;		/* NULL: "HTTP <status>" when not ok */
	const char	*moved_to;	/* URL after a permanent redirect, or NULL */
};

/* Called when a source is due; the source stays "running" until sched_done. */
typedef void	(*sched_due_cb)(struct sched_source *, void *arg);

/* Pure parts. u is a uniform random number in [0, 1). */
int64_t	sched_jitter(int64_t delay, double jitter, double u);
int64_t	sched_backoff(int64_t interval, int failures, int64_t backoff_max,
	    double jitter, double u);
int64_t	sched_spread_slot(int64_t *cursor, int rate, int64_t now);
/*
 * Record an outcome at time now into st (last_attempt, last_success,
 * last_status, last_error, failures, next_due, disabled_reason) and return the
 * next due time in ms, or -1 when the source is now disabled. *hold is set to
 * the time until which the source's host is held (Retry-After), else 0.
 */
int64_t	sched_next(const struct sched_params *, struct source_state *st,
	    int64_t interval, const struct sched_outcome *, int64_t now, double u,
	    int64_t *hold);

/* The driver. The parameters are copied (0 fields: defaults). */
struct sched	*sched_new(struct event_base *, const struct sched_params *,
		     sched_due_cb, void *cbarg);
/* Free, with every source still scheduled (their states stay the caller's). */
void		 sched_free(struct sched *);
void		 sched_set_params(struct sched *, const struct sched_params *);
/* Seed the random numbers (tests); the default seed comes from the clock. */
void		 sched_set_seed(struct sched *, uint64_t);

/*
 * Schedule a source. name is for logs, host is its http_host_key(), interval in
 * ms; st is the caller's and must outlive the entry (sched reads and updates it).
 * A source with disabled_reason set is kept but never due. arg is the source's.
 */
struct sched_source *sched_add(struct sched *, const char *name, const char *host,
		     int64_t interval, struct source_state *st, void *arg);
/* Drop a source (reload); no callback. A running one may still report: don't. */
void		 sched_remove(struct sched *, struct sched_source *);
/* Change host or interval (reload); the due time is recomputed if idle. */
void		 sched_update(struct sched *, struct sched_source *, const char *host,
		     int64_t interval);
/* Make a source due now (the --once cycle, or tests), unless running/disabled. */
void		 sched_kick(struct sched *, struct sched_source *);
/*
 * Report a due source's outcome: st is updated and the next due time armed.
 * Returns the next due time in ms, or -1 if the source is now disabled.
 */
int64_t		 sched_done(struct sched *, struct sched_source *,
		     const struct sched_outcome *);

void		*sched_source_arg(struct sched_source *);
struct source_state *sched_source_state(struct sched_source *);
const char	*sched_source_name(struct sched_source *);
/* The armed due time in ms since the epoch; -1 if running or disabled. */
int64_t		 sched_source_due(struct sched_source *);
/* Until when (ms since the epoch) a host is held; 0 if it is not. */
int64_t		 sched_host_hold(struct sched *, const char *host);
/* Wall-clock milliseconds since the epoch. */
int64_t		 sched_now(void);

#endif
