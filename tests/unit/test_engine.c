/*
 * test_engine.c -- the rule engine's semantics on synthetic events: window
 * edges, step order, optional steps as absence, histories (and `older`),
 * per-step keys and unkeyed steps, look-back (`before`), repeated anchors,
 * out-of-order input through the reorder buffer, lookups, and rule-file
 * diagnostics.
 */
#include <stdlib.h>

#include "check.h"
#include "engine.h"
#include "rules.h"

#define S 1000000LL   /* one second in microseconds */

typedef struct got {
    int n;
    char verdict[8][32];
    char reasons[8][256];
    int nev[8];
    char subject[8][128];
} got;

static void on_finding(void *c, const st_finding *f)
{
    got *g = c;
    if (g->n < 8) {
        snprintf(g->verdict[g->n], 32, "%s", f->verdict);
        g->reasons[g->n][0] = 0;
        for (int i = 0; i < f->nreasons; i++) {
            size_t l = strlen(g->reasons[g->n]);
            snprintf(g->reasons[g->n] + l, 256 - l, "%s%s", i ? "," : "",
                     f->reasons[i].id);
        }
        g->nev[g->n] = f->nev;
        snprintf(g->subject[g->n], 128, "%s",
                 f->subject_path ? f->subject_path : "");
    }
    g->n++;
}

static int records_present;
static int on_lookup(void *c, const char *kind, const char *column, int op,
                     st_str value, st_lookup_hit *hits, int max)
{
    (void)op;
    (void)c;
    (void)max;
    if (!records_present || strcmp(kind, "quarantine_event"))
        return 0;
    if (!strcmp(column, "any"))
        return 1;
    if (value.n == 13 && !memcmp(value.p, "/Apps/Evil.app", 13))
        return 0;
    memset(hits, 0, sizeof *hits);
    hits[0].record_id = 7;
    snprintf(hits[0].locator, sizeof hits[0].locator, "LSQuarantineEvent 7");
    snprintf(hits[0].summary, sizeof hits[0].summary, "quarantined");
    return value.p && strstr(value.p, "Quar") ? 1 : 0;
}

static int diags;
static char last_diag[256];
static void diag(void *c, const char *f, int line, int col, const char *m)
{
    (void)c;
    diags++;
    snprintf(last_diag, sizeof last_diag, "%s:%d:%d: %s", f, line, col, m);
}

/* Loads rule text; returns the set (caller frees). */
static st_ruleset load(const char *text)
{
    st_ruleset set = {0};
    diags = 0;
    last_diag[0] = 0;
    st_rules_load_file(&set, "test.rule", text, strlen(text), diag, NULL);
    return set;
}

static st_event ev(int64_t id, int64_t t, const char *proc, const char *msg)
{
    st_event e;
    memset(&e, 0, sizeof e);
    e.id = id;
    e.source_id = 1;
    e.line = id;
    e.has = ST_HAS_TIME | ST_HAS_PID;
    e.time_us = t;
    e.pid = 100 + id;
    e.process = (st_str){proc, strlen(proc)};
    e.message = (st_str){msg, strlen(msg)};
    return e;
}

/* Runs events through a fresh engine; findings land in g. */
static void run(st_ruleset *set, const st_event *evs, int n, got *g,
                int64_t slack)
{
    memset(g, 0, sizeof *g);
    st_engine *e = st_engine_new(set, NULL, on_finding, on_lookup, g);
    st_engine_set_slack(e, slack);
    for (int i = 0; i < n; i++)
        st_engine_feed(e, &evs[i]);
    st_engine_flush(e);
    st_engine_free(e);
}

static const char *seq_rule =
    "rule t.seq\nversion 1\nwindow 10s\n"
    "step a: process == \"lsd\" AND eventMessage CONTAINS \"open\"\n"
    "    extract /open (?<path>\\S+)/\n    key path\n"
    "step b within 5s: process == \"amfid\" AND eventMessage CONTAINS \"check\"\n"
    "    extract /check (?<path>\\S+)/\n    key path\n"
    "step kill optional: process == \"kernel\" AND eventMessage CONTAINS \"kill\"\n"
    "    extract /kill (?<path>\\S+)/\n    key path\n"
    "verdict blocked when kill\nverdict tolerated\n"
    "reason killed when kill: \"killed {path}\"\n"
    "reason survived when not kill: \"{path} survived\"\n"
    "subject path = \"{path}\"\n";

