/*
 * fuzz_rules.c -- libFuzzer harness for the rule-file reader and the
 * engine: arbitrary bytes are loaded as a rule file; whatever loads is run
 * over a few fixed events (so conditions, templates, keys, extraction and
 * look-back all execute) and must never crash, leak or hang.
 */
#include <stdint.h>
#include <string.h>
#include "engine.h"
#include "rules.h"

static void on_diag(void *c, const char *f, int l, int col, const char *m)
{
    (void)c; (void)f; (void)l; (void)col; (void)m;
}

static void on_finding(void *c, const st_finding *f)
{
    size_t *sum = c;
    *sum += f->nev + (f->explanation ? strlen(f->explanation) : 0);
}

static int on_lookup(void *c, const char *kind, const char *column, int op,
                     st_str value, st_lookup_hit *hits, int max)
{
    (void)op;
    (void)c; (void)kind; (void)column; (void)value;
    if (max > 0) {
        memset(hits, 0, sizeof *hits);
        hits[0].record_id = 1;
    }
    return 1;
}

static st_event mk(int64_t t, const char *proc, const char *msg)
{
    st_event e;
    memset(&e, 0, sizeof e);
    e.id = t;
    e.has = ST_HAS_TIME | ST_HAS_PID;
    e.time_us = t * 1000000;
    e.pid = 42;
    e.process = (st_str){proc, strlen(proc)};
    e.message = (st_str){msg, strlen(msg)};
    e.type = ST_STR_LIT("Default");
    return e;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    st_ruleset set = {0};
    st_rules_load_file(&set, "fuzz.rule", (const char *)data, size, on_diag,
                       NULL);
    if (set.nrules) {
        size_t sum = 0;
        st_engine *e = st_engine_new(&set, NULL, on_finding, on_lookup, &sum);
        st_event evs[] = {
            mk(1, "runningboardd", "Checking PreventLaunch: global:0 exPath:/Applications/X.app/Contents/MacOS/X predicates:(null)"),
            mk(2, "lsd", "MacOS error: -67030"),
            mk(3, "amfid", "Entering OSX path for /Applications/X.app/Contents/MacOS/X"),
            mk(4, "kernel", "AMFI: code signature validation failed."),
            mk(5, "kernel", "ASP: Security policy would not allow process: 7, /Applications/X.app/Contents/MacOS/X"),
            mk(100, "runningboardd", "exPath:/Applications/X.app/Contents/MacOS/X"),
        };
        for (size_t i = 0; e && i < sizeof evs / sizeof *evs; i++)
            st_engine_feed(e, &evs[i]);
        if (e) {
            st_engine_flush(e);
            st_engine_free(e);
        }
    }
    st_ruleset_free(&set);
    return 0;
}
