/*
 * dedup-bench: the whole per-article identity path (normalise, hash and
 * fingerprints, look up, insert) in articles/s on one core, for ~5 KB texts,
 * against a database seeded with N stories (keys and fingerprints only), and
 * the same articles against an empty database as the baseline of the run.
 * Prints each stage's share, the near-duplicate + containment lookup p99 and
 * the bytes on disk per article.
 *
 * usage: dedup-bench [-n STORIES] [-a ARTICLES] [-d DIR] [-t PER_TRANSACTION]
 */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "../src/store_dedup.c"

static int txn = 100;	/* articles per transaction: one response (-t) */

struct doc {
	struct dedup_article	 a;
	char			*text, *title, *link, *entry;
	char			 fp[16];
};

static uint64_t rng = 0x9e3779b97f4a7c15ULL;

/* xorshift64*. */
static uint64_t
rnd(void)
{
	rng ^= rng >> 12;
	rng ^= rng << 25;
	rng ^= rng >> 27;
	return rng * 0x2545f4914f6cdd1dULL;
}

/*
 * Seconds of this thread's CPU time: the machine is shared, and one core's
 * throughput is the figure asked for. wall_s() gives the elapsed time.
 */
static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Seconds, monotonic. */
static double
wall_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* A word of a 50,000-word vocabulary, Zipf (P(rank r) ~ 1/r), as in prose. */
static void
word(char *w, size_t size)
{
	static const char	*syl[] = { "ka", "lo", "mer", "tin", "sa", "ve",
	    "dor", "pan", "ri", "que", "stel", "mu", "gra", "bel", "on", "ta" };
	double			 u = (double)(rnd() >> 11) / (double)(1ULL << 53);
	unsigned		 rank = (unsigned)exp(u * log(50000.0)) - 1, n = 0;

	w[0] = '\0';
	do {
		strncat(w, syl[rank % 16], size - strlen(w) - 1);
		rank /= 16;
		n++;
	} while (rank > 0 || n < 2);
	if (rnd() % 200 == 0)		/* some non-ASCII, as in real news */
		strncat(w, "ón", size - strlen(w) - 1);
}

/* A ~5 KB news-like text: paragraphs of sentences. */
static char *
make_text(size_t target)
{
	char	*t = xmalloc(target + 512), w[64];
	size_t	 len = 0;
	int	 start = 1, inpara = 0;

	while (len < target) {
		word(w, sizeof w);
		if (start && w[0] >= 'a' && w[0] <= 'z')
			w[0] -= 32;
		len += snprintf(t + len, 64, "%s%s", inpara ? " " : "", w);
		start = 0;
		inpara = 1;
		if (rnd() % 14 == 0) {
			t[len++] = rnd() % 5 == 0 ? ',' : '.';
			start = t[len - 1] == '.';
			if (start && rnd() % 5 == 0) {
				t[len++] = '\n';
				t[len++] = '\n';
				inpara = 0;
			}
		}
	}
	t[len] = '\0';
	return t;
}

/* The benchmark's articles: new stories, copies, corrections, openings. */
static struct doc *
make_docs(int n)
{
	struct doc *d = xcalloc(n, sizeof *d);

	for (int i = 0; i < n; i++) {
		int kind = i < 20 ? 0 : (int)(rnd() % 20);

		if (kind == 1) {		/* an exact copy with a trailer */
			xasprintf(&d[i].text, "%s\n\nThe post X appeared first on Y.",
			    d[i - 1 - rnd() % 10].text);
		} else if (kind == 2) {		/* a correction: one word changed */
			d[i].text = xstrdup(d[i - 1 - rnd() % 10].text);
			memcpy(d[i].text + strlen(d[i].text) / 2, "Zq", 2);
		} else if (kind == 3) {		/* the opening paragraphs */
			d[i].text = xstrndup(d[i - 1 - rnd() % 10].text, 1800);
		} else
			d[i].text = make_text(5000);
		xasprintf(&d[i].title, "Title %d of the bench", i);
		xasprintf(&d[i].link, "https://site%d.example/news/%d.html"
		    "?utm_source=rss", i % 50, i);
		xasprintf(&d[i].entry, "entry-%d", i);
		snprintf(d[i].fp, sizeof d[i].fp, "fp%d", i);
		d[i].a.source_id = 1 + i % 50;
		d[i].a.entry_id = d[i].entry;
		d[i].a.title = d[i].title;
		d[i].a.link = d[i].link;
		d[i].a.content = d[i].text;
		d[i].a.raw_fp = d[i].fp;
		d[i].a.raw_fp_len = strlen(d[i].fp);
		d[i].a.seen_at = time(NULL);
	}
	return d;
}

