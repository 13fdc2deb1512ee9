/*
 * dedup: fingerprints of an article's text (see dedup.h). The text is folded by
 * the text module's one normalisation (text_fold) and split here into tokens of
 * letters, marks and digits; newlines are kept until the boilerplate is gone.
 */
#include "config.h"

#include <sys/mman.h>

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <utf8proc.h>

#include "dedup.h"
#include "text.h"
#include "xmalloc.h"

#define BP_MAX_TOKENS	40	/* a prefix or suffix rule only fires on short lines */
#define POST_TAIL_MAX	160	/* bytes after "appeared first on" */

/* Output of the normaliser: tokens, one separator between them. */
struct norm {
	char	*buf;
	size_t	 len, size;
	size_t	 words;
	int	 pending;	/* separator owed before the next token: 0, ' ', '\n' */
	int	 in_word;
	int	 keep_lines;
};

/*
 * Syndication boilerplate, written in normalised form (lower case, no
 * punctuation). LINE: the whole line; PREFIX: a short line starting so; SUFFIX:
 * a line ending so (the link a feed appends after its summary); POST: "the post
 * TITLE appeared first on SITE" anywhere in a line, cut to the line's end.
 */
enum bp_kind { BP_LINE, BP_PREFIX, BP_SUFFIX, BP_POST };
#define BP(kind, words)	{ kind, words, sizeof words - 1 }
static const struct boilerplate {
	enum bp_kind	 kind;
	const char	*words;
	size_t		 len;
} boilerplate[] = {
	BP(BP_POST, "appeared first on"),		/* WordPress feeds */
	BP(BP_LINE, "read more"),
	BP(BP_LINE, "continue reading"),
	BP(BP_LINE, "read the full story"),
	BP(BP_LINE, "read the full article"),
	BP(BP_LINE, "read full article"),
	BP(BP_LINE, "read full story"),
	BP(BP_LINE, "click here to read more"),
	BP(BP_LINE, "weiterlesen"),
	BP(BP_LINE, "mehr lesen"),
	BP(BP_LINE, "lire la suite"),
	BP(BP_LINE, "leer más"),
	BP(BP_LINE, "seguir leyendo"),
	BP(BP_LINE, "continua a leggere"),
	BP(BP_LINE, "leggi tutto"),
	BP(BP_LINE, "lees verder"),
	BP(BP_LINE, "läs mer"),
	BP(BP_LINE, "ler mais"),
	BP(BP_LINE, "czytaj dalej"),
	BP(BP_LINE, "читать далее"),
	BP(BP_PREFIX, "continue reading"),		/* "Continue reading “TITLE” →" */
	BP(BP_PREFIX, "read more at"),
	BP(BP_PREFIX, "read more on"),
	BP(BP_PREFIX, "this article originally appeared on"),
	BP(BP_PREFIX, "this article originally appeared in"),
	BP(BP_PREFIX, "this article first appeared on"),
	BP(BP_PREFIX, "this article was originally published on"),
	BP(BP_PREFIX, "this article was originally published at"),
	BP(BP_PREFIX, "this article was originally published by"),
	BP(BP_PREFIX, "this story originally appeared"),
	BP(BP_PREFIX, "this story was originally published"),
	BP(BP_PREFIX, "this article is republished from"),	/* The Conversation */
	BP(BP_PREFIX, "originally published on"),
	BP(BP_PREFIX, "originally published at"),
	BP(BP_PREFIX, "originally published by"),
	BP(BP_SUFFIX, "continue reading"),
	BP(BP_SUFFIX, "read more"),
	BP(BP_SUFFIX, "weiterlesen"),
	BP(BP_SUFFIX, "lire la suite"),
};

/* Make room for n more bytes. */
static void
norm_grow(struct norm *n, size_t more)
{
	if (n->len + more + 1 <= n->size)
		return;
	n->size = (n->len + more + 1) * 2;
	n->buf = xrealloc(n->buf, n->size);
}

/* A token starts at d + *o: the separator owed goes first (none at the start). */
static inline void
token_start(char *d, size_t *o, size_t *words, int *in_word, int *pending)
{
	if (*pending != 0 && *o > 0)
		d[(*o)++] = (char)*pending;
	*pending = 0;
	*in_word = 1;
	(*words)++;
}

/* Append the bytes of a token character, after the separator owed. */
static void
norm_put(struct norm *n, const char *p, size_t len)
{
	norm_grow(n, len + 1);
	if (!n->in_word)
		token_start(n->buf, &n->len, &n->words, &n->in_word, &n->pending);
	memcpy(n->buf + n->len, p, len);
	n->len += len;
}

/*
 * The separator owed after a separating character c, pending the one owed
 * before: a newline is remembered when lines are kept, else one space.
 */
static inline int
sep_owed(int pending, int c, int keep_lines)
{
	if (c == '\n' && keep_lines)
		return '\n';
	return pending == 0 ? ' ' : pending;
}

/* A separator: end the token and owe a separator. */
static void
norm_sep(struct norm *n, int c)
{
	n->in_word = 0;
	n->pending = sep_owed(n->pending, c, n->keep_lines);
}

/* 1 when a code point belongs to a token: letters, marks and numbers. */
static int
is_token_cp(int32_t cp)
{
	utf8proc_category_t c = utf8proc_category(cp);

	return c >= UTF8PROC_CATEGORY_LU && c <= UTF8PROC_CATEGORY_NO;
}

/* 1 for an ASCII letter or digit. */
static inline int
ascii_alnum(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
	    (c >= 'A' && c <= 'Z');
}

/* An ASCII letter lower-cased, a digit as it is, 0 for anything else. */
static inline unsigned char
ascii_token_char(unsigned char c)
{
	if ((unsigned)(c - '0') < 10)
		return c;
	c |= 0x20;
	return (unsigned)(c - 'a') < 26 ? c : 0;
}

