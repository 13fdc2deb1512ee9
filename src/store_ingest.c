/*
 * store_ingest: the steady-state lookups of ingest (see store_ingest.h), one
 * prepared statement each.
 */
#include "config.h"

#include <string.h>

#include "log.h"
#include "store.h"
#include "store_ingest.h"

/* Statement slots 192-223 (store.h). */
enum {
	S_KNOWN = 192,
	S_CARRIES,
	S_BODY_SAME,
	S_BODY_SET,
	S_FP_SET,
};

/* The pipeline's migration (store_ingest.h). */
const char store_migration_ingest[] =
	"ALTER TABLE sources ADD COLUMN body_hash BLOB;";

/* Step a statement that returns at most one row: 1 row, 0 none, -1 error. */
static int
step_row(struct store *s, sqlite3_stmt *st)
{
	int rc = sqlite3_step(st);

	if (rc == SQLITE_ROW)
		return 1;
	sqlite3_reset(st);
	if (rc == SQLITE_DONE)
		return 0;
	log_warnx("store: %s", sqlite3_errmsg(store_db(s)));
	return -1;
}

/* Is the entry stored with the same raw fingerprint? (store_ingest.h) */
int
store_ingest_known(struct store *s, int64_t source_id, const char *entry_id,
    const void *fp, size_t fplen, unsigned char old[STORE_INGEST_OLD_FP])
{
	sqlite3_stmt	*st;
	const void	*have;
	size_t		 havelen;
	int		 rc;

	st = store_stmt(s, S_KNOWN, "SELECT raw_fp FROM articles"
	    " WHERE source_id = ?1 AND entry_id = ?2");
	sqlite3_bind_int64(st, 1, source_id);
	sqlite3_bind_text(st, 2, entry_id, -1, SQLITE_STATIC);
	if ((rc = step_row(s, st)) != 1)
		return rc;
	have = sqlite3_column_blob(st, 0);
	havelen = (size_t)sqlite3_column_bytes(st, 0);
	rc = have != NULL && havelen == fplen && memcmp(have, fp, fplen) == 0;
	if (have != NULL && havelen == STORE_INGEST_OLD_FP && fplen != havelen) {
		memcpy(old, have, havelen);
		rc = 2;
	}
	sqlite3_reset(st);
	return rc;
}

/* Replace an entry's raw fingerprint. (store_ingest.h) */
int
store_ingest_fp_set(struct store *s, int64_t source_id, const char *entry_id,
    const void *fp, size_t fplen)
{
	sqlite3_stmt *st;

	st = store_stmt(s, S_FP_SET, "UPDATE articles SET raw_fp = ?3"
	    " WHERE source_id = ?1 AND entry_id = ?2");
	sqlite3_bind_int64(st, 1, source_id);
	sqlite3_bind_text(st, 2, entry_id, -1, SQLITE_STATIC);
	sqlite3_bind_blob(st, 3, fp, (int)fplen, SQLITE_STATIC);
	return step_row(s, st) == 0 ? 0 : -1;
}

/* Does the source carry the story already? (store_ingest.h) */
int
store_ingest_carries(struct store *s, int64_t source_id, int64_t story_id,
    int64_t except_article)
{
	sqlite3_stmt	*st;
	int		 rc;

	st = store_stmt(s, S_CARRIES, "SELECT 1 FROM articles WHERE story_id = ?1"
	    " AND source_id = ?2 AND id != ?3 LIMIT 1");
	sqlite3_bind_int64(st, 1, story_id);
	sqlite3_bind_int64(st, 2, source_id);
	sqlite3_bind_int64(st, 3, except_article);
	if ((rc = step_row(s, st)) == 1)
		sqlite3_reset(st);
	return rc;
}

/* Is this the body stored last time? (store_ingest.h) */
int
store_ingest_body_same(struct store *s, int64_t source_id,
    const unsigned char *hash, size_t len)
{
	sqlite3_stmt	*st;
	int		 rc;

	st = store_stmt(s, S_BODY_SAME, "SELECT 1 FROM sources"
	    " WHERE id = ?1 AND body_hash = ?2");
	sqlite3_bind_int64(st, 1, source_id);
	sqlite3_bind_blob(st, 2, hash, (int)len, SQLITE_STATIC);
	if ((rc = step_row(s, st)) == 1)
		sqlite3_reset(st);
	return rc;
}

/* Remember the body just stored. (store_ingest.h) */
int
store_ingest_body_set(struct store *s, int64_t source_id,
    const unsigned char *hash, size_t len)
{
	sqlite3_stmt *st;

	st = store_stmt(s, S_BODY_SET, "UPDATE sources SET body_hash = ?2"
	    " WHERE id = ?1");
	sqlite3_bind_int64(st, 1, source_id);
	if (hash != NULL)
		sqlite3_bind_blob(st, 2, hash, (int)len, SQLITE_STATIC);
	return step_row(s, st) == 0 ? 0 : -1;
}