/* Run SQL or die. */
static void
exec_or_die(struct store *s, const char *sql)
{
	char *err = NULL;

	if (sqlite3_exec(store_db(s), sql, NULL, NULL, &err) != SQLITE_OK)
		fatalx("%s: %s", sql, err);
}

#define SEED_INDEXES \
	"articles_story", \
	"articles_prune", "articles_fetched", "articles_source_fetched"

/* Seed n stories: one article each with keys and fingerprints, no text. */
static void
seed(struct store *s, int n)
{
	static const char *idx[] = { SEED_INDEXES };
	char		**saved = xcalloc(sizeof idx / sizeof idx[0], sizeof *saved);
	sqlite3_stmt	*st, *ast, *sst;

	/* indexes are rebuilt after the load: faster than n random inserts */
	for (size_t i = 0; i < sizeof idx / sizeof idx[0]; i++) {
		sqlite3_stmt *q;

		sqlite3_prepare_v2(store_db(s), "SELECT sql FROM sqlite_master"
		    " WHERE name = ?1", -1, &q, NULL);
		sqlite3_bind_text(q, 1, idx[i], -1, SQLITE_STATIC);
		if (sqlite3_step(q) == SQLITE_ROW)
			saved[i] = xstrdup((const char *)sqlite3_column_text(q, 0));
		sqlite3_finalize(q);
		char *drop;
		xasprintf(&drop, "DROP INDEX %s", idx[i]);
		exec_or_die(s, drop);
		free(drop);
	}
	exec_or_die(s, "BEGIN");
	sqlite3_prepare_v2(store_db(s), "INSERT INTO stories (id, first_article,"
	    " first_seen, canonical_url) VALUES (?1, ?1, ?2, ?3)", -1, &sst, NULL);
	sqlite3_prepare_v2(store_db(s), "INSERT INTO articles (id, source_id,"
	    " entry_id, raw_fp, fetched_at, story_id, canonical_url, content_hash,"
	    " title_hash, simhash, words, text_pruned)"
	    " VALUES (?1, ?2, ?3, ?4, ?5, ?1, ?6, ?7, ?8, ?9, 800, 0)", -1, &st,
	    NULL);
	sqlite3_prepare_v2(store_db(s), "INSERT INTO anchors (article_id,"
	    " simhash, title_hash, hashes, url_key, hash_key) VALUES (?1, ?2, ?3,"
	    " ?4, ?5, ?6)", -1, &ast, NULL);
	for (int i = 1; i <= n; i++) {
		char		url[96], entry[32];
		uint64_t	h[4] = { rnd(), rnd(), rnd(), rnd() }, sim = rnd();
		uint64_t	title = rnd() | 1;
		uint32_t	anch[DEDUP_ANCHORS];
		unsigned char	*blob;

		snprintf(url, sizeof url, "https://seed%d.example/news/%d.html",
		    i % 500, i);
		snprintf(entry, sizeof entry, "seed-%d", i);
		sqlite3_bind_int(sst, 1, i);
		sqlite3_bind_int64(sst, 2, time(NULL) - 86400);
		sqlite3_bind_text(sst, 3, url, -1, SQLITE_TRANSIENT);
		sqlite3_step(sst);
		sqlite3_reset(sst);
		sqlite3_bind_int(st, 1, i);
		sqlite3_bind_int(st, 2, 1000 + i % 500);
		sqlite3_bind_text(st, 3, entry, -1, SQLITE_TRANSIENT);
		sqlite3_bind_blob(st, 4, h, 32, SQLITE_TRANSIENT);
		sqlite3_bind_int64(st, 5, time(NULL) - 86400);
		sqlite3_bind_text(st, 6, url, -1, SQLITE_TRANSIENT);
		sqlite3_bind_blob(st, 7, h, 32, SQLITE_TRANSIENT);
		sqlite3_bind_int64(st, 8, (int64_t)title);
		sqlite3_bind_int64(st, 9, (int64_t)sim);
		if (sqlite3_step(st) != SQLITE_DONE)
			fatalx("seed: %s", sqlite3_errmsg(store_db(s)));
		sqlite3_reset(st);
		/* 16 anchors below the anchor threshold (the index needs no order) */
		for (int k = 0; k < DEDUP_ANCHORS; k++)
			anch[k] = dedup_anchor_key(rnd() >> DEDUP_ANCHOR_BITS);
		blob = le32_blob(anch, DEDUP_ANCHORS);
		sqlite3_bind_int(ast, 1, i);
		sqlite3_bind_int64(ast, 2, (int64_t)sim);
		sqlite3_bind_int64(ast, 3, (int64_t)title);
		sqlite3_bind_blob(ast, 4, blob, 4 * DEDUP_ANCHORS, free);
		sqlite3_bind_int64(ast, 5, (int64_t)dedup_url_key(url));
		sqlite3_bind_int64(ast, 6, (int64_t)dedup_hash_key(
		    (const unsigned char *)h));
		if (sqlite3_step(ast) != SQLITE_DONE)
			fatalx("seed: %s", sqlite3_errmsg(store_db(s)));
		sqlite3_reset(ast);
	}
	sqlite3_finalize(st);
	sqlite3_finalize(sst);
	sqlite3_finalize(ast);
	for (size_t i = 0; i < sizeof idx / sizeof idx[0]; i++) {
		if (saved[i] != NULL)
			exec_or_die(s, saved[i]);
		free(saved[i]);
	}
	free(saved);
	exec_or_die(s, "COMMIT");
}

