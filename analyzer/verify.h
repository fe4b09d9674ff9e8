/*
 * verify.h -- offline verification of macOS code signatures: what
 * `codesign -v` would say about a collected Mach-O file, app or framework
 * bundle, or every such item in a folder.
 *
 * Contract:
 *  - Inputs are opened read-only (files are mapped PROT_READ, never
 *    written, never locked); symbolic links are not followed when walking a
 *    folder.  A DetachedSignatures database is read through a private copy
 *    (sqlite_evidence.h), never opened in place.
 *  - For every architecture slice the verifier recomputes, with libcrypto,
 *    every code page hash of every CodeDirectory (primary and alternates),
 *    every bound special slot (Info.plist 1, requirements 2, CodeResources
 *    3, entitlements 5, DER entitlements 7), and for bundles every file
 *    sealed in _CodeSignature/CodeResources (files2/files with hash/hash2,
 *    optional, omit and nested rules): modified, missing and added files.
 *    A CMS signature is parsed to name the signer chain and checked against
 *    the CodeDirectory it signs; the certificate chain is NOT evaluated for
 *    trust (no anchors, no revocation) and results say so.
 *  - An unsigned slice is looked up, like macOS does, in the
 *    DetachedSignatures rows of the case (records of kind
 *    detached_signature, re-read from the ingested database whose SHA-256
 *    must still match) or of a database given directly, by identification:
 *    "UUID" + LC_UUID, or the SHA-1 of the header and load commands.
 *  - Every failure carries the OSStatus macOS gives (ST_VERR_*), named from
 *    the error-code table when one is given.
 *  - Results are handed to a callback one target at a time (a Mach-O file,
 *    or a bundle with its main executable) and are valid only during the
 *    call.  Nothing exits; errors that stop a whole walk are returned.
 *  - Memory and time are bounded: files are mapped, not copied; plists are
 *    limited to ST_VERIFY_MAX_PLIST bytes and their nesting depth; folder
 *    walks to ST_VERIFY_MAX_DEPTH levels; nested code to
 *    ST_VERIFY_MAX_NESTING levels; errors kept per slice to
 *    ST_VERIFY_MAX_ERRORS (all are counted).
 */
#ifndef ST_VERIFY_H
#define ST_VERIFY_H

#include <stddef.h>
#include <stdint.h>

#include "codesig.h"
#include "errcodes.h"
#include "sqlite_evidence.h"
#include "store.h"

/* OSStatus codes the verifier reports (CSCommon.h). */
#define ST_VERR_UNSIGNED             (-67062)
#define ST_VERR_SIGNATURE_FAILED     (-67061)
#define ST_VERR_NOT_VERIFIABLE       (-67060)
#define ST_VERR_SIGNATURE_UNSUPPORTED (-67059)
#define ST_VERR_BAD_DICTIONARY       (-67058)
#define ST_VERR_RESOURCES_INVALID    (-67055)
#define ST_VERR_BAD_RESOURCE         (-67054)
#define ST_VERR_BAD_OBJECT_FORMAT    (-67049)
#define ST_VERR_SIGNATURE_INVALID    (-67045)
#define ST_VERR_INFO_PLIST_FAILED    (-67030)
#define ST_VERR_RESOURCE_DIR_FAILED  (-67023)
#define ST_VERR_BAD_NESTED_CODE      (-67021)

#define ST_VERIFY_MAX_ERRORS  256
#define ST_VERIFY_MAX_PAGES   64       /* page errors listed per slice */
#define ST_VERIFY_MAX_CERTS   8
#define ST_VERIFY_MAX_PLIST   (64u << 20)
#define ST_VERIFY_MAX_DEPTH   64
#define ST_VERIFY_MAX_NESTING 4

enum { ST_VSTATUS_VALID, ST_VSTATUS_INVALID, ST_VSTATUS_UNSIGNED,
       ST_VSTATUS_ERROR };
enum { ST_VLOC_NONE, ST_VLOC_EMBEDDED, ST_VLOC_SYSTEM };
enum { ST_VWHERE_NONE, ST_VWHERE_PAGE, ST_VWHERE_SLOT, ST_VWHERE_FILE };

