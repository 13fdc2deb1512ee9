/*
 * test-webhook: the webhook plugin, through the real webhook.so and the plugin
 * host, against tests/webhook-receiver.py on 127.0.0.1; and its pure parts (the
 * Standard Webhooks test vector, secrets, payload shapes) directly.
 */
#include "../src/plugins/webhook.c"

#include <sys/wait.h>

#include <signal.h>
#include <unistd.h>

#include <libconfig.h>

#include "curl-backend.h"
#include "log.h"
#include "plugin.h"
#include "peer.h"
#include "tap.h"
#include "xmalloc.h"

#define SECRET	"whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"

struct result {
	int		 calls;
	int		 status;
	int		 code;
	int64_t		 retry_after;
	char		*text;
};

static struct event_base	*base;
static struct plugins		*ps;
static config_t			 cfg;
static char			*logpath;
static int			 port;

static const char *terms[] = { "election", "vote" };
static const struct nw_alert_source also[] = {
	{ "Wire", "http://wire.example/a" },
	{ "Daily", "http://daily.example/a?x=1&y=<2>" },
};
static const struct nw_alert article = {
	.kind = NW_ALERT_ARTICLE,
	.delivery_id = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
	.notifier = "hook",
	.watchlist = "elections",
	.title = "Election <results> & \"news\"",
	.url = "http://news.example/a",
	.source = "News",
	.published = 1700000000,
	.created = 1700000100,
	.summary = "A summary with bad UTF-8: \xff\xfe end",
	.snippet = "…the election vote…",
	.terms = terms,
	.nterms = 2,
	.also = also,
	.nalso = 2,
};

/* Record a send's result and stop the loop. */
static void
done_cb(const struct nw_send_result *r, void *arg)
{
	struct result	*res = arg;

	res->calls++;
	res->status = r->status;
	res->code = r->code;
	res->retry_after = r->retry_after;
	free(res->text);
	res->text = xstrdup(r->text != NULL ? r->text : "");
	event_base_loopbreak(base);
}

/* Stop a loop that runs too long. */
static void
guard_cb(evutil_socket_t fd, short events, void *arg)
{
	event_base_loopbreak(base);
}

/* Send an alert through a notifier and wait for its result. */
static void
send_one(struct plugin_notifier *n, const struct nw_alert *a, struct result *res)
{
	struct event	*guard;
	struct timeval	 tv = { 10, 0 };

	free(res->text);
	memset(res, 0, sizeof *res);
	guard = evtimer_new(base, guard_cb, NULL);
	evtimer_add(guard, &tv);
	plugin_send(n, a, done_cb, res);
	if (res->calls == 0)
		event_base_dispatch(base);
	event_free(guard);
}

/* Read the receiver's records; return the count and the last one. */
static int
records(json_t **last)
{
	FILE	*f;
	char	 line[65536];
	int	 n = 0;

	*last = NULL;
	if ((f = fopen(logpath, "r")) == NULL)
		return 0;
	while (fgets(line, sizeof line, f) != NULL) {
		json_decref(*last);
		*last = json_loads(line, 0, NULL);
		n++;
	}
	fclose(f);
	return n;
}

/* The body of the last record, parsed. */
static json_t *
last_body(json_t **rec)
{
	records(rec);
	if (*rec == NULL)
		return NULL;
	return json_loads(json_string_value(json_object_get(*rec, "body")), 0,
	    NULL);
}

/* A header of a record. */
static const char *
rec_header(json_t *rec, const char *name)
{
	return json_string_value(json_object_get(json_object_get(rec, "headers"),
	    name));
}

/* Set up the notifier named name from the test configuration. */
static struct plugin_notifier *
notifier(const char *name)
{
	const config_setting_t	*list, *g = NULL;
	const char		*nm;
	struct plugin_notifier	*n;
	char			*cause = NULL;
	int			 i;

	list = config_lookup(&cfg, "notifiers");
	for (i = 0; i < config_setting_length(list); i++) {
		g = config_setting_get_elem(list, i);
		if (config_setting_lookup_string(g, "name", &nm) && strcmp(nm, name) == 0)
			break;
	}
	n = plugin_notifier_new(ps, name, "webhook", g, "t.conf", &cause);
	if (n == NULL)
		diag("%s: %s", name, cause);
	free(cause);
	return n;
}