/* Split folded text into tokens: letters, marks and digits; the rest separates. */
static void
norm_run(struct norm *n, const char *s, size_t len)
{
	int32_t	cp;
	size_t	step;

	for (size_t i = 0; i < len; i += step) {
		unsigned char c = s[i];

		step = 1;
		if (c < 0x80) {
			if (ascii_alnum(c))
				norm_put(n, s + i, 1);
			else
				norm_sep(n, c);
			continue;
		}
		step = text_utf8_next(s + i, len - i, &cp);
		if (is_token_cp(cp))
			norm_put(n, s + i, step);
		else
			norm_sep(n, ' ');
	}
}

#define ONES	0x0101010101010101ULL
#define HIGHS	0x8080808080808080ULL

/* The high bit of each byte of w (ASCII bytes only) between lo and hi. */
static inline uint64_t
bytes_in(uint64_t w, unsigned lo, unsigned hi)
{
	return (w + ONES * (0x80 - lo)) & ~(w + ONES * (0x7f - hi)) & HIGHS;
}

/*
 * Split ASCII eight bytes at a time, while eight are left: a step takes the
 * run of token bytes (or of separators) that starts the eight, found with
 * one count of trailing zeros rather than a branch per byte. Little-endian
 * hosts only (the first byte is the lowest); the rest is norm_ascii's loop.
 * The state is passed in and out like norm_ascii's; the bytes used.
 */
static size_t
ascii_words(const char *s, size_t len, char *d, size_t *o, size_t *words,
    int *in_word, int *pending, int keep)
{
	size_t i = 0;

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	while (i + 8 <= len) {
		uint64_t	w, lw, tok, nl, span;
		unsigned	run;

		memcpy(&w, s + i, 8);
		lw = w | ONES * 0x20;		/* 0x20 is set in digits too */
		tok = bytes_in(lw, 'a', 'z') | bytes_in(w, '0', '9');
		if (tok & 0x80) {
			run = (~tok & HIGHS) != 0 ?
			    (unsigned)__builtin_ctzll(~tok & HIGHS) / 8 : 8;
			if (!*in_word)
				token_start(d, o, words, in_word, pending);
			memcpy(d + *o, &lw, 8);	/* the run's bytes count */
			*o += run;
		} else {
			run = tok != 0 ? (unsigned)__builtin_ctzll(tok) / 8 : 8;
			span = run == 8 ? ~0ULL : (1ULL << (8 * run)) - 1;
			nl = bytes_in(w, '\n', '\n') & span;
			*in_word = 0;
			*pending = sep_owed(*pending, nl != 0 ? '\n' : ' ', keep);
		}
		i += run;
	}
#else
	(void)s; (void)len; (void)d; (void)o; (void)words; (void)in_word;
	(void)pending; (void)keep;
#endif
	return i;
}

/*
 * Split an ASCII run straight from the source: what text_fold (which lower-
 * cases ASCII and leaves it otherwise alone) and norm_run would make of it.
 * The output is at most one byte per input byte and a separator owed, so the
 * room is made once (ascii_words' 8-byte stores stay inside it). The state is
 * kept in locals: a store through d could otherwise alias n's fields and make
 * each byte reload them.
 */
static void
norm_ascii(struct norm *n, const char *s, size_t len)
{
	char	*d;
	size_t	 o, words = n->words, i;
	int	 in_word = n->in_word, pending = n->pending, keep = n->keep_lines;

	norm_grow(n, len + 1);
	d = n->buf;
	o = n->len;
	i = ascii_words(s, len, d, &o, &words, &in_word, &pending, keep);
	for (; i < len; i++) {
		unsigned char c = ascii_token_char(s[i]);

		if (c == 0) {
			in_word = 0;
			pending = sep_owed(pending, (unsigned char)s[i], keep);
			continue;
		}
		if (!in_word)
			token_start(d, &o, &words, &in_word, &pending);
		d[o++] = c;
	}
	n->len = o;
	n->words = words;
	n->in_word = in_word;
	n->pending = pending;
}

/* The first byte at or after i that is not ASCII, or len: 8 bytes a step. */
static size_t
ascii_end(const char *s, size_t i, size_t len)
{
	uint64_t w;

	for (; i + 8 <= len; i += 8) {
		memcpy(&w, s + i, 8);
		if (w & 0x8080808080808080ULL)
			break;
	}
	while (i < len && (unsigned char)s[i] < 0x80)
		i++;
	return i;
}

/*
 * Fold and split s. ASCII runs are split here; the rest goes through
 * text_fold, cut where text_fold itself cuts its slow path (from the letter or
 * digit before a non-ASCII run to the next ASCII byte), so the result is
 * text_fold's, without folding and copying the ASCII bulk of a text.
 */
static void
fold_split(struct norm *n, const char *s, size_t len)
{
	size_t	 i = 0, j, k, m, flen;
	char	*folded;

	while (i < len) {
		j = ascii_end(s, i, len);
		k = (j < len && j > i && ascii_alnum(s[j - 1])) ? j - 1 : j;
		norm_ascii(n, s + i, k - i);
		if (j == len)
			break;
		for (m = j; m < len && (unsigned char)s[m] >= 0x80; m++)
			;
		folded = text_fold(s + k, m - k, &flen);
		norm_run(n, folded, flen);
		free(folded);
		i = m;
	}
}

