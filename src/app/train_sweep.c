/* dnncrit train-sweep: a grid of (sigma_w, sigma_b, depth, width) x seeds
 * trained for a fixed budget, as a front end over the one sweep engine
 * (dnncrit/sweep.h): the grid is a sweep of the train type's point runner
 * (sweep_type_train.c) built in code, kept in the directory layout of
 * train-sweep by a point store (spec.json, points/<i>.json holding the
 * train point records, no lock); resume, atomic point files, read-back
 * and execution come from the engine. The summary step over the points
 * read back from their files is train_sweep_summary.c. */
#include "dnncrit/train_sweep.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <omp.h>

#include <cjson/cJSON.h>

#include "dnncrit/io.h"
#include "dnncrit/train_report.h"
#include "dnncrit/sweep.h"
#include "app/sweep_types.h"
#include "app/train_sweep_summary.h"

/* --------------------------------------------------------------- grid */

static dnc_status validate_spec(const dnc_train_sweep_spec *s)
{
    if (!s->n_sigma_w || !s->n_sigma_b || !s->n_depth || !s->n_width || !s->seeds)
        return dnc_fail(DNC_EINVAL, "every grid list and the number of seeds must be non-empty");
    size_t n = dnc_train_sweep_npoints(s);
    if (n > 1000000)
        return dnc_fail(DNC_EINVAL, "sweep has %zu points, at most 1000000 allowed", n);
    if (s->susc_networks && (s->susc_inputs < 2 || s->susc_inputs > 10000))
        return dnc_fail(DNC_EINVAL, "susceptibility scan: inputs must be in [2, 10000], got %zu",
                        s->susc_inputs);
    for (size_t i = 0; i < n; i++) {
        dnc_train_config c;
        dnc_status st = dnc_train_sweep_point_config(s, i, &c);
        if (st)
            return dnc_fail(st, "point %zu: %s", i, dnc_last_error());
        st = dnc_train_config_validate(&c);
        if (st)
            return dnc_fail(st, "point %zu: %s", i, dnc_last_error());
    }
    return DNC_OK;
}

/* ------------------------------------------------ the grid as a sweep */

/* The grid's sweep type: the train type's runner on spec->base with the
 * point's grid values; p->context is the dnc_train_sweep_spec. Its keys are
 * the shared network declarations without a default (grid_sweep gives every
 * one its values: the seeds seed0, seed0 + 1, ...). */
static const dnc_sweep_param grid_params[] = {
    DNC_NET_PARAM_SIGMA_W(NULL), DNC_NET_PARAM_SIGMA_B(NULL), DNC_NET_PARAM_DEPTH(NULL),
    DNC_NET_PARAM_WIDTH(NULL),   DNC_NET_PARAM_SEED(NULL),
};

static dnc_status grid_config_of(const dnc_sweep_point *p, dnc_train_config *c)
{
    const dnc_train_sweep_spec *s = p->context;
    *c = s->base;
    c->net.sigma_b = dnc_sweep_get_double(p, "sigma_b");
    c->net.depth = dnc_sweep_get_size(p, "depth");
    c->net.width = dnc_sweep_get_size(p, "width");
    c->net.seed = dnc_sweep_get_u64(p, "seed");
    c->quiet = true;
    return dnc_train_sweep_sigma_w(s, dnc_sweep_get_double(p, "sigma_w"), c->net.sigma_b,
                                   &c->net.sigma_w);
}

static dnc_status grid_run(const dnc_sweep_point *p, double *row, cJSON *detail)
{
    const dnc_train_sweep_spec *s = p->context;
    dnc_train_config c;
    dnc_status st = grid_config_of(p, &c);
    return st ? st : dnc_sweep_train_run(&c, &s->data, row, detail);
}

/* Defined with the read-back below. */
static dnc_status grid_summarise(const dnc_sweep *sw, const char *dir, cJSON *record);

