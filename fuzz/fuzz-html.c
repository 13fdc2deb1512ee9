/*
 * fuzz-html: libFuzzer harness for the html part. The first byte picks a charset
 * argument; the rest is the page, given to html_extract, html_discover_feeds and
 * html_list_links (the heuristic, and a fixed XPath selector).
 */
#include "config.h"

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include <libxml/parser.h>

#include "html.h"

int LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const charsets[] = { NULL, "utf-8", "iso-8859-2",
	    "windows-1252", "bogus" };
	const char *buf = (const char *)data + 1, *cs;
	const char *base = "https://www.example.com/news/page.html";
	struct html_article *a;
	struct html_link *l;
	char **v, *cause = NULL;
	size_t n, len;

	if (size < 1)
		return 0;
	cs = charsets[data[0] % 5];
	len = size - 1;
	a = html_extract(buf, len, base, cs);
	html_article_free(a);
	v = html_discover_feeds(buf, len, base, cs);
	html_strings_free(v);
	if (html_list_links(buf, len, base, cs, NULL, NULL, &l, &n, &cause) == 0)
		html_links_free(l, n);
	free(cause);
	cause = NULL;
	if (html_list_links(buf, len, base, cs, "//article//a | //h2", "string(.)",
	    &l, &n, &cause) == 0)
		html_links_free(l, n);
	free(cause);
	return 0;
}
