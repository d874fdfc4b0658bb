/* Reproducing a paper's claims: each claim is measured by dnncrit and given
 * a verdict by a stated rule (dnc_claim_judge), never from a table.
 * `dnncrit reproduce <study>` runs every claim of a study and writes
 * claims.csv (claim,paper,measured,error,verdict,command), the figures and
 * report.html into an output directory. */
#ifndef DNNCRIT_REPRODUCE_H
#define DNNCRIT_REPRODUCE_H
#include "dnncrit/export.h"
DNC_BEGIN_DECLS

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dnncrit/error.h"
#include "dnncrit/plot.h"

typedef enum {
    DNC_VERDICT_SUPPORTED = 0,
    DNC_VERDICT_NOT_SUPPORTED,
    DNC_VERDICT_INCONCLUSIVE
} dnc_verdict;

/* "supported", "not supported", "inconclusive". */
const char *dnc_verdict_name(dnc_verdict v);

/* One claim of a paper and what dnncrit measured for it. Text fields are
 * plain text (the CSV writer quotes them). */
typedef struct {
    char claim[64];     /* short name, e.g. "MLP class" */
    char paper[256];    /* the paper's statement with its number: "delta = 1 (mean field)" */
    double paper_value; /* the number the verdict compares with (NaN: qualitative) */
    double measured;    /* dnncrit's number */
    double error;       /* its 1-sigma error, statistical and systematic combined */
    char detail[1024];   /* what was measured, how, window, counts: shown in report.html */
    dnc_verdict verdict;
    char rule[256];     /* the rule that gave the verdict, with its numbers */
    char command[1024]; /* a dnncrit command line (sh) that measures it */
    char figure[128];   /* figure file name inside the output directory, or "" */
    char note[256];     /* why there is no figure, or another remark ("": none) */
} dnc_claim;

/* The verdict rule. m +- e is the measurement, p the paper's value and alt
 * the value of the nearest competing hypothesis (NaN: none):
 *   inconclusive   when m or e is not finite or e <= 0;
 *   not supported  when |m - p| > 3 e;
 *   supported      when |m - p| <= 2 e and (alt is NaN or |m - alt| > 2 e);
 *   inconclusive   otherwise (2 e < |m - p| <= 3 e, or the data cannot tell
 *                  p from alt).
 * Sets c->measured, c->error, c->paper_value, c->verdict and c->rule. */
void dnc_claim_judge(dnc_claim *c, double m, double e, double p, double alt);

/* claims.csv: header claim,paper,measured,error,verdict,command, one row per
 * claim, fields quoted as CSV requires; written atomically. */
dnc_status dnc_claims_write_csv(const char *path, const dnc_claim *claims, size_t n);

/* What every claim function gets. */
typedef struct {
    bool quick;          /* reduced sizes: the whole study in about 10 minutes on 2 cores */
    const char *out_dir; /* existing directory for figures and intermediate files */
    bool quiet;          /* no progress on stderr */
    uint64_t seed;
    int threads;         /* 0: default */
    /* Set by dnc_reproduce_run for the claims of one run (NULL otherwise):
     * where dnc_reproduce_shared keeps the measurements claims share. */
    struct dnc_reproduce_memo *memo;
} dnc_reproduce_opts;

/* A measurement that several claims of one study share, made once per run:
 * the block of `size` bytes kept under `key` in o->memo, zeroed when first
 * asked for and the same block for every later claim of the run (the caller
 * marks in it whether it is filled). Freed when the run ends, so the block
 * must not own other memory. NULL when o->memo is NULL (a claim called on
 * its own), when key was first asked for with another size, or out of
 * memory: the caller then measures into a block of its own. */
void *dnc_reproduce_shared(const dnc_reproduce_opts *o, const char *key, size_t size);

/* Measures one claim into *out (verdict included). DNC_OK with an
 * inconclusive verdict when the measurement itself failed to decide; a
 * non-OK status only for errors (bad options, I/O, out of memory). */
typedef dnc_status (*dnc_claim_fn)(const dnc_reproduce_opts *o, dnc_claim *out);

/* A claim function's figure: renders fig to o->out_dir/name (PNG) and sets
 * c->figure = name. Without gnuplot, or when rendering fails, it renders
 * nothing and says why in c->note; the claim stands on its numbers, so this
 * returns DNC_OK in both cases (a non-OK status only for a bad argument). */
dnc_status dnc_claim_figure(const dnc_reproduce_opts *o, dnc_claim *c, const dnc_figure *fig,
                            const char *name);

/* ---- Studies: a paper's claims, in the order they are run and reported. */
typedef struct {
    const char *name; /* the claim's short name, as in claims.csv */
    dnc_claim_fn fn;
} dnc_study_claim;

typedef struct {
    const char *name;  /* command-line name, e.g. "tamai2025" */
    const char *paper; /* the reference, e.g. "K. Tamai et al., Phys. Rev. Research (2025)" */
    const dnc_study_claim *claims;
    size_t nclaims;
} dnc_study;

/* The registry (src/app/reproduce_studies.c): *list gets the studies. */
size_t dnc_studies(const dnc_study *const **list);
/* The study called name; DNC_EINVAL naming it and the known studies otherwise. */
dnc_status dnc_study_find(const char *name, const dnc_study **out);

/* Called before claim i of n (done NULL) and after it (done: its result,
 * seconds: its wall time). */
typedef void (*dnc_reproduce_progress_fn)(void *ctx, size_t i, size_t n, const char *name,
                                          const dnc_claim *done, double seconds);

typedef struct {
    dnc_claim *claims; /* [n], in the study's order */
    double *seconds;   /* [n] wall time of each claim */
    size_t n;
    double wall_s;     /* the whole run, outputs included */
    bool figures;      /* gnuplot was available */
} dnc_reproduce_result;

/* Runs every claim of the study and writes into o->out_dir (created if
 * missing): claims.csv, reproduce.json (run record of argc/argv: config,
 * version, every claim with its detail and rule, timings), report.html (self-
 * contained: figures embedded) and the claims' figures. The claims work in a
 * private folder inside out_dir whose files are moved in only when every
 * claim and output succeeded: a claim that fails aborts the run with the
 * error "claim 'NAME' of STUDY: <its message>" and leaves out_dir as it was.
 * progress may be NULL; res may be NULL (else free with
 * dnc_reproduce_result_free). */
dnc_status dnc_reproduce_run(const dnc_study *study, const dnc_reproduce_opts *o,
                             dnc_reproduce_progress_fn progress, void *progress_ctx, int argc,
                             char **argv, dnc_reproduce_result *res);
void dnc_reproduce_result_free(dnc_reproduce_result *res);

DNC_END_DECLS
#endif
