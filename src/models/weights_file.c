/* A user's network from a safetensors, .npy or .npz file (dnncrit/weights.h):
 * the file is memory-mapped, every tensor's header checked against the
 * file's extent on opening, the Linear layers found by name and their
 * shapes chained; values are converted to double when a layer is asked for.
 * Byte order: the formats are little-endian, read on a little-endian host. */
#include "dnncrit/weights.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>

#include <cjson/cJSON.h>
#include <zlib.h>

#include "core/halffloat.h"
#include "dnncrit/io.h"
#include "dnncrit/npy.h"

#define MAX_DIMS 8

typedef enum { DT_F64, DT_F32, DT_F16, DT_BF16, DT_OTHER } dtype;

typedef struct {
    char *name;
    dtype dt;
    char dtname[16];      /* as the file spells it, for messages */
    size_t ndim;
    size_t shape[MAX_DIMS];
    const unsigned char *data;
    size_t count;
} tensor;

struct dnc_weights {
    char *path;
    void *map;
    size_t map_len;
    unsigned char **bufs; /* decompressed .npz members */
    size_t nbufs;
    tensor *t;
    size_t nt;
    size_t nlayers;
    size_t *wi, *bi; /* tensor index of each layer's weight and bias */
};

static size_t esize(dtype d)
{
    return d == DT_F64 ? 8 : d == DT_F32 ? 4 : d == DT_OTHER ? 0 : 2;
}

static uint64_t le(const unsigned char *p, size_t n)
{
    uint64_t v = 0;
    for (size_t i = n; i-- > 0;)
        v = v << 8 | p[i];
    return v;
}

static double element(const tensor *t, size_t i)
{
    const unsigned char *p = t->data + i * esize(t->dt);
    switch (t->dt) {
    case DT_F64: {
        double d;
        memcpy(&d, p, 8);
        return d;
    }
    case DT_F32: {
        float f;
        memcpy(&f, p, 4);
        return f;
    }
    case DT_F16:
        return dnc_half_to_double((uint16_t)le(p, 2));
    case DT_BF16:
        return dnc_bfloat16_to_double((uint16_t)le(p, 2));
    default:
        return NAN;
    }
}

/* "[a, b, c]" into buf. */
static const char *shape_str(const tensor *t, char *buf, size_t n)
{
    size_t k = (size_t)snprintf(buf, n, "[");
    for (size_t d = 0; d < t->ndim && k < n; d++)
        k += (size_t)snprintf(buf + k, n - k, "%s%zu", d ? ", " : "", t->shape[d]);
    if (k < n)
        snprintf(buf + k, n - k, "]");
    return buf;
}

/* count = product of the shape, refusing overflow. */
static dnc_status set_count(const dnc_weights *w, tensor *t)
{
    size_t c = 1;
    for (size_t d = 0; d < t->ndim; d++) {
        if (t->shape[d] && c > SIZE_MAX / 8 / t->shape[d])
            return dnc_fail(DNC_EINVAL, "%s: tensor '%s' has too many elements", w->path,
                            t->name);
        c *= t->shape[d];
    }
    t->count = c;
    return DNC_OK;
}

static tensor *add_tensor(dnc_weights *w, const char *name, size_t len)
{
    tensor *nt = realloc(w->t, (w->nt + 1) * sizeof *nt);
    if (!nt)
        return NULL;
    w->t = nt;
    tensor *t = &w->t[w->nt];
    memset(t, 0, sizeof *t);
    t->name = malloc(len + 1);
    if (!t->name)
        return NULL;
    memcpy(t->name, name, len);
    t->name[len] = '\0';
    w->nt++;
    return t;
}

/* ---------------------------------------------------------- safetensors */

static dnc_status st_dtype(const char *s, tensor *t)
{
    static const struct { const char *name; dtype dt; } known[] = {
        {"F64", DT_F64}, {"F32", DT_F32}, {"F16", DT_F16}, {"BF16", DT_BF16}};
    snprintf(t->dtname, sizeof t->dtname, "%s", s);
    t->dt = DT_OTHER;
    for (size_t i = 0; i < sizeof known / sizeof known[0]; i++)
        if (strcmp(s, known[i].name) == 0)
            t->dt = known[i].dt;
    return DNC_OK;
}

/* A JSON number that is an exact integer in [0, 2^53). */
static bool json_size(const cJSON *j, size_t *out)
{
    if (!cJSON_IsNumber(j))
        return false;
    double v = j->valuedouble;
    if (!(v >= 0 && v < 9007199254740992.0) || v != floor(v))
        return false;
    *out = (size_t)v;
    return true;
}

