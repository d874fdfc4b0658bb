#include "dnncrit/train_sweep.h"

#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <cjson/cJSON.h>

#include "dnncrit/io.h"
#include "dnncrit/meanfield.h"
#include "dnncrit/rng.h"
#include "dnncrit/train_report.h"

/* ------------------------------------------------------------ one point */

static void mean_field_context(const dnc_train_config *cfg, dnc_train_point_result *r)
{
    dnc_mf_params p = {cfg->net.activation, cfg->net.sigma_w, cfg->net.sigma_b};
    dnc_mf_point mf;
    r->chi1_mf = r->xi_c = r->kappa = r->sigma_w_crit = r->dist_crit = NAN;
    r->depth_over_xi = r->kappa_L = NAN;
    if (dnc_mf_analyse(&p, &mf) == DNC_OK) {
        r->chi1_mf = mf.chi_1;
        r->xi_c = mf.xi_c;
        r->kappa = mf.kappa_exists ? mf.kappa : NAN;
        r->depth_over_xi = (double)cfg->net.depth / mf.xi_c;
        r->kappa_L = r->kappa * (double)cfg->net.depth;
    }
    double swc;
    if (dnc_mf_critical_sigma_w(cfg->net.activation, cfg->net.sigma_b, &swc) == DNC_OK) {
        r->sigma_w_crit = swc;
        r->dist_crit = cfg->net.sigma_w - swc;
    }
    dnc_clear_error();
}

dnc_status dnc_train_point(const dnc_train_config *cfg, const dnc_dataset *train,
                           const dnc_dataset *test, dnc_train_point_result *out)
{
    memset(out, 0, sizeof *out);
    out->sigma_w = cfg->net.sigma_w;
    out->sigma_b = cfg->net.sigma_b;
    out->depth = cfg->net.depth;
    out->width = cfg->net.width;
    out->seed = cfg->net.seed;
    dnc_train_result res;
    double t0 = dnc_wall_time();
    dnc_status st = dnc_train(cfg, train, test, NULL, NULL, &res);
    if (st)
        return st;
    const dnc_train_epoch *last = &res.epochs[res.nepochs - 1];
    out->final_test_acc = last->test_acc;
    out->final_train_acc = last->train_acc;
    out->final_test_loss = last->test_loss;
    out->best_test_acc = 0;
    for (size_t e = 0; e < res.nepochs; e++)
        if (res.epochs[e].test_acc > out->best_test_acc)
            out->best_test_acc = res.epochs[e].test_acc;
    out->diverged = res.diverged;
    out->init_obs = res.epochs[0].obs;
    out->final_obs = last->obs;
    dnc_train_result_free(&res);
    mean_field_context(cfg, out);
    out->seconds = dnc_wall_time() - t0;
    return DNC_OK;
}

const char *const dnc_train_point_columns[DNC_TRAIN_POINT_NCOLUMNS] = {
    "final_test_acc", "best_test_acc", "final_train_acc", "final_test_loss", "diverged",
    "chi1_mf", "xi_c", "kappa", "sigma_w_crit", "dist_crit", "depth_over_xi", "kappa_L",
    "chi1_weights_init", "susceptibility_init", "lyapunov_init", "chi1_weights_final",
    "susceptibility_final",
};

void dnc_train_point_row(const dnc_train_point_result *r, double row[DNC_TRAIN_POINT_NCOLUMNS])
{
    const double v[DNC_TRAIN_POINT_NCOLUMNS] = {
        r->final_test_acc, r->best_test_acc, r->final_train_acc, r->final_test_loss,
        r->diverged ? 1.0 : 0.0, r->chi1_mf, r->xi_c, r->kappa, r->sigma_w_crit, r->dist_crit,
        r->depth_over_xi, r->kappa_L, r->init_obs.chi1_weights, r->init_obs.susceptibility,
        r->init_obs.lyapunov, r->final_obs.chi1_weights, r->final_obs.susceptibility,
    };
    memcpy(row, v, sizeof v);
}

/* ------------------------------------------------------------- JSON */

static void add_num(cJSON *o, const char *key, double v)
{
    if (isfinite(v))
        cJSON_AddNumberToObject(o, key, v);
    else
        cJSON_AddNullToObject(o, key);
}

/* Missing or null numbers read back as NAN. */
static double get_num(const cJSON *o, const char *key)
{
    const cJSON *it = cJSON_GetObjectItemCaseSensitive(o, key);
    return cJSON_IsNumber(it) ? it->valuedouble : NAN;
}

