/*
 * peer: the Python servers the C tests and benchmarks talk to on 127.0.0.1
 * (webhook-receiver.py, smtp-server.py, ...), started with their stdout on a
 * pipe: each prints its port there once it listens.
 */
#ifndef NW_PEER_H
#define NW_PEER_H

#include <sys/types.h>

/* The interpreter: $PYTHON3, else Debian's /usr/bin/python3. */
const char	*peer_python(void);
/* $top_srcdir/tests/NAME (allocated). */
char		*peer_script(const char *name);
/*
 * Start argv (argv[0] the program) and read the port it prints once ready;
 * the pid with *port set, or -1 (and *port 0) when it did not start.
 */
pid_t		 peer_start(char *const argv[], int *port);
/* Run argv to its end; its standard output (allocated), NULL if it failed. */
char		*peer_run(char *const argv[]);

#endif
