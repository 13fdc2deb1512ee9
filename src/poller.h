/*
 * poller: the daemon's http and sched parts (daemon.h): one curl multi handle
 * on the loop (http), and every enabled source scheduled, fetched when due with
 * its headers, credentials, limits and validators, and its response handed to
 * ingest, which commits it with the source's new fetch state (sched). Also the
 * --once cycle and the retention timer.
 */
#ifndef NW_POLLER_H
#define NW_POLLER_H

struct daemon_part;

extern const struct daemon_part poller_http_part;
extern const struct daemon_part poller_sched_part;

#endif
