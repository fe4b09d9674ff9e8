/*
 * gen_secdb.c -- fixtures for the security-database parsers.
 *
 *   gen_secdb OUTDIR              write every fixture database into OUTDIR
 *   gen_secdb seeds DIR           write signature blobs (fuzzing seeds)
 *   gen_secdb scenario DIR        databases for fixtures/scenarios: a
 *                                 DetachedSignatures with a stale row for
 *                                 /usr/local/bin/iojs (the first seed
 *                                 article's case) and a QuarantineEventsV2
 *                                 with the DelightEd download
 *   gen_secdb lock DB SECS READY RELEASE
 *                                 hold an exclusive lock on DB (a pending
 *                                 write in a rollback journal), create
 *                                 READY once it is held, and let go when
 *                                 RELEASE exists or after SECS seconds
 *
 * The databases use the schemas documented in CODESIGNING.md §3 and carry
 * signature blobs built here byte by byte from the cs_blobs.h layout,
 * independently of parsers/codesig.c, so tests can check the parser against
 * values computed another way.  Files written (OUTDIR):
 *   detached.db        code/global: row 1 arm64, UUID identification,
 *                      SHA-256 CodeDirectory v0x20400 with team id; row 2
 *                      x86_64, SHA-1 identification, ad-hoc SHA-1 primary +
 *                      SHA-256 alternate CodeDirectory; row 3 i386 with a
 *                      damaged SuperBlob (CodeDirectory offset out of range)
 *   cd_row1.bin, cd_row2_sha1.bin, cd_row2_sha256.bin
 *                      the CodeDirectories exactly as embedded
 *   wal/DetachedSignatures, -wal, -shm
 *                      rows 1-2 in the main file, rows 3-4 only in the WAL
 *                      (copied while the writer, with wal_autocheckpoint=0,
 *                      still had them uncheckpointed)
 *   huge.db            a 40 MiB signature blob and a valid 200000-page one
 *   execpolicy.db      10.14 tables + policy_scan_cache (15.x columns) +
 *                      provenance_tracking + a table of an unknown version
 *   systempolicy.db    authority + object (+ feature, bookmarkhints)
 *   unknown.db         a database of no known kind (tables access, admin)
 * Everything is deterministic except SQLite's own file layout.
 */
#include <errno.h>
#include <openssl/evp.h>
#include <sqlite3.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* ---- byte buffer ------------------------------------------------------- */

typedef struct buf {
    uint8_t *p;
    size_t n, cap;
} buf;

/* Appends n bytes (exits on OOM: this is a test tool). */
static void put(buf *b, const void *s, size_t n)
{
    if (n == 0)
        return;
    if (b->n + n > b->cap) {
        size_t nc = b->cap ? b->cap : 256;
        while (nc < b->n + n)
            nc *= 2;
        b->p = realloc(b->p, nc);
        if (!b->p) {
            fprintf(stderr, "gen_secdb: out of memory\n");
            exit(1);
        }
        b->cap = nc;
    }
    memcpy(b->p + b->n, s, n);
    b->n += n;
}

/* Appends a big-endian u32. */
static void put32(buf *b, uint32_t v)
{
    uint8_t x[4] = {(uint8_t)(v >> 24), (uint8_t)(v >> 16), (uint8_t)(v >> 8),
                    (uint8_t)v};
    put(b, x, 4);
}

/* Appends a big-endian u64. */
static void put64(buf *b, uint64_t v)
{
    put32(b, (uint32_t)(v >> 32));
    put32(b, (uint32_t)v);
}

/* Overwrites a big-endian u32 at `at` (length fields patched later). */
static void set32(buf *b, size_t at, uint32_t v)
{
    b->p[at] = (uint8_t)(v >> 24);
    b->p[at + 1] = (uint8_t)(v >> 16);
    b->p[at + 2] = (uint8_t)(v >> 8);
    b->p[at + 3] = (uint8_t)v;
}

/* SHA-1 (type 1) / SHA-256 (type 2) of p into out; returns the size. */
static size_t digest(int type, const void *p, size_t n, uint8_t *out)
{
    unsigned int len = 0;
    EVP_Digest(p, n, out, &len, type == 1 ? EVP_sha1() : EVP_sha256(), NULL);
    return len;
}

/* ---- signature blobs --------------------------------------------------- */

typedef struct cd_spec {
    uint32_t version, flags;
    int hash_type;           /* 1 SHA-1, 2 SHA-256 */
    const char *identifier, *team;
    uint32_t code_limit;
    uint8_t page_log2;
    /* special slot contents (index 1..7), NULL = empty slot */
    const buf *special[8];
} cd_spec;

/* Builds a CodeDirectory: header, identifier, team, special hashes, code
 * hashes (of synthetic pages). */
