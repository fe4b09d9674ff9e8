/*
 * logarchive.c -- unified-log folders and the registered "tracev3" parser:
 * finding tracev3 files, uuidtext and timesync by content and layout,
 * sharing one lookup context (tracev3.h) among the files of a folder.
 * See tracev3.h ("folders") for the contract.
 *
 * How the parts are wired: the directory walker (analyzer/walk.c) ingests
 * each tracev3 file of a folder as its own input with this parser, so
 * every file keeps its own hash and provenance.  The parser finds the
 * file's uuidtext and timesync folders from its real path
 * (st_input_path) and keeps the context of the latest folder open, so the
 * next file of the same folder reuses the mapped uuidtext/dsc files and
 * the oversize data collected from all the folder's files.
 */
#include "tracev3.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define FIND_DEPTH 4
#define MAX_FILES 100000

static const uint8_t tv3_magic[16] = {0x00, 0x10, 0x00, 0x00, 0x11, 0x00,
                                      0x00, 0x00, 0xd0, 0x00, 0x00, 0x00,
                                      0x00, 0x00, 0x00, 0x00};

/* ---- paths --------------------------------------------------------------- */

/* a + "/" + b, malloc'd; NULL when out of memory. */
static char *join(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    char *p = malloc(la + lb + 2);
    if (!p)
        return NULL;
    memcpy(p, a, la);
    size_t k = la;
    if (k && p[k - 1] != '/')
        p[k++] = '/';
    memcpy(p + k, b, lb + 1);
    return p;
}

/* The folder part of a path, malloc'd ("." for a bare name). */
static char *dir_of(const char *path)
{
    const char *s = strrchr(path, '/');
    if (!s)
        return strdup(".");
    if (s == path)
        return strdup("/");
    return strndup(path, (size_t)(s - path));
}

/* True when p names a folder (symbolic links followed). */
static int is_dir(const char *p)
{
    struct stat sb;
    return p && stat(p, &sb) == 0 && S_ISDIR(sb.st_mode);
}

/* True for a two-hex-digit name (a uuidtext sub folder). */
static int is_hex2(const char *n)
{
    static const char hx[] = "0123456789ABCDEFabcdef";
    return n[0] && n[1] && !n[2] && strchr(hx, n[0]) && strchr(hx, n[1]);
}

/* See tracev3.h: a dsc/ folder or a two-hex-digit folder inside. */
int st_is_uuidtext_dir(const char *path)
{
    if (!is_dir(path))
        return 0;
    char *dsc = join(path, "dsc");
    int yes = is_dir(dsc);
    free(dsc);
    if (yes)
        return 1;
    DIR *d = opendir(path);
    if (!d)
        return 0;
    struct dirent *e;
    int seen = 0;
    while (!yes && (e = readdir(d)) != NULL && seen++ < 512)
        if (is_hex2(e->d_name)) {
            char *sub = join(path, e->d_name);
            yes = is_dir(sub);
            free(sub);
        }
    closedir(d);
    return yes;
}

/* The first candidate that is a uuidtext folder, malloc'd, or NULL. */
static char *first_uuidtext(char *const *cand, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (cand[i] && st_is_uuidtext_dir(cand[i]))
            return strdup(cand[i]);
    return NULL;
}

/* The first candidate that is a folder, malloc'd, or NULL. */
static char *first_dir(char *const *cand, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (cand[i] && is_dir(cand[i]))
            return strdup(cand[i]);
    return NULL;
}

