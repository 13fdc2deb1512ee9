/*
 * feed_text: bytes to valid UTF-8 (BOM, HTTP charset, XML declaration, UTF-8,
 * windows-1252, in that order), and text clean-up: trimming, capping, HTML to text.
 */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <iconv.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include <libxml/HTMLparser.h>
#include <libxml/parserInternals.h>

#include "feed_int.h"
#include "xmalloc.h"

/* windows-1252 0x80-0x9f; the five undefined bytes map to their C1 code points. */
static const uint16_t cp1252[32] = {
	0x20ac, 0x0081, 0x201a, 0x0192, 0x201e, 0x2026, 0x2020, 0x2021,
	0x02c6, 0x2030, 0x0160, 0x2039, 0x0152, 0x008d, 0x017d, 0x008f,
	0x0090, 0x2018, 0x2019, 0x201c, 0x201d, 0x2022, 0x2013, 0x2014,
	0x02dc, 0x2122, 0x0161, 0x203a, 0x0153, 0x009d, 0x017e, 0x0178,
};

/* Room for n more bytes and a NUL in b. */
static void
buf_reserve(struct feed_buf *b, size_t n)
{
	size_t cap = b->cap ? b->cap : 256;

	if (b->len + n + 1 <= b->cap)
		return;
	while (cap < b->len + n + 1)
		cap *= 2;
	b->p = xrealloc(b->p, cap);
	b->cap = cap;
}

/* Append bytes, silently stopping at FEED_MAX_FIELD. */
void
feed_buf_add(struct feed_buf *b, const char *s, size_t n)
{
	size_t max = b->max ? b->max : FEED_MAX_FIELD;

	if (b->len >= max)
		return;
	if (n > max - b->len) {
		n = max - b->len;
		while (n > 0 && ((unsigned char)s[n] & 0xc0) == 0x80)
			n--;	/* never cut a character */
	}
	buf_reserve(b, n);
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
}

/*
 * The text of b trimmed of white space, handed over in memory sized to fit; b is
 * left empty. NULL when nothing is left.
 */
char *
feed_buf_take(struct feed_buf *b)
{
	char *s = b->p;
	size_t start = 0, len = b->len;

	b->p = NULL;
	b->len = b->cap = 0;
	while (start < len && isspace((unsigned char)s[start]))
		start++;
	while (len > start && isspace((unsigned char)s[len - 1]))
		len--;
	if (len == start) {
		free(s);
		return NULL;
	}
	len -= start;
	memmove(s, s + start, len);
	s[len] = '\0';
	return xrealloc(s, len + 1);	/* the unused end goes back to malloc */
}

/* Append one byte. */
void
feed_buf_addc(struct feed_buf *b, char c)
{
	feed_buf_add(b, &c, 1);
}

/* Append text with the XML special characters escaped. */
void
feed_buf_add_escaped(struct feed_buf *b, const char *s, size_t n)
{
	size_t i, start = 0;

	for (i = 0; i < n; i++) {
		const char *rep = s[i] == '<' ? "&lt;" : s[i] == '>' ? "&gt;" :
		    s[i] == '&' ? "&amp;" : s[i] == '"' ? "&quot;" : NULL;

		if (rep == NULL)
			continue;
		feed_buf_add(b, s + start, i - start);
		feed_buf_add(b, rep, strlen(rep));
		start = i + 1;
	}
	feed_buf_add(b, s + start, n - start);
}

/* Empty the buffer, keeping its memory. */
void
feed_buf_reset(struct feed_buf *b)
{
	b->len = 0;
	if (b->p != NULL)
		b->p[0] = '\0';
}

/* Free the buffer's memory. */
void
feed_buf_free(struct feed_buf *b)
{
	free(b->p);
	b->p = NULL;
	b->len = b->cap = 0;
}

