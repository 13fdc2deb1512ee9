/*
 * html: feed autodiscovery, listing links and main-text extraction over a whole,
 * size-capped HTML body, with libxml2's HTML parser, libxml2 XPath, jansson for
 * schema.org JSON-LD and libcurl's URL API for every URL.
 *
 * Extraction (in the spirit of Readability):
 *  1. Annotate: one bounded walk gives every element its visible text length, the
 *     part of it inside links, its commas and a class/id weight (+25 for article,
 *     content, entry, post, story, body, main, text; -25 for nav, footer, sidebar,
 *     comment, share, social, related, promo, cookie, banner, ad, subscribe,
 *     newsletter, menu, breadcrumb and friends). Elements that are never content
 *     (script, style, nav, aside, header, footer, form, hidden ones, ARIA landmarks
 *     other than main) or whose hints are only negative are dropped with their
 *     subtree; figure captions are dropped unless the page is a gallery.
 *  2. Score: every paragraph-like block (p, pre, td, blockquote, or a div with
 *     its own text) of at least 25 bytes gives 1 + commas + min(3, len/100) to
 *     its parent, half to its grandparent and len/(level*3) further up (5
 *     levels). A candidate starts from its tag (div +5, article +10, lists -3,
 *     headings -5) and class weight; its final score is scaled by 1 - link density.
 *  3. Choose: the best candidate, promoted to its enclosing <article>; siblings
 *     that score well or are plain prose paragraphs join it.
 *  4. Emit: block elements become paragraphs ("\n\n"); headings and list items
 *     stay paragraphs; link-heavy blocks (related lists, share bars), the h1
 *     repeating the title, boilerplate lines ("Advertisement") and syndication
 *     trailers ("The post … appeared first on …") go.
 *  5. Fall back to JSON-LD articleBody when it is much longer than the DOM text.
 *
 * Listing heuristic (no selectors): links in the body outside nav, header,
 * footer, aside, forms and negative-hinted blocks; http(s), same registrable host
 * as the page (last two labels, three under a two-letter country code with a
 * short second level like co.uk); not the page itself, not a tag, category,
 * author, search, login or static-file path; the path must look like an article
 * (two or more segments, a slug with hyphens, a date /YYYY/MM/ or a long numeric
 * id) and the anchor text like a headline (three words or more). First occurrence
 * of each URL wins.
 */
#include "config.h"

#include <ctype.h>
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>
#include <jansson.h>
#include <libxml/HTMLparser.h>
#include <libxml/xpath.h>
#include <libxml/xpathInternals.h>

#include "html.h"
#include "text_date.h"
#include "xmalloc.h"

#define MAX_URL		8192
#define MAX_LD		(512 * 1024)	/* bytes of one JSON-LD script */
#define MAX_XPATH_OPS	10000000UL

/* A growing string with a hard cap; bytes beyond max are dropped. */
struct buf {
	char	*s;
	size_t	 len;
	size_t	 cap;
	size_t	 max;
};

/* What the annotation walk knows about one element. */
struct info {
	double	 score;
	size_t	 text;		/* visible bytes, whitespace excluded */
	size_t	 link;		/* of which inside <a> */
	int	 commas;
	int	 weight;	/* class/id hint: -25, 0 or +25 */
	int	 drop;		/* never content, with its subtree */
	int	 scored;	/* has been initialised as a candidate */
	int	 byline;	/* is or holds the byline */
	int	 has_time;	/* holds a <time> */
};

/* One extraction run over a parsed document. */
struct ctx {
	struct info	*info;		/* info[0] is the "unknown, dropped" node */
	size_t		 ninfo;
	size_t		 capinfo;
	int		 captions;	/* keep figcaption (galleries) */
	const char	*title;		/* to skip the h1 repeating it */
	int		 budget;	/* nodes left to visit in a walk */
};

/* Metadata gathered from the whole document. */
struct meta {
	char	*title_tag;
	char	*h1;
	char	*h2;
	char	*og_title;
	char	*site_name;
	char	*author;
	char	*dom_byline;
	char	*published;
	char	*time_attr;
	char	*canonical;
	char	*og_url;
	char	*lang;
	char	*base;
	char	*ld_headline;
	char	*ld_body;
	char	*ld_author;
	char	*ld_published;
	char	*ld_url;
	char	*ld_lang;
};

/* The length of s cut to at most max bytes without splitting a UTF-8 sequence. */
static size_t
utf8_cut(const char *s, size_t n, size_t max)
{
	if (n <= max)
		return n;
	while (max > 0 && ((unsigned char)s[max] & 0xc0) == 0x80)
		max--;
	return max;
}

/* A copy of at most max bytes of s, cut at a character boundary. */
static char *
copy_cut(const char *s, size_t max)
{
	return xstrndup(s, utf8_cut(s, strlen(s), max));
}

/* Append n bytes to a capped buffer (cut at a character boundary). */
static void
buf_addn(struct buf *b, const char *s, size_t n)
{
	if (b->max != 0 && b->len + n > b->max)
		n = utf8_cut(s, n, b->len < b->max ? b->max - b->len : 0);
	if (b->len + n + 1 > b->cap) {
		b->cap = (b->len + n + 1) * 2;
		b->s = xrealloc(b->s, b->cap);
	}
	memcpy(b->s + b->len, s, n);
	b->len += n;
	b->s[b->len] = '\0';
}

/* Append a C string. */
static void
buf_add(struct buf *b, const char *s)
{
	buf_addn(b, s, strlen(s));
}

/* Take the buffer's string (never NULL). */
static char *
buf_take(struct buf *b)
{
	char *s = b->s != NULL ? b->s : xstrdup("");

	b->s = NULL;
	b->len = b->cap = 0;
	return s;
}

/* Length of a whitespace character at s (ASCII or U+00A0), 0 if none. */
static size_t
space_len(const char *s)
{
	if (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r' || *s == '\f' ||
	    *s == '\v')
		return 1;
	if ((unsigned char)s[0] == 0xc2 && (unsigned char)s[1] == 0xa0)
		return 2;
	return 0;
}

/* Collapse runs of whitespace to one space and trim, in place. */
static char *
collapse(char *s)
{
	char *w = s;
	const char *r = s;
	size_t n;
	int sp = 0;

	while (*r != '\0') {
		if ((n = space_len(r)) != 0) {
			sp = 1;
			r += n;
			continue;
		}
		if (sp && w != s)
			*w++ = ' ';
		sp = 0;
		*w++ = *r++;
	}
	*w = '\0';
	return s;
}

/* Free a string and set it to a new value (which may be NULL). */
static void
set_str(char **p, char *v)
{
	free(*p);
	*p = v;
}

/* Set *p to a copy of v unless it is already set or v is empty. */
static void
set_once(char **p, const char *v)
{
	char *c;

	if (*p != NULL || v == NULL)
		return;
	c = collapse(xstrdup(v));
	if (*c == '\0')
		free(c);
	else
		*p = c;
}

/* Is n an element named name? (The HTML parser lower-cases names.) */
static int
is_el(const xmlNode *n, const char *name)
{
	return n != NULL && n->type == XML_ELEMENT_NODE &&
	    strcmp((const char *)n->name, name) == 0;
}

/* Is name one of the words of a NULL-terminated list? */
static int
in_list(const char *name, const char *const *list)
{
	for (; *list != NULL; list++)
		if (strcmp(name, *list) == 0)
			return 1;
	return 0;
}

/* Borrow an attribute's value; NULL if absent, "" if it has none. */
static const char *
attr(const xmlNode *n, const char *name)
{
	for (const xmlAttr *a = n->properties; a != NULL; a = a->next) {
		if (strcasecmp((const char *)a->name, name) != 0)
			continue;
		if (a->children != NULL && a->children->content != NULL)
			return (const char *)a->children->content;
		return "";
	}
	return NULL;
}

/* Does a whitespace-separated attribute value contain word (ASCII case-blind)? */
static int
has_token(const char *v, const char *word)
{
	size_t wl = strlen(word), n;

	while (v != NULL && *v != '\0') {
		while (isspace((unsigned char)*v))
			v++;
		for (n = 0; v[n] != '\0' && !isspace((unsigned char)v[n]); n++)
			;
		if (n == wl && strncasecmp(v, word, n) == 0)
			return 1;
		v += n;
	}
	return 0;
}

/* Append the text of a subtree (no script/style), within a node budget. */
static void
subtree_text(const xmlNode *n, struct buf *b, int depth, int *budget)
{
	for (const xmlNode *c = n->children; c != NULL && *budget > 0; c = c->next) {
		(*budget)--;
		if (c->type == XML_TEXT_NODE || c->type == XML_CDATA_SECTION_NODE) {
			if (c->content != NULL)
				buf_add(b, (const char *)c->content);
		} else if (c->type == XML_ELEMENT_NODE && depth < HTML_MAX_DEPTH &&
		    !is_el(c, "script") && !is_el(c, "style")) {
			if (is_el(c, "br") || is_el(c, "p") || is_el(c, "li"))
				buf_add(b, " ");
			subtree_text(c, b, depth + 1, budget);
		}
	}
}

