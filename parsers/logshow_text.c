/*
 * logshow_text.c -- `log show` / `log stream` text exports in the default,
 * compact and syslog styles (layouts in shared/reference/LOG_FORMATS.md
 * §2-§4).  One reader serves the three styles; each registers its own bidder
 * so detection stays one loop in registry.c.
 *
 * Record model: a record starts on a line that begins with a timestamp; every
 * following line that does not is a continuation of its message (log adds no
 * prefix).  Columns are tokenised on runs of spaces, never sliced at fixed
 * widths, because wide values overflow their columns.  A header line may
 * appear again mid-file (concatenated exports) and switches the style.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "parser.h"
#include "timeparse.h"

enum style { S_UNKNOWN = 0, S_DEFAULT, S_COMPACT, S_SYSLOG };

/* ---- small scanning helpers ------------------------------------------- */

static int is_digit(char c) { return c >= '0' && c <= '9'; }
static int is_hex(char c)
{
    return is_digit(c) || ((c | 32) >= 'a' && (c | 32) <= 'f');
}
static int is_word(char c)
{
    return is_digit(c) || ((c | 32) >= 'a' && (c | 32) <= 'z') || c == '_';
}

/* Skips spaces from i; returns the new index. */
static size_t skip_sp(const char *p, size_t n, size_t i)
{
    while (i < n && p[i] == ' ')
        i++;
    return i;
}

/* Parses "0x" + hex at i into *v; returns the end index or 0. */
static size_t scan_hex(const char *p, size_t n, size_t i, uint64_t *v)
{
    if (i + 2 >= n + 0 || p[i] != '0' || (p[i + 1] | 32) != 'x')
        return 0;
    size_t j = i + 2;
    uint64_t x = 0;
    while (j < n && is_hex(p[j])) {
        if (j - i - 2 >= 16)
            return 0;
        char c = p[j];
        x = x * 16 + (uint64_t)(is_digit(c) ? c - '0' : (c | 32) - 'a' + 10);
        j++;
    }
    if (j == i + 2)
        return 0;
    *v = x;
    return j;
}

/* Parses decimal digits at i into *v; returns the end index or 0. */
static size_t scan_dec(const char *p, size_t n, size_t i, int64_t *v)
{
    size_t j = i;
    int64_t x = 0;
    while (j < n && is_digit(p[j])) {
        if (j - i >= 18)
            return 0;
        x = x * 10 + (p[j] - '0');
        j++;
    }
    if (j == i)
        return 0;
    *v = x;
    return j;
}

static int starts(const char *p, size_t n, const char *lit)
{
    size_t k = strlen(lit);
    return n >= k && memcmp(p, lit, k) == 0;
}

/* ---- headers, preamble, trailer ---------------------------------------- */

/* Recognises a header line of any style; returns the style or S_UNKNOWN and
 * whether a default header carries the TTL column. */
static enum style header_style(const char *p, size_t n, int *has_ttl)
{
    if (!starts(p, n, "Timestamp "))
        return S_UNKNOWN;
    size_t i = skip_sp(p, n, 9);
    if (starts(p + i, n - i, "Thread")) {
        *has_ttl = 0;
        for (size_t k = i; k + 3 <= n; k++)
            if (memcmp(p + k, "TTL", 3) == 0)
                *has_ttl = 1;
        return S_DEFAULT;
    }
    if (starts(p + i, n - i, "Ty ") || starts(p + i, n - i, "Ty Process"))
        return S_COMPACT;
    if (starts(p + i, n - i, "(process)[PID]"))
        return S_SYSLOG;
    return S_UNKNOWN;
}

static int is_preamble(const char *p, size_t n)
{
    return starts(p, n, "Filtering the log data") ||
           starts(p, n, "Skipping ") || starts(p, n, "log: ");
}

/* A line of at least 20 dashes and nothing else opens the trailer. */
static int is_dash_line(const char *p, size_t n)
{
    if (n < 20)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (p[i] != '-')
            return 0;
    return 1;
}

/* ---- record layouts ---------------------------------------------------- */

