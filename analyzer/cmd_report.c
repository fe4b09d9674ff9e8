/*
 * cmd_report.c -- `sigtrail report CASE.db -o report.html`: one
 * self-contained HTML file an analyst can hand over.
 *
 * The file has no external reference of any kind (inline CSS, inline SVG,
 * system fonts, a few lines of optional script), reads without JavaScript
 * and prints.  It summarises instead of dumping: the case (sources with
 * hashes and counts, time range, warnings), every finding with its
 * explanation, reasons and evidence lines (the first REPORT_FULL findings
 * in full, the rest as one line each), and an SVG timeline with one lane
 * per app or file, where each lane draws at most LANE_MARKS events one by
 * one and otherwise groups them per pixel column.  Its size therefore
 * depends on the number of findings and lanes, not on the number of
 * events.
 *
 * What goes on the timeline (docs/timeline.md): launches, signature errors
 * (coloured by code, named from rules/errcodes.tsv), kills, Gatekeeper
 * scans, quarantine records, detached-signature records and crash reports.
 * SQLite preselects candidate rows by type and by words in the message, so
 * a large case costs one pass of instr() over its messages; the exact
 * classification is done here.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cmd.h"
#include "errcodes.h"
#include "logshow_out.h"
#include "opts.h"
#include "store.h"
#include "timeline.h"
#include "version.h"

#define REPORT_FULL 100        /* findings written in full */
#define REPORT_BRIEF 1000      /* further findings written as one line */
#define MAX_LANES 14           /* lanes drawn; the rest share one */
#define MAX_KEYS 4096          /* distinct lane keys tracked */
#define LANE_SLOTS (2 * MAX_KEYS)
#define LANE_MARKS 400         /* events drawn one by one per lane */
#define MAX_MARKS 2000000      /* events kept for the axis */
#define TIP_LEN 220            /* bytes of message kept for a tooltip */
#define MAX_SOURCES 300
#define MAX_WARNINGS 30
#define TYPE_SLOTS 512         /* distinct types counted (hash table) */

/* Usage, on standard output. */
static void help(void)
{
    printf("usage: sigtrail report [OPTIONS] CASE.db -o report.html\n\n"
           "Writes one self-contained HTML file (no network, no external "
           "assets;\nreadable without JavaScript; prints well): the case "
           "summary (sources\nwith hashes and counts, time range, "
           "warnings), each finding with its\nexplanation, reasons and "
           "evidence lines, and an SVG timeline with one\nlane per app: "
           "launches, signature errors by code, kills, Gatekeeper\nscans, "
           "quarantine and detached-signature records.  Large cases are\n"
           "summarised, never dumped.  Run `sigtrail analyze` first for "
           "findings.\n\n"
           "Options:\n"
           "  -o, --output FILE   the HTML file (default: standard output)\n"
           "  --title TEXT        title of the report\n"
           "  -h, --help          this help\n\n"
           "Exit status: 0 written; 2 error.\n");
}

/* ---- HTML text ---------------------------------------------------------- */

/* Writes text escaped for HTML content and attribute values. */
static void h_text(st_out *o, const char *s, size_t n)
{
    size_t run = 0;
    for (size_t i = 0; i < n; i++) {
        const char *rep = NULL;
        switch (s[i]) {
        case '&': rep = "&amp;"; break;
        case '<': rep = "&lt;"; break;
        case '>': rep = "&gt;"; break;
        case '"': rep = "&quot;"; break;
        case '\'': rep = "&#39;"; break;
        case '\0': rep = "\xe2\x90\x80"; break;
        }
        if (!rep) {
            run++;
            continue;
        }
        st_out_add(o, s + i - run, run);
        run = 0;
        st_out_str(o, rep);
    }
    st_out_add(o, s + n - run, run);
}

/* Escaped C string; NULL writes nothing. */
static void h(st_out *o, const char *s)
{
    if (s)
        h_text(o, s, strlen(s));
}

/* Escaped text cut to max bytes at a UTF-8 boundary, with an ellipsis. */
static void h_cut(st_out *o, const char *s, size_t max)
{
    if (!s)
        return;
    size_t n = strlen(s);
    if (n <= max) {
        h_text(o, s, n);
        return;
    }
    while (max > 0 && ((unsigned char)s[max] & 0xC0) == 0x80)
        max--;
    h_text(o, s, max);
    st_out_str(o, "\xe2\x80\xa6");
}

/* A column as C text (NULL for NULL). */
static const char *col(sqlite3_stmt *q, int i)
{
    return (const char *)sqlite3_column_text(q, i);
}

/* A copy of a column's text, or NULL. */
static char *dup_col(sqlite3_stmt *q, int i)
{
    const char *s = col(q, i);
    return s ? strdup(s) : NULL;
}

/* A count with thousands separators ("3,000,000"), for people. */
static void h_num(st_out *o, int64_t v)
{
    char b[32];
    int n = snprintf(b, sizeof b, "%lld", (long long)(v < 0 ? -v : v));
    if (v < 0)
        st_out_c(o, '-');
    for (int i = 0; i < n; i++) {
        if (i && (n - i) % 3 == 0)
            st_out_c(o, ',');
        st_out_c(o, b[i]);
    }
}

/* "2026-11-20 09:58:03.560 -08:00" style for people. */
static void h_time(st_out *o, int64_t us, int32_t off)
{
    char b[40];
    size_t n = st_ls_time(b, us, off);
    (void)n;
    st_out_add(o, b, 23);
    st_out_printf(o, " %c%02d:%02d", off < 0 ? '-' : '+', abs(off) / 60,
                  abs(off) % 60);
}

/* ---- what the timeline shows ------------------------------------------- */

enum kind { K_LAUNCH, K_SIGERR, K_KILL, K_GATEKEEPER, K_QUARANTINE,
            K_DETACHED, K_CRASH, K_N };

static const struct {
    const char *name, *label, *cls;
} kinds[K_N] = {
    {"launch", "launch", "k-launch"},
    {"sigerr", "signature error", "k-sigerr"},
    {"kill", "kill / refused exec", "k-kill"},
    {"gatekeeper", "Gatekeeper scan / policy", "k-gk"},
    {"quarantine", "quarantine record", "k-quar"},
    {"detached", "detached signature", "k-det"},
    {"crash", "crash report", "k-crash"},
};

/* Colours for error codes: the most frequent codes get their own. */
#define NCOLORS 8
static const char *const code_colors[NCOLORS] = {
    "#d32f2f", "#ef6c00", "#c2185b", "#7b1fa2", "#f9a825", "#5d4037",
    "#e91e63", "#9e9d24"};

typedef struct mark {
    int64_t time_us;
    int64_t event_id;
    int32_t off;
    int32_t code;          /* K_SIGERR: the error code */
    int lane;
    unsigned char kind;
    int finding;           /* index into findings, or -1 */
    char *tip;             /* tooltip text, for the first marks of a lane */
} mark;

typedef struct lane {
    char *key;             /* bundle or file path; "" for the catch-all */
    int64_t count;
    int64_t kinds[K_N];
    int64_t tips;
    int first_finding;     /* earliest finding in this lane, or -1 */
    int shown;             /* row drawn, or -1 */
    uint64_t hash;
} lane;

typedef struct finding {
    int64_t id;
    char *rule, *level, *verdict, *subject, *bundle, *uuid, *explanation;
    char *reasons, *codes, *notes;
    int64_t pid, first_us, last_us;
    int has_pid, rule_version;
    int lane;
} finding;

typedef struct evmap {
    int64_t event_id;
    int finding;
} evmap;

typedef struct codecount {
    int32_t code;
    int64_t n;
    const char *name;
} codecount;

typedef struct report {
    st_out *o;
    sqlite3 *db;
    const char *case_path;
    st_errcodes *codes;
    finding *f;
    int nf;
    evmap *em;
    int nem;
    lane *lanes;
    int nlanes, keys_full;
    int lane_index[LANE_SLOTS];  /* key hash -> lane (0: empty slot) */
    mark *m;
    int64_t nm, capm, dropped;
    codecount *cc;
    int ncc;
    int64_t type_ids[8];   /* Quarantine, DetachedSignature, ... */
    int64_t syspolicyd_id;
    /* events per type_id (0: no type), counted during the one scan */
    int64_t tt_id[TYPE_SLOTS], tt_n[TYPE_SLOTS];
    int64_t tt_other;      /* types beyond the table */
} report;

/* ---- lanes -------------------------------------------------------------- */

/* FNV-1a of a key, to compare lane keys quickly. */
static uint64_t hash_bytes(const char *s, size_t n)
{
    uint64_t x = 1469598103934665603ULL;
    for (size_t i = 0; i < n; i++)
        x = (x ^ (unsigned char)s[i]) * 1099511628211ULL;
    return x;
}

/* The lane key of a path: the app bundle (cut after ".app") or the path. */
static size_t bundle_len(const char *p, size_t n)
{
    for (size_t i = 0; i + 4 <= n; i++)
        if (memcmp(p + i, ".app", 4) == 0 && (i + 4 == n || p[i + 4] == '/'))
            return i + 4;
    return n;
}

/* Finds or adds the lane for key through an open-addressing index
 * (twice MAX_KEYS slots, so probes stay short); lane 0 is the catch-all
 * and also takes keys beyond MAX_KEYS. */
static int lane_for(report *r, const char *key, size_t n)
{
    if (!n)
        return 0;
    uint64_t hv = hash_bytes(key, n);
    unsigned slot = (unsigned)(hv % LANE_SLOTS);
    for (;; slot = (slot + 1) % LANE_SLOTS) {
        int i = r->lane_index[slot];
        if (!i)
            break;
        if (r->lanes[i].hash == hv && strlen(r->lanes[i].key) == n &&
            memcmp(r->lanes[i].key, key, n) == 0)
            return i;
    }
    if (r->nlanes >= MAX_KEYS) {
        r->keys_full = 1;
        return 0;
    }
    lane *l = &r->lanes[r->nlanes];
    memset(l, 0, sizeof *l);
    l->key = strndup(key, n);
    l->hash = hv;
    l->first_finding = -1;
    l->shown = -1;
    r->lane_index[slot] = r->nlanes;
    return r->nlanes++;
}

/* The first absolute path a message names ("/Applications/X.app/...",
 * "exPath:/usr/local/bin/x", "file:///Users/..."), cut to its bundle. */
static int path_in(const char *m, size_t n, const char **p, size_t *len)
{
    for (size_t i = 0; i < n; i++) {
        if (m[i] != '/')
            continue;
        if (i > 0 && !strchr(" :('\"=[<,\t", m[i - 1]))
            continue;
        size_t s = i;
        if (i > 0 && m[i - 1] == ':' && s + 1 < n && m[s + 1] == '/') {
            /* a URL: file:///x names a path, https://host/x does not */
            size_t sl = s;
            while (sl < n && m[sl] == '/')
                sl++;
            if (sl - s < 3 || i < 5 || memcmp(m + i - 5, "file", 4) != 0) {
                while (i < n && !strchr(" \t\n\"'),;]>", m[i]))
                    i++;
                continue;
            }
            s = sl - 1;
        }
        if (s + 1 >= n)
            return 0;
        char c = m[s + 1];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
              (c >= '0' && c <= '9') || c == '.' || c == '_'))
            continue;
        size_t e = s;
        while (e < n && !strchr(" \t\n\"'),;]>", m[e]))
            e++;
        while (e > s && (m[e - 1] == ':' || m[e - 1] == '.'))
            e--;
        *p = m + s;
        *len = bundle_len(m + s, e - s);
        return 1;
    }
    return 0;
}