/* Append a code point as UTF-8 (invalid ones and XML's forbidden controls as U+FFFD). */
static void
put_cp(struct feed_buf *b, uint32_t c)
{
	char u[4];

	if (c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff) ||
	    (c < 0x20 && c != '\t' && c != '\n' && c != '\r'))
		c = 0xfffd;
	if (c < 0x80) {
		feed_buf_addc(b, (char)c);
		return;
	}
	if (c < 0x800) {
		u[0] = (char)(0xc0 | c >> 6);
		u[1] = (char)(0x80 | (c & 0x3f));
		feed_buf_add(b, u, 2);
	} else if (c < 0x10000) {
		u[0] = (char)(0xe0 | c >> 12);
		u[1] = (char)(0x80 | ((c >> 6) & 0x3f));
		u[2] = (char)(0x80 | (c & 0x3f));
		feed_buf_add(b, u, 3);
	} else {
		u[0] = (char)(0xf0 | c >> 18);
		u[1] = (char)(0x80 | ((c >> 12) & 0x3f));
		u[2] = (char)(0x80 | ((c >> 6) & 0x3f));
		u[3] = (char)(0x80 | (c & 0x3f));
		feed_buf_add(b, u, 4);
	}
}

/* Length of the valid UTF-8 sequence at s (no overlongs, surrogates), 0 if none. */
static size_t
utf8_seq(const unsigned char *s, size_t left)
{
	size_t n, i;
	uint32_t c;

	if (s[0] < 0x80)
		return 1;
	if (s[0] < 0xc2 || s[0] > 0xf4)
		return 0;
	n = s[0] < 0xe0 ? 2 : s[0] < 0xf0 ? 3 : 4;
	if (left < n)
		return 0;
	c = s[0] & (0x7f >> n);
	for (i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		c = c << 6 | (s[i] & 0x3f);
	}
	if ((n == 3 && (c < 0x800 || (c >= 0xd800 && c <= 0xdfff))) ||
	    (n == 4 && (c < 0x10000 || c > 0x10ffff)) || c == 0xfffe || c == 0xffff)
		return 0;
	return n;
}

/* Is this byte one XML (and JSON strings) cannot carry? */
static int
bad_control(unsigned char c)
{
	return c < 0x20 && c != '\t' && c != '\n' && c != '\r';
}

/* Count invalid sequences, controls and valid multibyte sequences. */
static void
utf8_stats(const unsigned char *s, size_t len, size_t *bad, size_t *multi)
{
	const uint64_t hi = 0x8080808080808080ULL, lo = 0x2020202020202020ULL;
	size_t i = 0, n;
	uint64_t w;

	*bad = *multi = 0;
	while (i < len) {
		while (i + 32 <= len) {
			uint64_t x[4], m = 0;
			int k;

			memcpy(x, s + i, 32);
			for (k = 0; k < 4; k++)
				m |= x[k] | ((x[k] - lo) & ~x[k]);
			if ((m & hi) != 0)
				break;
			i += 32;
		}
		if (i >= len)
			break;
		if (i + 8 <= len) {
			memcpy(&w, s + i, 8);
			if (((w | ((w - lo) & ~w)) & hi) == 0) {
				i += 8;
				continue;
			}
		}
		if ((n = utf8_seq(s + i, len - i)) == 0 || (n == 1 && bad_control(s[i]))) {
			(*bad)++;
			i++;
			continue;
		}
		*multi += n > 1;
		i += n;
	}
}

/* Copy UTF-8 replacing invalid sequences and controls with U+FFFD. */
static void
utf8_repair(struct feed_buf *b, const unsigned char *s, size_t len)
{
	size_t i = 0, n, start = 0;

	while (i < len) {
		n = utf8_seq(s + i, len - i);
		if (n == 0 || (n == 1 && bad_control(s[i]))) {
			feed_buf_add(b, (const char *)s + start, i - start);
			put_cp(b, 0xfffd);
			start = ++i;
		} else
			i += n;
	}
	feed_buf_add(b, (const char *)s + start, len - start);
}

/* windows-1252 to UTF-8. */
static void
cp1252_decode(struct feed_buf *b, const unsigned char *s, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		if (s[i] < 0x80)
			feed_buf_addc(b, (char)s[i]);
		else
			put_cp(b, s[i] < 0xa0 ? cp1252[s[i] - 0x80] : s[i]);
}

