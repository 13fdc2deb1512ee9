/*
 * cmd_parse: read a feed from a file, standard input or an http(s) URL, run
 * feed_parse on it and print the result as text or as one JSON object.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <curl/curl.h>
#include <jansson.h>

#include "cli.h"
#include "cmd_parse.h"
#include "feed.h"
#include "feed_int.h"
#include "text_date.h"
#include "xmalloc.h"

#define PARSE_MAX_BODY	(8 * 1024 * 1024)
#define PARSE_TIMEOUT	30L

/* What was read, and what the server said about it. */
struct source {
	char	*buf;
	size_t	 len;
	char	*charset;	/* from Content-Type, or NULL */
	char	*url;		/* final URL (the base), or NULL */
	int	 over;		/* the cap was hit */
};

/* Append to the body, refusing more than PARSE_MAX_BODY decoded bytes. */
static size_t
write_cb(char *p, size_t size, size_t n, void *arg)
{
	struct source *s = arg;
	size_t len = size * n;

	if (s->len + len > PARSE_MAX_BODY) {
		s->over = 1;
		return CURL_WRITEFUNC_ERROR;
	}
	s->buf = xrealloc(s->buf, s->len + len + 1);
	memcpy(s->buf + s->len, p, len);
	s->len += len;
	return len;
}

/* The charset parameter of a Content-Type, or NULL. */
static char *
content_charset(const char *ct)
{
	const char *p;
	size_t n;

	if (ct == NULL || (p = strcasestr(ct, "charset=")) == NULL)
		return NULL;
	p += 8;
	if (*p == '"')
		p++;
	n = strcspn(p, "\"; \t");
	return n > 0 && n < 64 ? xstrndup(p, n) : NULL;
}

/* Fetch an http(s) URL with one blocking transfer; -1 with *cause on failure. */
static int
fetch_url(const char *url, struct source *s, char **cause)
{
	char err[CURL_ERROR_SIZE] = "", *ct = NULL, *eff = NULL;
	long code = 0;
	CURLcode rc;
	CURL *c;

	if ((c = curl_easy_init()) == NULL)
		return xasprintf(cause, "cannot create a transfer"), -1;
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(c, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 1L);
	curl_easy_setopt(c, CURLOPT_MAXREDIRS, 5L);
	curl_easy_setopt(c, CURLOPT_TIMEOUT, PARSE_TIMEOUT);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_ACCEPT_ENCODING, "");
	curl_easy_setopt(c, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)PARSE_MAX_BODY);
	curl_easy_setopt(c, CURLOPT_USERAGENT, "newswatch/" PACKAGE_VERSION);
	curl_easy_setopt(c, CURLOPT_ERRORBUFFER, err);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, write_cb);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, s);
	rc = curl_easy_perform(c);
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code);
	curl_easy_getinfo(c, CURLINFO_CONTENT_TYPE, &ct);
	curl_easy_getinfo(c, CURLINFO_EFFECTIVE_URL, &eff);
	s->charset = content_charset(ct);
	s->url = xstrdup(eff != NULL ? eff : url);
	curl_easy_cleanup(c);
	if (s->over)
		return xasprintf(cause, "larger than %d bytes", PARSE_MAX_BODY), -1;
	if (rc != CURLE_OK)
		return xasprintf(cause, "%s", err[0] ? err : curl_easy_strerror(rc)), -1;
	if (code < 200 || code > 299)
		return xasprintf(cause, "HTTP status %ld", code), -1;
	return 0;
}

/* Read a file or standard input ("-"), up to PARSE_MAX_BODY bytes. */
static int
read_file(const char *path, struct source *s, char **cause)
{
	FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
	size_t n;

	if (f == NULL)
		return xasprintf(cause, "%s", strerror(errno)), -1;
	s->buf = xmalloc(PARSE_MAX_BODY + 1);
	n = fread(s->buf, 1, PARSE_MAX_BODY + 1, f);
	if (ferror(f))
		xasprintf(cause, "%s", strerror(errno));
	else if (n > PARSE_MAX_BODY)
		xasprintf(cause, "larger than %d bytes", PARSE_MAX_BODY);
	if (f != stdin)
		fclose(f);
	s->len = n;
	return *cause != NULL ? -1 : 0;
}

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

/* Read the source named on the command line. */
static int
read_source(const char *arg, struct source *s, char **cause)
{
	if (strncasecmp(arg, "http://", 7) == 0 || strncasecmp(arg, "https://", 8) == 0) {
		int rc;

		curl_global_init(CURL_GLOBAL_DEFAULT);
		rc = fetch_url(arg, s, cause);
		curl_global_cleanup();
		return rc;
	}
	return read_file(arg, s, cause);
}

/* newswatch parse [--json] FILE|URL|- */
int
cmd_parse(struct cli *cli, int argc, char **argv)
{
	struct source s = { 0 };
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
	if (read_source(argv[i], &s, &cause) == 0)
		f = feed_parse(s.buf ? s.buf : "", s.len, s.url, s.charset, &cause);
	if (f == NULL)
		fprintf(stderr, "newswatch parse: %s: %s\n", argv[i], cause ? cause : "?");
	else {
		json ? print_json(f) : print_text(f);
		rc = CLI_OK;
	}
	feed_free(f);
	free(cause);
	free(s.buf);
	free(s.charset);
	free(s.url);
	return rc;
}
