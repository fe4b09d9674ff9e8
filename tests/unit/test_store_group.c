/*
 * test_store_group.c -- group commit (st_store_group_begin): inputs are
 * savepoints of one transaction; a rolled-back input leaves the others;
 * the duplicate check sees inputs not yet committed; a walk's own batch
 * joins the group; nothing is on disk before the group commits and all of
 * it is after; a transaction SQLite dropped is noticed and the lost inputs
 * counted; without a group each input commits at once.
 */
#include <stdlib.h>
#include <unistd.h>
#include "check.h"
#include "store.h"

#define CASE "/tmp/st_test_group.db"
#define GROUP_S 0.3            /* the test's group interval */

static st_store *open_case(int fresh)
{
    char err[256];
    st_store *st;
    if (fresh) {
        unlink(CASE);
        unlink(CASE "-journal");
    }
    if (st_store_open(&st, CASE, ST_STORE_CREATE, err, sizeof err)) {
        fprintf(stderr, "%s\n", err);
        return NULL;
    }
    return st;
}

/* count(*) of a query, on the store's own connection (-1 on error) */
static long long q_int(sqlite3 *db, const char *sql)
{
    sqlite3_stmt *q;
    long long v = -1;
    if (sqlite3_prepare_v2(db, sql, -1, &q, NULL) == SQLITE_OK &&
        sqlite3_step(q) == SQLITE_ROW)
        v = sqlite3_column_int64(q, 0);
    sqlite3_finalize(q);
    return v;
}

