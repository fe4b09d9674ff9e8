/*
 * bsd_syslog.c -- BSD syslog and ASL text: /var/log/system.log (and its
 * gzip rotations), `syslog` output, and iOS syslog relays (idevicesyslog,
 * Xcode's device console).  Layouts (docs/textlogs.md):
 *
 *   Nov 14 12:16:45 host process[pid]: message
 *   Feb 18 21:09:38 host proc(sender)[pid] <Notice>: message
 *   Aug 20 10:23:04 host com.apple.xpc.launchd[1] (label[pid]): message
 *   Aug 20 10:27:08 --- last message repeated 2 times ---
 *
 * The lines carry neither a year nor a UTC offset.  The year is --year (the
 * year of the first record) or comes from the file itself: a
 * "bootlog[0]: BOOT_TIME <epoch> <usec>" or "SHUTDOWN_TIME: <epoch> <usec>"
 * line pins the year of its own record, and the others follow from it
 * through the new-year roll-overs (the month going back by more than six,
 * as December to January).  Lines are held in memory until such a line is
 * found; a file without one and without --year is refused, never dated by
 * guesswork.  Times are read in --tz, or UTC with a warning.
 *
 * The ASL level becomes the type the unified log gives syslog(3) levels
 * (Emergency, Alert, Critical -> Fault; Error -> Error; Warning, Notice ->
 * Default; Info -> Info; Debug -> Debug) and is kept as written in
 * extra_json.asl_level whenever the type does not give it back (Default
 * alone means Notice); system.log lines carry no level and keep no type.
 * "--- last message repeated N times ---" lines are their own events (type
 * Default, message as written, extra_json.repeat_count and repeats_line).
 * A line that does not start a record continues the message above
 * (indented "ASL Module ..." lines, "{ ... }" blocks).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "parser.h"
#include "timeparse.h"

#define US_PER_S 1000000LL
#define US_PER_DAY (86400LL * US_PER_S)
/* Bytes of input held while the year is not known yet. */
#define HOLD_MAX (64u << 20)
/* A BOOT_TIME line matches its own timestamp within this (any UTC offset). */
#define ANCHOR_SLACK_US (15LL * 3600 * US_PER_S)

/* ---- scanning helpers -------------------------------------------------- */

static int is_digit(char c) { return c >= '0' && c <= '9'; }

static int starts(const char *p, size_t n, const char *lit)
{
    size_t k = strlen(lit);
    return n >= k && memcmp(p, lit, k) == 0;
}

/* Reads decimal digits (at most 18) at p[i..n); returns the end or 0. */
static size_t dec_at(const char *p, size_t n, size_t i, int64_t *v)
{
    size_t j = i;
    int64_t x = 0;
    while (j < n && is_digit(p[j]) && j - i < 18)
        x = x * 10 + (p[j++] - '0');
    if (j == i || (j < n && is_digit(p[j])))
        return 0;
    *v = x;
    return j;
}

static size_t bom_len(const char *p, size_t n)
{
    return n >= 3 && (unsigned char)p[0] == 0xEF &&
                   (unsigned char)p[1] == 0xBB && (unsigned char)p[2] == 0xBF
               ? 3 : 0;
}

static const char months[] = "JanFebMarAprMayJunJulAugSepOctNovDec";

/* Days in month m of year y. */
static int month_days(int y, int m)
{
    static const unsigned char md[] = {31, 28, 31, 30, 31, 30,
                                       31, 31, 30, 31, 30, 31};
    if (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))
        return 29;
    return md[m - 1];
}

/* The "Mmm dd HH:MM:SS[.f]" that leads a record. */
typedef struct stamp {
    int mon, day;
    int64_t tod_us;
    size_t len;                /* bytes of the stamp as written */
} stamp;

/* Parses the leading stamp (day padded with a space or a zero); returns 1
 * when the line starts with one followed by a space. */
