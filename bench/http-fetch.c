/*
 * http-fetch: fetch every URL of a file through newswatch's http module (all
 * queued at once; max_transfers = max_per_host = CONCURRENCY) and run the same
 * bare libxml2 SAX2 pass as bench/ceiling over each body. Prints one line in the
 * ceiling's format.
 *
 * usage: http-fetch URLFILE [CONCURRENCY]
 */
#include "config.h"

#include <sys/resource.h>
#include <sys/time.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>
#include <libxml/parser.h>

#include "http.h"
#include "log.h"
#include "xmalloc.h"

static xmlSAXHandler sax;
static long long total_bytes;
static int done, failed, parse_errors;

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

/* One response: the SAX pass. */
static void
done_cb(const struct http_response *r, void *arg)
{
	xmlParserCtxtPtr	 ctxt;

	(void)arg;
	done++;
	if (r->result != HTTP_OK) {
		failed++;
		return;
	}
	total_bytes += r->len;
	ctxt = xmlCreatePushParserCtxt(&sax, NULL, NULL, 0, NULL);
	xmlCtxtUseOptions(ctxt, XML_PARSE_NONET | XML_PARSE_NOERROR |
	    XML_PARSE_NOWARNING | XML_PARSE_RECOVER);
	if (xmlParseChunk(ctxt, r->body, (int)r->len, 1) != 0)
		parse_errors++;
	xmlFreeParserCtxt(ctxt);
}

int
main(int argc, char **argv)
{
	struct http_limits	 lim = { 0 };
	struct http_request	 req = { 0 };
	struct event_base	*base;
	struct http		*h;
	struct timeval		 t0, t1;
	struct rusage		 ru;
	FILE			*fp;
	char			 line[4096];
	int			 n = 0;
	double			 wall, cpu;

	if (argc < 2 || (fp = fopen(argv[1], "r")) == NULL) {
		fprintf(stderr, "usage: http-fetch URLFILE [CONCURRENCY]\n");
		return 2;
	}
	log_init("http-fetch", LOG_LEVEL_WARN);
	xmlInitParser();
	memset(&sax, 0, sizeof sax);
	sax.initialized = XML_SAX2_MAGIC;
	sax.startElementNs = noop_start;
	sax.endElementNs = noop_end;
	sax.characters = noop_chars;
	sax.cdataBlock = noop_chars;
	curl_global_init(CURL_GLOBAL_DEFAULT);
	base = event_base_new();
	lim.max_transfers = lim.max_per_host = argc > 2 ? atoi(argv[2]) : 32;
	lim.proxy = "";
	h = http_new(base, &lim);
	gettimeofday(&t0, NULL);
	while (fgets(line, sizeof line, fp) != NULL) {
		line[strcspn(line, "\r\n")] = '\0';
		if (line[0] == '\0')
			continue;
		req.url = line;
		http_request(h, &req, done_cb, NULL);
		n++;
	}
	fclose(fp);
	while (done < n)
		event_base_loop(base, EVLOOP_ONCE);
	gettimeofday(&t1, NULL);
	getrusage(RUSAGE_SELF, &ru);
	wall = (t1.tv_sec - t0.tv_sec) + (t1.tv_usec - t0.tv_usec) / 1e6;
	cpu = ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 +
	    ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6;
	printf("http-fetch: feeds=%d failed=%d parse_errors=%d bytes=%lld wall=%.3f "
	    "cpu=%.3f feeds_per_s=%.1f peak_rss_kib=%ld\n", n, failed, parse_errors,
	    total_bytes, wall, cpu, n / wall, ru.ru_maxrss);
	http_free(h);
	event_base_free(base);
	curl_global_cleanup();
	xmlCleanupParser();
	return failed > 0;
}
