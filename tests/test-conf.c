/* test-conf: the configuration reader: the sample, every key, each error class. */
#include "../src/conf.c"
#include "../src/cmd_check_config.c"

#include <sys/stat.h>

#include "tap.h"

static const char *srcdir;

/* The path of a fixture. */
static char *
fixture(const char *name)
{
	char *path;

	xasprintf(&path, "%s/tests/conf/%s", srcdir, name);
	return path;
}

/* Replace each %1$s of a text with the source directory. */
static char *
subst_srcdir(const char *text)
{
	const char *p;
	char *out = xstrdup(""), *tmp;

	while ((p = strstr(text, "%1$s")) != NULL) {
		xasprintf(&tmp, "%s%.*s%s", out, (int)(p - text), text, srcdir);
		free(out);
		out = tmp;
		text = p + 4;
	}
	xasprintf(&tmp, "%s%s", out, text);
	free(out);
	return tmp;
}

/* Load a fixture that must fail; compare the whole error text. */
static void
bad(const char *name, const char *want_fmt)
{
	char *path = fixture(name), *errors = NULL, *want;
	struct conf *c = conf_load(path, &errors);

	ok(c == NULL, "%s is refused", name);
	want = subst_srcdir(want_fmt);
	is_str(errors, want, "%s: the error text", name);
	conf_free(c);
	free(errors);
	free(want);
	free(path);
}

/* The sample configuration parses and has what it shows. */
static void
test_sample(void)
{
	char *path, *errors = NULL;
	struct conf *c;

	xasprintf(&path, "%s/etc/newswatch.conf", srcdir);
	c = conf_load(path, &errors);
	ok(c != NULL, "the sample parses");
	if (c == NULL) {
		diag("%s", errors);
		free(errors);
		free(path);
		return;
	}
	is_int(c->nsources, 2, "sample: two sources");
	is_int(c->nwatchlists, 2, "sample: two watchlists");
	is_int(c->nnotifiers, 1, "sample: one notifier");
	is_int(c->daemon.interval, 15 * 60 * 1000, "sample: default interval");
	is_int(c->daemon.max_body, 8 << 20, "sample: default max_body");
	is_str(c->daemon.admin_listen, "127.0.0.1:9177", "sample: default admin_listen");
	is_int(c->sources[1].type, SOURCE_HTML, "sample: html source");
	is_int(c->watchlists[1].keywords.n, 3, "sample: keywords");
	ok(c->watchlists[0].query != NULL, "sample: query kept");
	ok(conf_find_notifier(c, "log") != NULL, "sample: notifier found by name");
	ok(conf_find_source(c, "nope") == NULL, "sample: absent source not found");
	conf_free(c);
	free(path);
}

/* Check the daemon group of full.conf. */
static void
check_full_daemon(const struct conf_daemon *d)
{
	is_str(d->state_dir, "/tmp/nw-state", "full: state_dir");
	is_int(d->log_level, LOG_LEVEL_DEBUG, "full: log_level");
	is_str(d->admin_listen, "", "full: admin_listen disabled");
	is_str(d->user_agent, "test-agent/1", "full: user_agent");
	is_int(d->interval, 300000, "full: interval");
	is_int(d->timeout, 20000, "full: timeout");
	is_int(d->connect_timeout, 5000, "full: connect_timeout");
	is_int(d->max_body, 512 * 1024, "full: max_body");
	is_int(d->max_redirects, 3, "full: max_redirects");
	is_str(d->proxy, "http://proxy.example.org:3128", "full: proxy");
	is_int(d->backoff_max, 2 * 3600 * 1000, "full: backoff_max");
	is_int(d->max_transfers, 8, "full: max_transfers");
	is_int(d->max_per_host, 1, "full: max_per_host");
	is_int(d->allow_private, 1, "full: allow_private");
	is_int(d->retention, 30LL * 86400 * 1000, "full: retention");
	is_int(d->near_distance, 4, "full: near_distance");
	is_str(d->plugin_dir, "/opt/nw/plugins", "full: plugin_dir");
	is_int(d->retry_min, 10000, "full: retry_min");
	is_int(d->retry_max, 1800000, "full: retry_max");
	is_int(d->max_age, 86400000, "full: max_age");
	ok(d->health_notify.n == 1 && strcmp(d->health_notify.v[0], "mail") == 0,
	    "full: health_notify");
	is_int(d->fail_after, 3, "full: fail_after");
}

