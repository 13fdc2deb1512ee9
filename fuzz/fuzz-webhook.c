/*
 * fuzz-webhook: the webhook plugin's payload builders on hostile alert text. The
 * input is split at NUL bytes into the alert's strings; every format must yield
 * valid JSON.
 */
#include "../src/plugins/webhook.c"

#define NFIELDS	12

/* Split data into NUL-terminated fields (missing ones are NULL). */
static char *
fields(const uint8_t *data, size_t size, const char *f[NFIELDS])
{
	char	*buf, *p;
	size_t	 i;

	if ((buf = malloc(size + 1)) == NULL)
		abort();
	memcpy(buf, data, size);
	buf[size] = '\0';
	p = buf;
	for (i = 0; i < NFIELDS; i++) {
		f[i] = p < buf + size ? p : NULL;
		if (f[i] != NULL)
			p += strlen(p) + 1;
	}
	return buf;
}

/* Build every format for one alert and check the JSON. */
static void
check_all(const struct nw_alert *a)
{
	struct webhook	 wh = { .topic = "t" };
	json_t		*j;
	char		*s;
	int		 f;

	for (f = FMT_JSON; f <= FMT_NTFY; f++) {
		wh.format = f;
		if ((s = payload(&wh, a)) == NULL)
			abort();
		if ((j = json_loads(s, 0, NULL)) == NULL)
			abort();
		json_decref(j);
		free(s);
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char		*f[NFIELDS], *terms[2];
	struct nw_alert_source	 also[2];
	struct nw_alert		 a, d, h;
	char			*buf;

	if (size > 65536)
		return 0;
	buf = fields(data, size, f);
	terms[0] = f[8] ? f[8] : "t";
	terms[1] = f[9] ? f[9] : "u";
	also[0].name = f[10];
	also[0].url = f[11];
	also[1].name = f[0];
	also[1].url = NULL;
	memset(&a, 0, sizeof a);
	a.kind = NW_ALERT_ARTICLE;
	a.delivery_id = "id";
	a.watchlist = f[0];
	a.title = f[1];
	a.url = f[2];
	a.source = f[3];
	a.summary = f[4];
	a.snippet = f[5];
	a.published = size * 1000003;
	a.terms = terms;
	a.nterms = 2;
	a.also = also;
	a.nalso = 2;
	check_all(&a);
	d = a;
	d.kind = NW_ALERT_DIGEST;
	d.alerts = &a;
	d.nalerts = 1;
	check_all(&d);
	memset(&h, 0, sizeof h);
	h.kind = NW_ALERT_HEALTH;
	h.delivery_id = "h";
	h.source = f[3];
	h.health_state = f[6];
	h.health_error = f[7];
	check_all(&h);
	free(buf);
	return 0;
}
