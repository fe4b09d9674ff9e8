/*
 * store_read.c -- time-ordered event scans and record lookups.  See
 * store_read.h.
 */
#include "store_read.h"

#include <pthread.h>
#include <stddef.h>
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

/* An interned column: ids start at 1, so NULL (read as 0) needs no
 * separate type probe; one API call per column matters at 1M rows/s. */
static st_str sview(const strtab *t, sqlite3_stmt *q, int col)
{
    int64_t id = sqlite3_column_int64(q, col);
    if (id <= 0 || id >= t->count || !t->s[id])
        return ST_STR_NULL;
    return (st_str){t->s[id], t->n[id]};
}

/* A text column; column_text is NULL exactly for NULL (or out of memory,
 * read as absent too). */
static st_str tview(sqlite3_stmt *q, int col)
{
    const char *p = (const char *)sqlite3_column_text(q, col);
    if (!p)
        return ST_STR_NULL;
    return (st_str){p, (size_t)sqlite3_column_bytes(q, col)};
}

#define COLS_EVENTS                                                        \
    "e.id, e.source_id, e.line, e.byte_offset, e.time_us, "                \
    "e.utc_offset_min, e.time_text, e.type_id, e.thread_id, "              \
    "e.activity_id, e.pid, e.ttl, e.process_id, e.sender_id, "             \
    "e.subsystem_id, e.category_id, e.message"
/* event_details columns; the UUIDs' depend on the case's schema and the
 * backtrace is read as stored (decode_row rebuilds a stored '') */
#define COLS_DETAILS_A                                                     \
    ", d.locator, "                                                        \
    "d.event_type_id, d.parent_activity_id, d.user_id, d.trace_id, "       \
    "d.mach_timestamp, d.sender_pc, d.signpost_id, d.process_path_id, "    \
    "d.sender_path_id, d.format_string_id, "
#define COLS_DETAILS_B                                                     \
    ", d.timezone_name, d.signpost_name, d.signpost_scope, "               \
    "d.signpost_type, d.backtrace, d.source_json, d.extra"

/* Prepares the time-ordered scan on db for filter f; details says whether
 * the case has event_details rows at all (without them the columns are
 * not selected: measured ~2x faster than probing an empty join per row).
 * *ids receives a buffer the caller frees after the statement. */
static sqlite3_stmt *scan_prepare(sqlite3 *db, const st_scan_filter *f,
                                  int details, char **ids)
{
    char sql[1400];
    snprintf(sql, sizeof sql,
             "SELECT " COLS_EVENTS "%s%s%s FROM events e %s WHERE (?1 IS NULL"
             " OR e.time_us >= ?1) AND (?2 IS NULL OR e.time_us <= ?2) AND "
             "(?3 = 0 OR e.source_id = ?3)%s ORDER BY e.time_us, e.id",
             details ? COLS_DETAILS_A : "",
             details ? ST_SQL_UUID_COLS(st_store_schema_of(db)) : "",
             details ? COLS_DETAILS_B : "",
             details ? "LEFT JOIN event_details d ON d.event_id = e.id" : "",
             f && f->event_ids ? " AND e.id IN (SELECT value FROM "
                                 "json_each(?4))" : "");
    sqlite3_stmt *q;
    *ids = NULL;
    if (sqlite3_prepare_v2(db, sql, -1, &q, NULL) != SQLITE_OK)
        return NULL;
    if (f && f->has_from)
        sqlite3_bind_int64(q, 1, f->from_us);
    if (f && f->has_to)
        sqlite3_bind_int64(q, 2, f->to_us);
    sqlite3_bind_int64(q, 3, f ? f->source_id : 0);
    if (f && f->event_ids) {
        char *b = malloc((size_t)f->nevent_ids * 21 + 3);
        if (!b) {
            sqlite3_finalize(q);
            return NULL;
        }
        size_t o = 0;
        b[o++] = '[';
        for (int i = 0; i < f->nevent_ids; i++)
            o += (size_t)sprintf(b + o, "%s%lld", i ? "," : "",
                                 (long long)f->event_ids[i]);
        b[o++] = ']';
        b[o] = 0;
        sqlite3_bind_text(q, 4, b, -1, SQLITE_STATIC);
        *ids = b;
    }
    return q;
}

