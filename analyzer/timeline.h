/*
 * timeline.h -- selecting a case's events for people (filters, a fast
 * time-ordered scan) and writing them or any SQL result as text, CSV,
 * JSON lines or JSON.  Shared by `sigtrail timeline`, `query`, `export`
 * and `report`; docs/timeline.md is the user-facing reference.
 *
 * Contract:
 *  - A tl_case is a read-only view of one case file (SQLITE_OPEN_READONLY
 *    and PRAGMA query_only).  The one exception is the time index, a
 *    derived structure that docs/store.md says the first reader by time
 *    builds: tl_case_open builds it when asked and the file is writable;
 *    otherwise scans still work, SQLite sorting instead.
 *  - tl_scan delivers events in (time_us, id) order, untimed events last,
 *    each exactly once, as st_event views valid only during the callback.
 *    Filters are ANDed; the ones that map to columns are evaluated by
 *    SQLite (every value bound), the predicate in C with the same module
 *    the rules use.  Strings are resolved from an in-memory copy of the
 *    strings table (one allocation), and a row costs no allocation.
 *  - With three or more CPUs (or SIGTRAIL_THREADS=2 and up) SQLite runs
 *    in reader threads (two, on chunks of consecutive times, for large
 *    scans) while the callback runs in the caller's thread, in order
 *    (SIGTRAIL_THREADS=1 keeps one thread); the callback must therefore not
 *    use the case's connection (tl_case_db) during the scan.  Output is
 *    the same either way.
 *  - Times on the command line: ISO 8601 with an optional zone (Z, +HH:MM,
 *    +HHMM), UTC when none; a bare date means its midnight.
 *  - Functions return -1 (or NULL) with a one-line message in err; nothing
 *    prints to stderr or exits.
 */
#ifndef ST_TIMELINE_H
#define ST_TIMELINE_H

#include <sqlite3.h>
#include <stdint.h>

#include "event.h"
#include "logshow_out.h"
#include "predicate.h"
#include "store.h"

typedef enum tl_format { TL_TEXT = 0, TL_CSV, TL_JSONL, TL_JSON } tl_format;

/* Parses "text", "csv", "jsonl", "json"; -1 if unknown. */
int tl_format_parse(const char *s);

/* ---- the case ----------------------------------------------------------- */

typedef struct tl_case tl_case;

/* Opens a case read-only; build_index: create the time index first when it
 * is missing and the file is writable (*built, may be NULL, says so). */
tl_case *tl_case_open(const char *path, int build_index, int *built,
                      char *err, size_t errlen);
void tl_case_close(tl_case *c);
sqlite3 *tl_case_db(tl_case *c);
/* Path ("path" or "path:member") and format of a source; "" if unknown. */
st_str tl_source_path(const tl_case *c, int64_t source_id);
st_str tl_source_format(const tl_case *c, int64_t source_id);

/* ---- filters and the scan ----------------------------------------------- */

typedef struct tl_filter {
    int has_from, has_to;
    int64_t from_us, to_us;      /* inclusive, UTC microseconds */
    const st_pred *pred;         /* NULL: every event */
    const char *process;         /* process name (exact), or a pid */
    const char *subsystem;       /* exact */
    const char *source;          /* source id, or a substring of its path */
    const char *types;           /* comma list of type or event_type names,
                                    case-insensitive */
    int64_t finding;             /* > 0: that finding's evidence with the
                                    events within window_us around it */
    int64_t window_us;
} tl_filter;

/* One event as handed to the callback. */
typedef struct tl_event {
    st_event ev;
    st_str source;               /* path of its source */
    st_str source_format;
    const char *role;            /* finding evidence role, else NULL */
    st_str rendered;             /* tl_scan_rendered: what render() wrote
                                    for this event (else absent) */
} tl_event;

/* Returns non-zero to stop the scan. */
typedef int (*tl_event_fn)(void *ctx, const tl_event *e);

/* Writes an event's bytes to o (scratch: a buffer of the calling thread
 * to compose in).  Runs in a reader thread when there is one, so it must
 * only read ctx. */
typedef void (*tl_render_fn)(void *ctx, const tl_event *e, st_out *o,
                             st_out *scratch);

/* Scans the case; returns the number of events delivered, or -1. */
int64_t tl_scan(tl_case *c, const tl_filter *f, tl_event_fn fn, void *ctx,
                char *err, size_t errlen);

/* The same, with each event rendered by render() where it is read when
 * there are reader threads (in parallel) and handed to fn in order with
 * its bytes in e->rendered; the texts that live in SQLite's row (message,
 * time_text, locator, UUIDs, JSON details) are then absent from the event
 * fn sees, the other fields are as with tl_scan.  Without reader threads
 * render() is not called: fn gets the whole event, e->rendered absent,
 * and formats it itself (saving a copy). */
int64_t tl_scan_rendered(tl_case *c, const tl_filter *f, tl_render_fn render,
                         void *rctx, tl_event_fn fn, void *ctx, char *err,
                         size_t errlen);

/* Evaluates a predicate against an event, `source` included. */
int tl_pred_match(const st_pred *p, const tl_event *e);

/* ---- times on the command line ------------------------------------------ */

/* ISO 8601 date-time (zone optional, UTC otherwise) or date; 0 or -1. */
int tl_parse_time(const char *s, int64_t *utc_us);
/* "30s", "500ms", "5m", "2h", "1d", "1.5s" or plain seconds; 0 or -1. */
int tl_parse_duration(const char *s, int64_t *us);

/* ---- writing events ----------------------------------------------------- */

/* What the time of an event means, for Timesketch's timestamp_desc:
 * "Log entry" for log records, "Quarantine event", "Detached signature
 * created", "Crash report", ... (table in docs/timeline.md). */
const char *tl_timestamp_desc(st_str type, st_str event_type);

/* The one-line message of an event: "process[pid]: (sender)
 * [subsystem:category] text", parts present only when known. */
void tl_display_message(st_out *o, const st_event *ev);

typedef struct tl_writer {
    tl_format fmt;
    st_out *o;
    int marks;                   /* add the evidence column / marker */
    int64_t n;                   /* events written */
    st_out tmp;                  /* scratch (set up by tl_write_begin) */
} tl_writer;

/* Header (text, csv) or "[" (json). */
void tl_write_begin(tl_writer *w);
/* Writes one event; when it carries e->rendered (from tl_render_event
 * through tl_scan_rendered), those bytes. */
void tl_write_event(tl_writer *w, const tl_event *e);
/* A tl_render_fn for tl_scan_rendered: ctx is the tl_writer (only read). */
void tl_render_event(void *ctx, const tl_event *e, st_out *o,
                     st_out *scratch);
/* "]" for json. */
void tl_write_end(tl_writer *w);

/* ---- writing any SQL result --------------------------------------------- */

/* Steps q to the end writing its rows in fmt (text: aligned columns, the
 * widths taken from the first 1000 rows; csv with a header; jsonl/json:
 * objects keyed by column name).  Returns rows written, or -1 with err. */
int64_t tl_write_query(st_out *o, sqlite3_stmt *q, tl_format fmt, char *err,
                       size_t errlen);

/* RFC 4180 field: quoted when it holds a comma, quote, CR or LF (quotes
 * doubled), or leading/trailing spaces. */
void tl_csv_field(st_out *o, const char *s, size_t n);

#endif
