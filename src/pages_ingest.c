/*
 * pages_ingest: listings, feed autodiscovery and full_text pages between
 * ingest and the polling engine (see pages_ingest.h).
 */
#include "config.h"

#include <sys/queue.h>

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <event2/event.h>
#include <openssl/evp.h>

#include "conf.h"
#include "daemon.h"
#include "feed.h"
#include "feed_int.h"		/* feed_text_from_html */
#include "html.h"
#include "http.h"
#include "ingest.h"
#include "log.h"
#include "pages.h"
#include "pages_ingest.h"
#include "store.h"
#include "store_dedup.h"
#include "store_pages.h"
#include "text_url.h"
#include "xmalloc.h"

struct pages_ingest;

/* An entry waiting for its page, with what the listing or feed gave. */
struct pitem {
	struct pages_ingest	*pi;		/* NULL once the part is gone */
	char			*source;	/* name: the configuration may change */
	int64_t			 source_id;
	int			 first;
	int			 listing;	/* 1 listing link, 0 full_text entry */
	int			 attempts;	/* fetches that failed */
	int			 fetching;	/* a pages_fetch is out; else a retry waits */
	int64_t			 max_body;
	struct event		*retry_ev;
	char			*entry_id, *title, *link, *author, *summary;
	char			*content, *lang;
	int64_t			 published;
	unsigned char		 fp[32];
	size_t			 fplen;
	LIST_ENTRY(pitem)	 entry;
};

struct pages_ingest {
	struct daemon		*d;
	struct pages		*pages;
	LIST_HEAD(, pitem)	 items;
	int			 nitems;
	struct event		*after_ev;
	void			(*after_cb)(void *);
	void			*after_arg;
};

/* A copy of a string, NULL for NULL or empty. */
static char *
sdup(const char *s)
{
	return s != NULL && *s != '\0' ? xstrdup(s) : NULL;
}

/* ---- entries waiting for their page ---- */

/* The waiting entry of a source and id, or NULL. */
static struct pitem *
pitem_find(struct pages_ingest *pi, int64_t source_id, const char *id)
{
	struct pitem *it;

	LIST_FOREACH(it, &pi->items, entry)
		if (it->source_id == source_id && strcmp(it->entry_id, id) == 0)
			return it;
	return NULL;
}

/* A new waiting entry with its own copies of a's fields. */
static struct pitem *
pitem_new(struct pages_ingest *pi, const struct conf_source *cs, int64_t source_id,
    int first, const struct dedup_article *a)
{
	struct pitem *it = xcalloc(1, sizeof *it);

	it->pi = pi;
	it->source = xstrdup(cs->name);
	it->source_id = source_id;
	it->first = first;
	it->entry_id = xstrdup(a->entry_id);
	it->title = sdup(a->title);
	it->link = sdup(a->link);
	it->author = sdup(a->author);
	it->summary = sdup(a->summary);
	it->content = sdup(a->content);
	it->lang = sdup(a->lang);
	it->published = a->published;
	it->fplen = a->raw_fp_len < sizeof it->fp ? a->raw_fp_len : sizeof it->fp;
	memcpy(it->fp, a->raw_fp, it->fplen);
	LIST_INSERT_HEAD(&pi->items, it, entry);
	pi->nitems++;
	return it;
}

/* Run the --once waiter when nothing is pending any more. */
static void
check_idle(struct pages_ingest *pi)
{
	if (pi->nitems == 0 && pi->after_cb != NULL)
		event_active(pi->after_ev, EV_TIMEOUT, 0);
}

/* Free a waiting entry. */
static void
pitem_free(struct pitem *it)
{
	struct pages_ingest *pi = it->pi;

	if (pi != NULL) {
		LIST_REMOVE(it, entry);
		pi->nitems--;
		check_idle(pi);
	}
	if (it->retry_ev != NULL)
		event_free(it->retry_ev);
	free(it->source);
	free(it->entry_id);
	free(it->title);
	free(it->link);
	free(it->author);
	free(it->summary);
	free(it->content);
	free(it->lang);
	free(it);
}

/* ---- pages arriving ---- */

