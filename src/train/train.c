/* Training: the epochs of minibatch steps over a data set, each epoch
 * evaluated on the train and test sets and observed (train_observables). */
#include "dnncrit/train.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <cblas.h>
#include <omp.h>

#include "dnncrit/io.h"
#include "dnncrit/rng.h"

/* ------------------------------------------------------------ training */

void dnc_train_permutation(uint64_t seed, size_t epoch, size_t n, size_t *perm)
{
    for (size_t i = 0; i < n; i++)
        perm[i] = i;
    for (size_t i = n; i > 1; i--) {
        size_t j = (size_t)(dnc_uniform_at(seed, DNC_STREAM_TRAIN, (uint32_t)epoch, 1, i) *
                            (double)i);
        if (j >= i)
            j = i - 1;
        size_t t = perm[i - 1];
        perm[i - 1] = perm[j];
        perm[j] = t;
    }
}

/* The GEMMs run single-threaded BLAS calls on dnc_par_strips, as many
 * threads as OpenMP's count, so only the OpenMP thread count matters. */
static void apply_threads(int threads)
{
    if (threads > 0)
        omp_set_num_threads(threads);
}

/* Whether every parameter is finite (a blown-up step can leave inf or NaN
 * weights behind a finite loss: relu passes NaN as 0). */
static dnc_status params_finite(const dnc_mlp_model *m, bool *finite)
{
    size_t n = dnc_mlp_model_nparams(m);
    double *theta = malloc(n * sizeof *theta);
    if (!theta)
        return dnc_fail(DNC_ENOMEM, "out of memory for %zu parameters", n);
    dnc_mlp_model_get_params(m, theta);
    *finite = true;
    for (size_t i = 0; i < n && *finite; i++)
        *finite = isfinite(theta[i]);
    free(theta);
    return DNC_OK;
}

/* Losses, accuracies and observables of the current network; *blown when
 * a loss or a parameter is not finite (then the observables are NAN). */
static dnc_status evaluate_epoch(dnc_mlp_model *m, const dnc_dataset *train,
                                 const dnc_dataset *test, dnc_train_epoch *e, bool *blown)
{
    dnc_status st = dnc_mlp_evaluate(m, train, &e->train_loss, &e->train_acc);
    if (!st)
        st = dnc_mlp_evaluate(m, test, &e->test_loss, &e->test_acc);
    bool finite = true;
    if (!st)
        st = params_finite(m, &finite);
    if (st)
        return st;
    *blown = !finite || !isfinite(e->train_loss) || !isfinite(e->test_loss);
    size_t obs_inputs = dnc_mlp_model_config(m)->obs_inputs;
    size_t nobs = obs_inputs < test->count ? obs_inputs : test->count;
    if (nobs >= 2 && !*blown)
        return dnc_mlp_observables(m, test->x, nobs, &e->obs);
    e->obs = (dnc_train_observables){NAN, NAN, NAN, NAN, NAN, NAN, NAN, NAN};
    return DNC_OK;
}

static dnc_status append_epoch(dnc_train_result *res, const dnc_train_epoch *e,
                               dnc_epoch_callback cb, void *ctx)
{
    res->epochs[res->nepochs++] = *e;
    if (cb)
        cb(ctx, e);
    return DNC_OK;
}

static dnc_status run_epoch(dnc_mlp_model *m, const dnc_dataset *train, size_t epoch,
                            size_t *perm, float *xb, uint8_t *yb, bool *diverged,
                            dnc_progress *prog, size_t *steps_done)
{
    const dnc_train_config *cfg = dnc_mlp_model_config(m);
    size_t n = train->count, B = cfg->batch_size, dim = train->dim;
    dnc_train_permutation(cfg->net.seed, epoch, n, perm);
    for (size_t s = 0; s < n; s += B) {
        size_t b = n - s < B ? n - s : B;
        for (size_t r = 0; r < b; r++) {
            memcpy(xb + r * dim, train->x + perm[s + r] * dim, dim * sizeof *xb);
            yb[r] = train->y[perm[s + r]];
        }
        double loss;
        dnc_status st = dnc_mlp_train_step(m, xb, yb, b, &loss);
        dnc_progress_update(prog, ++*steps_done);
        if (st == DNC_ENUM) {
            *diverged = true;
            return DNC_OK;
        }
        if (st)
            return st;
    }
    return DNC_OK;
}

