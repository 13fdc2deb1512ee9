/*
 * cli_input: read a command's input into memory, refusing more than a cap of
 * bytes (decoded bytes for a URL). Causes are bare ("larger than N bytes",
 * strerror, libcurl's message, "HTTP status N"); the command adds its prefix.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <curl/curl.h>

#include "cli_input.h"
#include "xmalloc.h"

/* A transfer in progress: the input and its cap. */
struct sink {
	struct cli_input	*in;
	size_t			 max;
};

/* Append bytes unless the input would pass the cap; -1 when it would. */
static int
add(struct cli_input *in, size_t max, const char *p, size_t n)
{
	if (n > max - in->len) {
		in->too_big = 1;
		return -1;
	}
	in->buf = xrealloc(in->buf, in->len + n + 1);
	memcpy(in->buf + in->len, p, n);
	in->len += n;
	in->buf[in->len] = '\0';
	return 0;
}

/* Read a stream to its end or the cap; -1 with *cause on failure. */
static int
read_stream(FILE *f, size_t max, struct cli_input *in, char **cause)
{
	char chunk[65536];
	size_t n;

	while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
		if (add(in, max, chunk, n) == -1)
			break;
	if (in->too_big)
		xasprintf(cause, "larger than %zu bytes", max);
	else if (ferror(f))
		xasprintf(cause, "%s", strerror(errno));
	else if (in->buf == NULL)
		in->buf = xcalloc(1, 1);
	return *cause != NULL ? -1 : 0;
}

/* Read the file at path (literally, "-" included); -1 with *cause on failure. */
int
cli_input_file(const char *path, size_t max, struct cli_input *in, char **cause)
{
	FILE *f;
	int rc;

	memset(in, 0, sizeof *in);
	*cause = NULL;
	if ((f = fopen(path, "rb")) == NULL)
		return xasprintf(cause, "%s", strerror(errno)), -1;
	in->opened = 1;
	rc = read_stream(f, max, in, cause);
	fclose(f);
	return rc;
}

/* libcurl write callback: keep the decoded body within the cap. */
static size_t
write_cb(char *p, size_t size, size_t n, void *arg)
{
	struct sink *s = arg;

	return add(s->in, s->max, p, size * n) == -1 ? CURL_WRITEFUNC_ERROR :
	    size * n;
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

/* Set up one blocking http(s) transfer of url into s. */
static void
setup(CURL *c, const char *url, long timeout, struct sink *s, char *err)
{
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(c, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 1L);
	curl_easy_setopt(c, CURLOPT_MAXREDIRS, 5L);
	curl_easy_setopt(c, CURLOPT_TIMEOUT, timeout);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_ACCEPT_ENCODING, "");
	curl_easy_setopt(c, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)s->max);
	curl_easy_setopt(c, CURLOPT_USERAGENT, "newswatch/" PACKAGE_VERSION);
	curl_easy_setopt(c, CURLOPT_ERRORBUFFER, err);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, write_cb);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, s);
}

/* Fetch an http(s) URL; -1 with *cause on failure. */
static int
fetch_url(const char *url, size_t max, long timeout, struct cli_input *in,
    char **cause)
{
	char err[CURL_ERROR_SIZE] = "", *ct = NULL, *eff = NULL;
	struct sink s = { in, max };
	long code = 0;
	CURLcode rc;
	CURL *c;

	if ((c = curl_easy_init()) == NULL)
		return xasprintf(cause, "cannot create a transfer"), -1;
	setup(c, url, timeout, &s, err);
	rc = curl_easy_perform(c);
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code);
	curl_easy_getinfo(c, CURLINFO_CONTENT_TYPE, &ct);
	curl_easy_getinfo(c, CURLINFO_EFFECTIVE_URL, &eff);
	in->charset = content_charset(ct);
	in->url = xstrdup(eff != NULL ? eff : url);
	curl_easy_cleanup(c);
	if (rc == CURLE_FILESIZE_EXCEEDED)
		in->too_big = 1;
	if (in->too_big)
		return xasprintf(cause, "larger than %zu bytes", max), -1;
	if (rc != CURLE_OK)
		return xasprintf(cause, "%s", err[0] ? err : curl_easy_strerror(rc)), -1;
	if (code < 200 || code > 299)
		return xasprintf(cause, "HTTP status %ld", code), -1;
	if (in->buf == NULL)
		in->buf = xcalloc(1, 1);
	return 0;
}

/*
 * Read arg: an http(s) URL (timeout in seconds), "-" for standard input, else
 * a file; at most max bytes. -1 with *cause on failure (free in either way).
 */
int
cli_input_read(const char *arg, size_t max, long timeout, struct cli_input *in,
    char **cause)
{
	int rc;

	memset(in, 0, sizeof *in);
	*cause = NULL;
	if (strncasecmp(arg, "http://", 7) == 0 ||
	    strncasecmp(arg, "https://", 8) == 0) {
		curl_global_init(CURL_GLOBAL_DEFAULT);
		rc = fetch_url(arg, max, timeout, in, cause);
		curl_global_cleanup();
		return rc;
	}
	if (strcmp(arg, "-") == 0) {
		in->opened = 1;
		return read_stream(stdin, max, in, cause);
	}
	return cli_input_file(arg, max, in, cause);
}

/* Free what a read left, successful or not. */
void
cli_input_free(struct cli_input *in)
{
	free(in->buf);
	free(in->url);
	free(in->charset);
	memset(in, 0, sizeof *in);
}
