/*
 * match-bench: watchlists at stream speed. Generates a Zipf-like vocabulary,
 * 10,000 news-length articles and 10,000 / 100,000 watchlists of realistic shape,
 * then reports articles/s through the matcher (tokenising included), its build
 * time and memory, next to the same matcher evaluating every query on every
 * article (the naive loop, on a sample). Both loops run twice: with terms and
 * snippets built for every hit, and without (hits only, as the daemon matches;
 * it builds the details only for a new story). Each figure is the best of two
 * runs (MATCH_BENCH_RUNS=N: of N), in CPU time. Also normalisation and
 * tokenising speed, ASCII and mixed.
 * Usage: match-bench [ARTICLES [WATCHLISTS...]]
 */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "match.h"
#include "text.h"
#include "xmalloc.h"
#include "../tests/european.h"

#define VOCAB		100000
static int query_rank0 = 5000;	/* watch terms: not among the commonest words */

static char *vocab[VOCAB];
static double *cdf;
static unsigned int seed = 12345;

/* CPU seconds of this process: the machine may be shared, so not wall time. */
static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Resident memory in MiB. */
static double
rss_mib(void)
{
	long pages = 0, res = 0;
	FILE *f = fopen("/proc/self/statm", "r");

	if (f != NULL) {
		if (fscanf(f, "%ld %ld", &pages, &res) != 2)
			res = 0;
		fclose(f);
	}
	return res * (double)sysconf(_SC_PAGESIZE) / 1048576.0;
}

/* A word for rank i: syllables, unique by construction; some with diacritics. */
static char *
make_word(int i, int accents)
{
	static const char *syl[] = { "ka", "lo", "mi", "ne", "ru", "sa", "te", "vi",
	    "do", "ga", "be", "pu", "ri", "zo", "fe", "hu", "ja", "xe", "qui", "wa" };
	static const char *acc[] = { "ä", "é", "ł", "ø", "ü", "ç", "ő", "ž" };
	char buf[64] = "";
	int n = i, k = 0;

	do {
		strcat(buf, syl[n % 20]);
		if (accents && k++ == 1)
			strcat(buf, acc[n % 8]);
		n /= 20;
	} while (n > 0);
	if (strlen(buf) < 4)
		strcat(buf, "n");
	return xstrdup(buf);
}

/* Build the vocabulary and the Zipf distribution (s = 1). */
static void
setup_vocab(int accents)
{
	double sum = 0;

	cdf = xcalloc(VOCAB, sizeof *cdf);
	for (int i = 0; i < VOCAB; i++) {
		vocab[i] = make_word(i, accents && i % 10 == 3);
		sum += 1.0 / (i + 1);
		cdf[i] = sum;
	}
	for (int i = 0; i < VOCAB; i++)
		cdf[i] /= sum;
}

/* A Zipf-distributed rank at or above lo. */
static int
zipf(int lo)
{
	double u, base = lo > 0 ? cdf[lo - 1] : 0;
	int a = lo, b = VOCAB - 1;

	u = base + (1 - base) * (rand_r(&seed) / ((double)RAND_MAX + 1));
	while (a < b) {
		int m = (a + b) / 2;

		if (cdf[m] < u)
			a = m + 1;
		else
			b = m;
	}
	return a;
}

/* A news-length article (~5 KB) of Zipf words with punctuation. */
static char *
make_article(size_t words)
{
	size_t cap = words * 12 + 64, len = 0;
	char *s = xmalloc(cap);

	for (size_t i = 0; i < words; i++) {
		const char *w = vocab[zipf(0)];
		int r = rand_r(&seed) % 100;

		len += snprintf(s + len, cap - len, "%s%s", w,
		    r < 6 ? ". " : r < 12 ? ", " : r < 14 ? "-" : r < 15 ? "’s " : " ");
		if (len + 40 > cap)
			break;
	}
	s[len] = '\0';
	return s;
}

