/*
 * match: query parser, compiler, presearch index and evaluator (see match.h).
 *
 * Every query is a tree of nodes, packed in one piece after the previous query's.
 * At compile time each query gets a set of index keys at least one of which any
 * matching article must contain (Lucene Monitor's presearcher): a word, a prefix,
 * or a literal that a regular expression needs, and, when there is one, a second
 * word or prefix it needs too (an AND of one term and an OR of terms is filed
 * under the OR's terms, the one term second). An article is tokenised once per
 * field into a dictionary of the terms queries name (with the fields each occurs
 * in), and its tokens with a prefix in use are noted under the prefix; looking its
 * terms and prefixes up in the index yields the candidates, which alone are
 * evaluated. A query that is a
 * plain word or an OR of plain words needs no evaluation: finding one of its words
 * in a field it asks for is the hit. Terms and snippets are built only for the
 * hits that ask for them.
 */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include "match.h"
#include "log.h"
#include "text.h"
#include "xmalloc.h"

#define MAX_QUERY	16384	/* bytes in one query */
#define MAX_DEPTH	64	/* nesting of parentheses and operators */
#define MAX_NODES	2048	/* nodes in one query */
#define MAX_WORDS	64	/* words in one phrase */
#define MAX_DIST	1000	/* proximity */
#define MAX_PREFIX	255	/* bytes in a prefix */
#define MAX_LANGS	16	/* stemming languages in one matcher */
#define MAX_TERMS	16	/* terms reported with a hit */
#define DESC_BLOCK	64	/* hits' descriptions per block */
#define DESC_STRBLOCK	65536	/* bytes per block of their strings (or one string) */
#define SNIPPET_WORDS	25
#define SNIPPET_BEFORE	10
#define NLBUCKETS	4096	/* buckets of regex literals' grams (see lit_step) */
#define NLBITS		65536	/* their filter: a bit per 16-bit gram hash (8 KiB) */
#define MAX_LSTEP	8	/* probe the text at most every 8 bytes for them */

enum { F_TITLE, F_TEXT, F_SUMMARY, F_URL, F_SOURCE, F_AUTHOR, NFIELDS };
#define M_TITLE		(1 << F_TITLE)
#define M_TEXT		((1 << F_TEXT) | (1 << F_SUMMARY))
#define M_DEFAULT	(M_TITLE | M_TEXT)

enum ntype { N_AND, N_OR, N_NOT, N_WORDS, N_REGEX, N_LANG };
enum { K_TERM = 'T', K_PREFIX = 'P' };

struct word {
	uint64_t	 hash;		/* of the key as a term (see mkkey) */
	char		*key;		/* folded (and stemmed) form */
	uint32_t	 len;
	uint8_t		 lang;		/* stemming language index, 0: none */
	uint8_t		 prefix;
	char		*exact;		/* =TERM: the original spelling */
};

struct node {
	enum ntype	 type;
	uint8_t		 fields;
	union {
		struct {
			struct node	**kid;
			uint32_t	  n;
		} list;
		struct {
			struct word	 *w;
			uint32_t	  n;
			uint32_t	  dist;	/* 0: exact phrase, else proximity */
		} words;
		struct {
			pcre2_code	 *re;
			char		 *lit;	/* a literal every match contains, or NULL */
		} re;
		char		*lang;
	} u;
};

struct query {
	uint64_t	 id;
	struct node	*root;
	char		**sources;
	size_t		 nsources;
};

struct hkey {
	uint64_t	 hash;
	const char	*s;
	uint32_t	 len;
	uint8_t		 lang, kind;
};

struct htab {
	uint64_t	*slot;		/* hash tag << 32 | (entry index + 1); 0 = empty */
	uint32_t	 mask, n;
};

struct posting {			/* a query needing an index key */
	uint64_t	 also;		/* the key hash of a term it needs too, or 0 */
	uint32_t	 q;
	uint8_t		 fields;	/* direct: where the word must occur */
	uint8_t		 direct;	/* the key found in fields is a hit: no evaluation */
};

struct ientry {				/* index: a key and the queries needing it */
	struct hkey	 k;
	struct posting	*q;
	uint32_t	 n, cap;
	uint32_t	 uses;		/* queries mentioning the key (its cost) */
};

struct probe {				/* a key of the article to look up, and its fields */
	struct hkey	 k;
	uint8_t		 fmask;
};

#define RP_Q		7		/* a posting's qf: query << RP_Q (a direct one's, a
					   hit when found, is the record's first part) */
#define RP_FIELDS	0x3F		/* | the fields it must be found in (direct) */
#define RP_ALSO_PREFIX	0x01		/* | (not direct) also is a prefix's */
#define DOC_PBITS	4096		/* struct doc.pfx: a filter of its prefixes */
#define MAX_RP_QUERIES	(1U << (32 - RP_Q))

struct rposting {			/* a posting in a record: 8 bytes */
	uint32_t	 qf;		/* see RP_* */
	uint32_t	 also;		/* the low 32 bits of the key hash of a term it
					   needs too (a filter: 0 is none) */
};

struct prec {				/* an index key and its postings, in one piece */
	uint32_t	 fp;		/* the key hash's top 32 bits */
	uint32_t	 nd, nc;	/* postings after the key (padded to 4 bytes): nd
					   direct ones (4 bytes: qf), then nc others
					   (struct rposting) */
	uint16_t	 len;
	uint8_t		 lang, kind;
	char		 key[];
};

struct tchunk {				/* packed query trees */
	struct tchunk	*next;
	size_t		 used, size;
	char		 data[];
};

struct ptab {				/* the records of a kind of key, by bucket */
	uint32_t	*dir;		/* bucket b's records: m->rec + [dir[b], dir[b + 1]) */
	uint32_t	 mask;		/* a key's bucket: its hash & mask */
};

struct vocab {				/* a filter of keys: see vocab_set */
	uint64_t	*w;
	uint32_t	 mask;
};

struct lref {				/* a literal's gram at offset off */
	uint64_t	 head, mask;	/* its first 8 bytes (fewer: mask), as loaded */
	uint32_t	 lit, off, len;
};

struct lit {				/* a regex literal and its queries */
	char		*s;
	size_t		 len;
	uint32_t	*q;
	uint32_t	 n;
};

struct occ {
	uint32_t	 pos, tok;
	uint8_t		 field;
};

struct pword {				/* a token with a prefix some query names */
	uint64_t	 hash;		/* the prefix's key hash */
	uint32_t	 tok;
	uint8_t		 field;
};

struct dterm {				/* a term of the article */
	struct hkey	 k;
	uint32_t	 first, n;	/* its occurrences */
	uint8_t		 fmask;		/* the fields it occurs in */
	uint8_t		 indexed;	/* the index may hold it (a filter said so) */
};

struct span {
	uint8_t		 field;
	size_t		 start, end;
};

struct chunk {
	struct chunk	*next;
	size_t		 used;
	char		 data[4096];
};

struct doc {
	struct matcher		*m;		/* whose scratch its arrays are */
	const struct match_doc	*d;
	const char		*ftext[NFIELDS];
	size_t			 flen[NFIELDS];
	struct text_tokens	*tok[NFIELDS];
	struct dterm		*t;
	size_t			 nt, tcap, n0;	/* n0: terms of language 0 */
	struct htab		 h;
	struct occ		*occ;
	size_t			 nocc;
	uint32_t		*tid[NFIELDS];	/* term per token and language */
	uint64_t		*need;		/* field << 32 | token of each token of a term */
	size_t			 nneed;		/* (language 0 only; counted in t[].n) */
	const struct pword	*pw;		/* the tokens with a prefix in use (m->pw) */
	size_t			 npw;
	uint32_t		*pwhead;	/* their index by hash, once needed */
	uint32_t		*pwnext;
	uint32_t		 pwmask;
	int			 nscan;		/* lookups in pw before it is indexed */
	struct chunk		*chunks;
	struct span		*sp;		/* matches of the query being collected */
	size_t			 nsp, spcap;
	uint64_t		 pfx[DOC_PBITS / 64];	/* the prefixes some query names of
						   its tokens, by their key hashes' low bits */
};

struct scratch {			/* an article's arrays, kept from one to the next */
	void		*p;
	size_t		 size;
};

struct matcher {
	struct query		*q;
	size_t			 nq, qcap;
	struct text_stemmer	*lang[MAX_LANGS];	/* [0] unused */
	char			*langname[MAX_LANGS];
	size_t			 nlang;
	struct ientry		*ie;
	size_t			 nie, iecap;
	struct htab		 ih;
	struct ptab		 pt[2];		/* the index: terms, prefixes */
	uint64_t		*filt;		/* a bit per key hash: most probes stop here */
	uint32_t		 filtmask;	/* (only with stemming: else the vocabularies') */
	struct vocab		 vocab[2];	/* the words and the prefixes queries name
						   (NULL with stemming: every term is needed) */
	char			*rec;		/* their records (struct prec), key by key */
	struct tchunk		*trees;		/* the queries' trees, packed in order */
	uint8_t			 plen[MAX_PREFIX + 1];	/* prefix lengths in use */
	uint8_t			 plens[MAX_PREFIX];	/* the same, as a list */
	size_t			 nplens;
	struct probe		*probe;		/* the article's keys to look up */
	size_t			 probecap;
	struct probe		*pk;		/* its prefixes in use with postings */
	size_t			 npk, pkcap;
	struct pword		*pw;		/* its tokens with a prefix in use (doc.pw) */
	size_t			 npw, pwcap;
	struct scratch		 sterm, sslot, sneed, stid, socc;	/* doc.t, doc.h.slot,
						   doc.need, doc.tid[], doc.occ */
	struct scratch		 slong;		/* doc_terms' tokens long enough for a prefix */
	struct lit		*lit;
	size_t			 nlit;
	uint32_t		*lbstart;	/* where each bucket's literal grams start in lb */
	size_t			*lhit;		/* an article's probes that found a gram */
	size_t			 lhitcap;
	uint32_t		 lstep;		/* the text is probed every lstep bytes */
	uint32_t		 lgram;		/* for grams of lgram (3 or 4) bytes */
	uint64_t		 lbits[NLBITS / 64];	/* gram hashes in use (a bucket is
						   the top 12 of their 16 bits) */
	struct lref		*lb;
	uint32_t		*always;
	size_t			 nalways;
	uint64_t		*cbits;		/* candidates of this article, by query */
	uint64_t		*hbits;		/* hits the presearch alone decided */
	uint64_t		*sbits;		/* a bit per word of cbits|hbits in use */
	size_t			 nwords;	/* 64-bit words in each */
	uint32_t		*cand;		/* candidates in order; CAND_HIT: a hit */
	uint64_t		*ids;		/* the queries' ids, dense: a hit the presearch
						   decided reads only this (NULL: id = place) */
	struct match_hit	*hit;		/* the article's hits, for the callback */
	struct hitref		*href;		/* their ctx */
	size_t			 hitcap;
	struct hitdesc		**dblock;	/* the hits' descriptions, DESC_BLOCK each */
	size_t			 ndblocks, ndesc;
	char			**sb;		/* their strings, in blocks */
	size_t			*sbsize;
	size_t			 nsb, sbused;	/* blocks, bytes used of the last */
	pcre2_match_data	*md;
	pcre2_match_context	*mctx;
	int			 compiled;
	struct match_stats	 st;
};

struct parser {
	const char	*q;
	size_t		 len, i;
	char		*err;
	int		 depth, nodes;
	struct matcher	*m;
	uint8_t		 lang;
};

static int use_jit = 1;

void
match_set_jit(int on)
{
	use_jit = on;
}

/* ---- hashing ---- */

/* A key's hash from text_hash of its bytes, mixed with the kind and language. */
static uint64_t
mix_key(uint64_t h, int lang, int kind)
{
	h ^= ((uint64_t)kind << 8 | (uint64_t)lang) * 0x9E3779B97F4A7C15ULL;
	return h ^ (h >> 29);
}

/* The hash of a key. */
static uint64_t
hash_key(const char *s, size_t len, int lang, int kind)
{
	return mix_key(text_hash(s, len), lang, kind);
}

/* Fill a key. */
static struct hkey
mkkey(const char *s, size_t len, int lang, int kind)
{
	struct hkey k = { hash_key(s, len, lang, kind), s, (uint32_t)len,
	    (uint8_t)lang, (uint8_t)kind };

	return k;
}

/* Are n bytes equal? (Inline for the short words most keys are.) */
static int
bytes_eq(const char *a, const char *b, size_t n)
{
	if (n > 16)
		return memcmp(a, b, n) == 0;
	for (size_t i = 0; i < n; i++)
		if (a[i] != b[i])
			return 0;
	return 1;
}

/* Are two keys equal? */
static int
key_eq(const struct hkey *a, const struct hkey *b)
{
	return a->hash == b->hash && a->len == b->len && a->lang == b->lang &&
	    a->kind == b->kind && bytes_eq(a->s, b->s, a->len);
}

/* Find a key among entries of the given stride (struct hkey first); -1 if absent. */
static long
htab_find(const struct htab *h, const void *base, size_t stride, const struct hkey *k)
{
	uint64_t e, tag = k->hash >> 32;
	uint32_t i;

	if (h->slot == NULL)
		return -1;
	for (i = (uint32_t)k->hash & h->mask; (e = h->slot[i]) != 0; i = (i + 1) & h->mask) {
		const struct hkey *x;

		if (e >> 32 != tag)
			continue;	/* the tag spares a visit to the entry */
		x = (const void *)((const char *)base + ((e & 0xFFFFFFFF) - 1) * stride);
		if (key_eq(x, k))
			return (long)(e & 0xFFFFFFFF) - 1;
	}
	return -1;
}

/* Put entry idx into the slots. */
static void
htab_place(struct htab *h, uint64_t hash, uint32_t idx)
{
	uint32_t i;

	for (i = (uint32_t)hash & h->mask; h->slot[i] != 0; i = (i + 1) & h->mask)
		;
	h->slot[i] = (hash >> 32) << 32 | (uint64_t)(idx + 1);
}

/* Insert entry idx (not present yet), growing the table as needed. */
static void
htab_insert(struct htab *h, const void *base, size_t stride, uint32_t idx)
{
	const struct hkey *x;

	if (h->slot == NULL || (h->n + 1) * 2 > h->mask + 1) {
		uint32_t size = h->slot == NULL ? 256 : (h->mask + 1) * 2;

		free(h->slot);
		h->slot = xcalloc(size, sizeof *h->slot);
		h->mask = size - 1;
		for (uint32_t e = 0; e < h->n; e++) {
			x = (const void *)((const char *)base + e * stride);
			htab_place(h, x->hash, e);
		}
	}
	x = (const void *)((const char *)base + idx * stride);
	htab_place(h, x->hash, idx);
	h->n++;
}

