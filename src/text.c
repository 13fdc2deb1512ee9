/*
 * text: folding and tokens (see text.h). Pure: no I/O.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <threads.h>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include <libstemmer.h>
#include <openssl/evp.h>
#include <utf8proc.h>

#include "text.h"
#include "xmalloc.h"

#define FOLD_OPTS	(UTF8PROC_STABLE | UTF8PROC_COMPAT | UTF8PROC_DECOMPOSE | \
			 UTF8PROC_CASEFOLD | UTF8PROC_IGNORE | UTF8PROC_LUMP)
#define MAX_PARTS	16	/* hyphenated parts joined into one form */
#define MAX_STEMMERS	32
#define TOKEN_HASHED	0x100	/* private: the ASCII path hashed the token already */

struct buf {
	char	*p;
	size_t	 len, size;
};

struct text_stemmer {
	char			*lang;
	struct sb_stemmer	*sb;
};

static struct text_stemmer stemmers[MAX_STEMMERS];
static size_t nstemmers;
static int fast_tokens = 1;	/* tests turn the tokeniser's ASCII path off to compare */
static int simd_scan = 1;	/* tests turn the 16-byte classification off to compare */

/* ASCII letters and digits: the bytes of a word on the fast path. */
static const unsigned char alnum_tab[256] = {
	['0'] = 1, ['1'] = 1, ['2'] = 1, ['3'] = 1, ['4'] = 1, ['5'] = 1, ['6'] = 1,
	['7'] = 1, ['8'] = 1, ['9'] = 1,
	['A'] = 1, ['B'] = 1, ['C'] = 1, ['D'] = 1, ['E'] = 1, ['F'] = 1, ['G'] = 1,
	['H'] = 1, ['I'] = 1, ['J'] = 1, ['K'] = 1, ['L'] = 1, ['M'] = 1, ['N'] = 1,
	['O'] = 1, ['P'] = 1, ['Q'] = 1, ['R'] = 1, ['S'] = 1, ['T'] = 1, ['U'] = 1,
	['V'] = 1, ['W'] = 1, ['X'] = 1, ['Y'] = 1, ['Z'] = 1,
	['a'] = 1, ['b'] = 1, ['c'] = 1, ['d'] = 1, ['e'] = 1, ['f'] = 1, ['g'] = 1,
	['h'] = 1, ['i'] = 1, ['j'] = 1, ['k'] = 1, ['l'] = 1, ['m'] = 1, ['n'] = 1,
	['o'] = 1, ['p'] = 1, ['q'] = 1, ['r'] = 1, ['s'] = 1, ['t'] = 1, ['u'] = 1,
	['v'] = 1, ['w'] = 1, ['x'] = 1, ['y'] = 1, ['z'] = 1,
};

/* Make room for n more bytes (plus a NUL). */
static void
buf_reserve(struct buf *b, size_t n)
{
	size_t need = b->len + n + 1;

	if (need <= b->size)
		return;
	b->size = b->size ? b->size : 64;
	while (b->size < need)
		b->size *= 2;
	b->p = xrealloc(b->p, b->size);
}

/* Append bytes. */
static void
buf_add(struct buf *b, const void *p, size_t n)
{
	buf_reserve(b, n);
	memcpy(b->p + b->len, p, n);
	b->len += n;
	b->p[b->len] = '\0';
}

/* Append the ASCII bytes lower-cased: the fast path. */
static void
buf_add_lower(struct buf *b, const char *s, size_t n)
{
	char *d;

	buf_reserve(b, n);
	d = b->p + b->len;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = s[i];
		d[i] = (c >= 'A' && c <= 'Z') ? c + 32 : c;
	}
	b->len += n;
	b->p[b->len] = '\0';
}

size_t
text_utf8_next(const char *s, size_t len, int32_t *cp)
{
	utf8proc_ssize_t n;

	if ((unsigned char)s[0] < 0x80) {
		*cp = (unsigned char)s[0];
		return 1;
	}
	n = utf8proc_iterate((const utf8proc_uint8_t *)s,
	    len > 4 ? 4 : (utf8proc_ssize_t)len, cp);
	if (n <= 0) {
		*cp = 0xFFFD;
		return 1;
	}
	return (size_t)n;
}

