/*
 * fuzz-email: the email plugin's message building from hostile alert text
 * (subject encoding, both parts, address and template parsing) and digest
 * schedule parsing. Input: NUL-separated fields title, snippet, summary, term,
 * other source's name, its URL, subject template, address, digest schedule.
 * Checks that no header line breaks and that every part is valid UTF-8.
 */
#include "../src/plugins/email.c"

#include <stdint.h>

#include "digest.h"

#define NFIELDS	9

/* Abort unless s is valid UTF-8. */
static void
check_utf8(const char *s)
{
	size_t	len = strlen(s), i = 0, n;

	while (i < len) {
		if ((n = pbuf_utf8_len((const unsigned char *)s + i, len - i)) == 0)
			abort();
		i += n;
	}
}

/* Abort if a header has a line break that is not a fold. */
static void
check_header(const char *h)
{
	const char	*p = h;

	while ((p = strpbrk(p, "\r\n")) != NULL) {
		if (p[0] != '\r' || p[1] != '\n' || p[2] != ' ')
			abort();
		p += 2;
	}
}

/* Build the messages for an article and a digest of it. */
static void
build(char **f)
{
	const char		*terms[1] = { f[3] };
	struct nw_alert_source	 also = { f[4], f[5] };
	struct nw_alert		 a = { .kind = NW_ALERT_ARTICLE, .delivery_id = "abc",
	    .watchlist = f[6], .title = f[0], .url = f[5], .source = f[4],
	    .snippet = f[1], .summary = f[2], .terms = terms, .nterms = 1,
	    .also = &also, .nalso = 1, .published = 1700000000 };
	struct nw_alert		 d = { .kind = NW_ALERT_DIGEST, .delivery_id = "abc",
	    .alerts = &a, .nalerts = 1 };
	struct email		 em = { .subject = f[6] };
	const struct nw_alert	*which[2] = { &a, &d };
	struct fields		 fl;
	char			*s;
	int			 i;

	for (i = 0; i < 2; i++) {
		fields_of(which[i], &fl);
		s = subject_header(&em, which[i]);
		check_header(s);
		free(s);
		s = text_body(which[i], &fl);
		check_utf8(s);
		free(s);
		s = html_body(which[i], &fl);
		check_utf8(s);
		if (strstr(s, "<script") != NULL && strstr(f[0], "<script") != NULL)
			abort();
		free(s);
		fields_free(&fl);
	}
}

/* Parse an address and print it back as a header would. */
static void
address(const char *in)
{
	struct em_addr	 a;
	struct buf	 b = { NULL, 0, 0 };
	const char	*why;

	if (parse_addr(in, &a, &why) != 0)
		return;
	if (a.name == NULL || valid_text(a.name)) {
		buf_str(&b, "To: ");
		add_addr(&b, &a);
		check_header(b.s);
		free(b.s);
	}
	free(a.name);
	free(a.addr);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct digest_spec	 spec;
	char			*copy, *f[NFIELDS], *cause = NULL, *p;
	int64_t			 start, end;
	int			 i;

	if (size > 65536)
		return 0;
	copy = calloc(1, size + 1);
	memcpy(copy, data, size);
	for (i = 0, p = copy; i < NFIELDS; i++) {
		f[i] = p <= copy + size ? p : copy + size;
		if (p <= copy + size)
			p += strlen(p) + 1;
	}
	build(f);
	address(f[7]);
	if (digest_parse(f[8], &spec, &cause) == 0) {
		digest_window(&spec, 1700000000, &start, &end);
		if (end <= start || start > 1700000000 || end <= 1700000000)
			abort();
	}
	free(cause);
	free(copy);
	return 0;
}
