/*
 * store_dedup: stories, sightings and the identity of articles (see
 * store_dedup.h). Every statement is prepared once through store_stmt.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "log.h"
#include "store.h"
#include "store_dedup.h"
#include "text_url.h"
#include "xmalloc.h"

#define CANDIDATES	8		/* containment candidates verified */
#define ANCHOR_POSTINGS	32		/* articles per anchor, else too common */
#define YEAR		(366 * 86400)

/*
 * STAND-IN for migration 2 of the feeds part, exactly as the store issue's brief
 * states it, so that this part's tests run before the feeds part is merged.
 */
const char store_migration_articles[] =
	"CREATE TABLE articles ("
	"  id INTEGER PRIMARY KEY, source_id INTEGER, entry_id TEXT, raw_fp BLOB,"
	"  title TEXT, link TEXT, published INTEGER, updated INTEGER, author TEXT,"
	"  summary TEXT, content TEXT, lang TEXT, fetched_at INTEGER,"
	"  UNIQUE (source_id, entry_id));";

/*
 * Migration 3. The identity keys live on articles; an article whose text is
 * pruned keeps them (text_pruned = 1). The content hash is unique: the first
 * article that carries a text holds it, later copies store NULL. simhash, bands,
 * words and shingles are set only for texts of DEDUP_MIN_WORDS words or more.
 * The band and URL indexes cover the lookup (the identity columns sit after the
 * text in the row, which would otherwise be read through its overflow pages).
 * anchors maps anchor shingles to articles for containment candidates.
 */
const char store_migration_dedup[] =
	"CREATE TABLE stories ("
	"  id INTEGER PRIMARY KEY,"
	"  first_article INTEGER,"
	"  first_seen INTEGER NOT NULL,"
	"  title TEXT,"
	"  canonical_url TEXT);"
	"ALTER TABLE articles ADD COLUMN story_id INTEGER"
	"  REFERENCES stories (id) ON DELETE SET NULL;"
	"ALTER TABLE articles ADD COLUMN canonical_url TEXT;"
	"ALTER TABLE articles ADD COLUMN content_hash BLOB;"
	"ALTER TABLE articles ADD COLUMN title_hash INTEGER;"
	"ALTER TABLE articles ADD COLUMN simhash INTEGER;"
	"ALTER TABLE articles ADD COLUMN band0 INTEGER;"
	"ALTER TABLE articles ADD COLUMN band1 INTEGER;"
	"ALTER TABLE articles ADD COLUMN band2 INTEGER;"
	"ALTER TABLE articles ADD COLUMN band3 INTEGER;"
	"ALTER TABLE articles ADD COLUMN words INTEGER;"
	"ALTER TABLE articles ADD COLUMN shingles BLOB;"
	"ALTER TABLE articles ADD COLUMN text_pruned INTEGER NOT NULL DEFAULT 0;"
	"CREATE TABLE sightings ("
	"  id INTEGER PRIMARY KEY,"
	"  story_id INTEGER NOT NULL REFERENCES stories (id) ON DELETE CASCADE,"
	"  source_id INTEGER,"
	"  article_id INTEGER,"
	"  url TEXT,"
	"  seen_at INTEGER NOT NULL);"
	"CREATE TABLE anchors ("
	"  hash INTEGER NOT NULL,"
	"  article_id INTEGER NOT NULL,"
	"  PRIMARY KEY (hash, article_id)) WITHOUT ROWID;"
	"CREATE INDEX anchors_article ON anchors (article_id);"
	"CREATE UNIQUE INDEX articles_content_hash ON articles (content_hash)"
	"  WHERE content_hash IS NOT NULL;"
	"CREATE INDEX articles_url ON articles (canonical_url, story_id)"
	"  WHERE canonical_url IS NOT NULL;"
	"CREATE INDEX articles_band0 ON articles (band0, simhash, story_id)"
	"  WHERE band0 IS NOT NULL;"
	"CREATE INDEX articles_band1 ON articles (band1, simhash, story_id)"
	"  WHERE band1 IS NOT NULL;"
	"CREATE INDEX articles_band2 ON articles (band2, simhash, story_id)"
	"  WHERE band2 IS NOT NULL;"
	"CREATE INDEX articles_band3 ON articles (band3, simhash, story_id)"
	"  WHERE band3 IS NOT NULL;"
	"CREATE INDEX articles_title_hash ON articles (title_hash)"
	"  WHERE title_hash IS NOT NULL;"
	"CREATE INDEX articles_story ON articles (story_id);"
	"CREATE INDEX articles_prune ON articles (fetched_at) WHERE text_pruned = 0;"
	"CREATE INDEX articles_fetched ON articles (fetched_at);"
	"CREATE INDEX sightings_story ON sightings (story_id, seen_at);";