/* Is this a Latin, Greek or Cyrillic letter, whose diacritics are folded away? */
static int
strips_marks(int32_t c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= 0xC0 && c <= 0x24F && c != 0xD7 && c != 0xF7) ||
	    (c >= 0x250 && c <= 0x2AF) ||		/* IPA */
	    (c >= 0x370 && c <= 0x3FF) ||		/* Greek */
	    (c >= 0x400 && c <= 0x52F) ||		/* Cyrillic */
	    (c >= 0x1C80 && c <= 0x1C8F) ||
	    (c >= 0x1E00 && c <= 0x1FFF) ||		/* Latin ext. add., Greek ext. */
	    (c >= 0x2C60 && c <= 0x2C7F) || (c >= 0xA640 && c <= 0xA69F) ||
	    (c >= 0xA720 && c <= 0xA7FF) || (c >= 0xAB30 && c <= 0xAB6F);
}

/* The fold table for letters without a decomposition; 0 when c is not in it. */
static int
fold_letter(int32_t c, int32_t out[2])
{
	static const struct { int32_t c; char to[3]; } table[] = {
		{ 0xE6, "ae" }, { 0xF0, "d" }, { 0xF8, "o" }, { 0xFE, "th" },
		{ 0x111, "d" }, { 0x127, "h" }, { 0x131, "i" }, { 0x142, "l" },
		{ 0x153, "oe" }, { 0x167, "t" },
	};

	if (c < 0xE6 || c > 0x167)
		return 0;
	for (size_t i = 0; i < sizeof table / sizeof table[0]; i++) {
		if (table[i].c != c)
			continue;
		out[0] = table[i].to[0];
		out[1] = table[i].to[1];
		return out[1] ? 2 : 1;
	}
	return 0;
}

/* Drop marks after Latin/Greek/Cyrillic letters and apply the fold table; new length. */
static size_t
filter_marks(const int32_t *in, size_t n, int32_t *out)
{
	size_t m = 0;
	int strip = 0;

	for (size_t i = 0; i < n; i++) {
		int32_t c = in[i], f[2];
		utf8proc_category_t cat = utf8proc_category(c);
		int k;

		if (cat == UTF8PROC_CATEGORY_MN || cat == UTF8PROC_CATEGORY_ME ||
		    cat == UTF8PROC_CATEGORY_MC) {
			if (!strip)
				out[m++] = c;
			continue;
		}
		strip = strips_marks(c);
		if ((k = fold_letter(c, f)) > 0) {
			out[m++] = f[0];
			if (k == 2)
				out[m++] = f[1];
		} else
			out[m++] = c;
	}
	return m;
}

/* Fold a chunk of valid UTF-8 through utf8proc: the slow path. */
static void
fold_slow(struct buf *b, const char *s, size_t len)
{
	int32_t stack[512], *cp = stack, *flt;
	utf8proc_ssize_t n, cap = sizeof stack / sizeof stack[0] / 3;
	utf8proc_ssize_t m;

	n = utf8proc_decompose((const utf8proc_uint8_t *)s, len, cp, cap, FOLD_OPTS);
	if (n > cap) {
		cp = xreallocarray(NULL, (size_t)n, 3 * sizeof *cp);
		n = utf8proc_decompose((const utf8proc_uint8_t *)s, len, cp, n,
		    FOLD_OPTS);
	}
	if (n < 0) {
		buf_add(b, "\xEF\xBF\xBD", 3);
		goto out;
	}
	flt = cp + n;
	m = (utf8proc_ssize_t)filter_marks(cp, (size_t)n, flt);
	m = utf8proc_reencode(flt, m, UTF8PROC_STABLE | UTF8PROC_COMPOSE);
	if (m > 0)
		buf_add(b, flt, (size_t)m);
out:
	if (cp != stack)
		free(cp);
}

/*
 * The folds of U+0080-U+07FF (the two-byte code points: Latin-1, Latin Extended-A
 * and -B, IPA, Greek, Cyrillic, Armenian, Hebrew, Arabic), one code point at a
 * time, for the code points whose fold has no combining mark in it: a run of
 * those (and of ASCII) folds to the folds of its code points one after the
 * other, as the utf8proc pass over the whole run gives (test-text checks every
 * one of them after every other and after ASCII letters and digits). Made once,
 * from fold_slow; most words of European text with diacritics then need no
 * utf8proc call.
 */
#define FOLD2_END	0x800
#define FOLD2_NONE	0xff	/* fold2_len: this code point takes the slow path */

