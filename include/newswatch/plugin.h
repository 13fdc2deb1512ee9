/*
 * newswatch/plugin.h: the contract between newswatchd and its notification
 * plugins. This is the only header newswatch installs.
 *
 * A plugin is a loadable module (libtool -module) in daemon.plugin_dir, exporting
 * exactly one symbol, newswatch_plugin. The daemon loads each module once, checks
 * its ABI version, and calls its init once per notifier that names it, with that
 * notifier's configuration group. Alerts are then handed to send; a plugin never
 * blocks: it queues its transfers on the daemon's curl multi handle through the
 * host table and reports the outcome through the completion callback, exactly
 * once per send.
 *
 * Everything runs on the daemon's single event loop thread. Plugins run in the
 * daemon's process: they are few, reviewed and fuzzed.
 */
#ifndef NEWSWATCH_PLUGIN_H
#define NEWSWATCH_PLUGIN_H

#include <stddef.h>
#include <stdint.h>

#include <curl/curl.h>

#ifdef __cplusplus
extern "C" {
#endif

/*
 * NAME
 *   NEWSWATCH_PLUGIN_ABI
 *
 * DESCRIPTION
 *   The version of this interface. It changes whenever a structure below or the
 *   meaning of a field changes. A plugin puts the value it was built with in its
 *   descriptor (struct nw_plugin.abi); the daemon refuses to load a plugin whose
 *   version differs from its own, naming the plugin and both versions.
 */
#define NEWSWATCH_PLUGIN_ABI	1

#if defined(__GNUC__) || defined(__clang__)
#define NW_PRINTFLIKE(f, a)	__attribute__((format(printf, f, a)))
#else
#define NW_PRINTFLIKE(f, a)
#endif

/* Log levels for nw_host.log, from the most to the least severe. */
#define NW_LOG_ERR	0
#define NW_LOG_WARN	1
#define NW_LOG_INFO	2
#define NW_LOG_DEBUG	3

/* What an alert is about. */
enum nw_alert_kind {
	NW_ALERT_ARTICLE = 1,	/* an article matched a watchlist */
	NW_ALERT_DIGEST = 2,	/* several article alerts gathered into one */
	NW_ALERT_HEALTH = 3,	/* a source changed state (failing, recovered, stale) */
};

/* Another source that carried the same story. */
struct nw_alert_source {
	const char		*name;		/* the source's configured name */
	const char		*url;		/* the article's URL on that source */
};

/*
 * NAME
 *   struct nw_alert
 *
 * DESCRIPTION
 *   One alert as a plugin sees it. Every pointer is borrowed for the duration of
 *   the send call only: copy what must outlive it. Strings are UTF-8 and NUL
 *   terminated; a field that does not apply to the kind, or is unknown, is NULL
 *   (strings), 0 (counts and times).
 *
 *   delivery_id is stable for one (story, watchlist, notifier): every resend of
 *   the alert, also after a restart, carries the same id, so receivers can drop
 *   duplicates (the webhook sends it as webhook-id, the email plugin derives the
 *   Message-ID from it). A digest has its own delivery id.
 *
 *   kind NW_ALERT_ARTICLE: watchlist, title, url, source, published, summary,
 *   snippet, terms and also are set as known.
 *   kind NW_ALERT_DIGEST: watchlist (NULL when the digest spans several), title
 *   (a short description, e.g. "5 alerts"), and alerts/nalerts, the article
 *   alerts it gathers, in the order they were raised.
 *   kind NW_ALERT_HEALTH: source, health_state ("failing", "recovered",
 *   "stale"), health_error (the last error text, or NULL) and url (the source's
 *   URL).
 */
struct nw_alert {
	enum nw_alert_kind	 kind;
	const char		*delivery_id;	/* 64 hex digits */
	const char		*notifier;	/* the notifier's name */
	const char		*watchlist;
	const char		*title;
	const char		*url;
	const char		*source;	/* the source the alert was raised on */
	int64_t			 published;	/* Unix seconds; 0: unknown */
	int64_t			 created;	/* Unix seconds the alert was raised */
	const char		*summary;
	const char		*snippet;	/* text around the first match */
	const char *const	*terms;		/* the matched terms */
	size_t			 nterms;
	const struct nw_alert_source *also;	/* other sources with the story */
	size_t			 nalso;
	const struct nw_alert	*alerts;	/* digest: the alerts gathered */
	size_t			 nalerts;
	const char		*health_state;	/* health: "failing", … */
	const char		*health_error;	/* health: the last error, or NULL */
};

/* How a send ended. */
enum nw_send_status {
	NW_SEND_OK = 1,		/* the receiver took the alert */
	NW_SEND_RETRY = 2,	/* try again later (network error, timeout, 408, 429, 5xx) */
	NW_SEND_PERMANENT = 3,	/* never going to work as it is (other 4xx, refused recipient) */
};

/*
 * NAME
 *   struct nw_send_result
 *
 * DESCRIPTION
 *   The outcome of one send. status is one of enum nw_send_status; anything else
 *   is an invalid result and disables the notifier. code is the receiver's own
 *   status (an HTTP status, an SMTP reply code; 0 when the receiver never
 *   answered) and text its own words or the transfer's error (may be NULL;
 *   borrowed for the duration of the completion call; the host keeps at most a
 *   few hundred bytes of it). retry_after is the delay in milliseconds the
 *   receiver asked for before the next attempt (Retry-After), -1 when it asked
 *   for none.
 */
struct nw_send_result {
	int			 status;
	int			 code;
	const char		*text;
	int64_t			 retry_after;
};

/*
 * NAME
 *   nw_send_done_cb
 *
 * DESCRIPTION
 *   The completion callback handed to send. The plugin calls it exactly once per
 *   send, with the arg it was given, from the event loop (it may call it before
 *   send returns). A second call, or none within the host's watchdog timeout,
 *   disables the notifier.
 */
typedef void (*nw_send_done_cb)(const struct nw_send_result *result, void *arg);

/* A plugin's configuration group (opaque; read it through struct nw_host). */
struct nw_config;

/*
 * NAME
 *   struct nw_http_request, struct nw_http_response, nw_http_done_cb
 *
 * DESCRIPTION
 *   An HTTP request for nw_host.http_request. headers are "Name: value" lines;
 *   body may be NULL (no body). timeout is the whole transfer's limit in
 *   milliseconds (0: the daemon's default). Redirects are never followed: a 3xx
 *   comes back as the response. The host copies everything it needs before
 *   http_request returns.
 *
 *   The response: status is the HTTP status, 0 when no response arrived (then
 *   error says why, and timed_out is 1 when the time limit ran out).
 *   retry_after is the Retry-After header in milliseconds (either form), -1 when
 *   absent. body is the first part of the response body (at most 64 KiB; NUL
 *   terminated), valid only during the callback.
 */
struct nw_http_request {
	const char		*method;	/* "POST", "PUT", "GET"… */
	const char		*url;
	const char *const	*headers;
	size_t			 nheaders;
	const void		*body;
	size_t			 bodylen;
	int64_t			 timeout;	/* milliseconds */
};

struct nw_http_response {
	int			 status;
	int			 timed_out;
	int64_t			 retry_after;	/* milliseconds, -1: none */
	const char		*body;
	size_t			 bodylen;
	const char		*error;		/* NULL when a response arrived */
};

typedef void (*nw_http_done_cb)(const struct nw_http_response *response, void *arg);

/*
 * NAME
 *   nw_transfer_done_cb
 *
 * DESCRIPTION
 *   Called once when a transfer given to nw_host.transfer_add has finished, with
 *   libcurl's result. The host has already removed the handle from the multi
 *   handle: the plugin owns it again (read CURLINFO_*, then curl_easy_cleanup).
 */
typedef void (*nw_transfer_done_cb)(CURL *easy, CURLcode result, void *arg);

/*
 * NAME
 *   struct nw_host
 *
 * DESCRIPTION
 *   What the daemon offers a plugin: one table per notifier, valid from init to
 *   fini. The config_* functions take the configuration group given to init;
 *   the others take the table itself.
 *
 *   log(host, level, fmt, ...): one line at NW_LOG_*, prefixed with the
 *   notifier's name. Never log secrets.
 *
 *   Configuration (only during init; strings returned are borrowed until init
 *   returns: copy what you keep). Each lookup returns 1 when the key is set and
 *   well-typed, 0 when it is absent (*value untouched), -1 when it is present
 *   but malformed: the host has then recorded "file:line: notifier NAME: key:
 *   …" and init will fail. Keys a plugin never looked up are reported as
 *   unknown, with their line, after init returns, and fail the notifier too.
 *     config_string:   a string.
 *     config_int:      an integer (64-bit).
 *     config_bool:     true or false.
 *     config_strings:  a string, or an array/list of strings; *values is an
 *                      array of *n strings.
 *     config_duration: a duration string ("500ms", "90s", "15m", "2h", "7d";
 *                      a bare integer is seconds), in milliseconds.
 *     config_headers:  HTTP headers, as a list of "Name: value" strings or a
 *                      group { X-Name = "value"; }, returned as lines.
 *     config_secret:   the secret named by file_key (a file, relative names
 *                      resolved against $CREDENTIALS_DIRECTORY) or env_key (an
 *                      environment variable), surrounding whitespace removed;
 *                      *value is allocated (free it; wipe it if you can).
 *     config_error:    record an error about key (NULL: the group) with its
 *                      file:line; init must then fail.
 *
 *   http_request(host, request, done, arg): start an HTTP request on the
 *   daemon's curl multi handle. Returns 0 when started (done will be called
 *   once), -1 with *cause set when it could not start (done will not be called).
 *
 *   transfer_add(host, easy, done, arg): run any libcurl transfer (SMTP…) on the
 *   daemon's multi handle. The plugin sets every option except CURLOPT_PRIVATE,
 *   which belongs to the host. Returns 0 (done will be called once) or -1.
 *
 *   now(host): the current time, Unix milliseconds. Use it rather than
 *   time(3): tests control it.
 *
 *   send_timeout(host, ms): during init, declare the longest a send of this
 *   notifier can take (its transfer's time limit). The host's watchdog then
 *   allows that plus a margin before it disables the notifier; without it, the
 *   daemon's default applies.
 */
struct nw_host {
	unsigned		 abi;		/* NEWSWATCH_PLUGIN_ABI of the daemon */
	const char		*notifier;	/* the notifier's name */

	void	(*log)(const struct nw_host *, int level, const char *fmt, ...)
		    NW_PRINTFLIKE(3, 4);

	int	(*config_string)(struct nw_config *, const char *key, const char **value);
	int	(*config_int)(struct nw_config *, const char *key, int64_t *value);
	int	(*config_bool)(struct nw_config *, const char *key, int *value);
	int	(*config_strings)(struct nw_config *, const char *key,
		    const char *const **values, size_t *n);
	int	(*config_duration)(struct nw_config *, const char *key, int64_t *ms);
	int	(*config_headers)(struct nw_config *, const char *key,
		    const char *const **lines, size_t *n);
	int	(*config_secret)(struct nw_config *, const char *file_key,
		    const char *env_key, char **value);
	void	(*config_error)(struct nw_config *, const char *key, const char *fmt, ...)
		    NW_PRINTFLIKE(3, 4);

	int	(*http_request)(const struct nw_host *, const struct nw_http_request *,
		    nw_http_done_cb done, void *arg, char **cause);
	int	(*transfer_add)(const struct nw_host *, CURL *easy,
		    nw_transfer_done_cb done, void *arg);
	int64_t	(*now)(const struct nw_host *);
	void	(*send_timeout)(const struct nw_host *, int64_t ms);
};

/*
 * NAME
 *   struct nw_plugin
 *
 * DESCRIPTION
 *   A plugin's descriptor, returned by newswatch_plugin.
 *
 *   init(host, config, &instance, &cause): set up one notifier from its group.
 *   Keep host (valid until fini). RETURN VALUE: 0 with *instance set, or -1;
 *   then *cause may hold an allocated message (the host frees it), or the errors
 *   recorded with config_error say what is wrong.
 *
 *   send(instance, alert, done, arg): deliver one alert; see struct nw_alert for
 *   what is borrowed. Never blocks; calls done exactly once.
 *
 *   fini(instance): release the notifier. The host has cancelled the plugin's
 *   http_request calls (their callbacks will not run) and removed its
 *   transfer_add handles from the multi handle (done will not run: the plugin
 *   cleans up the handles it still owns). Outstanding sends are forgotten: do not
 *   call their completion.
 */
struct nw_plugin {
	unsigned		 abi;		/* NEWSWATCH_PLUGIN_ABI it was built with */
	const char		*name;		/* "webhook" */
	const char		*description;	/* one line */
	int	(*init)(const struct nw_host *, struct nw_config *, void **instance,
		    char **cause);
	void	(*send)(void *instance, const struct nw_alert *, nw_send_done_cb done,
		    void *arg);
	void	(*fini)(void *instance);
};

/*
 * NAME
 *   newswatch_plugin
 *
 * DESCRIPTION
 *   The one symbol a plugin exports.
 *
 * RETURN VALUE
 *   The plugin's descriptor, static and constant for the life of the module.
 */
const struct nw_plugin	*newswatch_plugin(void);

#ifdef __cplusplus
}
#endif

#endif
