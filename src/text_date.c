/*
 * text_date: dates as feeds write them, to Unix seconds UTC. ISO 8601 / RFC 3339 is
 * tried first, then a tolerant token parser for RFC 822 and its malformed cousins,
 * then curl_getdate as a last resort. No strptime, no locale, no time zone database.
 */
#include "config.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>

#include "text_date.h"

#define DATE_MAX_LEN	128

struct date_parts {
	int	year, mon, day, hour, min, sec;
	int	off;		/* seconds east of UTC */
	int	have_year, have_mon, have_day, have_time, have_off;
};

static const char *months[] = { "jan", "feb", "mar", "apr", "may", "jun", "jul",
    "aug", "sep", "oct", "nov", "dec" };
static const char *wdays[] = { "mon", "tue", "wed", "thu", "fri", "sat", "sun" };

/* Named zones seen in feeds, with their offsets in minutes east of UTC. */
static const struct { const char *name; int min; } zones[] = {
	{ "a", -60 }, { "acst", 570 }, { "adt", -180 }, { "aedt", 660 },
	{ "aest", 600 }, { "akdt", -480 }, { "akst", -540 }, { "ast", -240 },
	{ "awst", 480 }, { "bst", 60 }, { "cat", 120 }, { "cdt", -300 },
	{ "cest", 120 }, { "cet", 60 }, { "cst", -360 }, { "eat", 180 },
	{ "edt", -240 }, { "eest", 180 }, { "eet", 120 }, { "est", -300 },
	{ "gmt", 0 }, { "hkt", 480 }, { "hst", -600 }, { "idt", 180 },
	{ "ist", 330 }, { "jst", 540 }, { "kst", 540 }, { "m", -720 },
	{ "mdt", -360 }, { "msk", 180 }, { "mst", -420 }, { "n", 60 },
	{ "nzdt", 780 }, { "nzst", 720 }, { "pdt", -420 }, { "pst", -480 },
	{ "sast", 120 }, { "sgt", 480 }, { "ut", 0 }, { "utc", 0 },
	{ "wat", 60 }, { "west", 60 }, { "wet", 0 }, { "y", 720 }, { "z", 0 },
};

/* Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm). */
static int64_t
days_from_civil(int64_t y, int m, int d)
{
	int64_t era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

/* Number of days in a month of a year. */
static int
month_days(int y, int m)
{
	static const int dm[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };

	if (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))
		return 29;
	return dm[m - 1];
}

/* Check the parts and turn them into seconds; -1 if out of range. */
static int
parts_to_epoch(struct date_parts *p, int64_t *out)
{
	if (p->year < 1 || p->year > 9999 || p->mon < 1 || p->mon > 12 ||
	    p->day < 1 || p->day > month_days(p->year, p->mon))
		return -1;
	if (p->hour > 24 || p->min > 59 || p->sec > 60 ||
	    (p->hour == 24 && (p->min != 0 || p->sec != 0)))
		return -1;
	if (p->sec == 60)
		p->sec = 59;
	*out = days_from_civil(p->year, p->mon, p->day) * 86400 +
	    p->hour * 3600 + p->min * 60 + p->sec - p->off;
	return 0;
}

/* Read exactly n digits at *sp into *v; 0 on success. */
static int
digits(const char **sp, int n, int *v)
{
	int i;

	*v = 0;
	for (i = 0; i < n; i++) {
		if (!isdigit((unsigned char)(*sp)[i]))
			return -1;
		*v = *v * 10 + ((*sp)[i] - '0');
	}
	*sp += n;
	return 0;
}

/* Parse "Z", "+hh", "+hhmm" or "+hh:mm" at s into seconds; rest in *end. */
static int
iso_offset(const char *s, int *off, const char **end)
{
	int sign, h, m = 0;

	if (*s == 'Z' || *s == 'z') {
		*off = 0;
		*end = s + 1;
		return 0;
	}
	if (*s != '+' && *s != '-')
		return -1;
	sign = *s++ == '-' ? -1 : 1;
	if (digits(&s, 2, &h) != 0)
		return -1;
	if (*s == ':')
		s++;
	if (isdigit((unsigned char)*s) && digits(&s, 2, &m) != 0)
		return -1;
	if (h > 23 || m > 59)
		return -1;
	*off = sign * (h * 3600 + m * 60);
	*end = s;
	return 0;
}

