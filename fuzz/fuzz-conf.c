/* fuzz-conf: the configuration reader on arbitrary text. */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "conf.h"
#include "log.h"
#include "xmalloc.h"

int		 LLVMFuzzerTestOneInput(const uint8_t *, size_t);
const char	*__lsan_default_suppressions(void);

/* libconfig 1.5 leaks a half-read string on some syntax errors: not ours. */
const char *
__lsan_default_suppressions(void)
{
	return "leak:libconfig.so\n";
}

/* Load one input as a configuration; errors are expected, crashes are not. */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text, *errors = NULL;
	struct conf *c;

	if (size > 65536)
		return 0;
	text = xmalloc(size + 1);
	memcpy(text, data, size);
	text[size] = '\0';
	if (strstr(text, "@include") == NULL) {	/* no file system access */
		log_init("fuzz-conf", LOG_LEVEL_ERR);
		c = conf_load_string(text, "/nonexistent/fuzz.conf", &errors);
		conf_free(c);
		free(errors);
	}
	free(text);
	return 0;
}
