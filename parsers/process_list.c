/*
 * process_list.c -- the process listings a sysdiagnose takes when it starts
 * (CODESIGNING.md §5): which executables were running, from which path,
 * with which image UUID.  Two formats, each a lookup table for the rules
 * (records of kind "process"; no timeline events: the listings carry no
 * date of their own):
 *
 *  - "ps": `ps auxwww`-like columns with a header line.  macOS sysdiagnose
 *    writes "USER UID PRSNA PID PPID F %CPU %MEM PRI NI VSZ RSS WCHAN TT
 *    STAT STARTED TIME COMMAND" (10.14: without PRSNA and F); plain
 *    `ps aux` headers work too, because columns are found by their header
 *    names.  COMMAND, the last column, keeps its spaces.  The executable
 *    path is the command's first word -- except inside a bundle, where
 *    the path may hold spaces: "/Applications/My App.app/Contents/MacOS/
 *    My App --flag" gives the path up to the executable named like its
 *    bundle ("My App"), or else up to the next space.  ps joins argv with
 *    spaces, so other names with spaces cannot be told from arguments;
 *    data_json keeps the whole command.
 *  - "taskinfo": blocks opened by `process: "NAME" [PID] [unique ID: N]`
 *    followed by "key: value" lines (architecture, run time, ...) and the
 *    per-thread sections.  Any top-level "... uuid: <UUID>" line gives the
 *    record's uuid and any "... path: /..." line its path (CODESIGNING.md
 *    §5 names "executable uuid:"; the macOS 10.14 and iOS 17 files seen
 *    carry neither, and then the record has name and pid only).
 *
 * A ps line that does not fit the header is an "Unparsed" event with a
 * warning; taskinfo's thread sections are skipped on purpose (thread
 * states are not evidence for code signing).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "sqlite_evidence.h"

#define PS_MAX_COLS 32

/* ---- shared ------------------------------------------------------------- */

/* True when c is a blank (space or tab). */
static int blank(char c) { return c == ' ' || c == '\t'; }

/* Index of the first byte after a UTF-8 BOM and blank lines. */
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

/* Parses a decimal number making up all of p[0..n). */
static int parse_dec(const char *p, size_t n, int64_t *v)
{
    int64_t x = 0;
    if (n == 0 || n > 18)
        return 0;
    for (size_t i = 0; i < n; i++) {
        if (p[i] < '0' || p[i] > '9')
            return 0;
        x = x * 10 + (p[i] - '0');
    }
    *v = x;
    return 1;
}

/* Sends one "Unparsed" event with the raw line and a warning. */
static int unparsed(st_sink *sink, const char *line, size_t len,
                    int64_t lineno, int64_t off, const char *why)
{
    st_event ev;
    memset(&ev, 0, sizeof ev);
    ev.line = lineno;
    ev.byte_offset = off;
    ev.type = ST_STR_LIT("Unparsed");
    ev.message = (st_str){line, len};
    st_sink_warnf(sink, lineno, "%s", why);
    return sink->event(sink->ctx, &ev);
}

/* ---- ps ----------------------------------------------------------------- */

/* Splits h[0..n) into blank-separated words (at most max). */
static int words(const char *h, size_t n, st_str *w, int max)
{
    int k = 0;
    size_t i = 0;
    while (i < n && k < max) {
        while (i < n && blank(h[i]))
            i++;
        if (i >= n)
            break;
        size_t s = i;
        while (i < n && !blank(h[i]) && h[i] != '\r')
            i++;
        w[k++] = (st_str){h + s, i - s};
        while (i < n && h[i] == '\r')
            i++;
    }
    return k;
}

/* Index of the column named `name` (case-sensitive, as ps prints), or -1. */
static int col(const st_str *w, int k, const char *name)
{
    size_t n = strlen(name);
    for (int i = 0; i < k; i++)
        if (w[i].n == n && memcmp(w[i].p, name, n) == 0)
            return i;
    return -1;
}

/* A ps header: USER first, PID somewhere, COMMAND (or CMD) last. */
static int ps_header(const char *h, size_t n, st_str *w, int *k)
{
    *k = words(h, n, w, PS_MAX_COLS);
    if (*k < 3 || col(w, *k, "PID") < 0)
        return 0;
    st_str last = w[*k - 1];
    int cmd_last = (last.n == 7 && memcmp(last.p, "COMMAND", 7) == 0) ||
                   (last.n == 3 && memcmp(last.p, "CMD", 3) == 0) ||
                   (last.n == 4 && memcmp(last.p, "ARGS", 4) == 0);
    return cmd_last && w[0].n == 4 && memcmp(w[0].p, "USER", 4) == 0;
}

