/*
 * timeline.c -- filters, the fast time-ordered scan, and the writers of
 * events and SQL results.  See timeline.h and docs/timeline.md.
 */
#include "timeline.h"

#include <ctype.h>
#include <pthread.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "timeparse.h"
#include "utf8.h"

/* Maps a --format name to tl_format, or -1. */
int tl_format_parse(const char *s)
{
    static const char *const names[] = {"text", "csv", "jsonl", "json"};
    for (int i = 0; i < 4; i++)
        if (!strcmp(s, names[i]))
            return i;
    return -1;
}

/* ---- the case ----------------------------------------------------------- */

typedef struct tl_src {
    st_str path, format;
} tl_src;

struct tl_case {
    st_store *st;
    sqlite3 *db;
    char *path;            /* for the second reading connection */
    st_str *strs;          /* strings.id -> text, views into sbuf */
    int64_t nstrs;
    char *sbuf;
    tl_src *src;           /* sources.id -> path, format */
    int64_t nsrc;
    char *srcbuf;
    int has_details;       /* event_details holds rows */
    int schema;            /* the case's, for its UUID columns */
};

/* Reports the case's own error text. */
static void db_err(sqlite3 *db, const char *what, char *err, size_t errlen)
{
    snprintf(err, errlen, "%s: %s", what, sqlite3_errmsg(db));
}

/* Runs a query returning one integer; def when it returns nothing. */
static int64_t one_int(sqlite3 *db, const char *sql, int64_t def)
{
    sqlite3_stmt *q;
    int64_t v = def;
    if (sqlite3_prepare_v2(db, sql, -1, &q, NULL) != SQLITE_OK)
        return def;
    if (sqlite3_step(q) == SQLITE_ROW &&
        sqlite3_column_type(q, 0) != SQLITE_NULL)
        v = sqlite3_column_int64(q, 0);
    sqlite3_finalize(q);
    return v;
}

/* Loads the strings table into one buffer.  Ids are dense from 1, so an
 * array indexed by id resolves them without hashing. */
static int load_strings(tl_case *c)
{
    int64_t max = one_int(c->db, "SELECT max(id) FROM strings", 0);
    int64_t bytes = one_int(c->db, "SELECT total(length(CAST(value AS "
                            "BLOB)) + 1) FROM strings", 0);
    if (max < 0 || bytes < 0)
        return -1;
    c->nstrs = max + 1;
    c->strs = calloc((size_t)c->nstrs, sizeof *c->strs);
    c->sbuf = malloc((size_t)bytes + 1);
    if (!c->strs || !c->sbuf)
        return -1;
    sqlite3_stmt *q;
    if (sqlite3_prepare_v2(c->db, "SELECT id, value FROM strings", -1, &q,
                           NULL) != SQLITE_OK)
        return -1;
    size_t used = 0;
    while (sqlite3_step(q) == SQLITE_ROW) {
        int64_t id = sqlite3_column_int64(q, 0);
        const char *v = (const char *)sqlite3_column_text(q, 1);
        size_t n = (size_t)sqlite3_column_bytes(q, 1);
        if (id <= 0 || id >= c->nstrs || !v || used + n + 1 > (size_t)bytes)
            continue;
        memcpy(c->sbuf + used, v, n);
        c->sbuf[used + n] = 0;
        c->strs[id] = (st_str){c->sbuf + used, n};
        used += n + 1;
    }
    sqlite3_finalize(q);
    return 0;
}

/* Loads every source's display path and format. */
static int load_sources(tl_case *c)
{
    c->nsrc = one_int(c->db, "SELECT max(id) FROM sources", 0) + 1;
    c->src = calloc((size_t)c->nsrc, sizeof *c->src);
    if (!c->src)
        return -1;
    sqlite3_stmt *q;
    if (sqlite3_prepare_v2(c->db, "SELECT id, path || coalesce(':' || "
                           "member, ''), coalesce(format, '') FROM sources",
                           -1, &q, NULL) != SQLITE_OK)
        return -1;
    st_out b;
    st_out_init(&b, NULL);
    typedef struct { int64_t id; size_t po, pn, fo, fn; } ent;
    ent *e = NULL;
    size_t ne = 0, cap = 0;
    while (sqlite3_step(q) == SQLITE_ROW) {
        int64_t id = sqlite3_column_int64(q, 0);
        if (id <= 0 || id >= c->nsrc)
            continue;
        if (ne == cap) {
            cap = cap ? cap * 2 : 16;
            ent *ne2 = realloc(e, cap * sizeof *e);
            if (!ne2)
                break;
            e = ne2;
        }
        ent *x = &e[ne++];
        x->id = id;
        x->po = b.n;
        st_out_str(&b, (const char *)sqlite3_column_text(q, 1));
        x->pn = b.n - x->po;
        st_out_c(&b, 0);
        x->fo = b.n;
        st_out_str(&b, (const char *)sqlite3_column_text(q, 2));
        x->fn = b.n - x->fo;
        st_out_c(&b, 0);
    }
    sqlite3_finalize(q);
    c->srcbuf = b.p;   /* kept: the views below point into it */
    for (size_t i = 0; i < ne && b.p; i++) {
        c->src[e[i].id].path = (st_str){b.p + e[i].po, e[i].pn};
        c->src[e[i].id].format = (st_str){b.p + e[i].fo, e[i].fn};
    }
    free(e);
    return b.err ? -1 : 0;
}

/* 1 when the case has its time index. */
static int has_time_index(sqlite3 *db)
{
    return one_int(db, "SELECT count(*) FROM sqlite_master WHERE type = "
                   "'index' AND name = 'events_time'", 0) > 0;
}

/* Opens the case read-only, building the time index first when asked and
 * possible, then loads strings and sources into memory. */
tl_case *tl_case_open(const char *path, int build_index, int *built,
                      char *err, size_t errlen)
{
    if (built)
        *built = 0;
    tl_case *c = calloc(1, sizeof *c);
    if (!c) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    if (st_store_open(&c->st, path, ST_STORE_READONLY, err, errlen) < 0) {
        free(c);
        return NULL;
    }
    c->db = st_store_db(c->st);
    if (build_index && !has_time_index(c->db) && access(path, W_OK) == 0) {
        /* The index is derived data (docs/store.md): built once by the
         * first reader by time, through the store's own writer. */
        st_store_close(c->st);
        st_store *w;
        if (st_store_open(&w, path, ST_STORE_WRITE, err, errlen) == 0) {
            if (st_store_ensure_indexes(w) == 0 && built)
                *built = 1;
            st_store_close(w);
        }
        if (st_store_open(&c->st, path, ST_STORE_READONLY, err, errlen) < 0) {
            free(c);
            return NULL;
        }
        c->db = st_store_db(c->st);
    }
    sqlite3_exec(c->db, "PRAGMA query_only=1; PRAGMA cache_size=-32768;",
                 NULL, NULL, NULL);
    if (load_strings(c) < 0 || load_sources(c) < 0) {
        db_err(c->db, "reading the case", err, errlen);
        tl_case_close(c);
        return NULL;
    }
    c->has_details = one_int(c->db, "SELECT EXISTS (SELECT 1 FROM "
                             "event_details)", 0) > 0;
    c->schema = st_store_schema_of(c->db);
    if (!(c->path = strdup(path))) {
        snprintf(err, errlen, "out of memory");
        tl_case_close(c);
        return NULL;
    }
    return c;
}

/* Closes the case and frees what tl_case_open loaded; NULL is fine. */
void tl_case_close(tl_case *c)
{
    if (!c)
        return;
    if (c->st)
        st_store_close(c->st);
    free(c->strs);
    free(c->sbuf);
    free(c->src);
    free(c->srcbuf);
    free(c->path);
    free(c);
}

/* The read-only connection (for queries of the caller's own). */
sqlite3 *tl_case_db(tl_case *c) { return c->db; }

/* Display path of a source ("path" or "path:member"); "" if unknown. */
st_str tl_source_path(const tl_case *c, int64_t id)
{
    if (id > 0 && id < c->nsrc && c->src[id].path.p)
        return c->src[id].path;
    return ST_STR_LIT("");
}

/* Parser name of a source; "" if unknown. */
st_str tl_source_format(const tl_case *c, int64_t id)
{
    if (id > 0 && id < c->nsrc && c->src[id].format.p)
        return c->src[id].format;
    return ST_STR_LIT("");
}

/* ---- scanning ----------------------------------------------------------- */

/* Evidence event of a finding and its role. */
typedef struct tl_mark {
    int64_t event_id;
    const char *role;
} tl_mark;

/* A time interval to scan (finding context). */
typedef struct tl_span {
    int64_t lo, hi;
} tl_span;

typedef struct scan {
    tl_case *c;
    const tl_filter *f;
    tl_event_fn fn;
    void *ctx;
    /* filters resolved to column values */
    int by_pid;
    int64_t pid, proc_id, subsys_id;
    char *src_ids, *type_ids;      /* JSON arrays for json_each, or NULL */
    /* finding */
    tl_mark *marks;
    int nmarks;
    char **roles;
    int nroles;
    char *mark_ids;                /* JSON array of the evidence events */
    int64_t n;
    int stop;
    struct tl_pipe *pipe;          /* NULL: the callback runs inline */
    sqlite3 *db;                   /* the connection this scan reads */
    st_pred_scratch *scratch;      /* per reading thread, or NULL */
    tl_render_fn render;           /* NULL: events are copied, not rendered */
    void *rctx;
    st_out rtmp;                   /* this reader's rendering scratch */
    char frame[ST_SENDER_FRAME_CAP]; /* the row's rebuilt backtrace */
} scan;

/* Resolves a strings.id through the in-memory table; absent for 0/NULL. */
static st_str sid(const tl_case *c, int64_t id)
{
    if (id > 0 && id < c->nstrs)
        return c->strs[id];
    return ST_STR_NULL;
}