/* The article to store: what the listing or feed gave, and the page's extract. */
static void
article_of(struct dedup_article *a, const struct pitem *it,
    const struct html_article *art)
{
	memset(a, 0, sizeof *a);
	a->source_id = it->source_id;
	a->entry_id = it->entry_id;
	a->raw_fp = it->fp;
	a->raw_fp_len = it->fplen;
	a->title = it->title;
	a->link = it->link;
	a->author = it->author;
	a->summary = it->summary;
	a->content = it->content;
	a->lang = it->lang;
	a->published = it->published;
	if (art != NULL) {
		if (art->text != NULL && *art->text != '\0')
			a->content = art->text;
		if (it->listing && art->title != NULL)
			a->title = art->title;
		if (a->author == NULL)
			a->author = art->byline;
		if (a->published == 0)
			a->published = art->published;
		if (art->lang != NULL)
			a->lang = art->lang;
		a->canonical = art->canonical;
	}
	a->seen_at = (int64_t)time(NULL);
}

/* Commit a waiting entry, with its page's article when there is one. */
static void
commit(struct pitem *it, const struct conf_source *cs, const struct html_article *art)
{
	struct dedup_article	 a;
	struct ingest_stats	 stats;
	char			*cause;

	article_of(&a, it, art);
	if (ingest_article(it->pi->d, cs, it->source_id, &a, it->first, &stats,
	    &cause) == -1) {
		log_warnx("source %s: page %s: %s; retried at the next poll", cs->name,
		    a.link, cause);
		free(cause);
		return;
	}
	log_debug("source %s: page %s stored%s", cs->name, a.link,
	    art == NULL ? " without its text" : "");
}


static void	page_done_cb(const struct pages_page *, void *);

/* Fetch a waiting entry's page (again). */
static void
fetch(struct pitem *it)
{
	it->fetching = 1;
	pages_fetch(it->pi->pages, it->link, it->max_body, page_done_cb, it);
}

/* A retry's delay has passed. */
static void
retry_cb(evutil_socket_t fd, short events, void *arg)
{
	struct pitem *it = arg;

	(void)fd;
	(void)events;
	fetch(it);
}

/*
 * A page that failed: 0 when it is tried again a little later, 1 when the
 * daemon stops (left to the next poll), -1 when it is given up.
 */
static int
retry(struct pitem *it, const struct conf_source *cs, const struct pages_page *pg)
{
	static const int	delays[] = PAGES_RETRY_DELAYS;
	struct timeval		tv = { 0, 0 };

	if (pg->permanent || ++it->attempts >= PAGES_MAX_ATTEMPTS)
		return -1;
	if (it->pi->d->stopping)
		return 1;
	tv.tv_sec = delays[it->attempts - 1];
	log_warnx("source %s: page %s: %s (attempt %d of %d; again in %d s)",
	    cs->name, pg->url, pg->error, it->attempts, PAGES_MAX_ATTEMPTS,
	    (int)tv.tv_sec);
	if (it->retry_ev == NULL &&
	    (it->retry_ev = evtimer_new(it->pi->d->base, retry_cb, it)) == NULL)
		fatalx("pages: evtimer_new");
	evtimer_add(it->retry_ev, &tv);
	return 0;
}

/* A page arrived (or failed): commit its entry, retry, or fall back. */
static void
page_done_cb(const struct pages_page *pg, void *arg)
{
	struct pitem			*it = arg;
	const struct conf_source	*cs = NULL;
	int				 rc;

	it->fetching = 0;
	if (it->pi == NULL || pg->result == PAGES_CANCELLED ||
	    (cs = conf_find_source(it->pi->d->conf, it->source)) == NULL ||
	    !cs->enabled) {
		pitem_free(it);
		return;
	}
	if (pg->result == PAGES_OK)
		commit(it, cs, pg->article);
	else if ((rc = retry(it, cs, pg)) == 0)
		return;
	else if (rc == 1)
		log_info("source %s: page %s: %s; left to the next poll", cs->name,
		    pg->url, pg->error);
	else {
		log_info("source %s: page %s: %s; stored from the %s alone", cs->name,
		    pg->url, pg->error, it->listing ? "listing" : "feed");
		commit(it, cs, NULL);
	}
	pitem_free(it);
}

/* Queue an entry's page. */
static void
queue(struct pages_ingest *pi, const struct conf_source *cs, int64_t source_id,
    int first, const struct dedup_article *a, int listing)
{
	struct pitem *it = pitem_new(pi, cs, source_id, first, a);

	it->listing = listing;
	it->max_body = cs->max_body;
	log_debug("source %s: fetching page %s", cs->name, a->link);
	fetch(it);
}

/* ---- listings ---- */

/* One link of a listing: skipped, stored from the listing, or queued. */
static int
listing_link(struct ingest *in, struct daemon *d, const struct conf_source *cs,
    struct source_state *st, const struct html_link *l, int first,
    struct ingest_stats *stats)
{
	struct pages_ingest	*pi = d->pages;
	struct dedup_article	 a;
	unsigned char		 fp[32];
	char			*id;
	int			 rc = 0;

