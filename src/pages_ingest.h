/*
 * pages_ingest: the page side of ingest (DESIGN.md; issue 5). ingest.c and
 * poller.c call it; it fetches pages through src/pages.h and commits what they
 * give through ingest_article().
 *
 * Listing sources (type = "html"): html_list_links() gives the links
 * (link_xpath/title_xpath or the heuristic); the entry id of a link is its
 * canonical URL (text_url_canonical). A link already stored for the source is
 * skipped; each new one's page is fetched and extracted, and the article
 * commits when its page arrives (its own transaction).
 *
 * Feed autodiscovery (type = "auto"): an HTML page announcing a feed (<link
 * rel="alternate">) sets sources.feed_url (committed with the fetch state) and
 * the source is polled through that feed at once and from then on. The feed is
 * rediscovered from the configured URL when it answers 404 or 410, stops being a
 * feed, or fails PAGES_FEED_FAILURES times in a row.
 *
 * full_text feeds: a new or changed entry with a link waits for its page; its
 * extracted text becomes the entry's content before identity and matching.
 *
 * First sight (the source's first_fetch_done is 0, as ingest.h defines it):
 * unless alert_on_first_fetch, no page is fetched. A listing's links are stored
 * from the listing alone (title and link) and a full_text feed's entries with the
 * feed's content: nothing alerts on first sight anyway, so the page fetches would
 * only load the sites; the links are what later polls compare against. With
 * alert_on_first_fetch, pages are fetched on first sight too.
 *
 * Never losing an entry: a page that fails for now (5xx, 404, 408, 429, time,
 * network, robots.txt unavailable) is fetched again after PAGES_RETRY_DELAYS,
 * PAGES_MAX_ATTEMPTS times in all; one that fails for good (robots.txt disallows
 * it, other 4xx, not HTML, too large, the address rule) or every time commits the
 * entry from the listing or feed alone (logged once; a listing's link is then
 * known and not fetched again). While any page of a response is pending, ingest
 * keeps the source's old validators, so if the daemon stops (or the commit
 * fails) before the page arrived, the next poll sees the whole body again and
 * queues what is still missing; --once waits for the pages and their retries.
 */
#ifndef NW_PAGES_INGEST_H
#define NW_PAGES_INGEST_H

#include <stdint.h>

struct conf_source;
struct daemon;
struct daemon_part;
struct feed_entry;
struct http_response;
struct ingest;
struct ingest_stats;
struct source_state;

#define PAGES_MAX_ATTEMPTS	3	/* fetches of a page before falling back */
#define PAGES_RETRY_DELAYS	{ 1, 5 }	/* seconds before the 2nd and 3rd */
#define PAGES_MAX_NEW		100	/* page fetches queued per listing poll */
#define PAGES_FEED_FAILURES	3	/* failures of a discovered feed before rediscovery */

/* The daemon part ("pages"): list it after the http and sched parts. */
extern const struct daemon_part pages_part;

/*
 * A 2xx body that is not read as a feed, inside ingest's transaction: a listing
 * (type html), or autodiscovery (type auto). 0 handled (stats->pages counts the
 * pages queued, stats->discovered a new feed_url), 1 not handled (no feed
 * announced: not a feed), -1 on a store error (ingest rolls back).
 */
int	pages_ingest_html(struct ingest *, struct daemon *, const struct conf_source *,
	    struct source_state *, const struct http_response *, int first,
	    struct ingest_stats *);

/*
 * A new or changed entry of a full_text feed: 1 when it waits for its page (or
 * already does), 0 when ingest stores it now with the feed's content.
 */
int	pages_ingest_full_text(struct daemon *, const struct conf_source *,
	    int64_t source_id, const struct feed_entry *, const char *lang, int first);

/*
 * Before sched records a response of a source polled through its discovered
 * feed: clear feed_url when the feed is gone (404, 410) or failed too often, so
 * the next poll rediscovers it. 1 when cleared (the response is then a plain
 * failure, not a 410 that disables the source), else 0.
 */
int	pages_ingest_feed_check(struct source_state *, const struct http_response *,
	    const char *name);

/* Run cb(arg) from the loop once no page is pending (the --once cycle). */
void	pages_ingest_after(struct daemon *, void (*cb)(void *), void *arg);

#endif
