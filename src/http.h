/*
 * http: asynchronous transfers on one curl multi handle driven by the daemon's
 * event_base (curl's multi_socket API, after docs/examples/hiperfifo.c).
 *
 * Every caller (sources, later plugins) uses http_request(): the request is
 * copied, queued fairly (a global cap and a cap per host, where a host is the
 * lower-cased name and port of the URL), started when a slot is free and
 * completed exactly once through its callback, always from the loop, never from
 * inside http_request() itself. Every transfer is bounded: total and connect time,
 * a low-speed abort, a maximum body counted on the decoded bytes, a maximum
 * number of redirects, http and https only, TLS verification always on.
 *
 * The address rule (DESIGN.md, Addresses): a request marked from_network is
 * refused when the address actually connected to (checked when the socket is
 * opened and again before each request, so redirects, DNS changes and pooled
 * connections are covered) is loopback, private, link-local, unique-local,
 * unspecified, CGNAT or multicast, unless the limits say allow_private. When a proxy is in use the connection goes
 * to the proxy and the rule cannot see the target; it is then not applied.
 */
#ifndef NW_HTTP_H
#define NW_HTTP_H

#include <stddef.h>
#include <stdint.h>

#include <curl/curl.h>

struct event_base;
struct http;
struct sockaddr;

/* Defaults and global settings; 0 (or NULL) in a field means the default. */
struct http_limits {
	int64_t		 timeout;		/* ms, total per transfer; default 30s */
	int64_t		 connect_timeout;	/* ms; default 10s */
	int64_t		 low_speed_time;	/* ms below low_speed_limit; default 20s */
	int64_t		 low_speed_limit;	/* bytes/s; default 16 */
	int64_t		 max_body;		/* decoded bytes; default 8 MiB */
	int		 max_redirects;		/* default 5; -1: none followed */
	int		 max_transfers;		/* global cap; default 32 */
	int		 max_per_host;		/* default 2 */
	int		 allow_private;		/* lift the address rule */
	const char	*user_agent;		/* default "newswatch/VERSION" */
	const char	*ca_file;		/* NULL: system store */
	const char	*proxy;			/* NULL: environment; "": none */
};

/* A request; http_request() copies everything it needs. */
struct http_request {
	const char	*method;		/* NULL: GET */
	const char	*url;
	const char *const *headers;		/* "Name: value" each */
	size_t		 nheaders;
	const void	*body;			/* request body, or NULL */
	size_t		 body_len;
	/* per-request limits; 0 means the http's default */
	int64_t		 timeout;		/* ms */
	int64_t		 connect_timeout;	/* ms */
	int64_t		 max_body;		/* bytes */
	int		 max_redirects;		/* 0: default; -1: follow none */
	const char	*username;		/* HTTP authentication (basic/digest) */
	const char	*password;
	int		 from_network;		/* apply the address rule */
	/* conditional GET: sent verbatim as If-None-Match / If-Modified-Since */
	const char	*etag;
	const char	*last_modified;
};

/* How a transfer ended. */
enum http_result {
	HTTP_OK,		/* 2xx */
	HTTP_NOT_MODIFIED,	/* 304 */
	HTTP_STATUS,		/* another final status: see status */
	HTTP_TOO_LARGE,		/* body over max_body (decoded) */
	HTTP_TIMEOUT,		/* total, connect or low-speed limit */
	HTTP_REFUSED,		/* scheme, too many redirects, or the address rule */
	HTTP_NETWORK,		/* DNS, connect, TLS, reset, … */
	HTTP_CANCELLED,		/* http_shutdown()/http_free() before it finished */
};

/*
 * A finished transfer, borrowed until the callback returns. Strings are NULL
 * when absent.
 */
struct http_response {
	enum http_result result;
	int		 status;		/* final HTTP status, 0 if none */
	const char	*url;			/* the requested URL */
	const char	*effective_url;		/* after redirects */
	const char	*moved_to;		/* URL reached by the leading 301/308s, or NULL */
	const char	*content_type;		/* media type, lower-case, no parameters */
	const char	*charset;		/* from Content-Type, or NULL */
	const char	*etag;
	const char	*last_modified;
	int64_t		 retry_after;		/* seconds from now, -1 if none */
	const char	*body;			/* NUL-terminated (not counted in len) */
	size_t		 len;
	int		 redirects;
	double		 time_connect;		/* seconds since the start */
	double		 time_first_byte;
	double		 time_total;
	double		 time_queued;		/* seconds spent waiting for a slot */
	const char	*error;			/* human text when result is not OK/304/STATUS */
	CURLcode	 curl_code;
};

typedef void	(*http_done_cb)(const struct http_response *, void *arg);
/* For http_transfer_add: the caller's own easy handle and its curl result. */
typedef void	(*http_easy_done_cb)(CURL *easy, CURLcode, const char *error, void *arg);

struct conf_daemon;

/* The limits the daemon's keys set (timeout, max_body, proxy, ...). */
void		 http_limits_conf(struct http_limits *, const struct conf_daemon *);
/* Create on a loop; the limits are copied. Call curl_global_init() first. */
struct http	*http_new(struct event_base *, const struct http_limits *);
/*
 * Abort everything (callbacks run with HTTP_CANCELLED so their arguments can be
 * freed; caller-owned easy handles come back with CURLE_ABORTED_BY_CALLBACK)
 * and free. NULL does nothing. Never call it from a completion callback.
 */
void		 http_free(struct http *);
/* Replace the limits (reload): new transfers use them, running ones keep theirs. */
void		 http_set_limits(struct http *, const struct http_limits *);

/*
 * Queue a request; cb runs exactly once, later, from the loop. Returns a
 * transfer id (> 0) for http_cancel().
 */
uint64_t	 http_request(struct http *, const struct http_request *,
		     http_done_cb cb, void *arg);
/* Cancel a queued or running transfer: its callback runs with HTTP_CANCELLED. */
void		 http_cancel(struct http *, uint64_t id);

/*
 * Run a caller-configured easy handle on the multi handle (SMTP and the like),
 * counted against max_transfers (not per host). http sets CURLOPT_PRIVATE and
 * CURLOPT_ERRORBUFFER on it; the caller keeps ownership of the handle and
 * cleans it up in (or after) done.
 */
uint64_t	 http_transfer_add(struct http *, CURL *easy, http_easy_done_cb done,
		     void *arg);

/*
 * Stop: fail what is queued (HTTP_CANCELLED), let running transfers finish for up
 * to grace_ms, then abort the rest; done(arg) runs from the loop once nothing is
 * left. New requests after this complete at once with HTTP_CANCELLED.
 */
void		 http_shutdown(struct http *, int64_t grace_ms, void (*done)(void *),
		     void *arg);

/* Transfers running / queued (for metrics and tests). */
int		 http_running(struct http *);
int		 http_queued(struct http *);

/*
 * The host key of a URL: lower-case host name, ':', port (the scheme's default if
 * none), e.g. "example.org:443". NULL with *cause set if the URL is not http(s).
 */
char		*http_host_key(const char *url, char **cause);
/* Whether an address is refused by the address rule (sockaddr_in or _in6). */
int		 http_addr_private(const struct sockaddr *);
/* A result's name, for logs. */
const char	*http_result_name(enum http_result);

#endif
