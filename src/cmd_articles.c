/*
 * cmd_articles: `newswatch articles [--source NAME] [--since 1d] [--json]` lists
 * stored articles, newest first; `newswatch article ID [--json]` shows one with
 * the sightings of its story. Read-only.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "cli.h"
#include "cmd_dedup.h"
#include "conf.h"
#include "store.h"
#include "xmalloc.h"

/* Open the database of --db, else state_dir/newswatch.db of the configuration. */
static struct store *
open_store(struct cli *cli)
{
	struct store	*s;
	struct conf	*c;
	char		*path, *cause = NULL;

	if (cli->db_path != NULL)
		path = xstrdup(cli->db_path);
	else {
		if ((c = conf_load(cli->conf_path, &cause)) == NULL) {
			fputs(cause, stderr);
			free(cause);
			return NULL;
		}
		xasprintf(&path, "%s/newswatch.db", c->daemon.state_dir);
		conf_free(c);
	}
	if ((s = store_open(path, &cause)) == NULL) {
		fprintf(stderr, "newswatch: %s\n", cause);
		free(cause);
	}
	free(path);
	return s;
}

/* A column as a JSON value: integer, string or null. */
static json_t *
column_json(sqlite3_stmt *st, int i)
{
	switch (sqlite3_column_type(st, i)) {
	case SQLITE_INTEGER:
		return json_integer(sqlite3_column_int64(st, i));
	case SQLITE_NULL:
		return json_null();
	default:
		return json_stringn((const char *)sqlite3_column_text(st, i),
		    sqlite3_column_bytes(st, i));
	}
}

/* A row as a JSON object keyed by column names. */
static json_t *
row_json(sqlite3_stmt *st)
{
	json_t *o = json_object();

	for (int i = 0; i < sqlite3_column_count(st); i++)
		json_object_set_new(o, sqlite3_column_name(st, i), column_json(st, i));
	return o;
}

/* A column as text for the plain output ("-" for NULL). */
static const char *
column_text(sqlite3_stmt *st, int i)
{
	const char *t = (const char *)sqlite3_column_text(st, i);

	return t != NULL ? t : "-";
}

/* Print a JSON value on stdout. */
static void
print_json(json_t *v)
{
	json_dumpf(v, stdout, JSON_INDENT(2));
	printf("\n");
	json_decref(v);
}

#define ARTICLES_SQL							\
	"SELECT a.id AS id, a.story_id AS story, s.name AS source,"	\
	" a.published AS published, a.fetched_at AS fetched,"		\
	" a.title AS title, a.link AS link FROM articles a"		\
	" LEFT JOIN sources s ON s.id = a.source_id"			\
	" WHERE (?1 IS NULL OR s.name = ?1) AND a.fetched_at >= ?2"	\
	" ORDER BY a.fetched_at DESC, a.id DESC"

/* Print the rows of the articles query; how many. */
static int
list_articles(sqlite3_stmt *st, int json)
{
	json_t	*arr = json ? json_array() : NULL;
	int	 n = 0;

	while (sqlite3_step(st) == SQLITE_ROW) {
		n++;
		if (json) {
			json_array_append_new(arr, row_json(st));
			continue;
		}
		printf("%s\t%s\t%s\t%s\t%s\n", column_text(st, 0),
		    column_text(st, 1), column_text(st, 2), column_text(st, 4),
		    column_text(st, 5));
	}
	if (json)
		print_json(arr);
	return n;
}

/* newswatch articles [--source NAME] [--since DURATION] [--json]. */
int
cmd_articles(struct cli *cli, int argc, char **argv)
{
	const char	*source = NULL;
	int64_t		 since = 0;
	int		 json = 0, n;
	struct store	*s;
	sqlite3_stmt	*st;

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--json") == 0)
			json = 1;
		else if (strcmp(argv[i], "--source") == 0 && i + 1 < argc)
			source = argv[++i];
		else if (strcmp(argv[i], "--since") == 0 && i + 1 < argc &&
		    conf_parse_duration(argv[i + 1], &since) == 0)
			i++;
		else
			return cli_usage(argv[0]);
	}
	if ((s = open_store(cli)) == NULL)
		return CLI_ERROR;
	if (sqlite3_prepare_v2(store_db(s), ARTICLES_SQL, -1, &st, NULL) !=
	    SQLITE_OK) {
		fprintf(stderr, "newswatch: %s\n", sqlite3_errmsg(store_db(s)));
		store_close(s);
		return CLI_ERROR;
	}
	if (source != NULL)
		sqlite3_bind_text(st, 1, source, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, since > 0 ? time(NULL) - since / 1000 : 0);
	n = list_articles(st, json);
	sqlite3_finalize(st);
	store_close(s);
	return n > 0 ? CLI_OK : CLI_NOTHING;
}

