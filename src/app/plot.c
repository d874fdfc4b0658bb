/* Figure model and the gnuplot back end (see dnncrit/plot.h). */
#include "dnncrit/plot.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "dnncrit/io.h"

/* ------------------------------------------------------------ strings */

static char *str_dup(const char *s)
{
    if (!s)
        return NULL;
    size_t n = strlen(s) + 1;
    char *d = malloc(n);
    if (d)
        memcpy(d, s, n);
    return d;
}

/* A growing string; on allocation failure `failed` is set and appends stop. */
typedef struct {
    char *s;
    size_t len, cap;
    bool failed;
} strbuf;

static void sb_append(strbuf *b, const char *text, size_t n)
{
    if (b->failed)
        return;
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 1024;
        while (cap < b->len + n + 1)
            cap *= 2;
        char *g = realloc(b->s, cap);
        if (!g) {
            b->failed = true;
            return;
        }
        b->s = g;
        b->cap = cap;
    }
    memcpy(b->s + b->len, text, n);
    b->len += n;
    b->s[b->len] = '\0';
}

static void sb_puts(strbuf *b, const char *text) { sb_append(b, text, strlen(text)); }

__attribute__((format(printf, 2, 3))) static void sb_printf(strbuf *b, const char *fmt, ...)
{
    char small[512];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(small, sizeof small, fmt, ap);
    va_end(ap);
    if (n < 0) {
        b->failed = true;
        return;
    }
    if ((size_t)n < sizeof small) {
        sb_append(b, small, (size_t)n);
        return;
    }
    char *big = malloc((size_t)n + 1);
    if (!big) {
        b->failed = true;
        return;
    }
    va_start(ap, fmt);
    vsnprintf(big, (size_t)n + 1, fmt, ap);
    va_end(ap);
    sb_append(b, big, (size_t)n);
    free(big);
}

/* A gnuplot single-quoted string. gnuplot's tokenizer does not reliably
 * undo doubled quotes (as in 'a''''b'), so a quote never reaches the
 * script: in text it becomes the typographic apostrophe U+2019, and paths
 * containing one are refused before (make_tmpdir). Control characters (a
 * newline would end the command) are dropped. */
static void sb_quoted(strbuf *b, const char *text)
{
    sb_puts(b, "'");
    for (const char *p = text ? text : ""; *p; p++) {
        if (*p == '\'')
            sb_puts(b, "\u2019");
        else if ((unsigned char)*p >= 0x20 && *p != 0x7f)
            sb_append(b, p, 1);
    }
    sb_puts(b, "'");
}

char *dnc_plot_escape(const char *text)
{
    strbuf b = {0};
    sb_puts(&b, "");
    for (const char *p = text ? text : ""; *p; p++) {
        if (strchr("^_@&~{}\\", *p))
            sb_append(&b, "\\", 1);
        if ((unsigned char)*p >= 0x20 && *p != 0x7f)
            sb_append(&b, p, 1);
    }
    if (b.failed) {
        free(b.s);
        return NULL;
    }
    return b.s;
}

/* --------------------------------------------------------- the model */

dnc_figure *dnc_figure_new(const char *title)
{
    dnc_figure *f = calloc(1, sizeof *f);
    if (!f)
        return NULL;
    if (title && !(f->title = str_dup(title))) {
        free(f);
        return NULL;
    }
    return f;
}

static void grid_free(dnc_plot_grid *g)
{
    if (!g)
        return;
    free(g->x);
    free(g->y);
    free(g->z);
    free(g->zlabel);
    free(g->levels);
    free(g->level_name);
    free(g);
}

static void panel_free(dnc_plot_panel *p)
{
    if (!p)
        return;
    for (size_t i = 0; i < p->nseries; i++) {
        dnc_plot_series *s = &p->series[i];
        free(s->label);
        free(s->x);
        free(s->y);
        free(s->err);
    }
    free(p->series);
    grid_free(p->grid);
    free(p->title);
    free(p->xlabel);
    free(p->ylabel);
    free(p->note);
    free(p->key);
    for (size_t i = 0; i < p->nrefs; i++)
        free(p->refs[i].label);
    free(p->refs);
    for (size_t i = 0; i < p->nxticlabels; i++)
        free(p->xticlabels[i]);
    free(p->xticlabels);
    free(p);
}

void dnc_figure_free(dnc_figure *fig)
{
    if (!fig)
        return;
    for (size_t i = 0; i < fig->npanels; i++)
        panel_free(fig->panels[i]);
    free(fig->panels);
    free(fig->title);
    free(fig);
}