/* A text column as a view into SQLite's row; absent for NULL. */
static st_str col_text(sqlite3_stmt *q, int i)
{
    const char *p = (const char *)sqlite3_column_text(q, i);
    if (!p)
        return ST_STR_NULL;
    return (st_str){p, (size_t)sqlite3_column_bytes(q, i)};
}

/* Columns of a scan (decode() reads them by position). */
#define EV_COLS                                                            \
    "e.id, e.source_id, e.line, e.byte_offset, e.time_us, "                \
    "e.utc_offset_min, e.time_text, e.type_id, e.thread_id, "              \
    "e.activity_id, e.pid, e.ttl, e.process_id, e.sender_id, "             \
    "e.subsystem_id, e.category_id, e.message"
#define DETAIL_COLS_A                                                      \
    ", d.event_id, d.locator, d.event_type_id, d.parent_activity_id, "     \
    "d.user_id, d.trace_id, d.mach_timestamp, d.sender_pc, d.signpost_id, "\
    "d.process_path_id, d.sender_path_id, d.format_string_id, "
/* the backtrace as stored: decode() rebuilds a stored '' */
#define DETAIL_COLS_B                                                      \
    ", d.timezone_name, d.signpost_name, d.signpost_scope, "               \
    "d.signpost_type, d.backtrace, d.source_json, d.extra"

/* Reads a column that may be NULL: 1 with *v set when it holds a value.
 * One column_value call and two cheap value calls measured faster than
 * column_type + column_int64, and than testing NULLs in the SQL. */
static inline int nullable(sqlite3_stmt *q, int col, int64_t *v)
{
    sqlite3_value *x = sqlite3_column_value(q, col);
    if (sqlite3_value_type(x) == SQLITE_NULL)
        return 0;
    *v = sqlite3_value_int64(x);
    return 1;
}

/* A UUID column: an interned id (schema 3) or text (older cases). */
static st_str uuid_col(const tl_case *c, sqlite3_stmt *q, int i)
{
    return sqlite3_column_type(q, i) == SQLITE_INTEGER
               ? sid(c, sqlite3_column_int64(q, i)) : col_text(q, i);
}

/* Fills e->ev from the current row; views point into SQLite's row, the
 * strings table and s->frame. */
static void decode(scan *s, sqlite3_stmt *q, tl_event *e)
{
    const tl_case *c = s->c;
    st_event *ev = &e->ev;
    int64_t v;
    memset(e, 0, sizeof *e);
    ev->id = sqlite3_column_int64(q, 0);
    ev->source_id = sqlite3_column_int64(q, 1);
    ev->line = sqlite3_column_int64(q, 2);
    ev->byte_offset = nullable(q, 3, &v) ? v : -1;
#define NUM(col, flag, field, T)                                           \
    if (nullable(q, col, &v)) {                                            \
        ev->field = (T)v;                                                  \
        ev->has |= flag;                                                   \
    }
    NUM(4, ST_HAS_TIME, time_us, int64_t)
    NUM(5, ST_HAS_OFFSET, utc_offset_min, int32_t)
    ev->time_text = col_text(q, 6);
    ev->type = sid(c, sqlite3_column_int64(q, 7));
    NUM(8, ST_HAS_THREAD, thread_id, uint64_t)
    NUM(9, ST_HAS_ACTIVITY, activity_id, uint64_t)
    NUM(10, ST_HAS_PID, pid, int64_t)
    NUM(11, ST_HAS_TTL, ttl, int64_t)
    ev->process = sid(c, sqlite3_column_int64(q, 12));
    ev->sender = sid(c, sqlite3_column_int64(q, 13));
    ev->subsystem = sid(c, sqlite3_column_int64(q, 14));
    ev->category = sid(c, sqlite3_column_int64(q, 15));
    ev->message = col_text(q, 16);
    e->source = tl_source_path(c, ev->source_id);
    e->source_format = tl_source_format(c, ev->source_id);
    if (!c->has_details || sqlite3_column_type(q, 17) == SQLITE_NULL)
        return;
    ev->locator = col_text(q, 18);
    ev->event_type = sid(c, sqlite3_column_int64(q, 19));
    NUM(20, ST_HAS_PARENT_ACT, parent_activity_id, uint64_t)
    NUM(21, ST_HAS_USER, user_id, int64_t)
    NUM(22, ST_HAS_TRACE, trace_id, uint64_t)
    NUM(23, ST_HAS_MACH, mach_timestamp, uint64_t)
    NUM(24, ST_HAS_SENDER_PC, sender_pc, uint64_t)
    NUM(25, ST_HAS_SIGNPOST_ID, signpost_id, uint64_t)
#undef NUM
    ev->process_path = sid(c, sqlite3_column_int64(q, 26));
    ev->sender_path = sid(c, sqlite3_column_int64(q, 27));
    ev->format_string = sid(c, sqlite3_column_int64(q, 28));
    ev->process_uuid = uuid_col(c, q, 29);
    ev->sender_uuid = uuid_col(c, q, 30);
    ev->boot_uuid = uuid_col(c, q, 31);
    ev->timezone_name = col_text(q, 32);
    ev->signpost_name = col_text(q, 33);
    ev->signpost_scope = col_text(q, 34);
    ev->signpost_type = col_text(q, 35);
    ev->backtrace_json = col_text(q, 36);
    if (ev->backtrace_json.p && ev->backtrace_json.n == 0)
        ev->backtrace_json = st_store_sender_frame(
            ev->sender_pc, ev->sender_uuid, s->frame, sizeof s->frame);
    ev->source_json = col_text(q, 37);
    ev->extra_json = col_text(q, 38);
}

/* Predicate getter: `source` is the event's source path; everything else
 * is the event's own field. */
static void pred_get(void *ctx, int field, st_value *out)
{
    const tl_event *e = ctx;
    if (field == ST_F_SOURCE) {
        out->kind = ST_V_STR;
        out->s = e->source;
        return;
    }
    st_event_get(&e->ev, (st_field)field, out);
}

/* Evaluates the predicate on one event (single-threaded use). */
int tl_pred_match(const st_pred *p, const tl_event *e)
{
    return st_pred_eval(p, pred_get, (void *)e);
}

/* Orders evidence marks by event id. */
static int mark_cmp(const void *a, const void *b)
{
    int64_t x = ((const tl_mark *)a)->event_id;
    int64_t y = ((const tl_mark *)b)->event_id;
    return x < y ? -1 : x > y;
}

/* The evidence role of an event, or NULL. */
static const char *mark_of(const scan *s, int64_t id)
{
    if (!s->nmarks)
        return NULL;
    tl_mark key = {id, NULL};
    tl_mark *m = bsearch(&key, s->marks, (size_t)s->nmarks, sizeof key,
                         mark_cmp);
    return m ? m->role : NULL;
}


/* ---- the reading threads ------------------------------------------------ */

static int run_range(scan *s, int timed, int has_lo, int64_t lo, int has_hi,
                     int64_t hi, const char *ids_json, char *err,
                     size_t errlen);

/*
 * With two or more CPUs, SQLite runs outside the caller's thread: reading
 * threads step SQLite and decode rows into batches (texts copied into the
 * batch's arena, since SQLite's own memory changes at the next step), and
 * the caller's thread runs the callback.  Profiling showed reading at
 * about two thirds of a JSON timeline's time, so a large scan is cut into
 * chunks of consecutive times that two readers take in turn, each on its
 * own connection and its own ring of batches; the caller takes the chunks
 * back in order.  Output is the same as with one thread.
 */
#define BATCH_EVENTS 2048
#define BATCH_BYTES (512 * 1024)
#define NBATCH 4
#define CHUNK_EVENTS 8192      /* events per chunk (about a ring's worth) */
#define CHUNK_MIN_EVENTS 200000 /* below this one reader is enough */
#define CHUNK_SAMPLES 4096

typedef struct batch {
    tl_event *ev;
    int n;
    int eoc;           /* the last batch of a chunk */
    char *arena;       /* the events' texts (copied events) */
    size_t used, cap;
    st_out out;        /* rendered events: event i is out.p[rstart[i]] up to
                          rstart[i + 1], rendered in place (no copy) */
    size_t *rstart;
    int rendered;
} batch;

typedef struct tl_pipe {
    pthread_mutex_t mu;
    pthread_cond_t can_fill, can_drain;
    batch b[NBATCH];
    int fill;          /* slot the producer fills */
    int drain;         /* slot the consumer takes next */
    int ready;         /* published, not yet taken */
    int busy;          /* taken by the consumer, not yet given back */
    int closed;        /* the producer is done */
    int stop;          /* the consumer wants no more */
} tl_pipe;

/* 1 when reader threads can help.  They need a CPU each besides the
 * caller's: on two CPUs, measured, the threads' overhead (two connections,
 * batches crossing cores) outweighed the overlap, and one thread was
 * faster.  SIGTRAIL_THREADS=1 forces one thread, 2 or more forces readers
 * (tests use it to check both give the same output). */
static int use_pipeline(void)
{
    const char *e = getenv("SIGTRAIL_THREADS");
    if (e && *e)
        return atoi(e) > 1;
    return sysconf(_SC_NPROCESSORS_ONLN) >= 3;
}

/* Allocates the batches and the lock; -1 when out of memory. */
static int pipe_init(tl_pipe *p)
{
    memset(p, 0, sizeof *p);
    for (int i = 0; i < NBATCH; i++) {
        p->b[i].ev = malloc(BATCH_EVENTS * sizeof *p->b[i].ev);
        p->b[i].arena = malloc(BATCH_BYTES);
        p->b[i].rstart = malloc((BATCH_EVENTS + 1) * sizeof *p->b[i].rstart);
        p->b[i].cap = BATCH_BYTES;
        st_out_init(&p->b[i].out, NULL);
        if (!p->b[i].ev || !p->b[i].arena || !p->b[i].rstart) {
            for (int k = 0; k <= i; k++) {
                free(p->b[k].ev);
                free(p->b[k].arena);
                free(p->b[k].rstart);
            }
            return -1;
        }
    }
    pthread_mutex_init(&p->mu, NULL);
    pthread_cond_init(&p->can_fill, NULL);
    pthread_cond_init(&p->can_drain, NULL);
    return 0;
}

