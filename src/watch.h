/* watch.h: the watchlist step of ingest (implemented by the alerts part). */
#ifndef NW_WATCH_H
#define NW_WATCH_H

#include <stdint.h>

struct daemon;
struct watch_article {
	int64_t		 article_id;	/* articles.id of this copy */
	int64_t		 story_id;	/* stories.id */
	int64_t		 source_id;	/* sources.id */
	const char	*source;	/* the source's name */
	const char	*title, *text, *summary, *url, *author, *lang;
	int64_t		 published;	/* Unix seconds, 0 unknown */
	int		 kind;		/* WATCH_NEW_STORY, WATCH_SIGHTING, WATCH_UPDATE */
	int		 alert;		/* 0: record matches only (first sight, or update without alert_on_update) */
};
#define WATCH_NEW_STORY 1
#define WATCH_SIGHTING  2
#define WATCH_UPDATE    3
/* Match one article against the watchlists and queue its alerts, inside ingest's transaction. 0, or -1 with *cause. */
int	watch_article(struct daemon *, const struct watch_article *, char **cause);

#endif
