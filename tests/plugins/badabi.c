/* badabi: a test plugin built for another ABI version; the loader refuses it. */
#include "config.h"

#include <stdlib.h>

#include "newswatch/plugin.h"

/* Never called: the loader stops at the version. */
static int
plugin_init(const struct nw_host *host, struct nw_config *cfg, void **instance,
    char **cause)
{
	abort();
}

/* Never called. */
static void
plugin_send(void *instance, const struct nw_alert *alert, nw_send_done_cb done, void *arg)
{
	abort();
}

/* Never called. */
static void
plugin_fini(void *instance)
{
	abort();
}

static const struct nw_plugin desc = {
	.abi = NEWSWATCH_PLUGIN_ABI + 41,
	.name = "badabi",
	.description = "built for another plugin ABI",
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
