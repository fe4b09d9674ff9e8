/*
 * cmd_exercise.c -- `sigtrail exercise run|key|grade PACK`: training packs
 * built on replay.  A pack is a folder with the evidence files, a
 * BRIEFING.md for trainees, a pack.conf (inputs and recommended replay
 * options) and answers.json, the key: the findings `analyze` makes of the
 * inputs.  `grade` scores a trainee's answers against the key; the scoring
 * is documented in docs/replay.md and in `exercise --help`.
 */
#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include <yajl/yajl_tree.h>

#include "analysis.h"
#include "cmd.h"
#include "jsonw.h"
#include "opts.h"
#include "replay.h"

/* Points (docs/replay.md): what a key finding is worth, what a wrong
 * answer costs. */
#define PT_SUBJECT 2.0
#define PT_VERDICT 2.0
#define PT_REASON 1.0
#define PT_EVIDENCE 1.0
#define PEN_REASON 1.0
#define PEN_EVIDENCE 0.5
#define PEN_FALSE 4.0

#define MAX_INPUTS 32
#define MAX_JSON (16 << 20)

/* Prints the usage text on stdout. */
static void help(void)
{
    printf("usage: sigtrail exercise run PACK [REPLAY OPTIONS]\n"
           "       sigtrail exercise key PACK [-o FILE] [--rules DIR]\n"
           "       sigtrail exercise grade PACK ANSWERS.json [--pass N]\n\n"
           "A pack is a folder with the evidence files, BRIEFING.md for "
           "trainees,\npack.conf (inputs and recommended replay options) "
           "and answers.json, the\nkey: [{\"subject\", \"verdict\", "
           "\"reasons\": [...], \"evidence\": [\"file:line\"]}].\n\n"
           "  run    replays the pack's inputs with its options (options "
           "given here win)\n"
           "  key    ingests and analyses the inputs and writes the key "
           "(PACK/answers.json,\n"
           "         or -o FILE, - for standard output)\n"
           "  grade  scores a trainee's answers (same shape) against the "
           "key\n\n"
           "Scoring, per finding of the key: subject %g points, verdict %g, "
           "each reason\n%g, each evidence line %g.  An answer listing a "
           "subject the key does not\nhave costs %g; a reason the key does "
           "not give for that finding %g; an\nevidence line it does not cite "
           "%g.  Score = points - penalties (not below 0)\nas a percentage "
           "of the key's points.  Subjects match when equal (case-\n"
           "insensitive) or when one is the other's .app bundle; evidence "
           "matches by\nfile name and line (\"export.log:168-172\" and "
           "\"a.log:1,4; b.log:9\" are\nexpanded).\n\n"
           "Options:\n"
           "  --pass N          pass mark in percent (default 70)\n"
           "  -o FILE           where `key` writes (default PACK/answers.json)"
           "\n"
           "  --rules DIR|FILE  extra rules for `key` (repeatable)\n"
           "  -h, --help        this help\n\n"
           "Exit status: grade: 0 the score reaches the pass mark, 1 it does "
           "not; run and\nkey: 0 done, 1 nothing to replay or no finding; 2 "
           "usage error, bad pack or\nbad answer file.\n",
           PT_SUBJECT, PT_VERDICT, PT_REASON, PT_EVIDENCE, PEN_FALSE,
           PEN_REASON, PEN_EVIDENCE);
}

/* ---- pack.conf ---------------------------------------------------------- */

typedef struct pack {
    char dir[4096];
    char *inputs[MAX_INPUTS];   /* PACK/name */
    char *names[MAX_INPUTS];    /* as written in pack.conf */
    int ninputs;
    char tz[64], speed[32], max_gap[32], rebase[64], prepare[512];
    int line_numbers;
} pack;

/* Frees the input lists of a loaded pack. */
static void pack_free(pack *p)
{
    for (int i = 0; i < p->ninputs; i++) {
        free(p->inputs[i]);
        free(p->names[i]);
    }
}

/* Trims blanks at both ends in place. */
static char *trim(char *s)
{
    while (isspace((unsigned char)*s))
        s++;
    size_t n = strlen(s);
    while (n && isspace((unsigned char)s[n - 1]))
        s[--n] = 0;
    return s;
}

/* Copies a value into a fixed field; 0, or -1 when it does not fit. */
static int setf(char *dst, size_t n, const char *v)
{
    if (strlen(v) >= n)
        return -1;
    memcpy(dst, v, strlen(v) + 1);
    return 0;
}

/* Reads PACK/pack.conf ("key = value" lines, # comments) and checks that
 * every input is there.  Prints the problem and returns -1 on error. */