typedef struct rec_fields {
    size_t ts_len;
    int64_t local_us;
    int has_off;
    int32_t off;
} rec_fields;

/* Compact timestamps: "YYYY-MM-DD HH:MM:SS.mmm" (no offset). */
static size_t compact_ts(const char *p, size_t n, int64_t *local_us)
{
    int has_off;
    int32_t off;
    size_t k = st_parse_timestamp(p, n, local_us, &has_off, &off);
    if (k != 23 || has_off)
        return 0;
    return k;
}

/* Checks the default-style columns after the timestamp; fills ev and
 * returns the index of the message block, or 0 when the line does not fit.
 * ttl_mode: 1 header has TTL, 0 header has none, -1 unknown (guess). */
static size_t default_columns(const char *p, size_t n, size_t i,
                              st_event *ev, int ttl_mode)
{
    uint64_t thread, act;
    int64_t pid, ttl;
    if (i >= n || p[i] != ' ')
        return 0;
    i = skip_sp(p, n, i);
    size_t j = scan_hex(p, n, i, &thread);
    if (!j || j >= n || p[j] != ' ')
        return 0;
    i = skip_sp(p, n, j);
    size_t t0 = i;
    while (i < n && is_word(p[i]))
        i++;
    if (i == t0 || i >= n || p[i] != ' ')
        return 0;
    ev->type = (st_str){p + t0, i - t0};
    i = skip_sp(p, n, i);
    j = scan_hex(p, n, i, &act);
    if (!j || j >= n || p[j] != ' ')
        return 0;
    i = skip_sp(p, n, j);
    j = scan_dec(p, n, i, &pid);
    if (!j || (j < n && p[j] != ' '))
        return 0;
    i = skip_sp(p, n, j);
    ev->thread_id = thread;
    ev->activity_id = act;
    ev->pid = pid;
    ev->has |= ST_HAS_THREAD | ST_HAS_ACTIVITY | ST_HAS_PID;
    if (ttl_mode != 0) {
        size_t k = scan_dec(p, n, i, &ttl);
        if (k && (k == n || p[k] == ' ')) {
            ev->ttl = ttl;
            ev->has |= ST_HAS_TTL;
            i = k < n ? k + 1 : k;
            /* The TTL column is 4 wide plus one space; eat the padding but
             * not the message's own leading spaces beyond the column. */
            while (i < n && p[i] == ' ' && i < k + 5)
                i++;
        } else if (ttl_mode == 1) {
            return 0;
        }
    }
    return i;
}

/* Parses an optional "[spid 0x..., scope, type] " signpost prefix. */
static size_t signpost_prefix(const char *p, size_t n, size_t i, st_event *ev)
{
    if (!starts(p + i, n - i, "[spid 0x"))
        return i;
    const char *close = memchr(p + i, ']', n - i);
    if (!close)
        return i;
    size_t e = (size_t)(close - p);
    uint64_t id;
    size_t k = scan_hex(p, e, i + 6, &id);
    if (k) {
        ev->signpost_id = id;
        ev->has |= ST_HAS_SIGNPOST_ID;
        /* ", scope, type" */
        if (k + 2 < e && p[k] == ',') {
            size_t s = skip_sp(p, e, k + 1);
            const char *c2 = memchr(p + s, ',', e - s);
            if (c2) {
                ev->signpost_scope = (st_str){p + s, (size_t)(c2 - p) - s};
                size_t t = skip_sp(p, e, (size_t)(c2 - p) + 1);
                ev->signpost_type = (st_str){p + t, e - t};
            }
        }
    }
    return e + 1 < n && p[e + 1] == ' ' ? e + 2 : e + 1;
}

/* Parses "(sender) " at i when present; returns the new index. */
static size_t sender_part(const char *p, size_t n, size_t i, st_event *ev)
{
    if (i >= n || p[i] != '(')
        return i;
    for (size_t k = i + 1; k < n; k++) {
        if (p[k] == '(' || p[k] == '\n')
            return i;
        if (p[k] == ')') {
            if (k + 1 < n && p[k + 1] != ' ')
                return i;
            if (k > i + 1)
                ev->sender = (st_str){p + i + 1, k - i - 1};
            return k + 1 < n ? k + 2 : k + 1;
        }
    }
    return i;
}

