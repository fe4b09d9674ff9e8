/*
 * store_rows.h -- the bulk path of the evidence store: two read-only
 * virtual tables, st_event_rows and st_detail_rows, that show a batch of
 * prepared events to SQLite as rows, so a whole batch is stored by one
 * `INSERT OR FAIL INTO events(cols) SELECT cols FROM st_event_rows` (and
 * the same for event_details) instead of one sqlite3_bind_* call per
 * column.
 *
 * Why: binding 39 parameters per binary log record cost about a third of
 * the writer thread (each bind takes the statement's mutex, unbinds the old
 * value and is copied again by OP_Variable); a virtual table column is one
 * callback that sets the register directly.  Values still never enter SQL
 * text: they reach SQLite through the virtual table API only.
 *
 * Contract:
 *  - The store (store.c) prepares the batch: interned ids resolved, text
 *    already valid UTF-8 without NUL (sanitised copies where needed, with
 *    the original message bytes in message_raw), which rows have details,
 *    which backtraces are the one sender frame (ST_SQL_BACKTRACE).
 *    This module only maps st_row fields to columns and knows no parser.
 *  - st_rows_register() is called once per writing connection; the tables
 *    read whatever *rows holds when the INSERT statements are stepped.
 *  - Only the columns some row of a batch fills are selected: a binary log
 *    record leaves a third of the 39 columns NULL, and each selected column
 *    costs a callback per row.  st_rows_stmt() keeps one prepared INSERT
 *    per column set met (a few per source in practice).
 *  - The virtual tables' columns are named as the schema's columns, so the
 *    statements insert each selected column into its namesake.
 */
#ifndef ST_STORE_ROWS_H
#define ST_STORE_ROWS_H

#include <sqlite3.h>
#include <stdint.h>
#include "event.h"

/* Interned-string ids of one event; 0 stores NULL. */
enum {
    ST_ROW_TYPE, ST_ROW_PROCESS, ST_ROW_SENDER, ST_ROW_SUBSYSTEM,
    ST_ROW_CATEGORY, ST_ROW_EVENT_TYPE, ST_ROW_PROCESS_PATH,
    ST_ROW_SENDER_PATH, ST_ROW_FORMAT_STRING, ST_ROW_PROCESS_UUID,
    ST_ROW_SENDER_UUID, ST_ROW_BOOT_UUID, ST_ROW_IDS
};

typedef struct st_row {
    const st_event *ev;       /* its text fields are clean (see above) */
    st_str message_raw;       /* original message bytes when sanitised */
    int64_t ids[ST_ROW_IDS];
    unsigned char time_text_null;  /* event_view rebuilds the text */
    unsigned char details;    /* has an event_details row */
    unsigned char sender_frame;    /* backtrace stored as '' (store.h) */
} st_row;

typedef struct st_rows {
    st_row *row;
    size_t n;
    int64_t source_id;
    int64_t first_id;         /* events.id of row[0], for event_details */
} st_rows;

/* Registers both tables on db, reading *rows; returns an SQLite code. */
int st_rows_register(sqlite3 *db, st_rows *rows);

/* Bit i set: column i of st_event_rows (or st_detail_rows) has a value in
 * this row.  OR them over a batch for st_rows_stmt(). */
uint32_t st_rows_event_cols(const st_row *r);
uint32_t st_rows_detail_cols(const st_row *r);

/* Prepared INSERTs by column set, for one connection. */
#define ST_ROWS_SHAPES 8
typedef struct st_rows_stmts {
    uint32_t cols[2][ST_ROWS_SHAPES];
    sqlite3_stmt *stmt[2][ST_ROWS_SHAPES];
    int next[2];              /* slot the next new shape replaces */
} st_rows_stmts;

/* The INSERT ... SELECT of the columns in `cols` from st_event_rows
 * (details 0) or st_detail_rows (details 1), prepared on first use; NULL
 * when SQLite refuses it (message in sqlite3_errmsg(db)). */
sqlite3_stmt *st_rows_stmt(st_rows_stmts *c, sqlite3 *db, int details,
                           uint32_t cols);
void st_rows_stmts_free(st_rows_stmts *c);

#endif
