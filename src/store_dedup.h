/*
 * store_dedup: the identity of articles and stories in the store (issue 6):
 * the stories and sightings tables, the identity columns of articles, the
 * anchors table, and retention pruning. The decisions follow DESIGN.md's
 * order: the source's own id (a SQLite index), the canonical URL and the
 * content hash (64-bit keys), a near-duplicate through the SimHash bands,
 * containment through anchor shingles: all but the first through the
 * candidate index in memory (dedup.h), built from the anchors table (one row
 * per article, appended in article order, so that a new article writes no
 * random B-tree leaf for them). Each lookup goes
 * through an index; none scans a table. SQLite stays the source of truth:
 * every candidate is checked against the stored article.
 *
 * Statement slots 64-95 (store.h).
 */
#ifndef NW_STORE_DEDUP_H
#define NW_STORE_DEDUP_H

#include <stdint.h>

#include "dedup.h"

struct store;

/*
 * STAND-IN for the feeds part's migration 2 (the articles table, as the store
 * issue's brief gives it). The lead drops it once the feeds part's own
 * migration 2 is in store.c's array.
 */
extern const char store_migration_articles[];
/* Migration 3: stories, sightings, identity columns and their indexes. */
extern const char store_migration_dedup[];
/* Migration 7: the anchors table, one row per article, for the index in memory. */
extern const char store_migration_anchors[];
extern const char store_migration_keys[];

/* How an article joined its story. */
enum dedup_rule {
	DEDUP_NEW,		/* first article of a new story */
	DEDUP_SOURCE_ID,	/* the same source's entry, seen before */
	DEDUP_URL,		/* canonical URL */
	DEDUP_HASH,		/* content hash */
	DEDUP_NEAR,		/* SimHash within near_distance */
	DEDUP_CONTAINED,	/* shingle containment */
};

/* An article as ingest hands it over; every string may be NULL. */
struct dedup_article {
	int64_t		 source_id;
	const char	*entry_id;	/* the source's own id */
	const void	*raw_fp;	/* fingerprint of the entry's bytes */
	size_t		 raw_fp_len;
	const char	*title;
	const char	*link;		/* as the source gave it */
	const char	*canonical;	/* <link rel="canonical">, if any */
	const char	*author;
	const char	*summary;
	const char	*content;	/* the text fingerprinted (else summary) */
	const char	*lang;
	int64_t		 published;	/* 0: unknown */
	int64_t		 seen_at;	/* fetch time */
};

/* What store_dedup_ingest decided. */
struct dedup_result {
	int64_t		 article_id;
	int64_t		 story_id;
	enum dedup_rule	 rule;
	int		 distance;	/* DEDUP_NEAR */
	double		 containment;	/* DEDUP_CONTAINED */
	int		 new_story;	/* first sight of the story */
	int		 updated;	/* same entry, changed content */
	int		 unchanged;	/* same entry, same bytes: nothing done */
};

/*
 * Get a store ready for the identity step (the daemon does it at start, the
 * dedup and test-source commands after opening): the hamming() SQL function,
 * and the candidate index loaded now rather than at the first article. 0 or -1.
 */
int		 store_dedup_register(struct store *);
/* Register hamming() and the SQL functions migration 7 uses; store_open does. */
int		 store_dedup_sql(struct store *);

/*
 * The near-duplicate and containment candidates come from an index in memory
 * (dedup.h), built from the anchors table when the store first needs it and
 * brought up to date before each lookup with the rows other connections added
 * (rows are appended in article order). Load it now: its size in bytes (and
 * the number of articles indexed in *articles), or -1.
 */
int64_t		 store_dedup_load(struct store *, size_t *articles);
/* The index state kept with a store; store_close frees it. */
struct store_dedup;
void		 store_dedup_free(struct store_dedup *);

/*
 * The whole identity step for one article, inside the caller's transaction:
 * fingerprint it, find its story, insert the article (or update it when the
 * same entry changed), create the story on first sight, record a sighting.
 * near_distance is daemon.near_distance. 0, or -1 with *cause.
 */
int		 store_dedup_ingest(struct store *, const struct dedup_article *,
		     int near_distance, struct dedup_result *, char **cause);

/* The parts of it, for callers that insert articles themselves. */
struct dedup_key {
	char		*canonical_url;		/* NULL: none */
	struct dedup_fp	 fp;
	uint32_t	*sample;		/* the shingles stored: 1 in 4 */
	size_t		 nsample;
	uint32_t	 anchors[DEDUP_ANCHORS];	/* dedup_anchor_key */
	unsigned char	*sample_le;		/* as stored: little-endian */
	unsigned char	*anchors_le;
};
/* Shingles kept in the store: those with these low bits zero (1 in 4). */
#define DEDUP_SAMPLE_MASK	3
void		 dedup_key_make(struct dedup_key *, const struct dedup_article *);
void		 dedup_key_clear(struct dedup_key *);

/* Find the story of a key, rules 2-5; 1 found, 0 not, -1 error. */
int		 store_dedup_lookup(struct store *, const struct dedup_key *,
		     int near_distance, struct dedup_result *);
/* A story's first sight; its id, or -1. */
int64_t		 store_story_insert(struct store *, int64_t first_article,
		     const char *title, const char *url, int64_t seen_at);
/* Store an article's identity columns and anchors; 0 or -1. */
int		 store_dedup_set_identity(struct store *, int64_t article_id,
		     int64_t story_id, const struct dedup_key *);
/* A sighting of a story (source, URL, time); 0 or -1. */
int		 store_sighting_add(struct store *, int64_t story_id,
		     int64_t source_id, int64_t article_id, const char *url,
		     int64_t seen_at);

/*
 * Retention, one small batch: null the text (content, summary, shingles) of at
 * most batch articles fetched before text_before, and drop the anchors that
 * pointed at them; then delete at most batch articles fetched before
 * keys_before (clamped to at least a year before text_before) with their
 * stories' sightings when no article of the story is left. Articles of a story
 * with a pending alert (an outbox row in state 'pending', when that table
 * exists) are never touched. The number of rows changed (0: done), or -1.
 */
int		 store_dedup_prune(struct store *, int64_t text_before,
		     int64_t keys_before, int batch);

/* The name of a rule, as `newswatch dedup --explain` prints it. */
const char	*dedup_rule_name(enum dedup_rule);

/*
 * A query's result for `newswatch articles` and `article`: named columns and
 * cells row by row. A cell keeps SQLite's type (SQLITE_INTEGER, SQLITE_NULL,
 * else text), its integer and its text (NULL for NULL).
 */
struct store_cell {
	int		 type;
	int64_t		 i;
	char		*text;
	size_t		 len;
};
struct store_table {
	size_t			 ncols, nrows;
	char			**names;
	struct store_cell	*cells;		/* nrows * ncols */
};
/* Articles (of source, or any when NULL) fetched at or after since, newest
 * first: id, story, source, published, fetched, title, link. 0, or -1 with
 * *cause. */
int		 store_articles_list(struct store *, const char *source,
		    int64_t since, struct store_table *, char **);
/* One article's row (id … content; 0 or 1 row); 0, or -1. */
int		 store_article_get(struct store *, int64_t id,
		    struct store_table *);
/* A story's sightings (seen_at, source, source_id, article, url), oldest
 * first; 0, or -1. */
int		 store_story_sightings(struct store *, int64_t story,
		    struct store_table *);
void		 store_table_free(struct store_table *);

#endif
