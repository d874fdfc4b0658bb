#include "dnncrit/dataset.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <zlib.h>

#include "dnncrit/rng.h"

#define IDX_TYPE_UBYTE 0x08

/* gzread reads plain files transparently, so one path serves both. */
static dnc_status read_exact(gzFile gz, const char *path, void *buf, size_t n, const char *what)
{
    unsigned char *p = buf;
    while (n > 0) {
        unsigned chunk = n > (1u << 30) ? (1u << 30) : (unsigned)n;
        int got = gzread(gz, p, chunk);
        if (got < 0) {
            int err;
            const char *msg = gzerror(gz, &err);
            return dnc_fail(DNC_EINVAL, "%s: corrupt compressed data (%s), found while reading %s",
                            path, msg, what);
        }
        if (got == 0) {
            int err;
            const char *msg = gzerror(gz, &err);
            if (err != Z_OK && err != Z_BUF_ERROR)
                return dnc_fail(DNC_EINVAL, "%s: corrupt data while reading %s (%s)", path, what,
                                msg);
            return dnc_fail(DNC_EINVAL, "%s: file truncated: %zu bytes of %s missing", path, n,
                            what);
        }
        p += got;
        n -= (size_t)got;
    }
    return DNC_OK;
}

static uint32_t be32(const unsigned char *b)
{
    return ((uint32_t)b[0] << 24) | ((uint32_t)b[1] << 16) | ((uint32_t)b[2] << 8) | b[3];
}

static dnc_status open_idx(const char *path, gzFile *gz)
{
    if (path == NULL || *path == '\0')
        return dnc_fail(DNC_EINVAL, "no IDX file name given");
    if (access(path, R_OK) != 0)
        return dnc_fail(DNC_EIO, "cannot read '%s': %s", path, strerror(errno));
    *gz = gzopen(path, "rb");
    if (*gz == NULL)
        return dnc_fail(DNC_EIO, "cannot open '%s': %s", path, strerror(errno));
    gzbuffer(*gz, 1 << 17);
    return DNC_OK;
}

/* Reads the magic number and the dimension sizes, checking both. */
static dnc_status read_header(gzFile gz, const char *path, unsigned ndim_expected,
                              uint32_t dims[3])
{
    unsigned char magic[4];
    dnc_status st = read_exact(gz, path, magic, 4, "the IDX header");
    if (st)
        return st;
    if (magic[0] != 0 || magic[1] != 0)
        return dnc_fail(DNC_EINVAL,
                        "%s: not an IDX file (magic number 0x%02x%02x%02x%02x, expected "
                        "0x000008%02x)",
                        path, magic[0], magic[1], magic[2], magic[3], ndim_expected);
    if (magic[2] != IDX_TYPE_UBYTE)
        return dnc_fail(DNC_EINVAL,
                        "%s: IDX element type 0x%02x not supported (only unsigned bytes, 0x08)",
                        path, magic[2]);
    if (magic[3] != ndim_expected)
        return dnc_fail(DNC_EINVAL, "%s: IDX file has %u dimensions, expected %u (%s)", path,
                        magic[3], ndim_expected, ndim_expected == 3 ? "images" : "labels");
    unsigned char raw[12];
    st = read_exact(gz, path, raw, 4 * (size_t)ndim_expected, "the IDX dimension sizes");
    if (st)
        return st;
    for (unsigned d = 0; d < ndim_expected; d++)
        dims[d] = be32(raw + 4 * d);
    if (dims[0] == 0 || dims[0] > DNC_IDX_MAX_COUNT)
        return dnc_fail(DNC_EINVAL, "%s: implausible item count %u (allowed 1..%zu)", path,
                        dims[0], DNC_IDX_MAX_COUNT);
    for (unsigned d = 1; d < ndim_expected; d++)
        if (dims[d] == 0 || dims[d] > DNC_IDX_MAX_SIDE)
            return dnc_fail(DNC_EINVAL, "%s: implausible image side %u (allowed 1..%zu)", path,
                            dims[d], DNC_IDX_MAX_SIDE);
    return DNC_OK;
}

