/*
 * store_pages: the statements of the page side of ingest (see store_pages.h).
 */
#include "config.h"

#include "log.h"
#include "store.h"
#include "store_pages.h"

/* Statement slots 224-231 (store.h). */
enum {
	S_EXISTS = 224,
};

/* See store_pages.h. */
int
store_article_exists(struct store *s, int64_t source_id, const char *entry_id)
{
	sqlite3_stmt	*st;
	int		 rc;

	st = store_stmt(s, S_EXISTS, "SELECT 1 FROM articles"
	    " WHERE source_id = ?1 AND entry_id = ?2");
	sqlite3_bind_int64(st, 1, source_id);
	sqlite3_bind_text(st, 2, entry_id, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	sqlite3_reset(st);
	if (rc == SQLITE_ROW)
		return 1;
	if (rc == SQLITE_DONE)
		return 0;
	log_warnx("store: %s", sqlite3_errmsg(store_db(s)));
	return -1;
}
