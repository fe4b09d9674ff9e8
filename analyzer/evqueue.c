/*
 * evqueue.c -- parser-to-store pipeline.  See evqueue.h.
 */
#include "evqueue.h"
#include "utf8.h"

#include <pthread.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define BATCH_ITEMS 2048
#define NBATCH 3
#define ARENA_INITIAL (512 * 1024)
#define MAX_STORED_WARNINGS 1000

enum { I_EVENT, I_RECORD, I_WARN, I_NOTE, I_COMPANION };

typedef struct item {
    int kind;
    int64_t num;              /* line (warn), size (companion) */
    const char *a, *b, *c;    /* warn: msg; note: key,value; companion */
    st_event ev;
    st_record rec;
} item;

typedef struct batch {
    item *items;
    int n;
    char *arena;
    size_t used, cap;
} batch;

struct st_evq {
    st_store *st;
    int64_t source_id, run_id;
    pthread_t thread;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    batch b[NBATCH];
    int fill;                 /* batch the parser fills */
    int ready[NBATCH];        /* handed to the writer, not yet written */
    int closing;
    int failed;               /* read by the parser without the lock */
    char err[512];
    int64_t pushed;
    st_evq_counts counts;     /* written by the writer only */
    const st_event *evp[BATCH_ITEMS]; /* the writer's run of events */
};

/* Offsets of every st_str in st_event / st_record, for deep copies. */
static const size_t ev_strs[] = {
    offsetof(st_event, locator), offsetof(st_event, time_text),
    offsetof(st_event, type), offsetof(st_event, event_type),
    offsetof(st_event, process), offsetof(st_event, process_path),
    offsetof(st_event, sender), offsetof(st_event, sender_path),
    offsetof(st_event, subsystem), offsetof(st_event, category),
    offsetof(st_event, message), offsetof(st_event, format_string),
    offsetof(st_event, process_uuid), offsetof(st_event, sender_uuid),
    offsetof(st_event, boot_uuid), offsetof(st_event, timezone_name),
    offsetof(st_event, signpost_name), offsetof(st_event, signpost_scope),
    offsetof(st_event, signpost_type), offsetof(st_event, backtrace_json),
    offsetof(st_event, source_json), offsetof(st_event, extra_json),
};
static const size_t rec_strs[] = {
    offsetof(st_record, locator), offsetof(st_record, path),
    offsetof(st_record, uuid), offsetof(st_record, bundle_id),
    offsetof(st_record, cdhash), offsetof(st_record, team_id),
    offsetof(st_record, identifier), offsetof(st_record, data_json),
};

/* Stores a run of n consecutive event items with the store's bulk insert;
 * runs on the writer thread. */
static void write_events(st_evq *q, item *its, int n)
{
    for (int i = 0; i < n; i++)
        q->evp[i] = &its[i].ev;
    if (st_store_add_events(q->st, q->source_id, q->evp, (size_t)n) < 0) {
        if (!q->failed) {
            snprintf(q->err, sizeof q->err, "%s", st_store_errmsg(q->st));
            __atomic_store_n(&q->failed, 1, __ATOMIC_RELEASE);
        }
        return;
    }
    q->counts.records += n;
    for (int i = 0; i < n; i++)
        if (its[i].ev.type.n == 8 && memcmp(its[i].ev.type.p, "Unparsed", 8) == 0)
            q->counts.unparsed++;
}

/* Stores one item other than an event (runs of events go through
 * write_events); runs on the writer thread. */
static void write_item(st_evq *q, item *it)
{
    int rc = 0;
    switch (it->kind) {
    case I_RECORD:
        /* sources.records counts events; a database row is a record and
         * an event, and must not count twice */
        rc = st_store_add_record(q->st, q->source_id, &it->rec);
        break;
    case I_WARN:
        if (q->counts.warnings++ < MAX_STORED_WARNINGS)
            rc = st_store_add_warning(q->st, q->source_id, it->num, it->a);
        else if (q->counts.warnings == MAX_STORED_WARNINGS + 1)
            rc = st_store_add_warning(q->st, q->source_id, 0,
                                      "further warnings counted but not "
                                      "stored");
        break;
    case I_NOTE:
        rc = st_store_add_note(q->st, q->source_id, it->a, it->b);
        break;
    case I_COMPANION: {
        st_source_info info = {it->a, NULL, q->source_id, q->run_id};
        st_source_result r = {it->b, it->num, "companion", "", "companion",
                              NULL, 0, 0, 0};
        rc = st_store_source_insert(q->st, &info, &r);
        break;
    }
    }
    if (rc && !q->failed) {
        snprintf(q->err, sizeof q->err, "%s", st_store_errmsg(q->st));
        __atomic_store_n(&q->failed, 1, __ATOMIC_RELEASE);
    }
}

