/*
 * db_unknown.c -- any SQLite database no other parser claimed.  It bids low
 * on the SQLite magic alone, copies the database the evidence-safe way (so
 * the error names real tables, read through sqlite_master), and always
 * rejects: sigtrail reports what it does not know instead of guessing.
 *
 * When the tables turn out to be those of a known format (its schema was
 * beyond the bytes bidders see, or the input was a renamed copy) the error
 * says which, and how to ask for that parser with --format.
 */
#include <stdio.h>
#include <string.h>

#include "sqlite_evidence.h"

const st_secdb_format *const st_secdb_formats[] = {
    &st_secdb_detached_signatures, &st_secdb_execpolicy,
    &st_secdb_systempolicy, &st_secdb_quarantine_events, NULL};

/* Any SQLite file, below every format that recognised its tables. */
static int bid(const uint8_t *head, size_t n, int at_eof)
{
    (void)at_eof;
    return st_secdb_is_sqlite(head, n) ? 25 : 0;
}

/* Copies and opens the database only to name its tables; always rejects. */
static int read_input(st_input *in, const st_parse_opts *opts, st_sink *sink,
                      char *err, size_t errlen)
{
    (void)opts;
    st_secdb db;
    int rc = st_secdb_open(&db, in, sink, err, errlen);
    if (rc != ST_READ_OK)
        return rc;
    char list[160];
    st_secdb_table_list(&db, list, sizeof list);
    const st_secdb_format *known = NULL;
    for (size_t i = 0; st_secdb_formats[i] && !known; i++)
        if (st_secdb_formats[i]->matches(&db))
            known = st_secdb_formats[i];
    if (known)
        snprintf(err, errlen, "SQLite database whose tables (%s) are those "
                 "of %s; read it with --format %s", list, known->what,
                 known->parser);
    else if (db.ntables == 0)
        snprintf(err, errlen, "SQLite database with no tables: not a "
                 "database sigtrail reads");
    else
        snprintf(err, errlen, "SQLite database of an unknown kind (tables: "
                 "%s): not a database sigtrail reads", list);
    st_secdb_close(&db);
    return ST_READ_REJECTED;
}

const st_parser st_parser_sqlite_unknown = {
    "sqlite-unknown", "1.0",
    "any other SQLite database: rejected with the list of its tables",
    bid, read_input};
