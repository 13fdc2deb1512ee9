/*
 * test-sched: the pure due-time functions (jitter bounds, backoff growth and
 * reset, start-up spread, Retry-After holds, 410) without a clock, then the
 * driver on a real event_base with short intervals: spread order, due times kept
 * across a restart, a host hold delaying another source of that host only.
 */
#include "../src/sched.c"

#include <math.h>

#include "tap.h"

/* Free the strings of a state (store.c's source_state_clear, not linked here). */
static void
state_clear(struct source_state *st)
{
	free(st->etag);
	free(st->last_modified);
	free(st->feed_url);
	free(st->disabled_reason);
	free(st->last_error);
	memset(st, 0, sizeof *st);
}

static void
test_jitter(void)
{
	struct sched	*s = sched_new(NULL, NULL, NULL, NULL);
	int64_t		 v, lo = INT64_MAX, hi = 0;
	int		 i, bad = 0;

	is_int(sched_jitter(1000, 0.1, 0.0), 900, "jitter lower bound");
	is_int(sched_jitter(1000, 0.1, 0.5), 1000, "jitter midpoint");
	ok(sched_jitter(1000, 0.1, 0.999999) <= 1100, "jitter upper bound");
	is_int(sched_jitter(1000, -1, 0.9), 1000, "jitter off");
	sched_set_seed(s, 42);
	for (i = 0; i < 100000; i++) {
		double u = sched_random(s);

		if (u < 0 || u >= 1)
			bad++;
		v = sched_jitter(60000, 0.1, u);
		lo = v < lo ? v : lo;
		hi = v > hi ? v : hi;
	}
	is_int(bad, 0, "random numbers in [0, 1)");
	ok(lo >= 54000 && hi <= 66000, "100000 jittered 60 s intervals in [54, 66] s");
	ok(lo < 54300 && hi > 65700, "and they use the whole range (%lld..%lld)",
	    (long long)lo, (long long)hi);
	sched_free(s);
}

static void
test_backoff(void)
{
	int64_t	 iv = 60000, max = 6LL * 3600 * 1000, prev = 0, d;
	int	 f, grows = 1, bounded = 1;

	for (f = 1; f <= 20; f++) {
		d = sched_backoff(iv, f, max, 0.1, 0.5);
		if (f <= 9 && d != iv << (f - 1))
			grows = 0;
		if (d < prev || d > max)
			bounded = 0;
		prev = d;
		if (sched_backoff(iv, f, max, 0.1, 0.0) < 0.9 * (double)d ||
		    sched_backoff(iv, f, max, 0.1, 0.99999) > max)
			bounded = 0;
	}
	ok(grows, "backoff doubles from one interval: 60 s, 120 s, 240 s, …");
	ok(bounded, "backoff never shrinks and never exceeds backoff_max");
	is_int(sched_backoff(iv, 20, max, 0.1, 0.5), max, "capped at backoff_max (6 h)");
	is_int(sched_backoff(iv, 1, max, 0.1, 0.0), 54000, "first failure: one interval, jittered");
	is_int(sched_backoff(8 * 3600000LL, 3, max, 0, 0.5), 8 * 3600000LL,
	    "an interval above backoff_max is kept");
}

static void
test_spread(void)
{
	int64_t	 cursor = 0, now = 1000000, slot, last = 0;
	int	 i, first_second = 0;

	slot = sched_spread_slot(&cursor, 50, now);
	is_int(slot, now, "one new source starts at once");
	cursor = 0;
	for (i = 0; i < 5000; i++) {
		slot = sched_spread_slot(&cursor, 50, now);
		if (slot < now + 1000)
			first_second++;
		last = slot;
	}
	is_int(first_second, 50, "5000 new sources: 50 in the first second");
	ok(last >= now + 99000 && last < now + 101000, "the last starts after ~100 s");
	slot = sched_spread_slot(&cursor, 50, now + 500000);
	is_int(slot, now + 500000, "a source added much later starts at once");
	cursor = 0;
	is_int(sched_spread_slot(&cursor, -1, now), now, "spread off");
	is_int(sched_spread_slot(&cursor, -1, now), now, "spread off: all at once");
}

