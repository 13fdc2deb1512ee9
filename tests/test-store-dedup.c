/* test-store-dedup: stories, sightings, the identity rules in order, retention. */
#include "config.h"

#include <sys/wait.h>

#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "tap.h"
#include "../src/store_dedup.c"

static struct store	*st;
static int64_t		 now;

/* A fixture's text; the title is its first line when a blank line follows. */
static char *
fixture(const char *name, char **title)
{
	const char	*dir = getenv("top_srcdir");
	char		*path, *buf, *nl;
	FILE		*f;
	long		 n;

	xasprintf(&path, "%s/tests/dedup/%s", dir != NULL ? dir : ".", name);
	if ((f = fopen(path, "rb")) == NULL) {
		printf("Bail out! %s\n", path);
		exit(1);
	}
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	rewind(f);
	buf = xcalloc(1, n + 1);
	if (fread(buf, 1, n, f) != (size_t)n)
		exit(1);
	fclose(f);
	free(path);
	*title = NULL;
	if ((nl = strstr(buf, "\n\n")) != NULL &&
	    memchr(buf, '\n', nl - buf) == NULL) {
		*nl = '\0';
		*title = xstrdup(buf);
		memmove(buf, nl + 2, strlen(nl + 2) + 1);
	}
	return buf;
}

/* Ingest a fixture as an entry of a source; the result. */
static struct dedup_result
ingest(int64_t source, const char *entry, const char *link, const char *file,
    int64_t at, const char *fp)
{
	struct dedup_article	a = { 0 };
	struct dedup_result	r;
	char			*title = NULL, *text, *cause = NULL;

	/* "=TEXT" is an inline text, else a fixture's name */
	text = file[0] == '=' ? xstrdup(file + 1) : fixture(file, &title);

	a.source_id = source;
	a.entry_id = entry;
	a.link = link;
	a.title = title;
	a.content = text;
	a.raw_fp = fp != NULL ? fp : file;
	a.raw_fp_len = strlen(a.raw_fp);
	a.seen_at = at;
	if (store_dedup_ingest(st, &a, DEDUP_NEAR_DISTANCE, &r, &cause) == -1) {
		diag("%s", cause);
		free(cause);
		r.rule = -1;
	}
	free(text);
	free(title);
	return r;
}

/* One integer from SQL. */
static int64_t
q_int(const char *sql)
{
	sqlite3_stmt	*q;
	int64_t		 v = -1;

	if (sqlite3_prepare_v2(store_db(st), sql, -1, &q, NULL) != SQLITE_OK) {
		diag("%s: %s", sql, sqlite3_errmsg(store_db(st)));
		return -2;
	}
	if (sqlite3_step(q) == SQLITE_ROW)
		v = sqlite3_column_int64(q, 0);
	sqlite3_finalize(q);
	return v;
}

/* 1 when the plan of sql searches indexes only (no full scan of a table). */
static int
no_scan(const char *sql)
{
	sqlite3_stmt	*q;
	char		*eqp;
	int		 clean = 1;

	xasprintf(&eqp, "EXPLAIN QUERY PLAN %s", sql);
	if (sqlite3_prepare_v2(store_db(st), eqp, -1, &q, NULL) != SQLITE_OK) {
		diag("%s", sqlite3_errmsg(store_db(st)));
		free(eqp);
		return 0;
	}
	while (sqlite3_step(q) == SQLITE_ROW) {
		const char *d = (const char *)sqlite3_column_text(q, 3);

		diag("  plan: %s", d);
		if (strncmp(d, "SCAN ", 5) == 0 && strncmp(d, "SCAN (", 6) != 0 &&
		    strstr(d, "subquery") == NULL)
			clean = 0;
	}
	sqlite3_finalize(q);
	free(eqp);
	return clean;
}

