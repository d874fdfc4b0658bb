"""dnncrit from Python: deep networks as systems at an absorbing phase transition.

A thin layer over the C library libdnncrit (ctypes; numpy arrays in and out).
Library errors arrive as DncError with the library's own message.

    import dnncrit
    sw = dnncrit.critical_sigma_w("tanh", sigma_b=0.3)       # edge of chaos
    mf = dnncrit.meanfield("tanh", sw, 0.3)                  # chi_1, kappa, ...
    run = dnncrit.propagate(width=512, depth=100, sigma_w=sw, sigma_b=0.3, networks=8)
    fit = dnncrit.decay_exponent(layers, rho)                # rho ~ l^-delta
    pl = dnncrit.powerlaw_fit(sizes, discrete=True)          # Clauset et al. 2009
    av = dnncrit.avalanches(raster)                          # time x units
    best = dnncrit.classify(delta=(0.161, 0.003), z=(1.56, 0.03))[0]
"""

import ctypes
import math
import os

import numpy as np

from ._lib import DncError, check, lib
from . import _lib

__all__ = ["DncError", "version", "meanfield", "critical_sigma_w", "meanfield_trajectory",
           "propagate", "decay_exponent", "powerlaw_fit", "avalanches", "classify",
           "exponent_names"]


def version():
    """The library's version string."""
    return lib.dnc_abi_version().decode()


def _activation(name):
    code = ctypes.c_int()
    check(lib.dnc_activation_parse(name.encode(), ctypes.byref(code)))
    return code.value


def _doubles(x, what, ndim=1):
    a = np.ascontiguousarray(np.asarray(x, dtype=np.float64))
    if a.ndim != ndim:
        raise ValueError(f"{what} must be a {ndim}-D array, got shape {a.shape}")
    return a


def _ptr(a):
    return a.ctypes.data_as(_lib.c_double_p)


def _array(p, n):
    """A copy of n doubles at C pointer p (None for NULL)."""
    if not p:
        return None
    return np.ctypeslib.as_array(p, shape=(n,)).copy()


# ------------------------------------------------------------ mean field

_PHASES = {-1: "ordered", 0: "critical", 1: "chaotic"}


def meanfield(activation, sigma_w, sigma_b=0.0):
    """Mean-field analysis of a random MLP (Poole et al. 2016; Schoenholz et al.
    2017): q*, chi_1, chi_q, kappa = f''(1)/2 (None for kinked activations),
    xi_q, xi_c, c*, rho*, phase."""
    p = _lib.MfParams(_activation(activation), sigma_w, sigma_b)
    pt = _lib.MfPoint()
    check(lib.dnc_mf_analyse(ctypes.byref(p), ctypes.byref(pt)))
    return {"q_star": pt.q_star, "chi_1": pt.chi_1, "chi_q": pt.chi_q,
            "kappa": pt.kappa if pt.kappa_exists else None, "xi_q": pt.xi_q, "xi_c": pt.xi_c,
            "c_star": pt.c_star, "rho_star": pt.rho_star, "phase": _PHASES.get(pt.phase)}


def critical_sigma_w(activation, sigma_b=0.0):
    """The sigma_w with chi_1 = 1 (the edge of chaos) at this sigma_b."""
    out = ctypes.c_double()
    check(lib.dnc_mf_critical_sigma_w(_activation(activation), sigma_b, ctypes.byref(out)))
    return out.value


def meanfield_trajectory(activation, sigma_w, sigma_b, q_in, c_in, depth):
    """q^l, c^l, rho^l for l = 1..depth from inputs with q_in and c_in (rho
    computed without the cancellation of 1 - c)."""
    p = _lib.MfParams(_activation(activation), sigma_w, sigma_b)
    q, c, rho = (np.empty(depth) for _ in range(3))
    check(lib.dnc_mf_trajectory_rho(ctypes.byref(p), q_in, c_in, depth, _ptr(q), _ptr(c),
                                    _ptr(rho)))
    return {"q": q, "c": c, "rho": rho}


# ----------------------------------------------------------- propagation

