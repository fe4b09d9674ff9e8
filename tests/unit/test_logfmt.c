/*
 * test_logfmt.c -- message composition from format strings and argument
 * items: printf conversions, os_log decoders, privacy, missing and
 * mismatched arguments, and bounds.  Expected values come from log show
 * output quoted in libyal dtformats' documentation and tests and from
 * printf(3).
 */
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "logfmt.h"

/* Argument builders over static byte arrays. */
static st_logarg sc(const void *p, size_t n)
{
    return (st_logarg){ST_ARG_SCALAR, 0x02, p, n};
}
static st_logarg str(const char *s)
{
    return (st_logarg){ST_ARG_STRING, 0x22, (const uint8_t *)s,
                       s ? strlen(s) + 1 : 0};
}
static st_logarg data(const void *p, size_t n)
{
    return (st_logarg){ST_ARG_DATA, 0x32, p, n};
}
static st_logarg prec(const void *p)
{
    return (st_logarg){ST_ARG_PRECISION, 0x12, p, 4};
}
static const st_logarg priv = {ST_ARG_PRIVATE, 0x21, NULL, 0};

static char out_text[4096];
static st_logfmt_stats stats;

/* Renders fmt with args into out_text (stats reset). */
static const char *render(const char *fmt, const st_logarg *a, size_t n)
{
    st_sbuf b = {0};
    memset(&stats, 0, sizeof stats);
    st_logfmt_render(&b, fmt, strlen(fmt), a, n, &stats);
    snprintf(out_text, sizeof out_text, "%s", b.p ? b.p : "");
    st_sbuf_free(&b);
    return out_text;
}

static const uint8_t i1[4] = {1, 0, 0, 0};
static const uint8_t i0[4] = {0, 0, 0, 0};
static const uint8_t i2[4] = {2, 0, 0, 0};
static const uint8_t i22[4] = {0x16, 0, 0, 0};
static const uint8_t m1[4] = {0xff, 0xff, 0xff, 0xff};
static const uint8_t i16[4] = {16, 0, 0, 0};

TEST(printf_integers)
{
    static const uint8_t b1[1] = {1}, b2[2] = {2, 1}, b4[4] = {4, 3, 2, 1},
                         b8[8] = {8, 7, 6, 5, 4, 3, 2, 1};
    st_logarg a;
    /* libyal SignedIntegerFormatStringDecoderTest sizes */
    a = sc(b1, 1); CHECK_STR(render("%d", &a, 1), "1");
    a = sc(b2, 2); CHECK_STR(render("%d", &a, 1), "258");
    a = sc(b4, 4); CHECK_STR(render("%u", &a, 1), "16909060");
    a = sc(b8, 8); CHECK_STR(render("%lld", &a, 1), "72623859790382856");
    a = sc(m1, 4); CHECK_STR(render("%d", &a, 1), "-1");
    CHECK_STR(render("%u", &a, 1), "4294967295");
    CHECK_STR(render("%x", &a, 1), "ffffffff");
    CHECK_STR(render("%hhd", &a, 1), "-1");
    CHECK_STR(render("%hu", &a, 1), "65535");
    /* %#x: 0 stays "0", 1 is "0x1" (libyal UnsignedInteger test) */
    a = sc(i0, 4); CHECK_STR(render("%#x", &a, 1), "0");
    a = sc(i1, 4); CHECK_STR(render("%#x", &a, 1), "0x1");
    /* width, precision, flags */
    CHECK_STR(render("[%5d]", &a, 1), "[    1]");
    CHECK_STR(render("[%-5d]", &a, 1), "[1    ]");
    CHECK_STR(render("[%05d]", &a, 1), "[00001]");
    CHECK_STR(render("[%+d]", &a, 1), "[+1]");
    CHECK_STR(render("[%.3d]", &a, 1), "[001]");
    CHECK_STR(render("0x%02x", &a, 1), "0x01");
    CHECK_STR(render("%X %o", (st_logarg[]){sc(i22, 4), sc(i22, 4)}, 2),
              "16 26");
    /* libyal note: "%ld.%6.6d" */
    static const uint8_t z8[8] = {0}, one[4] = {1, 0, 0, 0};
    st_logarg net[] = {str("delayed"), sc(z8, 8), sc(one, 4), sc(i2, 4)};
    CHECK_STR(render("Post \"com.apple.system.config.network_change\" (%s: "
                     "%ld.%6.6d: 0x%x)", net, 4),
              "Post \"com.apple.system.config.network_change\" (delayed: "
              "0.000001: 0x2)");
    /* pointers and characters */
    static const uint8_t p8[8] = {0xb0, 0x60, 0xe1, 0x4b, 0xfb, 0x7f, 0, 0};
    a = sc(p8, 8); CHECK_STR(render("%p", &a, 1), "0x7ffb4be160b0");
    static const uint8_t ch[4] = {'A', 0, 0, 0};
    a = sc(ch, 4); CHECK_STR(render("%c|%C", (st_logarg[]){a, a}, 2), "A|A");
    /* libyal trace values: "%#x: %d" */
    static const uint8_t v200[4] = {200, 0, 0, 0};
    st_logarg tr[] = {sc(p8, 8), sc(v200, 4)};
    CHECK_STR(render("%#x: %d", tr, 2), "0x7ffb4be160b0: 200");
    CHECK_INT(stats.conversions, 2);
    CHECK_INT(stats.missing + stats.mismatch, 0);
}

