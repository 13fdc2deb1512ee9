/*
 * cmd_test_source: `newswatch test-source NAME|URL` fetches one source and runs
 * it through ingest exactly as the daemon would — parse, identity, watchlists,
 * outbox — but against a temporary copy of the database (SQLite's online
 * backup), which is thrown away: the real database, the source's fetch state
 * and the outbox are never touched. It then reports each entry of the response:
 * new, a duplicate of which stored story, an update, or unchanged; and which
 * watchlist would alert which notifier.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <curl/curl.h>
#include <event2/event.h>

#include "cli.h"
#include "cmd_status.h"
#include "conf.h"
#include "daemon.h"
#include "http.h"
#include "ingest.h"
#include "store.h"
#include "store_dedup.h"
#include "store_ops.h"
#include "watch_part.h"
#include "xmalloc.h"

/* The highest ids before the run: what is above them is this run's. */
struct marks {
	int64_t		 article, story, outbox, match;
};

struct run {
	struct daemon		*d;
	const struct conf_source *cs;
	struct source_state	 st;
	struct ingest_stats	 stats;
	int			 fetched;	/* 2xx or 304 */
	int			 ingested;	/* ingest committed */
	char			*error;
};

/* Copy the database at from into to with the online backup API; -1 after printing why. */
static int
copy_db(const char *from, const char *to)
{
	sqlite3 *src, *dst;
	sqlite3_backup *b;
	int rc = -1;

	if ((src = ops_db_open(from, SQLITE_OPEN_READONLY)) == NULL)
		return -1;
	if (sqlite3_open(to, &dst) == SQLITE_OK &&
	    (b = sqlite3_backup_init(dst, "main", src, "main")) != NULL) {
		if (sqlite3_backup_step(b, -1) == SQLITE_DONE)
			rc = 0;
		sqlite3_backup_finish(b);
	}
	if (rc == -1)
		fprintf(stderr, "newswatch: copying %s: %s\n", from,
		    sqlite3_errmsg(dst));
	sqlite3_close(dst);
	sqlite3_close(src);
	return rc;
}

/* Remember the highest ids. */
static void
marks_take(sqlite3 *db, struct marks *m)
{
	m->article = store_ops_max_id(db, "articles");
	m->story = store_ops_max_id(db, "stories");
	m->outbox = store_ops_max_id(db, "outbox");
	m->match = store_ops_max_id(db, "matches");
}

/* Add a source for a bare URL to the configuration, with the defaults. */
static const struct conf_source *
add_url_source(struct conf *c, const char *url)
{
	struct conf_source *s;

	c->sources = xreallocarray(c->sources, c->nsources + 1, sizeof *c->sources);
	s = &c->sources[c->nsources++];
	memset(s, 0, sizeof *s);
	s->name = xstrdup(url);
	s->url = xstrdup(url);
	s->enabled = 1;
	s->file = "(command line)";
	return s;
}

/* The source of the argument: a configured name, or an http(s) URL. */
static const struct conf_source *
find_source(struct conf *c, const char *arg)
{
	const struct conf_source *cs;

	if ((cs = conf_find_source(c, arg)) != NULL)
		return cs;
	if (strncasecmp(arg, "http://", 7) == 0 ||
	    strncasecmp(arg, "https://", 8) == 0)
		return add_url_source(c, arg);
	fprintf(stderr, "newswatch: no source \"%s\" in %s (give its name or a "
	    "URL)\n", arg, c->path);
	return NULL;
}

/*
 * Forget, in the copy, what lets the daemon skip a response unread (the
 * validators and the hash of the last body), so that every entry is looked at.
 */
static int
forget_validators(struct store *s, const char *name, char **cause)
{
	return store_ops_forget_validators(store_db(s), name, cause);
}

