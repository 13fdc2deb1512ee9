/*
 * fuzz-feed: feed_parse on arbitrary bytes; the first byte picks an HTTP charset
 * and whether a base URL is given, so every decoding path is reached. Every entry
 * has an id, its text fields are valid UTF-8, and its raw bytes (the old SHA-256
 * fingerprint's input) are readable. Short inputs are also taken as a link: the
 * short way of resolving it (feed_url.c) must give what curl_url gives. The fast
 * path for runs of text (feed_xml.c), cutting the input after every '>', must
 * give what libxml2 alone gives unless the document is not well-formed (or no
 * feed) either way: libxml2's push parser then recovers differently from
 * different cuts (errors met in another order, a tag or run read in more or fewer
 * pieces).
 */
#include "config.h"

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/parser.h>

#include "../src/feed.h"
#include "../src/feed_int.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

/* Trap unless s (NULL: absent) is valid UTF-8. */
static void
check_utf8(const char *s)
{
	if (s != NULL && !feed_text_utf8_valid(s, strlen(s)))
		__builtin_trap();
}

/* The properties of one entry. */
static void
check_entry(const struct feed_entry *e)
{
	unsigned char md[FEED_FP_LEN_SHA256];
	size_t i;

	if (e->id == NULL || strlen(e->id) == 0)
		__builtin_trap();
	check_utf8(e->id);
	check_utf8(e->title);
	check_utf8(e->link);
	check_utf8(e->summary);
	check_utf8(e->content);
	for (i = 0; i < e->nenclosures; i++)
		check_utf8(e->enclosures[i].url);
	feed_fingerprint_sha256(e, md);
}

/* A link resolved the short way and by curl alone: the same, or trap. */
static void
check_link(const uint8_t *data, size_t size)
{
	static const char *bases[] = { "https://fuzz.example/a/b",
	    "http://Fuzz.Example:8080/a/?q#f", "https://u@[::1]/a/../b/" };
	struct feed_base b = { 0 };
	char *ref = strndup((const char *)data + 1, size - 1), *fast, *slow;
	const char *base = bases[data[0] % 3];

	if (ref == NULL)
		return;
	fast = feed_url_resolve(&b, base, ref);
	slow = feed_url_resolve(NULL, base, ref);
	if ((fast == NULL) != (slow == NULL) || (fast != NULL && strcmp(fast, slow) != 0))
		__builtin_trap();
	free(fast);
	free(slow);
	free(ref);
	feed_base_free(&b);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *charsets[] = { NULL, "utf-8", "iso-8859-1", "koi8-r",
	    "shift_jis", "bogus" };
	struct feed *f, *slow;
	const char *base = data[0] & 0x80 ? "https://fuzz.example/a/b" : NULL;
	const char *charset;
	size_t i;
	char *cause = NULL;

	if (size < 1 || size > 1024 * 1024)
		return 0;
	if (size < 128)
		check_link(data, size);
	charset = charsets[(data[0] & 0x7f) % 6];
	feed_fast_run = 1;
	f = feed_parse((const char *)data + 1, size - 1, base, charset, &cause);
	if (f != NULL)
		for (i = 0; i < f->nentries; i++)
			check_entry(&f->entries[i]);
	feed_fast_run = 0;
	slow = feed_parse((const char *)data + 1, size - 1, base, charset, NULL);
	if (((f != NULL && !f->bozo) || (slow != NULL && !slow->bozo)) &&
	    feed_diff(f, slow) != NULL)
		__builtin_trap();
	feed_free(slow);
	feed_free(f);
	free(cause);
	return 0;
}
