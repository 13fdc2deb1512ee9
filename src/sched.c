/*
 * sched: due times (pure functions) and one evtimer per source (the driver).
 * See sched.h for the policy.
 */
#include "config.h"

#include <sys/queue.h>

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <event2/event.h>

#include "log.h"
#include "sched.h"
#include "xmalloc.h"

#define SCHED_HOST_BUCKETS	1024
#define HOLD_SPREAD_MS		1000	/* sources released after a hold: spread */

/* A host, for Retry-After holds shared by its sources. */
struct shost {
	char		*key;
	int64_t		 hold_until;	/* ms; 0: none */
	int		 refs;
	struct shost	*next;
};

struct sched_source {
	struct sched	*sched;
	char		*name;
	struct shost	*host;
	int64_t		 interval;
	struct source_state *st;
	void		*arg;
	struct event	*timer;
	int64_t		 due;		/* ms; -1: running or disabled */
	int		 running;
	TAILQ_ENTRY(sched_source) entry;
};

struct sched {
	struct event_base *base;
	struct sched_params params;
	sched_due_cb	 cb;
	void		*cbarg;
	uint64_t	 rng;
	int64_t		 cursor;	/* start-up spread: next free slot */
	struct shost	*hosts[SCHED_HOST_BUCKETS];
	TAILQ_HEAD(, sched_source) sources;
};