/* Normalise into a new struct norm. */
static void
normalise(struct norm *n, const char *s, size_t len, int keep_lines)
{
	memset(n, 0, sizeof *n);
	n->keep_lines = keep_lines;
	if (len > DEDUP_MAX_TEXT)
		len = DEDUP_MAX_TEXT;
	n->size = len + 16;
	n->buf = xmalloc(n->size);
	fold_split(n, s, len);
	n->buf[n->len] = '\0';
}

/* The normalised form of s (see dedup.h). */
char *
dedup_normalise(const char *s, size_t len, size_t *words)
{
	struct norm n;

	normalise(&n, s != NULL ? s : "", s != NULL ? len : 0, 0);
	if (words != NULL)
		*words = n.words;
	return n.buf;
}

/* 1 when the line p..p+len holds pat as a whole-token prefix. */
static int
has_prefix(const char *p, size_t len, const char *pat, size_t plen)
{
	return len >= plen && memcmp(p, pat, plen) == 0 &&
	    (len == plen || p[plen] == ' ');
}

/* Count the tokens of a line. */
static size_t
count_tokens(const char *p, size_t len)
{
	size_t n = len > 0;

	for (size_t i = 0; i < len; i++)
		n += p[i] == ' ';
	return n;
}

/* Find "the post … appeared first on" in a line; the cut position or len. */
static size_t
post_cut(const char *p, size_t len, const char *pat, size_t plen)
{
	const char	*hit = NULL;
	size_t		 at;

	for (const char *q = p; (q = memmem(q, len - (q - p), pat, plen)) != NULL;
	    q++)
		hit = q;
	if (hit == NULL || len - (hit - p) - plen > POST_TAIL_MAX)
		return len;
	for (at = hit - p; at > 0; at--)
		if ((at == 8 || (at > 8 && p[at - 9] == ' ')) &&
		    memcmp(p + at - 8, "the post", 8) == 0)
			return at >= 9 ? at - 9 : 0;
	return len;
}

/* The length of the line p..p+len to keep after the boilerplate rules. */
static size_t
strip_line(const char *p, size_t len)
{
	size_t full = len, ntok = SIZE_MAX;	/* the whole line's, when needed */

	for (size_t i = 0; i < sizeof boilerplate / sizeof boilerplate[0]; i++) {
		const struct boilerplate	*b = &boilerplate[i];
		size_t				 pl = b->len;

		switch (b->kind) {
		case BP_LINE:
			if (len == pl && memcmp(p, b->words, pl) == 0)
				return 0;
			break;
		case BP_PREFIX:
			if (!has_prefix(p, len, b->words, pl))
				break;
			if (ntok == SIZE_MAX)
				ntok = count_tokens(p, full);
			if (ntok <= BP_MAX_TOKENS)
				return 0;
			break;
		case BP_SUFFIX:
			if (len > pl && p[len - pl - 1] == ' ' &&
			    memcmp(p + len - pl, b->words, pl) == 0)
				len -= pl + 1;
			break;
		case BP_POST:
			len = post_cut(p, len, b->words, pl);
			break;
		}
	}
	return len;
}

/*
 * Remove boilerplate lines from n (lines kept) and join the rest by spaces;
 * the tokens of what is cut are taken off the count.
 */
static void
strip_lines(struct norm *n)
{
	size_t	out = 0, words = n->words;

	for (size_t i = 0; i < n->len;) {
		char	*nl = memchr(n->buf + i, '\n', n->len - i);
		size_t	 end = nl != NULL ? (size_t)(nl - n->buf) : n->len;
		size_t	 keep = strip_line(n->buf + i, end - i);

		while (keep > 0 && n->buf[i + keep - 1] == ' ')
			keep--;
		if (keep < end - i)
			words -= count_tokens(n->buf + i, end - i) -
			    count_tokens(n->buf + i, keep);
		if (keep > 0) {
			if (out > 0)
				n->buf[out++] = ' ';
			if (out != i)
				memmove(n->buf + out, n->buf + i, keep);
			out += keep;
		}
		i = end + 1;
	}
	n->buf[out] = '\0';
	n->len = out;
	n->words = words;
}

/* The hashed form of an article's text (see dedup.h). */
char *
dedup_text(const char *text, size_t len, size_t *words)
{
	struct norm n;

	normalise(&n, text != NULL ? text : "", text != NULL ? len : 0, 1);
	strip_lines(&n);
	if (words != NULL)
		*words = n.words;
	return n.buf;
}

/* MurmurHash3's 64-bit finaliser. */
static inline uint64_t
fmix64(uint64_t k)
{
	k ^= k >> 33;
	k *= 0xff51afd7ed558ccdULL;
	k ^= k >> 33;
	k *= 0xc4ceb9fe1a85ec53ULL;
	k ^= k >> 33;
	return k;
}

#define FNV_BASIS	0xcbf29ce484222325ULL
#define FNV_PRIME	0x100000001b3ULL

/* A 64-bit hash of bytes: FNV-1a, then mixed. */
static uint64_t
hash_bytes(const char *p, size_t len)
{
	uint64_t h = FNV_BASIS;

	for (size_t i = 0; i < len; i++)
		h = (h ^ (unsigned char)p[i]) * FNV_PRIME;
	return fmix64(h ^ len);
}

/* The hash of the shingle of three token hashes (order matters). */
static inline uint64_t
shingle_hash(uint64_t a, uint64_t b, uint64_t c)
{
	return fmix64(a * 0x9e3779b97f4a7c15ULL + fmix64(b + 0x632be59bd9b4e019ULL) +
	    fmix64(c ^ 0x8cb92ba72f3d8dd7ULL) * 3);
}

/* The 64-bit title hash of a string, 0 for an empty title. */
uint64_t
dedup_title_hash(const char *title)
{
	char		*t;
	uint64_t	 h = 0;

	if (title == NULL)
		return 0;
	t = dedup_normalise(title, strlen(title), NULL);
	if (*t != '\0')
		h = hash_bytes(t, strlen(t)) | 1;	/* never 0 */
	free(t);
	return h;
}

