/* The plot recipes' plug-in idiom (internal to the app layer).
 *
 * A recipe draws the figure of one result kind (dnncrit/result.h): it gets
 * the run record, the table of the record's "csv" (an empty table at
 * worst) and the folder for the other CSVs the record names, looks its
 * columns up by kind and column id (dnc_recipe_col), and adds panels to
 * the figure. When the columns it needs are missing it returns
 * DNC_EUNSUPPORTED and the generic figure is drawn instead.
 *
 * The recipes live in one file per result family (plot_recipes_<family>.c)
 * and are listed in the table of plot_recipes.c, keyed by result kind. */
#ifndef DNNCRIT_APP_PLOT_RECIPE_H
#define DNNCRIT_APP_PLOT_RECIPE_H

#include <stdbool.h>
#include <stddef.h>

#include <cjson/cJSON.h>

#include "dnncrit/plot.h"
#include "dnncrit/result.h"

/* Other spellings of a column that results written elsewhere use. */
#define NAMES(...) ((const char *const[]){__VA_ARGS__, NULL})

typedef struct {
    const cJSON *rec;
    dnc_result_kind kind; /* of the record, from its "command" */
    const dnc_table *t;   /* never NULL inside a recipe (an empty table at worst) */
    dnc_figure *fig;
    const char *dir; /* folder of the result, for its other CSVs; NULL: none */
    dnc_status aux_error; /* the first other CSV that exists but is damaged
                           * (dnc_recipe_load_aux): the figure fails with it */
} dnc_recipe_ctx;

typedef dnc_status (*dnc_recipe_fn)(dnc_recipe_ctx *r);

/* ---- the recipes, one family per file */
dnc_status dnc_recipe_propagate(dnc_recipe_ctx *r); /* plot_recipes_meanfield.c */
dnc_status dnc_recipe_meanfield(dnc_recipe_ctx *r);
dnc_status dnc_recipe_critical(dnc_recipe_ctx *r);
dnc_status dnc_recipe_phase_diagram(dnc_recipe_ctx *r);
dnc_status dnc_recipe_demo(dnc_recipe_ctx *r);
dnc_status dnc_recipe_dp(dnc_recipe_ctx *r); /* plot_recipes_scaling.c */
dnc_status dnc_recipe_exponents(dnc_recipe_ctx *r);
dnc_status dnc_recipe_fss(dnc_recipe_ctx *r);
dnc_status dnc_recipe_classify(dnc_recipe_ctx *r);
dnc_status dnc_recipe_cnn(dnc_recipe_ctx *r);
dnc_status dnc_recipe_avalanches(dnc_recipe_ctx *r); /* plot_recipes_avalanche.c */
dnc_status dnc_recipe_powerlaw(dnc_recipe_ctx *r);
dnc_status dnc_recipe_susceptibility(dnc_recipe_ctx *r);
dnc_status dnc_recipe_langevin(dnc_recipe_ctx *r);
dnc_status dnc_recipe_train(dnc_recipe_ctx *r); /* plot_recipes_train.c */
dnc_status dnc_recipe_train_sweep(dnc_recipe_ctx *r);
dnc_status dnc_recipe_sweep(dnc_recipe_ctx *r);
dnc_status dnc_recipe_advise(dnc_recipe_ctx *r); /* plot_recipes_advise.c */

/* ---- reading the result (plot_recipe_tools.c) */
/* A file name without a folder (outputs.* of a record name files beside it). */
bool dnc_recipe_safe_basename(const char *name);
/* Another CSV of the result: outputs.<key>, read from the result's folder.
 * false (and an empty table) when absent or unreadable. */
bool dnc_recipe_load_aux(dnc_recipe_ctx *r, const char *key, dnc_table *t);
/* A column of numbers with a cell that is not one (a damaged row) in the
 * table read from path: DNC_EINVAL naming file, row, column and cell. */
