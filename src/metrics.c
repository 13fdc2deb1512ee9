/*
 * metrics: a fixed-size registry of counters and histograms with labels, and the
 * Prometheus text rendering (see metrics.h).
 */
#include "config.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "log.h"
#include "metrics.h"
#include "store_ops.h"
#include "xmalloc.h"

#define MAX_LABELS	2
#define FIRST_SERIES	64	/* series allocated at a metric's first use */

enum metric_type {
	METRIC_COUNTER,
	METRIC_HISTOGRAM,
};

/* The fetch duration buckets, in seconds. */
static const double duration_buckets[] = {
	0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60
};
#define NBUCKETS (sizeof duration_buckets / sizeof duration_buckets[0])

struct series {
	char		*label[MAX_LABELS];
	double		 value;			/* counter; histogram: the sum */
	uint64_t	 count;			/* histogram */
	uint64_t	 bucket[NBUCKETS];	/* histogram, not cumulative */
};

struct metric {
	const char	*name;
	const char	*help;
	enum metric_type type;
	int		 nlabels;
	const char	*lname[MAX_LABELS];
	struct series	*series;		/* grown by doubling, at most MAX_SERIES */
	uint32_t	*slots;			/* index + 1, 0 empty; 2 * cap of them */
	size_t		 nseries;
	size_t		 cap;
};

enum {
	M_FETCHES,
	M_FETCH_SECONDS,
	M_FETCH_BYTES,
	M_ARTICLES,
	M_MATCHES,
	M_FALLBACKS,
	M_DELIVERIES,
	M_HEALTH,
	M_DROPPED,
	NMETRICS
};

static struct metric metrics[NMETRICS] = {
	[M_FETCHES] = { "newswatch_fetches_total", "Fetches of sources by result.",
	    METRIC_COUNTER, 2, { "source", "result" }, NULL, NULL, 0, 0 },
	[M_FETCH_SECONDS] = { "newswatch_fetch_duration_seconds",
	    "Time a fetch took, from start to the last byte.",
	    METRIC_HISTOGRAM, 1, { "source", NULL }, NULL, NULL, 0, 0 },
	[M_FETCH_BYTES] = { "newswatch_fetched_bytes_total",
	    "Body bytes fetched (after decompression).",
	    METRIC_COUNTER, 1, { "source", NULL }, NULL, NULL, 0, 0 },
	[M_ARTICLES] = { "newswatch_articles_total",
	    "Entries stored as new articles or recognised as duplicates.",
	    METRIC_COUNTER, 2, { "source", "kind" }, NULL, NULL, 0, 0 },
	[M_MATCHES] = { "newswatch_matches_total", "Stories a watchlist matched.",
	    METRIC_COUNTER, 1, { "watchlist", NULL }, NULL, NULL, 0, 0 },
	[M_FALLBACKS] = { "newswatch_presearch_fallbacks_total",
	    "Queries without a required term, evaluated for every article.",
	    METRIC_COUNTER, 0, { NULL, NULL }, NULL, NULL, 0, 0 },
	[M_DELIVERIES] = { "newswatch_deliveries_total",
	    "Delivery attempts by notifier and result.",
	    METRIC_COUNTER, 2, { "notifier", "result" }, NULL, NULL, 0, 0 },
	[M_HEALTH] = { "newswatch_health_alerts_total",
	    "Health alerts raised by source and state.",
	    METRIC_COUNTER, 2, { "source", "state" }, NULL, NULL, 0, 0 },
	[M_DROPPED] = { "newswatch_metrics_dropped_total",
	    "Increments dropped because a metric had too many label sets.",
	    METRIC_COUNTER, 0, { NULL, NULL }, NULL, NULL, 0, 0 },
};

static time_t start_time;

/* FNV-1a over the (capped) label values, each followed by a 0xff byte. */
static uint32_t
hash_labels(const char *const *v, int n)
{
	uint32_t h = 2166136261u;

	for (int i = 0; i < n; i++) {
		const unsigned char *p = (const unsigned char *)v[i];

		for (size_t k = 0; k < METRICS_MAX_LABEL && p[k] != '\0'; k++)
			h = (h ^ p[k]) * 16777619u;
		h = (h ^ 0xff) * 16777619u;
	}
	return h;
}

