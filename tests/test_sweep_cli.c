/* dnncrit sweep end to end: malformed files, resume after SIGKILL, and the
 * MPI path (mpirun -n 2) against the serial run. */
#include <dirent.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include <cjson/cJSON.h>

#include "sweep_driver.h"
#include "testutil.h"

static void write_file(const char *path, const char *text)
{
    FILE *fp = fopen(path, "w");
    assert_non_null(fp);
    fputs(text, fp);
    fclose(fp);
}

static char *file_in(const char *dir, const char *name) { return tu_read(tu_path(dir, name)); }

static void expect_rejected(const char *body, const char *needle)
{
    char *dir = tu_tmpdir();
    write_file(tu_path(dir, "bad.cfg"), body);
    int rc = tu_run_cli(dir, "sweep bad.cfg --out-dir out --quiet");
    char *err = file_in(dir, "stderr");
    if (rc != 1 || !err || !strstr(err, needle))
        fail_msg("rc %d, stderr '%s', expected '%s'", rc, err ? err : "", needle);
    assert_non_null(strstr(err, "dnncrit sweep: error: bad.cfg:"));
    assert_false(tu_exists(tu_path(dir, "out"))); /* nothing written */
    free(err);
    tu_rmtree_free(dir);
}

static void test_malformed_files_write_nothing(void **state)
{
    (void)state;
    expect_rejected("type = avalanche_typo\n", "unknown experiment type 'avalanche_typo'");
    expect_rejected("type = propagate\nwidht = 64\n", "unknown key 'widht'");
    expect_rejected("type = propagate\nsigma_w = \n", "has no value");
    expect_rejected("type = propagate\nsigma_w = 1,,2\n", "empty element");
    expect_rejected("type = propagate\nsigma_b = 0,nan\n", "'nan' is not a finite number");
    expect_rejected("type = propagate\nsigma_w = 1:0:5\nsigma_b = 0\n", "point 4");
}

static void test_usage_errors(void **state)
{
    (void)state;
    char *dir = tu_tmpdir();
    write_file(tu_path(dir, "ok.cfg"), "type = meanfield\n");
    assert_int_equal(tu_run_cli(dir, "sweep ok.cfg"), 2);
    char *err = file_in(dir, "stderr");
    assert_non_null(strstr(err, "--out-dir"));
    free(err);
    assert_int_equal(tu_run_cli(dir, "sweep missing.cfg --out-dir o"), 1);
    err = file_in(dir, "stderr");
    assert_non_null(strstr(err, "missing.cfg"));
    free(err);
    assert_false(tu_exists(tu_path(dir, "o")));
    assert_int_equal(tu_run_cli(dir, "sweep ok.cfg --dry-run"), 0);
    char *plan = file_in(dir, "stdout");
    assert_non_null(strstr(plan, "sweep meanfield: 1 point"));
    assert_non_null(strstr(plan, "table columns: index,q_star,chi_1"));
    free(plan);
    assert_int_equal(tu_count_entries(dir), 3); /* ok.cfg, stdout, stderr */
    assert_int_equal(tu_run_cli(dir, "sweep --help"), 0);
    char *out = file_in(dir, "stdout");
    assert_non_null(strstr(out, "--out-dir"));
    free(out);
    tu_rmtree_free(dir);
}

/* The README's quick tour writes into runs/prop with runs/ missing: the
 * output directory's parents are made (two levels here). A range grid
 * whose values are not the shortest decimals of their doubles (point 7 of
 * 1.0:1.8:9 is 1.7000000000000002) is written exactly and resumes. */
