/*
 * feed_xml: RSS 0.90-2.0, RSS 1.0 (RDF) and Atom 0.3/1.0 through libxml2's SAX2
 * interface. Tag names go through a sorted table (like sfeed's rsstags); no DOM is
 * built. Entities: the five predefined ones and HTML's named ones are decoded; DTD
 * entities are never stored or expanded, external ones never loaded.
 */
#include "config.h"

#include <ctype.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <libxml/HTMLparser.h>
#include <libxml/parser.h>
#include <libxml/parserInternals.h>

#include "feed_int.h"
#include "log.h"
#include "xmalloc.h"

#define XML_OPTIONS	(XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING | \
			 XML_PARSE_RECOVER | XML_PARSE_IGNORE_ENC | XML_PARSE_COMPACT)
#define ENT_MAX		64
#define XML_CHUNK	(256 * 1024)
#define NS_CACHE	8

enum ns { NS_NONE, NS_ATOM, NS_RDF, NS_DC, NS_DCTERMS, NS_CONTENT, NS_MEDIA,
    NS_XHTML, NS_OTHER };

enum tag {
	T_UNKNOWN, T_RSS, T_RDF, T_FEED, T_CHANNEL, T_ITEM, T_ENTRY, T_SKIP,
	T_TITLE, T_LINK, T_DESCRIPTION, T_GUID, T_PUBDATE, T_LANGUAGE, T_AUTHOR,
	T_CATEGORY, T_ENCLOSURE, T_DC_CREATOR, T_DC_DATE, T_DC_DESCRIPTION,
	T_DCT_MODIFIED, T_CONTENT_ENCODED, T_A_ID, T_A_TITLE, T_A_LINK, T_A_UPDATED,
	T_A_PUBLISHED, T_A_SUMMARY, T_A_CONTENT, T_A_AUTHOR, T_A_NAME, T_A_EMAIL,
	T_A_URI, T_A_CATEGORY, T_MEDIA_CONTENT, T_MEDIA_GROUP,
};

enum cap { CAP_TEXT, CAP_HTML, CAP_XHTML, CAP_SKIP };

/* Element names by namespace, sorted by (ns, name) for bsearch. */
static const struct xml_tag {
	enum ns		 ns;
	const char	*name;
	enum tag	 tag;
} tags[] = {
	{ NS_NONE, "author", T_AUTHOR },
	{ NS_NONE, "category", T_CATEGORY },
	{ NS_NONE, "channel", T_CHANNEL },
	{ NS_NONE, "description", T_DESCRIPTION },
	{ NS_NONE, "enclosure", T_ENCLOSURE },
	{ NS_NONE, "feed", T_FEED },
	{ NS_NONE, "guid", T_GUID },
	{ NS_NONE, "image", T_SKIP },
	{ NS_NONE, "item", T_ITEM },
	{ NS_NONE, "language", T_LANGUAGE },
	{ NS_NONE, "link", T_LINK },
	{ NS_NONE, "pubDate", T_PUBDATE },
	{ NS_NONE, "rss", T_RSS },
	{ NS_NONE, "source", T_SKIP },
	{ NS_NONE, "textInput", T_SKIP },
	{ NS_NONE, "textinput", T_SKIP },
	{ NS_NONE, "title", T_TITLE },
	{ NS_ATOM, "author", T_A_AUTHOR },
	{ NS_ATOM, "category", T_A_CATEGORY },
	{ NS_ATOM, "content", T_A_CONTENT },
	{ NS_ATOM, "contributor", T_SKIP },
	{ NS_ATOM, "created", T_A_PUBLISHED },
	{ NS_ATOM, "email", T_A_EMAIL },
	{ NS_ATOM, "entry", T_ENTRY },
	{ NS_ATOM, "feed", T_FEED },
	{ NS_ATOM, "id", T_A_ID },
	{ NS_ATOM, "issued", T_A_PUBLISHED },
	{ NS_ATOM, "link", T_A_LINK },
	{ NS_ATOM, "modified", T_A_UPDATED },
	{ NS_ATOM, "name", T_A_NAME },
	{ NS_ATOM, "published", T_A_PUBLISHED },
	{ NS_ATOM, "source", T_SKIP },
	{ NS_ATOM, "summary", T_A_SUMMARY },
	{ NS_ATOM, "title", T_A_TITLE },
	{ NS_ATOM, "updated", T_A_UPDATED },
	{ NS_ATOM, "uri", T_A_URI },
	{ NS_ATOM, "url", T_A_URI },
	{ NS_RDF, "RDF", T_RDF },
	{ NS_DC, "creator", T_DC_CREATOR },
	{ NS_DC, "date", T_DC_DATE },
	{ NS_DC, "description", T_DC_DESCRIPTION },
	{ NS_DC, "language", T_LANGUAGE },
	{ NS_DC, "subject", T_CATEGORY },
	{ NS_DC, "title", T_TITLE },
	{ NS_DCTERMS, "issued", T_DC_DATE },
	{ NS_DCTERMS, "modified", T_DCT_MODIFIED },
	{ NS_CONTENT, "encoded", T_CONTENT_ENCODED },
	{ NS_MEDIA, "content", T_MEDIA_CONTENT },
	{ NS_MEDIA, "group", T_MEDIA_GROUP },
	{ NS_MEDIA, "thumbnail", T_SKIP },	/* a picture of it, not an enclosure */
};

