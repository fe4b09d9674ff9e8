/*
 * bench_ceiling.c -- the same-run ceiling for `sigtrail ingest`: inserts the
 * records genlog would write, already split in memory (no reading, no
 * parsing, no interning lookups), into a fresh case with sigtrail's own
 * schema, with one prepared statement in one transaction.  Prints
 * "records seconds rows-per-statement".
 * usage: bench_ceiling N CASE.db [ROWS]
 * ROWS (default 256, the store's bulk path) is how many records one INSERT
 * statement carries: above 1 they go as the store sends them, through the
 * st_event_rows virtual table (store_rows.h) and one INSERT ... SELECT per
 * ROWS records; 1 gives the one-row-per-step figure with bound parameters.
 * Records are generated CHUNK at a time before the clock runs for
 * that chunk, so neither formatting nor clock calls are counted.
 */
#include <stdlib.h>
#include <time.h>
#include "store.h"
#include "store_rows.h"
#include "synth.h"

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + t.tv_nsec / 1e9;
}

/* Returns the strings-table id of s, inserting it first (setup, untimed
 * per record: the ceiling knows its ids up front). */
static int64_t sid(sqlite3 *db, const char *s)
{
    sqlite3_stmt *q;
    sqlite3_prepare_v2(db, "INSERT OR IGNORE INTO strings(value) VALUES(?)",
                       -1, &q, NULL);
    sqlite3_bind_text(q, 1, s, -1, SQLITE_STATIC);
    sqlite3_step(q);
    sqlite3_finalize(q);
    sqlite3_prepare_v2(db, "SELECT id FROM strings WHERE value=?", -1, &q,
                       NULL);
    sqlite3_bind_text(q, 1, s, -1, SQLITE_STATIC);
    sqlite3_step(q);
    int64_t id = sqlite3_column_int64(q, 0);
    sqlite3_finalize(q);
    return id;
}

#define CHUNK 65536
#define DEFAULT_ROWS 256

/* Index of x's process in synth_procs and of its type in ty[]. */
static void lookup(const synth_rec *x, int *p, int *t)
{
    *p = 0;
    while (strcmp(synth_procs[*p][0], x->process))
        (*p)++;
    *t = x->type[0] == 'D' ? 0 : x->type[0] == 'I' ? 1
       : x->type[0] == 'E' ? 2 : 3;
}

/* Fills the event and row of record x (number i) as the store would. */
static void fill_row(const synth_rec *x, long long i, int64_t ids[10][4],
                     const int64_t ty[4], st_event *ev, st_row *row)
{
    int p, t;
    lookup(x, &p, &t);
    memset(ev, 0, sizeof *ev);
    ev->line = i + 2;
    ev->byte_offset = i * 180;
    ev->has = ST_HAS_TIME | ST_HAS_OFFSET | ST_HAS_THREAD | ST_HAS_ACTIVITY |
              ST_HAS_PID | ST_HAS_TTL | ST_TEXT_CHECKED;
    ev->time_us = x->time_us;
    ev->utc_offset_min = x->off_min;
    ev->thread_id = x->thread;
    ev->activity_id = x->activity;
    ev->pid = x->pid;
    ev->message = (st_str){x->message, strlen(x->message)};
    *row = (st_row){.ev = ev, .time_text_null = 1};
    row->ids[ST_ROW_TYPE] = ty[t];
    row->ids[ST_ROW_PROCESS] = ids[p][0];
    row->ids[ST_ROW_SENDER] = ids[p][1];
    row->ids[ST_ROW_SUBSYSTEM] = ids[p][2];
    row->ids[ST_ROW_CATEGORY] = ids[p][3];
}

/* Binds record x (number i) to the one-row INSERT q. */
static void bind_row(sqlite3_stmt *q, const synth_rec *x, long long i,
                     int64_t ids[10][4], const int64_t ty[4])
{
    int p, t;
    lookup(x, &p, &t);
    sqlite3_bind_int64(q, 1, 1);
    sqlite3_bind_int64(q, 2, i + 2);
    sqlite3_bind_int64(q, 3, i * 180);
    sqlite3_bind_int64(q, 4, x->time_us);
    sqlite3_bind_int64(q, 5, x->off_min);
    sqlite3_bind_null(q, 6);
    sqlite3_bind_int64(q, 7, ty[t]);
    sqlite3_bind_int64(q, 8, (int64_t)x->thread);
    sqlite3_bind_int64(q, 9, (int64_t)x->activity);
    sqlite3_bind_int64(q, 10, x->pid);
    sqlite3_bind_int64(q, 11, 0);
    sqlite3_bind_int64(q, 12, ids[p][0]);
    sqlite3_bind_int64(q, 13, ids[p][1]);
    if (ids[p][2]) {
        sqlite3_bind_int64(q, 14, ids[p][2]);
        sqlite3_bind_int64(q, 15, ids[p][3]);
    } else {
        sqlite3_bind_null(q, 14);
        sqlite3_bind_null(q, 15);
    }
    sqlite3_bind_text(q, 16, x->message, -1, SQLITE_STATIC);
    sqlite3_bind_null(q, 17);
}