static void
test_next(void)
{
	struct sched_params	 p;
	struct source_state	 st = { 0 };
	struct sched_outcome	 fail = { 0, 500, -1, NULL, NULL };
	struct sched_outcome	 good = { 1, 200, -1, NULL, NULL };
	struct sched_outcome	 nm = { 1, 304, -1, NULL, NULL };
	struct sched_outcome	 o;
	int64_t			 now = 1700000000000LL, iv = 600000, next, hold;
	int			 i;

	params_copy(&p, NULL);
	is_int(p.backoff_max, 6 * 3600000LL, "default backoff_max 6 h");
	next = sched_next(&p, &st, iv, &good, now, 0.5, &hold);
	is_int(next, now + iv, "success: next = now + interval");
	is_int(st.next_due, (now + iv) / 1000, "next_due persisted in seconds");
	is_int(st.last_success, now / 1000, "last_success");
	is_int(st.last_status, 200, "last_status");
	for (i = 1; i <= 4; i++) {
		next = sched_next(&p, &st, iv, &fail, now, 0.5, &hold);
		is_int(next - now, iv << (i - 1), "failure %d: delay %lld s", i,
		    (long long)((iv << (i - 1)) / 1000));
	}
	is_int(st.failures, 4, "failures counted");
	is_str(st.last_error, "HTTP 500", "error text from the status");
	is_int(st.last_success, now / 1000, "last_success unchanged by failures");
	next = sched_next(&p, &st, iv, &nm, now + 5000, 0.5, &hold);
	is_int(st.failures, 0, "a 304 is a success: failures reset");
	is_int(next, now + 5000 + iv, "back to the interval");
	ok(st.last_error == NULL, "error cleared");

	o = (struct sched_outcome){ 0, 0, -1, "Connection refused", NULL };
	sched_next(&p, &st, iv, &o, now, 0.5, &hold);
	is_str(st.last_error, "Connection refused", "transport error kept");
	is_int(st.last_status, 0, "no status");

	o = (struct sched_outcome){ 0, 429, 120, NULL, NULL };
	next = sched_next(&p, &st, iv, &o, now, 0.0, &hold);
	is_int(hold, now + 120000, "429 + Retry-After: host held 120 s");
	ok(next >= now + 120000, "and the source waits at least that long");
	o = (struct sched_outcome){ 0, 503, 10LL * 86400, NULL, NULL };
	sched_next(&p, &st, iv, &o, now, 0.5, &hold);
	is_int(hold, now + p.backoff_max, "a Retry-After of 10 days is capped at backoff_max");
	o = (struct sched_outcome){ 0, 503, -1, NULL, NULL };
	sched_next(&p, &st, iv, &o, now, 0.5, &hold);
	is_int(hold, 0, "503 without Retry-After: no host hold");
	o = (struct sched_outcome){ 0, 500, 60, NULL, NULL };
	sched_next(&p, &st, iv, &o, now, 0.5, &hold);
	is_int(hold, 0, "Retry-After on a 500: no host hold");

	o = (struct sched_outcome){ 0, 410, -1, NULL, NULL };
	next = sched_next(&p, &st, iv, &o, now, 0.5, &hold);
	is_int(next, -1, "410 Gone: no next time");
	ok(st.disabled_reason != NULL && strstr(st.disabled_reason, "410") != NULL,
	    "disabled with a reason: %s", st.disabled_reason);
	state_clear(&st);
}

/* The driver test's record of due callbacks. */
struct fired {
	struct sched	*s;
	int		 n;
	int64_t		 at[16];
	struct sched_source *who[16];
};

static void
fired_cb(struct sched_source *src, void *arg)
{
	struct fired	*f = arg;

	if (f->n < 16) {
		f->at[f->n] = sched_now();
		f->who[f->n] = src;
	}
	f->n++;
}

/* Run the loop until n callbacks fired, or 10 s passed. */
static void
run_until_fired(struct event_base *base, struct fired *f, int n)
{
	int64_t	 start = sched_now();

	while (f->n < n && sched_now() - start < 10000)
		event_base_loop(base, EVLOOP_ONCE);
}

