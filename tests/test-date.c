/*
 * test-date: a table of date strings as feeds write them and the epoch they mean.
 */
#include "../src/text_date.c"

#include <curl/curl.h>

#include "tap.h"

static const struct {
	const char	*in;
	int64_t		 want;	/* -1: must be rejected */
} cases[] = {
	/* RFC 822 / 1123 */
	{ "Sat, 07 Sep 2002 00:00:01 GMT", 1031356801 },
	{ "Sat, 07 Sep 2002 00:00:01 +0000", 1031356801 },
	{ "Sat, 7 Sep 2002 02:00:01 +0200", 1031356801 },
	{ "Fri, 06 Sep 2002 19:00:01 -0500", 1031356801 },
	{ "Fri, 06 Sep 2002 20:00:01 EDT", 1031356801 },
	{ "Fri, 06 Sep 2002 19:00:01 EST", 1031356801 },
	{ "Fri, 06 Sep 2002 17:00:01 PDT", 1031356801 },
	{ "Sat, 07 Sep 2002 02:00:01 CEST", 1031356801 },
	{ "Sat, 07 Sep 2002 01:00:01 CET", 1031356801 },
	{ "Sat, 07 Sep 2002 00:00:01 UT", 1031356801 },
	{ "Sat, 07 Sep 2002 00:00:01 Z", 1031356801 },
	{ "Sat, 07 Sep 2002 00:00:01", 1031356801 },
	/* the malformed ones */
	{ "07 Sep 2002 00:00:01 GMT", 1031356801 },		/* no weekday */
	{ "Mon, 07 Sep 2002 00:00:01 GMT", 1031356801 },	/* wrong weekday */
	{ "Saturday, 07 Sep 2002 00:00:01 GMT", 1031356801 },
	{ "Sat, 07 Sep 02 00:00:01 GMT", 1031356801 },		/* 2-digit year */
	{ "Sat, 07 sep 2002 00:00:01 gmt", 1031356801 },	/* lower case */
	{ "Sat, 07 SEP 2002 00:00:01 GMT", 1031356801 },
	{ "Sat, 07 September 2002 00:00:01 GMT", 1031356801 },
	{ "Sat,, 07 Sep, 2002, 00:00:01 GMT", 1031356801 },	/* extra commas */
	{ "Sat, 07 Sep 2002 02:00:01 GMT+2", 1031356801 },
	{ "Sat, 07 Sep 2002 02:00:01 GMT+02:00", 1031356801 },
	{ "Fri, 06 Sep 2002 19:00:01 UTC-5", 1031356801 },
	{ "Sat, 07 Sep 2002 05:30:01 +05:30", 1031356801 },
	{ "Sat, 07 Sep 2002 00:00 GMT", 1031356800 },		/* no seconds */
	{ "Sat, 7 Sep 2002 0:00:01 GMT", 1031356801 },
	{ "Sat Sep  7 00:00:01 2002", 1031356801 },		/* asctime */
	{ "Saturday, 07-Sep-02 00:00:01 GMT", 1031356801 },	/* RFC 850 */
	{ "Sep 7, 2002 12:00:01 AM GMT", 1031356801 },
	{ "Sep 7, 2002 1:00:01 PM GMT", 1031403601 },
	{ "  Sat, 07 Sep 2002 00:00:01 GMT  ", 1031356801 },
	{ "Sat, 07 Sep 2002 00:00:01 GMT (Coordinated)", 1031356801 },
	{ "Sat, 07 Sep 2002", 1031356800 },
	/* RFC 3339 / ISO 8601 */
	{ "2002-09-07T00:00:01Z", 1031356801 },
	{ "2002-09-07T00:00:01z", 1031356801 },
	{ "2002-09-07T00:00:01.123Z", 1031356801 },
	{ "2002-09-07T00:00:01,5Z", 1031356801 },
	{ "2002-09-07T02:00:01+02:00", 1031356801 },
	{ "2002-09-07T02:00:01+0200", 1031356801 },
	{ "2002-09-07T02:00:01+02", 1031356801 },
	{ "2002-09-06T19:00:01-05:00", 1031356801 },
	{ "2002-09-07 00:00:01Z", 1031356801 },
	{ "2002-09-07 00:00:01 +0000", 1031356801 },
	{ "2002-09-07T00:00:01", 1031356801 },			/* no zone: UTC */
	{ "2002-09-07T00:00Z", 1031356800 },			/* no seconds */
	{ "2002-09-07", 1031356800 },				/* date only */
	{ "20020907T000001Z", 1031356801 },			/* basic format */
	{ "2002-09", 1030838400 },
	{ "2000-02-29T12:00:00Z", 951825600 },
	{ "1970-01-01T00:00:00Z", 0 },
	{ "1969-12-31T23:59:59Z", -1 + 0 * 1 },
	{ "2038-01-19T03:14:08Z", 2147483648LL },
	{ "2002-09-07T24:00:00Z", 1031443200 },
	/* rejects */
	{ "", -2 },
	{ "yesterday", -2 },
	{ "sometime last week", -2 },
	{ "2002-13-01T00:00:00Z", -2 },
	{ "2001-02-29", -2 },
	{ "2002-09-07T25:00:00Z", -2 },
	{ "Sat, 32 Sep 2002 00:00:01 GMT", -2 },
	{ "Sat, 07 Foo 2002 00:00:01 GMT", -2 },
	{ "07 Sep 2002 00:00:01 XYZ", -2 },
};

int
main(void)
{
	char buf[64];
	size_t i;
	int64_t t;
	int rc;

	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		t = -12345;
		rc = text_date_parse(cases[i].in, &t);
		if (cases[i].want == -2)
			ok(rc == -1, "reject \"%s\"", cases[i].in);
		else if (ok(rc == 0 && t == cases[i].want, "\"%s\" -> %lld", cases[i].in,
		    (long long)cases[i].want) == 0)
			diag("rc %d, got %lld", rc, (long long)t);
	}
	is_str(text_date_format(1031356801, buf, sizeof buf), "2002-09-07T00:00:01Z",
	    "format");
	is_str(text_date_format(-1, buf, sizeof buf), "1969-12-31T23:59:59Z",
	    "format before 1970");
	ok(text_date_parse(NULL, &t) == -1, "NULL rejected");
	curl_global_cleanup();
	return done_testing();
}
