/*
 * conf: read newswatch.conf (libconfig) into an immutable struct conf, checking
 * every key and reporting every error as "file:line: message" (see conf.h).
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <libgen.h>
#include <limits.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libstemmer.h>

#include "conf.h"
#include "digest.h"
#include "match.h"
#include "log.h"
#include "xmalloc.h"

#define MAX_ERRORS	100		/* then "too many errors" */
#define MAX_ITEMS	100000		/* sources, watchlists, notifiers, list elements */
#define MAX_HEADERS	64
#define MAX_SECRET	65536
#define MAX_DURATION	(INT64_C(100) * 365 * 86400 * 1000)	/* 100 years, ms */
#define MAX_SIZE	(INT64_C(1) << 40)			/* 1 TiB */

/* The state of one load: the conf being built and the errors so far. */
struct ctx {
	struct conf	*conf;
	char		*errors;
	size_t		 len;
	int		 nerrors;
};

enum kind {
	K_STR,		/* char * */
	K_BOOL,		/* int */
	K_INT,		/* int, in [min, max] */
	K_DUR,		/* int64_t milliseconds, in [min, max] */
	K_SIZE,		/* int64_t bytes, in [min, max] */
	K_STRV,		/* struct conf_strv */
	K_FUNC,		/* fn */
};

struct key;
typedef void (*key_fn)(struct ctx *, const config_setting_t *, void *,
    const char *, const struct key *);

/* One known key of a group: its name, type, field and bounds. */
struct key {
	const char	*name;
	enum kind	 kind;
	size_t		 off;
	int64_t		 min;
	int64_t		 max;
	key_fn		 fn;
};

static void	log_level_fn(struct ctx *, const config_setting_t *, void *,
		    const char *, const struct key *);
static void	admin_listen_fn(struct ctx *, const config_setting_t *, void *,
		    const char *, const struct key *);
static void	url_fn(struct ctx *, const config_setting_t *, void *,
		    const char *, const struct key *);
static void	headers_fn(struct ctx *, const config_setting_t *, void *,
		    const char *, const struct key *);
static void	type_fn(struct ctx *, const config_setting_t *, void *,
		    const char *, const struct key *);
static void	mode_fn(struct ctx *, const config_setting_t *, void *,
		    const char *, const struct key *);
static void	stem_fn(struct ctx *, const config_setting_t *, void *,
		    const char *, const struct key *);
static void	notify_fn(struct ctx *, const config_setting_t *, void *,
		    const char *, const struct key *);
static void	digest_fn(struct ctx *, const config_setting_t *, void *,
		    const char *, const struct key *);
static void	ref_error(struct ctx *, const char *, int, const char *,
		    const char *, const char *, const char *);

#define SEC	INT64_C(1000)
#define D(f)	offsetof(struct conf_daemon, f)
#define S(f)	offsetof(struct conf_source, f)
#define W(f)	offsetof(struct conf_watchlist, f)
#define N(f)	offsetof(struct conf_notifier, f)
#define R(f)	offsetof(struct conf_notify_ref, f)

static const struct key daemon_keys[] = {
	{ "state_dir", K_STR, D(state_dir), 0, 0, NULL },
	{ "log_level", K_FUNC, D(log_level), 0, 0, log_level_fn },
	{ "admin_listen", K_FUNC, D(admin_listen), 0, 0, admin_listen_fn },
	{ "user_agent", K_STR, D(user_agent), 0, 0, NULL },
	{ "interval", K_DUR, D(interval), SEC, MAX_DURATION, NULL },
	{ "timeout", K_DUR, D(timeout), SEC, 3600 * SEC, NULL },
	{ "connect_timeout", K_DUR, D(connect_timeout), SEC, 3600 * SEC, NULL },
	{ "max_body", K_SIZE, D(max_body), 1024, INT64_C(1) << 30, NULL },
	{ "max_redirects", K_INT, D(max_redirects), 0, 50, NULL },
	{ "ca_file", K_STR, D(ca_file), 0, 0, NULL },
	{ "proxy", K_STR, D(proxy), 0, 0, NULL },
	{ "backoff_max", K_DUR, D(backoff_max), SEC, MAX_DURATION, NULL },
	{ "max_transfers", K_INT, D(max_transfers), 1, 1024, NULL },
	{ "max_per_host", K_INT, D(max_per_host), 1, 64, NULL },
	{ "allow_private", K_BOOL, D(allow_private), 0, 0, NULL },
	{ "retention", K_DUR, D(retention), 0, MAX_DURATION, NULL },
	{ "near_distance", K_INT, D(near_distance), 0, 64, NULL },
	{ "plugin_dir", K_STR, D(plugin_dir), 0, 0, NULL },
	{ "retry_min", K_DUR, D(retry_min), SEC, MAX_DURATION, NULL },
	{ "retry_max", K_DUR, D(retry_max), SEC, MAX_DURATION, NULL },
	{ "max_age", K_DUR, D(max_age), SEC, MAX_DURATION, NULL },
	{ "health_notify", K_STRV, D(health_notify), 0, 0, NULL },
	{ "fail_after", K_INT, D(fail_after), 1, 1000000, NULL },
	{ NULL, 0, 0, 0, 0, NULL }
};

static const struct key source_keys[] = {
	{ "name", K_STR, S(name), 0, 0, NULL },
	{ "url", K_FUNC, S(url), 0, 0, url_fn },
	{ "enabled", K_BOOL, S(enabled), 0, 0, NULL },
	{ "interval", K_DUR, S(interval), SEC, MAX_DURATION, NULL },
	{ "timeout", K_DUR, S(timeout), SEC, 3600 * SEC, NULL },
	{ "max_body", K_SIZE, S(max_body), 1024, INT64_C(1) << 30, NULL },
	{ "headers", K_FUNC, 0, 0, 0, headers_fn },
	{ "username", K_STR, S(username), 0, 0, NULL },
	{ "password_file", K_STR, S(password_file), 0, 0, NULL },
	{ "type", K_FUNC, S(type), 0, 0, type_fn },
	{ "link_xpath", K_STR, S(link_xpath), 0, 0, NULL },
	{ "title_xpath", K_STR, S(title_xpath), 0, 0, NULL },
	{ "full_text", K_BOOL, S(full_text), 0, 0, NULL },
	{ "alert_on_first_fetch", K_BOOL, S(alert_on_first_fetch), 0, 0, NULL },
	{ "alert_on_update", K_BOOL, S(alert_on_update), 0, 0, NULL },
	{ "stale_after", K_DUR, S(stale_after), 0, MAX_DURATION, NULL },
	{ NULL, 0, 0, 0, 0, NULL }
};

