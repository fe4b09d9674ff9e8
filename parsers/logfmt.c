/*
 * logfmt.c -- unified-log message composition.  See logfmt.h.
 */
#include "logfmt.h"

#include <arpa/inet.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* ---- output buffer ------------------------------------------------------- */

void st_sbuf_put(st_sbuf *b, const void *s, size_t n)
{
    if (b->oom || !n)
        return;
    size_t lim = b->limit ? b->limit : ST_LOGFMT_MAX_OUT;
    if (b->n + n > lim) {
        n = lim > b->n ? lim - b->n : 0;
        b->cut = 1;
        if (!n)
            return;
    }
    if (b->n + n + 1 > b->cap) {
        size_t c = b->cap ? b->cap : 256;
        while (c < b->n + n + 1)
            c *= 2;
        char *nb = realloc(b->p, c);
        if (!nb) {
            b->oom = 1;
            return;
        }
        b->p = nb;
        b->cap = c;
    }
    memcpy(b->p + b->n, s, n);
    b->n += n;
    b->p[b->n] = 0;
}

/* Reserves n bytes at the end of the buffer (see logfmt.h). */
char *st_sbuf_grow(st_sbuf *b, size_t n)
{
    size_t lim = b->limit ? b->limit : ST_LOGFMT_MAX_OUT;
    if (b->oom || b->n + n > lim) {
        b->cut |= !b->oom;
        return NULL;
    }
    if (b->n + n + 1 > b->cap) {
        size_t c = b->cap ? b->cap : 256;
        while (c < b->n + n + 1)
            c *= 2;
        char *nb = realloc(b->p, c);
        if (!nb) {
            b->oom = 1;
            return NULL;
        }
        b->p = nb;
        b->cap = c;
    }
    char *w = b->p + b->n;
    b->n += n;
    b->p[b->n] = 0;
    return w;
}

/* Appends a C string. */
void st_sbuf_puts(st_sbuf *b, const char *s) { st_sbuf_put(b, s, strlen(s)); }

/* Appends printf output (any length). */
void st_sbuf_printf(st_sbuf *b, const char *fmt, ...)
{
    char tmp[512];
    va_list ap;
    va_start(ap, fmt);
    int k = vsnprintf(tmp, sizeof tmp, fmt, ap);
    va_end(ap);
    if (k < 0)
        return;
    if ((size_t)k < sizeof tmp) {
        st_sbuf_put(b, tmp, (size_t)k);
        return;
    }
    char *big = malloc((size_t)k + 1);
    if (!big) {
        b->oom = 1;
        return;
    }
    va_start(ap, fmt);
    vsnprintf(big, (size_t)k + 1, fmt, ap);
    va_end(ap);
    st_sbuf_put(b, big, (size_t)k);
    free(big);
}

/* Frees the buffer and resets it. */
void st_sbuf_free(st_sbuf *b)
{
    free(b->p);
    memset(b, 0, sizeof *b);
}

/* ---- Darwin tables ------------------------------------------------------- */

/* macOS <sys/errno.h> numbers with libc's strerror() wording; they differ
 * from Linux from 35 up (EAGAIN is 35, ETIMEDOUT 60 ...). */
