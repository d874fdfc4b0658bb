/* param: parameter declarations (key spelling, domains, defaults) and the
 * network/initialisation declarations of the models layer. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "dnncrit/network.h"
#include "dnncrit/param.h"
#include "dnncrit/sweep.h"

static void test_option_name_spells_underscores_as_dashes(void **state)
{
    (void)state;
    char buf[8];
    assert_string_equal(dnc_param_option_name("sigma_w", buf, sizeof buf), "sigma-w");
    assert_string_equal(dnc_param_option_name("input_width", buf, sizeof buf), "input-w");
    assert_string_equal(dnc_param_option_name("", buf, sizeof buf), "");
}

static void test_double_domains(void **state)
{
    (void)state;
    const dnc_param pos = {"x", DNC_PARAM_DOUBLE, "1", "h", "(0,inf)"};
    const dnc_param nonneg = {"y", DNC_PARAM_DOUBLE, "0", "h", "[0,inf)"};
    const dnc_param unit = {"z", DNC_PARAM_DOUBLE, "0", "h", "[0,1]"};
    const dnc_param any = {"a", DNC_PARAM_DOUBLE, "0", "h", NULL};
    assert_int_equal(dnc_param_check_double(&pos, NULL, 1e-300), DNC_OK);
    assert_int_equal(dnc_param_check_double(&pos, NULL, 0), DNC_EINVAL);
    assert_string_equal(dnc_last_error(), "x must be a finite number > 0, got 0");
    assert_int_equal(dnc_param_check_double(&pos, NULL, INFINITY), DNC_EINVAL);
    assert_int_equal(dnc_param_check_double(&nonneg, NULL, 0), DNC_OK);
    assert_int_equal(dnc_param_check_double(&nonneg, "the y", -1), DNC_EINVAL);
    assert_string_equal(dnc_last_error(), "the y must be a finite number >= 0, got -1");
    assert_int_equal(dnc_param_check_double(&unit, NULL, 1), DNC_OK);
    assert_int_equal(dnc_param_check_double(&unit, NULL, 1.5), DNC_EINVAL);
    assert_string_equal(dnc_last_error(), "z must be a finite number in [0,1], got 1.5");
    assert_int_equal(dnc_param_check_double(&any, NULL, -1e300), DNC_OK);
    assert_int_equal(dnc_param_check_double(&any, NULL, NAN), DNC_EINVAL);
}

static void test_integer_domains(void **state)
{
    (void)state;
    const dnc_param range = {"n", DNC_PARAM_SIZE, "1", "h", "[1,10]"};
    const dnc_param upto = {"m", DNC_PARAM_SIZE, "0", "h", "[0,10]"};
    const dnc_param from = {"k", DNC_PARAM_U64, "2", "h", "[2,inf)"};
    assert_int_equal(dnc_param_check_integer(&range, NULL, 10), DNC_OK);
    assert_int_equal(dnc_param_check_integer(&range, NULL, 0), DNC_EINVAL);
    assert_string_equal(dnc_last_error(), "n must be between 1 and 10, got 0");
    assert_int_equal(dnc_param_check_integer(&upto, NULL, 0), DNC_OK);
    assert_int_equal(dnc_param_check_integer(&upto, NULL, 11), DNC_EINVAL);
    assert_string_equal(dnc_last_error(), "m must be at most 10, got 11");
    assert_int_equal(dnc_param_check_integer(&from, NULL, UINT64_MAX), DNC_OK);
    assert_int_equal(dnc_param_check_integer(&from, NULL, 1), DNC_EINVAL);
    assert_string_equal(dnc_last_error(), "k must be at least 2, got 1");
}

static void test_malformed_domain_is_an_error(void **state)
{
    (void)state;
    const char *bad[] = {"0,1", "[0;1]", "[1,0]", "(0,1", "[,]", "[0,1]x"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        const dnc_param p = {"p", DNC_PARAM_DOUBLE, "0", "h", bad[i]};
        assert_int_equal(dnc_param_check_double(&p, NULL, 0.5), DNC_EINVAL);
        assert_non_null(strstr(dnc_last_error(), "malformed domain"));
    }
}

static void test_defaults_parse_by_type(void **state)
{
    (void)state;
    const dnc_param d = {"d", DNC_PARAM_DOUBLE, "0.05", "h", NULL};
    const dnc_param n = {"n", DNC_PARAM_SIZE, "128", "h", NULL};
    const dnc_param required = {"r", DNC_PARAM_SIZE, NULL, "h", NULL};
    double x = 0;
    uint64_t u = 0;
    assert_int_equal(dnc_param_default_double(&d, &x), DNC_OK);
    assert_float_equal(x, 0.05, 0);
    assert_int_equal(dnc_param_default_integer(&n, &u), DNC_OK);
    assert_int_equal(u, 128);
    assert_int_equal(dnc_param_default_integer(&d, &u), DNC_EINVAL);
    assert_int_equal(dnc_param_default_double(&n, &x), DNC_EINVAL);
    assert_int_equal(dnc_param_default_integer(&required, &u), DNC_EINVAL);
}

/* Every network declaration: its default parses, lies in its own domain,
 * and dnc_mlp_config_default is made of these defaults. */