static int stamp_at(const char *p, size_t n, stamp *s)
{
    if (n < 16 || p[3] != ' ' || p[6] != ' ' || p[9] != ':' || p[12] != ':')
        return 0;
    int mon = 0;
    for (int m = 0; m < 12; m++)
        if (memcmp(p, months + 3 * m, 3) == 0)
            mon = m + 1;
    if (!mon)
        return 0;
    int d1 = p[4] == ' ' ? 0 : p[4] - '0', d2 = p[5] - '0';
    if (d1 < 0 || d1 > 3 || d2 < 0 || d2 > 9)
        return 0;
    int day = d1 * 10 + d2;
    const char *t = p + 7;
    for (int k = 0; k < 8; k++)
        if (k != 2 && k != 5 && !is_digit(t[k]))
            return 0;
    int hh = (t[0] - '0') * 10 + t[1] - '0';
    int mm = (t[3] - '0') * 10 + t[4] - '0';
    int ss = (t[6] - '0') * 10 + t[7] - '0';
    if (day < 1 || hh > 23 || mm > 59 || ss > 60)
        return 0;
    size_t e = 15;
    int64_t frac = 0;
    if (e + 1 < n && p[e] == '.' && is_digit(p[e + 1])) {
        int64_t scale = 100000;
        size_t f = e + 1;
        while (f < n && is_digit(p[f]) && f - e <= 9) {
            frac += (p[f] - '0') * scale;
            scale /= 10;
            f++;
        }
        e = f;
    }
    if (e >= n || p[e] != ' ')
        return 0;
    s->mon = mon;
    s->day = day;
    s->tod_us = ((int64_t)hh * 3600 + mm * 60 + ss) * US_PER_S + frac;
    s->len = e;
    return 1;
}

/* ---- record layout ------------------------------------------------------ */

enum kind { K_BAD = 0, K_MSG, K_REPEAT };

/* A record's first line taken apart. */
typedef struct line_rec {
    stamp ts;
    enum kind kind;
    st_str host, process, sender, level, job;
    int has_pid, has_job_pid;
    int64_t pid, job_pid, repeat;
    size_t msg_at;             /* index of the message in the record */
} line_rec;

/* Parses "--- last message repeated N time(s) ---" (or the plain BSD
 * "last message repeated N times") at i; returns 1 and the count. */
static int repeat_at(const char *p, size_t n, size_t i, int64_t *count)
{
    size_t j = i;
    if (starts(p + j, n - j, "--- "))
        j += 4;
    if (!starts(p + j, n - j, "last message repeated "))
        return 0;
    j += 22;
    size_t e = dec_at(p, n, j, count);
    return e && (starts(p + e, n - e, " time") || e == n);
}

/* Parses " <Level>" at i (an ASCII word, as written); returns its end. */
static size_t level_at(const char *p, size_t n, size_t i, st_str *level)
{
    if (i + 3 >= n || p[i] != ' ' || p[i + 1] != '<')
        return 0;
    size_t j = i + 2;
    while (j < n && j - i < 14 && ((p[j] | 32) >= 'a' && (p[j] | 32) <= 'z'))
        j++;
    if (j == i + 2 || j >= n || p[j] != '>')
        return 0;
    *level = (st_str){p + i + 2, j - i - 2};
    return j + 1;
}

/* Parses the launchd form " (label[pid])" at i; returns the index after
 * ')' or 0. */
static size_t job_at(const char *p, size_t n, size_t i, line_rec *r)
{
    if (i + 2 >= n || p[i] != ' ' || p[i + 1] != '(')
        return 0;
    size_t s = i + 2;
    for (size_t k = s; k + 1 < n && p[k] != '\n'; k++) {
        if (p[k] == ')' && p[k + 1] == ':') {
            r->job = (st_str){p + s, k - s};
            /* label[pid] -- the pid is optional */
            if (k > s + 2 && p[k - 1] == ']') {
                size_t b = k - 1;
                while (b > s && is_digit(p[b - 1]))
                    b--;
                int64_t jp;
                if (b > s && p[b - 1] == '[' && b < k - 1 &&
                    dec_at(p, k - 1, b, &jp)) {
                    r->job = (st_str){p + s, b - 1 - s};
                    r->job_pid = jp;
                    r->has_job_pid = 1;
                }
            }
            return k + 1;
        }
    }
    return 0;
}

