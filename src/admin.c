/*
 * admin: /healthz and /metrics over evhttp on the daemon's loop (admin.h).
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>

#include "admin.h"
#include "conf.h"
#include "log.h"
#include "metrics.h"
#include "store.h"
#include "store_ops.h"
#include "xmalloc.h"

struct admin {
	struct daemon	*d;
	struct evhttp	*http;
	char		*listen;	/* what http is bound to */
	time_t		 started;
};

/* Split "host:port" or "[v6]:port". */
int
admin_parse_listen(const char *s, char **host, unsigned short *port,
    char **cause)
{
	const char *colon, *h = s, *hend;
	char *end;
	long p;

	if (*s == '[') {
		h = s + 1;
		if ((hend = strchr(h, ']')) == NULL || hend[1] != ':')
			goto bad;
		colon = hend + 1;
	} else {
		if ((colon = strrchr(s, ':')) == NULL)
			goto bad;
		hend = colon;
	}
	p = strtol(colon + 1, &end, 10);
	if (hend == h || colon[1] == '\0' || *end != '\0' || p < 1 || p > 65535)
		goto bad;
	*host = xstrndup(h, (size_t)(hend - h));
	*port = (unsigned short)p;
	return 0;
bad:
	xasprintf(cause, "admin_listen: \"%s\" is not host:port", s);
	return -1;
}

/* Send a reply with a content type and a body (none for HEAD). */
static void
reply(struct evhttp_request *req, int code, const char *reason,
    const char *type, const char *body)
{
	struct evkeyvalq *h = evhttp_request_get_output_headers(req);
	struct evbuffer *buf = evbuffer_new();

	evhttp_add_header(h, "Content-Type", type);
	evhttp_add_header(h, "Cache-Control", "no-store");
	if (evhttp_request_get_command(req) == EVHTTP_REQ_HEAD) {
		char len[32];

		snprintf(len, sizeof len, "%zu", strlen(body));
		evhttp_add_header(h, "Content-Length", len);
	} else
		evbuffer_add(buf, body, strlen(body));
	evhttp_send_reply(req, code, reason, buf);
	evbuffer_free(buf);
}

/* Ask the database a cheap question; the number of sources, or -1 with *why. */
static int
db_answers(struct daemon *d, const char **why)
{
	sqlite3 *db;

	if (d->store == NULL || (db = store_db(d->store)) == NULL) {
		*why = "not open";
		return -1;
	}
	return store_ops_source_count(db, why);
}

/* Escape a short text for a JSON string (quotes, backslashes, controls). */
static void
json_escape(char *out, size_t size, const char *s)
{
	size_t o = 0;

	for (; *s != '\0' && o + 7 < size; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\')
			o += (size_t)snprintf(out + o, size - o, "\\%c", c);
		else if (c < 0x20)
			o += (size_t)snprintf(out + o, size - o, "\\u%04x", c);
		else
			out[o++] = (char)c;
	}
	out[o] = '\0';
}

/* GET /healthz. */
static void
healthz(struct admin *a, struct evhttp_request *req)
{
	const char *why = "ok", *status;
	char body[512], esc[256];
	int n = db_answers(a->d, &why), good;

	good = n >= 0 && !a->d->stopping;
	status = a->d->stopping ? "stopping" : n >= 0 ? "ok" : "error";
	json_escape(esc, sizeof esc, why);
	snprintf(body, sizeof body, "{\"status\":\"%s\",\"version\":\"%s\","
	    "\"uptime\":%lld,\"sources\":%d,\"db\":\"%s\"}\n", status,
	    PACKAGE_VERSION, (long long)(time(NULL) - a->started), n < 0 ? 0 : n,
	    esc);
	reply(req, good ? 200 : 503, good ? "OK" : "Service Unavailable",
	    "application/json", body);
}

/* GET /metrics. */
static void
metrics(struct admin *a, struct evhttp_request *req)
{
	char *text;

	text = metrics_render(a->d->store != NULL ? store_db(a->d->store) : NULL);
	reply(req, 200, "OK", "text/plain; version=0.0.4; charset=utf-8", text);
	free(text);
}

