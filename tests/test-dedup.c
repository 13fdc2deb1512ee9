/* test-dedup: normalisation, boilerplate, hash stability and story identity. */
#include "config.h"

#include <stdlib.h>

#include "tap.h"
#include "../src/dedup.c"

#define SIMHASH_PIN 0xbf96499b4a6b74c1ULL	/* floods-original.txt */

/* A fixture's text, whole. */
static char *
slurp(const char *name, size_t *len)
{
	const char	*dir = getenv("top_srcdir");
	char		*path, *buf;
	FILE		*f;
	long		 n;

	xasprintf(&path, "%s/tests/dedup/%s", dir != NULL ? dir : ".", name);
	if ((f = fopen(path, "rb")) == NULL) {
		printf("Bail out! %s\n", path);
		exit(1);
	}
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	rewind(f);
	buf = xmalloc(n + 1);
	if (fread(buf, 1, n, f) != (size_t)n)
		exit(1);
	buf[n] = '\0';
	fclose(f);
	free(path);
	*len = n;
	return buf;
}

/* Fingerprint a fixture: its first line is the title when a blank line follows. */
static void
fp_file(struct dedup_fp *fp, const char *name)
{
	size_t	 len;
	char	*buf = slurp(name, &len), *nl = strstr(buf, "\n\n"), *title = NULL;
	char	*text = buf;

	if (nl != NULL && memchr(buf, '\n', nl - buf) == NULL) {
		*nl = '\0';
		title = buf;
		text = nl + 2;
	}
	dedup_fingerprint(fp, text, len - (text - buf), title);
	free(buf);
}

/* dedup_normalise of a C string. */
static char *
norm(const char *s, size_t *w)
{
	return dedup_normalise(s, strlen(s), w);
}

static void
test_normalise(void)
{
	char	*s;
	size_t	 w;

	s = norm("  Hello,   WORLD!\n\tIt's  “quoted” — fine.  ", &w);
	is_str(s, "hello world it s quoted fine", "ASCII and punctuation");
	is_int(w, 6, "six tokens");
	free(s);
	s = norm("Straße ﬁnal ＡＢＣ１２３ Ελληνικά ΣΟΦΟΣ Łódź", NULL);
	is_str(s, "strasse final abc123 ελληνικα σοφοσ lodz",
	    "NFKC, case fold, marks and the fold table (text_fold)");
	free(s);
	s = norm("cafe\xcc\x81 caf\xc3\xa9", NULL);
	is_str(s, "cafe cafe", "composed and decomposed forms agree");
	free(s);
	s = norm("soft\xc2\xadhyphen zero\xe2\x80\x8bwidth", NULL);
	is_str(s, "softhyphen zerowidth", "ignorables dropped");
	free(s);
	s = norm("bad \xff\xfe bytes ok\xc3", NULL);
	is_str(s, "bad bytes ok", "invalid UTF-8 does not break it");
	free(s);
	s = dedup_normalise("", 0, &w);
	is_str(s, "", "empty");
	is_int(w, 0, "no token");
	free(s);
}

static void
test_boilerplate(void)
{
	static const struct {
		const char *in, *want;
	} c[] = {
		{ "Body text here.\n\nThe post Big News appeared first on Site.",
		  "body text here" },
		{ "Body text. The post “Big News” appeared first on Example Wire.",
		  "body text" },
		{ "Body.\nRead more\n", "body" },
		{ "Body.\nRead more at Example News\n", "body" },
		{ "Body.\nContinue reading…", "body" },
		{ "Body ends here [\xe2\x80\xa6]", "body ends here" },
		{ "Body ends here. Continue reading", "body ends here" },
		{ "Body.\nThis article originally appeared on The Conversation.",
		  "body" },
		{ "Body.\nThis article is republished from The Conversation under a "
		  "Creative Commons license. Read the original article.", "body" },
		{ "Body.\n\nLire la suite", "body" },
		{ "Read more books, the minister urged, as libraries reopened.\nBody.",
		  "read more books the minister urged as libraries reopened body" },
		{ "The post office closed.\nBody.", "the post office closed body" },
	};
	char	*s;
	size_t	 w;
	int	 counted = 1;

	for (size_t i = 0; i < sizeof c / sizeof c[0]; i++) {
		s = dedup_text(c[i].in, strlen(c[i].in), &w);
		is_str(s, c[i].want, "boilerplate %zu", i);
		if (w != count_tokens(s, strlen(s))) {
			diag("boilerplate %zu: %zu words counted", i, w);
			counted = 0;
		}
		free(s);
	}
	ok(counted, "boilerplate: the words left are counted");
}

