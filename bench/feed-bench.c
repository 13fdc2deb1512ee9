/*
 * feed-bench: feed_parse throughput on a generated feed (RSS 2.0 and Atom, ~100 MB
 * each), compared in the same run with sfeed and a bare libxml2 SAX2 pass with
 * no-op handlers (the ceiling). Usage: feed-bench [MB] (default 100).
 */
#include "config.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <libxml/parser.h>
#include <openssl/evp.h>

#include "../src/feed.h"
#include "../src/xmalloc.h"

/* CPU seconds of this process (less disturbed by other load than wall time). */
static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Append a formatted string to a growing buffer. */
static void
add(char **b, size_t *len, size_t *cap, const char *s)
{
	size_t n = strlen(s);

	if (*len + n + 1 > *cap) {
		*cap = (*cap + n) * 2;
		*b = xrealloc(*b, *cap);
	}
	memcpy(*b + *len, s, n + 1);
	*len += n;
}

/* Generate a feed of about mb megabytes. */
static char *
generate(int atom, size_t mb, size_t *len)
{
	char *b = NULL, item[16384], body[12000] = "";
	size_t cap = 0, i;

	/* About 10 kB per entry: 100 MB stays within FEED_MAX_ENTRIES. */
	for (i = 0; i < 50; i++)
		strcat(body, " Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod tempor incididunt ut labore et dolore magna aliqua. Ut enim ad minim veniam, quis nostrud exercitation ullamco laboris nisi ut aliquip ex ea commodo consequat.");
	*len = 0;
	add(&b, len, &cap, atom ? "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<feed xmlns=\"http://www.w3.org/2005/Atom\"><title>Bench</title><link href=\"https://bench.example/\"/>\n" :
	    "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<rss version=\"2.0\"><channel><title>Bench</title><link>https://bench.example/</link>\n");
	for (i = 0; *len < mb * 1000000; i++) {
		if (atom)
			snprintf(item, sizeof item, "<entry><title>Story number %zu about the economy &amp; politics</title><link rel=\"alternate\" type=\"text/html\" href=\"https://bench.example/story/%zu\"/><id>tag:bench.example,2024:%zu</id><published>2024-03-%02zuT10:%02zu:00Z</published><updated>2024-03-%02zuT11:%02zu:00+01:00</updated><author><name>Reporter %zu</name><email>r%zu@bench.example</email></author><category term=\"news\"/><summary type=\"html\">&lt;p&gt;Summary of story %zu: ministers met on Tuesday to discuss the budget, the weather and the state of the roads.&lt;/p&gt;</summary><content type=\"html\">&lt;p&gt;Full text of story %zu.%s&lt;/p&gt;</content></entry>\n",
			    i, i, i, i % 28 + 1, i % 60, i % 28 + 1, i % 60, i % 50, i % 50, i, i, body);
		else
			snprintf(item, sizeof item, "<item><title>Story number %zu about the economy &amp; politics</title><link>https://bench.example/story/%zu</link><guid isPermaLink=\"false\">tag:bench.example,2024:%zu</guid><pubDate>Tue, %02zu Mar 2024 10:%02zu:00 +0000</pubDate><author>r%zu@bench.example (Reporter %zu)</author><category>news</category><description>&lt;p&gt;Summary of story %zu: ministers met on Tuesday to discuss the budget, the weather and the state of the roads.&lt;/p&gt;</description><content:encoded xmlns:content=\"http://purl.org/rss/1.0/modules/content/\"><![CDATA[<p>Full text of story %zu.%s</p>]]></content:encoded></item>\n",
			    i, i, i, i % 28 + 1, i % 60, i % 50, i % 50, i, i, body);
		add(&b, len, &cap, item);
	}
	add(&b, len, &cap, atom ? "</feed>\n" : "</channel></rss>\n");
	return b;
}

/* No-op SAX2 handlers. */
static void
noop_start_cb(void *c, const xmlChar *l, const xmlChar *p, const xmlChar *u, int nn,
    const xmlChar **ns, int na, int nd, const xmlChar **a)
{
	(void)c; (void)l; (void)p; (void)u; (void)nn; (void)ns; (void)na; (void)nd;
	(void)a;
}

static void
noop_end_cb(void *c, const xmlChar *l, const xmlChar *p, const xmlChar *u)
{
	(void)c; (void)l; (void)p; (void)u;
}

static void
noop_text_cb(void *c, const xmlChar *s, int len)
{
	(void)c; (void)s; (void)len;
}

/* Where the pull parser's reader is. */
struct reader {
	const char	*p;
	size_t		 left;
};

/* Input callback handing out the buffer in pieces. */
static int
read_cb(void *arg, char *buf, int len)
{
	struct reader *r = arg;
	size_t n = r->left < (size_t)len ? r->left : (size_t)len;

	memcpy(buf, r->p, n);
	r->p += n;
	r->left -= n;
	return (int)n;
}

/*
 * The bare SAX2 pass with no-op handlers and the same options: push = 0 the pull
 * parser fed in pieces, 1 the push parser given the whole buffer, 2 the push parser
 * in 256 KiB chunks (what feed_parse does); the fastest is the ceiling.
 */