static void build_cd(buf *out, const cd_spec *s)
{
    uint32_t hs = s->hash_type == 1 ? 20 : 32;
    uint32_t page = 1u << s->page_log2;
    uint32_t ncode = (s->code_limit + page - 1) / page;
    uint32_t nspecial = 7;
    uint32_t hdr = s->version >= 0x20400 ? 88 : s->version >= 0x20200 ? 52
                                                                     : 48;
    uint32_t ident_off = hdr;
    uint32_t team_off = s->team ? ident_off + (uint32_t)strlen(s->identifier)
                                      + 1 : 0;
    uint32_t strings_end = (team_off ? team_off + (uint32_t)strlen(s->team)
                                     : ident_off +
                                           (uint32_t)strlen(s->identifier)) +
                           1;
    uint32_t hash_off = strings_end + nspecial * hs;
    uint32_t total = hash_off + ncode * hs;
    buf b = {0};
    put32(&b, 0xfade0c02);
    put32(&b, total);
    put32(&b, s->version);
    put32(&b, s->flags);
    put32(&b, hash_off);
    put32(&b, ident_off);
    put32(&b, nspecial);
    put32(&b, ncode);
    put32(&b, s->code_limit);
    uint8_t bytes[4] = {(uint8_t)hs, (uint8_t)s->hash_type, 0, s->page_log2};
    put(&b, bytes, 4);
    put32(&b, 0);                            /* spare2 */
    if (s->version >= 0x20100)
        put32(&b, 0);                        /* scatterOffset */
    if (s->version >= 0x20200)
        put32(&b, team_off);
    if (s->version >= 0x20300) {
        put32(&b, 0);                        /* spare3 */
        put64(&b, 0);                        /* codeLimit64 */
    }
    if (s->version >= 0x20400) {
        put64(&b, 0);                        /* execSegBase */
        put64(&b, s->code_limit);            /* execSegLimit */
        put64(&b, 1);                        /* CS_EXECSEG_MAIN_BINARY */
    }
    put(&b, s->identifier, strlen(s->identifier) + 1);
    if (s->team)
        put(&b, s->team, strlen(s->team) + 1);
    uint8_t h[64];
    for (uint32_t k = nspecial; k >= 1; k--) {   /* slot -7 first */
        memset(h, 0, sizeof h);
        if (s->special[k])
            digest(s->hash_type, s->special[k]->p, s->special[k]->n, h);
        put(&b, h, hs);
    }
    for (uint32_t i = 0; i < ncode; i++) {
        char page_text[96];
        int k = snprintf(page_text, sizeof page_text, "%s page %u",
                         s->identifier, i);
        digest(s->hash_type, page_text, (size_t)k, h);
        put(&b, h, hs);
    }
    if (b.n != total) {
        fprintf(stderr, "gen_secdb: CodeDirectory size mismatch\n");
        exit(1);
    }
    put(out, b.p, b.n);
    free(b.p);
}

/* A requirements set: with an identifier, one designated requirement
 * `identifier "ID" and anchor apple generic and certificate leaf[subject.OU]
 * = TEAM`; without, the empty set ad-hoc signatures carry. */
static void build_requirements(buf *out, const char *ident, const char *team)
{
    buf r = {0};
    if (ident) {
        put32(&r, 0xfade0c00);
        put32(&r, 0);                        /* length, patched */
        put32(&r, 1);                        /* kind: expression */
        put32(&r, 6);                        /* opAnd */
        put32(&r, 2);                        /* opIdent */
        put32(&r, (uint32_t)strlen(ident));
        put(&r, ident, strlen(ident));
        while (r.n % 4)
            put(&r, "", 1);
        put32(&r, 6);                        /* opAnd */
        put32(&r, 15);                       /* opAppleGenericAnchor */
        put32(&r, 5);                        /* opCertField */
        put32(&r, 0);                        /* leaf */
        put32(&r, 10);
        put(&r, "subject.OU\0\0", 12);
        put32(&r, 1);                        /* matchEqual */
        put32(&r, (uint32_t)strlen(team));
        put(&r, team, strlen(team));
        while (r.n % 4)
            put(&r, "", 1);
        set32(&r, 4, (uint32_t)r.n);
    }
    put32(out, 0xfade0c01);
    put32(out, (uint32_t)(12 + (ident ? 8 : 0) + r.n));
    put32(out, ident ? 1 : 0);
    if (ident) {
        put32(out, 3);                       /* designated */
        put32(out, 20);
        put(out, r.p, r.n);
    }
    free(r.p);
}

typedef struct sig_parts {
    buf cd, cd_alt, req, ent, der, cms;
    buf sig;
} sig_parts;

/* Assembles a SuperBlob from the non-empty parts in slot order. */
static void build_superblob(sig_parts *s)
{
    struct { uint32_t slot; buf *b; } parts[] = {
        {0, &s->cd}, {2, &s->req}, {5, &s->ent}, {7, &s->der},
        {0x1000, &s->cd_alt}, {0x10000, &s->cms}};
    uint32_t count = 0;
    for (size_t i = 0; i < 6; i++)
        count += parts[i].b->n > 0;
    uint32_t off = 12 + 8 * count, total = off;
    for (size_t i = 0; i < 6; i++)
        total += (uint32_t)parts[i].b->n;
    put32(&s->sig, 0xfade0cc0);
    put32(&s->sig, total);
    put32(&s->sig, count);
    for (size_t i = 0; i < 6; i++)
        if (parts[i].b->n) {
            put32(&s->sig, parts[i].slot);
            put32(&s->sig, off);
            off += (uint32_t)parts[i].b->n;
        }
    for (size_t i = 0; i < 6; i++)
        put(&s->sig, parts[i].b->p, parts[i].b->n);
}

/* Frees every part and resets them. */
static void free_parts(sig_parts *s)
{
    free(s->cd.p);
    free(s->cd_alt.p);
    free(s->req.p);
    free(s->ent.p);
    free(s->der.p);
    free(s->cms.p);
    free(s->sig.p);
    memset(s, 0, sizeof *s);
}

/* A Developer-ID-shaped signature: hardened runtime, team id, SHA-256
 * CodeDirectory with Info.plist, requirements, resources, entitlements
 * and DER entitlements bound, and a CMS blob. */