static void
test_plans(void)
{
	ok(no_scan("SELECT simhash, story_id FROM articles WHERE id = ?1"
	    " AND simhash IS NOT NULL AND story_id IS NOT NULL"),
	    "near-duplicate check reads one article by id");
	ok(no_scan("SELECT story_id FROM articles WHERE id = ?1 AND"
	    " canonical_url = ?2 AND story_id IS NOT NULL"),
	    "URL check reads one article by id");
	ok(no_scan("SELECT coalesce(story_id, 0) FROM articles WHERE id = ?1"
	    " AND content_hash = ?2"), "hash check reads one article by id");
	ok(no_scan("SELECT article_id, simhash, title_hash, hashes, url_key,"
	    " hash_key FROM anchors WHERE article_id > ?1 ORDER BY article_id"),
	    "the index catches up through the anchors table's key");
	ok(no_scan(PICK_TEXT " ORDER BY fetched_at LIMIT ?2"), "prune pick indexed");
}

static void
test_rules(void)
{
	struct dedup_result	r, first;
	int64_t			story;

	first = ingest(1, "a-1", "https://site-a.example/world/floods?utm_source=rss",
	    "floods-original.txt", now, NULL);
	is_int(first.rule, DEDUP_NEW, "first article: new story");
	ok(first.new_story && first.story_id > 0, "story created");
	story = first.story_id;
	r = ingest(1, "a-1", "https://site-a.example/world/floods",
	    "floods-original.txt", now + 60, NULL);
	ok(r.rule == DEDUP_SOURCE_ID && r.unchanged && r.story_id == story,
	    "same entry, same bytes: source id, unchanged");
	r = ingest(1, "a-1", "https://site-a.example/world/floods",
	    "floods-original.txt", now + 120, "re-sent with a new date");
	ok(r.rule == DEDUP_SOURCE_ID && r.unchanged && !r.updated,
	    "same entry, new bytes, same text: no update");
	r = ingest(1, "a-1", "https://site-a.example/world/floods",
	    "floods-original.txt", now + 180, "re-sent with a new date");
	ok(r.unchanged, "its new fingerprint was remembered");
	r = ingest(2, "b-9", "https://SITE-A.example:443/world/floods#top",
	    "=Floods: the full report is on our partner's site.", now, NULL);
	ok(r.rule == DEDUP_URL && r.story_id == story, "another source, same "
	    "canonical URL: joined by URL");
	r = ingest(3, "c-1", "https://wire.example/2026/11/27/spain-floods/",
	    "floods-syndicated.txt", now, NULL);
	ok(r.rule == DEDUP_HASH && r.story_id == story,
	    "syndicated copy with trailer: content hash");
	r = ingest(5, "e-1", "https://chronicle.example/europe/spain-floods",
	    "floods-chrome.txt", now, NULL);
	ok(r.rule == DEDUP_CONTAINED && r.story_id == story &&
	    r.containment >= 0.8, "another site's chrome: containment %.2f",
	    r.containment);
	r = ingest(6, "f-1", "https://digest.example/items/381",
	    "floods-opening.txt", now, NULL);
	ok(r.rule == DEDUP_CONTAINED && r.story_id == story,
	    "opening paragraphs: containment %.2f", r.containment);
	r = ingest(1, "a-2", "https://site-a.example/world/floods-toll-rises",
	    "floods-followup.txt", now + 86400, NULL);
	ok(r.rule == DEDUP_NEW && r.story_id != story, "follow-up: a new story");
	r = ingest(8, "h-1", "https://farm.example/aragon-harvest",
	    "floods-insurance.txt", now + 86400, NULL);
	ok(r.rule == DEDUP_NEW, "another story on the topic: new");
	r = ingest(9, "w-mon", "https://weather.example/mon", "weather-mon.txt",
	    now, NULL);
	first = ingest(9, "w-tue", "https://weather.example/tue",
	    "weather-tue.txt", now + 86400, NULL);
	ok(r.rule == DEDUP_NEW && first.rule == DEDUP_NEW &&
	    r.story_id != first.story_id, "two short items, one title: apart");
	r = ingest(10, "de-1", "https://bahn.example/a", "bahn-de.txt", now, NULL);
	first = ingest(11, "de-2", "https://zug.example/b", "bahn-de-copy.txt",
	    now, NULL);
	ok(r.rule == DEDUP_NEW && first.rule == DEDUP_HASH &&
	    first.story_id == r.story_id, "German copy: content hash");
	is_int(q_int("SELECT count(*) FROM sightings WHERE story_id = 1"), 5,
	    "five sightings of the first story");
	is_int(q_int("SELECT count(DISTINCT source_id) FROM sightings"
	    " WHERE story_id = 1"), 5, "from five sources");
	is_int(q_int("SELECT first_article FROM stories WHERE id = 1"), 1,
	    "first article recorded");
	is_int(q_int("SELECT count(*) FROM articles WHERE content_hash IS NOT NULL"
	    " AND story_id = 1"), 3, "content hash held once per distinct text");
}

