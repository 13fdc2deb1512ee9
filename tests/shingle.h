/*
 * shingle: the word-4-gram shingle F1 between an extracted and an expected text,
 * the measure public article-extraction benchmarks use. Words are runs of ASCII
 * letters and digits or non-ASCII bytes, compared with ASCII case folded; each
 * run of four consecutive words is a shingle (a text of one to three words is one
 * shingle); F1 = 2|A∩B| / (|A| + |B|) over the multisets of shingles.
 */
#ifndef NW_SHINGLE_H
#define NW_SHINGLE_H

#include <ctype.h>
#include <stdint.h>
#include <stdlib.h>

/* Hash the words of a text into *hashes (one per word); return the count. */
static size_t
shingle_words(const char *s, uint64_t **hashes)
{
	size_t n = 0, cap = 64;
	uint64_t h;

	*hashes = malloc(cap * sizeof **hashes);
	while (*s != '\0') {
		while (*s != '\0' && !isalnum((unsigned char)*s) && (unsigned char)*s < 0x80)
			s++;
		if (*s == '\0')
			break;
		for (h = 1469598103934665603ULL; isalnum((unsigned char)*s) ||
		    (unsigned char)*s >= 0x80; s++)
			h = (h ^ (unsigned char)tolower((unsigned char)*s)) * 1099511628211ULL;
		if (n == cap)
			*hashes = realloc(*hashes, (cap *= 2) * sizeof **hashes);
		(*hashes)[n++] = h;
	}
	return n;
}

/* qsort comparator for shingle hashes. */
static int
shingle_cmp(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* The sorted shingles of a text; return the count. */
static size_t
shingles(const char *s, uint64_t **out)
{
	uint64_t *w;
	size_t nw = shingle_words(s, &w), n = nw >= 4 ? nw - 3 : nw > 0;

	*out = malloc((n + 1) * sizeof **out);
	for (size_t i = 0; i < n; i++) {
		uint64_t h = 0;

		for (size_t j = i; j < i + 4 && j < nw; j++)
			h = (h * 0x9e3779b97f4a7c15ULL) ^ w[j];
		(*out)[i] = h;
	}
	qsort(*out, n, sizeof **out, shingle_cmp);
	free(w);
	return n;
}

/* Word-4-gram shingle F1 of two texts (1 when both are empty). */
static double
shingle_f1(const char *got, const char *want)
{
	uint64_t *a, *b;
	size_t na = shingles(got, &a), nb = shingles(want, &b), i = 0, j = 0, m = 0;

	while (i < na && j < nb) {
		if (a[i] == b[j]) {
			m++;
			i++;
			j++;
		} else if (a[i] < b[j])
			i++;
		else
			j++;
	}
	free(a);
	free(b);
	return na + nb == 0 ? 1.0 : 2.0 * (double)m / (double)(na + nb);
}

#endif
