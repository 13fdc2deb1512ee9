/* cmd_check_config: check a configuration as `newswatchd -n` does. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>

#include "cli.h"
#include "cmd_check_config.h"
#include "conf.h"
#include "notify_dispatch.h"

/* newswatch check-config: print "configuration OK" or every error; 0 or 2. */
int
cmd_check_config(struct cli *cli, int argc, char **argv)
{
	struct conf *c;
	char *errors;

	if (argc != 1)
		return cli_usage(argv[0]);
	if ((c = conf_load(cli->conf_path, &errors)) == NULL) {
		fputs(errors, stderr);
		free(errors);
		return CLI_ERROR;
	}
	if (notify_check_conf(c, &errors) == -1) {
		fputs(errors, stderr);
		free(errors);
		conf_free(c);
		return CLI_ERROR;
	}
	printf("configuration OK\n");
	conf_free(c);
	return CLI_OK;
}