/* True when the case has any event_details row. */
static int has_details_rows(sqlite3 *db)
{
    int details = 0;
    sqlite3_stmt *dq;
    if (sqlite3_prepare_v2(db, "SELECT EXISTS(SELECT 1 FROM event_details)",
                           -1, &dq, NULL) == SQLITE_OK) {
        if (sqlite3_step(dq) == SQLITE_ROW)
            details = sqlite3_column_int(dq, 0);
        sqlite3_finalize(dq);
    }
    return details;
}

/* A UUID column: an interned id (schema 3) or text (older cases). */
static st_str uview(const strtab *t, sqlite3_stmt *q, int col)
{
    return sqlite3_column_type(q, col) == SQLITE_INTEGER ? sview(t, q, col)
                                                         : tview(q, col);
}

/* Fills ev from the current row of a scan statement; views point into the
 * statement's row, into t and into frame (ST_SENDER_FRAME_CAP bytes, for
 * a rebuilt backtrace). */
static void decode_row(sqlite3_stmt *q, const strtab *t, int details,
                       st_event *ev, char *frame)
{
    memset(ev, 0, sizeof *ev);
    ev->id = sqlite3_column_int64(q, 0);
    ev->source_id = sqlite3_column_int64(q, 1);
    ev->line = sqlite3_column_int64(q, 2);
    ev->byte_offset = sqlite3_column_type(q, 3) == SQLITE_NULL
                          ? -1 : sqlite3_column_int64(q, 3);
#define HAS(col, bit, dst, T)                                              \
    if (sqlite3_column_type(q, col) != SQLITE_NULL) {                      \
        ev->dst = (T)sqlite3_column_int64(q, col);                         \
        ev->has |= bit;                                                    \
    }
    HAS(4, ST_HAS_TIME, time_us, int64_t)
    HAS(5, ST_HAS_OFFSET, utc_offset_min, int32_t)
    ev->time_text = tview(q, 6);
    ev->type = sview(t, q, 7);
    HAS(8, ST_HAS_THREAD, thread_id, uint64_t)
    HAS(9, ST_HAS_ACTIVITY, activity_id, uint64_t)
    HAS(10, ST_HAS_PID, pid, int64_t)
    HAS(11, ST_HAS_TTL, ttl, int64_t)
    ev->process = sview(t, q, 12);
    ev->sender = sview(t, q, 13);
    ev->subsystem = sview(t, q, 14);
    ev->category = sview(t, q, 15);
    ev->message = tview(q, 16);
    if (!details)
        return;
    ev->locator = tview(q, 17);
    ev->event_type = sview(t, q, 18);
    HAS(19, ST_HAS_PARENT_ACT, parent_activity_id, uint64_t)
    HAS(20, ST_HAS_USER, user_id, int64_t)
    HAS(21, ST_HAS_TRACE, trace_id, uint64_t)
    HAS(22, ST_HAS_MACH, mach_timestamp, uint64_t)
    HAS(23, ST_HAS_SENDER_PC, sender_pc, uint64_t)
    HAS(24, ST_HAS_SIGNPOST_ID, signpost_id, uint64_t)
#undef HAS
    ev->process_path = sview(t, q, 25);
    ev->sender_path = sview(t, q, 26);
    ev->format_string = sview(t, q, 27);
    ev->process_uuid = uview(t, q, 28);
    ev->sender_uuid = uview(t, q, 29);
    ev->boot_uuid = uview(t, q, 30);
    ev->timezone_name = tview(q, 31);
    ev->signpost_name = tview(q, 32);
    ev->signpost_scope = tview(q, 33);
    ev->signpost_type = tview(q, 34);
    ev->backtrace_json = tview(q, 35);
    if (ev->backtrace_json.p && ev->backtrace_json.n == 0)
        ev->backtrace_json = st_store_sender_frame(ev->sender_pc,
                                                   ev->sender_uuid, frame,
                                                   ST_SENDER_FRAME_CAP);
    ev->source_json = tview(q, 36);
    ev->extra_json = tview(q, 37);
}

int64_t st_store_scan(st_store *st, const st_scan_filter *f, st_scan_fn fn,
                      void *ctx)
{
    sqlite3 *db = st_store_db(st);
    strtab t;
    if (strtab_load(db, &t) < 0) {
        strtab_free(&t);
        return -1;
    }
    int details = has_details_rows(db);
    char *ids;
    sqlite3_stmt *q = scan_prepare(db, f, details, &ids);
    if (!q) {
        strtab_free(&t);
        return -1;
    }
    int64_t n = 0;
    st_event ev;
    char frame[ST_SENDER_FRAME_CAP];
    while (sqlite3_step(q) == SQLITE_ROW) {
        decode_row(q, &t, details, &ev, frame);
        n++;
        if (fn(ctx, &ev))
            break;
    }
    sqlite3_finalize(q);
    free(ids);
    strtab_free(&t);
    return n;
}