/* Parses "[subsystem:category] " at i when present; the category is after
 * the last ':' because launchd subsystems contain brackets and colons. */
static size_t subsys_part(const char *p, size_t n, size_t i, st_event *ev)
{
    if (i >= n || p[i] != '[')
        return i;
    for (size_t k = i + 1; k < n && p[k] != '\n'; k++) {
        if (p[k] == ']' && (k + 1 == n || p[k + 1] == ' ' ||
                            p[k + 1] == '\n')) {
            size_t colon = 0;
            for (size_t c = i + 1; c < k; c++)
                if (p[c] == ':')
                    colon = c;
            if (!colon)
                return i;
            ev->subsystem = (st_str){p + i + 1, colon - i - 1};
            ev->category = (st_str){p + colon + 1, k - colon - 1};
            return k + 1 < n && p[k + 1] == ' ' ? k + 2 : k + 1;
        }
    }
    return i;
}

/* Fills process, sender, subsystem, category and message from a default
 * style message block "[spid] [<src>] process: [(sender)] [[s:c]] msg". */
static void default_block(const char *p, size_t n, size_t i, st_event *ev)
{
    i = signpost_prefix(p, n, i, ev);
    if (i < n && p[i] == '<') {         /* --source: <Image`symbol> */
        const char *gt = memchr(p + i, '>', n - i);
        if (gt && (size_t)(gt - p) + 1 < n && gt[1] == ' ')
            i = (size_t)(gt - p) + 2;
    }
    if (ev->type.n == 8 && memcmp(ev->type.p, "Timesync", 8) == 0) {
        ev->message = (st_str){p + i, n - i};
        return;
    }
    /* process ends at the first ": " (or ':' ending the line) */
    size_t k = i;
    const char *nl = memchr(p + i, '\n', n - i);
    size_t lim = nl ? (size_t)(nl - p) : n;
    while (k < lim && !(p[k] == ':' && (k + 1 == lim || p[k + 1] == ' ')))
        k++;
    if (k == lim) {                     /* no process: all is message */
        ev->message = (st_str){p + i, n - i};
        return;
    }
    ev->process = (st_str){p + i, k - i};
    i = k + 1 < n ? k + 2 : k + 1;
    if (k + 1 == lim)
        i = k + 1;
    i = sender_part(p, n, i, ev);
    if (!ev->sender.p)
        ev->sender = ev->process;       /* log omits the sender when equal */
    i = subsys_part(p, n, i, ev);
    ev->message = (st_str){p + i, i <= n ? n - i : 0};
}

/* Syslog style: "TS  host process[pid]: [spid] [(sender)] [[s:c]] msg".
 * Returns 1 when the record fits. */
static int syslog_record(const char *p, size_t n, size_t i, st_event *ev)
{
    if (i + 2 > n || p[i] != ' ' || p[i + 1] != ' ')
        return 0;
    i += 2;
    const char *sp = memchr(p + i, ' ', n - i);
    if (!sp)
        return 0;
    size_t s = (size_t)(sp - p) + 1;     /* after host */
    /* process[pid]: -- the first "[digits]:" after the host */
    for (size_t k = s; k < n && p[k] != '\n'; k++) {
        if (p[k] != '[')
            continue;
        int64_t pid;
        size_t e = scan_dec(p, n, k + 1, &pid);
        if (!e || e + 1 >= n + 1 || e >= n || p[e] != ']' || e + 1 >= n ||
            p[e + 1] != ':')
            continue;
        ev->process = (st_str){p + s, k - s};
        ev->pid = pid;
        ev->has |= ST_HAS_PID;
        size_t m = e + 2;
        if (m < n && p[m] == ' ')
            m++;
        m = signpost_prefix(p, n, m, ev);
        m = sender_part(p, n, m, ev);
        if (!ev->sender.p)
            ev->sender = ev->process;
        m = subsys_part(p, n, m, ev);
        ev->message = (st_str){p + m, m <= n ? n - m : 0};
        return 1;
    }
    return 0;
}

