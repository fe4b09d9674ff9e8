/*
 * engine.h -- runs rules over time-ordered events and emits findings.
 *
 * One engine, two clocks: st_engine_feed() takes events in time order (a
 * small reorder buffer absorbs input that is slightly out of order) and
 * the engine's clock is the time of the newest event; a finding is emitted
 * as soon as its evidence is complete, or when its window has passed (for
 * rules that wait for an optional step, i.e. an absence).  Batch analysis
 * feeds events as fast as it can; replay feeds them at the original pace
 * and may call st_engine_advance() to move the clock between events.
 *
 * Semantics (documented for users in rules/README.md):
 *  - an event matching the first step opens an instance for its key (a
 *    repeated first-step event joins the open instance that has not moved
 *    on yet), anchored at the event's time;
 *  - a later step's event joins the newest open instance with the same key
 *    whose earlier required steps have all matched and whose anchor is no
 *    more than the step's `within` before it; repeats are counted and kept
 *    as evidence;
 *  - histories are looked up when the instance opens: only events strictly
 *    before the anchor count;
 *  - lookups query non-log evidence when the finding is decided.
 * The engine knows no input format and no SQL: records are reached through
 * the caller's lookup callback.
 */
#ifndef ST_ENGINE_H
#define ST_ENGINE_H

#include "errcodes.h"
#include "event.h"
#include "rules.h"

typedef struct st_evidence {
    char role[56];            /* step/history name, or lookup name */
    int64_t event_id;         /* 0 for records */
    int64_t record_id;        /* 0 for events */
    int64_t source_id, line;
    int64_t time_us;
    int32_t off_min;
    int has_time;
    int64_t pid;
    int has_pid;
    char *process, *sender, *subsystem, *category, *type, *message;
    char *locator;            /* records: table and row */
    char *block;              /* owns the strings above (event evidence) */
} st_evidence;

typedef struct st_code_count {
    int32_t code;
    const char *name;         /* NULL when not in the table */
    int count;
    char reporters[160];      /* distinct processes, comma-separated */
} st_code_count;

typedef struct st_reason {
    const char *id;
    char *text;
    int ev[32];               /* indexes into the finding's evidence */
    int nev;
} st_reason;

typedef struct st_finding {
    const st_rule *rule;
    const char *verdict;
    char *subject_path, *subject_bundle, *subject_uuid;
    int64_t subject_pid;
    int has_pid;
    st_reason reasons[ST_RULE_MAX_CLAUSES];
    int nreasons;
    char *notes[16];
    int nnotes;
    st_code_count codes[32];
    int ncodes;
    char *explanation;
    st_evidence *ev;
    int nev;
    int64_t first_us, last_us, emitted_us;
} st_finding;

/* One record found by a lookup. */
typedef struct st_lookup_hit {
    int64_t record_id, source_id;
    int64_t time_us;
    int has_time;
    char locator[128];
    char summary[256];
} st_lookup_hit;

/* Looks up records of `kind` whose `column` relates to value by op ('='
 * equal, '^' begins with, '~' contains; column "any": any record of that
 * kind).  Fills up to max hits; returns the number of records found (may
 * exceed max), or -1 on error. */
typedef int (*st_lookup_fn)(void *ctx, const char *kind, const char *column,
                            int op, st_str value, st_lookup_hit *hits,
                            int max);
typedef void (*st_finding_fn)(void *ctx, const st_finding *f);

typedef struct st_engine st_engine;

/* codes may be NULL (then codes are listed without names). */
st_engine *st_engine_new(const st_ruleset *rules, const st_errcodes *codes,
                         st_finding_fn on_finding, st_lookup_fn lookup,
                         void *ctx);
/* Feeds one event; views need to live only during the call. */
void st_engine_feed(st_engine *e, const st_event *ev);
/* Moves the clock forward without an event (replay). */
void st_engine_advance(st_engine *e, int64_t clock_us);
/* End of input: every open instance is decided. */
void st_engine_flush(st_engine *e);
void st_engine_free(st_engine *e);

typedef struct st_engine_stats {
    int64_t events, late_events, predicate_evals, instances, findings;
    int64_t open_instances_peak;
    int64_t history_evicted;   /* keys forgotten by full histories */
} st_engine_stats;
void st_engine_get_stats(const st_engine *e, st_engine_stats *out);

/* Reorder slack: events up to this much older than the newest one are
 * still processed in order (default 2 s). */
void st_engine_set_slack(st_engine *e, int64_t slack_us);

#endif