/* Namespace URIs we know; RSS 1.0 and 0.90 count as "no namespace". */
static const struct { const char *uri; enum ns ns; } namespaces[] = {
	{ "http://www.w3.org/2005/Atom", NS_ATOM },
	{ "http://purl.org/atom/ns#", NS_ATOM },
	{ "http://purl.org/rss/1.0/", NS_NONE },
	{ "http://my.netscape.com/rdf/simple/0.9/", NS_NONE },
	{ "http://channel.netscape.com/rdf/simple/0.9/", NS_NONE },
	{ "http://backend.userland.com/rss2", NS_NONE },
	{ "http://www.w3.org/1999/02/22-rdf-syntax-ns#", NS_RDF },
	{ "http://purl.org/dc/elements/1.1/", NS_DC },
	{ "http://purl.org/dc/terms/", NS_DCTERMS },
	{ "http://purl.org/rss/1.0/modules/content/", NS_CONTENT },
	{ "http://search.yahoo.com/mrss/", NS_MEDIA },
	{ "http://search.yahoo.com/mrss", NS_MEDIA },
	{ "http://www.w3.org/1999/xhtml", NS_XHTML },
};

/* An HTML named entity handed to libxml2 as if predefined. */
struct ent_slot {
	xmlEntity	ent;
	xmlEntity	in_attr;	/* the same, kept as "&name;" in attributes */
	char		name[32];
	xmlChar		content[8];
};

struct xml_state {
	struct feed		*feed;
	xmlParserCtxtPtr	 ctxt;
	const char		*input;
	size_t			 inputlen;
	int			 depth;
	int			 root;		/* tag of the root, 0: not a feed */
	int			 atom_nons;	/* Atom without its namespace */
	int			 chan_depth;
	int			 skip_depth;	/* ignoring the subtree at this depth */
	struct feed_entry	*entry;
	int			 entry_depth;
	size_t			 entry_start;
	int			 link_prio;
	int			 guid_permalink;
	char			*about;		/* RSS 1.0 rdf:about */
	int			 author_depth;	/* inside an Atom author */
	char			*author[3];	/* name, email, uri */
	int			 feed_link_prio;
	enum tag		 cap_tag;	/* field being captured, or 0 */
	int			 cap_depth;
	enum cap		 cap_mode;
	int			 cap_wrapper;	/* depth of the xhtml <div> wrapper */
	struct feed_buf		 text;
	char			*bases[FEED_MAX_DEPTH + 2];
	const char		*base;
	const char		*doc_base;
	struct feed_base	 rb;		/* what resolving against base needs */
	struct ent_slot		 ents[ENT_MAX];
	int			 nents;
	const xmlChar		*ns_uri[NS_CACHE];
	enum ns			 ns_id[NS_CACHE];
	int			 ns_n;
	char			 root_name[64];
	int			 unchecked;	/* input not validated beforehand */
	int			 retry;		/* ... and libxml2 found a problem */
	size_t			 text_hint;	/* size of the last large field */
	size_t			 skipped;	/* bytes read by the fast path */
	size_t			 fresh_at;	/* see fast_text */
	int			 fast;		/* fast path in use */
	unsigned		 fast_hits, fast_misses;
};

size_t feed_fast_run = 512;
unsigned long feed_fast_reads;

/* Bytes of the input read so far: by libxml2 and by the fast path. */
static size_t
input_pos(const struct xml_state *st)
{
	long n = xmlByteConsumed(st->ctxt);	/* -1 when it cannot tell */
	size_t pos = (n > 0 ? (size_t)n : 0) + st->skipped;

	return pos < st->inputlen ? pos : st->inputlen;
}

/* Namespace of a URI (pointers are interned by libxml2's dictionary: cached). */
static enum ns
ns_of(struct xml_state *st, const xmlChar *uri)
{
	size_t i;
	int j;

	if (uri == NULL)
		return NS_NONE;
	for (j = 0; j < st->ns_n; j++)
		if (st->ns_uri[j] == uri)
			return st->ns_id[j];
	for (i = 0; i < sizeof namespaces / sizeof namespaces[0]; i++)
		if (strcmp((const char *)uri, namespaces[i].uri) == 0)
			break;
	j = st->ns_n < NS_CACHE ? st->ns_n++ : NS_CACHE - 1;
	st->ns_uri[j] = uri;
	st->ns_id[j] = i < sizeof namespaces / sizeof namespaces[0] ?
	    namespaces[i].ns : NS_OTHER;
	return st->ns_id[j];
}

/* Order of the tag table. */
static int
tag_cmp(const void *a, const void *b)
{
	const struct xml_tag *x = a, *y = b;

	if (x->ns != y->ns)
		return (int)x->ns - (int)y->ns;
	return strcmp(x->name, y->name);
}

/* The tag of an element. */
static enum tag
tag_of(struct xml_state *st, const xmlChar *uri, const xmlChar *local)
{
	struct xml_tag key, *t;

	key.ns = ns_of(st, uri);
	if (key.ns == NS_NONE && st->atom_nons)
		key.ns = NS_ATOM;
	if (key.ns == NS_OTHER || key.ns == NS_XHTML)
		return T_UNKNOWN;
	key.name = (const char *)local;
	t = bsearch(&key, tags, sizeof tags / sizeof tags[0], sizeof tags[0], tag_cmp);
	return t != NULL ? t->tag : T_UNKNOWN;
}

/* The value of attribute a (copied, trimmed), HTML entities left by entity_cb decoded. */
static char *
attr_value(const xmlChar **a)
{
	const char *v = (const char *)a[3];
	size_t n = (size_t)(a[4] - a[3]);

	if (memchr(v, '&', n) != NULL)
		return feed_text_entities(v, n);
	return feed_text_clean(v, n);
}

/* An attribute's value (copied), by local name and namespace URI (NULL: none). */
static char *
attr_get(int n, const xmlChar **a, const char *name, const char *uri)
{
	int i;

	for (i = 0; i < n; i++, a += 5) {
		if (strcmp((const char *)a[0], name) != 0)
			continue;
		if ((uri == NULL) != (a[2] == NULL) ||
		    (uri != NULL && strcmp((const char *)a[2], uri) != 0))
			continue;
		return attr_value(a);
	}
	return NULL;
}

/* Is an attribute without namespace present? */
static int
has_attr(int n, const xmlChar **a, const char *name)
{
	int i;

	for (i = 0; i < n; i++, a += 5)
		if (a[2] == NULL && strcmp((const char *)a[0], name) == 0)
			return 1;
	return 0;
}