static cJSON *obs_json(const dnc_train_observables *o)
{
    cJSON *j = cJSON_CreateObject();
    add_num(j, "rho_first", o->rho_first);
    add_num(j, "rho_last", o->rho_last);
    add_num(j, "rho_mean", o->rho_mean);
    add_num(j, "q_last", o->q_last);
    add_num(j, "lyapunov", o->lyapunov);
    add_num(j, "chi1_lyap", o->chi1_lyap);
    add_num(j, "chi1_weights", o->chi1_weights);
    add_num(j, "susceptibility", o->susceptibility);
    return j;
}

static void obs_from_json(const cJSON *j, dnc_train_observables *o)
{
    o->rho_first = get_num(j, "rho_first");
    o->rho_last = get_num(j, "rho_last");
    o->rho_mean = get_num(j, "rho_mean");
    o->q_last = get_num(j, "q_last");
    o->lyapunov = get_num(j, "lyapunov");
    o->chi1_lyap = get_num(j, "chi1_lyap");
    o->chi1_weights = get_num(j, "chi1_weights");
    o->susceptibility = get_num(j, "susceptibility");
}

cJSON *dnc_train_point_to_json(const dnc_train_point_result *r)
{
    cJSON *j = cJSON_CreateObject();
    if (!j)
        return NULL;
    cJSON *c = cJSON_AddObjectToObject(j, "point");
    cJSON_AddNumberToObject(c, "sigma_w", r->sigma_w);
    cJSON_AddNumberToObject(c, "sigma_b", r->sigma_b);
    cJSON_AddNumberToObject(c, "depth", (double)r->depth);
    cJSON_AddNumberToObject(c, "width", (double)r->width);
    cJSON_AddNumberToObject(c, "seed", (double)r->seed);
    cJSON *res = cJSON_AddObjectToObject(j, "results");
    add_num(res, "final_test_acc", r->final_test_acc);
    add_num(res, "final_train_acc", r->final_train_acc);
    add_num(res, "final_test_loss", r->final_test_loss);
    add_num(res, "best_test_acc", r->best_test_acc);
    cJSON_AddBoolToObject(res, "diverged", r->diverged);
    cJSON *mf = cJSON_AddObjectToObject(j, "mean_field");
    add_num(mf, "chi1", r->chi1_mf);
    add_num(mf, "xi_c", r->xi_c);
    add_num(mf, "kappa", r->kappa);
    add_num(mf, "sigma_w_crit", r->sigma_w_crit);
    add_num(mf, "dist_crit", r->dist_crit);
    add_num(mf, "depth_over_xi", r->depth_over_xi);
    add_num(mf, "kappa_L", r->kappa_L);
    cJSON_AddItemToObject(j, "init_observables", obs_json(&r->init_obs));
    cJSON_AddItemToObject(j, "final_observables", obs_json(&r->final_obs));
    add_num(j, "seconds", r->seconds);
    return j;
}

dnc_status dnc_train_point_from_json(const cJSON *j, dnc_train_point_result *r)
{
    memset(r, 0, sizeof *r);
    const cJSON *c = cJSON_GetObjectItemCaseSensitive(j, "point");
    const cJSON *res = cJSON_GetObjectItemCaseSensitive(j, "results");
    const cJSON *mf = cJSON_GetObjectItemCaseSensitive(j, "mean_field");
    if (!cJSON_IsObject(c) || !cJSON_IsObject(res) || !cJSON_IsObject(mf))
        return dnc_fail(DNC_EINVAL, "not a train-sweep point (missing point/results/mean_field)");
    r->sigma_w = get_num(c, "sigma_w");
    r->sigma_b = get_num(c, "sigma_b");
    double depth = get_num(c, "depth"), width = get_num(c, "width"), seed = get_num(c, "seed");
    if (!isfinite(r->sigma_w) || !isfinite(r->sigma_b) || !(depth >= 1) || !(width >= 1) ||
        !(seed >= 0))
        return dnc_fail(DNC_EINVAL, "train-sweep point with missing or invalid parameters");
    r->depth = (size_t)depth;
    r->width = (size_t)width;
    r->seed = (uint64_t)seed;
    r->final_test_acc = get_num(res, "final_test_acc");
    r->final_train_acc = get_num(res, "final_train_acc");
    r->final_test_loss = get_num(res, "final_test_loss");
    r->best_test_acc = get_num(res, "best_test_acc");
    r->diverged = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(res, "diverged"));
    if (!isfinite(r->final_test_acc))
        return dnc_fail(DNC_EINVAL, "train-sweep point without a final test accuracy");
    r->chi1_mf = get_num(mf, "chi1");
    r->xi_c = get_num(mf, "xi_c");
    if (!isfinite(r->xi_c) && isfinite(r->chi1_mf))
        r->xi_c = INFINITY; /* exactly critical: stored as null */
    r->kappa = get_num(mf, "kappa");
    r->sigma_w_crit = get_num(mf, "sigma_w_crit");
    r->dist_crit = get_num(mf, "dist_crit");
    r->depth_over_xi = get_num(mf, "depth_over_xi");
    r->kappa_L = get_num(mf, "kappa_L");
    obs_from_json(cJSON_GetObjectItemCaseSensitive(j, "init_observables"), &r->init_obs);
    obs_from_json(cJSON_GetObjectItemCaseSensitive(j, "final_observables"), &r->final_obs);
    r->seconds = get_num(j, "seconds");
    return DNC_OK;
}