/* ---- parsing ---- */

/* Record the first error at byte offset at, as "column N: ...". */
__attribute__((format(printf, 3, 4))) static void *
perr(struct parser *p, size_t at, const char *fmt, ...)
{
	va_list ap;
	char *msg;
	size_t col = 1;

	if (p->err != NULL)
		return NULL;
	for (size_t i = 0; i < at && i < p->len; i++)
		if (((unsigned char)p->q[i] & 0xC0) != 0x80)
			col++;
	va_start(ap, fmt);
	if (vasprintf(&msg, fmt, ap) == -1)
		msg = NULL;
	va_end(ap);
	xasprintf(&p->err, "column %zu: %s", col, msg ? msg : "error");
	free(msg);
	return NULL;
}

/* A new node, counted against the limit. */
static struct node *
node_new(struct parser *p, enum ntype type, uint8_t fields)
{
	struct node *n;

	if (++p->nodes > MAX_NODES)
		return perr(p, p->i, "query too complex");
	n = xcalloc(1, sizeof *n);
	n->type = type;
	n->fields = fields;
	return n;
}

/* Free a tree. */
static void
node_free(struct node *n)
{
	if (n == NULL)
		return;
	switch (n->type) {
	case N_AND: case N_OR: case N_NOT:
		for (uint32_t i = 0; i < n->u.list.n; i++)
			node_free(n->u.list.kid[i]);
		free(n->u.list.kid);
		break;
	case N_WORDS:
		for (uint32_t i = 0; i < n->u.words.n; i++) {
			free(n->u.words.w[i].key);
			free(n->u.words.w[i].exact);
		}
		free(n->u.words.w);
		break;
	case N_REGEX:
		pcre2_code_free(n->u.re.re);
		free(n->u.re.lit);
		break;
	case N_LANG:
		free(n->u.lang);
		break;
	}
	free(n);
}

/* Append a child to an AND/OR/NOT node. */
static void
node_add(struct node *n, struct node *kid)
{
	n->u.list.kid = xreallocarray(n->u.list.kid, n->u.list.n + 1, sizeof kid);
	n->u.list.kid[n->u.list.n++] = kid;
}

/* A list node with children a and b (b may be NULL); NULL if a is (or b failed). */
static struct node *
node_list(struct parser *p, enum ntype type, struct node *a, struct node *b)
{
	struct node *n;

	if (a == NULL || (b == NULL && type != N_NOT && p->err != NULL) ||
	    (n = node_new(p, type, 0)) == NULL) {
		node_free(a);
		node_free(b);
		return NULL;
	}
	node_add(n, a);
	if (b != NULL)
		node_add(n, b);
	return n;
}

/* Skip white space. */
static void
skip_ws(struct parser *p)
{
	while (p->i < p->len && strchr(" \t\r\n\f\v", p->q[p->i]) != NULL &&
	    p->q[p->i] != '\0')
		p->i++;
}

/* Is the operator word op at the current position (followed by a delimiter)? */
static int
peek_op(struct parser *p, const char *op)
{
	size_t n = strlen(op);
	char c;

	if (p->len - p->i < n || memcmp(p->q + p->i, op, n) != 0)
		return 0;
	if (p->i + n == p->len)
		return 1;
	c = p->q[p->i + n];
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '(' || c == '"';
}

/* Does a word end at c? */
static int
word_end(char c)
{
	return strchr(" \t\r\n\f\v()\"", c) != NULL || c == '\0';
}

/* Fold (and stem) one word of a query into w. */
static void
word_set(struct parser *p, struct word *w, const char *norm, size_t len,
    const char *exact, size_t elen, int prefix)
{
	const char *s = norm;
	size_t n = len;

	w->prefix = prefix;
	w->lang = 0;
	if (exact != NULL)
		w->exact = xstrndup(exact, elen);
	else if (!prefix && p->lang != 0) {
		s = text_stem(p->m->lang[p->lang], norm, len, &n);
		w->lang = p->lang;
	}
	w->key = xstrndup(s, n);
	w->len = (uint32_t)n;
	w->hash = hash_key(w->key, n, w->lang, K_TERM);
}

/* A words node from the parts of a tokenised string. */
static struct node *
words_from(struct parser *p, const struct text_tokens *t, const char *orig, int exact,
    int prefix, int joined, uint8_t fields, size_t at)
{
	struct node *n;
	size_t k;

	if ((n = node_new(p, N_WORDS, fields)) == NULL)
		return NULL;
	n->u.words.w = xcalloc(t->n, sizeof *n->u.words.w);
	for (k = 0; k < t->n; k++) {
		const struct text_token *tk = &t->v[k];
		struct word *w = &n->u.words.w[n->u.words.n];

		if (((tk->flags & TEXT_TOKEN_JOINED) != 0) != joined)
			continue;
		if (prefix && tk->normlen > MAX_PREFIX) {
			node_free(n);
			return perr(p, at, "prefix too long");
		}
		word_set(p, w, tk->norm, tk->normlen, exact ? orig + tk->start : NULL,
		    tk->end - tk->start, prefix && tk->end == t->v[t->n - 1].end);
		n->u.words.n++;
	}
	if (n->u.words.n > MAX_WORDS) {
		node_free(n);
		return perr(p, at, "more than %d words in a phrase", MAX_WORDS);
	}
	return n;
}

/* A node for literal text: its words as a phrase, or the joined form of a hyphenated one. */
static struct node *
literal(struct parser *p, const char *s, size_t len, int exact, int prefix,
    uint8_t fields, size_t at)
{
	struct text_tokens *t = text_tokenize(s, len, 0);
	struct node *n = NULL, *j;
	size_t njoined = 0;

	for (size_t k = 0; k < t->n; k++)
		if (t->v[k].flags & TEXT_TOKEN_JOINED)
			njoined++;
	if (t->n == 0)
		perr(p, at, "\"%.*s\" has no letters or digits", (int)(len > 40 ? 40 : len), s);
	else
		n = words_from(p, t, s, exact, prefix, 0, fields, at);
	if (n != NULL && njoined == 1 && t->v[0].flags == 0 && t->n > 1 &&
	    (t->v[1].flags & TEXT_TOKEN_JOINED) && t->v[1].end == t->v[t->n - 1].end) {
		j = words_from(p, t, s, exact, prefix, 1, fields, at);
		n = node_list(p, N_OR, n, j);
	}
	text_tokens_free(t);
	return n;
}

static struct node *parse_or(struct parser *, uint8_t);

/* Read a number at the current position; -1 if there is none or it is too big. */
static long
read_num(struct parser *p)
{
	long v = 0;
	size_t start = p->i;

	while (p->i < p->len && p->q[p->i] >= '0' && p->q[p->i] <= '9') {
		if ((v = v * 10 + (p->q[p->i] - '0')) > MAX_DIST)
			return -1;
		p->i++;
	}
	return p->i == start ? -1 : v;
}

/* "a phrase" or "a phrase"~N. */
static struct node *
parse_phrase(struct parser *p, uint8_t fields)
{
	size_t at = p->i++, end;
	struct node *n;
	long d;

	end = p->i;
	while (end < p->len && p->q[end] != '"')
		end++;
	if (end == p->len)
		return perr(p, at, "unterminated phrase");
	n = literal(p, p->q + p->i, end - p->i, 0, 0, fields, at);
	p->i = end + 1;
	if (n == NULL || p->i >= p->len || p->q[p->i] != '~')
		return n;
	p->i++;
	if ((d = read_num(p)) < 1) {
		node_free(n);
		return perr(p, p->i, "proximity needs a number from 1 to %d", MAX_DIST);
	}
	if (n->type != N_WORDS) {	/* a hyphenated single word: already adjacent */
		return n;
	}
	n->u.words.dist = (uint32_t)d;
	return n;
}

/* One argument of NEAR: a word, =WORD or prefix*. */
static int
near_arg(struct parser *p, struct node *near, size_t at)
{
	size_t s, e;
	int exact = 0, prefix = 0;
	struct text_tokens *t;
	const struct text_token *tk = NULL;
	struct word *w;

	skip_ws(p);
	if (p->i < p->len && p->q[p->i] == '=') {
		exact = 1;
		p->i++;
	}
	s = p->i;
	while (p->i < p->len && !word_end(p->q[p->i]) && p->q[p->i] != ',')
		p->i++;
	e = p->i;
	if (e > s && p->q[e - 1] == '*') {
		prefix = 1;
		e--;
	}
	t = text_tokenize(p->q + s, e - s, 0);
	for (size_t k = 0; k < t->n; k++)
		if (t->n == 1 || (t->v[k].flags & TEXT_TOKEN_JOINED))
			tk = &t->v[k];
	if (tk == NULL || (prefix && tk->normlen > MAX_PREFIX)) {
		text_tokens_free(t);
		perr(p, s, "NEAR takes single words");
		return -1;
	}
	near->u.words.w = xreallocarray(near->u.words.w, near->u.words.n + 1, sizeof *w);
	w = &near->u.words.w[near->u.words.n++];
	memset(w, 0, sizeof *w);
	word_set(p, w, tk->norm, tk->normlen, exact ? p->q + s + tk->start : NULL,
	    tk->end - tk->start, prefix);
	text_tokens_free(t);
	(void)at;
	return 0;
}

/* NEAR/N(a, b, ...). */
static struct node *
parse_near(struct parser *p, uint8_t fields)
{
	size_t at = p->i;
	struct node *n;
	long d;

	p->i += 5;
	if ((d = read_num(p)) < 1)
		return perr(p, p->i, "NEAR/ needs a number from 1 to %d", MAX_DIST);
	if (p->i >= p->len || p->q[p->i] != '(')
		return perr(p, p->i, "NEAR/%ld needs '('", d);
	p->i++;
	if ((n = node_new(p, N_WORDS, fields)) == NULL)
		return NULL;
	n->u.words.dist = (uint32_t)d;
	for (;;) {
		if (n->u.words.n == MAX_WORDS || near_arg(p, n, at) == -1) {
			node_free(n);
			return perr(p, p->i, "too many words in NEAR");
		}
		skip_ws(p);
		if (p->i < p->len && p->q[p->i] == ',') {
			p->i++;
			continue;
		}
		if (p->i < p->len && p->q[p->i] == ')')
			break;
		node_free(n);
		return perr(p, p->i, "NEAR: expected ',' or ')'");
	}
	p->i++;
	if (n->u.words.n < 2) {
		node_free(n);
		return perr(p, at, "NEAR needs at least two words");
	}
	return n;
}

/* The index of the ']' closing the class opened at i; 0 when unsure. */
static size_t
skip_class(const char *re, size_t len, size_t i)
{
	i++;
	if (i < len && re[i] == '^')
		i++;
	if (i < len && re[i] == ']')
		i++;			/* a leading ']' is a member */
	for (; i < len && re[i] != ']'; i++) {
		if (re[i] == '[' && i + 1 < len && strchr(":.=", re[i + 1]) != NULL)
			return 0;	/* [:alpha:] and friends: give up */
		if (re[i] == '\\')
			i++;
	}
	return i < len ? i : 0;
}

/* The literal that every match of a regex contains (ASCII letters and digits), or NULL. */
static char *
regex_literal(const char *re, size_t len)
{
	size_t best = 0, bstart = 0, run = 0, depth = 0, i;

	if (memchr(re, '|', len) != NULL || memchr(re, '#', len) != NULL)
		return NULL;
	for (i = 0; i <= len; i++) {
		char c = i < len ? re[i] : '\0';
		int alnum = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9');

		if (depth == 0 && alnum && i < len) {
			run++;
			continue;
		}
		if (run > 0 && (c == '?' || c == '*' || c == '{'))
			run--;		/* the last character is optional */
		if (run > best) {
			best = run;
			bstart = i - run - ((c == '?' || c == '*' || c == '{') ? 1 : 0);
		}
		run = 0;
		if (c == '\\') {
			if (i + 1 < len && strchr("QEx0123456789opcNPpgkuU", re[i + 1]) != NULL)
				return NULL;
			i++;
		} else if (c == '[') {
			if ((i = skip_class(re, len, i)) == 0)
				return NULL;
		} else if (c == '(')
			depth++;
		else if (c == ')' && depth > 0)
			depth--;
	}
	if (best < 3)
		return NULL;
	{
		char *lit = xstrndup(re + bstart, best);

		for (char *q = lit; *q != '\0'; q++)
			if (*q >= 'A' && *q <= 'Z')
				*q += 32;
		return lit;
	}
}

/* /regex/ or /regex/i. */
static struct node *
parse_regex(struct parser *p, uint8_t fields)
{
	size_t at = p->i++, s = p->i, e;
	uint32_t opts = PCRE2_UTF | PCRE2_MATCH_INVALID_UTF | PCRE2_UCP;
	int errcode;
	PCRE2_SIZE erroff;
	pcre2_code *re;
	struct node *n;
	PCRE2_UCHAR buf[256];

	for (e = s; e < p->len && p->q[e] != '/'; e++)
		if (p->q[e] == '\\' && e + 1 < p->len)
			e++;
	if (e >= p->len)
		return perr(p, at, "unterminated regular expression");
	p->i = e + 1;
	if (p->i < p->len && p->q[p->i] == 'i' &&
	    (p->i + 1 == p->len || word_end(p->q[p->i + 1]))) {
		opts |= PCRE2_CASELESS;
		p->i++;
	}
	if (e == s)
		return perr(p, at, "empty regular expression");
	re = pcre2_compile((PCRE2_SPTR)(p->q + s), e - s, opts, &errcode, &erroff, NULL);
	if (re == NULL) {
		pcre2_get_error_message(errcode, buf, sizeof buf);
		return perr(p, s + erroff, "regular expression: %s", (char *)buf);
	}
	if (use_jit)		/* interpreted when refused (MemoryDenyWriteExecute) */
		(void)pcre2_jit_compile(re, PCRE2_JIT_COMPLETE);
	if ((n = node_new(p, N_REGEX, fields)) == NULL) {
		pcre2_code_free(re);
		return NULL;
	}
	n->u.re.re = re;
	n->u.re.lit = regex_literal(p->q + s, e - s);
	return n;
}

/* A field name followed by ':' at the current position: its mask, 0 if none. */
static int
parse_field(struct parser *p)
{
	static const struct { const char *name; int mask; } f[] = {
		{ "title", M_TITLE }, { "text", M_TEXT }, { "url", 1 << F_URL },
		{ "source", 1 << F_SOURCE }, { "author", 1 << F_AUTHOR },
		{ "lang", -1 },
	};
	size_t n;

	for (size_t k = 0; k < sizeof f / sizeof f[0]; k++) {
		n = strlen(f[k].name);
		if (p->len - p->i > n && strncasecmp(p->q + p->i, f[k].name, n) == 0 &&
		    p->q[p->i + n] == ':') {
			p->i += n + 1;
			return f[k].mask;
		}
	}
	return 0;
}

