/*
 * cmd_import_opml: `newswatch import-opml FILE` prints on standard output a
 * complete libconfig `sources = ( … );` setting made from an OPML export
 * (opml.h), to paste into newswatch.conf or @include from it.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "cmd_status.h"
#include "opml.h"
#include "xmalloc.h"

/* Read a file (or - for stdin) of at most OPML_MAX_SIZE bytes; NULL after printing why. */
static char *
read_file(const char *path, size_t *len)
{
	FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
	char *buf;

	if (f == NULL) {
		fprintf(stderr, "newswatch: %s: cannot open\n", path);
		return NULL;
	}
	buf = xmalloc(OPML_MAX_SIZE + 1);
	*len = fread(buf, 1, OPML_MAX_SIZE + 1, f);
	if (f != stdin)
		fclose(f);
	if (*len > OPML_MAX_SIZE) {
		fprintf(stderr, "newswatch: %s: larger than %d bytes\n", path,
		    OPML_MAX_SIZE);
		free(buf);
		return NULL;
	}
	return buf;
}

/* newswatch import-opml FILE */
int
cmd_import_opml(struct cli *cli, int argc, char **argv)
{
	struct opml_counts n;
	char *buf, *out, *cause;
	size_t len;
	int rc;

	(void)cli;
	if (argc != 2)
		return cli_usage("import-opml");
	if ((buf = read_file(argv[1], &len)) == NULL)
		return CLI_ERROR;
	rc = opml_sources(buf, len, argv[1], &out, &n, &cause);
	free(buf);
	if (n.skipped > 0)
		fprintf(stderr, "newswatch: %s: skipped %zu outlines whose xmlUrl is "
		    "not an http or https URL\n", argv[1], n.skipped);
	if (rc != 0) {
		fprintf(stderr, "newswatch: %s: %s\n", argv[1], cause);
		free(cause);
		return rc == 1 ? CLI_NOTHING : CLI_ERROR;
	}
	fputs(out, stdout);
	free(out);
	return CLI_OK;
}
