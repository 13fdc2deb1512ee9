/*
 * watch_stub: STAND-IN for the alerts part's src/watch.c until it is merged;
 * matches nothing, queues nothing.
 */
#include "config.h"

#include <stddef.h>

#include "watch.h"

/* Match nothing (the alerts part implements the real step). */
int
watch_article(struct daemon *d, const struct watch_article *wa, char **cause)
{
	(void)d;
	(void)wa;
	(void)cause;
	return 0;
}
