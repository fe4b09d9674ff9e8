/*
 * db_systempolicy.c -- the Gatekeeper policy database
 * (/var/db/SystemPolicy, now /var/db/SystemPolicyConfiguration/SystemPolicy;
 * CODESIGNING.md §3.2).  Reads the `authority` rules and the `object`
 * cache of per-code verdicts.  Dates are Julian day numbers (REAL);
 * unix = (jd - 2440587.5) * 86400, and expires = 5000000 means never.
 *
 * Each authority row becomes a "system_policy_authority" record and each
 * object row a "system_policy_object" record (cdhash = the object's hash,
 * path = its path), both with a "SystemPolicy" event at the row's last
 * change (mtime; ctime when mtime is missing).  Columns are read by name;
 * all are kept in data_json, with "<column>_utc" for every date.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "sqlite_evidence.h"

#define JD_NEVER 5000000.0

/* Both Gatekeeper tables named in the head bytes. */
static int bid(const uint8_t *head, size_t n, int at_eof)
{
    static const char *const all[] = {"CREATE TABLE authority",
                                      "CREATE TABLE object", NULL};
    (void)at_eof;
    return st_secdb_bid_tables(head, n, all, NULL, 90);
}

/* Confirmed by the two tables and their telling columns. */
static int matches(st_secdb *db)
{
    return st_secdb_has_table(db, "authority") &&
           st_secdb_has_table(db, "object") &&
           st_secdb_has_column(db, "authority", "requirement") &&
           st_secdb_has_column(db, "object", "hash");
}

static const char *type_name(int64_t t)
{
    return t == 1 ? "execute" : t == 2 ? "install" : t == 3 ? "open" : NULL;
}

typedef struct label {
    int64_t id;
    char *label;
} label;

typedef struct ctx {
    st_sink *sink;
    const char *table;
    st_json j;
    label *labels;       /* authority id -> label, for object messages */
    size_t nlabels, cap;
    char cdhash[130], ident[256];
} ctx;

/* Remembers an authority's label (a copy). */
static void keep_label(ctx *c, int64_t id, st_str l)
{
    if (!l.p)
        return;
    if (c->nlabels == c->cap) {
        size_t nc = c->cap ? c->cap * 2 : 32;
        label *nl = realloc(c->labels, nc * sizeof *nl);
        if (!nl)
            return;
        c->labels = nl;
        c->cap = nc;
    }
    char *s = strndup(l.p, l.n < 200 ? l.n : 200);
    if (s)
        c->labels[c->nlabels++] = (label){id, s};
}

static const char *find_label(const ctx *c, int64_t id)
{
    for (size_t i = 0; i < c->nlabels; i++)
        if (c->labels[i].id == id)
            return c->labels[i].label;
    return NULL;
}

/* Adds "<col>_utc" for a Julian date column; returns 1 with *us when it
 * is a real date (not the "never" sentinel). */
static int julian_col(st_json *j, sqlite3_stmt *q, const char *col,
                      int64_t *us)
{
    int i = st_secdb_col(q, col);
    if (i < 0)
        return 0;
    int ty = sqlite3_column_type(q, i);
    if (ty != SQLITE_FLOAT && ty != SQLITE_INTEGER)
        return 0;
    double jd = sqlite3_column_double(q, i);
    char key[64], iso[40];
    snprintf(key, sizeof key, "%s_utc", col);
    if (jd >= JD_NEVER) {
        st_json_cstr(j, key, "never");
        return 0;
    }
    if (!st_time_julian_day(jd, us))
        return 0;
    st_time_iso(*us, iso, sizeof iso);
    st_json_cstr(j, key, iso);
    return 1;
}

/* Pulls `cdhash H"..."` and `identifier "..."` (or a bare identifier) out
 * of a requirement text so rules can look the rule up by them. */