/* Timings of one run. */
struct timings {
	double	 entry, key, lookup_exact, lookup_fuzzy, insert, total, near, wall;
	double	*fuzzy;		/* per article: near-duplicate + containment */
	double	*lookup;	/* per article: rules 2-5 */
	int	 rules[DEDUP_CONTAINED + 1];
};

/* Compare doubles for qsort. */
static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* The p-quantile of n values (sorts them). */
static double
quantile(double *v, int n, double p)
{
	qsort(v, n, sizeof *v, cmp_double);
	return v[(int)(p * (n - 1))];
}

/* The size of the database file after a checkpoint. */
static long long
db_bytes(struct store *s, const char *path)
{
	struct stat sb;

	exec_or_die(s, "PRAGMA wal_checkpoint(TRUNCATE)");
	return stat(path, &sb) == 0 ? (long long)sb.st_size : -1;
}

/* One article through the same steps as store_dedup_ingest, timed. */
static void
one(struct store *s, const struct dedup_article *a, struct timings *t, int i)
{
	struct dedup_result	r = { 0 };
	struct dedup_key	k;
	double			t0 = now_s(), t1, t2, t3, t4, t5;

	if (by_entry(s, a, &r) != 0)
		fatalx("bench: entry seen twice");
	t1 = now_s();
	dedup_key_make(&k, a);
	t2 = now_s();
	if (by_url(s, &k, &r) == 0 && by_hash(s, &k, &r) == 0) {
		t3 = now_s();
		if (by_near(s, &k, DEDUP_NEAR_DISTANCE, &r) == 0) {
			t->near += now_s() - t3;
			if (by_containment(s, &k, &r) == 0)
				r.rule = DEDUP_NEW;
		}
	} else
		t3 = now_s();
	t4 = now_s();
	if (article_new(s, a, &k, &r) == -1)
		fatalx("bench: insert failed");
	t5 = now_s();
	dedup_key_clear(&k);
	t->entry += t1 - t0;
	t->key += t2 - t1;
	t->lookup_exact += t3 - t2;
	t->lookup_fuzzy += t4 - t3;
	t->insert += t5 - t4;
	t->fuzzy[i] = t4 - t3;
	t->lookup[i] = t4 - t2;
	t->rules[r.rule]++;
}

