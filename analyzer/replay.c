/*
 * replay.c -- paced replay with rule alerts.  See replay.h for the
 * contract; docs/replay.md for the user's view.
 */
#include "replay.h"

#include <errno.h>
#include <stdarg.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "ingest.h"
#include "logshow_out.h"
#include "store_read.h"
#include "timeparse.h"

#define NS_PER_MS 1000000LL
#define NS_PER_S 1000000000LL

/* ---- times and durations on the command line ---------------------------- */

/* Parses a whole time string (see replay.h); the seconds may be left out,
 * and so may the time of day. */
int st_replay_parse_time(const char *s, int64_t *utc_us)
{
    char buf[96];
    size_t n = strlen(s);
    if (n < 10 || n > 64)
        return -1;
    /* a bare date, or a time without seconds, is completed so the one
     * timestamp parser of the project reads it */
    if (n == 10)
        snprintf(buf, sizeof buf, "%s 00:00:00", s);
    else if (n >= 16 && (s[10] == 'T' || s[10] == ' ') &&
             (n == 16 || s[16] != ':'))
        snprintf(buf, sizeof buf, "%.16s:00%s", s, s + 16);
    else
        snprintf(buf, sizeof buf, "%s", s);
    int64_t local;
    int has_off = 0;
    int32_t off = 0;
    size_t k = st_parse_timestamp(buf, strlen(buf), &local, &has_off, &off);
    if (k == 0 || k != strlen(buf))
        return -1;
    *utc_us = has_off ? local - (int64_t)off * 60 * 1000000 : local;
    return 0;
}

/* Parses a duration into nanoseconds (see replay.h). */
int st_replay_parse_duration(const char *s, int64_t *ns)
{
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (end == s || errno || !isfinite(v) || v < 0)
        return -1;
    double mul;
    if (!*end || !strcmp(end, "s"))
        mul = 1e9;
    else if (!strcmp(end, "ms"))
        mul = 1e6;
    else if (!strcmp(end, "us"))
        mul = 1e3;
    else if (!strcmp(end, "m"))
        mul = 60e9;
    else if (!strcmp(end, "h"))
        mul = 3600e9;
    else if (!strcmp(end, "d"))
        mul = 86400e9;
    else
        return -1;
    if (v * mul > 9e18)
        return -1;
    *ns = (int64_t)llround(v * mul);
    return 0;
}

/* ---- evidence references ------------------------------------------------ */

/* Removes trailing slashes (but keeps "/"). */
static void chop_slashes(char *p)
{
    size_t n = strlen(p);
    while (n > 1 && p[n - 1] == '/')
        p[--n] = 0;
}

/* Returns the part of path inside folder rel, or NULL. */
static const char *inside(const char *path, const char *rel)
{
    size_t k = strlen(rel);
    if (k && !strncmp(path, rel, k) && path[k] == '/' && path[k + 1])
        return path + k + 1;
    return NULL;
}

/* Relative to rel when the recorded path lies in it, textually first
 * (cases keep paths as given), then by real paths (inputs on disk). */
const char *st_replay_source_name(st_store *st, int64_t source_id,
                                  const char *rel, char *buf, size_t n)
{
    snprintf(buf, n, "%s", st_store_source_path(st, source_id));
    if (!rel || !*rel)
        return buf;
    char r[PATH_MAX];
    snprintf(r, sizeof r, "%s", rel);
    chop_slashes(r);
    const char *in = inside(buf, r);
    if (!in && !strcmp(r, "."))
        in = buf[0] != '/' ? buf : NULL;
    char rp[PATH_MAX], pp[PATH_MAX];
    if (!in && realpath(r, rp) && realpath(buf, pp))
        in = inside(pp, rp);
    if (in) {
        char t[PATH_MAX];
        snprintf(t, sizeof t, "%s", in);
        snprintf(buf, n, "%s", t);
    }
    return buf;
}

