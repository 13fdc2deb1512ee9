/*
 * cmd_outbox: the alert commands of the CLI.
 *   newswatch outbox [--pending | --dead | --delivered] [--json]
 *   newswatch retry ID... | --dead                   dead alerts back in the queue
 *   newswatch backtest WATCHLIST [--since 7d]        what a watchlist would have alerted
 *   newswatch notify-test NOTIFIER                   send a sample alert
 * retry changes the database: it refuses to run as another user than its owner.
 */
#include "config.h"

#include <sys/stat.h>

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>
#include <jansson.h>

#include "cli.h"
#include "cmd_outbox.h"
#include "conf.h"
#include "match.h"
#include "notify_dispatch.h"
#include "store.h"
#include "store_outbox.h"
#include "watch_part.h"
#include "xmalloc.h"

/* Load the configuration or print its errors. */
static struct conf *
load_conf(struct cli *cli)
{
	struct conf *c;
	char *errors;

	if ((c = conf_load(cli->conf_path, &errors)) == NULL) {
		fputs(errors, stderr);
		free(errors);
	}
	return c;
}

/* The database path: --db, else state_dir/newswatch.db. */
static char *
db_path(struct cli *cli)
{
	struct conf *c;
	char *path;

	if (cli->db_path != NULL)
		return xstrdup(cli->db_path);
	if ((c = load_conf(cli)) == NULL)
		return NULL;
	xasprintf(&path, "%s/newswatch.db", c->daemon.state_dir);
	conf_free(c);
	return path;
}

/* Open the database; with write, refuse a user who does not own the file. */
static struct store *
open_db(struct cli *cli, int write)
{
	struct store *s;
	struct stat sb;
	char *path, *cause;

	if ((path = db_path(cli)) == NULL)
		return NULL;
	if (stat(path, &sb) == -1) {
		fprintf(stderr, "newswatch: %s: %s\n", path, strerror(errno));
		free(path);
		return NULL;
	}
	if (write && sb.st_uid != geteuid()) {
		fprintf(stderr, "newswatch: %s belongs to uid %u; run this as its "
		    "owner\n", path, (unsigned)sb.st_uid);
		free(path);
		return NULL;
	}
	if ((s = store_open(path, &cause)) == NULL) {
		fprintf(stderr, "newswatch: %s\n", cause);
		free(cause);
	}
	free(path);
	return s;
}

/* A Unix time as UTC ISO 8601, or "-". */
static const char *
isotime(int64_t t, char *buf, size_t len)
{
	time_t tt = (time_t)t;
	struct tm tm;

	if (t <= 0 || gmtime_r(&tt, &tm) == NULL)
		return "-";
	strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm);
	return buf;
}

/* One row as text. */
static void
print_row_cb(const struct outbox_row *r, void *arg)
{
	char next[32];

	(void)arg;
	printf("%-6" PRId64 " %-9s %3d  %-16s %-16s story %-6" PRId64 " next %s  %s\n",
	    r->id, r->state, r->attempts, r->notifier,
	    r->watchlist != NULL ? r->watchlist : "-", r->story_id,
	    isotime(r->next_attempt_at, next, sizeof next),
	    r->last_error != NULL ? r->last_error : "");
}

/* A string or JSON null. */
static json_t *
jstr(const char *s)
{
	return s != NULL ? json_string(s) : json_null();
}

/* One row into the JSON array. */
static void
json_row_cb(const struct outbox_row *r, void *arg)
{
	json_t *o = json_object();

	json_object_set_new(o, "id", json_integer(r->id));
	json_object_set_new(o, "delivery_id", jstr(r->delivery_id));
	json_object_set_new(o, "state", jstr(r->state));
	json_object_set_new(o, "notifier", jstr(r->notifier));
	json_object_set_new(o, "watchlist", jstr(r->watchlist));
	json_object_set_new(o, "story_id", json_integer(r->story_id));
	json_object_set_new(o, "attempts", json_integer(r->attempts));
	json_object_set_new(o, "created_at", json_integer(r->created_at));
	json_object_set_new(o, "next_attempt_at", json_integer(r->next_attempt_at));
	json_object_set_new(o, "last_code", json_integer(r->last_code));
	json_object_set_new(o, "last_error", jstr(r->last_error));
	json_object_set_new(o, "digest_id", jstr(r->digest_id));
	json_object_set_new(o, "delivered_at", r->delivered_at > 0 ?
	    json_integer(r->delivered_at) : json_null());
	json_array_append_new(arg, o);
}

