/*
 * store_rows.c -- st_event_rows and st_detail_rows, the virtual tables of
 * the store's bulk insert.  See store_rows.h.
 */
#include "store_rows.h"

#include <limits.h>
#include <stdlib.h>

/* The columns of the two tables, named as in the schema (store.c). */
static const char *const event_cols[] = {
    "source_id", "line", "byte_offset", "time_us", "utc_offset_min",
    "time_text", "type_id", "thread_id", "activity_id", "pid", "ttl",
    "process_id", "sender_id", "subsystem_id", "category_id", "message",
    "message_raw"};
static const char *const detail_cols[] = {
    "event_id", "locator", "event_type_id", "parent_activity_id", "user_id",
    "trace_id", "mach_timestamp", "sender_pc", "signpost_id",
    "process_path_id", "sender_path_id", "format_string_id",
    "process_uuid_id", "sender_uuid_id", "boot_uuid_id", "timezone_name",
    "signpost_name",
    "signpost_scope", "signpost_type", "backtrace", "source_json", "extra"};
#define NCOLS(a) (int)(sizeof a / sizeof *a)

typedef struct rows_vtab {
    sqlite3_vtab base;
    st_rows *rows;
    int details;              /* st_detail_rows: skips rows without */
} rows_vtab;

typedef struct rows_cursor {
    sqlite3_vtab_cursor base;
    size_t i;
} rows_cursor;

/* "a,b,c" of the columns of a table whose bits are set in cols, or NULL
 * when out of memory; sqlite3_free() it. */
static char *column_list(int details, uint32_t cols)
{
    const char *const *name = details ? detail_cols : event_cols;
    int n = details ? NCOLS(detail_cols) : NCOLS(event_cols);
    sqlite3_str *b = sqlite3_str_new(NULL);
    for (int i = 0, k = 0; i < n; i++)
        if (cols & (1u << i))
            sqlite3_str_appendf(b, "%s%s", k++ ? "," : "", name[i]);
    return sqlite3_str_finish(b);
}

/* Declares the table's columns; pAux is the st_rows the table reads. */
static int connect_common(sqlite3 *db, void *aux, sqlite3_vtab **out,
                          int details)
{
    char *list = column_list(details, ~0u);
    char *decl = list ? sqlite3_mprintf("CREATE TABLE x(%s)", list) : NULL;
    int rc = decl ? sqlite3_declare_vtab(db, decl) : SQLITE_NOMEM;
    sqlite3_free(list);
    sqlite3_free(decl);
    if (rc != SQLITE_OK)
        return rc;
    rows_vtab *t = sqlite3_malloc(sizeof *t);
    if (!t)
        return SQLITE_NOMEM;
    *t = (rows_vtab){.rows = aux, .details = details};
    *out = &t->base;
    return SQLITE_OK;
}

static int events_connect(sqlite3 *db, void *aux, int argc,
                          const char *const *argv, sqlite3_vtab **out,
                          char **err)
{
    (void)argc, (void)argv, (void)err;
    return connect_common(db, aux, out, 0);
}

static int details_connect(sqlite3 *db, void *aux, int argc,
                           const char *const *argv, sqlite3_vtab **out,
                           char **err)
{
    (void)argc, (void)argv, (void)err;
    return connect_common(db, aux, out, 1);
}

static int rows_disconnect(sqlite3_vtab *vt)
{
    sqlite3_free(vt);
    return SQLITE_OK;
}

/* Only full scans, in row order (the order events get their ids). */
static int rows_best_index(sqlite3_vtab *vt, sqlite3_index_info *info)
{
    rows_vtab *t = (rows_vtab *)vt;
    info->estimatedRows = (sqlite3_int64)t->rows->n;
    info->estimatedCost = (double)t->rows->n;
    return SQLITE_OK;
}

static int rows_open(sqlite3_vtab *vt, sqlite3_vtab_cursor **out)
{
    (void)vt;
    rows_cursor *c = sqlite3_malloc(sizeof *c);
    if (!c)
        return SQLITE_NOMEM;
    *c = (rows_cursor){{0}, 0};
    *out = &c->base;
    return SQLITE_OK;
}

static int rows_close(sqlite3_vtab_cursor *cur)
{
    sqlite3_free(cur);
    return SQLITE_OK;
}

