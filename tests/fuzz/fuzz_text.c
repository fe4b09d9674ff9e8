/*
 * fuzz_text.c -- libFuzzer harness for the `log show` text reader: the
 * input is offered to every text-style bidder and read by each style's
 * reader (whatever the bid), through the real input layer (so gzip
 * inflation and line splitting are fuzzed too).
 */
#include <stdint.h>
#include <string.h>
#include "parser.h"

extern const st_parser st_parser_logshow_default;
extern const st_parser st_parser_logshow_compact;
extern const st_parser st_parser_logshow_syslog;

static int on_event(void *c, const st_event *ev)
{
    /* touch every view so ASan checks its bounds */
    size_t *sum = c;
    const st_str *v[] = {&ev->message, &ev->process, &ev->sender,
                         &ev->subsystem, &ev->category, &ev->type,
                         &ev->time_text, &ev->signpost_scope,
                         &ev->signpost_type};
    for (size_t i = 0; i < sizeof v / sizeof *v; i++)
        if (v[i]->p && v[i]->n)
            *sum += (unsigned char)v[i]->p[0] +
                    (unsigned char)v[i]->p[v[i]->n - 1];
    return 0;
}
static void on_warn(void *c, int64_t l, const char *m)
{
    (void)c; (void)l; (void)m;
}
static void on_note(void *c, const char *k, const char *v)
{
    (void)c; (void)k; (void)v;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const st_parser *ps[] = {&st_parser_logshow_default,
                             &st_parser_logshow_compact,
                             &st_parser_logshow_syslog};
    const char *tz[] = {NULL, "-0800", "UTC"};
    for (int i = 0; i < 3; i++) {
        st_input *in;
        if (st_input_open_mem(&in, data, size, "fuzz") < 0)
            return 0;
        size_t hn;
        const uint8_t *h = st_input_peek(in, &hn);
        ps[i]->bid(h, hn, hn < ST_PEEK_MAX);
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
