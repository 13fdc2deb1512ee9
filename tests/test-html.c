/*
 * test-html: the html part. Each page of tests/pages/ (NAME.html with the
 * hand-made NAME.txt and NAME.fields) is extracted and checked field by field
 * and by word-4-gram shingle F1 (each page's F1 as a diag line; each page must
 * reach 0.85, the average 0.95). Then feed autodiscovery, the listing page with
 * and without selectors, a bad XPath, robots.txt rules, dates, and hostile input.
 */
#include "../src/html.c"

#include <errno.h>
#include <stdio.h>
#include <time.h>

#include "tap.h"
#include "shingle.h"

/* A string literal and its length. */
#define LIT(s) s, sizeof(s) - 1

static const char *const pages[] = { "news-nav", "blog-wp", "aggregator",
	"comments-heavy", "gallery", "liveblog", "paywall", "jsonld-only", "german",
	"french", "polish", "table-list", "minimal", "oldschool", "div-soup",
	"teasers", "spanish", "newsletter", "recipe", "interview", "italian", "russian", "br-blog",
	"unmarked-comments", NULL };

/* Read a fixture below $top_srcdir/tests/pages; exits on failure. */
static char *
slurp(const char *name, size_t *len)
{
	const char *top = getenv("top_srcdir");
	char path[4096], *buf = NULL;
	size_t n = 0, r;
	FILE *f;

	snprintf(path, sizeof path, "%s/tests/pages/%s", top != NULL ? top : ".", name);
	if ((f = fopen(path, "rb")) == NULL) {
		printf("Bail out! %s: %s\n", path, strerror(errno));
		exit(1);
	}
	do {
		buf = xrealloc(buf, n + 65537);
		n += r = fread(buf + n, 1, 65536, f);
	} while (r > 0);
	fclose(f);
	buf[n] = '\0';
	if (len != NULL)
		*len = n;
	return buf;
}

/* A field of a NAME.fields file ("key: value"), "" when empty (caller frees). */
static char *
field(const char *fields, const char *key)
{
	size_t kl = strlen(key);

	for (const char *p = fields; *p != '\0'; p = strchr(p, '\n') + 1) {
		if (strncmp(p, key, kl) == 0 && p[kl] == ':') {
			p += kl + 1;
			while (*p == ' ')
				p++;
			return xstrndup(p, strcspn(p, "\n"));
		}
		if (strchr(p, '\n') == NULL)
			break;
	}
	return xstrdup("");
}

