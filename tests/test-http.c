/*
 * test-http: the http module against tests/fixture-server.py on 127.0.0.1, on its
 * own event_base: conditional GET, every limit, the address rule, the per-host
 * cap (read back from the server's request log), errors, transfer_add, cancel
 * and shutdown.
 */
#include "config.h"

#include <sys/socket.h>
#include <sys/time.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include <stdlib.h>
#include <string.h>

#include <event2/event.h>

#include "../src/http.h"
#include "../src/log.h"
#include "../src/xmalloc.h"
#include "fixture.h"
#include "tap.h"

static struct event_base *base;
static struct fixture fix;

/* A copy of what a callback received. */
struct got {
	int		 done;
	enum http_result result;
	int		 status;
	char		*effective_url, *moved_to, *content_type, *charset;
	char		*etag, *last_modified, *body, *error;
	size_t		 len;
	int64_t		 retry_after;
	int		 redirects;
	CURLcode	 curl_code;
	int		 running_max;
};

static char *
sdup(const char *s)
{
	return s != NULL ? xstrdup(s) : NULL;
}

static void
got_clear(struct got *g)
{
	free(g->effective_url);
	free(g->moved_to);
	free(g->content_type);
	free(g->charset);
	free(g->etag);
	free(g->last_modified);
	free(g->body);
	free(g->error);
	memset(g, 0, sizeof *g);
}

/* Completion callback: copy the response. */
static void
done_cb(const struct http_response *r, void *arg)
{
	struct got	*g = arg;

	g->done = 1;
	g->result = r->result;
	g->status = r->status;
	g->effective_url = sdup(r->effective_url);
	g->moved_to = sdup(r->moved_to);
	g->content_type = sdup(r->content_type);
	g->charset = sdup(r->charset);
	g->etag = sdup(r->etag);
	g->last_modified = sdup(r->last_modified);
	g->body = xmalloc(r->len + 1);
	memcpy(g->body, r->body, r->len + 1);
	g->len = r->len;
	g->error = sdup(r->error);
	g->retry_after = r->retry_after;
	g->redirects = r->redirects;
	g->curl_code = r->curl_code;
}

/* Run the loop until the flag is set (or 20 s pass). */
static void
run_until(int *flag)
{
	struct timeval	 start, now;

	gettimeofday(&start, NULL);
	while (!*flag) {
		event_base_loop(base, EVLOOP_ONCE);
		gettimeofday(&now, NULL);
		if (now.tv_sec - start.tv_sec > 20)
			break;
	}
}

/* A URL on the fixture server. */
static char *
url(const char *host, const char *path)
{
	char	*u;

	xasprintf(&u, "http://%s:%d%s", host, fix.port, path);
	return u;
}

/* Fetch path with a request template; fill g. */
static void
fetch(struct http *h, struct http_request *req, const char *path, struct got *g)
{
	char	*u = url("127.0.0.1", path);

	got_clear(g);
	req->url = u;
	http_request(h, req, done_cb, g);
	run_until(&g->done);
	free(u);
}

/* Fetch a path with default request settings. */
static void
get(struct http *h, const char *path, struct got *g)
{
	struct http_request	 req = { 0 };

	fetch(h, &req, path, g);
}

/* Milliseconds since t0. */
static long
elapsed_ms(const struct timeval *t0)
{
	struct timeval	 now;

	gettimeofday(&now, NULL);
	return (now.tv_sec - t0->tv_sec) * 1000 + (now.tv_usec - t0->tv_usec) / 1000;
}