static void developer_signature(sig_parts *s, const char *ident,
                                const char *team, uint32_t code_limit)
{
    static const char plist[] =
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
        "<!DOCTYPE plist PUBLIC \"-//Apple//DTD PLIST 1.0//EN\" "
        "\"http://www.apple.com/DTDs/PropertyList-1.0.dtd\">\n"
        "<plist version=\"1.0\">\n<dict>\n"
        "\t<key>com.apple.security.cs.allow-jit</key>\n\t<true/>\n"
        "</dict>\n</plist>\n";
    /* DER form of the same dictionary: [APPLICATION 16] { SET { SEQUENCE
     * { UTF8String key, BOOLEAN TRUE } } } */
    static const uint8_t der[] = {
        0x70, 0x2b, 0x02, 0x01, 0x01, 0xb0, 0x26, 0x30, 0x24, 0x0c, 0x1f,
        'c', 'o', 'm', '.', 'a', 'p', 'p', 'l', 'e', '.', 's', 'e', 'c', 'u',
        'r', 'i', 't', 'y', '.', 'c', 's', '.', 'a', 'l', 'l', 'o', 'w', '-',
        'j', 'i', 't', 0x01, 0x01, 0xff};
    buf info = {0}, res = {0};
    put(&info, "<plist><dict><key>CFBundleIdentifier</key></dict></plist>",
        57);
    put(&res, "<plist><dict><key>files</key></dict></plist>", 44);
    build_requirements(&s->req, ident, team);
    put32(&s->ent, 0xfade7171);
    put32(&s->ent, (uint32_t)(8 + sizeof plist - 1));
    put(&s->ent, plist, sizeof plist - 1);
    put32(&s->der, 0xfade7172);
    put32(&s->der, (uint32_t)(8 + sizeof der));
    put(&s->der, der, sizeof der);
    cd_spec cs = {0x20400, 0x10000, 2, ident, team, code_limit, 12, {0}};
    cs.special[1] = &info;
    cs.special[2] = &s->req;
    cs.special[3] = &res;
    cs.special[5] = &s->ent;
    cs.special[7] = &s->der;
    build_cd(&s->cd, &cs);
    /* CMS SignedData shape: SEQUENCE { OID 1.2.840.113549.1.7.2, ... };
     * contents are placeholders (no parser here verifies CMS). */
    static const uint8_t cms_head[] = {0x30, 0x80, 0x06, 0x09, 0x2a, 0x86,
                                       0x48, 0x86, 0xf7, 0x0d, 0x01, 0x07,
                                       0x02, 0xa0, 0x80};
    put32(&s->cms, 0xfade0b01);
    put32(&s->cms, 8 + 256);
    put(&s->cms, cms_head, sizeof cms_head);
    for (size_t i = sizeof cms_head; i < 256; i++) {
        uint8_t z = (uint8_t)(i * 37);
        put(&s->cms, &z, 1);
    }
    build_superblob(s);
    free(info.p);
    free(res.p);
}

/* An ad-hoc signature as codesign -s - makes it: SHA-1 primary and SHA-256
 * alternate CodeDirectory, empty requirements, empty CMS wrapper. */
static void adhoc_signature(sig_parts *s, const char *ident,
                            uint32_t code_limit)
{
    build_requirements(&s->req, NULL, NULL);
    cd_spec c1 = {0x20400, 0x2, 1, ident, NULL, code_limit, 12, {0}};
    c1.special[2] = &s->req;
    build_cd(&s->cd, &c1);
    cd_spec c2 = c1;
    c2.hash_type = 2;
    build_cd(&s->cd_alt, &c2);
    put32(&s->cms, 0xfade0b01);
    put32(&s->cms, 8);
    build_superblob(s);
}

/* A SuperBlob whose CodeDirectory entry points past its end. */
static void broken_signature(buf *out)
{
    put32(out, 0xfade0cc0);
    put32(out, 12 + 16 + 12);
    put32(out, 2);
    put32(out, 0);
    put32(out, 0x7fff0000);                  /* CodeDirectory: way out */
    put32(out, 2);
    put32(out, 28);                          /* requirements: fine */
    put32(out, 0xfade0c01);
    put32(out, 12);
    put32(out, 0);
}

/* ---- SQLite helpers ---------------------------------------------------- */

static void die_db(sqlite3 *db, const char *what)
{
    fprintf(stderr, "gen_secdb: %s: %s\n", what, sqlite3_errmsg(db));
    exit(1);
}

/* Runs SQL without parameters (schema, pragmas); exits on error. */
static void exec(sqlite3 *db, const char *sql)
{
    char *e = NULL;
    if (sqlite3_exec(db, sql, NULL, NULL, &e) != SQLITE_OK) {
        fprintf(stderr, "gen_secdb: %s\n  in: %.200s\n", e, sql);
        exit(1);
    }
}

/* Opens a new database at path, removing an old one. */
static sqlite3 *create(const char *path)
{
    sqlite3 *db;
    unlink(path);
    if (sqlite3_open(path, &db) != SQLITE_OK)
        die_db(db, path);
    return db;
}

/* Binds each value described by `types` ('i' int64, 't' text, 'b' blob
 * (pointer, size), 'r' double, 'n' null) and steps the statement once. */
