/*
 * test-text: folding, tokens, offsets, invalid input, the ASCII fast paths of
 * folding and tokenising, stemming and hashing.
 */
#include "../src/text.c"

#include <stdio.h>

#include "european.h"
#include "tap.h"

/* Fold a C string. */
static char *
fold(const char *s)
{
	return text_fold(s, strlen(s), NULL);
}

/* Check that a folds to want. */
static void
is_fold(const char *a, const char *want, const char *what)
{
	char *f = fold(a);

	if (!ok(strcmp(f, want) == 0, "%s: %s folds to %s", what, a, want))
		diag("got %s", f);
	free(f);
}

/* Check that a and b fold alike. */
static void
same_fold(const char *a, const char *b, const char *what)
{
	char *fa = fold(a), *fb = fold(b);

	if (!ok(strcmp(fa, fb) == 0, "%s: %s = %s", what, a, b))
		diag("got %s and %s", fa, fb);
	free(fa);
	free(fb);
}

/* Is s valid UTF-8 all through? */
static int
valid_utf8(const char *s, size_t len)
{
	int32_t c;

	for (size_t i = 0; i < len; ) {
		size_t n = text_utf8_next(s + i, len - i, &c);

		if (n == 1 && (unsigned char)s[i] >= 0x80)
			return 0;
		i += n;
	}
	return 1;
}

/* Tokens joined as "norm@pos" with a J for joined forms. */
static char *
tokstr(const char *s)
{
	struct text_tokens *t = text_tokenize(s, strlen(s), 0);
	struct buf b = { NULL, 0, 0 };
	char tmp[64];

	buf_add(&b, "", 0);
	for (size_t i = 0; i < t->n; i++) {
		snprintf(tmp, sizeof tmp, "@%u%s", t->v[i].pos,
		    t->v[i].flags & TEXT_TOKEN_JOINED ? "J" : "");
		if (i > 0)
			buf_add(&b, " ", 1);
		buf_add(&b, t->v[i].norm, t->v[i].normlen);
		buf_add(&b, tmp, strlen(tmp));
	}
	text_tokens_free(t);
	return b.p;
}

static void
test_folding(void)
{
	is_fold("Universität", "universitat", "German");
	same_fold("Universität", "UNIVERSITAT", "German");
	is_fold("Straße", "strasse", "German ß");
	is_fold("société", "societe", "French");
	same_fold("société", "SOCIETE", "French");
	is_fold("Œuvre çà", "oeuvre ca", "French œ");
	is_fold("Łódź", "lodz", "Polish");
	is_fold("ZAŻÓŁĆ GĘŚLĄ", "zazolc gesla", "Polish capitals");
	is_fold("Ελλάδα", "ελλαδα", "Greek");
	same_fold("Ελλάδα", "ΕΛΛΑΔΑ", "Greek capitals");
	is_fold("Diyarbakır", "diyarbakir", "Turkish dotless i");
	is_fold("İstanbul", "istanbul", "Turkish dotted I");
	is_fold("Tromsø", "tromso", "Norwegian");
	is_fold("Ærø Ålborg", "aero alborg", "Danish");
	is_fold("Þór Đoković Ħal Ŧ", "thor dokovic hal t", "fold table");
	is_fold("Ёлка", "елка", "Cyrillic");
	is_fold("ﬁnance ＡＢＣ１２３", "finance abc123", "NFKC");
	is_fold("Do\xC2\xADnald", "donald", "soft hyphen dropped");
	is_fold("a\xE2\x80\x94" "b", "a-b", "em dash lumped");
	is_fold("Cafe\xCC\x81", "cafe", "combining accent after a Latin letter");
}

