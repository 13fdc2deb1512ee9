/*
 * plugin: the daemon's side of include/newswatch/plugin.h. Loads each plugin
 * module once from the plugin directory, sets up one instance per notifier with a
 * host table, and watches every send: a plugin that does not complete within the
 * watchdog timeout, completes twice or returns an invalid result is disabled and
 * reported while the daemon goes on.
 *
 * The host table's transfers run on whatever a struct plugin_backend provides: the
 * daemon backs it with src/http.h, the tests with a small curl multi of their own.
 */
#ifndef NW_PLUGIN_H
#define NW_PLUGIN_H

#include <stdint.h>

#include <curl/curl.h>
#include <event2/event.h>
#include <libconfig.h>

#include "newswatch/plugin.h"

/*
 * What the loader needs from the daemon. transfer_add runs an easy handle on the
 * daemon's multi handle and calls done once from the loop (not from inside a
 * libcurl callback) after removing it; owner tags the transfer. transfer_cancel
 * removes every unfinished transfer of owner without calling done. setup, when
 * set, applies daemon-wide options (CA file, proxy, user agent) to an easy handle
 * the host built for an http_request. now returns Unix milliseconds.
 */
struct plugin_backend {
	struct event_base *base;
	void		*ctx;
	int		(*transfer_add)(void *ctx, void *owner, CURL *easy,
			    nw_transfer_done_cb done, void *arg);
	void		(*transfer_cancel)(void *ctx, void *owner);
	void		(*setup)(void *ctx, CURL *easy);
	int64_t		(*now)(void *ctx);
};

struct plugins;
struct plugin_notifier;

/*
 * Called once per send with its result. The host maps misbehaviour to a
 * NW_SEND_RETRY result whose text says what happened, so the alert stays queued.
 */
typedef void (*plugin_done_cb)(const struct nw_send_result *, void *arg);

/* Called when a notifier is disabled, with the reason. */
typedef void (*plugin_disabled_cb)(struct plugin_notifier *, const char *why,
    void *arg);

/*
 * Create a loader for modules in dir; watchdog_ms bounds every send of a plugin
 * that declares no limit of its own (nw_host.send_timeout). The backend is
 * copied.
 */
struct plugins	*plugins_new(const char *dir, const struct plugin_backend *,
		    int64_t watchdog_ms);
/* Finish every notifier (fini), unload every module. NULL does nothing. */
void		 plugins_free(struct plugins *);
void		 plugins_set_disabled_cb(struct plugins *, plugin_disabled_cb, void *);

/*
 * Set up a notifier: load module (once per plugins) and call its init with group
 * (file names the configuration file for messages when libconfig does not know
 * it). Return the notifier, or NULL with *cause set to every error, one
 * "file:line: message" per line.
 */
struct plugin_notifier *plugin_notifier_new(struct plugins *, const char *name,
		    const char *module, const config_setting_t *group,
		    const char *file, char **cause);

/*
 * Send an alert through a notifier; done is called exactly once, possibly before
 * this returns when the notifier is disabled.
 */
void		 plugin_send(struct plugin_notifier *, const struct nw_alert *,
		    plugin_done_cb, void *);

const char	*plugin_notifier_name(struct plugin_notifier *);
int		 plugin_notifier_enabled(struct plugin_notifier *);
/* Why the notifier was disabled, or NULL. */
const char	*plugin_notifier_why(struct plugin_notifier *);
/* The watchdog of a notifier's sends: the plugin's declared limit + 5 s, or the
 * loader's default. */
int64_t		 plugin_notifier_watchdog(struct plugin_notifier *);
/* Sends handed to the plugin and not yet completed. */
unsigned	 plugin_notifier_inflight(struct plugin_notifier *);

#endif