/* lang:xx. */
static struct node *
parse_lang(struct parser *p)
{
	size_t s = p->i;
	struct node *n;

	while (p->i < p->len && !word_end(p->q[p->i]))
		p->i++;
	if (p->i == s || p->i - s > 35)
		return perr(p, s, "lang: needs a language code");
	if ((n = node_new(p, N_LANG, 0)) == NULL)
		return NULL;
	n->u.lang = xstrndup(p->q + s, p->i - s);
	return n;
}

/* A bare word, =WORD or prefix*. */
static struct node *
parse_word(struct parser *p, uint8_t fields)
{
	size_t at = p->i, s, e;
	int exact = 0, prefix = 0;

	if (p->q[p->i] == '=') {
		exact = 1;
		p->i++;
	}
	s = p->i;
	while (p->i < p->len && !word_end(p->q[p->i]))
		p->i++;
	e = p->i;
	if (e > s && p->q[e - 1] == '*') {
		prefix = 1;
		e--;
	}
	if (e == s)
		return perr(p, at, "a term was expected");
	return literal(p, p->q + s, e - s, exact, prefix, fields, at);
}

/* A primary: group, phrase, NEAR, regex, field:primary or word. */
static struct node *
parse_primary(struct parser *p, uint8_t fields)
{
	struct node *n;
	size_t at;
	int f;

	skip_ws(p);
	if (p->i >= p->len)
		return perr(p, p->i, "the query ends where a term was expected");
	at = p->i;
	switch (p->q[p->i]) {
	case '(':
		p->i++;
		if ((n = parse_or(p, fields)) == NULL)
			return NULL;
		skip_ws(p);
		if (p->i >= p->len || p->q[p->i] != ')') {
			node_free(n);
			return perr(p, at, "unbalanced parenthesis");
		}
		p->i++;
		return n;
	case ')':
		return perr(p, at, "unbalanced parenthesis");
	case '"':
		return parse_phrase(p, fields);
	case '/':
		return parse_regex(p, fields);
	}
	if (peek_op(p, "AND") || peek_op(p, "OR"))
		return perr(p, at, "a term was expected before %s",
		    p->q[p->i] == 'A' ? "AND" : "OR");
	if (p->len - p->i > 5 && memcmp(p->q + p->i, "NEAR/", 5) == 0)
		return parse_near(p, fields);
	while ((f = parse_field(p)) != 0) {	/* the last of title:text:... wins */
		if (f == -1)
			return parse_lang(p);
		if (p->i >= p->len || strchr(" \t\r\n", p->q[p->i]) != NULL)
			return perr(p, p->i, "a term was expected after the field name");
		fields = (uint8_t)f;
		if (strchr("(\"/", p->q[p->i]) != NULL)
			return parse_primary(p, fields);
		if (p->len - p->i > 5 && memcmp(p->q + p->i, "NEAR/", 5) == 0)
			return parse_near(p, fields);
	}
	return parse_word(p, fields);
}

/* NOT x, -x, +x or a primary. */
static struct node *
parse_unary(struct parser *p, uint8_t fields)
{
	struct node *n;

	skip_ws(p);
	if (++p->depth > MAX_DEPTH)
		return perr(p, p->i, "query nested too deeply");
	if (peek_op(p, "NOT")) {
		p->i += 3;
		n = node_list(p, N_NOT, parse_unary(p, fields), NULL);
	} else if (p->i + 1 < p->len && (p->q[p->i] == '-' || p->q[p->i] == '+') &&
	    strchr(" \t\r\n\f\v)", p->q[p->i + 1]) == NULL) {
		int neg = p->q[p->i++] == '-';

		n = parse_unary(p, fields);
		if (neg)
			n = node_list(p, N_NOT, n, NULL);
	} else
		n = parse_primary(p, fields);
	p->depth--;
	return n;
}

/* Terms joined by AND or by nothing. */
static struct node *
parse_and(struct parser *p, uint8_t fields)
{
	struct node *n = parse_unary(p, fields), *and = NULL;

	while (n != NULL) {
		skip_ws(p);
		if (p->i >= p->len || p->q[p->i] == ')' || peek_op(p, "OR"))
			break;
		if (peek_op(p, "AND"))
			p->i += 3;
		if (and == NULL) {
			if ((and = node_list(p, N_AND, n, NULL)) == NULL)
				return NULL;
		}
		if ((n = parse_unary(p, fields)) == NULL)
			break;
		node_add(and, n);
	}
	if (n == NULL) {
		node_free(and);
		return NULL;
	}
	return and != NULL ? and : n;
}

/* Terms joined by OR. */
static struct node *
parse_or(struct parser *p, uint8_t fields)
{
	struct node *n, *or = NULL;

	if (++p->depth > MAX_DEPTH)
		return perr(p, p->i, "query nested too deeply");
	n = parse_and(p, fields);
	while (n != NULL) {
		skip_ws(p);
		if (!peek_op(p, "OR"))
			break;
		p->i += 2;
		if (or == NULL && (or = node_list(p, N_OR, n, NULL)) == NULL)
			return NULL;
		if ((n = parse_and(p, fields)) == NULL)
			break;
		node_add(or, n);
	}
	p->depth--;
	if (n == NULL) {
		node_free(or);
		return NULL;
	}
	return or != NULL ? or : n;
}

/* Parse a whole query. */
static struct node *
parse_query(struct parser *p, const char *q)
{
	struct node *n;

	p->q = q;
	p->len = strlen(q);
	if (p->len > MAX_QUERY)
		return perr(p, 0, "query longer than %d bytes", MAX_QUERY);
	skip_ws(p);
	if (p->i == p->len)
		return perr(p, 0, "empty query");
	if ((n = parse_or(p, M_DEFAULT)) == NULL)
		return NULL;
	skip_ws(p);
	if (p->i < p->len) {
		node_free(n);
		return perr(p, p->i, p->q[p->i] == ')' ? "unbalanced parenthesis" :
		    "unexpected text");
	}
	return n;
}

/* The language index for a stemmer name, added to the matcher; -1 if unknown. */
static int
lang_index(struct matcher *m, const char *name)
{
	struct text_stemmer *st;

	for (size_t i = 1; i < m->nlang; i++)
		if (strcmp(m->langname[i], name) == 0)
			return (int)i;
	if (m->nlang == MAX_LANGS || (st = text_stemmer_get(name)) == NULL)
		return -1;
	if (m->nlang == 0)
		m->nlang = 1;
	m->lang[m->nlang] = st;
	m->langname[m->nlang] = xstrdup(name);
	return (int)m->nlang++;
}

/* OR (or AND) of literal keywords. */
static struct node *
keyword_list(struct parser *p, const char **kw, size_t n, enum ntype type)
{
	struct node *list, *k;

	if ((list = node_new(p, type, 0)) == NULL)
		return NULL;
	for (size_t i = 0; i < n; i++) {
		p->q = kw[i];
		p->len = strlen(kw[i]);
		if (p->len > MAX_QUERY ||
		    (k = literal(p, kw[i], p->len, 0, 0, M_DEFAULT, 0)) == NULL) {
			if (p->err == NULL)
				perr(p, 0, "keyword too long");
			node_free(list);
			return NULL;
		}
		node_add(list, k);
	}
	return list;
}

/* Build the tree of a spec: query, keywords, exclusions. */
static struct node *
spec_tree(struct parser *p, const struct match_spec *s)
{
	struct node *n = NULL, *k;

	if (s->query != NULL && (n = parse_query(p, s->query)) == NULL)
		return NULL;
	if (s->nkeywords > 0) {
		k = keyword_list(p, s->keywords, s->nkeywords, s->mode_all ? N_AND : N_OR);
		n = n == NULL ? k : node_list(p, N_AND, n, k);
		if (n == NULL)
			return NULL;
	}
	if (n == NULL)
		return perr(p, 0, "a watchlist needs a query or keywords");
	if (s->nexclude > 0) {
		k = keyword_list(p, s->exclude, s->nexclude, N_OR);
		n = node_list(p, N_AND, n, node_list(p, N_NOT, k, NULL));
	}
	return n;
}

/* Parse a spec for matcher m; the tree, or NULL with *cause. */
static struct node *
spec_parse(struct matcher *m, const struct match_spec *s, char **cause)
{
	struct parser p;
	struct node *n = NULL;
	int l = 0;

	memset(&p, 0, sizeof p);
	p.m = m;
	if (s->stem != NULL && *s->stem != '\0' && (l = lang_index(m, s->stem)) == -1)
		xasprintf(&p.err, "unknown stemming language \"%s\"", s->stem);
	else {
		p.lang = (uint8_t)l;
		n = spec_tree(&p, s);
	}
	if (n == NULL) {
		if (cause != NULL)
			*cause = p.err;
		else
			free(p.err);
	}
	return n;
}

/* ---- the matcher ---- */

static void index_free(struct matcher *);

#define ALIGN8(x)	(((x) + 7) & ~(size_t)7)

/* The bytes a tree takes packed (every piece 8-aligned). */
static size_t
tree_size(const struct node *n)
{
	size_t z = ALIGN8(sizeof *n);

	switch (n->type) {
	case N_AND: case N_OR: case N_NOT:
		z += ALIGN8(n->u.list.n * sizeof *n->u.list.kid);
		for (uint32_t k = 0; k < n->u.list.n; k++)
			z += tree_size(n->u.list.kid[k]);
		break;
	case N_WORDS:
		z += ALIGN8(n->u.words.n * sizeof *n->u.words.w);
		for (uint32_t k = 0; k < n->u.words.n; k++) {
			z += ALIGN8(n->u.words.w[k].len + 1);
			if (n->u.words.w[k].exact != NULL)
				z += ALIGN8(strlen(n->u.words.w[k].exact) + 1);
		}
		break;
	case N_REGEX:
		if (n->u.re.lit != NULL)
			z += ALIGN8(strlen(n->u.re.lit) + 1);
		break;
	case N_LANG:
		z += ALIGN8(strlen(n->u.lang) + 1);
		break;
	}
	return z;
}

/* Copy a string to *at, advancing it. */
static char *
pack_str(char **at, const char *s, size_t len)
{
	char *c = *at;

	memcpy(c, s, len);
	c[len] = '\0';
	*at += ALIGN8(len + 1);
	return c;
}

/* Copy a tree to *at, depth first, advancing it; the regex code moves to the copy. */
static struct node *
tree_pack(struct node *n, char **at)
{
	struct node *c = (struct node *)(void *)*at;
	struct word *w;

	*at += ALIGN8(sizeof *c);
	*c = *n;
	switch (n->type) {
	case N_AND: case N_OR: case N_NOT:
		c->u.list.kid = (struct node **)(void *)*at;
		*at += ALIGN8(n->u.list.n * sizeof *n->u.list.kid);
		for (uint32_t k = 0; k < n->u.list.n; k++)
			c->u.list.kid[k] = tree_pack(n->u.list.kid[k], at);
		break;
	case N_WORDS:
		c->u.words.w = w = (struct word *)(void *)*at;
		*at += ALIGN8(n->u.words.n * sizeof *w);
		for (uint32_t k = 0; k < n->u.words.n; k++) {
			w[k] = n->u.words.w[k];
			w[k].key = pack_str(at, w[k].key, w[k].len);
			if (w[k].exact != NULL)
				w[k].exact = pack_str(at, w[k].exact, strlen(w[k].exact));
		}
		break;
	case N_REGEX:
		n->u.re.re = NULL;
		if (n->u.re.lit != NULL)
			c->u.re.lit = pack_str(at, n->u.re.lit, strlen(n->u.re.lit));
		break;
	case N_LANG:
		c->u.lang = pack_str(at, n->u.lang, strlen(n->u.lang));
		break;
	}
	return c;
}

/* Free what a packed tree owns outside its piece: regex code. */
static void
tree_release(struct node *n)
{
	if (n->type == N_REGEX)
		pcre2_code_free(n->u.re.re);
	else if (n->type == N_AND || n->type == N_OR || n->type == N_NOT)
		for (uint32_t k = 0; k < n->u.list.n; k++)
			tree_release(n->u.list.kid[k]);
}

#define TCHUNK	(256 * 1024)

/* Pack a parsed tree after the previous query's (query order is candidate order). */
static struct node *
pack_tree(struct matcher *m, struct node *n)
{
	size_t need = tree_size(n);
	struct tchunk *c = m->trees;
	char *at;

	if (c == NULL || c->size - c->used < need) {
		c = xmalloc(sizeof *c + (need > TCHUNK ? need : TCHUNK));
		c->size = need > TCHUNK ? need : TCHUNK;
		c->used = 0;
		c->next = m->trees;
		m->trees = c;
	}
	at = c->data + c->used;
	c->used += need;
	return tree_pack(n, &at);
}

struct matcher *
matcher_new(void)
{
	struct matcher *m = xcalloc(1, sizeof *m);

	m->md = pcre2_match_data_create(1, NULL);
	m->mctx = pcre2_match_context_create(NULL);
	pcre2_set_match_limit(m->mctx, 1000000);
	pcre2_set_depth_limit(m->mctx, 10000);
	return m;
}

void
matcher_free(struct matcher *m)
{
	struct tchunk *c;

	if (m == NULL)
		return;
	for (size_t i = 0; i < m->nq; i++) {
		tree_release(m->q[i].root);
		for (size_t k = 0; k < m->q[i].nsources; k++)
			free(m->q[i].sources[k]);
		free(m->q[i].sources);
	}
	free(m->q);
	index_free(m);
	for (size_t i = 0; i < m->nlit; i++) {
		free(m->lit[i].s);
		free(m->lit[i].q);
	}
	free(m->lit);
	free(m->lbstart);
	free(m->lb);
	free(m->lhit);
	for (size_t i = 1; i < m->nlang; i++)
		free(m->langname[i]);
	free(m->always);
	free(m->pt[0].dir);
	free(m->filt);
	free(m->vocab[0].w);
	free(m->vocab[1].w);
	free(m->rec);
	while ((c = m->trees) != NULL) {
		m->trees = c->next;
		free(c);
	}
	free(m->pt[1].dir);
	free(m->probe);
	free(m->pk);
	free(m->pw);
	free(m->sterm.p);
	free(m->sslot.p);
	free(m->sneed.p);
	free(m->stid.p);
	free(m->socc.p);
	free(m->slong.p);
	free(m->cbits);
	free(m->hbits);
	free(m->sbits);
	free(m->cand);
	free(m->ids);
	free(m->hit);
	free(m->href);
	for (size_t i = 0; i < m->ndblocks; i++)
		free(m->dblock[i]);
	free(m->dblock);
	for (size_t i = 0; i < m->nsb; i++)
		free(m->sb[i]);
	free(m->sb);
	free(m->sbsize);
	pcre2_match_data_free(m->md);
	pcre2_match_context_free(m->mctx);
	free(m);
}