static void requirement_keys(ctx *c, st_str req, st_str *cdhash,
                             st_str *ident)
{
    *cdhash = *ident = ST_STR_NULL;
    if (!req.p)
        return;
    const char *p = req.p, *end = req.p + req.n;
    const char *h = memmem(p, req.n, "cdhash H\"", 9);
    if (h) {
        const char *s = h + 9, *e = s;
        while (e < end && *e != '"' && e - s < 128)
            e++;
        if (e < end && *e == '"' && e > s) {
            size_t n = (size_t)(e - s);
            for (size_t i = 0; i < n; i++)
                c->cdhash[i] = (s[i] >= 'A' && s[i] <= 'F')
                                   ? (char)(s[i] + 32) : s[i];
            c->cdhash[n] = 0;
            *cdhash = (st_str){c->cdhash, n};
        }
    }
    for (const char *s = p; s + 11 <= end; s++) {
        if (memcmp(s, "identifier ", 11) != 0 ||
            (s > p && s[-1] != ' ' && s[-1] != '('))
            continue;
        const char *v = s + 11, *e;
        while (v < end && *v == ' ')
            v++;
        if (v < end && *v == '"') {
            e = ++v;
            while (e < end && *e != '"')
                e++;
        } else {
            e = v;
            while (e < end && (((*e | 32) >= 'a' && (*e | 32) <= 'z') ||
                               (*e >= '0' && *e <= '9') || *e == '.' ||
                               *e == '-' || *e == '_'))
                e++;
        }
        size_t n = (size_t)(e - v);
        if (n && n < sizeof c->ident) {
            memcpy(c->ident, v, n);
            c->ident[n] = 0;
            *ident = (st_str){c->ident, n};
        }
        break;
    }
}

/* Integer column by name, or dflt when absent or NULL. */
static int64_t col_int(sqlite3_stmt *q, const char *name, int64_t dflt)
{
    int i = st_secdb_col(q, name);
    return i >= 0 && sqlite3_column_type(q, i) != SQLITE_NULL
               ? sqlite3_column_int64(q, i) : dflt;
}

/* Writes every column of the row plus the decoded type and dates; returns
 * the event time choice in *us (mtime, else ctime). */
static int common_json(ctx *c, sqlite3_stmt *q, int first, int64_t *us)
{
    st_json *j = &c->j;
    st_json_reset(j);
    st_json_cstr(j, "table", c->table);
    int n = sqlite3_column_count(q);
    for (int i = first; i < n; i++) {
        const char *name = sqlite3_column_name(q, i);
        st_json_column(j, name ? name : "?", q, i);
    }
    const char *tn = type_name(col_int(q, "type", 0));
    if (tn)
        st_json_cstr(j, "type_name", tn);
    int64_t ct = 0, mt = 0, ex = 0;
    int has_c = julian_col(j, q, "ctime", &ct);
    int has_m = julian_col(j, q, "mtime", &mt);
    julian_col(j, q, "expires", &ex);
    *us = has_m ? mt : ct;
    return has_m || has_c;
}

