/*
 * watch_part: the watchlists in the daemon. The `watch` part compiles every
 * configured watchlist into one matcher at start and again on reload (a new
 * matcher is built and swapped in; it applies to articles arriving afterwards).
 * watch_article (watch.h) runs it on each article ingest stores.
 */
#ifndef NW_WATCH_PART_H
#define NW_WATCH_PART_H

#include <stdint.h>

struct conf;
struct conf_watchlist;
struct daemon_part;
struct matcher;

extern const struct daemon_part watch_part;

/*
 * Compile a configuration's watchlists into one matcher; the id of each is its
 * index in conf->watchlists. NULL with *cause on a bad query.
 */
struct matcher	*watch_compile(const struct conf *, char **cause);

/* Add one configured watchlist to a matcher as id; 0 or -1 with *cause. */
int		 watch_add(struct matcher *, uint64_t id,
		    const struct conf_watchlist *, char **cause);

/* The clock watch_article uses (Unix seconds); tests may set watch_now_fn. */
extern int64_t	(*watch_now_fn)(void);

#endif
