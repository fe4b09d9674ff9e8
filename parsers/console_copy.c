/*
 * console_copy.c -- text copied out of Console.app, in its two layouts
 * (docs/textlogs.md; shared/reference/LOG_FORMATS.md §6):
 *
 *  - "console-copy" (macOS 10.12 and later, iOS devices shown in Console):
 *    type<TAB>HH:MM:SS.ffffff±HHMM<TAB>process<TAB>message, a lower-case
 *    type and no date.  The date comes from --date YYYY-MM-DD (the date of
 *    the first record); without it the input is refused rather than dated
 *    by guesswork.  A clock going back by more than 12 hours is a midnight
 *    roll-over and advances the date, with a note.
 *  - "console-dated" (Console.app of the 10.8-10.12 era):
 *    "13/09/2016 12:27:05.000 kernel[0]: message" with the locale's date
 *    order and no UTC offset.  The day/month order is decided from the
 *    values (a first field above 12 means day first), else from
 *    --date-order; an ambiguous file without the option is refused.  Times
 *    are read in --tz, or UTC with a warning, like log show's compact style.
 *
 * Record model as in logshow_text.c: a record starts on a line of the
 * layout; every following line that does not start one belongs to its
 * message (Console adds no prefix: the corpus copy continues a message with
 * indented "key = value;" lines and a closing "} ...").  Fields a layout
 * does not carry (pid and thread in copies, sender, subsystem, category,
 * type in dated copies) stay NULL.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "parser.h"
#include "timeparse.h"

#define US_PER_S 1000000LL
#define US_PER_DAY (86400LL * US_PER_S)
/* Lines kept in memory while the day/month order is still open. */
#define HOLD_MAX (64u << 20)
/* Days since 1970 of 9999-12-31: dates stop there (timeparse.h). */
#define MAX_DAY 2932896

enum form { F_TAB = 1, F_DATED = 2 };

/* ---- scanning helpers -------------------------------------------------- */

static int is_digit(char c) { return c >= '0' && c <= '9'; }
static int is_lower(char c) { return c >= 'a' && c <= 'z'; }

/* Reads 1..max digits at p[i..n) into *v; returns the end index or 0.
 * Assumes i < n or returns 0. */
static size_t num_at(const char *p, size_t n, size_t i, int max, int *v)
{
    size_t j = i;
    int x = 0;
    while (j < n && is_digit(p[j]) && (int)(j - i) < max)
        x = x * 10 + (p[j++] - '0');
    if (j == i || (j < n && is_digit(p[j])))
        return 0;
    *v = x;
    return j;
}

/* Parses "HH:MM:SS" plus an optional ".f" (1..9 digits) at i; the hour may
 * have one digit when one_digit_hour is set.  Returns the end index or 0
 * and sets *tod_us to the time of day. */
static size_t tod_at(const char *p, size_t n, size_t i, int one_digit_hour,
                     int64_t *tod_us)
{
    int hh, mm, ss;
    size_t j = num_at(p, n, i, 2, &hh);
    if (!j || (!one_digit_hour && j - i != 2) || j >= n || p[j] != ':')
        return 0;
    size_t k = num_at(p, n, j + 1, 2, &mm);
    if (!k || k - j != 3 || k >= n || p[k] != ':')
        return 0;
    size_t e = num_at(p, n, k + 1, 2, &ss);
    if (!e || e - k != 3 || hh > 23 || mm > 59 || ss > 60)
        return 0;
    int64_t frac = 0;
    if (e + 1 < n && p[e] == '.' && is_digit(p[e + 1])) {
        size_t f = e + 1;
        int64_t scale = 100000;
        while (f < n && is_digit(p[f]) && f - e <= 9) {
            frac += (p[f] - '0') * scale;
            scale /= 10;
            f++;
        }
        if (f < n && is_digit(p[f]))
            return 0;
        e = f;
    }
    *tod_us = ((int64_t)hh * 3600 + mm * 60 + ss) * US_PER_S + frac;
    return e;
}

/* Skips a UTF-8 byte-order mark (files saved by editors on other systems). */
static size_t bom_len(const char *p, size_t n)
{
    return n >= 3 && (unsigned char)p[0] == 0xEF &&
                   (unsigned char)p[1] == 0xBB && (unsigned char)p[2] == 0xBF
               ? 3 : 0;
}