/* Takes the text after the stamp apart: host, then process, optional
 * (sender), [pid], optional <Level> or (job), ':' and the message.
 * Returns 1 when the line fits a layout. */
static int parse_rest(const char *p, size_t n, line_rec *r)
{
    size_t i = r->ts.len + 1;
    if (repeat_at(p, n, i, &r->repeat)) {
        r->kind = K_REPEAT;
        r->msg_at = i;
        return 1;
    }
    const char *sp = memchr(p + i, ' ', n - i);
    if (!sp || sp == p + i)
        return 0;
    r->host = (st_str){p + i, (size_t)(sp - p) - i};
    size_t s = (size_t)(sp - p) + 1;
    if (repeat_at(p, n, s, &r->repeat)) {
        r->kind = K_REPEAT;
        r->msg_at = s;
        return 1;
    }
    /* the first "[digits]" followed by ':', " <" or " (" -- process names
     * may hold spaces; stop at a ": " that ends a pid-less process */
    for (size_t k = s; k < n && p[k] != '\n'; k++) {
        if (p[k] == ':' && (k + 1 == n || p[k + 1] == ' ' ||
                            p[k + 1] == '\n')) {
            if (k == s || memchr(p + s, ' ', k - s))
                return 0;
            r->process = (st_str){p + s, k - s};
            r->kind = K_MSG;
            r->msg_at = k + 1 < n && p[k + 1] == ' ' ? k + 2 : k + 1;
            return 1;
        }
        if (p[k] != '[' || k == s)
            continue;
        int64_t pid;
        size_t e = dec_at(p, n, k + 1, &pid);
        if (!e || e >= n || p[e] != ']')
            continue;
        size_t m = e + 1;
        line_rec t = *r;
        size_t after;
        if (m < n && p[m] == ':')
            after = m + 1;
        else if ((after = level_at(p, n, m, &t.level)) != 0) {
            if (after >= n || p[after] != ':')
                continue;
            after++;
        } else if ((after = job_at(p, n, m, &t)) != 0) {
            t.msg_at = m + 1;        /* keep "(label[pid]): ..." */
        } else {
            continue;
        }
        *r = t;
        r->pid = pid;
        r->has_pid = 1;
        r->process = (st_str){p + s, k - s};
        /* proc(sender)[pid] */
        if (k - s > 2 && p[k - 1] == ')') {
            for (size_t o = k - 1; o > s; o--)
                if (p[o - 1] == '(') {
                    r->process = (st_str){p + s, o - 1 - s};
                    r->sender = (st_str){p + o, k - 1 - o};
                    break;
                }
        }
        if (!r->msg_at)
            r->msg_at = after < n && p[after] == ' ' ? after + 1 : after;
        r->kind = K_MSG;
        return 1;
    }
    return 0;
}

/* Parses a record's first line; returns 1 when it starts a record (a
 * stamp), with r->kind K_BAD when the rest fits no layout. */
static int parse_line(const char *p, size_t n, line_rec *r)
{
    memset(r, 0, sizeof *r);
    if (!stamp_at(p, n, &r->ts))
        return 0;
    if (!parse_rest(p, n, r))
        r->kind = K_BAD;
    return 1;
}

/* "BOOT_TIME <epoch> <usec>" (bootlog) or "SHUTDOWN_TIME: <epoch> <usec>"
 * (shutdown, reboot): the line's own time in seconds since the epoch. */
