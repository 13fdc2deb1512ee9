/*
 * webhook: POST each alert as JSON to a URL, signed per Standard Webhooks.
 *
 * Keys of the notifier group:
 *   url         http:// or https:// URL (required); redirects are not followed
 *   format      "json" (default), "slack", "discord", "mattermost", "teams", "ntfy"
 *   topic       the ntfy topic (required with format = "ntfy"; url is the server)
 *   headers     extra headers: ["Name: value", …] or { Name = "value"; … }
 *   timeout     duration, default "15s", at most "5m"
 *   secret_file, secret_env
 *               "whsec_<base64>": signs every request with webhook-id,
 *               webhook-timestamp and webhook-signature headers
 *
 * The "json" payload, version 1 (strings absent from the alert are null; times
 * are RFC 3339 UTC):
 *   article: { "version": 1, "type": "article", "delivery_id", "notifier",
 *              "watchlist", "title", "url", "source", "published", "created",
 *              "summary", "snippet", "terms": [..],
 *              "also_at": [ { "source", "url" }, … ] }
 *   digest:  { "version": 1, "type": "digest", "delivery_id", "notifier",
 *              "watchlist", "title", "created", "count",
 *              "alerts": [ article objects without "version" ] }
 *   health:  { "version": 1, "type": "health", "delivery_id", "notifier",
 *              "source", "url", "state", "error", "created" }
 *
 * Answers: 2xx success; 408, 429, 5xx, network errors and timeouts retryable
 * (Retry-After passed on); 3xx and other 4xx permanent.
 */
#include "config.h"

#include <sys/queue.h>

#include <ctype.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <jansson.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "newswatch/plugin.h"
#include "pbuf.h"

#define WH_TIMEOUT_DEFAULT	15000
#define WH_TIMEOUT_MAX		300000
#define WH_KEY_MIN		24
#define WH_KEY_MAX		64
#define WH_TEXT_MAX		2000	/* summary and snippet, bytes */
#define WH_CHAT_ITEMS		20	/* digest lines in chat formats */
#define WH_ANSWER_MAX		200	/* receiver text kept in results */

enum wh_format {
	FMT_JSON,
	FMT_SLACK,
	FMT_DISCORD,
	FMT_MATTERMOST,
	FMT_TEAMS,
	FMT_NTFY,
};

static const char *formats[] = { "json", "slack", "discord", "mattermost",
    "teams", "ntfy" };

struct wh_send;

struct webhook {
	const struct nw_host	*host;
	char			*url;
	enum wh_format		 format;
	char			*topic;
	char			**headers;
	size_t			 nheaders;
	int64_t			 timeout;
	unsigned char		 key[WH_KEY_MAX];
	size_t			 keylen;		/* 0: unsigned */
	TAILQ_HEAD(, wh_send)	 sends;
};

/* One POST in flight. */
struct wh_send {
	struct webhook		*wh;
	nw_send_done_cb		 done;
	void			*arg;
	TAILQ_ENTRY(wh_send)	 entry;
};

/* A JSON string of at most max bytes, or null. */
static json_t *
jstr_max(const char *s, size_t max)
{
	json_t	*j;
	char	*c;

	if (s == NULL)
		return json_null();
	c = pbuf_clean(s, max, PBUF_UTF8);
	j = json_string(c);
	free(c);
	return j != NULL ? j : json_null();
}

/* A JSON string, or null. */
static json_t *
jstr(const char *s)
{
	return jstr_max(s, 8192);
}

/* An RFC 3339 UTC time, or null for 0. */
static json_t *
jtime(int64_t t)
{
	struct tm	tm;
	time_t		tt = (time_t)t;
	char		s[32];

	if (t <= 0 || gmtime_r(&tt, &tm) == NULL)
		return json_null();
	strftime(s, sizeof s, "%Y-%m-%dT%H:%M:%SZ", &tm);
	return json_string(s);
}

