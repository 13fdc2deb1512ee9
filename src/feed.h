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
#define FEED_FP_LEN		16		/* XXH3-128 fingerprint */
#define FEED_FP_LEN_SHA256	32		/* the fingerprint before XXH3 */

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
	unsigned char		 fingerprint[FEED_FP_LEN]; /* XXH3-128 of the raw bytes */
	const char		*raw;		/* the entry's bytes as given: */
	size_t			 raw_len;	/* see feed_fingerprint_sha256 */
	char			*raw_owned;	/* raw, when the entry holds it */
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
	char			*input_owned;	/* converted input the raw bytes are in */
};

/*
 * Parse a whole document. base_url (may be NULL) is the document's URL for relative
 * links; charset (may be NULL) the HTTP charset. Returns NULL only when nothing could
 * be read as a feed, with *cause (if cause != NULL) set to an allocated message.
 */
struct feed	*feed_parse(const char *buf, size_t len, const char *base_url,
		    const char *charset, char **cause);
void		 feed_free(struct feed *);

/* Hex of an entry's fingerprint into out (2 * FEED_FP_LEN + 1 bytes). */
void		 feed_fingerprint_hex(const struct feed_entry *, char *out);

/* The raw fingerprint of any bytes: XXH3-128, big-endian (FEED_FP_LEN bytes). */
void		 feed_fingerprint(const void *, size_t, unsigned char *out);

/*
 * The fingerprint an entry had before XXH3 (SHA-256 of the same raw bytes), for
 * databases that still hold one. The raw bytes lie in the parsed buffer or in the
 * feed: call this only while both the buffer given to feed_parse and the feed live.
 */
void		 feed_fingerprint_sha256(const struct feed_entry *,
		    unsigned char out[FEED_FP_LEN_SHA256]);

#endif