/* The collapsed text of a subtree, capped at max bytes (never NULL). */
static char *
node_text(const xmlNode *n, size_t max)
{
	struct buf b = { NULL, 0, 0, max };
	int budget = 20000;

	subtree_text(n, &b, 0, &budget);
	return collapse(buf_take(&b));
}

/* Parse a page; NULL if libxml2 cannot make a document of it. */
static htmlDocPtr
parse(const char *buf, size_t len, const char *base_url, const char *charset)
{
	int opts = HTML_PARSE_NOERROR | HTML_PARSE_NOWARNING | HTML_PARSE_NONET |
	    HTML_PARSE_RECOVER | HTML_PARSE_COMPACT;
	xmlCharEncodingHandlerPtr h;
	const char *enc = NULL;

	if (buf == NULL || len == 0)
		return NULL;
	if (len > INT_MAX)
		len = INT_MAX;
	if (charset != NULL && *charset != '\0' && strlen(charset) < 64 &&
	    (h = xmlFindCharEncodingHandler(charset)) != NULL) {
		enc = charset;
		xmlCharEncCloseFunc(h);
	}
	return htmlReadMemory(buf, (int)len, base_url, enc, opts);
}

/* The <body> element (or the root when there is none). */
static xmlNode *
doc_body(htmlDocPtr doc)
{
	xmlNode *root = xmlDocGetRootElement(doc);

	if (root == NULL)
		return NULL;
	for (xmlNode *c = root->children; c != NULL; c = c->next)
		if (is_el(c, "body"))
			return c;
	return root;
}

/* Lower-case the host of a parsed URL (curl 7.88 keeps its case). */
static void
lower_host(CURLU *u)
{
	char *host = NULL, *low;

	if (curl_url_get(u, CURLUPART_HOST, &host, 0) != CURLUE_OK)
		return;
	low = xstrdup(host);
	for (char *p = low; *p != '\0'; p++)
		*p = (char)tolower((unsigned char)*p);
	curl_url_set(u, CURLUPART_HOST, low, 0);
	free(low);
	curl_free(host);
}

/* Resolve ref against base to an absolute http(s) URL without fragment; or NULL. */
static char *
resolve(const char *base, const char *ref)
{
	CURLU *u;
	char *r, *out = NULL, *scheme = NULL, *url = NULL;

	if (ref == NULL || strlen(ref) > MAX_URL)
		return NULL;
	r = collapse(xstrdup(ref));
	u = curl_url();
	if (*r != '\0' && *r != '#' &&
	    (base == NULL || curl_url_set(u, CURLUPART_URL, base, 0) == CURLUE_OK) &&
	    curl_url_set(u, CURLUPART_URL, r, 0) == CURLUE_OK &&
	    curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) == CURLUE_OK &&
	    (strcmp(scheme, "http") == 0 || strcmp(scheme, "https") == 0)) {
		curl_url_set(u, CURLUPART_FRAGMENT, NULL, 0);
		lower_host(u);
		if (curl_url_get(u, CURLUPART_URL, &url, 0) == CURLUE_OK)
			out = xstrdup(url);
	}
	curl_free(url);
	curl_free(scheme);
	curl_url_cleanup(u);
	free(r);
	return out;
}

/* The base for relative links: <base href> resolved against the page URL. */
static char *
doc_base(htmlDocPtr doc, const char *base_url)
{
	xmlNode *root = xmlDocGetRootElement(doc);
	const char *href;
	char *b;

	for (xmlNode *h = root != NULL ? root->children : NULL; h != NULL; h = h->next) {
		if (!is_el(h, "head"))
			continue;
		for (xmlNode *c = h->children; c != NULL; c = c->next)
			if (is_el(c, "base") && (href = attr(c, "href")) != NULL &&
			    (b = resolve(base_url, href)) != NULL)
				return b;
	}
	return base_url != NULL ? xstrdup(base_url) : NULL;
}

/* ---- feed autodiscovery ---- */

/* Is a <link type> one of the feed types? */
static int
feed_type(const char *type)
{
	static const char *const types[] = { "application/rss+xml",
	    "application/atom+xml", "application/feed+json", "application/json",
	    "application/rdf+xml", NULL };
	char t[64];
	size_t n = 0;

	while (type != NULL && *type != '\0' && *type != ';' && n < sizeof t - 1) {
		if (!isspace((unsigned char)*type))
			t[n++] = (char)tolower((unsigned char)*type);
		type++;
	}
	t[n] = '\0';
	return in_list(t, types);
}

/* Collect feed links below n into v (NULL-terminated, at most HTML_MAX_FEEDS). */
static void
find_feeds(xmlNode *n, const char *base, char **v, size_t *nv, int depth,
    int *budget)
{
	char *u;
	size_t i;

	for (xmlNode *c = n->children; c != NULL && *budget > 0; c = c->next) {
		(*budget)--;
		if (c->type != XML_ELEMENT_NODE)
			continue;
		if (is_el(c, "link") && has_token(attr(c, "rel"), "alternate") &&
		    feed_type(attr(c, "type")) && *nv < HTML_MAX_FEEDS &&
		    (u = resolve(base, attr(c, "href"))) != NULL) {
			for (i = 0; i < *nv && strcmp(v[i], u) != 0; i++)
				;
			if (i == *nv)
				v[(*nv)++] = u;
			else
				free(u);
		}
		if (depth < HTML_MAX_DEPTH)
			find_feeds(c, base, v, nv, depth + 1, budget);
	}
}

char **
html_discover_feeds(const char *buf, size_t len, const char *base_url,
    const char *charset)
{
	char **v = xcalloc(HTML_MAX_FEEDS + 1, sizeof *v), *base;
	size_t nv = 0;
	int budget = HTML_MAX_NODES;
	htmlDocPtr doc;

	if ((doc = parse(buf, len, base_url, charset)) == NULL)
		return v;
	base = doc_base(doc, base_url);
	find_feeds((xmlNode *)doc, base, v, &nv, 0, &budget);
	free(base);
	xmlFreeDoc(doc);
	return v;
}

void
html_strings_free(char **v)
{
	if (v == NULL)
		return;
	for (char **p = v; *p != NULL; p++)
		free(*p);
	free(v);
}

/* ---- class/id hints ---- */

static const char *const positive_words[] = { "article", "content", "entry",
	"post", "story", "body", "main", "text", "blog", "prose", NULL };
/* Negative words that never name a layout wrapper: they win over positive ones. */
static const char *const strong_words[] = { "comment", "share", "sharing",
	"social", "related", "promo", "cookie", "consent", "subscribe", "newsletter",
	"breadcrumb", "byline", "dateline", "meta", "popup", "modal", "outbrain",
	"taboola", "recommend", "sponsor", "disqus", "signup", "paywall", "gdpr",
	"toolbar", "tags", "author", "trending", "caption", "credit", "skip",
	"pagination", "pager", "print", "rating", "signature", "pubdate",
	"timestamp", "werbung", "pullquote", "date", NULL };
/* Negative words a wrapper may carry next to a positive one (has-sidebar). */
static const char *const weak_words[] = { "nav", "footer", "sidebar", "banner",
	"menu", "masthead", "widget", "header", "aside", NULL };
/* Negative tokens matched exactly (too short or too common for prefixes). */
static const char *const exact_words[] = { "ad", "ads", "advert",
	"advertisement", "adslot", "adsbygoogle", "adunit", "tag", "hidden",
	"more", "pull", "bio", "bios", NULL };

/* Does token start with one of the words? */
static int
prefix_in(const char *tok, const char *const *words)
{
	for (; *words != NULL; words++)
		if (strncmp(tok, *words, strlen(*words)) == 0)
			return 1;
	return 0;
}

/* Is the class name at v a state class ("has-sidebar", "no-comments")? */
static int
state_class(const char *v)
{
	static const char *const prefixes[] = { "has-", "has_", "with-", "no-",
	    "is-", "without-", NULL };

	for (const char *const *p = prefixes; *p != NULL; p++)
		if (strncasecmp(v, *p, strlen(*p)) == 0)
			return 1;
	return 0;
}