/* The Standard Webhooks test vector, and secrets. */
static void
test_vector(void)
{
	unsigned char	 key[WH_KEY_MAX];
	const char	*why = NULL;
	char		*sig;
	size_t		 len;

	len = parse_secret(SECRET, key, sizeof key, &why);
	is_int(len, 24, "whsec_ secret decodes to 24 bytes");
	sig = sign(key, len, "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330,
	    "{\"test\": 2432232314}", 20);
	is_str(sig, "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=",
	    "Standard Webhooks test vector");
	free(sig);
	len = parse_secret("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", key, sizeof key, &why);
	ok(len == 0, "secret without whsec_ refused (%s)", why);
	ok(parse_secret("whsec_MfKQ9r8G!YqrTwjUPD8ILPZIo2LaLaSw", key, sizeof key,
	    &why) == 0, "secret with a bad character refused");
	len = parse_secret("whsec_c2hvcnQ=", key, sizeof key, &why);
	ok(len == 0, "short key refused (%s)", why);
	ok(parse_secret("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLa=w", key, sizeof key,
	    &why) == 0, "misplaced padding refused");
}

/* The json payload and its cleaning of hostile text. */
static void
test_payload_shapes(void)
{
	struct webhook	 wh = { .format = FMT_JSON };
	struct nw_alert	 dig = { .kind = NW_ALERT_DIGEST, .delivery_id = "d1",
	    .title = "2 alerts", .alerts = &article, .nalerts = 1 };
	struct nw_alert	 health = { .kind = NW_ALERT_HEALTH, .delivery_id = "h1",
	    .source = "News", .health_state = "failing", .health_error = "HTTP 503" };
	json_t		*j;
	char		*s;

	s = payload(&wh, &article);
	j = json_loads(s, 0, NULL);
	ok(j != NULL, "payload is JSON despite invalid UTF-8 in the summary");
	is_int(json_integer_value(json_object_get(j, "version")), 1, "version 1");
	is_str(json_string_value(json_object_get(j, "summary")),
	    "A summary with bad UTF-8: \xef\xbf\xbd\xef\xbf\xbd end",
	    "invalid bytes replaced by U+FFFD");
	is_str(json_string_value(json_object_get(j, "published")),
	    "2023-11-14T22:13:20Z", "published in RFC 3339");
	json_decref(j);
	free(s);
	s = payload(&wh, &dig);
	j = json_loads(s, 0, NULL);
	is_str(json_string_value(json_object_get(j, "type")), "digest", "digest type");
	is_int(json_array_size(json_object_get(j, "alerts")), 1, "digest alerts");
	json_decref(j);
	free(s);
	s = payload(&wh, &health);
	j = json_loads(s, 0, NULL);
	is_str(json_string_value(json_object_get(j, "state")), "failing",
	    "health state");
	is_str(json_string_value(json_object_get(j, "error")), "HTTP 503",
	    "health error");
	json_decref(j);
	free(s);
}

/* Configuration errors name the key's line. */
static void
test_config(void)
{
	static const struct { const char *name, *want; } cases[] = {
		{ "badkey", "t.conf:20: notifier badkey: unknown key colour for "
		    "plugin webhook" },
		{ "nourl", "t.conf:21: notifier nourl: url is required" },
		{ "badfmt", "t.conf:22: notifier badfmt: format: unknown format "
		    "\"irc\" (json, slack, discord, mattermost, teams or ntfy)" },
		{ "notopic", "t.conf:23: notifier notopic: topic: format \"ntfy\" "
		    "needs a topic" },
		{ "badsecret", "t.conf:24: notifier badsecret: the webhook secret "
		    "does not start with whsec_" },
		{ "badurl", "t.conf:25: notifier badurl: url: expected an http:// "
		    "or https:// URL" },
	};
	const config_setting_t	*list, *g = NULL;
	const char		*nm;
	char			*cause;
	size_t			 k;
	int			 i;

	list = config_lookup(&cfg, "notifiers");
	for (k = 0; k < sizeof cases / sizeof cases[0]; k++) {
		for (i = 0; i < config_setting_length(list); i++) {
			g = config_setting_get_elem(list, i);
			if (config_setting_lookup_string(g, "name", &nm) &&
			    strcmp(nm, cases[k].name) == 0)
				break;
		}
		cause = NULL;
		ok(plugin_notifier_new(ps, cases[k].name, "webhook", g, "t.conf",
		    &cause) == NULL, "%s refused", cases[k].name);
		is_str(cause, cases[k].want, "%s: message", cases[k].name);
		free(cause);
	}
}

