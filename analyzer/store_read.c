/*
 * store_read.c -- time-ordered event scans and record lookups.  See
 * store_read.h.
 */
#include "store_read.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The strings table in memory: id -> text. */
typedef struct strtab {
    char **s;
    size_t *n;
    int64_t count;
} strtab;

static void strtab_free(strtab *t)
{
    for (int64_t i = 0; i < t->count; i++)
        free(t->s[i]);
    free(t->s);
    free(t->n);
}

/* Loads every interned string; ids are dense from 1. */
static int strtab_load(sqlite3 *db, strtab *t)
{
    memset(t, 0, sizeof *t);
    sqlite3_stmt *q;
    int64_t max = 0;
    if (sqlite3_prepare_v2(db, "SELECT max(id) FROM strings", -1, &q, NULL))
        return -1;
    if (sqlite3_step(q) == SQLITE_ROW)
        max = sqlite3_column_int64(q, 0);
    sqlite3_finalize(q);
    t->count = max + 1;
    t->s = calloc((size_t)t->count, sizeof *t->s);
    t->n = calloc((size_t)t->count, sizeof *t->n);
    if (!t->s || !t->n)
        return -1;
    if (sqlite3_prepare_v2(db, "SELECT id, value FROM strings", -1, &q, NULL))
        return -1;
    while (sqlite3_step(q) == SQLITE_ROW) {
        int64_t id = sqlite3_column_int64(q, 0);
        if (id <= 0 || id >= t->count)
            continue;
        int n = sqlite3_column_bytes(q, 1);
        t->s[id] = malloc((size_t)n + 1);
        if (t->s[id]) {
            memcpy(t->s[id], sqlite3_column_text(q, 1), (size_t)n);
            t->s[id][n] = 0;
            t->n[id] = (size_t)n;
        }
    }
    sqlite3_finalize(q);
    return 0;
}

static st_str sview(const strtab *t, sqlite3_stmt *q, int col)
{
    if (sqlite3_column_type(q, col) == SQLITE_NULL)
        return ST_STR_NULL;
    int64_t id = sqlite3_column_int64(q, col);
    if (id <= 0 || id >= t->count || !t->s[id])
        return ST_STR_NULL;
    return (st_str){t->s[id], t->n[id]};
}

static st_str tview(sqlite3_stmt *q, int col)
{
    if (sqlite3_column_type(q, col) == SQLITE_NULL)
        return ST_STR_NULL;
    const char *p = (const char *)sqlite3_column_text(q, col);
    return (st_str){p ? p : "", (size_t)sqlite3_column_bytes(q, col)};
}

#define COLS                                                               \
    "e.id, e.source_id, e.line, e.byte_offset, e.time_us, "                \
    "e.utc_offset_min, e.time_text, e.type_id, e.thread_id, "              \
    "e.activity_id, e.pid, e.ttl, e.process_id, e.sender_id, "             \
    "e.subsystem_id, e.category_id, e.message, d.locator, "                \
    "d.event_type_id, d.parent_activity_id, d.user_id, d.trace_id, "       \
    "d.mach_timestamp, d.sender_pc, d.signpost_id, d.process_path_id, "    \
    "d.sender_path_id, d.format_string_id, d.process_uuid, d.sender_uuid, "\
    "d.boot_uuid, d.timezone_name, d.signpost_name, d.signpost_scope, "    \
    "d.signpost_type, d.backtrace, d.source_json, d.extra"