/* ---- classification ----------------------------------------------------- */

typedef struct first_code {
    int32_t code;
    int found;
} first_code;

/* Scanner callback: keeps the first code and stops. */
static int take_code(const st_errcode_hit *hit, void *ctx)
{
    first_code *fc = ctx;
    fc->code = hit->code;
    fc->found = 1;
    return 1;
}

/*
 * Phrases that make a log line a timeline event, by kind.  One pass over
 * a message finds them all: a table of the first two bytes of every
 * phrase (and of error-code shapes: "-1".."-9", "0x", "er"rSec, "CS"SMERR)
 * says where a closer look is needed.
 */
static const struct phrase {
    const char *text;
    size_t len;
    int kind;
} phrases[] = {
#define P(s, k) {s, sizeof(s) - 1, k}
    P("load code signature error", K_KILL),
    P("validation failed fatally", K_KILL),
    P("ASP: Security policy would not allow", K_KILL),
    P("CODESIGNING", K_KILL),
    P("Code Signature Invalid", K_KILL),
    P("SIGKILL", K_KILL),
    P("Killed", K_KILL),
    P("killed", K_KILL),
    P("LAUNCHING:", K_LAUNCH),
    P("Checking PreventLaunch", K_LAUNCH),
    P("Entering OSX path for", K_LAUNCH),
    P("Now tracking process", K_LAUNCH),
    P("Gatekeeper", K_GATEKEEPER),
    P("XProtect", K_GATEKEEPER),
    P("GK ", -1),                      /* Gatekeeper only from syspolicyd */
    P("scan", -1),
    P("assess", -1),
#undef P
};
#define NPHRASES (sizeof phrases / sizeof *phrases)
static unsigned char bigram[65536 / 8];
static unsigned char hexdigit[256];

/* Marks the byte pair (a, b) as a possible phrase start. */
static void set_bigram(unsigned a, unsigned b)
{
    bigram[(a << 8 | b) >> 3] |= (unsigned char)(1u << (b & 7));
}

/* Builds the byte-pair and hex-digit tables used by scan_message. */
static void scan_init(void)
{
    memset(bigram, 0, sizeof bigram);
    for (size_t i = 0; i < NPHRASES; i++)
        set_bigram((unsigned char)phrases[i].text[0],
                   (unsigned char)phrases[i].text[1]);
    for (unsigned d = '1'; d <= '9'; d++)
        set_bigram('-', d);
    set_bigram('0', 'x');
    set_bigram('0', 'X');
    set_bigram('e', 'r');
    set_bigram('C', 'S');
    memset(hexdigit, 0, sizeof hexdigit);
    for (const char *h = "0123456789abcdefABCDEF"; *h; h++)
        hexdigit[(unsigned char)*h] = 1;
}

/* Scans a message once: bit i of *mask for each phrases[i] present;
 * returns 1 when something shaped like an error code is present. */
static int scan_message(const char *m, size_t n, unsigned *mask)
{
    int code = 0;
    *mask = 0;
    for (size_t i = 0; i + 1 < n; i++) {
        unsigned a = (unsigned char)m[i], b = (unsigned char)m[i + 1];
        if (!(bigram[(a << 8 | b) >> 3] & (1u << (b & 7))))
            continue;
        if (a == '-') {
            code = 1;
            continue;
        }
        if (a == '0') {
            size_t k = i + 2;
            while (k < n && k < i + 11 && hexdigit[(unsigned char)m[k]])
                k++;
            code |= k == i + 10;
            continue;
        }
        if ((a == 'C' && i + 7 <= n && !memcmp(m + i, "CSSMERR", 7)) ||
            (a == 'e' && i + 6 <= n && !memcmp(m + i, "errSec", 6)))
            code = 1;
        for (size_t p = 0; p < NPHRASES; p++)
            if ((unsigned char)phrases[p].text[0] == a &&
                (unsigned char)phrases[p].text[1] == b &&
                i + phrases[p].len <= n &&
                !memcmp(m + i, phrases[p].text, phrases[p].len))
                *mask |= 1u << p;
    }
    return code;
}

/* Which kind of timeline event a row is, or -1.  Order matters: a kill
 * message often quotes an error, and a refusal wins over its code. */
static int classify(report *r, int64_t type_id, int64_t process_id,
                    const char *m, size_t n, int32_t *code)
{
    if (type_id) {
        if (type_id == r->type_ids[0])
            return K_QUARANTINE;
        if (type_id == r->type_ids[1])
            return K_DETACHED;
        if (type_id == r->type_ids[2] || type_id == r->type_ids[3])
            return K_GATEKEEPER;
        if (type_id == r->type_ids[4])
            return K_CRASH;
    }
    unsigned mask;
    int shaped = scan_message(m, n, &mask);
    for (int k = K_KILL; k >= K_LAUNCH; k -= K_KILL - K_LAUNCH)
        for (size_t p = 0; p < NPHRASES; p++)
            if ((mask & (1u << p)) && phrases[p].kind == k)
                return k;
    first_code fc = {0, 0};
    if (shaped && r->codes) {
        st_errcodes_scan(r->codes, m, n, take_code, &fc);
    } else if (shaped) {
        const char *e = memmem(m, n, "MacOS error: -", 14);
        if (e) {
            fc.code = (int32_t)strtol(e + 13, NULL, 10);
            fc.found = 1;
        }
    }
    if (fc.found) {
        *code = fc.code;
        return K_SIGERR;
    }
    for (size_t p = 0; p < NPHRASES; p++)
        if ((mask & (1u << p)) &&
            (phrases[p].kind == K_GATEKEEPER ||
             (phrases[p].kind < 0 && process_id &&
              process_id == r->syspolicyd_id)))
            return K_GATEKEEPER;
    return -1;
}

/* Orders the evidence map by event id. */
static int em_cmp(const void *a, const void *b)
{
    int64_t x = ((const evmap *)a)->event_id, y = ((const evmap *)b)->event_id;
    return x < y ? -1 : x > y;
}

/* The finding an event is evidence of (the first one), or -1. */
static int finding_of(const report *r, int64_t event_id)
{
    evmap key = {event_id, 0};
    evmap *e = r->nem ? bsearch(&key, r->em, (size_t)r->nem, sizeof key,
                                em_cmp) : NULL;
    return e ? e->finding : -1;
}

/* The lane named by a LAUNCHING line's app name, when exactly one lane's
 * bundle has that name. */
static int lane_by_app_name(report *r, const char *m, size_t n)
{
    const char *l = memmem(m, n, "LAUNCHING:", 10);
    if (!l)
        return 0;
    const char *sp = memchr(l, ' ', (size_t)(m + n - l));
    if (!sp)
        return 0;
    const char *name = sp + 1;
    const char *end = memchr(name, ' ', (size_t)(m + n - name));
    size_t nl = end ? (size_t)(end - name) : (size_t)(m + n - name);
    int hit = 0;
    for (int i = 1; i < r->nlanes; i++) {
        const char *k = r->lanes[i].key;
        size_t kn = strlen(k);
        if (kn > nl + 5 && memcmp(k + kn - 4, ".app", 4) == 0 &&
            k[kn - nl - 5] == '/' && memcmp(k + kn - nl - 4, name, nl) == 0) {
            if (hit)
                return 0;   /* ambiguous: two apps of that name */
            hit = i;
        }
    }
    return hit;
}

/* The strings.id of a text, or 0 when the case has none. */
static int64_t sid(sqlite3 *db, const char *text)
{
    sqlite3_stmt *q;
    int64_t id = 0;
    if (sqlite3_prepare_v2(db, "SELECT id FROM strings WHERE value = ?", -1,
                           &q, NULL) != SQLITE_OK)
        return 0;
    sqlite3_bind_text(q, 1, text, -1, SQLITE_STATIC);
    if (sqlite3_step(q) == SQLITE_ROW)
        id = sqlite3_column_int64(q, 0);
    sqlite3_finalize(q);
    return id;
}

/* Counts one signature error by code, naming it from the code table. */
static void count_code(report *r, int32_t code)
{
    for (int i = 0; i < r->ncc; i++)
        if (r->cc[i].code == code) {
            r->cc[i].n++;
            return;
        }
    if (r->ncc >= 256)
        return;
    codecount *c = &r->cc[r->ncc++];
    c->code = code;
    c->n = 1;
    c->name = NULL;
    if (r->codes) {
        size_t nr;
        const st_errcode *row = st_errcodes_find(r->codes, code, &nr);
        if (row && row->name[0])
            c->name = row->name;
    }
}

/* Counts one event of a type.  Slots hold id + 1 so that 0 is empty. */
static void tally_type(report *r, int64_t type_id)
{
    uint64_t hv = (uint64_t)type_id * 0x9E3779B97F4A7C15ULL;
    for (unsigned k = 0; k < TYPE_SLOTS; k++) {
        unsigned slot = (unsigned)((hv >> 40) + k) % TYPE_SLOTS;
        if (r->tt_id[slot] == type_id + 1) {
            r->tt_n[slot]++;
            return;
        }
        if (!r->tt_id[slot]) {
            r->tt_id[slot] = type_id + 1;
            r->tt_n[slot] = 1;
            return;
        }
    }
    r->tt_other++;
}

/* Run by SQLite for every event: counts it by type (for the summary)
 * and says whether it may be a timeline event, so that most rows of a big
 * case never leave SQLite.  It may say yes too often, never too rarely;
 * classify() decides.  Arguments: type_id, process_id, time_us, message. */
static void sql_candidate(sqlite3_context *ctx, int argc, sqlite3_value **v)
{
    report *r = sqlite3_user_data(ctx);
    (void)argc;
    int64_t type_id = sqlite3_value_int64(v[0]);
    tally_type(r, type_id);
    if (sqlite3_value_type(v[2]) == SQLITE_NULL) {
        sqlite3_result_int(ctx, 0);
        return;
    }
    for (int i = 0; i < 5; i++)
        if (type_id && type_id == r->type_ids[i]) {
            sqlite3_result_int(ctx, 1);
            return;
        }
    int64_t pid = sqlite3_value_int64(v[1]);
    const char *m = (const char *)sqlite3_value_text(v[3]);
    unsigned mask = 0;
    int shaped = m ? scan_message(m, (size_t)sqlite3_value_bytes(v[3]),
                                  &mask) : 0;
    int keep = shaped;
    for (size_t p = 0; p < NPHRASES && !keep; p++)
        if (mask & (1u << p))
            keep = phrases[p].kind >= 0 || (pid && pid == r->syspolicyd_id);
    sqlite3_result_int(ctx, keep);
}