/* --------------------------------------------------------------- grid */

size_t dnc_train_sweep_npoints(const dnc_train_sweep_spec *s)
{
    return s->n_sigma_w * s->n_sigma_b * s->n_depth * s->n_width * s->seeds;
}

void dnc_train_sweep_point_config(const dnc_train_sweep_spec *s, size_t index,
                                  dnc_train_config *cfg)
{
    *cfg = s->base;
    size_t i = index;
    size_t is = i % s->seeds;
    i /= s->seeds;
    size_t iN = i % s->n_width;
    i /= s->n_width;
    size_t iL = i % s->n_depth;
    i /= s->n_depth;
    size_t ib = i % s->n_sigma_b;
    i /= s->n_sigma_b;
    cfg->net.sigma_w = s->sigma_w[i];
    cfg->net.sigma_b = s->sigma_b[ib];
    cfg->net.depth = s->depth[iL];
    cfg->net.width = s->width[iN];
    cfg->net.seed = s->seed0 + is;
    cfg->quiet = true;
}

static dnc_status validate_spec(const dnc_train_sweep_spec *s)
{
    if (!s->n_sigma_w || !s->n_sigma_b || !s->n_depth || !s->n_width || !s->seeds)
        return dnc_fail(DNC_EINVAL, "every grid list and the number of seeds must be non-empty");
    size_t n = dnc_train_sweep_npoints(s);
    if (n > 1000000)
        return dnc_fail(DNC_EINVAL, "sweep has %zu points, at most 1000000 allowed", n);
    for (size_t i = 0; i < n; i++) {
        dnc_train_config c;
        dnc_train_sweep_point_config(s, i, &c);
        dnc_status st = dnc_train_config_validate(&c);
        if (st)
            return dnc_fail(st, "point %zu: %s", i, dnc_last_error());
    }
    return DNC_OK;
}

/* ------------------------------------------------------ the directory */

static cJSON *spec_json(const dnc_train_sweep_spec *s)
{
    cJSON *j = dnc_train_config_json(&s->base);
    cJSON_DeleteItemFromObject(j, "threads"); /* may change on restart */
    cJSON_DeleteItemFromObject(j, "sigma_w");
    cJSON_DeleteItemFromObject(j, "sigma_b");
    cJSON_DeleteItemFromObject(j, "depth");
    cJSON_DeleteItemFromObject(j, "width");
    cJSON_DeleteItemFromObject(j, "seed");
    cJSON_AddItemToObject(j, "sigma_w", cJSON_CreateDoubleArray(s->sigma_w, (int)s->n_sigma_w));
    cJSON_AddItemToObject(j, "sigma_b", cJSON_CreateDoubleArray(s->sigma_b, (int)s->n_sigma_b));
    cJSON *d = cJSON_AddArrayToObject(j, "depth");
    for (size_t i = 0; i < s->n_depth; i++)
        cJSON_AddItemToArray(d, cJSON_CreateNumber((double)s->depth[i]));
    cJSON *w = cJSON_AddArrayToObject(j, "width");
    for (size_t i = 0; i < s->n_width; i++)
        cJSON_AddItemToArray(w, cJSON_CreateNumber((double)s->width[i]));
    cJSON_AddNumberToObject(j, "seeds", (double)s->seeds);
    cJSON_AddNumberToObject(j, "seed0", (double)s->seed0);
    cJSON_AddStringToObject(j, "dataset_dir", s->data.dir ? s->data.dir : DNC_FASHION_MNIST_DIR);
    cJSON_AddNumberToObject(j, "train_size", (double)s->data.train_size);
    cJSON_AddNumberToObject(j, "test_size", (double)s->data.test_size);
    cJSON_AddNumberToObject(j, "data_seed", (double)s->data.seed);
    cJSON_AddStringToObject(j, "normalise", dnc_normalisation_name(s->data.norm));
    cJSON_AddNumberToObject(j, "bootstrap", (double)s->bootstrap);
    return j;
}

static char *join(const char *dir, const char *name)
{
    size_t n = strlen(dir) + strlen(name) + 2;
    char *p = malloc(n);
    if (p)
        snprintf(p, n, "%s/%s", dir, name);
    return p;
}

