/*
 * test-dispatch: the outbox dispatcher on a real event loop with the webhook
 * plugin and tests/webhook-receiver.py on 127.0.0.1. Alerts are queued through
 * watch_article on hand-made stories; the receiver's answers are scripted.
 */
#include "config.h"

#include <sys/stat.h>
#include <sys/wait.h>

#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <curl/curl.h>
#include <event2/event.h>
#include <jansson.h>

#include "alerts-fixture.h"
#include "conf.h"
#include "daemon.h"
#include "log.h"
#include "notify.h"
#include "notify_dispatch.h"
#include "store.h"
#include "store_outbox.h"
#include "peer.h"
#include "tap.h"
#include "watch_part.h"
#include "xmalloc.h"

#define SECRET	"whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"

static char *logpath;
static int port;
static struct daemon d;
static struct event *check_ev, *guard_ev, *sight_ev;
static int64_t hold_story;

/* Start the receiver with the scripted paths; its pid, port set. */
static pid_t
receiver_start(const char *dir)
{
	char	*script = peer_script("webhook-receiver.py");
	char	*argv[] = { (char *)peer_python(), script, "--log", NULL,
	    "--secret", SECRET, "--lifetime", "60",
	    "--script=/retry=500,200",
	    "--script=/ra=429:ra=2",
	    "--script=/bad=400",
	    "--script=/slow=200:delay=3",
	    NULL };
	pid_t	 pid;

	xasprintf(&logpath, "%s/log", dir);
	argv[3] = logpath;
	pid = peer_start(argv, &port);
	free(script);
	return pid;
}

/* DIR/plugins: webhook.so and the test plugin hang.so side by side. */
static void
plugin_links(const char *dir)
{
	const char *top = getenv("top_builddir") ? getenv("top_builddir") : ".";
	char *pdir, *from, *to;

	xasprintf(&pdir, "%s/plugins", dir);
	if (mkdir(pdir, 0700) == -1)
		fatal("%s", pdir);
	xasprintf(&from, "%s/src/plugins/.libs/webhook.so", top);
	xasprintf(&to, "%s/webhook.so", pdir);
	if (symlink(from, to) == -1)
		fatal("%s", to);
	free(from);
	free(to);
	xasprintf(&from, "%s/tests/plugins/.libs/hang.so", top);
	xasprintf(&to, "%s/hang.so", pdir);
	if (symlink(from, to) == -1)
		fatal("%s", to);
	free(from);
	free(to);
	free(pdir);
}

/* The configuration: one watchlist and one notifier per case. */
static struct conf *
config(const char *dir, const char *wnotifier, const char *whold)
{
	char *text, *secret, *errors;
	struct conf *c;
	FILE *f;

	xasprintf(&secret, "%s/secret", dir);
	if ((f = fopen(secret, "w")) == NULL)
		fatal("%s", secret);
	fprintf(f, "%s\n", SECRET);
	fclose(f);
	xasprintf(&text,
	    "daemon = { state_dir = \"%s\"; plugin_dir = \"%s/plugins\";\n"
	    "  retry_min = \"1s\"; retry_max = \"2s\"; timeout = \"1s\"; };\n"
	    "sources = ( { name = \"a\"; url = \"https://a.example/\"; },\n"
	    "  { name = \"b\"; url = \"https://b.example/\"; } );\n"
	    "watchlists = (\n"
	    "  { name = \"w-ok\"; query = \"okword\"; notify = [\"ok\"]; },\n"
	    "  { name = \"w-retry\"; query = \"retryword\"; notify = [\"retry\"]; },\n"
	    "  { name = \"w-ra\"; query = \"raword\"; notify = [\"ra\"]; },\n"
	    "  { name = \"w-bad\"; query = \"badword\"; notify = [\"bad\"]; },\n"
	    "  { name = \"w-slow\"; query = \"slowword\"; notify = [\"slow\"]; },\n"
	    "  { name = \"w-hold\"; query = \"holdword\"; notify = [\"held\"]; },\n"
	    "  { name = \"w-hang\"; query = \"hangword\"; notify = [\"hang\"]; },\n"
	    "  { name = \"w-reload\"; query = \"reloadword\"; notify = [\"%s\"]; } );\n"
	    "notifiers = (\n"
	    "  { name = \"ok\"; plugin = \"webhook\"; url = \"http://127.0.0.1:%d/ok\";"
	    " secret_file = \"%s\"; },\n"
	    "  { name = \"retry\"; plugin = \"webhook\"; url = \"http://127.0.0.1:%d/retry\"; },\n"
	    "  { name = \"ra\"; plugin = \"webhook\"; url = \"http://127.0.0.1:%d/ra\"; },\n"
	    "  { name = \"bad\"; plugin = \"webhook\"; url = \"http://127.0.0.1:%d/bad\"; },\n"
	    "  { name = \"slow\"; plugin = \"webhook\"; url = \"http://127.0.0.1:%d/slow\";"
	    " timeout = \"1s\"; },\n"
	    "  { name = \"held\"; plugin = \"webhook\"; url = \"http://127.0.0.1:%d/hold\";"
	    " hold = \"2s\"; },\n"
	    "  { name = \"hang\"; plugin = \"hang\"; },\n"
	    "  { name = \"%s\"; plugin = \"webhook\"; url = \"http://127.0.0.1:%d/%s\";"
	    " hold = \"%s\"; } );\n",
	    dir, dir, wnotifier, port, secret, port, port, port, port, port,
	    wnotifier, port, wnotifier, whold);
	if ((c = conf_load_string(text, "dispatch.conf", &errors)) == NULL)
		fatalx("config: %s", errors);
	free(text);
	free(secret);
	return c;
}