/*
 * Sort 32-bit values (LSD radix, 4 passes of 8 bits; the four byte counts
 * taken in one pass). n is below 2^32 (texts are cut at DEDUP_MAX_TEXT).
 */
static void
sort_u32(uint32_t *v, size_t n)
{
	uint32_t	*tmp, *a = v, *b, count[4][256];

	if (n < 2)
		return;
	tmp = b = xreallocarray(NULL, n, sizeof *tmp);
	memset(count, 0, sizeof count);
	for (size_t i = 0; i < n; i++)
		for (int p = 0; p < 4; p++)
			count[p][(a[i] >> (8 * p)) & 255]++;
	for (int p = 0; p < 4; p++) {
		uint32_t *c = count[p];

		for (uint32_t i = 0, sum = 0; i < 256; i++) {
			uint32_t k = c[i];
			c[i] = sum;
			sum += k;
		}
		for (size_t i = 0; i < n; i++)
			b[c[(a[i] >> (8 * p)) & 255]++] = a[i];
		uint32_t *t = a; a = b; b = t;
	}
	if (a != v)
		memcpy(v, a, n * sizeof *v);
	free(tmp);
}

/* Drop repeated values from a sorted array; the new count. */
static size_t
unique_u32(uint32_t *v, size_t n)
{
	size_t out = 0;

	for (size_t i = 0; i < n; i++)
		if (out == 0 || v[out - 1] != v[i])
			v[out++] = v[i];
	return out;
}

/* Keep h among the DEDUP_ANCHORS smallest distinct anchors of fp. */
static void
add_anchor(struct dedup_fp *fp, uint64_t h)
{
	size_t i;

	if (h >> (64 - DEDUP_ANCHOR_BITS) != 0)
		return;
	if (fp->nanchors == DEDUP_ANCHORS && h >= fp->anchors[DEDUP_ANCHORS - 1])
		return;
	for (i = 0; i < fp->nanchors && fp->anchors[i] < h; i++)
		;
	if (i < fp->nanchors && fp->anchors[i] == h)
		return;
	if (fp->nanchors < DEDUP_ANCHORS)
		fp->nanchors++;
	memmove(fp->anchors + i + 1, fp->anchors + i,
	    (fp->nanchors - i - 1) * sizeof fp->anchors[0]);
	fp->anchors[i] = h;
}

/*
 * Hash the tokens of the normalised text t (split at each space, as
 * hash_bytes would hash each, in the same pass); the count, in *toks.
 */
static size_t
token_hashes(const char *t, size_t len, uint64_t **toks)
{
	size_t		 n = 0, cap = len / 4 + 4, start = 0;
	uint64_t	*v = xreallocarray(NULL, cap, sizeof *v), h = FNV_BASIS;

	for (size_t i = 0; i <= len; i++) {
		if (i < len && t[i] != ' ') {
			h = (h ^ (unsigned char)t[i]) * FNV_PRIME;
			continue;
		}
		if (i == len && start == len)
			break;		/* no token after a last space */
		if (n == cap)
			v = xreallocarray(v, cap *= 2, sizeof *v);
		v[n++] = fmix64(h ^ (i - start));
		h = FNV_BASIS;
		start = i + 1;
	}
	*toks = v;
	return n;
}

/*
 * Bit counts for SimHash, eight shingles' bytes at a time: lane[j] holds eight
 * byte-wide counters of bits 8j..8j+7, fed from a table that spreads a byte's
 * bits over eight bytes, and drained into wide counters before a byte lane can
 * overflow. Eight additions per shingle instead of sixty-four.
 */
struct bitcount {
	uint64_t	lane[8];
	int		pending;
	int32_t		ones[64];
	int32_t		total;
};

static uint64_t spread[256];

/* Fill the byte-spreading table once. */
static void
spread_init(void)
{
	if (spread[255] != 0)
		return;
	for (int v = 0; v < 256; v++) {
		uint64_t x = 0;

		for (int b = 0; b < 8; b++)
			if (v & (1 << b))
				x |= 1ULL << (8 * b);
		spread[v] = x;
	}
}

/* Move the byte counters into the wide ones. */
static void
bitcount_drain(struct bitcount *c)
{
	for (int j = 0; j < 8; j++) {
		for (int b = 0; b < 8; b++)
			c->ones[8 * j + b] += (c->lane[j] >> (8 * b)) & 0xff;
		c->lane[j] = 0;
	}
	c->pending = 0;
}

/* Count the set bits of one shingle hash. */
static inline void
bitcount_add(struct bitcount *c, uint64_t h)
{
	for (int j = 0; j < 8; j++)
		c->lane[j] += spread[(h >> (8 * j)) & 0xff];
	c->total++;
	if (++c->pending == 255)
		bitcount_drain(c);
}

/* SimHash, shingle set and anchors of the normalised text t. */
static void
shingle(struct dedup_fp *fp, const char *t, size_t len)
{
	struct bitcount	 bc;
	uint64_t	*tok;
	size_t		 n = token_hashes(t, len, &tok), ns;

	spread_init();
	memset(&bc, 0, sizeof bc);
	ns = n >= 3 ? n - 2 : 0;
	fp->shingles = xreallocarray(NULL, ns + 1, sizeof *fp->shingles);
	for (size_t i = 0; i < ns; i++) {
		uint64_t h = shingle_hash(tok[i], tok[i + 1], tok[i + 2]);

		bitcount_add(&bc, h);
		fp->shingles[i] = (uint32_t)h;
		add_anchor(fp, h);
	}
	bitcount_drain(&bc);
	fp->simhash = 0;
	/* a bit is set when more shingles (tf-weighted) have it set than not */
	for (int b = 0; b < 64; b++)
		if (2 * bc.ones[b] > bc.total)
			fp->simhash |= 1ULL << b;
	sort_u32(fp->shingles, ns);
	fp->nshingles = unique_u32(fp->shingles, ns);
	free(tok);
}