/* Finds the uuidtext and timesync folders of a tracev3 path (see tracev3.h). */
void st_tracev3_locate(const char *path, char **uuidtext, char **timesync)
{
    *uuidtext = *timesync = NULL;
    char *dir = dir_of(path);
    char *parent = dir ? dir_of(dir) : NULL;
    char *grand = parent ? dir_of(parent) : NULL;
    if (!dir || !parent || !grand)
        goto out;
    /* DIR/uuidtext beside the file; the folder itself (logdata.LiveData at
     * a .logarchive root); the parent (X.logarchive/Persist/f); the
     * parent's uuidtext sibling (db/diagnostics/Persist/f, and
     * db/diagnostics/logdata.LiveData.tracev3) */
    char *c[5] = {join(dir, "uuidtext"), strdup(dir), strdup(parent),
                  join(grand, "uuidtext"), join(parent, "uuidtext")};
    *uuidtext = first_uuidtext(c, 5);
    for (int i = 0; i < 5; i++)
        free(c[i]);
    char *t[2] = {join(dir, "timesync"), join(parent, "timesync")};
    *timesync = first_dir(t, 2);
    free(t[0]);
    free(t[1]);
out:
    free(dir);
    free(parent);
    free(grand);
}

/* ---- finding tracev3 files by content ------------------------------------ */

typedef struct flist {
    char **v;
    size_t n, cap;
} flist;

/* Appends a copy of s; -1 when out of memory. */
static int flist_add(flist *l, const char *s)
{
    if (l->n == l->cap) {
        size_t c = l->cap ? l->cap * 2 : 64;
        char **nv = realloc(l->v, c * sizeof *nv);
        if (!nv)
            return -1;
        l->v = nv;
        l->cap = c;
    }
    if (!(l->v[l->n] = strdup(s)))
        return -1;
    l->n++;
    return 0;
}

/* Frees the list and its strings. */
static void flist_free(flist *l)
{
    for (size_t i = 0; i < l->n; i++)
        free(l->v[i]);
    free(l->v);
    memset(l, 0, sizeof *l);
}

/* Bytewise order, independent of the locale. */
static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* True when the regular file at p starts with a tracev3 header chunk. */
static int has_tv3_magic(const char *p)
{
    int fd = open(p, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    if (fd < 0)
        return 0;
    uint8_t b[16];
    int ok = pread(fd, b, 16, 0) == 16 && memcmp(b, tv3_magic, 16) == 0;
    close(fd);
    return ok;
}

/* Collects tracev3 files under dir (symbolic links are not followed). */
static void find_files(const char *dir, int depth, flist *out)
{
    if (depth > FIND_DEPTH || out->n >= MAX_FILES)
        return;
    DIR *d = opendir(dir);
    if (!d)
        return;
    struct dirent *e;
    while ((e = readdir(d)) != NULL && out->n < MAX_FILES) {
        if (e->d_name[0] == '.')
            continue;
        char *full = join(dir, e->d_name);
        struct stat sb;
        if (full && lstat(full, &sb) == 0) {
            if (S_ISDIR(sb.st_mode)) {
                /* uuidtext stores hold thousands of files, never tracev3 */
                if (!is_hex2(e->d_name) && strcmp(e->d_name, "dsc") &&
                    strcmp(e->d_name, "timesync") &&
                    strcmp(e->d_name, "uuidtext"))
                    find_files(full, depth + 1, out);
            } else if (S_ISREG(sb.st_mode) && sb.st_size >= 224 &&
                       has_tv3_magic(full)) {
                flist_add(out, full);
            }
        }
        free(full);
    }
    closedir(d);
}

/* ---- the shared context ---------------------------------------------------- */

/* One context is kept open: the latest folder's.  A mutex guards it; the
 * context itself is used by one read at a time (ingest is one thread). */
static pthread_mutex_t cache_mu = PTHREAD_MUTEX_INITIALIZER;
static st_tv3_ctx *cache_ctx;
static char *cache_key;                /* uuidtext "\n" timesync */
static char *opt_uuidtext, *opt_timesync;

/* Sets (or clears with NULL) the folders the parser uses instead of
 * the ones the input's place gives. */
void st_tracev3_set_dirs(const char *uuidtext_dir, const char *timesync_dir)
{
    pthread_mutex_lock(&cache_mu);
    free(opt_uuidtext);
    free(opt_timesync);
    opt_uuidtext = uuidtext_dir ? strdup(uuidtext_dir) : NULL;
    opt_timesync = timesync_dir ? strdup(timesync_dir) : NULL;
    pthread_mutex_unlock(&cache_mu);
}

/* Opens a regular file for the prescan; *len receives its size.  -1 when
 * it cannot be read or is empty. */
static int open_file(const char *path, uint64_t *len)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    struct stat sb;
    if (fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode) || sb.st_size <= 0) {
        close(fd);
        return -1;
    }
    *len = (uint64_t)sb.st_size;
    return fd;
}