static int pack_load(pack *p, const char *dir)
{
    memset(p, 0, sizeof *p);
    snprintf(p->dir, sizeof p->dir, "%s", dir);
    size_t dl = strlen(p->dir);
    while (dl > 1 && p->dir[dl - 1] == '/')
        p->dir[--dl] = 0;
    char path[4200];
    snprintf(path, sizeof path, "%s/pack.conf", p->dir);
    FILE *f = fopen(path, "r");
    if (!f) {
        st_error("exercise", "%s: %s (is %s an exercise pack?)", path,
                 strerror(errno), dir);
        return -1;
    }
    char line[4096];
    int ln = 0, bad = 0;
    while (!bad && fgets(line, sizeof line, f)) {
        ln++;
        char *s = trim(line);
        if (!*s || *s == '#')
            continue;
        char *eq = strchr(s, '=');
        if (!eq) {
            st_error("exercise", "%s:%d: expected key = value", path, ln);
            bad = 1;
            break;
        }
        *eq = 0;
        char *k = trim(s), *v = trim(eq + 1);
        int r = 0;
        if (!strcmp(k, "inputs")) {
            for (char *t = strtok(v, " \t"); t; t = strtok(NULL, " \t")) {
                if (p->ninputs == MAX_INPUTS) {
                    r = -1;
                    break;
                }
                char ip[8200];
                snprintf(ip, sizeof ip, "%s/%s", p->dir, t);
                p->names[p->ninputs] = strdup(t);
                p->inputs[p->ninputs++] = strdup(ip);
            }
        } else if (!strcmp(k, "tz")) {
            r = setf(p->tz, sizeof p->tz, v);
        } else if (!strcmp(k, "speed")) {
            r = setf(p->speed, sizeof p->speed, v);
        } else if (!strcmp(k, "max-gap")) {
            r = setf(p->max_gap, sizeof p->max_gap, v);
        } else if (!strcmp(k, "rebase")) {
            r = setf(p->rebase, sizeof p->rebase, v);
        } else if (!strcmp(k, "prepare")) {
            r = setf(p->prepare, sizeof p->prepare, v);
        } else if (!strcmp(k, "line-numbers")) {
            p->line_numbers = !strcmp(v, "yes") || !strcmp(v, "true") ||
                              !strcmp(v, "1");
        } else if (strcmp(k, "title")) {
            st_error("exercise", "%s:%d: unknown key '%s' (inputs, tz, speed,"
                     " max-gap, rebase, line-numbers, prepare, title)", path,
                     ln, k);
            bad = 1;
        }
        if (r < 0) {
            st_error("exercise", "%s:%d: value of '%s' too long", path, ln, k);
            bad = 1;
        }
    }
    fclose(f);
    if (!bad && !p->ninputs) {
        st_error("exercise", "%s: no `inputs = ...` line", path);
        bad = 1;
    }
    for (int i = 0; !bad && i < p->ninputs; i++) {
        if (access(p->inputs[i], R_OK) == 0)
            continue;
        st_error("exercise", "%s: %s%s%s%s", p->inputs[i], strerror(errno),
                 p->prepare[0] ? "; this pack generates it: in the pack "
                 "folder run `" : "", p->prepare, p->prepare[0] ? "`" : "");
        bad = 1;
    }
    if (bad)
        pack_free(p);
    return bad ? -1 : 0;
}

/* ---- run ---------------------------------------------------------------- */

/* Replays the pack: its options first, so options given here win. */
static int ex_run(int argc, char **argv)
{
    if (argc < 3 || argv[2][0] == '-')
        return st_usage_error("exercise", "run needs a pack folder first: "
                              "exercise run PACK [REPLAY OPTIONS]");
    pack p;
    if (pack_load(&p, argv[2]) < 0)
        return ST_EXIT_ERROR;
    char *av[2 * 8 + MAX_INPUTS + 64];
    int n = 0;
    av[n++] = "replay";
    if (p.speed[0]) {
        av[n++] = "--speed";
        av[n++] = p.speed;
    }
    if (p.max_gap[0]) {
        av[n++] = "--max-gap";
        av[n++] = p.max_gap;
    }
    if (p.rebase[0]) {
        av[n++] = "--rebase";
        av[n++] = p.rebase;
    }
    if (p.tz[0]) {
        av[n++] = "--tz";
        av[n++] = p.tz;
    }
    if (p.line_numbers)
        av[n++] = "--line-numbers";
    av[n++] = "--relative-to";
    av[n++] = p.dir;
    if (argc - 3 > 48) {
        pack_free(&p);
        return st_usage_error("exercise", "too many options");
    }
    for (int i = 3; i < argc; i++)
        av[n++] = argv[i];
    av[n++] = "--";
    for (int i = 0; i < p.ninputs; i++)
        av[n++] = p.inputs[i];
    av[n] = NULL;
    int rc = cmd_replay(n, av);
    pack_free(&p);
    return rc;
}