static const struct { char code[3]; const char *name; } compact_types[] = {
    {"Df", "Default"}, {"I ", "Info"},  {"In", "Info"},   {"Db", "Debug"},
    {"D ", "Debug"},   {"E ", "Error"}, {"Er", "Error"},  {"F ", "Fault"},
    {"Fa", "Fault"},   {"A ", "Activity"}, {"Ac", "Activity"},
    {"Sd", "StateDump"}, {"Sp", "Signpost"}, {"Ts", "Timesync"},
};

/* Compact style: "TS Ty process[pid:tid] [s:c]|(sender) msg".  The type
 * code is mapped to the default-style name; an unknown code is kept as is. */
static int compact_record(const char *p, size_t n, size_t i, st_event *ev)
{
    if (i + 4 > n || p[i] != ' ' || p[i + 3] != ' ')
        return 0;
    ev->type = (st_str){p + i + 1, 2};
    if (p[i + 2] == ' ')
        ev->type.n = 1;
    for (size_t t = 0; t < sizeof compact_types / sizeof *compact_types; t++)
        if (memcmp(compact_types[t].code, p + i + 1, 2) == 0) {
            ev->type = (st_str){compact_types[t].name,
                                strlen(compact_types[t].name)};
            break;
        }
    size_t s = i + 4;
    for (size_t k = s; k < n && p[k] != '\n'; k++) {
        if (p[k] != '[')
            continue;
        int64_t pid;
        uint64_t tid = 0;
        size_t e = scan_dec(p, n, k + 1, &pid);
        if (!e || e >= n || p[e] != ':')
            continue;
        size_t f = e + 1;
        while (f < n && is_hex(p[f]) && f - e <= 17) {
            tid = tid * 16 + (uint64_t)(is_digit(p[f]) ? p[f] - '0'
                                                       : (p[f] | 32) - 'a' + 10);
            f++;
        }
        if (f == e + 1 || f >= n + 1 || f >= n || p[f] != ']' ||
            (f + 1 < n && p[f + 1] != ' '))
            continue;
        ev->process = (st_str){p + s, k - s};
        ev->pid = pid;
        ev->thread_id = tid;
        ev->has |= ST_HAS_PID | ST_HAS_THREAD;
        size_t m = f + 1 < n ? f + 2 : f + 1;
        if (m + 1 < n && p[m] == '(' && p[m + 1] == ')')
            m = m + 2 < n ? m + 3 : m + 2;   /* "()": no sender */
        else
            m = sender_part(p, n, m, ev);
        m = subsys_part(p, n, m, ev);
        ev->message = (st_str){p + m, m <= n ? n - m : 0};
        return 1;
    }
    return 0;
}

/* Classifies a line as a record of `style` (1) or not (0) without filling
 * anything the caller keeps; used by the bidders. */
static int line_is_record(const char *p, size_t n, enum style style)
{
    st_event ev;
    memset(&ev, 0, sizeof ev);
    int64_t us;
    int has_off;
    int32_t off;
    if (style == S_COMPACT) {
        size_t k = compact_ts(p, n, &us);
        return k && compact_record(p, n, k, &ev);
    }
    size_t k = st_parse_timestamp(p, n, &us, &has_off, &off);
    if (!k || !has_off)
        return 0;
    if (style == S_DEFAULT)
        return default_columns(p, n, k, &ev, -1) != 0;
    return syslog_record(p, n, k, &ev);
}

/* ---- bidding ----------------------------------------------------------- */

/* Bids for `style`: a header is certain; otherwise the share of
 * timestamp-led lines among the first 50 that fit the layout. */
