/*
 * test_codesig.c -- unit tests of the code-signing blob decoder
 * (parsers/codesig.c): well-formed SuperBlobs and CodeDirectories of every
 * hash type, then hostile variations (offsets, lengths and counts out of
 * range, duplicates, nesting, truncation).  Blobs are built here byte by
 * byte; expected cdhashes are computed here with libcrypto directly.
 */
#include <openssl/evp.h>
#include <stdlib.h>

#include "check.h"
#include "codesig.h"

/* ---- blob builder ------------------------------------------------------ */

typedef struct blob {
    uint8_t p[8192];
    size_t n;
} blob;

/* Appends a big-endian u32. */
static void b32(blob *b, uint32_t v)
{
    b->p[b->n++] = (uint8_t)(v >> 24);
    b->p[b->n++] = (uint8_t)(v >> 16);
    b->p[b->n++] = (uint8_t)(v >> 8);
    b->p[b->n++] = (uint8_t)v;
}

/* Appends a big-endian u64. */
static void b64(blob *b, uint64_t v)
{
    b32(b, (uint32_t)(v >> 32));
    b32(b, (uint32_t)v);
}

/* Appends raw bytes. */
static void bput(blob *b, const void *s, size_t n)
{
    memcpy(b->p + b->n, s, n);
    b->n += n;
}

/* Patches a big-endian u32 in place (to damage a built blob). */
static void set32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

/* Parameters of a CodeDirectory to build. */
typedef struct cdp {
    uint32_t version, flags;
    uint8_t hash_type, hash_size, page_log2;
    const char *ident, *team;
    uint32_t n_code, code_limit, n_special;
    uint32_t special_mask;       /* bit k: special slot k gets a hash */
} cdp;

/* Builds a CodeDirectory: header for the version, identifier, team,
 * special hashes (byte 0xA0+k), code hashes (byte 0x10+i). */
static void build_cd(blob *b, const cdp *c)
{
    size_t start = b->n;
    uint32_t hdr = c->version >= 0x20500 ? 96 : c->version >= 0x20400 ? 88
                 : c->version >= 0x20300 ? 64 : c->version >= 0x20200 ? 52
                 : c->version >= 0x20100 ? 48 : 44;
    uint32_t ident_off = hdr;
    uint32_t team_off = c->team ? ident_off + (uint32_t)strlen(c->ident) + 1
                                : 0;
    uint32_t end = team_off ? team_off + (uint32_t)strlen(c->team) + 1
                            : ident_off + (uint32_t)strlen(c->ident) + 1;
    uint32_t hash_off = end + c->n_special * c->hash_size;
    uint32_t total = hash_off + c->n_code * c->hash_size;
    b32(b, ST_CS_MAGIC_CODEDIRECTORY);
    b32(b, total);
    b32(b, c->version);
    b32(b, c->flags);
    b32(b, hash_off);
    b32(b, ident_off);
    b32(b, c->n_special);
    b32(b, c->n_code);
    b32(b, c->code_limit);
    uint8_t x[4] = {c->hash_size, c->hash_type, 0, c->page_log2};
    bput(b, x, 4);
    b32(b, 0);
    if (c->version >= 0x20100)
        b32(b, 0);
    if (c->version >= 0x20200)
        b32(b, team_off);
    if (c->version >= 0x20300) {
        b32(b, 0);
        b64(b, 0);
    }
    if (c->version >= 0x20400) {
        b64(b, 0x4000);
        b64(b, 0x8000);
        b64(b, 1);
    }
    if (c->version >= 0x20500) {
        b32(b, 0x0e0000);
        b32(b, 0);
    }
    bput(b, c->ident, strlen(c->ident) + 1);
    if (c->team)
        bput(b, c->team, strlen(c->team) + 1);
    for (uint32_t k = c->n_special; k >= 1; k--) {
        uint8_t h[64];
        memset(h, (c->special_mask >> k) & 1 ? 0xa0 + (int)k : 0, sizeof h);
        bput(b, h, c->hash_size);
    }
    for (uint32_t i = 0; i < c->n_code; i++) {
        uint8_t h[64];
        memset(h, 0x10 + (int)i, sizeof h);
        bput(b, h, c->hash_size);
    }
    CHECK_INT(b->n - start, total);
}

/* Index entry list for build_super. */
typedef struct part {
    uint32_t slot;
    const blob *b;
} part;

