/*
 * http: one curl multi handle on the event_base through multi_socket (see http.h
 * and TECH-NOTES §1). libcurl's callbacks (socket, timer, write, header, open
 * socket) only record things or change events; every libcurl call that drives
 * transfers runs from a libevent callback, and completions are drained after
 * every curl_multi_socket_action().
 */
#include "config.h"

#include <sys/types.h>
#include <sys/queue.h>
#include <sys/socket.h>
#include <sys/time.h>

#include <netinet/in.h>
#include <arpa/inet.h>

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>

#include "conf.h"
#include "http.h"
#include "log.h"
#include "xmalloc.h"

#define HOST_BUCKETS		4096
#define RETRY_AFTER_MAX		(30LL * 86400)

struct xfer;
TAILQ_HEAD(xfer_list, xfer);

/* A host key with its running count and its waiting transfers. */
struct host {
	char			*key;		/* NULL: the pseudo-host of transfer_add */
	int			 inflight;
	struct xfer_list	 waiting;
	int			 in_ready;
	TAILQ_ENTRY(host)	 ready_entry;
	struct host		*next;		/* hash chain */
};
TAILQ_HEAD(host_list, host);

enum xfer_state {
	X_QUEUED,
	X_RUNNING,
	X_DONE,			/* waiting for the deferred completion */
};

/* One transfer, from http_request/http_transfer_add to its callback. */
struct xfer {
	struct http		*http;
	uint64_t		 id;
	enum xfer_state		 state;
	CURL			*easy;
	int			 own_easy;
	struct host		*host;
	TAILQ_ENTRY(xfer)	 entry;		/* host waiting, running or done */
	http_done_cb		 cb;
	http_easy_done_cb	 ecb;
	void			*arg;
	char			 errbuf[CURL_ERROR_SIZE];
	char			*url;
	struct http_request	 req;		/* owned copy until started */
	struct curl_slist	*headers;
	char			*buf;
	size_t			 len, cap;
	int64_t			 max_body;
	int			 too_large;
	int			 check_addr;
	char			*refused;	/* address rule or size text */
	char			*etag, *last_modified, *retry_after;
	int			 prev_status;
	int			 perm_chain;
	char			*moved_to;
	struct timeval		 queued_at, started_at;
	enum http_result	 forced;	/* for X_DONE without curl: */
	char			*forced_error;	/* NULL: use the curl result */
	CURLcode		 rc;
};

struct http {
	struct event_base	*base;
	CURLM			*multi;
	struct event		*timer;		/* libcurl's single timer */
	struct event		*defer;		/* deferred completions */
	struct event		*grace;		/* shutdown bound */
	struct http_limits	 lim;
	int			 proxied;
	uint64_t		 next_id;
	struct host		*buckets[HOST_BUCKETS];
	struct host		 easy_host;	/* transfer_add: no per-host cap */
	struct host_list	 ready;
	struct xfer_list	 running;
	struct xfer_list	 done;
	int			 nrunning, nqueued;
	int			 stopping;
	void			(*stopped)(void *);
	void			*stopped_arg;
};

static void	check_multi_info(struct http *);
static void	event_cb(evutil_socket_t, short, void *);
static void	dispatch(struct http *);
static void	finish(struct xfer *);
static void	easy_common(struct http *, struct xfer *, const struct http_request *);
static void	easy_request(struct http *, struct xfer *, const struct http_request *);

/* Copy a string that may be NULL. */
static char *
strdup_or_null(const char *s)
{
	return s == NULL ? NULL : xstrdup(s);
}

/* Copy limits, filling in defaults and owning the strings. */
static void
limits_copy(struct http_limits *dst, const struct http_limits *src)
{
	struct http_limits	 zero = { 0 };

	if (src == NULL)
		src = &zero;
	*dst = *src;
	if (dst->timeout <= 0)
		dst->timeout = 30000;
	if (dst->connect_timeout <= 0)
		dst->connect_timeout = 10000;
	if (dst->low_speed_time <= 0)
		dst->low_speed_time = 20000;
	if (dst->low_speed_limit <= 0)
		dst->low_speed_limit = 16;
	if (dst->max_body <= 0)
		dst->max_body = 8 * 1024 * 1024;
	if (dst->max_redirects == 0)
		dst->max_redirects = 5;
	if (dst->max_transfers <= 0)
		dst->max_transfers = 32;
	if (dst->max_per_host <= 0)
		dst->max_per_host = 2;
	dst->user_agent = xstrdup(src->user_agent != NULL ? src->user_agent :
	    "newswatch/" PACKAGE_VERSION);
	dst->ca_file = strdup_or_null(src->ca_file);
	dst->proxy = strdup_or_null(src->proxy);
}

/* Free the strings of copied limits. */
static void
limits_clear(struct http_limits *lim)
{
	free((char *)lim->user_agent);
	free((char *)lim->ca_file);
	free((char *)lim->proxy);
}

/* Whether transfers go through a proxy (configured or from the environment). */
static int
proxy_in_use(const struct http_limits *lim)
{
	const char	*vars[] = { "http_proxy", "https_proxy", "HTTPS_PROXY",
			    "all_proxy", "ALL_PROXY" };
	const char	*v;
	size_t		 i;

	if (lim->proxy != NULL)
		return *lim->proxy != '\0';
	for (i = 0; i < sizeof vars / sizeof vars[0]; i++) {
		if ((v = getenv(vars[i])) != NULL && *v != '\0')
			return 1;
	}
	return 0;
}

