/*
 * ingest.c -- the path from bytes to stored events.  See ingest.h.
 */
#include "ingest.h"

#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "evqueue.h"
#include "progress.h"

volatile sig_atomic_t st_ingest_interrupted;

static void on_interrupt(int sig)
{
    (void)sig;
    st_ingest_interrupted = 1;
}

static const int interrupt_signals[] = {SIGINT, SIGTERM, SIGHUP};
static struct sigaction saved_actions[3];
static int catching;

void st_ingest_catch_interrupts(int on)
{
    if (on == catching)
        return;
    for (int i = 0; i < 3; i++) {
        if (!on) {
            sigaction(interrupt_signals[i], &saved_actions[i], NULL);
            continue;
        }
        sigaction(interrupt_signals[i], NULL, &saved_actions[i]);
        if (saved_actions[i].sa_handler == SIG_IGN &&
            interrupt_signals[i] != SIGTERM)
            continue;              /* a background job's SIGINT, nohup */
        struct sigaction a;
        memset(&a, 0, sizeof a);
        sigemptyset(&a.sa_mask);
        a.sa_handler = on_interrupt;
        a.sa_flags = SA_RESETHAND | SA_RESTART;
        sigaction(interrupt_signals[i], &a, NULL);
    }
    catching = on;
}

/* The sink hands everything to the store's writer thread (evqueue.h). */
typedef struct sink_ctx {
    st_evq *q;
    st_input *in;
    st_progress progress;
} sink_ctx;

static int sink_event(void *c, const st_event *ev)
{
    sink_ctx *s = c;
    if (st_ingest_interrupted)
        return 1;                      /* ST_READ_STOPPED: rolled back */
    st_progress_tick(&s->progress, st_input_raw_consumed(s->in),
                     st_evq_pushed(s->q));
    return st_evq_event(s->q, ev);
}

static void sink_warn(void *c, int64_t line, const char *msg)
{
    st_evq_warn(((sink_ctx *)c)->q, line, msg);
}

static void sink_note(void *c, const char *key, const char *value)
{
    st_evq_note(((sink_ctx *)c)->q, key, value);
}

static int sink_record(void *c, const st_record *rec)
{
    return st_evq_record(((sink_ctx *)c)->q, rec);
}

static void sink_companion(void *c, const char *path, const char *sha256,
                           int64_t size)
{
    st_evq_companion(((sink_ctx *)c)->q, path, sha256, size);
}

/* True when the bytes look like binary data rather than text. */
static int looks_binary(const uint8_t *p, size_t n)
{
    size_t ctl = 0;
    for (size_t i = 0; i < n; i++)
        if (p[i] == 0 || (p[i] < 0x20 && p[i] != '\n' && p[i] != '\r' &&
                          p[i] != '\t'))
            ctl++;
    return n && ctl * 20 > n;
}