/* UTF-16 to UTF-8; unpaired surrogates become U+FFFD. */
static void
utf16_decode(struct feed_buf *b, const unsigned char *s, size_t len, int be)
{
	size_t i;
	uint32_t c, d;

	for (i = 0; i + 1 < len; i += 2) {
		c = be ? (uint32_t)s[i] << 8 | s[i + 1] : (uint32_t)s[i + 1] << 8 | s[i];
		if (c >= 0xd800 && c <= 0xdbff && i + 3 < len) {
			d = be ? (uint32_t)s[i + 2] << 8 | s[i + 3] :
			    (uint32_t)s[i + 3] << 8 | s[i + 2];
			if (d >= 0xdc00 && d <= 0xdfff) {
				c = 0x10000 + ((c - 0xd800) << 10) + (d - 0xdc00);
				i += 2;
			}
		}
		put_cp(b, bad_control((unsigned char)(c < 0x80 ? c : 0x80)) ? 0xfffd : c);
	}
}

/* Convert with iconv, strictly; 0 on success (output in b, no BOM). */
static int
iconv_decode(struct feed_buf *b, const char *charset, const char *s, size_t len)
{
	iconv_t cd;
	char out[4096], *in = (char *)s, *o;
	size_t left = len, oleft;
	int rc = 0;

	if ((cd = iconv_open("UTF-8", charset)) == (iconv_t)-1)
		return -1;
	while (left > 0 && rc == 0) {
		o = out;
		oleft = sizeof out;
		if (iconv(cd, &in, &left, &o, &oleft) == (size_t)-1 && errno != E2BIG)
			rc = -1;
		feed_buf_add(b, out, (size_t)(o - out));
		if (b->len >= FEED_MAX_FIELD * 256UL)
			rc = -1;
	}
	iconv_close(cd);
	return rc;
}

/* Which family a charset name belongs to: 8 = UTF-8, 1 = latin-1/1252, 0 other. */
static int
charset_kind(const char *cs)
{
	if (strcasecmp(cs, "utf-8") == 0 || strcasecmp(cs, "utf8") == 0)
		return 8;
	if (strcasecmp(cs, "iso-8859-1") == 0 || strcasecmp(cs, "latin1") == 0 ||
	    strcasecmp(cs, "iso8859-1") == 0 || strcasecmp(cs, "us-ascii") == 0 ||
	    strcasecmp(cs, "ascii") == 0 || strcasecmp(cs, "windows-1252") == 0 ||
	    strcasecmp(cs, "cp1252") == 0 || strcasecmp(cs, "iso-8859-15") == 0)
		return 1;
	return 0;
}

/* Use the bytes as they are when they are clean UTF-8, else repaired into a copy. */
static void
take_utf8(struct feed_input *in, const char *s, size_t len, const char *enc)
{
	struct feed_buf b = FEED_BUF_UNCAPPED;
	size_t bad, multi;

	utf8_stats((const unsigned char *)s, len, &bad, &multi);
	in->encoding = enc;
	if (bad == 0) {
		in->data = s;
		in->len = len;
		return;
	}
	utf8_repair(&b, (const unsigned char *)s, len);
	in->owned = b.p;
	in->data = b.p ? b.p : "";
	in->len = b.len;
	in->repaired = 1;
}

/* Adopt a converted buffer (repairing controls in it). */
static void
take_converted(struct feed_input *in, struct feed_buf *b, const char *enc)
{
	take_utf8(in, b->p ? b->p : "", b->len, enc);
	if (in->owned != NULL)
		feed_buf_free(b);
	else
		in->owned = b->p;
}