/* One authority rule: record + event. */
static int authority_row(void *vc, sqlite3_stmt *q, int64_t rowid,
                         int has_rowid)
{
    ctx *c = vc;
    char locator[80], msg[1536], flags[160] = "";
    snprintf(locator, sizeof locator, "table authority %s %lld",
             has_rowid ? "rowid" : "row", (long long)rowid);
    int64_t t_us = 0;
    int has_time = common_json(c, q, has_rowid ? 1 : 0, &t_us);
    int64_t fl = col_int(q, "flags", 0);
    static const struct { int64_t bit; const char *name; } fnames[] = {
        {0x1, "virtual"}, {0x2, "default"}, {0x4, "inhibit-cache"},
        {0x1000, "allowlist"}, {0x2000, "allowlist-v2"},
        {0x4000, "allowlist-sha256"}};
    st_json_arr(&c->j, "flag_names");
    size_t fk = 0;
    for (size_t i = 0; i < sizeof fnames / sizeof *fnames; i++)
        if (fl & fnames[i].bit) {
            st_json_cstr(&c->j, NULL, fnames[i].name);
            fk += (size_t)snprintf(flags + fk, sizeof flags - fk, ", %s",
                                   fnames[i].name);
        }
    st_json_end(&c->j);
    st_str data = st_json_view(&c->j);
    if (!data.p) {
        st_sink_warnf(c->sink, 0, "%s: out of memory", locator);
        return 1;
    }
    int64_t id = col_int(q, "id", rowid);
    st_str lab = st_secdb_text(q, st_secdb_col(q, "label"));
    keep_label(c, id, lab);
    st_str req = st_secdb_text(q, st_secdb_col(q, "requirement"));
    const char *tn = type_name(col_int(q, "type", 0));
    int64_t ctime_us = 0;
    int ci = st_secdb_col(q, "ctime"), mi = st_secdb_col(q, "mtime");
    int changed = ci >= 0 && mi >= 0 &&
                  st_time_julian_day(sqlite3_column_double(q, ci),
                                     &ctime_us) &&
                  has_time && t_us - ctime_us >= 1000000;
    int k = snprintf(msg, sizeof msg, "Gatekeeper rule #%lld '%.*s' (%s, %s, "
                     "priority %g%s%s)%s", (long long)id,
                     (int)(lab.p ? (lab.n < 200 ? lab.n : 200) : 0),
                     lab.p ? lab.p : "", tn ? tn : "type ?",
                     col_int(q, "allow", 1) ? "allow" : "deny",
                     st_secdb_col(q, "priority") >= 0
                         ? sqlite3_column_double(q,
                                                 st_secdb_col(q, "priority"))
                         : 0.0,
                     col_int(q, "disabled", 0) ? ", disabled" : "", flags,
                     changed ? " changed" : " created");
    if (req.p && k > 0 && (size_t)k < sizeof msg)
        snprintf(msg + k, sizeof msg - (size_t)k, ": %.*s",
                 (int)(req.n < 1024 ? req.n : 1024), req.p);

    st_secdb_item it;
    memset(&it, 0, sizeof it);
    it.rec.kind = "system_policy_authority";
    it.rec.locator = st_cstr(locator);
    it.rec.has_time = has_time;
    it.rec.time_us = t_us;
    requirement_keys(c, req, &it.rec.cdhash, &it.rec.identifier);
    it.rec.data_json = data;
    it.type = "SystemPolicy";
    it.event_type = "systemPolicyAuthority";
    it.message = st_cstr(msg);
    it.time_text = st_secdb_text(q, mi >= 0 ? mi : ci);
    return st_secdb_emit(c->sink, &it);
}

