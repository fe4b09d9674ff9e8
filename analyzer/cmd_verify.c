/*
 * cmd_verify.c -- `sigtrail verify [CASE.db] PATH...`: what `codesign -v`
 * would say about collected binaries and bundles, proven offline (see
 * verify.h).  Text reads like `codesign -dv --verbose=4` followed by
 * `codesign -vv`; JSON is one object per architecture slice.  With a case,
 * unsigned code is looked up in its DetachedSignatures rows and every
 * result is stored as a `verification` record plus a timeline event, the
 * verified file (and the Info.plist / CodeResources it binds) as sources
 * with their SHA-256.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>

#include "cmd.h"
#include "opts.h"
#include "store.h"
#include "verify.h"
#include "version.h"

/* Usage text. */
static void help(void)
{
    printf("usage: sigtrail verify [OPTIONS] [CASE.db] PATH...\n\n"
           "Verifies code signatures offline, as `codesign -v` would on the "
           "Mac: every\ncode page and bound special slot (Info.plist, "
           "requirements, CodeResources,\nentitlements) of every "
           "CodeDirectory of every architecture, and for bundles\nevery file "
           "sealed in _CodeSignature/CodeResources (modified, missing, "
           "added).\nPATH is a Mach-O file (thin or universal), an app or "
           "framework bundle, or a\nfolder to walk.  A CMS signature is "
           "checked against its CodeDirectory and its\nsigner chain named; "
           "the chain is not evaluated for trust.\n\n"
           "With a case (an existing case file first, or --case), unsigned "
           "code is looked\nup in the case's DetachedSignatures rows by "
           "LC_UUID (or header hash) as macOS\ndoes, and each result is "
           "stored as a record of kind `verification` with a\ntimeline "
           "event; inputs are never modified.\n\n"
           "Options:\n"
           "  --case CASE.db      store results in this case (created if "
           "missing)\n"
           "  --system-db FILE    a DetachedSignatures database to look "
           "unsigned code up in\n"
           "  --root DIR          DIR is where the Mac's file system was "
           "copied: reported\n"
           "                      paths drop it (DIR/Applications/X.app -> "
           "/Applications/X.app)\n"
           "  --format text|json  json: one object per line per "
           "architecture\n"
           "  -q, --quiet         print nothing (exit status and the case "
           "only)\n"
           "  -h, --help          this help\n\n"
           "Exit status: 0 everything valid; 1 something invalid or "
           "unsigned; 2 an input\nthat could not be verified (unreadable, "
           "not Mach-O, malformed), usage error\nor store failure.\n");
}

typedef struct vctx {
    int json, quiet;
    const st_errcodes *codes;
    st_store *store;
    int64_t run_id;
    int64_t now_us;
    int worst;               /* exit status so far */
    int store_failed;
    char store_err[300];
    st_json j;
    size_t targets;
} vctx;

/* The table row for a code, or NULL. */
static const st_errcode *code_row(const vctx *c, int32_t code)
{
    size_t n;
    return c->codes ? st_errcodes_find(c->codes, code, &n) : NULL;
}

/* Apple's sentence for a code ("invalid signature (code or signature have
 * been modified)"), or its name, or the number. */
static const char *code_text(const vctx *c, int32_t code, char *buf,
                             size_t n)
{
    const st_errcode *r = code_row(c, code);
    if (r && *r->description)
        return r->description;
    if (r && *r->name)
        return r->name;
    snprintf(buf, n, "error %d", code);
    return buf;
}

/* One error as a detail line under the verdict. */
static void print_error(const vctx *c, const st_verify_error *e)
{
    const st_errcode *r = code_row(c, e->code);
    if (e->where == ST_VWHERE_FILE && e->code == ST_VERR_BAD_RESOURCE) {
        printf("file %s: %s\n", e->change ? e->change : "modified",
               e->file ? e->file : "?");
        printf("  %s\n", e->detail ? e->detail : "");
        return;
    }
    printf("  %d %s: %s\n", e->code, r && *r->name ? r->name : "",
           e->detail ? e->detail : "");
}