static dnc_status make_dir(const char *path)
{
    if (mkdir(path, 0777) != 0 && errno != EEXIST)
        return dnc_fail(DNC_EIO, "cannot create directory '%s': %s", path, strerror(errno));
    struct stat sb;
    if (stat(path, &sb) != 0 || !S_ISDIR(sb.st_mode))
        return dnc_fail(DNC_EIO, "'%s' exists and is not a directory", path);
    return DNC_OK;
}

/* Writes DIR/spec.json, or checks that the one there is the same sweep. */
static dnc_status check_spec(const dnc_train_sweep_spec *s, const char *dir)
{
    char *path = join(dir, "spec.json");
    if (!path)
        return dnc_fail(DNC_ENOMEM, "out of memory");
    cJSON *want = spec_json(s);
    dnc_status st = DNC_OK;
    struct stat sb;
    if (stat(path, &sb) == 0) {
        cJSON *have;
        st = dnc_read_json(path, &have);
        if (!st && !cJSON_Compare(have, want, true))
            st = dnc_fail(DNC_EINVAL,
                          "'%s' describes a different sweep; use a new output directory or "
                          "the same options to resume",
                          path);
        cJSON_Delete(have);
    } else {
        st = dnc_write_json_atomic(path, want);
    }
    cJSON_Delete(want);
    free(path);
    return st;
}

/* Temporary files of a killed run ("<i>.json.tmp.<pid>") are half-written
 * points: removed, so the point is redone. */
static void remove_temporaries(const char *pdir)
{
    DIR *d = opendir(pdir);
    if (!d)
        return;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (strstr(e->d_name, ".tmp.")) {
            char *p = join(pdir, e->d_name);
            if (p)
                remove(p);
            free(p);
        }
    }
    closedir(d);
}

static char *point_path(const char *pdir, size_t index)
{
    char name[64];
    snprintf(name, sizeof name, "%zu.json", index);
    return join(pdir, name);
}

/* A finished point file that parses and belongs to this grid point. */
static bool load_point(const char *path, const dnc_train_config *cfg, dnc_train_point_result *r)
{
    struct stat sb;
    if (stat(path, &sb) != 0)
        return false;
    cJSON *j;
    if (dnc_read_json(path, &j) != DNC_OK) {
        dnc_clear_error();
        return false;
    }
    bool ok = dnc_train_point_from_json(j, r) == DNC_OK && r->sigma_w == cfg->net.sigma_w &&
              r->sigma_b == cfg->net.sigma_b && r->depth == cfg->net.depth &&
              r->width == cfg->net.width && r->seed == cfg->net.seed;
    cJSON_Delete(j);
    dnc_clear_error();
    return ok;
}

static dnc_status run_points(const dnc_train_sweep_spec *s, const char *pdir,
                             dnc_train_point_result *pts, dnc_train_sweep_counts *counts)
{
    size_t n = dnc_train_sweep_npoints(s);
    dnc_dataset train = {0}, test = {0};
    bool loaded = false;
    dnc_progress prog;
    dnc_progress_start(&prog, "train-sweep", n, s->quiet);
    dnc_status st = DNC_OK;
    for (size_t i = 0; i < n && !st; i++) {
        dnc_train_config cfg;
        dnc_train_sweep_point_config(s, i, &cfg);
        char *path = point_path(pdir, i);
        if (!path) {
            st = dnc_fail(DNC_ENOMEM, "out of memory");
            break;
        }
        if (load_point(path, &cfg, &pts[i])) {
            counts->reused++;
        } else {
            if (!loaded) {
                st = dnc_data_load(&s->data, &train, &test);
                loaded = !st;
            }
            if (!st)
                st = dnc_train_point(&cfg, &train, &test, &pts[i]);
            if (!st) {
                cJSON *j = dnc_train_point_to_json(&pts[i]);
                cJSON_AddNumberToObject(j, "index", (double)i);
                st = dnc_write_json_atomic(path, j);
                cJSON_Delete(j);
                /* Read back: the table must not depend on whether a point
                 * was just computed or reused (JSON rounding, null = inf). */
                if (!st && !load_point(path, &cfg, &pts[i]))
                    st = dnc_fail(DNC_EIO, "cannot read back '%s'", path);
            }
            if (st)
                st = dnc_fail(st, "point %zu: %s", i, dnc_last_error());
            else
                counts->ran++;
        }
        free(path);
        dnc_progress_update(&prog, i + 1);
    }
    dnc_progress_finish(&prog);
    if (loaded) {
        dnc_dataset_free(&train);
        dnc_dataset_free(&test);
    }
    return st;
}

