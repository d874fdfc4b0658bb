/* The gnuplot script of a figure: layout, terminal, panels, heat maps,
 * reference lines, and the data files the script reads
 * (app/plot_script.h; dnc_figure_size and dnc_figure_script in
 * dnncrit/plot.h). */
#include "app/plot_script.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dnncrit/plot.h"

/* ------------------------------------------------------------- layout */

static size_t layout_cols(const dnc_figure *fig)
{
    if (fig->cols)
        return fig->cols;
    if (fig->npanels <= 1)
        return 1;
    return fig->npanels == 2 || fig->npanels == 4 ? 2 : 3;
}

enum { PANEL_W = 760, PANEL_H = 560, TITLE_H = 50 };
#define MARGIN 0.06      /* of the data's span, above and below it */
#define NOTE_MARGIN 0.16 /* above it when a note sits in the top-left corner */

void dnc_figure_size(const dnc_figure *fig, int *width, int *height)
{
    size_t n = fig->npanels ? fig->npanels : 1;
    size_t cols = layout_cols(fig);
    if (cols > n)
        cols = n;
    size_t rows = (n + cols - 1) / cols;
    *width = (int)(cols * PANEL_W);
    *height = (int)(rows * PANEL_H) + (fig->title && n > 1 ? TITLE_H : 0);
}

/* --------------------------------------------------------- the script */

/* Okabe-Ito colours: distinguishable with the common colour blindnesses
 * and in greyscale print. */
static const char *const palette[] = {"#0072B2", "#D55E00", "#009E73", "#CC79A7",
                                      "#E69F00", "#56B4E9", "#000000", "#F0E442"};
enum { NPALETTE = 8 };

static bool plottable(double v, bool logaxis) { return isfinite(v) && (!logaxis || v > 0); }

/* Data of series s as "x y [ylow yhigh]" lines; returns the number of points. */
static size_t series_data(const dnc_plot_series *s, const dnc_plot_panel *p, dnc_strbuf *b)
{
    size_t kept = 0;
    for (size_t i = 0; i < s->n; i++) {
        double x = s->x[i], y = s->y[i];
        if (!plottable(x, p->logx) || !plottable(y, p->logy))
            continue;
        if (s->err && s->style == DNC_STYLE_ERRORBARS) {
            double e = isfinite(s->err[i]) ? fabs(s->err[i]) : 0;
            double lo = y - e, hi = y + e;
            if (p->logy && lo <= 0)
                lo = y * 1e-3; /* bar reaching zero: draw it to the bottom */
            dnc_sb_printf(b, "%.17g %.17g %.17g %.17g\n", x, y, lo, hi);
        } else {
            dnc_sb_printf(b, "%.17g %.17g\n", x, y);
        }
        kept++;
    }
    return kept;
}

/* The style of a series: its marker (gnuplot point type, 7 = filled
 * circle unless the series names another) and palette colour. */
static void emit_style(dnc_strbuf *b, const dnc_plot_series *s, int color)
{
    int pt = s->marker > 0 ? s->marker : 7;
    switch (s->style) {
    case DNC_STYLE_POINTS: dnc_sb_printf(b, " with points pt %d ps 0.8", pt); break;
    case DNC_STYLE_LINESPOINTS: dnc_sb_printf(b, " with linespoints pt %d ps 0.7 lw 2", pt); break;
    case DNC_STYLE_ERRORBARS:
        dnc_sb_printf(b, " using 1:2:3:4 with yerrorbars pt %d ps 0.7 lw 1.5", pt);
        break;
    case DNC_STYLE_STEPS: dnc_sb_puts(b, " with steps lw 2"); break;
    case DNC_STYLE_DASHED: dnc_sb_puts(b, " with lines lw 2.5 dt 2"); break;
    default: dnc_sb_puts(b, " with lines lw 2.5"); break;
    }
    dnc_sb_printf(b, " lt %d", color);
}

static void sb_range(dnc_strbuf *b, const char *axis, double lo, double hi)
{
    if (isnan(lo) && isnan(hi))
        return;
    dnc_sb_printf(b, "set %srange [", axis);
    if (!isnan(lo))
        dnc_sb_printf(b, "%.17g", lo);
    dnc_sb_puts(b, ":");
    if (!isnan(hi))
        dnc_sb_printf(b, "%.17g", hi);
    dnc_sb_puts(b, "]\n");
}