/* One cached object verdict: record + event. */
static int object_row(void *vc, sqlite3_stmt *q, int64_t rowid,
                      int has_rowid)
{
    ctx *c = vc;
    char locator[80], msg[1536];
    snprintf(locator, sizeof locator, "table object %s %lld",
             has_rowid ? "rowid" : "row", (long long)rowid);
    int64_t t_us = 0;
    int has_time = common_json(c, q, has_rowid ? 1 : 0, &t_us);
    int64_t auth = col_int(q, "authority", -1);
    const char *lab = find_label(c, auth);
    if (lab)
        st_json_cstr(&c->j, "authority_label", lab);
    st_str data = st_json_view(&c->j);
    if (!data.p) {
        st_sink_warnf(c->sink, 0, "%s: out of memory", locator);
        return 1;
    }
    /* hash is declared CDHASH: raw bytes (usually) or hex text */
    st_str cdhash = ST_STR_NULL;
    int hi = st_secdb_col(q, "hash");
    if (hi >= 0 && sqlite3_column_type(q, hi) == SQLITE_BLOB) {
        size_t n = (size_t)sqlite3_column_bytes(q, hi);
        const uint8_t *b = sqlite3_column_blob(q, hi);
        if (b && n && n <= 64) {
            static const char hx[] = "0123456789abcdef";
            for (size_t i = 0; i < n; i++) {
                c->cdhash[2 * i] = hx[b[i] >> 4];
                c->cdhash[2 * i + 1] = hx[b[i] & 15];
            }
            c->cdhash[2 * n] = 0;
            cdhash = st_cstr(c->cdhash);
        }
    } else if (hi >= 0 && sqlite3_column_type(q, hi) == SQLITE_TEXT) {
        st_str t = st_secdb_text(q, hi);
        if (t.n && t.n < sizeof c->cdhash) {
            for (size_t i = 0; i < t.n; i++)
                c->cdhash[i] = (t.p[i] >= 'A' && t.p[i] <= 'F')
                                   ? (char)(t.p[i] + 32) : t.p[i];
            c->cdhash[t.n] = 0;
            cdhash = (st_str){c->cdhash, t.n};
        }
    }
    st_str path = st_secdb_text(q, st_secdb_col(q, "path"));
    const char *tn = type_name(col_int(q, "type", 0));
    /* "for PATH (cdhash H, ...)" or, without a path, "for cdhash H (...)" */
    snprintf(msg, sizeof msg, "Gatekeeper cached verdict %s for %.*s%s%s%.*s"
             "%s%s, rule #%lld%s%s%s)",
             col_int(q, "allow", 0) ? "allow" : "deny",
             (int)(path.p ? (path.n < 800 ? path.n : 800) : 0),
             path.p ? path.p : "", path.p ? " (" : "",
             cdhash.p ? "cdhash " : "", (int)cdhash.n,
             cdhash.p ? cdhash.p : "",
             path.p ? (cdhash.p ? ", " : "") : " (", tn ? tn : "type ?",
             (long long)auth, lab ? " '" : "", lab ? lab : "",
             lab ? "'" : "");

    st_secdb_item it;
    memset(&it, 0, sizeof it);
    it.rec.kind = "system_policy_object";
    it.rec.locator = st_cstr(locator);
    it.rec.has_time = has_time;
    it.rec.time_us = t_us;
    it.rec.path = path;
    it.rec.cdhash = cdhash;
    it.rec.data_json = data;
    it.type = "SystemPolicy";
    it.event_type = "systemPolicyObject";
    it.message = st_cstr(msg);
    int mi = st_secdb_col(q, "mtime");
    it.time_text = st_secdb_text(q, mi >= 0 ? mi : st_secdb_col(q, "ctime"));
    return st_secdb_emit(c->sink, &it);
}

/* Authorities first (their labels name the objects' rules), then objects;
 * damage in one table does not stop the other. */
static int read_db(st_secdb *db, st_sink *sink, char *err, size_t errlen)
{
    ctx c;
    memset(&c, 0, sizeof c);
    c.sink = sink;
    st_json_init(&c.j);
    int result = ST_READ_OK;
    static const char *const tables[] = {"authority", "object"};
    st_secdb_row_fn fns[] = {authority_row, object_row};
    for (int t = 0; t < 2; t++) {
        char e[256] = "";
        c.table = tables[t];
        int rc = st_secdb_each_row(db, tables[t], fns[t], &c, e, sizeof e);
        if (rc == ST_READ_STOPPED) {
            result = rc;
            break;
        }
        if (rc != ST_READ_OK) {
            st_sink_warnf(sink, 0, "%s", e);
            if (result == ST_READ_OK)
                snprintf(err, errlen, "%s", e);
            result = ST_READ_INPUT_ERROR;
        }
    }
    for (size_t i = 0; i < c.nlabels; i++)
        free(c.labels[i].label);
    free(c.labels);
    st_json_free(&c.j);
    return result;
}

const st_secdb_format st_secdb_systempolicy = {
    "systempolicy", "a SystemPolicy database", matches, read_db};

/* The st_parser read: evidence-safe open, then read_db. */
static int read_input(st_input *in, const st_parse_opts *opts, st_sink *sink,
                      char *err, size_t errlen)
{
    (void)opts;
    return st_secdb_run(in, sink, &st_secdb_systempolicy, err, errlen);
}

const st_parser st_parser_systempolicy = {
    "systempolicy", "1.0",
    "macOS Gatekeeper SystemPolicy database (authority rules, object "
    "verdict cache)",
    bid, read_input};