/* ps: header line, then a line whose PID column is a number. */
static int bid_ps(const uint8_t *h, size_t n, int at_eof)
{
    size_t i = skip_lead(h, n);
    const uint8_t *nl = memchr(h + i, '\n', n - i);
    if (!nl)
        return 0;
    st_str w[PS_MAX_COLS];
    int k;
    if (!ps_header((const char *)h + i, (size_t)(nl - h) - i, w, &k))
        return 0;
    int pid_col = col(w, k, "PID");
    const uint8_t *l2 = nl + 1;
    const uint8_t *nl2 = memchr(l2, '\n', (size_t)(h + n - l2));
    size_t l2n = nl2 ? (size_t)(nl2 - l2) : (size_t)(h + n - l2);
    st_str v[PS_MAX_COLS];
    int vk = words((const char *)l2, l2n, v, k);
    int64_t pid;
    if (vk > pid_col && parse_dec(v[pid_col].p, v[pid_col].n, &pid))
        return 90;
    return at_eof && l2n == 0 ? 50 : 0;
}

/* The executable path in a ps COMMAND (see the header comment), or a NULL
 * view when the command is not a path (kernel threads, renamed titles). */
static st_str ps_path(st_str cmd)
{
    if (!cmd.n || cmd.p[0] != '/')
        return ST_STR_NULL;
    const char *e = cmd.p + cmd.n;
    const char *sp = memchr(cmd.p, ' ', cmd.n);
    if (!sp)
        return cmd;
    static const char marker[] = "/Contents/MacOS/";
    const char *m = memmem(cmd.p, cmd.n, marker, sizeof marker - 1);
    /* an argument ("-x") before the marker means the marker is in an
     * argument, not in the executable's path */
    if (!m || memmem(cmd.p, (size_t)(m - cmd.p), " -", 2))
        return (st_str){cmd.p, (size_t)(sp - cmd.p)};
    /* the executable usually bears its bundle's name: "My App.app/
     * Contents/MacOS/My App" -- take that name whole when it is there */
    const char *x = m + sizeof marker - 1;
    const char *b = m;
    while (b > cmd.p && b[-1] != '/')
        b--;
    const char *dot = NULL;
    for (const char *q = b; q < m; q++)
        if (*q == '.')
            dot = q;
    size_t cn = dot ? (size_t)(dot - b) : 0;
    if (cn && (size_t)(e - x) >= cn && memcmp(x, b, cn) == 0 &&
        (x + cn == e || x[cn] == ' '))
        return (st_str){cmd.p, (size_t)(x + cn - cmd.p)};
    const char *sp2 = memchr(x, ' ', (size_t)(e - x));
    return (st_str){cmd.p, (size_t)((sp2 ? sp2 : e) - cmd.p)};
}

/* Column names kept as numbers in data_json. */
static int numeric_col(st_str name)
{
    static const char *const num[] = {"UID", "PID", "PPID", "PRI", "NI",
                                      "VSZ", "RSS", "PRSNA", NULL};
    for (int i = 0; num[i]; i++)
        if (name.n == strlen(num[i]) && memcmp(name.p, num[i], name.n) == 0)
            return 1;
    return 0;
}

/* Lower-cases a column name into a JSON key ("%CPU" -> "cpu_percent"). */
static void col_key(st_str name, char *out, size_t n)
{
    if (name.n == 4 && memcmp(name.p, "%CPU", 4) == 0) {
        snprintf(out, n, "cpu_percent");
        return;
    }
    if (name.n == 4 && memcmp(name.p, "%MEM", 4) == 0) {
        snprintf(out, n, "mem_percent");
        return;
    }
    size_t k = 0;
    for (size_t i = 0; i < name.n && k + 1 < n; i++) {
        char c = name.p[i];
        out[k++] = (c >= 'A' && c <= 'Z') ? (char)(c + 32) : c;
    }
    out[k] = 0;
}