/* One failure. */
typedef struct st_verify_error {
    int32_t code;            /* ST_VERR_* */
    int where;               /* ST_VWHERE_* */
    int64_t page;            /* code page index (PAGE) */
    int slot;                /* special slot 1..31 (SLOT), Apple's -slot */
    char *file;              /* reported path of the file (FILE) */
    const char *change;      /* FILE: "modified", "missing", "added" */
    char *detail;            /* one sentence */
    char expected[2 * ST_CS_MAX_DIGEST + 1];   /* signed hash (hex) or "" */
    char actual[2 * ST_CS_MAX_DIGEST + 1];     /* recomputed hash or "" */
    const char *hash_type;   /* "sha256" ... or NULL */
} st_verify_error;

/* One certificate of a CMS signature, leaf first. */
typedef struct st_verify_cert {
    char subject_cn[160], org_unit[64], org[160], issuer_cn[160];
    char not_before[32], not_after[32];   /* ISO 8601 UTC */
    int signer;
} st_verify_cert;

/* What one CodeDirectory says. */
typedef struct st_verify_cd {
    uint32_t slot, version, flags, size;
    unsigned hash_type, hash_size;
    uint64_t page_size, code_limit;
    uint32_t n_code, n_special;
    char cdhash[2 * ST_CS_CDHASH_LEN + 1];
    char digest[2 * ST_CS_MAX_DIGEST + 1];
    int execseg;
    uint64_t exec_seg_base, exec_seg_limit, exec_seg_flags;
    int has_runtime;
    uint32_t runtime;
    uint32_t platform;
} st_verify_cd;

/* The result for one architecture slice. */
typedef struct st_verify_slice {
    char arch[32];
    int32_t cputype, cpusubtype;
    uint64_t offset, size;
    int has_uuid;
    char uuid[40];
    char identification[41]; /* hex of the DetachedSignatures key */
    char *identifier, *team_id;
    char cdhash[2 * ST_CS_CDHASH_LEN + 1];   /* strongest CodeDirectory */
    int status, location;
    const char *signature;   /* "adhoc", "cms", "none" */
    uint32_t signature_size;
    size_t ncd;
    st_verify_cd cd[ST_CS_MAX_CDS];
    int requirements;        /* a requirements blob is present */
    uint32_t requirements_count, requirements_size;
    uint32_t entitlements_size, der_entitlements_size;
    int info_bound, resources_bound;
    /* CMS */
    int cms_parsed;          /* the CMS blob decoded */
    int cms_matches;         /* -1 not checked, 0 no, 1 signs the CD */
    char signing_time[32];
    size_t ncerts;
    st_verify_cert certs[ST_VERIFY_MAX_CERTS];
    /* DetachedSignatures row used (location system) */
    char *detached_db, *detached_locator, *detached_created,
         *detached_sign_location;
    int64_t detached_record;  /* records.id in the case, or 0 */
    size_t nerrors, nerrors_total;
    st_verify_error errors[ST_VERIFY_MAX_ERRORS];
    size_t nnotes;
    char *notes[16];
} st_verify_slice;

/* One verified item: a Mach-O file, or a bundle and its main executable. */
typedef struct st_verify_target {
    char *path;              /* reported path: the bundle or the file */
    char *file;              /* reported path of the Mach-O */
    char *local;             /* local path of the Mach-O as opened */
    int is_bundle;
    char *bundle_id, *bundle_version;
    int info_entries;        /* top-level Info.plist keys, -1 when none */
    int sealed_version;      /* 0: no CodeResources */
    int sealed_rules, sealed_files;
    char format[160];        /* "app bundle with Mach-O thin (arm64)" */
    char sha256[65];         /* of the Mach-O file ("" unless hashed) */
    int64_t size;
    int64_t mtime_us;
    int failed;              /* could not be read or decoded at all */
    int32_t fail_code;
    char *fail_detail;
    size_t nslices;
    st_verify_slice *slices;
    /* other files read and bound (Info.plist, CodeResources) */
    size_t ninputs;
    struct { char *path; char sha256[65]; } inputs[4];
} st_verify_target;

/* Called once per target; returns non-zero to stop the walk. */
typedef int (*st_verify_fn)(void *ctx, const st_verify_target *t);