dnc_plot_panel *dnc_figure_add_panel(dnc_figure *fig, const char *title, const char *xlabel,
                                     const char *ylabel)
{
    dnc_plot_panel **grown = realloc(fig->panels, (fig->npanels + 1) * sizeof *grown);
    if (!grown)
        return NULL;
    fig->panels = grown;
    dnc_plot_panel *p = calloc(1, sizeof *p);
    if (!p)
        return NULL;
    p->xmin = p->xmax = p->ymin = p->ymax = NAN;
    p->title = str_dup(title);
    p->xlabel = str_dup(xlabel);
    p->ylabel = str_dup(ylabel);
    if ((title && !p->title) || (xlabel && !p->xlabel) || (ylabel && !p->ylabel)) {
        panel_free(p);
        return NULL;
    }
    fig->panels[fig->npanels++] = p;
    return p;
}

static double *copy_doubles(const double *v, size_t n)
{
    double *d = malloc((n ? n : 1) * sizeof *d);
    if (d && n)
        memcpy(d, v, n * sizeof *d);
    return d;
}

dnc_status dnc_panel_add_series_color(dnc_plot_panel *p, const char *label, dnc_plot_style style,
                                      const double *x, const double *y, const double *err,
                                      size_t n, int color)
{
    if (style == DNC_STYLE_ERRORBARS && !err)
        style = DNC_STYLE_POINTS;
    dnc_plot_series *grown = realloc(p->series, (p->nseries + 1) * sizeof *grown);
    if (!grown)
        return dnc_fail(DNC_ENOMEM, "out of memory adding a plot series");
    p->series = grown;
    dnc_plot_series s = {.style = style, .n = n, .color = color};
    s.label = str_dup(label);
    s.x = copy_doubles(x, n);
    s.y = copy_doubles(y, n);
    s.err = err ? copy_doubles(err, n) : NULL;
    if ((label && !s.label) || !s.x || !s.y || (err && !s.err)) {
        free(s.label);
        free(s.x);
        free(s.y);
        free(s.err);
        return dnc_fail(DNC_ENOMEM, "out of memory adding a plot series");
    }
    p->series[p->nseries++] = s;
    return DNC_OK;
}

dnc_status dnc_panel_add_series(dnc_plot_panel *p, const char *label, dnc_plot_style style,
                                const double *x, const double *y, const double *err, size_t n)
{
    return dnc_panel_add_series_color(p, label, style, x, y, err, n, 0);
}

dnc_status dnc_panel_set_grid(dnc_plot_panel *p, const double *x, size_t nx, const double *y,
                              size_t ny, const double *z, const char *zlabel,
                              const double *levels, size_t nlevels, const char *level_name)
{
    if (nx < 2 || ny < 2)
        return dnc_fail(DNC_EINVAL, "a heat map needs at least 2 x 2 grid points, got %zu x %zu",
                        nx, ny);
    if (nx > SIZE_MAX / ny)
        return dnc_fail(DNC_EINVAL, "heat map grid %zu x %zu too large", nx, ny);
    dnc_plot_grid *g = calloc(1, sizeof *g);
    if (!g)
        return dnc_fail(DNC_ENOMEM, "out of memory for a heat map");
    g->nx = nx;
    g->ny = ny;
    g->x = copy_doubles(x, nx);
    g->y = copy_doubles(y, ny);
    g->z = copy_doubles(z, nx * ny);
    g->zlabel = str_dup(zlabel);
    g->nlevels = nlevels;
    g->levels = nlevels ? copy_doubles(levels, nlevels) : NULL;
    g->level_name = str_dup(level_name);
    g->center = NAN;
    if (!g->x || !g->y || !g->z || (zlabel && !g->zlabel) || (nlevels && !g->levels) ||
        (level_name && !g->level_name)) {
        grid_free(g);
        return dnc_fail(DNC_ENOMEM, "out of memory for a heat map");
    }
    grid_free(p->grid);
    p->grid = g;
    return DNC_OK;
}

dnc_status dnc_panel_set_note(dnc_plot_panel *p, const char *note)
{
    char *n = str_dup(note);
    if (note && !n)
        return dnc_fail(DNC_ENOMEM, "out of memory");
    free(p->note);
    p->note = n;
    return DNC_OK;
}