static void
test_hashes(void)
{
	struct dedup_fp	a, b;
	const char	*t = "one two three four five six";
	uint64_t	 h;

	dedup_fingerprint(&a, "", 0, NULL);
	ok(a.words == 0 && a.nshingles == 0 && !a.has_hash && a.simhash == 0,
	    "empty text: no fingerprint");
	dedup_fp_clear(&a);
	dedup_fingerprint(&a, NULL, 0, "");
	ok(a.words == 0 && a.title_hash == 0, "NULL text, empty title");
	dedup_fp_clear(&a);
	dedup_fingerprint(&a, "one two three", 13, NULL);
	is_int(a.nshingles, 1, "one shingle");
	dedup_fp_clear(&a);
	dedup_fingerprint(&a, t, strlen(t), "Title");
	ok(!a.has_hash, "no content hash under 40 words");
	is_int(a.words, 6, "word count");
	is_int(a.nshingles, 4, "four 3-shingles");
	h = a.simhash;
	dedup_fp_clear(&a);
	dedup_fingerprint(&a, t, strlen(t), "  TITLE! ");
	ok(a.simhash == h, "simhash stable");
	is_int(a.title_hash, dedup_title_hash("title"), "title hash normalised");
	ok(dedup_title_hash("") == 0 && dedup_title_hash(NULL) == 0, "no title, 0");
	dedup_fp_clear(&a);

	fp_file(&a, "floods-original.txt");
	fp_file(&b, "floods-original.txt");
	ok(a.has_hash && memcmp(a.hash, b.hash, 32) == 0, "content hash stable");
	ok(a.simhash == b.simhash, "simhash stable across runs");
	/* stability across builds: pinned values of a fixture */
	{
		char hex[65];

		for (int i = 0; i < 32; i++)
			snprintf(hex + 2 * i, 3, "%02x", a.hash[i]);
		/* pinned: a change here changes every stored key (a migration) */
		is_str(hex, "ccd4fbfe0d8415cd5e5cf63d2498af9c39069ff8b604c7823944b503a5d815f6",
		    "content hash pinned");
		if (!ok(a.simhash == SIMHASH_PIN, "simhash pinned"))
			diag("simhash %016llx", (unsigned long long)a.simhash);
	}
	ok(a.nanchors > 0 && a.nanchors <= DEDUP_ANCHORS, "anchors present");
	for (size_t i = 1; i < a.nanchors; i++)
		if (a.anchors[i - 1] >= a.anchors[i])
			ok(0, "anchors ascending");
	for (size_t i = 1; i < a.nshingles; i++)
		if (a.shingles[i - 1] >= a.shingles[i])
			ok(0, "shingles sorted and distinct");
	is_int(dedup_band(0x1122334455667788ULL, 0), 0x7788, "band 0");
	is_int(dedup_band(0x1122334455667788ULL, 3), 0x1122, "band 3");
	is_int(dedup_hamming(0, ~0ULL), 64, "hamming 64");
	dedup_fp_clear(&a);
	dedup_fp_clear(&b);
}

/* Fingerprint two fixtures, report their relation, return dedup_same. */
static int
pair(const char *x, const char *y, int *same_hash, int *dist, double *cont)
{
	struct dedup_fp	a, b;
	int		same;

	fp_file(&a, x);
	fp_file(&b, y);
	*same_hash = a.has_hash && b.has_hash && memcmp(a.hash, b.hash, 32) == 0;
	*dist = dedup_hamming(a.simhash, b.simhash);
	*cont = dedup_containment(&a, &b);
	same = dedup_same(&a, &b, DEDUP_NEAR_DISTANCE);
	diag("%s / %s: hash %s, distance %d, containment %.2f", x, y,
	    *same_hash ? "same" : "differs", *dist, *cont);
	dedup_fp_clear(&a);
	dedup_fp_clear(&b);
	return same;
}