static int anchor_of(const char *p, size_t n, const line_rec *r, int64_t *t)
{
    if (r->kind != K_MSG)
        return 0;
    const char *m = p + r->msg_at;
    size_t mn = n - r->msg_at;
    size_t i;
    if (starts(m, mn, "BOOT_TIME "))
        i = 10;
    else if (starts(m, mn, "SHUTDOWN_TIME: "))
        i = 15;
    else
        return 0;
    int64_t sec;
    size_t e = dec_at(m, mn, i, &sec);
    if (!e || sec < 86400 || sec > 253402300799LL)
        return 0;
    *t = sec * US_PER_S;
    return 1;
}

/* ---- levels ------------------------------------------------------------- */

static const struct { const char *level, *type; } level_types[] = {
    {"Emergency", "Fault"}, {"Alert", "Fault"},   {"Critical", "Fault"},
    {"Error", "Error"},     {"Warning", "Default"}, {"Notice", "Default"},
    {"Info", "Info"},       {"Debug", "Debug"},
};

/* The log show type for an ASL level, or NULL for an unknown level. */
static st_str type_of_level(st_str l)
{
    for (size_t i = 0; i < sizeof level_types / sizeof *level_types; i++)
        if (strlen(level_types[i].level) == l.n &&
            strncasecmp(level_types[i].level, l.p, l.n) == 0)
            return (st_str){level_types[i].type, strlen(level_types[i].type)};
    return ST_STR_NULL;
}

/* True when the type alone gives the level back exactly: Default is Notice,
 * and Error, Info, Debug are themselves.  Only the other levels (Warning,
 * Critical, Alert, Emergency, unknown or oddly spelt ones) need
 * extra_json.asl_level, which keeps one details row off most events. */
static int level_implied(st_str l)
{
    static const char *const same[] = {"Notice", "Error", "Info", "Debug"};
    for (size_t i = 0; i < sizeof same / sizeof *same; i++)
        if (strlen(same[i]) == l.n && memcmp(same[i], l.p, l.n) == 0)
            return 1;
    return 0;
}

/* ---- bidding ------------------------------------------------------------ */

/* Share of the first 50 stamp-led lines that fit a layout. */
static int bid(const uint8_t *head, size_t n, int eof)
{
    (void)eof;
    const char *p = (const char *)head;
    size_t i = bom_len(p, n);
    int lines = 0, fit = 0, led = 0, junk = 0;
    while (i < n && lines < 50) {
        const char *nl = memchr(p + i, '\n', n - i);
        size_t e = nl ? (size_t)(nl - p) : n;
        if (!nl && lines > 0)
            break;
        size_t len = e - i;
        if (len && p[i + len - 1] == '\r')
            len--;
        line_rec r;
        if (memchr(p + i, 0, len))
            junk++;
        else if (parse_line(p + i, len, &r)) {
            led++;
            fit += r.kind != K_BAD;
        }
        lines++;
        i = e + 1;
    }
    if (fit == 0 || junk > lines / 4)
        return 0;
    return fit * 10 >= led * 8 ? 85 : 30 + 50 * fit / led;
}

/* ---- reading ------------------------------------------------------------ */

typedef struct reader {
    st_sink *sink;
    st_tz *tz;
    int tz_noted;
    int stopped;
    /* year: base_year is the year of the first record (0 = not known);
     * yrel counts new-year roll-overs since the first record */
    int base_year;
    int year_from_opt;
    int yrel, prev_mon;
    /* the record being gathered */
    char *rec;
    size_t rec_len, rec_cap;
    int64_t rec_line, rec_off;
    int have_rec;
    int64_t blank_run, blank_dropped;
    /* the previous record, for repeat lines */
    int64_t last_line, last_time_us;
    int32_t last_off;
    int have_last;
    /* lines held while the year is not known: (int64 offset, int64 line,
     * uint32 length, bytes) */
    char *hold;
    size_t hold_len, hold_cap;
    int holding;
    int scan_yrel, scan_prev_mon;  /* roll-over tracking of held lines */
    /* host names seen (noted once each, not stored per event) */
    char hosts[16][64];
    int nhosts, last_host;
    char *extra;
    size_t extra_cap;
} reader;

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