/* A watchlist of realistic shape. */
static void
make_query(char *q, size_t size, int n)
{
	const char *a = vocab[zipf(query_rank0)], *b = vocab[zipf(query_rank0)];
	const char *c = vocab[zipf(query_rank0)], *d = vocab[zipf(query_rank0)];
	int r = rand_r(&seed) % 1000;

	if (r == 0 && n % 2 == 0)	/* at most 0.1 % regexes, each with a literal */
		snprintf(q, size, "/\\b%s\\s+\\w+/i", a);
	else if (r < 250)
		snprintf(q, size, "%s", a);
	else if (r < 450)
		snprintf(q, size, "%s %s", a, b);
	else if (r < 550)
		snprintf(q, size, "\"%s %s\"", a, b);
	else if (r < 680)
		snprintf(q, size, "%s OR %s OR %s", a, b, c);
	else if (r < 760)
		snprintf(q, size, "(%s OR %s) %s -%s", a, b, c, d);
	else if (r < 840)
		snprintf(q, size, "title:%s %s", a, b);
	else if (r < 900)
		snprintf(q, size, "%.5s* %s", a, b);
	else if (r < 950)
		snprintf(q, size, "NEAR/5(%s, %s)", a, b);
	else
		snprintf(q, size, "%s \"%s %s\" -title:%s lang:en", a, b, c, d);
}

struct count {
	size_t	 hits;
	size_t	 bytes;		/* of the snippets: they are used */
};

/* Count an article's hits. */
static void
count_cb(const struct match_hit *hits, size_t n, void *arg)
{
	struct count *c = arg;

	c->hits += n;
	for (size_t i = 0; i < n; i++)
		c->bytes += strlen(hits[i].snippet);
}

/* About len bytes of real sentences in German, French, Polish, Greek, Russian, Turkish. */
static char *
make_european(size_t len)
{
	static const char *para[] = {
	    EUROPEAN_SENTENCES,
	};
	size_t n = 0;
	char *s = xmalloc(len + 512);

	s[0] = '\0';
	while (n < len) {
		const char *p = para[rand_r(&seed) % (sizeof para / sizeof para[0])];

		memcpy(s + n, p, strlen(p) + 1);
		n += strlen(p);
	}
	return s;
}

/* Normalisation and tokenising speed over the articles. */
static void
bench_text(char **art, size_t n, const char *what)
{
	size_t bytes = 0, tokens = 0;
	double t0, t1, t2;

	for (size_t i = 0; i < n; i++)
		bytes += strlen(art[i]);
	t0 = now();
	for (size_t i = 0; i < n; i++)
		free(text_fold(art[i], strlen(art[i]), NULL));
	t1 = now();
	for (size_t i = 0; i < n; i++) {
		struct text_tokens *t = text_tokenize(art[i], strlen(art[i]), 0);

		tokens += t->n;
		text_tokens_free(t);
	}
	t2 = now();
	printf("%-6s text: %zu articles, %.1f MB, avg %.0f bytes: text_fold %.0f MB/s "
	    "(%.0f articles/s), text_tokenize %.0f MB/s (%.0f articles/s, %.0f tokens each)\n",
	    what, n, bytes / 1e6, (double)bytes / n, bytes / 1e6 / (t1 - t0),
	    n / (t1 - t0), bytes / 1e6 / (t2 - t1), n / (t2 - t1), (double)tokens / n);
}

/* Run articles [0, n) through the matcher; CPU seconds. */
static double
run(struct matcher *m, char **art, char **title, size_t n, int flags, struct count *c)
{
	double t0 = now();

	for (size_t i = 0; i < n; i++) {
		struct match_doc d = { title[i], art[i], NULL, "https://example.com/a",
		    "Example", NULL, "en" };

		matcher_match(m, &d, flags, count_cb, c);
	}
	return now() - t0;
}

static int runs = 2;		/* MATCH_BENCH_RUNS */

/* The best CPU time of the runs (the machine is shared); hits of the last. */
static double
best_of(struct matcher *m, char **art, char **title, size_t n, int flags, struct count *c)
{
	double best = 0, t;

	for (int r = 0; r < runs; r++) {
		memset(c, 0, sizeof *c);
		t = run(m, art, title, n, flags, c);
		if (r == 0 || t < best)
			best = t;
	}
	return best;
}

