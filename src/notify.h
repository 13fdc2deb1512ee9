/*
 * notify: the outbox dispatcher's decisions, as pure functions: the delivery id of
 * an alert and what happens to an outbox row after an attempt (delivered, retried
 * at a time, or dead). The dispatcher itself (scan, send, update) sits on the
 * store and src/plugin.h; these functions touch no I/O and no clock.
 *
 * Times are Unix milliseconds here; the outbox stores Unix seconds.
 */
#ifndef NW_NOTIFY_H
#define NW_NOTIFY_H

#include <stdint.h>

#include "newswatch/plugin.h"

#define NOTIFY_ID_LEN		64		/* hex SHA-256 */
#define NOTIFY_RETRY_AFTER_MAX	(24LL * 3600 * 1000)	/* a receiver's ask, capped */

/*
 * The delivery id of an article alert: hex SHA-256 over a version tag, the story
 * id, the watchlist and the notifier names (each length-prefixed, so no two
 * triples share an input). Stable across restarts as long as story ids are never
 * reused (stories need INTEGER PRIMARY KEY AUTOINCREMENT). out holds 65 bytes.
 */
void	notify_delivery_id(int64_t story, const char *watchlist,
	    const char *notifier, char out[NOTIFY_ID_LEN + 1]);
/* The delivery id of a digest: notifier, watchlist ("" for all), window start. */
void	notify_digest_id(const char *notifier, const char *watchlist,
	    int64_t window_start, char out[NOTIFY_ID_LEN + 1]);
/* The delivery id of a health alert: source, state, when it changed. */
void	notify_health_id(const char *source, const char *state, int64_t since,
	    char out[NOTIFY_ID_LEN + 1]);

/* daemon.retry_min, retry_max and max_age, in milliseconds. */
struct notify_policy {
	int64_t		 retry_min;
	int64_t		 retry_max;
	int64_t		 max_age;
};

enum notify_fate {
	NOTIFY_DELIVERED = 1,
	NOTIFY_PENDING = 2,	/* try again at *next */
	NOTIFY_DEAD = 3,
};

/*
 * The delay before retry number attempts (1 after the first failure): exponential
 * from retry_min, doubling, capped at retry_max, with "equal jitter" (a random
 * point in the upper half of the step, never below retry_min), then at least the
 * receiver's retry_after (ms, -1 none; capped at NOTIFY_RETRY_AFTER_MAX). rnd is
 * a uniformly random 32-bit value.
 */
int64_t	notify_backoff(const struct notify_policy *, int attempts,
	    int64_t retry_after, uint32_t rnd);

/*
 * What becomes of a row raised at created after its attempts-th attempt ended
 * with result at now: delivered on success; dead on a permanent failure or when
 * the row is max_age old; else pending until *next, which is clamped to the row's
 * deadline (created + max_age) so that a last attempt happens there.
 */
enum notify_fate notify_after(const struct notify_policy *,
	    const struct nw_send_result *, int attempts, int64_t created,
	    int64_t now, uint32_t rnd, int64_t *next);

/* Whether a due row is too old to send (it becomes dead unsent). */
int	notify_expired(const struct notify_policy *, int64_t created, int64_t now);

#endif
