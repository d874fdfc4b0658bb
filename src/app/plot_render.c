/* Running gnuplot: finding it, a private temporary directory for the
 * script and data, fork/exec without a shell, and the image written
 * atomically (dnc_figure_render, dnncrit/plot.h). */
#include "app/plot_script.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "dnncrit/io.h"
#include "dnncrit/plot.h"

static bool write_file(const char *path, const char *text, size_t len)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0600);
    if (fd < 0)
        return false;
    size_t done = 0;
    while (done < len) {
        ssize_t w = write(fd, text + done, len - done);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            break;
        done += (size_t)w;
    }
    return close(fd) == 0 && done == len;
}


/* -------------------------------------------------------- running it */

static bool executable(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISREG(st.st_mode) && access(path, X_OK) == 0;
}

dnc_status dnc_plot_find_gnuplot(char **path)
{
    *path = NULL;
    const char *env = getenv("DNNCRIT_GNUPLOT");
    if (env && *env) {
        if (!executable(env))
            return dnc_fail(DNC_EUNSUPPORTED,
                            "DNNCRIT_GNUPLOT='%s' is not an executable file", env);
        *path = strdup(env);
        return *path ? DNC_OK : dnc_fail(DNC_ENOMEM, "out of memory");
    }
    const char *pathvar = getenv("PATH");
    if (!pathvar || !*pathvar)
        pathvar = "/usr/bin:/bin";
    const char *p = pathvar;
    while (*p) {
        const char *colon = strchr(p, ':');
        size_t len = colon ? (size_t)(colon - p) : strlen(p);
        if (len > 0 && len < 4000) {
            char cand[4096];
            snprintf(cand, sizeof cand, "%.*s/gnuplot", (int)len, p);
            if (executable(cand)) {
                *path = strdup(cand);
                return *path ? DNC_OK : dnc_fail(DNC_ENOMEM, "out of memory");
            }
        }
        if (!colon)
            break;
        p = colon + 1;
    }
    return dnc_fail(DNC_EUNSUPPORTED,
                    "gnuplot not found on PATH: figures need it (Debian: apt-get install "
                    "gnuplot-nox), or point DNNCRIT_GNUPLOT at the executable");
}

bool dnc_plot_available(void)
{
    char *p;
    if (dnc_plot_find_gnuplot(&p))
        return false;
    free(p);
    return true;
}

static void remove_tree(const char *dir, size_t ndata)
{
    char path[4200];
    for (size_t i = 0; i < ndata; i++) {
        snprintf(path, sizeof path, "%s/d%zu.dat", dir, i);
        unlink(path);
    }
    snprintf(path, sizeof path, "%s/plot.gp", dir);
    unlink(path);
    snprintf(path, sizeof path, "%s/gnuplot.err", dir);
    unlink(path);
    rmdir(dir);
}

/* The last non-empty line of gnuplot's stderr, for the error message. */
static void last_error_line(const char *errpath, char *out, size_t cap)
{
    out[0] = '\0';
    char *text;
    size_t len;
    if (dnc_read_file(errpath, &text, &len))
        return;
    char *best = NULL;
    for (char *line = strtok(text, "\n"); line; line = strtok(NULL, "\n")) {
        char *s = line;
        while (isspace((unsigned char)*s))
            s++;
        if (*s && *s != '^')
            best = s;
    }
    if (best)
        snprintf(out, cap, "%s", best);
    free(text);
}

