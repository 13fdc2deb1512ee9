/* peer: starting the tests' Python servers and running helper programs. */
#include "config.h"

#include <sys/wait.h>

#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "peer.h"
#include "xmalloc.h"

extern char **environ;

/* The interpreter: $PYTHON3, else Debian's /usr/bin/python3. */
const char *
peer_python(void)
{
	const char	*py = getenv("PYTHON3");

	return py != NULL && *py != '\0' ? py : "/usr/bin/python3";
}

/* $top_srcdir/tests/NAME. */
char *
peer_script(const char *name)
{
	const char	*top = getenv("top_srcdir");
	char		*path;

	xasprintf(&path, "%s/tests/%s", top != NULL ? top : ".", name);
	return path;
}

/* Spawn argv with its standard output on *out; the pid or -1. */
static pid_t
spawn_piped(char *const argv[], int *out)
{
	posix_spawn_file_actions_t	 fa;
	int				 fd[2];
	pid_t				 pid;

	if (pipe(fd) != 0)
		return -1;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, fd[1], 1);
	posix_spawn_file_actions_addclose(&fa, fd[0]);
	if (posix_spawn(&pid, argv[0], &fa, NULL, argv, environ) != 0)
		pid = -1;
	posix_spawn_file_actions_destroy(&fa);
	close(fd[1]);
	if (pid == -1)
		close(fd[0]);
	else
		*out = fd[0];
	return pid;
}

/* Start a server and read the port it prints once it listens. */
pid_t
peer_start(char *const argv[], int *port)
{
	char	 buf[32];
	ssize_t	 n;
	pid_t	 pid;
	int	 fd;

	*port = 0;
	if ((pid = spawn_piped(argv, &fd)) == -1)
		return -1;
	n = read(fd, buf, sizeof buf - 1);	/* the port: ready */
	close(fd);
	buf[n > 0 ? n : 0] = '\0';
	*port = atoi(buf);
	if (*port <= 0) {
		kill(pid, SIGTERM);
		waitpid(pid, NULL, 0);
		return -1;
	}
	return pid;
}

/* Run a program to its end and return its standard output. */
char *
peer_run(char *const argv[])
{
	char	*out = NULL, buf[4096];
	size_t	 len = 0;
	ssize_t	 n;
	pid_t	 pid;
	int	 fd;

	if ((pid = spawn_piped(argv, &fd)) == -1)
		return NULL;
	while ((n = read(fd, buf, sizeof buf)) > 0) {
		out = xreallocarray(out, len + n + 1, 1);
		memcpy(out + len, buf, n);
		len += n;
		out[len] = '\0';
	}
	close(fd);
	waitpid(pid, NULL, 0);
	return out;
}

/* The receiver's logged requests on a path (peer.h). */
size_t
peer_records(const char *log, const char *path, json_t **out, size_t max)
{
	FILE	*f;
	char	 line[65536];
	json_t	*r;
	size_t	 n = 0;

	if ((f = fopen(log, "r")) == NULL)
		return 0;
	while (fgets(line, sizeof line, f) != NULL && n < max) {
		if ((r = json_loads(line, 0, NULL)) == NULL)
			continue;
		if (strcmp(json_string_value(json_object_get(r, "path")), path) == 0)
			out[n++] = r;
		else
			json_decref(r);
	}
	fclose(f);
	return n;
}

/* Free records. */
void
peer_records_free(json_t **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		json_decref(v[i]);
}