/* Statement slots 64-95 (store.h). */
enum {
	S_BY_ENTRY = 64,
	S_BY_URL,
	S_BY_HASH,
	S_NEAR,
	S_ANCHORS,
	S_TITLE,
	S_CANDIDATE,
	S_ART_INSERT,
	S_ART_UPDATE,
	S_IDENTITY,
	S_STORY_INSERT,
	S_STORY_FIRST,
	S_SIGHTING,
	S_ANCHOR_ADD,
	S_ANCHOR_DEL,
	S_PRUNE_PICK,
	S_PRUNE_PICK_OUTBOX,
	S_PRUNE_TEXT,
	S_OLD_PICK,
	S_OLD_PICK_OUTBOX,
	S_OLD_DELETE,
	S_STORY_GONE,
	S_HAS_OUTBOX,
	S_SAME_TEXT,
	S_RAW_FP,
};

/* The hamming(a, b) SQL function: bits that differ between two integers. */
static void
hamming_fn(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	(void)argc;
	if (sqlite3_value_type(argv[0]) == SQLITE_NULL ||
	    sqlite3_value_type(argv[1]) == SQLITE_NULL) {
		sqlite3_result_null(ctx);
		return;
	}
	sqlite3_result_int(ctx, dedup_hamming(sqlite3_value_int64(argv[0]),
	    sqlite3_value_int64(argv[1])));
}

/* Register hamming() on the store's connection. */
int
store_dedup_register(struct store *s)
{
	if (sqlite3_create_function(store_db(s), "hamming", 2, SQLITE_UTF8 |
	    SQLITE_DETERMINISTIC | SQLITE_INNOCUOUS, NULL, hamming_fn, NULL,
	    NULL) != SQLITE_OK) {
		log_warnx("store: hamming(): %s", sqlite3_errmsg(store_db(s)));
		return -1;
	}
	return 0;
}

/* The name of a rule. */
const char *
dedup_rule_name(enum dedup_rule r)
{
	switch (r) {
	case DEDUP_NEW:
		return "new";
	case DEDUP_SOURCE_ID:
		return "source-id";
	case DEDUP_URL:
		return "canonical-url";
	case DEDUP_HASH:
		return "content-hash";
	case DEDUP_NEAR:
		return "near-duplicate";
	case DEDUP_CONTAINED:
		return "containment";
	}
	return "?";
}

/* The text an article is fingerprinted by: its content, else its summary. */
static const char *
article_text(const struct dedup_article *a)
{
	if (a->content != NULL && *a->content != '\0')
		return a->content;
	return a->summary != NULL ? a->summary : "";
}

/* Compute the identity keys of an article. */
void
dedup_key_make(struct dedup_key *k, const struct dedup_article *a)
{
	const char *text = article_text(a);

	k->canonical_url = NULL;
	if (a->canonical != NULL)
		k->canonical_url = text_url_canonical(a->canonical, a->link);
	if (k->canonical_url == NULL && a->link != NULL)
		k->canonical_url = text_url_canonical(a->link, NULL);
	dedup_fingerprint(&k->fp, text, strlen(text), a->title);
	k->sample = xreallocarray(NULL, k->fp.nshingles + 1, sizeof *k->sample);
	k->nsample = 0;
	for (size_t i = 0; i < k->fp.nshingles; i++)
		if ((k->fp.shingles[i] & DEDUP_SAMPLE_MASK) == 0)
			k->sample[k->nsample++] = k->fp.shingles[i];
}

/* Free an identity key. */
void
dedup_key_clear(struct dedup_key *k)
{
	free(k->canonical_url);
	k->canonical_url = NULL;
	free(k->sample);
	k->sample = NULL;
	dedup_fp_clear(&k->fp);
}

/* Step a statement expected to finish; 0 or -1 (logged). */
static int
step_done(struct store *s, sqlite3_stmt *st)
{
	int rc = sqlite3_step(st);

	sqlite3_reset(st);
	if (rc == SQLITE_DONE)
		return 0;
	log_warnx("store: %s", sqlite3_errmsg(store_db(s)));
	return -1;
}

/* Step a one-integer query; 1 with *v, 0 without a row, -1 on error. */
static int
step_int64(struct store *s, sqlite3_stmt *st, int64_t *v)
{
	int rc = sqlite3_step(st);

	if (rc == SQLITE_ROW && sqlite3_column_type(st, 0) != SQLITE_NULL) {
		*v = sqlite3_column_int64(st, 0);
		sqlite3_reset(st);
		return 1;
	}
	sqlite3_reset(st);
	if (rc == SQLITE_ROW || rc == SQLITE_DONE)
		return 0;
	log_warnx("store: %s", sqlite3_errmsg(store_db(s)));
	return -1;
}

/* Rule 2: the canonical URL. */
static int
by_url(struct store *s, const struct dedup_key *k, struct dedup_result *r)
{
	sqlite3_stmt *st;

	if (k->canonical_url == NULL)
		return 0;
	st = store_stmt(s, S_BY_URL, "SELECT story_id FROM articles"
	    " WHERE canonical_url = ?1 AND story_id IS NOT NULL LIMIT 1");
	sqlite3_bind_text(st, 1, k->canonical_url, -1, SQLITE_STATIC);
	r->rule = DEDUP_URL;
	return step_int64(s, st, &r->story_id);
}