/* newswatch outbox [--pending | --dead | --delivered] [--json]. */
int
cmd_outbox(struct cli *cli, int argc, char **argv)
{
	const char *state = NULL;
	struct store *s;
	json_t *arr;
	int asjson = 0, rc;

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--pending") == 0 && state == NULL)
			state = OUTBOX_PENDING;
		else if (strcmp(argv[i], "--dead") == 0 && state == NULL)
			state = OUTBOX_DEAD;
		else if (strcmp(argv[i], "--delivered") == 0 && state == NULL)
			state = OUTBOX_DELIVERED;
		else if (strcmp(argv[i], "--json") == 0)
			asjson = 1;
		else
			return cli_usage(argv[0]);
	}
	if ((s = open_db(cli, 0)) == NULL)
		return CLI_ERROR;
	if (!asjson)
		rc = store_outbox_list(s, state, print_row_cb, NULL);
	else {
		arr = json_array();
		rc = store_outbox_list(s, state, json_row_cb, arr);
		json_dumpf(arr, stdout, JSON_INDENT(2));
		putchar('\n');
		json_decref(arr);
	}
	store_close(s);
	return rc == 0 ? CLI_OK : CLI_ERROR;
}

/* Put the dead rows named back in the queue; the number of misses. */
static int
retry_ids(struct store *s, int argc, char **argv, int *done)
{
	char *end;
	long long id;
	int miss = 0, rc;

	for (int i = 1; i < argc; i++) {
		errno = 0;
		id = strtoll(argv[i], &end, 10);
		if (errno != 0 || *end != '\0' || id <= 0) {
			fprintf(stderr, "newswatch: retry: %s: not an alert id\n",
			    argv[i]);
			miss++;
		} else if ((rc = store_outbox_retry(s, id, time(NULL))) != 1) {
			fprintf(stderr, "newswatch: retry: %lld: %s\n", id,
			    rc == 0 ? "no dead alert with this id" : "database error");
			miss++;
		} else
			(*done)++;
	}
	return miss;
}

/* newswatch retry ID... | --dead. */
int
cmd_retry(struct cli *cli, int argc, char **argv)
{
	struct store *s;
	int done = 0, miss = 0, all;

	if (argc < 2)
		return cli_usage(argv[0]);
	all = strcmp(argv[1], "--dead") == 0;
	if (all && argc != 2)
		return cli_usage(argv[0]);
	for (int i = 1; i < argc && !all; i++)
		if (argv[i][0] == '-')
			return cli_usage(argv[0]);
	if ((s = open_db(cli, 1)) == NULL)
		return CLI_ERROR;
	if (all) {
		if ((done = store_outbox_retry_dead(s, time(NULL))) < 0)
			miss = 1;
	} else
		miss = retry_ids(s, argc, argv, &done);
	store_close(s);
	printf("%d alert%s queued again\n", done < 0 ? 0 : done,
	    done == 1 ? "" : "s");
	return miss > 0 ? CLI_NOTHING : CLI_OK;
}

/* A backtest run: one line per story the watchlist would have alerted. */
struct backtest {
	struct matcher	*m;
	int64_t		*stories;
	size_t		 n;
	const struct stored_article *a;
};

/* Whether a story was already reported. */
static int
seen_story(struct backtest *b, int64_t story)
{
	for (size_t i = 0; i < b->n; i++)
		if (b->stories[i] == story)
			return 1;
	b->stories = xreallocarray(b->stories, b->n + 1, sizeof *b->stories);
	b->stories[b->n++] = story;
	return 0;
}