TEST(printf_floats_strings)
{
    /* libyal FloatingPoint test: float 12.34 and double 4890.27 */
    static const uint8_t f4[4] = {0xa4, 0x70, 0x45, 0x41};
    static const uint8_t d8[8] = {0xec, 0x51, 0xb8, 0x1e, 0x45, 0x1a, 0xb3,
                                  0x40};
    st_logarg a = sc(f4, 4);
    CHECK_STR(render("%f", &a, 1), "12.340000");
    a = sc(d8, 8);
    CHECK_STR(render("%f", &a, 1), "4890.270000");
    CHECK_STR(render("%.1f|%8.2e|%g", (st_logarg[]){a, a, a}, 3),
              "4890.3|4.89e+03|4890.27");
    /* strings: width, left-justify (libyal note "%{public}-22s: OFF") */
    a = str("SFIManagedFocal");
    CHECK_STR(render("%{public}-22s: OFF", &a, 1),
              "SFIManagedFocal       : OFF");
    CHECK_STR(render("[%6s]", (st_logarg[]){str("ab")}, 1), "[    ab]");
    CHECK_STR(render("[%.2s]", (st_logarg[]){str("abcdef")}, 1), "[ab]");
    /* a null string and an object */
    st_logarg n = {ST_ARG_STRING, 0x22, NULL, 0};
    CHECK_STR(render("%s", &n, 1), "(null)");
    st_logarg o = {ST_ARG_OBJECT, 0x42, (const uint8_t *)"<NSObject>", 10};
    CHECK_STR(render("obj %@ end", &o, 1), "obj <NSObject> end");
    /* precision item before a string: %.*s */
    st_logarg ps[] = {prec(i2), str("abcdef")};
    CHECK_STR(render("[%.*s]", ps, 2), "[ab]");
    /* a precision item recorded for a literal precision is skipped */
    st_logarg ps16[] = {prec(i16), str("0123456789abcdefXYZ")};
    CHECK_STR(render("%.16s", ps16, 2), "0123456789abcdef");
    /* '*' width from a scalar */
    static const uint8_t w4[4] = {4, 0, 0, 0};
    st_logarg sw[] = {sc(w4, 4), sc(i1, 4)};
    CHECK_STR(render("[%*d]", sw, 2), "[   1]");
    /* %% and a lone % */
    CHECK_STR(render("100%% sure", NULL, 0), "100% sure");
    CHECK_STR(render("50%, off", NULL, 0), "50%, off");
    /* "% o" is a conversion (space flag), as in printf */
    CHECK_STR(render("50% off", NULL, 0), "50<decode: missing data>ff");
    CHECK_STR(render("end %", NULL, 0), "end %");
    /* wide string */
    static const uint8_t ws[12] = {'h', 0, 0, 0, 0xe9, 0, 0, 0, 0, 0, 0, 0};
    st_logarg w = {ST_ARG_STRING, 0x22, ws, 12};
    CHECK_STR(render("%S", &w, 1), "h\xc3\xa9");
}

