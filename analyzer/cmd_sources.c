/*
 * cmd_sources.c -- `sigtrail sources CASE.db`: every input with its hash,
 * format, counts, status, notes and warnings.
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cmd.h"
#include "opts.h"
#include "store.h"

static void help(void)
{
    printf("usage: sigtrail sources [OPTIONS] CASE.db\n\n"
           "Lists the case's inputs: id, status, format, records, unparsed "
           "lines,\nwarnings, SHA-256, size and path, then each input's "
           "notes (style, zone\nassumed, filter) and warnings.\n\n"
           "Options:\n"
           "  --all-warnings   print every stored warning (default: 10 per "
           "input)\n"
           "  -h, --help       this help\n\n"
           "Exit status: 0 listed; 1 the case has no sources; 2 error.\n");
}

static const char *txt(sqlite3_stmt *q, int i)
{
    const unsigned char *s = sqlite3_column_text(q, i);
    return s ? (const char *)s : "";
}

int cmd_sources(int argc, char **argv)
{
    static const struct option lo[] = {
        {"all-warnings", no_argument, NULL, 'a'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0}};
    int all = 0, c;
    st_opts_reset();
    while ((c = getopt_long(argc, argv, "h", lo, NULL)) != -1) {
        if (c == 'h') {
            help();
            return ST_EXIT_OK;
        } else if (c == 'a') {
            all = 1;
        } else {
            return st_usage_error("sources", "bad option");
        }
    }
    if (argc - optind != 1)
        return st_usage_error("sources", "needs one case file");
    st_store *st;
    char err[512];
    if (st_store_open(&st, argv[optind], ST_STORE_READONLY, err,
                      sizeof err) < 0) {
        st_error("sources", "%s", err);
        return ST_EXIT_ERROR;
    }
    sqlite3 *db = st_store_db(st);
    sqlite3_stmt *q, *n, *w;
    if (sqlite3_prepare_v2(db,
            "SELECT id, status, format, records, unparsed, warnings, sha256,"
            " size, path, member, started_utc, parser_version, "
            " sigtrail_version, error, command_line FROM sources ORDER BY id",
            -1, &q, NULL) != SQLITE_OK ||
        sqlite3_prepare_v2(db, "SELECT key, value FROM source_notes WHERE "
                           "source_id = ? ORDER BY rowid", -1, &n,
                           NULL) != SQLITE_OK ||
        sqlite3_prepare_v2(db, "SELECT line, message FROM warnings WHERE "
                           "source_id = ? ORDER BY id LIMIT ?", -1, &w,
                           NULL) != SQLITE_OK) {
        st_error("sources", "%s", sqlite3_errmsg(db));
        st_store_close(st);
        return ST_EXIT_ERROR;
    }
    int rows = 0;
    while (sqlite3_step(q) == SQLITE_ROW) {
        rows++;
        int64_t id = sqlite3_column_int64(q, 0);
        printf("[%lld] %s%s%s\n", (long long)id, txt(q, 8),
               sqlite3_column_type(q, 9) != SQLITE_NULL ? " :: " : "",
               txt(q, 9));
        printf("    status %s, format %s %s, %lld records, %lld unparsed, "
               "%lld warnings\n", txt(q, 1), txt(q, 2), txt(q, 11),
               (long long)sqlite3_column_int64(q, 3),
               (long long)sqlite3_column_int64(q, 4),
               (long long)sqlite3_column_int64(q, 5));
        printf("    sha256 %s, %lld bytes\n", txt(q, 6),
               (long long)sqlite3_column_int64(q, 7));
        printf("    ingested %s by sigtrail %s: %s\n", txt(q, 10), txt(q, 12),
               txt(q, 14));
        if (sqlite3_column_type(q, 13) != SQLITE_NULL)
            printf("    error: %s\n", txt(q, 13));
        sqlite3_bind_int64(n, 1, id);
        while (sqlite3_step(n) == SQLITE_ROW)
            printf("    note %s: %s\n", txt(n, 0), txt(n, 1));
        sqlite3_reset(n);
        sqlite3_bind_int64(w, 1, id);
        sqlite3_bind_int64(w, 2, all ? -1 : 10);
        while (sqlite3_step(w) == SQLITE_ROW) {
            if (sqlite3_column_type(w, 0) != SQLITE_NULL)
                printf("    warning line %lld: %s\n",
                       (long long)sqlite3_column_int64(w, 0), txt(w, 1));
            else
                printf("    warning: %s\n", txt(w, 1));
        }
        sqlite3_reset(w);
    }
    sqlite3_finalize(q);
    sqlite3_finalize(n);
    sqlite3_finalize(w);
    st_store_close(st);
    return rows ? ST_EXIT_OK : ST_EXIT_NONE;
}
