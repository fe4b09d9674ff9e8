/*
 * cmd_stats.c -- `sigtrail stats CASE.db`: what is in a case at a glance.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "opts.h"
#include "store.h"
#include "timeparse.h"

static void help(void)
{
    printf("usage: sigtrail stats [OPTIONS] CASE.db\n\n"
           "Prints the number of events and sources, the time range (UTC),"
           " and\nevent counts per type, per process and per subsystem.\n\n"
           "Options:\n"
           "  --top N      rows per table (default 15; 0 = all)\n"
           "  -h, --help   this help\n\n"
           "Exit status: 0 printed; 1 the case holds no events; 2 error.\n");
}

/* Prints "count  value" rows of a GROUP BY query. */
static void table(sqlite3 *db, const char *title, const char *sql, int top)
{
    sqlite3_stmt *q;
    if (sqlite3_prepare_v2(db, sql, -1, &q, NULL) != SQLITE_OK)
        return;
    sqlite3_bind_int(q, 1, top > 0 ? top : -1);
    printf("\n%s\n", title);
    while (sqlite3_step(q) == SQLITE_ROW) {
        const unsigned char *v = sqlite3_column_text(q, 1);
        printf("  %10lld  %s\n", (long long)sqlite3_column_int64(q, 0),
               v ? (const char *)v : "(none)");
    }
    sqlite3_finalize(q);
}

int cmd_stats(int argc, char **argv)
{
    static const struct option lo[] = {{"top", required_argument, NULL, 't'},
                                       {"help", no_argument, NULL, 'h'},
                                       {NULL, 0, NULL, 0}};
    int top = 15, c;
    st_opts_reset();
    while ((c = getopt_long(argc, argv, "h", lo, NULL)) != -1) {
        if (c == 'h') {
            help();
            return ST_EXIT_OK;
        } else if (c == 't') {
            top = atoi(optarg);
        } else {
            return st_usage_error("stats", "bad option");
        }
    }
    if (argc - optind != 1)
        return st_usage_error("stats", "needs one case file");
    st_store *st;
    char err[512];
    if (st_store_open(&st, argv[optind], ST_STORE_READONLY, err,
                      sizeof err) < 0) {
        st_error("stats", "%s", err);
        return ST_EXIT_ERROR;
    }
    sqlite3 *db = st_store_db(st);
    sqlite3_stmt *q;
    int64_t events = 0, sources = 0, lo_t = 0, hi_t = 0, timed = 0;
    if (sqlite3_prepare_v2(db, "SELECT (SELECT count(*) FROM events), "
                           "(SELECT count(*) FROM sources WHERE status IN "
                           "('ingested','partial')), min(time_us), "
                           "max(time_us), count(time_us) FROM events", -1, &q,
                           NULL) == SQLITE_OK &&
        sqlite3_step(q) == SQLITE_ROW) {
        events = sqlite3_column_int64(q, 0);
        sources = sqlite3_column_int64(q, 1);
        lo_t = sqlite3_column_int64(q, 2);
        hi_t = sqlite3_column_int64(q, 3);
        timed = sqlite3_column_int64(q, 4);
    }
    sqlite3_finalize(q);
    printf("%lld events from %lld sources\n", (long long)events,
           (long long)sources);
    if (timed) {
        char a[40], b[40];
        st_format_iso(lo_t, 0, a, sizeof a);
        st_format_iso(hi_t, 0, b, sizeof b);
        printf("time range (UTC): %s .. %s\n", a, b);
    }
    table(db, "events by type",
          "SELECT count(*), s.value FROM events e LEFT JOIN strings s ON "
          "s.id = e.type_id GROUP BY e.type_id ORDER BY 1 DESC LIMIT ?", top);
    table(db, "events by process",
          "SELECT count(*), s.value FROM events e LEFT JOIN strings s ON "
          "s.id = e.process_id GROUP BY e.process_id ORDER BY 1 DESC "
          "LIMIT ?", top);
    table(db, "events by subsystem",
          "SELECT count(*), s.value FROM events e LEFT JOIN strings s ON "
          "s.id = e.subsystem_id GROUP BY e.subsystem_id ORDER BY 1 DESC "
          "LIMIT ?", top);
    table(db, "events by source",
          "SELECT count(*), '[' || src.id || '] ' || src.path FROM events e "
          "JOIN sources src ON src.id = e.source_id GROUP BY e.source_id "
          "ORDER BY e.source_id LIMIT ?", top);
    st_store_close(st);
    return events ? ST_EXIT_OK : ST_EXIT_NONE;
}
