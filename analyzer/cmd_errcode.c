/*
 * cmd_errcode.c -- `sigtrail errcode`: explain OSStatus, CSSM, AMFI and
 * kernel codes from rules/errcodes.tsv, list the table, or find the codes
 * mentioned in text.  All knowledge of codes lives in the table; this file
 * only parses options and formats.
 */
#include "cmd.h"
#include "errcodes.h"
#include "opts.h"

#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define CMD "errcode"
/* Longest line --scan looks at; the rest of a longer line is skipped, so
 * memory stays bounded whatever the input. */
#define SCAN_LINE_MAX (1u << 20)

enum out_format { FMT_TEXT, FMT_JSON };

/* Prints the usage text to out. */
static void usage(FILE *out)
{
    fputs("usage: sigtrail errcode [--format text|json] [--table FILE] CODE...\n"
          "       sigtrail errcode --list [DOMAIN...]\n"
          "       sigtrail errcode --scan [FILE...]\n"
          "\n"
          "Explains macOS code-signing error codes: OSStatus (errSecCS*, errSec*),\n"
          "CSSM trust codes (CSSMERR_TP_*, CSSMERR_APPLETP_*), AMFI and kernel codes.\n"
          "CODE is -67030, 67030 (read as -67030 when 67030 is not a code),\n"
          "0xFFFEFA2A (32-bit pattern), -0x105D6, or a name or alias such as\n"
          "errSecCSInfoPlistFailed or CSSMERR_TP_CERT_REVOKED (any case).\n"
          "\n"
          "  --format text|json  output style (json: one object per line)\n"
          "  --table FILE        code table (default $SIGTRAIL_RULES/errcodes.tsv,\n"
          "                      else rules/errcodes.tsv beside the executable)\n"
          "  --list [DOMAIN...]  list the table, or only these domains\n"
          "  --scan [FILE...]    find codes mentioned in text (stdin by default),\n"
          "                      one line per mention with its line and column\n"
          "  -h, --help          this help\n"
          "\n"
          "Exit status: 0 ok, 1 a code was unknown (or --scan found nothing),\n"
          "2 usage or table error.\n",
          out);
}

/* Writes s as a JSON string literal (quotes included); bytes >= 0x80 pass
 * through, so UTF-8 stays UTF-8. */
static void json_str(FILE *out, const char *s, size_t n)
{
    putc('"', out);
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '"' || c == '\\')
            fprintf(out, "\\%c", c);
        else if (c == '\n')
            fputs("\\n", out);
        else if (c == '\t')
            fputs("\\t", out);
        else if (c < 0x20 || c == 0x7f)
            fprintf(out, "\\u%04x", c);
        else
            putc(c, out);
    }
    putc('"', out);
}

/* json_str for a C string. */
static void json_cstr(FILE *out, const char *s)
{
    json_str(out, s, strlen(s));
}

/* Writes the JSON members describing a row, "code" first, without the
 * surrounding braces, so callers can put their own members around them. */
static void json_row_members(FILE *out, const st_errcode *e)
{
    fprintf(out, "\"code\":%d,\"hex\":\"0x%08X\",\"name\":", (int)e->code,
            (unsigned)(uint32_t)e->code);
    json_cstr(out, e->name);
    fputs(",\"aliases\":[", out);
    for (const char *a = e->aliases; *a;) {
        size_t len = strcspn(a, ",");
        if (a != e->aliases)
            putc(',', out);
        json_str(out, a, len);
        a += len + (a[len] == ',');
    }
    fputs("],\"domain\":", out);
    json_cstr(out, e->domain);
    fputs(",\"description\":", out);
    json_cstr(out, e->description);
    fputs(",\"meaning\":", out);
    json_cstr(out, e->meaning);
    fputs(",\"source\":", out);
    json_cstr(out, e->source);
}

/* Writes the first text line of a row: "-67030 (0xFFFEFA2A) name [domain]". */
static void text_head(FILE *out, const st_errcode *e)
{
    fprintf(out, "%d (0x%08X) %s [%s]", (int)e->code,
            (unsigned)(uint32_t)e->code,
            e->name[0] ? e->name : "(no symbolic name)", e->domain);
}

/* Prints one looked-up row in the chosen format; input is the argument as
 * typed and note an explanation of how it was read (may be NULL). */