/* codesign -dv style description of one slice, then the -vv verdict. */
static void print_text(const vctx *c, const st_verify_target *t, size_t i)
{
    char buf[64];
    const st_verify_slice *s = &t->slices[i];
    printf("Executable=%s\n", t->file ? t->file : t->path);
    if (s->status == ST_VSTATUS_ERROR && !s->ncd) {
        printf("Format=%s\n", t->format);
        if (t->nslices > 1)
            printf("Architecture=%s\n", s->arch);
    } else {
        printf("Identifier=%s\n", s->identifier ? s->identifier
                                                : "(not signed)");
        printf("Format=%s\n", t->format);
        if (t->nslices > 1)
            printf("Architecture=%s\n", s->arch);
    }
    if (s->ncd) {
        const st_verify_cd *p = &s->cd[0];
        char flags[256];
        st_cs_flags_str(p->flags, flags, sizeof flags);
        printf("CodeDirectory v=%x size=%u flags=0x%x(%s) hashes=%u+%u "
               "location=%s\n", p->version, p->size, p->flags,
               flags[0] ? flags : "none", p->n_code, p->n_special,
               st_verify_location_name(s->location));
        if (s->location == ST_VLOC_SYSTEM)
            printf("DetachedSignatures=%s %s (created %s, signed at %s)\n",
                   s->detached_db ? s->detached_db : "?",
                   s->detached_locator ? s->detached_locator : "?",
                   s->detached_created ? s->detached_created : "?",
                   s->detached_sign_location ? s->detached_sign_location
                                             : "?");
        printf("Hash type=%s size=%u\n",
               st_cs_hash_name(p->hash_type) ? st_cs_hash_name(p->hash_type)
                                             : "unknown",
               p->hash_size);
        for (size_t k = 0; k < s->ncd; k++)
            if (s->cd[k].cdhash[0])
                printf("CandidateCDHash %s=%s\n",
                       st_cs_hash_name(s->cd[k].hash_type),
                       s->cd[k].cdhash);
        printf("Hash choices=");
        for (size_t k = 0; k < s->ncd; k++) {
            const char *hn = st_cs_hash_name(s->cd[k].hash_type);
            printf("%s%s", k ? "," : "", hn ? hn : "unknown");
        }
        printf("\n");
        if (s->cdhash[0])
            printf("CDHash=%s\n", s->cdhash);
        if (!strcmp(s->signature, "adhoc")) {
            printf("Signature=adhoc\n");
        } else if (!strcmp(s->signature, "cms")) {
            printf("Signature size=%u\n", s->signature_size);
            for (size_t k = 0; k < s->ncerts; k++)
                printf("Authority=%s\n", s->certs[k].subject_cn);
            if (s->signing_time[0])
                printf("Signed Time=%s\n", s->signing_time);
            printf("Trust=not evaluated (the CMS signature is checked "
                   "against the CodeDirectory;\n      the certificate "
                   "chain is not checked against any anchor)\n");
        } else {
            printf("Signature=none\n");
        }
        if (t->is_bundle && t->info_entries >= 0 && s->info_bound)
            printf("Info.plist entries=%d\n", t->info_entries);
        else
            printf("Info.plist=%s\n", s->info_bound ? "bound" : "not bound");
        printf("TeamIdentifier=%s\n", s->team_id ? s->team_id : "not set");
        if ((p->flags & ST_CS_FLAG_RUNTIME) && p->has_runtime)
            printf("Runtime Version=%u.%u.%u\n", p->runtime >> 16,
                   (p->runtime >> 8) & 0xff, p->runtime & 0xff);
        if (t->sealed_version)
            printf("Sealed Resources version=%d rules=%d files=%d\n",
                   t->sealed_version, t->sealed_rules, t->sealed_files);
        else
            printf("Sealed Resources=none\n");
        if (s->requirements)
            printf("Internal requirements count=%u size=%u\n",
                   s->requirements_count, s->requirements_size);
        else
            printf("Internal requirements=none\n");
    }
    for (size_t k = 0; k < s->nnotes; k++)
        printf("Note: %s\n", s->notes[k]);
    const char *path = t->path;
    switch (s->status) {
    case ST_VSTATUS_VALID:
        printf("%s: valid on disk\n", path);
        break;
    default: {
        int32_t code = s->nerrors ? s->errors[0].code
                                  : ST_VERR_SIGNATURE_FAILED;
        printf("%s: %s\n", path, code_text(c, code, buf, sizeof buf));
        if (t->nslices > 1)
            printf("In architecture: %s\n", s->arch);
        for (size_t k = 0; k < s->nerrors; k++)
            print_error(c, &s->errors[k]);
        if (s->nerrors_total > s->nerrors)
            printf("  (%zu more not listed)\n",
                   s->nerrors_total - s->nerrors);
        break;
    }
    }
}

/* Status of a target for the exit code: 0 valid, 1 invalid/unsigned, 2
 * could not be verified. */
static int target_rc(const st_verify_target *t)
{
    if (t->failed)
        return ST_EXIT_ERROR;
    int rc = ST_EXIT_OK;
    for (size_t i = 0; i < t->nslices; i++) {
        int s = t->slices[i].status;
        if (s == ST_VSTATUS_ERROR)
            return ST_EXIT_ERROR;
        if (s != ST_VSTATUS_VALID)
            rc = ST_EXIT_NONE;
    }
    return rc;
}

