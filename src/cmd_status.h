/*
 * The operations commands of the newswatch tool:
 *   status [--json]       every source's health, the outbox backlog and dead alerts
 *   source enable NAME    clear a source the daemon disabled; due now
 *   import-opml FILE      print a sources = ( … ); setting from an OPML export
 *   test-source NAME|URL  fetch and process one source, changing nothing
 */
#ifndef NW_CMD_STATUS_H
#define NW_CMD_STATUS_H

#include <sqlite3.h>

struct cli;

int	cmd_status(struct cli *, int, char **);
int	cmd_source(struct cli *, int, char **);
int	cmd_import_opml(struct cli *, int, char **);
int	cmd_test_source(struct cli *, int, char **);

/*
 * The database path of a command: --db, else state_dir/newswatch.db of the
 * configuration. NULL after printing why.
 */
char	*ops_db_path(struct cli *);
/*
 * Open the database: read-only (flags SQLITE_OPEN_READONLY) for reading while
 * the daemon runs (WAL), or read-write; a busy timeout of a few seconds. NULL
 * after printing why.
 */
sqlite3	*ops_db_open(const char *path, int flags);

#endif
