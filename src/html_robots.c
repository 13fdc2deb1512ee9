/*
 * html_robots: a robots.txt evaluator (RFC 9309) for the page fetches of the
 * polling engine. robots_parse keeps only the rules that apply to one user agent:
 * those of every group naming its product token (case-blind), or else those of
 * the "*" groups. robots_allowed picks the longest matching pattern; Allow wins
 * a tie; no match allows. Patterns match a prefix of the path, '*' matches any
 * run of bytes and a final '$' anchors the end. Percent-encoding is compared as
 * written. Bounded: 512 KiB of input, 1000 rules, 512-byte patterns.
 */
#include "config.h"

#include <ctype.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "html.h"
#include "xmalloc.h"

#define ROBOTS_MAX_BYTES	(512 * 1024)
#define ROBOTS_MAX_RULES	1000
#define ROBOTS_MAX_PATTERN	512
#define ROBOTS_MAX_PATH		4096

struct rule {
	char	*pat;
	size_t	 len;
	int	 allow;
};

struct rules {
	struct rule	*v;
	size_t		 n;
};

struct robots {
	struct rules	 mine;		/* groups naming our agent */
	struct rules	 star;		/* groups for "*" */
	int		 matched;	/* some group named our agent */
};

/* Parser state: which groups the current rules belong to. */
struct rstate {
	char	 token[64];	/* our product token, lower case */
	int	 in_agents;	/* the last line was a user-agent line */
	int	 for_me;
	int	 for_star;
};

/* Append a rule to a list. */
static void
rules_add(struct rules *r, const char *pat, size_t len, int allow)
{
	if (r->n >= ROBOTS_MAX_RULES)
		return;
	r->v = xreallocarray(r->v, r->n + 1, sizeof *r->v);
	r->v[r->n].pat = xstrndup(pat, len);
	r->v[r->n].len = strlen(r->v[r->n].pat);	/* a NUL ends it */
	r->v[r->n++].allow = allow;
}

/* Free a list's rules. */
static void
rules_free(struct rules *r)
{
	for (size_t i = 0; i < r->n; i++)
		free(r->v[i].pat);
	free(r->v);
}

/* Copy a product token (up to '/' or a space), lower-cased, into dst. */
static void
product_token(const char *s, size_t len, char *dst, size_t size)
{
	size_t n = 0;

	for (size_t i = 0; i < len && n < size - 1; i++) {
		if (s[i] == '/' || isspace((unsigned char)s[i]))
			break;
		dst[n++] = (char)tolower((unsigned char)s[i]);
	}
	dst[n] = '\0';
}

/* A user-agent line: start a new group or extend the current one. */
static void
agent_line(struct robots *r, struct rstate *st, const char *v, size_t len)
{
	char tok[64];

	if (!st->in_agents)
		st->for_me = st->for_star = 0;
	st->in_agents = 1;
	product_token(v, len, tok, sizeof tok);
	if (strcmp(tok, "*") == 0)
		st->for_star = 1;
	else if (*tok != '\0' && strcmp(tok, st->token) == 0) {
		st->for_me = 1;
		r->matched = 1;
	}
}

/* Trim a [s, s+len) range of spaces on both ends. */
static void
trim(const char **s, size_t *len)
{
	while (*len > 0 && isspace((unsigned char)**s)) {
		(*s)++;
		(*len)--;
	}
	while (*len > 0 && isspace((unsigned char)(*s)[*len - 1]))
		(*len)--;
}

/* One line of robots.txt (without its newline). */
static void
parse_line(struct robots *r, struct rstate *st, const char *s, size_t len)
{
	const char *colon, *hash, *k = s, *v;
	char key[16];
	size_t klen, vlen;
	int allow;

	if ((hash = memchr(s, '#', len)) != NULL)
		len = (size_t)(hash - s);
	if ((colon = memchr(s, ':', len)) == NULL)
		return;
	klen = (size_t)(colon - s);
	v = colon + 1;
	vlen = len - klen - 1;
	trim(&k, &klen);
	trim(&v, &vlen);
	if (klen == 0 || klen >= sizeof key)
		return;
	for (size_t i = 0; i < klen; i++)
		key[i] = (char)tolower((unsigned char)k[i]);
	key[klen] = '\0';
	if (strcmp(key, "user-agent") == 0 || strcmp(key, "useragent") == 0) {
		agent_line(r, st, v, vlen);
		return;
	}
	if (strcmp(key, "allow") == 0)
		allow = 1;
	else if (strcmp(key, "disallow") == 0)
		allow = 0;
	else
		return;		/* sitemap, crawl-delay, unknown: not group rules */
	st->in_agents = 0;
	if (vlen == 0 || vlen > ROBOTS_MAX_PATTERN)
		return;
	if (st->for_me)
		rules_add(&r->mine, v, vlen, allow);
	if (st->for_star)
		rules_add(&r->star, v, vlen, allow);
}

struct robots *
robots_parse(const char *buf, size_t len, const char *agent)
{
	struct robots *r = xcalloc(1, sizeof *r);
	struct rstate st;
	const char *p = buf, *end, *nl;

	memset(&st, 0, sizeof st);
	if (agent != NULL)
		product_token(agent, strlen(agent), st.token, sizeof st.token);
	if (buf == NULL)
		return r;
	if (len > ROBOTS_MAX_BYTES)
		len = ROBOTS_MAX_BYTES;
	if (len >= 3 && memcmp(p, "\xef\xbb\xbf", 3) == 0)
		p += 3;
	for (end = buf + len; p < end; p = nl + 1) {
		for (nl = p; nl < end && *nl != '\n' && *nl != '\r'; nl++)
			;
		parse_line(r, &st, p, (size_t)(nl - p));
	}
	return r;
}

/* Does a pattern match the start of path ('*' any run, final '$' the end)? */
static int
pattern_match(const char *pat, size_t plen, const char *s, size_t slen)
{
	size_t pi = 0, si = 0, star = SIZE_MAX, mark = 0;
	int anchored = plen > 0 && pat[plen - 1] == '$';

	if (anchored)
		plen--;
	while (si < slen) {
		if (pi < plen && pat[pi] == '*') {
			star = pi++;
			mark = si;
		} else if (pi == plen && !anchored)
			return 1;
		else if (pi < plen && pat[pi] == s[si]) {
			pi++;
			si++;
		} else if (star != SIZE_MAX) {
			pi = star + 1;
			si = ++mark;
		} else
			return 0;
	}
	while (pi < plen && pat[pi] == '*')
		pi++;
	return pi == plen;
}

int
robots_allowed(const struct robots *r, const char *path)
{
	const struct rules *rules;
	size_t best = 0, plen;
	int allow = 1, found = 0;

	if (r == NULL || path == NULL || strcmp(path, "/robots.txt") == 0)
		return 1;
	rules = r->matched ? &r->mine : &r->star;
	plen = strnlen(path, ROBOTS_MAX_PATH);
	for (size_t i = 0; i < rules->n; i++) {
		const struct rule *ru = &rules->v[i];

		if (!pattern_match(ru->pat, ru->len, path, plen))
			continue;
		if (!found || ru->len > best)
			allow = ru->allow;
		else if (ru->len == best)
			allow = allow || ru->allow;
		else
			continue;
		best = ru->len;
		found = 1;
	}
	return allow;
}

void
robots_free(struct robots *r)
{
	if (r == NULL)
		return;
	rules_free(&r->mine);
	rules_free(&r->star);
	free(r);
}
