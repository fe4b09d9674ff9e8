/*
 * test_macho.c -- unit tests of the Mach-O / universal-binary decoder
 * (parsers/macho.c), the XML plist reader and the verifier's core
 * (analyzer/verify.c): well-formed headers in both byte orders, the
 * DetachedSignatures identification, hostile headers (out-of-range and
 * looping load commands, huge counts, bad universal headers), plists, and
 * a tiny Mach-O signed here byte by byte then verified, damaged and
 * verified again.  Expected digests are computed here with libcrypto.
 */
#include <openssl/evp.h>
#include <stdlib.h>
#include <unistd.h>

#include "check.h"
#include "macho.h"
#include "verify.h"

/* ---- image builder ----------------------------------------------------- */

typedef struct img {
    uint8_t p[65536];
    size_t n;
    int big;                     /* write integers big-endian */
} img;

/* Appends a u32 in the image's byte order. */
static void u32(img *b, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        b->p[b->n++] = (uint8_t)(b->big ? v >> (24 - 8 * i) : v >> (8 * i));
}

/* Appends a u64 in the image's byte order. */
static void u64(img *b, uint64_t v)
{
    if (b->big) {
        u32(b, (uint32_t)(v >> 32));
        u32(b, (uint32_t)v);
    } else {
        u32(b, (uint32_t)v);
        u32(b, (uint32_t)(v >> 32));
    }
}

/* Big-endian u32 (code-signing blobs, fat headers). */
static void be(img *b, uint32_t v)
{
    int save = b->big;
    b->big = 1;
    u32(b, v);
    b->big = save;
}

/* Appends a 16-byte segment or section name. */
static void name16(img *b, const char *s)
{
    memset(b->p + b->n, 0, 16);
    memcpy(b->p + b->n, s, strlen(s));
    b->n += 16;
}

/* Patches a little-endian u32. */
static void set_le(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
    p[2] = (uint8_t)(v >> 16);
    p[3] = (uint8_t)(v >> 24);
}

