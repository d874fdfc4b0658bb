/* Parameter sweeps: one description (key = value file) drives every
 * experiment type over a grid of points.
 *
 *   type     = propagate
 *   sigma_w  = 0.8:1.2:5        # swept: lo:hi:n (linear), lo:hi:n:log, or a,b,c
 *   width    = 64,128,256
 *   depth    = 50               # fixed
 *   activation = tanh,relu
 *
 * Points are the Cartesian product of the parameter lists, enumerated in
 * the experiment's parameter order with the FIRST parameter outermost and
 * the last one fastest (row-major, like nested loops). Point i is a pure
 * function of the description and i (Philox keys), so results do not
 * depend on which thread or MPI rank computes it.
 *
 * Output directory layout:
 *   DIR/sweep.cfg         canonical description (a resumed sweep must match)
 *   DIR/points/<i>.json   one point's result, written atomically
 *   DIR/table.csv         index, swept parameters, result columns; rows by index
 *   DIR/sweep.json        run record: description, version, counts, timings
 *
 * The library never uses MPI: a distributed driver supplies its own
 * dnc_sweep_next_fn (see cli/sweep_mpi.c). */
#ifndef DNNCRIT_SWEEP_H
#define DNNCRIT_SWEEP_H
#include "dnncrit/export.h"
DNC_BEGIN_DECLS

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dnncrit/json.h"

#include "dnncrit/activation.h"
#include "dnncrit/error.h"
#include "dnncrit/io.h"
#include "dnncrit/param.h"

#define DNC_SWEEP_MAX_POINTS ((size_t)10000000)

/* A key of a sweep type is a parameter declaration (dnncrit/param.h): key,
 * type, default as text (NULL: the key is required), help, and for a choice
 * the names in `domain` ("pre,post"). Keys shared with other commands use
 * the shared declarations (e.g. DNC_NET_PARAM_SIGMA_W("1") of
 * dnncrit/network.h). Doubles take lists and ranges, integers lists and
 * integral ranges, activations, bools and choices lists; a string is
 * never a list (commas are kept). */
typedef dnc_param dnc_sweep_param;
typedef dnc_param_type dnc_sweep_type;
#define DNC_SWEEP_DOUBLE DNC_PARAM_DOUBLE
#define DNC_SWEEP_SIZE DNC_PARAM_SIZE
#define DNC_SWEEP_U64 DNC_PARAM_U64
#define DNC_SWEEP_ACTIVATION DNC_PARAM_ACTIVATION
#define DNC_SWEEP_BOOL DNC_PARAM_BOOL
#define DNC_SWEEP_CHOICE DNC_PARAM_CHOICE
#define DNC_SWEEP_STRING DNC_PARAM_STRING

/* One parameter value: doubles in d, strings in s (owned by the sweep),
 * everything else (integers, activation codes, bools, choice indices) in u. */
typedef struct {
    double d;
    uint64_t u;
    const char *s;
} dnc_sweep_value;

struct dnc_sweep_experiment;
struct dnc_sweep;

/* The values of one grid point, aligned with the experiment's params.
 * context: the sweep's (dnc_sweep.context; NULL for a description file). */
typedef struct {
    size_t index;
    const struct dnc_sweep_experiment *exp;
    const dnc_sweep_value *values;
    const void *context;
} dnc_sweep_point;

/* Typed access by parameter name (the name must be in the schema). */
double dnc_sweep_get_double(const dnc_sweep_point *p, const char *name);
size_t dnc_sweep_get_size(const dnc_sweep_point *p, const char *name);
uint64_t dnc_sweep_get_u64(const dnc_sweep_point *p, const char *name);
dnc_activation dnc_sweep_get_activation(const dnc_sweep_point *p, const char *name);
bool dnc_sweep_get_bool(const dnc_sweep_point *p, const char *name);
/* Index into the parameter's list of choices (its domain). */
int dnc_sweep_get_choice(const dnc_sweep_point *p, const char *name);
const char *dnc_sweep_get_string(const dnc_sweep_point *p, const char *name);

