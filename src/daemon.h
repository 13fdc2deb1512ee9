/*
 * daemon: what newswatchd's parts share. main (newswatchd.c) owns one struct
 * daemon: the event_base, the running configuration and the store. Each part
 * (sched, http, notify, admin, …) plugs in through a struct daemon_part listed in
 * newswatchd.c's parts[] table; main calls its hooks at start, reload and stop, so
 * no part needs main rewritten.
 */
#ifndef NW_DAEMON_H
#define NW_DAEMON_H

struct event_base;
struct conf;
struct store;

struct daemon {
	struct event_base *base;
	struct conf	*conf;		/* the running configuration; replaced whole on reload */
	struct store	*store;		/* open from start until after every part's free */
	const char	*conf_path;
	int		 once;		/* --once: one round of polling, then exit */
	int		 once_taken;	/* a part set this in start: it calls daemon_stop */
	int		 stopping;	/* SIGTERM/SIGINT seen: take no new work */
	int		 exit_status;	/* what main returns */
	/* The parts' own state, opaque to main. */
	struct sched	*sched;
	struct http	*http;
	struct notify	*notify;
	struct watch	*watch;		/* the compiled watchlists (watch_part.h) */
	struct admin	*admin;
	struct poller	*poller;	/* the sources as sched sees them (poller.c) */
	struct pages_ingest *pages;	/* pages of listings and full_text (pages_ingest.c) */
};

/*
 * One part's hooks; any may be NULL. Called in parts[] order (free in reverse).
 *   start:  after the configuration is loaded, the database open and the sources
 *           table synced, before READY=1. -1 with *cause: the daemon exits 1.
 *   reload: after a valid new configuration is in d->conf and the sources are
 *           synced; old is the previous one, freed when every hook returned.
 *   stop:   SIGTERM/SIGINT: stop taking new work; work in flight may go on.
 *   busy:   non-zero while work is still in flight; polled after stop until every
 *           part is idle or the stop bound passes.
 *   free:   release everything; the loop no longer runs, the store is still open.
 *           Called only for the parts whose start succeeded (or had none).
 */
struct daemon_part {
	const char	*name;
	int		(*start)(struct daemon *, char **cause);
	void		(*reload)(struct daemon *, struct conf *old);
	void		(*stop)(struct daemon *);
	int		(*busy)(struct daemon *);
	void		(*free)(struct daemon *);
};

/* The --once flag, also readable before a struct daemon exists. */
extern int daemon_once;

/* Ask the daemon to stop as after SIGTERM, exiting with status. */
void	daemon_stop(struct daemon *, int status);
/* Set systemd's one-line STATUS= (printf-like). */
void	daemon_status(struct daemon *, const char *, ...)
	    __attribute__((format(printf, 2, 3)));

#endif