/* Every request: route by method and path. */
static void
request_cb(struct evhttp_request *req, void *arg)
{
	struct admin *a = arg;
	const struct evhttp_uri *uri = evhttp_request_get_evhttp_uri(req);
	const char *path = uri != NULL ? evhttp_uri_get_path(uri) : NULL;
	enum evhttp_cmd_type cmd = evhttp_request_get_command(req);

	if (path == NULL || (strcmp(path, "/healthz") != 0 &&
	    strcmp(path, "/metrics") != 0)) {
		reply(req, 404, "Not Found", "text/plain", "not found\n");
		return;
	}
	if (cmd != EVHTTP_REQ_GET && cmd != EVHTTP_REQ_HEAD) {
		evhttp_add_header(evhttp_request_get_output_headers(req), "Allow",
		    "GET, HEAD");
		reply(req, 405, "Method Not Allowed", "text/plain",
		    "method not allowed\n");
		return;
	}
	if (strcmp(path, "/healthz") == 0)
		healthz(a, req);
	else
		metrics(a, req);
}

/* A bound evhttp for an address; NULL with *cause. */
static struct evhttp *
bind_http(struct admin *a, const char *listen, char **cause)
{
	struct evhttp *http;
	char *host;
	unsigned short port;

	if (admin_parse_listen(listen, &host, &port, cause) == -1)
		return NULL;
	http = evhttp_new(a->d->base);
	evhttp_set_max_headers_size(http, ADMIN_MAX_HEADERS);
	evhttp_set_max_body_size(http, ADMIN_MAX_BODY);
	evhttp_set_timeout(http, ADMIN_TIMEOUT);
	evhttp_set_allowed_methods(http, EVHTTP_REQ_GET | EVHTTP_REQ_HEAD |
	    EVHTTP_REQ_POST | EVHTTP_REQ_PUT | EVHTTP_REQ_DELETE |
	    EVHTTP_REQ_OPTIONS | EVHTTP_REQ_PATCH);
	evhttp_set_gencb(http, request_cb, a);
	if (evhttp_bind_socket_with_handle(http, host, port) == NULL) {
		xasprintf(cause, "admin_listen %s: cannot listen", listen);
		evhttp_free(http);
		http = NULL;
	}
	free(host);
	return http;
}

/* Start: listen on admin_listen unless it is empty. */
static int
admin_start(struct daemon *d, char **cause)
{
	struct admin *a = xcalloc(1, sizeof *a);
	const char *listen = d->conf->daemon.admin_listen;

	metrics_init();
	a->d = d;
	a->started = time(NULL);
	d->admin = a;
	if (listen == NULL || *listen == '\0')
		return 0;
	if ((a->http = bind_http(a, listen, cause)) == NULL)
		return -1;
	a->listen = xstrdup(listen);
	log_info("admin: listening on %s", listen);
	return 0;
}

/* Reload: rebind when admin_listen changed; keep the old one if that fails. */
static void
admin_reload(struct daemon *d, struct conf *old)
{
	struct admin *a = d->admin;
	const char *listen = d->conf->daemon.admin_listen;
	struct evhttp *http = NULL;
	char *cause;

	(void)old;
	if (strcmp(listen, a->listen != NULL ? a->listen : "") == 0)
		return;
	if (*listen != '\0' && (http = bind_http(a, listen, &cause)) == NULL) {
		log_warnx("admin: %s; still on %s", cause,
		    a->listen != NULL ? a->listen : "nothing");
		free(cause);
		return;
	}
	if (a->http != NULL)
		evhttp_free(a->http);
	free(a->listen);
	a->http = http;
	a->listen = http != NULL ? xstrdup(listen) : NULL;
	log_info("admin: %s%s", http != NULL ? "listening on " : "disabled",
	    http != NULL ? listen : "");
}

/* Free the server. */
static void
admin_free(struct daemon *d)
{
	struct admin *a = d->admin;

	if (a == NULL)
		return;
	if (a->http != NULL)
		evhttp_free(a->http);
	free(a->listen);
	free(a);
	d->admin = NULL;
	metrics_reset();
}

const struct daemon_part admin_part = {
	"admin", admin_start, admin_reload, NULL, NULL, admin_free
};