/* Builds a SuperBlob of the parts, laid out in order after the index. */
static void build_super(blob *out, uint32_t magic, const part *parts,
                        size_t np)
{
    uint32_t off = 12 + 8 * (uint32_t)np, total = off;
    for (size_t i = 0; i < np; i++)
        total += (uint32_t)parts[i].b->n;
    out->n = 0;
    b32(out, magic);
    b32(out, total);
    b32(out, (uint32_t)np);
    for (size_t i = 0; i < np; i++) {
        b32(out, parts[i].slot);
        b32(out, off);
        off += (uint32_t)parts[i].b->n;
    }
    for (size_t i = 0; i < np; i++)
        bput(out, parts[i].b->p, parts[i].b->n);
}

/* Expected cdhash: libcrypto directly, truncated to 20 bytes, as hex. */
static void expect_cdhash(const EVP_MD *md, const uint8_t *p, size_t n,
                          char out[41])
{
    unsigned char d[64];
    unsigned int len = 0;
    EVP_Digest(p, n, d, &len, md, NULL);
    for (int i = 0; i < 20; i++)
        snprintf(out + 2 * i, 3, "%02x", d[i]);
}

/* Hex of a 20-byte cdhash. */
static void hex20(const unsigned char *h, char out[41])
{
    st_cs_hex(h, 20, out);
}

/* True when some kept problem message contains `needle`. */
static int has_problem(const st_codesig *s, const char *needle)
{
    for (unsigned i = 0; i < s->nproblems && i < ST_CS_MAX_PROBLEMS; i++)
        if (strstr(s->problems[i], needle))
            return 1;
    return 0;
}

static const cdp developer = {0x20400, 0x10000, ST_CS_HASH_SHA256, 32, 12,
                              "com.example.tool", "ABCDE12345", 3, 12188, 7,
                              (1u << 1) | (1u << 2) | (1u << 3) | (1u << 5)};

/* ---- well-formed ------------------------------------------------------- */

/* A Developer-ID-shaped SuperBlob: every field, cdhash, slot hashes. */
TEST(developer_superblob)
{
    static blob cd, req, ent, cms, sig;
    build_cd(&cd, &developer);
    req.n = 0;
    b32(&req, ST_CS_MAGIC_REQUIREMENTS);
    b32(&req, 12 + 8 + 16);
    b32(&req, 1);
    b32(&req, 3);             /* designated */
    b32(&req, 20);
    b32(&req, ST_CS_MAGIC_REQUIREMENT);
    b32(&req, 16);
    b32(&req, 1);
    b32(&req, 15);
    ent.n = 0;
    b32(&ent, ST_CS_MAGIC_ENTITLEMENTS);
    b32(&ent, 8 + 7);
    bput(&ent, "<plist>", 7);
    cms.n = 0;
    b32(&cms, ST_CS_MAGIC_BLOBWRAPPER);
    b32(&cms, 8 + 4);
    b32(&cms, 0x30800609);
    part parts[] = {{0, &cd}, {2, &req}, {5, &ent}, {0x10000, &cms}};
    build_super(&sig, ST_CS_MAGIC_EMBEDDED_SIGNATURE, parts, 4);

    st_codesig s;
    CHECK_INT(st_codesig_parse(sig.p, sig.n, &s), ST_CS_OK);
    CHECK_INT(s.nproblems, 0);
    CHECK(s.is_superblob);
    CHECK_INT(s.count, 4);
    CHECK_INT(s.nblobs, 4);
    CHECK_INT(s.ncd, 1);
    CHECK_INT(s.primary, 0);
    CHECK_INT(s.best, 0);
    const st_cs_codedir *c = &s.cd[0];
    CHECK_INT(c->offset, 12 + 32);
    CHECK_INT(c->length, cd.n);
    CHECK_INT(c->version, 0x20400);
    CHECK_INT(c->flags, ST_CS_FLAG_RUNTIME);
    CHECK_INT(c->hash_type, ST_CS_HASH_SHA256);
    CHECK_INT(c->hash_size, 32);
    CHECK_INT(c->page_size, 4096);
    CHECK_INT(c->code_limit, 12188);
    CHECK_INT(c->n_code_slots, 3);
    CHECK_INT(c->n_special_slots, 7);
    CHECK(c->identifier && c->identifier_len == 16 &&
          memcmp(c->identifier, "com.example.tool", 16) == 0);
    CHECK(c->team_id && c->team_id_len == 10 &&
          memcmp(c->team_id, "ABCDE12345", 10) == 0);
    CHECK(c->execseg_present);
    CHECK_INT(c->exec_seg_base, 0x4000);
    CHECK_INT(c->exec_seg_limit, 0x8000);
    CHECK_INT(c->exec_seg_flags, 1);
    CHECK(!c->runtime_present);
    CHECK(c->hashes_valid);
    CHECK_INT(c->special_present, developer.special_mask);
    CHECK(c->cdhash_valid);
    CHECK_INT(c->digest_len, 32);
    char want[41], got[41];
    expect_cdhash(EVP_sha256(), cd.p, cd.n, want);
    hex20(c->cdhash, got);
    CHECK_STR(got, want);
    /* slot hashes: special -5 (entitlements) and code page 2 */
    const uint8_t *h = st_cs_slot_hash(sig.p, sig.n, c, -5);
    CHECK(h && h[0] == 0xa5 && h[31] == 0xa5);
    h = st_cs_slot_hash(sig.p, sig.n, c, -4);
    CHECK(h && h[0] == 0);
    h = st_cs_slot_hash(sig.p, sig.n, c, 2);
    CHECK(h && h[0] == 0x12);
    CHECK(st_cs_slot_hash(sig.p, sig.n, c, 3) == NULL);
    CHECK(st_cs_slot_hash(sig.p, sig.n, c, -8) == NULL);
    CHECK(st_cs_slot_hash(sig.p, sig.n, c, INT64_MIN) == NULL);
    CHECK(s.has_requirements);
    CHECK_INT(s.requirements_count, 1);
    CHECK_INT(s.requirement_types, 1u << 3);
    CHECK_INT(s.entitlements_length, 7);
    CHECK(memcmp(sig.p + s.entitlements_offset, "<plist>", 7) == 0);
    CHECK(s.has_cms);
    CHECK_INT(s.cms_length, 4);
}

