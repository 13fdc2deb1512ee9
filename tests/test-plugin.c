/* test-plugin: the plugin loader, its ABI check, its host table and its watchdog. */
#include "../src/plugin.c"

#include "curl-backend.h"
#include "tap.h"

struct result {
	int		 calls;
	int		 status;
	char		*text;
};

static struct event_base	*base;
static int			 ticks, disabled_calls;

/* Record a send's result. */
static void
done_cb(const struct nw_send_result *r, void *arg)
{
	struct result	*res = arg;

	res->calls++;
	res->status = r->status;
	free(res->text);
	res->text = xstrdup(r->text != NULL ? r->text : "");
	event_base_loopbreak(base);
}

/* Count the loop's turns while a plugin hangs. */
static void
tick_cb(evutil_socket_t fd, short events, void *arg)
{
	ticks++;
}

/* Count disabled notifiers. */
static void
disabled_cb(struct plugin_notifier *n, const char *why, void *arg)
{
	disabled_calls++;
}

/* Stop a loop that went on too long. */
static void
guard_cb(evutil_socket_t fd, short events, void *arg)
{
	diag("guard timer fired");
	event_base_loopbreak(base);
}

/* Run the loop until a result arrives or 5 s pass. */
static void
run(void)
{
	struct event	*guard;
	struct timeval	 tv = { 5, 0 };

	guard = evtimer_new(base, guard_cb, NULL);
	evtimer_add(guard, &tv);
	event_base_dispatch(base);
	event_free(guard);
}

/* Find a notifier's group in a parsed configuration. */
static const config_setting_t *
group(config_t *c, const char *name)
{
	const config_setting_t	*list, *g;
	const char		*n;
	int			 i;

	list = config_lookup(c, "notifiers");
	for (i = 0; i < config_setting_length(list); i++) {
		g = config_setting_get_elem(list, i);
		if (config_setting_lookup_string(g, "name", &n) && strcmp(n, name) == 0)
			return g;
	}
	return NULL;
}

static const char conf_text[] =
    "notifiers = (\n"
    "  { name = \"old\"; plugin = \"badabi\"; },\n"
    "  { name = \"ok\"; plugin = \"twice\"; twice = false; label = \"fine\"; },\n"
    "  { name = \"dbl\"; plugin = \"twice\"; },\n"
    "  { name = \"inv\"; plugin = \"twice\"; twice = false; status = 7; },\n"
    "  { name = \"unk\"; plugin = \"twice\";\n"
    "    bogus = 1; },\n"
    "  { name = \"typ\"; plugin = \"twice\"; status = \"high\"; },\n"
    "  { name = \"hung\"; plugin = \"hang\"; hold = \"1m\"; }\n"
    ");\n";

static const struct nw_alert alert = {
	.kind = NW_ALERT_ARTICLE,
	.delivery_id = "00112233",
	.notifier = "x",
	.title = "A title",
};

/* The loader refuses a plugin built for another ABI, and a missing one. */
static void
test_abi(struct plugins *ps, config_t *c)
{
	struct plugin_notifier	*n;
	char			*cause = NULL;

	n = plugin_notifier_new(ps, "old", "badabi", group(c, "old"), "t.conf",
	    &cause);
	ok(n == NULL, "wrong ABI refused");
	is_str(cause, "t.conf:2: notifier old: plugin badabi: built for plugin "
	    "ABI version 42, but newswatchd speaks version 1", "error names plugin, "
	    "line and both versions");
	free(cause);
	cause = NULL;
	n = plugin_notifier_new(ps, "none", "nosuch", NULL, NULL, &cause);
	ok(n == NULL && cause != NULL && strstr(cause, "plugin nosuch: ") == cause,
	    "missing plugin refused: %s", cause);
	free(cause);
	cause = NULL;
	n = plugin_notifier_new(ps, "none", "../twice", NULL, NULL, &cause);
	ok(n == NULL && cause != NULL && strstr(cause, "invalid name") != NULL,
	    "path in plugin name refused");
	free(cause);
}

/* Configuration errors carry file:line. */
static void
test_config(struct plugins *ps, config_t *c)
{
	struct plugin_notifier	*n;
	char			*cause = NULL;

	n = plugin_notifier_new(ps, "unk", "twice", group(c, "unk"), "t.conf",
	    &cause);
	ok(n == NULL, "unknown key refused");
	is_str(cause, "t.conf:7: notifier unk: unknown key bogus for plugin twice",
	    "unknown key named with its line");
	free(cause);
	cause = NULL;
	n = plugin_notifier_new(ps, "typ", "twice", group(c, "typ"), "t.conf",
	    &cause);
	ok(n == NULL, "ill-typed key refused");
	is_str(cause, "t.conf:8: notifier typ: status: expected an integer",
	    "type error named with its line");
	free(cause);
}