int64_t st_store_scan(st_store *st, const st_scan_filter *f, st_scan_fn fn,
                      void *ctx)
{
    sqlite3 *db = st_store_db(st);
    strtab t;
    if (strtab_load(db, &t) < 0) {
        strtab_free(&t);
        return -1;
    }
    /* Text-only cases have no detail rows: skip the per-row join probe
     * (measured ~2x faster scans) by joining an empty subquery instead. */
    int details = 0;
    sqlite3_stmt *dq;
    if (sqlite3_prepare_v2(db, "SELECT EXISTS(SELECT 1 FROM event_details)",
                           -1, &dq, NULL) == SQLITE_OK) {
        if (sqlite3_step(dq) == SQLITE_ROW)
            details = sqlite3_column_int(dq, 0);
        sqlite3_finalize(dq);
    }
    char sql[1200];
    snprintf(sql, sizeof sql,
             "SELECT " COLS " FROM events e LEFT JOIN %s d ON "
             "d.event_id = e.id WHERE (?1 IS NULL OR e.time_us >= ?1) AND "
             "(?2 IS NULL OR e.time_us <= ?2) AND (?3 = 0 OR e.source_id = ?3)"
             "%s ORDER BY e.time_us, e.id",
             details ? "event_details"
                     : "(SELECT * FROM event_details WHERE 0)",
             f && f->event_ids ? " AND e.id IN (SELECT value FROM "
                                 "json_each(?4))" : "");
    sqlite3_stmt *q;
    if (sqlite3_prepare_v2(db, sql, -1, &q, NULL) != SQLITE_OK) {
        strtab_free(&t);
        return -1;
    }
    if (f && f->has_from)
        sqlite3_bind_int64(q, 1, f->from_us);
    if (f && f->has_to)
        sqlite3_bind_int64(q, 2, f->to_us);
    sqlite3_bind_int64(q, 3, f ? f->source_id : 0);
    char *ids = NULL;
    if (f && f->event_ids) {
        ids = malloc((size_t)f->nevent_ids * 21 + 3);
        size_t o = 0;
        ids[o++] = '[';
        for (int i = 0; i < f->nevent_ids; i++)
            o += (size_t)sprintf(ids + o, "%s%lld", i ? "," : "",
                                 (long long)f->event_ids[i]);
        ids[o++] = ']';
        ids[o] = 0;
        sqlite3_bind_text(q, 4, ids, -1, SQLITE_TRANSIENT);
    }
    int64_t n = 0;
    st_event ev;
    while (sqlite3_step(q) == SQLITE_ROW) {
        memset(&ev, 0, sizeof ev);
        ev.id = sqlite3_column_int64(q, 0);
        ev.source_id = sqlite3_column_int64(q, 1);
        ev.line = sqlite3_column_int64(q, 2);
        ev.byte_offset = sqlite3_column_type(q, 3) == SQLITE_NULL
                             ? -1 : sqlite3_column_int64(q, 3);
#define HAS(col, bit, dst, T)                                              \
    if (sqlite3_column_type(q, col) != SQLITE_NULL) {                      \
        ev.dst = (T)sqlite3_column_int64(q, col);                          \
        ev.has |= bit;                                                     \
    }
        HAS(4, ST_HAS_TIME, time_us, int64_t)
        HAS(5, ST_HAS_OFFSET, utc_offset_min, int32_t)
        ev.time_text = tview(q, 6);
        ev.type = sview(&t, q, 7);
        HAS(8, ST_HAS_THREAD, thread_id, uint64_t)
        HAS(9, ST_HAS_ACTIVITY, activity_id, uint64_t)
        HAS(10, ST_HAS_PID, pid, int64_t)
        HAS(11, ST_HAS_TTL, ttl, int64_t)
        ev.process = sview(&t, q, 12);
        ev.sender = sview(&t, q, 13);
        ev.subsystem = sview(&t, q, 14);
        ev.category = sview(&t, q, 15);
        ev.message = tview(q, 16);
        ev.locator = tview(q, 17);
        ev.event_type = sview(&t, q, 18);
        HAS(19, ST_HAS_PARENT_ACT, parent_activity_id, uint64_t)
        HAS(20, ST_HAS_USER, user_id, int64_t)
        HAS(21, ST_HAS_TRACE, trace_id, uint64_t)
        HAS(22, ST_HAS_MACH, mach_timestamp, uint64_t)
        HAS(23, ST_HAS_SENDER_PC, sender_pc, uint64_t)
        HAS(24, ST_HAS_SIGNPOST_ID, signpost_id, uint64_t)
#undef HAS
        ev.process_path = sview(&t, q, 25);
        ev.sender_path = sview(&t, q, 26);
        ev.format_string = sview(&t, q, 27);
        ev.process_uuid = tview(q, 28);
        ev.sender_uuid = tview(q, 29);
        ev.boot_uuid = tview(q, 30);
        ev.timezone_name = tview(q, 31);
        ev.signpost_name = tview(q, 32);
        ev.signpost_scope = tview(q, 33);
        ev.signpost_type = tview(q, 34);
        ev.backtrace_json = tview(q, 35);
        ev.source_json = tview(q, 36);
        ev.extra_json = tview(q, 37);
        n++;
        if (fn(ctx, &ev))
            break;
    }
    sqlite3_finalize(q);
    free(ids);
    strtab_free(&t);
    return n;
}