dnc_status dnc_panel_add_refline(dnc_plot_panel *p, bool vertical, double at, const char *label)
{
    dnc_plot_refline *g = realloc(p->refs, (p->nrefs + 1) * sizeof *g);
    if (!g)
        return dnc_fail(DNC_ENOMEM, "out of memory");
    p->refs = g;
    char *l = str_dup(label);
    if (label && !l)
        return dnc_fail(DNC_ENOMEM, "out of memory");
    p->refs[p->nrefs++] = (dnc_plot_refline){.vertical = vertical, .at = at, .label = l};
    return DNC_OK;
}

dnc_status dnc_panel_set_xticlabels(dnc_plot_panel *p, const char *const *labels, size_t n)
{
    char **l = calloc(n ? n : 1, sizeof *l);
    if (!l)
        return dnc_fail(DNC_ENOMEM, "out of memory");
    for (size_t i = 0; i < n; i++)
        if (!(l[i] = str_dup(labels[i] ? labels[i] : ""))) {
            for (size_t k = 0; k < i; k++)
                free(l[k]);
            free(l);
            return dnc_fail(DNC_ENOMEM, "out of memory");
        }
    for (size_t i = 0; i < p->nxticlabels; i++)
        free(p->xticlabels[i]);
    free(p->xticlabels);
    p->xticlabels = l;
    p->nxticlabels = n;
    return DNC_OK;
}

/* ------------------------------------------------------------ formats */

dnc_status dnc_plot_format_parse(const char *s, dnc_plot_format *fmt)
{
    static const char *names[] = {"png", "svg", "pdf"};
    for (int i = 0; s && i < 3; i++) {
        bool same = strlen(s) == 3;
        for (int k = 0; same && k < 3; k++)
            same = tolower((unsigned char)s[k]) == names[i][k];
        if (same) {
            *fmt = (dnc_plot_format)i;
            return DNC_OK;
        }
    }
    return dnc_fail(DNC_EINVAL, "unknown figure format '%s' (png, svg or pdf)", s ? s : "");
}

const char *dnc_plot_format_ext(dnc_plot_format fmt)
{
    switch (fmt) {
    case DNC_PLOT_SVG: return "svg";
    case DNC_PLOT_PDF: return "pdf";
    default: return "png";
    }
}

dnc_status dnc_plot_format_from_path(const char *path, dnc_plot_format *fmt)
{
    const char *dot = path ? strrchr(path, '.') : NULL;
    if (!dot || strchr(dot, '/'))
        return dnc_fail(DNC_EINVAL, "'%s' has no .png, .svg or .pdf extension", path ? path : "");
    return dnc_plot_format_parse(dot + 1, fmt);
}

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
static size_t series_data(const dnc_plot_series *s, const dnc_plot_panel *p, strbuf *b)
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
            sb_printf(b, "%.17g %.17g %.17g %.17g\n", x, y, lo, hi);
        } else {
            sb_printf(b, "%.17g %.17g\n", x, y);
        }
        kept++;
    }
    return kept;
}

static const char *style_spec(dnc_plot_style st)
{
    switch (st) {
    case DNC_STYLE_POINTS: return "with points pt 7 ps 0.8";
    case DNC_STYLE_LINESPOINTS: return "with linespoints pt 7 ps 0.7 lw 2";
    case DNC_STYLE_ERRORBARS: return "using 1:2:3:4 with yerrorbars pt 7 ps 0.7 lw 1.5";
    case DNC_STYLE_STEPS: return "with steps lw 2";
    case DNC_STYLE_DASHED: return "with lines lw 2.5 dt 2";
    default: return "with lines lw 2.5";
    }
}

static bool write_file(const char *path, const char *text, size_t len)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0600);
    if (fd < 0)
        return false;
    size_t done = 0;
    while (done < len) {
        ssize_t w = write(fd, text + done, len - done);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            break;
        done += (size_t)w;
    }
    return close(fd) == 0 && done == len;
}

static void sb_range(strbuf *b, const char *axis, double lo, double hi)
{
    if (isnan(lo) && isnan(hi))
        return;
    sb_printf(b, "set %srange [", axis);
    if (!isnan(lo))
        sb_printf(b, "%.17g", lo);
    sb_puts(b, ":");
    if (!isnan(hi))
        sb_printf(b, "%.17g", hi);
    sb_puts(b, "]\n");
}