dnc_status dnc_recipe_check_numeric_columns(const dnc_table *t, const char *path);
/* Column `id` of the record's kind in r->t (by name, then its aliases); -1 if absent. */
long dnc_recipe_col(const dnc_recipe_ctx *r, size_t id);
/* A column that no dnncrit kind has, by any of `names` (results from elsewhere). */
long dnc_recipe_col_foreign(const dnc_recipe_ctx *r, const char *const *names);
/* The error column of column c (dnc_table_err_col), -1 for c < 0. */
long dnc_recipe_err_col(const dnc_table *t, long c);
/* "results": {"name": x} or {"name": {"value": x, "error": dx}}. */
bool dnc_recipe_result_value(const cJSON *rec, const char *name, double *v, double *err);
/* obj.name as a number or {"value", "error"} (error NAN when absent). */
bool dnc_recipe_entry_value(const cJSON *obj, const char *name, double *v, double *e);
const cJSON *dnc_recipe_config_item(const cJSON *rec, const char *name);
bool dnc_recipe_config_number(const cJSON *rec, const char *name, double *v);
/* "tanh, σ_w = 1.2, σ_b = 0.3, N = 512" for panel notes; caller frees. */
char *dnc_recipe_run_note(const cJSON *rec);
/* Axis label of a column: the symbol of a known quantity, else the escaped name. */
char *dnc_recipe_column_label(const char *name);

/* ---- building panels (plot_recipe_tools.c) */
dnc_plot_panel *dnc_recipe_panel(dnc_recipe_ctx *r, const char *title, const char *xl,
                                 const char *yl);
/* DNC_EUNSUPPORTED ("<what>: columns not found") unless both are >= 0. */
dnc_status dnc_recipe_need_cols(const char *what, long a, long b);
/* Column cy against cx (error bars from ce >= 0). */
dnc_status dnc_recipe_add_col_series(dnc_plot_panel *p, const dnc_table *t, long cx, long cy,
                                     long ce, const char *label, dnc_plot_style style, int color);

/* Rows grouped by the distinct values of a column, in order of first
 * appearance, at most max_groups groups. */
typedef struct {
    double *keys;
    size_t n;
} dnc_recipe_groups;
dnc_status dnc_recipe_find_groups(const dnc_table *t, long g, size_t max_groups,
                                  dnc_recipe_groups *out);
size_t dnc_recipe_count_distinct(const dnc_table *t, long c);
/* One series per group of column g: y against x (optional error). */
dnc_status dnc_recipe_add_grouped(dnc_plot_panel *p, const dnc_table *t, long g, long cx, long cy,
                                  long ce, const char *label_fmt, dnc_plot_style style,
                                  size_t max_groups);
bool dnc_recipe_all_positive(const dnc_table *t, long c);
/* Positive values spanning more than two decades: show them logarithmically. */
bool dnc_recipe_wants_log(const dnc_table *t, long c);
/* Distinct sorted finite values of column c (0 when more than max). */
size_t dnc_recipe_distinct_sorted(const dnc_table *t, long c, double *out, size_t max);
/* Heat map of column cz over the grid (cx, cy) with contours at levels;
 * values averaged over repeated grid points (seeds); an infinite cell is
 * drawn at the largest (smallest for -inf) finite value. */
dnc_status dnc_recipe_add_heatmap(dnc_plot_panel *p, const dnc_table *t, long cx, long cy, long cz,
                                  const char *zlabel, const double *levels, size_t nlevels,
                                  const char *level_name);

/* Mean and standard error of a column at each distinct x. */
typedef struct {
    double *x, *mean, *se;
    size_t n;
} dnc_recipe_aggregate;
void dnc_recipe_aggregate_free(dnc_recipe_aggregate *a);
/* Column cy at each distinct value of cx, over the rows whose column cg
 * equals g (cg < 0: all rows). */
dnc_status dnc_recipe_aggregate_rows(const dnc_table *t, long cx, long cy, long cg, double g,
                                     dnc_recipe_aggregate *a);
/* Mean +- standard error of cy against cx, one series per value of cg
 * (cg < 0: one series). */
dnc_status dnc_recipe_add_aggregated(dnc_plot_panel *p, const dnc_table *t, long cx, long cy,
                                     long cg, const char *label_fmt, const char *single_label);

#endif