static void
test_stories(void)
{
	int	h, d;
	double	c;

	ok(pair("floods-original.txt", "floods-syndicated.txt", &h, &d, &c) && h,
	    "trailer, quotes and whitespace: same content hash");
	ok(pair("bahn-de.txt", "bahn-de-copy.txt", &h, &d, &c) && h,
	    "German copy with other quotes and Weiterlesen: same content hash");
	ok(pair("floods-original.txt", "floods-chrome.txt", &h, &d, &c) &&
	    c >= DEDUP_CONTAINMENT, "another site's chrome: contained");
	ok(pair("floods-opening.txt", "floods-original.txt", &h, &d, &c) &&
	    c >= DEDUP_CONTAINMENT, "opening paragraphs: contained");
	ok(pair("floods-opening.txt", "floods-chrome.txt", &h, &d, &c) &&
	    c >= DEDUP_CONTAINMENT, "opening in chrome: contained");
	ok(!pair("floods-original.txt", "floods-followup.txt", &h, &d, &c) &&
	    c < 0.5 && d > DEDUP_NEAR_DISTANCE, "follow-up stays apart");
	ok(!pair("floods-original.txt", "floods-insurance.txt", &h, &d, &c) &&
	    c < 0.2, "another story on the topic stays apart");
	ok(!pair("floods-followup.txt", "floods-insurance.txt", &h, &d, &c),
	    "two later stories stay apart");
	ok(!pair("weather-mon.txt", "weather-tue.txt", &h, &d, &c) && !h,
	    "short items with one title stay apart");
	ok(!pair("floods-original.txt", "bahn-de.txt", &h, &d, &c) && c < 0.05,
	    "unrelated stories");
}

/* A small edit (a correction) keeps the fingerprint within the near distance. */
static void
test_near(void)
{
	struct dedup_fp	a, b;
	size_t		len;
	char		*t = slurp("floods-original.txt", &len), *p;

	dedup_fingerprint(&a, t, len, NULL);
	p = strstr(t, "At least 14");
	memcpy(p, "At least 15", 11);
	p = strstr(t, "600 rescues");
	memcpy(p, "700", 3);
	dedup_fingerprint(&b, t, len, NULL);
	ok(memcmp(a.hash, b.hash, 32) != 0, "correction changes the content hash");
	diag("correction: distance %d", dedup_hamming(a.simhash, b.simhash));
	ok(dedup_hamming(a.simhash, b.simhash) <= DEDUP_NEAR_DISTANCE,
	    "correction is a near-duplicate");
	ok(dedup_same(&a, &b, DEDUP_NEAR_DISTANCE), "same story");
	dedup_fp_clear(&a);
	dedup_fp_clear(&b);
	free(t);
}

/* The normalisation without the ASCII fast path: text_fold, then norm_run. */
static char *
slow_normalise(const char *s, size_t len, int keep_lines, size_t *words)
{
	struct norm	 n;
	char		*f;
	size_t		 flen;

	memset(&n, 0, sizeof n);
	n.keep_lines = keep_lines;
	f = text_fold(s, len, &flen);
	n.size = flen + 16;
	n.buf = xmalloc(n.size);
	norm_run(&n, f, flen);
	n.buf[n.len] = '\0';
	free(f);
	*words = n.words;
	return n.buf;
}

/* 1 when the fast path and the slow one agree on s (lines kept or not). */
static int
same_as_slow(const char *s, size_t len)
{
	int ok = 1;

	for (int keep = 0; keep < 2; keep++) {
		struct norm	 n;
		size_t		 w;
		char		*slow = slow_normalise(s, len, keep, &w);

		normalise(&n, s, len, keep);
		if (strcmp(n.buf, slow) != 0 || n.words != w) {
			diag("fast \"%s\" (%zu) != slow \"%s\" (%zu)", n.buf,
			    n.words, slow, w);
			ok = 0;
		}
		free(n.buf);
		free(slow);
	}
	return ok;
}