/* An experiment type: its option schema, result columns and point runner.
 * run fills row[ncolumns] (NaN allowed) and may add anything to detail. */
typedef struct dnc_sweep_experiment {
    const char *name;
    const char *summary;
    const dnc_sweep_param *params;
    size_t nparams;
    const char *const *columns;
    size_t ncolumns;
    /* Cheap check of one point before anything runs; NULL = none. */
    dnc_status (*validate)(const dnc_sweep_point *p);
    dnc_status (*run)(const dnc_sweep_point *p, double *row, cJSON *detail);
    /* The summary step over the finished points of a whole sweep in DIR:
     * files of its own and entries of the run record; NULL = none (the
     * types of the table: `dnncrit sweep` writes table.csv and sweep.json
     * only). A front end calls it once every point is done. */
    dnc_status (*summarise)(const struct dnc_sweep *s, const char *dir, cJSON *record);
} dnc_sweep_experiment;

/* The type table (src/app/sweep_types.c; each type a plug-in, src/app/sweep_type_*.c). */
size_t dnc_sweep_experiment_count(void);
const dnc_sweep_experiment *dnc_sweep_experiment_at(size_t i);
const dnc_sweep_experiment *dnc_sweep_find_experiment(const char *name);
/* "meanfield, propagate, ..." for messages and help. */
const char *dnc_sweep_experiment_list(void);

struct dnc_sweep_store;

/* A parsed sweep description. */
typedef struct dnc_sweep {
    const dnc_sweep_experiment *exp;
    dnc_sweep_value **values; /* [nparams][nvalues[k]] */
    size_t *nvalues;
    char **texts;             /* value text as written (or the default) */
    size_t npoints;
    char *canonical;          /* "type = ...\nname = text\n..." */
    char *source;             /* file name */
    /* Set by a front end after parsing or building (both leave them NULL):
     * how points are stored (NULL: the standard layout above) and what
     * every point of a type built in code receives as p->context. */
    const struct dnc_sweep_store *store;
    const void *context;
} dnc_sweep;

/* Parses and checks a description: unknown type or key, empty list
 * element, NaN, bad range, too many points and every point's validate()
 * give DNC_EINVAL naming the file, line and value. */
dnc_status dnc_sweep_parse(const dnc_config *cfg, dnc_sweep *s);
dnc_status dnc_sweep_load(const char *path, dnc_sweep *s);
/* A sweep built in code over a type outside the table: texts[k] is
 * parameter k's value text (a value, a list a,b,c or a range; NULL: the
 * default), checked and enumerated exactly as in a file; `source` names it
 * in messages. */
dnc_status dnc_sweep_build(const dnc_sweep_experiment *e, const char *const *texts,
                           const char *source, dnc_sweep *s);
void dnc_sweep_free(dnc_sweep *s);

/* values[nparams] of point `index` (< npoints). */
void dnc_sweep_point_values(const dnc_sweep *s, size_t index, dnc_sweep_value *values);
/* Table header: "index,<swept params>,<columns>" (swept = more than one value). */
char *dnc_sweep_csv_header(const dnc_sweep *s);

/* ---- Point storage. A front end with a directory layout of its own
 * (train-sweep) keeps the engine (lock, resume, atomic point files,
 * parallel and distributed execution) and replaces the pieces below; a
 * NULL callback keeps the standard one. */
typedef struct dnc_sweep_store {
    bool unlocked;        /* no DIR/.lock */
    bool stop_on_failure; /* the first failing point stops the sweep with its error and
                             leaves no file; standard: recorded ("status": "error") */
    /* Writes the description into DIR or checks the one there (standard:
     * DIR/sweep.cfg holding s->canonical). */
    dnc_status (*check_description)(const dnc_sweep *s, const char *dir);
    /* Whether `file` (parsed DIR/points/<i>.json) is a finished result of p. */
    bool (*finished)(const dnc_sweep *s, const dnc_sweep_point *p, const cJSON *file);
    /* The point file of a point that ran; takes ownership of detail. */
    cJSON *(*record)(const dnc_sweep *s, const dnc_sweep_point *p, const double *row,
                     cJSON *detail, double seconds, int rank);
} dnc_sweep_store;