/* ---- scan on a reader thread -------------------------------------------- */

#define TS_BATCH 4096
#define TS_NBATCH 3
#define TS_ARENA (1 << 20)

typedef struct ts_batch {
    st_event ev[TS_BATCH];
    int n;
    char *arena;
    size_t used, cap;
} ts_batch;

typedef struct tscan {
    const char *path;
    const st_scan_filter *f;
    pthread_t thread;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    ts_batch *b;              /* TS_NBATCH */
    int ready[TS_NBATCH];     /* filled, not yet consumed */
    int started;              /* the reader's statement holds a snapshot */
    int done, stop, failed;
    strtab t;                 /* loaded by the reader, views stay valid */
    char frame[ST_SENDER_FRAME_CAP];  /* a rebuilt backtrace, copied */
    char err[256];
} tscan;

/* Tells st_store_scan_begin that the reader holds its read snapshot (or
 * has given up). */
static void ts_signal_started(tscan *s)
{
    pthread_mutex_lock(&s->mu);
    s->started = 1;
    pthread_cond_broadcast(&s->cv);
    pthread_mutex_unlock(&s->mu);
}

/* Hands batch i to the consumer and waits until batch `next` is free;
 * returns 0, or -1 when the consumer asked to stop. */
static int ts_hand_over(tscan *s, int i, int next)
{
    pthread_mutex_lock(&s->mu);
    s->ready[i] = 1;
    pthread_cond_broadcast(&s->cv);
    while (s->ready[next] && !s->stop)
        pthread_cond_wait(&s->cv, &s->mu);
    int stop = s->stop;
    pthread_mutex_unlock(&s->mu);
    return stop ? -1 : 0;
}

/* The reader thread: its own read-only connection, rows decoded and copied
 * into batches, batches handed over in order. */
static void *ts_reader(void *arg)
{
    tscan *s = arg;
    sqlite3 *db = NULL;
    sqlite3_stmt *q = NULL;
    pthread_setname_np(pthread_self(), "st-reader");   /* for profilers */
    char *ids = NULL;
    int cur = 0, details = 0;
    if (sqlite3_open_v2(s->path, &db, SQLITE_OPEN_READONLY |
                        SQLITE_OPEN_NOMUTEX, NULL) == SQLITE_OK &&
        sqlite3_exec(db, ST_SQL_READER_CACHE, NULL, NULL, NULL) ==
            SQLITE_OK &&
        strtab_load(db, &s->t) == 0) {
        details = has_details_rows(db);
        q = scan_prepare(db, s->f, details, &ids);
    }
    if (!q) {
        snprintf(s->err, sizeof s->err, "%s", db ? sqlite3_errmsg(db)
                                                 : "out of memory");
        s->failed = 1;
        goto out;
    }
    for (int first = 1;; first = 0) {
        ts_batch *b = &s->b[cur];
        int rc = sqlite3_step(q);
        if (first)
            ts_signal_started(s);
        if (rc != SQLITE_ROW) {
            if (rc != SQLITE_DONE) {
                snprintf(s->err, sizeof s->err, "%s", sqlite3_errmsg(db));
                s->failed = 1;
            }
            break;
        }
        st_event ev;
        decode_row(q, &s->t, details, &ev, s->frame);
        st_str *v[ST_EVENT_KEPT_TEXT];   /* the row's text: copied below */
        size_t nv = st_event_kept_text(&ev, v), need = 0;
        for (size_t k = 0; k < nv; k++)
            if (v[k]->p)
                need += v[k]->n;
        if (b->n == TS_BATCH || (b->n && b->used + need > b->cap)) {
            int next = (cur + 1) % TS_NBATCH;
            if (ts_hand_over(s, cur, next) < 0)
                goto out;
            cur = next;
            b = &s->b[cur];
        }
        if (need > b->cap) {      /* one huge row: only now, batch empty */
            char *na = realloc(b->arena, need);
            if (!na) {
                snprintf(s->err, sizeof s->err, "out of memory");
                s->failed = 1;
                break;
            }
            b->arena = na;
            b->cap = need;
        }
        for (size_t k = 0; k < nv; k++)
            if (v[k]->p) {
                char *d = b->arena + b->used;
                memcpy(d, v[k]->p, v[k]->n);
                v[k]->p = d;
                b->used += v[k]->n;
            }
        b->ev[b->n++] = ev;
    }
    if (s->b[cur].n)
        ts_hand_over(s, cur, cur);   /* waits until it is consumed */
out:
    sqlite3_finalize(q);
    free(ids);
    sqlite3_close(db);
    pthread_mutex_lock(&s->mu);
    s->started = 1;
    s->done = 1;
    pthread_cond_broadcast(&s->cv);
    pthread_mutex_unlock(&s->mu);
    return NULL;
}

