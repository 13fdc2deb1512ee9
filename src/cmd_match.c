/*
 * cmd_match: run one query over a file, a URL or standard input and print the
 * hits with their snippets. The input is a feed (each entry is an article: title,
 * content and summary as text, link, feed title as source, first author, feed
 * language), else an HTML page (its main text, as `newswatch extract` finds it;
 * all its text when it has none, as a fragment), else plain text. Exit 0 on a hit, 1 when nothing matched, 2 on a bad
 * query or unusable input.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "cli.h"
#include "cli_input.h"
#include "cmd_match.h"
#include "feed.h"
#include "feed_int.h"
#include "html.h"
#include "match.h"
#include "text.h"
#include "xmalloc.h"

#define MATCH_MAX_INPUT	(64 * 1024 * 1024)
#define MATCH_TIMEOUT	60L

struct article {
	const char		*where;	/* path or URL */
	int			 entry;	/* feed entry number, or -1 */
	struct match_doc	 doc;
};

struct out {
	int			 json;
	const struct article	*a;
	size_t			 hits;
};

/* Print usage; exit status 2. */
static int
usage(void)
{
	fprintf(stderr, "usage: newswatch match [--json] [--stem LANG] QUERY FILE|URL|-\n");
	return CLI_ERROR;
}

/* Print one hit. */
static void
print_hit(struct out *o, const struct match_hit *h)
{
	const struct article *a = o->a;
	json_t *j, *terms;

	o->hits++;
	if (o->json) {
		terms = json_array();
		for (size_t i = 0; i < h->nterms; i++)
			json_array_append_new(terms, json_string(h->terms[i]));
		j = json_pack("{s:s, s:o, s:s?, s:s?, s:o, s:s}", "input", a->where,
		    "entry", a->entry >= 0 ? json_integer(a->entry) : json_null(),
		    "title", a->doc.title, "url", a->doc.url, "terms", terms,
		    "snippet", h->snippet);
		if (j != NULL) {
			json_dumpf(j, stdout, JSON_COMPACT | JSON_ENSURE_ASCII);
			putchar('\n');
			json_decref(j);
		}
		return;
	}
	printf("%s", a->where);
	if (a->entry >= 0)
		printf(" entry %d", a->entry);
	if (a->doc.title != NULL)
		printf(": %s", a->doc.title);
	printf("\n  terms:");
	for (size_t i = 0; i < h->nterms; i++)
		printf("%s %s", i ? "," : "", h->terms[i]);
	printf("\n  %s\n", h->snippet);
}

/* Print the article's hits. */
static void
print_cb(const struct match_hit *hits, size_t n, void *arg)
{
	for (size_t i = 0; i < n; i++)
		print_hit(arg, &hits[i]);
}

/* Match one article. */
static void
match_article(struct matcher *m, struct article *a, struct out *o)
{
	o->a = a;
	matcher_match(m, &a->doc, 0, print_cb, o);
}

/* A feed text field as text: borrowed, or reduced from HTML into *owned. */
static const char *
entry_text(const char *s, int html, char **owned)
{
	*owned = NULL;
	if (s == NULL || !html)
		return s;
	return *owned = feed_text_from_html(s);
}

/* Each entry of a feed as an article; 0, or -1 when the input is not a feed. */
static int
match_feed(struct matcher *m, const char *where, struct cli_input *in, struct out *o)
{
	struct feed *f;
	struct article a;
	char *text, *summary;

	if ((f = feed_parse(in->buf, in->len, in->url, in->charset, NULL)) == NULL)
		return -1;
	if (f->nentries == 0) {
		feed_free(f);
		return -1;
	}
	for (size_t k = 0; k < f->nentries; k++) {
		const struct feed_entry *e = &f->entries[k];

		memset(&a, 0, sizeof a);
		a.where = where;
		a.entry = (int)k + 1;
		a.doc.title = e->title;
		a.doc.text = entry_text(e->content, e->content_html, &text);
		a.doc.summary = entry_text(e->summary, e->summary_html, &summary);
		a.doc.url = e->link;
		a.doc.source = f->title;
		a.doc.author = e->nauthors > 0 ? (e->authors[0].name != NULL ?
		    e->authors[0].name : e->authors[0].email) : NULL;
		a.doc.lang = f->language;
		match_article(m, &a, o);
		free(text);
		free(summary);
	}
	feed_free(f);
	return 0;
}

