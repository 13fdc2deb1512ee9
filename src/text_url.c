/*
 * text_url: canonical URLs. curl_url() parses, resolves relative references and
 * removes dot segments; the rest (host case, default port, fragment, tracking
 * parameters) is done here, because curl 7.88 keeps the host's case.
 */
#include "config.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <curl/curl.h>

#include "text_url.h"
#include "xmalloc.h"

#define URL_MAX		8192	/* longer URLs are not canonicalised */
#define QUERY_MAX	4096	/* parameters kept at most, in bytes */

/*
 * Tracking parameters: they say how a reader arrived, never which article it is.
 * A name ending in '*' is a prefix. Matching ignores case. Sources: the parameter
 * lists of the ClearURLs and uBlock Origin "removeparam" filters, and links seen on
 * the sites' own share buttons.
 */
static const char *tracking[] = {
	"utm_*",		/* Google Analytics campaigns (utm_source, …) */
	"fbclid",		/* Facebook */
	"fb_action_ids", "fb_action_types", "fb_source", "fb_ref",
	"gclid", "gclsrc", "dclid", "gbraid", "wbraid",	/* Google Ads */
	"_ga", "_gl",		/* Google Analytics cross-domain */
	"msclkid",		/* Microsoft Ads */
	"mc_cid", "mc_eid",	/* Mailchimp */
	"yclid", "ysclid",	/* Yandex */
	"igshid", "igsh",	/* Instagram */
	"twclid", "ref_src", "ref_url",	/* Twitter */
	"__twitter_impression",
	"_hsenc", "_hsmi", "__hssc", "__hstc", "__hsfp", "hsctatracking", /* HubSpot */
	"mkt_tok",		/* Marketo */
	"oly_anon_id", "oly_enc_id",	/* Omeda */
	"vero_id", "vero_conv",	/* Vero */
	"wickedid",
	"rb_clickid",
	"s_cid",		/* Adobe */
	"ocid",			/* MSN */
	"cmpid", "cmp",		/* Guardian, Sky, … (CMP=share_btn_tw) */
	"icid",			/* internal campaign id */
	"smid", "smtyp",	/* New York Times share links */
	"xtor",			/* AT Internet (Le Monde, Libération) */
	"at_medium", "at_campaign", "at_custom*",
	"ito",			/* BBC */
	"ns_mchannel", "ns_source", "ns_campaign", "ns_linkname", "ns_fee", /* Comscore */
	"guccounter", "guce_referrer", "guce_referrer_sig",	/* Yahoo consent */
	"sh_kit",
	"soc_src", "soc_trk",
	"trk", "trkcampaign",
	"mbid",
	"cid_source",
};

/* 1 when the query parameter name is a tracking parameter (case-insensitive). */
int
text_url_tracking(const char *name, size_t len)
{
	for (size_t i = 0; i < sizeof tracking / sizeof tracking[0]; i++) {
		const char	*t = tracking[i];
		size_t		 tl = strlen(t);

		if (t[tl - 1] == '*') {
			if (len >= tl - 1 && strncasecmp(name, t, tl - 1) == 0)
				return 1;
		} else if (len == tl && strncasecmp(name, t, tl) == 0)
			return 1;
	}
	return 0;
}

/* The query without tracking and empty parameters; NULL when nothing is left. */
static char *
clean_query(const char *q)
{
	size_t	 qlen = strlen(q), len = 0;
	char	*out;

	if (qlen > QUERY_MAX)
		qlen = QUERY_MAX;
	out = xmalloc(qlen + 1);
	for (const char *p = q, *end = q + qlen; p < end;) {
		const char	*amp = memchr(p, '&', end - p);
		const char	*stop = amp != NULL ? amp : end;
		const char	*eq = memchr(p, '=', stop - p);
		size_t		 nlen = (eq != NULL ? eq : stop) - p;

		if (stop > p && nlen > 0 && !text_url_tracking(p, nlen)) {
			if (len > 0)
				out[len++] = '&';
			memcpy(out + len, p, stop - p);
			len += stop - p;
		}
		p = stop + 1;
	}
	out[len] = '\0';
	if (len == 0) {
		free(out);
		return NULL;
	}
	return out;
}

/* Lower-case the host's ASCII letters and drop a trailing dot; 0 or -1. */
static int
fix_host(CURLU *h)
{
	char	*host;
	size_t	 len;
	int	 rc;

	if (curl_url_get(h, CURLUPART_HOST, &host, 0) != CURLUE_OK)
		return -1;
	for (char *p = host; *p != '\0'; p++)
		*p = tolower((unsigned char)*p);
	len = strlen(host);
	if (len > 1 && host[len - 1] == '.')
		host[len - 1] = '\0';
	rc = curl_url_set(h, CURLUPART_HOST, host, 0) == CURLUE_OK ? 0 : -1;
	curl_free(host);
	return rc;
}

/* Replace the query by its clean form; 0 or -1. */
static int
fix_query(CURLU *h)
{
	char	*q, *clean;
	int	 rc;

	if (curl_url_get(h, CURLUPART_QUERY, &q, 0) != CURLUE_OK)
		return 0;	/* no query */
	clean = clean_query(q);
	curl_free(q);
	rc = curl_url_set(h, CURLUPART_QUERY, clean, 0) == CURLUE_OK ? 0 : -1;
	free(clean);
	return rc;
}

/* 1 when the handle's scheme is http or https. */
static int
is_http(CURLU *h)
{
	char	*scheme;
	int	 yes;

	if (curl_url_get(h, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK)
		return 0;
	yes = strcmp(scheme, "http") == 0 || strcmp(scheme, "https") == 0;
	curl_free(scheme);
	return yes;
}

/* Parse url, relative to base when given, into h; 0 or -1. */
static int
parse(CURLU *h, const char *url, const char *base)
{
	if (strlen(url) > URL_MAX || (base != NULL && strlen(base) > URL_MAX))
		return -1;
	if (base != NULL && *base != '\0' &&
	    curl_url_set(h, CURLUPART_URL, base, 0) != CURLUE_OK)
		return -1;
	if (curl_url_set(h, CURLUPART_URL, url, 0) != CURLUE_OK)
		return -1;
	return 0;
}

/* The canonical form of url (see text_url.h). */
char *
text_url_canonical(const char *url, const char *base)
{
	CURLU	*h;
	char	*got = NULL, *out = NULL;

	if (url == NULL || (h = curl_url()) == NULL)
		return NULL;
	while (*url == ' ' || *url == '\t' || *url == '\n' || *url == '\r')
		url++;
	if (parse(h, url, base) == -1 || !is_http(h))
		goto done;
	curl_url_set(h, CURLUPART_FRAGMENT, NULL, 0);
	curl_url_set(h, CURLUPART_USER, NULL, 0);
	curl_url_set(h, CURLUPART_PASSWORD, NULL, 0);
	if (fix_host(h) == -1 || fix_query(h) == -1)
		goto done;
	if (curl_url_get(h, CURLUPART_URL, &got, CURLU_NO_DEFAULT_PORT) != CURLUE_OK)
		goto done;
	out = xstrdup(got);
	curl_free(got);
done:
	curl_url_cleanup(h);
	return out;
}
