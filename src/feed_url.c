/*
 * feed_url: relative links in feeds resolved against xml:base or the document URL.
 *
 * curl_url does the resolving. A news entry's HTML carries dozens of links, and
 * curl_url parses the base and then the joined URL again for each one, which
 * made resolving links most of the parser's time on real feeds. So the base's
 * directory (and in it its origin, "https://host") is asked of curl once per
 * base, and a reference made only of characters curl passes through unchanged,
 * with no dot segment, is joined to it directly when the base is http or https:
 * the same string curl returns (test-feed compares both ways on random
 * references and bases of every shape). Anything else goes to curl.
 */
#include "config.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <curl/curl.h>

#include "feed_int.h"
#include "xmalloc.h"

/* Does s start with a URL scheme ("http:", "mailto:")? */
static int
has_scheme(const char *s)
{
	const char *p = s;

	if (!isalpha((unsigned char)*p))
		return 0;
	while (isalnum((unsigned char)*p) || *p == '+' || *p == '-' || *p == '.')
		p++;
	return *p == ':' && p - s <= 32;
}

/* ref resolved against base by curl_url alone; NULL when curl cannot. */
static char *
curl_resolve(const char *base, const char *ref)
{
	CURLU *u;
	char *out = NULL, *r = NULL;

	if ((u = curl_url()) == NULL)
		return NULL;
	if (curl_url_set(u, CURLUPART_URL, base, CURLU_NON_SUPPORT_SCHEME) == CURLUE_OK &&
	    curl_url_set(u, CURLUPART_URL, ref, CURLU_NON_SUPPORT_SCHEME) == CURLUE_OK &&
	    curl_url_get(u, CURLUPART_URL, &out, 0) == CURLUE_OK) {
		r = xstrdup(out);
		curl_free(out);
	}
	curl_url_cleanup(u);
	return r;
}

/*
 * Make the cache describe base: its directory as curl writes it (what curl
 * makes of base and "x", less the "x"), and how much of that is the origin
 * ("scheme://authority", up to the first '/' after "://"). Only http and https:
 * curl joins other schemes its own ways (file: drops the query).
 */
static void
base_learn(struct feed_base *b, const char *base)
{
	char *file = curl_resolve(base, "x"), *auth;
	size_t n = file != NULL ? strlen(file) : 0, origin;

	feed_base_free(b);
	b->url = xstrdup(base);
	if (n < 2 || file[n - 1] != 'x' || file[n - 2] != '/' ||
	    (strncmp(file, "http://", 7) != 0 && strncmp(file, "https://", 8) != 0)) {
		free(file);
		return;
	}
	auth = strstr(file, "://") + 3;
	origin = (size_t)(auth - file) + strcspn(auth, "/");
	if (origin > n - 2) {		/* no path: not a URL to join to */
		free(file);
		return;
	}
	file[n - 1] = '\0';
	b->dir = file;
	b->dir_len = n - 1;
	b->origin_len = origin;
}

/* Does b know base's directory (learning it when it describes another base)? */
static int
base_known(struct feed_base *b, const char *base)
{
	if (b->url == NULL || strcmp(b->url, base) != 0)
		base_learn(b, base);
	return b->dir != NULL;
}

/*
 * Can ref be joined to the base's origin or directory as it is? Only characters
 * curl leaves alone, and no "." or ".." segment (nor anything that could start
 * one, nor "//" or "?" first, which curl joins differently, nor an empty query,
 * which curl drops).
 */
static int
plain_ref(const char *ref, size_t len)
{
	size_t i;
	char c;

	if (len == 0 || ref[0] == '.' || ref[0] == '?' || ref[len - 1] == '?' ||
	    (ref[0] == '/' && len > 1 && ref[1] == '/'))
		return 0;
	for (i = 0; i < len; i++) {
		c = ref[i];
		if (!((c | 0x20) >= 'a' && (c | 0x20) <= 'z') && !(c >= '0' && c <= '9') &&
		    (c == '\0' || strchr("-._~/?=&", c) == NULL))
			return 0;
		if (ref[i] == '/' && i + 1 < len && ref[i + 1] == '.')
			return 0;
	}
	return 1;
}

