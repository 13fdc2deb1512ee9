/* plugin: loading notification plugins and watching what they do. */
#include "config.h"

#include <sys/queue.h>

#include <ctype.h>
#include <dlfcn.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf.h"
#include "log.h"
#include "plugin.h"
#include "xmalloc.h"

#define PLUGIN_NAME_MAX		64
#define RECENT_MAX		256		/* completed sends remembered */
#define RESPONSE_MAX		(64 * 1024)	/* response body kept for plugins */
#define PLUGIN_MAX_DURATION	(INT64_C(365) * 86400 * 1000)	/* ms */
#define RESULT_TEXT_MAX		512
#define HTTP_TIMEOUT_DEFAULT	30000
#define HTTP_CONNECT_TIMEOUT	10000
#define WATCHDOG_MARGIN		5000		/* beyond a plugin's own limit */
#define WATCHDOG_MAX		(3600 * 1000)

struct plugin_module {
	char			*name;
	void			*dl;
	const struct nw_plugin	*desc;
	TAILQ_ENTRY(plugin_module) entry;
};

struct http_req;

struct plugin_notifier {
	struct nw_host		 host;		/* first: host functions cast back */
	struct plugins		*ps;
	char			*name;
	struct plugin_module	*module;
	void			*instance;
	int			 enabled;
	char			*why;
	unsigned		 inflight;
	int64_t			 watchdog_ms;
	TAILQ_HEAD(, http_req)	 reqs;
	TAILQ_ENTRY(plugin_notifier) entry;
};

/* One send handed to a plugin, identified towards it by id only. */
struct plugin_send {
	uint64_t		 id;
	struct plugin_notifier	*n;
	struct event		*ev;
	plugin_done_cb		 cb;
	void			*arg;
	int			 in_send;	/* the plugin's send is running */
	int			 completed;	/* completed during the send call */
	struct nw_send_result	 result;
	char			*text;
	TAILQ_ENTRY(plugin_send) entry;
};

struct recent {
	uint64_t		 id;
	struct plugin_notifier	*n;
};

struct plugins {
	char			*dir;
	struct plugin_backend	 be;
	int64_t			 watchdog_ms;
	plugin_disabled_cb	 disabled_cb;
	void			*disabled_arg;
	TAILQ_ENTRY(plugins)	 all;
	TAILQ_HEAD(, plugin_module) modules;
	TAILQ_HEAD(, plugin_notifier) notifiers;
	TAILQ_HEAD(, plugin_send) sends;
	struct recent		 recent[RECENT_MAX];
	size_t			 nrecent;
};

/* A plugin's configuration group while its init runs. */
struct nw_config {
	const config_setting_t	*group;
	const char		*file;
	const char		*notifier;
	char			**seen;
	size_t			 nseen;
	void			**scratch;
	size_t			 nscratch;
	char			*errors;
};

/* An http_request in flight. */
struct http_req {
	struct plugin_notifier	*n;
	CURL			*easy;
	struct curl_slist	*headers;
	char			 errbuf[CURL_ERROR_SIZE];
	char			*body;
	size_t			 bodylen;
	nw_http_done_cb		 done;
	void			*arg;
	TAILQ_ENTRY(http_req)	 entry;
};

/* Every loader, so that a completion finds its send by id alone. */
static TAILQ_HEAD(, plugins) all_plugins = TAILQ_HEAD_INITIALIZER(all_plugins);
static uint64_t next_id = 1;

static const char *core_keys[] = { "name", "plugin", "hold", "digest",
    "max_per_hour" };

/* Create a loader. */
struct plugins *
plugins_new(const char *dir, const struct plugin_backend *be, int64_t watchdog_ms)
{
	struct plugins	*ps;

	ps = xcalloc(1, sizeof *ps);
	ps->dir = xstrdup(dir);
	ps->be = *be;
	ps->watchdog_ms = watchdog_ms;
	TAILQ_INIT(&ps->modules);
	TAILQ_INIT(&ps->notifiers);
	TAILQ_INIT(&ps->sends);
	TAILQ_INSERT_TAIL(&all_plugins, ps, all);
	return ps;
}

/* Set the callback told about disabled notifiers. */
void
plugins_set_disabled_cb(struct plugins *ps, plugin_disabled_cb cb, void *arg)
{
	ps->disabled_cb = cb;
	ps->disabled_arg = arg;
}

/* Free an http request and its handle. */
static void
http_req_free(struct http_req *r)
{
	curl_easy_cleanup(r->easy);
	curl_slist_free_all(r->headers);
	free(r->body);
	free(r);
}

