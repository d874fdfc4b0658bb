/* Labelled image data sets in the IDX format of MNIST and Fashion-MNIST
 * (LeCun et al.; Xiao et al. 2017), gzip-compressed or plain.
 *
 * IDX layout (big-endian): two zero bytes, a type byte (0x08 = unsigned
 * byte), a byte with the number of dimensions, one 32-bit size per
 * dimension, then the data. Images are 3-dimensional (count, rows, cols),
 * labels 1-dimensional (count). Every reader checks the magic number, the
 * dimensions, that the data are complete and that nothing follows them. */
#ifndef DNNCRIT_DATASET_H
#define DNNCRIT_DATASET_H
#include "dnncrit/export.h"
DNC_BEGIN_DECLS

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dnncrit/error.h"

#define DNC_FASHION_MNIST_DIR "/usr/share/datasets/fashion-mnist"
#define DNC_IDX_MAX_COUNT ((size_t)100000000)
#define DNC_IDX_MAX_SIDE ((size_t)4096)

typedef struct {
    size_t count;     /* number of samples */
    size_t rows, cols;
    size_t dim;       /* rows * cols */
    size_t nclasses;  /* labels lie in [0, nclasses) */
    float *x;         /* count x dim, row-major */
    uint8_t *y;       /* count labels */
} dnc_dataset;

typedef enum {
    DNC_NORM_NONE,     /* raw pixel values 0..255 */
    DNC_NORM_UNIT,     /* x / 255, in [0, 1] */
    DNC_NORM_STANDARD  /* (x - mean) / std with one global mean and std */
} dnc_normalisation;

/* Raw IDX readers. `max_count` = 0 reads every item; otherwise at most the
 * first max_count (the header must still be valid and the file must hold
 * at least what it announces when everything is read). Caller frees *data. */
dnc_status dnc_idx_read_images(const char *path, size_t max_count, uint8_t **data,
                               size_t *count, size_t *rows, size_t *cols);
dnc_status dnc_idx_read_labels(const char *path, size_t max_count, size_t nclasses,
                               uint8_t **labels, size_t *count);

/* Images + labels, counts must agree; x holds raw values (DNC_NORM_NONE). */
dnc_status dnc_dataset_load(const char *images_path, const char *labels_path, size_t nclasses,
                            size_t max_count, dnc_dataset *ds);
/* "<dir>/<split>-images-idx3-ubyte[.gz]" and "...-labels-idx1-ubyte[.gz]";
 * split is "train" or "t10k". dir NULL = DNC_FASHION_MNIST_DIR. */
dnc_status dnc_dataset_load_split(const char *dir, const char *split, size_t max_count,
                                  dnc_dataset *ds);

/* out = n samples of src: the first n (seed ignored) when !stratified,
 * otherwise a stratified random subset: each class contributes
 * floor(n * n_class / count) samples plus one for the classes with the largest
 * remainders, chosen by a Philox shuffle (seed, DNC_STREAM_TRAIN) within each
 * class; the subset is then interleaved in shuffled order. */
dnc_status dnc_dataset_subset(const dnc_dataset *src, size_t n, bool stratified, uint64_t seed,
                              dnc_dataset *out);

/* Mean and standard deviation of all pixel values of ds. */
void dnc_dataset_stats(const dnc_dataset *ds, double *mean, double *std);
/* Applies a normalisation to raw values. For DNC_NORM_STANDARD, mean and
 * std are those of the training set (dnc_dataset_stats before normalising),
 * so the test set gets the same affine map. */
dnc_status dnc_dataset_normalise(dnc_dataset *ds, dnc_normalisation mode, double mean, double std);
dnc_status dnc_normalisation_parse(const char *name, dnc_normalisation *out);
const char *dnc_normalisation_name(dnc_normalisation mode);

void dnc_dataset_free(dnc_dataset *ds);

/* The train/test pair of an experiment: stratified random subsets (seed)
 * of the "train" and "t10k" splits in dir (NULL = Fashion-MNIST), sizes 0 =
 * the whole split, both normalised with the training subset's statistics. */
typedef struct {
    const char *dir;
    size_t train_size, test_size;
    uint64_t seed;
    dnc_normalisation norm;
} dnc_data_spec;

dnc_status dnc_data_load(const dnc_data_spec *spec, dnc_dataset *train, dnc_dataset *test);

DNC_END_DECLS
#endif