/* ---- key ---------------------------------------------------------------- */

/* Writes the findings of the analysed case as the key's JSON. */
static int write_key(st_store *st, const char *rel, FILE *f, int *nfound)
{
    sqlite3 *db = st_store_db(st);
    sqlite3_stmt *q, *rq, *eq;
    if (sqlite3_prepare_v2(db, "SELECT id, rule_id, verdict, coalesce("
            "nullif(subject_path, ''), nullif(bundle_id, ''), nullif(uuid, "
            "''), '') FROM findings ORDER BY first_us, id", -1, &q, NULL))
        return -1;
    if (sqlite3_prepare_v2(db, "SELECT DISTINCT value->>'id' FROM findings, "
            "json_each(findings.reasons) WHERE findings.id = ? ORDER BY 1",
            -1, &rq, NULL)) {
        sqlite3_finalize(q);
        return -1;
    }
    if (sqlite3_prepare_v2(db, "SELECT source_id, line, locator, record_id "
            "FROM finding_evidence WHERE finding_id = ?", -1, &eq, NULL)) {
        sqlite3_finalize(q);
        sqlite3_finalize(rq);
        return -1;
    }
    st_buf b = {0};
    st_buf_str(&b, "[");
    int n = 0;
    while (sqlite3_step(q) == SQLITE_ROW) {
        int64_t id = sqlite3_column_int64(q, 0);
        st_buf_str(&b, n++ ? ",\n  {\"rule\": " : "\n  {\"rule\": ");
        st_buf_json(&b, (const char *)sqlite3_column_text(q, 1));
        st_buf_str(&b, ",\n   \"subject\": ");
        st_buf_json(&b, (const char *)sqlite3_column_text(q, 3));
        st_buf_str(&b, ",\n   \"verdict\": ");
        st_buf_json(&b, (const char *)sqlite3_column_text(q, 2));
        st_buf_str(&b, ",\n   \"reasons\": [");
        sqlite3_bind_int64(rq, 1, id);
        for (int k = 0; sqlite3_step(rq) == SQLITE_ROW; k++) {
            st_buf_str(&b, k ? ", " : "");
            st_buf_json(&b, (const char *)sqlite3_column_text(rq, 0));
        }
        sqlite3_reset(rq);
        st_buf_str(&b, "],\n   \"evidence\": [");
        st_rp_ref *refs = NULL;
        int nr = 0, cap = 0;
        sqlite3_bind_int64(eq, 1, id);
        while (sqlite3_step(eq) == SQLITE_ROW) {
            if (nr == cap) {
                cap = cap ? cap * 2 : 16;
                st_rp_ref *nn = realloc(refs, sizeof *nn * (size_t)cap);
                if (!nn)
                    break;
                refs = nn;
            }
            st_rp_ref *x = &refs[nr++];
            memset(x, 0, sizeof *x);
            st_replay_source_name(st, sqlite3_column_int64(eq, 0), rel,
                                  x->file, sizeof x->file);
            const char *loc = (const char *)sqlite3_column_text(eq, 2);
            if (sqlite3_column_type(eq, 1) != SQLITE_NULL &&
                sqlite3_column_int64(eq, 1) > 0 &&
                sqlite3_column_int64(eq, 3) == 0)
                x->line = sqlite3_column_int64(eq, 1);
            else
                snprintf(x->loc, sizeof x->loc, "%s", loc ? loc : "?");
        }
        sqlite3_reset(eq);
        nr = st_rp_refs_sort(refs, nr);
        for (int k = 0; k < nr; k++) {
            char one[700];
            if (refs[k].line > 0)
                snprintf(one, sizeof one, "%s:%lld", refs[k].file,
                         (long long)refs[k].line);
            else
                snprintf(one, sizeof one, "%s:%s", refs[k].file,
                         refs[k].loc);
            st_buf_str(&b, k ? (k % 4 ? ", " : ",\n                ") : "");
            st_buf_json(&b, one);
        }
        free(refs);
        st_buf_str(&b, "]}");
    }
    st_buf_str(&b, n ? "\n]\n" : "]\n");
    sqlite3_finalize(q);
    sqlite3_finalize(rq);
    sqlite3_finalize(eq);
    int rc = fwrite(b.p, 1, b.n, f) == b.n ? 0 : -1;
    st_buf_free(&b);
    *nfound = n;
    return rc;
}

