/*
 * store_pages: what the page side of ingest (pages_ingest.c) asks the store.
 * Statement slots 224-231 (store.h).
 */
#ifndef NW_STORE_PAGES_H
#define NW_STORE_PAGES_H

#include <stdint.h>

struct store;

/*
 * Whether the source already stored an article under this entry id (for a
 * listing: its canonical link): 1 yes, 0 no, -1 on a database error.
 */
int	store_article_exists(struct store *, int64_t source_id, const char *entry_id);

#endif
