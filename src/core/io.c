#include "dnncrit/io.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <zlib.h>

#include <omp.h>

#include <cjson/cJSON.h>

#include "dnncrit/version.h"
#include "core/strutil.h"

static char *dup_string(const char *s)
{
    size_t n = strlen(s) + 1;
    char *d = malloc(n);
    if (d)
        memcpy(d, s, n);
    return d;
}

char *dnc_path_with_suffix(const char *prefix, const char *suffix)
{
    size_t a = strlen(prefix), b = strlen(suffix);
    char *p = malloc(a + b + 1);
    if (!p)
        return NULL;
    memcpy(p, prefix, a);
    memcpy(p + a, suffix, b + 1);
    return p;
}

/* ---------------------------------------------------------------- files */

dnc_status dnc_afile_open(dnc_afile *f, const char *path)
{
    memset(f, 0, sizeof *f);
    if (path == NULL || path[0] == '\0')
        return dnc_fail(DNC_EINVAL, "empty output path");
    char suffix[48];
    snprintf(suffix, sizeof suffix, ".tmp.%ld", (long)getpid());
    f->path = dup_string(path);
    f->tmp_path = dnc_path_with_suffix(path, suffix);
    if (!f->path || !f->tmp_path) {
        dnc_afile_abort(f);
        return dnc_fail(DNC_ENOMEM, "out of memory opening '%s'", path);
    }
    f->fp = fopen(f->tmp_path, "w");
    if (!f->fp) {
        int e = errno;
        dnc_afile_abort(f);
        return dnc_fail(DNC_EIO, "cannot write '%s': %s", path, strerror(e));
    }
    return DNC_OK;
}

void dnc_afile_abort(dnc_afile *f)
{
    if (f->fp) {
        fclose(f->fp);
        f->fp = NULL;
        if (f->tmp_path)
            remove(f->tmp_path);
    }
    free(f->path);
    free(f->tmp_path);
    f->path = f->tmp_path = NULL;
}

dnc_status dnc_afile_commit(dnc_afile *f)
{
    if (!f->fp)
        return dnc_fail(DNC_EIO, "commit of a file that is not open");
    bool failed = ferror(f->fp) != 0;
    /* No fsync: the rename is what a reader relies on (never a half-written
     * file, see io.h), and it is atomic without one. An fsync per file cost
     * 1.3-2 ms on the development machine's virtio disk, three per run of
     * `powerlaw` (CSV, density CSV, JSON): more than a whole fit of 10^4
     * samples. Surviving a power cut is not promised. */
    failed |= fflush(f->fp) != 0;
    failed |= fclose(f->fp) != 0;
    f->fp = NULL;
    if (failed) {
        int e = errno;
        remove(f->tmp_path);
        dnc_status st = dnc_fail(DNC_EIO, "error writing '%s': %s", f->path, strerror(e));
        dnc_afile_abort(f);
        return st;
    }
    if (rename(f->tmp_path, f->path) != 0) {
        int e = errno;
        remove(f->tmp_path);
        dnc_status st = dnc_fail(DNC_EIO, "cannot rename onto '%s': %s", f->path, strerror(e));
        dnc_afile_abort(f);
        return st;
    }
    dnc_afile_abort(f);
    return DNC_OK;
}

dnc_status dnc_write_text_atomic(const char *path, const char *text)
{
    dnc_afile f;
    dnc_status st = dnc_afile_open(&f, path);
    if (st)
        return st;
    fputs(text, f.fp);
    return dnc_afile_commit(&f);
}

dnc_status dnc_write_json_atomic(const char *path, const cJSON *root)
{
    char *text = cJSON_Print(root);
    if (!text)
        return dnc_fail(DNC_ENOMEM, "cannot serialise JSON for '%s'", path);
    size_t n = strlen(text);
    char *with_newline = realloc(text, n + 2);
    if (!with_newline) {
        free(text);
        return dnc_fail(DNC_ENOMEM, "cannot serialise JSON for '%s'", path);
    }
    with_newline[n] = '\n';
    with_newline[n + 1] = '\0';
    dnc_status st = dnc_write_text_atomic(path, with_newline);
    free(with_newline);
    return st;
}

/* PATH as a directory: made unless one is there (another process may make
 * it at the same time: EEXIST is success when it is a directory). */
