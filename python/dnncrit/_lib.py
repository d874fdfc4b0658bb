"""The C library behind the module: loading, the ctypes mirrors of the public
structs (checked against the library's own sizes at import), the function
signatures, and the error translation (a library error becomes DncError with
the library's message)."""

import ctypes
import ctypes.util
import os

from . import _paths

c_double_p = ctypes.POINTER(ctypes.c_double)
c_size_p = ctypes.POINTER(ctypes.c_size_t)

NEXP = 9  # DNC_NEXP: beta, nu_perp, nu_par, z, delta, theta, tau, alpha, gamma
PL_ALT_COUNT = 4


class DncError(RuntimeError):
    """A dnncrit library error: .code is the dnc_status, the message the library's."""

    def __init__(self, code, message):
        super().__init__(message)
        self.code = code


def _candidates():
    env = os.environ.get("DNNCRIT_LIB")
    if env:
        yield env
    for d in _paths.LIBRARY_DIRS:
        yield os.path.join(d, "libdnncrit.so")
    found = ctypes.util.find_library("dnncrit")
    if found:
        yield found


def _load():
    errors = []
    for path in _candidates():
        try:
            return ctypes.CDLL(path)
        except OSError as e:
            errors.append(f"{path}: {e}")
    raise ImportError("dnncrit: cannot load libdnncrit.so (set DNNCRIT_LIB to its path); tried: "
                      + "; ".join(errors or ["nothing found"]))


lib = _load()


class Struct(ctypes.Structure):
    """A mirror of a C struct; its size must equal the library's."""


class MlpConfig(Struct):
    _fields_ = [("width", ctypes.c_size_t), ("depth", ctypes.c_size_t),
                ("input_width", ctypes.c_size_t), ("activation", ctypes.c_int),
                ("sigma_w", ctypes.c_double), ("sigma_b", ctypes.c_double),
                ("seed", ctypes.c_uint64), ("normals", ctypes.c_int)]


class PropagateOpts(Struct):
    _fields_ = [("net", MlpConfig), ("batch", ctypes.c_size_t), ("input_q", ctypes.c_double),
                ("input_c", ctypes.c_double), ("inputs", c_double_p), ("corr", ctypes.c_int),
                ("lyapunov", ctypes.c_bool), ("provider", ctypes.c_void_p),
                ("provider_ctx", ctypes.c_void_p), ("observer", ctypes.c_void_p),
                ("observer_ctx", ctypes.c_void_p), ("quiet", ctypes.c_bool),
                ("residual_alpha", ctypes.c_double), ("product", ctypes.c_int),
                ("device", ctypes.c_int), ("field", ctypes.c_double),
                ("engine", ctypes.c_int)]


class PropagateResult(Struct):
    _fields_ = [("depth", ctypes.c_size_t), ("q", c_double_p), ("c", c_double_p),
                ("rho", c_double_p), ("lyap", c_double_p), ("lyapunov", ctypes.c_double),
                ("networks", ctypes.c_size_t), ("q_err", c_double_p), ("c_err", c_double_p),
                ("rho_err", c_double_p), ("lyap_err", c_double_p),
                ("lyapunov_err", ctypes.c_double), ("seconds", ctypes.c_double),
                ("flops", ctypes.c_double), ("device", ctypes.c_char * 160)]


class MfParams(Struct):
    _fields_ = [("activation", ctypes.c_int), ("sigma_w", ctypes.c_double),
                ("sigma_b", ctypes.c_double)]


class MfPoint(Struct):
    _fields_ = [("q_star", ctypes.c_double), ("chi_1", ctypes.c_double),
                ("chi_q", ctypes.c_double), ("kappa", ctypes.c_double),
                ("kappa_exists", ctypes.c_bool), ("xi_q", ctypes.c_double),
                ("xi_c", ctypes.c_double), ("c_star", ctypes.c_double),
                ("rho_star", ctypes.c_double), ("phase", ctypes.c_int)]


class PlOpts(Struct):
    _fields_ = [("discrete", ctypes.c_bool), ("xmin", ctypes.c_double), ("xmax", ctypes.c_double),
                ("min_tail", ctypes.c_size_t), ("exhaustive", ctypes.c_size_t),
                ("grid", ctypes.c_size_t)]


class PlFit(Struct):
    _fields_ = [("discrete", ctypes.c_bool), ("alpha", ctypes.c_double),
                ("alpha_err", ctypes.c_double), ("xmin", ctypes.c_double),
                ("xmax", ctypes.c_double), ("n", ctypes.c_size_t), ("n_tail", ctypes.c_size_t),
                ("ks", ctypes.c_double), ("loglik", ctypes.c_double),
                ("xmin_fixed", ctypes.c_bool)]


class PlCompare(Struct):
    _fields_ = [("alt", ctypes.c_int), ("params", ctypes.c_double * 2),
                ("loglik", ctypes.c_double), ("R", ctypes.c_double),
                ("normalised_R", ctypes.c_double), ("p", ctypes.c_double),
                ("nested", ctypes.c_bool), ("at_bound", ctypes.c_bool)]