static dnc_status st_tensor(dnc_weights *w, const cJSON *e, const unsigned char *data,
                            size_t data_len)
{
    const char *name = e->string;
    const cJSON *dt = cJSON_GetObjectItemCaseSensitive(e, "dtype");
    const cJSON *sh = cJSON_GetObjectItemCaseSensitive(e, "shape");
    const cJSON *off = cJSON_GetObjectItemCaseSensitive(e, "data_offsets");
    if (!cJSON_IsObject(e) || !cJSON_IsString(dt) || !cJSON_IsArray(sh) || !cJSON_IsArray(off) ||
        cJSON_GetArraySize(off) != 2)
        return dnc_fail(DNC_EINVAL,
                        "%s: header entry '%s' needs \"dtype\" (a string), \"shape\" (an array) "
                        "and \"data_offsets\" ([begin, end])",
                        w->path, name);
    tensor *t = add_tensor(w, name, strlen(name));
    if (!t)
        return dnc_fail(DNC_ENOMEM, "out of memory reading %s", w->path);
    st_dtype(dt->valuestring, t);
    int nd = cJSON_GetArraySize(sh);
    if (nd > MAX_DIMS)
        return dnc_fail(DNC_EINVAL, "%s: tensor '%s' has %d dimensions (at most %d read)",
                        w->path, name, nd, MAX_DIMS);
    t->ndim = (size_t)nd;
    for (int d = 0; d < nd; d++)
        if (!json_size(cJSON_GetArrayItem(sh, d), &t->shape[d]))
            return dnc_fail(DNC_EINVAL, "%s: tensor '%s': shape entry %d is not a size", w->path,
                            name, d);
    size_t begin, end;
    if (!json_size(cJSON_GetArrayItem(off, 0), &begin) ||
        !json_size(cJSON_GetArrayItem(off, 1), &end) || begin > end)
        return dnc_fail(DNC_EINVAL, "%s: tensor '%s': data_offsets must be [begin, end] with "
                                    "0 <= begin <= end",
                        w->path, name);
    if (end > data_len)
        return dnc_fail(DNC_EINVAL,
                        "%s: truncated: tensor '%s' ends at byte %zu of the data, which has "
                        "%zu bytes",
                        w->path, name, end, data_len);
    dnc_status st = set_count(w, t);
    if (st)
        return st;
    t->data = data + begin;
    if (t->dt != DT_OTHER && end - begin != t->count * esize(t->dt)) {
        char b[128];
        return dnc_fail(DNC_EINVAL,
                        "%s: tensor '%s': data_offsets span %zu bytes, but %s x shape %s needs "
                        "%zu",
                        w->path, name, end - begin, t->dtname, shape_str(t, b, sizeof b),
                        t->count * esize(t->dt));
    }
    return DNC_OK;
}

static dnc_status read_safetensors(dnc_weights *w, const unsigned char *p, size_t len)
{
    if (len < 8)
        return dnc_fail(DNC_EINVAL, "%s: truncated: %zu bytes, a safetensors file starts with "
                                    "an 8-byte header length",
                        w->path, len);
    uint64_t n = le(p, 8);
    if (n > len - 8)
        return dnc_fail(DNC_EINVAL,
                        "%s: header length %llu is beyond the file size (%zu bytes after the "
                        "8-byte length): truncated or not a safetensors file",
                        w->path, (unsigned long long)n, len - 8);
    cJSON *root = cJSON_ParseWithLength((const char *)p + 8, (size_t)n);
    if (!cJSON_IsObject(root)) {
        cJSON_Delete(root);
        return dnc_fail(DNC_EINVAL, "%s: the safetensors header is not a JSON object", w->path);
    }
    dnc_status st = DNC_OK;
    const cJSON *e;
    cJSON_ArrayForEach(e, root)
    {
        if (!e->string || strcmp(e->string, "__metadata__") == 0)
            continue;
        if ((st = st_tensor(w, e, p + 8 + n, len - 8 - (size_t)n)))
            break;
    }
    cJSON_Delete(root);
    return st;
}

/* ------------------------------------------------------------------ npy */

/* One .npy array in p[0..len) as tensor NAME (nlen chars), through the core
 * reader (dnncrit/npy.h): its doubles, in C order, are kept with the .npz
 * buffers; a dtype other than a float is kept as DT_OTHER and refused when
 * the layer is read, as for safetensors. */