/* Rule 3: the content hash. */
static int
by_hash(struct store *s, const struct dedup_key *k, struct dedup_result *r)
{
	sqlite3_stmt *st;

	if (!k->fp.has_hash)
		return 0;
	st = store_stmt(s, S_BY_HASH, "SELECT story_id FROM articles"
	    " WHERE content_hash = ?1");
	sqlite3_bind_blob(st, 1, k->fp.hash, sizeof k->fp.hash, SQLITE_STATIC);
	r->rule = DEDUP_HASH;
	return step_int64(s, st, &r->story_id);
}

/*
 * The SQL of the band lookup (also checked by the tests' query plan): each
 * branch searches one covering band index; the nearest is picked in C, so no
 * temporary B-tree is built.
 */
#define NEAR_SQL							\
	"SELECT story_id, hamming(simhash, ?5) AS d FROM articles"	\
	"  WHERE band0 = ?1 AND d <= ?6"				\
	" UNION ALL SELECT story_id, hamming(simhash, ?5) AS d FROM articles"\
	"  WHERE band1 = ?2 AND d <= ?6"				\
	" UNION ALL SELECT story_id, hamming(simhash, ?5) AS d FROM articles"\
	"  WHERE band2 = ?3 AND d <= ?6"				\
	" UNION ALL SELECT story_id, hamming(simhash, ?5) AS d FROM articles"\
	"  WHERE band3 = ?4 AND d <= ?6"

/* Rule 4: a near-duplicate, through the four band indexes. */
static int
by_near(struct store *s, const struct dedup_key *k, int near_distance,
    struct dedup_result *r)
{
	sqlite3_stmt	*st;
	int		 rc, best = 65;

	if (k->fp.words < DEDUP_MIN_WORDS)
		return 0;
	st = store_stmt(s, S_NEAR, NEAR_SQL);
	for (int i = 0; i < 4; i++)
		sqlite3_bind_int(st, i + 1, dedup_band(k->fp.simhash, i));
	sqlite3_bind_int64(st, 5, (int64_t)k->fp.simhash);
	sqlite3_bind_int(st, 6, near_distance);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		int d = sqlite3_column_int(st, 1);

		if (sqlite3_column_type(st, 0) == SQLITE_NULL || d >= best)
			continue;
		best = d;
		r->story_id = sqlite3_column_int64(st, 0);
	}
	sqlite3_reset(st);
	if (rc != SQLITE_DONE) {
		log_warnx("store: %s", sqlite3_errmsg(store_db(s)));
		return -1;
	}
	if (best > near_distance)
		return 0;
	r->distance = best;
	r->rule = DEDUP_NEAR;
	return 1;
}

/* Candidate articles and how many anchors they share with the key. */
struct cands {
	int64_t	id[DEDUP_ANCHORS * ANCHOR_POSTINGS + CANDIDATES];
	int	hits[DEDUP_ANCHORS * ANCHOR_POSTINGS + CANDIDATES];
	size_t	n;
};

/* Count one more hit for an article. */
static void
add_candidate(struct cands *c, int64_t id, int hits)
{
	for (size_t i = 0; i < c->n; i++)
		if (c->id[i] == id) {
			c->hits[i] += hits;
			return;
		}
	if (c->n < sizeof c->id / sizeof c->id[0]) {
		c->id[c->n] = id;
		c->hits[c->n++] = hits;
	}
}

/*
 * The articles holding one anchor. An anchor held by more than ANCHOR_POSTINGS
 * articles is a common phrase, not a rare shingle: it draws no candidate.
 */
static void
anchor_postings(struct store *s, int64_t anchor, struct cands *c)
{
	sqlite3_stmt	*st;
	int64_t		 got[ANCHOR_POSTINGS + 1];
	int		 n = 0;

	st = store_stmt(s, S_ANCHORS, "SELECT article_id FROM anchors"
	    " WHERE hash = ?1 LIMIT ?2");
	sqlite3_bind_int64(st, 1, anchor);
	sqlite3_bind_int(st, 2, ANCHOR_POSTINGS + 1);
	while (sqlite3_step(st) == SQLITE_ROW)
		got[n++] = sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	if (n > ANCHOR_POSTINGS)
		return;
	for (int i = 0; i < n; i++)
		add_candidate(c, got[i], 1);
}

/* Keep the candidates worth verifying, most hits first, at most CANDIDATES. */
static void
select_candidates(struct cands *c, int need)
{
	size_t out = 0;

	for (size_t i = 0; i < c->n; i++)
		if (c->hits[i] >= need) {
			c->id[out] = c->id[i];
			c->hits[out++] = c->hits[i];
		}
	c->n = out;
	for (size_t i = 1; i < c->n; i++)	/* insertion sort: few */
		for (size_t j = i; j > 0 && c->hits[j] > c->hits[j - 1]; j--) {
			int64_t	id = c->id[j];
			int	h = c->hits[j];

			c->id[j] = c->id[j - 1];
			c->hits[j] = c->hits[j - 1];
			c->id[j - 1] = id;
			c->hits[j - 1] = h;
		}
	if (c->n > CANDIDATES)
		c->n = CANDIDATES;
}