/* Ad-hoc: SHA-1 primary plus SHA-256 alternate; best is the SHA-256. */
TEST(adhoc_with_alternate_directory)
{
    static blob c1, c2, req, cms, sig;
    cdp p = {0x20400, ST_CS_FLAG_ADHOC, ST_CS_HASH_SHA1, 20, 12, "helper",
             NULL, 2, 8192, 2, 1u << 2};
    build_cd(&c1, &p);
    p.hash_type = ST_CS_HASH_SHA256;
    p.hash_size = 32;
    build_cd(&c2, &p);
    req.n = 0;
    b32(&req, ST_CS_MAGIC_REQUIREMENTS);
    b32(&req, 12);
    b32(&req, 0);
    cms.n = 0;
    b32(&cms, ST_CS_MAGIC_BLOBWRAPPER);
    b32(&cms, 8);
    part parts[] = {{0, &c1}, {2, &req}, {0x1000, &c2}, {0x10000, &cms}};
    build_super(&sig, ST_CS_MAGIC_EMBEDDED_SIGNATURE, parts, 4);
    st_codesig s;
    CHECK_INT(st_codesig_parse(sig.p, sig.n, &s), ST_CS_OK);
    CHECK_INT(s.ncd, 2);
    CHECK_INT(s.primary, 0);
    CHECK_INT(s.best, 1);
    CHECK_INT(s.cd[1].slot, ST_CS_SLOT_ALTERNATE_CD);
    CHECK(s.cd[0].team_id == NULL);
    char want[41], got[41];
    expect_cdhash(EVP_sha1(), c1.p, c1.n, want);
    hex20(s.cd[0].cdhash, got);
    CHECK_STR(got, want);
    expect_cdhash(EVP_sha256(), c2.p, c2.n, want);
    hex20(s.cd[1].cdhash, got);
    CHECK_STR(got, want);
    CHECK(s.has_cms);
    CHECK_INT(s.cms_length, 0);
    CHECK_INT(s.requirements_count, 0);
}