static int rec_append(reader *r, const char *p, size_t n)
{
    if (grow(&r->rec, &r->rec_cap, r->rec_len + n + 1))
        return -1;
    memcpy(r->rec + r->rec_len, p, n);
    r->rec_len += n;
    return 0;
}

static void emit(reader *r, const st_event *ev)
{
    if (r->sink->event(r->sink->ctx, ev))
        r->stopped = 1;
}

/* The year offset of a record of month mon after the previous record:
 * the month going back by more than six is a new year; going forward by
 * more than six is a late line of the year before (the count stays). */
static int year_step(int *yrel, int *prev_mon, int mon)
{
    if (*prev_mon) {
        if (mon < *prev_mon - 6) {
            if (*yrel < 100000)          /* stamp_local stops at 9999 */
                ++*yrel;
        } else if (mon > *prev_mon + 6) {
            return *yrel - 1;
        }
    }
    *prev_mon = mon;
    return *yrel;
}

/* Wall-clock microseconds of a stamp in a given year; -1 when the day does
 * not exist in that year (Feb 29) or the year is out of range. */
static int64_t stamp_local(const stamp *s, int year)
{
    /* years run 1..9999 (timeparse.h); endless roll-overs stop there */
    if (year < 1 || year > 9999 || s->day > month_days(year, s->mon))
        return -1;
    return st_days_from_civil(year, s->mon, s->day) * US_PER_DAY + s->tod_us;
}

/* The year of a record of stamp s whose line says the time is `t` (UTC
 * microseconds), or 0 when no year near t fits (the anchor is wrong). */
static int anchor_year(const stamp *s, int64_t t, int32_t *off_min)
{
    int y, m, d;
    st_civil_from_days(t / US_PER_DAY, &y, &m, &d);
    for (int cand = y - 1; cand <= y + 1; cand++) {
        int64_t l = stamp_local(s, cand);
        if (l >= 0 && l - t <= ANCHOR_SLACK_US && t - l <= ANCHOR_SLACK_US) {
            *off_min = (int32_t)((l - t) / (60 * US_PER_S));
            return cand;
        }
    }
    return 0;
}

/* Converts a wall-clock time with --tz, or as UTC; says once which. */
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

/* Appends s as the body of a JSON string (quotes, backslashes and control
 * bytes escaped; other bytes as they are, the store cleans bad UTF-8). */
static size_t json_esc(char *o, const char *s, size_t n)
{
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '"' || c == '\\') {
            o[k++] = '\\';
            o[k++] = (char)c;
        } else if (c < 0x20 || c == 0x7f) {
            k += (size_t)sprintf(o + k, "\\u%04x", c);
        } else {
            o[k++] = (char)c;
        }
    }
    return k;
}

/* Builds the record's extra_json from what the event has no column for;
 * returns its view (NULL when there is nothing). */
static st_str build_extra(reader *r, const line_rec *lr, int64_t repeats_line)
{
    size_t need = 64 + 6 * (lr->level.n + lr->job.n) + 64;
    if (grow(&r->extra, &r->extra_cap, need))
        return ST_STR_NULL;
    char *o = r->extra;
    size_t k = 0;
    o[k++] = '{';
#define SEP() do { if (k > 1) o[k++] = ','; } while (0)
    if (lr->level.p && !level_implied(lr->level)) {
        SEP();
        k += (size_t)sprintf(o + k, "\"asl_level\":\"");
        k += json_esc(o + k, lr->level.p, lr->level.n);
        o[k++] = '"';
    }
    if (lr->job.p) {
        SEP();
        k += (size_t)sprintf(o + k, "\"launchd_job\":\"");
        k += json_esc(o + k, lr->job.p, lr->job.n);
        o[k++] = '"';
        if (lr->has_job_pid)
            k += (size_t)sprintf(o + k, ",\"launchd_job_pid\":%lld",
                                 (long long)lr->job_pid);
    }
    if (lr->kind == K_REPEAT) {
        SEP();
        k += (size_t)sprintf(o + k, "\"repeat_count\":%lld",
                             (long long)lr->repeat);
        if (repeats_line > 0)
            k += (size_t)sprintf(o + k, ",\"repeats_line\":%lld",
                                 (long long)repeats_line);
    }
#undef SEP
    if (k == 1)
        return ST_STR_NULL;
    o[k++] = '}';
    return (st_str){o, k};
}