/* A correction (two figures changed) joins as a near-duplicate. */
static void
test_near_and_update(void)
{
	struct dedup_article	a = { 0 };
	struct dedup_result	r;
	char			*title, *text = fixture("floods-original.txt", &title);
	char			*cause = NULL;

	memcpy(strstr(text, "At least 14"), "At least 15", 11);
	memcpy(strstr(text, "600 rescues"), "700", 3);
	a.source_id = 4;
	a.entry_id = "d-1";
	a.link = "https://news-d.example/a";
	a.title = title;
	a.content = text;
	a.raw_fp = "v1";
	a.raw_fp_len = 2;
	a.seen_at = now;
	ok(store_dedup_ingest(st, &a, 3, &r, &cause) == 0, "ingest correction");
	ok(r.rule == DEDUP_NEAR && r.story_id == 1 && r.distance <= 3,
	    "correction: near-duplicate d=%d", r.distance);
	/* the same entry, changed: an update of the same article and story */
	memcpy(strstr(text, "At least 15"), "At least 16", 11);
	a.raw_fp = "v2";
	ok(store_dedup_ingest(st, &a, 3, &r, &cause) == 0, "ingest update");
	ok(r.updated && r.rule == DEDUP_SOURCE_ID && r.story_id == 1,
	    "changed entry: update of story 1");
	is_int(q_int("SELECT count(*) FROM articles WHERE entry_id = 'd-1'"), 1,
	    "still one article row");
	ok(q_int("SELECT updated FROM articles WHERE entry_id = 'd-1'") == now,
	    "updated time recorded");
	free(text);
	free(title);
}