/* -------------------------------------------------------- statistics */

static void ranks(const double *v, size_t n, double *r)
{
    size_t *idx = malloc(n * sizeof *idx);
    if (!idx)
        return;
    for (size_t i = 0; i < n; i++)
        idx[i] = i;
    /* insertion sort: n is a sweep's point count, small */
    for (size_t i = 1; i < n; i++) {
        size_t k = idx[i], j = i;
        while (j > 0 && v[idx[j - 1]] > v[k]) {
            idx[j] = idx[j - 1];
            j--;
        }
        idx[j] = k;
    }
    for (size_t i = 0; i < n;) {
        size_t j = i;
        while (j + 1 < n && v[idx[j + 1]] == v[idx[i]])
            j++;
        double avg = 0.5 * (double)(i + j) + 1.0; /* ties share the mean rank */
        for (size_t k = i; k <= j; k++)
            r[idx[k]] = avg;
        i = j + 1;
    }
    free(idx);
}

static double pearson(const double *x, const double *y, size_t n)
{
    double mx = 0, my = 0;
    for (size_t i = 0; i < n; i++) {
        mx += x[i];
        my += y[i];
    }
    mx /= (double)n;
    my /= (double)n;
    double sxy = 0, sxx = 0, syy = 0;
    for (size_t i = 0; i < n; i++) {
        sxy += (x[i] - mx) * (y[i] - my);
        sxx += (x[i] - mx) * (x[i] - mx);
        syy += (y[i] - my) * (y[i] - my);
    }
    return (sxx > 0 && syy > 0) ? sxy / sqrt(sxx * syy) : NAN;
}

static double spearman(const double *x, const double *y, size_t n, double *rx, double *ry)
{
    ranks(x, n, rx);
    ranks(y, n, ry);
    return pearson(rx, ry, n);
}