/* Notes each host name once, with the line it first appears on.  The host
 * is not a field of an event (a file is one machine's log; "localhost"
 * appears until the name is set at boot), and the line number leads back
 * to it in the source.  Assumes the reader's host list starts empty. */
static void note_host(reader *r, st_str h)
{
    if (r->nhosts && strlen(r->hosts[r->last_host]) == h.n &&
        memcmp(r->hosts[r->last_host], h.p, h.n) == 0)
        return;                         /* the common case: same as before */
    for (int i = 0; i < r->nhosts; i++)
        if (strlen(r->hosts[i]) == h.n && memcmp(r->hosts[i], h.p, h.n) == 0) {
            r->last_host = i;
            return;
        }
    if (r->nhosts > 16 || h.n >= sizeof r->hosts[0])
        return;
    char v[128];
    if (r->nhosts == 16) {
        snprintf(v, sizeof v, "more than 16 names (from line %lld)",
                 (long long)r->rec_line);
        r->sink->note(r->sink->ctx, "host", v);
        r->nhosts++;
        return;
    }
    memcpy(r->hosts[r->nhosts], h.p, h.n);
    r->hosts[r->nhosts][h.n] = 0;
    r->last_host = r->nhosts++;
    snprintf(v, sizeof v, "%s (from line %lld)", r->hosts[r->last_host],
             (long long)r->rec_line);
    r->sink->note(r->sink->ctx, "host", v);
}

/* Emits raw text as Unparsed, with the stamp's time when it is readable. */
static void emit_unparsed(reader *r, const char *p, size_t n, int64_t line,
                          int64_t off, const stamp *ts, int year)
{
    st_event ev;
    memset(&ev, 0, sizeof ev);
    ev.line = line;
    ev.byte_offset = off;
    ev.type = ST_STR_LIT("Unparsed");
    ev.message = (st_str){p, n};
    int64_t local = ts && year ? stamp_local(ts, year) : -1;
    if (local >= 0) {
        int32_t o;
        ev.time_us = local_to_utc(r, local, &o);
        ev.utc_offset_min = o;
        ev.time_text = (st_str){p, ts->len};
        ev.has = ST_HAS_TIME | ST_HAS_OFFSET;
    }
    emit(r, &ev);
}

/* Checks an anchor line against the year in use (a --year that the file
 * contradicts is kept, with a warning) and notes the offset it implies. */
static void check_anchor(reader *r, const line_rec *lr, int year, int64_t t)
{
    int32_t off = 0;
    int y = anchor_year(&lr->ts, t, &off);
    char v[96];
    if (!y) {
        st_sink_warnf(r->sink, r->rec_line, "BOOT_TIME/SHUTDOWN_TIME value "
                      "does not match the line's own date: ignored");
        return;
    }
    if (y != year)
        st_sink_warnf(r->sink, r->rec_line, "--year gives %d here but the "
                      "line's BOOT_TIME/SHUTDOWN_TIME says %d: --year used",
                      year, y);
    /* round to the quarter hour: zones are whole quarter hours */
    int q = (off >= 0 ? off + 7 : off - 7) / 15 * 15;
    snprintf(v, sizeof v, "%c%02d%02d (line %lld)", q < 0 ? '-' : '+',
             abs(q) / 60, abs(q) % 60, (long long)r->rec_line);
    r->sink->note(r->sink->ctx, "utc_offset_from_boot_time", v);
}