/* Event types by status. */
static const char *event_type(int status)
{
    static const char *const n[] = {"verificationValid",
                                    "verificationInvalid",
                                    "verificationUnsigned",
                                    "verificationError"};
    return status >= 0 && status < 4 ? n[status] : "verificationError";
}

/* Stores one target: a source (the Mach-O, its hash), companion sources
 * for the files its signature binds, and per slice a record and an
 * event.  Returns 0 or -1 (store error in c->store_err). */
static int store_target(vctx *c, const st_verify_target *t)
{
    st_store *st = c->store;
    const char *local = t->local ? t->local : t->path;
    st_source_info info = {local, NULL, 0, c->run_id};
    int64_t sid;
    if (st_store_source_begin(st, &info, &sid) < 0)
        goto fail;
    size_t n = t->nslices ? t->nslices : 1;
    for (size_t i = 0; i < n; i++) {
        const st_verify_slice *s = i < t->nslices ? &t->slices[i] : NULL;
        st_json_reset(&c->j);
        st_verify_json(t, i, 1, c->codes, &c->j);
        st_json_cstr(&c->j, "verified_by", "sigtrail " SIGTRAIL_VERSION);
        st_str data = st_json_view(&c->j);
        if (!data.p) {
            snprintf(c->store_err, sizeof c->store_err, "out of memory");
            st_store_source_rollback(st);
            return -1;
        }
        char locator[96], sum[600], msg[1400];
        snprintf(locator, sizeof locator, "verify %s",
                 s ? s->arch : "file");
        st_verify_summary(t, i, sum, sizeof sum);
        snprintf(msg, sizeof msg, "%s (%s): %s", t->path,
                 s ? s->arch : "no architecture", sum);
        st_record rec;
        memset(&rec, 0, sizeof rec);
        rec.kind = "verification";
        rec.locator = (st_str){locator, strlen(locator)};
        rec.has_time = 1;
        rec.time_us = c->now_us;
        rec.path = (st_str){t->path, strlen(t->path)};
        if (s && s->has_uuid)
            rec.uuid = (st_str){s->uuid, strlen(s->uuid)};
        if (t->bundle_id)
            rec.bundle_id = (st_str){t->bundle_id, strlen(t->bundle_id)};
        if (s && s->cdhash[0])
            rec.cdhash = (st_str){s->cdhash, strlen(s->cdhash)};
        if (s && s->team_id)
            rec.team_id = (st_str){s->team_id, strlen(s->team_id)};
        if (s && s->identifier)
            rec.identifier = (st_str){s->identifier, strlen(s->identifier)};
        rec.data_json = data;
        if (st_store_add_record(st, sid, &rec) < 0)
            goto fail_tx;
        st_event ev;
        memset(&ev, 0, sizeof ev);
        ev.byte_offset = -1;
        ev.locator = rec.locator;
        ev.has = ST_HAS_TIME | ST_HAS_OFFSET;
        ev.time_us = c->now_us;
        ev.type = ST_STR_LIT("Verification");
        const char *et = event_type(s ? s->status : ST_VSTATUS_ERROR);
        ev.event_type = (st_str){et, strlen(et)};
        const char *proc = s && s->identifier ? s->identifier
                           : strrchr(t->path, '/') ? strrchr(t->path, '/') + 1
                                                   : t->path;
        ev.process = (st_str){proc, strlen(proc)};
        ev.message = (st_str){msg, strlen(msg)};
        ev.extra_json = data;
        if (st_store_add_event(st, sid, &ev, NULL) < 0)
            goto fail_tx;
    }
    for (size_t k = 0; k < t->ninputs; k++) {
        st_source_info ci = {t->inputs[k].path, NULL, sid, c->run_id};
        st_source_result cr = {t->inputs[k].sha256, -1, "verification",
                               "1", "companion", NULL, 0, 0, 0};
        if (st_store_source_insert(st, &ci, &cr) < 0)
            goto fail_tx;
    }
    st_source_result res = {
        t->sha256, t->size, "verification", "1",
        t->failed ? "error" : "ingested",
        t->failed ? t->fail_detail : NULL, (int64_t)n, 0, 0};
    if (st_store_source_commit(st, sid, &res) < 0)
        goto fail;
    return 0;
fail_tx:
    snprintf(c->store_err, sizeof c->store_err, "%s", st_store_errmsg(st));
    st_store_source_rollback(st);
    return -1;
fail:
    snprintf(c->store_err, sizeof c->store_err, "%s", st_store_errmsg(st));
    return -1;
}

