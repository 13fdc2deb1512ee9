/* log: one logger on standard error, journald-aware (see log.h). */
#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "log.h"

static const char *log_progname = "newswatch";
static int log_level = LOG_LEVEL_INFO;
static int log_journal;		/* stderr goes to journald: <N> prefixes */
static int log_tty;		/* stderr is a terminal: timestamps */

/* Set up the logger: detect journald and terminals. */
void
log_init(const char *progname, int level)
{
	log_progname = progname;
	log_level = level;
	log_journal = getenv("JOURNAL_STREAM") != NULL;
	log_tty = isatty(STDERR_FILENO);
}

/* Change the verbosity, returning the old one. */
int
log_setlevel(int level)
{
	int old = log_level;

	log_level = level;
	return old;
}

/* The current verbosity. */
int
log_getlevel(void)
{
	return log_level;
}

/* Map a level name to its LOG_LEVEL_* value. */
int
log_level_parse(const char *name)
{
	static const char *names[] = { "error", "warning", "info", "debug" };

	for (int i = 0; i < 4; i++)
		if (strcmp(name, names[i]) == 0)
			return i;
	return -1;
}

/* Write one finished line at a level, with the prefix the output wants. */
static void
log_line(int level, const char *msg)
{
	static const int prio[] = { 3, 4, 6, 7 };	/* sd-daemon.h values */
	char stamp[32] = "";

	if (log_journal) {
		fprintf(stderr, "<%d>%s\n", prio[level], msg);
		return;
	}
	if (log_tty) {
		time_t now = time(NULL);
		struct tm tm;

		localtime_r(&now, &tm);
		strftime(stamp, sizeof stamp, "%Y-%m-%d %H:%M:%S ", &tm);
	}
	fprintf(stderr, "%s%s: %s\n", stamp, log_progname, msg);
}

/* Format and write one line at a level. */
void
vlog(int level, const char *fmt, va_list ap)
{
	char msg[4096];
	int saved = errno;

	if (level <= log_level) {
		vsnprintf(msg, sizeof msg, fmt, ap);
		log_line(level, msg);
	}
	errno = saved;
}

/* Format a line, append the text of errno, and write it. */
static void
vlog_errno(int level, const char *fmt, va_list ap)
{
	char msg[4096];
	size_t len;
	int saved = errno;

	if (level <= log_level) {
		vsnprintf(msg, sizeof msg, fmt, ap);
		len = strlen(msg);
		snprintf(msg + len, sizeof msg - len, ": %s", strerror(saved));
		log_line(level, msg);
	}
	errno = saved;
}

#define LOG_FN(name, level, how)		\
void						\
name(const char *fmt, ...)			\
{						\
	va_list ap;				\
						\
	va_start(ap, fmt);			\
	how(level, fmt, ap);			\
	va_end(ap);				\
}

/* Warnings with and without errno, information, debugging and errors. */
LOG_FN(log_warn, LOG_LEVEL_WARN, vlog_errno)
LOG_FN(log_warnx, LOG_LEVEL_WARN, vlog)
LOG_FN(log_info, LOG_LEVEL_INFO, vlog)
LOG_FN(log_debug, LOG_LEVEL_DEBUG, vlog)
LOG_FN(log_errorx, LOG_LEVEL_ERR, vlog)

/* Log an error with errno's text and exit: start-up and broken invariants only. */
void
fatal(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog_errno(LOG_LEVEL_ERR, fmt, ap);
	va_end(ap);
	exit(2);
}

/* Log an error and exit: start-up and broken invariants only. */
void
fatalx(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(LOG_LEVEL_ERR, fmt, ap);
	va_end(ap);
	exit(2);
}