static const struct key watchlist_keys[] = {
	{ "name", K_STR, W(name), 0, 0, NULL },
	{ "query", K_STR, W(query), 0, 0, NULL },
	{ "notify", K_FUNC, 0, 0, 0, notify_fn },
	{ "keywords", K_STRV, W(keywords), 0, 0, NULL },
	{ "mode", K_FUNC, W(mode), 0, 0, mode_fn },
	{ "exclude", K_STRV, W(exclude), 0, 0, NULL },
	{ "sources", K_STRV, W(sources), 0, 0, NULL },
	{ "stem", K_FUNC, W(stem), 0, 0, stem_fn },
	{ NULL, 0, 0, 0, 0, NULL }
};

/* The notifier keys the daemon reads; any other key belongs to the plugin. */
static const struct key notifier_keys[] = {
	{ "name", K_STR, N(name), 0, 0, NULL },
	{ "plugin", K_STR, N(plugin), 0, 0, NULL },
	{ "hold", K_DUR, N(hold), 0, MAX_DURATION, NULL },
	{ "digest", K_FUNC, N(digest), 0, 0, digest_fn },
	{ "max_per_hour", K_INT, N(max_per_hour), 0, DIGEST_CAP_MAX, NULL },
	{ NULL, 0, 0, 0, 0, NULL }
};

static const struct key notify_ref_keys[] = {
	{ "notifier", K_STR, R(notifier), 0, 0, NULL },
	{ "digest", K_FUNC, R(digest), 0, 0, digest_fn },
	{ "max_per_hour", K_INT, R(max_per_hour), 0, DIGEST_CAP_MAX, NULL },
	{ "hold", K_DUR, R(hold), 0, MAX_DURATION, NULL },
	{ NULL, 0, 0, 0, 0, NULL }
};

/* The path of an included file: libconfig looks it up in the main file's directory. */
static char *
include_path(const char *main, const char *f)
{
	char *copy = xstrdup(main), *dir = dirname(copy), *path;

	if (f[0] == '/' || strcmp(dir, ".") == 0)
		path = xstrdup(f);
	else
		xasprintf(&path, "%s/%s", dir, f);
	free(copy);
	return path;
}

/*
 * Where a setting was read: its file, or the main file. libconfig names an
 * included file as written; name it by its path, made once per file.
 */
static const char *
setting_file(struct ctx *ctx, const config_setting_t *s)
{
	const char *f = s != NULL ? config_setting_source_file(s) : NULL;
	struct conf_strv *files = &ctx->conf->files;
	char *path;

	if (f == NULL || strcmp(f, ctx->conf->path) == 0)
		return ctx->conf->path;
	if (f[0] == '/')
		return f;
	path = include_path(ctx->conf->path, f);
	for (size_t i = 0; i < files->n; i++)
		if (strcmp(files->v[i], path) == 0) {
			free(path);
			return files->v[i];
		}
	files->v = xreallocarray(files->v, files->n + 1, sizeof *files->v);
	files->v[files->n++] = path;
	return path;
}

/* Append "file:line: message" to the errors, control characters made visible. */
static void
append_error(struct ctx *ctx, const char *file, int line, const char *msg)
{
	char *text;
	int n;

	if (++ctx->nerrors > MAX_ERRORS)
		return;
	if (ctx->nerrors == MAX_ERRORS)
		msg = "too many errors";
	n = xasprintf(&text, "%s:%d: %s\n", file, line, msg);
	for (int i = 0; i < n - 1; i++)
		if ((unsigned char)text[i] < 0x20 || text[i] == 0x7f)
			text[i] = '?';
	ctx->errors = xrealloc(ctx->errors, ctx->len + n + 1);
	memcpy(ctx->errors + ctx->len, text, n + 1);
	ctx->len += n;
	free(text);
}

/* Record one error at a setting's file and line. */
static void __attribute__((format(printf, 3, 4)))
error(struct ctx *ctx, const config_setting_t *s, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	append_error(ctx, setting_file(ctx, s),
	    s != NULL ? (int)config_setting_source_line(s) : 0, msg);
}

/* Name a libconfig type for messages. */
static const char *
type_name(int type)
{
	switch (type) {
	case CONFIG_TYPE_GROUP:
		return "a group";
	case CONFIG_TYPE_INT:
	case CONFIG_TYPE_INT64:
		return "an integer";
	case CONFIG_TYPE_FLOAT:
		return "a number";
	case CONFIG_TYPE_STRING:
		return "a string";
	case CONFIG_TYPE_BOOL:
		return "a boolean";
	case CONFIG_TYPE_ARRAY:
		return "an array";
	case CONFIG_TYPE_LIST:
		return "a list";
	}
	return "nothing";
}

/* Check a setting's type; report "where KEY: expected X, not Y" otherwise. */
static int
want_type(struct ctx *ctx, const config_setting_t *s, const char *where,
    int type, const char *what)
{
	int t = config_setting_type(s);

	if (t == type || (type == CONFIG_TYPE_INT && t == CONFIG_TYPE_INT64))
		return 0;
	error(ctx, s, "%s%s: expected %s, not %s", where, config_setting_name(s),
	    what, type_name(t));
	return -1;
}

/* Read an integer setting with a range check. */
static int
get_int(struct ctx *ctx, const config_setting_t *s, const char *where,
    int64_t min, int64_t max, int64_t *v)
{
	if (want_type(ctx, s, where, CONFIG_TYPE_INT, "an integer") == -1)
		return -1;
	*v = config_setting_get_int64(s);
	if (*v < min || *v > max) {
		error(ctx, s, "%s%s: %" PRId64 " is out of range (%" PRId64
		    " to %" PRId64 ")", where, config_setting_name(s), *v, min, max);
		return -1;
	}
	return 0;
}

