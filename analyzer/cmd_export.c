/*
 * cmd_export.c -- `sigtrail export CASE.db --style S`: the case's events in
 * the layout `log show --style S` writes, so other tools (and sigtrail
 * itself) read them back as if they came from the Mac.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "logshow_out.h"
#include "opts.h"
#include "timeline.h"

/* Usage, on standard output. */
static void help(void)
{
    printf("usage: sigtrail export [OPTIONS] CASE.db\n\n"
           "Writes the case's events in time order as `log show` would:\n"
           "  default  header, one line per record, trailer with counts\n"
           "  compact  `log show --style compact` (local time in ms, no "
           "offset:\n"
           "           re-ingest with --tz)\n"
           "  syslog   `log show --style syslog`, header and trailer\n"
           "  ndjson   one object per line with log's keys, then "
           "{\"count\":N,\"finished\":1}\n"
           "  json     one pretty-printed array\n"
           "Re-ingesting a default or ndjson export gives the same events "
           "(the\nfields that style carries; docs/timeline.md).\n\n"
           "Options:\n"
           "  --style S            default, compact, syslog, ndjson, json "
           "(default:\n"
           "                       default)\n"
           "  --predicate P        only events matching a `log show "
           "--predicate`\n"
           "  --from TIME, --to TIME  time range (ISO 8601, UTC unless a "
           "zone is given)\n"
           "  --process, --subsystem, --source, --types  as for `sigtrail "
           "timeline`\n"
           "  --include-unparsed   also write lines no parser understood, "
           "as they were\n"
           "                       (left out by default: log never writes "
           "them)\n"
           "  -o, --output FILE    write there instead of standard output\n"
           "  -q, --quiet          no notes on standard error\n"
           "  -h, --help           this help\n\n"
           "Exit status: 0 events written; 1 none matched (the header and "
           "trailer\nare still written); 2 error.\n");
}

typedef struct run {
    st_out *o;
    st_ls_style style;
    st_ls_counts counts;
    int include_unparsed;
    int64_t skipped;
} run;

static void render(void *ctx, const tl_event *e, st_out *o, st_out *scratch);

/* 1 for lines no parser understood. */
static int is_unparsed(const tl_event *e)
{
    const st_str t = e->ev.type;
    return t.p && t.n == 8 && memcmp(t.p, "Unparsed", 8) == 0;
}

/* Renders one event where it is read (tl_render_fn; ctx is the run, only
 * read): the record in the style, an Unparsed line as it was or not at
 * all. */
static void render(void *ctx, const tl_event *e, st_out *o, st_out *scratch)
{
    const run *r = ctx;
    (void)scratch;
    if (is_unparsed(e)) {
        if (!r->include_unparsed)
            return;
        if (r->style <= ST_LS_SYSLOG) {
            st_out_view(o, e->ev.message);   /* the raw line is the record */
            st_out_c(o, '\n');
            return;
        }
    }
    st_ls_record(o, r->style, &e->ev);
}

/* Writes the event's bytes in order (rendered by a reader thread, or
 * here) and counts them for the trailer; the first json element loses
 * its leading comma. */
static int on_event(void *ctx, const tl_event *e)
{
    run *r = ctx;
    if (is_unparsed(e) && !r->include_unparsed) {
        r->skipped++;
        return 0;
    }
    int first_json = r->style == ST_LS_JSON && !r->counts.records;
    if (e->rendered.p) {
        size_t skip = first_json && e->rendered.n ? 1 : 0;
        st_out_add(r->o, e->rendered.p + skip, e->rendered.n - skip);
    } else {
        size_t at = r->o->n;
        render(r, e, r->o, NULL);
        if (first_json && r->o->n > at) {
            memmove(r->o->p + at, r->o->p + at + 1, r->o->n - at - 1);
            r->o->n--;
        }
    }
    if (is_unparsed(e) && r->style <= ST_LS_SYSLOG)
        r->counts.records++;
    else
        st_ls_count(&r->counts, &e->ev);
    st_out_maybe_flush(r->o);
    return 0;
}

/* Parses the options, opens the case and writes header, events and
 * trailer. */