/* Moves the cursor to the first row at or after i that the table shows. */
static void seek_from(rows_cursor *c, size_t i)
{
    rows_vtab *t = (rows_vtab *)c->base.pVtab;
    if (t->details)
        while (i < t->rows->n && !t->rows->row[i].details)
            i++;
    c->i = i;
}

static int rows_filter(sqlite3_vtab_cursor *cur, int idx, const char *idxs,
                       int argc, sqlite3_value **argv)
{
    (void)idx, (void)idxs, (void)argc, (void)argv;
    seek_from((rows_cursor *)cur, 0);
    return SQLITE_OK;
}

static int rows_next(sqlite3_vtab_cursor *cur)
{
    rows_cursor *c = (rows_cursor *)cur;
    seek_from(c, c->i + 1);
    return SQLITE_OK;
}

static int rows_eof(sqlite3_vtab_cursor *cur)
{
    rows_cursor *c = (rows_cursor *)cur;
    return c->i >= ((rows_vtab *)cur->pVtab)->rows->n;
}

static int rows_rowid(sqlite3_vtab_cursor *cur, sqlite3_int64 *out)
{
    *out = (sqlite3_int64)((rows_cursor *)cur)->i;
    return SQLITE_OK;
}

/* A column value: absent values are left NULL, which is what SQLite
 * assumes when xColumn sets no result.  Text over INT_MAX bytes fails the
 * insert (SQLite's own limit is lower) instead of being cut. */
static void put_text(sqlite3_context *ctx, st_str v)
{
    if (v.p && v.n > INT_MAX)
        sqlite3_result_error_toobig(ctx);
    else if (v.p)
        sqlite3_result_text(ctx, v.p, (int)v.n, SQLITE_STATIC);
}

static void put_int(sqlite3_context *ctx, int have, int64_t v)
{
    if (have)
        sqlite3_result_int64(ctx, v);
}

static void put_id(sqlite3_context *ctx, int64_t id)
{
    if (id > 0)
        sqlite3_result_int64(ctx, id);
}

static int events_column(sqlite3_vtab_cursor *cur, sqlite3_context *ctx,
                         int col)
{
    rows_cursor *c = (rows_cursor *)cur;
    st_rows *rs = ((rows_vtab *)cur->pVtab)->rows;
    const st_row *r = &rs->row[c->i];
    const st_event *ev = r->ev;
    unsigned h = ev->has;
    switch (col) {
    case 0: sqlite3_result_int64(ctx, rs->source_id); break;
    case 1: put_int(ctx, ev->line > 0, ev->line); break;
    case 2: put_int(ctx, ev->byte_offset >= 0, ev->byte_offset); break;
    case 3: put_int(ctx, h & ST_HAS_TIME, ev->time_us); break;
    case 4: put_int(ctx, h & ST_HAS_OFFSET, ev->utc_offset_min); break;
    case 5:
        if (!r->time_text_null)
            put_text(ctx, ev->time_text);
        break;
    case 6: put_id(ctx, r->ids[ST_ROW_TYPE]); break;
    /* unsigned 64-bit values are stored as their two's complement */
    case 7: put_int(ctx, h & ST_HAS_THREAD, (int64_t)ev->thread_id); break;
    case 8: put_int(ctx, h & ST_HAS_ACTIVITY, (int64_t)ev->activity_id); break;
    case 9: put_int(ctx, h & ST_HAS_PID, ev->pid); break;
    case 10: put_int(ctx, h & ST_HAS_TTL, ev->ttl); break;
    case 11: put_id(ctx, r->ids[ST_ROW_PROCESS]); break;
    case 12: put_id(ctx, r->ids[ST_ROW_SENDER]); break;
    case 13: put_id(ctx, r->ids[ST_ROW_SUBSYSTEM]); break;
    case 14: put_id(ctx, r->ids[ST_ROW_CATEGORY]); break;
    case 15: put_text(ctx, ev->message); break;
    case 16:
        if (r->message_raw.p && r->message_raw.n > INT_MAX)
            sqlite3_result_error_toobig(ctx);
        else if (r->message_raw.p)
            sqlite3_result_blob(ctx, r->message_raw.p,
                                (int)r->message_raw.n, SQLITE_STATIC);
        break;
    }
    return SQLITE_OK;
}

