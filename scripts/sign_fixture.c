/*
 * sign_fixture.c -- a small code signer for sigtrail's verification
 * fixtures, written from the format (cs_blobs.h layouts as summarised in
 * shared/reference/CODESIGNING.md): it never calls sigtrail's verifier.
 * The tests pair it with ld64.lld, which signs arm64 output ad hoc on its
 * own, so valid fixtures come from two independent signers.
 *
 *   sign_fixture sign IN OUT [options]      (re)sign a thin Mach-O
 *       --id ID  --team TEAMID  --hash sha1|sha256|sha256-truncated|sha384
 *       (repeat: the first is the primary, the others alternates)
 *       --page-log2 N (12; 0 = one hash for all)  --runtime
 *       --info-plist FILE (slot 1)  --resources FILE (slot 3)
 *       --entitlements FILE (slot 5)  --der-entitlements FILE (slot 7)
 *       --no-requirements  --cms "Common Name" (a CMS signature by a
 *       throw-away certificate chain; team id as the leaf's OU)
 *   sign_fixture bundle APP --exe NAME [sign options]   writes
 *       _CodeSignature/CodeResources in the resource base (APP/Contents/,
 *       APP/Versions/Current/ or APP/: app, framework, shallow bundle)
 *       with the standard rules, files and files2, nested code and symbolic
 *       links, and signs the main executable with Info.plist and
 *       CodeResources bound
 *   sign_fixture fat OUT THIN...              a universal binary
 *   sign_fixture detached DB MACHO [--id ID] [--location PATH]
 *       [--created TEXT] [--hash ...]         stores a signature for an
 *       unsigned Mach-O in a DetachedSignatures database (created if
 *       missing), one code row per architecture
 *   sign_fixture copy-uuid SRC DST            DST gets SRC's LC_UUID
 *   sign_fixture set-uuid IN OUT UUID         OUT: IN with another LC_UUID
 *   sign_fixture strip-uuid IN OUT            OUT: IN without LC_UUID
 *   sign_fixture synth OUT BYTES [SEED]       a large unsigned arm64
 *       Mach-O (for the benchmark)
 *   sign_fixture hostile DIR SRC              malformed variants of SRC
 *
 * Exit status 0, or 1 with a message on stderr.
 */
#include <dirent.h>
#include <errno.h>
#include <openssl/cms.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/x509.h>
#include <regex.h>
#include <sqlite3.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "codesig.h"
#include "macho.h"

/* ---- byte buffers ------------------------------------------------------ */

typedef struct buf {
    uint8_t *p;
    size_t n, cap;
    int oom;
} buf;

/* Makes room for k more bytes; returns 0 or -1 (sticky oom). */
static int reserve(buf *b, size_t k)
{
    if (b->oom)
        return -1;
    if (b->n + k <= b->cap)
        return 0;
    size_t nc = b->cap ? b->cap : 4096;
    while (nc < b->n + k)
        nc *= 2;
    uint8_t *np = realloc(b->p, nc);
    if (!np) {
        b->oom = 1;
        return -1;
    }
    b->p = np;
    b->cap = nc;
    return 0;
}

/* Appends bytes. */
static void put(buf *b, const void *s, size_t k)
{
    if (reserve(b, k) == 0) {
        if (k)
            memcpy(b->p + b->n, s, k);
        b->n += k;
    }
}

/* Appends k zero bytes. */
static void zeros(buf *b, size_t k)
{
    if (reserve(b, k) == 0) {
        memset(b->p + b->n, 0, k);
        b->n += k;
    }
}

/* Appends a big-endian u32 (code-signing blobs are big-endian). */
static void be32(buf *b, uint32_t v)
{
    uint8_t x[4] = {(uint8_t)(v >> 24), (uint8_t)(v >> 16), (uint8_t)(v >> 8),
                    (uint8_t)v};
    put(b, x, 4);
}

/* Writes a big-endian u32 at p. */
static void set_be32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

/* Writes a little-endian u32 at p (the Mach-O images built here are
 * little-endian: arm64, x86_64). */
static void set_le32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
    p[2] = (uint8_t)(v >> 16);
    p[3] = (uint8_t)(v >> 24);
}

/* Writes a little-endian u64 at p. */
static void set_le64(uint8_t *p, uint64_t v)
{
    set_le32(p, (uint32_t)v);
    set_le32(p + 4, (uint32_t)(v >> 32));
}

/* Reads a little-endian u32 at p. */
static uint32_t get_le32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
           (uint32_t)p[3] << 24;
}

/* Reports an error; returns -1 for `return fail(...)`. */
__attribute__((format(printf, 1, 2)))
static int fail(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "sign_fixture: ");
    vfprintf(stderr, fmt, ap);
    fprintf(stderr, "\n");
    va_end(ap);
    return -1;
}

/* Reads a whole file. */
static int read_file(const char *path, buf *b)
{
    memset(b, 0, sizeof *b);
    FILE *f = fopen(path, "rb");
    if (!f)
        return fail("%s: %s", path, strerror(errno));
    uint8_t tmp[65536];
    size_t k;
    while ((k = fread(tmp, 1, sizeof tmp, f)) > 0)
        put(b, tmp, k);
    int bad = ferror(f) || b->oom;
    fclose(f);
    return bad ? fail("%s: read error", path) : 0;
}

/* Writes a whole file (mode 0755 so binaries look like binaries). */
static int write_file(const char *path, const uint8_t *p, size_t n)
{
    FILE *f = fopen(path, "wb");
    if (!f)
        return fail("%s: %s", path, strerror(errno));
    int bad = n && fwrite(p, 1, n, f) != n;
    if (fclose(f) != 0 || bad)
        return fail("%s: write error", path);
    chmod(path, 0755);
    return 0;
}

/* ---- digests ----------------------------------------------------------- */

/* Digest with a CodeDirectory hash type; returns the full length. */
static size_t digest(unsigned type, const void *p, size_t n, uint8_t *out)
{
    const EVP_MD *md = type == 1 ? EVP_sha1() : type == 4 ? EVP_sha384()
                                                          : EVP_sha256();
    unsigned len = 0;
    if (EVP_Digest(p, n, out, &len, md, NULL) != 1)
        return 0;
    return len;
}

/* Slot hash size of a hash type. */
static unsigned hsize(unsigned type)
{
    return type == 1 || type == 3 ? 20 : type == 4 ? 48 : 32;
}

/* CodeDirectory hash type of a --hash name, 0 when unknown. */
static unsigned hash_type_of(const char *s)
{
    if (!strcmp(s, "sha1")) return 1;
    if (!strcmp(s, "sha256")) return 2;
    if (!strcmp(s, "sha256-truncated")) return 3;
    if (!strcmp(s, "sha384")) return 4;
    return 0;
}

/* ---- signing options and components ------------------------------------ */

typedef struct signopts {
    const char *id, *team, *info, *resources, *ents, *der, *cms_name;
    unsigned hashes[5];
    int nhashes;
    unsigned page_log2;
    int requirements, runtime;
    /* detached-database options */
    const char *location, *created;
} signopts;

/* The blobs a signature carries besides its CodeDirectories. */
typedef struct comps {
    buf info, resources;     /* bound files (not embedded) */
    int has_info, has_resources;
    buf req, ents, der;      /* embedded blobs, header included */
    int has_req, has_ents, has_der;
    unsigned n_special;
} comps;

/* Frees the components' buffers. */
static void free_comps(comps *c)
{
    free(c->info.p);
    free(c->resources.p);
    free(c->req.p);
    free(c->ents.p);
    free(c->der.p);
    memset(c, 0, sizeof *c);
}