/* The article fields of an alert, into obj. */
static void
json_article(json_t *obj, const struct nw_alert *a)
{
	json_t	*terms, *also, *o;
	size_t	 i;

	json_object_set_new(obj, "delivery_id", jstr(a->delivery_id));
	json_object_set_new(obj, "watchlist", jstr(a->watchlist));
	json_object_set_new(obj, "title", jstr(a->title));
	json_object_set_new(obj, "url", jstr(a->url));
	json_object_set_new(obj, "source", jstr(a->source));
	json_object_set_new(obj, "published", jtime(a->published));
	json_object_set_new(obj, "created", jtime(a->created));
	json_object_set_new(obj, "summary", jstr_max(a->summary, WH_TEXT_MAX));
	json_object_set_new(obj, "snippet", jstr_max(a->snippet, WH_TEXT_MAX));
	terms = json_array();
	for (i = 0; i < a->nterms; i++)
		json_array_append_new(terms, jstr(a->terms[i]));
	json_object_set_new(obj, "terms", terms);
	also = json_array();
	for (i = 0; i < a->nalso; i++) {
		o = json_object();
		json_object_set_new(o, "source", jstr(a->also[i].name));
		json_object_set_new(o, "url", jstr(a->also[i].url));
		json_array_append_new(also, o);
	}
	json_object_set_new(obj, "also_at", also);
}

/* The versioned "json" payload. */
static json_t *
json_payload(const struct nw_alert *a)
{
	json_t		*obj, *list, *o;
	size_t		 i;
	static const char *types[] = { "", "article", "digest", "health" };

	obj = json_object();
	json_object_set_new(obj, "version", json_integer(1));
	json_object_set_new(obj, "type", json_string(types[a->kind]));
	json_object_set_new(obj, "notifier", jstr(a->notifier));
	if (a->kind == NW_ALERT_ARTICLE) {
		json_article(obj, a);
		return obj;
	}
	json_object_set_new(obj, "delivery_id", jstr(a->delivery_id));
	json_object_set_new(obj, "created", jtime(a->created));
	if (a->kind == NW_ALERT_HEALTH) {
		json_object_set_new(obj, "source", jstr(a->source));
		json_object_set_new(obj, "url", jstr(a->url));
		json_object_set_new(obj, "state", jstr(a->health_state));
		json_object_set_new(obj, "error", jstr(a->health_error));
		return obj;
	}
	json_object_set_new(obj, "watchlist", jstr(a->watchlist));
	json_object_set_new(obj, "title", jstr(a->title));
	json_object_set_new(obj, "count", json_integer(a->nalerts));
	list = json_array();
	for (i = 0; i < a->nalerts; i++) {
		o = json_object();
		json_article(o, &a->alerts[i]);
		json_array_append_new(list, o);
	}
	json_object_set_new(obj, "alerts", list);
	return obj;
}

/* Append text escaped for Slack mrkdwn (&, <, >). */
static void
slack_escape(struct buf *b, const char *s)
{
	for (; *s != '\0'; s++) {
		if (*s == '&')
			buf_str(b, "&amp;");
		else if (*s == '<')
			buf_str(b, "&lt;");
		else if (*s == '>')
			buf_str(b, "&gt;");
		else
			buf_add(b, s, 1);
	}
}

/* Append text escaped for Markdown link text. */
static void
md_escape(struct buf *b, const char *s)
{
	for (; *s != '\0'; s++) {
		if (strchr("[]()*_`<>\\", *s) != NULL)
			buf_add(b, "\\", 1);
		buf_add(b, s, 1);
	}
}

/* Append a link to url with text, in the receiver's markup. */
static void
add_link(struct buf *b, enum wh_format f, const char *text, const char *url)
{
	if (url == NULL || f == FMT_NTFY) {
		buf_str(b, text);
		if (url != NULL && f == FMT_NTFY) {
			buf_str(b, " ");
			buf_str(b, url);
		}
		return;
	}
	if (f == FMT_SLACK) {
		buf_str(b, "<");
		slack_escape(b, url);
		buf_str(b, "|");
		slack_escape(b, text);
		buf_str(b, ">");
		return;
	}
	buf_str(b, "[");
	md_escape(b, text);
	buf_str(b, "](");
	buf_str(b, url);	/* a ')' in a URL would end the link early */
	buf_str(b, ")");
}