static void sb_datafile(dnc_strbuf *b, const char *datadir, size_t id)
{
    char name[48];
    snprintf(name, sizeof name, "/d%zu.dat", id);
    dnc_strbuf path = {0};
    dnc_sb_puts(&path, datadir);
    dnc_sb_puts(&path, name);
    if (path.failed)
        b->failed = true;
    else
        dnc_sb_quoted(b, path.s);
    free(path.s);
}

/* Edges of cell i of the axis v[0..n-1]: halfway to each neighbour (the
 * end cells as wide as their inner half; a single cell 1 wide). */
static void cell_edges(const double *v, size_t n, size_t i, double *lo, double *hi)
{
    if (n < 2) {
        *lo = v[i] - 0.5;
        *hi = v[i] + 0.5;
        return;
    }
    double left = i > 0 ? v[i] - v[i - 1] : v[1] - v[0];
    double right = i + 1 < n ? v[i + 1] - v[i] : v[n - 1] - v[n - 2];
    *lo = v[i] - left / 2;
    *hi = v[i] + right / 2;
}

/* Grid data in gnuplot's scan format (blank line between rows of constant
 * y): "x y z xlo xhi ylo yhi". The contours read x y z; the heat map draws
 * each cell as a box at its own coordinates, so a missing cell (NaN) is a
 * blank box and never shifts its neighbours (gnuplot's `with image` drops
 * missing points and misregisters the rest). */
static void grid_data(const dnc_plot_grid *g, dnc_strbuf *b)
{
    for (size_t iy = 0; iy < g->ny; iy++) {
        double ylo, yhi;
        cell_edges(g->y, g->ny, iy, &ylo, &yhi);
        for (size_t ix = 0; ix < g->nx; ix++) {
            double xlo, xhi, z = g->z[iy * g->nx + ix];
            cell_edges(g->x, g->nx, ix, &xlo, &xhi);
            dnc_sb_printf(b, "%.17g %.17g ", g->x[ix], g->y[iy]);
            if (isfinite(z))
                dnc_sb_printf(b, "%.17g", z);
            else
                dnc_sb_puts(b, "NaN");
            dnc_sb_printf(b, " %.17g %.17g %.17g %.17g\n", xlo, xhi, ylo, yhi);
        }
        dnc_sb_puts(b, "\n");
    }
}

static dnc_strbuf *new_data(dnc_script_build *sb)
{
    dnc_strbuf *g = realloc(sb->data, (sb->ndata + 1) * sizeof *g);
    if (!g) {
        sb->failed = true;
        return NULL;
    }
    sb->data = g;
    memset(&g[sb->ndata], 0, sizeof g[0]);
    dnc_sb_puts(&g[sb->ndata], "");
    return &g[sb->ndata++];
}

/* The label of contour level k, on the line itself: at the first point
 * from a fraction (k+1)/(nlevels+1) of the way through its table (so that
 * the labels of different levels do not stack), else at its first point;
 * none when the level has no line in the panel. */
static void emit_contour_label(dnc_strbuf *b, const dnc_plot_grid *g, size_t k)
{
    char text[128];
    snprintf(text, sizeof text, "%s = %g", g->level_name ? g->level_name : "", g->levels[k]);
    dnc_sb_printf(b,
                  "n = |$cont%zu|\ni = int(n * %zu / %zu) + 1\n"
                  "while (i <= n && (words($cont%zu[i]) < 2 || strstrt($cont%zu[i], '#') > 0)) "
                  "{ i = i + 1 }\n"
                  "if (i > n) { i = 1; while (i <= n && (words($cont%zu[i]) < 2 || "
                  "strstrt($cont%zu[i], '#') > 0)) { i = i + 1 } }\n"
                  "if (i <= n) { set label %zu ",
                  k, k + 1, g->nlevels + 1, k, k, k, k, (size_t)10 + k);
    dnc_sb_quoted(b, text);
    dnc_sb_printf(b, " at word($cont%zu[i], 1) + 0, word($cont%zu[i], 2) + 0 center boxed front "
                     "font ',11' tc rgb '#222222' }\n",
                  k, k);
}