static const dnc_sweep_experiment grid_type = {
    "train-sweep",
    "the train type over train-sweep's grid, with the options of the command",
    grid_params,
    DNC_COUNT(grid_params),
    dnc_train_point_columns,
    DNC_TRAIN_POINT_NCOLUMNS,
    NULL, /* validate_spec checks every point */
    grid_run,
    grid_summarise,
};

/* "a,b,c" of the n values, each written by write(). */
static char *list_text(size_t n, const void *values, void (*write)(const void *, size_t, char *))
{
    char *text = malloc(n * 32 + 1);
    if (!text)
        return NULL;
    size_t len = 0;
    for (size_t i = 0; i < n; i++) {
        if (i)
            text[len++] = ',';
        write(values, i, text + len);
        len += strlen(text + len);
    }
    text[len] = '\0';
    return text;
}

static void write_double(const void *v, size_t i, char *out)
{
    dnc_format_double(((const double *)v)[i], out);
}

static void write_size(const void *v, size_t i, char *out)
{
    snprintf(out, 32, "%zu", ((const size_t *)v)[i]);
}

static void write_seed(const void *v, size_t i, char *out)
{
    snprintf(out, 32, "%llu", (unsigned long long)(*(const uint64_t *)v + i));
}

/* The grid as sweep points: sigma_w outermost, seed fastest. */
static dnc_status grid_sweep(const dnc_train_sweep_spec *s, dnc_sweep *sw)
{
    char *texts[5] = {list_text(s->n_sigma_w, s->sigma_w, write_double),
                      list_text(s->n_sigma_b, s->sigma_b, write_double),
                      list_text(s->n_depth, s->depth, write_size),
                      list_text(s->n_width, s->width, write_size),
                      list_text(s->seeds, &s->seed0, write_seed)};
    dnc_status st = DNC_OK;
    for (int k = 0; k < 5 && !st; k++)
        if (!texts[k])
            st = dnc_fail(DNC_ENOMEM, "out of memory");
    if (!st)
        st = dnc_sweep_build(&grid_type, (const char *const *)texts, "train-sweep", sw);
    for (int k = 0; k < 5; k++)
        free(texts[k]);
    return st;
}

/* ------------------------------------------------ the directory layout */

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
    if (s->sigma_w_relative) /* only then: older sweeps keep their spec.json */
        cJSON_AddTrueToObject(j, "sigma_w_relative");
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
    if (s->susc_networks) { /* only then: older sweeps keep their spec.json */
        cJSON_AddNumberToObject(j, "susc_networks", (double)s->susc_networks);
        cJSON_AddNumberToObject(j, "susc_inputs", (double)s->susc_inputs);
    }
    return j;
}


