/*
 * opml: a feed reader's OPML export into a newswatch.conf sources setting (see
 * opml.h).
 */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <libxml/parser.h>
#include <libxml/tree.h>

#include "log.h"
#include "opml.h"
#include "xmalloc.h"

#define OPML_MAX_DEPTH		32
#define OPML_MAX_SOURCES	20000
#define OPML_MAX_NAME		80	/* bytes of a name before uniqueness */

struct opml_source {
	char	*name;
	char	*url;
	char	*category;
};

struct opml {
	struct opml_source *v;
	size_t		 n;
	size_t		 skipped;	/* outlines with a non-http(s) xmlUrl */
};

/* Print s as a libconfig string literal: quotes, backslashes, controls escaped. */
static void
print_string(FILE *f, const char *s)
{
	putc('"', f);
	for (; *s != '\0'; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\')
			fprintf(f, "\\%c", c);
		else if (c == '\n')
			fputs("\\n", f);
		else if (c == '\t')
			fputs("\\t", f);
		else if (c < 0x20 || c == 0x7f)
			fprintf(f, "\\x%02x", c);
		else
			putc(c, f);
	}
	putc('"', f);
}

/* An attribute's value with whitespace runs collapsed and trimmed; NULL if absent or empty. */
static char *
attr(xmlNode *n, const char *name)
{
	xmlChar *v = xmlGetProp(n, (const xmlChar *)name);
	char *out, *o;
	const char *p;

	if (v == NULL)
		return NULL;
	out = o = xmalloc(strlen((char *)v) + 1);
	for (p = (const char *)v; *p != '\0'; p++) {
		int space = *p == ' ' || *p == '\t' || *p == '\n' || *p == '\r';

		if (!space)
			*o++ = *p;
		else if (o != out && o[-1] != ' ')
			*o++ = ' ';
	}
	while (o != out && o[-1] == ' ')
		o--;
	*o = '\0';
	xmlFree(v);
	if (*out == '\0') {
		free(out);
		return NULL;
	}
	return out;
}

/* Cut a name at max bytes without splitting a UTF-8 character. */
static void
cut_name(char *s, size_t max)
{
	size_t n = strlen(s);

	if (n <= max)
		return;
	while (max > 0 && ((unsigned char)s[max] & 0xc0) == 0x80)
		max--;
	s[max] = '\0';
}

/* Whether a name is taken already. */
static int
taken(const struct opml *o, const char *name)
{
	for (size_t i = 0; i < o->n; i++)
		if (strcmp(o->v[i].name, name) == 0)
			return 1;
	return 0;
}

/* A name from the outline's text or title, else the URL, made unique. */
static char *
unique_name(const struct opml *o, xmlNode *n, const char *url)
{
	char *base, *name;

	if ((base = attr(n, "text")) == NULL && (base = attr(n, "title")) == NULL)
		base = xstrdup(url);
	cut_name(base, OPML_MAX_NAME);
	name = xstrdup(base);
	for (int k = 2; taken(o, name); k++) {
		free(name);
		xasprintf(&name, "%s (%d)", base, k);
	}
	free(base);
	return name;
}

/* Whether conf_load takes the URL: http(s) with something after the scheme, no blanks. */
static int
loadable_url(const char *url)
{
	size_t skip;

	if (strncasecmp(url, "http://", 7) == 0)
		skip = 7;
	else if (strncasecmp(url, "https://", 8) == 0)
		skip = 8;
	else
		return 0;
	if (url[skip] == '\0')
		return 0;
	for (const unsigned char *p = (const unsigned char *)url; *p != '\0'; p++)
		if (*p <= 0x20 || *p == 0x7f)
			return 0;
	return 1;
}

/* Add the feed of an outline that has an xmlUrl. */
static void
add_source(struct opml *o, xmlNode *n, const char *category)
{
	char *url = attr(n, "xmlUrl");
	struct opml_source *s;

	if (url == NULL)
		return;
	if (!loadable_url(url)) {
		o->skipped++;
		free(url);
		return;
	}
	o->v = xreallocarray(o->v, o->n + 1, sizeof *o->v);
	s = &o->v[o->n];
	s->name = unique_name(o, n, url);
	s->url = url;
	s->category = category != NULL ? xstrdup(category) : NULL;
	o->n++;
}