static void emit_grid(dnc_script_build *sb, const dnc_plot_panel *p, const char *datadir,
                      size_t *grid_file)
{
    dnc_strbuf *gd = new_data(sb);
    if (!gd)
        return;
    grid_data(p->grid, gd);
    *grid_file = sb->ndata - 1;
    dnc_strbuf *b = &sb->script;
    const dnc_plot_grid *g = p->grid;
    /* Contours: one table per level so each level gets its own legend entry. */
    for (size_t k = 0; k < g->nlevels; k++) {
        if (!isfinite(g->levels[k]))
            continue;
        dnc_sb_printf(b, "set contour base\nunset surface\nset cntrparam levels discrete %.17g\n",
                  g->levels[k]);
        dnc_sb_printf(b, "set table $cont%zu\nsplot ", k);
        sb_datafile(b, datadir, *grid_file);
        dnc_sb_puts(b, " using 1:2:3 with lines notitle\nunset table\nunset contour\nset surface\n");
        emit_contour_label(b, g, k);
    }
    if (g->zlabel) {
        dnc_sb_puts(b, "set cblabel ");
        dnc_sb_quoted(b, g->zlabel);
        dnc_sb_puts(b, " offset -1.2,0\n");
    }
    dnc_sb_puts(b, "set colorbox\nset autoscale xfix\nset autoscale yfix\nunset grid\n");
    if (g->logz)
        dnc_sb_puts(b, "set logscale cb\n");
    double lo = INFINITY, hi = -INFINITY;
    for (size_t i = 0; i < g->nx * g->ny; i++)
        if (isfinite(g->z[i]) && (!g->logz || g->z[i] > 0)) {
            lo = fmin(lo, g->z[i]);
            hi = fmax(hi, g->z[i]);
        }
    if (isfinite(g->center) && isfinite(lo) && (!g->logz || g->center > 0)) {
        /* diverging: blue below the centre (ordered), red above (chaotic) */
        dnc_sb_puts(b, "set palette defined (0 '#2166ac', 0.25 '#67a9cf', 0.5 '#f7f7f7', "
                   "0.75 '#ef8a62', 1 '#b2182b')\n");
        double m = g->logz ? fmax(hi / g->center, g->center / lo)
                           : fmax(hi - g->center, g->center - lo);
        if (m > 0 && isfinite(m))
            dnc_sb_printf(b, "set cbrange [%.17g:%.17g]\n", g->logz ? g->center / m : g->center - m,
                      g->logz ? g->center * m : g->center + m);
    } else {
        dnc_sb_puts(b, "set palette defined (0 '#440154', 0.25 '#3b528b', 0.5 '#21918c', "
                   "0.75 '#5ec962', 1 '#fde725')\n");
    }
}

/* Bounds of everything drawable in the panel (series and heat map). */
static bool panel_bounds(const dnc_plot_panel *p, double *x0, double *x1, double *y0, double *y1)
{
    *x0 = *y0 = INFINITY;
    *x1 = *y1 = -INFINITY;
    for (size_t i = 0; i < p->nseries; i++) {
        const dnc_plot_series *s = &p->series[i];
        for (size_t k = 0; k < s->n; k++) {
            if (!plottable(s->x[k], p->logx) || !plottable(s->y[k], p->logy))
                continue;
            *x0 = fmin(*x0, s->x[k]);
            *x1 = fmax(*x1, s->x[k]);
            *y0 = fmin(*y0, s->y[k]);
            *y1 = fmax(*y1, s->y[k]);
        }
    }
    if (p->grid) {
        const dnc_plot_grid *g = p->grid;
        for (size_t k = 0; k < g->nx; k++)
            if (plottable(g->x[k], p->logx)) {
                *x0 = fmin(*x0, g->x[k]);
                *x1 = fmax(*x1, g->x[k]);
            }
        for (size_t k = 0; k < g->ny; k++)
            if (plottable(g->y[k], p->logy)) {
                *y0 = fmin(*y0, g->y[k]);
                *y1 = fmax(*y1, g->y[k]);
            }
    }
    return *x0 <= *x1 && *y0 <= *y1;
}

/* Reference lines are drawn as short data series spanning the data (an
 * arrow in plot coordinates would be drawn even outside the frame), so
 * the axis range always includes them. Returns the number drawn. */
