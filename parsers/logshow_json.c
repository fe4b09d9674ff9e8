/*
 * logshow_json.c -- `log show --style ndjson` and `--style json` exports
 * (layouts and keys in shared/reference/LOG_FORMATS.md §1.3-§1.5 and §5).
 *
 * Both styles are read as streams, one record at a time:
 *  - ndjson: one compact object per line, closed by a trailer object
 *    {"count":N,"finished":1}.  Lines are cut with memchr.
 *  - json: one pretty-printed array "[{" ... "},{" ... "}]".  A small state
 *    machine (string/escape state, brace depth) cuts out each top-level
 *    object; in log's own layout, where a record's closing brace is the
 *    only '}' at column 0, whole stretches are skipped with memchr instead.
 *    Concatenated pretty objects without the array are read too.
 * Each record's text is then parsed with yajl's event (SAX) interface, which
 * builds no tree: every value goes straight into the event, strings are
 * copied once into a per-batch arena, and integers arrive as their digits so
 * 64-bit unsigned values (traceID > 2^53) never pass through a double.
 * Nested values (backtrace, source, unknown keys) are rebuilt as compact
 * JSON text.  yajl was chosen over json-c, jansson and SQLite's json_each
 * by measurement (about 3x faster than json-c on real-shaped records).
 *
 * Memory is bounded whatever the input size: one record's text (at most
 * JS_MAX_RECORD bytes; longer records are kept cut, as Unparsed) plus a few
 * batches of parsed events.  On large inputs reading and parsing run on a
 * helper thread and batches of finished events go to the calling thread,
 * which alone talks to the sink, so parsing overlaps with the store.
 *
 * Bad input never stops the reader: a record that is not a valid JSON object
 * becomes an event of type "Unparsed" carrying its raw text and line, with a
 * warning saying why.
 */
#include <pthread.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <yajl/yajl_parse.h>

#include "parser.h"
#include "timeparse.h"

#define JS_CHUNK (256 * 1024)          /* bytes asked of the input at once */
#define JS_MAX_RECORD (8 * 1024 * 1024) /* longer records are cut */
#define JS_KEEP_CUT (64 * 1024)        /* text kept of a cut record */
#define JS_MAX_DEPTH 64                /* deeper nesting is refused */
#define JS_BATCH_ITEMS 512             /* items per batch (soft limit) */
#define JS_REC_WARNINGS 8              /* warnings kept per record */
#define JS_BATCH_BYTES (2 * 1024 * 1024)
#define JS_ARENA_BLOCK (1024 * 1024)
#define JS_NBATCH 3                    /* batches in flight when threaded */

/* Inputs at least this large (raw bytes; or of unknown size) are parsed on
 * a helper thread.  A variable so tests can force either path. */
size_t st_logshow_json_thread_min = 4 * 1024 * 1024;

/* ---- a chunked arena: pointers stay valid until the arena is reset ---- */

typedef struct arena_blk {
    struct arena_blk *next;
    size_t cap, used;
    char data[];
} arena_blk;

typedef struct arena {
    arena_blk *head, *cur;
    size_t used;                       /* bytes handed out since reset */
    size_t block;                      /* size of new blocks */
} arena;

/* Returns n bytes that stay put until arena_reset; NULL when out of
 * memory.  Blocks are only appended, so earlier pointers never move. */
static char *arena_alloc(arena *a, size_t n)
{
    arena_blk *b = a->cur;
    while (b && b->cap - b->used < n)
        b = b->next;                   /* a later block kept from before */
    if (!b) {
        size_t want = a->block ? a->block : JS_ARENA_BLOCK;
        size_t cap = n > want ? n : want;
        b = malloc(sizeof *b + cap);
        if (!b)
            return NULL;
        b->next = NULL;
        b->cap = cap;
        b->used = 0;
        if (a->cur) {
            b->next = a->cur->next;
            a->cur->next = b;
        } else {
            a->head = b;
        }
    }
    a->cur = b;
    char *p = b->data + b->used;
    b->used += n;
    a->used += n;
    return p;
}

/* Copies n bytes into the arena; returns the copy or NULL. */
static char *arena_dup(arena *a, const void *p, size_t n)
{
    char *d = arena_alloc(a, n ? n : 1);
    if (d && n)
        memcpy(d, p, n);
    return d;
}

/* Forgets everything allocated; keeps the first block for reuse and frees
 * the others, so one huge record does not pin its memory. */
static void arena_reset(arena *a)
{
    if (!a->head)
        return;
    arena_blk *b = a->head->next;
    while (b) {
        arena_blk *n = b->next;
        free(b);
        b = n;
    }
    a->head->next = NULL;
    a->head->used = 0;
    a->cur = a->head;
    a->used = 0;
}

/* Frees the arena. */
static void arena_free(arena *a)
{
    arena_reset(a);
    free(a->head);
    a->head = a->cur = NULL;
}

/* ---- batches of finished items ----------------------------------------- */

enum { IT_EVENT, IT_WARN, IT_NOTE };

typedef struct item {
    int kind;
    int64_t line;                      /* IT_WARN */
    const char *a, *b;                 /* IT_WARN text; IT_NOTE key, value */
    st_event ev;                       /* IT_EVENT, views into the arena */
} item;

typedef struct batch {
    item *items;
    size_t n, cap;
    arena ar;
} batch;

/* Passes a batch's items to the sink in order; returns 1 when the sink
 * asked to stop.  Runs on the thread that owns the sink. */
static int emit_batch(st_sink *sink, batch *b)
{
    for (size_t i = 0; i < b->n; i++) {
        item *it = &b->items[i];
        if (it->kind == IT_EVENT) {
            if (sink->event(sink->ctx, &it->ev))
                return 1;
        } else if (it->kind == IT_WARN) {
            if (sink->warn)
                sink->warn(sink->ctx, it->line, it->a);
        } else if (sink->note) {
            sink->note(sink->ctx, it->a, it->b);
        }
    }
    return 0;
}

/* ---- keys --------------------------------------------------------------- */

/* What a known key's value becomes. */
enum kkind {
    K_STR,        /* string -> an st_str field */
    K_U64,        /* unsigned integer */
    K_I64,        /* signed integer */
    K_JSON,       /* any value, kept as JSON text */
    K_TIME,       /* the timestamp string */
    K_ETYPE,      /* eventType string */
    K_MTYPE,      /* messageType string */
    K_FINISHED,   /* marks the ndjson trailer */
};

typedef struct keydef {
    const char *name;
    unsigned char len;
    unsigned char kind;
    unsigned short off;                /* offset of the field in st_event */
    unsigned has;                      /* ST_HAS_* bit for integers */
} keydef;

#define F(m) ((unsigned short)offsetof(st_event, m))
#define KEY(name, kind, off, has) {name, sizeof(name) - 1, kind, off, has}
static const keydef keys[] = {
    KEY("timestamp", K_TIME, F(time_text), 0),
    KEY("eventMessage", K_STR, F(message), 0),
    KEY("eventType", K_ETYPE, F(event_type), 0),
    KEY("messageType", K_MTYPE, 0, 0),
    KEY("subsystem", K_STR, F(subsystem), 0),
    KEY("category", K_STR, F(category), 0),
    KEY("processImagePath", K_STR, F(process_path), 0),
    KEY("senderImagePath", K_STR, F(sender_path), 0),
    KEY("processImageUUID", K_STR, F(process_uuid), 0),
    KEY("senderImageUUID", K_STR, F(sender_uuid), 0),
    KEY("bootUUID", K_STR, F(boot_uuid), 0),
    KEY("processID", K_I64, F(pid), ST_HAS_PID),
    KEY("threadID", K_U64, F(thread_id), ST_HAS_THREAD),
    KEY("userID", K_I64, F(user_id), ST_HAS_USER),
    KEY("activityIdentifier", K_U64, F(activity_id), ST_HAS_ACTIVITY),
    KEY("parentActivityIdentifier", K_U64, F(parent_activity_id),
        ST_HAS_PARENT_ACT),
    KEY("traceID", K_U64, F(trace_id), ST_HAS_TRACE),
    KEY("machTimestamp", K_U64, F(mach_timestamp), ST_HAS_MACH),
    KEY("senderProgramCounter", K_U64, F(sender_pc), ST_HAS_SENDER_PC),
    KEY("formatString", K_STR, F(format_string), 0),
    KEY("backtrace", K_JSON, F(backtrace_json), 0),
    KEY("source", K_JSON, F(source_json), 0),
    KEY("timezoneName", K_STR, F(timezone_name), 0),
    KEY("signpostID", K_U64, F(signpost_id), ST_HAS_SIGNPOST_ID),
    KEY("signpostName", K_STR, F(signpost_name), 0),
    KEY("signpostScope", K_STR, F(signpost_scope), 0),
    KEY("signpostType", K_STR, F(signpost_type), 0),
    KEY("finished", K_FINISHED, 0, 0),
};
#undef KEY
#define NKEYS (sizeof keys / sizeof *keys)

