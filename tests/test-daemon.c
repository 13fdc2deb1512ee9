/*
 * test-daemon: the part hooks of newswatchd, in process. A test part records each
 * call: start raises SIGHUP, reload raises SIGTERM, stop leaves work in flight for
 * a few polls of busy, and free comes last.
 */
#include "config.h"

#include <signal.h>

#include "../src/daemon.h"

static const struct daemon_part test_part;
#define NW_TEST_PARTS &test_part,
#define main newswatchd_main
#include "../src/newswatchd.c"
#undef main

#include "tap.h"

static char calls[256];
static int in_flight;
static int reload_swapped;	/* reload saw old and new, distinct */

/* Note one call. */
static void
record(const char *what)
{
	if (strlen(calls) + strlen(what) + 2 < sizeof calls) {
		strcat(calls, calls[0] != '\0' ? " " : "");
		strcat(calls, what);
	}
}

/* start: the database is open and the sources synced; ask for a reload. */
static int
test_start(struct daemon *d, char **cause)
{
	record(d->store != NULL && store_version(d->store) > 0 ? "start" :
	    "start-without-store");
	raise(SIGHUP);
	return 0;
}

/* reload: the new configuration is in place; ask for a stop. */
static void
test_reload(struct daemon *d, struct conf *old)
{
	reload_swapped = old != NULL && d->conf != NULL && old != d->conf;
	record("reload");
	raise(SIGTERM);
}

/* stop: three polls of work still in flight. */
static void
test_stop(struct daemon *d)
{
	record(d->stopping ? "stop" : "stop-not-stopping");
	in_flight = 3;
}

/* busy: work finishes one poll at a time. */
static int
test_busy(struct daemon *d)
{
	record("busy");
	return in_flight-- > 0;
}

/* free: last. */
static void
test_free(struct daemon *d)
{
	record(d->store != NULL ? "free" : "free-without-store");
}

static const struct daemon_part test_part = {
	"test", test_start, test_reload, test_stop, test_busy, test_free
};

int
main(void)
{
	char dir[] = "/tmp/test-daemon.XXXXXX", *conf, *cmd;
	char *argv[] = { "newswatchd", "-c", NULL, NULL };
	FILE *f;
	int rc;

	if (mkdtemp(dir) == NULL)
		fatal("mkdtemp");
	xasprintf(&conf, "%s/newswatch.conf", dir);
	if ((f = fopen(conf, "w")) == NULL)
		fatal("%s", conf);
	fprintf(f, "daemon = { state_dir = \"%s\"; admin_listen = \"\"; "
	    "log_level = \"warning\"; };\nsources = ( { name = \"a\"; "
	    "url = \"https://a.example.org/\"; } );\n", dir);
	fclose(f);
	unsetenv("NOTIFY_SOCKET");
	argv[2] = conf;
	rc = newswatchd_main(3, argv);
	is_int(rc, 0, "the daemon exits 0");
	is_str(calls, "start reload stop busy busy busy busy free",
	    "hooks called in order: start, reload, stop, busy until idle, free");
	ok(reload_swapped,
	    "reload gets the old configuration, d->conf the new one");
	xasprintf(&cmd, "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		diag("cleanup failed");
	free(cmd);
	free(conf);
	return done_testing();
}