/* The completion of the fetch: ingest it into the copy, then leave the loop. */
static void
fetched_cb(const struct http_response *r, void *arg)
{
	struct run *run = arg;
	char *cause = NULL;

	printf("%s: ", run->cs->url);
	if (r->status > 0)
		printf("HTTP %d", r->status);
	else
		printf("%s", http_result_name(r->result));
	printf(", %zu bytes in %.0f ms%s%s\n", r->len, r->time_total * 1000,
	    r->error != NULL ? ": " : "", r->error != NULL ? r->error : "");
	run->fetched = r->result == HTTP_OK || r->result == HTTP_NOT_MODIFIED;
	if (r->result != HTTP_CANCELLED) {
		if (ingest_response(run->d, run->cs, &run->st, r, &run->stats,
		    &cause) == 0)
			run->ingested = 1;
		else
			run->error = cause;
	}
	event_base_loopbreak(run->d->base);
}

/* Fetch the source once, without validators, and ingest what comes back. */
static void
fetch(struct run *run, const char *password)
{
	const struct conf_source *cs = run->cs;
	struct http_request req;
	char **h = xreallocarray(NULL, cs->nheaders + 1, sizeof *h);

	for (size_t i = 0; i < cs->nheaders; i++)
		xasprintf(&h[i], "%s: %s", cs->headers[i].name, cs->headers[i].value);
	memset(&req, 0, sizeof req);
	req.url = cs->url;
	req.headers = (const char *const *)h;
	req.nheaders = cs->nheaders;
	req.timeout = cs->timeout;
	req.max_body = cs->max_body;
	req.username = cs->username;
	req.password = password;
	http_request(run->d->http, &req, fetched_cb, run);
	for (size_t i = 0; i < cs->nheaders; i++)
		free(h[i]);
	free(h);
	event_base_dispatch(run->d->base);
}

/* Print one article this run stored: a new story, or a duplicate. */
static void
report_article_cb(const struct store_ops_run_article *a, void *arg)
{
	const struct marks *m = arg;

	if (a->story > m->story || a->first)
		printf("  new        %s\n             %s\n",
		    a->title != NULL ? a->title : "(no title)",
		    a->link != NULL ? a->link : "");
	else
		printf("  duplicate  %s\n             of story %lld, first seen "
		    "at %s: %s\n", a->title != NULL ? a->title : "(no title)",
		    (long long)a->story,
		    a->first_source != NULL ? a->first_source : "?",
		    a->first_title != NULL ? a->first_title : "(no title)");
}

/* Print one outbox row of this run. */
static void
report_alert_cb(const char *watchlist, const char *notifier, const char *title,
    void *arg)
{
	(void)arg;
	printf("  would alert  [%s] -> %s: %s\n", watchlist, notifier,
	    title != NULL ? title : "(no title)");
}

/* Print one match of this run that alerts nobody. */
static void
report_silent_cb(const char *watchlist, const char *title, void *arg)
{
	(void)arg;
	printf("  matches      [%s] (no alert now): %s\n", watchlist,
	    title != NULL ? title : "(no title)");
}

/* Print the whole report of a run. */
static void
report(struct run *run, int first, const struct marks *m)
{
	sqlite3 *db = store_db(run->d->store);
	const struct ingest_stats *s = &run->stats;

	printf("%d entries: %d new, %d seen at other sources, %d copies, "
	    "%d updated, %d unchanged\n", s->entries, s->new_stories, s->sightings,
	    s->copies, s->updates, s->skipped);
	store_ops_run_articles(db, run->st.id, m->article, report_article_cb,
	    (void *)m);
	if (first && !run->cs->alert_on_first_fetch)
		printf("first fetch of this source: the daemon records what it "
		    "lists without alerting (alert_on_first_fetch = false)\n");
	if (store_ops_run_alerts(db, m->outbox, report_alert_cb, NULL) == 0)
		printf("  nothing would alert\n");
	store_ops_run_silent_matches(db, m->match, m->outbox, report_silent_cb,
	    NULL);
}

/* Start the daemon parts ingest needs beyond the store and http (the watchlists). */
static int
parts_start(struct daemon *d, char **cause)
{
	return watch_part.start(d, cause);
}

/* Free what parts_start started. */
static void
parts_free(struct daemon *d)
{
	if (d->watch != NULL)
		watch_part.free(d);
}

