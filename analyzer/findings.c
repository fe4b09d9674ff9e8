/*
 * findings.c -- findings into the case.  See findings.h.
 */
#include "findings.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jsonw.h"

/* The columns written, in one place for the case's tables, the staging
 * tables and the move between them. */
#define FINDING_COLS                                                       \
    "run_id,rule_id,rule_version,rule_file,level,verdict,subject_path,pid," \
    "bundle_id,uuid,reasons,codes,notes,explanation,first_us,last_us,"      \
    "emitted_us"
#define EVIDENCE_COLS                                                      \
    "ord,role,event_id,record_id,source_id,line,locator,time_us,"           \
    "utc_offset_min,process,pid,message"

int st_findings_stage_begin(st_store *st)
{
    return sqlite3_exec(st_store_db(st),
        "DROP TABLE IF EXISTS temp.staged_findings;"
        "DROP TABLE IF EXISTS temp.staged_evidence;"
        "CREATE TEMP TABLE staged_findings(id INTEGER PRIMARY KEY, "
        FINDING_COLS ");"
        "CREATE TEMP TABLE staged_evidence(finding_id, " EVIDENCE_COLS ");",
        NULL, NULL, NULL) == SQLITE_OK ? 0 : -1;
}

int st_findings_stage_commit(st_store *st)
{
    sqlite3 *db = st_store_db(st);
    sqlite3_stmt *q;
    int64_t off = 0;
    if (sqlite3_prepare_v2(db, "SELECT coalesce(max(id), 0) FROM "
                           "main.findings", -1, &q, NULL) != SQLITE_OK)
        return -1;
    if (sqlite3_step(q) == SQLITE_ROW)
        off = sqlite3_column_int64(q, 0);
    sqlite3_finalize(q);
    const char *sql[] = {
        "INSERT INTO main.findings(id," FINDING_COLS ") SELECT id + ?1, "
        FINDING_COLS " FROM temp.staged_findings ORDER BY id",
        "INSERT INTO main.finding_evidence(finding_id," EVIDENCE_COLS ") "
        "SELECT finding_id + ?1, " EVIDENCE_COLS " FROM temp.staged_evidence"
        " ORDER BY rowid"};
    for (int i = 0; i < 2; i++) {
        if (sqlite3_prepare_v2(db, sql[i], -1, &q, NULL) != SQLITE_OK)
            return -1;
        sqlite3_bind_int64(q, 1, off);
        int rc = sqlite3_step(q);
        sqlite3_finalize(q);
        if (rc != SQLITE_DONE)
            return -1;
    }
    return sqlite3_exec(db, "DROP TABLE temp.staged_findings;"
                            "DROP TABLE temp.staged_evidence;",
                        NULL, NULL, NULL) == SQLITE_OK ? 0 : -1;
}

int st_findings_clear(st_store *st, const char *rule_id, int version)
{
    sqlite3 *db = st_store_db(st);
    const char *sql[] = {
        "DELETE FROM finding_evidence WHERE finding_id IN (SELECT id FROM "
        "findings WHERE rule_id = ?1 AND rule_version = ?2)",
        "DELETE FROM findings WHERE rule_id = ?1 AND rule_version = ?2"};
    for (int i = 0; i < 2; i++) {
        sqlite3_stmt *q;
        if (sqlite3_prepare_v2(db, sql[i], -1, &q, NULL) != SQLITE_OK)
            return -1;
        sqlite3_bind_text(q, 1, rule_id, -1, SQLITE_TRANSIENT);
        sqlite3_bind_int(q, 2, version);
        int rc = sqlite3_step(q);
        sqlite3_finalize(q);
        if (rc != SQLITE_DONE)
            return -1;
    }
    return 0;
}

