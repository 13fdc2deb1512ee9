/*
 * bench-webhook: alerts per second and latency through the plugin host and the
 * real webhook.so (JSON payload, Standard Webhooks signature) to the test
 * receiver on 127.0.0.1, against a baseline of bare libcurl POSTs of a same-sized
 * body on the same multi handle and receiver.
 *
 * usage: bench-webhook PLUGIN_DIR RECEIVER_PY [N [CONCURRENCY]]
 */
#include "../src/plugins/webhook.c"

#include <sys/time.h>
#include <sys/wait.h>

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../tests/curl-backend.h"
#include "../tests/peer.h"
#include "log.h"
#include "plugin.h"
#include "xmalloc.h"

#define SECRET	"whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"

struct run {
	int			 n, conc, started, finished, failed;
	int64_t			*lat;		/* microseconds per alert */
	int64_t			*t0;
	struct plugin_notifier	*notifier;	/* NULL: baseline */
	struct curl_backend	*cb;
	struct plugin_backend	*be;
	char			*url;
};

struct job {
	struct run	*run;
	int		 i;
};

static struct event_base	*base;
static const char		 raw_body[] = "{\"version\":1,\"type\":\"article\","
    "\"delivery_id\":\"0123456789abcdef0123456789abcdef0123456789abcdef0123456789"
    "abcdef\",\"title\":\"Election results are in\",\"url\":\"http://news.example"
    "/a\",\"source\":\"News\",\"summary\":\"A summary of the article.\"}";

static void bench_start(struct run *);

/* Microseconds now. */
static int64_t
usec(void)
{
	struct timeval	tv;

	gettimeofday(&tv, NULL);
	return (int64_t)tv.tv_sec * 1000000 + tv.tv_usec;
}

/* One alert finished. */
static void
finish(struct run *r, int i, int ok)
{
	r->lat[i] = usec() - r->t0[i];
	r->failed += !ok;
	if (++r->finished == r->n)
		event_base_loopbreak(base);
	else
		bench_start(r);
}

/* A plugin send finished. */
static void
send_done_cb(const struct nw_send_result *res, void *arg)
{
	struct job	*j = arg;

	finish(j->run, j->i, res->status == NW_SEND_OK);
	free(j);
}

/* A baseline POST finished. */
static void
raw_done_cb(CURL *easy, CURLcode rc, void *arg)
{
	struct job	*j = arg;
	long		 code = 0;

	curl_easy_getinfo(easy, CURLINFO_RESPONSE_CODE, &code);
	curl_easy_cleanup(easy);
	finish(j->run, j->i, rc == CURLE_OK && code == 200);
	free(j);
}

/* Discard a response body. */
static size_t
discard_cb(char *p, size_t s, size_t n, void *arg)
{
	return s * n;
}

/* Start the next alert of a run. */
static void
bench_start(struct run *r)
{
	static const char	*terms[] = { "election" };
	struct nw_alert		 a = { .kind = NW_ALERT_ARTICLE, .notifier = "b",
	    .title = "Election results are in", .url = "http://news.example/a",
	    .source = "News", .summary = "A summary of the article.",
	    .terms = terms, .nterms = 1, .published = 1700000000 };
	struct job		*j;
	char			 id[65];
	CURL			*easy;

	if (r->started == r->n)
		return;
	j = xcalloc(1, sizeof *j);
	j->run = r;
	j->i = r->started++;
	r->t0[j->i] = usec();
	if (r->notifier != NULL) {
		snprintf(id, sizeof id, "%064d", j->i);
		a.delivery_id = id;
		plugin_send(r->notifier, &a, send_done_cb, j);
		return;
	}
	easy = curl_easy_init();
	curl_easy_setopt(easy, CURLOPT_URL, r->url);
	curl_easy_setopt(easy, CURLOPT_POSTFIELDS, raw_body);
	curl_easy_setopt(easy, CURLOPT_WRITEFUNCTION, discard_cb);
	r->be->transfer_add(r->be->ctx, r, easy, raw_done_cb, j);
}

/* CPU cost of building and signing one payload, in-process. */
static void
bench_payload(int n)
{
	static const char	*terms[] = { "election", "vote" };
	struct nw_alert_source	 also[] = { { "Wire", "http://wire.example/a" } };
	struct nw_alert		 a = { .kind = NW_ALERT_ARTICLE, .notifier = "b",
	    .delivery_id = "0123456789abcdef0123456789abcdef0123456789abcdef01234567"
	    "89abcdef", .title = "Election results are in", .url =
	    "http://news.example/a", .source = "News", .summary = "A summary of the "
	    "article, a sentence or two long, as feeds give them.", .snippet =
	    "\xe2\x80\xa6the election results are in\xe2\x80\xa6", .terms = terms,
	    .nterms = 2, .also = also, .nalso = 1, .published = 1700000000 };
	struct webhook		 wh = { .format = FMT_JSON };
	unsigned char		 key[WH_KEY_MAX];
	const char		*why;
	size_t			 keylen;
	char			*body, *sig;
	int64_t			 t;
	int			 i, f;

	keylen = parse_secret(SECRET, key, sizeof key, &why);
	for (f = FMT_JSON; f <= FMT_NTFY; f++) {
		wh.format = f;
		wh.topic = "t";
		t = usec();
		for (i = 0; i < n; i++) {
			body = payload(&wh, &a);
			sig = sign(key, keylen, a.delivery_id, 1700000000, body,
			    strlen(body));
			free(body);
			free(sig);
		}
		t = usec() - t;
		printf("payload+signature %-10s %8.2f us/alert\n", formats[f],
		    (double)t / n);
	}
}