/* ---- the two layouts ---------------------------------------------------- */

/* Console's type words and the names log show gives the same types. */
static const struct { const char *word, *name; } type_names[] = {
    {"default", "Default"}, {"info", "Info"},   {"debug", "Debug"},
    {"error", "Error"},     {"fault", "Fault"}, {"activity", "Activity"},
    {"signpost", "Signpost"}, {"statedump", "StateDump"},
};

/* Fields of a tab-form record's first line. */
typedef struct tab_rec {
    st_str type_word, time_text, process;
    size_t msg_at;             /* index of the message, or 0 when absent */
    int64_t tod_us;
    int has_off;
    int32_t off;
} tab_rec;

/* Splits a tab-form line "type\tTIME\tprocess\tmessage".  Returns 1 when
 * the line starts a record (type word, tab, time); the process and message
 * may still be missing (msg_at == 0), which makes the record Unparsed. */
static int tab_parse(const char *p, size_t n, tab_rec *t)
{
    size_t i = 0;
    while (i < n && is_lower(p[i]) && i < 16)
        i++;
    if (i < 2 || i >= n || p[i] != '\t')
        return 0;
    memset(t, 0, sizeof *t);
    t->type_word = (st_str){p, i};
    size_t t0 = i + 1;
    size_t e = tod_at(p, n, t0, 0, &t->tod_us);
    if (!e)
        return 0;
    if (e < n && p[e] != '\t') {
        size_t k = st_parse_offset(p + e, n - e, &t->off);
        if (!k)
            return 0;
        t->has_off = 1;
        e += k;
    }
    if (e < n && p[e] != '\t')
        return 0;
    t->time_text = (st_str){p + t0, e - t0};
    if (e >= n)
        return 1;
    size_t s = e + 1;
    const char *tab = memchr(p + s, '\t', n - s);
    const char *nl = memchr(p + s, '\n', n - s);
    if (!tab || (nl && nl < tab))
        return 1;
    t->process = (st_str){p + s, (size_t)(tab - p) - s};
    t->msg_at = (size_t)(tab - p) + 1;
    return 1;
}

/* Fields of a dated-form record's first line. */
typedef struct dated_rec {
    int a, b, year;            /* first, second date field; full year */
    int64_t tod_us;
    size_t ts_len;             /* date and time as written */
    st_str process;
    int has_pid;
    int64_t pid;
    size_t msg_at;             /* 0 when "process[pid]: " is missing */
} dated_rec;

/* Splits "D/M/YYYY HH:MM:SS.mmm [AM|PM] process[pid]: message" (either
 * date order; '/' or '.' between the fields; two-digit years are 20xx).
 * Returns 1 when the line starts a record (date and time). */
static int dated_parse(const char *p, size_t n, dated_rec *d)
{
    memset(d, 0, sizeof *d);
    size_t i = num_at(p, n, 0, 2, &d->a);
    if (!i || i >= n || (p[i] != '/' && p[i] != '.'))
        return 0;
    char sep = p[i];
    size_t j = num_at(p, n, i + 1, 2, &d->b);
    if (!j || j >= n || p[j] != sep)
        return 0;
    size_t k = num_at(p, n, j + 1, 4, &d->year);
    if (!k || (k - j - 1 != 2 && k - j - 1 != 4) || k >= n || p[k] != ' ')
        return 0;
    if (k - j - 1 == 2)
        d->year += 2000;
    if (d->a < 1 || d->b < 1 || d->year < 1)
        return 0;
    size_t e = tod_at(p, n, k + 1, 1, &d->tod_us);
    if (!e)
        return 0;
    if (e + 3 <= n && p[e] == ' ' && (p[e + 1] == 'A' || p[e + 1] == 'P') &&
        p[e + 2] == 'M' && (e + 3 == n || p[e + 3] == ' ')) {
        int64_t h = d->tod_us / (3600 * US_PER_S);
        if (h < 1 || h > 12)
            return 0;
        if (h == 12)
            d->tod_us -= 12 * 3600 * US_PER_S;
        if (p[e + 1] == 'P')
            d->tod_us += 12 * 3600 * US_PER_S;
        e += 3;
    }
    if (e < n && p[e] != ' ')
        return 0;
    d->ts_len = e;
    /* process[pid]: -- the first "[digits]:" after the time; names may
     * hold spaces ("Google Chrome Helper[123]:") */
    size_t s = e + 1;
    for (size_t q = s; q < n && p[q] != '\n'; q++) {
        if (p[q] != '[' || q == s)
            continue;
        size_t r = q + 1;
        int64_t pid = 0;
        while (r < n && is_digit(p[r]) && r - q <= 18)
            pid = pid * 10 + (p[r++] - '0');
        if (r == q + 1 || r + 1 >= n || p[r] != ']' || p[r + 1] != ':')
            continue;
        d->process = (st_str){p + s, q - s};
        d->pid = pid;
        d->has_pid = 1;
        d->msg_at = r + 2 < n && p[r + 2] == ' ' ? r + 3 : r + 2;
        return 1;
    }
    return 1;
}

