/*
 * store_health: the health alerts of sources in the outbox (kind health, with
 * source_id and health_state set, story_id and watchlist NULL). Statement slots
 * 160-175 (store.h).
 */
#ifndef NW_STORE_HEALTH_H
#define NW_STORE_HEALTH_H

#include <stdint.h>

struct store;

/* The migration that indexes health alerts and articles by source. */
extern const char store_migration_health[];

/*
 * The health state last raised for a source (a new string, or NULL when none
 * was ever raised); -1 on error, else 0.
 */
int	store_health_last(struct store *, int64_t source_id, char **state);

/* When the source's newest article was fetched, else when the source was added. */
int64_t	store_health_newest(struct store *, int64_t source_id);

/* Queue a health alert; 1 queued, 0 existed already (same delivery id), -1 error. */
int	store_health_add(struct store *, const char *delivery_id, int64_t source_id,
	    const char *notifier, const char *state, int64_t now);

/* What a health alert shows, read at dispatch time; strings owned. */
struct health_alert {
	char	*source, *url, *state, *error;
};
/* Fill it for an outbox row; 0, or -1 when the row or its source is gone. */
int	store_health_alert(struct store *, int64_t outbox_id, struct health_alert *);
void	health_alert_clear(struct health_alert *);

#endif