/* Try a declared charset: 0 if the bytes validate in it and were taken. */
static int
try_charset(struct feed_input *in, const char *s, size_t len, const char *cs)
{
	struct feed_buf b = FEED_BUF_UNCAPPED;
	size_t bad, multi;

	switch (charset_kind(cs)) {
	case 8:
		utf8_stats((const unsigned char *)s, len, &bad, &multi);
		if (bad != 0)
			return -1;
		in->data = s;
		in->len = len;
		in->encoding = "utf-8";
		return 0;
	case 1:
		cp1252_decode(&b, (const unsigned char *)s, len);
		take_converted(in, &b, "windows-1252");
		return 0;
	}
	if (strncasecmp(cs, "utf-16", 6) == 0 || strncasecmp(cs, "utf-32", 6) == 0 ||
	    iconv_decode(&b, cs, s, len) != 0) {
		feed_buf_free(&b);
		return -1;
	}
	take_converted(in, &b, "declared");
	return 0;
}

/* The encoding named by an XML declaration at the start of s, into cs. */
static int
xml_decl_charset(const char *s, size_t len, char *cs, size_t cslen)
{
	const char *end, *p;
	char q;
	size_t n;

	if (len < 6 || strncmp(s, "<?xml", 5) != 0)
		return -1;
	end = memchr(s, '>', len < 256 ? len : 256);
	if (end == NULL)
		return -1;
	for (p = s; p + 9 < end && strncmp(p, "encoding", 8) != 0; p++)
		;
	if (p + 9 >= end)
		return -1;
	for (p += 8; *p == ' ' || *p == '='; p++)
		;
	if ((q = *p) != '"' && q != '\'')
		return -1;
	for (n = 0, p++; p < end && *p != q && n + 1 < cslen; p++)
		cs[n++] = *p;
	cs[n] = '\0';
	return n > 0 ? 0 : -1;
}

/* Decode the document to UTF-8 following the order of the issue. */
void
feed_text_input(struct feed_input *in, const char *s, size_t len,
    const char *charset, int xml)
{
	const unsigned char *u = (const unsigned char *)s;
	struct feed_buf b = FEED_BUF_UNCAPPED;
	char cs[64];
	size_t bad, multi;

	memset(in, 0, sizeof *in);
	if (len >= 3 && u[0] == 0xef && u[1] == 0xbb && u[2] == 0xbf) {
		take_utf8(in, s + 3, len - 3, "utf-8");
		return;
	}
	if (len >= 2 && ((u[0] == 0xff && u[1] == 0xfe) || (u[0] == 0xfe && u[1] == 0xff))) {
		utf16_decode(&b, u + 2, len - 2, u[0] == 0xfe);
		take_converted(in, &b, u[0] == 0xfe ? "utf-16be" : "utf-16le");
		return;
	}
	if (charset != NULL && *charset != '\0' && try_charset(in, s, len, charset) == 0)
		return;
	if (xml && xml_decl_charset(s, len, cs, sizeof cs) == 0 &&
	    try_charset(in, s, len, cs) == 0)
		return;
	utf8_stats(u, len, &bad, &multi);
	if (bad == 0) {
		in->data = s;
		in->len = len;
		in->encoding = "utf-8";
		return;
	}
	if (multi > bad) {
		take_utf8(in, s, len, "utf-8");
		return;
	}
	cp1252_decode(&b, u, len);
	take_converted(in, &b, "windows-1252");
}

/*
 * The input as declared UTF-8 (no BOM but UTF-8's, an HTTP charset and XML
 * declaration that are UTF-8 or absent), taken unchecked: libxml2 checks UTF-8 as
 * it reads, and the XML reader falls back to feed_text_input when it finds a
 * problem. -1 when the document declares another encoding.
 */
int
feed_text_input_utf8(struct feed_input *in, const char *s, size_t len,
    const char *charset)
{
	char cs[64];

	memset(in, 0, sizeof *in);
	if (len >= 3 && memcmp(s, "\xef\xbb\xbf", 3) == 0) {
		s += 3;
		len -= 3;
	} else if (len >= 2 && ((unsigned char)s[0] == 0xff || (unsigned char)s[0] == 0xfe))
		return -1;
	if (charset != NULL && *charset != '\0' && charset_kind(charset) != 8)
		return -1;
	if ((charset == NULL || *charset == '\0') &&
	    xml_decl_charset(s, len, cs, sizeof cs) == 0 && charset_kind(cs) != 8)
		return -1;
	in->data = s;
	in->len = len;
	in->encoding = "utf-8";
	in->unchecked = 1;
	return 0;
}