/* DIR/points/<index>.json parsed, when it is a finished result of the
 * point (the store's test); DNC_EINVAL naming the file otherwise. */
dnc_status dnc_sweep_read_point(const dnc_sweep *s, const char *dir, size_t index,
                                cJSON **out);

/* ---- Output directory. */

/* "DIR/NAME", allocated (NULL when out of memory). */
char *dnc_sweep_path(const char *dir, const char *name);

typedef struct {
    int lock_fd; /* flock held while the sweep runs */
    char *dir;
} dnc_sweep_dir;

/* Creates DIR and DIR/points, takes an exclusive lock (a second sweep on the
 * same directory is refused), writes DIR/sweep.cfg or checks that the one
 * there describes the same sweep, and removes temporary files left by a
 * killed run. */
dnc_status dnc_sweep_dir_open(const dnc_sweep *s, const char *dir, dnc_sweep_dir *d);
void dnc_sweep_dir_close(dnc_sweep_dir *d);

/* Indices (ascending) of points without a finished result: no file, a file
 * that does not parse or does not match, or a failed point. Unusable files
 * are removed. *nkept counts the finished points kept. */
dnc_status dnc_sweep_pending(const dnc_sweep *s, const char *dir, size_t **todo, size_t *ntodo,
                             size_t *nkept);

/* Runs point `index` and writes DIR/points/<index>.json atomically. A
 * failing experiment is recorded in the file ("status": "error") and
 * reported through *failed; only I/O errors are returned (a store that
 * stops on failure: the point's error, "point <index>: why", no file).
 * `rank` is only recorded (which MPI rank ran the point; 0 for local runs). */
dnc_status dnc_sweep_run_point(const dnc_sweep *s, const char *dir, size_t index, int rank,
                               bool *failed, double *seconds);

/* ---- Execution. A work source hands out positions in the todo list:
 * returns true and sets *slot, or false when no work is left. Called from
 * several threads at once unless the driver serialises it. */
typedef bool (*dnc_sweep_next_fn)(void *ctx, size_t *slot);

typedef struct {
    int threads;          /* OpenMP threads running points; <= 0: omp default */
    int point_threads;    /* OpenMP and OpenBLAS threads inside one point; <= 0: one */
    bool quiet;           /* no progress on stderr */
    dnc_sweep_next_fn next; /* NULL: a shared counter over the todo list */
    void *next_ctx;
    const char *progress_label; /* NULL: "sweep" */
    int rank;             /* recorded in the point files */
} dnc_sweep_exec_opts;

typedef struct {
    size_t computed;  /* points run by this process */
    size_t failed;    /* of which failed */
    double point_seconds; /* summed wall time of those points */
} dnc_sweep_exec_stats;

/* Runs todo[] points in parallel; each point is computed single-threaded
 * (OpenBLAS set to one thread for the duration, nested OpenMP off) unless
 * point_threads says otherwise. Results never depend on either count. */
dnc_status dnc_sweep_execute(const dnc_sweep *s, const char *dir, const size_t *todo,
                             size_t ntodo, const dnc_sweep_exec_opts *o,
                             dnc_sweep_exec_stats *stats);

/* Reads every point file and writes DIR/table.csv (rows by index) and
 * DIR/sweep.json (record + description + counts). Fails when a point is
 * missing. *nfailed counts points recorded as failed. */
dnc_status dnc_sweep_gather(const dnc_sweep *s, const char *dir, cJSON *record,
                            size_t *nfailed);

/* Adds the description to a JSON object: type, parameters (all values),
 * enumeration order, point count. */
void dnc_sweep_describe(const dnc_sweep *s, cJSON *obj);

/* One value as JSON (number, string or bool) and as CSV text. */
cJSON *dnc_sweep_value_json(const dnc_sweep_param *par, const dnc_sweep_value *v);
const char *dnc_sweep_value_text(const dnc_sweep_param *par, const dnc_sweep_value *v,
                                 char buf[64]);

DNC_END_DECLS
#endif
