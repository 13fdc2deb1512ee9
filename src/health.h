/*
 * health: a source's health as the operator sees it, raised as alerts (kind
 * health) to daemon.health_notify.
 *
 * After every fetch of a source the poller calls health_check(). A source is
 *   "failing" when it failed daemon.fail_after times in a row (or the daemon
 *             disabled it, after 410 Gone),
 *   "stale"   when its stale_after is set and nothing new came from it for
 *             longer than that (counted from its newest article, or from when
 *             the source was added),
 *   healthy   otherwise.
 * Entering failing or stale queues one outbox row per health notifier (kind
 * health, the delivery id from notify_health_id); returning to healthy from
 * either queues one "recovered" row. The state last raised is read back from
 * the outbox, so a restart neither repeats nor forgets an alert.
 */
#ifndef NW_HEALTH_H
#define NW_HEALTH_H

#include <stdint.h>

struct conf_source;
struct daemon;
struct nw_alert;
struct source_state;

#define HEALTH_FAILING		"failing"
#define HEALTH_STALE		"stale"
#define HEALTH_RECOVERED	"recovered"

/*
 * The state a source is in now: HEALTH_FAILING, HEALTH_STALE or NULL
 * (healthy). newest is the time of its newest article (or when it was added),
 * fail_after the daemon's setting; pure.
 */
const char	*health_state(const struct conf_source *, const struct source_state *,
		    int64_t newest, int fail_after, int64_t now);

/* Check one source after a fetch and queue what changed; logs on failure. */
void		 health_check(struct daemon *, const struct conf_source *,
		    const struct source_state *);

#endif