static void
test_prune(void)
{
	int64_t old = now - 100 * 86400, ancient = now - 800 * 86400;
	int n;

	sqlite3_exec(store_db(st), "UPDATE articles SET fetched_at = 0"
	    " WHERE 0", NULL, NULL, NULL);
	{
		char *sql;

		xasprintf(&sql, "UPDATE articles SET fetched_at = %lld WHERE"
		    " story_id = 1; UPDATE articles SET fetched_at = %lld WHERE"
		    " entry_id IN ('w-mon', 'w-tue');"
		    " INSERT INTO outbox (delivery_id, kind, story_id, notifier,"
		    " state, created_at, next_attempt_at)"
		    " SELECT 'd', 1, story_id, 'n', 'pending', 0, 0 FROM articles"
		    " WHERE entry_id = 'h-1';"
		    " UPDATE articles SET fetched_at = %lld WHERE entry_id = 'h-1'",
		    (long long)old, (long long)ancient, (long long)ancient);
		ok(sqlite3_exec(store_db(st), sql, NULL, NULL, NULL) == SQLITE_OK,
		    "age some articles");
		free(sql);
	}
	n = store_dedup_prune(st, now - 90 * 86400, now - 400 * 86400, 3);
	ok(n >= 3 && n <= 6, "first batch: at most 3 rows per stage (%d)", n);
	is_int(q_int("SELECT count(*) FROM articles WHERE text_pruned = 1") +
	    q_int("SELECT 2 - count(*) FROM articles WHERE entry_id LIKE 'w-%'"),
	    3, "three texts pruned in the first batch");
	while ((n = store_dedup_prune(st, now - 90 * 86400, now - 400 * 86400,
	    3)) > 0)
		;
	is_int(n, 0, "batches until done");
	is_int(q_int("SELECT count(*) FROM articles WHERE story_id = 1 AND"
	    " (content IS NOT NULL OR shingles IS NOT NULL)"), 0,
	    "old texts nulled");
	is_int(q_int("SELECT count(*) FROM articles WHERE story_id = 1 AND"
	    " text_pruned = 1 AND canonical_url IS NOT NULL"), 6,
	    "identity keys of old articles kept");
	is_int(q_int("SELECT count(*) FROM anchors a JOIN articles r ON"
	    " r.id = a.article_id WHERE r.story_id = 1 AND a.hashes IS NOT NULL"),
	    0, "their anchors gone");
	is_int(q_int("SELECT count(*) FROM anchors a JOIN articles r ON"
	    " r.id = a.article_id WHERE r.story_id = 1 AND a.simhash IS NOT NULL"),
	    q_int("SELECT count(*) FROM articles WHERE story_id = 1 AND"
	    " simhash IS NOT NULL"), "their SimHash kept for near-duplicates");
	is_int(q_int("SELECT count(*) FROM articles WHERE entry_id LIKE 'w-%'"), 0,
	    "articles older than the key retention deleted");
	is_int(q_int("SELECT count(*) FROM stories WHERE title LIKE 'Weather%'"),
	    0, "and their stories");
	ok(q_int("SELECT content IS NOT NULL FROM articles WHERE entry_id = 'h-1'")
	    == 1, "a story with a pending alert keeps its text");
	is_int(q_int("SELECT count(*) FROM articles WHERE entry_id = 'a-2'"
	    " AND content IS NOT NULL"), 1, "recent article keeps its text");
	/* an old entry re-listed by its feed is known, not new */
	{
		struct dedup_result r = ingest(1, "a-1",
		    "https://site-a.example/world/floods", "floods-original.txt",
		    now, NULL);

		ok(r.rule == DEDUP_SOURCE_ID && r.unchanged,
		    "re-listed old entry is still known");
	}
	{
		sqlite3_stmt *q;

		sqlite3_prepare_v2(store_db(st), "PRAGMA integrity_check", -1, &q,
		    NULL);
		sqlite3_step(q);
		is_str((const char *)sqlite3_column_text(q, 0), "ok",
		    "integrity check");
		sqlite3_finalize(q);
	}
}

static void
test_reopen(void)
{
	char	path[] = "/tmp/test-store-dedup-XXXXXX", *cause = NULL, *db;
	int	fd = mkstemp(path);
	struct store *s;

	close(fd);
	xasprintf(&db, "%s.db", path);
	s = store_open(db, &cause);
	ok(s != NULL && store_version(s) >= 4, "migrations applied to a file");
	store_close(s);
	s = store_open(db, &cause);
	ok(s != NULL && store_version(s) >= 4, "reopen: idempotent");
	store_close(s);
	unlink(path);
	unlink(db);
	free(db);
	free(cause);
}

/* A temporary database file's path (and its directory's, in *dir). */
static char *
temp_db(char **dir)
{
	char tmpl[] = "/tmp/test-store-dedup-XXXXXX", *path;

	*dir = xstrdup(mkdtemp(tmpl));
	xasprintf(&path, "%s/nw.db", *dir);
	return path;
}