/* Check the sources of full.conf. */
static void
check_full_sources(const struct conf *c)
{
	const struct conf_source *f = conf_find_source(c, "feed");
	const struct conf_source *p = conf_find_source(c, "page");

	ok(f != NULL && p != NULL, "full: both sources");
	if (f == NULL || p == NULL)
		return;
	is_int(f->enabled, 0, "full: enabled");
	is_int(f->interval, 90000, "full: compound duration 1m30s");
	is_int(f->max_body, 1 << 20, "full: source max_body");
	is_int(f->nheaders, 2, "full: headers from a group");
	is_str(f->headers[0].name, "Accept-Language", "full: header name");
	is_str(f->headers[0].value, "en", "full: header value");
	is_str(f->password_file, "feed.password", "full: password_file");
	is_int(f->type, SOURCE_FEED, "full: type feed");
	ok(f->alert_on_first_fetch && f->alert_on_update, "full: alert flags");
	is_int(f->stale_after, 2 * 86400000, "full: stale_after");
	is_int(p->nheaders, 2, "full: headers from an array");
	is_str(p->headers[1].name, "X-Other", "full: array header name");
	is_str(p->headers[1].value, "spaced", "full: array header value trimmed");
	is_str(p->link_xpath, "//article//a", "full: link_xpath");
	is_int(p->full_text, 1, "full: full_text");
	is_int(p->enabled, 1, "full: enabled by default");
}

/* Check the watchlists and notifiers of full.conf. */
static void
check_full_watchlists(const struct conf *c)
{
	const struct conf_watchlist *q = conf_find_watchlist(c, "q");
	const struct conf_watchlist *k = conf_find_watchlist(c, "k");
	const struct conf_notifier *h = conf_find_notifier(c, "hook");

	ok(q != NULL && k != NULL && h != NULL, "full: watchlists and notifier");
	if (q == NULL || k == NULL || h == NULL)
		return;
	is_int(q->nnotify, 2, "full: notify array");
	is_str(q->notify[1].notifier, "mail", "full: notify name");
	is_int(q->notify[1].hold, -1, "full: notify name keeps the notifier's hold");
	is_str(q->sources.v[0], "feed", "full: watchlist sources");
	is_int(k->mode, MODE_ALL, "full: mode");
	is_str(k->stem, "english", "full: stem");
	is_str(k->exclude.v[0], "football", "full: exclude");
	is_int(k->nnotify, 2, "full: notify list");
	is_str(k->notify[1].digest, "daily 08:30", "full: override digest");
	is_int(k->notify[1].max_per_hour, 5, "full: override max_per_hour");
	is_int(k->notify[1].hold, 300000, "full: override hold");
	is_int(h->hold, 60000, "full: notifier hold");
	is_str(h->digest, "1h", "full: notifier digest");
	is_int(h->max_per_hour, 20, "full: notifier max_per_hour");
	ok(h->setting != NULL &&
	    config_setting_get_member(h->setting, "url") != NULL,
	    "full: the plugin's own keys reach it");
}

/* Every key with a value other than its default. */
static void
test_full(void)
{
	char *path = fixture("full.conf"), *errors = NULL;
	struct conf *c = conf_load(path, &errors);

	ok(c != NULL, "full.conf parses");
	if (c == NULL)
		diag("%s", errors);
	else {
		check_full_daemon(&c->daemon);
		check_full_sources(c);
		check_full_watchlists(c);
	}
	conf_free(c);
	free(errors);
	free(path);
}