/* Patches a big-endian u32. */
static void set_be(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

static const uint8_t UUID[16] = {0x3f, 0x25, 0x04, 0xe0, 0x4f, 0x89, 0x11,
                                 0xd3, 0x9a, 0x0c, 0x03, 0x05, 0xe8, 0x2c,
                                 0x33, 0x01};

/* A 64-bit arm64 executable: __TEXT (one page), __LINKEDIT, LC_UUID (when
 * uuid), LC_CODE_SIGNATURE at sig_off (when sig_off).  Returns the size of
 * the load commands. */
static uint32_t build64(img *b, int uuid, uint32_t sig_off, uint32_t sig_size)
{
    memset(b, 0, sizeof *b);
    uint32_t ncmds = 2 + (uuid ? 1 : 0) + (sig_off ? 1 : 0);
    uint32_t sz = 72 + 72 + (uuid ? 24 : 0) + (sig_off ? 16 : 0);
    u32(b, ST_MACHO_MAGIC_64);
    u32(b, 0x0100000c);
    u32(b, 0);
    u32(b, 2);
    u32(b, ncmds);
    u32(b, sz);
    u32(b, 0x85);
    u32(b, 0);
    u32(b, ST_LC_SEGMENT_64); u32(b, 72); name16(b, "__TEXT");
    u64(b, 0x100000000ull); u64(b, 4096); u64(b, 0); u64(b, 4096);
    u32(b, 5); u32(b, 5); u32(b, 0); u32(b, 0);
    u32(b, ST_LC_SEGMENT_64); u32(b, 72); name16(b, "__LINKEDIT");
    u64(b, 0x100001000ull); u64(b, 4096); u64(b, 4096);
    u64(b, sig_off ? sig_off + sig_size - 4096 : 0);
    u32(b, 1); u32(b, 1); u32(b, 0); u32(b, 0);
    if (uuid) {
        u32(b, ST_LC_UUID);
        u32(b, 24);
        memcpy(b->p + b->n, UUID, 16);
        b->n += 16;
    }
    if (sig_off) {
        u32(b, ST_LC_CODE_SIGNATURE);
        u32(b, 16);
        u32(b, sig_off);
        u32(b, sig_size);
    }
    /* code: a recognisable pattern up to one page */
    for (size_t i = b->n; i < 4096; i++)
        b->p[i] = (uint8_t)(i * 7);
    b->n = 4096;
    return sz;
}

/* A 32-bit i386 executable laid out like build64(). */
static void build32(img *b, uint32_t sig_off, uint32_t sig_size)
{
    memset(b, 0, sizeof *b);
    u32(b, ST_MACHO_MAGIC_32);
    u32(b, 7);                                      /* i386 */
    u32(b, 3);
    u32(b, 2);
    u32(b, 4);
    u32(b, 56 + 56 + 24 + 16);
    u32(b, 0x85);
    u32(b, ST_LC_SEGMENT); u32(b, 56); name16(b, "__TEXT");
    u32(b, 0x1000); u32(b, 4096); u32(b, 0); u32(b, 4096);
    u32(b, 5); u32(b, 5); u32(b, 0); u32(b, 0);
    u32(b, ST_LC_SEGMENT); u32(b, 56); name16(b, "__LINKEDIT");
    u32(b, 0x2000); u32(b, 4096); u32(b, 4096);
    u32(b, sig_off + sig_size - 4096);
    u32(b, 1); u32(b, 1); u32(b, 0); u32(b, 0);
    u32(b, ST_LC_UUID); u32(b, 24);
    memcpy(b->p + b->n, UUID, 16);
    b->n += 16;
    u32(b, ST_LC_CODE_SIGNATURE); u32(b, 16);
    u32(b, sig_off); u32(b, sig_size);
    for (size_t i = b->n; i < 4096; i++)
        b->p[i] = (uint8_t)(i * 11);
    b->n = 4096;
}

/* ---- Mach-O ------------------------------------------------------------ */

TEST(thin_64_le)
{
    img b;
    build64(&b, 1, 4096, 64);
    memset(b.p + 4096, 0, 64);
    b.n = 4096 + 64;
    st_macho m;
    CHECK_INT(st_macho_parse(b.p, b.n, &m), ST_MACHO_OK);
    CHECK_INT(m.is64, 1);
    CHECK_INT(m.big_endian, 0);
    CHECK_INT(m.cputype, 0x0100000c);
    CHECK_INT(m.filetype, 2);
    CHECK_INT(m.ncmds_seen, 4);
    CHECK_INT(m.has_uuid, 1);
    CHECK(!memcmp(m.uuid, UUID, 16));
    CHECK_INT(m.has_signature, 1);
    CHECK_INT(m.sig_offset, 4096);
    CHECK_INT(m.sig_size, 64);
    CHECK_INT(m.text.present, 1);
    CHECK_INT(m.text.filesize, 4096);
    CHECK_INT(m.linkedit.fileoff, 4096);
    CHECK_STR(st_macho_filetype_name(m.filetype), "execute");
    CHECK_INT(st_macho_is_candidate(b.p, b.n), 1);
}

TEST(thin_32_be)
{
    img b;
    memset(&b, 0, sizeof b);
    b.big = 1;
    u32(&b, ST_MACHO_MAGIC_32);
    u32(&b, 18);                  /* ppc */
    u32(&b, 0);
    u32(&b, 6);                   /* dylib */
    u32(&b, 2);
    u32(&b, 56 + 24);
    u32(&b, 0);
    u32(&b, ST_LC_SEGMENT); u32(&b, 56); name16(&b, "__TEXT");
    u32(&b, 0x1000); u32(&b, 0x1000); u32(&b, 0); u32(&b, 0x200);
    u32(&b, 5); u32(&b, 5); u32(&b, 0); u32(&b, 0);
    u32(&b, ST_LC_UUID); u32(&b, 24);
    memcpy(b.p + b.n, UUID, 16);
    b.n = 0x200;
    st_macho m;
    CHECK_INT(st_macho_parse(b.p, b.n, &m), ST_MACHO_OK);
    CHECK_INT(m.is64, 0);
    CHECK_INT(m.big_endian, 1);
    CHECK_INT(m.header_size, 28);
    CHECK_INT(m.cputype, 18);
    CHECK_INT(m.text.filesize, 0x200);
    CHECK_INT(m.has_uuid, 1);
    CHECK_INT(m.has_signature, 0);
    CHECK_STR(st_macho_filetype_name(m.filetype), "dylib");
}

TEST(identification_uuid_and_sha1)
{
    img b;
    build64(&b, 1, 0, 0);
    st_macho m;
    st_macho_parse(b.p, b.n, &m);
    uint8_t id[20];
    CHECK_INT(st_macho_identification(b.p, b.n, &m, id), 20);
    CHECK(!memcmp(id, "UUID", 4) && !memcmp(id + 4, UUID, 16));
    /* without LC_UUID: SHA-1 of the 28-byte mach_header, then the load
     * commands (which start at 32 in a 64-bit file) */
    uint32_t sz = build64(&b, 0, 0, 0);
    st_macho_parse(b.p, b.n, &m);
    CHECK_INT(m.has_uuid, 0);
    CHECK_INT(st_macho_identification(b.p, b.n, &m, id), 20);
    uint8_t want[20];
    unsigned len;
    EVP_MD_CTX *c = EVP_MD_CTX_new();
    EVP_DigestInit_ex(c, EVP_sha1(), NULL);
    EVP_DigestUpdate(c, b.p, 28);
    EVP_DigestUpdate(c, b.p + 32, sz);
    EVP_DigestFinal_ex(c, want, &len);
    EVP_MD_CTX_free(c);
    CHECK(!memcmp(id, want, 20));
}

/* Each hostile header is INVALID with a message, never a crash or loop. */
TEST(hostile_headers)
{
    img b;
    st_macho m;
    build64(&b, 1, 0, 0);
    CHECK_INT(st_macho_parse(b.p, 20, &m), ST_MACHO_INVALID);       /* cut */
    CHECK(strstr(m.problems[0], "truncated") != NULL);
    CHECK_INT(st_macho_parse(b.p, 100, &m), ST_MACHO_INVALID);
    build64(&b, 1, 0, 0);
    set_le(b.p + 20, 0xffffff00u);                       /* sizeofcmds */
    CHECK_INT(st_macho_parse(b.p, b.n, &m), ST_MACHO_INVALID);
    build64(&b, 1, 0, 0);
    set_le(b.p + 16, 0xffffffffu);                       /* ncmds */
    CHECK_INT(st_macho_parse(b.p, b.n, &m), ST_MACHO_INVALID);
    CHECK(strstr(m.problems[0], "4294967295 load commands") != NULL);
    build64(&b, 1, 0, 0);
    set_le(b.p + 32 + 4, 0);                             /* cmdsize 0 */
    CHECK_INT(st_macho_parse(b.p, b.n, &m), ST_MACHO_INVALID);
    CHECK(strstr(m.problems[0], "has size 0") != NULL);
    build64(&b, 1, 0, 0);
    set_le(b.p + 32 + 4, 4000);                          /* past the end */
    CHECK_INT(st_macho_parse(b.p, b.n, &m), ST_MACHO_INVALID);
    build64(&b, 1, 0, 0);
    set_le(b.p + 32 + 64, 0x10000000);                   /* nsects */
    CHECK_INT(st_macho_parse(b.p, b.n, &m), ST_MACHO_INVALID);
    CHECK(strstr(m.problems[0], "sections") != NULL);
    build64(&b, 1, 0x7ffffff0u, 64);                     /* signature out */
    CHECK_INT(st_macho_parse(b.p, b.n, &m), ST_MACHO_INVALID);
    CHECK_INT(m.has_signature, 0);
    build64(&b, 1, 8, 64);                               /* over the header */
    CHECK_INT(st_macho_parse(b.p, b.n, &m), ST_MACHO_INVALID);
    /* an LC_UUID of the wrong size is kept but is a problem */
    build64(&b, 1, 0, 0);
    set_le(b.p + 32 + 144 + 4, 32);
    set_le(b.p + 20, 72 + 72 + 32);
    st_macho_parse(b.p, b.n, &m);
    CHECK_INT(m.status, ST_MACHO_DAMAGED);
    CHECK_INT(m.uuid_cmdsize, 32);
    /* not a Mach-O */
    CHECK_INT(st_macho_parse((const uint8_t *)"\x7f" "ELF....", 8, &m),
              ST_MACHO_INVALID);
    CHECK_INT(st_macho_parse(NULL, 0, &m), ST_MACHO_INVALID);
}

/* A fat header over two copies of a thin image. */
static void build_fat(img *f, const img *t, int fat64)
{
    memset(f, 0, sizeof *f);
    be(f, fat64 ? ST_MACHO_FAT_MAGIC64 : ST_MACHO_FAT_MAGIC);
    be(f, 2);
    for (int i = 0; i < 2; i++) {
        be(f, i ? 0x01000007 : 0x0100000c);
        be(f, i ? 3 : 0);
        if (fat64)
            be(f, 0);
        be(f, 4096 + 8192 * (uint32_t)i);
        if (fat64)
            be(f, 0);
        be(f, (uint32_t)t->n);
        be(f, 12);
        if (fat64)
            be(f, 0);
    }
    memcpy(f->p + 4096, t->p, t->n);
    memcpy(f->p + 4096 + 8192, t->p, t->n);
    f->n = 4096 + 8192 + t->n;
}

TEST(universal)
{
    img t, f;
    build64(&t, 1, 0, 0);
    st_macho_fat fat;
    for (int f64 = 0; f64 < 2; f64++) {
        build_fat(&f, &t, f64);
        CHECK_INT(st_macho_fat_parse(f.p, f.n, &fat), ST_MACHO_OK);
        CHECK_INT(fat.kind, ST_MACHO_FAT);
        CHECK_INT(fat.fat64, f64);
        CHECK_INT(fat.nslices, 2);
        CHECK_INT(fat.slices[1].offset, 4096 + 8192);
        CHECK_INT(fat.slices[1].cputype, 0x01000007);
        CHECK_INT(st_macho_is_candidate(f.p, f.n), 1);
    }
    CHECK_INT(st_macho_fat_parse(t.p, t.n, &fat), ST_MACHO_OK);
    CHECK_INT(fat.kind, ST_MACHO_THIN);
    CHECK_INT(fat.nslices, 1);
    CHECK_INT(fat.slices[0].size, t.n);

    build_fat(&f, &t, 0);
    set_be(f.p + 4, 0);                           /* no architecture */
    CHECK_INT(st_macho_fat_parse(f.p, f.n, &fat), ST_MACHO_INVALID);
    set_be(f.p + 4, 52);                          /* a Java class file */
    CHECK_INT(st_macho_fat_parse(f.p, f.n, &fat), ST_MACHO_INVALID);
    CHECK_INT(st_macho_is_candidate(f.p, f.n), 0);
    CHECK(strstr(fat.problems[0], "Java") != NULL);
    build_fat(&f, &t, 0);
    set_be(f.p + 8 + 20 + 8, 4096 + 100);         /* overlapping slices */
    CHECK_INT(st_macho_fat_parse(f.p, f.n, &fat), ST_MACHO_DAMAGED);
    CHECK_INT(fat.nslices, 1);
    build_fat(&f, &t, 0);
    set_be(f.p + 8 + 8, 0xfffff000u);             /* out of the file */
    st_macho_fat_parse(f.p, f.n, &fat);
    CHECK_INT(fat.nslices, 1);
    CHECK(fat.nproblems >= 1);
    build_fat(&f, &t, 0);
    set_be(f.p + 8 + 8, 0);                       /* the header itself */
    set_be(f.p + 8 + 20 + 8, 0);
    CHECK_INT(st_macho_fat_parse(f.p, f.n, &fat), ST_MACHO_INVALID);
    build_fat(&f, &t, 0);
    memset(f.p + 4096, 0, 4);                     /* slice not a Mach-O */
    st_macho_fat_parse(f.p, f.n, &fat);
    CHECK_INT(fat.nslices, 1);
    CHECK_INT(st_macho_fat_parse(f.p, 12, &fat), ST_MACHO_INVALID);
}

/* ---- plists ------------------------------------------------------------ */

TEST(plist_reader)
{
    const char *x =
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
        "<!DOCTYPE plist PUBLIC \"-//Apple//DTD PLIST 1.0//EN\" "
        "\"http://www.apple.com/DTDs/PropertyList-1.0.dtd\" [ <!ENTITY a "
        "\"b\"> ]>\n<plist version=\"1.0\"><!-- c -->\n<dict>\n"
        "  <key>CFBundleExecutable</key>"
        "<string>Del&amp;ight &#x45;d</string>\n"
        "  <key>n</key><integer>-42</integer>\n"
        "  <key>r</key><real>1000</real>\n"
        "  <key>t</key><true/>\n"
        "  <key>d</key><data>\n  aGVs\n  bG8=\n  </data>\n"
        "  <key>e</key><string/>\n"
        "  <key>a</key>"
        "<array><string><![CDATA[x<y]]></string><dict/></array>\n"
        "</dict></plist>\n";
    st_plist pl;
    char err[200];
    CHECK_INT(st_plist_parse(&pl, x, strlen(x), err, sizeof err), 0);
    const st_pl_node *r = st_plist_root(&pl);
    CHECK(r && r->type == ST_PL_DICT);
    CHECK_INT(st_plist_count(&pl, r), 7);
    const st_pl_node *v = st_plist_get(&pl, r, "CFBundleExecutable");
    CHECK(v && v->type == ST_PL_STRING);
    CHECK_STR(v ? v->val : NULL, "Del&ight Ed");
    v = st_plist_get(&pl, r, "n");
    CHECK(v && v->ival == -42);
    v = st_plist_get(&pl, r, "r");
    CHECK(v && v->rval == 1000);
    CHECK(st_plist_get(&pl, r, "t")->type == ST_PL_TRUE);
    v = st_plist_get(&pl, r, "d");
    CHECK(v && v->val_len == 5 && !memcmp(v->val, "hello", 5));
    v = st_plist_get(&pl, r, "e");
    CHECK(v && v->val_len == 0);
    v = st_plist_get(&pl, r, "a");
    CHECK(v && st_plist_count(&pl, v) == 2);
    CHECK_STR(st_plist_first(&pl, v)->val, "x<y");
    CHECK(st_plist_get(&pl, r, "missing") == NULL);
    st_plist_free(&pl);

    /* malformed: each an error with a line number, never a crash */
    const char *bad[] = {
        "<plist><dict><key>a</key></dict></plist>",
        "<plist><dict><key>a</key><string>x</dict></plist>",
        "<plist><dict><string>x</string></dict></plist>",
        "<plist><data>@@@</data></plist>",
        "<plist><integer>12x</integer></plist>",
        "<plist><string>&bogus;</string></plist>",
        "<plist><string>&#0;</string></plist>",
        "<plist><unknown/></plist>",
        "<plist><string>x</string></plist> trailing",
        "bplist00\x01\x02",
        "<plist><dict>",
        "",
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        CHECK_INT(st_plist_parse(&pl, bad[i], strlen(bad[i]), err,
                                 sizeof err), -1);
        CHECK(err[0] != 0);
        st_plist_free(&pl);
    }
    /* nesting is bounded */
    char deep[4096] = "<plist>";
    for (int i = 0; i < 100; i++)
        strcat(deep, "<array>");
    CHECK_INT(st_plist_parse(&pl, deep, strlen(deep), err, sizeof err), -1);
    CHECK(strstr(err, "nested deeper") != NULL);
    st_plist_free(&pl);
}

/* ---- verification of a tiny image signed here -------------------------- */

typedef struct got {
    int status, location, nslices;
    int32_t code;
    int64_t page;
    char cdhash[41];
} got;

/* Verification callback: keeps what the tests look at. */
static int on_target(void *ctx, const st_verify_target *t)
{
    got *g = ctx;
    g->nslices = (int)t->nslices;
    g->status = t->nslices ? t->slices[0].status : ST_VSTATUS_ERROR;
    g->location = t->nslices ? t->slices[0].location : -1;
    g->code = t->nslices && t->slices[0].nerrors ? t->slices[0].errors[0].code
              : t->failed ? t->fail_code : 0;
    g->page = t->nslices && t->slices[0].nerrors ? t->slices[0].errors[0].page
                                                 : -1;
    snprintf(g->cdhash, sizeof g->cdhash, "%s",
             t->nslices ? t->slices[0].cdhash : "");
    return 0;
}

/* Signs b (one page of code, signature at 4096) with a SuperBlob holding
 * one SHA-256 CodeDirectory; returns the cdhash in hex.  is32: an i386
 * image; limit64: the code limit only in the 64-bit field (codeLimit 0). */
static void sign_tiny_as(img *b, char cdhash[41], int is32, int limit64)
{
    const char *id = "com.example.tiny";
    uint32_t cdlen = 88 + (uint32_t)strlen(id) + 1 + 32;
    uint32_t sblen = 12 + 8 + cdlen;
    if (is32)
        build32(b, 4096, sblen);
    else
        build64(b, 1, 4096, sblen);
    img s;
    memset(&s, 0, sizeof s);
    be(&s, ST_CS_MAGIC_EMBEDDED_SIGNATURE);
    be(&s, sblen);
    be(&s, 1);
    be(&s, 0);
    be(&s, 20);
    size_t cd = s.n;
    be(&s, ST_CS_MAGIC_CODEDIRECTORY);
    be(&s, cdlen);
    be(&s, 0x20400);
    be(&s, ST_CS_FLAG_ADHOC);
    be(&s, 88 + (uint32_t)strlen(id) + 1);     /* hashOffset */
    be(&s, 88);                                 /* identOffset */
    be(&s, 0);
    be(&s, 1);
    be(&s, limit64 ? 0 : 4096);
    s.p[s.n++] = 32;
    s.p[s.n++] = ST_CS_HASH_SHA256;
    s.p[s.n++] = 0;
    s.p[s.n++] = 12;
    s.n += 88 - 40;                             /* the rest of the header */
    if (limit64)                                /* codeLimit64 at 56 */
        set_be(s.p + cd + 60, 4096);
    memcpy(s.p + s.n, id, strlen(id) + 1);
    s.n += strlen(id) + 1;
    unsigned len;
    EVP_Digest(b->p, 4096, s.p + s.n, &len, EVP_sha256(), NULL);
    s.n += 32;
    uint8_t d[32];
    EVP_Digest(s.p + cd, cdlen, d, &len, EVP_sha256(), NULL);
    for (int i = 0; i < 20; i++)
        sprintf(cdhash + 2 * i, "%02x", d[i]);
    memcpy(b->p + 4096, s.p, s.n);
    b->n = 4096 + s.n;
}

/* The common case: a 64-bit image, 32-bit code limit. */
static void sign_tiny(img *b, char cdhash[41])
{
    sign_tiny_as(b, cdhash, 0, 0);
}

/* Writes the image to a temporary file and verifies it. */
static void verify_img(const img *b, got *g)
{
    char path[] = "/tmp/sigtrail-test-macho.XXXXXX";
    int fd = mkstemp(path);
    if (fd < 0 || write(fd, b->p, b->n) != (ssize_t)b->n) {
        CHECK(!"cannot write a temporary file");
        return;
    }
    close(fd);
    st_verify_opts o;
    memset(&o, 0, sizeof o);
    st_verifier *v = st_verifier_new(&o);
    char err[200];
    memset(g, 0, sizeof *g);
    CHECK_INT(st_verify_path(v, path, on_target, g, err, sizeof err), 0);
    st_verifier_free(v);
    unlink(path);
}

TEST(verify_tiny)
{
    img b;
    got g;
    char want[41];
    sign_tiny(&b, want);
    verify_img(&b, &g);
    CHECK_INT(g.nslices, 1);
    CHECK_INT(g.status, ST_VSTATUS_VALID);
    CHECK_INT(g.location, ST_VLOC_EMBEDDED);
    CHECK_STR(g.cdhash, want);
    /* one byte of code changed: page 0, errSecCSSignatureFailed */
    b.p[3000] ^= 1;
    verify_img(&b, &g);
    CHECK_INT(g.status, ST_VSTATUS_INVALID);
    CHECK_INT(g.code, ST_VERR_SIGNATURE_FAILED);
    CHECK_INT(g.page, 0);
    b.p[3000] ^= 1;
    /* the CodeDirectory itself changed: its page hash no longer matches
     * the code (the hash was edited) and the cdhash differs */
    b.p[b.n - 1] ^= 0xff;
    verify_img(&b, &g);
    CHECK_INT(g.status, ST_VSTATUS_INVALID);
    CHECK(strcmp(g.cdhash, want) != 0);
    b.p[b.n - 1] ^= 0xff;
    /* no signature at all: errSecCSUnsigned */
    build64(&b, 1, 0, 0);
    verify_img(&b, &g);
    CHECK_INT(g.status, ST_VSTATUS_UNSIGNED);
    CHECK_INT(g.code, ST_VERR_UNSIGNED);
    CHECK_INT(g.location, ST_VLOC_NONE);
    /* truncated inside the signature: the Mach-O is refused */
    sign_tiny(&b, want);
    b.n -= 10;
    verify_img(&b, &g);
    CHECK_INT(g.status, ST_VSTATUS_ERROR);
    CHECK_INT(g.code, ST_VERR_BAD_OBJECT_FORMAT);
    /* garbage */
    memset(b.p, 0x5a, 512);
    b.n = 512;
    verify_img(&b, &g);
    CHECK_INT(g.nslices, 0);
    CHECK_INT(g.code, ST_VERR_BAD_OBJECT_FORMAT);
    /* a 32-bit image, and a code limit given only in 64 bits */
    sign_tiny_as(&b, want, 1, 0);
    verify_img(&b, &g);
    CHECK_INT(g.status, ST_VSTATUS_VALID);
    CHECK_STR(g.cdhash, want);
    b.p[100] ^= 1;
    verify_img(&b, &g);
    CHECK_INT(g.status, ST_VSTATUS_INVALID);
    CHECK_INT(g.page, 0);
    sign_tiny_as(&b, want, 0, 1);
    verify_img(&b, &g);
    CHECK_INT(g.status, ST_VSTATUS_VALID);
}

/* Runs every test. */
int main(void)
{
    RUN(thin_64_le);
    RUN(thin_32_be);
    RUN(identification_uuid_and_sha1);
    RUN(hostile_headers);
    RUN(universal);
    RUN(plist_reader);
    RUN(verify_tiny);
    return RESULT();
}