/* Parses the gathered record and emits it. */
static void flush_record(reader *r)
{
    if (!r->have_rec)
        return;
    r->have_rec = 0;
    r->blank_dropped += r->blank_run;
    r->blank_run = 0;
    const char *p = r->rec;
    size_t n = r->rec_len;
    line_rec lr;
    parse_line(p, n, &lr);
    int prev_yrel = r->yrel;
    int yrel = year_step(&r->yrel, &r->prev_mon, lr.ts.mon);
    int year = r->base_year + yrel;
    if (r->yrel != prev_yrel) {
        char v[64];
        snprintf(v, sizeof v, "line %lld: %d", (long long)r->rec_line,
                 r->base_year + r->yrel);
        r->sink->note(r->sink->ctx, "year_rollover", v);
    }
    int64_t local = stamp_local(&lr.ts, year);
    if (lr.kind == K_BAD || local < 0) {
        if (local < 0)
            st_sink_warnf(r->sink, r->rec_line, "%.6s does not exist in %d: "
                          "kept as Unparsed", p, year);
        emit_unparsed(r, p, n, r->rec_line, r->rec_off, &lr.ts, year);
        return;
    }
    if (lr.host.p)
        note_host(r, lr.host);
    st_event ev;
    memset(&ev, 0, sizeof ev);
    ev.line = r->rec_line;
    ev.byte_offset = r->rec_off;
    ev.time_text = (st_str){p, lr.ts.len};
    int32_t off;
    ev.time_us = local_to_utc(r, local, &off);
    ev.utc_offset_min = off;
    ev.has = ST_HAS_TIME | ST_HAS_OFFSET;
    ev.message = (st_str){p + lr.msg_at, n - lr.msg_at};
    if (lr.kind == K_REPEAT) {
        ev.type = ST_STR_LIT("Default");
        ev.extra_json = build_extra(r, &lr, r->have_last ? r->last_line : 0);
    } else {
        ev.process = lr.process;
        ev.sender = lr.sender.p && lr.sender.n ? lr.sender : ST_STR_NULL;
        if (lr.has_pid) {
            ev.pid = lr.pid;
            ev.has |= ST_HAS_PID;
        }
        if (lr.level.p)
            ev.type = type_of_level(lr.level);
        ev.extra_json = build_extra(r, &lr, 0);
        int64_t at;
        if (anchor_of(p, n, &lr, &at))
            check_anchor(r, &lr, year, at);
    }
    r->last_line = r->rec_line;
    r->last_time_us = ev.time_us;
    r->last_off = ev.utc_offset_min;
    r->have_last = 1;
    emit(r, &ev);
}

/* A repeat line without a stamp (seen in copies that dropped it): its own
 * event at the time of the record it repeats. */
static void emit_bare_repeat(reader *r, const char *p, size_t n,
                             int64_t count, int64_t line, int64_t off)
{
    line_rec lr;
    memset(&lr, 0, sizeof lr);
    lr.kind = K_REPEAT;
    lr.repeat = count;
    st_event ev;
    memset(&ev, 0, sizeof ev);
    ev.line = line;
    ev.byte_offset = off;
    ev.type = ST_STR_LIT("Default");
    ev.message = (st_str){p, n};
    if (r->have_last) {
        ev.time_us = r->last_time_us;
        ev.utc_offset_min = r->last_off;
        ev.has = ST_HAS_TIME | ST_HAS_OFFSET;
    }
    ev.extra_json = build_extra(r, &lr, r->have_last ? r->last_line : 0);
    emit(r, &ev);
}

/* "[connected:UDID]" / "[disconnected]" lines of idevicesyslog: relay
 * status, not device records, and not part of the message above. */
static int is_relay_status(const char *p, size_t n)
{
    return n >= 11 && p[0] == '[' && p[n - 1] == ']' &&
           (starts(p + 1, n - 1, "connected") ||
            starts(p + 1, n - 1, "disconnected")) &&
           !memchr(p + 1, '[', n - 2);
}

/* Takes one line: a record start, a repeat or relay line, a continuation,
 * or text before any record. */