static void
test_conditional(struct http *h)
{
	struct http_request	 req = { 0 };
	struct got		 g = { 0 };
	char			*etag, *lm;
	const char		*path = "/files/feed.xml?ct=application/rss%2Bxml;"
				    "%20charset=ISO-8859-1";

	fixture_write(&fix, "feed.xml", "<rss>one</rss>\n");
	get(h, path, &g);
	is_int(g.result, HTTP_OK, "first GET is 200");
	is_str(g.body, "<rss>one</rss>\n", "body");
	is_str(g.content_type, "application/rss+xml", "media type, no parameters");
	is_str(g.charset, "ISO-8859-1", "charset from Content-Type");
	ok(g.etag != NULL && g.etag[0] == '"', "ETag kept verbatim (%s)", g.etag);
	ok(g.last_modified != NULL, "Last-Modified kept");
	etag = sdup(g.etag);
	get(h, "/files/feed.xml?ct=Text/XML;", &g);
	is_str(g.content_type, "text/xml", "Content-Type with a trailing ';'");
	ok(g.charset == NULL, "and no charset");
	get(h, "/files/feed.xml?ct=text/xml;%20q=1;charset=%22utf-8%22", &g);
	is_str(g.charset, "utf-8", "quoted charset after another parameter");
	lm = sdup(g.last_modified);

	req.etag = etag;
	fetch(h, &req, path, &g);
	is_int(g.result, HTTP_NOT_MODIFIED, "If-None-Match → 304");
	is_int(g.len, 0, "304 has no body");

	memset(&req, 0, sizeof req);
	req.last_modified = lm;
	fetch(h, &req, "/files/feed.xml?etag=0", &g);
	is_int(g.result, HTTP_NOT_MODIFIED, "If-Modified-Since → 304");

	/* the request API also writes: replace the file with PUT */
	memset(&req, 0, sizeof req);
	req.method = "PUT";
	req.body = "<rss>two</rss>\n";
	req.body_len = strlen(req.body);
	fetch(h, &req, "/files/feed.xml", &g);
	is_int(g.status, 204, "PUT with a body");

	memset(&req, 0, sizeof req);
	req.etag = etag;
	fetch(h, &req, path, &g);
	is_int(g.result, HTTP_OK, "changed file: old ETag → 200");
	is_str(g.body, "<rss>two</rss>\n", "new body");
	ok(g.etag != NULL && strcmp(g.etag, etag) != 0, "new ETag");
	free(etag);
	free(lm);
	got_clear(&g);
}

static void
test_time_limits(struct http *h)
{
	struct http_request	 req = { 0 };
	struct http_limits	 lim = { 0 };
	struct got		 g = { 0 };
	struct timeval		 t0;
	struct http		*slow;

	gettimeofday(&t0, NULL);
	req.timeout = 500;
	fetch(h, &req, "/slow-headers?delay=3", &g);
	is_int(g.result, HTTP_TIMEOUT, "slow headers: timeout (%s)", g.error);
	ok(elapsed_ms(&t0) < 2000, "stopped at the limit (%ld ms)", elapsed_ms(&t0));

	lim.proxy = "";
	lim.allow_private = 1;
	lim.low_speed_limit = 1000;
	lim.low_speed_time = 1000;
	slow = http_new(base, &lim);
	gettimeofday(&t0, NULL);
	get(slow, "/slow-body?bytes=100&delay=0.5&chunk=1", &g);
	is_int(g.result, HTTP_TIMEOUT, "trickling body: low-speed abort (%s)", g.error);
	ok(elapsed_ms(&t0) < 4000, "aborted early (%ld ms)", elapsed_ms(&t0));
	http_free(slow);
	got_clear(&g);
}

static void
test_size_limits(struct http *h)
{
	struct http_request	 req = { 0 };
	struct got		 g = { 0 };

	req.max_body = 1000;
	fetch(h, &req, "/huge?bytes=1000", &g);
	is_int(g.result, HTTP_OK, "body at the limit passes");
	is_int(g.len, 1000, "all of it");
	fetch(h, &req, "/huge?bytes=1001&chunked=1", &g);
	is_int(g.result, HTTP_TOO_LARGE, "chunked body one byte over: too large");

	req.max_body = 100000;
	fetch(h, &req, "/huge?bytes=20000000", &g);
	is_int(g.result, HTTP_TOO_LARGE, "Content-Length over the limit (%s)", g.error);
	fetch(h, &req, "/huge?bytes=20000000&chunked=1", &g);
	is_int(g.result, HTTP_TOO_LARGE, "chunked 20 MB over the limit");

	req.max_body = 1 << 20;
	fetch(h, &req, "/gzip-bomb?bytes=67108864", &g);
	is_int(g.result, HTTP_TOO_LARGE, "gzip bomb stops at 1 MiB decoded (%s)",
	    g.error);
	ok(g.error != NULL && strstr(g.error, "1048576") != NULL, "error names the limit");
	req.max_body = 0;
	fetch(h, &req, "/gzip-bomb?bytes=100000", &g);
	is_int(g.result, HTTP_OK, "small gzip body decoded");
	is_int(g.len, 100000, "decoded length");
	got_clear(&g);
}