/* Hash a host key. */
static unsigned
host_hash(const char *key)
{
	unsigned	 h = 2166136261u;

	for (; *key != '\0'; key++)
		h = (h ^ (unsigned char)*key) * 16777619u;
	return h % HOST_BUCKETS;
}

/* Find or create the host entry of a key. */
static struct host *
host_get(struct http *h, const char *key)
{
	struct host	*host;
	unsigned	 b = host_hash(key);

	for (host = h->buckets[b]; host != NULL; host = host->next) {
		if (strcmp(host->key, key) == 0)
			return host;
	}
	host = xcalloc(1, sizeof *host);
	host->key = xstrdup(key);
	TAILQ_INIT(&host->waiting);
	host->next = h->buckets[b];
	h->buckets[b] = host;
	return host;
}

/* Free a host entry once nothing uses it. */
static void
host_release(struct http *h, struct host *host)
{
	struct host	**p;

	if (host->key == NULL || host->inflight > 0 ||
	    !TAILQ_EMPTY(&host->waiting) || host->in_ready)
		return;
	for (p = &h->buckets[host_hash(host->key)]; *p != host; p = &(*p)->next)
		;
	*p = host->next;
	free(host->key);
	free(host);
}

/* Put a host on the ready list if it has waiting transfers and a free slot. */
static void
host_update_ready(struct http *h, struct host *host)
{
	int	 cap = host->key == NULL ? h->lim.max_transfers : h->lim.max_per_host;

	if (host->in_ready || TAILQ_EMPTY(&host->waiting) || host->inflight >= cap)
		return;
	TAILQ_INSERT_TAIL(&h->ready, host, ready_entry);
	host->in_ready = 1;
}

/* Free a transfer and everything it owns (not a caller's easy handle). */
static void
xfer_free(struct xfer *x)
{
	if (x->own_easy && x->easy != NULL)
		curl_easy_cleanup(x->easy);
	curl_slist_free_all(x->headers);
	free(x->url);
	free((char *)x->req.method);
	free((void *)x->req.body);
	free((char *)x->req.username);
	if (x->req.password != NULL) {
		explicit_bzero((char *)x->req.password, strlen(x->req.password));
		free((char *)x->req.password);
	}
	free(x->buf);
	free(x->refused);
	free(x->etag);
	free(x->last_modified);
	free(x->retry_after);
	free(x->moved_to);
	free(x->forced_error);
	free(x);
}

/* Mark a transfer finished without (more of) curl and complete it later. */
static void
xfer_fail_later(struct xfer *x, enum http_result result, const char *error)
{
	struct http	*h = x->http;

	x->state = X_DONE;
	x->forced = result;
	free(x->forced_error);
	x->forced_error = xstrdup(error);
	x->rc = CURLE_ABORTED_BY_CALLBACK;
	TAILQ_INSERT_TAIL(&h->done, x, entry);
	event_active(h->defer, EV_TIMEOUT, 0);
}

/* Take a transfer off the multi handle and its host's count. */
static void
xfer_stop_running(struct xfer *x)
{
	struct http	*h = x->http;

	curl_multi_remove_handle(h->multi, x->easy);
	TAILQ_REMOVE(&h->running, x, entry);
	h->nrunning--;
	x->host->inflight--;
	host_update_ready(h, x->host);
	if (x->host->key != NULL)
		host_release(h, x->host);
}

/* Take a queued transfer off its host's waiting list. */
static void
xfer_unqueue(struct xfer *x)
{
	struct http	*h = x->http;

	TAILQ_REMOVE(&x->host->waiting, x, entry);
	h->nqueued--;
	if (TAILQ_EMPTY(&x->host->waiting) && x->host->in_ready) {
		TAILQ_REMOVE(&h->ready, x->host, ready_entry);
		x->host->in_ready = 0;
	}
	if (x->host->key != NULL)
		host_release(h, x->host);
}

/* libcurl's socket callback: create, change or drop the socket's event. */
static int
sock_cb(CURL *easy, curl_socket_t fd, int what, void *userp, void *socketp)
{
	struct http	*h = userp;
	struct event	*ev = socketp;
	short		 kind = EV_PERSIST;

	(void)easy;
	if (what == CURL_POLL_REMOVE) {
		if (ev != NULL)
			event_free(ev);
		return 0;
	}
	if (what & CURL_POLL_IN)
		kind |= EV_READ;
	if (what & CURL_POLL_OUT)
		kind |= EV_WRITE;
	if (ev == NULL) {
		ev = event_new(h->base, fd, kind, event_cb, h);
		curl_multi_assign(h->multi, fd, ev);
	} else {
		event_del(ev);
		event_assign(ev, h->base, fd, kind, event_cb, h);
	}
	event_add(ev, NULL);
	return 0;
}

/* A socket is ready: tell libcurl, then collect what finished. */
static void
event_cb(evutil_socket_t fd, short what, void *arg)
{
	struct http	*h = arg;
	int		 action = 0, running;

	if (what & EV_READ)
		action |= CURL_CSELECT_IN;
	if (what & EV_WRITE)
		action |= CURL_CSELECT_OUT;
	curl_multi_socket_action(h->multi, fd, action, &running);
	check_multi_info(h);
}