/* A bare CodeDirectory of each hash type; cdhash is the truncated digest. */
TEST(bare_directories_all_hash_types)
{
    static blob b;
    struct { uint8_t type, size; const EVP_MD *(*md)(void);
             size_t digest; } t[] = {
        {ST_CS_HASH_SHA1, 20, EVP_sha1, 20},
        {ST_CS_HASH_SHA256, 32, EVP_sha256, 32},
        {ST_CS_HASH_SHA256_TRUNCATED, 20, EVP_sha256, 32},
        {ST_CS_HASH_SHA384, 48, EVP_sha384, 48}};
    for (size_t i = 0; i < 4; i++) {
        cdp p = {0x20100, 0, t[i].type, t[i].size, 12, "x", NULL, 1, 100, 0,
                 0};
        b.n = 0;
        build_cd(&b, &p);
        st_codesig s;
        CHECK_INT(st_codesig_parse(b.p, b.n, &s), ST_CS_OK);
        CHECK(!s.is_superblob);
        CHECK_INT(s.ncd, 1);
        CHECK_INT(s.cd[0].digest_len, t[i].digest);
        char want[41], got[41];
        expect_cdhash(t[i].md(), b.p, b.n, want);
        hex20(s.cd[0].cdhash, got);
        CHECK_STR(got, want);
    }
    /* best prefers SHA-384 over SHA-256 over truncated over SHA-1 */
    CHECK_STR(st_cs_hash_name(ST_CS_HASH_SHA256_TRUNCATED),
              "sha256-truncated");
    CHECK(st_cs_hash_name(9) == NULL);
    CHECK_INT(st_cs_hash_size(ST_CS_HASH_SHA384), 48);
    CHECK_INT(st_cs_hash_size(0), 0);
}

/* v0x20500 adds runtime; 16K pages. */
TEST(runtime_version_fields)
{
    static blob b;
    cdp p = {0x20500, ST_CS_FLAG_RUNTIME, ST_CS_HASH_SHA256, 32, 14, "rt",
             "TEAM", 1, 16384, 0, 0};
    build_cd(&b, &p);
    st_codesig s;
    CHECK_INT(st_codesig_parse(b.p, b.n, &s), ST_CS_OK);
    CHECK(s.cd[0].runtime_present);
    CHECK_INT(s.cd[0].runtime, 0x0e0000);
    CHECK_INT(s.cd[0].page_size, 16384);
}

/* A detached (multi-arch) blob lists its per-cputype entries only. */
TEST(detached_signature_is_listed)
{
    static blob e1, e2, d;
    cdp p = developer;
    build_cd(&e1, &p);
    build_cd(&e2, &p);
    part parts[] = {{0x0100000c, &e1}, {0x01000007, &e2}};
    build_super(&d, ST_CS_MAGIC_DETACHED_SIGNATURE, parts, 2);
    st_codesig s;
    CHECK_INT(st_codesig_parse(d.p, d.n, &s), ST_CS_OK);
    CHECK_INT(s.nblobs, 2);
    CHECK_INT(s.blobs[0].slot, 0x0100000c);
    CHECK_INT(s.blobs[1].magic, ST_CS_MAGIC_CODEDIRECTORY);
    CHECK_INT(s.ncd, 0);           /* per-architecture blobs not decoded */
}

/* DER entitlements and an empty CMS wrapper on their own. */
TEST(other_top_level_blobs)
{
    static blob b;
    b.n = 0;
    b32(&b, ST_CS_MAGIC_DER_ENTITLEMENTS);
    b32(&b, 10);
    bput(&b, "\x70\x00", 2);
    st_codesig s;
    CHECK_INT(st_codesig_parse(b.p, b.n, &s), ST_CS_OK);
    CHECK_INT(s.der_entitlements_offset, 8);
    CHECK_INT(s.der_entitlements_length, 2);
    b.n = 0;
    b32(&b, ST_CS_MAGIC_BLOBWRAPPER);
    b32(&b, 8);
    CHECK_INT(st_codesig_parse(b.p, b.n, &s), ST_CS_OK);
    CHECK(s.has_cms);
}

/* ---- hostile input ----------------------------------------------------- */

/* Unknown magic, short input, NULL and unusable headers are INVALID. */
TEST(not_a_blob)
{
    st_codesig s;
    static const uint8_t junk[] = {0xde, 0xad, 0xbe, 0xef, 0, 0, 0, 8};
    CHECK_INT(st_codesig_parse(junk, sizeof junk, &s), ST_CS_INVALID);
    CHECK(has_problem(&s, "not a code-signing blob"));
    CHECK_INT(st_codesig_parse(junk, 3, &s), ST_CS_INVALID);
    CHECK_INT(st_codesig_parse(NULL, 100, &s), ST_CS_INVALID);
    CHECK_INT(s.primary, -1);
    CHECK_INT(s.best, -1);
    static const uint8_t short_len[] = {0xfa, 0xde, 0x0c, 0xc0, 0, 0, 0, 4};
    CHECK_INT(st_codesig_parse(short_len, 8, &s), ST_CS_INVALID);
    static const uint8_t no_count[] = {0xfa, 0xde, 0x0c, 0xc0, 0, 0, 0, 8};
    CHECK_INT(st_codesig_parse(no_count, 8, &s), ST_CS_INVALID);
}