static size_t emit_refs(dnc_script_build *sb, const dnc_plot_panel *p, const char *datadir,
                        bool *first)
{
    dnc_strbuf *b = &sb->script;
    double x0, x1, y0, y1;
    if (!p->nrefs || !panel_bounds(p, &x0, &x1, &y0, &y1))
        return 0;
    size_t drawn = 0;
    for (size_t i = 0; i < p->nrefs; i++) {
        const dnc_plot_refline *r = &p->refs[i];
        if (!plottable(r->at, r->vertical ? p->logx : p->logy))
            continue;
        dnc_strbuf *d = new_data(sb);
        if (!d)
            return drawn;
        if (r->vertical)
            dnc_sb_printf(d, "%.17g %.17g\n%.17g %.17g\n", r->at, y0, r->at, y1);
        else
            dnc_sb_printf(d, "%.17g %.17g\n%.17g %.17g\n", x0, r->at, x1, r->at);
        dnc_sb_puts(b, *first ? "plot " : ", \\\n     ");
        *first = false;
        sb_datafile(b, datadir, sb->ndata - 1);
        dnc_sb_puts(b, " using 1:2 with lines dt 3 lw 2 lc rgb '#555555' notitle");
        if (r->label) {
            dnc_sb_puts(b, ", ");
            sb_datafile(b, datadir, sb->ndata - 1);
            dnc_sb_printf(b, " every ::%d::%d using 1:2:(", r->vertical ? 0 : 1, r->vertical ? 0 : 1);
            dnc_sb_quoted(b, r->label);
            dnc_sb_puts(b, r->vertical ? ") with labels rotate by 90 left offset -0.7,0.5 "
                                     "tc rgb '#555555' font ',12' notitle"
                                   : ") with labels right offset 0,0.7 tc rgb '#555555' "
                                     "font ',12' notitle");
        }
        drawn++;
    }
    return drawn;
}

static void emit_xtics(dnc_strbuf *b, const dnc_plot_panel *p)
{
    if (!p->nxticlabels)
        return;
    dnc_sb_puts(b, "set xtics (");
    for (size_t i = 0; i < p->nxticlabels; i++) {
        dnc_sb_puts(b, i ? ", " : "");
        dnc_sb_quoted(b, p->xticlabels[i]);
        dnc_sb_printf(b, " %zu", i);
    }
    dnc_sb_printf(b, ") rotate by -30 left\nunset mxtics\nset xrange [-0.5:%zu.5]\n",
              p->nxticlabels - 1);
}

/* The legend goes below the frame, never on the data, the notes or the
 * reference-line labels; of a recipe's key (p->key) only the layout words
 * (horizontal, vertical, maxrows N, maxcols N) are kept, not the place. */
static void emit_key(dnc_strbuf *b, const dnc_plot_panel *p)
{
    dnc_sb_puts(b, "set key below center noopaque nobox height 0.6");
    bool layout = false;
    const char *k = p->key ? p->key : "";
    while (*k) {
        size_t n = strcspn(k, " ");
        bool number = n > 0 && strspn(k, "0123456789") == n;
        bool word = (n == 10 && !strncmp(k, "horizontal", n)) ||
                    (n == 8 && !strncmp(k, "vertical", n)) ||
                    (n == 7 && (!strncmp(k, "maxrows", n) || !strncmp(k, "maxcols", n)));
        if (word || (number && layout)) {
            dnc_sb_puts(b, " ");
            dnc_sb_append(b, k, n);
        }
        layout = word && k[n - 1] == 's'; /* maxrows/maxcols take a number */
        k += n + (k[n] == ' ');
    }
    dnc_sb_puts(b, "\n");
}

/* The bottom of the y axis: a quantity that is never negative starts at 0
 * (the margin below the lowest point would take the axis below zero);
 * otherwise a small margin above and below the data; room above the data
 * for a note. */
static void emit_y_margin(dnc_strbuf *b, const dnc_plot_panel *p)
{
    if (p->grid || p->logy || !isnan(p->ymin) || !isnan(p->ymax))
        return;
    double x0, x1, y0, y1;
    bool nonneg = panel_bounds(p, &x0, &x1, &y0, &y1) && y0 >= 0;
    double top = p->note ? NOTE_MARGIN : MARGIN;
    if (nonneg && y0 - MARGIN * (y1 - y0) < 0)
        dnc_sb_printf(b, "set yrange [0:*]\nset offsets graph 0, graph 0, graph %g, 0\n", top);
    else
        dnc_sb_printf(b, "set offsets graph 0, graph 0, graph %g, graph %g\n", top, MARGIN);
}

