/*
 * test-digest: digest schedules, windows (epoch-aligned and daily at a local time
 * across midnight and DST in Europe/Berlin), ids, and the per-hour cap spilling
 * into the next digest, with a clock the test controls.
 */
#include "../src/digest.c"

#include <stdlib.h>
#include <time.h>

#include "tap.h"

/* Local times in Europe/Berlin, as Unix seconds (from date(1)). */
#define JAN09_0800	1767942000
#define JAN10_0800	1768028400
#define JAN10_2330	1768084200
#define JAN11_0030	1768087800
#define MAR28_0800	1774681200	/* CET */
#define MAR28_1200	1774695600
#define MAR29_0130	1774744200	/* before the switch at 02:00 */
#define MAR29_0800	1774764000	/* CEST: 23 hours later */
#define OCT24_0800	1792821600	/* CEST */
#define OCT25_0230	1792891800
#define OCT25_0800	1792911600	/* CET: 25 hours later */

/* Parse s and check the outcome. */
static void
parse_ok(const char *s, enum digest_kind kind, int64_t window, int hour,
    int minute)
{
	struct digest_spec	 spec;
	char			*cause = NULL;
	int			 rc;

	rc = digest_parse(s, &spec, &cause);
	ok(rc == 0 && spec.kind == kind &&
	    spec.window == window && spec.hour == hour && spec.minute == minute,
	    "\"%s\" parsed (%s)", s, cause != NULL ? cause : "ok");
	free(cause);
}

/* Parse s and expect a refusal whose cause contains want. */
static void
parse_bad(const char *s, const char *want)
{
	struct digest_spec	 spec;
	char			*cause = NULL;
	int			 rc;

	rc = digest_parse(s, &spec, &cause);
	ok(rc == -1 && cause != NULL &&
	    strstr(cause, want) != NULL, "\"%s\" refused: %s", s,
	    cause != NULL ? cause : "(no cause)");
	free(cause);
}

/* Schedules. */
static void
test_parse(void)
{
	parse_ok(NULL, DIGEST_NONE, 0, 0, 0);
	parse_ok("", DIGEST_NONE, 0, 0, 0);
	parse_ok("1h", DIGEST_WINDOW, 3600, 0, 0);
	parse_ok("90m", DIGEST_WINDOW, 5400, 0, 0);
	parse_ok("1h30m", DIGEST_WINDOW, 5400, 0, 0);
	parse_ok("2d", DIGEST_WINDOW, 172800, 0, 0);
	parse_ok("daily 08:00", DIGEST_DAILY, 0, 8, 0);
	parse_ok("daily 8:00", DIGEST_DAILY, 0, 8, 0);
	parse_ok("daily  23:59", DIGEST_DAILY, 0, 23, 59);
	parse_ok("daily 0:05", DIGEST_DAILY, 0, 0, 5);
	parse_bad("daily 24:00", "bad time of day \"24:00\"");
	parse_bad("daily 8:60", "bad time of day");
	parse_bad("daily 8", "bad time of day");
	parse_bad("daily 08:0", "bad time of day");
	parse_bad("daily 008:00", "bad time of day");
	parse_bad("daily 8:00pm", "bad time of day");
	parse_bad("daily", "neither a window");
	parse_bad("30s", "neither a window");
	parse_bad("8d", "neither a window");
	parse_bad("1x", "neither a window");
	parse_bad("h", "neither a window");
	parse_bad("99999999999999999999h", "neither a window");
	parse_bad("hourly", "neither a window");
}

/* Check the window containing t. */
static void
window_is(const struct digest_spec *spec, int64_t t, int64_t start, int64_t end,
    const char *what)
{
	int64_t	s, e;

	digest_window(spec, t, &s, &e);
	is_int(s, start, "%s: start", what);
	is_int(e, end, "%s: end", what);
}

/* Epoch-aligned windows. */
static void
test_windows(void)
{
	struct digest_spec	spec;
	char			*cause = NULL;

	digest_parse("1h", &spec, &cause);
	window_is(&spec, 1700000000, 1699999200, 1700002800, "1h at 22:13:20Z");
	window_is(&spec, 1699999200, 1699999200, 1700002800, "1h at its start");
	window_is(&spec, 1700002799, 1699999200, 1700002800, "1h at its last second");
	digest_parse("90m", &spec, &cause);
	window_is(&spec, 1700000000, 1699995600, 1700001000, "90m from the epoch");
	spec.kind = DIGEST_NONE;
	window_is(&spec, 1700000000, 1699999200, 1700002800, "spill window is 1h");
}

/* Daily at a local time, across midnight and both DST changes. */
static void
test_daily(void)
{
	struct digest_spec	spec;
	char			*cause = NULL;

	setenv("TZ", "Europe/Berlin", 1);
	tzset();
	digest_parse("daily 08:00", &spec, &cause);
	window_is(&spec, JAN10_0800 - 1, JAN09_0800, JAN10_0800, "07:59:59");
	window_is(&spec, JAN10_0800, JAN10_0800, JAN10_0800 + 86400, "08:00 sharp");
	window_is(&spec, JAN10_2330, JAN10_0800, JAN10_0800 + 86400, "23:30");
	window_is(&spec, JAN11_0030, JAN10_0800, JAN10_0800 + 86400,
	    "00:30, after midnight: the same window");
	window_is(&spec, MAR28_1200, MAR28_0800, MAR29_0800,
	    "spring DST: window of 23h");
	window_is(&spec, MAR29_0130, MAR28_0800, MAR29_0800,
	    "spring DST: before the switch");
	is_int(MAR29_0800 - MAR28_0800, 23 * 3600, "the day is 23 hours");
	window_is(&spec, OCT25_0230, OCT24_0800, OCT25_0800,
	    "autumn DST: window of 25h");
	is_int(OCT25_0800 - OCT24_0800, 25 * 3600, "the day is 25 hours");
	digest_parse("daily 8:00", &spec, &cause);
	window_is(&spec, MAR29_0800 + 60, MAR29_0800, MAR29_0800 + 86400,
	    "8:00 in summer time");
}