/*
 * Candidates for containment: articles sharing at least two rare anchors (one
 * when the key has few), then the latest articles of the same title.
 */
static void
candidates(struct store *s, const struct dedup_key *k, struct cands *c)
{
	sqlite3_stmt	*st;

	c->n = 0;
	for (size_t i = 0; i < k->fp.nanchors; i++)
		anchor_postings(s, (int64_t)k->fp.anchors[i], c);
	select_candidates(c, k->fp.nanchors >= 4 ? 2 : 1);
	if (k->fp.title_hash == 0)
		return;
	st = store_stmt(s, S_TITLE, "SELECT id FROM articles"
	    " WHERE title_hash = ?1 ORDER BY id DESC LIMIT 4");
	sqlite3_bind_int64(st, 1, (int64_t)k->fp.title_hash);
	while (sqlite3_step(st) == SQLITE_ROW)
		add_candidate(c, sqlite3_column_int64(st, 0), 0);
	sqlite3_reset(st);
}

/* Containment of the key in a candidate article (or the reverse); -1: none. */
static double
verify(struct store *s, const struct dedup_key *k, int64_t id, int64_t *story)
{
	sqlite3_stmt	*st;
	double		 c = -1;

	st = store_stmt(s, S_CANDIDATE, "SELECT story_id, shingles FROM articles"
	    " WHERE id = ?1 AND shingles IS NOT NULL AND story_id IS NOT NULL");
	sqlite3_bind_int64(st, 1, id);
	if (sqlite3_step(st) == SQLITE_ROW) {
		const uint32_t	*sh = sqlite3_column_blob(st, 1);
		size_t		 n = sqlite3_column_bytes(st, 1) / sizeof *sh;

		*story = sqlite3_column_int64(st, 0);
		c = dedup_containment_sets(k->sample, k->nsample, sh, n);
	}
	sqlite3_reset(st);
	return c;
}

/* Rule 5: containment, verified on the candidates' shingle sets. */
static int
by_containment(struct store *s, const struct dedup_key *k, struct dedup_result *r)
{
	struct cands	c;
	int64_t		story;
	double		best = 0, v;

	if (k->fp.words < DEDUP_MIN_WORDS)
		return 0;
	candidates(s, k, &c);
	for (size_t i = 0; i < c.n; i++) {
		if ((v = verify(s, k, c.id[i], &story)) >= DEDUP_CONTAINMENT &&
		    v > best) {
			best = v;
			r->story_id = story;
		}
	}
	if (best == 0)
		return 0;
	r->rule = DEDUP_CONTAINED;
	r->containment = best;
	return 1;
}

/* Find the story of a key, rules 2-5 in order. */
int
store_dedup_lookup(struct store *s, const struct dedup_key *k, int near_distance,
    struct dedup_result *r)
{
	int rc;

	if ((rc = by_url(s, k, r)) != 0 || (rc = by_hash(s, k, r)) != 0 ||
	    (rc = by_near(s, k, near_distance, r)) != 0 ||
	    (rc = by_containment(s, k, r)) != 0)
		return rc;
	r->rule = DEDUP_NEW;
	return 0;
}

/* Bind an article's identity keys to parameters 13-23 of st. */
static void
bind_identity(sqlite3_stmt *st, int64_t story, const struct dedup_key *k)
{
	const struct dedup_fp	*fp = &k->fp;
	int			 full = fp->words >= DEDUP_MIN_WORDS;

	sqlite3_bind_int64(st, 13, story);
	if (k->canonical_url != NULL)
		sqlite3_bind_text(st, 14, k->canonical_url, -1, SQLITE_STATIC);
	if (fp->has_hash)
		sqlite3_bind_blob(st, 15, fp->hash, sizeof fp->hash, SQLITE_STATIC);
	if (fp->title_hash != 0)
		sqlite3_bind_int64(st, 16, (int64_t)fp->title_hash);
	sqlite3_bind_int64(st, 22, (int64_t)fp->words);
	if (!full)
		return;
	sqlite3_bind_int64(st, 17, (int64_t)fp->simhash);
	for (int i = 0; i < 4; i++)
		sqlite3_bind_int(st, 18 + i, dedup_band(fp->simhash, i));
	sqlite3_bind_blob(st, 23, k->sample, k->nsample * sizeof *k->sample,
	    SQLITE_STATIC);
}

/* Bind text to a parameter, NULL for NULL. */
static void
bind_text(sqlite3_stmt *st, int i, const char *v)
{
	if (v != NULL)
		sqlite3_bind_text(st, i, v, -1, SQLITE_STATIC);
}

/* Bind the article's own columns to parameters 2-12 (1 is the id on update). */
static void
bind_article(sqlite3_stmt *st, const struct dedup_article *a)
{
	sqlite3_bind_int64(st, 2, a->source_id);
	bind_text(st, 3, a->entry_id);
	if (a->raw_fp != NULL)
		sqlite3_bind_blob(st, 4, a->raw_fp, a->raw_fp_len, SQLITE_STATIC);
	bind_text(st, 5, a->title);
	bind_text(st, 6, a->link);
	if (a->published != 0)
		sqlite3_bind_int64(st, 7, a->published);
	bind_text(st, 8, a->author);
	bind_text(st, 9, a->summary);
	bind_text(st, 10, a->content);
	bind_text(st, 11, a->lang);
	sqlite3_bind_int64(st, 12, a->seen_at);
}