/* Days in month m of year y. */
static int month_days(int y, int m)
{
    static const unsigned char md[] = {31, 28, 31, 30, 31, 30,
                                       31, 31, 30, 31, 30, 31};
    if (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))
        return 29;
    return md[m - 1];
}

/* ---- bidding ------------------------------------------------------------ */

/* Share of the first 50 non-empty lines that start a record of `form`,
 * among lines that start with what such a record starts with. */
static int bid_form(const uint8_t *head, size_t n, enum form form)
{
    const char *p = (const char *)head;
    size_t i = bom_len(p, n);
    int lines = 0, fit = 0, led = 0, junk = 0;
    while (i < n && lines < 50) {
        const char *nl = memchr(p + i, '\n', n - i);
        size_t e = nl ? (size_t)(nl - p) : n;
        if (!nl && lines > 0)
            break;                   /* cut-off last line */
        size_t len = e - i;
        if (len && p[i + len - 1] == '\r')
            len--;
        const char *l = p + i;
        if (memchr(l, 0, len))
            junk++;
        else if (form == F_TAB && len && is_lower(l[0])) {
            tab_rec t;
            led++;
            fit += tab_parse(l, len, &t) && t.msg_at;
        } else if (form == F_DATED && len && is_digit(l[0])) {
            dated_rec d;
            led++;
            fit += dated_parse(l, len, &d) && d.msg_at;
        }
        lines++;
        i = e + 1;
    }
    if (fit == 0 || junk > lines / 4)
        return 0;
    /* a lone dated line is weaker evidence than a tab record */
    if (fit * 10 >= led * 8)
        return form == F_TAB ? 90 : 85;
    return 30 + 50 * fit / led;
}

static int bid_tab(const uint8_t *h, size_t n, int eof)
{
    (void)eof;
    return bid_form(h, n, F_TAB);
}

static int bid_dated(const uint8_t *h, size_t n, int eof)
{
    (void)eof;
    return bid_form(h, n, F_DATED);
}

/* ---- reading ------------------------------------------------------------ */

typedef struct reader {
    st_sink *sink;
    enum form form;
    st_tz *tz;
    int tz_noted;
    int stopped;
    /* tab form: the current date and roll-over state */
    int64_t day, start_day;
    int64_t last_local;
    int have_last;
    /* dated form: 'd' day first, 'm' month first, 0 not known yet */
    int order;
    /* the record being gathered (first line and continuations) */
    char *rec;
    size_t rec_len, rec_cap;
    int64_t rec_line, rec_off;
    int have_rec;
    int64_t blank_run;         /* empty lines not yet known to be inside */
    int64_t blank_dropped;
    /* lines held while the day/month order is open: entries of
     * (int64 offset, int64 line, uint32 length, bytes) */
    char *hold;
    size_t hold_len, hold_cap;
    int holding;
    char unknown_type[24];
} reader;

/* Grows *buf to hold need bytes; returns -1 when out of memory. */
static int grow(char **buf, size_t *cap, size_t need)
{
    if (need <= *cap)
        return 0;
    size_t c = *cap ? *cap : 4096;
    while (c < need)
        c *= 2;
    char *nb = realloc(*buf, c);
    if (!nb)
        return -1;
    *buf = nb;
    *cap = c;
    return 0;
}