static void emit_panel(dnc_script_build *sb, const dnc_plot_panel *p, const char *datadir,
                       const char *place, const char *title)
{
    dnc_strbuf *b = &sb->script;
    dnc_sb_puts(b, "reset\n");
    if (place)
        dnc_sb_puts(b, place);
    dnc_sb_puts(b, "set encoding utf8\nset border lw 1.5\nset tics out nomirror\n"
               "set mxtics\nset mytics\nset grid xtics ytics lc rgb '#dddddd' lw 1\n"
               "set key opaque box lc rgb '#bbbbbb' samplen 2.5 spacing 1.1\n"
               "set style textbox opaque fc rgb '#ffffff' noborder\n"
               "set datafile missing 'NaN'\n");
    for (int i = 0; i < NPALETTE; i++)
        dnc_sb_printf(b, "set linetype %d lc rgb '%s' lw 2\n", i + 1, palette[i]);
    dnc_sb_printf(b, "set linetype cycle %d\n", NPALETTE);
    emit_key(b, p);
    if (title) {
        dnc_sb_puts(b, "set title ");
        dnc_sb_quoted(b, title);
        dnc_sb_puts(b, "\n");
    }
    if (p->xlabel) {
        dnc_sb_puts(b, "set xlabel ");
        dnc_sb_quoted(b, p->xlabel);
        dnc_sb_puts(b, "\n");
    }
    if (p->ylabel) {
        dnc_sb_puts(b, "set ylabel ");
        dnc_sb_quoted(b, p->ylabel);
        dnc_sb_puts(b, "\n");
    }
    if (p->note) {
        dnc_sb_puts(b, "set label 1 ");
        dnc_sb_quoted(b, p->note);
        dnc_sb_puts(b, " at graph 0.03, graph 0.95 left front\n");
    }
    bool any_title = false;
    for (size_t i = 0; i < p->nseries; i++)
        any_title |= p->series[i].label && p->series[i].label[0];
    if (!any_title)
        dnc_sb_puts(b, "unset key\n");
    size_t grid_file = 0;
    if (p->grid)
        emit_grid(sb, p, datadir, &grid_file);
    if (p->logx)
        dnc_sb_puts(b, "set logscale x\nset format x '10^{%L}'\n");
    if (p->logy)
        dnc_sb_puts(b, "set logscale y\nset format y '10^{%L}'\n");
    sb_range(b, "x", p->xmin, p->xmax);
    sb_range(b, "y", p->ymin, p->ymax);
    emit_xtics(b, p);
    emit_y_margin(b, p);

    bool first = true;
    size_t npoints = 0;
    if (p->grid) {
        dnc_sb_puts(b, "plot ");
        sb_datafile(b, datadir, grid_file);
        dnc_sb_puts(b, " using 1:2:4:5:6:7:3 with boxxyerror fs solid 1.0 noborder lc palette "
                       "notitle");
        first = false;
        npoints++;
        for (size_t k = 0; k < p->grid->nlevels; k++)
            if (isfinite(p->grid->levels[k]))
                dnc_sb_printf(b, ", $cont%zu using 1:2 with lines lw 1.5 dt 2 lc rgb '#222222' "
                                 "notitle",
                              k);
    }
    int auto_color = 0;
    for (size_t i = 0; i < p->nseries; i++) {
        const dnc_plot_series *s = &p->series[i];
        dnc_strbuf *d = new_data(sb);
        if (!d)
            return;
        size_t kept = series_data(s, p, d);
        if (kept == 0)
            continue;
        npoints += kept;
        int color = s->color > 0 ? (s->color - 1) % NPALETTE + 1 : auto_color++ % NPALETTE + 1;
        dnc_sb_puts(b, first ? "plot " : ", \\\n     ");
        first = false;
        sb_datafile(b, datadir, sb->ndata - 1);
        emit_style(b, s, color);
        if (s->label) {
            dnc_sb_puts(b, " title ");
            dnc_sb_quoted(b, s->label);
        } else {
            dnc_sb_puts(b, " notitle");
        }
    }
    if (npoints > 0)
        emit_refs(sb, p, datadir, &first);
    if (npoints == 0) {
        /* Nothing drawable (empty, non-finite or non-positive on a log
         * axis): an empty frame that says so, instead of a gnuplot error. */
        dnc_sb_puts(b, "unset logscale\nset xrange [0:1]\nset yrange [0:1]\nset format x '%g'\n"
                   "set format y '%g'\nset label 2 'no data to plot' at 0.5, 0.5 center\n"
                   "plot NaN notitle");
    }
    dnc_sb_puts(b, "\n");
}