/* Classify the tokens of a class or id value into positive/strong/weak counts. */
static void
classify(const char *v, int *pos, int *strong, int *weak)
{
	const char *start = v;
	char tok[64];
	size_t n;

	while (v != NULL && *v != '\0') {
		while (*v != '\0' && !isalnum((unsigned char)*v))
			v++;
		if ((v == start || isspace((unsigned char)v[-1])) && state_class(v)) {
			while (*v != '\0' && !isspace((unsigned char)*v))
				v++;
			continue;
		}
		for (n = 0; isalnum((unsigned char)*v); v++)
			if (n < sizeof tok - 1)
				tok[n++] = (char)tolower((unsigned char)*v);
		tok[n] = '\0';
		if (n == 0)
			continue;
		if (in_list(tok, exact_words) || prefix_in(tok, strong_words))
			(*strong)++;
		else if (prefix_in(tok, weak_words))
			(*weak)++;
		else if (prefix_in(tok, positive_words))
			(*pos)++;
	}
}

/* Class/id weight of an element; *drop set when its hints say "not content". */
static int
class_weight(const xmlNode *n, int *drop)
{
	int pos = 0, strong = 0, weak = 0;

	classify(attr(n, "class"), &pos, &strong, &weak);
	classify(attr(n, "id"), &pos, &strong, &weak);
	*drop = strong > 0 || (weak > 0 && pos == 0);
	if (strong + weak > 0)
		return pos > 0 && strong == 0 ? 0 : -25;
	return pos > 0 ? 25 : 0;
}

/* ---- annotation ---- */

static int	is_byline(const xmlNode *);

static const char *const never_content[] = { "script", "style", "noscript",
	"nav", "aside", "header", "footer", "form", "iframe", "svg", "button",
	"select", "textarea", "template", "object", "embed", "canvas", "input",
	"label", "dialog", "menu", "head", "title", "meta", "link", "audio", "video",
	"map", NULL };
static const char *const landmark_roles[] = { "navigation", "banner",
	"contentinfo", "complementary", "dialog", "alertdialog", "search", "menu",
	"menubar", "toolbar", "tablist", NULL };

/* Is the element hidden by attribute or inline style? */
static int
hidden(const xmlNode *n)
{
	const char *v;
	char *s;
	int h;

	if (attr(n, "hidden") != NULL)
		return 1;
	if ((v = attr(n, "aria-hidden")) != NULL && strcasecmp(v, "true") == 0)
		return 1;
	if ((v = attr(n, "style")) == NULL || strlen(v) > 4096)
		return 0;
	s = xstrdup(v);
	for (char *r = s, *w = s; ; r++) {
		if (!isspace((unsigned char)*r))
			*w++ = (char)tolower((unsigned char)*r);
		if (*r == '\0')
			break;
	}
	h = strstr(s, "display:none") != NULL || strstr(s, "visibility:hidden") != NULL;
	free(s);
	return h;
}

/* Is the element (by itself) never part of an article's text? */
static int
dropped(const struct ctx *c, const xmlNode *n, int weight_drop)
{
	const char *name = (const char *)n->name, *role;

	if (in_list(name, never_content))
		return 1;
	if (strcmp(name, "figcaption") == 0 && !c->captions)
		return 1;
	if ((role = attr(n, "role")) != NULL) {
		char r[32];
		size_t i;

		for (i = 0; role[i] != '\0' && i < sizeof r - 1; i++)
			r[i] = (char)tolower((unsigned char)role[i]);
		r[i] = '\0';
		if (in_list(r, landmark_roles))
			return 1;
	}
	if (hidden(n))
		return 1;
	if (weight_drop && strcmp(name, "html") != 0 && strcmp(name, "body") != 0 &&
	    strcmp(name, "article") != 0 && strcmp(name, "main") != 0)
		return 1;
	return 0;
}

/* The info of an element (info[0], dropped, for unannotated nodes). */
static struct info *
info_of(const struct ctx *c, const xmlNode *n)
{
	uintptr_t i = (uintptr_t)n->_private;

	return &c->info[i < c->ninfo ? i : 0];
}

/* Count visible bytes and commas of a text node. */
static void
count_text(const char *s, size_t *len, int *commas)
{
	for (; *s != '\0'; s++) {
		if (*s == ',')
			(*commas)++;
		if (!isspace((unsigned char)*s))
			(*len)++;
	}
}

/* Give an element a fresh info slot; return its index (0 when out of room). */
static size_t
new_info(struct ctx *c, xmlNode *n)
{
	if (c->ninfo >= HTML_MAX_NODES)
		return 0;
	if (c->ninfo == c->capinfo) {
		c->capinfo = c->capinfo == 0 ? 1024 : c->capinfo * 2;
		c->info = xreallocarray(c->info, c->capinfo, sizeof *c->info);
	}
	memset(&c->info[c->ninfo], 0, sizeof c->info[0]);
	n->_private = (void *)(uintptr_t)c->ninfo;
	return c->ninfo++;
}

/* Annotate an element and its subtree; return its info index (0 = dropped). */
static size_t
annotate(struct ctx *c, xmlNode *n, int depth, int in_link)
{
	size_t i, ci;
	int wdrop, link;

	if (depth > HTML_MAX_DEPTH || c->budget-- <= 0 || (i = new_info(c, n)) == 0)
		return 0;
	c->info[i].weight = class_weight(n, &wdrop);
	c->info[i].byline = is_byline(n);
	c->info[i].has_time = is_el(n, "time");
	if ((c->info[i].drop = dropped(c, n, wdrop)))
		return i;
	link = in_link || is_el(n, "a");
	for (xmlNode *k = n->children; k != NULL; k = k->next) {
		if (k->type == XML_TEXT_NODE && k->content != NULL) {
			size_t t = 0;

			count_text((const char *)k->content, &t, &c->info[i].commas);
			c->info[i].text += t;
			if (link)
				c->info[i].link += t;
		} else if (k->type == XML_ELEMENT_NODE &&
		    (ci = annotate(c, k, depth + 1, link)) != 0) {
			c->info[i].byline |= c->info[ci].byline;
			if (c->info[ci].drop)
				continue;
			c->info[i].has_time |= c->info[ci].has_time;
			c->info[i].text += c->info[ci].text;
			c->info[i].link += c->info[ci].link;
			c->info[i].commas += c->info[ci].commas;
		}
	}
	return i;
}

/* Clear the _private marks of a subtree (before another run). */
static void
unmark(xmlNode *n, int depth)
{
	for (xmlNode *k = n; k != NULL; k = k->next) {
		k->_private = NULL;
		if (k->type == XML_ELEMENT_NODE && depth < HTML_MAX_DEPTH)
			unmark(k->children, depth + 1);
	}
}

/* ---- scoring ---- */

/* Link density of an element: link text over all text. */
static double
link_density(const struct info *in)
{
	return in->text == 0 ? 0 : (double)in->link / (double)in->text;
}

/* The starting score of a candidate from its tag. */
static double
tag_score(const xmlNode *n)
{
	static const char *const minus3[] = { "address", "ol", "ul", "dl", "dd",
	    "dt", "li", "form", NULL };
	static const char *const minus5[] = { "h1", "h2", "h3", "h4", "h5", "h6",
	    "th", NULL };
	const char *name = (const char *)n->name;

	if (strcmp(name, "article") == 0)
		return 10;
	if (strcmp(name, "div") == 0 || strcmp(name, "main") == 0)
		return 5;
	if (strcmp(name, "pre") == 0 || strcmp(name, "td") == 0 ||
	    strcmp(name, "blockquote") == 0)
		return 3;
	if (in_list(name, minus3))
		return -3;
	if (in_list(name, minus5))
		return -5;
	return 0;
}

/* Does an element hold text of its own (not only in child elements)? */
static int
own_text(const xmlNode *n)
{
	size_t t = 0;
	int commas = 0;

	for (const xmlNode *k = n->children; k != NULL; k = k->next)
		if (k->type == XML_TEXT_NODE && k->content != NULL)
			count_text((const char *)k->content, &t, &commas);
	return t >= 25;
}

/* Is an element a paragraph-like block whose text scores its ancestors? */
static int
scorable(const struct ctx *c, const xmlNode *n)
{
	static const char *const tags[] = { "p", "pre", "td", "blockquote", NULL };

	if (in_list((const char *)n->name, tags))
		return 1;
	if (c->captions && is_el(n, "figcaption"))
		return 1;
	return (is_el(n, "div") || is_el(n, "section") || is_el(n, "font") ||
	    is_el(n, "center")) && own_text(n);
}

/* Spread the score of one paragraph over its ancestors. */
static void
score_paragraph(struct ctx *c, xmlNode *n, const struct info *in)
{
	double s = 1 + in->commas + (in->text / 100 > 3 ? 3 : in->text / 100);
	xmlNode *a = n->parent;
	struct info *ai;

	for (int level = 0; level < 5 && a != NULL && a->type == XML_ELEMENT_NODE;
	    level++, a = a->parent) {
		ai = info_of(c, a);
		if (ai == c->info || ai->drop)
			break;
		if (!ai->scored) {
			ai->scored = 1;
			ai->score = tag_score(a) + ai->weight;
		}
		ai->score += level == 0 ? s : level == 1 ? s / 2 : s / (level * 3);
	}
}