TEST(sequence_and_window_edges)
{
    st_ruleset set = load(seq_rule);
    CHECK_INT(diags, 0);
    got g;
    st_event e1[] = {ev(1, 0, "lsd", "open /A"), ev(2, 5 * S, "amfid", "check /A")};
    run(&set, e1, 2, &g, 0);
    CHECK_INT(g.n, 1);                       /* exactly at `within` */
    CHECK_STR(g.verdict[0], "tolerated");
    CHECK_STR(g.reasons[0], "survived");
    CHECK_STR(g.subject[0], "/A");
    st_event e2[] = {ev(1, 0, "lsd", "open /A"), ev(2, 5 * S + 1, "amfid", "check /A")};
    run(&set, e2, 2, &g, 0);
    CHECK_INT(g.n, 0);                       /* 1 us past `within` */
    st_event e3[] = {ev(1, 0, "amfid", "check /A"), ev(2, S, "lsd", "open /A")};
    run(&set, e3, 2, &g, 0);
    CHECK_INT(g.n, 0);                       /* wrong order */
    st_ruleset_free(&set);
}

TEST(absence_decided_when_window_passes)
{
    st_ruleset set = load(seq_rule);
    got g;
    st_event e1[] = {ev(1, 0, "lsd", "open /A"), ev(2, S, "amfid", "check /A"),
                     ev(3, 9 * S, "kernel", "kill /A")};
    run(&set, e1, 3, &g, 0);
    CHECK_INT(g.n, 1);
    CHECK_STR(g.verdict[0], "blocked");      /* completed by the kill */
    st_event e2[] = {ev(1, 0, "lsd", "open /A"), ev(2, S, "amfid", "check /A"),
                     ev(3, 11 * S, "kernel", "kill /A")};
    run(&set, e2, 3, &g, 0);
    CHECK_INT(g.n, 1);
    CHECK_STR(g.verdict[0], "tolerated");    /* kill after the window */
    st_ruleset_free(&set);
}

TEST(per_step_keys_separate_subjects)
{
    st_ruleset set = load(seq_rule);
    got g;
    st_event e[] = {ev(1, 0, "lsd", "open /A"), ev(2, 1, "lsd", "open /B"),
                    ev(3, S, "amfid", "check /B"), ev(4, 2 * S, "kernel", "kill /B"),
                    ev(5, 3 * S, "amfid", "check /A")};
    run(&set, e, 5, &g, 0);
    CHECK_INT(g.n, 2);
    CHECK_STR(g.subject[0], "/B");
    CHECK_STR(g.verdict[0], "blocked");
    CHECK_STR(g.subject[1], "/A");
    CHECK_STR(g.verdict[1], "tolerated");
    st_ruleset_free(&set);
}

TEST(repeated_anchor_joins_open_instance)
{
    st_ruleset set = load(seq_rule);
    got g;
    st_event e[] = {ev(1, 0, "lsd", "open /A"), ev(2, 1, "lsd", "open /A"),
                    ev(3, 2, "lsd", "open /A"), ev(4, S, "amfid", "check /A")};
    run(&set, e, 4, &g, 0);
    CHECK_INT(g.n, 1);
    CHECK_INT(g.nev[0], 4);                  /* all repeats kept */
    st_ruleset_free(&set);
}

/* Process sets from IN and from OR branches: a process named twice must
 * not run a step twice on one event (evidence would double), and the
 * any-of literal prefilter still lets either branch's message through. */
TEST(process_sets_and_literal_sets)
{
    st_ruleset set = load(
        "rule t.sets\nversion 1\nwindow 10s\n"
        "step a: process IN {\"lsd\", \"lsd\", \"tccd\"} AND "
        "eventMessage CONTAINS \"open\"\n"
        "    extract /open (?<path>\\S+)/\n    key path\n"
        "step b within 5s: (process == \"amfid\" AND eventMessage CONTAINS "
        "\"check\") OR (process == \"amfid\" AND eventMessage MATCHES "
        "\"(?s).*verif(y|ied) .*\")\n"
        "    extract /(?:check|verify|verified) (?<path>\\S+)/\n    key path\n"
        "verdict tolerated\nsubject path = \"{path}\"\n");
    CHECK_INT(diags, 0);
    got g;
    st_event e[] = {ev(1, 0, "lsd", "open /A"), ev(2, 1, "amfid", "check /A"),
                    ev(3, 2, "tccd", "open /B"),
                    ev(4, 3, "amfid", "verified /B"),
                    ev(5, 4, "kernel", "open /C"),     /* not in the set */
                    ev(6, 5, "amfid", "check /C")};
    run(&set, e, 6, &g, 0);
    CHECK_INT(g.n, 2);
    CHECK_INT(g.nev[0], 2);                  /* once per event, not twice */
    CHECK_INT(g.nev[1], 2);
    CHECK_STR(g.subject[0], "/A");
    CHECK_STR(g.subject[1], "/B");
    st_ruleset_free(&set);
}