static void print_row(FILE *out, enum out_format fmt, const st_errcode *e,
                      const char *input, const char *note)
{
    if (fmt == FMT_JSON) {
        fputs("{\"input\":", out);
        json_cstr(out, input);
        putc(',', out);
        json_row_members(out, e);
        if (note) {
            fputs(",\"note\":", out);
            json_cstr(out, note);
        }
        fputs("}\n", out);
        return;
    }
    text_head(out, e);
    putc('\n', out);
    fprintf(out, "    %s\n", e->description[0] ? e->description
                                                : "(no description in the source)");
    if (e->meaning[0])
        fprintf(out, "    meaning: %s\n", e->meaning);
    if (e->aliases[0])
        fprintf(out, "    aliases: %s\n", e->aliases);
    if (note)
        fprintf(out, "    note: %s\n", note);
    if (e->source[0])
        fprintf(out, "    source: %s\n", e->source);
}

/* Looks up each argument and prints it; returns the exit status. */
static int do_lookup(const st_errcodes *t, enum out_format fmt, char **args,
                     int nargs)
{
    int status = ST_EXIT_OK;
    for (int i = 0; i < nargs; i++) {
        st_errcode_arg a;
        int r = st_errcodes_parse_arg(t, args[i], &a);
        if (r == ST_ERRARG_INVALID) {
            st_error(CMD, "%s: not a 32-bit code or a known name", args[i]);
            status = ST_EXIT_NONE;
            continue;
        }
        if (r == ST_ERRARG_UNKNOWN) {
            st_error(CMD, "%s: %d (0x%08X) is not in the table", args[i],
                     (int)a.code, (unsigned)(uint32_t)a.code);
            status = ST_EXIT_NONE;
            continue;
        }
        char note[256];
        const char *np = NULL;
        if (a.negated) {
            snprintf(note, sizeof note, "%d is not a known code; showing %d",
                     -(int)a.code, (int)a.code);
            np = note;
        } else if (a.form == ST_ERRFORM_NAME && a.icase) {
            snprintf(note, sizeof note, "'%.100s' matched ignoring case",
                     args[i]);
            np = note;
        } else if (a.form == ST_ERRFORM_NAME && a.alias) {
            snprintf(note, sizeof note, "%.100s is an alias of %s", args[i],
                     a.row->name);
            np = note;
        }
        for (size_t k = 0; k < a.nrows; k++)
            print_row(stdout, fmt, a.row + k, args[i], np);
    }
    return status;
}

/* Lists the table, or the rows of the given domains (ASCII case ignored);
 * returns the exit status. */
static int do_list(const st_errcodes *t, enum out_format fmt, char **doms,
                   int ndoms)
{
    int status = ST_EXIT_OK;
    for (int d = 0; d < ndoms; d++) {
        size_t i = 0;
        while (i < st_errcodes_count(t) &&
               strcasecmp(st_errcodes_at(t, i)->domain, doms[d]) != 0)
            i++;
        if (i == st_errcodes_count(t)) {
            fprintf(stderr, "sigtrail " CMD ": no domain '%s' in the table "
                    "(domains:", doms[d]);
            /* Each domain once, in table order; at most 32 of them, so a
             * huge --table cannot make this quadratic. */
            const char *seen[32];
            size_t nseen = 0;
            for (size_t k = 0; k < st_errcodes_count(t) && nseen < 32; k++) {
                const char *dk = st_errcodes_at(t, k)->domain;
                size_t j = 0;
                while (j < nseen && strcmp(seen[j], dk) != 0)
                    j++;
                if (j == nseen) {
                    seen[nseen++] = dk;
                    fprintf(stderr, " %s", dk);
                }
            }
            fputs(nseen == 32 ? " ...)\n" : ")\n", stderr);
            status = ST_EXIT_NONE;
        }
    }
    for (size_t i = 0; i < st_errcodes_count(t); i++) {
        const st_errcode *e = st_errcodes_at(t, i);
        int want = ndoms == 0;
        for (int d = 0; d < ndoms && !want; d++)
            want = strcasecmp(e->domain, doms[d]) == 0;
        if (!want)
            continue;
        if (fmt == FMT_JSON) {
            putc('{', stdout);
            json_row_members(stdout, e);
            fputs("}\n", stdout);
        } else {
            printf("%11d 0x%08X %-46s %-18s %s\n", (int)e->code,
                   (unsigned)(uint32_t)e->code,
                   e->name[0] ? e->name : "-", e->domain, e->description);
        }
    }
    return status;
}