/* The ASCII fast path gives text_fold's result on every shape of input. */
static void
test_fast_path(void)
{
	static const char *cases[] = {
		"Plain ASCII, Upper And lower; digits 42.\n\nNew para.",
		"Cafe\xcc\x81 and cafe\xcc\x81s",	/* e + combining acute */
		"A \xcc\x81 after a space, \xcc\x81\xcc\x81 twice",
		"Stra\xc3\x9f" "e, \xc3\x85ngstr\xc3\xb6m, \xc5\x81\xc3\xb3" "d\xc5\xba",
		"ＡＢＣ１２３ and \xef\xac\x81le",	/* fullwidth, ligature */
		"bad \xff byte, cut \xe2\x82 seq, lone \x80x",
		"\xe2\x80\x9cQuoted\xe2\x80\x9d \xe2\x80\x94 dash\xc2\xa0nbsp",
		"x\xe2\x82",				/* cut at the end */
		"\xd0\x9c\xd0\xbe\xd1\x81\xd0\xba\xd0\xb2\xd0\xb0 \xe0\xa4\xb9\xe0\xa4\xbf\xe0\xa4\xa8",
		"soft\xc2\xadhyphen zero\xe2\x80\x8bwidth TAB\tCR\r\nend",
		"9\xcc\x81 digit then mark, \xc3\x89T\xc3\x89",
	};
	static const char *files[] = { "floods-original.txt", "bahn-de.txt",
	    "floods-chrome.txt", "weather-mon.txt" };
	int ok = 1;

	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
		ok &= same_as_slow(cases[i], strlen(cases[i]));
	ok(ok, "fast path: the tricky strings as text_fold folds them");
	ok = 1;
	for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
		size_t	 len;
		char	*buf = slurp(files[i], &len);

		ok &= same_as_slow(buf, len);
		free(buf);
	}
	ok(ok, "fast path: the fixtures as text_fold folds them");
}

static uint64_t rng_state = 0x2545f4914f6cdd1dULL;

/* xorshift64: the test's fixed random numbers. */
static uint64_t
rng(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return rng_state;
}

/* The index's articles: a SimHash, a title hash and 16 anchors each. */
struct ixart {
	int64_t		id;
	uint64_t	sim, title;
	uint32_t	anch[DEDUP_ANCHORS];
};

/* Fill the test articles: random, 40 sharing one common anchor, 6 one title. */
static void
ix_articles(struct ixart *v, size_t n, uint32_t common, uint64_t title)
{
	for (size_t i = 0; i < n; i++) {
		v[i].id = 1000 + (int64_t)i;
		v[i].sim = rng();
		v[i].title = i >= 400 && i < 406 ? title : rng() | 1;
		for (int k = 0; k < DEDUP_ANCHORS; k++)
			v[i].anch[k] = (uint32_t)rng();
		if (i >= 300 && i < 340)
			v[i].anch[0] = common;
	}
}

/* 1 when id is among the n ids of out. */
static int
has_id(const int64_t *out, size_t n, int64_t id)
{
	for (size_t i = 0; i < n; i++)
		if (out[i] == id)
			return 1;
	return 0;
}

/* Near-duplicate and containment candidates, loaded one by one or in bulk. */
static void
test_index(void)
{
	struct ixart		 v[460];
	struct dedup_index	*x[2] = { dedup_index_new(), dedup_index_new() };
	uint32_t		 q[DEDUP_ANCHORS], common = (uint32_t)rng();
	uint64_t		 title = rng() | 1;
	int64_t			 out[2][16];
	int			 dist[16], same = 1;
	size_t			 n[2];

	ix_articles(v, 460, common, title);
	for (size_t i = 0; i < 400; i++)	/* x[1]: a bulk load of 400 */
		dedup_index_plan(x[1], v[i].sim, v[i].title, v[i].anch,
		    DEDUP_ANCHORS);
	dedup_index_reserve(x[1]);
	for (size_t i = 0; i < 460; i++)	/* then 60 more, beyond its room */
		for (int k = 0; k < 2; k++)
			dedup_index_add(x[k], v[i].id, v[i].sim, v[i].title,
			    v[i].anch, DEDUP_ANCHORS);
	is_int(dedup_index_count(x[1]), 460, "index: 460 articles");

	for (int k = 0; k < 2; k++)
		n[k] = dedup_index_near(x[k], v[7].sim ^ 0x8001, 3, out[k], dist,
		    16);
	ok(n[1] >= 1 && out[1][0] == v[7].id && dist[0] == 2,
	    "index: the near-duplicate found, at distance 2");
	ok(!has_id(out[1], dedup_index_near(x[1], v[7].sim ^ 0x8000800180ULL,
	    3, out[1], dist, 16), v[7].id), "index: 4 bits away is not near");

	memcpy(q, v[9].anch, 3 * sizeof q[0]);		/* 3 anchors of 9 */
	for (int i = 3; i < DEDUP_ANCHORS; i++)
		q[i] = (uint32_t)rng();
	for (int k = 0; k < 2; k++) {
		n[k] = dedup_index_candidates(x[k], q, DEDUP_ANCHORS, 0, out[k],
		    12);
		same &= n[k] == n[0] && memcmp(out[k], out[0], n[0] * 8) == 0;
	}
	ok(n[1] >= 1 && out[1][0] == v[9].id, "index: three shared anchors");
	q[1] = (uint32_t)rng();
	q[2] = (uint32_t)rng();
	ok(!has_id(out[1], dedup_index_candidates(x[1], q, DEDUP_ANCHORS, 0,
	    out[1], 12), v[9].id), "index: one shared anchor is no candidate");

	q[0] = common;				/* 40 articles share it */
	q[1] = v[300].anch[1];
	ok(!has_id(out[1], dedup_index_candidates(x[1], q, DEDUP_ANCHORS, 0,
	    out[1], 12), v[300].id), "index: a common anchor counts for none");
	q[2] = v[300].anch[2];
	ok(has_id(out[1], dedup_index_candidates(x[1], q, DEDUP_ANCHORS, 0,
	    out[1], 12), v[300].id), "index: two rare ones do");

	for (int k = 0; k < 2; k++) {
		n[k] = dedup_index_candidates(x[k], q, 0, title, out[k], 12);
		same &= n[k] == n[0] && memcmp(out[k], out[0], n[0] * 8) == 0;
	}
	ok(n[1] == 4 && out[1][0] == v[405].id && out[1][3] == v[402].id,
	    "index: the latest four of a title");
	ok(same, "index: a bulk load answers as one by one");
	ok(dedup_index_bytes(x[1]) > 0, "index: %zu bytes",
	    dedup_index_bytes(x[1]));
	dedup_index_free(x[0]);
	dedup_index_free(x[1]);
}

