/*
 * bench_ceiling.c -- the same-run ceiling for `sigtrail ingest`: inserts the
 * records genlog would write, already split in memory (no reading, no
 * parsing, no interning lookups), into a fresh case with sigtrail's own
 * schema, with one prepared statement in one transaction.  Prints
 * "records seconds rows-per-statement".
 * usage: bench_ceiling N CASE.db [ROWS]
 * ROWS (default ST_STORE_MULTI_ROWS, as the store's bulk path) is how many
 * records one INSERT statement carries; 1 gives the one-row-per-step
 * figure.  Records are generated CHUNK at a time before the clock runs for
 * that chunk, so neither formatting nor clock calls are counted.
 */
#include <stdlib.h>
#include <time.h>
#include "store.h"
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

/* Inserts n synthetic records, `rows` per statement, in one transaction;
 * returns the seconds spent in SQLite, or -1 on error. */
static double insert_all(sqlite3 *db, long long n, int rows,
                         int64_t ids[10][4], const int64_t ty[4])
{
    char *sql = malloc(400 + (size_t)rows * 40);
    int o = sprintf(sql, "INSERT INTO events(source_id,line,byte_offset,"
                         "time_us,utc_offset_min,time_text,type_id,thread_id,"
                         "activity_id,pid,ttl,process_id,sender_id,"
                         "subsystem_id,category_id,message,message_raw) "
                         "VALUES");
    for (int r = 0; r < rows; r++)
        o += sprintf(sql + o, "%s(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                     r ? "," : "");
    sqlite3_stmt *q1, *qn;
    if (sqlite3_prepare_v2(db, sql, -1, &qn, NULL) ||
        sqlite3_prepare_v2(db, "INSERT INTO events(source_id,line,"
                           "byte_offset,time_us,utc_offset_min,time_text,"
                           "type_id,thread_id,activity_id,pid,ttl,process_id,"
                           "sender_id,subsystem_id,category_id,message,"
                           "message_raw) VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?,?,"
                           "?,?,?)", -1, &q1, NULL)) {
        fprintf(stderr, "%s\n", sqlite3_errmsg(db));
        return -1;
    }
    free(sql);
    synth_rec *rec = malloc(sizeof *rec * CHUNK);
    uint64_t state = 0x9e3779b97f4a7c15ULL;
    double el = 0;
    sqlite3_exec(db, "BEGIN", NULL, NULL, NULL);
    for (long long base = 0; base < n; base += CHUNK) {
        int m = n - base < CHUNK ? (int)(n - base) : CHUNK;
        for (int k = 0; k < m; k++)
            synth_next(&state, base + k, &rec[k]);
        double t0 = now();
        for (int k = 0; k < m;) {
            int take = m - k >= rows ? rows : 1;
            sqlite3_stmt *q = take > 1 ? qn : q1;
            for (int r = 0; r < take; r++, k++) {
                const synth_rec *x = &rec[k];
                long long i = base + k;
                int c = r * 17, p = 0;
                while (strcmp(synth_procs[p][0], x->process))
                    p++;
                int t = x->type[0] == 'D' ? 0 : x->type[0] == 'I' ? 1
                      : x->type[0] == 'E' ? 2 : 3;
                sqlite3_bind_int64(q, c + 1, 1);
                sqlite3_bind_int64(q, c + 2, i + 2);
                sqlite3_bind_int64(q, c + 3, i * 180);
                sqlite3_bind_int64(q, c + 4, x->time_us);
                sqlite3_bind_int64(q, c + 5, x->off_min);
                sqlite3_bind_null(q, c + 6);
                sqlite3_bind_int64(q, c + 7, ty[t]);
                sqlite3_bind_int64(q, c + 8, (int64_t)x->thread);
                sqlite3_bind_int64(q, c + 9, (int64_t)x->activity);
                sqlite3_bind_int64(q, c + 10, x->pid);
                sqlite3_bind_int64(q, c + 11, 0);
                sqlite3_bind_int64(q, c + 12, ids[p][0]);
                sqlite3_bind_int64(q, c + 13, ids[p][1]);
                if (ids[p][2]) {
                    sqlite3_bind_int64(q, c + 14, ids[p][2]);
                    sqlite3_bind_int64(q, c + 15, ids[p][3]);
                } else {
                    sqlite3_bind_null(q, c + 14);
                    sqlite3_bind_null(q, c + 15);
                }
                sqlite3_bind_text(q, c + 16, x->message, -1, SQLITE_STATIC);
                sqlite3_bind_null(q, c + 17);
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
    sqlite3_finalize(q1);
    sqlite3_finalize(qn);
    free(rec);
    return el;
}

int main(int argc, char **argv)
{
    if (argc != 3 && argc != 4) {
        fprintf(stderr, "usage: bench_ceiling N CASE.db [ROWS]\n");
        return 2;
    }
    long long n = atoll(argv[1]);
    int rows = argc == 4 ? atoi(argv[3]) : ST_STORE_MULTI_ROWS;
    if (rows < 1 || rows > 512)
        rows = ST_STORE_MULTI_ROWS;
    st_store *st;
    char err[256];
    remove(argv[2]);
    if (st_store_open(&st, argv[2], ST_STORE_CREATE, err, sizeof err)) {
        fprintf(stderr, "%s\n", err);
        return 2;
    }
    sqlite3 *db = st_store_db(st);
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
    if (el < 0)
        return 1;
    st_store_close(st);
    printf("%lld %.3f %d\n", n, el, rows);
    return 0;
}
