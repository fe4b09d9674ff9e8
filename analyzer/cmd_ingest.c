/*
 * cmd_ingest.c -- `sigtrail ingest CASE.db INPUT...`
 */
#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cmd.h"
#include "ingest.h"
#include "opts.h"
#include "tracev3.h"
#include "walk.h"

/* Prints the command's usage and options on standard output. */
static void help(void)
{
    printf(
        "usage: sigtrail ingest [OPTIONS] CASE.db INPUT...\n\n"
        "Reads each INPUT into the case file CASE.db (created if needed).\n"
        "The format is recognised from the content, never from the name;\n"
        "gzip-compressed inputs are read as is and '-' reads standard input.\n"
        "A directory is walked (sorted) and an archive (tar, tar.gz, tgz, "
        "tar.xz,\ntar.bz2, zip, 7z: a sysdiagnose tarball) is read member "
        "by member;\nmembers no parser recognises are listed by sigtrail "
        "sources as skipped.\n"
        "Every input is hashed (SHA-256) and recorded with this command "
        "line;\nan input whose bytes are already in the case is skipped.\n\n"
        "Options:\n"
        "  --tz ZONE          zone of timestamps written without a UTC "
        "offset\n"
        "                     (compact style): -0800, +05:30 or an IANA "
        "name\n"
        "                     such as America/Los_Angeles; default UTC, "
        "with a warning\n"
        "  --date YYYY-MM-DD  date for formats that carry none\n"
        "  --year YYYY        year for formats that carry none\n"
        "  --date-order dmy|mdy  day/month order when the values are "
        "ambiguous\n"
        "  --format NAME      skip detection and use this parser "
        "(see sigtrail formats)\n"
        "  --uuidtext DIR     binary unified log (tracev3): the uuidtext "
        "store (the\n"
        "                     folder holding dsc/ and the 00..FF folders) "
        "to take\n"
        "                     format strings and image paths from, instead "
        "of the one\n"
        "                     found beside each tracev3 file "
        "($SIGTRAIL_UUIDTEXT)\n"
        "  --timesync DIR     binary unified log: the folder of *.timesync "
        "files that\n"
        "                     gives wall-clock times, instead of the one "
        "found beside\n"
        "                     each tracev3 file ($SIGTRAIL_TIMESYNC)\n"
        "  --force            ingest again even when the SHA-256 is known\n"
        "  -q, --quiet        no progress line\n"
        "  -h, --help         this help\n\n"
        "Exit status: 0 all inputs ingested (or skipped as duplicates);\n"
        "2 usage error, or at least one input rejected or cut short (the "
        "others\nare ingested; a rejected input leaves the case as it "
        "was), or interrupted:\nCtrl-C or SIGTERM stops the input being "
        "read (rolled back) and keeps every\ninput reported above; the "
        "same command then finishes the ingest.\n");
}

/* Prints what happened to one member of a directory or archive; counts
 * the members cut short (ctx: int). */
static void member_line(void *ctx, const st_walk_member *m)
{
    const st_ingest_result *r = m->res;
    switch (m->status) {
    case ST_MEMBER_INGESTED:
    case ST_MEMBER_PARTIAL:
        printf("ingested %s :: %s: %lld records (%s), %lld unparsed, %lld "
               "warnings, sha256 %s\n", m->path, m->member,
               (long long)r->records, r->format, (long long)r->unparsed,
               (long long)r->warnings, r->sha256);
        if (m->status == ST_MEMBER_PARTIAL) {
            st_error("ingest", "%s :: %s", m->path, r->message);
            (*(int *)ctx)++;
        }
        break;
    case ST_MEMBER_DUPLICATE:
        printf("%s :: %s\n", m->path, r->message);
        break;
    case ST_MEMBER_SKIPPED:      /* listed by `sigtrail sources` */
    case ST_MEMBER_ARCHIVE:
        return;
    }
    /* one line per input as it ends, also into a file or a pipe: a log
     * of a long ingest, or a watcher, sees what is in the case */
    fflush(stdout);
}

