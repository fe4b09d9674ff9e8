/*
 * logshow_out.c -- `log show` layouts and the output buffer.  See
 * logshow_out.h; layouts are documented in docs/timeline.md and
 * shared/reference/LOG_FORMATS.md.
 */
#include "logshow_out.h"

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>

#include "timeparse.h"
#include "utf8.h"

/* ---- output buffer ------------------------------------------------------ */

/* Starts an empty buffer; memory comes on first use. */
void st_out_init(st_out *o, FILE *f)
{
    memset(o, 0, sizeof *o);
    o->f = f;
}

/* Grows the buffer for k more bytes.  With a FILE, the buffer is flushed
 * first when that makes room, so memory stays near ST_OUT_FLUSH. */
char *st_out_room(st_out *o, size_t k)
{
    if (o->cap - o->n >= k)
        return o->p + o->n;
    size_t c = o->cap ? o->cap : (o->f ? ST_OUT_FLUSH + 65536 : 4096);
    while (c - o->n < k)
        c *= 2;
    char *np = realloc(o->p, c);
    if (!np) {
        if (!o->err)
            o->err = ENOMEM;
        return NULL;
    }
    o->p = np;
    o->cap = c;
    return o->p + o->n;
}

/* Writes the buffered bytes; a short write is remembered, not retried. */
int st_out_flush(st_out *o)
{
    if (o->f && o->n) {
        if (fwrite(o->p, 1, o->n, o->f) != o->n && !o->err)
            o->err = errno ? errno : 1;
        o->n = 0;
    }
    return o->err ? -1 : 0;
}

/* Flushes the FILE too, so write errors (a full disk) surface here. */
int st_out_close(st_out *o)
{
    int rc = st_out_flush(o);
    if (o->f && fflush(o->f) != 0 && !o->err) {
        o->err = errno ? errno : 1;
        rc = -1;
    }
    free(o->p);
    o->p = NULL;
    o->n = o->cap = 0;
    return rc;
}

/* Appends a C string; NULL appends nothing. */
void st_out_str(st_out *o, const char *s)
{
    if (s)
        st_out_add(o, s, strlen(s));
}

/* Appends a view; an absent (NULL) view appends nothing. */
void st_out_view(st_out *o, st_str s)
{
    if (s.p)
        st_out_add(o, s.p, s.n);
}

/* printf into the buffer; long results are written in a second pass. */
void st_out_printf(st_out *o, const char *fmt, ...)
{
    char *dst = st_out_room(o, 256);
    if (!dst)
        return;
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(dst, o->cap - o->n, fmt, ap);
    va_end(ap);
    if (n < 0)
        return;
    if ((size_t)n >= o->cap - o->n) {
        if (!(dst = st_out_room(o, (size_t)n + 1)))
            return;
        va_start(ap, fmt);
        vsnprintf(dst, (size_t)n + 1, fmt, ap);
        va_end(ap);
    }
    o->n += (size_t)n;
}

/* Appends n spaces (column padding). */
void st_out_spaces(st_out *o, size_t n)
{
    char *d = st_out_room(o, n);
    if (!d)
        return;
    memset(d, ' ', n);
    o->n += n;
}

/* Decimal digits of v, written backwards into the end of a 20-byte area,
 * two at a time from a table (this runs several times per event). */
static size_t u64_digits(uint64_t v, char *end)
{
    static const char pairs[] =
        "00010203040506070809101112131415161718192021222324252627282930313233"
        "34353637383940414243444546474849505152535455565758596061626364656667"
        "6869707172737475767778798081828384858687888990919293949596979899";
    char *p = end;
    while (v >= 100) {
        unsigned r = (unsigned)(v % 100);
        v /= 100;
        p -= 2;
        memcpy(p, pairs + r * 2, 2);
    }
    if (v >= 10) {
        p -= 2;
        memcpy(p, pairs + v * 2, 2);
    } else {
        *--p = (char)('0' + v);
    }
    return (size_t)(end - p);
}

/* Appends v in decimal. */
void st_out_u64(st_out *o, uint64_t v)
{
    char b[24];
    size_t k = u64_digits(v, b + sizeof b);
    st_out_add(o, b + sizeof b - k, k);
}

/* Appends v in decimal with its sign; INT64_MIN works. */
void st_out_i64(st_out *o, int64_t v)
{
    if (v < 0) {
        st_out_c(o, '-');
        st_out_u64(o, (uint64_t)0 - (uint64_t)v);
    } else {
        st_out_u64(o, (uint64_t)v);
    }
}

