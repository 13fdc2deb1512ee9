/*
 * newswatchd: the daemon. Options, one event_base, signals as events, sd_notify,
 * reload; the parts plug in through the parts[] table below (daemon.h).
 */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>

#ifdef HAVE_SYSTEMD
#include <systemd/sd-daemon.h>
#endif

#include "admin.h"
#include "conf.h"
#include "daemon.h"
#include "log.h"
#include "notify_dispatch.h"
#include "pages_ingest.h"
#include "poller.h"
#include "store.h"
#include "watch_part.h"
#include "xmalloc.h"

#define STOP_BOUND_SEC	20	/* work in flight gets this long after SIGTERM */
#define STOP_POLL_MS	50

/*
 * The parts, in start order. Each later part adds its `&name_part` here (declared
 * in its own header): sched, http, notify, admin. (A test may put parts of its own
 * first through NW_TEST_PARTS.)
 */
#ifndef NW_TEST_PARTS
#define NW_TEST_PARTS
#endif
static const struct daemon_part *const parts[] = {
	NW_TEST_PARTS
	&watch_part,
	&poller_http_part,
	&poller_sched_part,
	&pages_part,
	&notify_part,
	&admin_part,
	NULL
};

int daemon_once;

static int verbose;			/* -v count */
static size_t nstarted;			/* parts whose start succeeded */
static int ready;			/* READY=1 sent: reloads are possible */
static struct event *stop_timer, *stop_bound, *watchdog_timer;
static struct event *sig_term, *sig_int, *sig_hup;

/* Send one message to systemd, if it listens. */
static void
notify(const char *fmt, ...)
{
#ifdef HAVE_SYSTEMD
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	sd_notify(0, msg);
#else
	(void)fmt;
#endif
}

