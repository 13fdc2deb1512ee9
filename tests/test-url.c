/* test-url: canonical URLs over a table of real-world shapes. */
#include "config.h"

#include <stdlib.h>

#include <curl/curl.h>

#include "tap.h"
#include "../src/text_url.c"

static const struct {
	const char	*url, *base, *want;
} cases[] = {
	/* host case, default port, fragment, dot segments */
	{ "HTTP://WWW.Example.COM:80/a/../b", NULL, "http://www.example.com/b" },
	{ "https://News.Example.org:443/story#comments", NULL,
	  "https://news.example.org/story" },
	{ "https://example.org:8443/x", NULL, "https://example.org:8443/x" },
	{ "http://example.org:443/x", NULL, "http://example.org:443/x" },
	{ "https://example.org", NULL, "https://example.org/" },
	{ "https://example.org./path/", NULL, "https://example.org/path/" },
	{ "  https://example.org/lead-space", NULL, "https://example.org/lead-space" },
	/* path case is significant */
	{ "https://example.org/World/Europe", NULL, "https://example.org/World/Europe" },
	/* user info is dropped */
	{ "https://user:pw@example.org/a", NULL, "https://example.org/a" },
	/* tracking parameters */
	{ "https://www.theguardian.com/world/2026/nov/27/floods-valencia?CMP=share_btn_tw",
	  NULL, "https://www.theguardian.com/world/2026/nov/27/floods-valencia" },
	{ "https://www.nytimes.com/2026/11/27/world/europe/spain-floods.html?smid=nytcore-ios-share&referringSource=articleShare",
	  NULL, "https://www.nytimes.com/2026/11/27/world/europe/spain-floods.html?referringSource=articleShare" },
	{ "https://example.com/news/item?id=42&utm_source=rss&utm_medium=rss&utm_campaign=x",
	  NULL, "https://example.com/news/item?id=42" },
	{ "https://example.com/a?utm_source=newsletter&p=7&fbclid=IwAR0abc&page=2",
	  NULL, "https://example.com/a?p=7&page=2" },
	{ "https://example.com/a?UTM_Source=x&Gclid=y", NULL, "https://example.com/a" },
	{ "https://example.com/a?mc_cid=1a2b&mc_eid=3c4d", NULL, "https://example.com/a" },
	{ "https://www.lemonde.fr/international/article/2026/11/27/x_123_3210.html?xtor=RSS-3208",
	  NULL, "https://www.lemonde.fr/international/article/2026/11/27/x_123_3210.html" },
	{ "https://www.bbc.co.uk/news/world-123?at_medium=RSS&at_campaign=KARANGA",
	  NULL, "https://www.bbc.co.uk/news/world-123" },
	{ "https://www.instagram.com/p/abc/?igshid=MzRlODBiNWFlZA==", NULL,
	  "https://www.instagram.com/p/abc/" },
	{ "https://example.com/a?&&b=1&&", NULL, "https://example.com/a?b=1" },
	{ "https://example.com/a?", NULL, "https://example.com/a" },
	{ "https://example.com/a?b=2&a=1", NULL, "https://example.com/a?b=2&a=1" },
	{ "https://example.com/a?flag&utm_term=x", NULL, "https://example.com/a?flag" },
	/* "utm" alone, a prefix look-alike and a parameter named like one are kept */
	{ "https://example.com/a?utm=1&utmost=2", NULL,
	  "https://example.com/a?utm=1&utmost=2" },
	/* relative references */
	{ "/2026/11/28/story.html", "https://Example.com/feed.xml",
	  "https://example.com/2026/11/28/story.html" },
	{ "story.html?utm_source=feed#top", "https://example.com/news/index.html",
	  "https://example.com/news/story.html" },
	{ "../up/x", "https://example.com/a/b/c", "https://example.com/a/up/x" },
	{ "//cdn.Example.net/x", "https://example.com/", "https://cdn.example.net/x" },
	{ "https://other.example/x", "https://example.com/", "https://other.example/x" },
	/* refused: not http(s), unparsable, relative without base */
	{ "ftp://example.com/file", NULL, NULL },
	{ "mailto:desk@example.com", NULL, NULL },
	{ "javascript:alert(1)", "https://example.com/", NULL },
	{ "/relative/only", NULL, NULL },
	{ "http://exa mple.com/", NULL, NULL },
	{ "", NULL, NULL },
};

int
main(void)
{
	char	*got, *big;

	curl_global_init(CURL_GLOBAL_DEFAULT);
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		got = text_url_canonical(cases[i].url, cases[i].base);
		is_str(got, cases[i].want, "canonical %s", cases[i].url);
		free(got);
	}
	/* idempotent: the canonical form of a canonical form is itself */
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		char *again;

		if (cases[i].want == NULL)
			continue;
		again = text_url_canonical(cases[i].want, NULL);
		is_str(again, cases[i].want, "idempotent %s", cases[i].want);
		free(again);
	}
	ok(text_url_tracking("utm_content", 11), "utm_ prefix");
	ok(!text_url_tracking("id", 2), "id is not tracking");
	big = xmalloc(20000);
	memcpy(big, "https://example.com/", 20);
	memset(big + 20, 'a', 20000 - 21);
	big[19999] = '\0';
	ok(text_url_canonical(big, NULL) == NULL, "oversized URL refused");
	free(big);
	ok(text_url_canonical(NULL, NULL) == NULL, "NULL url");
	curl_global_cleanup();
	return done_testing();
}
