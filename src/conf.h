/*
 * conf: newswatch.conf (libconfig) read into an immutable struct conf.
 *
 * Every key of every section in DESIGN.md's table has its field here, so the parts
 * read their settings from one place. Durations are milliseconds, sizes bytes. A
 * struct conf is never changed after conf_load returns: a reload builds a new one
 * and swaps it in whole. Strings are owned by the struct conf (copied out of
 * libconfig), except the notifiers' `setting`, which points into `cfg`, kept alive
 * for the plugins' own groups until conf_free.
 */
#ifndef NW_CONF_H
#define NW_CONF_H

#include <stddef.h>
#include <stdint.h>

#include <libconfig.h>

/* A list of strings. */
struct conf_strv {
	char		**v;
	size_t		  n;
};

struct conf_daemon {
	/* foundation */
	char		 *state_dir;		/* default $STATE_DIRECTORY, else /var/lib/newswatch */
	int		  log_level;		/* LOG_LEVEL_*; default info */
	char		 *admin_listen;		/* "host:port", "" disables; default 127.0.0.1:9177 */
	/* polling */
	char		 *user_agent;		/* default "newswatch/VERSION (+…)" */
	int64_t		  interval;		/* default 15m */
	int64_t		  timeout;		/* default 30s */
	int64_t		  connect_timeout;	/* default 10s */
	int64_t		  max_body;		/* bytes, default 8M */
	int		  max_redirects;	/* default 5 */
	char		 *ca_file;		/* NULL: system store */
	char		 *proxy;		/* NULL: environment */
	int64_t		  backoff_max;		/* default 6h */
	int		  max_transfers;	/* default 32 */
	int		  max_per_host;		/* default 2 */
	int		  allow_private;	/* default false */
	/* store */
	int64_t		  retention;		/* default 90d */
	int		  near_distance;	/* default 3 */
	/* alerts */
	char		 *plugin_dir;		/* default PKGLIBDIR */
	int64_t		  retry_min;		/* default 30s */
	int64_t		  retry_max;		/* default 1h */
	int64_t		  max_age;		/* default 48h */
	/* operations */
	struct conf_strv  health_notify;	/* notifier names */
	int		  fail_after;		/* default 5 */
};

enum conf_source_type {
	SOURCE_AUTO,		/* feed, or an HTML page with feed autodiscovery */
	SOURCE_FEED,
	SOURCE_HTML,		/* a listing page */
};

struct conf_header {
	char		 *name;
	char		 *value;
};

struct conf_source {
	char		 *name;
	char		 *url;
	int		  enabled;		/* default true */
	int		  line;			/* where it is defined */
	const char	 *file;
	/* polling; 0 / -1 means "the daemon's value" */
	int64_t		  interval;		/* 0: daemon.interval */
	int64_t		  timeout;		/* 0: daemon.timeout */
	int64_t		  max_body;		/* 0: daemon.max_body */
	struct conf_header *headers;		/* headers = { "X-Name" = "value"; … } or ["X-Name: value"] */
	size_t		  nheaders;
	char		 *username;
	char		 *password_file;	/* resolved against $CREDENTIALS_DIRECTORY */
	/* pages */
	enum conf_source_type type;		/* default SOURCE_AUTO */
	char		 *link_xpath;
	char		 *title_xpath;
	int		  full_text;
	/* store */
	int		  alert_on_first_fetch;
	int		  alert_on_update;
	/* operations */
	int64_t		  stale_after;		/* 0: never */
};

/* One element of a watchlist's notify: a name, or a group overriding delivery. */
struct conf_notify_ref {
	char		 *notifier;
	char		 *digest;		/* NULL: the notifier's own */
	int		  max_per_hour;		/* -1: the notifier's own */
	int64_t		  hold;			/* -1: the notifier's own */
	int		  line;
};

enum conf_mode {
	MODE_ANY,
	MODE_ALL,
};

struct conf_watchlist {
	char		 *name;
	char		 *query;		/* NULL when keywords are given */
	int		  query_line;
	struct conf_strv  keywords;
	enum conf_mode	  mode;			/* default any */
	struct conf_strv  exclude;
	struct conf_strv  sources;		/* empty: all sources */
	char		 *stem;			/* libstemmer language, NULL: none */
	struct conf_notify_ref *notify;
	size_t		  nnotify;
	int		  line;
	const char	 *file;
};

struct conf_notifier {
	char		 *name;
	char		 *plugin;
	int64_t		  hold;			/* default 0 */
	char		 *digest;		/* NULL: none; "1h", "daily 08:00" */
	int		  max_per_hour;		/* 0: no cap */
	int		  line;
	const char	 *file;
	const config_setting_t *setting;	/* the whole group, for the plugin */
};

struct conf {
	char		 *path;
	config_t	  cfg;			/* kept for the plugins' groups */
	struct conf_daemon daemon;
	struct conf_source *sources;
	size_t		  nsources;
	struct conf_watchlist *watchlists;
	size_t		  nwatchlists;
	struct conf_notifier *notifiers;
	size_t		  nnotifiers;
	struct conf_strv  files;		/* included files' paths, for messages */
};

/*
 * Read and check a configuration file. On success return a new struct conf; on
 * failure return NULL and set *errors to every error found, one "file:line:
 * message" per line (free it).
 */
struct conf	*conf_load(const char *path, char **errors);
/*
 * The same for a configuration held in a string; name stands for the file in
 * messages and its directory resolves @include.
 */
struct conf	*conf_load_string(const char *text, const char *name, char **errors);
void		 conf_free(struct conf *);

/* Look a part up by name; NULL if absent. */
const struct conf_source   *conf_find_source(const struct conf *, const char *);
const struct conf_watchlist *conf_find_watchlist(const struct conf *, const char *);
const struct conf_notifier *conf_find_notifier(const struct conf *, const char *);

/*
 * Parse a duration ("90s", "15m", "2h", "7d", "500ms"; a bare number is seconds)
 * into milliseconds, or a size ("512k", "8M", "1G"; binary units; a bare number is
 * bytes) into bytes. Return 0 on success, -1 on a malformed or out-of-range value.
 */
int	conf_parse_duration(const char *, int64_t *);
int	conf_parse_size(const char *, int64_t *);

/*
 * Read a secret from a *_file (relative names resolve against
 * $CREDENTIALS_DIRECTORY when set) or a *_env variable, at most 64 KiB either
 * way. Surrounding whitespace is stripped. Return a new string or NULL with
 * *cause set.
 */
char	*conf_read_secret(const char *file, const char *env, char **cause);

#endif