/* Slot of a key name in key_slot: (len, first, last two bytes) separate
 * all the names in keys[] (checked when the table is built). */
static unsigned key_slot_of(const char *p, size_t n)
{
    return (unsigned)(n * 6 + (unsigned char)p[0] +
                      (unsigned char)p[n - 1] * 25u +
                      (unsigned char)p[n - 2] * 7u) & 63u;
}

static signed char key_slot[64];       /* key index + 1, 0 empty */
static int key_slot_clash;             /* fall back to a linear scan */

/* Builds key_slot; run once (init_once). */
static void init_keys(void)
{
    signed char t[64] = {0};
    int clash = 0;
    for (size_t i = 0; i < NKEYS; i++) {
        unsigned h = key_slot_of(keys[i].name, keys[i].len);
        if (t[h])
            clash = 1;
        t[h] = (signed char)(i + 1);
    }
    memcpy(key_slot, t, sizeof t);
    key_slot_clash = clash;
}

/* Index of the known key (p, n), or -1. */
static int key_lookup(const char *p, size_t n)
{
    if (n < 2 || n > 24)
        return -1;
    if (key_slot_clash) {
        for (size_t i = 0; i < NKEYS; i++)
            if (keys[i].len == n && memcmp(keys[i].name, p, n) == 0)
                return (int)i;
        return -1;
    }
    int i = key_slot[key_slot_of(p, n)] - 1;
    if (i < 0 || keys[i].len != n)
        return -1;
    /* Names are 6 to 24 bytes: compare them as overlapping 8-byte words
     * (fixed-size memcpy compiles to plain loads), no memcmp call. */
    const char *k = keys[i].name;
    if (n < 8)
        return memcmp(k, p, n) == 0 ? i : -1;
    uint64_t a, b, c, d;
    memcpy(&a, k, 8);
    memcpy(&b, p, 8);
    memcpy(&c, k + n - 8, 8);
    memcpy(&d, p + n - 8, 8);
    if (a != b || c != d)
        return -1;
    if (n > 16) {
        memcpy(&a, k + 8, 8);
        memcpy(&b, p + 8, 8);
        if (a != b)
            return -1;
    }
    return i;
}

/*
 * `type` of an event: messageType for log events; for other eventTypes the
 * name the default text style prints in its Type column, so the same export
 * in both styles gives the same type:
 *   activityCreateEvent -> Activity     signpostEvent   -> Signpost
 *   timesyncEvent       -> Timesync     stateEvent      -> State
 *   lossEvent           -> Loss         userActionEvent -> UserAction
 *   traceEvent          -> Trace
 * An eventType not listed keeps its own name.
 */
static const struct { const char *event_type, *type; } type_names[] = {
    {"activityCreateEvent", "Activity"}, {"signpostEvent", "Signpost"},
    {"timesyncEvent", "Timesync"},       {"stateEvent", "State"},
    {"lossEvent", "Loss"},               {"userActionEvent", "UserAction"},
    {"traceEvent", "Trace"},
};

/* ---- a per-record heap for yajl ----------------------------------------- */

/*
 * yajl allocates its handle, lexer and buffers for every record.  They are
 * carved from one block that is reset after each record, so parsing a
 * record costs no malloc; a request that does not fit falls back to malloc.
 * Every block carries its size in a 16-byte header so realloc can copy.
 */
#define YH_SIZE (64 * 1024)
#define YH_HDR 16

typedef struct yheap {
    char *base;
    size_t used;
} yheap;

/* True when p was carved from the heap's block. */
static int yh_owns(const yheap *h, const void *p)
{
    uintptr_t a = (uintptr_t)p, b = (uintptr_t)h->base;
    return a >= b && a < b + YH_SIZE;
}

/* yajl's malloc: carves from the block, else falls back to malloc. */
static void *yh_malloc(void *ctx, size_t n)
{
    yheap *h = ctx;
    size_t need = (n + YH_HDR + 15) & ~(size_t)15;
    char *p;
    if (n < YH_SIZE && YH_SIZE - h->used >= need) {
        p = h->base + h->used;
        h->used += need;
    } else if (!(p = malloc(n + YH_HDR))) {
        return NULL;
    }
    memcpy(p, &n, sizeof n);
    return p + YH_HDR;
}

/* yajl's free: carved blocks wait for the reset; others are freed. */
static void yh_free(void *ctx, void *p)
{
    if (p && !yh_owns(ctx, p))
        free((char *)p - YH_HDR);
}

/* yajl's realloc: the last carved block grows in place, others move. */
static void *yh_realloc(void *ctx, void *p, size_t n)
{
    yheap *h = ctx;
    if (!p)
        return yh_malloc(ctx, n);
    char *blk = (char *)p - YH_HDR;
    size_t old;
    memcpy(&old, blk, sizeof old);
    if (!yh_owns(h, p)) {
        char *q = realloc(blk, n + YH_HDR);
        if (!q)
            return NULL;
        memcpy(q, &n, sizeof n);
        return q + YH_HDR;
    }
    size_t at = (size_t)(blk - h->base);
    size_t need = (n + YH_HDR + 15) & ~(size_t)15;
    if (at + ((old + YH_HDR + 15) & ~(size_t)15) == h->used &&
        n < YH_SIZE && at + need <= YH_SIZE) {
        h->used = at + need;           /* the last block grows in place */
        memcpy(blk, &n, sizeof n);
        return p;
    }
    void *q = yh_malloc(ctx, n);
    if (q)
        memcpy(q, p, old < n ? old : n);
    return q;                          /* the old block waits for reset */
}

/* ---- a JSON writer for nested values ------------------------------------ */

/*
 * Nested values (backtrace, source, unknown keys) are kept as compact JSON
 * text rebuilt from the parse events, so the same value reads the same in
 * both styles: no "\/" escapes, no pretty-printing.  Plain enough to need
 * no library: strings are escaped as JSON requires, numbers keep their
 * digits.
 */
typedef struct jwriter {
    char *p;
    size_t n, cap;
    uint64_t first;                    /* bit d: nothing written at depth d */
    int depth;
    int after_key;
    int oom;
} jwriter;

/* Appends raw bytes. */
static void jw_raw(jwriter *w, const void *s, size_t n)
{
    if (w->n + n > w->cap) {
        size_t c = w->cap ? w->cap : 1024;
        while (c < w->n + n)
            c *= 2;
        char *nb = realloc(w->p, c);
        if (!nb) {
            w->oom = 1;
            return;
        }
        w->p = nb;
        w->cap = c;
    }
    memcpy(w->p + w->n, s, n);
    w->n += n;
}

/* Empties the writer for a new value. */
static void jw_reset(jwriter *w)
{
    w->n = 0;
    w->first = 0;
    w->depth = 0;
    w->after_key = 0;
    w->oom = 0;
}

/* Writes the comma a value needs before it, if any. */
static void jw_sep(jwriter *w)
{
    if (w->after_key) {
        w->after_key = 0;
        return;
    }
    if (w->depth > 0) {
        uint64_t bit = 1ull << (w->depth & 63);
        if (!(w->first & bit))
            jw_raw(w, ",", 1);
        w->first &= ~bit;
    }
}

/* Bytes a JSON string must escape. */
static unsigned char must_escape[256];

/* Writes a quoted, escaped string. */
static void jw_quoted(jwriter *w, const char *s, size_t n)
{
    static const char hex[] = "0123456789abcdef";
    jw_raw(w, "\"", 1);
    size_t run = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (!must_escape[c])
            continue;
        jw_raw(w, s + run, i - run);
        run = i + 1;
        char e[6] = {'\\', (char)c, 0, 0, 0, 0};
        size_t k = 2;
        switch (c) {
        case '"': case '\\': break;
        case '\n': e[1] = 'n'; break;
        case '\t': e[1] = 't'; break;
        case '\r': e[1] = 'r'; break;
        case '\b': e[1] = 'b'; break;
        case '\f': e[1] = 'f'; break;
        default:
            e[1] = 'u';
            e[2] = e[3] = '0';
            e[4] = hex[c >> 4];
            e[5] = hex[c & 15];
            k = 6;
        }
        jw_raw(w, e, k);
    }
    jw_raw(w, s + run, n - run);
    jw_raw(w, "\"", 1);
}

/* Writes a string value. */
static void jw_string(jwriter *w, const char *s, size_t n)
{
    jw_sep(w);
    jw_quoted(w, s, n);
}

/* Writes an object key; the next value follows it without a comma. */
static void jw_key(jwriter *w, const char *s, size_t n)
{
    jw_sep(w);
    jw_quoted(w, s, n);
    jw_raw(w, ":", 1);
    w->after_key = 1;
}