/* libcurl's timer callback: (re)arm or delete the one timer; no libcurl calls. */
static int
multi_timer_cb(CURLM *multi, long timeout_ms, void *userp)
{
	struct http	*h = userp;
	struct timeval	 tv;

	(void)multi;
	if (timeout_ms < 0) {
		evtimer_del(h->timer);
		return 0;
	}
	tv.tv_sec = timeout_ms / 1000;
	tv.tv_usec = (timeout_ms % 1000) * 1000;
	evtimer_add(h->timer, &tv);
	return 0;
}

/* The libcurl timer fired. */
static void
timer_cb(evutil_socket_t fd, short what, void *arg)
{
	struct http	*h = arg;
	int		 running;

	(void)fd;
	(void)what;
	curl_multi_socket_action(h->multi, CURL_SOCKET_TIMEOUT, 0, &running);
	check_multi_info(h);
}

/* Call the shutdown callback once nothing is left. */
static void
maybe_stopped(struct http *h)
{
	void	(*cb)(void *) = h->stopped;

	if (!h->stopping || cb == NULL || h->nrunning > 0 || h->nqueued > 0 ||
	    !TAILQ_EMPTY(&h->done))
		return;
	h->stopped = NULL;
	if (h->grace != NULL)
		evtimer_del(h->grace);
	cb(h->stopped_arg);
}

/* Run the completions that were decided outside libcurl. */
static void
defer_cb(evutil_socket_t fd, short what, void *arg)
{
	struct http	*h = arg;
	struct xfer	*x;

	(void)fd;
	(void)what;
	while ((x = TAILQ_FIRST(&h->done)) != NULL) {
		TAILQ_REMOVE(&h->done, x, entry);
		finish(x);
	}
	dispatch(h);
	maybe_stopped(h);
}

/* Drain libcurl's finished transfers; start queued ones in the freed slots. */
static void
check_multi_info(struct http *h)
{
	CURLMsg		*msg;
	struct xfer	*x;
	int		 left;

	while ((msg = curl_multi_info_read(h->multi, &left)) != NULL) {
		if (msg->msg != CURLMSG_DONE)
			continue;
		x = NULL;
		curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, (char **)&x);
		x->rc = msg->data.result;
		xfer_stop_running(x);
		x->state = X_DONE;
		finish(x);
	}
	dispatch(h);
	maybe_stopped(h);
}

/* Start one queued transfer. */
static void
start(struct http *h, struct xfer *x)
{
	CURLMcode	 mc;

	if (x->own_easy) {
		if ((x->easy = curl_easy_init()) == NULL)
			fatalx("curl_easy_init failed");
		easy_common(h, x, &x->req);
		easy_request(h, x, &x->req);
	}
	gettimeofday(&x->started_at, NULL);
	x->host->inflight++;
	h->nrunning++;
	x->state = X_RUNNING;
	TAILQ_INSERT_TAIL(&h->running, x, entry);
	if ((mc = curl_multi_add_handle(h->multi, x->easy)) != CURLM_OK) {
		TAILQ_REMOVE(&h->running, x, entry);
		h->nrunning--;
		x->host->inflight--;
		xfer_fail_later(x, HTTP_NETWORK, curl_multi_strerror(mc));
	}
}

/* Start queued transfers while the caps allow, hosts in turn. */
static void
dispatch(struct http *h)
{
	struct host	*host;
	struct xfer	*x;

	while (!h->stopping && h->nrunning < h->lim.max_transfers &&
	    (host = TAILQ_FIRST(&h->ready)) != NULL) {
		TAILQ_REMOVE(&h->ready, host, ready_entry);
		host->in_ready = 0;
		x = TAILQ_FIRST(&host->waiting);
		TAILQ_REMOVE(&host->waiting, x, entry);
		h->nqueued--;
		start(h, x);
		host_update_ready(h, host);
	}
}

/* Queue a prepared transfer on its host. */
static void
enqueue(struct http *h, struct xfer *x, struct host *host)
{
	x->host = host;
	x->state = X_QUEUED;
	gettimeofday(&x->queued_at, NULL);
	TAILQ_INSERT_TAIL(&host->waiting, x, entry);
	h->nqueued++;
	host_update_ready(h, host);
	event_active(h->defer, EV_TIMEOUT, 0);
}

/* Whether an IPv4 address (host order) is loopback, private, link-local, etc. */
static int
v4_private(uint32_t a)
{
	return (a >> 24) == 0 || (a >> 24) == 10 || (a >> 24) == 127 ||
	    (a >> 16) == 0xa9fe || (a >> 20) == 0xac1 || (a >> 16) == 0xc0a8 ||
	    (a >> 22) == (0x64400000u >> 22) || (a >> 28) >= 0xe;
}