/* Compare latencies. */
static int
cmp(const void *a, const void *b)
{
	int64_t	x = *(const int64_t *)a, y = *(const int64_t *)b;

	return x < y ? -1 : x > y;
}

/* Run n alerts, conc at a time, and print the figures. */
static void
bench(const char *label, struct run *r)
{
	int64_t	t;
	int	i;

	r->started = r->finished = r->failed = 0;
	r->lat = xcalloc(r->n, sizeof *r->lat);
	r->t0 = xcalloc(r->n, sizeof *r->t0);
	t = usec();
	for (i = 0; i < r->conc; i++)
		bench_start(r);
	event_base_dispatch(base);
	t = usec() - t;
	qsort(r->lat, r->n, sizeof *r->lat, cmp);
	printf("%-28s %6d alerts  %8.0f alerts/s  median %6.2f ms  p99 %6.2f ms  "
	    "failed %d\n", label, r->n, r->n / (t / 1e6), r->lat[r->n / 2] / 1e3,
	    r->lat[r->n * 99 / 100] / 1e3, r->failed);
	free(r->lat);
	free(r->t0);
}

/* Start the receiver; its pid (-1 if it did not start), *port set. */
static pid_t
receiver(const char *py, const char *script, const char *log, int *port)
{
	char	*argv[] = { (char *)py, (char *)script, "--log", (char *)log,
	    "--secret", SECRET, "--lifetime", "600", NULL };

	return peer_start(argv, port);
}

int
main(int argc, char **argv)
{
	struct plugin_backend	 be;
	struct plugins		*ps;
	struct run		 r;
	config_t		 cfg;
	char			*text, *cause = NULL, dir[] = "/tmp/bench-wh.XXXXXX", *log;
	const char		*py;
	int			 port;
	pid_t			 pid;

	if (argc < 3)
		fatalx("usage: bench-webhook PLUGIN_DIR RECEIVER_PY [N [CONC]]");
	log_init("bench-webhook", LOG_LEVEL_WARN);
	py = getenv("PYTHON3") ? getenv("PYTHON3") : "/usr/bin/python3";
	if (mkdtemp(dir) == NULL)
		fatal("mkdtemp");
	xasprintf(&log, "%s/log", dir);
	if ((pid = receiver(py, argv[2], log, &port)) == -1 || port == 0)
		fatalx("cannot start the receiver");
	memset(&r, 0, sizeof r);
	r.n = argc > 3 ? atoi(argv[3]) : 2000;
	r.conc = argc > 4 ? atoi(argv[4]) : 8;
	base = event_base_new();
	r.cb = curl_backend_new(base);
	curl_backend_fill(r.cb, &be);
	r.be = &be;
	xasprintf(&r.url, "http://127.0.0.1:%d/bench", port);
	xasprintf(&text, "n = { url = \"%s\"; secret_env = \"BENCH_SECRET\"; };",
	    r.url);
	setenv("BENCH_SECRET", SECRET, 1);
	config_init(&cfg);
	if (!config_read_string(&cfg, text))
		fatalx("config");
	ps = plugins_new(argv[1], &be, 30000);
	r.notifier = plugin_notifier_new(ps, "bench", "webhook",
	    config_lookup(&cfg, "n"), NULL, &cause);
	if (r.notifier == NULL)
		fatalx("%s", cause);
	printf("concurrency %d, receiver: Python ThreadingHTTPServer (verifies and "
	    "logs every request)\n", r.conc);
	{
		struct plugin_notifier *n = r.notifier;

		int k;

		for (k = 0; k < 2; k++) {
			r.notifier = NULL;
			bench("baseline: bare libcurl POST", &r);
			r.notifier = n;
			bench("webhook.so, signed JSON", &r);
		}
	}
	bench_payload(20000);
	plugins_free(ps);
	curl_backend_free(r.cb);
	event_base_free(base);
	config_destroy(&cfg);
	kill(pid, SIGTERM);
	waitpid(pid, NULL, 0);
	unlink(log);
	rmdir(dir);
	free(log);
	free(text);
	free(r.url);
	return 0;
}