#define ARTICLE_SQL							\
	"SELECT a.id AS id, a.story_id AS story, s.name AS source,"	\
	" a.entry_id AS entry, a.title AS title, a.link AS link,"	\
	" a.canonical_url AS canonical_url, a.author AS author,"	\
	" a.published AS published, a.updated AS updated,"		\
	" a.fetched_at AS fetched, a.words AS words,"			\
	" a.text_pruned AS text_pruned, a.content AS content"		\
	" FROM articles a LEFT JOIN sources s ON s.id = a.source_id"	\
	" WHERE a.id = ?1"
#define SIGHTINGS_SQL							\
	"SELECT g.seen_at AS seen_at, s.name AS source, g.source_id AS"	\
	" source_id, g.article_id AS article, g.url AS url"		\
	" FROM sightings g LEFT JOIN sources s ON s.id = g.source_id"	\
	" WHERE g.story_id = ?1 ORDER BY g.seen_at, g.id"

/* The sightings of a story, printed or as a JSON array. */
static json_t *
sightings(sqlite3 *db, int64_t story, int json)
{
	sqlite3_stmt	*st;
	json_t		*arr = json ? json_array() : NULL;

	if (sqlite3_prepare_v2(db, SIGHTINGS_SQL, -1, &st, NULL) != SQLITE_OK)
		return arr;
	sqlite3_bind_int64(st, 1, story);
	if (!json)
		printf("sightings:\n");
	while (sqlite3_step(st) == SQLITE_ROW) {
		if (json)
			json_array_append_new(arr, row_json(st));
		else
			printf("  %s\t%s\t%s\n", column_text(st, 0),
			    sqlite3_column_type(st, 1) != SQLITE_NULL ?
			    column_text(st, 1) : column_text(st, 2),
			    column_text(st, 4));
	}
	sqlite3_finalize(st);
	return arr;
}

/* Print one article row and its story's sightings. */
static void
show_article(sqlite3 *db, sqlite3_stmt *st, int json)
{
	int64_t	 story = sqlite3_column_int64(st, 1);
	json_t	*o;

	if (json) {
		o = row_json(st);
		json_object_set_new(o, "sightings", sightings(db, story, 1));
		print_json(o);
		return;
	}
	for (int i = 0; i < sqlite3_column_count(st) - 1; i++)
		printf("%s: %s\n", sqlite3_column_name(st, i), column_text(st, i));
	sightings(db, story, 0);
	if (sqlite3_column_type(st, 13) != SQLITE_NULL)
		printf("\n%s\n", column_text(st, 13));
}

/* newswatch article ID [--json]. */
int
cmd_article(struct cli *cli, int argc, char **argv)
{
	struct store	*s;
	sqlite3_stmt	*st;
	char		*end;
	long long	 id;
	int		 json = argc == 3 && strcmp(argv[2], "--json") == 0, found;

	if (argc < 2 || argc > 3 || (argc == 3 && !json))
		return cli_usage(argv[0]);
	id = strtoll(argv[1], &end, 10);
	if (*argv[1] == '\0' || *end != '\0' || id <= 0)
		return cli_usage(argv[0]);
	if ((s = open_store(cli)) == NULL)
		return CLI_ERROR;
	if (sqlite3_prepare_v2(store_db(s), ARTICLE_SQL, -1, &st, NULL) !=
	    SQLITE_OK) {
		store_close(s);
		return CLI_ERROR;
	}
	sqlite3_bind_int64(st, 1, id);
	if ((found = sqlite3_step(st) == SQLITE_ROW))
		show_article(store_db(s), st, json);
	else
		fprintf(stderr, "newswatch: article %lld: not found\n", id);
	sqlite3_finalize(st);
	store_close(s);
	return found ? CLI_OK : CLI_NOTHING;
}