static const char *const darwin_errno[] = {
    "Undefined error: 0",
    "Operation not permitted",
    "No such file or directory",
    "No such process",
    "Interrupted system call",
    "Input/output error",
    "Device not configured",
    "Argument list too long",
    "Exec format error",
    "Bad file descriptor",
    "No child processes",
    "Resource deadlock avoided",
    "Cannot allocate memory",
    "Permission denied",
    "Bad address",
    "Block device required",
    "Resource busy",
    "File exists",
    "Cross-device link",
    "Operation not supported by device",
    "Not a directory",
    "Is a directory",
    "Invalid argument",
    "Too many open files in system",
    "Too many open files",
    "Inappropriate ioctl for device",
    "Text file busy",
    "File too large",
    "No space left on device",
    "Illegal seek",
    "Read-only file system",
    "Too many links",
    "Broken pipe",
    "Numerical argument out of domain",
    "Result too large",
    "Resource temporarily unavailable",
    "Operation now in progress",
    "Operation already in progress",
    "Socket operation on non-socket",
    "Destination address required",
    "Message too long",
    "Protocol wrong type for socket",
    "Protocol not available",
    "Protocol not supported",
    "Socket type not supported",
    "Operation not supported",
    "Protocol family not supported",
    "Address family not supported by protocol family",
    "Address already in use",
    "Can't assign requested address",
    "Network is down",
    "Network is unreachable",
    "Network dropped connection on reset",
    "Software caused connection abort",
    "Connection reset by peer",
    "No buffer space available",
    "Socket is already connected",
    "Socket is not connected",
    "Can't send after socket shutdown",
    "Too many references: can't splice",
    "Operation timed out",
    "Connection refused",
    "Too many levels of symbolic links",
    "File name too long",
    "Host is down",
    "No route to host",
    "Directory not empty",
    "Too many processes",
    "Too many users",
    "Disc quota exceeded",
    "Stale NFS file handle",
    "Too many levels of remote in path",
    "RPC struct is bad",
    "RPC version wrong",
    "RPC prog. not avail",
    "Program version wrong",
    "Bad procedure for program",
    "No locks available",
    "Function not implemented",
    "Inappropriate file type or format",
    "Authentication error",
    "Need authenticator",
    "Device power is off",
    "Device error",
    "Value too large to be stored in data type",
    "Bad executable (or shared library)",
    "Bad CPU type in executable",
    "Shared library version mismatch",
    "Malformed Mach-o file",
    "Operation canceled",
    "Identifier removed",
    "No message of desired type",
    "Illegal byte sequence",
    "Attribute not found",
    "Bad message",
    "EMULTIHOP (Reserved)",
    "No message available on STREAM",
    "ENOLINK (Reserved)",
    "No STREAM resources",
    "Not a STREAM",
    "Protocol error",
    "STREAM ioctl timeout",
    "Operation not supported on socket",
    "Policy not found",
    "State not recoverable",
    "Previous owner died",
    "Interface output queue is full",
};

/* Darwin's wording of errno e (see logfmt.h). */
const char *st_darwin_strerror(long e, char *buf, size_t len)
{
    if (e >= 0 && (size_t)e < sizeof darwin_errno / sizeof *darwin_errno)
        return darwin_errno[e];
    snprintf(buf, len, "Unknown error: %ld", e);
    return buf;
}

/* macOS signal names (lower case, as darwin.signal prints them) and
 * descriptions. */
static const char *const darwin_signal[][2] = {
    {NULL, NULL},
    {"sighup", "Hangup"},
    {"sigint", "Interrupt"},
    {"sigquit", "Quit"},
    {"sigill", "Illegal instruction"},
    {"sigtrap", "Trace/BPT trap"},
    {"sigabrt", "Abort trap"},
    {"sigemt", "EMT trap"},
    {"sigfpe", "Floating point exception"},
    {"sigkill", "Killed"},
    {"sigbus", "Bus error"},
    {"sigsegv", "Segmentation Fault"},
    {"sigsys", "Bad system call"},
    {"sigpipe", "Broken pipe"},
    {"sigalrm", "Alarm clock"},
    {"sigterm", "Terminated"},
    {"sigurg", "Urgent I/O condition"},
    {"sigstop", "Suspended (signal)"},
    {"sigtstp", "Suspended"},
    {"sigcont", "Continued"},
    {"sigchld", "Child exited"},
    {"sigttin", "Stopped (tty input)"},
    {"sigttou", "Stopped (tty output)"},
    {"sigio", "I/O possible"},
    {"sigxcpu", "Cputime limit exceeded"},
    {"sigxfsz", "Filesize limit exceeded"},
    {"sigvtalrm", "Virtual timer expired"},
    {"sigprof", "Profiling timer expired"},
    {"sigwinch", "Window size changes"},
    {"siginfo", "Information request"},
    {"sigusr1", "User defined signal 1"},
    {"sigusr2", "User defined signal 2"},
};

/* ---- format spec parsing ------------------------------------------------- */

enum dec {
    D_NONE = 0, D_UNKNOWN, D_NOOP, D_BOOL, D_BOOL_UPPER, D_ERRNO, D_SIGNAL,
    D_MODE, D_TIME_T, D_TIMEVAL, D_TIMESPEC, D_UUID, D_IN_ADDR, D_IN6_ADDR,
    D_SOCKADDR, D_MASK_HASH, D_BYTES, D_IEC_BYTES, D_BITRATE, D_IEC_BITRATE,
};