static uint8_t	fold2_len[FOLD2_END - 0x80];
static char	fold2_out[FOLD2_END - 0x80][7];
static once_flag fold2_once = ONCE_FLAG_INIT;

/* Fill the table of folds of U+0080-U+07FF. */
static void
fold2_init(void)
{
	utf8proc_uint8_t u[4];
	utf8proc_ssize_t n;
	int32_t c, d;
	size_t i;

	for (c = 0x80; c < FOLD2_END; c++) {
		struct buf b = { NULL, 0, 0 };
		int ok = 1;

		buf_add(&b, "", 0);
		fold_slow(&b, (const char *)u, (size_t)utf8proc_encode_char(c, u));
		for (i = 0; i < b.len && ok; i += (size_t)n) {
			n = utf8proc_iterate((const utf8proc_uint8_t *)b.p + i,
			    (utf8proc_ssize_t)(b.len - i), &d);
			ok = n > 0 && utf8proc_get_property(d)->combining_class == 0 &&
			    utf8proc_category(d) != UTF8PROC_CATEGORY_MN &&
			    utf8proc_category(d) != UTF8PROC_CATEGORY_MC &&
			    utf8proc_category(d) != UTF8PROC_CATEGORY_ME;
		}
		if (ok && b.len <= sizeof fold2_out[0] &&
		    utf8proc_get_property(c)->combining_class == 0) {
			fold2_len[c - 0x80] = (uint8_t)b.len;
			memcpy(fold2_out[c - 0x80], b.p, b.len);
		} else
			fold2_len[c - 0x80] = FOLD2_NONE;
		free(b.p);
	}
}

/*
 * Fold s (len bytes of valid UTF-8) code point by code point from the table: 0,
 * or -1 with b untouched when s holds a code point the table does not take.
 */
static int
fold_two_byte(struct buf *b, const char *s, size_t len)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t i;
	int32_t c;

	call_once(&fold2_once, fold2_init);
	for (i = 0; i < len; i += u[i] < 0x80 ? 1 : 2) {
		if (u[i] < 0x80)
			continue;
		if ((u[i] & 0xe0) != 0xc0 || i + 1 >= len)
			return -1;
		c = ((u[i] & 0x1f) << 6) | (u[i + 1] & 0x3f);
		if (c < 0x80 || fold2_len[c - 0x80] == FOLD2_NONE)
			return -1;
	}
	buf_reserve(b, 4 * len);	/* a fold is at most 7 bytes for 2 */
	for (i = 0; i < len; i += u[i] < 0x80 ? 1 : 2) {
		if (u[i] < 0x80) {
			b->p[b->len++] = (char)(u[i] >= 'A' && u[i] <= 'Z' ? u[i] + 32 : u[i]);
			continue;
		}
		c = ((u[i] & 0x1f) << 6) | (u[i + 1] & 0x3f);
		memcpy(b->p + b->len, fold2_out[c - 0x80], fold2_len[c - 0x80]);
		b->len += fold2_len[c - 0x80];
	}
	b->p[b->len] = '\0';
	return 0;
}

/* Is c alphanumeric ASCII? */
static int
ascii_alnum(unsigned char c)
{
	return alnum_tab[c];
}

/* Fold s into b: ASCII runs fast, other runs (with the letter before them) slow. */
static void
fold_into(struct buf *b, const char *s, size_t len)
{
	size_t i = 0, j, k;
	int32_t c;

	while (i < len) {
		for (j = i; j < len && (unsigned char)s[j] < 0x80; j++)
			;
		k = (j < len && j > i && ascii_alnum(s[j - 1])) ? j - 1 : j;
		buf_add_lower(b, s + i, k - i);
		if (j == len)
			break;
		i = j;
		while (j < len && (unsigned char)s[j] >= 0x80) {
			size_t n = text_utf8_next(s + j, len - j, &c);

			if (n == 1)
				break;		/* an invalid sequence */
			j += n;
		}
		if (j > k && fold_two_byte(b, s + k, j - k) == -1)
			fold_slow(b, s + k, j - k);
		if (j < len && (unsigned char)s[j] >= 0x80) {
			buf_add(b, "\xEF\xBF\xBD", 3);	/* an invalid byte */
			j++;
		}
		i = j;
	}
}

