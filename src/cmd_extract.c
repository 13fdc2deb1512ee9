/*
 * cmd_extract: `newswatch extract [--json] FILE|URL|-`. Reads a page from a file,
 * standard input or an http(s) URL (one blocking libcurl transfer: 30 s, 8 MiB
 * of decoded body, http/https only, at most 5 redirects), extracts its article
 * and prints the main text, paragraphs separated by a blank line; with --json an
 * object {title, byline, published, canonical, text} with absent fields omitted
 * and published as ISO 8601 UTC. Exit status (DESIGN.md): 0 printed an article,
 * 1 the page has no main text (nothing printed), 2 usage or input error.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "cli.h"
#include "cli_input.h"
#include "cmd_extract.h"
#include "html.h"
#include "xmalloc.h"

#define EXTRACT_MAX_BODY	(8 * 1024 * 1024)
#define EXTRACT_TIMEOUT		30L

/* Print the article as JSON. */
static void
print_json(const struct html_article *a)
{
	json_t *o = json_object();
	char when[32], *s;
	time_t t = (time_t)a->published;
	struct tm tm;

	if (a->title != NULL)
		json_object_set_new(o, "title", json_string(a->title));
	if (a->byline != NULL)
		json_object_set_new(o, "byline", json_string(a->byline));
	if (a->published != 0 && gmtime_r(&t, &tm) != NULL &&
	    strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", &tm) > 0)
		json_object_set_new(o, "published", json_string(when));
	if (a->canonical != NULL)
		json_object_set_new(o, "canonical", json_string(a->canonical));
	json_object_set_new(o, "text", json_string(a->text));
	if (json_object_get(o, "text") == NULL)	/* not UTF-8: should not happen */
		json_object_set_new(o, "text", json_string(""));
	s = json_dumps(o, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	if (s != NULL)
		printf("%s\n", s);
	free(s);
	json_decref(o);
}

/* Read the page named on the command line; -1 after saying why. */
static int
read_page(const char *arg, struct cli_input *in)
{
	char *cause = NULL;

	if (cli_input_read(arg, EXTRACT_MAX_BODY, EXTRACT_TIMEOUT, in,
	    &cause) == 0)
		return 0;
	fprintf(stderr, "newswatch extract: %s: %s\n", arg, in->too_big ?
	    "larger than 8 MiB" : cause);
	free(cause);
	return -1;
}

int
cmd_extract(struct cli *cli, int argc, char **argv)
{
	struct cli_input in = { 0 };
	struct html_article *a = NULL;
	int json = 0, rc = CLI_ERROR, i = 1;

	(void)cli;
	if (i < argc && strcmp(argv[i], "--json") == 0) {
		json = 1;
		i++;
	}
	if (i < argc && strcmp(argv[i], "--") == 0)
		i++;
	if (argc - i != 1 || (argv[i][0] == '-' && argv[i][1] != '\0'))
		return cli_usage("extract");
	if (read_page(argv[i], &in) == -1)
		goto out;
	if ((a = html_extract(in.buf, in.len, in.url, in.charset)) == NULL) {
		fprintf(stderr, "newswatch extract: %s: not an HTML page\n", argv[i]);
		goto out;
	}
	if (*a->text == '\0') {
		fprintf(stderr, "newswatch extract: %s: no article text found\n", argv[i]);
		rc = CLI_NOTHING;
		goto out;
	}
	if (json)
		print_json(a);
	else
		printf("%s\n", a->text);
	rc = fflush(stdout) == 0 ? CLI_OK : CLI_ERROR;
out:
	html_article_free(a);
	cli_input_free(&in);
	return rc;
}