/* Append plain text in the receiver's markup. */
static void
add_text(struct buf *b, enum wh_format f, const char *s)
{
	if (f == FMT_SLACK)
		slack_escape(b, s);
	else
		buf_str(b, s);
}

/* One line about an article: title link, source and watchlist. */
static void
article_line(struct buf *b, enum wh_format f, const struct nw_alert *a)
{
	size_t	i;

	add_link(b, f, a->title != NULL ? a->title : "(untitled)", a->url);
	if (a->source != NULL) {
		buf_str(b, " \xe2\x80\x94 ");
		add_text(b, f, a->source);
	}
	if (a->watchlist != NULL) {
		buf_str(b, " [");
		add_text(b, f, a->watchlist);
		buf_str(b, "]");
	}
	for (i = 0; i < a->nalso && i < 5; i++) {
		buf_str(b, i == 0 ? "; also at " : ", ");
		add_link(b, f, a->also[i].name != NULL ? a->also[i].name : "?",
		    a->also[i].url);
	}
}

/* The body text of an alert for a chat receiver. */
static char *
chat_text(const struct nw_alert *a, enum wh_format f)
{
	struct buf	 b = { NULL, 0, 0 };
	size_t		 i;
	char		*s, n[64];

	buf_add(&b, "", 0);
	if (a->kind == NW_ALERT_ARTICLE) {
		article_line(&b, f, a);
		if (a->snippet != NULL) {
			buf_str(&b, "\n> ");
			add_text(&b, f, a->snippet);
		}
	} else if (a->kind == NW_ALERT_HEALTH) {
		buf_str(&b, "Source ");
		add_text(&b, f, a->source != NULL ? a->source : "?");
		buf_str(&b, " is ");
		add_text(&b, f, a->health_state != NULL ? a->health_state : "?");
		if (a->health_error != NULL) {
			buf_str(&b, ": ");
			add_text(&b, f, a->health_error);
		}
	} else {
		for (i = 0; i < a->nalerts && i < WH_CHAT_ITEMS; i++) {
			buf_str(&b, i > 0 ? "\n\xe2\x80\xa2 " : "\xe2\x80\xa2 ");
			article_line(&b, f, &a->alerts[i]);
		}
		if (a->nalerts > WH_CHAT_ITEMS) {
			snprintf(n, sizeof n, "\n\xe2\x80\xa6 and %zu more",
			    a->nalerts - WH_CHAT_ITEMS);
			buf_str(&b, n);
		}
	}
	s = pbuf_clean(b.s, 3500, PBUF_UTF8);
	free(b.s);
	return s;
}

/* A one-line heading for an alert, valid UTF-8. */
static char *
heading(const struct nw_alert *a)
{
	char	*s, *c;

	if (a->kind == NW_ALERT_ARTICLE)
		return pbuf_clean(a->title != NULL ? a->title : "(untitled)", 250, PBUF_UTF8);
	if (a->kind == NW_ALERT_HEALTH) {
		if (asprintf(&s, "newswatch: source %s %s", a->source ? a->source :
		    "?", a->health_state ? a->health_state : "?") == -1)
			abort();
	} else if (asprintf(&s, "newswatch: %zu alerts%s%s", a->nalerts,
	    a->watchlist ? " for " : "", a->watchlist ? a->watchlist : "") == -1)
		abort();
	c = pbuf_clean(s, 250, PBUF_UTF8);
	free(s);
	return c;
}

/* Slack: a fallback text and one mrkdwn section block. */
static json_t *
slack_payload(const struct nw_alert *a, const char *head, const char *body)
{
	json_t		*section, *t, *j;
	struct buf	 b = { NULL, 0, 0 };

	buf_add(&b, "", 0);
	slack_escape(&b, head);
	t = json_object();
	json_object_set_new(t, "type", json_string("mrkdwn"));
	json_object_set_new(t, "text", json_string(body));
	section = json_object();
	json_object_set_new(section, "type", json_string("section"));
	json_object_set_new(section, "text", t);
	j = json_pack("{s:s, s:[o]}", "text", b.s, "blocks", section);
	free(b.s);
	return j;
}

