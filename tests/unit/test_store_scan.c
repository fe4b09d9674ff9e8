/*
 * test_store_scan.c -- the threaded scan (a reader thread with its own
 * connection) delivers exactly what the synchronous scan delivers, in the
 * same order: every field, text copied out of the row (a message larger
 * than a batch arena included), detail rows, more events than one batch,
 * an early stop, and writes on the main connection during the scan (the
 * way analyze stores findings) neither lock the reader out nor get lost.
 */
#include <stdlib.h>
#include <unistd.h>
#include "check.h"
#include "store.h"
#include "store_read.h"

#define NEV 9000               /* more than two batches of the reader */

typedef struct seen {
    int n, cap;
    char **rows;               /* one text line per event */
    int stop_after;            /* 0: never */
    st_store *write_to;        /* insert a warning per event when set */
} seen;

/* Renders every field of ev into one line, so two scans compare as text. */
static char *render(const st_event *ev)
{
    size_t cap = 4096 + ev->message.n + ev->extra_json.n;
    char *b = malloc(cap);
    snprintf(b, cap, "%lld|%lld|%lld|%lld|%u|%lld|%d|%.*s|%.*s|%llu|%llu|"
             "%lld|%lld|%.*s|%.*s|%.*s|%.*s|%.*s|%.*s|%.*s|%.*s|%llu|%.*s|"
             "%.*s|%.*s",
             (long long)ev->id, (long long)ev->source_id,
             (long long)ev->line, (long long)ev->byte_offset, ev->has,
             (long long)ev->time_us, (int)ev->utc_offset_min,
             (int)ev->time_text.n, ev->time_text.p ? ev->time_text.p : "",
             (int)ev->type.n, ev->type.p ? ev->type.p : "",
             (unsigned long long)ev->thread_id,
             (unsigned long long)ev->activity_id, (long long)ev->pid,
             (long long)ev->ttl,
             (int)ev->process.n, ev->process.p ? ev->process.p : "",
             (int)ev->sender.n, ev->sender.p ? ev->sender.p : "",
             (int)ev->subsystem.n, ev->subsystem.p ? ev->subsystem.p : "",
             (int)ev->category.n, ev->category.p ? ev->category.p : "",
             (int)ev->message.n, ev->message.p ? ev->message.p : "",
             (int)ev->locator.n, ev->locator.p ? ev->locator.p : "",
             (int)ev->format_string.n,
             ev->format_string.p ? ev->format_string.p : "",
             (int)ev->process_uuid.n,
             ev->process_uuid.p ? ev->process_uuid.p : "",
             (unsigned long long)ev->trace_id,
             (int)ev->boot_uuid.n, ev->boot_uuid.p ? ev->boot_uuid.p : "",
             (int)ev->signpost_name.n,
             ev->signpost_name.p ? ev->signpost_name.p : "",
             (int)ev->extra_json.n, ev->extra_json.p ? ev->extra_json.p : "");
    return b;
}

static int on_ev(void *c, const st_event *ev)
{
    seen *s = c;
    if (s->n == s->cap) {
        s->cap = s->cap ? s->cap * 2 : 1024;
        s->rows = realloc(s->rows, sizeof *s->rows * (size_t)s->cap);
    }
    s->rows[s->n++] = render(ev);
    if (s->write_to)
        st_store_add_warning(s->write_to, 1, s->n, "written during scan");
    return s->stop_after && s->n >= s->stop_after;
}

static void seen_free(seen *s)
{
    for (int i = 0; i < s->n; i++)
        free(s->rows[i]);
    free(s->rows);
}

/* Fills a new case with NEV events of two sources, out of time order
 * across sources, some with details rows and one 3 MB message. */