/* Collects one file's oversize data into ctx (the sequential way). */
static void prescan_file(st_tv3_ctx *ctx, const char *path)
{
    uint64_t n;
    int fd = open_file(path, &n);
    if (fd < 0)
        return;
    st_tv3_prescan_merge(ctx, st_tv3_prescan_collect(ctx, fd, n, NULL, 0));
    close(fd);
}

/* The files of a parallel prescan: each thread takes the next index;
 * the main thread also merges finished sets, in file order. */
typedef struct prescan_job {
    st_tv3_ctx *ctx;
    const flist *files;
    st_tv3_ovset **sets;
    int *done;                         /* atomic: sets[i] is final */
    size_t next;                       /* atomic: next file to take */
    size_t merged;                     /* main thread: files merged */
    size_t collected;                  /* atomic: bytes sets hold unmerged */
} prescan_job;

#define PRESCAN_HOLD_MAX (32u << 20)   /* bytes of sets waiting for a merge */

/* Merges, in file order, the sets that are final (main thread only); a
 * file whose set the shared limit cut short, or that ran out of memory,
 * is scanned again on its own, in its turn. */
static void prescan_merge_ready(prescan_job *j)
{
    while (j->merged < j->files->n &&
           __atomic_load_n(&j->done[j->merged], __ATOMIC_ACQUIRE)) {
        size_t i = j->merged++;
        if (st_tv3_ovset_complete(j->sets[i])) {
            st_tv3_prescan_merge(j->ctx, j->sets[i]);
        } else {
            st_tv3_ovset_free(j->sets[i]);
            prescan_file(j->ctx, j->files->v[i]);
        }
        j->sets[i] = NULL;
    }
}

/* Collects files until none is left; the main thread (merge) also merges
 * as it goes, so sets do not pile up. */
static void prescan_work(prescan_job *j, int merge)
{
    size_t i;
    while ((i = __atomic_fetch_add(&j->next, 1, __ATOMIC_RELAXED)) <
           j->files->n) {
        uint64_t n;
        int fd = open_file(j->files->v[i], &n);
        j->sets[i] = fd < 0 ? NULL
                            : st_tv3_prescan_collect(j->ctx, fd, n,
                                                     &j->collected,
                                                     PRESCAN_HOLD_MAX);
        if (fd >= 0)
            close(fd);
        __atomic_store_n(&j->done[i], 1, __ATOMIC_RELEASE);
        if (merge)
            prescan_merge_ready(j);
    }
}

static void *prescan_helper(void *arg)
{
    prescan_work(arg, 0);
    return NULL;
}

/* Collects the oversize data of every file into ctx, as prescan_file file
 * after file would, on two threads: decompressing every chunkset of an
 * archive is ~85 ms per 100 MB that nothing else overlaps. */
static void prescan_files(st_tv3_ctx *ctx, const flist *l)
{
    size_t n = l->n ? l->n : 1;
    prescan_job j = {ctx, l, calloc(n, sizeof *j.sets),
                     calloc(n, sizeof *j.done), 0, 0, 0};
    pthread_t helper;
    int threaded = j.sets && j.done && l->n > 1 &&
                   pthread_create(&helper, NULL, prescan_helper, &j) == 0;
    if (threaded) {
        prescan_work(&j, 1);
        pthread_join(helper, NULL);
        prescan_merge_ready(&j);       /* what the helper finished last */
    } else {
        for (size_t i = 0; i < l->n; i++)
            prescan_file(ctx, l->v[i]);
    }
    free(j.sets);
    free(j.done);
}

/* The context for (uuidtext, timesync): the cached one when it matches,
 * else a new one (the old one is closed) whose oversize data is collected
 * from every tracev3 file under `root` (may be NULL).  Called with
 * cache_mu held. */
