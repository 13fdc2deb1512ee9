/*
 * test-dispatch-digest: digests and rate caps in the dispatcher, on a real event
 * loop with webhook.so and tests/webhook-receiver.py, with the clock under the
 * test's control: a digest per notifier ("1h"), retried whole after a 500; a
 * max_per_hour cap whose excess spills into the next digest; a digest per
 * watchlist through a notify group, next to the same notifier's singles.
 */
#include "config.h"

#include <sys/time.h>
#include <sys/wait.h>

#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>
#include <event2/event.h>
#include <jansson.h>

#include "alerts-fixture.h"
#include "conf.h"
#include "daemon.h"
#include "digest.h"
#include "log.h"
#include "notify.h"
#include "notify_dispatch.h"
#include "store.h"
#include "peer.h"
#include "tap.h"
#include "watch_part.h"
#include "xmalloc.h"

#define SECRET	"whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"

static char *logpath;
static int port;
static struct daemon d;

/* The loop ran too long. */
static void
guard_cb(evutil_socket_t fd, short ev, void *arg)
{
	(void)fd;
	(void)ev;
	(void)arg;
}

/* Start the receiver with the scripted paths; its pid, port set. */
static pid_t
receiver_start(const char *dir)
{
	char	*script = peer_script("webhook-receiver.py");
	char	*argv[] = { (char *)peer_python(), script, "--log", NULL,
	    "--secret", SECRET, "--lifetime", "60",
	    "--script=/dg=500,200",
	    NULL };
	pid_t	 pid;

	xasprintf(&logpath, "%s/log", dir);
	argv[3] = logpath;
	pid = peer_start(argv, &port);
	free(script);
	return pid;
}

/* The receiver's records for a path, in order. */
static size_t
records(const char *path, json_t **out, size_t max)
{
	return peer_records(logpath, path, out, max);
}



static int64_t delta;		/* seconds the test clock is ahead */

/* The test clock: real time shifted by delta. */
static int64_t
clock_ms(void)
{
	struct timeval tv;

	gettimeofday(&tv, NULL);
	return (tv.tv_sec + delta) * 1000 + tv.tv_usec / 1000;
}

/* The same in seconds, for watch_article. */
static int64_t
clock_s(void)
{
	return clock_ms() / 1000;
}

/* The configuration: a digest per notifier, a cap, a digest per watchlist. */
static struct conf *
config(const char *dir)
{
	const char *top = getenv("top_builddir") ? getenv("top_builddir") : ".";
	char *text, *errors;
	struct conf *c;

	xasprintf(&text,
	    "daemon = { state_dir = \"%s\"; plugin_dir = \"%s/src/plugins/.libs\";\n"
	    "  retry_min = \"1s\"; retry_max = \"2s\"; };\n"
	    "sources = ( { name = \"a\"; url = \"https://a.example/\"; } );\n"
	    "watchlists = (\n"
	    "  { name = \"w-dg\"; query = \"dgword\"; notify = [\"dg\"]; },\n"
	    "  { name = \"w-cap\"; query = \"capword\"; notify = [\"cap\"]; },\n"
	    "  { name = \"w-grp\"; query = \"grpword\";\n"
	    "    notify = ( { notifier = \"plain\"; digest = \"1h\"; } ); },\n"
	    "  { name = \"w-plain\"; query = \"plainword\"; notify = [\"plain\"]; } );\n"
	    "notifiers = (\n"
	    "  { name = \"dg\"; plugin = \"webhook\"; url = \"http://127.0.0.1:%d/dg\";"
	    " digest = \"1h\"; },\n"
	    "  { name = \"cap\"; plugin = \"webhook\"; url = \"http://127.0.0.1:%d/cap\";"
	    " max_per_hour = 2; },\n"
	    "  { name = \"plain\"; plugin = \"webhook\"; url = \"http://127.0.0.1:%d/plain\"; } );\n",
	    dir, top, port, port, port);
	if ((c = conf_load_string(text, "digest.conf", &errors)) == NULL)
		fatalx("config: %s", errors);
	free(text);
	return c;
}

/* A count from SQL. */
static int
count(const char *sql)
{
	sqlite3_stmt *st;
	int n = -1;

	sqlite3_prepare_v2(store_db(d.store), sql, -1, &st, NULL);
	if (sqlite3_step(st) == SQLITE_ROW)
		n = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	return n;
}

/* Run the loop until a count query gives want, at most secs seconds. */
static int
run_until(const char *sql, int want, int secs)
{
	struct timeval tv = { secs, 0 };
	struct event *guard = evtimer_new(d.base, guard_cb, NULL);

	evtimer_add(guard, &tv);
	while (count(sql) != want && evtimer_pending(guard, NULL))
		event_base_loop(d.base, EVLOOP_ONCE);
	event_free(guard);
	return count(sql) == want;
}

/* The body of a record, parsed. */
static json_t *
body_of(json_t *r)
{
	return json_loads(json_string_value(json_object_get(r, "body")), 0, NULL);
}

/* Check one digest request: type, count, id, watchlist. */
static void
check_digest(json_t *r, const char *what, size_t count_want, const char *id,
    const char *wl)
{
	json_t *b = body_of(r);

	is_str(json_string_value(json_object_get(b, "type")), "digest",
	    "%s: a digest", what);
	is_int(json_integer_value(json_object_get(b, "count")), count_want,
	    "%s: %zu alerts in it", what, count_want);
	is_int(json_array_size(json_object_get(b, "alerts")), count_want,
	    "%s: %zu alerts listed", what, count_want);
	is_str(json_string_value(json_object_get(b, "delivery_id")), id,
	    "%s: the digest's id", what);
	is_str(json_string_value(json_object_get(b, "watchlist")), wl,
	    "%s: watchlist %s (the only one in it)", what, wl ? wl : "(none)");
	json_decref(b);
}