static void sb_datafile(strbuf *b, const char *datadir, size_t id)
{
    char name[48];
    snprintf(name, sizeof name, "/d%zu.dat", id);
    strbuf path = {0};
    sb_puts(&path, datadir);
    sb_puts(&path, name);
    if (path.failed)
        b->failed = true;
    else
        sb_quoted(b, path.s);
    free(path.s);
}

/* Grid data in gnuplot's scan format (blank line between rows of constant y). */
static void grid_data(const dnc_plot_grid *g, strbuf *b)
{
    for (size_t iy = 0; iy < g->ny; iy++) {
        for (size_t ix = 0; ix < g->nx; ix++) {
            double z = g->z[iy * g->nx + ix];
            if (isfinite(z))
                sb_printf(b, "%.17g %.17g %.17g\n", g->x[ix], g->y[iy], z);
            else
                sb_printf(b, "%.17g %.17g NaN\n", g->x[ix], g->y[iy]);
        }
        sb_puts(b, "\n");
    }
}

typedef struct {
    strbuf script;
    strbuf *data; /* one per data file */
    size_t ndata;
    bool failed;
} script_build;

static strbuf *new_data(script_build *sb)
{
    strbuf *g = realloc(sb->data, (sb->ndata + 1) * sizeof *g);
    if (!g) {
        sb->failed = true;
        return NULL;
    }
    sb->data = g;
    memset(&g[sb->ndata], 0, sizeof g[0]);
    sb_puts(&g[sb->ndata], "");
    return &g[sb->ndata++];
}