static dnc_status read_npy(dnc_weights *w, const char *name, size_t nlen, const unsigned char *p,
                           size_t len)
{
    tensor *t = add_tensor(w, name, nlen);
    unsigned char **bufs = realloc(w->bufs, (w->nbufs + 1) * sizeof *bufs);
    if (!t || !bufs)
        return dnc_fail(DNC_ENOMEM, "out of memory reading %s", w->path);
    w->bufs = bufs;
    char label[512];
    snprintf(label, sizeof label, "%s: tensor %s", w->path, t->name);
    dnc_npy a;
    dnc_status st = dnc_npy_parse(p, len, label, &a);
    if (st)
        return st;
    if (a.ndim > MAX_DIMS) {
        dnc_npy_free(&a);
        return dnc_fail(DNC_EINVAL, "%s: tensor '%s' has %zu dimensions (at most %d read)",
                        w->path, t->name, a.ndim, MAX_DIMS);
    }
    snprintf(t->dtname, sizeof t->dtname, "%s", a.dtype);
    t->ndim = a.ndim;
    memcpy(t->shape, a.shape, a.ndim * sizeof *a.shape);
    t->dt = a.dtype[1] == 'f' ? DT_F64 : DT_OTHER; /* converted to double by the reader */
    w->bufs[w->nbufs++] = (unsigned char *)a.v;    /* owned from now on */
    t->data = (const unsigned char *)a.v;
    return set_count(w, t);
}

/* ------------------------------------------------------------------ npz */

static dnc_status zip_bad(const dnc_weights *w, const char *what)
{
    return dnc_fail(DNC_EINVAL, "%s: not a readable .npz (zip) file: %s", w->path, what);
}

/* zip64 extended information (extra field 0x0001) for the fields at 0xFFFFFFFF. */
static void zip64_extra(const unsigned char *x, size_t n, uint64_t *usize, uint64_t *csize,
                        uint64_t *off)
{
    while (n >= 4) {
        size_t id = (size_t)le(x, 2), sz = (size_t)le(x + 2, 2);
        if (sz > n - 4)
            return;
        if (id == 1) {
            const unsigned char *q = x + 4;
            size_t left = sz;
            uint64_t *f[] = {usize, csize, off};
            for (size_t i = 0; i < 3; i++)
                if (*f[i] == 0xFFFFFFFFu && left >= 8) {
                    *f[i] = le(q, 8);
                    q += 8;
                    left -= 8;
                }
            return;
        }
        x += 4 + sz;
        n -= 4 + sz;
    }
}

static dnc_status inflate_member(dnc_weights *w, const char *name, const unsigned char *src,
                                 size_t csize, size_t usize, unsigned char **out)
{
    /* deflate expands at most 1032:1: a larger claim is a corrupt header */
    if (usize / 1032 > csize + 1)
        return dnc_fail(DNC_EINVAL, "%s: member '%s' claims %zu bytes from %zu compressed",
                        w->path, name, usize, csize);
    unsigned char **nb = realloc(w->bufs, (w->nbufs + 1) * sizeof *nb);
    if (!nb)
        return dnc_fail(DNC_ENOMEM, "out of memory reading %s", w->path);
    w->bufs = nb;
    unsigned char *buf = malloc(usize ? usize : 1);
    if (!buf)
        return dnc_fail(DNC_ENOMEM, "out of memory for member '%s' of %s", name, w->path);
    w->bufs[w->nbufs++] = buf;
    z_stream z = {0};
    if (inflateInit2(&z, -MAX_WBITS) != Z_OK)
        return dnc_fail(DNC_ENOMEM, "zlib: cannot start inflating %s", w->path);
    int rc = Z_OK;
    size_t done_in = 0, done_out = 0;
    while (rc == Z_OK) { /* avail_in/out are 32-bit: feed in chunks */
        z.next_in = (unsigned char *)src + done_in;
        z.avail_in = (uInt)((csize - done_in) > (1u << 30) ? (1u << 30) : csize - done_in);
        z.next_out = buf + done_out;
        z.avail_out = (uInt)((usize - done_out) > (1u << 30) ? (1u << 30) : usize - done_out);
        uInt in0 = z.avail_in, out0 = z.avail_out;
        rc = inflate(&z, Z_NO_FLUSH);
        done_in += in0 - z.avail_in;
        done_out += out0 - z.avail_out;
        if (rc == Z_OK && in0 == z.avail_in && out0 == z.avail_out)
            rc = Z_BUF_ERROR;
    }
    inflateEnd(&z);
    if (rc != Z_STREAM_END || done_out != usize)
        return dnc_fail(DNC_EINVAL, "%s: member '%s' is corrupt or truncated (deflate)",
                        w->path, name);
    *out = buf;
    return DNC_OK;
}

