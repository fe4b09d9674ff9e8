/*
 * bench_scan.c -- the same-run ceiling for `sigtrail analyze`: reads every
 * event of a case in time order through st_store_scan (what analyze does
 * before the engine sees an event) and does nothing with them.  Prints
 * "events seconds".  usage: bench_scan CASE.db
 */
#include <stdio.h>
#include <time.h>
#include "store_read.h"

static int noop(void *c, const st_event *ev)
{
    (*(int64_t *)c) += ev->message.n;
    return 0;
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: bench_scan CASE.db\n");
        return 2;
    }
    st_store *st;
    char err[256];
    if (st_store_open(&st, argv[1], ST_STORE_READONLY, err, sizeof err)) {
        fprintf(stderr, "%s\n", err);
        return 2;
    }
    struct timespec a, b;
    clock_gettime(CLOCK_MONOTONIC, &a);
    int64_t bytes = 0;
    int64_t n = st_store_scan(st, NULL, noop, &bytes);
    clock_gettime(CLOCK_MONOTONIC, &b);
    printf("%lld %.3f\n", (long long)n,
           (double)(b.tv_sec - a.tv_sec) + (b.tv_nsec - a.tv_nsec) / 1e9);
    st_store_close(st);
    return n < 0;
}