/* Frees what pipe_init allocated (both threads are done). */
static void pipe_free(tl_pipe *p)
{
    for (int i = 0; i < NBATCH; i++) {
        free(p->b[i].ev);
        free(p->b[i].arena);
        free(p->b[i].rstart);
        st_out_close(&p->b[i].out);
    }
    pthread_mutex_destroy(&p->mu);
    pthread_cond_destroy(&p->can_fill);
    pthread_cond_destroy(&p->can_drain);
}

/* Producer: hands the filled slot over (also when empty if it ends a
 * chunk) and waits for a free one.  Returns the consumer's stop wish. */
static int pipe_publish(tl_pipe *p, int eoc)
{
    pthread_mutex_lock(&p->mu);
    batch *b = &p->b[p->fill];
    if (b->n || eoc) {
        b->eoc = eoc;
        p->ready++;
        p->fill = (p->fill + 1) % NBATCH;
        pthread_cond_signal(&p->can_drain);
    }
    while (p->ready + p->busy == NBATCH && !p->stop)
        pthread_cond_wait(&p->can_fill, &p->mu);
    int stop = p->stop;
    pthread_mutex_unlock(&p->mu);
    return stop;
}

/* Producer: no more batches. */
static void pipe_close(tl_pipe *p)
{
    pipe_publish(p, 0);
    pthread_mutex_lock(&p->mu);
    p->closed = 1;
    pthread_cond_signal(&p->can_drain);
    pthread_mutex_unlock(&p->mu);
}

/* The views of an event that point into SQLite's row (the others point
 * into the case's strings and sources, which outlive the scan). */
static int row_views(st_event *ev, st_str **v)
{
    int k = 0;
    v[k++] = &ev->time_text;
    v[k++] = &ev->message;
    v[k++] = &ev->locator;
    v[k++] = &ev->process_uuid;
    v[k++] = &ev->sender_uuid;
    v[k++] = &ev->boot_uuid;
    v[k++] = &ev->timezone_name;
    v[k++] = &ev->signpost_name;
    v[k++] = &ev->signpost_scope;
    v[k++] = &ev->signpost_type;
    v[k++] = &ev->backtrace_json;
    v[k++] = &ev->source_json;
    v[k++] = &ev->extra_json;
    return k;
}

/* Producer: copies an event with its row's texts into the slot being
 * filled.  Returns 1 when the consumer wants no more. */
static int pipe_put(tl_pipe *p, const tl_event *e)
{
    batch *b = &p->b[p->fill];
    tl_event *d;
    st_str *v[16];
    size_t need = 0;
    /* sizes first, so one event never straddles two arenas (row_views
     * only takes addresses here; nothing is written through them) */
    int nv = row_views((st_event *)&e->ev, v);
    for (int i = 0; i < nv; i++)
        if (v[i]->p)
            need += v[i]->n + 1;
    if (b->n == BATCH_EVENTS || b->cap - b->used < need) {
        if (pipe_publish(p, 0))
            return 1;
        b = &p->b[p->fill];
        b->n = 0;
        b->used = 0;
        if (need > b->cap) {
            char *na = realloc(b->arena, need);
            if (!na)
                return 1;
            b->arena = na;
            b->cap = need;
        }
    }
    d = &b->ev[b->n++];
    *d = *e;
    nv = row_views(&d->ev, v);
    for (int i = 0; i < nv; i++) {
        if (!v[i]->p)
            continue;
        char *t = b->arena + b->used;
        memcpy(t, v[i]->p, v[i]->n);
        t[v[i]->n] = 0;
        v[i]->p = t;
        b->used += v[i]->n + 1;
    }
    return 0;
}

/* Producer: renders an event straight into the slot being filled; the
 * event itself is kept without its row's texts (see tl_scan_rendered).
 * Returns 1 when the consumer wants no more. */
static int pipe_put_rendered(tl_pipe *p, const tl_event *e,
                             tl_render_fn render, void *rctx, st_out *tmp)
{
    batch *b = &p->b[p->fill];
    if (b->n == BATCH_EVENTS || b->out.n >= BATCH_BYTES) {
        if (pipe_publish(p, 0))
            return 1;
        b = &p->b[p->fill];
    }
    b->rendered = 1;
    b->rstart[b->n] = b->out.n;
    tmp->n = 0;
    render(rctx, e, &b->out, tmp);
    tl_event *d = &b->ev[b->n++];
    *d = *e;
    st_str *v[16];
    int nv = row_views(&d->ev, v);
    for (int i = 0; i < nv; i++)
        *v[i] = ST_STR_NULL;
    b->rstart[b->n] = b->out.n;
    return 0;
}

/* Consumer: the next published batch, or NULL once the producer closed
 * and nothing is left. */
static batch *pipe_take(tl_pipe *p)
{
    pthread_mutex_lock(&p->mu);
    while (!p->ready && !p->closed)
        pthread_cond_wait(&p->can_drain, &p->mu);
    batch *b = NULL;
    if (p->ready) {
        b = &p->b[p->drain];
        p->ready--;
        p->busy = 1;
    }
    pthread_mutex_unlock(&p->mu);
    return b;
}

/* Consumer: gives a drained batch back; stop asks the producer to end. */
static void pipe_give(tl_pipe *p, batch *b, int stop)
{
    pthread_mutex_lock(&p->mu);
    b->n = 0;
    b->used = 0;
    b->eoc = 0;
    b->out.n = 0;
    b->rendered = 0;
    p->busy = 0;
    p->drain = (p->drain + 1) % NBATCH;
    if (stop)
        p->stop = 1;
    pthread_cond_signal(&p->can_fill);
    pthread_mutex_unlock(&p->mu);
}

/* Consumer: asks a producer to end without giving a batch back. */
static void pipe_stop(tl_pipe *p)
{
    pthread_mutex_lock(&p->mu);
    p->stop = 1;
    pthread_cond_signal(&p->can_fill);
    pthread_mutex_unlock(&p->mu);
}

/* Runs the callback on a batch's events; returns 1 once it asked to
 * stop (later batches are then only given back). */
static int run_batch(scan *s, batch *b, int stop)
{
    for (int i = 0; i < b->n && !stop; i++) {
        if (b->rendered)   /* the buffer no longer moves: point into it */
            b->ev[i].rendered = (st_str){b->out.p + b->rstart[i],
                                         b->rstart[i + 1] - b->rstart[i]};
        s->n++;
        if (s->fn(s->ctx, &b->ev[i]))
            stop = 1;
    }
    return stop;
}

/* Consumer, one reader: every batch until the producer closes. */
static void pipe_consume(tl_pipe *p, scan *s)
{
    int stop = 0;
    batch *b;
    while ((b = pipe_take(p))) {
        stop = run_batch(s, b, stop);
        pipe_give(p, b, stop);
    }
}

/* Consumer, two readers: chunk k comes from reader k % 2; a reader that
 * closes early (an error, or the callback's stop) ends the scan. */
static void pipe_consume_chunks(tl_pipe *p, int nchunks, scan *s)
{
    int stop = 0;
    for (int k = 0; k < nchunks && !stop; k++) {
        tl_pipe *q = &p[k % 2];
        batch *b;
        int eoc = 0;
        while (!eoc && (b = pipe_take(q))) {
            eoc = b->eoc;
            stop = run_batch(s, b, stop);
            pipe_give(q, b, stop);
        }
        if (!eoc)
            stop = 1;   /* closed mid-chunk */
    }
    for (int i = 0; i < 2; i++) {
        pipe_stop(&p[i]);
        batch *b;
        while ((b = pipe_take(&p[i])))   /* until it has closed */
            pipe_give(&p[i], b, 1);
    }
}

/* Hands a decoded event on (rendered first when asked): to the callback
 * directly, or to the consumer thread.  Returns 1 when the scan should
 * stop. */
static int emit(scan *s, tl_event *e)
{
    if (s->pipe)
        return s->render ? pipe_put_rendered(s->pipe, e, s->render, s->rctx,
                                             &s->rtmp)
                         : pipe_put(s->pipe, e);
    /* one thread: the callback formats the event itself, in place */
    s->n++;
    return s->fn(s->ctx, e);
}

static int i64_cmp(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return x < y ? -1 : x > y;
}

/* Cuts a large timed scan into chunks of about CHUNK_EVENTS events:
 * times of rows sampled by rowid give the quantiles.  Returns the number
 * of boundaries (chunk k covers [b[k-1], b[k])), 0 when the scan is too
 * small to cut, or -1. */
static int plan_chunks(tl_case *c, const tl_filter *f, int64_t **bounds)
{
    *bounds = NULL;
    int64_t max = one_int(c->db, "SELECT max(rowid) FROM events", 0);
    if (max < CHUNK_MIN_EVENTS)
        return 0;
    sqlite3_stmt *q;
    if (sqlite3_prepare_v2(c->db, "SELECT time_us FROM events WHERE rowid = "
                           "? AND time_us IS NOT NULL", -1, &q, NULL) !=
        SQLITE_OK)
        return -1;
    int64_t *t = malloc(CHUNK_SAMPLES * sizeof *t);
    if (!t) {
        sqlite3_finalize(q);
        return -1;
    }
    int n = 0;
    uint64_t x = 0x9E3779B97F4A7C15ULL;   /* fixed: the same cuts each run */
    for (int i = 0; i < CHUNK_SAMPLES; i++) {
        x = x * 6364136223846793005ULL + 1442695040888963407ULL;
        sqlite3_reset(q);
        sqlite3_bind_int64(q, 1, 1 + (int64_t)((x >> 11) % (uint64_t)max));
        if (sqlite3_step(q) != SQLITE_ROW)
            continue;
        int64_t v = sqlite3_column_int64(q, 0);
        if ((f->has_from && v < f->from_us) || (f->has_to && v > f->to_us))
            continue;
        t[n++] = v;
    }
    sqlite3_finalize(q);
    int64_t est = (int64_t)((double)max * n / CHUNK_SAMPLES);
    int chunks = (int)(est / CHUNK_EVENTS);
    if (chunks > n / 2)
        chunks = n / 2;
    if (est < CHUNK_MIN_EVENTS || chunks < 4) {
        free(t);
        return 0;
    }
    qsort(t, (size_t)n, sizeof *t, i64_cmp);
    int nb = 0;
    for (int k = 1; k < chunks; k++) {
        int64_t v = t[(int64_t)k * n / chunks];
        if ((nb && v <= t[nb - 1]) || (f->has_from && v <= f->from_us))
            continue;
        t[nb++] = v;   /* in place: nb never passes the index read */
    }
    *bounds = t;
    return nb;
}