/* Writes a number's text, true, false or null. */
static void jw_atom(jwriter *w, const char *s, size_t n)
{
    jw_sep(w);
    jw_raw(w, s, n);
}

/* Opens ('{' or '[') or closes ('}' or ']') an object or array.  Depth is
 * bounded by JS_MAX_DEPTH, below the 64 bits of `first`. */
static void jw_open(jwriter *w, char c)
{
    jw_sep(w);
    jw_raw(w, &c, 1);
    w->depth++;
    w->first |= 1ull << (w->depth & 63);
}

/* See jw_open. */
static void jw_close(jwriter *w, char c)
{
    w->depth--;
    jw_raw(w, &c, 1);
}

/* ---- the reader --------------------------------------------------------- */

enum style { J_NDJSON, J_ARRAY };

/* A key sigtrail has no field for, kept for extra_json. */
typedef struct extra {
    const char *key, *val;             /* raw key; value as JSON text */
    size_t keyn, valn;
    int dead;                          /* replaced by a later duplicate */
} extra;

/* Shared between the helper thread and the caller when threaded. */
typedef struct pipeline {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    batch *full[JS_NBATCH], *spare[JS_NBATCH];
    int nfull, nspare, head;           /* full is a ring from head */
    int done;
    atomic_int stop;
} pipeline;

/* The kinds of value a callback hands to take_value. */
enum vkind { V_NULL, V_BOOL, V_NUM, V_STR, V_COMPOUND };

typedef struct jreader {
    st_input *in;
    st_tz *tz;
    int tz_warned;
    enum style style;
    batch *b;                          /* batch being filled */
    pipeline *pipe;                    /* NULL when not threaded */
    st_sink *sink;                     /* sync mode only */
    int stopped;                       /* reading should stop */
    int sink_stopped;                  /* ... because the sink said so */
    char *chunk;
    size_t chunk_size;

    /* position in the decompressed stream */
    int64_t pos;                       /* offset of the chunk's first byte */
    int64_t line;                      /* line number at the scan point */
    int64_t lstart;                    /* offset where that line starts */

    /* the record (or stray text) being cut out */
    int region;                        /* 0 none, 1 object/line, 2 stray */
    size_t rstart;                     /* its start in the current chunk */
    char *rbuf;                        /* bytes from earlier chunks */
    size_t rlen, rcap;
    uint64_t rtotal;                   /* whole length, even when cut */
    int64_t rline, roff;
    /* json scanner */
    int depth, in_str, esc, too_deep;
    const char *bad;                   /* why the record is broken */
    int in_array, log_layout, objects, open_col0;
    int fast;                          /* record cut by log's layout */
    size_t next_open, next_close;      /* next '{' / '}' in the chunk */

    /* counts */
    uint64_t since_trailer;
    int trailers;

    /* per-record parse state */
    jwriter w;                         /* nested value being rebuilt */
    jwriter wk;                        /* scalars and keys for extras */
    st_event ev;
    st_str etype, mtype;
    int ydepth;                        /* nesting inside the record */
    int key;                           /* known key index, -1 unknown */
    const char *kname;                 /* current key text */
    size_t knamen;
    int capturing;                     /* a nested value is regenerated */
    uint64_t seen;                     /* known keys seen, bit per index */
    int finished, has_count;
    int in_record, rec_warnings;       /* warnings capped within a record */
    uint64_t count;
    char reason[200];
    extra *ex;
    size_t nex, exc;
    size_t *exh;                       /* extras by key: index + 1 */
    size_t exhcap;
    char *xbuf;                        /* extra_json being assembled */
    size_t xcap;
    yheap yh;
    yajl_alloc_funcs yfuncs;
} jreader;

/* ---- batch delivery ----------------------------------------------------- */

/* Hands the batch on (threaded: to the caller; sync: to the sink) and makes
 * r->b an empty batch.  Called only between records, so no view of a record
 * being parsed can be freed under it.  Returns -1 when reading should stop. */
static int deliver(jreader *r)
{
    if (!r->pipe) {
        if (!r->stopped && emit_batch(r->sink, r->b))
            r->stopped = r->sink_stopped = 1;
    } else {
        pipeline *p = r->pipe;
        pthread_mutex_lock(&p->mu);
        p->full[(p->head + p->nfull) % JS_NBATCH] = r->b;
        p->nfull++;
        pthread_cond_broadcast(&p->cv);
        while (p->nspare == 0)
            pthread_cond_wait(&p->cv, &p->mu);
        r->b = p->spare[--p->nspare];
        pthread_mutex_unlock(&p->mu);
        if (atomic_load(&p->stop))
            r->stopped = r->sink_stopped = 1;
    }
    r->b->n = 0;
    arena_reset(&r->b->ar);
    return r->stopped ? -1 : 0;
}

/* Delivers the batch when it is full enough; called between records. */
static void maybe_deliver(jreader *r)
{
    if (r->b->n >= JS_BATCH_ITEMS || r->b->ar.used >= JS_BATCH_BYTES)
        deliver(r);
}

/* Returns a cleared item slot of the current batch, or NULL on OOM. */
static item *new_item(jreader *r)
{
    batch *b = r->b;
    if (b->n == b->cap) {
        size_t c = b->cap ? b->cap * 2 : 32;
        item *it = realloc(b->items, c * sizeof *it);
        if (!it)
            return NULL;
        b->items = it;
        b->cap = c;
    }
    item *it = &b->items[b->n];
    it->a = it->b = NULL;
    it->line = 0;
    return it;
}

/* Queues a warning about `line`.  A record gets at most JS_REC_WARNINGS, so
 * a record of a million duplicate keys cannot flood the case. */
static void addwarn(jreader *r, int64_t line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void addwarn(jreader *r, int64_t line, const char *fmt, ...)
{
    if (r->in_record && r->rec_warnings++ >= JS_REC_WARNINGS)
        return;
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    item *it = new_item(r);
    if (!it || !(it->a = arena_dup(&r->b->ar, msg, strlen(msg) + 1)))
        return;                        /* out of memory: drop it */
    it->kind = IT_WARN;
    it->line = line;
    r->b->n++;
}

/* Queues a note (key = value). */
static void addnote(jreader *r, const char *key, const char *value)
{
    item *it = new_item(r);
    if (!it || !(it->a = arena_dup(&r->b->ar, key, strlen(key) + 1)) ||
        !(it->b = arena_dup(&r->b->ar, value, strlen(value) + 1)))
        return;
    it->kind = IT_NOTE;
    r->b->n++;
}

/* Queues an event (its views must point into the batch arena). */
static void addevent(jreader *r, const st_event *ev)
{
    item *it = new_item(r);
    if (!it) {
        r->stopped = 1;                /* out of memory */
        return;
    }
    it->kind = IT_EVENT;
    it->ev = *ev;
    r->b->n++;
    r->since_trailer++;
}

/* ---- numbers ------------------------------------------------------------ */

/* Parses JSON number text as an unsigned 64-bit integer by its digits.
 * Returns NULL on success, else why it does not fit. */
static const char *num_u64(const char *s, size_t n, uint64_t *out)
{
    if (n && s[0] == '-') {
        if (n == 2 && s[1] == '0') {
            *out = 0;
            return NULL;
        }
        return "is negative";
    }
    uint64_t v = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return "is not an integer";
        unsigned d = (unsigned)(s[i] - '0');
        if (v > (UINT64_MAX - d) / 10)
            return "is out of the unsigned 64-bit range";
        v = v * 10 + d;
    }
    *out = v;
    return NULL;
}

/* Parses JSON number text as a signed 64-bit integer. */
static const char *num_i64(const char *s, size_t n, int64_t *out)
{
    int neg = n && s[0] == '-';
    uint64_t v;
    const char *why = num_u64(s + neg, n - (size_t)neg, &v);
    if (why)
        return why;
    if (v > (uint64_t)INT64_MAX + (uint64_t)neg)
        return "is out of the signed 64-bit range";
    *out = neg ? (int64_t)(0 - v) : (int64_t)v;
    return NULL;
}

/* ---- extras (keys sigtrail has no field for) ---------------------------- */

/* Sets why a record is refused (the first reason wins) and returns 0, so a
 * yajl callback can cancel the parse with it. */
static int refuse(jreader *r, const char *why)
{
    if (!r->reason[0])
        snprintf(r->reason, sizeof r->reason, "%s", why);
    return 0;
}

/* FNV-1a of a key. */
static size_t key_hash(const char *p, size_t n)
{
    size_t h = 2166136261u;
    for (size_t i = 0; i < n; i++)
        h = (h ^ (unsigned char)p[i]) * 16777619u;
    return h;
}

/* Returns the index of the live extra with key (p, n), or -1.  A hash keeps
 * records with very many keys linear. */