static void
test_redirects(struct http *h)
{
	struct http_request	 req = { 0 };
	struct got		 g = { 0 };
	char			*want;

	get(h, "/redirect/3", &g);
	is_int(g.result, HTTP_OK, "3 redirects followed");
	is_int(g.redirects, 3, "redirect count");
	ok(strstr(g.effective_url, "/redirect/0") != NULL, "effective URL %s",
	    g.effective_url);
	ok(g.moved_to == NULL, "302s are not permanent");

	get(h, "/redirect/5", &g);
	is_int(g.result, HTTP_OK, "5 redirects: the default maximum");
	get(h, "/redirect/6", &g);
	is_int(g.result, HTTP_REFUSED, "6 redirects refused (%s)", g.error);
	get(h, "/loop", &g);
	is_int(g.result, HTTP_REFUSED, "redirect loop refused");
	req.max_redirects = 1;
	fetch(h, &req, "/redirect/2", &g);
	is_int(g.result, HTTP_REFUSED, "per-request max_redirects 1");
	req.max_redirects = -1;
	fetch(h, &req, "/redirect/1", &g);
	is_int(g.status, 302, "max_redirects -1: the 302 itself");

	get(h, "/redirect-to?url=file:///etc/passwd", &g);
	is_int(g.result, HTTP_REFUSED, "redirect to file:// refused (%s)", g.error);
	is_int(g.curl_code, CURLE_UNSUPPORTED_PROTOCOL, "unsupported protocol");
	ok(g.len == 0 || strstr(g.body, "root:") == NULL, "nothing of the file read");
	get(h, "/redirect-to?url=ftp://127.0.0.1/x", &g);
	is_int(g.result, HTTP_REFUSED, "redirect to ftp:// refused");

	memset(&req, 0, sizeof req);
	req.url = "file:///etc/passwd";
	got_clear(&g);
	http_request(h, &req, done_cb, &g);
	ok(!g.done, "callback never runs inside http_request");
	run_until(&g.done);
	is_int(g.result, HTTP_REFUSED, "file:// URL refused (%s)", g.error);

	fixture_write(&fix, "moved.xml", "<rss/>\n");
	get(h, "/redirect/2?code=301&final=/files/moved.xml", &g);
	want = url("127.0.0.1", "/files/moved.xml");
	is_int(g.result, HTTP_OK, "301 chain followed");
	is_str(g.moved_to, want, "moved_to is the permanent target");
	free(want);
	get(h, "/redirect/1?code=308", &g);
	want = url("127.0.0.1", "/redirect/0?code=308");
	is_str(g.moved_to, want, "308 is permanent too");
	free(want);
	got_clear(&g);
}

static void
test_address_rule(void)
{
	struct http_limits	 lim = { 0 };
	struct http_request	 req = { 0 };
	struct got		 g = { 0 };
	struct http		*h;
	char			*u;

	lim.proxy = "";
	h = http_new(base, &lim);
	req.from_network = 1;
	fetch(h, &req, "/files/feed.xml", &g);
	is_int(g.result, HTTP_REFUSED, "from_network to 127.0.0.1 refused");
	ok(g.error != NULL && strstr(g.error, "127.0.0.1") != NULL &&
	    strstr(g.error, "allow_private") != NULL, "clear error: %s", g.error);

	got_clear(&g);
	u = url("localhost", "/files/feed.xml");
	req.url = u;
	http_request(h, &req, done_cb, &g);
	run_until(&g.done);
	is_int(g.result, HTTP_REFUSED, "from_network to localhost refused (%s)", g.error);
	free(u);

	req.from_network = 0;
	fetch(h, &req, "/files/feed.xml", &g);
	is_int(g.result, HTTP_OK, "configuration URL to 127.0.0.1 allowed");
	/* the connection of that fetch is now in curl's pool */
	req.from_network = 1;
	fetch(h, &req, "/files/feed.xml", &g);
	is_int(g.result, HTTP_REFUSED, "a reused connection is checked too (%s)",
	    g.error);
	req.from_network = 0;
	fetch(h, &req, "/redirect-to?url=/files/feed.xml", &g);
	is_int(g.result, HTTP_OK, "configuration URL redirected on the same host");

	lim.allow_private = 1;
	http_set_limits(h, &lim);
	req.from_network = 1;
	fetch(h, &req, "/files/feed.xml", &g);
	is_int(g.result, HTTP_OK, "allow_private lifts the rule");
	http_free(h);
	got_clear(&g);
}

