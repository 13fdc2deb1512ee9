/*
 * test-feed: the fixture corpus in tests/feeds/ through feed_parse, checking the
 * fields that matter for each case; hostile documents are built in memory.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/parser.h>

#include "../src/feed.h"
#include "../src/feed_int.h"
#include "../src/xmalloc.h"
#include "tap.h"

/* Read tests/feeds/NAME into *len bytes. */
static char *
fixture(const char *name, size_t *len)
{
	const char *top = getenv("top_srcdir");
	char *path, *buf;
	FILE *f;
	long n;

	xasprintf(&path, "%s/tests/feeds/%s", top ? top : ".", name);
	if ((f = fopen(path, "rb")) == NULL) {
		printf("Bail out! cannot open %s\n", path);
		exit(1);
	}
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	rewind(f);
	buf = xmalloc((size_t)n + 1);
	*len = fread(buf, 1, (size_t)n, f);
	fclose(f);
	free(path);
	return buf;
}

/* Parse a fixture. */
static struct feed *
parse(const char *name, const char *base, const char *charset)
{
	size_t len;
	char *buf = fixture(name, &len), *cause = NULL;
	struct feed *f = feed_parse(buf, len, base, charset, &cause);

	if (f == NULL)
		diag("%s: %s", name, cause ? cause : "?");
	free(cause);
	free(buf);
	return f;
}

/* Skip the remaining checks of a case when parsing failed. */
#define NEED(f, name, n) do {						\
	if (!ok((f) != NULL && (f)->nentries >= (n), "%s parsed with %d entries", name, n)) \
		return;							\
} while (0)

static void
test_rss20(void)
{
	struct feed *f = parse("rss20.xml", NULL, NULL);
	struct feed_entry *e;

	NEED(f, "rss20", 2);
	e = &f->entries[0];
	is_str(f->format_name, "rss2.0", "rss20: format");
	ok(!f->bozo, "rss20: well-formed");
	is_str(f->title, "Example & News", "rss20: feed title decoded");
	is_str(f->link, "https://news.example.org/", "rss20: feed link (not image link)");
	is_str(f->language, "en-gb", "rss20: language");
	is_str(e->id, "tag:news.example.org,2024:flood", "rss20: guid");
	is_str(e->title, "Flood warning issued for River Severn", "rss20: HTML title reduced");
	is_str(e->link, "https://news.example.org/2024/flood", "rss20: link");
	is_int(e->published, 1709649000, "rss20: pubDate");
	is_int(e->nauthors, 1, "rss20: one author");
	is_str(e->authors[0].name, "Jane Editor", "rss20: author name from email (name)");
	is_str(e->authors[0].email, "editor@example.org", "rss20: author email");
	is_int(e->ncategories, 2, "rss20: categories");
	is_str(e->categories[1], "UK", "rss20: second category");
	is_str(e->summary, "<p>Residents were told to <em>prepare</em>.</p>",
	    "rss20: description unescaped to HTML");
	ok(e->content != NULL && strstr(e->content, "<a href=\"/rivers\">") != NULL &&
	    e->content_html, "rss20: content:encoded from CDATA");
	is_int(e->nenclosures, 1, "rss20: enclosure");
	is_int(e->enclosures[0].length, 123456, "rss20: enclosure length");
	is_str(e->enclosures[0].type, "audio/mpeg", "rss20: enclosure type");
	e = &f->entries[1];
	is_str(e->link, "https://news.example.org/2024/second", "rss20: permalink guid as link");
	is_str(e->authors[0].name, "John Smith", "rss20: dc:creator");
	is_int(e->published, 1709715600, "rss20: GMT date");
	ok(memcmp(f->entries[0].fingerprint, e->fingerprint, FEED_FP_LEN) != 0,
	    "rss20: fingerprints differ between entries");
	feed_free(f);
}

/* Replace the first "from" in s with "to" (same length). */
static void
patch(char *s, const char *from, const char *to)
{
	char *p = strstr(s, from);

	if (p != NULL)
		memcpy(p, to, strlen(to));
}

static void
test_fingerprint(void)
{
	size_t len;
	char *a = fixture("rss20.xml", &len), *b = xstrndup(a, len);
	struct feed *f, *g;

	patch(b, "Plain text summary.", "Plain text summarY.");
	f = feed_parse(a, len, NULL, NULL, NULL);
	g = feed_parse(b, len, NULL, NULL, NULL);
	if (ok(f && g && f->nentries == 2 && g->nentries == 2, "fingerprint: parsed")) {
		ok(memcmp(f->entries[0].fingerprint, g->entries[0].fingerprint, FEED_FP_LEN) == 0,
		    "fingerprint: unchanged entry keeps its fingerprint");
		ok(memcmp(f->entries[1].fingerprint, g->entries[1].fingerprint, FEED_FP_LEN) != 0,
		    "fingerprint: changed entry gets a new one");
	}
	feed_free(f);
	feed_free(g);
	free(a);
	free(b);
}

