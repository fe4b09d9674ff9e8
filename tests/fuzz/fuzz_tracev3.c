/*
 * fuzz_tracev3.c -- libFuzzer harness for the tracev3 reader: chunk walker,
 * catalog, chunkset decompression, firehose/oversize/statedump/simpledump
 * records, string resolution and message composition.
 *
 * The first input byte picks how the rest is used, so the fuzzer reaches
 * the inner parsers without having to find a valid header first:
 *   0: the whole file as given (with bit 2 set, also through the
 *      registered parser and the input layer; with bit 3 set, also
 *      through the archive prescan, collected with pread from a memfd,
 *      under a shared limit when bit 4 is set, merged into a fresh
 *      context that the file is then read with);
 *   1: the bytes are the inner chunks of an uncompressed chunkset, after a
 *      fixed header and catalog (process 1@2 with main and dsc images);
 *   2: the bytes are an LZ4 block body inside a "bv41" chunkset;
 *   3: the bytes are a catalog chunk, followed by a fixed chunkset.
 * A private folder made at start-up holds a uuidtext file and a dsc file
 * with many conversions, so format strings are found and rendered.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "parser.h"
#include "tracev3.h"

static char dir[256];
static st_tv3_ctx *ctx;

/* Growable byte buffer. */
typedef struct buf {
    uint8_t *p;
    size_t n, cap;
} buf;

static void put(buf *b, const void *s, size_t n)
{
    if (b->n + n > b->cap) {
        b->cap = (b->n + n) * 2 + 64;
        b->p = realloc(b->p, b->cap);
    }
    if (n)
        memcpy(b->p + b->n, s, n);
    b->n += n;
}
static void p16(buf *b, uint16_t v)
{
    uint8_t t[2] = {(uint8_t)v, (uint8_t)(v >> 8)};
    put(b, t, 2);
}
static void p32(buf *b, uint32_t v)
{
    p16(b, (uint16_t)v);
    p16(b, (uint16_t)(v >> 16));
}
static void p64(buf *b, uint64_t v)
{
    p32(b, (uint32_t)v);
    p32(b, (uint32_t)(v >> 32));
}
static void pad8(buf *b)
{
    static const uint8_t z[8];
    put(b, z, (8 - (b->n & 7)) & 7);
}
static void chunk(buf *out, uint32_t tag, const void *d, size_t n)
{
    p32(out, tag);
    p32(out, tag == 0x1000 ? 0x11 : 0);
    p64(out, n);
    put(out, d, n);
    pad8(out);
}

static const uint8_t U_MAIN[16] = {0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11,
                                   0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11,
                                   0x11, 0x11};
static const uint8_t U_DSC[16] = {0x44, 0x44, 0x44, 0x44, 0x44, 0x44, 0x44,
                                  0x44, 0x44, 0x44, 0x44, 0x44, 0x44, 0x44,
                                  0x44, 0x44};

/* The fixed header and catalog every synthetic mode starts with. */
static void prefix(buf *f, int with_catalog)
{
    buf c = {0};
    uint8_t h[208] = {0};
    h[0] = 1;                            /* timebase 1/1 */
    h[4] = 1;
    h[16] = 0x80; h[17] = 0xb5; h[18] = 0x5e; h[19] = 0x5f;
    h[36] = 1;
    put(f, NULL, 0);
    chunk(f, 0x1000, h, sizeof h);
    if (!with_catalog)
        return;
    p16(&c, 32);
    p16(&c, 56);
    p16(&c, 1);
    p16(&c, 0);
    p16(&c, 0);
    put(&c, "\0\0\0\0\0\0", 6);
    p64(&c, 0);
    put(&c, U_MAIN, 16);
    put(&c, U_DSC, 16);
    put(&c, "com.fuzz\0cat\0\0\0\0\0\0\0\0\0\0\0\0", 24);
    p16(&c, 0); p16(&c, 0); p16(&c, 0); p16(&c, 1);
    p64(&c, 1); p32(&c, 2); p32(&c, 7); p32(&c, 0); p32(&c, 0);
    p32(&c, 1); p32(&c, 0);
    p32(&c, 0x1000); p32(&c, 0); p16(&c, 0); p32(&c, 0x10000); p16(&c, 0);
    p32(&c, 1); p32(&c, 0);
    p16(&c, 1); p16(&c, 0); p16(&c, 9);
    pad8(&c);
    chunk(f, 0x600b, c.p, c.n);
    free(c.p);
}