/* Score every paragraph below n. */
static void
score_tree(struct ctx *c, xmlNode *n, int depth)
{
	struct info *in;

	for (xmlNode *k = n->children; k != NULL; k = k->next) {
		if (k->type != XML_ELEMENT_NODE)
			continue;
		in = info_of(c, k);
		if (in == c->info || in->drop)
			continue;
		if (scorable(c, k) && in->text >= 25)
			score_paragraph(c, k, in);
		if (depth < HTML_MAX_DEPTH)
			score_tree(c, k, depth + 1);
	}
}

/* The best-scoring candidate below n, with its final score in *best. */
static xmlNode *
best_candidate(struct ctx *c, xmlNode *n, int depth, double *best)
{
	xmlNode *top = NULL, *t;
	struct info *in;
	double s;

	for (xmlNode *k = n->children; k != NULL; k = k->next) {
		if (k->type != XML_ELEMENT_NODE)
			continue;
		in = info_of(c, k);
		if (in == c->info || in->drop)
			continue;
		if (in->scored) {
			s = in->score * (1 - link_density(in));
			if (s > *best) {
				*best = s;
				top = k;
			}
		}
		if (depth < HTML_MAX_DEPTH &&
		    (t = best_candidate(c, k, depth + 1, best)) != NULL)
			top = t;
	}
	return top;
}

/* The first element named name below n (bounded), or NULL. */
static xmlNode *
find_el(xmlNode *n, const char *name, int depth)
{
	xmlNode *f;

	for (xmlNode *k = n != NULL ? n->children : NULL; k != NULL; k = k->next) {
		if (k->type != XML_ELEMENT_NODE)
			continue;
		if (is_el(k, name))
			return k;
		if (depth < HTML_MAX_DEPTH && (f = find_el(k, name, depth + 1)) != NULL)
			return f;
	}
	return NULL;
}

/* Promote a candidate to its enclosing, not dropped <article>. */
static xmlNode *
promote(struct ctx *c, xmlNode *top)
{
	for (xmlNode *a = top; a != NULL && a->type == XML_ELEMENT_NODE; a = a->parent) {
		if (info_of(c, a)->drop)
			break;
		if (is_el(a, "article"))
			return a;
	}
	return top;
}

/* Does an element's text end a sentence? */
static int
ends_sentence(const xmlNode *n)
{
	char *t = node_text(n, 4096);
	size_t len = strlen(t);
	int end = len > 0 && strchr(".!?\"", t[len - 1]) != NULL;

	free(t);
	return end;
}

/* Should a sibling of the top candidate join the article? */
static int
sibling_joins(struct ctx *c, xmlNode *s, double threshold)
{
	struct info *in = info_of(c, s);
	double ld = link_density(in);

	if (in == c->info || in->drop || in->text == 0)
		return 0;
	if (in->scored && in->score * (1 - ld) >= threshold)
		return 1;
	if (in->scored && in->text > 80 && ld < 0.25)
		return 1;
	if (!is_el(s, "p"))
		return 0;
	if (in->text > 80)
		return ld < 0.25;
	return ld == 0 && ends_sentence(s);
}

/* ---- emission ---- */

static const char *const block_tags[] = { "p", "div", "section", "article",
	"main", "h1", "h2", "h3", "h4", "h5", "h6", "li", "ul", "ol", "dl", "dt", "dd",
	"blockquote", "pre", "table", "tr", "figure", "figcaption", "hr", "address",
	"center", "details", "summary", "body", "caption", "tbody", "thead", NULL };
/* Blocks that go when most of their text is links. */
static const char *const cleaned_tags[] = { "p", "div", "section", "ul", "ol",
	"dl", "table", "li", "figure", "td", "font", "center", NULL };
/* Whole paragraphs that are page furniture, not text. */
static const char *const boilerplate[] = { "advertisement", "anzeige",
	"publicité", "reklama", "werbung", "publicidad", "pubblicità",
	"share this article", "share", "read more", "weiterlesen", "lire la suite",
	"czytaj więcej", "related articles", "continue reading", NULL };

/* Is a paragraph a syndication trailer ("The post X appeared first on Y.")? */
static int
is_trailer(const char *p)
{
	if (strncasecmp(p, "The post ", 9) == 0 &&
	    (strstr(p, " appeared first on ") != NULL ||
	    strstr(p, " first appeared on ") != NULL))
		return 1;
	return strncasecmp(p, "This article originally appeared on ", 36) == 0 ||
	    strncasecmp(p, "This post originally appeared on ", 33) == 0;
}

/* Is a paragraph a date line ("Sunday 17 May 2026", "12.03.2026 10:00")? */
static int
is_date_line(const char *p)
{
	int tokens = 0, years = 0, days = 0, words = 0, n;
	const char *q = p;

	if (strlen(p) > 48)
		return 0;
	while (*q != '\0') {
		while (*q != '\0' && strchr(" ,./-", *q) != NULL)
			q++;
		if (*q == '\0')
			break;
		for (n = 0; q[n] != '\0' && strchr(" ,./-", q[n]) == NULL; n++)
			;
		tokens++;
		if (n == 4 && (strncmp(q, "19", 2) == 0 || strncmp(q, "20", 2) == 0) &&
		    strspn(q, "0123456789") == 4)
			years++;
		else if (n <= 2 && (int)strspn(q, "0123456789") == n)
			days++;
		else if ((int)strspn(q, "0123456789:") != n)
			words++;
		q += n;
	}
	return tokens <= 6 && years == 1 && days >= 1 && words <= 2;
}

/* Is a paragraph page furniture (a copyright line, "Advertisement")? */
static int
is_boilerplate(const char *p)
{
	static const char *const prefixes[] = { "posted by ", "posted on ",
	    "posted in ", "filed under ", "tags: ", "tagged ", "share this", NULL };
	char low[40];
	size_t n = strlen(p), i;

	if (is_date_line(p))
		return 1;
	for (const char *const *pre = prefixes; *pre != NULL && n < 120; pre++)
		if (strncasecmp(p, *pre, strlen(*pre)) == 0)
			return 1;

	if (n < 160 && (strstr(p, "©") != NULL || strncasecmp(p, "copyright ", 10) == 0))
		return 1;
	if (n >= sizeof low)
		return 0;
	for (i = 0; i <= n; i++)
		low[i] = (char)tolower((unsigned char)p[i]);
	while (n > 0 && strchr(".:…>» ", low[n - 1]) != NULL)
		low[--n] = '\0';
	return in_list(low, boilerplate);
}

/* The text being emitted: the paragraph in progress and the output so far. */
struct emitter {
	struct buf	 para;
	struct buf	 out;
	size_t		 tail;	/* start of the trailing run of headings, or SIZE_MAX */
};

/* End the current paragraph: clean it and append it to the output. */
static void
flush(struct emitter *e, int heading)
{
	char *p;
	size_t start = e->out.len;

	if (e->para.len == 0)
		return;
	p = collapse(buf_take(&e->para));
	if (*p != '\0' && !is_trailer(p) && !is_boilerplate(p)) {
		if (e->out.len > 0)
			buf_add(&e->out, "\n\n");
		buf_add(&e->out, p);
		if (!heading)
			e->tail = SIZE_MAX;
		else if (e->tail == SIZE_MAX)
			e->tail = start;
	}
	free(p);
}

/* Case-blind comparison of an element's text with the title. */
static int
repeats_title(const xmlNode *n, const char *title)
{
	char *t;
	int same;

	if (title == NULL)
		return 0;
	t = node_text(n, 4096);
	same = strcasecmp(t, title) == 0 ||
	    (*t != '\0' && strlen(t) > 10 && strstr(title, t) != NULL);
	free(t);
	return same;
}

/* Is a nested <article> a teaser (a heading that links elsewhere)? */
static int
teaser(xmlNode *n)
{
	static const char *const heads[] = { "h2", "h3", "h4", "h5", NULL };
	xmlNode *h;

	for (const char *const *hd = heads; *hd != NULL; hd++)
		if ((h = find_el(n, *hd, 0)) != NULL && find_el(h, "a", 0) != NULL)
			return 1;
	return 0;
}