/* Does the input start with markup (after white space and a UTF-8 BOM)? */
static int
starts_with_markup(const struct cli_input *in)
{
	size_t i = in->len >= 3 && memcmp(in->buf, "\xef\xbb\xbf", 3) == 0 ? 3 : 0;

	while (i < in->len && strchr(" \t\r\n", in->buf[i]) != NULL)
		i++;
	return i < in->len && in->buf[i] == '<';
}

/* An HTML page's main text (all its text when none is found: a fragment) as one
 * article; 0, or -1 when the input is not markup. */
static int
match_page(struct matcher *m, const char *where, struct cli_input *in, struct out *o)
{
	struct html_article *h;
	struct article a;
	char *all = NULL;

	if (!starts_with_markup(in) ||
	    (h = html_extract(in->buf, in->len, in->url, in->charset)) == NULL)
		return -1;
	memset(&a, 0, sizeof a);
	a.where = where;
	a.entry = -1;
	a.doc.title = h->title;
	a.doc.text = *h->text != '\0' ? h->text : (all = feed_text_from_html(in->buf));
	a.doc.url = h->canonical != NULL ? h->canonical : in->url;
	a.doc.author = h->byline;
	a.doc.lang = h->lang;
	match_article(m, &a, o);
	html_article_free(h);
	free(all);
	return 0;
}

/* Match the input: a feed (each entry), an HTML page (its main text), else plain text. */
static void
match_input(struct matcher *m, const char *where, struct cli_input *in,
    struct out *o)
{
	struct article a;

	if (match_feed(m, where, in, o) == 0 || match_page(m, where, in, o) == 0)
		return;
	memset(&a, 0, sizeof a);
	a.where = where;
	a.entry = -1;
	for (size_t i = 0; i < in->len; i++)
		if (in->buf[i] == '\0')
			in->buf[i] = ' ';	/* the matcher takes C strings */
	a.doc.text = in->buf;
	a.doc.url = in->url;
	match_article(m, &a, o);
}

/* Parse the options; returns the index of the query or -1. */
static int
parse_args(int argc, char **argv, int *json, const char **stem)
{
	int i;

	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--json") == 0)
			*json = 1;
		else if (strcmp(argv[i], "--stem") == 0 && i + 1 < argc)
			*stem = argv[++i];
		else if (strncmp(argv[i], "--stem=", 7) == 0)
			*stem = argv[i] + 7;
		else if (strcmp(argv[i], "--") == 0) {
			i++;
			break;
		} else if (argv[i][0] == '-' && argv[i][1] == '-')
			return -1;
		else
			break;
	}
	return argc - i == 2 ? i : -1;
}

int
cmd_match(struct cli *cli, int argc, char **argv)
{
	struct matcher *m;
	struct cli_input in = { 0 };
	struct out o = { 0, NULL, 0 };
	const char *stem = NULL, *src;
	char *cause = NULL;
	int qi, r;

	(void)cli;
	if ((qi = parse_args(argc, argv, &o.json, &stem)) == -1)
		return usage();
	src = argv[qi + 1];
	m = matcher_new();
	if (matcher_add(m, 0, argv[qi], stem, &cause) == -1) {
		fprintf(stderr, "newswatch match: bad query: %s\n", cause);
		free(cause);
		matcher_free(m);
		return CLI_ERROR;
	}
	r = cli_input_read(src, MATCH_MAX_INPUT, MATCH_TIMEOUT, &in, &cause);
	if (r == 0)
		match_input(m, src, &in, &o);
	else
		fprintf(stderr, "newswatch match: %s: %s\n", src, cause);
	if (r == 0 && o.hits == 0)
		fprintf(o.json ? stderr : stdout, "no match in %s\n", src);
	free(cause);
	cli_input_free(&in);
	matcher_free(m);
	text_stemmers_free();
	if (r != 0)
		return CLI_ERROR;
	return o.hits > 0 ? CLI_OK : CLI_NOTHING;
}
