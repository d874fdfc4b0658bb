/* Recipes: the figure a paper would show for each dnncrit result
 * (PREFIX.json + its CSVs). The record's "command" gives its result kind
 * (dnncrit/result.h), the kind its recipe (the table below; the recipes
 * live in plot_recipes_<family>.c). A recipe that does not find the
 * columns it needs returns DNC_EUNSUPPORTED and the generic recipe (every
 * column against the first) draws the result instead. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "app/plot_recipe.h"
#include "dnncrit/io.h"

static const char *cmd_name(const cJSON *rec)
{
    const cJSON *c = cJSON_GetObjectItemCaseSensitive(rec, "command");
    return cJSON_IsString(c) && c->valuestring ? c->valuestring : "";
}

/* ---------------------------------------------------- generic recipe */

static bool is_error_column(const dnc_table *t, size_t c)
{
    for (size_t k = 0; k < t->ncols; k++)
        if (k != c && dnc_recipe_err_col(t, (long)k) == (long)c)
            return true;
    return false;
}

/* The first column is the abscissa; every other column that is not an
 * error column gets a panel (at most 9), with its error bars. */
static dnc_status recipe_generic(dnc_recipe_ctx *r)
{
    const dnc_table *t = r->t;
    if (t->ncols < 2 || t->nrows == 0) {
        dnc_plot_panel *p = dnc_recipe_panel(r, "no table to plot", "", "");
        return p ? dnc_panel_set_note(p, "this result has no CSV rows") : DNC_ENOMEM;
    }
    char *xl = dnc_recipe_column_label(t->names[0]);
    size_t panels = 0;
    dnc_status st = xl ? DNC_OK : dnc_fail(DNC_ENOMEM, "out of memory");
    for (size_t c = 1; !st && c < t->ncols && panels < 9; c++) {
        if (dnc_table_is_text(t, c) || is_error_column(t, c))
            continue;
        char *yl = dnc_recipe_column_label(t->names[c]);
        dnc_plot_panel *p = yl ? dnc_recipe_panel(r, NULL, xl, yl) : NULL;
        if (!p) {
            free(yl);
            st = dnc_fail(DNC_ENOMEM, "out of memory");
            break;
        }
        p->logx = dnc_recipe_wants_log(t, 0);
        p->logy = dnc_recipe_wants_log(t, (long)c);
        st = dnc_recipe_add_col_series(p, t, 0, (long)c, dnc_recipe_err_col(t, (long)c), NULL,
                                       DNC_STYLE_LINESPOINTS, 1);
        free(yl);
        panels++;
    }
    free(xl);
    return st;
}

/* ----------------------------------------------------- registry */

/* One recipe per result kind that has a figure of its own. */
typedef struct {
    dnc_result_kind kind;
    dnc_recipe_fn fn;
    const char *title;
} recipe;

static const recipe recipes[] = {
    {DNC_RESULT_PROPAGATION, dnc_recipe_propagate, "signal propagation"},
    {DNC_RESULT_MEANFIELD, dnc_recipe_meanfield, "mean-field trajectory"},
    {DNC_RESULT_CRITICAL_LINE, dnc_recipe_critical, "edge of chaos"},
    {DNC_RESULT_AVALANCHE_LAYERS, dnc_recipe_avalanches, "avalanches"},
    {DNC_RESULT_AVALANCHE_LIST, dnc_recipe_avalanches, "avalanches of an activity raster"},
    {DNC_RESULT_CCDF, dnc_recipe_powerlaw, "power-law fit"},
    {DNC_RESULT_SUSCEPTIBILITY, dnc_recipe_susceptibility, "susceptibility scan"},
    {DNC_RESULT_LANGEVIN_BINS, dnc_recipe_langevin, "reduced Langevin theory"},
    {DNC_RESULT_DEMO_LAYERS, dnc_recipe_demo, "edge of chaos"},
    {DNC_RESULT_CNN, dnc_recipe_cnn, "convolutional network"},
    {DNC_RESULT_PHASE_DIAGRAM, dnc_recipe_phase_diagram, "mean-field phase diagram"},
    {DNC_RESULT_ADVICE, dnc_recipe_advise, "initialisation advice"},
    {DNC_RESULT_DP, dnc_recipe_dp, "directed percolation"},
    {DNC_RESULT_EXPONENTS, dnc_recipe_exponents, "decay exponent"},
    {DNC_RESULT_FSS, dnc_recipe_fss, "finite-size scaling"},
    {DNC_RESULT_CLASSIFY, dnc_recipe_classify, "universality class"},
    {DNC_RESULT_TRAIN_HISTORY, dnc_recipe_train, "training"},
    {DNC_RESULT_TRAIN_SWEEP_POINTS, dnc_recipe_train_sweep, "trainability landscape"},
    {DNC_RESULT_SWEEP, dnc_recipe_sweep, "sweep"},
};
enum { NRECIPES = sizeof recipes / sizeof recipes[0] };