/* Wraps payload bytes in a blob header. */
static void wrap_blob(buf *out, uint32_t magic, const buf *payload)
{
    memset(out, 0, sizeof *out);
    be32(out, magic);
    be32(out, (uint32_t)(8 + payload->n));
    put(out, payload->p, payload->n);
}

/* Reads the files the options name into components. */
static int load_comps(const signopts *o, comps *c)
{
    memset(c, 0, sizeof *c);
    if (o->info) {
        if (read_file(o->info, &c->info) < 0)
            return -1;
        c->has_info = 1;
        c->n_special = 1;
    }
    if (o->requirements) {
        /* an empty requirement set, as codesign writes for ad hoc code */
        be32(&c->req, ST_CS_MAGIC_REQUIREMENTS);
        be32(&c->req, 12);
        be32(&c->req, 0);
        c->has_req = 1;
        c->n_special = 2;
    }
    if (o->resources) {
        if (read_file(o->resources, &c->resources) < 0)
            return -1;
        c->has_resources = 1;
        c->n_special = 3;
    }
    buf raw;
    if (o->ents) {
        if (read_file(o->ents, &raw) < 0)
            return -1;
        wrap_blob(&c->ents, ST_CS_MAGIC_ENTITLEMENTS, &raw);
        free(raw.p);
        c->has_ents = 1;
        c->n_special = 5;
    }
    if (o->der) {
        if (read_file(o->der, &raw) < 0)
            return -1;
        wrap_blob(&c->der, ST_CS_MAGIC_DER_ENTITLEMENTS, &raw);
        free(raw.p);
        c->has_der = 1;
        c->n_special = 7;
    }
    return 0;
}

/* Facts about the image that go into the CodeDirectory. */
typedef struct imageinfo {
    uint64_t text_off, text_size;
    int main_binary;
} imageinfo;

/* Header size for a CodeDirectory version. */
static uint32_t cd_header(uint32_t version)
{
    return version >= 0x20500 ? 96 : 88;
}

/* Exact size of one CodeDirectory. */
static size_t cd_size(const signopts *o, const comps *c, unsigned type,
                      uint64_t limit)
{
    uint32_t version = o->runtime ? 0x20500 : 0x20400;
    uint64_t ps = o->page_log2 ? (uint64_t)1 << o->page_log2 : 0;
    uint64_t ncode = ps ? (limit + ps - 1) / ps : (limit ? 1 : 0);
    return cd_header(version) + strlen(o->id) + 1 +
           (o->team ? strlen(o->team) + 1 : 0) +
           (c->n_special + ncode) * hsize(type);
}

#define CMS_RESERVE 9000

/* Exact size of the SuperBlob, with room reserved for a CMS signature. */
static size_t sig_size(const signopts *o, const comps *c, uint64_t limit)
{
    size_t count = (size_t)o->nhashes + c->has_req + c->has_ents +
                   c->has_der + 1;
    size_t n = 12 + 8 * count;
    for (int i = 0; i < o->nhashes; i++)
        n += cd_size(o, c, o->hashes[i], limit);
    n += c->req.n + c->ents.n + c->der.n;
    n += 8 + (o->cms_name ? CMS_RESERVE : 0);
    return n;
}

/* Builds one CodeDirectory over code[0..limit). */
static void build_cd(buf *out, const signopts *o, const comps *c,
                     unsigned type, const uint8_t *code, uint64_t limit,
                     const imageinfo *im)
{
    uint32_t version = o->runtime ? 0x20500 : 0x20400;
    uint32_t hdr = cd_header(version);
    unsigned hs = hsize(type);
    uint64_t ps = o->page_log2 ? (uint64_t)1 << o->page_log2 : 0;
    uint64_t ncode = ps ? (limit + ps - 1) / ps : (limit ? 1 : 0);
    size_t idl = strlen(o->id) + 1, tl = o->team ? strlen(o->team) + 1 : 0;
    uint32_t hash_off = (uint32_t)(hdr + idl + tl + c->n_special * hs);
    uint32_t flags = (o->cms_name ? 0 : ST_CS_FLAG_ADHOC) |
                     (o->runtime ? ST_CS_FLAG_RUNTIME : 0);
    size_t start = out->n;
    be32(out, ST_CS_MAGIC_CODEDIRECTORY);
    be32(out, 0);                                  /* length, below */
    be32(out, version);
    be32(out, flags);
    be32(out, hash_off);
    be32(out, hdr);                                /* identOffset */
    be32(out, c->n_special);
    be32(out, (uint32_t)ncode);
    be32(out, limit > UINT32_MAX ? 0 : (uint32_t)limit);
    uint8_t b4[4] = {(uint8_t)hs, (uint8_t)type, 0, (uint8_t)o->page_log2};
    put(out, b4, 4);
    be32(out, 0);                                  /* spare2 */
    be32(out, 0);                                  /* scatterOffset */
    be32(out, o->team ? (uint32_t)(hdr + idl) : 0);
    be32(out, 0);                                  /* spare3 */
    be32(out, (uint32_t)((limit > UINT32_MAX ? limit : 0) >> 32));
    be32(out, (uint32_t)(limit > UINT32_MAX ? limit : 0));
    be32(out, (uint32_t)(im->text_off >> 32));
    be32(out, (uint32_t)im->text_off);
    be32(out, (uint32_t)(im->text_size >> 32));
    be32(out, (uint32_t)im->text_size);
    be32(out, 0);
    be32(out, im->main_binary ? 1 : 0);            /* CS_EXECSEG_MAIN_BINARY */
    if (version >= 0x20500) {
        be32(out, 0x000e0000);                     /* runtime 14.0.0 */
        be32(out, 0);
    }
    put(out, o->id, idl);
    if (o->team)
        put(out, o->team, tl);
    /* special slots, highest first: -n .. -1 */
    uint8_t dg[64];
    for (unsigned k = c->n_special; k >= 1; k--) {
        const buf *src = NULL;
        int have = 0;
        switch (k) {
        case 1: src = &c->info; have = c->has_info; break;
        case 2: src = &c->req; have = c->has_req; break;
        case 3: src = &c->resources; have = c->has_resources; break;
        case 5: src = &c->ents; have = c->has_ents; break;
        case 7: src = &c->der; have = c->has_der; break;
        default: break;
        }
        if (have) {
            digest(type, src->p ? src->p : (const uint8_t *)"", src->n, dg);
            put(out, dg, hs);
        } else {
            zeros(out, hs);
        }
    }
    for (uint64_t i = 0; i < ncode; i++) {
        uint64_t off = i * ps, len = ps ? limit - off : limit;
        if (ps && len > ps)
            len = ps;
        digest(type, code + off, (size_t)len, dg);
        put(out, dg, hs);
    }
    if (!out->oom)
        set_be32(out->p + start + 4, (uint32_t)(out->n - start));
}

/* ---- a throw-away certificate chain for CMS signatures ----------------- */

/* A certificate for subject (cn, ou) signed by issuer (or self). */
static X509 *make_cert(EVP_PKEY *key, const char *cn, const char *ou,
                       const char *org, X509 *issuer, EVP_PKEY *issuer_key,
                       long serial)
{
    X509 *x = X509_new();
    if (!x)
        return NULL;
    X509_set_version(x, 2);
    ASN1_INTEGER_set(X509_get_serialNumber(x), serial);
    ASN1_TIME_set_string(X509_getm_notBefore(x), "20240101000000Z");
    ASN1_TIME_set_string(X509_getm_notAfter(x), "20300101000000Z");
    X509_set_pubkey(x, key);
    X509_NAME *nm = X509_get_subject_name(x);
    X509_NAME_add_entry_by_txt(nm, "CN", MBSTRING_UTF8,
                               (const unsigned char *)cn, -1, -1, 0);
    if (ou)
        X509_NAME_add_entry_by_txt(nm, "OU", MBSTRING_UTF8,
                                   (const unsigned char *)ou, -1, -1, 0);
    X509_NAME_add_entry_by_txt(nm, "O", MBSTRING_UTF8,
                               (const unsigned char *)org, -1, -1, 0);
    X509_NAME_add_entry_by_txt(nm, "C", MBSTRING_UTF8,
                               (const unsigned char *)"US", -1, -1, 0);
    X509_set_issuer_name(x, issuer ? X509_get_subject_name(issuer) : nm);
    if (!X509_sign(x, issuer ? issuer_key : key, EVP_sha256())) {
        X509_free(x);
        return NULL;
    }
    return x;
}