static void write_at(const char *rel, const buf *b)
{
    char p[600];
    snprintf(p, sizeof p, "%s/%s", dir, rel);
    FILE *f = fopen(p, "wb");
    if (f) {
        fwrite(b->p, 1, b->n, f);
        fclose(f);
    }
}

static void cleanup(void)
{
    char cmd[400];
    if (dir[0] && strstr(dir, "st-fuzz-tv3-")) {
        snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
        if (system(cmd) != 0)
            fprintf(stderr, "could not remove %s\n", dir);
    }
}

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    snprintf(dir, sizeof dir, "/tmp/st-fuzz-tv3-XXXXXX");
    if (!mkdtemp(dir))
        return 0;
    char p[600];
    snprintf(p, sizeof p, "%s/uuidtext", dir);
    mkdir(p, 0700);
    snprintf(p, sizeof p, "%s/uuidtext/11", dir);
    mkdir(p, 0700);
    snprintf(p, sizeof p, "%s/uuidtext/dsc", dir);
    mkdir(p, 0700);
    /* format strings every 0x40 from 0x100: many conversions */
    static const char *const fmts[] = {
        "%s %d %u %x %lld", "%{public}s %{private}@ %.*s", "%{bool}d %{BOOL}d",
        "%{darwin.errno}d %m %{darwin.signal}d", "%{time_t}d %{darwin.mode}o",
        "%{public,uuid_t}.16P %{network:in_addr}d", "%{network:in6_addr}.16P",
        "%{network:sockaddr}.*P %{mask.hash}s", "%f %e %g %c %C %S %p",
        "%*d %-8s|%08.3f %% %{odtypes:mbr_details}d", "%@ %P %hhd %hd %n",
        "%{bytes}llu %{iec-bytes}llu %{bitrate}u %{timeval}.*P"};
    size_t nf = sizeof fmts / sizeof *fmts;
    buf u = {0};
    static const uint8_t magic[4] = {0x99, 0x88, 0x77, 0x66};
    put(&u, magic, 4);
    p32(&u, 2);
    p32(&u, 1);
    p32(&u, 1);
    p32(&u, 0x100);
    p32(&u, (uint32_t)(nf * 0x40));
    for (size_t i = 0; i < nf; i++) {
        char slot[0x40] = {0};
        snprintf(slot, sizeof slot, "%s", fmts[i]);
        put(&u, slot, sizeof slot);
    }
    put(&u, "/usr/libexec/fuzzd", 19);
    write_at("uuidtext/11/111111111111111111111111111111", &u);
    u.n = 0;
    put(&u, "hcsd", 4);
    p16(&u, 2);
    p16(&u, 0);
    p32(&u, 1);
    p32(&u, 1);
    p64(&u, 0x5000);
    p32(&u, 72);
    p32(&u, (uint32_t)(nf * 0x40));
    p64(&u, 0);
    p64(&u, 0x4000);
    p32(&u, 0x2000);
    put(&u, U_DSC, 16);
    p32(&u, (uint32_t)(72 + nf * 0x40));
    for (size_t i = 0; i < nf; i++) {
        char slot[0x40] = {0};
        snprintf(slot, sizeof slot, "%s", fmts[i]);
        put(&u, slot, sizeof slot);
    }
    put(&u, "/usr/lib/libfuzz.dylib", 23);
    write_at("uuidtext/dsc/44444444444444444444444444444444", &u);
    free(u.p);
    snprintf(p, sizeof p, "%s/uuidtext", dir);
    ctx = st_tv3_ctx_open(p, NULL);
    atexit(cleanup);
    return 0;
}

static int on_event(void *c, const st_event *ev)
{
    /* touch every view so ASan checks its bounds */
    size_t *sum = c;
    const st_str *v[] = {&ev->message, &ev->process, &ev->sender,
                         &ev->subsystem, &ev->category, &ev->type,
                         &ev->event_type, &ev->format_string,
                         &ev->process_path, &ev->sender_path,
                         &ev->process_uuid, &ev->sender_uuid, &ev->boot_uuid,
                         &ev->locator, &ev->extra_json, &ev->backtrace_json,
                         &ev->signpost_name, &ev->signpost_scope,
                         &ev->signpost_type};
    for (size_t i = 0; i < sizeof v / sizeof *v; i++)
        if (v[i]->p && v[i]->n)
            *sum += (unsigned char)v[i]->p[0] +
                    (unsigned char)v[i]->p[v[i]->n - 1];
    return 0;
}
static void on_warn(void *c, int64_t l, const char *m)
{
    (void)c;
    (void)l;
    (void)m;
}
static void on_note(void *c, const char *k, const char *v)
{
    (void)c;
    (void)k;
    (void)v;
}