int
matcher_add_spec(struct matcher *m, uint64_t id, const struct match_spec *s,
    char **cause)
{
	struct node *n;
	struct query *q;

	if (m->compiled)
		fatalx("%s: the matcher is already compiled", __func__);
	if ((n = spec_parse(m, s, cause)) == NULL)
		return -1;
	if (m->nq == m->qcap) {
		m->qcap = m->qcap ? m->qcap * 2 : 64;
		m->q = xreallocarray(m->q, m->qcap, sizeof *m->q);
	}
	q = &m->q[m->nq++];
	q->id = id;
	q->root = pack_tree(m, n);
	node_free(n);
	q->nsources = s->nsources;
	q->sources = s->nsources ? xcalloc(s->nsources, sizeof *q->sources) : NULL;
	for (size_t i = 0; i < s->nsources; i++)
		q->sources[i] = xstrdup(s->sources[i]);
	return 0;
}

int
matcher_add(struct matcher *m, uint64_t id, const char *query, const char *stem,
    char **cause)
{
	struct match_spec s;

	memset(&s, 0, sizeof s);
	s.query = query;
	s.stem = stem;
	return matcher_add_spec(m, id, &s, cause);
}

int
match_check(const char *query, const char *stem, char **cause)
{
	struct matcher *m = matcher_new();
	int r = matcher_add(m, 0, query, stem, cause);

	matcher_free(m);
	return r;
}

/* ---- compiling the presearch index ---- */

#define LIT_BIT		0x80000000U
#define CAND_HIT	0x80000000U	/* in m->cand: decided by the presearch */
#define COST_ANY	UINT64_MAX

struct req {
	uint32_t	*item;		/* index entries, or LIT_BIT | literal */
	size_t		 n;
	uint64_t	 cost;		/* COST_ANY: no requirement */
	uint64_t	 also;		/* the key hash of another term required, or 0 */
	int		 also_prefix;	/* that term is a prefix */
};

/* The index entry of a word, created if needed. */
static uint32_t
ientry_get(struct matcher *m, const struct word *w)
{
	struct hkey k = mkkey(w->key, w->len, w->exact ? 0 : w->lang,
	    w->prefix ? K_PREFIX : K_TERM);
	long e = htab_find(&m->ih, m->ie, sizeof *m->ie, &k);
	struct ientry *ie;

	if (e >= 0)
		return (uint32_t)e;
	if (m->nie == m->iecap) {
		m->iecap = m->iecap ? m->iecap * 2 : 1024;
		m->ie = xreallocarray(m->ie, m->iecap, sizeof *m->ie);
	}
	ie = &m->ie[m->nie];
	memset(ie, 0, sizeof *ie);
	ie->k = k;
	ie->k.s = xstrndup(w->key, w->len);
	htab_insert(&m->ih, m->ie, sizeof *m->ie, (uint32_t)m->nie);
	if (w->prefix)
		m->plen[w->len] = 1;
	return (uint32_t)m->nie++;
}

/* Count how many queries use each key: a stand-in for how common it is. */
static void
count_uses(struct matcher *m, const struct node *n)
{
	switch (n->type) {
	case N_AND: case N_OR: case N_NOT:
		for (uint32_t i = 0; i < n->u.list.n; i++)
			count_uses(m, n->u.list.kid[i]);
		break;
	case N_WORDS:
		for (uint32_t i = 0; i < n->u.words.n; i++) {
			uint32_t e = ientry_get(m, &n->u.words.w[i]);

			m->ie[e].uses++;	/* after ientry_get: it may move m->ie */
		}
		break;
	default:
		break;
	}
}

/* The literal entry for a regex literal. */
static uint32_t
lit_get(struct matcher *m, const char *s)
{
	for (size_t i = 0; i < m->nlit; i++)
		if (strcmp(m->lit[i].s, s) == 0)
			return (uint32_t)i;
	m->lit = xreallocarray(m->lit, m->nlit + 1, sizeof *m->lit);
	memset(&m->lit[m->nlit], 0, sizeof *m->lit);
	m->lit[m->nlit].s = xstrdup(s);
	m->lit[m->nlit].len = strlen(s);
	return (uint32_t)m->nlit++;
}

/* What it costs to have a word as the requirement: common and short words cost more. */
static uint64_t
word_cost(struct matcher *m, uint32_t e)
{
	const struct ientry *ie = &m->ie[e];
	uint64_t c = ie->uses;

	if (ie->k.kind == K_PREFIX)
		c += 1000;
	if (ie->k.len <= 2)
		c += 500;
	else if (ie->k.len == 3)
		c += 50;
	return c;
}

/* A requirement of one item. */
static struct req
req_one(uint32_t item, uint64_t cost)
{
	struct req r = { xmalloc(sizeof(uint32_t)), 1, cost, 0, 0 };

	r.item[0] = item;
	return r;
}

static struct req required(struct matcher *, const struct node *);
static void lit_buckets(struct matcher *);

/* The key hash of a requirement that is one term or prefix (not a literal), or 0;
 * *prefix says which. */
static uint64_t
one_term(const struct matcher *m, const struct req *r, int *prefix)
{
	if (r->n != 1 || (r->item[0] & LIT_BIT))
		return 0;
	*prefix = m->ie[r->item[0]].k.kind == K_PREFIX;
	return m->ie[r->item[0]].k.hash;
}

/* AND whose cheapest requirement (kid b, best) is one term (of this hash) and no
 * other child is: the terms of an OR another child needs, with that term as their
 * second, if there is one; else best. An article is then a candidate when it has
 * both, not whenever it has the one term (finding the OR's terms costs a posting
 * each, an evaluation costs far more). */
static struct req
or_first(struct req *kid, uint32_t nk, uint32_t b, struct req best, uint64_t term,
    int prefix)
{
	struct req r;

	for (uint32_t i = 0; i < nk; i++) {
		if (i == b || kid[i].cost == COST_ANY || kid[i].n < 2 || kid[i].also != 0)
			continue;
		r = kid[i];
		kid[i].item = NULL;
		r.also = term;
		r.also_prefix = prefix;
		free(best.item);
		return r;
	}
	return best;
}

/* AND: the cheapest requirement among the children, and a term another child needs. */
static struct req
required_and(struct matcher *m, const struct node *n)
{
	struct req best = { NULL, 0, COST_ANY, 0, 0 }, *kid;
	uint32_t nk = n->u.list.n, b = nk;
	uint64_t term, other = 0, ocost = COST_ANY;
	int pfx, opfx = 0;

	kid = xcalloc(nk, sizeof *kid);
	for (uint32_t i = 0; i < nk; i++) {
		kid[i] = required(m, n->u.list.kid[i]);
		if (kid[i].cost < best.cost) {
			best.cost = kid[i].cost;
			b = i;
		}
	}
	for (uint32_t i = 0; i < nk; i++)
		if (i != b && (term = one_term(m, &kid[i], &pfx)) != 0 && kid[i].cost < ocost) {
			other = term;
			opfx = pfx;
			ocost = kid[i].cost;
		}
	if (b < nk) {
		best = kid[b];
		kid[b].item = NULL;
		if (best.also == 0 && other != one_term(m, &best, &pfx)) {
			best.also = other;
			best.also_prefix = opfx;
		}
		if (best.also == 0 && (term = one_term(m, &best, &pfx)) != 0)
			best = or_first(kid, nk, b, best, term, pfx);
	}
	for (uint32_t i = 0; i < nk; i++)
		free(kid[i].item);
	free(kid);
	return best;
}

/* A phrase or NEAR: its rarest word, and the next rarest whole word as the other. */
static struct req
required_words(struct matcher *m, const struct node *n)
{
	uint32_t best = 0, e, second = UINT32_MAX;
	uint64_t bc = COST_ANY, sc = COST_ANY, c;
	struct req r;

	for (uint32_t i = 0; i < n->u.words.n; i++) {
		e = ientry_get(m, &n->u.words.w[i]);
		if ((c = word_cost(m, e)) < bc) {
			bc = c;
			best = e;
		}
	}
	for (uint32_t i = 0; i < n->u.words.n; i++) {
		e = ientry_get(m, &n->u.words.w[i]);
		if (e != best && m->ie[e].k.kind == K_TERM && (c = word_cost(m, e)) < sc) {
			sc = c;
			second = e;
		}
	}
	r = req_one(best, bc);
	if (second != UINT32_MAX)
		r.also = m->ie[second].k.hash;
	return r;
}

/* OR: every child's requirement; none if one child has none. */
static struct req
required_or(struct matcher *m, const struct node *n)
{
	struct req all = { NULL, 0, 0, 0, 0 }, r;

	for (uint32_t i = 0; i < n->u.list.n; i++) {
		r = required(m, n->u.list.kid[i]);
		if (r.cost == COST_ANY) {
			free(all.item);
			return r;
		}
		all.item = xreallocarray(all.item, all.n + r.n, sizeof *all.item);
		memcpy(all.item + all.n, r.item, r.n * sizeof *r.item);
		all.n += r.n;
		all.cost += r.cost;
		free(r.item);
	}
	return all;
}

/* The keys at least one of which any article matching n contains. */
static struct req
required(struct matcher *m, const struct node *n)
{
	struct req none = { NULL, 0, COST_ANY, 0, 0 };

	switch (n->type) {
	case N_AND:
		return required_and(m, n);
	case N_OR:
		return required_or(m, n);
	case N_WORDS:
		return required_words(m, n);
	case N_REGEX:
		if (n->u.re.lit == NULL)
			return none;
		return req_one(LIT_BIT | lit_get(m, n->u.re.lit), 5000);
	default:
		return none;
	}
}

/* Append a query to a posting list. */
static void
post(uint32_t **v, uint32_t *n, uint32_t q)
{
	if (*n > 0 && (*v)[*n - 1] == q)
		return;
	*v = xreallocarray(*v, *n + 1, sizeof **v);
	(*v)[(*n)++] = q;
}

/* Post query q under an index entry, once (a direct query's fields add up). */
static void
post_entry(struct ientry *ie, uint32_t q, uint8_t fields, int direct, uint64_t also)
{
	if (ie->n > 0 && ie->q[ie->n - 1].q == q) {
		ie->q[ie->n - 1].fields |= fields;
		if (ie->q[ie->n - 1].also != also)
			ie->q[ie->n - 1].also = 0;	/* two ways in: no filter */
		return;
	}
	if (ie->n == ie->cap) {
		ie->cap = ie->cap ? ie->cap * 2 : 2;
		ie->q = xreallocarray(ie->q, ie->cap, sizeof *ie->q);
	}
	ie->q[ie->n].q = q;
	ie->q[ie->n].also = also;
	ie->q[ie->n].fields = fields;
	ie->q[ie->n].direct = (uint8_t)direct;
	ie->n++;
}

/* Is n one plain word (no prefix, phrase or =TERM): found in its fields, it matches? */
static int
plain_word(const struct node *n)
{
	return n->type == N_WORDS && n->u.words.n == 1 && !n->u.words.w[0].prefix &&
	    n->u.words.w[0].exact == NULL;
}

/* Does the presearch alone decide query q: a plain word or an OR of them, any source? */
static int
is_direct(const struct query *q)
{
	const struct node *n = q->root;

	if (q->nsources > 0)
		return 0;
	if (plain_word(n))
		return 1;
	if (n->type != N_OR)
		return 0;
	for (uint32_t k = 0; k < n->u.list.n; k++)
		if (!plain_word(n->u.list.kid[k]))
			return 0;
	return 1;
}

/* Post a direct query under each of its words, with the fields each must occur in. */
static void
post_direct(struct matcher *m, uint32_t i)
{
	const struct node *n = m->q[i].root, *w;
	uint32_t nk = n->type == N_OR ? n->u.list.n : 1, e;

	for (uint32_t k = 0; k < nk; k++) {
		w = n->type == N_OR ? n->u.list.kid[k] : n;
		e = ientry_get(m, &w->u.words.w[0]);
		post_entry(&m->ie[e], i, w->fields, 1, 0);
	}
}

/* Post a query under the keys it requires (or among those always evaluated). */
static void
post_required(struct matcher *m, uint32_t i, uint32_t *nalw)
{
	struct req r = required(m, m->q[i].root);
	uint32_t it;

	if (r.cost == COST_ANY)
		post(&m->always, nalw, i);
	for (size_t k = 0; k < r.n; k++) {
		it = r.item[k];
		if (it & LIT_BIT)
			post(&m->lit[it & ~LIT_BIT].q, &m->lit[it & ~LIT_BIT].n, i);
		else
			post_entry(&m->ie[it], i, r.also_prefix ? RP_ALSO_PREFIX : 0, 0,
			    r.also);
	}
	free(r.item);
}

/* The bytes of an index entry's record, key padded so the postings align. */
static size_t
rec_bytes(const struct ientry *ie)
{
	size_t nd = 0;

	for (uint32_t k = 0; k < ie->n; k++)
		nd += ie->q[k].direct;
	return sizeof(struct prec) + ((ie->k.len + 3) & ~(size_t)3) +
	    nd * sizeof(uint32_t) + (ie->n - nd) * sizeof(struct rposting);
}

/* The bytes of the records of the first n entries (those with postings). */
static size_t
rec_size(const struct matcher *m, size_t n)
{
	size_t total = 0;

	for (size_t e = 0; e < n; e++)
		if (m->ie[e].n > 0)
			total += rec_bytes(&m->ie[e]);
	if (total >= UINT32_MAX)
		fatalx("%s: the watchlists' index is too large", __func__);
	return total;
}

/* Write an entry's record at p; its size. */
static size_t
rec_put(char *p, const struct ientry *ie)
{
	struct prec *r = (struct prec *)(void *)p;
	size_t klen = (ie->k.len + 3) & ~(size_t)3;
	uint32_t *dq = (uint32_t *)(void *)(r->key + klen);
	struct rposting *rp;

	r->fp = (uint32_t)(ie->k.hash >> 32);
	r->nd = r->nc = 0;
	r->len = (uint16_t)ie->k.len;
	r->lang = ie->k.lang;
	r->kind = ie->k.kind;
	memset(r->key, 0, klen);
	memcpy(r->key, ie->k.s, ie->k.len);
	for (uint32_t k = 0; k < ie->n; k++)	/* direct ones first: lookup's loops */
		if (ie->q[k].direct)
			dq[r->nd++] = ie->q[k].q << RP_Q |
			    (ie->q[k].fields & RP_FIELDS);
	rp = (struct rposting *)(void *)(dq + r->nd);
	for (uint32_t k = 0; k < ie->n; k++)
		if (!ie->q[k].direct) {
			rp[r->nc].qf = ie->q[k].q << RP_Q | (ie->q[k].fields & RP_FIELDS);
			rp[r->nc++].also = (uint32_t)ie->q[k].also;
		}
	return rec_bytes(ie);
}

