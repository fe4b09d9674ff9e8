/*
 * fuzz_logfmt.c -- libFuzzer harness for the message renderer: the input
 * is a format string (up to the first NUL) followed by argument items,
 * each {kind byte, length byte, bytes}.  The kind byte's low 3 bits pick
 * the argument kind (scalar, precision, string, object, data, private,
 * unknown, null string), so every conversion meets every kind.
 */
#include <stdint.h>
#include <string.h>

#include "logfmt.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const uint8_t *z = memchr(data, 0, size);
    size_t flen = z ? (size_t)(z - data) : size;
    st_logarg args[64];
    size_t na = 0, i = z ? flen + 1 : size;
    static const st_argkind kinds[8] = {
        ST_ARG_SCALAR, ST_ARG_PRECISION, ST_ARG_STRING, ST_ARG_OBJECT,
        ST_ARG_DATA,   ST_ARG_PRIVATE,   ST_ARG_UNKNOWN, ST_ARG_STRING};
    while (i + 2 <= size && na < 64) {
        uint8_t k = data[i], len = data[i + 1];
        i += 2;
        if (len > size - i)
            len = (uint8_t)(size - i);
        st_logarg *a = &args[na++];
        a->kind = kinds[k & 7];
        a->type = k;
        a->p = data + i;
        a->n = len;
        if ((k & 7) == 7 || a->kind == ST_ARG_PRIVATE) {
            a->p = NULL;              /* "(null)" strings, redacted values */
            a->n = 0;
        }
        i += len;
    }
    st_sbuf out = {0};
    out.limit = 1u << 16;
    st_logfmt_stats st;
    memset(&st, 0, sizeof st);
    st_logfmt_render(&out, (const char *)data, flen, args, na, &st);
    /* the output is a C string of exactly n bytes */
    if (out.p && strlen(out.p) > out.n)
        __builtin_trap();
    st_sbuf_free(&out);
    char buf[48];
    st_darwin_strerror(size ? (long)data[0] - 5 : 0, buf, sizeof buf);
    return 0;
}
