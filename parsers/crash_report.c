/*
 * crash_report.c -- macOS crash reports, the files ReportCrash leaves in
 * ~/Library/Logs/DiagnosticReports and sysdiagnose copies to
 * crashes_and_spins/ (CODESIGNING.md §5).  Three shapes are read:
 *
 *  - .ips JSON (macOS 12 and later, bug_type 309): a one-line JSON header
 *    {"app_name":..,"timestamp":..,"bug_type":"309","slice_uuid":..} then
 *    a pretty-printed JSON body with procName, pid, procPath, captureTime,
 *    bundleInfo, exception {type, signal, codes}, termination {namespace,
 *    code, indicator, byProc} and the codeSigning* fields.
 *  - .ips with a text body (bug_type 109, macOS 10.15/11): the same header
 *    line followed by the text report below.
 *  - text .crash reports: "Process:  NAME [PID]", "Path:", "Identifier:",
 *    "Date/Time:", "Exception Type:", "Termination Reason:  Namespace
 *    CODESIGNING, Code 2 Invalid Page" (or "Code 0x1, Taskgated Invalid
 *    Signature"), then threads and "Binary Images:" (whose line for the
 *    process path carries the executable's UUID).
 *
 * Each report becomes one "crash_report" record (path, uuid = the main
 * executable's LC_UUID, bundle_id, identifier/team_id = the code-signing
 * identity when given, everything read in data_json) and one "Crash" event
 * (event_type "crashReport") at the crash time with a one-line summary such
 * as "DelightEd [2741] terminated: namespace CODESIGNING, code 0x1 (Invalid
 * Page)".  Thread backtraces and the image list are not kept.
 *
 * A report is read whole into memory (at most CR_MAX_BYTES; real reports
 * are well under 1 MB).  JSON is parsed with yajl's tree API after a depth
 * check, because yajl frees trees recursively.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <yajl/yajl_tree.h>

#include "sqlite_evidence.h"
#include "timeparse.h"

#define CR_MAX_BYTES (64u << 20)
/* JSON nesting accepted before yajl builds a tree (real reports: < 10). */
#define CR_MAX_DEPTH 64
/* Nesting copied from the report into data_json (st_json allows 16). */
#define CR_COPY_DEPTH 8
/* Text fields kept verbatim in data_json. */
#define CR_MAX_FIELDS 64

/* ---- bidding ------------------------------------------------------------ */

/* Index of the first byte after a UTF-8 BOM and blank space. */
static size_t skip_lead(const uint8_t *h, size_t n)
{
    size_t i = 0;
    if (n >= 3 && h[0] == 0xEF && h[1] == 0xBB && h[2] == 0xBF)
        i = 3;
    while (i < n && (h[i] == ' ' || h[i] == '\t' || h[i] == '\r' ||
                     h[i] == '\n'))
        i++;
    return i;
}

/* True when the line h[0..n) starts with the C string key. */
static int starts(const uint8_t *h, size_t n, const char *key)
{
    size_t k = strlen(key);
    return n >= k && memcmp(h, key, k) == 0;
}

/* Reads the bug_type string of a header line into out (digits only). */
static int header_bug_type(const uint8_t *h, size_t n, char out[8])
{
    const uint8_t *p = memmem(h, n, "\"bug_type\"", 10);
    if (!p)
        return 0;
    const uint8_t *e = h + n;
    p += 10;
    while (p < e && (*p == ' ' || *p == ':'))
        p++;
    if (p < e && *p == '"')
        p++;
    size_t k = 0;
    while (p < e && *p >= '0' && *p <= '9' && k < 7)
        out[k++] = (char)*p++;
    out[k] = 0;
    return k > 0;
}

/* True when some line of the head starts with one of the keys (the text
 * report's own labels, at the start of a line). */
static int head_has_line(const uint8_t *h, size_t n, const char *key)
{
    size_t k = strlen(key);
    for (const uint8_t *p = h; p && p + k <= h + n;) {
        if (memcmp(p, key, k) == 0)
            return 1;
        p = memchr(p, '\n', (size_t)(h + n - p));
        if (p)
            p++;
    }
    return 0;
}