/* See http.h. */
int
http_addr_private(const struct sockaddr *sa)
{
	const struct sockaddr_in6	*s6;
	const uint8_t			*b;
	uint32_t			 v4;

	if (sa->sa_family == AF_INET)
		return v4_private(ntohl(((const struct sockaddr_in *)sa)->sin_addr.s_addr));
	if (sa->sa_family != AF_INET6)
		return 1;
	s6 = (const struct sockaddr_in6 *)sa;
	b = s6->sin6_addr.s6_addr;
	if (IN6_IS_ADDR_V4MAPPED(&s6->sin6_addr) ||
	    (b[0] == 0 && b[1] == 0x64 && b[2] == 0xff && b[3] == 0x9b &&
	    memcmp(b + 4, "\0\0\0\0\0\0\0\0", 8) == 0)) {
		memcpy(&v4, b + 12, 4);
		return v4_private(ntohl(v4));
	}
	return IN6_IS_ADDR_UNSPECIFIED(&s6->sin6_addr) ||
	    IN6_IS_ADDR_LOOPBACK(&s6->sin6_addr) ||
	    (b[0] & 0xfe) == 0xfc ||			/* unique local fc00::/7 */
	    (b[0] == 0xfe && (b[1] & 0x80) == 0x80) ||	/* link/site local */
	    b[0] == 0xff;				/* multicast */
}

/* Format a socket address for an error message. */
static void
addr_text(const struct sockaddr *sa, char *out, size_t len)
{
	const void	*a;

	if (sa->sa_family == AF_INET)
		a = &((const struct sockaddr_in *)sa)->sin_addr;
	else if (sa->sa_family == AF_INET6)
		a = &((const struct sockaddr_in6 *)sa)->sin6_addr;
	else {
		snprintf(out, len, "family %d", sa->sa_family);
		return;
	}
	if (inet_ntop(sa->sa_family, a, out, len) == NULL)
		snprintf(out, len, "?");
}

/* libcurl opens a socket: enforce the address rule on the actual address. */
static curl_socket_t
opensocket_cb(void *clientp, curlsocktype purpose, struct curl_sockaddr *addr)
{
	struct xfer	*x = clientp;
	char		 text[INET6_ADDRSTRLEN + 16];

	(void)purpose;
	if (x->check_addr && http_addr_private(&addr->addr)) {
		addr_text(&addr->addr, text, sizeof text);
		free(x->refused);
		xasprintf(&x->refused, "address %s is loopback, private or local "
		    "(allow_private is off)", text);
		return CURL_SOCKET_BAD;
	}
	return socket(addr->family, addr->socktype, addr->protocol);
}

/*
 * libcurl is about to send a request on a connection, new or reused (a pooled
 * connection never passes through opensocket_cb): check its address again.
 */
static int
prereq_cb(void *clientp, char *primary_ip, char *local_ip, int primary_port,
    int local_port)
{
	struct xfer		*x = clientp;
	struct sockaddr_in6	 s6;
	struct sockaddr_in	 s4;
	struct sockaddr		*sa = NULL;

	(void)local_ip;
	(void)primary_port;
	(void)local_port;
	if (!x->check_addr)
		return CURL_PREREQFUNC_OK;
	memset(&s4, 0, sizeof s4);
	memset(&s6, 0, sizeof s6);
	if (inet_pton(AF_INET, primary_ip, &s4.sin_addr) == 1) {
		s4.sin_family = AF_INET;
		sa = (struct sockaddr *)&s4;
	} else if (inet_pton(AF_INET6, primary_ip, &s6.sin6_addr) == 1) {
		s6.sin6_family = AF_INET6;
		sa = (struct sockaddr *)&s6;
	}
	if (sa != NULL && !http_addr_private(sa))
		return CURL_PREREQFUNC_OK;
	free(x->refused);
	xasprintf(&x->refused, "address %s is loopback, private or local "
	    "(allow_private is off)", primary_ip);
	return CURL_PREREQFUNC_ABORT;
}

/* libcurl hands over decoded body bytes: keep them up to max_body. */
static size_t
write_cb(char *data, size_t size, size_t n, void *arg)
{
	struct xfer	*x = arg;
	size_t		 want;

	n *= size;
	if ((int64_t)(x->len + n) > x->max_body) {
		x->too_large = 1;
		return CURL_WRITEFUNC_ERROR;
	}
	if (x->len + n + 1 > x->cap) {
		want = x->cap == 0 ? 16384 : x->cap;
		while (want < x->len + n + 1)
			want *= 2;
		if ((int64_t)want > x->max_body + 1)
			want = x->max_body + 1;
		x->buf = xrealloc(x->buf, want);
		x->cap = want;
	}
	memcpy(x->buf + x->len, data, n);
	x->len += n;
	x->buf[x->len] = '\0';
	return n;
}

/* A copy of a header's value with surrounding blanks and CRLF removed. */
static char *
header_value(const char *p, const char *end)
{
	while (p < end && (*p == ' ' || *p == '\t'))
		p++;
	while (end > p && isspace((unsigned char)end[-1]))
		end--;
	return xstrndup(p, end - p);
}

/* A new status line: track permanent redirects and forget older headers. */
static void
header_status(struct xfer *x, const char *line, size_t n)
{
	const char	*sp = memchr(line, ' ', n);
	char		*url = NULL;
	int		 status;

	status = sp != NULL ? atoi(sp + 1) : 0;
	if (status >= 100 && status < 200)
		return;
	if (x->prev_status == 301 || x->prev_status == 308) {
		if (x->perm_chain &&
		    curl_easy_getinfo(x->easy, CURLINFO_EFFECTIVE_URL, &url) ==
		    CURLE_OK && url != NULL) {
			free(x->moved_to);
			x->moved_to = xstrdup(url);
		}
	} else if (x->prev_status >= 300 && x->prev_status < 400)
		x->perm_chain = 0;
	x->prev_status = status;
	free(x->etag);
	free(x->last_modified);
	free(x->retry_after);
	x->etag = x->last_modified = x->retry_after = NULL;
}