static void insert(sqlite3 *db, const char *sql, const char *types, ...)
{
    sqlite3_stmt *q;
    if (sqlite3_prepare_v2(db, sql, -1, &q, NULL) != SQLITE_OK)
        die_db(db, sql);
    va_list ap;
    va_start(ap, types);
    for (int i = 0; types[i]; i++) {
        int col = i + 1;
        switch (types[i]) {
        case 'i': sqlite3_bind_int64(q, col, va_arg(ap, int64_t)); break;
        case 't': sqlite3_bind_text(q, col, va_arg(ap, const char *), -1,
                                    SQLITE_TRANSIENT); break;
        case 'r': sqlite3_bind_double(q, col, va_arg(ap, double)); break;
        case 'n': sqlite3_bind_null(q, col); break;
        case 'z': sqlite3_bind_zeroblob(q, col, va_arg(ap, int)); break;
        case 'b': {
            const void *p = va_arg(ap, const void *);
            int n = va_arg(ap, int);
            sqlite3_bind_blob(q, col, p, n, SQLITE_TRANSIENT);
            break;
        }
        }
    }
    va_end(ap);
    if (sqlite3_step(q) != SQLITE_DONE)
        die_db(db, sql);
    sqlite3_finalize(q);
}

/* Writes dir/name; exits on error. */
static void write_file(const char *dir, const char *name, const void *p,
                       size_t n)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "wb");
    if (!f || fwrite(p, 1, n, f) != n || fclose(f) != 0) {
        fprintf(stderr, "gen_secdb: %s: %s\n", path, strerror(errno));
        exit(1);
    }
}

/* Byte copy of one file; exits on error. */
static void copy_file(const char *from, const char *to)
{
    FILE *a = fopen(from, "rb"), *b = fopen(to, "wb");
    char chunk[65536];
    size_t k;
    if (!a || !b) {
        fprintf(stderr, "gen_secdb: copy %s: %s\n", from, strerror(errno));
        exit(1);
    }
    while ((k = fread(chunk, 1, sizeof chunk, a)) > 0)
        if (fwrite(chunk, 1, k, b) != k) {
            fprintf(stderr, "gen_secdb: copy %s: write failed\n", from);
            exit(1);
        }
    fclose(a);
    if (fclose(b) != 0)
        exit(1);
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

#define CPU_X86 7
#define CPU_X86_64 0x01000007
#define CPU_ARM64 0x0100000c

/* One signature stored the way SignatureDatabaseWriter does: a global
 * row, then the code row pointing at it. */
static void store(sqlite3 *db, const char *location, const char *ident,
                  int64_t arch, const uint8_t *idf, size_t idn,
                  const uint8_t *sig, size_t sn, const char *created)
{
    insert(db, "INSERT INTO global(sign_location, signature) VALUES(?, ?)",
           "tn", location);
    int64_t gid = sqlite3_last_insert_rowid(db);
    insert(db, "INSERT INTO code(global, identifier, architecture, "
           "identification, signature, created) VALUES(?,?,?,?,?,?)",
           "itibbt", gid, ident, arch, idf, (int)idn, sig, (int)sn, created);
}

static const uint8_t uuid_row1[20] = {
    'U', 'U', 'I', 'D', 0x3f, 0x25, 0x04, 0xe0, 0x4f, 0x89, 0x11, 0xd3,
    0x9a, 0x0c, 0x03, 0x05, 0xe8, 0x2c, 0x33, 0x01};

/* detached.db and the CodeDirectory files beside it. */
static void gen_detached(const char *dir)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/detached.db", dir);
    sqlite3 *db = create(path);
    exec(db, detached_schema);
    exec(db, "BEGIN");

    sig_parts s1 = {0};
    developer_signature(&s1, "com.example.tool", "ABCDE12345",
                        3 * 4096 - 100);
    store(db, "/usr/local/bin/tool", "com.example.tool", CPU_ARM64,
          uuid_row1, 20, s1.sig.p, s1.sig.n, "2024-03-05 14:07:09");
    write_file(dir, "cd_row1.bin", s1.cd.p, s1.cd.n);

    /* row 2: no LC_UUID, so the identification is a SHA-1 of the header;
     * codesign names such code after that hash */
    uint8_t idf[20];
    digest(1, "mach_header+load commands of helper", 36, idf);
    char ident[64] = "helper-";
    for (int i = 0; i < 20; i++)
        snprintf(ident + 7 + 2 * i, 3, "%02x", idf[i]);
    sig_parts s2 = {0};
    adhoc_signature(&s2, ident, 5 * 4096);
    store(db, "/usr/local/bin/helper", ident, CPU_X86_64, idf, 20,
          s2.sig.p, s2.sig.n, "2024-03-05 14:10:00");
    write_file(dir, "cd_row2_sha1.bin", s2.cd.p, s2.cd.n);
    write_file(dir, "cd_row2_sha256.bin", s2.cd_alt.p, s2.cd_alt.n);

    buf bad = {0};
    broken_signature(&bad);
    uint8_t idf3[20];
    digest(1, "broken", 6, idf3);
    store(db, "/Applications/Broken.app/Contents/MacOS/Broken",
          "com.example.broken", CPU_X86, idf3, 20, bad.p, bad.n,
          "2024-03-06 09:00:00");
    exec(db, "COMMIT");
    sqlite3_close(db);
    free_parts(&s1);
    free_parts(&s2);
    free(bad.p);
}

