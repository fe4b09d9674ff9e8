/*
 * test_text.c -- unit tests for timestamps, UTF-8 handling, the input layer
 * and the text-style reader, driven from memory.
 */
#include <stdlib.h>
#include <zlib.h>

#include "check.h"
#include "input.h"
#include "parser.h"
#include "timeparse.h"
#include "utf8.h"

/* ---- a sink that keeps copies of what it is given ---- */
#define MAXEV 64
typedef struct got {
    int n, warnings;
    char msg[MAXEV][256], proc[MAXEV][64], type[MAXEV][32];
    int64_t line[MAXEV], time[MAXEV];
    char last_warning[256];
} got;

static void cpy(char *dst, size_t cap, st_str v)
{
    size_t n = v.p ? (v.n < cap - 1 ? v.n : cap - 1) : 0;
    if (v.p)
        memcpy(dst, v.p, n);
    dst[n] = 0;
}
static int on_event(void *c, const st_event *ev)
{
    got *g = c;
    if (g->n < MAXEV) {
        cpy(g->msg[g->n], 256, ev->message);
        cpy(g->proc[g->n], 64, ev->process);
        cpy(g->type[g->n], 32, ev->type);
        g->line[g->n] = ev->line;
        g->time[g->n] = ev->time_us;
    }
    g->n++;
    return 0;
}
static void on_warn(void *c, int64_t line, const char *m)
{
    got *g = c;
    (void)line;
    g->warnings++;
    snprintf(g->last_warning, sizeof g->last_warning, "%s", m);
}
static void on_note(void *c, const char *k, const char *v)
{
    (void)c; (void)k; (void)v;
}

/* Detects and reads a text held in memory. */
static int run(const char *text, size_t n, got *g, const char *tz)
{
    memset(g, 0, sizeof *g);
    st_input *in;
    st_input_open_mem(&in, text, n, "mem");
    size_t hn;
    const uint8_t *h = st_input_peek(in, &hn);
    const st_parser *p = st_parser_detect(h, hn, 1, NULL);
    if (!p) {
        st_input_close(in);
        return -1;
    }
    st_sink s = {g, on_event, on_warn, on_note, NULL, NULL};
    st_parse_opts o = {tz, NULL, 0, 0};
    char err[200];
    int rc = p->read(in, &o, &s, err, sizeof err);
    st_input_close(in);
    return rc;
}

TEST(timestamps)
{
    int64_t us;
    int ho;
    int32_t off;
    const char *t = "2024-12-12 21:45:11.760781+0100 rest";
    CHECK_INT(st_parse_timestamp(t, strlen(t), &us, &ho, &off), 31);
    CHECK_INT(ho, 1);
    CHECK_INT(off, 60);
    CHECK_INT(us - off * 60000000LL, 1734036311760781LL);
    CHECK_INT(st_parse_timestamp("2024-02-30 00:00:00", 19, &us, &ho, &off), 0);
    CHECK_INT(st_parse_timestamp("2023-02-29 00:00:00", 19, &us, &ho, &off), 0);
    CHECK(st_parse_timestamp("2024-02-29 00:00:00", 19, &us, &ho, &off) == 19);
    CHECK_INT(ho, 0);
    CHECK_INT(st_parse_timestamp("2024-1-01 00:00:00", 18, &us, &ho, &off), 0);
    CHECK_INT(st_parse_timestamp("2024-01-01 00:00:00.", 20, &us, &ho, &off), 0);
    CHECK_INT(st_parse_timestamp("2024-01-01T00:00:00Z", 20, &us, &ho, &off), 20);
    CHECK_INT(st_parse_timestamp("2024-01-01 00:00:00.5-05:30", 27, &us, &ho,
                                 &off), 27);
    CHECK_INT(off, -330);
    CHECK_INT(us % 1000000, 500000);
    /* a sign right after the fraction is the offset, not more digits */
    CHECK_INT(st_parse_timestamp("2024-01-01 00:00:00.123+0000", 28, &us, &ho,
                                 &off), 28);
    CHECK_INT(us % 1000000, 123000);
    char buf[40];
    st_format_logshow(1734036311760781LL, 60, buf, sizeof buf);
    CHECK_STR(buf, "2024-12-12 21:45:11.760781+0100");
    st_format_iso(-1, -480, buf, sizeof buf);
    CHECK_STR(buf, "1969-12-31T15:59:59.999999-08:00");
}

TEST(zones)
{
    char err[200];
    st_tz *tz = st_tz_open("America/Los_Angeles", err, sizeof err);
    CHECK(tz != NULL);
    int32_t off;
    int64_t local = (st_days_from_civil(2024, 7, 1) * 86400 + 12 * 3600) *
                    1000000LL;
    st_tz_to_utc(tz, local, &off);
    CHECK_INT(off, -420);
    local = (st_days_from_civil(2024, 1, 1) * 86400) * 1000000LL;
    st_tz_to_utc(tz, local, &off);
    CHECK_INT(off, -480);
    st_tz_close(tz);
    CHECK(st_tz_open("Not/AZone", err, sizeof err) == NULL);
    CHECK(st_tz_open("../../etc/passwd", err, sizeof err) == NULL);
    tz = st_tz_open("+05:30", err, sizeof err);
    CHECK(tz != NULL);
    st_tz_to_utc(tz, 0, &off);
    CHECK_INT(off, 330);
    st_tz_close(tz);
}