static void
test_rss09x(void)
{
	struct feed *f = parse("rss091.xml", NULL, NULL), *g;
	char id0[100];

	NEED(f, "rss091", 2);
	is_str(f->format_name, "rss0.91", "rss091: format");
	ok(f->entries[0].id_fallback && strncmp(f->entries[0].id, "urn:sha256:", 11) == 0,
	    "rss091: fallback id");
	snprintf(id0, sizeof id0, "%s", f->entries[0].id);
	ok(strcmp(f->entries[0].id, f->entries[1].id) != 0, "rss091: fallback ids differ");
	g = parse("rss091.xml", NULL, NULL);
	is_str(g ? g->entries[0].id : NULL, id0, "rss091: fallback id is stable");
	ok(g && memcmp(g->entries[0].fingerprint, f->entries[0].fingerprint, FEED_FP_LEN) == 0,
	    "rss091: fingerprint is stable");
	feed_free(g);
	feed_free(f);
	f = parse("rss092.xml", NULL, NULL);
	NEED(f, "rss092", 1);
	is_str(f->format_name, "rss0.92", "rss092: format");
	is_str(f->entries[0].summary, "An item with only a description and an enclosure.",
	    "rss092: description-only item kept");
	is_str(f->entries[0].enclosures[0].url, "http://v92.example.com/a.mp3",
	    "rss092: enclosure url");
	is_str(f->entries[0].categories[0], "Music", "rss092: category");
	feed_free(f);
	f = parse("rss090.rdf", NULL, NULL);
	NEED(f, "rss090", 1);
	is_str(f->format_name, "rss0.90", "rss090: format");
	is_str(f->title, "Netscape 0.90", "rss090: channel title, not image title");
	is_str(f->entries[0].link, "http://ns.example.com/90", "rss090: item link");
	feed_free(f);
}

static void
test_rss10(void)
{
	struct feed *f = parse("rss10.rdf", NULL, NULL);
	struct feed_entry *e;

	NEED(f, "rss10", 1);
	e = &f->entries[0];
	is_str(f->format_name, "rss1.0", "rss10: format");
	is_str(f->language, "de", "rss10: dc:language");
	is_str(e->id, "http://rdf.example.net/a", "rss10: rdf:about as id");
	is_str(e->authors[0].name, "Max Mustermann", "rss10: dc:creator");
	is_int(e->published, 1698909300, "rss10: dc:date with offset");
	is_str(e->categories[0], "Politik", "rss10: dc:subject");
	is_str(e->content, "<p>Der <b>ganze</b> Text.</p>", "rss10: content:encoded");
	is_str(e->summary, "Kurzfassung", "rss10: description");
	feed_free(f);
}

static void
test_atom10(void)
{
	struct feed *f = parse("atom10.xml", "https://ignored.example/", NULL);
	struct feed_entry *e;

	NEED(f, "atom10", 3);
	e = &f->entries[0];
	is_str(f->format_name, "atom1.0", "atom10: format");
	is_str(f->title, "Atom & Co", "atom10: title");
	is_str(f->link, "https://atom.example.com/blog/", "atom10: feed link via xml:base");
	is_str(f->language, "fr", "atom10: xml:lang");
	is_str(e->title, "Relative links", "atom10: html title reduced");
	is_str(e->link, "https://atom.example.com/blog/posts/1",
	    "atom10: text/html alternate preferred, resolved against xml:base");
	is_int(e->published, 1704787200, "atom10: published with offset");
	is_int(e->updated, 1704886245, "atom10: updated with fraction");
	is_int(e->nauthors, 2, "atom10: two authors");
	is_str(e->authors[0].email, "alice@example.com", "atom10: author email");
	is_str(e->authors[1].name, "Bob", "atom10: second author");
	is_str(e->categories[0], "tech", "atom10: category term");
	is_str(e->enclosures[0].url, "https://atom.example.com/blog/img/1.png",
	    "atom10: enclosure link resolved");
	is_int(e->enclosures[0].length, 2048, "atom10: enclosure length");
	is_str(e->summary, "A summary <not markup>", "atom10: text summary kept as text");
	ok(!e->summary_html, "atom10: summary is text");
	is_str(e->content, "<p>Hello <b>world</b> &amp; more</p><br>",
	    "atom10: xhtml content serialised without the wrapper div");
	is_str(f->entries[1].link, "https://other.example.net/dir/page.html",
	    "atom10: entry xml:base");
	is_str(f->entries[1].content, "<p>Escaped <i>HTML</i></p>", "atom10: html content");
	is_str(f->entries[2].content, "Plain <text>", "atom10: text content");
	ok(!f->entries[2].content_html, "atom10: text content flagged as text");
	feed_free(f);
}

static void
test_atom03(void)
{
	struct feed *f = parse("atom03.xml", NULL, NULL);
	struct feed_entry *e;

	NEED(f, "atom03", 1);
	e = &f->entries[0];
	is_str(f->format_name, "atom0.3", "atom03: format");
	is_int(e->published, 1122812969, "atom03: issued");
	is_int(e->updated, 1122883200, "atom03: modified");
	is_str(e->content, "<p>Escaped body</p>", "atom03: escaped content");
	is_str(e->authors[0].name, "Mark", "atom03: author");
	feed_free(f);
}