/* wal/DetachedSignatures whose two newest rows exist only in its WAL. */
static void gen_wal(const char *dir)
{
    char work[4096], out[4096], from[4200], to[4200];
    snprintf(work, sizeof work, "%s/.walwork", dir);
    snprintf(out, sizeof out, "%s/wal", dir);
    mkdir(work, 0700);
    mkdir(out, 0755);
    snprintf(from, sizeof from, "%s/DetachedSignatures", work);
    sqlite3 *db = create(from);
    exec(db, "PRAGMA journal_mode=WAL");
    exec(db, "PRAGMA wal_autocheckpoint=0");
    exec(db, detached_schema);
    static const char *const names[] = {"com.example.old1",
                                        "com.example.old2",
                                        "com.example.walonly1",
                                        "com.example.walonly2"};
    for (int i = 0; i < 4; i++) {
        if (i == 2)   /* rows so far go to the main file */
            exec(db, "PRAGMA wal_checkpoint(TRUNCATE)");
        sig_parts s = {0};
        developer_signature(&s, names[i], "WALTEAM001",
                            4096 * (uint32_t)(i + 1));
        uint8_t idf[20], sha[20];
        digest(1, names[i], strlen(names[i]), sha);
        memcpy(idf, "UUID", 4);
        memcpy(idf + 4, sha, 16);   /* a made-up LC_UUID */
        char loc[128], created[32];
        snprintf(loc, sizeof loc, "/opt/example/bin/tool%d", i + 1);
        snprintf(created, sizeof created, "2024-04-0%d 10:00:00", i + 1);
        store(db, loc, names[i], CPU_ARM64, idf, 20, s.sig.p, s.sig.n,
              created);
        free_parts(&s);
    }
    /* copy while the writer still holds rows 3-4 in the WAL */
    static const char *const sfx[] = {"", "-wal", "-shm"};
    for (int i = 0; i < 3; i++) {
        snprintf(from, sizeof from, "%s/DetachedSignatures%s", work, sfx[i]);
        snprintf(to, sizeof to, "%s/DetachedSignatures%s", out, sfx[i]);
        copy_file(from, to);
    }
    sqlite3_close(db);
    for (int i = 0; i < 3; i++) {
        snprintf(from, sizeof from, "%s/DetachedSignatures%s", work, sfx[i]);
        unlink(from);
    }
    rmdir(work);
}

/* huge.db: one signature over the parser's load limit, one large but
 * valid (200000 code pages). */
static void gen_huge(const char *dir)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/huge.db", dir);
    sqlite3 *db = create(path);
    exec(db, detached_schema);
    exec(db, "BEGIN");
    insert(db, "INSERT INTO global(sign_location) VALUES('/opt/huge')", "");
    int64_t gid = sqlite3_last_insert_rowid(db);
    uint8_t idf[20];
    digest(1, "huge", 4, idf);
    insert(db, "INSERT INTO code(global, identifier, architecture, "
           "identification, signature, created) VALUES(?,?,?,?,?,?)",
           "itibzt", gid, "com.example.huge", (int64_t)CPU_ARM64, idf, 20,
           40 * 1024 * 1024, "2024-05-01 00:00:00");
    sig_parts s = {0};
    developer_signature(&s, "com.example.big", "BIGTEAM001",
                        200000u * 4096u);
    uint8_t idf2[20];
    digest(1, "big", 3, idf2);
    store(db, "/opt/big", "com.example.big", CPU_ARM64, idf2, 20, s.sig.p,
          s.sig.n, "2024-05-01 00:00:01");
    write_file(dir, "cd_big.bin", s.cd.p, s.cd.n);
    free_parts(&s);
    exec(db, "COMMIT");
    sqlite3_close(db);
}

/* ---- ExecPolicy -------------------------------------------------------- */