/* Format a Unix time as ISO 8601 UTC ("" for 0). */
static void
iso(int64_t t, char *out, size_t size)
{
	time_t tt = (time_t)t;
	struct tm tm;

	*out = '\0';
	if (t != 0 && gmtime_r(&tt, &tm) != NULL)
		strftime(out, size, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* Strip the final newline of an expected text. */
static void
chomp(char *s)
{
	size_t n = strlen(s);

	while (n > 0 && s[n - 1] == '\n')
		s[--n] = '\0';
}

/* Check one page; return its F1. */
static double
check_page(const char *name)
{
	char file[256], *html, *fields, *want, *url, *f, when[32];
	struct html_article *a;
	size_t len;
	double f1;

	snprintf(file, sizeof file, "%s.html", name);
	html = slurp(file, &len);
	snprintf(file, sizeof file, "%s.fields", name);
	fields = slurp(file, NULL);
	snprintf(file, sizeof file, "%s.txt", name);
	want = slurp(file, NULL);
	chomp(want);
	url = field(fields, "url");
	a = html_extract(html, len, url, NULL);
	ok(a != NULL, "%s: extracted", name);
	f = field(fields, "title");
	is_str(a->title, *f ? f : NULL, "%s: title", name);
	free(f);
	f = field(fields, "byline");
	is_str(a->byline, *f ? f : NULL, "%s: byline", name);
	free(f);
	f = field(fields, "published");
	iso(a->published, when, sizeof when);
	is_str(when, f, "%s: published", name);
	free(f);
	f = field(fields, "canonical");
	is_str(a->canonical, *f ? f : NULL, "%s: canonical", name);
	free(f);
	f1 = shingle_f1(a->text, want);
	diag("%-16s F1 %.3f (%zu bytes of text, %zu expected)", name, f1,
	    strlen(a->text), strlen(want));
	ok(f1 >= 0.85, "%s: text F1 %.3f >= 0.85", name, f1);
	if (f1 < 0.85)
		printf("# --- got:\n%s\n# ---\n", a->text);
	html_article_free(a);
	free(url);
	free(want);
	free(fields);
	free(html);
	return f1;
}

/* The language of a few pages: <html lang>, Content-Language, JSON-LD. */
static void
test_lang(void)
{
	static const char *const t[][2] = { { "news-nav", "en" }, { "german", "de" },
	    { "french", "fr" }, { "polish", "pl" }, { "spanish", "es" },
	    { "italian", "it" }, { "jsonld-only", "en" }, { "oldschool", NULL } };
	struct html_article *a;
	char file[64], *html, *fields, *url;
	size_t len;

	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
		snprintf(file, sizeof file, "%s.html", t[i][0]);
		html = slurp(file, &len);
		snprintf(file, sizeof file, "%s.fields", t[i][0]);
		fields = slurp(file, NULL);
		url = field(fields, "url");
		a = html_extract(html, len, url, NULL);
		is_str(a->lang, t[i][1], "%s: lang", t[i][0]);
		html_article_free(a);
		free(url);
		free(fields);
		free(html);
	}
}

/* The layout set: fields per page, F1 per page and on average. */
static void
test_pages(void)
{
	double sum = 0;
	int n = 0;

	for (const char *const *p = pages; *p != NULL; p++, n++)
		sum += check_page(*p);
	diag("average F1 %.4f over %d pages", sum / n, n);
	ok(n >= 15, "at least 15 layouts (%d)", n);
	ok(sum / n >= 0.95, "average F1 %.4f >= 0.95", sum / n);
}

/* The F1 measure itself. */
static void
test_f1(void)
{
	ok(shingle_f1("a b c d e", "a b c d e") == 1.0, "F1: identical");
	ok(shingle_f1("", "") == 1.0, "F1: both empty");
	ok(shingle_f1("one two three four", "") == 0.0, "F1: nothing extracted");
	ok(shingle_f1("One, two; THREE four five", "one two three four five") == 1.0,
	    "F1: punctuation and case ignored");
	/* 5 shingles against 3: 3 shared -> 2*3/8 */
	ok(shingle_f1("a b c d e f g h", "a b c d e f") == 0.75, "F1: partial");
}

/* Feed autodiscovery on the listing page and inline pages. */
static void
test_discover(void)
{
	const char *base = "https://www.harbourtonpost.example/news/local";
	const char *b2 = "<html><head><base href=\"https://cdn.example.org/x/\">"
	    "<link rel=\"Alternate feed\" type=\"application/feed+json; charset=utf-8\" "
	    "href=\"feed.json\"><link rel=alternate type=text/html href=/other>"
	    "<link rel=\"alternate\" type=\"application/rss+xml\" href=\"javascript:x\">"
	    "</head><body><link rel=alternate type=application/json href=/j></body></html>";
	size_t len;
	char *html = slurp("listing.html", &len), **v;

	v = html_discover_feeds(html, len, base, NULL);
	ok(v[0] != NULL && strcmp(v[0],
	    "https://www.harbourtonpost.example/news/local/rss.xml") == 0,
	    "discover: relative RSS link resolved");
	ok(v[0] != NULL && v[1] != NULL && strcmp(v[1],
	    "https://feeds.harbourtonpost.example/local.atom") == 0,
	    "discover: absolute Atom link");
	ok(v[0] != NULL && v[1] != NULL && v[2] == NULL,
	    "discover: duplicate and non-feed alternates skipped");
	html_strings_free(v);
	v = html_discover_feeds(b2, strlen(b2), "http://example.com/", NULL);
	ok(v[0] != NULL && strcmp(v[0], "https://cdn.example.org/x/feed.json") == 0,
	    "discover: <base href>, type parameters, rel token list");
	ok(v[0] != NULL && v[1] != NULL && strcmp(v[1], "https://cdn.example.org/j") == 0 &&
	    v[2] == NULL, "discover: link in body; javascript: refused");
	html_strings_free(v);
	v = html_discover_feeds(LIT("<p>no feeds"), NULL, NULL);
	ok(v[0] == NULL, "discover: none");
	html_strings_free(v);
	v = html_discover_feeds("", 0, NULL, NULL);
	ok(v != NULL && v[0] == NULL, "discover: empty body");
	html_strings_free(v);
	free(html);
}

/* Is url among the links? */
static int
has_link(struct html_link *l, size_t n, const char *url, const char *title)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(l[i].url, url) == 0)
			return title == NULL || strcmp(l[i].title, title) == 0;
	return 0;
}

