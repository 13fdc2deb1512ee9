/* cmd_outbox: the CLI commands of the alerts part (outbox, retry, backtest, notify-test). */
#ifndef NW_CMD_OUTBOX_H
#define NW_CMD_OUTBOX_H

struct cli;

int	cmd_outbox(struct cli *, int, char **);
int	cmd_retry(struct cli *, int, char **);
int	cmd_backtest(struct cli *, int, char **);
int	cmd_notify_test(struct cli *, int, char **);

#endif