static dnc_status expect_end(gzFile gz, const char *path)
{
    unsigned char extra;
    int got = gzread(gz, &extra, 1);
    if (got < 0) {
        int err;
        return dnc_fail(DNC_EINVAL, "%s: corrupt compressed data at the end (%s)", path,
                        gzerror(gz, &err));
    }
    if (got > 0)
        return dnc_fail(DNC_EINVAL, "%s: unexpected bytes after the data announced in the header",
                        path);
    return DNC_OK;
}

static dnc_status read_idx(const char *path, unsigned ndim, size_t max_count, uint8_t **data,
                           uint32_t dims[3])
{
    *data = NULL;
    gzFile gz;
    dnc_status st = open_idx(path, &gz);
    if (st)
        return st;
    st = read_header(gz, path, ndim, dims);
    if (st) {
        gzclose(gz);
        return st;
    }
    size_t count = dims[0];
    bool partial = max_count > 0 && max_count < count;
    if (partial)
        count = max_count;
    size_t item = ndim == 3 ? (size_t)dims[1] * dims[2] : 1;
    uint8_t *buf = malloc(count * item);
    if (!buf) {
        gzclose(gz);
        return dnc_fail(DNC_ENOMEM, "%s: out of memory for %zu items", path, count);
    }
    st = read_exact(gz, path, buf, count * item, ndim == 3 ? "image data" : "label data");
    if (!st && !partial)
        st = expect_end(gz, path);
    gzclose(gz);
    if (st) {
        free(buf);
        return st;
    }
    dims[0] = (uint32_t)count;
    *data = buf;
    return DNC_OK;
}

dnc_status dnc_idx_read_images(const char *path, size_t max_count, uint8_t **data,
                               size_t *count, size_t *rows, size_t *cols)
{
    uint32_t dims[3];
    dnc_status st = read_idx(path, 3, max_count, data, dims);
    if (st)
        return st;
    *count = dims[0];
    *rows = dims[1];
    *cols = dims[2];
    return DNC_OK;
}

dnc_status dnc_idx_read_labels(const char *path, size_t max_count, size_t nclasses,
                               uint8_t **labels, size_t *count)
{
    if (nclasses < 2 || nclasses > 256)
        return dnc_fail(DNC_EINVAL, "number of classes must be in 2..256, got %zu", nclasses);
    uint32_t dims[3];
    dnc_status st = read_idx(path, 1, max_count, labels, dims);
    if (st)
        return st;
    for (size_t i = 0; i < dims[0]; i++) {
        if ((*labels)[i] >= nclasses) {
            st = dnc_fail(DNC_EINVAL, "%s: label %u of item %zu is outside 0..%zu", path,
                          (*labels)[i], i, nclasses - 1);
            free(*labels);
            *labels = NULL;
            return st;
        }
    }
    *count = dims[0];
    return DNC_OK;
}

dnc_status dnc_dataset_load(const char *images_path, const char *labels_path, size_t nclasses,
                            size_t max_count, dnc_dataset *ds)
{
    memset(ds, 0, sizeof *ds);
    uint8_t *pix = NULL, *lab = NULL;
    size_t n_img, rows, cols, n_lab;
    dnc_status st = dnc_idx_read_images(images_path, max_count, &pix, &n_img, &rows, &cols);
    if (st)
        return st;
    st = dnc_idx_read_labels(labels_path, max_count, nclasses, &lab, &n_lab);
    if (st) {
        free(pix);
        return st;
    }
    if (n_img != n_lab) {
        free(pix);
        free(lab);
        return dnc_fail(DNC_EINVAL, "%s holds %zu images but %s holds %zu labels", images_path,
                        n_img, labels_path, n_lab);
    }
    size_t dim = rows * cols;
    float *x = malloc(n_img * dim * sizeof *x);
    if (!x) {
        free(pix);
        free(lab);
        return dnc_fail(DNC_ENOMEM, "out of memory for %zu images", n_img);
    }
    for (size_t i = 0; i < n_img * dim; i++)
        x[i] = (float)pix[i];
    free(pix);
    *ds = (dnc_dataset){.count = n_img, .rows = rows, .cols = cols, .dim = dim,
                        .nclasses = nclasses, .x = x, .y = lab};
    return DNC_OK;
}

/* Prefers the .gz file, falls back to the plain one. */
static char *split_path(const char *dir, const char *split, const char *kind)
{
    size_t n = strlen(dir) + strlen(split) + strlen(kind) + 32;
    char *p = malloc(n);
    if (!p)
        return NULL;
    snprintf(p, n, "%s/%s-%s.gz", dir, split, kind);
    if (access(p, F_OK) != 0)
        snprintf(p, n, "%s/%s-%s", dir, split, kind);
    return p;
}

