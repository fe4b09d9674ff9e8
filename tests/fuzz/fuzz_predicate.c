/*
 * fuzz_predicate.c -- libFuzzer harness for the predicate language.
 *
 * Compiles arbitrary bytes with st_pred_compile_ex (plus a resolver that
 * knows a few custom names); when they compile, evaluates the predicate
 * against fixed events (with and without a scratch), renders it, extracts
 * hints and tests them.  Besides crashes, leaks and hangs it checks three
 * properties and traps when one fails:
 *   - the rendering compiles again, renders identically and evaluates
 *     identically on every event;
 *   - when the predicate matches an event, every hint holds for it;
 *   - st_pred_eval and st_pred_eval_r agree.
 */
#include "predicate.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

enum { F_HOST = ST_F__COUNT + 1, F_SIZE, F_NOTE };

/* Accepts host, size, rule.note and the alias msg. */
static int fz_resolve(void *ctx, const char *name, size_t n)
{
    (void)ctx;
    if (n == 4 && memcmp(name, "host", 4) == 0) return F_HOST;
    if (n == 4 && memcmp(name, "size", 4) == 0) return F_SIZE;
    if (n == 9 && memcmp(name, "rule.note", 9) == 0) return F_NOTE;
    if (n == 3 && memcmp(name, "msg", 3) == 0) return ST_F_MESSAGE;
    return 0;
}

typedef struct fz_rec {
    st_event ev;
    const char *host;  /* NULL: absent */
    st_value size;
} fz_rec;

/* Built-in fields come from the event, custom ones from the record. */
static void fz_get(void *ctx, int field, st_value *out)
{
    const fz_rec *r = ctx;
    if (field == F_HOST) {
        if (r->host != NULL) {
            out->kind = ST_V_STR;
            out->s = (st_str){r->host, strlen(r->host)};
        }
        return;
    }
    if (field == F_SIZE) {
        *out = r->size;
        return;
    }
    if (field == F_NOTE)
        return;
    st_event_get(&r->ev, (st_field)field, out);
}

#define N_RECS 4
static fz_rec recs[N_RECS];
static char long_msg[5000];
static st_pred_scratch *scratch;

/* Builds the fixed events once: ASCII, non-ASCII, mostly absent, long. */
static void fz_init(void)
{
    st_event *e = &recs[0].ev;
    e->process = ST_STR_LIT("sudo");
    e->process_path = ST_STR_LIT("/usr/bin/sudo");
    e->subsystem = ST_STR_LIT("com.apple.network");
    e->category = ST_STR_LIT("connection");
    e->message = ST_STR_LIT("3 incorrect password attempts ; TTY=ttys000");
    e->type = ST_STR_LIT("Error");
    e->event_type = ST_STR_LIT("logEvent");
    e->has = ST_HAS_PID | ST_HAS_TRACE | ST_HAS_TIME | ST_HAS_USER;
    e->pid = 501;
    e->trace_id = 18446744073709551615ULL;
    e->time_us = 1700000000000000LL;
    e->user_id = -2;
    e->line = 7;
    recs[0].host = "mbp-01";
    recs[0].size.kind = ST_V_INT;
    recs[0].size.i = 2048;

    e = &recs[1].ev;
    e->process = ST_STR_LIT("Caf\xc3\xa9 \xd0\x9f\xd1\x80\xd0\xb8 \xce\xa3\xcf\x82");
    e->sender = ST_STR_LIT("stra\xc3\x9f" "e\xc5\xbf");
    e->message = ST_STR_LIT("R\xc3\x89SUM\xc3\x89 cafe\xcc\x81 \xff\xfe a*b?c\\d");
    e->type = ST_STR_LIT("fault");
    e->signpost_type = ST_STR_LIT("begin");
    e->has = ST_HAS_THREAD | ST_HAS_SIGNPOST_ID;
    e->thread_id = 9007199254740993ULL;
    e->signpost_id = 1;
    recs[1].host = "";
    recs[1].size.kind = ST_V_STR;
    recs[1].size.s = ST_STR_LIT("0x10");

    e = &recs[2].ev; /* almost everything absent */
    e->type = ST_STR_LIT("Activity");
    recs[2].size.kind = ST_V_NONE;

    e = &recs[3].ev;
    memset(long_msg, 'a', sizeof long_msg);
    long_msg[sizeof long_msg - 1] = 'b';
    e->message = (st_str){long_msg, sizeof long_msg};
    e->process = ST_STR_LIT("");
    e->type = ST_STR_LIT("Info");
    e->has = ST_HAS_PID;
    e->pid = -1;
    recs[3].size.kind = ST_V_UINT;
    recs[3].size.u = 18446744073709551615ULL;

    scratch = st_pred_scratch_new();
}

/* Small limits keep hostile regexes from slowing the fuzzer down. */
static st_pred *fz_compile(const char *text, size_t len)
{
    st_pred_opts o;
    memset(&o, 0, sizeof o);
    o.resolve = fz_resolve;
    o.regex_match_limit = 20000;
    o.regex_depth_limit = 2000;
    st_pred_error err;
    st_pred *p = st_pred_compile_ex(text, len, &o, &err);
    if (p == NULL && (err.msg[0] == '\0' || err.line < 1 || err.column < 1 ||
                      err.offset > len))
        __builtin_trap(); /* every failure must say where and why */
    return p;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* One input: compile, evaluate, check hints, render and round-trip; traps
 * on any broken property (see the header comment). */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (scratch == NULL)
        fz_init();
    st_pred *p = fz_compile((const char *)data, size);
    if (p == NULL)
        return 0;

    int res[N_RECS];
    for (int i = 0; i < N_RECS; i++) {
        res[i] = st_pred_eval(p, fz_get, &recs[i]);
        if (st_pred_eval_r(p, fz_get, &recs[i], scratch) != res[i])
            __builtin_trap();
    }
    (void)st_pred_eval_event(p, &recs[0].ev);

    st_pred_hint hints[16];
    size_t nh = st_pred_hints(p, hints, 16);
    for (size_t k = 0; k < nh && k < 16; k++) {
        for (int i = 0; i < N_RECS; i++) {
            st_value v;
            memset(&v, 0, sizeof v);
            fz_get(&recs[i], hints[k].field, &v);
            int h = st_pred_hint_test(&hints[k], &v);
            if (res[i] && !h)
                __builtin_trap(); /* a hint must be a necessary condition */
        }
    }

    size_t need = st_pred_render(p, NULL, 0);
    char *buf = malloc(need + 1);
    if (buf != NULL) {
        if (st_pred_render(p, buf, need + 1) != need || strlen(buf) > need)
            __builtin_trap();
        /* rendering, strings with NUL are escaped, so strlen == need */
        if (strlen(buf) == need && need <= ST_PRED_MAX_LEN) {
            st_pred *q = fz_compile(buf, need);
            if (q == NULL)
                __builtin_trap();
            char *buf2 = malloc(need + 1);
            if (buf2 != NULL) {
                if (st_pred_render(q, buf2, need + 1) != need ||
                    memcmp(buf, buf2, need) != 0)
                    __builtin_trap();
                free(buf2);
            }
            for (int i = 0; i < N_RECS; i++)
                if (st_pred_eval(q, fz_get, &recs[i]) != res[i])
                    __builtin_trap();
            st_pred_free(q);
        }
        free(buf);
    }
    (void)st_pred_regex_limit_hits(p);
    st_pred_free(p);
    return 0;
}