/* Appends v as log prints ids: "0x" and lower-case hex. */
void st_out_hex(st_out *o, uint64_t v)
{
    static const char hx[] = "0123456789abcdef";
    char b[20];
    size_t k = 0;
    do {
        b[sizeof b - 1 - k++] = hx[v & 15];
        v >>= 4;
    } while (v);
    b[sizeof b - 1 - k++] = 'x';
    b[sizeof b - 1 - k++] = '0';
    st_out_add(o, b + sizeof b - k, k);
}

/* Which ASCII bytes need an escape in a JSON string (1), and '/' (2). */
static const unsigned char json_esc[128] = {
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
    0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2,
    ['\\'] = 1, [127] = 0,
};

/* 1 when one of the 8 bytes of w needs attention in a JSON string: a
 * control byte, '"', '\\', a non-ASCII byte, or '/' when slash is set.
 * Lets plain text be copied eight bytes per test. */
static inline int special8(uint64_t w, int slash)
{
    const uint64_t ones = 0x0101010101010101ULL, high = ones * 0x80;
    uint64_t q = w ^ (ones * '"'), b = w ^ (ones * '\\');
    uint64_t hit = (w & high) | ((w - ones * 0x20) & ~w & high) |
                   ((q - ones) & ~q & high) | ((b - ones) & ~b & high);
    if (slash) {
        uint64_t s = w ^ (ones * '/');
        hit |= (s - ones) & ~s & high;
    }
    return hit != 0;
}

/* Escapes text as a JSON string; runs of plain bytes are copied at once. */
void st_out_json(st_out *o, const char *s, size_t n, int slash)
{
    st_out_c(o, '"');
    st_out_json_body(o, s, n, slash);
    st_out_c(o, '"');
}

/* Escapes n bytes as the inside of a JSON string (no quotes); invalid
 * UTF-8 becomes U+FFFD.  Plain runs are copied eight bytes per test. */
void st_out_json_body(st_out *o, const char *s, size_t n, int slash)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t i = 0, run = 0;
    while (i < n) {
        if (i + 8 <= n) {
            uint64_t w;
            memcpy(&w, p + i, 8);
            if (!special8(w, slash)) {
                run += 8;
                i += 8;
                continue;
            }
        }
        unsigned c = p[i];
        if (c < 0x80) {
            unsigned e = json_esc[c];
            if (!e || (e == 2 && !slash)) {
                run++;
                i++;
                continue;
            }
        } else {
            size_t k = st_utf8_seq(p + i, n - i);
            if (k) {
                run += k;
                i += k;
                continue;
            }
        }
        if (run)
            st_out_add(o, s + i - run, run);
        run = 0;
        switch (c) {
        case '"': st_out_lit(o, "\\\""); break;
        case '\\': st_out_lit(o, "\\\\"); break;
        case '/': st_out_lit(o, "\\/"); break;
        case '\n': st_out_lit(o, "\\n"); break;
        case '\t': st_out_lit(o, "\\t"); break;
        case '\r': st_out_lit(o, "\\r"); break;
        case '\b': st_out_lit(o, "\\b"); break;
        case '\f': st_out_lit(o, "\\f"); break;
        default:
            if (c >= 0x80) {
                st_out_lit(o, "\\ufffd");
            } else {
                static const char hx[] = "0123456789abcdef";
                char u[6] = {'\\', 'u', '0', '0', hx[c >> 4], hx[c & 15]};
                st_out_add(o, u, 6);
            }
        }
        i++;
    }
    if (run)
        st_out_add(o, s + n - run, run);
}

/* ---- stored JSON, re-indented ------------------------------------------- */

typedef struct jtext {
    const char *p;
    size_t n, i;
    int bad;
} jtext;

/* Skips JSON whitespace. */
static void jt_ws(jtext *t)
{
    while (t->i < t->n && (t->p[t->i] == ' ' || t->p[t->i] == '\n' ||
                           t->p[t->i] == '\t' || t->p[t->i] == '\r'))
        t->i++;
}

/* Starts a pretty-printed line at `level` (two spaces per level). */
static void newline_indent(st_out *o, int level)
{
    st_out_c(o, '\n');
    st_out_spaces(o, (size_t)level * 2);
}

/* Copies one JSON string token, escaping '/' when asked; keeps the
 * original escapes.  Sets bad on an unterminated string. */
