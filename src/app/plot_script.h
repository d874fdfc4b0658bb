/* The gnuplot script of a figure and its data files (internal to the app
 * layer): built by plot_script.c, written and run by plot_render.c. */
#ifndef DNNCRIT_APP_PLOT_SCRIPT_H
#define DNNCRIT_APP_PLOT_SCRIPT_H

#include "app/plot_text.h"
#include "dnncrit/plot.h"

typedef struct {
    dnc_strbuf script;
    dnc_strbuf *data; /* one per data file */
    size_t ndata;
    bool failed;
} dnc_script_build;

/* The script of fig reading its data from <datadir>/dN.dat; DNC_ENOMEM
 * (and nothing to free) on failure. */
dnc_status dnc_plot_build_script(const dnc_figure *fig, dnc_plot_format fmt, const char *datadir,
                                 dnc_script_build *sb);
void dnc_plot_build_free(dnc_script_build *sb);

#endif