/* Read a duration or size: a string with a unit, or an integer (seconds, bytes). */
static int
get_quantity(struct ctx *ctx, const config_setting_t *s, const char *where,
    const struct key *k, int64_t *v)
{
	int dur = k->kind == K_DUR, t = config_setting_type(s);
	const char *what = dur ? "duration" : "size", *str;

	if (t == CONFIG_TYPE_INT || t == CONFIG_TYPE_INT64) {
		*v = config_setting_get_int64(s);
		if (*v < 0 || *v > (dur ? MAX_DURATION / 1000 : MAX_SIZE))
			goto bad_int;
		if (dur)
			*v *= 1000;
	} else {
		if (want_type(ctx, s, where, CONFIG_TYPE_STRING,
		    dur ? "a duration string" : "a size string") == -1)
			return -1;
		str = config_setting_get_string(s);
		if ((dur ? conf_parse_duration(str, v) : conf_parse_size(str, v)) == -1) {
			error(ctx, s, "%s%s: bad %s \"%s\"", where, k->name, what, str);
			return -1;
		}
	}
	if (*v < k->min || *v > k->max) {
		error(ctx, s, "%s%s: %s out of range", where, k->name, what);
		return -1;
	}
	return 0;
bad_int:
	error(ctx, s, "%s%s: bad %s %" PRId64, where, k->name, what, *v);
	return -1;
}

/* Free a list of strings. */
static void
strv_free(struct conf_strv *sv)
{
	for (size_t i = 0; i < sv->n; i++)
		free(sv->v[i]);
	free(sv->v);
	sv->v = NULL;
	sv->n = 0;
}

/* Read a string, or an array or list of strings, into a conf_strv. */
static void
get_strv(struct ctx *ctx, const config_setting_t *s, const char *where,
    struct conf_strv *sv)
{
	const config_setting_t *e;
	int t = config_setting_type(s), n;

	strv_free(sv);
	if (t == CONFIG_TYPE_STRING) {
		sv->v = xcalloc(1, sizeof *sv->v);
		sv->v[sv->n++] = xstrdup(config_setting_get_string(s));
		return;
	}
	if (t != CONFIG_TYPE_ARRAY && t != CONFIG_TYPE_LIST) {
		error(ctx, s, "%s%s: expected an array of strings, not %s", where,
		    config_setting_name(s), type_name(t));
		return;
	}
	n = config_setting_length(s);
	if (n > MAX_ITEMS)
		n = MAX_ITEMS;
	sv->v = xcalloc(n + 1, sizeof *sv->v);
	for (int i = 0; i < n; i++) {
		e = config_setting_get_elem(s, i);
		if (config_setting_type(e) != CONFIG_TYPE_STRING) {
			error(ctx, e, "%s%s: element %d: expected a string, not %s",
			    where, config_setting_name(s), i + 1,
			    type_name(config_setting_type(e)));
			continue;
		}
		sv->v[sv->n++] = xstrdup(config_setting_get_string(e));
	}
}

/* Read one known key into its field. */
static void
read_key(struct ctx *ctx, const config_setting_t *s, void *obj, const char *where,
    const struct key *k)
{
	char *p = (char *)obj + k->off;
	int64_t v;

	switch (k->kind) {
	case K_STR:
		if (want_type(ctx, s, where, CONFIG_TYPE_STRING, "a string") == 0) {
			free(*(char **)p);
			*(char **)p = xstrdup(config_setting_get_string(s));
		}
		break;
	case K_BOOL:
		if (want_type(ctx, s, where, CONFIG_TYPE_BOOL, "a boolean") == 0)
			*(int *)p = config_setting_get_bool(s);
		break;
	case K_INT:
		if (get_int(ctx, s, where, k->min, k->max, &v) == 0)
			*(int *)p = (int)v;
		break;
	case K_DUR:
	case K_SIZE:
		if (get_quantity(ctx, s, where, k, &v) == 0)
			*(int64_t *)p = v;
		break;
	case K_STRV:
		get_strv(ctx, s, where, (struct conf_strv *)p);
		break;
	case K_FUNC:
		k->fn(ctx, s, obj, where, k);
		break;
	}
}

/* The length of a label without its separator ("daemon." or `source "a": `). */
static int
label_len(const char *where)
{
	size_t n = strlen(where);

	if (n > 0 && where[n - 1] == '.')
		n--;
	else if (n > 1 && where[n - 2] == ':' && where[n - 1] == ' ')
		n -= 2;
	return (int)n;
}

/* Read every member of a group; unknown keys are errors unless allowed. */
static void
read_group(struct ctx *ctx, const config_setting_t *g, void *obj, const char *where,
    const struct key *keys, int allow_unknown)
{
	const config_setting_t *s;
	const struct key *k;
	int n = config_setting_length(g);

	for (int i = 0; i < n; i++) {
		s = config_setting_get_elem(g, i);
		for (k = keys; k->name != NULL; k++)
			if (strcmp(k->name, config_setting_name(s)) == 0)
				break;
		if (k->name != NULL)
			read_key(ctx, s, obj, where, k);
		else if (!allow_unknown)
			error(ctx, s, "%.*s: unknown key \"%s\"", label_len(where),
			    where, config_setting_name(s));
	}
}

/* daemon.log_level: one of the level names. */
static void
log_level_fn(struct ctx *ctx, const config_setting_t *s, void *obj,
    const char *where, const struct key *k)
{
	const char *v;
	int level;

	if (want_type(ctx, s, where, CONFIG_TYPE_STRING, "a string") == -1)
		return;
	v = config_setting_get_string(s);
	if ((level = log_level_parse(v)) == -1) {
		error(ctx, s, "%s%s: unknown level \"%s\" (error, warning, info, "
		    "debug)", where, k->name, v);
		return;
	}
	*(int *)((char *)obj + k->off) = level;
}