/* Remove a temporary database and its directory. */
static void
temp_db_remove(char *path, char *dir)
{
	char *p;

	unlink(path);
	xasprintf(&p, "%s-wal", path);
	unlink(p);
	free(p);
	xasprintf(&p, "%s-shm", path);
	unlink(p);
	free(p);
	rmdir(dir);
	free(path);
	free(dir);
}

/* Open a store on a file or bail out. */
static struct store *
open_or_bail(const char *path)
{
	struct store	*s;
	char		*cause = NULL;

	if ((s = store_open(path, &cause)) == NULL) {
		printf("Bail out! %s\n", cause);
		exit(1);
	}
	return s;
}

/* Ingest a fixture (with a link, or NULL) through s in its own transaction. */
static struct dedup_result
ingest_on(struct store *s, const char *entry, const char *link,
    const char *file, int commit)
{
	struct store		*saved = st;
	struct dedup_result	 r;

	st = s;
	store_begin(s);
	r = ingest(1, entry, link, file, now, NULL);
	if (commit)
		store_commit(s);
	else
		store_rollback(s);
	st = saved;
	return r;
}

/*
 * The index in memory of one connection sees what another one committed, and
 * forgets what a rollback took back, even when the article id is used again.
 */
static void
test_two_connections(void)
{
	char			*dir, *path = temp_db(&dir);
	struct store		*a = open_or_bail(path), *b = open_or_bail(path);
	struct dedup_result	 r, first;

	r = ingest_on(b, "b-1", NULL, "weather-mon.txt", 1);	/* b loads its index */
	ok(r.rule == DEDUP_NEW, "b: a first story");
	first = ingest_on(a, "a-1", NULL, "floods-original.txt", 1);
	r = ingest_on(b, "b-2", NULL, "floods-opening.txt", 1);
	ok(r.rule == DEDUP_CONTAINED && r.story_id == first.story_id,
	    "b finds what a committed after b loaded its index");

	r = ingest_on(a, "a-2", NULL, "bahn-de.txt", 0);	/* rolled back */
	ok(r.rule == DEDUP_NEW, "a: an article, rolled back");
	first = ingest_on(b, "b-3", NULL, "floods-insurance.txt", 1);
	ok(first.article_id == r.article_id,
	    "b commits another article under the same id (%lld)",
	    (long long)first.article_id);
	{
		char *title, *text = fixture("floods-insurance.txt", &title);
		char *opening;

		/* its opening, untitled: found only through a's index */
		xasprintf(&opening, "=%.*s", (int)strlen(text) / 2, text);
		r = ingest_on(a, "a-3", NULL, opening, 1);
		ok(r.rule == DEDUP_CONTAINED && r.story_id == first.story_id,
		    "a: its opening joins b's story by containment");
		free(opening);
		free(text);
		free(title);
	}
	r = ingest_on(a, "a-4", NULL, "bahn-de.txt", 1);
	ok(r.rule == DEDUP_NEW, "a: the rolled-back article is no candidate");
	store_close(a);
	store_close(b);
	temp_db_remove(path, dir);
}

/*
 * The URL and content hash keys in memory: one connection finds what another
 * committed, short texts included; a stale key (rolled back, its article id
 * used again) is checked against the row and proposes nothing.
 */
