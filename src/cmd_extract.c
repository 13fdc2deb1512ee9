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

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <curl/curl.h>
#include <jansson.h>

#include "cli.h"
#include "cmd_extract.h"
#include "html.h"
#include "xmalloc.h"

#define EXTRACT_MAX_BODY	(8 * 1024 * 1024)
#define EXTRACT_TIMEOUT		30L

/* A body being read, with the cap. */
struct body {
	char	*s;
	size_t	 len;
	int	 too_big;
};

/* Append to a body unless it would pass the cap. */
static int
body_add(struct body *b, const char *s, size_t n)
{
	if (b->len + n > EXTRACT_MAX_BODY) {
		b->too_big = 1;
		return -1;
	}
	b->s = xrealloc(b->s, b->len + n + 1);
	memcpy(b->s + b->len, s, n);
	b->len += n;
	b->s[b->len] = '\0';
	return 0;
}

/* Read a whole file or standard input ("-"); -1 with a message on failure. */
static int
read_file(const char *path, struct body *b)
{
	FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
	char chunk[65536];
	size_t n;
	int rc = 0;

	if (f == NULL) {
		fprintf(stderr, "newswatch extract: %s: %s\n", path, strerror(errno));
		return -1;
	}
	while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
		if (body_add(b, chunk, n) == -1)
			break;
	if (ferror(f) || b->too_big) {
		fprintf(stderr, "newswatch extract: %s: %s\n", path,
		    b->too_big ? "larger than 8 MiB" : strerror(errno));
		rc = -1;
	}
	if (f != stdin)
		fclose(f);
	return rc;
}

/* libcurl write callback: keep the decoded body within the cap. */
static size_t
write_cb(char *p, size_t size, size_t n, void *arg)
{
	return body_add(arg, p, size * n) == -1 ? CURL_WRITEFUNC_ERROR : size * n;
}

/* The charset parameter of a Content-Type, or NULL (caller frees). */
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

/* Fetch a URL; -1 with a message on failure. Sets *final_url and *charset. */
static int
fetch_url(const char *url, struct body *b, char **final_url, char **charset)
{
	CURL *h = curl_easy_init();
	char err[CURL_ERROR_SIZE] = "";
	char *eff = NULL, *ct = NULL;
	long code = 0;
	CURLcode rc;

	curl_easy_setopt(h, CURLOPT_URL, url);
	curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(h, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 1L);
	curl_easy_setopt(h, CURLOPT_MAXREDIRS, 5L);
	curl_easy_setopt(h, CURLOPT_TIMEOUT, EXTRACT_TIMEOUT);
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(h, CURLOPT_ACCEPT_ENCODING, "");
	curl_easy_setopt(h, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)EXTRACT_MAX_BODY);
	curl_easy_setopt(h, CURLOPT_USERAGENT, "newswatch/" PACKAGE_VERSION);
	curl_easy_setopt(h, CURLOPT_ERRORBUFFER, err);
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, write_cb);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, b);
	rc = curl_easy_perform(h);
	curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &code);
	curl_easy_getinfo(h, CURLINFO_EFFECTIVE_URL, &eff);
	curl_easy_getinfo(h, CURLINFO_CONTENT_TYPE, &ct);
	if (rc == CURLE_OK && (code < 200 || code > 299))
		fprintf(stderr, "newswatch extract: %s: HTTP status %ld\n", url, code);
	else if (rc != CURLE_OK)
		fprintf(stderr, "newswatch extract: %s: %s\n", url, b->too_big ||
		    rc == CURLE_FILESIZE_EXCEEDED ? "larger than 8 MiB" : *err != '\0' ? err : curl_easy_strerror(rc));
	else {
		*final_url = xstrdup(eff != NULL ? eff : url);
		*charset = content_charset(ct);
	}
	curl_easy_cleanup(h);
	return *final_url != NULL ? 0 : -1;
}

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

/* Is the argument an http(s) URL? */
static int
is_url(const char *s)
{
	return strncasecmp(s, "http://", 7) == 0 || strncasecmp(s, "https://", 8) == 0;
}

int
cmd_extract(struct cli *cli, int argc, char **argv)
{
	struct body b = { NULL, 0, 0 };
	struct html_article *a = NULL;
	char *base = NULL, *charset = NULL;
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
	if (is_url(argv[i])) {
		curl_global_init(CURL_GLOBAL_DEFAULT);
		if (fetch_url(argv[i], &b, &base, &charset) == -1)
			goto out;
	} else if (read_file(argv[i], &b) == -1)
		goto out;
	if ((a = html_extract(b.s, b.len, base, charset)) == NULL) {
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
	free(b.s);
	free(base);
	free(charset);
	if (is_url(argv[argc - 1]))
		curl_global_cleanup();
	return rc;
}