/* Order: file, then lines before locators, lines numerically. */
static int ref_cmp(const void *a, const void *b)
{
    const st_rp_ref *x = a, *y = b;
    int c = strcmp(x->file, y->file);
    if (c)
        return c;
    if ((x->line > 0) != (y->line > 0))
        return x->line > 0 ? -1 : 1;
    if (x->line != y->line)
        return x->line < y->line ? -1 : 1;
    return strcmp(x->loc, y->loc);
}

/* Sorts by file, then line, then locator, and drops repeats (a finding
 * may cite one line for two roles). */
int st_rp_refs_sort(st_rp_ref *refs, int n)
{
    if (n <= 0)
        return 0;
    qsort(refs, (size_t)n, sizeof *refs, ref_cmp);
    int k = 1;
    for (int i = 1; i < n; i++)
        if (ref_cmp(&refs[i], &refs[k - 1]))
            refs[k++] = refs[i];
    return k;
}

/* Appends to a fixed buffer; silently truncates (display only). */
static void cat(char *buf, size_t len, size_t *used, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static void cat(char *buf, size_t len, size_t *used, const char *fmt, ...)
{
    if (*used >= len)
        return;
    va_list ap;
    va_start(ap, fmt);
    int k = vsnprintf(buf + *used, len - *used, fmt, ap);
    va_end(ap);
    if (k > 0)
        *used = *used + (size_t)k < len ? *used + (size_t)k : len - 1;
}

/* Writes refs (sorted) as "file:1,3-5; other:9"; truncates to len. */
void st_rp_refs_format(const st_rp_ref *refs, int n, char *buf, size_t len)
{
    size_t used = 0;
    if (!len)
        return;
    buf[0] = 0;
    for (int i = 0; i < n;) {
        cat(buf, len, &used, "%s%s:", i ? "; " : "", refs[i].file);
        int j = i, first = 1;
        while (j < n && !strcmp(refs[j].file, refs[i].file)) {
            if (refs[j].line > 0) {
                int k = j;
                while (k + 1 < n && !strcmp(refs[k + 1].file, refs[i].file) &&
                       refs[k + 1].line == refs[k].line + 1)
                    k++;
                if (k > j)
                    cat(buf, len, &used, "%s%lld-%lld", first ? "" : ",",
                        (long long)refs[j].line, (long long)refs[k].line);
                else
                    cat(buf, len, &used, "%s%lld", first ? "" : ",",
                        (long long)refs[j].line);
                j = k + 1;
            } else {
                cat(buf, len, &used, "%s%s", first ? "" : ",", refs[j].loc);
                j++;
            }
            first = 0;
        }
        i = j;
    }
}

/* ---- opening what is replayed ------------------------------------------- */

/* True when the file's header says it is an SQLite database whose
 * user_version is the case schema's: read from the header, so evidence
 * databases are never opened by SQLite here. */
static int looks_like_case(const char *path)
{
    unsigned char h[100];
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return 0;
    ssize_t k = read(fd, h, sizeof h);
    close(fd);
    if (k < (ssize_t)sizeof h || memcmp(h, "SQLite format 3", 16))
        return 0;
    uint32_t uv = (uint32_t)h[60] << 24 | (uint32_t)h[61] << 16 |
                  (uint32_t)h[62] << 8 | h[63];
    return uv == ST_SCHEMA_VERSION;
}

/* True when the opened store has the case tables (a foreign database
 * that happens to share the user_version has not). */
static int has_case_tables(st_store *st)
{
    sqlite3_stmt *q;
    int n = 0;
    if (sqlite3_prepare_v2(st_store_db(st), "SELECT count(*) FROM "
            "sqlite_master WHERE type = 'table' AND name IN ('events', "
            "'sources', 'strings', 'records')", -1, &q, NULL) != SQLITE_OK)
        return 0;
    if (sqlite3_step(q) == SQLITE_ROW)
        n = sqlite3_column_int(q, 0);
    sqlite3_finalize(q);
    return n == 4;
}

/* A case file alone is opened read-only; anything else is ingested into
 * ":memory:" with the same pipeline as `ingest`, so replay reads exactly
 * what analyze would.  A rejected input is an error (nothing half-read is
 * replayed); partial reads and duplicates are reported and kept. */
int st_replay_open(const char *const *inputs, int n, const char *tz,
                   int quiet, st_store **out, char *err, size_t errlen)
{
    *out = NULL;
    if (n <= 0) {
        snprintf(err, errlen, "nothing to replay");
        return -1;
    }
    for (int i = 0; i < n; i++) {
        if (strcmp(inputs[i], "-") && looks_like_case(inputs[i])) {
            if (n > 1) {
                snprintf(err, errlen, "%s is a case: a case is replayed "
                         "alone (ingest the other inputs into it)", inputs[i]);
                return -1;
            }
            st_store *st;
            if (st_store_open(&st, inputs[i], ST_STORE_READONLY, err,
                              errlen) < 0)
                return -1;
            if (has_case_tables(st)) {
                *out = st;
                return 0;
            }
            st_store_close(st);   /* a foreign database: read it as input */
        }
    }
    st_store *st;
    if (st_store_open(&st, ":memory:", ST_STORE_CREATE, err, errlen) < 0)
        return -1;
    st_ingest_opts io;
    memset(&io, 0, sizeof io);
    io.quiet = 1;
    io.parse.tz = tz;
    for (int i = 0; i < n; i++) {
        struct stat sb;
        if (strcmp(inputs[i], "-") && stat(inputs[i], &sb) == 0 &&
            S_ISDIR(sb.st_mode)) {
            snprintf(err, errlen, "%s is a folder: give its files", inputs[i]);
            st_store_close(st);
            return -1;
        }
        st_ingest_result res;
        st_ingest_path(st, inputs[i], &io, &res);
        if (res.status == ST_REJECTED) {
            snprintf(err, errlen, "%s: %s", inputs[i], res.message);
            st_store_close(st);
            return -1;
        }
        if (quiet)
            continue;
        if (res.status == ST_INGESTED_PARTIAL)
            fprintf(stderr, "sigtrail: %s: read in part: %s\n",
                    inputs[i], res.message);
        else if (res.status == ST_SKIPPED_DUPLICATE)
            fprintf(stderr, "sigtrail: %s: %s\n", inputs[i],
                    res.message);
    }
    *out = st;
    return 0;
}

/* ---- terminal and signals ----------------------------------------------- */

/* Signal handlers only touch these. */
static volatile sig_atomic_t g_stop;      /* SIGINT, SIGTERM, SIGHUP */
static volatile sig_atomic_t g_resumed;   /* came back from Ctrl-Z */
static volatile sig_atomic_t g_raw_on;    /* fd 0 is in cbreak mode */
static struct termios g_saved, g_raw;

/* Sets the stop flag; the run notices it within one tick. */
static void on_stop_signal(int sig)
{
    (void)sig;
    g_stop = 1;
}

/* Ctrl-Z: give the shell its terminal mode back, stop, and on return
 * re-apply cbreak mode.  Every call here is async-signal-safe. */
static void on_tstp(int sig)
{
    int saved = errno;
    if (g_raw_on)
        tcsetattr(STDIN_FILENO, TCSANOW, &g_saved);
    struct sigaction dfl, mine;
    memset(&dfl, 0, sizeof dfl);
    dfl.sa_handler = SIG_DFL;
    sigemptyset(&dfl.sa_mask);
    sigaction(SIGTSTP, &dfl, &mine);
    sigset_t s;
    sigemptyset(&s);
    sigaddset(&s, SIGTSTP);
    sigprocmask(SIG_UNBLOCK, &s, NULL);
    raise(sig);
    /* continued */
    sigaction(SIGTSTP, &mine, NULL);
    if (g_raw_on)
        tcsetattr(STDIN_FILENO, TCSANOW, &g_raw);
    g_resumed = 1;
    errno = saved;
}

typedef struct sigsave {
    struct sigaction intr, term, hup, pipe, tstp;
    int tstp_set;
} sigsave;

/* Catches sig with the stop handler unless it is ignored and may stay so
 * (a background job's SIGINT, nohup's SIGHUP): those were ignored on
 * purpose by whoever started us.  *old receives the disposition. */
static void catch_stop(int sig, int even_if_ignored, struct sigaction *old)
{
    sigaction(sig, NULL, old);
    if (old->sa_handler == SIG_IGN && !even_if_ignored)
        return;
    struct sigaction a;
    memset(&a, 0, sizeof a);
    sigemptyset(&a.sa_mask);
    a.sa_handler = on_stop_signal;   /* no SA_RESTART: waits return EINTR */
    sigaction(sig, &a, NULL);
}

/* Installs the run's handlers. */
static void signals_install(sigsave *s, int tty)
{
    struct sigaction a;
    memset(&a, 0, sizeof a);
    sigemptyset(&a.sa_mask);
    catch_stop(SIGINT, 0, &s->intr);
    catch_stop(SIGTERM, 1, &s->term);
    catch_stop(SIGHUP, 0, &s->hup);
    a.sa_handler = SIG_IGN;
    sigaction(SIGPIPE, &a, &s->pipe);
    s->tstp_set = 0;
    if (tty) {
        a.sa_handler = on_tstp;
        sigaction(SIGTSTP, &a, &s->tstp);
        s->tstp_set = 1;
    }
}

/* Puts back what signals_install replaced. */
static void signals_restore(const sigsave *s)
{
    sigaction(SIGINT, &s->intr, NULL);
    sigaction(SIGTERM, &s->term, NULL);
    sigaction(SIGHUP, &s->hup, NULL);
    sigaction(SIGPIPE, &s->pipe, NULL);
    if (s->tstp_set)
        sigaction(SIGTSTP, &s->tstp, NULL);
}

/* cbreak: keys arrive one by one, unechoed; ISIG stays so Ctrl-C still
 * raises SIGINT.  Returns 0, or -1 when fd 0 is not a terminal. */
static int term_raw(void)
{
    if (!isatty(STDIN_FILENO) || tcgetattr(STDIN_FILENO, &g_saved) < 0)
        return -1;
    g_raw = g_saved;
    g_raw.c_lflag &= ~(tcflag_t)(ICANON | ECHO);
    g_raw.c_cc[VMIN] = 1;
    g_raw.c_cc[VTIME] = 0;
    if (tcsetattr(STDIN_FILENO, TCSANOW, &g_raw) < 0)
        return -1;
    g_raw_on = 1;
    return 0;
}

/* Restores the mode saved by term_raw (no-op when it was not changed). */
static void term_restore(void)
{
    if (g_raw_on) {
        g_raw_on = 0;
        tcsetattr(STDIN_FILENO, TCSANOW, &g_saved);
    }
}

/* The monotonic clock in nanoseconds: immune to wall-clock changes. */
static int64_t mono_ns(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (int64_t)t.tv_sec * NS_PER_S + t.tv_nsec;
}

/* ---- the replay --------------------------------------------------------- */

typedef struct srcname {
    int64_t id;
    char name[512];
} srcname;

typedef struct rp {
    st_store *st;
    const st_replay_opts *o;
    st_replay_stats *s;
    st_engine *e;
    st_out out;
    int64_t *nonlog;             /* sorted ids of sources holding records */
    int nnonlog;
    srcname *names;
    int nnames;
    int started;                 /* the first replayed event was reached */
    int64_t delta_us;            /* rebase shift */
    int64_t base_ns;             /* monotonic instant of schedule 0 */
    int64_t sched_ns;            /* schedule offset of the previous event */
    int64_t prev_us;             /* (shifted) time of the previous event */
    int paused;
    int64_t pause_from;
    int64_t last_seen_ns;        /* last loop iteration, for Ctrl-Z */
    int steps;                   /* Enter presses not used yet */
    int keys_eof;
    int quit;
    int hold;                    /* step mode: output waits for Enter */
    int tty_err;                 /* stderr is a terminal */
} rp;

/* Cached display name of a source. */
static const char *source_name(rp *r, int64_t id)
{
    for (int i = 0; i < r->nnames; i++)
        if (r->names[i].id == id)
            return r->names[i].name;
    srcname *nn = realloc(r->names, sizeof *nn * (size_t)(r->nnames + 1));
    if (!nn)
        return "?";
    r->names = nn;
    srcname *x = &r->names[r->nnames++];
    x->id = id;
    st_replay_source_name(r->st, id, r->o->relative_to, x->name,
                          sizeof x->name);
    return x->name;
}

/* Orders source ids (for bsearch). */
static int id_cmp(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return x < y ? -1 : x > y;
}

/* Loads the sources whose events are records, not log lines. */
static int load_nonlog(rp *r)
{
    sqlite3_stmt *q;
    if (sqlite3_prepare_v2(st_store_db(r->st), "SELECT DISTINCT source_id "
                           "FROM records ORDER BY 1", -1, &q, NULL))
        return -1;
    while (sqlite3_step(q) == SQLITE_ROW) {
        int64_t *n = realloc(r->nonlog, sizeof *n * (size_t)(r->nnonlog + 1));
        if (!n)
            break;
        r->nonlog = n;
        r->nonlog[r->nnonlog++] = sqlite3_column_int64(q, 0);
    }
    sqlite3_finalize(q);
    return 0;
}

/* True when the event is a log line to show (not a database row), or when
 * every event is to be shown. */
static int is_log_event(const rp *r, const st_event *ev)
{
    return r->o->all_events || !r->nnonlog ||
           !bsearch(&ev->source_id, r->nonlog, (size_t)r->nnonlog,
                    sizeof *r->nonlog, id_cmp);
}

/* Time of the first event that will be replayed (the clock's origin);
 * returns 0 and sets *t, or 1 when there is none. */
static int first_time(rp *r, int64_t *t)
{
    sqlite3_stmt *q;
    const st_replay_opts *o = r->o;
    if (sqlite3_prepare_v2(st_store_db(r->st), "SELECT min(time_us) FROM "
            "events WHERE time_us IS NOT NULL AND (?1 IS NULL OR time_us >= "
            "?1) AND (?2 IS NULL OR time_us <= ?2) AND (?3 OR source_id NOT "
            "IN (SELECT source_id FROM records))", -1, &q, NULL))
        return 1;
    if (o->has_from)
        sqlite3_bind_int64(q, 1, o->from_us);
    if (o->has_to)
        sqlite3_bind_int64(q, 2, o->to_us);
    sqlite3_bind_int(q, 3, o->all_events);
    int rc = 1;
    if (sqlite3_step(q) == SQLITE_ROW &&
        sqlite3_column_type(q, 0) != SQLITE_NULL) {
        *t = sqlite3_column_int64(q, 0);
        rc = 0;
    }
    sqlite3_finalize(q);
    return rc;
}

/* Writes what is buffered (unless it is held for the next Enter); a
 * failed write (a closed pipe) stops the run. */
static void flush_out(rp *r)
{
    if (r->hold || !r->out.n)
        return;
    /* through stdio to the pipe or terminal now: a trainee reads it now */
    int bad = st_out_flush(&r->out) < 0;
    if (r->out.f && fflush(r->out.f) != 0)
        bad = 1;
    if (bad && !r->s->write_failed) {
        r->s->write_failed = 1;
        r->quit = 1;
    }
}

/* Engine callback: an alert, unless the run has not started yet. */
static void on_alert(void *c, const st_finding *f)
{
    rp *r = c;
    if (!r->started) {
        r->s->hidden_alerts++;
        return;
    }
    r->s->alerts++;
    st_rp_ref *refs = calloc((size_t)(f->nev ? f->nev : 1), sizeof *refs);
    int n = 0;
    for (int i = 0; refs && i < f->nev; i++) {
        const st_evidence *d = &f->ev[i];
        st_rp_ref *x = &refs[n];
        snprintf(x->file, sizeof x->file, "%s", source_name(r, d->source_id));
        if (d->line > 0 && !d->record_id)
            x->line = d->line;
        else
            snprintf(x->loc, sizeof x->loc, "%s",
                     d->locator ? d->locator : "?");
        n++;
    }
    n = st_rp_refs_sort(refs, n);
    char list[4096];
    st_rp_refs_format(refs, n, list, sizeof list);
    free(refs);
    const char *on = r->o->color ? "\033[1;31m" : "";
    const char *off = r->o->color ? "\033[0m" : "";
    st_out_printf(&r->out, "%s>>> ALERT [%s] %s: ", on, f->verdict,
                  f->rule->id);
    /* one line per alert: an explanation never breaks the layout */
    for (const char *p = f->explanation ? f->explanation : ""; *p; p++)
        st_out_c(&r->out, *p == '\n' || *p == '\r' ? ' ' : *p);
    st_out_printf(&r->out, "%s\n%s>>>   evidence: %s%s\n", off, on, list,
                  off);
    flush_out(r);
}

/* The engine's record lookups go to the store being replayed. */
static int on_lookup(void *c, const char *kind, const char *column, int op,
                     st_str value, st_lookup_hit *hits, int max)
{
    return st_store_lookup_records(((rp *)c)->st, kind, column, op, value,
                                   hits, max);
}

/* Prints a hint or state change on stderr (never into the replay). */
static void note(rp *r, const char *msg)
{
    if (r->o->quiet)
        return;
    fprintf(stderr, "%s%s%s\n", r->tty_err ? "\033[2m" : "", msg,
            r->tty_err ? "\033[0m" : "");
}

/* Handles the keys read from fd 0. */
static void on_keys(rp *r, const char *k, ssize_t n)
{
    for (ssize_t i = 0; i < n; i++) {
        switch (k[i]) {
        case 'q':
        case 'Q':
            r->quit = 1;
            break;
        case ' ':
            if (r->o->step)
                break;
            if (!r->paused) {
                r->paused = 1;
                r->pause_from = mono_ns();
                note(r, "-- paused: space resumes, q quits");
            } else {
                r->paused = 0;
                r->base_ns += mono_ns() - r->pause_from;
                note(r, "-- resumed");
            }
            break;
        case '\n':
        case '\r':
            r->steps++;
            break;
        default:
            break;
        }
    }
}

/* Waits for a key until the absolute monotonic instant `until` and
 * handles what arrived; without keys, and for the last 2 ms before the
 * instant, sleeps on the absolute instant (clock_nanosleep) so the wake-up
 * is as exact as the kernel allows. */
static void wait_slice(rp *r, int64_t until)
{
    int64_t now = mono_ns();
    if (until <= now)
        return;
    if (!r->o->keys || r->keys_eof || until - now <= 2 * NS_PER_MS) {
        struct timespec ts = {until / NS_PER_S, until % NS_PER_S};
        clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL);
        return;
    }
    int64_t d = until - now - NS_PER_MS;   /* the last ms: clock_nanosleep */
    struct timespec ts = {d / NS_PER_S, d % NS_PER_S};
    struct pollfd p = {STDIN_FILENO, POLLIN, 0};
    if (ppoll(&p, 1, &ts, NULL) > 0) {
        char k[64];
        ssize_t got = read(STDIN_FILENO, k, sizeof k);
        if (got > 0)
            on_keys(r, k, got);
        else if (got == 0 || (errno != EINTR && errno != EAGAIN)) {
            r->keys_eof = 1;           /* end of the keys: steps end */
            if (r->o->step)
                r->quit = 1;
        }
    }
}