static const struct { const char *name; enum dec d; } decoders[] = {
    {"bool", D_BOOL},
    {"BOOL", D_BOOL_UPPER},
    {"errno", D_ERRNO},
    {"darwin.errno", D_ERRNO},
    {"darwin.signal", D_SIGNAL},
    {"darwin.mode", D_MODE},
    {"time_t", D_TIME_T},
    {"timeval", D_TIMEVAL},
    {"timespec", D_TIMESPEC},
    {"uuid_t", D_UUID},
    {"in_addr", D_IN_ADDR},
    {"network:in_addr", D_IN_ADDR},
    {"in6_addr", D_IN6_ADDR},
    {"network:in6_addr", D_IN6_ADDR},
    {"sockaddr", D_SOCKADDR},
    {"network:sockaddr", D_SOCKADDR},
    {"mask.hash", D_MASK_HASH},
    {"bytes", D_BYTES},
    {"iec-bytes", D_IEC_BYTES},
    {"bitrate", D_BITRATE},
    {"iec-bitrate", D_IEC_BITRATE},
    /* annotations log prints without transforming the value */
    {"signpost.description:attribute", D_NOOP},
    {"signpost.description:begin_time", D_NOOP},
    {"signpost.description:end_time", D_NOOP},
    {"signpost.telemetry:number1", D_NOOP},
    {"signpost.telemetry:number2", D_NOOP},
    {"signpost.telemetry:number3", D_NOOP},
    {"signpost.telemetry:string1", D_NOOP},
    {"signpost.telemetry:string2", D_NOOP},
    {"xcode:size-in-bytes", D_NOOP},
    {"bluetooth:OI_STATUS", D_NOOP},
};

typedef struct spec {
    const char *start;         /* '%' */
    size_t len;                /* through the conversion character */
    enum dec dec;
    char dec_name[64];
    char flags[8];
    int width;                 /* -1 none, -2 '*' */
    int prec;                  /* -1 none, -2 '*' */
    char len_mod[3];
    char conv;
} spec;

/* True for a printf flag character. */
static int is_flag(char c)
{
    return c == '-' || c == '+' || c == ' ' || c == '#' || c == '0' ||
           c == '\'';
}

/* Classifies one decoder word from a {...} list (trimmed); sets the spec's
 * decoder when it is the first value decoder. */
static void take_decoder_word(spec *s, const char *w, size_t n)
{
    while (n && (*w == ' ' || *w == '\t'))
        w++, n--;
    while (n && (w[n - 1] == ' ' || w[n - 1] == '\t'))
        n--;
    if (!n)
        return;
    if ((n == 6 && memcmp(w, "public", 6) == 0) ||
        (n == 7 && memcmp(w, "private", 7) == 0) ||
        (n == 9 && memcmp(w, "sensitive", 9) == 0) ||
        (n > 5 && memcmp(w, "name=", 5) == 0) ||
        (n > 5 && memcmp(w, "Name:", 5) == 0))
        return;
    if (s->dec != D_NONE && s->dec != D_NOOP)
        return;
    for (size_t i = 0; i < sizeof decoders / sizeof *decoders; i++)
        if (strlen(decoders[i].name) == n &&
            memcmp(decoders[i].name, w, n) == 0) {
            s->dec = decoders[i].d;
            return;
        }
    s->dec = D_UNKNOWN;
    size_t k = n < sizeof s->dec_name - 1 ? n : sizeof s->dec_name - 1;
    memcpy(s->dec_name, w, k);
    s->dec_name[k] = 0;
}

/* Reads a decimal number at p[*i] (bounded); -1 when too large. */
static int read_num(const char *p, size_t n, size_t *i)
{
    long v = 0;
    while (*i < n && p[*i] >= '0' && p[*i] <= '9') {
        if (v <= 100000000)
            v = v * 10 + (p[*i] - '0');
        (*i)++;
    }
    return v > 100000000 ? 100000001 : (int)v;
}

/* Parses a conversion spec at p[0] == '%'; returns its length, or 0 when the
 * text is not a complete spec (it is then copied literally). */
static size_t parse_spec(const char *p, size_t n, spec *s)
{
    memset(s, 0, sizeof *s);
    s->start = p;
    s->width = s->prec = -1;
    size_t i = 1;
    if (i < n && p[i] == '{') {
        const char *close = memchr(p + i, '}', n - i);
        if (!close)
            return 0;
        size_t e = (size_t)(close - p);
        size_t w0 = i + 1;
        for (size_t k = i + 1; k <= e; k++)
            if (k == e || p[k] == ',') {
                take_decoder_word(s, p + w0, k - w0);
                w0 = k + 1;
            }
        i = e + 1;
    }
    size_t nf = 0;
    while (i < n && is_flag(p[i])) {
        if (nf < sizeof s->flags - 1 && !strchr(s->flags, p[i]) &&
            p[i] != '\'')
            s->flags[nf++] = p[i];
        i++;
    }
    if (i < n && p[i] == '*') {
        s->width = -2;
        i++;
    } else if (i < n && p[i] >= '0' && p[i] <= '9') {
        s->width = read_num(p, n, &i);
    }
    if (i < n && p[i] == '.') {
        i++;
        if (i < n && p[i] == '*') {
            s->prec = -2;
            i++;
        } else {
            s->prec = read_num(p, n, &i);
        }
    }
    size_t nl = 0;
    while (i < n && nl < 2 && strchr("hlqjztL", p[i]) && p[i]) {
        s->len_mod[nl++] = p[i];
        i++;
    }
    if (i >= n)
        return 0;
    char c = p[i];
    if (!strchr("diuoxXDUOcCpeEfFgGaAsS@Pmn", c) || !c)
        return 0;
    s->conv = c;
    s->len = i + 1;
    return s->len;
}