/* Discord: content plus one embed; mentions in feed text are not pinged. */
static json_t *
discord_payload(const struct nw_alert *a, const char *head, const char *body)
{
	json_t	*embed;

	embed = json_pack("{s:s, s:s}", "title", head, "description", body);
	if (a->kind == NW_ALERT_ARTICLE && a->url != NULL)
		json_object_set_new(embed, "url", jstr(a->url));
	if (a->source != NULL)
		json_object_set_new(embed, "footer",
		    json_pack("{s:o}", "text", jstr_max(a->source, 200)));
	if (a->published > 0)
		json_object_set_new(embed, "timestamp", jtime(a->published));
	return json_pack("{s:s, s:[o], s:{s:[]}}", "content", head, "embeds", embed,
	    "allowed_mentions", "parse");
}

/* Teams: an Adaptive Card in a message (the Workflows webhook shape). */
static json_t *
teams_payload(const struct nw_alert *a, const char *head, const char *body)
{
	json_t	*card, *actions;

	card = json_pack("{s:s, s:s, s:s, s:[{s:s, s:s, s:s, s:b}, {s:s, s:s, s:b}]}",
	    "$schema", "http://adaptivecards.io/schemas/adaptive-card.json",
	    "type", "AdaptiveCard", "version", "1.4", "body",
	    "type", "TextBlock", "text", head, "weight", "Bolder", "wrap", 1,
	    "type", "TextBlock", "text", body, "wrap", 1);
	if (a->kind == NW_ALERT_ARTICLE && a->url != NULL) {
		actions = json_pack("[{s:s, s:s, s:o}]", "type", "Action.OpenUrl",
		    "title", "Open", "url", jstr(a->url));
		json_object_set_new(card, "actions", actions);
	}
	return json_pack("{s:s, s:[{s:s, s:n, s:o}]}", "type", "message",
	    "attachments", "contentType", "application/vnd.microsoft.card.adaptive",
	    "contentUrl", "content", card);
}

/* ntfy: the JSON publish form, posted to the server's root URL. */
static json_t *
ntfy_payload(const struct webhook *wh, const struct nw_alert *a, const char *head,
    const char *body)
{
	json_t	*obj;

	obj = json_pack("{s:s, s:s, s:s, s:[s]}", "topic", wh->topic, "title", head,
	    "message", body, "tags", a->kind == NW_ALERT_HEALTH ? "warning" :
	    "newspaper");
	if (a->kind == NW_ALERT_ARTICLE && a->url != NULL)
		json_object_set_new(obj, "click", jstr(a->url));
	return obj;
}

/* The body for the configured format. */
static char *
payload(const struct webhook *wh, const struct nw_alert *a)
{
	json_t	*j;
	char	*head, *body, *out;

	if (wh->format == FMT_JSON)
		j = json_payload(a);
	else {
		head = heading(a);
		body = chat_text(a, wh->format);
		switch (wh->format) {
		case FMT_SLACK:
			j = slack_payload(a, head, body);
			break;
		case FMT_DISCORD:
			j = discord_payload(a, head, body);
			break;
		case FMT_TEAMS:
			j = teams_payload(a, head, body);
			break;
		case FMT_NTFY:
			j = ntfy_payload(wh, a, head, body);
			break;
		default:
			j = json_pack("{s:s}", "text", body);
			break;
		}
		free(head);
		free(body);
	}
	out = j != NULL ? json_dumps(j, JSON_COMPACT) : NULL;
	json_decref(j);
	return out;
}

/*
 * Decode a "whsec_<base64>" secret (surrounding whitespace already removed) into
 * key; return its length, or 0 with *why set.
 */
