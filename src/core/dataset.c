#include "dnncrit/dataset.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <zlib.h>

#include "dnncrit/io.h"
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
    FILE *fp;
    dnc_status st = dnc_open_input(path, &fp); /* names a directory as such */
    if (st)
        return st;
    int fd = dup(fileno(fp));
    fclose(fp);
    *gz = fd < 0 ? NULL : gzdopen(fd, "rb");
    if (*gz == NULL) {
        int e = errno;
        if (fd >= 0)
            close(fd);
        return dnc_fail(DNC_EIO, "cannot open '%s': %s", path, strerror(e));
    }
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
    /* The buffer grows as the data arrive: a header may announce gigabytes
     * that a short or hostile file does not hold. */
    const size_t chunk = (size_t)64 << 20;
    size_t total = count * item, have = 0, cap = 0;
    uint8_t *buf = NULL;
    while (!st && have < total) {
        size_t want = total - have < chunk ? total - have : chunk;
        if (have + want > cap) {
            size_t ncap = cap ? 2 * cap : want;
            if (ncap < have + want)
                ncap = have + want;
            if (ncap > total)
                ncap = total;
            uint8_t *g = realloc(buf, ncap);
            if (!g) {
                st = dnc_fail(DNC_ENOMEM, "%s: out of memory for %zu items", path, count);
                break;
            }
            buf = g;
            cap = ncap;
        }
        st = read_exact(gz, path, buf + have, want, ndim == 3 ? "image data" : "label data");
        have += want;
    }
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

static dnc_status load_raw(const char *images_path, const char *labels_path, size_t nclasses,
                           size_t max_count, uint8_t **pix, dnc_dataset *ds)
{
    memset(ds, 0, sizeof *ds);
    uint8_t *lab = NULL;
    size_t n_img, rows, cols, n_lab;
    dnc_status st = dnc_idx_read_images(images_path, max_count, pix, &n_img, &rows, &cols);
    if (st)
        return st;
    st = dnc_idx_read_labels(labels_path, max_count, nclasses, &lab, &n_lab);
    if (!st && n_img != n_lab) {
        free(lab);
        st = dnc_fail(DNC_EINVAL, "%s holds %zu images but %s holds %zu labels", images_path,
                      n_img, labels_path, n_lab);
    }
    if (st) {
        free(*pix);
        *pix = NULL;
        return st;
    }
    *ds = (dnc_dataset){.count = n_img, .rows = rows, .cols = cols, .dim = rows * cols,
                        .nclasses = nclasses, .x = NULL, .y = lab};
    return DNC_OK;
}

dnc_status dnc_dataset_load(const char *images_path, const char *labels_path, size_t nclasses,
                            size_t max_count, dnc_dataset *ds)
{
    uint8_t *pix;
    dnc_status st = load_raw(images_path, labels_path, nclasses, max_count, &pix, ds);
    if (st)
        return st;
    size_t n = ds->count * ds->dim;
    ds->x = malloc(n * sizeof *ds->x);
    if (!ds->x) {
        free(pix);
        dnc_dataset_free(ds);
        return dnc_fail(DNC_ENOMEM, "out of memory for %zu images", ds->count);
    }
    for (size_t i = 0; i < n; i++)
        ds->x[i] = (float)pix[i];
    free(pix);
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

/* The image and label paths of a split; caller frees both. */
static dnc_status split_paths(const char *dir, const char *split, char **img, char **lab)
{
    *img = *lab = NULL;
    if (!dir)
        dir = DNC_FASHION_MNIST_DIR;
    if (!split || (strcmp(split, "train") && strcmp(split, "t10k")))
        return dnc_fail(DNC_EINVAL, "data split must be 'train' or 't10k', got '%s'",
                        split ? split : "(null)");
    *img = split_path(dir, split, "images-idx3-ubyte");
    *lab = split_path(dir, split, "labels-idx1-ubyte");
    if (*img && *lab)
        return DNC_OK;
    free(*img);
    free(*lab);
    *img = *lab = NULL;
    return dnc_fail(DNC_ENOMEM, "out of memory");
}

dnc_status dnc_dataset_load_split(const char *dir, const char *split, size_t max_count,
                                  dnc_dataset *ds)
{
    memset(ds, 0, sizeof *ds);
    char *img, *lab;
    dnc_status st = split_paths(dir, split, &img, &lab);
    if (!st)
        st = dnc_dataset_load(img, lab, 10, max_count, ds);
    free(img);
    free(lab);
    return st;
}

/* Labels in ds, raw pixels in *pix (x stays NULL). */
static dnc_status load_raw_split(const char *dir, const char *split, dnc_dataset *ds,
                                 uint8_t **pix)
{
    memset(ds, 0, sizeof *ds);
    *pix = NULL;
    char *img, *lab;
    dnc_status st = split_paths(dir, split, &img, &lab);
    if (!st)
        st = load_raw(img, lab, 10, 0, pix, ds);
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
static dnc_status stratified_choice(const uint8_t *y, size_t count, size_t nclasses, size_t n,
                                   uint64_t seed, size_t *sel)
{
    size_t per_class[256] = {0}, quota[256];
    for (size_t i = 0; i < count; i++)
        per_class[y[i]]++;
    class_quotas(per_class, nclasses, count, n, quota);
    size_t *members = malloc(count * sizeof *members);
    if (!members)
        return dnc_fail(DNC_ENOMEM, "out of memory choosing a subset");
    size_t k = 0;
    for (size_t c = 0; c < nclasses; c++) {
        size_t m = 0;
        for (size_t i = 0; i < count; i++)
            if (y[i] == c)
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
        st = stratified_choice(src->y, src->count, src->nclasses, n, seed, sel);
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

/* Chooses on the labels first and converts only the chosen images. */
static dnc_status load_subset(const char *dir, const char *split, size_t n, uint64_t seed,
                              dnc_dataset *out)
{
    dnc_dataset raw;
    uint8_t *pix;
    dnc_status st = load_raw_split(dir, split, &raw, &pix);
    if (st)
        return st;
    size_t count = raw.count, dim = raw.dim;
    if (n == 0)
        n = count;
    size_t *sel = NULL;
    float *x = NULL;
    uint8_t *y = NULL;
    if (n > count)
        st = dnc_fail(DNC_EINVAL, "asked for %zu %s samples, the %s split has %zu", n, split,
                      split, count);
    if (!st) {
        sel = malloc(n * sizeof *sel);
        x = malloc(n * dim * sizeof *x);
        y = malloc(n);
        if (!sel || !x || !y)
            st = dnc_fail(DNC_ENOMEM, "out of memory for %zu samples", n);
    }
    if (!st && n == count)
        for (size_t i = 0; i < n; i++)
            sel[i] = i;
    else if (!st)
        st = stratified_choice(raw.y, count, raw.nclasses, n, seed, sel);
    if (!st) {
        for (size_t i = 0; i < n; i++) {
            const uint8_t *p = pix + sel[i] * dim;
            for (size_t k = 0; k < dim; k++)
                x[i * dim + k] = (float)p[k];
            y[i] = raw.y[sel[i]];
        }
        *out = raw;
        out->count = n;
        out->x = x;
        out->y = y;
        x = NULL;
        y = NULL;
    }
    free(pix);
    free(raw.y);
    free(sel);
    free(x);
    free(y);
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
