/*
 * db_execpolicy.c -- syspolicyd's ExecPolicy database
 * (/var/db/SystemPolicyConfiguration/ExecPolicy, CODESIGNING.md §3.3).
 * Not open source and its schema changes with macOS versions, so every
 * table is read with SELECT * and every column by name: known columns feed
 * the lookup keys, all columns are kept in data_json under their own names,
 * and tables sigtrail has never seen still become records.
 *
 * Times: `timestamp`, `*_timestamp`, `*_time` and `ts` columns are Unix
 * seconds (UTC); `last_seen` is SQLite datetime('now') text (UTC).  Each
 * converted time is added to data_json as "<column>_utc".  The row's own
 * time is `timestamp` (or `last_seen`).
 *
 * Every row becomes a record of kind "exec_policy" with data.table naming
 * its table, and an "ExecPolicy" event.
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "sqlite_evidence.h"

/* Tables that identify an ExecPolicy database (any one suffices). */
static const char *const known_tables[] = {
    "executable_measurements_v2", "policy_scan_cache", "provenance_tracking",
    "legacy_exec_history_v4", "scan_targets_v2", NULL};

/* Any of the ExecPolicy table families named in the head bytes. */
static int bid(const uint8_t *head, size_t n, int at_eof)
{
    static const char *const any[] = {
        "executable_measurements", "policy_scan_cache",
        "provenance_tracking", "legacy_exec_history", "scan_targets_v",
        NULL};
    (void)at_eof;
    return st_secdb_bid_tables(head, n, NULL, any, 90);
}

/* Confirmed when one known table exists. */
static int matches(st_secdb *db)
{
    for (size_t i = 0; known_tables[i]; i++)
        if (st_secdb_has_table(db, known_tables[i]))
            return 1;
    return 0;
}

/* What a row of each known table means on the timeline. */
static const struct tspec {
    const char *table, *event_type, *phrase, *main_col;
} specs[] = {
    {"executable_measurements_v2", "execPolicyMeasurement",
     "executable measured by syspolicyd:", "signing_identifier"},
    {"policy_scan_cache", "execPolicyScan",
     "Gatekeeper scan result cached for", "bundle_id"},
    {"provenance_tracking", "execPolicyProvenance",
     "provenance tracked for", "url"},
    {"legacy_exec_history_v4", "execPolicyLegacyExec",
     "legacy exec history:", "exec_path"},
    {"scan_targets_v2", "execPolicyScanTarget", "queued for scanning:",
     "path"},
    {"historic_gk_overrides", "execPolicyGatekeeperOverride",
     "Gatekeeper override recorded", NULL},
    {"historic_malware_blocks", "execPolicyMalwareBlock",
     "malware block recorded for cdhash", "cdhash"},
};

/* 1 when a column holds a time by its name (see the header comment). */
static int is_time_col(const char *name)
{
    size_t n = strlen(name);
    return strcasecmp(name, "timestamp") == 0 ||
           strcasecmp(name, "last_seen") == 0 ||
           strcasecmp(name, "ts") == 0 ||
           (n > 10 && strcasecmp(name + n - 10, "_timestamp") == 0) ||
           (n > 5 && strcasecmp(name + n - 5, "_time") == 0);
}

/* Converts a time column: numbers are Unix seconds, text a UTC
 * datetime.  Returns 1 with *us set. */
static int col_time(sqlite3_stmt *q, int i, int64_t *us)
{
    switch (sqlite3_column_type(q, i)) {
    case SQLITE_INTEGER:
    case SQLITE_FLOAT:
        return st_time_unix(sqlite3_column_double(q, i), us);
    case SQLITE_TEXT: {
        st_str t = st_secdb_text(q, i);
        return st_time_sqlite_text(t.p, t.n, us);
    }
    default:
        return 0;
    }
}

/* The first of `names` holding text; NULL view if none does. */
static st_str first_text(sqlite3_stmt *q, const char *const *names)
{
    for (size_t i = 0; names[i]; i++) {
        int c = st_secdb_col(q, names[i]);
        if (c >= 0 && sqlite3_column_type(q, c) == SQLITE_TEXT)
            return st_secdb_text(q, c);
    }
    return ST_STR_NULL;
}

typedef struct ctx {
    st_sink *sink;
    const char *table;
    const struct tspec *spec;
    st_json j;
    int time_warned;
    char cdhash[130];
} ctx;

