/*
 * log: the one logger (after OpenSMTPD's log.h). Always standard error; under
 * journald (JOURNAL_STREAM set) each line carries a <N> priority prefix, on a
 * terminal a timestamp. errno is preserved across every call.
 */
#ifndef NW_LOG_H
#define NW_LOG_H

#include <stdarg.h>

#define LOG_LEVEL_ERR	0
#define LOG_LEVEL_WARN	1
#define LOG_LEVEL_INFO	2
#define LOG_LEVEL_DEBUG	3

/* Set up the logger for a program; verbosity is a LOG_LEVEL_*. */
void	log_init(const char *progname, int level);
/* Change the verbosity; return the old one. */
int	log_setlevel(int level);
int	log_getlevel(void);
/* Parse "error", "warning", "info" or "debug"; -1 if none of them. */
int	log_level_parse(const char *name);

void	log_warn(const char *, ...) __attribute__((format(printf, 1, 2)));
void	log_warnx(const char *, ...) __attribute__((format(printf, 1, 2)));
void	log_info(const char *, ...) __attribute__((format(printf, 1, 2)));
void	log_debug(const char *, ...) __attribute__((format(printf, 1, 2)));
void	log_errorx(const char *, ...) __attribute__((format(printf, 1, 2)));
void	vlog(int level, const char *, va_list) __attribute__((format(printf, 2, 0)));
__attribute__((noreturn)) void fatal(const char *, ...)
	__attribute__((format(printf, 1, 2)));
__attribute__((noreturn)) void fatalx(const char *, ...)
	__attribute__((format(printf, 1, 2)));

#endif