static size_t
parse_secret(const char *s, unsigned char *key, size_t keymax, const char **why)
{
	unsigned char	 tmp[3 * 1024];
	size_t		 len;
	int		 n, pad = 0;

	if (strncmp(s, "whsec_", 6) != 0) {
		*why = "does not start with whsec_";
		return 0;
	}
	s += 6;
	len = strlen(s);
	if (len == 0 || len % 4 != 0 || len > 4 * 1000 ||
	    strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
	    "0123456789+/=") != len || strcspn(s, "=") < len - 2) {
		*why = "is not base64";
		return 0;
	}
	if (s[len - 2] == '=' && s[len - 1] != '=') {
		*why = "is not base64";
		return 0;
	}
	pad = (s[len - 1] == '=') + (s[len - 2] == '=');
	n = EVP_DecodeBlock(tmp, (const unsigned char *)s, (int)len);
	if (n < 0 || (size_t)n - pad < WH_KEY_MIN || (size_t)n - pad > keymax) {
		OPENSSL_cleanse(tmp, sizeof tmp);
		*why = "must decode to 24 to 64 bytes";
		return 0;
	}
	memcpy(key, tmp, n - pad);
	OPENSSL_cleanse(tmp, sizeof tmp);
	return n - pad;
}

/* The webhook-signature value: "v1," + base64 HMAC-SHA256 of id.ts.body. */
static char *
sign(const unsigned char *key, size_t keylen, const char *id, int64_t ts,
    const char *body, size_t bodylen)
{
	unsigned char	 md[EVP_MAX_MD_SIZE], b64[4 * EVP_MAX_MD_SIZE / 3 + 4];
	unsigned int	 mdlen = 0;
	struct buf	 b = { NULL, 0, 0 };
	char		 tsbuf[32], *sig;

	snprintf(tsbuf, sizeof tsbuf, "%" PRId64, ts);
	buf_str(&b, id);
	buf_str(&b, ".");
	buf_str(&b, tsbuf);
	buf_str(&b, ".");
	buf_add(&b, body, bodylen);
	HMAC(EVP_sha256(), key, (int)keylen, (unsigned char *)b.s, b.len, md,
	    &mdlen);
	free(b.s);
	EVP_EncodeBlock(b64, md, (int)mdlen);
	if (asprintf(&sig, "v1,%s", b64) == -1)
		abort();
	return sig;
}

/* Read format and topic. */
static int
config_format(struct webhook *wh, const struct nw_host *h, struct nw_config *cfg)
{
	const char	*s = "json", *topic = NULL;
	size_t		 i;

	if (h->config_string(cfg, "format", &s) < 0 ||
	    h->config_string(cfg, "topic", &topic) < 0)
		return -1;
	for (i = 0; i < sizeof formats / sizeof formats[0]; i++) {
		if (strcmp(s, formats[i]) == 0)
			break;
	}
	if (i == sizeof formats / sizeof formats[0]) {
		h->config_error(cfg, "format", "unknown format \"%s\" (json, slack, "
		    "discord, mattermost, teams or ntfy)", s);
		return -1;
	}
	wh->format = i;
	if (wh->format == FMT_NTFY && topic == NULL) {
		h->config_error(cfg, "topic", "format \"ntfy\" needs a topic");
		return -1;
	}
	if (topic != NULL)
		wh->topic = strdup(topic);
	return 0;
}

/* Read the URL, which must be http or https. */
static int
config_url(struct webhook *wh, const struct nw_host *h, struct nw_config *cfg)
{
	const char	*url;
	int		 rc;

	if ((rc = h->config_string(cfg, "url", &url)) <= 0) {
		if (rc == 0)
			h->config_error(cfg, NULL, "url is required");
		return -1;
	}
	if ((strncasecmp(url, "http://", 7) != 0 &&
	    strncasecmp(url, "https://", 8) != 0) || strlen(url) > 4096 ||
	    strpbrk(url, " \t\r\n") != NULL) {
		h->config_error(cfg, "url", "expected an http:// or https:// URL");
		return -1;
	}
	wh->url = strdup(url);
	return 0;
}