/* One file per error class, each with its exact file:line: message. */
static void
test_errors(void)
{
	bad("unknown-key.conf",
	    "%1$s/tests/conf/unknown-key.conf:3: daemon: unknown key \"colour\"\n");
	bad("wrong-type.conf", "%1$s/tests/conf/wrong-type.conf:2: "
	    "daemon.max_redirects: expected an integer, not a string\n");
	bad("bad-duration.conf", "%1$s/tests/conf/bad-duration.conf:2: "
	    "daemon.interval: bad duration \"15x\"\n");
	bad("bad-size.conf", "%1$s/tests/conf/bad-size.conf:2: "
	    "daemon.max_body: bad size \"8Q\"\n");
	bad("duplicate.conf", "%1$s/tests/conf/duplicate.conf:3: duplicate source "
	    "name \"a\" (first defined at %1$s/tests/conf/duplicate.conf:2)\n");
	bad("dangling.conf", "%1$s/tests/conf/dangling.conf:5: watchlist \"w\": "
	    "unknown notifier \"mail\"\n");
	bad("missing.conf", "%1$s/tests/conf/missing.conf:2: source \"a\": "
	    "missing key \"url\"\n");
	bad("syntax.conf", "%1$s/tests/conf/syntax.conf:3: syntax error\n");
	bad("include.conf", "%1$s/tests/conf/include-sources.inc:2: source \"inc\": "
	    "interval: bad duration \"bad\"\n");
	bad("include-syntax.conf",
	    "%1$s/tests/conf/include-syntax.inc:3: syntax error\n");
	bad("query-and-keywords.conf", "%1$s/tests/conf/query-and-keywords.conf:2: "
	    "watchlist \"w\": needs exactly one of query and keywords\n");
	bad("bad-health-notify.conf", "%1$s/tests/conf/bad-health-notify.conf:2: "
	    "daemon.health_notify: unknown notifier \"pager\"\n");
	bad("bad-sources-ref.conf", "%1$s/tests/conf/bad-sources-ref.conf:5: "
	    "watchlist \"w\": unknown source \"zz\"\n");
	bad("many.conf",
	    "%1$s/tests/conf/many.conf:2: daemon.interval: bad duration \"soon\"\n"
	    "%1$s/tests/conf/many.conf:3: daemon.max_transfers: 0 is out of range "
	    "(1 to 1024)\n"
	    "%1$s/tests/conf/many.conf:5: daemon: unknown key \"bogus\"\n"
	    "%1$s/tests/conf/many.conf:8: source \"a\": url: not an http or https "
	    "URL: \"ftp://a.example.org/\"\n"
	    "%1$s/tests/conf/many.conf:9: sources[2]: enabled: expected a boolean, "
	    "not a string\n"
	    "%1$s/tests/conf/many.conf:9: sources[2]: missing key \"name\"\n"
	    "%1$s/tests/conf/many.conf:12: watchlist \"w\": needs exactly one of "
	    "query and keywords\n"
	    "%1$s/tests/conf/many.conf:12: watchlist \"w\": unknown source \"zz\"\n"
	    "%1$s/tests/conf/many.conf:4: daemon.health_notify: unknown notifier "
	    "\"nobody\"\n");
	bad("structure.conf",
	    "%1$s/tests/conf/structure.conf:1: daemon: expected a group, not an "
	    "integer\n"
	    "%1$s/tests/conf/structure.conf:2: sources: expected a list of groups, "
	    "not a group\n"
	    "%1$s/tests/conf/structure.conf:4: watchlists[1]: expected a group, not "
	    "a string\n"
	    "%1$s/tests/conf/structure.conf:5: watchlist \"w\": notify: expected a "
	    "list of notifiers, not an integer\n"
	    "%1$s/tests/conf/structure.conf:5: watchlist \"w\": keywords: empty\n"
	    "%1$s/tests/conf/structure.conf:9: watchlist \"v\": notify: missing key "
	    "\"notifier\"\n"
	    "%1$s/tests/conf/structure.conf:10: watchlist \"v\": notify: digest: "
	    "\"2s\" is neither a window between 1m and 7d (\"1h\", \"90m\") nor "
	    "\"daily HH:MM\"\n"
	    "%1$s/tests/conf/structure.conf:10: watchlist \"v\": notify: unknown key "
	    "\"colour\"\n"
	    "%1$s/tests/conf/structure.conf:11: watchlist \"v\": mode: unknown value "
	    "\"some\" (any, all)\n"
	    "%1$s/tests/conf/structure.conf:12: watchlist \"v\": stem: unknown stemmer "
	    "language \"klingon\"\n"
	    "%1$s/tests/conf/structure.conf:16: notifier \"n\": hold: bad duration -5\n"
	    "%1$s/tests/conf/structure.conf:16: notifier \"n\": max_per_hour: "
	    "3000000000 is out of range (0 to 10000)\n"
	    "%1$s/tests/conf/structure.conf:17: notifiers[2]: plugin: expected a "
	    "string, not an integer\n"
	    "%1$s/tests/conf/structure.conf:17: notifiers[2]: missing key \"name\"\n"
	    "%1$s/tests/conf/structure.conf:18: duplicate notifier name \"n\" (first "
	    "defined at %1$s/tests/conf/structure.conf:16)\n");
	bad("headers.conf",
	    "%1$s/tests/conf/headers.conf:5: source \"a\": headers: bad header "
	    "\"X-A: a??Injected: 1\"\n"
	    "%1$s/tests/conf/headers.conf:5: source \"a\": headers: bad header "
	    "\"NoColon\"\n");
	bad("no-such-file.conf", "%1$s/tests/conf/no-such-file.conf: cannot read: "
	    "No such file or directory\n");
}

