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
#include "store_outbox.h"
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

/* A JSON integer, or null. */
static json_t *
int_or_null(int has, int64_t v)
{
	return has ? json_integer(v) : json_null();
}

/* One source row as the JSON object of status --json. */
static json_t *
source_json(const struct store_ops_source *s)
{
	json_t *o = json_object();

	json_object_set_new(o, "name", json_string(s->name));
	json_object_set_new(o, "last_success",
	    int_or_null(s->has_last_success, s->last_success));
	json_object_set_new(o, "last_status",
	    int_or_null(s->has_last_status, s->last_status));
	json_object_set_new(o, "last_error", s->last_error != NULL ?
	    json_string(s->last_error) : json_null());
	json_object_set_new(o, "failures", json_integer(s->failures));
	json_object_set_new(o, "next_due", int_or_null(s->has_next_due,
	    s->next_due));
	json_object_set_new(o, "articles_24h", json_integer(s->articles_24h));
	return o;
}

/* Print the whole status as one JSON object. */
static void
print_json(sqlite3 *db, const struct store_ops_sources *ss)
{
	json_t *root = json_object(), *sources = json_array(), *outbox;
	long long pending, dead;

	for (size_t i = 0; i < ss->n; i++)
		json_array_append_new(sources, source_json(&ss->v[i]));
	store_outbox_counts(db, &pending, &dead);
	outbox = json_pack("{sIsI}", "pending", (json_int_t)pending, "dead",
	    (json_int_t)dead);
	json_object_set_new(root, "sources", sources);
	json_object_set_new(root, "outbox", outbox);
	json_dumpf(root, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	putchar('\n');
	json_decref(root);
}

/* A Unix time as "YYYY-MM-DD HH:MM" UTC, or "-" for none. */
static const char *
fmt_time(int has, int64_t v, char *buf, size_t size)
{
	time_t t;
	struct tm tm;

	if (!has || (t = (time_t)v) <= 0)
		return "-";
	gmtime_r(&t, &tm);
	strftime(buf, size, "%Y-%m-%d %H:%MZ", &tm);
	return buf;
}

/* A source's health in a word. */
static const char *
health(const struct store_ops_source *s)
{
	if (s->enabled == 0)
		return "idle";
	if (s->disabled_reason != NULL)
		return "disabled";
	if ((int)s->failures > 0)
		return "failing";
	if (!s->has_last_success)
		return "new";
	return "ok";
}

/* Print one source row as a table line. */
static void
print_row(const struct store_ops_source *s)
{
	char a[32], b[32], status[16] = "-";

	if (s->has_last_status)
		snprintf(status, sizeof status, "%d", (int)s->last_status);
	printf("%-20s %-8s %-18s %-6s %4d %-18s %6lld  %s\n",
	    s->name, health(s),
	    fmt_time(s->has_last_success, s->last_success, a, sizeof a), status,
	    (int)s->failures, fmt_time(s->has_next_due, s->next_due, b, sizeof b),
	    (long long)s->articles_24h, s->disabled_reason != NULL ?
	    s->disabled_reason : s->last_error != NULL ? s->last_error : "");
}

/* Print the status as a table. */
static void
print_text(sqlite3 *db, const struct store_ops_sources *ss)
{
	long long pending, dead;

	printf("%-20s %-8s %-18s %-6s %4s %-18s %6s  %s\n", "SOURCE", "HEALTH",
	    "LAST SUCCESS", "STATUS", "FAIL", "NEXT DUE", "24H", "LAST ERROR");
	for (size_t i = 0; i < ss->n; i++)
		print_row(&ss->v[i]);
	store_outbox_counts(db, &pending, &dead);
	printf("outbox: %lld pending, %lld dead\n", pending, dead);
}

/* newswatch status [--json] */
int
cmd_status(struct cli *cli, int argc, char **argv)
{
	struct store_ops_sources ss;
	int json = 0, r;
	char *path, *cause;
	sqlite3 *db;

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
	if ((r = store_ops_sources(db, (int64_t)time(NULL), &ss, &cause)) == -1) {
		fprintf(stderr, "newswatch: status: %s\n", cause);
		free(cause);
	} else {
		if (json)
			print_json(db, &ss);
		else
			print_text(db, &ss);
		store_ops_sources_free(&ss);
	}
	sqlite3_close(db);
	return r == 0 ? CLI_OK : CLI_ERROR;
}
