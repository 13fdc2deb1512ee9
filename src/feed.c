/*
 * feed: the public entry point (encoding, format detection) and the builders the
 * XML and JSON readers use to fill a struct feed.
 */
#include "config.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/evp.h>
#include <xxhash.h>

#include "feed_int.h"
#include "text_date.h"
#include "xmalloc.h"

static const char *format_names[] = {
	[FEED_RSS090] = "rss0.90", [FEED_RSS091] = "rss0.91",
	[FEED_RSS092] = "rss0.92", [FEED_RSS20] = "rss2.0",
	[FEED_RSS10] = "rss1.0", [FEED_ATOM03] = "atom0.3",
	[FEED_ATOM10] = "atom1.0", [FEED_JSON10] = "json1.0",
	[FEED_JSON11] = "json1.1",
};

/* Decode the document the careful way (feed_text_input), then parse it. */
static struct feed *
parse_decoded(struct feed_input *in, const char *buf, size_t len, int json,
    const char *base_url, const char *charset, char **why)
{
	feed_text_input(in, buf, len, charset, !json);
	if (!json)
		json = feed_text_is_json(in->data, in->len);
	if (json)
		return feed_json_parse(in, base_url, why);
	return feed_xml_parse(in, base_url, why);
}

/*
 * Parse a document of any supported format. XML declared as UTF-8 is first read
 * as it is, relying on libxml2's own checks; only when those find invalid bytes
 * or a bare '&' is it decoded and repaired beforehand, and read again.
 */
struct feed *
feed_parse(const char *buf, size_t len, const char *base_url, const char *charset,
    char **cause)
{
	struct feed_input in;
	struct feed *f = NULL;
	char *why = NULL;
	int json;

	json = feed_text_is_json(buf, len);
	if (!json && feed_text_input_utf8(&in, buf, len, charset) == 0)
		f = feed_xml_parse(&in, base_url, &why);
	if (json || in.unchecked == 0 || in.retry) {
		if (!json)
			feed_text_input_free(&in);
		f = parse_decoded(&in, buf, len, json, base_url, charset, &why);
	}
	if (f != NULL) {
		f->encoding = in.encoding;
		if (in.repaired)
			feed_set_bozo(f, "invalid bytes replaced");
	}
	feed_text_input_free(&in);
	if (cause != NULL)
		*cause = why;
	else
		free(why);
	return f;
}

/* Free one entry's fields. */
static void
entry_free(struct feed_entry *e)
{
	size_t i;

	free(e->id);
	free(e->title);
	free(e->link);
	free(e->summary);
	free(e->content);
	for (i = 0; i < e->nauthors; i++) {
		free(e->authors[i].name);
		free(e->authors[i].email);
		free(e->authors[i].url);
	}
	free(e->authors);
	for (i = 0; i < e->ncategories; i++)
		free(e->categories[i]);
	free(e->categories);
	for (i = 0; i < e->nenclosures; i++) {
		free(e->enclosures[i].url);
		free(e->enclosures[i].type);
	}
	free(e->enclosures);
	free(e->raw_owned);
}

/* Free a parse result. */
void
feed_free(struct feed *f)
{
	size_t i;

	if (f == NULL)
		return;
	for (i = 0; i < f->nentries; i++)
		entry_free(&f->entries[i]);
	free(f->entries);
	free(f->title);
	free(f->link);
	free(f->language);
	free(f->bozo_cause);
	free(f->input_owned);
	free(f);
}

/* Hex of n bytes into out (2n + 1 bytes). */
static void
hex_of(const unsigned char *p, size_t n, char *out)
{
	static const char hex[] = "0123456789abcdef";
	size_t i;

	for (i = 0; i < n; i++) {
		out[2 * i] = hex[p[i] >> 4];
		out[2 * i + 1] = hex[p[i] & 15];
	}
	out[2 * n] = '\0';
}

/* Hex of the fingerprint. */
void
feed_fingerprint_hex(const struct feed_entry *e, char *out)
{
	hex_of(e->fingerprint, sizeof e->fingerprint, out);
}

/* XXH3-128 of the bytes, in its canonical (big-endian) form. */
void
feed_fingerprint(const void *p, size_t len, unsigned char *out)
{
	XXH128_canonical_t c;

	XXH128_canonicalFromHash(&c, XXH3_128bits(p, len));
	memcpy(out, c.digest, FEED_FP_LEN);
}