static dnc_status make_one_dir(const char *path)
{
    struct stat sb;
    if (stat(path, &sb) != 0 && mkdir(path, 0777) != 0 && errno != EEXIST)
        return dnc_fail(DNC_EIO, "cannot create directory '%s': %s", path, strerror(errno));
    if (stat(path, &sb) != 0 || !S_ISDIR(sb.st_mode))
        return dnc_fail(DNC_EIO, "'%s' exists and is not a directory", path);
    return DNC_OK;
}

dnc_status dnc_make_dirs(const char *path)
{
    if (!path || !*path)
        return dnc_fail(DNC_EINVAL, "empty directory name");
    char *prefix = dup_string(path);
    if (!prefix)
        return dnc_fail(DNC_ENOMEM, "out of memory");
    dnc_status st = DNC_OK;
    for (char *p = prefix + 1; *p && !st; p++) {
        if (*p != '/' || p[-1] == '/')
            continue;
        *p = '\0'; /* the parent ending here */
        st = make_one_dir(prefix);
        *p = '/';
    }
    if (!st)
        st = make_one_dir(prefix);
    free(prefix);
    return st;
}

dnc_status dnc_open_input(const char *path, FILE **fp)
{
    *fp = fopen(path, "rb");
    if (!*fp)
        return dnc_fail(DNC_EIO, "cannot open '%s': %s", path, strerror(errno));
    struct stat sb;
    if (fstat(fileno(*fp), &sb) == 0 && S_ISDIR(sb.st_mode)) {
        fclose(*fp);
        *fp = NULL;
        return dnc_fail(DNC_EIO, "'%s' is a directory, expected a file", path);
    }
    return DNC_OK;
}

/* The bytes of an open stream, NUL-terminated; caller frees. */
static dnc_status read_stream(FILE *fp, const char *path, char **out, size_t *len)
{
    /* a regular file in one read of its size (and one at its end), not
     * doubling from 4 KB; pipes and files that grow take the loop */
    size_t cap = 4096, n = 0;
    struct stat sb;
    if (fstat(fileno(fp), &sb) == 0 && S_ISREG(sb.st_mode) && sb.st_size > 0 &&
        (uintmax_t)sb.st_size < SIZE_MAX / 2)
        cap = (size_t)sb.st_size + 2;
    char *buf = malloc(cap);
    while (buf) {
        n += fread(buf + n, 1, cap - n - 1, fp);
        if (n + 1 < cap)
            break;
        char *bigger = cap <= SIZE_MAX / 2 ? realloc(buf, cap * 2) : NULL;
        if (!bigger) {
            free(buf);
            buf = NULL;
            break;
        }
        buf = bigger;
        cap *= 2;
    }
    if (!buf)
        return dnc_fail(DNC_ENOMEM, "out of memory reading '%s'", path);
    if (ferror(fp)) {
        int e = errno;
        free(buf);
        return dnc_fail(DNC_EIO, "error reading '%s': %s", path, strerror(e));
    }
    buf[n] = '\0';
    *out = buf;
    *len = n;
    return DNC_OK;
}

/* Gzip by its magic bytes (RFC 1952), whatever the file is called. */
static bool is_gzip(const unsigned char *b, size_t n)
{
    return n >= 2 && b[0] == 0x1f && b[1] == 0x8b;
}

/* Decompression of a whole gzip file held in memory. */
typedef struct {
    z_stream zs;
    const unsigned char *in;
    size_t in_len, in_used;
    char *out;
    size_t out_cap, out_used;
} gunzip_state;

/* Feeds the next slice of input (zlib counts in unsigned int). */
static void gunzip_feed(gunzip_state *g)
{
    if (g->zs.avail_in > 0 || g->in_used == g->in_len)
        return;
    size_t chunk = g->in_len - g->in_used;
    if (chunk > UINT_MAX)
        chunk = UINT_MAX;
    g->zs.next_in = (unsigned char *)(uintptr_t)(g->in + g->in_used);
    g->zs.avail_in = (unsigned)chunk;
    g->in_used += chunk;
}

/* Room for more output (always one byte kept for the final NUL). */
static bool gunzip_room(gunzip_state *g)
{
    if (g->out_cap - g->out_used <= 1) {
        if (g->out_cap > SIZE_MAX / 2)
            return false;
        char *bigger = realloc(g->out, g->out_cap * 2);
        if (!bigger)
            return false;
        g->out = bigger;
        g->out_cap *= 2;
    }
    size_t room = g->out_cap - g->out_used - 1;
    g->zs.next_out = (unsigned char *)g->out + g->out_used;
    g->zs.avail_out = room > UINT_MAX ? UINT_MAX : (unsigned)room;
    return true;
}