/* One reader of a chunked scan. */
typedef struct reader_arg {
    scan s;                /* its own copy: connection, ring, scratch */
    const int64_t *b;      /* chunk boundaries */
    int nb, first, untimed;
    int rc;
    char err[512];
} reader_arg;

/* Reader thread: chunks first, first + 2, ...; the untimed events are the
 * chunk after the last timed one.  Each chunk ends with a marked batch. */
static void *reader_main(void *arg)
{
    reader_arg *a = arg;
    scan *s = &a->s;
    const tl_filter *f = s->f;
    int total = a->nb + 1 + a->untimed;
    for (int k = a->first; k < total && !s->stop; k += 2) {
        int rc;
        if (k == a->nb + 1) {
            rc = run_range(s, 0, 0, 0, 0, 0, NULL, a->err, sizeof a->err);
        } else {
            int has_lo = k > 0 || f->has_from;
            int64_t lo = k > 0 ? a->b[k - 1] : f->from_us;
            int has_hi = k < a->nb ? 2 : f->has_to;
            int64_t hi = k < a->nb ? a->b[k] : f->to_us;
            rc = run_range(s, 1, has_lo, lo, has_hi, hi, NULL, a->err,
                           sizeof a->err);
        }
        if (rc < 0) {
            a->rc = -1;
            break;
        }
        if (!s->stop && pipe_publish(s->pipe, 1))
            s->stop = 1;
    }
    pipe_close(s->pipe);
    return NULL;
}

/* Opens another read-only connection to the case for a reader. */
static sqlite3 *second_connection(const tl_case *c)
{
    sqlite3 *db = NULL;
    if (sqlite3_open_v2(c->path, &db, SQLITE_OPEN_READONLY |
                        SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK) {
        sqlite3_close(db);
        return NULL;
    }
    sqlite3_busy_timeout(db, 5000);
    sqlite3_exec(db, "PRAGMA query_only=1; PRAGMA cache_size=-32768;", NULL,
                 NULL, NULL);
    return db;
}

/* Runs a large scan with two readers; returns 0, -1 on error, or 1 when
 * it could not start (then nothing was delivered). */
static int scan_chunked(scan *s, const int64_t *b, int nb, char *err,
                        size_t errlen)
{
    const tl_filter *f = s->f;
    int untimed = !f->has_from && !f->has_to;
    tl_pipe pp[2];
    reader_arg ra[2];
    pthread_t th[2];
    int started = 0, rc = 0;
    if (pipe_init(&pp[0]) < 0)
        return 1;
    if (pipe_init(&pp[1]) < 0) {
        pipe_free(&pp[0]);
        return 1;
    }
    for (int i = 0; i < 2; i++) {
        memset(&ra[i], 0, sizeof ra[i]);
        ra[i].s = *s;
        ra[i].s.pipe = &pp[i];
        ra[i].s.db = i ? second_connection(s->c) : s->c->db;
        ra[i].s.scratch = f->pred ? st_pred_scratch_new() : NULL;
        st_out_init(&ra[i].s.rtmp, NULL);
        ra[i].b = b;
        ra[i].nb = nb;
        ra[i].first = i;
        ra[i].untimed = untimed;
    }
    if (ra[1].s.db && (!f->pred || (ra[0].s.scratch && ra[1].s.scratch))) {
        for (; started < 2; started++)
            if (pthread_create(&th[started], NULL, reader_main,
                               &ra[started]) != 0)
                break;
    }
    if (started == 2) {
        pipe_consume_chunks(pp, nb + 1 + untimed, s);
    } else {
        rc = 1;
        for (int i = 0; i < started; i++) {
            pipe_stop(&pp[i]);
            batch *bb;
            while ((bb = pipe_take(&pp[i])))
                pipe_give(&pp[i], bb, 1);
        }
    }
    for (int i = 0; i < started; i++)
        pthread_join(th[i], NULL);
    for (int i = 0; i < 2; i++) {
        if (rc == 0 && ra[i].rc < 0) {
            snprintf(err, errlen, "%s", ra[i].err);
            rc = -1;
        }
        if (i && ra[i].s.db)
            sqlite3_close(ra[i].s.db);
        st_pred_scratch_free(ra[i].s.scratch);
        st_out_close(&ra[i].s.rtmp);
        pipe_free(&pp[i]);
    }
    return rc;
}

/* Runs one scan query: timed events in [lo, hi] (bounds optional; hi
 * excluded when has_hi is 2) or the untimed ones; ids_json limits it to
 * those event ids. */
static int run_range(scan *s, int timed, int has_lo, int64_t lo, int has_hi,
                     int64_t hi, const char *ids_json, char *err,
                     size_t errlen)
{
    tl_case *c = s->c;
    st_out sql;
    st_out_init(&sql, NULL);
    st_out_lit(&sql, "SELECT " EV_COLS);
    if (c->has_details) {
        st_out_lit(&sql, DETAIL_COLS_A);
        st_out_str(&sql, ST_SQL_UUID_COLS(c->schema));
        st_out_lit(&sql, DETAIL_COLS_B " FROM events e LEFT JOIN "
                         "event_details d ON d.event_id = e.id");
    } else {
        st_out_lit(&sql, " FROM events e");
    }
    st_out_str(&sql, timed ? " WHERE e.time_us IS NOT NULL"
                           : " WHERE e.time_us IS NULL");
    if (has_lo)
        st_out_lit(&sql, " AND e.time_us >= ?1");
    if (has_hi)
        st_out_str(&sql, has_hi == 2 ? " AND e.time_us < ?2"
                                     : " AND e.time_us <= ?2");
    if (s->src_ids)
        st_out_lit(&sql, " AND e.source_id IN (SELECT value FROM "
                         "json_each(?3))");
    if (s->by_pid)
        st_out_lit(&sql, " AND e.pid = ?4");
    else if (s->proc_id)
        st_out_lit(&sql, " AND e.process_id = ?5");
    if (s->subsys_id)
        st_out_lit(&sql, " AND e.subsystem_id = ?6");
    if (s->type_ids) {
        st_out_lit(&sql, " AND (e.type_id IN (SELECT value FROM "
                         "json_each(?7))");
        if (c->has_details)
            st_out_lit(&sql, " OR d.event_type_id IN (SELECT value FROM "
                             "json_each(?7))");
        st_out_c(&sql, ')');
    }
    if (ids_json)
        st_out_lit(&sql, " AND e.id IN (SELECT value FROM json_each(?8))");
    st_out_str(&sql, timed ? " ORDER BY e.time_us, e.id" : " ORDER BY e.id");
    st_out_c(&sql, 0);
    sqlite3_stmt *q;
    if (sql.err || sqlite3_prepare_v2(s->db, sql.p, -1, &q, NULL) !=
                       SQLITE_OK) {
        db_err(s->db, "scan", err, errlen);
        st_out_close(&sql);
        return -1;
    }
    st_out_close(&sql);
    sqlite3_bind_int64(q, 1, lo);
    sqlite3_bind_int64(q, 2, hi);
    if (s->src_ids)
        sqlite3_bind_text(q, 3, s->src_ids, -1, SQLITE_STATIC);
    sqlite3_bind_int64(q, 4, s->pid);
    sqlite3_bind_int64(q, 5, s->proc_id);
    sqlite3_bind_int64(q, 6, s->subsys_id);
    if (s->type_ids)
        sqlite3_bind_text(q, 7, s->type_ids, -1, SQLITE_STATIC);
    if (ids_json)
        sqlite3_bind_text(q, 8, ids_json, -1, SQLITE_STATIC);
    tl_event e;
    const st_pred *pred = s->f->pred;
    int rc;
    while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
        decode(s, q, &e);
        if (s->nmarks)
            e.role = mark_of(s, e.ev.id);
        if (pred && !(s->scratch ? st_pred_eval_r(pred, pred_get, &e,
                                                  s->scratch)
                                 : tl_pred_match(pred, &e)))
            continue;
        if (emit(s, &e)) {
            s->stop = 1;
            break;
        }
    }
    if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
        db_err(s->db, "scan", err, errlen);
        sqlite3_finalize(q);
        return -1;
    }
    sqlite3_finalize(q);
    return 0;
}

/* 1 when s is a non-empty run of decimal digits. */
static int all_digits(const char *s)
{
    if (!*s)
        return 0;
    for (; *s; s++)
        if (*s < '0' || *s > '9')
            return 0;
    return 1;
}

/* Finds the string id of exact text; 0 when the case has no such string. */
static int64_t string_id(const tl_case *c, const char *text)
{
    size_t n = strlen(text);
    for (int64_t i = 1; i < c->nstrs; i++)
        if (c->strs[i].p && c->strs[i].n == n &&
            memcmp(c->strs[i].p, text, n) == 0)
            return i;
    return 0;
}

/* Resolves --types: the ids of every string equal (ignoring case) to one
 * of the names, as a JSON array; NULL when none exists. */