/* The listing page with and without selectors. */
static void
test_listing(void)
{
	const char *base = "https://www.harbourtonpost.example/news/local";
	const char *site = "https://www.harbourtonpost.example";
	struct html_link *l;
	size_t len, n;
	char *html = slurp("listing.html", &len), *cause = NULL, url[256];

	ok(html_list_links(html, len, base, NULL, NULL, NULL, &l, &n, &cause) == 0,
	    "listing: heuristic");
	for (size_t i = 0; i < n; i++)
		diag("heuristic link %zu: %s \"%s\"", i, l[i].url, l[i].title);
	is_int(n, 4, "listing: heuristic finds the four articles");
	snprintf(url, sizeof url, "%s/news/2026/03/ferry-terminal-to-close", site);
	ok(has_link(l, n, url, "Harbourton votes to close century-old ferry terminal"),
	    "listing: image link and fragment merged, headline as title");
	snprintf(url, sizeof url, "%s/news/item/48213", site);
	ok(has_link(l, n, url, NULL), "listing: numeric id path");
	snprintf(url, sizeof url, "%s/sport/2026/03/rovers-win-derby", site);
	ok(!has_link(l, n, url, NULL), "listing: sidebar skipped");
	ok(!has_link(l, n, "https://ads.example.net/click?id=7", NULL),
	    "listing: other site skipped");
	html_links_free(l, n);

	ok(html_list_links(html, len, base, NULL, "//h2[@class='card-title']",
	    NULL, &l, &n, &cause) == 0, "listing: link_xpath on the heading");
	is_int(n, 5, "listing: one link per matching heading");
	ok(has_link(l, n, "https://ads.example.net/click?id=7", NULL),
	    "listing: selectors are trusted (other site kept)");
	html_links_free(l, n);

	ok(html_list_links(html, len, base, NULL, "//article/a/@href",
	    "normalize-space(../../h2)", &l, &n, &cause) == 0,
	    "listing: attribute nodes and title_xpath");
	snprintf(url, sizeof url, "%s/news/2026/03/ferry-terminal-to-close", site);
	ok(n == 1 && has_link(l, n, url,
	    "Harbourton votes to close century-old ferry terminal"),
	    "listing: title_xpath evaluated from the matched node");
	html_links_free(l, n);

	ok(html_list_links(html, len, base, NULL, "//h2[", NULL, &l, &n, &cause) == -1,
	    "listing: bad link_xpath fails");
	ok(cause != NULL && strstr(cause, "link_xpath") != NULL, "bad XPath cause: %s",
	    cause != NULL ? cause : "(none)");
	free(cause);
	cause = NULL;
	ok(html_list_links(html, len, base, NULL, "//a", "1 +", &l, &n, &cause) == -1 &&
	    cause != NULL && strstr(cause, "title_xpath") != NULL,
	    "listing: bad title_xpath fails: %s", cause != NULL ? cause : "(none)");
	free(cause);
	cause = NULL;
	ok(html_list_links(html, len, base, NULL, "//a", "count(", &l, &n, &cause) == -1 &&
	    cause != NULL && strstr(cause, "title_xpath") != NULL,
	    "listing: title_xpath failing at run time: %s", cause ? cause : "(none)");
	free(cause);
	cause = NULL;
	ok(html_list_links(html, len, base, NULL, "count(//a)", NULL, &l, &n, &cause) == -1,
	    "listing: XPath that selects no nodes fails: %s", cause ? cause : "");
	free(cause);
	cause = NULL;
	ok(html_list_links(html, len, base, NULL, "//a[foo:bar()]", NULL, &l, &n,
	    &cause) == -1, "listing: unknown function fails: %s", cause ? cause : "");
	free(cause);
	free(html);
}

