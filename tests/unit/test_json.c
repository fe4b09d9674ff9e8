/*
 * test_json.c -- the ndjson and json readers driven through in-memory
 * inputs: bids, fields, escapes, 64-bit values, bad records, chunk
 * boundaries, the threaded path and stopping early.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "parser.h"

extern const st_parser st_parser_logshow_ndjson, st_parser_logshow_json;
extern size_t st_logshow_json_thread_min;

/* ---- a sink that keeps copies of what it is given ----------------------- */

typedef struct kept {
    char *type, *message, *process, *sender, *subsystem, *time_text, *extra,
        *backtrace, *event_type, *signpost_name;
    int64_t line, byte_offset, time_us, pid;
    uint64_t thread, trace, activity;
    unsigned has;
} kept;

typedef struct coll {
    kept *ev;
    size_t n, cap;
    char warns[64][300];
    int nwarn;
    char notes[1024];
    size_t stop_after;                 /* 0: never ask to stop */
} coll;

/* Copies a view to a C string; NULL stays NULL. */
static char *dup_view(st_str v)
{
    if (!v.p)
        return NULL;
    char *s = malloc(v.n + 1);
    memcpy(s, v.p, v.n);
    s[v.n] = 0;
    return s;
}

/* Sink: keeps a copy of the event; asks to stop after stop_after. */
static int c_event(void *ctx, const st_event *e)
{
    coll *c = ctx;
    if (c->n == c->cap) {
        c->cap = c->cap ? c->cap * 2 : 64;
        c->ev = realloc(c->ev, c->cap * sizeof *c->ev);
    }
    kept *k = &c->ev[c->n++];
    k->type = dup_view(e->type);
    k->message = dup_view(e->message);
    k->process = dup_view(e->process);
    k->sender = dup_view(e->sender);
    k->subsystem = dup_view(e->subsystem);
    k->time_text = dup_view(e->time_text);
    k->extra = dup_view(e->extra_json);
    k->backtrace = dup_view(e->backtrace_json);
    k->event_type = dup_view(e->event_type);
    k->signpost_name = dup_view(e->signpost_name);
    k->line = e->line;
    k->byte_offset = e->byte_offset;
    k->time_us = e->time_us;
    k->pid = e->pid;
    k->thread = e->thread_id;
    k->trace = e->trace_id;
    k->activity = e->activity_id;
    k->has = e->has;
    return c->stop_after && c->n >= c->stop_after;
}

/* Sink: keeps the first 64 warnings as "line: message". */
static void c_warn(void *ctx, int64_t line, const char *msg)
{
    coll *c = ctx;
    if (c->nwarn < 64)
        snprintf(c->warns[c->nwarn], sizeof c->warns[0], "%lld: %s",
                 (long long)line, msg);
    c->nwarn++;
}

/* Sink: appends "key=value;" to notes. */
static void c_note(void *ctx, const char *key, const char *value)
{
    coll *c = ctx;
    size_t k = strlen(c->notes);
    snprintf(c->notes + k, sizeof c->notes - k, "%s=%s;", key, value);
}

/* Frees the copies and empties the collection. */
static void coll_free(coll *c)
{
    for (size_t i = 0; i < c->n; i++) {
        kept *k = &c->ev[i];
        free(k->type); free(k->message); free(k->process); free(k->sender);
        free(k->subsystem); free(k->time_text); free(k->extra);
        free(k->backtrace); free(k->event_type); free(k->signpost_name);
    }
    free(c->ev);
    memset(c, 0, sizeof *c);
}

/* True when some warning contains `needle`. */
static int warned(const coll *c, const char *needle)
{
    for (int i = 0; i < c->nwarn && i < 64; i++)
        if (strstr(c->warns[i], needle))
            return 1;
    return 0;
}

/* Runs parser p over data into c; returns the read status. */
static int run(const st_parser *p, const char *data, size_t n, coll *c,
               const st_parse_opts *opts)
{
    st_input *in;
    if (st_input_open_mem(&in, data, n, "mem") < 0)
        return -1;
    st_sink s = {c, c_event, c_warn, c_note, NULL, NULL};
    char err[256] = "";
    int rc = p->read(in, opts, &s, err, sizeof err);
    st_input_close(in);
    return rc;
}

