/*
 * cmd_parse: read a feed from a file, standard input or an http(s) URL, run
 * feed_parse on it and print the result as text or as one JSON object.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <jansson.h>

#include "cli.h"
#include "cli_input.h"
#include "cmd_parse.h"
#include "feed.h"
#include "feed_int.h"
#include "text_date.h"
#include "xmalloc.h"

#define PARSE_MAX_BODY	(8 * 1024 * 1024)
#define PARSE_TIMEOUT	30L

/* Set key to a string unless it is NULL. */
static void
set_str(json_t *o, const char *key, const char *v)
{
	if (v != NULL)
		json_object_set_new(o, key, json_string(v));
}

/* Set key to an ISO 8601 date unless it is absent. */
static void
set_date(json_t *o, const char *key, int64_t t)
{
	char buf[40];

	if (t != 0)
		json_object_set_new(o, key, json_string(text_date_format(t, buf,
		    sizeof buf)));
}

/* Set key to an array unless it is empty. */
static void
set_array(json_t *o, const char *key, json_t *a)
{
	if (json_array_size(a) > 0)
		json_object_set_new(o, key, a);
	else
		json_decref(a);
}

/* One entry as a JSON object, in the order issue 4 lists the keys. */
static json_t *
entry_json(const struct feed_entry *e)
{
	json_t *o = json_object(), *a, *x;
	size_t i;

	set_str(o, "id", e->id);
	set_str(o, "title", e->title);
	set_str(o, "link", e->link);
	set_date(o, "published", e->published);
	set_date(o, "updated", e->updated);
	a = json_array();
	for (i = 0; i < e->nauthors; i++) {
		x = json_object();
		set_str(x, "name", e->authors[i].name);
		set_str(x, "email", e->authors[i].email);
		json_array_append_new(a, x);
	}
	set_array(o, "authors", a);
	set_str(o, "summary", e->summary);
	set_str(o, "content", e->content);
	a = json_array();
	for (i = 0; i < e->ncategories; i++)
		json_array_append_new(a, json_string(e->categories[i]));
	set_array(o, "categories", a);
	a = json_array();
	for (i = 0; i < e->nenclosures; i++) {
		x = json_object();
		set_str(x, "url", e->enclosures[i].url);
		set_str(x, "type", e->enclosures[i].type);
		if (e->enclosures[i].length >= 0)
			json_object_set_new(x, "length",
			    json_integer(e->enclosures[i].length));
		json_array_append_new(a, x);
	}
	set_array(o, "enclosures", a);
	return o;
}

/* The whole feed as one JSON object on stdout. */
static void
print_json(const struct feed *f)
{
	json_t *o = json_object(), *a = json_array();
	size_t i;

	set_str(o, "format", f->format_name);
	json_object_set_new(o, "bozo", json_boolean(f->bozo));
	set_str(o, "title", f->title);
	set_str(o, "link", f->link);
	set_str(o, "language", f->language);
	for (i = 0; i < f->nentries; i++)
		json_array_append_new(a, entry_json(&f->entries[i]));
	json_object_set_new(o, "entries", a);
	json_dumpf(o, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	putchar('\n');
	json_decref(o);
}

/* Print "  label: value" when value is set. */
static void
line(const char *label, const char *v)
{
	if (v != NULL)
		printf("  %-10s %s\n", label, v);
}

/* One entry as readable text. */
static void
print_entry(size_t n, const struct feed_entry *e)
{
	char buf[40], *s;
	size_t i;

	printf("\n[%zu] %s\n", n, e->title ? e->title : "(no title)");
	line("id:", e->id);
	line("link:", e->link);
	line("published:", e->published ? text_date_format(e->published, buf,
	    sizeof buf) : NULL);
	line("updated:", e->updated ? text_date_format(e->updated, buf, sizeof buf) :
	    NULL);
	for (i = 0; i < e->nauthors; i++)
		printf("  %-10s %s%s%s%s\n", "author:", e->authors[i].name ?
		    e->authors[i].name : "", e->authors[i].email ? " <" : "",
		    e->authors[i].email ? e->authors[i].email : "",
		    e->authors[i].email ? ">" : "");
	for (i = 0; i < e->ncategories; i++)
		line("category:", e->categories[i]);
	for (i = 0; i < e->nenclosures; i++)
		printf("  %-10s %s (%s, %lld bytes)\n", "enclosure:", e->enclosures[i].url,
		    e->enclosures[i].type ? e->enclosures[i].type : "?",
		    (long long)e->enclosures[i].length);
	s = e->summary ? feed_text_from_html(e->summary) : NULL;
	if (s != NULL && strlen(s) > 200)
		strcpy(s + 197, "...");
	line("summary:", s);
	free(s);
	if (e->content != NULL)
		printf("  %-10s %zu bytes of %s\n", "content:", strlen(e->content),
		    e->content_html ? "HTML" : "text");
}

/* The whole feed as readable text. */
static void
print_text(const struct feed *f)
{
	size_t i;

	printf("format:   %s%s%s%s\n", f->format_name, f->bozo ? " (not well-formed: " :
	    "", f->bozo ? (f->bozo_cause ? f->bozo_cause : "?") : "", f->bozo ? ")" : "");
	printf("encoding: %s\n", f->encoding ? f->encoding : "?");
	printf("title:    %s\n", f->title ? f->title : "");
	printf("link:     %s\n", f->link ? f->link : "");
	printf("language: %s\n", f->language ? f->language : "");
	printf("entries:  %zu%s\n", f->nentries, f->truncated ? " (truncated)" : "");
	for (i = 0; i < f->nentries; i++)
		print_entry(i + 1, &f->entries[i]);
}

/* newswatch parse [--json] FILE|URL|- */
int
cmd_parse(struct cli *cli, int argc, char **argv)
{
	struct cli_input s;
	struct feed *f = NULL;
	char *cause = NULL;
	int json = 0, i = 1, rc = CLI_ERROR;

	(void)cli;
	if (i < argc && strcmp(argv[i], "--json") == 0)
		json = i++;
	if (i < argc && strcmp(argv[i], "--") == 0)
		i++;
	if (argc - i != 1 || (argv[i][0] == '-' && argv[i][1] != '\0'))
		return cli_usage("parse");
	if (cli_input_read(argv[i], PARSE_MAX_BODY, PARSE_TIMEOUT, &s,
	    &cause) == 0)
		f = feed_parse(s.buf ? s.buf : "", s.len, s.url, s.charset, &cause);
	if (f == NULL)
		fprintf(stderr, "newswatch parse: %s: %s\n", argv[i], cause ? cause : "?");
	else {
		json ? print_json(f) : print_text(f);
		rc = CLI_OK;
	}
	feed_free(f);
	free(cause);
	cli_input_free(&s);
	return rc;
}
