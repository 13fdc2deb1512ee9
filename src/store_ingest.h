/*
 * store_ingest: the statements of ingest's steady state (slots 192-223,
 * store.h): whether a source's entry is already stored with the same raw
 * fingerprint, and whether a source already carries a story.
 */
#ifndef NW_STORE_INGEST_H
#define NW_STORE_INGEST_H

#include <stddef.h>
#include <stdint.h>

struct store;

/* 1 when (source, entry id) is stored with this raw fingerprint, 0 if not, -1 error. */
int	store_ingest_known(struct store *, int64_t source_id, const char *entry_id,
	    const void *fp, size_t fplen);
/* 1 when another article of the source belongs to the story, 0 if not, -1 error. */
int	store_ingest_carries(struct store *, int64_t source_id, int64_t story_id,
	    int64_t except_article);

#endif
