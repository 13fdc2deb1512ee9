/*
 * test-match: the query language operator by operator, fields, folding, word
 * boundaries, =TERM, regexes, stemming, keywords, sources, bad queries with their
 * column, snippets, the presearcher against evaluating every query, and the
 * vocabulary filter against the full dictionary.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "match.h"
#include "tap.h"
#include "text.h"
#include "xmalloc.h"

static int lazy_checked, lazy_differ;	/* run() compares eager and on-demand details */

struct got {
	size_t	 n;
	size_t	 calls;		/* of the callback */
	char	*snippet;
	char	*terms;
	uint64_t details;	/* a hash of every hit's terms and snippet, in order */
	uint64_t ids[4096];
};

/* Fold a string into a hash (FNV-1a), with its end. */
static uint64_t
fnv(uint64_t h, const char *s)
{
	for (; *s != '\0'; s++)
		h = (h ^ (unsigned char)*s) * 0x100000001B3ULL;
	return (h ^ 0xFF) * 0x100000001B3ULL;
}

/* Keep a hit: the first one's snippet and terms, every one's id and details. */
static void
keep_hit(struct got *g, const struct match_hit *h)
{
	size_t len = 0;

	if (g->n < sizeof g->ids / sizeof g->ids[0])
		g->ids[g->n] = h->id;
	g->details = fnv(g->details, h->snippet);
	for (size_t i = 0; i < h->nterms; i++)
		g->details = fnv(g->details, h->terms[i]);
	if (g->n++ > 0)
		return;
	g->snippet = xstrdup(h->snippet);
	for (size_t i = 0; i < h->nterms; i++)
		len += strlen(h->terms[i]) + 1;
	g->terms = xcalloc(1, len + 1);
	for (size_t i = 0; i < h->nterms; i++) {
		if (i > 0)
			strcat(g->terms, "|");
		strcat(g->terms, h->terms[i]);
	}
}

/* Keep an article's hits. */
static void
hit_cb(const struct match_hit *hits, size_t n, void *arg)
{
	struct got *g = arg;

	g->calls++;
	if (n == 0)
		diag("the callback was called without a hit");
	for (size_t i = 0; i < n; i++)
		keep_hit(g, &hits[i]);
}

/* Keep an article's hits with their details built on demand (they came without),
 * the last hit's first: each stays valid while the others are built. */
static void
lazy_cb(const struct match_hit *hits, size_t n, void *arg)
{
	struct match_hit *full = xcalloc(n, sizeof *full), again;

	for (size_t i = n; i-- > 0;) {
		if (hits[i].nterms != 0 || *hits[i].snippet != '\0')
			diag("a MATCH_NOSNIPPET hit came with terms or a snippet");
		match_hit_describe(&hits[i], &full[i]);
		match_hit_describe(&hits[i], &again);	/* twice: the same, built once */
		if (again.snippet != full[i].snippet || again.terms != full[i].terms)
			diag("a hit described twice was built twice");
	}
	hit_cb(full, n, arg);
	free(full);
}

/* Run a query on a document with details built on demand; agrees with run? */
static int
run_lazy(const char *q, const struct match_doc *d, const struct got *eager)
{
	struct matcher *m = matcher_new();
	struct got g;
	int same;

	memset(&g, 0, sizeof g);
	if (matcher_add(m, 7, q, NULL, NULL) == -1) {
		matcher_free(m);
		return 0;
	}
	matcher_match(m, d, MATCH_NOSNIPPET, lazy_cb, &g);
	matcher_free(m);
	same = g.n == eager->n && g.details == eager->details &&
	    (g.n == 0 || (strcmp(g.snippet, eager->snippet) == 0 &&
	    strcmp(g.terms, eager->terms) == 0));
	free(g.snippet);
	free(g.terms);
	return same;
}

/* Run a query (with an optional stemmer) on a document: hits, and the first's details. */
static int
run(const char *q, const char *stem, const struct match_doc *d, struct got *g)
{
	struct matcher *m = matcher_new();
	char *cause = NULL;

	memset(g, 0, sizeof *g);
	if (matcher_add(m, 7, q, stem, &cause) == -1) {
		diag("query %s: %s", q, cause);
		free(cause);
		matcher_free(m);
		return -1;
	}
	matcher_compile(m);
	matcher_match(m, d, 0, hit_cb, g);
	matcher_free(m);
	if (stem == NULL) {
		lazy_checked++;
		if (!run_lazy(q, d, g)) {
			diag("%s: details built on demand differ from eager ones", q);
			lazy_differ++;
		}
	}
	return (int)g->n;
}