/* The direct postings of a record (the others follow them). */
static const uint32_t *
rec_direct(const struct prec *r)
{
	return (const uint32_t *)(const void *)(r->key + ((r->len + 3) & ~3U));
}

/* Free the index entries and their hash table (compiling only). */
static void
index_free(struct matcher *m)
{
	for (size_t i = 0; i < m->nie; i++) {
		free((char *)m->ie[i].k.s);
		free(m->ie[i].q);
	}
	free(m->ie);
	free(m->ih.slot);
	m->ie = NULL;
	m->ih.slot = NULL;
	m->nie = m->iecap = 0;
}

/* The filter: a bit per key with postings, about eight bits per key. */
static void
filter_build(struct matcher *m, size_t keys)
{
	size_t bits = 64;
	uint32_t b;

	while (bits < keys * 8 && bits < ((size_t)1 << 31))
		bits *= 2;
	m->filt = xcalloc(bits / 64, sizeof *m->filt);
	m->filtmask = (uint32_t)(bits - 1);
	for (size_t e = 0; e < m->nie; e++) {
		if (m->ie[e].n == 0)
			continue;
		b = (uint32_t)(m->ie[e].k.hash >> 32) & m->filtmask;
		m->filt[b / 64] |= 1ULL << (b % 64);
	}
}

/* Might the index hold a key of this hash? (No: most of an article's words.) */
static int
filter_may(const struct matcher *m, uint64_t hash)
{
	uint32_t b = (uint32_t)(hash >> 32) & m->filtmask;

	return (m->filt[b / 64] >> (b % 64)) & 1;
}

/* Set a key's bits in its vocabulary filter: two for "some query names it" and,
 * if it has postings, one for "the index holds it", all in one 64-bit word, so
 * that the test made for every token of an article also answers the index's
 * question for the tokens it lets through, from the same cache line. */
static void
vocab_set(struct vocab *v, uint64_t hash, int indexed)
{
	v->w[(hash >> 20) & v->mask] |= 1ULL << (hash & 63) | 1ULL << (hash >> 6 & 63) |
	    (uint64_t)(indexed != 0) << (hash >> 12 & 63);
}

/* Might some query name a word or prefix of this key hash (bit 0), and might the
 * index hold it (bit 1)? */
static inline int
vocab_test(const struct vocab *v, uint64_t hash)
{
	uint64_t want = 1ULL << (hash & 63) | 1ULL << (hash >> 6 & 63);
	uint64_t w = v->w[(hash >> 20) & v->mask];

	return ((w & want) == want) | (int)((w >> (hash >> 12 & 63) & 1) << 1);
}

/* The vocabulary filters: every word, and every prefix, of every query (negated,
 * optional or in a phrase alike), 16 bits per key; the prefixes apart, as they are
 * few and tested for most tokens (their filter stays in the nearest cache). None
 * when stemming needs every term. */
static void
vocab_build(struct matcher *m)
{
	size_t words[2] = { 1, 1 }, count[2] = { 0, 0 };

	if (m->nlang > 1)
		return;
	for (size_t e = 0; e < m->nie; e++)
		count[m->ie[e].k.kind == K_PREFIX]++;
	for (int k = 0; k < 2; k++) {
		while (words[k] * 4 < count[k] && words[k] < ((size_t)1 << 28))
			words[k] *= 2;
		m->vocab[k].w = xcalloc(words[k], sizeof *m->vocab[k].w);
		m->vocab[k].mask = (uint32_t)(words[k] - 1);
	}
	for (size_t e = 0; e < m->nie; e++)
		vocab_set(&m->vocab[m->ie[e].k.kind == K_PREFIX], m->ie[e].k.hash,
		    m->ie[e].n > 0);
}

/* The bucket of a key in its table. */
static inline uint32_t
bucket_of(const struct ptab *t, uint64_t hash)
{
	return (uint32_t)hash & t->mask;
}

/* Build the index: the records of the keys with postings (keys under NOT alone,
 * say, have none), laid out bucket by bucket (about one record a bucket), terms
 * apart from prefixes, which are fewer and probed more often; a directory of the
 * buckets' offsets (4 bytes a bucket: it stays in a near cache, where a table of
 * slots twice the keys would not) finds them. Then the prefix lengths. */
static void
probe_table(struct matcher *m)
{
	size_t size[2] = { 16, 16 }, count[2] = { 0, 0 };
	uint32_t *at, off = 0;
	const struct ientry *ie;
	struct ptab *t;

	for (size_t e = 0; e < m->nie; e++)
		count[m->ie[e].k.kind == K_PREFIX] += m->ie[e].n > 0;
	for (int k = 0; k < 2; k++) {
		while (size[k] < count[k])
			size[k] *= 2;
		m->pt[k].dir = xcalloc(size[k] + 2, sizeof *m->pt[k].dir);
		m->pt[k].mask = (uint32_t)size[k] - 1;
	}
	vocab_build(m);
	if (m->vocab[0].w == NULL)
		filter_build(m, count[0] + count[1]);
	m->rec = xmalloc(rec_size(m, m->nie) + 1);
	for (size_t e = 0; e < m->nie; e++) {	/* each bucket's bytes, */
		if ((ie = &m->ie[e])->n == 0)
			continue;
		t = &m->pt[ie->k.kind == K_PREFIX];
		t->dir[bucket_of(t, ie->k.hash) + 2] += (uint32_t)rec_bytes(ie);
	}
	for (int k = 0; k < 2; k++) {		/* its start (+ 1, as a cursor), */
		t = &m->pt[k];
		t->dir[1] = off;
		for (size_t b = 0; b <= t->mask; b++)
			t->dir[b + 2] += t->dir[b + 1];
		off = t->dir[t->mask + 2];
	}
	for (size_t e = 0; e < m->nie; e++) {	/* its records */
		if ((ie = &m->ie[e])->n == 0)
			continue;
		t = &m->pt[ie->k.kind == K_PREFIX];
		at = &t->dir[bucket_of(t, ie->k.hash) + 1];
		*at += (uint32_t)rec_put(m->rec + *at, ie);
	}
	for (int k = 0; k < 2; k++)	/* the cursors end where the next bucket starts */
		m->pt[k].dir[0] = k == 0 ? 0 : m->pt[0].dir[m->pt[0].mask + 1];
	for (size_t l = 1; l <= MAX_PREFIX; l++)
		if (m->plen[l])
			m->plens[m->nplens++] = (uint8_t)l;
}

/* The queries' ids in a dense array, or NULL when each is its query's place (as
 * the daemon numbers its watchlists): a hit then reads nothing to know its id. */
static uint64_t *
query_ids(const struct matcher *m)
{
	uint64_t *ids;
	size_t i;

	for (i = 0; i < m->nq && m->q[i].id == i; i++)
		;
	if (i == m->nq)
		return NULL;
	ids = xreallocarray(NULL, m->nq + 1, sizeof *ids);
	for (i = 0; i < m->nq; i++)
		ids[i] = m->q[i].id;
	return ids;
}

void
matcher_compile(struct matcher *m)
{
	uint32_t nalw = 0;

	if (m->compiled)
		return;
	if (m->nq >= CAND_HIT || m->nq >= MAX_RP_QUERIES)
		fatalx("%s: too many watchlists", __func__);
	for (size_t i = 0; i < m->nq; i++)
		count_uses(m, m->q[i].root);
	for (uint32_t i = 0; i < m->nq; i++) {
		if (is_direct(&m->q[i]))
			post_direct(m, i);
		else
			post_required(m, i, &nalw);
	}
	m->nalways = nalw;
	lit_buckets(m);
	probe_table(m);
	index_free(m);		/* the records replace it */
	m->nwords = (m->nq + 63) / 64;
	m->cbits = xcalloc(m->nwords + 1, sizeof *m->cbits);
	m->hbits = xcalloc(m->nwords + 1, sizeof *m->hbits);
	m->sbits = xcalloc(m->nwords / 64 + 1, sizeof *m->sbits);
	m->cand = xcalloc(m->nq + 1, sizeof *m->cand);
	m->ids = query_ids(m);
	m->st.queries = m->nq;
	m->st.always = m->nalways;
	m->compiled = 1;
}

void
matcher_stats(const struct matcher *m, struct match_stats *st)
{
	*st = m->st;
	st->queries = m->nq;
}

/* ---- the article ---- */

#define NO_TERM	UINT32_MAX	/* in doc.tid: a token no query needs */

/* Room for n elements of size bytes in a scratch array (its old content is lost). */
static void *
scratch(struct scratch *s, size_t n, size_t size)
{
	if (n > s->size / size) {
		free(s->p);
		s->size = (n + n / 2) * size;
		s->p = xmalloc(s->size);
	}
	return s->p;
}

/* Copy bytes into the article's chunks, which never move. */
static const char *
doc_dup(struct doc *d, const char *s, size_t len)
{
	struct chunk *c = d->chunks;
	char *p;

	if (len + 1 > sizeof c->data) {
		c = xmalloc(sizeof *c + len);
		c->used = 0;
		if (d->chunks == NULL) {
			c->next = NULL;
			d->chunks = c;
		} else {	/* keep the head chunk current */
			c->next = d->chunks->next;
			d->chunks->next = c;
		}
	} else if (c == NULL || c->used + len + 1 > sizeof c->data) {
		c = xmalloc(sizeof *c);
		c->next = d->chunks;
		c->used = 0;
		d->chunks = c;
	}
	p = c->data + c->used;
	memcpy(p, s, len);
	p[len] = '\0';
	c->used += len + 1;
	return p;
}

/* The index of a term of the article (h: its text_hash), added if new: one walk of
 * the table, which doc_build sized for every token (it never fills or grows). */
static uint32_t
doc_intern(struct doc *d, const char *s, size_t len, int lang, uint64_t h)
{
	struct hkey k = { mix_key(h, lang, K_TERM), s, (uint32_t)len, (uint8_t)lang,
	    K_TERM };
	uint64_t e, tag = k.hash >> 32;
	uint32_t i;

	for (i = (uint32_t)k.hash & d->h.mask; (e = d->h.slot[i]) != 0;
	    i = (i + 1) & d->h.mask)
		if (e >> 32 == tag && key_eq(&d->t[(e & 0xFFFFFFFF) - 1].k, &k))
			return (uint32_t)(e & 0xFFFFFFFF) - 1;
	d->t[d->nt].k = k;
	d->t[d->nt].n = 0;
	d->t[d->nt].fmask = 0;
	d->t[d->nt].indexed = 1;	/* unless doc_terms knows better */
	d->h.slot[i] = tag << 32 | (uint64_t)(d->nt + 1);
	d->h.n++;
	return (uint32_t)d->nt++;
}

/* Stem every word of the article for each language of the matcher. */
static void
doc_stem(struct matcher *m, struct doc *d, size_t nl)
{
	uint32_t *map = xcalloc(d->n0 + 1, sizeof *map);
	const char *s;
	size_t n;

	for (size_t l = 1; l < nl; l++) {
		for (size_t i = 0; i < d->n0; i++) {
			s = text_stem(m->lang[l], d->t[i].k.s, d->t[i].k.len, &n);
			s = doc_dup(d, s, n);
			map[i] = doc_intern(d, s, n, (int)l, text_hash(s, n));
		}
		for (int f = 0; f < NFIELDS; f++)
			for (size_t k = 0; k < d->tok[f]->n; k++)
				d->tid[f][k * nl + l] = map[d->tid[f][k * nl]];
	}
	free(map);
}

/* Add the occurrence of term id at token k of field f (its place counted). */
static void
occ_put(struct doc *d, uint32_t id, int f, size_t k)
{
	struct dterm *t = &d->t[id];
	struct occ *o = &d->occ[t->first + t->n++];

	o->field = (uint8_t)f;
	o->tok = (uint32_t)k;
	o->pos = d->tok[f]->v[k].pos;
}

/* Lay out the occurrences of every term, in field and position order: those of
 * language 0 from the tokens doc_terms listed and counted, the stems' from the
 * tokens' terms in each language. */
static void
doc_occurrences(struct doc *d, size_t nl)
{
	size_t total = 0;
	uint32_t id;

	for (int f = 0; f < NFIELDS && nl > 1; f++)
		for (size_t k = 0; k < d->tok[f]->n; k++)
			for (size_t l = 1; l < nl; l++) {
				if ((id = d->tid[f][k * nl + l]) == NO_TERM)
					continue;
				d->t[id].n++;
				d->t[id].fmask |= (uint8_t)(1 << f);
			}
	for (size_t i = 0; i < d->nt; i++) {
		d->t[i].first = (uint32_t)total;
		total += d->t[i].n;
		d->t[i].n = 0;
	}
	d->occ = scratch(&d->m->socc, total + 1, sizeof *d->occ);
	d->nocc = total;
	if (nl == 1) {
		for (size_t i = 0; i < d->nneed; i++) {
			int f = (int)(d->need[i] >> 32);
			size_t k = (uint32_t)d->need[i];

			occ_put(d, d->tid[f][k], f, k);
		}
		return;
	}
	for (int f = 0; f < NFIELDS; f++)
		for (size_t k = 0; k < d->tok[f]->n * nl; k++)
			if ((id = d->tid[f][k]) != NO_TERM)
				occ_put(d, id, f, k / nl);
}

/* The key hash of the prefix of p (1 to 8) bytes of the folded form at norm,
 * taken with one load (text.h: a token's first 16 bytes may be loaded): the same
 * as hash_key(norm, p, 0, K_PREFIX) if the form is that long, some hash if not
 * (callers mask the answer). Little-endian machines only (see text_hash). */
static inline uint64_t
prefix_hash8(const char *norm, size_t p)
{
	uint64_t v;

	memcpy(&v, norm, 8);
	v &= ~0ULL >> (64 - 8 * p);
	return mix_key(text_hash_last(text_hash_start(p), v), 0, K_PREFIX);
}

/* Can prefixes of p bytes be hashed with prefix_hash8? */
static inline int
prefix_short(size_t p)
{
	return p <= 8 && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__;
}

/* Does some query name a token's word (bit 0), and might the index hold it
 * (bit 1)? One word of the vocabulary filter answers both. */