static void emit_grid(script_build *sb, const dnc_plot_panel *p, const char *datadir,
                      size_t *grid_file)
{
    strbuf *gd = new_data(sb);
    if (!gd)
        return;
    grid_data(p->grid, gd);
    *grid_file = sb->ndata - 1;
    strbuf *b = &sb->script;
    const dnc_plot_grid *g = p->grid;
    /* Contours: one table per level so each level gets its own legend entry. */
    for (size_t k = 0; k < g->nlevels; k++) {
        if (!isfinite(g->levels[k]))
            continue;
        sb_printf(b, "set contour base\nunset surface\nset cntrparam levels discrete %.17g\n",
                  g->levels[k]);
        sb_printf(b, "set table $cont%zu\nsplot ", k);
        sb_datafile(b, datadir, *grid_file);
        sb_puts(b, " using 1:2:3 with lines notitle\nunset table\nunset contour\nset surface\n");
    }
    if (g->zlabel) {
        sb_puts(b, "set cblabel ");
        sb_quoted(b, g->zlabel);
        sb_puts(b, " offset -1.2,0\n");
    }
    sb_puts(b, "set colorbox\nset autoscale xfix\nset autoscale yfix\nunset grid\n");
    if (g->logz)
        sb_puts(b, "set logscale cb\n");
    double lo = INFINITY, hi = -INFINITY;
    for (size_t i = 0; i < g->nx * g->ny; i++)
        if (isfinite(g->z[i]) && (!g->logz || g->z[i] > 0)) {
            lo = fmin(lo, g->z[i]);
            hi = fmax(hi, g->z[i]);
        }
    if (isfinite(g->center) && isfinite(lo) && (!g->logz || g->center > 0)) {
        /* diverging: blue below the centre (ordered), red above (chaotic) */
        sb_puts(b, "set palette defined (0 '#2166ac', 0.25 '#67a9cf', 0.5 '#f7f7f7', "
                   "0.75 '#ef8a62', 1 '#b2182b')\n");
        double m = g->logz ? fmax(hi / g->center, g->center / lo)
                           : fmax(hi - g->center, g->center - lo);
        if (m > 0 && isfinite(m))
            sb_printf(b, "set cbrange [%.17g:%.17g]\n", g->logz ? g->center / m : g->center - m,
                      g->logz ? g->center * m : g->center + m);
    } else {
        sb_puts(b, "set palette defined (0 '#440154', 0.25 '#3b528b', 0.5 '#21918c', "
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
static size_t emit_refs(script_build *sb, const dnc_plot_panel *p, const char *datadir,
                        bool *first)
{
    strbuf *b = &sb->script;
    double x0, x1, y0, y1;
    if (!p->nrefs || !panel_bounds(p, &x0, &x1, &y0, &y1))
        return 0;
    size_t drawn = 0;
    for (size_t i = 0; i < p->nrefs; i++) {
        const dnc_plot_refline *r = &p->refs[i];
        if (!plottable(r->at, r->vertical ? p->logx : p->logy))
            continue;
        strbuf *d = new_data(sb);
        if (!d)
            return drawn;
        if (r->vertical)
            sb_printf(d, "%.17g %.17g\n%.17g %.17g\n", r->at, y0, r->at, y1);
        else
            sb_printf(d, "%.17g %.17g\n%.17g %.17g\n", x0, r->at, x1, r->at);
        sb_puts(b, *first ? "plot " : ", \\\n     ");
        *first = false;
        sb_datafile(b, datadir, sb->ndata - 1);
        sb_puts(b, " using 1:2 with lines dt 3 lw 2 lc rgb '#555555' notitle");
        if (r->label) {
            sb_puts(b, ", ");
            sb_datafile(b, datadir, sb->ndata - 1);
            sb_printf(b, " every ::%d::%d using 1:2:(", r->vertical ? 0 : 1, r->vertical ? 0 : 1);
            sb_quoted(b, r->label);
            sb_puts(b, r->vertical ? ") with labels rotate by 90 left offset -0.7,0.5 "
                                     "tc rgb '#555555' font ',12' notitle"
                                   : ") with labels right offset 0,0.7 tc rgb '#555555' "
                                     "font ',12' notitle");
        }
        drawn++;
    }
    return drawn;
}

static void emit_xtics(strbuf *b, const dnc_plot_panel *p)
{
    if (!p->nxticlabels)
        return;
    sb_puts(b, "set xtics (");
    for (size_t i = 0; i < p->nxticlabels; i++) {
        sb_puts(b, i ? ", " : "");
        sb_quoted(b, p->xticlabels[i]);
        sb_printf(b, " %zu", i);
    }
    sb_printf(b, ") rotate by -30 left\nunset mxtics\nset xrange [-0.5:%zu.5]\n",
              p->nxticlabels - 1);
}

static void emit_panel(script_build *sb, const dnc_plot_panel *p, const char *datadir,
                       const char *place, const char *title)
{
    strbuf *b = &sb->script;
    sb_puts(b, "reset\n");
    if (place)
        sb_puts(b, place);
    sb_puts(b, "set encoding utf8\nset border lw 1.5\nset tics out nomirror\n"
               "set mxtics\nset mytics\nset grid xtics ytics lc rgb '#dddddd' lw 1\n"
               "set key opaque box lc rgb '#bbbbbb' samplen 2.5 spacing 1.1\n"
               "set style textbox opaque fc rgb '#ffffff' noborder\n"
               "set datafile missing 'NaN'\n");
    for (int i = 0; i < NPALETTE; i++)
        sb_printf(b, "set linetype %d lc rgb '%s' lw 2\n", i + 1, palette[i]);
    sb_printf(b, "set linetype cycle %d\n", NPALETTE);
    if (p->key) {
        sb_puts(b, "set key ");
        for (const char *k = p->key; *k; k++) /* words and numbers only */
            if (isalnum((unsigned char)*k) || *k == ' ' || *k == '-')
                sb_append(b, k, 1);
        sb_puts(b, "\n");
    }
    if (title) {
        sb_puts(b, "set title ");
        sb_quoted(b, title);
        sb_puts(b, "\n");
    }
    if (p->xlabel) {
        sb_puts(b, "set xlabel ");
        sb_quoted(b, p->xlabel);
        sb_puts(b, "\n");
    }
    if (p->ylabel) {
        sb_puts(b, "set ylabel ");
        sb_quoted(b, p->ylabel);
        sb_puts(b, "\n");
    }
    if (p->note) {
        sb_puts(b, "set label 1 ");
        sb_quoted(b, p->note);
        sb_puts(b, " at graph 0.03, graph 0.95 left front\n");
    }
    bool any_title = false;
    for (size_t i = 0; i < p->nseries; i++)
        any_title |= p->series[i].label && p->series[i].label[0];
    if (!any_title)
        sb_puts(b, "unset key\n");
    size_t grid_file = 0;
    if (p->grid)
        emit_grid(sb, p, datadir, &grid_file);
    if (p->logx)
        sb_puts(b, "set logscale x\nset format x '10^{%L}'\n");
    if (p->logy)
        sb_puts(b, "set logscale y\nset format y '10^{%L}'\n");
    sb_range(b, "x", p->xmin, p->xmax);
    sb_range(b, "y", p->ymin, p->ymax);
    emit_xtics(b, p);
    if (!p->grid && !p->logy && isnan(p->ymin) && isnan(p->ymax))
        sb_puts(b, "set offsets graph 0, graph 0, graph 0.06, graph 0.06\n");

    bool first = true;
    size_t npoints = 0;
    if (p->grid) {
        sb_puts(b, "plot ");
        sb_datafile(b, datadir, grid_file);
        sb_puts(b, " using 1:2:3 with image pixels notitle");
        first = false;
        npoints++;
        /* contour lines, labelled on the line itself */
        for (size_t k = 0; k < p->grid->nlevels; k++) {
            if (!isfinite(p->grid->levels[k]))
                continue;
            char lvl[128];
            snprintf(lvl, sizeof lvl, "%s = %g",
                     p->grid->level_name ? p->grid->level_name : "", p->grid->levels[k]);
            sb_printf(b, ", $cont%zu using 1:2 with lines lw 1.5 dt 2 lc rgb '#222222' notitle",
                      k);
            sb_printf(b, ", $cont%zu every %zu::%zu using 1:2:(", k, (size_t)1000000,
                      (size_t)(3 + 4 * k));
            sb_quoted(b, lvl);
            sb_puts(b, ") with labels boxed font ',11' tc rgb '#222222' notitle");
        }
    }
    int auto_color = 0;
    for (size_t i = 0; i < p->nseries; i++) {
        const dnc_plot_series *s = &p->series[i];
        strbuf *d = new_data(sb);
        if (!d)
            return;
        size_t kept = series_data(s, p, d);
        if (kept == 0)
            continue;
        npoints += kept;
        int color = s->color > 0 ? (s->color - 1) % NPALETTE + 1 : auto_color++ % NPALETTE + 1;
        sb_puts(b, first ? "plot " : ", \\\n     ");
        first = false;
        sb_datafile(b, datadir, sb->ndata - 1);
        sb_printf(b, " %s lt %d", style_spec(s->style), color);
        if (s->label) {
            sb_puts(b, " title ");
            sb_quoted(b, s->label);
        } else {
            sb_puts(b, " notitle");
        }
    }
    if (npoints > 0)
        emit_refs(sb, p, datadir, &first);
    if (npoints == 0) {
        /* Nothing drawable (empty, non-finite or non-positive on a log
         * axis): an empty frame that says so, instead of a gnuplot error. */
        sb_puts(b, "unset logscale\nset xrange [0:1]\nset yrange [0:1]\nset format x '%g'\n"
                   "set format y '%g'\nset label 2 'no data to plot' at 0.5, 0.5 center\n"
                   "plot NaN notitle");
    }
    sb_puts(b, "\n");
}

static void emit_terminal(strbuf *b, const dnc_figure *fig, dnc_plot_format fmt)
{
    int w, h;
    dnc_figure_size(fig, &w, &h);
    switch (fmt) {
    case DNC_PLOT_SVG:
        sb_printf(b, "set terminal svg size %d,%d fixed enhanced font 'DejaVu Sans,15' "
                     "background '#ffffff'\n", w, h);
        break;
    case DNC_PLOT_PDF:
        sb_printf(b, "set terminal pdfcairo size %gin,%gin enhanced font 'DejaVu Sans,13'\n",
                  w / 100.0, h / 100.0);
        break;
    default:
        sb_printf(b, "set terminal pngcairo size %d,%d enhanced font 'DejaVu Sans,15' "
                     "background '#ffffff'\n", w, h);
    }
}

static void emit_figure(script_build *sb, const dnc_figure *fig, dnc_plot_format fmt,
                        const char *datadir)
{
    strbuf *b = &sb->script;
    int w, h;
    dnc_figure_size(fig, &w, &h);
    sb_puts(b, "# dnncrit figure script (gnuplot 5)\nset encoding utf8\n");
    emit_terminal(b, fig, fmt);
    sb_puts(b, "set output\n"); /* stdout: the caller's temporary file */
    size_t n = fig->npanels;
    if (n == 0) {
        sb_puts(b, "set label 2 'empty figure' at 0.5, 0.5 center\nset xrange [0:1]\n"
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
    sb_puts(b, "set multiplot");
    if (fig->title) {
        sb_puts(b, " title ");
        sb_quoted(b, fig->title);
        sb_puts(b, " font ',17'");
    }
    sb_puts(b, "\n");
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
    sb_puts(b, "unset multiplot\n");
}

static void build_free(script_build *sb)
{
    free(sb->script.s);
    for (size_t i = 0; i < sb->ndata; i++)
        free(sb->data[i].s);
    free(sb->data);
}

static dnc_status build_script(const dnc_figure *fig, dnc_plot_format fmt, const char *datadir,
                               script_build *sb)
{
    memset(sb, 0, sizeof *sb);
    sb_puts(&sb->script, "");
    emit_figure(sb, fig, fmt, datadir);
    bool failed = sb->failed || sb->script.failed;
    for (size_t i = 0; i < sb->ndata; i++)
        failed |= sb->data[i].failed;
    if (failed) {
        build_free(sb);
        return dnc_fail(DNC_ENOMEM, "out of memory building the gnuplot script");
    }
    return DNC_OK;
}

char *dnc_figure_script(const dnc_figure *fig, dnc_plot_format fmt, const char *datadir)
{
    script_build sb;
    if (build_script(fig, fmt, datadir, &sb))
        return NULL;
    char *s = sb.script.s;
    sb.script.s = NULL;
    build_free(&sb);
    return s;
}

/* -------------------------------------------------------- running it */

static bool executable(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISREG(st.st_mode) && access(path, X_OK) == 0;
}

dnc_status dnc_plot_find_gnuplot(char **path)
{
    *path = NULL;
    const char *env = getenv("DNNCRIT_GNUPLOT");
    if (env && *env) {
        if (!executable(env))
            return dnc_fail(DNC_EUNSUPPORTED,
                            "DNNCRIT_GNUPLOT='%s' is not an executable file", env);
        *path = str_dup(env);
        return *path ? DNC_OK : dnc_fail(DNC_ENOMEM, "out of memory");
    }
    const char *pathvar = getenv("PATH");
    if (!pathvar || !*pathvar)
        pathvar = "/usr/bin:/bin";
    const char *p = pathvar;
    while (*p) {
        const char *colon = strchr(p, ':');
        size_t len = colon ? (size_t)(colon - p) : strlen(p);
        if (len > 0 && len < 4000) {
            char cand[4096];
            snprintf(cand, sizeof cand, "%.*s/gnuplot", (int)len, p);
            if (executable(cand)) {
                *path = str_dup(cand);
                return *path ? DNC_OK : dnc_fail(DNC_ENOMEM, "out of memory");
            }
        }
        if (!colon)
            break;
        p = colon + 1;
    }
    return dnc_fail(DNC_EUNSUPPORTED,
                    "gnuplot not found on PATH: figures need it (Debian: apt-get install "
                    "gnuplot-nox), or point DNNCRIT_GNUPLOT at the executable");
}

bool dnc_plot_available(void)
{
    char *p;
    if (dnc_plot_find_gnuplot(&p))
        return false;
    free(p);
    return true;
}

static void remove_tree(const char *dir, size_t ndata)
{
    char path[4200];
    for (size_t i = 0; i < ndata; i++) {
        snprintf(path, sizeof path, "%s/d%zu.dat", dir, i);
        unlink(path);
    }
    snprintf(path, sizeof path, "%s/plot.gp", dir);
    unlink(path);
    snprintf(path, sizeof path, "%s/gnuplot.err", dir);
    unlink(path);
    rmdir(dir);
}

/* The last non-empty line of gnuplot's stderr, for the error message. */
static void last_error_line(const char *errpath, char *out, size_t cap)
{
    out[0] = '\0';
    char *text;
    size_t len;
    if (dnc_read_file(errpath, &text, &len))
        return;
    char *best = NULL;
    for (char *line = strtok(text, "\n"); line; line = strtok(NULL, "\n")) {
        char *s = line;
        while (isspace((unsigned char)*s))
            s++;
        if (*s && *s != '^')
            best = s;
    }
    if (best)
        snprintf(out, cap, "%s", best);
    free(text);
}

/* fork/exec gnuplot SCRIPT with stdout = out_fd, stderr = errpath. */
static dnc_status run_gnuplot(const char *gnuplot, const char *script, int out_fd,
                              const char *errpath)
{
    int err_fd = open(errpath, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    if (err_fd < 0)
        return dnc_fail(DNC_EIO, "cannot create '%s': %s", errpath, strerror(errno));
    fflush(NULL);
    pid_t pid = fork();
    if (pid < 0) {
        int e = errno;
        close(err_fd);
        return dnc_fail(DNC_EIO, "cannot start gnuplot: %s", strerror(e));
    }
    if (pid == 0) {
        int devnull = open("/dev/null", O_RDONLY);
        if (devnull >= 0)
            dup2(devnull, STDIN_FILENO);
        dup2(out_fd, STDOUT_FILENO);
        dup2(err_fd, STDERR_FILENO);
        char *const argv[] = {(char *)"gnuplot", (char *)script, NULL};
        execv(gnuplot, argv);
        _exit(127);
    }
    close(err_fd);
    int status;
    while (waitpid(pid, &status, 0) < 0) {
        if (errno != EINTR)
            return dnc_fail(DNC_EIO, "waiting for gnuplot: %s", strerror(errno));
    }
    if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
        return DNC_OK;
    char line[512];
    last_error_line(errpath, line, sizeof line);
    if (WIFEXITED(status) && WEXITSTATUS(status) == 127 && !line[0])
        return dnc_fail(DNC_EUNSUPPORTED, "cannot execute gnuplot '%s'", gnuplot);
    if (WIFSIGNALED(status))
        return dnc_fail(DNC_EIO, "gnuplot was killed by signal %d", WTERMSIG(status));
    return dnc_fail(DNC_EIO, "gnuplot failed (exit %d): %s", WEXITSTATUS(status),
                    line[0] ? line : "no message");
}

static dnc_status make_tmpdir(char **dir)
{
    const char *base = getenv("TMPDIR");
    if (!base || !*base)
        base = "/tmp";
    for (const char *c = base; *c; c++)
        if (*c == '\'' || (unsigned char)*c < 0x20)
            return dnc_fail(DNC_EINVAL, "TMPDIR '%s' contains a quote or control character: "
                                        "point it at a plainer directory", base);
    size_t n = strlen(base) + 32;
    *dir = malloc(n);
    if (!*dir)
        return dnc_fail(DNC_ENOMEM, "out of memory");
    snprintf(*dir, n, "%s/dnncrit-plot-XXXXXX", base);
    if (!mkdtemp(*dir)) {
        int e = errno;
        free(*dir);
        *dir = NULL;
        return dnc_fail(DNC_EIO, "cannot create a temporary directory in '%s': %s", base,
                        strerror(e));
    }
    return DNC_OK;
}

static dnc_status write_inputs(const char *dir, const script_build *sb)
{
    char path[4200];
    for (size_t i = 0; i < sb->ndata; i++) {
        snprintf(path, sizeof path, "%s/d%zu.dat", dir, i);
        if (!write_file(path, sb->data[i].s, sb->data[i].len))
            return dnc_fail(DNC_EIO, "cannot write plot data '%s'", path);
    }
    snprintf(path, sizeof path, "%s/plot.gp", dir);
    if (!write_file(path, sb->script.s, sb->script.len))
        return dnc_fail(DNC_EIO, "cannot write plot script '%s'", path);
    return DNC_OK;
}

static dnc_status check_output(const char *path)
{
    struct stat st;
    if (stat(path, &st) != 0 || st.st_size == 0)
        return dnc_fail(DNC_EIO, "gnuplot produced no image for '%s'", path);
    return DNC_OK;
}

dnc_status dnc_figure_render(const dnc_figure *fig, const char *path, dnc_plot_format fmt)
{
    if (!path || !*path)
        return dnc_fail(DNC_EINVAL, "empty figure path");
    char *gnuplot;
    dnc_status st = dnc_plot_find_gnuplot(&gnuplot);
    if (st)
        return st;
    char *dir;
    if ((st = make_tmpdir(&dir))) {
        free(gnuplot);
        return st;
    }
    script_build sb;
    if ((st = build_script(fig, fmt, dir, &sb))) {
        remove_tree(dir, 0);
        free(dir);
        free(gnuplot);
        return st;
    }
    dnc_afile out;
    st = write_inputs(dir, &sb);
    if (!st)
        st = dnc_afile_open(&out, path);
    if (!st) {
        char script[4200], errpath[4200];
        snprintf(script, sizeof script, "%s/plot.gp", dir);
        snprintf(errpath, sizeof errpath, "%s/gnuplot.err", dir);
        fflush(out.fp);
        st = run_gnuplot(gnuplot, script, fileno(out.fp), errpath);
        if (!st)
            st = check_output(out.tmp_path);
        if (st)
            dnc_afile_abort(&out);
        else
            st = dnc_afile_commit(&out);
    }
    const char *keep = getenv("DNNCRIT_PLOT_KEEP");
    if (!(keep && *keep && strcmp(keep, "0") != 0))
        remove_tree(dir, sb.ndata);
    build_free(&sb);
    free(dir);
    free(gnuplot);
    return st;
}
