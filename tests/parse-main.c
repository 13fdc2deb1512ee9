/*
 * parse-main: runs cmd_parse as `newswatch parse` would, for tests/parse.sh while
 * the command table of src/newswatch.c does not list it yet.
 */
#include "config.h"

#include <stdio.h>

#include "cli.h"
#include "cmd_parse.h"

/* The usage line of the one command. */
int
cli_usage(const char *name)
{
	fprintf(stderr, "usage: newswatch %s [--json] FILE|URL|-\n", name);
	return CLI_ERROR;
}

int
main(int argc, char **argv)
{
	struct cli cli = { NULL, 0, NULL };

	return cmd_parse(&cli, argc - 1, argv + 1);
}
