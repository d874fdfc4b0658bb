/* A user's network from a file (dnncrit/weights.h): the safetensors writer
 * and reader round trip, F16/BF16 decoding against hand-computed values, the
 * error for each kind of bad file (naming the file and tensor), and the
 * model `dnncrit train --save` writes against the Philox initialisation that
 * train.h documents. The per-layer rho of `propagate --weights` against
 * NumPy is tests/weights_numpy_check.py (ctest weights_numpy). */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <cjson/cJSON.h>

#include "dnncrit/avalanche.h"
#include "dnncrit/network.h"
#include "dnncrit/propagate.h"
#include "dnncrit/weights.h"
#include "testutil.h"

/* A safetensors file from a header text and a data blob. */
static void write_st(const char *path, const char *header, const void *data, size_t n)
{
    size_t hl = strlen(header);
    unsigned char *buf = malloc(8 + hl + n);
    for (size_t i = 0; i < 8; i++)
        buf[i] = (unsigned char)((uint64_t)hl >> (8 * i));
    memcpy(buf + 8, header, hl);
    if (n)
        memcpy(buf + 8 + hl, data, n);
    tu_write_file(path, buf, 8 + hl + n);
    free(buf);
}

/* Opening PATH fails with CODE and a message holding every string of WANT. */
static void expect_open_error(const char *path, dnc_status code, const char *const *want,
                              size_t nwant)
{
    dnc_weights *w = (dnc_weights *)1;
    assert_int_equal(dnc_weights_open(path, &w), code);
    assert_null(w);
    const char *msg = dnc_last_error();
    for (size_t i = 0; i < nwant; i++)
        if (!strstr(msg, want[i]))
            fail_msg("message '%s' lacks '%s'", msg, want[i]);
}

static void test_roundtrip(void **state)
{
    (void)state;
    char *dir = tu_tmpdir();
    /* a 3 -> 4 -> 4 -> 2 network with values no float holds exactly */
    double W0[12], b0[4], W1[16], b1[4], W2[8], b2[2];
    double *arrs[] = {W0, b0, W1, b1, W2, b2};
    size_t lens[] = {12, 4, 16, 4, 8, 2};
    for (size_t a = 0; a < 6; a++)
        for (size_t i = 0; i < lens[a]; i++)
            arrs[a][i] = sin(1.0 + 7.0 * (double)a + 0.37 * (double)i) / 3.0;
    dnc_tensor_view t[] = {{"0.weight", 4, 3, W0}, {"0.bias", 4, 0, b0},
                           {"2.weight", 4, 4, W1}, {"2.bias", 4, 0, b1},
                           {"4.weight", 2, 4, W2}, {"4.bias", 2, 0, b2}};
    const char *meta[] = {"format", "pt"};
    for (int dt = 0; dt < 2; dt++) {
        const char *path = tu_path(dir, dt ? "f64.safetensors" : "f32.safetensors");
        assert_int_equal(dnc_safetensors_write(path, t, 6, dt ? DNC_WEIGHTS_F64 : DNC_WEIGHTS_F32,
                                               meta, 1),
                         DNC_OK);
        dnc_weights *w;
        assert_int_equal(dnc_weights_open(path, &w), DNC_OK);
        assert_int_equal(dnc_weights_nlayers(w), 3);
        size_t out, in;
        dnc_weights_layer_shape(w, 2, &out, &in);
        assert_int_equal(out, 4);
        assert_int_equal(in, 4);
        assert_string_equal(dnc_weights_layer_name(w, 3), "4.weight");
        for (size_t l = 1; l <= 3; l++) {
            double W[16], b[4];
            assert_int_equal(dnc_weights_layer(w, l, W, b), DNC_OK);
            const double *Wr = arrs[2 * (l - 1)], *br = arrs[2 * l - 1];
            for (size_t i = 0; i < lens[2 * (l - 1)]; i++) /* F64 exact, F32 rounded once */
                assert_true(W[i] == (dt ? Wr[i] : (double)(float)Wr[i]));
            for (size_t i = 0; i < lens[2 * l - 1]; i++)
                assert_true(b[i] == (dt ? br[i] : (double)(float)br[i]));
        }
        /* the readout (2 outputs) is left out of the propagated network */
        dnc_mlp_config net = dnc_mlp_config_default();
        bool dropped = false;
        assert_int_equal(dnc_weights_mlp_config(w, &net, &dropped), DNC_OK);
        assert_true(dropped);
        assert_int_equal(net.width, 4);
        assert_int_equal(net.depth, 2);
        assert_int_equal(net.input_width, 3);
        dnc_weights_free(w);
    }
    /* the header is JSON with the metadata and 8-byte aligned data */
    char *text = tu_read(tu_path(dir, "f64.safetensors"));
    uint64_t hl = 0;
    for (size_t i = 0; i < 8; i++)
        hl |= (uint64_t)(unsigned char)text[i] << (8 * i);
    assert_int_equal(hl % 8, 0);
    cJSON *h = cJSON_ParseWithLength(text + 8, hl);
    assert_non_null(h);
    assert_string_equal(cJSON_GetObjectItem(cJSON_GetObjectItem(h, "__metadata__"), "format")
                            ->valuestring,
                        "pt");
    assert_string_equal(cJSON_GetObjectItem(cJSON_GetObjectItem(h, "2.weight"), "dtype")
                            ->valuestring,
                        "F64");
    cJSON_Delete(h);
    free(text);
    tu_rmtree_free(dir);
}