/* A cdhash key in lower-case hex, from hex text or raw bytes. */
static st_str cdhash_key(ctx *c, sqlite3_stmt *q)
{
    static const char *const names[] = {"cdhash", "cd_hash", NULL};
    for (size_t i = 0; names[i]; i++) {
        int col = st_secdb_col(q, names[i]);
        if (col < 0)
            continue;
        int ty = sqlite3_column_type(q, col);
        if (ty == SQLITE_BLOB) {
            size_t n = (size_t)sqlite3_column_bytes(q, col);
            const uint8_t *b = sqlite3_column_blob(q, col);
            if (!b || n == 0 || n > 64)
                continue;
            static const char hx[] = "0123456789abcdef";
            for (size_t k = 0; k < n; k++) {
                c->cdhash[2 * k] = hx[b[k] >> 4];
                c->cdhash[2 * k + 1] = hx[b[k] & 15];
            }
            c->cdhash[2 * n] = 0;
            return st_cstr(c->cdhash);
        }
        if (ty == SQLITE_TEXT) {
            st_str t = st_secdb_text(q, col);
            if (t.n == 0 || t.n >= sizeof c->cdhash)
                continue;
            for (size_t k = 0; k < t.n; k++) {
                char ch = t.p[k];
                c->cdhash[k] = (ch >= 'A' && ch <= 'F') ? (char)(ch + 32)
                                                        : ch;
            }
            c->cdhash[t.n] = 0;
            return (st_str){c->cdhash, t.n};
        }
    }
    return ST_STR_NULL;
}

/* Appends " (col value, ...)" for the row's other informative columns. */
static size_t describe(sqlite3_stmt *q, int first, int skip1, int skip2,
                       char *msg, size_t k, size_t cap)
{
    int n = sqlite3_column_count(q), shown = 0;
    for (int i = first; i < n && k + 8 < cap; i++) {
        int ty = sqlite3_column_type(q, i);
        const char *name = sqlite3_column_name(q, i);
        if (i == skip1 || i == skip2 || ty == SQLITE_NULL ||
            ty == SQLITE_BLOB || !name || is_time_col(name))
            continue;
        st_str v = st_secdb_text(q, i);
        if (!v.p || v.n == 0)
            continue;
        k += (size_t)snprintf(msg + k, cap - k, "%s%s %.*s",
                              shown ? ", " : " (", name,
                              (int)(v.n < 200 ? v.n : 200), v.p);
        shown++;
    }
    if (shown && k + 1 < cap)
        k += (size_t)snprintf(msg + k, cap - k, ")");
    return k < cap ? k : cap - 1;
}