/* Regenerates the key: ingest, analyse, write. */
static int ex_key(int argc, char **argv)
{
    static const struct option lo[] = {
        {"output", required_argument, NULL, 'o'},
        {"rules", required_argument, NULL, 'r'},
        {"no-default-rules", no_argument, NULL, 'N'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0}};
    const char *out = NULL, *extra[32];
    int nextra = 0, nodef = 0, c;
    st_opts_reset();
    while ((c = getopt_long(argc - 1, argv + 1, "o:h", lo, NULL)) != -1) {
        switch (c) {
        case 'o': out = optarg; break;
        case 'r':
            if (nextra == 32)
                return st_usage_error("exercise", "too many --rules");
            extra[nextra++] = optarg;
            break;
        case 'N': nodef = 1; break;
        case 'h': help(); return ST_EXIT_OK;
        default: return st_usage_error("exercise", "bad option");
        }
    }
    if (argc - 1 - optind != 1)
        return st_usage_error("exercise", "key needs one pack folder");
    pack p;
    if (pack_load(&p, argv[1 + optind]) < 0)
        return ST_EXIT_ERROR;
    st_analysis a;
    st_analysis_load(&a, extra, nextra, nodef);
    char err[1024];
    st_store *st = NULL;
    int rc = ST_EXIT_ERROR;
    int64_t nf = 0;
    if (st_replay_open((const char *const *)p.inputs, p.ninputs,
                       p.tz[0] ? p.tz : NULL, 0, &st, err, sizeof err) < 0) {
        st_error("exercise", "%s", err);
        goto done;
    }
    if (st_analysis_run(&a, st, NULL, 0, 1, &nf, NULL) < 0) {
        st_error("exercise", "analysis failed: %s (pack inputs must be "
                 "evidence files, not a case)", st_store_errmsg(st));
        goto done;
    }
    char path[4200];
    if (!out) {
        snprintf(path, sizeof path, "%s/answers.json", p.dir);
        out = path;
    }
    FILE *f = strcmp(out, "-") ? fopen(out, "w") : stdout;
    if (!f) {
        st_error("exercise", "%s: %s", out, strerror(errno));
        goto done;
    }
    int n = 0;
    int w = write_key(st, p.dir, f, &n);
    if (f != stdout && fclose(f) != 0)
        w = -1;
    if (w < 0) {
        st_error("exercise", "%s: could not write the key", out);
        goto done;
    }
    if (f != stdout)
        fprintf(stderr, "exercise key: %d findings written to %s\n", n, out);
    rc = n ? ST_EXIT_OK : ST_EXIT_NONE;
done:
    if (st)
        st_store_close(st);
    st_analysis_free(&a);
    pack_free(&p);
    return rc;
}

/* ---- answers ------------------------------------------------------------ */

typedef struct item {
    char *text;        /* as written (for reports) */
    char *norm;        /* compared form */
    int hit;           /* matched by the other side */
} item;

typedef struct answer {
    char *subject, *verdict;
    item *reasons;
    int nreasons;
    item *ev;
    int nev;
    int match;         /* index on the other side, or -1 */
} answer;

typedef struct answers {
    answer *a;
    int n;
} answers;

/* Frees a list of reasons or evidence references. */
static void items_free(item *it, int n)
{
    for (int i = 0; i < n; i++) {
        free(it[i].text);
        free(it[i].norm);
    }
    free(it);
}

/* Frees an answer set (safe on a partly loaded one). */
static void answers_free(answers *s)
{
    for (int i = 0; i < s->n; i++) {
        free(s->a[i].subject);
        free(s->a[i].verdict);
        items_free(s->a[i].reasons, s->a[i].nreasons);
        items_free(s->a[i].ev, s->a[i].nev);
    }
    free(s->a);
    s->a = NULL;
    s->n = 0;
}

/* Adds an item unless its compared form is already there. */
static int add_item(item **it, int *n, const char *text, const char *norm)
{
    for (int i = 0; i < *n; i++)
        if (!strcmp((*it)[i].norm, norm))
            return 0;
    item *ni = realloc(*it, sizeof *ni * (size_t)(*n + 1));
    if (!ni)
        return -1;
    *it = ni;
    ni[*n].text = strdup(text);
    ni[*n].norm = strdup(norm);
    ni[*n].hit = 0;
    if (!ni[*n].text || !ni[*n].norm)
        return -1;
    (*n)++;
    return 0;
}

/* Adds one evidence reference "file:line" (or "file:locator"); the file
 * is compared by its name, so "db/DetachedSignatures:table code rowid 1"
 * and "DetachedSignatures:table code rowid 1" are the same line. */