/* SHA-256 of the entry's raw bytes, the fingerprint of older databases. */
void
feed_fingerprint_sha256(const struct feed_entry *e,
    unsigned char out[FEED_FP_LEN_SHA256])
{
	EVP_Digest(e->raw != NULL ? e->raw : "", e->raw_len, out, NULL, EVP_sha256(),
	    NULL);
}

/* Mark the feed as not well-formed, keeping the first cause. */
void
feed_set_bozo(struct feed *f, const char *why)
{
	f->bozo = 1;
	if (f->bozo_cause == NULL && why != NULL)
		f->bozo_cause = feed_text_clean(why, strlen(why));
}

/* Set the format and its name. */
void
feed_set_format(struct feed *f, enum feed_format fmt)
{
	f->format = fmt;
	f->format_name = format_names[fmt];
}

/* Start a new entry; NULL once FEED_MAX_ENTRIES is reached. */
struct feed_entry *
feed_entry_add(struct feed *f)
{
	struct feed_entry *e;

	if (f->nentries >= FEED_MAX_ENTRIES) {
		f->truncated = 1;
		return NULL;
	}
	if ((f->nentries & (f->nentries - 1)) == 0 || f->nentries == 0)
		f->entries = xreallocarray(f->entries,
		    f->nentries ? f->nentries * 2 : 16, sizeof *f->entries);
	e = &f->entries[f->nentries++];
	memset(e, 0, sizeof *e);
	return e;
}

/* Remove the last entry (it turned out empty). */
void
feed_entry_drop(struct feed *f)
{
	entry_free(&f->entries[--f->nentries]);
}

/* A stable id for an entry without one: SHA-256 of link, title and text. */
static char *
fallback_id(const struct feed_entry *e)
{
	unsigned char md[32];
	struct feed_buf b = { 0 };
	char hex[65], *id;

	if (e->link != NULL)
		feed_buf_add(&b, e->link, strlen(e->link));
	feed_buf_addc(&b, '\n');
	if (e->title != NULL)
		feed_buf_add(&b, e->title, strlen(e->title));
	if (e->link == NULL && e->title == NULL) {
		const char *t = e->summary ? e->summary : e->content ? e->content : "";

		feed_buf_addc(&b, '\n');
		feed_buf_add(&b, t, strlen(t));
	}
	EVP_Digest(b.p, b.len, md, NULL, EVP_sha256(), NULL);
	feed_buf_free(&b);
	hex_of(md, sizeof md, hex);
	xasprintf(&id, "urn:sha256:%s", hex);
	return id;
}

/*
 * Complete an entry: fallback id, fingerprint over the raw bytes it came from
 * (which must stay where they are until feed_free: see feed.h).
 */
void
feed_entry_finish(struct feed *f, struct feed_entry *e, const char *raw, size_t len)
{
	(void)f;
	if (e->id == NULL) {
		e->id = fallback_id(e);
		e->id_fallback = 1;
	}
	e->raw = raw;
	e->raw_len = len;
	feed_fingerprint(raw, len, e->fingerprint);
}

/* Append an author (takes ownership of the strings; NULL name and email: ignored). */
void
feed_author_add(struct feed_entry *e, char *name, char *email, char *url)
{
	struct feed_author *a;

	if ((name == NULL && email == NULL) || e->nauthors >= FEED_MAX_LIST) {
		free(name);
		free(email);
		free(url);
		return;
	}
	e->authors = xreallocarray(e->authors, e->nauthors + 1, sizeof *e->authors);
	a = &e->authors[e->nauthors++];
	a->name = name;
	a->email = email;
	a->url = url;
}

/* An author written "joe@example.com (Joe Bloggs)", "Joe <joe@x>" or just a name. */
void
feed_author_parse(struct feed_entry *e, const char *s)
{
	const char *open, *close;
	char *name = NULL, *email = NULL;

	if ((open = strchr(s, '(')) != NULL && (close = strrchr(s, ')')) > open &&
	    memchr(s, '@', (size_t)(open - s)) != NULL) {
		email = feed_text_clean(s, (size_t)(open - s));
		name = feed_text_clean(open + 1, (size_t)(close - open - 1));
	} else if ((open = strchr(s, '<')) != NULL && (close = strchr(open, '>')) != NULL &&
	    memchr(open, '@', (size_t)(close - open)) != NULL) {
		name = feed_text_clean(s, (size_t)(open - s));
		email = feed_text_clean(open + 1, (size_t)(close - open - 1));
	} else if (strchr(s, '@') != NULL && strchr(s, ' ') == NULL)
		email = feed_text_clean(s, strlen(s));
	else
		name = feed_text_clean(s, strlen(s));
	feed_author_add(e, name, email, NULL);
}

