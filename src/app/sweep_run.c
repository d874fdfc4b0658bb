/* Sweep execution: the output directory, resume, running points in
 * parallel and gathering the table. */
#include "dnncrit/sweep.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include <cblas.h>
#include <omp.h>

#include <cjson/cJSON.h>

char *dnc_sweep_path(const char *dir, const char *name)
{
    size_t n = strlen(dir) + strlen(name) + 2;
    char *p = malloc(n);
    if (p)
        snprintf(p, n, "%s/%s", dir, name);
    return p;
}

static char *point_path(const char *dir, size_t index)
{
    char name[48];
    snprintf(name, sizeof name, "points/%zu.json", index);
    return dnc_sweep_path(dir, name);
}

/* ------------------------------------------------------------ the dir */

static dnc_status take_lock(const char *dir, dnc_sweep_dir *d)
{
    char *path = dnc_sweep_path(dir, ".lock");
    if (!path)
        return dnc_fail(DNC_ENOMEM, "out of memory");
    d->lock_fd = open(path, O_RDWR | O_CREAT, 0666);
    free(path);
    if (d->lock_fd < 0)
        return dnc_fail(DNC_EIO, "cannot create the lock file in '%s': %s", dir, strerror(errno));
    if (flock(d->lock_fd, LOCK_EX | LOCK_NB) != 0)
        return dnc_fail(DNC_EIO,
                        "another sweep is running in '%s' (its lock is held); wait for it or use "
                        "another --out-dir",
                        dir);
    return DNC_OK;
}

/* Temporary files (NAME.tmp.PID) are what a killed run leaves behind. */
static void remove_temporaries(const char *dir)
{
    DIR *dp = opendir(dir);
    if (!dp)
        return;
    struct dirent *e;
    while ((e = readdir(dp)) != NULL) {
        if (!strstr(e->d_name, ".tmp."))
            continue;
        char *p = dnc_sweep_path(dir, e->d_name);
        if (p)
            remove(p);
        free(p);
    }
    closedir(dp);
}

static dnc_status check_description(const dnc_sweep *s, const char *dir)
{
    char *path = dnc_sweep_path(dir, "sweep.cfg");
    if (!path)
        return dnc_fail(DNC_ENOMEM, "out of memory");
    dnc_status st = DNC_OK;
    if (access(path, F_OK) != 0) {
        st = dnc_write_text_atomic(path, s->canonical);
    } else {
        char *old = NULL;
        st = dnc_read_file(path, &old, NULL);
        if (!st && strcmp(old, s->canonical) != 0)
            st = dnc_fail(DNC_EINVAL,
                          "'%s' holds the results of a different sweep (see %s); resume with the "
                          "same description or use another --out-dir",
                          dir, path);
        free(old);
    }
    free(path);
    return st;
}

dnc_status dnc_sweep_dir_open(const dnc_sweep *s, const char *dir, dnc_sweep_dir *d)
{
    d->lock_fd = -1;
    d->dir = NULL;
    dnc_status st = dnc_make_dirs(dir);
    char *points = dnc_sweep_path(dir, "points");
    if (!st && !points)
        st = dnc_fail(DNC_ENOMEM, "out of memory");
    if (!st && !(s->store && s->store->unlocked))
        st = take_lock(dir, d);
    if (!st)
        st = s->store && s->store->check_description ? s->store->check_description(s, dir)
                                                     : check_description(s, dir);
    if (!st)
        st = dnc_make_dirs(points);
    if (!st) {
        remove_temporaries(dir);
        remove_temporaries(points);
        d->dir = malloc(strlen(dir) + 1);
        if (d->dir)
            strcpy(d->dir, dir);
    }
    free(points);
    if (st)
        dnc_sweep_dir_close(d);
    return st;
}

void dnc_sweep_dir_close(dnc_sweep_dir *d)
{
    if (d->lock_fd >= 0)
        close(d->lock_fd); /* releases the flock */
    d->lock_fd = -1;
    free(d->dir);
    d->dir = NULL;
}

/* ------------------------------------------------------------- resume */

static size_t count_fields(const char *line)
{
    size_t n = 1;
    for (; *line; line++)
        n += *line == ',';
    return n;
}

/* A finished point: parses, has our index, status ok and a CSV row with
 * the table's number of fields starting with the index. */
static bool point_finished(const cJSON *j, size_t index, size_t nfields)
{
    const cJSON *idx = cJSON_GetObjectItemCaseSensitive(j, "index");
    const cJSON *status = cJSON_GetObjectItemCaseSensitive(j, "status");
    const cJSON *csv = cJSON_GetObjectItemCaseSensitive(j, "csv");
    if (!cJSON_IsNumber(idx) || idx->valuedouble != (double)index)
        return false;
    if (!cJSON_IsString(status) || strcmp(status->valuestring, "ok") != 0)
        return false;
    if (!cJSON_IsString(csv))
        return false;
    char prefix[32];
    int n = snprintf(prefix, sizeof prefix, "%zu,", index);
    return strncmp(csv->valuestring, prefix, (size_t)n) == 0 &&
           count_fields(csv->valuestring) == nfields;
}