/* JSON header line (bug_type 309/109) or a text report's labels. */
static int bid(const uint8_t *h, size_t n, int at_eof)
{
    (void)at_eof;
    size_t i = skip_lead(h, n);
    if (i >= n)
        return 0;
    if (h[i] == '{') {
        const uint8_t *nl = memchr(h + i, '\n', n - i);
        if (!nl)
            return 0;
        size_t e = (size_t)(nl - h);
        while (e > i && (h[e - 1] == '\r' || h[e - 1] == ' '))
            e--;
        if (e <= i || h[e - 1] != '}')
            return 0;
        char bt[8];
        if (!header_bug_type(h + i, e - i, bt))
            return 0;
        size_t b0 = (size_t)(nl + 1 - h);
        size_t j = b0 + skip_lead(nl + 1, n - b0);
        int body_json = j < n && h[j] == '{';
        int body_text = j < n && (starts(h + j, n - j, "Process:") ||
                                  starts(h + j, n - j, "Incident Identifier:")
                                  || starts(h + j, n - j, "Date/Time:"));
        if (strcmp(bt, "309") == 0 && body_json)
            return 95;
        if (strcmp(bt, "109") == 0 && (body_text || body_json))
            return 95;
        /* another diagnostic report whose body still describes a crash */
        if (body_json && memmem(h + j, n - j, "\"termination\"", 13) &&
            memmem(h + j, n - j, "\"procName\"", 10))
            return 80;
        return 0;
    }
    if (head_has_line(h + i, n - i, "Process:") &&
        (head_has_line(h + i, n - i, "Exception Type:") ||
         head_has_line(h + i, n - i, "Termination Reason:") ||
         head_has_line(h + i, n - i, "Crashed Thread:")))
        return 90;
    return 0;
}

/* ---- reading ------------------------------------------------------------ */

/* Reads the whole input into a NUL-terminated buffer (at most
 * CR_MAX_BYTES; *cut says more was there).  Returns ST_READ_OK or
 * ST_READ_INPUT_ERROR with what was read kept in *out. */
static int slurp(st_input *in, char **out, size_t *len, int *cut, char *err,
                 size_t errlen)
{
    size_t cap = 64 * 1024, n = 0;
    char *b = malloc(cap + 1);
    *cut = 0;
    if (!b) {
        snprintf(err, errlen, "out of memory");
        return ST_READ_REJECTED;
    }
    for (;;) {
        if (n == cap) {
            if (cap >= CR_MAX_BYTES) {
                char sink[4096];
                *cut = st_input_read(in, sink, sizeof sink) > 0;
                break;
            }
            size_t ncap = cap * 2 > CR_MAX_BYTES ? CR_MAX_BYTES : cap * 2;
            char *nb = realloc(b, ncap + 1);
            if (!nb) {
                free(b);
                snprintf(err, errlen, "out of memory");
                return ST_READ_REJECTED;
            }
            b = nb;
            cap = ncap;
        }
        ssize_t k = st_input_read(in, b + n, cap - n);
        if (k < 0) {
            b[n] = 0;
            *out = b;
            *len = n;
            snprintf(err, errlen, "%s", st_input_error(in)
                     ? st_input_error(in) : "read error");
            return ST_READ_INPUT_ERROR;
        }
        if (k == 0)
            break;
        n += (size_t)k;
    }
    b[n] = 0;
    *out = b;
    *len = n;
    return ST_READ_OK;
}

/* What a report says, as views into the input buffer or the JSON trees
 * (both outlive the emission). */
typedef struct crash {
    st_str name, path, bundle_id, version, identifier, team_id, uuid;
    st_str incident, time_text, launch_text, os_version, parent, responsible;
    st_str ns, code_text, indicator;          /* termination */
    st_str exc_type, exc_signal, exc_codes, exc_subtype;
    int has_pid, has_user, has_code;
    int64_t pid, user_id;
    uint64_t code;
} crash;

/* Trims blanks and a trailing CR or quote (text reports pasted from
 * tickets sometimes carry one) from both ends of a view. */
static st_str trim(st_str s)
{
    while (s.n && (*s.p == ' ' || *s.p == '\t'))
        s.p++, s.n--;
    while (s.n && (s.p[s.n - 1] == ' ' || s.p[s.n - 1] == '\t' ||
                   s.p[s.n - 1] == '\r' || s.p[s.n - 1] == '"'))
        s.n--;
    return s;
}

/* Parses an unsigned decimal or 0x-hex number making up all of s. */
static int parse_code(st_str s, uint64_t *v)
{
    uint64_t x = 0;
    size_t i = 0;
    int hex = s.n > 2 && s.p[0] == '0' && (s.p[1] == 'x' || s.p[1] == 'X');
    if (hex)
        i = 2;
    if (i >= s.n || s.n - i > 16)
        return 0;
    for (; i < s.n; i++) {
        int c = (unsigned char)s.p[i], d;
        if (c >= '0' && c <= '9')
            d = c - '0';
        else if (hex && (c | 32) >= 'a' && (c | 32) <= 'f')
            d = (c | 32) - 'a' + 10;
        else
            return 0;
        x = x * (hex ? 16u : 10u) + (uint64_t)d;
    }
    *v = x;
    return 1;
}