static int add_ref(answer *a, const char *file, const char *loc)
{
    const char *base = strrchr(file, '/');
    base = base ? base + 1 : file;
    char text[1200], norm[1200];
    snprintf(text, sizeof text, "%s:%s", file, loc);
    snprintf(norm, sizeof norm, "%s:%s", base, loc);
    return add_item(&a->ev, &a->nev, text, norm);
}

/* Expands one evidence string: "file:N", "file:N-M", "file:a,b-c" and
 * several of these separated by ';'.  Returns 0, or -1 with a message. */
static int parse_evidence(answer *a, const char *s, char *why, size_t wl)
{
    char *copy = strdup(s), *save = NULL;
    if (!copy)
        return -1;
    for (char *grp = strtok_r(copy, ";", &save); grp;
         grp = strtok_r(NULL, ";", &save)) {
        grp = trim(grp);
        if (!*grp)
            continue;
        /* the file part ends at the first ':' after the last '/' */
        char *slash = strrchr(grp, '/');
        char *colon = strchr(slash ? slash : grp, ':');
        if (!colon || colon == grp || !colon[1]) {
            snprintf(why, wl, "evidence \"%s\" is not file:line", s);
            free(copy);
            return -1;
        }
        *colon = 0;
        char *file = trim(grp), *list = colon + 1;
        int numeric = 1;
        for (char *c = list; *c; c++)
            if (!isdigit((unsigned char)*c) && !strchr(",- ", *c))
                numeric = 0;
        if (!numeric) {             /* a record locator: taken whole */
            if (add_ref(a, file, trim(list)) < 0)
                goto oom;
            continue;
        }
        char *s2 = NULL;
        for (char *r = strtok_r(list, ",", &s2); r;
             r = strtok_r(NULL, ",", &s2)) {
            r = trim(r);
            if (!*r)
                continue;
            char *end;
            long long lo = strtoll(r, &end, 10), hi = lo;
            if (*end == '-')
                hi = strtoll(end + 1, &end, 10);
            if (*trim(end) || lo <= 0 || hi < lo || hi - lo > 100000) {
                snprintf(why, wl, "evidence \"%s\": bad line or range \"%s\"",
                         s, r);
                free(copy);
                return -1;
            }
            for (long long l = lo; l <= hi; l++) {
                char num[32];
                snprintf(num, sizeof num, "%lld", l);
                if (add_ref(a, file, num) < 0)
                    goto oom;
            }
        }
    }
    free(copy);
    return 0;
oom:
    free(copy);
    snprintf(why, wl, "out of memory");
    return -1;
}

/* Lower-cased copy of an identifier (verdicts and reasons). */
static char *lower_dup(const char *s)
{
    char *d = strdup(s);
    for (char *p = d; p && *p; p++)
        *p = (char)tolower((unsigned char)*p);
    return d;
}

/* Member of an object by name, or NULL. */
static yajl_val member(yajl_val o, const char *name)
{
    for (size_t i = 0; i < o->u.object.len; i++)
        if (!strcmp(o->u.object.keys[i], name))
            return o->u.object.values[i];
    return NULL;
}

/* Reads an answer file (the key's format).  Prints a clear error naming
 * the file and returns -1 when it is not that shape. */