static int bid_style(const uint8_t *head, size_t n, enum style style)
{
    const char *p = (const char *)head;
    size_t i = 0;
    int lines = 0, fit = 0, tsled = 0, junk = 0;
    while (i < n && lines < 50) {
        const char *nl = memchr(p + i, '\n', n - i);
        size_t e = nl ? (size_t)(nl - p) : n;
        if (!nl && e - i < 19 && lines > 0)
            break;                       /* cut-off last line */
        size_t len = e - i;
        if (len && p[i + len - 1] == '\r')
            len--;
        int ttl;
        enum style h = header_style(p + i, len, &ttl);
        if (h != S_UNKNOWN)
            return h == style ? 100 : 0;
        int64_t us;
        int ho;
        int32_t off;
        if (memchr(p + i, 0, len))
            junk++;
        else if (st_parse_timestamp(p + i, len, &us, &ho, &off)) {
            tsled++;
            fit += line_is_record(p + i, len, style);
        }
        lines++;
        i = e + 1;
    }
    if (tsled == 0 || fit == 0 || junk > lines / 4)
        return 0;
    return fit * 10 >= tsled * 8 ? 90 : 30 + 50 * fit / tsled;
}

static int bid_default(const uint8_t *h, size_t n, int eof)
{
    (void)eof;
    return bid_style(h, n, S_DEFAULT);
}
static int bid_compact(const uint8_t *h, size_t n, int eof)
{
    (void)eof;
    return bid_style(h, n, S_COMPACT);
}
static int bid_syslog(const uint8_t *h, size_t n, int eof)
{
    (void)eof;
    return bid_style(h, n, S_SYSLOG);
}

/* ---- reading ----------------------------------------------------------- */

typedef struct reader {
    st_sink *sink;
    enum style style;
    int ttl_mode;
    st_tz *tz;                 /* for timestamps without an offset */
    int tz_warned;
    char *rec;                 /* current record text (first line + conts) */
    size_t rec_len, rec_cap;
    int64_t rec_line, rec_off;
    int have_rec;
    int stopped;
    /* counts by type for the trailer check */
    uint64_t n_default, n_info, n_debug, n_error, n_fault, n_activity;
    uint64_t records, unparsed;
    /* trailer */
    int in_trailer;
    int pending_dash;
    int64_t dash_line, dash_off, dash_len;
    int64_t tr_default, tr_info, tr_debug, tr_error, tr_fault, tr_create;
    int tr_seen;
} reader;

/* Appends bytes to the record buffer; returns -1 when out of memory. */
static int rec_append(reader *r, const char *p, size_t n)
{
    if (r->rec_len + n + 1 > r->rec_cap) {
        size_t c = r->rec_cap ? r->rec_cap : 4096;
        while (c < r->rec_len + n + 1)
            c *= 2;
        char *nb = realloc(r->rec, c);
        if (!nb)
            return -1;
        r->rec = nb;
        r->rec_cap = c;
    }
    memcpy(r->rec + r->rec_len, p, n);
    r->rec_len += n;
    return 0;
}

static void count_type(reader *r, st_str t)
{
#define IS(s) (t.n == sizeof(s) - 1 && memcmp(t.p, s, t.n) == 0)
    if (IS("Default")) r->n_default++;
    else if (IS("Info")) r->n_info++;
    else if (IS("Debug")) r->n_debug++;
    else if (IS("Error")) r->n_error++;
    else if (IS("Fault")) r->n_fault++;
    else if (IS("Activity")) r->n_activity++;
#undef IS
}

/* Emits an Unparsed event carrying raw text; time kept when readable. */
static void emit_unparsed(reader *r, const char *p, size_t n, int64_t line,
                          int64_t off)
{
    st_event ev;
    memset(&ev, 0, sizeof ev);
    ev.line = line;
    ev.byte_offset = off;
    ev.type = ST_STR_LIT("Unparsed");
    ev.message = (st_str){p, n};
    int64_t us;
    int ho;
    int32_t o;
    size_t k = st_parse_timestamp(p, n, &us, &ho, &o);
    if (k && ho) {
        ev.time_us = us - (int64_t)o * 60000000LL;
        ev.utc_offset_min = o;
        ev.time_text = (st_str){p, k};
        ev.has |= ST_HAS_TIME | ST_HAS_OFFSET;
    }
    r->unparsed++;
    if (r->sink->event(r->sink->ctx, &ev))
        r->stopped = 1;
}

