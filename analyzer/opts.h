/*
 * opts.h -- option handling shared by every command: usage errors in one
 * format, and `--help` detection before getopt runs.
 */
#ifndef ST_OPTS_H
#define ST_OPTS_H

/* Prints "sigtrail CMD: message" and a hint to use --help; returns
 * ST_EXIT_ERROR for the caller to return. */
int st_usage_error(const char *cmd, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Prints an error line "sigtrail CMD: message" on stderr. */
void st_error(const char *cmd, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Resets getopt for a fresh parse of a command's argv. */
void st_opts_reset(void);

#endif