static int answers_load(const char *path, const char *what, answers *out)
{
    memset(out, 0, sizeof *out);
    FILE *f = strcmp(path, "-") ? fopen(path, "rb") : stdin;
    if (!f) {
        st_error("exercise", "%s: %s", path, strerror(errno));
        return -1;
    }
    char *text = malloc(MAX_JSON + 1);
    size_t n = text ? fread(text, 1, MAX_JSON + 1, f) : 0;
    if (f != stdin)
        fclose(f);
    if (!text || n > MAX_JSON) {
        st_error("exercise", "%s: %s", path, text ? "larger than 16 MiB"
                                                  : "out of memory");
        free(text);
        return -1;
    }
    text[n] = 0;
    if (memchr(text, 0, n)) {
        st_error("exercise", "%s: %s is not JSON text (NUL bytes)", path,
                 what);
        free(text);
        return -1;
    }
    char perr[1024] = "";
    yajl_val root = yajl_tree_parse(text, perr, sizeof perr);
    free(text);
    if (!root) {
        /* yajl's message names the spot on its own lines: indent them */
        fprintf(stderr, "sigtrail exercise: %s: %s is not valid JSON:\n",
                path, what);
        for (char *l = strtok(perr, "\n"); l; l = strtok(NULL, "\n"))
            fprintf(stderr, "    %s\n", l);
        return -1;
    }
    int bad = 0;
    char why[512] = "";
    if (!YAJL_IS_ARRAY(root)) {
        snprintf(why, sizeof why, "expected a JSON array of findings "
                 "[{\"subject\": ..., \"verdict\": ..., \"reasons\": [...], "
                 "\"evidence\": [\"file:line\", ...]}]");
        bad = 1;
    }
    size_t len = bad ? 0 : root->u.array.len;
    out->a = calloc(len ? len : 1, sizeof *out->a);
    for (size_t i = 0; !bad && i < len; i++) {
        yajl_val o = root->u.array.values[i];
        answer *a = &out->a[out->n++];
        a->match = -1;
        if (!YAJL_IS_OBJECT(o)) {
            snprintf(why, sizeof why, "finding %zu: expected an object", i + 1);
            bad = 1;
            break;
        }
        yajl_val sv = member(o, "subject"), vv = member(o, "verdict");
        yajl_val rv = member(o, "reasons"), ev = member(o, "evidence");
        if (!YAJL_IS_STRING(sv) || !*YAJL_GET_STRING(sv)) {
            snprintf(why, sizeof why, "finding %zu: \"subject\" must be a "
                     "non-empty string (the app's path)", i + 1);
            bad = 1;
            break;
        }
        a->subject = strdup(sv->u.string);
        if (vv && !YAJL_IS_NULL(vv) && !YAJL_IS_STRING(vv)) {
            snprintf(why, sizeof why, "finding %zu: \"verdict\" must be a "
                     "string", i + 1);
            bad = 1;
            break;
        }
        a->verdict = YAJL_IS_STRING(vv) ? lower_dup(trim(vv->u.string)) : NULL;
        yajl_val lists[2] = {rv, ev};
        const char *names[2] = {"reasons", "evidence"};
        for (int k = 0; k < 2 && !bad; k++) {
            if (!lists[k] || YAJL_IS_NULL(lists[k]))
                continue;
            if (!YAJL_IS_ARRAY(lists[k])) {
                snprintf(why, sizeof why, "finding %zu: \"%s\" must be an "
                         "array of strings", i + 1, names[k]);
                bad = 1;
                break;
            }
            for (size_t j = 0; j < lists[k]->u.array.len && !bad; j++) {
                yajl_val s = lists[k]->u.array.values[j];
                if (!YAJL_IS_STRING(s)) {
                    snprintf(why, sizeof why, "finding %zu: \"%s\" item %zu "
                             "must be a string", i + 1, names[k], j + 1);
                    bad = 1;
                    break;
                }
                if (k == 0) {
                    char *l = lower_dup(trim(s->u.string));
                    if (!l || add_item(&a->reasons, &a->nreasons,
                                       s->u.string, l) < 0)
                        bad = 1;
                    free(l);
                } else {
                    char w[400];
                    if (parse_evidence(a, s->u.string, w, sizeof w) < 0) {
                        snprintf(why, sizeof why, "finding %zu: %s", i + 1, w);
                        bad = 1;
                    }
                }
            }
        }
    }
    yajl_tree_free(root);
    if (bad) {
        st_error("exercise", "%s: %s: %s", path, what,
                 why[0] ? why : "out of memory");
        answers_free(out);
        return -1;
    }
    return 0;
}

/* ---- grade -------------------------------------------------------------- */

/* Case-insensitive path compare without trailing slashes (macOS volumes
 * are case-insensitive by default). */
static int same_path(const char *a, size_t na, const char *b, size_t nb)
{
    while (na > 1 && a[na - 1] == '/')
        na--;
    while (nb > 1 && b[nb - 1] == '/')
        nb--;
    return na == nb && !strncasecmp(a, b, na);
}

/* Length of the ".app" bundle prefix of a path, or 0. */
static size_t app_prefix(const char *p)
{
    const char *s = strcasestr(p, ".app/");
    if (s)
        return (size_t)(s - p) + 4;
    size_t n = strlen(p);
    return n > 4 && !strcasecmp(p + n - 4, ".app") ? n : 0;
}

/* Subjects match when equal or when one is the other's app bundle. */
static int subject_match(const char *key, const char *ans)
{
    const char *k = key, *a = ans;
    while (isspace((unsigned char)*a))
        a++;
    size_t nk = strlen(k), na = strlen(a);
    while (na && isspace((unsigned char)a[na - 1]))
        na--;
    if (same_path(k, nk, a, na))
        return 1;
    size_t pk = app_prefix(k), pa = app_prefix(a);
    return (pk && same_path(k, pk, a, na)) || (pa && pa <= na &&
                                               same_path(a, pa, k, nk));
}

/* True when a list holds an item with this compared form. */
static int item_has(const item *it, int n, const char *norm)
{
    for (int i = 0; i < n; i++)
        if (!strcmp(it[i].norm, norm))
            return 1;
    return 0;
}