/* Appends bytes to the record buffer. */
static int rec_append(reader *r, const char *p, size_t n)
{
    if (grow(&r->rec, &r->rec_cap, r->rec_len + n + 1))
        return -1;
    memcpy(r->rec + r->rec_len, p, n);
    r->rec_len += n;
    return 0;
}

/* Hands an event to the sink; remembers a request to stop. */
static void emit(reader *r, const st_event *ev)
{
    if (r->sink->event(r->sink->ctx, ev))
        r->stopped = 1;
}

/* Emits raw text as an Unparsed event (no time: a layout that cannot be
 * read gives no trustworthy time either). */
static void emit_unparsed(reader *r, const char *p, size_t n, int64_t line,
                          int64_t off)
{
    st_event ev;
    memset(&ev, 0, sizeof ev);
    ev.line = line;
    ev.byte_offset = off;
    ev.type = ST_STR_LIT("Unparsed");
    ev.message = (st_str){p, n};
    emit(r, &ev);
}

/* Converts a wall-clock time without an offset with --tz, or as UTC; says
 * once (note, and a warning without --tz) which zone was used. */
static int64_t local_to_utc(reader *r, int64_t local, int32_t *off)
{
    if (!r->tz_noted) {
        if (r->tz) {
            r->sink->note(r->sink->ctx, "tz_assumed", st_tz_spec(r->tz));
        } else {
            r->sink->note(r->sink->ctx, "tz_assumed", "UTC (no --tz)");
            st_sink_warnf(r->sink, 0, "timestamps carry no UTC offset and "
                          "no --tz was given: UTC assumed");
        }
        r->tz_noted = 1;
    }
    *off = 0;
    return r->tz ? st_tz_to_utc(r->tz, local, off) : local;
}

/* Formats days since the epoch as YYYY-MM-DD. */
static void day_text(int64_t day, char *buf, size_t n)
{
    int y, m, d;
    st_civil_from_days(day, &y, &m, &d);
    snprintf(buf, n, "%04d-%02d-%02d", y, m, d);
}

/* Maps Console's lower-case type word to log show's name; an unknown word
 * is kept as written, with a warning whenever a different one appears. */
static st_str type_of(reader *r, st_str w, int64_t line)
{
    for (size_t i = 0; i < sizeof type_names / sizeof *type_names; i++)
        if (strlen(type_names[i].word) == w.n &&
            memcmp(type_names[i].word, w.p, w.n) == 0)
            return (st_str){type_names[i].name, strlen(type_names[i].name)};
    if (!r->unknown_type[0] || strlen(r->unknown_type) != w.n ||
        memcmp(r->unknown_type, w.p, w.n)) {
        snprintf(r->unknown_type, sizeof r->unknown_type, "%.*s",
                 (int)(w.n < 20 ? w.n : 20), w.p);
        st_sink_warnf(r->sink, line, "unknown message type '%s' kept as "
                      "written", r->unknown_type);
    }
    return w;
}

/* Dates a tab-form time of day: the current date, advanced at a midnight
 * roll-over (the clock going back by more than 12 h); a record more than
 * 12 h ahead of the clock after a roll-over is a late line of the day
 * before and leaves the current date alone. */
static int64_t tab_local(reader *r, int64_t tod, int64_t line)
{
    int64_t local = r->day * US_PER_DAY + tod;
    if (r->have_last) {
        if (local < r->last_local - US_PER_DAY / 2 && r->day < MAX_DAY) {
            r->day++;
            local += US_PER_DAY;
            char d[16], v[64];
            day_text(r->day, d, sizeof d);
            snprintf(v, sizeof v, "line %lld: %s", (long long)line, d);
            r->sink->note(r->sink->ctx, "date_rollover", v);
        } else if (local > r->last_local + US_PER_DAY / 2 &&
                   r->day > r->start_day) {
            return local - US_PER_DAY;
        }
    }
    r->last_local = local;
    r->have_last = 1;
    return local;
}

