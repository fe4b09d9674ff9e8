/*
 * main.c -- sigtrail's entry point and command table.  Each command lives in
 * analyzer/cmd_<name>.c; add a row here to expose a new one.
 */
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "version.h"



static int cmd_help(int argc, char **argv);
static int cmd_version(int argc, char **argv);

static const st_command commands[] = {
    {"ingest", cmd_ingest, "read evidence files into a case"},
    {"sources", cmd_sources, "list a case's inputs with hashes and counts"},
    {"stats", cmd_stats, "count a case's events by type, process, subsystem"},
    {"analyze", cmd_analyze, "run the rules over a case and store findings"},
    {"explain", cmd_explain, "explain each finding with its evidence lines"},
    {"rules", cmd_rules, "check, test and list rule files"},
    {"timeline", cmd_timeline, "events in time order as text, CSV, JSON lines"},
    {"query", cmd_query, "run read-only SQL on a case"},
    {"export", cmd_export, "write events in a `log show` style"},
    {"report", cmd_report, "write a self-contained HTML report of a case"},
    {"replay", cmd_replay, "replay a case at its original pace, with alerts"},
    {"exercise", cmd_exercise, "training packs: run, regenerate the key, grade"},
    {"verify", cmd_verify, "verify code signatures offline, like codesign -v"},
    {"formats", cmd_formats, "list the input formats sigtrail recognises"},
    {"errcode", cmd_errcode, "decode OSStatus / CSSM error codes"},
    {"help", cmd_help, "show help for sigtrail or a command"},
    {"version", cmd_version, "print sigtrail's version"},
};
#define N_COMMANDS (sizeof commands / sizeof *commands)

static void usage(FILE *f)
{
    fprintf(f,
            "usage: sigtrail COMMAND [OPTIONS] [ARGS]\n\n"
            "sigtrail reads macOS log exports and security databases into a "
            "case file\n(SQLite) and explains code-signing incidents.\n\n"
            "Commands:\n");
    for (size_t i = 0; i < N_COMMANDS; i++)
        fprintf(f, "  %-10s %s\n", commands[i].name, commands[i].summary);
    fprintf(f,
            "\nRun 'sigtrail COMMAND --help' for a command's options.\n"
            "Exit status: 0 success; 1 ran fine but found nothing (or an "
            "unknown code);\n2 usage error, unreadable or rejected input, or "
            "a store failure.\n");
}

static int cmd_help(int argc, char **argv)
{
    if (argc > 1)
        for (size_t i = 0; i < N_COMMANDS; i++)
            if (strcmp(commands[i].name, argv[1]) == 0) {
                char help[] = "--help";
                char *av[] = {argv[1], help, NULL};
                return commands[i].fn(2, av);
            }
    usage(stdout);
    return ST_EXIT_OK;
}

static int cmd_version(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    printf("sigtrail %s\n", SIGTRAIL_VERSION);
    return ST_EXIT_OK;
}

/* Joins argv into one shell-quoted string for provenance records. */
static char *join_command_line(int argc, char **argv)
{
    size_t n = 1;
    for (int i = 0; i < argc; i++)
        n += strlen(argv[i]) * 4 + 3;
    char *s = malloc(n), *o = s;
    if (!s)
        return NULL;
    for (int i = 0; i < argc; i++) {
        const char *a = argv[i];
        int plain = *a != 0;
        for (const char *c = a; *c; c++)
            if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                        "0123456789-_./=:,+@%", *c))
                plain = 0;
        if (i)
            *o++ = ' ';
        if (plain) {
            o += sprintf(o, "%s", a);
        } else {
            *o++ = '\'';
            for (const char *c = a; *c; c++) {
                if (*c == '\'') {
                    memcpy(o, "'\\''", 4);
                    o += 4;
                } else {
                    *o++ = *c;
                }
            }
            *o++ = '\'';
        }
    }
    *o = 0;
    return s;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        usage(stderr);
        return ST_EXIT_ERROR;
    }
    /* SQLite frees and reallocates 16 KiB pages all the time; keeping freed
     * memory instead of trimming it avoids page faults measured at ~4%. */
    mallopt(M_TRIM_THRESHOLD, 64 * 1024 * 1024);
    mallopt(M_TOP_PAD, 4 * 1024 * 1024);
    char *cl = join_command_line(argc, argv);
    if (cl)
        st_command_line = cl;
    const char *name = argv[1];
    if (strcmp(name, "--help") == 0 || strcmp(name, "-h") == 0)
        name = "help";
    if (strcmp(name, "--version") == 0)
        name = "version";
    int rc = -1;
    for (size_t i = 0; i < N_COMMANDS; i++)
        if (strcmp(commands[i].name, name) == 0) {
            rc = commands[i].fn(argc - 1, argv + 1);
            break;
        }
    if (rc < 0) {
        fprintf(stderr, "sigtrail: '%s' is not a command.\n\n", argv[1]);
        usage(stderr);
        rc = ST_EXIT_ERROR;
    }
    free(cl);
    return rc;
}