struct st_scan {
    tscan s;
    st_store *st;
};

st_scan *st_store_scan_begin(st_store *st, const st_scan_filter *f)
{
    const char *path = sqlite3_db_filename(st_store_db(st), "main");
    if (!path || !*path)
        return NULL;
    st_scan *h = calloc(1, sizeof *h);
    if (!h)
        return NULL;
    tscan *s = &h->s;
    h->st = st;
    s->path = path;
    s->f = f;
    s->b = calloc(TS_NBATCH, sizeof *s->b);
    int ok = s->b != NULL;
    for (int i = 0; ok && i < TS_NBATCH; i++) {
        s->b[i].arena = malloc(TS_ARENA);
        s->b[i].cap = TS_ARENA;
        ok = s->b[i].arena != NULL;
    }
    if (!ok || pthread_mutex_init(&s->mu, NULL) ||
        pthread_cond_init(&s->cv, NULL) ||
        pthread_create(&s->thread, NULL, ts_reader, s)) {
        for (int i = 0; s->b && i < TS_NBATCH; i++)
            free(s->b[i].arena);
        free(s->b);
        free(h);
        return NULL;
    }
    pthread_mutex_lock(&s->mu);
    while (!s->started)
        pthread_cond_wait(&s->cv, &s->mu);
    int gave_up = s->done && s->failed && !s->ready[0];
    pthread_mutex_unlock(&s->mu);
    if (gave_up) {                /* could not open or step: let the caller
                                     read on its own connection */
        st_store_scan_finish(h, NULL, NULL);
        return NULL;
    }
    return h;
}

int64_t st_store_scan_finish(st_scan *h, st_scan_fn fn, void *ctx)
{
    tscan *s = &h->s;
    int64_t n = 0;
    int cur = 0, stopped = 0;
    for (;;) {
        pthread_mutex_lock(&s->mu);
        while (!s->ready[cur] && !s->done)
            pthread_cond_wait(&s->cv, &s->mu);
        int have = s->ready[cur];
        pthread_mutex_unlock(&s->mu);
        if (!have)
            break;
        ts_batch *b = &s->b[cur];
        for (int i = 0; i < b->n && !stopped; i++) {
            n++;
            stopped = fn && fn(ctx, &b->ev[i]) != 0;
        }
        b->n = 0;
        b->used = 0;
        pthread_mutex_lock(&s->mu);
        s->ready[cur] = 0;
        if (stopped || !fn)
            s->stop = 1;
        pthread_cond_broadcast(&s->cv);
        pthread_mutex_unlock(&s->mu);
        if (stopped || !fn)
            break;
        cur = (cur + 1) % TS_NBATCH;
    }
    pthread_mutex_lock(&s->mu);
    s->stop = 1;                  /* a reader still waiting gives up */
    pthread_cond_broadcast(&s->cv);
    pthread_mutex_unlock(&s->mu);
    pthread_join(s->thread, NULL);
    pthread_mutex_destroy(&s->mu);
    pthread_cond_destroy(&s->cv);
    int failed = s->failed;
    if (failed)
        st_store_set_error(h->st, s->err);
    strtab_free(&s->t);
    for (int i = 0; i < TS_NBATCH; i++)
        free(s->b[i].arena);
    free(s->b);
    free(h);
    return failed ? -1 : n;
}

int64_t st_store_scan_threaded(st_store *st, const st_scan_filter *f,
                               st_scan_fn fn, void *ctx)
{
    st_scan *h = st_store_scan_begin(st, f);
    return h ? st_store_scan_finish(h, fn, ctx) : st_store_scan(st, f, fn, ctx);
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
