/* cmd_dedup: the CLI commands of the store part (dedup, articles, article). */
#ifndef NW_CMD_DEDUP_H
#define NW_CMD_DEDUP_H

struct cli;

int	cmd_dedup(struct cli *, int, char **);
int	cmd_articles(struct cli *, int, char **);
int	cmd_article(struct cli *, int, char **);

#endif