/* Whether series s carries exactly these (capped) label values. */
static int
same_labels(const struct series *s, const char *const *v, int n)
{
	for (int i = 0; i < n; i++)
		if (strncmp(s->label[i], v[i], METRICS_MAX_LABEL) != 0 ||
		    strlen(s->label[i]) != strnlen(v[i], METRICS_MAX_LABEL))
			return 0;
	return 1;
}

/* Put series index i (0-based) into the slot table. */
static void
slot_put(struct metric *m, size_t i)
{
	const char *v[MAX_LABELS];
	size_t n = 2 * m->cap, h;

	for (int l = 0; l < m->nlabels; l++)
		v[l] = m->series[i].label[l];
	for (h = hash_labels(v, m->nlabels) % n; m->slots[h] != 0; h = (h + 1) % n)
		;
	m->slots[h] = (uint32_t)i + 1;
}

/* Make room for one more series: double the arrays and rehash. 0, or -1 when full. */
static int
grow(struct metric *m)
{
	size_t cap = m->cap == 0 ? FIRST_SERIES : m->cap * 2;

	if (m->nseries < m->cap)
		return 0;
	if (m->cap >= METRICS_MAX_SERIES)
		return -1;
	if (cap > METRICS_MAX_SERIES)
		cap = METRICS_MAX_SERIES;
	m->series = xreallocarray(m->series, cap, sizeof *m->series);
	memset(m->series + m->cap, 0, (cap - m->cap) * sizeof *m->series);
	free(m->slots);
	m->slots = xcalloc(2 * cap, sizeof *m->slots);
	m->cap = cap;
	for (size_t i = 0; i < m->nseries; i++)
		slot_put(m, i);
	return 0;
}

/* Store a new series for v; NULL when the metric is full. */
static struct series *
add_series(struct metric *m, const char *const *v)
{
	struct series *s;

	if (grow(m) == -1)
		return NULL;
	s = &m->series[m->nseries];
	for (int i = 0; i < m->nlabels; i++)
		s->label[i] = xstrndup(v[i], METRICS_MAX_LABEL);
	slot_put(m, m->nseries);
	return &m->series[m->nseries++];
}

/* Find or create the series of a label set; NULL when the metric is full. */
static struct series *
find_series(struct metric *m, const char *const *v)
{
	size_t n = 2 * m->cap, i;

	if (m->cap > 0) {
		for (i = hash_labels(v, m->nlabels) % n; m->slots[i] != 0;
		    i = (i + 1) % n)
			if (same_labels(&m->series[m->slots[i] - 1], v, m->nlabels))
				return &m->series[m->slots[i] - 1];
	}
	return add_series(m, v);
}

/* Add d to a counter's series. */
static void
counter_add(int id, const char *l0, const char *l1, double d)
{
	const char *v[MAX_LABELS] = { l0 != NULL ? l0 : "", l1 != NULL ? l1 : "" };
	struct series *s;

	if ((s = find_series(&metrics[id], v)) == NULL) {
		counter_add(M_DROPPED, NULL, NULL, 1);
		return;
	}
	s->value += d;
}

/* Observe x in a histogram's series. */
static void
histogram_observe(int id, const char *l0, double x)
{
	const char *v[MAX_LABELS] = { l0 != NULL ? l0 : "", "" };
	struct series *s;
	size_t b;

	if ((s = find_series(&metrics[id], v)) == NULL) {
		counter_add(M_DROPPED, NULL, NULL, 1);
		return;
	}
	for (b = 0; b < NBUCKETS && x > duration_buckets[b]; b++)
		;
	if (b < NBUCKETS)
		s->bucket[b]++;
	s->count++;
	s->value += x;
}

/* A fetch ended. */
void
metrics_fetch(const char *source, const char *result, double seconds,
    uint64_t bytes)
{
	counter_add(M_FETCHES, source, result, 1);
	histogram_observe(M_FETCH_SECONDS, source, seconds < 0 ? 0 : seconds);
	counter_add(M_FETCH_BYTES, source, NULL, (double)bytes);
}

/* The result label for an HTTP status. */
const char *
metrics_fetch_result(int status)
{
	if (status == 304)
		return "not_modified";
	if (status >= 200 && status < 300)
		return "ok";
	if (status >= 400 && status < 500)
		return "http_4xx";
	if (status >= 500 && status < 600)
		return "http_5xx";
	if (status >= 300 && status < 400)
		return "http_3xx";
	return "error";
}

