/*
 * opts.c -- shared option helpers.  See opts.h.
 */
#include "opts.h"
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include "cmd.h"

int st_usage_error(const char *cmd, const char *fmt, ...)
{
    va_list ap;
    fprintf(stderr, "sigtrail %s: ", cmd);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fprintf(stderr, "\nTry 'sigtrail %s --help'.\n", cmd);
    return ST_EXIT_ERROR;
}

void st_error(const char *cmd, const char *fmt, ...)
{
    va_list ap;
    fprintf(stderr, "sigtrail %s: ", cmd);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
}

void st_opts_reset(void)
{
    optind = 0;   /* glibc: 0 also resets internal state */
    opterr = 1;
}

/* The full command line of this run (main sets it), kept with every
 * source and run for provenance. */
const char *st_command_line = "";