/* See sched.h. */
int64_t
sched_now(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* See sched.h. */
int64_t
sched_jitter(int64_t delay, double jitter, double u)
{
	if (jitter <= 0)
		return delay;
	return delay + (int64_t)((double)delay * jitter * (2 * u - 1));
}

/* See sched.h. */
int64_t
sched_backoff(int64_t interval, int failures, int64_t backoff_max, double jitter,
    double u)
{
	int64_t	 cap = backoff_max > interval ? backoff_max : interval;
	int64_t	 d = interval;
	int	 i;

	for (i = 1; i < failures && d < cap; i++)
		d *= 2;
	if (d > cap)
		d = cap;
	d = sched_jitter(d, jitter, u);
	return d > cap ? cap : d;
}

/* See sched.h. */
int64_t
sched_spread_slot(int64_t *cursor, int rate, int64_t now)
{
	int64_t	 slot;

	if (rate <= 0)
		return now;
	slot = *cursor > now ? *cursor : now;
	*cursor = slot + 1000 / rate;
	return slot;
}

/* Replace a string field of the state. */
static void
set_str(char **field, const char *value)
{
	free(*field);
	*field = value != NULL ? xstrdup(value) : NULL;
}

/* Record a failure's error text ("HTTP <status>" when the caller gave none). */
static void
set_error(struct source_state *st, const struct sched_outcome *o)
{
	char	*e;

	if (o->error != NULL) {
		set_str(&st->last_error, o->error);
		return;
	}
	xasprintf(&e, "HTTP %d", o->status);
	free(st->last_error);
	st->last_error = e;
}

/* See sched.h. */
int64_t
sched_next(const struct sched_params *p, struct source_state *st, int64_t interval,
    const struct sched_outcome *o, int64_t now, double u, int64_t *hold)
{
	int64_t	 next, wait;

	*hold = 0;
	st->last_attempt = now / 1000;
	st->last_status = o->status;
	if (o->ok) {
		st->failures = 0;
		st->last_success = now / 1000;
		set_str(&st->last_error, NULL);
		next = now + sched_jitter(interval, p->jitter, u);
	} else if (o->status == 410) {
		st->failures++;
		set_error(st, o);
		set_str(&st->disabled_reason, "HTTP 410 Gone: the source was removed "
		    "by its site");
		st->next_due = 0;
		return -1;
	} else {
		st->failures++;
		set_error(st, o);
		next = now + sched_backoff(interval, st->failures, p->backoff_max,
		    p->jitter, u);
		if ((o->status == 429 || o->status == 503) && o->retry_after >= 0) {
			wait = o->retry_after * 1000;
			if (wait > p->backoff_max)
				wait = p->backoff_max;
			*hold = now + wait;
			if (next < *hold)
				next = *hold;
		}
	}
	st->next_due = (next + 999) / 1000;
	return next;
}

/* A uniform random number in [0, 1) (xorshift64*). */
static double
sched_random(struct sched *s)
{
	s->rng ^= s->rng >> 12;
	s->rng ^= s->rng << 25;
	s->rng ^= s->rng >> 27;
	return (double)((s->rng * 2685821657736338717ULL) >> 11) / 9007199254740992.0;
}

/* Hash a host key. */
static unsigned
shost_hash(const char *key)
{
	unsigned	 h = 2166136261u;

	for (; *key != '\0'; key++)
		h = (h ^ (unsigned char)*key) * 16777619u;
	return h % SCHED_HOST_BUCKETS;
}

/* Find a host; create it (with a reference) when ref is set. */
static struct shost *
shost_get(struct sched *s, const char *key, int ref)
{
	struct shost	*h;
	unsigned	 b = shost_hash(key);

	for (h = s->hosts[b]; h != NULL; h = h->next) {
		if (strcmp(h->key, key) == 0)
			break;
	}
	if (h == NULL && ref) {
		h = xcalloc(1, sizeof *h);
		h->key = xstrdup(key);
		h->next = s->hosts[b];
		s->hosts[b] = h;
	}
	if (h != NULL && ref)
		h->refs++;
	return h;
}

/* Drop a reference to a host; free it with the last one. */
static void
shost_put(struct sched *s, struct shost *h)
{
	struct shost	**p;

	if (--h->refs > 0)
		return;
	for (p = &s->hosts[shost_hash(h->key)]; *p != h; p = &(*p)->next)
		;
	*p = h->next;
	free(h->key);
	free(h);
}

/* Arm a source's timer for time due (ms). */
static void
arm(struct sched_source *src, int64_t due)
{
	int64_t		 delay = due - sched_now();
	struct timeval	 tv;

	if (delay < 0)
		delay = 0;
	src->due = due;
	src->st->next_due = (due + 999) / 1000;
	tv.tv_sec = delay / 1000;
	tv.tv_usec = (delay % 1000) * 1000;
	evtimer_add(src->timer, &tv);
}

/* A source's timer fired: hand it to the caller unless its host is held. */
static void
due_cb(evutil_socket_t fd, short what, void *arg)
{
	struct sched_source	*src = arg;
	struct sched		*s = src->sched;
	int64_t			 now = sched_now();

	(void)fd;
	(void)what;
	if (src->running || src->st->disabled_reason != NULL)
		return;
	if (src->host->hold_until > now) {
		arm(src, src->host->hold_until +
		    (int64_t)(sched_random(s) * HOLD_SPREAD_MS));
		log_debug("source %s: host %s held, due in %lld ms", src->name,
		    src->host->key, (long long)(src->due - now));
		return;
	}
	src->running = 1;
	src->due = -1;
	s->cb(src, s->cbarg);
}

/* Copy parameters, filling in defaults. */
static void
params_copy(struct sched_params *dst, const struct sched_params *src)
{
	struct sched_params	 zero = { 0 };

	*dst = src != NULL ? *src : zero;
	if (dst->backoff_max <= 0)
		dst->backoff_max = 6LL * 3600 * 1000;
	if (dst->jitter == 0)
		dst->jitter = 0.1;
	if (dst->spread_rate == 0)
		dst->spread_rate = 50;
}

/* See sched.h. */
struct sched *
sched_new(struct event_base *base, const struct sched_params *p, sched_due_cb cb,
    void *cbarg)
{
	struct sched	*s = xcalloc(1, sizeof *s);

	s->base = base;
	params_copy(&s->params, p);
	s->cb = cb;
	s->cbarg = cbarg;
	TAILQ_INIT(&s->sources);
	sched_set_seed(s, (uint64_t)sched_now() ^ (uint64_t)(uintptr_t)s);
	return s;
}

/* See sched.h. */
void
sched_free(struct sched *s)
{
	if (s == NULL)
		return;
	while (!TAILQ_EMPTY(&s->sources))
		sched_remove(s, TAILQ_FIRST(&s->sources));
	free(s);
}

/* See sched.h. */
void
sched_set_params(struct sched *s, const struct sched_params *p)
{
	params_copy(&s->params, p);
}

/* See sched.h. */
void
sched_set_seed(struct sched *s, uint64_t seed)
{
	s->rng = seed != 0 ? seed : 0x9e3779b97f4a7c15ULL;
}

/* Compute and arm the due time of an idle source from its state. */
static void
schedule_idle(struct sched *s, struct sched_source *src)
{
	int64_t	 now = sched_now(), due;

	evtimer_del(src->timer);
	if (src->st->disabled_reason != NULL) {
		src->due = -1;
		return;
	}
	due = src->st->next_due * 1000;
	if (src->st->next_due == 0 || due <= now)
		due = sched_spread_slot(&s->cursor, s->params.spread_rate, now);
	arm(src, due);
}

/* See sched.h. */
struct sched_source *
sched_add(struct sched *s, const char *name, const char *host, int64_t interval,
    struct source_state *st, void *arg)
{
	struct sched_source	*src = xcalloc(1, sizeof *src);

	src->sched = s;
	src->name = xstrdup(name);
	src->host = shost_get(s, host, 1);
	src->interval = interval > 0 ? interval : 15 * 60 * 1000;
	src->st = st;
	src->arg = arg;
	src->timer = evtimer_new(s->base, due_cb, src);
	TAILQ_INSERT_TAIL(&s->sources, src, entry);
	schedule_idle(s, src);
	return src;
}

/* See sched.h. */
void
sched_remove(struct sched *s, struct sched_source *src)
{
	if (src == NULL)
		return;
	TAILQ_REMOVE(&s->sources, src, entry);
	event_free(src->timer);
	shost_put(s, src->host);
	free(src->name);
	free(src);
}

/* See sched.h. */
void
sched_update(struct sched *s, struct sched_source *src, const char *host,
    int64_t interval)
{
	struct shost	*old = src->host;

	src->host = shost_get(s, host, 1);
	shost_put(s, old);
	if (interval > 0 && interval != src->interval) {
		src->interval = interval;
		if (src->st->last_attempt != 0)
			src->st->next_due = src->st->last_attempt +
			    sched_jitter(interval, s->params.jitter,
			    sched_random(s)) / 1000;
	}
	if (!src->running)
		schedule_idle(s, src);
}

/* See sched.h. */
void
sched_kick(struct sched *s, struct sched_source *src)
{
	(void)s;
	if (src->running || src->st->disabled_reason != NULL)
		return;
	src->due = 0;
	evtimer_del(src->timer);
	event_active(src->timer, EV_TIMEOUT, 0);
}

/* See sched.h. */
int64_t
sched_done(struct sched *s, struct sched_source *src, const struct sched_outcome *o)
{
	int64_t	 now = sched_now(), next, hold;

	src->running = 0;
	next = sched_next(&s->params, src->st, src->interval, o, now,
	    sched_random(s), &hold);
	if (o->moved_to != NULL)
		log_info("source %s: moved permanently to %s", src->name, o->moved_to);
	if (hold > src->host->hold_until) {
		src->host->hold_until = hold;
		log_info("source %s: host %s asks to wait %lld s (Retry-After); "
		    "holding its sources", src->name, src->host->key,
		    (long long)((hold - now) / 1000));
	}
	if (next < 0) {
		log_warnx("source %s: %s; disabled", src->name,
		    src->st->disabled_reason);
		src->due = -1;
		return -1;
	}
	arm(src, next);
	return next;
}

/* See sched.h. */
void *
sched_source_arg(struct sched_source *src)
{
	return src->arg;
}

/* See sched.h. */
struct source_state *
sched_source_state(struct sched_source *src)
{
	return src->st;
}

/* See sched.h. */
const char *
sched_source_name(struct sched_source *src)
{
	return src->name;
}

/* See sched.h. */
int64_t
sched_source_due(struct sched_source *src)
{
	return src->running ? -1 : src->due;
}

/* See sched.h. */
int64_t
sched_host_hold(struct sched *s, const char *host)
{
	struct shost	*h = shost_get(s, host, 0);

	return h != NULL && h->hold_until > sched_now() ? h->hold_until : 0;
}