/* Reads a ps listing. */
static int read_ps(st_input *in, const st_parse_opts *opts, st_sink *sink,
                   char *err, size_t errlen)
{
    (void)opts;
    const char *line;
    size_t len;
    int64_t off, lineno;
    st_str hdr[PS_MAX_COLS];
    char hdr_buf[1024];
    int k = 0, pid_col = -1, ppid_col = -1, user_col = -1, uid_col = -1;
    int rc = ST_READ_OK, gl;
    st_json j;
    st_json_init(&j);
    while ((gl = st_input_getline(in, &line, &len, &off, &lineno)) > 0) {
        size_t n = len;
        while (n && (line[n - 1] == '\r' || blank(line[n - 1])))
            n--;
        if (n == 0)
            continue;
        st_str w[PS_MAX_COLS];
        int wk;
        if (ps_header(line, n, w, &wk)) {
            /* first header, or a repeated one from concatenated output:
             * keep a copy, the line view dies with the next read */
            if (n >= sizeof hdr_buf) {
                rc = unparsed(sink, line, len, lineno, off,
                              "header line too long") ? ST_READ_STOPPED : rc;
                if (rc)
                    break;
                continue;
            }
            memcpy(hdr_buf, line, n);
            k = words(hdr_buf, n, hdr, PS_MAX_COLS);
            pid_col = col(hdr, k, "PID");
            ppid_col = col(hdr, k, "PPID");
            user_col = col(hdr, k, "USER");
            uid_col = col(hdr, k, "UID");
            continue;
        }
        if (k == 0) {
            if (unparsed(sink, line, len, lineno, off,
                         "line before the ps header")) {
                rc = ST_READ_STOPPED;
                break;
            }
            continue;
        }
        /* k-1 blank-separated columns, then COMMAND with its spaces */
        st_str v[PS_MAX_COLS];
        int vk = words(line, n, v, k - 1);
        int64_t pid = 0, x;
        if (vk < k - 1 || !parse_dec(v[pid_col].p, v[pid_col].n, &pid)) {
            if (unparsed(sink, line, len, lineno, off,
                         "ps line does not fit the header's columns")) {
                rc = ST_READ_STOPPED;
                break;
            }
            continue;
        }
        const char *cs = v[k - 2].p + v[k - 2].n;
        while (cs < line + n && blank(*cs))
            cs++;
        st_str cmd = {cs, (size_t)(line + n - cs)};
        st_json_reset(&j);
        st_json_cstr(&j, "source", "ps");
        st_json_int(&j, "pid", pid);
        if (ppid_col >= 0 && parse_dec(v[ppid_col].p, v[ppid_col].n, &x))
            st_json_int(&j, "ppid", x);
        if (user_col >= 0)
            st_json_str(&j, "user", v[user_col].p, v[user_col].n);
        if (uid_col >= 0 && parse_dec(v[uid_col].p, v[uid_col].n, &x))
            st_json_int(&j, "uid", x);
        st_json_str(&j, "command", cmd.p, cmd.n);
        st_json_obj(&j, "columns");
        for (int i = 0; i < k - 1; i++) {
            char key[32];
            col_key(hdr[i], key, sizeof key);
            if (numeric_col(hdr[i]) && parse_dec(v[i].p, v[i].n, &x))
                st_json_int(&j, key, x);
            else
                st_json_str(&j, key, v[i].p, v[i].n);
        }
        st_json_end(&j);
        st_str data = st_json_view(&j);
        if (!data.p) {
            snprintf(err, errlen, "out of memory");
            rc = ST_READ_REJECTED;
            break;
        }
        char loc[40];
        snprintf(loc, sizeof loc, "line %lld", (long long)lineno);
        st_record r;
        memset(&r, 0, sizeof r);
        r.kind = "process";
        r.locator = st_cstr(loc);
        r.path = ps_path(cmd);
        r.data_json = data;
        if (sink->record(sink->ctx, &r)) {
            rc = ST_READ_STOPPED;
            break;
        }
    }
    if (gl < 0 && rc == ST_READ_OK) {
        snprintf(err, errlen, "%s", st_input_error(in) ? st_input_error(in)
                                                       : "read error");
        rc = ST_READ_INPUT_ERROR;
    }
    st_json_free(&j);
    return rc;
}

/* ---- taskinfo ----------------------------------------------------------- */

/* `process: "NAME" [PID]` (the taskinfo block opener). */
static int task_line(const char *p, size_t n)
{
    return n > 11 && memcmp(p, "process: \"", 10) == 0;
}

