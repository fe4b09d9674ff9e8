/*
 * fuzz_json.c -- libFuzzer harness for the `log show --style ndjson` and
 * `--style json` readers: the input is offered to both bidders and read by
 * both readers (whatever the bid) through the real input layer, so gzip,
 * record cutting, the yajl callbacks and the rebuilt JSON are all fuzzed.
 * Events are discarded after every view is touched at both ends (ASan then
 * checks their bounds); rebuilt JSON must be non-empty when present.
 */
#include <stdint.h>
#include <string.h>
#include "parser.h"

extern const st_parser st_parser_logshow_ndjson;
extern const st_parser st_parser_logshow_json;

#define REQUIRE(c) do { if (!(c)) __builtin_trap(); } while (0)

/* Touches both ends of every view; checks the rebuilt JSON's shape. */
static int on_event(void *c, const st_event *ev)
{
    size_t *sum = c;
    const st_str *v[] = {
        &ev->message, &ev->process, &ev->process_path, &ev->sender,
        &ev->sender_path, &ev->subsystem, &ev->category, &ev->type,
        &ev->event_type, &ev->time_text, &ev->format_string,
        &ev->process_uuid, &ev->sender_uuid, &ev->boot_uuid,
        &ev->timezone_name, &ev->signpost_name, &ev->signpost_scope,
        &ev->signpost_type, &ev->backtrace_json, &ev->source_json,
        &ev->extra_json};
    for (size_t i = 0; i < sizeof v / sizeof *v; i++)
        if (v[i]->p && v[i]->n)
            *sum += (unsigned char)v[i]->p[0] +
                    (unsigned char)v[i]->p[v[i]->n - 1];
    if (ev->extra_json.p)
        REQUIRE(ev->extra_json.n >= 2 && ev->extra_json.p[0] == '{' &&
                ev->extra_json.p[ev->extra_json.n - 1] == '}');
    if (ev->backtrace_json.p)
        REQUIRE(ev->backtrace_json.n > 0);
    return 0;
}

/* Warnings must say something. */
static void on_warn(void *c, int64_t l, const char *m)
{
    (void)c;
    (void)l;
    REQUIRE(m && m[0]);
}

/* Notes must have a key and a value. */
static void on_note(void *c, const char *k, const char *v)
{
    (void)c;
    REQUIRE(k && v);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
/* Bids and reads the input with both parsers. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const st_parser *ps[] = {&st_parser_logshow_ndjson,
                             &st_parser_logshow_json};
    const char *tz[] = {NULL, "+0530"};
    for (int i = 0; i < 2; i++) {
        st_input *in;
        if (st_input_open_mem(&in, data, size, "fuzz") < 0)
            return 0;
        size_t hn;
        const uint8_t *h = st_input_peek(in, &hn);
        int b = ps[i]->bid(h, hn, hn < ST_PEEK_MAX);
        REQUIRE(b >= 0 && b <= 100);
        size_t sum = 0;
        st_sink s = {&sum, on_event, on_warn, on_note, NULL, NULL};
        st_parse_opts o = {tz[i], NULL, 0, 0};
        char err[256];
        ps[i]->read(in, &o, &s, err, sizeof err);
        st_input_finish(in);
        st_input_close(in);
    }
    return 0;
}