/* The bid of p for the whole string s. */
static int bid(const st_parser *p, const char *s)
{
    return p->bid((const uint8_t *)s, strlen(s), 1);
}

/* A growable string for generated inputs. */
typedef struct sbuf {
    char *p;
    size_t n, cap;
} sbuf;

/* Appends formatted text. */
static void sb_printf(sbuf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static void sb_printf(sbuf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int k = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (b->n + (size_t)k + 1 > b->cap) {
        b->cap = (b->n + (size_t)k + 1) * 2;
        b->p = realloc(b->p, b->cap);
    }
    va_start(ap, fmt);
    vsnprintf(b->p + b->n, (size_t)k + 1, fmt, ap);
    va_end(ap);
    b->n += (size_t)k;
}

#define REC "{\"timestamp\":\"2025-07-27 15:31:22.695081-0400\"," \
            "\"messageType\":\"Default\",\"eventType\":\"logEvent\"," \
            "\"processImagePath\":\"\\/usr\\/bin\\/sudo\",\"processID\":7"

/* ---- tests -------------------------------------------------------------- */

/* Bids: log keys make it sure, generic JSON bids low, text styles 0. */
TEST(bids)
{
    const st_parser *nd = &st_parser_logshow_ndjson;
    const st_parser *js = &st_parser_logshow_json;
    CHECK_INT(bid(nd, REC ",\"eventMessage\":\"x\"}\n"), 95);
    CHECK_INT(bid(nd, "\xEF\xBB\xBF\n\n" REC "}\n"), 95);
    CHECK_INT(bid(nd, "{\"count\":0,\"finished\":1}\n"), 95);
    CHECK_INT(bid(nd, "{\"a\":1}\n{\"b\":2}\n"), 25);
    CHECK_INT(bid(nd, "{\"timestamp\":\"x\",\"a\":1}\n"), 60);
    CHECK_INT(bid(nd, "{\"timestamp\":\"x\", broken\n"), 0);
    CHECK_INT(bid(nd, "{\"timestamp\":\"x\",\"eventMessage\":\"y\n"), 50);
    CHECK_INT(bid(nd, "[{\"timestamp\":1}]"), 0);
    CHECK_INT(bid(js, "[{\n  \"timestamp\" : \"x\",\n"
                      "  \"eventMessage\" : \"y\""), 95);
    CHECK_INT(bid(js, "[{\n  \"a\" : 1\n}]\n"), 25);
    CHECK_INT(bid(js, "[]\n"), 25);
    CHECK_INT(bid(js, "{\n  \"name\" : \"settings\"\n}\n"), 0);
    CHECK_INT(bid(js, "[1,2]\n"), 0);
    CHECK_INT(bid(js, "{\n  \"timestamp\" : \"x\",\n"
                      "  \"eventType\" : \"y\"\n}\n"), 90);
    CHECK_INT(bid(js, REC "}\n"), 0);              /* ndjson is not json */
    const char *text = "Timestamp                       Thread     Type        "
                       "Activity             PID    TTL  \n";
    CHECK_INT(bid(nd, text), 0);
    CHECK_INT(bid(js, text), 0);
    /* detection through the registry */
    int conf = 0;
    const char *one = REC "}\n{\"count\":1,\"finished\":1}\n";
    CHECK(st_parser_detect((const uint8_t *)one, strlen(one), 1, &conf) == nd);
    CHECK_INT(conf, 95);
}

/* Every kind of key of one ndjson record lands in its field. */
TEST(fields_ndjson)
{
    const char *in =
        "{\"timezoneName\":\"\",\"messageType\":\"Error\",\"eventType\":"
        "\"logEvent\",\"source\":null,\"formatString\":\"%s\",\"userID\":"
        "2863311530,\"activityIdentifier\":638620,\"subsystem\":\"com.x\","
        "\"category\":\"\",\"threadID\":597794,\"backtrace\":{\"frames\":"
        "[{\"imageOffset\":1,\"imageUUID\":\"A\\/B\"}]},\"processImagePath\":"
        "\"\\/kernel\",\"senderImagePath\":\"\\/S\\/HFS\",\"timestamp\":"
        "\"2025-07-27 15:31:22.695081-0400\",\"eventMessage\":\"a\\nb\\tc "
        "caf\\u00e9 \\ud83d\\ude00\",\"traceID\":18446744073709551615,"
        "\"processID\":0,\"processUniqueID\":288}\n"
        "{\"count\":1,\"finished\":1}\n";
    coll c = {0};
    CHECK_INT(run(&st_parser_logshow_ndjson, in, strlen(in), &c, NULL),
              ST_READ_OK);
    CHECK_INT(c.n, 1);
    CHECK_INT(c.nwarn, 0);
    if (c.n == 1) {
        kept *k = &c.ev[0];
        CHECK_STR(k->type, "Error");
        CHECK_STR(k->event_type, "logEvent");
        CHECK_STR(k->message, "a\nb\tc caf\xC3\xA9 \xF0\x9F\x98\x80");
        CHECK_STR(k->process, "kernel");
        CHECK_STR(k->sender, "HFS");
        CHECK_STR(k->subsystem, "com.x");
        CHECK_STR(k->time_text, "2025-07-27 15:31:22.695081-0400");
        CHECK_INT(k->time_us, 1753644682695081LL);
        CHECK(k->trace == UINT64_MAX);
        CHECK(k->has & ST_HAS_TRACE);
        CHECK(k->thread == 597794);
        CHECK(k->activity == 638620);
        CHECK_INT(k->pid, 0);
        CHECK(k->has & ST_HAS_PID);
        CHECK(!(k->has & ST_HAS_TTL));
        CHECK_STR(k->backtrace,
                  "{\"frames\":[{\"imageOffset\":1,\"imageUUID\":\"A/B\"}]}");
        CHECK_STR(k->extra, "{\"processUniqueID\":288}");
        CHECK_INT(k->line, 1);
        CHECK_INT(k->byte_offset, 0);
    }
    CHECK(strstr(c.notes, "style=ndjson;") != NULL);
    CHECK(strstr(c.notes, "trailer_count=1;") != NULL);
    coll_free(&c);
}

/* eventType names map to the default style's Type column. */
TEST(event_types)
{
    static const char *const et[][2] = {
        {"activityCreateEvent", "Activity"}, {"signpostEvent", "Signpost"},
        {"timesyncEvent", "Timesync"},       {"stateEvent", "State"},
        {"lossEvent", "Loss"},               {"userActionEvent", "UserAction"},
        {"traceEvent", "Trace"},             {"futureEvent", "futureEvent"},
    };
    sbuf b = {0};
    for (size_t i = 0; i < sizeof et / sizeof *et; i++)
        sb_printf(&b, "{\"timestamp\":\"2025-01-01 00:00:00.000000+0000\","
                  "\"eventType\":\"%s\",\"messageType\":\"Default\"}\n",
                  et[i][0]);
    sb_printf(&b, "{\"timestamp\":\"2025-01-01 00:00:00+0000\","
              "\"messageType\":\"Info\"}\n");
    coll c = {0};
    run(&st_parser_logshow_ndjson, b.p, b.n, &c, NULL);
    CHECK_INT(c.n, sizeof et / sizeof *et + 1);
    for (size_t i = 0; i < c.n && i < sizeof et / sizeof *et; i++)
        CHECK_STR(c.ev[i].type, et[i][1]);
    if (c.n > 8)
        CHECK_STR(c.ev[8].type, "Info");
    CHECK(warned(&c, "trailer at the end: the export may be truncated"));
    coll_free(&c);
    free(b.p);
}

/* Bad records are Unparsed or warned about; reading goes on. */
TEST(bad_records)
{
    sbuf b = {0};
    sb_printf(&b, "%s,\"eventMessage\":\"ok1\"}\n", REC);
    sb_printf(&b, "%s,\"eventMessage\":\"unterminated}\n", REC);
    sb_printf(&b, "[1,2,3]\n");
    sb_printf(&b, "\"just a string\"\n");
    sb_printf(&b, "%s,\"eventMessage\":\"a\",\"eventMessage\":\"b\"}\n", REC);
    sb_printf(&b, "%s,\"x\":1,\"x\":2,\"eventMessage\":\"c\"}\n", REC);
    sb_printf(&b, "%s,\"processID\":99999999999999999999}\n", REC);
    sb_printf(&b, "%s,\"processID\":-9223372036854775808}\n", REC);
    sb_printf(&b, "%s,\"eventMessage\":\"nul\\u0000inside\"}\n", REC);
    sb_printf(&b, "%s,\"eventMessage\":\"bad utf8 \xFF\xFE\"}\n", REC);
    sb_printf(&b, "%s,\"eventMessage\":\"lone \\ud800 surrogate\"}\n", REC);
    sb_printf(&b, "%s,\"timestamp\":\"yesterday\"}\n", REC);
    sb_printf(&b, "{} {}\n");
    sb_printf(&b, "%s,\"eventMessage\":\"last\"}\n", REC);
    coll c = {0};
    CHECK_INT(run(&st_parser_logshow_ndjson, b.p, b.n, &c, NULL), ST_READ_OK);
    CHECK_INT(c.n, 14);
    if (c.n == 14) {
        CHECK_STR(c.ev[0].message, "ok1");
        CHECK_STR(c.ev[1].type, "Unparsed");
        CHECK_INT(c.ev[1].line, 2);
        CHECK(strstr(c.ev[1].message, "unterminated}") != NULL);
        CHECK_STR(c.ev[2].type, "Unparsed");
        CHECK_STR(c.ev[2].message, "[1,2,3]");
        CHECK_STR(c.ev[3].type, "Unparsed");
        CHECK_STR(c.ev[4].message, "b");             /* last wins */
        CHECK_STR(c.ev[5].extra, "{\"x\":2}");
        CHECK(!(c.ev[6].has & ST_HAS_PID));
        CHECK_INT(c.ev[7].pid, INT64_MIN);
        CHECK(c.ev[8].message && memcmp(c.ev[8].message, "nul", 3) == 0);
        CHECK_STR(c.ev[9].message, "bad utf8 \xFF\xFE"); /* bytes kept */
        CHECK_STR(c.ev[10].type, "Default");          /* decoded somehow */
        CHECK(!(c.ev[11].has & ST_HAS_TIME));
        CHECK_STR(c.ev[11].time_text, "yesterday");
        CHECK_STR(c.ev[12].type, "Unparsed");         /* two objects */
        CHECK_STR(c.ev[13].message, "last");
    }
    CHECK(warned(&c, "2: record not parsed"));
    CHECK(warned(&c, "3: record not parsed (not a JSON object)"));
    CHECK(warned(&c, "5: duplicate key \"eventMessage\""));
    CHECK(warned(&c, "6: duplicate key \"x\""));
    CHECK(warned(&c, "7: processID 99999999999999999999 is out of the "
                     "unsigned 64-bit range"));
    CHECK(warned(&c, "12: timestamp \"yesterday\" not understood"));
    CHECK(warned(&c, "13: record not parsed"));
    coll_free(&c);
    free(b.p);
}

/* Trailer counts per export; records after the last trailer. */
TEST(trailers)
{
    sbuf b = {0};
    sb_printf(&b, "%s}\n%s}\n{\"count\":2,\"finished\":1}\n", REC, REC);
    sb_printf(&b, "%s}\n{\"count\":5,\"finished\":1}\n", REC);
    sb_printf(&b, "%s}\n", REC);
    coll c = {0};
    run(&st_parser_logshow_ndjson, b.p, b.n, &c, NULL);
    CHECK_INT(c.n, 4);
    CHECK(warned(&c, "trailer says 5 records but 1 were read"));
    CHECK(!warned(&c, "trailer says 2"));
    CHECK(warned(&c, "1 records after the last trailer"));
    coll_free(&c);
    /* an empty export: only the trailer */
    const char *empty = "{\"count\":0,\"finished\":1}\n";
    run(&st_parser_logshow_ndjson, empty, strlen(empty), &c, NULL);
    CHECK_INT(c.n, 0);
    CHECK_INT(c.nwarn, 0);
    coll_free(&c);
    free(b.p);
}

/* json arrays: log's layout with damage, bare objects, one line. */
TEST(json_array_layouts)
{
    /* log's layout, with stray text between records and a missing ']' */
    const char *in = "[{\n  \"timestamp\" : \"2025-01-01 00:00:00.5+0000\",\n"
                     "  \"eventMessage\" : \"one \\/ two\",\n"
                     "  \"backtrace\" : {\n    \"frames\" : [\n    ]\n  }\n"
                     "},{\n  \"eventMessage\" : \"cut\n  \"x\" : 1\n"
                     "},{\n  \"eventMessage\" : \"three\"\n}\n"
                     "  garbage here \t\n"
                     ",{\n  \"eventMessage\" : \"four\"\n}\n";
    coll c = {0};
    CHECK_INT(run(&st_parser_logshow_json, in, strlen(in), &c, NULL),
              ST_READ_OK);
    CHECK_INT(c.n, 5);
    if (c.n == 5) {
        CHECK_STR(c.ev[0].message, "one / two");
        CHECK_STR(c.ev[0].backtrace, "{\"frames\":[]}");
        CHECK_INT(c.ev[0].time_us, 1735689600500000LL);
        CHECK_INT(c.ev[1].line, 8);
        CHECK_STR(c.ev[1].type, "Unparsed");
        CHECK_STR(c.ev[2].message, "three");
        CHECK_INT(c.ev[2].line, 11);
        CHECK_STR(c.ev[3].message, "garbage here");
        CHECK_STR(c.ev[3].type, "Unparsed");
        CHECK_INT(c.ev[3].line, 14);
        CHECK_INT(c.ev[3].byte_offset, (int64_t)(strstr(in, "garbage") - in));
        CHECK_STR(c.ev[4].message, "four");
        CHECK_INT(c.ev[4].line, 15);
    }
    CHECK(warned(&c, "no closing ']'"));
    CHECK(warned(&c, "8: record not parsed (lexical error"));
    CHECK(warned(&c, "11: record has no timestamp"));
    CHECK(warned(&c, "14: record not parsed (text outside any record)"));
    coll_free(&c);

    /* pretty objects one after another, without the array (nlscott) */
    const char *objs = "{\n  \"eventMessage\" : \"a\"\n}\n{\n"
                       "  \"eventMessage\" : \"b\",\n"
                       "  \"n\" : {\"k\" : [1, {}]}\n}\n";
    run(&st_parser_logshow_json, objs, strlen(objs), &c, NULL);
    CHECK_INT(c.n, 2);
    if (c.n == 2) {
        CHECK_STR(c.ev[1].message, "b");
        CHECK_STR(c.ev[1].extra, "{\"n\":{\"k\":[1,{}]}}");
    }
    CHECK(!warned(&c, "closing"));
    coll_free(&c);

    /* compact, one line: the state machine, not log's layout */
    const char *flat = "[{\"eventMessage\":\"x}]{[\\\"\"},"
                       "{\"eventMessage\":\"y\",\"a\":[[{}]]}] ]\n";
    run(&st_parser_logshow_json, flat, strlen(flat), &c, NULL);
    CHECK_INT(c.n, 2);
    if (c.n == 2) {
        CHECK_STR(c.ev[0].message, "x}]{[\"");
        CHECK_STR(c.ev[1].extra, "{\"a\":[[{}]]}");
    }
    CHECK_INT(c.nwarn, 3);                     /* no timestamps; ']' */
    CHECK(warned(&c, "1: stray \"]\" outside any record"));
    coll_free(&c);
}

/* Nesting deeper than JS_MAX_DEPTH is refused, not recursed. */
TEST(deep_nesting)
{
    sbuf b = {0};
    sb_printf(&b, "[{\"eventMessage\":\"deep\",\"d\":");
    for (int i = 0; i < 100000; i++)
        sb_printf(&b, "[");
    for (int i = 0; i < 100000; i++)
        sb_printf(&b, "]");
    sb_printf(&b, "},{\"eventMessage\":\"fine\",\"d\":");
    for (int i = 0; i < 60; i++)
        sb_printf(&b, "{\"k\":");
    sb_printf(&b, "1");
    for (int i = 0; i < 60; i++)
        sb_printf(&b, "}");
    sb_printf(&b, "}]\n");
    coll c = {0};
    run(&st_parser_logshow_json, b.p, b.n, &c, NULL);
    CHECK_INT(c.n, 2);
    if (c.n == 2) {
        CHECK_STR(c.ev[0].type, "Unparsed");
        CHECK_STR(c.ev[1].message, "fine");
        CHECK(c.ev[1].extra && strlen(c.ev[1].extra) > 60 * 5);
    }
    CHECK(warned(&c, "nesting deeper than 64 levels"));
    coll_free(&c);
    /* the same in ndjson, refused by the parse itself */
    for (size_t i = 0; i < b.n; i++)
        if (b.p[i] == '\n')
            b.p[i] = ' ';
    b.p[0] = ' ';                              /* drop the '[' ... */
    memcpy(b.p + b.n - 3, "  \n", 3);           /* ... and the ']' */
    char *comma = strstr(b.p, "},{\"eventMessage\":\"fine\"");
    if (comma)
        comma[1] = '\n';
    run(&st_parser_logshow_ndjson, b.p, b.n, &c, NULL);
    CHECK_INT(c.n, 2);
    CHECK(warned(&c, "nesting deeper than 64 levels"));
    coll_free(&c);
    free(b.p);
}

/* Many unknown keys stay linear; duplicates keep the last value. */
TEST(many_keys)
{
    /* 20000 unknown keys, half of them repeated: linear, last wins */
    sbuf b = {0};
    sb_printf(&b, "{\"eventMessage\":\"m\"");
    for (int i = 0; i < 20000; i++)
        sb_printf(&b, ",\"k%d\":%d", i % 10000, i);
    sb_printf(&b, "}\n");
    coll c = {0};
    run(&st_parser_logshow_ndjson, b.p, b.n, &c, NULL);
    CHECK_INT(c.n, 1);
    if (c.n == 1) {
        CHECK(strstr(c.ev[0].extra, "\"k0\":10000") != NULL);
        CHECK(strstr(c.ev[0].extra, "\"k0\":0,") == NULL);
        CHECK(strstr(c.ev[0].extra, "\"k9999\":19999}") != NULL);
    }
    CHECK(warned(&c, "duplicate key \"k0\""));
    CHECK_INT(c.nwarn, 10);   /* 8 (the cap) + no timestamp + no trailer */
    coll_free(&c);
    free(b.p);
}

/* Timestamps without an offset: UTC with a warning, or --tz. */
TEST(timezone)
{
    const char *in = "{\"timestamp\":\"2025-01-01 12:00:00.000001\"}\n";
    coll c = {0};
    run(&st_parser_logshow_ndjson, in, strlen(in), &c, NULL);
    CHECK_INT(c.n, 1);
    if (c.n)
        CHECK_INT(c.ev[0].time_us, 1735732800000001LL);
    CHECK(warned(&c, "UTC assumed"));
    coll_free(&c);
    st_parse_opts o = {0};
    o.tz = "-0800";
    run(&st_parser_logshow_ndjson, in, strlen(in), &c, &o);
    if (c.n)
        CHECK_INT(c.ev[0].time_us, 1735732800000001LL + 8 * 3600000000LL);
    CHECK(!warned(&c, "UTC assumed"));
    coll_free(&c);
}

/* Builds n records with messages of varied length and escapes, as ndjson
 * and as one-line and pretty json arrays. */
static void make_big(sbuf *nd, sbuf *flat, sbuf *pretty, int n)
{
    sb_printf(flat, "[");
    sb_printf(pretty, "[");
    for (int i = 0; i < n; i++) {
        char msg[600];
        int len = (i * 37) % 500;
        for (int k = 0; k < len; k++)
            msg[k] = "ab\\\"{}[]/ x"[(i + k) % 11] == '\\' ? 'z'
                   : "ab\\\"{}[]/ x"[(i + k) % 11];
        msg[len] = 0;
        /* escape quotes; add escapes that can straddle chunk ends */
        char esc[1400];
        size_t e = 0;
        for (int k = 0; k < len; k++) {
            if (msg[k] == '"' || msg[k] == '/')
                esc[e++] = '\\';
            esc[e++] = msg[k];
            if (k % 50 == 7) {
                memcpy(esc + e, "\\\\\\n", 4);
                e += 4;
            }
        }
        esc[e] = 0;
        sb_printf(nd, "{\"timestamp\":\"2025-01-01 00:00:00.%06d+0000\","
                  "\"threadID\":%d,\"eventMessage\":\"%s\","
                  "\"traceID\":%llu}\n",
                  i % 1000000, i, esc, 18446744073709551615ULL - (unsigned)i);
        sb_printf(flat, "%s{\"timestamp\":\"2025-01-01 00:00:00.%06d+0000\","
                  "\"threadID\":%d,\"eventMessage\":\"%s\",\"traceID\":%llu}",
                  i ? "," : "", i % 1000000, i, esc,
                  18446744073709551615ULL - (unsigned)i);
        sb_printf(pretty, "%s{\n  \"timestamp\" : \"2025-01-01 00:00:00.%06d"
                  "+0000\",\n  \"threadID\" : %d,\n  \"eventMessage\" : "
                  "\"%s\",\n  \"traceID\" : %llu\n}", i ? "," : "",
                  i % 1000000, i, esc, 18446744073709551615ULL - (unsigned)i);
    }
    sb_printf(nd, "{\"count\":%d,\"finished\":1}\n", n);
    sb_printf(flat, "]\n");
    sb_printf(pretty, "]\n");
}

/* strcmp that takes NULL (equal only to NULL). */
static int str_differ(const char *x, const char *y)
{
    return x && y ? strcmp(x, y) != 0 : x != y;
}

/* True when two collections hold the same events (message, thread,
 * trace, time, type). */
static int same_events(const coll *a, const coll *b)
{
    if (a->n != b->n)
        return 0;
    for (size_t i = 0; i < a->n; i++) {
        const kept *x = &a->ev[i], *y = &b->ev[i];
        if (!x->message || str_differ(x->message, y->message) ||
            x->thread != y->thread || x->trace != y->trace ||
            x->time_us != y->time_us || str_differ(x->type, y->type))
            return 0;
    }
    return 1;
}

/* Records across chunk ends, sync and threaded, all styles agree. */
TEST(chunk_boundaries_and_threads)
{
    sbuf nd = {0}, flat = {0}, pretty = {0};
    make_big(&nd, &flat, &pretty, 6000);      /* ~2 MB: several chunks */
    CHECK(flat.n > 1024 * 1024);
    size_t saved = st_logshow_json_thread_min;
    coll a = {0}, b = {0}, c = {0}, d = {0};
    st_logshow_json_thread_min = (size_t)-1;   /* synchronous */
    CHECK_INT(run(&st_parser_logshow_ndjson, nd.p, nd.n, &a, NULL),
              ST_READ_OK);
    CHECK_INT(run(&st_parser_logshow_json, flat.p, flat.n, &b, NULL),
              ST_READ_OK);
    st_logshow_json_thread_min = 0;            /* threaded */
    CHECK_INT(run(&st_parser_logshow_json, pretty.p, pretty.n, &c, NULL),
              ST_READ_OK);
    CHECK_INT(run(&st_parser_logshow_ndjson, nd.p, nd.n, &d, NULL),
              ST_READ_OK);
    CHECK_INT(a.n, 6000);
    CHECK_INT(a.nwarn, 0);
    CHECK_INT(b.nwarn, 0);
    CHECK_INT(c.nwarn, 0);
    CHECK(same_events(&a, &b));
    CHECK(same_events(&a, &c));
    CHECK(same_events(&a, &d));
    if (a.n == 6000) {
        CHECK(a.ev[5999].trace == UINT64_MAX - 5999);
        CHECK_INT(a.ev[5999].line, 6000);
        CHECK_INT(c.ev[1].line, 6);
        CHECK_INT(c.ev[5999].line, 1 + 5 * 5999);
    }
    coll_free(&a);
    coll_free(&b);
    coll_free(&c);
    coll_free(&d);
    st_logshow_json_thread_min = saved;
    free(nd.p);
    free(flat.p);
    free(pretty.p);
}

/* A sink that asks to stop stops both paths without a hang. */
TEST(stop_early)
{
    sbuf nd = {0}, flat = {0}, pretty = {0};
    make_big(&nd, &flat, &pretty, 3000);
    size_t saved = st_logshow_json_thread_min;
    for (int threaded = 0; threaded < 2; threaded++) {
        st_logshow_json_thread_min = threaded ? 0 : (size_t)-1;
        coll c = {0};
        c.stop_after = 1000;
        CHECK_INT(run(&st_parser_logshow_ndjson, nd.p, nd.n, &c, NULL),
                  ST_READ_STOPPED);
        CHECK_INT(c.n, 1000);
        coll_free(&c);
        c.stop_after = 1;
        CHECK_INT(run(&st_parser_logshow_json, pretty.p, pretty.n, &c, NULL),
                  ST_READ_STOPPED);
        CHECK_INT(c.n, 1);
        coll_free(&c);
    }
    st_logshow_json_thread_min = saved;
    free(nd.p);
    free(flat.p);
    free(pretty.p);
}

/* A record over the size limit is cut; the next one is read. */
TEST(huge_record)
{
    size_t big = 9u << 20;
    char *p = malloc(big + 200);
    int k = snprintf(p, 200, "{\"eventMessage\":\"");
    memset(p + k, 'q', big);
    strcpy(p + k + big, "\"}\n{\"eventMessage\":\"next\"}\n");
    coll c = {0};
    run(&st_parser_logshow_ndjson, p, strlen(p), &c, NULL);
    CHECK_INT(c.n, 2);
    if (c.n == 2) {
        CHECK_STR(c.ev[0].type, "Unparsed");
        CHECK_INT(strlen(c.ev[0].message), 64 * 1024);
        CHECK_STR(c.ev[1].message, "next");
    }
    CHECK(warned(&c, "longer than the 8 MiB limit"));
    coll_free(&c);
    /* and in a json array, in log's layout */
    const char *open = "[{\n  \"eventMessage\" : \"";
    memcpy(p, open, strlen(open));
    memset(p + strlen(open), 'q', big);
    strcpy(p + strlen(open) + big,
           "\"\n},{\n  \"eventMessage\" : \"next\"\n}]\n");
    run(&st_parser_logshow_json, p, strlen(p), &c, NULL);
    CHECK_INT(c.n, 2);
    if (c.n == 2) {
        CHECK_STR(c.ev[0].type, "Unparsed");
        CHECK_STR(c.ev[1].message, "next");
        CHECK_INT(c.ev[1].line, 3);
    }
    coll_free(&c);
    free(p);
}

/* Runs every test. */
int main(void)
{
    RUN(bids);
    RUN(fields_ndjson);
    RUN(event_types);
    RUN(bad_records);
    RUN(trailers);
    RUN(json_array_layouts);
    RUN(deep_nesting);
    RUN(many_keys);
    RUN(timezone);
    RUN(chunk_boundaries_and_threads);
    RUN(stop_early);
    RUN(huge_record);
    return RESULT();
}
