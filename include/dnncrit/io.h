/* Input/output: atomic result files, CSV and JSON writers, the run record
 * every output carries, key = value config files, and progress on stderr. */
#ifndef DNNCRIT_IO_H
#define DNNCRIT_IO_H
#include "dnncrit/export.h"
DNC_BEGIN_DECLS

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "dnncrit/json.h"

#include "dnncrit/error.h"

/* ---- Atomic files: written to PATH.tmp.PID, renamed onto PATH on commit,
 * so a reader never sees a half-written result. */
typedef struct {
    FILE *fp;
    char *path;
    char *tmp_path;
} dnc_afile;

dnc_status dnc_afile_open(dnc_afile *f, const char *path);
/* Flushes, checks for write errors, closes and renames (no fsync: atomic
 * for readers and against a crash of the process, not a power cut). Frees f. */
dnc_status dnc_afile_commit(dnc_afile *f);
/* Closes and deletes the temporary file. Safe on a zeroed/closed f. */
void dnc_afile_abort(dnc_afile *f);

/* Whole-file helpers built on dnc_afile. */
dnc_status dnc_write_text_atomic(const char *path, const char *text);
dnc_status dnc_write_json_atomic(const char *path, const cJSON *root);

/* Opens a user's input file for reading ("rb"); DNC_EIO naming the file when
 * it cannot be opened or is a directory ("'X' is a directory, expected a
 * file"). Every reader of a user's file opens it through here. */
dnc_status dnc_open_input(const char *path, FILE **fp);
/* Reads a whole file (NUL-terminated, *len bytes before the NUL; len may be
 * NULL); caller frees. A gzip file, known by its magic bytes 1f 8b whatever
 * its name, is decompressed (several members are read one after the other);
 * a corrupt or truncated one is DNC_EINVAL naming the file. "-" reads
 * standard input to its end (plain text). */
dnc_status dnc_read_file(const char *path, char **text, size_t *len);
dnc_status dnc_read_json(const char *path, cJSON **root);

/* Creates directory PATH and every missing parent (mkdir -p); fails when
 * PATH or a parent exists and is not a directory, naming it. */
dnc_status dnc_make_dirs(const char *path);

/* One cell of a result CSV: v with `digits` significant digits, or "nan",
 * "inf", "-inf" where it is not finite; then sep. */
void dnc_csv_number(FILE *fp, double v, int digits, const char *sep);
/* "PREFIX" + ".csv" etc.; caller frees. */
char *dnc_path_with_suffix(const char *prefix, const char *suffix);

/* ---- Run record: {"tool":"dnncrit","version":..,"command":..,"argv":[..],
 * "started":ISO-8601 UTC, "threads":..}; commands add "config", "seed",
 * "timings" and their results. */
cJSON *dnc_run_record_new(const char *command, int argc, char **argv);
/* {"value": value, "error": error}, the form of every estimate in "results"
 * (non-finite numbers are written as null). */
cJSON *dnc_json_estimate(double value, double error);
/* Adds "timings":{"wall_s":..} measured from `t0` (dnc_wall_time). */
void dnc_run_record_finish(cJSON *record, double t0);
double dnc_wall_time(void);

/* ---- key = value config files. Lines: "key = value", '#' comments, blank
 * lines. Keys are the long option names without "--". */
typedef struct {
    char *key;
    char *value;
    int line;
} dnc_config_entry;

typedef struct {
    dnc_config_entry *entries;
    size_t count;
    char *path;
} dnc_config;

/* Malformed lines produce DNC_EINVAL naming the file and line. */
dnc_status dnc_config_read(const char *path, dnc_config *cfg);
dnc_status dnc_config_parse(const char *text, const char *name, dnc_config *cfg);
void dnc_config_free(dnc_config *cfg);

/* ---- Number text that reads back exactly. */
/* Shortest text that reads back as exactly x ("nan", "inf", "-inf" for
 * non-finite values). buf needs 32 bytes. */
const char *dnc_format_double(double x, char buf[32]);

/* x as a JSON number written with dnc_format_double, so that it reads back
 * as exactly x (cJSON prints 15 significant digits whenever they read back
 * within a relative DBL_EPSILON: 1.7000000000000002 as 1.7). Non-finite x
 * is null. A raw item: compare it by its text, not with cJSON_Compare. */
cJSON *dnc_json_exact_number(double x);

/* ---- Number parsing that rejects trailing junk, NaN, inf and overflow. */
dnc_status dnc_parse_double(const char *s, const char *what, double *out);
dnc_status dnc_parse_size(const char *s, const char *what, size_t *out);
dnc_status dnc_parse_u64(const char *s, const char *what, unsigned long long *out);

/* ---- Progress on stderr: only when stderr is a TTY and not quiet. */
typedef struct {
    const char *label;
    size_t total;
    double t0;
    double last_print;
    bool enabled;
} dnc_progress;

void dnc_progress_start(dnc_progress *p, const char *label, size_t total, bool quiet);
void dnc_progress_update(dnc_progress *p, size_t done);
void dnc_progress_finish(dnc_progress *p);

DNC_END_DECLS
#endif
