/*
 * macho.h -- Mach-O files decoded from memory: the universal (fat) header
 * with its architecture slices, and for one slice the mach_header, its load
 * commands, LC_UUID, LC_CODE_SIGNATURE, the segments that matter to code
 * signing (__TEXT, __LINKEDIT) and the identification macOS computes for
 * the DetachedSignatures database.
 *
 * Layout facts are those of Apple's <mach-o/loader.h> and <mach-o/fat.h>:
 * a fat header is big-endian {magic 0xcafebabe (0xcafebabf for 64-bit
 * offsets), nfat_arch} followed by nfat_arch entries {cputype, cpusubtype,
 * offset, size, align} (20 bytes, or 32 with 64-bit offset and size).  A
 * thin file starts with mach_header (28 bytes) or mach_header_64 (32 bytes)
 * in the byte order of its CPU: magic, cputype, cpusubtype, filetype,
 * ncmds, sizeofcmds, flags (+ reserved).  Load commands follow the header;
 * each starts with {cmd, cmdsize}.
 *
 * Contract:
 *  - Functions read only p[0..n), never write it, never allocate and run in
 *    time linear in the header and load commands: a load command is visited
 *    once, the walk stops at sizeofcmds, a command smaller than 8 bytes ends
 *    the walk (no loop on cmdsize 0), counts claimed by the header are
 *    bounded by the bytes present.
 *  - Hostile input is expected.  Every offset, size and count is checked
 *    against the slice with 64-bit arithmetic.  What does not fit is a
 *    problem (the first ST_MACHO_MAX_PROBLEMS messages kept, all counted).
 *    `status` summarises: OK, DAMAGED (problems, but the header, every load
 *    command and the signature location are trustworthy) or INVALID (the
 *    header or the load commands cannot be trusted: a verifier must refuse
 *    the file, as macOS does with errSecCSBadObjectFormat).
 *  - Offsets in results are relative to the start of the slice handed to
 *    st_macho_parse(), except fat slice offsets, which are file offsets.
 *  - The functions are pure and thread-safe.
 */
#ifndef ST_MACHO_H
#define ST_MACHO_H

#include <stddef.h>
#include <stdint.h>

#define ST_MACHO_MAGIC_32   0xfeedfaceu
#define ST_MACHO_MAGIC_64   0xfeedfacfu
#define ST_MACHO_FAT_MAGIC  0xcafebabeu
#define ST_MACHO_FAT_MAGIC64 0xcafebabfu

/* Load commands used here (loader.h LC_*). */
#define ST_LC_SEGMENT          0x1u
#define ST_LC_UUID             0x1bu
#define ST_LC_CODE_SIGNATURE   0x1du
#define ST_LC_SEGMENT_64       0x19u
#define ST_LC_ENCRYPTION_INFO  0x21u
#define ST_LC_ENCRYPTION_INFO_64 0x2cu
#define ST_LC_BUILD_VERSION    0x32u
#define ST_LC_VERSION_MIN_MACOSX 0x24u

/* Most architectures a fat file may list.  macOS' file(1) rule: a count of
 * 45 or more is a Java class file (same magic), not a universal binary. */
#define ST_MACHO_MAX_SLICES   44
#define ST_MACHO_MAX_PROBLEMS 8
#define ST_MACHO_PROBLEM_LEN  140

enum { ST_MACHO_OK = 0, ST_MACHO_DAMAGED = 1, ST_MACHO_INVALID = 2 };
/* What st_macho_fat_parse found. */
enum { ST_MACHO_NONE = 0, ST_MACHO_THIN = 1, ST_MACHO_FAT = 2 };

/* One architecture slice of a file. */
typedef struct st_macho_slice {
    int32_t cputype, cpusubtype;   /* from the fat entry (thin: header) */
    uint64_t offset, size;         /* file offset and length */
    uint32_t align;                /* log2 of the alignment (fat only) */
} st_macho_slice;

