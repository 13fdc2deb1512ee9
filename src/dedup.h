/*
 * dedup: the fingerprints that recognise one story across copies (issue 6, the
 * identity step of ingest). Pure: strings in, values out, no I/O.
 *
 * From an article's text and title it computes
 *  - the normalised text: syndication boilerplate removed (dedup_strip), then
 *    NFKC, case folded, punctuation dropped, whitespace collapsed to one space;
 *  - the content hash: SHA-256 of that text, only for texts of at least
 *    DEDUP_MIN_WORDS words (shorter items are never merged by it);
 *  - the title hash: 64 bits of the normalised title, used to pick candidates;
 *  - a 64-bit SimHash over word 3-shingles (tf weights), with four 16-bit bands
 *    for an index: by pigeonhole two fingerprints within 3 bits share a band;
 *  - the containment signature: the sorted set of the text's shingle hashes
 *    (32 bits each) and up to DEDUP_ANCHORS "anchor" shingles, the smallest
 *    hashes among those below a fixed threshold (1/16 of the hash space): a
 *    bottom-k sketch with a global threshold, so a copy that carries part of an
 *    article shares the part's anchors with it whatever the lengths.
 */
#ifndef NW_DEDUP_H
#define NW_DEDUP_H

#include <stddef.h>
#include <stdint.h>

#define DEDUP_MIN_WORDS		40	/* content hash, near-dup, containment */
#define DEDUP_NEAR_DISTANCE	3	/* default daemon.near_distance */
#define DEDUP_CONTAINMENT	0.8	/* same story at or above */
#define DEDUP_ANCHORS		16	/* anchor shingles kept at most */
#define DEDUP_ANCHOR_BITS	4	/* anchors: top 4 bits of the hash zero */
#define DEDUP_MAX_TEXT		(1024 * 1024)	/* longer texts are cut */
#define DEDUP_POSTINGS		32	/* articles per anchor, else too common */
#define DEDUP_CANDIDATES	8	/* containment candidates verified */

struct dedup_fp {
	size_t		 words;		/* tokens of the normalised text */
	int		 has_hash;	/* words >= DEDUP_MIN_WORDS */
	unsigned char	 hash[32];	/* SHA-256 of the normalised text */
	uint64_t	 title_hash;	/* 0: no title */
	uint64_t	 simhash;	/* 0 when there is no shingle */
	uint32_t	*shingles;	/* sorted, distinct */
	size_t		 nshingles;
	uint64_t	 anchors[DEDUP_ANCHORS];	/* ascending */
	size_t		 nanchors;
};

/*
 * The form an article's text is hashed in: the normalised text (below) with the
 * known syndication boilerplate removed line by line (the table in dedup.c):
 * republishing trailers ("The post X appeared first on Y.", "This article
 * originally appeared on …"), "read more" and "continue reading" lines and
 * endings; "[…]" goes with the punctuation. A new string; *words gets the number
 * of tokens when words is not NULL.
 */
char		*dedup_text(const char *text, size_t len, size_t *words);

/*
 * The normalised form of s: NFKC, case folded, tokens of letters, digits and
 * marks separated by one space, everything else dropped. A new string; *words
 * gets the number of tokens when words is not NULL.
 */
char		*dedup_normalise(const char *s, size_t len, size_t *words);

/* Fill fp from an article's original text and title (either may be NULL). */
void		 dedup_fingerprint(struct dedup_fp *fp, const char *text, size_t len,
		     const char *title);
void		 dedup_fp_clear(struct dedup_fp *);

/* The i-th 16-bit band (0..3) of a SimHash. */
unsigned	 dedup_band(uint64_t simhash, int i);
int		 dedup_hamming(uint64_t, uint64_t);

/*
 * |shingles(shorter) ∩ shingles(longer)| / |shingles(shorter)| over two sorted
 * shingle sets; 0 when either is empty.
 */