static int
word_needed(const struct matcher *m, const struct text_token *tk)
{
	return vocab_test(&m->vocab[0], mix_key(tk->hash, 0, K_TERM));
}

/* Note a key of the article's to look up in the index. */
static void
probe_add(struct probe **v, size_t *n, size_t *cap, const struct hkey *k, uint8_t fmask)
{
	if (*n == *cap) {
		*cap = *cap ? *cap * 2 : 64;
		*v = xreallocarray(*v, *cap, sizeof **v);
	}
	(*v)[*n].k = *k;
	(*v)[(*n)++].fmask = fmask;
}

/* The prefixes in use of token k of field f that some query names: the token
 * noted under each in m->pw (evaluating a prefix reads the words from there:
 * see prefix_gather), their bits in the article's prefix filter (d->pfx, for
 * also_ok), and the keys the index may hold in m->pk (looked up once each: see
 * probes). Without a branch on the token's length (which prefixes it is long
 * enough for is as unpredictable as the words of a text) or on the filter's
 * words, so that the next tokens' are fetched while these arrive. pw (m->pw,
 * npw noted so far: the count is kept out of memory, where every note's store
 * would have to be read back) has room for every prefix of the token; the new
 * count. */
static inline size_t
token_prefixes(struct matcher *m, struct doc *d, const struct text_token *tk, int f,
    size_t tok, struct pword *pw, size_t npw)
{
	int vocab = m->vocab[1].w != NULL;

	for (size_t l = 0; l < m->nplens; l++) {
		size_t p = m->plens[l];
		int ok = p <= tk->normlen, v;
		struct hkey k = { 0, tk->norm, (uint32_t)p, 0, K_PREFIX };

		if (prefix_short(p))
			k.hash = prefix_hash8(tk->norm, p);
		else if (ok)
			k.hash = hash_key(tk->norm, p, 0, K_PREFIX);
		else
			continue;
		v = (vocab ? vocab_test(&m->vocab[1], k.hash) :
		    1 | filter_may(m, k.hash) << 1) & -ok;
		pw[npw].hash = k.hash;
		pw[npw].tok = (uint32_t)tok;
		pw[npw].field = (uint8_t)f;
		npw += (size_t)(v & 1);
		d->pfx[k.hash % DOC_PBITS / 64] |= (uint64_t)(v & 1) << (k.hash % 64);
		if (v == 3)
			probe_add(&m->pk, &m->npk, &m->pkcap, &k, (uint8_t)(1 << f));
	}
	return npw;
}

/* Put the tokens of every field whose word some query names (all: every token)
 * into the dictionary: first which ones, then their list (d->need, in order), then
 * those. A word that is needed only as one beginning with a prefix in use is no
 * term: token_prefixes notes its token for prefix_gather. */
static void
doc_terms(struct matcher *m, struct doc *d, size_t nl, int all)
{
	int filter = m->vocab[0].w != NULL;
	size_t ntok = 0;
	uint32_t *at;

	for (int f = 0; f < NFIELDS; f++)
		ntok += d->tok[f]->n * nl + 1;
	at = scratch(&m->stid, ntok, sizeof *at);
	m->npk = m->npw = 0;
	for (int f = 0; f < NFIELDS; f++) {
		const struct text_token *v = d->tok[f]->v;
		size_t n = d->tok[f]->n, npw, nlk;
		uint32_t *tid, need, *lk;

		tid = d->tid[f] = at;
		at += n * nl + 1;
		if (m->npw + n * m->nplens + 1 > m->pwcap) {
			m->pwcap = m->npw + n * m->nplens + 1;
			m->pwcap += m->pwcap / 2;
			m->pw = xreallocarray(m->pw, m->pwcap, sizeof *m->pw);
		}
		/* which words are needed; which tokens are as long as a prefix in use
		   (most of a text's are shorter: their prefixes need no work) */
		lk = scratch(&m->slong, n + 1, sizeof *lk);
		nlk = 0;
		for (size_t k = 0; k < n; k++) {
			tid[k * nl] = filter ? (uint32_t)word_needed(m, &v[k]) : 3;
			lk[nlk] = (uint32_t)k;
			nlk += m->nplens > 0 && v[k].normlen >= m->plens[0];
		}
		npw = m->npw;
		for (size_t i = 0; i < nlk; i++)
			npw = token_prefixes(m, d, &v[lk[i]], f, lk[i], m->pw, npw);
		m->npw = npw;
		for (size_t k = 0; k < n; k++) {	/* the list, without a branch */
			need = tid[k * nl] | (uint32_t)(all != 0);
			d->need[d->nneed] = (uint64_t)f << 32 | k;
			d->nneed += need & 1;
			tid[k * nl] = need & 1 ? need : NO_TERM;
		}
	}
	for (size_t i = 0; i < d->nneed; i++) {
		int f = (int)(d->need[i] >> 32);
		size_t k = (uint32_t)d->need[i];
		const struct text_token *tk = &d->tok[f]->v[k];
		uint32_t need = d->tid[f][k * nl], id;

		d->tid[f][k * nl] = id = doc_intern(d, tk->norm, tk->normlen, 0, tk->hash);
		d->t[id].n++;
		d->t[id].fmask |= (uint8_t)(1 << f);
		d->t[id].indexed = (uint8_t)(need >> 1 & 1);
	}
}

/* The tokens of an empty field (shared: no allocation per article). */
static char no_arena[TEXT_ARENA_PAD];
static struct text_tokens no_tokens = { NULL, 0, 0, no_arena, 0, TEXT_ARENA_PAD };

/* Tokenise every field of an article and build its term dictionary (of the terms
 * queries need, unless all). */
static void
doc_build(struct matcher *m, struct doc *d, const struct match_doc *md, int all)
{
	const char *src[NFIELDS] = { md->title, md->text, md->summary, md->url,
	    md->source, md->author };
	size_t nl = m->nlang > 1 ? m->nlang : 1;
	size_t ntok = 0, size = 256;

	d->m = m;
	d->d = md;
	for (int f = 0; f < NFIELDS; f++) {
		d->ftext[f] = src[f] != NULL ? src[f] : "";
		d->flen[f] = strlen(d->ftext[f]);
		d->tok[f] = d->flen[f] > 0 ? text_tokenize(d->ftext[f], d->flen[f], 0) :
		    &no_tokens;
		ntok += d->tok[f]->n * nl;
	}
	while (size < 2 * (ntok + 1))	/* room for every term: no growing, and sparse,
					   as most words looked up are absent */
		size *= 2;
	d->h.slot = scratch(&m->sslot, size, sizeof *d->h.slot);
	memset(d->h.slot, 0, size * sizeof *d->h.slot);
	d->h.mask = (uint32_t)size - 1;
	d->tcap = ntok + 1;
	d->t = scratch(&m->sterm, d->tcap, sizeof *d->t);
	d->need = scratch(&m->sneed, ntok / nl + 1, sizeof *d->need);
	doc_terms(m, d, nl, all);
	d->pw = m->pw;
	d->npw = m->npw;
	d->n0 = d->nt;
	if (nl > 1)
		doc_stem(m, d, nl);
	doc_occurrences(d, nl);
}

/* Free what doc_build made. */
static void
doc_free(struct doc *d)
{
	struct chunk *c;

	for (int f = 0; f < NFIELDS; f++)
		if (d->tok[f] != &no_tokens)
			text_tokens_free(d->tok[f]);
	while ((c = d->chunks) != NULL) {
		d->chunks = c->next;
		free(c);
	}
	free(d->pwhead);
	free(d->pwnext);
	free(d->sp);
}

/* ---- evaluation ---- */

/* Record a matched span. */
static void
span_add(struct doc *d, int field, size_t start, size_t end)
{
	if (d->nsp == d->spcap) {
		d->spcap = d->spcap ? d->spcap * 2 : 16;
		d->sp = xreallocarray(d->sp, d->spcap, sizeof *d->sp);
	}
	d->sp[d->nsp].field = (uint8_t)field;
	d->sp[d->nsp].start = start;
	d->sp[d->nsp].end = end;
	d->nsp++;
}

/* Order occurrences by field and position. */
static int
occ_cmp(const void *a, const void *b)
{
	const struct occ *x = a, *y = b;

	if (x->field != y->field)
		return x->field < y->field ? -1 : 1;
	if (x->pos != y->pos)
		return x->pos < y->pos ? -1 : 1;
	return (x->tok > y->tok) - (x->tok < y->tok);
}

/* Does an occurrence spell the word exactly as =TERM asks? */
static int
exact_ok(const struct doc *d, const struct word *w, const struct occ *o)
{
	const struct text_token *tk = &d->tok[o->field]->v[o->tok];
	size_t n = strlen(w->exact);

	return tk->end - tk->start == n &&
	    memcmp(d->ftext[o->field] + tk->start, w->exact, n) == 0;
}

/* Append an occurrence to a list. */
static void
occ_add(struct occ **v, size_t *n, size_t *cap, const struct occ *o)
{
	if (*n == *cap) {
		*cap = *cap ? *cap * 2 : 32;
		*v = xreallocarray(*v, *cap, sizeof **v);
	}
	(*v)[(*n)++] = *o;
}

/* Append occurrences of term t in the fields to a list, filtered by =TERM. */
static void
gather(const struct doc *d, const struct word *w, const struct dterm *t,
    uint8_t fields, struct occ **v, size_t *n, size_t *cap)
{
	for (uint32_t i = 0; i < t->n; i++) {
		const struct occ *o = &d->occ[t->first + i];

		if (!(fields & (1 << o->field)) || (w->exact && !exact_ok(d, w, o)))
			continue;
		occ_add(v, n, cap, o);
	}
}

#define PREFIX_SCANS	4	/* prefixes looked for in doc.pw before it is indexed */

/* Index the tokens with a prefix in use by the prefix's hash (chains in pwnext). */
static void
pw_index(struct doc *d)
{
	size_t size = 16;
	uint32_t b;

	while (size < 2 * d->npw)
		size *= 2;
	d->pwmask = (uint32_t)size - 1;
	d->pwhead = xreallocarray(NULL, size, sizeof *d->pwhead);
	memset(d->pwhead, 0xFF, size * sizeof *d->pwhead);
	d->pwnext = xreallocarray(NULL, d->npw + 1, sizeof *d->pwnext);
	for (size_t i = d->npw; i-- > 0; ) {	/* chains in token order */
		b = (uint32_t)d->pw[i].hash & d->pwmask;
		d->pwnext[i] = d->pwhead[b];
		d->pwhead[b] = (uint32_t)i;
	}
}

/* Add the occurrence of a token noted under a prefix's hash if it has the prefix
 * and is in the fields. */
static void
pw_gather(const struct doc *d, const struct word *w, const struct pword *p,
    uint8_t fields, struct occ **v, size_t *n, size_t *cap)
{
	const struct text_token *tk = &d->tok[p->field]->v[p->tok];
	struct occ o = { tk->pos, p->tok, p->field };

	if ((fields >> p->field & 1) && tk->normlen >= w->len &&
	    memcmp(tk->norm, w->key, w->len) == 0 && (!w->exact || exact_ok(d, w, &o)))
		occ_add(v, n, cap, &o);
}

/* Gather the occurrences of every word beginning with a prefix, from the tokens
 * token_prefixes noted under it (every token with a prefix that some query names;
 * a word with no other use is no term of the dictionary). The first few lookups
 * of an article read the whole list (most articles need one or two), the others an
 * index of it made then. */
static void
prefix_gather(struct doc *d, const struct word *w, uint8_t fields, struct occ **v,
    size_t *n, size_t *cap)
{
	uint64_t h = hash_key(w->key, w->len, 0, K_PREFIX);

	if (d->nscan < PREFIX_SCANS) {
		d->nscan++;
		for (size_t i = 0; i < d->npw; i++)
			if (d->pw[i].hash == h)
				pw_gather(d, w, &d->pw[i], fields, v, n, cap);
		return;
	}
	if (d->pwhead == NULL)
		pw_index(d);
	for (uint32_t i = d->pwhead[h & d->pwmask]; i != UINT32_MAX; i = d->pwnext[i])
		if (d->pw[i].hash == h)
			pw_gather(d, w, &d->pw[i], fields, v, n, cap);
}

/* The occurrences of term t in the fields as a piece of the article's list, which
 * is in field order (so any fields the term occurs in are one piece, unless the
 * fields asked for skip one between them); NULL if they are not one piece. */
static struct occ *
occ_slice(const struct doc *d, const struct dterm *t, uint8_t fields, size_t *n)
{
	struct occ *v = d->occ + t->first;
	size_t lo = 0, hi = t->n;

	if ((t->fmask & ~fields) == 0) {
		*n = t->n;
		return v;
	}
	while (lo < hi && !(fields >> v[lo].field & 1))
		lo++;
	while (hi > lo && !(fields >> v[hi - 1].field & 1))
		hi--;
	for (size_t i = lo; i < hi; i++)
		if (!(fields >> v[i].field & 1))
			return NULL;
	*n = hi - lo;
	return v + lo;
}

/* The occurrences of a word in the fields, sorted; *owned when the list was allocated. */
static const struct occ *
word_occ(struct doc *d, const struct word *w, uint8_t fields, size_t *n, int *owned)
{
	struct hkey k;
	struct occ *v = NULL;
	size_t cap = 0;
	long e;

	*n = 0;
	*owned = 0;
	if (!w->prefix) {
		k.hash = w->hash;
		k.s = w->key;
		k.len = w->len;
		k.lang = w->lang;
		k.kind = K_TERM;
		if ((e = htab_find(&d->h, d->t, sizeof *d->t, &k)) < 0)
			return NULL;
		if (!w->exact && (v = occ_slice(d, &d->t[e], fields, n)) != NULL)
			return v;
		gather(d, w, &d->t[e], fields, &v, n, &cap);
	} else {
		prefix_gather(d, w, fields, &v, n, &cap);
		if (*n > 1)
			qsort(v, *n, sizeof *v, occ_cmp);
	}
	*owned = 1;
	return v;
}

/* Index of the first occurrence at or after (field, pos). */
static size_t
occ_lower(const struct occ *v, size_t n, uint8_t field, uint32_t pos)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;

		if (v[mid].field < field || (v[mid].field == field && v[mid].pos < pos))
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* Does word j fit occurrence a of the first word (next position, or within dist)? */
static long
fits(const struct occ *v, size_t n, const struct occ *a, uint32_t j, uint32_t dist)
{
	uint32_t lo = dist == 0 ? a->pos + j : (a->pos > dist ? a->pos - dist : 0);
	uint32_t hi = dist == 0 ? a->pos + j : a->pos + dist;

	for (size_t i = occ_lower(v, n, a->field, lo); i < n; i++) {
		if (v[i].field != a->field || v[i].pos > hi)
			break;
		if (dist == 0 || v[i].tok != a->tok)
			return (long)i;
	}
	return -1;
}