static void gen_execpolicy(const char *dir)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/execpolicy.db", dir);
    sqlite3 *db = create(path);
    exec(db,
        "CREATE TABLE settings ( name TEXT, value TEXT, PRIMARY KEY (name) );"
        "CREATE TABLE old_platform_cache ( key TEXT, ts INTEGER, PRIMARY KEY "
        "(key) );"
        "CREATE TABLE legacy_exec_history_v4 (  uid INTEGER NOT NULL,  "
        "exec_path TEXT NOT NULL,  mmap_path TEXT,  signing_id TEXT,  "
        "team_id TEXT,  cd_hash TEXT,  responsible_path TEXT,  "
        "developer_name TEXT,  last_seen TEXT NOT NULL DEFAULT "
        "(datetime('now')),  PRIMARY KEY (uid, exec_path, mmap_path));"
        "CREATE TABLE scan_targets_v2 (  path TEXT NOT NULL,  "
        "responsible_path TEXT,  is_library INTEGER,  is_used INTEGER,  "
        "timestamp INTEGER NOT NULL DEFAULT (strftime('%s','now')),  "
        "measured_timestamp INTEGER,  deferral_count INTEGER,  PRIMARY KEY "
        "(path));"
        "CREATE TABLE executable_measurements_v2 (  is_signed INTEGER,  "
        "file_identifier TEXT NOT NULL,  bundle_identifier TEXT,  "
        "bundle_version TEXT,  team_identifier TEXT,  signing_identifier "
        "TEXT,  cdhash TEXT NOT NULL,  main_executable_hash TEXT,  "
        "executable_timestamp INTEGER,  file_size INTEGER,  is_library "
        "INTEGER,  is_used INTEGER,  responsible_file_identifier TEXT,  "
        "is_valid INTEGER,  is_quarantined INTEGER,  timestamp INTEGER NOT "
        "NULL DEFAULT (strftime('%s','now')),  reported_timestamp INTEGER,  "
        "PRIMARY KEY (cdhash));"
        "CREATE TABLE policy_scan_cache (  pk INTEGER PRIMARY KEY "
        "AUTOINCREMENT,  volume_uuid TEXT NOT NULL,  object_id INTEGER,  "
        "fs_type_name TEXT NOT NULL,  bundle_id TEXT NOT NULL,  cdhash TEXT,"
        "  team_identifier TEXT,  signing_identifier TEXT,  policy_match "
        "INTEGER,  malware_result INTEGER,  flags INTEGER,  mod_time "
        "INTEGER,  timestamp INTEGER NOT NULL,  revocation_check_time "
        "INTEGER,  scan_version INTEGER,  top_policy_match INTEGER, "
        "matched_rule_name TEXT,  UNIQUE(volume_uuid, object_id, "
        "fs_type_name));"
        "CREATE TABLE provenance_tracking (  pk INTEGER PRIMARY KEY,  url "
        "TEXT NOT NULL,  bundle_id TEXT,  cdhash TEXT,  team_identifier "
        "TEXT,  signing_identifier TEXT,  flags INTEGER,  timestamp INTEGER "
        "NOT NULL,  link_pk INTEGER);"
        "CREATE TABLE staged_samples (  pk INTEGER PRIMARY KEY "
        "AUTOINCREMENT,  timestamp INTEGER NOT NULL,  sample_path TEXT,  "
        "future_column TEXT);");
    exec(db, "BEGIN");
    insert(db, "INSERT INTO settings VALUES(?, ?)", "tt", "version", "4");
    insert(db, "INSERT INTO legacy_exec_history_v4 VALUES(?,?,?,?,?,?,?,?,?)",
           "ittttttnt", (int64_t)501, "/Applications/OldGame.app/Contents/"
           "MacOS/OldGame", "/Applications/OldGame.app/Contents/MacOS/"
           "OldGame", "com.example.oldgame", "OLDTEAM001",
           "0f1e2d3c4b5a69788796a5b4c3d2e1f00f1e2d3c",
           "/Applications/OldGame.app", "2019-06-01 12:00:00");
    insert(db, "INSERT INTO scan_targets_v2 VALUES(?,?,?,?,?,?,?)",
           "tniiiii", "/Users/alice/Downloads/Tool.app", (int64_t)0,
           (int64_t)1, (int64_t)1700000000, (int64_t)1700000100,
           (int64_t)0);
    insert(db, "INSERT INTO executable_measurements_v2 VALUES(?,?,?,?,?,?,?,"
           "?,?,?,?,?,?,?,?,?,?)", "itttttttiiiiniiii", (int64_t)1,
           "A1B2C3D4E5", "com.example.Tool", "1.2", "ABCDE12345",
           "com.example.tool", "9F86D081884C7D659A2FEAA0C55AD015A3BF4F1B",
           "2c26b46b68ffc68ff99b453c1d30413413422d706483bfa0f98a5e886266e7ae",
           (int64_t)1699999000, (int64_t)123456, (int64_t)0, (int64_t)1,
           (int64_t)1, (int64_t)0, (int64_t)1700000200, (int64_t)1700000300);
    insert(db, "INSERT INTO executable_measurements_v2(is_signed, "
           "file_identifier, cdhash, is_valid, is_quarantined, timestamp) "
           "VALUES(?,?,?,?,?,?)", "ittiii", (int64_t)0, "F0F0F0",
           "0000000000000000000000000000000000000000", (int64_t)0,
           (int64_t)1, (int64_t)1700000400);
    insert(db, "INSERT INTO policy_scan_cache(volume_uuid, object_id, "
           "fs_type_name, bundle_id, cdhash, team_identifier, "
           "signing_identifier, policy_match, malware_result, flags, "
           "mod_time, timestamp, revocation_check_time, scan_version, "
           "top_policy_match, matched_rule_name) VALUES(?,?,?,?,?,?,?,?,?,?,"
           "?,?,?,?,?,?)", "titttttiiiiiiiit",
           "0A81F3B1-51D9-3335-B3E3-169C3640360D", (int64_t)1234567, "apfs",
           "com.example.Tool", "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b",
           "ABCDE12345", "com.example.tool", (int64_t)1, (int64_t)0,
           (int64_t)526, (int64_t)1699999000, (int64_t)1700000500,
           (int64_t)1700000501, (int64_t)4, (int64_t)1, "Developer ID");
    insert(db, "INSERT INTO policy_scan_cache(volume_uuid, object_id, "
           "fs_type_name, bundle_id, flags, timestamp) VALUES(?,?,?,?,?,?)",
           "tittii", "0A81F3B1-51D9-3335-B3E3-169C3640360D",
           (int64_t)7654321, "apfs", "NOT_A_BUNDLE", (int64_t)512,
           (int64_t)1700000600);
    insert(db, "INSERT INTO provenance_tracking VALUES(?,?,?,?,?,?,?,?,?)",
           "itttttiii", (int64_t)2404707212034460240LL,
           "/Applications/Google Chrome.app", "com.google.Chrome",
           "8137beefb3eabec723e516061e6611ecca079057", "EQHXZ8M8AV",
           "com.google.Chrome", (int64_t)2, (int64_t)1736581744, (int64_t)0);
    insert(db, "INSERT INTO provenance_tracking VALUES(?,?,?,?,?,?,?,?,?)",
           "ittnnniii", (int64_t)77, "/Users/alice/Downloads/Tool.app",
           "com.example.Tool", (int64_t)0, (int64_t)1736581800,
           (int64_t)2404707212034460240LL);
    insert(db, "INSERT INTO staged_samples(timestamp, sample_path, "
           "future_column) VALUES(?,?,?)", "itt", (int64_t)1736582000,
           "/private/var/db/samples/1", "kept as is");
    exec(db, "COMMIT");
    sqlite3_close(db);
}

/* ---- SystemPolicy ------------------------------------------------------ */