/* Orders marks by time, then event id. */
static int mark_cmp(const void *a, const void *b)
{
    const mark *x = a, *y = b;
    if (x->time_us != y->time_us)
        return x->time_us < y->time_us ? -1 : 1;
    return x->event_id < y->event_id ? -1 : x->event_id > y->event_id;
}

/* Reads the candidate rows and classifies them into marks.  Rows come in
 * table order (no sort in SQLite); the marks are sorted afterwards. */
static int collect_marks(report *r, char *err, size_t errlen)
{
    static const char sql[] =
        "SELECT e.id, e.time_us, e.utc_offset_min, e.type_id, e.process_id,"
        " e.pid, e.message, NULL, (SELECT value FROM strings WHERE id = "
        "e.process_id), (SELECT value FROM event_details d, json_each(d.extra)"
        " WHERE d.event_id = e.id AND json_each.key IN ('path', "
        "'sign_location') LIMIT 1) "
        "FROM events e WHERE sigtrail_candidate(e.type_id, e.process_id, "
        "e.time_us, e.message)";
    scan_init();
    /* not deterministic: it counts every row it sees */
    if (sqlite3_create_function(r->db, "sigtrail_candidate", 4,
                                SQLITE_UTF8 | SQLITE_DIRECTONLY, r,
                                sql_candidate, NULL, NULL) != SQLITE_OK) {
        snprintf(err, errlen, "timeline function: %s", sqlite3_errmsg(r->db));
        return -1;
    }
    sqlite3_stmt *q;
    if (sqlite3_prepare_v2(r->db, sql, -1, &q, NULL) != SQLITE_OK) {
        snprintf(err, errlen, "timeline query: %s", sqlite3_errmsg(r->db));
        return -1;
    }
    int rc;
    while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
        const char *m = col(q, 6);
        size_t n = (size_t)sqlite3_column_bytes(q, 6);
        if (!m)
            m = "", n = 0;
        int32_t code = 0;
        int k = classify(r, sqlite3_column_int64(q, 3),
                         sqlite3_column_int64(q, 4), m, n, &code);
        if (k < 0)
            continue;
        if (r->nm >= MAX_MARKS) {
            r->dropped++;
            continue;
        }
        int64_t id = sqlite3_column_int64(q, 0);
        int fi = finding_of(r, id);
        int ln = 0;
        const char *p;
        size_t pl;
        const char *rec_path = col(q, 9);
        if (fi >= 0)
            ln = r->f[fi].lane;
        else if (rec_path && *rec_path)
            ln = lane_for(r, rec_path, bundle_len(rec_path, strlen(rec_path)));
        else if (path_in(m, n, &p, &pl))
            ln = lane_for(r, p, pl);
        else if (k == K_LAUNCH)
            ln = lane_by_app_name(r, m, n);
        if (r->nm == r->capm) {
            int64_t c = r->capm ? r->capm * 2 : 4096;
            mark *nmk = realloc(r->m, (size_t)c * sizeof *nmk);
            if (!nmk) {
                snprintf(err, errlen, "out of memory");
                sqlite3_finalize(q);
                return -1;
            }
            r->m = nmk;
            r->capm = c;
        }
        mark *mk = &r->m[r->nm++];
        mk->time_us = sqlite3_column_int64(q, 1);
        mk->off = sqlite3_column_int(q, 2);
        mk->event_id = id;
        mk->code = code;
        mk->lane = ln;
        mk->kind = (unsigned char)k;
        mk->finding = fi;
        mk->tip = NULL;
        lane *l = &r->lanes[ln];
        l->count++;
        l->kinds[k]++;
        if (k == K_SIGERR)
            count_code(r, code);
        if (l->tips < LANE_MARKS || fi >= 0) {
            /* tooltip: time, process[pid]: message */
            st_out t;
            st_out_init(&t, NULL);
            h_time(&t, mk->time_us, mk->off);
            st_out_c(&t, ' ');
            st_out_str(&t, col(q, 8));
            if (sqlite3_column_type(q, 5) != SQLITE_NULL)
                st_out_printf(&t, "[%lld]", (long long)sqlite3_column_int64(q, 5));
            st_out_lit(&t, ": ");
            size_t keep = n < TIP_LEN ? n : TIP_LEN;
            while (keep < n && keep > 0 &&
                   ((unsigned char)m[keep] & 0xC0) == 0x80)
                keep--;
            st_out_add(&t, m, keep);
            if (keep < n)
                st_out_str(&t, "\xe2\x80\xa6");
            st_out_c(&t, 0);
            mk->tip = t.p;
            l->tips++;
        }
    }
    sqlite3_finalize(q);
    if (rc != SQLITE_DONE) {
        snprintf(err, errlen, "timeline query: %s", sqlite3_errmsg(r->db));
        return -1;
    }
    if (r->nm > 1)
        qsort(r->m, (size_t)r->nm, sizeof *r->m, mark_cmp);
    return 0;
}

/* ---- findings ----------------------------------------------------------- */

/* Loads every finding (most severe first) with its lane, and maps each
 * evidence event to its first finding. */