/* 95% interval tanh(atanh(r) -+ 1.96 sqrt(var / (n - 3))). */
static void fisher_interval(double r, size_t n, double var, double *lo, double *hi)
{
    if (n < 4 || !isfinite(r) || fabs(r) >= 1) {
        *lo = *hi = (isfinite(r) && fabs(r) >= 1 && n >= 4) ? r : NAN;
        return;
    }
    double z = atanh(r), se = sqrt(var / (double)(n - 3));
    *lo = tanh(z - 1.959963984540054 * se);
    *hi = tanh(z + 1.959963984540054 * se);
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static void bootstrap_interval(const double *x, const double *y, size_t n, size_t nboot,
                               uint64_t seed, double *lo, double *hi)
{
    *lo = *hi = NAN;
    if (nboot < 20 || n < 4)
        return;
    double *bx = malloc(4 * n * sizeof *bx), *stat = malloc(nboot * sizeof *stat);
    size_t kept = 0;
    if (bx && stat) {
        double *by = bx + n, *rx = bx + 2 * n, *ry = bx + 3 * n;
        for (size_t b = 0; b < nboot; b++) {
            for (size_t i = 0; i < n; i++) {
                size_t k = (size_t)(dnc_uniform_at(seed, DNC_STREAM_BOOTSTRAP, (uint32_t)b, 0, i) *
                                    (double)n);
                k = k < n ? k : n - 1;
                bx[i] = x[k];
                by[i] = y[k];
            }
            double r = spearman(bx, by, n, rx, ry);
            if (isfinite(r))
                stat[kept++] = r;
        }
        if (kept >= 20) {
            qsort(stat, kept, sizeof *stat, cmp_double);
            *lo = stat[(size_t)floor(0.025 * (double)(kept - 1))];
            *hi = stat[(size_t)ceil(0.975 * (double)(kept - 1))];
        }
    }
    free(bx);
    free(stat);
}

dnc_status dnc_correlate(const double *x, const double *y, size_t n, size_t bootstrap,
                         uint64_t seed, dnc_correlation *out)
{
    double *fx = malloc((4 * n + 1) * sizeof *fx);
    if (!fx)
        return dnc_fail(DNC_ENOMEM, "out of memory");
    double *fy = fx + n, *rx = fx + 2 * n, *ry = fx + 3 * n;
    size_t m = 0;
    for (size_t i = 0; i < n; i++)
        if (isfinite(x[i]) && isfinite(y[i])) {
            fx[m] = x[i];
            fy[m++] = y[i];
        }
    *out = (dnc_correlation){.n = m};
    out->pearson = m >= 3 ? pearson(fx, fy, m) : NAN;
    out->spearman = m >= 3 ? spearman(fx, fy, m, rx, ry) : NAN;
    fisher_interval(out->pearson, m, 1.0, &out->pearson_lo, &out->pearson_hi);
    fisher_interval(out->spearman, m, 1.06, &out->spearman_lo, &out->spearman_hi);
    bootstrap_interval(fx, fy, m, bootstrap, seed, &out->boot_lo, &out->boot_hi);
    free(fx);
    return DNC_OK;
}

/* ------------------------------------------------------------ tables */

static void csv_num(FILE *fp, double v, const char *sep)
{
    if (isfinite(v))
        fprintf(fp, "%.10g%s", v, sep);
    else if (isinf(v))
        fprintf(fp, "%s%s", v > 0 ? "inf" : "-inf", sep);
    else
        fputs(sep, fp);
}

static dnc_status write_point_table(const dnc_train_sweep_spec *s, const char *dir,
                                    const dnc_train_point_result *pts)
{
    char *path = join(dir, "sweep.csv");
    dnc_afile f;
    dnc_status st = path ? dnc_afile_open(&f, path) : dnc_fail(DNC_ENOMEM, "out of memory");
    free(path);
    if (st)
        return st;
    fputs("index,sigma_w,sigma_b,depth,width,seed", f.fp);
    for (size_t c = 0; c < DNC_TRAIN_POINT_NCOLUMNS; c++)
        fprintf(f.fp, ",%s", dnc_train_point_columns[c]);
    fputc('\n', f.fp);
    for (size_t i = 0; i < dnc_train_sweep_npoints(s); i++) {
        const dnc_train_point_result *r = &pts[i];
        fprintf(f.fp, "%zu,%.10g,%.10g,%zu,%zu,%llu,", i, r->sigma_w, r->sigma_b, r->depth,
                r->width, (unsigned long long)r->seed);
        double row[DNC_TRAIN_POINT_NCOLUMNS];
        dnc_train_point_row(r, row);
        for (size_t c = 0; c < DNC_TRAIN_POINT_NCOLUMNS; c++)
            csv_num(f.fp, row[c], c + 1 < DNC_TRAIN_POINT_NCOLUMNS ? "," : "");
        fputc('\n', f.fp);
    }
    return dnc_afile_commit(&f);
}

/* Seed averages of one grid cell (points cell*seeds .. +seeds). */
typedef struct {
    const dnc_train_point_result *first;
    double acc_mean, acc_err, susc_mean, chi1w_mean, diverged_frac;
} cell_stats;

static cell_stats cell_average(const dnc_train_point_result *pts, size_t seeds)
{
    cell_stats c = {.first = pts};
    double s = 0, s2 = 0, su = 0, ch = 0, dv = 0;
    size_t nsu = 0, nch = 0;
    for (size_t k = 0; k < seeds; k++) {
        double a = pts[k].final_test_acc;
        s += a;
        s2 += a * a;
        dv += pts[k].diverged;
        if (isfinite(pts[k].init_obs.susceptibility)) {
            su += pts[k].init_obs.susceptibility;
            nsu++;
        }
        if (isfinite(pts[k].init_obs.chi1_weights)) {
            ch += pts[k].init_obs.chi1_weights;
            nch++;
        }
    }
    double n = (double)seeds;
    c.acc_mean = s / n;
    c.acc_err = seeds > 1 ? sqrt(fmax(0, (s2 - s * s / n) / (n - 1)) / n) : NAN;
    c.susc_mean = nsu ? su / (double)nsu : NAN;
    c.chi1w_mean = nch ? ch / (double)nch : NAN;
    c.diverged_frac = dv / n;
    return c;
}

static dnc_status write_landscape(const dnc_train_sweep_spec *s, const char *dir,
                                  const cell_stats *cells, size_t ncells)
{
    char *path = join(dir, "landscape.csv");
    dnc_afile f;
    dnc_status st = path ? dnc_afile_open(&f, path) : dnc_fail(DNC_ENOMEM, "out of memory");
    free(path);
    if (st)
        return st;
    (void)s;
    fputs("sigma_w,sigma_b,depth,width,test_acc_mean,test_acc_err,diverged_frac,chi1_mf,xi_c,"
          "sigma_w_crit,dist_crit,depth_over_xi,kappa_L,chi1_weights_init,susceptibility_init\n",
          f.fp);
    for (size_t i = 0; i < ncells; i++) {
        const cell_stats *c = &cells[i];
        const dnc_train_point_result *r = c->first;
        fprintf(f.fp, "%.10g,%.10g,%zu,%zu,", r->sigma_w, r->sigma_b, r->depth, r->width);
        const double v[] = {c->acc_mean, c->acc_err, c->diverged_frac, r->chi1_mf, r->xi_c,
                            r->sigma_w_crit, r->dist_crit, r->depth_over_xi, r->kappa_L,
                            c->chi1w_mean, c->susc_mean};
        size_t nv = sizeof v / sizeof v[0];
        for (size_t k = 0; k < nv; k++)
            csv_num(f.fp, v[k], k + 1 < nv ? "," : "\n");
    }
    return dnc_afile_commit(&f);
}

/* For each (sigma_b, depth, width): the sigma_w of best mean accuracy, of
 * largest susceptibility, and the critical one. Cells are ordered with
 * sigma_w outermost, so a line is cells line, line + stride, ... */
static cJSON *lines_json(const dnc_train_sweep_spec *s, const cell_stats *cells, bool print)
{
    cJSON *arr = cJSON_CreateArray();
    size_t stride = s->n_sigma_b * s->n_depth * s->n_width;
    if (print)
        printf("sigma_b  depth  width  best_sigma_w (acc)       sigma_w_crit  "
               "susc_peak_sigma_w  depth/xi_c@best\n");
    for (size_t line = 0; line < stride; line++) {
        size_t best = line, peak = line;
        for (size_t k = 0; k < s->n_sigma_w; k++) {
            size_t i = line + k * stride;
            if (cells[i].acc_mean > cells[best].acc_mean)
                best = i;
            if (isfinite(cells[i].susc_mean) &&
                (!isfinite(cells[peak].susc_mean) || cells[i].susc_mean > cells[peak].susc_mean))
                peak = i;
        }
        const dnc_train_point_result *b = cells[best].first;
        cJSON *o = cJSON_CreateObject();
        cJSON_AddNumberToObject(o, "sigma_b", b->sigma_b);
        cJSON_AddNumberToObject(o, "depth", (double)b->depth);
        cJSON_AddNumberToObject(o, "width", (double)b->width);
        cJSON_AddNumberToObject(o, "best_sigma_w", b->sigma_w);
        add_num(o, "best_test_acc", cells[best].acc_mean);
        add_num(o, "best_test_acc_err", cells[best].acc_err);
        add_num(o, "sigma_w_crit", b->sigma_w_crit);
        add_num(o, "susceptibility_peak_sigma_w",
                isfinite(cells[peak].susc_mean) ? cells[peak].first->sigma_w : NAN);
        add_num(o, "depth_over_xi_at_best", b->depth_over_xi);
        cJSON_AddItemToArray(arr, o);
        if (print)
            printf("%7.4g  %5zu  %5zu  %7.4g (%.3f +- %.3f)  %12.5g  %17.4g  %15.3g\n",
                   b->sigma_b, b->depth, b->width, b->sigma_w, cells[best].acc_mean,
                   isfinite(cells[best].acc_err) ? cells[best].acc_err : 0.0, b->sigma_w_crit,
                   isfinite(cells[peak].susc_mean) ? cells[peak].first->sigma_w : NAN,
                   b->depth_over_xi);
    }
    return arr;
}

/* Schoenholz et al.: networks train when depth < c xi_c. A cell "trained"
 * when its mean accuracy is above the midpoint between chance (1/classes)
 * and the best cell; the largest depth/xi_c that trained and the smallest
 * that failed bracket c. */
static cJSON *depth_scale_json(const dnc_train_sweep_spec *s, const cell_stats *cells,
                               size_t ncells, bool print)
{
    double best = 0, chance = 1.0 / (double)s->base.nclasses;
    for (size_t i = 0; i < ncells; i++)
        best = cells[i].acc_mean > best ? cells[i].acc_mean : best;
    double threshold = 0.5 * (chance + best), max_ok = NAN, min_fail = NAN;
    for (size_t i = 0; i < ncells; i++) {
        double r = cells[i].first->depth_over_xi;
        if (!isfinite(r))
            continue;
        if (cells[i].acc_mean > threshold)
            max_ok = isfinite(max_ok) && max_ok > r ? max_ok : r;
        else
            min_fail = isfinite(min_fail) && min_fail < r ? min_fail : r;
    }
    cJSON *o = cJSON_CreateObject();
    add_num(o, "threshold_acc", threshold);
    add_num(o, "max_depth_over_xi_trained", max_ok);
    add_num(o, "min_depth_over_xi_failed", min_fail);
    if (print)
        printf("\ntrained (mean acc > %.3f) up to depth/xi_c = %.3g; failed from depth/xi_c = "
               "%.3g\n",
               threshold, max_ok, min_fail);
    return o;
}

static cJSON *correlation_json(const dnc_correlation *c)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddNumberToObject(o, "n", (double)c->n);
    cJSON *p = cJSON_AddObjectToObject(o, "pearson");
    add_num(p, "value", c->pearson);
    add_num(p, "ci95_lo", c->pearson_lo);
    add_num(p, "ci95_hi", c->pearson_hi);
    cJSON *sp = cJSON_AddObjectToObject(o, "spearman");
    add_num(sp, "value", c->spearman);
    add_num(sp, "ci95_lo", c->spearman_lo);
    add_num(sp, "ci95_hi", c->spearman_hi);
    add_num(sp, "bootstrap_ci95_lo", c->boot_lo);
    add_num(sp, "bootstrap_ci95_hi", c->boot_hi);
    return o;
}