def propagate(width=256, depth=100, sigma_w=1.0, sigma_b=0.0, activation="tanh", batch=2,
              input_q=1.0, input_c=0.5, inputs=None, seed=1, lyapunov=False,
              residual_alpha=0.0, engine="explicit", networks=1, input_width=0, weights=None,
              normals="box-muller"):
    """Finite-width propagation (dnncrit propagate): per layer q, c, rho (and the
    Lyapunov growth), as numpy arrays. `inputs` (B x N0) replaces the generated
    batch. networks > 1: means over networks seed..seed+networks-1 with standard
    errors (q_err, c_err, rho_err, lyap_err). engine="ensemble" samples the
    ensemble of networks without weights (docs/ensemble.md). weights=PATH runs
    your own network instead (propagate --weights: the Linear layers of a
    safetensors, .npz or .npy file; width, depth, sigma_w and sigma_b then come
    from the file; a readout of another width is left out, out["dropped_readout"]).
    normals="ziggurat" draws the weights and biases with the faster ziggurat
    (propagate --normals; another network of the same ensemble)."""
    o = lib.dnc_propagate_opts_default()
    o.net.width, o.net.depth, o.net.input_width = width, depth, input_width
    o.net.activation = _activation(activation)
    o.net.sigma_w, o.net.sigma_b, o.net.seed = sigma_w, sigma_b, seed
    o.batch, o.input_q, o.input_c = batch, input_q, input_c
    o.lyapunov, o.residual_alpha, o.quiet = lyapunov, residual_alpha, True
    kind = ctypes.c_int()
    check(lib.dnc_engine_kind_parse(engine.encode(), ctypes.byref(kind)))
    o.engine = kind.value
    method = ctypes.c_int()
    if lib.dnc_normals_parse(normals.encode(), ctypes.byref(method)) != 0:
        raise ValueError(f"normals must be 'box-muller' or 'ziggurat', got {normals!r}")
    o.net.normals = method.value
    X = None
    w = ctypes.c_void_p()
    if weights is not None:
        if engine != "explicit" or networks != 1:
            raise ValueError("weights= is one given network: engine='explicit', networks=1")
        if normals != "box-muller":
            raise ValueError("normals= sets how weights are drawn, and weights= reads them "
                             "from a file: leave normals='box-muller'")
        check(lib.dnc_weights_open(os.fsencode(weights), ctypes.byref(w)))
        dropped = ctypes.c_bool()
        try:
            check(lib.dnc_weights_mlp_config(w, ctypes.byref(o.net), ctypes.byref(dropped)))
        except DncError:
            lib.dnc_weights_free(w)
            raise
        o.net.activation = _activation(activation)
        o.provider, o.provider_ctx = _lib.weights_provide, w.value
    if inputs is not None:
        X = _doubles(inputs, "inputs", 2)
        n0 = o.net.input_width or o.net.width
        if weights is not None and X.shape[1] != n0:
            lib.dnc_weights_free(w)
            raise ValueError(f"inputs have {X.shape[1]} columns, the network in {weights} "
                             f"takes {n0}")
        o.batch = X.shape[0]
        o.net.input_width = X.shape[1]
        o.inputs = _ptr(X)
    r = _lib.PropagateResult()
    try:
        if networks > 1:
            check(lib.dnc_propagate_networks(ctypes.byref(o), networks, ctypes.byref(r)))
        else:
            check(lib.dnc_propagate(ctypes.byref(o), ctypes.byref(r)))
        L = r.depth
        out = {"layer": np.arange(1, L + 1), "q": _array(r.q, L), "c": _array(r.c, L),
               "rho": _array(r.rho, L), "networks": r.networks,
               "device": r.device.decode(), "seconds": r.seconds}
        if lyapunov:
            out["lyap"] = _array(r.lyap, L)
            out["lyapunov"] = r.lyapunov
            out["lyapunov_err"] = None if math.isnan(r.lyapunov_err) else r.lyapunov_err
        for k in ("q_err", "c_err", "rho_err", "lyap_err"):
            v = _array(getattr(r, k), L)
            if v is not None:
                out[k] = v
        if weights is not None:
            out["dropped_readout"] = bool(dropped.value)
        return out
    finally:
        lib.dnc_propagate_result_free(ctypes.byref(r))
        if w.value:
            lib.dnc_weights_free(w)
        del X


# ------------------------------------------------------------- exponents

def decay_exponent(t, y, tmin=10.0, tmax=0.0, nboot=200, seed=1, log_correction=False):
    """delta of y(t) ~ A t^-delta at criticality (dnncrit exponents). y is one
    series (len(t)) or several samples (samples x len(t)), whose spread gives
    the bootstrap errors. Returns delta, delta_inf (extrapolated effective
    exponent), amplitude, curvature as (value, error) pairs, which one to
    quote, and the effective exponents."""
    T = _doubles(t, "t")
    Y = np.atleast_2d(_doubles(y, "y", np.ndim(y)))
    if Y.shape[1] != T.size:
        raise ValueError(f"y has {Y.shape[1]} times, t has {T.size}")
    Y = np.ascontiguousarray(Y)
    s = _lib.Series(T.size, Y.shape[0], _ptr(T), _ptr(Y), None, 0.0, 0.0)
    o = lib.dnc_decay_opts_default()
    o.tmin, o.tmax, o.nboot, o.seed, o.log_correction = tmin, tmax, nboot, seed, log_correction
    r = _lib.DecayResult()
    check(lib.dnc_decay_fit(ctypes.byref(s), ctypes.byref(o), ctypes.byref(r)))
    try:
        est = lambda e: (e.value, e.error)  # noqa: E731
        return {"delta": est(r.delta), "delta_inf": est(r.delta_inf),
                "amplitude": est(r.amplitude), "curvature": est(r.curvature),
                "quote": "delta_inf" if r.quote_inf else "delta", "systematic": r.systematic,
                "t_eff": _array(r.t_eff, r.neff), "delta_eff": _array(r.delta_eff, r.neff),
                "delta_eff_err": _array(r.delta_eff_err, r.neff)}
    finally:
        lib.dnc_decay_result_free(ctypes.byref(r))


# ------------------------------------------------------------ power laws