static int load_findings(report *r, char *err, size_t errlen)
{
    sqlite3_stmt *q;
    if (sqlite3_prepare_v2(r->db, "SELECT id, rule_id, rule_version, level, "
                           "verdict, subject_path, pid, bundle_id, uuid, "
                           "reasons, codes, notes, explanation, first_us, "
                           "last_us FROM findings ORDER BY CASE level WHEN "
                           "'critical' THEN 0 WHEN 'high' THEN 1 WHEN 'medium'"
                           " THEN 2 WHEN 'low' THEN 3 ELSE 4 END, first_us, "
                           "id", -1, &q, NULL) != SQLITE_OK) {
        snprintf(err, errlen, "findings: %s", sqlite3_errmsg(r->db));
        return -1;
    }
    int cap = 0;
    while (sqlite3_step(q) == SQLITE_ROW) {
        if (r->nf == cap) {
            cap = cap ? cap * 2 : 16;
            finding *nf = realloc(r->f, (size_t)cap * sizeof *nf);
            if (!nf)
                break;
            r->f = nf;
        }
        finding *f = &r->f[r->nf++];
        memset(f, 0, sizeof *f);
        f->id = sqlite3_column_int64(q, 0);
        f->rule = dup_col(q, 1);
        f->rule_version = sqlite3_column_int(q, 2);
        f->level = dup_col(q, 3);
        f->verdict = dup_col(q, 4);
        f->subject = dup_col(q, 5);
        f->has_pid = sqlite3_column_type(q, 6) != SQLITE_NULL;
        f->pid = sqlite3_column_int64(q, 6);
        f->bundle = dup_col(q, 7);
        f->uuid = dup_col(q, 8);
        f->reasons = dup_col(q, 9);
        f->codes = dup_col(q, 10);
        f->notes = dup_col(q, 11);
        f->explanation = dup_col(q, 12);
        f->first_us = sqlite3_column_int64(q, 13);
        f->last_us = sqlite3_column_int64(q, 14);
        const char *s = f->subject ? f->subject : "";
        f->lane = lane_for(r, s, bundle_len(s, strlen(s)));
        lane *l = &r->lanes[f->lane];
        if (f->lane && (l->first_finding < 0 ||
                        r->f[l->first_finding].first_us > f->first_us))
            l->first_finding = r->nf - 1;
    }
    sqlite3_finalize(q);
    /* Evidence events, and the events of evidence records (same source
     * and locator), mapped to their first finding. */
    if (sqlite3_prepare_v2(r->db,
            "SELECT fe.event_id, fe.finding_id FROM finding_evidence fe WHERE "
            "fe.event_id IS NOT NULL UNION ALL SELECT d.event_id, "
            "fe.finding_id FROM finding_evidence fe JOIN records rc ON rc.id ="
            " fe.record_id JOIN event_details d ON d.locator = rc.locator JOIN"
            " events e ON e.id = d.event_id AND e.source_id = rc.source_id "
            "WHERE fe.event_id IS NULL", -1, &q, NULL) != SQLITE_OK) {
        snprintf(err, errlen, "finding_evidence: %s", sqlite3_errmsg(r->db));
        return -1;
    }
    /* finding id -> index, by binary search over the ids */
    evmap *byid = malloc(((size_t)r->nf + 1) * sizeof *byid);
    if (!byid) {
        sqlite3_finalize(q);
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    for (int i = 0; i < r->nf; i++)
        byid[i] = (evmap){r->f[i].id, i};
    if (r->nf > 1)
        qsort(byid, (size_t)r->nf, sizeof *byid, em_cmp);
    cap = 0;
    while (sqlite3_step(q) == SQLITE_ROW) {
        evmap key = {sqlite3_column_int64(q, 1), 0};
        evmap *hit = r->nf ? bsearch(&key, byid, (size_t)r->nf, sizeof key,
                                     em_cmp) : NULL;
        if (!hit)
            continue;
        int fi = hit->finding;
        if (r->nem == cap) {
            cap = cap ? cap * 2 : 64;
            evmap *ne = realloc(r->em, (size_t)cap * sizeof *ne);
            if (!ne)
                break;
            r->em = ne;
        }
        r->em[r->nem].event_id = sqlite3_column_int64(q, 0);
        r->em[r->nem].finding = fi;
        r->nem++;
    }
    sqlite3_finalize(q);
    free(byid);
    /* sort by event, earliest-listed finding first among equals */
    if (r->nem > 1)
        qsort(r->em, (size_t)r->nem, sizeof *r->em, em_cmp);
    int k = 0;
    for (int i = 0; i < r->nem; i++) {
        if (k && r->em[k - 1].event_id == r->em[i].event_id) {
            if (r->f[r->em[i].finding].first_us <
                r->f[r->em[k - 1].finding].first_us)
                r->em[k - 1].finding = r->em[i].finding;
            continue;
        }
        r->em[k++] = r->em[i];
    }
    r->nem = k;
    return 0;
}

/* ---- the time axis ------------------------------------------------------ */

/*
 * The axis is warped so that the story shows: idle gaps longer than `gap`
 * are cut down to `gap` (and drawn as breaks), and each position blends
 * elapsed time (share ALPHA) with the rank of the event (the rest), so a
 * burst of events within milliseconds still spreads out in order.  Tick
 * labels give the real time at their position.
 */
#define ALPHA 0.35

typedef struct axis {
    int64_t n;
    const mark *m;
    double *ct;            /* compressed time of each mark */
    int64_t gap;
    double x0, w;          /* pixel range */
} axis;

/* Prepares the warped axis over the sorted marks (see above). */
static int axis_build(axis *a, const mark *m, int64_t n, double x0, double w)
{
    memset(a, 0, sizeof *a);
    a->m = m;
    a->n = n;
    a->x0 = x0;
    a->w = w;
    if (!n)
        return 0;
    int64_t range = m[n - 1].time_us - m[0].time_us;
    a->gap = range / 40;
    if (a->gap < 60000000LL)
        a->gap = 60000000LL;
    a->ct = malloc((size_t)n * sizeof *a->ct);
    if (!a->ct)
        return -1;
    a->ct[0] = 0;
    for (int64_t i = 1; i < n; i++) {
        int64_t d = m[i].time_us - m[i - 1].time_us;
        a->ct[i] = a->ct[i - 1] + (double)(d < a->gap ? d : a->gap);
    }
    return 0;
}

/* Position of the i-th mark. */
static double axis_x(const axis *a, int64_t i)
{
    if (a->n <= 1)
        return a->x0 + a->w / 2;
    double tf = a->ct[a->n - 1] > 0 ? a->ct[i] / a->ct[a->n - 1]
                                     : (double)i / (double)(a->n - 1);
    double rf = (double)i / (double)(a->n - 1);
    return a->x0 + a->w * (ALPHA * tf + (1 - ALPHA) * rf);
}

/* Position of a time: that of the first mark at or after it. */
static double axis_x_time(const axis *a, int64_t t)
{
    int64_t lo = 0, hi = a->n;
    while (lo < hi) {
        int64_t mid = (lo + hi) / 2;
        if (a->m[mid].time_us < t)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (lo >= a->n)
        lo = a->n - 1;
    return axis_x(a, lo < 0 ? 0 : lo);
}

/* ---- writing ------------------------------------------------------------ */

static const char css[] =
    ":root{--fg:#1b1f24;--muted:#59636e;--line:#d0d7de;--bg:#fff;"
    "--soft:#f6f8fa;--blocked:#c62828;--tolerated:#ef8f00;--other:#546e7a}"
    "*{box-sizing:border-box}"
    "body{margin:0;font:14px/1.45 -apple-system,BlinkMacSystemFont,"
    "'Segoe UI',Roboto,'Helvetica Neue',Arial,sans-serif;color:var(--fg);"
    "background:var(--bg)}"
    "main{max-width:1280px;margin:0 auto;padding:24px 28px 48px}"
    "h1{font-size:24px;margin:0 0 4px}h2{font-size:19px;margin:32px 0 10px;"
    "padding-bottom:4px;border-bottom:1px solid var(--line)}"
    "h3{font-size:16px;margin:0 0 6px}"
    ".meta,.muted{color:var(--muted)}.small{font-size:12px}"
    "code,.mono,pre{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,"
    "'Liberation Mono',monospace;font-size:12px}"
    "nav.toc a{margin-right:14px;color:#0b57d0;text-decoration:none}"
    ".cards{display:flex;flex-wrap:wrap;gap:10px;margin:12px 0}"
    ".card{border:1px solid var(--line);border-radius:8px;padding:8px 14px;"
    "background:var(--soft);min-width:130px}"
    ".card b{display:block;font-size:20px}"
    "table{border-collapse:collapse;width:100%;margin:6px 0 14px}"
    "th,td{border-bottom:1px solid var(--line);padding:4px 8px;text-align:"
    "left;vertical-align:top}th{background:var(--soft);font-weight:600}"
    "td.num,th.num{text-align:right;white-space:nowrap}"
    "td.hash{font-family:ui-monospace,Menlo,Consolas,monospace;font-size:11px;"
    "word-break:break-all}"
    ".finding{border:1px solid var(--line);border-left:6px solid "
    "var(--other);border-radius:6px;padding:12px 16px;margin:14px 0;"
    "break-inside:avoid}"
    ".finding.v-blocked{border-left-color:var(--blocked)}"
    ".finding.v-tolerated{border-left-color:var(--tolerated)}"
    ".badge{display:inline-block;padding:1px 8px;border-radius:10px;"
    "font-size:12px;font-weight:600;color:#fff;background:var(--other);"
    "margin-right:6px}.badge.v-blocked{background:var(--blocked)}"
    ".badge.v-tolerated{background:var(--tolerated)}"
    ".badge.lvl{background:#fff;color:var(--fg);border:1px solid var(--line)}"
    ".subject{font-family:ui-monospace,Menlo,Consolas,monospace;"
    "word-break:break-all}"
    ".explanation{margin:8px 0;font-size:15px}"
    "ul.reasons{margin:6px 0;padding-left:20px}ul.reasons li{margin:4px 0}"
    ".ev{font-family:ui-monospace,Menlo,Consolas,monospace;font-size:12px;"
    "margin:2px 0 2px 8px;padding:2px 6px;background:var(--soft);"
    "border-radius:4px;white-space:pre-wrap;word-break:break-word}"
    ".ev .loc{color:var(--muted)}"
    "table.evidence td{font-size:12px}table.evidence td.msg{font-family:"
    "ui-monospace,Menlo,Consolas,monospace;white-space:pre-wrap;"
    "word-break:break-word}"
    ".legend{display:flex;flex-wrap:wrap;gap:6px 16px;margin:8px 0;"
    "font-size:12px;align-items:center}"
    ".legend span{display:inline-flex;align-items:center;gap:4px}"
    ".legend svg{width:14px;height:14px}"
    "figure.tl{margin:8px 0;overflow-x:auto}figure.tl svg{width:100%;"
    "height:auto;display:block;min-width:900px}"
    "figure.tl figcaption{font-size:12px;color:var(--muted)}"
    "svg text{font-family:-apple-system,'Segoe UI',Roboto,Arial,sans-serif}"
    ".warn{background:#fff8e1;border:1px solid #ffe082;border-radius:6px;"
    "padding:8px 12px;margin:8px 0}"
    ".controls{display:none;gap:10px;align-items:center;margin:8px 0}"
    ".js .controls{display:flex}.controls input{padding:4px 8px;"
    "border:1px solid var(--line);border-radius:6px;min-width:260px}"
    ".controls button{padding:3px 10px;border:1px solid var(--line);"
    "border-radius:6px;background:var(--soft);cursor:pointer}"
    ".hidden{display:none!important}"
    "footer{margin-top:40px;color:var(--muted);font-size:12px}"
    "@media print{body{font-size:10pt}main{max-width:none;padding:0}"
    ".controls,nav.toc{display:none!important}figure.tl svg{min-width:0}"
    "h2{break-after:avoid}.finding,tr{break-inside:avoid}"
    "a{color:inherit;text-decoration:none}}"
    "@page{margin:12mm}";

/* The optional script: a text filter over findings and buttons that hide
 * a kind of marker.  Everything it touches exists without it. */
static const char script[] =
    "(function(){document.documentElement.className+=' js';"
    "var q=document.getElementById('ffilter'),v=document.getElementById("
    "'fverdict');function apply(){var t=(q.value||'').toLowerCase(),"
    "w=v.value;var list=document.querySelectorAll('.finding,.brief');"
    "for(var i=0;i<list.length;i++){var e=list[i],ok=(!t||e.textContent."
    "toLowerCase().indexOf(t)>=0)&&(!w||e.getAttribute('data-verdict')"
    "===w);e.classList.toggle('hidden',!ok);}}"
    "if(q){q.addEventListener('input',apply);}if(v){v.addEventListener("
    "'change',apply);}var bs=document.querySelectorAll('button[data-kind]');"
    "for(var j=0;j<bs.length;j++){bs[j].addEventListener('click',function(){"
    "var k=this.getAttribute('data-kind');var g=document.querySelectorAll("
    "'g.'+k);var off=this.getAttribute('aria-pressed')!=='false';"
    "for(var n=0;n<g.length;n++){g[n].style.display=off?'none':'';}"
    "this.setAttribute('aria-pressed',off?'false':'true');});}})();";

/* Glyph of each kind, drawn around (0,0) in currentColor; used by <use>. */
static const char *const glyphs[K_N] = {
    "<path d='M-4.5-5.5L5.5 0-4.5 5.5Z' fill='#2e7d32'/>",
    "<circle r='4.5' fill='currentColor' stroke='#fff' stroke-width='.8'/>",
    "<path d='M-4.5-4.5L4.5 4.5M4.5-4.5L-4.5 4.5' stroke='#b71c1c' "
    "stroke-width='2.6' stroke-linecap='round'/>",
    "<path d='M0-5.5L5.5 0 0 5.5-5.5 0Z' fill='#1565c0'/>",
    "<path d='M-5-4.5H5L0 5.5Z' fill='#6a1b9a'/>",
    "<rect x='-4.5' y='-4.5' width='9' height='9' rx='1.5' fill='#00838f'/>",
    "<path d='M-4.5-4.5L4.5 4.5M4.5-4.5L-4.5 4.5' stroke='#000' "
    "stroke-width='3' stroke-linecap='round'/>",
};
/* Row of each kind inside a lane (pixels from the lane's centre line). */
static const int kind_dy[K_N] = {-8, 0, 8, 8, -8, -8, 8};

/* Colour index of an error code: the most frequent codes get their own,
 * the rest share the last. */
static int code_color(const report *r, int32_t code)
{
    for (int i = 0; i < r->ncc && i < NCOLORS - 1; i++)
        if (r->cc[i].code == code)
            return i;
    return NCOLORS - 1;
}

/* Orders error codes by frequency, most frequent first. */
static int cc_cmp(const void *a, const void *b)
{
    int64_t x = ((const codecount *)a)->n, y = ((const codecount *)b)->n;
    return x > y ? -1 : x < y;
}

/* Orders lanes: those with findings first, by their first finding's
 * time, then the busiest. */
static int lane_rank_cmp(const void *a, const void *b, void *ctx)
{
    const report *r = ctx;
    const lane *x = &r->lanes[*(const int *)a], *y = &r->lanes[*(const int *)b];
    int fx = x->first_finding >= 0, fy = y->first_finding >= 0;
    if (fx != fy)
        return fy - fx;
    if (fx && fy) {
        int64_t tx = r->f[x->first_finding].first_us;
        int64_t ty = r->f[y->first_finding].first_us;
        return tx < ty ? -1 : tx > ty;
    }
    return x->count > y->count ? -1 : x->count < y->count;
}

/* A lane's title: the app's name with its folder below. */
static void lane_title(st_out *o, const lane *l, double y, int other_n)
{
    if (!l->key || !*l->key) {
        st_out_printf(o, "<text x='8' y='%.1f' font-size='12' font-weight='600'"
                      ">%s</text>", y - 2, other_n ? "other apps and files"
                                                   : "no app or path named");
        st_out_printf(o, "<text x='8' y='%.1f' font-size='10' fill='#59636e'"
                      ">", y + 11);
        if (other_n)
            st_out_printf(o, "%d more lanes merged", other_n);
        else
            st_out_lit(o, "errors and launches naming no path");
        st_out_lit(o, "</text>");
        return;
    }
    const char *k = l->key;
    const char *slash = strrchr(k, '/');
    const char *name = slash ? slash + 1 : k;
    st_out_printf(o, "<text x='8' y='%.1f' font-size='12' font-weight='600'>",
                  y - 2);
    h_cut(o, name, 34);
    st_out_lit(o, "<title>");
    h(o, k);
    st_out_lit(o, "</title></text>");
    st_out_printf(o, "<text x='8' y='%.1f' font-size='10' fill='#59636e'>",
                  y + 11);
    size_t dn = slash ? (size_t)(slash - k) : 0;
    if (dn > 40) {
        st_out_str(o, "\xe2\x80\xa6");
        h_text(o, k + dn - 38, 38);
    } else {
        h_text(o, k, dn);
    }
    st_out_lit(o, "</text>");
}

/* The UTC offset most marks were logged in (ties: the earliest seen). */
static int32_t common_offset(const report *r)
{
    int32_t off[16];
    int64_t n[16];
    int k = 0;
    for (int64_t i = 0; i < r->nm; i++) {
        int j = 0;
        while (j < k && off[j] != r->m[i].off)
            j++;
        if (j == k) {
            if (k == 16)
                continue;
            off[k] = r->m[i].off;
            n[k++] = 0;
        }
        n[j]++;
    }
    int best = 0;
    for (int j = 1; j < k; j++)
        if (n[j] > n[best])
            best = j;
    return k ? off[best] : 0;
}

/* A run of marks of one kind, lane and colour drawn as one glyph. */
struct group {
    int64_t px, n, first;
    double x, y;
};

/* Draws a group with its count in the tooltip and empties it. */
static void flush_group(report *r, int k, int gc, struct group *G)
{
    st_out *o = r->o;
    st_out_printf(o, "<use href='#g%d' x='%.1f' y='%.1f'%s%s%s><title>%lld "
                  "%s%s from ", k, G->x, G->y,
                  k == K_SIGERR ? " style='color:" : "",
                  k == K_SIGERR ? code_colors[gc] : "",
                  k == K_SIGERR ? "'" : "", (long long)G->n, kinds[k].label,
                  G->n == 1 ? "" : "s");
    h_time(o, r->m[G->first].time_us, r->m[G->first].off);
    if (k == K_SIGERR && gc < r->ncc && gc < NCOLORS - 1)
        st_out_printf(o, " (code %d)", r->cc[gc].code);
    st_out_lit(o, "</title></use>");
    G->n = 0;
}

/* Writes the SVG timeline: axis, lanes, finding bands, markers. */
static void write_svg(report *r)
{
    st_out *o = r->o;
    const double W = 1200, X0 = 240, PW = 930, TOP = 44, LH = 40;
    if (!r->nm) {
        st_out_lit(o, "<p class='muted'>No launches, signature errors, kills,"
                      " Gatekeeper scans, quarantine or detached-signature "
                      "records in the case.</p>");
        return;
    }
    /* lanes to draw: those with findings first (by time), then the
     * busiest; the rest are merged into the catch-all lane 0 */
    int *order = malloc((size_t)r->nlanes * sizeof *order);
    int no = 0;
    if (!order)
        return;
    for (int i = 1; i < r->nlanes; i++)
        if (r->lanes[i].count || r->lanes[i].first_finding >= 0)
            order[no++] = i;
    qsort_r(order, (size_t)no, sizeof *order, lane_rank_cmp, r);
    int shown = 0, merged = 0;
    for (int i = 0; i < no; i++) {
        if (shown < MAX_LANES - 1)
            r->lanes[order[i]].shown = shown++;
        else
            merged++;
    }
    for (int64_t i = 0; i < r->nm; i++)
        if (r->lanes[r->m[i].lane].shown < 0) {
            r->lanes[0].count += r->m[i].lane ? 1 : 0;
            r->m[i].lane = 0;
        }
    if (r->lanes[0].count)
        r->lanes[0].shown = shown++;
    double H = TOP + shown * LH + 34;
    axis ax;
    if (axis_build(&ax, r->m, r->nm, X0, PW) < 0) {
        free(order);
        return;
    }
    st_out_printf(o, "<svg viewBox='0 0 "
                  "%.0f %.0f' role='img' aria-label='Timeline: one lane per "
                  "app' id='timeline-svg'>", W, H);
    st_out_lit(o, "<defs>");
    for (int k = 0; k < K_N; k++)
        st_out_printf(o, "<symbol id='g%d' overflow='visible'>%s</symbol>", k,
                      glyphs[k]);
    st_out_lit(o, "</defs>");
    /* lane backgrounds and titles */
    int *by_row = calloc((size_t)shown + 1, sizeof *by_row);
    for (int i = 0; by_row && i < r->nlanes; i++)
        if (r->lanes[i].shown >= 0)
            by_row[r->lanes[i].shown] = i;
    for (int row = 0; by_row && row < shown; row++) {
        double y = TOP + row * LH;
        st_out_printf(o, "<rect x='0' y='%.1f' width='%.0f' height='%.0f' "
                      "fill='%s'/>", y, W, LH, row % 2 ? "#ffffff" : "#f6f8fa");
        lane_title(o, &r->lanes[by_row[row]], y + LH / 2, by_row[row] == 0 ?
                   merged : 0);
    }
    /* gaps cut out of the axis */
    st_out_lit(o, "<g class='breaks'>");
    for (int64_t i = 1; i < r->nm; i++) {
        int64_t d = r->m[i].time_us - r->m[i - 1].time_us;
        if (d <= ax.gap)
            continue;
        double x = (axis_x(&ax, i - 1) + axis_x(&ax, i)) / 2;
        st_out_printf(o, "<line x1='%.1f' y1='%.0f' x2='%.1f' y2='%.1f' "
                      "stroke='#9aa4ae' stroke-dasharray='3 3'/>", x, TOP - 6,
                      x, H - 30);
        const char *u = "s";
        double v = (double)d / 1e6;
        if (v >= 86400 * 730.5) { v /= 86400 * 365.25; u = " years"; }
        else if (v >= 86400 * 2) { v /= 86400; u = " d"; }
        else if (v >= 7200) { v /= 3600; u = " h"; }
        else if (v >= 120) { v /= 60; u = " min"; }
        st_out_printf(o, "<text x='%.1f' y='%.0f' font-size='10' fill='#59636e'"
                      " text-anchor='middle'>+%.0f%s</text>", x, TOP - 9, v,
                      u);
    }
    st_out_lit(o, "</g>");
    /* ticks: real times at even positions, in the offset most marks
     * were logged in; the date only where it changes */
    st_out_lit(o, "<g class='axis'>");
    int32_t off0 = common_offset(r);
    char prev_date[12] = "";
    for (int t = 0; t <= 6; t++) {
        double want = X0 + PW * t / 6.0;
        int64_t lo = 0, hi = r->nm - 1;
        while (lo < hi) {
            int64_t mid = (lo + hi) / 2;
            if (axis_x(&ax, mid) < want)
                lo = mid + 1;
            else
                hi = mid;
        }
        double x = axis_x(&ax, lo);
        char b[40];
        st_ls_time(b, r->m[lo].time_us, off0);
        const char *anchor = t == 0 ? "start" : t == 6 ? "end" : "middle";
        st_out_printf(o, "<line x1='%.1f' y1='%.0f' x2='%.1f' y2='%.1f' "
                      "stroke='#d0d7de'/>", x, TOP, x, H - 30);
        st_out_printf(o, "<text x='%.1f' y='%.1f' font-size='10' "
                      "fill='#59636e' text-anchor='%s'>", x, H - 18, anchor);
        st_out_add(o, b + 11, 12);           /* HH:MM:SS.mmm */
        st_out_lit(o, "</text>");
        if (memcmp(prev_date, b, 10) != 0) {
            memcpy(prev_date, b, 10);
            st_out_printf(o, "<text x='%.1f' y='%.1f' font-size='10' "
                          "fill='#59636e' text-anchor='%s'>", x, H - 6,
                          anchor);
            st_out_add(o, b, 10);
            st_out_lit(o, "</text>");
        }
    }
    st_out_lit(o, "</g>");
    /* finding bands */
    st_out_lit(o, "<g class='findings'>");
    double *label_end = calloc((size_t)shown + 1, sizeof *label_end);
    for (int i = 0; i < r->nf && i < 300; i++) {
        const finding *f = &r->f[i];
        int row = r->lanes[f->lane].shown;
        if (row < 0 || f->lane == 0)
            continue;
        double xa = axis_x_time(&ax, f->first_us);
        double xb = axis_x_time(&ax, f->last_us);
        if (xb < xa + 8) {
            xa -= 4;
            xb = xa + 8;
        }
        const char *v = f->verdict ? f->verdict : "";
        const char *c = !strcmp(v, "blocked") ? "#c62828"
                        : !strcmp(v, "tolerated") ? "#ef8f00" : "#546e7a";
        double y = TOP + row * LH;
        st_out_printf(o, "<a href='#f%lld'><rect x='%.1f' y='%.1f' "
                      "width='%.1f' height='%.0f' rx='4' fill='%s' "
                      "fill-opacity='.16' stroke='%s' stroke-opacity='.7'>"
                      "<title>Finding %lld: ", (long long)f->id, xa, y + 3,
                      xb - xa, LH - 6, c, c, (long long)f->id);
        h(o, v);
        st_out_lit(o, " \xe2\x80\x94 ");
        h_cut(o, f->explanation, 300);
        st_out_lit(o, "</title></rect>");
        /* a label where it fits: right of the band when the band is
         * narrow, never over the previous label of its row */
        char lab[64];
        int ln = snprintf(lab, sizeof lab, "#%lld %s", (long long)f->id,
                          strcmp(v, "stale_detached_signature") ? v : "stale");
        double lw = ln * 5.2, lx = xb - xa >= lw + 4 ? xa + 2 : xb + 2;
        if (label_end && lx >= label_end[row] && lx + lw <= X0 + PW + 20) {
            st_out_printf(o, "<text x='%.1f' y='%.1f' font-size='9' "
                          "fill='%s'>", lx, y + 11, c);
            h(o, lab);
            st_out_lit(o, "</text>");
            label_end[row] = lx + lw + 2;
        }
        st_out_lit(o, "</a>");
    }
    free(label_end);
    st_out_lit(o, "</g>");
    /* markers: one by one in lanes with few, else grouped per bucket of
     * pixels, each (row, kind, colour) separately */
    int64_t *per_lane = calloc((size_t)r->nlanes, sizeof *per_lane);
    size_t ngroups = (size_t)shown * K_N * NCOLORS;
    struct group *grp = calloc(ngroups ? ngroups : 1, sizeof *grp);
    int64_t *combo = calloc(ngroups ? ngroups : 1, sizeof *combo);
    for (int64_t i = 0; per_lane && i < r->nm; i++)
        per_lane[r->m[i].lane]++;
#define SINGLE(mk) ((per_lane[(mk)->lane] <= LANE_MARKS ||                  \
                     (mk)->finding >= 0) && (mk)->tip)
#define GROUP_OF(mk, color)                                                \
    (((size_t)r->lanes[(mk)->lane].shown * K_N + (mk)->kind) * NCOLORS +     \
     (size_t)(color))
    /* the widest bucket that keeps the glyph count near 15000 */
    double bw = 3;
    if (per_lane && grp && combo) {
        for (int64_t i = 0; i < r->nm; i++) {
            const mark *mk = &r->m[i];
            if (!SINGLE(mk))
                combo[GROUP_OF(mk, mk->kind == K_SIGERR ?
                               code_color(r, mk->code) : 0)]++;
        }
        for (;; bw *= 2) {
            double total = 0;
            for (size_t g = 0; g < ngroups; g++)
                total += combo[g] < PW / bw ? (double)combo[g] : PW / bw;
            if (total <= 15000 || bw >= 48)
                break;
        }
    }
    for (int k = 0; per_lane && grp && combo && k < K_N; k++) {
        st_out_printf(o, "<g class='%s'>", kinds[k].cls);
        for (int64_t i = 0; i <= r->nm; i++) {
            const mark *mk = i < r->nm ? &r->m[i] : NULL;
            if (mk && mk->kind != k)
                continue;
            int color = mk && k == K_SIGERR ? code_color(r, mk->code) : 0;
            double x = mk ? axis_x(&ax, i) : 0;
            int64_t px = (int64_t)(x / bw);
            /* a group ends when its next mark falls in another bucket;
             * all end after the last mark */
            if (!mk) {
                for (size_t g = 0; g < ngroups; g++)
                    if (grp[g].n && (int)(g / NCOLORS % K_N) == k)
                        flush_group(r, k, (int)(g % NCOLORS), &grp[g]);
            } else if (!SINGLE(mk)) {
                struct group *G = &grp[GROUP_OF(mk, color)];
                if (G->n && G->px != px)
                    flush_group(r, k, color, G);
            }
            if (!mk)
                break;
            double y = TOP + r->lanes[mk->lane].shown * LH + LH / 2 +
                       kind_dy[k];
            if (SINGLE(mk)) {
                st_out_printf(o, "<use href='#g%d' x='%.1f' y='%.1f'%s%s%s>"
                              "<title>", k, x, y,
                              k == K_SIGERR ? " style='color:" : "",
                              k == K_SIGERR ? code_colors[color] : "",
                              k == K_SIGERR ? "'" : "");
                h(o, mk->tip);
                if (mk->finding >= 0)
                    st_out_printf(o, " (evidence of finding %lld)",
                                  (long long)r->f[mk->finding].id);
                st_out_lit(o, "</title></use>");
                continue;
            }
            struct group *G = &grp[GROUP_OF(mk, color)];
            if (!G->n) {
                G->px = px;
                G->first = i;
                G->x = x;
                G->y = y;
            }
            G->n++;
        }
        st_out_lit(o, "</g>");
        st_out_maybe_flush(o);
    }
#undef SINGLE
#undef GROUP_OF
    free(grp);
    free(combo);
    st_out_lit(o, "</svg>");
    free(per_lane);
    free(by_row);
    free(order);
    free(ax.ct);
}

