/*
 * cmd_query.c -- `sigtrail query CASE.db 'SELECT ...'`: read-only SQL on a
 * case, printed like the timeline (aligned text, CSV, JSON lines, JSON).
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cmd.h"
#include "logshow_out.h"
#include "opts.h"
#include "store.h"
#include "timeline.h"

/* Usage, on standard output. */
static void help(void)
{
    printf("usage: sigtrail query [OPTIONS] CASE.db 'SQL'\n\n"
           "Runs one read-only SQL statement on the case and prints its "
           "rows.  The\ncase is opened read-only and with PRAGMA "
           "query_only, so a statement that\nwould change it fails.  "
           "Tables and the event_view: docs/store.md.\n\n"
           "  sigtrail query case.db \"SELECT time_text, process, message "
           "FROM event_view\n      WHERE message LIKE '%%-67030%%' ORDER BY "
           "time_us\"\n\n"
           "Options:\n"
           "  --format F          text (aligned columns; default), csv "
           "(RFC 4180),\n"
           "                      jsonl, json\n"
           "  -o, --output FILE   write there instead of standard output\n"
           "  -h, --help          this help\n\n"
           "Exit status: 0 rows printed; 1 no row; 2 error (bad SQL, a "
           "write, no case).\n");
}

/* 1 when text holds only whitespace and semicolons (and SQL comments). */
static int only_blank(const char *s)
{
    while (*s) {
        if (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r' || *s == ';') {
            s++;
        } else if (s[0] == '-' && s[1] == '-') {
            while (*s && *s != '\n')
                s++;
        } else if (s[0] == '/' && s[1] == '*') {
            const char *e = strstr(s + 2, "*/");
            if (!e)
                return 1;
            s = e + 2;
        } else {
            return 0;
        }
    }
    return 1;
}

/* Opens the case read-only, refuses statements that would write or
 * that come two at a time, and prints the rows. */
int cmd_query(int argc, char **argv)
{
    static const struct option lo[] = {
        {"format", required_argument, NULL, 'f'},
        {"output", required_argument, NULL, 'o'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0}};
    int fmt = TL_TEXT, c;
    const char *out_path = NULL;
    st_opts_reset();
    while ((c = getopt_long(argc, argv, "ho:", lo, NULL)) != -1) {
        switch (c) {
        case 'f':
            if ((fmt = tl_format_parse(optarg)) < 0)
                return st_usage_error("query", "--format is text, csv, jsonl"
                                      " or json");
            break;
        case 'o': out_path = optarg; break;
        case 'h': help(); return ST_EXIT_OK;
        default: return st_usage_error("query", "bad option");
        }
    }
    if (argc - optind != 2)
        return st_usage_error("query", "needs a case file and one SQL "
                              "statement");
    const char *sql = argv[optind + 1];
    st_store *st;
    char err[512];
    if (st_store_open(&st, argv[optind], ST_STORE_READONLY, err,
                      sizeof err) < 0) {
        st_error("query", "%s", err);
        return ST_EXIT_ERROR;
    }
    sqlite3 *db = st_store_db(st);
    /* Read-only twice over: the connection (SQLITE_OPEN_READONLY) and the
     * session, which also refuses writes to ATTACHed files. */
    sqlite3_exec(db, "PRAGMA query_only=1", NULL, NULL, NULL);
    sqlite3_stmt *q = NULL;
    const char *tail = NULL;
    if (sqlite3_prepare_v2(db, sql, -1, &q, &tail) != SQLITE_OK || !q) {
        st_error("query", "%s", q ? sqlite3_errmsg(db)
                                  : (sqlite3_errcode(db) ? sqlite3_errmsg(db)
                                                         : "no statement"));
        sqlite3_finalize(q);
        st_store_close(st);
        return ST_EXIT_ERROR;
    }
    if (tail && !only_blank(tail)) {
        st_error("query", "one statement at a time (text after the first: "
                 "\"%.40s\")", tail);
        sqlite3_finalize(q);
        st_store_close(st);
        return ST_EXIT_ERROR;
    }
    if (!sqlite3_stmt_readonly(q)) {
        st_error("query", "the case is opened read-only: this statement "
                 "would change it");
        sqlite3_finalize(q);
        st_store_close(st);
        return ST_EXIT_ERROR;
    }
    FILE *out = stdout;
    if (out_path && !(out = fopen(out_path, "w"))) {
        st_error("query", "%s: %s", out_path, strerror(errno));
        sqlite3_finalize(q);
        st_store_close(st);
        return ST_EXIT_ERROR;
    }
    st_out o;
    st_out_init(&o, out);
    int64_t rows = tl_write_query(&o, q, (tl_format)fmt, err, sizeof err);
    int wrc = st_out_close(&o);
    if (out != stdout && fclose(out) != 0)
        wrc = -1;
    sqlite3_finalize(q);
    st_store_close(st);
    if (rows < 0) {
        st_error("query", "%s", err);
        return ST_EXIT_ERROR;
    }
    if (wrc < 0) {
        st_error("query", "writing %s failed: %s",
                 out_path ? out_path : "standard output", strerror(errno));
        return ST_EXIT_ERROR;
    }
    return rows ? ST_EXIT_OK : ST_EXIT_NONE;
}