typedef struct st_macho_fat {
    int status;                    /* ST_MACHO_OK / DAMAGED / INVALID */
    int kind;                      /* ST_MACHO_NONE / THIN / FAT */
    int fat64;                     /* 0xcafebabf: 64-bit offsets */
    uint32_t nfat_arch;            /* as claimed */
    size_t nslices;                /* usable slices in slices[] */
    st_macho_slice slices[ST_MACHO_MAX_SLICES];
    unsigned nproblems;
    char problems[ST_MACHO_MAX_PROBLEMS][ST_MACHO_PROBLEM_LEN];
} st_macho_fat;

/* A segment load command as decoded. */
typedef struct st_macho_segment {
    int present;
    char name[17];
    uint32_t cmd_offset;           /* of the load command in the slice */
    uint64_t vmaddr, vmsize, fileoff, filesize;
    uint32_t nsects;
} st_macho_segment;

typedef struct st_macho {
    int status;
    int is64, big_endian;
    uint32_t magic;                /* ST_MACHO_MAGIC_32 or _64 */
    int32_t cputype, cpusubtype;
    uint32_t filetype, ncmds, sizeofcmds, flags;
    uint32_t header_size;          /* 28 or 32 */
    uint32_t ncmds_seen;           /* load commands walked */

    int has_uuid;
    uint8_t uuid[16];
    uint32_t uuid_cmdsize;         /* macOS refuses an LC_UUID != 24 bytes */
    uint32_t uuid_cmd_offset;      /* of the LC_UUID load command */

    int has_signature;             /* LC_CODE_SIGNATURE present and usable */
    uint32_t sig_cmd_offset;       /* of the load command */
    uint32_t sig_offset, sig_size; /* dataoff / datasize, inside the slice */

    st_macho_segment text, linkedit;
    uint32_t nsegments;
    uint64_t data_end;             /* end of the last segment's file data */
    uint64_t first_data;           /* lowest file offset of section or
                                      segment data after the header; the
                                      room for new load commands ends here */
    uint64_t info_plist_offset;    /* __TEXT,__info_plist section: the
                                      Info.plist a bare tool binds in slot 1 */
    uint64_t info_plist_size;      /* 0 when absent */
    int encrypted;                 /* LC_ENCRYPTION_INFO with cryptid != 0 */
    uint32_t platform, minos, sdk; /* LC_BUILD_VERSION (0 when absent) */

    unsigned nproblems;
    char problems[ST_MACHO_MAX_PROBLEMS][ST_MACHO_PROBLEM_LEN];
} st_macho;

/* 1 when p starts like a thin Mach-O (either byte order, 32 or 64 bit) or
 * a universal binary with a plausible architecture count. */
int st_macho_is_candidate(const uint8_t *p, size_t n);

/* Decodes the file p[0..n) into its slices: a fat header is checked
 * (entries inside the file, not overlapping the header or each other, each
 * starting with a thin Mach-O magic); a thin file is one slice covering the
 * whole file.  kind NONE (status INVALID) when neither.  Returns status. */
int st_macho_fat_parse(const uint8_t *p, size_t n, st_macho_fat *out);

/* Decodes one thin Mach-O in p[0..n).  Returns out->status. */
int st_macho_parse(const uint8_t *p, size_t n, st_macho *out);

/* The identification blob macOS stores in DetachedSignatures for this
 * slice (machorep.cpp identificationFor): "UUID" + the 16 LC_UUID bytes
 * when the slice has LC_UUID, else the SHA-1 of the first 28 bytes of the
 * header (sizeof(mach_header), even for 64-bit files) followed by the
 * sizeofcmds bytes of load commands.  Writes 20 bytes to out and returns
 * 20, or 0 when m is INVALID or libcrypto fails. */
size_t st_macho_identification(const uint8_t *p, size_t n, const st_macho *m,
                               uint8_t out[20]);

/* "execute", "dylib", "bundle", ... for MH_* file types; NULL if unknown. */
const char *st_macho_filetype_name(uint32_t filetype);
/* "macos", "ios", ... for LC_BUILD_VERSION platforms; NULL if unknown. */
const char *st_macho_platform_name(uint32_t platform);

#endif
