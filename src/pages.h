/*
 * pages: article pages fetched through the polling engine (the page side of
 * DESIGN.md's `ingest` part), for listing sources and `full_text` feeds.
 *
 * pages_fetch() checks the host's robots.txt (RFC 9309: fetched once per host
 * and kept PAGES_ROBOTS_TTL; 4xx means no rules, 5xx or a network error means
 * "disallow everything" until it is retried PAGES_ROBOTS_RETRY later), then
 * fetches the page with http_request(from_network = 1), so the politeness caps,
 * the limits and the address rule apply, and extracts it with html_extract().
 * The callback runs exactly once, from the loop, never inside pages_fetch().
 *
 * A robots.txt that the address rule refuses gives no rules: the page request
 * itself then meets the same rule and is refused by http (PAGES_REFUSED).
 *
 * No SQL and no store here: what a page means for a source is the caller's
 * (src/pages_ingest.c).
 */
#ifndef NW_PAGES_H
#define NW_PAGES_H

#include <stddef.h>
#include <stdint.h>

struct event_base;
struct http;
struct html_article;

#define PAGES_ROBOTS_TTL	(24 * 3600 * 1000LL)	/* ms a robots.txt is kept */
#define PAGES_ROBOTS_RETRY	(10 * 60 * 1000LL)	/* ms after a 5xx/network error */
#define PAGES_ROBOTS_MAX_BODY	(512 * 1024)		/* bytes read of a robots.txt */
#define PAGES_MAX_HOSTS		4096			/* robots.txt cache entries */

/* How a page fetch ended. */
enum pages_result {
	PAGES_OK,		/* 2xx and extracted: article is set */
	PAGES_ROBOTS,		/* robots.txt disallows it: not requested */
	PAGES_REFUSED,		/* address rule or scheme: not requested */
	PAGES_FAILED,		/* status, network, time, size, not HTML */
	PAGES_CANCELLED,	/* pages_free() or the daemon stopping */
};

/* A finished page, borrowed until the callback returns. */
struct pages_page {
	enum pages_result	 result;
	int			 permanent;	/* retrying will not help (404, robots…) */
	const char		*url;		/* as requested */
	const char		*final_url;	/* after redirects; NULL if none */
	int			 status;	/* HTTP status, 0 if none */
	const struct html_article *article;	/* PAGES_OK only */
	const char		*error;		/* NULL on PAGES_OK */
};

typedef void	(*pages_done_cb)(const struct pages_page *, void *arg);

/* Create on the daemon's loop and http; agent names us to robots.txt (NULL: "newswatch"). */
struct pages	*pages_new(struct event_base *, struct http *, const char *agent);
/*
 * Stop: every fetch not yet called back is cancelled and its callback runs with
 * PAGES_CANCELLED (inside pages_free for those decided already, later or inside
 * http_free for transfers); the object goes with the last of them. Call no
 * other pages function afterwards. NULL does nothing.
 */
void		 pages_free(struct pages *);
/* Change the agent (reload); the robots.txt cache is dropped. */
void		 pages_set_agent(struct pages *, const char *agent);
/* Fetch and extract a page; max_body 0 is http's default. */
void		 pages_fetch(struct pages *, const char *url, int64_t max_body,
		     pages_done_cb, void *arg);
/* Page fetches not yet called back (robots.txt waits included). */
int		 pages_pending(struct pages *);
/* A result's name, for logs. */
const char	*pages_result_name(enum pages_result);

#endif