/* Durations: units, compounds, bare seconds; malformed and out of range. */
static void
test_durations(void)
{
	static const struct { const char *s; int64_t ms; } good[] = {
		{ "500ms", 500 }, { "90s", 90000 }, { "15m", 900000 },
		{ "2h", 7200000 }, { "7d", 604800000 }, { "1w", 604800000 },
		{ "1h30m", 5400000 }, { "42", 42000 }, { "0s", 0 },
	};
	static const char *bads[] = { "", "x", "15x", "-5s", "1.5h", "s", "15 m",
	    "5s ", "99999999999999d", "1h30", "10M", "5sec" };
	int64_t v;

	for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
		v = -1;
		ok(conf_parse_duration(good[i].s, &v) == 0 && v == good[i].ms,
		    "duration \"%s\" = %" PRId64 " ms", good[i].s, good[i].ms);
	}
	for (size_t i = 0; i < sizeof bads / sizeof bads[0]; i++)
		ok(conf_parse_duration(bads[i], &v) == -1, "duration \"%s\" refused",
		    bads[i]);
}

/* Sizes: binary units, bare bytes; malformed and out of range. */
static void
test_sizes(void)
{
	static const struct { const char *s; int64_t b; } good[] = {
		{ "512k", 524288 }, { "512K", 524288 }, { "8M", 8388608 },
		{ "1G", 1073741824 }, { "100", 100 }, { "0", 0 },
	};
	static const char *bads[] = { "", "8Q", "k", "1.5M", "8MB", "-1", "8 M",
	    "2000000G" };
	int64_t v;

	for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
		v = -1;
		ok(conf_parse_size(good[i].s, &v) == 0 && v == good[i].b,
		    "size \"%s\" = %" PRId64, good[i].s, good[i].b);
	}
	for (size_t i = 0; i < sizeof bads / sizeof bads[0]; i++)
		ok(conf_parse_size(bads[i], &v) == -1, "size \"%s\" refused", bads[i]);
}

/* Digest schedules: conf checks them with the dispatcher's own parser. */
static void
test_digest(void)
{
	static const struct {
		const char	*digest;
		int		 good;
	} cases[] = {
		{ "daily 08:30", 1 }, { "1h", 1 }, { "7d", 1 },
		{ "daily 25:00", 0 }, { "10s", 0 }, { "8d", 0 }, { "soon", 0 },
	};
	char text[512], *errors;
	struct conf *c;

	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		snprintf(text, sizeof text, "notifiers = ( { name = \"n\"; "
		    "plugin = \"webhook\"; digest = \"%s\"; } );",
		    cases[i].digest);
		errors = NULL;
		c = conf_load_string(text, "d.conf", &errors);
		if (cases[i].good)
			ok(c != NULL, "digest \"%s\" accepted", cases[i].digest);
		else
			ok(c == NULL && errors != NULL &&
			    strstr(errors, "d.conf:1: notifier \"n\": digest: ") != NULL, "digest \"%s\" refused with its line",
			    cases[i].digest);
		if (errors != NULL && cases[i].good)
			diag("%s", errors);
		conf_free(c);
		free(errors);
	}
}

/* Write a file in a directory. */
static void
write_file(const char *dir, const char *name, const char *text)
{
	char *path;
	FILE *f;

	xasprintf(&path, "%s/%s", dir, name);
	if ((f = fopen(path, "w")) == NULL)
		fatal("%s", path);
	fputs(text, f);
	fclose(f);
	free(path);
}

/* A variable longer than 64 KiB is refused, naming the variable. */
static void
long_env_secret(void)
{
	char *v = xmalloc(65538), *s, *cause = NULL;

	memset(v, 'x', 65537);
	v[65537] = '\0';
	setenv("NW_TEST_SECRET", v, 1);
	s = conf_read_secret(NULL, "NW_TEST_SECRET", &cause);
	ok(s == NULL && cause != NULL &&
	    strstr(cause, "NW_TEST_SECRET is too long") != NULL,
	    "over-long variable refused");
	free(s);
	free(cause);
	unsetenv("NW_TEST_SECRET");
	free(v);
}

