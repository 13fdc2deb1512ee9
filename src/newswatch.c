/*
 * newswatch: the command-line tool. Global options may stand before or after the
 * command; everything else is the command's (see cli.h).
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "cmd_check_config.h"
#include "cmd_dedup.h"
#include "cmd_parse.h"
#include "cmd_match.h"
#include "cmd_extract.h"
#include "cmd_dedup.h"
#include "cmd_outbox.h"
#include "cmd_status.h"
#include "log.h"

/* The commands, in the order `newswatch -h` lists them. */
static const struct cli_cmd commands[] = {
	{ "parse", cmd_parse, "[--json] FILE|URL|-", "print what the feed parser reads from a feed" },
	{ "extract", cmd_extract, "[--json] FILE|URL|-", "print the main text of an article page" },
	{ "match", cmd_match, "[--json] [--stem LANG] QUERY FILE|URL|-", "match a watchlist query against a file, URL or stdin" },
	{ "dedup", cmd_dedup, "[--explain] FILE...|@LIST", "group articles into stories as the daemon would" },
	{ "articles", cmd_articles, "[--source NAME] [--since 1d] [--json]", "list the stored articles, newest first" },
	{ "article", cmd_article, "ID [--json]", "show a stored article with its story's sightings" },
	{ "backtest", cmd_backtest, "WATCHLIST [--since 7d]", "run a watchlist over the stored articles" },
	{ "outbox", cmd_outbox, "[--pending | --dead | --delivered] [--json]", "list the alerts in the outbox" },
	{ "retry", cmd_retry, "ID... | --dead", "put dead alerts back in the queue" },
	{ "notify-test", cmd_notify_test, "NOTIFIER", "send a sample alert through a notifier" },
	{ "status", cmd_status, "[--json]", "every source's health, the outbox backlog and dead alerts" },
	{ "source", cmd_source, "enable NAME", "clear a source the daemon disabled and make it due now" },
	{ "import-opml", cmd_import_opml, "FILE", "print a sources setting made from an OPML export" },
	{ "test-source", cmd_test_source, "NAME|URL", "fetch and process one source without changing the database" },
	{ "check-config", cmd_check_config, "", "check the configuration and exit (as newswatchd -n)" },
	{ NULL, NULL, NULL, NULL }
};

/* Find a command by name. */
static const struct cli_cmd *
find_command(const char *name)
{
	for (const struct cli_cmd *c = commands; c->name != NULL; c++)
		if (strcmp(c->name, name) == 0)
			return c;
	return NULL;
}

/* Print usage of a command. */
int
cli_usage(const char *name)
{
	const struct cli_cmd *c = find_command(name);

	if (c == NULL)
		fprintf(stderr, "usage: newswatch [-c FILE] [--db FILE] COMMAND ...\n");
	else
		fprintf(stderr, "usage: newswatch %s %s\n", c->name, c->usage);
	return CLI_ERROR;
}

/* Print the list of commands. */
static void
usage(FILE *f)
{
	fprintf(f, "usage: newswatch [-c FILE] [--db FILE] COMMAND [ARG ...]\n"
	    "       newswatch -V | -h\n\ncommands:\n");
	for (const struct cli_cmd *c = commands; c->name != NULL; c++)
		fprintf(f, "  %-12s %s\n", c->name, c->help);
}

/* Take the global options out of argv wherever they stand; -1 on a missing value. */
static int
strip_globals(struct cli *cli, int *argc, char **argv)
{
	int i, j;

	for (i = 1, j = 1; i < *argc; i++) {
		const char *a = argv[i];

		if (strcmp(a, "--") == 0) {
			while (i < *argc)
				argv[j++] = argv[i++];
			break;
		}
		if (strcmp(a, "-c") == 0 || strcmp(a, "--config") == 0) {
			if (++i == *argc)
				return -1;
			cli->conf_path = argv[i];
			cli->conf_given = 1;
		} else if (strncmp(a, "--config=", 9) == 0) {
			cli->conf_path = a + 9;
			cli->conf_given = 1;
		} else if (strcmp(a, "--db") == 0) {
			if (++i == *argc)
				return -1;
			cli->db_path = argv[i];
		} else if (strncmp(a, "--db=", 5) == 0)
			cli->db_path = a + 5;
		else
			argv[j++] = argv[i];
	}
	*argc = j;
	argv[j] = NULL;
	return 0;
}

int
main(int argc, char **argv)
{
	struct cli cli = { SYSCONFDIR "/newswatch/newswatch.conf", 0, NULL };
	const struct cli_cmd *cmd;

	log_init("newswatch", LOG_LEVEL_WARN);
	if (strip_globals(&cli, &argc, argv) == -1) {
		usage(stderr);
		return CLI_ERROR;
	}
	if (argc < 2) {
		usage(stderr);
		return CLI_ERROR;
	}
	if (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0 ||
	    strcmp(argv[1], "help") == 0) {
		usage(stdout);
		return CLI_OK;
	}
	if (strcmp(argv[1], "-V") == 0 || strcmp(argv[1], "--version") == 0) {
		printf("newswatch %s\n", PACKAGE_VERSION);
		return CLI_OK;
	}
	if ((cmd = find_command(argv[1])) == NULL) {
		fprintf(stderr, "newswatch: unknown command: %s\n", argv[1]);
		usage(stderr);
		return CLI_ERROR;
	}
	return cmd->exec(&cli, argc - 1, argv + 1);
}