/* Points an answer earns against a key finding, minus its penalties. */
static double pair_points(const answer *k, const answer *a)
{
    double p = PT_SUBJECT;
    if (a->verdict && k->verdict && !strcmp(a->verdict, k->verdict))
        p += PT_VERDICT;
    for (int i = 0; i < a->nreasons; i++)
        p += item_has(k->reasons, k->nreasons, a->reasons[i].norm)
                 ? PT_REASON : -PEN_REASON;
    for (int i = 0; i < a->nev; i++)
        p += item_has(k->ev, k->nev, a->ev[i].norm) ? PT_EVIDENCE
                                                    : -PEN_EVIDENCE;
    return p;
}

/* Points a key finding is worth when answered in full. */
static double worth(const answer *k)
{
    return PT_SUBJECT + PT_VERDICT + PT_REASON * k->nreasons +
           PT_EVIDENCE * k->nev;
}

/* Pairs key findings with answers, best pair first (ties: key order,
 * then answer order), each side used once. */
static void match_answers(answers *key, answers *ans)
{
    for (;;) {
        int bk = -1, ba = -1;
        double best = -1e18;
        for (int i = 0; i < key->n; i++) {
            if (key->a[i].match >= 0)
                continue;
            for (int j = 0; j < ans->n; j++) {
                if (ans->a[j].match >= 0 ||
                    !subject_match(key->a[i].subject, ans->a[j].subject))
                    continue;
                double p = pair_points(&key->a[i], &ans->a[j]);
                if (p > best) {
                    best = p;
                    bk = i;
                    ba = j;
                }
            }
        }
        if (bk < 0)
            return;
        key->a[bk].match = ba;
        ans->a[ba].match = bk;
    }
}

/* One finding's label in the report. */
static void label(const answer *a, char *buf, size_t n)
{
    snprintf(buf, n, "%s (%s)", a->subject, a->verdict ? a->verdict : "no "
             "verdict");
}

/* Scores the answer file against PACK/answers.json and prints what was
 * found, missed and wrong; the points are the PT_ and PEN_ constants. */