static void
test_keeps_marks(void)
{
	const char *hindi = "हिन्दी";
	const char *hebrew = "שָׁלוֹם";
	char *f = fold(hindi), *h = fold(hebrew);

	is_str(f, hindi, "Devanagari keeps its vowel signs and virama");
	ok(strstr(h, "\xD6\xB8") != NULL, "Hebrew keeps qamats");
	ok(strstr(h, "\xD7\x81") != NULL, "Hebrew keeps the shin dot");
	ok(strstr(h, "\xD7\xA9") != NULL, "Hebrew keeps its letters");
	free(f);
	free(h);
	is_fold("اللُّغة", "اللُّغة", "Arabic marks kept");
}

static void
test_tokens(void)
{
	char *t;

	t = tokstr("DeepSeek-Modelle");
	is_str(t, "deepseek@0 deepseekmodelle@0J modelle@1", "hyphen splits and joins");
	free(t);
	t = tokstr("open-source AI");
	is_str(t, "open@0 opensource@0J source@1 ai@2", "joined form shares the position");
	free(t);
	t = tokstr("Europe’s it's");
	is_str(t, "europe@0 s@1 it@2 s@3", "apostrophes end tokens");
	free(t);
	t = tokstr("- a -b c- 3.5%");
	is_str(t, "a@0 b@1 c@2 3@3 5@4", "lone hyphens do not join");
	free(t);
	t = tokstr("Łódź, 東京 и हिन्दी!");
	is_str(t, "lodz@0 東京@1 и@2 हिन्दी@3", "words of every script");
	free(t);
	t = tokstr("Do\xC2\xADnald");
	is_str(t, "donald@0", "a soft hyphen continues a word");
	free(t);
}

static void
test_offsets(void)
{
	const char *s = "  Der Universitäts-Präsident (Łódź) sagte: «Ελλάδα» — OK’s 42";
	struct text_tokens *t = text_tokenize(s, strlen(s), 0);
	int good = 1;

	for (size_t i = 0; i < t->n; i++) {
		char *f;

		if (t->v[i].flags & TEXT_TOKEN_JOINED)
			continue;
		f = text_fold(s + t->v[i].start, t->v[i].end - t->v[i].start, NULL);
		if (strcmp(f, t->v[i].norm) != 0) {
			diag("token %zu: %s vs %s", i, f, t->v[i].norm);
			good = 0;
		}
		free(f);
	}
	ok(good && t->n == 10, "offsets map every token back to the original (%zu)", t->n);
	ok(memcmp(s + t->v[2].start, "Universitäts-Präsident", t->v[2].end - t->v[2].start) == 0,
	    "the joined form spans the whole hyphenated word");
	text_tokens_free(t);
}

static void
test_invalid(void)
{
	const char *bad[] = { "ab\xFF" "cd\xC3", "\xC0\xAF" "x", "\xED\xA0\x80" "y",
	    "\xF4\x90\x80\x80", "\xE2\x82", "é\x80\x80é", "" };

	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		size_t n;
		char *f = text_fold(bad[i], strlen(bad[i]), &n);
		struct text_tokens *t = text_tokenize(bad[i], strlen(bad[i]), 0);

		ok(valid_utf8(f, n), "invalid input %zu folds to valid UTF-8", i);
		for (size_t k = 0; k < t->n; k++)
			if (!valid_utf8(t->v[k].norm, t->v[k].normlen))
				ok(0, "token of invalid input %zu is valid", i);
		text_tokens_free(t);
		free(f);
	}
	{
		/* found by fuzz-text: the joined form was copied from a moving arena */
		char *t = tokstr("eet-k--i-i;KKKKKKKKKKKKKKKKKKKKKK-M");

		is_str(t, "eet@0 eetk@0J k@1 i@2 ii@2J i@3 kkkkkkkkkkkkkkkkkkkkkk@4 "
		    "kkkkkkkkkkkkkkkkkkkkkkm@4J m@5",
		    "hyphen chains next to an arena reallocation");
		free(t);
		t = tokstr("ab\xFF" "cd");
		is_str(t, "ab@0 cd@1", "an invalid byte separates words");
		free(t);
	}
}