static void
test_json(void)
{
	struct feed *f = parse("json10.json", NULL, NULL);
	struct feed_entry *e;

	NEED(f, "json10", 2);
	is_str(f->format_name, "json1.0", "json10: format");
	is_str(f->entries[0].id, "12345", "json10: numeric id");
	is_str(f->entries[0].content, "Just text.", "json10: content_text");
	ok(!f->entries[0].content_html, "json10: text flagged");
	is_int(f->entries[0].published, 1583038799, "json10: date with offset");
	is_str(f->entries[0].authors[0].name, "Feed Author", "json10: feed author inherited");
	is_str(f->entries[1].authors[0].email, "item@example.org", "json10: mailto author");
	feed_free(f);
	f = parse("json11.json", "https://json11.example.org/feed.json", NULL);
	NEED(f, "json11", 2);
	e = &f->entries[0];
	is_str(f->format_name, "json1.1", "json11: format");
	is_str(f->title, "JSON Feed & Eleven", "json11: title");
	is_str(f->language, "en-US", "json11: language");
	is_str(e->link, "https://json11.example.org/posts/1", "json11: relative url resolved");
	is_str(e->content, "<p>HTML body</p>", "json11: content_html preferred");
	is_int(e->updated, 1622628000, "json11: date_modified");
	is_int(e->nauthors, 2, "json11: authors");
	is_int(e->ncategories, 2, "json11: tags");
	is_int(e->enclosures[0].length, 999, "json11: attachment size");
	ok(f->entries[1].id_fallback, "json11: missing id falls back");
	feed_free(f);
	f = parse("json-dup.json", NULL, NULL);
	ok(f != NULL && f->bozo, "json-dup: duplicate keys read, flagged bozo");
	feed_free(f);
	ok(parse("notjson.json", NULL, NULL) == NULL, "notjson: JSON but no feed -> NULL");
}

/* The first entry title of a fixture read with a charset. */
static void
check_title(const char *name, const char *charset, const char *want, int bozo)
{
	struct feed *f = parse(name, NULL, charset);

	if (!ok(f != NULL && f->nentries == 1, "%s: parsed", name))
		return;
	is_str(f->entries[0].title, want, "%s: title decoded (%s)", name,
	    f->encoding ? f->encoding : "?");
	is_int(f->bozo, bozo, "%s: bozo %d", name, bozo);
	feed_free(f);
}

static void
test_encodings(void)
{
	check_title("bom-utf8.xml", NULL, "Caf\xc3\xa9 \xe2\x80\x93 na\xc3\xafve", 0);
	check_title("bom-utf16le.xml", NULL, "Caf\xc3\xa9 \xe2\x80\x93 na\xc3\xafve", 0);
	check_title("bom-utf16be.xml", "iso-8859-1", "Caf\xc3\xa9 \xe2\x80\x93 na\xc3\xafve", 0);
	check_title("http-charset.xml", "ISO-8859-1", "Caf\xc3\xa9 na\xc3\xafve", 0);
	check_title("http-charset.xml", "utf-8", "Caf\xc3\xa9 na\xc3\xafve", 0);
	check_title("latin1-decl.xml", NULL, "Caf\xc3\xa9 na\xc3\xafve", 0);
	check_title("koi8r-decl.xml", NULL, "\xd0\x9f\xd1\x80\xd0\xb8\xd0\xb2\xd0\xb5\xd1\x82", 0);
	check_title("cp1252-undeclared.xml", NULL,
	    "\xe2\x80\x9cQuoted\xe2\x80\x9d \xe2\x82\xac" "5", 0);
	check_title("invalid-utf8.xml", NULL, "Caf\xc3\xa9 \xe2\x80\x93 na\xef\xbf\xbdve", 1);
}

/* Is the string (NULL: absent) valid UTF-8 without XML's forbidden controls? */
static int
clean(const char *s)
{
	return s == NULL || feed_text_utf8_valid(s, strlen(s));
}

/* Does every string of the first entry pass clean()? */
static int
entry_clean(const struct feed_entry *e)
{
	size_t i;
	int r = clean(e->id) && clean(e->title) && clean(e->link) &&
	    clean(e->summary) && clean(e->content);

	for (i = 0; i < e->ncategories; i++)
		r = r && clean(e->categories[i]);
	for (i = 0; i < e->nenclosures; i++)
		r = r && clean(e->enclosures[i].url) && clean(e->enclosures[i].type);
	return r;
}

/*
 * Invalid bytes in each place a field comes from (text, CDATA, attribute) of a
 * document declared UTF-8, which libxml2 reads unchecked first: never passed on.
 */
static void
test_invalid_bytes(void)
{
	static const char *bad[] = { "\xc1\x81", "\xe0\x80\xaf", "\xf0\x80\x80\xaf",
	    "\xed\xa0\x80", "\xf4\x90\x80\x80", "\xff", "\x01", "\xc3(" };
	static const char *where[][2] = {
	    { "<title>a", "b</title>" }, { "<description>a", "b</description>" },
	    { "<content:encoded><![CDATA[<p>a", "b</p>]]></content:encoded>" },
	    { "<enclosure url=\"http://x.test/a", "b\" type=\"audio/mpeg\"/>" },
	    { "<category>a", "b</category>" } };
	size_t i, j;
	char doc[1024];
	struct feed *f;

	for (i = 0; i < sizeof bad / sizeof bad[0]; i++)
		for (j = 0; j < sizeof where / sizeof where[0]; j++) {
			snprintf(doc, sizeof doc, "<?xml version=\"1.0\" encoding=\"utf-8\"?>"
			    "<rss version=\"2.0\" xmlns:content=\"http://purl.org/rss/1.0/"
			    "modules/content/\"><channel><title>t</title><item><guid>g</guid>"
			    "%s%s%s</item></channel></rss>", where[j][0], bad[i], where[j][1]);
			f = feed_parse(doc, strlen(doc), NULL, "utf-8", NULL);
			ok(f != NULL && f->nentries == 1 &&
			    entry_clean(&f->entries[0]), "invalid bytes %zu in %.12s: "
			    "never passed on", i, where[j][0] + 1);
			feed_free(f);
		}
}

