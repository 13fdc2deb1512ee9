/*
 * fuzz-query: the query parser and compiler on arbitrary bytes, then one match
 * of the compiled query against a fixed article (and the query text itself), which
 * must give the same hits as evaluating it on the article's full term dictionary.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "match.h"
#include "text.h"
#include "xmalloc.h"

/* Describe every hit of the article (built on demand if it came without). */
static void
hit_cb(const struct match_hit *hits, size_t n, void *arg)
{
	struct match_hit full;

	(void)arg;
	for (size_t i = 0; i < n; i++) {
		match_hit_describe(&hits[i], &full);
		if (full.snippet == NULL)
			abort();
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct matcher *m;
	char *q, *cause = NULL;
	size_t hits;
	struct match_doc d = { "Tesla Inc: DeepSeek-Modelle", NULL,
	    "Europe’s EU and the US said Łódź", "https://example.com/a-b", "Src",
	    "Ann", "en" };

	if (size > 4096)
		return 0;
	q = xmalloc(size + 1);
	memcpy(q, data, size);
	q[size] = '\0';
	m = matcher_new();
	if (matcher_add(m, 1, q, size > 0 && data[0] == 'S' ? "english" : NULL,
	    &cause) == 0) {
		matcher_compile(m);
		d.text = q;
		hits = matcher_match(m, &d, 0, hit_cb, NULL);
		matcher_match(m, &d, MATCH_EVERY, hit_cb, NULL);
		if (matcher_match(m, &d, MATCH_EVERY | MATCH_ALLTERMS | MATCH_NOSNIPPET,
		    hit_cb, NULL) != hits)
			abort();	/* the vocabulary filter changed an answer */
	} else if (cause == NULL || strncmp(cause, "column ", 7) != 0) {
		if (cause == NULL || strstr(cause, "stemming") == NULL)
			abort();	/* every parse error names its column */
	}
	free(cause);
	matcher_free(m);
	free(q);
	return 0;
}