/* Parse an address into a sockaddr and ask the address rule. */
static int
priv(const char *text)
{
	struct sockaddr_storage	 ss;
	struct sockaddr_in	*s4 = (struct sockaddr_in *)&ss;
	struct sockaddr_in6	*s6 = (struct sockaddr_in6 *)&ss;

	memset(&ss, 0, sizeof ss);
	if (inet_pton(AF_INET, text, &s4->sin_addr) == 1)
		s4->sin_family = AF_INET;
	else if (inet_pton(AF_INET6, text, &s6->sin6_addr) == 1)
		s6->sin6_family = AF_INET6;
	else
		return -1;
	return http_addr_private((struct sockaddr *)&ss);
}

static void
test_addresses(void)
{
	const char	*refused[] = { "127.0.0.1", "127.1.2.3", "10.0.0.1",
	    "172.16.0.1", "172.31.255.255", "192.168.1.1", "169.254.169.254",
	    "0.0.0.0", "100.64.0.1", "::1", "::", "fe80::1", "fc00::1", "fd12::1",
	    "::ffff:127.0.0.1", "::ffff:10.0.0.1", "64:ff9b::a00:1", "224.0.0.1" };
	const char	*allowed[] = { "8.8.8.8", "172.32.0.1", "172.15.0.1",
	    "192.169.0.1", "1.1.1.1", "2a00:1450:4001::1", "2606:4700::1111",
	    "::ffff:8.8.8.8" };
	size_t		 i;

	for (i = 0; i < sizeof refused / sizeof refused[0]; i++)
		is_int(priv(refused[i]), 1, "address rule refuses %s", refused[i]);
	for (i = 0; i < sizeof allowed / sizeof allowed[0]; i++)
		is_int(priv(allowed[i]), 0, "address rule allows %s", allowed[i]);
}

/* Completion callback for the concurrency test: count and watch the caps. */
static void
count_cb(const struct http_response *r, void *arg)
{
	int	*counts = arg;

	counts[0]++;
	if (r->result == HTTP_OK)
		counts[1]++;
}

/* The largest "inflight" the server logged for a Host, and the request count. */
static int
log_max_inflight(const char *host, int *n)
{
	FILE	*fp = fopen(fix.log, "r");
	char	 line[8192], want[128], *p;
	int	 max = 0, v;

	*n = 0;
	snprintf(want, sizeof want, "\"host\": \"%s\"", host);
	while (fp != NULL && fgets(line, sizeof line, fp) != NULL) {
		if (strstr(line, want) == NULL || strstr(line, "/slow-headers") == NULL)
			continue;
		(*n)++;
		if ((p = strstr(line, "\"inflight\": ")) != NULL &&
		    (v = atoi(p + 12)) > max)
			max = v;
	}
	if (fp != NULL)
		fclose(fp);
	return max;
}