/* Check "host:port" or "[v6]:port" (or "" to disable). */
static int
valid_listen(const char *v)
{
	const char *colon = strrchr(v, ':');
	char *end;
	long port;

	if (*v == '\0')
		return 1;
	if (colon == NULL || colon == v)
		return 0;
	if (*v == '[' && colon[-1] != ']')
		return 0;
	errno = 0;
	port = strtol(colon + 1, &end, 10);
	return errno == 0 && *end == '\0' && colon[1] != '\0' && port > 0 &&
	    port < 65536;
}

/* daemon.admin_listen: "host:port", or "" to disable the admin server. */
static void
admin_listen_fn(struct ctx *ctx, const config_setting_t *s, void *obj,
    const char *where, const struct key *k)
{
	char **p = (char **)((char *)obj + k->off);
	const char *v;

	if (want_type(ctx, s, where, CONFIG_TYPE_STRING, "a string") == -1)
		return;
	v = config_setting_get_string(s);
	if (!valid_listen(v)) {
		error(ctx, s, "%s%s: expected \"host:port\" or \"\", not \"%s\"",
		    where, k->name, v);
		return;
	}
	free(*p);
	*p = xstrdup(v);
}

/* A source's url: http or https only. */
static void
url_fn(struct ctx *ctx, const config_setting_t *s, void *obj, const char *where,
    const struct key *k)
{
	char **p = (char **)((char *)obj + k->off);
	const char *v;

	if (want_type(ctx, s, where, CONFIG_TYPE_STRING, "a string") == -1)
		return;
	v = config_setting_get_string(s);
	if ((strncasecmp(v, "http://", 7) != 0 || v[7] == '\0') &&
	    (strncasecmp(v, "https://", 8) != 0 || v[8] == '\0')) {
		error(ctx, s, "%s%s: not an http or https URL: \"%s\"", where,
		    k->name, v);
		return;
	}
	if (strpbrk(v, " \t\r\n") != NULL) {
		error(ctx, s, "%s%s: white space in URL", where, k->name);
		return;
	}
	free(*p);
	*p = xstrdup(v);
}

/* Check an HTTP header name (a token) and value (no control characters). */
static int
valid_header(const char *name, size_t namelen, const char *value)
{
	if (namelen == 0)
		return 0;
	for (size_t i = 0; i < namelen; i++)
		if (strchr("!#$%&'*+-.^_`|~", name[i]) == NULL &&
		    !((name[i] >= 'A' && name[i] <= 'Z') ||
		    (name[i] >= 'a' && name[i] <= 'z') ||
		    (name[i] >= '0' && name[i] <= '9')))
			return 0;
	for (; *value != '\0'; value++)
		if ((unsigned char)*value < 0x20 && *value != '\t')
			return 0;
	return 1;
}

/* Append one header to a source; -1 if it is malformed. */
static int
add_header(struct conf_source *src, const char *name, size_t namelen,
    const char *value)
{
	struct conf_header *h;

	while (*value == ' ' || *value == '\t')
		value++;
	if (!valid_header(name, namelen, value))
		return -1;
	src->headers = xreallocarray(src->headers, src->nheaders + 1,
	    sizeof *src->headers);
	h = &src->headers[src->nheaders++];
	h->name = xstrndup(name, namelen);
	h->value = xstrdup(value);
	return 0;
}

/* One element of headers: a group member (name = value) or "Name: value". */
static void
header_elem(struct ctx *ctx, const config_setting_t *e, struct conf_source *src,
    const char *where, int in_group)
{
	const char *v, *colon;

	if (config_setting_type(e) != CONFIG_TYPE_STRING) {
		error(ctx, e, "%sheaders: expected strings, not %s", where,
		    type_name(config_setting_type(e)));
		return;
	}
	v = config_setting_get_string(e);
	if (in_group) {
		if (add_header(src, config_setting_name(e),
		    strlen(config_setting_name(e)), v) == -1)
			error(ctx, e, "%sheaders: bad header \"%s\"", where,
			    config_setting_name(e));
		return;
	}
	if ((colon = strchr(v, ':')) == NULL ||
	    add_header(src, v, colon - v, colon + 1) == -1)
		error(ctx, e, "%sheaders: bad header \"%s\"", where, v);
}

/* A source's headers: a group of name = "value", or ["Name: value", …]. */
static void
headers_fn(struct ctx *ctx, const config_setting_t *s, void *obj,
    const char *where, const struct key *k)
{
	struct conf_source *src = obj;
	int t = config_setting_type(s), n = config_setting_length(s);

	if (t != CONFIG_TYPE_GROUP && t != CONFIG_TYPE_ARRAY &&
	    t != CONFIG_TYPE_LIST) {
		error(ctx, s, "%s%s: expected a group or an array of strings, not %s",
		    where, k->name, type_name(t));
		return;
	}
	if (n > MAX_HEADERS) {
		error(ctx, s, "%s%s: more than %d headers", where, k->name,
		    MAX_HEADERS);
		return;
	}
	for (int i = 0; i < n; i++)
		header_elem(ctx, config_setting_get_elem(s, i), src, where,
		    t == CONFIG_TYPE_GROUP);
}

/* Map a string setting onto one of a few names; -1 (reported) if none. */
static int
get_choice(struct ctx *ctx, const config_setting_t *s, const char *where,
    const char *const *names, const char *list)
{
	const char *v;

	if (want_type(ctx, s, where, CONFIG_TYPE_STRING, "a string") == -1)
		return -1;
	v = config_setting_get_string(s);
	for (int i = 0; names[i] != NULL; i++)
		if (strcmp(names[i], v) == 0)
			return i;
	error(ctx, s, "%s%s: unknown value \"%s\" (%s)", where,
	    config_setting_name(s), v, list);
	return -1;
}

/* A source's type: auto, feed or html. */
static void
type_fn(struct ctx *ctx, const config_setting_t *s, void *obj, const char *where,
    const struct key *k)
{
	static const char *const names[] = { "auto", "feed", "html", NULL };
	int i = get_choice(ctx, s, where, names, "auto, feed, html");

	if (i != -1)
		*(enum conf_source_type *)((char *)obj + k->off) = i;
}

