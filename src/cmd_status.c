/*
 * cmd_status: `newswatch status [--json]` reads the database (read-only, while the
 * daemon runs) and prints every source's health and the outbox's backlog.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "cli.h"
#include "cmd_status.h"
#include "conf.h"
#include "store_ops.h"
#include "xmalloc.h"

#define BUSY_TIMEOUT_MS	5000

/* The database path of --db or of the configuration's state_dir. */
char *
ops_db_path(struct cli *cli)
{
	struct conf *c;
	char *path, *errors;

	if (cli->db_path != NULL)
		return xstrdup(cli->db_path);
	if ((c = conf_load(cli->conf_path, &errors)) == NULL) {
		fputs(errors, stderr);
		free(errors);
		return NULL;
	}
	xasprintf(&path, "%s/newswatch.db", c->daemon.state_dir);
	conf_free(c);
	return path;
}

/* Open the database without creating it. */
sqlite3 *
ops_db_open(const char *path, int flags)
{
	sqlite3 *db;

	flags = (flags & SQLITE_OPEN_READONLY) ? SQLITE_OPEN_READONLY :
	    SQLITE_OPEN_READWRITE;
	if (access(path, F_OK) == -1) {
		fprintf(stderr, "newswatch: no database at %s (newswatchd creates it "
		    "when it first starts)\n", path);
		return NULL;
	}
	if (sqlite3_open_v2(path, &db, flags, NULL) != SQLITE_OK) {
		fprintf(stderr, "newswatch: %s: %s\n", path,
		    db != NULL ? sqlite3_errmsg(db) : "cannot open");
		sqlite3_close(db);
		return NULL;
	}
	sqlite3_busy_timeout(db, BUSY_TIMEOUT_MS);
	return db;
}

/* The outbox's pending and dead counts (0 without an outbox). */
static void
outbox_counts(sqlite3 *db, long long *pending, long long *dead)
{
	sqlite3_stmt *st;

	*pending = *dead = 0;
	if (!store_ops_table_exists(db, "outbox") || sqlite3_prepare_v2(db,
	    "SELECT coalesce(sum(state = 'pending'), 0),"
	    " coalesce(sum(state = 'dead'), 0) FROM outbox", -1, &st,
	    NULL) != SQLITE_OK)
		return;
	if (sqlite3_step(st) == SQLITE_ROW) {
		*pending = sqlite3_column_int64(st, 0);
		*dead = sqlite3_column_int64(st, 1);
	}
	sqlite3_finalize(st);
}

/* The query over the sources, with articles of the last day when they exist. */
static sqlite3_stmt *
sources_query(sqlite3 *db)
{
	sqlite3_stmt *st;
	const char *sql = store_ops_table_exists(db, "articles") ?
	    "SELECT s.name, s.last_success, s.last_status, s.last_error, s.failures,"
	    " s.next_due, (SELECT count(*) FROM articles a WHERE a.source_id = s.id"
	    " AND a.fetched_at >= ?1 - 86400), s.enabled, s.disabled_reason"
	    " FROM sources s ORDER BY s.name" :
	    "SELECT s.name, s.last_success, s.last_status, s.last_error, s.failures,"
	    " s.next_due, 0, s.enabled, s.disabled_reason, ?1"
	    " FROM sources s ORDER BY s.name";

	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK) {
		fprintf(stderr, "newswatch: status: %s\n", sqlite3_errmsg(db));
		return NULL;
	}
	sqlite3_bind_int64(st, 1, (sqlite3_int64)time(NULL));
	return st;
}

/* A column as a JSON integer, or null. */
static json_t *
int_or_null(sqlite3_stmt *st, int i)
{
	if (sqlite3_column_type(st, i) == SQLITE_NULL)
		return json_null();
	return json_integer(sqlite3_column_int64(st, i));
}

/* One source row as the JSON object of status --json. */
static json_t *
source_json(sqlite3_stmt *st)
{
	json_t *o = json_object();
	const char *err = (const char *)sqlite3_column_text(st, 3);

	json_object_set_new(o, "name",
	    json_string((const char *)sqlite3_column_text(st, 0)));
	json_object_set_new(o, "last_success", int_or_null(st, 1));
	json_object_set_new(o, "last_status", int_or_null(st, 2));
	json_object_set_new(o, "last_error", err != NULL ? json_string(err) :
	    json_null());
	json_object_set_new(o, "failures", json_integer(sqlite3_column_int64(st, 4)));
	json_object_set_new(o, "next_due", int_or_null(st, 5));
	json_object_set_new(o, "articles_24h",
	    json_integer(sqlite3_column_int64(st, 6)));
	return o;
}