/* IEEE binary16 and bfloat16 bit patterns against their values, worked out
 * by hand: 0x3C00 = 1, 0xC000 = -2, 0x0001 = 2^-24 (smallest subnormal),
 * 0x7BFF = 65504 (largest), 0x3555 = 1365/4096; bfloat16 0x3F80 = 1,
 * 0xC040 = -3, 0x3EAB = 0.333984375 (0x3EAB0000 as float32). */
static void test_half_and_bfloat16(void **state)
{
    (void)state;
    char *dir = tu_tmpdir();
    uint16_t half[] = {0x3C00, 0xC000, 0x0001, 0x7BFF, 0x3555, 0x0000};
    uint16_t bf[] = {0x3F80, 0xC040, 0x3EAB};
    unsigned char data[18];
    for (size_t i = 0; i < 6; i++) {
        data[2 * i] = (unsigned char)(half[i] & 0xff);
        data[2 * i + 1] = (unsigned char)(half[i] >> 8);
    }
    for (size_t i = 0; i < 3; i++) {
        data[12 + 2 * i] = (unsigned char)(bf[i] & 0xff);
        data[12 + 2 * i + 1] = (unsigned char)(bf[i] >> 8);
    }
    const char *path = tu_path(dir, "h.safetensors");
    write_st(path,
             "{\"W0\":{\"dtype\":\"F16\",\"shape\":[3,2],\"data_offsets\":[0,12]},"
             "\"b0\":{\"dtype\":\"BF16\",\"shape\":[3],\"data_offsets\":[12,18]}}",
             data, sizeof data);
    dnc_weights *w;
    assert_int_equal(dnc_weights_open(path, &w), DNC_OK);
    double W[6], b[3];
    assert_int_equal(dnc_weights_layer(w, 1, W, b), DNC_OK);
    double want_W[] = {1, -2, ldexp(1, -24), 65504, 1365.0 / 4096, 0};
    double want_b[] = {1, -3, 0.333984375};
    for (size_t i = 0; i < 6; i++)
        assert_true(W[i] == want_W[i]);
    for (size_t i = 0; i < 3; i++)
        assert_true(b[i] == want_b[i]);
    dnc_weights_free(w);
    tu_rmtree_free(dir);
}