/* Fold s both ways (fold_into, which takes the table for two-byte runs, and one
 * utf8proc pass); 1 when they agree. */
static int
folds_agree(const char *s, size_t n)
{
	struct buf fast = { NULL, 0, 0 }, slow = { NULL, 0, 0 };
	int same;

	buf_add(&fast, "", 0);
	buf_add(&slow, "", 0);
	fold_into(&fast, s, n);
	fold_slow(&slow, s, n);
	same = fast.len == slow.len && memcmp(fast.p, slow.p, fast.len) == 0;
	if (!same)
		diag("fold of \"%.*s\": \"%s\", utf8proc \"%s\"", (int)n, s, fast.p, slow.p);
	free(fast.p);
	free(slow.p);
	return same;
}

/* fold_into's ASCII path and its runs agree with one utf8proc pass. */
static void
test_fast_path(void)
{
	const char *mixed = "Zürich AND Ünïcödé naïve CAFÉ";
	unsigned int seed = 42;
	int good = 1;

	for (int r = 0; r < 2000 && good; r++) {
		char s[200];
		size_t n = rand_r(&seed) % sizeof s;

		for (size_t i = 0; i < n; i++)
			s[i] = (char)(1 + rand_r(&seed) % 127);
		good = folds_agree(s, n);
	}
	ok(good, "the ASCII fast path agrees with utf8proc on random ASCII");
	ok(folds_agree(mixed, strlen(mixed)), "mixed text: runs agree with one utf8proc pass");
}

/*
 * The table of two-byte folds (fold_two_byte) against utf8proc: every code point of
 * U+0080-U+07FF after every other and after ASCII, then random runs of those
 * mixed with combining marks, three-byte letters and ASCII.
 */
static void
test_fold_table(void)
{
	static const int32_t other[] = { 0x300, 0x301, 0x308, 0x327, 0x345, 0x391, 0x3ac,
	    0x3c2, 0x410, 0x439, 0x1e9e, 0x2044, 0xfb01, 0x915, 0x94d, 'e', 'I', 'k', '1' };
	utf8proc_uint8_t s[64];
	unsigned int seed = 7;
	size_t bad = 0, tried = 0, n;
	int32_t a, b;

	for (a = '0'; a < 0x800; a++) {
		if (a < 0x80 && !ascii_alnum((unsigned char)a))
			continue;	/* fold_into splits there ('<' + U+0338 is no word) */
		for (b = 0x80; b < 0x800; b++) {
			n = (size_t)utf8proc_encode_char(a, s);
			n += (size_t)utf8proc_encode_char(b, s + n);
			tried++;
			if (!folds_agree((char *)s, n) && bad++ > 5)
				goto random;
		}
	}
random:
	for (int r = 0; r < 100000 && bad <= 5; r++) {
		int k = 1 + (int)(rand_r(&seed) % 8);

		for (n = 0; k-- > 0;) {
			int pick = (int)(rand_r(&seed) % 4);

			a = pick == 0 ? other[rand_r(&seed) % (sizeof other / sizeof other[0])] :
			    pick == 1 ? 'a' + (int32_t)(rand_r(&seed) % 26) :
			    0x80 + (int32_t)(rand_r(&seed) % 0x780);
			n += (size_t)utf8proc_encode_char(a, s + n);
		}
		tried++;
		if (!folds_agree((char *)s, n))
			bad++;
	}
	is_int((long long)bad, 0, "two-byte folds from the table agree with utf8proc on "
	    "%zu strings", tried);
}