static long extra_find(jreader *r, const char *p, size_t n)
{
    if (!r->nex)
        return -1;
    size_t m = r->exhcap - 1;
    for (size_t i = key_hash(p, n) & m; r->exh[i]; i = (i + 1) & m) {
        extra *e = &r->ex[r->exh[i] - 1];
        if (!e->dead && e->keyn == n && memcmp(e->key, p, n) == 0)
            return (long)(r->exh[i] - 1);
    }
    return -1;
}

/* Rebuilds the extras hash with `cap` slots (a power of two). */
static int extra_rehash(jreader *r, size_t cap)
{
    size_t *h = calloc(cap, sizeof *h);
    if (!h)
        return -1;
    free(r->exh);
    r->exh = h;
    r->exhcap = cap;
    for (size_t k = 0; k < r->nex; k++) {
        size_t i = key_hash(r->ex[k].key, r->ex[k].keyn) & (cap - 1);
        while (h[i])
            i = (i + 1) & (cap - 1);
        h[i] = k + 1;
    }
    return 0;
}

/* Keeps the current key with its value (JSON text) as an extra.  Returns 1,
 * or 0 (with a reason) when out of memory. */
static int extra_add(jreader *r, st_str val)
{
    if (r->nex == r->exc) {
        size_t c = r->exc ? r->exc * 2 : 16;
        extra *e = realloc(r->ex, c * sizeof *e);
        if (!e)
            return refuse(r, "out of memory");
        r->ex = e;
        r->exc = c;
    }
    if ((r->nex + 1) * 2 > r->exhcap &&
        extra_rehash(r, r->exhcap ? r->exhcap * 2 : 64) < 0)
        return refuse(r, "out of memory");
    char *v = val.p ? arena_dup(&r->b->ar, val.p, val.n) : NULL;
    if (!v)
        return refuse(r, "out of memory");
    extra *e = &r->ex[r->nex];
    *e = (extra){r->kname, v, r->knamen, val.n, 0};
    size_t m = r->exhcap - 1, i = key_hash(e->key, e->keyn) & m;
    while (r->exh[i])
        i = (i + 1) & m;
    r->exh[i] = ++r->nex;
    return 1;
}

/* Appends to the extra_json scratch buffer; returns -1 on OOM. */
static int xput(jreader *r, size_t *len, const void *p, size_t n)
{
    if (*len + n > r->xcap) {
        size_t c = r->xcap ? r->xcap : 256;
        while (c < *len + n)
            c *= 2;
        char *nb = realloc(r->xbuf, c);
        if (!nb)
            return -1;
        r->xbuf = nb;
        r->xcap = c;
    }
    memcpy(r->xbuf + *len, p, n);
    *len += n;
    return 0;
}

/* Builds extra_json, a JSON object of the live extras in input order. */
static st_str extras_json(jreader *r)
{
    size_t len = 0;
    int first = 1;
    if (xput(r, &len, "{", 1) < 0)
        return ST_STR_NULL;
    for (size_t k = 0; k < r->nex; k++) {
        extra *e = &r->ex[k];
        if (e->dead)
            continue;
        jw_reset(&r->wk);
        jw_quoted(&r->wk, e->key, e->keyn);
        if (r->wk.oom || (!first && xput(r, &len, ",", 1) < 0) ||
            xput(r, &len, r->wk.p, r->wk.n) < 0 ||
            xput(r, &len, ":", 1) < 0 ||
            xput(r, &len, e->val, e->valn) < 0)
            return ST_STR_NULL;
        first = 0;
    }
    if (xput(r, &len, "}", 1) < 0)
        return ST_STR_NULL;
    char *d = arena_dup(&r->b->ar, r->xbuf, len);
    return d ? (st_str){d, len} : ST_STR_NULL;
}

/* ---- per-record parsing (yajl callbacks) -------------------------------- */

/* Clears the per-record state for a record starting at (line, off). */
static void rec_begin(jreader *r, int64_t line, int64_t off)
{
    memset(&r->ev, 0, sizeof r->ev);
    r->ev.line = line;
    r->ev.byte_offset = off;
    r->etype = r->mtype = ST_STR_NULL;
    r->ydepth = 0;
    r->key = -1;
    r->kname = NULL;
    r->knamen = 0;
    r->capturing = 0;
    r->seen = 0;
    r->finished = r->has_count = r->rec_warnings = 0;
    r->in_record = 1;
    r->reason[0] = 0;
    if (r->nex)
        memset(r->exh, 0, r->exhcap * sizeof *r->exh);
    r->nex = 0;
}

/* Forgets the value an earlier duplicate of the current key left, so the
 * last one wins. */
static void forget_key(jreader *r)
{
    long e = extra_find(r, r->kname, r->knamen);
    if (e >= 0)
        r->ex[e].dead = 1;
    if (r->key < 0)
        return;
    const keydef *k = &keys[r->key];
    switch (k->kind) {
    case K_U64:
    case K_I64:
        r->ev.has &= ~k->has;
        break;
    case K_ETYPE:
        r->etype = r->ev.event_type = ST_STR_NULL;
        break;
    case K_MTYPE:
        r->mtype = ST_STR_NULL;
        break;
    case K_FINISHED:
        r->finished = 0;
        break;
    default:
        *(st_str *)(void *)((char *)&r->ev + k->off) = ST_STR_NULL;
    }
}

/* JSON text of a scalar value, for extras and K_JSON fields. */
static st_str scalar_json(jreader *r, enum vkind vk, const char *s, size_t n)
{
    switch (vk) {
    case V_NULL:
        return ST_STR_LIT("null");
    case V_BOOL:
        return n ? ST_STR_LIT("true") : ST_STR_LIT("false");
    case V_NUM:
        return (st_str){s, n};
    default:
        break;
    }
    jw_reset(&r->wk);
    jw_quoted(&r->wk, s, n);
    return r->wk.oom ? ST_STR_NULL : (st_str){r->wk.p, r->wk.n};
}

static const char *const vkind_name[] = {"null", "a boolean", "a number",
                                         "a string", "an object or array"};

/* Stores one top-level value of the record under the current key.  A value
 * of the wrong type for a known key is warned about and kept in extras, so
 * nothing is lost.  `s` is the string, the number's text, or for
 * V_COMPOUND the regenerated JSON; n is the bool for V_BOOL. */
static int take_value(jreader *r, enum vkind vk, const char *s, size_t n)
{
    if (r->key < 0) {
        if (vk == V_NUM && r->knamen == 5 && memcmp(r->kname, "count", 5) == 0)
            r->has_count = num_u64(s, n, &r->count) == NULL;
        return extra_add(r, vk == V_COMPOUND ? (st_str){s, n}
                                             : scalar_json(r, vk, s, n));
    }
    const keydef *k = &keys[r->key];
    st_str *field = (st_str *)(void *)((char *)&r->ev + k->off);
    const char *why = NULL;
    switch (k->kind) {
    case K_STR:
    case K_TIME:
    case K_ETYPE:
    case K_MTYPE:
        if (vk == V_NULL)
            return 1;
        if (vk == V_STR) {
            char *d = arena_dup(&r->b->ar, s, n);
            if (!d)
                return refuse(r, "out of memory");
            st_str v = {d, n};
            if (k->kind == K_MTYPE)
                r->mtype = v;
            else
                *field = v;
            if (k->kind == K_ETYPE)
                r->etype = v;
            return 1;
        }
        why = "not a string";
        break;
    case K_U64:
    case K_I64:
        if (vk == V_NULL)
            return 1;
        if (vk == V_NUM) {
            char *base = (char *)&r->ev + k->off;
            why = k->kind == K_U64 ? num_u64(s, n, (uint64_t *)(void *)base)
                                   : num_i64(s, n, (int64_t *)(void *)base);
            if (!why) {
                r->ev.has |= k->has;
                return 1;
            }
            addwarn(r, r->ev.line, "%s %.*s %s; kept in extra_json",
                    k->name, (int)(n < 40 ? n : 40), s, why);
            return extra_add(r, (st_str){s, n});
        }
        why = "not a number";
        break;
    case K_JSON:
        if (vk == V_NULL)
            return 1;
        {
            st_str j = vk == V_COMPOUND ? (st_str){s, n}
                                        : scalar_json(r, vk, s, n);
            char *d = j.p ? arena_dup(&r->b->ar, j.p, j.n) : NULL;
            if (!d)
                return refuse(r, "out of memory");
            *field = (st_str){d, j.n};
        }
        return 1;
    case K_FINISHED:
        r->finished = 1;
        break;
    }
    if (why)
        addwarn(r, r->ev.line, "%s is %s, %s; kept in extra_json", k->name,
                vkind_name[vk], why);
    return extra_add(r, vk == V_COMPOUND ? (st_str){s, n}
                                         : scalar_json(r, vk, s, n));
}