int st_findings_clear_set(st_store *st, const st_ruleset *rules)
{
    sqlite3 *db = st_store_db(st);
    /* The set as a JSON array of "id<TAB>version", bound as one value. */
    st_buf set = {0};
    st_buf_str(&set, "[");
    for (int i = 0; i < rules->nrules; i++) {
        st_buf key = {0};
        st_buf_printf(&key, "%s\t%d", rules->rules[i]->id,
                      rules->rules[i]->version);
        st_buf_str(&set, i ? "," : "");
        st_buf_json(&set, key.p);
        st_buf_free(&key);
    }
    st_buf_str(&set, "]");
    sqlite3_stmt *q;
    int others = -1;
    if (sqlite3_prepare_v2(db, "SELECT EXISTS(SELECT 1 FROM findings "
                           "WHERE rule_id || char(9) || coalesce("
                           "rule_version, '') NOT IN (SELECT value FROM "
                           "json_each(?1)))", -1, &q, NULL) == SQLITE_OK) {
        sqlite3_bind_text(q, 1, set.p, -1, SQLITE_TRANSIENT);
        if (sqlite3_step(q) == SQLITE_ROW)
            others = sqlite3_column_int(q, 0);
        sqlite3_finalize(q);
    }
    st_buf_free(&set);
    if (others < 0)
        return -1;
    if (!others)    /* everything goes: SQLite then drops whole pages */
        return sqlite3_exec(db, "DELETE FROM finding_evidence; "
                            "DELETE FROM findings;", NULL, NULL, NULL)
                       == SQLITE_OK ? 0 : -1;
    for (int i = 0; i < rules->nrules; i++)
        if (st_findings_clear(st, rules->rules[i]->id,
                              rules->rules[i]->version) < 0)
            return -1;
    return 0;
}

static void bind_opt(sqlite3_stmt *q, int col, const char *s)
{
    if (s)
        sqlite3_bind_text(q, col, s, -1, SQLITE_TRANSIENT);
    else
        sqlite3_bind_null(q, col);
}

struct st_findings_writer {
    sqlite3 *db;
    sqlite3_stmt *finding, *evidence;
};

st_findings_writer *st_findings_writer_open(st_store *st, int staged)
{
    st_findings_writer *w = calloc(1, sizeof *w);
    if (!w)
        return NULL;
    w->db = st_store_db(st);
    char sql[512];
    snprintf(sql, sizeof sql, "INSERT INTO %s(" FINDING_COLS ") VALUES(?,?,"
             "?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
             staged ? "temp.staged_findings" : "main.findings");
    int rc = sqlite3_prepare_v2(w->db, sql, -1, &w->finding, NULL);
    snprintf(sql, sizeof sql, "INSERT INTO %s(finding_id," EVIDENCE_COLS
             ") VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?)",
             staged ? "temp.staged_evidence" : "main.finding_evidence");
    if (rc == SQLITE_OK)
        rc = sqlite3_prepare_v2(w->db, sql, -1, &w->evidence, NULL);
    if (rc != SQLITE_OK) {
        st_findings_writer_close(w);
        return NULL;
    }
    return w;
}

void st_findings_writer_close(st_findings_writer *w)
{
    if (!w)
        return;
    sqlite3_finalize(w->finding);
    sqlite3_finalize(w->evidence);
    free(w);
}

/* Renders the finding's reasons, codes and notes as the JSON arrays the
 * findings table keeps. */