/* Build a matcher of nq watchlists and run the articles through it and the naive loop. */
static void
bench_match(char **art, char **title, size_t na, size_t nq)
{
	struct matcher *m = matcher_new();
	struct match_stats st, st2;
	struct count c, c2, c3, c4;
	char q[512], *cause = NULL;
	double r0 = rss_mib(), t0, build, pre, nosnip, naive, naive_ns;
	size_t sample = nq >= 100000 ? 20 : 100;

	t0 = now();
	for (size_t i = 0; i < nq; i++) {
		make_query(q, sizeof q, (int)i);
		if (matcher_add(m, i, q, NULL, &cause) == -1) {
			fprintf(stderr, "query %s: %s\n", q, cause);
			exit(1);
		}
	}
	matcher_compile(m);
	build = now() - t0;
	if (getenv("MATCH_BENCH_PROFILE") != NULL) {	/* only the presearch, for perf */
		int reps = atoi(getenv("MATCH_BENCH_PROFILE"));
		double best = 0;

		for (int r = 0; r < reps || r == 0; r++) {
			t0 = run(m, art, title, na, MATCH_NOSNIPPET, &c);
			best = r == 0 || t0 < best ? t0 : best;
		}
		printf("%zu watchlists, hits only: %.2f us per article (best of %d runs)\n",
		    nq, best / na * 1e6, reps > 1 ? reps : 1);
		matcher_free(m);
		return;
	}
	matcher_stats(m, &st);
	nosnip = best_of(m, art, title, na, MATCH_NOSNIPPET, &c2);
	matcher_stats(m, &st2);
	pre = best_of(m, art, title, na, 0, &c);
	naive_ns = best_of(m, art, title, sample, MATCH_EVERY | MATCH_NOSNIPPET, &c4);
	naive = best_of(m, art, title, sample, MATCH_EVERY, &c3);
	printf("%zu watchlists: build %.2f s, +%.0f MiB resident, %zu always evaluated\n",
	    nq, build, rss_mib() - r0, st.always);
	printf("  per article: %.1f candidates evaluated, %.1f hits decided by the presearch "
	    "alone, %.2f hits\n",
	    (double)(st2.candidates - st.candidates) / ((double)runs * na),
	    (double)(st2.direct - st.direct) / ((double)runs * na), (double)c2.hits / na);
	printf("  hits only:     presearch %.0f articles/s (%.0f us each), naive loop "
	    "(%zu-article sample) %.1f/s (%.0f us) -> %.0fx\n", na / nosnip,
	    nosnip / na * 1e6, sample, sample / naive_ns, naive_ns / sample * 1e6,
	    (na / nosnip) / (sample / naive_ns));
	printf("  with snippets: presearch %.0f articles/s (%.0f us each), naive loop "
	    "(%zu-article sample) %.1f/s (%.0f us) -> %.0fx\n", na / pre, pre / na * 1e6,
	    sample, sample / naive, naive / sample * 1e6, (na / pre) / (sample / naive));
	if (c.hits != c2.hits || c3.hits != c4.hits)
		printf("  !! hit counts differ between runs\n");
	matcher_free(m);
}

int
main(int argc, char **argv)
{
	size_t na = argc > 1 ? strtoul(argv[1], NULL, 10) : 10000;
	char **art, **title;
	size_t nqs[8] = { 10000, 100000 }, nnq = 2, nt = 2000;

	if (argc > 2)
		for (nnq = 0; nnq < 8 && (int)nnq + 2 < argc; nnq++)
			nqs[nnq] = strtoul(argv[nnq + 2], NULL, 10);
	if (getenv("MATCH_BENCH_PROFILE") != NULL)
		nt = 0;
	if (getenv("MATCH_BENCH_RANK0") != NULL)
		query_rank0 = atoi(getenv("MATCH_BENCH_RANK0"));
	if (getenv("MATCH_BENCH_RUNS") != NULL && atoi(getenv("MATCH_BENCH_RUNS")) > 0)
		runs = atoi(getenv("MATCH_BENCH_RUNS"));
	printf("query words: Zipf over vocabulary ranks >= %d of %d\n", query_rank0, VOCAB);
	setup_vocab(0);
	art = xcalloc(na, sizeof *art);
	title = xcalloc(na, sizeof *title);
	for (size_t i = 0; i < na; i++) {
		art[i] = make_article(750);
		title[i] = make_article(8);
	}
	if (nt > 0)
		bench_text(art, na, "ASCII");
	for (size_t k = 0; k < nnq; k++)
		bench_match(art, title, na, nqs[k]);
	for (size_t i = 0; i < na; i++) {
		free(art[i]);
		free(title[i]);
	}
	for (int i = 0; i < VOCAB; i++)
		free(vocab[i]);
	free(cdf);
	setup_vocab(1);
	nt = na < nt ? na : nt;
	for (size_t i = 0; i < nt; i++)
		art[i] = make_article(750);
	if (nt > 0)
		bench_text(art, nt, "mixed");
	for (size_t i = 0; i < nt; i++)
		free(art[i]);
	for (int i = 0; i < VOCAB; i++)
		free(vocab[i]);
	free(cdf);
	for (size_t i = 0; i < nt; i++)
		art[i] = make_european(4700);
	if (nt > 0)
		bench_text(art, nt, "Europe");
	for (size_t i = 0; i < nt; i++)
		free(art[i]);
	free(art);
	free(title);
	text_stemmers_free();
	return 0;
}