static void test_network_declarations(void **state)
{
    (void)state;
    const dnc_param *sizes[] = {&dnc_net_param_width, &dnc_net_param_depth,
                                &dnc_net_param_input_width, &dnc_net_param_seed};
    for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
        uint64_t u;
        assert_int_equal(dnc_param_default_integer(sizes[i], &u), DNC_OK);
        assert_int_equal(dnc_param_check_integer(sizes[i], NULL, u), DNC_OK);
    }
    const dnc_param *reals[] = {&dnc_net_param_sigma_w, &dnc_net_param_sigma_b};
    for (size_t i = 0; i < sizeof reals / sizeof reals[0]; i++) {
        double x;
        assert_int_equal(dnc_param_default_double(reals[i], &x), DNC_OK);
        assert_int_equal(dnc_param_check_double(reals[i], NULL, x), DNC_OK);
    }
    dnc_mlp_config c = dnc_mlp_config_default();
    assert_int_equal(c.width, 256);
    assert_int_equal(c.depth, 100);
    assert_int_equal(c.input_width, 0);
    assert_int_equal(c.activation, DNC_ACT_TANH);
    assert_float_equal(c.sigma_w, 1.0, 0);
    assert_float_equal(c.sigma_b, 0.0, 0);
    assert_int_equal(c.seed, 1);
    assert_int_equal(dnc_mlp_config_validate(&c), DNC_OK);
}

/* The declared domains are the library's limits: the ends are accepted,
 * one past them is refused with the message that names the parameter. */
static void test_network_validation_uses_the_domains(void **state)
{
    (void)state;
    dnc_mlp_config c = dnc_mlp_config_default();
    c.width = DNC_MAX_WIDTH;
    c.depth = DNC_MAX_DEPTH;
    c.input_width = DNC_MAX_WIDTH;
    assert_int_equal(dnc_mlp_config_validate(&c), DNC_OK);
    c.width = DNC_MAX_WIDTH + 1;
    assert_int_equal(dnc_mlp_config_validate(&c), DNC_EINVAL);
    assert_string_equal(dnc_last_error(), "width must be between 1 and 1048576, got 1048577");
    c = dnc_mlp_config_default();
    c.depth = 0;
    assert_int_equal(dnc_mlp_config_validate(&c), DNC_EINVAL);
    assert_string_equal(dnc_last_error(), "depth must be between 1 and 1048576, got 0");
    c = dnc_mlp_config_default();
    c.input_width = DNC_MAX_WIDTH + 1;
    assert_int_equal(dnc_mlp_config_validate(&c), DNC_EINVAL);
    assert_string_equal(dnc_last_error(), "input width must be at most 1048576, got 1048577");
    c = dnc_mlp_config_default();
    c.sigma_w = -1;
    assert_int_equal(dnc_mlp_config_validate(&c), DNC_EINVAL);
    assert_string_equal(dnc_last_error(), "sigma_w must be a finite number > 0, got -1");
    c = dnc_mlp_config_default();
    c.sigma_b = NAN;
    assert_int_equal(dnc_mlp_config_validate(&c), DNC_EINVAL);
    assert_string_equal(dnc_last_error(), "sigma_b must be a finite number >= 0, got nan");
}

/* Every sweep key named like a network parameter is that declaration
 * (type, help, domain); only the default may be the sweep type's own. The
 * dp type's seed is the Philox key of its lattice, not of a network. */
static void test_sweep_network_keys_are_the_declarations(void **state)
{
    (void)state;
    const dnc_param *net[] = {&dnc_net_param_width,      &dnc_net_param_depth,
                              &dnc_net_param_activation, &dnc_net_param_sigma_w,
                              &dnc_net_param_sigma_b,    &dnc_net_param_seed};
    size_t matched = 0;
    for (size_t e = 0; e < dnc_sweep_experiment_count(); e++) {
        const dnc_sweep_experiment *x = dnc_sweep_experiment_at(e);
        for (size_t k = 0; k < x->nparams; k++) {
            const dnc_sweep_param *p = &x->params[k];
            for (size_t d = 0; d < sizeof net / sizeof net[0]; d++) {
                if (strcmp(p->name, net[d]->name) != 0 ||
                    (strcmp(x->name, "dp") == 0 && strcmp(p->name, "seed") == 0))
                    continue;
                assert_int_equal(p->type, net[d]->type);
                assert_string_equal(p->help, net[d]->help);
                if (net[d]->domain)
                    assert_string_equal(p->domain, net[d]->domain);
                matched++;
            }
        }
    }
    assert_true(matched >= 6 * 4 + 3); /* propagate, exponents, avalanches, train; meanfield */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_option_name_spells_underscores_as_dashes),
        cmocka_unit_test(test_double_domains),
        cmocka_unit_test(test_integer_domains),
        cmocka_unit_test(test_malformed_domain_is_an_error),
        cmocka_unit_test(test_defaults_parse_by_type),
        cmocka_unit_test(test_network_declarations),
        cmocka_unit_test(test_network_validation_uses_the_domains),
        cmocka_unit_test(test_sweep_network_keys_are_the_declarations),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
