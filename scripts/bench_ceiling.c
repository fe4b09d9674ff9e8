/*
 * bench_ceiling.c -- the same-run ceiling for `sigtrail ingest`: inserts the
 * records genlog would write, already split in memory (no reading, no
 * parsing, no interning lookups), into a fresh case with sigtrail's own
 * schema, with one prepared statement in one transaction.  Prints
 * "records seconds".
 * usage: bench_ceiling N CASE.db
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

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: bench_ceiling N CASE.db\n");
        return 2;
    }
    long long n = atoll(argv[1]);
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
    sqlite3_stmt *q;
    sqlite3_prepare_v2(db,
        "INSERT INTO events(source_id,line,byte_offset,time_us,"
        "utc_offset_min,time_text,type_id,thread_id,activity_id,pid,ttl,"
        "process_id,sender_id,subsystem_id,category_id,message,message_raw)"
        " VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)", -1, &q, NULL);
    uint64_t state = 0x9e3779b97f4a7c15ULL;
    synth_rec r;
    /* records are generated before the clock starts: "already split" */
    double t0 = now(), gen = 0;
    sqlite3_exec(db, "BEGIN", NULL, NULL, NULL);
    for (long long i = 0; i < n; i++) {
        double g0 = now();
        synth_next(&state, i, &r);
        int p = 0;
        while (strcmp(synth_procs[p][0], r.process))
            p++;
        int t = r.type[0] == 'D' ? 0 : r.type[0] == 'I' ? 1
              : r.type[0] == 'E' ? 2 : 3;
        gen += now() - g0;
        sqlite3_bind_int64(q, 1, 1);
        sqlite3_bind_int64(q, 2, i + 2);
        sqlite3_bind_int64(q, 3, i * 180);
        sqlite3_bind_int64(q, 4, r.time_us);
        sqlite3_bind_int64(q, 5, r.off_min);
        sqlite3_bind_int64(q, 7, ty[t]);
        sqlite3_bind_int64(q, 8, (int64_t)r.thread);
        sqlite3_bind_int64(q, 9, (int64_t)r.activity);
        sqlite3_bind_int64(q, 10, r.pid);
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
        sqlite3_bind_text(q, 16, r.message, -1, SQLITE_STATIC);
        if (sqlite3_step(q) != SQLITE_DONE) {
            fprintf(stderr, "%s\n", sqlite3_errmsg(db));
            return 1;
        }
        sqlite3_reset(q);
    }
    sqlite3_exec(db, "COMMIT", NULL, NULL, NULL);
    double el = now() - t0 - gen;
    sqlite3_finalize(q);
    st_store_close(st);
    printf("%lld %.3f\n", n, el);
    return 0;
}
