/*
 * text_date: feed and HTTP dates to Unix seconds (UTC), locale-independent.
 * Accepts RFC 822/1123 in its real-world forms (missing or wrong weekday, two-digit
 * years, named zones, "GMT+2", lowercase months, extra commas) and RFC 3339 / ISO 8601
 * variants (with or without seconds, fractions, Z or an offset, date only, T or space).
 */
#ifndef NW_TEXT_DATE_H
#define NW_TEXT_DATE_H

#include <stddef.h>
#include <stdint.h>

/* Parse s into *out (seconds since 1970 UTC); 0 on success, -1 if not a date. */
int	text_date_parse(const char *s, int64_t *out);

/* Format t as "YYYY-MM-DDThh:mm:ssZ" into buf (at least 32 bytes); return buf. */
char	*text_date_format(int64_t t, char *buf, size_t len);

#endif