/* The content hash only when no other article holds it (the index is unique). */
#define HASH_UNLESS_HELD \
	"CASE WHEN ?15 IS NULL OR EXISTS (SELECT 1 FROM articles" \
	" WHERE content_hash = ?15 AND id IS NOT ?1) THEN NULL ELSE ?15 END"

/* Insert a new article with its identity; its id, or -1. */
static int64_t
article_insert(struct store *s, const struct dedup_article *a, int64_t story,
    const struct dedup_key *k)
{
	sqlite3_stmt *st;

	st = store_stmt(s, S_ART_INSERT, "INSERT INTO articles (source_id,"
	    " entry_id, raw_fp, title, link, published, author, summary, content,"
	    " lang, fetched_at, story_id, canonical_url, content_hash, title_hash,"
	    " simhash, band0, band1, band2, band3, words, shingles) VALUES"
	    " (?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, "
	    HASH_UNLESS_HELD ", ?16, ?17, ?18, ?19, ?20, ?21, ?22, ?23)");
	bind_article(st, a);
	bind_identity(st, story, k);
	if (step_done(s, st) == -1)
		return -1;
	return sqlite3_last_insert_rowid(store_db(s));
}

/* Replace the anchors of an article by the key's. */
static int
set_anchors(struct store *s, int64_t article, const struct dedup_key *k,
    int replace)
{
	sqlite3_stmt *st;

	if (replace) {
		st = store_stmt(s, S_ANCHOR_DEL,
		    "DELETE FROM anchors WHERE article_id = ?1");
		sqlite3_bind_int64(st, 1, article);
		if (step_done(s, st) == -1)
			return -1;
	}
	if (k->fp.words < DEDUP_MIN_WORDS)
		return 0;
	for (size_t i = 0; i < k->fp.nanchors; i++) {
		st = store_stmt(s, S_ANCHOR_ADD, "INSERT OR IGNORE INTO anchors"
		    " (hash, article_id) VALUES (?1, ?2)");
		sqlite3_bind_int64(st, 1, (int64_t)k->fp.anchors[i]);
		sqlite3_bind_int64(st, 2, article);
		if (step_done(s, st) == -1)
			return -1;
	}
	return 0;
}

/* Store an article's identity columns and anchors. */
int
store_dedup_set_identity(struct store *s, int64_t article, int64_t story,
    const struct dedup_key *k)
{
	sqlite3_stmt *st;

	st = store_stmt(s, S_IDENTITY, "UPDATE articles SET story_id = ?13,"
	    " canonical_url = ?14, content_hash = " HASH_UNLESS_HELD ","
	    " title_hash = ?16, simhash = ?17, band0 = ?18, band1 = ?19,"
	    " band2 = ?20, band3 = ?21, words = ?22, shingles = ?23,"
	    " text_pruned = 0 WHERE id = ?1");
	sqlite3_bind_int64(st, 1, article);
	bind_identity(st, story, k);
	if (step_done(s, st) == -1)
		return -1;
	return set_anchors(s, article, k, 1);
}

/* A story's first sight. */
int64_t
store_story_insert(struct store *s, int64_t first_article, const char *title,
    const char *url, int64_t seen_at)
{
	sqlite3_stmt *st;

	st = store_stmt(s, S_STORY_INSERT, "INSERT INTO stories (first_article,"
	    " first_seen, title, canonical_url) VALUES (?1, ?2, ?3, ?4)");
	if (first_article > 0)
		sqlite3_bind_int64(st, 1, first_article);
	sqlite3_bind_int64(st, 2, seen_at);
	bind_text(st, 3, title);
	bind_text(st, 4, url);
	if (step_done(s, st) == -1)
		return -1;
	return sqlite3_last_insert_rowid(store_db(s));
}

/* Name the first article of a story created before its article. */
static int
story_set_first(struct store *s, int64_t story, int64_t article)
{
	sqlite3_stmt *st;

	st = store_stmt(s, S_STORY_FIRST, "UPDATE stories SET first_article = ?2"
	    " WHERE id = ?1 AND first_article IS NULL");
	sqlite3_bind_int64(st, 1, story);
	sqlite3_bind_int64(st, 2, article);
	return step_done(s, st);
}

/* A sighting of a story. */
int
store_sighting_add(struct store *s, int64_t story, int64_t source,
    int64_t article, const char *url, int64_t seen_at)
{
	sqlite3_stmt *st;

	st = store_stmt(s, S_SIGHTING, "INSERT INTO sightings (story_id, source_id,"
	    " article_id, url, seen_at) VALUES (?1, ?2, ?3, ?4, ?5)");
	sqlite3_bind_int64(st, 1, story);
	sqlite3_bind_int64(st, 2, source);
	sqlite3_bind_int64(st, 3, article);
	bind_text(st, 4, url);
	sqlite3_bind_int64(st, 5, seen_at);
	return step_done(s, st);
}

