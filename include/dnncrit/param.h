/* Parameter declarations: a parameter's key, type, default, accepted values
 * and help, declared once and used wherever the parameter is read (the
 * command-line option tables in cli/, the sweep schemas, the validators).
 *
 * A declaration sits next to what it describes: the network and
 * initialisation parameters in the models layer (dnncrit/network.h,
 * DNC_NET_PARAM_*). The key is spelled with '_' ("sigma_w"), as in config
 * files, sweeps and JSON; the command line spells it with '-' ("--sigma-w").
 *
 * The accepted values (`domain`) are text, so that a declaration is a plain
 * initialiser usable in static tables:
 *   DNC_PARAM_CHOICE            the names, "pre,post"
 *   DNC_PARAM_DOUBLE            an interval: "(0,inf)", "[0,inf)", "[0.5,4]"
 *   DNC_PARAM_SIZE, _U64        an interval of integers: "[1,1048576]"
 *   NULL                        any value of the type (finite for doubles) */
#ifndef DNNCRIT_PARAM_H
#define DNNCRIT_PARAM_H
#include "dnncrit/export.h"
DNC_BEGIN_DECLS

#include <stddef.h>
#include <stdint.h>

#include "dnncrit/error.h"

typedef enum {
    DNC_PARAM_DOUBLE,     /* finite double */
    DNC_PARAM_SIZE,       /* non-negative integer (size_t) */
    DNC_PARAM_U64,        /* 64-bit integer (seeds) */
    DNC_PARAM_ACTIVATION, /* an activation name (dnncrit/activation.h) */
    DNC_PARAM_BOOL,       /* true/false */
    DNC_PARAM_CHOICE,     /* one of the names in `domain` */
    DNC_PARAM_STRING      /* free text (paths) */
} dnc_param_type;

typedef struct {
    const char *name; /* key: "sigma_w" */
    dnc_param_type type;
    const char *default_value; /* the default as a user would write it; NULL: required */
    const char *help;         /* one line for --help */
    const char *domain;       /* accepted values (see above); NULL: any */
} dnc_param;

/* The command-line spelling of a key: '_' -> '-' ("sigma_w" -> "sigma-w"),
 * into buf[size] (truncated); returns buf. */
char *dnc_param_option_name(const char *key, char *buf, size_t size);

/* Range checks against p->domain (DNC_PARAM_DOUBLE, resp. the integer
 * types). The message names the value `label` (NULL: p->name), e.g.
 * "sigma_w must be a finite number > 0, got -1",
 * "width must be between 1 and 1048576, got 0". A malformed domain is a
 * DNC_EINVAL naming the parameter. */
dnc_status dnc_param_check_double(const dnc_param *p, const char *label, double v);
dnc_status dnc_param_check_integer(const dnc_param *p, const char *label, uint64_t v);

/* The parsed default of a declaration of the matching type (DNC_EINVAL
 * when the type differs or the text does not parse). */
dnc_status dnc_param_default_double(const dnc_param *p, double *out);
dnc_status dnc_param_default_integer(const dnc_param *p, uint64_t *out);

DNC_END_DECLS
#endif