/* Parses the buffered record and hands it to the sink. */
static void flush_record(reader *r)
{
    if (!r->have_rec)
        return;
    r->have_rec = 0;
    const char *p = r->rec;
    size_t n = r->rec_len;
    st_event ev;
    memset(&ev, 0, sizeof ev);
    ev.line = r->rec_line;
    ev.byte_offset = r->rec_off;
    int64_t local;
    int has_off = 0;
    int32_t off = 0;
    size_t k;
    int ok = 0;
    if (r->style == S_COMPACT) {
        k = compact_ts(p, n, &local);
        ok = k && compact_record(p, n, k, &ev);
    } else {
        k = st_parse_timestamp(p, n, &local, &has_off, &off);
        if (k && r->style == S_SYSLOG) {
            ok = syslog_record(p, n, k, &ev);
        } else if (k) {
            size_t b = default_columns(p, n, k, &ev, r->ttl_mode);
            if (b) {
                default_block(p, n, b, &ev);
                ok = 1;
            }
        }
    }
    if (!ok) {
        emit_unparsed(r, p, n, r->rec_line, r->rec_off);
        return;
    }
    ev.time_text = (st_str){p, k};
    if (has_off) {
        ev.time_us = local - (int64_t)off * 60000000LL;
        ev.utc_offset_min = off;
        /* "YYYY-MM-DD HH:MM:SS.ffffff+HHMM" with seconds below 60 renders
         * back byte for byte */
        if (k == 31 && p[10] == ' ' && p[19] == '.' && p[17] < '6')
            ev.has |= ST_TIME_TEXT_CANON;
    } else {
        if (!r->tz_warned) {
            /* Say once which zone offset-less times were read in. */
            if (r->tz)
                r->sink->note(r->sink->ctx, "tz_assumed", st_tz_spec(r->tz));
            else {
                r->sink->note(r->sink->ctx, "tz_assumed", "UTC (no --tz)");
                st_sink_warnf(r->sink, 0,
                              "timestamps carry no UTC offset and no --tz "
                              "was given: UTC assumed");
            }
            r->tz_warned = 1;
        }
        ev.time_us = r->tz ? st_tz_to_utc(r->tz, local, &off) : local;
        ev.utc_offset_min = off;
    }
    ev.has |= ST_HAS_TIME | ST_HAS_OFFSET;
    if (ev.type.p)
        count_type(r, ev.type);
    r->records++;
    if (r->sink->event(r->sink->ctx, &ev))
        r->stopped = 1;
}

/* Reads one number of a trailer field "Name:   1,234"; -1 when absent. */
static int64_t trailer_value(const char *p, size_t n, const char *name)
{
    size_t k = strlen(name);
    for (size_t i = 0; i + k < n; i++) {
        if (memcmp(p + i, name, k) != 0 || p[i + k] != ':')
            continue;
        size_t j = skip_sp(p, n, i + k + 1);
        int64_t v = 0;
        int any = 0;
        while (j < n && (is_digit(p[j]) || p[j] == ',')) {
            if (p[j] != ',') {
                v = v * 10 + (p[j] - '0');
                any = 1;
            }
            j++;
        }
        return any ? v : -1;
    }
    return -1;
}

/* Parses a trailer line; returns 1 when it is one. */
static int trailer_line(reader *r, const char *p, size_t n)
{
    size_t i = 0;
    while (i < n && is_word(p[i]))
        i++;
    size_t j = skip_sp(p, n, i);
    if (j >= n || p[j] != '-')
        return 0;
    if (starts(p, n, "Log")) {
        r->tr_default = trailer_value(p, n, "Default");
        r->tr_info = trailer_value(p, n, "Info");
        r->tr_debug = trailer_value(p, n, "Debug");
        r->tr_error = trailer_value(p, n, "Error");
        r->tr_fault = trailer_value(p, n, "Fault");
        r->tr_seen = 1;
        return 1;
    }
    if (starts(p, n, "Activity")) {
        r->tr_create = trailer_value(p, n, "Create");
        return 1;
    }
    return starts(p, n, "Signpost") || starts(p, n, "Other") ||
           starts(p, n, "Loss") || starts(p, n, "Timesync");
}