static const recipe *recipe_for_kind(dnc_result_kind kind)
{
    for (size_t i = 0; i < NRECIPES; i++)
        if (recipes[i].kind == kind)
            return &recipes[i];
    return NULL;
}

/* The commands whose record's kind has a recipe, in the order of the
 * registry's record table. */
const char *const *dnc_plot_recipe_commands(void)
{
    enum { MAX_COMMANDS = 64 };
    static const char *names[MAX_COMMANDS + 1];
    size_t n = 0;
    for (const dnc_result_record *rec = dnc_result_records(); rec->command && n < MAX_COMMANDS;
         rec++)
        if (recipe_for_kind(rec->kind))
            names[n++] = rec->command;
    names[n] = NULL;
    return names;
}

static char *figure_title(const cJSON *rec, const char *what)
{
    char *cmd = dnc_plot_escape(cmd_name(rec));
    size_t n = (cmd ? strlen(cmd) : 0) + strlen(what) + 32;
    char *s = malloc(n);
    if (s)
        snprintf(s, n, "dnncrit %s: %s", cmd ? cmd : "", what);
    free(cmd);
    return s;
}

dnc_status dnc_plot_figure_for_result(const cJSON *record, const dnc_table *table, dnc_figure **fig)
{
    return dnc_plot_figure_for_result_in(record, table, NULL, fig);
}

dnc_status dnc_plot_figure_for_result_in(const cJSON *record, const dnc_table *table,
                                         const char *dir, dnc_figure **fig)
{
    *fig = NULL;
    if (!cJSON_IsObject(record))
        return dnc_fail(DNC_EINVAL, "result is not a JSON object");
    const char *cmd = cmd_name(record);
    if (!*cmd)
        return dnc_fail(DNC_EINVAL, "result has no \"command\": not a dnncrit result record");
    dnc_table empty = {0};
    dnc_recipe_ctx r = {
        .rec = record, .kind = DNC_RESULT_NKINDS, .t = table ? table : &empty, .dir = dir};
    const dnc_result_record *kind_of = dnc_result_record_for_command(cmd);
    const recipe *chosen = kind_of ? recipe_for_kind(kind_of->kind) : NULL;
    if (chosen)
        r.kind = chosen->kind;
    dnc_status st = DNC_EUNSUPPORTED;
    if (chosen) {
        char *title = figure_title(record, chosen->title);
        r.fig = dnc_figure_new(title);
        free(title);
        if (!r.fig)
            return dnc_fail(DNC_ENOMEM, "out of memory");
        st = chosen->fn(&r);
        if (!st && r.aux_error)
            st = r.aux_error; /* its message names the damaged file */
        if (st == DNC_EUNSUPPORTED) {
            dnc_figure_free(r.fig);
            r.fig = NULL;
        }
    }
    if (st == DNC_EUNSUPPORTED) {
        char *title = figure_title(record, "columns");
        r.fig = dnc_figure_new(title);
        free(title);
        if (!r.fig)
            return dnc_fail(DNC_ENOMEM, "out of memory");
        st = recipe_generic(&r);
    }
    if (st) {
        dnc_figure_free(r.fig);
        return st;
    }
    dnc_figure_drop_empty_panels(r.fig);
    *fig = r.fig;
    return DNC_OK;
}

/* ---------------------------------------------------- loading, one call */

static char *sibling_path(const char *json_path, const char *name)
{
    const char *slash = strrchr(json_path, '/');
    size_t dir = slash ? (size_t)(slash - json_path) + 1 : 0;
    char *p = malloc(dir + strlen(name) + 1);
    if (!p)
        return NULL;
    memcpy(p, json_path, dir);
    strcpy(p + dir, name);
    return p;
}

/* The CSV a record names must be a table of its kind: at least one of the
 * kind's columns, and no column of numbers with a cell that is not one.
 * Anything else is a damaged or foreign file, not an empty figure. */