/* Do two tokenisations agree token by token (form, hash, position, offsets, flags)? */
static int
same_tokens(const struct text_tokens *a, const struct text_tokens *b)
{
	if (a->n != b->n || a->npos != b->npos)
		return 0;
	for (size_t k = 0; k < a->n; k++)
		if (a->v[k].normlen != b->v[k].normlen || a->v[k].hash != b->v[k].hash ||
		    memcmp(a->v[k].norm, b->v[k].norm, a->v[k].normlen) != 0 ||
		    a->v[k].pos != b->v[k].pos || a->v[k].start != b->v[k].start ||
		    a->v[k].end != b->v[k].end || a->v[k].flags != b->v[k].flags ||
		    a->v[k].hash != text_hash(a->v[k].norm, a->v[k].normlen))
			return 0;
	return 1;
}

static void
test_token_fast_path(void)
{
	static const char *piece[] = { "Tesla", "open", "-", "--", " ", "  ", ", ", ".",
	    "’s", "'", "Zürich", "ŁÓDŹ", "é", "\xCC\x81", "\xC2\xAD", "東京", "हिन्दी",
	    "42", "x", "\n", "\xFF", "—", "‐", "ß", "İ", "Ελλάδα", "_", "A1b2" };
	unsigned int seed = 9;
	int good = 1;

	for (int r = 0; r < 3000 && good; r++) {
		char s[512] = "";
		struct text_tokens *fast, *full;
		size_t np = rand_r(&seed) % 40;

		for (size_t i = 0; i < np; i++)
			strcat(s, piece[rand_r(&seed) % (sizeof piece / sizeof piece[0])]);
		fast = text_tokenize(s, strlen(s), 0);
		fast_tokens = 0;
		full = text_tokenize(s, strlen(s), 0);
		fast_tokens = 1;
		if (!same_tokens(fast, full)) {
			diag("round %d differs: [%s]", r, s);
			good = 0;
		}
		text_tokens_free(fast);
		text_tokens_free(full);
	}
	ok(good, "the tokeniser's ASCII path agrees with the full path on random mixed text");
	ok(text_hash("tesla", 5) != text_hash("tesla", 4) &&
	    text_hash("abcdefgh", 8) != text_hash("abcdefgh\0", 9),
	    "text_hash tells lengths apart");
}

/* The bitmaps of a text's bytes, built with SSE2 (where there is) or byte by byte,
 * and the scans over them, classify every byte value at every place as the table
 * does. */
static void
test_scan_bytes(void)
{
	int good = 1;

	for (int simd = 0; simd < 2; simd++) {
		simd_scan = simd;
		for (int c = 0; c < 256; c++)
			for (size_t at = 0; at < 130; at++) {
				char s[140];
				struct scan sc;
				struct cursor cur = { SIZE_MAX, 0, 0, 0 };
				size_t want;

				memset(s, 'a', at);	/* a word, then c, then periods */
				s[at] = (char)c;
				memset(s + at + 1, '.', sizeof s - at - 1);
				scan_build(&sc, s, sizeof s);
				want = alnum_tab[c] ? at + 1 : at;
				if (alnum_end(&sc, &cur, 0) != want ||
				    (int)(sc.brk[at / 64] >> (at % 64) & 1) != (c >= 0x80 || c == '-'))
					good = 0;
				scan_free(&sc);
				memset(s, ' ', sizeof s);	/* spaces and c */
				s[at] = (char)c;
				scan_build(&sc, s, sizeof s);
				want = c < 0x80 && !alnum_tab[c] ? sizeof s : at;
				cur.k = SIZE_MAX;
				if (skip_separators(&sc, &cur, 0) != want ||
				    skip_separators(&sc, &cur, at + 1) != sizeof s ||
				    alnum_end(&sc, &cur, at + 1) != at + 1)
					good = 0;
				scan_free(&sc);
			}
	}
	simd_scan = 1;
	ok(good, "the word and separator scans agree with the byte table (SSE2 and bytes)");
}

