/*
 * fuzz-http-headers: the response header handling of src/http.c on hostile
 * input: each line through header_cb (status lines, ETag, Last-Modified,
 * Retry-After), then the Retry-After and Content-Type parsers on the whole input.
 */
#include "../src/http.c"

static CURL	*easy;

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	struct xfer	 x;
	char		*s, *line, *type, *charset;
	size_t		 i, start = 0;

	if (easy == NULL) {
		curl_global_init(CURL_GLOBAL_DEFAULT);
		easy = curl_easy_init();
		curl_easy_setopt(easy, CURLOPT_URL, "http://example.org/");
	}
	memset(&x, 0, sizeof x);
	x.easy = easy;
	x.perm_chain = 1;
	for (i = 0; i <= len; i++) {
		if (i < len && data[i] != '\n')
			continue;
		/* curl passes lines that are not NUL-terminated: copy exactly */
		line = xmalloc(i - start + 1);
		memcpy(line, data + start, i - start);
		header_cb(line, 1, i - start, &x);
		free(line);
		start = i + 1;
	}
	(void)retry_after_seconds(x.retry_after);
	s = xstrndup((const char *)data, len);
	(void)retry_after_seconds(s);
	content_type_split(s, &type, &charset);
	free(type);
	free(charset);
	free(s);
	free(x.etag);
	free(x.last_modified);
	free(x.retry_after);
	free(x.moved_to);
	return 0;
}
