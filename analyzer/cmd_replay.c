/*
 * cmd_replay.c -- `sigtrail replay CASE.db | INPUT...`: a case's log lines
 * scrolling at their original pace in the `log stream` layout, with rule
 * alerts when their evidence is complete.  The work is in replay.c.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "analysis.h"
#include "cmd.h"
#include "opts.h"
#include "predicate.h"
#include "replay.h"

/* Prints the usage text on stdout. */
static void help(void)
{
    printf("usage: sigtrail replay [OPTIONS] CASE.db\n"
           "       sigtrail replay [OPTIONS] INPUT...\n\n"
           "Prints a case's log events in time order in the `log stream` "
           "layout, paced\nby their original timestamps, and raises the "
           "rules' alerts at the moment\ntheir evidence is complete (the "
           "same engine as `analyze`).  Inputs are\nread into a private "
           "in-memory case first; a case file is replayed alone.\n\n"
           "Pace:\n"
           "  --speed N         N times faster (10; 0.5 is half speed); "
           "max: no waits\n"
           "  --max-gap DUR     no wait longer than DUR of wall time (5s, "
           "500ms, 2m)\n"
           "  --step            Enter shows the next event\n"
           "  --rebase now|TIME shift times so the first event is at now or "
           "TIME\n"
           "What is shown:\n"
           "  --from TIME, --to TIME  ISO 8601, UTC unless a zone is given\n"
           "  --predicate P     only events matching P (`log` syntax); the "
           "rules still\n"
           "                    see every event\n"
           "  --alerts-only     only the alerts\n"
           "  --no-alerts       no alerts (a blind exercise)\n"
           "  -n, --line-numbers  prefix each event with [file:line]\n"
           "  --all-events      also the events of databases (quarantine "
           "rows ...)\n"
           "  --color auto|always|never   alerts in bold red (auto: on a "
           "terminal)\n"
           "  --relative-to DIR cite evidence files relative to DIR\n"
           "Rules and inputs:\n"
           "  --rules DIR|FILE  add rules (repeatable); --no-default-rules\n"
           "  --tz ZONE         zone of inputs whose times carry no offset\n"
           "  -q, --quiet       no hints or summary on stderr\n"
           "  -h, --help        this help\n\n"
           "Keys on a terminal: space pauses and resumes, q quits, Ctrl-C "
           "quits;\nwith --step, Enter (a newline on a pipe) shows the next "
           "event.\n\n"
           "Exit status: 0 replayed (or stopped by the user); 1 nothing to "
           "replay;\n2 error.\n");
}

/* Colour when asked, or on a terminal that is not "dumb" without
 * NO_COLOR (https://no-color.org). */
static int want_color(const char *mode)
{
    if (!strcmp(mode, "always"))
        return 1;
    if (!strcmp(mode, "never"))
        return 0;
    const char *term = getenv("TERM");
    return isatty(STDOUT_FILENO) && !getenv("NO_COLOR") &&
           !(term && !strcmp(term, "dumb"));
}

/* Parses the options, loads the rules (not for --no-alerts), opens or
 * ingests what is replayed, runs the replay and prints the summary with
 * the measured lateness on stderr. */
