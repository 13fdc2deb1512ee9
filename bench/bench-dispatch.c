/*
 * bench-dispatch: alerts through the whole alert path — watch_article queues an
 * outbox row in the article's transaction, the dispatcher (notify part) reads it,
 * builds the alert from the store and sends it through webhook.so to the test
 * receiver on 127.0.0.1 — measured two ways:
 *   burst: N stories stored at once; alerts delivered per second;
 *   paced: M stories stored at R per second; the time from each story's commit
 *          to the receiver accepting its alert (median, p99, max).
 * `make bench-dispatch` runs bench-webhook first: its plugin-only figures (no
 * store, no outbox) are the baseline on the same receiver.
 *
 * usage: bench-dispatch PLUGIN_DIR RECEIVER_PY [N [M [R]]]
 */
#include "config.h"

#include <sys/time.h>
#include <sys/wait.h>

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <curl/curl.h>
#include <event2/event.h>
#include <jansson.h>

#include "../tests/alerts-fixture.h"
#include "../tests/peer.h"
#include "conf.h"
#include "daemon.h"
#include "log.h"
#include "notify.h"
#include "notify_dispatch.h"
#include "store.h"
#include "watch_part.h"
#include "xmalloc.h"

static struct daemon d;
static struct event *tick;
static int target, stored, paced_total, entry_off;
static double *stored_at;		/* by story id, seconds */
static int64_t story_base;
static double pace_start, all_stored;
static int pace_rate;

/* Seconds now. */
static double
now_s(void)
{
	struct timeval tv;

	gettimeofday(&tv, NULL);
	return tv.tv_sec + tv.tv_usec / 1e6;
}

/* Start the receiver; its pid (-1 if it did not start), *port set. */
static pid_t
receiver(const char *py, const char *script, const char *log, int *port)
{
	char	*argv[] = { (char *)py, (char *)script, "--log", (char *)log,
	    "--lifetime", "600", NULL };

	return peer_start(argv, port);
}

/* Store one story (one transaction), noting when it was committed. */
static void
store_one(int i)
{
	char entry[32], title[96];
	int64_t story;

	snprintf(entry, sizeof entry, "e%d", entry_off + i);
	snprintf(title, sizeof title, "Benchword story number %d", entry_off + i);
	story = fx_ingest(&d, "a", entry, title, "The text of the story.", 0, 1);
	stored_at[story - story_base] = now_s();
	stored++;
}

/* Poll the counters; store the next paced stories. */
static void
tick_cb(evutil_socket_t fd, short ev, void *arg)
{
	struct notify_stats st;
	struct timeval tv = { 0, 1000 };

	while (stored < paced_total && stored < (now_s() - pace_start) * pace_rate)
		if ((store_one(stored), stored) == paced_total)
			all_stored = now_s();
	notify_stats(&d, &st);
	if ((int)st.delivered >= target) {
		event_base_loopbreak(d.base);
		return;
	}
	evtimer_add(tick, &tv);
}

/* Order doubles. */
static int
cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* Latencies of the receiver's records of stories from first on. */
static void
latencies(const char *log, int64_t first, int count)
{
	double *lat = xcalloc(count, sizeof *lat), t;
	char line[65536], id[NOTIFY_ID_LEN + 1];
	json_t *r, *body;
	FILE *f = fopen(log, "r");
	int n = 0;

	while (f != NULL && fgets(line, sizeof line, f) != NULL) {
		if ((r = json_loads(line, 0, NULL)) == NULL)
			continue;
		body = json_loads(json_string_value(json_object_get(r, "body")), 0,
		    NULL);
		t = json_real_value(json_object_get(r, "time"));
		for (int64_t s = first; s < first + count && body != NULL; s++) {
			notify_delivery_id(s, "bench", "hook", id);
			if (strcmp(id, json_string_value(json_object_get(body,
			    "delivery_id")) ?: "") == 0 && n < count)
				lat[n++] = (t - stored_at[s - story_base]) * 1000;
		}
		json_decref(body);
		json_decref(r);
	}
	if (f != NULL)
		fclose(f);
	qsort(lat, n, sizeof *lat, cmp);
	if (n > 0)
		printf("  stored -> at the receiver (%d alerts): median %.1f ms, p99 %.1f ms,"
		    " max %.1f ms\n", n, lat[n / 2], lat[(n * 99) / 100 > n - 1 ?
		    n - 1 : (n * 99) / 100], lat[n - 1]);
	free(lat);
}