/* Rule 1: the same source's entry; 1 known (r filled), 0 new, -1 error. */
static int
by_entry(struct store *s, const struct dedup_article *a, struct dedup_result *r)
{
	sqlite3_stmt	*st;
	const void	*fp;
	int		 rc;

	if (a->entry_id == NULL)
		return 0;
	st = store_stmt(s, S_BY_ENTRY, "SELECT id, raw_fp, story_id FROM articles"
	    " WHERE source_id = ?1 AND entry_id = ?2");
	sqlite3_bind_int64(st, 1, a->source_id);
	sqlite3_bind_text(st, 2, a->entry_id, -1, SQLITE_STATIC);
	if ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		r->article_id = sqlite3_column_int64(st, 0);
		fp = sqlite3_column_blob(st, 1);
		r->unchanged = a->raw_fp == NULL || (fp != NULL &&
		    (size_t)sqlite3_column_bytes(st, 1) == a->raw_fp_len &&
		    memcmp(fp, a->raw_fp, a->raw_fp_len) == 0);
		r->story_id = sqlite3_column_int64(st, 2);
		r->rule = DEDUP_SOURCE_ID;
	}
	sqlite3_reset(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return -1;
	return rc == SQLITE_ROW;
}

/* The same entry with changed content: new text and identity, same story. */
static int
article_update(struct store *s, const struct dedup_article *a,
    struct dedup_result *r)
{
	struct dedup_key	k;
	sqlite3_stmt		*st;
	int			 rc = -1;

	st = store_stmt(s, S_ART_UPDATE, "UPDATE articles SET raw_fp = ?4,"
	    " title = ?5, link = ?6, published = ?7, updated = ?12, author = ?8,"
	    " summary = ?9, content = ?10, lang = ?11 WHERE id = ?1");
	sqlite3_bind_int64(st, 1, r->article_id);
	bind_article(st, a);
	if (step_done(s, st) == -1)
		return -1;
	dedup_key_make(&k, a);
	if (store_dedup_set_identity(s, r->article_id, r->story_id, &k) == 0)
		rc = 0;
	dedup_key_clear(&k);
	r->updated = 1;
	return rc;
}

/* Insert a new article into its story (created on first sight). */
static int
article_new(struct store *s, const struct dedup_article *a,
    const struct dedup_key *k, struct dedup_result *r)
{
	const char *url = k->canonical_url != NULL ? k->canonical_url : a->link;

	if (r->rule == DEDUP_NEW) {
		r->story_id = store_story_insert(s, 0, a->title, url, a->seen_at);
		if (r->story_id == -1)
			return -1;
		r->new_story = 1;
	}
	if ((r->article_id = article_insert(s, a, r->story_id, k)) == -1)
		return -1;
	if (r->new_story && story_set_first(s, r->story_id, r->article_id) == -1)
		return -1;
	if (set_anchors(s, r->article_id, k, 0) == -1)
		return -1;
	return store_sighting_add(s, r->story_id, a->source_id, r->article_id,
	    url, a->seen_at);
}

/*
 * A changed fingerprint with the same title and text (a feed re-sending an old
 * item with a new date) is no update, nor is any change to an article whose text
 * retention pruned (an old item re-listed): remember the new fingerprint; 1 when
 * unchanged, 0 changed, -1 error.
 */
static int
same_text(struct store *s, const struct dedup_article *a, int64_t id)
{
	sqlite3_stmt	*st;
	int64_t		 same = 0;

	st = store_stmt(s, S_SAME_TEXT, "SELECT text_pruned OR (title IS ?2 AND"
	    " content IS ?3 AND summary IS ?4) FROM articles WHERE id = ?1");
	sqlite3_bind_int64(st, 1, id);
	bind_text(st, 2, a->title);
	bind_text(st, 3, a->content);
	bind_text(st, 4, a->summary);
	if (step_int64(s, st, &same) == -1)
		return -1;
	if (!same)
		return 0;
	st = store_stmt(s, S_RAW_FP, "UPDATE articles SET raw_fp = ?2 WHERE id = ?1");
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_blob(st, 2, a->raw_fp, a->raw_fp_len, SQLITE_STATIC);
	return step_done(s, st) == -1 ? -1 : 1;
}

/* An entry of the source seen before: unchanged, or an update; 0 or -1. */
static int
known_entry(struct store *s, const struct dedup_article *a,
    struct dedup_result *r)
{
	int rc;

	if (r->unchanged)
		return 0;
	if ((rc = same_text(s, a, r->article_id)) == 1) {
		r->unchanged = 1;
		return 0;
	}
	return rc == -1 ? -1 : article_update(s, a, r);
}