/* taskinfo: "num tasks: N" first, or a process block opener. */
static int bid_taskinfo(const uint8_t *h, size_t n, int at_eof)
{
    (void)at_eof;
    size_t i = skip_lead(h, n);
    const char *p = (const char *)h + i;
    size_t rest = n - i;
    if (rest > 11 && memcmp(p, "num tasks: ", 11) == 0 && p[11] >= '0' &&
        p[11] <= '9')
        return 95;
    if (task_line(p, rest)) {
        const char *nl = memchr(p, '\n', rest);
        if (nl && memmem(p, (size_t)(nl - p), "] [unique ID: ", 14))
            return 90;
        return 60;
    }
    return 0;
}

/* One taskinfo process block being read.  Strings are copied: the block
 * spans many lines and line views die at the next read. */
typedef struct task {
    int open;
    int64_t line, off, pid, unique_id;
    int has_pid, has_unique;
    char name[256], arch[32], uuid[64], path[1024], run_time[32];
} task;

/* Copies s (cut to fit) into a fixed buffer. */
static void keep(char *dst, size_t cap, const char *p, size_t n)
{
    if (n >= cap)
        n = cap - 1;
    memcpy(dst, p, n);
    dst[n] = 0;
}

/* Reads `process: "NAME" [PID] [unique ID: N]` into t. */
static int task_open(task *t, const char *p, size_t n)
{
    memset(t, 0, sizeof *t);
    const char *q = p + 10, *e = p + n;
    const char *close = NULL;
    /* the name may hold quotes: the last '"' before " [" closes it */
    for (const char *s = q; s + 2 < e; s++)
        if (s[0] == '"' && s[1] == ' ' && s[2] == '[')
            close = s;
    if (!close)
        return 0;
    keep(t->name, sizeof t->name, q, (size_t)(close - q));
    const char *b = close + 3, *be = memchr(b, ']', (size_t)(e - b));
    if (be)
        t->has_pid = parse_dec(b, (size_t)(be - b), &t->pid);
    const char *u = memmem(close, (size_t)(e - close), "[unique ID: ", 12);
    if (u) {
        u += 12;
        const char *ue = memchr(u, ']', (size_t)(e - u));
        if (ue)
            t->has_unique = parse_dec(u, (size_t)(ue - u), &t->unique_id);
    }
    t->open = 1;
    return 1;
}

/* True when s[0..n) looks like a UUID (32 hex digits, dashes allowed). */
static int is_uuid(const char *s, size_t n)
{
    size_t hex = 0;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (c == '-')
            continue;
        if (!((c >= '0' && c <= '9') || ((c | 32) >= 'a' && (c | 32) <= 'f')))
            return 0;
        hex++;
    }
    return hex == 32;
}

/* A top-level "key: value" line of the open block. */
static void task_field(task *t, const char *p, size_t n)
{
    const char *colon = memchr(p, ':', n);
    if (!colon)
        return;
    size_t kn = (size_t)(colon - p);
    const char *v = colon + 1, *e = p + n;
    while (v < e && blank(*v))
        v++;
    size_t vn = (size_t)(e - v);
    if (kn == 12 && memcmp(p, "architecture", 12) == 0)
        keep(t->arch, sizeof t->arch, v, vn);
    else if (kn == 8 && memcmp(p, "run time", 8) == 0)
        keep(t->run_time, sizeof t->run_time, v, vn);
    else if (memmem(p, kn, "uuid", 4) || memmem(p, kn, "UUID", 4)) {
        /* "executable uuid: 0A1B..." or "<uuid> /path" forms */
        size_t un = 0;
        while (un < vn && !blank(v[un]))
            un++;
        if (is_uuid(v, un) && !t->uuid[0])
            keep(t->uuid, sizeof t->uuid, v, un);
        const char *sl = memchr(v, '/', vn);
        if (sl && !t->path[0] && sl > v && blank(sl[-1]))
            keep(t->path, sizeof t->path, sl, (size_t)(e - sl));
    } else if ((memmem(p, kn, "path", 4) || memmem(p, kn, "Path", 4)) &&
               vn && v[0] == '/' && !t->path[0]) {
        keep(t->path, sizeof t->path, v, vn);
    }
}

/* Upper-cases a UUID into canonical dashed form. */
static void canon(const char *s, char out[37])
{
    char hex[33];
    size_t k = 0;
    for (; *s && k < 32; s++)
        if (*s != '-')
            hex[k++] = (*s >= 'a' && *s <= 'f') ? (char)(*s - 32) : *s;
    hex[k] = 0;
    snprintf(out, 37, "%.8s-%.4s-%.4s-%.4s-%.12s", hex, hex + 8, hex + 12,
             hex + 16, hex + 20);
}