/* Whether every outbox row is delivered or dead. */
static int
all_final(void)
{
	sqlite3_stmt *st;
	int n = -1;

	sqlite3_prepare_v2(store_db(d.store), "SELECT count(*) FROM outbox WHERE"
	    " state = 'pending' AND notifier != 'hang'", -1, &st, NULL);
	if (sqlite3_step(st) == SQLITE_ROW)
		n = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	return n == 0;
}

/* Poll for the end of the run. */
static void
check_cb(evutil_socket_t fd, short ev, void *arg)
{
	struct timeval tv = { 0, 100 * 1000 };

	if (all_final())
		event_base_loopbreak(d.base);
	else
		evtimer_add(check_ev, &tv);
}

/* The run took too long. */
static void
guard_cb(evutil_socket_t fd, short ev, void *arg)
{
	diag("timeout: rows still pending");
	event_base_loopbreak(d.base);
}

/* During the hold: another source carries the held story. */
static void
sight_cb(evutil_socket_t fd, short ev, void *arg)
{
	fx_ingest(&d, "b", "hold-b", "The holdword story", "Text.", hold_story, 1);
}

/* One outbox row by watchlist. */
static void
row_get(const char *wl, char *state, int *attempts, char **error)
{
	sqlite3_stmt *st;

	sqlite3_prepare_v2(store_db(d.store), "SELECT state, attempts, last_error"
	    " FROM outbox WHERE watchlist = ?1", -1, &st, NULL);
	sqlite3_bind_text(st, 1, wl, -1, SQLITE_STATIC);
	state[0] = '\0';
	*attempts = -1;
	*error = NULL;
	if (sqlite3_step(st) == SQLITE_ROW) {
		snprintf(state, 16, "%s", sqlite3_column_text(st, 0));
		*attempts = sqlite3_column_int(st, 1);
		if (sqlite3_column_text(st, 2) != NULL)
			*error = xstrdup((const char *)sqlite3_column_text(st, 2));
	}
	sqlite3_finalize(st);
}

/* The receiver's records for a path, in order. */
static size_t
records(const char *path, json_t **out, size_t max)
{
	return peer_records(logpath, path, out, max);
}

/* A record's header. */
static const char *
header(json_t *r, const char *name)
{
	return json_string_value(json_object_get(json_object_get(r, "headers"),
	    name));
}


