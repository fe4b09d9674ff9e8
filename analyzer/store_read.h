/*
 * store_read.h -- reading a case back: events in time order as st_event
 * (for the engine, timelines, replay, export) and record lookups.
 *
 * Contract: works on a read-only or writable store; strings are resolved
 * through an in-memory copy of the strings table loaded once per scan; the
 * st_event handed to the callback (views included) is valid only during
 * the call.  A filter limits the scan by time and source; the order is
 * (time_us, id), untimed events first, so the time index serves it.
 */
#ifndef ST_STORE_READ_H
#define ST_STORE_READ_H

#include "engine.h"
#include "store.h"

typedef struct st_scan_filter {
    int has_from, has_to;
    int64_t from_us, to_us;       /* inclusive */
    int64_t source_id;            /* 0 = all */
    const int64_t *event_ids;     /* NULL = all; else only these */
    int nevent_ids;
} st_scan_filter;

/* Returns non-zero to stop the scan. */
typedef int (*st_scan_fn)(void *ctx, const st_event *ev);

/* Scans events; returns the number delivered, or -1 (st_store_errmsg). */
int64_t st_store_scan(st_store *st, const st_scan_filter *f, st_scan_fn fn,
                      void *ctx);

/* The same scan with rows read and decoded on a second thread, on its own
 * read-only connection to the case file, while fn runs on the caller's
 * thread: fn may write through st (findings) as it would with
 * st_store_scan.  A store without a file (":memory:") or a thread that
 * cannot start falls back to st_store_scan. */
int64_t st_store_scan_threaded(st_store *st, const st_scan_filter *f,
                               st_scan_fn fn, void *ctx);

/* The threaded scan in two halves, for a caller that writes while it
 * scans: begin starts the reader and returns once its statement holds a
 * read snapshot, so writes made after it cannot lock the reader out; the
 * caller's COMMIT must wait until finish has returned.  While the reader
 * holds its snapshot SQLite cannot spill the writer's changes to the case
 * file and keeps them in memory, so bulk output belongs in TEMP tables
 * until finish (as analyze stages its findings).  begin returns NULL when
 * the store has no file or the thread cannot start (use st_store_scan
 * then); finish delivers the events to fn (NULL: none), frees the scan and
 * returns the number delivered or -1.  The filter must live until finish. */
typedef struct st_scan st_scan;
st_scan *st_store_scan_begin(st_store *st, const st_scan_filter *f);
int64_t st_store_scan_finish(st_scan *scan, st_scan_fn fn, void *ctx);

/* st_lookup_fn for the engine: ctx is the st_store. */
int st_store_lookup_records(void *ctx, const char *kind, const char *column,
                            int op, st_str value, st_lookup_hit *hits,
                            int max);

/* Path of a source, for evidence lines ("" when unknown). */
const char *st_store_source_path(st_store *st, int64_t source_id);

#endif