/* Whether j is a finished result of point `index`, by the store's test. */
static bool finished_here(const dnc_sweep *s, size_t index, const cJSON *j, size_t nfields,
                          dnc_sweep_value *vals)
{
    if (!(s->store && s->store->finished))
        return point_finished(j, index, nfields);
    dnc_sweep_point_values(s, index, vals);
    dnc_sweep_point pt = {index, s->exp, vals, s->context};
    return s->store->finished(s, &pt, j);
}

/* Fields of a table row (the standard finished test). */
static dnc_status row_fields(const dnc_sweep *s, size_t *nfields)
{
    char *header = dnc_sweep_csv_header(s);
    if (!header)
        return dnc_fail(DNC_ENOMEM, "out of memory");
    *nfields = count_fields(header);
    free(header);
    return DNC_OK;
}

/* Parsed DIR/points/<index>.json when it is a finished result, else NULL. */
static cJSON *finished_point(const dnc_sweep *s, const char *path, size_t index, size_t nfields,
                             dnc_sweep_value *vals)
{
    cJSON *j = NULL;
    if (access(path, F_OK) != 0 || dnc_read_json(path, &j) != DNC_OK ||
        !finished_here(s, index, j, nfields, vals)) {
        cJSON_Delete(j);
        dnc_clear_error();
        return NULL;
    }
    return j;
}

dnc_status dnc_sweep_read_point(const dnc_sweep *s, const char *dir, size_t index, cJSON **out)
{
    *out = NULL;
    size_t nfields = 0;
    dnc_status st = row_fields(s, &nfields);
    char *path = point_path(dir, index);
    dnc_sweep_value *vals = calloc(s->exp->nparams + 1, sizeof *vals);
    if (!st && (!path || !vals))
        st = dnc_fail(DNC_ENOMEM, "out of memory");
    if (!st)
        *out = finished_point(s, path, index, nfields, vals);
    if (!st && !*out)
        st = dnc_fail(DNC_EINVAL, "'%s' holds no finished result of point %zu", path, index);
    free(path);
    free(vals);
    return st;
}

dnc_status dnc_sweep_pending(const dnc_sweep *s, const char *dir, size_t **todo, size_t *ntodo,
                             size_t *nkept)
{
    *todo = NULL;
    *ntodo = *nkept = 0;
    size_t nfields = 0;
    dnc_status st = row_fields(s, &nfields);
    size_t *list = malloc((s->npoints ? s->npoints : 1) * sizeof *list);
    dnc_sweep_value *vals = calloc(s->exp->nparams + 1, sizeof *vals);
    if (!st && (!list || !vals))
        st = dnc_fail(DNC_ENOMEM, "out of memory");
    for (size_t i = 0; i < s->npoints && !st; i++) {
        char *path = point_path(dir, i);
        if (!path) {
            st = dnc_fail(DNC_ENOMEM, "out of memory");
            break;
        }
        cJSON *j = finished_point(s, path, i, nfields, vals);
        if (j)
            (*nkept)++;
        else {
            remove(path); /* unusable: redone */
            list[(*ntodo)++] = i;
        }
        cJSON_Delete(j);
        free(path);
    }
    free(vals);
    if (st) {
        free(list);
        *ntodo = *nkept = 0;
        return st;
    }
    *todo = list;
    return DNC_OK;
}

/* ----------------------------------------------------------- one point */

static char *csv_row(const dnc_sweep *s, size_t index, const dnc_sweep_value *vals,
                     const double *row)
{
    size_t cap = 32 + 64 * (s->exp->nparams + s->exp->ncolumns);
    char *line = malloc(cap);
    if (!line)
        return NULL;
    size_t len = (size_t)snprintf(line, cap, "%zu", index);
    char buf[64];
    for (size_t k = 0; k < s->exp->nparams; k++) {
        if (s->nvalues[k] > 1)
            len += (size_t)snprintf(line + len, cap - len, ",%s",
                                    dnc_sweep_value_text(&s->exp->params[k], &vals[k], buf));
    }
    for (size_t c = 0; c < s->exp->ncolumns; c++)
        len += (size_t)snprintf(line + len, cap - len, ",%s", dnc_format_double(row[c], buf));
    return line;
}