/* Ids are stable and distinct. */
static void
test_ids(void)
{
	char	a[65], b[65], c[65], d[65];

	digest_id("mail", "elections", 1699999200, a);
	digest_id("mail", "elections", 1699999200, b);
	digest_id("mail", "energy", 1699999200, c);
	digest_id("mail", "elections", 1700002800, d);
	is_int(strlen(a), 64, "64 hex digits");
	is_str(a, b, "same notifier, watchlist, start: same id");
	ok(strcmp(a, c) != 0, "another watchlist: another id");
	ok(strcmp(a, d) != 0, "another window: another id");
	digest_id("ab", "c", 0, a);
	digest_id("a", "bc", 0, b);
	ok(strcmp(a, b) != 0, "names cannot run into each other");
	digest_id("mail", NULL, 0, a);
	digest_id("mail", "", 0, b);
	is_str(a, b, "no watchlist is the empty watchlist");
}

/* max_per_hour: singles up to the cap, the rest into the next digest. */
static void
test_cap(void)
{
	struct digest_spec	spec = { DIGEST_NONE, 0, 0, 0 };
	struct digest_cap	cap;
	struct digest_slot	s[6];
	int64_t			t = 1700000000;
	char			want[65];
	int			i;

	digest_cap_init(&cap, 3);
	for (i = 0; i < 5; i++)
		digest_assign(&spec, &cap, "mail", "w", t + i * 10, t + i * 10, &s[i]);
	ok(s[0].single && s[1].single && s[2].single, "three singles under the cap");
	ok(!s[3].single && !s[4].single, "the fourth and fifth are held, not dropped");
	digest_id("mail", "w", 1699999200, want);
	is_str(s[3].id, want, "into the hourly spill digest");
	is_str(s[4].id, s[3].id, "both into the same digest");
	is_int(s[3].due, 1700002800, "due at the window's end");
	is_int(digest_cap_count(&cap, t + 40), 3, "three counted");
	is_int(digest_cap_next(&cap, t + 40), t + 3600, "next single an hour after the first");
	digest_assign(&spec, &cap, "mail", "w", t + 3599, t + 3599, &s[5]);
	ok(!s[5].single, "still capped at 59:59 (sliding hour)");
	digest_assign(&spec, &cap, "mail", "w", t + 3600, t + 3600, &s[5]);
	ok(s[5].single, "a single again once the first left the hour");
	is_int(digest_cap_count(&cap, t + 3600), 3, "the count slides");
	digest_cap_free(&cap);

	/* With a daily digest, the overflow waits for the next daily one. */
	setenv("TZ", "Europe/Berlin", 1);
	tzset();
	digest_parse("daily 08:00", &spec, &(char *){ NULL });
	digest_cap_init(&cap, 1);
	digest_assign(&spec, &cap, "mail", "w", JAN10_2330, JAN10_2330, &s[0]);
	digest_assign(&spec, &cap, "mail", "w", JAN10_2330, JAN10_2330 + 5, &s[1]);
	ok(s[0].single && !s[1].single, "cap 1 with a daily digest");
	is_int(s[1].due, JAN10_0800 + 86400, "the overflow goes at 08:00 next day");
	digest_cap_free(&cap);

	/* Rebuilt after a restart from the singles sent in the last hour. */
	digest_cap_init(&cap, 2);
	digest_cap_note(&cap, t - 4000);
	digest_cap_note(&cap, t - 100);
	digest_cap_note(&cap, t - 50);
	is_int(digest_cap_count(&cap, t), 2, "rebuilt cap counts the last hour");
	digest_assign(&spec, &cap, "mail", "w", t, t, &s[0]);
	ok(!s[0].single, "and is full");
	digest_cap_free(&cap);
}

/* Digest only: membership by raised time, stable across a restart (retry whole). */
static void
test_membership(void)
{
	struct digest_spec	spec;
	struct digest_cap	cap;
	struct digest_slot	a, b, c, again;
	char			*cause = NULL;

	digest_parse("1h", &spec, &cause);
	digest_cap_init(&cap, 0);
	digest_assign(&spec, &cap, "mail", "w", 1700000000, 1700000005, &a);
	digest_assign(&spec, &cap, "mail", "w", 1700002799, 1700002900, &b);
	digest_assign(&spec, &cap, "mail", "w", 1700002800, 1700002900, &c);
	ok(!a.single && !b.single, "with a digest and no cap nothing goes singly");
	is_str(a.id, b.id, "alerts raised in one window share its digest");
	ok(strcmp(b.id, c.id) != 0, "the next window is another digest");
	is_int(b.start, 1699999200, "window by the alert's raised time, not the decision");
	/* After a failure and a restart: a new cap, the same rows. */
	digest_cap_free(&cap);
	digest_cap_init(&cap, 0);
	digest_assign(&spec, &cap, "mail", "w", 1700000000, 1700009999, &again);
	is_str(again.id, a.id, "a retried digest keeps its id and members");
	spec.kind = DIGEST_NONE;
	digest_assign(&spec, &cap, "mail", "w", 1700000000, 1700000000, &a);
	ok(a.single, "no digest, no cap: single");
}

int
main(void)
{
	test_parse();
	test_windows();
	test_daily();
	test_ids();
	test_cap();
	test_membership();
	return done_testing();
}