/* Common start of a scalar callback: returns 1 when the value belongs to a
 * nested value being rebuilt, 0 to go on, -1 when the record is not an
 * object. */
static int scalar_pre(jreader *r)
{
    if (r->capturing)
        return 1;
    if (r->ydepth == 0)
        return -1;
    return 0;
}


/* yajl callbacks: scalars of the record go to take_value, those inside a
 * nested value to the writer; a scalar at depth 0 is not a record. */
static int cb_null(void *c)
{
    jreader *r = c;
    int pre = scalar_pre(r);
    if (pre)
        return pre > 0 ? (jw_atom(&r->w, "null", 4), 1)
                       : refuse(r, "not a JSON object");
    return take_value(r, V_NULL, NULL, 0);
}

/* See cb_null. */
static int cb_bool(void *c, int v)
{
    jreader *r = c;
    int pre = scalar_pre(r);
    if (pre)
        return pre > 0 ? (jw_atom(&r->w, v ? "true" : "false", v ? 4 : 5), 1)
                       : refuse(r, "not a JSON object");
    return take_value(r, V_BOOL, NULL, (size_t)(v != 0));
}

/* See cb_null; numbers come as their text (yajl_number). */
static int cb_number(void *c, const char *s, size_t n)
{
    jreader *r = c;
    int pre = scalar_pre(r);
    if (pre)
        return pre > 0 ? (jw_atom(&r->w, s, n), 1)
                       : refuse(r, "not a JSON object");
    return take_value(r, V_NUM, s, n);
}

/* See cb_null; s is decoded and valid only during the call. */
static int cb_string(void *c, const unsigned char *s, size_t n)
{
    jreader *r = c;
    int pre = scalar_pre(r);
    if (pre)
        return pre > 0 ? (jw_string(&r->w, (const char *)s, n), 1)
                       : refuse(r, "not a JSON object");
    return take_value(r, V_STR, (const char *)s, n);
}

/* A key: at the top level it selects the field; deeper it is regenerated.
 * A duplicate top-level key is warned about and the last value wins. */
static int cb_key(void *c, const unsigned char *s, size_t n)
{
    jreader *r = c;
    const char *p = (const char *)s;
    if (r->capturing) {
        jw_key(&r->w, p, n);
        return 1;
    }
    r->key = n ? key_lookup(p, n) : -1;
    if (r->key >= 0) {
        r->kname = keys[r->key].name;
        r->knamen = n;
    } else {
        r->kname = arena_dup(&r->b->ar, p, n);
        r->knamen = n;
        if (!r->kname)
            return refuse(r, "out of memory");
    }
    int dup = r->key >= 0 ? (r->seen >> r->key) & 1
                          : extra_find(r, r->kname, n) >= 0;
    if (dup) {
        addwarn(r, r->ev.line, "duplicate key \"%.*s\" in a record: the "
                "last value is kept", (int)(n < 60 ? n : 60), p);
        forget_key(r);
    }
    if (r->key >= 0)
        r->seen |= 1ull << r->key;
    return 1;
}

/* Opens an object or array: the record itself at depth 0, a nested value
 * (regenerated as JSON text) below. */
static int open_value(jreader *r, int is_map)
{
    if (r->ydepth == 0 && !is_map)
        return refuse(r, "not a JSON object");
    if (++r->ydepth > JS_MAX_DEPTH)
        return refuse(r, "nesting deeper than 64 levels");
    if (r->ydepth == 1)
        return 1;
    if (r->ydepth == 2) {
        jw_reset(&r->w);
        r->capturing = 1;
    }
    jw_open(&r->w, is_map ? '{' : '[');
    return 1;
}

/* Closes an object or array; a finished top-level value is stored. */
static int close_value(jreader *r, int is_map)
{
    if (--r->ydepth == 0)
        return 1;
    jw_close(&r->w, is_map ? '}' : ']');
    if (r->ydepth > 1)
        return 1;
    r->capturing = 0;
    if (r->w.oom)
        return refuse(r, "out of memory");
    return take_value(r, V_COMPOUND, r->w.p, r->w.n);
}

/* Map and array callbacks (see open_value, close_value). */
static int cb_start_map(void *c) { return open_value(c, 1); }
static int cb_end_map(void *c) { return close_value(c, 1); }
static int cb_start_array(void *c) { return open_value(c, 0); }
static int cb_end_array(void *c) { return close_value(c, 0); }

static const yajl_callbacks callbacks = {
    cb_null,   cb_bool,      NULL,       NULL,           cb_number,
    cb_string, cb_start_map, cb_key,     cb_end_map,     cb_start_array,
    cb_end_array,
};

/* ---- finishing a record ------------------------------------------------- */

/* Chooses the event's type from eventType and messageType (see
 * type_names). */
static st_str event_type_name(jreader *r)
{
    st_str et = r->etype;
    if (!et.p || (et.n == 8 && memcmp(et.p, "logEvent", 8) == 0))
        return r->mtype.p ? r->mtype : et;
    for (size_t i = 0; i < sizeof type_names / sizeof *type_names; i++)
        if (strlen(type_names[i].event_type) == et.n &&
            memcmp(type_names[i].event_type, et.p, et.n) == 0)
            return (st_str){type_names[i].type, strlen(type_names[i].type)};
    return et;
}

/* Reads the timestamp like the text styles do; warns when it cannot. */
static void set_time(jreader *r)
{
    st_event *ev = &r->ev;
    if (!ev->time_text.p) {
        addwarn(r, ev->line, "record has no timestamp");
        return;
    }
    int64_t local;
    int has_off = 0;
    int32_t off = 0;
    size_t k = st_parse_timestamp(ev->time_text.p, ev->time_text.n, &local,
                                  &has_off, &off);
    if (!k) {
        addwarn(r, ev->line, "timestamp \"%.*s\" not understood",
                (int)(ev->time_text.n < 60 ? ev->time_text.n : 60),
                ev->time_text.p);
        return;
    }
    if (k != ev->time_text.n)
        addwarn(r, ev->line, "text after the timestamp ignored: \"%.*s\"",
                (int)(ev->time_text.n - k < 40 ? ev->time_text.n - k : 40),
                ev->time_text.p + k);
    if (has_off) {
        ev->time_us = local - (int64_t)off * 60000000LL;
    } else {
        if (!r->tz && !r->tz_warned) {
            addwarn(r, 0, "timestamps carry no UTC offset and no --tz was "
                          "given: UTC assumed");
            r->tz_warned = 1;
        }
        ev->time_us = r->tz ? st_tz_to_utc(r->tz, local, &off) : local;
    }
    ev->utc_offset_min = off;
    ev->has |= ST_HAS_TIME | ST_HAS_OFFSET;
}

/* Checks a trailer {"count":N,"finished":1} against the records read since
 * the previous one (concatenated exports each carry their own). */
static void take_trailer(jreader *r)
{
    r->trailers++;
    if (!r->has_count) {
        addwarn(r, r->ev.line, "trailer without a usable count");
    } else {
        char buf[32];
        snprintf(buf, sizeof buf, "%llu", (unsigned long long)r->count);
        addnote(r, "trailer_count", buf);
        if (r->count != r->since_trailer)
            addwarn(r, r->ev.line, "trailer says %llu records but %llu were "
                    "read (export cut or edited?)",
                    (unsigned long long)r->count,
                    (unsigned long long)r->since_trailer);
    }
    r->since_trailer = 0;
}

/* Emits raw text as an Unparsed event, with a warning saying why. */
static void unparsed(jreader *r, const char *p, size_t n, uint64_t total,
                     int64_t line, int64_t off, const char *why)
{
    if (total > n)
        addwarn(r, line, "record of %llu bytes is longer than the %d MiB "
                "limit; its first %d KiB kept as Unparsed",
                (unsigned long long)total, JS_MAX_RECORD >> 20,
                JS_KEEP_CUT >> 10);
    else
        addwarn(r, line, "record not parsed (%s); kept as Unparsed", why);
    if (n > JS_KEEP_CUT && total > n)
        n = JS_KEEP_CUT;
    st_event ev;
    memset(&ev, 0, sizeof ev);
    ev.line = line;
    ev.byte_offset = off;
    ev.type = ST_STR_LIT("Unparsed");
    char *d = arena_dup(&r->b->ar, p, n);
    if (!d)
        return;
    ev.message = (st_str){d, n};
    addevent(r, &ev);
}

/* Parses one record's text and queues its event (or an Unparsed one, or
 * takes it as a trailer).  `total` > n means the text was cut. */