/* A signed delivery is verified by the receiver and carries the payload. */
static void
test_signed(void)
{
	struct plugin_notifier	*n = notifier("hook");
	struct result		 res = { 0 };
	json_t			*rec, *body;

	is_int(plugin_notifier_watchdog(n), 10000, "watchdog: timeout 5s + 5s");
	send_one(n, &article, &res);
	is_int(res.status, NW_SEND_OK, "200 is success");
	is_int(res.code, 200, "receiver status passed on");
	body = last_body(&rec);
	ok(json_is_true(json_object_get(rec, "verified")),
	    "receiver verified the signature");
	is_str(rec_header(rec, "webhook-id"), article.delivery_id,
	    "webhook-id is the delivery id");
	is_str(rec_header(rec, "x-team"), "news", "configured header sent");
	is_str(rec_header(rec, "content-type"), "application/json", "content type");
	is_str(json_string_value(json_object_get(body, "title")), article.title,
	    "title in the payload");
	is_int(json_array_size(json_object_get(body, "also_at")), 2,
	    "also_at lists the other sources");
	is_str(json_string_value(json_object_get(json_array_get(json_object_get(body,
	    "also_at"), 1), "source")), "Daily", "with their names");
	json_decref(body);
	json_decref(rec);
	free(res.text);
}

/* A relative secret_file is read from $CREDENTIALS_DIRECTORY. */
static void
test_credentials(void)
{
	struct result	 res = { 0 };
	json_t		*rec;

	send_one(notifier("cred"), &article, &res);
	is_int(res.status, NW_SEND_OK, "signed with a secret from CREDENTIALS_DIRECTORY");
	records(&rec);
	ok(json_is_true(json_object_get(rec, "verified")), "and verified");
	json_decref(rec);
	free(res.text);
}

/* 500 then 200: retryable, then success with the same webhook-id. */
static void
test_retry(void)
{
	struct plugin_notifier	*n = notifier("r500");
	struct result		 res = { 0 };
	json_t			*rec;
	char			*id1;
	int			 before;

	before = records(&rec);
	json_decref(rec);
	send_one(n, &article, &res);
	is_int(res.status, NW_SEND_RETRY, "500 is retryable");
	is_int(res.code, 500, "code 500");
	ok(strncmp(res.text, "HTTP 500: ", 10) == 0, "text: %s", res.text);
	records(&rec);
	id1 = xstrdup(rec_header(rec, "webhook-id"));
	json_decref(rec);
	send_one(n, &article, &res);
	is_int(res.status, NW_SEND_OK, "then 200 is success");
	is_int(records(&rec) - before, 2, "two attempts received");
	is_str(rec_header(rec, "webhook-id"), id1, "the retry has the same id");
	ok(json_is_true(json_object_get(rec, "verified")), "retry verified too");
	json_decref(rec);
	free(id1);
	free(res.text);
}

/* 429 with Retry-After, 400, a redirect, a timeout, a closed port. */
static void
test_classes(void)
{
	struct result	 res = { 0 };
	json_t		*rec;
	int		 before;

	send_one(notifier("r429"), &article, &res);
	is_int(res.status, NW_SEND_RETRY, "429 is retryable");
	is_int(res.retry_after, 2000, "Retry-After: 2 reported as 2000 ms");
	send_one(notifier("r400"), &article, &res);
	is_int(res.status, NW_SEND_PERMANENT, "400 is permanent");
	is_int(res.code, 400, "code 400");
	send_one(notifier("r410"), &article, &res);
	is_int(res.status, NW_SEND_PERMANENT, "410 is permanent");
	before = records(&rec);
	json_decref(rec);
	send_one(notifier("r302"), &article, &res);
	is_int(res.status, NW_SEND_PERMANENT, "302 is permanent");
	is_int(records(&rec), before + 1, "redirect not followed");
	json_decref(rec);
	send_one(notifier("slow"), &article, &res);
	is_int(res.status, NW_SEND_RETRY, "a timeout is retryable");
	ok(strncmp(res.text, "timeout: ", 9) == 0, "text: %s", res.text);
	send_one(notifier("closed"), &article, &res);
	is_int(res.status, NW_SEND_RETRY, "a refused connection is retryable");
	is_int(res.code, 0, "no receiver status");
	free(res.text);
}