/* Reads "2026-11-20 10:00:12.4120 -0800" (the offset may follow the time
 * directly or after one space).  Returns 1 and sets UTC/offset. */
static int parse_time(st_str s, int64_t *utc, int32_t *off)
{
    int64_t local;
    int has_off = 0;
    int32_t o = 0;
    if (!s.p)
        return 0;
    size_t k = st_parse_timestamp(s.p, s.n, &local, &has_off, &o);
    if (!k)
        return 0;
    if (!has_off) {
        while (k < s.n && s.p[k] == ' ')
            k++;
        if (k >= s.n || !st_parse_offset(s.p + k, s.n - k, &o))
            return 0;
    }
    *off = o;
    *utc = local - (int64_t)o * 60 * 1000000;
    return 1;
}

/* Upper-cases a UUID written with or without dashes (32 hex digits) into
 * canonical 8-4-4-4-12 form; returns 0 when s is not one. */
static int canon_uuid(st_str s, char out[37])
{
    char hex[32];
    size_t k = 0;
    for (size_t i = 0; i < s.n; i++) {
        char c = s.p[i];
        if (c == '-')
            continue;
        if (k == 32 || !((c >= '0' && c <= '9') ||
                         ((c | 32) >= 'a' && (c | 32) <= 'f')))
            return 0;
        hex[k++] = (c >= 'a' && c <= 'f') ? (char)(c - 32) : c;
    }
    if (k != 32)
        return 0;
    snprintf(out, 37, "%.8s-%.4s-%.4s-%.4s-%.12s", hex, hex + 8, hex + 12,
             hex + 16, hex + 20);
    return 1;
}

/* Builds the one-line summary. */
static void summary(const crash *c, char *msg, size_t n)
{
    char who[600];
    st_str name = c->name.p && c->name.n ? c->name : ST_STR_LIT("process");
    int k = snprintf(who, sizeof who, "%.*s", (int)(name.n < 256 ? name.n
                                                                 : 256),
                     name.p);
    if (c->has_pid && k > 0 && (size_t)k < sizeof who)
        snprintf(who + k, sizeof who - (size_t)k, " [%lld]",
                 (long long)c->pid);
    if (c->ns.p && c->ns.n) {
        char code[64] = "";
        if (c->has_code)
            snprintf(code, sizeof code, ", code 0x%llx",
                     (unsigned long long)c->code);
        else if (c->code_text.p && c->code_text.n)
            snprintf(code, sizeof code, ", code %.*s",
                     (int)(c->code_text.n < 40 ? c->code_text.n : 40),
                     c->code_text.p);
        if (c->indicator.p && c->indicator.n)
            snprintf(msg, n, "%s terminated: namespace %.*s%s (%.*s)", who,
                     (int)(c->ns.n < 64 ? c->ns.n : 64), c->ns.p, code,
                     (int)(c->indicator.n < 200 ? c->indicator.n : 200),
                     c->indicator.p);
        else
            snprintf(msg, n, "%s terminated: namespace %.*s%s", who,
                     (int)(c->ns.n < 64 ? c->ns.n : 64), c->ns.p, code);
    } else if (c->exc_type.p && c->exc_type.n) {
        if (c->exc_signal.p && c->exc_signal.n)
            snprintf(msg, n, "%s crashed: %.*s (%.*s)", who,
                     (int)(c->exc_type.n < 64 ? c->exc_type.n : 64),
                     c->exc_type.p,
                     (int)(c->exc_signal.n < 200 ? c->exc_signal.n : 200),
                     c->exc_signal.p);
        else
            snprintf(msg, n, "%s crashed: %.*s", who,
                     (int)(c->exc_type.n < 200 ? c->exc_type.n : 200),
                     c->exc_type.p);
    } else {
        snprintf(msg, n, "%s: crash report", who);
    }
}

/* Adds the facts every shape shares to data_json. */
static void json_facts(st_json *j, const crash *c)
{
    if (c->name.p)
        st_json_str(j, "process", c->name.p, c->name.n);
    if (c->has_pid)
        st_json_int(j, "pid", c->pid);
    if (c->path.p)
        st_json_str(j, "path", c->path.p, c->path.n);
    if (c->bundle_id.p)
        st_json_str(j, "bundle_id", c->bundle_id.p, c->bundle_id.n);
    if (c->version.p)
        st_json_str(j, "version", c->version.p, c->version.n);
    if (c->uuid.p)
        st_json_str(j, "executable_uuid", c->uuid.p, c->uuid.n);
    if (c->time_text.p)
        st_json_str(j, "crash_time", c->time_text.p, c->time_text.n);
    if (c->launch_text.p)
        st_json_str(j, "launch_time", c->launch_text.p, c->launch_text.n);
    if (c->ns.p || c->code_text.p || c->indicator.p) {
        st_json_obj(j, "termination_summary");
        if (c->ns.p)
            st_json_str(j, "namespace", c->ns.p, c->ns.n);
        if (c->has_code)
            st_json_fmt(j, "code", "0x%llx", (unsigned long long)c->code);
        else if (c->code_text.p)
            st_json_str(j, "code", c->code_text.p, c->code_text.n);
        if (c->indicator.p)
            st_json_str(j, "indicator", c->indicator.p, c->indicator.n);
        st_json_end(j);
    }
}