static void test_bad_files(void **state)
{
    (void)state;
    char *dir = tu_tmpdir();
    const char *p = tu_path(dir, "bad.safetensors");
    double d[32] = {0};
    /* header length beyond the file */
    unsigned char big[16] = {0xff, 0xff, 0, 0, 0, 0, 0, 0, '{', '}'};
    tu_write_file(p, big, 10);
    expect_open_error(p, DNC_EINVAL, (const char *[]){"bad.safetensors", "beyond the file size"},
                      2);
    /* shorter than the 8-byte length */
    tu_write_file(p, big, 5);
    expect_open_error(p, DNC_EINVAL, (const char *[]){"bad.safetensors", "truncated"}, 2);
    /* an empty file */
    tu_write_file(p, big, 0);
    expect_open_error(p, DNC_EINVAL, (const char *[]){"truncated"}, 1);
    /* data cut short */
    write_st(p,
             "{\"0.weight\":{\"dtype\":\"F64\",\"shape\":[2,2],\"data_offsets\":[0,32]},"
             "\"0.bias\":{\"dtype\":\"F64\",\"shape\":[2],\"data_offsets\":[32,48]}}",
             d, 40);
    expect_open_error(p, DNC_EINVAL, (const char *[]){"truncated", "'0.bias'"}, 2);
    /* offsets disagreeing with dtype x shape */
    write_st(p, "{\"0.weight\":{\"dtype\":\"F32\",\"shape\":[2,2],\"data_offsets\":[0,8]}}", d,
             8);
    expect_open_error(p, DNC_EINVAL, (const char *[]){"'0.weight'", "[2, 2]", "needs 16"}, 3);
    /* a missing bias */
    write_st(p,
             "{\"0.weight\":{\"dtype\":\"F64\",\"shape\":[2,2],\"data_offsets\":[0,32]},"
             "\"2.weight\":{\"dtype\":\"F64\",\"shape\":[2,2],\"data_offsets\":[0,32]},"
             "\"2.bias\":{\"dtype\":\"F64\",\"shape\":[2],\"data_offsets\":[0,16]}}",
             d, 32);
    expect_open_error(p, DNC_EINVAL,
                      (const char *[]){"bad.safetensors", "missing tensor '0.bias'"}, 2);
    /* a bias without its weight */
    write_st(p,
             "{\"W0\":{\"dtype\":\"F64\",\"shape\":[2,2],\"data_offsets\":[0,32]},"
             "\"b0\":{\"dtype\":\"F64\",\"shape\":[2],\"data_offsets\":[0,16]},"
             "\"b1\":{\"dtype\":\"F64\",\"shape\":[2],\"data_offsets\":[0,16]}}",
             d, 32);
    expect_open_error(p, DNC_EINVAL, (const char *[]){"missing tensor 'W1'"}, 1);
    /* a fan-in that does not match the previous width: both shapes named */
    write_st(p,
             "{\"0.weight\":{\"dtype\":\"F64\",\"shape\":[3,2],\"data_offsets\":[0,48]},"
             "\"0.bias\":{\"dtype\":\"F64\",\"shape\":[3],\"data_offsets\":[0,24]},"
             "\"2.weight\":{\"dtype\":\"F64\",\"shape\":[2,2],\"data_offsets\":[0,32]},"
             "\"2.bias\":{\"dtype\":\"F64\",\"shape\":[2],\"data_offsets\":[0,16]}}",
             d, 48);
    expect_open_error(p, DNC_EINVAL,
                      (const char *[]){"shape mismatch", "'2.weight'", "[2, 2]", "'0.weight'",
                                       "[3, 2]"},
                      5);
    /* a bias of the wrong length */
    write_st(p,
             "{\"0.weight\":{\"dtype\":\"F64\",\"shape\":[3,2],\"data_offsets\":[0,48]},"
             "\"0.bias\":{\"dtype\":\"F64\",\"shape\":[2],\"data_offsets\":[0,16]}}",
             d, 48);
    expect_open_error(p, DNC_EINVAL, (const char *[]){"shape mismatch", "'0.bias'", "[2]", "[3, 2]"},
                      4);
    /* an unsupported dtype */
    write_st(p,
             "{\"0.weight\":{\"dtype\":\"I64\",\"shape\":[2,2],\"data_offsets\":[0,32]},"
             "\"0.bias\":{\"dtype\":\"F64\",\"shape\":[2],\"data_offsets\":[0,16]}}",
             d, 32);
    expect_open_error(p, DNC_EUNSUPPORTED, (const char *[]){"'0.weight'", "I64"}, 2);
    /* no layers at all: the names it holds are listed */
    write_st(p, "{\"conv.weight\":{\"dtype\":\"F64\",\"shape\":[2],\"data_offsets\":[0,16]}}",
             d, 16);
    expect_open_error(p, DNC_EINVAL, (const char *[]){"no Linear layers", "'conv.weight'"}, 2);
    /* two Sequentials: which one is meant is not guessed */
    write_st(p,
             "{\"enc.0.weight\":{\"dtype\":\"F64\",\"shape\":[2,2],\"data_offsets\":[0,32]},"
             "\"enc.0.bias\":{\"dtype\":\"F64\",\"shape\":[2],\"data_offsets\":[0,16]},"
             "\"dec.0.weight\":{\"dtype\":\"F64\",\"shape\":[2,2],\"data_offsets\":[0,32]},"
             "\"dec.0.bias\":{\"dtype\":\"F64\",\"shape\":[2],\"data_offsets\":[0,16]}}",
             d, 32);
    expect_open_error(p, DNC_EINVAL,
                      (const char *[]){"several prefixes", "'enc.0.weight'", "'dec.0.weight'"}, 3);
    /* a prefixed Sequential missing a bias: the message spells the prefixed name */
    write_st(p,
             "{\"net.0.weight\":{\"dtype\":\"F64\",\"shape\":[2,2],\"data_offsets\":[0,32]}}",
             d, 32);
    expect_open_error(p, DNC_EINVAL, (const char *[]){"missing tensor 'net.0.bias'"}, 1);
    /* not JSON */
    write_st(p, "{\"0.weight\":", d, 0);
    expect_open_error(p, DNC_EINVAL, (const char *[]){"not a JSON object"}, 1);
    /* a missing file */
    expect_open_error(tu_path(dir, "none.safetensors"), DNC_EIO, (const char *[]){"none"}, 1);
    tu_rmtree_free(dir);
}