/* Fold a fingerprint (and the hashed text) into a running FNV-1a digest. */
static uint64_t
fp_digest(uint64_t h, const struct dedup_fp *fp, const char *t)
{
	uint64_t v[4] = { fp->words, (uint64_t)fp->has_hash, fp->simhash,
	    fp->title_hash };

	for (size_t i = 0; i < 4; i++)
		h = (h ^ v[i]) * 0x100000001b3ULL;
	for (size_t i = 0; i < fp->nshingles; i++)
		h = (h ^ fp->shingles[i]) * 0x100000001b3ULL;
	for (size_t i = 0; i < fp->nanchors; i++)
		h = (h ^ fp->anchors[i]) * 0x100000001b3ULL;
	for (size_t i = 0; i < 32; i++)
		h = (h ^ fp->hash[i]) * 0x100000001b3ULL;
	for (size_t i = 0; t[i] != '\0'; i++)
		h = (h ^ (unsigned char)t[i]) * 0x100000001b3ULL;
	return h;
}

/*
 * Every fingerprint of 2,000 random texts (ASCII, folded and invalid UTF-8,
 * boilerplate, lines) pinned in one digest, taken from the code before the
 * fast paths: a change here changes stored keys.
 */
static void
test_fingerprint_pinned(void)
{
	static const char *pieces[] = { "word", "W\xc3\xb6rd", " ", "  ", "\n",
	    "\n\n", ".", ",", "\xc3\x89" "COLE", "stra\xc3\x9f" "e", "\xef\xac\x81",
	    "read more", "Continue reading", "The post", " appeared first on ",
	    "Site.", "123", "a1b2", "\xe2\x80\x9cq\xe2\x80\x9d", "\t", "e\xcc\x81",
	    "\xe6\x97\xa5", "\xff", "\xc3", "Weiterlesen", "[\xe2\x80\xa6]",
	    "this article originally appeared on", "x", "\xc7\x85" };
	size_t		 np = sizeof pieces / sizeof pieces[0];
	char		*buf = xmalloc(4096), *t;
	uint64_t	 h = 0xcbf29ce484222325ULL;

	rng_state = 0x2545f4914f6cdd1dULL;	/* the same texts whatever ran before */
	for (int i = 0; i < 2000; i++) {
		struct dedup_fp	fp;
		size_t		len = 0, target = rng() % 3000;

		while (len < target) {
			const char *p = pieces[rng() % np];

			memcpy(buf + len, p, strlen(p));
			len += strlen(p);
		}
		buf[len] = '\0';
		dedup_fingerprint(&fp, buf, len, i % 5 ? buf + len / 2 : NULL);
		t = dedup_text(buf, len, NULL);
		h = fp_digest(h, &fp, t);
		free(t);
		dedup_fp_clear(&fp);
	}
	ok(h == 0x0620aab518b6d4b3ULL, "2,000 random texts: fingerprints pinned (%016llx)",
	    (unsigned long long)h);
	free(buf);
}

