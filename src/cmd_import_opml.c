/*
 * cmd_import_opml: `newswatch import-opml FILE` prints a complete libconfig
 * `sources = ( … );` setting made from an OPML export: one source per outline
 * with an xmlUrl (nested outlines are categories, named in a comment), names
 * made unique, strings escaped, no trailing commas. The file is parsed without
 * network access or entity substitution, with bounded depth and count.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/parser.h>
#include <libxml/tree.h>

#include "cli.h"
#include "cmd_status.h"
#include "xmalloc.h"

#define OPML_MAX_DEPTH		32
#define OPML_MAX_SOURCES	20000
#define OPML_MAX_NAME		80	/* bytes of a name before uniqueness */
#define OPML_MAX_SIZE		(16 * 1024 * 1024)

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
print_string(const char *s)
{
	putchar('"');
	for (; *s != '\0'; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\')
			printf("\\%c", c);
		else if (c == '\n')
			fputs("\\n", stdout);
		else if (c == '\t')
			fputs("\\t", stdout);
		else if (c < 0x20 || c == 0x7f)
			printf("\\x%02x", c);
		else
			putchar(c);
	}
	putchar('"');
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

/* Add the feed of an outline that has an xmlUrl. */
static void
add_source(struct opml *o, xmlNode *n, const char *category)
{
	char *url = attr(n, "xmlUrl");
	struct opml_source *s;

	if (url == NULL)
		return;
	if (strncasecmp(url, "http://", 7) != 0 &&
	    strncasecmp(url, "https://", 8) != 0) {
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
print_comment(const char *s)
{
	for (; *s != '\0'; s++)
		putchar((unsigned char)*s < 0x20 ? ' ' : *s);
}

/* Print the setting. */
static void
print_sources(const struct opml *o, const char *file)
{
	const char *last = NULL;

	printf("// Imported from ");
	print_comment(file);
	printf(" by newswatch import-opml: %zu sources.\n", o->n);
	printf("sources = (\n");
	for (size_t i = 0; i < o->n; i++) {
		const struct opml_source *s = &o->v[i];

		if (s->category != NULL && (last == NULL ||
		    strcmp(last, s->category) != 0)) {
			printf("  // ");
			print_comment(s->category);
			putchar('\n');
		} else if (s->category == NULL && last != NULL)
			printf("  // (no category)\n");
		last = s->category;
		printf("  { name = ");
		print_string(s->name);
		printf("; url = ");
		print_string(s->url);
		printf("; }%s\n", i + 1 < o->n ? "," : "");
	}
	printf(");\n");
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

/* Read a file of at most OPML_MAX_SIZE bytes; NULL after printing why. */
static char *
read_file(const char *path, size_t *len)
{
	FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
	char *buf;

	if (f == NULL) {
		fprintf(stderr, "newswatch: %s: cannot open\n", path);
		return NULL;
	}
	buf = xmalloc(OPML_MAX_SIZE + 1);
	*len = fread(buf, 1, OPML_MAX_SIZE + 1, f);
	if (f != stdin)
		fclose(f);
	if (*len > OPML_MAX_SIZE) {
		fprintf(stderr, "newswatch: %s: larger than %d bytes\n", path,
		    OPML_MAX_SIZE);
		free(buf);
		return NULL;
	}
	return buf;
}

/* newswatch import-opml FILE */
int
cmd_import_opml(struct cli *cli, int argc, char **argv)
{
	struct opml o = { NULL, 0, 0 };
	xmlDoc *doc;
	xmlNode *body;
	char *buf;
	size_t len;

	(void)cli;
	if (argc != 2)
		return cli_usage("import-opml");
	if ((buf = read_file(argv[1], &len)) == NULL)
		return CLI_ERROR;
	doc = xmlReadMemory(buf, (int)len, NULL, NULL, XML_PARSE_NONET |
	    XML_PARSE_NOERROR | XML_PARSE_NOWARNING | XML_PARSE_NOCDATA |
	    XML_PARSE_RECOVER);
	free(buf);
	if (doc == NULL || (body = find_body(doc)) == NULL) {
		fprintf(stderr, "newswatch: %s: not an OPML document\n", argv[1]);
		xmlFreeDoc(doc);
		return CLI_ERROR;
	}
	walk(&o, body, NULL, 0);
	xmlFreeDoc(doc);
	if (o.skipped > 0)
		fprintf(stderr, "newswatch: %s: skipped %zu outlines whose xmlUrl is "
		    "not http or https\n", argv[1], o.skipped);
	if (o.n == 0) {
		fprintf(stderr, "newswatch: %s: no feeds (outlines with xmlUrl)\n",
		    argv[1]);
		opml_clear(&o);
		return CLI_NOTHING;
	}
	print_sources(&o, argv[1]);
	opml_clear(&o);
	return CLI_OK;
}
