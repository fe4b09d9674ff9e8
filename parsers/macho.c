/*
 * macho.c -- Mach-O and universal-binary decoder.  See macho.h for the
 * contract.
 *
 * Every multi-byte read goes through rd32()/rd64() on a range checked just
 * before; sums of untrusted values are made in 64 bits so they cannot wrap.
 */
#include "macho.h"

#include <openssl/evp.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

/* Reads a big-endian u32; p must have 4 readable bytes. */
static uint32_t be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
           (uint32_t)p[2] << 8 | (uint32_t)p[3];
}

/* Reads a little-endian u32; p must have 4 readable bytes. */
static uint32_t le32(const uint8_t *p)
{
    return (uint32_t)p[3] << 24 | (uint32_t)p[2] << 16 |
           (uint32_t)p[1] << 8 | (uint32_t)p[0];
}

/* Reads a u32 in the slice's byte order. */
static uint32_t rd32(const st_macho *m, const uint8_t *p)
{
    return m->big_endian ? be32(p) : le32(p);
}

/* Reads a u64 in the slice's byte order. */
static uint64_t rd64(const st_macho *m, const uint8_t *p)
{
    return m->big_endian ? (uint64_t)be32(p) << 32 | be32(p + 4)
                         : (uint64_t)le32(p + 4) << 32 | le32(p);
}

/* Records a problem in a problem list: counted always, kept if room. */
__attribute__((format(printf, 4, 5)))
static void add_problem(unsigned *np, char (*list)[ST_MACHO_PROBLEM_LEN],
                        int *status, const char *fmt, ...)
{
    if (*np < ST_MACHO_MAX_PROBLEMS) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(list[*np], ST_MACHO_PROBLEM_LEN, fmt, ap);
        va_end(ap);
    }
    (*np)++;
    if (*status == ST_MACHO_OK)
        *status = ST_MACHO_DAMAGED;
}

#define PROBLEM(m, ...) \
    add_problem(&(m)->nproblems, (m)->problems, &(m)->status, __VA_ARGS__)

/* Thin magic of p (either byte order) or 0; sets *big and *is64. */
static uint32_t thin_magic(const uint8_t *p, size_t n, int *big, int *is64)
{
    if (n < 4)
        return 0;
    uint32_t b = be32(p), l = le32(p);
    if (l == ST_MACHO_MAGIC_32 || l == ST_MACHO_MAGIC_64) {
        *big = 0;
        *is64 = l == ST_MACHO_MAGIC_64;
        return l;
    }
    if (b == ST_MACHO_MAGIC_32 || b == ST_MACHO_MAGIC_64) {
        *big = 1;
        *is64 = b == ST_MACHO_MAGIC_64;
        return b;
    }
    return 0;
}

/* Cheap magic check used to pick files out of a folder walk. */
int st_macho_is_candidate(const uint8_t *p, size_t n)
{
    int big, is64;
    if (thin_magic(p, n, &big, &is64))
        return 1;
    if (n >= 8 && (be32(p) == ST_MACHO_FAT_MAGIC ||
                   be32(p) == ST_MACHO_FAT_MAGIC64)) {
        uint32_t k = be32(p + 4);
        return k >= 1 && k <= ST_MACHO_MAX_SLICES;
    }
    return 0;
}

/* MH_* file type names (loader.h order). */
const char *st_macho_filetype_name(uint32_t t)
{
    static const char *const names[] = {
        NULL, "object", "execute", "fvmlib", "core", "preload", "dylib",
        "dylinker", "bundle", "dylib-stub", "dsym", "kext-bundle",
        "fileset"};
    return t < sizeof names / sizeof *names ? names[t] : NULL;
}

/* PLATFORM_* names (loader.h order). */
const char *st_macho_platform_name(uint32_t p)
{
    static const char *const names[] = {
        NULL, "macos", "ios", "tvos", "watchos", "bridgeos", "maccatalyst",
        "ios-simulator", "tvos-simulator", "watchos-simulator", "driverkit",
        "visionos", "visionos-simulator"};
    return p < sizeof names / sizeof *names ? names[p] : NULL;
}

/* ---- universal binaries ------------------------------------------------ */

