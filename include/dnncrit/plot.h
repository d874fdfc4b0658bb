/* Figures: a small figure model (panels of (x, y[, err]) series, optional
 * heat map with contours) rendered by gnuplot, run as a child process
 * (fork/exec, no shell) on a script and data files in a private temporary
 * directory. The image goes to a temporary file next to the target and is
 * renamed onto it only when gnuplot succeeded (dnc_afile).
 *
 * Text (titles, labels, legends) is gnuplot "enhanced" text in UTF-8:
 * "σ_w" subscripts, "ℓ^{-1}" superscripts. Text that comes from outside
 * (file names, activation names in a result) must go through
 * dnc_plot_escape() first. Also here: the result-file recipes behind
 * `dnncrit plot`. */
#ifndef DNNCRIT_PLOT_H
#define DNNCRIT_PLOT_H
#include "dnncrit/export.h"
DNC_BEGIN_DECLS

#include <stdbool.h>
#include <stddef.h>

#include "dnncrit/json.h"

#include "dnncrit/error.h"
#include "dnncrit/table.h"

typedef enum { DNC_PLOT_PNG = 0, DNC_PLOT_SVG = 1, DNC_PLOT_PDF = 2 } dnc_plot_format;

typedef enum {
    DNC_STYLE_LINES = 0,
    DNC_STYLE_POINTS,
    DNC_STYLE_LINESPOINTS,
    DNC_STYLE_ERRORBARS, /* points with vertical error bars (needs err) */
    DNC_STYLE_STEPS,     /* histogram-like steps */
    DNC_STYLE_DASHED     /* dashed line (theory, fits) */
} dnc_plot_style;

typedef struct {
    char *label; /* legend entry; NULL: none */
    dnc_plot_style style;
    double *x, *y, *err; /* err NULL unless given */
    size_t n;
    int color; /* 0: next colour of the palette; k >= 1: palette colour k */
    int marker; /* points: 0 = filled circle; k >= 1 = gnuplot point type k (5 filled
                   square, 9 filled triangle, 4 open square, 6 open circle, ...); set
                   it on the series after dnc_panel_add_series* */
} dnc_plot_series;

/* A heat map on a regular grid: z[iy * nx + ix] at (x[ix], y[iy]), drawn
 * below the series with a colour bar, and contour lines of z at `levels`. */
typedef struct {
    double *x, *y, *z;
    size_t nx, ny;
    char *zlabel;
    double *levels;
    size_t nlevels;
    char *level_name; /* legend: "<level_name> = <level>" */
    bool logz;
    double center; /* NAN: sequential colours; else a diverging map centred here */
} dnc_plot_grid;

/* A reference line across the whole panel: x = at (vertical) or y = at. */
typedef struct {
    bool vertical;
    double at;
    char *label; /* written along the line; NULL: none */
} dnc_plot_refline;

typedef struct {
    char *title, *xlabel, *ylabel;
    bool logx, logy;
    double xmin, xmax, ymin, ymax; /* NAN: automatic */
    dnc_plot_series *series;
    size_t nseries;
    dnc_plot_grid *grid; /* optional */
    char *note;          /* optional text in the top-left corner */
    char *key;           /* gnuplot key position, e.g. "top right"; NULL: default */
    dnc_plot_refline *refs;
    size_t nrefs;
    char **xticlabels; /* categorical x axis: label i at x = i (NULL: numeric) */
    size_t nxticlabels;
} dnc_plot_panel;

typedef struct {
    char *title;
    dnc_plot_panel **panels;
    size_t npanels;
    size_t cols; /* 0: automatic (1, 2 or 3 columns) */
} dnc_figure;

dnc_figure *dnc_figure_new(const char *title);
void dnc_figure_free(dnc_figure *fig);
/* The panel stays owned by fig; NULL when out of memory. */
dnc_plot_panel *dnc_figure_add_panel(dnc_figure *fig, const char *title, const char *xlabel,
                                     const char *ylabel);
/* Copies the data. Non-finite points are skipped when drawn, as are points
 * at or below zero on a logarithmic axis. */
dnc_status dnc_panel_add_series(dnc_plot_panel *p, const char *label, dnc_plot_style style,
                                const double *x, const double *y, const double *err, size_t n);
/* Like dnc_panel_add_series with an explicit palette colour (>= 1). */
dnc_status dnc_panel_add_series_color(dnc_plot_panel *p, const char *label, dnc_plot_style style,
                                      const double *x, const double *y, const double *err,
                                      size_t n, int color);