/* Fill fp from an article's original text and title. */
void
dedup_fingerprint(struct dedup_fp *fp, const char *text, size_t len,
    const char *title)
{
	char	*t;
	size_t	 tlen;

	memset(fp, 0, sizeof *fp);
	t = dedup_text(text, len, &fp->words);
	tlen = strlen(t);
	if (fp->words >= DEDUP_MIN_WORDS) {
		fp->has_hash = 1;
		EVP_Digest(t, tlen, fp->hash, NULL, EVP_sha256(), NULL);
	}
	fp->title_hash = dedup_title_hash(title);
	shingle(fp, t, tlen);
	free(t);
}

/* Free what dedup_fingerprint allocated. */
void
dedup_fp_clear(struct dedup_fp *fp)
{
	if (fp == NULL)
		return;
	free(fp->shingles);
	fp->shingles = NULL;
	fp->nshingles = 0;
}

/* The i-th 16-bit band of a SimHash. */
unsigned
dedup_band(uint64_t simhash, int i)
{
	return (unsigned)((simhash >> (16 * i)) & 0xffff);
}

/* The number of differing bits. */
int
dedup_hamming(uint64_t a, uint64_t b)
{
	return __builtin_popcountll(a ^ b);
}

/* Containment of the smaller sorted set in the larger. */
double
dedup_containment_sets(const uint32_t *a, size_t na, const uint32_t *b,
    size_t nb)
{
	size_t i = 0, j = 0, common = 0;

	if (na == 0 || nb == 0)
		return 0;
	while (i < na && j < nb) {
		if (a[i] < b[j])
			i++;
		else if (a[i] > b[j])
			j++;
		else {
			common++;
			i++;
			j++;
		}
	}
	return (double)common / (double)(na < nb ? na : nb);
}

/* Containment of two fingerprints' shingle sets. */
double
dedup_containment(const struct dedup_fp *a, const struct dedup_fp *b)
{
	return dedup_containment_sets(a->shingles, a->nshingles, b->shingles,
	    b->nshingles);
}

/* 1 when two fingerprints are the same story (see dedup.h). */
int
dedup_same(const struct dedup_fp *a, const struct dedup_fp *b, int near_distance)
{
	if (a->words < DEDUP_MIN_WORDS || b->words < DEDUP_MIN_WORDS)
		return 0;
	if (memcmp(a->hash, b->hash, sizeof a->hash) == 0)
		return 1;
	if (dedup_hamming(a->simhash, b->simhash) <= near_distance)
		return 1;
	return dedup_containment(a, b) >= DEDUP_CONTAINMENT;
}

/*
 * The in-memory candidate index (see dedup.h). Postings are kept per bucket:
 * the slot numbers, then (when checked) a 16-bit check of each, in one block:
 * a piece of the arena of the last bulk load, or its own block grown by
 * doubling. Slots number the indexed articles in the order they were added.
 */
struct postings {
	int		 bits;		/* 2^bits buckets */
	int		 checked;	/* a 16-bit check per slot */
	struct bucket {
		uint32_t	*v;	/* cap slots, then cap checks */
		uint32_t	 n, cap;
	}		*b;
	char		*arena;		/* the blocks reserved for a bulk load */
	size_t		 arena_size;
};

struct dedup_index {
	struct postings	 bands;		/* bucket i << 16 | band i, check band i + 1 */
	struct postings	 anchors;	/* dedup_anchor_key(): top bits, low 16 */
	struct postings	 titles;	/* the title hash's low 32 bits, the same */
	struct postings	 keys;		/* URL and content hash keys' top 32 bits */
	int64_t		*article;	/* by slot */
	uint64_t	*simhash;
	size_t		 nslots, capslots;
};

/*
 * Ask for huge pages under a large block not touched yet: the index is read
 * at random, and 4 KiB pages would cost a TLB miss on nearly every access.
 */
static void
huge_pages(void *p, size_t len)
{
#ifdef MADV_HUGEPAGE
	uintptr_t	align = 2 * 1024 * 1024;
	uintptr_t	a = ((uintptr_t)p + align - 1) & ~(align - 1);
	uintptr_t	e = ((uintptr_t)p + len) & ~(align - 1);

	if (e > a)
		madvise((void *)a, e - a, MADV_HUGEPAGE);
#else
	(void)p;
	(void)len;
#endif
}

/* Set up empty postings of 2^bits buckets. */
static void
postings_init(struct postings *p, int bits, int checked)
{
	p->bits = bits;
	p->checked = checked;
	p->b = xcalloc((size_t)1 << bits, sizeof *p->b);
	huge_pages(p->b, ((size_t)1 << bits) * sizeof *p->b);
}

/* 1 when a bucket's block lies in the arena (and is not freed alone). */
static int
in_arena(const struct postings *p, const void *v)
{
	return p->arena != NULL && (const char *)v >= p->arena &&
	    (const char *)v < p->arena + p->arena_size;
}

/*
 * Before a bulk load into empty postings whose buckets have counted (in n)
 * what is coming: give every bucket that room and a sixteenth more, in one
 * arena, so that a load allocates neither bucket by bucket nor by doubling; a
 * bucket that outgrows its room later moves to a block of its own.
 */