static dnc_status zip_member(dnc_weights *w, const unsigned char *p, size_t len,
                             const unsigned char *c, size_t clen, size_t *used)
{
    if (clen < 46 || le(c, 4) != 0x02014b50)
        return zip_bad(w, "bad central directory entry");
    size_t method = (size_t)le(c + 10, 2);
    uint64_t csize = le(c + 20, 4), usize = le(c + 24, 4), off = le(c + 42, 4);
    size_t nlen = (size_t)le(c + 28, 2), xlen = (size_t)le(c + 30, 2),
           klen = (size_t)le(c + 32, 2);
    if (46 + nlen + xlen + klen > clen)
        return zip_bad(w, "central directory entry runs past its end");
    *used = 46 + nlen + xlen + klen;
    const char *name = (const char *)c + 46;
    zip64_extra(c + 46 + nlen, xlen, &usize, &csize, &off);
    if (off > len || len - off < 30 || le(p + off, 4) != 0x04034b50)
        return zip_bad(w, "bad local header offset");
    size_t start = (size_t)off + 30 + (size_t)le(p + off + 26, 2) + (size_t)le(p + off + 28, 2);
    if (start > len || csize > len - start)
        return dnc_fail(DNC_EINVAL, "%s: truncated: member '%.*s' runs past the end of the file",
                        w->path, (int)nlen, name);
    size_t tl = nlen >= 4 && memcmp(name + nlen - 4, ".npy", 4) == 0 ? nlen - 4 : nlen;
    char tname[256];
    snprintf(tname, sizeof tname, "%.*s", (int)(tl < 255 ? tl : 255), name);
    const unsigned char *data = p + start;
    if (method == 8) {
        unsigned char *buf = NULL;
        dnc_status st = inflate_member(w, tname, data, (size_t)csize, (size_t)usize, &buf);
        if (st)
            return st;
        return read_npy(w, name, tl, buf, (size_t)usize);
    }
    if (method != 0)
        return dnc_fail(DNC_EUNSUPPORTED, "%s: member '%s' uses zip method %zu (read: stored "
                                          "0, deflate 8)",
                        w->path, tname, method);
    if (csize != usize)
        return zip_bad(w, "stored member with differing sizes");
    return read_npy(w, name, tl, data, (size_t)csize);
}

static dnc_status read_npz(dnc_weights *w, const unsigned char *p, size_t len)
{
    size_t eocd = SIZE_MAX;
    for (size_t back = 22; back <= len && back <= 22 + 65535; back++)
        if (le(p + len - back, 4) == 0x06054b50) {
            eocd = len - back;
            break;
        }
    if (eocd == SIZE_MAX)
        return zip_bad(w, "no end-of-central-directory record (truncated?)");
    uint64_t entries = le(p + eocd + 10, 2), cdsize = le(p + eocd + 12, 4),
             cdoff = le(p + eocd + 16, 4);
    if ((entries == 0xFFFF || cdsize == 0xFFFFFFFFu || cdoff == 0xFFFFFFFFu) && eocd >= 20 &&
        le(p + eocd - 20, 4) == 0x07064b50) {
        uint64_t z = le(p + eocd - 20 + 8, 8);
        if (z > len || len - z < 56 || le(p + z, 4) != 0x06064b50)
            return zip_bad(w, "bad zip64 end record");
        entries = le(p + z + 32, 8);
        cdsize = le(p + z + 40, 8);
        cdoff = le(p + z + 48, 8);
    }
    if (cdoff > len || cdsize > len - cdoff)
        return dnc_fail(DNC_EINVAL, "%s: truncated: the zip central directory lies beyond the "
                                    "end of the file",
                        w->path);
    const unsigned char *c = p + cdoff;
    size_t left = (size_t)cdsize;
    for (uint64_t i = 0; i < entries; i++) {
        size_t used;
        dnc_status st = zip_member(w, p, len, c, left, &used);
        if (st)
            return st;
        c += used;
        left -= used;
    }
    return DNC_OK;
}

/* --------------------------------------------------------------- layers */

/* How the layers are named: torch ("<prefix>K.weight", "<prefix>K.bias", the
 * prefix "" or e.g. "net." for a Sequential inside a module) or "WK" / "bK". */