/* Cancel a notifier's transfers and free its http requests. */
static void
notifier_cancel(struct plugin_notifier *n)
{
	struct http_req	*r;

	n->ps->be.transfer_cancel(n->ps->be.ctx, n);
	while ((r = TAILQ_FIRST(&n->reqs)) != NULL) {
		TAILQ_REMOVE(&n->reqs, r, entry);
		http_req_free(r);
	}
}

/* Finish one notifier: cancel its transfers, call fini, forget its sends. */
static void
notifier_free(struct plugin_notifier *n)
{
	struct plugins		*ps = n->ps;
	struct plugin_send	*s, *next;

	notifier_cancel(n);
	n->module->desc->fini(n->instance);
	for (s = TAILQ_FIRST(&ps->sends); s != NULL; s = next) {
		next = TAILQ_NEXT(s, entry);
		if (s->n != n)
			continue;
		TAILQ_REMOVE(&ps->sends, s, entry);
		event_free(s->ev);
		free(s->text);
		free(s);
	}
	free(n->name);
	free(n->why);
	free(n);
}

/* Finish every notifier and unload every module. */
void
plugins_free(struct plugins *ps)
{
	struct plugin_notifier	*n;
	struct plugin_module	*m;

	if (ps == NULL)
		return;
	while ((n = TAILQ_FIRST(&ps->notifiers)) != NULL) {
		TAILQ_REMOVE(&ps->notifiers, n, entry);
		notifier_free(n);
	}
	while ((m = TAILQ_FIRST(&ps->modules)) != NULL) {
		TAILQ_REMOVE(&ps->modules, m, entry);
		dlclose(m->dl);
		free(m->name);
		free(m);
	}
	TAILQ_REMOVE(&all_plugins, ps, all);
	free(ps->dir);
	free(ps);
}

/* Check a module name: letters, digits, '-' and '_' only. */
static int
valid_module_name(const char *name)
{
	size_t	i;

	if (*name == '\0' || strlen(name) > PLUGIN_NAME_MAX)
		return 0;
	for (i = 0; name[i] != '\0'; i++) {
		if (!isalnum((unsigned char)name[i]) && name[i] != '-' &&
		    name[i] != '_')
			return 0;
	}
	return 1;
}

/* Check a descriptor returned by a module. */
static int
check_desc(const char *name, const struct nw_plugin *d, char **cause)
{
	if (d == NULL) {
		xasprintf(cause, "plugin %s: newswatch_plugin returned nothing", name);
		return -1;
	}
	if (d->abi != NEWSWATCH_PLUGIN_ABI) {
		xasprintf(cause, "plugin %s: built for plugin ABI version %u, but "
		    "newswatchd speaks version %u", name, d->abi,
		    NEWSWATCH_PLUGIN_ABI);
		return -1;
	}
	if (d->init == NULL || d->send == NULL || d->fini == NULL) {
		xasprintf(cause, "plugin %s: incomplete descriptor", name);
		return -1;
	}
	return 0;
}

/* Load a module by name, or find it already loaded. */
static struct plugin_module *
module_load(struct plugins *ps, const char *name, char **cause)
{
	struct plugin_module	*m;
	const struct nw_plugin	*(*fn)(void);
	const struct nw_plugin	*d;
	char			*path;
	void			*dl;

	TAILQ_FOREACH(m, &ps->modules, entry) {
		if (strcmp(m->name, name) == 0)
			return m;
	}
	if (!valid_module_name(name)) {
		xasprintf(cause, "plugin \"%s\": invalid name", name);
		return NULL;
	}
	xasprintf(&path, "%s/%s.so", ps->dir, name);
	dl = dlopen(path, RTLD_NOW | RTLD_LOCAL);
	if (dl == NULL) {
		xasprintf(cause, "plugin %s: %s", name, dlerror());
		free(path);
		return NULL;
	}
	free(path);
	*(void **)&fn = dlsym(dl, "newswatch_plugin");
	if (fn == NULL) {
		xasprintf(cause, "plugin %s: no newswatch_plugin symbol", name);
		dlclose(dl);
		return NULL;
	}
	d = fn();
	if (check_desc(name, d, cause) != 0) {
		dlclose(dl);
		return NULL;
	}
	m = xcalloc(1, sizeof *m);
	m->name = xstrdup(name);
	m->dl = dl;
	m->desc = d;
	TAILQ_INSERT_TAIL(&ps->modules, m, entry);
	return m;
}

/* Where a setting is, as "file:line". */
static void
where(struct nw_config *cfg, const config_setting_t *s, char *buf, size_t len)
{
	const char	*file;

	file = config_setting_source_file(s);
	if (file == NULL)
		file = cfg->file != NULL ? cfg->file : "(config)";
	snprintf(buf, len, "%s:%u", file, config_setting_source_line(s));
}