static void test_range_grid_into_missing_parents(void **state)
{
    (void)state;
    char *dir = tu_tmpdir();
    write_file(tu_path(dir, "mf.cfg"), "type = meanfield\nsigma_w = 1.0:1.8:9\n");
    const char *args = "sweep mf.cfg --out-dir runs/a/prop --threads 1";
    assert_int_equal(tu_run_cli(dir, "%s", args), 0);
    char *csv = file_in(dir, "runs/a/prop/table.csv");
    assert_non_null(csv);
    assert_non_null(strstr(csv, "\n7,1.7000000000000002,"));
    free(csv);
    char *text = file_in(dir, "runs/a/prop/points/7.json");
    assert_non_null(text);
    cJSON *point = cJSON_Parse(text);
    free(text);
    assert_non_null(point);
    const cJSON *sw = cJSON_GetObjectItem(cJSON_GetObjectItem(point, "params"), "sigma_w");
    assert_true(cJSON_IsNumber(sw));
    assert_true(sw->valuedouble == 1.0 + (1.8 - 1.0) * (7.0 / 8.0)); /* the grid's double */
    assert_true(sw->valuedouble != 1.7);
    cJSON_Delete(point);
    assert_int_equal(tu_run_cli(dir, "%s", args), 0);
    char *summary = file_in(dir, "stdout");
    assert_non_null(strstr(summary, "(0 computed now, 9 resumed, 0 failed)"));
    free(summary);
    tu_rmtree_free(dir);
}

/* ~0.05-0.2 s a point on one core: long enough to kill mid-run. */
static const char *resume_sweep = "type = propagate\nsigma_w = 0.9,1.1,1.3\nsigma_b = 0.05\n"
                                  "width = 128\ndepth = 60\nseed = 1:8:8\n";
enum { RESUME_POINTS = 24 };

static size_t finished_points(const char *dir)
{
    DIR *d = opendir(tu_path(dir, "out/points"));
    if (!d)
        return 0;
    size_t n = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        size_t len = strlen(e->d_name);
        n += len > 5 && strcmp(e->d_name + len - 5, ".json") == 0;
    }
    closedir(d);
    return n;
}

static pid_t start_sweep(const char *dir)
{
    const char *bin = getenv("DNNCRIT_BIN");
    assert_non_null(bin);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        if (chdir(dir) != 0 || !freopen("/dev/null", "w", stdout) ||
            !freopen("stderr", "w", stderr))
            _exit(127);
        execl(bin, bin, "sweep", "sweep.cfg", "--out-dir", "out", "--threads", "1", "--quiet",
              (char *)NULL);
        _exit(127);
    }
    return pid;
}

static void sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

/* Kill -9 once `want` points are on disk; returns how many there were. */
static size_t kill_after(pid_t pid, const char *dir, size_t want)
{
    int status;
    for (int i = 0; i < 60000; i++) {
        if (finished_points(dir) >= want)
            break;
        if (waitpid(pid, &status, WNOHANG) == pid)
            fail_msg("the sweep exited before %zu points were written", want);
        sleep_ms(1);
    }
    kill(pid, SIGKILL);
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
    return finished_points(dir);
}

typedef struct {
    char name[64];
    char *text;
    struct stat sb;
} kept_file;