static void
test_concurrency(void)
{
	struct http_limits	 lim = { 0 };
	struct http_request	 req = { 0 };
	struct http		*h;
	int			 counts[2] = { 0, 0 }, i, n, max;
	char			*u, host[64], path[64];

	lim.proxy = "";
	lim.max_per_host = 2;
	lim.max_transfers = 3;
	h = http_new(base, &lim);
	for (i = 0; i < 14; i++) {
		snprintf(path, sizeof path, "/slow-headers?delay=0.2&i=%d", i);
		u = url(i % 3 == 2 ? "localhost" : "127.0.0.1", path);
		req.url = u;
		http_request(h, &req, count_cb, counts);
		free(u);
	}
	is_int(http_queued(h), 14, "all 14 queued, none started synchronously");
	max = 0;
	while (counts[0] < 14) {
		event_base_loop(base, EVLOOP_ONCE);
		if (http_running(h) > max)
			max = http_running(h);
	}
	is_int(counts[1], 14, "every queued request completed with 200");
	ok(max <= 3, "never more than max_transfers running (%d)", max);
	snprintf(host, sizeof host, "127.0.0.1:%d", fix.port);
	max = log_max_inflight(host, &n);
	is_int(n, 10, "server saw 10 requests for 127.0.0.1");
	ok(max == 2, "at most max_per_host (2) in flight at the server, reached (%d)",
	    max);
	snprintf(host, sizeof host, "localhost:%d", fix.port);
	max = log_max_inflight(host, &n);
	is_int(n, 4, "server saw 4 requests for localhost");
	ok(max >= 1 && max <= 2, "localhost within its own cap (%d)", max);
	http_free(h);
}

static void
test_errors(struct http *h)
{
	struct got	 g = { 0 };
	char		*u;

	get(h, "/status/500", &g);
	is_int(g.result, HTTP_STATUS, "500 is a status result");
	is_int(g.status, 500, "status 500");
	is_int(g.retry_after, -1, "no Retry-After");
	get(h, "/status/429?ra=7", &g);
	is_int(g.status, 429, "429");
	is_int(g.retry_after, 7, "Retry-After in seconds");
	get(h, "/status/503?ra_date=100", &g);
	ok(g.retry_after >= 97 && g.retry_after <= 101,
	    "Retry-After as an HTTP date (%lld s)", (long long)g.retry_after);
	get(h, "/status/410", &g);
	is_int(g.status, 410, "410");
	get(h, "/reset", &g);
	is_int(g.result, HTTP_NETWORK, "connection reset: network error (%s)", g.error);
	ok(g.error != NULL && g.error[0] != '\0', "error text");
	get(h, "/status/200", &g);
	is_int(g.result, HTTP_OK, "the next request on the same host works");

	got_clear(&g);
	u = xstrdup("http://127.0.0.1:1/");
	{
		struct http_request req = { 0 };

		req.url = u;
		http_request(h, &req, done_cb, &g);
		run_until(&g.done);
	}
	is_int(g.result, HTTP_NETWORK, "closed port: network error (%s)", g.error);
	free(u);
	got_clear(&g);
}

static void
test_headers(struct http *h)
{
	struct http_request	 req = { 0 };
	struct got		 g = { 0 };
	const char		*hdrs[] = { "X-Test: yes", "Accept: application/rss+xml" };

	req.headers = hdrs;
	req.nheaders = 2;
	fetch(h, &req, "/echo", &g);
	is_int(g.result, HTTP_OK, "echo");
	ok(strstr(g.body, "\"X-Test\": \"yes\"") != NULL, "custom header sent");
	ok(strstr(g.body, "\"Accept\": \"application/rss+xml\"") != NULL,
	    "Accept overridden");
	ok(strstr(g.body, "newswatch/") != NULL, "User-Agent names newswatch");
	ok(strstr(g.body, "Accept-Encoding") != NULL &&
	    strstr(g.body, "gzip") != NULL, "Accept-Encoding offers gzip");

	memset(&req, 0, sizeof req);
	fetch(h, &req, "/auth?user=user&pass=secret", &g);
	is_int(g.status, 401, "no credentials: 401");
	req.username = "user";
	req.password = "wrong";
	fetch(h, &req, "/auth?user=user&pass=secret", &g);
	is_int(g.status, 401, "wrong password: 401");
	req.password = "secret";
	fetch(h, &req, "/auth?user=user&pass=secret", &g);
	is_int(g.status, 200, "HTTP authentication answers the challenge");
	got_clear(&g);
}

struct easy_done {
	int		 done;
	CURLcode	 rc;
	size_t		 len;
};

static size_t
easy_write_cb(char *d, size_t s, size_t n, void *arg)
{
	struct easy_done	*e = arg;

	(void)d;
	e->len += s * n;
	return s * n;
}

static void
easy_cb(CURL *easy, CURLcode rc, const char *error, void *arg)
{
	struct easy_done	*e = arg;

	(void)error;
	e->done = 1;
	e->rc = rc;
	curl_easy_cleanup(easy);
}

