/*
 * extract-main: runs cmd_extract as `newswatch extract` would, for the CLI tests
 * (the command table of src/newswatch.c is the lead's to extend).
 */
#include "config.h"

#include <stdio.h>

#include "cli.h"
#include "cmd_extract.h"
#include "log.h"

/* Print the command's usage line. */
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

	log_init("newswatch", LOG_LEVEL_WARN);
	argv[0] = "extract";
	return cmd_extract(&cli, argc, argv);
}