static void finding_json(const st_finding *f, st_buf *reasons, st_buf *codes,
                         st_buf *notes)
{
    st_buf_str(reasons, "[");
    for (int i = 0; i < f->nreasons; i++) {
        st_buf_str(reasons, i ? ",{\"id\":" : "{\"id\":");
        st_buf_json(reasons, f->reasons[i].id);
        st_buf_str(reasons, ",\"text\":");
        st_buf_json(reasons, f->reasons[i].text);
        st_buf_str(reasons, ",\"evidence\":[");
        for (int k = 0; k < f->reasons[i].nev; k++)
            st_buf_printf(reasons, "%s%d", k ? "," : "", f->reasons[i].ev[k]);
        st_buf_str(reasons, "]}");
    }
    st_buf_str(reasons, "]");
    st_buf_str(codes, "[");
    for (int i = 0; i < f->ncodes; i++) {
        st_buf_printf(codes, "%s{\"code\":%d,\"name\":", i ? "," : "",
                      f->codes[i].code);
        st_buf_json(codes, f->codes[i].name);
        st_buf_printf(codes, ",\"count\":%d,\"reported_by\":",
                      f->codes[i].count);
        st_buf_json(codes, f->codes[i].reporters);
        st_buf_str(codes, "}");
    }
    st_buf_str(codes, "]");
    st_buf_str(notes, "[");
    for (int i = 0; i < f->nnotes; i++) {
        if (i)
            st_buf_str(notes, ",");
        st_buf_json(notes, f->notes[i]);
    }
    st_buf_str(notes, "]");
}

int64_t st_findings_write(st_findings_writer *w, int64_t run_id,
                          const st_finding *f)
{
    st_buf reasons = {0}, codes = {0}, notes = {0};
    finding_json(f, &reasons, &codes, &notes);
    sqlite3_stmt *q = w->finding;
    int64_t id = -1;
    sqlite3_bind_int64(q, 1, run_id);
    bind_opt(q, 2, f->rule->id);
    sqlite3_bind_int(q, 3, f->rule->version);
    bind_opt(q, 4, f->rule->file);
    bind_opt(q, 5, f->rule->level);
    bind_opt(q, 6, f->verdict);
    bind_opt(q, 7, f->subject_path);
    if (f->has_pid)
        sqlite3_bind_int64(q, 8, f->subject_pid);
    else
        sqlite3_bind_null(q, 8);
    bind_opt(q, 9, f->subject_bundle);
    bind_opt(q, 10, f->subject_uuid);
    bind_opt(q, 11, reasons.p);
    bind_opt(q, 12, codes.p);
    bind_opt(q, 13, notes.p);
    bind_opt(q, 14, f->explanation);
    sqlite3_bind_int64(q, 15, f->first_us);
    sqlite3_bind_int64(q, 16, f->last_us);
    sqlite3_bind_int64(q, 17, f->emitted_us);
    if (sqlite3_step(q) == SQLITE_DONE)
        id = sqlite3_last_insert_rowid(w->db);
    sqlite3_reset(q);
    st_buf_free(&reasons);
    st_buf_free(&codes);
    st_buf_free(&notes);
    if (id < 0)
        return -1;
    q = w->evidence;
    for (int i = 0; i < f->nev; i++) {
        const st_evidence *d = &f->ev[i];
        sqlite3_bind_int64(q, 1, id);
        sqlite3_bind_int(q, 2, i);
        bind_opt(q, 3, d->role);
        if (d->event_id) sqlite3_bind_int64(q, 4, d->event_id);
        else sqlite3_bind_null(q, 4);
        if (d->record_id) sqlite3_bind_int64(q, 5, d->record_id);
        else sqlite3_bind_null(q, 5);
        sqlite3_bind_int64(q, 6, d->source_id);
        if (d->line) sqlite3_bind_int64(q, 7, d->line);
        else sqlite3_bind_null(q, 7);
        bind_opt(q, 8, d->locator);
        if (d->has_time) sqlite3_bind_int64(q, 9, d->time_us);
        else sqlite3_bind_null(q, 9);
        sqlite3_bind_int(q, 10, d->off_min);
        bind_opt(q, 11, d->process);
        if (d->has_pid) sqlite3_bind_int64(q, 12, d->pid);
        else sqlite3_bind_null(q, 12);
        bind_opt(q, 13, d->message);
        int rc = sqlite3_step(q);
        sqlite3_reset(q);
        if (rc != SQLITE_DONE)
            return -1;
    }
    return id;
}