/* Evaluate a phrase, proximity or single word; collect its spans if asked. */
static int
eval_words(struct doc *d, const struct node *nd, int collect)
{
	const struct occ *list[MAX_WORDS];
	size_t nlist[MAX_WORDS];
	int owned[MAX_WORDS], hit = 0;
	uint32_t nw = nd->u.words.n, j;
	long at[MAX_WORDS];

	for (j = 0; j < nw; j++)
		list[j] = word_occ(d, &nd->u.words.w[j], nd->fields, &nlist[j], &owned[j]);
	for (j = 0; j < nw && nlist[j] > 0; j++)
		;
	for (size_t i = 0, all = j == nw; all && i < nlist[0]; i++) {
		const struct occ *a = &list[0][i];

		if (!(nd->fields & (1 << a->field)))
			continue;
		for (j = 1; j < nw; j++)
			if ((at[j] = fits(list[j], nlist[j], a, j, nd->u.words.dist)) < 0)
				break;
		if (j < nw)
			continue;
		hit = 1;
		if (!collect)
			break;
		span_add(d, a->field, d->tok[a->field]->v[a->tok].start,
		    d->tok[a->field]->v[a->tok].end);
		for (j = 1; j < nw; j++) {
			const struct occ *b = &list[j][at[j]];

			span_add(d, b->field, d->tok[b->field]->v[b->tok].start,
			    d->tok[b->field]->v[b->tok].end);
		}
	}
	for (j = 0; j < nw; j++)
		if (owned[j])
			free((void *)list[j]);
	return hit;
}

/* Does the article's language match lang:x? */
static int
lang_ok(const char *doclang, const char *lang)
{
	size_t n = strlen(lang);

	return doclang != NULL && strncasecmp(doclang, lang, n) == 0 &&
	    (doclang[n] == '\0' || doclang[n] == '-' || doclang[n] == '_');
}

/* Run a regex over the fields. */
static int
eval_regex(struct matcher *m, struct doc *d, const struct node *n, int collect)
{
	PCRE2_SIZE *ov;
	int rc;

	for (int f = 0; f < NFIELDS; f++) {
		if (!(n->fields & (1 << f)))
			continue;
		rc = pcre2_match(n->u.re.re, (PCRE2_SPTR)d->ftext[f], d->flen[f], 0, 0,
		    m->md, m->mctx);
		if (rc == PCRE2_ERROR_JIT_STACKLIMIT)	/* the interpreter may cope */
			rc = pcre2_match(n->u.re.re, (PCRE2_SPTR)d->ftext[f], d->flen[f],
			    0, PCRE2_NO_JIT, m->md, m->mctx);
		if (rc < 0)
			continue;
		if (collect) {
			ov = pcre2_get_ovector_pointer(m->md);
			if (ov[1] > ov[0] && ov[1] <= d->flen[f])
				span_add(d, f, ov[0], ov[1]);
		}
		return 1;
	}
	return 0;
}

/* Evaluate a node on the article; with collect, record the spans that made it true. */
static int
eval(struct matcher *m, struct doc *d, const struct node *n, int collect)
{
	int r = 0;

	switch (n->type) {
	case N_AND:
		for (uint32_t i = 0; i < n->u.list.n; i++)
			if (!eval(m, d, n->u.list.kid[i], collect))
				return 0;
		return 1;
	case N_OR:
		for (uint32_t i = 0; i < n->u.list.n; i++)
			if (eval(m, d, n->u.list.kid[i], collect)) {
				r = 1;
				if (!collect)
					break;
			}
		return r;
	case N_NOT:
		return !eval(m, d, n->u.list.kid[0], 0);
	case N_WORDS:
		return eval_words(d, n, collect);
	case N_REGEX:
		return eval_regex(m, d, n, collect);
	case N_LANG:
		return lang_ok(d->d->lang, n->u.lang);
	}
	return 0;
}

/* ---- hits: terms and snippets ---- */

/* Append s[0..n) to b, invalid UTF-8 replaced, white space collapsed. */
static void
add_clean(char **b, size_t *len, size_t *cap, const char *s, size_t n)
{
	int32_t c;
	size_t k;
	char *o;

	if (*len + 3 * n + 8 > *cap) {
		*cap = *len + 3 * n + 64;
		*b = xrealloc(*b, *cap);
	}
	o = *b;
	for (size_t i = 0; i < n; i += k) {
		unsigned char u = (unsigned char)s[i];

		k = 1;
		if (u > ' ' && u < 0x80)	/* most bytes */
			o[(*len)++] = (char)u;
		else if (u == ' ' || u == '\t' || u == '\n' || u == '\r' || u == '\f' ||
		    u == '\v') {
			if (*len > 0 && o[*len - 1] != ' ')
				o[(*len)++] = ' ';
		} else if (u < 0x80)
			o[(*len)++] = (char)u;
		else if ((k = text_utf8_next(s + i, n - i, &c)) == 1) {
			memcpy(o + *len, "\xEF\xBF\xBD", 3);
			*len += 3;
		} else {
			memcpy(o + *len, s + i, k);
			*len += k;
		}
	}
	o[*len] = '\0';
}

/* Order spans by field and start. */
static int
span_cmp(const void *a, const void *b)
{
	const struct span *x = a, *y = b;

	if (x->field != y->field)
		return x->field < y->field ? -1 : 1;
	if (x->start != y->start)
		return x->start < y->start ? -1 : 1;
	return (x->end < y->end) - (x->end > y->end);
}

/* The span the snippet centres on: first in the text, else summary, title, others. */
static const struct span *
snippet_anchor(const struct doc *d)
{
	static const int order[] = { F_TEXT, F_SUMMARY, F_TITLE, F_URL, F_SOURCE, F_AUTHOR };

	for (size_t o = 0; o < sizeof order / sizeof order[0]; o++)
		for (size_t i = 0; i < d->nsp; i++)
			if (d->sp[i].field == order[o])
				return &d->sp[i];
	return NULL;
}

/* Find the byte window of about SNIPPET_WORDS words around span a. */
static void
snippet_window(const struct doc *d, const struct span *a, size_t *ws, size_t *we)
{
	const struct text_tokens *t = d->tok[a->field];
	size_t first, lo, hi, cnt = 0, k;

	for (lo = 0, hi = t->n; lo < hi; ) {	/* the first token starting at or after */
		k = (lo + hi) / 2;
		if (t->v[k].start < a->start)
			lo = k + 1;
		else
			hi = k;
	}
	first = lo;
	if (first > 0 && (first == t->n || t->v[first].start > a->start))
		first--;		/* the span starts inside the token before */
	*ws = a->start;
	*we = a->end - a->start > 300 ? a->start + 300 : a->end;
	if (t->n == 0)
		return;
	for (lo = first < t->n ? first : t->n - 1; lo > 0 && cnt < SNIPPET_BEFORE; lo--)
		if (!(t->v[lo - 1].flags & TEXT_TOKEN_JOINED))
			cnt++;
	for (hi = lo, cnt = 0; hi < t->n && cnt < SNIPPET_WORDS; hi++)
		if (!(t->v[hi].flags & TEXT_TOKEN_JOINED))
			cnt++;
	if (t->v[lo].start < *ws)
		*ws = t->v[lo].start;
	if (hi > 0 && t->v[hi - 1].end > *we)
		*we = t->v[hi - 1].end;
	if (lo == 0)
		*ws = 0;
	if (hi == t->n)
		*we = d->flen[a->field];
}

/* Build the snippet: the window around the first match, matches marked with «». */
static char *
snippet(const struct doc *d)
{
	const struct span *a = snippet_anchor(d);
	struct span head = { F_TEXT, 0, 0 };
	size_t ws, we, len = 0, cap, at, last = 0;
	char *b;

	if (a == NULL) {		/* nothing positive matched: the opening words */
		for (size_t f = 0; f < 3 && a == NULL; f++) {
			head.field = f == 0 ? F_TEXT : f == 1 ? F_SUMMARY : F_TITLE;
			if (d->tok[head.field]->n > 0)
				a = &head;
		}
		if (a == NULL)
			return xcalloc(1, 1);
	}
	snippet_window(d, a, &ws, &we);
	cap = 3 * (we - ws) + 8 * d->nsp + 64;	/* enough: add_clean need not grow it */
	b = xmalloc(cap);
	b[0] = '\0';
	if (ws > 0)
		add_clean(&b, &len, &cap, "… ", strlen("… "));
	at = ws;
	for (size_t i = 0; i < d->nsp; i++) {
		const struct span *s = &d->sp[i];

		if (s->field != a->field || s->start < at || s->end > we ||
		    s->start < last || s->end <= s->start)
			continue;
		add_clean(&b, &len, &cap, d->ftext[a->field] + at, s->start - at);
		add_clean(&b, &len, &cap, "«", strlen("«"));
		add_clean(&b, &len, &cap, d->ftext[a->field] + s->start, s->end - s->start);
		add_clean(&b, &len, &cap, "»", strlen("»"));
		at = last = s->end;
	}
	add_clean(&b, &len, &cap, d->ftext[a->field] + at, we - at);
	if (we < d->flen[a->field])
		add_clean(&b, &len, &cap, " …", strlen(" …"));
	return b;
}

/* The distinct matched words, as written. */
static size_t
hit_terms(const struct doc *d, char **terms)
{
	size_t n = 0, len, cap, k;

	for (size_t i = 0; i < d->nsp && n < MAX_TERMS; i++) {
		const struct span *s = &d->sp[i];
		char *t = NULL;

		len = cap = 0;
		if (s->end <= s->start)
			continue;
		k = s->end - s->start > 100 ? 100 : s->end - s->start;
		while (k > 0 && k < s->end - s->start &&
		    ((unsigned char)d->ftext[s->field][s->start + k] & 0xC0) == 0x80)
			k--;
		add_clean(&t, &len, &cap, d->ftext[s->field] + s->start, k);
		for (k = 0; k < n && strcmp(terms[k], t) != 0; k++)
			;
		if (k < n || len == 0)
			free(t);
		else
			terms[n++] = t;
	}
	return n;
}

struct hitbatch {			/* one article's hits, during the callback */
	struct matcher		*m;
	struct doc		*d;
};

struct hitref {				/* a hit's ctx: what describing it needs */
	struct hitbatch		*b;
	struct hitdesc		*desc;		/* NULL until described */
	uint32_t		 qi;		/* the query */
};

struct hitdesc {			/* a described hit: its terms and snippet */
	char			*terms[MAX_TERMS];
	size_t			 nterms;
	char			*snip;
};

/* A description's place: the matcher's blocks of them are kept from one article
 * to the next (they never move, so a hit's stays where it is while others are made). */
static struct hitdesc *
desc_new(struct matcher *m)
{
	size_t b = m->ndesc / DESC_BLOCK;

	if (b == m->ndblocks) {
		m->dblock = xreallocarray(m->dblock, b + 1, sizeof *m->dblock);
		m->dblock[m->ndblocks++] = xreallocarray(NULL, DESC_BLOCK,
		    sizeof **m->dblock);
	}
	return &m->dblock[b][m->ndesc++ % DESC_BLOCK];
}

/* A copy of s that stays put until the article's descriptions are freed (a malloc'd
 * string each would be slow with hundreds of them alive at once). */
static char *
desc_dup(struct matcher *m, char *s)
{
	size_t len = strlen(s) + 1, size;
	char *p;

	if (m->nsb == 0 || len > m->sbsize[m->nsb - 1] - m->sbused) {
		size = len > DESC_STRBLOCK ? len : DESC_STRBLOCK;
		m->sb = xreallocarray(m->sb, m->nsb + 1, sizeof *m->sb);
		m->sbsize = xreallocarray(m->sbsize, m->nsb + 1, sizeof *m->sbsize);
		m->sb[m->nsb] = xmalloc(size);
		m->sbsize[m->nsb++] = size;
		m->sbused = 0;
	}
	p = m->sb[m->nsb - 1] + m->sbused;
	memcpy(p, s, len);
	m->sbused += len;
	free(s);
	return p;
}

/* Collect what matched a hit's query: its terms and snippet. */
static struct hitdesc *
describe(struct hitref *r)
{
	struct matcher *m = r->b->m;
	struct doc *d = r->b->d;
	struct hitdesc *c = desc_new(m);

	d->nsp = 0;
	eval(m, d, m->q[r->qi].root, 1);
	if (d->nsp > 1)
		qsort(d->sp, d->nsp, sizeof *d->sp, span_cmp);
	c->nterms = hit_terms(d, c->terms);
	for (size_t i = 0; i < c->nterms; i++)
		c->terms[i] = desc_dup(m, c->terms[i]);
	c->snip = desc_dup(m, snippet(d));
	return r->desc = c;
}

void
match_hit_describe(const struct match_hit *h, struct match_hit *out)
{
	struct hitref *r = h->ctx;
	struct hitdesc *c = r->desc != NULL ? r->desc : describe(r);

	*out = *h;
	out->terms = (const char **)c->terms;
	out->nterms = c->nterms;
	out->snippet = c->snip;
}

/* Forget the article's descriptions (the first block of their strings is kept). */
static void
descs_free(struct matcher *m)
{
	for (; m->nsb > 1; m->nsb--)
		free(m->sb[m->nsb - 1]);
	m->sbused = 0;
	m->ndesc = 0;
}

/* Room for n hits in the batch arrays. */
static void
batch_room(struct matcher *m, size_t n)
{
	if (n <= m->hitcap)
		return;
	m->hitcap = n + n / 2;
	m->hit = xreallocarray(m->hit, m->hitcap, sizeof *m->hit);
	m->href = xreallocarray(m->href, m->hitcap, sizeof *m->href);
}

/* Add the hit of query qi to the batch, described unless MATCH_NOSNIPPET. */
static void
batch_add(struct matcher *m, struct hitbatch *b, size_t n, uint32_t qi, int flags)
{
	static const char *noterms[1];
	struct match_hit *h = &m->hit[n];
	struct hitref *r = &m->href[n];

	r->b = b;
	r->desc = NULL;
	r->qi = qi;
	h->id = m->ids != NULL ? m->ids[qi] : qi;
	h->terms = noterms;
	h->nterms = 0;
	h->snippet = "";
	h->ctx = r;
	if (!(flags & MATCH_NOSNIPPET))
		match_hit_describe(h, h);
}

/* Is the article's source one the query accepts? */
static int
source_ok(const struct query *q, const struct match_doc *md)
{
	if (q->nsources == 0)
		return 1;
	for (size_t i = 0; md->source != NULL && i < q->nsources; i++)
		if (strcasecmp(q->sources[i], md->source) == 0)
			return 1;
	return 0;
}