class Estimate(Struct):
    _fields_ = [("value", ctypes.c_double), ("error", ctypes.c_double)]


class Series(Struct):
    _fields_ = [("nt", ctypes.c_size_t), ("ns", ctypes.c_size_t), ("t", c_double_p),
                ("y", c_double_p), ("err", c_double_p), ("size", ctypes.c_double),
                ("param", ctypes.c_double)]


class DecayOpts(Struct):
    _fields_ = [("tmin", ctypes.c_double), ("tmax", ctypes.c_double), ("m", ctypes.c_double),
                ("omega", ctypes.c_double), ("log_correction", ctypes.c_bool),
                ("nboot", ctypes.c_size_t), ("seed", ctypes.c_uint64),
                ("tmin_spread", ctypes.c_double)]


class DecayResult(Struct):
    _fields_ = [("delta", Estimate), ("delta_inf", Estimate), ("amplitude", Estimate),
                ("curvature", Estimate), ("method", ctypes.c_int), ("quote_inf", ctypes.c_bool),
                ("systematic", ctypes.c_double), ("npoints", ctypes.c_size_t),
                ("neff", ctypes.c_size_t), ("t_eff", c_double_p), ("delta_eff", c_double_p),
                ("delta_eff_err", c_double_p)]


class UClass(Struct):
    _fields_ = [("name", ctypes.c_char_p), ("value", ctypes.c_double * NEXP),
                ("error", ctypes.c_double * NEXP), ("slope", ctypes.c_double * NEXP),
                ("param_name", ctypes.c_char_p), ("param_min", ctypes.c_double),
                ("param_max", ctypes.c_double), ("tie_break", ctypes.c_char_p)]


class UClassMatch(Struct):
    _fields_ = [("uclass", ctypes.POINTER(UClass)), ("chi2", ctypes.c_double),
                ("n", ctypes.c_size_t), ("distance", ctypes.c_double),
                ("p_value", ctypes.c_double), ("param", ctypes.c_double),
                ("within_2sigma", ctypes.c_bool)]


class Avalanches(Struct):
    _fields_ = [("count", ctypes.c_size_t), ("size", c_double_p), ("duration", c_double_p),
                ("start", c_size_p), ("offset", c_size_p), ("profile", c_double_p),
                ("cap", ctypes.c_size_t), ("profile_cap", ctypes.c_size_t)]


class SizeDuration(Struct):
    _fields_ = [("gamma", ctypes.c_double), ("gamma_err", ctypes.c_double),
                ("log_amplitude", ctypes.c_double), ("tmin", ctypes.c_double),
                ("tmax", ctypes.c_double), ("npoints", ctypes.c_size_t),
                ("ndur", ctypes.c_size_t), ("T", c_double_p), ("mean_S", c_double_p),
                ("sem_S", c_double_p), ("n", c_size_p)]


class Crackling(Struct):
    _fields_ = [("predicted", ctypes.c_double), ("predicted_err", ctypes.c_double),
                ("difference", ctypes.c_double), ("difference_err", ctypes.c_double),
                ("z", ctypes.c_double)]


class ShapeCollapse(Struct):
    _fields_ = [("exponent", ctypes.c_double), ("exponent_err", ctypes.c_double),
                ("cost", ctypes.c_double), ("ndur", ctypes.c_size_t), ("grid", ctypes.c_size_t),
                ("T", c_double_p), ("x", c_double_p), ("scaled", c_double_p),
                ("shape", c_double_p)]


class AvalancheOpts(Struct):
    _fields_ = [("size_fit", PlOpts), ("duration_fit", PlOpts), ("bootstrap", ctypes.c_size_t),
                ("seed", ctypes.c_uint64), ("compare", ctypes.c_bool),
                ("min_count", ctypes.c_size_t), ("gamma_tmin", ctypes.c_double),
                ("gamma_tmax", ctypes.c_double), ("collapse_tmin", ctypes.c_double),
                ("collapse_tmax", ctypes.c_double), ("collapse_grid", ctypes.c_size_t)]


class AvalancheAnalysis(Struct):
    _fields_ = [("count", ctypes.c_size_t), ("size", PlFit), ("duration", PlFit),
                ("size_p", ctypes.c_double), ("duration_p", ctypes.c_double),
                ("size_cmp", PlCompare * PL_ALT_COUNT),
                ("duration_cmp", PlCompare * PL_ALT_COUNT), ("compared", ctypes.c_bool),
                ("sd", SizeDuration), ("gamma_ok", ctypes.c_bool),
                ("gamma_error", ctypes.c_char * 256), ("crackling", Crackling),
                ("collapse", ShapeCollapse), ("collapse_ok", ctypes.c_bool),
                ("chi_S", ctypes.c_double)]


# ------------------------------------------------------------ signatures

def _sig(name, restype, *argtypes):
    f = getattr(lib, name)
    f.restype = restype
    f.argtypes = list(argtypes)
    return f


