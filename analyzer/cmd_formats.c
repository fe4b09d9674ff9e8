/*
 * cmd_formats.c -- `sigtrail formats`: the registered input formats.
 */
#include <stdio.h>
#include <string.h>
#include "cmd.h"
#include "parser.h"

int cmd_formats(int argc, char **argv)
{
    if (argc > 1 && (strcmp(argv[1], "--help") == 0 ||
                     strcmp(argv[1], "-h") == 0)) {
        printf("usage: sigtrail formats\n\nLists the input formats sigtrail "
               "recognises by content, with\nthe name to give "
               "`sigtrail ingest --format` and the parser version.\n");
        return ST_EXIT_OK;
    }
    const st_parser *const *p = st_parsers();
    for (int i = 0; p[i]; i++)
        printf("%-22s %-5s %s\n", p[i]->name, p[i]->version, p[i]->summary);
    return ST_EXIT_OK;
}