/* libcurl hands over one header line: keep the ones that matter. */
static size_t
header_cb(char *line, size_t size, size_t n, void *arg)
{
	struct xfer	*x = arg;
	const char	*end = line + size * n;

	n *= size;
	if (n > 5 && strncmp(line, "HTTP/", 5) == 0)
		header_status(x, line, n);
	else if (n > 5 && strncasecmp(line, "ETag:", 5) == 0) {
		free(x->etag);
		x->etag = header_value(line + 5, end);
	} else if (n > 14 && strncasecmp(line, "Last-Modified:", 14) == 0) {
		free(x->last_modified);
		x->last_modified = header_value(line + 14, end);
	} else if (n > 12 && strncasecmp(line, "Retry-After:", 12) == 0) {
		free(x->retry_after);
		x->retry_after = header_value(line + 12, end);
	}
	return n;
}

/* Resolve a Retry-After value (seconds or an HTTP date) to seconds from now. */
static int64_t
retry_after_seconds(const char *v)
{
	time_t		 t;
	int64_t		 s;
	const char	*p;

	if (v == NULL || *v == '\0')
		return -1;
	for (p = v; isdigit((unsigned char)*p); p++)
		;
	if (*p == '\0') {
		s = p - v > 9 ? RETRY_AFTER_MAX : strtoll(v, NULL, 10);
		return s > RETRY_AFTER_MAX ? RETRY_AFTER_MAX : s;
	}
	if ((t = curl_getdate(v, NULL)) == -1)
		return -1;
	s = (int64_t)t - (int64_t)time(NULL);
	if (s < 0)
		return 0;
	return s > RETRY_AFTER_MAX ? RETRY_AFTER_MAX : s;
}

/* Split a Content-Type into a lower-case media type and its charset. */
static void
content_type_split(const char *ct, char **type, char **charset)
{
	const char	*semi, *p, *e;
	size_t		 i;

	*type = *charset = NULL;
	if (ct == NULL)
		return;
	semi = strchr(ct, ';');
	*type = header_value(ct, semi != NULL ? semi : ct + strlen(ct));
	for (i = 0; (*type)[i] != '\0'; i++)
		(*type)[i] = tolower((unsigned char)(*type)[i]);
	for (p = semi; p != NULL; p = strchr(p, ';')) {
		p++;
		while (*p == ' ' || *p == '\t')
			p++;
		if (strncasecmp(p, "charset=", 8) != 0)
			continue;
		p += 8;
		if (*p == '"')
			p++;
		for (e = p; *e != '\0' && *e != '"' && *e != ';' && *e != ' '; e++)
			;
		*charset = e > p ? xstrndup(p, e - p) : NULL;
		break;
	}
}

/* Decide the result class and error text of a finished transfer. */
static enum http_result
classify(struct xfer *x, int status, const char **error)
{
	*error = NULL;
	if (x->forced_error != NULL) {
		*error = x->forced_error;
		return x->forced;
	}
	if (x->refused != NULL && x->rc != CURLE_OK && !x->too_large) {
		/* (a refused address with another that worked is not an error) */
		*error = x->refused;
		return HTTP_REFUSED;
	}
	if (x->too_large || x->rc == CURLE_FILESIZE_EXCEEDED) {
		free(x->refused);
		xasprintf(&x->refused, "body larger than %lld bytes (decoded)",
		    (long long)x->max_body);
		*error = x->refused;
		return HTTP_TOO_LARGE;
	}
	if (x->rc == CURLE_OK) {
		if (status == 304)
			return HTTP_NOT_MODIFIED;
		return status >= 200 && status < 300 ? HTTP_OK : HTTP_STATUS;
	}
	*error = x->errbuf[0] != '\0' ? x->errbuf : curl_easy_strerror(x->rc);
	if (x->rc == CURLE_OPERATION_TIMEDOUT)
		return HTTP_TIMEOUT;
	if (x->rc == CURLE_UNSUPPORTED_PROTOCOL || x->rc == CURLE_TOO_MANY_REDIRECTS)
		return HTTP_REFUSED;
	return HTTP_NETWORK;
}

/* Fill the response of a transfer from libcurl and our own records. */
static void
response_fill(struct xfer *x, struct http_response *r, char **ct, char **cs)
{
	CURL		*e = x->easy;
	long		 status = 0, redirects = 0;
	char		*eff = NULL, *type = NULL;
	struct timeval	 q;

	memset(r, 0, sizeof *r);
	if (e != NULL) {		/* NULL: never started */
		curl_easy_getinfo(e, CURLINFO_RESPONSE_CODE, &status);
		curl_easy_getinfo(e, CURLINFO_EFFECTIVE_URL, &eff);
		curl_easy_getinfo(e, CURLINFO_CONTENT_TYPE, &type);
		curl_easy_getinfo(e, CURLINFO_REDIRECT_COUNT, &redirects);
		curl_easy_getinfo(e, CURLINFO_CONNECT_TIME, &r->time_connect);
		curl_easy_getinfo(e, CURLINFO_STARTTRANSFER_TIME,
		    &r->time_first_byte);
		curl_easy_getinfo(e, CURLINFO_TOTAL_TIME, &r->time_total);
	}
	content_type_split(type, ct, cs);
	r->status = (int)status;
	r->result = classify(x, r->status, &r->error);
	r->url = x->url;
	r->effective_url = eff != NULL ? eff : x->url;
	r->moved_to = x->moved_to;
	r->content_type = *ct;
	r->charset = *cs;
	r->etag = x->etag;
	r->last_modified = x->last_modified;
	r->retry_after = retry_after_seconds(x->retry_after);
	r->body = x->buf != NULL ? x->buf : "";
	r->len = x->len;
	r->redirects = (int)redirects;
	r->curl_code = x->rc;
	if (x->started_at.tv_sec != 0) {
		timersub(&x->started_at, &x->queued_at, &q);
		r->time_queued = q.tv_sec + q.tv_usec / 1e6;
	}
}