/* Free what run kept. */
static void
got_free(struct got *g)
{
	free(g->snippet);
	free(g->terms);
}

/* A query on a title and a text: does it match as expected? */
static void
expect(const char *q, const char *title, const char *text, int want)
{
	struct match_doc d = { title, text, NULL, NULL, NULL, NULL, NULL };
	struct got g;

	is_int(run(q, NULL, &d, &g), want, "%s %s [%s | %s]", q,
	    want ? "matches" : "does not match", title ? title : "", text ? text : "");
	got_free(&g);
}

static void
test_operators(void)
{
	expect("AI", NULL, "He said so.", 0);
	expect("AI", NULL, "New AI models", 1);
	expect("EU", NULL, "Europe votes", 0);
	expect("EU*", NULL, "Europe votes", 1);
	expect("EU", NULL, "the EU's plan", 1);
	expect("=US", NULL, "the US said", 1);
	expect("=US", NULL, "let us go", 0);
	expect("us", NULL, "the US said", 1);
	expect("\"open model\"", NULL, "an open model here", 1);
	expect("\"open model\"", NULL, "an open weights model", 0);
	expect("\"model open\"", NULL, "an open model", 0);
	expect("\"open model\"~5", NULL, "open weights language model", 1);
	expect("\"open model\"~2", NULL, "open weights language model", 0);
	expect("\"open model\"~3", NULL, "model weights language open", 1);
	expect("NEAR/3(merkel, putin)", NULL, "Putin met with Merkel", 1);
	expect("NEAR/2(merkel, putin)", NULL, "Putin met with Merkel", 0);
	expect("NEAR/3(merk*, =Putin)", NULL, "Putin met with Merkel", 1);
	expect("tesla musk", NULL, "Musk's Tesla", 1);
	expect("tesla AND musk", NULL, "Tesla only", 0);
	expect("tesla -musk", NULL, "Musk's Tesla", 0);
	expect("tesla NOT musk", NULL, "Tesla only", 1);
	expect("(tesla OR ford) AND recall", NULL, "Ford recall", 1);
	expect("(tesla OR ford) recall", NULL, "GM recall", 0);
	expect("tesla OR ford", NULL, "GM", 0);
	expect("NOT tesla", NULL, "GM", 1);
	expect("NOT tesla", NULL, "tesla", 0);
	expect("a OR b c", NULL, "b c", 1);
	expect("a OR b c", NULL, "b", 0);
	expect("and", NULL, "war and peace", 1);
	expect("+tesla", NULL, "tesla", 1);
	expect("tesla -(musk OR spacex)", NULL, "Tesla and SpaceX", 0);
	expect("tesla -\"space x\"", NULL, "Tesla and space X", 0);
	expect("tesla -\"space x\"", NULL, "Tesla and space", 1);
	expect("\"the eu\"", NULL, "the US and the EU", 1);
	expect("NEAR/2(eu, and)", NULL, "the EU or the US and the EU", 1);
	expect("NEAR/1(eu, and)", NULL, "the EU or the US and the EU", 0);
}