static dnc_status correlations(const dnc_train_sweep_spec *s, const dnc_train_point_result *pts,
                               size_t n, cJSON *results, bool print)
{
    double *acc = malloc(4 * n * sizeof *acc);
    if (!acc)
        return dnc_fail(DNC_ENOMEM, "out of memory");
    double *dist = acc + n, *susc = acc + 2 * n, *kl = acc + 3 * n;
    for (size_t i = 0; i < n; i++) {
        acc[i] = pts[i].final_test_acc;
        dist[i] = fabs(pts[i].dist_crit);
        susc[i] = pts[i].init_obs.susceptibility;
        kl[i] = pts[i].kappa_L;
    }
    const char *names[3] = {"abs_distance_to_critical_line", "susceptibility_init", "kappa_L"};
    const double *xs[3] = {dist, susc, kl};
    cJSON *corr = cJSON_AddObjectToObject(results, "correlations_with_final_test_acc");
    if (print)
        printf("\ncorrelation of final test accuracy with    n   pearson [95%% CI]          "
               "spearman [95%% CI]\n");
    for (int k = 0; k < 3; k++) {
        dnc_correlation c;
        dnc_correlate(xs[k], acc, n, s->bootstrap, s->seed0, &c);
        cJSON_AddItemToObject(corr, names[k], correlation_json(&c));
        if (print)
            printf("  %-38s %4zu  %6.3f [%6.3f, %6.3f]  %6.3f [%6.3f, %6.3f]\n", names[k], c.n,
                   c.pearson, c.pearson_lo, c.pearson_hi, c.spearman, c.spearman_lo,
                   c.spearman_hi);
    }
    free(acc);
    return DNC_OK;
}