static void jt_string(jtext *t, st_out *o, int slash)
{
    size_t s = t->i++;
    size_t run_start = s;
    while (t->i < t->n && t->p[t->i] != '"') {
        if (t->p[t->i] == '\\') {
            t->i += 2;
            continue;
        }
        if (t->p[t->i] == '/' && slash) {
            st_out_add(o, t->p + run_start, t->i - run_start);
            st_out_lit(o, "\\/");
            run_start = ++t->i;
            continue;
        }
        if ((unsigned char)t->p[t->i] < 0x20) {
            t->bad = 1;
            return;
        }
        t->i++;
    }
    if (t->i >= t->n) {
        t->bad = 1;
        return;
    }
    t->i++;
    st_out_add(o, t->p + run_start, t->i - run_start);
}

/* Writes one value at nesting `level`; indent < 0 means compact.  Depth is
 * bounded so hostile input cannot exhaust the stack. */
static void jt_value(jtext *t, st_out *o, int level, int indent, int slash)
{
    jt_ws(t);
    if (t->i >= t->n || level > 64) {
        t->bad = 1;
        return;
    }
    char c = t->p[t->i];
    if (c == '{' || c == '[') {
        char close = c == '{' ? '}' : ']';
        t->i++;
        st_out_c(o, c);
        jt_ws(t);
        if (t->i < t->n && t->p[t->i] == close) {
            t->i++;
            st_out_c(o, close);
            return;
        }
        for (;;) {
            if (indent >= 0)
                newline_indent(o, level + 1);
            if (c == '{') {
                jt_ws(t);
                if (t->i >= t->n || t->p[t->i] != '"') {
                    t->bad = 1;
                    return;
                }
                jt_string(t, o, slash);
                jt_ws(t);
                if (t->bad || t->i >= t->n || t->p[t->i] != ':') {
                    t->bad = 1;
                    return;
                }
                t->i++;
                if (indent >= 0)
                    st_out_lit(o, " : ");
                else
                    st_out_c(o, ':');
            }
            jt_value(t, o, level + 1, indent, slash);
            jt_ws(t);
            if (t->bad || t->i >= t->n) {
                t->bad = 1;
                return;
            }
            if (t->p[t->i] == ',') {
                t->i++;
                st_out_c(o, ',');
                continue;
            }
            if (t->p[t->i] != close) {
                t->bad = 1;
                return;
            }
            t->i++;
            if (indent >= 0)
                newline_indent(o, level);
            st_out_c(o, close);
            return;
        }
    }
    if (c == '"') {
        jt_string(t, o, slash);
        return;
    }
    /* number, true, false, null */
    size_t s = t->i;
    while (t->i < t->n && t->p[t->i] &&
           (strchr("+-.eE0123456789", t->p[t->i]) ||
            (t->p[t->i] >= 'a' && t->p[t->i] <= 'z')))
        t->i++;
    if (t->i == s) {
        t->bad = 1;
        return;
    }
    st_out_add(o, t->p + s, t->i - s);
}

/* Copies stored JSON re-indented; falls back to a JSON string when the
 * text is not valid JSON (nothing was flushed while writing it). */
void st_out_json_text(st_out *o, st_str json, int indent, int slash)
{
    if (!json.p) {
        st_out_lit(o, "null");
        return;
    }
    size_t start = o->n;
    jtext t = {json.p, json.n, 0, 0};
    jt_value(&t, o, indent < 0 ? 0 : indent, indent, slash);
    jt_ws(&t);
    if (t.bad || t.i != t.n) {
        o->n = start;   /* nothing was flushed inside one value */
        st_out_json(o, json.p, json.n, slash);
    }
}

/* Copies the members of a stored object after the caller's own members;
 * a malformed object is left out whole. */
void st_out_json_members(st_out *o, st_str obj, int indent, int slash)
{
    if (!obj.p)
        return;
    jtext t = {obj.p, obj.n, 0, 0};
    jt_ws(&t);
    if (t.i >= t.n || t.p[t.i] != '{')
        return;
    size_t start = o->n;
    t.i++;
    jt_ws(&t);
    if (t.i < t.n && t.p[t.i] == '}')
        return;
    for (;;) {
        st_out_c(o, ',');
        if (indent >= 0)
            newline_indent(o, indent + 1);
        jt_ws(&t);
        if (t.i >= t.n || t.p[t.i] != '"')
            break;
        jt_string(&t, o, slash);
        jt_ws(&t);
        if (t.bad || t.i >= t.n || t.p[t.i] != ':')
            break;
        t.i++;
        if (indent >= 0)
            st_out_lit(o, " : ");
        else
            st_out_c(o, ':');
        jt_value(&t, o, indent + 1, indent, slash);
        jt_ws(&t);
        if (t.bad || t.i >= t.n)
            break;
        if (t.p[t.i] == '}')
            return;
        if (t.p[t.i] != ',')
            break;
        t.i++;
    }
    o->n = start;   /* malformed: leave the members out rather than break */
}