static int details_column(sqlite3_vtab_cursor *cur, sqlite3_context *ctx,
                          int col)
{
    rows_cursor *c = (rows_cursor *)cur;
    st_rows *rs = ((rows_vtab *)cur->pVtab)->rows;
    const st_row *r = &rs->row[c->i];
    const st_event *ev = r->ev;
    unsigned h = ev->has;
    switch (col) {
    case 0: sqlite3_result_int64(ctx, rs->first_id + (int64_t)c->i); break;
    case 1: put_text(ctx, ev->locator); break;
    case 2: put_id(ctx, r->ids[ST_ROW_EVENT_TYPE]); break;
    case 3:
        put_int(ctx, h & ST_HAS_PARENT_ACT, (int64_t)ev->parent_activity_id);
        break;
    case 4: put_int(ctx, h & ST_HAS_USER, ev->user_id); break;
    case 5: put_int(ctx, h & ST_HAS_TRACE, (int64_t)ev->trace_id); break;
    case 6: put_int(ctx, h & ST_HAS_MACH, (int64_t)ev->mach_timestamp); break;
    case 7: put_int(ctx, h & ST_HAS_SENDER_PC, (int64_t)ev->sender_pc); break;
    case 8:
        put_int(ctx, h & ST_HAS_SIGNPOST_ID, (int64_t)ev->signpost_id);
        break;
    case 9: put_id(ctx, r->ids[ST_ROW_PROCESS_PATH]); break;
    case 10: put_id(ctx, r->ids[ST_ROW_SENDER_PATH]); break;
    case 11: put_id(ctx, r->ids[ST_ROW_FORMAT_STRING]); break;
    case 12: put_id(ctx, r->ids[ST_ROW_PROCESS_UUID]); break;
    case 13: put_id(ctx, r->ids[ST_ROW_SENDER_UUID]); break;
    case 14: put_id(ctx, r->ids[ST_ROW_BOOT_UUID]); break;
    case 15: put_text(ctx, ev->timezone_name); break;
    case 16: put_text(ctx, ev->signpost_name); break;
    case 17: put_text(ctx, ev->signpost_scope); break;
    case 18: put_text(ctx, ev->signpost_type); break;
    case 19:
        if (r->sender_frame)
            sqlite3_result_text(ctx, "", 0, SQLITE_STATIC);
        else
            put_text(ctx, ev->backtrace_json);
        break;
    case 20: put_text(ctx, ev->source_json); break;
    case 21: put_text(ctx, ev->extra_json); break;
    }
    return SQLITE_OK;
}

/* Eponymous-only (no xCreate): the tables exist on every connection that
 * registered them, and cannot be created in or dropped from a case file. */
static const sqlite3_module events_module = {
    .iVersion = 0,
    .xConnect = events_connect,
    .xBestIndex = rows_best_index,
    .xDisconnect = rows_disconnect,
    .xOpen = rows_open,
    .xClose = rows_close,
    .xFilter = rows_filter,
    .xNext = rows_next,
    .xEof = rows_eof,
    .xColumn = events_column,
    .xRowid = rows_rowid,
};

static const sqlite3_module details_module = {
    .iVersion = 0,
    .xConnect = details_connect,
    .xBestIndex = rows_best_index,
    .xDisconnect = rows_disconnect,
    .xOpen = rows_open,
    .xClose = rows_close,
    .xFilter = rows_filter,
    .xNext = rows_next,
    .xEof = rows_eof,
    .xColumn = details_column,
    .xRowid = rows_rowid,
};

int st_rows_register(sqlite3 *db, st_rows *rows)
{
    int rc = sqlite3_create_module_v2(db, "st_event_rows", &events_module,
                                      rows, NULL);
    if (rc == SQLITE_OK)
        rc = sqlite3_create_module_v2(db, "st_detail_rows", &details_module,
                                      rows, NULL);
    return rc;
}

