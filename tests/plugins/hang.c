/* hang: a test plugin whose sends never complete. */
#include "config.h"

#include <stdlib.h>

#include "newswatch/plugin.h"

struct hang {
	const struct nw_host	*host;
	unsigned		 sends;
};

/* Take no configuration. */
static int
plugin_init(const struct nw_host *host, struct nw_config *cfg, void **instance,
    char **cause)
{
	struct hang	*h;

	if ((h = calloc(1, sizeof *h)) == NULL)
		return -1;
	h->host = host;
	*instance = h;
	return 0;
}

/* Accept the alert and never say how it went. */
static void
plugin_send(void *instance, const struct nw_alert *alert, nw_send_done_cb done, void *arg)
{
	struct hang	*h = instance;

	h->sends++;
	h->host->log(h->host, NW_LOG_DEBUG, "swallowed %s", alert->delivery_id);
}

/* Free the instance. */
static void
plugin_fini(void *instance)
{
	free(instance);
}

static const struct nw_plugin desc = {
	.abi = NEWSWATCH_PLUGIN_ABI,
	.name = "hang",
	.description = "never completes",
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
