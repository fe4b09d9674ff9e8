/*
 * cmd.h -- the command table.  Each subcommand lives in its own
 * analyzer/cmd_<name>.c and exposes one entry point listed in main.c.
 *
 * Contract for every command:
 *  - argv[0] is the command name; options are parsed with opts.h helpers.
 *  - `--help` prints usage on stdout and returns 0.
 *  - Returns the process exit status: ST_EXIT_OK (0), ST_EXIT_NONE (1: ran
 *    fine but found nothing, like grep), ST_EXIT_ERROR (2: usage error, bad
 *    or unreadable input, store failure).  Never calls exit().
 */
#ifndef ST_CMD_H
#define ST_CMD_H

#define ST_EXIT_OK 0
#define ST_EXIT_NONE 1
#define ST_EXIT_ERROR 2

typedef int (*st_cmd_fn)(int argc, char **argv);

typedef struct st_command {
    const char *name;
    st_cmd_fn fn;
    const char *summary;
} st_command;

/* The full command line of this run, for provenance (set by main). */
extern const char *st_command_line;

int cmd_ingest(int argc, char **argv);
int cmd_sources(int argc, char **argv);
int cmd_stats(int argc, char **argv);
int cmd_errcode(int argc, char **argv);
int cmd_formats(int argc, char **argv);
int cmd_analyze(int argc, char **argv);
int cmd_explain(int argc, char **argv);
int cmd_rules(int argc, char **argv);
int cmd_timeline(int argc, char **argv);
int cmd_query(int argc, char **argv);
int cmd_export(int argc, char **argv);
int cmd_report(int argc, char **argv);
int cmd_replay(int argc, char **argv);
int cmd_exercise(int argc, char **argv);
int cmd_verify(int argc, char **argv);

#endif