static void parse_record(jreader *r, const char *p, size_t n, uint64_t total,
                         int64_t line, int64_t off)
{
    maybe_deliver(r);
    if (r->stopped)
        return;
    rec_begin(r, line, off);
    if (total > n) {
        r->in_record = 0;
        unparsed(r, p, n, total, line, off, "too long");
        return;
    }
    r->yh.used = 0;
    yajl_handle h = yajl_alloc(&callbacks, &r->yfuncs, r);
    if (!h) {
        r->stopped = 1;
        return;
    }
    /* Invalid UTF-8 is kept as bytes: the store keeps the raw message. */
    yajl_config(h, yajl_dont_validate_strings, 1);
    yajl_status st = yajl_parse(h, (const unsigned char *)p, n);
    if (st == yajl_status_ok)
        st = yajl_complete_parse(h);
    r->in_record = 0;
    if (st != yajl_status_ok) {
        char why[200];
        if (st == yajl_status_client_canceled && r->reason[0]) {
            snprintf(why, sizeof why, "%s", r->reason);
        } else {
            unsigned char *e = yajl_get_error(h, 0, NULL, 0);
            snprintf(why, sizeof why, "%s", e ? (char *)e : "invalid JSON");
            if (e)
                yajl_free_error(h, e);
            size_t k = strlen(why);
            while (k && (why[k - 1] == '\n' || why[k - 1] == ' '))
                why[--k] = 0;
        }
        yajl_free(h);
        unparsed(r, p, n, total, line, off, why);
        return;
    }
    yajl_free(h);
    if (r->finished) {
        take_trailer(r);
        return;
    }
    st_event *ev = &r->ev;
    ev->process = st_basename(ev->process_path);
    ev->sender = st_basename(ev->sender_path);
    ev->type = event_type_name(r);
    set_time(r);
    size_t live = 0;
    for (size_t k = 0; k < r->nex; k++)
        live += !r->ex[k].dead;
    if (live)
        ev->extra_json = extras_json(r);
    addevent(r, ev);
}

/* ---- cutting records out of the stream ---------------------------------- */

/* Appends bytes of the region to its spill buffer, keeping at most
 * JS_MAX_RECORD of them (the whole length is still counted). */
static void spill(jreader *r, const char *p, size_t n)
{
    r->rtotal += n;
    if (r->rlen >= JS_MAX_RECORD)
        return;
    if (n > JS_MAX_RECORD - r->rlen)
        n = JS_MAX_RECORD - r->rlen;
    if (r->rlen + n > r->rcap) {
        size_t c = r->rcap ? r->rcap : 64 * 1024;
        while (c < r->rlen + n)
            c *= 2;
        char *nb = realloc(r->rbuf, c);
        if (!nb) {
            r->stopped = 1;
            return;
        }
        r->rbuf = nb;
        r->rcap = c;
    }
    memcpy(r->rbuf + r->rlen, p, n);
    r->rlen += n;
}

/* Starts a region at chunk index i. */
static void region_begin(jreader *r, int kind, size_t i)
{
    r->region = kind;
    r->rstart = i;
    r->rlen = 0;
    r->rtotal = 0;
    r->rline = r->line;
    r->roff = r->pos + (int64_t)i;
}

/* Ends the region before chunk index e; *text and *len receive its bytes (in
 * the chunk when it never spilled) and the whole length is returned. */
static uint64_t region_end(jreader *r, const char *chunk, size_t e,
                           const char **text, size_t *len)
{
    r->region = 0;
    if (r->rtotal == 0) {
        *text = chunk + r->rstart;
        *len = e - r->rstart;
        return *len;
    }
    spill(r, chunk + r->rstart, e - r->rstart);
    *text = r->rbuf;
    *len = r->rlen;
    return r->rtotal;
}

/* Trims blanks (and a CR) at both ends of a view. */
static void trim(const char **p, size_t *n)
{
    while (*n && ((*p)[0] == ' ' || (*p)[0] == '\t' || (*p)[0] == '\r')) {
        (*p)++;
        (*n)--;
    }
    while (*n && ((*p)[*n - 1] == ' ' || (*p)[*n - 1] == '\t' ||
                  (*p)[*n - 1] == '\r'))
        (*n)--;
}

/* One ndjson line: blank lines are skipped, anything else is a record. */
static void nd_line(jreader *r, const char *p, size_t n, uint64_t total)
{
    const char *t = p;
    size_t k = n;
    trim(&t, &k);
    if (k == 0 && total == n)
        return;
    parse_record(r, t, k, total - (n - k), r->rline, r->roff + (t - p));
}

/* Cuts ndjson lines out of one chunk. */
static void nd_chunk(jreader *r, const char *p, size_t n)
{
    size_t i = 0;
    while (i < n && !r->stopped) {
        if (!r->region)
            region_begin(r, 1, i);
        const char *nl = memchr(p + i, '\n', n - i);
        if (!nl)
            break;
        size_t e = (size_t)(nl - p);
        const char *t;
        size_t len;
        uint64_t total = region_end(r, p, e, &t, &len);
        nd_line(r, t, len, total);
        r->line++;
        i = e + 1;
        r->lstart = r->pos + (int64_t)i;
    }
    if (r->region && !r->stopped) {
        spill(r, p + r->rstart, n - r->rstart);
        r->rstart = 0;
    }
}

/* Bytes that stop the fast scans: inside a string, and between tokens of a
 * record. */
static unsigned char stop_str[256], stop_obj[256];

/* Fills the scan tables; run once (init_once). */
static void init_tables(void)
{
    stop_str['"'] = stop_str['\\'] = stop_str['\n'] = 1;
    stop_obj['"'] = stop_obj['{'] = stop_obj['}'] = stop_obj['['] = 1;
    stop_obj[']'] = stop_obj['\n'] = 1;
    for (int c = 0; c < 0x20; c++)
        must_escape[c] = 1;
    must_escape['"'] = must_escape['\\'] = 1;
}

/* Ends the object region before chunk index e and parses it (or keeps it
 * as Unparsed when the scanner found it broken). */
static void obj_finish(jreader *r, const char *p, size_t e)
{
    const char *t;
    size_t len;
    uint64_t total = region_end(r, p, e, &t, &len);
    const char *why = r->too_deep ? "nesting deeper than 64 levels" : r->bad;
    r->depth = r->in_str = r->esc = r->too_deep = r->fast = 0;
    r->bad = NULL;
    if (why) {
        maybe_deliver(r);
        if (!r->stopped)
            unparsed(r, t, len, total, r->rline, r->roff, why);
        return;
    }
    parse_record(r, t, len, total, r->rline, r->roff);
}

/* Ends stray text (outside any record) before chunk index e: text with
 * letters or digits in it is kept as Unparsed; lone punctuation is only
 * warned about. */
static void stray_finish(jreader *r, const char *p, size_t e)
{
    const char *t0, *t;
    size_t len0, len;
    uint64_t total = region_end(r, p, e, &t0, &len0);
    t = t0;
    len = len0;
    trim(&t, &len);
    total -= len0 - len;
    int64_t off = r->roff + (t - t0);
    int words = 0;
    for (size_t k = 0; k < len && !words; k++)
        words = (t[k] | 32) >= 'a' && (t[k] | 32) <= 'z' ? 1
              : (t[k] >= '0' && t[k] <= '9') || t[k] == '"';
    maybe_deliver(r);
    if (r->stopped || len == 0)
        return;
    if (!words) {
        addwarn(r, r->rline, "stray \"%.*s\" outside any record",
                (int)(len < 20 ? len : 20), t);
        return;
    }
    unparsed(r, t, len, total, r->rline, off, "text outside any record");
}

/* Handles a byte at depth 0 of a json export; returns the next index. */
static size_t js_outside(jreader *r, const char *p, size_t n, size_t i)
{
    char c = p[i];
    if (c == '\n') {
        if (r->region == 2)
            stray_finish(r, p, i);
        r->line++;
        r->lstart = r->pos + (int64_t)i + 1;
        return i + 1;
    }
    if (c == '{') {
        if (r->region == 2)
            stray_finish(r, p, i);
        int64_t col = r->pos + (int64_t)i - r->lstart;
        if (r->objects++ == 0)         /* log's layout: "[{" or "{" */
            r->log_layout = col == 0 || (col == 1 && r->open_col0);
        region_begin(r, 1, i);
        r->depth = 1;
        /* log prints "{" (or "[{", "},{") at the end of a line and the
         * record's own closing "}" at column 0. */
        r->fast = r->log_layout && i + 1 < n &&
                  (p[i + 1] == '\n' ||
                   (p[i + 1] == '\r' && i + 2 < n && p[i + 2] == '\n'));
        return i + 1;
    }
    if (r->region == 2 || c == ' ' || c == '\t' || c == '\r')
        return i + 1;
    if (c == '[' && !r->in_array) {
        r->in_array = 1;
        r->open_col0 = r->pos + (int64_t)i == r->lstart;
        return i + 1;
    }
    if ((c == ',' || c == ']') && r->in_array) {
        r->in_array = c == ',';
        return i + 1;
    }
    region_begin(r, 2, i);
    return i + 1;
}

