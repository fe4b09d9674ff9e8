/*
 * xattr_quarantine.c -- text listings of the com.apple.quarantine extended
 * attribute (CODESIGNING.md §3.6), as printed by
 *   xattr -l FILE              com.apple.quarantine: 0083;5f7d5a2b;Safari;8C5B..
 *   xattr -l F1 F2 / -lr       F1: com.apple.quarantine: 0083;...
 *   xattr -p com.apple.quarantine FILE      0083;5f7d5a2b;Safari;8C5B...
 *   xattr -p com.apple.quarantine F1 F2     F1: 0083;...
 *
 * The value is FLAGS;TIME;AGENT;UUID: FLAGS hex (%04x), TIME hex Unix
 * seconds, AGENT the application, UUID the LSQuarantineEvent identifier
 * (may be empty).  Flag bits named here are those CODESIGNING.md gives:
 * 0x0001 download, 0x0002 sandbox, 0x0004 hard, 0x0040 user_approved
 * (WebKit's QuarantineSPI.h) and 0x0100 do_not_translocate (third-party,
 * medium confidence); other bits are reported as unknown hex, not named.
 *
 * Other attributes in an `xattr -l` listing (and their hex dumps) are
 * skipped; a line that fits nothing becomes an "Unparsed" event.  Each
 * quarantine line becomes a "quarantine_xattr" record and a "Quarantine"
 * event at the attribute's time.
 */
#include <stdio.h>
#include <string.h>

#include "sqlite_evidence.h"

#define QTN_ATTR "com.apple.quarantine"
/* Longest value taken for a quarantine attribute; bounds the work per line
 * (real values are well under 200 bytes). */
#define MAX_VALUE 4096

typedef struct qvalue {
    uint32_t flags;
    st_str flags_text, time_text, agent, uuid;
    uint64_t secs;
} qvalue;

/* Value of a hex digit, -1 when c is not one. */
static int hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    c = (char)(c | 32);
    return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* Parses 1..max hex digits making up all of p[0..n). */
static int parse_hex(const char *p, size_t n, size_t max, uint64_t *v)
{
    uint64_t x = 0;
    if (n == 0 || n > max)
        return 0;
    for (size_t i = 0; i < n; i++) {
        int h = hexval(p[i]);
        if (h < 0)
            return 0;
        x = x << 4 | (uint64_t)h;
    }
    *v = x;
    return 1;
}

/* Parses "FLAGS;TIME;AGENT[;UUID]"; the agent is everything between the
 * second and the last ';' so an agent name with ';' stays whole. */
static int parse_value(const char *p, size_t n, qvalue *v)
{
    while (n && (p[n - 1] == ' ' || p[n - 1] == '\r'))
        n--;
    memset(v, 0, sizeof *v);
    if (n > MAX_VALUE)
        return 0;
    const char *s1 = memchr(p, ';', n);
    if (!s1)
        return 0;
    size_t i1 = (size_t)(s1 - p);
    const char *s2 = memchr(s1 + 1, ';', n - i1 - 1);
    if (!s2)
        return 0;
    size_t i2 = (size_t)(s2 - p);
    uint64_t f, t;
    if (!parse_hex(p, i1, 8, &f) || !parse_hex(p + i1 + 1, i2 - i1 - 1, 16,
                                                &t))
        return 0;
    v->flags = (uint32_t)f;
    v->secs = t;
    v->flags_text = (st_str){p, i1};
    v->time_text = (st_str){p + i1 + 1, i2 - i1 - 1};
    const char *rest = p + i2 + 1;
    size_t rn = n - i2 - 1;
    const char *last = NULL;
    for (size_t i = rn; i-- > 0;)
        if (rest[i] == ';') {
            last = rest + i;
            break;
        }
    if (last) {
        v->agent = (st_str){rest, (size_t)(last - rest)};
        v->uuid = (st_str){last + 1, rn - (size_t)(last - rest) - 1};
    } else {
        v->agent = (st_str){rest, rn};
    }
    return 1;
}