/* Compares the trailer counts with what was parsed; warns on mismatch. */
static void check_trailer(reader *r)
{
    if (!r->tr_seen)
        return;
    struct { const char *name; int64_t want; uint64_t got; } c[] = {
        {"Default", r->tr_default, r->n_default},
        {"Info", r->tr_info, r->n_info},
        {"Debug", r->tr_debug, r->n_debug},
        {"Error", r->tr_error, r->n_error},
        {"Fault", r->tr_fault, r->n_fault},
        {"Activity Create", r->tr_create, r->n_activity},
    };
    char buf[64];
    snprintf(buf, sizeof buf, "%lld", (long long)(r->tr_default + r->tr_info +
             r->tr_debug + r->tr_error + r->tr_fault));
    r->sink->note(r->sink->ctx, "trailer_log_total", buf);
    for (size_t i = 0; i < sizeof c / sizeof *c; i++) {
        if (c[i].want < 0)
            continue;
        if (r->style == S_SYSLOG) /* syslog style has no type column */
            continue;
        if ((uint64_t)c[i].want != c[i].got)
            st_sink_warnf(r->sink, 0,
                          "trailer says %s: %lld but %llu such records were "
                          "parsed (export cut or edited?)", c[i].name,
                          (long long)c[i].want, (unsigned long long)c[i].got);
    }
    if (r->style == S_SYSLOG) {
        uint64_t want = (uint64_t)(r->tr_default + r->tr_info + r->tr_debug +
                                   r->tr_error + r->tr_fault +
                                   (r->tr_create > 0 ? r->tr_create : 0));
        if (want != r->records)
            st_sink_warnf(r->sink, 0,
                          "trailer counts %llu records but %llu were parsed",
                          (unsigned long long)want,
                          (unsigned long long)r->records);
    }
}

/* A dash line that turned out not to open a trailer is ordinary text:
 * part of the current message, or unparsed before any record. */
static int keep_dash_line(reader *r)
{
    size_t n = (size_t)r->dash_len;
    char *d = malloc(n ? n : 1);
    if (!d)
        return -1;
    memset(d, '-', n);
    int rc = 0;
    if (r->have_rec)
        rc = rec_append(r, "\n", 1) || rec_append(r, d, n);
    else
        emit_unparsed(r, d, n, r->dash_line, r->dash_off);
    free(d);
    return rc ? -1 : 0;
}

static const char *style_name(enum style s)
{
    return s == S_DEFAULT ? "default" : s == S_COMPACT ? "compact" : "syslog";
}

/* Does the line start a record in the current style?  Returns 1 for a
 * timestamp-led line (compact: its millisecond form). */
static int starts_record(reader *r, const char *p, size_t n)
{
    int64_t us;
    int ho;
    int32_t off;
    if (n < 19 || !is_digit(p[0]) || p[4] != '-')
        return 0;
    (void)r;
    return st_parse_timestamp(p, n, &us, &ho, &off) != 0;
}