/* Should emission skip an element of the article? */
static int
skip_in_article(struct ctx *c, xmlNode *n)
{
	struct info *in = info_of(c, n);
	int cleaned = in_list((const char *)n->name, cleaned_tags);

	if (in == c->info || in->drop)
		return 1;
	if (cleaned && in->text > 0 && link_density(in) > 0.5)
		return 1;
	if ((cleaned || is_el(n, "span")) && in->byline && in->text < 150)
		return 1;
	if ((cleaned || is_el(n, "span")) && in->has_time && in->text <= 40 &&
	    in->link == 0)
		return 1;
	if (is_el(n, "article") && teaser(n))
		return 1;
	return (is_el(n, "h1") || is_el(n, "h2") || is_el(n, "h3")) &&
	    repeats_title(n, c->title);
}

/* Is an element a heading (h2-h6)? */
static int
is_heading(const xmlNode *n)
{
	const char *name = (const char *)n->name;

	return name[0] == 'h' && name[1] >= '2' && name[1] <= '6' && name[2] == '\0';
}

/* Emit the text of an element's children as paragraphs. */
static void
emit(struct ctx *c, xmlNode *n, struct emitter *e, int depth)
{
	int block;

	for (xmlNode *k = n->children; k != NULL; k = k->next) {
		if (k->type == XML_TEXT_NODE || k->type == XML_CDATA_SECTION_NODE) {
			if (k->content != NULL)
				buf_add(&e->para, (const char *)k->content);
			continue;
		}
		if (k->type != XML_ELEMENT_NODE)
			continue;
		if (is_el(k, "br")) {
			flush(e, 0);
			continue;
		}
		if (skip_in_article(c, k) || depth >= HTML_MAX_DEPTH)
			continue;
		if (is_el(k, "td") || is_el(k, "th"))
			buf_add(&e->para, " ");
		block = in_list((const char *)k->name, block_tags);
		if (block)
			flush(e, 0);
		emit(c, k, e, depth + 1);
		if (block)
			flush(e, is_heading(k));
	}
}

/* Emit one chosen node (the candidate or a joining sibling). */
static void
emit_node(struct ctx *c, xmlNode *n, struct emitter *e)
{
	flush(e, 0);
	emit(c, n, e, 0);
	flush(e, is_heading(n));
}

/* Emit the top candidate together with the siblings that join it. */
static void
emit_article(struct ctx *c, xmlNode *top, struct buf *out)
{
	struct emitter e = { { NULL, 0, 0, HTML_MAX_TEXT }, *out, SIZE_MAX };
	struct info *in = info_of(c, top);
	double threshold = in->score * 0.2 > 10 ? in->score * 0.2 : 10;

	if (top->parent == NULL || top->parent->type != XML_ELEMENT_NODE ||
	    is_el(top, "article") || is_el(top, "body"))
		emit_node(c, top, &e);
	else
		for (xmlNode *s = top->parent->children; s != NULL; s = s->next)
			if (s == top || (s->type == XML_ELEMENT_NODE &&
			    sibling_joins(c, s, threshold) && !skip_in_article(c, s)))
				emit_node(c, s, &e);
	if (e.tail != SIZE_MAX && e.out.s != NULL) {
		e.out.len = e.tail;
		e.out.s[e.tail] = '\0';
	}
	free(e.para.s);
	*out = e.out;
}

/* Is a an ancestor of (or the same as) n? */
static int
contains(const xmlNode *a, const xmlNode *n)
{
	for (; n != NULL; n = n->parent)
		if (n == a)
			return 1;
	return 0;
}

/* Count candidates scoring at least min below n, apart from top's line. */
static int
count_near(struct ctx *c, xmlNode *n, xmlNode *top, double min, int depth)
{
	struct info *in;
	int count = 0;

	for (xmlNode *k = n->children; k != NULL; k = k->next) {
		if (k->type != XML_ELEMENT_NODE || k == top)
			continue;
		in = info_of(c, k);
		if (in == c->info || in->drop)
			continue;
		if (in->scored && in->score * (1 - link_density(in)) >= min &&
		    !contains(k, top))
			count++;
		if (depth < HTML_MAX_DEPTH)
			count += count_near(c, k, top, min, depth + 1);
	}
	return count;
}

/*
 * When at least two other candidates, apart from the best's own ancestors,
 * score close to it (entries of a live blog, sections of a long piece), take
 * the nearest ancestor holding the best and two of them.
 */
static xmlNode *
widen(struct ctx *c, xmlNode *top, double best)
{
	double min = best * 0.75;
	xmlNode *a;

	if (count_near(c, doc_body(top->doc), top, min, 0) < 2)
		return top;
	for (a = top->parent; a != NULL && a->type == XML_ELEMENT_NODE; a = a->parent) {
		if (info_of(c, a)->drop)
			return top;
		if (count_near(c, a, top, min, 0) >= 2)
			return a;
	}
	return top;
}

/* The main text of a document: one annotate/score/choose/emit run. */
static char *
main_text(htmlDocPtr doc, const char *title, int captions)
{
	struct ctx c = { NULL, 0, 0, captions, title, HTML_MAX_NODES };
	struct buf out = { NULL, 0, 0, HTML_MAX_TEXT };
	xmlNode *body = doc_body(doc), *top = NULL;
	double best = 0;

	if (body == NULL)
		return xstrdup("");
	unmark(xmlDocGetRootElement(doc), 0);
	c.capinfo = 1024;
	c.info = xcalloc(c.capinfo, sizeof *c.info);
	c.ninfo = 1;
	c.info[0].drop = 1;
	annotate(&c, body, 0, 0);
	score_tree(&c, body, 0);
	if ((top = best_candidate(&c, body, 0, &best)) != NULL)
		top = promote(&c, widen(&c, top, best));
	else if ((top = find_el(body, "article", 0)) == NULL &&
	    (top = find_el(body, "main", 0)) == NULL)
		top = body;
	if (!info_of(&c, top)->drop)
		emit_article(&c, top, &out);
	unmark(xmlDocGetRootElement(doc), 0);
	free(c.info);
	return buf_take(&out);
}

/* ---- metadata ---- */

/* Is a JSON-LD @type (string or array) an article type? */
static int
ld_is_article(json_t *type)
{
	static const char *const types[] = { "Article", "NewsArticle",
	    "BlogPosting", "ReportageNews", "AnalysisNewsArticle",
	    "OpinionNewsArticle", "LiveBlogPosting", "Report", "TechArticle",
	    "ScholarlyArticle", "SocialMediaPosting", "BackgroundNewsArticle",
	    "ReviewNewsArticle", "Posting", NULL };
	size_t i;
	json_t *t;
	const char *s;

	if (json_is_string(type)) {
		s = json_string_value(type);
		if (strncmp(s, "http://schema.org/", 18) == 0)
			s += 18;
		else if (strncmp(s, "https://schema.org/", 19) == 0)
			s += 19;
		return in_list(s, types);
	}
	json_array_foreach(type, i, t)
		if (i < 16 && ld_is_article(t))
			return 1;
	return 0;
}

/* The first article object in a JSON-LD value (arrays, @graph), or NULL. */
static json_t *
ld_find(json_t *j, int depth)
{
	json_t *v, *f;
	size_t i;

	if (depth > 8)
		return NULL;
	if (json_is_array(j)) {
		json_array_foreach(j, i, v)
			if (i < 256 && (f = ld_find(v, depth + 1)) != NULL)
				return f;
		return NULL;
	}
	if (!json_is_object(j))
		return NULL;
	if (ld_is_article(json_object_get(j, "@type")))
		return j;
	if ((f = ld_find(json_object_get(j, "@graph"), depth + 1)) != NULL)
		return f;
	return ld_find(json_object_get(j, "mainEntity"), depth + 1);
}

/* A JSON-LD string, or the "name" / "@id" of an object. */
static const char *
ld_string(json_t *v, const char *key)
{
	if (json_is_string(v))
		return json_string_value(v);
	if (json_is_object(v) && json_is_string(json_object_get(v, key)))
		return json_string_value(json_object_get(v, key));
	return NULL;
}

/* The author(s) of a JSON-LD article, joined by ", ". */
static char *
ld_authors(json_t *a)
{
	struct buf b = { NULL, 0, 0, 1024 };
	const char *name;
	json_t *v;
	size_t i;

	if (!json_is_array(a))
		return (name = ld_string(a, "name")) != NULL ? xstrdup(name) : NULL;
	json_array_foreach(a, i, v) {
		if (i >= 16 || (name = ld_string(v, "name")) == NULL)
			continue;
		if (b.len > 0)
			buf_add(&b, ", ");
		buf_add(&b, name);
	}
	return b.s;
}

