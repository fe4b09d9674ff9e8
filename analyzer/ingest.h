/*
 * ingest.h -- moving one input into the store: open, hash, detect the
 * format by content, parse inside the input's own transaction, record
 * provenance, skip exact duplicates.
 *
 * Contract: one bad input never affects others or what is already in the
 * case.  Results are reported to the caller in st_ingest_result; nothing is
 * printed except the progress line (see progress.h).
 */
#ifndef ST_INGEST_H
#define ST_INGEST_H

#include <signal.h>

#include "parser.h"
#include "store.h"

typedef struct st_ingest_opts {
    st_parse_opts parse;
    const char *format;       /* force a parser by name, or NULL */
    int force;                /* ingest even when the SHA-256 is known */
    int quiet;
    int64_t run_id;
} st_ingest_opts;

typedef enum {
    ST_INGESTED = 0,          /* all read */
    ST_INGESTED_PARTIAL,      /* read until an input error; kept */
    ST_SKIPPED_DUPLICATE,     /* same bytes already in the case */
    ST_REJECTED,              /* nothing stored: empty, unknown, unreadable */
} st_ingest_status;

typedef struct st_ingest_result {
    st_ingest_status status;
    int64_t source_id;        /* new source, or the duplicate's original */
    const char *format;
    char sha256[65];
    int64_t size;
    int64_t records, warnings, unparsed;
    char message[512];        /* one line: the error or the skip reason */
} st_ingest_result;

/* Interrupts (SIGINT, SIGTERM, SIGHUP) during a group-committed ingest:
 * st_ingest_catch_interrupts(1) makes the first one set
 * st_ingest_interrupted instead of ending the process (a second one ends
 * it: the handler resets itself); the input being read then stops and is
 * rolled back, the walkers stop at the next member, and the caller commits
 * what was reported ingested.  Signals ignored by whoever started us stay
 * ignored.  st_ingest_catch_interrupts(0) puts the old handlers back. */
extern volatile sig_atomic_t st_ingest_interrupted;
void st_ingest_catch_interrupts(int on);

/* Ingests one path ("-" = stdin). */
void st_ingest_path(st_store *st, const char *path,
                    const st_ingest_opts *opts, st_ingest_result *res);
/* Ingests an already opened input (archive members, tests); `path` and
 * `member` are recorded as given. */
void st_ingest_input(st_store *st, st_input *in, const char *path,
                     const char *member, int64_t parent_id,
                     const st_ingest_opts *opts, st_ingest_result *res);

#endif