	if ((id = text_url_canonical(l->url, NULL)) == NULL)
		return 0;
	if (pi != NULL && pitem_find(pi, st->id, id) != NULL) {
		stats->pages++;			/* still on its way */
		free(id);
		return 0;
	}
	if ((rc = store_article_exists(d->store, st->id, id)) != 0) {
		stats->skipped += rc == 1;
		free(id);
		return rc == 1 ? 0 : -1;
	}
	EVP_Digest(id, strlen(id), fp, NULL, EVP_sha256(), NULL);
	memset(&a, 0, sizeof a);
	a.source_id = st->id;
	a.entry_id = id;
	a.raw_fp = fp;
	a.raw_fp_len = sizeof fp;
	a.title = l->title;
	a.link = l->url;
	a.seen_at = (int64_t)time(NULL);
	if (pi == NULL || (first && !cs->alert_on_first_fetch))
		rc = ingest_store(in, &a);
	else {
		stats->pages++;
		if (stats->pages <= PAGES_MAX_NEW)
			queue(pi, cs, st->id, first, &a, 1);
	}
	free(id);
	return rc;
}

/* A listing page: each new link stored or queued. */
static int
listing(struct ingest *in, struct daemon *d, const struct conf_source *cs,
    struct source_state *st, const struct http_response *r, int first,
    struct ingest_stats *stats)
{
	struct html_link	*links;
	size_t			 n;
	char			*cause;
	int			 rc = 0;

	if (html_list_links(r->body, r->len, r->effective_url, r->charset,
	    cs->link_xpath, cs->title_xpath, &links, &n, &cause) == -1) {
		stats->not_feed = 1;
		free(st->last_error);
		xasprintf(&st->last_error, "listing: %s", cause);
		free(cause);
		return 0;
	}
	stats->entries = (int)n;
	for (size_t i = 0; i < n && rc == 0; i++)
		rc = listing_link(in, d, cs, st, &links[i], first, stats);
	html_links_free(links, n);
	st->first_fetch_done = 1;
	if (stats->pages > 0)
		log_debug("source %s: %d links, %d pages pending", cs->name,
		    (int)n, stats->pages);
	return rc;
}

/* ---- autodiscovery ---- */

/* Forget the discovered feed and the validators of whatever was polled last. */
static void
drop_feed(struct source_state *st, struct ingest_stats *stats)
{
	free(st->feed_url);
	st->feed_url = NULL;
	free(st->etag);
	st->etag = NULL;
	free(st->last_modified);
	st->last_modified = NULL;
	if (stats != NULL)
		stats->feed_changed = 1;
}

/* An HTML page where a feed was expected: does it announce one? */
static int
discover(const struct conf_source *cs, struct source_state *st,
    const struct http_response *r, struct ingest_stats *stats)
{
	char	**feeds;
	int	  rc = 1;

	if (st->feed_url != NULL) {
		/* the discovered feed is no feed now: back to the page next time */
		log_warnx("source %s: %s is no longer a feed; rediscovering",
		    cs->name, st->feed_url);
		drop_feed(st, stats);
		return 1;
	}
	feeds = html_discover_feeds(r->body, r->len, r->effective_url, r->charset);
	if (feeds[0] != NULL) {
		drop_feed(st, stats);
		st->feed_url = xstrdup(feeds[0]);
		free(st->last_error);
		st->last_error = NULL;
		stats->discovered = 1;		/* poller.c logs it and polls it */
		rc = 0;
	}
	html_strings_free(feeds);
	return rc;
}

/* See pages_ingest.h. */
int
pages_ingest_html(struct ingest *in, struct daemon *d, const struct conf_source *cs,
    struct source_state *st, const struct http_response *r, int first,
    struct ingest_stats *stats)
{
	if (cs->type == SOURCE_HTML)
		return listing(in, d, cs, st, r, first, stats);
	return discover(cs, st, r, stats);
}

/* See pages_ingest.h. */
int
pages_ingest_feed_check(struct source_state *st, const struct http_response *r,
    const char *name)
{
	int gone;

	if (st->feed_url == NULL || r->result == HTTP_OK ||
	    r->result == HTTP_NOT_MODIFIED || r->result == HTTP_CANCELLED)
		return 0;
	gone = r->result == HTTP_STATUS && (r->status == 404 || r->status == 410);
	if (!gone && st->failures + 1 < PAGES_FEED_FAILURES)
		return 0;
	log_warnx("source %s: discovered feed %s %s; rediscovering", name,
	    st->feed_url, gone ? "is gone" : "keeps failing");
	drop_feed(st, NULL);
	return 1;
}