/* Media RSS enclosures, and relative URLs in HTML resolved. */
static void
test_media_links(void)
{
	struct feed *f = parse("media-rss.xml", "https://news.example.org/feeds/main.xml",
	    NULL);
	const struct feed_entry *e;
	const char *atom = "<feed xmlns=\"http://www.w3.org/2005/Atom\"><title>a</title>"
	    "<entry><id>x</id><content type=\"xhtml\" xml:base=\"http://b.example/d/\">"
	    "<div xmlns=\"http://www.w3.org/1999/xhtml\"><img src=\"p.png\"/></div>"
	    "</content></entry></feed>";

	NEED(f, "media-rss", 2);
	e = &f->entries[0];
	if (ok(e->nenclosures == 3, "media: enclosure, media:content (same URL: "
	    "once) and two in media:group; thumbnails are no enclosures")) {
		is_str(e->enclosures[0].url, "https://cdn.example.org/ep1.mp3",
		    "media: <enclosure> first");
		is_str(e->enclosures[1].url, "https://cdn.example.org/ep1-hd.mp4",
		    "media: media:content in media:group");
		is_int(e->enclosures[1].length, 2000, "media: fileSize is the length");
		is_str(e->enclosures[1].type, "video/mp4", "media: type");
		is_str(e->enclosures[2].url, "https://news.example.org/2024/ep1-sd.mp4",
		    "media: relative url against xml:base");
		is_int(e->enclosures[2].length, -1, "media: no fileSize");
	}
	is_str(e->summary, "<p>Read <a href=\"https://news.example.org/rivers/severn\">"
	    "the river page</a> and\n<a href = 'https://news.example.org/2024/notes.html#top'>"
	    "notes</a>, <img src=https://news.example.org/2024/img/map.png alt=\"map\">\n"
	    "<a href=\"https://other.example.net/x\">elsewhere</a>\n"
	    "<a href=\"mailto:desk@example.org\">mail</a>, x=1</p>",
	    "links: relative href and src in the summary resolved against xml:base, "
	    "absolute ones kept");
	is_str(e->content, "<p><img src=\"https://img.example.org/a.jpg\"> "
	    "<a HREF=\"https://news.example.org/2023/old\">old</a></p>",
	    "links: scheme-relative and dot segments in CDATA content");
	e = &f->entries[1];
	ok(e->nenclosures == 1 && strcmp(e->enclosures[0].url,
	    "https://news.example.org/audio/two.ogg") == 0 && e->enclosures[0].length == -1,
	    "media: media:content against the document URL, bad fileSize absent");
	is_str(e->summary, "<a href=\"https://news.example.org/feeds/story/2\">two</a>",
	    "links: summary against the document URL");
	is_str(e->content, "<p>No links here, a = b.</p>", "links: no URL, unchanged");
	feed_free(f);

	f = feed_parse(atom, strlen(atom), NULL, NULL, NULL);
	ok(f != NULL && f->nentries == 1 && f->entries[0].content != NULL &&
	    strcmp(f->entries[0].content, "<img src=\"http://b.example/d/p.png\">") == 0,
	    "links: xhtml content against its own xml:base");
	feed_free(f);
	f = parse("rss20.xml", NULL, NULL);
	ok(f != NULL && strstr(f->entries[0].content, "href=\"/rivers\"") != NULL,
	    "links: without any base, relative URLs stay as they are");
	feed_free(f);
}

/*
 * HTML entities in attribute values (libxml2 copies one byte of a predefined
 * entity there) and references to controls in text: decoded, or replaced, never
 * passed on as invalid bytes.
 */
