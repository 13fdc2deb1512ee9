/*
 * text_url: canonical URLs, the second identity key of an article (DESIGN.md,
 * issue 6). Pure: no I/O.
 */
#ifndef NW_TEXT_URL_H
#define NW_TEXT_URL_H

/*
 * The canonical form of url, resolved against base when url is relative (base may
 * be NULL): scheme and host lower-cased, default port, fragment, user info and
 * tracking parameters (text_url_tracking) dropped, dot segments resolved, an
 * empty query dropped, the order of the remaining parameters kept. A new string,
 * or NULL when url is not http(s) or cannot be parsed.
 */
char	*text_url_canonical(const char *url, const char *base);

/* 1 when the query parameter name is a tracking parameter (case-insensitive). */
int	 text_url_tracking(const char *name, size_t len);

#endif