/* ---- value helpers ------------------------------------------------------- */

/* Little-endian unsigned value of a 1..8-byte item. */
static uint64_t le_value(const uint8_t *p, size_t n)
{
    uint64_t v = 0;
    for (size_t i = 0; i < n && i < 8; i++)
        v |= (uint64_t)p[i] << (8 * i);
    return v;
}

/* Sign-extends the low `bytes` bytes of v. */
static int64_t sign_extend(uint64_t v, size_t bytes)
{
    if (bytes >= 8 || bytes == 0)
        return (int64_t)v;
    unsigned bits = (unsigned)bytes * 8;
    uint64_t m = 1ull << (bits - 1);
    v &= (1ull << bits) - 1;
    return (int64_t)((v ^ m) - m);
}

/* The kind of an argument as log names it in mismatch messages. */
static const char *kind_name(const st_logarg *a)
{
    switch (a->kind) {
    case ST_ARG_SCALAR: return "INT";
    case ST_ARG_PRECISION: return "COUNT";
    case ST_ARG_STRING: return "STRING";
    case ST_ARG_OBJECT: return "OBJECT";
    case ST_ARG_DATA: return "DATA";
    case ST_ARG_PRIVATE: return "PRIVATE";
    default: return "UNKNOWN";
    }
}

/* Renders "<decode: mismatch for [%spec] got [KIND sz:N]>". */
static void mismatch(st_sbuf *out, const spec *s, const st_logarg *a,
                     st_logfmt_stats *st)
{
    if (st)
        st->mismatch++;
    st_sbuf_puts(out, "<decode: mismatch for [");
    st_sbuf_put(out, s->start, s->len);
    st_sbuf_printf(out, "] got [%s sz:%zu]>", kind_name(a), a->n);
}

/* Appends text padded to the spec's width (left- or right-justified). */
static void pad_put(st_sbuf *out, const spec *s, int width, const char *t,
                    size_t n)
{
    size_t w = width > 0 ? (size_t)width : 0;
    int left = strchr(s->flags, '-') != NULL;
    if (!left)
        for (size_t k = n; k < w; k++)
            st_sbuf_put(out, " ", 1);
    st_sbuf_put(out, t, n);
    if (left)
        for (size_t k = n; k < w; k++)
            st_sbuf_put(out, " ", 1);
}

/* Builds a printf spec "%<flags><width>.<prec><mod><conv>" for snprintf. */
static void c_spec(char *buf, size_t len, const spec *s, int width, int prec,
                   const char *mod, char conv)
{
    char w[16] = "", p[16] = "";
    if (width >= 0)
        snprintf(w, sizeof w, "%d", width);
    if (prec >= 0)
        snprintf(p, sizeof p, ".%d", prec);
    snprintf(buf, len, "%%%s%s%s%s%c", s->flags, w, p, mod, conv);
}

/* Formats with a spec built at run time: the format is checked by
 * construction (c_spec only emits valid integer/float conversions). */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
/* snprintf with a conversion spec built by c_spec (checked there). */
static void put_ll(st_sbuf *out, const char *cfmt, long long v)
{
    st_sbuf_printf(out, cfmt, v);
}
/* Unsigned variant of put_ll. */
static void put_ull(st_sbuf *out, const char *cfmt, unsigned long long v)
{
    st_sbuf_printf(out, cfmt, v);
}
/* Floating-point variant of put_ll. */
static void put_dbl(st_sbuf *out, const char *cfmt, double v)
{
    st_sbuf_printf(out, cfmt, v);
}
#pragma GCC diagnostic pop

/* Appends a UTF-8 encoding of code point c (invalid -> U+FFFD). */
static void put_utf8(st_sbuf *out, uint32_t c)
{
    char b[4];
    if (c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF))
        c = 0xFFFD;
    if (c < 0x80) {
        b[0] = (char)c;
        st_sbuf_put(out, b, 1);
    } else if (c < 0x800) {
        b[0] = (char)(0xC0 | c >> 6);
        b[1] = (char)(0x80 | (c & 63));
        st_sbuf_put(out, b, 2);
    } else if (c < 0x10000) {
        b[0] = (char)(0xE0 | c >> 12);
        b[1] = (char)(0x80 | ((c >> 6) & 63));
        b[2] = (char)(0x80 | (c & 63));
        st_sbuf_put(out, b, 3);
    } else {
        b[0] = (char)(0xF0 | c >> 18);
        b[1] = (char)(0x80 | ((c >> 12) & 63));
        b[2] = (char)(0x80 | ((c >> 6) & 63));
        b[3] = (char)(0x80 | (c & 63));
        st_sbuf_put(out, b, 4);
    }
}