/* Hand a finished transfer to its callback and free it. */
static void
finish(struct xfer *x)
{
	struct http_response	 r;
	char			*ct = NULL, *cs = NULL;
	const char		*error;

	if (!x->own_easy) {
		error = x->forced_error != NULL ? x->forced_error :
		    x->errbuf[0] != '\0' ? x->errbuf : curl_easy_strerror(x->rc);
		x->ecb(x->easy, x->rc, error, x->arg);
	} else {
		response_fill(x, &r, &ct, &cs);
		x->cb(&r, x->arg);
		free(ct);
		free(cs);
	}
	xfer_free(x);
}

/* Set the options every transfer of ours gets. */
static void
easy_common(struct http *h, struct xfer *x, const struct http_request *req)
{
	CURL		*e = x->easy;
	int64_t		 v;
	int		 redirs;

	curl_easy_setopt(e, CURLOPT_PRIVATE, x);
	curl_easy_setopt(e, CURLOPT_ERRORBUFFER, x->errbuf);
	curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(e, CURLOPT_URL, x->url);
	curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(e, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
	v = req->timeout > 0 ? req->timeout : h->lim.timeout;
	curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, (long)v);
	v = req->connect_timeout > 0 ? req->connect_timeout : h->lim.connect_timeout;
	curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, (long)v);
	curl_easy_setopt(e, CURLOPT_LOW_SPEED_LIMIT, (long)h->lim.low_speed_limit);
	curl_easy_setopt(e, CURLOPT_LOW_SPEED_TIME,
	    (long)((h->lim.low_speed_time + 999) / 1000));
	x->max_body = req->max_body > 0 ? req->max_body : h->lim.max_body;
	curl_easy_setopt(e, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)x->max_body);
	redirs = req->max_redirects != 0 ? req->max_redirects : h->lim.max_redirects;
	curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, redirs > 0 ? 1L : 0L);
	curl_easy_setopt(e, CURLOPT_MAXREDIRS, (long)(redirs > 0 ? redirs : 0));
	curl_easy_setopt(e, CURLOPT_ACCEPT_ENCODING, "");
	curl_easy_setopt(e, CURLOPT_HTTP_VERSION, (long)CURL_HTTP_VERSION_2TLS);
	curl_easy_setopt(e, CURLOPT_PIPEWAIT, 1L);
	curl_easy_setopt(e, CURLOPT_USERAGENT, h->lim.user_agent);
	curl_easy_setopt(e, CURLOPT_SSL_VERIFYPEER, 1L);
	curl_easy_setopt(e, CURLOPT_SSL_VERIFYHOST, 2L);
	if (h->lim.ca_file != NULL)
		curl_easy_setopt(e, CURLOPT_CAINFO, h->lim.ca_file);
	if (h->lim.proxy != NULL)
		curl_easy_setopt(e, CURLOPT_PROXY, h->lim.proxy);
}

/* Set the callbacks, method, headers, body and credentials of a request. */
static void
easy_request(struct http *h, struct xfer *x, const struct http_request *req)
{
	CURL		*e = x->easy;

	curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, write_cb);
	curl_easy_setopt(e, CURLOPT_WRITEDATA, x);
	curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, header_cb);
	curl_easy_setopt(e, CURLOPT_HEADERDATA, x);
	x->check_addr = req->from_network && !h->lim.allow_private && !h->proxied;
	curl_easy_setopt(e, CURLOPT_OPENSOCKETFUNCTION, opensocket_cb);
	curl_easy_setopt(e, CURLOPT_OPENSOCKETDATA, x);
	curl_easy_setopt(e, CURLOPT_PREREQFUNCTION, prereq_cb);
	curl_easy_setopt(e, CURLOPT_PREREQDATA, x);
	curl_easy_setopt(e, CURLOPT_HTTPHEADER, x->headers);
	if (req->body != NULL) {
		curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)req->body_len);
		curl_easy_setopt(e, CURLOPT_COPYPOSTFIELDS, req->body);
	}
	if (req->method != NULL && strcmp(req->method, "GET") != 0)
		curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, req->method);
	if (req->username != NULL) {
		curl_easy_setopt(e, CURLOPT_USERNAME, req->username);
		curl_easy_setopt(e, CURLOPT_PASSWORD,
		    req->password != NULL ? req->password : "");
		curl_easy_setopt(e, CURLOPT_HTTPAUTH, (long)CURLAUTH_ANY);
	}
}