/* Universal header, or a thin file as one slice (see macho.h). */
int st_macho_fat_parse(const uint8_t *p, size_t n, st_macho_fat *f)
{
    memset(f, 0, sizeof *f);
    int big, is64;
    if (thin_magic(p, n, &big, &is64)) {
        st_macho m;
        f->kind = ST_MACHO_THIN;
        f->nslices = 1;
        f->slices[0].offset = 0;
        f->slices[0].size = n;
        /* the cputype is read here for callers that list slices before
         * parsing them; st_macho_parse checks the rest */
        if (n >= 12) {
            memset(&m, 0, sizeof m);
            m.big_endian = big;
            f->slices[0].cputype = (int32_t)rd32(&m, p + 4);
            f->slices[0].cpusubtype = (int32_t)rd32(&m, p + 8);
        }
        return f->status;
    }
    if (n < 8 || (be32(p) != ST_MACHO_FAT_MAGIC &&
                  be32(p) != ST_MACHO_FAT_MAGIC64)) {
        f->status = ST_MACHO_INVALID;
        add_problem(&f->nproblems, f->problems, &f->status,
                    "not a Mach-O file (magic 0x%08x)",
                    n >= 4 ? be32(p) : 0);
        f->status = ST_MACHO_INVALID;
        return f->status;
    }
    f->kind = ST_MACHO_FAT;
    f->fat64 = be32(p) == ST_MACHO_FAT_MAGIC64;
    f->nfat_arch = be32(p + 4);
    uint64_t esz = f->fat64 ? 32 : 20;
    if (f->nfat_arch == 0 || f->nfat_arch > ST_MACHO_MAX_SLICES) {
        add_problem(&f->nproblems, f->problems, &f->status,
                    "universal header claims %u architectures (1..%d "
                    "expected; 45 or more is a Java class file)",
                    f->nfat_arch, ST_MACHO_MAX_SLICES);
        f->status = ST_MACHO_INVALID;
        return f->status;
    }
    uint64_t hdr_end = 8 + esz * f->nfat_arch;
    if (hdr_end > n) {
        add_problem(&f->nproblems, f->problems, &f->status,
                    "universal header of %u architectures needs %llu bytes, "
                    "the file has %zu (truncated)", f->nfat_arch,
                    (unsigned long long)hdr_end, n);
        f->status = ST_MACHO_INVALID;
        return f->status;
    }
    for (uint32_t i = 0; i < f->nfat_arch; i++) {
        const uint8_t *e = p + 8 + esz * i;
        st_macho_slice s;
        memset(&s, 0, sizeof s);
        s.cputype = (int32_t)be32(e);
        s.cpusubtype = (int32_t)be32(e + 4);
        if (f->fat64) {
            s.offset = (uint64_t)be32(e + 8) << 32 | be32(e + 12);
            s.size = (uint64_t)be32(e + 16) << 32 | be32(e + 20);
            s.align = be32(e + 24);
        } else {
            s.offset = be32(e + 8);
            s.size = be32(e + 12);
            s.align = be32(e + 16);
        }
        if (s.offset < hdr_end || s.offset > n || s.size > n - s.offset ||
            s.size == 0) {
            add_problem(&f->nproblems, f->problems, &f->status,
                        "architecture %u: %llu bytes at offset %llu are "
                        "outside the %zu-byte file or overlap the header",
                        i, (unsigned long long)s.size,
                        (unsigned long long)s.offset, n);
            continue;
        }
        if (s.align > 15 || s.offset % ((uint64_t)1 << s.align))
            add_problem(&f->nproblems, f->problems, &f->status,
                        "architecture %u: offset %llu is not aligned to "
                        "2^%u", i, (unsigned long long)s.offset, s.align);
        int overlap = -1;
        for (size_t k = 0; k < f->nslices; k++) {
            const st_macho_slice *o = &f->slices[k];
            if (s.offset < o->offset + o->size &&
                o->offset < s.offset + s.size)
                overlap = (int)k;
        }
        if (overlap >= 0) {
            add_problem(&f->nproblems, f->problems, &f->status,
                        "architecture %u overlaps an earlier one; ignored",
                        i);
            continue;
        }
        if (!thin_magic(p + s.offset, (size_t)s.size, &big, &is64)) {
            add_problem(&f->nproblems, f->problems, &f->status,
                        "architecture %u at offset %llu is not a Mach-O "
                        "(magic 0x%08x)", i, (unsigned long long)s.offset,
                        s.size >= 4 ? be32(p + s.offset) : 0);
            continue;
        }
        f->slices[f->nslices++] = s;
    }
    if (f->nslices == 0)
        f->status = ST_MACHO_INVALID;
    return f->status;
}