/* Notices signals: stop requests, and a return from Ctrl-Z (paused, so
 * the trainee picks up where they left; without keys the schedule is
 * shifted by the time spent stopped). */
static void check_signals(rp *r)
{
    if (g_stop)
        r->quit = 1;
    if (g_resumed) {
        g_resumed = 0;
        if (r->o->keys && !r->o->step && !r->paused) {
            r->paused = 1;
            r->pause_from = r->last_seen_ns;
            note(r, "-- paused: space resumes, q quits");
        } else if (!r->paused && r->last_seen_ns) {
            r->base_ns += mono_ns() - r->last_seen_ns;
        }
    }
}

/* Waits until the schedule offset `sched` while the replay clock runs
 * from the previous event's time to t_next; returns 1 when the run is to
 * stop. */
static int pace_to(rp *r, int64_t sched, int64_t t_next)
{
    int64_t from_sched = r->sched_ns, t_prev = r->prev_us;
    for (;;) {
        check_signals(r);
        if (r->quit)
            return 1;
        int64_t now = mono_ns();
        r->last_seen_ns = now;
        if (r->paused) {
            wait_slice(r, now + ST_RP_TICK_MS * NS_PER_MS);
            continue;
        }
        int64_t target = r->base_ns + sched;
        if (r->e && sched > from_sched && t_next > t_prev) {
            /* the replay clock, never past the next event */
            double frac = (double)(now - (r->base_ns + from_sched)) /
                          (double)(sched - from_sched);
            if (frac > 0) {
                if (frac > 1)
                    frac = 1;
                int64_t clock = t_prev + (int64_t)((double)(t_next - t_prev) *
                                                   frac);
                st_engine_advance(r->e, clock < t_next ? clock : t_next);
            }
        }
        if (r->quit)
            return 1;
        if (now >= target) {
            int64_t late = now - target;
            r->s->paced++;
            r->s->sum_late_ns += late;
            if (late > r->s->max_late_ns)
                r->s->max_late_ns = late;
            return 0;
        }
        int64_t until = target - now > ST_RP_TICK_MS * NS_PER_MS
                            ? now + ST_RP_TICK_MS * NS_PER_MS : target;
        wait_slice(r, until);
    }
}