/* An xattr name as `xattr -l` prints it: "com.apple.macl",
 * "com.apple.lastuseddate#PS". */
static int is_attr_name(const char *p, size_t n)
{
    int dot = 0;
    if (n == 0 || n > 127)
        return 0;
    for (size_t i = 0; i < n; i++) {
        char c = p[i];
        if (c == '.')
            dot = 1;
        else if (!((c | 32) >= 'a' && (c | 32) <= 'z') &&
                 !(c >= '0' && c <= '9') && c != '_' && c != '-' && c != '#')
            return 0;
    }
    return dot;
}

enum { L_EMPTY, L_QTN, L_OTHER, L_UNKNOWN };

typedef struct qline {
    st_str path;             /* file named on the line, if any */
    qvalue v;
    int long_form;           /* "com.apple.quarantine: " present */
} qline;

/* Classifies one line; fills *ql for a quarantine line. */
static int classify(const char *p, size_t n, qline *ql)
{
    while (n && (p[n - 1] == '\r' || p[n - 1] == ' '))
        n--;
    memset(ql, 0, sizeof *ql);
    if (n == 0)
        return L_EMPTY;
    if (memchr(p, 0, n))
        return L_UNKNOWN;
    /* "[PATH: ]com.apple.quarantine: VALUE" */
    static const char attr[] = QTN_ATTR ": ";
    size_t al = sizeof attr - 1;
    for (size_t i = 0; i + al <= n; i++) {
        if (memcmp(p + i, attr, al) != 0)
            continue;
        if (i != 0 && !(i >= 2 && p[i - 2] == ':' && p[i - 1] == ' '))
            continue;
        if (parse_value(p + i + al, n - i - al, &ql->v)) {
            ql->long_form = 1;
            if (i >= 2)
                ql->path = (st_str){p, i - 2};
            return L_QTN;
        }
    }
    /* "VALUE" (xattr -p) */
    if (parse_value(p, n, &ql->v))
        return L_QTN;
    /* "PATH: VALUE" (xattr -p with several files); only separators that
     * leave a value short enough to be one are tried */
    for (size_t i = n > MAX_VALUE + 2 ? n - MAX_VALUE - 2 : 1; i + 2 < n; i++)
        if (p[i] == ':' && p[i + 1] == ' ' &&
            parse_value(p + i + 2, n - i - 2, &ql->v)) {
            ql->path = (st_str){p, i};
            return L_QTN;
        }
    /* Hex dump of a binary attribute: "00000000  01 02 ..." */
    if (n >= 10 && p[8] == ' ' && p[9] == ' ') {
        uint64_t x;
        if (parse_hex(p, 8, 8, &x))
            return L_OTHER;
    }
    /* "name:" / "name: value" / "PATH: name: value" of other attributes */
    const char *c = memchr(p, ':', n);
    if (c && is_attr_name(p, (size_t)(c - p)))
        return L_OTHER;
    for (size_t i = 0; i + 2 < n; i++)
        if (p[i] == ':' && p[i + 1] == ' ') {
            const char *s = p + i + 2;
            size_t left = n - i - 2;
            /* names are at most 127 bytes: look no further */
            const char *e = memchr(s, ':', left < 128 ? left : 128);
            if (e && is_attr_name(s, (size_t)(e - s)))
                return L_OTHER;
        }
    return L_UNKNOWN;
}

/* Bids on a listing made mostly of quarantine lines and other xattr
 * output; a single foreign line costs confidence, many cost the bid. */