/* Divergence beyond a non-finite step loss (run_epoch): an epoch whose
 * training loss exceeds DNC_TRAIN_BLOWUP = 10 x max(initial loss, ln C).
 * ln C (2.30 for 10 classes) is the loss of the uniform guess; the initial
 * loss is the reference when a chaotic initialisation starts above it.
 * 10 x is a geometric-mean probability of the true class below e^-23:
 * confidently wrong, far from anything training produces. Measured (2000
 * Fashion-MNIST images, 4-6 epochs): healthy runs (sigma_w 0.5-4, depth
 * 3-30, relu, adam, cnn, sgd lr <= 0.1) never exceed 1.0 x; the unstable
 * but learning sgd --lr 0.3 peaks at 2.0 x (55% accuracy); --lr 0.5 reaches
 * 17 x in epoch 2 and ends at chance (44 x), --lr 1e6 2e6 x in epoch 1. */
static bool loss_blew_up(const dnc_train_result *res, const dnc_train_epoch *e, size_t nclasses)
{
    double reference = fmax(res->epochs[0].train_loss, log((double)nclasses));
    return !isfinite(e->train_loss) || e->train_loss > DNC_TRAIN_BLOWUP * reference;
}

static dnc_status check_data(const dnc_train_config *cfg, const dnc_dataset *train,
                             const dnc_dataset *test)
{
    if (!train || !test || train->count == 0 || test->count == 0)
        return dnc_fail(DNC_EINVAL, "training needs non-empty train and test sets");
    if (train->dim != test->dim)
        return dnc_fail(DNC_EINVAL, "train and test samples differ in size (%zu vs %zu)",
                        train->dim, test->dim);
    if (train->nclasses > cfg->nclasses || test->nclasses > cfg->nclasses)
        return dnc_fail(DNC_EINVAL, "data have %zu classes, the model %zu", train->nclasses,
                        cfg->nclasses);
    return DNC_OK;
}

dnc_status dnc_train(const dnc_train_config *cfg, const dnc_dataset *train,
                     const dnc_dataset *test, dnc_epoch_callback cb, void *ctx,
                     dnc_train_result *res)
{
    memset(res, 0, sizeof *res);
    dnc_status st = check_data(cfg, train, test);
    if (st)
        return st;
    apply_threads(cfg->threads);
    dnc_mlp_model *m;
    st = dnc_train_model_new(cfg, train->rows, train->cols, &m);
    if (st)
        return st;
    size_t B = cfg->batch_size < train->count ? cfg->batch_size : train->count;
    res->epochs = calloc(cfg->epochs + 1, sizeof *res->epochs);
    size_t *perm = malloc(train->count * sizeof *perm);
    float *xb = malloc(B * train->dim * sizeof *xb);
    uint8_t *yb = malloc(B);
    if (!res->epochs || !perm || !xb || !yb)
        st = dnc_fail(DNC_ENOMEM, "out of memory for training buffers");
    dnc_train_epoch e = {0};
    bool blown = false;
    if (!st)
        st = evaluate_epoch(m, train, test, &e, &blown);
    if (!st)
        st = append_epoch(res, &e, cb, ctx);
    dnc_progress prog;
    size_t steps_per_epoch = (train->count + cfg->batch_size - 1) / cfg->batch_size, steps = 0;
    dnc_progress_start(&prog, "train", cfg->epochs * steps_per_epoch, cfg->quiet);
    for (size_t ep = 1; !st && ep <= cfg->epochs && !res->diverged; ep++) {
        double t0 = dnc_wall_time();
        st = run_epoch(m, train, ep, perm, xb, yb, &res->diverged, &prog, &steps);
        double dt = dnc_wall_time() - t0;
        res->train_seconds += dt;
        if (st)
            break;
        /* A diverged run still gets its (last) epoch evaluated: the sweep
         * needs the accuracy it ended with. */
        e = (dnc_train_epoch){.epoch = ep, .seconds = dt};
        st = evaluate_epoch(m, train, test, &e, &blown);
        if (!st)
            st = append_epoch(res, &e, cb, ctx);
        if (!st && (blown || loss_blew_up(res, &e, cfg->nclasses)))
            res->diverged = true;
    }
    dnc_progress_finish(&prog);
    size_t trained = res->nepochs > 0 ? res->nepochs - 1 : 0;
    res->samples_per_s =
        res->train_seconds > 0 ? (double)(trained * train->count) / res->train_seconds : 0;
    free(perm);
    free(xb);
    free(yb);
    if (!st && cfg->keep_model)
        res->model = m;
    else
        dnc_mlp_model_free(m);
    if (st)
        dnc_train_result_free(res);
    return st;
}

void dnc_train_result_free(dnc_train_result *res)
{
    free(res->epochs);
    dnc_mlp_model_free(res->model);
    memset(res, 0, sizeof *res);
}
