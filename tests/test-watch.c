/* test-watch: watch_article on a temporary store, and query errors in the configuration. */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "alerts-fixture.h"
#include "conf.h"
#include "daemon.h"
#include "log.h"
#include "notify.h"
#include "store.h"
#include "store_outbox.h"
#include "tap.h"
#include "watch.h"
#include "watch_part.h"
#include "xmalloc.h"

#define NOW	1700000000

static const char config[] =
	"daemon = { state_dir = \"/nonexistent\"; };\n"
	"sources = (\n"
	"  { name = \"a\"; url = \"https://a.example/feed\"; },\n"
	"  { name = \"b\"; url = \"https://b.example/feed\"; },\n"
	"  { name = \"c\"; url = \"https://c.example/feed\"; });\n"
	"watchlists = (\n"
	"  { name = \"ai\"; query = \"openai OR \\\"language model\\\"\";\n"
	"    notify = [\"hook\", \"mail\"]; },\n"
	"  { name = \"deals\"; keywords = [\"merger\"]; sources = [\"b\"];\n"
	"    notify = (\"hook\", { notifier = \"mail\"; hold = \"30s\"; }); });\n"
	"notifiers = (\n"
	"  { name = \"hook\"; plugin = \"webhook\"; hold = \"10s\"; },\n"
	"  { name = \"mail\"; plugin = \"webhook\"; });\n";

/* The fixed clock of these tests. */
static int64_t
fixed_now(void)
{
	return NOW;
}

/* A count from SQL. */
static int
count(struct store *s, const char *sql)
{
	sqlite3_stmt *st;
	int n = -1;

	if (sqlite3_prepare_v2(store_db(s), sql, -1, &st, NULL) != SQLITE_OK)
		fatalx("%s: %s", sql, sqlite3_errmsg(store_db(s)));
	if (sqlite3_step(st) == SQLITE_ROW)
		n = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	return n;
}

/* One outbox row's delivery id and due time. */
static int
outbox_get(struct store *s, int64_t story, const char *wl, const char *nt,
    char *id, int64_t *next)
{
	sqlite3_stmt *st;
	int found = 0;

	sqlite3_prepare_v2(store_db(s), "SELECT delivery_id, next_attempt_at FROM"
	    " outbox WHERE story_id = ?1 AND watchlist = ?2 AND notifier = ?3",
	    -1, &st, NULL);
	sqlite3_bind_int64(st, 1, story);
	sqlite3_bind_text(st, 2, wl, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, nt, -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW) {
		snprintf(id, NOTIFY_ID_LEN + 1, "%s", sqlite3_column_text(st, 0));
		*next = sqlite3_column_int64(st, 1);
		found = 1;
	}
	sqlite3_finalize(st);
	return found;
}

/* Open a daemon on a temporary store with the test configuration. */
static void
daemon_open(struct daemon *d, char *path)
{
	char *errors, *cause;
	int fd = mkstemp(path);

	close(fd);
	memset(d, 0, sizeof *d);
	if ((d->conf = conf_load_string(config, "watch.conf", &errors)) == NULL)
		fatalx("config: %s", errors);
	if ((d->store = store_open(path, &cause)) == NULL ||
	    store_sync_sources(d->store, d->conf, &cause) == -1)
		fatalx("store: %s", cause);
	if (watch_part.start(d, &cause) == -1)
		fatalx("watch: %s", cause);
}

/* A new story alerts each notifier of the watchlist, once, with its hold. */
static void
test_new_story(struct daemon *d)
{
	char id[NOTIFY_ID_LEN + 1], want[NOTIFY_ID_LEN + 1];
	int64_t story, next = 0;

	story = fx_ingest(d, "a", "1", "OpenAI ships a new model", "Text.", 0, 1);
	is_int(count(d->store, "SELECT count(*) FROM matches"), 1, "one match row");
	is_int(count(d->store, "SELECT count(*) FROM matches WHERE terms LIKE"
	    " '%OpenAI%' AND snippet LIKE '%«OpenAI»%'"), 1,
	    "terms and snippet recorded");
	is_int(count(d->store, "SELECT count(*) FROM outbox"), 2,
	    "one outbox row per notifier");
	ok(outbox_get(d->store, story, "ai", "hook", id, &next), "row for hook");
	notify_delivery_id(story, "ai", "hook", want);
	is_str(id, want, "hook: delivery id is the hash of the triple");
	is_int(next, NOW + 10, "hook: due after its hold");
	ok(outbox_get(d->store, story, "ai", "mail", id, &next), "row for mail");
	notify_delivery_id(story, "ai", "mail", want);
	is_str(id, want, "mail: delivery id");
	is_int(next, NOW, "mail: no hold, due now");
	is_int(count(d->store, "SELECT count(*) FROM outbox WHERE state ="
	    " 'pending' AND attempts = 0 AND kind = 1"), 2, "rows pending");

	/* the same story again, at another source: once per story */
	fx_ingest(d, "c", "9", "OpenAI ships a new model", "Text.", story, 1);
	is_int(count(d->store, "SELECT count(*) FROM matches"), 1,
	    "a sighting adds no second match");
	is_int(count(d->store, "SELECT count(*) FROM outbox"), 2,
	    "a sighting alerts no second time");
}