static void test_non_finite_and_widths(void **state)
{
    (void)state;
    char *dir = tu_tmpdir();
    const char *p = tu_path(dir, "nan.safetensors");
    double W0[4] = {1, 2, NAN, 4}, b0[2] = {0, 0};
    dnc_tensor_view t[] = {{"0.weight", 2, 2, W0}, {"0.bias", 2, 0, b0}};
    assert_int_equal(dnc_safetensors_write(p, t, 2, DNC_WEIGHTS_F64, NULL, 0), DNC_OK);
    dnc_weights *w;
    assert_int_equal(dnc_weights_open(p, &w), DNC_OK);
    double W[4], b[2];
    assert_int_equal(dnc_weights_layer(w, 1, W, b), DNC_EINVAL);
    assert_non_null(strstr(dnc_last_error(), "nan.safetensors"));
    assert_non_null(strstr(dnc_last_error(), "'0.weight' entry [1, 0] is not finite"));
    /* ... and through dnc_propagate's provider */
    dnc_propagate_opts o = dnc_propagate_opts_default();
    bool dropped;
    assert_int_equal(dnc_weights_mlp_config(w, &o.net, &dropped), DNC_OK);
    o.provider = dnc_weights_provide;
    o.provider_ctx = w;
    dnc_propagate_result r = {0};
    assert_int_equal(dnc_propagate(&o, &r), DNC_EINVAL);
    assert_non_null(strstr(dnc_last_error(), "not finite"));
    dnc_propagate_result_free(&r);
    dnc_weights_free(w);
    /* unequal hidden widths: the engine takes one width */
    double A[6] = {0}, B[9] = {0}, C[6] = {0}, z[3] = {0};
    dnc_tensor_view u[] = {{"0.weight", 2, 3, A}, {"0.bias", 2, 0, z}, {"1.weight", 3, 2, C},
                           {"1.bias", 3, 0, z},   {"2.weight", 3, 3, B}, {"2.bias", 3, 0, z}};
    p = tu_path(dir, "widths.safetensors");
    assert_int_equal(dnc_safetensors_write(p, u, 6, DNC_WEIGHTS_F32, NULL, 0), DNC_OK);
    assert_int_equal(dnc_weights_open(p, &w), DNC_OK);
    assert_int_equal(dnc_weights_mlp_config(w, &o.net, &dropped), DNC_EUNSUPPORTED);
    assert_non_null(strstr(dnc_last_error(), "hidden widths differ"));
    dnc_weights_free(w);
    tu_rmtree_free(dir);
}

/* train --save at epoch 0 holds the initialisation of train.h: hidden layers
 * dnc_mlp_layer_weights/bias of {width, depth, input_width 784}, the readout
 * rows 0..9 of layer depth+1's sequences (exact in F64). Also the record
 * names the file, propagate --weights reads it, and CNNs are refused. */