/* Enter an element: remember its xml:base, resolved against the current one. */
static void
push_base(struct xml_state *st, int n, const xmlChar **a)
{
	char *b = attr_get(n, a, "base", (const char *)XML_XML_NAMESPACE);

	if (b == NULL)
		return;
	st->bases[st->depth] = feed_url_resolve(&st->rb, st->base, b);
	st->base = st->bases[st->depth];
	free(b);
}

/* Leave an element: restore the base in force around it. */
static void
pop_base(struct xml_state *st)
{
	int d;

	if (st->bases[st->depth] == NULL)
		return;
	free(st->bases[st->depth]);
	st->bases[st->depth] = NULL;
	st->base = st->doc_base;
	for (d = st->depth - 1; d > 0; d--)
		if (st->bases[d] != NULL) {
			st->base = st->bases[d];
			break;
		}
}

/* How an Atom text construct is written (type= and Atom 0.3's mode=). */
static enum cap
atom_mode(int n, const xmlChar **a)
{
	char *type = attr_get(n, a, "type", NULL), *mode = attr_get(n, a, "mode", NULL);
	enum cap c = CAP_TEXT;

	if (mode != NULL && strcasecmp(mode, "base64") == 0)
		c = CAP_SKIP;
	else if (mode != NULL && strcasecmp(mode, "escaped") == 0)
		c = CAP_HTML;
	else if (type == NULL)
		c = mode != NULL && strcasecmp(mode, "xml") == 0 ? CAP_XHTML : CAP_TEXT;
	else if (strcasecmp(type, "html") == 0 || strcasecmp(type, "text/html") == 0)
		c = CAP_HTML;
	else if (strcasecmp(type, "xhtml") == 0 ||
	    strcasecmp(type, "application/xhtml+xml") == 0)
		c = CAP_XHTML;
	else if (strcasecmp(type, "text") != 0 && strncasecmp(type, "text/", 5) != 0)
		c = CAP_SKIP;
	if (c != CAP_SKIP && has_attr(n, a, "src"))
		c = CAP_SKIP;
	free(type);
	free(mode);
	return c;
}

/* Begin capturing the text of a field. */
static void
capture(struct xml_state *st, enum tag tag, enum cap mode)
{
	if (mode == CAP_SKIP) {
		st->skip_depth = st->depth;
		return;
	}
	st->cap_tag = tag;
	st->cap_depth = st->depth;
	st->cap_mode = mode;
	st->cap_wrapper = 0;
	feed_buf_reset(&st->text);
	st->fresh_at = input_pos(st) + 1;	/* libxml2 is at the start tag's '>' */
}

/* Is an HTML element one without an end tag? */
static int
is_void(const char *name)
{
	static const char *v[] = { "area", "base", "br", "col", "embed", "hr", "img",
	    "input", "link", "meta", "param", "source", "track", "wbr" };
	size_t i;

	for (i = 0; i < sizeof v / sizeof v[0]; i++)
		if (strcmp(name, v[i]) == 0)
			return 1;
	return 0;
}

/* An element inside a captured field: serialise it as markup. */
static void
capture_start(struct xml_state *st, const xmlChar *local, int n, const xmlChar **a)
{
	char *v;
	int i;

	if (st->cap_mode == CAP_XHTML && st->depth == st->cap_depth + 1 &&
	    st->cap_wrapper == 0 && strcmp((const char *)local, "div") == 0 &&
	    st->text.len == 0) {
		st->cap_wrapper = st->depth;
		return;
	}
	feed_buf_addc(&st->text, '<');
	feed_buf_add(&st->text, (const char *)local, strlen((const char *)local));
	for (i = 0; i < n; i++, a += 5) {
		v = attr_value(a);
		feed_buf_addc(&st->text, ' ');
		feed_buf_add(&st->text, (const char *)a[0], strlen((const char *)a[0]));
		feed_buf_add(&st->text, "=\"", 2);
		if (v != NULL)
			feed_buf_add_escaped(&st->text, v, strlen(v));
		feed_buf_addc(&st->text, '"');
		free(v);
	}
	feed_buf_addc(&st->text, '>');
}

/* The end of an element inside a captured field. */
static void
capture_end(struct xml_state *st, const xmlChar *local)
{
	if (st->depth == st->cap_wrapper || is_void((const char *)local))
		return;
	feed_buf_add(&st->text, "</", 2);
	feed_buf_add(&st->text, (const char *)local, strlen((const char *)local));
	feed_buf_addc(&st->text, '>');
}

/* Parse a length attribute; -1 when absent or not a number. */
static int64_t
parse_length(const char *s)
{
	char *end;
	long long v;

	if (s == NULL)
		return -1;
	v = strtoll(s, &end, 10);
	return (*end != '\0' || v < 0) ? -1 : (int64_t)v;
}

/* An Atom <link>: alternate (HTML first) is the link, enclosure an enclosure. */
static void
atom_link(struct xml_state *st, int n, const xmlChar **a, char **link, int *prio)
{
	char *rel = attr_get(n, a, "rel", NULL), *href = attr_get(n, a, "href", NULL);
	char *type = attr_get(n, a, "type", NULL), *len;
	int p;

	if (href == NULL)
		goto out;
	if (rel == NULL || strcmp(rel, "alternate") == 0 ||
	    strcmp(rel, "http://www.iana.org/assignments/relation/alternate") == 0) {
		p = type == NULL || strstr(type, "html") != NULL ? 3 : 2;
		if (p > *prio) {
			free(*link);
			*link = feed_url_resolve(&st->rb, st->base, href);
			*prio = p;
		}
	} else if (strcmp(rel, "enclosure") == 0 && st->entry != NULL) {
		len = attr_get(n, a, "length", NULL);
		feed_enclosure_add(st->entry,
		    feed_url_resolve(&st->rb, st->base, href), type, parse_length(len));
		type = NULL;
		free(len);
	} else if (*prio == 0 && strcmp(rel, "self") != 0 && strcmp(rel, "edit") != 0 &&
	    strcmp(rel, "replies") != 0 && strcmp(rel, "hub") != 0) {
		free(*link);
		*link = feed_url_resolve(&st->rb, st->base, href);
		*prio = 1;
	}
out:
	free(rel);
	free(href);
	free(type);
}