/* Set up the temporary copy and the loop; run; report. CLI status. */
static int
run_source(struct conf *c, const struct conf_source *cs, const char *copy)
{
	struct daemon d = { 0 };
	struct run run = { 0 };
	struct http_limits l;
	struct marks m;
	char *cause = NULL, *password = NULL;
	int first, rc = CLI_NOTHING;

	d.conf = c;
	run.d = &d;
	run.cs = cs;
	if ((d.store = store_open(copy, &cause)) == NULL ||
	    store_dedup_register(d.store) == -1 ||
	    store_sync_sources(d.store, c, &cause) == -1 ||
	    forget_validators(d.store, cs->name, &cause) == -1 ||
	    store_source_load(d.store, cs->name, &run.st) == -1) {
		fprintf(stderr, "newswatch: %s\n", cause != NULL ? cause :
		    "source not in the database copy");
		free(cause);
		store_close(d.store);
		return CLI_ERROR;
	}
	if (cs->password_file != NULL &&
	    (password = conf_read_secret(cs->password_file, NULL, &cause)) == NULL) {
		fprintf(stderr, "newswatch: source %s: %s\n", cs->name, cause);
		free(cause);
		source_state_clear(&run.st);
		store_close(d.store);
		return CLI_ERROR;
	}
	first = !run.st.first_fetch_done;
	marks_take(store_db(d.store), &m);
	d.base = event_base_new();
	http_limits_conf(&l, &c->daemon);
	d.http = http_new(d.base, &l);
	if (parts_start(&d, &cause) == -1) {
		fprintf(stderr, "newswatch: %s\n", cause);
		free(cause);
		rc = CLI_ERROR;
	} else {
		fetch(&run, password);
		if (run.ingested && run.fetched)
			report(&run, first, &m);
		else if (run.error != NULL)
			printf("not processed: %s\n", run.error);
		rc = run.fetched && run.ingested ? CLI_OK : CLI_NOTHING;
	}
	parts_free(&d);
	http_free(d.http);
	event_base_free(d.base);
	free(run.error);
	free(password);
	source_state_clear(&run.st);
	store_close(d.store);
	return rc;
}

/* Remove the temporary copy (and its -wal, -shm) and its directory. */
static void
remove_copy(const char *dir, const char *copy)
{
	const char *ext[] = { "", "-wal", "-shm", "-journal" };
	char *p;

	for (size_t i = 0; i < sizeof ext / sizeof ext[0]; i++) {
		xasprintf(&p, "%s%s", copy, ext[i]);
		unlink(p);
		free(p);
	}
	rmdir(dir);
}

/* newswatch test-source NAME|URL */
int
cmd_test_source(struct cli *cli, int argc, char **argv)
{
	struct conf *c;
	const struct conf_source *cs;
	char *errors, *db, dir[] = "/tmp/newswatch-test-source.XXXXXX", *copy;
	int rc = CLI_ERROR;

	if (argc != 2)
		return cli_usage("test-source");
	if ((c = conf_load(cli->conf_path, &errors)) == NULL) {
		fputs(errors, stderr);
		free(errors);
		return CLI_ERROR;
	}
	if ((cs = find_source(c, argv[1])) == NULL) {
		conf_free(c);
		return CLI_ERROR;
	}
	if (cli->db_path != NULL)
		db = xstrdup(cli->db_path);
	else
		xasprintf(&db, "%s/newswatch.db", c->daemon.state_dir);
	if (mkdtemp(dir) == NULL) {
		fprintf(stderr, "newswatch: mkdtemp: %s\n", strerror(errno));
		free(db);
		conf_free(c);
		return CLI_ERROR;
	}
	xasprintf(&copy, "%s/newswatch.db", dir);
	if (access(db, F_OK) != 0 || copy_db(db, copy) == 0) {
		curl_global_init(CURL_GLOBAL_DEFAULT);
		rc = run_source(c, cs, copy);
		curl_global_cleanup();
		printf("(a temporary copy of the database was used; nothing changed)\n");
	}
	remove_copy(dir, copy);
	free(copy);
	free(db);
	conf_free(c);
	return rc;
}