static double
bare_sax(const char *buf, size_t len, int push)
{
	struct reader r = { buf, len };
	xmlSAXHandler sax;
	xmlParserCtxtPtr c;
	double t = now();
	int opts = XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING |
	    XML_PARSE_RECOVER | XML_PARSE_IGNORE_ENC | XML_PARSE_COMPACT;

	memset(&sax, 0, sizeof sax);
	sax.initialized = XML_SAX2_MAGIC;
	sax.startElementNs = noop_start_cb;
	sax.endElementNs = noop_end_cb;
	sax.characters = noop_text_cb;
	sax.cdataBlock = noop_text_cb;
	sax.ignorableWhitespace = noop_text_cb;
	if (push) {
		size_t off, n, chunk = push == 1 ? len : 256 * 1024;

		c = xmlCreatePushParserCtxt(&sax, NULL, NULL, 0, NULL);
		xmlCtxtUseOptions(c, opts);
		for (off = 0; off < len; off += n) {
			n = len - off < chunk ? len - off : chunk;
			xmlParseChunk(c, buf + off, (int)n, 0);
		}
		xmlParseChunk(c, NULL, 0, 1);
	} else {
		c = xmlCreateIOParserCtxt(&sax, NULL, read_cb, NULL, &r,
		    XML_CHAR_ENCODING_NONE);
		xmlCtxtUseOptions(c, opts);
		xmlParseDocument(c);
	}
	xmlFreeParserCtxt(c);
	return now() - t;
}

/* SHA-256 alone over the buffer in entry-sized pieces (the fingerprint's cost). */
static double
sha_only(const char *buf, size_t len)
{
	unsigned char md[32];
	double t = now();
	size_t i, n;

	for (i = 0; i < len; i += n) {
		n = len - i < 12000 ? len - i : 12000;
		EVP_Digest(buf + i, n, md, NULL, EVP_sha256(), NULL);
	}
	return now() - t;
}

/* feed_parse producing the full entries. */
static double
ours(const char *buf, size_t len, size_t *n)
{
	double t = now();
	struct feed *f = feed_parse(buf, len, "https://bench.example/", NULL, NULL);

	t = now() - t;
	*n = f ? f->nentries : 0;
	feed_free(f);
	return t;
}

/* sfeed < path > /dev/null in CPU seconds; -1 if sfeed is not installed. */
static double
run_sfeed(const char *path)
{
	struct rusage ru;
	int st;
	pid_t pid = fork();

	if (pid == 0) {
		int in = open(path, O_RDONLY), out = open("/dev/null", O_WRONLY);

		dup2(in, 0);
		dup2(out, 1);
		execlp("sfeed", "sfeed", (char *)NULL);
		_exit(127);
	}
	wait4(pid, &st, 0, &ru);
	if (!WIFEXITED(st) || WEXITSTATUS(st) == 127)
		return -1;
	return ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 +
	    ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6;
}

/* Best of three runs of each contender on one generated file. */
static void
bench(int atom, size_t mb)
{
	char path[] = "/tmp/feed-bench-XXXXXX";
	size_t len, n = 0;
	char *buf = generate(atom, mb, &len);
	double a = 1e9, s = 1e9, x = 1e9, h = 1e9, t;
	int fd = mkstemp(path), i;

	if (fd < 0 || write(fd, buf, len) != (ssize_t)len) {
		perror("feed-bench: temp file");
		exit(1);
	}
	close(fd);
	for (i = 0; i < 3; i++) {
		if ((t = ours(buf, len, &n)) < a)
			a = t;
		if ((t = bare_sax(buf, len, 0)) < x)
			x = t;
		if ((t = bare_sax(buf, len, 1)) < x)
			x = t;
		if ((t = bare_sax(buf, len, 2)) < x)
			x = t;
		if ((t = sha_only(buf, len)) < h)
			h = t;
		if ((t = run_sfeed(path)) >= 0 && t < s)
			s = t;
	}
	if (getenv("KEEP") == NULL) unlink(path); else printf("kept %s\n", path);
	printf("%s: %.1f MB, %zu entries\n", atom ? "Atom 1.0" : "RSS 2.0", len / 1e6, n);
	printf("  feed_parse  %7.1f MB/s\n", len / 1e6 / a);
	printf("  bare SAX2   %7.1f MB/s  (feed_parse / bare = %.2f, target >= 0.75)\n",
	    len / 1e6 / x, x / a);
	printf("  SHA-256     %7.1f MB/s  alone (fingerprints); bare SAX2 + SHA-256 = %.1f MB/s,\n"
	    "              feed_parse / (bare + SHA-256) = %.2f\n", len / 1e6 / h,
	    len / 1e6 / (x + h), (x + h) / a);
	if (s < 1e9)
		printf("  sfeed       %7.1f MB/s  (feed_parse / sfeed = %.2f, target >= 1.2)\n",
		    len / 1e6 / s, s / a);
	else
		printf("  sfeed       not installed\n");
	free(buf);
}

int
main(int argc, char **argv)
{
	size_t mb = argc > 1 ? strtoul(argv[1], NULL, 10) : 100;

	bench(0, mb);
	bench(1, mb);
	xmlCleanupParser();
	return 0;
}