/* ---- timestamps --------------------------------------------------------- */

/* Per-thread cache of the last second formatted: events come in time
 * order, so most share their date and time of day with the previous one. */
static __thread int64_t tcache_sec = INT64_MIN;
static __thread char tcache_text[20];

/* Writes the 19 bytes "YYYY-MM-DD HH:MM:SS" of the local second `sec`
 * (years clamped to 0..9999), from the per-thread cache when it can. */
static void civil_text(int64_t sec, char *out)
{
    if (sec != tcache_sec) {
        int64_t days = sec >= 0 ? sec / 86400 : -((-sec + 86399) / 86400);
        int64_t tod = sec - days * 86400;
        int y, m, d;
        st_civil_from_days(days, &y, &m, &d);
        char *b = tcache_text;
        int yy = y < 0 ? 0 : y > 9999 ? 9999 : y;
        b[0] = (char)('0' + yy / 1000);
        b[1] = (char)('0' + yy / 100 % 10);
        b[2] = (char)('0' + yy / 10 % 10);
        b[3] = (char)('0' + yy % 10);
        b[4] = '-';
        b[5] = (char)('0' + m / 10);
        b[6] = (char)('0' + m % 10);
        b[7] = '-';
        b[8] = (char)('0' + d / 10);
        b[9] = (char)('0' + d % 10);
        b[10] = ' ';
        int h = (int)(tod / 3600), mi = (int)(tod / 60 % 60), s = (int)(tod % 60);
        b[11] = (char)('0' + h / 10);
        b[12] = (char)('0' + h % 10);
        b[13] = ':';
        b[14] = (char)('0' + mi / 10);
        b[15] = (char)('0' + mi % 10);
        b[16] = ':';
        b[17] = (char)('0' + s / 10);
        b[18] = (char)('0' + s % 10);
        tcache_sec = sec;
    }
    memcpy(out, tcache_text, 19);
}

/* Splits UTC microseconds at an offset into the local second and the
 * microseconds within it (floor, so times before 1970 work). */
static int64_t local_split(int64_t utc_us, int32_t off_min, int *us)
{
    int64_t l = utc_us + (int64_t)off_min * 60000000LL;
    int64_t sec = l >= 0 ? l / 1000000 : -((-l + 999999) / 1000000);
    *us = (int)(l - sec * 1000000);
    return sec;
}

/* Writes v as exactly k decimal digits (zero-padded). */
static void put_n(char *o, unsigned v, int k)
{
    while (k-- > 0) {
        o[k] = (char)('0' + v % 10);
        v /= 10;
    }
}

/* log show's timestamp of a UTC time at an offset; see the header. */
size_t st_ls_time(char *buf, int64_t utc_us, int32_t off_min)
{
    int us;
    civil_text(local_split(utc_us, off_min, &us), buf);
    buf[19] = '.';
    put_n(buf + 20, (unsigned)us, 6);
    unsigned a = (unsigned)(off_min < 0 ? -off_min : off_min);
    buf[26] = off_min < 0 ? '-' : '+';
    put_n(buf + 27, a / 60 % 100, 2);
    put_n(buf + 29, a % 60, 2);
    return 31;
}

/* ISO 8601 timestamp of a UTC time at an offset; see the header. */
size_t st_iso_time(char *buf, int64_t utc_us, int32_t off_min, int zulu)
{
    int us;
    civil_text(local_split(utc_us, off_min, &us), buf);
    buf[10] = 'T';
    buf[19] = '.';
    put_n(buf + 20, (unsigned)us, 6);
    if (off_min == 0 && zulu) {
        buf[26] = 'Z';
        return 27;
    }
    unsigned a = (unsigned)(off_min < 0 ? -off_min : off_min);
    buf[26] = off_min < 0 ? '-' : '+';
    put_n(buf + 27, a / 60 % 100, 2);
    buf[29] = ':';
    put_n(buf + 30, a % 60, 2);
    return 32;
}