/* Parses a gathered tab-form record and emits it. */
static void flush_tab(reader *r)
{
    const char *p = r->rec;
    size_t n = r->rec_len;
    tab_rec t;
    if (!tab_parse(p, n, &t) || !t.msg_at) {
        emit_unparsed(r, p, n, r->rec_line, r->rec_off);
        return;
    }
    st_event ev;
    memset(&ev, 0, sizeof ev);
    ev.line = r->rec_line;
    ev.byte_offset = r->rec_off;
    ev.type = type_of(r, t.type_word, r->rec_line);
    ev.time_text = t.time_text;
    int64_t local = tab_local(r, t.tod_us, r->rec_line);
    int32_t off = t.off;
    ev.time_us = t.has_off ? local - (int64_t)off * 60 * US_PER_S
                           : local_to_utc(r, local, &off);
    ev.utc_offset_min = off;
    ev.has = ST_HAS_TIME | ST_HAS_OFFSET;
    ev.process = t.process;
    ev.message = (st_str){p + t.msg_at, n - t.msg_at};
    emit(r, &ev);
}

/* Parses a gathered dated-form record with the file's day/month order and
 * emits it; a date that does not exist in that order is Unparsed. */
static void flush_dated(reader *r)
{
    const char *p = r->rec;
    size_t n = r->rec_len;
    dated_rec d;
    if (!dated_parse(p, n, &d) || !d.msg_at) {
        emit_unparsed(r, p, n, r->rec_line, r->rec_off);
        return;
    }
    int day = r->order == 'd' ? d.a : d.b, mon = r->order == 'd' ? d.b : d.a;
    if (mon < 1 || mon > 12 || day > month_days(d.year, mon)) {
        st_sink_warnf(r->sink, r->rec_line, "date '%.*s' does not fit this "
                      "file's %s order: kept as Unparsed", (int)d.ts_len, p,
                      r->order == 'd' ? "day/month" : "month/day");
        emit_unparsed(r, p, n, r->rec_line, r->rec_off);
        return;
    }
    st_event ev;
    memset(&ev, 0, sizeof ev);
    ev.line = r->rec_line;
    ev.byte_offset = r->rec_off;
    ev.time_text = (st_str){p, d.ts_len};
    int64_t local = st_days_from_civil(d.year, mon, day) * US_PER_DAY +
                    d.tod_us;
    int32_t off;
    ev.time_us = local_to_utc(r, local, &off);
    ev.utc_offset_min = off;
    ev.has = ST_HAS_TIME | ST_HAS_OFFSET | ST_HAS_PID;
    ev.pid = d.pid;
    ev.process = d.process;
    ev.message = (st_str){p + d.msg_at, n - d.msg_at};
    emit(r, &ev);
}

/* Emits the gathered record, if any. */
static void flush_record(reader *r)
{
    if (!r->have_rec)
        return;
    r->have_rec = 0;
    r->blank_dropped += r->blank_run;
    r->blank_run = 0;
    if (r->form == F_TAB)
        flush_tab(r);
    else
        flush_dated(r);
}

/* True when the line starts a record of the reader's layout. */
static int starts_record(const reader *r, const char *p, size_t n)
{
    if (r->form == F_TAB) {
        tab_rec t;
        return n && is_lower(p[0]) && tab_parse(p, n, &t);
    }
    dated_rec d;
    return n && is_digit(p[0]) && dated_parse(p, n, &d);
}

/* Takes one line (without its end of line): a record start, a
 * continuation of the record above, or text before any record. */
static int on_line(reader *r, const char *p, size_t n, int64_t off,
                   int64_t lineno)
{
    if (starts_record(r, p, n)) {
        flush_record(r);
        r->rec_len = 0;
        if (rec_append(r, p, n))
            return -1;
        r->rec_line = lineno;
        r->rec_off = off;
        r->have_rec = 1;
        return 0;
    }
    if (n == 0) {
        /* inside a message only if more of it follows */
        if (r->have_rec)
            r->blank_run++;
        else
            r->blank_dropped++;
        return 0;
    }
    if (r->have_rec) {
        for (; r->blank_run > 0; r->blank_run--)
            if (rec_append(r, "\n", 1))
                return -1;
        return rec_append(r, "\n", 1) || rec_append(r, p, n) ? -1 : 0;
    }
    emit_unparsed(r, p, n, lineno, off);
    return 0;
}

/* ---- day/month order ---------------------------------------------------- */

/* What a dated line says about the order: 'd', 'm' or 0 (ambiguous or not
 * a record). */