/* A plugin that completes properly, and the module shared by notifiers. */
static void
test_ok(struct plugins *ps, config_t *c)
{
	struct plugin_notifier	*n;
	struct plugin_module	*m;
	struct result		 res = { 0 };
	char			*cause = NULL;
	int			 nmod = 0;

	n = plugin_notifier_new(ps, "ok", "twice", group(c, "ok"), "t.conf", &cause);
	ok(n != NULL, "plugin loaded and initialised: %s", cause ? cause : "");
	if (n == NULL)
		return;
	plugin_send(n, &alert, done_cb, &res);
	is_int(res.calls, 0, "completion during send deferred to the loop");
	run();
	is_int(res.calls, 1, "one completion");
	is_int(res.status, NW_SEND_OK, "success");
	is_str(res.text, "fine", "receiver text passed on");
	ok(plugin_notifier_enabled(n), "still enabled");
	is_int(plugin_notifier_inflight(n), 0, "nothing in flight");
	free(res.text);
	TAILQ_FOREACH(m, &ps->modules, entry)
		nmod += strcmp(m->name, "twice") == 0;
	is_int(nmod, 1, "twice.so loaded once for every notifier");
}

/* A plugin that completes twice, and one that returns an invalid result. */
static void
test_twice(struct plugins *ps, config_t *c)
{
	struct plugin_notifier	*n;
	struct result		 res = { 0 };
	char			*cause = NULL;

	n = plugin_notifier_new(ps, "dbl", "twice", group(c, "dbl"), NULL, &cause);
	ok(n != NULL, "twice loaded");
	plugin_send(n, &alert, done_cb, &res);
	run();
	is_int(res.calls, 1, "caller sees one completion");
	is_int(res.status, NW_SEND_OK, "the first result passed on");
	ok(!plugin_notifier_enabled(n), "disabled after completing twice");
	ok(strstr(plugin_notifier_why(n), "twice") != NULL, "why: %s",
	    plugin_notifier_why(n));
	free(res.text);
	memset(&res, 0, sizeof res);
	n = plugin_notifier_new(ps, "inv", "twice", group(c, "inv"), NULL, &cause);
	plugin_send(n, &alert, done_cb, &res);
	run();
	is_int(res.status, NW_SEND_RETRY, "invalid result becomes a retry");
	is_str(res.text, "invalid result 7", "and says so");
	ok(!plugin_notifier_enabled(n), "disabled after an invalid result");
	free(res.text);
}

/* A plugin that never completes is disabled by its watchdog; the loop goes on. */
static void
test_hang(struct plugins *ps, config_t *c)
{
	struct plugin_notifier	*n;
	struct result		 res = { 0 }, res2 = { 0 };
	struct event		*tick;
	struct timeval		 tv = { 0, 20000 };
	char			*cause = NULL;

	n = plugin_notifier_new(ps, "hung", "hang", group(c, "hung"), NULL, &cause);
	ok(n != NULL, "hang loaded (core key hold accepted)");
	tick = event_new(base, -1, EV_PERSIST, tick_cb, NULL);
	evtimer_add(tick, &tv);
	plugin_send(n, &alert, done_cb, &res);
	is_int(plugin_notifier_inflight(n), 1, "one send in flight");
	run();
	event_free(tick);
	is_int(res.calls, 1, "watchdog completed the send");
	is_int(res.status, NW_SEND_RETRY, "as retryable");
	is_str(res.text, "no completion within 300 ms", "saying why");
	ok(!plugin_notifier_enabled(n), "plugin disabled");
	ok(ticks >= 3, "the loop went on meanwhile (%d ticks)", ticks);
	is_int(disabled_calls, 3, "disabled reported (twice, invalid, hang)");
	plugin_send(n, &alert, done_cb, &res2);
	is_int(res2.calls, 1, "a disabled notifier answers at once");
	is_int(res2.status, NW_SEND_RETRY, "retryable, so the alert stays queued");
	free(res.text);
	free(res2.text);
}

/* parse_duration's units and limits. */
static void
test_duration(void)
{
	int64_t	ms = 0;

	ok(parse_duration("90s", &ms) == 0 && ms == 90000, "90s");
	ok(parse_duration("500ms", &ms) == 0 && ms == 500, "500ms");
	ok(parse_duration("2h", &ms) == 0 && ms == 7200000, "2h");
	ok(parse_duration("15", &ms) == 0 && ms == 15000, "bare seconds");
	ok(parse_duration("1y", &ms) == -1, "unknown unit refused");
	ok(parse_duration("-1s", &ms) == -1, "negative refused");
	ok(parse_duration("99999999999999d", &ms) == -1, "overflow refused");
	ok(parse_duration("365d", &ms) == 0 && ms == INT64_C(31536000000),
	    "a year accepted");
	ok(parse_duration("366d", &ms) == -1, "more than a year refused");
}

int
main(void)
{
	struct curl_backend	*cb;
	struct plugin_backend	 be;
	struct plugins		*ps;
	config_t		 c;
	const char		*top;
	char			*dir;

	log_init("test-plugin", LOG_LEVEL_INFO);
	top = getenv("top_builddir");
	xasprintf(&dir, "%s/tests/plugins/.libs", top != NULL ? top : ".");
	base = event_base_new();
	cb = curl_backend_new(base);
	curl_backend_fill(cb, &be);
	ps = plugins_new(dir, &be, 300);
	plugins_set_disabled_cb(ps, disabled_cb, NULL);
	config_init(&c);
	if (!config_read_string(&c, conf_text))
		diag("config: line %d: %s", config_error_line(&c), config_error_text(&c));
	test_abi(ps, &c);
	test_config(ps, &c);
	test_ok(ps, &c);
	test_twice(ps, &c);
	test_hang(ps, &c);
	test_duration();
	plugins_free(ps);
	curl_backend_free(cb);
	config_destroy(&c);
	event_base_free(base);
	free(dir);
	return done_testing();
}