/* ---- thin Mach-O ------------------------------------------------------- */

/* Decodes a segment command at c (cmdsize bytes, already inside the load
 * commands) and notes the data range it maps. */
static void parse_segment(st_macho *m, const uint8_t *c, uint32_t cmdsize,
                          uint32_t at, size_t n, int is64)
{
    uint32_t need = is64 ? 72 : 56, sect = is64 ? 80 : 68;
    if (cmdsize < need) {
        PROBLEM(m, "load command at offset %u: segment command of %u bytes "
                "is shorter than %u", at, cmdsize, need);
        m->status = ST_MACHO_INVALID;
        return;
    }
    st_macho_segment s;
    memset(&s, 0, sizeof s);
    s.present = 1;
    memcpy(s.name, c + 8, 16);
    s.name[16] = 0;
    s.cmd_offset = at;
    if (is64) {
        s.vmaddr = rd64(m, c + 24);
        s.vmsize = rd64(m, c + 32);
        s.fileoff = rd64(m, c + 40);
        s.filesize = rd64(m, c + 48);
        s.nsects = rd32(m, c + 64);
    } else {
        s.vmaddr = rd32(m, c + 24);
        s.vmsize = rd32(m, c + 28);
        s.fileoff = rd32(m, c + 32);
        s.filesize = rd32(m, c + 36);
        s.nsects = rd32(m, c + 48);
    }
    m->nsegments++;
    if ((uint64_t)s.nsects * sect > cmdsize - need) {
        PROBLEM(m, "segment %s claims %u sections; its %u-byte command has "
                "room for %u", s.name, s.nsects, cmdsize,
                (cmdsize - need) / sect);
        m->status = ST_MACHO_INVALID;
        return;
    }
    if (s.fileoff > n || s.filesize > n - s.fileoff)
        PROBLEM(m, "segment %s maps %llu bytes at offset %llu, past the "
                "%zu-byte file", s.name, (unsigned long long)s.filesize,
                (unsigned long long)s.fileoff, n);
    if (s.filesize && s.fileoff + s.filesize > m->data_end)
        m->data_end = s.fileoff + s.filesize;
    if (s.filesize && s.fileoff > 0 && s.fileoff < m->first_data)
        m->first_data = s.fileoff;
    /* sections carry their own file offsets (0 for zero-fill) */
    for (uint32_t i = 0; i < s.nsects; i++) {
        const uint8_t *sc = c + need + (uint64_t)i * sect;
        uint32_t off = rd32(m, sc + (is64 ? 48 : 40));
        uint32_t type = rd32(m, sc + (is64 ? 64 : 56)) & 0xff;
        /* S_ZEROFILL 1, S_GB_ZEROFILL 0xc, S_THREAD_LOCAL_ZEROFILL 0x12 */
        int zerofill = type == 0x1 || type == 0xc || type == 0x12;
        if (off && !zerofill && off < m->first_data)
            m->first_data = off;
        if (!memcmp(sc, "__info_plist\0", 13) &&
            !memcmp(sc + 16, "__TEXT\0", 7) && !m->info_plist_size) {
            uint64_t sz = is64 ? rd64(m, sc + 40) : rd32(m, sc + 36);
            if (off && (uint64_t)off + sz <= n) {
                m->info_plist_offset = off;
                m->info_plist_size = sz;
            } else {
                PROBLEM(m, "__TEXT,__info_plist (%llu bytes at %u) is "
                        "outside the file", (unsigned long long)sz, off);
            }
        }
    }
    if (!strcmp(s.name, "__TEXT") && !m->text.present)
        m->text = s;
    else if (!strcmp(s.name, "__LINKEDIT") && !m->linkedit.present)
        m->linkedit = s;
}