/* Read headers and timeout. */
static int
config_http(struct webhook *wh, const struct nw_host *h, struct nw_config *cfg)
{
	const char *const	*lines;
	size_t			 n = 0, i;

	if (h->config_headers(cfg, "headers", &lines, &n) < 0 ||
	    h->config_duration(cfg, "timeout", &wh->timeout) < 0)
		return -1;
	if (wh->timeout <= 0 || wh->timeout > WH_TIMEOUT_MAX) {
		h->config_error(cfg, "timeout", "must be between 1ms and 5m");
		return -1;
	}
	wh->headers = calloc(n + 1, sizeof *wh->headers);
	for (i = 0; i < n; i++)
		wh->headers[i] = strdup(lines[i]);
	wh->nheaders = n;
	return 0;
}

/* Read the signing secret, if any. */
static int
config_secret(struct webhook *wh, const struct nw_host *h, struct nw_config *cfg)
{
	const char	*why = NULL;
	char		*secret = NULL;
	int		 rc;

	if ((rc = h->config_secret(cfg, "secret_file", "secret_env", &secret)) <= 0)
		return rc;
	wh->keylen = parse_secret(secret, wh->key, sizeof wh->key, &why);
	OPENSSL_cleanse(secret, strlen(secret));
	free(secret);
	if (wh->keylen == 0) {
		h->config_error(cfg, NULL, "the webhook secret %s", why);
		return -1;
	}
	return 0;
}

/* Free an instance. */
static void
webhook_fini(void *instance)
{
	struct webhook	*wh = instance;
	struct wh_send	*s;
	size_t		 i;

	if (wh == NULL)
		return;
	while ((s = TAILQ_FIRST(&wh->sends)) != NULL) {
		TAILQ_REMOVE(&wh->sends, s, entry);
		free(s);
	}
	for (i = 0; i < wh->nheaders; i++)
		free(wh->headers[i]);
	free(wh->headers);
	free(wh->url);
	free(wh->topic);
	OPENSSL_cleanse(wh->key, sizeof wh->key);
	free(wh);
}

/* Set up a webhook notifier from its group. */
static int
webhook_init(const struct nw_host *h, struct nw_config *cfg, void **instance,
    char **cause)
{
	struct webhook	*wh;
	int		 bad = 0;

	if ((wh = calloc(1, sizeof *wh)) == NULL)
		return -1;
	wh->host = h;
	wh->timeout = WH_TIMEOUT_DEFAULT;
	TAILQ_INIT(&wh->sends);
	bad |= config_url(wh, h, cfg);
	bad |= config_format(wh, h, cfg);
	bad |= config_http(wh, h, cfg);
	bad |= config_secret(wh, h, cfg);
	if (bad) {
		webhook_fini(wh);
		return -1;
	}
	h->send_timeout(h, wh->timeout);
	*instance = wh;
	return 0;
}

/* Printable start of a receiver's answer, for the result text. */
static void
answer_text(char *out, size_t len, const struct nw_http_response *r)
{
	size_t	i, n;
	int	off;

	off = snprintf(out, len, "HTTP %d", r->status);
	if (r->bodylen == 0 || off < 0 || (size_t)off + 3 >= len)
		return;
	out[off++] = ':';
	out[off++] = ' ';
	n = r->bodylen < WH_ANSWER_MAX ? r->bodylen : WH_ANSWER_MAX;
	for (i = 0; i < n && (size_t)off + 1 < len; i++) {
		unsigned char c = r->body[i];
		out[off++] = (c < 0x20 || c == 0x7f) ? ' ' : c;
	}
	out[off] = '\0';
}

/* Classify an HTTP answer. */
static int
classify(const struct nw_http_response *r)
{
	if (r->status == 0)
		return NW_SEND_RETRY;
	if (r->status >= 200 && r->status <= 299)
		return NW_SEND_OK;
	if (r->status == 408 || r->status == 429 || r->status >= 500)
		return NW_SEND_RETRY;
	return NW_SEND_PERMANENT;
}

