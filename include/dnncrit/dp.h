/* Reference simulators of the directed-percolation (DP) universality class,
 * used to calibrate the exponent estimators on models with known answers
 * (Hinrichsen, Adv. Phys. 49, 815 (2000); Jensen, J. Phys. A 32, 5233 (1999);
 * Grassberger & Zhang, Physica A 224, 169 (1996)).
 *
 * Models (all periodic, synchronous updates, time t = 0, 1, ...):
 *   DNC_DP_BOND_1D  Domany-Kinzel form of bond DP on the tilted square
 *                   lattice: site i at t+1 has parents i, i+1 (mod L) at t;
 *                   each bond is open with probability p, so the site is
 *                   active with p1 = p (one active parent) or
 *                   p2 = p(2 - p) (two). p_c = 0.644700185(5).
 *   DNC_DP_SITE_1D  site DP on the same lattice: p1 = p2 = p.
 *                   p_c = 0.705485(5).
 *   DNC_DP_BOND_2D  bond DP in 2+1 dimensions on the bcc lattice (tilted):
 *                   site (x, y) at t+1 has the four parents (x, y),
 *                   (x+1, y), (x, y+1), (x+1, y+1) at t; active with
 *                   probability 1 - (1-p)^n for n active parents.
 *                   p_c = 0.287338(3) (Grassberger & Zhang 1996).
 *   DNC_DP_MEANFIELD  DP on the complete graph of N = L sites: each site at
 *                   t+1 is active with probability 1 - (1 - p/N)^n(t), so
 *                   n(t+1) ~ Binomial(N, 1 - (1 - p/N)^n). p_c = 1; at large
 *                   N this is a critical branching process with Poisson(p)
 *                   offspring.
 *
 * Every random number is Philox (seed, DNC_STREAM_SIM, run, t, site/4)
 * (the multispin path: its own counters, see dnc_dp_impl): results are a
 * pure function of the seed and impl, whatever the thread count. */
#ifndef DNNCRIT_DP_H
#define DNNCRIT_DP_H
#include "dnncrit/export.h"
DNC_BEGIN_DECLS

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dnncrit/error.h"

typedef enum {
    DNC_DP_BOND_1D = 0,
    DNC_DP_SITE_1D = 1,
    DNC_DP_BOND_2D = 2,
    DNC_DP_MEANFIELD = 3
} dnc_dp_model;

typedef enum {
    DNC_DP_FULL = 0, /* every site active at t = 0: density decay rho(t) ~ t^-delta */
    DNC_DP_SEED = 1  /* one active site: survival P(t) ~ t^-delta', N(t) ~ t^theta */
} dnc_dp_init;

/* How a lattice model is simulated (same model, same distribution):
 *   SCALAR     one byte per site, one 32-bit Philox uniform per site with
 *              active parents (the default; the reference).
 *   MULTISPIN  64 sites per uint64_t word, the activation test U < thr[n]
 *              decided bit-serially on 64 sites at once from fair random
 *              words (about 7 words per 64 sites instead of 64 uniforms);
 *              p has the same 32-bit resolution (2^-32 = 2.3e-10) as the
 *              scalar path. Other random numbers: results agree with the
 *              scalar path in distribution, not bit for bit. Lattice models
 *              only (not meanfield). See src/analysis/dp_multispin.c. */
typedef enum {
    DNC_DP_IMPL_SCALAR = 0,
    DNC_DP_IMPL_MULTISPIN = 1
} dnc_dp_impl;

#define DNC_DP_PC_BOND_1D 0.644700185
#define DNC_DP_PC_SITE_1D 0.705485
#define DNC_DP_PC_BOND_2D 0.287338
#define DNC_DP_PC_MEANFIELD 1.0

typedef struct {
    dnc_dp_model model;
    double p;          /* bond / site / branching probability */
    size_t L;          /* linear size (sites = L, L^2 for 2+1, N = L for mean field) */
    size_t tmax;       /* last time step */
    dnc_dp_init init;
    size_t samples;    /* independent samples ("seeds"), the unit of error bars */
    size_t runs;       /* runs averaged inside each sample */
    size_t per_decade; /* recording times: every step up to 10, then this many
                          log-spaced times per decade; 0 = every step */
    uint64_t seed;
    bool quiet;        /* no progress on stderr */
    dnc_dp_impl impl;  /* scalar (default) or multispin */
} dnc_dp_opts;

typedef struct {
    size_t ntimes;
    double *t;       /* [ntimes] recording times (t[0] = 0) */
    size_t samples;
    /* Per-sample averages over `runs` runs, [samples * ntimes], sample-major:
     * rho: density of active sites (active / sites);
     * surv: fraction of runs still active;
     * nact: mean number of active sites (over all runs, dead ones count 0). */
    double *rho;
    double *surv;
    double *nact;
    double site_updates; /* sites visited by the update loop */
    double seconds;
} dnc_dp_result;

dnc_dp_opts dnc_dp_opts_default(void);
dnc_status dnc_dp_validate(const dnc_dp_opts *o);
/* Critical point of a model (the constants above). */
double dnc_dp_critical_p(dnc_dp_model model);
const char *dnc_dp_model_name(dnc_dp_model model);
dnc_status dnc_dp_model_parse(const char *s, dnc_dp_model *model);
const char *dnc_dp_impl_name(dnc_dp_impl impl);
dnc_status dnc_dp_impl_parse(const char *s, dnc_dp_impl *impl);
/* Number of sites of a lattice of linear size L. */
size_t dnc_dp_sites(dnc_dp_model model, size_t L);
/* Recording times 0..tmax (see per_decade); caller frees *t. */
dnc_status dnc_dp_times(size_t tmax, size_t per_decade, double **t, size_t *n);

/* Runs samples x runs independent simulations (OpenMP over runs). */
dnc_status dnc_dp_run(const dnc_dp_opts *o, dnc_dp_result *res);
void dnc_dp_result_free(dnc_dp_result *res);

DNC_END_DECLS
#endif