/* ---- full_text ---- */

/* A text field of an entry as plain text, NULL if empty. */
static char *
plain(const char *s, int html)
{
	if (s == NULL || *s == '\0')
		return NULL;
	return html ? feed_text_from_html(s) : xstrdup(s);
}

/* See pages_ingest.h. */
int
pages_ingest_full_text(struct daemon *d, const struct conf_source *cs,
    int64_t source_id, const struct feed_entry *e, const char *lang, int first)
{
	struct pages_ingest	*pi = d->pages;
	struct dedup_article	 a;
	char			*summary, *content;

	if (pi == NULL || e->link == NULL || (first && !cs->alert_on_first_fetch))
		return 0;
	if (pitem_find(pi, source_id, e->id) != NULL)
		return 1;
	summary = plain(e->summary, e->summary_html);
	content = plain(e->content, e->content_html);
	memset(&a, 0, sizeof a);
	a.source_id = source_id;
	a.entry_id = e->id;
	a.raw_fp = e->fingerprint;
	a.raw_fp_len = sizeof e->fingerprint;
	a.title = e->title;
	a.link = e->link;
	if (e->nauthors > 0)
		a.author = e->authors[0].name != NULL ? e->authors[0].name :
		    e->authors[0].email;
	a.summary = summary;
	a.content = content;
	a.lang = lang;
	a.published = e->published != 0 ? e->published : e->updated;
	queue(pi, cs, source_id, first, &a, 0);
	free(summary);
	free(content);
	return 1;
}

/* ---- the daemon part ---- */

/* The --once waiter's turn. */
static void
after_cb(evutil_socket_t fd, short events, void *arg)
{
	struct pages_ingest	*pi = arg;
	void			(*cb)(void *) = pi->after_cb;

	(void)fd;
	(void)events;
	if (cb == NULL || pi->nitems > 0)
		return;
	pi->after_cb = NULL;
	cb(pi->after_arg);
}

/* See pages_ingest.h. */
void
pages_ingest_after(struct daemon *d, void (*cb)(void *), void *arg)
{
	struct pages_ingest *pi = d->pages;

	if (pi == NULL) {
		cb(arg);
		return;
	}
	pi->after_cb = cb;
	pi->after_arg = arg;
	check_idle(pi);
}

/* pages part: the page fetcher on the daemon's http. */
static int
pages_start(struct daemon *d, char **cause)
{
	struct pages_ingest *pi;

	(void)cause;
	pi = d->pages = xcalloc(1, sizeof *pi);
	pi->d = d;
	pi->pages = pages_new(d->base, d->http, d->conf->daemon.user_agent);
	if ((pi->after_ev = event_new(d->base, -1, 0, after_cb, pi)) == NULL)
		fatalx("pages: event_new");
	LIST_INIT(&pi->items);
	return 0;
}

/* pages part: a new user agent means new robots.txt rules. */
static void
pages_reload(struct daemon *d, struct conf *old)
{
	(void)old;
	pages_set_agent(d->pages->pages, d->conf->daemon.user_agent);
}

/* pages part: retries waiting are left to the next poll. */
static void
pages_stop(struct daemon *d)
{
	struct pitem *it, *next;

	for (it = LIST_FIRST(&d->pages->items); it != NULL; it = next) {
		next = LIST_NEXT(it, entry);
		if (!it->fetching)
			pitem_free(it);
	}
}

/* pages part: pages still on their way. */
static int
pages_busy(struct daemon *d)
{
	return d->pages->nitems > 0;
}

/* pages part: what still waits is dropped (the next poll sees it again). */
static void
pages_part_free(struct daemon *d)
{
	struct pages_ingest	*pi = d->pages;
	struct pitem		*it;

	while ((it = LIST_FIRST(&pi->items)) != NULL) {
		LIST_REMOVE(it, entry);
		it->pi = NULL;
		if (!it->fetching)
			pitem_free(it);		/* a retry waited */
	}				/* the others: their callback frees them */
	pages_free(pi->pages);
	event_free(pi->after_ev);
	free(pi);
	d->pages = NULL;
}

const struct daemon_part pages_part = {
	"pages", pages_start, pages_reload, pages_stop, pages_busy, pages_part_free
};