/* Walk outlines; an outline without xmlUrl is a category for its children. */
static void
walk(struct opml *o, xmlNode *parent, const char *category, int depth)
{
	for (xmlNode *n = parent->children; n != NULL; n = n->next) {
		char *sub, *label;

		if (n->type != XML_ELEMENT_NODE ||
		    xmlStrcmp(n->name, (const xmlChar *)"outline") != 0)
			continue;
		if (o->n >= OPML_MAX_SOURCES)
			return;
		add_source(o, n, category);
		if (n->children == NULL || depth + 1 >= OPML_MAX_DEPTH)
			continue;
		if ((label = attr(n, "text")) == NULL)
			label = attr(n, "title");
		if (label != NULL && category != NULL)
			xasprintf(&sub, "%s / %s", category, label);
		else
			sub = label != NULL ? xstrdup(label) :
			    category != NULL ? xstrdup(category) : NULL;
		walk(o, n, sub, depth + 1);
		free(label);
		free(sub);
	}
}

/* The <body> element of an <opml> document, or NULL. */
static xmlNode *
find_body(xmlDoc *doc)
{
	xmlNode *root = xmlDocGetRootElement(doc);

	if (root == NULL || xmlStrcmp(root->name, (const xmlChar *)"opml") != 0)
		return NULL;
	for (xmlNode *n = root->children; n != NULL; n = n->next)
		if (n->type == XML_ELEMENT_NODE &&
		    xmlStrcmp(n->name, (const xmlChar *)"body") == 0)
			return n;
	return NULL;
}

/* Print text inside a // comment, control characters as spaces. */
static void
print_comment(FILE *f, const char *s)
{
	for (; *s != '\0'; s++)
		putc((unsigned char)*s < 0x20 ? ' ' : *s, f);
}

/* Print the setting. */
static void
print_sources(FILE *f, const struct opml *o, const char *label)
{
	const char *last = NULL;

	fprintf(f, "// Imported from ");
	print_comment(f, label);
	fprintf(f, " by newswatch import-opml: %zu sources.\n", o->n);
	fprintf(f, "sources = (\n");
	for (size_t i = 0; i < o->n; i++) {
		const struct opml_source *s = &o->v[i];

		if (s->category != NULL && (last == NULL ||
		    strcmp(last, s->category) != 0)) {
			fprintf(f, "  // ");
			print_comment(f, s->category);
			putc('\n', f);
		} else if (s->category == NULL && last != NULL)
			fprintf(f, "  // (no category)\n");
		last = s->category;
		fprintf(f, "  { name = ");
		print_string(f, s->name);
		fprintf(f, "; url = ");
		print_string(f, s->url);
		fprintf(f, "; }%s\n", i + 1 < o->n ? "," : "");
	}
	fprintf(f, ");\n");
}

/* Free the sources. */
static void
opml_clear(struct opml *o)
{
	for (size_t i = 0; i < o->n; i++) {
		free(o->v[i].name);
		free(o->v[i].url);
		free(o->v[i].category);
	}
	free(o->v);
}

/* See opml.h. */
int
opml_sources(const char *buf, size_t len, const char *label, char **out,
    struct opml_counts *counts, char **cause)
{
	struct opml o = { NULL, 0, 0 };
	xmlDoc *doc;
	xmlNode *body;
	size_t size;
	FILE *f;

	*out = NULL;
	memset(counts, 0, sizeof *counts);
	if (len > OPML_MAX_SIZE || len > INT32_MAX) {
		xasprintf(cause, "larger than %d bytes", OPML_MAX_SIZE);
		return -1;
	}
	doc = xmlReadMemory(buf, (int)len, NULL, NULL, XML_PARSE_NONET |
	    XML_PARSE_NOERROR | XML_PARSE_NOWARNING | XML_PARSE_NOCDATA |
	    XML_PARSE_RECOVER);
	if (doc == NULL || (body = find_body(doc)) == NULL) {
		xmlFreeDoc(doc);
		xasprintf(cause, "not an OPML document");
		return -1;
	}
	walk(&o, body, NULL, 0);
	xmlFreeDoc(doc);
	counts->sources = o.n;
	counts->skipped = o.skipped;
	if (o.n == 0) {
		opml_clear(&o);
		xasprintf(cause, "no feeds (outlines with an http or https xmlUrl)");
		return 1;
	}
	if ((f = open_memstream(out, &size)) == NULL)
		fatal("open_memstream");
	print_sources(f, &o, label);
	fclose(f);
	opml_clear(&o);
	return 0;
}