int cmd_export(int argc, char **argv)
{
    enum { O_STYLE = 256, O_PRED, O_FROM, O_TO, O_PROC, O_SUBSYS, O_SOURCE,
           O_TYPES, O_UNPARSED };
    static const struct option lo[] = {
        {"style", required_argument, NULL, O_STYLE},
        {"predicate", required_argument, NULL, O_PRED},
        {"from", required_argument, NULL, O_FROM},
        {"to", required_argument, NULL, O_TO},
        {"process", required_argument, NULL, O_PROC},
        {"subsystem", required_argument, NULL, O_SUBSYS},
        {"source", required_argument, NULL, O_SOURCE},
        {"types", required_argument, NULL, O_TYPES},
        {"include-unparsed", no_argument, NULL, O_UNPARSED},
        {"output", required_argument, NULL, 'o'},
        {"quiet", no_argument, NULL, 'q'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0}};
    tl_filter f;
    memset(&f, 0, sizeof f);
    const char *pred_text = NULL, *out_path = NULL;
    int style = ST_LS_DEFAULT, quiet = 0, unparsed = 0, c;
    st_opts_reset();
    while ((c = getopt_long(argc, argv, "ho:q", lo, NULL)) != -1) {
        switch (c) {
        case O_STYLE:
            if ((style = st_ls_style_parse(optarg)) < 0)
                return st_usage_error("export", "--style is default, compact,"
                                      " syslog, ndjson or json");
            break;
        case O_PRED: pred_text = optarg; break;
        case O_FROM:
            if (tl_parse_time(optarg, &f.from_us) < 0)
                return st_usage_error("export", "--from: '%s' is not an ISO "
                                      "8601 time", optarg);
            f.has_from = 1;
            break;
        case O_TO:
            if (tl_parse_time(optarg, &f.to_us) < 0)
                return st_usage_error("export", "--to: '%s' is not an ISO "
                                      "8601 time", optarg);
            f.has_to = 1;
            break;
        case O_PROC: f.process = optarg; break;
        case O_SUBSYS: f.subsystem = optarg; break;
        case O_SOURCE: f.source = optarg; break;
        case O_TYPES: f.types = optarg; break;
        case O_UNPARSED: unparsed = 1; break;
        case 'o': out_path = optarg; break;
        case 'q': quiet = 1; break;
        case 'h': help(); return ST_EXIT_OK;
        default: return st_usage_error("export", "bad option");
        }
    }
    if (argc - optind != 1)
        return st_usage_error("export", "needs one case file");
    st_pred *pred = NULL;
    if (pred_text) {
        st_pred_error pe;
        if (!(pred = st_pred_compile(pred_text, &pe)))
            return st_usage_error("export", "--predicate: %s", pe.msg);
        f.pred = pred;
    }
    char err[512];
    int built = 0;
    tl_case *cs = tl_case_open(argv[optind], 1, &built, err, sizeof err);
    if (!cs) {
        st_error("export", "%s", err);
        st_pred_free(pred);
        return ST_EXIT_ERROR;
    }
    if (built && !quiet)
        fprintf(stderr, "sigtrail export: built the case's time index "
                "(once)\n");
    FILE *out = stdout;
    if (out_path && !(out = fopen(out_path, "w"))) {
        st_error("export", "%s: %s", out_path, strerror(errno));
        tl_case_close(cs);
        st_pred_free(pred);
        return ST_EXIT_ERROR;
    }
    st_out o;
    st_out_init(&o, out);
    run r;
    memset(&r, 0, sizeof r);
    r.o = &o;
    r.style = (st_ls_style)style;
    r.include_unparsed = unparsed;
    if (pred_text && r.style <= ST_LS_SYSLOG) {
        /* as log show announces a filtered export */
        st_out_lit(&o, "Filtering the log data using \"");
        st_out_str(&o, pred_text);
        st_out_lit(&o, "\"\n");
    }
    st_ls_begin(&o, r.style);
    int64_t n = tl_scan_rendered(cs, &f, render, &r, on_event, &r, err,
                                 sizeof err);
    st_ls_end(&o, r.style, &r.counts);
    int wrc = st_out_close(&o);
    if (out != stdout && fclose(out) != 0)
        wrc = -1;
    tl_case_close(cs);
    st_pred_free(pred);
    if (n < 0) {
        st_error("export", "%s", err);
        return ST_EXIT_ERROR;
    }
    if (wrc < 0) {
        st_error("export", "writing %s failed: %s",
                 out_path ? out_path : "standard output", strerror(errno));
        return ST_EXIT_ERROR;
    }
    if (r.skipped && !quiet)
        fprintf(stderr, "sigtrail export: %lld Unparsed line%s left out "
                "(--include-unparsed writes them as they were)\n",
                (long long)r.skipped, r.skipped == 1 ? "" : "s");
    return r.counts.records ? ST_EXIT_OK : ST_EXIT_NONE;
}
