/*
 * pbuf: growing strings and text cleaning for the plugins (see pbuf.h). A plugin
 * has no xmalloc of the host's, so allocation failure aborts here.
 */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <utf8proc.h>

#include "pbuf.h"

/* Append bytes to a buffer. */
void
buf_add(struct buf *b, const char *s, size_t len)
{
	if (b->len + len + 1 > b->size) {
		b->size = (b->len + len + 1) * 2;
		if ((b->s = realloc(b->s, b->size)) == NULL)
			abort();
	}
	memcpy(b->s + b->len, s, len);
	b->len += len;
	b->s[b->len] = '\0';
}

/* Append a string to a buffer. */
void
buf_str(struct buf *b, const char *s)
{
	buf_add(b, s, strlen(s));
}

/* Append formatted text to a buffer. */
void
buf_fmt(struct buf *b, const char *fmt, ...)
{
	va_list	 ap;
	char	*s;
	int	 n;

	va_start(ap, fmt);
	n = vasprintf(&s, fmt, ap);
	va_end(ap);
	if (n < 0)
		abort();
	buf_add(b, s, n);
	free(s);
}

/* strdup that never fails. */
char *
pbuf_dup(const char *s)
{
	char	*d;

	if ((d = strdup(s)) == NULL)
		abort();
	return d;
}

/* Length of the valid UTF-8 sequence at s (at most len bytes), 0 if invalid. */
size_t
pbuf_utf8_len(const unsigned char *s, size_t len)
{
	utf8proc_int32_t c;
	utf8proc_ssize_t n = utf8proc_iterate(s, (utf8proc_ssize_t)len, &c);

	return n > 0 ? (size_t)n : 0;
}

/*
 * Copy at most max bytes of s (NULL is empty) as valid UTF-8: invalid bytes
 * become U+FFFD, control characters a space as the mode says; "…" marks a cut.
 */
char *
pbuf_clean(const char *s, size_t max, enum pbuf_clean mode)
{
	struct buf	 b = { NULL, 0, 0 };
	size_t		 len, i = 0, n;
	unsigned char	 c;

	buf_add(&b, "", 0);
	len = s != NULL ? strlen(s) : 0;
	while (i < len) {
		n = pbuf_utf8_len((const unsigned char *)s + i, len - i);
		if (b.len + (n ? n : 3) > max) {
			buf_str(&b, "\xe2\x80\xa6");
			break;
		}
		c = s[i];
		if (n == 0)
			buf_str(&b, "\xef\xbf\xbd");
		else if (mode == PBUF_UTF8 || (c == '\n' && mode == PBUF_LINES))
			buf_add(&b, s + i, n);
		else if (c < 0x20 || c == 0x7f)
			buf_str(&b, " ");
		else
			buf_add(&b, s + i, n);
		i += n ? n : 1;
	}
	return b.s;
}