static void
test_fields(void)
{
	struct match_doc d = { "Tesla recalls cars", "The company said on Monday.",
	    "A summary about Ford.", "https://www.reuters.com/business/tesla-recall",
	    "Reuters World", "Jane Smith", "de-AT" };
	struct got g;
	const struct { const char *q; int want; } t[] = {
		{ "title:tesla", 1 }, { "title:monday", 0 }, { "text:monday", 1 },
		{ "text:tesla", 0 }, { "text:ford", 1 }, { "monday", 1 }, { "ford", 1 },
		{ "reuters", 0 }, { "url:reuters", 1 }, { "url:\"tesla recall\"", 1 },
		{ "source:reuters", 1 }, { "source:world", 1 }, { "source:tesla", 0 },
		{ "author:smith", 1 }, { "author:jones", 0 }, { "lang:de", 1 },
		{ "lang:DE-at", 1 }, { "lang:en", 0 }, { "lang:d", 0 },
		{ "title:(tesla AND cars)", 1 }, { "title:(tesla AND monday)", 0 },
		{ "title:/^Tesla/", 1 }, { "text:/^Tesla/", 0 }, { "url:/reuters\\.com/", 1 },
		{ "title:tesla lang:de -author:jones", 1 },
		{ "title:NEAR/3(tesla, cars)", 1 }, { "text:NEAR/3(tesla, cars)", 0 },
		{ "title:NEAR/1(tesla, monday)", 0 }, { "text:NEAR/3(company, monday)", 1 },
		{ "title:NEAR/3(company, monday)", 0 }, { "url:NEAR/3(reuters, tesla)", 1 },
		{ "url:NEAR/2(reuters, tesla)", 0 },
		{ "title:(tesla OR ford)", 1 }, { "text:(tesla OR ford)", 1 },
		{ "title:(ford OR monday)", 0 }, { "title:(tesla -cars)", 0 },
		{ "title:(tesla -monday)", 1 }, { "text:(\"the company\" OR cars)", 1 },
		{ "author:(smith OR jones)", 1 }, { "source:(reuters -world)", 0 },
		{ "title:(NEAR/2(tesla, cars) OR ford)", 1 },
		{ "text:(NEAR/2(tesla, cars) OR ford)", 1 },
		{ "text:(NEAR/2(tesla, cars) OR gm)", 0 },
		{ "title:(tesla text:monday)", 1 }, { "text:(tesla title:monday)", 0 },
	};

	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
		is_int(run(t[i].q, NULL, &d, &g), t[i].want, "field query %s", t[i].q);
		got_free(&g);
	}
}

static void
test_folding(void)
{
	expect("universitat", NULL, "An der Universität Wien", 1);
	expect("Universität", NULL, "UNIVERSITAT", 1);
	expect("Łódź", NULL, "Lodz", 1);
	expect("lodz", NULL, "w Łodzi i Łódź", 1);
	expect("tromso", NULL, "Tromsø", 1);
	expect("ΕΛΛΑΔΑ", NULL, "Ελλάδα", 1);
	expect("société", NULL, "SOCIETE GENERALE", 1);
	expect("diyarbakir", NULL, "Diyarbakır", 1);
	expect("aero", NULL, "Ærø", 1);
	expect("हिन्दी", NULL, "हिन्दी भाषा", 1);
	expect("DeepSeek", NULL, "Die DeepSeek-Modelle", 1);
	expect("Modelle", NULL, "Die DeepSeek-Modelle", 1);
	expect("deepseekmodelle", NULL, "Die DeepSeek-Modelle", 1);
	expect("open-source", NULL, "open source software", 1);
	expect("open-source", NULL, "opensource software", 1);
	expect("open-source", NULL, "open-source software", 1);
	expect("open-source", NULL, "source open", 0);
	expect("Europe", NULL, "Europe’s future", 1);
	expect("\"europe s\"", NULL, "Europe’s future", 1);
}

static void
test_regex_stem(void)
{
	struct match_doc d = { NULL, "Elections were held. Tesla  Inc reported.", NULL,
	    NULL, NULL, NULL, NULL };
	struct got g;

	expect("/Tesla\\s+Inc/", NULL, "Tesla  Inc said", 1);
	expect("/tesla inc/", NULL, "Tesla Inc said", 0);
	expect("/tesla inc/i", NULL, "Tesla Inc said", 1);
	expect("/\\bAI\\b/", NULL, "He said so", 0);
	expect("/[0-9]{4}-[0-9]{2}/", NULL, "on 2024-05-01", 1);
	expect("/a|b/ OR x", NULL, "zzz", 0);
	expect("/[]abc]def/", NULL, "]def", 1);
	expect("/[\\]abc]def/", NULL, "]def", 1);
	expect("/[[:alpha:]abc]+xyz/", NULL, "qqxyz", 1);
	expect("/colou?r/", NULL, "the color", 1);
	expect("/x(abc)?yz/", NULL, "xyz", 1);
	expect("/(?i)TESLA/", NULL, "tesla", 1);
	expect("/(a+)+$/", NULL, "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaab", 0);
	is_int(run("election", "english", &d, &g), 1, "stemmed election finds Elections");
	got_free(&g);
	is_int(run("election", NULL, &d, &g), 0, "unstemmed election does not");
	got_free(&g);
	is_int(run("\"elect held\"~3", "english", &d, &g), 1, "stemmed proximity");
	got_free(&g);
	is_int(run("=Elections", "english", &d, &g), 1, "=TERM under stemming");
	got_free(&g);
	is_int(run("wahl", "german", &(struct match_doc){ NULL, "Die Wahlen in Wien",
	    NULL, NULL, NULL, NULL, NULL }, &g), 1, "german stemming");
	got_free(&g);
	{	/* a word longer than a chunk of stems, stemmed first */
		char *t = xmalloc(9000);

		memset(t, 'a', 8000);
		strcpy(t + 8000, "s elections");
		is_int(run("election", "english", &(struct match_doc){ NULL, t, NULL,
		    NULL, NULL, NULL, NULL }, &g), 1, "stemming after an 8,000-letter word");
		got_free(&g);
		free(t);
	}
}