void st_ingest_input(st_store *st, st_input *in, const char *path,
                     const char *member, int64_t parent_id,
                     const st_ingest_opts *opts, st_ingest_result *res)
{
    memset(res, 0, sizeof *res);
    const char *label = member ? member : path;
    size_t hn;
    const uint8_t *head = st_input_peek(in, &hn);
    int at_eof = hn < ST_PEEK_MAX;
    const st_parser *parser = NULL;
    int conf = 0;
    if (hn == 0) {
        res->status = ST_REJECTED;
        snprintf(res->message, sizeof res->message, "%s: %s", label,
                 st_input_error(in) ? st_input_error(in) : "empty input");
        return;
    }
    if (opts->format) {
        parser = st_parser_by_name(opts->format);
        if (!parser) {
            res->status = ST_REJECTED;
            snprintf(res->message, sizeof res->message,
                     "%s: unknown format '%s' (see sigtrail formats)", label,
                     opts->format);
            return;
        }
    } else {
        parser = st_parser_detect(head, hn, at_eof, &conf);
    }
    if (!parser) {
        res->status = ST_REJECTED;
        snprintf(res->message, sizeof res->message,
                 looks_binary(head, hn)
                     ? "%s: binary data in no format sigtrail reads"
                     : "%s: text in no format sigtrail recognises (first "
                       "line does not look like a log export)",
                 label);
        return;
    }
    res->format = parser->name;

    st_source_info info = {path, member, parent_id, opts->run_id};
    int64_t source_id;
    if (st_store_source_begin(st, &info, &source_id) < 0) {
        res->status = ST_REJECTED;
        snprintf(res->message, sizeof res->message, "%s: %s", label,
                 st_store_errmsg(st));
        return;
    }
    sink_ctx sc;
    memset(&sc, 0, sizeof sc);
    sc.in = in;
    sc.q = st_evq_start(st, source_id, opts->run_id);
    if (!sc.q) {
        st_store_source_rollback(st);
        res->status = ST_REJECTED;
        snprintf(res->message, sizeof res->message, "%s: out of memory",
                 label);
        return;
    }
    st_progress_init(&sc.progress, label, st_input_raw_size(in), opts->quiet);
    st_sink sink = {&sc, sink_event, sink_warn, sink_note, sink_record,
                    sink_companion};
    char err[256] = "", store_err[256] = "";
    int rc = parser->read(in, &opts->parse, &sink, err, sizeof err);
    if (rc == ST_READ_OK && st_evq_pushed(sc.q) == 0)
        /* A header and nothing else is a valid empty export; keep it so
         * the analyst sees it was looked at. */
        st_evq_warn(sc.q, 0, "no records in this input");
    st_evq_counts counts;
    int store_failed = st_evq_finish(sc.q, &counts, store_err,
                                     sizeof store_err) < 0;
    st_progress_done(&sc.progress);
    if (st_ingest_interrupted) {       /* not hashed to its end: unused */
        res->status = ST_REJECTED;
        snprintf(res->message, sizeof res->message, "%s: interrupted; "
                 "nothing of it was stored", label);
        st_store_source_rollback(st);
        return;
    }
    if (rc != ST_READ_INPUT_ERROR)
        st_input_finish(in);
    st_input_sha256_hex(in, res->sha256);
    res->size = st_input_raw_consumed(in);
    res->records = counts.records;
    res->warnings = counts.warnings;
    res->unparsed = counts.unparsed;
    res->source_id = source_id;

    if (store_failed || rc == ST_READ_REJECTED) {
        res->status = ST_REJECTED;
        snprintf(res->message, sizeof res->message, "%s: %s", label,
                 store_failed ? store_err : err);
        st_store_source_rollback(st);
        res->source_id = 0;
        return;
    }
    int64_t dup = opts->force ? 0
                              : st_store_source_by_sha(st, res->sha256,
                                                       source_id);
    if (dup) {
        st_store_source_rollback(st);
        res->status = ST_SKIPPED_DUPLICATE;
        res->source_id = dup;
        snprintf(res->message, sizeof res->message,
                 "%s: skipped, same SHA-256 as source %lld already in the "
                 "case (use --force to ingest again)", label, (long long)dup);
        return;
    }
    st_source_result sr = {
        res->sha256, res->size, parser->name, parser->version,
        rc == ST_READ_INPUT_ERROR ? "partial" : "ingested",
        rc == ST_READ_INPUT_ERROR ? err : NULL,
        counts.records, counts.warnings, counts.unparsed};
    if (st_store_source_commit(st, source_id, &sr) < 0) {
        res->status = ST_REJECTED;
        res->source_id = 0;
        snprintf(res->message, sizeof res->message, "%s: %s", label,
                 st_store_errmsg(st));
        return;
    }
    if (rc == ST_READ_INPUT_ERROR) {
        res->status = ST_INGESTED_PARTIAL;
        snprintf(res->message, sizeof res->message,
                 "%s: %s; the %lld records read before it were kept", label,
                 err, (long long)counts.records);
    } else {
        res->status = ST_INGESTED;
    }
}

void st_ingest_path(st_store *st, const char *path,
                    const st_ingest_opts *opts, st_ingest_result *res)
{
    st_input *in;
    char err[400];
    if (st_input_open_path(&in, path, err, sizeof err) < 0) {
        memset(res, 0, sizeof *res);
        res->status = ST_REJECTED;
        snprintf(res->message, sizeof res->message, "%s", err);
        return;
    }
    st_ingest_input(st, in, path, NULL, 0, opts, res);
    st_input_close(in);
}