/* Callback for each verified target: print, store, track the exit code. */
static int on_target(void *ctx, const st_verify_target *t)
{
    vctx *c = ctx;
    c->targets++;
    int rc = target_rc(t);
    if (rc > c->worst)
        c->worst = rc;
    if (!c->quiet) {
        if (c->json) {
            size_t n = t->nslices ? t->nslices : 1;
            for (size_t i = 0; i < n; i++) {
                st_json_reset(&c->j);
                st_verify_json(t, i, 0, c->codes, &c->j);
                st_str v = st_json_view(&c->j);
                if (v.p)
                    printf("%.*s\n", (int)v.n, v.p);
            }
        } else if (t->failed) {
            char buf[64];
            printf("%s: %s\n  %d %s: %s\n", t->path,
                   code_text(c, t->fail_code, buf, sizeof buf), t->fail_code,
                   code_row(c, t->fail_code) ? code_row(c, t->fail_code)->name
                                             : "",
                   t->fail_detail ? t->fail_detail : "");
        } else {
            for (size_t i = 0; i < t->nslices; i++) {
                if (c->targets > 1 || i > 0)
                    printf("\n");
                print_text(c, t, i);
            }
        }
        fflush(stdout);
    }
    if (c->store && store_target(c, t) < 0) {
        c->store_failed = 1;
        return 1;
    }
    return 0;
}

/* 1 when the file starts with the SQLite magic (a case, or another
 * database that st_store_open will refuse with a clear message). */
static int looks_like_sqlite(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return 0;
    char head[16];
    size_t k = fread(head, 1, sizeof head, f);
    fclose(f);
    return k == 16 && !memcmp(head, "SQLite format 3", 16);
}

/* The command: options, optional case, each PATH verified in turn. */
int cmd_verify(int argc, char **argv)
{
    static const struct option lo[] = {
        {"case", required_argument, NULL, 'c'},
        {"system-db", required_argument, NULL, 'd'},
        {"root", required_argument, NULL, 'r'},
        {"format", required_argument, NULL, 'f'},
        {"quiet", no_argument, NULL, 'q'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0}};
    vctx c;
    memset(&c, 0, sizeof c);
    st_verify_opts o;
    memset(&o, 0, sizeof o);
    const char *case_path = NULL;
    int opt;
    st_opts_reset();
    while ((opt = getopt_long(argc, argv, "qh", lo, NULL)) != -1) {
        switch (opt) {
        case 'c': case_path = optarg; break;
        case 'd': o.system_db = optarg; break;
        case 'r': o.root = optarg; break;
        case 'q': c.quiet = 1; break;
        case 'f':
            if (!strcmp(optarg, "json")) c.json = 1;
            else if (strcmp(optarg, "text"))
                return st_usage_error("verify", "--format is text or json");
            break;
        case 'h': help(); return ST_EXIT_OK;
        default: return st_usage_error("verify", "bad option");
        }
    }
    int first = optind;
    if (!case_path && argc - first >= 1 && looks_like_sqlite(argv[first])) {
        if (argc - first == 1)
            return st_usage_error("verify", "%s is a database: give the "
                                  "PATHs to verify after it", argv[first]);
        case_path = argv[first++];
    }
    if (first >= argc)
        return st_usage_error("verify", "needs at least one PATH");
    char err[600];
    if (case_path &&
        st_store_open(&c.store, case_path, ST_STORE_CREATE, err,
                      sizeof err) < 0) {
        st_error("verify", "%s", err);
        return ST_EXIT_ERROR;
    }
    char pathbuf[4096];
    const char *table = st_errcodes_default_path(pathbuf, sizeof pathbuf);
    st_errcodes *codes = NULL;
    char cerr[300];
    if (!table || st_errcodes_load(table, &codes, cerr, sizeof cerr) < 0)
        codes = NULL;          /* codes are then shown by number only */
    c.codes = codes;
    o.codes = codes;
    o.store = c.store;
    o.hash_files = c.store != NULL;
    struct timeval tv;
    gettimeofday(&tv, NULL);
    c.now_us = (int64_t)tv.tv_sec * 1000000 + tv.tv_usec;
    if (c.store)
        c.run_id = st_store_run_begin(c.store, "verify");
    st_json_init(&c.j);
    st_verifier *v = st_verifier_new(&o);
    int rc = ST_EXIT_OK;
    if (!v) {
        st_error("verify", "out of memory");
        rc = ST_EXIT_ERROR;
    }
    for (int i = first; v && i < argc && !c.store_failed; i++) {
        if (st_verify_path(v, argv[i], on_target, &c, err, sizeof err) < 0) {
            st_error("verify", "%s", err);
            c.worst = ST_EXIT_ERROR;
        }
    }
    if (c.store_failed) {
        st_error("verify", "cannot store results: %s", c.store_err);
        c.worst = ST_EXIT_ERROR;
    }
    if (rc == ST_EXIT_OK)
        rc = c.worst;
    st_verifier_free(v);
    st_json_free(&c.j);
    if (c.store) {
        st_store_run_end(c.store, c.run_id, NULL);
        st_store_close(c.store);
    }
    st_errcodes_free(codes);
    return rc;
}