static void
test_spec(void)
{
	const char *kw[] = { "tesla", "elon musk" }, *ex[] = { "spacex" },
	    *src[] = { "Heise" };
	struct match_spec s = { NULL, kw, 2, 0, ex, 1, NULL, 0, NULL };
	struct match_doc d = { NULL, "Elon Musk said", NULL, NULL, "heise", NULL, NULL };
	struct matcher *m;
	char *cause = NULL;
	size_t n;

	m = matcher_new();
	ok(matcher_add_spec(m, 1, &s, &cause) == 0, "keywords any");
	s.mode_all = 1;
	ok(matcher_add_spec(m, 2, &s, &cause) == 0, "keywords all");
	s.mode_all = 0;
	s.sources = src;
	s.nsources = 1;
	ok(matcher_add_spec(m, 3, &s, &cause) == 0, "keywords with sources");
	s.query = "said";
	ok(matcher_add_spec(m, 4, &s, &cause) == 0, "query and keywords");
	n = matcher_match(m, &d, 0, NULL, NULL);
	is_int(n, 3, "any, sources and query+keywords match; all does not");
	d.text = "Elon Musk said about SpaceX";
	is_int(matcher_match(m, &d, 0, NULL, NULL), 0, "exclude");
	d.text = "Tesla and Elon Musk said";
	d.source = "Golem";
	is_int(matcher_match(m, &d, 0, NULL, NULL), 2, "sources restrict (ids 1, 2)");
	matcher_free(m);
	m = matcher_new();	/* a plain word with sources: the presearch cannot decide alone */
	s = (struct match_spec){ "tesla", NULL, 0, 0, NULL, 0, src, 1, NULL };
	ok(matcher_add_spec(m, 5, &s, &cause) == 0, "a plain word with sources");
	s = (struct match_spec){ "tesla OR ford", NULL, 0, 0, NULL, 0, src, 1, NULL };
	ok(matcher_add_spec(m, 6, &s, &cause) == 0, "an OR of plain words with sources");
	is_int(matcher_match(m, &d, 0, NULL, NULL), 0, "other source: no hit");
	d.source = "HEISE";
	is_int(matcher_match(m, &d, 0, NULL, NULL), 2, "its source: both hit");
	matcher_free(m);
}

/* A bad query gives this cause. */
static void
bad(const char *q, const char *stem, const char *want)
{
	char *cause = NULL;
	int r = match_check(q, stem, &cause);

	ok(r == -1 && cause != NULL && strncmp(cause, want, strlen(want)) == 0,
	    "bad query [%s]: %s", q, cause ? cause : "(accepted)");
	free(cause);
}

static void
test_errors(void)
{
	bad("(tesla", NULL, "column 1: unbalanced parenthesis");
	bad("tesla)", NULL, "column 6: unbalanced parenthesis");
	bad("(a OR (b c)", NULL, "column 1: unbalanced parenthesis");
	bad("a AND", NULL, "column 6: the query ends where a term was expected");
	bad("AND x", NULL, "column 1: a term was expected before AND");
	bad("a OR OR b", NULL, "column 6: a term was expected before OR");
	bad("\"open", NULL, "column 1: unterminated phrase");
	bad("\"a b\"~x", NULL, "column 7: proximity needs a number");
	bad("NEAR/x(a, b)", NULL, "column 6: NEAR/ needs a number");
	bad("NEAR/3(a)", NULL, "column 1: NEAR needs at least two words");
	bad("title:", NULL, "column 7: a term was expected after the field name");
	bad("title: x", NULL, "column 7: a term was expected after the field name");
	bad("über (", NULL, "column 7: the query ends where a term was expected");
	bad("x /(ab/", NULL, "column 7: regular expression: missing closing parenthesis");
	bad("x /ab", NULL, "column 3: unterminated regular expression");
	bad("- tesla", NULL, "column 1: \"-\" has no letters or digits");
	bad("&", NULL, "column 1: \"&\" has no letters or digits");
	bad("", NULL, "column 1: empty query");
	bad("tesla", "klingon", "unknown stemming language");
	{
		char deep[400];

		memset(deep, '(', 200);
		deep[200] = 'a';
		memset(deep + 201, ')', 198);
		deep[399] = '\0';
		bad(deep, NULL, "column ");
	}
}