/* Sends the record and the event.  Returns ST_READ_OK or _STOPPED. */
static int emit(st_sink *sink, crash *c, st_json *j)
{
    char msg[1024], uuid[37], loc[80];
    int64_t t_us = 0;
    int32_t off = 0;
    int has_time = parse_time(c->time_text, &t_us, &off);
    if (!has_time && c->time_text.p)
        st_sink_warnf(sink, 0, "crash time '%.*s' not understood; the "
                      "report has no time",
                      (int)(c->time_text.n < 60 ? c->time_text.n : 60),
                      c->time_text.p);
    st_str uuid_v = ST_STR_NULL;
    if (c->uuid.p && canon_uuid(c->uuid, uuid))
        uuid_v = st_cstr(uuid);
    summary(c, msg, sizeof msg);
    if (c->incident.p && c->incident.n)
        snprintf(loc, sizeof loc, "incident %.*s",
                 (int)(c->incident.n < 40 ? c->incident.n : 40),
                 c->incident.p);
    else
        snprintf(loc, sizeof loc, "crash report");
    st_json_cstr(j, "summary", msg);
    st_str data = st_json_view(j);
    if (!data.p)
        return ST_READ_REJECTED;

    st_record r;
    memset(&r, 0, sizeof r);
    r.kind = "crash_report";
    r.locator = st_cstr(loc);
    r.has_time = has_time;
    r.time_us = t_us;
    r.path = c->path;
    r.uuid = uuid_v;
    r.bundle_id = c->bundle_id;
    r.identifier = c->identifier;
    r.team_id = c->team_id;
    r.data_json = data;
    if (sink->record && sink->record(sink->ctx, &r))
        return ST_READ_STOPPED;

    st_event ev;
    memset(&ev, 0, sizeof ev);
    ev.line = 1;
    ev.byte_offset = 0;
    ev.locator = r.locator;
    if (has_time) {
        ev.has |= ST_HAS_TIME | ST_HAS_OFFSET;
        ev.time_us = t_us;
        ev.utc_offset_min = off;
        ev.time_text = c->time_text;
    }
    ev.type = ST_STR_LIT("Crash");
    ev.event_type = ST_STR_LIT("crashReport");
    if (c->has_pid) {
        ev.has |= ST_HAS_PID;
        ev.pid = c->pid;
    }
    if (c->has_user) {
        ev.has |= ST_HAS_USER;
        ev.user_id = c->user_id;
    }
    ev.process = c->name.p ? c->name : (c->path.p ? st_basename(c->path)
                                                  : ST_STR_NULL);
    ev.process_path = c->path;
    ev.process_uuid = uuid_v;
    ev.message = st_cstr(msg);
    ev.extra_json = data;
    return sink->event(sink->ctx, &ev) ? ST_READ_STOPPED : ST_READ_OK;
}

/* ---- text reports ------------------------------------------------------- */

/* Splits "Namespace CODESIGNING, Code 2 Invalid Page" (also "Code 0x1,
 * Taskgated Invalid Signature" and "Code 0x2" alone). */
static void parse_termination(crash *c, st_str v)
{
    v = trim(v);
    if (v.n < 10 || memcmp(v.p, "Namespace ", 10) != 0) {
        c->indicator = v;
        return;
    }
    const char *p = v.p + 10, *e = v.p + v.n;
    const char *q = p;
    while (q < e && *q != ',' && *q != ' ')
        q++;
    c->ns = (st_str){p, (size_t)(q - p)};
    while (q < e && (*q == ',' || *q == ' '))
        q++;
    if (e - q >= 5 && memcmp(q, "Code ", 5) == 0) {
        p = q + 5;
        q = p;
        while (q < e && *q != ',' && *q != ' ')
            q++;
        c->code_text = (st_str){p, (size_t)(q - p)};
        c->has_code = parse_code(c->code_text, &c->code);
        while (q < e && (*q == ',' || *q == ' '))
            q++;
    }
    if (q < e)
        c->indicator = trim((st_str){q, (size_t)(e - q)});
}