/* Take what newswatch uses from one JSON-LD script. */
static void
ld_read(struct meta *m, const char *src)
{
	json_t *root, *art;
	char *s;

	if (strlen(src) > MAX_LD ||
	    (root = json_loads(src, JSON_DECODE_ANY, NULL)) == NULL)
		return;
	if ((art = ld_find(root, 0)) != NULL && m->ld_headline == NULL) {
		set_once(&m->ld_headline, ld_string(json_object_get(art, "headline"), ""));
		set_once(&m->ld_body, ld_string(json_object_get(art, "articleBody"), ""));
		set_once(&m->ld_published, ld_string(json_object_get(art,
		    "datePublished"), ""));
		set_once(&m->ld_url, ld_string(json_object_get(art, "url"), ""));
		set_once(&m->ld_url, ld_string(json_object_get(art,
		    "mainEntityOfPage"), "@id"));
		set_once(&m->ld_lang, ld_string(json_object_get(art, "inLanguage"), ""));
		if ((s = ld_authors(json_object_get(art, "author"))) != NULL)
			set_once(&m->ld_author, s);
		free(s);
	}
	json_decref(root);
}

/* Take what newswatch uses from one <meta>. */
static void
meta_read(struct meta *m, const xmlNode *n)
{
	const char *key = attr(n, "property"), *v = attr(n, "content");

	if (key == NULL)
		key = attr(n, "name");
	if (key == NULL)
		key = attr(n, "itemprop");
	if (key == NULL || v == NULL) {
		if ((key = attr(n, "http-equiv")) != NULL && v != NULL &&
		    strcasecmp(key, "content-language") == 0)
			set_once(&m->lang, v);
		return;
	}
	if (strcasecmp(key, "og:title") == 0)
		set_once(&m->og_title, v);
	else if (strcasecmp(key, "og:site_name") == 0)
		set_once(&m->site_name, v);
	else if (strcasecmp(key, "og:url") == 0)
		set_once(&m->og_url, v);
	else if (strcasecmp(key, "author") == 0 || strcasecmp(key, "dc.creator") == 0 ||
	    strcasecmp(key, "sailthru.author") == 0 || strcasecmp(key, "parsely-author") == 0)
		set_once(&m->author, v);
	else if (strcasecmp(key, "article:published_time") == 0 ||
	    strcasecmp(key, "datePublished") == 0 || strcasecmp(key, "date") == 0 ||
	    strcasecmp(key, "dc.date") == 0 || strcasecmp(key, "pubdate") == 0 ||
	    strcasecmp(key, "parsely-pub-date") == 0)
		set_once(&m->published, v);
}

/* Is an element the page's byline? */
static int
is_byline(const xmlNode *n)
{
	const char *v;

	if (has_token(attr(n, "rel"), "author"))
		return 1;
	if ((v = attr(n, "itemprop")) != NULL && strcasecmp(v, "author") == 0)
		return 1;
	return has_token(attr(n, "class"), "byline") ||
	    has_token(attr(n, "class"), "author") ||
	    has_token(attr(n, "class"), "author-name") ||
	    has_token(attr(n, "class"), "byline__name");
}

/* Cut ", Arts Editor" (a role after a comma) from a byline. */
static void
cut_role(char *p)
{
	static const char *const roles[] = { "editor", "correspondent", "reporter",
	    "writer", "staff", "contributor", "columnist", "redakteur", "reporterin",
	    "journaliste", "dziennikarz", "critic", "analyst", NULL };
	char *comma = strchr(p, ',');

	if (comma == NULL)
		return;
	for (const char *const *r = roles; *r != NULL; r++)
		if (strcasestr(comma, *r) != NULL) {
			*comma = '\0';
			return;
		}
}

/* Strip "By " (and its translations) from a DOM byline. */
static void
byline_set(struct meta *m, const xmlNode *n)
{
	static const char *const by[] = { "by ", "von ", "par ", "przez ", "door ",
	    "por ", "di ", "av ", "af ", NULL };
	char *t = node_text(n, 512), *p = t;

	for (const char *const *b = by; *b != NULL; b++)
		if (strncasecmp(p, *b, strlen(*b)) == 0) {
			p += strlen(*b);
			break;
		}
	cut_role(p);
	if (strlen(p) < 100 && strchr(p, '|') == NULL)
		set_once(&m->dom_byline, p);
	free(t);
}

/* Take what newswatch uses from one element of the document. */
static void
scan_el(struct meta *m, xmlNode *n)
{
	const char *v;
	char *t;

	if (is_el(n, "meta"))
		meta_read(m, n);
	else if (is_el(n, "title") && m->title_tag == NULL) {
		t = node_text(n, 4096);
		set_once(&m->title_tag, t);
		free(t);
	} else if (is_el(n, "link") && has_token(attr(n, "rel"), "canonical"))
		set_once(&m->canonical, attr(n, "href"));
	else if (is_el(n, "html") && (v = attr(n, "lang")) != NULL)
		set_once(&m->lang, v);
	else if (is_el(n, "time") && (v = attr(n, "datetime")) != NULL)
		set_once(&m->time_attr, v);
	else if (is_el(n, "h1") && m->h1 == NULL) {
		t = node_text(n, 4096);
		set_once(&m->h1, t);
		free(t);
	} else if (is_el(n, "h2") && m->h2 == NULL) {
		t = node_text(n, 4096);
		set_once(&m->h2, t);
		free(t);
	} else if (is_el(n, "script") && (v = attr(n, "type")) != NULL &&
	    strcasecmp(v, "application/ld+json") == 0 && n->children != NULL) {
		t = node_text(n, MAX_LD + 1);
		ld_read(m, t);
		free(t);
	}
	if (m->dom_byline == NULL && is_byline(n))
		byline_set(m, n);
}

/* Gather the metadata of a whole document (bounded walk). */
static void
scan_meta(struct meta *m, xmlNode *n, int depth, int *budget)
{
	for (xmlNode *k = n; k != NULL && *budget > 0; k = k->next) {
		(*budget)--;
		if (k->type != XML_ELEMENT_NODE)
			continue;
		scan_el(m, k);
		if (depth < HTML_MAX_DEPTH && !is_el(k, "script") && !is_el(k, "style"))
			scan_meta(m, k->children, depth + 1, budget);
	}
}

/* Free the metadata strings. */
static void
meta_free(struct meta *m)
{
	char **f[] = { &m->title_tag, &m->h1, &m->h2, &m->og_title, &m->site_name,
	    &m->author, &m->dom_byline, &m->published, &m->time_attr, &m->canonical,
	    &m->og_url, &m->lang, &m->base, &m->ld_headline, &m->ld_body,
	    &m->ld_author, &m->ld_published, &m->ld_url, &m->ld_lang };

	for (size_t i = 0; i < sizeof f / sizeof f[0]; i++)
		set_str(f[i], NULL);
}

/* Cut a trailing " | Site" (or " - ", " – ", " — ") from a <title>. */
static char *
clean_title(const char *t)
{
	static const char *const seps[] = { " | ", " - ", " – ", " — ", " :: ", " · ",
	    NULL };
	char *s = xstrdup(t), *cut = NULL, *p;
	int words = 0;

	for (const char *const *sep = seps; *sep != NULL; sep++)
		for (p = strstr(s, *sep); p != NULL; p = strstr(p + 1, *sep))
			if (cut == NULL || p > cut)
				cut = p;
	if (cut == NULL)
		return s;
	for (p = s; p < cut; p++)
		if (*p == ' ')
			words++;
	if (words >= 2)
		*cut = '\0';
	return s;
}

/* Choose the title: JSON-LD headline, og:title, the h1, then the <title>. */
static char *
pick_title(const struct meta *m)
{
	if (m->ld_headline != NULL)
		return xstrdup(m->ld_headline);
	if (m->og_title != NULL)
		return m->site_name != NULL && strstr(m->og_title, m->site_name) !=
		    NULL ? clean_title(m->og_title) : xstrdup(m->og_title);
	if (m->h1 != NULL)
		return xstrdup(m->h1);
	if (m->h2 != NULL && m->title_tag != NULL && strstr(m->title_tag, m->h2) != NULL)
		return xstrdup(m->h2);
	return m->title_tag != NULL ? clean_title(m->title_tag) : NULL;
}

/* Choose the publication date from JSON-LD, meta tags, then <time datetime>. */
static int64_t
pick_date(const struct meta *m)
{
	const char *v[] = { m->ld_published, m->published, m->time_attr };
	int64_t t;

	for (size_t i = 0; i < sizeof v / sizeof v[0]; i++)
		if (v[i] != NULL && text_date_parse(v[i], &t) == 0)
			return t;
	return 0;
}

/* Split JSON-LD articleBody into "\n\n"-separated, collapsed paragraphs. */
static char *
ld_paragraphs(const char *body)
{
	struct buf out = { NULL, 0, 0, HTML_MAX_TEXT };
	char *copy = xstrdup(body), *save = NULL, *p;

	for (p = strtok_r(copy, "\r\n", &save); p != NULL;
	    p = strtok_r(NULL, "\r\n", &save)) {
		collapse(p);
		if (*p == '\0' || is_trailer(p))
			continue;
		if (out.len > 0)
			buf_add(&out, "\n\n");
		buf_add(&out, p);
	}
	free(copy);
	return buf_take(&out);
}