/* Record a configuration error about a setting. */
static void
cfg_verror(struct nw_config *cfg, const config_setting_t *s, const char *fmt,
    va_list ap)
{
	char	 pos[1024], *msg, *all;

	where(cfg, s != NULL ? s : cfg->group, pos, sizeof pos);
	if (vasprintf(&msg, fmt, ap) == -1)
		fatal("vasprintf");
	xasprintf(&all, "%s%s%s: notifier %s: %s", cfg->errors ? cfg->errors : "",
	    cfg->errors ? "\n" : "", pos, cfg->notifier, msg);
	free(cfg->errors);
	free(msg);
	cfg->errors = all;
}

/* Record a configuration error about a setting (variadic). */
static void
cfg_error_at(struct nw_config *cfg, const config_setting_t *s, const char *fmt,
    ...)
{
	va_list	ap;

	va_start(ap, fmt);
	cfg_verror(cfg, s, fmt, ap);
	va_end(ap);
}

/* Host: record a configuration error about key. */
static void
host_config_error(struct nw_config *cfg, const char *key, const char *fmt, ...)
{
	const config_setting_t	*s = NULL;
	va_list			 ap;
	char			*msg;

	if (key != NULL && cfg->group != NULL)
		s = config_setting_get_member(cfg->group, key);
	va_start(ap, fmt);
	if (vasprintf(&msg, fmt, ap) == -1)
		fatal("vasprintf");
	va_end(ap);
	if (key != NULL)
		cfg_error_at(cfg, s, "%s: %s", key, msg);
	else
		cfg_error_at(cfg, s, "%s", msg);
	free(msg);
}

/* Look a key up, remembering that the plugin knows it. */
static const config_setting_t *
cfg_lookup(struct nw_config *cfg, const char *key)
{
	size_t	i;

	for (i = 0; i < cfg->nseen; i++) {
		if (strcmp(cfg->seen[i], key) == 0)
			break;
	}
	if (i == cfg->nseen) {
		cfg->seen = xreallocarray(cfg->seen, cfg->nseen + 1, sizeof *cfg->seen);
		cfg->seen[cfg->nseen++] = xstrdup(key);
	}
	if (cfg->group == NULL)
		return NULL;
	return config_setting_get_member(cfg->group, key);
}

/* Keep an allocation until init returns. */
static void *
cfg_keep(struct nw_config *cfg, void *p)
{
	cfg->scratch = xreallocarray(cfg->scratch, cfg->nscratch + 1,
	    sizeof *cfg->scratch);
	cfg->scratch[cfg->nscratch++] = p;
	return p;
}

/* Host: a string. */
static int
host_config_string(struct nw_config *cfg, const char *key, const char **value)
{
	const config_setting_t	*s;

	if ((s = cfg_lookup(cfg, key)) == NULL)
		return 0;
	if (config_setting_type(s) != CONFIG_TYPE_STRING) {
		cfg_error_at(cfg, s, "%s: expected a string", key);
		return -1;
	}
	*value = config_setting_get_string(s);
	return 1;
}

/* Host: an integer. */
static int
host_config_int(struct nw_config *cfg, const char *key, int64_t *value)
{
	const config_setting_t	*s;

	if ((s = cfg_lookup(cfg, key)) == NULL)
		return 0;
	switch (config_setting_type(s)) {
	case CONFIG_TYPE_INT:
		*value = config_setting_get_int(s);
		return 1;
	case CONFIG_TYPE_INT64:
		*value = config_setting_get_int64(s);
		return 1;
	}
	cfg_error_at(cfg, s, "%s: expected an integer", key);
	return -1;
}

/* Host: a boolean. */
static int
host_config_bool(struct nw_config *cfg, const char *key, int *value)
{
	const config_setting_t	*s;

	if ((s = cfg_lookup(cfg, key)) == NULL)
		return 0;
	if (config_setting_type(s) != CONFIG_TYPE_BOOL) {
		cfg_error_at(cfg, s, "%s: expected true or false", key);
		return -1;
	}
	*value = config_setting_get_bool(s);
	return 1;
}