/* Emits the record of a finished block; returns non-zero to stop. */
static int task_emit(task *t, st_json *j, st_sink *sink, int *oom)
{
    if (!t->open)
        return 0;
    t->open = 0;
    st_json_reset(j);
    st_json_cstr(j, "source", "taskinfo");
    st_json_cstr(j, "name", t->name);
    if (t->has_pid)
        st_json_int(j, "pid", t->pid);
    if (t->has_unique)
        st_json_int(j, "unique_id", t->unique_id);
    if (t->arch[0])
        st_json_cstr(j, "architecture", t->arch);
    if (t->run_time[0])
        st_json_cstr(j, "run_time", t->run_time);
    if (t->uuid[0])
        st_json_cstr(j, "executable_uuid", t->uuid);
    if (t->path[0])
        st_json_cstr(j, "executable_path", t->path);
    st_str data = st_json_view(j);
    if (!data.p) {
        *oom = 1;
        return 1;
    }
    char loc[40], uuid[37];
    snprintf(loc, sizeof loc, "line %lld", (long long)t->line);
    st_record r;
    memset(&r, 0, sizeof r);
    r.kind = "process";
    r.locator = st_cstr(loc);
    if (t->path[0])
        r.path = st_cstr(t->path);
    if (t->uuid[0]) {
        canon(t->uuid, uuid);
        r.uuid = st_cstr(uuid);
    }
    r.data_json = data;
    return sink->record(sink->ctx, &r);
}

/* Reads a taskinfo listing. */
static int read_taskinfo(st_input *in, const st_parse_opts *opts,
                         st_sink *sink, char *err, size_t errlen)
{
    (void)opts;
    const char *line;
    size_t len;
    int64_t off, lineno, tasks_said = -1, tasks_seen = 0;
    int gl, rc = ST_READ_OK, oom = 0, in_threads = 0;
    task t;
    memset(&t, 0, sizeof t);
    st_json j;
    st_json_init(&j);
    while ((gl = st_input_getline(in, &line, &len, &off, &lineno)) > 0) {
        size_t n = len;
        while (n && line[n - 1] == '\r')
            n--;
        if (n > 11 && memcmp(line, "num tasks: ", 11) == 0) {
            if (!parse_dec(line + 11, n - 11, &tasks_said))
                tasks_said = -1;
            continue;
        }
        if (task_line(line, n)) {
            if (task_emit(&t, &j, sink, &oom)) {
                rc = oom ? ST_READ_REJECTED : ST_READ_STOPPED;
                break;
            }
            if (!task_open(&t, line, n)) {
                if (unparsed(sink, line, len, lineno, off,
                             "process line without \"NAME\" [PID]")) {
                    rc = ST_READ_STOPPED;
                    break;
                }
                continue;
            }
            t.line = lineno;
            t.off = off;
            tasks_seen++;
            in_threads = 0;
            continue;
        }
        if (!t.open || n == 0 || blank(line[0]))
            continue;
        if (n >= 8 && memcmp(line, "threads:", 8) == 0) {
            in_threads = 1;
            continue;
        }
        if (!in_threads)
            task_field(&t, line, n);
    }
    if (rc == ST_READ_OK && task_emit(&t, &j, sink, &oom))
        rc = oom ? ST_READ_REJECTED : ST_READ_STOPPED;
    if (oom)
        snprintf(err, errlen, "out of memory");
    if (rc == ST_READ_OK && tasks_said >= 0 && tasks_said != tasks_seen)
        st_sink_warnf(sink, 0, "the listing says %lld tasks but holds %lld "
                      "process blocks", (long long)tasks_said,
                      (long long)tasks_seen);
    if (tasks_said >= 0 && sink->note) {
        char v[24];
        snprintf(v, sizeof v, "%lld", (long long)tasks_said);
        sink->note(sink->ctx, "tasks", v);
    }
    if (gl < 0 && rc == ST_READ_OK) {
        snprintf(err, errlen, "%s", st_input_error(in) ? st_input_error(in)
                                                       : "read error");
        rc = ST_READ_INPUT_ERROR;
    }
    st_json_free(&j);
    return rc;
}

const st_parser st_parser_ps = {
    "ps", "1.0",
    "ps auxwww-like process listings (sysdiagnose ps.txt): path, pid, user "
    "per process",
    bid_ps, read_ps};
const st_parser st_parser_taskinfo = {
    "taskinfo", "1.0",
    "sysdiagnose taskinfo.txt: process name, pid and image UUID per process",
    bid_taskinfo, read_taskinfo};