/* The text: the DOM's (with captions on galleries) unless JSON-LD has far more. */
static char *
pick_text(htmlDocPtr doc, const struct meta *m, const char *title)
{
	char *text = main_text(doc, title, 0), *alt;

	if (strlen(text) < 500) {
		alt = main_text(doc, title, 1);
		if (strlen(alt) > strlen(text) + 100)
			set_str(&text, alt);
		else
			free(alt);
	}
	if (m->ld_body != NULL && strlen(m->ld_body) > strlen(text) * 3 / 2 + 50)
		set_str(&text, ld_paragraphs(m->ld_body));
	return text;
}

/*
 * A page whose only title is the <title> (often just the site's name) and whose
 * text starts with a short line that is not a sentence: that line is the
 * headline (old table layouts with <b> or <font> headings).
 */
static void
headline_from_text(struct html_article *a)
{
	char *end = strstr(a->text, "\n\n");
	size_t n;

	if (end == NULL || (n = (size_t)(end - a->text)) > 120 || n < 8 ||
	    strchr(".!?:;,", end[-1]) != NULL || strchr(a->text, ' ') == NULL ||
	    strchr(a->text, ' ') > end)
		return;
	set_str(&a->title, xstrndup(a->text, n));
	memmove(a->text, end + 2, strlen(end + 2) + 1);
}

/* Short language tag from "de-DE" / "de_DE" / "de". */
static char *
pick_lang(const struct meta *m)
{
	const char *l = m->lang != NULL ? m->lang : m->ld_lang;
	char *s;
	size_t n;

	if (l == NULL)
		return NULL;
	for (n = 0; isalpha((unsigned char)l[n]) && n < 8; n++)
		;
	if (n < 2 || n > 3)
		return NULL;
	s = xstrndup(l, n);
	for (char *p = s; *p != '\0'; p++)
		*p = (char)tolower((unsigned char)*p);
	return s;
}

struct html_article *
html_extract(const char *buf, size_t len, const char *base_url, const char *charset)
{
	struct meta m;
	struct html_article *a;
	htmlDocPtr doc;
	const char *by;
	int budget = HTML_MAX_NODES;

	if ((doc = parse(buf, len, base_url, charset)) == NULL)
		return NULL;
	memset(&m, 0, sizeof m);
	m.base = doc_base(doc, base_url);
	scan_meta(&m, xmlDocGetRootElement(doc), 0, &budget);
	a = xcalloc(1, sizeof *a);
	a->title = pick_title(&m);
	by = m.ld_author != NULL ? m.ld_author : m.author != NULL ? m.author :
	    m.dom_byline;
	a->byline = by != NULL ? xstrdup(by) : NULL;
	a->published = pick_date(&m);
	a->canonical = resolve(m.base, m.canonical != NULL ? m.canonical :
	    m.og_url != NULL ? m.og_url : m.ld_url);
	a->lang = pick_lang(&m);
	a->text = pick_text(doc, &m, a->title);
	if (m.ld_headline == NULL && m.og_title == NULL && m.h1 == NULL &&
	    (m.h2 == NULL || a->title == NULL || strcmp(a->title, m.h2) != 0))
		headline_from_text(a);
	meta_free(&m);
	xmlFreeDoc(doc);
	return a;
}

void
html_article_free(struct html_article *a)
{
	if (a == NULL)
		return;
	free(a->title);
	free(a->byline);
	free(a->canonical);
	free(a->text);
	free(a->lang);
	free(a);
}

/* ---- listing pages ---- */

/* A growing list of links with de-duplication by URL. */
struct links {
	struct html_link	*v;
	size_t			 n;
	size_t			 cap;
};

/* Add a link unless its URL is already there or the list is full. */
static void
links_add(struct links *l, char *url, char *title)
{
	for (size_t i = 0; i < l->n; i++)
		if (strcmp(l->v[i].url, url) == 0) {
			if (strlen(title) > strlen(l->v[i].title)) {
				set_str(&l->v[i].title, title);
				title = NULL;
			}
			free(url);
			free(title);
			return;
		}
	if (l->n >= HTML_MAX_LINKS) {
		free(url);
		free(title);
		return;
	}
	if (l->n == l->cap) {
		l->cap = l->cap == 0 ? 32 : l->cap * 2;
		l->v = xreallocarray(l->v, l->cap, sizeof *l->v);
	}
	l->v[l->n].url = url;
	l->v[l->n++].title = title;
}

/* The registrable part of a host (see "listing heuristic" above). */
static const char *
registrable(const char *host)
{
	const char *dots[3] = { NULL, NULL, NULL };
	const char *p, *tld;

	for (p = host; *p != '\0'; p++)
		if (*p == '.') {
			dots[2] = dots[1];
			dots[1] = dots[0];
			dots[0] = p;
		}
	if (dots[1] == NULL)
		return host;
	tld = dots[0] + 1;
	if (strlen(tld) == 2 && dots[0] - dots[1] - 1 <= 3)
		return dots[2] != NULL ? dots[2] + 1 : host;
	return dots[1] + 1;
}

/* The host of a URL (curl_free it), or NULL. */
static char *
url_host(const char *url)
{
	CURLU *u = curl_url();
	char *host = NULL;

	if (curl_url_set(u, CURLUPART_URL, url, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_HOST, &host, 0) != CURLUE_OK)
		host = NULL;
	curl_url_cleanup(u);
	return host;
}

/* The path of a URL (curl_free it), or NULL. */
static char *
url_path(const char *url)
{
	CURLU *u = curl_url();
	char *path = NULL;

	if (curl_url_set(u, CURLUPART_URL, url, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_PATH, &path, 0) != CURLUE_OK)
		path = NULL;
	curl_url_cleanup(u);
	return path;
}

/* Do two URLs share a registrable host? */
static int
same_site(const char *a, const char *b)
{
	char *ha = url_host(a), *hb = url_host(b);
	int same = ha != NULL && hb != NULL &&
	    strcasecmp(registrable(ha), registrable(hb)) == 0;

	curl_free(ha);
	curl_free(hb);
	return same;
}

/* Is a path segment a section that is not an article? */
static int
non_article_segment(const char *seg, size_t n)
{
	static const char *const segs[] = { "tag", "tags", "category", "categories",
	    "author", "authors", "page", "search", "login", "signin", "register",
	    "subscribe", "account", "about", "contact", "privacy", "terms",
	    "impressum", "datenschutz", "feed", "rss", "topic", "topics", "user",
	    "users", "cart", "shop", "newsletter", "wp-login.php", NULL };
	char s[32];

	if (n == 0 || n >= sizeof s)
		return 0;
	for (size_t i = 0; i < n; i++)
		s[i] = (char)tolower((unsigned char)seg[i]);
	s[n] = '\0';
	return in_list(s, segs);
}

/* How article-like a path is: segments, slugs, dates, numeric ids; -1 = never. */
static int
path_score(const char *path)
{
	static const char *const files[] = { ".jpg", ".jpeg", ".png", ".gif",
	    ".webp", ".svg", ".pdf", ".zip", ".mp3", ".mp4", ".css", ".js", ".xml",
	    ".rss", ".ico", NULL };
	const char *seg = path, *e, *last = path;
	int nseg = 0, score = 0, run = 0, maxrun = 0, hyph = 0;

	for (const char *const *f = files; *f != NULL; f++)
		if (strlen(path) >= strlen(*f) &&
		    strcasecmp(path + strlen(path) - strlen(*f), *f) == 0)
			return -1;
	while (*seg == '/')
		seg++;
	for (; *seg != '\0'; seg = *e == '/' ? e + 1 : e) {
		e = strchr(seg, '/');
		if (e == NULL)
			e = seg + strlen(seg);
		if (e == seg)
			continue;
		if (non_article_segment(seg, (size_t)(e - seg)))
			return -1;
		nseg++;
		last = seg;
	}
	if (nseg == 0)
		return -1;
	for (const char *p = path; *p != '\0'; p++) {
		run = isdigit((unsigned char)*p) ? run + 1 : 0;
		maxrun = run > maxrun ? run : maxrun;
	}
	for (const char *p = last; *p != '\0' && *p != '/'; p++)
		hyph += *p == '-' || *p == '_';
	score += nseg >= 2;
	score += hyph >= 2;
	score += maxrun >= 4;
	for (const char *p = path; p[0] != '\0'; p++)
		if (p[0] == '/' && isdigit((unsigned char)p[1]) && isdigit((unsigned char)p[2]) &&
		    isdigit((unsigned char)p[3]) && isdigit((unsigned char)p[4]) && p[5] == '/')
			score += 2;
	return score;
}