/* The configuration. */
static struct conf *
config(const char *dir, const char *plugins, int port)
{
	char *text, *errors;
	struct conf *c;

	xasprintf(&text,
	    "daemon = { state_dir = \"%s\"; plugin_dir = \"%s\"; };\n"
	    "sources = ( { name = \"a\"; url = \"https://a.example/\"; } );\n"
	    "watchlists = ( { name = \"bench\"; query = \"benchword\";"
	    " notify = [\"hook\"]; } );\n"
	    "notifiers = ( { name = \"hook\"; plugin = \"webhook\";"
	    " url = \"http://127.0.0.1:%d/bench\"; } );\n", dir, plugins, port);
	if ((c = conf_load_string(text, "bench.conf", &errors)) == NULL)
		fatalx("%s", errors);
	free(text);
	return c;
}

/* Run the loop until target alerts are delivered. */
static double
run(int total, int rate)
{
	struct timeval tv = { 0, 0 };
	double t0 = now_s();

	paced_total = total;
	pace_rate = rate;
	pace_start = t0;
	evtimer_add(tick, &tv);
	event_base_dispatch(d.base);
	return now_s() - t0;
}

int
main(int argc, char **argv)
{
	char dir[] = "/tmp/bench-dispatch.XXXXXX", *db, *log, *cause, *cmd;
	const char *py = getenv("PYTHON3") ? getenv("PYTHON3") : "/usr/bin/python3";
	int n, m, rate, port;
	double secs;
	pid_t pid;

	if (argc < 3)
		fatalx("usage: bench-dispatch PLUGIN_DIR RECEIVER_PY [N [M [R]]]");
	n = argc > 3 ? atoi(argv[3]) : 2000;
	m = argc > 4 ? atoi(argv[4]) : 500;
	rate = argc > 5 ? atoi(argv[5]) : 100;
	log_init("bench-dispatch", LOG_LEVEL_WARN);
	curl_global_init(CURL_GLOBAL_DEFAULT);
	if (mkdtemp(dir) == NULL)
		fatal("mkdtemp");
	xasprintf(&log, "%s/log", dir);
	pid = receiver(py, argv[2], log, &port);
	d.conf = config(dir, argv[1], port);
	d.base = event_base_new();
	xasprintf(&db, "%s/newswatch.db", dir);
	if ((d.store = store_open(db, &cause)) == NULL ||
	    store_sync_sources(d.store, d.conf, &cause) == -1 ||
	    watch_part.start(&d, &cause) == -1 || notify_part.start(&d, &cause) == -1)
		fatalx("%s", cause);
	tick = evtimer_new(d.base, tick_cb, NULL);
	stored_at = xcalloc(n + m + 1, sizeof *stored_at);
	story_base = 1;

	printf("dispatcher, burst: %d stories stored at once\n", n);
	target = n;
	secs = run(n, 1000000000);
	printf("  stored in %.2f s (one transaction each); all %d delivered %.2f s"
	    " after the last commit: %.0f alerts/s\n", all_stored - pace_start, n,
	    pace_start + secs - all_stored, n / (pace_start + secs - all_stored));
	latencies(log, 1, n);

	printf("dispatcher, paced: %d stories at %d/s\n", m, rate);
	stored = 0;
	entry_off = n;
	target = n + m;
	secs = run(m, rate);
	printf("  %d alerts delivered in %.2f s\n", m, secs);
	latencies(log, n + 1, m);

	notify_part.free(&d);
	watch_part.free(&d);
	event_free(tick);
	store_close(d.store);
	conf_free(d.conf);
	event_base_free(d.base);
	kill(pid, SIGTERM);
	waitpid(pid, NULL, 0);
	xasprintf(&cmd, "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		log_warnx("cannot remove %s", dir);
	free(cmd);
	free(db);
	free(log);
	free(stored_at);
	curl_global_cleanup();
	return 0;
}