static char *type_ids_json(const tl_case *c, const char *list)
{
    st_out o;
    st_out_init(&o, NULL);
    st_out_c(&o, '[');
    int any = 0;
    for (const char *p = list; *p;) {
        const char *e = strchr(p, ',');
        size_t n = e ? (size_t)(e - p) : strlen(p);
        while (n && isspace((unsigned char)*p)) {
            p++;
            n--;
        }
        while (n && isspace((unsigned char)p[n - 1]))
            n--;
        for (int64_t i = 1; n && i < c->nstrs; i++)
            if (c->strs[i].p && c->strs[i].n == n &&
                strncasecmp(c->strs[i].p, p, n) == 0) {
                if (any++)
                    st_out_c(&o, ',');
                st_out_i64(&o, i);
            }
        p = e ? e + 1 : p + strlen(p);
    }
    st_out_lit(&o, "]");
    st_out_c(&o, 0);
    if (!any || o.err) {
        st_out_close(&o);
        return NULL;
    }
    return o.p;
}

/* Resolves --source: ids equal to it, or whose path contains it. */
static char *source_ids_json(tl_case *c, const char *arg, char *err,
                             size_t errlen)
{
    sqlite3_stmt *q;
    if (sqlite3_prepare_v2(c->db, "SELECT json_group_array(id) FROM sources "
                           "WHERE id = ?1 OR instr(path || coalesce(':' || "
                           "member, ''), ?2) > 0", -1, &q, NULL) != SQLITE_OK) {
        db_err(c->db, "sources", err, errlen);
        return NULL;
    }
    sqlite3_bind_int64(q, 1, all_digits(arg) ? atoll(arg) : -1);
    sqlite3_bind_text(q, 2, arg, -1, SQLITE_STATIC);
    char *r = NULL;
    if (sqlite3_step(q) == SQLITE_ROW && sqlite3_column_text(q, 0))
        r = strdup((const char *)sqlite3_column_text(q, 0));
    sqlite3_finalize(q);
    return r;
}

/* Orders time spans by their start. */
static int span_cmp(const void *a, const void *b)
{
    int64_t x = ((const tl_span *)a)->lo, y = ((const tl_span *)b)->lo;
    return x < y ? -1 : x > y;
}

/* Loads a finding's evidence: marks (event ids with roles, sorted), the
 * time spans around them (merged), and the ids as JSON.  Evidence that is
 * a record is matched to the event the same row produced (same source and
 * locator).  Returns the number of spans, or -1. */
static int load_finding(scan *s, tl_span **spans, char *err, size_t errlen)
{
    sqlite3 *db = s->c->db;
    int64_t w = s->f->window_us;
    *spans = NULL;
    sqlite3_stmt *q, *rq = NULL;
    if (sqlite3_prepare_v2(db, "SELECT count(*) FROM findings WHERE id = ?",
                           -1, &q, NULL) != SQLITE_OK) {
        db_err(db, "findings", err, errlen);
        return -1;
    }
    sqlite3_bind_int64(q, 1, s->f->finding);
    int found = sqlite3_step(q) == SQLITE_ROW && sqlite3_column_int(q, 0);
    sqlite3_finalize(q);
    if (!found) {
        snprintf(err, errlen, "no finding %lld in the case (run `sigtrail "
                 "analyze` first; `sigtrail explain` lists them)",
                 (long long)s->f->finding);
        return -1;
    }
    if (sqlite3_prepare_v2(db, "SELECT fe.event_id, fe.time_us, fe.role, "
                           "fe.source_id, fe.locator FROM finding_evidence fe"
                           " WHERE fe.finding_id = ? ORDER BY fe.ord", -1, &q,
                           NULL) != SQLITE_OK ||
        sqlite3_prepare_v2(db, "SELECT e.id, e.time_us FROM events e JOIN "
                           "event_details d ON d.event_id = e.id WHERE "
                           "e.source_id = ? AND d.locator = ? LIMIT 1", -1,
                           &rq, NULL) != SQLITE_OK) {
        db_err(db, "finding_evidence", err, errlen);
        sqlite3_finalize(q);
        return -1;
    }
    sqlite3_bind_int64(q, 1, s->f->finding);
    int cap = 0, nsp = 0;
    st_out ids;
    st_out_init(&ids, NULL);
    st_out_c(&ids, '[');
    while (sqlite3_step(q) == SQLITE_ROW) {
        int64_t id = sqlite3_column_int64(q, 0);
        int has_t = sqlite3_column_type(q, 1) != SQLITE_NULL;
        int64_t t = sqlite3_column_int64(q, 1);
        if (!id && sqlite3_column_text(q, 4)) {
            sqlite3_reset(rq);
            sqlite3_bind_int64(rq, 1, sqlite3_column_int64(q, 3));
            sqlite3_bind_text(rq, 2, (const char *)sqlite3_column_text(q, 4),
                              -1, SQLITE_TRANSIENT);
            if (sqlite3_step(rq) == SQLITE_ROW) {
                id = sqlite3_column_int64(rq, 0);
                if (!has_t && sqlite3_column_type(rq, 1) != SQLITE_NULL) {
                    has_t = 1;
                    t = sqlite3_column_int64(rq, 1);
                }
            }
        }
        if (s->nroles == cap) {
            cap = cap ? cap * 2 : 16;
            tl_mark *nm = realloc(s->marks, (size_t)cap * sizeof *nm);
            tl_span *ns = nm ? realloc(*spans, (size_t)cap * sizeof *ns)
                             : NULL;
            char **nr = ns ? realloc(s->roles, (size_t)cap * sizeof *nr)
                           : NULL;
            if (nm)
                s->marks = nm;
            if (ns)
                *spans = ns;
            if (nr)
                s->roles = nr;
            if (!nm || !ns || !nr)
                break;
        }
        const char *role = (const char *)sqlite3_column_text(q, 2);
        char *r = strdup(role ? role : "evidence");
        if (!r)
            break;
        s->roles[s->nroles++] = r;
        if (id) {
            s->marks[s->nmarks].event_id = id;
            s->marks[s->nmarks].role = r;
            if (ids.n > 1)
                st_out_c(&ids, ',');
            st_out_i64(&ids, id);
        } else {
            s->marks[s->nmarks].event_id = 0;
            s->marks[s->nmarks].role = r;
        }
        s->nmarks++;
        if (has_t)
            (*spans)[nsp++] = (tl_span){t - w, t + w};
    }
    sqlite3_finalize(q);
    sqlite3_finalize(rq);
    st_out_c(&ids, ']');
    st_out_c(&ids, 0);
    s->mark_ids = ids.p;
    if (s->nmarks > 1)
        qsort(s->marks, (size_t)s->nmarks, sizeof *s->marks, mark_cmp);
    /* A repeated event keeps its first role. */
    int k = 0;
    for (int i = 0; i < s->nmarks; i++)
        if (s->marks[i].event_id &&
            (k == 0 || s->marks[k - 1].event_id != s->marks[i].event_id))
            s->marks[k++] = s->marks[i];
    s->nmarks = k;
    if (nsp > 1)
        qsort(*spans, (size_t)nsp, sizeof **spans, span_cmp);
    int m = 0;
    for (int i = 0; i < nsp; i++) {
        if (m && (*spans)[i].lo <= (*spans)[m - 1].hi + 1) {
            if ((*spans)[i].hi > (*spans)[m - 1].hi)
                (*spans)[m - 1].hi = (*spans)[i].hi;
        } else {
            (*spans)[m++] = (*spans)[i];
        }
    }
    return m;
}

/* Runs the scan's queries in order: the finding's spans, or the filter's
 * range, then the untimed events when no range excludes them. */
static int scan_body(scan *s, const tl_span *spans, int nspans, char *err,
                     size_t errlen)
{
    const tl_filter *f = s->f;
    if (f->finding > 0) {
        for (int i = 0; i < nspans && !s->stop; i++) {
            int64_t lo = spans[i].lo, hi = spans[i].hi;
            if (f->has_from && f->from_us > lo)
                lo = f->from_us;
            if (f->has_to && f->to_us < hi)
                hi = f->to_us;
            if (lo > hi)
                continue;
            if (run_range(s, 1, 1, lo, 1, hi, NULL, err, errlen) < 0)
                return -1;
        }
        /* evidence without a time still belongs to the finding */
        if (!s->stop && !f->has_from && !f->has_to &&
            run_range(s, 0, 0, 0, 0, 0, s->mark_ids, err, errlen) < 0)
            return -1;
        return 0;
    }
    if (run_range(s, 1, f->has_from, f->from_us, f->has_to, f->to_us, NULL,
                  err, errlen) < 0)
        return -1;
    /* untimed events fall outside any time range */
    if (!s->stop && !f->has_from && !f->has_to &&
        run_range(s, 0, 0, 0, 0, 0, NULL, err, errlen) < 0)
        return -1;
    return 0;
}

/* The producer thread: SQLite and decoding, while the caller's thread
 * writes.  Errors are kept for the caller. */
typedef struct producer_arg {
    scan *s;
    const tl_span *spans;
    int nspans;
    int rc;
    char err[512];
} producer_arg;

/* Thread body: runs the queries, then closes the pipe. */
static void *producer_main(void *arg)
{
    producer_arg *a = arg;
    a->rc = scan_body(a->s, a->spans, a->nspans, a->err, sizeof a->err);
    pipe_close(a->s->pipe);
    return NULL;
}

/* tl_scan_rendered without rendering. */
int64_t tl_scan(tl_case *c, const tl_filter *f, tl_event_fn fn, void *ctx,
                char *err, size_t errlen)
{
    return tl_scan_rendered(c, f, NULL, NULL, fn, ctx, err, errlen);
}

/* Resolves the filters to column values, then scans (reader threads when
 * available); returns the number of events delivered, or -1. */