static void
test_snippets(void)
{
	char text[4096] = "";
	struct match_doc d = { "Title here", text, NULL, NULL, NULL, NULL, NULL };
	struct got g;
	int words = 1;

	for (int i = 0; i < 60; i++) {
		char w[32];

		snprintf(w, sizeof w, i == 30 ? "Target-Word\n\n" : "w%d ", i);
		strcat(text, w);
	}
	is_int(run("target", NULL, &d, &g), 1, "snippet query matches");
	ok(g.snippet != NULL && strncmp(g.snippet, "… w20 ", strlen("… w20 ")) == 0,
	    "snippet starts ten words before: %s", g.snippet);
	ok(g.snippet != NULL && strstr(g.snippet, "«Target» -Word w31") == NULL &&
	    strstr(g.snippet, "«Target»-Word w31") != NULL, "match marked, newlines collapsed");
	for (const char *p = g.snippet; p != NULL && *p; p++)
		words += *p == ' ';
	ok(words >= 24 && words <= 30, "about 25 words (%d)", words);
	ok(strlen(g.snippet) > 4 && strcmp(g.snippet + strlen(g.snippet) - 4, " …") == 0,
	    "ends with an ellipsis");
	is_str(g.terms, "Target", "the matched term as written");
	got_free(&g);
	d.text = "Ford and Tesla and ford.";
	run("tesla OR ford", NULL, &d, &g);
	is_str(g.snippet, "«Ford» and «Tesla» and «ford».", "short text: all marked, no ellipsis");
	is_str(g.terms, "Ford|Tesla|ford", "every matched term");
	got_free(&g);
	run("title:here", NULL, &d, &g);
	is_str(g.snippet, "Title «here»", "a title match gives a title snippet");
	got_free(&g);
	d.text = "The open-source model";
	run("\"open source model\"", NULL, &d, &g);
	is_str(g.snippet, "The «open»-«source» «model»", "phrase words marked");
	got_free(&g);
	d.text = "Nothing about cars here";
	run("NOT tesla", NULL, &d, &g);
	is_str(g.snippet, "Nothing about cars here", "a purely negative query shows the opening");
	got_free(&g);
	expect("title:text:title:tesla", "Tesla", NULL, 1);
	d.text = "Price: 2024-05 report";
	run("/[0-9]{4}-[0-9]{2}/", NULL, &d, &g);
	is_str(g.snippet, "Price: «2024-05» report", "regex span marked");
	got_free(&g);
}

static void
test_presearch_shapes(void)
{
	const char *q[] = { "tesla", "gm OR tesla", "\"tesla recall\"", "tesla musk",
	    "title:tesla", "NEAR/2(recall, musk)" };
	struct match_doc d = { "Ford news", "Tesla recall today", NULL, NULL, NULL, NULL,
	    NULL };
	struct matcher *m = matcher_new();
	struct match_stats st;
	struct got g;

	for (size_t i = 0; i < sizeof q / sizeof q[0]; i++)
		matcher_add(m, i, q[i], NULL, NULL);
	matcher_compile(m);
	memset(&g, 0, sizeof g);
	is_int(matcher_match(m, &d, MATCH_NOSNIPPET, hit_cb, &g), 3,
	    "presearch shapes: a word, an OR of words and a phrase hit");
	ok(g.n == 3 && g.ids[0] == 0 && g.ids[1] == 1 && g.ids[2] == 2, "in query order");
	matcher_stats(m, &st);
	ok(st.direct == 2, "the word and the OR are decided without evaluation (%llu)",
	    (unsigned long long)st.direct);
	ok(st.candidates == 1, "only the phrase is evaluated: tesla musk and NEAR lack "
	    "their other term, title:tesla its field (%llu)", (unsigned long long)st.candidates);
	got_free(&g);
	matcher_free(m);
}

