/*
 * opml: turn a feed reader's OPML export into a complete newswatch.conf
 * `sources = ( … );` setting (libconfig): one source per <outline> with an
 * xmlUrl that conf_load accepts (http or https, no blanks), named after its
 * text or title attribute (whitespace collapsed, cut at OPML_MAX_NAME bytes on
 * a character boundary) or its URL, names made unique with " (2)", " (3)", …,
 * strings escaped, nested outlines (categories) named in comments, no trailing
 * commas. Pure: the document is parsed from memory without network access or
 * entity substitution, with bounded size, depth and count.
 */
#ifndef NW_OPML_H
#define NW_OPML_H

#include <stddef.h>

#define OPML_MAX_SIZE		(16 * 1024 * 1024)

struct opml_counts {
	size_t	 sources;	/* feeds in the setting */
	size_t	 skipped;	/* outlines whose xmlUrl is not a loadable http(s) URL */
};

/*
 * Convert buf; label names the input in the setting's first comment. 0 with
 * *out (free it) set; 1 when the document has no feed; -1 when it is no OPML.
 * *cause is set (free it) when the result is not 0.
 */
int	opml_sources(const char *buf, size_t len, const char *label, char **out,
	    struct opml_counts *, char **cause);

#endif