static void
test_entity_attributes(void)
{
	const char *rss = "<rss version=\"2.0\"><channel><title>t</title><item>"
	    "<guid>g</guid><title>a &amp;#x14; b &amp;#0; c</title>"
	    "<enclosure url=\"http://x.test/caf&eacute;&nbsp;1.mp3\" type=\"audio/mpeg\"/>"
	    "</item></channel></rss>";
	const char *atom = "<feed xmlns=\"http://www.w3.org/2005/Atom\"><title>a</title>"
	    "<entry><id>x</id><content type=\"xhtml\"><div xmlns=\"http://www.w3.org/"
	    "1999/xhtml\"><img alt=\"caf&eacute; &lt;3 &amp; co\" src=\"http://x.test/i\"/>"
	    "</div></content></entry></feed>";
	const char *json = "{\"version\":\"https://jsonfeed.org/version/1.1\","
	    "\"title\":\"t\",\"items\":[{\"id\":\"1\",\"title\":\"a\\u0001b\"}]}";
	struct feed *f;

	f = feed_parse(rss, strlen(rss), NULL, NULL, NULL);
	ok(f != NULL && f->nentries == 1 && f->entries[0].nenclosures == 1 &&
	    strcmp(f->entries[0].enclosures[0].url,
	    "http://x.test/caf\xc3\xa9\xc2\xa0" "1.mp3") == 0,
	    "entities in an attribute: decoded whole");
	ok(f != NULL && f->nentries == 1 && f->entries[0].title != NULL &&
	    strcmp(f->entries[0].title, "a \xef\xbf\xbd b \xef\xbf\xbd c") == 0,
	    "references to controls in a title: replaced");
	feed_free(f);
	f = feed_parse(json, strlen(json), NULL, NULL, NULL);
	ok(f != NULL && f->nentries == 1 && f->entries[0].title != NULL &&
	    strcmp(f->entries[0].title, "a\xef\xbf\xbd" "b") == 0,
	    "control characters in a JSON string: replaced");
	feed_free(f);
	f = feed_parse(atom, strlen(atom), NULL, NULL, NULL);
	ok(f != NULL && f->nentries == 1 && f->entries[0].content != NULL &&
	    strcmp(f->entries[0].content, "<img alt=\"caf\xc3\xa9 &lt;3 &amp; co\" "
	    "src=\"http://x.test/i\">") == 0,
	    "entities in an xhtml attribute: decoded, then escaped again");
	feed_free(f);
}

static void
test_entities(void)
{
	struct feed *f = parse("entities.xml", NULL, NULL);

	NEED(f, "entities", 4);
	ok(!f->bozo, "entities: HTML entities are not an error");
	is_str(f->entries[0].title, "Caf\xc3\xa9\xc2\xa0" "au lait \xe2\x80\x99s \xe2\x80\x94 ok",
	    "entities: named and numeric references");
	is_str(f->entries[1].title, "Double escaped & fun", "entities: double-escaped title");
	is_str(f->entries[2].title, "CDATA title & more", "entities: CDATA title");
	is_str(f->entries[2].summary, "<p>CDATA <b>description</b> &amp; entity</p>",
	    "entities: CDATA description kept as HTML");
	is_str(f->entries[3].title, "AT&T and 3 < 4", "entities: text with < and &");
	feed_free(f);
}

static void
test_malformed(void)
{
	struct feed *f = parse("malformed.xml", NULL, NULL);

	NEED(f, "malformed", 2);
	ok(f->bozo, "malformed: flagged bozo");
	is_str(f->title, "Broken & Co", "malformed: bare & repaired");
	is_str(f->entries[0].title, "Bare & ampersand & entity", "malformed: entity after error");
	is_str(f->entries[0].link, "http://m.example/1", "malformed: first link");
	feed_free(f);
	ok(parse("notfeed.html", NULL, NULL) == NULL, "notfeed: HTML page -> NULL");
	ok(parse("garbage.txt", NULL, NULL) == NULL, "garbage -> NULL");
	ok(feed_parse("", 0, NULL, NULL, NULL) == NULL, "empty input -> NULL");
	{
		/* exactly 64 bytes, no terminator: the scanners must stop at the end */
		char *b = xmalloc(64);

		memset(b, 'a', 64);
		memcpy(b, "<rss><channel><item><title>", 27);
		f = feed_parse(b, 64, NULL, NULL, NULL);
		ok(f != NULL && f->bozo && f->nentries == 1, "unterminated 64-byte buffer");
		feed_free(f);
		free(b);
	}
	{
		/*
		 * Cut short inside a CDATA section (a download cut off): all its text
		 * is read (libxml2 alone kept 300 bytes of it), and the entry's raw
		 * bytes run to the end.
		 */
		static const char head[] = "<rss><channel><item><title>T</title>"
		    "<description><![CDATA[";
		size_t n = sizeof head - 1 + 5000;
		char *b = xmalloc(n);

		memcpy(b, head, sizeof head - 1);
		memset(b + sizeof head - 1, 'x', 5000);
		f = feed_parse(b, n, NULL, NULL, NULL);
		ok(f != NULL && f->bozo && f->nentries == 1 && f->entries[0].summary != NULL &&
		    strlen(f->entries[0].summary) == 5000, "cut short in CDATA: its 5000 "
		    "bytes read");
		ok(f != NULL && f->nentries == 1 && f->entries[0].raw + f->entries[0].raw_len ==
		    b + n, "cut short in CDATA: the raw bytes run to the end");
		feed_free(f);
		free(b);
	}
}

static void
test_hostile(void)
{
	struct feed *f = parse("billion-laughs.xml", NULL, NULL);

	NEED(f, "billion-laughs", 1);
	is_str(f->entries[0].title, "boom end", "billion laughs: entity not expanded");
	feed_free(f);
	f = parse("xxe.xml", NULL, NULL);
	NEED(f, "xxe", 1);
	is_str(f->entries[0].title, "leak: done", "xxe: external entity not read");
	ok(f->entries[0].summary == NULL, "xxe: nothing in the description");
	feed_free(f);
}

/* Build a document from head, n copies of unit, and tail. */
static char *
repeat(const char *head, const char *unit, size_t n, const char *tail, size_t *len)
{
	size_t hl = strlen(head), ul = strlen(unit), tl = strlen(tail), i;
	char *b = xmalloc(hl + ul * n + tl + 1), *p = b;

	memcpy(p, head, hl);
	for (p += hl, i = 0; i < n; i++, p += ul)
		memcpy(p, unit, ul);
	memcpy(p, tail, tl + 1);
	*len = hl + ul * n + tl;
	return b;
}