/* State shared with the scan callback. */
typedef struct scan_ctx {
    enum out_format fmt;
    const char *file;        /* NULL for stdin */
    const char *line;
    unsigned long lineno;
    size_t hits;
} scan_ctx;

/* Prints one mention found by --scan. */
static int on_hit(const st_errcode_hit *h, void *vctx)
{
    scan_ctx *c = vctx;
    c->hits++;
    if (c->fmt == FMT_JSON) {
        fputs("{\"file\":", stdout);
        if (c->file)
            json_cstr(stdout, c->file);
        else
            fputs("null", stdout);
        printf(",\"line\":%lu,\"column\":%zu,\"mention\":", c->lineno,
               h->off + 1);
        json_str(stdout, c->line + h->off, h->len);
        putc(',', stdout);
        json_row_members(stdout, h->row);
        fputs("}\n", stdout);
        return 0;
    }
    if (c->file)
        printf("%s:", c->file);
    printf("%lu:%zu: ", c->lineno, h->off + 1);
    text_head(stdout, h->row);
    printf(" \"%.*s\"\n", (int)h->len, c->line + h->off);
    return 0;
}

/* Reads one line (without its '\n') into buf, keeping at most cap bytes and
 * dropping the rest; returns its kept length, or -1 at end of input.
 * *cut is set when bytes were dropped. */
static long read_line(FILE *f, char *buf, size_t cap, int *cut)
{
    size_t n = 0;
    int c;
    *cut = 0;
    while ((c = getc_unlocked(f)) != EOF && c != '\n') {
        if (n < cap)
            buf[n++] = (char)c;
        else
            *cut = 1;
    }
    if (c == EOF && n == 0 && !*cut)
        return -1;
    return (long)n;
}

/* Scans one stream line by line; returns 0, or -1 on a read error. */
static int scan_stream(const st_errcodes *t, FILE *f, char *buf,
                       scan_ctx *ctx)
{
    long n;
    int cut;
    ctx->lineno = 0;
    while ((n = read_line(f, buf, SCAN_LINE_MAX, &cut)) >= 0) {
        ctx->lineno++;
        size_t len = (size_t)n;
        if (cut) {
            st_error(CMD, "%s:%lu: longer than %u bytes; only the start "
                     "was scanned", ctx->file ? ctx->file : "-", ctx->lineno,
                     SCAN_LINE_MAX);
            /* Drop a token cut in half, so that "-670301" cut after
             * "-67030" is not reported. */
            while (len > 0 && strchr("0123456789abcdefABCDEFxX_", buf[len - 1]))
                len--;
            while (len > 0 && ((buf[len - 1] >= 'a' && buf[len - 1] <= 'z') ||
                               (buf[len - 1] >= 'A' && buf[len - 1] <= 'Z')))
                len--;
        }
        ctx->line = buf;
        st_errcodes_scan(t, buf, len, on_hit, ctx);
    }
    return ferror(f) ? -1 : 0;
}

/* --scan: scans the files (or stdin); returns the exit status. */
static int do_scan(const st_errcodes *t, enum out_format fmt, char **files,
                   int nfiles)
{
    char *buf = malloc(SCAN_LINE_MAX);
    if (!buf) {
        st_error(CMD, "out of memory");
        return ST_EXIT_ERROR;
    }
    scan_ctx ctx = {.fmt = fmt};
    int status = ST_EXIT_OK;
    if (nfiles == 0) {
        if (scan_stream(t, stdin, buf, &ctx) != 0) {
            st_error(CMD, "error reading standard input");
            status = ST_EXIT_ERROR;
        }
    }
    for (int i = 0; i < nfiles; i++) {
        int is_stdin = strcmp(files[i], "-") == 0;
        FILE *f = is_stdin ? stdin : fopen(files[i], "rb");
        if (!f) {
            st_error(CMD, "%s: cannot open: %s", files[i], strerror(errno));
            status = ST_EXIT_ERROR;
            continue;
        }
        ctx.file = files[i];
        if (scan_stream(t, f, buf, &ctx) != 0) {
            st_error(CMD, "%s: read error", files[i]);
            status = ST_EXIT_ERROR;
        }
        if (!is_stdin)
            fclose(f);
    }
    free(buf);
    if (status == ST_EXIT_OK && ctx.hits == 0)
        status = ST_EXIT_NONE;
    return status;
}

/* Whether arg is a negative number ("-67030", "-0x105D6"), which is a code
 * to look up, not an option. */
static int is_negative_number(const char *arg)
{
    return arg[0] == '-' && arg[1] >= '0' && arg[1] <= '9';
}