/* Step mode: waits for one Enter; returns 1 when the run is to stop. */
static int wait_step(rp *r)
{
    while (!r->steps) {
        check_signals(r);
        if (r->quit)
            return 1;
        if (r->keys_eof) {
            r->quit = 1;
            return 1;
        }
        wait_slice(r, mono_ns() + ST_RP_TICK_MS * NS_PER_MS);
    }
    r->steps--;
    return 0;
}

/* Writes one event in the `log stream` layout. */
static void show_event(rp *r, const st_event *ev)
{
    if (r->o->line_numbers) {
        const char *on = r->o->color ? "\033[2m" : "";
        const char *off = r->o->color ? "\033[0m" : "";
        if (ev->line > 0)
            st_out_printf(&r->out, "%s[%s:%lld]%s ", on,
                          source_name(r, ev->source_id), (long long)ev->line,
                          off);
        else
            st_out_printf(&r->out, "%s[%s:%.*s]%s ", on,
                          source_name(r, ev->source_id),
                          (int)ev->locator.n, ev->locator.p ? ev->locator.p
                          : "", off);
    }
    st_ls_default_line(&r->out, ev);
    st_out_c(&r->out, '\n');
    r->s->shown++;
}

/* Scan callback: one event in time order. */
static int on_event(void *c, const st_event *orig)
{
    rp *r = c;
    const st_replay_opts *o = r->o;
    if (!(orig->has & ST_HAS_TIME)) {
        r->s->skipped_untimed++;
        return 0;
    }
    st_event ev = *orig;
    ev.time_us += r->delta_us;
    ev.time_text = ST_STR_NULL;   /* the text is the original time */
    int is_log = is_log_event(r, orig);
    if (!r->started) {
        if (!is_log || (o->has_from && orig->time_us < o->from_us)) {
            if (r->e)
                st_engine_feed(r->e, &ev);   /* warm-up: histories */
            return 0;
        }
        r->started = 1;
        r->base_ns = mono_ns();
        r->sched_ns = 0;
        r->prev_us = ev.time_us;
    }
    int shown = is_log && o->alerts != ST_RP_ALERTS_ONLY &&
                (!o->pred || st_pred_eval_event(o->pred, orig));
    if (o->step) {
        /* what happens before the next shown event (alerts that hidden
         * events complete included) waits for the Enter that shows it */
        if (shown) {
            if (wait_step(r))
                return 1;
            r->hold = 0;
        }
    } else if (o->speed > 0) {
        int64_t gap_us = ev.time_us - r->prev_us;
        double w = (double)gap_us * 1000.0 / o->speed;
        int64_t wait = w > 9e18 ? INT64_MAX / 4 : (int64_t)w;
        if (o->max_gap_ns >= 0 && wait > o->max_gap_ns)
            wait = o->max_gap_ns;
        int64_t sched = r->sched_ns + wait;
        if (pace_to(r, sched, ev.time_us))
            return 1;
        r->sched_ns = sched;
    } else {
        check_signals(r);
        if (r->quit)
            return 1;
    }
    if (r->e)
        st_engine_advance(r->e, ev.time_us);   /* alerts due before it */
    r->prev_us = ev.time_us;
    if (shown)
        show_event(r, &ev);
    if (r->e)
        st_engine_feed(r->e, &ev);             /* alerts it completes */
    flush_out(r);
    r->hold = o->step;
    return r->quit;
}