/* Print the whole status as one JSON object. */
static int
print_json(sqlite3 *db, sqlite3_stmt *st)
{
	json_t *root = json_object(), *sources = json_array(), *outbox;
	long long pending, dead;
	int rc;

	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		json_array_append_new(sources, source_json(st));
	outbox_counts(db, &pending, &dead);
	outbox = json_pack("{sIsI}", "pending", (json_int_t)pending, "dead",
	    (json_int_t)dead);
	json_object_set_new(root, "sources", sources);
	json_object_set_new(root, "outbox", outbox);
	json_dumpf(root, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	putchar('\n');
	json_decref(root);
	return rc == SQLITE_DONE ? CLI_OK : CLI_ERROR;
}

/* A Unix time as "YYYY-MM-DD HH:MM" UTC, or "-" for none. */
static const char *
fmt_time(sqlite3_stmt *st, int i, char *buf, size_t size)
{
	time_t t;
	struct tm tm;

	if (sqlite3_column_type(st, i) == SQLITE_NULL ||
	    (t = (time_t)sqlite3_column_int64(st, i)) <= 0)
		return "-";
	gmtime_r(&t, &tm);
	strftime(buf, size, "%Y-%m-%d %H:%MZ", &tm);
	return buf;
}

/* A source's health in a word. */
static const char *
health(sqlite3_stmt *st)
{
	if (sqlite3_column_int(st, 7) == 0)
		return "idle";
	if (sqlite3_column_type(st, 8) != SQLITE_NULL)
		return "disabled";
	if (sqlite3_column_int(st, 4) > 0)
		return "failing";
	if (sqlite3_column_type(st, 1) == SQLITE_NULL)
		return "new";
	return "ok";
}

/* Print one source row as a table line. */
static void
print_row(sqlite3_stmt *st)
{
	char a[32], b[32], status[16] = "-";
	const char *err = (const char *)sqlite3_column_text(st, 3);
	const char *why = (const char *)sqlite3_column_text(st, 8);

	if (sqlite3_column_type(st, 2) != SQLITE_NULL)
		snprintf(status, sizeof status, "%d", sqlite3_column_int(st, 2));
	printf("%-20s %-8s %-18s %-6s %4d %-18s %6lld  %s\n",
	    (const char *)sqlite3_column_text(st, 0), health(st),
	    fmt_time(st, 1, a, sizeof a), status, sqlite3_column_int(st, 4),
	    fmt_time(st, 5, b, sizeof b), (long long)sqlite3_column_int64(st, 6),
	    why != NULL ? why : err != NULL ? err : "");
}

/* Print the status as a table. */
static int
print_text(sqlite3 *db, sqlite3_stmt *st)
{
	long long pending, dead;
	int rc;

	printf("%-20s %-8s %-18s %-6s %4s %-18s %6s  %s\n", "SOURCE", "HEALTH",
	    "LAST SUCCESS", "STATUS", "FAIL", "NEXT DUE", "24H", "LAST ERROR");
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		print_row(st);
	outbox_counts(db, &pending, &dead);
	printf("outbox: %lld pending, %lld dead\n", pending, dead);
	return rc == SQLITE_DONE ? CLI_OK : CLI_ERROR;
}

/* newswatch status [--json] */
int
cmd_status(struct cli *cli, int argc, char **argv)
{
	int json = 0, rc = CLI_ERROR;
	char *path;
	sqlite3 *db;
	sqlite3_stmt *st;

	if (argc == 2 && strcmp(argv[1], "--json") == 0)
		json = 1;
	else if (argc != 1)
		return cli_usage("status");
	if ((path = ops_db_path(cli)) == NULL)
		return CLI_ERROR;
	db = ops_db_open(path, SQLITE_OPEN_READONLY);
	free(path);
	if (db == NULL)
		return CLI_ERROR;
	if ((st = sources_query(db)) != NULL) {
		rc = json ? print_json(db, st) : print_text(db, st);
		sqlite3_finalize(st);
	}
	sqlite3_close(db);
	return rc;
}