typedef struct {
    bool torch;
    char prefix[128];
    size_t plen;
} naming;

/* The index K of a weight (or bias) name under naming nm, or -1. */
static long name_index(const naming *nm, const char *name, bool weight)
{
    const char *s = name;
    if (nm->torch) {
        if (strncmp(s, nm->prefix, nm->plen) != 0)
            return -1;
        s += nm->plen;
    } else {
        if (*s != (weight ? 'W' : 'b'))
            return -1;
        s++;
    }
    if (*s < '0' || *s > '9')
        return -1;
    char *end;
    unsigned long v = strtoul(s, &end, 10);
    if (v > 1000000000ul)
        return -1;
    if (nm->torch ? strcmp(end, weight ? ".weight" : ".bias") != 0 : *end != '\0')
        return -1;
    return (long)v;
}

/* The name of layer K's weight or bias under nm, for messages. */
static const char *layer_name(const naming *nm, long k, bool weight, char *buf, size_t n)
{
    if (nm->torch)
        snprintf(buf, n, "%s%ld.%s", nm->prefix, k, weight ? "weight" : "bias");
    else
        snprintf(buf, n, "%c%ld", weight ? 'W' : 'b', k);
    return buf;
}

/* The torch prefix of NAME ("a.b." of "a.b.3.weight", "" of "3.weight"):
 * its length, or -1 when NAME is not "<prefix><digits>.weight". */
static long torch_prefix(const char *name)
{
    size_t len = strlen(name);
    if (len < 8 || strcmp(name + len - 7, ".weight") != 0)
        return -1;
    size_t q = len - 7;
    while (q > 0 && name[q - 1] >= '0' && name[q - 1] <= '9')
        q--;
    if (q == len - 7 || (q > 0 && name[q - 1] != '.') || q >= 128)
        return -1;
    return (long)q;
}

/* torch naming with the one prefix the file's "...K.weight" names share;
 * several prefixes (several Sequentials) are an error naming two. */
static dnc_status choose_naming(const dnc_weights *w, naming *nm)
{
    memset(nm, 0, sizeof *nm);
    const char *first = NULL;
    for (size_t i = 0; i < w->nt; i++) {
        long q = torch_prefix(w->t[i].name);
        if (q < 0)
            continue;
        if (!first) {
            first = w->t[i].name;
            nm->torch = true;
            nm->plen = (size_t)q;
            memcpy(nm->prefix, first, nm->plen);
        } else if ((size_t)q != nm->plen || strncmp(w->t[i].name, first, nm->plen) != 0)
            return dnc_fail(DNC_EINVAL,
                            "%s: Linear layers under several prefixes ('%s' and '%s'): one "
                            "nn.Sequential is read",
                            w->path, first, w->t[i].name);
    }
    return DNC_OK;
}

static const tensor *find(const dnc_weights *w, const naming *nm, long k, bool weight)
{
    for (size_t i = 0; i < w->nt; i++)
        if (name_index(nm, w->t[i].name, weight) == k)
            return &w->t[i];
    return NULL;
}

static int cmp_long(const void *a, const void *b)
{
    long x = *(const long *)a, y = *(const long *)b;
    return (x > y) - (x < y);
}

static dnc_status check_tensor(const dnc_weights *w, const tensor *t, size_t ndim)
{
    char b[128];
    if (t->dt == DT_OTHER)
        return dnc_fail(DNC_EUNSUPPORTED, "%s: tensor '%s' has dtype %s (read: F64, F32, F16, "
                                          "BF16; .npy '<f8', '<f4', '<f2')",
                        w->path, t->name, t->dtname);
    if (t->ndim != ndim)
        return dnc_fail(DNC_EINVAL, "%s: tensor '%s' has shape %s, expected %s", w->path,
                        t->name, shape_str(t, b, sizeof b),
                        ndim == 2 ? "2 dimensions (out x in)" : "1 dimension (out)");
    for (size_t d = 0; d < ndim; d++)
        if (t->shape[d] == 0 || t->shape[d] > DNC_MAX_WIDTH)
            return dnc_fail(DNC_EINVAL, "%s: tensor '%s' has shape %s: sizes must be 1..%zu",
                            w->path, t->name, shape_str(t, b, sizeof b), DNC_MAX_WIDTH);
    return DNC_OK;
}

