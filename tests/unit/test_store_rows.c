/*
 * test_store_rows.c -- the store's bulk insert (store_rows.h): across
 * several statements' worth of events, every events row and every details
 * row lands on the right event; events the ingest queue did not check get
 * sanitised text with the original message kept in message_raw; interned
 * fields with invalid bytes share one id; the single-event call returns
 * the id it stored; a failing statement fails the call; the one-frame
 * backtrace is stored as '' and read back whole.
 */
#include <stdlib.h>
#include <unistd.h>
#include "check.h"
#include "store.h"

#define NEV 1000               /* several ROW_CHUNKs, and a partial one */

/* A new case at path with one source begun (*sid), or NULL. */
static st_store *fresh(const char *path, int64_t *sid)
{
    char err[256];
    st_store *st;
    unlink(path);
    if (st_store_open(&st, path, ST_STORE_CREATE, err, sizeof err)) {
        fprintf(stderr, "%s\n", err);
        return NULL;
    }
    st_source_info info = {"x", NULL, 0, 0};
    if (st_store_source_begin(st, &info, sid) < 0) {
        fprintf(stderr, "%s\n", st_store_errmsg(st));
        st_store_close(st);
        return NULL;
    }
    return st;
}

static long long q_int(st_store *st, const char *sql)
{
    sqlite3_stmt *q;
    long long v = -1;
    if (sqlite3_prepare_v2(st_store_db(st), sql, -1, &q, NULL) == SQLITE_OK &&
        sqlite3_step(q) == SQLITE_ROW)
        v = sqlite3_column_int64(q, 0);
    sqlite3_finalize(q);
    return v;
}

static char *q_text(st_store *st, const char *sql)
{
    sqlite3_stmt *q;
    char *v = NULL;
    if (sqlite3_prepare_v2(st_store_db(st), sql, -1, &q, NULL) == SQLITE_OK &&
        sqlite3_step(q) == SQLITE_ROW && sqlite3_column_text(q, 0))
        v = strdup((const char *)sqlite3_column_text(q, 0));
    sqlite3_finalize(q);
    return v;
}

/* Event i: message "m<i>"; every third has details (locator "L<i>", a
 * user id); every seventh is unchecked, with invalid bytes in its message
 * and, when it has details, in its locator. */
static char msgs[NEV][32], locs[NEV][32];

static void make_event(st_event *ev, int i)
{
    memset(ev, 0, sizeof *ev);
    ev->byte_offset = -1;
    ev->line = i + 1;
    ev->has = ST_HAS_TIME | ST_HAS_PID;
    ev->time_us = 1000000LL * i;
    ev->pid = i;
    ev->type = ST_STR_LIT("Default");
    ev->process = i % 7 ? ST_STR_LIT("proc") : ST_STR_LIT("pr\xff" "oc");
    int n = snprintf(msgs[i], sizeof msgs[i], "m%d", i);
    if (i % 7 == 0) {          /* then an invalid byte, a NUL and "x" */
        memcpy(msgs[i] + n, "\xff\0x", 3);
        n += 3;
    }
    ev->message = (st_str){msgs[i], (size_t)n};
    if (i % 3 == 0) {
        n = snprintf(locs[i], sizeof locs[i], i % 7 ? "L%d" : "L%d\xfe", i);
        ev->locator = (st_str){locs[i], (size_t)n};
        ev->has |= ST_HAS_USER;
        ev->user_id = 10000 + i;
    }
    if (i % 7)
        ev->has |= ST_TEXT_CHECKED;
}

TEST(bulk_rows_land_on_their_events)
{
    int64_t sid = 0;
    st_store *st = fresh("/tmp/st_test_rows.db", &sid);
    CHECK(st != NULL);
    if (!st)
        return;
    static st_event evs[NEV];
    const st_event *ptr[NEV];
    for (int i = 0; i < NEV; i++) {
        make_event(&evs[i], i);
        ptr[i] = &evs[i];
    }
    /* one call with a ragged tail, then single events */
    CHECK_INT(st_store_add_events(st, sid, ptr, NEV - 3), 0);
    for (int i = NEV - 3; i < NEV; i++) {
        int64_t id = 0;
        CHECK_INT(st_store_add_event(st, sid, ptr[i], &id), 0);
        CHECK_INT(id, i + 1);
    }
    st_source_result res = {"00", 0, "test", "1", "ingested", NULL, NEV, 0, 0};
    CHECK_INT(st_store_source_commit(st, sid, &res), 0);

    CHECK_INT(q_int(st, "SELECT count(*) FROM events"), NEV);
    CHECK_INT(q_int(st, "SELECT count(*) FROM events WHERE id != line OR "
                        "pid != id - 1 OR time_us != (id - 1) * 1000000"), 0);
    CHECK_INT(q_int(st, "SELECT count(*) FROM event_details"), (NEV + 2) / 3);
    /* a details row belongs to the event whose number its locator names */
    CHECK_INT(q_int(st, "SELECT count(*) FROM event_details d JOIN events e "
                        "ON e.id = d.event_id WHERE d.user_id != 10000 + e.pid"
                        " OR substr(d.locator, 2, length(e.pid)) != "
                        "CAST(e.pid AS TEXT)"), 0);
    /* checked text is stored as it is; unchecked text is sanitised */
    CHECK_INT(q_int(st, "SELECT count(*) FROM events WHERE pid % 7 != 0 AND "
                        "(message != 'm' || pid OR message_raw IS NOT NULL)"),
              0);
    char *m = q_text(st, "SELECT message FROM events WHERE pid = 14");
    CHECK_STR(m, "m14\xef\xbf\xbd\xe2\x90\x80x");
    free(m);
    m = q_text(st, "SELECT hex(message_raw) FROM events WHERE pid = 14");
    CHECK_STR(m, "6D3134FF0078");
    free(m);
    m = q_text(st, "SELECT locator FROM event_details WHERE event_id = 22");
    CHECK_STR(m, "L21\xef\xbf\xbd");
    free(m);
    CHECK_INT(q_int(st, "SELECT count(*) FROM event_details d JOIN events e "
                        "ON e.id = d.event_id WHERE e.pid = 21 AND "
                        "e.message_raw IS NOT NULL"), 1);
    /* the two spellings of the process name: two strings, used as such */
    CHECK_INT(q_int(st, "SELECT count(DISTINCT process_id) FROM events"), 2);
    CHECK_INT(q_int(st, "SELECT count(*) FROM events e JOIN strings s ON "
                        "s.id = e.process_id WHERE (e.pid % 7 = 0) != "
                        "(s.value = 'pr' || char(65533) || 'oc')"), 0);
    st_store_close(st);
    unlink("/tmp/st_test_rows.db");
}