/* The archive prescan over the bytes (written to a memfd, as the
 * prescan reads files with pread), then a read that can find them. */
static void prescanned(const uint8_t *p, size_t n, int limited, st_sink *s)
{
    int fd = memfd_create("fuzz-prescan", MFD_CLOEXEC);
    if (fd < 0)
        return;
    size_t off = 0;
    while (off < n) {
        ssize_t k = write(fd, p + off, n - off);
        if (k <= 0)
            break;
        off += (size_t)k;
    }
    st_tv3_ctx *c = st_tv3_ctx_open(NULL, NULL);
    if (c) {
        size_t held = 0;
        st_tv3_ovset *set = st_tv3_prescan_collect(c, fd, off, &held,
                                                   limited ? 64 : SIZE_MAX);
        if (st_tv3_ovset_complete(set))
            st_tv3_prescan_merge(c, set);
        else
            st_tv3_ovset_free(set);
        if (held != 0)
            abort();                   /* merged or freed: nothing held */
        char err[256];
        st_tv3_read_mem(c, p, n, "fuzz.tracev3", s, err, sizeof err);
        st_tv3_ctx_close(c);
    }
    close(fd);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!size || !ctx)
        return 0;
    size_t sum = 0;
    st_sink s = {&sum, on_event, on_warn, on_note, NULL, NULL};
    char err[256];
    unsigned mode = data[0] & 3, via_input = data[0] & 4;
    data++;
    size--;
    buf f = {0};
    switch (mode) {
    case 0: {
        st_tv3_read_mem(ctx, data, size, "fuzz.tracev3", &s, err, sizeof err);
        if (data[-1] & 8)
            prescanned(data, size, (data[-1] & 16) != 0, &s);
        st_input *in;
        if (via_input && st_input_open_mem(&in, data, size, "fuzz") == 0) {
            size_t hn;
            const uint8_t *h = st_input_peek(in, &hn);
            st_parser_tracev3.bid(h, hn, hn < ST_PEEK_MAX);
            st_parse_opts o = {0};
            st_parser_tracev3.read(in, &o, &s, err, sizeof err);
            st_input_finish(in);
            st_input_close(in);
        }
        return 0;
    }
    case 1: {
        prefix(&f, 1);
        buf cs = {0};
        put(&cs, "bv4-", 4);
        p32(&cs, (uint32_t)size);
        put(&cs, data, size);
        put(&cs, "bv4$", 4);
        chunk(&f, 0x600d, cs.p, cs.n);
        free(cs.p);
        break;
    }
    case 2: {
        prefix(&f, 1);
        buf cs = {0};
        put(&cs, "bv41", 4);
        p32(&cs, size ? 4u * (uint32_t)size + data[0] : 0);
        p32(&cs, (uint32_t)size);
        put(&cs, data, size);
        put(&cs, "bv4$", 4);
        chunk(&f, 0x600d, cs.p, cs.n);
        free(cs.p);
        break;
    }
    default: {
        prefix(&f, 0);
        chunk(&f, 0x600b, data, size);
        buf in = {0}, fh = {0}, cs = {0};
        /* one log record: main_exe, subsystem 1, one string argument */
        p64(&fh, 1); p32(&fh, 2); p32(&fh, 0);
        p16(&fh, 16 + 24 + 16); p16(&fh, 0x1000); p16(&fh, 0); p16(&fh, 0);
        p64(&fh, 0);
        uint8_t tp[24] = {4, 0, 0x02, 0x02, 0x00, 0x01, 0, 0};
        tp[22] = 16;
        put(&fh, tp, 24);
        p32(&fh, 0x10);
        p16(&fh, 1);
        put(&fh, "\0\1\x22\4\0\0\2\0x\0", 10);
        chunk(&in, 0x6001, fh.p, fh.n);
        put(&cs, "bv4-", 4);
        p32(&cs, (uint32_t)in.n);
        put(&cs, in.p, in.n);
        put(&cs, "bv4$", 4);
        chunk(&f, 0x600d, cs.p, cs.n);
        free(in.p);
        free(fh.p);
        free(cs.p);
        break;
    }
    }
    st_tv3_read_mem(ctx, f.p, f.n, "fuzz.tracev3", &s, err, sizeof err);
    free(f.p);
    return 0;
}