/* Secrets from a file, from $CREDENTIALS_DIRECTORY and from the environment. */
static void
test_secrets(void)
{
	char dir[] = "/tmp/test-conf.XXXXXX", *s, *cause = NULL, *abs;

	if (mkdtemp(dir) == NULL)
		fatal("mkdtemp");
	write_file(dir, "token", "s3cret \n\n");
	xasprintf(&abs, "%s/token", dir);
	s = conf_read_secret(abs, NULL, &cause);
	is_str(s, "s3cret", "secret from an absolute file, trailing space stripped");
	free(s);
	setenv("CREDENTIALS_DIRECTORY", dir, 1);
	s = conf_read_secret("token", NULL, &cause);
	is_str(s, "s3cret", "secret from $CREDENTIALS_DIRECTORY");
	free(s);
	write_file(dir, "lead", " \t lead\n");
	s = conf_read_secret("lead", NULL, &cause);
	is_str(s, "lead", "leading whitespace stripped too");
	free(s);
	s = conf_read_secret("absent", NULL, &cause);
	ok(s == NULL && cause != NULL && strstr(cause, "absent") != NULL,
	    "missing credential reported");
	free(cause);
	unsetenv("CREDENTIALS_DIRECTORY");
	setenv("NW_TEST_SECRET", "from-env\n", 1);
	s = conf_read_secret(NULL, "NW_TEST_SECRET", &cause);
	is_str(s, "from-env", "secret from the environment");
	free(s);
	cause = NULL;
	s = conf_read_secret(NULL, "NW_TEST_UNSET_VAR", &cause);
	ok(s == NULL && cause != NULL, "unset variable reported");
	free(cause);
	long_env_secret();
	unlink(abs);
	free(abs);
	xasprintf(&abs, "%s/lead", dir);
	unlink(abs);
	free(abs);
	rmdir(dir);
}

/* STATE_DIRECTORY sets state_dir's default (the first of a list). */
static void
test_state_directory(void)
{
	char *path = fixture("minimal.conf"), *errors = NULL;
	struct conf *c;

	setenv("STATE_DIRECTORY", "/run/x:/run/y", 1);
	c = conf_load(path, &errors);
	ok(c != NULL && strcmp(c->daemon.state_dir, "/run/x") == 0,
	    "state_dir defaults to $STATE_DIRECTORY");
	conf_free(c);
	unsetenv("STATE_DIRECTORY");
	c = conf_load(path, &errors);
	ok(c != NULL && strcmp(c->daemon.state_dir, "/var/lib/newswatch") == 0,
	    "state_dir defaults to /var/lib/newswatch");
	conf_free(c);
	free(path);
}

/* A configuration held in a string reports errors under the given name. */
static void
test_string(void)
{
	char *errors = NULL;
	struct conf *c;

	c = conf_load_string("sources = ( { name = \"a\"; url = "
	    "\"https://a.example.org/\"; } );", "/x/inline.conf", &errors);
	ok(c != NULL && c->nsources == 1, "configuration from a string");
	conf_free(c);
	c = conf_load_string("daemon = {\n  fail_after = 0;\n};",
	    "/x/inline.conf", &errors);
	is_str(errors, "/x/inline.conf:2: daemon.fail_after: 0 is out of range "
	    "(1 to 1000000)\n", "string errors carry the given name");
	conf_free(c);
	free(errors);
}

/* The CLI prints a command's usage; here it only answers as it would. */
int
cli_usage(const char *name)
{
	return CLI_ERROR;
}

/* newswatch check-config: 0 on the sample, 2 on a bad file and on extra arguments. */
static void
test_check_config(void)
{
	char *good, *badf, *argv[] = { "check-config", "extra", NULL };
	struct cli cli = { NULL, 1, NULL };

	xasprintf(&good, "%s/etc/newswatch.conf", srcdir);
	if (getenv("top_builddir") != NULL) {	/* the plugins, uninstalled */
		char *dir;

		xasprintf(&dir, "%s/src/plugins/.libs", getenv("top_builddir"));
		setenv("NEWSWATCH_PLUGIN_DIR", dir, 1);
		free(dir);
	}
	badf = fixture("bad-size.conf");
	cli.conf_path = good;
	is_int(cmd_check_config(&cli, 1, argv), CLI_OK, "check-config: sample OK");
	cli.conf_path = badf;
	is_int(cmd_check_config(&cli, 1, argv), CLI_ERROR, "check-config: bad file 2");
	is_int(cmd_check_config(&cli, 2, argv), CLI_ERROR, "check-config: usage 2");
	free(good);
	free(badf);
}

int
main(void)
{
	if ((srcdir = getenv("top_srcdir")) == NULL)
		srcdir = ".";
	log_init("test-conf", LOG_LEVEL_WARN);
	test_sample();
	test_full();
	test_errors();
	test_durations();
	test_sizes();
	test_digest();
	test_secrets();
	test_state_directory();
	test_string();
	test_check_config();
	return done_testing();
}
