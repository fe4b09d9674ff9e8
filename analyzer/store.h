/*
 * store.h -- the evidence store: one SQLite file per case.
 *
 * Contract:
 *  - The schema is versioned with PRAGMA user_version (ST_SCHEMA_VERSION) and
 *    documented in docs/store.md; `event_view` joins interned strings back.
 *  - Writers: each input is ingested inside its own transaction
 *    (st_store_source_begin .. _commit/_rollback), so a rejected input
 *    leaves the case exactly as it was.  In a group (st_store_group_begin,
 *    the ingest command) each input is a savepoint of a transaction that
 *    commits every few seconds and at st_store_group_end: the disk is
 *    waited for once in that time instead of once per input.
 *  - Every SQL value is bound; statements are prepared once per store.
 *  - Text columns always hold valid UTF-8 without NUL: invalid bytes become
 *    U+FFFD and NUL becomes U+2400; the exact original bytes of a message are
 *    then kept in events.message_raw, so evidence is never lost.
 *  - Functions return 0 on success and -1 on error, with a message available
 *    from st_store_errmsg(); nothing exits.
 */
#ifndef ST_STORE_H
#define ST_STORE_H

#include <sqlite3.h>
#include <stdint.h>
#include "event.h"
#include "parser.h"

#define ST_SCHEMA_VERSION 3

/* Page cache of reading connections: a time-ordered scan of sources whose
 * times interleave keeps a few leaf pages of each source in use, more than
 * SQLite's default 2 MB holds, and each was then read again and again
 * (analyze of 1M binary records from 10 files: 5.9 s, 3.3 s with 8 MB).
 * Bounded, unlike mapping the file, whose pages would count as the
 * process's memory. */
#define ST_SQL_READER_CACHE "PRAGMA cache_size=-8192;"

/* event_details.backtrace holds '' (never valid JSON) for the one-frame
 * backtrace of a binary log record, {"frames":[{"imageOffset":<sender_pc>,
 * "imageUUID":"<sender_uuid>"}]}: ~100 bytes per record the store need not
 * write.  This expression, over event_details aliased d and the sender
 * UUID's strings row aliased su, gives the text back (event_view); the C
 * readers rebuild it with st_store_sender_frame (schema 2). */
#define ST_SQL_BACKTRACE                                                   \
    "iif(d.backtrace = '', '{\"frames\":[{\"imageOffset\":' || d.sender_pc" \
    " || ',\"imageUUID\":\"' || su.value || '\"}]}', d.backtrace)"

/* Writes into buf (cap bytes) the backtrace a stored '' stands for, from
 * the record's sender_pc and sender UUID, as ST_SQL_BACKTRACE does; returns
 * it, or ST_STR_NULL when it does not fit or the UUID is missing. */
st_str st_store_sender_frame(uint64_t sender_pc, st_str sender_uuid,
                             char *buf, size_t cap);
/* A buffer size every stored '' fits in (UUIDs far longer than 36). */
#define ST_SENDER_FRAME_CAP 4096

/* The UUID columns of event_details as the C readers select them: interned
 * ids since schema 3 (read through the strings table), text in an older
 * case opened read-only (which is never upgraded by reading).  Readers
 * tell the two apart by the value's type. */
#define ST_SQL_UUID_COLS(schema)                                           \
    ((schema) >= 3 ? "d.process_uuid_id, d.sender_uuid_id, d.boot_uuid_id" \
                   : "d.process_uuid, d.sender_uuid, d.boot_uuid")
/* PRAGMA user_version of db: the case's schema (0 when unreadable). */
int st_store_schema_of(sqlite3 *db);

typedef struct st_store st_store;

/* READONLY: readers.  CREATE: the ingesting commands (creates the case
 * when missing; a small page cache suits bulk loads).  WRITE: commands
 * that add to an existing case (analyze's findings, indexes). */
enum { ST_STORE_READONLY = 0, ST_STORE_CREATE = 1, ST_STORE_WRITE = 2 };

int st_store_open(st_store **out, const char *path, int mode, char *err,
                  size_t errlen);
