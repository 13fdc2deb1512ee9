/*
 * text: the one normalisation of newswatch (watchlists, content hashes and
 * near-duplicate fingerprints all use it) and the tokeniser.
 *
 * Folding: NFKC, full case folding, default-ignorables dropped, LUMP (dashes and
 * spaces unified), combining marks dropped after Latin, Greek and Cyrillic base
 * letters only (Devanagari vowel signs and Hebrew points stay), then a table for
 * letters Unicode does not decompose: ł→l ø→o đ→d ð→d ı→i ħ→h ŧ→t æ→ae œ→oe þ→th.
 * ASCII runs take a fast path (lower-cased, no utf8proc call) that gives the same
 * result as the slow one. Invalid UTF-8 becomes U+FFFD.
 *
 * Tokens are Unicode words (letters, marks and digits of every script). A hyphen
 * between two words splits them and the joined form is emitted too, at the first
 * part's position; apostrophes end a token. Each token keeps its byte offsets
 * into the ORIGINAL text.
 */
#ifndef NW_TEXT_H
#define NW_TEXT_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#define TEXT_TOKEN_JOINED	0x1	/* the joined form of a hyphenated word */
#define TEXT_ARENA_PAD		16	/* zero bytes after the last folded form */

struct text_token {
	const char	*norm;		/* folded form, NUL-terminated (owned by the set) */
	uint32_t	 normlen;
	uint32_t	 pos;		/* position number; a joined form shares its first part's */
	size_t		 start, end;	/* byte offsets of the token in the original text */
	int		 flags;		/* TEXT_TOKEN_* */
	uint64_t	 hash;		/* text_hash of the folded form */
};

struct text_tokens {
	struct text_token	*v;
	size_t			 n;
	uint32_t		 npos;	/* number of positions used */
	char			*arena;	/* the folded forms, then TEXT_ARENA_PAD zero
					   bytes: the first 16 bytes at any token's
					   norm may be loaded at once */
	size_t			 arenalen, arenasize;
};

struct text_stemmer;

/* Fold s into a new NUL-terminated string; its length goes to *outlen (if not NULL). */
char			*text_fold(const char *s, size_t len, size_t *outlen);

/* Tokenise s (flags reserved, pass 0); never NULL. */
struct text_tokens	*text_tokenize(const char *s, size_t len, int flags);
void			 text_tokens_free(struct text_tokens *);

/* The cached stemmer for a libstemmer language ("english", "de", ...), NULL if unknown. */
struct text_stemmer	*text_stemmer_get(const char *lang);
/* Stem a folded word; the result is valid until the next call on this stemmer. */
const char		*text_stem(struct text_stemmer *, const char *word, size_t len,
			    size_t *outlen);
/* Free every cached stemmer (at exit; keeps leak checkers quiet). */
void			 text_stemmers_free(void);

/* text_hash's start for len bytes. */
static inline uint64_t
text_hash_start(size_t len)
{
	return 0x9E3779B97F4A7C15ULL ^ (len * 0xFF51AFD7ED558CCDULL);
}

/* text_hash: mix in eight bytes that are not the last. */
static inline uint64_t
text_hash_8(uint64_t h, uint64_t v)
{
	h = (h ^ v) * 0xBF58476D1CE4E5B9ULL;
	return h ^ (h >> 31);
}

/* text_hash: mix in the last piece (zero-padded) and finish. */
static inline uint64_t
text_hash_last(uint64_t h, uint64_t v)
{
	h = (h ^ v) * 0x94D049BB133111EBULL;
	return h ^ (h >> 32);
}

/* A fast 64-bit hash of bytes for hash tables (not for anything adversaries pick):
 * the bytes in eight-byte pieces (little-endian where the machine is), every piece
 * but the last mixed in as it comes, the last one (1 to 8 bytes, the rest zero)
 * mixed in with the end. Inline: the matcher hashes words and prefixes by the
 * hundred per article. */
static inline uint64_t
text_hash(const char *s, size_t len)
{
	uint64_t h = text_hash_start(len), v = 0;
	uint32_t a, b;

	for (; len > 8; s += 8, len -= 8) {
		memcpy(&v, s, 8);
		h = text_hash_8(h, v);
	}
	if (len == 8)
		memcpy(&v, s, 8);
	else if (len >= 4) {	/* two overlapping loads cover 4 to 7 bytes */
		memcpy(&a, s, 4);
		memcpy(&b, s + len - 4, 4);
		v = a | (uint64_t)b << (8 * (len - 4));
	} else if (len > 0)
		v = (uint64_t)(unsigned char)s[0] |
		    (uint64_t)(unsigned char)s[len / 2] << (8 * (len / 2)) |
		    (uint64_t)(unsigned char)s[len - 1] << (8 * (len - 1));
	return text_hash_last(h, v);
}

/* SHA-256 of a buffer. */
void			 text_hash_sha256(const void *buf, size_t len, unsigned char out[32]);

/* Decode one UTF-8 character at s (len > 0): returns its length, the code point
 * (U+FFFD and length 1 for an invalid sequence) in *cp. */
size_t			 text_utf8_next(const char *s, size_t len, int32_t *cp);

#endif