static void test_resume_after_sigkill(void **state)
{
    (void)state;
    char *dir = tu_tmpdir(), *ref = tu_tmpdir();
    write_file(tu_path(dir, "sweep.cfg"), resume_sweep);
    write_file(tu_path(ref, "sweep.cfg"), resume_sweep);
    pid_t pid = start_sweep(dir);
    size_t done = kill_after(pid, dir, 4);
    if (done >= RESUME_POINTS)
        fail_msg("all points finished before the kill: make the points heavier");
    assert_false(tu_exists(tu_path(dir, "out/table.csv")));
    /* What a crash mid-write can leave: a temporary, and (worst case) a
     * truncated result for a point not finished. */
    write_file(tu_path(dir, "out/points/23.json.tmp.999999"), "{\"index\": 23, \"st");
    write_file(tu_path(dir, "out/points/22.json"), "{\"index\": 22, \"status\": \"ok\", \"cs");
    kept_file kept[RESUME_POINTS];
    size_t nkept = 0;
    for (size_t i = 0; i < RESUME_POINTS; i++) {
        char name[48];
        snprintf(name, sizeof name, "out/points/%zu.json", i);
        if (i == 22 || !tu_exists(tu_path(dir, name)))
            continue;
        snprintf(kept[nkept].name, sizeof kept[nkept].name, "%s", name);
        kept[nkept].text = file_in(dir, name);
        assert_int_equal(stat(tu_path(dir, name), &kept[nkept].sb), 0);
        nkept++;
    }
    assert_true(nkept >= 4);

    /* no --quiet: the summary on stdout is checked */
    assert_int_equal(tu_run_cli(dir, "sweep sweep.cfg --out-dir out --threads 1"), 0);
    char *summary = file_in(dir, "stdout");
    char expect[96];
    snprintf(expect, sizeof expect, "(%zu computed now, %zu resumed, 0 failed)",
             RESUME_POINTS - nkept, nkept);
    assert_non_null(strstr(summary, expect));
    free(summary);
    assert_false(tu_exists(tu_path(dir, "out/points/23.json.tmp.999999")));
    for (size_t k = 0; k < nkept; k++) {
        char *now = file_in(dir, kept[k].name);
        struct stat sb;
        assert_int_equal(stat(tu_path(dir, kept[k].name), &sb), 0);
        assert_string_equal(now, kept[k].text); /* holds its own timing: not redone */
        assert_int_equal(sb.st_ino, kept[k].sb.st_ino);
        assert_int_equal(sb.st_mtim.tv_nsec, kept[k].sb.st_mtim.tv_nsec);
        free(now);
        free(kept[k].text);
    }
    /* Uninterrupted reference with another thread count. */
    assert_int_equal(tu_run_cli(ref, "sweep sweep.cfg --out-dir out --threads 2 --quiet"), 0);
    char *a = file_in(dir, "out/table.csv"), *b = file_in(ref, "out/table.csv");
    assert_non_null(a);
    assert_non_null(b);
    assert_string_equal(a, b);
    free(a);
    free(b);
    tu_rmtree_free(dir);
    tu_rmtree_free(ref);
}

static bool have_program(const char *name)
{
    char cmd[256];
    snprintf(cmd, sizeof cmd, "command -v %s >/dev/null 2>&1", name);
    return system(cmd) == 0;
}

static const char *mpi_sweep = "type = propagate\nactivation = tanh,relu\n"
                               "sigma_w = 0.9:1.5:4\nwidth = 32,64\ndepth = 20\nseed = 7,8\n";

/* Open MPI refuses root unless told; CI containers run as root. Under the
 * sanitizer build, Open MPI's plugins (dlopened, then unloaded) leave
 * allocations LeakSanitizer can neither attribute nor suppress, so leak
 * checking is off for the mpirun children only; the serial runs in this
 * and the other tests keep it, and ASan's other checks stay on. */
static void mpi_environment(void)
{
    setenv("OMPI_ALLOW_RUN_AS_ROOT", "1", 1);
    setenv("OMPI_ALLOW_RUN_AS_ROOT_CONFIRM", "1", 1);
    /* Containers often forbid the ptrace-based single-copy transfer. */
    setenv("OMPI_MCA_btl_vader_single_copy_mechanism", "none", 0);
}

static void test_mpi_matches_serial(void **state)
{
    (void)state;
    if (!sweep_mpi_built()) {
        printf("dnncrit built without MPI: the mpirun path is not tested\n");
        skip();
    }
    if (!have_program("mpirun"))
        fail_msg("dnncrit was built with MPI but mpirun is not on PATH (apt-get install "
                 "openmpi-bin)");
    mpi_environment();
    char *ser = tu_tmpdir(), *par = tu_tmpdir();
    write_file(tu_path(ser, "sweep.cfg"), mpi_sweep);
    write_file(tu_path(par, "sweep.cfg"), mpi_sweep);
    assert_int_equal(tu_run_cli(ser, "sweep sweep.cfg --out-dir out --threads 1 --quiet"), 0);
    const char *bin = getenv("DNNCRIT_BIN");
    char cmd[4096];
    snprintf(cmd, sizeof cmd,
             "cd '%s' && ASAN_OPTIONS=detect_leaks=0:abort_on_error=1 "
             "mpirun -n 2 --oversubscribe '%s' sweep sweep.cfg --out-dir out "
             "--threads 1 >stdout 2>stderr </dev/null",
             par, bin);
    int st = system(cmd);
    if (st != 0) {
        char *err = file_in(par, "stderr");
        fail_msg("mpirun failed (%d): %s", st, err ? err : "");
    }
    char *summary = file_in(par, "stdout");
    assert_non_null(strstr(summary, "on 2 ranks"));
    free(summary);
    char *a = file_in(ser, "out/table.csv"), *b = file_in(par, "out/table.csv");
    assert_non_null(a);
    assert_non_null(b);
    assert_string_equal(a, b);
    free(a);
    free(b);
    /* Rerun under mpirun: everything is resumed, nothing recomputed. */
    st = system(cmd);
    assert_int_equal(st, 0);
    summary = file_in(par, "stdout");
    assert_non_null(strstr(summary, "(0 computed now, 32 resumed"));
    free(summary);
    tu_rmtree_free(ser);
    tu_rmtree_free(par);
}