char *
text_fold(const char *s, size_t len, size_t *outlen)
{
	struct buf b = { NULL, 0, 0 };

	buf_reserve(&b, len);
	fold_into(&b, s, len);
	if (outlen != NULL)
		*outlen = b.len;
	return b.p;
}

/* May c start or continue a word (letters, digits and marks of any script)? */
static int
is_word(int32_t c)
{
	if (c < 0x80)
		return ascii_alnum((unsigned char)c);
	switch (utf8proc_category(c)) {
	case UTF8PROC_CATEGORY_LU: case UTF8PROC_CATEGORY_LL:
	case UTF8PROC_CATEGORY_LT: case UTF8PROC_CATEGORY_LM:
	case UTF8PROC_CATEGORY_LO: case UTF8PROC_CATEGORY_MN:
	case UTF8PROC_CATEGORY_MC: case UTF8PROC_CATEGORY_ME:
	case UTF8PROC_CATEGORY_ND: case UTF8PROC_CATEGORY_NL:
	case UTF8PROC_CATEGORY_NO:
		return 1;
	default:
		return 0;
	}
}

/* Is c an invisible format character (soft hyphen, ZWJ) that continues a word? */
static int
is_format(int32_t c)
{
	return c >= 0x80 && utf8proc_category(c) == UTF8PROC_CATEGORY_CF;
}

/* Is c a hyphen that splits and joins words? */
static int
is_hyphen(int32_t c)
{
	return c == '-' || c == 0x2010 || c == 0x2011;
}

struct part {
	size_t	 start, end;
	size_t	 off, len;	/* folded form in the arena */
	int	 ascii;
};

/* Read one word part at *i; returns its end. */
static size_t
read_part(const char *s, size_t len, size_t i, int *ascii)
{
	int32_t c;
	size_t n;

	*ascii = 1;
	while (i < len) {
		if ((unsigned char)s[i] < 0x80) {
			if (!ascii_alnum((unsigned char)s[i]))
				break;
			i++;
			continue;
		}
		n = text_utf8_next(s + i, len - i, &c);
		if (!is_word(c) && !is_format(c))
			break;
		*ascii = 0;
		i += n;
	}
	return i;
}

/* Add a token pointing at arena offset off (fixed up into a pointer at the end). */
static void
add_token(struct text_tokens *t, size_t *cap, size_t off, size_t nlen,
    uint32_t pos, size_t start, size_t end, int flags)
{
	struct text_token *tok;

	if (t->n == *cap) {
		*cap = *cap ? *cap * 2 : 64;
		t->v = xreallocarray(t->v, *cap, sizeof *t->v);
	}
	tok = &t->v[t->n++];
	tok->norm = (const char *)(uintptr_t)off;
	tok->normlen = (uint32_t)nlen;
	tok->pos = pos;
	tok->start = start;
	tok->end = end;
	tok->flags = flags;
}

/* Fold one part into the arena (NUL-terminated). */
static void
fold_part(struct buf *a, const char *s, struct part *p)
{
	p->off = a->len;
	if (p->ascii)
		buf_add_lower(a, s + p->start, p->end - p->start);
	else
		fold_into(a, s + p->start, p->end - p->start);
	p->len = a->len - p->off;
	buf_add(a, "", 1);
}

/* Emit the tokens of a hyphen chain: each part, and the joined form after the first. */
static void
emit_chain(struct text_tokens *t, size_t *cap, struct buf *a, const char *s,
    struct part *parts, size_t np)
{
	size_t nonempty = 0, first = 0, last = 0, joff;
	uint32_t pos0 = t->npos;

	for (size_t k = 0; k < np; k++) {
		fold_part(a, s, &parts[k]);
		if (parts[k].len > 0) {
			if (nonempty++ == 0)
				first = k;
			last = k;
		}
	}
	for (size_t k = 0; k < np; k++) {
		if (parts[k].len == 0)
			continue;
		add_token(t, cap, parts[k].off, parts[k].len, t->npos++,
		    parts[k].start, parts[k].end, 0);
		if (k != first || nonempty < 2)
			continue;
		joff = 0;
		for (size_t q = 0; q < np; q++)
			joff += parts[q].len;
		buf_reserve(a, joff + 1);	/* no move while copying from the arena */
		joff = a->len;
		for (size_t q = 0; q < np; q++)
			buf_add(a, a->p + parts[q].off, parts[q].len);
		buf_add(a, "", 1);
		add_token(t, cap, joff, a->len - joff - 1, pos0, parts[first].start,
		    parts[last].end, TEXT_TOKEN_JOINED);
	}
}

