/* curl-backend: a libcurl multi handle on a libevent base, for the tests. */
#include "config.h"

#include <sys/queue.h>
#include <sys/time.h>

#include <stdlib.h>
#include <string.h>

#include "curl-backend.h"
#include "log.h"
#include "xmalloc.h"

struct transfer {
	CURL			*easy;
	void			*owner;
	nw_transfer_done_cb	 done;
	void			*arg;
	TAILQ_ENTRY(transfer)	 entry;
};

struct curl_backend {
	struct event_base	*base;
	CURLM			*multi;
	struct event		*timer;
	int64_t			 now;
	TAILQ_HEAD(, transfer)	 transfers;
};

/* Per-socket state: one persistent event. */
struct sock {
	struct event		*ev;
};

static void check_multi_info(struct curl_backend *);

/* Socket ready: let libcurl act on it. */
static void
event_cb(evutil_socket_t fd, short events, void *arg)
{
	struct curl_backend	*cb = arg;
	int			 running, action = 0;

	if (events & EV_READ)
		action |= CURL_CSELECT_IN;
	if (events & EV_WRITE)
		action |= CURL_CSELECT_OUT;
	curl_multi_socket_action(cb->multi, fd, action, &running);
	check_multi_info(cb);
}

/* Timer expired: let libcurl handle its timeouts. */
static void
timer_cb(evutil_socket_t fd, short events, void *arg)
{
	struct curl_backend	*cb = arg;
	int			 running;

	curl_multi_socket_action(cb->multi, CURL_SOCKET_TIMEOUT, 0, &running);
	check_multi_info(cb);
}

/* libcurl asks for a timer; never calls libcurl. */
static int
multi_timer_cb(CURLM *multi, long timeout_ms, void *arg)
{
	struct curl_backend	*cb = arg;
	struct timeval		 tv;

	if (timeout_ms < 0) {
		evtimer_del(cb->timer);
		return 0;
	}
	tv.tv_sec = timeout_ms / 1000;
	tv.tv_usec = (timeout_ms % 1000) * 1000;
	evtimer_add(cb->timer, &tv);
	return 0;
}

/* libcurl tells which events a socket needs. */
static int
sock_cb(CURL *easy, curl_socket_t fd, int what, void *arg, void *sockp)
{
	struct curl_backend	*cb = arg;
	struct sock		*s = sockp;
	short			 kind;

	if (what == CURL_POLL_REMOVE) {
		if (s != NULL) {
			event_free(s->ev);
			free(s);
		}
		return 0;
	}
	if (s == NULL) {
		s = xcalloc(1, sizeof *s);
		curl_multi_assign(cb->multi, fd, s);
	} else
		event_free(s->ev);
	kind = EV_PERSIST;
	if (what & CURL_POLL_IN)
		kind |= EV_READ;
	if (what & CURL_POLL_OUT)
		kind |= EV_WRITE;
	s->ev = event_new(cb->base, fd, kind, event_cb, cb);
	event_add(s->ev, NULL);
	return 0;
}

/* Finish the transfers libcurl says are done. */
static void
check_multi_info(struct curl_backend *cb)
{
	CURLMsg		*msg;
	struct transfer	*t;
	int		 left;

	while ((msg = curl_multi_info_read(cb->multi, &left)) != NULL) {
		if (msg->msg != CURLMSG_DONE)
			continue;
		curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, (char **)&t);
		curl_multi_remove_handle(cb->multi, t->easy);
		TAILQ_REMOVE(&cb->transfers, t, entry);
		t->done(t->easy, msg->data.result, t->arg);
		free(t);
	}
}

/* Create a backend on base. */
struct curl_backend *
curl_backend_new(struct event_base *base)
{
	struct curl_backend	*cb;

	cb = xcalloc(1, sizeof *cb);
	cb->base = base;
	cb->multi = curl_multi_init();
	cb->timer = evtimer_new(base, timer_cb, cb);
	TAILQ_INIT(&cb->transfers);
	curl_multi_setopt(cb->multi, CURLMOPT_SOCKETFUNCTION, sock_cb);
	curl_multi_setopt(cb->multi, CURLMOPT_SOCKETDATA, cb);
	curl_multi_setopt(cb->multi, CURLMOPT_TIMERFUNCTION, multi_timer_cb);
	curl_multi_setopt(cb->multi, CURLMOPT_TIMERDATA, cb);
	return cb;
}

/* Remove the unfinished transfers of owner (NULL: all) without calling back. */
static void
cancel(void *ctx, void *owner)
{
	struct curl_backend	*cb = ctx;
	struct transfer		*t, *next;

	for (t = TAILQ_FIRST(&cb->transfers); t != NULL; t = next) {
		next = TAILQ_NEXT(t, entry);
		if (owner != NULL && t->owner != owner)
			continue;
		curl_multi_remove_handle(cb->multi, t->easy);
		TAILQ_REMOVE(&cb->transfers, t, entry);
		free(t);
	}
}

/* Free a backend. */
void
curl_backend_free(struct curl_backend *cb)
{
	if (cb == NULL)
		return;
	cancel(cb, NULL);
	curl_multi_cleanup(cb->multi);
	event_free(cb->timer);
	free(cb);
}

/* Start a transfer. */
static int
transfer_add(void *ctx, void *owner, CURL *easy, nw_transfer_done_cb done,
    void *arg)
{
	struct curl_backend	*cb = ctx;
	struct transfer		*t;

	t = xcalloc(1, sizeof *t);
	t->easy = easy;
	t->owner = owner;
	t->done = done;
	t->arg = arg;
	curl_easy_setopt(easy, CURLOPT_PRIVATE, t);
	if (curl_multi_add_handle(cb->multi, easy) != CURLM_OK) {
		free(t);
		return -1;
	}
	TAILQ_INSERT_TAIL(&cb->transfers, t, entry);
	return 0;
}

/* The clock. */
static int64_t
now(void *ctx)
{
	struct curl_backend	*cb = ctx;
	struct timeval		 tv;

	if (cb->now != 0)
		return cb->now;
	gettimeofday(&tv, NULL);
	return (int64_t)tv.tv_sec * 1000 + tv.tv_usec / 1000;
}

/* Fill in a plugin_backend. */
void
curl_backend_fill(struct curl_backend *cb, struct plugin_backend *be)
{
	memset(be, 0, sizeof *be);
	be->base = cb->base;
	be->ctx = cb;
	be->transfer_add = transfer_add;
	be->transfer_cancel = cancel;
	be->now = now;
}

/* Fix the clock. */
void
curl_backend_set_now(struct curl_backend *cb, int64_t ms)
{
	cb->now = ms;
}

/* Transfers running. */
unsigned
curl_backend_running(struct curl_backend *cb)
{
	struct transfer	*t;
	unsigned	 n = 0;

	TAILQ_FOREACH(t, &cb->transfers, entry)
		n++;
	return n;
}
