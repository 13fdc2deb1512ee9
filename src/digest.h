/*
 * digest: when alerts are gathered into digests and when single alerts exceed a
 * notifier's rate cap. Pure logic over times the caller passes in (Unix seconds);
 * the dispatcher persists what it decides (see digest_assign).
 *
 * Schedules (the `digest` key of a notifier or of a watchlist's notify entry):
 *   "1h", "90m", "30s", "2d", "1h30m": a window of that length. Windows are
 *     aligned to the Unix epoch (UTC): a "1h" window runs from one full hour to
 *     the next, whichever alert came first. This makes an alert's window a function
 *     of its own time alone: membership needs no state and survives restarts.
 *   "daily HH:MM" (also "daily H:MM"): once a day at that local time (TZ). The
 *     window runs from one such instant to the next (23 or 25 hours across a DST
 *     change). A local time that does not exist that day (skipped by DST) is
 *     taken as the instant mktime(3) normalises it to; an ambiguous one as the
 *     first.
 *
 * Rules for one (notifier, watchlist):
 *   - no digest, no max_per_hour: every alert goes out singly;
 *   - digest, no max_per_hour: every alert is gathered into the digest of the
 *     window its alert was raised in;
 *   - max_per_hour = N: up to N single alerts in any sliding hour; one over the
 *     cap is never dropped but goes into the digest of the window containing the
 *     decision time (the configured schedule, or hourly windows when there is no
 *     digest key). Digests are not capped and do not count towards the cap.
 * A digest is due at its window's end; its delivery id is a hash of notifier,
 * watchlist and window start, so a digest that fails is retried whole with the
 * same rows and the same id.
 */
#ifndef NW_DIGEST_H
#define NW_DIGEST_H

#include <stdint.h>

#define DIGEST_WINDOW_MIN	60		/* seconds */
#define DIGEST_WINDOW_MAX	(7 * 86400)
#define DIGEST_SPILL_WINDOW	3600		/* over the cap without a digest */
#define DIGEST_CAP_MAX		10000		/* max_per_hour limit */

enum digest_kind {
	DIGEST_NONE = 0,
	DIGEST_WINDOW,		/* epoch-aligned windows of `window` seconds */
	DIGEST_DAILY,		/* daily at hour:minute local time */
};

struct digest_spec {
	enum digest_kind kind;
	int64_t		 window;	/* DIGEST_WINDOW: seconds */
	int		 hour, minute;	/* DIGEST_DAILY */
};

/* A sliding-hour counter of single alerts sent. */
struct digest_cap {
	int		 max;		/* 0: no cap */
	int64_t		*times;		/* ring of send times, max entries */
	int		 first, n;
};

/* Where one alert goes. */
struct digest_slot {
	int		 single;	/* 1: send now on its own */
	int64_t		 start, due;	/* otherwise: the digest's window */
	char		 id[65];	/* and its delivery id (hex SHA-256) */
};

/*
 * Parse a schedule; NULL or "" is DIGEST_NONE. Returns 0, or -1 with *cause set
 * (allocated).
 */
int	 digest_parse(const char *, struct digest_spec *, char **cause);

/*
 * The window [*start, *end) containing t. DIGEST_NONE uses hourly windows (the
 * spill window).
 */
void	 digest_window(const struct digest_spec *, int64_t t, int64_t *start,
	    int64_t *end);

/* The digest delivery id of (notifier, watchlist, window start): 64 hex digits. */
void	 digest_id(const char *notifier, const char *watchlist, int64_t start,
	    char out[65]);

/* Set up a cap of max single alerts per sliding hour (0: none). */
void	 digest_cap_init(struct digest_cap *, int max);
void	 digest_cap_free(struct digest_cap *);
/*
 * Record a single alert sent at t (also to rebuild the cap after a restart:
 * pass the last hour's send times in ascending order).
 */
void	 digest_cap_note(struct digest_cap *, int64_t t);
/* Singles sent in (now - 1h, now]. */
int	 digest_cap_count(struct digest_cap *, int64_t now);
/* When the next single may go: now if under the cap. */
int64_t	 digest_cap_next(struct digest_cap *, int64_t now);

/*
 * Decide where an alert raised at created goes when the dispatcher takes it up
 * at now; a single counts against the cap at once. watchlist may be NULL.
 */
void	 digest_assign(const struct digest_spec *, struct digest_cap *,
	    const char *notifier, const char *watchlist, int64_t created,
	    int64_t now, struct digest_slot *);

#endif