/* The legend: glyphs, and the error codes by colour. */
static void write_legend(report *r)
{
    st_out *o = r->o;
    st_out_lit(o, "<div class='legend'>");
    for (int k = 0; k < K_N; k++) {
        int64_t n = 0;
        for (int i = 0; i < r->nlanes; i++)
            n += r->lanes[i].kinds[k];
        st_out_printf(o, "<span><svg viewBox='-7 -7 14 14' aria-hidden='true'"
                      " style='color:%s'>%s</svg>%s (", code_colors[0],
                      glyphs[k], kinds[k].label);
        h_num(o, n);
        st_out_lit(o, ")</span>");
    }
    st_out_lit(o, "</div><div class='legend'>");
    for (int i = 0; i < r->ncc && i < NCOLORS; i++) {
        int other = i == NCOLORS - 1 && r->ncc > NCOLORS;
        st_out_printf(o, "<span><svg viewBox='-7 -7 14 14' aria-hidden='true'"
                      " style='color:%s'>%s</svg>", code_colors[i],
                      glyphs[K_SIGERR]);
        if (other) {
            int64_t rest = 0;
            for (int k = i; k < r->ncc; k++)
                rest += r->cc[k].n;
            st_out_lit(o, "other codes (");
            h_num(o, rest);
            st_out_lit(o, ")</span>");
            break;
        }
        st_out_printf(o, "%d", r->cc[i].code);
        if (r->cc[i].name) {
            st_out_c(o, ' ');
            h(o, r->cc[i].name);
        }
        st_out_lit(o, " (");
        h_num(o, r->cc[i].n);
        st_out_lit(o, ")</span>");
    }
    st_out_lit(o, "</div>");
    st_out_lit(o, "<div class='controls' aria-label='show or hide kinds'>"
                  "<span class='small muted'>show/hide:</span>");
    for (int k = 0; k < K_N; k++)
        st_out_printf(o, "<button type='button' data-kind='%s' "
                      "aria-pressed='true'>%s</button>", kinds[k].cls,
                      kinds[k].name);
    st_out_lit(o, "</div>");
}

