/* test-store: migrations, refusal of a newer schema, the sources table. */
#include "../src/store.c"

#include <sys/stat.h>
#include <unistd.h>

#include "tap.h"

static char dir[] = "/tmp/test-store.XXXXXX";

/* A database path in the test directory. */
static char *
db_path(const char *name)
{
	char *path;

	xasprintf(&path, "%s/%s", dir, name);
	return path;
}

/* Run SQL on a raw connection, failing the test run on error. */
static void
raw_exec(sqlite3 *db, const char *sql)
{
	char *err = NULL;

	if (sqlite3_exec(db, sql, NULL, NULL, &err) != SQLITE_OK)
		fatalx("%s: %s", sql, err);
}

/* One integer from a query on a raw connection. */
static int64_t
raw_int(sqlite3 *db, const char *sql)
{
	sqlite3_stmt *st;
	int64_t v = -1;

	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
		fatalx("%s: %s", sql, sqlite3_errmsg(db));
	if (sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return v;
}

/* A fresh database gets every migration, WAL and incremental auto-vacuum. */
static void
test_fresh(void)
{
	char *path = db_path("fresh.db"), *cause = NULL;
	struct store *s = store_open(path, &cause);

	ok(s != NULL, "fresh database opens");
	if (s == NULL) {
		diag("%s", cause);
		free(path);
		return;
	}
	is_int(store_version(s), NMIGRATIONS, "fresh: at the latest version");
	is_int(raw_int(store_db(s), "PRAGMA user_version"), NMIGRATIONS,
	    "fresh: user_version written");
	is_int(raw_int(store_db(s), "PRAGMA auto_vacuum"), 2,
	    "fresh: auto_vacuum incremental");
	is_int(raw_int(store_db(s), "SELECT count(*) FROM sources"), 0,
	    "fresh: sources table exists");
	store_close(s);
	s = store_open(path, &cause);
	ok(s != NULL && store_version(s) == NMIGRATIONS, "reopening is a no-op");
	store_close(s);
	free(path);
}

/* A database at version 0 with data of its own is upgraded, data kept. */
static void
test_upgrade(void)
{
	char *path = db_path("old.db"), *cause = NULL;
	struct store *s;
	sqlite3 *db;

	if (sqlite3_open(path, &db) != SQLITE_OK)
		fatalx("open %s", path);
	raw_exec(db, "CREATE TABLE keep (x INTEGER); INSERT INTO keep VALUES (7);"
	    "PRAGMA user_version = 0;");
	sqlite3_close(db);
	s = store_open(path, &cause);
	ok(s != NULL, "older database opens");
	if (s == NULL) {
		diag("%s", cause);
		free(cause);
		free(path);
		return;
	}
	is_int(store_version(s), NMIGRATIONS, "older: upgraded to the latest");
	is_int(raw_int(store_db(s), "SELECT x FROM keep"), 7, "older: data kept");
	is_int(raw_int(store_db(s), "SELECT count(*) FROM pragma_journal_mode "
	    "WHERE journal_mode = 'wal'"), 1, "older: now in WAL mode");
	store_close(s);
	free(path);
}

/* A database at version 1, built by hand with a source row, is brought up to date. */
static void
test_upgrade_from_1(void)
{
	char *path = db_path("v1.db"), *cause = NULL, *sql;
	struct store *s;
	sqlite3 *db;

	if (sqlite3_open(path, &db) != SQLITE_OK)
		fatalx("open %s", path);
	xasprintf(&sql, "%s INSERT INTO sources (name, url, etag, created_at) "
	    "VALUES ('old', 'https://old.example.org/', 'E1', 1); "
	    "PRAGMA user_version = 1;", migrations[0]);
	raw_exec(db, sql);
	free(sql);
	sqlite3_close(db);
	s = store_open(path, &cause);
	ok(s != NULL && store_version(s) == NMIGRATIONS,
	    "version 1 upgraded to %d", NMIGRATIONS);
	if (s != NULL)
		is_int(raw_int(store_db(s), "SELECT count(*) FROM sources WHERE "
		    "name = 'old' AND etag = 'E1'"), 1, "version 1: source row kept");
	free(cause);
	store_close(s);
	free(path);
}

/* A failing migration leaves the version where it was. */
static void
test_failed_migration(void)
{
	char *path = db_path("clash.db"), *cause = NULL;
	struct store *s;
	sqlite3 *db;

	if (sqlite3_open(path, &db) != SQLITE_OK)
		fatalx("open %s", path);
	raw_exec(db, "CREATE TABLE sources (x INTEGER);");
	sqlite3_close(db);
	s = store_open(path, &cause);
	ok(s == NULL && cause != NULL && strstr(cause, "migration 1") != NULL,
	    "a failing migration is reported");
	if (cause != NULL)
		diag("%s", cause);
	free(cause);
	sqlite3_open(path, &db);
	is_int(raw_int(db, "PRAGMA user_version"), 0,
	    "a failing migration leaves user_version");
	sqlite3_close(db);
	free(path);
}

/* A database from a newer newswatch is refused and left byte for byte. */
static void
test_newer(void)
{
	char *path = db_path("newer.db"), *cause = NULL, *sql;
	struct stat before, after;
	struct store *s;
	sqlite3 *db;

	if (sqlite3_open(path, &db) != SQLITE_OK)
		fatalx("open %s", path);
	xasprintf(&sql, "CREATE TABLE future (x); PRAGMA user_version = %d;",
	    NMIGRATIONS + 5);
	raw_exec(db, sql);
	free(sql);
	sqlite3_close(db);
	stat(path, &before);
	s = store_open(path, &cause);
	ok(s == NULL, "newer database refused");
	ok(cause != NULL && strstr(cause, "newer") != NULL, "refusal says why");
	free(cause);
	stat(path, &after);
	ok(before.st_size == after.st_size &&
	    before.st_mtim.tv_sec == after.st_mtim.tv_sec &&
	    before.st_mtim.tv_nsec == after.st_mtim.tv_nsec,
	    "newer database untouched");
	sqlite3_open(path, &db);
	is_int(raw_int(db, "PRAGMA user_version"), NMIGRATIONS + 5,
	    "newer database keeps its version");
	is_int(raw_int(db, "PRAGMA auto_vacuum"), 0,
	    "newer database keeps its pragmas");
	sqlite3_close(db);
	free(path);
}

/* A struct conf with sources, built by hand. */
static struct conf *
make_conf(const char *const *names, const char *const *urls, size_t n)
{
	struct conf *c = xcalloc(1, sizeof *c);

	config_init(&c->cfg);
	c->path = xstrdup("test");
	c->daemon.state_dir = xstrdup(dir);
	c->sources = xcalloc(n, sizeof *c->sources);
	c->nsources = n;
	for (size_t i = 0; i < n; i++) {
		c->sources[i].name = xstrdup(names[i]);
		c->sources[i].url = xstrdup(urls[i]);
		c->sources[i].enabled = 1;
	}
	return c;
}

/* Give a source some fetch state. */
static void
dirty_source(struct store *s, const char *name)
{
	struct source_state ss;

	if (store_source_load(s, name, &ss) == -1)
		fatalx("load %s", name);
	free(ss.etag);
	ss.etag = xstrdup("\"abc\"");
	ss.last_modified = xstrdup("Sat, 01 Jan 2022 00:00:00 GMT");
	ss.failures = 3;
	ss.next_due = 12345;
	ss.last_status = 200;
	ss.first_fetch_done = 1;
	store_begin(s);
	ok(store_source_save(s, &ss) == 0, "%s: state saved", name);
	store_commit(s);
	source_state_clear(&ss);
}

/* Sync: insert, keep state, reset on a url change, delete removed sources. */
static void
test_sync(void)
{
	static const char *const n1[] = { "a", "b", "c" };
	static const char *const u1[] = { "https://a.example.org/", "https://b.example.org/",
	    "https://c.example.org/" };
	static const char *const n2[] = { "a", "b" };
	static const char *const u2[] = { "https://a.example.org/", "https://b2.example.org/" };
	char *path = db_path("sync.db"), *cause = NULL;
	struct store *s = store_open(path, &cause);
	struct conf *c1 = make_conf(n1, u1, 3), *c2 = make_conf(n2, u2, 2);
	struct source_state ss;

	ok(store_sync_sources(s, c1, &cause) == 0, "sync inserts");
	is_int(raw_int(store_db(s), "SELECT count(*) FROM sources"), 3, "three rows");
	dirty_source(s, "a");
	dirty_source(s, "b");
	c2->sources[0].enabled = 0;
	ok(store_sync_sources(s, c2, &cause) == 0, "sync again");
	is_int(raw_int(store_db(s), "SELECT count(*) FROM sources"), 2,
	    "removed source deleted");
	store_source_load(s, "a", &ss);
	ok(ss.etag != NULL && strcmp(ss.etag, "\"abc\"") == 0 && ss.failures == 3 &&
	    ss.next_due == 12345 && ss.first_fetch_done == 1,
	    "same url: state kept");
	source_state_clear(&ss);
	is_int(raw_int(store_db(s), "SELECT enabled FROM sources WHERE name = 'a'"), 0,
	    "enabled follows the configuration");
	store_source_load(s, "b", &ss);
	ok(ss.etag == NULL && ss.last_modified == NULL && ss.failures == 0 &&
	    ss.next_due == 0 && ss.first_fetch_done == 0 && ss.last_status == 0,
	    "changed url: state reset");
	source_state_clear(&ss);
	is_int(raw_int(store_db(s), "SELECT count(*) FROM sources WHERE name = 'b' "
	    "AND url = 'https://b2.example.org/'"), 1, "changed url stored");
	ok(store_source_load(s, "c", &ss) == -1, "deleted source not loaded");
	conf_free(c1);
	conf_free(c2);
	store_close(s);
	free(path);
}

/* The statement cache returns the same prepared statement per slot. */
static void
test_stmt_cache(void)
{
	char *path = db_path("stmt.db"), *cause = NULL;
	struct store *s = store_open(path, &cause);
	sqlite3_stmt *a, *b;

	a = store_stmt(s, 40, "SELECT 1");
	sqlite3_step(a);
	b = store_stmt(s, 40, "SELECT 1");
	ok(a == b, "same slot, same statement");
	ok(sqlite3_stmt_busy(b) == 0, "returned reset");
	ok(store_begin(s) == 0 && store_commit(s) == 0, "begin and commit");
	ok(store_begin(s) == 0, "begin again");
	store_rollback(s);
	ok(sqlite3_get_autocommit(store_db(s)), "rollback ends the transaction");
	store_close(s);
	free(path);
}

/* Remove the test directory. */
static void
cleanup(void)
{
	char *cmd;

	xasprintf(&cmd, "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		diag("cleanup failed");
	free(cmd);
}

int
main(void)
{
	log_init("test-store", LOG_LEVEL_WARN);
	if (mkdtemp(dir) == NULL)
		fatal("mkdtemp");
	test_fresh();
	test_upgrade();
	test_upgrade_from_1();
	test_failed_migration();
	test_newer();
	test_sync();
	test_stmt_cache();
	cleanup();
	return done_testing();
}
