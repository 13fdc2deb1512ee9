/*
 * admin: the daemon's loopback HTTP endpoint (evhttp on the daemon's loop), at
 * daemon.admin_listen ("host:port", "[v6]:port"; "" disables it).
 *
 *   GET /healthz  200 {"status":"ok","version","uptime","sources","db":"ok"}
 *                 when the loop runs and the database answers a cheap SELECT;
 *                 503 {"status":"error"|"stopping", …, "db": why} otherwise.
 *   GET /metrics  the Prometheus text format (metrics.h).
 * HEAD works as GET without a body; other methods get 405, other paths 404.
 * Requests are bounded: headers ADMIN_MAX_HEADERS bytes, body ADMIN_MAX_BODY,
 * ADMIN_TIMEOUT seconds per connection. A reload that changes admin_listen binds
 * the new address first and keeps the old one if that fails.
 */
#ifndef NW_ADMIN_H
#define NW_ADMIN_H

#include "daemon.h"

#define ADMIN_MAX_HEADERS	8192
#define ADMIN_MAX_BODY		1024
#define ADMIN_TIMEOUT		10

extern const struct daemon_part admin_part;

/*
 * Split "host:port" or "[v6]:port" into a new host string and a port. -1 with
 * *cause on a malformed address.
 */
int	admin_parse_listen(const char *, char **host, unsigned short *port,
	    char **cause);

#endif