/* Inserts n synthetic records, `rows` per statement, in one transaction;
 * returns the seconds spent in SQLite, or -1 on error. */
static double insert_all(sqlite3 *db, long long n, int rows,
                         int64_t ids[10][4], const int64_t ty[4])
{
    st_event *evs = malloc(sizeof *evs * (size_t)rows);
    st_row *rowv = malloc(sizeof *rowv * (size_t)rows);
    synth_rec *rec = malloc(sizeof *rec * CHUNK);
    st_rows batch = {rowv, 0, 1, 0};
    st_rows_stmts shapes = {0};
    sqlite3_stmt *q = NULL;
    int rc = rows > 1 ? st_rows_register(db, &batch)
                      : sqlite3_prepare_v2(db, "INSERT INTO events(source_id,"
                                           "line,byte_offset,time_us,"
                                           "utc_offset_min,time_text,type_id,"
                                           "thread_id,activity_id,pid,ttl,"
                                           "process_id,sender_id,"
                                           "subsystem_id,category_id,message,"
                                           "message_raw) VALUES(?,?,?,?,?,?,"
                                           "?,?,?,?,?,?,?,?,?,?,?)", -1, &q,
                                           NULL);
    if (rc != SQLITE_OK || !evs || !rowv || !rec) {
        fprintf(stderr, "%s\n", sqlite3_errmsg(db));
        return -1;
    }
    uint64_t state = 0x9e3779b97f4a7c15ULL;
    double el = 0;
    sqlite3_exec(db, "BEGIN", NULL, NULL, NULL);
    for (long long base = 0; base < n; base += CHUNK) {
        int m = n - base < CHUNK ? (int)(n - base) : CHUNK;
        for (int k = 0; k < m; k++)
            synth_next(&state, base + k, &rec[k]);
        double t0 = now();
        for (int k = 0; k < m;) {
            if (rows > 1) {
                int take = m - k < rows ? m - k : rows;
                uint32_t cols = 0;
                for (int r = 0; r < take; r++) {
                    fill_row(&rec[k + r], base + k + r, ids, ty, &evs[r],
                             &rowv[r]);
                    cols |= st_rows_event_cols(&rowv[r]);
                }
                batch.n = (size_t)take;
                k += take;
                if (!(q = st_rows_stmt(&shapes, db, 0, cols))) {
                    fprintf(stderr, "%s\n", sqlite3_errmsg(db));
                    return -1;
                }
            } else {
                bind_row(q, &rec[k], base + k, ids, ty);
                k++;
            }
            if (sqlite3_step(q) != SQLITE_DONE) {
                fprintf(stderr, "%s\n", sqlite3_errmsg(db));
                return -1;
            }
            sqlite3_reset(q);
        }
        el += now() - t0;
    }
    double t0 = now();
    sqlite3_exec(db, "COMMIT", NULL, NULL, NULL);
    el += now() - t0;
    if (rows > 1)
        st_rows_stmts_free(&shapes);
    else
        sqlite3_finalize(q);
    free(rec);
    free(evs);
    free(rowv);
    return el;
}

int main(int argc, char **argv)
{
    if (argc != 3 && argc != 4) {
        fprintf(stderr, "usage: bench_ceiling N CASE.db [ROWS]\n");
        return 2;
    }
    long long n = atoll(argv[1]);
    int rows = argc == 4 ? atoi(argv[3]) : DEFAULT_ROWS;
    if (rows < 1 || rows > 4096)
        rows = DEFAULT_ROWS;
    st_store *st;
    char err[256];
    remove(argv[2]);
    if (st_store_open(&st, argv[2], ST_STORE_CREATE, err, sizeof err)) {
        fprintf(stderr, "%s\n", err);
        return 2;
    }
    /* the case is created by the store, then written on a connection of
     * our own with the store's settings, where our rows table can be
     * registered without replacing the store's */
    st_store_close(st);
    sqlite3 *db;
    if (sqlite3_open_v2(argv[2], &db, SQLITE_OPEN_READWRITE |
                        SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK) {
        fprintf(stderr, "%s: %s\n", argv[2], sqlite3_errmsg(db));
        return 2;
    }
    sqlite3_exec(db, "PRAGMA synchronous=NORMAL;PRAGMA cache_size=-16384;",
                 NULL, NULL, NULL);
    int64_t ids[10][4], ty[4];
    const char *types[4] = {"Default", "Info", "Error", "Fault"};
    for (int i = 0; i < 10; i++)
        for (int j = 0; j < 4; j++)
            ids[i][j] = *synth_procs[i][j] ? sid(db, synth_procs[i][j]) : 0;
    for (int j = 0; j < 4; j++)
        ty[j] = sid(db, types[j]);
    sqlite3_exec(db, "INSERT INTO sources(path,status) VALUES('ceiling',"
                     "'ingested')", NULL, NULL, NULL);
    double el = insert_all(db, n, rows, ids, ty);
    sqlite3_close(db);
    if (el < 0)
        return 1;
    printf("%lld %.3f %d\n", n, el, rows);
    return 0;
}
