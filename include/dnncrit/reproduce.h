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
    char detail[512];   /* what was measured, how, window, counts: shown in report.html */
    dnc_verdict verdict;
    char rule[256];     /* the rule that gave the verdict, with its numbers */
    char command[512];  /* a dnncrit command line that measures it */
    char figure[128];   /* figure file name inside the output directory, or "" */
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
} dnc_reproduce_opts;

/* Measures one claim into *out (verdict included). DNC_OK with an
 * inconclusive verdict when the measurement itself failed to decide; a
 * non-OK status only for errors (bad options, I/O, out of memory). */
typedef dnc_status (*dnc_claim_fn)(const dnc_reproduce_opts *o, dnc_claim *out);

DNC_END_DECLS
#endif