/* Check one chat format's body shape. */
static void
check_format(const char *name, const char *key, const char *want_in)
{
	struct result	 res = { 0 };
	json_t		*rec, *body, *v;
	const char	*s;

	send_one(notifier(name), &article, &res);
	is_int(res.status, NW_SEND_OK, "%s: delivered", name);
	body = last_body(&rec);
	v = json_object_get(body, key);
	s = json_string_value(v);
	if (s == NULL && json_is_array(v))
		s = json_dumps(v, 0);
	else if (s != NULL)
		s = xstrdup(s);
	ok(s != NULL && strstr(s, want_in) != NULL, "%s: %s has \"%s\": %s", name,
	    key, want_in, s ? s : "(null)");
	free((char *)s);
	json_decref(body);
	json_decref(rec);
	free(res.text);
}

/* Each receiver format's documented minimal shape. */
static void
test_formats(void)
{
	json_t	*rec, *body;

	check_format("slack", "text", "Election &lt;results&gt; &amp; \"news\"");
	body = last_body(&rec);
	ok(json_is_array(json_object_get(body, "blocks")), "slack: blocks");
	ok(strstr(json_string_value(json_object_get(json_object_get(json_array_get(
	    json_object_get(body, "blocks"), 0), "text"), "text")),
	    "<http://news.example/a|Election &lt;results&gt; &amp;") != NULL,
	    "slack: mrkdwn link, escaped");
	json_decref(body);
	json_decref(rec);
	check_format("discord", "content", "Election");
	body = last_body(&rec);
	is_str(json_string_value(json_object_get(json_array_get(json_object_get(body,
	    "embeds"), 0), "url")), "http://news.example/a", "discord: embed url");
	ok(json_array_size(json_object_get(json_object_get(body,
	    "allowed_mentions"), "parse")) == 0 &&
	    json_object_get(body, "allowed_mentions") != NULL,
	    "discord: mentions disabled");
	json_decref(body);
	json_decref(rec);
	check_format("mattermost", "text", "[Election \\<results\\> & \"news\"]"
	    "(http://news.example/a)");
	check_format("teams", "type", "message");
	body = last_body(&rec);
	is_str(json_string_value(json_object_get(json_array_get(json_object_get(body,
	    "attachments"), 0), "contentType")),
	    "application/vnd.microsoft.card.adaptive", "teams: adaptive card");
	json_decref(body);
	json_decref(rec);
	check_format("ntfy", "topic", "alerts");
	body = last_body(&rec);
	is_str(json_string_value(json_object_get(body, "click")),
	    "http://news.example/a", "ntfy: click");
	is_str(json_string_value(json_object_get(body, "title")), article.title,
	    "ntfy: title");
	is_str(rec_header(rec, "authorization"), "Bearer tk",
	    "headers given as a group are sent");
	json_decref(body);
	json_decref(rec);
}

/* Start the receiver with the scripted paths; its pid, port set. */
static pid_t
receiver_start(const char *dir)
{
	char	*script = peer_script("webhook-receiver.py");
	char	*argv[] = { (char *)peer_python(), script, "--log", NULL,
	    "--secret", SECRET, "--lifetime", "60",
	    "--script=/r500=500,200",
	    "--script=/r429=429:ra=2",
	    "--script=/r400=400",
	    "--script=/r410=410",
	    "--script=/r302=302:loc=/elsewhere",
	    "--script=/slow=200:delay=3",
	    NULL };
	pid_t	 pid;

	xasprintf(&logpath, "%s/log", dir);
	argv[3] = logpath;
	pid = peer_start(argv, &port);
	free(script);
	return pid;
}