/* robots.txt: a table of files, agents, paths and verdicts. */
static void
test_robots(void)
{
	static const char rules[] =
	    "# comment\n"
	    "User-agent: *\n"
	    "Disallow: /private/\n"
	    "Allow: /private/open.html\n"
	    "Disallow: /*.pdf$\n"
	    "Disallow: /search\n"
	    "\n"
	    "User-agent: otherbot\n"
	    "User-agent: Newswatch\n"
	    "Disallow: /\n"
	    "Allow: /news/\n"
	    "Disallow: /news/drafts\n"
	    "Allow: /news/drafts/public$\n"
	    "Disallow: /*/print\n"
	    "Sitemap: https://example.com/sitemap.xml\n";
	static const struct {
		const char	*agent;
		const char	*path;
		int		 allowed;
	} t[] = {
		{ "somebot/1.0", "/", 1 },
		{ "somebot/1.0", "/private/x", 0 },
		{ "somebot/1.0", "/private/open.html", 1 },
		{ "somebot/1.0", "/docs/a.pdf", 0 },
		{ "somebot/1.0", "/docs/a.pdf?x=1", 1 },
		{ "somebot/1.0", "/searching", 0 },
		{ "somebot/1.0", "/robots.txt", 1 },
		{ "newswatch/0.1 (+https://example.org)", "/", 0 },
		{ "newswatch/0.1 (+https://example.org)", "/private/x", 0 },
		{ "newswatch/0.1 (+https://example.org)", "/news/a", 1 },
		{ "newswatch/0.1 (+https://example.org)", "/news/drafts/1", 0 },
		{ "newswatch/0.1 (+https://example.org)", "/news/drafts/public", 1 },
		{ "newswatch/0.1 (+https://example.org)", "/news/drafts/public2", 0 },
		{ "newswatch/0.1 (+https://example.org)", "/news/x/print", 0 },
		{ "newswatch/0.1 (+https://example.org)", "/robots.txt", 1 },
		{ "NEWSWATCH", "/news/", 1 },
	};
	struct robots *r;

	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
		r = robots_parse(rules, sizeof rules - 1, t[i].agent);
		is_int(robots_allowed(r, t[i].path), t[i].allowed, "robots: %s %s",
		    t[i].agent, t[i].path);
		robots_free(r);
	}
	r = robots_parse(LIT("User-agent: *\r\nDisallow: /a\r\nAllow: /a\r\n"), "x");
	ok(robots_allowed(r, "/a/b"), "robots: allow wins a tie (CRLF lines)");
	robots_free(r);
	r = robots_parse(LIT("User-agent: *\nDisallow:\n"), "x");
	ok(robots_allowed(r, "/anything"), "robots: empty Disallow allows");
	robots_free(r);
	r = robots_parse(LIT("garbage\0\xff\nUser-agent: x\nDisallow: /"), "x");
	ok(!robots_allowed(r, "/a"), "robots: junk before a group is ignored");
	robots_free(r);
	r = robots_parse(LIT("User-agent: *\nDisallow: /a*b*c*d*e*f$\n"), "x");
	ok(robots_allowed(r, "/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"),
	    "robots: many wildcards, no match");
	ok(!robots_allowed(r, "/a1b2c3d4e5f"), "robots: many wildcards, match");
	robots_free(r);
	r = robots_parse(LIT("User-agent: *\nDisallow: /a\0\0\0\0b\n"), "x");
	ok(!robots_allowed(r, "/a") && robots_allowed(r, "/b"),
	    "robots: a NUL ends a pattern");
	robots_free(r);
	ok(robots_allowed(NULL, "/x"), "robots: no robots.txt allows");
	r = robots_parse(NULL, 0, NULL);
	ok(robots_allowed(r, "/x"), "robots: empty file allows");
	robots_free(r);
}

/* ISO 8601 dates and the registrable host. */
static void
test_helpers(void)
{
	int64_t t;

	ok(text_date_parse("2026-03-03T18:45:00Z", &t) == 0 && t == 1772563500, "date: Z");
	ok(text_date_parse("2026-03-03T19:45:00+01:00", &t) == 0 && t == 1772563500,
	    "date: offset");
	ok(text_date_parse("2026-03-03T13:45:00.123-0500", &t) == 0 && t == 1772563500,
	    "date: fraction and offset without colon");
	ok(text_date_parse("2026-03-03", &t) == 0 && t == 1772496000, "date: date only");
	ok(text_date_parse("1969-12-31T23:59:59Z", &t) == 0 && t == -1, "date: before 1970");
	ok(text_date_parse("2026-13-01", &t) == -1, "date: bad month");
	ok(text_date_parse("March 3, 2026", &t) == -1 || t == 1772496000,
	    "date: a written-out date, if read, is right");
	ok(text_date_parse("yesterday", &t) == -1, "date: not a date");
	ok(text_date_parse("2026-03-03T18:4", &t) == -1, "date: truncated");
	is_str(registrable("www.bbc.co.uk"), "bbc.co.uk", "registrable: co.uk");
	is_str(registrable("news.example.com"), "example.com", "registrable: com");
	is_str(registrable("example.de"), "example.de", "registrable: two labels");
	is_str(registrable("localhost"), "localhost", "registrable: one label");
}