/* The whole identity step for one article (see store_dedup.h). */
int
store_dedup_ingest(struct store *s, const struct dedup_article *a,
    int near_distance, struct dedup_result *r, char **cause)
{
	struct dedup_key	k;
	int			rc;

	memset(r, 0, sizeof *r);
	if ((rc = by_entry(s, a, r)) == 1)
		rc = known_entry(s, a, r);
	else if (rc == 0) {
		dedup_key_make(&k, a);
		rc = store_dedup_lookup(s, &k, near_distance, r);
		if (rc != -1)
			rc = article_new(s, a, &k, r);
		dedup_key_clear(&k);
	}
	if (rc == -1)
		xasprintf(cause, "store: article %s: %s", a->entry_id != NULL ?
		    a->entry_id : "(no id)", sqlite3_errmsg(store_db(s)));
	return rc == -1 ? -1 : 0;
}

/* A pending alert keeps a story's articles from pruning. */
#define NOT_PENDING " AND NOT EXISTS (SELECT 1 FROM outbox o" \
	" WHERE o.story_id = articles.story_id AND o.state = 'pending')"
#define PICK_TEXT "SELECT id, story_id FROM articles WHERE fetched_at < ?1" \
	" AND text_pruned = 0"
#define PICK_OLD "SELECT id, story_id FROM articles WHERE fetched_at < ?1" \
	" AND text_pruned = 1"
#define PRUNE_MAX	1000	/* rows per batch at most */

/* 1 when the outbox table exists (the alerts part adds it). */
static int
has_outbox(struct store *s)
{
	sqlite3_stmt	*st;
	int64_t		 v;

	st = store_stmt(s, S_HAS_OUTBOX, "SELECT 1 FROM sqlite_master"
	    " WHERE type = 'table' AND name = 'outbox'");
	return step_int64(s, st, &v) == 1;
}

/* Pick up to n (article, story) pairs older than before; the count, or -1. */
static int
pick(struct store *s, sqlite3_stmt *st, int64_t before, int n, int64_t *ids)
{
	int got = 0, rc;

	sqlite3_bind_int64(st, 1, before);
	sqlite3_bind_int(st, 2, n);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		ids[2 * got] = sqlite3_column_int64(st, 0);
		ids[2 * got + 1] = sqlite3_column_int64(st, 1);
		got++;
	}
	sqlite3_reset(st);
	if (rc != SQLITE_DONE) {
		log_warnx("store: prune: %s", sqlite3_errmsg(store_db(s)));
		return -1;
	}
	return got;
}

/* Run a statement taking one id. */
static int
run_id(struct store *s, int slot, const char *sql, int64_t id)
{
	sqlite3_stmt *st = store_stmt(s, slot, sql);

	sqlite3_bind_int64(st, 1, id);
	return step_done(s, st);
}

/* Null the text of one article and drop its anchors. */
static int
prune_text(struct store *s, int64_t id)
{
	if (run_id(s, S_PRUNE_TEXT, "UPDATE articles SET content = NULL,"
	    " summary = NULL, shingles = NULL, text_pruned = 1 WHERE id = ?1",
	    id) == -1)
		return -1;
	return run_id(s, S_ANCHOR_DEL, "DELETE FROM anchors WHERE article_id = ?1",
	    id);
}

/* Delete one old article, and its story when it was the last one. */
static int
prune_old(struct store *s, int64_t id, int64_t story)
{
	if (run_id(s, S_ANCHOR_DEL, "DELETE FROM anchors WHERE article_id = ?1",
	    id) == -1 || run_id(s, S_OLD_DELETE, "DELETE FROM articles"
	    " WHERE id = ?1", id) == -1)
		return -1;
	return run_id(s, S_STORY_GONE, "DELETE FROM stories WHERE id = ?1 AND"
	    " NOT EXISTS (SELECT 1 FROM articles WHERE story_id = ?1)", story);
}

/* Retention, one batch (see store_dedup.h). */
int
store_dedup_prune(struct store *s, int64_t text_before, int64_t keys_before,
    int batch)
{
	int64_t	*ids, limit = time(NULL) - YEAR;
	int	 outbox = has_outbox(s), n, m, rc = 0;

	if (batch <= 0 || batch > PRUNE_MAX)
		batch = PRUNE_MAX;
	if (keys_before > limit)
		keys_before = limit;
	ids = xreallocarray(NULL, 2 * batch, sizeof *ids);
	n = pick(s, outbox ? store_stmt(s, S_PRUNE_PICK_OUTBOX, PICK_TEXT
	    NOT_PENDING " ORDER BY fetched_at LIMIT ?2") : store_stmt(s,
	    S_PRUNE_PICK, PICK_TEXT " ORDER BY fetched_at LIMIT ?2"),
	    text_before, batch, ids);
	for (int i = 0; i < n && rc == 0; i++)
		rc = prune_text(s, ids[2 * i]);
	m = rc == 0 && n >= 0 ? pick(s, outbox ? store_stmt(s, S_OLD_PICK_OUTBOX,
	    PICK_OLD NOT_PENDING " ORDER BY fetched_at LIMIT ?2") : store_stmt(s,
	    S_OLD_PICK, PICK_OLD " ORDER BY fetched_at LIMIT ?2"), keys_before,
	    batch, ids) : -1;
	for (int i = 0; i < m && rc == 0; i++)
		rc = prune_old(s, ids[2 * i], ids[2 * i + 1]);
	free(ids);
	if (rc == -1 || n == -1 || m == -1)
		return -1;
	return n + m;
}