TEST(decoders)
{
    st_logarg a;
    /* libyal Boolean test + BOOL */
    a = sc(i1, 4);
    CHECK_STR(render("%{bool}d %{BOOL}d", (st_logarg[]){a, sc(i0, 4)}, 2),
              "true NO");
    /* errno: %{darwin.errno}d, %{errno}d, %m (libyal ErrorCode tests) */
    a = sc(i2, 4);
    CHECK_STR(render("%{darwin.errno}d", &a, 1),
              "[2: No such file or directory]");
    CHECK_STR(render("%{public, errno}d", &a, 1),
              "[2: No such file or directory]");
    a = sc(i22, 4);
    CHECK_STR(render("%m", &a, 1), "Invalid argument");
    /* Darwin numbering, not Linux: 60 is ETIMEDOUT, 35 EAGAIN */
    static const uint8_t e60[4] = {60, 0, 0, 0}, e35[4] = {35, 0, 0, 0};
    a = sc(e60, 4); CHECK_STR(render("%m", &a, 1), "Operation timed out");
    a = sc(e35, 4);
    CHECK_STR(render("%{darwin.errno}d", &a, 1),
              "[35: Resource temporarily unavailable]");
    static const uint8_t e999[4] = {0xe7, 3, 0, 0};
    a = sc(e999, 4); CHECK_STR(render("%m", &a, 1), "Unknown error: 999");
    /* darwin.signal, darwin.mode (libyal FileMode test: 0x1c0) */
    static const uint8_t s11[4] = {11, 0, 0, 0}, s9[4] = {9, 0, 0, 0};
    a = sc(s11, 4);
    CHECK_STR(render("%{darwin.signal}d", &a, 1),
              "[sigsegv: Segmentation Fault]");
    a = sc(s9, 4);
    CHECK_STR(render("%{darwin.signal}d", &a, 1), "[sigkill: Killed]");
    static const uint8_t mode[4] = {0xc0, 0x01, 0, 0};
    a = sc(mode, 4);
    CHECK_STR(render("%{darwin.mode}d", &a, 1), "-rwx------");
    static const uint8_t dmode[4] = {0xed, 0x41, 0, 0};      /* 040755 */
    a = sc(dmode, 4);
    CHECK_STR(render("%{darwin.mode}o", &a, 1), "drwxr-xr-x");
    /* time_t (libyal DateTimeInSeconds test), UTC */
    static const uint8_t t4[4] = {0x78, 0x9b, 0x69, 0x64};
    a = sc(t4, 4);
    CHECK_STR(render("%{time_t}d", &a, 1), "2023-05-21 04:18:00");
    /* uuid_t with its .16P precision item (libyal UUID test) */
    static const uint8_t u[16] = {0x1d, 0x1f, 0xd3, 0xfb, 0xe9, 0xa6, 'F',
                                  'j', 0xb7, '2', 0x7f, 0xb6, 0x98, 'a',
                                  0x02, 0xb2};
    st_logarg uu[] = {prec(i16), data(u, 16)};
    CHECK_STR(render("%{public,uuid_t}.16P", uu, 2),
              "1D1FD3FB-E9A6-466A-B732-7FB6986102B2");
    /* mask.hash (libyal MaskHash test) */
    st_logarg mh = {ST_ARG_DATA, 0xf2, u, 16};
    CHECK_STR(render("%{private, mask.hash}s", &mh, 1),
              "<mask.hash: 'HR/T++mmRmq3Mn+2mGECsg=='>");
    st_logarg mh0 = {ST_ARG_DATA, 0xf2, NULL, 0};
    CHECK_STR(render("%{mask.hash}s", &mh0, 1), "<mask.hash: (null)>");
    /* in_addr from a 4-byte scalar (libyal IPv4 test) and in6_addr */
    static const uint8_t ip4[4] = {0xc0, 0xa8, 0xcc, 0x62};
    a = sc(ip4, 4);
    CHECK_STR(render("%{network:in_addr}d", &a, 1), "192.168.204.98");
    static const uint8_t ip6[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0,
                                    0xff, 0, 0, 0x42, 0x83, 0x29};
    st_logarg v6[] = {prec(i16), data(ip6, 16)};
    CHECK_STR(render("%{network:in6_addr}.16P", v6, 2),
              "2001:db8::ff00:42:8329");
    /* sockaddr (libyal SocketAddress test) */
    static const uint8_t sa4[16] = {0x10, 0x02, 0, 0, 0x17, 0x32, 0x62, 0x82};
    st_logarg sa[] = {prec(i16), data(sa4, 16)};
    CHECK_STR(render("%{network:sockaddr}.*P", sa, 2), "23.50.98.130");
    static const uint8_t sa6[28] = {0x1c, 0x1e};
    st_logarg s6[] = {data(sa6, 28)};
    CHECK_STR(render("%{sockaddr}.*P", s6, 1), "::");
    CHECK_INT(stats.mismatch + stats.missing + stats.unknown_decoder, 0);
}