/* Writes DIR/spec.json, or checks that the one there is the same sweep. */
static dnc_status check_spec(const dnc_train_sweep_spec *s, const char *dir)
{
    char *path = dnc_sweep_path(dir, "spec.json");
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

/* A point file: the train point record and its index. */
static cJSON *grid_record(const dnc_sweep *sw, const dnc_sweep_point *p, const double *row,
                          cJSON *detail, double seconds, int rank)
{
    (void)sw, (void)row, (void)seconds, (void)rank;
    cJSON *j = cJSON_DetachItemFromObjectCaseSensitive(detail, "train");
    cJSON_Delete(detail);
    if (j)
        cJSON_AddNumberToObject(j, "index", (double)p->index);
    return j;
}

/* A finished point file that parses and belongs to this grid point. */
static bool grid_finished(const dnc_sweep *sw, const dnc_sweep_point *p, const cJSON *file)
{
    (void)sw;
    dnc_train_config c;
    dnc_train_point_result r;
    bool ok = grid_config_of(p, &c) == DNC_OK &&
              dnc_train_point_from_json(file, &r) == DNC_OK && r.sigma_w == c.net.sigma_w &&
              r.sigma_b == c.net.sigma_b && r.depth == c.net.depth &&
              r.width == c.net.width && r.seed == c.net.seed;
    dnc_clear_error();
    return ok;
}

static dnc_status grid_check_description(const dnc_sweep *sw, const char *dir)
{
    return check_spec(sw->context, dir);
}

/* No lock (the layout predates it); the first failing point ends the run. */
static const dnc_sweep_store grid_store = {
    .unlocked = true,
    .stop_on_failure = true,
    .check_description = grid_check_description,
    .finished = grid_finished,
    .record = grid_record,
};

/* --------------------------------------------------------------- run */

/* Every point, read back from its file: the summary does not depend on
 * whether a point was computed now or before (JSON rounding, null = inf). */
static dnc_status read_points(const dnc_sweep *sw, const char *dir, dnc_train_point_result *pts)
{
    dnc_status st = DNC_OK;
    for (size_t i = 0; i < sw->npoints && !st; i++) {
        cJSON *j = NULL;
        st = dnc_sweep_read_point(sw, dir, i, &j);
        if (!st)
            st = dnc_train_point_from_json(j, &pts[i]);
        cJSON_Delete(j);
        if (st)
            st = dnc_fail(st, "point %zu: %s", i, dnc_last_error());
    }
    return st;
}

/* The summary step over the sweep's results: the tables and statistics
 * of train_sweep_summary.c, and the description as "config". */
static dnc_status grid_summarise(const dnc_sweep *sw, const char *dir, cJSON *record)
{
    const dnc_train_sweep_spec *s = sw->context;
    dnc_train_point_result *pts = calloc(sw->npoints + 1, sizeof *pts);
    dnc_status st = pts ? read_points(sw, dir, pts)
                        : dnc_fail(DNC_ENOMEM, "out of memory for %zu points", sw->npoints);
    if (!st) {
        cJSON_AddItemToObject(record, "config", spec_json(s));
        st = dnc_train_sweep_summarise(s, dir, pts, record);
    }
    free(pts);
    return st;
}

dnc_sweep_exec_opts dnc_train_sweep_exec_opts(const dnc_train_sweep_spec *s)
{
    dnc_sweep_exec_opts o = {
        .threads = 1,
        .point_threads = s->base.threads > 0 ? s->base.threads : omp_get_max_threads(),
        .quiet = s->quiet,
        .progress_label = "train-sweep",
    };
    return o;
}

dnc_status dnc_train_sweep_prepare(const dnc_train_sweep_spec *s, dnc_sweep *sw)
{
    memset(sw, 0, sizeof *sw);
    dnc_status st = validate_spec(s);
    if (!st)
        st = grid_sweep(s, sw);
    if (st)
        return st;
    sw->store = &grid_store;
    sw->context = s;
    return DNC_OK;
}

static dnc_status run_pending(const dnc_train_sweep_spec *s, const dnc_sweep *sw, const char *dir,
                              dnc_train_sweep_counts *counts)
{
    size_t *todo = NULL, ntodo = 0;
    dnc_status st = dnc_sweep_pending(sw, dir, &todo, &ntodo, &counts->reused);
    dnc_sweep_exec_stats stats = {0};
    dnc_sweep_exec_opts o = dnc_train_sweep_exec_opts(s);
    if (!st)
        st = dnc_sweep_execute(sw, dir, todo, ntodo, &o, &stats);
    counts->ran = stats.computed;
    free(todo);
    return st;
}

dnc_status dnc_train_sweep_run(const dnc_train_sweep_spec *s, const char *dir, cJSON *record,
                               dnc_train_sweep_counts *counts)
{
    *counts = (dnc_train_sweep_counts){.npoints = dnc_train_sweep_npoints(s)};
    dnc_sweep sw;
    dnc_status st = dnc_train_sweep_prepare(s, &sw);
    if (st)
        return st;
    dnc_sweep_dir d;
    st = dnc_sweep_dir_open(&sw, dir, &d);
    if (!st)
        st = run_pending(s, &sw, dir, counts);
    if (!st)
        st = sw.exp->summarise(&sw, dir, record);
    dnc_sweep_dir_close(&d);
    dnc_sweep_free(&sw);
    return st;
}
