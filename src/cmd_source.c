/*
 * cmd_source: `newswatch source enable NAME` clears a source the daemon disabled
 * (disabled_reason, e.g. after 410 Gone), resets its failures and makes it due
 * now. Only the database's owner may change it.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "cmd_status.h"
#include "store_ops.h"
#include "xmalloc.h"

/* Refuse unless the effective user owns the database file. */
static int
check_owner(const char *path)
{
	struct stat sb;

	if (stat(path, &sb) == -1) {
		fprintf(stderr, "newswatch: %s: %s\n", path, strerror(errno));
		return -1;
	}
	if (sb.st_uid != geteuid()) {
		fprintf(stderr, "newswatch: %s belongs to uid %lu: run this as its "
		    "owner (e.g. sudo -u newswatch)\n", path, (unsigned long)sb.st_uid);
		return -1;
	}
	return 0;
}

/* Clear the disabled state of one source; CLI status. */
static int
enable(sqlite3 *db, const char *name)
{
	char *cause;
	int changed, enabled;

	changed = store_ops_source_enable(db, name, (int64_t)time(NULL), &enabled,
	    &cause);
	if (enabled == 0)
		printf("source %s: enabled = false in the configuration; it stays "
		    "idle until that changes\n", name);
	if (changed == -1) {
		fprintf(stderr, "newswatch: source enable: %s\n", cause);
		free(cause);
		return CLI_ERROR;
	}
	if (!changed) {
		fprintf(stderr, "newswatch: no source \"%s\" in the database\n", name);
		return CLI_NOTHING;
	}
	printf("source %s: enabled and due now (the running daemon takes it up at "
	    "its next reload)\n", name);
	return CLI_OK;
}

/* newswatch source enable NAME */
int
cmd_source(struct cli *cli, int argc, char **argv)
{
	char *path;
	sqlite3 *db;
	int rc = CLI_ERROR;

	if (argc != 3 || strcmp(argv[1], "enable") != 0)
		return cli_usage("source");
	if ((path = ops_db_path(cli)) == NULL)
		return CLI_ERROR;
	if (check_owner(path) == 0 && (db = ops_db_open(path, 0)) != NULL) {
		rc = enable(db, argv[2]);
		sqlite3_close(db);
	}
	free(path);
	return rc;
}
