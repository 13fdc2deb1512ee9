/*
 * email: send each alert as a MIME multipart/alternative mail (plain text and
 * HTML, UTF-8, quoted-printable) over SMTP, on the daemon's curl multi handle.
 *
 * Keys of the notifier group:
 *   url            "smtp://host:587" (STARTTLS required unless starttls = false)
 *                  or "smtps://host:465" (TLS from the start); required
 *   starttls       bool, default true: refuse to send unless the server offers
 *                  STARTTLS (the mail is never sent in clear)
 *   ca_file        CA certificates to verify the server with (default: system)
 *   username       AUTH user; with password_file or password_env
 *   from           one address, a display name allowed:
 *                  "newswatch <alerts@example.org>"; required
 *   to, cc         a list of addresses (or one), display names allowed; to is
 *                  required; at most 100 recipients in all
 *   subject        template, default "[newswatch] {watchlist}: {title}"; fields:
 *                    {watchlist}  the watchlist ("several watchlists" for a digest
 *                                 spanning several, "source health" for a health
 *                                 alert)
 *                    {title}      the article's title; a digest's title ("5
 *                                 alerts"); "SOURCE is STATE" for a health alert
 *                    {source}     the source the alert was raised on (a digest:
 *                                 its one source, or "N sources")
 *                    {count}      1, or the number of alerts in a digest
 *                  "{{" and "}}" stand for braces
 *   timeout        duration, default "30s", at most "5m"
 *
 * The message: From, To, Cc, Subject (RFC 2047 when not ASCII), Date,
 * Message-ID <DELIVERYID@newswatch> (a resend is the same message),
 * Auto-Submitted: auto-generated, X-Newswatch-Delivery-Id.
 *
 * Outcomes: success when the server took the message (a refused recipient among
 * others does not fail it); permanent: login refused, sender refused, every
 * recipient refused, any other 5xx reply, STARTTLS required but not offered;
 * retryable: connection failures, timeouts, TLS errors and 4xx replies. The
 * result text is the server's last reply and libcurl's error.
 */
#include "config.h"

#include <sys/queue.h>

#include <ctype.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <curl/curl.h>

#include "newswatch/plugin.h"
#include "pbuf.h"

#define EM_TIMEOUT_DEFAULT	30000
#define EM_TIMEOUT_MAX		300000
#define EM_RCPT_MAX		100
#define EM_ADDR_MAX		254
#define EM_NAME_MAX		128
#define EM_SUBJECT_MAX		300	/* bytes of the subject before encoding */
#define EM_TEXT_MAX		2000	/* summary, snippet */
#define EM_FIELD_MAX		500	/* titles, URLs, names */
#define EM_LIST_MAX		50	/* terms, other sources */
#define EM_DIGEST_MAX		500	/* alerts listed in a digest */
#define EM_REPLY_MAX		200	/* server reply kept */
#define EM_DEFAULT_SUBJECT	"[newswatch] {watchlist}: {title}"

struct em_send;

/* An address with its optional display name. */
struct em_addr {
	char		*name;		/* NULL: none */
	char		*addr;
};

struct email {
	const struct nw_host	*host;
	char			*url;
	int			 starttls;
	char			*ca_file;
	char			*username;
	char			*password;
	struct em_addr		 from;
	struct em_addr		*to, *cc;
	size_t			 nto, ncc;
	char			*subject;
	int64_t			 timeout;
	TAILQ_HEAD(, em_send)	 sends;
};

/* One mail in flight. */
struct em_send {
	struct email		*em;
	CURL			*easy;
	curl_mime		*mime;
	struct curl_slist	*headers, *rcpt;
	char			*text, *html;
	char			 errbuf[CURL_ERROR_SIZE];
	char			 reply[EM_REPLY_MAX + 1];	/* last 4xx/5xx line */
	char			 last[EM_REPLY_MAX + 1];	/* or the last line */
	nw_send_done_cb		 done;
	void			*arg;
	TAILQ_ENTRY(em_send)	 entry;
};

/* Append s, cleaned to one line of at most max bytes. */
static void
add_clean(struct buf *b, const char *s, size_t max)
{
	char	*c = pbuf_clean(s, max, PBUF_LINE);

	buf_str(b, c);
	free(c);
}

/* Append s HTML-escaped (cleaned first; newlines become <br>). */
static void
add_html(struct buf *b, const char *s, size_t max)
{
	char	*c = pbuf_clean(s, max, PBUF_LINES), *p;

	for (p = c; *p != '\0'; p++) {
		switch (*p) {
		case '&': buf_str(b, "&amp;"); break;
		case '<': buf_str(b, "&lt;"); break;
		case '>': buf_str(b, "&gt;"); break;
		case '"': buf_str(b, "&quot;"); break;
		case '\'': buf_str(b, "&#39;"); break;
		case '\n': buf_str(b, "<br>\n"); break;
		default: buf_add(b, p, 1);
		}
	}
	free(c);
}

/* Whether a URL may become a link: http or https only. */
static int
linkable(const char *url)
{
	return url != NULL && (strncasecmp(url, "http://", 7) == 0 ||
	    strncasecmp(url, "https://", 8) == 0);
}