/* A watchlist's mode: any or all. */
static void
mode_fn(struct ctx *ctx, const config_setting_t *s, void *obj, const char *where,
    const struct key *k)
{
	static const char *const names[] = { "any", "all", NULL };
	int i = get_choice(ctx, s, where, names, "any, all");

	if (i != -1)
		*(enum conf_mode *)((char *)obj + k->off) = i;
}

/* A watchlist's stem: a language libstemmer knows. */
static void
stem_fn(struct ctx *ctx, const config_setting_t *s, void *obj, const char *where,
    const struct key *k)
{
	char **p = (char **)((char *)obj + k->off);
	const char **list = sb_stemmer_list(), *v;

	if (want_type(ctx, s, where, CONFIG_TYPE_STRING, "a string") == -1)
		return;
	v = config_setting_get_string(s);
	for (; *list != NULL; list++)
		if (strcmp(*list, v) == 0)
			break;
	if (*list == NULL) {
		error(ctx, s, "%s%s: unknown stemmer language \"%s\"", where,
		    k->name, v);
		return;
	}
	free(*p);
	*p = xstrdup(v);
}

/* A digest setting, checked by the dispatcher's own parser (digest_parse). */
static void
digest_fn(struct ctx *ctx, const config_setting_t *s, void *obj,
    const char *where, const struct key *k)
{
	char **p = (char **)((char *)obj + k->off);
	struct digest_spec spec;
	char *cause;

	if (want_type(ctx, s, where, CONFIG_TYPE_STRING, "a string") == -1)
		return;
	if (digest_parse(config_setting_get_string(s), &spec, &cause) == -1) {
		error(ctx, s, "%s%s", where, cause);	/* "digest: …" */
		free(cause);
		return;
	}
	free(*p);
	*p = xstrdup(config_setting_get_string(s));
}

/* One element of a watchlist's notify: a notifier name or an override group. */
static void
notify_elem(struct ctx *ctx, const config_setting_t *e, struct conf_watchlist *wl,
    const char *where)
{
	struct conf_notify_ref *r;
	int t = config_setting_type(e);
	char *label;

	if (t != CONFIG_TYPE_STRING && t != CONFIG_TYPE_GROUP) {
		error(ctx, e, "%snotify: expected a notifier name or a group, not %s",
		    where, type_name(t));
		return;
	}
	wl->notify = xreallocarray(wl->notify, wl->nnotify + 1, sizeof *wl->notify);
	r = &wl->notify[wl->nnotify++];
	memset(r, 0, sizeof *r);
	r->max_per_hour = -1;
	r->hold = -1;
	r->line = config_setting_source_line(e);
	if (t == CONFIG_TYPE_STRING) {
		r->notifier = xstrdup(config_setting_get_string(e));
		return;
	}
	xasprintf(&label, "%snotify: ", where);
	read_group(ctx, e, r, label, notify_ref_keys, 0);
	if (r->notifier == NULL)
		error(ctx, e, "%smissing key \"notifier\"", label);
	free(label);
}

/* A watchlist's notify: a string, an array of names, or a list of names/groups. */
static void
notify_fn(struct ctx *ctx, const config_setting_t *s, void *obj,
    const char *where, const struct key *k)
{
	struct conf_watchlist *wl = obj;
	int t = config_setting_type(s), n;

	if (t == CONFIG_TYPE_STRING || t == CONFIG_TYPE_GROUP) {
		notify_elem(ctx, s, wl, where);
		return;
	}
	if (t != CONFIG_TYPE_ARRAY && t != CONFIG_TYPE_LIST) {
		error(ctx, s, "%s%s: expected a list of notifiers, not %s", where,
		    k->name, type_name(t));
		return;
	}
	n = config_setting_length(s);
	for (int i = 0; i < n && i < MAX_ITEMS; i++)
		notify_elem(ctx, config_setting_get_elem(s, i), wl, where);
}

/* Set the daemon's defaults (conf.h). */
static void
daemon_defaults(struct conf_daemon *d)
{
	const char *sd = getenv("STATE_DIRECTORY");

	if (sd != NULL && *sd != '\0')
		d->state_dir = xstrndup(sd, strcspn(sd, ":"));	/* first of a list */
	else
		d->state_dir = xstrdup("/var/lib/newswatch");
	d->log_level = LOG_LEVEL_INFO;
	d->admin_listen = xstrdup("127.0.0.1:9177");
	d->user_agent = xstrdup("newswatch/" PACKAGE_VERSION);
	d->interval = 15 * 60 * SEC;
	d->timeout = 30 * SEC;
	d->connect_timeout = 10 * SEC;
	d->max_body = 8 << 20;
	d->max_redirects = 5;
	d->backoff_max = 6 * 3600 * SEC;
	d->max_transfers = 32;
	d->max_per_host = 2;
	d->retention = 90 * 86400 * SEC;
	d->near_distance = 3;
	/* NEWSWATCH_PLUGIN_DIR: the default for uninstalled builds and tests */
	d->plugin_dir = xstrdup(getenv("NEWSWATCH_PLUGIN_DIR") != NULL ?
	    getenv("NEWSWATCH_PLUGIN_DIR") : PKGLIBDIR);
	d->retry_min = 30 * SEC;
	d->retry_max = 3600 * SEC;
	d->max_age = 48 * 3600 * SEC;
	d->fail_after = 5;
}

/* Read the daemon group. */
static void
read_daemon(struct ctx *ctx, const config_setting_t *g)
{
	struct conf_daemon *d = &ctx->conf->daemon;

	if (want_type(ctx, g, "", CONFIG_TYPE_GROUP, "a group") == -1)
		return;
	read_group(ctx, g, d, "daemon.", daemon_keys, 0);
	if (d->retry_min > d->retry_max)
		error(ctx, g, "daemon: retry_min is longer than retry_max");
}

/* The label of a list element for messages: `source "bbc": ` or `sources[2]: `. */
static char *
elem_label(const config_setting_t *g, const char *what, const char *list, int i)
{
	const char *name;
	char *label;

	if (config_setting_type(g) == CONFIG_TYPE_GROUP &&
	    config_setting_lookup_string(g, "name", &name) == CONFIG_TRUE)
		xasprintf(&label, "%s \"%s\": ", what, name);
	else
		xasprintf(&label, "%s[%d]: ", list, i + 1);
	return label;
}