/* ---- styles ------------------------------------------------------------- */

static const char *const style_names[] = {"default", "compact", "syslog",
                                          "ndjson", "json"};

/* Maps a style name to its st_ls_style, or -1. */
int st_ls_style_parse(const char *name)
{
    for (int i = 0; i < 5; i++)
        if (!strcmp(name, style_names[i]))
            return i;
    return -1;
}

/* Maps a style back to its name. */
const char *st_ls_style_name(st_ls_style s)
{
    return (unsigned)s < 5 ? style_names[s] : "?";
}

/* The header line of a text style (LOG_FORMATS.md §2-§4). */
const char *st_ls_header(st_ls_style s)
{
    switch (s) {
    case ST_LS_DEFAULT:
        return "Timestamp                       Thread     Type        "
               "Activity             PID    TTL  \n";
    case ST_LS_COMPACT:
        return "Timestamp               Ty Process[PID:TID]\n";
    case ST_LS_SYSLOG:
        return "Timestamp                       (process)[PID]    \n";
    default:
        return "";
    }
}

/* 1 when a view holds exactly the C string s. */
static int view_is(st_str v, const char *s)
{
    size_t n = strlen(s);
    return v.p && v.n == n && memcmp(v.p, s, n) == 0;
}

/* 1 for the five message types log writes as messageType. */
int st_ls_is_message_type(st_str t)
{
    return view_is(t, "Default") || view_is(t, "Info") ||
           view_is(t, "Debug") || view_is(t, "Error") || view_is(t, "Fault");
}

/* Non-log eventTypes and the name the default style prints for them (the
 * inverse of the JSON reader's mapping in parsers/logshow_json.c). */
static const struct { const char *type, *event_type; } kinds[] = {
    {"Activity", "activityCreateEvent"}, {"Signpost", "signpostEvent"},
    {"Timesync", "timesyncEvent"},       {"State", "stateEvent"},
    {"StateDump", "stateEvent"},         {"Loss", "lossEvent"},
    {"UserAction", "userActionEvent"},   {"Trace", "traceEvent"},
};

/* The eventType log would write for an event; see the header. */
st_str st_ls_event_type(const st_event *ev)
{
    if (ev->event_type.p && ev->event_type.n)
        return ev->event_type;
    if (!ev->type.p)
        return ST_STR_NULL;
    for (size_t i = 0; i < sizeof kinds / sizeof *kinds; i++)
        if (view_is(ev->type, kinds[i].type))
            return (st_str){kinds[i].event_type,
                            strlen(kinds[i].event_type)};
    return ST_STR_LIT("logEvent");
}

/* 1 when et is one of the non-log eventTypes `log` writes without a
 * messageType. */
static int implied_type(st_str et)
{
    for (size_t i = 0; i < sizeof kinds / sizeof *kinds; i++)
        if (view_is(et, kinds[i].event_type))
            return 1;
    return 0;
}

/* Counts an event for the trailer (Default/Info/Debug/Error/Fault and
 * activity creations, as log counts them). */
void st_ls_count(st_ls_counts *c, const st_event *ev)
{
    c->records++;
    st_str t = ev->type;
    if (!t.p || view_is(t, "Default"))
        c->def++;   /* syslog style carries no type: counted as Default */
    else if (view_is(t, "Info"))
        c->info++;
    else if (view_is(t, "Debug"))
        c->debug++;
    else if (view_is(t, "Error"))
        c->error++;
    else if (view_is(t, "Fault"))
        c->fault++;
    else if (view_is(t, "Activity"))
        c->activity++;
}

/* The signpost prefix "[spid 0x…, scope, type] " when the event has one. */
static void signpost_prefix(st_out *o, const st_event *ev)
{
    if (!(ev->has & ST_HAS_SIGNPOST_ID))
        return;
    st_out_lit(o, "[spid ");
    st_out_hex(o, ev->signpost_id);
    if (ev->signpost_scope.p || ev->signpost_type.p) {
        st_out_lit(o, ", ");
        st_out_view(o, ev->signpost_scope);
        st_out_lit(o, ", ");
        st_out_view(o, ev->signpost_type);
    }
    st_out_lit(o, "] ");
}

/* 1 when two present views hold the same bytes. */
static int same(st_str a, st_str b)
{
    return a.p && b.p && a.n == b.n && memcmp(a.p, b.p, a.n) == 0;
}