static dnc_status list_names(const dnc_weights *w)
{
    char list[512] = "";
    size_t k = 0;
    for (size_t i = 0; i < w->nt && k < sizeof list - 64; i++)
        k += (size_t)snprintf(list + k, sizeof list - k, "%s'%s'", i ? ", " : "",
                              w->t[i].name);
    return dnc_fail(DNC_EINVAL,
                    "%s: no Linear layers found: expected tensors named 0.weight, 0.bias, "
                    "2.weight, ... (a PyTorch nn.Sequential) or W0, b0, W1, b1, ...; the file "
                    "holds %zu tensor(s)%s%s",
                    w->path, w->nt, w->nt ? ": " : "", list);
}

static dnc_status check_layer(const dnc_weights *w, size_t l)
{
    const tensor *W = &w->t[w->wi[l]], *b = &w->t[w->bi[l]];
    dnc_status st;
    if ((st = check_tensor(w, W, 2)) || (st = check_tensor(w, b, 1)))
        return st;
    char s1[128], s2[128];
    if (b->shape[0] != W->shape[0])
        return dnc_fail(DNC_EINVAL, "%s: shape mismatch: '%s' has shape %s but '%s' has shape %s "
                                    "(expected [%zu])",
                        w->path, b->name, shape_str(b, s1, sizeof s1), W->name,
                        shape_str(W, s2, sizeof s2), W->shape[0]);
    if (l > 0) {
        const tensor *P = &w->t[w->wi[l - 1]];
        if (W->shape[1] != P->shape[0])
            return dnc_fail(DNC_EINVAL, "%s: shape mismatch: '%s' has shape %s (fan-in %zu) but "
                                        "the previous layer '%s' has shape %s (%zu outputs)",
                            w->path, W->name, shape_str(W, s1, sizeof s1), W->shape[1],
                            P->name, shape_str(P, s2, sizeof s2), P->shape[0]);
    }
    return DNC_OK;
}

static dnc_status find_layers(dnc_weights *w)
{
    naming nm;
    dnc_status st = choose_naming(w, &nm);
    if (st)
        return st;
    long *idx = malloc((w->nt + 1) * sizeof *idx);
    w->wi = malloc((w->nt + 1) * sizeof *w->wi);
    w->bi = malloc((w->nt + 1) * sizeof *w->bi);
    if (!idx || !w->wi || !w->bi) {
        free(idx);
        return dnc_fail(DNC_ENOMEM, "out of memory reading %s", w->path);
    }
    size_t n = 0;
    for (size_t i = 0; i < w->nt; i++) {
        long k = name_index(&nm, w->t[i].name, true);
        if (k >= 0 && find(w, &nm, k, true) == &w->t[i]) /* first of duplicates */
            idx[n++] = k;
    }
    qsort(idx, n, sizeof *idx, cmp_long);
    st = n == 0 ? list_names(w) : DNC_OK;
    char want[160];
    for (size_t i = 0; i < w->nt && !st; i++) { /* a bias without its weight */
        long k = name_index(&nm, w->t[i].name, false);
        if (k >= 0 && !find(w, &nm, k, true))
            st = dnc_fail(DNC_EINVAL, "%s: missing tensor '%s' (the weight of '%s')", w->path,
                          layer_name(&nm, k, true, want, sizeof want), w->t[i].name);
    }
    for (size_t l = 0; l < n && !st; l++) {
        const tensor *W = find(w, &nm, idx[l], true), *b = find(w, &nm, idx[l], false);
        if (!b) {
            st = dnc_fail(DNC_EINVAL, "%s: missing tensor '%s' (the bias of '%s')", w->path,
                          layer_name(&nm, idx[l], false, want, sizeof want), W->name);
            break;
        }
        w->wi[l] = (size_t)(W - w->t);
        w->bi[l] = (size_t)(b - w->t);
        w->nlayers = l + 1;
        st = check_layer(w, l);
    }
    free(idx);
    if (!st && n > DNC_MAX_DEPTH)
        st = dnc_fail(DNC_EINVAL, "%s: %zu layers, at most %zu", w->path, n, DNC_MAX_DEPTH);
    return st;
}

/* ----------------------------------------------------------------- open */

static dnc_status map_file(dnc_weights *w)
{
    FILE *fp;
    dnc_status st = dnc_open_input(w->path, &fp);
    if (st)
        return st;
    struct stat sb;
    if (fstat(fileno(fp), &sb) != 0 || !S_ISREG(sb.st_mode)) {
        fclose(fp);
        return dnc_fail(DNC_EIO, "%s: not a regular file", w->path);
    }
    w->map_len = (size_t)sb.st_size;
    if (w->map_len > 0) {
        w->map = mmap(NULL, w->map_len, PROT_READ, MAP_PRIVATE, fileno(fp), 0);
        if (w->map == MAP_FAILED) {
            w->map = NULL;
            fclose(fp);
            return dnc_fail(DNC_EIO, "%s: cannot memory-map the file", w->path);
        }
    }
    fclose(fp);
    return DNC_OK;
}