/* Decodes one load command c of cmdsize bytes at slice offset `at`. */
static void parse_command(st_macho *m, const uint8_t *c, uint32_t cmd,
                          uint32_t cmdsize, uint32_t at, size_t n)
{
    switch (cmd) {
    case ST_LC_SEGMENT:
    case ST_LC_SEGMENT_64:
        parse_segment(m, c, cmdsize, at, n, cmd == ST_LC_SEGMENT_64);
        break;
    case ST_LC_UUID:
        if (cmdsize < 24) {
            PROBLEM(m, "LC_UUID of %u bytes has no room for a UUID",
                    cmdsize);
            break;
        }
        if (m->has_uuid) {
            PROBLEM(m, "second LC_UUID at offset %u; the first is used", at);
            break;
        }
        m->has_uuid = 1;
        m->uuid_cmdsize = cmdsize;
        m->uuid_cmd_offset = at;
        memcpy(m->uuid, c + 8, 16);
        if (cmdsize != 24)
            PROBLEM(m, "LC_UUID is %u bytes, not 24 (macOS refuses it)",
                    cmdsize);
        break;
    case ST_LC_CODE_SIGNATURE: {
        if (cmdsize < 16) {
            PROBLEM(m, "LC_CODE_SIGNATURE of %u bytes is shorter than 16",
                    cmdsize);
            m->status = ST_MACHO_INVALID;
            break;
        }
        if (m->sig_cmd_offset) {
            PROBLEM(m, "second LC_CODE_SIGNATURE at offset %u", at);
            m->status = ST_MACHO_INVALID;
            break;
        }
        uint32_t off = rd32(m, c + 8), size = rd32(m, c + 12);
        m->sig_cmd_offset = at;
        m->sig_offset = off;
        m->sig_size = size;
        if ((uint64_t)off + size > n || size < 8) {
            PROBLEM(m, "LC_CODE_SIGNATURE: %u bytes at offset %u are "
                    "outside the %zu-byte file (truncated?)", size, off, n);
            m->status = ST_MACHO_INVALID;
            break;
        }
        if (off < m->header_size + (uint64_t)m->sizeofcmds) {
            PROBLEM(m, "LC_CODE_SIGNATURE: offset %u overlaps the load "
                    "commands", off);
            m->status = ST_MACHO_INVALID;
            break;
        }
        m->has_signature = 1;
        break;
    }
    case ST_LC_ENCRYPTION_INFO:
    case ST_LC_ENCRYPTION_INFO_64:
        if (cmdsize >= 20 && rd32(m, c + 16) != 0)
            m->encrypted = 1;
        break;
    case ST_LC_BUILD_VERSION:
        if (cmdsize >= 24 && !m->platform) {
            m->platform = rd32(m, c + 8);
            m->minos = rd32(m, c + 12);
            m->sdk = rd32(m, c + 16);
        }
        break;
    case ST_LC_VERSION_MIN_MACOSX:
        if (cmdsize >= 16 && !m->platform) {
            m->platform = 1;
            m->minos = rd32(m, c + 8);
            m->sdk = rd32(m, c + 12);
        }
        break;
    default:
        break;
    }
}

