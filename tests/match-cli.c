/*
 * match-cli: runs cmd_match as `newswatch match` would, for tests/match.sh until
 * the command is in newswatch.c's table.
 */
#include "config.h"

#include <curl/curl.h>

#include "cli.h"
#include "cmd_match.h"
#include "log.h"

int
main(int argc, char **argv)
{
	struct cli cli = { "/nonexistent", 0, NULL };
	int r;

	log_init("newswatch", LOG_LEVEL_WARN);
	curl_global_init(CURL_GLOBAL_DEFAULT);
	r = cmd_match(&cli, argc, argv);
	curl_global_cleanup();
	return r;
}