TEST(out_of_order_input_with_slack)
{
    st_ruleset set = load(seq_rule);
    got g;
    /* the anchor arrives after the step it precedes in time */
    st_event e[] = {ev(2, S, "amfid", "check /A"), ev(1, 0, "lsd", "open /A")};
    run(&set, e, 2, &g, 2 * S);
    CHECK_INT(g.n, 1);
    run(&set, e, 2, &g, 0);                  /* without slack: missed */
    CHECK_INT(g.n, 0);
    st_ruleset_free(&set);
}

static const char *hist_rule =
    "rule t.hist\nversion 1\nwindow 10s\n"
    "step launch: process == \"rb\" AND eventMessage CONTAINS \"exPath:\"\n"
    "    extract /exPath:(?<path>\\S+)/\n    key appname(path)\n"
    "step err optional before 3s: process == \"lsd\" AND eventMessage CONTAINS \"-67030\"\n"
    "history before older 1m: process == \"rb\" AND eventMessage CONTAINS \"exPath:\"\n"
    "    extract /exPath:(?<path>\\S+)/\n    key app(path)\n"
    "lookup q: quarantine_event path = app(path)\n"
    "lookup qdb: quarantine_event any\n"
    "verdict seen when err\n"
    "reason earlier when before: \"ran {before.time}\"\n"
    "reason first when not before: \"first\"\n"
    "reason quarantined when q: \"q\"\n"
    "reason not_quarantined when qdb and not q: \"nq\"\n"
    "subject path = \"{path}\"\n";

TEST(history_lookback_and_lookups)
{
    st_ruleset set = load(hist_rule);
    CHECK_INT(diags, 0);
    got g;
    records_present = 0;
    st_event e1[] = {ev(1, 0, "rb", "exPath:/Apps/X.app/Contents/MacOS/X"),
                     ev(2, 100 * S, "lsd", "MacOS error: -67030"),
                     ev(3, 101 * S, "rb", "exPath:/Apps/X.app/Contents/MacOS/X")};
    run(&set, e1, 3, &g, 0);
    CHECK_INT(g.n, 1);                       /* the error precedes: before 3s */
    CHECK_STR(g.reasons[0], "earlier");
    /* the same launch's own line is not an earlier launch (older 1m) */
    st_event e2[] = {ev(1, 99 * S, "rb", "exPath:/Apps/X.app/Contents/MacOS/X"),
                     ev(2, 100 * S, "lsd", "MacOS error: -67030"),
                     ev(3, 101 * S, "rb", "exPath:/Apps/X.app/Contents/MacOS/X")};
    run(&set, e2, 3, &g, 0);
    CHECK(g.n >= 1);
    CHECK_STR(g.reasons[g.n - 1], "first");
    /* the error 4 s before the anchor is outside `before 3s` */
    st_event e3[] = {ev(2, 96 * S, "lsd", "MacOS error: -67030"),
                     ev(3, 100 * S, "rb", "exPath:/Apps/X.app/Contents/MacOS/X")};
    run(&set, e3, 2, &g, 0);
    CHECK_INT(g.n, 0);
    /* lookups: a quarantine database with and without a record */
    records_present = 1;
    st_event e4[] = {ev(2, 100 * S, "lsd", "MacOS error: -67030"),
                     ev(3, 101 * S, "rb", "exPath:/Apps/Quar.app/Contents/MacOS/Q")};
    run(&set, e4, 2, &g, 0);
    CHECK_STR(g.reasons[0], "first,quarantined");
    st_event e5[] = {ev(2, 100 * S, "lsd", "MacOS error: -67030"),
                     ev(3, 101 * S, "rb", "exPath:/Apps/Other.app/Contents/MacOS/O")};
    run(&set, e5, 2, &g, 0);
    CHECK_STR(g.reasons[0], "first,not_quarantined");
    records_present = 0;
    st_ruleset_free(&set);
}