/* Counts the newlines in p[0..n), 16 bytes at a time (GCC/clang vector
 * extensions: SSE2 or NEON, plain code elsewhere). */
typedef unsigned char v16u __attribute__((vector_size(16)));
static size_t count_nl(const char *p, size_t n)
{
    const v16u nl = {'\n', '\n', '\n', '\n', '\n', '\n', '\n', '\n',
                     '\n', '\n', '\n', '\n', '\n', '\n', '\n', '\n'};
    size_t c = 0, i = 0;
    while (i + 16 <= n) {
        v16u acc = {0};
        size_t lim = n - i > 16 * 255 ? i + 16 * 255 : n;
        for (; i + 16 <= lim; i += 16) {
            v16u v;
            memcpy(&v, p + i, 16);
            acc -= (v16u)(v == nl);    /* each match adds 1 to its lane */
        }
        for (int k = 0; k < 16; k++)
            c += acc[k];
    }
    for (; i < n; i++)
        c += p[i] == '\n';
    return c;
}

/* Moves the scan point of a record in log's layout from i to x, keeping
 * the line count. */
static void fast_advance(jreader *r, const char *p, size_t i, size_t x)
{
    size_t k = count_nl(p + i, x - i);
    if (k) {
        r->line += (int64_t)k;
        const char *nl = memrchr(p + i, '\n', x - i);
        r->lstart = r->pos + (nl - p) + 1;
    }
}

/* Scans a record in log's layout from chunk index i: only a '{' or '}' at
 * column 0 matters (strings hold no raw newline, nested values are
 * indented), so whole stretches are skipped with memchr; yajl checks the
 * record itself.  Returns the next index. */
static size_t fast_scan(jreader *r, const char *p, size_t n, size_t i)
{
    for (;;) {
        if (r->next_open < i || r->next_open == (size_t)-1) {
            const char *o = memchr(p + i, '{', n - i);
            r->next_open = o ? (size_t)(o - p) : n;
        }
        if (r->next_close < i || r->next_close == (size_t)-1) {
            const char *c = memchr(p + i, '}', n - i);
            r->next_close = c ? (size_t)(c - p) : n;
        }
        size_t x = r->next_open < r->next_close ? r->next_open
                                                : r->next_close;
        fast_advance(r, p, i, x);
        if (x == n)
            return n;
        i = x + 1;
        if (r->pos + (int64_t)x != r->lstart)
            continue;                  /* nested, or inside a string */
        if (p[x] == '}') {
            obj_finish(r, p, x + 1);
            return x + 1;
        }
        /* a new record at column 0: this one never closed */
        r->bad = "record not closed before the next one starts";
        obj_finish(r, p, x);
        return x;
    }
}

/* Cuts the top-level objects of a json export out of one chunk. */
static void js_chunk(jreader *r, const char *p, size_t n)
{
    size_t i = 0;
    r->next_open = r->next_close = (size_t)-1;
    while (i < n && !r->stopped) {
        if (r->depth == 0) {
            i = js_outside(r, p, n, i);
            continue;
        }
        if (r->fast) {
            i = fast_scan(r, p, n, i);
            continue;
        }
        if (r->esc) {                  /* escape cut by the chunk end */
            r->esc = 0;
            if (p[i] != '\n')
                i++;
            continue;
        }
        if (r->in_str) {
            while (i < n && !stop_str[(unsigned char)p[i]])
                i++;
            if (i == n)
                break;
            if (p[i] == '"') {
                r->in_str = 0;
                i++;
            } else if (p[i] == '\\') {
                if (i + 1 == n)
                    r->esc = 1;
                i += i + 1 < n && p[i + 1] != '\n' ? 2 : 1;
            } else {
                /* JSON strings hold no raw newline: the quote was lost. */
                r->bad = "unterminated string";
                r->in_str = 0;
            }
            continue;
        }
        if (r->log_layout && r->pos + (int64_t)i == r->lstart &&
            (p[i] == '{' || (p[i] == '}' && r->depth != 1))) {
            /* In log's layout a record starts and ends at column 0: text
             * that does not balance is cut there rather than swallowing
             * the records after it. */
            r->bad = "braces do not balance";
            if (p[i] == '{') {
                obj_finish(r, p, i);
                continue;
            }
            obj_finish(r, p, i + 1);
            i++;
            continue;
        }
        while (i < n && !stop_obj[(unsigned char)p[i]])
            i++;
        if (i == n)
            break;
        switch (p[i++]) {
        case '"':
            r->in_str = 1;
            break;
        case '{':
        case '[':
            if (++r->depth > JS_MAX_DEPTH)
                r->too_deep = 1;
            break;
        case '}':
        case ']':
            if (--r->depth == 0)
                obj_finish(r, p, i);
            break;
        default:                       /* '\n' */
            r->line++;
            r->lstart = r->pos + (int64_t)i;
        }
    }
    if (r->region && !r->stopped) {
        spill(r, p + r->rstart, n - r->rstart);
        r->rstart = 0;
    }
}

/* What is left at the end of the input: a last line or record without its
 * end, and the checks that the export is complete. */
static void finish_input(jreader *r)
{
    if (r->region && !r->stopped) {
        const char *t;
        size_t len;
        if (r->style == J_NDJSON) {
            uint64_t total = region_end(r, r->chunk, 0, &t, &len);
            nd_line(r, t, len, total);
        } else if (r->region == 2) {
            stray_finish(r, r->chunk, 0);
        } else {
            if (!r->bad)
                r->bad = "record cut off by the end of the input";
            obj_finish(r, r->chunk, 0);
        }
    }
    if (r->stopped)
        return;
    maybe_deliver(r);
    if (r->style == J_NDJSON && r->trailers == 0)
        addwarn(r, 0, "no {\"count\":N,\"finished\":1} trailer at the end: "
                "the export may be truncated");
    else if (r->trailers && r->since_trailer)
        addwarn(r, 0, "%llu records after the last trailer: an export "
                "without its trailer, possibly truncated",
                (unsigned long long)r->since_trailer);
    if (r->style == J_ARRAY && r->in_array)
        addwarn(r, 0, "no closing ']' at the end: the export may be "
                "truncated");
}

/* Reads the whole input, chunk by chunk, queuing items; runs on the helper
 * thread when threaded. */
static void produce(jreader *r)
{
    size_t hn;
    const uint8_t *head = st_input_peek(r->in, &hn);
    if (hn >= 3 && head[0] == 0xEF && head[1] == 0xBB && head[2] == 0xBF) {
        char bom[3];
        if (st_input_read(r->in, bom, 3) == 3) {
            r->pos = r->lstart = 3;
            addwarn(r, 1, "UTF-8 byte-order mark at the start skipped");
        }
    }
    addnote(r, "style", r->style == J_NDJSON ? "ndjson" : "json");
    while (!r->stopped) {
        ssize_t got = st_input_read(r->in, r->chunk, r->chunk_size);
        if (got <= 0)
            break;
        if (r->style == J_NDJSON)
            nd_chunk(r, r->chunk, (size_t)got);
        else
            js_chunk(r, r->chunk, (size_t)got);
        r->pos += got;
    }
    finish_input(r);
}

/* The helper thread: produce, then hand over the last batch. */
static void *helper_main(void *arg)
{
    jreader *r = arg;
    produce(r);
    pipeline *p = r->pipe;
    pthread_mutex_lock(&p->mu);
    p->full[(p->head + p->nfull) % JS_NBATCH] = r->b;
    p->nfull++;
    r->b = NULL;
    p->done = 1;
    pthread_cond_broadcast(&p->cv);
    pthread_mutex_unlock(&p->mu);
    return NULL;
}

/* Frees a batch. */
static void batch_free(batch *b)
{
    if (!b)
        return;
    arena_free(&b->ar);
    free(b->items);
    free(b);
}

/* Runs produce() on a helper thread while this thread passes finished
 * batches to the sink.  Returns 1 when the sink asked to stop, -1 when the
 * thread could not be started (nothing was read then). */
static int run_threaded(jreader *r, st_sink *sink, batch **all)
{
    pipeline p;
    memset(&p, 0, sizeof p);
    if (pthread_mutex_init(&p.mu, NULL))
        return -1;
    if (pthread_cond_init(&p.cv, NULL)) {
        pthread_mutex_destroy(&p.mu);
        return -1;
    }
    atomic_init(&p.stop, 0);
    for (int i = 1; i < JS_NBATCH; i++)
        p.spare[p.nspare++] = all[i];
    r->pipe = &p;
    pthread_t t;
    if (pthread_create(&t, NULL, helper_main, r) != 0) {
        r->pipe = NULL;
        pthread_cond_destroy(&p.cv);
        pthread_mutex_destroy(&p.mu);
        return -1;
    }
    int stopped = 0;
    for (;;) {
        pthread_mutex_lock(&p.mu);
        while (p.nfull == 0 && !p.done)
            pthread_cond_wait(&p.cv, &p.mu);
        if (p.nfull == 0) {
            pthread_mutex_unlock(&p.mu);
            break;
        }
        batch *b = p.full[p.head];
        p.head = (p.head + 1) % JS_NBATCH;
        p.nfull--;
        pthread_mutex_unlock(&p.mu);
        if (!stopped && emit_batch(sink, b)) {
            stopped = 1;
            atomic_store(&p.stop, 1);
        }
        pthread_mutex_lock(&p.mu);
        p.spare[p.nspare++] = b;
        pthread_cond_broadcast(&p.cv);
        pthread_mutex_unlock(&p.mu);
    }
    pthread_join(t, NULL);
    r->pipe = NULL;
    pthread_cond_destroy(&p.cv);
    pthread_mutex_destroy(&p.mu);
    return stopped;
}