dnc_status dnc_weights_open(const char *path, dnc_weights **out)
{
    *out = NULL;
    dnc_weights *w = calloc(1, sizeof *w);
    if (!w || !(w->path = malloc(strlen(path) + 1))) {
        free(w);
        return dnc_fail(DNC_ENOMEM, "out of memory opening %s", path);
    }
    strcpy(w->path, path);
    dnc_status st = map_file(w);
    const unsigned char *p = w->map;
    size_t len = w->map_len;
    if (!st) {
        if (len >= 6 && memcmp(p, "\x93NUMPY", 6) == 0)
            st = read_npy(w, "0.weight", 8, p, len);
        else if (len >= 4 && memcmp(p, "PK\3\4", 4) == 0)
            st = read_npz(w, p, len);
        else
            st = read_safetensors(w, p, len);
    }
    if (!st && w->nt == 1 && len >= 6 && memcmp(p, "\x93NUMPY", 6) == 0) {
        /* a lone .npy array: one layer, zero bias (a 1-D tensor of the rows) */
        tensor *b = add_tensor(w, "0.bias", 6);
        if (!b)
            st = dnc_fail(DNC_ENOMEM, "out of memory reading %s", path);
        else {
            const tensor *W = &w->t[0];
            *b = (tensor){.name = b->name, .dt = DT_F64, .dtname = "zero", .ndim = 1,
                          .shape = {W->ndim ? W->shape[0] : 0}}; /* no data: zeros */
            b->count = b->shape[0];
        }
    }
    if (!st)
        st = find_layers(w);
    if (st) {
        dnc_weights_free(w);
        return st;
    }
    *out = w;
    return DNC_OK;
}

void dnc_weights_free(dnc_weights *w)
{
    if (!w)
        return;
    if (w->map)
        munmap(w->map, w->map_len);
    for (size_t i = 0; i < w->nbufs; i++)
        free(w->bufs[i]);
    for (size_t i = 0; i < w->nt; i++)
        free(w->t[i].name);
    free(w->bufs);
    free(w->t);
    free(w->wi);
    free(w->bi);
    free(w->path);
    free(w);
}

size_t dnc_weights_nlayers(const dnc_weights *w)
{
    return w->nlayers;
}

void dnc_weights_layer_shape(const dnc_weights *w, size_t layer, size_t *out, size_t *in)
{
    const tensor *W = &w->t[w->wi[layer - 1]];
    *out = W->shape[0];
    *in = W->shape[1];
}

const char *dnc_weights_layer_name(const dnc_weights *w, size_t layer)
{
    return w->t[w->wi[layer - 1]].name;
}

static dnc_status convert(const dnc_weights *w, const tensor *t, double *x)
{
    size_t rows = t->shape[0], cols = t->ndim == 2 ? t->shape[1] : 1;
    for (size_t r = 0; r < rows; r++)
        for (size_t c = 0; c < cols; c++) {
            size_t src = r * cols + c;
            double v = t->data ? element(t, src) : 0.0; /* no data: the zero bias */
            if (!isfinite(v)) {
                if (t->ndim == 2)
                    return dnc_fail(DNC_EINVAL, "%s: tensor '%s' entry [%zu, %zu] is not "
                                                "finite (%g)",
                                    w->path, t->name, r, c, v);
                return dnc_fail(DNC_EINVAL, "%s: tensor '%s' entry [%zu] is not finite (%g)",
                                w->path, t->name, r, v);
            }
            x[r * cols + c] = v;
        }
    return DNC_OK;
}

dnc_status dnc_weights_layer(const dnc_weights *w, size_t layer, double *W, double *b)
{
    if (layer < 1 || layer > w->nlayers)
        return dnc_fail(DNC_EINVAL, "%s: layer %zu asked for, the file has %zu", w->path, layer,
                        w->nlayers);
    dnc_status st = convert(w, &w->t[w->wi[layer - 1]], W);
    return st ? st : convert(w, &w->t[w->bi[layer - 1]], b);
}

dnc_status dnc_weights_provide(void *ctx, size_t layer, double *W, double *b)
{
    return dnc_weights_layer(ctx, layer, W, b);
}