/* Privacy, missing and mismatched data, unknown decoders. */
TEST(privacy_and_failures)
{
    st_logarg a = priv;
    CHECK_STR(render("user %{private}s logged in", &a, 1),
              "user <private> logged in");
    /* the format's privacy word does not hide a captured value */
    CHECK_STR(render("%{private}s", (st_logarg[]){str("bob")}, 1), "bob");
    /* log's own example: 0x%lx with private numbers keeps the literal 0x */
    st_logarg pv[] = {priv, priv};
    CHECK_STR(render("kext submap [0x%lx - 0x%lx]", pv, 2),
              "kext submap [0x<private> - 0x<private>]");
    /* missing data */
    CHECK_STR(render("a=%d b=%s", (st_logarg[]){sc(i1, 4)}, 1),
              "a=1 b=<decode: missing data>");
    CHECK_INT(stats.missing, 1);
    /* mismatch: a string for %d */
    CHECK_STR(render("%d", (st_logarg[]){str("x")}, 1),
              "<decode: mismatch for [%d] got [STRING sz:2]>");
    CHECK_INT(stats.mismatch, 1);
    /* unknown decoder: raw value kept, counted with its name */
    a = sc(i2, 4);
    CHECK_STR(render("state %{odtypes:mbridtype}d", &a, 1), "state 2");
    CHECK_INT(stats.unknown_decoder, 1);
    CHECK_STR(stats.first_unknown, "odtypes:mbridtype");
    /* name= labels and signpost annotations are not decoders */
    CHECK_STR(render("n=%{public, signpost.telemetry:number1, "
                     "name=Count}d", &a, 1), "n=2");
    CHECK_INT(stats.unknown_decoder, 0);
    /* unknown item kind */
    static const uint8_t junk[2] = {1, 2};
    st_logarg u = {ST_ARG_UNKNOWN, 0x77, junk, 2};
    CHECK_STR(render("%s", &u, 1),
              "<decode: mismatch for [%s] got [UNKNOWN sz:2]>");
    CHECK_INT(stats.unknown_item, 1);
    /* leftover arguments are counted */
    render("none", (st_logarg[]){sc(i1, 4)}, 1);
    CHECK_INT(stats.extra_args, 1);
    /* an unterminated {decoder keeps the text */
    CHECK_STR(render("%{public", &a, 1), "%{public");
    /* widths beyond the bound are ignored, not honoured */
    CHECK_STR(render("[%99999d]", &a, 1), "[2]");
    CHECK_INT(stats.mismatch, 1);
}

/* The log raw-dump example quoted in mandiant's message.rs: a libnetwork
 * record with uuid_t, private in_addr and sockaddr, and %u.%03u pairs. */
TEST(libnetwork_example)
{
    static const uint8_t uuid[16] = {0x11, 0x5c, 0x75, 0xbd, 0xe7, 0x7e, 0x40,
                                     0xc2, 0xba, 0xcf, 0x46, 0xcc, 0xb6, 0x32,
                                     0xda, 0x2c};
    static const uint8_t port[4] = {0x4f, 0xc0, 0, 0};
    st_logarg a[] = {str("9.1"), prec(i16), data(uuid, 16), priv,
                     sc(port, 4), prec(i16), priv};
    CHECK_STR(render("[%s %{uuid_t}.16P %{private,network:in_addr}d.%d<->"
                     "%{private,network:sockaddr}.*P]", a, 7),
              "[9.1 115C75BD-E77E-40C2-BACF-46CCB632DA2C <private>.49231<->"
              "<private>]");
    static const uint8_t s1[4] = {1, 0, 0, 0}, ms[4] = {0x43, 3, 0, 0};
    st_logarg d[] = {sc(s1, 4), sc(ms, 4)};
    CHECK_STR(render("Duration: %u.%03us", d, 2), "Duration: 1.835s");
}

/* Output is cut at the buffer limit without overrunning. */
TEST(output_bounds)
{
    st_sbuf b = {0};
    b.limit = 10;
    st_logfmt_render(&b, "0123456789ABCDEF", 16, NULL, 0, NULL);
    CHECK_INT(b.n, 10);
    CHECK(b.cut);
    st_sbuf_free(&b);
    /* a format without a NUL inside its length */
    char f[3] = {'%', 'd', 'X'};
    b = (st_sbuf){0};
    st_logarg a = sc(i1, 4);
    st_logfmt_render(&b, f, 2, &a, 1, NULL);
    CHECK_STR(b.p, "1");
    st_sbuf_free(&b);
}

int main(void)
{
    RUN(printf_integers);
    RUN(printf_floats_strings);
    RUN(decoders);
    RUN(privacy_and_failures);
    RUN(libnetwork_example);
    RUN(output_bounds);
    return RESULT();
}