/* An RSS <enclosure url= type= length=>, or Media RSS <media:content fileSize=>. */
static void
rss_enclosure(struct xml_state *st, int n, const xmlChar **a, const char *length)
{
	char *url = attr_get(n, a, "url", NULL), *len = attr_get(n, a, length, NULL);

	feed_enclosure_add(st->entry,
	    url ? feed_url_resolve(&st->rb, st->base, url) : NULL,
	    attr_get(n, a, "type", NULL), parse_length(len));
	free(url);
	free(len);
}

/* A child element of an entry. */
static void
entry_child(struct xml_state *st, enum tag tag, int n, const xmlChar **a)
{
	char *v;

	switch (tag) {
	case T_A_LINK:
		atom_link(st, n, a, &st->entry->link, &st->link_prio);
		st->skip_depth = st->depth;
		break;
	case T_ENCLOSURE:
	case T_MEDIA_CONTENT:
		rss_enclosure(st, n, a, tag == T_ENCLOSURE ? "length" : "fileSize");
		st->skip_depth = st->depth;
		break;
	case T_MEDIA_GROUP:	/* its media:content are the item's */
		break;
	case T_A_CATEGORY:
		v = attr_get(n, a, "term", NULL);
		feed_category_add(st->entry, v ? v : attr_get(n, a, "label", NULL));
		st->skip_depth = st->depth;
		break;
	case T_A_AUTHOR:
		st->author_depth = st->depth;
		break;
	case T_GUID:
		v = attr_get(n, a, "isPermaLink", NULL);
		st->guid_permalink = v == NULL || strcasecmp(v, "false") != 0;
		free(v);
		capture(st, tag, CAP_TEXT);
		break;
	case T_A_TITLE:
	case T_A_SUMMARY:
	case T_A_CONTENT:
		capture(st, tag, atom_mode(n, a));
		break;
	case T_TITLE: case T_LINK: case T_DESCRIPTION: case T_PUBDATE:
	case T_AUTHOR: case T_CATEGORY: case T_DC_CREATOR: case T_DC_DATE:
	case T_DC_DESCRIPTION: case T_DCT_MODIFIED: case T_CONTENT_ENCODED:
	case T_A_ID: case T_A_UPDATED: case T_A_PUBLISHED:
		capture(st, tag, tag == T_DESCRIPTION || tag == T_CONTENT_ENCODED ||
		    tag == T_DC_DESCRIPTION ? CAP_HTML : CAP_TEXT);
		break;
	default:
		st->skip_depth = st->depth;
	}
}

/* A child element of an Atom author. */
static void
author_child(struct xml_state *st, enum tag tag)
{
	if (tag == T_A_NAME || tag == T_A_EMAIL || tag == T_A_URI)
		capture(st, tag, CAP_TEXT);
	else
		st->skip_depth = st->depth;
}

/* A child element of the channel (RSS) or feed (Atom). */
static void
channel_child(struct xml_state *st, enum tag tag, int n, const xmlChar **a)
{
	switch (tag) {
	case T_A_LINK:
		atom_link(st, n, a, &st->feed->link, &st->feed_link_prio);
		st->skip_depth = st->depth;
		break;
	case T_A_TITLE:
		capture(st, tag, atom_mode(n, a));
		break;
	case T_TITLE:
	case T_LINK:
	case T_LANGUAGE:
		capture(st, tag, CAP_TEXT);
		break;
	default:
		st->skip_depth = st->depth;
	}
}

/* The root element decides the format, or that this is no feed. */
static void
root_start(struct xml_state *st, enum tag tag, const xmlChar *local,
    const xmlChar *uri, int n, const xmlChar **a)
{
	char *v = attr_get(n, a, "version", NULL);

	snprintf(st->root_name, sizeof st->root_name, "%s", (const char *)local);
	st->root = tag;
	if (tag == T_RSS) {
		feed_set_format(st->feed, v == NULL ? FEED_RSS20 :
		    strcmp(v, "0.91") == 0 ? FEED_RSS091 : strcmp(v, "0.92") == 0 ?
		    FEED_RSS092 : strcmp(v, "0.90") == 0 ? FEED_RSS090 : FEED_RSS20);
	} else if (tag == T_RDF)
		feed_set_format(st->feed, FEED_RSS10);
	else if (tag == T_FEED) {
		st->atom_nons = uri == NULL;
		feed_set_format(st->feed, (uri != NULL && strstr((const char *)uri,
		    "purl.org/atom")) || (v != NULL && strcmp(v, "0.3") == 0) ?
		    FEED_ATOM03 : FEED_ATOM10);
		st->chan_depth = 1;
		st->feed->language = attr_get(n, a, "lang",
		    (const char *)XML_XML_NAMESPACE);
	} else
		st->root = 0;
	free(v);
}

/* Open an item or entry. */
static void
entry_begin(struct xml_state *st, int n, const xmlChar **a)
{
	if ((st->entry = feed_entry_add(st->feed)) == NULL) {
		xmlStopParser(st->ctxt);
		return;
	}
	st->entry_depth = st->depth;
	st->entry_start = input_pos(st);
	st->link_prio = 0;
	st->guid_permalink = 0;
	st->about = attr_get(n, a, "about",
	    "http://www.w3.org/1999/02/22-rdf-syntax-ns#");
}

/*
 * libxml2 2.9 stops decoding entity references once a document is known not to be
 * well-formed; note the problem and clear the flag so the rest reads normally.
 */