/* "EXC_BAD_ACCESS (SIGKILL (Code Signature Invalid))": type and the text
 * inside the outer parentheses. */
static void parse_exception(crash *c, st_str v)
{
    v = trim(v);
    const char *open = memchr(v.p, '(', v.n);
    if (!open) {
        c->exc_type = v;
        return;
    }
    c->exc_type = trim((st_str){v.p, (size_t)(open - v.p)});
    const char *e = v.p + v.n;
    if (e > open + 1 && e[-1] == ')')
        c->exc_signal = (st_str){open + 1, (size_t)(e - 1 - open - 1)};
}

/* "NAME [PID]": the name may hold spaces and brackets of its own. */
static void parse_process(crash *c, st_str v)
{
    v = trim(v);
    const char *lb = NULL;
    for (size_t i = v.n; i > 0; i--)
        if (v.p[i - 1] == '[') {
            lb = v.p + i - 1;
            break;
        }
    if (lb && v.p[v.n - 1] == ']') {
        int64_t pid = 0;
        const char *d = lb + 1;
        int ok = d < v.p + v.n - 1;
        for (; d < v.p + v.n - 1; d++) {
            if (*d < '0' || *d > '9' || pid > 100000000) {
                ok = 0;
                break;
            }
            pid = pid * 10 + (*d - '0');
        }
        if (ok) {
            c->has_pid = 1;
            c->pid = pid;
            c->name = trim((st_str){v.p, (size_t)(lb - v.p)});
            return;
        }
    }
    c->name = v;
}

/* Finds the UUID of the image loaded from c->path in "Binary Images:"
 * lines ("0x100 - 0x1ff Name arm64 <uuid> /path"); the first image line
 * when no path matches (it is the main executable in every layout). */
static void binary_images(crash *c, const char *p, const char *e)
{
    st_str first = ST_STR_NULL;
    while (p < e) {
        const char *nl = memchr(p, '\n', (size_t)(e - p));
        const char *le = nl ? nl : e;
        const char *lt = memchr(p, '<', (size_t)(le - p));
        const char *gt = lt ? memchr(lt, '>', (size_t)(le - lt)) : NULL;
        if (gt) {
            st_str u = {lt + 1, (size_t)(gt - lt - 1)};
            st_str path = trim((st_str){gt + 1, (size_t)(le - gt - 1)});
            char tmp[37];
            if (canon_uuid(u, tmp)) {
                if (!first.p)
                    first = u;
                if (c->path.p && path.n == c->path.n &&
                    memcmp(path.p, c->path.p, path.n) == 0) {
                    c->uuid = u;
                    return;
                }
            }
        } else if (le > p && *p != ' ' && *p != '\t' && *p != '0' &&
                   *p != '\r') {
            break;                     /* the next section */
        }
        p = nl ? nl + 1 : e;
    }
    if (!c->uuid.p)
        c->uuid = first;
}

/* Reads the "Key:  value" lines of a text report from p to e into c and
 * into data_json's "fields".  Stops at the thread dump. */
static void read_text(crash *c, st_json *j, const char *p, const char *e)
{
    int nfields = 0, in_dump = 0;
    st_json_obj(j, "fields");
    while (p < e) {
        const char *nl = memchr(p, '\n', (size_t)(e - p));
        const char *le = nl ? nl : e;
        st_str line = {p, (size_t)(le - p)};
        const char *next = nl ? nl + 1 : e;
        if (starts((const uint8_t *)line.p, line.n, "Binary Images:")) {
            binary_images(c, next, e);
            break;
        }
        if (starts((const uint8_t *)line.p, line.n, "Full Report") ||
            starts((const uint8_t *)line.p, line.n, "EOF")) {
            break;
        }
        /* past "Thread 0 Crashed:" only frames and registers follow;
         * their "::" would look like labels */
        if (starts((const uint8_t *)line.p, line.n, "Thread ") &&
            line.n > 7 && line.p[7] >= '0' && line.p[7] <= '9')
            in_dump = 1;
        const char *colon = in_dump ? NULL : memchr(line.p, ':', line.n);
        if (colon && colon > line.p && ((line.p[0] | 32) >= 'a' &&
                                        (line.p[0] | 32) <= 'z') &&
            colon - line.p < 40) {
            st_str key = {line.p, (size_t)(colon - line.p)};
            st_str val = trim((st_str){colon + 1,
                                       (size_t)(le - colon - 1)});
#define KEY(s) (key.n == sizeof(s) - 1 && memcmp(key.p, s, key.n) == 0)
            if (KEY("Process"))
                parse_process(c, val);
            else if (KEY("Path"))
                c->path = val;
            else if (KEY("Identifier"))
                c->bundle_id = val;
            else if (KEY("Version"))
                c->version = val;
            else if (KEY("Date/Time"))
                c->time_text = val;
            else if (KEY("Launch Time"))
                c->launch_text = val;
            else if (KEY("OS Version"))
                c->os_version = val;
            else if (KEY("Incident Identifier"))
                c->incident = val;
            else if (KEY("Parent Process"))
                c->parent = val;
            else if (KEY("Responsible"))
                c->responsible = val;
            else if (KEY("Exception Type"))
                parse_exception(c, val);
            else if (KEY("Exception Codes") && !c->exc_codes.p)
                c->exc_codes = val;
            else if (KEY("Exception Subtype"))
                c->exc_subtype = val;
            else if (KEY("Termination Reason"))
                parse_termination(c, val);
            else if (KEY("User ID")) {
                uint64_t u;
                if (parse_code(val, &u) && u < (1ull << 32)) {
                    c->has_user = 1;
                    c->user_id = (int64_t)u;
                }
            }
#undef KEY
            if (nfields < CR_MAX_FIELDS && key.n && val.p) {
                char k[48];
                snprintf(k, sizeof k, "%.*s", (int)key.n, key.p);
                st_json_str(j, k, val.p, val.n);
                nfields++;
            }
        }
        p = next;
    }
    st_json_end(j);
}