/* Ingests a directory or archive through the walker (walk.h); returns 1
 * when it was cut short or a member was, else 0. */
static int ingest_container(st_store *st, const char *path,
                            const st_ingest_opts *o)
{
    st_walk_limits lim;
    st_walk_limits_default(&lim);
    st_walk_result w;
    int cut = 0;
    st_walk_path(st, path, o, &lim, member_line, &cut, &w);
    if (w.unchanged) {
        printf("%s: %s\n", path, w.message);
        return 0;
    }
    printf("ingested %s (%s%s%s): %lld members: %lld ingested, %lld already "
           "in the case, %lld skipped (listed by sigtrail sources)\n", path,
           w.format, w.sha256[0] ? ", sha256 " : "", w.sha256,
           (long long)w.members, (long long)(w.ingested + w.partial),
           (long long)w.duplicates, (long long)w.skipped);
    if (w.failed)
        st_error("ingest", "%s: %s", path, w.message);
    return w.failed || cut ? 1 : 0;
}

/* True when the folder dir holds an entry named *.timesync. */
static int has_timesync_file(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d)
        return 0;
    struct dirent *e;
    int yes = 0;
    while (!yes && (e = readdir(d)) != NULL) {
        size_t l = strlen(e->d_name);
        yes = l > 9 && strcmp(e->d_name + l - 9, ".timesync") == 0;
    }
    closedir(d);
    return yes;
}

/* Checks the folder given to --uuidtext or --timesync (opt names which)
 * before anything is ingested: it must exist, be a folder that can be
 * listed, and hold what the option is for -- a uuidtext store (dsc/ or
 * two-hex-digit folders) or *.timesync files -- because a wrong folder
 * would otherwise only show up as placeholder messages or header times
 * in every record.  Returns 0, or prints one error line and returns -1. */
static int check_store_dir(const char *opt, const char *dir)
{
    struct stat sb;
    if (!*dir) {
        st_error("ingest", "--%s needs a folder", opt);
        return -1;
    }
    if (stat(dir, &sb) != 0) {
        st_error("ingest", "--%s %s: %s", opt, dir, strerror(errno));
        return -1;
    }
    if (!S_ISDIR(sb.st_mode)) {
        st_error("ingest", "--%s %s: not a folder", opt, dir);
        return -1;
    }
    DIR *d = opendir(dir);
    if (!d) {
        st_error("ingest", "--%s %s: cannot be read: %s", opt, dir,
                 strerror(errno));
        return -1;
    }
    closedir(d);
    if (strcmp(opt, "uuidtext") == 0 && !st_is_uuidtext_dir(dir)) {
        st_error("ingest", "--uuidtext %s: not a uuidtext store (no dsc/ "
                 "or 00..FF folders in it)", dir);
        return -1;
    }
    if (strcmp(opt, "timesync") == 0 && !has_timesync_file(dir)) {
        st_error("ingest", "--timesync %s: no .timesync file in it", dir);
        return -1;
    }
    return 0;
}

/* `sigtrail ingest`: parses the options, checks the --uuidtext and
 * --timesync folders, then ingests each input into the case (files
 * directly, folders and archives through the walker); assumes main has set
 * st_command_line.  Returns the exit status. */