static cJSON *point_record(const dnc_sweep *s, size_t index, const dnc_sweep_value *vals,
                           const double *row, cJSON *detail, const char *error)
{
    cJSON *j = cJSON_CreateObject();
    if (!j)
        return NULL;
    cJSON_AddNumberToObject(j, "index", (double)index);
    cJSON_AddStringToObject(j, "type", s->exp->name);
    cJSON_AddStringToObject(j, "status", error ? "error" : "ok");
    if (error)
        cJSON_AddStringToObject(j, "error", error);
    cJSON *params = cJSON_AddObjectToObject(j, "params");
    for (size_t k = 0; params && k < s->exp->nparams; k++)
        cJSON_AddItemToObject(params, s->exp->params[k].name,
                              dnc_sweep_value_json(&s->exp->params[k], &vals[k]));
    /* JSON has no NaN or infinity: those are null here, exact in "csv". */
    cJSON *results = cJSON_AddObjectToObject(j, "results");
    for (size_t c = 0; results && c < s->exp->ncolumns; c++) {
        if (isfinite(row[c]))
            cJSON_AddNumberToObject(results, s->exp->columns[c], row[c]);
        else
            cJSON_AddNullToObject(results, s->exp->columns[c]);
    }
    char *line = csv_row(s, index, vals, row);
    if (!line) {
        cJSON_Delete(j);
        cJSON_Delete(detail);
        return NULL;
    }
    cJSON_AddStringToObject(j, "csv", line);
    free(line);
    cJSON_AddItemToObject(j, "detail", detail);
    return j;
}

/* The file of a point that ran (error: why it failed, or NULL). */
static cJSON *point_file(const dnc_sweep *s, const dnc_sweep_point *pt, double *row,
                         cJSON *detail, const char *error, double seconds, int rank)
{
    if (!error && s->store && s->store->record)
        return s->store->record(s, pt, row, detail, seconds, rank);
    if (error) {
        for (size_t c = 0; c < s->exp->ncolumns; c++)
            row[c] = NAN;
        cJSON_Delete(detail);
        detail = cJSON_CreateObject();
    }
    cJSON *rec = point_record(s, pt->index, pt->values, row, detail, error);
    if (rec) {
        cJSON_AddNumberToObject(rec, "seconds", seconds);
        cJSON_AddNumberToObject(rec, "rank", rank);
    }
    return rec;
}

dnc_status dnc_sweep_run_point(const dnc_sweep *s, const char *dir, size_t index, int rank,
                               bool *failed, double *seconds)
{
    const dnc_sweep_experiment *e = s->exp;
    dnc_sweep_value *vals = calloc(e->nparams + 1, sizeof *vals);
    double *row = calloc(e->ncolumns + 1, sizeof *row);
    cJSON *detail = cJSON_CreateObject();
    char *path = point_path(dir, index);
    if (!vals || !row || !detail || !path) {
        free(vals);
        free(row);
        cJSON_Delete(detail);
        free(path);
        return dnc_fail(DNC_ENOMEM, "point %zu: out of memory", index);
    }
    dnc_sweep_point_values(s, index, vals);
    dnc_sweep_point pt = {index, e, vals, s->context};
    double t0 = dnc_wall_time();
    dnc_clear_error();
    dnc_status st = e->run(&pt, row, detail);
    *seconds = dnc_wall_time() - t0;
    *failed = st != DNC_OK;
    if (st && s->store && s->store->stop_on_failure) {
        st = dnc_fail(st, "point %zu: %s", index, dnc_last_error());
        cJSON_Delete(detail);
    } else {
        cJSON *rec = point_file(s, &pt, row, detail, st ? dnc_last_error() : NULL, *seconds, rank);
        st = rec ? dnc_write_json_atomic(path, rec) : dnc_fail(DNC_ENOMEM, "out of memory");
        cJSON_Delete(rec);
    }
    free(vals);
    free(row);
    free(path);
    return st;
}

/* ------------------------------------------------------------ execute */

typedef struct {
    int stop; /* set on the first I/O error: the other threads finish their point and quit */
    dnc_status status;
    char message[512];
    dnc_progress progress;
    size_t furthest;
} exec_shared;

static void record_point(exec_shared *sh, dnc_sweep_exec_stats *stats, size_t slot, dnc_status st,
                         bool failed, double seconds)
{
    if (st && !sh->status) {
        sh->status = st;
#pragma omp atomic write
        sh->stop = 1;
        snprintf(sh->message, sizeof sh->message, "%s", dnc_last_error());
    }
    if (!st) {
        stats->computed++;
        stats->failed += failed;
        stats->point_seconds += seconds;
    }
    if (slot + 1 > sh->furthest)
        sh->furthest = slot + 1;
    dnc_progress_update(&sh->progress, sh->furthest);
}