/* Truncation: problems, no cdhash over partial bytes, every prefix safe. */
TEST(truncated_superblob)
{
    static blob cd, sig;
    build_cd(&cd, &developer);
    part parts[] = {{0, &cd}};
    build_super(&sig, ST_CS_MAGIC_EMBEDDED_SIGNATURE, parts, 1);
    st_codesig s;
    /* cut inside the CodeDirectory: the entry no longer fits */
    CHECK_INT(st_codesig_parse(sig.p, sig.n - 10, &s), ST_CS_DAMAGED);
    CHECK(has_problem(&s, "truncated"));
    CHECK(has_problem(&s, "does not fit"));
    CHECK_INT(s.ncd, 0);
    /* a bare CodeDirectory cut short: decoded, no cdhash */
    CHECK_INT(st_codesig_parse(cd.p, cd.n - 1, &s), ST_CS_DAMAGED);
    CHECK_INT(s.ncd, 1);
    CHECK(!s.cd[0].cdhash_valid);
    CHECK_INT(s.best, -1);
    /* every prefix must be handled */
    for (size_t n = 0; n <= sig.n; n++)
        st_codesig_parse(sig.p, n, &s);
}

/* Index counts, offsets and lengths beyond the blob or near 2^32. */
TEST(index_out_of_range)
{
    static blob sig;
    sig.n = 0;
    b32(&sig, ST_CS_MAGIC_EMBEDDED_SIGNATURE);
    b32(&sig, 12 + 24 + 12);
    b32(&sig, 0xffffffffu);                 /* count far too large */
    b32(&sig, 0);
    b32(&sig, 0x7fff0000);                  /* offset outside */
    b32(&sig, 2);
    b32(&sig, 36);                          /* requirements, length huge */
    b32(&sig, 5);
    b32(&sig, 0xfffffff8u);                 /* offset near 2^32 */
    b32(&sig, ST_CS_MAGIC_REQUIREMENTS);
    b32(&sig, 0xffffffffu);
    b32(&sig, 0);
    st_codesig s;
    CHECK_INT(st_codesig_parse(sig.p, sig.n, &s), ST_CS_DAMAGED);
    CHECK(has_problem(&s, "claims 4294967295 index entries"));
    CHECK(has_problem(&s, "offset 2147418112 is outside"));
    CHECK(has_problem(&s, "blob length 4294967295"));
    CHECK(has_problem(&s, "offset 4294967288 is outside"));
    CHECK_INT(s.ncd, 0);
    CHECK_INT(s.count, 0xffffffffu);
    CHECK_INT(s.nblobs, 4);                 /* (48 - 12) / 8 entries fit */
}

