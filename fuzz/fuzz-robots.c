/*
 * fuzz-robots: libFuzzer harness for the robots.txt evaluator. The input is the
 * file; a few paths are checked against it for two user agents.
 */
#include "config.h"

#include <stddef.h>
#include <stdint.h>

#include "html.h"

int LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const agents[] = { "newswatch/0.1", "*" };
	static const char *const paths[] = { "/", "/news/2026/a.html?x=1",
	    "/private/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa/b$", "/robots.txt",
	    "/%2A*", "" };
	struct robots *r;

	for (size_t a = 0; a < 2; a++) {
		r = robots_parse((const char *)data, size, agents[a]);
		for (size_t i = 0; i < sizeof paths / sizeof paths[0]; i++)
			(void)robots_allowed(r, paths[i]);
		robots_free(r);
	}
	return 0;
}
