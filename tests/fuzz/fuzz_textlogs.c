/*
 * fuzz_textlogs.c -- libFuzzer harness for the Console.app copy readers
 * (console-copy, console-dated) and the BSD syslog / ASL reader: the input
 * is offered to each bidder and read by each reader whatever the bid,
 * through the real input layer (st_input_open_mem, so gzip inflation and
 * line splitting are fuzzed too), with and without the options these
 * layouts need (--date, --year, --date-order, --tz), so both the refusal
 * paths and the held-lines paths run.  Zones are fixed offsets: an IANA
 * zone costs a tzset() per hour of input, which would starve the fuzzer.
 */
#include <stdint.h>
#include <string.h>
#include "parser.h"

extern const st_parser st_parser_console_copy;
extern const st_parser st_parser_console_dated;
extern const st_parser st_parser_bsd_syslog;

/* Touches every view of the event so ASan checks its bounds. */
static int on_event(void *c, const st_event *ev)
{
    size_t *sum = c;
    const st_str *v[] = {&ev->message, &ev->process, &ev->sender,
                         &ev->subsystem, &ev->category, &ev->type,
                         &ev->time_text, &ev->extra_json};
    for (size_t i = 0; i < sizeof v / sizeof *v; i++)
        if (v[i]->p && v[i]->n)
            *sum += (unsigned char)v[i]->p[0] +
                    (unsigned char)v[i]->p[v[i]->n - 1];
    return 0;
}

/* Checks that warnings and notes are terminated strings. */
static void on_warn(void *c, int64_t l, const char *m)
{
    (void)l;
    *(size_t *)c += strlen(m);
}

static void on_note(void *c, const char *k, const char *v)
{
    *(size_t *)c += strlen(k) + strlen(v);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const st_parser *ps[] = {&st_parser_console_copy,
                             &st_parser_console_dated,
                             &st_parser_bsd_syslog};
    /* no options (refusals, held lines), then all of them */
    const st_parse_opts opts[] = {
        {NULL, NULL, 0, 0},
        {"-0800", "2016-12-31", 2016, 'd'},
        {"+05:30", "2024-02-29", 2023, 'm'},
    };
    for (size_t i = 0; i < sizeof ps / sizeof *ps; i++)
        for (size_t k = 0; k < sizeof opts / sizeof *opts; k++) {
            st_input *in;
            if (st_input_open_mem(&in, data, size, "fuzz") < 0)
                return 0;
            size_t hn;
            const uint8_t *h = st_input_peek(in, &hn);
            ps[i]->bid(h, hn, hn < ST_PEEK_MAX);
            size_t sum = 0;
            st_sink s = {&sum, on_event, on_warn, on_note, NULL, NULL};
            char err[256];
            ps[i]->read(in, &opts[k], &s, err, sizeof err);
            st_input_finish(in);
            st_input_close(in);
        }
    return 0;
}