double		 dedup_containment_sets(const uint32_t *a, size_t na,
		     const uint32_t *b, size_t nb);
double		 dedup_containment(const struct dedup_fp *, const struct dedup_fp *);

/* 1 when two fingerprints are the same story by near-duplicate or containment. */
int		 dedup_same(const struct dedup_fp *, const struct dedup_fp *,
		     int near_distance);

/* The 64-bit title hash of a string, 0 for an empty title. */
uint64_t	 dedup_title_hash(const char *title);

/*
 * The candidate index, in memory: for each indexed article its SimHash bands,
 * its anchors (as dedup_anchor_key, the 32 bits below the anchor threshold)
 * and its title hash, pointing at the article's id. It only proposes
 * candidates: the caller checks each against the stored article, so an entry
 * left behind by an update, a rollback or a pruned text costs a check, never
 * a wrong answer. About 6 bytes per anchor, per band, per title and per
 * exact key (URL, content hash) and 16 per article (172 bytes per article
 * with 16 anchors and both keys), plus 11 MiB of buckets: 183 bytes per
 * article at 1,000,000 articles.
 */
struct dedup_index;

struct dedup_index *dedup_index_new(void);
void		 dedup_index_free(struct dedup_index *);
void		 dedup_index_add(struct dedup_index *, int64_t article,
		     uint64_t simhash, uint64_t title_hash,
		     const uint32_t *anchors, size_t nanchors);
/*
 * A bulk load into a new index, in two passes over the same articles: each
 * counted with dedup_index_plan, then dedup_index_reserve, then each added
 * with dedup_index_add. The index then holds them in one piece of memory,
 * with a sixteenth to spare.
 */
void		 dedup_index_plan(struct dedup_index *, uint64_t simhash,
		     uint64_t title_hash, const uint32_t *anchors, size_t nanchors);
void		 dedup_index_reserve(struct dedup_index *);
size_t		 dedup_index_bytes(const struct dedup_index *);
size_t		 dedup_index_count(const struct dedup_index *);
/*
 * The articles whose SimHash is within maxd bits of simhash, nearest first, at
 * most max of them (ids to out, distances to dist); the count.
 */
size_t		 dedup_index_near(const struct dedup_index *, uint64_t simhash,
		     int maxd, int64_t *out, int *dist, size_t max);
/*
 * Containment candidates, at most max: the articles sharing at least two of
 * the anchors (one when there are fewer than four), most shared first, at
 * most DEDUP_CANDIDATES of them; an anchor held by more than DEDUP_POSTINGS
 * articles is a common phrase and draws none. Then the latest four articles
 * of the same title hash. The count.
 */
size_t		 dedup_index_candidates(const struct dedup_index *,
		     const uint32_t *anchors, size_t nanchors,
		     uint64_t title_hash, int64_t *out, size_t max);
/* The 32 bits of an anchor that the index and the store keep. */
uint32_t	 dedup_anchor_key(uint64_t anchor);

/*
 * The exact keys in the index: a canonical URL's and a content hash's 64-bit
 * key (never 0), kept per article like its anchors. The index proposes the
 * articles of a key; the caller checks the URL or hash in the row.
 */
uint64_t	 dedup_url_key(const char *url);
uint64_t	 dedup_hash_key(const unsigned char hash[32]);
/*
 * Index an article's keys (0: none), in the slot of the article just added
 * by dedup_index_add, or in a slot of their own (texts under
 * DEDUP_MIN_WORDS words); dedup_index_plan_keys counts them for a bulk load.
 */
void		 dedup_index_add_keys(struct dedup_index *, int64_t article,
		     uint64_t url_key, uint64_t hash_key);
void		 dedup_index_plan_keys(struct dedup_index *, uint64_t url_key,
		     uint64_t hash_key, int own_slot);
/* The articles holding key, oldest first, at most max of them; the count. */
size_t		 dedup_index_keys(const struct dedup_index *, uint64_t key,
		     int64_t *out, size_t max);

#endif
