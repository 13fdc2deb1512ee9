/*
 * test-email: the email plugin, through the real email.so and the plugin host,
 * against tests/smtp-server.py (aiosmtpd with STARTTLS and AUTH) on 127.0.0.1.
 * Each received mail is parsed by tests/email-check.py (Python's email package)
 * and its structure, headers and both parts checked; refusals end permanent with
 * the server's reply; STARTTLS required but not offered sends nothing.
 */
#include "config.h"

#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <netinet/in.h>
#include <arpa/inet.h>

#include <dirent.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>
#include <jansson.h>
#include <libconfig.h>

#include "curl-backend.h"
#include "log.h"
#include "plugin.h"
#include "peer.h"
#include "tap.h"
#include "xmalloc.h"

#define NOW_MS	1700000100000LL		/* Tue, 14 Nov 2023 22:15:00 +0000 */
#define ID1	"9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"
#define ID2	"60303ae22b998861bce3b28f33eec1be758a213c86c93c076dbe9f558c11c752"
#define ID3	"fd61a03af4f77d870fc21e05e7e80678095c92d808cfb3b5c279ee04c74aca13"

struct result {
	int		 calls;
	int		 status;
	int		 code;
	char		*text;
};

static struct event_base	*base;
static struct curl_backend	*cb;
static struct plugins		*ps;
static config_t			 cfg;
static char			 dir[] = "/tmp/test-email.XXXXXX";
static char			*tlsdir, *plaindir, *smtpsdir;

