/* alerts-fixture: hand-made articles, stories and sightings (alerts-fixture.h). */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "alerts-fixture.h"
#include "daemon.h"
#include "log.h"
#include "store.h"
#include "store_dedup.h"
#include "watch.h"

/* See alerts-fixture.h. */
int64_t
fx_source(struct store *s, const char *name)
{
	struct source_state st;
	int64_t id;

	if (store_source_load(s, name, &st) == -1)
		fatalx("fixture: no source %s", name);
	id = st.id;
	source_state_clear(&st);
	return id;
}

/* See alerts-fixture.h. */
int64_t
fx_article(struct store *s, int64_t source, const char *entry, const char *title,
    const char *link, int64_t story, int64_t *article)
{
	sqlite3_stmt *st;
	int64_t now = time(NULL);

	if (sqlite3_prepare_v2(store_db(s), "INSERT INTO articles (source_id,"
	    " entry_id, title, link, summary, fetched_at) VALUES (?1, ?2, ?3, ?4,"
	    " 'a summary', ?5)", -1, &st, NULL) != SQLITE_OK)
		fatalx("fixture: %s", sqlite3_errmsg(store_db(s)));
	sqlite3_bind_int64(st, 1, source);
	sqlite3_bind_text(st, 2, entry, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, title, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, link, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 5, now);
	if (sqlite3_step(st) != SQLITE_DONE)
		fatalx("fixture: %s", sqlite3_errmsg(store_db(s)));
	sqlite3_finalize(st);
	*article = sqlite3_last_insert_rowid(store_db(s));
	if (story == 0 && (story = store_story_insert(s, *article, title, link,
	    now)) == -1)
		fatalx("fixture: story insert");
	if (sqlite3_prepare_v2(store_db(s), "UPDATE articles SET story_id = ?1"
	    " WHERE id = ?2", -1, &st, NULL) != SQLITE_OK)
		fatalx("fixture: %s", sqlite3_errmsg(store_db(s)));
	sqlite3_bind_int64(st, 1, story);
	sqlite3_bind_int64(st, 2, *article);
	if (sqlite3_step(st) != SQLITE_DONE)
		fatalx("fixture: %s", sqlite3_errmsg(store_db(s)));
	sqlite3_finalize(st);
	if (store_sighting_add(s, story, source, *article, link, now) == -1)
		fatalx("fixture: sighting");
	return story;
}

/* See alerts-fixture.h. */
int64_t
fx_ingest(struct daemon *d, const char *source, const char *entry,
    const char *title, const char *text, int64_t story, int alert)
{
	struct watch_article a = { 0 };
	char link[256], *cause;
	int new_story = story == 0;

	snprintf(link, sizeof link, "https://%s.example/%s", source, entry);
	if (store_begin(d->store) == -1)
		fatalx("fixture: begin");
	a.source_id = fx_source(d->store, source);
	a.story_id = fx_article(d->store, a.source_id, entry, title, link, story,
	    &a.article_id);
	a.source = source;
	a.title = title;
	a.text = text;
	a.url = link;
	a.kind = new_story ? WATCH_NEW_STORY : WATCH_SIGHTING;
	a.alert = alert;
	if (watch_article(d, &a, &cause) == -1)
		fatalx("fixture: watch_article: %s", cause);
	if (store_commit(d->store) == -1)
		fatalx("fixture: commit");
	return a.story_id;
}
