/*
 * sqlite_evidence.h -- reading an SQLite database that is evidence, and the
 * small helpers every security-database parser shares (time epochs, JSON
 * for st_record.data_json, emitting a record together with its timeline
 * event).
 *
 * Evidence-safety contract of st_secdb_open():
 *  - The original database is never opened by SQLite, never written and
 *    never locked.  Its bytes are copied from the input stream
 *    (st_input_read), so the copy is exactly what the input layer hashed.
 *  - When the input has a filesystem path, the companions PATH-wal, PATH-shm
 *    and PATH-journal are read (read-only), hashed with SHA-256 while they
 *    are copied and reported with sink->companion; a companion that exists
 *    but cannot be read is a warning.  Without a path (standard input,
 *    archive member) a warning says the companions could not be looked for.
 *  - Copies live in a private directory made with mkdtemp (mode 0700) under
 *    $TMPDIR or /tmp; st_secdb_close() removes it and everything in it, and
 *    every failure path of st_secdb_open() has already done so.
 *  - The copy is opened read-write (so SQLite replays the write-ahead log
 *    and rolls back a hot journal exactly as on the original machine), with
 *    defensive mode on, untrusted schema, and query_only set once open.
 *    `immutable=1` is not used: it silently ignores rows in the WAL.
 *  - The main file is read before its companions; a database that is being
 *    written at that moment may give a copy that mixes two states (SQLite
 *    then reports corruption, which is a warning, not a crash).
 *  - Damage does not hide what survives: when the stream fails part way
 *    (corrupt gzip, I/O error) or the file is shorter than its header says,
 *    the part present is opened (the copy padded with empty pages), the
 *    cause is kept in db->damage for error messages, and st_secdb_run()
 *    reports ST_READ_INPUT_ERROR after the rows that could be read.
 *
 * Format modules describe themselves with an st_secdb_format and use
 * st_secdb_run() as their st_parser read: open, confirm the tables,
 * read, clean up.  They bid with st_secdb_bid_tables() on the head bytes.
 */
#ifndef ST_SQLITE_EVIDENCE_H
#define ST_SQLITE_EVIDENCE_H

#include <sqlite3.h>
#include <stdint.h>

#include "parser.h"

/* Largest blob a parser loads to decode (bigger ones are described). */
#define ST_SECDB_MAX_BLOB (32 * 1024 * 1024)
/* Blobs up to this size are kept as hex in data_json. */
#define ST_SECDB_HEX_BLOB 4096

typedef struct st_secdb {
    sqlite3 *db;             /* the private copy, open */
    char *dir;               /* private directory holding the copies */
    const char *label;       /* input name for messages */
    char **tables;           /* user tables from sqlite_master, sorted */
    size_t ntables;
    int64_t size;            /* bytes of the main file copied */
    int input_failed;        /* the stream failed part way; copy is partial */
    char damage[200];        /* why rows may be missing ("truncated"), or "" */
} st_secdb;

typedef struct st_secdb_format {
    const char *parser;      /* st_parser name ("detached-signatures") */
    const char *what;        /* "a DetachedSignatures database" */
    /* 1 when the copy's tables are this format's. */
    int (*matches)(st_secdb *db);
    /* Emits every record; returns ST_READ_*. */
    int (*read)(st_secdb *db, st_sink *sink, char *err, size_t errlen);
} st_secdb_format;

/* The database formats, each defined in its db_*.c module, and their
 * NULL-ended list (in db_unknown.c, which uses it for its advice). */
extern const st_secdb_format st_secdb_detached_signatures;
extern const st_secdb_format st_secdb_execpolicy;
extern const st_secdb_format st_secdb_systempolicy;
extern const st_secdb_format st_secdb_quarantine_events;
extern const st_secdb_format *const st_secdb_formats[];

/* Copies, hashes and opens the database of `in` (see the contract above).
 * Returns ST_READ_OK, or ST_READ_REJECTED / ST_READ_INPUT_ERROR with a
 * message in err; on failure nothing is left on disk. */
int st_secdb_open(st_secdb *db, st_input *in, st_sink *sink, char *err,
                  size_t errlen);
/* Closes the copy and removes the private directory. */
void st_secdb_close(st_secdb *db);

/* Open, check fmt->matches (else reject, listing the tables), fmt->read,
 * close.  The st_parser read of every SQLite format. */
int st_secdb_run(st_input *in, st_sink *sink, const st_secdb_format *fmt,
                 char *err, size_t errlen);

int st_secdb_has_table(const st_secdb *db, const char *name);
/* 1 when table has a column of that name (case-insensitive). */
int st_secdb_has_column(st_secdb *db, const char *table, const char *col);
/* "a, b, c" into buf (cut with "..." when long); returns buf. */
const char *st_secdb_table_list(const st_secdb *db, char *buf, size_t n);

