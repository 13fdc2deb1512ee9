/*
 * pbuf: the growing string and text cleaning both plugins build their messages
 * with. Plugins are loaded on their own, so this is linked into each (hidden).
 */
#ifndef NW_PBUF_H
#define NW_PBUF_H

#include <stddef.h>

#define PBUF_API	__attribute__((visibility("hidden")))

/* A growing NUL-terminated string; { NULL, 0, 0 } is empty. */
struct buf {
	char	*s;
	size_t	 len, size;
};

/* What pbuf_clean does besides making the text valid UTF-8. */
enum pbuf_clean {
	PBUF_UTF8,		/* only invalid bytes become U+FFFD */
	PBUF_LINE,		/* control characters become a space */
	PBUF_LINES		/* the same, newlines kept */
};

PBUF_API void	 buf_add(struct buf *, const char *, size_t);
PBUF_API void	 buf_str(struct buf *, const char *);
PBUF_API void	 buf_fmt(struct buf *, const char *, ...)
		    __attribute__((format(printf, 2, 3)));
PBUF_API char	*pbuf_dup(const char *);
PBUF_API size_t	 pbuf_utf8_len(const unsigned char *, size_t);
PBUF_API char	*pbuf_clean(const char *, size_t, enum pbuf_clean);

#endif
