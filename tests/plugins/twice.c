/*
 * twice: a test plugin that completes each send twice (or, with twice = false,
 * once), with the status given by its `status` key, which may be invalid.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "newswatch/plugin.h"

struct twice {
	int	 status;
	int	 twice;
	char	*label;
};

/* Read status, twice and label. */
static int
plugin_init(const struct nw_host *host, struct nw_config *cfg, void **instance,
    char **cause)
{
	struct twice	*t;
	const char	*label = "twice";
	int64_t		 status = NW_SEND_OK;
	int		 twice = 1;

	if (host->config_int(cfg, "status", &status) < 0 ||
	    host->config_bool(cfg, "twice", &twice) < 0 ||
	    host->config_string(cfg, "label", &label) < 0)
		return -1;
	if ((t = calloc(1, sizeof *t)) == NULL)
		return -1;
	t->status = (int)status;
	t->twice = twice;
	t->label = strdup(label);
	*instance = t;
	return 0;
}

/* Complete the send, twice. */
static void
plugin_send(void *instance, const struct nw_alert *alert, nw_send_done_cb done, void *arg)
{
	struct twice		*t = instance;
	struct nw_send_result	 r = { t->status, 200, t->label, -1 };

	done(&r, arg);
	if (t->twice)
		done(&r, arg);
}

/* Free the instance. */
static void
plugin_fini(void *instance)
{
	struct twice	*t = instance;

	free(t->label);
	free(t);
}

static const struct nw_plugin desc = {
	.abi = NEWSWATCH_PLUGIN_ABI,
	.name = "twice",
	.description = "completes twice",
	.init = plugin_init,
	.send = plugin_send,
	.fini = plugin_fini,
};

/* The descriptor. */
const struct nw_plugin *
newswatch_plugin(void)
{
	return &desc;
}
