/*
 * feed-bench: feed_parse throughput on a generated feed (RSS 2.0 and Atom, ~100 MB
 * each; entry bodies of news HTML, then of plain text), compared in the same run
 * with sfeed and a bare libxml2 SAX2 pass with no-op handlers (the ceiling: the
 * fastest of three ways to drive libxml2).
 * Usage: feed-bench [MB] (default 100) [RUNS] (default 5, best one counts)
 * [news|plain|all] (default all).
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
#include <xxhash.h>

#include "../src/feed.h"
#include "../src/feed_int.h"
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

/* Words of news text in four languages; about one in six has a non-ASCII letter. */
static const char *words[] = {
	"the", "government", "said", "on", "Monday", "that", "new", "elections",
	"would", "be", "held", "after", "parliament", "voted", "against", "budget",
	"minister", "président", "Universität", "Zürich", "société", "Łódź",
	"Kraków", "Tromsø", "économie", "décision", "für", "über", "Straße",
	"police", "report", "market", "prices", "energy", "climate", "water",
	"school", "hospital", "workers", "union", "strike", "court", "investigation",
	"company", "shares", "football", "league", "season", "weather", "storm",
	"flood", "region", "border", "talks", "agreement", "Europe", "security",
	"data", "privacy", "research", "and", "of", "in", "to", "a", "is", "was",
	"for", "with", "as", "by", "from", "it", "this", "are", "has", "have", "not",
};

/* A deterministic pseudo-random number. */
static unsigned
rnd(void)
{
	static unsigned long seed = 12345;

	seed = seed * 6364136223846793005UL + 1442695040888963407UL;
	return (unsigned)(seed >> 33);
}

/*
 * An article body of about size bytes of HTML as news sites publish it:
 * paragraphs of 40-100 words with a link (to the site, relative) every ~33
 * words, emphasis, curly quotes, an ampersand now and then, and a figure with
 * an image and caption after one paragraph in six. Escaped (as Atom's
 * type="html" content is) when esc.
 */
static void
news_body(char *out, size_t size, int esc)
{
	const char *lt = esc ? "&lt;" : "<", *gt = esc ? "&gt;" : ">";
	const char *q = esc ? "&quot;" : "\"", *amp = esc ? "&amp;" : "&";
	size_t n = 0;
	int i, nw;

	while (n + 1500 < size) {
		n += (size_t)sprintf(out + n, "%sp%s", lt, gt);
		for (i = 0, nw = 40 + (int)(rnd() % 60); i < nw; i++) {
			const char *w = words[rnd() % (sizeof words / sizeof words[0])];
			unsigned r = rnd() % 100;

			if (r < 3)
				n += (size_t)sprintf(out + n, " %sa href=%s/story/%u%s%s%s%s/a%s",
				    lt, q, rnd() % 100000, q, gt, w, lt, gt);
			else if (r < 5)
				n += (size_t)sprintf(out + n, " %sem%s%s%s/em%s", lt, gt, w, lt, gt);
			else if (r < 7)
				n += (size_t)sprintf(out + n, " \u201c%s\u201d", w);
			else if (r < 8)
				n += (size_t)sprintf(out + n, " %s %s", amp, w);
			else if (r < 9)
				n += (size_t)sprintf(out + n, " %s\u2019s", w);
			else
				n += (size_t)sprintf(out + n, "%s%s", i ? " " : "", w);
			if (rnd() % 12 == 0)
				out[n++] = '.';
		}
		n += (size_t)sprintf(out + n, ".%s/p%s\n", lt, gt);
		if (rnd() % 6 == 0)
			n += (size_t)sprintf(out + n, "%sfigure%s%simg src=%s/images/%u.jpg%s "
			    "alt=%sPhoto%s width=%s800%s%s%sfigcaption%sPhoto: Reuters%s/figcaption%s"
			    "%s/figure%s\n", lt, gt, lt, q, rnd() % 100000, q, q, q, q, q, gt, lt,
			    gt, lt, gt, lt, gt);
	}
}