TEST(bulk_failure_fails_the_call)
{
    int64_t sid = 0;
    st_store *st = fresh("/tmp/st_test_rows2.db", &sid);
    CHECK(st != NULL);
    if (!st)
        return;
    /* a trigger stands in for a full disk: the insert statement fails */
    sqlite3_exec(st_store_db(st), "CREATE TEMP TRIGGER no_details BEFORE "
                 "INSERT ON main.event_details BEGIN SELECT "
                 "RAISE(ABORT, 'refused'); END", NULL, NULL, NULL);
    st_event ev;
    make_event(&ev, 3);
    const st_event *p = &ev;
    CHECK_INT(st_store_add_events(st, sid, &p, 1), -1);
    CHECK(strstr(st_store_errmsg(st), "event details") != NULL);
    st_store_source_rollback(st);
    CHECK_INT(q_int(st, "SELECT count(*) FROM events"), 0);
    st_store_close(st);
    unlink("/tmp/st_test_rows2.db");
}

/* The one sender frame is stored as '' and given back whole by event_view
 * (the scan and the timeline reader use the same expression; the e2e
 * tests compare their output); any other backtrace is stored as it is. */
TEST(sender_frame_backtrace_stored_short)
{
    int64_t sid = 0;
    st_store *st = fresh("/tmp/st_test_rows3.db", &sid);
    CHECK(st != NULL);
    if (!st)
        return;
    static const char uuid[] = "D681DF00-7E8A-3258-B56C-DC8DE26CF18B";
    static const char *const bt[4] = {
        "{\"frames\":[{\"imageOffset\":24060,\"imageUUID\":"
        "\"D681DF00-7E8A-3258-B56C-DC8DE26CF18B\"}]}",
        "{\"frames\":[{\"imageOffset\":24061,\"imageUUID\":"
        "\"D681DF00-7E8A-3258-B56C-DC8DE26CF18B\"}]}",
        "{\"frames\":[{\"imageOffset\":18446744073709551615,\"imageUUID\":"
        "\"D681DF00-7E8A-3258-B56C-DC8DE26CF18B\"}]}",
        "{ \"frames\":[{\"imageOffset\":24060,\"imageUUID\":"
        "\"D681DF00-7E8A-3258-B56C-DC8DE26CF18B\"}]}"};
    static const uint64_t pc[4] = {24060, 24060, UINT64_MAX, 24060};
    st_event ev[4];
    for (int i = 0; i < 4; i++) {
        make_event(&ev[i], 1);
        ev[i].has |= ST_HAS_SENDER_PC;
        ev[i].sender_pc = pc[i];
        ev[i].sender_uuid = (st_str){uuid, 36};
        ev[i].backtrace_json = (st_str){bt[i], strlen(bt[i])};
        const st_event *p = &ev[i];
        CHECK_INT(st_store_add_events(st, sid, &p, 1), 0);
    }
    st_source_result res = {"00", 0, "test", "1", "ingested", NULL, 4, 0, 0};
    CHECK_INT(st_store_source_commit(st, sid, &res), 0);
    CHECK_INT(q_int(st, "SELECT count(*) FROM event_details WHERE "
                        "backtrace = ''"), 1);
    CHECK_INT(q_int(st, "SELECT length(backtrace) FROM event_details WHERE "
                        "event_id = 1"), 0);
    for (int i = 0; i < 4; i++) {
        char sql[96];
        snprintf(sql, sizeof sql, "SELECT backtrace FROM event_view WHERE "
                 "id = %d", i + 1);
        char *b = q_text(st, sql);
        CHECK_STR(b, bt[i]);
        free(b);
    }
    st_store_close(st);
    unlink("/tmp/st_test_rows3.db");
}

int main(void)
{
    RUN(bulk_rows_land_on_their_events);
    RUN(bulk_failure_fails_the_call);
    RUN(sender_frame_backtrace_stored_short);
    return RESULT();
}