/*
 * text_hash (text.h): a word the tokeniser holds in registers is hashed there the
 * same way, without a branch on its length.
 */

/* The low r (1 to 8) bytes of v, the rest zero. */
static uint64_t
low_bytes(uint64_t v, size_t r)
{
	return v & (~0ULL >> (64 - 8 * r));
}

/* text_hash of the n (1 to 16) bytes in the low ends of v0 and v1 (the text
 * loaded little-endian). */
static uint64_t
hash_word(uint64_t v0, uint64_t v1, size_t n)
{
	uint64_t h = text_hash_start(n);

	if (n > 8)
		return text_hash_last(text_hash_8(h, v0), low_bytes(v1, n - 8));
	return text_hash_last(h, low_bytes(v0, n));
}

#define SCAN_STACK	128	/* bitmap words on the stack: texts up to 8 KiB */

/* A text's bytes by class, a bit per byte (byte k: bit k % 64 of word k / 64). */
struct scan {
	uint64_t	*word;		/* an ASCII letter or digit */
	uint64_t	*stop;		/* that or a byte >= 0x80: where separators end;
					   every bit from the text's end on is set */
	uint64_t	*brk;		/* a byte >= 0x80 or '-': a word ending there may
					   go on (a chain, a mark, another script) */
	uint64_t	 stack[3 * SCAN_STACK];
};

/* Classify n (<= 64) bytes one by one into bit masks: the portable path. */
static void
classify_bytes(const char *p, size_t n, uint64_t *word, uint64_t *high,
    uint64_t *hyphen)
{
	uint64_t w = 0, h = 0, y = 0;

	for (size_t k = 0; k < n; k++) {
		unsigned char c = (unsigned char)p[k];

		w |= (uint64_t)alnum_tab[c] << k;
		h |= (uint64_t)(c >> 7) << k;
		y |= (uint64_t)(c == '-') << k;
	}
	*word = w;
	*high = h;
	*hyphen = y;
}

#if defined(__SSE2__)
/* Classify 64 bytes sixteen at a time (SSE2 is x86-64's baseline). */
static void
classify_64(const char *p, uint64_t *word, uint64_t *high, uint64_t *hyphen)
{
	const __m128i lc = _mm_set1_epi8(0x20), ta = _mm_set1_epi8((char)(0x80 - 'a'));
	const __m128i td = _mm_set1_epi8((char)(0x80 - '0'));
	const __m128i na = _mm_set1_epi8((char)(-128 + 26));
	const __m128i nd = _mm_set1_epi8((char)(-128 + 10)), hy = _mm_set1_epi8('-');
	uint64_t w = 0, h = 0, y = 0;

	for (int k = 0; k < 4; k++) {
		__m128i v = _mm_loadu_si128((const __m128i *)(const void *)(p + 16 * k));
		/* a letter lower-cased, or a digit, shifted to the bottom of the signed range */
		__m128i a = _mm_cmplt_epi8(_mm_add_epi8(_mm_or_si128(v, lc), ta), na);
		__m128i d = _mm_cmplt_epi8(_mm_add_epi8(v, td), nd);

		w |= (uint64_t)(unsigned)_mm_movemask_epi8(_mm_or_si128(a, d)) << (16 * k);
		h |= (uint64_t)(unsigned)_mm_movemask_epi8(v) << (16 * k);
		y |= (uint64_t)(unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(v, hy)) << (16 * k);
	}
	*word = w;
	*high = h;
	*hyphen = y;
}
#endif

/* Classify the 64 bytes at p (n of them in the text). */
static void
classify(const char *p, size_t n, uint64_t *word, uint64_t *high, uint64_t *hyphen)
{
#if defined(__SSE2__)
	if (simd_scan && n == 64) {
		classify_64(p, word, high, hyphen);
		return;
	}
#endif
	classify_bytes(p, n, word, high, hyphen);
}