/* The shapes of generated feed: entry bodies of news HTML, or of plain text. */
enum shape { NEWS, PLAIN };

#define NBODIES	64	/* different bodies, taken in turn */

/* Generate a feed of about mb megabytes. */
static char *
generate(enum shape shape, int atom, size_t mb, size_t *len)
{
	char *b = NULL, *item = xmalloc(32768), *body[NBODIES];
	size_t cap = 0, i;

	/* About 10 kB per entry: 100 MB stays within FEED_MAX_ENTRIES. */
	for (i = 0; i < NBODIES; i++) {
		body[i] = xcalloc(1, 12000);
		if (shape == NEWS)
			news_body(body[i], 9000, atom);
		else
			while (strlen(body[i]) < 11000)
				strcat(body[i], " Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod tempor incididunt ut labore et dolore magna aliqua. Ut enim ad minim veniam, quis nostrud exercitation ullamco laboris nisi ut aliquip ex ea commodo consequat.");
	}
	*len = 0;
	add(&b, len, &cap, atom ? "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<feed xmlns=\"http://www.w3.org/2005/Atom\"><title>Bench</title><link href=\"https://bench.example/\"/>\n" :
	    "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<rss version=\"2.0\"><channel><title>Bench</title><link>https://bench.example/</link>\n");
	for (i = 0; *len < mb * 1000000; i++) {
		if (atom)
			snprintf(item, 32768, "<entry><title>Story number %zu about the economy &amp; politics</title><link rel=\"alternate\" type=\"text/html\" href=\"https://bench.example/story/%zu\"/><id>tag:bench.example,2024:%zu</id><published>2024-03-%02zuT10:%02zu:00Z</published><updated>2024-03-%02zuT11:%02zu:00+01:00</updated><author><name>Reporter %zu</name><email>r%zu@bench.example</email></author><category term=\"news\"/><summary type=\"html\">&lt;p&gt;Summary of story %zu: ministers met on Tuesday to discuss the budget, the weather and the state of the roads.&lt;/p&gt;</summary><content type=\"html\">&lt;p&gt;Full text of story %zu.%s&lt;/p&gt;</content></entry>\n",
			    i, i, i, i % 28 + 1, i % 60, i % 28 + 1, i % 60, i % 50, i % 50, i, i, body[i % NBODIES]);
		else
			snprintf(item, 32768, "<item><title>Story number %zu about the economy &amp; politics</title><link>https://bench.example/story/%zu</link><guid isPermaLink=\"false\">tag:bench.example,2024:%zu</guid><pubDate>Tue, %02zu Mar 2024 10:%02zu:00 +0000</pubDate><author>r%zu@bench.example (Reporter %zu)</author><category>news</category><description>&lt;p&gt;Summary of story %zu: ministers met on Tuesday to discuss the budget, the weather and the state of the roads.&lt;/p&gt;</description><content:encoded xmlns:content=\"http://purl.org/rss/1.0/modules/content/\"><![CDATA[<p>Full text of story %zu.%s</p>]]></content:encoded></item>\n",
			    i, i, i, i % 28 + 1, i % 60, i % 50, i % 50, i, i, body[i % NBODIES]);
		add(&b, len, &cap, item);
	}
	add(&b, len, &cap, atom ? "</feed>\n" : "</channel></rss>\n");
	for (i = 0; i < NBODIES; i++)
		free(body[i]);
	free(item);
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

/* Text kept by keep_text_cb: what any parser producing the entries must write. */
struct kept {
	char	**v;
	size_t	  n, cap;
};

/* Keep a copy of each piece of text (not a parser: the cost of owning output). */
static void
keep_text_cb(void *c, const xmlChar *s, int len)
{
	struct kept *k = c;
	char *p = xmalloc((size_t)len + 1);

	memcpy(p, s, (size_t)len);
	p[len] = '\0';
	if (k->n == k->cap) {
		k->cap = k->cap ? k->cap * 2 : 1024;
		k->v = xreallocarray(k->v, k->cap, sizeof *k->v);
	}
	k->v[k->n++] = p;
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

/* How bare_sax drives libxml2. */
enum mode { PULL, PUSH_WHOLE, PUSH_CHUNKS, PUSH_CHUNKS_KEEP, NMODES };

static const char *mode_names[NMODES] = {
	"pull, read in pieces", "push, whole buffer", "push, 256 KiB chunks",
	"push, 256 KiB, text kept",
};

/*
 * A bare SAX2 pass with no-op handlers and feed_parse's options: PULL the pull
 * parser reading the buffer through a callback, PUSH_WHOLE the push parser given
 * the whole buffer, PUSH_CHUNKS in 256 KiB chunks (as feed_parse); the fastest of
 * these is the ceiling. PUSH_CHUNKS_KEEP copies every piece of text into memory
 * of its own and frees it after the clock stops: not the ceiling, the floor cost
 * of owning the text a parser producing entries returns.
 */
static double
bare_sax(const char *buf, size_t len, enum mode mode)
{
	struct reader r = { buf, len };
	struct kept k = { NULL, 0, 0 };
	xmlSAXHandler sax;
	xmlParserCtxtPtr c;
	double t = now();
	size_t i;
	int opts = XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING |
	    XML_PARSE_RECOVER | XML_PARSE_IGNORE_ENC | XML_PARSE_COMPACT;

	memset(&sax, 0, sizeof sax);
	sax.initialized = XML_SAX2_MAGIC;
	sax.startElementNs = noop_start_cb;
	sax.endElementNs = noop_end_cb;
	sax.characters = mode == PUSH_CHUNKS_KEEP ? keep_text_cb : noop_text_cb;
	sax.cdataBlock = sax.characters;
	sax.ignorableWhitespace = noop_text_cb;
	if (mode != PULL) {
		size_t off, n, chunk = mode == PUSH_WHOLE ? len : 256 * 1024;

		c = xmlCreatePushParserCtxt(&sax, &k, NULL, 0, NULL);
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
	t = now() - t;
	for (i = 0; i < k.n; i++)
		free(k.v[i]);
	free(k.v);
	return t;
}

/* Where hash_only puts its results, so that they are computed. */
volatile unsigned char feed_bench_sink;

/*
 * A fingerprint alone over the buffer in entry-sized pieces: XXH3-128 (what
 * feed_parse computes) or SHA-256 (what it computed before).
 */
static double
hash_only(const char *buf, size_t len, int sha)
{
	unsigned char md[32];
	double t = now();
	size_t i, n;

	for (i = 0; i < len; i += n) {
		n = len - i < 12000 ? len - i : 12000;
		if (sha)
			EVP_Digest(buf + i, n, md, NULL, EVP_sha256(), NULL);
		else
			md[0] = (unsigned char)XXH3_128bits(buf + i, n).low64;
		feed_bench_sink = md[0];
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

/* Minor page faults of this process so far. */
static long
faults(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return ru.ru_minflt;
}

/* Print a figure, and a ratio when vs names it. */
static void
line(const char *what, size_t len, double t, const char *vs, double ratio)
{
	printf("  %-28s %8.1f MB/s", what, len / 1e6 / t);
	if (vs != NULL)
		printf("  (%s %.2f)", vs, ratio);
	printf("\n");
}

/*
 * Best of runs of each contender on one generated file, interleaved. feed_parse
 * runs twice in a row: the first run finds the memory for its output given back
 * to the system by what ran before (100 MB freed at the top of the heap is
 * trimmed), the second (the figure) finds the memory the first freed still
 * mapped, as a process parsing feed after feed does.
 */
static void
bench(enum shape shape, int atom, size_t mb, int runs)
{
	char path[] = "/tmp/feed-bench-XXXXXX";
	size_t len, n = 0;
	char *buf = generate(shape, atom, mb, &len);
	double a = 1e9, warm = 1e9, s = 1e9, x[NMODES], h = 1e9, sha = 1e9, t;
	double alone = 1e9;
	size_t fast_run = feed_fast_run;
	double best = 1e9;
	long flt = 0, wflt = 0, f0;
	int fd = mkstemp(path), i, m;

	if (fd < 0 || write(fd, buf, len) != (ssize_t)len) {
		perror("feed-bench: temp file");
		exit(1);
	}
	close(fd);
	for (m = 0; m < NMODES; m++)
		x[m] = 1e9;
	for (i = 0; i < runs; i++) {
		f0 = faults();
		if ((t = ours(buf, len, &n)) < a) {
			a = t;
			flt = faults() - f0;
		}
		f0 = faults();		/* again at once: memory malloc kept */
		if ((t = ours(buf, len, &n)) < warm) {
			warm = t;
			wflt = faults() - f0;
		}
		feed_fast_run = 0;	/* the baseline: libxml2 reads all text */
		if ((t = ours(buf, len, &n)) < alone)
			alone = t;
		feed_fast_run = fast_run;
		for (m = 0; m < NMODES; m++)
			if ((t = bare_sax(buf, len, (enum mode)m)) < x[m])
				x[m] = t;
		if ((t = hash_only(buf, len, 0)) < h)
			h = t;
		if ((t = hash_only(buf, len, 1)) < sha)
			sha = t;
		if ((t = run_sfeed(path)) >= 0 && t < s)
			s = t;
	}
	if (getenv("KEEP") == NULL) unlink(path); else printf("kept %s\n", path);
	for (m = 0; m < PUSH_CHUNKS_KEEP; m++)
		if (x[m] < best)
			best = x[m];
	printf("%s, %s: %.1f MB, %zu entries, best of %d runs (CPU time)\n",
	    atom ? "Atom 1.0" : "RSS 2.0", shape == NEWS ? "news HTML bodies" :
	    "plain-text bodies", len / 1e6, n, runs);
	line("bare SAX2 (ceiling)", len, best, NULL, 0);
	line("feed_parse, parse after parse", len, warm,
	    "feed_parse / bare, target >= 0.75:", best / warm);
	printf("  %-28s %8ld pages faulted in (best run)\n", "", wflt);
	line("feed_parse, on a given-back heap", len, a, "/ bare:", best / a);
	printf("  %-28s %8ld pages faulted in (best run)\n", "", flt);
	line("feed_parse, no fast path", len, alone, "/ bare:", best / alone);
	for (m = 0; m < NMODES; m++)
		line(mode_names[m], len, x[m], m == PUSH_CHUNKS_KEEP ?
		    "feed_parse / this:" : NULL, x[m] / warm);
	line("XXH3-128 alone", len, h, NULL, 0);
	line("SHA-256 alone (before)", len, sha, NULL, 0);
	if (s < 1e9) {
		line("sfeed", len, s, "feed_parse / sfeed, target >= 1.2:", s / warm);
		printf("  %-28s %8s       (no fast path / sfeed: %.2f)\n", "", "",
		    s / alone);
	}
	else
		printf("  sfeed not installed\n");
	free(buf);
}

int
main(int argc, char **argv)
{
	size_t mb = argc > 1 ? strtoul(argv[1], NULL, 10) : 100;
	int runs = argc > 2 ? atoi(argv[2]) : 5;

	const char *only = argc > 3 ? argv[3] : "all";

	if (runs < 1)
		runs = 1;
	if (strcmp(only, "plain") != 0) {
		bench(NEWS, 0, mb, runs);
		bench(NEWS, 1, mb, runs);
	}
	if (strcmp(only, "news") != 0) {
		bench(PLAIN, 0, mb, runs);
		bench(PLAIN, 1, mb, runs);
	}
	xmlCleanupParser();
	return 0;
}