int64_t tl_scan_rendered(tl_case *c, const tl_filter *f, tl_render_fn render,
                         void *rctx, tl_event_fn fn, void *ctx, char *err,
                         size_t errlen)
{
    scan s;
    memset(&s, 0, sizeof s);
    s.c = c;
    s.f = f;
    s.fn = fn;
    s.ctx = ctx;
    s.db = c->db;
    s.render = render;
    s.rctx = rctx;
    st_out_init(&s.rtmp, NULL);
    int64_t rc = 0;
    tl_span *spans = NULL;
    int nspans = 0, nothing = 0;
    if (f->process) {
        if (all_digits(f->process)) {
            s.by_pid = 1;
            s.pid = atoll(f->process);
        } else if (!(s.proc_id = string_id(c, f->process))) {
            nothing = 1;
        }
    }
    if (f->subsystem && !(s.subsys_id = string_id(c, f->subsystem)))
        nothing = 1;
    if (f->types && !(s.type_ids = type_ids_json(c, f->types)))
        nothing = 1;
    if (f->source) {
        if (!(s.src_ids = source_ids_json(c, f->source, err, errlen))) {
            rc = -1;
            goto out;
        }
        if (!strcmp(s.src_ids, "[]"))
            nothing = 1;
    }
    if (f->finding > 0 && (nspans = load_finding(&s, &spans, err, errlen)) < 0) {
        rc = -1;
        goto out;
    }
    if (nothing)
        goto out;
    if (f->finding <= 0 && use_pipeline()) {
        int64_t *bounds;
        int nb = plan_chunks(c, f, &bounds);
        int crc = nb > 0 ? scan_chunked(&s, bounds, nb, err, errlen) : 1;
        free(bounds);
        if (crc <= 0) {
            rc = crc;
            goto out;
        }
    }
    tl_pipe pp;
    pthread_t th;
    producer_arg pa = {&s, spans, nspans, 0, ""};
    if (use_pipeline() && pipe_init(&pp) == 0) {
        s.pipe = &pp;
        if (pthread_create(&th, NULL, producer_main, &pa) != 0) {
            pipe_free(&pp);
            s.pipe = NULL;
        }
    }
    if (!s.pipe) {
        rc = scan_body(&s, spans, nspans, err, errlen);
        goto out;
    }
    pipe_consume(&pp, &s);
    pthread_join(th, NULL);
    pipe_free(&pp);
    if (pa.rc < 0) {
        snprintf(err, errlen, "%s", pa.err);
        rc = -1;
    }
out:
    free(spans);
    for (int i = 0; i < s.nroles; i++)
        free(s.roles[i]);
    free(s.roles);
    free(s.src_ids);
    free(s.type_ids);
    free(s.mark_ids);
    free(s.marks);
    st_out_close(&s.rtmp);
    return rc < 0 ? -1 : s.n;
}

/* ---- times on the command line ------------------------------------------ */

/* Parses a command-line time (see the header); 0, or -1 when not a time. */
int tl_parse_time(const char *s, int64_t *utc_us)
{
    size_t n = strlen(s);
    int64_t local;
    int has_off = 0;
    int32_t off = 0;
    size_t k = st_parse_timestamp(s, n, &local, &has_off, &off);
    if (k && k == n) {
        *utc_us = local - (has_off ? (int64_t)off * 60000000LL : 0);
        return 0;
    }
    /* a date alone, or a date-time without seconds */
    int y, mo, d, h = 0, mi = 0, used = 0;
    if (sscanf(s, "%4d-%2d-%2d%n", &y, &mo, &d, &used) == 3 && used == 10 &&
        mo >= 1 && mo <= 12 && d >= 1 && d <= 31) {
        const char *r = s + 10;
        if ((*r == 'T' || *r == ' ') && isdigit((unsigned char)r[1])) {
            int u2 = 0;
            if (sscanf(r + 1, "%2d:%2d%n", &h, &mi, &u2) != 2 || u2 != 5 ||
                h > 23 || mi > 59)
                return -1;
            r += 6;
        }
        int32_t zo = 0;
        if (*r) {
            size_t z = st_parse_offset(r, strlen(r), &zo);
            if (!z || r[z])
                return -1;
        }
        *utc_us = (st_days_from_civil(y, mo, d) * 86400LL + h * 3600LL +
                   mi * 60LL - zo * 60LL) * 1000000LL;
        return 0;
    }
    return -1;
}

/* Parses a duration with an optional unit; 0, or -1. */
int tl_parse_duration(const char *s, int64_t *us)
{
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (end == s || errno || v < 0 || !isfinite(v))
        return -1;
    double mul;
    if (!*end || !strcmp(end, "s") || !strcmp(end, "sec"))
        mul = 1e6;
    else if (!strcmp(end, "ms"))
        mul = 1e3;
    else if (!strcmp(end, "us"))
        mul = 1;
    else if (!strcmp(end, "m") || !strcmp(end, "min"))
        mul = 60e6;
    else if (!strcmp(end, "h"))
        mul = 3600e6;
    else if (!strcmp(end, "d"))
        mul = 86400e6;
    else
        return -1;
    if (v * mul > 9e18)
        return -1;
    *us = (int64_t)llround(v * mul);
    return 0;
}

/* ---- writing events ----------------------------------------------------- */

/* 1 when a view holds exactly the C string s. */
static int is(st_str v, const char *s)
{
    size_t n = strlen(s);
    return v.p && v.n == n && memcmp(v.p, s, n) == 0;
}

/* Meaning of the time of each kind of event (docs/timeline.md). */
static const struct { const char *name, *desc; } desc_by_event_type[] = {
    {"quarantineEvent", "Quarantine event"},
    {"quarantineXattr", "Quarantine flag set"},
    {"detachedSignatureStored", "Detached signature created"},
    {"execPolicyMeasurement", "Executable measured"},
    {"execPolicyScan", "Gatekeeper scan"},
    {"execPolicyProvenance", "Provenance tracked"},
    {"execPolicyLegacyExec", "Legacy exec seen"},
    {"execPolicyScanTarget", "Scan target queued"},
    {"execPolicyGatekeeperOverride", "Gatekeeper override"},
    {"execPolicyMalwareBlock", "Malware block"},
    {"systemPolicyAuthority", "Gatekeeper rule changed"},
    {"systemPolicyObject", "Gatekeeper verdict cached"},
    {"crashReport", "Crash report"},
    {"activityCreateEvent", "Activity created"},
    {"signpostEvent", "Signpost"},
    {"timesyncEvent", "Clock sync"},
    {"stateEvent", "State dump"},
    {"lossEvent", "Log loss"},
    {"userActionEvent", "User action"},
    {"traceEvent", "Trace entry"},
}, desc_by_type[] = {
    {"Default", "Log entry"},     {"Info", "Log entry"},
    {"Debug", "Log entry"},       {"Error", "Log entry"},
    {"Fault", "Log entry"},       {"Activity", "Activity created"},
    {"Signpost", "Signpost"},     {"Timesync", "Clock sync"},
    {"StateDump", "State dump"},  {"State", "State dump"},
    {"Loss", "Log loss"},         {"UserAction", "User action"},
    {"Trace", "Trace entry"},     {"Unparsed", "Unparsed line"},
    {"Quarantine", "Quarantine event"},
    {"DetachedSignature", "Detached signature created"},
    {"ExecPolicy", "ExecPolicy record"},
    {"SystemPolicy", "Gatekeeper policy change"},
    {"Crash", "Crash report"},
};

/* What an event's time means, from its event type, then its type. */
const char *tl_timestamp_desc(st_str type, st_str event_type)
{
    for (size_t i = 0; event_type.p && i < sizeof desc_by_event_type /
                                               sizeof *desc_by_event_type; i++)
        if (is(event_type, desc_by_event_type[i].name))
            return desc_by_event_type[i].desc;
    for (size_t i = 0; type.p && i < sizeof desc_by_type /
                                         sizeof *desc_by_type; i++)
        if (is(type, desc_by_type[i].name))
            return desc_by_type[i].desc;
    /* logEvent with an unknown message type, or a log without a Type
     * column (syslog style): still a log record */
    if (!type.p || is(event_type, "logEvent"))
        return "Log entry";
    return "Event time";
}

/* "process[pid]: (sender) [subsystem:category] ", parts when known. */
static void display_prefix(st_out *o, const st_event *ev)
{
    if (ev->process.p && ev->process.n) {
        st_out_view(o, ev->process);
        if (ev->has & ST_HAS_PID) {
            st_out_c(o, '[');
            st_out_i64(o, ev->pid);
            st_out_c(o, ']');
        }
        st_out_lit(o, ": ");
    }
    if (ev->sender.p && ev->sender.n &&
        !(ev->process.p && ev->process.n == ev->sender.n &&
          memcmp(ev->process.p, ev->sender.p, ev->sender.n) == 0)) {
        st_out_c(o, '(');
        st_out_view(o, ev->sender);
        st_out_lit(o, ") ");
    }
    if (ev->subsystem.p && ev->subsystem.n) {
        st_out_c(o, '[');
        st_out_view(o, ev->subsystem);
        st_out_c(o, ':');
        st_out_view(o, ev->category);
        st_out_lit(o, "] ");
    }
}

/* The one-line message of an event (prefix and text). */
void tl_display_message(st_out *o, const st_event *ev)
{
    display_prefix(o, ev);
    st_out_view(o, ev->message);
}

/* CSV columns; the JSON writers use the same names (docs/timeline.md). */
static const char csv_header[] =
    "datetime,timestamp,timestamp_desc,message,type,event_type,process,pid,"
    "sender,subsystem,category,thread,activity,ttl,event_message,source,"
    "line,locator,event_id";

/* Writes one CSV field, quoted only when it must be (RFC 4180). */
void tl_csv_field(st_out *o, const char *s, size_t n)
{
    int quote = n && (s[0] == ' ' || s[n - 1] == ' ');
    for (size_t i = 0; i < n && !quote; i++)
        if (s[i] == ',' || s[i] == '"' || s[i] == '\n' || s[i] == '\r')
            quote = 1;
    if (!quote) {
        st_out_add(o, s, n);
        return;
    }
    st_out_c(o, '"');
    size_t run = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '"') {
            st_out_add(o, s + i - run, run + 1);
            st_out_c(o, '"');
            run = 0;
        } else {
            run++;
        }
    }
    st_out_add(o, s + n - run, run);
    st_out_c(o, '"');
}

