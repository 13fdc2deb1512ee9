/*
 * feed: RSS 0.90-2.0, RSS 1.0 (RDF), Atom 0.3/1.0 and JSON Feed 1.0/1.1 documents
 * to entries. Pure: bytes in, values out; no I/O, no network. Every string in the
 * result is valid UTF-8 (NUL-terminated, trimmed) or NULL when absent; every count is
 * bounded (FEED_MAX_*). The result is owned by the caller: feed_free() it.
 */
#ifndef NW_FEED_H
#define NW_FEED_H

#include <stddef.h>
#include <stdint.h>

#define FEED_MAX_ENTRIES	10000
#define FEED_MAX_FIELD		(1024 * 1024)	/* bytes of one text field */
#define FEED_MAX_LIST		64		/* authors, categories, enclosures */
#define FEED_MAX_DEPTH		128		/* element nesting we follow */

enum feed_format {
	FEED_RSS090,
	FEED_RSS091,
	FEED_RSS092,
	FEED_RSS20,
	FEED_RSS10,
	FEED_ATOM03,
	FEED_ATOM10,
	FEED_JSON10,
	FEED_JSON11,
};

struct feed_author {
	char	*name;
	char	*email;
	char	*url;
};

struct feed_enclosure {
	char	*url;
	char	*type;
	int64_t	 length;	/* bytes, -1 = absent */
};

struct feed_entry {
	char			*id;		/* never NULL: fallback hash if absent */
	int			 id_fallback;	/* 1 if id was derived, not given */
	char			*title;		/* plain text */
	char			*link;		/* absolute when resolvable */
	int64_t			 published;	/* Unix seconds UTC, 0 = absent */
	int64_t			 updated;
	struct feed_author	*authors;
	size_t			 nauthors;
	char			*summary;
	int			 summary_html;	/* 1: summary is HTML, 0: text */
	char			*content;
	int			 content_html;	/* 1: content is HTML, 0: text */
	char			**categories;
	size_t			 ncategories;
	struct feed_enclosure	*enclosures;
	size_t			 nenclosures;
	unsigned char		 fingerprint[32]; /* SHA-256 of the entry as given */
};

struct feed {
	enum feed_format	 format;
	const char		*format_name;	/* "rss2.0", "atom1.0", "json1.1", ... */
	int			 bozo;		/* not well-formed / repaired */
	char			*bozo_cause;	/* first problem, or NULL */
	const char		*encoding;	/* what the bytes were read as */
	char			*title;
	char			*link;
	char			*language;
	struct feed_entry	*entries;
	size_t			 nentries;
	int			 truncated;	/* more than FEED_MAX_ENTRIES */
};

/*
 * Parse a whole document. base_url (may be NULL) is the document's URL for relative
 * links; charset (may be NULL) the HTTP charset. Returns NULL only when nothing could
 * be read as a feed, with *cause (if cause != NULL) set to an allocated message.
 */
struct feed	*feed_parse(const char *buf, size_t len, const char *base_url,
		    const char *charset, char **cause);
void		 feed_free(struct feed *);

/* Hex of an entry's fingerprint into out (65 bytes). */
void		 feed_fingerprint_hex(const struct feed_entry *, char *out);

#endif
