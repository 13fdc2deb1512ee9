/* fuzz-dedup: dedup_fingerprint and text_url_canonical on hostile bytes. */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dedup.h"
#include "text_url.h"
#include "xmalloc.h"

int LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	struct dedup_fp	 a, b;
	char		*s = xmalloc(len + 1), *nl, *url;

	memcpy(s, data, len);
	s[len] = '\0';
	nl = memchr(s, '\n', len);
	if (nl != NULL)
		*nl = '\0';
	dedup_fingerprint(&a, nl != NULL ? nl + 1 : s, nl != NULL ?
	    len - (nl + 1 - s) : len, s);
	dedup_fingerprint(&b, s, strlen(s), NULL);
	(void)dedup_same(&a, &b, DEDUP_NEAR_DISTANCE);
	dedup_fp_clear(&a);
	dedup_fp_clear(&b);
	url = text_url_canonical(s, "https://example.com/base/");
	free(url);
	free(s);
	return 0;
}