static void
test_exact_keys(void)
{
	char			*dir, *path = temp_db(&dir);
	struct store		*a = open_or_bail(path), *b = open_or_bail(path);
	struct store		*saved = st;
	struct dedup_result	 r, first;
	const char		*x = "https://x.example/short?utm_source=rss";

	ingest_on(a, "a-0", NULL, "weather-mon.txt", 1);	/* a loads its index */
	first = ingest_on(b, "b-1", x, "=Polls close at eight", 1);
	r = ingest_on(a, "a-1", "https://x.example/short", "=Turnout is high", 1);
	ok(r.rule == DEDUP_URL && r.story_id == first.story_id,
	    "a short item's URL committed by another connection: canonical-url");
	first = ingest_on(b, "b-2", NULL, "floods-original.txt", 1);
	r = ingest_on(a, "a-2", NULL, "floods-syndicated.txt", 1);
	ok(r.rule == DEDUP_HASH && r.story_id == first.story_id,
	    "a content hash committed by another connection: content-hash");
	st = a;
	is_int(q_int("SELECT count(*) FROM articles WHERE content_hash IS NOT"
	    " NULL"), 1, "the hash is held once");
	is_int(q_int("SELECT count(*) FROM anchors WHERE simhash IS NULL AND"
	    " url_key IS NOT NULL"), 2, "short items have a row of keys");
	st = saved;
	r = ingest_on(a, "a-3", "https://y.example/1", "=Rolled back", 0);
	first = ingest_on(b, "b-3", "https://z.example/1", "=Committed", 1);
	ok(first.article_id == r.article_id, "b reuses the rolled-back id");
	r = ingest_on(a, "a-4", "https://y.example/1", "=Rolled back again", 1);
	ok(r.rule == DEDUP_NEW, "a: the rolled-back URL joins nothing");
	r = ingest_on(a, "a-5", "https://z.example/1", "=Another", 1);
	ok(r.rule == DEDUP_URL && r.story_id == first.story_id,
	    "a: b's URL under that id joins");
	store_close(a);
	store_close(b);
	temp_db_remove(path, dir);
}

/*
 * store_open retries while another process holds the database locked (a CLI
 * command writing) instead of failing at once.
 */
static void
test_open_locked(void)
{
	char		*dir, *path = temp_db(&dir), c;
	int		 fds[2], status;
	pid_t		 pid;
	struct store	*s;
	struct timespec	 t0, t1;

	if (pipe(fds) == -1 || (pid = fork()) == -1) {
		printf("Bail out! pipe/fork\n");
		exit(1);
	}
	if (pid == 0) {			/* another process: a second locked */
		sqlite3 *db;

		close(fds[0]);
		if (sqlite3_open(path, &db) != SQLITE_OK || sqlite3_exec(db,
		    "BEGIN EXCLUSIVE; CREATE TABLE held (x);", NULL, NULL,
		    NULL) != SQLITE_OK)
			_exit(1);
		if (write(fds[1], "x", 1) != 1)
			_exit(1);
		sleep(1);
		sqlite3_exec(db, "COMMIT", NULL, NULL, NULL);
		sqlite3_close(db);
		_exit(0);
	}
	close(fds[1]);
	ok(read(fds[0], &c, 1) == 1, "another process holds the database");
	close(fds[0]);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	s = open_or_bail(path);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	ok(s != NULL && store_version(s) >= 7, "opened and migrated once free");
	ok(t1.tv_sec - t0.tv_sec + (t1.tv_nsec - t0.tv_nsec) / 1e9 > 0.5,
	    "after waiting for the lock");
	ok(waitpid(pid, &status, 0) == pid && WIFEXITED(status) &&
	    WEXITSTATUS(status) == 0, "the other process committed");
	store_close(s);
	temp_db_remove(path, dir);
}

int
main(void)
{
	char *cause = NULL;

	now = time(NULL);
	log_init("test-store-dedup", LOG_LEVEL_WARN);
	if ((st = store_open(":memory:", &cause)) == NULL) {
		printf("Bail out! %s\n", cause);
		return 1;
	}
	ok(store_dedup_register(st) == 0, "hamming() registered");
	is_int(q_int("SELECT hamming(0, 7)"), 3, "hamming(0, 7)");
	is_int(q_int("SELECT hamming(-1, 0)"), 64, "hamming(-1, 0)");
	test_plans();
	test_rules();
	test_near_and_update();
	test_prune();
	store_close(st);
	test_reopen();
	test_two_connections();
	test_exact_keys();
	test_open_locked();
	return done_testing();
}
