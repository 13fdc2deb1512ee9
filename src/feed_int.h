/*
 * feed_int.h: what the parts of the feed parser share (feed.c builds results,
 * feed_text.c decodes bytes and text, feed_xml.c and feed_json.c read documents).
 * Not for use outside src/feed*.c.
 */
#ifndef NW_FEED_INT_H
#define NW_FEED_INT_H

#include <stdint.h>
#include <string.h>

#include "feed.h"

/* A growable byte buffer, capped at max bytes (0: FEED_MAX_FIELD). */
struct feed_buf {
	char	*p;
	size_t	 len, cap, max;
};

#define FEED_BUF_UNCAPPED	{ NULL, 0, 0, SIZE_MAX }

/* The document as valid UTF-8, and how it was read. */
struct feed_input {
	const char	*data;
	size_t		 len;
	char		*owned;		/* data when a copy had to be made */
	const char	*encoding;
	int		 repaired;	/* invalid bytes or controls replaced */
	int		 unchecked;	/* UTF-8 by declaration, not yet validated */
	int		 retry;		/* unchecked input needs the careful path */
};

/* A base URL and what resolving against it needs, learned once (feed_url.c). */
struct feed_base {
	char	*url;		/* the base it describes, or NULL */
	char	*dir;		/* its directory as curl writes it, or NULL */
	size_t	 origin_len;	/* bytes of dir that are "scheme://authority" */
	size_t	 dir_len;
};

/* feed_text.c */
void	 feed_buf_add(struct feed_buf *, const char *, size_t);
void	 feed_buf_addc(struct feed_buf *, char);
char	*feed_buf_take(struct feed_buf *);

/*
 * feed_buf_add with its common case inline: bytes that fit the room left, in a
 * buffer of the default cap (escaped HTML arrives a character reference at a time).
 */
static inline void
feed_buf_put(struct feed_buf *b, const char *s, size_t n)
{
	if (b->max == 0 && b->len + n < b->cap && b->len + n <= FEED_MAX_FIELD) {
		memcpy(b->p + b->len, s, n);
		b->len += n;
		b->p[b->len] = '\0';
	} else
		feed_buf_add(b, s, n);
}
void	 feed_buf_add_escaped(struct feed_buf *, const char *, size_t);
void	 feed_buf_reset(struct feed_buf *);
void	 feed_buf_free(struct feed_buf *);
void	 feed_text_input(struct feed_input *, const char *, size_t, const char *,
	     int);
int	 feed_text_input_utf8(struct feed_input *, const char *, size_t,
	     const char *);
void	 feed_text_input_free(struct feed_input *);
int	 feed_text_utf8_valid(const char *, size_t);
int	 feed_text_has_overlong(const char *, size_t);
int	 feed_text_xml_chars(struct feed_buf *, const char *, size_t, int, size_t *);
char	*feed_text_clean(const char *, size_t);
char	*feed_text_entities(const char *, size_t);
char	*feed_text_clean_controls(const char *, size_t);
char	*feed_text_from_html(const char *);
char	*feed_text_title(const char *, size_t, int);
int	 feed_text_is_json(const char *, size_t);

/* feed.c */
struct feed_entry *feed_entry_add(struct feed *);
void	 feed_entry_finish(struct feed *, struct feed_entry *, const char *, size_t);
void	 feed_entry_drop(struct feed *);
void	 feed_author_add(struct feed_entry *, char *, char *, char *);
void	 feed_author_parse(struct feed_entry *, const char *);
void	 feed_category_add(struct feed_entry *, char *);
void	 feed_enclosure_add(struct feed_entry *, char *, char *, int64_t);
void	 feed_set_bozo(struct feed *, const char *);
void	 feed_set_format(struct feed *, enum feed_format);
int64_t	 feed_date(const char *);
const char *feed_diff(const struct feed *, const struct feed *);

/* feed_url.c */
char	*feed_url_resolve(struct feed_base *, const char *, const char *);
int	 feed_html_resolve(struct feed_base *, const char *, const char *, size_t,
	     struct feed_buf *);
char	*feed_html_resolved(struct feed_base *, const char *, char *);
void	 feed_base_free(struct feed_base *);

/* feed_xml.c, feed_json.c */
/* The fast path for long runs of text (feed_xml.c): how long; 0: libxml2 reads all. */
extern size_t feed_fast_run;
extern unsigned long feed_fast_reads;	/* runs it has read (for tests) */
struct feed *feed_xml_parse(struct feed_input *, const char *, char **);
struct feed *feed_json_parse(const struct feed_input *, const char *, char **);

#endif
