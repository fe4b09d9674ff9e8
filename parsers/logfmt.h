/*
 * logfmt.h -- composes a unified-log message from its format string and the
 * argument items of a binary record, as `log show` renders them.
 *
 * Format grammar (os_log(3), printf(3); libyal dtformats "Firehose
 * tracepoint format string"):
 *   %[{decoders}][flags][width][.precision][length]conversion
 * with flags "-+ #0'", width and precision as digits or '*', length hh h l
 * ll q j z t L, conversions d i u o x X D U O c C p e E f F g G a A s S @ P
 * m n and %%.  {decoders} is a comma-separated list: privacy words (public,
 * private, sensitive), name=... / Name:... labels, and at most one value
 * decoder (bool, BOOL, errno, darwin.errno, darwin.signal, darwin.mode,
 * time_t, uuid_t, in_addr, in6_addr, network:in_addr, network:in6_addr,
 * sockaddr, network:sockaddr, mask.hash, bytes, iec-bytes, bitrate,
 * iec-bitrate, timeval, timespec).
 *
 * Rendering rules:
 *  - Privacy comes from the data, not the format: an argument recorded
 *    without its value (ST_ARG_PRIVATE) renders "<private>" whatever the
 *    format says; a %{private} value that was captured renders normally.
 *  - A conversion with no argument left renders "<decode: missing data>";
 *    an argument whose kind does not fit the conversion renders
 *    "<decode: mismatch for [%spec] got [KIND sz:N]>"; both are counted.
 *  - An unknown decoder keeps the raw value (rendered as if the decoder
 *    were absent) and is counted, with its name, in st_logfmt_stats.
 *  - A precision item (ST_ARG_PRECISION) before a value supplies a '*'
 *    width/precision, or the length of %.*P data; otherwise it is skipped.
 *  - Numbers: the item's own size (1, 2, 4 or 8 bytes) gives the value,
 *    sign-extended for signed conversions; hh and h truncate as printf does.
 *    Floats: 4-byte items are float, 8-byte double.
 *  - %m and %{errno}d / %{darwin.errno}d use Darwin's errno table (not the
 *    host's): "No such file or directory", "[2: No such file or directory]".
 *    time_t is rendered in UTC ("YYYY-MM-DD HH:MM:SS"); log show uses the
 *    viewer's zone.
 *  - Output is bounded: widths and precisions above ST_LOGFMT_MAX_PAD are
 *    ignored (counted as mismatches) and the message is cut at
 *    ST_LOGFMT_MAX_OUT bytes.
 *  - Never reads outside fmt[0..fmtlen) or any argument's bytes.
 */
#ifndef ST_LOGFMT_H
#define ST_LOGFMT_H

#include <stddef.h>
#include <stdint.h>

#define ST_LOGFMT_MAX_PAD 4096
#define ST_LOGFMT_MAX_OUT (1u << 20)

typedef enum st_argkind {
    ST_ARG_SCALAR = 1,         /* inline integer or float, 1..8 bytes */
    ST_ARG_PRECISION,          /* inline count for '*' or a precision */
    ST_ARG_STRING,             /* C string bytes; p NULL = "(null)" */
    ST_ARG_OBJECT,             /* %@ description bytes; p NULL = "(null)" */
    ST_ARG_DATA,               /* binary bytes (%P, decoders) */
    ST_ARG_PRIVATE,            /* value not recorded: "<private>" */
    ST_ARG_UNKNOWN,            /* item type sigtrail does not know */
} st_argkind;

typedef struct st_logarg {
    st_argkind kind;
    uint8_t type;              /* raw item type, for messages */
    const uint8_t *p;          /* bytes (NULL allowed for strings) */
    size_t n;
} st_logarg;

/* A growable output buffer; `oom` is set (and writes stop) when an
 * allocation fails or the limit is reached. */
typedef struct st_sbuf {
    char *p;
    size_t n, cap;
    size_t limit;              /* 0 = ST_LOGFMT_MAX_OUT */
    int oom, cut;
} st_sbuf;

void st_sbuf_put(st_sbuf *b, const void *s, size_t n);
/* Makes room for n bytes at the end and returns where to write them (the
 * length grows by n), or NULL when out of memory or past the limit. */
char *st_sbuf_grow(st_sbuf *b, size_t n);
void st_sbuf_puts(st_sbuf *b, const char *s);
void st_sbuf_printf(st_sbuf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
void st_sbuf_free(st_sbuf *b);

typedef struct st_logfmt_stats {
    unsigned conversions;      /* conversions rendered */
    unsigned missing;          /* conversions with no argument left */
    unsigned mismatch;         /* argument of the wrong kind or size */
    unsigned unknown_decoder;  /* %{name} not decoded (raw value kept) */
    char first_unknown[64];    /* the first such name */
    unsigned unknown_item;     /* ST_ARG_UNKNOWN arguments met */
    unsigned extra_args;       /* arguments left over after the format */
} st_logfmt_stats;

/* Appends the message composed from fmt[0..fmtlen) and args[0..nargs) to
 * out; stats (may be NULL) is added to, not reset. */
void st_logfmt_render(st_sbuf *out, const char *fmt, size_t fmtlen,
                      const st_logarg *args, size_t nargs,
                      st_logfmt_stats *stats);

/* Darwin's strerror() text for errno e ("Unknown error: N" outside the
 * table). */
const char *st_darwin_strerror(long e, char *buf, size_t len);

#endif
