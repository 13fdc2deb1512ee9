/*
 * fuzz-feed: feed_parse on arbitrary bytes; the first byte picks an HTTP charset
 * and whether a base URL is given, so every decoding path is reached.
 */
#include "config.h"

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/parser.h>

#include "../src/feed.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *charsets[] = { NULL, "utf-8", "iso-8859-1", "koi8-r",
	    "shift_jis", "bogus" };
	struct feed *f;
	size_t i;
	char *cause = NULL;

	if (size < 1 || size > 1024 * 1024)
		return 0;
	f = feed_parse((const char *)data + 1, size - 1,
	    data[0] & 0x80 ? "https://fuzz.example/a/b" : NULL,
	    charsets[(data[0] & 0x7f) % 6], &cause);
	if (f != NULL)
		for (i = 0; i < f->nentries; i++)
			if (f->entries[i].id == NULL || strlen(f->entries[i].id) == 0)
				__builtin_trap();
	feed_free(f);
	free(cause);
	return 0;
}