/* Bytes of a 64-bit word: one where a byte is zero, high bit set (and maybe above). */
#define ONES	0x0101010101010101ULL
#define HIGHS	0x8080808080808080ULL
#define ZERO_BYTES(v)	(((v) - ONES) & ~(v) & HIGHS)

/*
 * Does s hold an overlong UTF-8 form (C0, C1; E0 80-9F; F0 80-8F)? The only
 * invalid UTF-8 that libxml2's push parser lets through in CDATA sections
 * (xmlCheckCdataPush checks structure, range and controls). Eight bytes at a
 * time (with SSE2: runs of ASCII 32, others 16 at a time), a word is looked at
 * closely only when it holds one of the lead bytes C0, C1, E0 or F0
 * (b & FE == C0, b & EF == E0), which real text rarely does.
 */
int
feed_text_has_overlong(const char *s, size_t len)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t i = 0, end;
	uint64_t w;

	while (i < len) {
#ifdef __SSE2__
		if (i + 32 <= len && _mm_movemask_epi8(_mm_or_si128(	/* ASCII */
		    _mm_loadu_si128((const __m128i *)(u + i)),
		    _mm_loadu_si128((const __m128i *)(u + i + 16)))) == 0) {
			i += 32;
			continue;
		}
		if (i + 16 <= len) {	/* the lead bytes, sixteen at a time */
			__m128i v = _mm_loadu_si128((const __m128i *)(u + i));
			__m128i c = _mm_cmpeq_epi8(_mm_and_si128(v, _mm_set1_epi8((char)0xfe)),
			    _mm_set1_epi8((char)0xc0));
			__m128i e = _mm_cmpeq_epi8(_mm_and_si128(v, _mm_set1_epi8((char)0xef)),
			    _mm_set1_epi8((char)0xe0));

			if (_mm_movemask_epi8(_mm_or_si128(c, e)) == 0) {
				i += 16;
				continue;
			}
		}
#endif
		if (i + 8 <= len) {
			memcpy(&w, u + i, 8);
			if (ZERO_BYTES((w & 0xfefefefefefefefeULL) ^ 0xc0c0c0c0c0c0c0c0ULL) == 0 &&
			    ZERO_BYTES((w & 0xefefefefefefefefULL) ^ 0xe0e0e0e0e0e0e0e0ULL) == 0) {
				i += 8;
				continue;
			}
		}
		for (end = i + 8 < len ? i + 8 : len; i < end; i++)
			if (u[i] == 0xc0 || u[i] == 0xc1 || (i + 1 < len &&
			    ((u[i] == 0xe0 && u[i + 1] < 0xa0) ||
			    (u[i] == 0xf0 && u[i + 1] < 0x90))))
				return 1;
	}
	return 0;
}

/*
 * The reference at s (s[0] == '&', s < end) as libxml2 2.9 decodes it in content:
 * one of the five predefined entities, or a character reference (at most eight
 * digits) to a character XML allows. Appends it at *out; returns the bytes of the
 * reference, 0 for anything else.
 */
static size_t
xml_reference(const char *s, const char *end, char **out)
{
	static const struct { char name[6]; char c; } pre[] = {
		{ "lt;", '<' }, { "gt;", '>' }, { "amp;", '&' }, { "quot;", '"' },
		{ "apos;", '\'' },
	};
	size_t i, n, len = (size_t)(end - s);
	uint32_t c = 0;
	int hex, d;

	if (len > 1 && s[1] != '#') {
		for (i = 0; i < sizeof pre / sizeof pre[0]; i++) {
			n = strlen(pre[i].name);
			if (len > n && memcmp(s + 1, pre[i].name, n) == 0) {
				*(*out)++ = pre[i].c;
				return n + 1;
			}
		}
		return 0;
	}
	hex = len > 2 && s[2] == 'x';
	for (i = hex ? 3 : 2; i < len && s[i] != ';'; i++) {
		if (s[i] >= '0' && s[i] <= '9')
			d = s[i] - '0';
		else if (hex && s[i] >= 'a' && s[i] <= 'f')
			d = s[i] - 'a' + 10;
		else if (hex && s[i] >= 'A' && s[i] <= 'F')
			d = s[i] - 'A' + 10;
		else
			return 0;
		if (i >= (hex ? 11u : 10u))
			return 0;
		c = c * (hex ? 16 : 10) + (uint32_t)d;
	}
	if (i == len || i == (hex ? 3u : 2u) || c == 0 || !xmlIsCharQ(c))
		return 0;
	*out += xmlCopyCharMultiByte((xmlChar *)*out, (int)c);
	return i + 1;
}

