/*
 * progress.h -- one self-rewriting status line on stderr for long work.
 * Shown only when stderr is a terminal, never before the work has taken a
 * second, at most five times a second, and never with --quiet.  Callers
 * may call st_progress_tick() as often as they like: it is cheap.
 */
#ifndef ST_PROGRESS_H
#define ST_PROGRESS_H
#include <stdint.h>

typedef struct st_progress {
    int enabled;
    int shown;
    double start, last;
    int64_t total_bytes;      /* -1 when unknown */
    const char *label;
    unsigned calls;
} st_progress;

void st_progress_init(st_progress *p, const char *label, int64_t total_bytes,
                      int quiet);
/* Reports bytes done and records (or items) done so far. */
void st_progress_tick(st_progress *p, int64_t bytes, int64_t records);
/* Erases the line if one was shown. */
void st_progress_done(st_progress *p);
double st_now(void);

#endif