/* "(sender) " unless the sender is the process; "[sub:cat] " when there is
 * a subsystem; then the message. */
static void sender_subsystem_message(st_out *o, const st_event *ev)
{
    if (ev->sender.p && ev->sender.n && !same(ev->sender, ev->process)) {
        st_out_c(o, '(');
        st_out_view(o, ev->sender);
        st_out_lit(o, ") ");
    }
    if (ev->subsystem.p && ev->subsystem.n) {
        st_out_c(o, '[');
        st_out_view(o, ev->subsystem);
        st_out_c(o, ':');
        st_out_view(o, ev->category);
        st_out_lit(o, "] ");
    }
    st_out_view(o, ev->message);
}

/* The timestamp of a text style: log show's rendering of the UTC time in
 * the event's offset; the text as stored when the event has no time. */
static void text_time(st_out *o, const st_event *ev)
{
    if (ev->has & ST_HAS_TIME) {
        char *d = st_out_room(o, 32);
        if (d)
            o->n += st_ls_time(d, ev->time_us, ev->utc_offset_min);
    } else {
        st_out_view(o, ev->time_text);
        st_out_pad(o, ev->time_text.p ? ev->time_text.n : 0, 31);
    }
}

/* One record in the default layout: fixed-width columns that widen when
 * a value overflows, then "process: (sender) [sub:cat] message". */
void st_ls_default_line(st_out *o, const st_event *ev)
{
    size_t m;
    text_time(o, ev);
    st_out_c(o, ' ');
    m = o->n;
    st_out_hex(o, ev->has & ST_HAS_THREAD ? ev->thread_id : 0);
    st_out_pad(o, o->n - m, 10);
    st_out_c(o, ' ');
    m = o->n;
    st_out_view(o, ev->type.p ? ev->type : ST_STR_LIT("Default"));
    st_out_pad(o, o->n - m, 11);
    st_out_c(o, ' ');
    m = o->n;
    st_out_hex(o, ev->has & ST_HAS_ACTIVITY ? ev->activity_id : 0);
    st_out_pad(o, o->n - m, 20);
    st_out_c(o, ' ');
    m = o->n;
    st_out_i64(o, ev->has & ST_HAS_PID ? ev->pid : 0);
    st_out_pad(o, o->n - m, 6);
    st_out_c(o, ' ');
    m = o->n;
    st_out_i64(o, ev->has & ST_HAS_TTL ? ev->ttl : 0);
    st_out_pad(o, o->n - m, 4);
    st_out_c(o, ' ');
    signpost_prefix(o, ev);
    if (ev->process.p) {
        st_out_view(o, ev->process);
        st_out_lit(o, ": ");
        sender_subsystem_message(o, ev);
    } else {
        st_out_view(o, ev->message);   /* Timesync and other process-less */
    }
}

/* Compact: "YYYY-MM-DD HH:MM:SS.mmm Ty process[pid:tid] block message". */
static void compact_line(st_out *o, const st_event *ev)
{
    if (ev->has & ST_HAS_TIME) {
        char b[32];
        st_ls_time(b, ev->time_us, ev->utc_offset_min);
        st_out_add(o, b, 23);    /* milliseconds, no offset */
    } else {
        st_out_view(o, ev->time_text);
        st_out_pad(o, ev->time_text.p ? ev->time_text.n : 0, 23);
    }
    static const struct { const char *name, *code; } codes[] = {
        {"Default", "Df"}, {"Info", "I "},     {"Debug", "Db"},
        {"Error", "E "},   {"Fault", "F "},    {"Activity", "A "},
        {"StateDump", "Sd"}, {"State", "Sd"},  {"Signpost", "Sp"},
        {"Timesync", "Ts"},
    };
    const char *code = NULL;
    for (size_t i = 0; i < sizeof codes / sizeof *codes && ev->type.p; i++)
        if (view_is(ev->type, codes[i].name))
            code = codes[i].code;
    char other[2] = {' ', ' '};
    if (!code && ev->type.p) {   /* a type log has no code for */
        other[0] = ev->type.n > 0 ? ev->type.p[0] : ' ';
        other[1] = ev->type.n > 1 ? ev->type.p[1] : ' ';
    }
    st_out_c(o, ' ');
    if (code)
        st_out_add(o, code, 2);
    else if (ev->type.p)
        st_out_add(o, other, 2);
    else
        st_out_lit(o, "Df");
    st_out_c(o, ' ');
    st_out_view(o, ev->process);
    st_out_c(o, '[');
    st_out_i64(o, ev->has & ST_HAS_PID ? ev->pid : 0);
    st_out_c(o, ':');
    {
        char b[20];
        size_t k = 0;
        uint64_t v = ev->has & ST_HAS_THREAD ? ev->thread_id : 0;
        do {
            b[sizeof b - 1 - k++] = "0123456789abcdef"[v & 15];
            v >>= 4;
        } while (v);
        st_out_add(o, b + sizeof b - k, k);
    }
    st_out_lit(o, "] ");
    if (ev->subsystem.p && ev->subsystem.n) {
        st_out_c(o, '[');
        st_out_view(o, ev->subsystem);
        st_out_c(o, ':');
        st_out_view(o, ev->category);
        st_out_lit(o, "] ");
    } else {
        st_out_c(o, '(');
        st_out_view(o, ev->sender);
        st_out_lit(o, ") ");
    }
    st_out_view(o, ev->message);
}

