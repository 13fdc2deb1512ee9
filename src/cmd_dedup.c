/*
 * cmd_dedup: `newswatch dedup [--explain] FILE…` groups articles into stories
 * through the daemon's own identity step (store_dedup_ingest), on an in-memory
 * database unless --db names one. Each file is a source of its own, with a
 * negative id so that it never passes for a configured source.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <openssl/evp.h>

#include "cli.h"
#include "cli_input.h"
#include "cmd_dedup.h"
#include "conf.h"
#include "dedup.h"
#include "feed.h"
#include "feed_int.h"	/* feed_text_from_html */
#include "html.h"
#include "log.h"
#include "store.h"
#include "store_dedup.h"
#include "xmalloc.h"

#define INPUT_MAX	(16 * 1024 * 1024)	/* bytes per file */
#define LIST_MAX	100000			/* paths per @LIST */
#define TITLE_MAX	300			/* a first line longer is text */

/* One article read from a file. */
struct item {
	char	*entry_id;	/* NULL for a plain-text file */
	char	*title;
	char	*link;
	char	*canonical;
	char	*text;
	unsigned char fp[32];	/* the item's bytes, hashed */
};

struct items {
	struct item	*v;
	size_t		 n;
};

/* Options of one run. */
struct run {
	struct store	*store;
	int		 explain;
	int		 near;
	int		 errors;
	int64_t		 source;
};

/* Read a whole file, capped; NULL after a warning naming it on failure. */
static char *
read_file(const char *path, size_t *len)
{
	struct cli_input	 in;
	char			*cause;

	if (cli_input_file(path, INPUT_MAX, &in, &cause) == -1) {
		log_warnx("%s: %s", path, !in.opened ? cause : in.too_big ?
		    "too large" : "read error");
		free(cause);
		cli_input_free(&in);
		return NULL;
	}
	*len = in.len;
	return in.buf;
}

/* A plain-text file: the first line is the title when a blank line follows. */
static void
load_text(struct items *it, char *buf, size_t len)
{
	struct item	*i;
	char		*nl = strstr(buf, "\n\n"), *crlf = strstr(buf, "\r\n\r\n");

	it->v = xcalloc(1, sizeof *it->v);
	it->n = 1;
	i = &it->v[0];
	EVP_Digest(buf, len, i->fp, NULL, EVP_sha256(), NULL);
	if (crlf != NULL && (nl == NULL || crlf < nl))
		nl = crlf;
	if (nl != NULL && nl - buf <= TITLE_MAX &&
	    memchr(buf, '\n', nl - buf) == NULL) {
		i->title = xstrndup(buf, nl - buf);
		i->text = xstrdup(nl + (*nl == '\r' ? 4 : 2));
	} else
		i->text = xstrdup(buf);
}

/* The text of an entry: its content, else its summary, as plain text. */
static char *
entry_text(const struct feed_entry *e)
{
	const char	*t = e->content;
	int		 html = e->content_html;

	if (t == NULL || *t == '\0') {
		t = e->summary;
		html = e->summary_html;
	}
	if (t == NULL)
		return xstrdup("");
	return html ? feed_text_from_html(t) : xstrdup(t);
}

/* A feed: one article per entry; 0, or -1 when it is not a feed. */
static int
load_feed(struct items *it, const char *buf, size_t len)
{
	struct feed	*f;

	if ((f = feed_parse(buf, len, NULL, NULL, NULL)) == NULL)
		return -1;
	if (f->nentries == 0) {
		feed_free(f);
		return -1;
	}
	it->v = xcalloc(f->nentries, sizeof *it->v);
	it->n = f->nentries;
	for (size_t k = 0; k < f->nentries; k++) {
		const struct feed_entry	*e = &f->entries[k];
		struct item		*i = &it->v[k];

		i->entry_id = xstrdup(e->id);
		i->title = e->title != NULL ? xstrdup(e->title) : NULL;
		i->link = e->link != NULL ? xstrdup(e->link) : NULL;
		i->text = entry_text(e);
		memcpy(i->fp, e->fingerprint, sizeof e->fingerprint);
	}
	feed_free(f);
	return 0;
}