static void
postings_reserve(struct postings *p)
{
	size_t	nb = (size_t)1 << p->bits, entry = p->checked ? 6 : 4, off = 0;

	p->arena_size = 0;
	for (size_t i = 0; i < nb; i++) {
		/* an even count keeps the next block's slots 4-byte aligned */
		p->b[i].cap = p->b[i].n == 0 ? 0 :
		    (p->b[i].n + p->b[i].n / 16 + 3) & ~1U;
		p->arena_size += p->b[i].cap * entry;
	}
	p->arena = p->arena_size > 0 ? xmalloc(p->arena_size) : NULL;
	huge_pages(p->arena, p->arena_size);
	for (size_t i = 0; i < nb; i++) {
		p->b[i].v = p->b[i].cap == 0 ? NULL :
		    (uint32_t *)(void *)(p->arena + off);
		p->b[i].n = 0;
		off += p->b[i].cap * entry;
	}
}

/* Free the buckets of postings. */
static void
postings_free(struct postings *p)
{
	for (size_t i = 0; i < (size_t)1 << p->bits; i++)
		if (!in_arena(p, p->b[i].v))
			free(p->b[i].v);
	free(p->arena);
	free(p->b);
}

/* The checks of a bucket: after its cap slots. */
static inline uint16_t *
bucket_checks(const struct bucket *b)
{
	return (uint16_t *)(b->v + b->cap);
}

/* Move a bucket to a new block of cap entries (the old one is the caller's). */
static void
bucket_resize(struct bucket *b, uint32_t cap, int checked)
{
	uint32_t	*v = xreallocarray(NULL, cap, checked ? 6 : 4);

	if (b->n > 0) {
		memcpy(v, b->v, b->n * sizeof *v);
		if (checked)
			memcpy((uint16_t *)(v + cap), bucket_checks(b),
			    b->n * sizeof (uint16_t));
	}
	b->v = v;
	b->cap = cap;
}

/* The bucket of a 32-bit key: its top bits. */
static inline uint32_t
key_bucket(const struct postings *p, uint32_t key)
{
	return key >> (32 - p->bits);
}

/* Add slot to a bucket of postings, with its check. */
static void
postings_add(struct postings *p, uint32_t bucket, uint16_t check, uint32_t slot)
{
	struct bucket	*b = &p->b[bucket];
	uint32_t	*old = b->v;

	if (b->n == b->cap) {
		bucket_resize(b, b->cap == 0 ? 2 : 2 * b->cap, p->checked);
		if (!in_arena(p, old))
			free(old);
	}
	b->v[b->n] = slot;
	if (p->checked)
		bucket_checks(b)[b->n] = check;
	b->n++;
}

/* Bytes held by postings. */
static size_t
postings_bytes(const struct postings *p)
{
	size_t n = ((size_t)1 << p->bits) * sizeof *p->b + p->arena_size;

	for (size_t i = 0; i < (size_t)1 << p->bits; i++)
		if (!in_arena(p, p->b[i].v))
			n += (size_t)p->b[i].cap * (p->checked ? 6 : 4);
	return n;
}

/* The slots of key, at most max (more: common, returns max + 1). */
static size_t
postings_get(const struct postings *p, uint32_t key, uint32_t *out, size_t max)
{
	const struct bucket	*b = &p->b[key_bucket(p, key)];
	const uint16_t		*chk;
	size_t			 n = 0;

	if (b->n == 0)
		return 0;
	chk = bucket_checks(b);
	for (uint32_t i = 0; i < b->n; i++) {
		if (p->checked && chk[i] != (uint16_t)key)
			continue;
		if (n == max)
			return max + 1;
		out[n++] = b->v[i];
	}
	return n;
}

/* The last (latest) max slots of key, latest first; the count. */
static size_t
postings_last(const struct postings *p, uint32_t key, uint32_t *out, size_t max)
{
	const struct bucket	*b = &p->b[key_bucket(p, key)];
	const uint16_t		*chk;
	size_t			 n = 0;

	if (b->n == 0)
		return 0;
	chk = bucket_checks(b);
	for (uint32_t i = b->n; i > 0 && n < max; i--)
		if (!p->checked || chk[i - 1] == (uint16_t)key)
			out[n++] = b->v[i - 1];
	return n;
}

/* A new, empty index. */
struct dedup_index *
dedup_index_new(void)
{
	struct dedup_index *x = xcalloc(1, sizeof *x);

	postings_init(&x->bands, 18, 1);
	postings_init(&x->anchors, 18, 1);
	postings_init(&x->titles, 16, 1);
	postings_init(&x->keys, 17, 1);
	return x;
}

/* Free an index; NULL does nothing. */
void
dedup_index_free(struct dedup_index *x)
{
	if (x == NULL)
		return;
	postings_free(&x->bands);
	postings_free(&x->anchors);
	postings_free(&x->titles);
	postings_free(&x->keys);
	free(x->article);
	free(x->simhash);
	free(x);
}

/*
 * The band postings: band i of value v is bucket i << 16 | v; the check is the
 * next band's bits, so that most fingerprints too far away are passed over
 * without reading their SimHash.
 */
static inline uint32_t
band_bucket(uint64_t simhash, int i)
{
	return (uint32_t)i << 16 | dedup_band(simhash, i);
}

/* The buckets of an article's postings: 4 bands, its anchors, its title. */
struct places {
	struct postings	*p[4 + DEDUP_ANCHORS + 1];
	uint32_t	 bucket[4 + DEDUP_ANCHORS + 1];
	uint16_t	 check[4 + DEDUP_ANCHORS + 1];
	size_t		 n;
};

/*
 * Find an article's buckets and ask for their headers, then for their next
 * free entries, before any is touched: a bulk load waits for memory once per
 * article rather than once per posting.
 */
