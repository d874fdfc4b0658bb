/* JSON values in the API: the run records, sweep records and figure recipes
 * of the app-level modules (io.h, plot.h, sweep.h, train_sweep.h,
 * train_report.h) are cJSON trees. The type is opaque here, so the public
 * headers compile without cJSON; a program that builds or reads such a tree
 * includes <cjson/cJSON.h> (pkg-config libcjson) itself. */
#ifndef DNNCRIT_JSON_H
#define DNNCRIT_JSON_H

#include "dnncrit/export.h"
DNC_BEGIN_DECLS

#ifndef cJSON__h /* <cjson/cJSON.h> not included yet; its typedef is the same */
typedef struct cJSON cJSON;
#endif

DNC_END_DECLS
#endif