static dnc_status check_result_table(const dnc_table *t, const char *path, const char *command)
{
    const dnc_result_record *rr = dnc_result_record_for_command(command);
    const dnc_result_kind_info *kind = rr ? dnc_result_kind_get(rr->kind) : NULL;
    if (kind && kind->ncolumns > 0) {
        bool any = false;
        for (size_t id = 0; id < kind->ncolumns && !any; id++)
            any = dnc_result_col(t, rr->kind, id) >= 0;
        if (!any)
            return dnc_fail(DNC_EINVAL,
                            "'%s': corrupt CSV: none of the columns of a %s table (first '%s') "
                            "in its header",
                            path, kind->name, kind->columns[0].name);
    }
    return dnc_recipe_check_numeric_columns(t, path);
}

dnc_status dnc_plot_load_result(const char *json_path, cJSON **record, dnc_table *table,
                                bool *has_table)
{
    *has_table = false;
    memset(table, 0, sizeof *table);
    dnc_status st = dnc_read_json(json_path, record);
    if (st)
        return st;
    if (!cJSON_IsObject(*record) ||
        !cJSON_IsString(cJSON_GetObjectItemCaseSensitive(*record, "command"))) {
        cJSON_Delete(*record);
        *record = NULL;
        return dnc_fail(DNC_EINVAL, "'%s' is not a dnncrit result (no \"command\")", json_path);
    }
    const cJSON *outs = cJSON_GetObjectItemCaseSensitive(*record, "outputs");
    const cJSON *csv = outs ? cJSON_GetObjectItemCaseSensitive(outs, "csv") : NULL;
    if (!cJSON_IsString(csv) || !csv->valuestring || !*csv->valuestring)
        return DNC_OK;
    const char *name = csv->valuestring;
    /* outputs.csv is a basename: refuse paths, so a result file cannot make
     * us read elsewhere. */
    if (!dnc_recipe_safe_basename(name)) {
        /* the message quotes the name, which lives in the record */
        st = dnc_fail(DNC_EINVAL, "'%s': outputs.csv must be a file name, got '%s'", json_path,
                      name);
        cJSON_Delete(*record);
        *record = NULL;
        return st;
    }
    char *path = sibling_path(json_path, name);
    if (!path) {
        cJSON_Delete(*record);
        *record = NULL;
        return dnc_fail(DNC_ENOMEM, "out of memory");
    }
    st = dnc_table_read(path, &dnc_result_table_opts, table);
    if (!st)
        st = check_result_table(table, path, cmd_name(*record));
    free(path);
    if (st) {
        dnc_table_free(table);
        cJSON_Delete(*record);
        *record = NULL;
        return st;
    }
    *has_table = true;
    return DNC_OK;
}

/* The folder of a result file ("." for a bare name); caller frees. */
static char *result_dir(const char *json_path)
{
    const char *slash = strrchr(json_path, '/');
    if (!slash)
        return strdup(".");
    size_t n = slash == json_path ? 1 : (size_t)(slash - json_path);
    char *d = malloc(n + 1);
    if (d) {
        memcpy(d, json_path, n);
        d[n] = '\0';
    }
    return d;
}

static char *default_out(const char *json_path, dnc_plot_format fmt)
{
    size_t n = strlen(json_path);
    size_t base = n >= 5 && strcmp(json_path + n - 5, ".json") == 0 ? n - 5 : n;
    char *p = malloc(base + 8);
    if (p) {
        memcpy(p, json_path, base);
        snprintf(p + base, 8, ".%s", dnc_plot_format_ext(fmt));
    }
    return p;
}

dnc_status dnc_plot_result(const char *json_path, const char *out, dnc_plot_format fmt)
{
    cJSON *rec;
    dnc_table t;
    bool has_table;
    dnc_status st = dnc_plot_load_result(json_path, &rec, &t, &has_table);
    if (st)
        return st;
    dnc_figure *fig;
    char *dir = result_dir(json_path);
    st = dir ? dnc_plot_figure_for_result_in(rec, has_table ? &t : NULL, dir, &fig)
             : dnc_fail(DNC_ENOMEM, "out of memory");
    free(dir);
    cJSON_Delete(rec);
    dnc_table_free(&t);
    if (st)
        return st;
    char *path = out ? NULL : default_out(json_path, fmt);
    if (!out && !path)
        st = dnc_fail(DNC_ENOMEM, "out of memory");
    else
        st = dnc_figure_render(fig, out ? out : path, fmt);
    free(path);
    dnc_figure_free(fig);
    return st;
}
