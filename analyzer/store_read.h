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

/* st_lookup_fn for the engine: ctx is the st_store. */
int st_store_lookup_records(void *ctx, const char *kind, const char *column,
                            int op, st_str value, st_lookup_hit *hits,
                            int max);

/* Path of a source, for evidence lines ("" when unknown). */
const char *st_store_source_path(st_store *st, int64_t source_id);

#endif