static const char *vocab[] = { "alpha", "beta", "gamma", "delta", "eps", "zeta",
	"eta", "theta", "iota", "kappa", "lam", "mu", "Alpha", "BETA", "al", "be" };
#define NV (sizeof vocab / sizeof vocab[0])

/* A random query of a few clauses. */
static void
random_query(unsigned int *seed, char *q, size_t size, int depth)
{
	char a[256], b[256];
	int k = rand_r(seed) % (depth > 2 ? 9 : 13);
	const char *w = vocab[rand_r(seed) % NV], *v = vocab[rand_r(seed) % NV];
	static const char *field[] = { "", "title:", "text:", "" };
	const char *f = field[rand_r(seed) % 4];

	switch (k) {
	case 0: snprintf(q, size, "%s%s", f, w); break;
	case 1: snprintf(q, size, "%s\"%s %s\"", f, w, v); break;
	case 2: snprintf(q, size, "%s%.2s*", f, w); break;
	case 3: snprintf(q, size, "=%s", w); break;
	case 4: snprintf(q, size, "NEAR/%d(%s, %s)", 1 + rand_r(seed) % 4, w, v); break;
	case 5: snprintf(q, size, "\"%s %s\"~%d", w, v, 1 + rand_r(seed) % 3); break;
	case 6: snprintf(q, size, "/%s\\s%s/i", w, v); break;
	case 7: snprintf(q, size, "/%c[a-z]+/", w[0]); break;
	case 8: snprintf(q, size, "lang:en %s", w); break;
	case 9: case 10:
		random_query(seed, a, sizeof a, depth + 1);
		random_query(seed, b, sizeof b, depth + 1);
		snprintf(q, size, "(%s) %s (%s)", a, k == 9 ? "OR" : "AND", b);
		break;
	case 11:
		random_query(seed, a, sizeof a, depth + 1);
		snprintf(q, size, "NOT (%s)", a);
		break;
	default:
		random_query(seed, a, sizeof a, depth + 1);
		snprintf(q, size, "%s -%s", a, w);
		break;
	}
}

/* A random text from the vocabulary. */
static void
random_text(unsigned int *seed, char *t, size_t size, int words)
{
	static const char *sep[] = { " ", " ", ", ", "-", "’", "\n" };

	t[0] = '\0';
	for (int i = 0; i < words; i++) {
		strncat(t, vocab[rand_r(seed) % NV], size - strlen(t) - 1);
		strncat(t, sep[rand_r(seed) % 6], size - strlen(t) - 1);
	}
}

static void
test_presearch(void)
{
	struct matcher *m = matcher_new();
	unsigned int seed = 7;
	char q[1024], title[256], text[1024];
	struct got a, b;
	struct match_stats st;
	int same = 1, total = 0, cand_fewer = 0, once = 1;
	char *cause = NULL;

	for (int i = 0; i < 400; i++) {
		random_query(&seed, q, sizeof q, 0);
		if (matcher_add(m, (uint64_t)i, q, i % 5 == 0 ? "english" : NULL, &cause) == -1) {
			diag("random query %s: %s", q, cause);
			free(cause);
			same = 0;
		}
	}
	matcher_compile(m);
	for (int i = 0; i < 300; i++) {
		struct match_doc d = { title, text, NULL, NULL, NULL, NULL,
		    i % 2 ? "en" : "de" };

		random_text(&seed, title, sizeof title, 1 + rand_r(&seed) % 4);
		random_text(&seed, text, sizeof text, rand_r(&seed) % 30);
		memset(&a, 0, sizeof a);
		memset(&b, 0, sizeof b);
		matcher_match(m, &d, MATCH_EVERY | MATCH_NOSNIPPET, hit_cb, &a);
		matcher_match(m, &d, MATCH_NOSNIPPET, hit_cb, &b);
		total += (int)a.n;
		if (a.n != b.n || memcmp(a.ids, b.ids, a.n * sizeof a.ids[0]) != 0) {
			diag("doc %d: %zu vs %zu hits", i, a.n, b.n);
			same = 0;
		}
		once &= a.calls == (a.n > 0) && b.calls == (b.n > 0);
		got_free(&a);
		got_free(&b);
	}
	matcher_stats(m, &st);
	cand_fewer = st.candidates < (uint64_t)st.queries * st.articles;
	ok(same, "presearch finds exactly what evaluating every query does (%d hits)", total);
	ok(once, "the hits of an article come in one call, none without a hit");
	ok(cand_fewer && total > 300, "and evaluates fewer (%llu of %llu), %zu always",
	    (unsigned long long)st.candidates - 300ULL * st.queries,
	    300ULL * st.queries, st.always);
	matcher_free(m);
}

