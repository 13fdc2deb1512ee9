/* test-notify: delivery ids and the outbox's retry schedule. */
#include "../src/notify.c"

#include "tap.h"

#define S	1000LL
#define MIN	(60 * S)
#define H	(60 * MIN)

static const struct notify_policy policy = { 30 * S, H, 48 * H };

/* Delivery ids: known values (computed with Python's hashlib), stability, no
 * ambiguity between fields. */
static void
test_ids(void)
{
	char	a[NOTIFY_ID_LEN + 1], b[NOTIFY_ID_LEN + 1];

	notify_delivery_id(42, "elections", "hook", a);
	is_str(a, "a3c74e32827ea024bdbaac513372ee0566163fe4167bd0ccc5870b407add89fb",
	    "article id is the documented hash");
	notify_delivery_id(42, "elections", "hook", b);
	is_str(a, b, "stable");
	notify_delivery_id(43, "elections", "hook", b);
	ok(strcmp(a, b) != 0, "another story, another id");
	notify_delivery_id(42, "elections", "mail", b);
	ok(strcmp(a, b) != 0, "another notifier, another id");
	notify_delivery_id(42, "ab", "c", a);
	notify_delivery_id(42, "a", "bc", b);
	ok(strcmp(a, b) != 0, "field boundaries matter");
	notify_digest_id("mail", "", 1700000000, a);
	is_str(a, "2c2bb41774d39476041de943ce4bac69e9af58cf9b97f2ca124d4ab1b6444028",
	    "digest id is the documented hash");
	notify_health_id("News", "failing", 1700000000, b);
	ok(strlen(b) == 64 && strcmp(a, b) != 0, "health id");
}

/* The backoff grows from retry_min to retry_max, jittered, never outside. */
static void
test_backoff(void)
{
	uint32_t	rnd[] = { 0, 1, 12345, 0x7fffffff, 0xffffffff };
	int64_t		d, prev_max = 0;
	int		a, bad = 0, grows = 1;
	size_t		i;

	is_int(notify_backoff(&policy, 1, -1, 0), 30 * S, "first retry: retry_min");
	is_int(notify_backoff(&policy, 2, -1, 0), 30 * S, "second: at least retry_min");
	is_int(notify_backoff(&policy, 2, -1, 30 * S), 60 * S,
	    "second: at most twice retry_min");
	is_int(notify_backoff(&policy, 3, -1, 0), 60 * S, "third: half of 2 min");
	for (a = 1; a <= 40; a++) {
		int64_t max = 0;

		for (i = 0; i < sizeof rnd / sizeof rnd[0]; i++) {
			d = notify_backoff(&policy, a, -1, rnd[i]);
			bad += d < policy.retry_min || d > policy.retry_max;
			if (d > max)
				max = d;
		}
		grows &= max >= prev_max;
		prev_max = max;
	}
	is_int(bad, 0, "always within retry_min..retry_max");
	ok(grows, "never shrinks as attempts grow");
	is_int(notify_backoff(&policy, 1000, -1, H / 2), H, "capped at retry_max");
	ok(notify_backoff(&policy, 1000, -1, 0) >= H / 2, "jitter keeps half the step");
	is_int(notify_backoff(&policy, 1, 2 * S, 0), 30 * S,
	    "short Retry-After does not shorten the backoff");
	is_int(notify_backoff(&policy, 1, 10 * MIN, 0), 10 * MIN,
	    "long Retry-After honoured");
	is_int(notify_backoff(&policy, 1, 1000 * H, 0), NOTIFY_RETRY_AFTER_MAX,
	    "absurd Retry-After capped");
}

/* The fate of a row after an attempt. */
static void
test_after(void)
{
	struct nw_send_result	ok_ = { NW_SEND_OK, 200, NULL, -1 };
	struct nw_send_result	retry = { NW_SEND_RETRY, 500, NULL, -1 };
	struct nw_send_result	ra = { NW_SEND_RETRY, 429, NULL, 2 * S };
	struct nw_send_result	perm = { NW_SEND_PERMANENT, 400, NULL, -1 };
	int64_t			now = 1700000000 * S, next = 0;

	is_int(notify_after(&policy, &ok_, 1, now, now, 0, &next), NOTIFY_DELIVERED,
	    "success: delivered");
	is_int(notify_after(&policy, &perm, 1, now, now, 0, &next), NOTIFY_DEAD,
	    "permanent: dead");
	is_int(notify_after(&policy, &retry, 1, now, now, 0, &next), NOTIFY_PENDING,
	    "retryable: pending");
	is_int(next - now, 30 * S, "after retry_min");
	notify_after(&policy, &ra, 1, now, now, 0, &next);
	is_int(next - now, 30 * S, "429 + Retry-After 2s: still retry_min");
	ra.retry_after = 2 * H;
	notify_after(&policy, &ra, 1, now, now, 0, &next);
	is_int(next - now, 2 * H, "Retry-After 2h: 2h");
	is_int(notify_after(&policy, &retry, 9, now - 47 * H - 50 * MIN, now, 0,
	    &next), NOTIFY_PENDING, "near max_age: pending");
	is_int(next, now + 10 * MIN, "last attempt clamped to the deadline");
	is_int(notify_after(&policy, &retry, 10, now - 48 * H, now, 0, &next),
	    NOTIFY_DEAD, "at max_age: dead");
	ok(notify_expired(&policy, now - 49 * H, now), "expired row");
	ok(!notify_expired(&policy, now - 47 * H, now), "young row");
	retry.status = 99;
	is_int(notify_after(&policy, &retry, 1, now, now, 0, &next), NOTIFY_DEAD,
	    "an unknown status is not retried forever");
}

int
main(void)
{
	test_ids();
	test_backoff();
	test_after();
	return done_testing();
}
