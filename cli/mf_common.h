/* Output helpers shared by the mean-field subcommands (meanfield, critical,
 * phase-diagram, advise). */
#ifndef DNNCRIT_CLI_MF_COMMON_H
#define DNNCRIT_CLI_MF_COMMON_H

#include <stdio.h>

#include <cjson/cJSON.h>

#include "dnncrit/error.h"
#include "dnncrit/meanfield.h"

/* Every field of a dnc_mf_point as a JSON object (kappa null when it does
 * not exist, with the reason in "kappa_note"). */
cJSON *mf_point_json(const dnc_mf_point *o, dnc_activation act);
/* Prints the point as an aligned table on fp. */
void mf_print_point(FILE *fp, const dnc_mf_point *o, dnc_activation act);
/* A number for CSV: %.17g, or "nan" / "inf" / "-inf". */
void mf_csv_number(FILE *fp, double v, const char *sep);

/* Writes PREFIX.csv from csv_text (if not NULL; "outputs" gets its basename)
 * and PREFIX.json from record, both through temporary files, so that a
 * failure leaves neither behind. */
dnc_status mf_write_outputs(const char *prefix, const char *csv_text, cJSON *record);

/* A growing text buffer for CSV built in memory. */
typedef struct {
    char *text;
    size_t len, cap;
    FILE *fp; /* open_memstream */
} mf_text;

dnc_status mf_text_open(mf_text *t);
/* Closes the stream; t->text stays valid until mf_text_free. */
dnc_status mf_text_close(mf_text *t);
void mf_text_free(mf_text *t);

#endif