/* Set systemd's one-line status. */
void
daemon_status(struct daemon *d, const char *fmt, ...)
{
	char msg[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	msg[strcspn(msg, "\n")] = '\0';
	notify("STATUS=%s", msg);
}

/* Apply the log level of the configuration, raised by each -v. */
static void
apply_log_level(const struct conf *c)
{
	int level = c->daemon.log_level + verbose;

	log_setlevel(level > LOG_LEVEL_DEBUG ? LOG_LEVEL_DEBUG : level);
}

/* Log every line of a multi-line error text. */
static void
log_lines(const char *text)
{
	const char *nl;

	for (; *text != '\0'; text = nl + 1) {
		if ((nl = strchr(text, '\n')) == NULL)
			nl = text + strlen(text);
		log_warnx("%.*s", (int)(nl - text), text);
		if (*nl == '\0')
			break;
	}
}

/* libevent's messages go to our logger. */
static void
libevent_log_cb(int severity, const char *msg)
{
	switch (severity) {
	case EVENT_LOG_DEBUG:
		log_debug("libevent: %s", msg);
		break;
	case EVENT_LOG_MSG:
		log_info("libevent: %s", msg);
		break;
	default:
		log_warnx("libevent: %s", msg);
		break;
	}
}

/* The one-line status after start or reload. */
static void
status_watching(struct daemon *d)
{
	size_t on = 0;

	for (size_t i = 0; i < d->conf->nsources; i++)
		on += d->conf->sources[i].enabled != 0;
	daemon_status(d, "Watching %zu sources, %zu watchlists", on,
	    d->conf->nwatchlists);
}

/* Is any part still working? */
static int
parts_busy(struct daemon *d)
{
	for (size_t i = 0; i < nstarted; i++)
		if (parts[i]->busy != NULL && parts[i]->busy(d))
			return 1;
	return 0;
}

/* After stop: leave the loop once every part is idle. */
static void
stop_poll_cb(evutil_socket_t fd, short events, void *arg)
{
	struct daemon *d = arg;
	struct timeval tv = { 0, STOP_POLL_MS * 1000 };

	if (!parts_busy(d)) {
		event_base_loopbreak(d->base);
		return;
	}
	evtimer_add(stop_timer, &tv);
}

/* The stop bound passed: leave the loop with work still in flight. */
static void
stop_bound_cb(evutil_socket_t fd, short events, void *arg)
{
	struct daemon *d = arg;

	log_warnx("work still in flight after %d seconds; stopping anyway",
	    STOP_BOUND_SEC);
	event_base_loopbreak(d->base);
}

/* Stop taking new work and leave the loop when the parts are idle or bound passes. */
void
daemon_stop(struct daemon *d, int status)
{
	struct timeval now = { 0, 0 }, bound = { STOP_BOUND_SEC, 0 };

	if (d->stopping)
		return;
	d->stopping = 1;
	d->exit_status = status;
	notify("STOPPING=1");
	for (size_t i = 0; i < nstarted; i++)
		if (parts[i]->stop != NULL)
			parts[i]->stop(d);
	stop_timer = evtimer_new(d->base, stop_poll_cb, d);
	stop_bound = evtimer_new(d->base, stop_bound_cb, d);
	evtimer_add(stop_timer, &now);
	evtimer_add(stop_bound, &bound);
}

/* SIGTERM, SIGINT: a graceful stop; a second one stops at once. */
static void
sig_stop_cb(evutil_socket_t sig, short events, void *arg)
{
	struct daemon *d = arg;

	if (d->stopping) {
		log_warnx("signal %d again: stopping now", (int)sig);
		event_base_loopbreak(d->base);
		return;
	}
	log_info("signal %d: stopping", (int)sig);
	daemon_stop(d, 0);
}

/* Microseconds of CLOCK_MONOTONIC, for RELOADING=1. */
static unsigned long long
monotonic_usec(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (unsigned long long)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* Swap a checked configuration in and tell the parts. */
static void
swap_conf(struct daemon *d, struct conf *c)
{
	struct conf *old = d->conf;
	char *cause;

	if (strcmp(old->daemon.state_dir, c->daemon.state_dir) != 0)
		log_warnx("daemon.state_dir changed: takes effect on restart");
	d->conf = c;
	apply_log_level(c);
	if (store_sync_sources(d->store, c, &cause) == -1) {
		log_warnx("sync sources: %s", cause);
		free(cause);
	}
	for (size_t i = 0; i < nstarted; i++)
		if (parts[i]->reload != NULL)
			parts[i]->reload(d, old);
	conf_free(old);
	log_info("configuration reloaded: %zu sources, %zu watchlists, "
	    "%zu notifiers", c->nsources, c->nwatchlists, c->nnotifiers);
}

/* SIGHUP: read the configuration again; swap it in whole or keep the old one. */
static void
sig_hup_cb(evutil_socket_t sig, short events, void *arg)
{
	struct daemon *d = arg;
	struct conf *c;
	char *errors;

	if (d->stopping || !ready)
		return;
	notify("RELOADING=1\nMONOTONIC_USEC=%llu", monotonic_usec());
	log_info("signal %d: reloading %s", (int)sig, d->conf_path);
	if ((c = conf_load(d->conf_path, &errors)) == NULL ||
	    notify_check_conf(c, &errors) == -1) {
		log_lines(errors);
		log_warnx("reload failed; keeping the running configuration");
		free(errors);
		conf_free(c);
	} else
		swap_conf(d, c);
	status_watching(d);
	notify("READY=1");
}

/* Send WATCHDOG=1 from the loop. */
static void
watchdog_cb(evutil_socket_t fd, short events, void *arg)
{
	notify("WATCHDOG=1");
}

/* Start the watchdog timer at half of WATCHDOG_USEC, if systemd asks for one. */
static void
start_watchdog(struct daemon *d)
{
#ifdef HAVE_SYSTEMD
	uint64_t usec;
	struct timeval tv;

	if (sd_watchdog_enabled(0, &usec) <= 0)
		return;
	usec /= 2;
	tv.tv_sec = usec / 1000000;
	tv.tv_usec = usec % 1000000;
	watchdog_timer = event_new(d->base, -1, EV_PERSIST, watchdog_cb, d);
	event_add(watchdog_timer, &tv);
	log_debug("watchdog every %llu ms", (unsigned long long)usec / 1000);
#endif
}

/* Create the state directory if it does not exist (its parent must). */
static int
make_state_dir(const char *dir, char **cause)
{
	if (mkdir(dir, 0700) == 0 || errno == EEXIST)
		return 0;
	xasprintf(cause, "%s: %s", dir, strerror(errno));
	return -1;
}

/* Open the database in the state directory and sync the sources. */
static int
open_store(struct daemon *d, char **cause)
{
	char *path;

	if (make_state_dir(d->conf->daemon.state_dir, cause) == -1)
		return -1;
	xasprintf(&path, "%s/newswatch.db", d->conf->daemon.state_dir);
	d->store = store_open(path, cause);
	free(path);
	if (d->store == NULL)
		return -1;
	return store_sync_sources(d->store, d->conf, cause);
}

/* Start the parts in order; -1 with *cause when one fails. */
static int
start_parts(struct daemon *d, char **cause)
{
	size_t i;

	for (i = 0; parts[i] != NULL; i++) {
		nstarted = i;
		if (parts[i]->start == NULL)
			continue;
		if (parts[i]->start(d, cause) == -1) {
			char *tmp = *cause;

			xasprintf(cause, "%s: %s", parts[i]->name, tmp);
			free(tmp);
			return -1;
		}
	}
	nstarted = i;
	return 0;
}

/* Startup work from a zero-delay timer: database, parts, READY=1. */
static void
startup_cb(evutil_socket_t fd, short events, void *arg)
{
	struct daemon *d = arg;
	char *cause;

	if (d->stopping)
		return;		/* a signal came first: nothing to start */
	if (open_store(d, &cause) == -1 || start_parts(d, &cause) == -1) {
		log_errorx("%s", cause);
		free(cause);
		d->exit_status = 1;
		event_base_loopbreak(d->base);
		return;
	}
	start_watchdog(d);
	status_watching(d);
	notify("READY=1");
	ready = 1;
	log_info("started: %zu sources, %zu watchlists, %zu notifiers; state in %s",
	    d->conf->nsources, d->conf->nwatchlists, d->conf->nnotifiers,
	    d->conf->daemon.state_dir);
	if (d->once && !d->once_taken)
		daemon_stop(d, 0);	/* no part polls yet: one round is nothing */
}

/* Print the usage to a stream. */
static void
usage(FILE *f)
{
	fprintf(f, "usage: newswatchd [-nvVh] [--once] [-c FILE]\n"
	    "  -c FILE   configuration (default %s/newswatch/newswatch.conf)\n"
	    "  -n        check the configuration and exit\n"
	    "  -v        more verbose (repeatable)\n"
	    "  --once    poll every source once, deliver, and exit\n"
	    "  -V        print the version\n"
	    "  -h        print this help\n", SYSCONFDIR);
}

/* Parse the options; exit on -V, -h and errors. */
static void
parse_options(int argc, char **argv, const char **path, int *check)
{
	static const struct option longopts[] = {
		{ "once", no_argument, NULL, 'O' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 }
	};
	int ch;

	while ((ch = getopt_long(argc, argv, "c:nvVh", longopts, NULL)) != -1) {
		switch (ch) {
		case 'c':
			*path = optarg;
			break;
		case 'n':
			*check = 1;
			break;
		case 'v':
			verbose++;
			break;
		case 'O':
			daemon_once = 1;
			break;
		case 'V':
			printf("newswatchd %s\n", PACKAGE_VERSION);
			exit(0);
		case 'h':
			usage(stdout);
			exit(0);
		default:
			usage(stderr);
			exit(2);
		}
	}
	if (optind != argc) {
		usage(stderr);
		exit(2);
	}
}

/* Register the signal events and ignore SIGPIPE. */
static void
set_signals(struct daemon *d)
{
	signal(SIGPIPE, SIG_IGN);
	sig_term = evsignal_new(d->base, SIGTERM, sig_stop_cb, d);
	sig_int = evsignal_new(d->base, SIGINT, sig_stop_cb, d);
	sig_hup = evsignal_new(d->base, SIGHUP, sig_hup_cb, d);
	evsignal_add(sig_term, NULL);
	evsignal_add(sig_int, NULL);
	evsignal_add(sig_hup, NULL);
}

/* Free the events, the parts, the store and the configuration. */
static void
teardown(struct daemon *d)
{
	struct event *evs[] = { stop_timer, stop_bound, watchdog_timer, sig_term,
	    sig_int, sig_hup };
	size_t n = nstarted;

	while (n-- > 0)
		if (parts[n]->free != NULL)
			parts[n]->free(d);
	for (size_t i = 0; i < sizeof evs / sizeof evs[0]; i++)
		if (evs[i] != NULL)
			event_free(evs[i]);
	store_close(d->store);
	conf_free(d->conf);
	event_base_free(d->base);
	libevent_global_shutdown();
}

/* Load the configuration or print every error; with -n print the verdict. */
static struct conf *
load_conf(const char *path, int check)
{
	struct conf *c;
	char *errors;

	if ((c = conf_load(path, &errors)) == NULL) {
		fputs(errors, stderr);
		free(errors);
		exit(2);
	}
	if (notify_check_conf(c, &errors) == -1) {	/* the plugins' groups */
		fputs(errors, stderr);
		free(errors);
		conf_free(c);
		exit(2);
	}
	if (check) {
		printf("configuration OK\n");
		conf_free(c);
		exit(0);
	}
	return c;
}

/* Load the configuration, then run the loop until a stop; startup runs in it. */
int
main(int argc, char **argv)
{
	struct daemon d = { 0 };
	struct event *start;
	struct timeval zero = { 0, 0 };
	int check = 0;

	d.conf_path = SYSCONFDIR "/newswatch/newswatch.conf";
	log_init("newswatchd", LOG_LEVEL_INFO);
	parse_options(argc, argv, &d.conf_path, &check);
	d.once = daemon_once;
	d.conf = load_conf(d.conf_path, check);
	apply_log_level(d.conf);
	event_set_log_callback(libevent_log_cb);
	if ((d.base = event_base_new()) == NULL)
		fatalx("event_base_new failed");
	set_signals(&d);
	start = evtimer_new(d.base, startup_cb, &d);
	evtimer_add(start, &zero);
	event_base_dispatch(d.base);
	event_free(start);
	log_info("stopped");
	teardown(&d);
	return d.exit_status;
}
