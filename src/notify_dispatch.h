/*
 * notify_dispatch: the outbox dispatcher, the `notify` daemon part. It loads the
 * notifiers' plugins (one struct plugins per configuration generation), backs
 * their transfers with a struct http of its own (src/http.h), and sends the due
 * pending outbox rows: rescanned every few seconds and right after a kick, at
 * most NOTIFY_INFLIGHT_MAX in flight per notifier. A row is delivered only on
 * NW_SEND_OK; the rest follows notify_after (notify.h).
 *
 * Stop: on SIGTERM nothing new is sent (sends in flight may finish). With
 * --once the dispatcher goes on sending what is due, and busy stays non-zero
 * while a due row of an available notifier is unsent or a send is in flight:
 * --once exits when its alerts are delivered, dead or scheduled for a retry.
 */
#ifndef NW_NOTIFY_DISPATCH_H
#define NW_NOTIFY_DISPATCH_H

#include <stdint.h>

struct conf;
struct event_base;
struct daemon;
struct daemon_part;

#define NOTIFY_INFLIGHT_MAX	8	/* sends in flight per notifier */
#define NOTIFY_RESCAN_MS	2000	/* pending rows rescanned this often */

extern const struct daemon_part notify_part;

/* Look for due rows soon (after the current callback); NULL notify: nothing. */
void	notify_kick(struct daemon *);

/*
 * Check the notifiers of a configuration as start would: load each plugin and
 * run its init (nothing is sent). 0, or -1 with *errors, one "file:line:
 * message" per line.
 */
int	notify_check_conf(const struct conf *, char **errors);

/* What notify_test got back; text allocated (free it). */
struct notify_test_result {
	int		 done;
	int		 status;	/* NW_SEND_* */
	int		 code;		/* the receiver's status */
	char		*text;		/* the receiver's answer */
	struct event_base *base;
};
/*
 * Send a sample alert through one configured notifier on a private event loop
 * and http; wait for the result. 0 (see t), or -1 with *cause when the notifier
 * is unknown or cannot be set up.
 */
int	notify_test(const struct conf *, const char *notifier,
	    struct notify_test_result *t, char **cause);

/* The dispatcher's clock, Unix milliseconds; tests may replace it. */
extern int64_t	(*notify_clock_fn)(void);

/* Counters, for tests and benchmarks. */
struct notify_stats {
	uint64_t	 sent;
	uint64_t	 delivered;
	uint64_t	 retried;
	uint64_t	 dead;
	unsigned	 inflight;
};
void	notify_stats(struct daemon *, struct notify_stats *);

#endif
