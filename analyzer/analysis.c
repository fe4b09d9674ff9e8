/*
 * analysis.c -- rules + engine + store, together.  See analysis.h.
 */
#include "analysis.h"

#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "findings.h"
#include "progress.h"
#include "store_read.h"

static void print_diag(void *ctx, const char *file, int line, int col,
                       const char *msg)
{
    int *n = ctx;
    (*n)++;
    if (line > 0)
        fprintf(stderr, "%s:%d:%d: %s\n", file, line, col > 0 ? col : 1, msg);
    else
        fprintf(stderr, "%s: %s\n", file, msg);
}

int st_analysis_load(st_analysis *a, const char *const *extra, int nextra,
                     int no_default)
{
    memset(a, 0, sizeof *a);
    char dir[4096];
    st_rules_default_dir(dir, sizeof dir);
    if (!no_default)
        st_rules_load_dir(&a->rules, dir, print_diag, &a->diagnostics);
    for (int i = 0; i < nextra; i++) {
        struct stat sb;
        if (stat(extra[i], &sb) == 0 && S_ISREG(sb.st_mode))
            st_rules_load_file(&a->rules, extra[i], NULL, 0, print_diag,
                               &a->diagnostics);
        else
            st_rules_load_dir(&a->rules, extra[i], print_diag,
                              &a->diagnostics);
    }
    char path[4200], err[512];
    snprintf(path, sizeof path, "%s/errcodes.tsv", dir);
    if (st_errcodes_load(path, &a->codes, err, sizeof err) < 0) {
        fprintf(stderr, "sigtrail: %s (error codes will show as numbers)\n",
                err);
        a->codes = NULL;
    }
    return a->diagnostics;
}

void st_analysis_free(st_analysis *a)
{
    st_ruleset_free(&a->rules);
    st_errcodes_free(a->codes);
}

typedef struct run_ctx {
    st_engine *e;
    st_store *st;
    int64_t run_id;
    int64_t n;
    int failed;
    int staged;               /* findings go to the staging tables */
    st_findings_writer *out;
    st_progress progress;
    int64_t seen;
} run_ctx;

static void on_finding(void *c, const st_finding *f)
{
    run_ctx *r = c;
    if (!r->out || st_findings_write(r->out, r->run_id, f) < 0)
        r->failed = 1;
    else
        r->n++;
}

/* The engine has one context for both callbacks: the run's. */
static int on_lookup(void *c, const char *kind, const char *column, int op,
                     st_str value, st_lookup_hit *hits, int max)
{
    return st_store_lookup_records(((run_ctx *)c)->st, kind, column, op,
                                   value, hits, max);
}

static int on_event(void *c, const st_event *ev)
{
    run_ctx *r = c;
    st_engine_feed(r->e, ev);
    r->seen++;
    st_progress_tick(&r->progress, r->seen, r->seen);
    return 0;
}

/* Removes the earlier findings of every rule version in rules (marking
 * the run failed when the store refuses). */
static void clear_findings(st_store *st, const st_ruleset *rules, run_ctx *r)
{
    if (!r->failed && st_findings_clear_set(st, rules) < 0)
        r->failed = 1;
}

int st_analysis_run(st_analysis *a, st_store *st, const char *only_rule,
                    int64_t run_id, int quiet, int64_t *nfindings,
                    st_engine_stats *stats)
{
    st_ruleset sub = a->rules;
    st_rule *one[1];
    if (only_rule) {
        sub.nrules = 0;
        sub.rules = one;
        for (int i = 0; i < a->rules.nrules; i++)
            if (!strcmp(a->rules.rules[i]->id, only_rule)) {
                one[0] = a->rules.rules[i];
                sub.nrules = 1;
            }
    }
    run_ctx r;
    memset(&r, 0, sizeof r);
    r.st = st;
    r.run_id = run_id;
    r.e = st_engine_new(&sub, a->codes, on_finding, on_lookup, &r);
    if (!r.e)
        return -1;
    /* Rows are read on a second thread (its own connection), the engine
     * runs on this one.  The write lock is taken first (waiting for other
     * writers as usual) and nothing is written to the case while the
     * reader reads: findings are staged in TEMP tables, and the earlier
     * findings are replaced once the reader is done, all in this one
     * transaction. */
    sqlite3 *db = st_store_db(st);
    sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL);
    st_scan *scan = st_store_scan_begin(st, NULL);
    if (scan && st_findings_stage_begin(st) == 0)
        r.staged = 1;
    if (scan && !r.staged) {      /* no staging: read synchronously */
        st_store_scan_finish(scan, NULL, NULL);
        scan = NULL;
    }
    /* unstaged findings go straight into the case: clear before them */
    if (!r.staged)
        clear_findings(st, &sub, &r);
    r.out = st_findings_writer_open(st, r.staged);
    st_progress_init(&r.progress, "analyze", -1, quiet);
    int64_t n = scan ? st_store_scan_finish(scan, on_event, &r)
                     : st_store_scan(st, NULL, on_event, &r);
    st_engine_flush(r.e);
    st_progress_done(&r.progress);
    st_findings_writer_close(r.out);   /* before the staging tables go */
    r.out = NULL;
    if (r.staged && n >= 0 && !r.failed) {
        clear_findings(st, &sub, &r);
        if (!r.failed && st_findings_stage_commit(st) < 0)
            r.failed = 1;
    }
    if (stats)
        st_engine_get_stats(r.e, stats);
    st_engine_free(r.e);
    if (n < 0 || r.failed) {
        sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
        return -1;
    }
    sqlite3_exec(db, "COMMIT", NULL, NULL, NULL);
    *nfindings = r.n;
    return 0;
}