static void
test_bounds(void)
{
	struct feed *f;
	size_t len;
	char *b;

	b = repeat("<rss version=\"2.0\"><channel><item><title>deep</title><description>",
	    "<div>", 100000, "x</description></item></channel></rss>", &len);
	f = feed_parse(b, len, NULL, NULL, NULL);
	ok(f != NULL && f->bozo, "deep nesting: survives, flagged");
	ok(f != NULL && f->nentries <= 1, "deep nesting: no runaway entries");
	feed_free(f);
	free(b);
	b = repeat("<rss version=\"2.0\"><channel>", "<item><title>t</title></item>", 20000,
	    "</channel></rss>", &len);
	f = feed_parse(b, len, NULL, NULL, NULL);
	ok(f != NULL && f->nentries == FEED_MAX_ENTRIES && f->truncated,
	    "huge entry count: capped at FEED_MAX_ENTRIES");
	feed_free(f);
	free(b);
	b = repeat("<rss version=\"2.0\"><channel><item><title>", "abcdefgh", 300000,
	    "</title></item></channel></rss>", &len);
	f = feed_parse(b, len, NULL, NULL, NULL);
	ok(f != NULL && f->nentries == 1 && strlen(f->entries[0].title) <= FEED_MAX_FIELD,
	    "huge field: capped at FEED_MAX_FIELD");
	feed_free(f);
	free(b);
	b = repeat("<rss version=\"2.0\"><channel><item><description>x",
	    "\xe2\x82\xac", 400000, "</description></item></channel></rss>", &len);
	f = feed_parse(b, len, NULL, NULL, NULL);
	ok(f != NULL && f->nentries == 1 && f->entries[0].summary != NULL &&
	    strlen(f->entries[0].summary) % 3 == 1 &&
	    strlen(f->entries[0].summary) <= FEED_MAX_FIELD,
	    "huge field: cut on a character boundary");
	feed_free(f);
	free(b);
}

static void
test_dates(void)
{
	struct feed *f = parse("dates.xml", NULL, NULL);
	size_t i;

	NEED(f, "dates", 5);
	for (i = 0; i < 4; i++)
		is_int(f->entries[i].published, 1031356801, "dates: %s", f->entries[i].title);
	is_int(f->entries[4].published, 0, "dates: unreadable date is absent");
	feed_free(f);
}

/* A pseudo-random number from a seed of our own (the test is the same each run). */
static unsigned
rnd(unsigned long *seed)
{
	*seed = *seed * 6364136223846793005UL + 1442695040888963407UL;
	return (unsigned)(*seed >> 33);
}

/*
 * Links joined to a base's origin or directory directly (feed_url.c's short way)
 * come out exactly as curl_url writes them, for random references against bases
 * of every shape, the base learned once and asked many times.
 */
static void
test_url_shortcut(void)
{
	static const char *bases[] = {
		"https://news.example/", "https://news.example/world/story.html",
		"http://News.Example:8080/a/b/?q=1#top", "https://news.example:443/x/",
		"https://user@news.example/a/../b/c", "http://[::1]:8000/feed.xml",
		"https://news.example/%7Euser/feed?x=1&y=2", "https://news.example",
		"HTTPS://NEWS.EXAMPLE/A/B", "https://news.example/a//b/",
		"https://news.example?q=1", "file:///srv/feeds/a.xml", "urn:isbn:0451450523",
		"mailto:desk@news.example", "a://", "//news.example/a/",
	};
	/* The first 17 are what the short way takes; half the references use only those. */
	static const char alphabet[] = "abcXYZ019-._~/?=&#%+,;:@!$'()* ";
	struct feed_base b = { 0 };
	unsigned long seed = 42;
	char ref[24], *fast, *slow;
	size_t i, k, n, bad = 0, tried = 0;

	for (i = 0; i < 2000 * sizeof bases / sizeof bases[0]; i++) {
		const char *base = bases[i / 2000];

		n = 1 + rnd(&seed) % (sizeof ref - 1);
		for (k = 0; k < n; k++)
			ref[k] = alphabet[rnd(&seed) % (i % 2 ? 17 : sizeof alphabet - 1)];
		ref[n] = '\0';
		if (i % 3 == 0)
			ref[0] = '/';
		fast = feed_url_resolve(&b, base, ref);
		slow = feed_url_resolve(NULL, base, ref);
		tried++;
		if (strcmp(fast, slow) != 0 && bad++ < 5)
			diag("%s + \"%s\": %s, curl %s", base, ref, fast, slow);
		free(fast);
		free(slow);
	}
	feed_base_free(&b);
	is_int((long long)bad, 0, "links: %zu random references resolved the short way "
	    "as curl_url resolves them", tried);
}

/* The byte-wise definition feed_text_has_overlong must agree with. */
static int
overlong_ref(const unsigned char *u, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		if (u[i] == 0xc0 || u[i] == 0xc1 || (i + 1 < len &&
		    ((u[i] == 0xe0 && u[i + 1] < 0xa0) || (u[i] == 0xf0 && u[i + 1] < 0x90))))
			return 1;
	return 0;
}