/* Check that a list element is a group with a name; report otherwise. */
static int
check_elem(struct ctx *ctx, const config_setting_t *g, const char *label)
{
	if (config_setting_type(g) != CONFIG_TYPE_GROUP) {
		error(ctx, g, "%sexpected a group, not %s", label,
		    type_name(config_setting_type(g)));
		return -1;
	}
	return 0;
}

/* Report a missing required string key. */
static void
require(struct ctx *ctx, const config_setting_t *g, const char *label,
    const void *field, const char *key)
{
	if (field == NULL && config_setting_get_member(g, key) == NULL)
		error(ctx, g, "%smissing key \"%s\"", label, key);
}

/* Read one source group. */
static void
read_source(struct ctx *ctx, const config_setting_t *g, struct conf_source *src,
    const char *label)
{
	src->enabled = 1;
	src->line = config_setting_source_line(g);
	src->file = setting_file(ctx, g);
	read_group(ctx, g, src, label, source_keys, 0);
	require(ctx, g, label, src->name, "name");
	require(ctx, g, label, src->url, "url");
	if (src->type != SOURCE_HTML && (src->link_xpath != NULL ||
	    src->title_xpath != NULL))
		error(ctx, g, "%slink_xpath and title_xpath need type = \"html\"",
		    label);
	if ((src->username == NULL) != (src->password_file == NULL))
		error(ctx, g, "%susername and password_file go together", label);
}

/* A query that does not parse: file:line of the query and its column. */
static void
check_query(struct ctx *ctx, const config_setting_t *q,
    const struct conf_watchlist *wl, const char *label)
{
	char *cause;

	if (match_check(wl->query, wl->stem, &cause) == 0)
		return;
	error(ctx, q, "%squery: %s", label, cause);
	free(cause);
}

/* Read one watchlist group. */
static void
read_watchlist(struct ctx *ctx, const config_setting_t *g,
    struct conf_watchlist *wl, const char *label)
{
	const config_setting_t *q;

	wl->line = config_setting_source_line(g);
	wl->file = setting_file(ctx, g);
	read_group(ctx, g, wl, label, watchlist_keys, 0);
	require(ctx, g, label, wl->name, "name");
	if ((q = config_setting_get_member(g, "query")) != NULL)
		wl->query_line = config_setting_source_line(q);
	if ((q != NULL) == (config_setting_get_member(g, "keywords") != NULL))
		error(ctx, g, "%sneeds exactly one of query and keywords", label);
	else if (q == NULL && wl->keywords.n == 0)
		error(ctx, g, "%skeywords: empty", label);
	if (q == NULL && wl->query == NULL)
		return;
	if (wl->query != NULL && wl->query[0] == '\0')
		error(ctx, q, "%squery: empty", label);
	else if (wl->query != NULL)
		check_query(ctx, q, wl, label);
	if (wl->exclude.n != 0 || config_setting_get_member(g, "mode") != NULL)
		error(ctx, g, "%smode and exclude go with keywords, not query", label);
}

/* Read one notifier group (keys other than ours belong to the plugin). */
static void
read_notifier(struct ctx *ctx, const config_setting_t *g, struct conf_notifier *n,
    const char *label)
{
	n->line = config_setting_source_line(g);
	n->file = setting_file(ctx, g);
	n->setting = g;
	read_group(ctx, g, n, label, notifier_keys, 1);
	require(ctx, g, label, n->name, "name");
	require(ctx, g, label, n->plugin, "plugin");
}

/* Read a list of groups with a reader per element. */
#define READ_LIST(ctx, s, arr, nitems, what, list, reader) do {			\
	int n_ = config_setting_length(s);					\
	if (want_type(ctx, s, "", CONFIG_TYPE_LIST, "a list of groups") == -1)	\
		break;								\
	if (n_ > MAX_ITEMS) {							\
		error(ctx, s, "%s: more than %d entries", list, MAX_ITEMS);	\
		n_ = MAX_ITEMS;							\
	}									\
	(arr) = xcalloc(n_ + 1, sizeof *(arr));					\
	for (int i_ = 0; i_ < n_; i_++) {					\
		const config_setting_t *g_ = config_setting_get_elem(s, i_);	\
		char *label_ = elem_label(g_, what, list, i_);			\
		if (check_elem(ctx, g_, label_) == 0)				\
			reader(ctx, g_, &(arr)[(nitems)++], label_);		\
		free(label_);							\
	}									\
} while (0)

/* Report names that appear twice in a list of parts. */
#define CHECK_DUPS(ctx, arr, n, what) do {					\
	for (size_t i_ = 0; i_ < (n); i_++)					\
		for (size_t j_ = 0; j_ < i_; j_++)				\
			if ((arr)[i_].name != NULL && (arr)[j_].name != NULL &&	\
			    strcmp((arr)[i_].name, (arr)[j_].name) == 0) {	\
				dup_error(ctx, (arr)[i_].file, (arr)[i_].line,	\
				    what, (arr)[i_].name, (arr)[j_].file,	\
				    (arr)[j_].line);				\
				break;						\
			}							\
} while (0)

/* Record a duplicate name error at the second definition. */
static void
dup_error(struct ctx *ctx, const char *file, int line, const char *what,
    const char *name, const char *ffile, int fline)
{
	char *msg;

	xasprintf(&msg, "duplicate %s name \"%s\" (first defined at %s:%d)", what,
	    name, ffile, fline);
	append_error(ctx, file, line, msg);
	free(msg);
}

/* Check the watchlists' and the daemon's references to notifiers and sources. */
static void
check_refs(struct ctx *ctx)
{
	struct conf *c = ctx->conf;
	const config_setting_t *s;

	for (size_t i = 0; i < c->nwatchlists; i++) {
		struct conf_watchlist *wl = &c->watchlists[i];

		for (size_t j = 0; j < wl->nnotify; j++)
			if (wl->notify[j].notifier != NULL &&
			    conf_find_notifier(c, wl->notify[j].notifier) == NULL)
				ref_error(ctx, wl->file, wl->notify[j].line, "watchlist",
				    wl->name, "notifier", wl->notify[j].notifier);
		for (size_t j = 0; j < wl->sources.n; j++)
			if (conf_find_source(c, wl->sources.v[j]) == NULL)
				ref_error(ctx, wl->file, wl->line, "watchlist", wl->name,
				    "source", wl->sources.v[j]);
	}
	s = config_lookup(&c->cfg, "daemon.health_notify");
	for (size_t j = 0; j < c->daemon.health_notify.n; j++)
		if (conf_find_notifier(c, c->daemon.health_notify.v[j]) == NULL)
			error(ctx, s, "daemon.health_notify: unknown notifier \"%s\"",
			    c->daemon.health_notify.v[j]);
}