/* One row of any ExecPolicy table: record + event. */
static int one_row(void *vc, sqlite3_stmt *q, int64_t rowid, int has_rowid)
{
    ctx *c = vc;
    char locator[300], iso[40], msg[2048];
    snprintf(locator, sizeof locator, "table %.200s %s %lld", c->table,
             has_rowid ? "rowid" : "row", (long long)rowid);
    int first = has_rowid ? 1 : 0, n = sqlite3_column_count(q);
    int tcol = st_secdb_col(q, "timestamp");
    if (tcol < 0 || sqlite3_column_type(q, tcol) == SQLITE_NULL)
        tcol = st_secdb_col(q, "last_seen");

    st_json *j = &c->j;
    st_json_reset(j);
    st_json_cstr(j, "table", c->table);
    for (int i = first; i < n; i++) {
        const char *name = sqlite3_column_name(q, i);
        st_json_column(j, name ? name : "?", q, i);
    }
    /* derived UTC forms of every time column */
    int64_t t_us = 0;
    int has_time = 0;
    for (int i = first; i < n; i++) {
        const char *name = sqlite3_column_name(q, i);
        int64_t us;
        if (!name || !is_time_col(name) || !col_time(q, i, &us))
            continue;
        char key[160];
        snprintf(key, sizeof key, "%.150s_utc", name);
        st_time_iso(us, iso, sizeof iso);
        st_json_cstr(j, key, iso);
        if (i == tcol) {
            has_time = 1;
            t_us = us;
        }
    }
    if (tcol >= 0 && !has_time &&
        sqlite3_column_type(q, tcol) != SQLITE_NULL && !c->time_warned++) {
        st_str t = st_secdb_text(q, tcol);
        st_sink_warnf(c->sink, 0, "%s: %s '%.*s' is not a time this "
                      "parser knows; such rows have no time", locator,
                      sqlite3_column_name(q, tcol),
                      (int)(t.n < 40 ? t.n : 40), t.p ? t.p : "");
    }
    st_str data = st_json_view(j);
    if (!data.p) {
        st_sink_warnf(c->sink, 0, "%s: out of memory", locator);
        return 1;
    }

    static const char *const path_cols[] = {"exec_path", "path", "url",
                                            "file_path", NULL};
    static const char *const team_cols[] = {"team_identifier", "team_id",
                                            NULL};
    static const char *const ident_cols[] = {"signing_identifier",
                                             "signing_id", NULL};
    static const char *const bundle_cols[] = {"bundle_identifier",
                                              "bundle_id", NULL};
    st_str path = first_text(q, path_cols);
    st_str bundle = first_text(q, bundle_cols);
    if (bundle.p && bundle.n == 12 &&
        memcmp(bundle.p, "NOT_A_BUNDLE", 12) == 0)
        bundle = ST_STR_NULL;    /* syspolicyd's marker for bare files */
    st_str ident = first_text(q, ident_cols);
    st_str team = first_text(q, team_cols);
    st_str cdhash = cdhash_key(c, q);
    /* SQLite's column_type is only defined before a column's value is
     * converted, so every typed read happens before describe() turns
     * numbers into text. */
    int uid = st_secdb_col(q, "uid");
    int has_user = uid >= 0 && sqlite3_column_type(q, uid) == SQLITE_INTEGER;
    int64_t user = has_user ? sqlite3_column_int64(q, uid) : 0;
    int main_col = c->spec && c->spec->main_col
                       ? st_secdb_col(q, c->spec->main_col) : -1;
    st_str mainv = main_col >= 0 &&
                           sqlite3_column_type(q, main_col) != SQLITE_BLOB
                       ? st_secdb_text(q, main_col) : ST_STR_NULL;

    size_t k;
    if (c->spec)
        k = (size_t)snprintf(msg, sizeof msg, "%s", c->spec->phrase);
    else
        k = (size_t)snprintf(msg, sizeof msg, "ExecPolicy %.200s row",
                             c->table);
    if (mainv.p && mainv.n)
        k += (size_t)snprintf(msg + k, sizeof msg - k, " %.*s",
                              (int)(mainv.n < 600 ? mainv.n : 600), mainv.p);
    describe(q, first, main_col, tcol, msg, k, sizeof msg);

    st_secdb_item it;
    memset(&it, 0, sizeof it);
    it.rec.kind = "exec_policy";
    it.rec.locator = st_cstr(locator);
    it.rec.has_time = has_time;
    it.rec.time_us = t_us;
    it.rec.path = path;
    it.rec.bundle_id = bundle;
    it.rec.cdhash = cdhash;
    it.rec.team_id = team;
    it.rec.identifier = ident;
    it.rec.data_json = data;
    it.type = "ExecPolicy";
    it.event_type = c->spec ? c->spec->event_type : "execPolicyRow";
    it.process = ident;
    it.message = st_cstr(msg);
    it.time_text = tcol >= 0 ? st_secdb_text(q, tcol) : ST_STR_NULL;
    it.has_user = has_user;
    it.user_id = user;
    return st_secdb_emit(c->sink, &it);
}

/* Reads every table; a damaged table is reported and the others still
 * read, the result being partial. */
static int read_db(st_secdb *db, st_sink *sink, char *err, size_t errlen)
{
    ctx c;
    memset(&c, 0, sizeof c);
    c.sink = sink;
    st_json_init(&c.j);
    int result = ST_READ_OK;
    for (size_t t = 0; t < db->ntables; t++) {
        c.table = db->tables[t];
        c.spec = NULL;
        c.time_warned = 0;
        for (size_t s = 0; s < sizeof specs / sizeof *specs; s++)
            if (strcmp(specs[s].table, c.table) == 0)
                c.spec = &specs[s];
        char e[256] = "";
        int rc = st_secdb_each_row(db, c.table, one_row, &c, e, sizeof e);
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
    st_json_free(&c.j);
    return result;
}

const st_secdb_format st_secdb_execpolicy = {
    "execpolicy", "an ExecPolicy database", matches, read_db};

/* The st_parser read: evidence-safe open, then read_db. */
static int read_input(st_input *in, const st_parse_opts *opts, st_sink *sink,
                      char *err, size_t errlen)
{
    (void)opts;
    return st_secdb_run(in, sink, &st_secdb_execpolicy, err, errlen);
}

const st_parser st_parser_execpolicy = {
    "execpolicy", "1.0",
    "macOS syspolicyd ExecPolicy database (measurements, scan cache, "
    "provenance, exec history)",
    bid, read_input};