/*
 * The eight-bytes-at-a-time overlong check against the byte-wise one: each lead
 * byte with each second byte at every place of a short buffer (the word's edges,
 * the buffer's end), then random buffers of text with a few bytes of every value.
 */
static void
test_overlong(void)
{
	static const unsigned char leads[] = { 0xc0, 0xc1, 0xc2, 0xdf, 0xe0, 0xe1, 0xef,
	    0xf0, 0xf1, 0xf4, 0x80, 0xbf, 0x41 };
	unsigned char b[40];
	unsigned long seed = 7;
	size_t i, k, n, bad = 0, tried = 0;
	unsigned second;

	for (i = 0; i < sizeof leads; i++)
		for (second = 0x70; second <= 0xc0; second += 0x08)
			for (k = 0; k + 1 < sizeof b; k++) {
				size_t lens[3] = { k + 1, k + 2, sizeof b }, j;

				memset(b, 'a', sizeof b);
				b[k] = leads[i];
				b[k + 1] = (unsigned char)second;
				for (j = 0; j < 3; j++, tried++)
					if (feed_text_has_overlong((char *)b, lens[j]) !=
					    overlong_ref(b, lens[j]))
						bad++;
			}
	for (i = 0; i < 20000; i++) {
		n = rnd(&seed) % sizeof b;
		for (k = 0; k < n; k++)
			b[k] = rnd(&seed) % 8 ? 'a' + rnd(&seed) % 26 : (unsigned char)rnd(&seed);
		tried++;
		if (feed_text_has_overlong((char *)b, n) != overlong_ref(b, n))
			bad++;
	}
	is_int((long long)bad, 0, "overlong check: agrees with the byte-wise one on "
	    "%zu buffers", tried);
}

/* Append a piece of text, or of the markup around it, to a growing document. */
static void
doc_add(struct feed_buf *d, const char *s)
{
	feed_buf_add(d, s, strlen(s));
}

/*
 * Text for a field: mostly words (some not ASCII) and the references escaped HTML
 * is made of, with now and then something libxml2 must see itself: CR, controls,
 * "]]>", other or invalid references, invalid UTF-8, markup, a stray '&' or '>'.
 */
