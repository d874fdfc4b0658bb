"""The Python module against the library's own command line and against
independent closed forms. Run by ctest (python_module) with DNNCRIT_LIB and
DNNCRIT_BIN set to this build's library and CLI."""

import csv
import math
import os
import subprocess
import tempfile
import unittest

import numpy as np

import dnncrit


def run_cli(*args):
    subprocess.run([os.environ["DNNCRIT_BIN"], *args], check=True, capture_output=True)


def read_csv(path):
    with open(path) as f:
        rows = list(csv.DictReader(f))
    return {k: np.array([float(r[k]) for r in rows]) for k in rows[0]}


class MeanField(unittest.TestCase):
    def test_known_critical_points(self):
        # tanh at sigma_b = 0: sigma_w* = 1; relu: sigma_w*^2 = 2 (science.md)
        self.assertAlmostEqual(dnncrit.critical_sigma_w("tanh", 0.0), 1.0, places=6)
        self.assertAlmostEqual(dnncrit.critical_sigma_w("relu", 0.0), math.sqrt(2), places=6)

    def test_point_at_criticality(self):
        sw = dnncrit.critical_sigma_w("tanh", 0.3)
        mf = dnncrit.meanfield("tanh", sw, 0.3)
        self.assertAlmostEqual(mf["chi_1"], 1.0, places=8)
        self.assertEqual(mf["phase"], "critical")
        self.assertGreater(mf["kappa"], 0)
        self.assertIsNone(dnncrit.meanfield("relu", 1.0, 0.1)["kappa"])  # kinked

    def test_errors_carry_the_library_message(self):
        with self.assertRaises(dnncrit.DncError) as e:
            dnncrit.meanfield("nope", 1.0)
        self.assertIn("unknown activation 'nope'", str(e.exception))


class Propagate(unittest.TestCase):
    def test_same_numbers_as_the_command_line(self):
        with tempfile.TemporaryDirectory() as d:
            run_cli("propagate", "--width", "64", "--depth", "12", "--sigma-w", "1.3",
                    "--sigma-b", "0.2", "--lyapunov", "--seed", "5", "--quiet",
                    "--out", os.path.join(d, "p"))
            cli = read_csv(os.path.join(d, "p.csv"))
        py = dnncrit.propagate(width=64, depth=12, sigma_w=1.3, sigma_b=0.2, lyapunov=True,
                               seed=5)
        for k in ("q", "c", "rho", "lyap"):
            np.testing.assert_array_equal(py[k], cli[k])  # CSV holds 17 digits: exact

    def test_ziggurat_networks_match_the_command_line(self):
        with tempfile.TemporaryDirectory() as d:
            run_cli("propagate", "--width", "64", "--depth", "6", "--sigma-w", "1.3",
                    "--normals", "ziggurat", "--quiet", "--out", os.path.join(d, "z"))
            cli = read_csv(os.path.join(d, "z.csv"))
        py = dnncrit.propagate(width=64, depth=6, sigma_w=1.3, normals="ziggurat")
        bm = dnncrit.propagate(width=64, depth=6, sigma_w=1.3)
        for k in ("q", "c", "rho"):
            np.testing.assert_array_equal(py[k], cli[k])
        self.assertFalse(np.array_equal(py["q"], bm["q"]))  # another network
        with self.assertRaises(ValueError):
            dnncrit.propagate(width=8, depth=2, normals="polar")

    def test_networks_and_ensemble(self):
        r = dnncrit.propagate(width=32, depth=8, sigma_w=1.5, sigma_b=0.3, networks=6,
                              engine="ensemble", lyapunov=True)
        self.assertEqual(r["networks"], 6)
        self.assertEqual(r["rho_err"].shape, (8,))
        self.assertTrue(np.all(r["rho_err"] > 0))
        self.assertIsNotNone(r["lyapunov_err"])

    def test_given_inputs(self):
        x = np.vstack([np.linspace(-1, 1, 16), np.linspace(-1, 1, 16)])
        r = dnncrit.propagate(width=16, depth=5, sigma_w=2.0, inputs=x, engine="ensemble")
        np.testing.assert_array_equal(r["rho"], np.zeros(5))  # identical inputs: absorbing

    def test_given_network_same_as_the_command_line(self):
        src = os.environ.get("DNNCRIT_SOURCE_DIR",
                             os.path.join(os.path.dirname(__file__), "..", ".."))
        net = os.path.join(src, "examples", "mlp_tanh.safetensors")
        x = np.loadtxt(os.path.join(src, "examples", "inputs8.csv"), delimiter=",", ndmin=2)
        with tempfile.TemporaryDirectory() as d:
            run_cli("propagate", "--weights", net, "--inputs",
                    os.path.join(src, "examples", "inputs8.csv"), "--lyapunov", "--quiet",
                    "--out", os.path.join(d, "w"))
            cli = read_csv(os.path.join(d, "w.csv"))
        py = dnncrit.propagate(weights=net, inputs=x, lyapunov=True)
        self.assertTrue(py["dropped_readout"])
        for k in ("q", "c", "rho", "lyap"):
            np.testing.assert_array_equal(py[k], cli[k])
        with self.assertRaises(ValueError):
            dnncrit.propagate(weights=net, inputs=np.zeros((2, 5)))
        with self.assertRaises(dnncrit.DncError) as e:
            dnncrit.propagate(weights=os.path.join(src, "no-such-file.safetensors"))
        self.assertIn("no-such-file", str(e.exception))
        # as propagate --weights --normals ziggurat: refused, not silently unused
        with self.assertRaises(ValueError) as e:
            dnncrit.propagate(weights=net, inputs=x, normals="ziggurat")
        self.assertIn("normals", str(e.exception))

    def test_bad_options_raise(self):
        with self.assertRaises(dnncrit.DncError) as e:
            dnncrit.propagate(width=0)
        self.assertIn("width", str(e.exception))
        with self.assertRaises(dnncrit.DncError):
            dnncrit.propagate(engine="exact")