static int on_line(reader *r, const char *p, size_t n, int64_t off,
                   int64_t lineno)
{
    stamp s;
    if (stamp_at(p, n, &s)) {
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
        if (r->have_rec)
            r->blank_run++;
        else
            r->blank_dropped++;
        return 0;
    }
    int64_t count;
    if (p[0] == '-' && repeat_at(p, n, 0, &count)) {
        flush_record(r);
        emit_bare_repeat(r, p, n, count, lineno, off);
        return 0;
    }
    if (p[0] == '[' && is_relay_status(p, n)) {
        flush_record(r);
        st_event ev;
        memset(&ev, 0, sizeof ev);
        ev.line = lineno;
        ev.byte_offset = off;
        ev.message = (st_str){p, n};
        ev.extra_json = ST_STR_LIT("{\"relay_status\":true}");
        emit(r, &ev);
        return 0;
    }
    if (r->have_rec) {
        for (; r->blank_run > 0; r->blank_run--)
            if (rec_append(r, "\n", 1))
                return -1;
        return rec_append(r, "\n", 1) || rec_append(r, p, n) ? -1 : 0;
    }
    emit_unparsed(r, p, n, lineno, off, NULL, 0);
    return 0;
}

/* ---- finding the year ---------------------------------------------------- */

/* Looks at a held line: when it is an anchor, fixes the year of the first
 * record.  Returns 1 when the year became known. */
static int scan_held(reader *r, const char *p, size_t n, int64_t lineno)
{
    line_rec lr;
    if (!parse_line(p, n, &lr))
        return 0;
    int yrel = year_step(&r->scan_yrel, &r->scan_prev_mon, lr.ts.mon);
    int64_t t;
    if (!anchor_of(p, n, &lr, &t))
        return 0;
    int32_t off;
    int y = anchor_year(&lr.ts, t, &off);
    if (!y)
        return 0;                  /* reported when the line is read */
    r->base_year = y - yrel;
    char v[96];
    snprintf(v, sizeof v, "%d (first record; from BOOT_TIME/SHUTDOWN_TIME "
             "at line %lld)", r->base_year, (long long)lineno);
    r->sink->note(r->sink->ctx, "year", v);
    return 1;
}

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

/* Reads a whole syslog/ASL text file. */
static int read_syslog(st_input *in, const st_parse_opts *opts,
                       st_sink *sink, char *err, size_t errlen)
{
    reader r;
    memset(&r, 0, sizeof r);
    r.sink = sink;
    int rc = ST_READ_OK;
    if (opts && opts->tz) {
        r.tz = st_tz_open(opts->tz, err, errlen);
        if (!r.tz)
            return ST_READ_REJECTED;
    }
    if (opts && opts->year > 0) {
        r.base_year = opts->year;
        r.year_from_opt = 1;
        char v[64];
        snprintf(v, sizeof v, "%d (--year, first record)", opts->year);
        sink->note(sink->ctx, "year", v);
    } else {
        r.holding = 1;
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
                snprintf(err, errlen, "no year in the first %u MiB (no "
                         "BOOT_TIME or SHUTDOWN_TIME line): give --year "
                         "YYYY", HOLD_MAX >> 20);
                rc = ST_READ_REJECTED;
                goto out;
            }
            if (hold_line(&r, line, len, off, lineno))
                goto oom;
            if (scan_held(&r, line, len, lineno) && replay_held(&r))
                goto oom;
            continue;
        }
        if (on_line(&r, line, len, off, lineno))
            goto oom;
    }
    if (r.holding) {
        snprintf(err, errlen, "syslog lines carry no year and the file "
                 "names none (no BOOT_TIME or SHUTDOWN_TIME line): give "
                 "--year YYYY");
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
    free(r.extra);
    st_tz_close(r.tz);
    return rc;
}

const st_parser st_parser_bsd_syslog = {
    "bsd-syslog", "1.0",
    "BSD syslog / ASL text: system.log, syslog(1), iOS syslog relays "
    "(needs --year unless a BOOT_TIME line dates it)",
    bid, read_syslog};