/* 1 when head starts with the SQLite magic "SQLite format 3\0". */
int st_secdb_is_sqlite(const uint8_t *head, size_t n);
/* Bid helper: `bid` when head is SQLite and contains every string of the
 * NULL-terminated list `all` and, if `any` is not NULL, at least one of
 * `any` (table names as stored in sqlite_master's SQL); else 0. */
int st_secdb_bid_tables(const uint8_t *head, size_t n,
                        const char *const *all, const char *const *any,
                        int bid);

/* Calls fn for every row of `SELECT rowid, * FROM table` (or `SELECT *`
 * for WITHOUT ROWID tables, rowid then being the 1-based row number and
 * has_rowid 0).  Column 0 is the rowid when has_rowid.  Returns ST_READ_OK,
 * ST_READ_STOPPED when fn returned non-zero, or ST_READ_INPUT_ERROR with a
 * message when SQLite failed part way (corrupt or truncated copy). */
typedef int (*st_secdb_row_fn)(void *ctx, sqlite3_stmt *q, int64_t rowid,
                               int has_rowid);
int st_secdb_each_row(st_secdb *db, const char *table, st_secdb_row_fn fn,
                      void *ctx, char *err, size_t errlen);
/* Index of the result column named `name` (case-insensitive), or -1. */
int st_secdb_col(sqlite3_stmt *q, const char *name);
/* Text of column i as a view (NULL view for SQL NULL); valid until the
 * next step. Blobs and numbers are returned as SQLite converts them. */
st_str st_secdb_text(sqlite3_stmt *q, int i);

/* ---- times (UTC microseconds) ---------------------------------------- */
/* Each returns 1 and sets *us, or 0 when the value is out of range
 * (years 1..9999) or not a number. */
int st_time_mac_absolute(double secs, int64_t *us);   /* since 2001-01-01 */
int st_time_julian_day(double jd, int64_t *us);       /* Julian day */
int st_time_unix(double secs, int64_t *us);            /* since 1970 */
/* "YYYY-MM-DD HH:MM:SS[.fff]" written in UTC (SQLite CURRENT_TIMESTAMP,
 * datetime('now')). */
int st_time_sqlite_text(const char *p, size_t n, int64_t *us);
/* "2013-07-08T16:24:27.020743Z"; buf needs 32 bytes. */
void st_time_iso(int64_t us, char *buf, size_t n);

/* ---- JSON objects for data_json ---------------------------------------- */
/* A growing buffer with nesting; out-of-memory is sticky and reported by
 * st_json_view() returning a NULL view.  Keys and strings may hold any
 * bytes: control characters are escaped and invalid UTF-8 becomes U+FFFD,
 * so the result is always valid JSON. */
#define ST_JSON_DEPTH 16
typedef struct st_json {
    char *p;
    size_t n, cap;
    int depth, oom;
    unsigned char need_comma[ST_JSON_DEPTH];
} st_json;

void st_json_init(st_json *j);     /* starts with an open top-level object */
void st_json_free(st_json *j);
void st_json_reset(st_json *j);    /* empty, top-level object open again */
/* Closes the open containers and returns the text (NULL view on OOM). */
st_str st_json_view(st_json *j);

void st_json_obj(st_json *j, const char *key);   /* key NULL in arrays */
void st_json_arr(st_json *j, const char *key);
void st_json_end(st_json *j);                    /* closes obj or arr */
void st_json_str(st_json *j, const char *key, const char *p, size_t n);
void st_json_cstr(st_json *j, const char *key, const char *s); /* NULL->null */
void st_json_int(st_json *j, const char *key, int64_t v);
void st_json_real(st_json *j, const char *key, double v);
void st_json_bool(st_json *j, const char *key, int v);
void st_json_null(st_json *j, const char *key);
void st_json_hex(st_json *j, const char *key, const uint8_t *p, size_t n);
void st_json_fmt(st_json *j, const char *key, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Column i of a row under `key`: integer/real as numbers, text as a
 * string, NULL as null, a blob as hex up to ST_SECDB_HEX_BLOB bytes, else
 * {"blob_bytes": N}. */
void st_json_column(st_json *j, const char *key, sqlite3_stmt *q, int i);

/* ---- emitting ---------------------------------------------------------- */
/* One fact for both the records table and the timeline.  The event gets
 * type/event_type/process/message, the record's time and locator, and the
 * record's data as extra_json. */
typedef struct st_secdb_item {
    st_record rec;           /* kind, locator, time, keys, data_json */
    const char *type;        /* "Quarantine", "DetachedSignature", ... */
    const char *event_type;  /* camelCase */
    st_str process;
    st_str message;
    st_str time_text;        /* the time as stored, for provenance */
    int has_user;
    int64_t user_id;
} st_secdb_item;

/* Sends the record then the event; returns non-zero when the sink asks to
 * stop. */
int st_secdb_emit(st_sink *sink, const st_secdb_item *it);

/* View helpers. */
static inline st_str st_cstr(const char *s)
{
    st_str v = {s, 0};
    if (s)
        while (s[v.n])
            v.n++;
    return v;
}

#endif
