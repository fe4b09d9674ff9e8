/*
 * store_rows.h -- the bulk path of the evidence store: two read-only
 * virtual tables, st_event_rows and st_detail_rows, that show a batch of
 * prepared events to SQLite as rows, so a whole batch is stored by one
 * `INSERT INTO events ... SELECT * FROM st_event_rows` (and the same for
 * event_details) instead of one sqlite3_bind_* call per column.
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
 *    the original message bytes in message_raw), which rows have details.
 *    This module only maps st_row fields to columns and knows no parser.
 *  - st_rows_register() is called once per writing connection; the tables
 *    read whatever *rows holds when the INSERT statements are stepped.
 *  - The column lists of the two INSERTs below are the single place that
 *    ties the virtual tables' columns to the schema's.
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
    ST_ROW_SENDER_PATH, ST_ROW_FORMAT_STRING, ST_ROW_IDS
};

typedef struct st_row {
    const st_event *ev;       /* its text fields are clean (see above) */
    st_str message_raw;       /* original message bytes when sanitised */
    int64_t ids[ST_ROW_IDS];
    unsigned char time_text_null;  /* event_view rebuilds the text */
    unsigned char details;    /* has an event_details row */
} st_row;

typedef struct st_rows {
    st_row *row;
    size_t n;
    int64_t source_id;
    int64_t first_id;         /* events.id of row[0], for event_details */
} st_rows;

/* Registers both tables on db, reading *rows; returns an SQLite code. */
int st_rows_register(sqlite3 *db, st_rows *rows);

extern const char st_rows_insert_events_sql[];
extern const char st_rows_insert_details_sql[];

#endif