dnc_status dnc_dataset_load_split(const char *dir, const char *split, size_t max_count,
                                  dnc_dataset *ds)
{
    memset(ds, 0, sizeof *ds);
    if (!dir)
        dir = DNC_FASHION_MNIST_DIR;
    if (!split || (strcmp(split, "train") && strcmp(split, "t10k")))
        return dnc_fail(DNC_EINVAL, "data split must be 'train' or 't10k', got '%s'",
                        split ? split : "(null)");
    char *img = split_path(dir, split, "images-idx3-ubyte");
    char *lab = split_path(dir, split, "labels-idx1-ubyte");
    dnc_status st = (img && lab) ? dnc_dataset_load(img, lab, 10, max_count, ds)
                                 : dnc_fail(DNC_ENOMEM, "out of memory");
    free(img);
    free(lab);
    return st;
}

static void shuffle_indices(size_t *idx, size_t n, uint64_t seed, uint32_t a, uint32_t b)
{
    for (size_t i = n; i > 1; i--) {
        size_t j = (size_t)(dnc_uniform_at(seed, DNC_STREAM_TRAIN, a, b, i) * (double)i);
        if (j >= i)
            j = i - 1;
        size_t t = idx[i - 1];
        idx[i - 1] = idx[j];
        idx[j] = t;
    }
}

/* Per-class quotas by the largest-remainder method: they sum to n, and
 * none exceeds its class (each quota is the floor or ceiling of
 * n * n_class / total <= n_class). */
static void class_quotas(const size_t *per_class, size_t nclasses, size_t total, size_t n,
                         size_t *quota)
{
    size_t assigned = 0;
    double rem[256];
    for (size_t c = 0; c < nclasses; c++) {
        double exact = (double)n * (double)per_class[c] / (double)total;
        quota[c] = (size_t)exact;
        rem[c] = exact - (double)quota[c];
        assigned += quota[c];
    }
    while (assigned < n) {
        size_t best = 0;
        for (size_t c = 1; c < nclasses; c++)
            if (rem[c] > rem[best])
                best = c;
        quota[best]++;
        rem[best] = -1;
        assigned++;
    }
}

/* Fills sel[0..n) with a stratified random choice of sample indices. */
static dnc_status stratified_choice(const dnc_dataset *src, size_t n, uint64_t seed, size_t *sel)
{
    size_t per_class[256] = {0}, quota[256];
    for (size_t i = 0; i < src->count; i++)
        per_class[src->y[i]]++;
    class_quotas(per_class, src->nclasses, src->count, n, quota);
    size_t *members = malloc(src->count * sizeof *members);
    if (!members)
        return dnc_fail(DNC_ENOMEM, "out of memory choosing a subset");
    size_t k = 0;
    for (size_t c = 0; c < src->nclasses; c++) {
        size_t m = 0;
        for (size_t i = 0; i < src->count; i++)
            if (src->y[i] == c)
                members[m++] = i;
        shuffle_indices(members, m, seed, 0xD5u, (uint32_t)c);
        for (size_t j = 0; j < quota[c]; j++)
            sel[k++] = members[j];
    }
    free(members);
    shuffle_indices(sel, n, seed, 0xD5u, 0xFFFFu);
    return DNC_OK;
}

dnc_status dnc_dataset_subset(const dnc_dataset *src, size_t n, bool stratified, uint64_t seed,
                              dnc_dataset *out)
{
    memset(out, 0, sizeof *out);
    if (n == 0 || n > src->count)
        return dnc_fail(DNC_EINVAL, "subset size must be between 1 and %zu, got %zu", src->count,
                        n);
    size_t *sel = malloc(n * sizeof *sel);
    float *x = malloc(n * src->dim * sizeof *x);
    uint8_t *y = malloc(n);
    dnc_status st = (sel && x && y) ? DNC_OK : dnc_fail(DNC_ENOMEM, "out of memory for a subset");
    if (!st && stratified)
        st = stratified_choice(src, n, seed, sel);
    else if (!st)
        for (size_t i = 0; i < n; i++)
            sel[i] = i;
    if (st) {
        free(sel);
        free(x);
        free(y);
        return st;
    }
    for (size_t i = 0; i < n; i++) {
        memcpy(x + i * src->dim, src->x + sel[i] * src->dim, src->dim * sizeof *x);
        y[i] = src->y[sel[i]];
    }
    free(sel);
    *out = *src;
    out->count = n;
    out->x = x;
    out->y = y;
    return DNC_OK;
}