/* count of committed sources, seen by a second connection */
static long long committed_sources(void)
{
    sqlite3 *db;
    long long v = -1;
    if (sqlite3_open_v2(CASE, &db, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK)
        v = q_int(db, "SELECT count(*) FROM sources");
    sqlite3_close(db);
    return v;
}

/* Ingests one input of n events named by sha; commits it, or rolls it back
 * when `keep` is 0.  Returns the source id, or -1. */
static int64_t one_input(st_store *st, const char *sha, int n, int keep)
{
    st_source_info info = {sha, NULL, 0, 0};
    int64_t sid;
    if (st_store_source_begin(st, &info, &sid) < 0)
        return -1;
    for (int i = 0; i < n; i++) {
        st_event ev;
        memset(&ev, 0, sizeof ev);
        ev.has = ST_HAS_TIME | ST_TEXT_CHECKED;
        ev.time_us = 1700000000000000LL + i;
        ev.process = (st_str){sha, strlen(sha)};    /* an interned string */
        ev.message = (st_str){"m", 1};
        const st_event *p = &ev;
        if (st_store_add_events(st, sid, &p, 1) < 0)
            return -1;
    }
    if (!keep) {
        st_store_source_rollback(st);
        return sid;
    }
    st_source_result res = {sha, 1, "test", "1", "ingested", NULL, n, 0, 0};
    return st_store_source_commit(st, sid, &res) < 0 ? -1 : sid;
}

TEST(group_keeps_released_inputs_and_drops_rolled_back_ones)
{
    st_store *st = open_case(1);
    CHECK(st != NULL);
    if (!st)
        return;
    st_store_group_begin(st, GROUP_S);
    int64_t a = one_input(st, "aa", 5, 1);
    CHECK(a > 0);
    CHECK(one_input(st, "bb", 7, 0) > 0);       /* rolled back */
    int64_t c = one_input(st, "cc", 3, 1);
    CHECK(c > 0);
    /* the duplicate check sees the group's inputs before they commit */
    CHECK_INT(st_store_source_by_sha(st, "aa", 0), a);
    CHECK_INT(st_store_source_by_sha(st, "bb", 0), 0);
    /* a batch of the walk's joins the group: nothing to commit of its own */
    int opened = st_store_tx_begin(st);
    CHECK_INT(opened, 0);
    CHECK_INT(st_store_add_note(st, a, "k", "v"), 0);
    CHECK_INT(st_store_tx_end(st, opened), 0);
    /* the inputs took well under GROUP_S: not on disk yet */
    CHECK_INT(committed_sources(), 0);
    CHECK_INT(st_store_group_end(st), 0);
    CHECK_INT(committed_sources(), 2);
    sqlite3 *db = st_store_db(st);
    CHECK_INT(q_int(db, "SELECT count(*) FROM events"), 8);
    CHECK_INT(q_int(db, "SELECT count(*) FROM sources WHERE path = 'bb'"), 0);
    CHECK_INT(q_int(db, "SELECT count(*) FROM source_notes"), 1);
    /* the string cache was cleared with the rolled-back input: "bb" is
     * not in the strings table, and "cc" got a row of its own */
    CHECK_INT(q_int(db, "SELECT count(*) FROM strings WHERE value = 'bb'"),
              0);
    CHECK_INT(q_int(db, "SELECT count(*) FROM event_view WHERE process = "
                        "'cc'"), 3);
    st_store_close(st);
}

TEST(group_commits_once_its_time_is_up)
{
    st_store *st = open_case(1);
    CHECK(st != NULL);
    if (!st)
        return;
    st_store_group_begin(st, GROUP_S);
    CHECK(one_input(st, "aa", 1, 1) > 0);
    CHECK_INT(committed_sources(), 0);
    usleep((useconds_t)(GROUP_S * 1e6) + 50000);
    CHECK(one_input(st, "bb", 1, 1) > 0);       /* its commit ends the group */
    CHECK_INT(committed_sources(), 2);
    CHECK(one_input(st, "cc", 1, 1) > 0);       /* a new group begins */
    CHECK_INT(committed_sources(), 2);
    CHECK_INT(st_store_group_end(st), 0);
    CHECK_INT(committed_sources(), 3);
    st_store_close(st);
}

TEST(group_lost_by_sqlite_is_reported)
{
    st_store *st = open_case(1);
    CHECK(st != NULL);
    if (!st)
        return;
    st_store_group_begin(st, GROUP_S);
    CHECK(one_input(st, "aa", 2, 1) > 0);
    CHECK(one_input(st, "bb", 2, 1) > 0);
    /* what SQLite does itself after a full disk or an I/O error */
    sqlite3_exec(st_store_db(st), "ROLLBACK", NULL, NULL, NULL);
    CHECK(one_input(st, "cc", 2, 1) > 0);       /* a new transaction */
    CHECK_INT(st_store_group_end(st), -1);
    CHECK(strstr(st_store_errmsg(st), "2 ingested inputs were lost") != NULL);
    CHECK_INT(committed_sources(), 1);
    CHECK_INT(q_int(st_store_db(st), "SELECT count(*) FROM events"), 2);
    st_store_close(st);
}

TEST(without_a_group_each_input_commits)
{
    st_store *st = open_case(1);
    CHECK(st != NULL);
    if (!st)
        return;
    CHECK(one_input(st, "aa", 2, 1) > 0);
    CHECK_INT(committed_sources(), 1);
    CHECK(one_input(st, "bb", 2, 0) > 0);
    CHECK_INT(committed_sources(), 1);
    int opened = st_store_tx_begin(st);
    CHECK_INT(opened, 1);
    CHECK_INT(st_store_add_note(st, 1, "k", "v"), 0);
    CHECK_INT(st_store_tx_end(st, opened), 0);
    CHECK_INT(st_store_group_end(st), 0);       /* no group: nothing to do */
    st_store_close(st);
    /* a group left open is committed by close */
    st = open_case(0);
    CHECK(st != NULL);
    if (!st)
        return;
    st_store_group_begin(st, GROUP_S);
    CHECK(one_input(st, "cc", 2, 1) > 0);
    st_store_close(st);
    CHECK_INT(committed_sources(), 2);
    unlink(CASE);
}

int main(void)
{
    RUN(group_keeps_released_inputs_and_drops_rolled_back_ones);
    RUN(group_commits_once_its_time_is_up);
    RUN(group_lost_by_sqlite_is_reported);
    RUN(without_a_group_each_input_commits);
    return RESULT();
}
