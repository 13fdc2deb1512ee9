/*
 * ingest: one finished transfer into the store (DESIGN.md, http → ingest).
 *
 * One response is one transaction: the articles, sightings, story identity and
 * the watchlist step (watch_article, src/watch.h) of its entries, together with
 * the source's new fetch state (validators, next due time, error counters,
 * last_* columns, first_fetch_done). A 304 costs no parsing; nor does a 2xx
 * body identical to the last one stored (its SHA-256 is kept per source); a
 * failure records only the state. Entries already stored with the same raw
 * fingerprint are skipped with one prepared SELECT before any other work.
 *
 * First sight: while a source's first_fetch_done is 0 (never fetched, or its
 * URL changed), what it lists is recorded as seen and watch_article is told not
 * to alert, unless the source sets alert_on_first_fetch.
 *
 * A source of type auto whose URL gives an HTML page announcing a feed
 * (<link rel="alternate">) gets that feed as its feed_url, fetched from then on.
 */
#ifndef NW_INGEST_H
#define NW_INGEST_H

#include <stdint.h>

struct conf_source;
struct daemon;
struct dedup_article;
struct http_response;
struct source_state;

/* What one response gave. */
struct ingest_stats {
	int	 entries;	/* entries in the feed */
	int	 skipped;	/* known, same bytes (or same text) */
	int	 new_stories;
	int	 sightings;	/* a known story on this source for the first time */
	int	 copies;	/* a known story again on the same source */
	int	 updates;
	int	 not_feed;	/* a 2xx body that was no feed */
	int	 pages;		/* pages queued (listing, full_text): validators kept back */
	int	 discovered;	/* a feed was discovered: poll it now */
	int	 feed_changed;	/* feed_url set or cleared: validators dropped */
	int	 same_body;	/* the bytes stored last time: not parsed */
};

/*
 * Commit one response. st is the source's state, already advanced by sched
 * (next due, failures, last_*); ingest adds the validators of a 2xx and
 * first_fetch_done, and saves st in the same transaction as the articles. On
 * -1 (*cause set) everything was rolled back and st's validators and
 * first_fetch_done are as they were: the caller retries the fetch later.
 */
int	ingest_response(struct daemon *, const struct conf_source *,
	    struct source_state *st, const struct http_response *,
	    struct ingest_stats *, char **cause);

/*
 * For pages_ingest.c: one article through identity, store and the watch step,
 * inside the transaction of the response being ingested (in).
 */
struct ingest;
int	ingest_store(struct ingest *in, const struct dedup_article *);

/*
 * For pages_ingest.c: an article whose page arrived after its listing or feed
 * was committed, in its own transaction. first: the source was on first sight
 * when it was listed (no alert unless alert_on_first_fetch). 0, or -1 with
 * *cause (rolled back).
 */
int	ingest_article(struct daemon *, const struct conf_source *, int64_t source_id,
	    const struct dedup_article *, int first, struct ingest_stats *,
	    char **cause);

#endif
