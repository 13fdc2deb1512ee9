/* cmd_parse: `newswatch parse [--json] FILE|URL|-` prints what the feed parser returns. */
#ifndef NW_CMD_PARSE_H
#define NW_CMD_PARSE_H

struct cli;

/* Run the parse command; 0 when a result was printed, 2 otherwise. */
int	cmd_parse(struct cli *, int, char **);

#endif
