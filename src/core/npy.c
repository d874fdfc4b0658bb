/* NumPy .npy arrays. See dnncrit/npy.h. Format: numpy.lib.format (magic
 * "\x93NUMPY", major, minor, header length as a little-endian u16 for
 * version 1 or u32 for versions 2 and 3, the header dict in ASCII/UTF-8,
 * then the data). */
#include "dnncrit/npy.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/halffloat.h"
#include "dnncrit/io.h"

static const unsigned char npy_magic[6] = {0x93, 'N', 'U', 'M', 'P', 'Y'};

bool dnc_npy_is_npy(const void *bytes, size_t len)
{
    return len >= sizeof npy_magic && memcmp(bytes, npy_magic, sizeof npy_magic) == 0;
}

void dnc_npy_free(dnc_npy *a)
{
    free(a->v);
    memset(a, 0, sizeof *a);
}

/* ---- The header dict: {'descr': '<f8', 'fortran_order': False,
 * 'shape': (3, 4), } with single or double quotes and any spacing. */
typedef struct {
    const char *p, *end, *name;
} hdr;

static void skip_ws(hdr *h)
{
    while (h->p < h->end && (*h->p == ' ' || *h->p == '\t' || *h->p == '\n' || *h->p == '\r'))
        h->p++;
}

static bool accept(hdr *h, char c)
{
    skip_ws(h);
    if (h->p < h->end && *h->p == c) {
        h->p++;
        return true;
    }
    return false;
}

static dnc_status bad_header(const hdr *h, const char *what)
{
    return dnc_fail(DNC_EINVAL, "'%s': malformed .npy header: %s", h->name, what);
}

/* A quoted string into buf (cap bytes with the NUL). */
static dnc_status parse_string(hdr *h, char *buf, size_t cap, const char *what)
{
    skip_ws(h);
    if (h->p >= h->end || (*h->p != '\'' && *h->p != '"'))
        return bad_header(h, what);
    char q = *h->p++;
    size_t n = 0;
    while (h->p < h->end && *h->p != q) {
        if (n + 1 >= cap)
            return bad_header(h, "a string in the header is too long");
        buf[n++] = *h->p++;
    }
    if (h->p >= h->end)
        return bad_header(h, "unterminated string");
    h->p++;
    buf[n] = '\0';
    return DNC_OK;
}

static bool accept_word(hdr *h, const char *w)
{
    skip_ws(h);
    size_t n = strlen(w);
    if ((size_t)(h->end - h->p) >= n && memcmp(h->p, w, n) == 0) {
        h->p += n;
        return true;
    }
    return false;
}

static dnc_status parse_shape(hdr *h, dnc_npy *out)
{
    if (!accept(h, '('))
        return bad_header(h, "'shape' must be a tuple of integers");
    out->ndim = 0;
    while (!accept(h, ')')) {
        skip_ws(h);
        if (h->p >= h->end || *h->p < '0' || *h->p > '9')
            return bad_header(h, "'shape' must be a tuple of non-negative integers");
        if (out->ndim == DNC_NPY_MAX_DIMS)
            return bad_header(h, "more than 32 dimensions");
        size_t v = 0;
        while (h->p < h->end && *h->p >= '0' && *h->p <= '9') {
            size_t d = (size_t)(*h->p++ - '0');
            if (v > (SIZE_MAX - d) / 10)
                return bad_header(h, "a dimension of 'shape' overflows");
            v = v * 10 + d;
        }
        if (h->p < h->end && *h->p == 'L') /* Python 2 longs */
            h->p++;
        out->shape[out->ndim++] = v;
        if (!accept(h, ',')) {
            if (!accept(h, ')'))
                return bad_header(h, "'shape' must be a tuple of integers");
            break;
        }
    }
    return DNC_OK;
}