/* Reads a whole text export; the style was chosen by the bidder. */
static int read_style(st_input *in, const st_parse_opts *opts, st_sink *sink,
                      char *err, size_t errlen, enum style style)
{
    reader r;
    memset(&r, 0, sizeof r);
    r.sink = sink;
    r.style = style;
    r.ttl_mode = -1;
    r.tr_default = r.tr_info = r.tr_debug = r.tr_error = r.tr_fault =
        r.tr_create = -1;
    if (opts && opts->tz) {
        r.tz = st_tz_open(opts->tz, err, errlen);
        if (!r.tz)
            return ST_READ_REJECTED;
    }
    sink->note(sink->ctx, "style", style_name(style));
    const char *line;
    size_t len;
    int64_t off, lineno;
    int rc;
    int seen_header = 0;
    while (!r.stopped && (rc = st_input_getline(in, &line, &len, &off,
                                                &lineno)) == 1) {
        if (len && line[len - 1] == '\r')
            len--;
        if (r.in_trailer) {
            if (trailer_line(&r, line, len) || len == 0)
                continue;
            r.in_trailer = 0;            /* text after a trailer: go on */
        }
        if (r.pending_dash) {
            r.pending_dash = 0;
            if (trailer_line(&r, line, len)) {
                flush_record(&r);
                r.in_trailer = 1;
                continue;
            }
            if (keep_dash_line(&r))
                goto oom;
        }
        if (starts_record(&r, line, len)) {
            flush_record(&r);
            r.rec_len = 0;
            if (rec_append(&r, line, len))
                goto oom;
            r.rec_line = lineno;
            r.rec_off = off;
            r.have_rec = 1;
            continue;
        }
        int ttl;
        enum style h = header_style(line, len, &ttl);
        if (h != S_UNKNOWN) {
            flush_record(&r);
            if (h != r.style)
                sink->note(sink->ctx, "style_changed", style_name(h));
            r.style = h;
            r.ttl_mode = h == S_DEFAULT ? ttl : -1;
            seen_header = 1;
            continue;
        }
        if (is_dash_line(line, len)) {
            r.pending_dash = 1;
            r.dash_line = lineno;
            r.dash_off = off;
            r.dash_len = (int64_t)len;
            continue;
        }
        if (r.have_rec) {                /* continuation line */
            if (rec_append(&r, "\n", 1) || rec_append(&r, line, len))
                goto oom;
            continue;
        }
        if (is_preamble(line, len)) {
            if (starts(line, len, "Filtering the log data using ")) {
                char buf[1024];
                size_t k = len - 29 < sizeof buf - 1 ? len - 29
                                                     : sizeof buf - 1;
                memcpy(buf, line + 29, k);
                buf[k] = 0;
                sink->note(sink->ctx, "filter", buf);
            } else if (starts(line, len, "Skipping ")) {
                sink->note(sink->ctx, "skipped_levels", "yes");
            }
            continue;
        }
        if (len == 0)
            continue;
        emit_unparsed(&r, line, len, lineno, off);
    }
    if (r.pending_dash && !r.stopped && keep_dash_line(&r))
        goto oom;
    if (!r.stopped)
        flush_record(&r);
    check_trailer(&r);
    if (!seen_header)
        sink->note(sink->ctx, "header", "missing");
    free(r.rec);
    st_tz_close(r.tz);
    if (r.stopped)
        return ST_READ_STOPPED;
    if (st_input_error(in)) {
        snprintf(err, errlen, "%s", st_input_error(in));
        return ST_READ_INPUT_ERROR;
    }
    return ST_READ_OK;
oom:
    free(r.rec);
    st_tz_close(r.tz);
    snprintf(err, errlen, "out of memory");
    return ST_READ_INPUT_ERROR;
}

static int read_default(st_input *in, const st_parse_opts *o, st_sink *s,
                        char *e, size_t el)
{
    return read_style(in, o, s, e, el, S_DEFAULT);
}
static int read_compact(st_input *in, const st_parse_opts *o, st_sink *s,
                        char *e, size_t el)
{
    return read_style(in, o, s, e, el, S_COMPACT);
}
static int read_syslog(st_input *in, const st_parse_opts *o, st_sink *s,
                       char *e, size_t el)
{
    return read_style(in, o, s, e, el, S_SYSLOG);
}

const st_parser st_parser_logshow_default = {
    "logshow-default", "1.0",
    "log show default style (Timestamp Thread Type Activity PID TTL)",
    bid_default, read_default};
const st_parser st_parser_logshow_compact = {
    "logshow-compact", "1.0",
    "log show --style compact (Timestamp Ty Process[PID:TID])", bid_compact,
    read_compact};
const st_parser st_parser_logshow_syslog = {
    "logshow-syslog", "1.0",
    "log show --style syslog (Timestamp  host process[PID]:)", bid_syslog,
    read_syslog};