/* Random bytes of random lengths: the SSE2 bitmaps equal the byte-by-byte ones. */
static void
test_scan_random(void)
{
	unsigned int seed = 7;
	int good = 1;

	for (int r = 0; r < 3000 && good; r++) {
		char s[600];
		size_t n = rand_r(&seed) % sizeof s, nw = n / 64 + 1;
		struct scan a, b;

		for (size_t i = 0; i < n; i++)
			s[i] = (char)(r % 2 ? rand_r(&seed) % 256 : 32 + rand_r(&seed) % 96);
		simd_scan = 1;
		scan_build(&a, s, n);
		simd_scan = 0;
		scan_build(&b, s, n);
		if (memcmp(a.word, b.word, nw * 8) != 0 || memcmp(a.stop, b.stop, nw * 8) != 0 ||
		    memcmp(a.brk, b.brk, nw * 8) != 0) {
			diag("bitmaps differ on round %d (%zu bytes)", r, n);
			good = 0;
		}
		scan_free(&a);
		scan_free(&b);
	}
	simd_scan = 1;
	ok(good, "SSE2 and byte-by-byte bitmaps agree on random text");
}

/* Real European text (and long texts, whose bitmaps are not on the stack):
 * the ASCII path and the full path, with either bitmaps, give the same tokens. */
static void
test_token_paths_european(void)
{
	static const char *para[] = {
	    EUROPEAN_SENTENCES,
	    "Tromsø-based open-source start-up DeepSeek-Modelle’s CEO, 2024-11-29: ",
	    "Danmarks Nationalbank hævede renten; Københavns Børs faldt 1,5 %. ",
	};
	unsigned int seed = 11;
	int good = 1;

	for (int r = 0; r < 200 && good; r++) {
		size_t want = r < 150 ? 64 + rand_r(&seed) % 2000 : 9000 + rand_r(&seed) % 8000;
		char *s = malloc(want + 300);
		struct text_tokens *ref, *t;
		size_t n = 0;

		while (n < want) {
			const char *p = para[rand_r(&seed) % (sizeof para / sizeof para[0])];

			memcpy(s + n, p, strlen(p) + 1);
			n += strlen(p);
		}
		fast_tokens = 0;
		simd_scan = 0;
		ref = text_tokenize(s, n, 0);
		for (int mode = 1; mode < 4 && good; mode++) {
			fast_tokens = mode & 1;
			simd_scan = mode >> 1;
			t = text_tokenize(s, n, 0);
			if (!same_tokens(ref, t)) {
				diag("round %d, mode %d differs", r, mode);
				good = 0;
			}
			text_tokens_free(t);
		}
		text_tokens_free(ref);
		free(s);
	}
	fast_tokens = 1;
	simd_scan = 1;
	ok(good, "European text: the ASCII path and both bitmaps give the full path's tokens");
}

static void
test_stem_hash(void)
{
	struct text_stemmer *st = text_stemmer_get("english");
	unsigned char h[32];
	char hex[65];
	size_t n;
	const char *s;

	ok(st != NULL, "english stemmer");
	s = text_stem(st, "elections", 9, &n);
	ok(n == 5 && memcmp(s, "elect", 5) == 0, "elections stems to elect");
	ok(text_stemmer_get("english") == st, "stemmers are cached");
	ok(text_stemmer_get("klingon") == NULL, "unknown language");
	st = text_stemmer_get("german");
	s = text_stem(st, "wahlen", 6, &n);
	ok(n == 4 && memcmp(s, "wahl", 4) == 0, "german: wahlen stems to wahl");
	text_hash_sha256("abc", 3, h);
	for (int i = 0; i < 32; i++)
		snprintf(hex + 2 * i, 3, "%02x", h[i]);
	is_str(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
	    "sha256(abc)");
	text_stemmers_free();
}

int
main(void)
{
	test_folding();
	test_keeps_marks();
	test_tokens();
	test_offsets();
	test_invalid();
	test_fast_path();
	test_fold_table();
	test_scan_bytes();
	test_scan_random();
	test_token_paths_european();
	test_token_fast_path();
	test_stem_hash();
	return done_testing();
}