int st_store_lookup_records(void *ctx, const char *kind, const char *column,
                            int op, st_str value, st_lookup_hit *hits,
                            int max)
{
    st_store *st = ctx;
    static const char *const cols[] = {"path", "uuid", "bundle_id", "cdhash",
                                       "team_id", "identifier", "data"};
    int ci = -1;
    for (int i = 0; i < 7; i++)
        if (!strcmp(column, cols[i]))
            ci = i;
    /* the value is bound; only the fixed column name and operator are
     * placed in the SQL text */
    int begins = op == '^', contains = op == '~';
    char sql[512];
    /* the column name comes from the fixed list above, never from data */
    char cond[200] = "";
    if (ci >= 0 && begins)
        snprintf(cond, sizeof cond, " AND substr(%s, 1, length(?2)) = ?2",
                 cols[ci]);
    else if (ci >= 0 && contains)
        snprintf(cond, sizeof cond, " AND instr(%s, ?2) > 0", cols[ci]);
    else if (ci >= 0)
        snprintf(cond, sizeof cond, " AND %s = ?2", cols[ci]);
    snprintf(sql, sizeof sql,
             "SELECT id, source_id, time_us, locator, kind, coalesce(path, "
             "identifier, uuid, ''), substr(coalesce(data,''),1,160) FROM "
             "records WHERE (?1 = '*' OR kind = ?1)%s ORDER BY time_us, id",
             cond);
    sqlite3_stmt *q;
    if (sqlite3_prepare_v2(st_store_db(st), sql, -1, &q, NULL) != SQLITE_OK)
        return -1;
    sqlite3_bind_text(q, 1, kind, -1, SQLITE_TRANSIENT);
    if (ci >= 0)
        sqlite3_bind_text(q, 2, value.p ? value.p : "", (int)value.n,
                          SQLITE_TRANSIENT);
    int n = 0;
    while (sqlite3_step(q) == SQLITE_ROW) {
        if (n < max) {
            st_lookup_hit *h = &hits[n];
            memset(h, 0, sizeof *h);
            h->record_id = sqlite3_column_int64(q, 0);
            h->source_id = sqlite3_column_int64(q, 1);
            h->has_time = sqlite3_column_type(q, 2) != SQLITE_NULL;
            h->time_us = sqlite3_column_int64(q, 2);
            snprintf(h->locator, sizeof h->locator, "%s",
                     (const char *)sqlite3_column_text(q, 3)
                         ? (const char *)sqlite3_column_text(q, 3) : "");
            snprintf(h->summary, sizeof h->summary, "%s record for %s: %s",
                     (const char *)sqlite3_column_text(q, 4),
                     (const char *)sqlite3_column_text(q, 5),
                     (const char *)sqlite3_column_text(q, 6));
        }
        n++;
    }
    sqlite3_finalize(q);
    return n;
}

const char *st_store_source_path(st_store *st, int64_t source_id)
{
    static __thread char buf[1024];
    sqlite3_stmt *q;
    buf[0] = 0;
    if (sqlite3_prepare_v2(st_store_db(st), "SELECT path, member FROM "
                           "sources WHERE id = ?", -1, &q, NULL) != SQLITE_OK)
        return buf;
    sqlite3_bind_int64(q, 1, source_id);
    if (sqlite3_step(q) == SQLITE_ROW) {
        const char *p = (const char *)sqlite3_column_text(q, 0);
        const char *m = (const char *)sqlite3_column_text(q, 1);
        snprintf(buf, sizeof buf, "%s%s%s", p ? p : "", m ? ":" : "",
                 m ? m : "");
    }
    sqlite3_finalize(q);
    return buf;
}
