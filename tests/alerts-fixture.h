/* alerts-fixture: hand-made articles, stories and sightings for the alerts tests. */
#ifndef NW_ALERTS_FIXTURE_H
#define NW_ALERTS_FIXTURE_H

#include <stdint.h>

struct store;
struct daemon;

/* A source's id by name (the sources are synced from the configuration). */
int64_t	fx_source(struct store *, const char *name);
/*
 * Store an article of a source; a new story when story is 0, else a sighting
 * of story. Sets *article and returns the story id (fatal on error).
 */
int64_t	fx_article(struct store *, int64_t source, const char *entry,
	    const char *title, const char *link, int64_t story, int64_t *article);
/* Store an article and run watch_article on it in one transaction; the story. */
int64_t	fx_ingest(struct daemon *, const char *source, const char *entry,
	    const char *title, const char *text, int64_t story, int alert);

#endif