static bool gunzip_input_left(const gunzip_state *g)
{
    return g->zs.avail_in > 0 || g->in_used < g->in_len;
}

/* The next member of a multi-member file, or an error for other trailing bytes. */
static dnc_status gunzip_next_member(gunzip_state *g, const char *path, bool *done)
{
    *done = !gunzip_input_left(g);
    if (*done)
        return DNC_OK;
    gunzip_feed(g);
    const unsigned char *rest = g->zs.next_in;
    size_t left = g->zs.avail_in + (g->in_len - g->in_used);
    if (!is_gzip(rest, left))
        return dnc_fail(DNC_EINVAL, "'%s': unexpected bytes after the end of the gzip data",
                        path);
    inflateReset(&g->zs);
    return DNC_OK;
}

static dnc_status gunzip_run(gunzip_state *g, const char *path)
{
    for (;;) {
        gunzip_feed(g);
        if (!gunzip_room(g))
            return dnc_fail(DNC_ENOMEM, "out of memory decompressing '%s'", path);
        unsigned char *before = g->zs.next_out;
        int rc = inflate(&g->zs, Z_NO_FLUSH);
        g->out_used += (size_t)(g->zs.next_out - before);
        bool done = false;
        dnc_status st = DNC_OK;
        if (rc == Z_STREAM_END)
            st = gunzip_next_member(g, path, &done);
        else if (rc == Z_BUF_ERROR && !gunzip_input_left(g))
            return dnc_fail(DNC_EINVAL,
                            "'%s': truncated gzip file (the compressed data ends early)", path);
        else if (rc == Z_MEM_ERROR)
            return dnc_fail(DNC_ENOMEM, "out of memory decompressing '%s'", path);
        else if (rc != Z_OK && rc != Z_BUF_ERROR)
            return dnc_fail(DNC_EINVAL, "'%s': corrupt gzip data (%s)", path,
                            g->zs.msg ? g->zs.msg : "inflate failed");
        if (st || done)
            return st;
    }
}

static dnc_status gunzip(const char *path, const char *in, size_t n, char **text, size_t *len)
{
    if (n > SIZE_MAX / 8)
        return dnc_fail(DNC_ENOMEM, "'%s' is too large to decompress", path);
    gunzip_state g = {.in = (const unsigned char *)in, .in_len = n, .out_cap = 4 * n + 4096};
    if (!(g.out = malloc(g.out_cap)))
        return dnc_fail(DNC_ENOMEM, "out of memory decompressing '%s'", path);
    if (inflateInit2(&g.zs, 16 + MAX_WBITS) != Z_OK) { /* 16: gzip wrapper only */
        free(g.out);
        return dnc_fail(DNC_ENOMEM, "out of memory decompressing '%s'", path);
    }
    dnc_status st = gunzip_run(&g, path);
    inflateEnd(&g.zs);
    if (st) {
        free(g.out);
        return st;
    }
    g.out[g.out_used] = '\0';
    *text = g.out;
    *len = g.out_used;
    return DNC_OK;
}

dnc_status dnc_read_file(const char *path, char **text, size_t *len)
{
    *text = NULL;
    bool from_stdin = strcmp(path, "-") == 0;
    FILE *fp = stdin;
    dnc_status st = from_stdin ? DNC_OK : dnc_open_input(path, &fp);
    if (st)
        return st;
    char *raw = NULL;
    size_t n = 0;
    st = read_stream(fp, path, &raw, &n);
    if (!from_stdin)
        fclose(fp);
    if (st)
        return st;
    size_t out_len = n;
    if (is_gzip((const unsigned char *)raw, n)) {
        st = gunzip(path, raw, n, text, &out_len);
        free(raw);
    } else {
        *text = raw;
    }
    if (!st && len)
        *len = out_len;
    return st;
}

dnc_status dnc_read_json(const char *path, cJSON **root)
{
    char *text;
    size_t len;
    dnc_status st = dnc_read_file(path, &text, &len);
    if (st)
        return st;
    const char *end = NULL;
    *root = cJSON_ParseWithLengthOpts(text, len, &end, 0);
    if (!*root) {
        size_t at = end ? (size_t)(end - text) : 0;
        free(text);
        return dnc_fail(DNC_EINVAL, "'%s' is not valid JSON (error near byte %zu)", path, at);
    }
    free(text);
    return DNC_OK;
}

/* ----------------------------------------------------------- run record */