/* A regex literal is found at every offset inside a word, whatever its length (the
 * text is probed every few bytes for it). */
static void
test_regex_literals(void)
{
	const char *alpha = "abcdefghijklmnopqrstuvwxyz";
	int good = 1, n = 0;

	for (int len = 3; len <= 20; len++)
		for (int off = 0; off < 12; off++) {
			char q[64], text[128];
			struct match_doc d = { NULL, text, NULL, NULL, NULL, NULL, NULL };
			struct got g;

			snprintf(q, sizeof q, "/%.*s/", len, alpha);
			snprintf(text, sizeof text, "one %.*s%.*s9 two", off,
			    "0123456789ab", len, alpha);
			if (run(q, NULL, &d, &g) != 1)
				good = 0;
			got_free(&g);
			text[4 + off + len / 2] = 'X';	/* a broken literal: no hit */
			if (run(q, NULL, &d, &g) != 0)
				good = 0;
			got_free(&g);
			n++;
		}
	ok(good, "regex literals of 3 to 20 bytes found at every offset in a word (%d)", n);
}

/* Words only articles use: some hold a query word or prefix, or a regex's literal. */
static const char *other[] = { "omega", "sigma", "alphabet", "betamax", "kappas",
	"gammaray", "zed", "Lambda", "omega-alpha", "Etas", "thetas", "ALPHABETA" };
#define NO (sizeof other / sizeof other[0])

/* A random text of query words and many others. */
static void
mixed_text(unsigned int *seed, char *t, size_t size, int words)
{
	static const char *sep[] = { " ", " ", ", ", "-", "’", "\n" };

	t[0] = '\0';
	for (int i = 0; i < words; i++) {
		strncat(t, rand_r(seed) % 3 ? other[rand_r(seed) % NO] :
		    vocab[rand_r(seed) % NV], size - strlen(t) - 1);
		strncat(t, sep[rand_r(seed) % 6], size - strlen(t) - 1);
	}
}

/* Do two hits agree, details included? */
static int
same_hits(const struct got *a, const struct got *b)
{
	return a->n == b->n && memcmp(a->ids, b->ids, a->n * sizeof a->ids[0]) == 0 &&
	    a->details == b->details && (a->n == 0 || (strcmp(a->snippet, b->snippet) == 0 &&
	    strcmp(a->terms, b->terms) == 0));
}

/* The vocabulary filter: the article's dictionary holds only the words queries name,
 * and every answer (hits, terms, snippets) is what the full dictionary gives. */
static void
test_vocab(void)
{
	struct matcher *m = matcher_new();
	unsigned int seed = 11;
	char q[1024], title[256], text[1024];
	struct got a, b, c;
	int same = 1, total = 0;

	for (int i = 0; i < 400; i++) {
		random_query(&seed, q, sizeof q, 0);
		if (matcher_add(m, (uint64_t)i, q, NULL, NULL) == -1)
			same = 0;
	}
	matcher_compile(m);
	for (int i = 0; i < 300; i++) {
		struct match_doc d = { title, text, NULL, "https://example.com/omega-beta",
		    i % 3 ? "Sigma" : "Alpha", NULL, i % 2 ? "en" : "de" };

		mixed_text(&seed, title, sizeof title, 1 + rand_r(&seed) % 4);
		mixed_text(&seed, text, sizeof text, rand_r(&seed) % 40);
		memset(&a, 0, sizeof a);
		memset(&b, 0, sizeof b);
		memset(&c, 0, sizeof c);
		matcher_match(m, &d, MATCH_EVERY | MATCH_ALLTERMS, hit_cb, &a);
		matcher_match(m, &d, 0, hit_cb, &b);
		matcher_match(m, &d, MATCH_NOSNIPPET, lazy_cb, &c);
		total += (int)a.n;
		if (!same_hits(&a, &b) || !same_hits(&a, &c)) {
			diag("doc %d: %zu vs %zu vs %zu hits", i, a.n, b.n, c.n);
			same = 0;
		}
		got_free(&a);
		got_free(&b);
		got_free(&c);
	}
	ok(same && total > 300, "the vocabulary filter changes no hit, term or snippet "
	    "(%d hits)", total);
	matcher_free(m);
}