/* Each CodeDirectory field made hostile in turn. */
TEST(codedirectory_fields_out_of_range)
{
    static blob b;
    st_codesig s;
    /* identifier offset outside */
    build_cd(&b, &developer);
    set32(b.p + 20, 0x10000);
    CHECK_INT(st_codesig_parse(b.p, b.n, &s), ST_CS_DAMAGED);
    CHECK(has_problem(&s, "identifier offset"));
    CHECK(s.cd[0].identifier == NULL);
    CHECK(s.cd[0].cdhash_valid);     /* the cdhash is still the bytes' */
    /* identifier not terminated: point it at the last byte */
    b.n = 0;
    build_cd(&b, &developer);
    b.p[b.n - 1] = 'x';
    set32(b.p + 20, (uint32_t)b.n - 1);
    st_codesig_parse(b.p, b.n, &s);
    CHECK(has_problem(&s, "identifier offset"));
    /* team offset outside */
    b.n = 0;
    build_cd(&b, &developer);
    set32(b.p + 48, 0xfffffff0u);
    st_codesig_parse(b.p, b.n, &s);
    CHECK(has_problem(&s, "team id offset"));
    CHECK(s.cd[0].team_id == NULL);
    /* code slots overflowing: nCodeSlots * hashSize past the end */
    b.n = 0;
    build_cd(&b, &developer);
    set32(b.p + 28, 0xffffffffu);
    CHECK_INT(st_codesig_parse(b.p, b.n, &s), ST_CS_DAMAGED);
    CHECK(has_problem(&s, "code slot hashes end at"));
    CHECK(!s.cd[0].hashes_valid);
    CHECK(st_cs_slot_hash(b.p, b.n, &s.cd[0], 0) == NULL);
    /* special slots before the header */
    b.n = 0;
    build_cd(&b, &developer);
    set32(b.p + 24, 0x10000000);
    st_codesig_parse(b.p, b.n, &s);
    CHECK(has_problem(&s, "special slot hashes do not fit"));
    /* unknown hash type, and a size that does not match the type */
    b.n = 0;
    build_cd(&b, &developer);
    b.p[37] = 9;
    st_codesig_parse(b.p, b.n, &s);
    CHECK(has_problem(&s, "unknown hash type 9"));
    CHECK(!s.cd[0].cdhash_valid);
    CHECK_INT(s.best, -1);
    b.p[37] = ST_CS_HASH_SHA1;      /* size stays 32 */
    st_codesig_parse(b.p, b.n, &s);
    CHECK(has_problem(&s, "does not match sha1"));
    /* page size and version out of range, slot count mismatch */
    b.n = 0;
    build_cd(&b, &developer);
    b.p[39] = 40;
    st_codesig_parse(b.p, b.n, &s);
    CHECK(has_problem(&s, "page size 2^40"));
    b.p[39] = 12;
    set32(b.p + 8, 0x100);
    st_codesig_parse(b.p, b.n, &s);
    CHECK(has_problem(&s, "older than"));
    set32(b.p + 8, 0x30000);
    st_codesig_parse(b.p, b.n, &s);
    CHECK(has_problem(&s, "newer than"));
    set32(b.p + 8, 0x20400);
    set32(b.p + 32, 5 * 4096);      /* code limit wants 5 slots, has 3 */
    st_codesig_parse(b.p, b.n, &s);
    CHECK(has_problem(&s, "expected 5"));
    /* a header shorter than its version needs */
    b.n = 0;
    cdp p = {0x20100, 0, ST_CS_HASH_SHA256, 32, 12, "a", NULL, 0, 0, 0, 0};
    build_cd(&b, &p);               /* 50 bytes */
    set32(b.p + 8, 0x20600);
    st_codesig_parse(b.p, b.n, &s);
    CHECK(has_problem(&s, "needs a 108-byte header"));
    /* hash size 0 with slots */
    b.n = 0;
    build_cd(&b, &developer);
    b.p[36] = 0;
    st_codesig_parse(b.p, b.n, &s);
    CHECK(has_problem(&s, "hash size 0"));
}

/* Repeated slots, a slot pointing at the SuperBlob, nesting. */
TEST(duplicates_wrong_magic_and_nesting)
{
    static blob cd, sig, inner;
    build_cd(&cd, &developer);
    part parts[] = {{0, &cd}, {0, &cd}};
    build_super(&sig, ST_CS_MAGIC_EMBEDDED_SIGNATURE, parts, 2);
    st_codesig s;
    CHECK_INT(st_codesig_parse(sig.p, sig.n, &s), ST_CS_DAMAGED);
    CHECK(has_problem(&s, "listed twice"));
    CHECK_INT(s.ncd, 1);
    /* slot 0 pointing at the SuperBlob itself: no recursion */
    sig.n = 0;
    b32(&sig, ST_CS_MAGIC_EMBEDDED_SIGNATURE);
    b32(&sig, 20);
    b32(&sig, 1);
    b32(&sig, 0);
    b32(&sig, 0);
    CHECK_INT(st_codesig_parse(sig.p, sig.n, &s), ST_CS_DAMAGED);
    CHECK(has_problem(&s, "not code-directory"));
    CHECK(has_problem(&s, "overlaps the index"));
    /* a SuperBlob in an unknown slot is listed, not followed */
    build_super(&inner, ST_CS_MAGIC_EMBEDDED_SIGNATURE, parts, 1);
    part outer[] = {{0x20, &inner}};
    build_super(&sig, ST_CS_MAGIC_EMBEDDED_SIGNATURE, outer, 1);
    CHECK_INT(st_codesig_parse(sig.p, sig.n, &s), ST_CS_DAMAGED);
    CHECK(has_problem(&s, "nested SuperBlob"));
    CHECK_INT(s.ncd, 0);
}