/* Keep what a queued request needs to start later (the easy handle waits). */
static void
request_copy(struct xfer *x, const struct http_request *req)
{
	struct http_request	*c = &x->req;
	char			*line, *body;
	size_t			 i;

	c->method = strdup_or_null(req->method);
	if (req->body != NULL) {
		body = xmalloc(req->body_len + 1);
		memcpy(body, req->body, req->body_len);
		body[req->body_len] = '\0';
		c->body = body;
		c->body_len = req->body_len;
	}
	c->timeout = req->timeout;
	c->connect_timeout = req->connect_timeout;
	c->max_body = req->max_body;
	c->max_redirects = req->max_redirects;
	c->username = strdup_or_null(req->username);
	c->password = strdup_or_null(req->password);
	c->from_network = req->from_network;
	for (i = 0; i < req->nheaders; i++)
		x->headers = curl_slist_append(x->headers, req->headers[i]);
	if (req->etag != NULL) {
		xasprintf(&line, "If-None-Match: %s", req->etag);
		x->headers = curl_slist_append(x->headers, line);
		free(line);
	}
	if (req->last_modified != NULL) {
		xasprintf(&line, "If-Modified-Since: %s", req->last_modified);
		x->headers = curl_slist_append(x->headers, line);
		free(line);
	}
}

/* A new transfer record. */
static struct xfer *
xfer_new(struct http *h, void *arg)
{
	struct xfer	*x = xcalloc(1, sizeof *x);

	x->http = h;
	x->id = ++h->next_id;
	x->arg = arg;
	x->perm_chain = 1;
	return x;
}

/* See http.h. */
uint64_t
http_request(struct http *h, const struct http_request *req, http_done_cb cb,
    void *arg)
{
	struct xfer	*x = xfer_new(h, arg);
	char		*key, *cause = NULL;
	uint64_t	 id = x->id;

	x->cb = cb;
	x->own_easy = 1;
	x->url = xstrdup(req->url != NULL ? req->url : "");
	gettimeofday(&x->queued_at, NULL);
	if (h->stopping) {
		xfer_fail_later(x, HTTP_CANCELLED, "shutting down");
		return id;
	}
	if ((key = http_host_key(x->url, &cause)) == NULL) {
		xfer_fail_later(x, HTTP_REFUSED, cause);
		free(cause);
		return id;
	}
	request_copy(x, req);
	enqueue(h, x, host_get(h, key));
	free(key);
	return id;
}

/* See http.h. */
uint64_t
http_transfer_add(struct http *h, CURL *easy, http_easy_done_cb done, void *arg)
{
	struct xfer	*x = xfer_new(h, arg);

	x->easy = easy;
	x->ecb = done;
	curl_easy_setopt(easy, CURLOPT_PRIVATE, x);
	curl_easy_setopt(easy, CURLOPT_ERRORBUFFER, x->errbuf);
	curl_easy_setopt(easy, CURLOPT_NOSIGNAL, 1L);
	if (h->stopping) {
		xfer_fail_later(x, HTTP_CANCELLED, "shutting down");
		return x->id;
	}
	enqueue(h, x, &h->easy_host);
	return x->id;
}

/* Find a queued or running transfer by id. */
static struct xfer *
xfer_find(struct http *h, uint64_t id)
{
	struct xfer	*x;
	struct host	*host;

	TAILQ_FOREACH(x, &h->running, entry) {
		if (x->id == id)
			return x;
	}
	TAILQ_FOREACH(x, &h->easy_host.waiting, entry) {
		if (x->id == id)
			return x;
	}
	for (size_t b = 0; b < HOST_BUCKETS; b++) {
		for (host = h->buckets[b]; host != NULL; host = host->next) {
			TAILQ_FOREACH(x, &host->waiting, entry) {
				if (x->id == id)
					return x;
			}
		}
	}
	return NULL;
}

/* Cancel one transfer, queued or running; it completes later. */
static void
xfer_cancel(struct xfer *x, const char *why)
{
	if (x->state == X_RUNNING)
		xfer_stop_running(x);
	else if (x->state == X_QUEUED)
		xfer_unqueue(x);
	else
		return;
	xfer_fail_later(x, HTTP_CANCELLED, why);
}

/* See http.h. */
void
http_cancel(struct http *h, uint64_t id)
{
	struct xfer	*x;

	if ((x = xfer_find(h, id)) != NULL)
		xfer_cancel(x, "cancelled");
}

/* Cancel everything queued (all hosts, including transfer_add's). */
static void
cancel_queued(struct http *h, const char *why)
{
	struct host	*host, *next;
	struct xfer	*x;
	size_t		 b, n;

	while (!TAILQ_EMPTY(&h->easy_host.waiting))
		xfer_cancel(TAILQ_FIRST(&h->easy_host.waiting), why);
	for (b = 0; b < HOST_BUCKETS; b++) {
		for (host = h->buckets[b]; host != NULL; host = next) {
			next = host->next;
			n = 0;
			TAILQ_FOREACH(x, &host->waiting, entry)
				n++;
			/* the last cancel may free host; next is saved */
			while (n-- > 0)
				xfer_cancel(TAILQ_FIRST(&host->waiting), why);
		}
	}
}

/* Abort every running transfer. */
static void
cancel_running(struct http *h, const char *why)
{
	while (!TAILQ_EMPTY(&h->running))
		xfer_cancel(TAILQ_FIRST(&h->running), why);
}

/* The shutdown grace period is over. */
static void
grace_cb(evutil_socket_t fd, short what, void *arg)
{
	struct http	*h = arg;

	(void)fd;
	(void)what;
	cancel_running(h, "aborted at shutdown");
}