static void test_train_save(void **state)
{
    (void)state;
    char *dir = tu_tmpdir();
    int rc = tu_run_cli(dir, "train --train-size 100 --test-size 50 --width 16 --depth 2 "
                             "--epochs 0 --precision double --sigma-b 0.3 --seed 5 "
                             "--save m.safetensors --out t --quiet");
    assert_int_equal(rc, 0);
    dnc_weights *w;
    assert_int_equal(dnc_weights_open(tu_path(dir, "m.safetensors"), &w), DNC_OK);
    assert_int_equal(dnc_weights_nlayers(w), 3);
    assert_string_equal(dnc_weights_layer_name(w, 3), "4.weight");
    dnc_mlp_config net = dnc_mlp_config_default();
    net.width = 16;
    net.depth = 3; /* layer 3 = the readout's sequences */
    net.input_width = 784;
    net.sigma_b = 0.3;
    net.seed = 5;
    double *W = malloc(16 * 784 * sizeof *W), *Wr = malloc(16 * 784 * sizeof *Wr);
    double b[16], br[16];
    for (size_t l = 1; l <= 3; l++) {
        size_t out, in;
        dnc_weights_layer_shape(w, l, &out, &in);
        assert_int_equal(out, l < 3 ? 16 : 10);
        assert_int_equal(in, l == 1 ? 784 : 16);
        assert_int_equal(dnc_weights_layer(w, l, W, b), DNC_OK);
        dnc_mlp_layer_weight_rows(&net, l, 0, out, Wr);
        dnc_mlp_layer_bias(&net, l, br);
        for (size_t i = 0; i < out * in; i++)
            assert_true(W[i] == Wr[i]);
        for (size_t i = 0; i < out; i++)
            assert_true(b[i] == br[i]);
    }
    free(W);
    free(Wr);
    dnc_weights_free(w);
    char *json = tu_read(tu_path(dir, "t.json"));
    cJSON *j = cJSON_Parse(json);
    assert_string_equal(cJSON_GetObjectItem(cJSON_GetObjectItem(j, "outputs"), "model")
                            ->valuestring,
                        "m.safetensors");
    cJSON_Delete(j);
    free(json);
    assert_int_equal(tu_run_cli(dir, "propagate --weights m.safetensors --lyapunov --quiet "
                                     "--out p"),
                     0);
    char *csv = tu_read(tu_path(dir, "p.csv"));
    assert_non_null(csv);
    assert_non_null(strstr(csv, "\n2,")); /* the two hidden layers */
    assert_null(strstr(csv, "\n3,"));
    free(csv);
    assert_int_equal(tu_run_cli(dir, "train --model cnn --save c.safetensors --epochs 0 --quiet "
                                     "--out c"),
                     2);
    assert_false(tu_exists(tu_path(dir, "c.safetensors")));
    tu_rmtree_free(dir);
}

/* A file holding exactly the Philox weights of a random network gives the
 * avalanches of that network (dnc_net_avalanches with the file as provider
 * against the random network itself: same inputs, same weights, products
 * that may differ in the last bits, so rho to 1e-12 and the counts equal),
 * and avalanches --weights refuses what does not apply. */
