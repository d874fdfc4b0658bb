/* The figure model (panels, series, heat maps, reference lines) and the
 * output formats (see dnncrit/plot.h). The script is written by
 * plot_script.c and run by plot_render.c. */
#include "dnncrit/plot.h"

#include <ctype.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

static bool drawable(double v, bool logaxis) { return isfinite(v) && (!logaxis || v > 0); }

bool dnc_panel_has_data(const dnc_plot_panel *p)
{
    if (p->grid)
        return true;
    for (size_t k = 0; k < p->nseries; k++)
        for (size_t j = 0; j < p->series[k].n; j++)
            if (drawable(p->series[k].x[j], p->logx) && drawable(p->series[k].y[j], p->logy))
                return true;
    return false;
}

void dnc_figure_drop_empty_panels(dnc_figure *fig)
{
    size_t kept = 0;
    for (size_t i = 0; i < fig->npanels; i++)
        if (dnc_panel_has_data(fig->panels[i]))
            kept++;
    if (kept == 0)
        return; /* one empty frame that says so beats no figure */
    kept = 0;
    for (size_t i = 0; i < fig->npanels; i++) {
        if (dnc_panel_has_data(fig->panels[i]))
            fig->panels[kept++] = fig->panels[i];
        else
            panel_free(fig->panels[i]);
    }
    fig->npanels = kept;
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