/* Copies the grid (z[iy * nx + ix]); levels may be NULL when nlevels = 0. */
dnc_status dnc_panel_set_grid(dnc_plot_panel *p, const double *x, size_t nx, const double *y,
                              size_t ny, const double *z, const char *zlabel,
                              const double *levels, size_t nlevels, const char *level_name);
dnc_status dnc_panel_set_note(dnc_plot_panel *p, const char *note);
/* A dashed reference line (e.g. chi_1 = 1, a critical sigma_w). */
dnc_status dnc_panel_add_refline(dnc_plot_panel *p, bool vertical, double at, const char *label);
/* Categorical x axis: labels[i] is written at x = i. */
dnc_status dnc_panel_set_xticlabels(dnc_plot_panel *p, const char *const *labels, size_t n);

/* Whether the panel draws anything: a heat map, or a finite point (> 0 on
 * a log axis). */
bool dnc_panel_has_data(const dnc_plot_panel *p);
/* Removes the panels with nothing to draw, unless every panel is empty
 * (the figure then keeps its frames, each saying "no data to plot"). */
void dnc_figure_drop_empty_panels(dnc_figure *fig);

/* Pixel size of the whole figure for PNG (SVG uses the same numbers as
 * points, PDF the same numbers / 100 as inches). */
void dnc_figure_size(const dnc_figure *fig, int *width, int *height);

/* "png", "svg", "pdf" (case-insensitive). */
dnc_status dnc_plot_format_parse(const char *s, dnc_plot_format *fmt);
const char *dnc_plot_format_ext(dnc_plot_format fmt);
/* Format from a file name's extension; DNC_EINVAL if none of the three. */
dnc_status dnc_plot_format_from_path(const char *path, dnc_plot_format *fmt);

/* The gnuplot executable: $DNNCRIT_GNUPLOT, else "gnuplot" on $PATH.
 * DNC_EUNSUPPORTED with an installation hint when it cannot be found. */
dnc_status dnc_plot_find_gnuplot(char **path);
bool dnc_plot_available(void);

/* Renders fig to path (atomically). Set DNNCRIT_PLOT_KEEP=1 to keep the
 * temporary script and data directory for debugging (its name goes to
 * stderr is not printed: the library never prints; see dnc_last_error
 * on failure). */
dnc_status dnc_figure_render(const dnc_figure *fig, const char *path, dnc_plot_format fmt);
/* The gnuplot script that dnc_figure_render would run with data files
 * named <datadir>/dN.dat (for tests and debugging); caller frees. */
char *dnc_figure_script(const dnc_figure *fig, dnc_plot_format fmt, const char *datadir);

/* Escapes text for a gnuplot enhanced-text label: the specials ^ _ @ & ~
 * { } \ are backslashed and control characters dropped; caller frees. */
char *dnc_plot_escape(const char *text);

/* ---- The CSVs of a result (PREFIX.csv and the others it names) are
 * dnncrit/table.h tables read with dnc_result_table_opts: a header row of
 * column names, ','-separated; "nan"/"inf" are accepted, a cell that is not a
 * number is kept as text (and reads as NAN); no data rows is fine. */
extern const dnc_table_opts dnc_result_table_opts;

/* ---- Result recipes: the figure for a dnncrit result record (PREFIX.json)
 * and its CSV (table may be NULL when the result names none). */
dnc_status dnc_plot_figure_for_result(const cJSON *record, const dnc_table *table,
                                      dnc_figure **fig);
/* The same, with the result's folder, so that recipes can read the other
 * CSVs it names in "outputs" (avalanche distributions, shapes, ...). */
dnc_status dnc_plot_figure_for_result_in(const cJSON *record, const dnc_table *table,
                                         const char *dir, dnc_figure **fig);
/* Reads RESULT.json and the CSV it names (relative to the JSON's folder). */
dnc_status dnc_plot_load_result(const char *json_path, cJSON **record, dnc_table *table,
                                bool *has_table);
/* The library call behind `dnncrit plot` and every subcommand's --plot:
 * loads the result, picks its recipe and renders to out (NULL: the JSON
 * path with .json replaced by .png/.svg/.pdf). */
dnc_status dnc_plot_result(const char *json_path, const char *out, dnc_plot_format fmt);
/* The commands that have a dedicated recipe (others get the generic one). */
const char *const *dnc_plot_recipe_commands(void);

DNC_END_DECLS
#endif