void st_store_close(st_store *st);
sqlite3 *st_store_db(st_store *st);
const char *st_store_errmsg(st_store *st);
/* Sets what st_store_errmsg() says, for errors met by readers that work
 * beside the store on their own connection (a threaded scan). */
void st_store_set_error(st_store *st, const char *msg);

/* Records one run of a writing command (ingest, analyze); returns its id. */
int64_t st_store_run_begin(st_store *st, const char *command);
void st_store_run_end(st_store *st, int64_t run_id, const char *note);

/* What is known about an input when its ingest starts. */
typedef struct st_source_info {
    const char *path;         /* as given on the command line */
    const char *member;       /* path inside an archive/folder, or NULL */
    int64_t parent_id;        /* source id of the containing archive, or 0 */
    int64_t run_id;
} st_source_info;

/* Opens the input's transaction and inserts its sources row. */
int st_store_source_begin(st_store *st, const st_source_info *info,
                          int64_t *source_id);
/* Inserts one event; *id_out (may be NULL) receives its row id. */
int st_store_add_event(st_store *st, int64_t source_id, const st_event *ev,
                       int64_t *id_out);
/* Inserts n events in order: the bulk path of ingest, a few hundred
 * events per statement (store_rows.h).  Event ids are consecutive. */
int st_store_add_events(st_store *st, int64_t source_id,
                        const st_event *const *evs, size_t n);
int st_store_add_record(st_store *st, int64_t source_id, const st_record *rec);
int st_store_add_warning(st_store *st, int64_t source_id, int64_t line,
                         const char *msg);
int st_store_add_note(st_store *st, int64_t source_id, const char *key,
                      const char *value);

/* What is known when the input has been read. */
typedef struct st_source_result {
    const char *sha256;       /* hex of the raw bytes */
    int64_t size;             /* raw bytes */
    const char *format;       /* parser name */
    const char *parser_version;
    const char *status;       /* ingested, partial, error, skipped */
    const char *error;        /* one line, or NULL */
    int64_t records, warnings, unparsed;
} st_source_result;

/* Fills in the sources row and commits the input's transaction. */
int st_store_source_commit(st_store *st, int64_t source_id,
                           const st_source_result *res);
/* Discards everything the input added. */
void st_store_source_rollback(st_store *st);

/* Group commit: from now on inputs are savepoints, and the group's
 * transaction commits at the first input end `seconds` after it began.  A
 * crash loses the inputs released since the last commit (at most that much
 * work) and leaves the case consistent; ingesting again finishes it, as
 * inputs already in the case are skipped.  Each commit waits for the disk
 * to flush its cache: 15-130 ms here, with both cores idle; one per 10 MB
 * tracev3 file was up to 10% of the ingest, one a second 5% more than one
 * every 3 s (ST_GROUP_SECONDS, the ingest command's). */
#define ST_GROUP_SECONDS 3.0
void st_store_group_begin(st_store *st, double seconds);
/* Commits the group and leaves group mode.  Returns -1 when the commit,
 * or an earlier one of the group, failed: the message then counts the
 * inputs that were reported ingested but are not in the case. */
int st_store_group_end(st_store *st);
/* A transaction for a run of small writes outside any input (a walk's
 * skipped members): returns 1 when it opened one, 0 when the writes join
 * an open transaction (or the group's), -1 on error; st_store_tx_end
 * takes that value and commits only what st_store_tx_begin opened. */
int st_store_tx_begin(st_store *st);
int st_store_tx_end(st_store *st, int opened);

/* Returns the id of an ingested source with this SHA-256, or 0. */
int64_t st_store_source_by_sha(st_store *st, const char *sha256,
                               int64_t exclude_id);

/* Inserts a complete sources row for something that is not parsed itself
 * (a -wal companion, a skipped archive member): inside the open input
 * transaction if there is one, else on its own. */
int st_store_source_insert(st_store *st, const st_source_info *info,
                           const st_source_result *res);

/* Builds the indexes the readers need (idempotent; after bulk loads). */
int st_store_ensure_indexes(st_store *st);

#endif