static dnc_status parse_dict(hdr *h, dnc_npy *out)
{
    bool have_descr = false, have_order = false, have_shape = false;
    if (!accept(h, '{'))
        return bad_header(h, "expected a dict starting with '{'");
    while (!accept(h, '}')) {
        char key[32];
        dnc_status st = parse_string(h, key, sizeof key, "expected a quoted key");
        if (st)
            return st;
        if (!accept(h, ':'))
            return bad_header(h, "expected ':' after a key");
        if (strcmp(key, "descr") == 0) {
            skip_ws(h);
            if (h->p < h->end && *h->p == '[')
                return dnc_fail(DNC_EINVAL, "'%s': structured .npy dtypes are not supported "
                                            "(save a plain numeric 2-D array)", h->name);
            if ((st = parse_string(h, out->dtype, sizeof out->dtype, "'descr' must be a string")))
                return st;
            have_descr = true;
        } else if (strcmp(key, "fortran_order") == 0) {
            if (accept_word(h, "True"))
                out->fortran_order = true;
            else if (accept_word(h, "False"))
                out->fortran_order = false;
            else
                return bad_header(h, "'fortran_order' must be True or False");
            have_order = true;
        } else if (strcmp(key, "shape") == 0) {
            if ((st = parse_shape(h, out)))
                return st;
            have_shape = true;
        } else {
            return dnc_fail(DNC_EINVAL, "'%s': malformed .npy header: unknown key '%s'", h->name,
                            key);
        }
        if (!accept(h, ',')) {
            if (!accept(h, '}'))
                return bad_header(h, "expected ',' or '}' after a value");
            break;
        }
    }
    skip_ws(h);
    if (h->p != h->end)
        return bad_header(h, "text after the dict");
    if (!have_descr || !have_order || !have_shape)
        return bad_header(h, "the dict needs 'descr', 'fortran_order' and 'shape'");
    return DNC_OK;
}

/* ---- Data. */
typedef enum { K_BOOL, K_INT, K_UINT, K_FLOAT } kind;

static dnc_status parse_dtype(const char *name, const char *d, kind *k, size_t *size, bool *swap)
{
    uint16_t probe = 1;
    bool little = *(unsigned char *)&probe == 1;
    char order = d[0];
    if (order != '<' && order != '>' && order != '|' && order != '=')
        return dnc_fail(DNC_EINVAL, "'%s': .npy dtype '%s' has no byte order", name, d);
    *swap = (order == '<' && !little) || (order == '>' && little);
    char c = d[1];
    const char *num = d + 2;
    if (!*num || num[1] || *num < '1' || *num > '8')
        return dnc_fail(DNC_EINVAL, "'%s': unsupported .npy dtype '%s' (bool, i1-i8, u1-u8, f2, f4, f8)",
                        name, d);
    *size = (size_t)(*num - '0');
    bool ok = false;
    switch (c) {
    case 'b': *k = K_BOOL; ok = *size == 1; break;
    case 'i': *k = K_INT; ok = *size == 1 || *size == 2 || *size == 4 || *size == 8; break;
    case 'u': *k = K_UINT; ok = *size == 1 || *size == 2 || *size == 4 || *size == 8; break;
    case 'f': *k = K_FLOAT; ok = *size == 2 || *size == 4 || *size == 8; break;
    default: break;
    }
    if (!ok)
        return dnc_fail(DNC_EINVAL, "'%s': unsupported .npy dtype '%s' (bool, i1-i8, u1-u8, f2, f4, f8)",
                        name, d);
    return DNC_OK;
}

static double convert(const unsigned char *src, kind k, size_t size, bool swap)
{
    unsigned char b[8];
    for (size_t i = 0; i < size; i++)
        b[i] = swap ? src[size - 1 - i] : src[i];
    switch (k) {
    case K_BOOL: return b[0] != 0;
    case K_FLOAT:
        if (size == 2) {
            uint16_t h;
            memcpy(&h, b, 2);
            return dnc_half_to_double(h);
        } else if (size == 4) {
            float f;
            memcpy(&f, b, 4);
            return f;
        } else {
            double x;
            memcpy(&x, b, 8);
            return x;
        }
    case K_INT:
        switch (size) {
        case 1: { int8_t v; memcpy(&v, b, 1); return v; }
        case 2: { int16_t v; memcpy(&v, b, 2); return v; }
        case 4: { int32_t v; memcpy(&v, b, 4); return v; }
        default: { int64_t v; memcpy(&v, b, 8); return (double)v; }
        }
    case K_UINT:
        switch (size) {
        case 1: return b[0];
        case 2: { uint16_t v; memcpy(&v, b, 2); return v; }
        case 4: { uint32_t v; memcpy(&v, b, 4); return v; }
        default: { uint64_t v; memcpy(&v, b, 8); return (double)v; }
        }
    }
    return 0;
}

