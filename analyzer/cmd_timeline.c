/*
 * cmd_timeline.c -- `sigtrail timeline CASE.db`: the case's events in time
 * order, filtered, as log show text, CSV, Timesketch JSON lines or JSON.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "opts.h"
#include "timeline.h"

/* Usage, on standard output. */
static void help(void)
{
    printf("usage: sigtrail timeline [OPTIONS] CASE.db\n\n"
           "Prints the case's events in time order (log records, database "
           "rows,\ncrash reports alike), untimed events last.  Filters "
           "combine with AND.\n\n"
           "Filters:\n"
           "  --from TIME         events at or after TIME (ISO 8601; zone "
           "optional,\n"
           "                      UTC otherwise: 2026-11-20T09:58:00-08:00)\n"
           "  --to TIME           events at or before TIME\n"
           "  --around TIME       events within --window of TIME\n"
           "  --window DUR        30s, 500ms, 5m, 2h (default 30s for "
           "--around,\n"
           "                      5s for --finding)\n"
           "  --predicate P       a `log show --predicate` expression, e.g.\n"
           "                      'process == \"amfid\" AND eventMessage "
           "CONTAINS \"-67030\"'\n"
           "  --process NAME|PID  this process (exact name) or pid\n"
           "  --subsystem S       this subsystem (exact)\n"
           "  --source ID|TEXT    events of source ID, or of sources whose "
           "path\n"
           "                      contains TEXT (see `sigtrail sources`)\n"
           "  --types LIST        comma list of types or event types: "
           "Default,Error,\n"
           "                      Quarantine,DetachedSignature,Crash,"
           "quarantineEvent\n"
           "  --finding N         finding N's evidence and the events within"
           " --window\n"
           "                      around it, evidence lines marked\n\n"
           "Output:\n"
           "  --format F          text (log show's default layout), csv "
           "(RFC 4180),\n"
           "                      jsonl (Timesketch), json (one array); "
           "default text\n"
           "  -o, --output FILE   write there instead of standard output\n"
           "  --limit N           stop after N events\n"
           "  -q, --quiet         no notes on standard error\n"
           "  -h, --help          this help\n\n"
           "Columns, the timestamp_desc of each kind of event and Timesketch"
           " import\nsteps: docs/timeline.md.\n\n"
           "Exit status: 0 events written; 1 no event matched; 2 error.\n");
}

typedef struct run {
    tl_writer w;
    int64_t limit;
} run;

/* Writes one event; stops at --limit. */
static int on_event(void *ctx, const tl_event *e)
{
    run *r = ctx;
    tl_write_event(&r->w, e);
    return r->limit > 0 && r->w.n >= r->limit;
}