/*
 * A run of character data (the bytes between a start tag and the next '<'), or
 * with cdata the inside of a CDATA section, appended to b as libxml2 2.9's SAX push
 * parser would hand it over: the fast path of feed_xml.c for long runs of text,
 * which libxml2 reads a character at a time once it has met one that is not ASCII.
 * Only what libxml2 reads without a word is taken: valid UTF-8 of characters XML
 * allows, tab, LF and CR among the controls (outside CDATA, CR LF and a lone CR
 * become LF, as libxml2 makes them), and outside CDATA the five predefined
 * entities and character references to allowed characters. For anything else
 * (other controls; "]]>" outside CDATA; other references; invalid bytes, overlong
 * forms included) and when the run would not fit under FEED_MAX_FIELD, it returns
 * 0 with b as it was and libxml2 reads the run. Else 1, and *lines is the number
 * of line feeds.
 */
int
feed_text_xml_chars(struct feed_buf *b, const char *s, size_t n, int cdata,
    size_t *lines)
{
	const unsigned char *u = (const unsigned char *)s;
	const char amp = cdata ? '\n' : '&', bracket = cdata ? '\n' : ']';
	size_t i = 0, k, nl = 0;
	char *out;

	if (b->max != 0 || b->len + n > FEED_MAX_FIELD)
		return 0;
	buf_reserve(b, n);	/* what is decoded is never longer */
	out = b->p + b->len;
	while (i < n) {
#ifdef __SSE2__
		/* Sixteen bytes at a time while none is a control, '&', ']' or not ASCII. */
		if (i + 16 <= n) {
			__m128i v = _mm_loadu_si128((const __m128i *)(u + i));
			__m128i sp = _mm_or_si128(_mm_or_si128(
			    _mm_cmplt_epi8(v, _mm_set1_epi8(0x20)),	/* also >= 0x80 */
			    _mm_cmpeq_epi8(v, _mm_set1_epi8(amp))),
			    _mm_cmpeq_epi8(v, _mm_set1_epi8(bracket)));
			int m = _mm_movemask_epi8(sp);

			_mm_storeu_si128((__m128i *)out, v);
			if (m == 0) {
				i += 16;
				out += 16;
				continue;
			}
			k = (size_t)__builtin_ctz((unsigned)m);
			i += k;
			out += k;
		}
#endif
		if (u[i] >= 0x20 && u[i] < 0x80 && ((u[i] != '&' && u[i] != ']') || cdata)) {
			*out++ = (char)u[i++];
		} else if (u[i] == '\n' || u[i] == '\t' || (u[i] == '\r' && cdata)) {
			nl += u[i] == '\n';
			*out++ = (char)u[i++];
		} else if (u[i] == '\r') {	/* CR LF and a lone CR are LF */
			*out++ = '\n';
			if (i + 1 < n && u[i + 1] == '\n') {
				nl++;
				i++;
			}
			i++;
		} else if (u[i] == ']') {
			if (i + 2 < n && u[i + 1] == ']' && u[i + 2] == '>')
				goto no;
			*out++ = (char)u[i++];
		} else if (u[i] == '&') {
			if ((k = xml_reference(s + i, s + n, &out)) == 0)
				goto no;
			i += k;
		} else if (u[i] >= 0x80 && (k = utf8_seq(u + i, n - i)) != 0) {
			memcpy(out, u + i, k);
			out += k;
			i += k;
		} else
			goto no;
	}
	b->len = (size_t)(out - b->p);
	b->p[b->len] = '\0';
	*lines = nl;
	return 1;
no:
	b->p[b->len] = '\0';
	return 0;
}

