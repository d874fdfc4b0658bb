#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "testutil.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <zlib.h>

char *tu_tmpdir(void)
{
    const char *base = getenv("TMPDIR");
    if (!base || !*base)
        base = "/tmp";
    char *t = malloc(strlen(base) + 32);
    if (!t)
        return NULL;
    sprintf(t, "%s/dnncrit-test-XXXXXX", base);
    if (!mkdtemp(t)) {
        free(t);
        return NULL;
    }
    return t;
}

void tu_rmtree(const char *dir)
{
    if (!dir || strncmp(dir, "/", 1) != 0 || !strstr(dir, "dnncrit-test-"))
        return;
    char cmd[4096];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0)
        fprintf(stderr, "warning: could not remove %s\n", dir);
}

void tu_rmtree_free(char *dir)
{
    tu_rmtree(dir);
    free(dir);
}

static int run_program(const char *dir, const char *bin, const char *args_fmt, va_list ap)
{
    char args[3000];
    vsnprintf(args, sizeof args, args_fmt, ap);
    char cmd[8192];
    snprintf(cmd, sizeof cmd, "cd '%s' && '%s' %s >stdout 2>stderr </dev/null", dir, bin, args);
    int st = system(cmd);
    if (st == -1 || !WIFEXITED(st))
        return -1;
    return WEXITSTATUS(st);
}

int tu_run_cli(const char *dir, const char *args_fmt, ...)
{
    const char *bin = getenv("DNNCRIT_BIN");
    va_list ap;
    va_start(ap, args_fmt);
    int rc = run_program(dir, bin ? bin : "./dnncrit", args_fmt, ap);
    va_end(ap);
    return rc;
}

int tu_run_program(const char *dir, const char *bin, const char *args_fmt, ...)
{
    va_list ap;
    va_start(ap, args_fmt);
    int rc = run_program(dir, bin, args_fmt, ap);
    va_end(ap);
    return rc;
}

char *tu_read(const char *path)
{
    FILE *fp = fopen(path, "rb");
    if (!fp)
        return NULL;
    fseek(fp, 0, SEEK_END);
    long n = ftell(fp);
    fseek(fp, 0, SEEK_SET);
    char *s = malloc((size_t)n + 1);
    if (s) {
        size_t got = fread(s, 1, (size_t)n, fp);
        s[got] = '\0';
    }
    fclose(fp);
    return s;
}

void tu_write_file(const char *path, const void *data, size_t n)
{
    FILE *fp = fopen(path, "wb");
    if (!fp || fwrite(data, 1, n, fp) != n || fclose(fp) != 0) {
        fprintf(stderr, "tu_write_file: cannot write %s\n", path);
        abort();
    }
}

void tu_write_gzip(const char *path, const void *data, size_t n, unsigned members)
{
    const char *p = data;
    for (unsigned k = 0; k < members; k++) {
        gzFile gz = gzopen(path, k == 0 ? "wb9" : "ab9"); /* "a": one more member */
        size_t from = n * k / members, to = n * (k + 1) / members;
        if (!gz || (to > from && gzwrite(gz, p + from, (unsigned)(to - from)) == 0) ||
            gzclose(gz) != Z_OK) {
            fprintf(stderr, "tu_write_gzip: cannot write %s\n", path);
            abort();
        }
    }
}

bool tu_exists(const char *path)
{
    struct stat sb;
    return stat(path, &sb) == 0;
}

size_t tu_count_entries(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d)
        return 0;
    size_t n = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL)
        if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
            n++;
    closedir(d);
    return n;
}

const char *tu_path(const char *dir, const char *name)
{
    static char buf[4096];
    snprintf(buf, sizeof buf, "%s/%s", dir, name);
    return buf;
}

dnc_status tu_load_result(const char *dir, const char *name, cJSON **record, dnc_table *table,
                          bool *has_table)
{
    char json[4096];
    snprintf(json, sizeof json, "%s/%s.json", dir, name);
    return dnc_plot_load_result(json, record, table, has_table);
}

size_t tu_loaded_libraries(const char *bin, const char *const *forbidden, size_t nforbidden)
{
    char cmd[4200];
    snprintf(cmd, sizeof cmd, "LD_TRACE_LOADED_OBJECTS=1 '%s'", bin);
    FILE *p = popen(cmd, "r");
    assert_non_null(p);
    char line[1024];
    size_t n = 0;
    while (fgets(line, sizeof line, p)) {
        n++;
        for (size_t k = 0; k < nforbidden; k++)
            if (strstr(line, forbidden[k]))
                fail_msg("%s loads %s at start: %s", bin, forbidden[k], line);
    }
    assert_int_equal(pclose(p), 0);
    assert_true(n > 0);
    return n;
}
