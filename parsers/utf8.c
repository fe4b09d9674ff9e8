/*
 * utf8.c -- UTF-8 checks with an 8-bytes-at-a-time ASCII fast path, since
 * almost every log message is plain ASCII.
 */
#include "utf8.h"
#include <stdint.h>
#include <string.h>

/* Returns the length of one valid sequence at p, or 0. */
size_t st_utf8_seq(const unsigned char *p, size_t n)
{
    unsigned c = p[0];
    if (c < 0x80)
        return c ? 1 : 0;
    if (c < 0xC2 || c > 0xF4)
        return 0;
    size_t k = c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
    if (n < k)
        return 0;
    for (size_t i = 1; i < k; i++)
        if ((p[i] & 0xC0) != 0x80)
            return 0;
    if (c == 0xE0 && p[1] < 0xA0) return 0;   /* overlong */
    if (c == 0xED && p[1] > 0x9F) return 0;   /* surrogate */
    if (c == 0xF0 && p[1] < 0x90) return 0;   /* overlong */
    if (c == 0xF4 && p[1] > 0x8F) return 0;   /* > U+10FFFF */
    return k;
}

/* True when p[0..n) is valid UTF-8 without NUL. */
int st_utf8_clean(const char *s, size_t n)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t i = 0;
    while (i < n) {
        if (i + 8 <= n) {
            uint64_t w;
            memcpy(&w, p + i, 8);
            /* all ASCII and no zero byte in the word */
            if (!(w & 0x8080808080808080ULL) &&
                !((w - 0x0101010101010101ULL) & ~w & 0x8080808080808080ULL)) {
                i += 8;
                continue;
            }
        }
        size_t k = st_utf8_seq(p + i, n - i);
        if (!k)
            return 0;
        i += k;
    }
    return 1;
}

size_t st_utf8_sanitized_len(const char *s, size_t n)
{
    (void)s;
    return n * 3 + 1;
}

/* Copies valid sequences, replacing each bad byte with U+FFFD and NUL with
 * U+2400. */
size_t st_utf8_sanitize(const char *s, size_t n, char *out)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t o = 0;
    for (size_t i = 0; i < n;) {
        size_t k = p[i] ? st_utf8_seq(p + i, n - i) : 0;
        if (k) {
            memcpy(out + o, p + i, k);
            o += k;
            i += k;
        } else if (p[i] == 0) {
            memcpy(out + o, "\xE2\x90\x80", 3);
            o += 3;
            i++;
        } else {
            memcpy(out + o, "\xEF\xBF\xBD", 3);
            o += 3;
            i++;
        }
    }
    return o;
}