static const char *terms[] = { "election", "Wahl" };
static const struct nw_alert_source also[] = {
	{ "Wire", "http://wire.example/a" },
	{ "Daily <Mail>", "http://daily.example/a?x=1&y=2" },
};
static const struct nw_alert article = {
	.kind = NW_ALERT_ARTICLE,
	.delivery_id = ID1,
	.notifier = "mail",
	.watchlist = "élections",
	.title = "Wahl <results> & \xe2\x80\x9enews\xe2\x80\x9c",
	.url = "http://news.example/a?b=1&c=2",
	.source = "News",
	.published = 1700000000,
	.created = 1700000050,
	.summary = "A summary with bad UTF-8: \xff end",
	.snippet = "\xe2\x80\xa6the election (Wahl) was close\xe2\x80\xa6",
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

/* Set up the notifier named name from the test configuration. */
static struct plugin_notifier *
notifier(const char *name, char **cause)
{
	const config_setting_t	*list, *g = NULL;
	const char		*nm;
	int			 i;

	list = config_lookup(&cfg, "notifiers");
	for (i = 0; i < config_setting_length(list); i++) {
		g = config_setting_get_elem(list, i);
		if (config_setting_lookup_string(g, "name", &nm) && strcmp(nm, name) == 0)
			break;
	}
	*cause = NULL;
	return plugin_notifier_new(ps, name, "email", g, "t.conf", cause);
}

/* Send an alert through the notifier called name and wait for its result. */
static void
send_one(const char *name, const struct nw_alert *a, struct result *res)
{
	struct plugin_notifier	*n;
	struct event		*guard;
	struct timeval		 tv = { 15, 0 };
	char			*cause;

	free(res->text);
	memset(res, 0, sizeof *res);
	if ((n = notifier(name, &cause)) == NULL) {
		diag("%s: %s", name, cause);
		res->text = cause;
		return;
	}
	guard = evtimer_new(base, guard_cb, NULL);
	evtimer_add(guard, &tv);
	plugin_send(n, a, done_cb, res);
	if (res->calls == 0)
		event_base_dispatch(base);
	event_free(guard);
}

/* Messages saved in a server's directory. */
static int
saved(const char *d)
{
	DIR		*dp;
	struct dirent	*de;
	int		 n = 0;

	if ((dp = opendir(d)) == NULL)
		return 0;
	while ((de = readdir(dp)) != NULL)
		n += strstr(de->d_name, ".eml") != NULL &&
		    strstr(de->d_name, ".tmp") == NULL;
	closedir(dp);
	return n;
}


/* Parse message number n of a server directory with email-check.py. */
static json_t *
parse_mail(const char *d, int n)
{
	char	*py, *script, *file, *out, *argv[4];
	json_t	*j;

	py = (char *)peer_python();
	script = peer_script("email-check.py");
	xasprintf(&file, "%s/%d.eml", d, n);
	argv[0] = py;
	argv[1] = script;
	argv[2] = file;
	argv[3] = NULL;
	out = peer_run(argv);
	j = out != NULL ? json_loads(out, 0, NULL) : NULL;
	free(out);
	free(script);
	free(file);
	return j;
}

/* The envelope record of message n. */
static json_t *
envelope_of(const char *d, int n)
{
	char	*file;
	json_t	*j;

	xasprintf(&file, "%s/%d.json", d, n);
	j = json_load_file(file, 0, NULL);
	free(file);
	return j;
}

/* A string member. */
static const char *
jget(json_t *o, const char *key)
{
	const char	*s = json_string_value(json_object_get(o, key));

	return s != NULL ? s : "";
}

/* The text of part i. */
static const char *
part(json_t *m, size_t i)
{
	return jget(json_array_get(json_object_get(m, "parts"), i), "text");
}

/* Whether both parts contain s. */
static int
both(json_t *m, const char *s)
{
	const char	*t = part(m, 0), *h = part(m, 1);

	return t != NULL && h != NULL && strstr(t, s) != NULL &&
	    strstr(h, s) != NULL;
}

/* The article: structure, headers, encoded subject and both parts. */
static void
test_article(void)
{
	struct result	 res = { 0 };
	json_t		*m, *env, *p;
	const char	*html;
	int		 i;

	send_one("mail", &article, &res);
	is_int(res.status, NW_SEND_OK, "article delivered: %s", res.text);
	is_int(res.code, 250, "server said 250");
	ok(strstr(res.text, "queued as 1") != NULL, "with its reply: %s", res.text);
	m = parse_mail(tlsdir, 1);
	ok(m != NULL, "received mail parsed");
	is_str(jget(m, "content_type"), "multipart/alternative", "multipart/alternative");
	is_str(jget(m, "mime_version"), "1.0", "MIME-Version 1.0");
	is_int(json_array_size(json_object_get(m, "parts")), 2, "two parts");
	for (i = 0; i < 2; i++) {
		p = json_array_get(json_object_get(m, "parts"), i);
		is_str(jget(p, "type"), i == 0 ? "text/plain" : "text/html",
		    "part %d type", i);
		is_str(jget(p, "charset"), "utf-8", "part %d utf-8", i);
		is_str(jget(p, "cte"), "quoted-printable", "part %d quoted-printable", i);
	}
	is_str(jget(m, "subject"), "[newswatch] élections: Wahl <results> & "
	    "\xe2\x80\x9enews\xe2\x80\x9c", "subject decodes to the title");
	ok(strncmp(jget(m, "raw_subject"), "=?UTF-8?B?", 10) == 0,
	    "subject RFC 2047 encoded: %s", jget(m, "raw_subject"));
	is_str(jget(m, "from_name"), "Nachrichtenwächter", "From display name");
	ok(strstr(jget(m, "raw_from"), "=?UTF-8?B?") != NULL,
	    "From display name encoded: %s", jget(m, "raw_from"));
	is_str(jget(m, "from_addr"), "alerts@example.org", "From address");
	is_str(json_string_value(json_array_get(json_object_get(m, "to"), 0)),
	    "analyst@example.org", "To first");
	is_str(json_string_value(json_array_get(json_object_get(m, "to_names"), 0)),
	    "Ana Lyst, Desk", "To display name with a comma, quoted");
	is_str(json_string_value(json_array_get(json_object_get(m, "to"), 1)),
	    "refused-x@example.org", "To second (refused by the server)");
	is_str(json_string_value(json_array_get(json_object_get(m, "cc"), 0)),
	    "boss@example.org", "Cc");
	is_str(jget(m, "date"), "Tue, 14 Nov 2023 22:15:00 +0000", "Date from the clock");
	is_str(jget(m, "message_id"), "<" ID1 "@newswatch>", "Message-ID from the delivery id");
	is_str(jget(m, "auto_submitted"), "auto-generated", "Auto-Submitted");
	ok(both(m, "the election (Wahl) was close"), "snippet in both parts");
	ok(strstr(part(m, 0), "Matched: election, Wahl") != NULL, "terms in the text");
	ok(strstr(part(m, 1), "<b>election</b>, <b>Wahl</b>") != NULL, "terms in the HTML");
	ok(both(m, "http://wire.example/a"), "other source's link in both parts");
	ok(strstr(part(m, 0), "- Daily <Mail>: http://daily.example/a?x=1&y=2") != NULL,
	    "other source in the text");
	html = part(m, 1);
	ok(strstr(html, "<a href=\"http://daily.example/a?x=1&amp;y=2\">Daily &lt;Mail&gt;</a>")
	    != NULL, "other source in the HTML, escaped");
	ok(strstr(html, "Wahl &lt;results&gt; &amp; ") != NULL &&
	    strstr(html, "<results>") == NULL, "title HTML-escaped");
	ok(strstr(html, "href=\"http://news.example/a?b=1&amp;c=2\"") != NULL,
	    "article link escaped");
	ok(both(m, "bad UTF-8: \xef\xbf\xbd end"), "invalid UTF-8 replaced");
	env = envelope_of(tlsdir, 1);
	ok(json_is_true(json_object_get(env, "tls")), "sent over STARTTLS");
	is_str(jget(env, "login"), "alerts", "after AUTH");
	is_int(json_array_size(json_object_get(env, "rcpt_tos")), 2,
	    "two recipients taken, the refused one skipped");
	json_decref(env);
	json_decref(m);

	/* A resend is recognisably the same message. */
	curl_backend_set_now(cb, NOW_MS + 60000);
	send_one("mail", &article, &res);
	is_int(res.status, NW_SEND_OK, "resend delivered");
	m = parse_mail(tlsdir, 2);
	is_str(jget(m, "message_id"), "<" ID1 "@newswatch>", "resend: same Message-ID");
	is_str(jget(m, "date"), "Tue, 14 Nov 2023 22:16:00 +0000", "with its own Date");
	json_decref(m);
	curl_backend_set_now(cb, NOW_MS);
	free(res.text);
}

/* A digest and a health alert have their own layouts. */
static void
test_layouts(void)
{
	struct nw_alert	 items[2], dig, health;
	struct result	 res = { 0 };
	json_t		*m;
	int		 n;

	items[0] = article;
	items[1] = article;
	items[1].title = "Second story";
	items[1].url = "https://other.example/2";
	items[1].source = "Wire";
	items[1].snippet = "another snippet";
	items[1].nalso = 0;
	memset(&dig, 0, sizeof dig);
	dig.kind = NW_ALERT_DIGEST;
	dig.delivery_id = ID2;
	dig.watchlist = "elections";
	dig.title = "2 alerts";
	dig.alerts = items;
	dig.nalerts = 2;
	n = saved(tlsdir);
	send_one("digest", &dig, &res);
	is_int(res.status, NW_SEND_OK, "digest delivered: %s", res.text);
	m = parse_mail(tlsdir, n + 1);
	is_str(jget(m, "subject"), "Digest of 2 (elections) from 2 sources",
	    "digest subject from the template's {count} and {source}");
	is_str(jget(m, "message_id"), "<" ID2 "@newswatch>", "digest Message-ID");
	ok(both(m, "Digest: 2 alerts"), "digest heading in both parts");
	ok(strstr(part(m, 0), "1. Wahl <results>") != NULL &&
	    strstr(part(m, 0), "2. Second story\n   https://other.example/2") != NULL,
	    "text lists the alerts with titles and links");
	ok(both(m, "another snippet") && both(m, "the election (Wahl) was close"),
	    "snippets of both alerts in both parts");
	ok(strstr(part(m, 1), "<ol class=\"digest\">") != NULL &&
	    strstr(part(m, 1), "<h3><a href=\"https://other.example/2\">Second story</a></h3>")
	    != NULL, "HTML: an ordered list of linked titles");
	json_decref(m);

	memset(&health, 0, sizeof health);
	health.kind = NW_ALERT_HEALTH;
	health.delivery_id = ID3;
	health.source = "News";
	health.url = "javascript:alert(1)";
	health.health_state = "failing";
	health.health_error = "HTTP 503 <b>down</b>";
	send_one("mail", &health, &res);
	is_int(res.status, NW_SEND_OK, "health alert delivered");
	m = parse_mail(tlsdir, n + 2);
	is_str(jget(m, "subject"), "[newswatch] source health: News is failing",
	    "health subject");
	ok(both(m, "Source health: News is failing"), "health heading in both parts");
	ok(strstr(part(m, 0), "Error: HTTP 503 <b>down</b>") != NULL,
	    "error in the text");
	ok(strstr(part(m, 1), "HTTP 503 &lt;b&gt;down&lt;/b&gt;") != NULL,
	    "error escaped in the HTML");
	ok(strstr(part(m, 1), "javascript:") == NULL || strstr(part(m, 1),
	    "href=\"javascript:") == NULL, "no javascript: link");
	json_decref(m);
	free(res.text);
}

/* A digest that fails is retried whole: the same message, the same id. */
static void
test_digest_retry(void)
{
	struct nw_alert	 items[3], dig;
	struct result	 res = { 0 };
	json_t		*m;
	int		 n = saved(tlsdir), i;

	for (i = 0; i < 3; i++) {
		items[i] = article;
		items[i].nalso = 0;
	}
	items[1].title = "Second";
	items[2].title = "Third";
	memset(&dig, 0, sizeof dig);
	dig.kind = NW_ALERT_DIGEST;
	dig.delivery_id = ID2;
	dig.watchlist = "elections";
	dig.alerts = items;
	dig.nalerts = 3;
	send_one("flaky", &dig, &res);
	is_int(res.status, NW_SEND_RETRY, "greylisted digest is retryable");
	is_int(res.code, 451, "code 451: %s", res.text);
	is_int(saved(tlsdir), n, "nothing delivered");
	send_one("flaky", &dig, &res);
	is_int(res.status, NW_SEND_OK, "the retry is delivered");
	m = parse_mail(tlsdir, n + 1);
	is_str(jget(m, "message_id"), "<" ID2 "@newswatch>", "with the digest's id");
	is_str(jget(m, "subject"), "[newswatch] elections: 3 alerts",
	    "default subject: the count of alerts");
	ok(strstr(part(m, 0), "1. Wahl") != NULL && strstr(part(m, 0), "2. Second")
	    != NULL && strstr(part(m, 0), "3. Third") != NULL, "all three alerts in it");
	json_decref(m);
	free(res.text);
}

/* Hostile alert text cannot add headers or end the message early. */
static void
test_injection(void)
{
	struct nw_alert	 a = article;
	struct result	 res = { 0 };
	json_t		*m, *env;
	int		 n = saved(tlsdir);

	a.title = "Injected\r\nBcc: evil@example.org";
	a.snippet = "line one\r\n.\r\nMAIL FROM:<evil@example.org>\r\n";
	a.delivery_id = ID3;
	send_one("digest", &a, &res);
	is_int(res.status, NW_SEND_OK, "delivered");
	m = parse_mail(tlsdir, n + 1);
	ok(json_object_get(m, "bcc") != NULL && json_is_null(json_object_get(m, "bcc")),
	    "no Bcc header injected");
	ok(strstr(part(m, 0), "MAIL FROM:<evil@example.org>") != NULL,
	    "a lone dot did not end the message");
	env = envelope_of(tlsdir, n + 1);
	is_int(json_array_size(json_object_get(env, "rcpt_tos")), 1,
	    "no recipient added");
	json_decref(env);
	json_decref(m);
	free(res.text);
}

/* Refusals are permanent with the server's reply; 4xx and no server retry. */
static void
test_failures(void)
{
	struct result	 res = { 0 };
	json_t		*env;
	int		 n = saved(tlsdir);

	send_one("badpass", &article, &res);
	is_int(res.status, NW_SEND_PERMANENT, "refused login is permanent");
	is_int(res.code, 535, "code 535");
	ok(strstr(res.text, "535") != NULL, "text: %s", res.text);
	send_one("allrefused", &article, &res);
	is_int(res.status, NW_SEND_PERMANENT, "all recipients refused is permanent");
	is_int(res.code, 550, "code 550");
	ok(strstr(res.text, "Recipient address rejected") != NULL, "text: %s", res.text);
	send_one("badsender", &article, &res);
	is_int(res.status, NW_SEND_PERMANENT, "refused sender is permanent");
	is_int(res.code, 553, "code 553");
	ok(strstr(res.text, "Sender address rejected") != NULL, "text: %s", res.text);
	send_one("tempfail", &article, &res);
	is_int(res.status, NW_SEND_RETRY, "451 is retryable");
	is_int(res.code, 451, "code 451");
	ok(strstr(res.text, "try later") != NULL, "text: %s", res.text);
	send_one("closed", &article, &res);
	is_int(res.status, NW_SEND_RETRY, "refused connection is retryable");
	is_int(res.code, 0, "no server code");
	send_one("silent", &article, &res);
	is_int(res.status, NW_SEND_RETRY, "a server that never answers: retryable");
	ok(strncmp(res.text, "timeout: ", 9) == 0, "text: %s", res.text);
	is_int(saved(tlsdir), n, "none of these delivered anything");

	send_one("nostarttls", &article, &res);
	is_int(res.status, NW_SEND_PERMANENT, "STARTTLS required but not offered fails");
	ok(strstr(res.text, "STARTTLS required") != NULL, "text: %s", res.text);
	is_int(saved(plaindir), 0, "nothing sent in clear");
	send_one("plain", &article, &res);
	is_int(res.status, NW_SEND_OK, "starttls = false sends in clear when asked");
	is_int(saved(plaindir), 1, "one message on the plain server");
	send_one("smtps", &article, &res);
	is_int(res.status, NW_SEND_OK, "smtps:// delivered: %s", res.text);
	env = envelope_of(smtpsdir, 1);
	ok(json_is_true(json_object_get(env, "tls")) &&
	    json_string_value(json_object_get(env, "login")) != NULL,
	    "over TLS from the start, after AUTH");
	json_decref(env);
	free(res.text);
}

/* Configuration errors name the key's line. */
static void
test_config(void)
{
	static const struct { const char *name, *want; } cases[] = {
		{ "c_key", "t.conf:30: notifier c_key: unknown key colour for plugin email" },
		{ "c_url", "t.conf:31: notifier c_url: url: expected an smtp:// or smtps:// URL" },
		{ "c_from", "t.conf:32: notifier c_from: from: \"alerts at example\" is not "
		    "an address (name@domain)" },
		{ "c_to", "t.conf:33: notifier c_to: to is required" },
		{ "c_subj", "t.conf:34: notifier c_subj: subject: unknown field or "
		    "unbalanced brace (fields: {watchlist}, {title}, {source}, {count})" },
		{ "c_user", "t.conf:35: notifier c_user: username: needs password_file "
		    "or password_env" },
		{ "c_addr", "t.conf:36: notifier c_addr: cc: \"Boss <boss@example.org\" is "
		    "not \"Name <name@domain>\"" },
	};
	char	*cause;
	size_t	 k;

	for (k = 0; k < sizeof cases / sizeof cases[0]; k++) {
		ok(notifier(cases[k].name, &cause) == NULL, "%s refused", cases[k].name);
		is_str(cause, cases[k].want, "%s: message", cases[k].name);
		free(cause);
	}
}

/* Start a server (tls 0: none, 1: STARTTLS, 2: implicit); return its pid. */
static pid_t
server_start(const char *out, int tls, int *port)
{
	char	*script, *pf, *cert, *key, *argv[16];
	int	 i = 0;
	pid_t	 pid;

	script = peer_script("smtp-server.py");
	xasprintf(&pf, "%s.port", out);
	xasprintf(&cert, "%s/cert.pem", dir);
	xasprintf(&key, "%s/key.pem", dir);
	mkdir(out, 0700);
	argv[i++] = (char *)peer_python();
	argv[i++] = script;
	argv[i++] = "--port-file";
	argv[i++] = pf;
	argv[i++] = "--dir";
	argv[i++] = (char *)out;
	argv[i++] = "--lifetime";
	argv[i++] = "60";
	if (tls == 2)
		argv[i++] = "--implicit-tls";
	argv[i++] = tls ? "--cert" : "--no-starttls";
	if (tls) {
		argv[i++] = cert;
		argv[i++] = "--key";
		argv[i++] = key;
	}
	argv[i] = NULL;
	pid = peer_start(argv, port);
	free(script);
	free(pf);
	free(cert);
	free(key);
	return pid;
}

/* A self-signed certificate for 127.0.0.1. */
static int
make_cert(void)
{
	char	*cmd;
	int	 rc;

	xasprintf(&cmd, "openssl req -x509 -newkey rsa:2048 -nodes -days 2 "
	    "-subj /CN=localhost -addext subjectAltName=IP:127.0.0.1 "
	    "-keyout '%s/key.pem' -out '%s/cert.pem' >/dev/null 2>&1", dir, dir);
	rc = system(cmd);
	free(cmd);
	return rc == 0 ? 0 : -1;
}

/* A listening socket that never answers; return its port. */
static int
silent_port(int *fd)
{
	struct sockaddr_in	sin;
	socklen_t		len = sizeof sin;

	memset(&sin, 0, sizeof sin);
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if ((*fd = socket(AF_INET, SOCK_STREAM, 0)) == -1 ||
	    bind(*fd, (struct sockaddr *)&sin, sizeof sin) != 0 ||
	    listen(*fd, 4) != 0 ||
	    getsockname(*fd, (struct sockaddr *)&sin, &len) != 0)
		return 0;
	return ntohs(sin.sin_port);
}

/* The test configuration. */
static void
load_config(int tport, int pport, int sport, int qport)
{
	char	*text, *pw;
	FILE	*f;

	xasprintf(&pw, "%s/password", dir);
	if ((f = fopen(pw, "w")) != NULL) {
		fputs("s3cret\n", f);
		fclose(f);
	}
	setenv("NW_T_SMTP_BAD", "wrong", 1);
#define SRV "url = \"smtp://127.0.0.1:%d\"; ca_file = \"%s/cert.pem\"; " \
    "username = \"alerts\"; password_file = \"%s\";"
	xasprintf(&text,
	    "notifiers = (\n"
	    "{ name = \"mail\"; " SRV "\n"
	    "  from = \"Nachrichtenwächter <alerts@example.org>\";\n"
	    "  to = [\"Ana Lyst, Desk <analyst@example.org>\", \"refused-x@example.org\"];\n"
	    "  cc = \"boss@example.org\"; timeout = \"10s\"; },\n"
	    "{ name = \"digest\"; " SRV " from = \"a@example.org\"; to = \"a@example.org\";\n"
	    "  subject = \"Digest of {count} ({watchlist}) from {source}\"; },\n"
	    "{ name = \"badpass\"; url = \"smtp://127.0.0.1:%d\"; ca_file = \"%s/cert.pem\";\n"
	    "  username = \"alerts\"; password_env = \"NW_T_SMTP_BAD\";\n"
	    "  from = \"a@example.org\"; to = \"b@example.org\"; },\n"
	    "{ name = \"allrefused\"; " SRV " from = \"a@example.org\"; to = [\"refused-1@example.org\", \"refused-2@example.org\"]; },\n"
	    "{ name = \"badsender\"; " SRV " from = \"refused-sender@example.org\"; to = \"b@example.org\"; },\n"
	    "{ name = \"flaky\"; " SRV " from = \"a@example.org\"; to = \"flaky@example.org\"; },\n"
	    "{ name = \"tempfail\"; " SRV " from = \"a@example.org\"; to = \"tempfail@example.org\"; },\n"
	    "{ name = \"closed\"; url = \"smtp://127.0.0.1:1\"; from = \"a@example.org\"; to = \"b@example.org\"; },\n"
	    "{ name = \"nostarttls\"; url = \"smtp://127.0.0.1:%d\"; from = \"a@example.org\"; to = \"b@example.org\"; },\n"
	    "{ name = \"plain\"; url = \"smtp://127.0.0.1:%d\"; starttls = false;\n"
	    "  from = \"a@example.org\"; to = \"b@example.org\"; },\n"
	    "{ name = \"smtps\"; url = \"smtps://127.0.0.1:%d\"; ca_file = \"%s/cert.pem\"; username = \"alerts\"; password_file = \"%s\"; from = \"a@example.org\"; to = \"b@example.org\"; },\n"
	    "{ name = \"silent\"; url = \"smtp://127.0.0.1:%d\"; timeout = \"1s\"; from = \"a@example.org\"; to = \"b@example.org\"; },\n"
	    "\n\n\n\n\n\n\n\n\n"
	    "{ name = \"c_key\"; url = \"smtp://h\"; from = \"a@b.c\"; to = \"d@e.f\"; colour = 1; },\n"
	    "{ name = \"c_url\"; url = \"http://h\"; from = \"a@b.c\"; to = \"d@e.f\"; },\n"
	    "{ name = \"c_from\"; url = \"smtp://h\"; from = \"alerts at example\"; to = \"d@e.f\"; },\n"
	    "{ name = \"c_to\"; url = \"smtp://h\"; from = \"a@b.c\"; },\n"
	    "{ name = \"c_subj\"; url = \"smtp://h\"; from = \"a@b.c\"; to = \"d@e.f\"; subject = \"{titel}\"; },\n"
	    "{ name = \"c_user\"; url = \"smtp://h\"; from = \"a@b.c\"; to = \"d@e.f\"; username = \"u\"; },\n"
	    "{ name = \"c_addr\"; url = \"smtp://h\"; from = \"a@b.c\"; to = \"d@e.f\"; cc = [\"Boss <boss@example.org\"]; }\n"
	    ");\n",
	    tport, dir, pw, tport, dir, pw, tport, dir, tport, dir, pw,
	    tport, dir, pw, tport, dir, pw, tport, dir, pw, pport, pport,
	    sport, dir, pw, qport);
#undef SRV
	config_init(&cfg);
	if (!config_read_string(&cfg, text))
		diag("config: line %d: %s", config_error_line(&cfg),
		    config_error_text(&cfg));
	free(text);
	free(pw);
}

int
main(void)
{
	struct plugin_backend	 be;
	char			*pdir, *cmd;
	const char		*top;
	pid_t			 tpid, ppid, spid;
	int			 tport, pport, sport, qfd = -1;

	log_init("test-email", LOG_LEVEL_WARN);
	signal(SIGPIPE, SIG_IGN);
	if (mkdtemp(dir) == NULL || make_cert() != 0)
		skip_all("cannot make a certificate with openssl");
	xasprintf(&tlsdir, "%s/tls", dir);
	xasprintf(&plaindir, "%s/plain", dir);
	xasprintf(&smtpsdir, "%s/smtps", dir);
	if ((tpid = server_start(tlsdir, 1, &tport)) == -1 ||
	    (ppid = server_start(plaindir, 0, &pport)) == -1 ||
	    (spid = server_start(smtpsdir, 2, &sport)) == -1) {
		diag("cannot start the SMTP servers");
		return done_testing() + 1;
	}
	top = getenv("top_builddir");
	xasprintf(&pdir, "%s/src/plugins/.libs", top != NULL ? top : ".");
	base = event_base_new();
	cb = curl_backend_new(base);
	curl_backend_set_now(cb, NOW_MS);
	curl_backend_fill(cb, &be);
	ps = plugins_new(pdir, &be, 20000);
	load_config(tport, pport, sport, silent_port(&qfd));
	test_config();
	test_article();
	test_layouts();
	test_digest_retry();
	test_injection();
	test_failures();
	plugins_free(ps);
	curl_backend_free(cb);
	event_base_free(base);
	config_destroy(&cfg);
	close(qfd);
	kill(tpid, SIGTERM);
	kill(ppid, SIGTERM);
	kill(spid, SIGTERM);
	waitpid(tpid, NULL, 0);
	waitpid(ppid, NULL, 0);
	waitpid(spid, NULL, 0);
	xasprintf(&cmd, "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		diag("cannot remove %s", dir);
	free(cmd);
	free(pdir);
	free(tlsdir);
	free(plaindir);
	free(smtpsdir);
	curl_global_cleanup();
	return done_testing();
}