dnc_status dnc_sweep_execute(const dnc_sweep *s, const char *dir, const size_t *todo,
                             size_t ntodo, const dnc_sweep_exec_opts *o,
                             dnc_sweep_exec_stats *stats)
{
    memset(stats, 0, sizeof *stats);
    exec_shared sh = {.status = DNC_OK};
    dnc_progress_start(&sh.progress, o->progress_label ? o->progress_label : "sweep", ntodo,
                       o->quiet);
    int threads = o->threads > 0 ? o->threads : omp_get_max_threads();
    /* Parallelism is over points: one BLAS thread, no nested teams, so a
     * point computes the same numbers wherever it runs. */
    int blas_threads = openblas_get_num_threads();
    int point_threads = o->point_threads > 0 ? o->point_threads : 1;
    openblas_set_num_threads(point_threads);
    size_t counter = 0;
#pragma omp parallel num_threads(threads)
    {
        omp_set_num_threads(point_threads);
        for (;;) {
            size_t slot;
            bool got;
            if (o->next) {
                got = o->next(o->next_ctx, &slot);
            } else {
#pragma omp atomic capture
                slot = counter++;
                got = slot < ntodo;
            }
            int stop;
#pragma omp atomic read
            stop = sh.stop;
            if (!got || stop || slot >= ntodo)
                break;
            bool failed = false;
            double seconds = 0;
            dnc_status st = dnc_sweep_run_point(s, dir, todo[slot], o->rank, &failed, &seconds);
#pragma omp critical(dnc_sweep_record)
            record_point(&sh, stats, slot, st, failed, seconds);
        }
    }
    openblas_set_num_threads(blas_threads);
    dnc_progress_finish(&sh.progress);
    if (sh.status)
        return dnc_fail(sh.status, "%s", sh.message);
    return DNC_OK;
}

/* ------------------------------------------------------------- gather */

static dnc_status append_point(const char *dir, size_t index, FILE *fp, size_t *nfailed)
{
    char *path = point_path(dir, index);
    if (!path)
        return dnc_fail(DNC_ENOMEM, "out of memory");
    cJSON *j = NULL;
    dnc_status st = dnc_read_json(path, &j);
    if (st)
        st = dnc_fail(st, "point %zu has no result: %s", index, dnc_last_error());
    const cJSON *csv = j ? cJSON_GetObjectItemCaseSensitive(j, "csv") : NULL;
    const cJSON *status = j ? cJSON_GetObjectItemCaseSensitive(j, "status") : NULL;
    if (!st && !cJSON_IsString(csv))
        st = dnc_fail(DNC_EINVAL, "'%s' has no \"csv\" row", path);
    if (!st) {
        fprintf(fp, "%s\n", csv->valuestring);
        if (!cJSON_IsString(status) || strcmp(status->valuestring, "ok") != 0)
            (*nfailed)++;
    }
    cJSON_Delete(j);
    free(path);
    return st;
}

static dnc_status write_table(const dnc_sweep *s, const char *dir, size_t *nfailed)
{
    char *path = dnc_sweep_path(dir, "table.csv");
    char *header = dnc_sweep_csv_header(s);
    if (!path || !header) {
        free(path);
        free(header);
        return dnc_fail(DNC_ENOMEM, "out of memory");
    }
    dnc_afile f;
    dnc_status st = dnc_afile_open(&f, path);
    if (!st) {
        fprintf(f.fp, "%s\n", header);
        for (size_t i = 0; i < s->npoints && !st; i++)
            st = append_point(dir, i, f.fp, nfailed);
        if (st)
            dnc_afile_abort(&f);
        else
            st = dnc_afile_commit(&f);
    }
    free(path);
    free(header);
    return st;
}

dnc_status dnc_sweep_gather(const dnc_sweep *s, const char *dir, cJSON *record, size_t *nfailed)
{
    *nfailed = 0;
    dnc_status st = write_table(s, dir, nfailed);
    if (st)
        return st;
    cJSON *config = cJSON_AddObjectToObject(record, "config");
    if (config)
        dnc_sweep_describe(s, config);
    cJSON *results = cJSON_GetObjectItemCaseSensitive(record, "results");
    if (!results)
        results = cJSON_AddObjectToObject(record, "results");
    if (results) {
        cJSON_AddNumberToObject(results, "points", (double)s->npoints);
        cJSON_AddNumberToObject(results, "failed", (double)*nfailed);
    }
    cJSON *outputs = cJSON_AddObjectToObject(record, "outputs");
    if (outputs) {
        cJSON_AddStringToObject(outputs, "csv", "table.csv");
        cJSON_AddStringToObject(outputs, "points", "points/<index>.json");
        cJSON_AddStringToObject(outputs, "description", "sweep.cfg");
    }
    char *path = dnc_sweep_path(dir, "sweep.json");
    if (!path)
        return dnc_fail(DNC_ENOMEM, "out of memory");
    st = dnc_write_json_atomic(path, record);
    free(path);
    return st;
}