/* Number of words of a string. */
static int
word_count(const char *s)
{
	int n = 0, in = 0;

	for (; *s != '\0'; s++) {
		if (isspace((unsigned char)*s))
			in = 0;
		else if (!in) {
			in = 1;
			n++;
		}
	}
	return n;
}

/* The anchor text of a link: its text, or its title, or an image's alt. */
static char *
anchor_text(xmlNode *a)
{
	char *t = node_text(a, 1024);
	const char *v;
	xmlNode *img;

	if (*t != '\0')
		return t;
	free(t);
	if ((v = attr(a, "title")) != NULL)
		return collapse(copy_cut(v, 1024));
	if ((img = find_el(a, "img", 0)) != NULL && (v = attr(img, "alt")) != NULL)
		return collapse(copy_cut(v, 1024));
	return xstrdup("");
}

/* Consider one <a> for the heuristic listing. */
static void
heuristic_link(struct links *l, xmlNode *a, const char *base)
{
	char *url, *path, *title;
	int score;

	if ((url = resolve(base, attr(a, "href"))) == NULL)
		return;
	if (base != NULL && (strcmp(url, base) == 0 || !same_site(url, base))) {
		free(url);
		return;
	}
	path = url_path(url);
	score = path != NULL ? path_score(path) : -1;
	curl_free(path);
	title = anchor_text(a);
	if (score >= 1 && word_count(title) >= 3)
		links_add(l, url, title);
	else {
		free(url);
		free(title);
	}
}

/* Walk the page for the heuristic listing, skipping page furniture. */
static void
heuristic_walk(struct ctx *c, struct links *l, xmlNode *n, const char *base,
    int depth)
{
	int wdrop;

	for (xmlNode *k = n->children; k != NULL && c->budget > 0; k = k->next) {
		c->budget--;
		if (k->type != XML_ELEMENT_NODE)
			continue;
		class_weight(k, &wdrop);
		if (dropped(c, k, wdrop))
			continue;
		if (is_el(k, "a"))
			heuristic_link(l, k, base);
		else if (depth < HTML_MAX_DEPTH)
			heuristic_walk(c, l, k, base, depth + 1);
	}
}

/* Remember libxml2's XPath error message. */
static void
xpath_error_cb(void *arg, xmlErrorPtr e)
{
	char **msg = arg;

	if (*msg == NULL && e != NULL && e->message != NULL)
		*msg = collapse(xstrdup(e->message));
}

/* Compile an XPath or set *cause. */
static xmlXPathCompExprPtr
xpath_compile(xmlXPathContextPtr x, const char *what, const char *expr,
    char **msg, char **cause)
{
	xmlXPathCompExprPtr comp;

	if ((comp = xmlXPathCtxtCompile(x, (const xmlChar *)expr)) == NULL)
		xasprintf(cause, "%s: %s: %s", what, *msg != NULL ? *msg :
		    "invalid expression", expr);
	return comp;
}

/* The <a href> a matched node stands for: itself, a descendant or an ancestor. */
static xmlNode *
link_of(xmlNode *n)
{
	xmlNode *a;

	if (is_el(n, "a") && attr(n, "href") != NULL)
		return n;
	for (a = n->parent; a != NULL && a->type == XML_ELEMENT_NODE; a = a->parent)
		if (is_el(a, "a") && attr(a, "href") != NULL)
			return a;
	if ((a = find_el(n, "a", 0)) != NULL && attr(a, "href") != NULL)
		return a;
	return NULL;
}

/*
 * The title of a matched node: title_xpath's string value or the anchor text;
 * NULL if title_xpath fails.
 */
static char *
match_title(xmlXPathContextPtr x, xmlXPathCompExprPtr tcomp, xmlNode *n,
    xmlNode *a)
{
	xmlXPathObjectPtr o;
	xmlChar *s;
	char *t;

	if (tcomp == NULL)
		return anchor_text(a);
	x->node = n;
	if ((o = xmlXPathCompiledEval(tcomp, x)) == NULL)
		return NULL;
	s = xmlXPathCastToString(o);
	t = collapse(copy_cut(s != NULL ? (const char *)s : "", 1024));
	xmlFree(s);
	xmlXPathFreeObject(o);
	return t;
}

/*
 * One node matched by link_xpath (an element, or an attribute such as @href);
 * -1 if title_xpath fails on it.
 */
static int
xpath_link(struct links *l, xmlXPathContextPtr x, xmlXPathCompExprPtr tcomp,
    xmlNode *n, const char *base)
{
	xmlNode *a = NULL, *el = n;
	char *url, *title;
	xmlChar *v;

	if (n->type == XML_ATTRIBUTE_NODE) {
		v = xmlNodeGetContent(n);
		url = resolve(base, (const char *)v);
		xmlFree(v);
		el = n->parent;
		if (is_el(el, "a"))
			a = el;
	} else if (n->type == XML_ELEMENT_NODE && (a = link_of(n)) != NULL)
		url = resolve(base, attr(a, "href"));
	else
		return 0;
	if (url == NULL)
		return 0;
	if ((title = match_title(x, tcomp, n, a != NULL ? a : el)) == NULL) {
		free(url);
		return -1;
	}
	links_add(l, url, title);
	return 0;
}

/* Keep libxml2's generic XPath messages off standard error. */
static void
generic_error_cb(void *arg, const char *fmt, ...)
{
	(void)arg;
	(void)fmt;
}

/* Evaluate the selectors on a document; -1 with *cause on a bad expression. */
static int
xpath_links(struct links *l, htmlDocPtr doc, const char *base,
    const char *link_xpath, const char *title_xpath, char **cause)
{
	xmlXPathContextPtr x = xmlXPathNewContext(doc);
	xmlXPathCompExprPtr lcomp = NULL, tcomp = NULL;
	xmlXPathObjectPtr o = NULL;
	char *msg = NULL;
	int rc = -1;

	xmlGenericErrorFunc old_error = xmlGenericError;
	void *old_ctx = xmlGenericErrorContext;

	xmlSetGenericErrorFunc(NULL, generic_error_cb);
	x->error = xpath_error_cb;
	x->userData = &msg;
	x->opLimit = MAX_XPATH_OPS;
	if ((lcomp = xpath_compile(x, "link_xpath", link_xpath, &msg, cause)) == NULL ||
	    (title_xpath != NULL && (tcomp = xpath_compile(x, "title_xpath",
	    title_xpath, &msg, cause)) == NULL))
		goto out;
	if ((o = xmlXPathCompiledEval(lcomp, x)) == NULL || o->type != XPATH_NODESET) {
		xasprintf(cause, "link_xpath: %s: %s", msg != NULL ? msg :
		    "does not select nodes", link_xpath);
		goto out;
	}
	for (int i = 0; o->nodesetval != NULL && i < o->nodesetval->nodeNr &&
	    i < HTML_MAX_LINKS * 4; i++)
		if (xpath_link(l, x, tcomp, o->nodesetval->nodeTab[i], base) == -1) {
			xasprintf(cause, "title_xpath: %s: %s", msg != NULL ? msg :
			    "cannot be evaluated", title_xpath);
			goto out;
		}
	rc = 0;
out:
	xmlXPathFreeObject(o);
	xmlXPathFreeCompExpr(tcomp);
	xmlXPathFreeCompExpr(lcomp);
	xmlXPathFreeContext(x);
	xmlSetGenericErrorFunc(old_ctx, old_error);
	free(msg);
	return rc;
}

int
html_list_links(const char *buf, size_t len, const char *base_url,
    const char *charset, const char *link_xpath, const char *title_xpath,
    struct html_link **links, size_t *nlinks, char **cause)
{
	struct links l = { NULL, 0, 0 };
	struct ctx c = { NULL, 0, 0, 0, NULL, HTML_MAX_NODES };
	htmlDocPtr doc;
	xmlNode *body;
	char *base;
	int rc = 0;

	*links = NULL;
	*nlinks = 0;
	if ((doc = parse(buf, len, base_url, charset)) == NULL) {
		*cause = xstrdup("not an HTML page");
		return -1;
	}
	base = doc_base(doc, base_url);
	if (link_xpath != NULL && *link_xpath != '\0')
		rc = xpath_links(&l, doc, base, link_xpath, title_xpath, cause);
	else if ((body = doc_body(doc)) != NULL)
		heuristic_walk(&c, &l, body, base, 0);
	free(base);
	xmlFreeDoc(doc);
	if (rc == -1) {
		html_links_free(l.v, l.n);
		return -1;
	}
	*links = l.v;
	*nlinks = l.n;
	return 0;
}

void
html_links_free(struct html_link *v, size_t n)
{
	for (size_t i = 0; v != NULL && i < n; i++) {
		free(v[i].url);
		free(v[i].title);
	}
	free(v);
}
