"""Public callables of ``ember`` and ``ember.nn.functional`` that are not ops on tensor values, each with the
reason it has no op-database entry and where it is tested instead."""

from __future__ import annotations

_CONFIG = ("process or thread configuration, not an op on tensor values; tested in tests/ and in the "
           "conformance areas of its feature")
_AUTOCAST = "autocast state, not an op; tested in tests/test_amp.py and ember/conformance/test_amp.py"
_RNG = "random generator state, not an op; tested in tests/test_random_parity.py and conformance test_random.py"
_INTEROP = "a bridge to another library's memory, not an op; tested in conformance test_conversion.py"
_HOF = ("a higher-order function (it takes Python callables), not an op on tensor values; tested in "
        "tests/test_misc_toplevel.py")
_SPARSE = "builds or multiplies sparse COO tensors, outside the dense op table; tested in tests/test_sparse.py"

NOT_OPS: dict[str, str] = {
    **dict.fromkeys((
        "autocast_decrement_nesting", "autocast_increment_nesting", "clear_autocast_cache", "get_autocast_cpu_dtype",
        "get_autocast_dtype", "get_autocast_gpu_dtype", "is_autocast_cache_enabled", "is_autocast_cpu_enabled",
        "is_autocast_enabled", "set_autocast_cache_enabled", "set_autocast_cpu_dtype", "set_autocast_cpu_enabled",
        "set_autocast_dtype", "set_autocast_enabled", "set_autocast_gpu_dtype"), _AUTOCAST),
    **dict.fromkeys(("get_rng_state", "set_rng_state", "initial_seed", "manual_seed", "seed"), _RNG),
    **dict.fromkeys((
        "are_deterministic_algorithms_enabled", "get_default_device", "get_default_dtype",
        "get_deterministic_debug_mode", "get_device_module", "get_float32_matmul_precision",
        "get_num_interop_threads", "get_num_threads", "get_printoptions", "is_anomaly_check_nan_enabled",
        "is_anomaly_enabled", "is_deterministic_algorithms_warn_only_enabled", "is_grad_enabled",
        "is_inference_mode_enabled", "is_warn_always_enabled", "set_anomaly_enabled", "set_default_device",
        "set_default_dtype", "set_default_tensor_type", "set_deterministic_debug_mode",
        "set_float32_matmul_precision", "set_num_interop_threads", "set_num_threads", "set_printoptions",
        "set_warn_always", "use_deterministic_algorithms"), _CONFIG),
    **dict.fromkeys(("from_dlpack", "to_dlpack", "from_numpy", "frombuffer"), _INTEROP),
    **dict.fromkeys(("vmap", "cond", "while_loop"), _HOF),
    **dict.fromkeys(("sparse_coo_tensor", "spmm"), _SPARSE),
}