/* Syslog: "TS  localhost process[pid]: [spid] [(sender) ][[s:c] ]message". */
static void syslog_line(st_out *o, const st_event *ev)
{
    text_time(o, ev);
    st_out_lit(o, "  localhost ");
    st_out_view(o, ev->process);
    st_out_c(o, '[');
    st_out_i64(o, ev->has & ST_HAS_PID ? ev->pid : 0);
    st_out_lit(o, "]: ");
    signpost_prefix(o, ev);
    sender_subsystem_message(o, ev);
}

/* ---- JSON styles -------------------------------------------------------- */

typedef struct jw {
    st_out *o;
    int pretty, first;
} jw;

/* Writes the separator and "key" : / "key": for the next member. */
static void jkey(jw *w, const char *k)
{
    if (!w->first)
        st_out_c(w->o, ',');
    w->first = 0;
    if (w->pretty)
        st_out_lit(w->o, "\n  ");
    st_out_c(w->o, '"');
    st_out_str(w->o, k);
    if (w->pretty)
        st_out_lit(w->o, "\" : ");
    else
        st_out_lit(w->o, "\":");
}

/* A string member, left out when the case does not know it. */
static void jstr(jw *w, const char *k, st_str v)
{
    if (!v.p)
        return;
    jkey(w, k);
    st_out_json(w->o, v.p, v.n, 1);
}

/* A string member log always writes: "" when unknown. */
static void jstr_or_empty(jw *w, const char *k, st_str v)
{
    jkey(w, k);
    st_out_json(w->o, v.p ? v.p : "", v.p ? v.n : 0, 1);
}

/* An unsigned member, left out when unknown. */
static void ju64(jw *w, const char *k, int has, uint64_t v)
{
    if (!has)
        return;
    jkey(w, k);
    st_out_u64(w->o, v);
}

/* A signed member, left out when unknown. */
static void ji64(jw *w, const char *k, int has, int64_t v)
{
    if (!has)
        return;
    jkey(w, k);
    st_out_i64(w->o, v);
}