/* A hit: the story's first matching article, with its snippet (built only then). */
static void
backtest_hit_cb(const struct match_hit *hits, size_t n, void *arg)
{
	struct backtest *b = arg;
	const struct stored_article *a = b->a;
	struct match_hit full;
	char when[32];

	(void)n;		/* one watchlist: one hit */
	if (seen_story(b, a->story_id))
		return;
	match_hit_describe(&hits[0], &full);
	printf("%s  story %" PRId64 "  %s  %s\n  %s\n  %s\n",
	    isotime(a->fetched_at, when, sizeof when), a->story_id,
	    a->source != NULL ? a->source : "-", a->title != NULL ? a->title : "",
	    a->url != NULL ? a->url : "", full.snippet);
}

/* One stored article through the watchlist. */
static void
backtest_article_cb(const struct stored_article *a, void *arg)
{
	struct backtest *b = arg;
	struct match_doc doc = { a->title, a->text, a->summary, a->url, a->source,
	    a->author, a->lang };

	b->a = a;
	matcher_match(b->m, &doc, MATCH_NOSNIPPET, backtest_hit_cb, b);
}

/* Parse backtest's arguments; -1 on a usage error. */
static int
backtest_args(int argc, char **argv, const char **name, int64_t *since)
{
	*since = 7LL * 86400 * 1000;
	*name = NULL;
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--since") == 0 && i + 1 < argc) {
			if (conf_parse_duration(argv[++i], since) == -1)
				return -1;
		} else if (argv[i][0] != '-' && *name == NULL)
			*name = argv[i];
		else
			return -1;
	}
	return *name != NULL ? 0 : -1;
}

/* newswatch backtest WATCHLIST [--since 7d]. */
int
cmd_backtest(struct cli *cli, int argc, char **argv)
{
	const struct conf_watchlist *wl;
	struct backtest b = { 0 };
	const char *name;
	struct store *s = NULL;
	struct conf *c;
	int64_t since;
	char *cause;
	int rc = CLI_ERROR;

	if (backtest_args(argc, argv, &name, &since) == -1)
		return cli_usage(argv[0]);
	if ((c = load_conf(cli)) == NULL)
		return CLI_ERROR;
	if ((wl = conf_find_watchlist(c, name)) == NULL)
		fprintf(stderr, "newswatch: no watchlist named \"%s\"\n", name);
	else if ((b.m = matcher_new()) != NULL && watch_add(b.m, 0, wl, &cause) == -1) {
		fprintf(stderr, "newswatch: watchlist %s: %s\n", name, cause);
		free(cause);
	} else if ((s = open_db(cli, 0)) != NULL) {
		matcher_compile(b.m);
		if (store_articles_since(s, time(NULL) - since / 1000,
		    backtest_article_cb, &b) == 0)
			rc = b.n > 0 ? CLI_OK : CLI_NOTHING;
		if (rc == CLI_NOTHING)
			printf("watchlist %s: nothing would have alerted\n", name);
		else if (rc == CLI_OK)
			printf("watchlist %s: %zu stor%s would have alerted\n", name,
			    b.n, b.n == 1 ? "y" : "ies");
	}
	store_close(s);
	matcher_free(b.m);
	free(b.stories);
	conf_free(c);
	return rc;
}

/* newswatch notify-test NOTIFIER. */
int
cmd_notify_test(struct cli *cli, int argc, char **argv)
{
	struct notify_test_result t;
	struct conf *c;
	char *cause;
	int rc;

	if (argc != 2)
		return cli_usage(argv[0]);
	if ((c = load_conf(cli)) == NULL)
		return CLI_ERROR;
	curl_global_init(CURL_GLOBAL_DEFAULT);
	if (notify_test(c, argv[1], &t, &cause) == -1) {
		fprintf(stderr, "newswatch: %s\n", cause);
		free(cause);
		rc = CLI_ERROR;
	} else {
		printf("%s: %s, receiver answered %d: %s\n", argv[1],
		    t.status == 1 ? "delivered" : t.status == 2 ?
		    "failed, would retry" : "failed permanently", t.code,
		    t.text != NULL ? t.text : "");
		rc = t.status == 1 ? CLI_OK : CLI_NOTHING;
		free(t.text);
	}
	conf_free(c);
	curl_global_cleanup();
	return rc;
}
