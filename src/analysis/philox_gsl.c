/* The Philox-backed gsl_rng of philox_gsl.h. */
#include <string.h>

#include "analysis/philox_gsl.h"
#include "dnncrit/rng.h"

static uint32_t next_word(dnc_philox_gsl_state *s)
{
    uint64_t blk = s->index >> 2;
    if ((s->index & 3) == 0)
        dnc_philox(s->seed, s->stream, s->a, (uint32_t)(blk >> 32), (uint32_t)blk, s->buf);
    return s->buf[s->index++ & 3];
}

static unsigned long philox_get(void *vs) { return next_word(vs); }

static double philox_get_double(void *vs)
{
    uint64_t hi = next_word(vs), lo = next_word(vs);
    uint64_t bits = (hi << 21) ^ (lo >> 11);
    return ((double)bits + 0.5) * 0x1.0p-53;
}

static void philox_set(void *vs, unsigned long s) { (void)vs, (void)s; }

static const gsl_rng_type philox_type = {"dnncrit-philox", 0xffffffffUL, 0,
                                         sizeof(dnc_philox_gsl_state), philox_set, philox_get,
                                         philox_get_double};

gsl_rng dnc_philox_gsl(dnc_philox_gsl_state *st, uint64_t seed, uint32_t stream, uint32_t a)
{
    memset(st, 0, sizeof *st);
    st->seed = seed;
    st->stream = stream;
    st->a = a;
    return (gsl_rng){.type = &philox_type, .state = st};
}