/* fork/exec gnuplot SCRIPT with stdout = out_fd, stderr = errpath. */
static dnc_status run_gnuplot(const char *gnuplot, const char *script, int out_fd,
                              const char *errpath)
{
    int err_fd = open(errpath, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    if (err_fd < 0)
        return dnc_fail(DNC_EIO, "cannot create '%s': %s", errpath, strerror(errno));
    fflush(NULL);
    pid_t pid = fork();
    if (pid < 0) {
        int e = errno;
        close(err_fd);
        return dnc_fail(DNC_EIO, "cannot start gnuplot: %s", strerror(e));
    }
    if (pid == 0) {
        int devnull = open("/dev/null", O_RDONLY);
        if (devnull >= 0)
            dup2(devnull, STDIN_FILENO);
        dup2(out_fd, STDOUT_FILENO);
        dup2(err_fd, STDERR_FILENO);
        char *const argv[] = {(char *)"gnuplot", (char *)script, NULL};
        execv(gnuplot, argv);
        _exit(127);
    }
    close(err_fd);
    int status;
    while (waitpid(pid, &status, 0) < 0) {
        if (errno != EINTR)
            return dnc_fail(DNC_EIO, "waiting for gnuplot: %s", strerror(errno));
    }
    if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
        return DNC_OK;
    char line[512];
    last_error_line(errpath, line, sizeof line);
    if (WIFEXITED(status) && WEXITSTATUS(status) == 127 && !line[0])
        return dnc_fail(DNC_EUNSUPPORTED, "cannot execute gnuplot '%s'", gnuplot);
    if (WIFSIGNALED(status))
        return dnc_fail(DNC_EIO, "gnuplot was killed by signal %d", WTERMSIG(status));
    return dnc_fail(DNC_EIO, "gnuplot failed (exit %d): %s", WEXITSTATUS(status),
                    line[0] ? line : "no message");
}

static dnc_status make_tmpdir(char **dir)
{
    const char *base = getenv("TMPDIR");
    if (!base || !*base)
        base = "/tmp";
    for (const char *c = base; *c; c++)
        if (*c == '\'' || (unsigned char)*c < 0x20)
            return dnc_fail(DNC_EINVAL, "TMPDIR '%s' contains a quote or control character: "
                                        "point it at a plainer directory", base);
    size_t n = strlen(base) + 32;
    *dir = malloc(n);
    if (!*dir)
        return dnc_fail(DNC_ENOMEM, "out of memory");
    snprintf(*dir, n, "%s/dnncrit-plot-XXXXXX", base);
    if (!mkdtemp(*dir)) {
        int e = errno;
        free(*dir);
        *dir = NULL;
        return dnc_fail(DNC_EIO, "cannot create a temporary directory in '%s': %s", base,
                        strerror(e));
    }
    return DNC_OK;
}

static dnc_status write_inputs(const char *dir, const dnc_script_build *sb)
{
    char path[4200];
    for (size_t i = 0; i < sb->ndata; i++) {
        snprintf(path, sizeof path, "%s/d%zu.dat", dir, i);
        if (!write_file(path, sb->data[i].s, sb->data[i].len))
            return dnc_fail(DNC_EIO, "cannot write plot data '%s'", path);
    }
    snprintf(path, sizeof path, "%s/plot.gp", dir);
    if (!write_file(path, sb->script.s, sb->script.len))
        return dnc_fail(DNC_EIO, "cannot write plot script '%s'", path);
    return DNC_OK;
}

static dnc_status check_output(const char *path)
{
    struct stat st;
    if (stat(path, &st) != 0 || st.st_size == 0)
        return dnc_fail(DNC_EIO, "gnuplot produced no image for '%s'", path);
    return DNC_OK;
}

dnc_status dnc_figure_render(const dnc_figure *fig, const char *path, dnc_plot_format fmt)
{
    if (!path || !*path)
        return dnc_fail(DNC_EINVAL, "empty figure path");
    char *gnuplot;
    dnc_status st = dnc_plot_find_gnuplot(&gnuplot);
    if (st)
        return st;
    char *dir;
    if ((st = make_tmpdir(&dir))) {
        free(gnuplot);
        return st;
    }
    dnc_script_build sb;
    if ((st = dnc_plot_build_script(fig, fmt, dir, &sb))) {
        remove_tree(dir, 0);
        free(dir);
        free(gnuplot);
        return st;
    }
    dnc_afile out;
    st = write_inputs(dir, &sb);
    if (!st)
        st = dnc_afile_open(&out, path);
    if (!st) {
        char script[4200], errpath[4200];
        snprintf(script, sizeof script, "%s/plot.gp", dir);
        snprintf(errpath, sizeof errpath, "%s/gnuplot.err", dir);
        fflush(out.fp);
        st = run_gnuplot(gnuplot, script, fileno(out.fp), errpath);
        if (!st)
            st = check_output(out.tmp_path);
        if (st)
            dnc_afile_abort(&out);
        else
            st = dnc_afile_commit(&out);
    }
    const char *keep = getenv("DNNCRIT_PLOT_KEEP");
    if (!(keep && *keep && strcmp(keep, "0") != 0))
        remove_tree(dir, sb.ndata);
    dnc_plot_build_free(&sb);
    free(dir);
    free(gnuplot);
    return st;
}