struct sdoc {
	const char	*title, *text;
	int		 hit;		/* query 1 is a hit */
	uint64_t	 cand;		/* candidates evaluated */
};

/* Query 1 (next to a plain word, decided without evaluation) against each article:
 * the hits of evaluating every query, and the candidates expected. */
static void
second_term(const char *query, const struct sdoc *doc, size_t n, const char *what)
{
	struct matcher *m = matcher_new();
	struct match_stats st0, st1;
	char *cause = NULL;
	int good = 1;

	if (matcher_add(m, 1, query, NULL, &cause) == -1 ||
	    matcher_add(m, 2, "kalomx", NULL, &cause) == -1) {
		diag("%s", cause);
		free(cause);
		good = 0;
	}
	matcher_compile(m);
	for (size_t i = 0; i < n; i++) {
		struct match_doc d = { doc[i].title, doc[i].text, NULL, NULL, NULL, NULL,
		    "en" };
		struct got a, b;

		memset(&a, 0, sizeof a);
		memset(&b, 0, sizeof b);
		matcher_match(m, &d, MATCH_EVERY | MATCH_NOSNIPPET, hit_cb, &a);
		matcher_stats(m, &st0);
		matcher_match(m, &d, MATCH_NOSNIPPET, hit_cb, &b);
		matcher_stats(m, &st1);
		if (a.n != b.n || memcmp(a.ids, b.ids, a.n * sizeof a.ids[0]) != 0 ||
		    (int)(b.n > 0 && b.ids[0] == 1) != doc[i].hit ||
		    st1.candidates - st0.candidates != doc[i].cand) {
			diag("%s, doc %zu: %zu / %zu hits, %llu candidates", query, i, a.n,
			    b.n, (unsigned long long)(st1.candidates - st0.candidates));
			good = 0;
		}
		got_free(&a);
		got_free(&b);
	}
	ok(good, "%s", what);
	matcher_free(m);
}

/* An AND's second term: a candidate needs it too, and answers as evaluating does. */
static void
test_second_terms(void)
{
	static const struct sdoc pre[] = {
		{ "", "beta gamma delta", 0, 0 },	/* the word alone */
		{ "", "beta kalomi", 1, 1 },		/* both */
		{ "kalomi", "beta", 1, 1 },		/* the prefix in the title */
		{ "", "kalo beta", 0, 0 },		/* shorter than the prefix */
	}, or[] = {
		{ "", "gamma delta", 0, 0 },		/* the word alone */
		{ "", "alpha delta", 0, 0 },		/* one of the OR alone */
		{ "", "beta gamma", 1, 1 },		/* both */
		{ "gamma", "alpha", 1, 1 },
		{ "", "beta gamma zeta", 0, 1 },	/* both, but excluded */
	};

	second_term("kalom* beta", pre, sizeof pre / sizeof pre[0],
	    "pref* word: a candidate only with a term of the prefix, the same hits");
	second_term("(alpha OR beta) gamma -zeta", or, sizeof or / sizeof or[0],
	    "(a OR b) c -d: a candidate only with c and a or b, the same hits");
}

int
main(void)
{
	const char *pre = getenv("LD_PRELOAD");

	/* valgrind cannot follow PCRE2's JIT code: interpret under it */
	match_set_jit(pre == NULL || strstr(pre, "vgpreload") == NULL);
	test_operators();
	test_fields();
	test_folding();
	test_regex_stem();
	test_spec();
	test_errors();
	test_snippets();
	test_presearch();
	test_presearch_shapes();
	test_second_terms();
	test_regex_literals();
	test_vocab();
	ok(lazy_checked > 100 && lazy_differ == 0, "match_hit_describe gives the eager hits' "
	    "terms and snippets (%d queries, %d differ)", lazy_checked, lazy_differ);
	diag("again with the PCRE2 interpreter, as under MemoryDenyWriteExecute=yes");
	match_set_jit(0);
	test_regex_stem();
	test_snippets();
	test_presearch();
	test_vocab();
	text_stemmers_free();
	return done_testing();
}