static void emit_terminal(dnc_strbuf *b, const dnc_figure *fig, dnc_plot_format fmt)
{
    int w, h;
    dnc_figure_size(fig, &w, &h);
    switch (fmt) {
    case DNC_PLOT_SVG:
        dnc_sb_printf(b, "set terminal svg size %d,%d fixed enhanced font 'DejaVu Sans,15' "
                     "background '#ffffff'\n", w, h);
        break;
    case DNC_PLOT_PDF:
        dnc_sb_printf(b, "set terminal pdfcairo size %gin,%gin enhanced font 'DejaVu Sans,13'\n",
                  w / 100.0, h / 100.0);
        break;
    default:
        dnc_sb_printf(b, "set terminal pngcairo size %d,%d enhanced font 'DejaVu Sans,15' "
                     "background '#ffffff'\n", w, h);
    }
}

static void emit_figure(dnc_script_build *sb, const dnc_figure *fig, dnc_plot_format fmt,
                        const char *datadir)
{
    dnc_strbuf *b = &sb->script;
    int w, h;
    dnc_figure_size(fig, &w, &h);
    dnc_sb_puts(b, "# dnncrit figure script (gnuplot 5)\nset encoding utf8\n");
    emit_terminal(b, fig, fmt);
    dnc_sb_puts(b, "set output\n"); /* stdout: the caller's temporary file */
    size_t n = fig->npanels;
    if (n == 0) {
        dnc_sb_puts(b, "set label 2 'empty figure' at 0.5, 0.5 center\nset xrange [0:1]\n"
                   "set yrange [0:1]\nplot NaN notitle\n");
        return;
    }
    if (n == 1) {
        const dnc_plot_panel *p = fig->panels[0];
        emit_panel(sb, p, datadir, NULL, p->title ? p->title : fig->title);
        return;
    }
    size_t cols = layout_cols(fig);
    if (cols > n)
        cols = n;
    size_t rows = (n + cols - 1) / cols;
    double top = fig->title ? 1.0 - (double)TITLE_H / h : 1.0;
    dnc_sb_puts(b, "set multiplot");
    if (fig->title) {
        dnc_sb_puts(b, " title ");
        dnc_sb_quoted(b, fig->title);
        dnc_sb_puts(b, " font ',17'");
    }
    dnc_sb_puts(b, "\n");
    /* Each panel is placed explicitly so that a heat map's colour bar
     * cannot squeeze its neighbours. */
    double pw = 1.0 / (double)cols, ph = top / (double)rows;
    for (size_t i = 0; i < n; i++) {
        size_t r = i / cols, c = i % cols;
        char place[160];
        snprintf(place, sizeof place, "set origin %.4f,%.4f\nset size %.4f,%.4f\n",
                 (double)c * pw, top - (double)(r + 1) * ph, pw, ph);
        emit_panel(sb, fig->panels[i], datadir, place, fig->panels[i]->title);
    }
    dnc_sb_puts(b, "unset multiplot\n");
}

void dnc_plot_build_free(dnc_script_build *sb)
{
    free(sb->script.s);
    for (size_t i = 0; i < sb->ndata; i++)
        free(sb->data[i].s);
    free(sb->data);
}

dnc_status dnc_plot_build_script(const dnc_figure *fig, dnc_plot_format fmt, const char *datadir,
                               dnc_script_build *sb)
{
    memset(sb, 0, sizeof *sb);
    dnc_sb_puts(&sb->script, "");
    emit_figure(sb, fig, fmt, datadir);
    bool failed = sb->failed || sb->script.failed;
    for (size_t i = 0; i < sb->ndata; i++)
        failed |= sb->data[i].failed;
    if (failed) {
        dnc_plot_build_free(sb);
        return dnc_fail(DNC_ENOMEM, "out of memory building the gnuplot script");
    }
    return DNC_OK;
}

char *dnc_figure_script(const dnc_figure *fig, dnc_plot_format fmt, const char *datadir)
{
    dnc_script_build sb;
    if (dnc_plot_build_script(fig, fmt, datadir, &sb))
        return NULL;
    char *s = sb.script.s;
    sb.script.s = NULL;
    dnc_plot_build_free(&sb);
    return s;
}

