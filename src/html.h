/*
 * html: pure functions over a whole, size-capped HTML page (DESIGN.md's `html`
 * part): feed autodiscovery, article links of a listing page, the main text of an
 * article page, and a robots.txt evaluator. Nothing here opens a socket or a
 * file. Every function takes the body, its length, the URL it came from (used to
 * resolve relative links; may be NULL, then only absolute links survive) and the
 * charset from the HTTP Content-Type (may be NULL; a BOM or <meta charset> is
 * honoured otherwise). Work is bounded: nodes visited, text length, links.
 */
#ifndef NW_HTML_H
#define NW_HTML_H

#include <stddef.h>
#include <stdint.h>

#define HTML_MAX_NODES		200000	/* elements looked at per page */
#define HTML_MAX_DEPTH		256	/* deeper subtrees are ignored */
#define HTML_MAX_TEXT		(1024 * 1024)	/* bytes of extracted text */
#define HTML_MAX_LINKS		1000	/* links returned by html_list_links */
#define HTML_MAX_FEEDS		32	/* feeds returned by html_discover_feeds */

/* One link of a listing page; both strings are owned by the array. */
struct html_link {
	char	*url;		/* absolute, without fragment */
	char	*title;		/* anchor text (or title_xpath), never NULL */
};

/* An article page's extract; every string may be NULL except text. */
struct html_article {
	char	*title;
	char	*byline;	/* author name(s), without "By" */
	int64_t	 published;	/* Unix time UTC, 0 when absent */
	char	*canonical;	/* absolute URL */
	char	*text;		/* paragraphs separated by "\n\n"; "" if none */
	char	*lang;		/* e.g. "de", from <html lang> or metadata */
};

/*
 * Feed URLs announced by <link rel="alternate" type="application/rss+xml" (or
 * atom+xml, feed+json, json)>, absolute, in document order, without duplicates.
 * Returns a NULL-terminated array (empty when there are none) the caller frees
 * with html_strings_free.
 */
char	**html_discover_feeds(const char *buf, size_t len, const char *base_url,
	    const char *charset);
void	  html_strings_free(char **);

/*
 * Article links of a listing page. With link_xpath, each matching node gives one
 * link: an <a href>, an element containing one, or an attribute node (@href); the
 * title is title_xpath's string value evaluated with the matched node as context
 * (or the anchor text). Without link_xpath a heuristic picks links that look like
 * articles of the same site (see html.c, "listing heuristic"). Returns 0 and sets
 * *links and *nlinks (free with html_links_free), or -1 with *cause on a bad XPath or
 * an unparseable page.
 */
int	 html_list_links(const char *buf, size_t len, const char *base_url,
	    const char *charset, const char *link_xpath, const char *title_xpath,
	    struct html_link **links, size_t *nlinks, char **cause);
void	 html_links_free(struct html_link *, size_t);

/*
 * The article of a page: metadata (JSON-LD, Open Graph, meta tags, canonical link)
 * and the main text found by scoring content blocks (see html.c, "extraction").
 * The text excludes the headline, byline and dateline, navigation, related lists,
 * share buttons, cookie banners, comments, footers, figure captions (kept on
 * galleries) and syndication trailers. Returns NULL only if the page cannot be
 * parsed at all; free with html_article_free.
 */
struct html_article *html_extract(const char *buf, size_t len, const char *base_url,
	    const char *charset);
void	 html_article_free(struct html_article *);

/*
 * robots.txt (RFC 9309): groups by user-agent product token, falling back to "*";
 * Allow/Disallow with the longest matching pattern winning (Allow on a tie), '*'
 * and a final '$' as wildcards. robots_allowed(NULL, path) allows everything, as
 * does an empty or unparseable file. path is the URL's path and query.
 */
struct robots;
struct robots *robots_parse(const char *buf, size_t len, const char *agent);
int	 robots_allowed(const struct robots *, const char *path);
void	 robots_free(struct robots *);

#endif