/* ---- JSON reports ------------------------------------------------------- */

/* Deepest nesting of JSON text (brackets outside strings). */
static int json_depth(const char *p, size_t n)
{
    int d = 0, max = 0, in_str = 0;
    for (size_t i = 0; i < n; i++) {
        char ch = p[i];
        if (in_str) {
            if (ch == '\\')
                i++;
            else if (ch == '"')
                in_str = 0;
        } else if (ch == '"') {
            in_str = 1;
        } else if (ch == '{' || ch == '[') {
            if (++d > max)
                max = d;
            if (max > CR_MAX_DEPTH)
                return max;
        } else if (ch == '}' || ch == ']') {
            d--;
        }
    }
    return max;
}

/* Member `key` of object o, or NULL. */
static yajl_val jget(yajl_val o, const char *key)
{
    if (!o || !YAJL_IS_OBJECT(o))
        return NULL;
    for (size_t i = 0; i < o->u.object.len; i++)
        if (strcmp(o->u.object.keys[i], key) == 0)
            return o->u.object.values[i];
    return NULL;
}

/* String member as a view (NULL view when absent or not a string). */
static st_str jstr(yajl_val o, const char *key)
{
    yajl_val v = jget(o, key);
    return v && YAJL_IS_STRING(v) ? st_cstr(YAJL_GET_STRING(v))
                                  : ST_STR_NULL;
}

/* Integer member (also a string of digits); returns 1 when present. */
static int jint(yajl_val o, const char *key, int64_t *out)
{
    yajl_val v = jget(o, key);
    if (v && YAJL_IS_INTEGER(v)) {
        *out = YAJL_GET_INTEGER(v);
        return 1;
    }
    uint64_t u;
    if (v && YAJL_IS_STRING(v) && parse_code(st_cstr(YAJL_GET_STRING(v)), &u)
        && u <= INT64_MAX) {
        *out = (int64_t)u;
        return 1;
    }
    return 0;
}

/* Copies a yajl value into data_json (objects and arrays to CR_COPY_DEPTH,
 * deeper ones summarised). */
static void jcopy(st_json *j, const char *key, yajl_val v, int depth)
{
    if (!v || YAJL_IS_NULL(v)) {
        st_json_null(j, key);
    } else if (YAJL_IS_STRING(v)) {
        st_json_cstr(j, key, YAJL_GET_STRING(v));
    } else if (YAJL_IS_INTEGER(v)) {
        st_json_int(j, key, YAJL_GET_INTEGER(v));
    } else if (YAJL_IS_DOUBLE(v)) {
        st_json_real(j, key, YAJL_GET_DOUBLE(v));
    } else if (YAJL_IS_TRUE(v) || YAJL_IS_FALSE(v)) {
        st_json_bool(j, key, YAJL_IS_TRUE(v));
    } else if (depth >= CR_COPY_DEPTH) {
        st_json_cstr(j, key, "(nested too deep, not copied)");
    } else if (YAJL_IS_OBJECT(v)) {
        st_json_obj(j, key);
        for (size_t i = 0; i < v->u.object.len; i++)
            jcopy(j, v->u.object.keys[i], v->u.object.values[i], depth + 1);
        st_json_end(j);
    } else if (YAJL_IS_ARRAY(v)) {
        st_json_arr(j, key);
        for (size_t i = 0; i < v->u.array.len; i++)
            jcopy(j, NULL, v->u.array.values[i], depth + 1);
        st_json_end(j);
    }
}