/* CMS SignedData (detached) over cd[0..n) by a leaf named cn with the
 * team id as OU, issued by a throw-away root. */
static int cms_sign(const char *cn, const char *team, const uint8_t *cd,
                    size_t n, buf *out)
{
    int rc = -1;
    EVP_PKEY *rk = EVP_EC_gen("P-256"), *lk = EVP_EC_gen("P-256");
    X509 *root = rk ? make_cert(rk, "Fixture Root CA", NULL,
                                "sigtrail fixtures", NULL, NULL, 1) : NULL;
    X509 *leaf = lk && root ? make_cert(lk, cn, team, "sigtrail fixtures",
                                        root, rk, 2) : NULL;
    STACK_OF(X509) *chain = sk_X509_new_null();
    BIO *in = BIO_new_mem_buf(cd, (int)n);
    CMS_ContentInfo *ci = NULL;
    if (leaf && chain && in && sk_X509_push(chain, root))
        ci = CMS_sign(leaf, lk, chain, in,
                      CMS_DETACHED | CMS_BINARY | CMS_NOSMIMECAP);
    unsigned char *der = NULL;
    int len = ci ? i2d_CMS_ContentInfo(ci, &der) : -1;
    if (len > 0 && len <= CMS_RESERVE) {
        memset(out, 0, sizeof *out);
        put(out, der, (size_t)len);
        rc = out->oom ? -1 : 0;
    } else {
        fail("CMS signing failed");
    }
    OPENSSL_free(der);
    CMS_ContentInfo_free(ci);
    BIO_free(in);
    sk_X509_free(chain);
    X509_free(leaf);
    X509_free(root);
    EVP_PKEY_free(lk);
    EVP_PKEY_free(rk);
    return rc;
}

/* One SuperBlob index entry and its blob (magic: wrap the bytes). */
typedef struct sbitem {
    uint32_t type;
    const buf *b;
    uint32_t magic;
} sbitem;

/* Builds the SuperBlob over code[0..limit) into out; `total` (0 = exact)
 * pads it with zeros to the size reserved in the image. */
static int build_signature(buf *out, const signopts *o, const comps *c,
                           const uint8_t *code, uint64_t limit,
                           const imageinfo *im, size_t total)
{
    buf cds[5];
    memset(cds, 0, sizeof cds);
    for (int i = 0; i < o->nhashes; i++)
        build_cd(&cds[i], o, c, o->hashes[i], code, limit, im);
    buf cms;
    memset(&cms, 0, sizeof cms);
    if (o->cms_name && cms_sign(o->cms_name, o->team, cds[0].p, cds[0].n,
                                &cms) < 0)
        return -1;
    sbitem items[12];
    size_t k = 0;
    items[k++] = (sbitem){0, &cds[0], 0};
    if (c->has_req)
        items[k++] = (sbitem){2, &c->req, 0};
    if (c->has_ents)
        items[k++] = (sbitem){5, &c->ents, 0};
    if (c->has_der)
        items[k++] = (sbitem){7, &c->der, 0};
    for (int i = 1; i < o->nhashes; i++)
        items[k++] = (sbitem){0x1000 + (uint32_t)i - 1, &cds[i], 0};
    items[k++] = (sbitem){0x10000, &cms, ST_CS_MAGIC_BLOBWRAPPER};
    memset(out, 0, sizeof *out);
    be32(out, ST_CS_MAGIC_EMBEDDED_SIGNATURE);
    be32(out, 0);
    be32(out, (uint32_t)k);
    uint32_t off = (uint32_t)(12 + 8 * k);
    for (size_t i = 0; i < k; i++) {
        be32(out, items[i].type);
        be32(out, off);
        off += (uint32_t)(items[i].b->n + (items[i].magic ? 8 : 0));
    }
    for (size_t i = 0; i < k; i++) {
        if (items[i].magic) {
            be32(out, items[i].magic);
            be32(out, (uint32_t)(8 + items[i].b->n));
        }
        put(out, items[i].b->p, items[i].b->n);
    }
    if (!out->oom)
        set_be32(out->p + 4, (uint32_t)out->n);
    if (total > out->n)
        zeros(out, total - out->n);
    for (int i = 0; i < o->nhashes; i++)
        free(cds[i].p);
    free(cms.p);
    return out->oom ? fail("out of memory") : 0;
}

/* ---- embedding --------------------------------------------------------- */

/* Signs the thin Mach-O img in place: replaces its signature (or adds
 * LC_CODE_SIGNATURE in the header padding), grows __LINKEDIT over it. */
static int sign_image(buf *img, const signopts *o)
{
    st_macho m;
    if (st_macho_parse(img->p, img->n, &m) == ST_MACHO_INVALID)
        return fail("not a usable thin Mach-O: %s", m.problems[0]);
    if (m.big_endian)
        return fail("big-endian Mach-O not supported");
    if (!m.linkedit.present)
        return fail("no __LINKEDIT segment");
    uint64_t limit;
    uint32_t lc;
    if (m.sig_cmd_offset) {
        limit = m.sig_offset;
        lc = m.sig_cmd_offset;
        img->n = (size_t)limit;
    } else {
        uint64_t end = (uint64_t)m.header_size + m.sizeofcmds;
        if (m.first_data < end + 16)
            return fail("no room in the header for LC_CODE_SIGNATURE");
        lc = (uint32_t)end;
        set_le32(img->p + lc, ST_LC_CODE_SIGNATURE);
        set_le32(img->p + lc + 4, 16);
        set_le32(img->p + 16, m.ncmds + 1);
        set_le32(img->p + 20, m.sizeofcmds + 16);
        limit = (img->n + 15) & ~(uint64_t)15;
        zeros(img, (size_t)(limit - img->n));
    }
    comps c;
    if (load_comps(o, &c) < 0) {
        free_comps(&c);
        return -1;
    }
    size_t total = (sig_size(o, &c, limit) + 15) & ~(size_t)15;
    set_le32(img->p + lc + 8, (uint32_t)limit);
    set_le32(img->p + lc + 12, (uint32_t)total);
    uint64_t lfs = limit + total - m.linkedit.fileoff;
    uint64_t lvm = (lfs + 0x3fff) & ~(uint64_t)0x3fff;
    uint8_t *seg = img->p + m.linkedit.cmd_offset;
    if (m.is64) {
        set_le64(seg + 32, lvm);
        set_le64(seg + 48, lfs);
    } else {
        set_le32(seg + 28, (uint32_t)lvm);
        set_le32(seg + 36, (uint32_t)lfs);
    }
    imageinfo im = {m.text.fileoff, m.text.filesize, m.filetype == 2};
    buf sig;
    int rc = build_signature(&sig, o, &c, img->p, limit, &im, total);
    if (rc == 0)
        put(img, sig.p, sig.n);
    free(sig.p);
    free_comps(&c);
    return rc == 0 && !img->oom ? 0 : -1;
}

/* ---- option parsing ---------------------------------------------------- */