/* Entry point; see usage().  argv[0] is "errcode". */
int cmd_errcode(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"format", required_argument, NULL, 'f'},
        {"table", required_argument, NULL, 't'},
        {"list", no_argument, NULL, 'l'},
        {"scan", no_argument, NULL, 's'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0}};
    enum out_format fmt = FMT_TEXT;
    const char *table = NULL;
    int list = 0, scan = 0, help = 0, status = ST_EXIT_ERROR;

    /* getopt would read "-67030" as options -6 -7 ...; hand it only the
     * other arguments and put the negative numbers back in order after. */
    char **fargv = malloc(((size_t)argc + 1) * sizeof *fargv);
    char **pos = malloc(((size_t)argc + 1) * sizeof *pos);
    if (!fargv || !pos) {
        st_error(CMD, "out of memory");
        free(fargv);
        free(pos);
        return ST_EXIT_ERROR;
    }
    int fargc = 0, npos = 0;
    fargv[fargc++] = argc > 0 ? argv[0] : (char *)"errcode";
    for (int i = 1; i < argc; i++)
        if (!is_negative_number(argv[i]))
            fargv[fargc++] = argv[i];
    fargv[fargc] = NULL;

    /* --help wins over anything else on the line, even a bad option. */
    for (int i = 1; i < argc && strcmp(argv[i], "--") != 0; i++)
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0)
            help = 1;
    if (help) {
        usage(stdout);
        status = ST_EXIT_OK;
        goto out;
    }

    st_opts_reset();         /* main parsed its own argv with getopt */
    opterr = 0;              /* our own messages, in the project's format */
    int c;
    while ((c = getopt_long(fargc, fargv, ":f:t:lsh", longopts, NULL)) != -1) {
        switch (c) {
        case 'f':
            if (strcmp(optarg, "text") == 0)
                fmt = FMT_TEXT;
            else if (strcmp(optarg, "json") == 0)
                fmt = FMT_JSON;
            else {
                status = st_usage_error(CMD, "--format must be text or json, "
                                        "not '%s'", optarg);
                goto out;
            }
            break;
        case 't': table = optarg; break;
        case 'l': list = 1; break;
        case 's': scan = 1; break;
        case 'h': help = 1; break;
        case ':':
            status = st_usage_error(CMD, "option '%s' needs a value",
                                    fargv[optind - 1]);
            goto out;
        default:
            if (optopt)
                status = st_usage_error(CMD, "unknown option '-%c'", optopt);
            else
                status = st_usage_error(CMD, "unknown option '%s'",
                                        fargv[optind - 1]);
            goto out;
        }
    }
    /* Original order: the leftovers of getopt keep their relative order,
     * so walk argv and take each argument that is a leftover or a negative
     * number. */
    {
        int k = optind;
        for (int i = 1; i < argc; i++) {
            if (is_negative_number(argv[i]))
                pos[npos++] = argv[i];
            else if (k < fargc && argv[i] == fargv[k])
                pos[npos++] = fargv[k++];
        }
    }
    if (help) {
        usage(stdout);
        status = ST_EXIT_OK;
        goto out;
    }
    if (list && scan) {
        status = st_usage_error(CMD, "--list and --scan do not go together");
        goto out;
    }
    if (!list && !scan && npos == 0) {
        status = st_usage_error(CMD, "give a CODE, or --list or --scan");
        goto out;
    }

    char pathbuf[PATH_MAX + 32], err[512];
    if (!table)
        table = st_errcodes_default_path(pathbuf, sizeof pathbuf);
    if (!table) {
        st_error(CMD, "cannot work out where rules/errcodes.tsv is; set "
                 "SIGTRAIL_RULES or use --table");
        goto out;
    }
    st_errcodes *t;
    if (st_errcodes_load(table, &t, err, sizeof err) != 0) {
        st_error(CMD, "%s", err);
        goto out;
    }
    if (list)
        status = do_list(t, fmt, pos, npos);
    else if (scan)
        status = do_scan(t, fmt, pos, npos);
    else
        status = do_lookup(t, fmt, pos, npos);
    st_errcodes_free(t);
    if (fflush(stdout) != 0 || ferror(stdout)) {
        st_error(CMD, "error writing output");
        status = ST_EXIT_ERROR;
    }
out:
    optind = 1;              /* leave getopt usable for whoever runs next */
    free(fargv);
    free(pos);
    return status;
}
