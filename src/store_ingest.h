/*
 * store_ingest: the statements of ingest's steady state (slots 192-223,
 * store.h): whether a source's response body is the one stored last time,
 * whether an entry is already stored with the same raw fingerprint, and
 * whether a source already carries a story.
 */
#ifndef NW_STORE_INGEST_H
#define NW_STORE_INGEST_H

#include <stddef.h>
#include <stdint.h>

struct store;

/* Length of the raw fingerprints stored before XXH3-128: SHA-256. */
#define STORE_INGEST_OLD_FP	32

/*
 * The pipeline's migration (after the outbox's): sources.body_hash, the hash of the
 * last response body that was parsed and stored whole (XXH3-128; SHA-256 in older
 * databases, which then simply differs once): the same bytes again are not parsed.
 */
extern const char store_migration_ingest[];

/* 1 when the source's last stored body had this hash, 0 if not, -1 error. */
int	store_ingest_body_same(struct store *, int64_t source_id,
	    const unsigned char *hash, size_t len);
/* Remember the hash of the body just stored (NULL: none); 0 or -1. */
int	store_ingest_body_set(struct store *, int64_t source_id,
	    const unsigned char *hash, size_t len);
/*
 * 1 when (source, entry id) is stored with this raw fingerprint, 0 if not, -1
 * error; 2 when it is stored with an older fingerprint of another length
 * (STORE_INGEST_OLD_FP bytes: SHA-256), copied to old for the caller to compare.
 */
int	store_ingest_known(struct store *, int64_t source_id, const char *entry_id,
	    const void *fp, size_t fplen, unsigned char old[STORE_INGEST_OLD_FP]);
/* Replace the raw fingerprint of (source, entry id); 0 or -1. */
int	store_ingest_fp_set(struct store *, int64_t source_id, const char *entry_id,
	    const void *fp, size_t fplen);
/* 1 when another article of the source belongs to the story, 0 if not, -1 error. */
int	store_ingest_carries(struct store *, int64_t source_id, int64_t story_id,
	    int64_t except_article);

#endif