static dnc_status summarise(const dnc_train_sweep_spec *s, const char *dir,
                            const dnc_train_point_result *pts, cJSON *record)
{
    size_t n = dnc_train_sweep_npoints(s), ncells = n / s->seeds;
    cell_stats *cells = malloc(ncells * sizeof *cells);
    if (!cells)
        return dnc_fail(DNC_ENOMEM, "out of memory");
    for (size_t c = 0; c < ncells; c++)
        cells[c] = cell_average(pts + c * s->seeds, s->seeds);
    dnc_status st = write_point_table(s, dir, pts);
    if (!st)
        st = write_landscape(s, dir, cells, ncells);
    cJSON *results = cJSON_AddObjectToObject(record, "results");
    if (!st) {
        cJSON_AddItemToObject(results, "lines", lines_json(s, cells, !s->quiet));
        cJSON_AddItemToObject(results, "depth_scale",
                              depth_scale_json(s, cells, ncells, !s->quiet));
        st = correlations(s, pts, n, results, !s->quiet);
    }
    cJSON *outs = cJSON_AddObjectToObject(record, "outputs");
    cJSON_AddStringToObject(outs, "csv", "sweep.csv");
    cJSON_AddStringToObject(outs, "landscape", "landscape.csv");
    cJSON_AddStringToObject(outs, "points", "points/");
    free(cells);
    return st;
}

dnc_status dnc_train_sweep_run(const dnc_train_sweep_spec *s, const char *dir, cJSON *record,
                               dnc_train_sweep_counts *counts)
{
    *counts = (dnc_train_sweep_counts){.npoints = dnc_train_sweep_npoints(s)};
    dnc_status st = validate_spec(s);
    if (st)
        return st;
    char *pdir = join(dir, "points");
    if (!pdir)
        return dnc_fail(DNC_ENOMEM, "out of memory");
    st = make_dir(dir);
    if (!st)
        st = make_dir(pdir);
    if (!st)
        st = check_spec(s, dir);
    dnc_train_point_result *pts = NULL;
    if (!st) {
        remove_temporaries(pdir);
        pts = calloc(counts->npoints, sizeof *pts);
        if (!pts)
            st = dnc_fail(DNC_ENOMEM, "out of memory for %zu points", counts->npoints);
    }
    if (!st)
        st = run_points(s, pdir, pts, counts);
    if (!st) {
        cJSON_AddItemToObject(record, "config", spec_json(s));
        st = summarise(s, dir, pts, record);
    }
    free(pts);
    free(pdir);
    return st;
}