static void
note_error(struct xml_state *st)
{
	const char *m = st->ctxt->lastError.message;

	if (st->ctxt->wellFormed || st->ctxt->errNo == XML_ERR_USER_STOP)
		return;
	feed_set_bozo(st->feed, m != NULL ? m : "not well-formed");
	st->ctxt->wellFormed = 1;
}

/* SAX2: an element starts. */
static void
start_cb(void *ctx, const xmlChar *local, const xmlChar *prefix, const xmlChar *uri,
    int nns, const xmlChar **nss, int n, int ndef, const xmlChar **a)
{
	struct xml_state *st = ctx;
	enum tag tag;

	(void)prefix; (void)nns; (void)nss; (void)ndef;
	st->fresh_at = 0;
	note_error(st);
	if (++st->depth > FEED_MAX_DEPTH)
		return;
	push_base(st, n, a);
	if (st->cap_tag != 0) {
		capture_start(st, local, n, a);
		return;
	}
	if (st->skip_depth != 0 || (st->depth > 1 && st->root == 0))
		return;
	tag = tag_of(st, uri, local);
	if (st->depth == 1)
		root_start(st, tag, local, uri, n, a);
	else if (st->entry != NULL && st->author_depth != 0)
		author_child(st, tag);
	else if (st->entry != NULL)
		entry_child(st, tag, n, a);
	else if (tag == T_ITEM || tag == T_ENTRY)
		entry_begin(st, n, a);
	else if (tag == T_CHANNEL && st->chan_depth == 0) {
		st->chan_depth = st->depth;
		if (uri != NULL && strstr((const char *)uri, "netscape.com"))
			feed_set_format(st->feed, FEED_RSS090);
	} else if (st->depth == st->chan_depth + 1)
		channel_child(st, tag, n, a);
	else
		st->skip_depth = st->depth;
}

/* A finished date field into *t, unless already set. */
static void
set_date(int64_t *t, const char *s)
{
	if (*t == 0)
		*t = feed_date(s);
}

/* Keep s in *field if it is empty, else free s. */
static void
set_once(char **field, char *s)
{
	if (*field == NULL)
		*field = s;
	else
		free(s);
}

/*
 * The captured text, trimmed: large fields take over the capture buffer instead of
 * being copied (the next capture starts a new one of the same size).
 */
static char *
take_text(struct xml_state *st, const char *p, size_t len)
{
	if (len < 4096 || p != st->text.p)
		return feed_text_clean(p, len);
	st->text_hint = st->text.cap;
	return feed_buf_take(&st->text);
}

/* Is the field being captured the first summary or content, as HTML? */
static int
html_field(const struct xml_state *st)
{
	const struct feed_entry *e = st->entry;

	if (st->cap_mode == CAP_TEXT)
		return 0;
	switch (st->cap_tag) {
	case T_DESCRIPTION: case T_DC_DESCRIPTION: case T_A_SUMMARY:
		return e->summary == NULL;
	case T_CONTENT_ENCODED: case T_A_CONTENT:
		return e->content == NULL;
	default:
		return 0;
	}
}

/* A finished field of an entry. */
static void
entry_field(struct xml_state *st, const char *p, size_t len)
{
	struct feed_entry *e = st->entry;
	struct feed_buf out = { 0 };
	char *s;

	if (st->cap_tag == T_TITLE || st->cap_tag == T_A_TITLE) {
		set_once(&e->title, feed_text_title(p, len,
		    st->cap_tag == T_TITLE || st->cap_mode != CAP_TEXT));
		return;
	}
	if (html_field(st) && feed_html_resolve(&st->rb, st->base, p, len, &out))
		s = feed_buf_take(&out);	/* its relative links resolved */
	else
		s = take_text(st, p, len);
	if (s == NULL)
		return;
	switch (st->cap_tag) {
	case T_LINK:
		if (st->link_prio < 4) {
			free(e->link);
			e->link = feed_url_resolve(&st->rb, st->base, s);
			st->link_prio = 4;
		}
		break;
	case T_GUID: case T_A_ID:
		set_once(&e->id, s);
		return;
	case T_PUBDATE: case T_DC_DATE: case T_A_PUBLISHED:
		set_date(&e->published, s);
		break;
	case T_A_UPDATED: case T_DCT_MODIFIED:
		set_date(&e->updated, s);
		break;
	case T_DESCRIPTION: case T_DC_DESCRIPTION: case T_A_SUMMARY:
		if (e->summary == NULL)
			e->summary_html = st->cap_mode != CAP_TEXT;
		set_once(&e->summary, s);
		return;
	case T_CONTENT_ENCODED: case T_A_CONTENT:
		if (e->content == NULL)
			e->content_html = st->cap_mode != CAP_TEXT;
		set_once(&e->content, s);
		return;
	case T_AUTHOR: case T_DC_CREATOR:
		feed_author_parse(e, s);
		break;
	case T_CATEGORY:
		feed_category_add(e, s);
		return;
	default:
		break;
	}
	free(s);
}

/* A finished field of the channel or feed. */
static void
channel_field(struct xml_state *st, const char *p, size_t len)
{
	struct feed *f = st->feed;
	char *s;

	if (st->cap_tag == T_TITLE || st->cap_tag == T_A_TITLE) {
		set_once(&f->title, feed_text_title(p, len,
		    st->cap_tag == T_TITLE || st->cap_mode != CAP_TEXT));
		return;
	}
	s = feed_text_clean(p, len);
	if (st->cap_tag == T_LINK && s != NULL && st->feed_link_prio < 4) {
		free(f->link);
		f->link = feed_url_resolve(&st->rb, st->base, s);
		st->feed_link_prio = 4;
	} else if (st->cap_tag == T_LANGUAGE && f->language == NULL) {
		f->language = s;
		return;
	}
	free(s);
}