static void test_avalanches_given_network(void **state)
{
    (void)state;
    char *dir = tu_tmpdir();
    dnc_net_aval_opts o = dnc_net_aval_opts_default();
    o.net.width = 24;
    o.net.depth = 12;
    o.net.sigma_w = 1.3;
    o.net.sigma_b = 0.1;
    o.net.seed = 9;
    o.networks = 1;
    o.inputs = 30;
    size_t N = o.net.width, L = o.net.depth;
    double *W = malloc(L * N * N * sizeof *W), *b = malloc(L * N * sizeof *b);
    dnc_tensor_view *t = malloc(2 * L * sizeof *t);
    char (*names)[16] = malloc(2 * L * sizeof *names);
    for (size_t l = 1; l <= L; l++) {
        dnc_mlp_layer_weights(&o.net, l, W + (l - 1) * N * N);
        dnc_mlp_layer_bias(&o.net, l, b + (l - 1) * N);
        snprintf(names[2 * l - 2], 16, "W%zu", l - 1);
        snprintf(names[2 * l - 1], 16, "b%zu", l - 1);
        t[2 * l - 2] = (dnc_tensor_view){names[2 * l - 2], N, N, W + (l - 1) * N * N};
        t[2 * l - 1] = (dnc_tensor_view){names[2 * l - 1], N, 0, b + (l - 1) * N};
    }
    const char *path = tu_path(dir, "philox.safetensors");
    assert_int_equal(dnc_safetensors_write(path, t, 2 * L, DNC_WEIGHTS_F64, NULL, 0), DNC_OK);
    dnc_net_aval_result ref, got;
    assert_int_equal(dnc_net_avalanches(&o, &ref), DNC_OK);
    dnc_weights *w;
    assert_int_equal(dnc_weights_open(path, &w), DNC_OK);
    dnc_net_aval_opts g = o;
    g.net = dnc_mlp_config_default();
    g.net.seed = o.net.seed; /* the inputs' seed */
    bool dropped;
    assert_int_equal(dnc_weights_mlp_config(w, &g.net, &dropped), DNC_OK);
    assert_int_equal(g.net.depth, L);
    g.provider = dnc_weights_provide;
    g.provider_ctx = w;
    assert_int_equal(dnc_net_avalanches(&g, &got), DNC_OK);
    assert_int_equal(got.av.count, ref.av.count);
    assert_int_equal(got.cut, ref.cut);
    for (size_t l = 0; l < L; l++)
        assert_true(fabs(got.rho_mean[l] - ref.rho_mean[l]) <= 1e-12);
    dnc_net_aval_result_free(&ref);
    dnc_net_aval_result_free(&got);
    g.networks = 2; /* one given network */
    assert_int_equal(dnc_net_avalanches(&g, &got), DNC_EINVAL);
    dnc_weights_free(w);
    assert_int_equal(tu_run_cli(dir, "avalanches --weights philox.safetensors --inputs 20 "
                                     "--quiet --out av"),
                     0);
    assert_true(tu_exists(tu_path(dir, "av_layers.csv")));
    assert_int_equal(tu_run_cli(dir, "avalanches --weights philox.safetensors --networks 3 "
                                     "--quiet --out av2"),
                     2);
    assert_int_equal(tu_run_cli(dir, "avalanches --weights philox.safetensors --sigma-w 2 "
                                     "--quiet --out av3"),
                     2);
    assert_int_equal(tu_run_cli(dir, "avalanches --weights none.safetensors --quiet --out av4"),
                     1);
    free(W);
    free(b);
    free(t);
    free(names);
    tu_rmtree_free(dir);
}

static void test_propagate_cli_errors(void **state)
{
    (void)state;
    char *dir = tu_tmpdir();
    double W0[4] = {1, 0, 0, 1}, b0[2] = {0, 0};
    dnc_tensor_view t[] = {{"0.weight", 2, 2, W0}, {"0.bias", 2, 0, b0}};
    assert_int_equal(dnc_safetensors_write(tu_path(dir, "n.safetensors"), t, 2, DNC_WEIGHTS_F64,
                                           NULL, 0),
                     DNC_OK);
    /* the file sets the widths: --width with --weights is a usage error */
    assert_int_equal(tu_run_cli(dir, "propagate --weights n.safetensors --width 8 --quiet"), 2);
    assert_int_equal(tu_run_cli(dir, "propagate --weights n.safetensors --sigma-w 2 --quiet"), 2);
    /* a missing file is a failed run, no outputs */
    assert_int_equal(tu_run_cli(dir, "propagate --weights none.safetensors --quiet --out x"), 1);
    assert_false(tu_exists(tu_path(dir, "x.csv")));
    /* inputs of the wrong width */
    tu_write_file(tu_path(dir, "x.csv"), "1,2,3\n4,5,6\n", 12);
    assert_int_equal(tu_run_cli(dir, "propagate --weights n.safetensors --inputs x.csv --quiet "
                                     "--out y"),
                     1);
    assert_int_equal(tu_run_cli(dir, "propagate --weights n.safetensors --quiet --out z"), 0);
    tu_rmtree_free(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_roundtrip),
        cmocka_unit_test(test_half_and_bfloat16),
        cmocka_unit_test(test_bad_files),
        cmocka_unit_test(test_non_finite_and_widths),
        cmocka_unit_test(test_train_save),
        cmocka_unit_test(test_propagate_cli_errors),
        cmocka_unit_test(test_avalanches_given_network),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