/* The test configuration, with the receiver's port and the secret file. */
static int
load_config(const char *dir)
{
	char	*text, *secret;
	FILE	*f;

	xasprintf(&secret, "%s/secret", dir);
	if ((f = fopen(secret, "w")) == NULL)
		return -1;
	fprintf(f, "\n  %s \n", SECRET);
	fclose(f);
	xasprintf(&text,
	    "notifiers = (\n"
	    "{ name = \"hook\"; plugin = \"webhook\"; url = \"http://127.0.0.1:%d/ok\";\n"
	    "  secret_file = \"%s\"; headers = [\"X-Team: news\"]; timeout = \"5s\"; },\n"
	    "{ name = \"r500\"; url = \"http://127.0.0.1:%d/r500\"; secret_file = \"%s\"; },\n"
	    "{ name = \"r429\"; url = \"http://127.0.0.1:%d/r429\"; },\n"
	    "{ name = \"r400\"; url = \"http://127.0.0.1:%d/r400\"; },\n"
	    "{ name = \"r410\"; url = \"http://127.0.0.1:%d/r410\"; },\n"
	    "{ name = \"r302\"; url = \"http://127.0.0.1:%d/r302\"; },\n"
	    "{ name = \"slow\"; url = \"http://127.0.0.1:%d/slow\"; timeout = \"1s\"; },\n"
	    "{ name = \"closed\"; url = \"http://127.0.0.1:1/\"; },\n"
	    "{ name = \"slack\"; url = \"http://127.0.0.1:%d/slack\"; format = \"slack\"; },\n"
	    "{ name = \"discord\"; url = \"http://127.0.0.1:%d/d\"; format = \"discord\"; },\n"
	    "{ name = \"mattermost\"; url = \"http://127.0.0.1:%d/m\"; format = \"mattermost\"; },\n"
	    "{ name = \"teams\"; url = \"http://127.0.0.1:%d/t\"; format = \"teams\"; },\n"
	    "{ name = \"ntfy\"; url = \"http://127.0.0.1:%d/\"; format = \"ntfy\";\n"
	    "  topic = \"alerts\"; headers = { Authorization = \"Bearer tk\"; }; },\n"
	    "\n\n\n"
	    "{ name = \"badkey\"; url = \"http://127.0.0.1:1/\"; colour = \"red\"; },\n"
	    "{ name = \"nourl\"; },\n"
	    "{ name = \"badfmt\"; url = \"http://127.0.0.1:1/\"; format = \"irc\"; },\n"
	    "{ name = \"notopic\"; url = \"http://127.0.0.1:1/\"; format = \"ntfy\"; },\n"
	    "{ name = \"badsecret\"; url = \"http://127.0.0.1:1/\"; secret_env = \"NW_T_SECRET\"; },\n"
	    "{ name = \"badurl\"; url = \"file:///etc/passwd\"; },\n"
	    "{ name = \"cred\"; url = \"http://127.0.0.1:%d/cred\"; secret_file = \"secret\"; }\n"
	    ");\n", port, secret, port, secret, port, port, port, port, port, port,
	    port, port, port, port, port);
	setenv("CREDENTIALS_DIRECTORY", dir, 1);
	setenv("NW_T_SECRET", "  not-a-whsec-secret ", 1);
	config_init(&cfg);
	if (!config_read_string(&cfg, text))
		diag("config: line %d: %s", config_error_line(&cfg),
		    config_error_text(&cfg));
	free(text);
	free(secret);
	return 0;
}

int
main(void)
{
	struct curl_backend	*cb;
	struct plugin_backend	 be;
	char			 dir[] = "/tmp/test-webhook.XXXXXX", *pdir, *cmd;
	const char		*top;
	pid_t			 pid;

	log_init("test-webhook", LOG_LEVEL_INFO);
	test_vector();
	test_payload_shapes();
	if (mkdtemp(dir) == NULL || (pid = receiver_start(dir)) == -1) {
		diag("cannot start the receiver");
		return done_testing() + 1;
	}
	top = getenv("top_builddir");
	xasprintf(&pdir, "%s/src/plugins/.libs", top != NULL ? top : ".");
	base = event_base_new();
	cb = curl_backend_new(base);
	curl_backend_fill(cb, &be);
	ps = plugins_new(pdir, &be, 10000);
	load_config(dir);
	test_config();
	test_signed();
	test_credentials();
	test_retry();
	test_classes();
	test_formats();
	plugins_free(ps);
	curl_backend_free(cb);
	event_base_free(base);
	config_destroy(&cfg);
	kill(pid, SIGTERM);
	waitpid(pid, NULL, 0);
	xasprintf(&cmd, "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		diag("cannot remove %s", dir);
	free(cmd);
	free(pdir);
	free(logpath);
	curl_global_cleanup();
	return done_testing();
}