/* Parses sign options from argv[i..]; returns 0 or -1. */
static int parse_sign_opts(int argc, char **argv, int i, signopts *o)
{
    memset(o, 0, sizeof *o);
    o->page_log2 = 12;
    o->requirements = 1;
    for (; i < argc; i++) {
        const char *a = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!strcmp(a, "--runtime")) { o->runtime = 1; continue; }
        if (!strcmp(a, "--no-requirements")) { o->requirements = 0; continue; }
        if (!v)
            return fail("%s needs a value (or is unknown)", a);
        i++;
        if (!strcmp(a, "--id")) o->id = v;
        else if (!strcmp(a, "--team")) o->team = v;
        else if (!strcmp(a, "--info-plist")) o->info = v;
        else if (!strcmp(a, "--resources")) o->resources = v;
        else if (!strcmp(a, "--entitlements")) o->ents = v;
        else if (!strcmp(a, "--der-entitlements")) o->der = v;
        else if (!strcmp(a, "--cms")) o->cms_name = v;
        else if (!strcmp(a, "--location")) o->location = v;
        else if (!strcmp(a, "--created")) o->created = v;
        else if (!strcmp(a, "--page-log2")) o->page_log2 = (unsigned)atoi(v);
        else if (!strcmp(a, "--hash")) {
            unsigned t = hash_type_of(v);
            if (!t || o->nhashes == 5)
                return fail("bad --hash %s", v);
            o->hashes[o->nhashes++] = t;
        } else {
            return fail("unknown option %s", a);
        }
    }
    if (!o->nhashes)
        o->hashes[o->nhashes++] = 2;
    if (o->page_log2 > 24)
        return fail("--page-log2 too large");
    return 0;
}

/* sign IN OUT [options] */
static int cmd_sign(int argc, char **argv)
{
    if (argc < 4)
        return fail("usage: sign IN OUT [options]");
    signopts o;
    if (parse_sign_opts(argc, argv, 4, &o) < 0)
        return -1;
    if (!o.id) {
        const char *s = strrchr(argv[3], '/');
        o.id = s ? s + 1 : argv[3];
    }
    buf img;
    if (read_file(argv[2], &img) < 0)
        return -1;
    int rc = sign_image(&img, &o);
    if (rc == 0)
        rc = write_file(argv[3], img.p, img.n);
    free(img.p);
    return rc;
}

/* ---- bundles: CodeResources -------------------------------------------- */

/* Apple's standard resource rules (rules and rules2) as plist text. */
static const char rules_v1[] =
    "\t<key>rules</key>\n\t<dict>\n"
    "\t\t<key>^Resources/</key>\n\t\t<true/>\n"
    "\t\t<key>^Resources/.*\\.lproj/</key>\n\t\t<dict>\n"
    "\t\t\t<key>optional</key>\n\t\t\t<true/>\n"
    "\t\t\t<key>weight</key>\n\t\t\t<real>1000</real>\n\t\t</dict>\n"
    "\t\t<key>^Resources/.*\\.lproj/locversion.plist$</key>\n\t\t<dict>\n"
    "\t\t\t<key>omit</key>\n\t\t\t<true/>\n"
    "\t\t\t<key>weight</key>\n\t\t\t<real>1100</real>\n\t\t</dict>\n"
    "\t\t<key>^Resources/Base\\.lproj/</key>\n\t\t<dict>\n"
    "\t\t\t<key>weight</key>\n\t\t\t<real>1010</real>\n\t\t</dict>\n"
    "\t\t<key>^version.plist$</key>\n\t\t<true/>\n"
    "\t</dict>\n";

typedef struct stdrule {
    const char *re;
    double weight;
    int omit, optional, nested;
} stdrule;

static const stdrule rules2[] = {
    {".*\\.dSYM($|/)", 11, 0, 0, 0},
    {"^(.*/)?\\.DS_Store$", 2000, 1, 0, 0},
    {"^(Frameworks|SharedFrameworks|PlugIns|Plug-ins|XPCServices|Helpers|"
     "MacOS|Library/(Automator|Spotlight|LoginItems))/", 10, 0, 0, 1},
    {"^.*", 1, 0, 0, 0},
    {"^Info\\.plist$", 20, 1, 0, 0},
    {"^PkgInfo$", 20, 1, 0, 0},
    {"^Resources/", 20, 0, 0, 0},
    {"^Resources/.*\\.lproj/", 1000, 0, 1, 0},
    {"^Resources/.*\\.lproj/locversion.plist$", 1100, 1, 0, 0},
    {"^Resources/Base\\.lproj/", 1010, 0, 0, 0},
    {"^[^/]+$", 10, 0, 0, 1},
    {"^embedded\\.provisionprofile$", 20, 0, 0, 0},
    {"^version\\.plist$", 20, 0, 0, 0},
};
#define NRULES2 (sizeof rules2 / sizeof *rules2)

/* Appends text. */
static void puts_b(buf *b, const char *s)
{
    put(b, s, strlen(s));
}

