/*
 * ceiling: the polling benchmark's upper bound. Fetch every URL of a file (one a
 * line) with a minimal libcurl multi loop, CONCURRENCY transfers at a time, and
 * run a bare libxml2 SAX2 push parse (no-op handlers) over each body. Prints one
 * line: feeds, failures, bytes, wall and CPU seconds, feeds/s, peak RSS.
 *
 * usage: ceiling URLFILE [CONCURRENCY]
 */
#include "config.h"

#include <sys/resource.h>
#include <sys/time.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>
#include <libxml/parser.h>

struct body {
	char	*buf;
	size_t	 len, cap;
	int	 index;
};

static xmlSAXHandler sax;
static long long total_bytes;
static int parse_errors;

static void
noop_start(void *ctx, const xmlChar *local, const xmlChar *prefix,
    const xmlChar *uri, int nns, const xmlChar **ns, int nattr, int ndef,
    const xmlChar **attrs)
{
	(void)ctx; (void)local; (void)prefix; (void)uri; (void)nns; (void)ns;
	(void)nattr; (void)ndef; (void)attrs;
}

static void
noop_end(void *ctx, const xmlChar *local, const xmlChar *prefix, const xmlChar *uri)
{
	(void)ctx; (void)local; (void)prefix; (void)uri;
}

static void
noop_chars(void *ctx, const xmlChar *s, int len)
{
	(void)ctx; (void)s; (void)len;
}

/* Collect a body. */
static size_t
write_cb(char *d, size_t s, size_t n, void *arg)
{
	struct body	*b = arg;

	n *= s;
	if (b->len + n > b->cap) {
		b->cap = (b->len + n) * 2;
		if ((b->buf = realloc(b->buf, b->cap)) == NULL)
			abort();
	}
	memcpy(b->buf + b->len, d, n);
	b->len += n;
	return n;
}

/* The bare SAX2 pass over one body. */
static void
parse(const struct body *b)
{
	xmlParserCtxtPtr	 ctxt;

	ctxt = xmlCreatePushParserCtxt(&sax, NULL, NULL, 0, NULL);
	xmlCtxtUseOptions(ctxt, XML_PARSE_NONET | XML_PARSE_NOERROR |
	    XML_PARSE_NOWARNING | XML_PARSE_RECOVER);
	if (xmlParseChunk(ctxt, b->buf, (int)b->len, 1) != 0)
		parse_errors++;
	xmlFreeParserCtxt(ctxt);
}

/* Start transfer i on a (reused) easy handle. */
static void
start(CURLM *multi, CURL *e, struct body *b, char **urls, int i)
{
	b->len = 0;
	b->index = i;
	curl_easy_setopt(e, CURLOPT_URL, urls[i]);
	curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, write_cb);
	curl_easy_setopt(e, CURLOPT_WRITEDATA, b);
	curl_easy_setopt(e, CURLOPT_PRIVATE, b);
	curl_easy_setopt(e, CURLOPT_ACCEPT_ENCODING, "");
	curl_easy_setopt(e, CURLOPT_PROXY, "");
	curl_multi_add_handle(multi, e);
}

/* Read the URL file. */
static char **
read_urls(const char *path, int *n)
{
	FILE	*fp = fopen(path, "r");
	char	 line[4096], **v = NULL;
	int	 cap = 0;

	*n = 0;
	if (fp == NULL)
		return NULL;
	while (fgets(line, sizeof line, fp) != NULL) {
		line[strcspn(line, "\r\n")] = '\0';
		if (line[0] == '\0')
			continue;
		if (*n == cap && (v = realloc(v, (cap = cap * 2 + 64) * sizeof *v)) == NULL)
			abort();
		v[(*n)++] = strdup(line);
	}
	fclose(fp);
	return v;
}

int
main(int argc, char **argv)
{
	struct timeval	 t0, t1;
	struct rusage	 ru;
	CURLM		*multi;
	CURLMsg		*msg;
	CURL		**easy;
	struct body	*bodies, *b;
	char		**urls;
	int		 n, conc, next = 0, running = 1, left, done = 0, failed = 0, i;
	long		 status;
	double		 wall, cpu;

	if (argc < 2 || (urls = read_urls(argv[1], &n)) == NULL) {
		fprintf(stderr, "usage: ceiling URLFILE [CONCURRENCY]\n");
		return 2;
	}
	conc = argc > 2 ? atoi(argv[2]) : 32;
	xmlInitParser();
	memset(&sax, 0, sizeof sax);
	sax.initialized = XML_SAX2_MAGIC;
	sax.startElementNs = noop_start;
	sax.endElementNs = noop_end;
	sax.characters = noop_chars;
	sax.cdataBlock = noop_chars;
	curl_global_init(CURL_GLOBAL_DEFAULT);
	multi = curl_multi_init();
	curl_multi_setopt(multi, CURLMOPT_MAX_HOST_CONNECTIONS, (long)conc);
	easy = calloc(conc, sizeof *easy);
	bodies = calloc(conc, sizeof *bodies);
	gettimeofday(&t0, NULL);
	for (i = 0; i < conc && next < n; i++) {
		easy[i] = curl_easy_init();
		start(multi, easy[i], &bodies[i], urls, next++);
	}
	while (running > 0 || done < n) {
		curl_multi_perform(multi, &running);
		while ((msg = curl_multi_info_read(multi, &left)) != NULL) {
			if (msg->msg != CURLMSG_DONE)
				continue;
			curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, (char **)&b);
			curl_easy_getinfo(msg->easy_handle, CURLINFO_RESPONSE_CODE, &status);
			curl_multi_remove_handle(multi, msg->easy_handle);
			done++;
			if (msg->data.result != CURLE_OK || status != 200)
				failed++;
			else {
				total_bytes += b->len;
				parse(b);
			}
			if (next < n) {
				start(multi, msg->easy_handle, b, urls, next++);
				running = 1;
			}
		}
		if (done < n)
			curl_multi_poll(multi, NULL, 0, 1000, NULL);
	}
	gettimeofday(&t1, NULL);
	getrusage(RUSAGE_SELF, &ru);
	wall = (t1.tv_sec - t0.tv_sec) + (t1.tv_usec - t0.tv_usec) / 1e6;
	cpu = ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 +
	    ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6;
	printf("ceiling: feeds=%d failed=%d parse_errors=%d bytes=%lld wall=%.3f "
	    "cpu=%.3f feeds_per_s=%.1f peak_rss_kib=%ld\n", n, failed, parse_errors,
	    total_bytes, wall, cpu, n / wall, ru.ru_maxrss);
	for (i = 0; i < conc; i++) {
		if (easy[i] != NULL)
			curl_easy_cleanup(easy[i]);
		free(bodies[i].buf);
	}
	for (i = 0; i < n; i++)
		free(urls[i]);
	free(urls);
	free(easy);
	free(bodies);
	curl_multi_cleanup(multi);
	curl_global_cleanup();
	xmlCleanupParser();
	return failed > 0;
}
