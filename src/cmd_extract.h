/*
 * cmd_extract: `newswatch extract [--json] FILE|URL|-`, the main text of an
 * article page (html_extract) on standard output.
 */
#ifndef NW_CMD_EXTRACT_H
#define NW_CMD_EXTRACT_H

struct cli;

/* Exit 0 when it printed a text, 1 when the page has no main text, 2 on errors. */
int	cmd_extract(struct cli *, int argc, char **argv);

#endif