/* Entries were stored or recognised. */
void
metrics_articles(const char *source, unsigned nnew, unsigned ndup)
{
	if (nnew > 0)
		counter_add(M_ARTICLES, source, "new", nnew);
	if (ndup > 0)
		counter_add(M_ARTICLES, source, "duplicate", ndup);
}

/* A watchlist matched. */
void
metrics_match(const char *watchlist)
{
	counter_add(M_MATCHES, watchlist, NULL, 1);
}

/* Always-evaluated queries ran. */
void
metrics_presearch_fallbacks(uint64_t n)
{
	if (n > 0)
		counter_add(M_FALLBACKS, NULL, NULL, (double)n);
}

/* A delivery attempt ended. */
void
metrics_delivery(const char *notifier, const char *result)
{
	counter_add(M_DELIVERIES, notifier, result, 1);
}

/* A health alert was raised. */
void
metrics_health(const char *source, const char *state)
{
	counter_add(M_HEALTH, source, state, 1);
}

/* Remember when the process started. */
void
metrics_init(void)
{
	start_time = time(NULL);
}

/* Forget every series and free their labels. */
void
metrics_reset(void)
{
	for (int id = 0; id < NMETRICS; id++) {
		struct metric *m = &metrics[id];

		for (size_t i = 0; i < m->nseries; i++)
			for (int l = 0; l < m->nlabels; l++)
				free(m->series[i].label[l]);
		free(m->series);
		free(m->slots);
		m->series = NULL;
		m->slots = NULL;
		m->nseries = m->cap = 0;
	}
}

/* Append len bytes to a buffer. */
void
metrics_buf_add(struct metrics_buf *b, const char *s, size_t len)
{
	if (b->len + len + 1 > b->cap) {
		b->cap = (b->len + len + 1) * 2;
		b->s = xrealloc(b->s, b->cap);
	}
	memcpy(b->s + b->len, s, len);
	b->len += len;
	b->s[b->len] = '\0';
}

/* Append formatted text to a buffer. */
void
metrics_buf_printf(struct metrics_buf *b, const char *fmt, ...)
{
	char *s;
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vasprintf(&s, fmt, ap);
	va_end(ap);
	if (n == -1)
		fatal("vasprintf");
	metrics_buf_add(b, s, (size_t)n);
	free(s);
}

/* Append a label value, escaped as the text format wants. */
void
metrics_buf_label(struct metrics_buf *b, const char *v)
{
	for (; *v != '\0'; v++) {
		if (*v == '\\')
			metrics_buf_add(b, "\\\\", 2);
		else if (*v == '"')
			metrics_buf_add(b, "\\\"", 2);
		else if (*v == '\n')
			metrics_buf_add(b, "\\n", 2);
		else
			metrics_buf_add(b, v, 1);
	}
}

/* Append a number: integers without a fraction, others with enough digits. */
static void
add_number(struct metrics_buf *b, double x)
{
	if (x == floor(x) && fabs(x) < 1e15)
		metrics_buf_printf(b, "%.0f", x);
	else
		metrics_buf_printf(b, "%.17g", x);
}

/* Append "{a="x",b="y"" without the closing brace (nothing when no labels). */
static void
add_labels(struct metrics_buf *b, const struct metric *m, const struct series *s)
{
	for (int l = 0; l < m->nlabels; l++) {
		metrics_buf_printf(b, "%s%s=\"", l == 0 ? "{" : ",", m->lname[l]);
		metrics_buf_label(b, s->label[l]);
		metrics_buf_add(b, "\"", 1);
	}
}

/* Render one histogram series: cumulative buckets, +Inf, sum and count. */
static void
render_histogram(struct metrics_buf *b, const struct metric *m,
    const struct series *s)
{
	uint64_t cum = 0;

	for (size_t i = 0; i <= NBUCKETS; i++) {
		metrics_buf_printf(b, "%s_bucket", m->name);
		add_labels(b, m, s);
		metrics_buf_add(b, m->nlabels > 0 ? "," : "{", 1);
		if (i < NBUCKETS) {
			cum += s->bucket[i];
			metrics_buf_printf(b, "le=\"%g\"} %llu\n", duration_buckets[i],
			    (unsigned long long)cum);
		} else
			metrics_buf_printf(b, "le=\"+Inf\"} %llu\n",
			    (unsigned long long)s->count);
	}
	metrics_buf_printf(b, "%s_sum", m->name);
	add_labels(b, m, s);
	metrics_buf_add(b, m->nlabels > 0 ? "} " : " ", m->nlabels > 0 ? 2 : 1);
	add_number(b, s->value);
	metrics_buf_printf(b, "\n%s_count", m->name);
	add_labels(b, m, s);
	metrics_buf_printf(b, "%s%llu\n", m->nlabels > 0 ? "} " : " ",
	    (unsigned long long)s->count);
}