/* Is s valid UTF-8 without the controls XML cannot carry? */
int
feed_text_utf8_valid(const char *s, size_t len)
{
	size_t bad, multi;

	utf8_stats((const unsigned char *)s, len, &bad, &multi);
	return bad == 0;
}

/* Free what feed_text_input allocated. */
void
feed_text_input_free(struct feed_input *in)
{
	free(in->owned);
	memset(in, 0, sizeof *in);
}

/* Is the (decoded) document JSON rather than XML? */
int
feed_text_is_json(const char *s, size_t len)
{
	size_t i;

	for (i = 0; i < len && isspace((unsigned char)s[i]); i++)
		;
	return i < len && s[i] == '{';
}

/* Copy of s trimmed of white space and cut at FEED_MAX_FIELD on a character. */
char *
feed_text_clean(const char *s, size_t len)
{
	char *r;

	while (len > 0 && isspace((unsigned char)*s)) {
		s++;
		len--;
	}
	while (len > 0 && isspace((unsigned char)s[len - 1]))
		len--;
	if (len == 0)
		return NULL;
	if (len > FEED_MAX_FIELD) {
		len = FEED_MAX_FIELD;
		while (len > 0 && ((unsigned char)s[len] & 0xc0) == 0x80)
			len--;
	}
	r = xmalloc(len + 1);
	memcpy(r, s, len);
	r[len] = '\0';
	return r;
}

/* Decode the character reference at s ("&...;"); bytes used, 0 if none. */
static size_t
html_entity(struct feed_buf *b, const char *s)
{
	char name[33];
	const htmlEntityDesc *e;
	size_t n = 1;
	unsigned long c;
	char *end;

	if (s[1] == '#') {
		int hex = s[2] == 'x' || s[2] == 'X';

		if (!isxdigit((unsigned char)s[2 + hex]))
			return 0;
		c = strtoul(s + 2 + hex, &end, hex ? 16 : 10);
		if (*end != ';' || end - s > 12)
			return 0;
		put_cp(b, c > 0x10ffff ? 0xfffd : (uint32_t)c);
		return (size_t)(end - s) + 1;
	}
	while (n < sizeof name && isalnum((unsigned char)s[n]))
		n++;
	if (s[n] != ';' || n == 1 || n >= sizeof name)
		return 0;
	memcpy(name, s + 1, n - 1);
	name[n - 1] = '\0';
	if ((e = htmlEntityLookup((const xmlChar *)name)) == NULL)
		return 0;
	put_cp(b, e->value);
	return n + 1;
}

/* A copy of s (trimmed, capped) with XML's forbidden controls as U+FFFD (JSON strings). */
char *
feed_text_clean_controls(const char *s, size_t len)
{
	struct feed_buf b = { 0 };
	size_t i;
	char *r;

	for (i = 0; i < len && !bad_control((unsigned char)s[i]); i++)
		;
	if (i == len)
		return feed_text_clean(s, len);
	utf8_repair(&b, (const unsigned char *)s, len);
	r = feed_text_clean(b.p ? b.p : "", b.len);
	feed_buf_free(&b);
	return r;
}

/* A copy of s (trimmed, capped) with its character and entity references decoded. */
char *
feed_text_entities(const char *s, size_t len)
{
	struct feed_buf b = { 0 };
	const char *end = s + len, *amp;
	char *r, *t = xstrndup(s, len);	/* html_entity reads up to a NUL */
	size_t n;

	for (s = t, end = t + len; (amp = memchr(s, '&', (size_t)(end - s))) != NULL;) {
		feed_buf_add(&b, s, (size_t)(amp - s));
		if ((n = html_entity(&b, amp)) == 0) {
			feed_buf_addc(&b, '&');
			n = 1;
		}
		s = amp + n;
	}
	feed_buf_add(&b, s, (size_t)(end - s));
	r = feed_text_clean(b.p ? b.p : "", b.len);
	feed_buf_free(&b);
	free(t);
	return r;
}