void dnc_dataset_stats(const dnc_dataset *ds, double *mean, double *std)
{
    size_t n = ds->count * ds->dim;
    double s = 0, s2 = 0;
    for (size_t i = 0; i < n; i++) {
        double v = ds->x[i];
        s += v;
        s2 += v * v;
    }
    double m = n ? s / (double)n : 0;
    double var = n ? s2 / (double)n - m * m : 0;
    *mean = m;
    *std = var > 0 ? sqrt(var) : 0;
}

dnc_status dnc_dataset_normalise(dnc_dataset *ds, dnc_normalisation mode, double mean, double std)
{
    size_t n = ds->count * ds->dim;
    double shift = 0, scale = 1;
    switch (mode) {
    case DNC_NORM_NONE: return DNC_OK;
    case DNC_NORM_UNIT: scale = 1.0 / 255.0; break;
    case DNC_NORM_STANDARD:
        if (!(std > 0) || !isfinite(std) || !isfinite(mean))
            return dnc_fail(DNC_EINVAL,
                            "cannot standardise: pixel standard deviation is %g (constant data?)",
                            std);
        shift = mean;
        scale = 1.0 / std;
        break;
    default: return dnc_fail(DNC_EINVAL, "invalid normalisation code %d", (int)mode);
    }
    for (size_t i = 0; i < n; i++)
        ds->x[i] = (float)(((double)ds->x[i] - shift) * scale);
    return DNC_OK;
}

static const char *const norm_names[] = {"none", "unit", "standard"};

dnc_status dnc_normalisation_parse(const char *name, dnc_normalisation *out)
{
    for (int i = 0; i < 3; i++)
        if (name && strcmp(name, norm_names[i]) == 0) {
            *out = (dnc_normalisation)i;
            return DNC_OK;
        }
    return dnc_fail(DNC_EINVAL, "unknown normalisation '%s' (known: none, unit, standard)",
                    name ? name : "(null)");
}

const char *dnc_normalisation_name(dnc_normalisation mode)
{
    return (mode >= 0 && mode <= DNC_NORM_STANDARD) ? norm_names[mode] : "invalid";
}

void dnc_dataset_free(dnc_dataset *ds)
{
    free(ds->x);
    free(ds->y);
    memset(ds, 0, sizeof *ds);
}

static dnc_status load_subset(const char *dir, const char *split, size_t n, uint64_t seed,
                              dnc_dataset *out)
{
    dnc_dataset full;
    dnc_status st = dnc_dataset_load_split(dir, split, 0, &full);
    if (st)
        return st;
    if (n == 0 || n == full.count) {
        *out = full;
        return DNC_OK;
    }
    if (n > full.count)
        st = dnc_fail(DNC_EINVAL, "asked for %zu %s samples, the %s split has %zu", n, split,
                      split, full.count);
    else
        st = dnc_dataset_subset(&full, n, true, seed, out);
    dnc_dataset_free(&full);
    return st;
}

dnc_status dnc_data_load(const dnc_data_spec *spec, dnc_dataset *train, dnc_dataset *test)
{
    memset(test, 0, sizeof *test);
    dnc_status st = load_subset(spec->dir, "train", spec->train_size, spec->seed, train);
    if (st)
        return st;
    /* A different counter (seed + 1) for the test subset's shuffle. */
    st = load_subset(spec->dir, "t10k", spec->test_size, spec->seed + 1, test);
    if (!st && train->dim != test->dim)
        st = dnc_fail(DNC_EINVAL, "train images are %zux%zu but test images %zux%zu", train->rows,
                      train->cols, test->rows, test->cols);
    double mean, std;
    dnc_dataset_stats(train, &mean, &std);
    if (!st)
        st = dnc_dataset_normalise(train, spec->norm, mean, std);
    if (!st)
        st = dnc_dataset_normalise(test, spec->norm, mean, std);
    if (st) {
        dnc_dataset_free(train);
        dnc_dataset_free(test);
    }
    return st;
}
