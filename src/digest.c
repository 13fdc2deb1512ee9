/*
 * digest: digest schedules, windows, ids and the per-hour cap on single alerts
 * (rules in digest.h).
 */
#include "config.h"

#include <ctype.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/evp.h>

#include "digest.h"
#include "xmalloc.h"

#define HOUR	3600

/* Parse a duration such as "1h30m" into seconds; -1 if malformed. */
static int64_t
parse_duration(const char *s)
{
	int64_t	 total = 0, v, unit;
	int	 parts = 0;

	while (*s != '\0') {
		if (!isdigit((unsigned char)*s) || parts++ > 4)
			return -1;
		for (v = 0; isdigit((unsigned char)*s); s++) {
			v = v * 10 + (*s - '0');
			if (v > DIGEST_WINDOW_MAX)
				return -1;
		}
		switch (*s++) {
		case 's': unit = 1; break;
		case 'm': unit = 60; break;
		case 'h': unit = HOUR; break;
		case 'd': unit = 86400; break;
		default: return -1;
		}
		total += v * unit;
		if (total > DIGEST_WINDOW_MAX)
			return -1;
	}
	return parts > 0 ? total : -1;
}

/* Parse "H:MM" or "HH:MM"; 0 or -1. */
static int
parse_clock(const char *s, int *hour, int *minute)
{
	int	h = 0, n = 0;

	while (isdigit((unsigned char)*s) && n < 2) {
		h = h * 10 + (*s++ - '0');
		n++;
	}
	if (n == 0 || *s++ != ':' || !isdigit((unsigned char)s[0]) ||
	    !isdigit((unsigned char)s[1]) || s[2] != '\0')
		return -1;
	*minute = (s[0] - '0') * 10 + (s[1] - '0');
	*hour = h;
	return (h > 23 || *minute > 59) ? -1 : 0;
}

/* Parse a digest schedule. */
int
digest_parse(const char *s, struct digest_spec *spec, char **cause)
{
	int64_t	w;

	memset(spec, 0, sizeof *spec);
	if (s == NULL || *s == '\0')
		return 0;
	if (strncmp(s, "daily", 5) == 0 && (s[5] == ' ' || s[5] == '\t')) {
		for (s += 5; *s == ' ' || *s == '\t'; s++)
			;
		if (parse_clock(s, &spec->hour, &spec->minute) != 0) {
			xasprintf(cause, "digest: bad time of day \"%.16s\" "
			    "(expected HH:MM, 00:00 to 23:59)", s);
			return -1;
		}
		spec->kind = DIGEST_DAILY;
		return 0;
	}
	if ((w = parse_duration(s)) < DIGEST_WINDOW_MIN) {
		xasprintf(cause, "digest: \"%.32s\" is neither a window between 1m "
		    "and 7d (\"1h\", \"90m\") nor \"daily HH:MM\"", s);
		return -1;
	}
	spec->kind = DIGEST_WINDOW;
	spec->window = w;
	return 0;
}

/* The instant of hour:minute local time on the day of *day (+ delta days). */
static int64_t
local_at(const struct tm *day, int delta, int hour, int minute)
{
	struct tm	tm = *day;

	tm.tm_mday += delta;
	tm.tm_hour = hour;
	tm.tm_min = minute;
	tm.tm_sec = 0;
	tm.tm_isdst = -1;
	return (int64_t)mktime(&tm);
}

/* The daily window containing t. */
static void
daily_window(const struct digest_spec *spec, int64_t t, int64_t *start,
    int64_t *end)
{
	struct tm	day;
	time_t		tt = (time_t)t;
	int64_t		x;

	localtime_r(&tt, &day);
	x = local_at(&day, 0, spec->hour, spec->minute);
	if (x <= t) {
		*start = x;
		*end = local_at(&day, 1, spec->hour, spec->minute);
	} else {
		*start = local_at(&day, -1, spec->hour, spec->minute);
		*end = x;
	}
}

/* The window containing t. */
void
digest_window(const struct digest_spec *spec, int64_t t, int64_t *start,
    int64_t *end)
{
	int64_t	w;

	if (spec->kind == DIGEST_DAILY) {
		daily_window(spec, t, start, end);
		return;
	}
	w = spec->kind == DIGEST_WINDOW ? spec->window : DIGEST_SPILL_WINDOW;
	*start = t - ((t % w) + w) % w;
	*end = *start + w;
}

/* The digest's delivery id. */
void
digest_id(const char *notifier, const char *watchlist, int64_t start,
    char out[65])
{
	unsigned char	 md[EVP_MAX_MD_SIZE];
	unsigned int	 mdlen = 0, i;
	char		*in;
	int		 len;

	/* NUL separators: no name can run into the next. */
	len = xasprintf(&in, "newswatch-digest%c%s%c%s%c%" PRId64, 0,
	    notifier != NULL ? notifier : "", 0,
	    watchlist != NULL ? watchlist : "", 0, start);
	if (EVP_Digest(in, len, md, &mdlen, EVP_sha256(), NULL) != 1 ||
	    mdlen != 32)
		abort();
	free(in);
	for (i = 0; i < 32; i++)
		snprintf(out + 2 * i, 3, "%02x", md[i]);
}

/* Set up a cap. */
void
digest_cap_init(struct digest_cap *cap, int max)
{
	memset(cap, 0, sizeof *cap);
	if (max <= 0)
		return;
	cap->max = max > DIGEST_CAP_MAX ? DIGEST_CAP_MAX : max;	/* conf refuses more */
	cap->times = xcalloc(cap->max, sizeof *cap->times);
}

/* Release a cap. */
void
digest_cap_free(struct digest_cap *cap)
{
	free(cap->times);
	memset(cap, 0, sizeof *cap);
}

/* Forget sends older than an hour before now. */
static void
cap_expire(struct digest_cap *cap, int64_t now)
{
	while (cap->n > 0 && cap->times[cap->first] <= now - HOUR) {
		cap->first = (cap->first + 1) % cap->max;
		cap->n--;
	}
}

/* Record a single sent at t; the oldest is forgotten when the ring is full. */
void
digest_cap_note(struct digest_cap *cap, int64_t t)
{
	if (cap->max == 0)
		return;
	if (cap->n == cap->max) {
		cap->first = (cap->first + 1) % cap->max;
		cap->n--;
	}
	cap->times[(cap->first + cap->n) % cap->max] = t;
	cap->n++;
}

/* Singles in the last hour. */
int
digest_cap_count(struct digest_cap *cap, int64_t now)
{
	cap_expire(cap, now);
	return cap->n;
}

/* When the next single may go. */
int64_t
digest_cap_next(struct digest_cap *cap, int64_t now)
{
	if (cap->max == 0 || digest_cap_count(cap, now) < cap->max)
		return now;
	return cap->times[cap->first] + HOUR;
}

/* Decide where an alert goes. */
void
digest_assign(const struct digest_spec *spec, struct digest_cap *cap,
    const char *notifier, const char *watchlist, int64_t created, int64_t now,
    struct digest_slot *slot)
{
	int64_t	t;

	memset(slot, 0, sizeof *slot);
	if (cap->max > 0 && digest_cap_count(cap, now) < cap->max) {
		digest_cap_note(cap, now);
		slot->single = 1;
		return;
	}
	if (cap->max == 0 && spec->kind == DIGEST_NONE) {
		slot->single = 1;
		return;
	}
	t = cap->max > 0 ? now : created;
	digest_window(spec, t, &slot->start, &slot->due);
	digest_id(notifier, watchlist, slot->start, slot->id);
}