/* A captured field ends: hand its text to its owner. */
static void
capture_done(struct xml_state *st)
{
	const char *p = st->text.p ? st->text.p : "";
	int i = st->cap_tag == T_A_NAME ? 0 : st->cap_tag == T_A_EMAIL ? 1 : 2;

	if (st->entry != NULL && st->author_depth != 0) {
		free(st->author[i]);
		st->author[i] = feed_text_clean(p, st->text.len);
	} else if (st->entry != NULL)
		entry_field(st, p, st->text.len);
	else
		channel_field(st, p, st->text.len);
	st->cap_tag = 0;
}

/* Does s look like an absolute http(s) URL? */
static int
is_http(const char *s)
{
	return s != NULL && (strncasecmp(s, "http://", 7) == 0 ||
	    strncasecmp(s, "https://", 8) == 0);
}

/* An item or entry ends: fill fallbacks, fingerprint it, or drop it if empty. */
static void
entry_end(struct xml_state *st)
{
	struct feed_entry *e = st->entry;
	size_t end = input_pos(st);

	if (st->ctxt->instate == XML_PARSER_EOF)	/* cut short: it runs to the end */
		end = st->inputlen;

	if (e->link == NULL && st->guid_permalink && is_http(e->id))
		e->link = xstrdup(e->id);
	if (e->id == NULL && st->about != NULL) {
		e->id = st->about;
		st->about = NULL;
	}
	if (e->link == NULL && is_http(st->about))
		e->link = xstrdup(st->about);
	free(st->about);
	st->about = NULL;
	st->entry = NULL;
	if (e->id == NULL && e->title == NULL && e->link == NULL &&
	    e->summary == NULL && e->content == NULL) {
		feed_entry_drop(st->feed);
		return;
	}
	if (end < st->entry_start)
		end = st->entry_start;
	feed_entry_finish(st->feed, e, st->input + st->entry_start,
	    end - st->entry_start);
}

/* An Atom author ends. */
static void
author_end(struct xml_state *st)
{
	feed_author_add(st->entry, st->author[0], st->author[1], st->author[2]);
	memset(st->author, 0, sizeof st->author);
	st->author_depth = 0;
}

/* SAX2: an element ends. */
static void
end_cb(void *ctx, const xmlChar *local, const xmlChar *prefix, const xmlChar *uri)
{
	struct xml_state *st = ctx;

	(void)prefix; (void)uri;
	st->fresh_at = 0;
	note_error(st);
	if (st->depth > FEED_MAX_DEPTH) {
		st->depth--;
		return;
	}
	if (st->cap_tag != 0 && st->depth > st->cap_depth)
		capture_end(st, local);
	else if (st->cap_tag != 0)
		capture_done(st);
	else if (st->skip_depth == st->depth)
		st->skip_depth = 0;
	else if (st->entry != NULL && st->depth == st->author_depth)
		author_end(st);
	else if (st->entry != NULL && st->depth == st->entry_depth)
		entry_end(st);
	pop_base(st);
	st->depth--;
}

/* Give up on unchecked input: the careful path (feed_text_input) reads it again. */
static void
give_up(struct xml_state *st)
{
	st->retry = 1;
	xmlStopParser(st->ctxt);
}

/* Memory for the capture buffer after take_text took the last one's. */
static void
text_start(struct xml_state *st)
{
	if (st->text.p == NULL && st->text_hint > 0) {
		st->text.p = xmalloc(st->text_hint);
		st->text.cap = st->text_hint;
	}
}

/* SAX2: text, white space. */
static void
text_cb(void *ctx, const xmlChar *s, int len)
{
	struct xml_state *st = ctx;

	st->fresh_at = 0;
	note_error(st);
	if (st->cap_tag == 0 || len <= 0 || st->retry)
		return;
	text_start(st);
	if (st->cap_mode == CAP_XHTML)
		feed_buf_add_escaped(&st->text, (const char *)s, (size_t)len);
	else
		feed_buf_put(&st->text, (const char *)s, (size_t)len);
}

/*
 * SAX2: a CDATA section. libxml2's push parser checks the bytes of CDATA for
 * structure, range and controls, but lets overlong forms through: what we keep
 * of unchecked input is checked for those here.
 */
static void
cdata_cb(void *ctx, const xmlChar *s, int len)
{
	struct xml_state *st = ctx;

	st->fresh_at = 0;
	if (st->unchecked && st->cap_tag != 0 && len > 0 &&
	    feed_text_has_overlong((const char *)s, (size_t)len)) {
		give_up(st);
		return;
	}
	text_cb(ctx, s, len);
}

/* Does an entity name hold characters a reference may not (see is_reference)? */
static int
odd_name(const char *s)
{
	for (; s != NULL && *s != '\0'; s++)
		if (!isalnum((unsigned char)*s) && *s != '_' && *s != '-' && *s != '.' &&
		    *s != ':')
			return 1;
	return 0;
}

/*
 * SAX2 structured errors (delivered even with XML_PARSE_NOERROR). On unchecked
 * input, invalid characters and bare '&' send the document down the careful path,
 * which repairs both before libxml2 sees them.
 */
static void
error_cb(void *ctx, xmlErrorPtr err)
{
	struct xml_state *st = ctx;

	if (!st->unchecked || st->retry || err == NULL)
		return;
	switch (err->code) {
	case XML_ERR_INVALID_CHAR: case XML_ERR_INVALID_ENCODING:
	case XML_ERR_UNKNOWN_ENCODING: case XML_ERR_INVALID_HEX_CHARREF:
	case XML_ERR_INVALID_DEC_CHARREF: case XML_ERR_INVALID_CHARREF:
	case XML_ERR_ENTITYREF_NO_NAME: case XML_ERR_ENTITYREF_SEMICOL_MISSING:
	case XML_ERR_NAME_REQUIRED:
		give_up(st);
		break;
	case XML_ERR_UNDECLARED_ENTITY: case XML_WAR_UNDECLARED_ENTITY:
		if (odd_name(err->str1))
			give_up(st);
		break;
	default:
		break;
	}
}

