/*
 * replay.h -- replaying a case's log events at their original pace, in the
 * `log stream` layout, with rule alerts raised by the same engine as
 * `analyze` at the moment their evidence is complete.  Used by `sigtrail
 * replay` and `sigtrail exercise`; docs/replay.md is the user-facing
 * reference.
 *
 * Contract:
 *  - Events come from st_store_scan in (time, id) order.  The schedule is a
 *    list of wall-clock offsets from one start instant: each event waits
 *    for its gap to the previous one divided by the speed, and no wait is
 *    longer than max-gap (a wall-clock cap).  Waits end with
 *    clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME) on the absolute
 *    instant, so lateness never accumulates; pauses shift the start
 *    instant.
 *  - The engine is fed every event in time order as it is replayed (events
 *    hidden by the predicate too: the predicate chooses what is shown, not
 *    what the rules see).  While the replay waits, the engine clock is
 *    moved with st_engine_advance() along the replay clock, every
 *    ST_RP_TICK_MS of wall time at most and never past the next event's
 *    time, so an absence window closes while the log is quiet, as it did
 *    on the day.  Before an event is shown the clock is advanced to its
 *    time (alerts that were due print first); alerts its evidence
 *    completes print right after it.  At the end of the input the engine
 *    is flushed (the recording ends: open windows close at once).
 *  - Events before the first replayed one (before --from, and the events
 *    of evidence databases that precede the logs) are fed to the engine
 *    without being shown or paced, so histories ("it ran before") are
 *    known; alerts they complete are counted, not shown.  Events of
 *    sources that hold records (databases, process lists) are never shown
 *    unless all_events is set; after the start they are paced like the
 *    rest.  Untimed events are skipped.
 *  - Rebasing shifts every timestamp shown, and the events the engine is
 *    fed, by one constant, so intervals and each line's UTC offset are
 *    kept.
 *  - Keyboard control reads fd 0 only when `keys` is set: the caller sets
 *    it when fd 0 is a terminal (cbreak mode, restored on every exit path,
 *    on Ctrl-Z and re-applied after it) or, in step mode, a pipe (each
 *    newline is one step, end of file quits).  SIGINT, SIGTERM and SIGHUP
 *    only set a flag: the run stops within one tick, restores the terminal
 *    and the previous signal dispositions and returns normally.  SIGPIPE
 *    is ignored during the run and a failed write stops it.
 *  - Nothing here exits; errors are returned with a one-line message.
 */
#ifndef ST_REPLAY_H
#define ST_REPLAY_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "analysis.h"
#include "predicate.h"
#include "store.h"

#define ST_RP_TICK_MS 50

typedef enum st_rp_alerts {
    ST_RP_ALERTS = 0,        /* events and alerts */
    ST_RP_ALERTS_ONLY,
    ST_RP_NO_ALERTS          /* blind exercise: the engine does not run */
} st_rp_alerts;

typedef struct st_replay_opts {
    double speed;            /* 10 = ten times faster; 0 = no pacing */
    int64_t max_gap_ns;      /* wall-clock cap of one wait; < 0: none */
    int has_from, has_to;
    int64_t from_us, to_us;  /* original UTC times, inclusive */
    const st_pred *pred;     /* NULL: show every log event */
    const char *pred_text;   /* for the "Filtering ..." preamble */
    int step;                /* one shown event per Enter */
    st_rp_alerts alerts;
    int rebase;              /* 0 none, 1 to rebase_us, 2 to now */
    int64_t rebase_us;
    int line_numbers;        /* prefix "[file:line] " */
    int color;               /* escape sequences for alerts */
    int keys;                /* read keys from fd 0 (see the contract) */
    int all_events;          /* also show events of record sources */
    int quiet;               /* no hints or summary on stderr */
    const char *relative_to; /* cite sources relative to this folder */
} st_replay_opts;

typedef struct st_replay_stats {
    int64_t shown, alerts, hidden_alerts, skipped_untimed;
    int64_t wall_ns, plan_ns;         /* measured and scheduled duration */
    int64_t max_late_ns, sum_late_ns; /* lateness of paced events */
    int64_t paced;                    /* events that waited */
    int quit;                         /* stopped by q, Ctrl-C, a signal */
    int write_failed;
} st_replay_stats;

/* Replays the case (see the contract).  a may be NULL only with
 * ST_RP_NO_ALERTS.  Writes to out (normally stdout).  Returns 0, or -1
 * with err. */
int st_replay_run(st_store *st, const st_analysis *a, const st_replay_opts *o,
                  FILE *out, st_replay_stats *stats, char *err, size_t errlen);

/* Opens what replay and exercise read: one sigtrail case (read-only), or
 * input files ingested into a private in-memory case (tz for inputs whose
 * times carry no offset, may be NULL).  Ingest warnings go to stderr
 * unless quiet.  Returns 0, or -1 with err. */
int st_replay_open(const char *const *inputs, int n, const char *tz,
                   int quiet, st_store **out, char *err, size_t errlen);

/* "YYYY-MM-DD[( |T)HH:MM[:SS[.f]]][zone]" with zone Z, +HH:MM or +HHMM
 * (UTC when none); a bare date is its midnight.  0, or -1. */
int st_replay_parse_time(const char *s, int64_t *utc_us);
/* "5s", "500ms", "2m", "1h", "1.5s", "250us" or plain seconds, >= 0;
 * 0, or -1. */
int st_replay_parse_duration(const char *s, int64_t *ns);

/* The path a source is cited by: as recorded, made relative to `rel`
 * when it lies inside that folder.  Writes into buf and returns it. */
const char *st_replay_source_name(st_store *st, int64_t source_id,
                                  const char *rel, char *buf, size_t n);

/* One evidence reference: a line of a file, or a locator (records). */
typedef struct st_rp_ref {
    char file[512];
    int64_t line;            /* > 0, or 0 when loc is used */
    char loc[128];
} st_rp_ref;

/* Sorts and de-duplicates refs in place; returns the new count. */
int st_rp_refs_sort(st_rp_ref *refs, int n);
/* Writes sorted refs compactly: runs of lines as ranges, one file's
 * references after its name, files separated by "; "
 * ("export.log:18,168-172; db/DetachedSignatures:table code rowid 1"). */
void st_rp_refs_format(const st_rp_ref *refs, int n, char *buf, size_t len);

#endif
