/*
 * fixture.h: start and stop tests/fixture-server.py from a C test. The server
 * runs with $PYTHON3 from $top_srcdir/tests, on 127.0.0.1 with a free port that it
 * writes to a file we poll for (its readiness signal), and exits by itself after
 * a lifetime even if the test dies.
 */
#ifndef NW_TEST_FIXTURE_H
#define NW_TEST_FIXTURE_H

#include <sys/types.h>
#include <sys/wait.h>

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

struct fixture {
	pid_t	 pid;
	int	 port;
	char	 dir[256];		/* files served under /files/ */
	char	 log[300];		/* the request log (JSON lines) */
	char	 portfile[300];
};

/* Start the server with a fresh temporary directory; 0 or -1. */
static int
fixture_start(struct fixture *f, int lifetime)
{
	const char	*py = getenv("PYTHON3"), *top = getenv("top_srcdir");
	char		 script[512], life[32];
	FILE		*fp;
	int		 i;

	memset(f, 0, sizeof *f);
	snprintf(f->dir, sizeof f->dir, "%s/nwfix.XXXXXX",
	    getenv("TMPDIR") != NULL ? getenv("TMPDIR") : "/tmp");
	if (mkdtemp(f->dir) == NULL)
		return -1;
	snprintf(f->log, sizeof f->log, "%s/requests.log", f->dir);
	snprintf(f->portfile, sizeof f->portfile, "%s/port", f->dir);
	snprintf(script, sizeof script, "%s/tests/fixture-server.py",
	    top != NULL ? top : ".");
	snprintf(life, sizeof life, "%d", lifetime);
	if ((f->pid = fork()) == 0) {
		execl(py != NULL ? py : "/usr/bin/python3", "python3", script,
		    "--dir", f->dir, "--port-file", f->portfile, "--log", f->log,
		    "--lifetime", life, (char *)NULL);
		_exit(127);
	}
	for (i = 0; i < 1000; i++) {		/* up to 10 s */
		if ((fp = fopen(f->portfile, "r")) != NULL) {
			if (fscanf(fp, "%d", &f->port) != 1)
				f->port = 0;
			fclose(fp);
			if (f->port > 0)
				return 0;
		}
		if (waitpid(f->pid, NULL, WNOHANG) == f->pid)
			return -1;
		usleep(10000);
	}
	return -1;
}

/* Write a file the server serves under /files/NAME. */
static void
fixture_write(struct fixture *f, const char *name, const char *content)
{
	char	 path[600];
	FILE	*fp;

	snprintf(path, sizeof path, "%s/%s", f->dir, name);
	if ((fp = fopen(path, "w")) != NULL) {
		fputs(content, fp);
		fclose(fp);
	}
}

/* Stop the server and remove its directory. */
static void
fixture_stop(struct fixture *f)
{
	char	 cmd[600];

	if (f->pid > 0) {
		kill(f->pid, SIGTERM);
		waitpid(f->pid, NULL, 0);
	}
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", f->dir);
	if (system(cmd) != 0)
		fprintf(stderr, "fixture: could not remove %s\n", f->dir);
}

#endif