/* Encode a code point as UTF-8 into out (5 bytes); returns its length. */
static size_t
utf8_encode(unsigned int c, xmlChar *out)
{
	int n = xmlCopyCharMultiByte(out, (int)c);

	out[n > 0 ? n : 0] = '\0';
	return n > 0 ? (size_t)n : 0;
}

/* The slot of an HTML named entity, made on first use; NULL if there is none. */
static struct ent_slot *
ent_slot(struct xml_state *st, const xmlChar *name)
{
	const htmlEntityDesc *d;
	struct ent_slot *s;
	int i;

	for (i = 0; i < st->nents; i++)
		if (strcmp(st->ents[i].name, (const char *)name) == 0)
			return &st->ents[i];
	if (st->nents == ENT_MAX || strlen((const char *)name) >= sizeof s->name ||
	    (d = htmlEntityLookup(name)) == NULL)
		return NULL;
	s = &st->ents[st->nents++];
	memset(s, 0, sizeof *s);
	strcpy(s->name, (const char *)name);
	s->ent.type = XML_ENTITY_DECL;
	s->ent.etype = XML_INTERNAL_PREDEFINED_ENTITY;
	s->ent.name = (const xmlChar *)s->name;
	s->ent.content = s->content;
	s->ent.length = (int)utf8_encode(d->value, s->content);
	s->in_attr = s->ent;
	s->in_attr.etype = XML_INTERNAL_GENERAL_ENTITY;
	return s;
}

/*
 * SAX2: entity lookup. Only HTML's named entities exist, as predefined text. In
 * attribute values libxml2 copies one byte of a predefined entity: there the
 * multibyte ones are general entities, which it leaves as "&name;" for
 * attr_value to decode.
 */
static xmlEntityPtr
entity_cb(void *ctx, const xmlChar *name)
{
	struct xml_state *st = ctx;
	struct ent_slot *s;

	if ((s = ent_slot(st, name)) == NULL)
		return NULL;
	if (st->ctxt->instate == XML_PARSER_ATTRIBUTE_VALUE && s->ent.length > 1)
		return &s->in_attr;
	return &s->ent;
}

/* Free what the state holds. */
static void
state_free(struct xml_state *st)
{
	int i;

	for (i = 0; i <= FEED_MAX_DEPTH + 1; i++)
		free(st->bases[i]);
	for (i = 0; i < 3; i++)
		free(st->author[i]);
	free(st->about);
	feed_buf_free(&st->text);
	feed_base_free(&st->rb);
}

#define CDATA_OPEN	"<![CDATA["

/*
 * Where the next piece pushed to libxml2 ends: just after a '>' that a CDATA
 * section or feed_fast_run bytes without '<' follow (it may close the start tag of
 * a field whose text fast_text can read), else XML_CHUNK bytes on.
 */
static size_t
next_cut(const struct xml_state *st, size_t pos)
{
	const char *s = st->input, *end = s + st->inputlen, *p = s + pos;
	const char *lim = st->inputlen - pos > XML_CHUNK ? p + XML_CHUNK : end;
	const char *gt;

	while (st->fast && p < lim && (gt = memchr(p, '>', (size_t)(lim - p))) != NULL &&
	    (size_t)(end - (gt + 1)) > feed_fast_run + 9) {
		if (memcmp(gt + 1, CDATA_OPEN, 9) == 0 ||
		    (p = memchr(gt + 1, '<', feed_fast_run)) == NULL)
			return (size_t)(gt + 1 - s);
	}
	return (size_t)(lim - s);
}

/*
 * The fast path. libxml2 2.9 reads a run of text a character at a time, with a
 * call to the handler for each reference, once it has met a character that is not
 * ASCII (in a feed of escaped HTML in European languages, most of its time), and
 * reads CDATA sections three times over (looking for "]]>", checking, handing
 * over). So when the last piece pushed ended with the start tag of a captured
 * field, and libxml2 has read all of it and nothing since, the field's text is
 * read here, run by run and section by section up to a '<' that opens anything
 * else (feed_text_xml_chars: only what libxml2 reads without a word), and libxml2
 * is given the input again from that '<' on: to it, the field is empty. What the
 * fast path does not take is left to libxml2 as before. Returns where the input
 * goes on.
 */
static size_t
fast_text(struct xml_state *st, size_t pos)
{
	xmlParserCtxtPtr c = st->ctxt;
	const char *p, *stop;
	size_t left, lines, n;
	int cdata;

	if (st->fresh_at != pos || input_pos(st) != pos || st->cap_tag == 0 ||
	    st->cap_mode == CAP_XHTML || st->depth != st->cap_depth || st->retry ||
	    !c->wellFormed || c->disableSAX || c->instate != XML_PARSER_CONTENT ||
	    c->input->buf == NULL || c->input->buf->encoder != NULL) {
		if (++st->fast_misses > 64 && st->fast_misses > 4 * st->fast_hits)
			st->fast = 0;	/* cuts that do not pay */
		return pos;
	}
	text_start(st);
	for (;;) {
		p = st->input + pos;
		left = st->inputlen - pos;
		if ((cdata = left >= 9 && memcmp(p, CDATA_OPEN, 9) == 0))
			stop = memmem(p + 9, left - 9, "]]>", 3);
		else if (left > 0 && *p != '<')
			stop = memchr(p, '<', left);
		else
			break;
		if (stop == NULL || !feed_text_xml_chars(&st->text, cdata ? p + 9 : p,
		    (size_t)(stop - p) - (cdata ? 9 : 0), cdata, &lines))
			break;
		n = (size_t)(stop - p) + (cdata ? 3 : 0);
		c->input->line += (int)lines;	/* for libxml2's messages */
		st->skipped += n;
		pos += n;
		st->fast_hits++;
		feed_fast_reads++;
	}
	return pos;
}