/* Appends base64 of p[0..n). */
static void base64(buf *b, const uint8_t *p, size_t n)
{
    static const char a[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    for (size_t i = 0; i < n; i += 3) {
        uint32_t v = (uint32_t)p[i] << 16;
        if (i + 1 < n) v |= (uint32_t)p[i + 1] << 8;
        if (i + 2 < n) v |= p[i + 2];
        char o[4] = {a[v >> 18], a[(v >> 12) & 63],
                     i + 1 < n ? a[(v >> 6) & 63] : '=',
                     i + 2 < n ? a[v & 63] : '='};
        put(b, o, 4);
    }
}

/* Appends a plist key with XML escaping of & < >. */
static void xml_key(buf *b, const char *indent, const char *k)
{
    puts_b(b, indent);
    puts_b(b, "<key>");
    for (const char *s = k; *s; s++) {
        if (*s == '&') puts_b(b, "&amp;");
        else if (*s == '<') puts_b(b, "&lt;");
        else if (*s == '>') puts_b(b, "&gt;");
        else put(b, s, 1);
    }
    puts_b(b, "</key>\n");
}

/* One entry of the bundle walk. */
typedef struct entry {
    char *rel;
    int kind;                /* 0 file, 1 symlink, 2 nested code */
} entry;

typedef struct bwalk {
    const char *base, *exe_rel;
    regex_t re[NRULES2];
    entry *e;
    size_t n, cap;
} bwalk;

/* Best rule for a relative path, or -1. */
static int best_rule(const bwalk *w, const char *rel)
{
    int best = -1;
    for (size_t i = 0; i < NRULES2; i++)
        if (regexec(&w->re[i], rel, 0, NULL, 0) == 0 &&
            (best < 0 || rules2[i].weight > rules2[best].weight))
            best = (int)i;
    return best;
}

/* Sort order of directory entries. */
static int name_cmp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Collects what the standard rules seal under base/rel. */
static int collect(bwalk *w, const char *rel)
{
    char dir[4096];
    snprintf(dir, sizeof dir, "%s%s%s", w->base, *rel ? "/" : "", rel);
    DIR *d = opendir(dir);
    if (!d)
        return fail("%s: %s", dir, strerror(errno));
    char *names[1024];
    size_t n = 0;
    struct dirent *de;
    while ((de = readdir(d)) && n < 1024)
        if (strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
            names[n++] = strdup(de->d_name);
    closedir(d);
    qsort(names, n, sizeof *names, name_cmp);
    int rc = 0;
    for (size_t i = 0; i < n; i++) {
        char r[4096], full[8192];
        snprintf(r, sizeof r, "%s%s%s", rel, *rel ? "/" : "", names[i]);
        snprintf(full, sizeof full, "%s/%s", w->base, r);
        struct stat st;
        if (lstat(full, &st) < 0 || (!*rel && !strcmp(r, "_CodeSignature")) ||
            !strcmp(r, w->exe_rel)) {
            free(names[i]);
            continue;
        }
        int rule = best_rule(w, r);
        if (S_ISDIR(st.st_mode)) {
            if (rc == 0)
                rc = collect(w, r);
        } else if (rule >= 0 && !rules2[rule].omit) {
            if (w->n == w->cap) {
                w->cap = w->cap ? w->cap * 2 : 64;
                w->e = realloc(w->e, w->cap * sizeof *w->e);
            }
            w->e[w->n].rel = strdup(r);
            w->e[w->n].kind = S_ISLNK(st.st_mode) ? 1
                              : rules2[rule].nested ? 2 : 0;
            w->n++;
        }
        free(names[i]);
    }
    return rc;
}

/* cdhash (of its strongest CodeDirectory) of a signed Mach-O file. */
static int file_cdhash(const char *path, uint8_t out[20])
{
    buf f;
    if (read_file(path, &f) < 0)
        return -1;
    st_macho m;
    int rc = -1;
    if (st_macho_parse(f.p, f.n, &m) != ST_MACHO_INVALID && m.has_signature) {
        st_codesig *cs = malloc(sizeof *cs);
        if (cs) {
            st_codesig_parse(f.p + m.sig_offset, m.sig_size, cs);
            if (cs->best >= 0) {
                memcpy(out, cs->cd[cs->best].cdhash, 20);
                rc = 0;
            }
            free(cs);
        }
    }
    free(f.p);
    return rc < 0 ? fail("%s: nested code is not signed", path) : 0;
}

/* Writes CodeResources for the bundle whose resource base is `base`. */
static int write_code_resources(const char *base, const char *exe_rel,
                                const char *out_path)
{
    bwalk w;
    memset(&w, 0, sizeof w);
    w.base = base;
    w.exe_rel = exe_rel;
    for (size_t i = 0; i < NRULES2; i++)
        regcomp(&w.re[i], rules2[i].re, REG_EXTENDED | REG_NOSUB);
    int rc = collect(&w, "");
    buf b;
    memset(&b, 0, sizeof b);
    puts_b(&b, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
               "<!DOCTYPE plist PUBLIC \"-//Apple//DTD PLIST 1.0//EN\" "
               "\"http://www.apple.com/DTDs/PropertyList-1.0.dtd\">\n"
               "<plist version=\"1.0\">\n<dict>\n");
    /* files: version 1, SHA-1 of what the v1 rules cover (Resources/) */
    puts_b(&b, "\t<key>files</key>\n\t<dict>\n");
    for (size_t i = 0; rc == 0 && i < w.n; i++) {
        if (w.e[i].kind != 0 || strncmp(w.e[i].rel, "Resources/", 10))
            continue;
        char full[8192];
        snprintf(full, sizeof full, "%s/%s", base, w.e[i].rel);
        buf f;
        if (read_file(full, &f) < 0) {
            rc = -1;
            break;
        }
        uint8_t d1[20];
        digest(1, f.p ? f.p : (const uint8_t *)"", f.n, d1);
        free(f.p);
        xml_key(&b, "\t\t", w.e[i].rel);
        int opt = strstr(w.e[i].rel, ".lproj/") != NULL;
        if (opt)
            puts_b(&b, "\t\t<dict>\n\t\t\t<key>hash</key>\n\t\t\t<data>\n"
                       "\t\t\t");
        else
            puts_b(&b, "\t\t<data>\n\t\t");
        base64(&b, d1, 20);
        if (opt)
            puts_b(&b, "\n\t\t\t</data>\n\t\t\t<key>optional</key>\n"
                       "\t\t\t<true/>\n\t\t</dict>\n");
        else
            puts_b(&b, "\n\t\t</data>\n");
    }
    puts_b(&b, "\t</dict>\n\t<key>files2</key>\n\t<dict>\n");
    for (size_t i = 0; rc == 0 && i < w.n; i++) {
        char full[8192];
        snprintf(full, sizeof full, "%s/%s", base, w.e[i].rel);
        xml_key(&b, "\t\t", w.e[i].rel);
        puts_b(&b, "\t\t<dict>\n");
        if (w.e[i].kind == 1) {
            char target[4096];
            ssize_t k = readlink(full, target, sizeof target - 1);
            target[k > 0 ? k : 0] = 0;
            puts_b(&b, "\t\t\t<key>symlink</key>\n\t\t\t<string>");
            puts_b(&b, target);
            puts_b(&b, "</string>\n");
        } else if (w.e[i].kind == 2) {
            uint8_t h[20];
            if (file_cdhash(full, h) < 0) {
                rc = -1;
                break;
            }
            char hex[41];
            for (int k = 0; k < 20; k++)
                sprintf(hex + 2 * k, "%02x", h[k]);
            puts_b(&b, "\t\t\t<key>cdhash</key>\n\t\t\t<data>\n\t\t\t");
            base64(&b, h, 20);
            puts_b(&b, "\n\t\t\t</data>\n\t\t\t<key>requirement</key>\n"
                       "\t\t\t<string>cdhash H\"");
            puts_b(&b, hex);
            puts_b(&b, "\"</string>\n");
        } else {
            buf f;
            if (read_file(full, &f) < 0) {
                rc = -1;
                break;
            }
            uint8_t d1[20], d2[32];
            digest(1, f.p ? f.p : (const uint8_t *)"", f.n, d1);
            digest(2, f.p ? f.p : (const uint8_t *)"", f.n, d2);
            free(f.p);
            puts_b(&b, "\t\t\t<key>hash</key>\n\t\t\t<data>\n\t\t\t");
            base64(&b, d1, 20);
            puts_b(&b, "\n\t\t\t</data>\n\t\t\t<key>hash2</key>\n"
                       "\t\t\t<data>\n\t\t\t");
            base64(&b, d2, 32);
            puts_b(&b, "\n\t\t\t</data>\n");
            if (strstr(w.e[i].rel, ".lproj/"))
                puts_b(&b, "\t\t\t<key>optional</key>\n\t\t\t<true/>\n");
        }
        puts_b(&b, "\t\t</dict>\n");
    }
    puts_b(&b, "\t</dict>\n");
    puts_b(&b, rules_v1);
    puts_b(&b, "\t<key>rules2</key>\n\t<dict>\n");
    for (size_t i = 0; i < NRULES2; i++) {
        xml_key(&b, "\t\t", rules2[i].re);
        if (rules2[i].weight == 1 && !rules2[i].omit && !rules2[i].optional &&
            !rules2[i].nested) {
            puts_b(&b, "\t\t<true/>\n");
            continue;
        }
        puts_b(&b, "\t\t<dict>\n");
        if (rules2[i].nested)
            puts_b(&b, "\t\t\t<key>nested</key>\n\t\t\t<true/>\n");
        if (rules2[i].omit)
            puts_b(&b, "\t\t\t<key>omit</key>\n\t\t\t<true/>\n");
        if (rules2[i].optional)
            puts_b(&b, "\t\t\t<key>optional</key>\n\t\t\t<true/>\n");
        char wt[64];
        snprintf(wt, sizeof wt, "\t\t\t<key>weight</key>\n\t\t\t<real>%g"
                 "</real>\n", rules2[i].weight);
        puts_b(&b, wt);
        puts_b(&b, "\t\t</dict>\n");
    }
    puts_b(&b, "\t</dict>\n</dict>\n</plist>\n");
    if (rc == 0)
        rc = write_file(out_path, b.p, b.n);
    if (rc == 0)
        chmod(out_path, 0644);
    for (size_t i = 0; i < w.n; i++)
        free(w.e[i].rel);
    free(w.e);
    for (size_t i = 0; i < NRULES2; i++)
        regfree(&w.re[i]);
    free(b.p);
    return rc;
}

/* bundle APP --exe NAME [sign options] */
static int cmd_bundle(int argc, char **argv)
{
    if (argc < 3)
        return fail("usage: bundle APP --exe NAME [options]");
    const char *app = argv[2], *exe = NULL;
    /* --exe is ours; the rest are sign options */
    char *rest[64];
    int nr = 0;
    rest[nr++] = argv[0];
    rest[nr++] = argv[1];
    rest[nr++] = argv[2];
    rest[nr++] = argv[2];
    for (int i = 3; i < argc && nr < 63; i++) {
        if (!strcmp(argv[i], "--exe") && i + 1 < argc)
            exe = argv[++i];
        else
            rest[nr++] = argv[i];
    }
    if (!exe)
        return fail("bundle needs --exe NAME");
    signopts o;
    if (parse_sign_opts(nr, rest, 4, &o) < 0)
        return -1;
    char base[4096], exe_rel[512], exe_path[8192], cs_dir[4200], cr[4300],
        info[4200];
    /* app-style (Contents/), versioned framework (Versions/Current/, its
     * Info.plist in Resources/) or shallow bundle */
    struct stat st;
    snprintf(base, sizeof base, "%s/Contents", app);
    int kind = stat(base, &st) == 0 && S_ISDIR(st.st_mode) ? 1 : 0;
    if (!kind) {
        snprintf(base, sizeof base, "%s/Versions/Current", app);
        kind = stat(base, &st) == 0 && S_ISDIR(st.st_mode) ? 2 : 3;
        if (kind == 3)
            snprintf(base, sizeof base, "%s", app);
    }
    snprintf(exe_rel, sizeof exe_rel, "%s%s", kind == 1 ? "MacOS/" : "", exe);
    snprintf(exe_path, sizeof exe_path, "%s/%s", base, exe_rel);
    snprintf(cs_dir, sizeof cs_dir, "%s/_CodeSignature", base);
    snprintf(cr, sizeof cr, "%s/CodeResources", cs_dir);
    snprintf(info, sizeof info, "%s/%sInfo.plist", base,
             kind == 2 ? "Resources/" : "");
    mkdir(cs_dir, 0755);
    if (write_code_resources(base, exe_rel, cr) < 0)
        return -1;
    o.info = info;
    o.resources = cr;
    if (!o.id)
        o.id = exe;
    buf img;
    if (read_file(exe_path, &img) < 0)
        return -1;
    int rc = sign_image(&img, &o);
    if (rc == 0)
        rc = write_file(exe_path, img.p, img.n);
    free(img.p);
    return rc;
}

/* ---- universal binaries ------------------------------------------------ */

/* fat OUT THIN... */
static int cmd_fat(int argc, char **argv)
{
    if (argc < 4)
        return fail("usage: fat OUT THIN...");
    int n = argc - 3;
    buf out;
    memset(&out, 0, sizeof out);
    be32(&out, ST_MACHO_FAT_MAGIC);
    be32(&out, (uint32_t)n);
    buf *in = calloc((size_t)n, sizeof *in);
    uint64_t off = 0x4000;
    int rc = 0;
    for (int i = 0; i < n && rc == 0; i++) {
        if (read_file(argv[3 + i], &in[i]) < 0 || in[i].n < 12) {
            rc = -1;
            break;
        }
        be32(&out, get_le32(in[i].p + 4));          /* cputype */
        be32(&out, get_le32(in[i].p + 8));          /* cpusubtype */
        be32(&out, (uint32_t)off);
        be32(&out, (uint32_t)in[i].n);
        be32(&out, 14);
        off = (off + in[i].n + 0x3fff) & ~(uint64_t)0x3fff;
    }
    for (int i = 0; i < n && rc == 0; i++) {
        size_t at = (out.n + 0x3fff) & ~(size_t)0x3fff;
        zeros(&out, at - out.n);
        put(&out, in[i].p, in[i].n);
    }
    if (rc == 0)
        rc = out.oom ? fail("out of memory")
                     : write_file(argv[2], out.p, out.n);
    for (int i = 0; i < n; i++)
        free(in[i].p);
    free(in);
    free(out.p);
    return rc;
}

/* ---- DetachedSignatures ------------------------------------------------ */

static const char detached_schema[] =
    "create table if not exists code (\n"
    "    id integer primary key on conflict replace autoincrement not null,\n"
    "    global integer null references global (id),\n"
    "    identifier text not null,\n"
    "    architecture integer,\n"
    "    identification blob not null unique on conflict replace,\n"
    "    signature blob not null,\n"
    "    created text default current_timestamp\n"
    ");\n"
    "create index if not exists identifier_index on code (identifier);\n"
    "create index if not exists architecture_index on code (architecture);\n"
    "create index if not exists id_index on code (identification);\n"
    "create table if not exists global (\n"
    "    id integer primary key on conflict replace autoincrement not null,\n"
    "    sign_location text not null,\n"
    "    signature blob null\n"
    ");\n"
    "create index if not exists location_index on global (sign_location);\n";

/* Identification as macOS computes it (machorep.cpp): "UUID" + LC_UUID,
 * else SHA-1 of the 28-byte mach_header and the load commands.  Written
 * here independently of sigtrail's st_macho_identification. */
static void identification(const uint8_t *p, const st_macho *m,
                           uint8_t out[20])
{
    if (m->has_uuid) {
        memcpy(out, "UUID", 4);
        memcpy(out + 4, p + m->uuid_cmd_offset + 8, 16);
        return;
    }
    EVP_MD_CTX *c = EVP_MD_CTX_new();
    unsigned len;
    EVP_DigestInit_ex(c, EVP_sha1(), NULL);
    EVP_DigestUpdate(c, p, 28);
    EVP_DigestUpdate(c, p + m->header_size, m->sizeofcmds);
    EVP_DigestFinal_ex(c, out, &len);
    EVP_MD_CTX_free(c);
}

/* detached DB MACHO [options] */
static int cmd_detached(int argc, char **argv)
{
    if (argc < 4)
        return fail("usage: detached DB MACHO [options]");
    signopts o;
    if (parse_sign_opts(argc, argv, 4, &o) < 0)
        return -1;
    if (!o.id) {
        const char *s = strrchr(argv[3], '/');
        o.id = s ? s + 1 : argv[3];
    }
    buf f;
    if (read_file(argv[3], &f) < 0)
        return -1;
    st_macho_fat fat;
    st_macho_fat_parse(f.p, f.n, &fat);
    sqlite3 *db = NULL;
    int rc = -1;
    if (fat.nslices == 0) {
        fail("%s: not a Mach-O", argv[3]);
        goto out;
    }
    if (sqlite3_open(argv[2], &db) != SQLITE_OK ||
        sqlite3_exec(db, detached_schema, NULL, NULL, NULL) != SQLITE_OK) {
        fail("%s: %s", argv[2], db ? sqlite3_errmsg(db) : "cannot open");
        goto out;
    }
    sqlite3_stmt *g, *c;
    sqlite3_prepare_v2(db, "INSERT INTO global(sign_location, signature) "
                       "VALUES(?1, NULL)", -1, &g, NULL);
    sqlite3_prepare_v2(db, "INSERT INTO code(global, identifier, "
                       "architecture, identification, signature, created) "
                       "VALUES(?1, ?2, ?3, ?4, ?5, coalesce(?6, "
                       "CURRENT_TIMESTAMP))", -1, &c, NULL);
    sqlite3_bind_text(g, 1, o.location ? o.location : argv[3], -1,
                      SQLITE_STATIC);
    if (sqlite3_step(g) != SQLITE_DONE) {
        fail("insert global: %s", sqlite3_errmsg(db));
        goto stmts;
    }
    int64_t gid = sqlite3_last_insert_rowid(db);
    rc = 0;
    for (size_t i = 0; i < fat.nslices && rc == 0; i++) {
        const uint8_t *p = f.p + fat.slices[i].offset;
        size_t n = (size_t)fat.slices[i].size;
        st_macho m;
        if (st_macho_parse(p, n, &m) == ST_MACHO_INVALID) {
            rc = fail("slice %zu is not a usable Mach-O", i);
            break;
        }
        comps cp;
        if (load_comps(&o, &cp) < 0) {
            free_comps(&cp);
            rc = -1;
            break;
        }
        imageinfo im = {m.text.fileoff, m.text.filesize, m.filetype == 2};
        buf sig;
        /* a detached signature covers the whole (unsigned) slice */
        rc = build_signature(&sig, &o, &cp, p, n, &im, 0);
        uint8_t id[20];
        identification(p, &m, id);
        if (rc == 0) {
            sqlite3_reset(c);
            sqlite3_bind_int64(c, 1, gid);
            sqlite3_bind_text(c, 2, o.id, -1, SQLITE_STATIC);
            sqlite3_bind_int64(c, 3, m.cputype);
            sqlite3_bind_blob(c, 4, id, 20, SQLITE_TRANSIENT);
            sqlite3_bind_blob(c, 5, sig.p, (int)sig.n, SQLITE_TRANSIENT);
            if (o.created)
                sqlite3_bind_text(c, 6, o.created, -1, SQLITE_STATIC);
            else
                sqlite3_bind_null(c, 6);
            if (sqlite3_step(c) != SQLITE_DONE)
                rc = fail("insert code: %s", sqlite3_errmsg(db));
        }
        free(sig.p);
        free_comps(&cp);
    }
stmts:
    sqlite3_finalize(g);
    sqlite3_finalize(c);
out:
    if (db)
        sqlite3_close(db);
    free(f.p);
    return rc;
}

/* ---- other fixtures ---------------------------------------------------- */

/* copy-uuid SRC DST: DST's LC_UUID becomes SRC's (in place). */
static int cmd_copy_uuid(int argc, char **argv)
{
    if (argc != 4)
        return fail("usage: copy-uuid SRC DST");
    buf a, b;
    if (read_file(argv[2], &a) < 0 || read_file(argv[3], &b) < 0)
        return -1;
    st_macho ma, mb;
    int rc = -1;
    if (st_macho_parse(a.p, a.n, &ma) == ST_MACHO_INVALID || !ma.has_uuid ||
        st_macho_parse(b.p, b.n, &mb) == ST_MACHO_INVALID || !mb.has_uuid)
        fail("both files need an LC_UUID");
    else {
        memcpy(b.p + mb.uuid_cmd_offset + 8, ma.uuid, 16);
        rc = write_file(argv[3], b.p, b.n);
    }
    free(a.p);
    free(b.p);
    return rc;
}

/* set-uuid IN OUT UUID: OUT is IN with LC_UUID set to UUID (hex, dashes
 * allowed); strip-uuid IN OUT: OUT is IN without its LC_UUID command (the
 * header then identifies itself by the SHA-1 of its load commands). */
static int cmd_uuid_edit(int argc, char **argv, int strip)
{
    if (argc != (strip ? 4 : 5))
        return fail(strip ? "usage: strip-uuid IN OUT"
                          : "usage: set-uuid IN OUT UUID");
    buf b;
    if (read_file(argv[2], &b) < 0)
        return -1;
    st_macho m;
    int rc = -1;
    if (st_macho_parse(b.p, b.n, &m) == ST_MACHO_INVALID || !m.has_uuid ||
        m.big_endian) {
        fail("%s: needs a little-endian Mach-O with an LC_UUID", argv[2]);
    } else if (strip) {
        uint32_t at = m.uuid_cmd_offset, end = m.header_size + m.sizeofcmds;
        memmove(b.p + at, b.p + at + 24, end - at - 24);
        memset(b.p + end - 24, 0, 24);
        set_le32(b.p + 16, m.ncmds - 1);
        set_le32(b.p + 20, m.sizeofcmds - 24);
        rc = write_file(argv[3], b.p, b.n);
    } else {
        uint8_t u[16];
        const char *s = argv[4];
        int k = 0;
        while (*s && k < 32) {
            if (*s == '-') {
                s++;
                continue;
            }
            unsigned v;
            if (sscanf(s, "%1x", &v) != 1)
                break;
            if (k % 2 == 0)
                u[k / 2] = (uint8_t)(v << 4);
            else
                u[k / 2] |= (uint8_t)v;
            k++;
            s++;
        }
        if (k != 32) {
            fail("bad UUID %s", argv[4]);
        } else {
            memcpy(b.p + m.uuid_cmd_offset + 8, u, 16);
            rc = write_file(argv[3], b.p, b.n);
        }
    }
    free(b.p);
    return rc;
}

/* Appends a little-endian u32. */
static void le32(buf *b, uint32_t v)
{
    uint8_t x[4];
    set_le32(x, v);
    put(b, x, 4);
}

/* Appends a little-endian u64. */
static void le64(buf *b, uint64_t v)
{
    uint8_t x[8];
    set_le64(x, v);
    put(b, x, 8);
}

/* Appends a 16-byte name. */
static void name16(buf *b, const char *s)
{
    char n[16] = {0};
    memcpy(n, s, strlen(s) < 16 ? strlen(s) : 16);
    put(b, n, 16);
}

/* synth OUT BYTES [SEED]: a large unsigned arm64 executable whose __TEXT
 * holds BYTES of pseudo-random code, with header room for a signature. */
static int cmd_synth(int argc, char **argv)
{
    if (argc < 4)
        return fail("usage: synth OUT BYTES [SEED]");
    uint64_t want = strtoull(argv[3], NULL, 0);
    uint64_t seed = argc > 4 ? strtoull(argv[4], NULL, 0) : 1;
    uint64_t text = (0x4000 + want + 0x3fff) & ~(uint64_t)0x3fff;
    buf b;
    memset(&b, 0, sizeof b);
    uint32_t ncmds = 5, sizeofcmds = 72 + (72 + 80) + 72 + 24 + 24;
    le32(&b, ST_MACHO_MAGIC_64);
    le32(&b, 0x0100000c);                 /* arm64 */
    le32(&b, 0);
    le32(&b, 2);                          /* MH_EXECUTE */
    le32(&b, ncmds);
    le32(&b, sizeofcmds);
    le32(&b, 0x00200085);                 /* NOUNDEFS DYLDLINK TWOLEVEL PIE */
    le32(&b, 0);
    le32(&b, ST_LC_SEGMENT_64); le32(&b, 72); name16(&b, "__PAGEZERO");
    le64(&b, 0); le64(&b, 0x100000000ull); le64(&b, 0); le64(&b, 0);
    le32(&b, 0); le32(&b, 0); le32(&b, 0); le32(&b, 0);
    le32(&b, ST_LC_SEGMENT_64); le32(&b, 72 + 80); name16(&b, "__TEXT");
    le64(&b, 0x100000000ull); le64(&b, text); le64(&b, 0); le64(&b, text);
    le32(&b, 5); le32(&b, 5); le32(&b, 1); le32(&b, 0);
    name16(&b, "__text"); name16(&b, "__TEXT");
    le64(&b, 0x100004000ull); le64(&b, text - 0x4000);
    le32(&b, 0x4000); le32(&b, 2); le32(&b, 0); le32(&b, 0);
    le32(&b, 0x80000400); le32(&b, 0); le32(&b, 0); le32(&b, 0);
    le32(&b, ST_LC_SEGMENT_64); le32(&b, 72); name16(&b, "__LINKEDIT");
    le64(&b, 0x100000000ull + text); le64(&b, 0x4000); le64(&b, text);
    le64(&b, 16);
    le32(&b, 1); le32(&b, 1); le32(&b, 0); le32(&b, 0);
    le32(&b, ST_LC_UUID); le32(&b, 24);
    uint64_t x = seed * 0x9e3779b97f4a7c15ull + 1;
    for (int i = 0; i < 2; i++) {
        x ^= x << 13; x ^= x >> 7; x ^= x << 17;
        le64(&b, x);
    }
    le32(&b, ST_LC_BUILD_VERSION); le32(&b, 24);
    le32(&b, 1); le32(&b, 0x000b0000); le32(&b, 0x000b0000); le32(&b, 0);
    zeros(&b, 0x4000 - b.n);
    if (reserve(&b, text - 0x4000 + 16) < 0)
        return fail("out of memory");
    for (uint64_t i = 0x4000; i < text; i += 8) {
        x ^= x << 13; x ^= x >> 7; x ^= x << 17;
        memcpy(b.p + i, &x, 8);
    }
    b.n = (size_t)text;
    zeros(&b, 16);                        /* __LINKEDIT contents */
    int rc = write_file(argv[2], b.p, b.n);
    free(b.p);
    return rc;
}

/* Writes p with a u32 patched (little-endian) at off to dir/name. */
static int variant(const char *dir, const char *name, const buf *src,
                   size_t keep, size_t off, uint32_t val, int patch)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    buf b;
    memset(&b, 0, sizeof b);
    put(&b, src->p, keep < src->n ? keep : src->n);
    if (patch && off + 4 <= b.n)
        set_le32(b.p + off, val);
    int rc = write_file(path, b.p, b.n);
    free(b.p);
    return rc;
}

/* hostile DIR SRC: malformed variants of a (signed, thin) Mach-O. */
static int cmd_hostile(int argc, char **argv)
{
    if (argc != 4)
        return fail("usage: hostile DIR SRC");
    const char *d = argv[2];
    buf s;
    if (read_file(argv[3], &s) < 0)
        return -1;
    st_macho m;
    if (st_macho_parse(s.p, s.n, &m) == ST_MACHO_INVALID ||
        !m.sig_cmd_offset) {
        free(s.p);
        return fail("SRC must be a signed thin Mach-O");
    }
    mkdir(d, 0755);
    uint32_t h = m.header_size;
    int rc = 0;
    rc |= variant(d, "truncated_header", &s, 20, 0, 0, 0);
    rc |= variant(d, "truncated_commands", &s, h + m.sizeofcmds / 2, 0, 0, 0);
    rc |= variant(d, "truncated_code", &s, m.sig_offset / 2, 0, 0, 0);
    rc |= variant(d, "sizeofcmds_huge", &s, s.n, 20, 0xffffff00u, 1);
    rc |= variant(d, "ncmds_huge", &s, s.n, 16, 0xffffffffu, 1);
    rc |= variant(d, "cmdsize_zero", &s, s.n, h + 4, 0, 1);
    rc |= variant(d, "cmd_past_end", &s, s.n, h + 4, m.sizeofcmds + 64, 1);
    rc |= variant(d, "signature_out_of_range", &s, s.n, m.sig_cmd_offset + 8,
                  0x7ffffff0u, 1);
    rc |= variant(d, "signature_garbage", &s, s.n, m.sig_offset, 0x41414141u,
                  1);
    /* the SuperBlob claims a huge number of index entries */
    {
        buf b;
        memset(&b, 0, sizeof b);
        put(&b, s.p, s.n);
        set_be32(b.p + m.sig_offset + 8, 0x40000000u);
        char p[4096];
        snprintf(p, sizeof p, "%s/superblob_count_huge", d);
        rc |= write_file(p, b.p, b.n);
        /* the CodeDirectory's offset points outside the SuperBlob */
        memcpy(b.p, s.p, s.n);
        set_be32(b.p + m.sig_offset + 16, 0x7fff0000u);
        snprintf(p, sizeof p, "%s/codedirectory_offset_out", d);
        rc |= write_file(p, b.p, b.n);
        free(b.p);
    }
    /* universal headers */
    {
        buf b;
        char p[4096];
        memset(&b, 0, sizeof b);
        be32(&b, ST_MACHO_FAT_MAGIC); be32(&b, 2);
        be32(&b, 0x0100000c); be32(&b, 0); be32(&b, 0x1000);
        be32(&b, (uint32_t)s.n); be32(&b, 12);
        be32(&b, 0x01000007); be32(&b, 3); be32(&b, 0x1800);
        be32(&b, (uint32_t)s.n); be32(&b, 12);
        zeros(&b, 0x1000 - b.n);
        put(&b, s.p, s.n);
        snprintf(p, sizeof p, "%s/fat_overlapping", d);
        rc |= write_file(p, b.p, b.n);
        set_be32(b.p + 4, 100000);
        snprintf(p, sizeof p, "%s/fat_count_huge", d);
        rc |= write_file(p, b.p, b.n);
        set_be32(b.p + 4, 1);
        set_be32(b.p + 16, 0xfffff000u);
        snprintf(p, sizeof p, "%s/fat_offset_out", d);
        rc |= write_file(p, b.p, b.n);
        set_be32(b.p + 16, 0);
        snprintf(p, sizeof p, "%s/fat_self", d);
        rc |= write_file(p, b.p, b.n);
        free(b.p);
    }
    /* garbage with and without a Mach-O magic */
    {
        buf b;
        char p[4096];
        memset(&b, 0, sizeof b);
        uint64_t x = 88172645463325252ull;
        for (int i = 0; i < 4096; i++) {
            x ^= x << 13; x ^= x >> 7; x ^= x << 17;
            uint8_t c = (uint8_t)x;
            put(&b, &c, 1);
        }
        snprintf(p, sizeof p, "%s/garbage", d);
        rc |= write_file(p, b.p, b.n);
        set_le32(b.p, ST_MACHO_MAGIC_64);
        snprintf(p, sizeof p, "%s/garbage_with_magic", d);
        rc |= write_file(p, b.p, b.n);
        snprintf(p, sizeof p, "%s/empty", d);
        rc |= write_file(p, b.p, 0);
        free(b.p);
    }
    free(s.p);
    return rc ? -1 : 0;
}

/* Dispatches the subcommand. */
int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: sign_fixture sign|bundle|fat|detached|"
                "copy-uuid|set-uuid|strip-uuid|synth|hostile ...\n");
        return 1;
    }
    const char *c = argv[1];
    int rc;
    if (!strcmp(c, "sign")) rc = cmd_sign(argc, argv);
    else if (!strcmp(c, "bundle")) rc = cmd_bundle(argc, argv);
    else if (!strcmp(c, "fat")) rc = cmd_fat(argc, argv);
    else if (!strcmp(c, "detached")) rc = cmd_detached(argc, argv);
    else if (!strcmp(c, "copy-uuid")) rc = cmd_copy_uuid(argc, argv);
    else if (!strcmp(c, "set-uuid")) rc = cmd_uuid_edit(argc, argv, 0);
    else if (!strcmp(c, "strip-uuid")) rc = cmd_uuid_edit(argc, argv, 1);
    else if (!strcmp(c, "synth")) rc = cmd_synth(argc, argv);
    else if (!strcmp(c, "hostile")) rc = cmd_hostile(argc, argv);
    else rc = fail("unknown command %s", c);
    return rc < 0 ? 1 : 0;
}