typedef struct st_verify_opts {
    st_store *store;         /* case for DetachedSignatures rows, or NULL */
    const char *system_db;   /* a DetachedSignatures file, or NULL */
    const char *root;        /* prefix removed from reported paths */
    const st_errcodes *codes;/* names for codes, or NULL */
    int hash_files;          /* SHA-256 of each Mach-O (provenance) */
} st_verify_opts;

typedef struct st_verifier st_verifier;

/* A verifier keeps the DetachedSignatures copies it opened between calls;
 * st_verifier_free() removes them. */
st_verifier *st_verifier_new(const st_verify_opts *o);
void st_verifier_free(st_verifier *v);

/* Verifies a path (file, bundle, or folder to walk).  Returns 0, or -1
 * with err set when the path itself cannot be read (each target's own
 * problems are reported through fn, never here). */
int st_verify_path(st_verifier *v, const char *path, st_verify_fn fn,
                   void *ctx, char *err, size_t errlen);

/* Writes one slice (index i) of t as a JSON object into j (an st_json
 * whose top-level object is open and empty).  With summary_first the
 * "summary" key comes first (records: lookups show the start of data). */
void st_verify_json(const st_verify_target *t, size_t i, int summary_first,
                    const st_errcodes *codes, st_json *j);

/* One line saying what was found: "valid on disk (arm64, adhoc, cdhash
 * ...)" or "invalid: Info.plist modified after signing (...)".  Written
 * into buf (cut to fit); returns buf. */
const char *st_verify_summary(const st_verify_target *t, size_t i, char *buf,
                              size_t n);

const char *st_verify_status_name(int status);
const char *st_verify_location_name(int location);

/* ---- XML property lists ------------------------------------------------
 * A small reader for the XML plists code signing uses (Info.plist,
 * CodeResources): dict, array, key, string, data (base64), integer, real,
 * true, false, date; comments, <?xml?> and <!DOCTYPE> are skipped; the five
 * XML entities and numeric character references are decoded.  Bounded:
 * input up to ST_VERIFY_MAX_PLIST bytes, nesting up to ST_PLIST_MAX_DEPTH,
 * at most ST_PLIST_MAX_NODES values.  Binary plists are refused. */
#define ST_PLIST_MAX_DEPTH 32
#define ST_PLIST_MAX_NODES (1 << 21)

enum { ST_PL_DICT = 1, ST_PL_ARRAY, ST_PL_STRING, ST_PL_DATA, ST_PL_INTEGER,
       ST_PL_REAL, ST_PL_TRUE, ST_PL_FALSE, ST_PL_DATE };

typedef struct st_pl_node {
    int type;
    int32_t first, next;     /* children / next sibling, -1 when none */
    const char *key;         /* dict members: decoded key (NUL-terminated) */
    size_t key_len;
    const char *val;         /* strings, dates: decoded text; data: bytes */
    size_t val_len;
    int64_t ival;            /* integers; true = 1 */
    double rval;             /* reals and integers */
} st_pl_node;

typedef struct st_plist {
    st_pl_node *nodes;
    size_t n, cap;
    char *text;              /* decoded strings, keys and data */
    size_t text_n, text_cap;
    int32_t root;
} st_plist;

/* Parses p[0..n).  Returns 0, or -1 with a message ("line 12: ...") in
 * err; st_plist_free() is needed in both cases. */
int st_plist_parse(st_plist *pl, const char *p, size_t n, char *err,
                   size_t errlen);
void st_plist_free(st_plist *pl);
/* The root value, or NULL. */
const st_pl_node *st_plist_root(const st_plist *pl);
/* Member `key` of a dict, or NULL. */
const st_pl_node *st_plist_get(const st_plist *pl, const st_pl_node *dict,
                               const char *key);
/* First child / next sibling, or NULL. */
const st_pl_node *st_plist_first(const st_plist *pl, const st_pl_node *c);
const st_pl_node *st_plist_next(const st_plist *pl, const st_pl_node *c);
/* Number of children of a dict or array. */
size_t st_plist_count(const st_plist *pl, const st_pl_node *c);

#endif