/* The writer: takes ready batches in order and stores their items. */
static void *writer(void *arg)
{
    st_evq *q = arg;
    int next = 0;
    pthread_setname_np(pthread_self(), "st-writer");   /* for profilers */
    for (;;) {
        pthread_mutex_lock(&q->mu);
        while (!q->ready[next] && !q->closing)
            pthread_cond_wait(&q->cv, &q->mu);
        if (!q->ready[next]) {
            pthread_mutex_unlock(&q->mu);
            return NULL;
        }
        pthread_mutex_unlock(&q->mu);
        batch *b = &q->b[next];
        for (int i = 0; i < b->n;) {
            if (b->items[i].kind == I_EVENT && !q->failed) {
                int k = 0;
                while (i + k < b->n && b->items[i + k].kind == I_EVENT)
                    k++;
                write_events(q, b->items + i, k);
                i += k;
                continue;
            }
            if (!q->failed || b->items[i].kind == I_WARN)
                write_item(q, &b->items[i]);
            i++;
        }
        b->n = 0;
        b->used = 0;
        pthread_mutex_lock(&q->mu);
        q->ready[next] = 0;
        pthread_cond_broadcast(&q->cv);
        pthread_mutex_unlock(&q->mu);
        next = (next + 1) % NBATCH;
    }
}

st_evq *st_evq_start(st_store *st, int64_t source_id, int64_t run_id)
{
    st_evq *q = calloc(1, sizeof *q);
    if (!q)
        return NULL;
    q->st = st;
    q->source_id = source_id;
    q->run_id = run_id;
    int ok = 1;
    for (int i = 0; i < NBATCH && ok; i++) {
        q->b[i].items = malloc(sizeof(item) * BATCH_ITEMS);
        q->b[i].arena = malloc(ARENA_INITIAL);
        q->b[i].cap = ARENA_INITIAL;
        ok = q->b[i].items && q->b[i].arena;
    }
    if (!ok || pthread_mutex_init(&q->mu, NULL) ||
        pthread_cond_init(&q->cv, NULL) ||
        pthread_create(&q->thread, NULL, writer, q)) {
        for (int i = 0; i < NBATCH; i++) {
            free(q->b[i].items);
            free(q->b[i].arena);
        }
        free(q);
        return NULL;
    }
    return q;
}

/* Hands the current batch to the writer and waits for a free one. */
static void hand_over(st_evq *q)
{
    pthread_mutex_lock(&q->mu);
    q->ready[q->fill] = 1;
    pthread_cond_broadcast(&q->cv);
    q->fill = (q->fill + 1) % NBATCH;
    while (q->ready[q->fill])
        pthread_cond_wait(&q->cv, &q->mu);
    pthread_mutex_unlock(&q->mu);
}

/* Returns a slot in the batch being filled, with room for `bytes` of
 * strings in its arena (handing the batch over first when it is full). */
static item *slot(st_evq *q, size_t bytes)
{
    batch *b = &q->b[q->fill];
    if (b->n == BATCH_ITEMS || (b->n && b->used + bytes > b->cap)) {
        hand_over(q);
        b = &q->b[q->fill];
    }
    if (bytes > b->cap) {            /* one huge item: grow this arena */
        char *na = realloc(b->arena, bytes);
        if (!na)
            return NULL;
        b->arena = na;
        b->cap = bytes;
    }
    q->pushed++;
    return &b->items[b->n++];
}

/* Copies n bytes into the filling batch's arena. */
static const char *keep(st_evq *q, const char *p, size_t n)
{
    batch *b = &q->b[q->fill];
    char *d = b->arena + b->used;
    memcpy(d, p, n);
    b->used += n;
    return d;
}

/* Copies the st_str fields listed in offs from src to dst's arena. */
static void copy_strs(st_evq *q, void *dst, const size_t *offs, size_t k)
{
    for (size_t i = 0; i < k; i++) {
        st_str *s = (st_str *)((char *)dst + offs[i]);
        if (s->p)
            s->p = keep(q, s->p, s->n);
    }
}