static int bid(const uint8_t *head, size_t n, int at_eof)
{
    const char *p = (const char *)head;
    size_t i = 0;
    int q = 0, other = 0, unknown = 0;
    if (n >= 16 && memcmp(head, "SQLite format 3", 16) == 0)
        return 0;
    while (i < n && q + other + unknown < 200) {
        const char *nl = memchr(p + i, '\n', n - i);
        if (!nl && !at_eof && i > 0)
            break;                       /* cut-off last line */
        size_t e = nl ? (size_t)(nl - p) : n;
        qline ql;
        switch (classify(p + i, e - i, &ql)) {
        case L_QTN: q++; break;
        case L_OTHER: other++; break;
        case L_UNKNOWN: unknown++; break;
        default: break;
        }
        i = e + 1;
    }
    if (q == 0)
        return 0;
    if (unknown == 0)
        return 80;
    return unknown * 4 <= q + other + unknown ? 40 : 0;
}

static const struct { uint32_t bit; const char *name; } qtn_flags[] = {
    {0x0001, "download"}, {0x0002, "sandbox"}, {0x0004, "hard"},
    {0x0040, "user_approved"}, {0x0100, "do_not_translocate"},
};

/* Emits the record and event for one quarantine line. */
static int emit_line(st_sink *sink, st_json *j, const qline *ql,
                     const char *line, size_t len, int64_t lineno,
                     int64_t off)
{
    char locator[48], iso[40], uuid[37], names[160] = "", msg[2048];
    snprintf(locator, sizeof locator, "line %lld", (long long)lineno);
    const qvalue *v = &ql->v;
    int64_t t_us = 0;
    int has_time = v->secs <= (uint64_t)INT64_MAX &&
                   st_time_unix((double)v->secs, &t_us);
    if (!has_time)
        st_sink_warnf(sink, lineno, "quarantine time %.*s is out of range",
                      (int)v->time_text.n, v->time_text.p);

    st_json_reset(j);
    st_json_str(j, "path", ql->path.p, ql->path.n);
    st_json_str(j, "flags", v->flags_text.p, v->flags_text.n);
    st_json_int(j, "flags_value", v->flags);
    st_json_arr(j, "flag_names");
    uint32_t known = 0;
    size_t nk = 0;
    for (size_t i = 0; i < sizeof qtn_flags / sizeof *qtn_flags; i++)
        if (v->flags & qtn_flags[i].bit) {
            known |= qtn_flags[i].bit;
            st_json_cstr(j, NULL, qtn_flags[i].name);
            nk += (size_t)snprintf(names + nk, sizeof names - nk, "%s%s",
                                   nk ? ", " : "", qtn_flags[i].name);
        }
    st_json_end(j);
    if (v->flags & ~known) {
        st_json_fmt(j, "unknown_flags", "0x%04x", v->flags & ~known);
        snprintf(names + nk, sizeof names - nk, "%s0x%04x", nk ? ", " : "",
                 v->flags & ~known);
    }
    st_json_str(j, "time_hex", v->time_text.p, v->time_text.n);
    if (has_time) {
        st_time_iso(t_us, iso, sizeof iso);
        st_json_cstr(j, "time_utc", iso);
    }
    st_json_str(j, "agent", v->agent.p, v->agent.n);
    /* the UUID key is upper-case like LSQuarantineEventIdentifier */
    int uuid_ok = v->uuid.n == 36;
    for (size_t i = 0; uuid_ok && i < 36; i++) {
        char c = v->uuid.p[i];
        if (i == 8 || i == 13 || i == 18 || i == 23)
            uuid_ok = c == '-';
        else
            uuid_ok = hexval(c) >= 0;
        uuid[i] = (c >= 'a' && c <= 'f') ? (char)(c - 32) : c;
    }
    uuid[36] = 0;
    st_json_str(j, "event_uuid", v->uuid.p, v->uuid.n);
    if (v->uuid.n && !uuid_ok)
        st_json_bool(j, "event_uuid_malformed", 1);
    st_json_cstr(j, "listing", ql->long_form ? "xattr -l" : "xattr -p");
    st_json_str(j, "raw", line, len);
    st_str data = st_json_view(j);
    if (!data.p) {
        st_sink_warnf(sink, lineno, "out of memory");
        return 1;
    }

    size_t k = (size_t)snprintf(msg, sizeof msg, QTN_ATTR "%s%.*s: flags "
                                "%.*s%s%s%s", ql->path.p ? " on " : "",
                                (int)(ql->path.n < 1024 ? ql->path.n : 1024),
                                ql->path.p ? ql->path.p : "",
                                (int)v->flags_text.n, v->flags_text.p,
                                names[0] ? " (" : "", names,
                                names[0] ? ")" : "");
    if (v->agent.n && k < sizeof msg)
        k += (size_t)snprintf(msg + k, sizeof msg - k, ", set by %.*s",
                              (int)(v->agent.n < 200 ? v->agent.n : 200),
                              v->agent.p);
    if (v->uuid.n && k < sizeof msg)
        snprintf(msg + k, sizeof msg - k, ", quarantine event %.*s",
                 (int)(v->uuid.n < 64 ? v->uuid.n : 64), v->uuid.p);

    st_record rec;
    memset(&rec, 0, sizeof rec);
    rec.kind = "quarantine_xattr";
    rec.locator = st_cstr(locator);
    rec.has_time = has_time;
    rec.time_us = t_us;
    rec.path = ql->path;
    rec.uuid = uuid_ok ? st_cstr(uuid) : ST_STR_NULL;
    rec.data_json = data;
    if (sink->record && sink->record(sink->ctx, &rec))
        return 1;
    st_event ev;
    memset(&ev, 0, sizeof ev);
    ev.line = lineno;
    ev.byte_offset = off;
    ev.locator = rec.locator;
    if (has_time) {
        ev.has = ST_HAS_TIME | ST_HAS_OFFSET;
        ev.time_us = t_us;
    }
    ev.time_text = v->time_text;
    ev.type = ST_STR_LIT("Quarantine");
    ev.event_type = ST_STR_LIT("quarantineXattr");
    ev.process = v->agent.n ? v->agent : ST_STR_NULL;
    ev.message = st_cstr(msg);
    ev.extra_json = data;
    return sink->event(sink->ctx, &ev);
}