static st_tv3_ctx *ctx_for(const char *ut, const char *ts, const char *root)
{
    size_t kl = (ut ? strlen(ut) : 0) + (ts ? strlen(ts) : 0) + 3;
    char *key = malloc(kl);
    if (!key)
        return NULL;
    snprintf(key, kl, "%s\n%s", ut ? ut : "", ts ? ts : "");
    if (cache_ctx && cache_key && strcmp(key, cache_key) == 0) {
        free(key);
        return cache_ctx;
    }
    st_tv3_ctx_close(cache_ctx);
    free(cache_key);
    cache_ctx = st_tv3_ctx_open(ut, ts);
    cache_key = key;
    if (cache_ctx && root) {
        flist l = {0};
        find_files(root, 0, &l);
        prescan_files(cache_ctx, &l);
        flist_free(&l);
    }
    return cache_ctx;
}

/* ---- folders ------------------------------------------------------------- */

int st_logarchive_open(st_logarchive **out, const char *dir,
                       const char *uuidtext_dir, const char *timesync_dir,
                       char *err, size_t errlen)
{
    *out = NULL;
    if (!is_dir(dir)) {
        snprintf(err, errlen, "%s: not a folder", dir);
        return -1;
    }
    st_logarchive *la = calloc(1, sizeof *la);
    if (!la || !(la->root = strdup(dir))) {
        free(la);
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    flist l = {0};
    find_files(dir, 0, &l);
    if (!l.n) {
        snprintf(err, errlen, "%s: no tracev3 file found (searched %d "
                 "levels down by content)", dir, FIND_DEPTH);
        flist_free(&l);
        st_logarchive_close(la);
        return -1;
    }
    qsort(l.v, l.n, sizeof *l.v, cmp_str);
    la->files = l.v;
    la->nfiles = l.n;
    /* the folder's own layout first, then what its files' places say */
    char *parent = dir_of(dir);
    char *uc[4] = {strdup(dir), join(dir, "uuidtext"),
                   parent ? join(parent, "uuidtext") : NULL, NULL};
    char *tc[4] = {join(dir, "timesync"), NULL, NULL, NULL};
    char *diag = join(dir, "diagnostics");
    if (diag && is_dir(diag))
        tc[1] = join(diag, "timesync");
    free(diag);
    la->uuidtext_dir = uuidtext_dir ? strdup(uuidtext_dir)
                                    : first_uuidtext(uc, 3);
    la->timesync_dir = timesync_dir ? strdup(timesync_dir)
                                    : first_dir(tc, 2);
    for (int i = 0; i < 4; i++) {
        free(uc[i]);
        free(tc[i]);
    }
    free(parent);
    if (!la->uuidtext_dir || !la->timesync_dir) {
        char *u = NULL, *t = NULL;
        st_tracev3_locate(la->files[0], &u, &t);
        if (!la->uuidtext_dir)
            la->uuidtext_dir = u;
        else
            free(u);
        if (!la->timesync_dir)
            la->timesync_dir = t;
        else
            free(t);
    }
    pthread_mutex_lock(&cache_mu);
    la->ctx = ctx_for(la->uuidtext_dir, la->timesync_dir, dir);
    pthread_mutex_unlock(&cache_mu);
    if (!la->ctx) {
        st_logarchive_close(la);
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    *out = la;
    return 0;
}

/* Frees the folder description (the context stays cached). */
void st_logarchive_close(st_logarchive *la)
{
    if (!la)
        return;
    /* the context stays cached for the parser; it is freed when another
     * folder's replaces it */
    for (size_t i = 0; i < la->nfiles; i++)
        free(la->files[i]);
    free(la->files);
    free(la->root);
    free(la->uuidtext_dir);
    free(la->timesync_dir);
    free(la);
}

/* The folder entry point (see tracev3.h): each tracev3 file through the
 * caller's hooks, with the folder's shared context. */
int st_logarchive_ingest_dir(const char *dir, const char *uuidtext_dir,
                             const char *timesync_dir,
                             const st_logarchive_hooks *hooks, char *err,
                             size_t errlen)
{
    st_logarchive *la;
    if (st_logarchive_open(&la, dir, uuidtext_dir, timesync_dir, err,
                           errlen) < 0)
        return -1;
    int done = 0;
    for (size_t i = 0; i < la->nfiles; i++) {
        st_input *in;
        char e[512] = "";
        if (st_input_open_path(&in, la->files[i], e, sizeof e) < 0) {
            if (hooks->end)
                hooks->end(hooks->ctx, la->files[i], NULL,
                           ST_READ_INPUT_ERROR, e);
            continue;
        }
        st_sink *sink = hooks->begin ? hooks->begin(hooks->ctx, la->files[i],
                                                    in)
                                     : NULL;
        if (sink) {
            pthread_mutex_lock(&cache_mu);
            st_tv3_ctx *ctx = ctx_for(la->uuidtext_dir, la->timesync_dir,
                                      dir);
            int rc = ctx ? st_tv3_read(ctx, in, la->files[i], sink, e,
                                       sizeof e)
                         : ST_READ_INPUT_ERROR;
            pthread_mutex_unlock(&cache_mu);
            if (rc != ST_READ_INPUT_ERROR)
                st_input_finish(in);
            if (hooks->end)
                hooks->end(hooks->ctx, la->files[i], in, rc, e);
            done++;
        }
        st_input_close(in);
    }
    st_logarchive_close(la);
    return done;
}

/* ---- the registered parser ----------------------------------------------- */

int st_tracev3_bid(const uint8_t *head, size_t n, int at_eof)
{
    (void)at_eof;
    if (n < 16)
        return n >= 8 && memcmp(head, tv3_magic, 8) == 0 ? 60 : 0;
    return memcmp(head, tv3_magic, 16) == 0 ? 100 : 0;
}

/* The registered parser's read: finds the input's uuidtext and timesync
 * (options, environment, or its place), takes the matching shared
 * context and reads the file. */
static int tracev3_read(st_input *in, const st_parse_opts *opts,
                        st_sink *sink, char *err, size_t errlen)
{
    (void)opts;
    const char *path = st_input_path(in);
    char *ut = NULL, *ts = NULL, *root = NULL;
    pthread_mutex_lock(&cache_mu);
    const char *eu = opt_uuidtext ? opt_uuidtext : getenv("SIGTRAIL_UUIDTEXT");
    const char *et = opt_timesync ? opt_timesync : getenv("SIGTRAIL_TIMESYNC");
    if (path)
        st_tracev3_locate(path, &ut, &ts);
    if (eu && *eu) {
        free(ut);
        ut = strdup(eu);
    }
    if (et && *et) {
        free(ts);
        ts = strdup(et);
    }
    /* the folder whose files share oversize data: where the timesync
     * folder sits, else the file's own folder */
    if (ts)
        root = dir_of(ts);
    else if (path)
        root = dir_of(path);
    st_tv3_ctx *ctx = ctx_for(ut, ts, root);
    int rc;
    if (!ctx) {
        snprintf(err, errlen, "out of memory");
        rc = ST_READ_REJECTED;
    } else {
        sink->note(sink->ctx, "uuidtext_dir", ut ? ut : "(none)");
        sink->note(sink->ctx, "timesync_dir", ts ? ts : "(none)");
        if (!ut)
            st_sink_warnf(sink, 0, "no uuidtext folder found beside %s: "
                          "messages are placeholders (give --uuidtext DIR)",
                          path ? path : st_input_name(in));
        rc = st_tv3_read(ctx, in, path ? path : st_input_name(in), sink, err,
                         errlen);
    }
    pthread_mutex_unlock(&cache_mu);
    free(ut);
    free(ts);
    free(root);
    return rc;
}

const st_parser st_parser_tracev3 = {
    "tracev3",
    "1.0",
    "binary unified log file (.tracev3), with uuidtext, dsc and timesync "
    "found beside it",
    st_tracev3_bid,
    tracev3_read,
};