/* Parses NUL-terminated JSON text after the depth check; NULL with a
 * message on failure. */
static yajl_val jparse(char *text, size_t n, char *err, size_t errlen)
{
    if (json_depth(text, n) > CR_MAX_DEPTH) {
        snprintf(err, errlen, "JSON nested deeper than %d levels",
                 CR_MAX_DEPTH);
        return NULL;
    }
    char e[256] = "";
    yajl_val v = yajl_tree_parse(text, e, sizeof e);
    if (!v) {
        char *nl = strchr(e, '\n');
        if (nl)
            *nl = 0;
        snprintf(err, errlen, "%s", e[0] ? e : "invalid JSON");
    }
    return v;
}

/* Body keys copied whole into data_json (all small). */
static const char *const body_keys[] = {
    "procName", "pid", "procPath", "procLaunch", "captureTime", "userID",
    "parentProc", "parentPid", "responsibleProc", "responsiblePid",
    "coalitionName", "bundleInfo", "storeInfo", "osVersion", "incident",
    "crashReporterKey", "cpuType", "modelCode", "translated", "sip",
    "isCorpse", "codeSigningID", "codeSigningTeamID", "codeSigningFlags",
    "codeSigningValidationCategory", "codeSigningTrustLevel",
    "codeSigningAuxiliaryInfo", "codeSigningMonitor", "exception",
    "termination", "asi", "ktriageinfo", "vmregioninfo", "reportNotes",
    "bug_type", "uptime", "wakeTime", "bootSessionUUID", NULL};

/* Reads a JSON body into c and data_json. */
static void read_json_body(crash *c, st_json *j, yajl_val b)
{
    int64_t v;
    if (!c->name.p || jstr(b, "procName").p)
        c->name = jstr(b, "procName");
    if (jint(b, "pid", &v)) {
        c->has_pid = 1;
        c->pid = v;
    }
    if (jint(b, "userID", &v)) {
        c->has_user = 1;
        c->user_id = v;
    }
    c->path = jstr(b, "procPath");
    st_str bid_ = jstr(jget(b, "bundleInfo"), "CFBundleIdentifier");
    if (bid_.p)
        c->bundle_id = bid_;
    st_str ver = jstr(jget(b, "bundleInfo"), "CFBundleShortVersionString");
    if (ver.p)
        c->version = ver;
    c->identifier = jstr(b, "codeSigningID");
    c->team_id = jstr(b, "codeSigningTeamID");
    if (jstr(b, "captureTime").p)
        c->time_text = jstr(b, "captureTime");
    c->launch_text = jstr(b, "procLaunch");
    if (jstr(b, "incident").p)
        c->incident = jstr(b, "incident");
    c->parent = jstr(b, "parentProc");
    c->responsible = jstr(b, "responsibleProc");
    yajl_val exc = jget(b, "exception");
    c->exc_type = jstr(exc, "type");
    c->exc_signal = jstr(exc, "signal");
    c->exc_codes = jstr(exc, "codes");
    c->exc_subtype = jstr(exc, "subtype");
    yajl_val term = jget(b, "termination");
    c->ns = jstr(term, "namespace");
    c->indicator = jstr(term, "indicator");
    if (jint(term, "code", &v)) {
        c->has_code = 1;
        c->code = (uint64_t)v;
    } else {
        c->code_text = jstr(term, "code");
    }
    /* the main image: usedImages entry whose path is procPath */
    yajl_val imgs = jget(b, "usedImages");
    if (!c->uuid.p && imgs && YAJL_IS_ARRAY(imgs))
        for (size_t i = 0; i < imgs->u.array.len; i++) {
            yajl_val im = imgs->u.array.values[i];
            st_str p = jstr(im, "path");
            if (c->path.p && p.p && p.n == c->path.n &&
                memcmp(p.p, c->path.p, p.n) == 0) {
                c->uuid = jstr(im, "uuid");
                break;
            }
        }
    st_json_obj(j, "body");
    for (int i = 0; body_keys[i]; i++) {
        yajl_val x = jget(b, body_keys[i]);
        if (x)
            jcopy(j, body_keys[i], x, 1);
    }
    st_json_end(j);
}

/* ---- the parser --------------------------------------------------------- */