/* train-sweep runs on the same engine and MPI driver: under mpirun its
 * points are shared out, and the tables equal the serial run's. */
static const char *train_grid = "train-sweep --sigma-w 0.8,1.6 --depth 2 --width 8 --seeds 2 "
                                "--epochs 1 --obs-inputs 4 --train-size 200 --test-size 100 "
                                "--bootstrap 50 --threads 1 --quiet --out-dir out";

static void test_train_sweep_mpi_matches_serial(void **state)
{
    (void)state;
    if (!sweep_mpi_built() || !have_program("mpirun"))
        skip(); /* test_mpi_matches_serial reports why */
    mpi_environment();
    char *ser = tu_tmpdir(), *par = tu_tmpdir();
    assert_int_equal(tu_run_cli(ser, "%s", train_grid), 0);
    char cmd[4096];
    snprintf(cmd, sizeof cmd,
             "cd '%s' && ASAN_OPTIONS=detect_leaks=0:abort_on_error=1 "
             "mpirun -n 2 --oversubscribe '%s' %s >stdout 2>stderr </dev/null",
             par, getenv("DNNCRIT_BIN"), train_grid);
    int st = system(cmd);
    if (st != 0) {
        char *err = file_in(par, "stderr");
        fail_msg("mpirun failed (%d): %s", st, err ? err : "");
    }
    const char *tables[] = {"out/sweep.csv", "out/landscape.csv", "out/spec.json"};
    for (int t = 0; t < 3; t++) {
        char *a = file_in(ser, tables[t]), *b = file_in(par, tables[t]);
        assert_non_null(a);
        assert_non_null(b);
        assert_string_equal(a, b);
        free(a);
        free(b);
    }
    char *rec = file_in(par, "out/sweep.json");
    assert_non_null(strstr(rec, "\"ran\":\t4"));
    free(rec);
    tu_rmtree(ser);
    tu_rmtree(par);
    free(ser);
    free(par);
}

/* Without MPI, an mpirun launch must be refused, not run K times. */
static void test_launcher_refused_without_mpi(void **state)
{
    (void)state;
    if (sweep_mpi_built())
        skip(); /* covered by a -DDNNCRIT_WITH_MPI=OFF build */
    char *dir = tu_tmpdir();
    write_file(tu_path(dir, "ok.cfg"), "type = meanfield\n");
    setenv("OMPI_COMM_WORLD_SIZE", "2", 1);
    int rc = tu_run_cli(dir, "sweep ok.cfg --out-dir out");
    unsetenv("OMPI_COMM_WORLD_SIZE");
    assert_int_equal(rc, 2);
    char *err = file_in(dir, "stderr");
    assert_non_null(strstr(err, "built without MPI"));
    free(err);
    assert_false(tu_exists(tu_path(dir, "out")));
    tu_rmtree_free(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_malformed_files_write_nothing),
        cmocka_unit_test(test_usage_errors),
        cmocka_unit_test(test_range_grid_into_missing_parents),
        cmocka_unit_test(test_resume_after_sigkill),
        cmocka_unit_test(test_mpi_matches_serial),
        cmocka_unit_test(test_train_sweep_mpi_matches_serial),
        cmocka_unit_test(test_launcher_refused_without_mpi),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
