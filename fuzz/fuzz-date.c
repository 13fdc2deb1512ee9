/*
 * fuzz-date: text_date_parse on arbitrary strings; a parsed date must format and
 * parse back to the same second.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../src/text_date.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char s[256], buf[64];
	int64_t t, u;

	if (size >= sizeof s)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	if (text_date_parse(s, &t) != 0)
		return 0;
	if (t > -62135596800LL && t < 253402300800LL &&
	    (text_date_parse(text_date_format(t, buf, sizeof buf), &u) != 0 || u != t))
		__builtin_trap();
	return 0;
}