static int order_evidence(const char *p, size_t n)
{
    dated_rec d;
    if (!n || !is_digit(p[0]) || !dated_parse(p, n, &d))
        return 0;
    if (d.a > 12 && d.b <= 12)
        return 'd';
    if (d.b > 12 && d.a <= 12)
        return 'm';
    return 0;
}

/* Looks for an unambiguous date in the leading bytes; returns its order
 * and line number or 0. */
static int order_in_head(const uint8_t *head, size_t n, int64_t *line)
{
    const char *p = (const char *)head;
    size_t i = bom_len(p, n);
    for (int64_t l = 1; i < n; l++) {
        const char *nl = memchr(p + i, '\n', n - i);
        if (!nl)
            break;
        size_t e = (size_t)(nl - p), len = e - i;
        if (len && p[e - 1] == '\r')
            len--;
        int o = order_evidence(p + i, len);
        if (o) {
            *line = l;
            return o;
        }
        i = e + 1;
    }
    return 0;
}

/* Records the decided order and why. */
static void set_order(reader *r, int order, const char *why)
{
    r->order = order;
    char v[96];
    snprintf(v, sizeof v, "%s (%s)", order == 'd' ? "dmy" : "mdy", why);
    r->sink->note(r->sink->ctx, "date_order", v);
}

/* Keeps a line until the order is known; returns -1 when out of memory. */
static int hold_line(reader *r, const char *p, size_t n, int64_t off,
                     int64_t lineno)
{
    size_t need = r->hold_len + 2 * sizeof(int64_t) + sizeof(uint32_t) + n;
    if (grow(&r->hold, &r->hold_cap, need))
        return -1;
    char *o = r->hold + r->hold_len;
    uint32_t len = (uint32_t)n;
    memcpy(o, &off, sizeof off);
    memcpy(o + 8, &lineno, sizeof lineno);
    memcpy(o + 16, &len, sizeof len);
    memcpy(o + 20, p, n);
    r->hold_len = need;
    return 0;
}

/* Feeds the held lines to the reader now that the order is known. */
static int replay_held(reader *r)
{
    r->holding = 0;
    for (size_t i = 0; i < r->hold_len && !r->stopped;) {
        int64_t off, lineno;
        uint32_t len;
        memcpy(&off, r->hold + i, sizeof off);
        memcpy(&lineno, r->hold + i + 8, sizeof lineno);
        memcpy(&len, r->hold + i + 16, sizeof len);
        if (on_line(r, r->hold + i + 20, len, off, lineno))
            return -1;
        i += 20 + len;
    }
    free(r->hold);
    r->hold = NULL;
    r->hold_len = r->hold_cap = 0;
    return 0;
}

/* ---- the read loop ------------------------------------------------------ */

/* Parses "YYYY-MM-DD" into days since the epoch; returns 0 or -1. */
static int parse_date_opt(const char *s, int64_t *day)
{
    int y, m, d;
    size_t n = strlen(s);
    if (n != 10 || s[4] != '-' || s[7] != '-' || !num_at(s, n, 0, 4, &y) ||
        !num_at(s, n, 5, 2, &m) || !num_at(s, n, 8, 2, &d) || y < 1 ||
        m < 1 || m > 12 || d < 1 || d > month_days(y, m))
        return -1;
    *day = st_days_from_civil(y, m, d);
    return 0;
}

/* Sets up the reader for the layout and the options; returns an ST_READ_*
 * code other than OK when the input must be refused. */
