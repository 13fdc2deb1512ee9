/*
 * health: failing and stale sources raised as health alerts (see health.h).
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "conf.h"
#include "daemon.h"
#include "health.h"
#include "log.h"
#include "metrics.h"
#include "notify.h"
#include "notify_dispatch.h"
#include "store.h"
#include "store_health.h"
#include "xmalloc.h"

/* See health.h. */
const char *
health_state(const struct conf_source *cs, const struct source_state *st,
    int64_t newest, int fail_after, int64_t now)
{
	if (st->disabled_reason != NULL ||
	    (fail_after > 0 && st->failures >= fail_after))
		return HEALTH_FAILING;
	if (cs->stale_after > 0 && newest > 0 &&
	    (now - newest) * 1000 > cs->stale_after)
		return HEALTH_STALE;
	return NULL;
}

/* What to raise given the state now and the one raised last; NULL for nothing. */
static const char *
transition(const char *now, const char *last)
{
	int last_bad = last != NULL && strcmp(last, HEALTH_RECOVERED) != 0;

	if (now != NULL)
		return last != NULL && strcmp(now, last) == 0 ? NULL : now;
	return last_bad ? HEALTH_RECOVERED : NULL;
}

/* Queue one alert of state per health notifier. */
static void
raise_alert(struct daemon *d, const struct conf_source *cs,
    const struct source_state *st, const char *state, int64_t now)
{
	const struct conf_strv *to = &d->conf->daemon.health_notify;
	char id[NOTIFY_ID_LEN + 1], *key;
	int queued = 0;

	for (size_t i = 0; i < to->n; i++) {
		/* One delivery id per notifier: the state field carries both. */
		xasprintf(&key, "%s/%s", state, to->v[i]);
		notify_health_id(cs->name, key, now, id);
		free(key);
		if (store_health_add(d->store, id, st->id, to->v[i], state, now) == 1)
			queued++;
	}
	if (queued == 0)
		return;
	metrics_health(cs->name, state);
	log_warnx("source %s: %s%s%s", cs->name, state,
	    st->last_error != NULL && strcmp(state, HEALTH_FAILING) == 0 ? ": " : "",
	    st->last_error != NULL && strcmp(state, HEALTH_FAILING) == 0 ?
	    st->last_error : "");
	notify_kick(d);
}

/* See health.h. */
void
health_check(struct daemon *d, const struct conf_source *cs,
    const struct source_state *st)
{
	int64_t now = (int64_t)time(NULL), newest = 0;
	const char *state, *raise;
	char *last;

	if (d->conf->daemon.health_notify.n == 0 || st->id <= 0)
		return;
	if (cs->stale_after > 0)
		newest = store_health_newest(d->store, st->id);
	state = health_state(cs, st, newest, d->conf->daemon.fail_after, now);
	if (store_health_last(d->store, st->id, &last) == -1)
		return;
	if ((raise = transition(state, last)) != NULL)
		raise_alert(d, cs, st, raise, now);
	free(last);
}