status = ctypes.c_int
P = ctypes.POINTER
_sig("dnc_last_error", ctypes.c_char_p)
_sig("dnc_abi_version", ctypes.c_char_p)
_sig("dnc_abi_sizeof", ctypes.c_size_t, ctypes.c_char_p)
_sig("dnc_activation_parse", status, ctypes.c_char_p, P(ctypes.c_int))
_sig("dnc_engine_kind_parse", status, ctypes.c_char_p, P(ctypes.c_int))
_sig("dnc_normals_parse", ctypes.c_int, ctypes.c_char_p, P(ctypes.c_int))
_sig("dnc_mlp_config_default", MlpConfig)
_sig("dnc_propagate_opts_default", PropagateOpts)
_sig("dnc_propagate", status, P(PropagateOpts), P(PropagateResult))
_sig("dnc_propagate_networks", status, P(PropagateOpts), ctypes.c_size_t, P(PropagateResult))
_sig("dnc_propagate_result_free", None, P(PropagateResult))
_sig("dnc_weights_open", status, ctypes.c_char_p, P(ctypes.c_void_p))
_sig("dnc_weights_free", None, ctypes.c_void_p)
_sig("dnc_weights_mlp_config", status, ctypes.c_void_p, P(MlpConfig), P(ctypes.c_bool))
_sig("dnc_weights_nlayers", ctypes.c_size_t, ctypes.c_void_p)
weights_provide = ctypes.cast(lib.dnc_weights_provide, ctypes.c_void_p).value
_sig("dnc_mf_analyse", status, P(MfParams), P(MfPoint))
_sig("dnc_mf_critical_sigma_w", status, ctypes.c_int, ctypes.c_double, c_double_p)
_sig("dnc_mf_trajectory_rho", status, P(MfParams), ctypes.c_double, ctypes.c_double,
     ctypes.c_size_t, c_double_p, c_double_p, c_double_p)
_sig("dnc_pl_opts_default", PlOpts)
_sig("dnc_pl_fit_data", status, c_double_p, ctypes.c_size_t, P(PlOpts), P(PlFit))
_sig("dnc_pl_bootstrap", status, c_double_p, ctypes.c_size_t, P(PlOpts), P(PlFit),
     ctypes.c_size_t, ctypes.c_uint64, c_double_p)
_sig("dnc_decay_opts_default", DecayOpts)
_sig("dnc_decay_fit", status, P(Series), P(DecayOpts), P(DecayResult))
_sig("dnc_decay_result_free", None, P(DecayResult))
_sig("dnc_uclass_table", ctypes.c_size_t, P(P(UClass)))
_sig("dnc_classify", status, c_double_p, c_double_p, P(UClassMatch), c_size_p)
_sig("dnc_exponent_name", ctypes.c_char_p, ctypes.c_int)
_sig("dnc_avalanches_from_activity", status, c_double_p, ctypes.c_size_t, ctypes.c_bool,
     P(Avalanches))
_sig("dnc_avalanches_free", None, P(Avalanches))
_sig("dnc_avalanche_opts_default", AvalancheOpts)
_sig("dnc_avalanche_analyse", status, P(Avalanches), P(AvalancheOpts), P(AvalancheAnalysis))
_sig("dnc_avalanche_analysis_free", None, P(AvalancheAnalysis))


def check(st):
    """Raises DncError with the library's message for a non-zero dnc_status."""
    if st != 0:
        msg = lib.dnc_last_error()
        raise DncError(st, msg.decode("utf-8", "replace") if msg else f"dnncrit error {st}")


def _check_layouts():
    mirrors = {"dnc_mlp_config": MlpConfig, "dnc_propagate_opts": PropagateOpts,
               "dnc_propagate_result": PropagateResult, "dnc_mf_params": MfParams,
               "dnc_mf_point": MfPoint, "dnc_pl_opts": PlOpts, "dnc_pl_fit": PlFit,
               "dnc_pl_compare": PlCompare, "dnc_estimate": Estimate, "dnc_series": Series,
               "dnc_decay_opts": DecayOpts, "dnc_decay_result": DecayResult,
               "dnc_uclass": UClass, "dnc_uclass_match": UClassMatch,
               "dnc_avalanches": Avalanches, "dnc_avalanche_opts": AvalancheOpts,
               "dnc_avalanche_analysis": AvalancheAnalysis, "dnc_size_duration": SizeDuration,
               "dnc_crackling": Crackling, "dnc_shape_collapse": ShapeCollapse}
    bad = []
    for name, cls in mirrors.items():
        want = lib.dnc_abi_sizeof(name.encode())
        if want != ctypes.sizeof(cls):
            bad.append(f"{name}: library {want} bytes, module {ctypes.sizeof(cls)}")
    if bad:
        raise ImportError("dnncrit: the Python module does not match libdnncrit "
                          f"{lib.dnc_abi_version().decode()}: " + "; ".join(bad))


_check_layouts()