/* Make query i a candidate (once per article: a bitmap). */
static void
candidate(struct matcher *m, uint32_t i)
{
	__builtin_prefetch(&m->q[i]);	/* evaluated after the presearch */
	m->cbits[i / 64] |= 1ULL << (i % 64);
	m->sbits[i / 4096] |= 1ULL << (i / 64 % 64);
}

/* Make query i a hit decided by the presearch if yes (without a branch). */
static void
direct_hit(struct matcher *m, uint32_t i, int yes)
{
	m->hbits[i / 64] |= (uint64_t)(yes != 0) << (i % 64);
	m->sbits[i / 4096] |= (uint64_t)(yes != 0) << (i / 64 % 64);
}

/* The 16-bit hash of the g (3 or 4) bytes at s (regex literals are at least three
 * long); its top 12 bits are its bucket. */
static inline uint32_t
tri(const char *s, size_t g)
{
	uint32_t v;

	if (g == 4)
		memcpy(&v, s, 4);
	else
		v = (uint32_t)(unsigned char)s[0] | (uint32_t)(unsigned char)s[1] << 8 |
		    (uint32_t)(unsigned char)s[2] << 16;
	return (v * 0x9E3779B1U) >> 16;		/* NLBITS = 65536 */
}

/* The gram length (4 bytes, 3 if a literal is that short) and the probe step: a
 * literal covers (its length - gram + 1) gram starts, so one of its first lstep is
 * probed (at most MAX_LSTEP, which bounds the table of grams). */
static void
lit_step(struct matcher *m)
{
	size_t min = MAX_LSTEP + 3;

	for (size_t i = 0; i < m->nlit; i++)
		if (m->lit[i].len < min)
			min = m->lit[i].len;
	m->lgram = min >= 4 ? 4 : 3;
	m->lstep = (uint32_t)(min - m->lgram + 1);
	if (m->lstep > MAX_LSTEP)
		m->lstep = MAX_LSTEP;
}

/* Fill a literal's gram reference: the literal's first (up to) 8 bytes as an
 * 8-byte load of them gives them, with the mask of those bytes (lits_at compares
 * them with one load of the text). */
static void
lref_set(struct lref *r, const struct lit *l, uint32_t lit, uint32_t off)
{
	unsigned char head[8] = { 0 }, mask[8] = { 0 };
	size_t n = l->len < 8 ? l->len : 8;

	memcpy(head, l->s, n);
	memset(mask, 0xFF, n);
	memcpy(&r->head, head, 8);
	memcpy(&r->mask, mask, 8);
	r->lit = lit;
	r->off = off;
	r->len = (uint32_t)l->len;
}

/* Group the regex literals' first lstep grams by bucket. */
static void
lit_buckets(struct matcher *m)
{
	uint32_t *start = xcalloc(NLBUCKETS + 1, sizeof *start), b, g;

	lit_step(m);
	m->lb = xreallocarray(NULL, m->nlit * m->lstep + 1, sizeof *m->lb);
	for (size_t i = 0; i < m->nlit; i++)
		for (uint32_t o = 0; o < m->lstep; o++)
			start[(tri(m->lit[i].s + o, m->lgram) >> 4) + 1]++;
	for (b = 0; b < NLBUCKETS; b++)
		start[b + 1] += start[b];
	for (size_t i = 0; i < m->nlit; i++)
		for (uint32_t o = 0; o < m->lstep; o++) {
			g = tri(m->lit[i].s + o, m->lgram);
			b = g >> 4;
			lref_set(&m->lb[start[b]++], &m->lit[i], (uint32_t)i, o);
			m->lbits[g / 64] |= 1ULL << (g % 64);
		}
	for (b = NLBUCKETS; b > 0; b--)
		start[b] = start[b - 1];
	start[0] = 0;
	m->lbstart = start;
}

/* The queries of the literals whose gram of bucket b is at w[t] (of len bytes,
 * followed by TEXT_ARENA_PAD more: see text.h) become candidates if the whole
 * literal is there. Common grams of a language are found often: the first 8 bytes
 * are compared with one load. */
static void
lits_at(struct matcher *m, const char *w, size_t len, size_t t, uint32_t b)
{
	for (uint32_t k = m->lbstart[b]; k < m->lbstart[b + 1]; k++) {
		const struct lref *r = &m->lb[k];
		const struct lit *l;
		size_t at = t - r->off;
		uint64_t v;

		if (r->off > t || r->len > len - at)
			continue;
		memcpy(&v, w + at, 8);
		if ((v & r->mask) != r->head)
			continue;
		l = &m->lit[r->lit];
		if (l->len > 8 && memcmp(w + at + 8, l->s + 8, l->len - 8) != 0)
			continue;
		for (uint32_t q = 0; q < l->n; q++)
			candidate(m, l->q[q]);
	}
}

/* The probes of presearch_lits (every step bytes of w[0, len)) whose gram hash is
 * in lbits, into hit; their number. Without a branch on the answers (the grams of
 * literals that are words of the language are found often, at random); g is the
 * gram length (a constant where inlined). */
static inline size_t
lit_hits(const uint64_t *lbits, const char *w, size_t len, size_t step, size_t g,
    size_t *hit)
{
	size_t n = 0;

	for (size_t t = 0; t + g <= len; t += step) {
		uint32_t b = tri(w + t, g);

		hit[n] = t;
		n += (size_t)(lbits[b / 64] >> (b % 64) & 1);
	}
	return n;
}

/* Regex literals: queries whose literal occurs inside one of the article's words,
 * found in the tokens' folded forms (each NUL-terminated, so no match spans two),
 * probed every lstep bytes (see lit_step): first the probes that find a gram in
 * use, then the literals there. */
static void
presearch_lits(struct matcher *m, struct doc *d)
{
	for (int f = 0; f < NFIELDS && m->nlit > 0; f++) {
		const char *w = d->tok[f]->arena;
		size_t len = d->tok[f]->arenalen, n, need = len / m->lstep + 2;

		if (need > m->lhitcap) {
			m->lhitcap = need + need / 2;
			m->lhit = xreallocarray(m->lhit, m->lhitcap, sizeof *m->lhit);
		}
		n = m->lgram == 4 ? lit_hits(m->lbits, w, len, m->lstep, 4, m->lhit) :
		    lit_hits(m->lbits, w, len, m->lstep, 3, m->lhit);
		for (size_t i = 0; i < n; i++)
			lits_at(m, w, len, m->lhit[i], tri(w + m->lhit[i], m->lgram) >> 4);
	}
}

/* Might the article have a term whose key hash has these low 32 bits? (A filter.) */
static int
doc_has(const struct doc *d, uint32_t low)
{
	uint64_t e;
	uint32_t i;

	if (d->h.slot == NULL)
		return 0;
	for (i = low & d->h.mask; (e = d->h.slot[i]) != 0; i = (i + 1) & d->h.mask)
		if ((uint32_t)d->t[(e & 0xFFFFFFFF) - 1].k.hash == low)
			return 1;
	return 0;
}

/* Might the article have the other term a posting needs (low: the low 32 bits of
 * its key hash, 0 for none; prefix: it is a prefix)? */
static int
also_ok(const struct doc *d, uint32_t low, int prefix)
{
	if (low == 0)
		return 1;
	if (prefix)
		return (int)(d->pfx[low % DOC_PBITS / 64] >> (low % 64) & 1);
	return doc_has(d, low);
}

/* The directory entry of a key's bucket. */
static const uint32_t *
dir_of(const struct matcher *m, const struct hkey *k)
{
	const struct ptab *t = &m->pt[k->kind == K_PREFIX];

	return &t->dir[bucket_of(t, k->hash)];
}

/* Look a key of the article up: its queries become candidates, or direct hits. */
static void
lookup(struct matcher *m, const struct doc *d, const struct probe *p)
{
	const uint32_t *dir = dir_of(m, &p->k);
	const char *at = m->rec + dir[0], *end = m->rec + dir[1];
	const struct prec *r;
	const struct rposting *pv;
	const uint32_t *dq;
	uint32_t fp = (uint32_t)(p->k.hash >> 32);

	for (; at < end; at = (const char *)(pv + r->nc)) {
		r = (const struct prec *)(const void *)at;
		dq = rec_direct(r);
		pv = (const struct rposting *)(const void *)(dq + r->nd);
		if (r->fp != fp || r->len != p->k.len || r->lang != p->k.lang ||
		    r->kind != p->k.kind || !bytes_eq(r->key, p->k.s, r->len))
			continue;
		for (uint32_t k = 0; k < r->nd; k++)	/* (found in its fields?) */
			direct_hit(m, dq[k] >> RP_Q, dq[k] & p->fmask);
		for (uint32_t k = 0; k < r->nc; k++)
			if (also_ok(d, pv[k].also, pv[k].qf & RP_ALSO_PREFIX))
				candidate(m, pv[k].qf >> RP_Q);
		return;		/* keys are unique */
	}
}

/* The keys to look up that the filters let through: the article's terms, and
 * their prefixes in use with postings (token_prefixes noted them, a key once
 * per token: sorted, each is looked up once). */
static size_t
probes(struct matcher *m, struct doc *d)
{
	size_t n = 0, need = d->nt + m->npk + 1;
	int vocab = m->vocab[0].w != NULL;

	if (need > m->probecap) {
		m->probecap = need + need / 2;
		m->probe = xreallocarray(m->probe, m->probecap, sizeof *m->probe);
	}
	for (size_t i = 0; i < d->nt; i++) {	/* without a branch on the filter */
		m->probe[n].k = d->t[i].k;
		m->probe[n].fmask = d->t[i].fmask;
		n += vocab ? d->t[i].indexed : (size_t)filter_may(m, d->t[i].k.hash);
	}
	for (size_t i = 1; i < m->npk; i++) {	/* sorted by hash: a few dozen */
		struct probe x = m->pk[i];
		size_t j = i;

		for (; j > 0 && m->pk[j - 1].k.hash > x.k.hash; j--)
			m->pk[j] = m->pk[j - 1];
		m->pk[j] = x;
	}
	for (size_t i = 0; i < m->npk; i++) {
		const struct hkey *k = &m->pk[i].k, *o = &m->pk[i - (i > 0)].k;

		if (i > 0 && k->hash == o->hash && k->len == o->len &&
		    bytes_eq(k->s, o->s, k->len)) {
			m->probe[n - 1].fmask |= m->pk[i].fmask;
			continue;
		}
		m->probe[n++] = m->pk[i];
	}
	return n;
}

/* The candidates and direct hits in query order (the bitmaps cleared); their number. */
static size_t
collect(struct matcher *m)
{
	size_t n = 0, w;
	uint64_t b, h, sw;
	uint32_t k;

	for (size_t x = 0; x <= m->nwords / 64; x++) {
		for (sw = m->sbits[x], m->sbits[x] = 0; sw != 0; sw &= sw - 1) {
			w = x * 64 + (size_t)__builtin_ctzll(sw);
			b = m->cbits[w] | m->hbits[w];
			h = m->hbits[w];
			m->cbits[w] = m->hbits[w] = 0;
			for (; b != 0; b &= b - 1) {
				k = (uint32_t)__builtin_ctzll(b);
				m->cand[n++] = (uint32_t)(w * 64 + k) |
				    ((h >> k & 1) ? CAND_HIT : 0);
			}
		}
	}
	return n;
}

/* The presearch: queries whose required keys the article has, and the rest. */
static size_t
presearch(struct matcher *m, struct doc *d)
{
	size_t n = probes(m, d);

	for (size_t j = 0; j < n; j++) {	/* scattered: fetch buckets ahead */
		if (j + 16 < n)
			__builtin_prefetch(dir_of(m, &m->probe[j + 16].k));
		if (j + 8 < n) {
			const char *r = m->rec + *dir_of(m, &m->probe[j + 8].k);

			__builtin_prefetch(r);
			__builtin_prefetch(r + 63);
		}
		lookup(m, d, &m->probe[j]);
	}
	presearch_lits(m, d);
	for (size_t i = 0; i < m->nalways; i++)
		candidate(m, m->always[i]);
	return collect(m);
}

/* Hand the article's hits (their queries in m->cand[0..n)) to the callback at once. */
static void
hand_over(struct matcher *m, struct doc *d, size_t n, int flags, match_cb cb, void *arg)
{
	struct hitbatch b = { m, d };

	batch_room(m, n);
	for (size_t j = 0; j < n; j++) {
		if (j + 8 < n && m->ids != NULL)	/* scattered: fetch ahead */
			__builtin_prefetch(&m->ids[m->cand[j + 8]]);
		batch_add(m, &b, j, m->cand[j], flags);
	}
	cb(m->hit, n, arg);
	descs_free(m);
}

size_t
matcher_match(struct matcher *m, const struct match_doc *md, int flags, match_cb cb,
    void *arg)
{
	struct doc d;
	size_t n, hits = 0, direct = 0;

	matcher_compile(m);
	memset(&d, 0, sizeof d);
	doc_build(m, &d, md, flags & MATCH_ALLTERMS);
	if (flags & MATCH_EVERY) {
		for (n = 0; n < m->nq; n++)
			m->cand[n] = (uint32_t)n;
	} else
		n = presearch(m, &d);
	m->st.articles++;
	if (!(flags & MATCH_EVERY))	/* the candidates' trees, fetched at once */
		for (size_t i = 0; i < n; i++)
			if (!(m->cand[i] & CAND_HIT)) {
				const char *t = (const char *)m->q[m->cand[i]].root;

				__builtin_prefetch(t);
				__builtin_prefetch(t + 64);
				__builtin_prefetch(t + 128);
			}
	for (size_t i = 0; i < n; i++) {
		uint32_t k = m->cand[i] & ~CAND_HIT;
		const struct query *q = &m->q[k];

		if ((flags & MATCH_EVERY) && i + 4 < n) {	/* every query: ahead */
			const char *t = (const char *)m->q[i + 4].root;

			__builtin_prefetch(&m->q[i + 8]);
			__builtin_prefetch(t);
			__builtin_prefetch(t + 64);
			__builtin_prefetch(t + 128);
		}
		if (m->cand[i] & CAND_HIT)
			direct++;
		else if (!source_ok(q, md) || !eval(m, &d, q->root, 0))
			continue;
		m->cand[hits++] = k;	/* the hits' queries, in place (hits <= i) */
	}
	if (cb != NULL && hits > 0)
		hand_over(m, &d, hits, flags, cb, arg);
	m->st.candidates += n - direct;
	m->st.direct += direct;
	m->st.hits += hits;
	doc_free(&d);
	return hits;
}