dnc_status dnc_weights_mlp_config(const dnc_weights *w, dnc_mlp_config *net,
                                  bool *readout_dropped)
{
    size_t L = w->nlayers, N, n0, out, in;
    dnc_weights_layer_shape(w, 1, &N, &n0);
    for (size_t l = 2; l < L; l++) {
        dnc_weights_layer_shape(w, l, &out, &in);
        if (out != N)
            return dnc_fail(DNC_EUNSUPPORTED,
                            "%s: hidden widths differ: '%s' has %zu outputs, '%s' %zu; "
                            "propagation takes one width for every hidden layer",
                            w->path, dnc_weights_layer_name(w, 1), N,
                            dnc_weights_layer_name(w, l), out);
    }
    dnc_weights_layer_shape(w, L, &out, &in);
    *readout_dropped = L > 1 && out != N;
    net->width = N;
    net->input_width = n0;
    net->depth = *readout_dropped ? L - 1 : L;
    return DNC_OK;
}

/* ---------------------------------------------------------------- write */

static cJSON *header_json(const dnc_tensor_view *t, size_t n, dnc_weights_dtype dtype,
                          const char *const *meta, size_t nmeta)
{
    cJSON *root = cJSON_CreateObject();
    if (!root)
        return NULL;
    if (nmeta) {
        cJSON *m = cJSON_AddObjectToObject(root, "__metadata__");
        for (size_t i = 0; m && i < nmeta; i++)
            cJSON_AddStringToObject(m, meta[2 * i], meta[2 * i + 1]);
    }
    size_t es = dtype == DNC_WEIGHTS_F64 ? 8 : 4, off = 0;
    for (size_t i = 0; i < n; i++) {
        cJSON *e = cJSON_AddObjectToObject(root, t[i].name);
        if (!e)
            break;
        cJSON_AddStringToObject(e, "dtype", dtype == DNC_WEIGHTS_F64 ? "F64" : "F32");
        cJSON *sh = cJSON_AddArrayToObject(e, "shape");
        cJSON_AddItemToArray(sh, cJSON_CreateNumber((double)t[i].rows));
        if (t[i].cols)
            cJSON_AddItemToArray(sh, cJSON_CreateNumber((double)t[i].cols));
        size_t bytes = t[i].rows * (t[i].cols ? t[i].cols : 1) * es;
        cJSON *o = cJSON_AddArrayToObject(e, "data_offsets");
        cJSON_AddItemToArray(o, cJSON_CreateNumber((double)off));
        cJSON_AddItemToArray(o, cJSON_CreateNumber((double)(off + bytes)));
        off += bytes;
    }
    return root;
}

dnc_status dnc_safetensors_write(const char *path, const dnc_tensor_view *t, size_t n,
                                 dnc_weights_dtype dtype, const char *const *meta,
                                 size_t nmeta)
{
    if (dtype != DNC_WEIGHTS_F32 && dtype != DNC_WEIGHTS_F64)
        return dnc_fail(DNC_EINVAL, "safetensors: invalid dtype %d", (int)dtype);
    cJSON *root = header_json(t, n, dtype, meta, nmeta);
    char *h = root ? cJSON_PrintUnformatted(root) : NULL;
    cJSON_Delete(root);
    if (!h)
        return dnc_fail(DNC_ENOMEM, "out of memory writing %s", path);
    size_t hl = strlen(h), padded = (hl + 7) / 8 * 8; /* data 8-byte aligned */
    dnc_afile f;
    dnc_status st = dnc_afile_open(&f, path);
    if (st) {
        free(h);
        return st;
    }
    unsigned char len8[8];
    for (size_t i = 0; i < 8; i++)
        len8[i] = (unsigned char)((uint64_t)padded >> (8 * i));
    fwrite(len8, 1, 8, f.fp);
    fwrite(h, 1, hl, f.fp);
    for (size_t i = hl; i < padded; i++)
        fputc(' ', f.fp);
    free(h);
    for (size_t i = 0; i < n; i++) {
        size_t m = t[i].rows * (t[i].cols ? t[i].cols : 1);
        for (size_t j = 0; j < m; j++) {
            if (dtype == DNC_WEIGHTS_F64)
                fwrite(&t[i].data[j], 8, 1, f.fp);
            else {
                float v = (float)t[i].data[j];
                fwrite(&v, 4, 1, f.fp);
            }
        }
    }
    return dnc_afile_commit(&f);
}
