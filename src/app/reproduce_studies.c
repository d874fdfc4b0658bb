/* The study registry of `dnncrit reproduce` (dnncrit/reproduce.h): a study
 * is its name, its paper and its claims in the order they are run and
 * reported. Adding a claim is one line in its study's table. */
#include "dnncrit/reproduce.h"

#include <stdio.h>
#include <string.h>

#include "app/reproduce_ghavasieh.h"
#include "app/reproduce_ghavasieh_train.h"
#include "app/reproduce_tamai_cnn.h"
#include "app/reproduce_tamai_mlp.h"
#include "app/reproduce_tamai_train.h"

/* Tamai et al., Phys. Rev. Research (2025), arXiv:2307.02284; docs/reproduce.md. */
static const dnc_study_claim tamai2025_claims[] = {
    {"MLP class", dnc_tamai_mlp_class},
    {"kappa collapse", dnc_tamai_kappa_collapse},
    {"finite-size scaling", dnc_tamai_fss},
    {"finite-width boundary", dnc_tamai_width_boundary},
    {"1D CNN", dnc_tamai_claim_cnn1d},
    {"2D CNN", dnc_tamai_claim_cnn2d},
    {"training", dnc_tamai_claim_training},
};

static const dnc_study tamai2025 = {
    "tamai2025",
    "K. Tamai et al., Phys. Rev. Research (2025), arXiv:2307.02284 (the full text was not "
    "available: the claims are those the README and docs/ensemble.md attribute to it)",
    tamai2025_claims, sizeof tamai2025_claims / sizeof tamai2025_claims[0]};

/* Ghavasieh et al. (2025), arXiv:2509.22649; docs/reproduce.md. */
static const dnc_study_claim ghavasieh2025_claims[] = {
    {"crackling relation", dnc_ghavasieh_crackling},
    {"susceptibility peak against learning", dnc_ghavasieh_claim_learning},
    {"Barkhausen class", dnc_ghavasieh_barkhausen},
    {"DP class", dnc_ghavasieh_dp},
    {"ResNet avalanches", dnc_ghavasieh_resnet},
    {"shape collapse", dnc_ghavasieh_shape},
};

static const dnc_study ghavasieh2025 = {
    "ghavasieh2025",
    "Ghavasieh et al., arXiv:2509.22649 (2025) (the full text was not available: the claims "
    "are those of its abstract, as docs/avalanches.md states them)",
    ghavasieh2025_claims, sizeof ghavasieh2025_claims / sizeof ghavasieh2025_claims[0]};

static const dnc_study *const studies[] = {&tamai2025, &ghavasieh2025};

size_t dnc_studies(const dnc_study *const **list)
{
    *list = studies;
    return sizeof studies / sizeof studies[0];
}

dnc_status dnc_study_find(const char *name, const dnc_study **out)
{
    const dnc_study *const *list;
    size_t n = dnc_studies(&list);
    for (size_t i = 0; name && i < n; i++)
        if (strcmp(list[i]->name, name) == 0) {
            *out = list[i];
            return DNC_OK;
        }
    char known[256] = "";
    for (size_t i = 0; i < n; i++) {
        size_t len = strlen(known);
        snprintf(known + len, sizeof known - len, "%s%s", i ? ", " : "", list[i]->name);
    }
    return dnc_fail(DNC_EINVAL, "unknown study '%s' (known: %s)", name ? name : "", known);
}
