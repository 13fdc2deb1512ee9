/*
 * store-cli: runs this part's CLI commands (dedup, articles, article) the way
 * newswatch does, for tests/dedup.sh until the lead adds them to newswatch.c's
 * table: `store-cli [-c FILE] [--db FILE] COMMAND ARGS…`.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "cmd_dedup.h"
#include "log.h"

/* The usage line of a command (newswatch.c has the real table). */
int
cli_usage(const char *name)
{
	fprintf(stderr, "usage: newswatch %s ...\n", name);
	return CLI_ERROR;
}

int
main(int argc, char **argv)
{
	struct cli	cli = { "/nonexistent", 0, NULL };
	int		i = 1;

	log_init("newswatch", LOG_LEVEL_WARN);
	while (i + 1 < argc && (strcmp(argv[i], "--db") == 0 ||
	    strcmp(argv[i], "-c") == 0)) {
		if (strcmp(argv[i], "--db") == 0)
			cli.db_path = argv[i + 1];
		else {
			cli.conf_path = argv[i + 1];
			cli.conf_given = 1;
		}
		i += 2;
	}
	if (i == argc)
		return CLI_ERROR;
	if (strcmp(argv[i], "dedup") == 0)
		return cmd_dedup(&cli, argc - i, argv + i);
	if (strcmp(argv[i], "articles") == 0)
		return cmd_articles(&cli, argc - i, argv + i);
	if (strcmp(argv[i], "article") == 0)
		return cmd_article(&cli, argc - i, argv + i);
	return CLI_ERROR;
}