/* Build the bitmaps of s (one word more than the bytes need: the end stops). */
static void
scan_build(struct scan *sc, const char *s, size_t len)
{
	size_t nw = len / 64 + 1, n;
	uint64_t w, h, y;

	sc->word = nw <= SCAN_STACK ? sc->stack : xreallocarray(NULL, 3 * nw, sizeof *sc->word);
	sc->stop = sc->word + nw;
	sc->brk = sc->stop + nw;
	for (size_t k = 0; k < nw; k++) {
		n = len - k * 64 < 64 ? len - k * 64 : 64;
		classify(s + k * 64, n, &w, &h, &y);
		sc->word[k] = w;
		sc->stop[k] = w | h | (n < 64 ? ~0ULL << n : 0);
		sc->brk[k] = h | y;
	}
}

/* Free what scan_build allocated. */
static void
scan_free(struct scan *sc)
{
	if (sc->word != sc->stack)
		free(sc->word);
}

/* The bitmaps' words of one 64-byte block, held by the scans (a local the compiler
 * keeps in registers: the next token is mostly in the same block). */
struct cursor {
	size_t		 k;		/* the block; SIZE_MAX: none yet */
	uint64_t	 word, stop, brk;
};

/* Load block k into the cursor. */
static void
cursor_load(const struct scan *sc, struct cursor *c, size_t k)
{
	c->k = k;
	c->word = sc->word[k];
	c->stop = sc->stop[k];
	c->brk = sc->brk[k];
}

/* The first byte at or after i (<= len) that is an ASCII letter or digit or not
 * ASCII (or len); the cursor is left on its block. */
static inline size_t
skip_separators(const struct scan *sc, struct cursor *c, size_t i)
{
	uint64_t b;

	if (i / 64 != c->k)
		cursor_load(sc, c, i / 64);
	b = c->stop & (~0ULL << (i % 64));
	while (b == 0) {
		cursor_load(sc, c, c->k + 1);
		b = c->stop;
	}
	return c->k * 64 + (size_t)__builtin_ctzll(b);
}

/* The first byte at or after i (<= len) that is not an ASCII letter or digit (or
 * len); the cursor is left on its block. */
static inline size_t
alnum_end(const struct scan *sc, struct cursor *c, size_t i)
{
	uint64_t b;

	if (i / 64 != c->k)
		cursor_load(sc, c, i / 64);
	b = ~c->word & (~0ULL << (i % 64));
	while (b == 0) {
		cursor_load(sc, c, c->k + 1);
		b = ~c->word;
	}
	return c->k * 64 + (size_t)__builtin_ctzll(b);
}

/* Does this machine load the first of eight bytes into the lowest (the hash of a
 * short word is taken from the register that lower-cased it)? */
static int
little_endian(void)
{
	return __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__;
}

/* The end of an ASCII word at i of s (len bytes) that no hyphen or other script
 * continues, or 0. A right single quotation mark (the apostrophe of most news
 * text: "Europe’s") ends it as any separator does. */
static inline size_t
ascii_word(const struct scan *sc, struct cursor *c, const char *s, size_t len, size_t i)
{
	size_t j = alnum_end(sc, c, i + 1);

	if ((c->brk >> (j % 64) & 1) && !(len - j >= 3 && s[j] == '\xE2' &&
	    s[j + 1] == '\x80' && s[j + 2] == '\x99'))
		return 0;	/* maybe a chain, a soft hyphen or a mark: the full path */
	return j;
}

/* Emit the ASCII word [i, j) of s (len bytes) on its own position: the fast path.
 * Its bytes are letters and digits, so OR 0x20 lower-cases them (digits have it). */
static void
emit_ascii(struct text_tokens *t, size_t *cap, struct buf *a, const char *s,
    size_t len, size_t i, size_t j)
{
	size_t n = j - i, off = a->len;
	int reg = n <= 16 && len - i >= 16;
	uint64_t v0 = 0, v1 = 0;
	char *d;

	buf_reserve(a, n + 16);		/* room for a whole 16-byte store */
	d = a->p + off;
	if (reg) {	/* two 8-byte halves, each kept in a register: a 16-byte
			   vector stored and read back as halves stalls the load */
		memcpy(&v0, s + i, 8);
		memcpy(&v1, s + i + 8, 8);
		v0 |= 0x2020202020202020ULL;
		v1 |= 0x2020202020202020ULL;
		memcpy(d, &v0, 8);
		memcpy(d + 8, &v1, 8);
	} else
		for (size_t k = 0; k < n; k++)
			d[k] = (char)(s[i + k] | 0x20);
	d[n] = '\0';
	a->len += n + 1;
	add_token(t, cap, off, n, t->npos++, i, j, reg && little_endian() ?
	    TOKEN_HASHED : 0);
	if (reg && little_endian())	/* hashed while in registers */
		t->v[t->n - 1].hash = hash_word(v0, v1, n);
}