/* Run the articles through a store; the timings. */
static void
run(struct store *s, struct doc *d, int n, struct timings *t)
{
	double start = now_s(), wstart = wall_s();

	memset(t, 0, sizeof *t);
	t->fuzzy = xcalloc(n, sizeof *t->fuzzy);
	t->lookup = xcalloc(n, sizeof *t->lookup);
	for (int i = 0; i < n; i++) {
		if (i % txn == 0 && store_begin(s) == -1)
			fatalx("begin");
		one(s, &d[i].a, t, i);
		if ((i + 1) % txn == 0 || i + 1 == n)
			if (store_commit(s) == -1)
				fatalx("commit");
	}
	t->total = now_s() - start;
	t->wall = wall_s() - wstart;
}

/* Print the figures of one run. */
static void
report(const char *name, struct timings *t, int n, double norm)
{
	double p50, p99, other = t->total - t->entry - t->key - t->lookup_exact -
	    t->lookup_fuzzy - t->insert;

	printf("%s: %d articles in %.2f s of CPU = %.0f articles/s on one core"
	    " (%.2f s elapsed)\n", name, n, t->total, n / t->total, t->wall);
	printf("  stages: normalise %.1f%%, hash+fingerprints %.1f%%,"
	    " source-id lookup %.1f%%, url+hash lookup %.1f%%,"
	    " near+containment lookup %.1f%%, insert %.1f%% (commit etc. %.1f%%)\n",
	    100 * norm / t->total, 100 * (t->key - norm) / t->total,
	    100 * t->entry / t->total, 100 * t->lookup_exact / t->total,
	    100 * t->lookup_fuzzy / t->total, 100 * t->insert / t->total,
	    100 * other / t->total);
	p50 = quantile(t->fuzzy, n, 0.5);
	p99 = quantile(t->fuzzy, n, 0.99);
	printf("  near+containment lookup: p50 %.1f us, p99 %.1f us, max %.1f us"
	    " (near-duplicate part %.1f%% of it)\n", 1e6 * p50, 1e6 * p99,
	    1e6 * t->fuzzy[n - 1], 100 * t->near / t->lookup_fuzzy);
	printf("  whole lookup (rules 2-5): p50 %.1f us, p99 %.1f us\n",
	    1e6 * quantile(t->lookup, n, 0.5), 1e6 * quantile(t->lookup, n, 0.99));
	printf("  decisions:");
	for (int r = 0; r <= DEDUP_CONTAINED; r++)
		printf(" %s %d", dedup_rule_name(r), t->rules[r]);
	printf("\n");
	free(t->fuzzy);
	free(t->lookup);
}

/* The resident set size in bytes. */
static long long
rss_bytes(void)
{
	long long	 pages = 0, rss = 0;
	FILE		*f = fopen("/proc/self/statm", "r");

	if (f != NULL) {
		if (fscanf(f, "%lld %lld", &pages, &rss) != 2)
			rss = 0;
		fclose(f);
	}
	return rss * sysconf(_SC_PAGESIZE);
}

/* Load the candidate index of a store (as the daemon does on its first article). */
static void
load_index(struct store *s, const char *name)
{
	double		 t0 = now_s(), w0 = wall_s();
	long long	 rss0 = rss_bytes();
	size_t		 n = 0;
	int64_t		 bytes = store_dedup_load(s, &n);

	if (bytes < 0)
		fatalx("load");
	printf("%s: index of %zu articles loaded in %.2f s of CPU (%.2f s"
	    " elapsed): %.1f MiB, %.0f bytes per article (RSS +%.1f MiB)\n",
	    name, n, now_s() - t0, wall_s() - w0, bytes / 1048576.0,
	    n > 0 ? (double)bytes / n : 0.0, (rss_bytes() - rss0) / 1048576.0);
}