static int ex_grade(int argc, char **argv)
{
    static const struct option lo[] = {
        {"pass", required_argument, NULL, 'p'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0}};
    double pass = 70;
    int c;
    st_opts_reset();
    while ((c = getopt_long(argc - 1, argv + 1, "h", lo, NULL)) != -1) {
        switch (c) {
        case 'p': {
            char *end;
            pass = strtod(optarg, &end);
            if (end == optarg || (*end && strcmp(end, "%")) || pass < 0 ||
                pass > 100)
                return st_usage_error("exercise", "--pass wants a percentage "
                                      "from 0 to 100: '%s'", optarg);
            break;
        }
        case 'h': help(); return ST_EXIT_OK;
        default: return st_usage_error("exercise", "bad option");
        }
    }
    if (argc - 1 - optind != 2)
        return st_usage_error("exercise", "grade needs a pack folder and an "
                              "answer file");
    const char *packdir = argv[1 + optind], *afile = argv[2 + optind];
    char kpath[4200];
    snprintf(kpath, sizeof kpath, "%s/answers.json", packdir);
    answers key, ans;
    if (answers_load(kpath, "the key", &key) < 0)
        return ST_EXIT_ERROR;
    if (answers_load(afile, "the answer file", &ans) < 0) {
        answers_free(&key);
        return ST_EXIT_ERROR;
    }
    match_answers(&key, &ans);
    double possible = 0, earned = 0, penalty = 0;
    char l[1200];
    for (int i = 0; i < key.n; i++)
        possible += worth(&key.a[i]);

    /* what was found, what was missed */
    st_buf found = {0}, missed = {0}, wrong = {0};
    for (int i = 0; i < key.n; i++) {
        answer *k = &key.a[i];
        label(k, l, sizeof l);
        if (k->match < 0) {
            st_buf_printf(&missed, "  - finding %s: %d reasons, %d evidence "
                          "lines (%g points)\n", l, k->nreasons, k->nev,
                          worth(k));
            continue;
        }
        answer *a = &ans.a[k->match];
        double got = PT_SUBJECT;
        if (a->verdict && !strcmp(a->verdict, k->verdict ? k->verdict : ""))
            got += PT_VERDICT;
        else
            st_buf_printf(&wrong, "  - verdict of %s: %s (the key says %s)\n",
                          k->subject, a->verdict ? a->verdict : "none given",
                          k->verdict ? k->verdict : "none");
        for (int r = 0; r < a->nreasons; r++) {
            if (item_has(k->reasons, k->nreasons, a->reasons[r].norm)) {
                got += PT_REASON;
                for (int x = 0; x < k->nreasons; x++)
                    if (!strcmp(k->reasons[x].norm, a->reasons[r].norm))
                        k->reasons[x].hit = 1;
            } else {
                penalty += PEN_REASON;
                st_buf_printf(&wrong, "  - reason %s for %s (-%g)\n",
                              a->reasons[r].text, k->subject, PEN_REASON);
            }
        }
        for (int e = 0; e < a->nev; e++) {
            if (item_has(k->ev, k->nev, a->ev[e].norm)) {
                got += PT_EVIDENCE;
                for (int x = 0; x < k->nev; x++)
                    if (!strcmp(k->ev[x].norm, a->ev[e].norm))
                        k->ev[x].hit = 1;
            } else {
                penalty += PEN_EVIDENCE;
                st_buf_printf(&wrong, "  - evidence %s for %s (-%g)\n",
                              a->ev[e].text, k->subject, PEN_EVIDENCE);
            }
        }
        for (int x = 0; x < k->nreasons; x++)
            if (!k->reasons[x].hit)
                st_buf_printf(&missed, "  - reason %s of %s\n",
                              k->reasons[x].text, l);
        /* missed evidence, as compact as the alerts cite it */
        st_rp_ref *refs = calloc((size_t)k->nev + 1, sizeof *refs);
        int nr = 0;
        for (int x = 0; refs && x < k->nev; x++) {
            if (k->ev[x].hit)
                continue;
            const char *t = k->ev[x].text, *sl = strrchr(t, '/');
            const char *co = strchr(sl ? sl : t, ':');
            st_rp_ref *rf = &refs[nr++];
            snprintf(rf->file, sizeof rf->file, "%.*s",
                     (int)(co ? co - t : (long)strlen(t)), t);
            char *end;
            long long ln = co ? strtoll(co + 1, &end, 10) : 0;
            if (co && ln > 0 && !*end)
                rf->line = ln;
            else
                snprintf(rf->loc, sizeof rf->loc, "%s", co ? co + 1 : "");
        }
        if (nr) {
            char list[4096];
            nr = st_rp_refs_sort(refs, nr);
            st_rp_refs_format(refs, nr, list, sizeof list);
            st_buf_printf(&missed, "  - evidence of %s: %s\n", l, list);
        }
        free(refs);
        earned += got;
        st_buf_printf(&found, "  %-7s %s: %g of %g points\n",
                      got >= worth(k) ? "ok" : "partial", l, got, worth(k));
    }
    for (int j = 0; j < ans.n; j++) {
        if (ans.a[j].match >= 0)
            continue;
        label(&ans.a[j], l, sizeof l);
        penalty += PEN_FALSE;
        st_buf_printf(&wrong, "  - false finding %s: not in the key (-%g)\n",
                      l, PEN_FALSE);
    }
    double score = earned - penalty < 0 ? 0 : earned - penalty;
    double pct = possible > 0 ? 100.0 * score / possible : ans.n ? 0 : 100;
    int ok = pct + 1e-9 >= pass;
    int nfound = 0, nfalse = 0;
    for (int i = 0; i < key.n; i++)
        nfound += key.a[i].match >= 0;
    for (int j = 0; j < ans.n; j++)
        nfalse += ans.a[j].match < 0;
    printf("Score: %g of %g points (%.1f%%): %s (pass mark %g%%)\n", score,
           possible, pct, ok ? "PASS" : "FAIL", pass);
    printf("  earned %g, penalties %g; %d of %d findings found, %d false\n",
           earned, penalty, nfound, key.n, nfalse);
    if (found.n)
        printf("\nFound:\n%.*s", (int)found.n, found.p);
    printf("\nMissed:\n%s", missed.n ? "" : "  nothing\n");
    fwrite(missed.p ? missed.p : "", 1, missed.n, stdout);
    printf("\nWrong:\n%s", wrong.n ? "" : "  nothing\n");
    fwrite(wrong.p ? wrong.p : "", 1, wrong.n, stdout);
    st_buf_free(&found);
    st_buf_free(&missed);
    st_buf_free(&wrong);
    answers_free(&key);
    answers_free(&ans);
    return ok ? ST_EXIT_OK : ST_EXIT_NONE;
}

/* Dispatches run, key and grade. */
int cmd_exercise(int argc, char **argv)
{
    if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") ||
        !strcmp(argv[1], "help")) {
        help();
        return argc < 2 ? ST_EXIT_ERROR : ST_EXIT_OK;
    }
    if (!strcmp(argv[1], "run"))
        return ex_run(argc, argv);
    if (!strcmp(argv[1], "key"))
        return ex_key(argc, argv);
    if (!strcmp(argv[1], "grade"))
        return ex_grade(argc, argv);
    return st_usage_error("exercise", "'%s' is not run, key or grade",
                          argv[1]);
}