/* One evidence row of a finding's table. */
static void write_evidence(report *r, const finding *f)
{
    st_out *o = r->o;
    sqlite3_stmt *q;
    if (sqlite3_prepare_v2(r->db,
            "SELECT fe.ord, fe.role, coalesce(s.path || iif(s.member IS NULL,"
            " '', ':' || s.member), ''), fe.line, fe.locator, fe.time_us, "
            "fe.utc_offset_min, fe.process, fe.pid, fe.message FROM "
            "finding_evidence fe LEFT JOIN sources s ON s.id = fe.source_id "
            "WHERE fe.finding_id = ? ORDER BY fe.time_us IS NULL, fe.time_us,"
            " fe.ord LIMIT 200", -1, &q, NULL) != SQLITE_OK)
        return;
    sqlite3_bind_int64(q, 1, f->id);
    st_out_lit(o, "<details open><summary>Evidence lines</summary><table "
                  "class='evidence'><thead><tr><th>role</th><th>time</th>"
                  "<th>where</th><th>process</th><th>message</th></tr>"
                  "</thead><tbody>");
    while (sqlite3_step(q) == SQLITE_ROW) {
        st_out_lit(o, "<tr><td>");
        h(o, col(q, 1));
        st_out_lit(o, "</td><td class='mono'>");
        if (sqlite3_column_type(q, 5) != SQLITE_NULL)
            h_time(o, sqlite3_column_int64(q, 5), sqlite3_column_int(q, 6));
        st_out_lit(o, "</td><td class='mono small'>");
        const char *src = col(q, 2);
        const char *base = src ? strrchr(src, '/') : NULL;
        st_out_lit(o, "<span title='");
        h(o, src);
        st_out_lit(o, "'>");
        h(o, base ? base + 1 : src);
        st_out_lit(o, "</span>:");
        if (sqlite3_column_type(q, 3) != SQLITE_NULL)
            st_out_i64(o, sqlite3_column_int64(q, 3));
        else
            h(o, col(q, 4));
        st_out_lit(o, "</td><td>");
        h(o, col(q, 7));
        if (sqlite3_column_type(q, 8) != SQLITE_NULL)
            st_out_printf(o, "[%lld]", (long long)sqlite3_column_int64(q, 8));
        st_out_lit(o, "</td><td class='msg'>");
        h_cut(o, col(q, 9), 1500);
        st_out_lit(o, "</td></tr>");
    }
    sqlite3_finalize(q);
    st_out_lit(o, "</tbody></table></details>");
}

/* The reasons with the evidence lines each one rests on. */
static void write_reasons(report *r, const finding *f)
{
    st_out *o = r->o;
    sqlite3_stmt *q;
    if (!f->reasons || sqlite3_prepare_v2(r->db,
            "SELECT j.value->>'id', j.value->>'text', (SELECT group_concat("
            "iif(fe.process IS NULL, '', fe.process || iif(fe.pid IS NULL, "
            "'', '[' || fe.pid || ']') || ': ') || substr(coalesce("
            "fe.message, ''), 1, "
            "400) || char(31) || coalesce(s.path, '') || ':' || coalesce("
            "fe.line, fe.locator, ''), char(30)) FROM json_each(j.value->"
            "'evidence') x JOIN finding_evidence fe ON fe.finding_id = ?2 AND "
            "fe.ord = x.value LEFT JOIN sources s ON s.id = fe.source_id) "
            "FROM json_each(?1) j", -1, &q, NULL) != SQLITE_OK)
        return;
    sqlite3_bind_text(q, 1, f->reasons, -1, SQLITE_STATIC);
    sqlite3_bind_int64(q, 2, f->id);
    int any = 0;
    while (sqlite3_step(q) == SQLITE_ROW) {
        if (!any++)
            st_out_lit(o, "<h4>Why</h4><ul class='reasons'>");
        st_out_lit(o, "<li><b>");
        h(o, col(q, 0));
        st_out_lit(o, "</b>: ");
        h(o, col(q, 1));
        const char *ev = col(q, 2);
        while (ev && *ev) {
            const char *end = strchr(ev, '\x1e');
            size_t n = end ? (size_t)(end - ev) : strlen(ev);
            const char *us = memchr(ev, '\x1f', n);
            st_out_lit(o, "<div class='ev'>");
            h_text(o, ev, us ? (size_t)(us - ev) : n);
            if (us) {
                const char *loc = us + 1;
                const char *base = loc;
                for (const char *c = loc; c < ev + n; c++)
                    if (*c == '/')
                        base = c + 1;
                st_out_lit(o, "  <span class='loc'>");
                h_text(o, base, (size_t)(ev + n - base));
                st_out_lit(o, "</span>");
            }
            st_out_lit(o, "</div>");
            ev = end ? end + 1 : NULL;
        }
        st_out_lit(o, "</li>");
    }
    sqlite3_finalize(q);
    if (any)
        st_out_lit(o, "</ul>");
}

/* Codes (name, count, who reported them) and notes of a finding. */
static void write_codes_notes(report *r, const finding *f)
{
    st_out *o = r->o;
    sqlite3_stmt *q;
    if (f->codes && sqlite3_prepare_v2(r->db, "SELECT value->>'code', "
            "value->>'name', value->>'count', value->>'reported_by' FROM "
            "json_each(?)", -1, &q, NULL) == SQLITE_OK) {
        sqlite3_bind_text(q, 1, f->codes, -1, SQLITE_STATIC);
        int any = 0;
        while (sqlite3_step(q) == SQLITE_ROW) {
            if (!any++)
                st_out_lit(o, "<p class='small'><b>Errors:</b> ");
            else
                st_out_lit(o, "; ");
            st_out_lit(o, "<code>");
            h(o, col(q, 0));
            st_out_lit(o, "</code> ");
            h(o, col(q, 1) ? col(q, 1) : "(not in the code table)");
            st_out_lit(o, " \xc3\x97");
            h(o, col(q, 2));
            st_out_lit(o, " by ");
            h(o, col(q, 3));
        }
        if (any)
            st_out_lit(o, "</p>");
        sqlite3_finalize(q);
    }
    if (f->notes && sqlite3_prepare_v2(r->db, "SELECT value FROM json_each(?)",
                                       -1, &q, NULL) == SQLITE_OK) {
        sqlite3_bind_text(q, 1, f->notes, -1, SQLITE_STATIC);
        int any = 0;
        while (sqlite3_step(q) == SQLITE_ROW) {
            if (!any++)
                st_out_lit(o, "<h4>Notes</h4><ul>");
            st_out_lit(o, "<li>");
            h(o, col(q, 0));
            st_out_lit(o, "</li>");
        }
        if (any)
            st_out_lit(o, "</ul>");
        sqlite3_finalize(q);
    }
}