/* Header and load commands of one thin slice (see macho.h). */
int st_macho_parse(const uint8_t *p, size_t n, st_macho *m)
{
    memset(m, 0, sizeof *m);
    m->first_data = UINT64_MAX;
    if (!p || !(m->magic = thin_magic(p, n, &m->big_endian, &m->is64))) {
        PROBLEM(m, "not a Mach-O (magic 0x%08x)",
                p && n >= 4 ? be32(p) : 0);
        m->status = ST_MACHO_INVALID;
        return m->status;
    }
    m->header_size = m->is64 ? 32 : 28;
    if (n < m->header_size) {
        PROBLEM(m, "%zu bytes: the Mach-O header needs %u (truncated)", n,
                m->header_size);
        m->status = ST_MACHO_INVALID;
        return m->status;
    }
    m->cputype = (int32_t)rd32(m, p + 4);
    m->cpusubtype = (int32_t)rd32(m, p + 8);
    m->filetype = rd32(m, p + 12);
    m->ncmds = rd32(m, p + 16);
    m->sizeofcmds = rd32(m, p + 20);
    m->flags = rd32(m, p + 24);
    uint64_t cmds_end = (uint64_t)m->header_size + m->sizeofcmds;
    if (cmds_end > n) {
        PROBLEM(m, "load commands claim %u bytes; the file ends %llu bytes "
                "after the header (out of range or truncated)",
                m->sizeofcmds,
                (unsigned long long)(n - m->header_size));
        m->status = ST_MACHO_INVALID;
        return m->status;
    }
    if ((uint64_t)m->ncmds * 8 > m->sizeofcmds) {
        PROBLEM(m, "header claims %u load commands in %u bytes (each needs "
                "at least 8)", m->ncmds, m->sizeofcmds);
        m->status = ST_MACHO_INVALID;
        return m->status;
    }
    uint32_t at = m->header_size;
    for (uint32_t i = 0; i < m->ncmds; i++) {
        if (cmds_end - at < 8) {
            PROBLEM(m, "load command %u at offset %u: no room for its "
                    "header before the end of the load commands", i, at);
            m->status = ST_MACHO_INVALID;
            break;
        }
        uint32_t cmd = rd32(m, p + at), cmdsize = rd32(m, p + at + 4);
        if (cmdsize < 8) {
            /* a zero size would make the walk loop forever */
            PROBLEM(m, "load command %u (0x%x) at offset %u has size %u",
                    i, cmd, at, cmdsize);
            m->status = ST_MACHO_INVALID;
            break;
        }
        if (cmdsize > cmds_end - at) {
            PROBLEM(m, "load command %u (0x%x) at offset %u: %u bytes run "
                    "past the load commands (end %llu)", i, cmd, at,
                    cmdsize, (unsigned long long)cmds_end);
            m->status = ST_MACHO_INVALID;
            break;
        }
        if (cmdsize % (m->is64 ? 8 : 4))
            PROBLEM(m, "load command %u (0x%x) size %u is not a multiple "
                    "of %d", i, cmd, cmdsize, m->is64 ? 8 : 4);
        parse_command(m, p + at, cmd, cmdsize, at, n);
        m->ncmds_seen++;
        at += cmdsize;
        if (m->status == ST_MACHO_INVALID)
            break;
    }
    if (m->status != ST_MACHO_INVALID && at != cmds_end)
        PROBLEM(m, "%llu bytes of load commands are not covered by the %u "
                "commands", (unsigned long long)(cmds_end - at), m->ncmds);
    if (m->first_data == UINT64_MAX)
        m->first_data = n;
    if (m->has_signature && m->linkedit.present &&
        (m->sig_offset < m->linkedit.fileoff ||
         (uint64_t)m->sig_offset + m->sig_size >
             m->linkedit.fileoff + m->linkedit.filesize))
        PROBLEM(m, "the code signature (%u bytes at %u) is not inside "
                "__LINKEDIT", m->sig_size, m->sig_offset);
    return m->status;
}

/* DetachedSignatures key of a slice (see macho.h). */
size_t st_macho_identification(const uint8_t *p, size_t n, const st_macho *m,
                               uint8_t out[20])
{
    if (m->status == ST_MACHO_INVALID ||
        (uint64_t)m->header_size + m->sizeofcmds > n)
        return 0;
    if (m->has_uuid) {
        memcpy(out, "UUID", 4);
        memcpy(out + 4, m->uuid, 16);
        return 20;
    }
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    unsigned len = 0;
    int ok = ctx && EVP_DigestInit_ex(ctx, EVP_sha1(), NULL) == 1 &&
             EVP_DigestUpdate(ctx, p, 28) == 1 &&
             EVP_DigestUpdate(ctx, p + m->header_size, m->sizeofcmds) == 1 &&
             EVP_DigestFinal_ex(ctx, out, &len) == 1 && len == 20;
    EVP_MD_CTX_free(ctx);
    return ok ? 20 : 0;
}