/* Parse the time part "hh:mm[:ss[.frac]]" or "hhmm[ss]" of an ISO date. */
static int
iso_time(const char **sp, struct date_parts *p, int basic)
{
	const char *s = *sp;

	if (digits(&s, 2, &p->hour) != 0)
		return -1;
	if (!basic && *s++ != ':')
		return -1;
	if (digits(&s, 2, &p->min) != 0)
		return -1;
	if ((!basic && *s == ':') || (basic && isdigit((unsigned char)*s))) {
		if (!basic)
			s++;
		if (digits(&s, 2, &p->sec) != 0)
			return -1;
		if (*s == '.' || *s == ',')
			for (s++; isdigit((unsigned char)*s); s++)
				;
	}
	*sp = s;
	return 0;
}

/* RFC 3339 / ISO 8601: YYYY-MM-DD[(T| )hh:mm[:ss[.f]]][ ][Z|+hh[:mm]], or basic form. */
static int
parse_iso(const char *s, int64_t *out)
{
	struct date_parts p = { .mon = 1, .day = 1 };
	int basic;

	if (digits(&s, 4, &p.year) != 0)
		return -1;
	basic = isdigit((unsigned char)*s);
	if (!basic && *s++ != '-')
		return -1;
	if (digits(&s, 2, &p.mon) != 0)
		return -1;
	if ((basic || *s == '-') && (s += !basic, digits(&s, 2, &p.day) != 0))
		return -1;
	if (*s == 'T' || *s == 't' || (*s == ' ' && isdigit((unsigned char)s[1]))) {
		s++;
		if (iso_time(&s, &p, basic) != 0)
			return -1;
		while (*s == ' ')
			s++;
		if (*s != '\0' && iso_offset(s, &p.off, &s) != 0)
			return -1;
	}
	while (isspace((unsigned char)*s))
		s++;
	if (*s != '\0')
		return -1;
	return parts_to_epoch(&p, out);
}

/* Index of a word (first three letters, any case) in a table of n names, or -1. */
static int
find_name(const char *w, size_t len, const char **names, int n)
{
	int i;

	if (len < 3)
		return -1;
	for (i = 0; i < n; i++)
		if (strncmp(w, names[i], 3) == 0)
			return i;
	return -1;
}

/* Offset of a named zone in seconds, or -1 if unknown (sets *ok). */
static int
zone_offset(const char *w, int *ok)
{
	size_t i;

	for (i = 0; i < sizeof zones / sizeof zones[0]; i++)
		if (strcmp(w, zones[i].name) == 0) {
			*ok = 1;
			return zones[i].min * 60;
		}
	*ok = 0;
	return 0;
}

/* A word token: weekday, month, zone, "GMT+2", am/pm. */
static int
rfc_word(char *w, struct date_parts *p)
{
	size_t len = strlen(w);
	char *sign;
	int ok, m;

	if ((m = find_name(w, len, months, 12)) >= 0 && len <= 9 && !p->have_mon) {
		p->mon = m + 1;
		p->have_mon = 1;
		return 0;
	}
	if (find_name(w, len, wdays, 7) >= 0 && len <= 9)
		return 0;
	if (strcmp(w, "am") == 0 || strcmp(w, "pm") == 0) {
		if (!p->have_time || p->hour > 12 || p->hour == 0)
			return -1;
		if (w[0] == 'p' && p->hour < 12)
			p->hour += 12;
		else if (w[0] == 'a' && p->hour == 12)
			p->hour = 0;
		return 0;
	}
	sign = strpbrk(w, "+-");
	if (sign != NULL) {
		char zc = *sign;
		int extra, n, h, mm = 0;

		*sign = '\0';
		p->off = zone_offset(w, &ok);
		if (!ok || sign[1] == '\0')
			return -1;
		n = sscanf(sign + 1, "%2d:%2d", &h, &mm);
		if (n == 1)
			n = sscanf(sign + 1, "%2d%2d", &h, &mm);
		if (n < 1 || h > 23 || mm > 59)
			return -1;
		extra = (h * 3600 + mm * 60) * (zc == '-' ? -1 : 1);
		p->off += extra;
		p->have_off = 1;
		return 0;
	}
	p->off = zone_offset(w, &ok);
	if (!ok)
		return -1;
	p->have_off = 1;
	return 0;
}

/* A time token "h:mm[:ss]". */
static int
rfc_time(const char *w, struct date_parts *p)
{
	int n, c = 0;

	if (p->have_time)
		return -1;
	n = sscanf(w, "%2d:%2d:%2d%n", &p->hour, &p->min, &p->sec, &c);
	if (n != 3) {
		p->sec = 0;
		c = 0;
		n = sscanf(w, "%2d:%2d%n", &p->hour, &p->min, &c);
		if (n != 2)
			return -1;
	}
	if (w[c] == '.' || w[c] == ',')
		for (c++; isdigit((unsigned char)w[c]); c++)
			;
	if (w[c] != '\0')
		return -1;
	p->have_time = 1;
	return 0;
}

