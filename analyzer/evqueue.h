/*
 * evqueue.h -- hands what a parser produces (events, warnings, notes,
 * records, companions) to a writer thread that owns the store connection,
 * so parsing and SQLite work overlap on two cores.
 *
 * Contract: items are deep-copied into batches, so parser buffers may be
 * reused as soon as a push returns.  Items reach the writer in push order.
 * The store is touched only by the writer thread between st_evq_start and
 * st_evq_finish.  A store failure makes later pushes return non-zero (the
 * parser then stops) and is reported by st_evq_finish.  Memory is bounded:
 * a few batches of a few thousand items.
 */
#ifndef ST_EVQUEUE_H
#define ST_EVQUEUE_H

#include "parser.h"
#include "store.h"

typedef struct st_evq st_evq;

typedef struct st_evq_counts {
    int64_t records, warnings, unparsed;
} st_evq_counts;

/* Starts a writer thread storing into source_id of st. */
st_evq *st_evq_start(st_store *st, int64_t source_id, int64_t run_id);
int st_evq_event(st_evq *q, const st_event *ev);
int st_evq_record(st_evq *q, const st_record *rec);
void st_evq_warn(st_evq *q, int64_t line, const char *msg);
void st_evq_note(st_evq *q, const char *key, const char *value);
void st_evq_companion(st_evq *q, const char *path, const char *sha256,
                      int64_t size);
/* Items handed to the writer so far (for progress). */
int64_t st_evq_pushed(const st_evq *q);
/* Flushes, waits for the writer and frees the queue.  Returns 0, or -1
 * when the store failed (message in err). */
int st_evq_finish(st_evq *q, st_evq_counts *counts, char *err,
                  size_t errlen);

#endif