static int setup(reader *r, st_input *in, const st_parse_opts *opts,
                 char *err, size_t errlen)
{
    if (r->form == F_TAB) {
        if (!opts || !opts->date) {
            snprintf(err, errlen, "Console.app copy has no dates: give "
                     "--date YYYY-MM-DD");
            return ST_READ_REJECTED;
        }
        if (parse_date_opt(opts->date, &r->day)) {
            snprintf(err, errlen, "--date wants YYYY-MM-DD, not '%s'",
                     opts->date);
            return ST_READ_REJECTED;
        }
        r->start_day = r->day;
        char v[64];
        snprintf(v, sizeof v, "%s (--date, first record)", opts->date);
        r->sink->note(r->sink->ctx, "date", v);
    }
    if (opts && opts->tz) {
        r->tz = st_tz_open(opts->tz, err, errlen);
        if (!r->tz)
            return ST_READ_REJECTED;
    }
    if (r->form == F_DATED) {
        size_t hn;
        const uint8_t *head = st_input_peek(in, &hn);
        int64_t line = 0;
        int o = order_in_head(head, hn, &line);
        int want = opts ? opts->date_order : 0;
        char why[64];
        if (o) {
            snprintf(why, sizeof why, "from the values, line %lld",
                     (long long)line);
            set_order(r, o, why);
            if (want && want != o)
                st_sink_warnf(r->sink, line, "--date-order %s contradicts "
                              "the dates in the file: %s used",
                              want == 'd' ? "dmy" : "mdy",
                              o == 'd' ? "dmy" : "mdy");
        } else if (want) {
            set_order(r, want, "--date-order");
        } else {
            r->holding = 1;
        }
    }
    return ST_READ_OK;
}

/* Reads a whole copy in the given layout. */
static int read_form(st_input *in, const st_parse_opts *opts, st_sink *sink,
                     char *err, size_t errlen, enum form form)
{
    reader r;
    memset(&r, 0, sizeof r);
    r.sink = sink;
    r.form = form;
    int rc = setup(&r, in, opts, err, errlen);
    if (rc != ST_READ_OK) {
        st_tz_close(r.tz);
        return rc;
    }
    const char *line;
    size_t len;
    int64_t off, lineno;
    while (!r.stopped &&
           st_input_getline(in, &line, &len, &off, &lineno) == 1) {
        if (len && line[len - 1] == '\r')
            len--;
        if (lineno == 1) {
            size_t b = bom_len(line, len);
            line += b;
            len -= b;
        }
        if (r.holding) {
            if (r.hold_len + len > HOLD_MAX) {
                snprintf(err, errlen, "every date in the first %u MiB could "
                         "be day/month or month/day: give --date-order "
                         "dmy|mdy", HOLD_MAX >> 20);
                rc = ST_READ_REJECTED;
                goto out;
            }
            int o = order_evidence(line, len);
            if (hold_line(&r, line, len, off, lineno))
                goto oom;
            if (o) {
                char why[64];
                snprintf(why, sizeof why, "from the values, line %lld",
                         (long long)lineno);
                set_order(&r, o, why);
                if (replay_held(&r))
                    goto oom;
            }
            continue;
        }
        if (on_line(&r, line, len, off, lineno))
            goto oom;
    }
    if (r.holding) {
        snprintf(err, errlen, "every date could be day/month or month/day: "
                 "give --date-order dmy|mdy");
        rc = ST_READ_REJECTED;
        goto out;
    }
    if (!r.stopped)
        flush_record(&r);
    r.blank_dropped += r.blank_run;
    if (r.blank_dropped) {
        char v[32];
        snprintf(v, sizeof v, "%lld", (long long)r.blank_dropped);
        sink->note(sink->ctx, "blank_lines", v);
    }
    if (r.stopped)
        rc = ST_READ_STOPPED;
    else if (st_input_error(in)) {
        snprintf(err, errlen, "%s", st_input_error(in));
        rc = ST_READ_INPUT_ERROR;
    }
    goto out;
oom:
    snprintf(err, errlen, "out of memory");
    rc = ST_READ_INPUT_ERROR;
out:
    free(r.rec);
    free(r.hold);
    st_tz_close(r.tz);
    return rc;
}

static int read_tab(st_input *in, const st_parse_opts *o, st_sink *s,
                    char *e, size_t el)
{
    return read_form(in, o, s, e, el, F_TAB);
}

static int read_dated(st_input *in, const st_parse_opts *o, st_sink *s,
                      char *e, size_t el)
{
    return read_form(in, o, s, e, el, F_DATED);
}

const st_parser st_parser_console_copy = {
    "console-copy", "1.0",
    "Console.app copy (type<TAB>time<TAB>process<TAB>message; needs --date)",
    bid_tab, read_tab};
const st_parser st_parser_console_dated = {
    "console-dated", "1.0",
    "Console.app copy with dates (13/09/2016 12:27:05.000 kernel[0]: ...)",
    bid_dated, read_dated};
