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
#include "store_dedup.h"
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

/* A cell as a JSON value: integer, string or null. */
static json_t *
cell_json(const struct store_cell *c)
{
	switch (c->type) {
	case SQLITE_INTEGER:
		return json_integer(c->i);
	case SQLITE_NULL:
		return json_null();
	default:
		return json_stringn(c->text, c->len);
	}
}

/* Row r of a table as a JSON object keyed by column names. */
static json_t *
row_json(const struct store_table *t, size_t r)
{
	json_t *o = json_object();

	for (size_t i = 0; i < t->ncols; i++)
		json_object_set_new(o, t->names[i],
		    cell_json(&t->cells[r * t->ncols + i]));
	return o;
}

/* A cell as text for the plain output ("-" for NULL). */
static const char *
cell_text(const struct store_table *t, size_t r, size_t i)
{
	const char *v = t->cells[r * t->ncols + i].text;

	return v != NULL ? v : "-";
}

/* Print a JSON value on stdout. */
static void
print_json(json_t *v)
{
	json_dumpf(v, stdout, JSON_INDENT(2));
	printf("\n");
	json_decref(v);
}

/* Print the rows of the articles listing. */
static void
list_articles(const struct store_table *t, int json)
{
	json_t	*arr = json ? json_array() : NULL;

	for (size_t r = 0; r < t->nrows; r++) {
		if (json) {
			json_array_append_new(arr, row_json(t, r));
			continue;
		}
		printf("%s\t%s\t%s\t%s\t%s\n", cell_text(t, r, 0),
		    cell_text(t, r, 1), cell_text(t, r, 2), cell_text(t, r, 4),
		    cell_text(t, r, 5));
	}
	if (json)
		print_json(arr);
}

/* newswatch articles [--source NAME] [--since DURATION] [--json]. */
int
cmd_articles(struct cli *cli, int argc, char **argv)
{
	const char		*source = NULL;
	int64_t			 since = 0;
	int			 json = 0, n;
	struct store		*s;
	struct store_table	 t;
	char			*cause;

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
	if (store_articles_list(s, source, since > 0 ? time(NULL) - since / 1000 :
	    0, &t, &cause) == -1) {
		fprintf(stderr, "newswatch: %s\n", cause);
		free(cause);
		store_close(s);
		return CLI_ERROR;
	}
	list_articles(&t, json);
	n = (int)t.nrows;
	store_table_free(&t);
	store_close(s);
	return n > 0 ? CLI_OK : CLI_NOTHING;
}

/* The sightings of a story, printed or as a JSON array. */
static json_t *
sightings(struct store *s, int64_t story, int json)
{
	struct store_table	 t;
	json_t			*arr = json ? json_array() : NULL;

	if (store_story_sightings(s, story, &t) == -1)
		return arr;
	if (!json)
		printf("sightings:\n");
	for (size_t r = 0; r < t.nrows; r++) {
		if (json)
			json_array_append_new(arr, row_json(&t, r));
		else
			printf("  %s\t%s\t%s\n", cell_text(&t, r, 0),
			    t.cells[r * t.ncols + 1].type != SQLITE_NULL ?
			    cell_text(&t, r, 1) : cell_text(&t, r, 2),
			    cell_text(&t, r, 4));
	}
	store_table_free(&t);
	return arr;
}

/* Print one article (row 0 of t) and its story's sightings. */
static void
show_article(struct store *s, const struct store_table *t, int json)
{
	int64_t	 story = t->cells[1].i;
	json_t	*o;

	if (json) {
		o = row_json(t, 0);
		json_object_set_new(o, "sightings", sightings(s, story, 1));
		print_json(o);
		return;
	}
	for (size_t i = 0; i + 1 < t->ncols; i++)
		printf("%s: %s\n", t->names[i], cell_text(t, 0, i));
	sightings(s, story, 0);
	if (t->cells[13].type != SQLITE_NULL)
		printf("\n%s\n", cell_text(t, 0, 13));
}

/* newswatch article ID [--json]. */
int
cmd_article(struct cli *cli, int argc, char **argv)
{
	struct store		*s;
	struct store_table	 t;
	char			*end;
	long long		 id;
	int			 json = argc == 3 && strcmp(argv[2], "--json") == 0;
	int			 found;

	if (argc < 2 || argc > 3 || (argc == 3 && !json))
		return cli_usage(argv[0]);
	id = strtoll(argv[1], &end, 10);
	if (*argv[1] == '\0' || *end != '\0' || id <= 0)
		return cli_usage(argv[0]);
	if ((s = open_store(cli)) == NULL)
		return CLI_ERROR;
	if (store_article_get(s, id, &t) == -1) {
		store_close(s);
		return CLI_ERROR;
	}
	if ((found = t.nrows > 0))
		show_article(s, &t, json);
	else
		fprintf(stderr, "newswatch: article %lld: not found\n", id);
	store_table_free(&t);
	store_close(s);
	return found ? CLI_OK : CLI_NOTHING;
}