/* See http.h. */
void
http_shutdown(struct http *h, int64_t grace_ms, void (*done)(void *), void *arg)
{
	struct timeval	 tv;

	h->stopping = 1;
	h->stopped = done;
	h->stopped_arg = arg;
	cancel_queued(h, "shutting down");
	if (grace_ms < 0)
		grace_ms = 0;
	tv.tv_sec = grace_ms / 1000;
	tv.tv_usec = (grace_ms % 1000) * 1000;
	evtimer_add(h->grace, &tv);
	event_active(h->defer, EV_TIMEOUT, 0);
}

/* See http.h. */
struct http *
http_new(struct event_base *base, const struct http_limits *lim)
{
	struct http	*h = xcalloc(1, sizeof *h);

	h->base = base;
	limits_copy(&h->lim, lim);
	h->proxied = proxy_in_use(&h->lim);
	TAILQ_INIT(&h->ready);
	TAILQ_INIT(&h->running);
	TAILQ_INIT(&h->done);
	TAILQ_INIT(&h->easy_host.waiting);
	if ((h->multi = curl_multi_init()) == NULL)
		fatalx("curl_multi_init failed");
	h->timer = evtimer_new(base, timer_cb, h);
	h->defer = event_new(base, -1, 0, defer_cb, h);
	h->grace = evtimer_new(base, grace_cb, h);
	curl_multi_setopt(h->multi, CURLMOPT_SOCKETFUNCTION, sock_cb);
	curl_multi_setopt(h->multi, CURLMOPT_SOCKETDATA, h);
	curl_multi_setopt(h->multi, CURLMOPT_TIMERFUNCTION, multi_timer_cb);
	curl_multi_setopt(h->multi, CURLMOPT_TIMERDATA, h);
	return h;
}

/* See http.h. */
void
http_set_limits(struct http *h, const struct http_limits *lim)
{
	limits_clear(&h->lim);
	limits_copy(&h->lim, lim);
	h->proxied = proxy_in_use(&h->lim);
	event_active(h->defer, EV_TIMEOUT, 0);
}

/* Free the host entries left (a failed start can leave one behind). */
static void
hosts_free(struct http *h)
{
	struct host	*host, *next;
	size_t		 b;

	for (b = 0; b < HOST_BUCKETS; b++) {
		for (host = h->buckets[b]; host != NULL; host = next) {
			next = host->next;
			free(host->key);
			free(host);
		}
		h->buckets[b] = NULL;
	}
}

/* See http.h. */
void
http_free(struct http *h)
{
	struct xfer	*x;

	if (h == NULL)
		return;
	h->stopping = 1;
	h->stopped = NULL;
	cancel_queued(h, "shutting down");
	cancel_running(h, "aborted at shutdown");
	while ((x = TAILQ_FIRST(&h->done)) != NULL) {
		TAILQ_REMOVE(&h->done, x, entry);
		finish(x);
	}
	curl_multi_cleanup(h->multi);
	hosts_free(h);
	event_free(h->timer);
	event_free(h->defer);
	event_free(h->grace);
	limits_clear(&h->lim);
	free(h);
}

/* See http.h. */
int
http_running(struct http *h)
{
	return h->nrunning;
}

/* See http.h. */
int
http_queued(struct http *h)
{
	return h->nqueued;
}

/* See http.h. */
char *
http_host_key(const char *url, char **cause)
{
	CURLU		*u = curl_url();
	char		*scheme = NULL, *host = NULL, *port = NULL, *key = NULL;
	size_t		 i;

	if (curl_url_set(u, CURLUPART_URL, url, CURLU_NON_SUPPORT_SCHEME) != CURLUE_OK)
		xasprintf(cause, "invalid URL: %s", url);
	else if (curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK ||
	    (strcmp(scheme, "http") != 0 && strcmp(scheme, "https") != 0))
		xasprintf(cause, "scheme not allowed (http and https only): %s", url);
	else if (curl_url_get(u, CURLUPART_HOST, &host, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_PORT, &port, CURLU_DEFAULT_PORT) != CURLUE_OK)
		xasprintf(cause, "no host in URL: %s", url);
	else {
		for (i = 0; host[i] != '\0'; i++)
			host[i] = tolower((unsigned char)host[i]);
		xasprintf(&key, "%s:%s", host, port);
	}
	curl_free(scheme);
	curl_free(host);
	curl_free(port);
	curl_url_cleanup(u);
	return key;
}

/* See http.h. */
const char *
http_result_name(enum http_result r)
{
	static const char *names[] = { "ok", "not-modified", "status", "too-large",
	    "timeout", "refused", "network", "cancelled" };

	return (unsigned)r < sizeof names / sizeof names[0] ? names[r] : "?";
}

/* The limits the daemon's keys set (http.h). */
void
http_limits_conf(struct http_limits *l, const struct conf_daemon *cd)
{
	memset(l, 0, sizeof *l);
	l->timeout = cd->timeout;
	l->connect_timeout = cd->connect_timeout;
	l->max_body = cd->max_body;
	l->max_redirects = cd->max_redirects > 0 ? cd->max_redirects : -1;
	l->max_transfers = cd->max_transfers;
	l->max_per_host = cd->max_per_host;
	l->allow_private = cd->allow_private;
	l->user_agent = cd->user_agent;
	l->ca_file = cd->ca_file;
	l->proxy = cd->proxy;
}