TEST(unkeyed_step_joins_newest_instance)
{
    const char *r =
        "rule t.unkeyed\nversion 1\nwindow 10s\n"
        "step a: process == \"amfid\"\n    extract /for (?<p>\\S+)/\n    key p\n"
        "step k: process == \"kernel\"\n"
        "verdict v\nsubject path = \"{p}\"\n";
    st_ruleset set = load(r);
    CHECK_INT(diags, 0);
    got g;
    st_event e[] = {ev(1, 0, "amfid", "for /A"), ev(2, S, "amfid", "for /B"),
                    ev(3, 2 * S, "kernel", "AMFI: code signature validation failed.")};
    run(&set, e, 3, &g, 0);
    CHECK_INT(g.n, 1);
    CHECK_STR(g.subject[0], "/B");
    st_ruleset_free(&set);
}

TEST(bad_rules_are_reported_not_fatal)
{
    struct { const char *text, *want; } cases[] = {
        {"step a: process == \"x\"\n", "expected `rule ID` first"},
        {"rule r\nversion 1\nstep a: process == \nverdict v\n", "test.rule:3:"},
        {"rule r\nversion 1\nstep a: procss == \"x\"\nverdict v\n", "procss"},
        {"rule r\nversion 1\nstep a: process == \"x\"\n    extract /(?<p>a+/\nverdict v\n", "invalid regex"},
        {"rule r\nversion 1\nstep a: process == \"x\"\n", "has no verdict"},
        {"rule r\nversion 1\nwindow 5s\nstep a: process == \"x\"\nstep b within 9s: process == \"y\"\nverdict v\n", "waits longer"},
        {"rule r\nversion 1\nstep a optional: process == \"x\"\nverdict v\n", "anchor"},
        {"rule r\nversion 1\nstep a: process == \"x\"\nverdict v when nope\n", "unknown step"},
        {"rule r\nversion 1\nstep a: process == \"x\"\nverdict v\nexplain \"{nothing}\"\n", "unknown placeholder"},
        {"rule r\nversion 1\nwindow forever\nstep a: process == \"x\"\nverdict v\n", "duration"},
        {"rule r\nversion 1\nstep a: process == \"x\"\n    key frob(p)\nverdict v\n", "unknown key function"},
        {"rule r\nversion 1\nbogus line\n", "unknown keyword"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        st_ruleset set = load(cases[i].text);
        CHECK(diags > 0);
        CHECK_INT(set.nrules, 0);
        if (!strstr(last_diag, cases[i].want))
            fprintf(stderr, "case %zu: '%s' lacks '%s'\n", i, last_diag,
                    cases[i].want);
        CHECK(strstr(last_diag, cases[i].want) != NULL);
        st_ruleset_free(&set);
    }
    /* runaway backtracking ends as no match */
    const char *r =
        "rule t.regex\nversion 1\nmatch-limit 1000\n"
        "step a: process == \"x\"\n    extract /(?<p>(a+)+$)/\n    key p\n"
        "verdict v\n";
    st_ruleset set = load(r);
    CHECK_INT(diags, 0);
    char msg[64];
    memset(msg, 'a', 40);
    msg[40] = 'b';
    msg[41] = 0;
    got g;
    st_event e[] = {ev(1, 0, "x", msg)};
    run(&set, e, 1, &g, 0);
    CHECK_INT(g.n, 0);
    st_ruleset_free(&set);
}

TEST(durations)
{
    CHECK_INT(st_parse_duration("10s", 3), 10 * S);
    CHECK_INT(st_parse_duration("250ms", 5), 250000);
    CHECK_INT(st_parse_duration("5m", 2), 300 * S);
    CHECK_INT(st_parse_duration("s", 1), -1);
    CHECK_INT(st_parse_duration("10y", 3), -1);
    st_str a = st_key_apply(ST_KEY_APP, ST_STR_LIT("/A/X.app/Contents/MacOS/X"));
    CHECK_VIEW(a, "/A/X.app");
    a = st_key_apply(ST_KEY_APPNAME, ST_STR_LIT("/A/X.app/Contents/MacOS/X"));
    CHECK_VIEW(a, "X");
    a = st_key_apply(ST_KEY_APPNAME, ST_STR_LIT("/usr/bin/tool"));
    CHECK_VIEW(a, "tool");
}

int main(void)
{
    RUN(sequence_and_window_edges);
    RUN(absence_decided_when_window_passes);
    RUN(per_step_keys_separate_subjects);
    RUN(repeated_anchor_joins_open_instance);
    RUN(process_sets_and_literal_sets);
    RUN(out_of_order_input_with_slack);
    RUN(history_lookback_and_lookups);
    RUN(unkeyed_step_joins_newest_instance);
    RUN(bad_rules_are_reported_not_fatal);
    RUN(durations);
    return RESULT();
}