/* Appends a UUID as upper-case hyphenated text. */
static void put_uuid(st_sbuf *out, const uint8_t *u)
{
    static const char hx[] = "0123456789ABCDEF";
    char t[36];
    size_t k = 0;
    for (int i = 0; i < 16; i++) {
        if (i == 4 || i == 6 || i == 8 || i == 10)
            t[k++] = '-';
        t[k++] = hx[u[i] >> 4];
        t[k++] = hx[u[i] & 15];
    }
    st_sbuf_put(out, t, k);
}

/* Appends the standard base64 of p[0..n) (mask.hash). */
static void put_base64(st_sbuf *out, const uint8_t *p, size_t n)
{
    static const char b64[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    for (size_t i = 0; i < n; i += 3) {
        uint32_t v = (uint32_t)p[i] << 16;
        if (i + 1 < n)
            v |= (uint32_t)p[i + 1] << 8;
        if (i + 2 < n)
            v |= p[i + 2];
        char t[4] = {b64[v >> 18], b64[(v >> 12) & 63],
                     i + 1 < n ? b64[(v >> 6) & 63] : '=',
                     i + 2 < n ? b64[v & 63] : '='};
        st_sbuf_put(out, t, 4);
    }
}

/* Appends "YYYY-MM-DD HH:MM:SS" (UTC) for seconds since 1970. */
static int put_utc(st_sbuf *out, int64_t sec)
{
    time_t t = (time_t)sec;
    struct tm tm;
    if ((int64_t)t != sec || !gmtime_r(&t, &tm))
        return -1;
    st_sbuf_printf(out, "%04d-%02d-%02d %02d:%02d:%02d", tm.tm_year + 1900,
                   tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min,
                   tm.tm_sec);
    return 0;
}

/* Scales a byte or bit count like log's bytes/bitrate decoders. */
static void put_scaled(st_sbuf *out, uint64_t v, int iec, const char *unit)
{
    static const char *const si[] = {"", "k", "M", "G", "T", "P", "E"};
    static const char *const bi[] = {"", "Ki", "Mi", "Gi", "Ti", "Pi", "Ei"};
    double base = iec ? 1024.0 : 1000.0, x = (double)v;
    int k = 0;
    while (x >= base && k < 6) {
        x /= base;
        k++;
    }
    if (k == 0)
        st_sbuf_printf(out, "%llu %s", (unsigned long long)v, unit);
    else
        st_sbuf_printf(out, "%.2f %s%s", x, iec ? bi[k] : si[k], unit);
}

/* Applies a value decoder; returns 0 when it rendered, -1 when the value
 * does not suit the decoder (the caller reports a mismatch). */
static int apply_decoder(st_sbuf *out, const spec *s, const st_logarg *a)
{
    int scalar = a->kind == ST_ARG_SCALAR;
    uint64_t u = scalar ? le_value(a->p, a->n) : 0;
    int64_t i = scalar ? sign_extend(u, a->n) : 0;
    char buf[64];
    switch (s->dec) {
    case D_BOOL:
    case D_BOOL_UPPER:
        if (!scalar)
            return -1;
        st_sbuf_puts(out, s->dec == D_BOOL ? (u ? "true" : "false")
                                           : (u ? "YES" : "NO"));
        return 0;
    case D_ERRNO:
        if (!scalar)
            return -1;
        st_sbuf_printf(out, "[%lld: %s]", (long long)i,
                       st_darwin_strerror((long)i, buf, sizeof buf));
        return 0;
    case D_SIGNAL:
        if (!scalar)
            return -1;
        if (i > 0 && i < (int64_t)(sizeof darwin_signal /
                                   sizeof *darwin_signal))
            st_sbuf_printf(out, "[%s: %s]", darwin_signal[i][0],
                           darwin_signal[i][1]);
        else
            st_sbuf_printf(out, "[%lld: Unknown signal]", (long long)i);
        return 0;
    case D_MODE: {
        if (!scalar)
            return -1;
        static const char types[16] = {'-', 'p', 'c', '-', 'd', '-', 'b', '-',
                                       '-', '-', 'l', '-', 's', '-', 'w', '-'};
        char m[11];
        m[0] = types[(u >> 12) & 15];
        const char *rwx = "rwxrwxrwx";
        for (int b = 0; b < 9; b++)
            m[1 + b] = (u >> (8 - b)) & 1 ? rwx[b] : '-';
        if (u & 04000)
            m[3] = m[3] == 'x' ? 's' : 'S';
        if (u & 02000)
            m[6] = m[6] == 'x' ? 's' : 'S';
        if (u & 01000)
            m[9] = m[9] == 'x' ? 't' : 'T';
        st_sbuf_put(out, m, 10);
        return 0;
    }
    case D_TIME_T:
        if (!scalar)
            return -1;
        return put_utc(out, i);
    case D_TIMEVAL:
    case D_TIMESPEC: {
        if (a->kind != ST_ARG_DATA || a->n < 16)
            return -1;
        int64_t sec = (int64_t)le_value(a->p, 8);
        int64_t frac = s->dec == D_TIMEVAL ? sign_extend(le_value(a->p + 8, 4), 4)
                                           : (int64_t)le_value(a->p + 8, 8);
        if (put_utc(out, sec) < 0)
            return -1;
        st_sbuf_printf(out, s->dec == D_TIMEVAL ? ".%06lld" : ".%09lld",
                       (long long)frac);
        return 0;
    }
    case D_UUID:
        if ((a->kind != ST_ARG_DATA && a->kind != ST_ARG_STRING) ||
            a->n < 16 || !a->p)
            return -1;
        put_uuid(out, a->p);
        return 0;
    case D_IN_ADDR: {
        const uint8_t *q = a->p;
        if (!q || a->n < 4 || (a->kind != ST_ARG_SCALAR &&
                               a->kind != ST_ARG_DATA))
            return -1;
        st_sbuf_printf(out, "%u.%u.%u.%u", q[0], q[1], q[2], q[3]);
        return 0;
    }
    case D_IN6_ADDR: {
        char t[INET6_ADDRSTRLEN];
        if (a->kind != ST_ARG_DATA || a->n < 16 ||
            !inet_ntop(AF_INET6, a->p, t, sizeof t))
            return -1;
        st_sbuf_puts(out, t);
        return 0;
    }
    case D_SOCKADDR: {
        if (a->kind != ST_ARG_DATA)
            return -1;
        if (a->n == 0 || !a->p) {
            st_sbuf_puts(out, "<NULL>");
            return 0;
        }
        const uint8_t *q = a->p;
        char t[INET6_ADDRSTRLEN];
        unsigned port = a->n >= 4 ? (unsigned)(q[2] << 8 | q[3]) : 0;
        if (a->n >= 8 && q[1] == 2) {
            st_sbuf_printf(out, "%u.%u.%u.%u", q[4], q[5], q[6], q[7]);
            if (port)
                st_sbuf_printf(out, ":%u", port);
            return 0;
        }
        if (a->n >= 24 && q[1] == 30 && inet_ntop(AF_INET6, q + 8, t,
                                                   sizeof t)) {
            if (port)
                st_sbuf_printf(out, "[%s]:%u", t, port);
            else
                st_sbuf_puts(out, t);
            return 0;
        }
        return -1;
    }
    case D_MASK_HASH:
        if (a->kind != ST_ARG_DATA && a->kind != ST_ARG_STRING &&
            a->kind != ST_ARG_OBJECT)
            return -1;
        if (!a->p || !a->n) {
            st_sbuf_puts(out, "<mask.hash: (null)>");
            return 0;
        }
        st_sbuf_puts(out, "<mask.hash: '");
        put_base64(out, a->p, a->n);
        st_sbuf_puts(out, "'>");
        return 0;
    case D_BYTES:
    case D_IEC_BYTES:
        if (!scalar)
            return -1;
        put_scaled(out, u, s->dec == D_IEC_BYTES, "B");
        return 0;
    case D_BITRATE:
    case D_IEC_BITRATE:
        if (!scalar)
            return -1;
        put_scaled(out, u, s->dec == D_IEC_BITRATE, "bps");
        return 0;
    default:
        return -1;
    }
}

/* Renders a value without decoder per its conversion. */
static void render_plain(st_sbuf *out, const spec *s, const st_logarg *a,
                         int width, int prec, st_logfmt_stats *st)
{
    char cf[48];
    char c = s->conv;
    int has_h = s->len_mod[0] == 'h', has_hh = has_h && s->len_mod[1] == 'h';
    switch (c) {
    case 'd': case 'i': case 'D':
    case 'u': case 'o': case 'x': case 'X': case 'U': case 'O': {
        if (a->kind != ST_ARG_SCALAR || a->n == 0 || a->n > 8) {
            mismatch(out, s, a, st);
            return;
        }
        uint64_t u = le_value(a->p, a->n);
        char cc = c == 'D' ? 'd' : c == 'U' ? 'u' : c == 'O' ? 'o' : c;
        if (cc == 'd' || cc == 'i') {
            int64_t v = sign_extend(u, has_hh ? 1 : has_h ? 2 : a->n);
            c_spec(cf, sizeof cf, s, width, prec, "ll", 'd');
            put_ll(out, cf, (long long)v);
        } else {
            if (has_hh)
                u &= 0xff;
            else if (has_h)
                u &= 0xffff;
            c_spec(cf, sizeof cf, s, width, prec, "ll", cc);
            put_ull(out, cf, (unsigned long long)u);
        }
        return;
    }
    case 'p': {
        if (a->kind != ST_ARG_SCALAR || a->n == 0 || a->n > 8) {
            mismatch(out, s, a, st);
            return;
        }
        /* Darwin prints pointers as 0x%llx; width pads the whole. */
        char t[32];
        int k = snprintf(t, sizeof t, "0x%llx",
                         (unsigned long long)le_value(a->p, a->n));
        pad_put(out, s, width, t, (size_t)k);
        return;
    }
    case 'c': case 'C': {
        if (a->kind != ST_ARG_SCALAR || a->n == 0 || a->n > 8) {
            mismatch(out, s, a, st);
            return;
        }
        uint64_t v = le_value(a->p, a->n);
        st_sbuf b = {0};
        if (c == 'c' && s->len_mod[0] != 'l') {
            char ch = (char)(v & 0xff);
            pad_put(out, s, width, &ch, 1);
        } else {
            put_utf8(&b, (uint32_t)v);
            pad_put(out, s, width, b.p ? b.p : "", b.n);
            st_sbuf_free(&b);
        }
        return;
    }
    case 'e': case 'E': case 'f': case 'F': case 'g': case 'G':
    case 'a': case 'A': {
        double v;
        if (a->kind != ST_ARG_SCALAR || (a->n != 4 && a->n != 8)) {
            mismatch(out, s, a, st);
            return;
        }
        if (a->n == 4) {
            float f;
            uint32_t bits = (uint32_t)le_value(a->p, 4);
            memcpy(&f, &bits, 4);
            v = f;
        } else {
            uint64_t bits = le_value(a->p, 8);
            memcpy(&v, &bits, 8);
        }
        c_spec(cf, sizeof cf, s, width, prec, "", c);
        put_dbl(out, cf, v);
        return;
    }
    case 's': case '@': case 'S': {
        if (a->kind != ST_ARG_STRING && a->kind != ST_ARG_OBJECT &&
            a->kind != ST_ARG_DATA) {
            mismatch(out, s, a, st);
            return;
        }
        if (!a->p) {
            pad_put(out, s, width, "(null)", 6);
            return;
        }
        if (c == 'S' || (c == 's' && s->len_mod[0] == 'l')) {
            /* wchar_t is 4 bytes little-endian on Darwin */
            st_sbuf b = {0};
            for (size_t k = 0; k + 4 <= a->n; k += 4) {
                uint32_t ch = (uint32_t)le_value(a->p + k, 4);
                if (!ch || (prec >= 0 && (int)(k / 4) >= prec))
                    break;
                put_utf8(&b, ch);
            }
            pad_put(out, s, width, b.p ? b.p : "", b.n);
            st_sbuf_free(&b);
            return;
        }
        const uint8_t *z = memchr(a->p, 0, a->n);
        size_t len = z ? (size_t)(z - a->p) : a->n;
        if (prec >= 0 && (size_t)prec < len && c != '@')
            len = (size_t)prec;
        pad_put(out, s, width, (const char *)a->p, len);
        return;
    }
    case 'P': {
        /* Binary data without a decoder: log cannot compose it either. */
        if (a->kind != ST_ARG_DATA && a->kind != ST_ARG_STRING &&
            a->kind != ST_ARG_OBJECT) {
            mismatch(out, s, a, st);
            return;
        }
        if (!a->p) {
            st_sbuf_puts(out, "(null)");
            return;
        }
        size_t len = a->n;
        if (prec >= 0 && (size_t)prec < len)
            len = (size_t)prec;
        static const char hx[] = "0123456789abcdef";
        st_sbuf_puts(out, "<");
        for (size_t k = 0; k < len; k++) {
            char t[2] = {hx[a->p[k] >> 4], hx[a->p[k] & 15]};
            st_sbuf_put(out, t, 2);
        }
        st_sbuf_puts(out, ">");
        return;
    }
    case 'm': {
        if (a->kind != ST_ARG_SCALAR || a->n == 0 || a->n > 8) {
            mismatch(out, s, a, st);
            return;
        }
        char buf[64];
        int64_t e = sign_extend(le_value(a->p, a->n), a->n);
        const char *t = st_darwin_strerror((long)e, buf, sizeof buf);
        pad_put(out, s, width, t, strlen(t));
        return;
    }
    default:
        mismatch(out, s, a, st);
    }
}

/* The integer value of a '*' argument (precision item or scalar); -1 when
 * the argument cannot supply one. */
static int star_value(const st_logarg *a)
{
    if ((a->kind != ST_ARG_PRECISION && a->kind != ST_ARG_SCALAR) ||
        a->n == 0 || a->n > 8)
        return -1;
    int64_t v = sign_extend(le_value(a->p, a->n), a->n);
    return v < 0 ? -1 : v > ST_LOGFMT_MAX_PAD ? ST_LOGFMT_MAX_PAD + 1
                                             : (int)v;
}

/* Composes a message (see logfmt.h for the rules): literal text copied,
 * each conversion takes its arguments in order. */
void st_logfmt_render(st_sbuf *out, const char *fmt, size_t fmtlen,
                      const st_logarg *args, size_t nargs,
                      st_logfmt_stats *st)
{
    size_t ai = 0, i = 0;
    while (i < fmtlen) {
        const char *pct = memchr(fmt + i, '%', fmtlen - i);
        size_t lit_end = pct ? (size_t)(pct - fmt) : fmtlen;
        st_sbuf_put(out, fmt + i, lit_end - i);
        if (!pct)
            break;
        i = lit_end;
        if (i + 1 < fmtlen && fmt[i + 1] == '%') {
            st_sbuf_put(out, "%", 1);
            i += 2;
            continue;
        }
        spec s;
        size_t sl = parse_spec(fmt + i, fmtlen - i, &s);
        if (!sl) {                     /* not a conversion: keep the text */
            st_sbuf_put(out, "%", 1);
            i++;
            continue;
        }
        i += sl;
        if (s.conv == 'n')
            continue;
        if (st)
            st->conversions++;
        int width = s.width, prec = s.prec;
        /* A '*' takes a count or number; anything else is left for the
         * value itself (the count was not recorded). */
        if (width == -2) {
            width = ai < nargs ? star_value(&args[ai]) : -1;
            if (ai < nargs && (args[ai].kind == ST_ARG_PRECISION ||
                               args[ai].kind == ST_ARG_SCALAR))
                ai++;
        }
        if (prec == -2) {
            prec = ai < nargs ? star_value(&args[ai]) : -1;
            if (ai < nargs && (args[ai].kind == ST_ARG_PRECISION ||
                               args[ai].kind == ST_ARG_SCALAR))
                ai++;
        } else if (ai < nargs && args[ai].kind == ST_ARG_PRECISION) {
            /* A count recorded for a literal precision (or %P length). */
            if (prec < 0)
                prec = star_value(&args[ai]);
            ai++;
        }
        if (width > ST_LOGFMT_MAX_PAD || prec > ST_LOGFMT_MAX_PAD) {
            if (st)
                st->mismatch++;
            if (width > ST_LOGFMT_MAX_PAD)
                width = -1;
            if (prec > ST_LOGFMT_MAX_PAD)
                prec = -1;
        }
        if (ai >= nargs) {
            if (st)
                st->missing++;
            st_sbuf_puts(out, "<decode: missing data>");
            continue;
        }
        const st_logarg *a = &args[ai++];
        if (a->kind == ST_ARG_PRIVATE) {
            st_sbuf_puts(out, "<private>");
            continue;
        }
        if (a->kind == ST_ARG_UNKNOWN || a->kind == ST_ARG_PRECISION ||
            (a->n && !a->p)) {
            if (st && a->kind == ST_ARG_UNKNOWN)
                st->unknown_item++;
            mismatch(out, &s, a, st);
            continue;
        }
        if (s.dec == D_UNKNOWN && st) {
            if (!st->unknown_decoder)
                snprintf(st->first_unknown, sizeof st->first_unknown, "%s",
                         s.dec_name);
            st->unknown_decoder++;
        }
        if (s.dec != D_NONE && s.dec != D_UNKNOWN && s.dec != D_NOOP) {
            if (apply_decoder(out, &s, a) == 0)
                continue;
            mismatch(out, &s, a, st);
            continue;
        }
        render_plain(out, &s, a, width, prec, st);
    }
    if (st && ai < nargs)
        st->extra_args += (unsigned)(nargs - ai);
}