/* One event as `log --style ndjson/json` writes it, keys in log's order. */
static void json_object(st_out *o, const st_event *ev, int pretty)
{
    jw w = {o, pretty, 1};
    unsigned h = ev->has;
    st_out_c(o, '{');
    jstr(&w, "timezoneName", ev->timezone_name);
    st_str et = st_ls_event_type(ev);
    if (ev->type.p && !implied_type(et))
        jstr(&w, "messageType", ev->type);
    jstr(&w, "eventType", et);
    jkey(&w, "source");
    st_out_json_text(o, ev->source_json, pretty ? 1 : -1, 1);
    jstr(&w, "formatString", ev->format_string);
    ju64(&w, "signpostID", h & ST_HAS_SIGNPOST_ID, ev->signpost_id);
    jstr(&w, "signpostName", ev->signpost_name);
    jstr(&w, "signpostScope", ev->signpost_scope);
    jstr(&w, "signpostType", ev->signpost_type);
    ji64(&w, "userID", h & ST_HAS_USER, ev->user_id);
    ju64(&w, "activityIdentifier", h & ST_HAS_ACTIVITY, ev->activity_id);
    jstr_or_empty(&w, "subsystem", ev->subsystem);
    jstr_or_empty(&w, "category", ev->category);
    ju64(&w, "threadID", h & ST_HAS_THREAD, ev->thread_id);
    jstr(&w, "senderImageUUID", ev->sender_uuid);
    if (ev->backtrace_json.p) {
        jkey(&w, "backtrace");
        st_out_json_text(o, ev->backtrace_json, pretty ? 1 : -1, 1);
    }
    jstr(&w, "bootUUID", ev->boot_uuid);
    /* Without a path (text-style inputs) the name stands in for it, so the
     * JSON reader gets the same process and sender back. */
    jstr(&w, "processImagePath", ev->process_path.p ? ev->process_path
                                                    : ev->process);
    jstr(&w, "senderImagePath", ev->sender_path.p ? ev->sender_path
                                                  : ev->sender);
    if (h & ST_HAS_TIME) {
        char b[32];
        size_t k = st_ls_time(b, ev->time_us, ev->utc_offset_min);
        jkey(&w, "timestamp");
        st_out_json(o, b, k, 1);
    } else {
        jstr(&w, "timestamp", ev->time_text);
    }
    ju64(&w, "machTimestamp", h & ST_HAS_MACH, ev->mach_timestamp);
    jstr(&w, "eventMessage", ev->message);
    jstr(&w, "processImageUUID", ev->process_uuid);
    ju64(&w, "traceID", h & ST_HAS_TRACE, ev->trace_id);
    ji64(&w, "processID", h & ST_HAS_PID, ev->pid);
    ju64(&w, "senderProgramCounter", h & ST_HAS_SENDER_PC, ev->sender_pc);
    ju64(&w, "parentActivityIdentifier", h & ST_HAS_PARENT_ACT,
         ev->parent_activity_id);
    if (ev->extra_json.p)
        st_out_json_members(o, ev->extra_json, pretty ? 0 : -1, 1);
    if (pretty)
        st_out_c(o, '\n');
    st_out_c(o, '}');
}

/* What precedes the records of a style (header, or "["). */
void st_ls_begin(st_out *o, st_ls_style s)
{
    if (s == ST_LS_JSON)
        st_out_c(o, '[');
    else
        st_out_str(o, st_ls_header(s));
}

/* One event in a style, with its separator; counts it for the trailer. */
int st_ls_event(st_out *o, st_ls_style s, const st_event *ev,
                st_ls_counts *c)
{
    switch (s) {
    case ST_LS_DEFAULT:
        st_ls_default_line(o, ev);
        break;
    case ST_LS_COMPACT:
        compact_line(o, ev);
        break;
    case ST_LS_SYSLOG:
        syslog_line(o, ev);
        break;
    case ST_LS_NDJSON:
        json_object(o, ev, 0);
        break;
    case ST_LS_JSON:
        if (c->records)
            st_out_c(o, ',');
        json_object(o, ev, 1);
        st_ls_count(c, ev);
        return 0;
    }
    st_out_c(o, '\n');
    st_ls_count(c, ev);
    return 0;
}

void st_ls_record(st_out *o, st_ls_style s, const st_event *ev)
{
    st_ls_counts dummy = {1, 0, 0, 0, 0, 0, 0};   /* json: always a comma */
    st_ls_event(o, s, ev, &dummy);
}

/* What follows the records of a style: trailer, count line or "]". */
void st_ls_end(st_out *o, st_ls_style s, const st_ls_counts *c)
{
    switch (s) {
    case ST_LS_DEFAULT:
    case ST_LS_SYSLOG:
        st_out_lit(o, "-----------------------------------------------------"
                      "-----------------------------------------------------"
                      "----------\n");
        st_out_printf(o, "Log      - Default: %10llu, Info: %16llu, Debug: "
                      "%13llu, Error: %10llu, Fault: %10llu\n",
                      (unsigned long long)c->def,
                      (unsigned long long)c->info,
                      (unsigned long long)c->debug,
                      (unsigned long long)c->error,
                      (unsigned long long)c->fault);
        st_out_printf(o, "Activity - Create: %11llu, Transition: %10llu, "
                      "Actions: %11llu\n", (unsigned long long)c->activity,
                      0ULL, 0ULL);
        break;
    case ST_LS_NDJSON:
        st_out_printf(o, "{\"count\":%llu,\"finished\":1}\n",
                      (unsigned long long)c->records);
        break;
    case ST_LS_JSON:
        st_out_lit(o, "]\n");
        break;
    case ST_LS_COMPACT:
        break;
    }
}