/*
 * Run libxml2's SAX2 push parser over the input in pieces of at most XML_CHUNK
 * bytes, cut where the fast path may take over: libxml2 then never copies the
 * whole document, and its push mode reads CDATA much faster than its pull mode
 * does.
 */
static void
run_sax(struct xml_state *st)
{
	size_t off, n;
	xmlSAXHandler sax;

	memset(&sax, 0, sizeof sax);
	sax.initialized = XML_SAX2_MAGIC;
	sax.startElementNs = start_cb;
	sax.endElementNs = end_cb;
	sax.characters = text_cb;
	sax.cdataBlock = cdata_cb;
	sax.ignorableWhitespace = text_cb;
	sax.getEntity = entity_cb;
	sax.serror = error_cb;
	st->ctxt = xmlCreatePushParserCtxt(&sax, st, NULL, 0, NULL);
	if (st->ctxt == NULL)
		fatalx("feed: cannot create an XML parser");
	xmlCtxtUseOptions(st->ctxt, XML_OPTIONS);
	st->fast = feed_fast_run > 0;
	for (off = 0; off < st->inputlen && !st->ctxt->disableSAX; ) {
		n = next_cut(st, off);
		if (xmlParseChunk(st->ctxt, st->input + off, (int)(n - off), 0) != 0 &&
		    st->ctxt->instate == XML_PARSER_EOF)
			break;
		off = n;
		if (st->fast && off < st->inputlen)
			off = fast_text(st, off);
	}
	/*
	 * A CDATA section cut short by the end of the input: libxml2 would hand over
	 * only one block of 300 bytes of it per piece pushed and drop the rest. Closed,
	 * all of its text is read.
	 */
	if (st->ctxt->instate == XML_PARSER_CDATA_SECTION)
		xmlParseChunk(st->ctxt, "]]>", 3, 0);
	xmlParseChunk(st->ctxt, NULL, 0, 1);
	note_error(st);
	if (st->cap_tag != 0)
		capture_done(st);
	if (st->entry != NULL && st->author_depth != 0)
		author_end(st);
	if (st->entry != NULL)
		entry_end(st);
	if (st->ctxt->myDoc != NULL)	/* entity declarations kept for "SAX compat" */
		xmlFreeDoc(st->ctxt->myDoc);
	xmlFreeParserCtxt(st->ctxt);
	st->ctxt = NULL;
}

/* Is the '&' at s the start of a character or entity reference? */
static int
is_reference(const char *s, const char *end)
{
	const char *p = s + 1;

	if (p < end && *p == '#')
		p++;
	while (p < end && p - s < 40 && (isalnum((unsigned char)*p) || *p == '_' ||
	    *p == '-' || *p == '.' || *p == ':'))
		p++;
	return p < end && *p == ';' && p > s + 1 + (s[1] == '#');
}

/* Is pos inside a CDATA section? Advances a scan state kept in *at and *in. */
static int
in_cdata(const char *end, const char **at, int *in, const char *pos)
{
	const char *p;

	for (;;) {
		if (*in)
			p = memmem(*at, (size_t)(end - *at), "]]>", 3);
		else
			p = memmem(*at, (size_t)(end - *at), "<![CDATA[", 9);
		if (p == NULL || p >= pos)
			return *in;
		*at = p + (*in ? 3 : 9);
		*in = !*in;
	}
}

/*
 * Copy the input with bare '&' (outside CDATA) written as "&amp;"; 0 if there were
 * none. CDATA is only looked for once a bare '&' is seen, so clean input costs one
 * memchr pass.
 */
static int
repair_ampersands(const struct feed_input *in, struct feed_buf *b)
{
	const char *s = in->data, *end = in->data + in->len, *amp, *from = s;
	const char *at = s;
	int inside = 0;
	size_t n = 0;

	while ((amp = memchr(s, '&', (size_t)(end - s))) != NULL) {
		s = amp + 1;
		if (is_reference(amp, end) ||
		    in_cdata(end, &at, &inside, amp))
			continue;
		feed_buf_add(b, from, (size_t)(amp - from));
		feed_buf_add(b, "&amp;", 5);
		from = s;
		n++;
	}
	if (n > 0)
		feed_buf_add(b, from, (size_t)(end - from));
	return n > 0;
}

/*
 * Parse an XML feed; NULL (with *cause) when it is no feed at all, or (with
 * in->retry) when unchecked input turned out to need feed_text_input. The entries'
 * raw bytes stay valid: the feed takes over any copy of the input they lie in.
 */
struct feed *
feed_xml_parse(struct feed_input *in, const char *base_url, char **cause)
{
	struct xml_state *st = xcalloc(1, sizeof *st);
	struct feed *f = xcalloc(1, sizeof *f);
	struct feed_buf fixed = FEED_BUF_UNCAPPED;

	feed_set_format(f, FEED_RSS20);
	st->feed = f;
	st->input = in->data;
	st->inputlen = in->len;
	st->unchecked = in->unchecked;
	if (!in->unchecked && repair_ampersands(in, &fixed)) {
		feed_set_bozo(f, "bare '&' in text");
		st->input = fixed.p;
		st->inputlen = fixed.len;
		f->input_owned = fixed.p;
		fixed.p = NULL;
	} else if (in->owned != NULL) {
		f->input_owned = in->owned;
		in->owned = NULL;
	}
	if (st->inputlen > INT_MAX)
		st->inputlen = INT_MAX;
	st->doc_base = st->base = base_url;
	run_sax(st);
	if (st->retry) {
		in->retry = 1;
		feed_free(f);
		f = NULL;
	} else if (st->root == 0) {
		xasprintf(cause, st->root_name[0] ? "not a feed: root element <%s>" :
		    "not XML: no element found", st->root_name);
		feed_free(f);
		f = NULL;
	}
	state_free(st);
	free(st);
	feed_buf_free(&fixed);
	return f;
}