TEST(utf8)
{
    CHECK(st_utf8_clean("plain ascii text here", 21));
    CHECK(st_utf8_clean("caf\xc3\xa9", 5));
    CHECK(!st_utf8_clean("a\0b", 3));
    CHECK(!st_utf8_clean("\xc0\xaf", 2));          /* overlong */
    CHECK(!st_utf8_clean("\xed\xa0\x80", 3));      /* surrogate */
    CHECK(!st_utf8_clean("\xf4\x90\x80\x80", 4));  /* > U+10FFFF */
    CHECK(!st_utf8_clean("abc\xe2\x82", 5));       /* cut */
    char out[64];
    size_t k = st_utf8_sanitize("a\xff" "b\0c", 5, out);
    out[k] = 0;
    CHECK_STR(out, "a\xef\xbf\xbd" "b\xe2\x90\x80" "c");
}

TEST(getline_boundaries)
{
    /* lines that straddle the input layer's internal buffer boundaries */
    size_t n = 3 * 1024 * 1024 + 17;
    char *buf = malloc(n);
    size_t lines = 0;
    for (size_t i = 0; i < n; i++) {
        buf[i] = (i % 4099 == 4098) ? '\n' : 'a' + (char)(i % 26);
        lines += buf[i] == '\n';
    }
    st_input *in;
    st_input_open_mem(&in, buf, n, "mem");
    const char *l;
    size_t len, total = 0, got_lines = 0;
    int64_t off, no;
    while (st_input_getline(in, &l, &len, &off, &no) == 1) {
        total += len + 1;
        got_lines++;
        CHECK_INT(no, (int64_t)got_lines);
    }
    CHECK_INT(got_lines, lines + 1);   /* last line has no newline */
    CHECK_INT(total - 1, n);
    st_input_close(in);
    free(buf);
}

TEST(gzip_and_hash)
{
    const char *text = "Timestamp               Ty Process[PID:TID]\n"
                       "2026-10-04 06:00:04.653 Df kernel[0:39ea4c] (x) hi\n";
    uLongf zn = 512;
    unsigned char z[512];
    /* build a gzip member with deflateInit2 */
    z_stream s;
    memset(&s, 0, sizeof s);
    deflateInit2(&s, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY);
    s.next_in = (unsigned char *)text;
    s.avail_in = (uInt)strlen(text);
    s.next_out = z;
    s.avail_out = (uInt)zn;
    deflate(&s, Z_FINISH);
    zn = s.total_out;
    deflateEnd(&s);
    got g;
    CHECK_INT(run((const char *)z, zn, &g, NULL), ST_READ_OK);
    CHECK_INT(g.n, 1);
    CHECK_STR(g.proc[0], "kernel");
    CHECK_INT(g.warnings, 1);      /* compact without --tz */
    st_input *in;
    st_input_open_mem(&in, z, zn, "mem");
    st_input_finish(in);
    char hex[65];
    st_input_sha256_hex(in, hex);
    CHECK_INT(strlen(hex), 64);
    CHECK(st_input_is_gzip(in));
    st_input_close(in);
}

TEST(detection)
{
    const char *d = "2022-03-08 13:08:59.915688-0800 0x871      Error       "
                    "0x0                  158    0    cryptexd: x\n";
    const char *s = "2023-01-23 03:26:38.517706-0800  localhost securityd[129]:"
                    " hi\n";
    const char *c = "2026-10-04 06:00:04.653 Df kernel[0:39ea4c] (x) hi\n";
    int conf;
    CHECK_STR(st_parser_detect((const uint8_t *)d, strlen(d), 1, &conf)->name,
              "logshow-default");
    CHECK_STR(st_parser_detect((const uint8_t *)s, strlen(s), 1, &conf)->name,
              "logshow-syslog");
    CHECK_STR(st_parser_detect((const uint8_t *)c, strlen(c), 1, &conf)->name,
              "logshow-compact");
    CHECK(st_parser_detect((const uint8_t *)"hello\n", 6, 1, &conf) == NULL);
    CHECK(st_parser_detect((const uint8_t *)"\0\0\0\0", 4, 1, &conf) == NULL);
}

TEST(records_and_continuations)
{
    const char *t =
        "Filtering the log data using \"process == \\\"x\\\"\"\n"
        "Timestamp                       Thread     Type        Activity    "
        "         PID    TTL  \n"
        "2024-01-01 10:00:00.000000+0000 0x1        Default     0x0         "
        "         1      0    a: (b) [s:c] first\n"
        "\tcont one\n"
        "--------------------\n"
        "2024-01-01 10:00:01.000000+0000 0x1        Default     0x0         "
        "         1      0    a: second\n"
        "--------------------------------------------------------------------\n"
        "Log      - Default:          2, Info:                0, Debug:      "
        "       0, Error:          0, Fault:          0\n"
        "Activity - Create:           0, Transition:          0, Actions:    "
        "       0\n";
    got g;
    CHECK_INT(run(t, strlen(t), &g, NULL), ST_READ_OK);
    CHECK_INT(g.n, 2);
    CHECK_STR(g.msg[0], "first\n\tcont one\n--------------------");
    CHECK_INT(g.line[0], 3);
    CHECK_INT(g.line[1], 6);
    CHECK_INT(g.warnings, 0);
    CHECK_INT(g.time[1] - g.time[0], 1000000);
}

int main(void)
{
    RUN(timestamps);
    RUN(zones);
    RUN(utf8);
    RUN(getline_boundaries);
    RUN(gzip_and_hash);
    RUN(detection);
    RUN(records_and_continuations);
    return RESULT();
}
