/*
 * cmd_match: `newswatch match [--json] [--stem LANG] 'QUERY' FILE|URL|-`.
 * Table entry for src/newswatch.c:
 *   { "match", cmd_match, "[--json] [--stem LANG] QUERY FILE|URL|-",
 *     "match a watchlist query against a file, URL or stdin" },
 */
#ifndef NW_CMD_MATCH_H
#define NW_CMD_MATCH_H

struct cli;

int	cmd_match(struct cli *, int, char **);

#endif