/* Sets up the engine, the header and the terminal, scans the case through
 * on_event, flushes the engine at the end of the recording and puts the
 * terminal and signals back on every path. */
int st_replay_run(st_store *st, const st_analysis *a, const st_replay_opts *o,
                  FILE *out, st_replay_stats *stats, char *err, size_t errlen)
{
    memset(stats, 0, sizeof *stats);
    if (!a && o->alerts != ST_RP_NO_ALERTS) {
        snprintf(err, errlen, "alerts need the rules");
        return -1;
    }
    rp r;
    memset(&r, 0, sizeof r);
    r.st = st;
    r.o = o;
    r.s = stats;
    r.tty_err = isatty(STDERR_FILENO);
    st_out_init(&r.out, out);
    if (load_nonlog(&r) < 0) {
        snprintf(err, errlen, "%s", st_store_errmsg(st));
        return -1;
    }
    int64_t t0 = 0;
    int empty = first_time(&r, &t0);
    if (o->rebase == 1)
        r.delta_us = o->rebase_us - t0;
    else if (o->rebase == 2) {
        struct timespec now;
        clock_gettime(CLOCK_REALTIME, &now);
        r.delta_us = (int64_t)now.tv_sec * 1000000 + now.tv_nsec / 1000 - t0;
    }
    if (empty)
        r.delta_us = 0;
    if (o->alerts != ST_RP_NO_ALERTS) {
        r.e = st_engine_new(&a->rules, a->codes, on_alert, on_lookup, &r);
        if (!r.e) {
            snprintf(err, errlen, "out of memory");
            free(r.nonlog);
            return -1;
        }
        st_engine_set_slack(r.e, 0);   /* a case is read in time order */
    }
    if (o->alerts != ST_RP_ALERTS_ONLY) {
        if (o->pred_text)
            st_out_printf(&r.out, "Filtering the log data using \"%s\"\n",
                          o->pred_text);
        st_out_str(&r.out, st_ls_header(ST_LS_DEFAULT));
    }
    flush_out(&r);
    r.hold = o->step;

    sigsave ss;
    g_stop = 0;
    g_resumed = 0;
    int tty = o->keys && isatty(STDIN_FILENO);
    signals_install(&ss, tty);
    if (tty)
        term_raw();
    if (o->keys && !o->quiet) {
        if (o->step)
            note(&r, "step mode: Enter shows the next event, q quits");
        else if (tty)
            note(&r, "space pauses and resumes, q quits");
    }
    st_scan_filter f;
    memset(&f, 0, sizeof f);
    f.has_to = o->has_to;
    f.to_us = o->to_us;
    int64_t t_start = mono_ns();
    int64_t n = st_store_scan(st, &f, on_event, &r);
    if (n >= 0 && !r.quit && r.e) {
        st_engine_flush(r.e);     /* the recording ends: windows close */
        /* in step mode the last alerts take one more Enter */
        if (o->step && r.out.n && r.started)
            wait_step(&r);
    }
    if (r.quit && o->step)
        r.out.n = 0;              /* quit: held alerts are not shown */
    r.hold = 0;
    flush_out(&r);
    stats->wall_ns = mono_ns() - t_start;
    stats->plan_ns = r.sched_ns;
    stats->quit = r.quit && !stats->write_failed;
    term_restore();
    signals_restore(&ss);
    st_out_close(&r.out);
    st_engine_free(r.e);
    free(r.nonlog);
    free(r.names);
    if (n < 0) {
        snprintf(err, errlen, "%s", st_store_errmsg(st));
        return -1;
    }
    return 0;
}
