/* cmd_check_config: `newswatch check-config`, the CLI twin of `newswatchd -n`. */
#ifndef NW_CMD_CHECK_CONFIG_H
#define NW_CMD_CHECK_CONFIG_H

struct cli;

int	cmd_check_config(struct cli *, int, char **);

#endif