/* Reads the listing line by line: quarantine lines become records and
 * events, other xattr output is counted, the rest is Unparsed. */
static int read_input(st_input *in, const st_parse_opts *opts, st_sink *sink,
                      char *err, size_t errlen)
{
    (void)opts;
    st_json j;
    st_json_init(&j);
    const char *line;
    size_t len;
    int64_t off, lineno;
    int rc, stopped = 0;
    int64_t skipped = 0;
    while (!stopped &&
           (rc = st_input_getline(in, &line, &len, &off, &lineno)) == 1) {
        qline ql;
        switch (classify(line, len, &ql)) {
        case L_QTN:
            stopped = emit_line(sink, &j, &ql, line, len, lineno, off);
            break;
        case L_OTHER:
            skipped++;
            break;
        case L_UNKNOWN: {
            st_event ev;
            memset(&ev, 0, sizeof ev);
            ev.line = lineno;
            ev.byte_offset = off;
            ev.type = ST_STR_LIT("Unparsed");
            ev.message = (st_str){line, len};
            stopped = sink->event(sink->ctx, &ev);
            break;
        }
        default:
            break;
        }
    }
    st_json_free(&j);
    if (skipped) {
        char b[32];
        snprintf(b, sizeof b, "%lld", (long long)skipped);
        sink->note(sink->ctx, "other_attribute_lines", b);
    }
    if (stopped)
        return ST_READ_STOPPED;
    if (st_input_error(in)) {
        snprintf(err, errlen, "%s", st_input_error(in));
        return ST_READ_INPUT_ERROR;
    }
    return ST_READ_OK;
}

const st_parser st_parser_xattr_quarantine = {
    "xattr-quarantine", "1.0",
    "xattr -l / xattr -p listings of com.apple.quarantine "
    "(flags;time;agent;uuid)",
    bid, read_input};