/* Deep nesting, a huge attribute, no body, binary junk, truncation. */
static void
test_hostile(void)
{
	struct buf b = { NULL, 0, 0, 0 };
	struct html_article *a;
	struct html_link *l;
	char *cause = NULL, **v;
	size_t n;

	for (int i = 0; i < 100000; i++)
		buf_add(&b, "<div>");
	buf_add(&b, "<p>Deep, deep down, there is a paragraph of text that nobody reads.</p>");
	a = html_extract(b.s, b.len, NULL, NULL);
	ok(a != NULL, "hostile: 100000 nested divs");
	html_article_free(a);
	ok(html_list_links(b.s, b.len, NULL, NULL, NULL, NULL, &l, &n, &cause) == 0,
	    "hostile: nested divs listing");
	html_links_free(l, n);
	free(b.s);
	memset(&b, 0, sizeof b);
	buf_add(&b, "<html><head><title>T</title></head><body><p class=\"");
	for (int i = 0; i < 200000; i++)
		buf_add(&b, "article-body ");
	buf_add(&b, "\" title=\"");
	for (int i = 0; i < 500000; i++)
		buf_add(&b, "xxxxxxxxxx");
	buf_add(&b, "\">The only paragraph of this page has a very large class and title.</p>");
	a = html_extract(b.s, b.len, NULL, NULL);
	ok(a != NULL && strstr(a->text, "only paragraph") != NULL,
	    "hostile: 7.6 MB of attributes");
	html_article_free(a);
	free(b.s);
	a = html_extract(LIT("<html><head><title>Only a head</title></head></html>"),
	    NULL, NULL);
	ok(a != NULL && *a->text == '\0' && a->title != NULL, "hostile: no body");
	html_article_free(a);
	a = html_extract(LIT("\0\1\2\xff\xfe<<<>>>&&&;"), NULL, "no-such-charset");
	ok(a != NULL, "hostile: binary junk, unknown charset");
	html_article_free(a);
	ok(html_extract("", 0, NULL, NULL) == NULL, "hostile: empty body");
	a = html_extract(LIT("<p>Caf\xe9 cr\xe8me au lait, the classic French breakfast drink."),
	    NULL, "iso-8859-1");
	ok(a != NULL && strstr(a->text, "Café crème") != NULL,
	    "charset argument honoured: %s", a ? a->text : "");
	html_article_free(a);
	memset(&b, 0, sizeof b);
	buf_add(&b, "<a href=\"/2026/01/a-b-c\">a b cd ");
	for (int i = 0; i < 700; i++)
		buf_add(&b, "\xc5\xbc");	/* ż: the 1024-byte cut falls on a character */
	buf_add(&b, " x y</a>");
	ok(html_list_links(b.s, b.len, "http://e.example/", "utf-8", NULL, NULL, &l, &n,
	    &cause) == 0 && n == 1 && strlen(l[0].title) == 1023 &&
	    (unsigned char)l[0].title[1021] == 0xc5,
	    "hostile: long title cut between characters");
	html_links_free(l, n);
	free(b.s);
	memset(&b, 0, sizeof b);
	b.max = 5;
	buf_add(&b, "ab\xc5\xbc\xc5\xbc");
	is_str(b.s, "ab\xc5\xbc", "buffer cap cuts between characters");
	free(b.s);
	v = html_discover_feeds(LIT("<link rel=alternate type=application/rss+xml href=\""),
	    "http://x.example/", NULL);
	ok(v != NULL, "hostile: truncated link");
	html_strings_free(v);
}

int
main(void)
{
	test_f1();
	test_pages();
	test_lang();
	test_discover();
	test_listing();
	test_robots();
	test_helpers();
	test_hostile();
	xmlCleanupParser();
	return done_testing();
}
