/*
 * progress.c -- the status line (bytes, records/s, ETA).  See progress.h.
 */
#include "progress.h"
#include <stdio.h>
#include <time.h>
#include <unistd.h>

/* Monotonic seconds. */
double st_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

void st_progress_init(st_progress *p, const char *label, int64_t total_bytes,
                      int quiet)
{
    p->enabled = !quiet && isatty(2);
    p->shown = 0;
    p->start = p->last = st_now();
    p->total_bytes = total_bytes;
    p->label = label;
    p->calls = 0;
}

/* Prints a human size with one decimal. */
static void human(char *buf, size_t n, double v)
{
    const char *u[] = {"B", "KB", "MB", "GB", "TB"};
    int i = 0;
    while (v >= 1000 && i < 4) {
        v /= 1000;
        i++;
    }
    snprintf(buf, n, i ? "%.1f %s" : "%.0f %s", v, u[i]);
}

void st_progress_tick(st_progress *p, int64_t bytes, int64_t records)
{
    if (!p->enabled || (++p->calls & 1023) != 0)
        return;
    double now = st_now();
    if (now - p->start < 1.0 || now - p->last < 0.2)
        return;
    p->last = now;
    double el = now - p->start;
    char b[32], t[32] = "";
    human(b, sizeof b, (double)bytes);
    if (p->total_bytes > 0) {
        human(t, sizeof t, (double)p->total_bytes);
        double frac = (double)bytes / (double)p->total_bytes;
        double eta = frac > 0 ? el / frac - el : 0;
        fprintf(stderr, "\r%s: %s of %s (%.0f%%), %.0f records/s, ETA %.0fs\033[K",
                p->label, b, t, frac * 100, records / el, eta < 0 ? 0 : eta);
    } else {
        fprintf(stderr, "\r%s: %s, %.0f records/s\033[K", p->label, b,
                records / el);
    }
    p->shown = 1;
}

void st_progress_done(st_progress *p)
{
    if (p->shown)
        fprintf(stderr, "\r\033[K");
    p->shown = 0;
}