static pthread_once_t init_done = PTHREAD_ONCE_INIT;

/* Builds the static tables, once per process. */
static void init_once(void)
{
    init_tables();
    init_keys();
}

/* Reads a json or ndjson export; the style was chosen by the bidder. */
static int read_json(st_input *in, const st_parse_opts *opts, st_sink *sink,
                     char *err, size_t errlen, enum style style)
{
    jreader *r = calloc(1, sizeof *r);
    batch *all[JS_NBATCH] = {NULL};
    int rc = ST_READ_OK, ok = r != NULL;
    for (int i = 0; ok && i < JS_NBATCH; i++)
        ok = (all[i] = calloc(1, sizeof **all)) != NULL;
    /* Small inputs (tests, fuzzing, a short export) get small buffers. */
    int64_t raw = st_input_raw_size(in);
    size_t chunk = raw >= 0 && raw < JS_CHUNK ? (size_t)raw + 4096 : JS_CHUNK;
    for (int i = 0; ok && i < JS_NBATCH; i++)
        all[i]->ar.block = chunk < JS_CHUNK ? 64 * 1024 : JS_ARENA_BLOCK;
    if (ok) {
        r->chunk_size = chunk;
        r->chunk = malloc(chunk);
        r->yh.base = malloc(YH_SIZE);
        r->yfuncs = (yajl_alloc_funcs){yh_malloc, yh_realloc, yh_free,
                                       &r->yh};
        ok = r->chunk && r->yh.base;
    }
    if (!ok) {
        snprintf(err, errlen, "out of memory");
        rc = ST_READ_INPUT_ERROR;
        goto out;
    }
    if (opts && opts->tz) {
        r->tz = st_tz_open(opts->tz, err, errlen);
        if (!r->tz) {
            rc = ST_READ_REJECTED;
            goto out;
        }
        sink->note(sink->ctx, "tz_assumed", opts->tz);
    }
    pthread_once(&init_done, init_once);
    r->in = in;
    r->style = style;
    r->line = 1;
    r->b = all[0];
    int stopped = -1;
    if (raw < 0 || (uint64_t)raw >= st_logshow_json_thread_min)
        stopped = run_threaded(r, sink, all);
    if (stopped < 0) {                 /* small input, or no thread */
        r->sink = sink;
        produce(r);
        deliver(r);
        stopped = r->sink_stopped;
    }
    if (stopped)
        rc = ST_READ_STOPPED;
    else if (st_input_error(in)) {
        snprintf(err, errlen, "%s", st_input_error(in));
        rc = ST_READ_INPUT_ERROR;
    } else if (r->stopped) {
        snprintf(err, errlen, "out of memory");
        rc = ST_READ_INPUT_ERROR;
    }
out:
    for (int i = 0; i < JS_NBATCH; i++)
        batch_free(all[i]);
    if (r) {
        free(r->w.p);
        free(r->wk.p);
        st_tz_close(r->tz);
        free(r->chunk);
        free(r->rbuf);
        free(r->ex);
        free(r->exh);
        free(r->xbuf);
        free(r->yh.base);
        free(r);
    }
    return rc;
}

/* The parsers' read entry points. */
static int read_ndjson(st_input *in, const st_parse_opts *o, st_sink *s,
                       char *e, size_t el)
{
    return read_json(in, o, s, e, el, J_NDJSON);
}

/* See read_ndjson. */
static int read_array(st_input *in, const st_parse_opts *o, st_sink *s,
                      char *e, size_t el)
{
    return read_json(in, o, s, e, el, J_ARRAY);
}

/* ---- bidding ------------------------------------------------------------ */

/* Skips a UTF-8 byte-order mark and blanks; returns the index reached. */
static size_t skip_lead(const uint8_t *h, size_t n)
{
    size_t i = n >= 3 && h[0] == 0xEF && h[1] == 0xBB && h[2] == 0xBF ? 3 : 0;
    while (i < n && (h[i] == ' ' || h[i] == '\t' || h[i] == '\r' ||
                     h[i] == '\n'))
        i++;
    return i;
}

/* Counts distinct keys of log's JSON styles quoted as keys ("name" followed
 * by optional blanks and ':') in h[0..n). */
static int log_keys_in(const uint8_t *h, size_t n)
{
    static const char *const names[] = {
        "\"timestamp\"", "\"eventMessage\"", "\"messageType\"",
        "\"eventType\"", "\"processImagePath\"", "\"machTimestamp\"",
        "\"senderImagePath\"", "\"traceID\"", "\"threadID\"",
    };
    int found = 0;
    for (size_t k = 0; k < sizeof names / sizeof *names; k++) {
        size_t kl = strlen(names[k]);
        const uint8_t *p = h, *end = h + n;
        while ((p = memmem(p, (size_t)(end - p), names[k], kl)) != NULL) {
            const uint8_t *q = p + kl;
            while (q < end && (*q == ' ' || *q == '\t'))
                q++;
            if (q < end && *q == ':') {
                found++;
                break;
            }
            p += kl;
        }
    }
    return found;
}

/* True when h[0..n) is exactly one JSON object (whitespace around it). */
static int is_one_object(const uint8_t *h, size_t n)
{
    static const yajl_callbacks none;
    yajl_handle y = yajl_alloc(&none, NULL, NULL);
    if (!y)
        return 0;
    yajl_config(y, yajl_dont_validate_strings, 1);
    int ok = yajl_parse(y, h, n) == yajl_status_ok &&
             yajl_complete_parse(y) == yajl_status_ok;
    yajl_free(y);
    return ok;
}

/* ndjson: the first non-blank line is one complete JSON object.  With log's
 * keys (or as log's trailer) it is surely ours; a line too long for the
 * head still counts its keys; generic JSON objects get a low bid. */
static int bid_ndjson(const uint8_t *h, size_t n, int at_eof)
{
    size_t i = skip_lead(h, n);
    if (i >= n || h[i] != '{')
        return 0;
    const uint8_t *nl = memchr(h + i, '\n', n - i);
    size_t e = nl ? (size_t)(nl - h) : n;
    int keys_found = log_keys_in(h + i, e - i);
    if (!nl && !at_eof)                /* line longer than the head */
        return keys_found >= 2 ? 80 : 0;
    if (!is_one_object(h + i, e - i))
        return keys_found >= 2 ? 50 : 0;   /* a damaged first record */
    if (keys_found >= 2 || memmem(h + i, e - i, "\"finished\"", 10))
        return 95;
    return keys_found ? 60 : 25;
}

/* json: '[' then '{' (log's "[{"), or a pretty-printed object starting on a
 * line of its own; log's keys in the head make it sure.  A lone object
 * without them is more likely a settings file than a log: no bid. */
static int bid_json(const uint8_t *h, size_t n, int at_eof)
{
    (void)at_eof;
    size_t i = skip_lead(h, n);
    if (i >= n)
        return 0;
    int keys_found = log_keys_in(h + i, n - i);
    if (h[i] == '[') {
        size_t j = skip_lead(h + i + 1, n - i - 1) + i + 1;
        if (j < n && h[j] == ']')
            return 25;                 /* an empty array: an empty export */
        if (j >= n || h[j] != '{')
            return 0;
        return keys_found >= 2 ? 95 : keys_found ? 60 : 25;
    }
    if (h[i] == '{') {
        size_t j = i + 1;
        while (j < n && (h[j] == ' ' || h[j] == '\t' || h[j] == '\r'))
            j++;
        if (j < n && h[j] == '\n')     /* "{" alone: pretty-printed */
            return keys_found >= 2 ? 90 : keys_found ? 50 : 0;
    }
    return 0;
}

const st_parser st_parser_logshow_ndjson = {
    "logshow-ndjson", "1.0",
    "log show --style ndjson (one JSON object per line, count trailer)",
    bid_ndjson, read_ndjson};
const st_parser st_parser_logshow_json = {
    "logshow-json", "1.0",
    "log show --style json (one pretty-printed array of objects)", bid_json,
    read_array};