/* A comma and then a CSV field; an absent view is an empty field. */
static void csv_view(st_out *o, st_str v)
{
    st_out_c(o, ',');
    if (v.p)
        tl_csv_field(o, v.p, v.n);
}

/* Timestamp text of an event as written in its source: the stored text
 * when it differs from log show's rendering, else that rendering. */
static size_t original_time(const st_event *ev, char *b, const char **p)
{
    if (ev->time_text.p) {
        *p = ev->time_text.p;
        return ev->time_text.n;
    }
    *p = b;
    return st_ls_time(b, ev->time_us, ev->utc_offset_min);
}

/* One event as a CSV row (columns in csv_header), CRLF-terminated. */
static void write_csv(const tl_writer *w, const tl_event *e, st_out *o,
                      st_out *tmp)
{
    const st_event *ev = &e->ev;
    char b[40];
    if (ev->has & ST_HAS_TIME) {
        st_out_add(o, b, st_iso_time(b, ev->time_us, ev->utc_offset_min, 0));
        st_out_c(o, ',');
        st_out_i64(o, ev->time_us);
    } else {
        st_out_c(o, ',');
    }
    st_out_c(o, ',');
    st_out_str(o, tl_timestamp_desc(ev->type, ev->event_type));
    tmp->n = 0;
    tl_display_message(tmp, ev);
    st_out_c(o, ',');
    tl_csv_field(o, tmp->p ? tmp->p : "", tmp->n);
    csv_view(o, ev->type);
    csv_view(o, ev->event_type);
    csv_view(o, ev->process);
    st_out_c(o, ',');
    if (ev->has & ST_HAS_PID)
        st_out_i64(o, ev->pid);
    csv_view(o, ev->sender);
    csv_view(o, ev->subsystem);
    csv_view(o, ev->category);
    st_out_c(o, ',');
    if (ev->has & ST_HAS_THREAD)
        st_out_hex(o, ev->thread_id);
    st_out_c(o, ',');
    if (ev->has & ST_HAS_ACTIVITY)
        st_out_hex(o, ev->activity_id);
    st_out_c(o, ',');
    if (ev->has & ST_HAS_TTL)
        st_out_i64(o, ev->ttl);
    csv_view(o, ev->message);
    csv_view(o, e->source);
    st_out_c(o, ',');
    if (ev->line > 0)
        st_out_i64(o, ev->line);
    csv_view(o, ev->locator);
    st_out_c(o, ',');
    st_out_i64(o, ev->id);
    if (w->marks) {
        st_out_c(o, ',');
        st_out_str(o, e->role);
    }
    st_out_lit(o, "\r\n");
}

/* JSON object members after the first, written as ,"key":value; the key
 * and its punctuation are one literal copied at once. */
typedef struct jo {
    st_out *o;
} jo;

#define JK(j, k) st_out_lit((j)->o, ",\"" k "\":")

/* A string member, left out when absent. */
static void jo_str(jo *j, const char *kl, size_t kn, st_str v)
{
    if (!v.p)
        return;
    st_out_add(j->o, kl, kn);
    st_out_json(j->o, v.p, v.n, 0);
}
#define JS(j, k, v) jo_str((j), ",\"" k "\":", sizeof(k) + 3, (v))

/* A signed number member, left out when absent. */
static void jo_int(jo *j, const char *kl, size_t kn, int has, int64_t v)
{
    if (!has)
        return;
    st_out_add(j->o, kl, kn);
    st_out_i64(j->o, v);
}
#define JI(j, k, has, v) jo_int((j), ",\"" k "\":", sizeof(k) + 3, (has), (v))

/* An unsigned number member, left out when absent. */
static void jo_uint(jo *j, const char *kl, size_t kn, int has, uint64_t v)
{
    if (!has)
        return;
    st_out_add(j->o, kl, kn);
    st_out_u64(j->o, v);
}
#define JU(j, k, has, v) jo_uint((j), ",\"" k "\":", sizeof(k) + 3, (has), (v))

/* A "0x…" string member (ids as log prints them), left out when absent. */
static void jo_hex(jo *j, const char *kl, size_t kn, int has, uint64_t v)
{
    if (!has)
        return;
    st_out_add(j->o, kl, kn);
    st_out_c(j->o, '"');
    st_out_hex(j->o, v);
    st_out_c(j->o, '"');
}
#define JH(j, k, has, v) jo_hex((j), ",\"" k "\":", sizeof(k) + 3, (has), (v))

/* A member holding stored JSON as is (an object), left out when absent. */
static void jo_json(jo *j, const char *kl, size_t kn, st_str v)
{
    if (!v.p)
        return;
    st_out_add(j->o, kl, kn);
    st_out_json_text(j->o, v, -1, 0);
}
#define JJ(j, k, v) jo_json((j), ",\"" k "\":", sizeof(k) + 3, (v))

/* One event as a Timesketch-ready JSON object (keys in docs/timeline.md). */
static void write_json(const tl_writer *w, const tl_event *e, st_out *o,
                       st_out *tmp)
{
    const st_event *ev = &e->ev;
    unsigned h = ev->has;
    jo j = {o};
    char b[40];
    st_out_c(o, '{');
    /* message = display prefix + the text; the text is escaped once and
     * its escaped bytes copied again for event_message */
    tmp->n = 0;
    display_prefix(tmp, ev);
    st_out_lit(o, "\"message\":\"");
    st_out_json_body(o, tmp->p ? tmp->p : "", tmp->n, 0);
    size_t msg_at = o->n;
    if (ev->message.p)
        st_out_json_body(o, ev->message.p, ev->message.n, 0);
    size_t msg_len = o->n - msg_at;
    st_out_c(o, '"');
    JK(&j, "datetime");
    if (h & ST_HAS_TIME) {
        st_out_c(o, '"');
        st_out_add(o, b, st_iso_time(b, ev->time_us, ev->utc_offset_min, 0));
        st_out_c(o, '"');
        JI(&j, "timestamp", 1, ev->time_us);
        JK(&j, "timestamp_desc");
        st_out_c(o, '"');
        st_out_str(o, tl_timestamp_desc(ev->type, ev->event_type));
        st_out_c(o, '"');
    } else {
        /* Timesketch needs a datetime: undated records sit at the epoch
         * and say so */
        st_out_lit(o, "\"1970-01-01T00:00:00.000000+00:00\",\"timestamp\":0,"
                      "\"timestamp_desc\":\"Undated record\"");
    }
    JI(&j, "event_id", 1, ev->id);
    JS(&j, "source", e->source);
    JS(&j, "source_format", e->source_format);
    JI(&j, "source_id", 1, ev->source_id);
    JI(&j, "line", ev->line > 0, ev->line);
    JI(&j, "byte_offset", ev->byte_offset >= 0, ev->byte_offset);
    JS(&j, "locator", ev->locator);
    if (h & ST_HAS_TIME) {
        const char *tp;
        size_t tn = original_time(ev, b, &tp);
        JS(&j, "time_text", ((st_str){tp, tn}));
    } else {
        JS(&j, "time_text", ev->time_text);
    }
    JI(&j, "utc_offset_min", h & ST_HAS_OFFSET, ev->utc_offset_min);
    JS(&j, "type", ev->type);
    JS(&j, "event_type", ev->event_type);
    JS(&j, "process", ev->process);
    JI(&j, "pid", h & ST_HAS_PID, ev->pid);
    JS(&j, "sender", ev->sender);
    JS(&j, "subsystem", ev->subsystem);
    JS(&j, "category", ev->category);
    JH(&j, "thread", h & ST_HAS_THREAD, ev->thread_id);
    JH(&j, "activity", h & ST_HAS_ACTIVITY, ev->activity_id);
    JH(&j, "parent_activity", h & ST_HAS_PARENT_ACT, ev->parent_activity_id);
    JI(&j, "ttl", h & ST_HAS_TTL, ev->ttl);
    JI(&j, "user_id", h & ST_HAS_USER, ev->user_id);
    JU(&j, "trace_id", h & ST_HAS_TRACE, ev->trace_id);
    JU(&j, "mach_timestamp", h & ST_HAS_MACH, ev->mach_timestamp);
    JU(&j, "sender_pc", h & ST_HAS_SENDER_PC, ev->sender_pc);
    JH(&j, "signpost_id", h & ST_HAS_SIGNPOST_ID, ev->signpost_id);
    JS(&j, "signpost_name", ev->signpost_name);
    JS(&j, "signpost_scope", ev->signpost_scope);
    JS(&j, "signpost_type", ev->signpost_type);
    JS(&j, "process_path", ev->process_path);
    JS(&j, "sender_path", ev->sender_path);
    JS(&j, "process_uuid", ev->process_uuid);
    JS(&j, "sender_uuid", ev->sender_uuid);
    JS(&j, "boot_uuid", ev->boot_uuid);
    JS(&j, "timezone_name", ev->timezone_name);
    JS(&j, "format_string", ev->format_string);
    if (ev->message.p && st_out_room(o, msg_len + 20)) {
        JK(&j, "event_message");
        st_out_c(o, '"');
        /* room was made above, so the copy's source cannot move */
        memcpy(o->p + o->n, o->p + msg_at, msg_len);
        o->n += msg_len;
        st_out_c(o, '"');
    }
    JJ(&j, "backtrace", ev->backtrace_json);
    JJ(&j, "source_location", ev->source_json);
    JJ(&j, "extra", ev->extra_json);
    if (w->marks && e->role)
        JS(&j, "evidence", ((st_str){e->role, strlen(e->role)}));
    st_out_c(o, '}');
}

/* Writes the header of the format (text, csv) or "[" (json). */
void tl_write_begin(tl_writer *w)
{
    w->n = 0;
    st_out_init(&w->tmp, NULL);
    switch (w->fmt) {
    case TL_TEXT:
        if (w->marks)
            st_out_lit(w->o, "  ");
        st_out_str(w->o, st_ls_header(ST_LS_DEFAULT));
        break;
    case TL_CSV:
        st_out_lit(w->o, csv_header);
        if (w->marks)
            st_out_lit(w->o, ",evidence");
        st_out_lit(w->o, "\r\n");
        break;
    case TL_JSON:
        st_out_c(w->o, '[');
        break;
    case TL_JSONL:
        break;
    }
}