/* Open a fresh database file in dir. */
static struct store *
fresh(const char *dir, const char *name, char **path)
{
	struct store	*s;
	char		*cause = NULL, *p;

	xasprintf(path, "%s/%s", dir, name);
	unlink(*path);
	xasprintf(&p, "%s-wal", *path);
	unlink(p);
	free(p);
	if ((s = store_open(*path, &cause)) == NULL)
		fatalx("%s", cause);
	store_dedup_register(s);
	if (getenv("BENCH_PRAGMAS") != NULL)
		exec_or_die(s, getenv("BENCH_PRAGMAS"));
	return s;
}

int
main(int argc, char **argv)
{
	int		 stories = 1000000, n = 10000, c;
	const char	*dir = "/tmp";
	struct doc	*d;
	struct store	*s;
	struct timings	 t;
	char		*path, *cause = NULL;
	double		 t0, norm = 0, bytes_text = 0;
	long long	 before, after;

	while ((c = getopt(argc, argv, "n:a:d:t:")) != -1) {
		if (c == 'n')
			stories = atoi(optarg);
		else if (c == 'a')
			n = atoi(optarg);
		else if (c == 'd')
			dir = optarg;
		else if (c == 't' && atoi(optarg) > 0)
			txn = atoi(optarg);
		else {
			fprintf(stderr, "usage: dedup-bench [-n STORIES] [-a ARTICLES]"
			    " [-d DIR] [-t PER_TRANSACTION]\n");
			return 2;
		}
	}
	log_init("dedup-bench", LOG_LEVEL_WARN);
	d = make_docs(n);
	for (int i = 0; i < n; i++)
		bytes_text += strlen(d[i].text);
	printf("%d articles, %.0f bytes of text each on average, %d per"
	    " transaction\n", n, bytes_text / n, txn);

	/* normalisation alone, for its share */
	t0 = now_s();
	for (int i = 0; i < n; i++)
		free(dedup_text(d[i].text, strlen(d[i].text), NULL));
	norm = now_s() - t0;
	printf("normalise alone: %.0f articles/s, %.1f MB/s\n", n / norm,
	    bytes_text / norm / 1e6);

	/* baseline: the same articles into an empty database */
	s = fresh(dir, "dedup-bench-empty.db", &path);
	before = db_bytes(s, path);
	load_index(s, "empty database");
	run(s, d, n, &t);
	after = db_bytes(s, path);
	report("baseline, empty database", &t, n, norm);
	printf("  bytes on disk per article (text, keys, indexes): %.0f\n",
	    (double)(after - before) / n);
	store_close(s);
	if (getenv("BENCH_KEEP") == NULL)
		unlink(path);
	free(path);

	/* the database of `stories` stories */
	s = fresh(dir, "dedup-bench-seeded.db", &path);
	t0 = now_s();
	before = db_bytes(s, path);
	seed(s, stories);
	after = db_bytes(s, path);
	printf("seeded %d stories in %.1f s: %.0f bytes per story"
	    " (keys, fingerprints, 16 anchors, indexes)\n", stories,
	    now_s() - t0, (double)(after - before) / (stories > 0 ? stories : 1));
	before = after;
	store_close(s);		/* as a daemon starting on it */
	if ((s = store_open(path, &cause)) == NULL)
		fatalx("%s", cause);
	if (getenv("BENCH_PRAGMAS") != NULL)
		exec_or_die(s, getenv("BENCH_PRAGMAS"));
	load_index(s, "seeded database");
	run(s, d, n, &t);
	after = db_bytes(s, path);
	report("seeded database", &t, n, norm);
	printf("  bytes on disk per article (text, keys, indexes): %.0f\n",
	    (double)(after - before) / n);
	store_close(s);
	unlink(path);
	free(path);
	for (int i = 0; i < n; i++) {
		free(d[i].text);
		free(d[i].title);
		free(d[i].link);
		free(d[i].entry);
	}
	free(d);
	return 0;
}