int
main(void)
{
	char dir[] = "/tmp/test-dispatch-digest.XXXXXX", *db, *cause, *cmd;
	char id[NOTIFY_ID_LEN + 1];
	json_t *r[8];
	size_t n;
	int64_t w;
	pid_t pid;

	log_init("test-dispatch-digest", LOG_LEVEL_WARN);
	curl_global_init(CURL_GLOBAL_DEFAULT);
	/* the clock 100 s into an hour, an hour or so ahead of real time */
	delta = 3600 - (time(NULL) % 3600) + 100;
	notify_clock_fn = clock_ms;
	watch_now_fn = clock_s;
	w = clock_s() - clock_s() % 3600;
	if (mkdtemp(dir) == NULL || (pid = receiver_start(dir)) == -1)
		fatalx("cannot start the receiver");
	memset(&d, 0, sizeof d);
	d.conf = config(dir);
	d.base = event_base_new();
	xasprintf(&db, "%s/newswatch.db", dir);
	if ((d.store = store_open(db, &cause)) == NULL ||
	    store_sync_sources(d.store, d.conf, &cause) == -1 ||
	    watch_part.start(&d, &cause) == -1 || notify_part.start(&d, &cause) == -1)
		fatalx("%s", cause);
	for (int i = 0; i < 3; i++)
		fx_ingest(&d, "a", (char *[]){ "d0", "d1", "d2" }[i],
		    (char *[]){ "dgword 0", "dgword 1", "dgword 2" }[i], "T.", 0, 1);
	for (int i = 0; i < 4; i++)
		fx_ingest(&d, "a", (char *[]){ "c0", "c1", "c2", "c3" }[i],
		    (char *[]){ "capword 0", "capword 1", "capword 2", "capword 3" }[i],
		    "T.", 0, 1);
	fx_ingest(&d, "a", "g0", "grpword 0", "T.", 0, 1);
	fx_ingest(&d, "a", "g1", "grpword 1", "T.", 0, 1);
	fx_ingest(&d, "a", "p0", "plainword 0", "T.", 0, 1);

	/* within the window: singles go, the rest is gathered */
	ok(run_until("SELECT count(*) FROM outbox WHERE state = 'delivered'", 3, 10),
	    "before the window ends: 3 singles delivered (2 capped, 1 plain)");
	ok(run_until("SELECT count(*) FROM outbox WHERE digest_id IS NOT NULL", 7, 10),
	    "7 rows gathered into digests");
	is_int(count("SELECT count(*) FROM outbox WHERE state = 'pending'"), 7,
	    "gathered rows stay pending in the outbox");
	is_int(count("SELECT count(DISTINCT digest_id) FROM outbox"), 3,
	    "three digests: dg, cap's spill, the w-grp group");
	n = records("/dg", r, 8);
	is_int(n, 0, "nothing sent to the digest notifier yet");
	peer_records_free(r, n);

	/* the window ends */
	delta += 3600;
	notify_kick(&d);
	ok(run_until("SELECT count(*) FROM outbox WHERE state = 'delivered'", 10, 15),
	    "after the window: every row delivered");

	n = records("/dg", r, 8);
	is_int(n, 2, "dg: the digest failed once (500) and was retried");
	digest_id("dg", NULL, w, id);
	if (n == 2) {
		check_digest(r[0], "dg first try", 3, id, "w-dg");
		check_digest(r[1], "dg retried whole", 3, id, "w-dg");
		is_int(json_integer_value(json_object_get(r[1], "status")), 200,
		    "dg: the retry accepted");
	}
	peer_records_free(r, n);
	is_int(count("SELECT count(*) FROM outbox WHERE notifier = 'dg' AND"
	    " attempts = 2"), 3, "dg: each row counts the two attempts");

	n = records("/cap", r, 8);
	is_int(n, 3, "cap: two singles, then one digest");
	if (n == 3) {
		json_t *b = body_of(r[0]);

		is_str(json_string_value(json_object_get(b, "type")), "article",
		    "cap: first a single");
		json_decref(b);
		digest_id("cap", NULL, w, id);
		check_digest(r[2], "cap spill", 2, id, "w-cap");
	}
	peer_records_free(r, n);

	n = records("/plain", r, 8);
	is_int(n, 2, "plain: its own single, and the w-grp digest");
	digest_id("plain", "w-grp", w, id);
	for (size_t i = 0; i < n; i++) {
		json_t *b = body_of(r[i]);

		if (strcmp(json_string_value(json_object_get(b, "type")), "digest") == 0)
			check_digest(r[i], "w-grp group", 2, id, "w-grp");
		else
			is_str(json_string_value(json_object_get(b, "watchlist")),
			    "w-plain", "plain: the single is w-plain's");
		json_decref(b);
	}
	peer_records_free(r, n);

	notify_part.free(&d);
	watch_part.free(&d);
	store_close(d.store);
	conf_free(d.conf);
	event_base_free(d.base);
	kill(pid, SIGTERM);
	waitpid(pid, NULL, 0);
	free(logpath);
	free(db);
	curl_global_cleanup();
	libevent_global_shutdown();
	xasprintf(&cmd, "rm -rf '%s'", dir);
	if (getenv("KEEP") == NULL && system(cmd) != 0)
		diag("cannot remove %s", dir);
	free(cmd);
	return done_testing();
}