/* CSS class of a verdict. */
static const char *verdict_class(const char *v)
{
    return v && !strcmp(v, "blocked") ? "v-blocked"
           : v && !strcmp(v, "tolerated") ? "v-tolerated" : "v-other";
}

/* Every finding: the first REPORT_FULL in full, then one line each. */
static void write_findings(report *r)
{
    st_out *o = r->o;
    st_out_printf(o, "<section id='findings'><h2>Findings (%d)</h2>", r->nf);
    if (!r->nf) {
        st_out_lit(o, "<p class='muted'>No findings in the case: run "
                      "<code>sigtrail analyze CASE.db</code> first, or no "
                      "rule matched.</p></section>");
        return;
    }
    st_out_lit(o, "<div class='controls'><input id='ffilter' type='search' "
                  "placeholder='filter findings (text)' aria-label='filter "
                  "findings'><select id='fverdict' aria-label='verdict'>"
                  "<option value=''>every verdict</option>");
    const char *seen[32];
    int nseen = 0;
    for (int i = 0; i < r->nf && nseen < 32; i++) {
        const char *v = r->f[i].verdict;
        int k = 0;
        while (k < nseen && strcmp(seen[k], v ? v : ""))
            k++;
        if (!v || k < nseen)
            continue;
        seen[nseen++] = v;
        st_out_lit(o, "<option>");
        h(o, v);
        st_out_lit(o, "</option>");
    }
    st_out_lit(o, "</select></div>");
    for (int i = 0; i < r->nf && i < REPORT_FULL; i++) {
        const finding *f = &r->f[i];
        st_out_printf(o, "<article class='finding %s' id='f%lld' "
                      "data-verdict='", verdict_class(f->verdict),
                      (long long)f->id);
        h(o, f->verdict);
        st_out_printf(o, "'><h3><span class='badge %s'>",
                      verdict_class(f->verdict));
        h(o, f->verdict);
        st_out_lit(o, "</span><span class='badge lvl'>");
        h(o, f->level);
        st_out_printf(o, "</span>#%lld <span class='subject'>",
                      (long long)f->id);
        h(o, f->subject && *f->subject ? f->subject : "(no path)");
        st_out_lit(o, "</span></h3><div class='small muted'>rule <code>");
        h(o, f->rule);
        st_out_printf(o, "</code> v%d", f->rule_version);
        if (f->has_pid)
            st_out_printf(o, " \xc2\xb7 pid %lld", (long long)f->pid);
        if (f->bundle && *f->bundle) {
            st_out_lit(o, " \xc2\xb7 ");
            h(o, f->bundle);
        }
        if (f->uuid && *f->uuid) {
            st_out_lit(o, " \xc2\xb7 UUID ");
            h(o, f->uuid);
        }
        st_out_lit(o, " \xc2\xb7 ");
        h_time(o, f->first_us, 0);
        st_out_lit(o, " \xe2\x80\x93 ");
        h_time(o, f->last_us, 0);
        st_out_lit(o, "</div><p class='explanation'>");
        h(o, f->explanation);
        st_out_lit(o, "</p>");
        write_codes_notes(r, f);
        write_reasons(r, f);
        write_evidence(r, f);
        st_out_lit(o, "</article>");
        st_out_maybe_flush(o);
    }
    if (r->nf > REPORT_FULL) {
        st_out_printf(o, "<h3>%d more findings</h3><table><thead><tr><th>#"
                      "</th><th>verdict</th><th>level</th><th>rule</th><th>"
                      "subject</th><th>first (UTC)</th></tr></thead><tbody>",
                      r->nf - REPORT_FULL);
        for (int i = REPORT_FULL; i < r->nf && i < REPORT_FULL + REPORT_BRIEF;
             i++) {
            const finding *f = &r->f[i];
            st_out_lit(o, "<tr class='brief' data-verdict='");
            h(o, f->verdict);
            st_out_printf(o, "'><td class='num'>%lld</td><td>",
                          (long long)f->id);
            h(o, f->verdict);
            st_out_lit(o, "</td><td>");
            h(o, f->level);
            st_out_lit(o, "</td><td><code>");
            h(o, f->rule);
            st_out_lit(o, "</code></td><td class='subject'>");
            h_cut(o, f->subject, 200);
            st_out_lit(o, "</td><td class='mono'>");
            h_time(o, f->first_us, 0);
            st_out_lit(o, "</td></tr>");
        }
        st_out_lit(o, "</tbody></table>");
        if (r->nf > REPORT_FULL + REPORT_BRIEF)
            st_out_printf(o, "<p class='muted'>%d findings not listed here: "
                          "<code>sigtrail explain CASE.db</code> prints them "
                          "all.</p>", r->nf - REPORT_FULL - REPORT_BRIEF);
    }
    st_out_lit(o, "</section>");
}

/* Sources with hashes and counts, and the first warnings. */
static void write_sources(report *r)
{
    st_out *o = r->o;
    sqlite3_stmt *q;
    int64_t nsrc = 0;
    if (sqlite3_prepare_v2(r->db, "SELECT count(*) FROM sources", -1, &q,
                           NULL) == SQLITE_OK) {
        if (sqlite3_step(q) == SQLITE_ROW)
            nsrc = sqlite3_column_int64(q, 0);
        sqlite3_finalize(q);
    }
    st_out_printf(o, "<section id='sources'><h2>Sources (%lld)</h2>",
                  (long long)nsrc);
    st_out_lit(o, "<table><thead><tr><th class='num'>id</th><th>input</th>"
                  "<th>format</th><th>status</th><th class='num'>records</th>"
                  "<th class='num'>unparsed</th><th class='num'>warnings</th>"
                  "<th class='num'>bytes</th><th>SHA-256</th></tr></thead>"
                  "<tbody>");
    if (sqlite3_prepare_v2(r->db, "SELECT id, path || coalesce(':' || member,"
                           " ''), format, status, records, unparsed, warnings,"
                           " size, sha256, parent_id, error FROM sources "
                           "ORDER BY id LIMIT ?", -1, &q, NULL) == SQLITE_OK) {
        sqlite3_bind_int(q, 1, MAX_SOURCES);
        while (sqlite3_step(q) == SQLITE_ROW) {
            st_out_printf(o, "<tr><td class='num'>%lld</td><td class='mono'>",
                          (long long)sqlite3_column_int64(q, 0));
            h(o, col(q, 1));
            if (sqlite3_column_type(q, 9) != SQLITE_NULL)
                st_out_printf(o, " <span class='muted'>(in source %lld)"
                              "</span>", (long long)sqlite3_column_int64(q, 9));
            if (col(q, 10)) {
                st_out_lit(o, "<div class='small' style='color:#b71c1c'>");
                h(o, col(q, 10));
                st_out_lit(o, "</div>");
            }
            st_out_lit(o, "</td><td>");
            h(o, col(q, 2));
            st_out_lit(o, "</td><td>");
            h(o, col(q, 3));
            for (int k = 4; k <= 7; k++) {
                st_out_lit(o, "</td><td class='num'>");
                h_num(o, sqlite3_column_int64(q, k));
            }
            st_out_lit(o, "</td><td class='hash'>");
            h(o, col(q, 8));
            st_out_lit(o, "</td></tr>");
        }
        sqlite3_finalize(q);
    }
    st_out_lit(o, "</tbody></table>");
    if (nsrc > MAX_SOURCES)
        st_out_printf(o, "<p class='muted'>%lld more sources: <code>sigtrail "
                      "sources CASE.db</code> lists them all.</p>",
                      (long long)(nsrc - MAX_SOURCES));
    st_out_lit(o, "</section>");
}

/* Warnings and the notes that qualify the evidence (assumed zones,
 * missing headers, filtered exports). */
static void write_warnings(report *r)
{
    st_out *o = r->o;
    sqlite3_stmt *q;
    int64_t total = 0;
    if (sqlite3_prepare_v2(r->db, "SELECT total(warnings) FROM sources", -1,
                           &q, NULL) == SQLITE_OK) {
        if (sqlite3_step(q) == SQLITE_ROW)
            total = sqlite3_column_int64(q, 0);
        sqlite3_finalize(q);
    }
    st_out_printf(o, "<h3>Warnings (%lld)</h3>", (long long)total);
    if (sqlite3_prepare_v2(r->db, "SELECT s.path, n.key, n.value FROM "
                           "source_notes n JOIN sources s ON s.id = "
                           "n.source_id WHERE n.key IN ('tz_assumed', 'header',"
                           " 'filter') ORDER BY n.source_id LIMIT 50", -1, &q,
                           NULL) == SQLITE_OK) {
        while (sqlite3_step(q) == SQLITE_ROW) {
            st_out_lit(o, "<div class='warn small'><b>");
            h(o, col(q, 1));
            st_out_lit(o, "</b> ");
            h(o, col(q, 2));
            st_out_lit(o, " \xe2\x80\x94 <span class='mono'>");
            h(o, col(q, 0));
            st_out_lit(o, "</span></div>");
        }
        sqlite3_finalize(q);
    }
    if (!total)
        return;
    st_out_lit(o, "<table><thead><tr><th>source</th><th class='num'>line</th>"
                  "<th>warning</th></tr></thead><tbody>");
    if (sqlite3_prepare_v2(r->db, "SELECT s.path, w.line, w.message FROM "
                           "warnings w LEFT JOIN sources s ON s.id = "
                           "w.source_id ORDER BY w.id LIMIT ?", -1, &q, NULL) ==
        SQLITE_OK) {
        sqlite3_bind_int(q, 1, MAX_WARNINGS);
        while (sqlite3_step(q) == SQLITE_ROW) {
            st_out_lit(o, "<tr><td class='mono small'>");
            h(o, col(q, 0));
            st_out_lit(o, "</td><td class='num'>");
            h(o, col(q, 1));
            st_out_lit(o, "</td><td>");
            h(o, col(q, 2));
            st_out_lit(o, "</td></tr>");
        }
        sqlite3_finalize(q);
    }
    st_out_lit(o, "</tbody></table>");
    if (total > MAX_WARNINGS)
        st_out_printf(o, "<p class='muted'>The first %d of %lld warnings; "
                      "<code>sigtrail query CASE.db 'SELECT * FROM warnings'"
                      "</code> lists them all.</p>", MAX_WARNINGS,
                      (long long)total);
}