/* The POST finished: report the outcome. */
static void
post_done_cb(const struct nw_http_response *r, void *arg)
{
	struct wh_send		*s = arg;
	struct nw_send_result	 res;
	char			 text[WH_ANSWER_MAX + 64];

	res.status = classify(r);
	res.code = r->status;
	res.retry_after = res.status == NW_SEND_RETRY ? r->retry_after : -1;
	if (r->status == 0)
		snprintf(text, sizeof text, "%s%s", r->timed_out ? "timeout: " : "",
		    r->error != NULL ? r->error : "no answer");
	else
		answer_text(text, sizeof text, r);
	res.text = text;
	TAILQ_REMOVE(&s->wh->sends, s, entry);
	s->done(&res, s->arg);
	free(s);
}

/* Complete a send that could not start. */
static void
fail(nw_send_done_cb done, void *arg, int status, const char *why)
{
	struct nw_send_result	res = { status, 0, why, -1 };

	done(&res, arg);
}

/* The request headers: content type, configured ones and the signature. */
static size_t
request_headers(struct webhook *wh, const struct nw_alert *a, const char *body,
    char **h, size_t max)
{
	int64_t	 ts;
	size_t	 n = 0, i;
	char	*sig;
	int	 ctype = 1;

	for (i = 0; i < wh->nheaders && n + 4 < max; i++) {
		if (strncasecmp(wh->headers[i], "content-type:", 13) == 0)
			ctype = 0;
		h[n++] = strdup(wh->headers[i]);
	}
	if (ctype)
		h[n++] = strdup("Content-Type: application/json");
	if (wh->keylen == 0)
		return n;
	ts = wh->host->now(wh->host) / 1000;
	sig = sign(wh->key, wh->keylen, a->delivery_id, ts, body, strlen(body));
	if (asprintf(&h[n++], "webhook-id: %s", a->delivery_id) == -1 ||
	    asprintf(&h[n++], "webhook-timestamp: %" PRId64, ts) == -1 ||
	    asprintf(&h[n++], "webhook-signature: %s", sig) == -1)
		abort();
	free(sig);
	return n;
}

/* Deliver an alert. */
static void
webhook_send(void *instance, const struct nw_alert *a, nw_send_done_cb done,
    void *arg)
{
	struct webhook		*wh = instance;
	struct nw_http_request	 req;
	struct wh_send		*s;
	char			*body, *h[72], *cause = NULL;
	size_t			 nh, i;

	if (a->delivery_id == NULL || strpbrk(a->delivery_id, "\r\n") != NULL ||
	    (body = payload(wh, a)) == NULL) {
		fail(done, arg, NW_SEND_PERMANENT, "cannot build the payload");
		return;
	}
	nh = request_headers(wh, a, body, h, sizeof h / sizeof h[0]);
	memset(&req, 0, sizeof req);
	req.method = "POST";
	req.url = wh->url;
	req.headers = (const char *const *)h;
	req.nheaders = nh;
	req.body = body;
	req.bodylen = strlen(body);
	req.timeout = wh->timeout;
	if ((s = calloc(1, sizeof *s)) == NULL)
		abort();
	s->wh = wh;
	s->done = done;
	s->arg = arg;
	TAILQ_INSERT_TAIL(&wh->sends, s, entry);
	if (wh->host->http_request(wh->host, &req, post_done_cb, s, &cause) != 0) {
		TAILQ_REMOVE(&wh->sends, s, entry);
		free(s);
		fail(done, arg, NW_SEND_RETRY, cause != NULL ? cause : "no request");
		free(cause);
	}
	for (i = 0; i < nh; i++)
		free(h[i]);
	free(body);
}

static const struct nw_plugin webhook_plugin = {
	.abi = NEWSWATCH_PLUGIN_ABI,
	.name = "webhook",
	.description = "POST alerts as JSON, signed per Standard Webhooks",
	.init = webhook_init,
	.send = webhook_send,
	.fini = webhook_fini,
};

/* The descriptor. */
const struct nw_plugin *
newswatch_plugin(void)
{
	return &webhook_plugin;
}