/* A numeric token: "+hhmm" zone, day or year. */
static int
rfc_number(const char *w, struct date_parts *p)
{
	size_t len = strlen(w);
	const char *end;
	int v;

	if (*w == '+' || *w == '-') {
		if (p->have_off || iso_offset(w, &p->off, &end) != 0 || *end != '\0')
			return -1;
		p->have_off = 1;
		return 0;
	}
	if (len > 4 || strspn(w, "0123456789") != len)
		return -1;
	v = (int)strtol(w, NULL, 10);
	if (len <= 2 && !p->have_day && v >= 1 && v <= 31 &&
	    (!p->have_year || p->have_mon)) {
		p->day = v;
		p->have_day = 1;
	} else if (!p->have_year) {
		if (len <= 2)
			v += v < 50 ? 2000 : 1900;
		else if (len == 3)
			v += 1900;
		p->year = v;
		p->have_year = 1;
	} else
		return -1;
	return 0;
}

/* Split a date into tokens at spaces, commas, and between letters and digits. */
static int
rfc_tokens(char *s, struct date_parts *p)
{
	char *w;
	int rc;

	for (w = strtok(s, " \t\r\n,"); w != NULL; w = strtok(NULL, " \t\r\n,")) {
		size_t len = strlen(w);

		if (w[0] == '(' && w[len - 1] == ')')
			continue;	/* "(PST)" comments */
		if (len > 1 && w[len - 1] == '.')
			w[--len] = '\0';	/* "Jan." */
		if (isalpha((unsigned char)w[0]))
			rc = rfc_word(w, p);
		else if (strchr(w, ':') != NULL && isdigit((unsigned char)w[0]))
			rc = rfc_time(w, p);
		else
			rc = rfc_number(w, p);
		if (rc != 0)
			return -1;
	}
	return 0;
}

/* RFC 822 as feeds write it: tokens in any sensible order. */
static int
parse_rfc822(const char *s, int64_t *out)
{
	char buf[DATE_MAX_LEN], *d;
	struct date_parts p = { 0 };

	for (d = buf; *s != '\0' && d < buf + sizeof buf - 1; s++)
		*d++ = (char)tolower((unsigned char)*s);
	*d = '\0';
	/* "01-Jan-2020" (RFC 850) and "2020/01/02" are dash/slash separated. */
	for (d = buf; *d != '\0'; d++)
		if ((*d == '-' || *d == '/') && d > buf && isalnum((unsigned char)d[-1]) &&
		    isalnum((unsigned char)d[1]) && !isalpha((unsigned char)d[-1]))
			*d = ' ';
		else if (*d == '-' && d > buf && isalpha((unsigned char)d[-1]) &&
		    isdigit((unsigned char)d[1]) && strchr(buf, ':') != NULL &&
		    strchr(d, ':') != NULL)
			*d = ' ';
	if (rfc_tokens(buf, &p) != 0 || !p.have_year || !p.have_mon || !p.have_day)
		return -1;
	return parts_to_epoch(&p, out);
}

/* Parse a date in any of the supported forms. */
int
text_date_parse(const char *s, int64_t *out)
{
	time_t t;

	if (s == NULL)
		return -1;
	while (isspace((unsigned char)*s))
		s++;
	if (*s == '\0' || strlen(s) >= DATE_MAX_LEN)
		return -1;
	if (parse_iso(s, out) == 0 || parse_rfc822(s, out) == 0)
		return 0;
	t = curl_getdate(s, NULL);
	if (t == -1)
		return -1;
	*out = t;
	return 0;
}

/* Civil date of a day count (inverse of days_from_civil). */
static void
civil_from_days(int64_t z, int64_t *y, int *m, int *d)
{
	int64_t era, doe, yoe, doy, mp;

	z += 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = z - era * 146097;
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	*d = (int)(doy - (153 * mp + 2) / 5 + 1);
	*m = (int)(mp < 10 ? mp + 3 : mp - 9);
	*y = yoe + era * 400 + (*m <= 2);
}

/* Format seconds as ISO 8601 UTC. */
char *
text_date_format(int64_t t, char *buf, size_t len)
{
	int64_t days = t / 86400, rem = t % 86400, y;
	int m, d;

	if (rem < 0) {
		rem += 86400;
		days--;
	}
	civil_from_days(days, &y, &m, &d);
	snprintf(buf, len, "%04lld-%02d-%02dT%02d:%02d:%02dZ", (long long)y, m, d,
	    (int)(rem / 3600), (int)(rem / 60 % 60), (int)(rem % 60));
	return buf;
}