int cmd_replay(int argc, char **argv)
{
    static const struct option lo[] = {
        {"speed", required_argument, NULL, 's'},
        {"max-gap", required_argument, NULL, 'g'},
        {"from", required_argument, NULL, 'F'},
        {"to", required_argument, NULL, 'T'},
        {"predicate", required_argument, NULL, 'p'},
        {"step", no_argument, NULL, 'S'},
        {"alerts-only", no_argument, NULL, 'A'},
        {"no-alerts", no_argument, NULL, 'X'},
        {"rebase", required_argument, NULL, 'b'},
        {"line-numbers", no_argument, NULL, 'n'},
        {"all-events", no_argument, NULL, 'E'},
        {"color", required_argument, NULL, 'c'},
        {"colour", required_argument, NULL, 'c'},
        {"relative-to", required_argument, NULL, 'R'},
        {"rules", required_argument, NULL, 'r'},
        {"no-default-rules", no_argument, NULL, 'N'},
        {"tz", required_argument, NULL, 'z'},
        {"quiet", no_argument, NULL, 'q'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0}};
    st_replay_opts o;
    memset(&o, 0, sizeof o);
    o.speed = 1;
    o.max_gap_ns = -1;
    const char *pred_text = NULL, *color = "auto", *tz = NULL;
    const char *extra[32];
    int nextra = 0, nodef = 0, only = 0, none = 0, c;
    st_opts_reset();
    while ((c = getopt_long(argc, argv, "nqh", lo, NULL)) != -1) {
        switch (c) {
        case 's':
            if (!strcmp(optarg, "max")) {
                o.speed = 0;
            } else {
                char *end;
                o.speed = strtod(optarg, &end);
                if (end == optarg || *end || !(o.speed > 0) || o.speed > 1e9)
                    return st_usage_error("replay", "--speed wants a number "
                                          "above 0 (or max): '%s'", optarg);
            }
            break;
        case 'g':
            if (st_replay_parse_duration(optarg, &o.max_gap_ns) < 0)
                return st_usage_error("replay", "--max-gap wants a duration "
                                      "such as 5s or 500ms: '%s'", optarg);
            break;
        case 'F':
        case 'T': {
            int64_t t;
            if (st_replay_parse_time(optarg, &t) < 0)
                return st_usage_error("replay", "--%s wants an ISO 8601 time "
                                      "such as 2026-11-20T09:00:00-08:00: "
                                      "'%s'", c == 'F' ? "from" : "to",
                                      optarg);
            if (c == 'F') {
                o.has_from = 1;
                o.from_us = t;
            } else {
                o.has_to = 1;
                o.to_us = t;
            }
            break;
        }
        case 'p': pred_text = optarg; break;
        case 'S': o.step = 1; break;
        case 'A': only = 1; break;
        case 'X': none = 1; break;
        case 'b':
            if (!strcmp(optarg, "now")) {
                o.rebase = 2;
            } else if (st_replay_parse_time(optarg, &o.rebase_us) == 0) {
                o.rebase = 1;
            } else {
                return st_usage_error("replay", "--rebase wants now or an "
                                      "ISO 8601 time: '%s'", optarg);
            }
            break;
        case 'n': o.line_numbers = 1; break;
        case 'E': o.all_events = 1; break;
        case 'c':
            if (strcmp(optarg, "auto") && strcmp(optarg, "always") &&
                strcmp(optarg, "never"))
                return st_usage_error("replay", "--color is auto, always or "
                                      "never");
            color = optarg;
            break;
        case 'R': o.relative_to = optarg; break;
        case 'r':
            if (nextra == (int)(sizeof extra / sizeof *extra))
                return st_usage_error("replay", "too many --rules");
            extra[nextra++] = optarg;
            break;
        case 'N': nodef = 1; break;
        case 'z': tz = optarg; break;
        case 'q': o.quiet = 1; break;
        case 'h': help(); return ST_EXIT_OK;
        default: return st_usage_error("replay", "bad option");
        }
    }
    int ninputs = argc - optind;
    if (ninputs < 1)
        return st_usage_error("replay", "needs a case file or input files");
    if (only && none)
        return st_usage_error("replay", "--alerts-only and --no-alerts "
                              "exclude each other");
    if (only && o.step)
        return st_usage_error("replay", "--step shows events: not with "
                              "--alerts-only");
    if (o.has_from && o.has_to && o.to_us < o.from_us)
        return st_usage_error("replay", "--to is before --from");
    o.alerts = only ? ST_RP_ALERTS_ONLY : none ? ST_RP_NO_ALERTS
                                               : ST_RP_ALERTS;
    for (int i = optind; i < argc; i++)
        if (o.step && !strcmp(argv[i], "-"))
            return st_usage_error("replay", "--step reads Enter from standard"
                                  " input: it cannot also be an input");
    /* keys: a terminal we are in the foreground of (raw mode from the
     * background would stop us with SIGTTOU), or a pipe to drive --step */
    o.keys = o.step || (isatty(STDIN_FILENO) &&
                        tcgetpgrp(STDIN_FILENO) == getpgrp());
    for (int i = optind; i < argc; i++)
        if (!strcmp(argv[i], "-"))
            o.keys = 0;
    o.color = want_color(color);

    st_pred *pred = NULL;
    char canon[4096];
    if (pred_text) {
        st_pred_error pe;
        pred = st_pred_compile(pred_text, &pe);
        if (!pred)
            return st_usage_error("replay", "--predicate %s", pe.msg);
        st_pred_render(pred, canon, sizeof canon);
        o.pred = pred;
        o.pred_text = canon;
    }
    st_analysis a;
    int have_rules = 0;
    if (o.alerts != ST_RP_NO_ALERTS) {
        st_analysis_load(&a, extra, nextra, nodef);
        have_rules = 1;
        if (a.rules.nrules == 0) {
            st_error("replay", "no rules loaded: alerts need rules "
                     "(--no-alerts replays without them)");
            st_analysis_free(&a);
            st_pred_free(pred);
            return ST_EXIT_ERROR;
        }
    }
    char err[1024];
    st_store *st;
    if (st_replay_open((const char *const *)argv + optind, ninputs, tz,
                       o.quiet, &st, err, sizeof err) < 0) {
        st_error("replay", "%s", err);
        if (have_rules)
            st_analysis_free(&a);
        st_pred_free(pred);
        return ST_EXIT_ERROR;
    }
    st_replay_stats s;
    int rc = st_replay_run(st, have_rules ? &a : NULL, &o, stdout, &s, err,
                           sizeof err);
    fflush(stdout);
    if (rc < 0) {
        st_error("replay", "%s", err);
    } else if (!o.quiet) {
        fprintf(stderr, "replay: %s%lld events shown, %lld alerts in %.2f s",
                s.quit ? "stopped: " : "", (long long)s.shown,
                (long long)s.alerts, (double)s.wall_ns / 1e9);
        if (s.paced)
            fprintf(stderr, " (schedule %.2f s; late by %.2f ms at most, "
                    "%.3f ms on average)", (double)s.plan_ns / 1e9,
                    (double)s.max_late_ns / 1e6,
                    (double)s.sum_late_ns / 1e6 / (double)s.paced);
        fprintf(stderr, "\n");
    }
    st_store_close(st);
    if (have_rules)
        st_analysis_free(&a);
    st_pred_free(pred);
    if (rc < 0)
        return ST_EXIT_ERROR;
    if (s.quit || s.write_failed)
        return ST_EXIT_OK;
    return s.shown || s.alerts ? ST_EXIT_OK : ST_EXIT_NONE;
}