/* The sources rule: excluded first sight, then a sighting at an included source. */
static void
test_sources(struct daemon *d)
{
	char id[NOTIFY_ID_LEN + 1];
	int64_t story, next;

	story = fx_ingest(d, "a", "2", "Big merger announced", "Text.", 0, 1);
	is_int(count(d->store, "SELECT count(*) FROM matches WHERE watchlist ="
	    " 'deals'"), 0, "source a is not among deals' sources");
	fx_ingest(d, "b", "7", "Big merger announced", "Text.", story, 1);
	is_int(count(d->store, "SELECT count(*) FROM matches WHERE watchlist ="
	    " 'deals'"), 1, "the sighting at source b matches");
	ok(outbox_get(d->store, story, "deals", "hook", id, &next), "deals: hook row");
	ok(outbox_get(d->store, story, "deals", "mail", id, &next) &&
	    next == NOW + 30, "deals: the group's hold overrides the notifier's");
	is_int(count(d->store, "SELECT count(*) FROM matches WHERE watchlist ="
	    " 'deals' AND source_id = (SELECT id FROM sources WHERE name = 'b')"),
	    1, "the match names the source that matched");
}

/* alert = 0 records the match and never alerts the story later. */
static void
test_no_alert(struct daemon *d)
{
	int64_t story;
	int before = count(d->store, "SELECT count(*) FROM outbox");

	story = fx_ingest(d, "a", "3", "A language model for Welsh", "Text.", 0, 0);
	is_int(count(d->store, "SELECT count(*) FROM matches WHERE story_id ="
	    " (SELECT max(id) FROM stories)"), 1, "alert=0: match recorded");
	is_int(count(d->store, "SELECT count(*) FROM outbox"), before,
	    "alert=0: nothing queued");
	fx_ingest(d, "b", "8", "A language model for Welsh", "Text.", story, 1);
	is_int(count(d->store, "SELECT count(*) FROM outbox"), before,
	    "a later sighting does not alert a recorded story");
	fx_ingest(d, "a", "4", "Nothing of interest", "Weather.", 0, 1);
	is_int(count(d->store, "SELECT count(*) FROM matches WHERE story_id ="
	    " (SELECT max(id) FROM stories)"), 0, "no hit, no match");
}

/* Reload: the new watchlists apply to articles arriving afterwards. */
static void
test_reload(struct daemon *d)
{
	struct conf *old = d->conf;
	char *errors, *text;

	xasprintf(&text, "%s", config);
	text[strstr(text, "openai OR") - text] = 'X';	/* "Xpenai" */
	if ((d->conf = conf_load_string(text, "watch.conf", &errors)) == NULL)
		fatalx("config: %s", errors);
	watch_part.reload(d, old);
	conf_free(old);
	free(text);
	fx_ingest(d, "a", "5", "OpenAI again", "Text.", 0, 1);
	is_int(count(d->store, "SELECT count(*) FROM matches WHERE story_id ="
	    " (SELECT max(id) FROM stories)"), 0, "reloaded query applies");
	fx_ingest(d, "a", "6", "Xpenai is here", "Text.", 0, 1);
	is_int(count(d->store, "SELECT count(*) FROM matches WHERE story_id ="
	    " (SELECT max(id) FROM stories)"), 1, "the new query matches");
}

/* A query that does not parse: file:line and the column. */
static void
test_bad_query(void)
{
	struct conf *c;
	char *errors = NULL;

	c = conf_load_string("watchlists = (\n  { name = \"w\";\n"
	    "    query = \"(openai OR\"; notify = []; });\n", "bad.conf", &errors);
	ok(c == NULL, "a bad query is a configuration error");
	ok(errors != NULL && strstr(errors, "bad.conf:3: ") != NULL,
	    "file:line of the query");
	ok(errors != NULL && strstr(errors, "column ") != NULL,
	    "the column in the query");
	diag("%s", errors != NULL ? errors : "(none)");
	free(errors);
	conf_free(c);
}

int
main(void)
{
	struct daemon d;
	char path[] = "/tmp/test-watch-XXXXXX";

	log_init("test-watch", LOG_LEVEL_WARN);
	watch_now_fn = fixed_now;
	daemon_open(&d, path);
	test_new_story(&d);
	test_sources(&d);
	test_no_alert(&d);
	test_reload(&d);
	watch_part.free(&d);
	store_close(d.store);
	conf_free(d.conf);
	unlink(path);
	test_bad_query();
	return done_testing();
}