/* The delivery id of the (only) story matched by a watchlist and notifier. */
static void
want_id(const char *wl, const char *nt, char out[NOTIFY_ID_LEN + 1])
{
	sqlite3_stmt *st;
	int64_t story = 0;

	sqlite3_prepare_v2(store_db(d.store), "SELECT story_id FROM matches"
	    " WHERE watchlist = ?1", -1, &st, NULL);
	sqlite3_bind_text(st, 1, wl, -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW)
		story = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	notify_delivery_id(story, wl, nt, out);
}

/* One accepted delivery, signed, carrying the delivery id. */
static void
check_ok(void)
{
	json_t *r[8], *body;
	char id[NOTIFY_ID_LEN + 1], state[16], *err;
	size_t n = records("/ok", r, 8);
	int attempts;

	is_int(n, 1, "ok: one delivery");
	want_id("w-ok", "ok", id);
	if (n >= 1) {
		is_str(header(r[0], "webhook-id"), id, "ok: webhook-id = delivery id");
		ok(json_is_true(json_object_get(r[0], "verified")),
		    "ok: signature verified");
		body = json_loads(json_string_value(json_object_get(r[0], "body")),
		    0, NULL);
		is_str(json_string_value(json_object_get(body, "title")),
		    "The okword story", "ok: title of the story's first article");
		is_str(json_string_value(json_object_get(body, "source")), "a",
		    "ok: source");
		ok(json_array_size(json_object_get(body, "terms")) == 1,
		    "ok: the matched term");
		json_decref(body);
	}
	row_get("w-ok", state, &attempts, &err);
	is_str(state, "delivered", "ok: row delivered");
	is_int(attempts, 1, "ok: one attempt");
	free(err);
	peer_records_free(r, n);
}

/* 500 then 200: one accepted delivery after a retry, same id. */
static void
check_retry(void)
{
	json_t *r[8];
	char state[16], *err;
	size_t n = records("/retry", r, 8);
	int attempts;

	is_int(n, 2, "retry: two requests");
	if (n == 2) {
		is_int(json_integer_value(json_object_get(r[0], "status")), 500,
		    "retry: first answered 500");
		is_int(json_integer_value(json_object_get(r[1], "status")), 200,
		    "retry: then 200");
		is_str(header(r[0], "webhook-id"), header(r[1], "webhook-id"),
		    "retry: the same delivery id");
		ok(json_real_value(json_object_get(r[1], "time")) -
		    json_real_value(json_object_get(r[0], "time")) >= 0.9,
		    "retry: after retry_min");
	}
	row_get("w-retry", state, &attempts, &err);
	is_str(state, "delivered", "retry: row delivered");
	is_int(attempts, 2, "retry: two attempts");
	free(err);
	peer_records_free(r, n);
}

/* 429 with Retry-After: 2 is obeyed. */
static void
check_ra(void)
{
	json_t *r[8];
	char state[16], *err;
	size_t n = records("/ra", r, 8);
	int attempts;
	double gap = 0;

	is_int(n, 2, "429: two requests");
	if (n == 2)
		gap = json_real_value(json_object_get(r[1], "time")) -
		    json_real_value(json_object_get(r[0], "time"));
	ok(gap >= 1.95, "429: Retry-After 2 obeyed (%.2fs)", gap);
	row_get("w-ra", state, &attempts, &err);
	is_str(state, "delivered", "429: row delivered");
	free(err);
	peer_records_free(r, n);
}

/* 400 is permanent: dead with the receiver's answer. */
static void
check_bad(void)
{
	json_t *r[8];
	char state[16], *err;
	size_t n = records("/bad", r, 8);
	int attempts;

	is_int(n, 1, "400: one request");
	row_get("w-bad", state, &attempts, &err);
	is_str(state, "dead", "400: row dead");
	ok(err != NULL && strncmp(err, "400", 3) == 0, "400: last_error \"%s\"",
	    err != NULL ? err : "");
	free(err);
	peer_records_free(r, n);
}

/* A timeout is retried. */
static void
check_slow(void)
{
	json_t *r[8];
	char state[16], *err;
	size_t n = records("/slow", r, 8);
	int attempts;

	ok(n >= 2, "timeout: retried (%zu requests)", n);
	row_get("w-slow", state, &attempts, &err);
	is_str(state, "delivered", "timeout: then delivered");
	ok(attempts >= 2, "timeout: %d attempts", attempts);
	free(err);
	peer_records_free(r, n);
}

