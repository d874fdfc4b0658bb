/* Shared helpers for the cmocka tests. Include after cmocka.h. */
#ifndef DNNCRIT_TESTUTIL_H
#define DNNCRIT_TESTUTIL_H

#include <stdbool.h>
#include <stddef.h>

#include "dnncrit/plot.h" /* tu_load_result */

/* A fresh directory under $TMPDIR (or /tmp); caller frees the string. */
char *tu_tmpdir(void);
/* Removes a directory made by tu_tmpdir and everything in it. */
void tu_rmtree(const char *dir);
/* tu_rmtree, then frees the string from tu_tmpdir. */
void tu_rmtree_free(char *dir);
/* Runs `$DNNCRIT_BIN <args>` through /bin/sh with stdout and stderr sent to
 * <dir>/stdout and <dir>/stderr; returns the exit status (or -1). */
int tu_run_cli(const char *dir, const char *args_fmt, ...) __attribute__((format(printf, 2, 3)));
/* The same with another program (bin: a path) in place of $DNNCRIT_BIN. */
int tu_run_program(const char *dir, const char *bin, const char *args_fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* The number of shared libraries the dynamic loader maps for the program
 * `bin` (ldd's way: LD_TRACE_LOADED_OBJECTS lists them without running it).
 * Fails the test if it cannot be asked, lists none, or maps one whose line
 * names any of forbidden[0..nforbidden). */
size_t tu_loaded_libraries(const char *bin, const char *const *forbidden, size_t nforbidden);
/* Whole file as a string, NULL if missing; caller frees. */
char *tu_read(const char *path);
bool tu_exists(const char *path);
/* Writes n bytes to path as they are (tu_write_file) or gzip-compressed in
 * `members` concatenated gzip members (tu_write_gzip, members >= 1). */
void tu_write_file(const char *path, const void *data, size_t n);
void tu_write_gzip(const char *path, const void *data, size_t n, unsigned members);
/* Number of entries in dir (excluding . and ..), to check that a failed
 * run left no half-written files behind. */
size_t tu_count_entries(const char *dir);
/* Path join into a static buffer (valid until the next call). */
const char *tu_path(const char *dir, const char *name);
/* dnc_plot_load_result of the result dir/name.json. */
dnc_status tu_load_result(const char *dir, const char *name, cJSON **record, dnc_table *table,
                          bool *has_table);

#endif