int cmd_ingest(int argc, char **argv)
{
    static const struct option lo[] = {
        {"tz", required_argument, NULL, 't'},
        {"date", required_argument, NULL, 'd'},
        {"year", required_argument, NULL, 'y'},
        {"date-order", required_argument, NULL, 'o'},
        {"format", required_argument, NULL, 'f'},
        {"force", no_argument, NULL, 'F'},
        {"uuidtext", required_argument, NULL, 'U'},
        {"timesync", required_argument, NULL, 'T'},
        {"quiet", no_argument, NULL, 'q'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0}};
    st_ingest_opts o;
    memset(&o, 0, sizeof o);
    const char *uuidtext_dir = NULL, *timesync_dir = NULL;
    int c;
    st_opts_reset();
    while ((c = getopt_long(argc, argv, "qh", lo, NULL)) != -1) {
        switch (c) {
        case 't': o.parse.tz = optarg; break;
        case 'd': o.parse.date = optarg; break;
        case 'y': {
            char *e;
            long y = strtol(optarg, &e, 10);
            if (*e || y < 1970 || y > 2100)
                return st_usage_error("ingest", "--year wants a year such as"
                                      " 2024, not '%s'", optarg);
            o.parse.year = (int)y;
            break;
        }
        case 'o':
            if (strcmp(optarg, "dmy") == 0)
                o.parse.date_order = 'd';
            else if (strcmp(optarg, "mdy") == 0)
                o.parse.date_order = 'm';
            else
                return st_usage_error("ingest", "--date-order is dmy or mdy");
            break;
        case 'f': o.format = optarg; break;
        case 'F': o.force = 1; break;
        case 'U': uuidtext_dir = optarg; break;
        case 'T': timesync_dir = optarg; break;
        case 'q': o.quiet = 1; break;
        case 'h': help(); return ST_EXIT_OK;
        default: return st_usage_error("ingest", "bad option");
        }
    }
    if (argc - optind < 2)
        return st_usage_error("ingest", "needs a case file and at least one "
                              "input");
    /* checked before the case is created, so a typo leaves nothing */
    if ((uuidtext_dir && check_store_dir("uuidtext", uuidtext_dir) < 0) ||
        (timesync_dir && check_store_dir("timesync", timesync_dir) < 0))
        return ST_EXIT_ERROR;
    /* the tracev3 parser takes them over the layout and over
     * $SIGTRAIL_UUIDTEXT / $SIGTRAIL_TIMESYNC (parsers/logarchive.c) */
    if (uuidtext_dir || timesync_dir)
        st_tracev3_set_dirs(uuidtext_dir, timesync_dir);
    const char *case_path = argv[optind];
    st_store *st;
    char err[512];
    if (st_store_open(&st, case_path, ST_STORE_CREATE, err, sizeof err) < 0) {
        st_error("ingest", "%s", err);
        return ST_EXIT_ERROR;
    }
    o.run_id = st_store_run_begin(st, "ingest");
    st_store_group_begin(st, ST_GROUP_SECONDS);
    st_ingest_catch_interrupts(1);
    int bad = 0;
    for (int i = optind + 1; i < argc && !st_ingest_interrupted; i++) {
        if (st_walk_classify(argv[i]) != ST_WALK_FILE) {
            bad += ingest_container(st, argv[i], &o);
            continue;
        }
        st_ingest_result r;
        st_ingest_path(st, argv[i], &o, &r);
        switch (r.status) {
        case ST_INGESTED:
        case ST_INGESTED_PARTIAL:
            printf("ingested %s: %lld records (%s), %lld unparsed, %lld "
                   "warnings, sha256 %s\n", argv[i], (long long)r.records,
                   r.format, (long long)r.unparsed, (long long)r.warnings,
                   r.sha256);
            if (r.status == ST_INGESTED_PARTIAL) {
                st_error("ingest", "%s", r.message);
                bad++;
            }
            break;
        case ST_SKIPPED_DUPLICATE:
            printf("%s\n", r.message);
            break;
        case ST_REJECTED:
            st_error("ingest", "%s", r.message);
            bad++;
            break;
        }
        fflush(stdout);
    }
    if (st_ingest_interrupted) {
        st_error("ingest", "interrupted: %s holds every input reported "
                 "above; the same command finishes the ingest (inputs "
                 "already in the case are skipped)", case_path);
        bad++;
    }
    if (st_store_group_end(st) < 0) {
        st_error("ingest", "%s: %s", case_path, st_store_errmsg(st));
        bad++;
    }
    st_store_run_end(st, o.run_id, st_ingest_interrupted ? "interrupted"
                                   : bad ? "some inputs rejected" : NULL);
    st_ingest_catch_interrupts(0);
    st_store_close(st);
    if (uuidtext_dir || timesync_dir)
        st_tracev3_set_dirs(NULL, NULL);
    return bad ? ST_EXIT_ERROR : ST_EXIT_OK;
}