static st_store *make_case(const char *path)
{
    st_store *st;
    char err[256];
    unlink(path);
    if (st_store_open(&st, path, ST_STORE_CREATE, err, sizeof err))
        return NULL;
    static char big[3 << 20];
    memset(big, 'x', sizeof big - 1);
    for (int src = 0; src < 2; src++) {
        int64_t sid;
        st_source_info info = {src ? "b.log" : "a.log", NULL, 0, 0};
        st_store_source_begin(st, &info, &sid);
        for (int i = 0; i < NEV / 2; i++) {
            st_event ev;
            memset(&ev, 0, sizeof ev);
            char msg[64], loc[32];
            snprintf(msg, sizeof msg, "event %d of %d", i, src);
            ev.message = (st_str){msg, strlen(msg)};
            if (src == 1 && i == 1234)
                ev.message = (st_str){big, sizeof big - 1};
            ev.line = i + 1;
            ev.byte_offset = i * 10;
            ev.has = ST_HAS_TIME | ST_HAS_OFFSET | ST_HAS_PID | ST_HAS_THREAD;
            ev.time_us = 1700000000000000LL + (int64_t)i * 1000 + src * 333;
            ev.utc_offset_min = -480;
            ev.pid = 100 + i % 7;
            ev.thread_id = 0x1000 + (uint64_t)i;
            ev.type = ST_STR_LIT("Default");
            ev.process = i % 3 ? ST_STR_LIT("amfid") : ST_STR_LIT("kernel");
            if (i % 5 == 0) {          /* a details row */
                snprintf(loc, sizeof loc, "chunk@0x%x entry %d", i, src);
                ev.locator = (st_str){loc, strlen(loc)};
                ev.format_string = ST_STR_LIT("event %d of %d");
                ev.process_uuid = ST_STR_LIT("10167444-3A9A-33FC-AF11-D0ADEBBF5B95");
                ev.has |= ST_HAS_TRACE;
                ev.trace_id = (uint64_t)i * 7;
                ev.extra_json = ST_STR_LIT("{\"k\":1}");
            }
            if (i == 10)               /* untimed: delivered first */
                ev.has &= ~(unsigned)ST_HAS_TIME;
            st_store_add_event(st, sid, &ev, NULL);
        }
        st_source_result r = {"00", 0, "test", "1", "ingested", NULL,
                              NEV / 2, 0, 0};
        st_store_source_commit(st, sid, &r);
    }
    st_store_ensure_indexes(st);
    return st;
}

TEST(threaded_scan_matches_synchronous)
{
    const char *path = "/tmp/sigtrail-test-scan.db";
    st_store *st = make_case(path);
    CHECK(st != NULL);
    if (!st)
        return;
    seen a = {0}, b = {0};
    CHECK_INT(st_store_scan(st, NULL, on_ev, &a), NEV);
    CHECK_INT(st_store_scan_threaded(st, NULL, on_ev, &b), NEV);
    CHECK_INT(a.n, NEV);
    CHECK_INT(b.n, NEV);
    int diff = 0;
    for (int i = 0; i < a.n && i < b.n; i++)
        if (strcmp(a.rows[i], b.rows[i]) && diff++ < 3)
            fprintf(stderr, "event %d differs:\n %.200s\n %.200s\n", i,
                    a.rows[i], b.rows[i]);
    CHECK_INT(diff, 0);
    /* the untimed event comes first, the 3 MB message arrived whole */
    CHECK(b.n && strstr(b.rows[0], "event 10 of 0"));
    int big = 0;
    for (int i = 0; i < b.n; i++)
        big |= strlen(b.rows[i]) > (3u << 20);
    CHECK(big);
    seen_free(&a);
    seen_free(&b);

    /* an early stop ends the reader too */
    seen c = {0};
    c.stop_after = 5000;
    CHECK_INT(st_store_scan_threaded(st, NULL, on_ev, &c), 5000);
    seen_free(&c);

    /* writing on the main connection while the reader reads, as analyze
     * does: begin first, then write; the writes are kept */
    sqlite3 *db = st_store_db(st);
    sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL);
    st_scan *h = st_store_scan_begin(st, NULL);
    CHECK(h != NULL);
    seen d = {0};
    d.write_to = st;
    if (h) {
        CHECK_INT(sqlite3_exec(db, "DELETE FROM warnings", NULL, NULL, NULL),
                  SQLITE_OK);
        CHECK_INT(st_store_scan_finish(h, on_ev, &d), NEV);
    }
    CHECK_INT(sqlite3_exec(db, "COMMIT", NULL, NULL, NULL), SQLITE_OK);
    sqlite3_stmt *q;
    sqlite3_prepare_v2(db, "SELECT count(*) FROM warnings", -1, &q, NULL);
    CHECK_INT(sqlite3_step(q), SQLITE_ROW);
    CHECK_INT(sqlite3_column_int(q, 0), NEV);
    sqlite3_finalize(q);
    seen_free(&d);
    st_store_close(st);
    unlink(path);
}

TEST(threaded_scan_memory_store_falls_back)
{
    st_store *st;
    char err[256];
    CHECK_INT(st_store_open(&st, ":memory:", ST_STORE_CREATE, err,
                            sizeof err), 0);
    CHECK(st_store_scan_begin(st, NULL) == NULL);
    seen s = {0};
    CHECK_INT(st_store_scan_threaded(st, NULL, on_ev, &s), 0);
    st_store_close(st);
}

int main(void)
{
    RUN(threaded_scan_matches_synchronous);
    RUN(threaded_scan_memory_store_falls_back);
    return RESULT();
}