/* hold: a copy seen during the hold is named in also_at. */
static void
check_hold(void)
{
	json_t *r[8], *body, *also;
	size_t n = records("/hold", r, 8);

	is_int(n, 1, "hold: one delivery");
	if (n < 1)
		return;
	body = json_loads(json_string_value(json_object_get(r[0], "body")), 0,
	    NULL);
	also = json_object_get(body, "also_at");
	is_int(json_array_size(also), 1, "hold: one other source");
	is_str(json_string_value(json_object_get(json_array_get(also, 0),
	    "source")), "b", "hold: the copy's source named");
	is_str(json_string_value(json_object_get(json_array_get(also, 0), "url")),
	    "https://b.example/hold-b", "hold: the copy's URL");
	json_decref(body);
	peer_records_free(r, n);
}

/* A plugin that never completes is disabled; its alert stays queued. */
static void
check_hang(void)
{
	char state[16], *err;
	int attempts;

	row_get("w-hang", state, &attempts, &err);
	is_str(state, "pending", "hang: the alert stays pending");
	is_int(attempts, 1, "hang: one attempt, then the notifier is disabled");
	ok(err != NULL && strstr(err, "no completion") != NULL,
	    "hang: last_error \"%s\"", err != NULL ? err : "");
	free(err);
}

/* The state of the newest row of a notifier, read through connection db. */
static void
newest_state(sqlite3 *db, const char *nt, char *state)
{
	sqlite3_stmt *st;

	sqlite3_prepare_v2(db, "SELECT state FROM outbox WHERE notifier = ?1"
	    " ORDER BY id DESC LIMIT 1", -1, &st, NULL);
	sqlite3_bind_text(st, 1, nt, -1, SQLITE_STATIC);
	state[0] = '\0';
	if (sqlite3_step(st) == SQLITE_ROW)
		snprintf(state, 16, "%s", sqlite3_column_text(st, 0));
	sqlite3_finalize(st);
}

/* Reload: a removed notifier's row stays pending, an added one delivers. */
static void
test_reload(const char *dir)
{
	struct conf *old = d.conf;
	struct timeval tv0 = { 0, 0 }, guard = { 10, 0 };
	char state[16];
	json_t *r[4];
	size_t n;

	fx_ingest(&d, "a", "reload-1", "The reloadword story", "Text.", 0, 1);
	d.conf = config(dir, "fresh", "0s");
	notify_part.reload(&d, old);
	watch_part.reload(&d, old);
	conf_free(old);
	fx_ingest(&d, "a", "reload-2", "Another reloadword story", "Text.", 0, 1);
	newest_state(store_db(d.store), "gone", state);
	is_str(state, "pending", "reload: the removed notifier's row stays pending");
	evtimer_add(check_ev, &tv0);
	evtimer_add(guard_ev, &guard);
	/* all_final() is never true with the gone row: wait for the new one */
	while (newest_state(store_db(d.store), "fresh", state),
	    strcmp(state, "delivered") != 0 &&
	    event_pending(guard_ev, EV_TIMEOUT, NULL))
		event_base_loop(d.base, EVLOOP_ONCE);
	is_str(state, "delivered", "reload: the added notifier delivers");
	n = records("/fresh", r, 4);
	is_int(n, 1, "reload: one request to the added notifier");
	peer_records_free(r, n);
	newest_state(store_db(d.store), "gone", state);
	is_str(state, "pending", "reload: the removed notifier's row still pending");
	event_del(check_ev);
	event_del(guard_ev);
}

/* Run the loop for a while. */
static void
run_for(int seconds)
{
	struct timeval tv = { seconds, 0 };

	event_base_loopexit(d.base, &tv);
	event_base_dispatch(d.base);
}

/* The requests the receiver got on a path. */
static size_t
count_records(const char *path)
{
	json_t *r[32];
	size_t n = records(path, r, 32);

	peer_records_free(r, n);
	return n;
}

