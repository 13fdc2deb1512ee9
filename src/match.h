/*
 * match: the watchlist query language and the engine that runs every watchlist
 * against an article at once. Pure: no I/O.
 *
 * Language (newswatch.conf(5) has the user's version):
 *   word            a word on word boundaries, folded like text.h (AI is not in "said")
 *   "a b c"         an exact phrase (consecutive positions)
 *   "a b"~N         every word within N positions of the first word, any order
 *   NEAR/N(a, b)    the same, written as a function
 *   a b, a AND b    both;  a OR b  either;  NOT a, -a  not;  ( ... )  grouping
 *   pre*            a word beginning with "pre"
 *   =US             exact case, checked on the original text
 *   /re/  /re/i     a PCRE2 regular expression on the original text (i: caseless)
 *   title: text: url: source: author:   restrict what follows (a word, phrase,
 *                   NEAR(...), regex or parenthesised group) to a field
 *   lang:de         the article's language ("de" also matches "de-AT")
 * Unqualified terms search the title and the text (main text and summary).
 * AND, OR, NOT and NEAR are operators only in upper case. A hyphenated word
 * matches both its parts as a phrase and the joined form ("open-source" finds
 * "open source" and "opensource").
 *
 * Snippets: about 25 words of the original text around the first match, the
 * matches marked with « and », whitespace collapsed, "…" where text was cut.
 *
 * A matcher is built once (matcher_new, matcher_add..., matcher_compile) and then
 * only read by matcher_match, which keeps scratch state: one matcher per thread.
 * Reload = build a new matcher and swap the pointer.
 */
#ifndef NW_MATCH_H
#define NW_MATCH_H

#include <stddef.h>
#include <stdint.h>

struct matcher;

/* An article: every field may be NULL. */
struct match_doc {
	const char	*title;
	const char	*text;		/* main text */
	const char	*summary;	/* searched as part of text: */
	const char	*url;
	const char	*source;	/* the source's name */
	const char	*author;
	const char	*lang;		/* e.g. "en", "de-AT" */
};

/* A watchlist: a query, or keywords with a mode and exclusions (both: both apply). */
struct match_spec {
	const char	*query;
	const char	**keywords;	/* literal words or phrases */
	size_t		 nkeywords;
	int		 mode_all;	/* 1: every keyword, 0: any */
	const char	**exclude;	/* literal words or phrases */
	size_t		 nexclude;
	const char	**sources;	/* only articles from these sources; NULL: any */
	size_t		 nsources;
	const char	*stem;		/* libstemmer language, or NULL */
};

struct match_hit {
	uint64_t	 id;		/* the watchlist's id */
	const char	**terms;	/* the matched words, as written in the article */
	size_t		 nterms;
	const char	*snippet;	/* see above; borrowed until the callback returns */
	void		*ctx;		/* private: for match_hit_describe */
};

struct match_stats {
	size_t		 queries;	/* compiled watchlists */
	size_t		 always;	/* without a required term: evaluated on every article */
	uint64_t	 articles;	/* articles matched so far */
	uint64_t	 candidates;	/* queries evaluated */
	uint64_t	 direct;	/* hits the presearch decided alone (no evaluation) */
	uint64_t	 hits;
};

#define MATCH_EVERY	0x1	/* matcher_match: evaluate every query (no presearch) */
#define MATCH_NOSNIPPET	0x2	/* matcher_match: no terms or snippets in hits (cheap;
				   match_hit_describe builds them for the hits that need them) */
#define MATCH_ALLTERMS	0x4	/* matcher_match: every word of the article in its term
				   dictionary, not only those some query names (tests) */

/* The hits of one article, all at once, in the order the watchlists were added;
 * hits[0..n) and what they point to are borrowed until the callback returns. */
typedef void (*match_cb)(const struct match_hit *hits, size_t n, void *);

struct matcher	*matcher_new(void);
void		 matcher_free(struct matcher *);
/* Add a watchlist; on a bad query returns -1 and "column N: ..." in *cause. */
int		 matcher_add(struct matcher *, uint64_t id, const char *query,
		    const char *stem, char **cause);
int		 matcher_add_spec(struct matcher *, uint64_t id,
		    const struct match_spec *, char **cause);
/* Build the presearch index; call once after the last add. */
void		 matcher_compile(struct matcher *);
/* Run every watchlist on an article; the callback (if not NULL) gets its hits at
 * once, and is not called without a hit. Returns the hits. */
size_t		 matcher_match(struct matcher *, const struct match_doc *, int flags,
		    match_cb, void *);
void		 matcher_stats(const struct matcher *, struct match_stats *);
/* In a matcher_match callback: any of its hits with its terms and snippet (built
 * now, once, if MATCH_NOSNIPPET left them out) in *out, borrowed until the
 * callback returns. */
void		 match_hit_describe(const struct match_hit *, struct match_hit *out);
/* Compile regexes for PCRE2's JIT where allowed (the default), or never (valgrind). */
void		 match_set_jit(int);
/* Check a query alone (the configuration reader uses it): 0, or -1 with *cause. */
int		 match_check(const char *query, const char *stem, char **cause);

#endif