/* An HTML page: its article, one item; -1 when nothing could be extracted. */
static int
load_html(struct items *it, const char *buf, size_t len)
{
	struct html_article	*h;
	struct item		*i;

	if ((h = html_extract(buf, len, NULL, NULL)) == NULL)
		return -1;
	it->v = xcalloc(1, sizeof *it->v);
	it->n = 1;
	i = &it->v[0];
	EVP_Digest(buf, len, i->fp, NULL, EVP_sha256(), NULL);
	i->title = h->title != NULL ? xstrdup(h->title) : NULL;
	i->canonical = h->canonical != NULL ? xstrdup(h->canonical) : NULL;
	i->text = xstrdup(h->text);
	html_article_free(h);
	return 0;
}

/* 1 when the bytes look like an HTML page rather than a feed. */
static int
looks_html(const char *buf, size_t len)
{
	size_t n = len < 1024 ? len : 1024;

	for (size_t i = 0; i + 5 <= n; i++)
		if (buf[i] == '<' && (strncasecmp(buf + i, "<html", 5) == 0 ||
		    (i + 9 <= n && strncasecmp(buf + i, "<!doctype", 9) == 0)))
			return 1;
	return 0;
}

/* 1 when the bytes start like markup or JSON (after spaces and a BOM). */
static int
looks_structured(const char *buf, size_t len)
{
	size_t i = 0;

	if (len >= 3 && memcmp(buf, "\xef\xbb\xbf", 3) == 0)
		i = 3;
	else if (len >= 2 && ((unsigned char)buf[0] == 0xfe ||
	    (unsigned char)buf[0] == 0xff))
		return 1;	/* UTF-16 BOM */
	while (i < len && (buf[i] == ' ' || buf[i] == '\t' || buf[i] == '\r' ||
	    buf[i] == '\n'))
		i++;
	return i < len && (buf[i] == '<' || buf[i] == '{');
}

/* Read a file into its articles; -1 when unreadable. */
static int
load(struct items *it, const char *path)
{
	size_t	 len;
	char	*buf;

	memset(it, 0, sizeof *it);
	if ((buf = read_file(path, &len)) == NULL)
		return -1;
	if (!looks_structured(buf, len))
		load_text(it, buf, len);
	else if (looks_html(buf, len)) {
		if (load_html(it, buf, len) == -1)
			load_text(it, buf, len);
	} else if (load_feed(it, buf, len) == -1)
		load_text(it, buf, len);
	free(buf);
	return 0;
}

/* Free what load read. */
static void
items_free(struct items *it)
{
	for (size_t i = 0; i < it->n; i++) {
		free(it->v[i].entry_id);
		free(it->v[i].title);
		free(it->v[i].link);
		free(it->v[i].canonical);
		free(it->v[i].text);
	}
	free(it->v);
}

/* Print one article's line: story key, tab, origin[, tab, rule]. */
static void
print_result(struct run *r, const char *path, const struct item *i,
    const struct dedup_result *res)
{
	printf("%lld\t%s%s%s", (long long)res->story_id, path,
	    i->entry_id != NULL ? "#" : "", i->entry_id != NULL ? i->entry_id : "");
	if (r->explain) {
		printf("\t%s", dedup_rule_name(res->rule));
		if (res->updated)
			printf(" updated");
		else if (res->rule == DEDUP_NEAR)
			printf(" d=%d", res->distance);
		else if (res->rule == DEDUP_CONTAINED)
			printf(" %.2f", res->containment);
	}
	printf("\n");
}