/* Parses the options, opens the case, scans and writes. */
int cmd_timeline(int argc, char **argv)
{
    enum { O_FROM = 256, O_TO, O_AROUND, O_WINDOW, O_PRED, O_PROC, O_SUBSYS,
           O_SOURCE, O_TYPES, O_FINDING, O_FORMAT, O_LIMIT };
    static const struct option lo[] = {
        {"from", required_argument, NULL, O_FROM},
        {"to", required_argument, NULL, O_TO},
        {"around", required_argument, NULL, O_AROUND},
        {"window", required_argument, NULL, O_WINDOW},
        {"predicate", required_argument, NULL, O_PRED},
        {"process", required_argument, NULL, O_PROC},
        {"subsystem", required_argument, NULL, O_SUBSYS},
        {"source", required_argument, NULL, O_SOURCE},
        {"types", required_argument, NULL, O_TYPES},
        {"finding", required_argument, NULL, O_FINDING},
        {"format", required_argument, NULL, O_FORMAT},
        {"limit", required_argument, NULL, O_LIMIT},
        {"output", required_argument, NULL, 'o'},
        {"quiet", no_argument, NULL, 'q'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0}};
    tl_filter f;
    memset(&f, 0, sizeof f);
    const char *pred_text = NULL, *out_path = NULL;
    int fmt = TL_TEXT, quiet = 0, c, has_around = 0, has_window = 0;
    int64_t around = 0, window = 0, limit = 0;
    st_opts_reset();
    while ((c = getopt_long(argc, argv, "ho:q", lo, NULL)) != -1) {
        switch (c) {
        case O_FROM:
            if (tl_parse_time(optarg, &f.from_us) < 0)
                return st_usage_error("timeline", "--from: '%s' is not an "
                                      "ISO 8601 time", optarg);
            f.has_from = 1;
            break;
        case O_TO:
            if (tl_parse_time(optarg, &f.to_us) < 0)
                return st_usage_error("timeline", "--to: '%s' is not an ISO "
                                      "8601 time", optarg);
            f.has_to = 1;
            break;
        case O_AROUND:
            if (tl_parse_time(optarg, &around) < 0)
                return st_usage_error("timeline", "--around: '%s' is not an "
                                      "ISO 8601 time", optarg);
            has_around = 1;
            break;
        case O_WINDOW:
            if (tl_parse_duration(optarg, &window) < 0)
                return st_usage_error("timeline", "--window: '%s' is not a "
                                      "duration (30s, 500ms, 5m)", optarg);
            has_window = 1;
            break;
        case O_PRED: pred_text = optarg; break;
        case O_PROC: f.process = optarg; break;
        case O_SUBSYS: f.subsystem = optarg; break;
        case O_SOURCE: f.source = optarg; break;
        case O_TYPES: f.types = optarg; break;
        case O_FINDING: {
            char *end;
            f.finding = strtoll(optarg, &end, 10);
            if (*end || f.finding <= 0)
                return st_usage_error("timeline", "--finding takes a finding"
                                      " number");
            break;
        }
        case O_FORMAT:
            if ((fmt = tl_format_parse(optarg)) < 0)
                return st_usage_error("timeline", "--format is text, csv, "
                                      "jsonl or json");
            break;
        case O_LIMIT: limit = atoll(optarg); break;
        case 'o': out_path = optarg; break;
        case 'q': quiet = 1; break;
        case 'h': help(); return ST_EXIT_OK;
        default: return st_usage_error("timeline", "bad option");
        }
    }
    if (argc - optind != 1)
        return st_usage_error("timeline", "needs one case file");
    if (has_around) {
        int64_t w = has_window ? window : 30000000LL;
        if (!f.has_from || around - w > f.from_us)
            f.from_us = around - w;
        if (!f.has_to || around + w < f.to_us)
            f.to_us = around + w;
        f.has_from = f.has_to = 1;
    }
    f.window_us = has_window ? window : 5000000LL;
    st_pred *pred = NULL;
    if (pred_text) {
        st_pred_error pe;
        if (!(pred = st_pred_compile(pred_text, &pe)))
            return st_usage_error("timeline", "--predicate: %s", pe.msg);
        f.pred = pred;
    }
    char err[512];
    int built = 0;
    tl_case *cs = tl_case_open(argv[optind], 1, &built, err, sizeof err);
    if (!cs) {
        st_error("timeline", "%s", err);
        st_pred_free(pred);
        return ST_EXIT_ERROR;
    }
    if (built && !quiet)
        fprintf(stderr, "sigtrail timeline: built the case's time index "
                "(once)\n");
    FILE *out = stdout;
    if (out_path && !(out = fopen(out_path, "w"))) {
        st_error("timeline", "%s: %s", out_path, strerror(errno));
        tl_case_close(cs);
        st_pred_free(pred);
        return ST_EXIT_ERROR;
    }
    st_out o;
    st_out_init(&o, out);
    run r;
    memset(&r, 0, sizeof r);
    r.w.fmt = (tl_format)fmt;
    r.w.o = &o;
    r.w.marks = f.finding > 0;
    r.limit = limit;
    tl_write_begin(&r.w);
    /* events are formatted where they are read (in parallel when there
     * are reader threads) and written here in order */
    int64_t n = tl_scan_rendered(cs, &f, tl_render_event, &r.w, on_event, &r,
                                 err, sizeof err);
    tl_write_end(&r.w);
    int wrc = st_out_close(&o);
    if (out != stdout && fclose(out) != 0)
        wrc = -1;
    tl_case_close(cs);
    st_pred_free(pred);
    if (n < 0) {
        st_error("timeline", "%s", err);
        return ST_EXIT_ERROR;
    }
    if (wrc < 0) {
        st_error("timeline", "writing %s failed: %s",
                 out_path ? out_path : "standard output", strerror(errno));
        return ST_EXIT_ERROR;
    }
    return n ? ST_EXIT_OK : ST_EXIT_NONE;
}