double dnc_wall_time(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

cJSON *dnc_run_record_new(const char *command, int argc, char **argv)
{
    cJSON *r = cJSON_CreateObject();
    if (!r)
        return NULL;
    cJSON_AddStringToObject(r, "tool", "dnncrit");
    cJSON_AddStringToObject(r, "version", DNNCRIT_VERSION);
    cJSON_AddStringToObject(r, "command", command);
    cJSON *args = cJSON_AddArrayToObject(r, "argv");
    for (int i = 0; args && i < argc; i++)
        cJSON_AddItemToArray(args, cJSON_CreateString(argv[i]));
    char stamp[32];
    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%SZ", &tm);
    cJSON_AddStringToObject(r, "started", stamp);
    cJSON_AddNumberToObject(r, "threads", omp_get_max_threads());
    return r;
}

cJSON *dnc_json_estimate(double value, double error)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddNumberToObject(o, "value", value);
    cJSON_AddNumberToObject(o, "error", error);
    return o;
}

void dnc_run_record_finish(cJSON *record, double t0)
{
    cJSON *t = cJSON_GetObjectItemCaseSensitive(record, "timings");
    if (!t)
        t = cJSON_AddObjectToObject(record, "timings");
    if (t)
        cJSON_AddNumberToObject(t, "wall_s", dnc_wall_time() - t0);
}

/* ------------------------------------------------------------ numbers */

const char *dnc_format_double(double x, char buf[32])
{
    if (isnan(x))
        return strcpy(buf, "nan");
    if (isinf(x))
        return strcpy(buf, x > 0 ? "inf" : "-inf");
    for (int prec = 15; prec <= 17; prec++) {
        snprintf(buf, 32, "%.*g", prec, x);
        if (strtod(buf, NULL) == x)
            break;
    }
    return buf;
}

cJSON *dnc_json_exact_number(double x)
{
    if (!isfinite(x))
        return cJSON_CreateNumber(x); /* printed as null */
    char buf[32];
    return cJSON_CreateRaw(dnc_format_double(x, buf));
}

dnc_status dnc_parse_double(const char *s, const char *what, double *out)
{
    if (!s || !*s)
        return dnc_fail(DNC_EINVAL, "%s: empty value, expected a number", what);
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    while (*end && isspace((unsigned char)*end))
        end++;
    if (end == s || *end != '\0')
        return dnc_fail(DNC_EINVAL, "%s: '%s' is not a number", what, s);
    if (!isfinite(v) || errno == ERANGE)
        return dnc_fail(DNC_EINVAL, "%s: '%s' is not a finite number", what, s);
    *out = v;
    return DNC_OK;
}

dnc_status dnc_parse_u64(const char *s, const char *what, unsigned long long *out)
{
    if (!s || !*s)
        return dnc_fail(DNC_EINVAL, "%s: empty value, expected a non-negative integer", what);
    const char *p = s;
    while (isspace((unsigned char)*p))
        p++;
    if (*p == '-')
        return dnc_fail(DNC_EINVAL, "%s: '%s' is negative, expected a non-negative integer",
                        what, s);
    char *end;
    errno = 0;
    unsigned long long v = strtoull(p, &end, 10);
    while (*end && isspace((unsigned char)*end))
        end++;
    if (end == p || *end != '\0')
        return dnc_fail(DNC_EINVAL, "%s: '%s' is not a non-negative integer", what, s);
    if (errno == ERANGE)
        return dnc_fail(DNC_EINVAL, "%s: '%s' is too large", what, s);
    *out = v;
    return DNC_OK;
}

dnc_status dnc_parse_size(const char *s, const char *what, size_t *out)
{
    unsigned long long v;
    dnc_status st = dnc_parse_u64(s, what, &v);
    if (st)
        return st;
    if (v > SIZE_MAX)
        return dnc_fail(DNC_EINVAL, "%s: '%s' is too large", what, s);
    *out = (size_t)v;
    return DNC_OK;
}

/* ------------------------------------------------------------- config */

static dnc_status config_add(dnc_config *cfg, const char *key, const char *value, int line)
{
    dnc_config_entry *grown = realloc(cfg->entries, (cfg->count + 1) * sizeof *grown);
    if (!grown)
        return dnc_fail(DNC_ENOMEM, "out of memory reading config");
    cfg->entries = grown;
    dnc_config_entry *e = &cfg->entries[cfg->count];
    e->key = dup_string(key);
    e->value = dup_string(value);
    e->line = line;
    if (!e->key || !e->value) {
        free(e->key);
        free(e->value);
        return dnc_fail(DNC_ENOMEM, "out of memory reading config");
    }
    cfg->count++;
    return DNC_OK;
}