/* Reads one report of any of the three shapes. */
static int read_report(st_input *in, const st_parse_opts *opts,
                       st_sink *sink, char *err, size_t errlen)
{
    (void)opts;
    char *buf = NULL;
    size_t n = 0;
    int cut = 0;
    int rc_in = slurp(in, &buf, &n, &cut, err, errlen);
    if (rc_in == ST_READ_REJECTED)
        return rc_in;
    if (cut)
        st_sink_warnf(sink, 0, "report larger than %u MB: only the first "
                      "%u MB were read", CR_MAX_BYTES >> 20,
                      CR_MAX_BYTES >> 20);
    crash c;
    memset(&c, 0, sizeof c);
    st_json j;
    st_json_init(&j);
    yajl_val head = NULL, body = NULL;
    int rc = ST_READ_OK;
    size_t i = skip_lead((const uint8_t *)buf, n);
    char jerr[300];

    if (i < n && buf[i] == '{') {
        char *nl = memchr(buf + i, '\n', n - i);
        char *body_p = nl ? nl + 1 : buf + n;
        size_t head_n = (size_t)((nl ? nl : buf + n) - (buf + i));
        if (nl)
            *nl = 0;
        head = jparse(buf + i, head_n, jerr, sizeof jerr);
        if (!head) {
            snprintf(err, errlen, "not a crash report: the header line is "
                     "not JSON (%s)", jerr);
            rc = ST_READ_REJECTED;
            goto done;
        }
        c.name = jstr(head, "app_name");
        if (!c.name.p)
            c.name = jstr(head, "name");
        c.bundle_id = jstr(head, "bundleID");
        c.version = jstr(head, "app_version");
        c.uuid = jstr(head, "slice_uuid");
        c.time_text = jstr(head, "timestamp");
        c.incident = jstr(head, "incident_id");
        c.os_version = jstr(head, "os_version");
        st_json_cstr(&j, "format", "ips");
        jcopy(&j, "header", head, 1);
        size_t bi = skip_lead((uint8_t *)body_p,
                              (size_t)(buf + n - body_p));
        char *bp = body_p + bi;
        size_t bn = (size_t)(buf + n - bp);
        if (bn && *bp == '{') {
            body = jparse(bp, bn, jerr, sizeof jerr);
            if (body)
                read_json_body(&c, &j, body);
            else
                st_sink_warnf(sink, 2, "report body is not valid JSON (%s);"
                              " only the header line was read", jerr);
        } else if (bn) {
            read_text(&c, &j, bp, bp + bn);
        } else {
            st_sink_warnf(sink, 0, "report has a header line and no body");
        }
    } else {
        st_json_cstr(&j, "format", "crash-text");
        read_text(&c, &j, buf + i, buf + n);
        if (!c.name.p && !c.path.p && !c.ns.p && !c.exc_type.p) {
            snprintf(err, errlen, "not a crash report: no Process, Path, "
                     "Exception or Termination line");
            rc = ST_READ_REJECTED;
            goto done;
        }
    }
    json_facts(&j, &c);
    if (c.exc_type.p || c.exc_codes.p) {
        st_json_obj(&j, "exception_summary");
        if (c.exc_type.p)
            st_json_str(&j, "type", c.exc_type.p, c.exc_type.n);
        if (c.exc_signal.p)
            st_json_str(&j, "signal", c.exc_signal.p, c.exc_signal.n);
        if (c.exc_codes.p)
            st_json_str(&j, "codes", c.exc_codes.p, c.exc_codes.n);
        if (c.exc_subtype.p)
            st_json_str(&j, "subtype", c.exc_subtype.p, c.exc_subtype.n);
        st_json_end(&j);
    }
    if (c.parent.p)
        st_json_str(&j, "parent", c.parent.p, c.parent.n);
    if (c.responsible.p)
        st_json_str(&j, "responsible", c.responsible.p, c.responsible.n);
    if (c.os_version.p)
        st_json_str(&j, "os_version", c.os_version.p, c.os_version.n);
    if (c.identifier.p)
        st_json_str(&j, "code_signing_id", c.identifier.p, c.identifier.n);
    if (c.team_id.p)
        st_json_str(&j, "code_signing_team_id", c.team_id.p, c.team_id.n);
    /* an empty code-signing identity says "unsigned / unknown", not a key */
    if (c.identifier.p && !c.identifier.n)
        c.identifier = ST_STR_NULL;
    if (c.team_id.p && !c.team_id.n)
        c.team_id = ST_STR_NULL;
    rc = emit(sink, &c, &j);
    if (rc == ST_READ_REJECTED)
        snprintf(err, errlen, "out of memory");
    else if (rc == ST_READ_OK && rc_in == ST_READ_INPUT_ERROR)
        rc = ST_READ_INPUT_ERROR;       /* err already holds the reason */
done:
    yajl_tree_free(head);
    yajl_tree_free(body);
    st_json_free(&j);
    free(buf);
    return rc;
}

const st_parser st_parser_crash_report = {
    "crash-report", "1.0",
    "macOS crash reports (.ips JSON or text body, .crash): termination "
    "namespace, code, indicator",
    bid, read_report};
