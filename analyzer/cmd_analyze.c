/*
 * cmd_analyze.c -- `sigtrail analyze CASE.db`: run the rules, store the
 * findings.
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "analysis.h"
#include "cmd.h"
#include "opts.h"

static void help(void)
{
    printf("usage: sigtrail analyze [OPTIONS] CASE.db\n\n"
           "Runs every rule over the case's events in time order and stores"
           " the\nfindings (re-running replaces the findings of the same "
           "rule versions).\nRead them with `sigtrail explain CASE.db`.\n\n"
           "Options:\n"
           "  --rules DIR|FILE  add rules (repeatable); shipped rules come "
           "from\n"
           "                    $SIGTRAIL_RULES or the rules/ folder beside "
           "sigtrail\n"
           "  --no-default-rules  only the rules given with --rules\n"
           "  --rule ID         run only this rule\n"
           "  -q, --quiet       no progress line, no summary\n"
           "  -h, --help        this help\n\n"
           "Exit status: 0 findings made; 1 no finding; 2 error (bad rules "
           "are\nreported and skipped, they do not stop the others).\n");
}

int cmd_analyze(int argc, char **argv)
{
    static const struct option lo[] = {
        {"rules", required_argument, NULL, 'r'},
        {"no-default-rules", no_argument, NULL, 'N'},
        {"rule", required_argument, NULL, 'R'},
        {"quiet", no_argument, NULL, 'q'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0}};
    const char *extra[32];
    int nextra = 0, quiet = 0, nodef = 0, c;
    const char *only = NULL;
    st_opts_reset();
    while ((c = getopt_long(argc, argv, "qh", lo, NULL)) != -1) {
        switch (c) {
        case 'r':
            if (nextra < 32)
                extra[nextra++] = optarg;
            break;
        case 'N': nodef = 1; break;
        case 'R': only = optarg; break;
        case 'q': quiet = 1; break;
        case 'h': help(); return ST_EXIT_OK;
        default: return st_usage_error("analyze", "bad option");
        }
    }
    if (argc - optind != 1)
        return st_usage_error("analyze", "needs one case file");
    st_store *st;
    char err[512];
    if (st_store_open(&st, argv[optind], ST_STORE_WRITE, err,
                      sizeof err) < 0) {
        st_error("analyze", "%s", err);
        return ST_EXIT_ERROR;
    }
    st_analysis a;
    st_analysis_load(&a, extra, nextra, nodef);
    if (only) {
        int found = 0;
        for (int i = 0; i < a.rules.nrules; i++)
            found |= !strcmp(a.rules.rules[i]->id, only);
        if (!found) {
            st_error("analyze", "no rule '%s' is loaded", only);
            st_analysis_free(&a);
            st_store_close(st);
            return ST_EXIT_ERROR;
        }
    }
    if (st_store_ensure_indexes(st) < 0)
        st_error("analyze", "%s", st_store_errmsg(st));
    int64_t run = st_store_run_begin(st, "analyze");
    int64_t n = 0;
    st_engine_stats stats;
    int rc = st_analysis_run(&a, st, only, run, quiet, &n, &stats);
    st_store_run_end(st, run, rc ? "failed" : NULL);
    if (rc < 0) {
        st_error("analyze", "%s", st_store_errmsg(st));
    } else if (!quiet) {
        printf("%lld findings from %d rules over %lld events", (long long)n,
               only ? 1 : a.rules.nrules, (long long)stats.events);
        if (a.diagnostics)
            printf(" (%d rule problems reported above)", a.diagnostics);
        printf("\n");
    }
    st_analysis_free(&a);
    st_store_close(st);
    return rc < 0 ? ST_EXIT_ERROR : n ? ST_EXIT_OK : ST_EXIT_NONE;
}