/* ref (len bytes, no scheme) resolved against base; an allocated string or NULL. */
static char *
resolve(struct feed_base *b, const char *base, const char *ref, size_t len)
{
	char *r, *s;
	size_t n;

	if (b != NULL && plain_ref(ref, len) && base_known(b, base)) {
		n = ref[0] == '/' ? b->origin_len : b->dir_len;
		r = xmalloc(n + len + 1);
		memcpy(r, b->dir, n);
		memcpy(r + n, ref, len);
		r[n + len] = '\0';
		return r;
	}
	s = xstrndup(ref, len);
	r = curl_resolve(base, s);
	if (r == NULL)
		return s;
	free(s);
	return r;
}

/* Forget what a feed_base learned. */
void
feed_base_free(struct feed_base *b)
{
	free(b->url);
	free(b->dir);
	memset(b, 0, sizeof *b);
}

/*
 * Resolve ref against base (either may be NULL); an allocated string or NULL.
 * b, when not NULL, keeps what it learns about base for the next call.
 */
char *
feed_url_resolve(struct feed_base *b, const char *base, const char *ref)
{
	if (ref == NULL || *ref == '\0')
		return NULL;
	if (base == NULL || *base == '\0' || has_scheme(ref))
		return xstrdup(ref);
	return resolve(b, base, ref, strlen(ref));
}

/* Is c one that may precede an attribute name? */
static int
attr_sep(char c)
{
	return isspace((unsigned char)c) || c == '"' || c == '\'';
}

/*
 * The value of an href or src attribute whose '=' is at eq in the HTML s:
 * 1 with *v and *vlen set, else 0.
 */
static int
url_attr(const char *s, const char *eq, const char **v, size_t *vlen)
{
	const char *n = eq, *end;
	size_t k;

	while (n > s && isspace((unsigned char)n[-1]))
		n--;
	k = (size_t)(n - s);
	if (!(k > 4 && strncasecmp(n - 4, "href", 4) == 0 && attr_sep(n[-5])) &&
	    !(k > 3 && strncasecmp(n - 3, "src", 3) == 0 && attr_sep(n[-4])))
		return 0;
	for (n = eq + 1; isspace((unsigned char)*n); n++)
		;
	if (*n == '"' || *n == '\'') {
		if ((end = strchr(n + 1, *n)) == NULL)
			return 0;
		n++;
	} else
		end = n + strcspn(n, " \t\r\n>");
	*v = n;
	*vlen = (size_t)(end - n);
	return 1;
}

/*
 * The HTML html (len bytes) with its relative href and src URLs resolved against
 * base, written to out: 1 when out holds it, 0 when no URL needed resolving (out
 * untouched). One memchr pass for '=' when none does.
 */
int
feed_html_resolve(struct feed_base *b, const char *base, const char *html,
    size_t len, struct feed_buf *out)
{
	const char *s, *from, *eq, *v, *end = html + len;
	char *abs;
	size_t vlen;
	int n = 0;

	if (html == NULL || base == NULL || *base == '\0')
		return 0;
	for (s = from = html; (eq = memchr(s, '=', (size_t)(end - s))) != NULL &&
	    n < 4 * FEED_MAX_LIST;) {
		s = eq + 1;
		if (!url_attr(html, eq, &v, &vlen) || vlen == 0 || vlen > 4096 ||
		    v + vlen > end || has_scheme(v))
			continue;
		abs = resolve(b, base, v, vlen);
		if (strlen(abs) != vlen || memcmp(abs, v, vlen) != 0) {
			if (n++ == 0) {
				out->cap = len + len / 8 + 256;
				out->p = xmalloc(out->cap);
				out->len = 0;
			}
			feed_buf_add(out, from, (size_t)(v - from));
			feed_buf_add(out, abs, strlen(abs));
			s = from = v + vlen;
		}
		free(abs);
	}
	if (n == 0)
		return 0;
	feed_buf_add(out, from, (size_t)(end - from));
	return 1;
}

/* feed_html_resolve on a string of the caller's: html, or a new one and html freed. */
char *
feed_html_resolved(struct feed_base *b, const char *base, char *html)
{
	struct feed_buf out = { 0 };

	if (html == NULL || !feed_html_resolve(b, base, html, strlen(html), &out))
		return html;
	free(html);
	return out.p;
}
