/*
 * outbox-fill CONF N WORD: store N hand-made stories whose titles contain WORD
 * in the configuration's database and run watch_article on each (alert on), as
 * ingest would; prints the number of outbox rows queued.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>

#include "alerts-fixture.h"
#include "conf.h"
#include "daemon.h"
#include "log.h"
#include "store.h"
#include "watch_part.h"
#include "xmalloc.h"

int
main(int argc, char **argv)
{
	struct daemon d = { 0 };
	char *errors, *path, entry[32], title[128];
	int n;

	log_init("outbox-fill", LOG_LEVEL_WARN);
	if (argc != 4 || (n = atoi(argv[2])) <= 0)
		fatalx("usage: outbox-fill CONF N WORD");
	if ((d.conf = conf_load(argv[1], &errors)) == NULL)
		fatalx("%s", errors);
	xasprintf(&path, "%s/newswatch.db", d.conf->daemon.state_dir);
	if ((d.store = store_open(path, &errors)) == NULL ||
	    store_sync_sources(d.store, d.conf, &errors) == -1 ||
	    watch_part.start(&d, &errors) == -1)
		fatalx("%s", errors);
	for (int i = 0; i < n; i++) {
		snprintf(entry, sizeof entry, "%s-%d", argv[3], i);
		snprintf(title, sizeof title, "Story %d about %s", i, argv[3]);
		fx_ingest(&d, d.conf->sources[0].name, entry, title, "Text.", 0, 1);
	}
	watch_part.free(&d);
	store_close(d.store);
	conf_free(d.conf);
	free(path);
	return 0;
}