/* One event's bytes in the writer's format.  A json array element always
 * starts with ",\n"; tl_write_event drops the comma of the first. */
void tl_render_event(void *ctx, const tl_event *e, st_out *o,
                     st_out *scratch)
{
    const tl_writer *w = ctx;
    switch (w->fmt) {
    case TL_TEXT:
        if (w->marks)
            st_out_add(o, e->role ? "* " : "  ", 2);
        st_ls_default_line(o, &e->ev);
        st_out_c(o, '\n');
        break;
    case TL_CSV:
        write_csv(w, e, o, scratch);
        break;
    case TL_JSONL:
        write_json(w, e, o, scratch);
        st_out_c(o, '\n');
        break;
    case TL_JSON:
        st_out_lit(o, ",\n");
        write_json(w, e, o, scratch);
        break;
    }
}

/* Writes one event in the writer's format and flushes between records. */
void tl_write_event(tl_writer *w, const tl_event *e)
{
    st_out *o = w->o;
    if (e->rendered.p) {
        size_t skip = w->fmt == TL_JSON && !w->n && e->rendered.n ? 1 : 0;
        st_out_add(o, e->rendered.p + skip, e->rendered.n - skip);
    } else if (w->fmt == TL_JSON && !w->n) {
        /* the first array element: no comma */
        size_t at = o->n;
        w->tmp.n = 0;
        tl_render_event(w, e, o, &w->tmp);
        if (o->n > at) {
            memmove(o->p + at, o->p + at + 1, o->n - at - 1);
            o->n--;
        }
    } else {
        w->tmp.n = 0;
        tl_render_event(w, e, o, &w->tmp);
    }
    w->n++;
    st_out_maybe_flush(o);
}

/* Closes the json array and frees the writer's scratch buffer. */
void tl_write_end(tl_writer *w)
{
    if (w->fmt == TL_JSON)
        st_out_str(w->o, w->n ? "\n]\n" : "]\n");
    st_out_close(&w->tmp);
}

/* ---- writing any SQL result --------------------------------------------- */

/* A value's text for the text and CSV formats: NULL is empty, a blob is
 * x'hex' like SQLite writes it. */
static void cell_text(st_out *o, sqlite3_stmt *q, int i)
{
    switch (sqlite3_column_type(q, i)) {
    case SQLITE_NULL:
        break;
    case SQLITE_BLOB: {
        const unsigned char *b = sqlite3_column_blob(q, i);
        int n = sqlite3_column_bytes(q, i);
        st_out_lit(o, "x'");
        for (int k = 0; k < n; k++) {
            static const char hx[] = "0123456789ABCDEF";
            st_out_c(o, hx[b[k] >> 4]);
            st_out_c(o, hx[b[k] & 15]);
        }
        st_out_c(o, '\'');
        break;
    }
    default: {
        const char *t = (const char *)sqlite3_column_text(q, i);
        st_out_add(o, t ? t : "", (size_t)sqlite3_column_bytes(q, i));
    }
    }
}

/* A value as JSON: numbers as numbers, blobs as hex strings. */
static void cell_json(st_out *o, sqlite3_stmt *q, int i)
{
    switch (sqlite3_column_type(q, i)) {
    case SQLITE_NULL:
        st_out_lit(o, "null");
        break;
    case SQLITE_INTEGER:
        st_out_i64(o, sqlite3_column_int64(q, i));
        break;
    case SQLITE_FLOAT: {
        double d = sqlite3_column_double(q, i);
        if (isfinite(d))
            st_out_printf(o, "%.17g", d);
        else
            st_out_lit(o, "null");
        break;
    }
    case SQLITE_BLOB: {
        st_out t;
        st_out_init(&t, NULL);
        cell_text(&t, q, i);
        st_out_json(o, t.p ? t.p : "", t.n, 0);
        st_out_close(&t);
        break;
    }
    default: {
        const char *t = (const char *)sqlite3_column_text(q, i);
        st_out_json(o, t ? t : "", (size_t)sqlite3_column_bytes(q, i), 0);
    }
    }
}

/* Display width of UTF-8 text in code points; control characters are
 * shown escaped (two columns). */
static size_t text_width(const char *s, size_t n)
{
    size_t w = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if ((c & 0xC0) != 0x80)
            w += c < 0x20 ? 2 : 1;
    }
    return w;
}

/* Writes a cell for the text format: newlines and tabs escaped so each
 * row stays on one line; padded to width unless last. */
static void text_cell(st_out *o, const char *s, size_t n, size_t width,
                      int last)
{
    size_t run = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c >= 0x20) {
            run++;
            continue;
        }
        st_out_add(o, s + i - run, run);
        run = 0;
        char esc[2] = {'\\', c == '\n' ? 'n' : c == '\t' ? 't' :
                             c == '\r' ? 'r' : '?'};
        st_out_add(o, esc, 2);
    }
    st_out_add(o, s + n - run, run);
    if (!last)
        st_out_pad(o, text_width(s, n), width);
}

#define TEXT_SAMPLE 1000

/* Writes every row of a prepared statement; see the header. */
int64_t tl_write_query(st_out *o, sqlite3_stmt *q, tl_format fmt, char *err,
                       size_t errlen)
{
    int nc = sqlite3_column_count(q);
    int64_t rows = 0;
    int rc;
    if (fmt == TL_CSV) {
        for (int i = 0; i < nc; i++) {
            const char *name = sqlite3_column_name(q, i);
            if (i)
                st_out_c(o, ',');
            tl_csv_field(o, name, strlen(name));
        }
        st_out_lit(o, "\r\n");
        st_out t;
        st_out_init(&t, NULL);
        while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
            for (int i = 0; i < nc; i++) {
                if (i)
                    st_out_c(o, ',');
                t.n = 0;
                cell_text(&t, q, i);
                tl_csv_field(o, t.p ? t.p : "", t.n);
            }
            st_out_lit(o, "\r\n");
            rows++;
            st_out_maybe_flush(o);
        }
        st_out_close(&t);
    } else if (fmt == TL_JSONL || fmt == TL_JSON) {
        if (fmt == TL_JSON)
            st_out_lit(o, "[\n");
        while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
            if (fmt == TL_JSON && rows)
                st_out_lit(o, ",\n");
            st_out_c(o, '{');
            for (int i = 0; i < nc; i++) {
                const char *name = sqlite3_column_name(q, i);
                if (i)
                    st_out_c(o, ',');
                st_out_json(o, name, strlen(name), 0);
                st_out_c(o, ':');
                cell_json(o, q, i);
            }
            st_out_c(o, '}');
            if (fmt == TL_JSONL)
                st_out_c(o, '\n');
            rows++;
            st_out_maybe_flush(o);
        }
        if (fmt == TL_JSON)
            st_out_str(o, rows ? "\n]\n" : "]\n");
    } else {
        /* Text: the first rows are kept to size the columns; later rows
         * wider than them overflow rather than being held in memory. */
        size_t *width = calloc((size_t)nc + 1, sizeof *width);
        size_t *cells = NULL;
        size_t ncells = 0, cap = 0;
        st_out keep;
        st_out_init(&keep, NULL);
        if (!width) {
            snprintf(err, errlen, "out of memory");
            return -1;
        }
        for (int i = 0; i < nc; i++)
            width[i] = text_width(sqlite3_column_name(q, i),
                                  strlen(sqlite3_column_name(q, i)));
        int sampled = 0;
        while ((rc = sqlite3_step(q)) == SQLITE_ROW && sampled < TEXT_SAMPLE) {
            for (int i = 0; i < nc; i++) {
                if (ncells + 2 > cap) {
                    cap = cap ? cap * 2 : 256;
                    size_t *nc2 = realloc(cells, cap * sizeof *cells);
                    if (!nc2)
                        break;
                    cells = nc2;
                }
                size_t start = keep.n;
                cell_text(&keep, q, i);
                cells[ncells++] = start;
                size_t wd = text_width(keep.p + start, keep.n - start);
                if (wd > width[i])
                    width[i] = wd;
            }
            sampled++;
        }
        for (int i = 0; i < nc; i++) {
            const char *name = sqlite3_column_name(q, i);
            text_cell(o, name, strlen(name), width[i], i == nc - 1);
            if (i < nc - 1)
                st_out_lit(o, "  ");
        }
        st_out_c(o, '\n');
        for (int i = 0; i < nc; i++) {
            for (size_t k = 0; k < width[i]; k++)
                st_out_c(o, '-');
            if (i < nc - 1)
                st_out_lit(o, "  ");
        }
        st_out_c(o, '\n');
        for (size_t k = 0; k < ncells; k++) {
            int i = (int)(k % (size_t)nc);
            size_t end = k + 1 < ncells ? cells[k + 1] : keep.n;
            text_cell(o, keep.p + cells[k], end - cells[k], width[i],
                      i == nc - 1);
            st_out_str(o, i == nc - 1 ? "\n" : "  ");
            if (i == nc - 1) {
                rows++;
                st_out_maybe_flush(o);
            }
        }
        st_out t;
        st_out_init(&t, NULL);
        /* the row that ended the sample is still current */
        for (; rc == SQLITE_ROW; rc = sqlite3_step(q)) {
            for (int i = 0; i < nc; i++) {
                t.n = 0;
                cell_text(&t, q, i);
                text_cell(o, t.p ? t.p : "", t.n, width[i], i == nc - 1);
                st_out_str(o, i == nc - 1 ? "\n" : "  ");
            }
            rows++;
            st_out_maybe_flush(o);
        }
        st_out_close(&t);
        st_out_close(&keep);
        free(cells);
        free(width);
    }
    if (rc != SQLITE_DONE) {
        snprintf(err, errlen, "%s", sqlite3_errmsg(sqlite3_db_handle(q)));
        return -1;
    }
    return rows;
}