uint32_t st_rows_event_cols(const st_row *r)
{
    const st_event *ev = r->ev;
    unsigned h = ev->has;
#define BIT(i, cond) ((cond) ? 1u << (i) : 0u)
    return BIT(0, 1) | BIT(1, ev->line > 0) | BIT(2, ev->byte_offset >= 0) |
           BIT(3, h & ST_HAS_TIME) | BIT(4, h & ST_HAS_OFFSET) |
           BIT(5, !r->time_text_null && ev->time_text.p) |
           BIT(6, r->ids[ST_ROW_TYPE] > 0) | BIT(7, h & ST_HAS_THREAD) |
           BIT(8, h & ST_HAS_ACTIVITY) | BIT(9, h & ST_HAS_PID) |
           BIT(10, h & ST_HAS_TTL) | BIT(11, r->ids[ST_ROW_PROCESS] > 0) |
           BIT(12, r->ids[ST_ROW_SENDER] > 0) |
           BIT(13, r->ids[ST_ROW_SUBSYSTEM] > 0) |
           BIT(14, r->ids[ST_ROW_CATEGORY] > 0) | BIT(15, ev->message.p) |
           BIT(16, r->message_raw.p);
}

uint32_t st_rows_detail_cols(const st_row *r)
{
    const st_event *ev = r->ev;
    unsigned h = ev->has;
    return BIT(0, 1) | BIT(1, ev->locator.p) |
           BIT(2, r->ids[ST_ROW_EVENT_TYPE] > 0) |
           BIT(3, h & ST_HAS_PARENT_ACT) | BIT(4, h & ST_HAS_USER) |
           BIT(5, h & ST_HAS_TRACE) | BIT(6, h & ST_HAS_MACH) |
           BIT(7, h & ST_HAS_SENDER_PC) | BIT(8, h & ST_HAS_SIGNPOST_ID) |
           BIT(9, r->ids[ST_ROW_PROCESS_PATH] > 0) |
           BIT(10, r->ids[ST_ROW_SENDER_PATH] > 0) |
           BIT(11, r->ids[ST_ROW_FORMAT_STRING] > 0) |
           BIT(12, r->ids[ST_ROW_PROCESS_UUID] > 0) |
           BIT(13, r->ids[ST_ROW_SENDER_UUID] > 0) |
           BIT(14, r->ids[ST_ROW_BOOT_UUID] > 0) |
           BIT(15, ev->timezone_name.p) |
           BIT(16, ev->signpost_name.p) | BIT(17, ev->signpost_scope.p) |
           BIT(18, ev->signpost_type.p) |
           BIT(19, r->sender_frame || ev->backtrace_json.p) |
           BIT(20, ev->source_json.p) | BIT(21, ev->extra_json.p);
#undef BIT
}

/* INSERT OR FAIL: a failing row stops the statement without undoing the
 * rows before it, so SQLite keeps no statement journal (with plain INSERT
 * it wrote ~2 pages per statement to a temporary file, 47 MB for 200k
 * binary records).  Nothing depends on the undo: a failed insert fails
 * the input, whose transaction is rolled back whole. */
sqlite3_stmt *st_rows_stmt(st_rows_stmts *c, sqlite3 *db, int details,
                           uint32_t cols)
{
    for (int i = 0; i < ST_ROWS_SHAPES; i++)
        if (c->stmt[details][i] && c->cols[details][i] == cols)
            return c->stmt[details][i];
    char *list = column_list(details, cols);
    char *sql = list ? sqlite3_mprintf("INSERT OR FAIL INTO %s(%s) SELECT "
                                       "%s FROM %s",
                                       details ? "event_details" : "events",
                                       list, list,
                                       details ? "st_detail_rows"
                                               : "st_event_rows")
                     : NULL;
    sqlite3_stmt *q = NULL;
    int rc = sql ? sqlite3_prepare_v3(db, sql, -1, SQLITE_PREPARE_PERSISTENT,
                                      &q, NULL)
                 : SQLITE_NOMEM;
    sqlite3_free(list);
    sqlite3_free(sql);
    if (rc != SQLITE_OK)
        return NULL;
    int slot = c->next[details];
    c->next[details] = (slot + 1) % ST_ROWS_SHAPES;
    sqlite3_finalize(c->stmt[details][slot]);
    c->stmt[details][slot] = q;
    c->cols[details][slot] = cols;
    return q;
}

void st_rows_stmts_free(st_rows_stmts *c)
{
    for (int t = 0; t < 2; t++)
        for (int i = 0; i < ST_ROWS_SHAPES; i++) {
            sqlite3_finalize(c->stmt[t][i]);
            c->stmt[t][i] = NULL;
        }
}