/* Host: a string or a list of strings. */
static int
host_config_strings(struct nw_config *cfg, const char *key,
    const char *const **values, size_t *n)
{
	const config_setting_t	*s, *e;
	const char		**v;
	int			 i, len;

	if ((s = cfg_lookup(cfg, key)) == NULL)
		return 0;
	if (config_setting_type(s) == CONFIG_TYPE_STRING) {
		v = cfg_keep(cfg, xcalloc(1, sizeof *v));
		v[0] = config_setting_get_string(s);
		*values = v;
		*n = 1;
		return 1;
	}
	if (!config_setting_is_array(s) && !config_setting_is_list(s)) {
		cfg_error_at(cfg, s, "%s: expected a string or a list of strings", key);
		return -1;
	}
	len = config_setting_length(s);
	v = cfg_keep(cfg, xcalloc(len + 1, sizeof *v));
	for (i = 0; i < len; i++) {
		e = config_setting_get_elem(s, i);
		if (config_setting_type(e) != CONFIG_TYPE_STRING) {
			cfg_error_at(cfg, e, "%s: element %d is not a string", key,
			    i + 1);
			return -1;
		}
		v[i] = config_setting_get_string(e);
	}
	*values = v;
	*n = len;
	return 1;
}

/* Parse a duration into milliseconds, at most a year; -1 if not one. */
static int
parse_duration(const char *s, int64_t *ms)
{
	int64_t v;

	if (conf_parse_duration(s, &v) == -1 || v > PLUGIN_MAX_DURATION)
		return -1;
	*ms = v;
	return 0;
}

/* Host: a duration in milliseconds. */
static int
host_config_duration(struct nw_config *cfg, const char *key, int64_t *ms)
{
	const config_setting_t	*s;

	if ((s = cfg_lookup(cfg, key)) == NULL)
		return 0;
	if (config_setting_type(s) == CONFIG_TYPE_INT &&
	    config_setting_get_int(s) >= 0 &&
	    config_setting_get_int(s) <= 365 * 86400) {
		*ms = (int64_t)config_setting_get_int(s) * 1000;
		return 1;
	}
	if (config_setting_type(s) != CONFIG_TYPE_STRING ||
	    parse_duration(config_setting_get_string(s), ms) != 0) {
		cfg_error_at(cfg, s, "%s: expected a duration such as \"30s\"", key);
		return -1;
	}
	return 1;
}

/* Check an HTTP header name and value: no control characters, a token name. */
static int
valid_header(const char *name, const char *value)
{
	const char	*p;

	if (*name == '\0')
		return 0;
	for (p = name; *p != '\0'; p++) {
		if (!isalnum((unsigned char)*p) && strchr("!#$%&'*+-.^_`|~", *p) == NULL)
			return 0;
	}
	for (p = value; *p != '\0'; p++) {
		if ((unsigned char)*p < 0x20 && *p != '\t')
			return 0;
	}
	return 1;
}

/* Turn one header setting (a "Name: value" string or a group member) into a line. */
static char *
header_line(struct nw_config *cfg, const char *key, const config_setting_t *e)
{
	const char	*name, *value, *colon;
	char		*line, *n;

	if (config_setting_type(e) != CONFIG_TYPE_STRING) {
		cfg_error_at(cfg, e, "%s: expected strings", key);
		return NULL;
	}
	name = config_setting_name(e);
	value = config_setting_get_string(e);
	if (name != NULL)
		n = xstrdup(name);
	else if ((colon = strchr(value, ':')) != NULL) {
		n = xstrndup(value, colon - value);
		value = colon + 1 + strspn(colon + 1, " \t");
	} else {
		cfg_error_at(cfg, e, "%s: expected \"Name: value\"", key);
		return NULL;
	}
	if (!valid_header(n, value)) {
		cfg_error_at(cfg, e, "%s: invalid header \"%s\"", key, n);
		free(n);
		return NULL;
	}
	xasprintf(&line, "%s: %s", n, value);
	free(n);
	return cfg_keep(cfg, line);
}

/* Host: HTTP headers as lines. */
static int
host_config_headers(struct nw_config *cfg, const char *key,
    const char *const **lines, size_t *n)
{
	const config_setting_t	*s;
	const char		**v;
	int			 i, len;

	if ((s = cfg_lookup(cfg, key)) == NULL)
		return 0;
	if (!config_setting_is_aggregate(s)) {
		cfg_error_at(cfg, s, "%s: expected a list of \"Name: value\" or a "
		    "group", key);
		return -1;
	}
	len = config_setting_length(s);
	if (len > 64) {
		cfg_error_at(cfg, s, "%s: too many headers", key);
		return -1;
	}
	v = cfg_keep(cfg, xcalloc(len + 1, sizeof *v));
	for (i = 0; i < len; i++) {
		if ((v[i] = header_line(cfg, key, config_setting_get_elem(s, i))) == NULL)
			return -1;
	}
	*lines = v;
	*n = len;
	return 1;
}

