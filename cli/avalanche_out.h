/* Output helpers shared by `powerlaw`, `raster`, `avalanches` and
 * `susceptibility`: plot-ready distribution CSVs (empirical CCDF with the
 * fitted line, log-binned density with the fitted density) and JSON blocks
 * for fits and avalanche analyses. Files are written to temporaries and
 * committed together by cli_outset_commit, so a failed run leaves none. */
#ifndef DNNCRIT_AVALANCHE_OUT_H
#define DNNCRIT_AVALANCHE_OUT_H

#include <cjson/cJSON.h>

#include "dnncrit/avalanche.h"
#include "dnncrit/crackling.h"
#include "dnncrit/io.h"
#include "dnncrit/powerlaw.h"

#define DNC_OUTSET_MAX 16

typedef struct {
    dnc_afile f[DNC_OUTSET_MAX];
    char *path[DNC_OUTSET_MAX];
    size_t n;
} cli_outset;

/* Opens PREFIX + suffix as a temporary; *fp receives the stream. */
dnc_status cli_outset_open(cli_outset *o, const char *prefix, const char *suffix, FILE **fp);
/* Commits every file, then writes PREFIX.json from root (with "outputs"
 * listing the basenames, keyed by suffix: "_sizes.csv" -> "sizes_csv").
 * Aborts all on failure. */
dnc_status cli_outset_commit(cli_outset *o, const char *prefix, cJSON *root);
void cli_outset_abort(cli_outset *o);

cJSON *cli_json_pl_fit(const dnc_pl_fit *f, double p_boot, const dnc_pl_compare *cmp);

/* Fewer tail samples than this and a fit is flagged as unreliable. */
#define CLI_PL_MIN_RELIABLE_TAIL 100
/* Warns when the fit `what` ("avalanche sizes", "data", ...) should
 * not be read as a result: a tail below CLI_PL_MIN_RELIABLE_TAIL samples,
 * a bootstrap p < 0.1 (when computed, i.e. finite) or an exponent without
 * a finite error. Each warning goes to stderr ("dnncrit CMD: warning:
 * ...", "dnncrit: warning: ..." when cmd is NULL) and, as a string, into the JSON array `warnings`. Returns how
 * many were issued. */
size_t cli_pl_fit_warnings(const char *cmd, const char *what, const dnc_pl_fit *f,
                           double p_boot, cJSON *warnings);

/* Rows of the CCDF CSV by default (--ccdf-rows): log-spaced, see below. */
#define CLI_CCDF_ROWS_DEFAULT "200"
#define CLI_CCDF_ROWS_OPTION(target_)                                                          \
    CLI_OPT("ccdf-rows", CLI_OPT_STRING, (target_),                                            \
            "rows of the CCDF CSV: N log-spaced (at most N + 1, both ends included) or 'all' "  \
            "(one per distinct value)")
/* "all" -> 0, an integer N >= 2 -> N; -1 for anything else. */
int cli_ccdf_rows_parse(const char *s, size_t *rows);

/* x, ccdf_data, ccdf_fit from ascending data s[0..n) (dnc_pl_sorted,
 * dnc_pl_sort): rows = 0: one row per distinct value; rows = N: the first
 * distinct value at or above each of N + 1 log-spaced points from s[0] to
 * s[n-1] (both included; every row when s[0] <= 0). ccdf_data is the exact
 * fraction of samples >= x; the fit is scaled by the tail fraction so it
 * lies on the data, nan outside [xmin, xmax]. */
dnc_status cli_write_ccdf_csv(FILE *fp, const double *s, size_t n, const dnc_pl_fit *fit,
                              size_t rows);
/* x, density_data, density_fit on log-spaced bins (ratio 10^0.1), from
 * ascending data s[0..n) (one pass). */
dnc_status cli_write_pdf_csv(FILE *fp, const double *s, size_t n, const dnc_pl_fit *fit);

/* Every CSV of an avalanche analysis under PREFIX: _avalanches (one row
 * per avalanche), _sizes/_sizes_pdf, _durations/_durations_pdf, _sizedur
 * (<S>(T) with the fit), _shape (collapse), and the JSON "results" (with
 * the "warnings" of cli_pl_fit_warnings for both fits, "dnncrit: warning:
 * avalanche sizes: ..." on stderr). */
dnc_status cli_write_avalanche_outputs(cli_outset *o, const char *prefix,
                                       const dnc_avalanches *av,
                                       const dnc_avalanche_analysis *an, size_t ccdf_rows,
                                       cJSON *results);
void cli_print_avalanche_summary(const dnc_avalanche_analysis *an);

/* The members of a crackling measurement (dnc_crackling_measure) into o:
 * avalanches, tau/alpha/gamma with errors, xmins, tails and the gamma
 * window, the predicted gamma, the deviation with its propagated and
 * bootstrap errors, z, and the shape collapse. */
void cli_json_crackling(cJSON *o, const dnc_crackling_measurement *m);

#endif