static void gen_systempolicy(const char *dir)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/systempolicy.db", dir);
    sqlite3 *db = create(path);
    exec(db,
        "PRAGMA user_version = 1;"
        "CREATE TABLE feature (id INTEGER PRIMARY KEY, name TEXT NOT NULL "
        "UNIQUE, value TEXT NULL, remarks TEXT NULL);"
        "CREATE TABLE authority ( id INTEGER PRIMARY KEY AUTOINCREMENT, "
        "version INTEGER NOT NULL DEFAULT (1) CHECK (version > 0), type "
        "INTEGER NOT NULL, requirement TEXT NULL CHECK ((requirement IS "
        "NULL) = ((flags & 1) != 0)), allow INTEGER NOT NULL DEFAULT (1) "
        "CHECK (allow = 0 OR allow = 1), disabled INTEGER NOT NULL DEFAULT "
        "(0) CHECK (disabled >= 0), expires FLOAT NOT NULL DEFAULT "
        "(5000000), priority REAL NOT NULL DEFAULT (0), label TEXT NULL, "
        "filter_unsigned TEXT NULL, flags INTEGER NOT NULL DEFAULT (0), "
        "ctime FLOAT NOT NULL DEFAULT (JULIANDAY('now')), mtime FLOAT NOT "
        "NULL DEFAULT (JULIANDAY('now')), user TEXT NULL, remarks TEXT "
        "NULL);"
        "CREATE INDEX authority_type ON authority (type);"
        "CREATE INDEX authority_priority ON authority (priority);"
        "CREATE INDEX authority_expires ON authority (expires);"
        "CREATE TRIGGER authority_update AFTER UPDATE ON authority BEGIN "
        "UPDATE authority SET mtime = JULIANDAY('now') WHERE id = old.id; "
        "END;"
        "CREATE VIEW active_authority AS SELECT * from authority WHERE "
        "disabled = 0 AND JULIANDAY('now') < expires AND (flags & 1) = 0;"
        "CREATE TABLE bookmarkhints (id INTEGER PRIMARY KEY AUTOINCREMENT, "
        "bookmark BLOB NOT NULL, authority INTEGER NOT NULL REFERENCES "
        "authority(id) ON DELETE CASCADE);"
        "CREATE TABLE object ( id INTEGER PRIMARY KEY, type INTEGER NOT "
        "NULL, hash CDHASH NOT NULL, allow INTEGER NOT NULL, expires FLOAT "
        "NOT NULL DEFAULT (5000000), authority INTEGER NOT NULL REFERENCES "
        "authority(id) ON DELETE CASCADE, path TEXT NULL, ctime FLOAT NOT "
        "NULL DEFAULT (JULIANDAY('now')), mtime FLOAT NOT NULL DEFAULT "
        "(JULIANDAY('now')), remarks TEXT NULL);"
        "CREATE INDEX object_type ON object (type);"
        "CREATE UNIQUE INDEX object_hash ON object (hash);");
    exec(db, "BEGIN");
    insert(db, "INSERT INTO feature(name, value) VALUES(?,?)", "tt",
           "filter_unsigned", "yes");
    static const char devid[] =
        "anchor apple generic and certificate 1[field.1.2.840.113635.100.6."
        "2.6] exists and certificate leaf[field.1.2.840.113635.100.6.1.13] "
        "exists";
    const char *ins = "INSERT INTO authority(type, requirement, allow, "
                      "disabled, expires, priority, label, flags, ctime, "
                      "mtime) VALUES(?,?,?,?,?,?,?,?,?,?)";
    /* 2460375.5 = 2024-03-06T00:00:00Z; .25 day later = 18:00 the next */
    insert(db, ins, "iniirrtirr", (int64_t)1, (int64_t)0, (int64_t)0,
           5000000.0, -1e100, "No Matching Rule", (int64_t)1, 2460375.5,
           2460375.5);
    insert(db, ins, "itiirrtirr", (int64_t)1, devid, (int64_t)1, (int64_t)0,
           5000000.0, 0.0, "Developer ID", (int64_t)2, 2460375.5,
           2460375.5);
    insert(db, ins, "itiirrtirr", (int64_t)1, "anchor apple generic and "
           "notarized", (int64_t)1, (int64_t)0, 5000000.0, 5.0,
           "Notarized Developer ID", (int64_t)2, 2460375.5, 2460375.5);
    insert(db, ins, "itiirrtirr", (int64_t)1,
           "cdhash H\"9F86D081884C7D659A2FEAA0C55AD015A3BF4F1B\" or "
           "identifier \"com.example.tool\"", (int64_t)1, (int64_t)1,
           5000000.0, 0.0, "tool override", (int64_t)0x6000, 2460375.5,
           2460376.25);
    const char *obj = "INSERT INTO object(type, hash, allow, expires, "
                      "authority, path, ctime, mtime) VALUES(?,?,?,?,?,?,?,"
                      "?)";
    uint8_t h1[20], h2[20];
    digest(1, "evil", 4, h1);
    digest(1, "tool", 4, h2);
    insert(db, obj, "ibiritrr", (int64_t)1, h1, 20, (int64_t)0,
           2460405.5, (int64_t)1, "/Users/alice/Downloads/Evil.app",
           2460375.75, 2460375.75);
    insert(db, obj, "ibiritrr", (int64_t)1, h2, 20, (int64_t)1,
           5000000.0, (int64_t)2, "/Applications/Tool.app", 2460375.5,
           2460375.5);
    exec(db, "COMMIT");
    sqlite3_close(db);
}

/* unknown.db: tables of no format sigtrail reads (TCC-like). */
static void gen_unknown(const char *dir)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/unknown.db", dir);
    sqlite3 *db = create(path);
    exec(db, "CREATE TABLE access (service TEXT, client TEXT, auth_value "
             "INTEGER);"
             "CREATE TABLE admin (key TEXT PRIMARY KEY, value INTEGER);"
             "INSERT INTO admin VALUES('version', 15);");
    sqlite3_close(db);
}