static void
test_driver(void)
{
	struct event_base	*base = event_base_new();
	struct fired		 f = { 0 };
	struct sched_params	 p = { 0 };
	struct source_state	 st[4];
	struct sched_source	*src[4];
	struct sched_outcome	 good = { 1, 200, -1, NULL, NULL };
	struct sched_outcome	 slow = { 0, 429, 1, NULL, NULL };
	int64_t			 t0, hold, future;
	int			 i;

	memset(st, 0, sizeof st);
	p.spread_rate = 10;			/* 100 ms apart, easy to see */
	f.s = sched_new(base, &p, fired_cb, &f);
	t0 = sched_now();
	src[0] = sched_add(f.s, "a", "h.example:80", 300, &st[0], NULL);
	src[1] = sched_add(f.s, "b", "h.example:80", 300, &st[1], NULL);
	src[2] = sched_add(f.s, "c", "other.example:80", 300, &st[2], NULL);
	future = sched_now() / 1000 + 3600;
	st[3].next_due = future;
	src[3] = sched_add(f.s, "d", "other.example:80", 300, &st[3], NULL);
	is_int(sched_source_due(src[3]), future * 1000,
	    "a persisted future due time is kept across a restart");
	ok(sched_source_due(src[2]) - sched_source_due(src[0]) == 200,
	    "never-fetched sources are spread (100 ms apart at rate 10)");
	run_until_fired(base, &f, 3);
	is_int(f.n, 3, "three new sources came due");
	ok(f.who[0] == src[0] && f.who[1] == src[1] && f.who[2] == src[2],
	    "in the order they were added");
	ok(f.at[0] - t0 < 80, "the first at once (%lld ms)", (long long)(f.at[0] - t0));
	ok(f.at[1] - t0 >= 95 && f.at[2] - t0 >= 195,
	    "the second and third not before their slots (%lld, %lld ms)",
	    (long long)(f.at[1] - t0), (long long)(f.at[2] - t0));
	is_int(sched_source_due(src[0]), -1, "a due source is running until done");

	/* a success arms interval ± 10 % */
	t0 = sched_now();
	sched_done(f.s, src[2], &good);
	run_until_fired(base, &f, 4);
	ok(f.who[3] == src[2] && f.at[3] - t0 >= 265 && f.at[3] - t0 <= 400,
	    "due again after the interval (%lld ms)", (long long)(f.at[3] - t0));

	/* a 429 with Retry-After 1 s holds b (same host), not c */
	t0 = sched_now();
	sched_done(f.s, src[0], &slow);
	hold = sched_host_hold(f.s, "h.example:80");
	ok(hold >= t0 + 900 && hold <= t0 + 1100, "host held ~1 s");
	is_int(sched_host_hold(f.s, "other.example:80"), 0, "other hosts are not");
	sched_done(f.s, src[1], &good);
	sched_done(f.s, src[2], &good);
	sched_kick(f.s, src[1]);
	sched_kick(f.s, src[2]);
	run_until_fired(base, &f, 7);
	ok(f.who[4] == src[2] && f.at[4] - t0 < 100, "c (other host) ran at once");
	for (i = 5; i < 7 && f.who[i] != src[1]; i++)
		;
	ok(i < 7 && f.at[i] >= hold, "b waited for its host's hold (%lld ms)",
	    (long long)(f.at[i] - t0));
	for (i = 5; i < 7 && f.who[i] != src[0]; i++)
		;
	ok(i < 7 && f.at[i] >= hold, "a came back after the hold (%lld ms)",
	    (long long)(f.at[i] - t0));
	is_int(st[0].failures, 1, "a's failure counted");

	/* a restart with an overdue source: spread like a new one, not skipped */
	{
		struct source_state	 od = { 0 };
		struct sched_source	*o;
		int64_t			 now = sched_now();

		od.next_due = now / 1000 - 600;
		od.last_attempt = now / 1000 - 1500;
		o = sched_add(f.s, "overdue", "x.example:80", 900000, &od, NULL);
		ok(sched_source_due(o) >= now && sched_source_due(o) < now + 1000,
		    "an overdue source is due at once (within the spread)");
		sched_remove(f.s, o);
	}

	/* reload: a changed interval reschedules an idle source */
	sched_update(f.s, src[3], "other.example:80", 200);
	ok(sched_source_due(src[3]) == future * 1000,
	    "never-attempted source keeps its persisted due time on reload");

	sched_remove(f.s, src[0]);
	sched_free(f.s);		/* removes the others */
	for (i = 0; i < 4; i++)
		state_clear(&st[i]);
	event_base_free(base);
}

int
main(void)
{
	log_init("test-sched", LOG_LEVEL_ERR);
	test_jitter();
	test_backoff();
	test_spread();
	test_next();
	test_driver();
	return done_testing();
}
