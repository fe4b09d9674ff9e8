/*
 * cmd_rules.c -- `sigtrail rules check|test|list [DIR|FILE...]`.
 */
#include <getopt.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analysis.h"
#include "cmd.h"
#include "ingest.h"
#include "opts.h"

static void help(void)
{
    printf("usage: sigtrail rules check [DIR|FILE...]\n"
           "       sigtrail rules test [DIR|FILE...]\n"
           "       sigtrail rules list [DIR|FILE...]\n\n"
           "check  validates rule files; problems are printed as\n"
           "       file:line:col: what was expected\n"
           "test   runs every rule on its own examples (each rule ships with "
           "at least\n       one positive and one negative example) and "
           "prints ok/FAIL per example\n"
           "list   prints the loaded rules\n\n"
           "Without arguments the shipped rules are used ($SIGTRAIL_RULES or "
           "the\nrules/ folder beside sigtrail).  Rule syntax: rules/README.md."
           "\n\nExit status: 0 all good; 1 a test failed; 2 rule problems or "
           "usage error.\n");
}

/* Runs one example of one rule in a private in-memory case. */
static int run_example(st_analysis *a, const st_rule *r,
                       const st_rule_example *x, char *why, size_t whylen)
{
    char dirbuf[4096], path[8192];
    snprintf(dirbuf, sizeof dirbuf, "%s", r->file);
    snprintf(path, sizeof path, "%s/%s", dirname(dirbuf), x->path);
    st_store *st;
    char err[512];
    if (st_store_open(&st, ":memory:", ST_STORE_CREATE, err, sizeof err)) {
        snprintf(why, whylen, "%s", err);
        return 0;
    }
    st_ingest_opts o;
    memset(&o, 0, sizeof o);
    o.quiet = 1;
    o.parse.tz = "UTC";
    st_ingest_result res;
    st_ingest_path(st, path, &o, &res);
    if (res.status != ST_INGESTED) {
        snprintf(why, whylen, "example not ingested: %s", res.message);
        st_store_close(st);
        return 0;
    }
    int64_t n = 0;
    st_engine_stats stats;
    if (st_analysis_run(a, st, r->id, 0, 1, &n, &stats) < 0) {
        snprintf(why, whylen, "analysis failed: %s", st_store_errmsg(st));
        st_store_close(st);
        return 0;
    }
    int ok = 1;
    if (!x->positive) {
        if (n) {
            snprintf(why, whylen, "expected no finding, got %lld",
                     (long long)n);
            ok = 0;
        }
    } else if (!n) {
        snprintf(why, whylen, "expected a finding, got none");
        ok = 0;
    } else {
        sqlite3_stmt *q;
        sqlite3_prepare_v2(st_store_db(st), "SELECT verdict, reasons FROM "
                           "findings WHERE rule_id = ?", -1, &q, NULL);
        sqlite3_bind_text(q, 1, r->id, -1, SQLITE_STATIC);
        int matched = 0;
        char seen[512] = "";
        while (sqlite3_step(q) == SQLITE_ROW) {
            const char *v = (const char *)sqlite3_column_text(q, 0);
            const char *rs = (const char *)sqlite3_column_text(q, 1);
            size_t l = strlen(seen);
            snprintf(seen + l, sizeof seen - l, "%s%s", l ? ", " : "", v);
            if (x->verdict[0] && strcmp(v, x->verdict))
                continue;
            int all = 1;
            char reasons[256];
            snprintf(reasons, sizeof reasons, "%s", x->reasons);
            for (char *tok = strtok(reasons, ","); tok;
                 tok = strtok(NULL, ",")) {
                char needle[300];
                snprintf(needle, sizeof needle, "\"id\":\"%s\"", tok);
                if (!rs || !strstr(rs, needle))
                    all = 0;
            }
            matched |= all;
        }
        sqlite3_finalize(q);
        if (!matched) {
            snprintf(why, whylen, "no finding with verdict '%s' and reasons "
                     "'%s' (verdicts seen: %s)", x->verdict[0] ? x->verdict
                     : "any", x->reasons, seen);
            ok = 0;
        }
    }
    st_store_close(st);
    return ok;
}

int cmd_rules(int argc, char **argv)
{
    if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
        help();
        return argc < 2 ? ST_EXIT_ERROR : ST_EXIT_OK;
    }
    const char *sub = argv[1];
    if (strcmp(sub, "check") && strcmp(sub, "test") && strcmp(sub, "list"))
        return st_usage_error("rules", "unknown subcommand '%s'", sub);
    for (int i = 2; i < argc; i++)
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
            help();
            return ST_EXIT_OK;
        }
    st_analysis a;
    int nextra = argc - 2;
    int problems = st_analysis_load(&a, (const char *const *)argv + 2,
                                    nextra, nextra > 0);
    int rc = ST_EXIT_OK;
    if (!strcmp(sub, "check")) {
        printf("%d rules loaded, %d problems\n", a.rules.nrules, problems);
        rc = problems ? ST_EXIT_ERROR : ST_EXIT_OK;
    } else if (!strcmp(sub, "list")) {
        for (int i = 0; i < a.rules.nrules; i++) {
            const st_rule *r = a.rules.rules[i];
            printf("%-40s v%-3d %-8s %s\n    %s:%d\n", r->id, r->version,
                   r->level, r->title ? r->title : "", r->file, r->line);
        }
        rc = problems ? ST_EXIT_ERROR : ST_EXIT_OK;
    } else {
        int passed = 0, failed = problems;
        for (int i = 0; i < a.rules.nrules; i++) {
            const st_rule *r = a.rules.rules[i];
            int pos = 0, neg = 0;
            for (int k = 0; k < r->nexamples; k++) {
                const st_rule_example *x = &r->examples[k];
                char why[600] = "";
                pos += x->positive;
                neg += !x->positive;
                if (run_example(&a, r, x, why, sizeof why)) {
                    passed++;
                    printf("ok   %s %s %s\n", r->id,
                           x->positive ? "positive" : "negative", x->path);
                } else {
                    failed++;
                    printf("FAIL %s %s %s (%s:%d): %s\n", r->id,
                           x->positive ? "positive" : "negative", x->path,
                           r->file, x->line, why);
                }
            }
            if (!pos || !neg) {
                failed++;
                printf("FAIL %s (%s:%d): needs at least one positive and one"
                       " negative example\n", r->id, r->file, r->line);
            }
        }
        printf("RESULT %d %d\n", passed, failed);
        rc = failed ? ST_EXIT_NONE : ST_EXIT_OK;
    }
    st_analysis_free(&a);
    return rc;
}