/* Host: a secret from file_key or env_key. */
static int
host_config_secret(struct nw_config *cfg, const char *file_key,
    const char *env_key, char **value)
{
	const char	*file = NULL, *env = NULL, *key;
	char		*cause = NULL, *secret;
	int		 rf, re;

	rf = host_config_string(cfg, file_key, &file);
	re = host_config_string(cfg, env_key, &env);
	if (rf < 0 || re < 0)
		return -1;
	if (rf == 0 && re == 0)
		return 0;
	key = rf ? file_key : env_key;
	if (rf && re) {
		host_config_error(cfg, env_key, "give %s or %s, not both", file_key,
		    env_key);
		return -1;
	}
	if ((secret = conf_read_secret(file, env, &cause)) == NULL) {
		host_config_error(cfg, key, "%s", cause);
		free(cause);
		return -1;
	}
	if (*secret == '\0') {
		host_config_error(cfg, key, "the secret is empty");
		free(secret);
		return -1;
	}
	*value = secret;
	return 1;
}

/* Host: log a line prefixed with the notifier. */
static void
host_log(const struct nw_host *host, int level, const char *fmt, ...)
{
	va_list	 ap;
	char	*msg;

	va_start(ap, fmt);
	if (vasprintf(&msg, fmt, ap) == -1)
		fatal("vasprintf");
	va_end(ap);
	switch (level) {
	case NW_LOG_ERR:
		log_errorx("notifier %s: %s", host->notifier, msg);
		break;
	case NW_LOG_WARN:
		log_warnx("notifier %s: %s", host->notifier, msg);
		break;
	case NW_LOG_INFO:
		log_info("notifier %s: %s", host->notifier, msg);
		break;
	default:
		log_debug("notifier %s: %s", host->notifier, msg);
		break;
	}
	free(msg);
}

/* Host: the clock. */
static int64_t
host_now(const struct nw_host *host)
{
	struct plugins	*ps = ((const struct plugin_notifier *)host)->ps;

	return ps->be.now(ps->be.ctx);
}

/* Host: run a plugin's own transfer. */
static int
host_transfer_add(const struct nw_host *host, CURL *easy,
    nw_transfer_done_cb done, void *arg)
{
	struct plugin_notifier	*n = (struct plugin_notifier *)host;

	return n->ps->be.transfer_add(n->ps->be.ctx, n, easy, done, arg);
}

/* Keep the start of a response body. */
static size_t
http_write_cb(char *data, size_t size, size_t nmemb, void *arg)
{
	struct http_req	*r = arg;
	size_t		 len = size * nmemb, room;

	room = RESPONSE_MAX - r->bodylen;
	if (len < room)
		room = len;
	if (room > 0) {
		r->body = xrealloc(r->body, r->bodylen + room + 1);
		memcpy(r->body + r->bodylen, data, room);
		r->bodylen += room;
		r->body[r->bodylen] = '\0';
	}
	return len;
}

/* An http_request finished: tell the plugin. */
static void
http_done_cb(CURL *easy, CURLcode result, void *arg)
{
	struct http_req		*r = arg;
	struct nw_http_response	 resp;
	long			 code = 0;
	curl_off_t		 ra = 0;

	memset(&resp, 0, sizeof resp);
	resp.retry_after = -1;
	if (result == CURLE_OK) {
		curl_easy_getinfo(easy, CURLINFO_RESPONSE_CODE, &code);
		resp.status = (int)code;
		if (curl_easy_getinfo(easy, CURLINFO_RETRY_AFTER, &ra) == CURLE_OK &&
		    ra > 0)
			resp.retry_after = (int64_t)ra * 1000;
	} else {
		resp.timed_out = result == CURLE_OPERATION_TIMEDOUT;
		resp.error = r->errbuf[0] != '\0' ? r->errbuf :
		    curl_easy_strerror(result);
	}
	resp.body = r->body != NULL ? r->body : "";
	resp.bodylen = r->bodylen;
	TAILQ_REMOVE(&r->n->reqs, r, entry);
	r->done(&resp, r->arg);
	http_req_free(r);
}

/* Set the method and body of an http request. */
static void
http_set_body(struct http_req *r, const struct nw_http_request *req)
{
	if (req->body != NULL || strcmp(req->method, "POST") == 0) {
		curl_easy_setopt(r->easy, CURLOPT_POSTFIELDSIZE_LARGE,
		    (curl_off_t)(req->body != NULL ? req->bodylen : 0));
		curl_easy_setopt(r->easy, CURLOPT_COPYPOSTFIELDS,
		    req->body != NULL ? req->body : "");
	}
	if (strcmp(req->method, "POST") != 0 && strcmp(req->method, "GET") != 0)
		curl_easy_setopt(r->easy, CURLOPT_CUSTOMREQUEST, req->method);
}