/*
 * A result the store cannot take (another process holds the write lock) is
 * kept: the alert is not sent again, and its state is written once the lock is
 * gone.
 */
static void
test_unrecorded(const char *db)
{
	sqlite3 *other;
	size_t before = count_records("/ok");
	char state[16];

	fx_ingest(&d, "a", "ok-2", "Another okword story", "Text.", 0, 1);
	if (sqlite3_open(db, &other) != SQLITE_OK ||
	    sqlite3_exec(other, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK)
		fatalx("%s: %s", db, sqlite3_errmsg(other));
	run_for(5);			/* two rescans while the lock is held */
	is_int(count_records("/ok"), before + 1,
	    "store locked: the alert sent once, not again");
	newest_state(other, "ok", state);
	is_str(state, "pending", "store locked: its state not yet written");
	sqlite3_exec(other, "ROLLBACK", NULL, NULL, NULL);
	sqlite3_close(other);
	run_for(3);			/* the next rescan writes it */
	newest_state(store_db(d.store), "ok", state);
	is_str(state, "delivered", "lock gone: the kept result recorded");
	is_int(count_records("/ok"), before + 1, "and still sent only once");
}

int
main(void)
{
	char dir[] = "/tmp/test-dispatch.XXXXXX", *db, *cause;
	struct timeval tv0 = { 0, 0 }, guard = { 25, 0 }, sight = { 0, 500000 };
	pid_t pid;

	log_init("test-dispatch", LOG_LEVEL_WARN);
	curl_global_init(CURL_GLOBAL_DEFAULT);
	if (mkdtemp(dir) == NULL || (pid = receiver_start(dir)) == -1)
		fatalx("cannot start the receiver");
	plugin_links(dir);
	memset(&d, 0, sizeof d);
	d.conf = config(dir, "gone", "1h");
	d.base = event_base_new();
	xasprintf(&db, "%s/newswatch.db", dir);
	if ((d.store = store_open(db, &cause)) == NULL ||
	    store_sync_sources(d.store, d.conf, &cause) == -1 ||
	    watch_part.start(&d, &cause) == -1 || notify_part.start(&d, &cause) == -1)
		fatalx("%s", cause);
	fx_ingest(&d, "a", "ok", "The okword story", "Text.", 0, 1);
	fx_ingest(&d, "a", "retry", "The retryword story", "Text.", 0, 1);
	fx_ingest(&d, "a", "ra", "The raword story", "Text.", 0, 1);
	fx_ingest(&d, "a", "bad", "The badword story", "Text.", 0, 1);
	fx_ingest(&d, "a", "slow", "The slowword story", "Text.", 0, 1);
	hold_story = fx_ingest(&d, "a", "hold", "The holdword story", "Text.", 0, 1);
	fx_ingest(&d, "a", "hang", "The hangword story", "Text.", 0, 1);
	check_ev = evtimer_new(d.base, check_cb, NULL);
	guard_ev = evtimer_new(d.base, guard_cb, NULL);
	sight_ev = evtimer_new(d.base, sight_cb, NULL);
	evtimer_add(check_ev, &tv0);
	evtimer_add(guard_ev, &guard);
	evtimer_add(sight_ev, &sight);
	event_base_dispatch(d.base);
	ok(all_final(), "every row delivered or dead");
	check_ok();
	check_retry();
	check_ra();
	check_bad();
	check_slow();
	check_hold();
	check_hang();
	test_reload(dir);
	test_unrecorded(db);
	notify_part.free(&d);
	watch_part.free(&d);
	event_free(check_ev);
	event_free(guard_ev);
	event_free(sight_ev);
	store_close(d.store);
	conf_free(d.conf);
	event_base_free(d.base);
	kill(pid, SIGTERM);
	waitpid(pid, NULL, 0);
	free(logpath);
	free(db);
	curl_global_cleanup();
	libevent_global_shutdown();
	if (getenv("KEEP") == NULL) {
		char *cmd;

		xasprintf(&cmd, "rm -rf '%s'", dir);
		if (system(cmd) != 0)
			diag("cannot remove %s", dir);
		free(cmd);
	}
	return done_testing();
}