static void
random_text(struct feed_buf *d, unsigned long *seed, size_t pieces)
{
	static const char *common[] = { "the ", "news ", "Zürich ", "société ",
	    "Łódź ", "\xe2\x80\x99", "\xf0\x9f\x98\x80", "&lt;p&gt;", "&lt;/p&gt;",
	    "&lt;a href=&quot;/story/1&quot;&gt;", "&lt;/a&gt;", "&amp;", "&apos;",
	    "&#233;", "&#x20AC;", "&#x1F600;", "&#65;", "\n", "\t", " ", "]", "]]",
	    "&#00000065;", "&#x0000041;", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa " };
	static const char *odd[] = { "\r\n", "\r", "\x01", "]]>", "&#1;", "&#0;",
	    "&#x110000;", "&#xD800;", "&#xFFFE;", "&#123456789;", "&#X41;", "&#x;",
	    "&#;", "&#xZZ;", "&nbsp;", "&eacute;", "&bogus;", "& ", "&lt", ">",
	    "\xc0\x80", "\xed\xa0\x80", "\xef\xbf\xbe", "\xe2\x82", "\xff",
	    "<b>bold</b>", "<!-- c -->", "<![CDATA[x<y]]>", "<?pi x?>", "&#x10FFFF;",
	    "&#xFFFD;", "&#x0001F600;", "&#9;", "&#13;", "<br/>", "\x7f" };
	size_t i;

	for (i = 0; i < pieces; i++) {
		if (rnd(seed) % 64 == 0)
			doc_add(d, odd[rnd(seed) % (sizeof odd / sizeof odd[0])]);
		else
			doc_add(d, common[rnd(seed) % (sizeof common / sizeof common[0])]);
	}
}

/* random_text, in a CDATA section (or two, or after text) half the time. */
static void
random_field(struct feed_buf *d, unsigned long *seed, size_t pieces)
{
	switch (rnd(seed) % 6) {
	case 0:
		random_text(d, seed, pieces / 4);
		/* FALLTHROUGH */
	case 1:
		doc_add(d, "<![CDATA[");
		random_text(d, seed, pieces);
		doc_add(d, "]]>");
		break;
	case 2:
		doc_add(d, "<![CDATA[");
		random_text(d, seed, pieces / 2);
		doc_add(d, rnd(seed) % 2 ? "]]><![CDATA[" : "]]>\n<![CDATA[");
		random_text(d, seed, pieces / 2);
		doc_add(d, "]]>");
		break;
	default:
		random_text(d, seed, pieces);
		break;
	}
}

/* A random Atom or RSS document whose fields hold random_text. */
static void
random_feed(struct feed_buf *d, unsigned long *seed)
{
	static const char *atom_types[] = { "", " type=\"html\"", " type=\"text\"",
	    " type=\"xhtml\"", " type=\"text/html\"" };
	static const struct random_fmt {
		const char *entry, *first, *first_end, *bad_end, *second, *tail;
	} fmts[2] = {
		{ "<item><guid>x</guid><title>", "<description", "</description>",
		    "</descr>", "<content:encoded>", "</content:encoded></item>\n" },
		{ "<entry><id>urn:x</id><title>", "<content", "</content>", "</contents>",
		    "<summary>", "</summary></entry>\n" },
	};
	int atom = rnd(seed) % 2;
	size_t i, n = 1 + rnd(seed) % 4, pieces;
	const struct random_fmt *f = &fmts[atom];

	d->len = 0;
	doc_add(d, atom ? "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n"
	    "<feed xmlns=\"http://www.w3.org/2005/Atom\"><title>T</title>\n" :
	    "<?xml version=\"1.0\"?>\n<rss version=\"2.0\" xmlns:content="
	    "\"http://purl.org/rss/1.0/modules/content/\"><channel><title>T</title>\n");
	for (i = 0; i < n; i++) {
		pieces = rnd(seed) % 4 == 0 ? rnd(seed) % 8 : rnd(seed) % 400;
		doc_add(d, f->entry);
		random_text(d, seed, rnd(seed) % 3 == 0 ? pieces : 3);
		doc_add(d, "</title>");
		doc_add(d, f->first);
		doc_add(d, atom ? atom_types[rnd(seed) % 5] : "");
		doc_add(d, ">");
		random_field(d, seed, pieces);
		doc_add(d, rnd(seed) % 16 ? f->first_end : f->bad_end);
		doc_add(d, f->second);
		random_field(d, seed, pieces / 2);
		doc_add(d, f->tail);
	}
	doc_add(d, atom ? "</feed>\n" : "</channel></rss>\n");
	if (rnd(seed) % 8 == 0)	/* cut short */
		d->len -= rnd(seed) % (d->len / 2);
}

/*
 * The fast path for runs of text (feed_xml.c) gives what libxml2 alone gives: on
 * random documents of escaped HTML and CDATA sections with every kind of
 * character, reference and problem it must leave to libxml2, parsed with the fast
 * path at several run lengths (1 cuts the input after every '>') and without it.
 * FAST_SEED and FAST_DOCS choose other and more documents.
 */
static void
test_fast_text(void)
{
	static const size_t runs[] = { 1, 16, 512 };
	struct feed_buf d = FEED_BUF_UNCAPPED;
	unsigned long seed = 99, first, before = feed_fast_reads;
	size_t saved = feed_fast_run, i, k, bad = 0, tried = 0, ndocs = 1500;
	struct feed *slow, *fast;
	const char *diff;

	if (getenv("FAST_SEED") != NULL)	/* for longer runs by hand */
		seed = strtoul(getenv("FAST_SEED"), NULL, 10);
	if (getenv("FAST_DOCS") != NULL)
		ndocs = strtoul(getenv("FAST_DOCS"), NULL, 10);
	first = seed;
	for (i = 0; i < ndocs; i++) {
		random_feed(&d, &seed);
		feed_fast_run = 0;
		slow = feed_parse(d.p, d.len, "https://news.example/feed", NULL, NULL);
		for (k = 0; k < sizeof runs / sizeof runs[0]; k++, tried++) {
			feed_fast_run = runs[k];
			fast = feed_parse(d.p, d.len, "https://news.example/feed", NULL, NULL);
			if ((diff = feed_diff(slow, fast)) != NULL && bad++ < 3)
				diag("document %zu (seed %lu), run %zu: %s differs", i,
				    first, runs[k], diff);
			feed_free(fast);
		}
		feed_free(slow);
	}
	feed_fast_run = saved;
	feed_buf_free(&d);
	is_int((long long)bad, 0, "fast path: %zu parses of random documents the same "
	    "as libxml2's alone", tried);
	ok(feed_fast_reads - before > 1000, "fast path: it read %lu runs of text",
	    feed_fast_reads - before);
}

/* HTML reduced to text (what ingest stores and matches): fixed cases. */
static void
test_from_html(void)
{
	static const char *cases[][2] = {
		{ "<p>One  two</p><p>three</p>", "One two three" },
		{ "a<b>b</b>c", "abc" },
		{ "x &amp; y &lt;z&gt; &#x41;&#66;", "x & y <z> AB" },
		{ "5 < 6 & 7 &bogus; &#0;", "5 < 6 & 7 &bogus; \xef\xbf\xbd" },
		{ "  lead\n\ttrail  ", "lead trail" },
		{ "a<!-- c -->b<br>c", "ab c" },
		{ "Z\xc3\xbcrich\xe2\x80\x99s&nbsp;news&mdash;more",
		    "Z\xc3\xbcrich\xe2\x80\x99s\xc2\xa0news\xe2\x80\x94more" },
		{ "a<", "a<" },
	};
	size_t i;
	char *r;

	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		r = feed_text_from_html(cases[i][0]);
		is_str(r, cases[i][1], "HTML to text, case %zu", i + 1);
		free(r);
	}
	ok(feed_text_from_html("") == NULL, "HTML to text: empty is none");
}

int
main(void)
{
	test_rss20();
	test_from_html();
	test_overlong();
	test_fast_text();
	test_url_shortcut();
	test_fingerprint();
	test_rss09x();
	test_rss10();
	test_atom10();
	test_atom03();
	test_json();
	test_encodings();
	test_invalid_bytes();
	test_media_links();
	test_entity_attributes();
	test_entities();
	test_malformed();
	test_hostile();
	test_bounds();
	test_dates();
	xmlCleanupParser();
	return done_testing();
}