static size_t strs_size(const void *src, const size_t *offs, size_t k)
{
    size_t n = 0;
    for (size_t i = 0; i < k; i++) {
        const st_str *s = (const st_str *)((const char *)src + offs[i]);
        if (s->p)
            n += s->n;
    }
    return n;
}

/* True when every text field the store keeps as it is (see
 * ST_TEXT_CHECKED) is valid UTF-8 without NUL. */
static int text_clean(st_event *ev)
{
    st_str *v[ST_EVENT_KEPT_TEXT];
    size_t n = st_event_kept_text(ev, v);
    for (size_t i = 0; i < n; i++)
        if (v[i]->p && !st_utf8_clean(v[i]->p, v[i]->n))
            return 0;
    return 1;
}

int st_evq_event(st_evq *q, const st_event *ev)
{
    if (__atomic_load_n(&q->failed, __ATOMIC_ACQUIRE))
        return 1;
    size_t need = strs_size(ev, ev_strs, sizeof ev_strs / sizeof *ev_strs);
    item *it = slot(q, need);
    if (!it)
        return 1;
    it->kind = I_EVENT;
    it->ev = *ev;
    copy_strs(q, &it->ev, ev_strs, sizeof ev_strs / sizeof *ev_strs);
    /* checked here, on the parser's side, while the bytes are warm: the
     * writer thread (SQLite) is what limits ingest */
    it->ev.has &= ~(unsigned)ST_TEXT_CHECKED;
    if (text_clean(&it->ev))
        it->ev.has |= ST_TEXT_CHECKED;
    return 0;
}

int st_evq_record(st_evq *q, const st_record *rec)
{
    if (__atomic_load_n(&q->failed, __ATOMIC_ACQUIRE))
        return 1;
    size_t kl = strlen(rec->kind) + 1;
    size_t need = kl + strs_size(rec, rec_strs,
                                 sizeof rec_strs / sizeof *rec_strs);
    item *it = slot(q, need);
    if (!it)
        return 1;
    it->kind = I_RECORD;
    it->rec = *rec;
    it->rec.kind = keep(q, rec->kind, kl);
    copy_strs(q, &it->rec, rec_strs, sizeof rec_strs / sizeof *rec_strs);
    return 0;
}

/* Queues up to three NUL-terminated strings with a number. */
static void push_strings(st_evq *q, int kind, int64_t num, const char *a,
                         const char *b, const char *c)
{
    size_t la = a ? strlen(a) + 1 : 0, lb = b ? strlen(b) + 1 : 0,
           lc = c ? strlen(c) + 1 : 0;
    item *it = slot(q, la + lb + lc);
    if (!it)
        return;
    it->kind = kind;
    it->num = num;
    it->a = a ? keep(q, a, la) : NULL;
    it->b = b ? keep(q, b, lb) : NULL;
    it->c = c ? keep(q, c, lc) : NULL;
}

void st_evq_warn(st_evq *q, int64_t line, const char *msg)
{
    push_strings(q, I_WARN, line, msg, NULL, NULL);
}

void st_evq_note(st_evq *q, const char *key, const char *value)
{
    push_strings(q, I_NOTE, 0, key, value, NULL);
}

void st_evq_companion(st_evq *q, const char *path, const char *sha256,
                      int64_t size)
{
    push_strings(q, I_COMPANION, size, path, sha256, NULL);
}

int64_t st_evq_pushed(const st_evq *q) { return q->pushed; }

int st_evq_finish(st_evq *q, st_evq_counts *counts, char *err,
                  size_t errlen)
{
    if (q->b[q->fill].n)
        hand_over(q);
    pthread_mutex_lock(&q->mu);
    q->closing = 1;
    pthread_cond_broadcast(&q->cv);
    pthread_mutex_unlock(&q->mu);
    pthread_join(q->thread, NULL);
    int rc = q->failed ? -1 : 0;
    if (rc)
        snprintf(err, errlen, "%s", q->err);
    *counts = q->counts;
    for (int i = 0; i < NBATCH; i++) {
        free(q->b[i].items);
        free(q->b[i].arena);
    }
    pthread_mutex_destroy(&q->mu);
    pthread_cond_destroy(&q->cv);
    free(q);
    return rc;
}