/* Fill the article handed to the identity step from an item. */
static void
item_article(struct dedup_article *a, const struct item *i, int64_t source)
{
	memset(a, 0, sizeof *a);
	a->source_id = source;
	a->entry_id = i->entry_id;
	a->raw_fp = i->fp;
	a->raw_fp_len = sizeof i->fp;
	a->title = i->title;
	a->link = i->link;
	a->canonical = i->canonical;
	a->content = i->text;
	a->seen_at = time(NULL);
}

/*
 * Group the articles of one file, as one response: one transaction. The lines
 * are printed once it is committed, so a printed line is a stored article.
 */
static void
dedup_file(struct run *r, const char *path)
{
	struct items		 it;
	struct dedup_article	 a;
	struct dedup_result	*res;
	char			*cause = NULL;

	r->source--;	/* pseudo sources: negative, never a configured one */
	if (load(&it, path) == -1) {
		r->errors++;
		return;
	}
	res = xcalloc(it.n + 1, sizeof *res);
	if (store_begin(r->store) == -1)
		fatalx("%s: cannot begin a transaction", path);
	for (size_t k = 0; k < it.n; k++) {
		item_article(&a, &it.v[k], r->source);
		if (store_dedup_ingest(r->store, &a, r->near, &res[k], &cause) == -1)
			fatalx("%s", cause);
	}
	if (store_commit(r->store) == -1)
		fatalx("%s: cannot commit", path);
	for (size_t k = 0; k < it.n; k++)
		print_result(r, path, &it.v[k], &res[k]);
	fflush(stdout);
	free(res);
	items_free(&it);
}

/* Each line of an @LIST file names a path. */
static void
dedup_list(struct run *r, const char *list)
{
	FILE	*f;
	char	*line = NULL;
	size_t	 size = 0, n = 0;
	ssize_t	 len;

	if ((f = fopen(list, "r")) == NULL) {
		log_warn("%s", list);
		r->errors++;
		return;
	}
	while ((len = getline(&line, &size, f)) != -1 && n++ < LIST_MAX) {
		while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
			line[--len] = '\0';
		if (len > 0 && line[0] != '#')
			dedup_file(r, line);
	}
	free(line);
	fclose(f);
}

/* daemon.near_distance, from the configuration when -c was given. */
static int
near_distance(struct cli *cli)
{
	struct conf	*c;
	char		*errors;
	int		 d;

	if (!cli->conf_given)
		return DEDUP_NEAR_DISTANCE;
	if ((c = conf_load(cli->conf_path, &errors)) == NULL) {
		fputs(errors, stderr);
		free(errors);
		return -1;
	}
	d = c->daemon.near_distance;
	conf_free(c);
	return d;
}

/* newswatch dedup [--explain] FILE|@LIST …: 0 printed, 2 usage or input error. */
int
cmd_dedup(struct cli *cli, int argc, char **argv)
{
	struct run	 r = { 0 };
	char		*cause = NULL;
	int		 i = 1;

	if (i < argc && strcmp(argv[i], "--explain") == 0) {
		r.explain = 1;
		i++;
	}
	if (i < argc && strcmp(argv[i], "--") == 0)
		i++;
	if (i == argc)
		return cli_usage(argv[0]);
	if ((r.near = near_distance(cli)) == -1)
		return CLI_ERROR;
	r.store = store_open(cli->db_path != NULL ? cli->db_path : ":memory:",
	    &cause);
	if (r.store == NULL || store_dedup_register(r.store) == -1) {
		fprintf(stderr, "newswatch: %s\n", cause != NULL ? cause : "store");
		free(cause);
		store_close(r.store);
		return CLI_ERROR;
	}
	for (; i < argc; i++) {
		if (argv[i][0] == '@')
			dedup_list(&r, argv[i] + 1);
		else
			dedup_file(&r, argv[i]);
	}
	fflush(stdout);
	store_close(r.store);
	return r.errors > 0 ? CLI_ERROR : CLI_OK;
}