/* Length of the tag at s ("<a ...>", "</b>", "<!-- -->"), 0 if s is no tag. */
static size_t
html_tag(const char *s)
{
	const char *end;

	if (!isalpha((unsigned char)s[1]) && s[1] != '/' && s[1] != '!' && s[1] != '?')
		return 0;
	if (strncmp(s, "<!--", 4) == 0)
		end = strstr(s + 4, "-->");
	else
		end = strchr(s, '>');
	if (end == NULL)
		return 0;
	return (size_t)(end - s) + (*end == '-' ? 3 : 1);
}

/* Does the tag at s separate words (<br>, <p>, </div>, ...)? */
static int
is_block(const char *s)
{
	static const char *b[] = { "br", "p", "div", "li", "tr", "td", "th", "h1",
	    "h2", "h3", "h4", "h5", "h6", "ul", "ol", "blockquote", "hr", "dd", "dt" };
	size_t i, n;

	s += s[1] == '/' ? 2 : 1;
	for (n = 0; isalnum((unsigned char)s[n]); n++)
		;
	for (i = 0; i < sizeof b / sizeof b[0]; i++)
		if (strlen(b[i]) == n && strncasecmp(s, b[i], n) == 0)
			return 1;
	return 0;
}

/*
 * The bytes of text at s that go out as they are: up to a '<', a '&' or white
 * space, but through single spaces between words (what collapsing would leave).
 */
static size_t
text_run(const char *s)
{
	size_t n = 0;

	for (;;) {
		n += strcspn(s + n, "<& \t\n\v\f\r");
		if (s[n] != ' ' || s[n + 1] == '\0' || s[n + 1] == '<' || s[n + 1] == '&' ||
		    isspace((unsigned char)s[n + 1]))
			return n;
		n++;
	}
}

/*
 * Reduce HTML to text: drop tags, decode references, collapse white space. Text
 * between them is copied a run at a time.
 */
char *
feed_text_from_html(const char *s)
{
	struct feed_buf b = { 0 };
	size_t n;
	char *r;
	int space = 0;

	while (*s != '\0') {
		if (*s == '<' && (n = html_tag(s)) > 0) {
			space |= is_block(s);
			s += n;
		} else if (isspace((unsigned char)*s)) {
			space = 1;
			s++;
		} else {
			if (space && b.len > 0)
				feed_buf_addc(&b, ' ');
			space = 0;
			if (*s == '&' && (n = html_entity(&b, s)) > 0) {
				s += n;
				continue;
			}
			n = 1 + text_run(s + 1);
			feed_buf_add(&b, s, n);
			s += n;
		}
	}
	r = feed_text_clean(b.p ? b.p : "", b.len);
	feed_buf_free(&b);
	return r;
}

/* Does s hold markup or character references worth reducing? */
static int
has_markup(const char *s)
{
	for (; *s != '\0'; s++)
		if ((*s == '<' && html_tag(s) > 0) || (*s == '&' && strchr(s, ';')))
			return 1;
	return 0;
}

/* Collapse runs of white space in s to single spaces, in place. */
static void
collapse_space(char *s)
{
	char *d = s;
	int space = 0;

	for (; *s != '\0'; s++) {
		if (isspace((unsigned char)*s)) {
			space = 1;
			continue;
		}
		if (space)
			*d++ = ' ';
		space = 0;
		*d++ = *s;
	}
	*d = '\0';
}

/* A title as plain text: HTML (even double-escaped) reduced when html is set. */
char *
feed_text_title(const char *s, size_t len, int html)
{
	char *t = feed_text_clean(s, len), *r;
	int round;

	for (round = 0; t != NULL && html && round < 2 && has_markup(t); round++) {
		r = feed_text_from_html(t);
		free(t);
		t = r;
	}
	if (t != NULL)
		collapse_space(t);
	return t;
}