def _fit_dict(f):
    return {"alpha": f.alpha, "alpha_err": f.alpha_err, "xmin": f.xmin, "n": f.n,
            "n_tail": f.n_tail, "ks": f.ks, "discrete": bool(f.discrete)}


def powerlaw_fit(x, discrete=False, xmin=None, bootstrap=0, seed=1):
    """Clauset, Shalizi & Newman (2009) power-law fit (dnncrit powerlaw):
    alpha with its error, xmin by KS minimisation (or fixed), and with
    bootstrap > 0 the goodness-of-fit p-value."""
    X = _doubles(x, "x")
    o = lib.dnc_pl_opts_default()
    o.discrete = discrete
    o.xmin = xmin if xmin is not None else 0.0
    f = _lib.PlFit()
    check(lib.dnc_pl_fit_data(_ptr(X), X.size, ctypes.byref(o), ctypes.byref(f)))
    out = _fit_dict(f)
    if bootstrap > 0:
        p = ctypes.c_double()
        check(lib.dnc_pl_bootstrap(_ptr(X), X.size, ctypes.byref(o), ctypes.byref(f), bootstrap,
                                   seed, ctypes.byref(p)))
        out["p"] = p.value
    return out


# ------------------------------------------------------------ avalanches

def avalanches(raster, keep_edges=False, min_count=10, analyse=True):
    """Avalanches of an activity raster (time bins x units: 0/1 or counts; or a
    1-D population activity): sizes, durations, starts, and the analysis of
    dnncrit raster: tau (sizes) and alpha (durations) power-law fits, gamma of
    <S>(T) ~ T^gamma and the crackling relation gamma = (alpha-1)/(tau-1)
    (analyse=False: the avalanches only)."""
    R = np.asarray(raster, dtype=np.float64)
    if R.ndim == 2:
        A = np.ascontiguousarray((R > 0).sum(axis=1), dtype=np.float64)
    elif R.ndim == 1:
        A = np.ascontiguousarray(R)
    else:
        raise ValueError(f"raster must be 1-D or 2-D, got shape {R.shape}")
    av = _lib.Avalanches()
    check(lib.dnc_avalanches_from_activity(_ptr(A), A.size, keep_edges, ctypes.byref(av)))
    an = _lib.AvalancheAnalysis()
    try:
        n = av.count
        out = {"count": n, "size": _array(av.size, n), "duration": _array(av.duration, n),
               "start": np.ctypeslib.as_array(av.start, shape=(n,)).copy()}
        if not analyse:
            return out
        o = lib.dnc_avalanche_opts_default()
        o.min_count = min_count
        check(lib.dnc_avalanche_analyse(ctypes.byref(av), ctypes.byref(o), ctypes.byref(an)))
        out["tau"] = _fit_dict(an.size)
        out["alpha"] = _fit_dict(an.duration)
        if an.gamma_ok:
            out["gamma"] = (an.sd.gamma, an.sd.gamma_err)
            out["crackling"] = {"predicted": (an.crackling.predicted, an.crackling.predicted_err),
                                "difference": (an.crackling.difference,
                                               an.crackling.difference_err),
                                "z": an.crackling.z}
        else:
            out["gamma"] = None
            out["gamma_error"] = an.gamma_error.decode()
        return out
    finally:
        lib.dnc_avalanche_analysis_free(ctypes.byref(an))
        lib.dnc_avalanches_free(ctypes.byref(av))


# -------------------------------------------------------------- classify

def exponent_names():
    """The exponents classify takes: beta, nu_perp, nu_par, z, delta, theta, tau, alpha, gamma."""
    return [lib.dnc_exponent_name(k).decode() for k in range(_lib.NEXP)]


def classify(**exponents):
    """Ranks the universality classes (dnncrit classify) for measured exponents
    given as name=(value, error). Returns a list of dicts, best first: class,
    chi2, n, distance, p_value, within_2sigma, and for a line class (ABBM) its
    fitted parameter; two or more classes within_2sigma are a tie."""
    names = exponent_names()
    v = np.full(_lib.NEXP, np.nan)
    e = np.full(_lib.NEXP, np.nan)
    for name, ve in exponents.items():
        if name not in names:
            raise ValueError(f"unknown exponent '{name}' (known: {', '.join(names)})")
        value, error = ve
        v[names.index(name)], e[names.index(name)] = value, error
    table = ctypes.POINTER(_lib.UClass)()
    nclasses = lib.dnc_uclass_table(ctypes.byref(table))
    m = (_lib.UClassMatch * nclasses)()
    nm = ctypes.c_size_t()
    check(lib.dnc_classify(_ptr(v), _ptr(e), m, ctypes.byref(nm)))
    out = []
    for i in range(nm.value):
        c = m[i].uclass.contents
        d = {"class": c.name.decode(), "chi2": m[i].chi2, "n": m[i].n,
             "distance": m[i].distance, "p_value": m[i].p_value,
             "within_2sigma": bool(m[i].within_2sigma)}
        if c.param_name:
            d[c.param_name.decode()] = m[i].param
        if c.tie_break:
            d["tell_apart"] = c.tie_break.decode()
        out.append(d)
    return out