static void
places(struct dedup_index *x, uint64_t simhash, uint64_t title_hash,
    const uint32_t *anchors, size_t nanchors, struct places *w)
{
	w->n = 0;
	for (int i = 0; i < 4; i++) {
		w->p[w->n] = &x->bands;
		w->check[w->n] = dedup_band(simhash, (i + 1) % 4);
		w->bucket[w->n++] = band_bucket(simhash, i);
	}
	for (size_t i = 0; i < nanchors && i < DEDUP_ANCHORS; i++) {
		w->p[w->n] = &x->anchors;
		w->check[w->n] = (uint16_t)anchors[i];
		w->bucket[w->n++] = key_bucket(&x->anchors, anchors[i]);
	}
	if (title_hash != 0) {
		w->p[w->n] = &x->titles;
		w->check[w->n] = (uint16_t)title_hash;
		w->bucket[w->n++] = key_bucket(&x->titles, (uint32_t)title_hash);
	}
	for (size_t i = 0; i < w->n; i++)
		__builtin_prefetch(&w->p[i]->b[w->bucket[i]], 1);
}

/* A new slot for an article; its number. */
static uint32_t
slot_new(struct dedup_index *x, int64_t article, uint64_t simhash)
{
	uint32_t slot = (uint32_t)x->nslots;

	if (x->nslots == x->capslots) {
		x->capslots = x->capslots == 0 ? 1024 : 2 * x->capslots;
		x->article = xreallocarray(x->article, x->capslots,
		    sizeof *x->article);
		x->simhash = xreallocarray(x->simhash, x->capslots,
		    sizeof *x->simhash);
	}
	x->article[slot] = article;
	x->simhash[slot] = simhash;
	x->nslots++;
	return slot;
}

/* Index one article (see dedup.h). */
void
dedup_index_add(struct dedup_index *x, int64_t article, uint64_t simhash,
    uint64_t title_hash, const uint32_t *anchors, size_t nanchors)
{
	uint32_t	slot;
	struct places	w;

	places(x, simhash, title_hash, anchors, nanchors, &w);
	slot = slot_new(x, article, simhash);
	for (size_t i = 0; i < w.n; i++) {
		const struct bucket *b = &w.p[i]->b[w.bucket[i]];

		if (b->n < b->cap)
			__builtin_prefetch(b->v + b->n, 1);
	}
	for (size_t i = 0; i < w.n; i++)
		postings_add(w.p[i], w.bucket[i], w.check[i], slot);
}

/* Count an article coming in a bulk load (see dedup.h). */
void
dedup_index_plan(struct dedup_index *x, uint64_t simhash, uint64_t title_hash,
    const uint32_t *anchors, size_t nanchors)
{
	struct places w;

	places(x, simhash, title_hash, anchors, nanchors, &w);
	for (size_t i = 0; i < w.n; i++)
		w.p[i]->b[w.bucket[i]].n++;
	x->capslots++;
}

/* Make room for the articles counted by dedup_index_plan (see dedup.h). */
void
dedup_index_reserve(struct dedup_index *x)
{
	postings_reserve(&x->bands);
	postings_reserve(&x->anchors);
	postings_reserve(&x->titles);
	postings_reserve(&x->keys);
	x->capslots++;
	x->article = xreallocarray(NULL, x->capslots, sizeof *x->article);
	x->simhash = xreallocarray(NULL, x->capslots, sizeof *x->simhash);
	huge_pages(x->article, x->capslots * sizeof *x->article);
	huge_pages(x->simhash, x->capslots * sizeof *x->simhash);
}

/* Bytes the index holds. */
size_t
dedup_index_bytes(const struct dedup_index *x)
{
	return sizeof *x + postings_bytes(&x->bands) +
	    postings_bytes(&x->anchors) + postings_bytes(&x->titles) +
	    postings_bytes(&x->keys) + x->capslots * (sizeof *x->article + sizeof *x->simhash);
}

/* Articles indexed. */
size_t
dedup_index_count(const struct dedup_index *x)
{
	return x->nslots;
}

/* Insert (article, distance) into a list kept nearest first, distinct. */
static size_t
near_insert(int64_t *out, int *dist, size_t n, size_t max, int64_t a, int d)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (out[i] == a)
			return n;
	for (i = n; i > 0 && dist[i - 1] > d; i--)
		if (i < max) {
			out[i] = out[i - 1];
			dist[i] = dist[i - 1];
		}
	if (i >= max)
		return n;
	out[i] = a;
	dist[i] = d;
	return n < max ? n + 1 : n;
}

/* Articles within maxd bits of simhash, nearest first (see dedup.h). */
size_t
dedup_index_near(const struct dedup_index *x, uint64_t simhash, int maxd,
    int64_t *out, int *dist, size_t max)
{
	size_t n = 0;

	for (int i = 0; i < 4; i++) {
		const struct bucket	*b = &x->bands.b[band_bucket(simhash, i)];
		const uint16_t		*chk;
		uint16_t		 next = dedup_band(simhash, (i + 1) % 4);

		if (b->n == 0)
			continue;
		chk = bucket_checks(b);
		for (uint32_t j = 0; j < b->n; j++) {
			int d;

			/* within maxd bits in all, so in the next band too */
			if (__builtin_popcount(chk[j] ^ next) > maxd)
				continue;
			d = dedup_hamming(x->simhash[b->v[j]], simhash);
			if (d <= maxd)
				n = near_insert(out, dist, n, max,
				    x->article[b->v[j]], d);
		}
	}
	return n;
}

/*
 * Ask for the buckets of up to DEDUP_ANCHORS keys, then for their checks,
 * before reading any: the look-up waits for memory about twice, not per key.
 */
