/*
 * test-metrics: the registry and its Prometheus text rendering, with the gauges
 * read from a database.
 */
#include "../src/metrics.c"

#include "tap.h"

/* Whether text contains a whole line. */
static int
has_line(const char *text, const char *line)
{
	size_t n = strlen(line);

	for (const char *p = text; (p = strstr(p, line)) != NULL; p++)
		if ((p == text || p[-1] == '\n') && (p[n] == '\n' || p[n] == '\0'))
			return 1;
	return 0;
}

/* Every sample line's name starts with newswatch_, and every line ends. */
static int
all_prefixed(const char *text)
{
	const char *p = text;

	while (*p != '\0') {
		const char *nl = strchr(p, '\n');

		if (nl == NULL)
			return 0;
		if (*p != '#' && strncmp(p, "newswatch_", 10) != 0)
			return 0;
		p = nl + 1;
	}
	return 1;
}

/* Counters and labels. */
static void
test_counters(void)
{
	char *t;

	metrics_fetch("Le Monde", metrics_fetch_result(200), 0.2, 1000);
	metrics_fetch("Le Monde", metrics_fetch_result(304), 0.03, 0);
	metrics_fetch("Le Monde", metrics_fetch_result(200), 7, 500);
	metrics_fetch("odd \"name\"\\\n", metrics_fetch_result(0), 100, 0);
	metrics_articles("Le Monde", 2, 0);
	metrics_articles("Le Monde", 0, 1);
	metrics_articles("Le Monde", 0, 0);
	metrics_match("ai");
	metrics_delivery("hook", "delivered");
	metrics_delivery("hook", "retry");
	metrics_presearch_fallbacks(3);
	metrics_presearch_fallbacks(0);
	t = metrics_render(NULL);
	ok(has_line(t, "newswatch_fetches_total{source=\"Le Monde\",result=\"ok\"} 2"),
	    "fetches by source and result");
	ok(has_line(t, "newswatch_fetches_total{source=\"Le Monde\","
	    "result=\"not_modified\"} 1"), "304 counted apart");
	ok(has_line(t, "newswatch_fetches_total{source=\"odd \\\"name\\\"\\\\\\n\","
	    "result=\"error\"} 1"), "label values escaped");
	ok(has_line(t, "newswatch_fetched_bytes_total{source=\"Le Monde\"} 1500"),
	    "bytes");
	ok(has_line(t, "newswatch_articles_total{source=\"Le Monde\",kind=\"new\"} 2") &&
	    has_line(t, "newswatch_articles_total{source=\"Le Monde\","
	    "kind=\"duplicate\"} 1"), "articles new and duplicate");
	ok(has_line(t, "newswatch_matches_total{watchlist=\"ai\"} 1"), "matches");
	ok(has_line(t, "newswatch_deliveries_total{notifier=\"hook\","
	    "result=\"retry\"} 1"), "deliveries");
	ok(has_line(t, "newswatch_presearch_fallbacks_total 3"), "fallbacks");
	ok(has_line(t, "# TYPE newswatch_fetch_duration_seconds histogram"),
	    "histogram type line");
	ok(has_line(t, "newswatch_fetch_duration_seconds_bucket{source=\"Le Monde\","
	    "le=\"0.05\"} 1") && has_line(t, "newswatch_fetch_duration_seconds_bucket{"
	    "source=\"Le Monde\",le=\"0.25\"} 2") && has_line(t,
	    "newswatch_fetch_duration_seconds_bucket{source=\"Le Monde\",le=\"10\"} 3"),
	    "buckets are cumulative");
	ok(has_line(t, "newswatch_fetch_duration_seconds_bucket{source=\"Le Monde\","
	    "le=\"+Inf\"} 3") && has_line(t,
	    "newswatch_fetch_duration_seconds_count{source=\"Le Monde\"} 3"),
	    "+Inf bucket and count");
	ok(has_line(t, "newswatch_fetch_duration_seconds_bucket{source=\"odd "
	    "\\\"name\\\"\\\\\\n\",le=\"60\"} 0"), "an observation above every bucket");
	ok(all_prefixed(t), "every name starts with newswatch_");
	free(t);
}

/* A metric keeps at most METRICS_MAX_SERIES label sets; the rest is counted. */
static void
test_limit(void)
{
	char name[32], *t, want[64];

	metrics_reset();
	for (int i = 0; i < METRICS_MAX_SERIES + 10; i++) {
		snprintf(name, sizeof name, "wl%d", i);
		metrics_match(name);
	}
	metrics_match("wl0");
	is_int(metrics[M_MATCHES].nseries, METRICS_MAX_SERIES, "series capped");
	t = metrics_render(NULL);
	ok(has_line(t, "newswatch_matches_total{watchlist=\"wl0\"} 2"),
	    "an old series still counts");
	snprintf(want, sizeof want, "newswatch_metrics_dropped_total 10");
	ok(has_line(t, want), "overflow counted as dropped");
	free(t);
}

/* Long labels are cut, and the same long label finds its series again. */
static void
test_long_label(void)
{
	char big[METRICS_MAX_LABEL + 50];

	metrics_reset();
	memset(big, 'x', sizeof big - 1);
	big[sizeof big - 1] = '\0';
	metrics_match(big);
	metrics_match(big);
	is_int(metrics[M_MATCHES].nseries, 1, "one series for a long label");
	is_int(strlen(metrics[M_MATCHES].series[0].label[0]), METRICS_MAX_LABEL,
	    "label cut");
}

/* Gauges from the database, with and without an outbox. */
static void
test_db(void)
{
	sqlite3 *db;
	char *t;

	metrics_reset();
	sqlite3_open(":memory:", &db);
	sqlite3_exec(db, "CREATE TABLE sources (id INTEGER PRIMARY KEY, name TEXT,"
	    " last_success INTEGER, failures INTEGER);"
	    "INSERT INTO sources VALUES (1, 'a', 1700000000, 0), (2, 'b', NULL, 4);",
	    NULL, NULL, NULL);
	t = metrics_render(db);
	ok(has_line(t, "newswatch_source_last_success_timestamp_seconds{source=\"a\"}"
	    " 1700000000") && has_line(t,
	    "newswatch_source_last_success_timestamp_seconds{source=\"b\"} 0"),
	    "last success per source");
	ok(has_line(t, "newswatch_source_failures{source=\"b\"} 4"), "failures");
	ok(strstr(t, "newswatch_outbox") == NULL, "no outbox table, no outbox gauge");
	free(t);
	sqlite3_exec(db, "CREATE TABLE outbox (id INTEGER PRIMARY KEY, notifier TEXT,"
	    " state TEXT); INSERT INTO outbox (notifier, state) VALUES ('hook',"
	    " 'pending'), ('hook', 'pending'), ('hook', 'dead'), ('mail', 'delivered');",
	    NULL, NULL, NULL);
	t = metrics_render(db);
	ok(has_line(t, "newswatch_outbox{notifier=\"hook\",state=\"pending\"} 2") &&
	    has_line(t, "newswatch_outbox{notifier=\"hook\",state=\"dead\"} 1"),
	    "outbox pending and dead by notifier");
	ok(has_line(t, "newswatch_outbox{notifier=\"mail\",state=\"pending\"} 0"),
	    "a notifier with nothing waiting shows 0");
	ok(all_prefixed(t), "every name starts with newswatch_");
	free(t);
	sqlite3_close(db);
}

int
main(void)
{
	metrics_init();
	test_counters();
	test_limit();
	test_long_label();
	test_db();
	metrics_reset();
	return done_testing();
}