/* The CodeDirectory table limit and an index of 100 entries. */
TEST(six_directories_and_many_entries)
{
    static blob cd, big, many;
    build_cd(&cd, &developer);
    /* slot 0 and the five alternates: the most a SuperBlob can name */
    part parts[6];
    for (int i = 0; i < 6; i++)
        parts[i] = (part){i == 0 ? 0u : 0x1000u + (uint32_t)i - 1, &cd};
    build_super(&big, ST_CS_MAGIC_EMBEDDED_SIGNATURE, parts, 6);
    st_codesig s;
    CHECK_INT(st_codesig_parse(big.p, big.n, &s), ST_CS_OK);
    CHECK_INT(s.ncd, ST_CS_MAX_CDS);
    CHECK_INT(s.best, 0);           /* equal strength: the first */
    /* 100 entries, all pointing at one blob: every one is checked, the
     * first ST_CS_MAX_BLOBS are kept, only known slots are decoded */
    many.n = 0;
    b32(&many, ST_CS_MAGIC_EMBEDDED_SIGNATURE);
    b32(&many, 12 + 8 * 100 + (uint32_t)cd.n);
    b32(&many, 100);
    for (int i = 0; i < 100; i++) {
        b32(&many, 0x40u + (uint32_t)i);
        b32(&many, 12 + 8 * 100);
    }
    bput(&many, cd.p, cd.n);
    CHECK_INT(st_codesig_parse(many.p, many.n, &s), ST_CS_OK);
    CHECK_INT(s.nblobs, ST_CS_MAX_BLOBS);
    CHECK_INT(s.count, 100);
    CHECK_INT(s.ncd, 0);
}

/* A requirements set with a lying count and bad entries. */
TEST(requirements_hostile)
{
    static blob r;
    r.n = 0;
    b32(&r, ST_CS_MAGIC_REQUIREMENTS);
    b32(&r, 12 + 16 + 8);
    b32(&r, 1000);                  /* claims more than fit */
    b32(&r, 3);
    b32(&r, 0xffff);                /* outside */
    b32(&r, 4);
    b32(&r, 28);                    /* not a requirement magic */
    b32(&r, 0x12345678);
    b32(&r, 8);
    st_codesig s;
    CHECK_INT(st_codesig_parse(r.p, r.n, &s), ST_CS_DAMAGED);
    CHECK(has_problem(&s, "requirements claim 1000"));
    CHECK(has_problem(&s, "requirement 0: offset 65535"));
    CHECK(has_problem(&s, "requirement 1: not a requirement"));
    CHECK_INT(s.requirement_types, 0);
}

/* All problems are counted, only the first few kept. */
TEST(problem_list_is_bounded)
{
    static blob sig;
    sig.n = 0;
    b32(&sig, ST_CS_MAGIC_EMBEDDED_SIGNATURE);
    b32(&sig, 12 + 8 * 50);
    b32(&sig, 50);
    for (int i = 0; i < 50; i++) {
        b32(&sig, (uint32_t)i);
        b32(&sig, 0x7fffffff);
    }
    st_codesig s;
    CHECK_INT(st_codesig_parse(sig.p, sig.n, &s), ST_CS_DAMAGED);
    CHECK_INT(s.nproblems, 50);
    CHECK(strlen(s.problems[ST_CS_MAX_PROBLEMS - 1]) > 0);
}

/* ---- helpers ----------------------------------------------------------- */

/* identification: LC_UUID, SHA-1, SHA-256, other, small buffers. */
TEST(identification_blobs)
{
    char out[80];
    static const uint8_t u[20] = {'U', 'U', 'I', 'D', 0x3f, 0x25, 0x04, 0xe0,
                                  0x4f, 0x89, 0x11, 0xd3, 0x9a, 0x0c, 0x03,
                                  0x05, 0xe8, 0x2c, 0x33, 0x01};
    CHECK_INT(st_cs_identification(u, 20, out, sizeof out), ST_CS_ID_UUID);
    CHECK_STR(out, "3F2504E0-4F89-11D3-9A0C-0305E82C3301");
    uint8_t sha[32];
    for (int i = 0; i < 32; i++)
        sha[i] = (uint8_t)i;
    CHECK_INT(st_cs_identification(sha, 20, out, sizeof out), ST_CS_ID_SHA1);
    CHECK_STR(out, "000102030405060708090a0b0c0d0e0f10111213");
    CHECK_INT(st_cs_identification(sha, 32, out, sizeof out),
              ST_CS_ID_SHA256);
    CHECK_INT(strlen(out), 64);
    CHECK_INT(st_cs_identification(sha, 3, out, sizeof out), ST_CS_ID_OTHER);
    CHECK_STR(out, "000102");
    /* a small buffer is filled with whole bytes only */
    CHECK_INT(st_cs_identification(sha, 20, out, 6), ST_CS_ID_SHA1);
    CHECK_STR(out, "0001");
    CHECK_INT(st_cs_identification(u, 20, out, 10), ST_CS_ID_UUID);
    CHECK_STR(out, "");
}