#define ARTICLES_SQL							\
	"SELECT a.id AS id, a.story_id AS story, s.name AS source,"	\
	" a.published AS published, a.fetched_at AS fetched,"		\
	" a.title AS title, a.link AS link FROM articles a"		\
	" LEFT JOIN sources s ON s.id = a.source_id"			\
	" WHERE (?1 IS NULL OR s.name = ?1) AND a.fetched_at >= ?2"	\
	" ORDER BY a.fetched_at DESC, a.id DESC"
#define ARTICLE_SQL							\
	"SELECT a.id AS id, a.story_id AS story, s.name AS source,"	\
	" a.entry_id AS entry, a.title AS title, a.link AS link,"	\
	" a.canonical_url AS canonical_url, a.author AS author,"	\
	" a.published AS published, a.updated AS updated,"		\
	" a.fetched_at AS fetched, a.words AS words,"			\
	" a.text_pruned AS text_pruned, a.content AS content"		\
	" FROM articles a LEFT JOIN sources s ON s.id = a.source_id"	\
	" WHERE a.id = ?1"
#define SIGHTINGS_SQL							\
	"SELECT g.seen_at AS seen_at, s.name AS source, g.source_id AS"	\
	" source_id, g.article_id AS article, g.url AS url"		\
	" FROM sightings g LEFT JOIN sources s ON s.id = g.source_id"	\
	" WHERE g.story_id = ?1 ORDER BY g.seen_at, g.id"

/* Copy the current row's cells into the table. */
static void
table_add_row(struct store_table *t, sqlite3_stmt *st)
{
	struct store_cell *c;

	t->cells = xreallocarray(t->cells, (t->nrows + 1) * t->ncols,
	    sizeof *t->cells);
	c = &t->cells[t->nrows++ * t->ncols];
	for (size_t i = 0; i < t->ncols; i++, c++) {
		const unsigned char *v;

		c->type = sqlite3_column_type(st, (int)i);
		c->i = sqlite3_column_int64(st, (int)i);
		v = sqlite3_column_text(st, (int)i);
		c->len = (size_t)sqlite3_column_bytes(st, (int)i);
		c->text = NULL;
		if (v != NULL) {
			c->text = xmalloc(c->len + 1);
			memcpy(c->text, v, c->len + 1);
		}
	}
}

/* Read every row of a prepared statement into t, then finalize it. */
static void
table_fill(struct store_table *t, sqlite3_stmt *st)
{
	t->ncols = (size_t)sqlite3_column_count(st);
	t->names = xcalloc(t->ncols, sizeof *t->names);
	for (size_t i = 0; i < t->ncols; i++)
		t->names[i] = xstrdup(sqlite3_column_name(st, (int)i));
	while (sqlite3_step(st) == SQLITE_ROW)
		table_add_row(t, st);
	sqlite3_finalize(st);
}

/* Prepare one of the listing queries into an empty table; NULL on failure. */
static sqlite3_stmt *
table_prepare(struct store *s, const char *sql, struct store_table *t)
{
	sqlite3_stmt *st;

	memset(t, 0, sizeof *t);
	if (sqlite3_prepare_v2(store_db(s), sql, -1, &st, NULL) != SQLITE_OK)
		return NULL;
	return st;
}

/* The articles of a source (any when NULL) fetched at or after since. */
int
store_articles_list(struct store *s, const char *source, int64_t since,
    struct store_table *t, char **cause)
{
	sqlite3_stmt *st;

	if ((st = table_prepare(s, ARTICLES_SQL, t)) == NULL) {
		*cause = xstrdup(sqlite3_errmsg(store_db(s)));
		return -1;
	}
	if (source != NULL)
		sqlite3_bind_text(st, 1, source, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, since);
	table_fill(t, st);
	return 0;
}

/* The rows of a query over one id (?1) into t; 0, or -1. */
static int
table_by_id(struct store *s, const char *sql, int64_t id, struct store_table *t)
{
	sqlite3_stmt *st;

	if ((st = table_prepare(s, sql, t)) == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, id);
	table_fill(t, st);
	return 0;
}

/* One article's row. */
int
store_article_get(struct store *s, int64_t id, struct store_table *t)
{
	return table_by_id(s, ARTICLE_SQL, id, t);
}

/* A story's sightings, oldest first. */
int
store_story_sightings(struct store *s, int64_t story, struct store_table *t)
{
	return table_by_id(s, SIGHTINGS_SQL, story, t);
}

/* Free a table's names and cells. */
void
store_table_free(struct store_table *t)
{
	for (size_t i = 0; i < t->nrows * t->ncols; i++)
		free(t->cells[i].text);
	for (size_t i = 0; i < t->ncols; i++)
		free(t->names[i]);
	free(t->cells);
	free(t->names);
	memset(t, 0, sizeof *t);
}
