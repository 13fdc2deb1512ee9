/* newswatchd: the daemon (placeholder until the foundation lands). */
#include "config.h"

#include <stdio.h>

#include "log.h"

int
main(void)
{
	log_init("newswatchd", LOG_LEVEL_INFO);
	printf("newswatchd %s\n", PACKAGE_VERSION);
	return 0;
}