/* Append a link to url with text, or the text alone for other URLs. */
static void
add_link(struct buf *b, const char *text, const char *url)
{
	if (!linkable(url)) {
		add_html(b, text, EM_FIELD_MAX);
		return;
	}
	buf_str(b, "<a href=\"");
	add_html(b, url, EM_FIELD_MAX * 4);
	buf_str(b, "\">");
	add_html(b, text, EM_FIELD_MAX);
	buf_str(b, "</a>");
}

/* Base64 of len bytes. */
static void
add_base64(struct buf *b, const unsigned char *s, size_t len)
{
	static const char	 tab[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
	    "abcdefghijklmnopqrstuvwxyz0123456789+/";
	char			 out[4];
	uint32_t		 v;
	size_t			 i;

	for (i = 0; i < len; i += 3) {
		v = (uint32_t)s[i] << 16;
		if (i + 1 < len)
			v |= (uint32_t)s[i + 1] << 8;
		if (i + 2 < len)
			v |= s[i + 2];
		out[0] = tab[(v >> 18) & 63];
		out[1] = tab[(v >> 12) & 63];
		out[2] = i + 1 < len ? tab[(v >> 6) & 63] : '=';
		out[3] = i + 2 < len ? tab[v & 63] : '=';
		buf_add(b, out, 4);
	}
}

/* Whether s is printable ASCII. */
static int
ascii(const char *s)
{
	for (; *s != '\0'; s++) {
		if ((unsigned char)*s < 0x20 || (unsigned char)*s > 0x7e)
			return 0;
	}
	return 1;
}

/*
 * Append s (valid UTF-8) as RFC 2047 encoded words (UTF-8, B), each of at most
 * 75 characters, split between characters, separated by a space.
 */
static void
add_encoded(struct buf *b, const char *s)
{
	size_t	len = strlen(s), i = 0, start, n;

	while (i < len) {
		start = i;
		/* 45 bytes -> 60 base64 characters + 12 = 72 */
		while (i < len) {
			n = pbuf_utf8_len((const unsigned char *)s + i, len - i);
			if (n == 0)
				n = 1;
			if (i + n - start > 45)
				break;
			i += n;
		}
		if (start > 0)
			buf_str(b, " ");
		buf_str(b, "=?UTF-8?B?");
		add_base64(b, (const unsigned char *)s + start, i - start);
		buf_str(b, "?=");
	}
}

/* Append a display name: an encoded word, a quoted string or an atom phrase. */
static void
add_name(struct buf *b, const char *name)
{
	const char	*p;

	if (!ascii(name)) {
		add_encoded(b, name);
		return;
	}
	if (strpbrk(name, "()<>[]:;@\\,.\"") == NULL) {
		buf_str(b, name);
		return;
	}
	buf_str(b, "\"");
	for (p = name; *p != '\0'; p++) {
		if (*p == '"' || *p == '\\')
			buf_str(b, "\\");
		buf_add(b, p, 1);
	}
	buf_str(b, "\"");
}

/* Append an address as in a header: name <addr> or addr. */
static void
add_addr(struct buf *b, const struct em_addr *a)
{
	if (a->name == NULL) {
		buf_str(b, a->addr);
		return;
	}
	add_name(b, a->name);
	buf_fmt(b, " <%s>", a->addr);
}

/* Check the bare address part: local@domain, printable ASCII, no specials. */
static int
valid_addr(const char *s, size_t len)
{
	const char	*at = NULL;
	size_t		 i;

	if (len == 0 || len > EM_ADDR_MAX)
		return 0;
	for (i = 0; i < len; i++) {
		if ((unsigned char)s[i] <= 0x20 || (unsigned char)s[i] >= 0x7f ||
		    strchr("<>()[]\\,;:\"", s[i]) != NULL)
			return 0;
		if (s[i] == '@')
			at = s + i;
	}
	return at != NULL && at != s && at != s + len - 1;
}

/* Parse "Name <addr>" or "addr"; 0, or -1 with *why. */
static int
parse_addr(const char *s, struct em_addr *a, const char **why)
{
	const char	*lt, *gt;
	size_t		 n;

	memset(a, 0, sizeof a[0]);
	if ((lt = strchr(s, '<')) == NULL) {
		if (!valid_addr(s, strlen(s)))
			return (*why = "is not an address (name@domain)", -1);
		a->addr = pbuf_dup(s);
		return 0;
	}
	if ((gt = strchr(lt, '>')) == NULL || gt[1] != '\0' ||
	    !valid_addr(lt + 1, gt - lt - 1))
		return (*why = "is not \"Name <name@domain>\"", -1);
	for (n = lt - s; n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t'); n--)
		;
	if (n > EM_NAME_MAX)
		return (*why = "has a display name that is too long", -1);
	a->addr = strndup(lt + 1, gt - lt - 1);
	if (n > 0) {
		a->name = strndup(s, n);
	}
	if (a->addr == NULL || (n > 0 && a->name == NULL))
		abort();
	return 0;
}

/* Whether s is valid UTF-8 without control characters. */
static int
valid_text(const char *s)
{
	size_t	len = strlen(s), i = 0, n;

	while (i < len) {
		if ((n = pbuf_utf8_len((const unsigned char *)s + i, len - i)) == 0 ||
		    (unsigned char)s[i] < 0x20 || s[i] == 0x7f)
			return 0;
		i += n;
	}
	return 1;
}

/* The values of the subject template's fields for an alert. */
struct fields {
	const char	*watchlist, *title, *source;
	char		 count[24];
	char		*owned_title, *owned_source;
};

/* The single source of a digest's alerts, or "N sources". */
static char *
digest_source(const struct nw_alert *a)
{
	const char	*one = NULL;
	size_t		 i, n = 0;
	char		*s;

	for (i = 0; i < a->nalerts; i++) {
		const char *src = a->alerts[i].source;
		if (src == NULL || (one != NULL && strcmp(src, one) == 0))
			continue;
		if (one == NULL)
			one = src;
		n++;
	}
	if (n <= 1)
		return pbuf_dup(one != NULL ? one : "");
	if (asprintf(&s, "%zu sources", n) == -1)
		abort();
	return s;
}

/* Fill in the template fields. */
static void
fields_of(const struct nw_alert *a, struct fields *f)
{
	memset(f, 0, sizeof *f);
	f->watchlist = a->watchlist != NULL ? a->watchlist : "";
	f->title = a->title != NULL ? a->title : "";
	f->source = a->source != NULL ? a->source : "";
	snprintf(f->count, sizeof f->count, "1");
	if (a->kind == NW_ALERT_DIGEST) {
		if (a->watchlist == NULL)
			f->watchlist = "several watchlists";
		snprintf(f->count, sizeof f->count, "%zu", a->nalerts);
		if (a->title == NULL) {
			if (asprintf(&f->owned_title, "%zu alerts", a->nalerts) == -1)
				abort();
			f->title = f->owned_title;
		}
		f->owned_source = digest_source(a);
		f->source = f->owned_source;
	} else if (a->kind == NW_ALERT_HEALTH) {
		if (a->watchlist == NULL)
			f->watchlist = "source health";
		if (asprintf(&f->owned_title, "%s is %s", f->source,
		    a->health_state != NULL ? a->health_state : "changed") == -1)
			abort();
		f->title = f->owned_title;
	}
}

/* Release the fields' own strings. */
static void
fields_free(struct fields *f)
{
	free(f->owned_title);
	free(f->owned_source);
}

/* Expand a subject template; NULL with *why for an unknown field. */
static char *
render(const char *tpl, const struct fields *f, const char **why)
{
	struct buf	 b = { NULL, 0, 0 };
	const char	*p, *end, *v;
	size_t		 n;

	buf_add(&b, "", 0);
	for (p = tpl; *p != '\0'; p++) {
		if ((p[0] == '{' && p[1] == '{') || (p[0] == '}' && p[1] == '}')) {
			buf_add(&b, p++, 1);
			continue;
		}
		if (*p != '{') {
			buf_add(&b, p, 1);
			continue;
		}
		if ((end = strchr(p, '}')) == NULL)
			goto bad;
		n = end - p - 1;
		if (n == 9 && strncmp(p + 1, "watchlist", n) == 0)
			v = f->watchlist;
		else if (n == 5 && strncmp(p + 1, "title", n) == 0)
			v = f->title;
		else if (n == 6 && strncmp(p + 1, "source", n) == 0)
			v = f->source;
		else if (n == 5 && strncmp(p + 1, "count", n) == 0)
			v = f->count;
		else
			goto bad;
		buf_str(&b, v);
		p = end;
	}
	return b.s;
bad:
	*why = "unknown field or unbalanced brace (fields: {watchlist}, {title}, "
	    "{source}, {count})";
	free(b.s);
	return NULL;
}

/* The Subject header for an alert. */
static char *
subject_header(const struct email *em, const struct nw_alert *a)
{
	struct fields	 f;
	struct buf	 b = { NULL, 0, 0 };
	const char	*why;
	char		*s, *c;

	fields_of(a, &f);
	s = render(em->subject, &f, &why);	/* checked at init */
	fields_free(&f);
	c = pbuf_clean(s != NULL ? s : "[newswatch]", EM_SUBJECT_MAX, PBUF_LINE);
	free(s);
	buf_str(&b, "Subject: ");
	if (ascii(c) && strstr(c, "=?") == NULL)	/* no lookalike encoded words */
		buf_str(&b, c);
	else
		add_encoded(&b, c);
	free(c);
	return b.s;
}

/* An RFC 5322 date of Unix milliseconds, in UTC. */
static void
mail_date(int64_t ms, char *out, size_t len)
{
	static const char	*days[] = { "Sun", "Mon", "Tue", "Wed", "Thu",
	    "Fri", "Sat" };
	static const char	*months[] = { "Jan", "Feb", "Mar", "Apr", "May",
	    "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };
	time_t			 t = (time_t)(ms / 1000);
	struct tm		 tm;

	gmtime_r(&t, &tm);
	snprintf(out, len, "%s, %d %s %d %02d:%02d:%02d +0000", days[tm.tm_wday],
	    tm.tm_mday, months[tm.tm_mon], tm.tm_year + 1900, tm.tm_hour,
	    tm.tm_min, tm.tm_sec);
}

/* A readable UTC time of Unix seconds. */
static void
human_time(int64_t s, char *out, size_t len)
{
	time_t		t = (time_t)s;
	struct tm	tm;

	gmtime_r(&t, &tm);
	strftime(out, len, "%Y-%m-%d %H:%M UTC", &tm);
}

/* The plain-text lines of one article alert; indent for digest items. */
static void
text_article(struct buf *b, const struct nw_alert *a, const char *indent)
{
	char	when[64];
	size_t	i;

	if (a->url != NULL) {
		buf_fmt(b, "%s", indent);
		add_clean(b, a->url, EM_FIELD_MAX * 4);
		buf_str(b, "\n");
	}
	if (a->source != NULL) {
		buf_fmt(b, "%sSource: ", indent);
		add_clean(b, a->source, EM_FIELD_MAX);
		if (a->published != 0) {
			human_time(a->published, when, sizeof when);
			buf_fmt(b, ", published %s", when);
		}
		buf_str(b, "\n");
	}
	if (a->nterms > 0) {
		buf_fmt(b, "%sMatched: ", indent);
		for (i = 0; i < a->nterms && i < EM_LIST_MAX; i++) {
			buf_str(b, i > 0 ? ", " : "");
			add_clean(b, a->terms[i], EM_FIELD_MAX);
		}
		buf_str(b, "\n");
	}
	if (a->snippet != NULL) {
		buf_fmt(b, "\n%s", indent);
		add_clean(b, a->snippet, EM_TEXT_MAX);
		buf_str(b, "\n");
	}
	if (a->summary != NULL && *indent == '\0') {
		buf_str(b, "\nSummary: ");
		add_clean(b, a->summary, EM_TEXT_MAX);
		buf_str(b, "\n");
	}
	if (a->nalso > 0)
		buf_fmt(b, "\n%sAlso carried by:\n", indent);
	for (i = 0; i < a->nalso && i < EM_LIST_MAX; i++) {
		buf_fmt(b, "%s- ", indent);
		add_clean(b, a->also[i].name, EM_FIELD_MAX);
		if (a->also[i].url != NULL) {
			buf_str(b, ": ");
			add_clean(b, a->also[i].url, EM_FIELD_MAX * 4);
		}
		buf_str(b, "\n");
	}
}

/* The HTML of one article alert (digest items without the summary). */
static void
html_article(struct buf *b, const struct nw_alert *a, int item)
{
	char	when[64];
	size_t	i;

	buf_str(b, item ? "<h3>" : "<h2>");
	add_link(b, a->title != NULL ? a->title : "(untitled)", a->url);
	buf_str(b, item ? "</h3>\n" : "</h2>\n");
	if (a->source != NULL) {
		buf_str(b, "<p class=\"source\">Source: ");
		add_html(b, a->source, EM_FIELD_MAX);
		if (a->published != 0) {
			human_time(a->published, when, sizeof when);
			buf_fmt(b, ", published %s", when);
		}
		buf_str(b, "</p>\n");
	}
	if (a->nterms > 0) {
		buf_str(b, "<p class=\"terms\">Matched: ");
		for (i = 0; i < a->nterms && i < EM_LIST_MAX; i++) {
			buf_str(b, i > 0 ? ", <b>" : "<b>");
			add_html(b, a->terms[i], EM_FIELD_MAX);
			buf_str(b, "</b>");
		}
		buf_str(b, "</p>\n");
	}
	if (a->snippet != NULL) {
		buf_str(b, "<blockquote class=\"snippet\">");
		add_html(b, a->snippet, EM_TEXT_MAX);
		buf_str(b, "</blockquote>\n");
	}
	if (a->summary != NULL && !item) {
		buf_str(b, "<p class=\"summary\">");
		add_html(b, a->summary, EM_TEXT_MAX);
		buf_str(b, "</p>\n");
	}
	if (a->nalso > 0)
		buf_str(b, "<p>Also carried by:</p>\n<ul class=\"also\">\n");
	for (i = 0; i < a->nalso && i < EM_LIST_MAX; i++) {
		buf_str(b, "<li>");
		add_link(b, a->also[i].name != NULL ? a->also[i].name : "?",
		    a->also[i].url);
		buf_str(b, "</li>\n");
	}
	if (a->nalso > 0)
		buf_str(b, "</ul>\n");
}

/* The plain-text heading line of an alert. */
static void
text_heading(struct buf *b, const struct nw_alert *a, const struct fields *f)
{
	switch (a->kind) {
	case NW_ALERT_DIGEST:
		buf_str(b, "Digest: ");
		add_clean(b, f->title, EM_FIELD_MAX);
		buf_str(b, " (");
		add_clean(b, f->watchlist, EM_FIELD_MAX);
		buf_str(b, ")\n");
		break;
	case NW_ALERT_HEALTH:
		buf_str(b, "Source health: ");
		add_clean(b, f->title, EM_FIELD_MAX);
		buf_str(b, "\n");
		break;
	default:
		add_clean(b, f->title, EM_FIELD_MAX);
		buf_str(b, "\nWatchlist: ");
		add_clean(b, f->watchlist, EM_FIELD_MAX);
		buf_str(b, "\n");
	}
}

/* The plain-text part. */
static char *
text_body(const struct nw_alert *a, const struct fields *f)
{
	struct buf	b = { NULL, 0, 0 };
	size_t		i;

	text_heading(&b, a, f);
	buf_str(&b, "\n");
	if (a->kind == NW_ALERT_ARTICLE)
		text_article(&b, a, "");
	else if (a->kind == NW_ALERT_HEALTH) {
		buf_str(&b, "State: ");
		add_clean(&b, a->health_state, EM_FIELD_MAX);
		if (a->url != NULL) {
			buf_str(&b, "\nURL: ");
			add_clean(&b, a->url, EM_FIELD_MAX * 4);
		}
		if (a->health_error != NULL) {
			buf_str(&b, "\nError: ");
			add_clean(&b, a->health_error, EM_TEXT_MAX);
		}
		buf_str(&b, "\n");
	}
	for (i = 0; a->kind == NW_ALERT_DIGEST && i < a->nalerts &&
	    i < EM_DIGEST_MAX; i++) {
		buf_fmt(&b, "%s%zu. ", i > 0 ? "\n" : "", i + 1);
		add_clean(&b, a->alerts[i].title != NULL ? a->alerts[i].title :
		    "(untitled)", EM_FIELD_MAX);
		buf_str(&b, "\n");
		text_article(&b, &a->alerts[i], "   ");
	}
	if (a->kind == NW_ALERT_DIGEST && a->nalerts > EM_DIGEST_MAX)
		buf_fmt(&b, "\n… and %zu more alerts\n", a->nalerts - EM_DIGEST_MAX);
	buf_fmt(&b, "\n-- \nnewswatch, delivery %s\n", a->delivery_id);
	return b.s;
}

/* The HTML part. */
static char *
html_body(const struct nw_alert *a, const struct fields *f)
{
	struct buf	b = { NULL, 0, 0 };
	size_t		i;

	buf_str(&b, "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>");
	add_html(&b, f->title, EM_FIELD_MAX);
	buf_str(&b, "</title></head>\n<body>\n");
	if (a->kind == NW_ALERT_ARTICLE) {
		buf_str(&b, "<p class=\"watchlist\">Watchlist: ");
		add_html(&b, f->watchlist, EM_FIELD_MAX);
		buf_str(&b, "</p>\n");
		html_article(&b, a, 0);
	} else if (a->kind == NW_ALERT_HEALTH) {
		buf_str(&b, "<h2>Source health: ");
		add_link(&b, f->title, a->url);
		buf_str(&b, "</h2>\n<p class=\"state\">State: ");
		add_html(&b, a->health_state, EM_FIELD_MAX);
		buf_str(&b, "</p>\n");
		if (a->health_error != NULL) {
			buf_str(&b, "<pre class=\"error\">");
			add_html(&b, a->health_error, EM_TEXT_MAX);
			buf_str(&b, "</pre>\n");
		}
	} else {
		buf_str(&b, "<h2>Digest: ");
		add_html(&b, f->title, EM_FIELD_MAX);
		buf_str(&b, "</h2>\n<p class=\"watchlist\">Watchlist: ");
		add_html(&b, f->watchlist, EM_FIELD_MAX);
		buf_str(&b, "</p>\n<ol class=\"digest\">\n");
		for (i = 0; i < a->nalerts && i < EM_DIGEST_MAX; i++) {
			buf_str(&b, "<li>\n");
			html_article(&b, &a->alerts[i], 1);
			buf_str(&b, "</li>\n");
		}
		buf_str(&b, "</ol>\n");
		if (a->nalerts > EM_DIGEST_MAX)
			buf_fmt(&b, "<p>… and %zu more alerts</p>\n",
			    a->nalerts - EM_DIGEST_MAX);
	}
	buf_fmt(&b, "<hr><p class=\"footer\">newswatch, delivery %s</p>\n"
	    "</body></html>\n", a->delivery_id);
	return b.s;
}

/* Append a header to a list. */
static void
header_add(struct curl_slist **l, char *line)
{
	struct curl_slist	*n;

	if ((n = curl_slist_append(*l, line)) == NULL)
		abort();
	*l = n;
	free(line);
}

/* An address-list header (To, Cc). */
static char *
addr_header(const char *name, const struct em_addr *list, size_t n)
{
	struct buf	b = { NULL, 0, 0 };
	size_t		i;

	buf_fmt(&b, "%s: ", name);
	for (i = 0; i < n; i++) {
		buf_str(&b, i > 0 ? ",\r\n " : "");
		add_addr(&b, &list[i]);
	}
	return b.s;
}

/* The message headers. */
static struct curl_slist *
message_headers(const struct email *em, const struct nw_alert *a)
{
	struct curl_slist	*l = NULL;
	struct buf		 from = { NULL, 0, 0 };
	char			 date[64], *s;

	buf_str(&from, "From: ");
	add_addr(&from, &em->from);
	header_add(&l, from.s);
	header_add(&l, addr_header("To", em->to, em->nto));
	if (em->ncc > 0)
		header_add(&l, addr_header("Cc", em->cc, em->ncc));
	header_add(&l, subject_header(em, a));
	mail_date(em->host->now(em->host), date, sizeof date);
	if (asprintf(&s, "Date: %s", date) == -1)
		abort();
	header_add(&l, s);
	if (asprintf(&s, "Message-ID: <%s@newswatch>", a->delivery_id) == -1)
		abort();
	header_add(&l, s);
	if (asprintf(&s, "X-Newswatch-Delivery-Id: %s", a->delivery_id) == -1)
		abort();
	header_add(&l, s);
	header_add(&l, pbuf_dup("Auto-Submitted: auto-generated"));
	header_add(&l, pbuf_dup("Content-Type: multipart/alternative"));
	return l;
}

/* Add one text part to the message. */
static void
mime_part(curl_mime *mime, const char *data, const char *type)
{
	curl_mimepart	*p;

	if ((p = curl_mime_addpart(mime)) == NULL ||
	    curl_mime_data(p, data, CURL_ZERO_TERMINATED) != CURLE_OK ||
	    curl_mime_type(p, type) != CURLE_OK ||
	    curl_mime_encoder(p, "quoted-printable") != CURLE_OK)
		abort();
}

/* The envelope recipients: every To and Cc address. */
static struct curl_slist *
envelope(const struct email *em)
{
	struct curl_slist	*l = NULL;
	size_t			 i;
	char			*s;

	for (i = 0; i < em->nto + em->ncc; i++) {
		const struct em_addr *a = i < em->nto ? &em->to[i] :
		    &em->cc[i - em->nto];
		if (asprintf(&s, "<%s>", a->addr) == -1)
			abort();
		header_add(&l, s);
	}
	return l;
}

/* Copy a server line, printable, without trailing blanks. */
static void
copy_line(char *out, const char *data, size_t size)
{
	size_t	i, n;

	n = size < EM_REPLY_MAX ? size : EM_REPLY_MAX;
	for (i = 0; i < n; i++) {
		unsigned char c = data[i];
		out[i] = (c < 0x20 || c >= 0x7f) ? ' ' : c;
	}
	while (i > 0 && out[i - 1] == ' ')
		i--;
	out[i] = '\0';
}

/*
 * Keep the server's replies for the result text: the last refusal (4xx, 5xx)
 * and the last other line but the goodbye.
 */
static int
debug_cb(CURL *easy, curl_infotype type, char *data, size_t size, void *arg)
{
	struct em_send	*s = arg;

	if (type != CURLINFO_HEADER_IN || size == 0)
		return 0;
	if (data[0] == '4' || data[0] == '5')
		copy_line(s->reply, data, size);
	else if (size < 3 || strncmp(data, "221", 3) != 0)
		copy_line(s->last, data, size);
	return 0;
}

/* Set the transfer's connection options. */
static void
easy_connection(struct em_send *s)
{
	const struct email	*em = s->em;
	CURL			*e = s->easy;

	curl_easy_setopt(e, CURLOPT_URL, em->url);
	curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "smtp,smtps");
	curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, (long)em->timeout);
	curl_easy_setopt(e, CURLOPT_ERRORBUFFER, s->errbuf);
	curl_easy_setopt(e, CURLOPT_USE_SSL, (long)(em->starttls ? CURLUSESSL_ALL :
	    CURLUSESSL_NONE));
	if (strncasecmp(em->url, "smtps://", 8) == 0)
		curl_easy_setopt(e, CURLOPT_USE_SSL, (long)CURLUSESSL_ALL);
	if (em->ca_file != NULL)
		curl_easy_setopt(e, CURLOPT_CAINFO, em->ca_file);
	if (em->username != NULL) {
		curl_easy_setopt(e, CURLOPT_USERNAME, em->username);
		curl_easy_setopt(e, CURLOPT_PASSWORD, em->password);
	}
	curl_easy_setopt(e, CURLOPT_VERBOSE, 1L);
	curl_easy_setopt(e, CURLOPT_DEBUGFUNCTION, debug_cb);
	curl_easy_setopt(e, CURLOPT_DEBUGDATA, s);
}

/* Build the transfer for an alert. */
static void
easy_message(struct em_send *s, const struct nw_alert *a)
{
	const struct email	*em = s->em;
	struct fields		 f;
	char			*from;

	fields_of(a, &f);
	s->text = text_body(a, &f);
	s->html = html_body(a, &f);
	fields_free(&f);
	s->mime = curl_mime_init(s->easy);
	mime_part(s->mime, s->text, "text/plain; charset=utf-8");
	mime_part(s->mime, s->html, "text/html; charset=utf-8");
	s->headers = message_headers(em, a);
	s->rcpt = envelope(em);
	if (asprintf(&from, "<%s>", em->from.addr) == -1)
		abort();
	curl_easy_setopt(s->easy, CURLOPT_MAIL_FROM, from);	/* copied */
	free(from);
	curl_easy_setopt(s->easy, CURLOPT_MAIL_RCPT, s->rcpt);
	curl_easy_setopt(s->easy, CURLOPT_MAIL_RCPT_ALLLOWFAILS, 1L);
	curl_easy_setopt(s->easy, CURLOPT_HTTPHEADER, s->headers);
	curl_easy_setopt(s->easy, CURLOPT_MIMEPOST, s->mime);
	curl_easy_setopt(s->easy, CURLOPT_UPLOAD, 1L);
}

/* Release a send (its handle already off the multi handle). */
static void
send_free(struct em_send *s)
{
	if (s->easy != NULL)
		curl_easy_cleanup(s->easy);
	curl_mime_free(s->mime);
	curl_slist_free_all(s->headers);
	curl_slist_free_all(s->rcpt);
	free(s->text);
	free(s->html);
	free(s);
}

/* Map libcurl's result and the server's last reply code onto a send status. */
static int
classify(CURLcode rc, long code)
{
	switch (rc) {
	case CURLE_OK:
		return NW_SEND_OK;
	case CURLE_LOGIN_DENIED:
	case CURLE_USE_SSL_FAILED:
	case CURLE_UNSUPPORTED_PROTOCOL:
	case CURLE_URL_MALFORMAT:
		return NW_SEND_PERMANENT;
	default:
		break;
	}
	if (code >= 500 && code <= 599)
		return NW_SEND_PERMANENT;
	return NW_SEND_RETRY;
}

/* The mail transfer ended: report it. */
static void
transfer_done_cb(CURL *easy, CURLcode rc, void *arg)
{
	struct em_send		*s = arg;
	struct nw_send_result	 res;
	long			 code = 0;
	char			 text[EM_REPLY_MAX + CURL_ERROR_SIZE + 128];
	const char		*err;

	curl_easy_getinfo(easy, CURLINFO_RESPONSE_CODE, &code);
	res.status = classify(rc, code);
	res.code = (int)code;
	res.retry_after = -1;
	err = s->errbuf[0] != '\0' ? s->errbuf : curl_easy_strerror(rc);
	if (rc == CURLE_USE_SSL_FAILED)
		snprintf(text, sizeof text, "STARTTLS required but the server does "
		    "not offer it; nothing sent in clear (%s%s%s)", err,
		    s->reply[0] != '\0' ? " " : "", s->reply);
	else if (rc == CURLE_OK)
		snprintf(text, sizeof text, "%s", s->last);
	else if (rc == CURLE_OPERATION_TIMEDOUT)
		snprintf(text, sizeof text, "timeout: %s", err);
	else if (s->reply[0] != '\0')
		snprintf(text, sizeof text, "%s (%s)", s->reply, err);
	else
		snprintf(text, sizeof text, "%s", err);
	res.text = text;
	TAILQ_REMOVE(&s->em->sends, s, entry);
	s->done(&res, s->arg);
	send_free(s);
}

/* Complete a send that could not start. */
static void
fail(nw_send_done_cb done, void *arg, int status, const char *why)
{
	struct nw_send_result	res = { status, 0, why, -1 };

	done(&res, arg);
}

/* Whether a delivery id can go into a Message-ID: 1 to 128 letters and digits. */
static int
valid_id(const char *id)
{
	size_t	n;

	if (id == NULL)
		return 0;
	for (n = 0; id[n] != '\0'; n++) {
		if (!isalnum((unsigned char)id[n]) || n >= 128)
			return 0;
	}
	return n > 0;
}

/* Deliver an alert. */
static void
email_send(void *instance, const struct nw_alert *a, nw_send_done_cb done,
    void *arg)
{
	struct email	*em = instance;
	struct em_send	*s;

	if (!valid_id(a->delivery_id)) {
		fail(done, arg, NW_SEND_PERMANENT, "invalid delivery id");
		return;
	}
	if ((s = calloc(1, sizeof *s)) == NULL || (s->easy = curl_easy_init()) == NULL)
		abort();
	s->em = em;
	s->done = done;
	s->arg = arg;
	easy_connection(s);
	easy_message(s, a);
	TAILQ_INSERT_TAIL(&em->sends, s, entry);
	if (em->host->transfer_add(em->host, s->easy, transfer_done_cb, s) != 0) {
		TAILQ_REMOVE(&em->sends, s, entry);
		send_free(s);
		fail(done, arg, NW_SEND_RETRY, "cannot start the SMTP transfer");
	}
}

/* Free an address list. */
static void
addrs_free(struct em_addr *list, size_t n)
{
	size_t	i;

	for (i = 0; i < n; i++) {
		free(list[i].name);
		free(list[i].addr);
	}
	free(list);
}

/* Free an instance, with the transfers it still owns. */
static void
email_fini(void *instance)
{
	struct email	*em = instance;
	struct em_send	*s;

	if (em == NULL)
		return;
	while ((s = TAILQ_FIRST(&em->sends)) != NULL) {
		TAILQ_REMOVE(&em->sends, s, entry);
		send_free(s);
	}
	free(em->url);
	free(em->ca_file);
	free(em->username);
	if (em->password != NULL) {
		explicit_bzero(em->password, strlen(em->password));
		free(em->password);
	}
	free(em->from.name);
	free(em->from.addr);
	addrs_free(em->to, em->nto);
	addrs_free(em->cc, em->ncc);
	free(em->subject);
	free(em);
}

/* Read url, starttls, ca_file and timeout. */
static int
config_server(struct email *em, const struct nw_host *h, struct nw_config *cfg)
{
	const char	*url = NULL, *ca = NULL;
	int		 rc;

	if ((rc = h->config_string(cfg, "url", &url)) == 0)
		h->config_error(cfg, NULL, "url is required");
	if (h->config_bool(cfg, "starttls", &em->starttls) < 0 ||
	    h->config_string(cfg, "ca_file", &ca) < 0 ||
	    h->config_duration(cfg, "timeout", &em->timeout) < 0 || rc <= 0)
		return -1;
	if ((strncasecmp(url, "smtp://", 7) != 0 &&
	    strncasecmp(url, "smtps://", 8) != 0) || strlen(url) > 2048 ||
	    strpbrk(url, " \t\r\n") != NULL) {
		h->config_error(cfg, "url", "expected an smtp:// or smtps:// URL");
		return -1;
	}
	if (em->timeout <= 0 || em->timeout > EM_TIMEOUT_MAX) {
		h->config_error(cfg, "timeout", "must be between 1ms and 5m");
		return -1;
	}
	em->url = pbuf_dup(url);
	if (ca != NULL)
		em->ca_file = pbuf_dup(ca);
	if (!em->starttls && strncasecmp(url, "smtp://", 7) == 0)
		h->log(h, NW_LOG_WARN, "starttls = false: mail goes in clear");
	return 0;
}

/* Read username and its password. */
static int
config_auth(struct email *em, const struct nw_host *h, struct nw_config *cfg)
{
	const char	*user = NULL;
	int		 rc;

	if (h->config_string(cfg, "username", &user) < 0 ||
	    (rc = h->config_secret(cfg, "password_file", "password_env",
	    &em->password)) < 0)
		return -1;
	if (user == NULL && rc == 1) {
		h->config_error(cfg, "username", "a password needs a username");
		return -1;
	}
	if (user != NULL && rc == 0) {
		h->config_error(cfg, "username", "needs password_file or password_env");
		return -1;
	}
	if (user != NULL)
		em->username = pbuf_dup(user);
	return 0;
}

/* Read one list of addresses (key to or cc). */
static int
config_addrs(const struct nw_host *h, struct nw_config *cfg, const char *key,
    struct em_addr **list, size_t *n)
{
	const char *const	*v;
	const char		*why;
	size_t			 count = 0, i;
	int			 rc;

	if ((rc = h->config_strings(cfg, key, &v, &count)) <= 0)
		return rc;
	if (count > EM_RCPT_MAX) {
		h->config_error(cfg, key, "at most %d addresses", EM_RCPT_MAX);
		return -1;
	}
	if ((*list = calloc(count + 1, sizeof **list)) == NULL)
		abort();
	for (i = 0; i < count; i++) {
		if (parse_addr(v[i], &(*list)[i], &why) != 0 ||
		    ((*list)[i].name != NULL && !valid_text((*list)[i].name))) {
			h->config_error(cfg, key, "\"%.80s\" %s", v[i],
			    (*list)[i].addr != NULL ? "has a bad display name" : why);
			*n = i + ((*list)[i].addr != NULL);
			return -1;
		}
		*n = i + 1;
	}
	return 1;
}

/* Read from, to and cc. */
static int
config_people(struct email *em, const struct nw_host *h, struct nw_config *cfg)
{
	const char	*from = NULL, *why;
	int		 rc, bad = 0;

	if ((rc = h->config_string(cfg, "from", &from)) == 0)
		h->config_error(cfg, NULL, "from is required");
	if (rc == 1 && (parse_addr(from, &em->from, &why) != 0 ||
	    (em->from.name != NULL && !valid_text(em->from.name)))) {
		h->config_error(cfg, "from", "\"%.80s\" %s", from,
		    em->from.addr != NULL ? "has a bad display name" : why);
		rc = -1;
	}
	bad |= rc <= 0;
	if ((rc = config_addrs(h, cfg, "to", &em->to, &em->nto)) == 0)
		h->config_error(cfg, NULL, "to is required");
	bad |= rc <= 0;
	bad |= config_addrs(h, cfg, "cc", &em->cc, &em->ncc) < 0;
	if (em->nto + em->ncc > EM_RCPT_MAX) {
		h->config_error(cfg, "cc", "at most %d recipients in all", EM_RCPT_MAX);
		bad = 1;
	}
	return bad ? -1 : 0;
}

/* Read the subject template and check its fields. */
static int
config_subject(struct email *em, const struct nw_host *h, struct nw_config *cfg)
{
	const char	*tpl = EM_DEFAULT_SUBJECT, *why = NULL;
	struct fields	 f = { "w", "t", "s", "1", NULL, NULL };
	char		*s;

	if (h->config_string(cfg, "subject", &tpl) < 0)
		return -1;
	if (strlen(tpl) > EM_SUBJECT_MAX || !valid_text(tpl)) {
		h->config_error(cfg, "subject", "must be one line of at most %d bytes",
		    EM_SUBJECT_MAX);
		return -1;
	}
	if ((s = render(tpl, &f, &why)) == NULL) {
		h->config_error(cfg, "subject", "%s", why);
		return -1;
	}
	free(s);
	em->subject = pbuf_dup(tpl);
	return 0;
}

/* Set up an email notifier from its group. */
static int
email_init(const struct nw_host *h, struct nw_config *cfg, void **instance,
    char **cause)
{
	struct email	*em;
	int		 bad = 0;

	if ((em = calloc(1, sizeof *em)) == NULL)
		return -1;
	em->host = h;
	em->starttls = 1;
	em->timeout = EM_TIMEOUT_DEFAULT;
	TAILQ_INIT(&em->sends);
	bad |= config_server(em, h, cfg);
	bad |= config_auth(em, h, cfg);
	bad |= config_people(em, h, cfg);
	bad |= config_subject(em, h, cfg);
	if (bad) {
		email_fini(em);
		return -1;
	}
	*instance = em;
	return 0;
}

static const struct nw_plugin email_plugin = {
	.abi = NEWSWATCH_PLUGIN_ABI,
	.name = "email",
	.description = "send alerts as MIME mail over SMTP",
	.init = email_init,
	.send = email_send,
	.fini = email_fini,
};

/* The descriptor. */
const struct nw_plugin *
newswatch_plugin(void)
{
	return &email_plugin;
}