/* Record a dangling reference error. */
static void
ref_error(struct ctx *ctx, const char *file, int line, const char *what,
    const char *name, const char *kind, const char *ref)
{
	char *msg;

	xasprintf(&msg, "%s \"%s\": unknown %s \"%s\"", what,
	    name != NULL ? name : "?", kind, ref);
	append_error(ctx, file, line, msg);
	free(msg);
}

/* Read the top level: the four sections, nothing else. */
static void
read_top(struct ctx *ctx)
{
	struct conf *c = ctx->conf;
	const config_setting_t *root = config_root_setting(&c->cfg), *s;
	const char *name;
	int n = config_setting_length(root);

	for (int i = 0; i < n; i++) {
		s = config_setting_get_elem(root, i);
		name = config_setting_name(s);
		if (strcmp(name, "daemon") == 0)
			read_daemon(ctx, s);
		else if (strcmp(name, "sources") == 0)
			READ_LIST(ctx, s, c->sources, c->nsources, "source",
			    "sources", read_source);
		else if (strcmp(name, "watchlists") == 0)
			READ_LIST(ctx, s, c->watchlists, c->nwatchlists, "watchlist",
			    "watchlists", read_watchlist);
		else if (strcmp(name, "notifiers") == 0)
			READ_LIST(ctx, s, c->notifiers, c->nnotifiers, "notifier",
			    "notifiers", read_notifier);
		else
			error(ctx, s, "unknown section \"%s\" (daemon, sources, "
			    "watchlists, notifiers)", name);
	}
}

/* Read the file with libconfig; on a syntax or I/O error report it and fail. */
static int
read_file(struct ctx *ctx, const char *path, const char *text)
{
	config_t *cfg = &ctx->conf->cfg;
	char *copy = xstrdup(path);
	const char *file;
	int rc;

	config_init(cfg);
	config_set_include_dir(cfg, dirname(copy));
	free(copy);
	if (text != NULL)
		rc = config_read_string(cfg, text);
	else
		rc = config_read_file(cfg, path);
	if (rc == CONFIG_TRUE)
		return 0;
	file = config_error_file(cfg) != NULL ? config_error_file(cfg) : path;
	if (strcmp(file, path) != 0 && file[0] != '/') {
		ctx->errors = include_path(path, file);
		file = ctx->errors;
	}
	ctx->nerrors++;
	copy = ctx->errors;
	if (config_error_type(cfg) == CONFIG_ERR_FILE_IO)
		xasprintf(&ctx->errors, "%s: cannot read: %s\n", file,
		    errno != 0 ? strerror(errno) : config_error_text(cfg));
	else
		xasprintf(&ctx->errors, "%s:%d: %s\n", file, config_error_line(cfg),
		    config_error_text(cfg));
	free(copy);
	return -1;
}

/* Read and check a configuration from a file, or from text when not NULL. */
static struct conf *
load(const char *path, const char *text, char **errors)
{
	struct ctx ctx = { 0 };

	ctx.conf = xcalloc(1, sizeof *ctx.conf);
	ctx.conf->path = xstrdup(path);
	daemon_defaults(&ctx.conf->daemon);
	errno = 0;
	if (read_file(&ctx, path, text) == 0) {
		read_top(&ctx);
		CHECK_DUPS(&ctx, ctx.conf->sources, ctx.conf->nsources, "source");
		CHECK_DUPS(&ctx, ctx.conf->watchlists, ctx.conf->nwatchlists,
		    "watchlist");
		CHECK_DUPS(&ctx, ctx.conf->notifiers, ctx.conf->nnotifiers,
		    "notifier");
		check_refs(&ctx);
	}
	if (ctx.nerrors == 0) {
		*errors = NULL;
		return ctx.conf;
	}
	*errors = ctx.errors;
	conf_free(ctx.conf);
	return NULL;
}

/* Read and check a configuration file (conf.h). */
struct conf *
conf_load(const char *path, char **errors)
{
	return load(path, NULL, errors);
}

/* Read and check a configuration held in a string (conf.h). */
struct conf *
conf_load_string(const char *text, const char *name, char **errors)
{
	return load(name, text, errors);
}

/* Free a source's strings. */
static void
source_free(struct conf_source *s)
{
	free(s->name);
	free(s->url);
	for (size_t i = 0; i < s->nheaders; i++) {
		free(s->headers[i].name);
		free(s->headers[i].value);
	}
	free(s->headers);
	free(s->username);
	free(s->password_file);
	free(s->link_xpath);
	free(s->title_xpath);
}

/* Free a watchlist's strings. */
static void
watchlist_free(struct conf_watchlist *w)
{
	free(w->name);
	free(w->query);
	strv_free(&w->keywords);
	strv_free(&w->exclude);
	strv_free(&w->sources);
	free(w->stem);
	for (size_t i = 0; i < w->nnotify; i++) {
		free(w->notify[i].notifier);
		free(w->notify[i].digest);
	}
	free(w->notify);
}

/* Free the daemon's strings. */
static void
daemon_free(struct conf_daemon *d)
{
	free(d->state_dir);
	free(d->admin_listen);
	free(d->user_agent);
	free(d->ca_file);
	free(d->proxy);
	free(d->plugin_dir);
	strv_free(&d->health_notify);
}

