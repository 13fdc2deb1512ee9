/*
 * cmd_match: run one query over a file, a URL or standard input and print the
 * hits with their snippets. Exit 0 on a hit, 1 when nothing matched, 2 on a bad
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
print_cb(const struct match_hit *h, void *arg)
{
	struct out *o = arg;
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

/* Match one article. */
static void
match_article(struct matcher *m, struct article *a, struct out *o)
{
	o->a = a;
	matcher_match(m, &a->doc, 0, print_cb, o);
}

/* Match the input: a feed (each entry) once feed.h exists, else plain text. */
static int
match_input(struct matcher *m, const char *where, struct cli_input *in,
    struct out *o)
{
	struct article a;

	memset(&a, 0, sizeof a);
	a.where = where;
	a.entry = -1;
	/*
	 * FEED INTEGRATION SPOT (lead): when src/feed.h exists, try
	 *   feed_parse(in->buf, in->len, url_or_NULL, charset, &cause)
	 * and, when it returns a feed, fill a.doc from each entry (title, summary,
	 * content as text, link as url, authors, feed language), set a.entry to the
	 * entry's number and call match_article per entry; HTML pages go through the
	 * html part's main-text extraction the same way. Only then fall back here.
	 */
	for (size_t i = 0; i < in->len; i++)
		if (in->buf[i] == '\0')
			in->buf[i] = ' ';	/* the matcher takes C strings */
	a.doc.text = in->buf;
	match_article(m, &a, o);
	return 0;
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
