/*
 * analysis.h -- what `analyze`, `rules test` and replay share: loading the
 * rule set (shipped rules plus --rules directories) and the error-code
 * table, and running the engine over a case.
 */
#ifndef ST_ANALYSIS_H
#define ST_ANALYSIS_H

#include "engine.h"
#include "errcodes.h"
#include "rules.h"
#include "store.h"

typedef struct st_analysis {
    st_ruleset rules;
    st_errcodes *codes;
    int diagnostics;           /* rule problems reported */
} st_analysis;

/* Loads the shipped rules (unless no_default) and each extra directory or
 * file; problems are printed to stderr as file:line:col: message. */
int st_analysis_load(st_analysis *a, const char *const *extra, int nextra,
                     int no_default);
void st_analysis_free(st_analysis *a);

/* Runs every rule (or only `only_rule`) over the case and stores the
 * findings of this run, replacing earlier findings of the same rule
 * versions.  *nfindings receives the count.  Returns 0 or -1. */
int st_analysis_run(st_analysis *a, st_store *st, const char *only_rule,
                    int64_t run_id, int quiet, int64_t *nfindings,
                    st_engine_stats *stats);

#endif
