/*
 * peer: the Python servers the C tests and benchmarks talk to on 127.0.0.1
 * (webhook-receiver.py, smtp-server.py, ...), started with their stdout on a
 * pipe: each prints its port there once it listens.
 */
#ifndef NW_PEER_H
#define NW_PEER_H

#include <sys/types.h>

#include <jansson.h>

/* The interpreter: $PYTHON3, else Debian's /usr/bin/python3. */
const char	*peer_python(void);
/* $top_srcdir/tests/NAME (allocated). */
char		*peer_script(const char *name);
/*
 * Start argv (argv[0] the program) and read the port it prints once ready;
 * the pid with *port set, or -1 (and *port 0) when it did not start.
 */
pid_t		 peer_start(char *const argv[], int *port);
/*
 * The requests webhook-receiver.py logged (--log FILE) on path, in order, at
 * most max into out; the count. Free them with peer_records_free.
 */
size_t		 peer_records(const char *log, const char *path, json_t **out,
		    size_t max);
void		 peer_records_free(json_t **, size_t);
/* Run argv to its end; its standard output (allocated), NULL if it failed. */
char		*peer_run(char *const argv[]);

#endif