/* ---- modes ------------------------------------------------------------- */

static void gen_seeds(const char *dir)
{
    sig_parts s = {0};
    developer_signature(&s, "com.example.tool", "ABCDE12345", 3 * 4096);
    write_file(dir, "developer.bin", s.sig.p, s.sig.n);
    write_file(dir, "cd_sha256.bin", s.cd.p, s.cd.n);
    write_file(dir, "requirements.bin", s.req.p, s.req.n);
    write_file(dir, "entitlements.bin", s.ent.p, s.ent.n);
    free_parts(&s);
    adhoc_signature(&s, "helper", 2 * 4096);
    write_file(dir, "adhoc.bin", s.sig.p, s.sig.n);
    write_file(dir, "cd_sha1.bin", s.cd.p, s.cd.n);
    free_parts(&s);
    buf b = {0};
    broken_signature(&b);
    write_file(dir, "broken.bin", b.p, b.n);
    free(b.p);
}

/* Holds BEGIN EXCLUSIVE with a pending change until `release` appears
 * (at most secs seconds); exits without committing, so the database is as
 * before. */
/* Databases the code-signing scenarios need (fixtures/scenarios/). */
static void gen_scenario(const char *dir)
{
    char path[4096];
    mkdir(dir, 0755);
    /* an ad hoc signature stored for an earlier build of iojs: codesign
     * names such code "<name>-<SHA-1 of header+load commands>" */
    snprintf(path, sizeof path, "%s/DetachedSignatures", dir);
    remove(path);
    sqlite3 *db = create(path);
    exec(db, detached_schema);
    uint8_t idf[20];
    digest(1, "iojs v1.8.0 mach header", 23, idf);
    sig_parts s = {0};
    adhoc_signature(&s, "iojs-5555494426c029279ed5393a9c5c43ac9796d090",
                    3991 * 4096);
    store(db, "/usr/local/bin/iojs", "iojs-5555494426c029279ed5393a9c5c43ac9796d090",
          CPU_X86_64, idf, 20, s.sig.p, s.sig.n, "2015-04-28 21:14:03");
    sqlite3_close(db);
    free_parts(&s);
    /* the download of the app that Gatekeeper later refuses */
    snprintf(path, sizeof path,
             "%s/com.apple.LaunchServices.QuarantineEventsV2", dir);
    remove(path);
    db = create(path);
    exec(db, "CREATE TABLE LSQuarantineEvent (LSQuarantineEventIdentifier "
             "TEXT PRIMARY KEY NOT NULL, LSQuarantineTimeStamp REAL, "
             "LSQuarantineAgentBundleIdentifier TEXT, LSQuarantineAgentName "
             "TEXT, LSQuarantineDataURLString TEXT, LSQuarantineSenderName "
             "TEXT, LSQuarantineSenderAddress TEXT, LSQuarantineTypeNumber "
             "INTEGER, LSQuarantineOriginTitle TEXT, "
             "LSQuarantineOriginURLString TEXT, LSQuarantineOriginAlias "
             "BLOB)");
    exec(db, "INSERT INTO LSQuarantineEvent VALUES('5B0F1C2E-8D7A-4E55-9C1D-"
             "2F3A4B5C6D7E', 785354200.25, 'com.apple.Safari', 'Safari', "
             "'https://downloads.example.net/DelightEd-2.4.dmg', NULL, NULL, "
             "0, NULL, 'https://example.net/delighted', NULL)");
    exec(db, "INSERT INTO LSQuarantineEvent VALUES('0A1B2C3D-4E5F-4061-8273-"
             "94A5B6C7D8E9', 785350000.0, 'com.google.Chrome', "
             "'Google Chrome', 'https://example.org/unrelated.zip', NULL, "
             "NULL, 0, NULL, 'https://example.org/', NULL)");
    sqlite3_close(db);
}

static int hold_lock(const char *path, int secs, const char *ready,
                     const char *release)
{
    sqlite3 *db;
    if (sqlite3_open(path, &db) != SQLITE_OK)
        die_db(db, path);
    exec(db, "PRAGMA journal_mode=DELETE");
    exec(db, "BEGIN EXCLUSIVE");
    exec(db, "CREATE TABLE lock_probe(x)");
    FILE *f = fopen(ready, "w");
    if (f)
        fclose(f);
    struct timespec tick = {0, 50 * 1000 * 1000};
    for (int i = 0; i < secs * 20 && access(release, F_OK) != 0; i++)
        nanosleep(&tick, NULL);
    exec(db, "ROLLBACK");
    sqlite3_close(db);
    return 0;
}

/* Dispatches the three modes (see the header). */
int main(int argc, char **argv)
{
    if (argc == 3 && strcmp(argv[1], "seeds") == 0) {
        mkdir(argv[2], 0755);
        gen_seeds(argv[2]);
        return 0;
    }
    if (argc == 3 && strcmp(argv[1], "scenario") == 0) {
        gen_scenario(argv[2]);
        return 0;
    }
    if (argc == 6 && strcmp(argv[1], "lock") == 0)
        return hold_lock(argv[2], atoi(argv[3]), argv[4], argv[5]);
    if (argc != 2) {
        fprintf(stderr, "usage: gen_secdb OUTDIR | seeds DIR | "
                        "lock DB SECONDS READY RELEASE\n");
        return 2;
    }
    mkdir(argv[1], 0755);
    gen_detached(argv[1]);
    gen_wal(argv[1]);
    gen_huge(argv[1]);
    gen_execpolicy(argv[1]);
    gen_systempolicy(argv[1]);
    gen_unknown(argv[1]);
    return 0;
}