/* Host: start an HTTP request for a plugin. */
static int
host_http_request(const struct nw_host *host, const struct nw_http_request *req,
    nw_http_done_cb done, void *arg, char **cause)
{
	struct plugin_notifier	*n = (struct plugin_notifier *)host;
	struct http_req		*r;
	int64_t			 timeout;
	size_t			 i;

	if (req->method == NULL || req->url == NULL ||
	    strncasecmp(req->url, "http", 4) != 0) {
		xasprintf(cause, "invalid request");
		return -1;
	}
	timeout = req->timeout > 0 ? req->timeout : HTTP_TIMEOUT_DEFAULT;
	r = xcalloc(1, sizeof *r);
	r->n = n;
	r->done = done;
	r->arg = arg;
	r->easy = curl_easy_init();
	for (i = 0; i < req->nheaders; i++)
		r->headers = curl_slist_append(r->headers, req->headers[i]);
	r->headers = curl_slist_append(r->headers, "Expect:");
	curl_easy_setopt(r->easy, CURLOPT_URL, req->url);
	curl_easy_setopt(r->easy, CURLOPT_HTTPHEADER, r->headers);
	curl_easy_setopt(r->easy, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(r->easy, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(r->easy, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(r->easy, CURLOPT_TIMEOUT_MS, (long)timeout);
	curl_easy_setopt(r->easy, CURLOPT_CONNECTTIMEOUT_MS,
	    (long)(timeout < HTTP_CONNECT_TIMEOUT ? timeout : HTTP_CONNECT_TIMEOUT));
	curl_easy_setopt(r->easy, CURLOPT_ERRORBUFFER, r->errbuf);
	curl_easy_setopt(r->easy, CURLOPT_WRITEFUNCTION, http_write_cb);
	curl_easy_setopt(r->easy, CURLOPT_WRITEDATA, r);
	http_set_body(r, req);
	if (n->ps->be.setup != NULL)
		n->ps->be.setup(n->ps->be.ctx, r->easy);
	if (n->ps->be.transfer_add(n->ps->be.ctx, n, r->easy, http_done_cb, r) != 0) {
		xasprintf(cause, "cannot start the transfer");
		http_req_free(r);
		return -1;
	}
	TAILQ_INSERT_TAIL(&n->reqs, r, entry);
	return 0;
}

/* Host: the longest a send may take; the watchdog allows a margin more. */
static void
host_send_timeout(const struct nw_host *host, int64_t ms)
{
	struct plugin_notifier	*n = (struct plugin_notifier *)host;

	if (ms < 0)
		ms = 0;
	if (ms > WATCHDOG_MAX)
		ms = WATCHDOG_MAX;
	n->watchdog_ms = ms + WATCHDOG_MARGIN;
}

/* Fill in the host table of a notifier. */
static void
host_init(struct plugin_notifier *n)
{
	struct nw_host	*h = &n->host;

	h->abi = NEWSWATCH_PLUGIN_ABI;
	h->notifier = n->name;
	h->log = host_log;
	h->config_string = host_config_string;
	h->config_int = host_config_int;
	h->config_bool = host_config_bool;
	h->config_strings = host_config_strings;
	h->config_duration = host_config_duration;
	h->config_headers = host_config_headers;
	h->config_secret = host_config_secret;
	h->config_error = host_config_error;
	h->http_request = host_http_request;
	h->transfer_add = host_transfer_add;
	h->now = host_now;
	h->send_timeout = host_send_timeout;
}

/* Report the keys of the group that neither the core nor the plugin knows. */
static void
cfg_check_unknown(struct nw_config *cfg, const char *module)
{
	const config_setting_t	*e;
	const char		*name;
	size_t			 i;
	int			 k, len, known;

	if (cfg->group == NULL)
		return;
	len = config_setting_length(cfg->group);
	for (k = 0; k < len; k++) {
		e = config_setting_get_elem(cfg->group, k);
		name = config_setting_name(e);
		known = 0;
		for (i = 0; i < sizeof core_keys / sizeof core_keys[0]; i++)
			known |= strcmp(name, core_keys[i]) == 0;
		for (i = 0; i < cfg->nseen; i++)
			known |= strcmp(name, cfg->seen[i]) == 0;
		if (!known)
			cfg_error_at(cfg, e, "unknown key %s for plugin %s", name,
			    module);
	}
}

/* Free what a configuration group collected during init. */
static void
cfg_clear(struct nw_config *cfg)
{
	size_t	i;

	for (i = 0; i < cfg->nseen; i++)
		free(cfg->seen[i]);
	free(cfg->seen);
	for (i = 0; i < cfg->nscratch; i++)
		free(cfg->scratch[i]);
	free(cfg->scratch);
	free(cfg->errors);
}

/* Prefix a loading error with the line of the plugin key, when known. */
static char *
load_error(const config_setting_t *group, const char *file, const char *name,
    char *msg)
{
	const config_setting_t	*s = NULL;
	struct nw_config	 cfg;
	char			 pos[1024], *out;

	if (group != NULL && (s = config_setting_get_member(group, "plugin")) == NULL)
		s = group;
	if (s == NULL)
		return msg;
	memset(&cfg, 0, sizeof cfg);
	cfg.file = file;
	where(&cfg, s, pos, sizeof pos);
	xasprintf(&out, "%s: notifier %s: %s", pos, name, msg);
	free(msg);
	return out;
}

/* Run a plugin's init with its group; on failure set *cause. */
static int
notifier_init(struct plugin_notifier *n, const config_setting_t *group,
    const char *file, char **cause)
{
	struct nw_config	 cfg;
	char			*icause = NULL;
	int			 rc;

	memset(&cfg, 0, sizeof cfg);
	cfg.group = group;
	cfg.file = file;
	cfg.notifier = n->name;
	rc = n->module->desc->init(&n->host, &cfg, &n->instance, &icause);
	if (rc == 0)
		cfg_check_unknown(&cfg, n->module->name);
	if (rc == 0 && cfg.errors != NULL) {
		n->module->desc->fini(n->instance);
		rc = -1;
	}
	if (rc != 0) {
		if (icause != NULL && cfg.errors != NULL)
			xasprintf(cause, "%s\n%s", cfg.errors, icause);
		else if (icause != NULL || cfg.errors != NULL)
			*cause = xstrdup(icause != NULL ? icause : cfg.errors);
		else
			xasprintf(cause, "notifier %s: plugin %s failed to start",
			    n->name, n->module->name);
		rc = -1;
	}
	free(icause);
	cfg_clear(&cfg);
	return rc;
}

/* Set up a notifier with its module and configuration group. */
struct plugin_notifier *
plugin_notifier_new(struct plugins *ps, const char *name, const char *module,
    const config_setting_t *group, const char *file, char **cause)
{
	struct plugin_notifier	*n;
	struct plugin_module	*m;

	if ((m = module_load(ps, module, cause)) == NULL) {
		*cause = load_error(group, file, name, *cause);
		return NULL;
	}
	n = xcalloc(1, sizeof *n);
	n->ps = ps;
	n->name = xstrdup(name);
	n->module = m;
	n->enabled = 1;
	n->watchdog_ms = ps->watchdog_ms;
	TAILQ_INIT(&n->reqs);
	host_init(n);
	if (notifier_init(n, group, file, cause) != 0) {
		notifier_cancel(n);
		free(n->name);
		free(n);
		return NULL;
	}
	TAILQ_INSERT_TAIL(&ps->notifiers, n, entry);
	return n;
}

/* Disable a misbehaving notifier and report it. */
static void
notifier_disable(struct plugin_notifier *n, const char *why)
{
	if (!n->enabled)
		return;
	n->enabled = 0;
	n->why = xstrdup(why);
	log_warnx("notifier %s: plugin %s disabled: %s", n->name, n->module->name,
	    why);
	if (n->ps->disabled_cb != NULL)
		n->ps->disabled_cb(n, why, n->ps->disabled_arg);
}

/* Remember a finished send, to recognise a second completion. */
static void
remember(struct plugins *ps, struct plugin_send *s)
{
	struct recent	*r = &ps->recent[ps->nrecent++ % RECENT_MAX];

	r->id = s->id;
	r->n = s->n;
}

/* Hand a send's result to its caller and forget the send. */
static void
send_finish(struct plugin_send *s, const struct nw_send_result *res)
{
	struct plugins	*ps = s->n->ps;

	TAILQ_REMOVE(&ps->sends, s, entry);
	event_free(s->ev);
	remember(ps, s);
	s->n->inflight--;
	s->cb(res, s->arg);
	free(s->text);
	free(s);
}

/* Watchdog timer: deliver a result given during send, or disable the plugin. */
static void
send_timer_cb(evutil_socket_t fd, short events, void *arg)
{
	struct plugin_send	*s = arg;
	struct nw_send_result	 res;
	char			*why;

	if (s->completed) {
		send_finish(s, &s->result);
		return;
	}
	xasprintf(&why, "no completion within %" PRId64 " ms", s->n->watchdog_ms);
	notifier_disable(s->n, why);
	res.status = NW_SEND_RETRY;
	res.code = 0;
	res.text = why;
	res.retry_after = -1;
	send_finish(s, &res);
	free(why);
}

/* Find the send a completion is about; report one that is not in flight. */
static struct plugin_send *
send_find(uint64_t id)
{
	struct plugins		*ps;
	struct plugin_send	*s;
	size_t			 i;

	TAILQ_FOREACH(ps, &all_plugins, all) {
		TAILQ_FOREACH(s, &ps->sends, entry) {
			if (s->id == id)
				return s;
		}
	}
	TAILQ_FOREACH(ps, &all_plugins, all) {
		for (i = 0; i < RECENT_MAX && i < ps->nrecent; i++) {
			if (ps->recent[i].id != id)
				continue;
			notifier_disable(ps->recent[i].n, "completed a send twice, "
			    "or after its watchdog expired");
			return NULL;
		}
	}
	log_warnx("a plugin completed an unknown send (%" PRIu64 ")", id);
	return NULL;
}

/* Check a result and turn an invalid one into a retry, disabling the notifier. */
static const struct nw_send_result *
check_result(struct plugin_send *s, const struct nw_send_result *res,
    struct nw_send_result *fixed, char **why)
{
	if (res != NULL && res->status >= NW_SEND_OK &&
	    res->status <= NW_SEND_PERMANENT)
		return res;
	xasprintf(why, "invalid result %d", res != NULL ? res->status : -1);
	notifier_disable(s->n, *why);
	fixed->status = NW_SEND_RETRY;
	fixed->code = 0;
	fixed->text = *why;
	fixed->retry_after = -1;
	return fixed;
}

/* Copy a result given during send, to deliver it from the loop. */
static void
send_defer(struct plugin_send *s, const struct nw_send_result *res)
{
	struct timeval	tv = { 0, 0 };

	s->completed = 1;
	s->result = *res;
	if (res->text != NULL) {
		s->text = xstrndup(res->text, RESULT_TEXT_MAX);
		s->result.text = s->text;
	}
	evtimer_del(s->ev);
	evtimer_add(s->ev, &tv);
}

/* The completion callback handed to plugins; arg carries the send's id. */
static void
send_done_cb(const struct nw_send_result *res, void *arg)
{
	struct plugin_send		*s;
	const struct nw_send_result	*r;
	struct nw_send_result		 fixed;
	uint64_t			 id = (uintptr_t)arg;
	char				*why = NULL;

	if ((s = send_find(id)) == NULL)
		return;
	if (s->completed) {
		notifier_disable(s->n, "completed a send twice");
		return;
	}
	r = check_result(s, res, &fixed, &why);
	if (s->in_send)
		send_defer(s, r);
	else
		send_finish(s, r);
	free(why);
}

/* Send an alert through a notifier under the watchdog. */
void
plugin_send(struct plugin_notifier *n, const struct nw_alert *alert,
    plugin_done_cb cb, void *arg)
{
	struct plugins		*ps = n->ps;
	struct plugin_send	*s;
	struct nw_send_result	 res;
	struct timeval		 tv;
	char			*why;

	if (!n->enabled) {
		xasprintf(&why, "notifier disabled: %s", n->why);
		res.status = NW_SEND_RETRY;
		res.code = 0;
		res.text = why;
		res.retry_after = -1;
		cb(&res, arg);
		free(why);
		return;
	}
	s = xcalloc(1, sizeof *s);
	s->id = next_id++;
	s->n = n;
	s->cb = cb;
	s->arg = arg;
	s->ev = evtimer_new(ps->be.base, send_timer_cb, s);
	tv.tv_sec = n->watchdog_ms / 1000;
	tv.tv_usec = (n->watchdog_ms % 1000) * 1000;
	evtimer_add(s->ev, &tv);
	TAILQ_INSERT_TAIL(&ps->sends, s, entry);
	n->inflight++;
	s->in_send = 1;
	n->module->desc->send(n->instance, alert, send_done_cb,
	    (void *)(uintptr_t)s->id);
	s->in_send = 0;
}

/* A notifier's name. */
const char *
plugin_notifier_name(struct plugin_notifier *n)
{
	return n->name;
}

/* Whether a notifier still takes alerts. */
int
plugin_notifier_enabled(struct plugin_notifier *n)
{
	return n->enabled;
}

/* Why a notifier was disabled, or NULL. */
const char *
plugin_notifier_why(struct plugin_notifier *n)
{
	return n->why;
}

/* How long a send of this notifier may take before the watchdog fires. */
int64_t
plugin_notifier_watchdog(struct plugin_notifier *n)
{
	return n->watchdog_ms;
}

/* Sends handed to the plugin and not completed yet. */
unsigned
plugin_notifier_inflight(struct plugin_notifier *n)
{
	return n->inflight;
}