/* Add article i's keys (every third a short text: keys only) to x. */
static void
keys_add(struct dedup_index *x, const struct ixart *v, size_t i,
    const uint64_t *url, const uint64_t *hash)
{
	if (i % 3 != 0)
		dedup_index_add(x, v[i].id, v[i].sim, v[i].title, v[i].anch,
		    DEDUP_ANCHORS);
	dedup_index_add_keys(x, v[i].id, url[i], hash[i]);
}

/* The URL and content hash keys, loaded one by one or in bulk. */
static void
test_index_keys(void)
{
	struct ixart		 v[300];
	struct dedup_index	*x[2] = { dedup_index_new(), dedup_index_new() };
	uint64_t		 url[300], hash[300];
	unsigned char		 h[32] = { 1, 2, 3, 4, 5, 6, 7, 8 };
	int64_t			 out[2][8];
	size_t			 n[2];
	int			 same = 1;
	char			 u[64];

	ix_articles(v, 300, (uint32_t)rng(), rng() | 1);
	for (size_t i = 0; i < 300; i++) {
		snprintf(u, sizeof u, "https://k.example/%zu", i % 100 == 20 ?
		    20 : i);
		url[i] = i % 7 == 5 ? 0 : dedup_url_key(u);
		hash[i] = i % 2 == 0 ? rng() | 1 : 0;
	}
	for (size_t i = 0; i < 200; i++) {	/* x[1]: a bulk load of 200 */
		if (i % 3 != 0)
			dedup_index_plan(x[1], v[i].sim, v[i].title, v[i].anch,
			    DEDUP_ANCHORS);
		dedup_index_plan_keys(x[1], url[i], hash[i], i % 3 == 0);
	}
	dedup_index_reserve(x[1]);
	for (size_t i = 0; i < 300; i++)
		for (int k = 0; k < 2; k++)
			keys_add(x[k], v, i, url, hash);
	is_int(dedup_index_count(x[1]), 300 - 7, "keys: one slot per article"
	    " with keys or a fingerprint");
	for (int k = 0; k < 2; k++) {
		n[k] = dedup_index_keys(x[k], dedup_url_key("https://k.example/20"),
		    out[k], 8);
		same &= n[k] == n[0] && memcmp(out[k], out[0], n[0] * 8) == 0;
	}
	ok(n[1] == 3 && out[1][0] == v[20].id && out[1][1] == v[120].id &&
	    out[1][2] == v[220].id, "keys: the articles of a URL, oldest first");
	n[1] = dedup_index_keys(x[1], hash[42], out[1], 8);
	ok(n[1] >= 1 && out[1][0] == v[42].id, "keys: a content hash's article");
	n[1] = dedup_index_keys(x[1], url[99], out[1], 8);
	ok(n[1] >= 1 && out[1][0] == v[99].id, "keys: a short text's URL");
	ok(!has_id(out[1], dedup_index_keys(x[1], dedup_url_key("https://k."
	    "example/none"), out[1], 8), v[20].id), "keys: another URL, none");
	ok(same, "keys: a bulk load answers as one by one");
	ok(dedup_index_keys(x[1], url[20], out[1], 2) == 2, "keys: at most max");
	is_str(u, "https://k.example/299", "keys: the last URL made");
	ok(dedup_hash_key(h) == 0x0807060504030201ULL, "keys: a hash's key is"
	    " its first 8 bytes, little-endian");
	h[0] = 0;
	ok(dedup_hash_key(h) == 0x0807060504030201ULL, "keys: never 0");
	ok(dedup_url_key("") != 0, "keys: a URL's never 0");
	dedup_index_free(x[0]);
	dedup_index_free(x[1]);
}

int
main(void)
{
	test_normalise();
	test_fast_path();
	test_index();
	test_index_keys();
	test_fingerprint_pinned();
	test_boilerplate();
	test_hashes();
	test_stories();
	test_near();
	return done_testing();
}