static void
prefetch_buckets(const struct postings *p, const uint32_t *keys, size_t n)
{
	if (n > DEDUP_ANCHORS)
		n = DEDUP_ANCHORS;
	for (size_t i = 0; i < n; i++)
		__builtin_prefetch(&p->b[key_bucket(p, keys[i])]);
	for (size_t i = 0; i < n; i++) {
		const struct bucket *b = &p->b[key_bucket(p, keys[i])];

		if (b->n > 0)
			__builtin_prefetch(bucket_checks(b));
	}
}

/* Order candidate (hits, article) pairs: most hits, then oldest article. */
static int
cmp_cand(const void *a, const void *b)
{
	const int64_t *x = a, *y = b;

	if (x[0] != y[0])
		return x[0] > y[0] ? -1 : 1;
	return x[1] < y[1] ? -1 : x[1] > y[1];
}

/* Compare 32-bit values for qsort. */
static int
cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

/* Count the hits of each slot in v (sorted in place) into (hits, article). */
static size_t
count_hits(const struct dedup_index *x, uint32_t *v, size_t n, int64_t *pairs)
{
	size_t m = 0;

	qsort(v, n, sizeof *v, cmp_u32);
	for (size_t i = 0, j; i < n; i = j) {
		for (j = i; j < n && v[j] == v[i]; j++)
			;
		pairs[2 * m] = (int64_t)(j - i);
		pairs[2 * m++ + 1] = x->article[v[i]];
	}
	return m;
}

/* Containment candidates (see dedup.h). */
size_t
dedup_index_candidates(const struct dedup_index *x, const uint32_t *anchors,
    size_t nanchors, uint64_t title_hash, int64_t *out, size_t max)
{
	uint32_t	 got[DEDUP_ANCHORS * (DEDUP_POSTINGS + 1)], t[4];
	int64_t		 pairs[2 * DEDUP_ANCHORS * DEDUP_POSTINGS];
	size_t		 n = 0, m, k, need = nanchors >= 4 ? 2 : 1, out_n = 0;

	prefetch_buckets(&x->anchors, anchors, nanchors);
	for (size_t i = 0; i < nanchors && i < DEDUP_ANCHORS; i++) {
		k = postings_get(&x->anchors, anchors[i], got + n,
		    DEDUP_POSTINGS);
		if (k <= DEDUP_POSTINGS)	/* else a common phrase */
			n += k;
	}
	m = count_hits(x, got, n, pairs);
	qsort(pairs, m, 2 * sizeof *pairs, cmp_cand);
	for (size_t i = 0; i < m && out_n < DEDUP_CANDIDATES && out_n < max; i++)
		if (pairs[2 * i] >= (int64_t)need)
			out[out_n++] = pairs[2 * i + 1];
	if (title_hash == 0)
		return out_n;
	m = postings_last(&x->titles, (uint32_t)title_hash, t, 4);
	for (size_t i = 0; i < m && out_n < max; i++) {
		size_t j;

		for (j = 0; j < out_n && out[j] != x->article[t[i]]; j++)
			;
		if (j == out_n)
			out[out_n++] = x->article[t[i]];
	}
	return out_n;
}

/* The 32 bits of an anchor the index and the store keep. */
uint32_t
dedup_anchor_key(uint64_t anchor)
{
	return (uint32_t)(anchor >> (32 - DEDUP_ANCHOR_BITS));
}

/* The key of a canonical URL (see dedup.h). */
uint64_t
dedup_url_key(const char *url)
{
	return hash_bytes(url, strlen(url)) | 1;
}

/* The key of a content hash: its first 8 bytes, little-endian (see dedup.h). */
uint64_t
dedup_hash_key(const unsigned char hash[32])
{
	uint64_t k = 0;

	for (int i = 7; i >= 0; i--)
		k = k << 8 | hash[i];
	return k | 1;
}

/* The postings key of an exact key: its top 32 bits. */
static inline uint32_t
exact_key(uint64_t key)
{
	return (uint32_t)(key >> 32);
}

/* Index an article's URL and content hash keys (see dedup.h). */
void
dedup_index_add_keys(struct dedup_index *x, int64_t article, uint64_t url_key,
    uint64_t hash_key)
{
	uint64_t	key[2] = { url_key, hash_key };
	uint32_t	slot;

	if (url_key == 0 && hash_key == 0)
		return;
	if (x->nslots > 0 && x->article[x->nslots - 1] == article)
		slot = (uint32_t)x->nslots - 1;
	else
		slot = slot_new(x, article, 0);
	for (int i = 0; i < 2; i++)
		if (key[i] != 0)
			postings_add(&x->keys, key_bucket(&x->keys,
			    exact_key(key[i])), (uint16_t)exact_key(key[i]), slot);
}

/* Count an article's keys coming in a bulk load (see dedup.h). */
void
dedup_index_plan_keys(struct dedup_index *x, uint64_t url_key,
    uint64_t hash_key, int own_slot)
{
	if (url_key != 0)
		x->keys.b[key_bucket(&x->keys, exact_key(url_key))].n++;
	if (hash_key != 0)
		x->keys.b[key_bucket(&x->keys, exact_key(hash_key))].n++;
	if (own_slot && (url_key != 0 || hash_key != 0))
		x->capslots++;
}

/* The articles holding an exact key, oldest first (see dedup.h). */
size_t
dedup_index_keys(const struct dedup_index *x, uint64_t key, int64_t *out,
    size_t max)
{
	uint32_t	slots[16];
	size_t		n;

	if (max > sizeof slots / sizeof slots[0])
		max = sizeof slots / sizeof slots[0];
	n = postings_get(&x->keys, exact_key(key), slots, max);
	if (n > max)
		n = max;
	for (size_t i = 0; i < n; i++)
		out[i] = x->article[slots[i]];
	return n;
}