/* cputype/cpusubtype names, arm64e only with its subtype. */
TEST(cpu_names)
{
    char b[40];
    CHECK_STR(st_cs_cpu_name(0x01000007, -1, b, sizeof b), "x86_64");
    CHECK_STR(st_cs_cpu_name(16777223, 3, b, sizeof b), "x86_64");
    CHECK_STR(st_cs_cpu_name(0x01000007, 8, b, sizeof b), "x86_64h");
    CHECK_STR(st_cs_cpu_name(0x0100000c, -1, b, sizeof b), "arm64");
    CHECK_STR(st_cs_cpu_name(0x0100000c, 2, b, sizeof b), "arm64e");
    CHECK_STR(st_cs_cpu_name(0x0100000c, 0x80000002LL, b, sizeof b),
              "arm64e");
    CHECK_STR(st_cs_cpu_name(0x0200000c, -1, b, sizeof b), "arm64_32");
    CHECK_STR(st_cs_cpu_name(7, -1, b, sizeof b), "i386");
    CHECK_STR(st_cs_cpu_name(12, 11, b, sizeof b), "armv7s");
    CHECK_STR(st_cs_cpu_name(18, -1, b, sizeof b), "ppc");
    CHECK_STR(st_cs_cpu_name(99, -1, b, sizeof b), "cputype 0x63");
    CHECK_STR(st_cs_cpu_name(-1, -1, b, sizeof b),
              "cputype 0xffffffffffffffff");
}

/* Flag lists (with unknown bits, truncation) and display names. */
TEST(flag_and_slot_names)
{
    char b[128];
    st_cs_flags_str(ST_CS_FLAG_ADHOC | ST_CS_FLAG_RUNTIME, b, sizeof b);
    CHECK_STR(b, "adhoc,runtime");
    st_cs_flags_str(0x20002 | 0x40000000, b, sizeof b);
    CHECK_STR(b, "adhoc,linker-signed,0x40000000");
    size_t need = st_cs_flags_str(0x2, b, 3);
    CHECK_INT(need, 5);
    CHECK_STR(b, "ad");
    st_cs_flags_str(0, b, sizeof b);
    CHECK_STR(b, "");
    CHECK_STR(st_cs_special_slot_name(1), "info-plist");
    CHECK_STR(st_cs_special_slot_name(3), "resource-dir");
    CHECK(st_cs_special_slot_name(12) == NULL);
    CHECK_STR(st_cs_slot_name(0x1004), "alternate-code-directory-4");
    CHECK(st_cs_slot_name(0x1005) == NULL);
    CHECK_STR(st_cs_slot_name(0x10000), "cms-signature");
    CHECK_STR(st_cs_magic_name(0xfade0cc0), "embedded-signature");
    CHECK(st_cs_magic_name(0x12345678) == NULL);
    CHECK_STR(st_cs_requirement_type_name(3), "designated");
    CHECK(st_cs_requirement_type_name(6) == NULL);
}

int main(void)
{
    RUN(developer_superblob);
    RUN(adhoc_with_alternate_directory);
    RUN(bare_directories_all_hash_types);
    RUN(runtime_version_fields);
    RUN(detached_signature_is_listed);
    RUN(other_top_level_blobs);
    RUN(not_a_blob);
    RUN(truncated_superblob);
    RUN(index_out_of_range);
    RUN(codedirectory_fields_out_of_range);
    RUN(duplicates_wrong_magic_and_nesting);
    RUN(six_directories_and_many_entries);
    RUN(requirements_hostile);
    RUN(problem_list_is_bounded);
    RUN(identification_blobs);
    RUN(cpu_names);
    RUN(flag_and_slot_names);
    return RESULT();
}
