/*
 * cli_input: what a CLI command reads, from a file, standard input ("-") or an
 * http(s) URL (one blocking libcurl transfer, redirects followed).
 */
#ifndef CLI_INPUT_H
#define CLI_INPUT_H

#include <stddef.h>

struct cli_input {
	char	*buf;		/* NUL-terminated, len bytes before it */
	size_t	 len;
	char	*url;		/* final URL after redirects, or NULL */
	char	*charset;	/* charset of the Content-Type, or NULL */
	int	 too_big;	/* the read stopped at the cap */
	int	 opened;	/* the file was opened (a failure came later) */
};

int	cli_input_read(const char *, size_t, long, struct cli_input *, char **);
int	cli_input_file(const char *, size_t, struct cli_input *, char **);
void	cli_input_free(struct cli_input *);

#endif