/* Free a configuration; NULL does nothing. */
void
conf_free(struct conf *c)
{
	if (c == NULL)
		return;
	daemon_free(&c->daemon);
	for (size_t i = 0; i < c->nsources; i++)
		source_free(&c->sources[i]);
	free(c->sources);
	for (size_t i = 0; i < c->nwatchlists; i++)
		watchlist_free(&c->watchlists[i]);
	free(c->watchlists);
	for (size_t i = 0; i < c->nnotifiers; i++) {
		free(c->notifiers[i].name);
		free(c->notifiers[i].plugin);
		free(c->notifiers[i].digest);
	}
	free(c->notifiers);
	config_destroy(&c->cfg);
	strv_free(&c->files);
	free(c->path);
	free(c);
}

/* Find a source by name. */
const struct conf_source *
conf_find_source(const struct conf *c, const char *name)
{
	for (size_t i = 0; i < c->nsources; i++)
		if (c->sources[i].name != NULL && strcmp(c->sources[i].name, name) == 0)
			return &c->sources[i];
	return NULL;
}

/* Find a watchlist by name. */
const struct conf_watchlist *
conf_find_watchlist(const struct conf *c, const char *name)
{
	for (size_t i = 0; i < c->nwatchlists; i++)
		if (c->watchlists[i].name != NULL &&
		    strcmp(c->watchlists[i].name, name) == 0)
			return &c->watchlists[i];
	return NULL;
}

/* Find a notifier by name. */
const struct conf_notifier *
conf_find_notifier(const struct conf *c, const char *name)
{
	for (size_t i = 0; i < c->nnotifiers; i++)
		if (c->notifiers[i].name != NULL &&
		    strcmp(c->notifiers[i].name, name) == 0)
			return &c->notifiers[i];
	return NULL;
}

/* Read a decimal number of at most 15 digits; -1 if there is none. */
static int
read_number(const char **p, int64_t *v)
{
	int digits = 0;

	*v = 0;
	for (; **p >= '0' && **p <= '9'; (*p)++) {
		if (++digits > 15)
			return -1;
		*v = *v * 10 + (**p - '0');
	}
	return digits == 0 ? -1 : 0;
}

/* Parse a duration into milliseconds: "500ms", "90s", "15m", "2h", "7d", "1h30m". */
int
conf_parse_duration(const char *s, int64_t *ms)
{
	static const struct { const char *u; int64_t f; } units[] = {
		{ "ms", 1 }, { "s", SEC }, { "m", 60 * SEC }, { "h", 3600 * SEC },
		{ "d", 86400 * SEC }, { "w", 7 * 86400 * SEC }, { NULL, 0 }
	};
	int64_t total = 0, n;
	size_t i;

	if (read_number(&s, &n) == -1)
		return -1;
	if (*s == '\0')
		return (*ms = n * SEC) <= MAX_DURATION ? 0 : -1;
	for (;;) {
		for (i = 0; units[i].u != NULL; i++)
			if (strncmp(s, units[i].u, strlen(units[i].u)) == 0 &&
			    (s[strlen(units[i].u)] < 'a' || s[strlen(units[i].u)] > 'z'))
				break;
		if (units[i].u == NULL || n > MAX_DURATION / units[i].f)
			return -1;
		total += n * units[i].f;
		s += strlen(units[i].u);
		if (total > MAX_DURATION)
			return -1;
		if (*s == '\0')
			break;
		if (read_number(&s, &n) == -1)
			return -1;
	}
	*ms = total;
	return 0;
}

/* Parse a size in binary units into bytes: "512", "512k", "8M", "1G". */
int
conf_parse_size(const char *s, int64_t *bytes)
{
	int64_t n, f = 1;

	if (read_number(&s, &n) == -1)
		return -1;
	switch (*s) {
	case '\0':
		break;
	case 'k': case 'K':
		f = INT64_C(1) << 10;
		break;
	case 'm': case 'M':
		f = INT64_C(1) << 20;
		break;
	case 'g': case 'G':
		f = INT64_C(1) << 30;
		break;
	default:
		return -1;
	}
	if (*s != '\0' && s[1] != '\0')
		return -1;
	if (n > MAX_SIZE / f)
		return -1;
	*bytes = n * f;
	return 0;
}

/* Read at most MAX_SECRET bytes of a file; NULL with *cause on failure. */
static char *
read_small_file(const char *path, char **cause)
{
	char *buf = xmalloc(MAX_SECRET + 1);
	ssize_t n;
	size_t len = 0;
	int fd;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY)) == -1) {
		xasprintf(cause, "%s: %s", path, strerror(errno));
		free(buf);
		return NULL;
	}
	while ((n = read(fd, buf + len, MAX_SECRET + 1 - len)) > 0 &&
	    (len += n) <= MAX_SECRET)
		;
	close(fd);
	if (n == -1 || len > MAX_SECRET) {
		xasprintf(cause, "%s: %s", path, n == -1 ? strerror(errno) :
		    "secret too long");
		free(buf);
		return NULL;
	}
	buf[len] = '\0';
	return buf;
}

/*
 * Read a secret from a file (under $CREDENTIALS_DIRECTORY) or an environment
 * variable, without surrounding whitespace.
 */
char *
conf_read_secret(const char *file, const char *env, char **cause)
{
	const char *creds = getenv("CREDENTIALS_DIRECTORY"), *v;
	char *path, *secret;
	size_t len, skip;

	if (file != NULL) {
		if (file[0] != '/' && creds != NULL && *creds != '\0')
			xasprintf(&path, "%s/%s", creds, file);
		else
			path = xstrdup(file);
		secret = read_small_file(path, cause);
		free(path);
		if (secret == NULL)
			return NULL;
	} else if (env != NULL) {
		if ((v = getenv(env)) == NULL) {
			xasprintf(cause, "environment variable %s is not set", env);
			return NULL;
		}
		if (strlen(v) > MAX_SECRET) {
			xasprintf(cause, "environment variable %s is too long", env);
			return NULL;
		}
		secret = xstrdup(v);
	} else {
		xasprintf(cause, "no secret file or variable given");
		return NULL;
	}
	skip = strspn(secret, " \t\r\n");
	memmove(secret, secret + skip, strlen(secret + skip) + 1);
	len = strlen(secret);
	while (len > 0 && strchr(" \t\r\n", secret[len - 1]) != NULL)
		secret[--len] = '\0';
	return secret;
}
