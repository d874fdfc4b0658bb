/* The CNN claims of `dnncrit reproduce tamai2025` (reproduce_tamai_cnn.h)
 * in quick mode: every field of the claim is filled from the measurement,
 * the verdict is the one the stated rule gives on the numbers shown, the
 * command is a dnncrit command line, the figure is written. Slow (about a
 * minute per claim on 2 cores): listed in slow_tests.cmake. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "app/reproduce_tamai_cnn.h"
#include "testutil.h"

static void check_claim(dnc_status (*fn)(const dnc_reproduce_opts *, dnc_claim *),
                        const char *cls_word)
{
    char dir[] = "/tmp/dnc_tamai_XXXXXX";
    assert_non_null(mkdtemp(dir));
    dnc_reproduce_opts o = {.quick = true, .out_dir = dir, .quiet = true, .seed = 1};
    dnc_claim c;
    assert_int_equal(fn(&o, &c), DNC_OK);
    assert_non_null(strstr(c.paper, cls_word));
    assert_true(isfinite(c.measured) && c.error > 0);
    assert_non_null(strstr(c.command, "dnncrit cnn"));
    assert_non_null(strstr(c.command, "dnncrit exponents"));
    assert_non_null(strstr(c.rule, "z(delta)"));
    assert_non_null(strstr(c.detail, "pc(full)"));
    /* the verdict is the rule's on the numbers in the rule text: not
     * supported iff some z > 3 (or one critical point missing) */
    double z[4];
    const char *p = strstr(c.rule, "z(delta) = ");
    assert_non_null(p);
    assert_int_equal(sscanf(p, "z(delta) = %lf, z(delta') = %lf, z(theta) = %lf, z(pc) = %lf",
                            &z[0], &z[1], &z[2], &z[3]),
                     4);
    bool over3 = false;
    for (int k = 0; k < 4; k++)
        over3 |= isfinite(z[k]) && z[k] > 3;
    if (over3)
        assert_int_equal(c.verdict, DNC_VERDICT_NOT_SUPPORTED);
    if (c.figure[0]) {
        char path[512];
        struct stat sb;
        snprintf(path, sizeof path, "%s/%s", dir, c.figure);
        assert_int_equal(stat(path, &sb), 0);
        assert_true(sb.st_size > 0);
        remove(path);
    }
    rmdir(dir);
}

static void test_claim_1d(void **state)
{
    (void)state;
    check_claim(dnc_tamai_claim_cnn1d, "DP 1+1");
}

static void test_claim_2d(void **state)
{
    (void)state;
    check_claim(dnc_tamai_claim_cnn2d, "DP 2+1");
}

static void test_claim_bad_input(void **state)
{
    (void)state;
    dnc_claim c;
    assert_int_equal(dnc_tamai_claim_cnn1d(NULL, &c), DNC_EINVAL);
    dnc_reproduce_opts o = {.quick = true};
    assert_int_equal(dnc_tamai_claim_cnn2d(&o, NULL), DNC_EINVAL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_claim_bad_input),
        cmocka_unit_test(test_claim_1d),
        cmocka_unit_test(test_claim_2d),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