/* Render one metric with its HELP and TYPE lines. */
static void
render_metric(struct metrics_buf *b, const struct metric *m)
{
	metrics_buf_printf(b, "# HELP %s %s\n# TYPE %s %s\n", m->name, m->help,
	    m->name, m->type == METRIC_COUNTER ? "counter" : "histogram");
	if (m->nlabels == 0 && m->nseries == 0) {
		metrics_buf_printf(b, "%s 0\n", m->name);
		return;
	}
	for (size_t i = 0; i < m->nseries; i++) {
		const struct series *s = &m->series[i];

		if (m->type == METRIC_HISTOGRAM) {
			render_histogram(b, m, s);
			continue;
		}
		metrics_buf_add(b, m->name, strlen(m->name));
		add_labels(b, m, s);
		metrics_buf_add(b, m->nlabels > 0 ? "} " : " ", m->nlabels > 0 ? 2 : 1);
		add_number(b, s->value);
		metrics_buf_add(b, "\n", 1);
	}
}

/*
 * Render a gauge of the database: rows of (label values…, value), the labels
 * named by lnames. Nothing when the query fails.
 */
static void
render_gauge(struct metrics_buf *b, sqlite3 *db, const char *name,
    const char *help, enum store_gauge_kind kind, int nlabels,
    const char *const *lnames)
{
	struct store_gauge g;
	char *cause;

	if (store_ops_gauge(db, kind, &g, &cause) == -1) {
		log_debug("metrics: %s: %s", name, cause);
		free(cause);
		return;
	}
	metrics_buf_printf(b, "# HELP %s %s\n# TYPE %s gauge\n", name, help, name);
	for (size_t i = 0; i < g.n; i++) {
		metrics_buf_add(b, name, strlen(name));
		for (int l = 0; l < nlabels; l++) {
			metrics_buf_printf(b, "%s%s=\"", l == 0 ? "{" : ",", lnames[l]);
			metrics_buf_label(b, g.rows[i].label[l]);
			metrics_buf_add(b, "\"", 1);
		}
		metrics_buf_add(b, nlabels > 0 ? "} " : " ", nlabels > 0 ? 2 : 1);
		add_number(b, g.rows[i].value);
		metrics_buf_add(b, "\n", 1);
	}
	store_ops_gauge_free(&g);
}

/* The gauges read from the database. */
static void
render_db(struct metrics_buf *b, sqlite3 *db)
{
	static const char *const src[] = { "source" };
	static const char *const ob[] = { "notifier", "state" };

	render_gauge(b, db, "newswatch_source_last_success_timestamp_seconds",
	    "When each source last answered 2xx or 304 (Unix time; 0: never).",
	    STORE_GAUGE_LAST_SUCCESS, 1, src);
	render_gauge(b, db, "newswatch_source_failures",
	    "Consecutive failed fetches of each source.",
	    STORE_GAUGE_FAILURES, 1, src);
	if (!store_ops_table_exists(db, "outbox"))
		return;
	render_gauge(b, db, "newswatch_outbox",
	    "Alerts in the outbox waiting (pending) or given up (dead), by notifier.",
	    STORE_GAUGE_OUTBOX, 2, ob);
}

/* Render every metric in the text format. */
char *
metrics_render(sqlite3 *db)
{
	struct metrics_buf b = { NULL, 0, 0 };

	metrics_buf_add(&b, "", 0);
	metrics_buf_printf(&b, "# HELP newswatch_up Whether the daemon answers.\n"
	    "# TYPE newswatch_up gauge\nnewswatch_up 1\n"
	    "# HELP newswatch_start_time_seconds When the daemon started (Unix time).\n"
	    "# TYPE newswatch_start_time_seconds gauge\n"
	    "newswatch_start_time_seconds %lld\n", (long long)start_time);
	for (int id = 0; id < NMETRICS; id++)
		render_metric(&b, &metrics[id]);
	if (db != NULL)
		render_db(&b, db);
	return b.s;
}