static void
test_transfer_add(struct http *h)
{
	struct easy_done	 e = { 0 };
	CURL			*easy = curl_easy_init();
	char			*u = url("127.0.0.1", "/echo");

	curl_easy_setopt(easy, CURLOPT_URL, u);
	curl_easy_setopt(easy, CURLOPT_WRITEFUNCTION, easy_write_cb);
	curl_easy_setopt(easy, CURLOPT_WRITEDATA, &e);
	curl_easy_setopt(easy, CURLOPT_PROXY, "");
	http_transfer_add(h, easy, easy_cb, &e);
	run_until(&e.done);
	is_int(e.rc, CURLE_OK, "transfer_add: caller's easy handle completes");
	ok(e.len > 0, "its write callback got the body (%zu bytes)", e.len);
	free(u);
}

static int	stopped;

static void
stopped_cb(void *arg)
{
	(void)arg;
	stopped = 1;
}

static void
test_cancel_shutdown(void)
{
	struct http_limits	 lim = { 0 };
	struct http_request	 req = { 0 };
	struct got		 a = { 0 }, b = { 0 }, c = { 0 }, d = { 0 };
	struct http		*h;
	struct timeval		 t0;
	uint64_t		 id;
	char			*u = url("127.0.0.1", "/slow-headers?delay=3");

	lim.proxy = "";
	lim.max_per_host = 2;
	h = http_new(base, &lim);
	req.url = u;
	id = http_request(h, &req, done_cb, &a);
	http_cancel(h, id);
	run_until(&a.done);
	is_int(a.result, HTTP_CANCELLED, "cancelled while queued");

	http_request(h, &req, done_cb, &b);
	http_request(h, &req, done_cb, &c);
	http_request(h, &req, done_cb, &d);
	while (http_running(h) < 2)
		event_base_loop(base, EVLOOP_ONCE);
	gettimeofday(&t0, NULL);
	http_shutdown(h, 300, stopped_cb, NULL);
	run_until(&stopped);
	ok(stopped, "shutdown completed");
	ok(elapsed_ms(&t0) < 2000, "within the grace bound (%ld ms)", elapsed_ms(&t0));
	ok(b.done && c.done && d.done, "every transfer got its callback");
	is_int(d.result, HTTP_CANCELLED, "the queued one was cancelled");
	is_int(b.result, HTTP_CANCELLED, "running ones aborted after the grace");
	http_request(h, &req, done_cb, &a);
	got_clear(&a);
	run_until(&a.done);
	is_int(a.result, HTTP_CANCELLED, "requests after shutdown are refused");
	http_free(h);
	got_clear(&a);
	got_clear(&b);
	got_clear(&c);
	got_clear(&d);
	free(u);
}

int
main(void)
{
	struct http_limits	 lim = { 0 };
	struct http		*h;
	char			*key, *cause = NULL;

	log_init("test-http", LOG_LEVEL_WARN);
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != 0)
		skip_all("curl_global_init failed");
	if (fixture_start(&fix, 120) != 0)
		skip_all("cannot start the fixture server");
	base = event_base_new();

	key = http_host_key("HTTP://WWW.Example.ORG/a", &cause);
	is_str(key, "www.example.org:80", "host key: lower case, default port");
	free(key);
	key = http_host_key("https://example.org:8443/", &cause);
	is_str(key, "example.org:8443", "host key with a port");
	free(key);
	key = http_host_key("gopher://example.org/", &cause);
	ok(key == NULL && cause != NULL, "gopher refused: %s", cause);
	free(cause);

	test_concurrency();		/* first: no slow request of another test in flight */
	lim.proxy = "";
	lim.allow_private = 1;
	h = http_new(base, &lim);
	test_conditional(h);
	test_time_limits(h);
	test_size_limits(h);
	test_redirects(h);
	test_errors(h);
	test_headers(h);
	test_transfer_add(h);
	http_free(h);
	test_address_rule();
	test_addresses();
	test_cancel_shutdown();

	event_base_free(base);
	fixture_stop(&fix);
	curl_global_cleanup();
	return done_testing();
}