/* Key numbers and the time range. */
static void write_summary(report *r)
{
    st_out *o = r->o;
    sqlite3_stmt *q;
    int64_t events = 0, timed = 0, lo = 0, hi = 0, nsrc = 0;
    int32_t lo_off = 0, hi_off = 0;
    if (sqlite3_prepare_v2(r->db, "SELECT (SELECT count(*) FROM events), "
                           "(SELECT count(*) FROM sources WHERE status IN "
                           "('ingested','partial')), (SELECT time_us FROM "
                           "events WHERE time_us IS NOT NULL ORDER BY time_us "
                           "LIMIT 1), (SELECT utc_offset_min FROM events WHERE "
                           "time_us IS NOT NULL ORDER BY time_us LIMIT 1), "
                           "(SELECT time_us FROM events WHERE time_us IS NOT "
                           "NULL ORDER BY time_us DESC LIMIT 1), (SELECT "
                           "utc_offset_min FROM events WHERE time_us IS NOT "
                           "NULL ORDER BY time_us DESC LIMIT 1)", -1, &q,
                           NULL) == SQLITE_OK) {
        if (sqlite3_step(q) == SQLITE_ROW) {
            events = sqlite3_column_int64(q, 0);
            nsrc = sqlite3_column_int64(q, 1);
            timed = sqlite3_column_type(q, 2) != SQLITE_NULL;
            lo = sqlite3_column_int64(q, 2);
            lo_off = sqlite3_column_int(q, 3);
            hi = sqlite3_column_int64(q, 4);
            hi_off = sqlite3_column_int(q, 5);
        }
        sqlite3_finalize(q);
    }
    int blocked = 0, tolerated = 0;
    for (int i = 0; i < r->nf; i++) {
        blocked += r->f[i].verdict && !strcmp(r->f[i].verdict, "blocked");
        tolerated += r->f[i].verdict && !strcmp(r->f[i].verdict, "tolerated");
    }
    st_out_lit(o, "<section id='summary'><h2>Summary</h2><div class='cards'>");
    st_out_lit(o, "<div class='card'><b>");
    h_num(o, events);
    st_out_lit(o, "</b>events</div><div class='card'><b>");
    h_num(o, nsrc);
    st_out_lit(o, "</b>sources</div><div class='card'><b>");
    h_num(o, r->nf);
    st_out_lit(o, "</b>findings</div><div class='card' style='border-color:"
                  "#c62828'><b>");
    h_num(o, blocked);
    st_out_lit(o, "</b>blocked</div><div class='card' style='border-color:"
                  "#ef8f00'><b>");
    h_num(o, tolerated);
    st_out_lit(o, "</b>tolerated</div></div>");
    if (timed) {
        st_out_lit(o, "<p><b>Time range:</b> <span class='mono'>");
        h_time(o, lo, lo_off);
        st_out_lit(o, "</span> \xe2\x80\x93 <span class='mono'>");
        h_time(o, hi, hi_off);
        st_out_lit(o, "</span> <span class='muted small'>(each in the "
                      "offset its log was written in)</span></p>");
    }
    /* types, most frequent first (counted during the timeline scan) */
    st_out_lit(o, "<table style='width:auto'><thead><tr><th>event type</th>"
                  "<th class='num'>events</th></tr></thead><tbody>");
    int order[TYPE_SLOTS], no = 0;
    for (int i = 0; i < TYPE_SLOTS; i++)
        if (r->tt_id[i])
            order[no++] = i;
    for (int i = 1; i < no; i++)
        for (int j = i; j > 0 && r->tt_n[order[j]] > r->tt_n[order[j - 1]];
             j--) {
            int t = order[j];
            order[j] = order[j - 1];
            order[j - 1] = t;
        }
    for (int i = 0; i < no && i < 20; i++) {
        int64_t id = r->tt_id[order[i]] - 1;
        st_out_lit(o, "<tr><td>");
        if (sqlite3_prepare_v2(r->db, "SELECT value FROM strings WHERE id = ?",
                               -1, &q, NULL) == SQLITE_OK) {
            sqlite3_bind_int64(q, 1, id);
            if (sqlite3_step(q) == SQLITE_ROW)
                h(o, col(q, 0));
            else
                st_out_lit(o, "(no type: syslog style)");
            sqlite3_finalize(q);
        }
        st_out_lit(o, "</td><td class='num'>");
        h_num(o, r->tt_n[order[i]]);
        st_out_lit(o, "</td></tr>");
    }
    if (no > 20 || r->tt_other)
        st_out_printf(o, "<tr><td class='muted'>other types</td><td "
                      "class='num'>%lld</td></tr>", (long long)r->tt_other);
    st_out_lit(o, "</tbody></table>");
    write_warnings(r);
    st_out_lit(o, "</section>");
}

/* Frees everything the report loaded. */
static void free_report(report *r)
{
    for (int i = 0; i < r->nf; i++) {
        finding *f = &r->f[i];
        free(f->rule);
        free(f->level);
        free(f->verdict);
        free(f->subject);
        free(f->bundle);
        free(f->uuid);
        free(f->explanation);
        free(f->reasons);
        free(f->codes);
        free(f->notes);
    }
    free(r->f);
    free(r->em);
    for (int i = 0; i < r->nlanes; i++)
        free(r->lanes[i].key);
    free(r->lanes);
    for (int64_t i = 0; i < r->nm; i++)
        free(r->m[i].tip);
    free(r->m);
    free(r->cc);
    st_errcodes_free(r->codes);
}

/* Writes the whole document. */
static int write_report(report *r, const char *title, char *err,
                        size_t errlen)
{
    st_out *o = r->o;
    if (load_findings(r, err, errlen) < 0 || collect_marks(r, err, errlen) < 0)
        return -1;
    if (r->ncc > 1)
        qsort(r->cc, (size_t)r->ncc, sizeof *r->cc, cc_cmp);
    char now[40];
    time_t t = time(NULL);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(now, sizeof now, "%Y-%m-%d %H:%M:%S UTC", &tm);
    st_out_lit(o, "<!DOCTYPE html>\n<html lang='en'><head><meta "
                  "charset='utf-8'><meta name='viewport' content='width="
                  "device-width, initial-scale=1'><meta name='generator' "
                  "content='sigtrail " SIGTRAIL_VERSION "'><title>");
    h(o, title);
    st_out_lit(o, "</title><style>");
    st_out_str(o, css);
    st_out_lit(o, "</style></head><body><main><header><h1>");
    h(o, title);
    st_out_lit(o, "</h1><p class='meta'>Case <span class='mono'>");
    h(o, r->case_path);
    st_out_lit(o, "</span> \xc2\xb7 written ");
    st_out_str(o, now);
    st_out_lit(o, " by sigtrail " SIGTRAIL_VERSION "</p><nav class='toc'>"
                  "<a href='#summary'>Summary</a><a href='#timeline'>Timeline"
                  "</a><a href='#findings'>Findings</a><a href='#sources'>"
                  "Sources</a></nav></header>");
    write_summary(r);
    st_out_lit(o, "<section id='timeline'><h2>Timeline</h2><p class='small "
                  "muted'>One lane per app or file. Long quiet gaps are cut "
                  "(dashed lines, with the time skipped) and bursts are "
                  "spread out so their order shows; tick labels give the "
                  "real time. Hover a marker for its log line; a shaded band"
                  " is a finding (click it for the finding).</p>");
    write_legend(r);
    st_out_lit(o, "<figure class='tl'>");
    write_svg(r);
    int64_t drawn_one_by_one = 0;
    for (int64_t i = 0; i < r->nm; i++)
        drawn_one_by_one += r->m[i].tip != NULL;
    st_out_lit(o, "<figcaption>");
    h_num(o, r->nm);
    st_out_lit(o, " events on the timeline");
    if (r->nm > drawn_one_by_one)
        st_out_printf(o, "; lanes with more than %d are drawn grouped (one "
                      "marker per 3 pixels, its tooltip gives the count)",
                      LANE_MARKS);
    if (r->dropped)
        st_out_printf(o, "; %lld more not drawn", (long long)r->dropped);
    if (r->keys_full)
        st_out_printf(o, "; more than %d distinct paths: the rest share the "
                      "last lane", MAX_KEYS);
    {
        int32_t co = common_offset(r);
        st_out_printf(o, ". Tick times are at UTC%c%02d:%02d, the offset "
                      "most of these events were logged in.</figcaption>"
                      "</figure></section>", co < 0 ? '-' : '+',
                      abs(co) / 60, abs(co) % 60);
    }
    write_findings(r);
    write_sources(r);
    st_out_lit(o, "<footer>Generated by sigtrail " SIGTRAIL_VERSION
                  " from the case file above; every line quoted here is in "
                  "the case with its source file and line. This file loads "
                  "nothing from the network.</footer></main><script>");
    st_out_str(o, script);
    st_out_lit(o, "</script></body></html>\n");
    return 0;
}

/* Parses the options, opens the case read-only and writes the file. */
int cmd_report(int argc, char **argv)
{
    static const struct option lo[] = {
        {"output", required_argument, NULL, 'o'},
        {"title", required_argument, NULL, 't'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0}};
    const char *out_path = NULL, *title = "Code-signing incident report";
    int c;
    st_opts_reset();
    while ((c = getopt_long(argc, argv, "ho:", lo, NULL)) != -1) {
        switch (c) {
        case 'o': out_path = optarg; break;
        case 't': title = optarg; break;
        case 'h': help(); return ST_EXIT_OK;
        default: return st_usage_error("report", "bad option");
        }
    }
    if (argc - optind != 1)
        return st_usage_error("report", "needs one case file");
    char err[512];
    int built = 0;
    tl_case *cs = tl_case_open(argv[optind], 1, &built, err, sizeof err);
    if (!cs) {
        st_error("report", "%s", err);
        return ST_EXIT_ERROR;
    }
    report r;
    memset(&r, 0, sizeof r);
    r.db = tl_case_db(cs);
    r.case_path = argv[optind];
    r.lanes = calloc(MAX_KEYS + 1, sizeof *r.lanes);
    r.cc = calloc(256, sizeof *r.cc);
    if (!r.lanes || !r.cc) {
        st_error("report", "out of memory");
        free(r.lanes);
        free(r.cc);
        tl_case_close(cs);
        return ST_EXIT_ERROR;
    }
    r.nlanes = 1;                    /* lane 0: events naming no path */
    r.lanes[0].key = strdup("");
    r.lanes[0].first_finding = -1;
    r.lanes[0].shown = -1;
    static const char *const tnames[5] = {"Quarantine", "DetachedSignature",
                                          "ExecPolicy", "SystemPolicy",
                                          "Crash"};
    for (int i = 0; i < 5; i++)
        r.type_ids[i] = sid(r.db, tnames[i]);
    r.syspolicyd_id = sid(r.db, "syspolicyd");
    char pathbuf[4096], cerr[256];
    const char *table = st_errcodes_default_path(pathbuf, sizeof pathbuf);
    if (!table || st_errcodes_load(table, &r.codes, cerr, sizeof cerr) < 0)
        r.codes = NULL;   /* codes are then shown without names */
    FILE *out = stdout;
    if (out_path && !(out = fopen(out_path, "w"))) {
        st_error("report", "%s: %s", out_path, strerror(errno));
        free_report(&r);
        tl_case_close(cs);
        return ST_EXIT_ERROR;
    }
    st_out o;
    st_out_init(&o, out);
    r.o = &o;
    int rc = write_report(&r, title, err, sizeof err);
    int wrc = st_out_close(&o);
    if (out != stdout && fclose(out) != 0)
        wrc = -1;
    free_report(&r);
    tl_case_close(cs);
    if (rc < 0) {
        st_error("report", "%s", err);
        return ST_EXIT_ERROR;
    }
    if (wrc < 0) {
        st_error("report", "writing %s failed: %s",
                 out_path ? out_path : "standard output", strerror(errno));
        return ST_EXIT_ERROR;
    }
    return ST_EXIT_OK;
}