/* Append a category (takes ownership; duplicates and NULL ignored). */
void
feed_category_add(struct feed_entry *e, char *c)
{
	size_t i;

	if (c == NULL || e->ncategories >= FEED_MAX_LIST) {
		free(c);
		return;
	}
	for (i = 0; i < e->ncategories; i++)
		if (strcmp(e->categories[i], c) == 0) {
			free(c);
			return;
		}
	e->categories = xreallocarray(e->categories, e->ncategories + 1,
	    sizeof *e->categories);
	e->categories[e->ncategories++] = c;
}

/*
 * Append an enclosure (takes ownership; no URL: ignored). One already there with
 * the same URL (<enclosure> and <media:content> of one file) only gets what it
 * lacked.
 */
void
feed_enclosure_add(struct feed_entry *e, char *url, char *type, int64_t length)
{
	struct feed_enclosure *n;
	size_t i;

	for (i = 0; url != NULL && i < e->nenclosures; i++) {
		n = &e->enclosures[i];
		if (strcmp(n->url, url) != 0)
			continue;
		if (n->type == NULL) {
			n->type = type;
			type = NULL;
		}
		if (n->length < 0)
			n->length = length;
		free(url);
		url = NULL;
	}
	if (url == NULL || e->nenclosures >= FEED_MAX_LIST) {
		free(url);
		free(type);
		return;
	}
	e->enclosures = xreallocarray(e->enclosures, e->nenclosures + 1,
	    sizeof *e->enclosures);
	n = &e->enclosures[e->nenclosures++];
	n->url = url;
	n->type = type;
	n->length = length;
}

/* A date field as seconds, 0 when absent or unreadable. */
int64_t
feed_date(const char *s)
{
	int64_t t;

	if (s == NULL || text_date_parse(s, &t) != 0)
		return 0;
	return t;
}

/* Are two strings (NULL: absent) the same? */
static int
same(const char *a, const char *b)
{
	return a == b || (a != NULL && b != NULL && strcmp(a, b) == 0);
}

/* Where two entries differ: the name of the first field that does, or NULL. */
static const char *
entry_diff(const struct feed_entry *a, const struct feed_entry *b)
{
	size_t i;

	if (!same(a->id, b->id) || a->id_fallback != b->id_fallback)
		return "id";
	if (!same(a->title, b->title))
		return "title";
	if (!same(a->link, b->link))
		return "link";
	if (a->published != b->published || a->updated != b->updated)
		return "dates";
	if (!same(a->summary, b->summary) || a->summary_html != b->summary_html)
		return "summary";
	if (!same(a->content, b->content) || a->content_html != b->content_html)
		return "content";
	if (a->nauthors != b->nauthors || a->ncategories != b->ncategories ||
	    a->nenclosures != b->nenclosures)
		return "lists";
	for (i = 0; i < a->nauthors; i++)
		if (!same(a->authors[i].name, b->authors[i].name) ||
		    !same(a->authors[i].email, b->authors[i].email) ||
		    !same(a->authors[i].url, b->authors[i].url))
			return "authors";
	for (i = 0; i < a->ncategories; i++)
		if (!same(a->categories[i], b->categories[i]))
			return "categories";
	for (i = 0; i < a->nenclosures; i++)
		if (!same(a->enclosures[i].url, b->enclosures[i].url) ||
		    !same(a->enclosures[i].type, b->enclosures[i].type) ||
		    a->enclosures[i].length != b->enclosures[i].length)
			return "enclosures";
	if (a->raw_len != b->raw_len || memcmp(a->fingerprint, b->fingerprint,
	    sizeof a->fingerprint) != 0)
		return "raw bytes";
	return NULL;
}

/*
 * Where two results differ (tests and fuzzing compare two ways of parsing): the
 * name of the first field that does, or NULL when they are the same.
 */
const char *
feed_diff(const struct feed *a, const struct feed *b)
{
	const char *d;
	size_t i;

	if (a == NULL || b == NULL)
		return a == b ? NULL : "result";
	if (a->format != b->format || a->bozo != b->bozo ||
	    !same(a->bozo_cause, b->bozo_cause) || !same(a->encoding, b->encoding))
		return "bozo, format or encoding";
	if (!same(a->title, b->title) || !same(a->link, b->link) ||
	    !same(a->language, b->language))
		return "feed fields";
	if (a->nentries != b->nentries || a->truncated != b->truncated)
		return "number of entries";
	for (i = 0; i < a->nentries; i++)
		if ((d = entry_diff(&a->entries[i], &b->entries[i])) != NULL)
			return d;
	return NULL;
}
