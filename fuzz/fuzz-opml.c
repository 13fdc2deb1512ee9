/*
 * fuzz-opml: OPML exports into a sources setting; whatever opml_sources
 * prints must load with conf_load_string, with one source per feed counted.
 */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf.h"
#include "log.h"
#include "opml.h"
#include "xmalloc.h"

int		 LLVMFuzzerTestOneInput(const uint8_t *, size_t);
const char	*__lsan_default_suppressions(void);

/* libconfig 1.5 leaks a half-read string on some syntax errors: not ours. */
const char *
__lsan_default_suppressions(void)
{
	return "leak:libconfig.so\n";
}

/* Convert one input; a setting that does not load is a bug. */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct opml_counts n;
	struct conf *c;
	char *out, *cause, *text, *errors = NULL;

	if (size > 262144)
		return 0;
	if (opml_sources((const char *)data, size, "fuzz\n//x", &out, &n,
	    &cause) != 0) {
		free(cause);
		return 0;
	}
	xasprintf(&text, "daemon = { state_dir = \"/nonexistent\"; "
	    "admin_listen = \"\"; };\n%s", out);
	free(out);
	if ((c = conf_load_string(text, "fuzz-opml.conf", &errors)) == NULL) {
		fprintf(stderr, "%s\n---\n%s", errors, text);
		abort();
	}
	if (c->nsources != n.sources)
		abort();
	conf_free(c);
	free(text);
	return 0;
}
