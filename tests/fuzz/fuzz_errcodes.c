/*
 * fuzz_errcodes.c -- libFuzzer harness for analyzer/errcodes.c.  Each input
 * is fed to the message scanner, to the argument parser (as a C string) and
 * to the table loader, and the results are checked against the contract in
 * errcodes.h (hits inside the message, in order, not overlapping, known,
 * negative, and parsing back to the same code).  The code table is loaded
 * once: $SIGTRAIL_RULES/errcodes.tsv when that is set, else a small built-in
 * table written to a temporary file (so the file loader runs too).
 */
#include "errcodes.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static st_errcodes *T;

/* Enough of the real table to exercise every scanner path: long and short
 * negative codes, an alias, a code shared by two domains, positive codes. */
static const char builtin[] =
    "# built-in fuzz table\n"
    "code\tname\taliases\tdomain\tdescription\n"
    "-2147409652\tCSSMERR_TP_CERT_REVOKED\t\tCSSM_TP\t\n"
    "-2147408842\tCSSMERR_APPLETP_TRUST_SETTING_DENY\t\tCSSM_APPLETP\tTrust Setting: deny\n"
    "-67062\terrSecCSUnsigned\t\terrSecCS\tcode object is not signed at all\n"
    "-67050\terrSecCSReqFailed\t\terrSecCS\tcode failed to satisfy specified code requirement(s)\n"
    "-67033\terrSecCSDBDenied\terrSecCSSigDBDenied\terrSecCS\tpermission to use a database denied\n"
    "-67030\terrSecCSInfoPlistFailed\t\terrSecCS\tinvalid Info.plist (plist or signature have been modified)\n"
    "-67038\t\t\terrSecCS\t-67038 obsolete (no longer issued)\n"
    "-423\t\t\tAMFI\tThe file is adhoc signed or signed by an unknown certificate chain\n"
    "-50\terrSecParam\t\terrSec\tOne or more parameters passed to a function were not valid.\n"
    "0\terrSecSuccess\t\terrSec\tNo error.\n"
    "4\tLOAD_FAILURE\t\tkernel_load\tMiscellaneous error\n"
    "4\tCODESIGNING_EXIT_REASON_LAUNCH_CONSTRAINT_VIOLATION\t\tkernel_exit_reason\t\n"
    "100021\t\t\terrno\tUNIX[Is a directory]\n";

/* Loads the table once; aborts when even the built-in one fails, since
 * fuzzing without a table would prove nothing. */
int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    char err[512], path[4096];
    if (getenv("SIGTRAIL_RULES") &&
        st_errcodes_default_path(path, sizeof path) &&
        st_errcodes_load(path, &T, err, sizeof err) == 0)
        return 0;
    char tmp[] = "/tmp/fuzz_errcodes.XXXXXX";
    int fd = mkstemp(tmp);
    if (fd < 0 || write(fd, builtin, sizeof builtin - 1) !=
                      (ssize_t)(sizeof builtin - 1)) {
        fprintf(stderr, "fuzz_errcodes: cannot write %s\n", tmp);
        abort();
    }
    close(fd);
    int r = st_errcodes_load(tmp, &T, err, sizeof err);
    unlink(tmp);
    if (r != 0) {
        fprintf(stderr, "fuzz_errcodes: %s\n", err);
        abort();
    }
    return 0;
}

/* What the scan callback checks against. */
typedef struct check_ctx {
    const st_errcodes *t;
    const uint8_t *msg;
    size_t len, prev_end, hits;
} check_ctx;

/* Scan callback: every hit must honour the scanner's contract. */
static int check_hit(const st_errcode_hit *h, void *vctx)
{
    check_ctx *c = vctx;
    if (!h->row || h->row->code != h->code || h->code >= 0 || h->len == 0 ||
        h->off < c->prev_end || h->off > c->len || h->len > c->len - h->off)
        abort();
    c->prev_end = h->off + h->len;
    c->hits++;
    char m[ST_ERRCODES_MAX_NAME + 1];
    if (h->len > ST_ERRCODES_MAX_NAME)
        abort();
    memcpy(m, c->msg + h->off, h->len);
    m[h->len] = '\0';
    st_errcode_arg a;
    if (st_errcodes_parse_arg(c->t, m, &a) != ST_ERRARG_KNOWN ||
        a.code != h->code || a.negated)
        abort();
    if (h->form == ST_ERRFORM_NAME && a.row != h->row)
        abort();
    return 0;
}

/* Scans msg with table t and checks each hit and the returned count. */
static void scan_checked(const st_errcodes *t, const uint8_t *msg, size_t len)
{
    check_ctx c = {t, msg, len, 0, 0};
    size_t n = st_errcodes_scan(t, (const char *)msg, len, check_hit, &c);
    if (n != c.hits || st_errcodes_scan(t, (const char *)msg, len, NULL,
                                        NULL) != n)
        abort();
}

/* One fuzz input: scanner, argument parser and loader in turn; any broken
 * invariant aborts so that libFuzzer records the input. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* 1. The scanner, on the exact bytes (no NUL terminator). */
    uint8_t *msg = malloc(size ? size : 1);
    if (!msg)
        return 0;
    memcpy(msg, data, size);
    scan_checked(T, msg, size);

    /* 2. The argument parser, on the bytes as a C string. */
    char arg[512];
    size_t n = size < sizeof arg - 1 ? size : sizeof arg - 1;
    memcpy(arg, data, n);
    arg[n] = '\0';
    st_errcode_arg a;
    int r = st_errcodes_parse_arg(T, arg, &a);
    if (r == ST_ERRARG_KNOWN &&
        (!a.row || a.row->code != a.code || a.nrows == 0))
        abort();
    if (r == ST_ERRARG_UNKNOWN && (a.row || st_errcodes_find(T, a.code, NULL)))
        abort();

    /* 3. The loader, on the bytes as a table; a table that loads must be
     * self-consistent and scannable. */
    st_errcodes *t = NULL;
    char err[256];
    if (st_errcodes_load_mem("fuzz", (const char *)data, size, &t, err,
                             sizeof err) == 0) {
        for (size_t i = 0; i < st_errcodes_count(t); i++) {
            const st_errcode *e = st_errcodes_at(t, i);
            size_t rows;
            const st_errcode *f = st_errcodes_find(t, e->code, &rows);
            if (!f || f > e || e >= f + rows)
                abort();
            if (e->name[0] &&
                st_errcodes_find_name(t, e->name, strlen(e->name), 0) != e)
                abort();
        }
        scan_checked(t, msg, size);
        st_errcodes_free(t);
    } else if (t != NULL || strchr(err, ':') == NULL) {
        abort();
    }
    free(msg);
    return 0;
}