struct text_tokens *
text_tokenize(const char *s, size_t len, int flags)
{
	struct text_tokens *t = xcalloc(1, sizeof *t);
	struct buf a = { NULL, 0, 0 };
	struct part parts[MAX_PARTS];
	struct scan sc;
	struct cursor cur = { SIZE_MAX, 0, 0, 0 };
	size_t i = 0, cap = 0, np, n, j;
	int32_t c;

	buf_reserve(&a, len + len / 4 + 16);
	cap = len / 5 < 4096 ? len / 5 + 16 : 4096;	/* about a token per 5 bytes of prose */
	t->v = xreallocarray(NULL, cap, sizeof *t->v);
	scan_build(&sc, s, len);
	while ((i = skip_separators(&sc, &cur, i)) < len) {
		if (fast_tokens && (cur.word >> (i % 64) & 1) &&
		    (j = ascii_word(&sc, &cur, s, len, i)) != 0) {
			emit_ascii(t, &cap, &a, s, len, i, j);
			i = j;
			continue;
		}
		n = text_utf8_next(s + i, len - i, &c);
		if (!is_word(c)) {
			i += n;
			continue;
		}
		np = 0;
		for (;;) {
			parts[np].start = i;
			i = parts[np].end = read_part(s, len, i, &parts[np].ascii);
			np++;
			if (i >= len || np == MAX_PARTS)
				break;
			n = text_utf8_next(s + i, len - i, &c);
			if (!is_hyphen(c) || i + n >= len)
				break;
			text_utf8_next(s + i + n, len - i - n, &c);
			if (!is_word(c))
				break;
			i += n;
		}
		emit_chain(t, &cap, &a, s, parts, np);
	}
	scan_free(&sc);
	buf_reserve(&a, TEXT_ARENA_PAD);	/* see text.h */
	memset(a.p + a.len, 0, TEXT_ARENA_PAD);
	for (size_t k = 0; k < t->n; k++) {
		t->v[k].norm = a.p + (uintptr_t)t->v[k].norm;
		if (t->v[k].flags & TOKEN_HASHED)
			t->v[k].flags &= ~TOKEN_HASHED;
		else
			t->v[k].hash = text_hash(t->v[k].norm, t->v[k].normlen);
	}
	t->arena = a.p;
	t->arenalen = a.len;
	t->arenasize = a.size;
	return t;
}

void
text_tokens_free(struct text_tokens *t)
{
	if (t == NULL)
		return;
	free(t->v);
	free(t->arena);
	free(t);
}

struct text_stemmer *
text_stemmer_get(const char *lang)
{
	struct sb_stemmer *sb;

	for (size_t i = 0; i < nstemmers; i++)
		if (strcmp(stemmers[i].lang, lang) == 0)
			return stemmers[i].sb != NULL ? &stemmers[i] : NULL;
	if (nstemmers == MAX_STEMMERS)
		return NULL;
	sb = sb_stemmer_new(lang, "UTF_8");
	stemmers[nstemmers].lang = xstrdup(lang);
	stemmers[nstemmers].sb = sb;
	nstemmers++;
	return sb != NULL ? &stemmers[nstemmers - 1] : NULL;
}

const char *
text_stem(struct text_stemmer *st, const char *word, size_t len, size_t *outlen)
{
	const sb_symbol *r;

	r = sb_stemmer_stem(st->sb, (const sb_symbol *)word, (int)len);
	if (r == NULL) {
		*outlen = len;
		return word;
	}
	*outlen = (size_t)sb_stemmer_length(st->sb);
	return (const char *)r;
}

void
text_stemmers_free(void)
{
	for (size_t i = 0; i < nstemmers; i++) {
		if (stemmers[i].sb != NULL)
			sb_stemmer_delete(stemmers[i].sb);
		free(stemmers[i].lang);
	}
	nstemmers = 0;
}

void
text_hash_sha256(const void *buf, size_t len, unsigned char out[32])
{
	unsigned int n = 32;

	EVP_Digest(buf, len, out, &n, EVP_sha256(), NULL);
}