class Exponents(unittest.TestCase):
    def test_pure_power_law(self):
        t = np.arange(1, 401, dtype=float)
        samples = np.vstack([3 * t ** -0.5 * (1 + 0.01 * np.sin(k + t)) for k in range(4)])
        r = dnncrit.decay_exponent(t, samples, tmin=10, nboot=50)
        self.assertAlmostEqual(r["delta"][0], 0.5, delta=0.01)

    def test_powerlaw_fixed_xmin_is_the_closed_form(self):
        rng = np.random.default_rng(3)
        x = (1 - rng.random(5000)) ** (-1 / 1.5)  # Pareto, alpha = 2.5, xmin = 1
        r = dnncrit.powerlaw_fit(x, xmin=1.0)
        # continuous MLE (Clauset et al. eq. 3.1): 1 + n / sum ln(x / xmin)
        self.assertAlmostEqual(r["alpha"], 1 + x.size / np.log(x).sum(), places=10)
        self.assertAlmostEqual(r["alpha"], 2.5, delta=0.1)


class Avalanches(unittest.TestCase):
    def test_segmentation(self):
        a = np.array([0, 1, 2, 0, 3, 0, 0, 1, 1, 1, 0], dtype=float)
        r = dnncrit.avalanches(a, analyse=False)
        np.testing.assert_array_equal(r["size"], [3, 3, 3])
        np.testing.assert_array_equal(r["duration"], [2, 1, 3])
        raster = np.zeros((a.size, 4))
        for i, n in enumerate(a.astype(int)):
            raster[i, :n] = 1
        np.testing.assert_array_equal(dnncrit.avalanches(raster, analyse=False)["size"], [3, 3, 3])

    def test_critical_branching_process(self):
        # Galton-Watson with Poisson(1) offspring, one ancestor per avalanche,
        # separated by a silent bin: tau = 3/2 (mean field, science.md)
        rng = np.random.default_rng(11)
        act = []
        for _ in range(20000):
            n = 1
            while n > 0 and len(act) < 10 ** 7:
                act.append(n)
                n = rng.poisson(n)
            act.append(0)
        r = dnncrit.avalanches(np.array(act, dtype=float))
        self.assertGreater(r["count"], 19000)
        self.assertAlmostEqual(r["tau"]["alpha"], 1.5, delta=5 * r["tau"]["alpha_err"] + 0.03)


class Classify(unittest.TestCase):
    def test_dp_and_ties(self):
        best = dnncrit.classify(delta=(0.1595, 0.0005), z=(1.581, 0.002))
        self.assertEqual(best[0]["class"], "DP 1+1")
        self.assertEqual(sum(c["within_2sigma"] for c in best), 1)
        tied = dnncrit.classify(tau=(1.27, 0.03), alpha=(1.48, 0.06), gamma=(1.72, 0.1))
        names = {c["class"] for c in tied if c["within_2sigma"]}
        self.assertEqual(names, {"DP 2+1", "Barkhausen short range"})
        with self.assertRaises(ValueError):
            dnncrit.classify(zeta=(1, 0.1))


if __name__ == "__main__":
    unittest.main()