dnc_status dnc_npy_parse(const void *bytes, size_t len, const char *name, dnc_npy *out)
{
    memset(out, 0, sizeof *out);
    const unsigned char *b = bytes;
    if (!dnc_npy_is_npy(b, len))
        return dnc_fail(DNC_EINVAL, "'%s': not a .npy file (no \\x93NUMPY magic)", name);
    if (len < 10)
        return dnc_fail(DNC_EINVAL, "'%s': truncated .npy file (%zu bytes)", name, len);
    unsigned major = b[6];
    size_t hlen, off;
    if (major == 1) {
        hlen = (size_t)b[8] | (size_t)b[9] << 8;
        off = 10;
    } else if (major == 2 || major == 3) {
        if (len < 12)
            return dnc_fail(DNC_EINVAL, "'%s': truncated .npy file (%zu bytes)", name, len);
        hlen = (size_t)b[8] | (size_t)b[9] << 8 | (size_t)b[10] << 16 | (size_t)b[11] << 24;
        off = 12;
    } else {
        return dnc_fail(DNC_EINVAL, "'%s': unsupported .npy format version %u.%u", name, major,
                        (unsigned)b[7]);
    }
    if (hlen > len - off)
        return dnc_fail(DNC_EINVAL, "'%s': truncated .npy header (%zu bytes announced, %zu left)",
                        name, hlen, len - off);
    hdr h = {(const char *)b + off, (const char *)b + off + hlen, name};
    dnc_status st = parse_dict(&h, out);
    kind k = K_BOOL;
    size_t size = 1;
    bool swap = false;
    if (st || (st = parse_dtype(name, out->dtype, &k, &size, &swap))) {
        dnc_npy_free(out);
        return st;
    }
    size_t n = 1;
    for (size_t d = 0; d < out->ndim; d++) {
        if (out->shape[d] && n > SIZE_MAX / 8 / out->shape[d]) {
            dnc_npy_free(out);
            return dnc_fail(DNC_EINVAL, "'%s': .npy shape is too large", name);
        }
        n *= out->shape[d];
    }
    size_t data = len - off - hlen;
    if (data < n * size) {
        dnc_npy_free(out);
        return dnc_fail(DNC_EINVAL, "'%s': truncated .npy data (%zu bytes for %zu values of %zu bytes)",
                        name, data, n, size);
    }
    if (data > n * size) {
        dnc_npy_free(out);
        return dnc_fail(DNC_EINVAL, "'%s': %zu unexpected bytes after the .npy data", name,
                        data - n * size);
    }
    out->n = n;
    out->v = malloc((n ? n : 1) * sizeof *out->v);
    if (!out->v) {
        dnc_npy_free(out);
        return dnc_fail(DNC_ENOMEM, "'%s': out of memory for %zu values", name, n);
    }
    const unsigned char *src = b + off + hlen;
    if (!out->fortran_order || out->ndim < 2) {
        for (size_t i = 0; i < n; i++)
            out->v[i] = convert(src + i * size, k, size, swap);
        return DNC_OK;
    }
    /* Fortran order: the first index runs fastest. Walk the file's order
     * with a multi-index and store at the C-order position. */
    size_t idx[DNC_NPY_MAX_DIMS] = {0}, stride[DNC_NPY_MAX_DIMS];
    stride[out->ndim - 1] = 1;
    for (size_t d = out->ndim - 1; d > 0; d--)
        stride[d - 1] = stride[d] * out->shape[d];
    for (size_t i = 0; i < n; i++) {
        size_t pos = 0;
        for (size_t d = 0; d < out->ndim; d++)
            pos += idx[d] * stride[d];
        out->v[pos] = convert(src + i * size, k, size, swap);
        for (size_t d = 0; d < out->ndim && ++idx[d] == out->shape[d]; d++)
            idx[d] = 0;
    }
    return DNC_OK;
}

dnc_status dnc_npy_read(const char *path, dnc_npy *out)
{
    memset(out, 0, sizeof *out);
    char *bytes;
    size_t len;
    dnc_status st = dnc_read_file(path, &bytes, &len);
    if (st)
        return st;
    st = dnc_npy_parse(bytes, len, path, out);
    free(bytes);
    return st;
}