static bool valid_key(const char *k)
{
    if (!*k)
        return false;
    for (; *k; k++)
        if (!(isalnum((unsigned char)*k) || *k == '-' || *k == '_'))
            return false;
    return true;
}

dnc_status dnc_config_parse(const char *text, const char *name, dnc_config *cfg)
{
    memset(cfg, 0, sizeof *cfg);
    cfg->path = dup_string(name ? name : "<config>");
    char *copy = dup_string(text);
    if (!copy || !cfg->path) {
        free(copy);
        dnc_config_free(cfg);
        return dnc_fail(DNC_ENOMEM, "out of memory reading config");
    }
    dnc_status st = DNC_OK;
    int line = 0;
    char *save = NULL;
    for (char *raw = copy; raw && st == DNC_OK; raw = save) {
        char *nl = strchr(raw, '\n');
        save = nl ? nl + 1 : NULL;
        if (nl)
            *nl = '\0';
        line++;
        char *hash = strchr(raw, '#');
        if (hash)
            *hash = '\0';
        char *s = dnc_trim(raw);
        if (!*s)
            continue;
        char *eq = strchr(s, '=');
        if (!eq) {
            st = dnc_fail(DNC_EINVAL, "%s:%d: expected 'key = value', got '%s'", cfg->path, line,
                          s);
            break;
        }
        *eq = '\0';
        char *key = dnc_trim(s), *value = dnc_trim(eq + 1);
        if (strncmp(key, "--", 2) == 0)
            key += 2;
        if (!valid_key(key)) {
            st = dnc_fail(DNC_EINVAL, "%s:%d: invalid key '%s'", cfg->path, line, key);
            break;
        }
        if (!*value) {
            st = dnc_fail(DNC_EINVAL, "%s:%d: key '%s' has no value", cfg->path, line, key);
            break;
        }
        st = config_add(cfg, key, value, line);
    }
    free(copy);
    if (st)
        dnc_config_free(cfg);
    return st;
}

dnc_status dnc_config_read(const char *path, dnc_config *cfg)
{
    memset(cfg, 0, sizeof *cfg);
    char *text;
    size_t len;
    dnc_status st = dnc_read_file(path, &text, &len);
    if (st)
        return st;
    if (memchr(text, '\0', len) != NULL) {
        free(text);
        return dnc_fail(DNC_EINVAL, "config '%s' contains a NUL byte (binary file?)", path);
    }
    st = dnc_config_parse(text, path, cfg);
    free(text);
    return st;
}

void dnc_config_free(dnc_config *cfg)
{
    for (size_t i = 0; i < cfg->count; i++) {
        free(cfg->entries[i].key);
        free(cfg->entries[i].value);
    }
    free(cfg->entries);
    free(cfg->path);
    memset(cfg, 0, sizeof *cfg);
}

/* ----------------------------------------------------------- progress */

void dnc_progress_start(dnc_progress *p, const char *label, size_t total, bool quiet)
{
    p->label = label;
    p->total = total;
    p->t0 = dnc_wall_time();
    p->last_print = 0;
    p->enabled = !quiet && isatty(STDERR_FILENO);
}

void dnc_progress_update(dnc_progress *p, size_t done)
{
    if (!p->enabled)
        return;
    double now = dnc_wall_time();
    if (now - p->last_print < 0.2 && done < p->total)
        return;
    p->last_print = now;
    double el = now - p->t0;
    double frac = p->total ? (double)done / (double)p->total : 0;
    double eta = frac > 0 ? el * (1 - frac) / frac : 0;
    fprintf(stderr, "\r%s: %zu/%zu (%5.1f%%) %.1fs elapsed, ~%.1fs left   ", p->label, done,
            p->total, 100 * frac, el, eta);
    fflush(stderr);
}

void dnc_progress_finish(dnc_progress *p)
{
    if (!p->enabled)
        return;
    fprintf(stderr, "\r%s: done in %.2fs%40s\n", p->label, dnc_wall_time() - p->t0, "");
}

void dnc_csv_number(FILE *fp, double v, int digits, const char *sep)
{
    if (isnan(v))
        fprintf(fp, "nan%s", sep);
    else if (isinf(v))
        fprintf(fp, "%s%s", v > 0 ? "inf" : "-inf", sep);
    else
        fprintf(fp, "%.*g%s", digits, v, sep);
}
