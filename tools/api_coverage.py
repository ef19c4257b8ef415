"""How much of PyTorch's public API ember has, measured against the installed PyTorch (the oracle).

    python tools/api_coverage.py                 # prints the table (markdown)
    python tools/api_coverage.py --write         # also rewrites docs/api-coverage.md and the baseline
    python tools/api_coverage.py --missing torch.nn   # lists the in-scope names ember lacks there

For each namespace below it lists every public name of the PyTorch namespace and whether ember's
counterpart has an attribute of that name. A name is public when it has no leading underscore, is not a
submodule, and is PyTorch's own (defined in a ``torch`` module, or a PyTorch constant such as a dtype):
names a module merely imports (``typing.Optional`` in ``torch.nn.functional``) and documentation
strings are not API. What is out of scope is excluded by the explicit, commented list ``OUT_OF_SCOPE``.

``tests/api_coverage_baseline.json`` records the names that were covered when the table was last
written; ``tests/test_api_coverage.py`` fails when one of them disappears from ember.
"""

from __future__ import annotations

import argparse
import importlib
import inspect
import json
import re
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
DOC = ROOT / "docs" / "api-coverage.md"
BASELINE = ROOT / "tests" / "api_coverage_baseline.json"

#: (PyTorch namespace, ember namespace); "X.Tensor" means the attributes of the Tensor class.
NAMESPACES: list[tuple[str, str]] = [
    ("torch", "ember"),
    ("torch.Tensor", "ember.Tensor"),
    ("torch.nn", "ember.nn"),
    ("torch.nn.functional", "ember.nn.functional"),
    ("torch.nn.init", "ember.nn.init"),
    ("torch.nn.utils", "ember.nn.utils"),
    ("torch.optim", "ember.optim"),
    ("torch.optim.lr_scheduler", "ember.optim.lr_scheduler"),
    ("torch.utils.data", "ember.utils.data"),
    ("torch.autograd", "ember.autograd"),
    ("torch.linalg", "ember.linalg"),
    ("torch.fft", "ember.fft"),
    ("torch.special", "ember.special"),
    ("torch.distributions", "ember.distributions"),
]

#: The targets the API-breadth issue sets (percent of in-scope names).
TARGETS = {"torch.nn": 100, "torch.nn.functional": 100, "torch.optim": 100, "torch.optim.lr_scheduler": 100,
           "torch.Tensor": 90, "torch": 90}

# Out of scope, by namespace: (regular expression matched against the whole name, why). Every entry says why
# ember does not offer it; nothing is left out without a line here.
_QUANT = (r"q_.*|.*quantiz.*|quint.*|qint.*|qscheme|int_repr|dequantize|per_tensor_.*|per_channel_.*"
          r"|choose_qparams_optimized|fused_moving_avg_obs_fake_quant|is_quantized",
          "quantization (integer kernels with scales/zero points) is outside ember's scope")
_JIT = (r"Script.*|.*Type|Type|AliasDb|Argument|ArgumentSpec|CompleteArgumentSpec|Block|CallStack|Capsule|Code"
        r"|CompilationUnit|ConcreteModuleType.*|DeepCopyMemoTable|ErrorReport|ExecutionPlan|FileCheck"
        r"|FunctionSchema|Future|Gradient|Graph|GraphExecutorState|IODescriptor|InferredType|JITException"
        r"|LiteScriptModule|Node|OperatorInfo|StaticModule|TracingState|Use|Value|import_ir_module.*|parse_ir"
        r"|parse_schema|parse_type_comment|merge_type_from_type_comment|unify_type_list|fork|wait"
        # torch.ModuleDict/ParameterDict at top level are TorchScript's C++ types (torch.nn's are in scope)
        r"|ModuleDict|ParameterDict"
        r"|BroadcastingList\d|boolean_dispatch|assert_int_or_pair",
        "TorchScript/JIT internals and its type system")
_VENDOR = (r"cudnn_.*|miopen_.*|mkldnn_.*|fbgemm_.*|to_mkldnn|is_mkldnn|is_vulkan(_available)?|ipu|is_ipu"
           r"|is_maia|mtia|is_mtia|.*_ipu_.*|.*_xla_.*|set_autocast_ipu_enabled|is_autocast_ipu_enabled",
           "kernels and devices of vendor libraries ember does not use (cuDNN, MIOpen, oneDNN, FBGEMM, IPU, XLA/PT)")
_STORAGE = (r".*Storage|StorageBase|is_storage|storage|storage_type|untyped_storage|from_file"
            r"|PyTorchFile(Reader|Writer)|(De)?[sS]erializationStorageContext",
            "the legacy Storage API and PyTorch's own zip-file reader/writer (ember has no storage objects)")
_SYM = (r"sym_.*|Sym(Int|Float|Bool)", "symbolic shapes for torch.compile tracing")
_FUNCTIONALIZE = (r".*_copy|.*_scatter_copy|narrow_copy",
                  "the out-of-place *_copy variants generated for functionalization passes")
_DISPATCH = (r"DispatchKey|DispatchKeySet|DisableTorchFunction(Subclass)?|ExcludeDispatchKeyGuard|Tag|PRIVATE_OPS"
             r"|classproperty|has_torch_function.*|handle_torch_function|is_tensor_like|AggregationType"
             r"|BufferDict|BenchmarkConfig|BenchmarkExecutionStats|ThroughputBenchmark|LoggerBase|LockingLogger"
             r"|NoopLogger|USE_GLOBAL_DEPS|USE_RTLD_GLOBAL_WITH_LIBTORCH|compiled_with_cxx11_abi"
             r"|prepare_multiprocessing_environment|profiler_allow_cudagraph_cupti_lazy_reinit_cuda12"
             r"|autocast_(increment|decrement)_nesting|thread_safe_generator|init_num_threads|get_file_path"
             r"|hash_tensor|FatalError|AcceleratorError"
             # torch.AVG/torch.SUM: members of the stats-aggregation enum AggregationType (torch.monitor)
             r"|AVG|SUM",
             "dispatcher, __torch_function__ and build internals")
_LOWBIT = (r"bits.*|bit|float8_.*|float4_.*|u?int[1-7]|complex32|chalf|uint16|uint32|uint64",
           "dtypes without a NumPy/JAX array counterpart on every backend (sub-byte, float8, complex32, "
           "unsigned 16-64 bit)")
_SPARSE_COMPRESSED = (r"sparse_(csr|csc|bsr|bsc|compressed)(_tensor)?|to_sparse_(csr|csc|bsr|bsc)"
                      r"|is_sparse_csr|(c?col|crow|row)_indices|sparse_resize_.*|resize_as_sparse_|sspaddmm"
                      r"|saddmm|hsmm|dsmm|hspmm|smm",
                      "compressed sparse layouts and their kernels (the issue asks for COO basics)")
_NATIVE = (r"native_.*|batch_norm_(backward_elemt|backward_reduce|elemt|gather_stats.*|stats|update_stats)"
           r"|.*_with_indices_?backward|segment_reduce|slice_inverse|nonzero_static|empty_permuted|empty_quantized"
           r"|dim_order|module_load|grad_dtype|nested_.*|jagged|is_nested|to_padded_tensor|set_flush_denormal"
           r"|is_distributed|is_set_to|reinforce|volatile|record_stream|lobpcg|geqrf|orgqr|ormqr|symeig"
           r"|DType|GRID_SAMPLE_.*|ScalingType|SwizzleType|scaled_mm|scaled_grouped_mm|grouped_mm",
           "internal ops behind PyTorch's Python layers, removed functions, and experimental kernels")
_DATAPIPES = (r".*DataPipe|DataChunk|functional_datapipe|guaranteed_datapipes_determinism|non_deterministic"
              r"|argument_validation|runtime_validation(_disabled)?",
              "torchdata's DataPipes, deprecated in PyTorch")
_PROFILER = (r"Profiler.*|DeviceType|kineto_available|SavedTensor|enforce_grad_layout_policy|NestedIOFunction"
             r"|is_view_replay_enabled", "the autograd profiler and C++ autograd internals")

OUT_OF_SCOPE: dict[str, list[tuple[str, str]]] = {
    "torch": [_QUANT, _JIT, _VENDOR, _STORAGE, _SYM, _FUNCTIONALIZE, _DISPATCH, _LOWBIT, _SPARSE_COMPRESSED, _NATIVE],
    "torch.Tensor": [_QUANT, _VENDOR, _STORAGE, _SPARSE_COMPRESSED, _NATIVE, _LOWBIT],
    "torch.nn.functional": [_JIT, _DISPATCH, _NATIVE],
    "torch.utils.data": [_DATAPIPES],
    "torch.autograd": [_PROFILER, _DISPATCH],
}


def _resolve(path: str) -> Any:
    """The module or class at a dotted path (``ember.Tensor``), or None when it does not import."""
    if path.endswith(".Tensor"):
        mod = _resolve(path.rsplit(".", 1)[0])
        return None if mod is None else getattr(mod, "Tensor", None)
    try:
        return importlib.import_module(path)
    except Exception:  # noqa: BLE001 - a missing ember namespace is reported as 0%, not a crash
        return None


def _is_api(ns: str, obj: Any) -> bool:
    """Whether a public attribute of a PyTorch namespace is PyTorch API (not an import or a docstring)."""
    if inspect.ismodule(obj) or isinstance(obj, (str, bool)):
        return False
    if ns == "torch.Tensor":
        return True
    mod = getattr(obj, "__module__", None)
    if isinstance(obj, (int, float)) or mod is None:
        # constants: torch.e, torch.pi, torch.inf, torch.nan, torch.newaxis; dtype/layout objects
        return ns == "torch"
    if not isinstance(mod, str):
        return True
    return mod.split(".")[0] == "torch"


def public_names(ns: str) -> list[str]:
    """Every public API name of PyTorch namespace ``ns``."""
    obj = _resolve(ns)
    if obj is None:
        raise SystemExit(f"cannot import {ns}: is PyTorch installed? (pip install torch==2.13.0)")
    # NOTE: a submodule's __all__ is its own statement of its API (it leaves out what it merely imports, such
    # as `Optimizer` in lr_scheduler); torch's top level __all__ omits public names (channels_last,
    # HalfTensor, from_dlpack), so there every public attribute is read.
    declared = getattr(obj, "__all__", None) if ns not in ("torch", "torch.Tensor") else None
    candidates = declared if declared is not None else dir(obj)
    return sorted({n for n in candidates if not n.startswith("_") and _is_api(ns, getattr(obj, n, None))})


def out_of_scope(ns: str, name: str) -> str | None:
    """Why ``name`` of ``ns`` is out of scope, or None when it is in scope."""
    for pattern, why in OUT_OF_SCOPE.get(ns, []):
        if re.fullmatch(pattern, name):
            return why
    return None


def measure() -> list[dict[str, Any]]:
    """Per namespace: in-scope names, which ember has, and the out-of-scope ones."""
    rows = []
    for torch_ns, ember_ns in NAMESPACES:
        target = _resolve(ember_ns)
        names = public_names(torch_ns)
        scoped = [n for n in names if out_of_scope(torch_ns, n) is None]
        have = [n for n in scoped if target is not None and hasattr(target, n)]
        rows.append({"torch": torch_ns, "ember": ember_ns, "in_scope": scoped, "covered": have,
                     "missing": [n for n in scoped if n not in have],
                     "excluded": [n for n in names if n not in scoped]})
    return rows


def render(rows: list[dict[str, Any]], torch_version: str) -> str:
    """The markdown report."""
    lines = [
        "# API coverage against PyTorch",
        "",
        f"Generated by `python tools/api_coverage.py --write` against PyTorch {torch_version}. A name counts",
        "when ember's namespace has an attribute of that name; each one's behaviour is checked by the tests,",
        "not here. Out-of-scope names are excluded by the commented list `OUT_OF_SCOPE` in the script",
        "(quantization, TorchScript/JIT internals, `torch._*`, vendor-library kernels, the Storage API,",
        "symbolic shapes, functionalization `*_copy` ops, compressed sparse layouts, DataPipes).",
        "",
        "| PyTorch namespace | ember | in scope | covered | % | target |",
        "|---|---|---:|---:|---:|---:|",
    ]
    for r in rows:
        n, c = len(r["in_scope"]), len(r["covered"])
        pct = 100.0 * c / n if n else 100.0
        tgt = f"{TARGETS[r['torch']]}%" if r["torch"] in TARGETS else ""
        lines.append(f"| `{r['torch']}` | `{r['ember']}` | {n} | {c} | {pct:.1f}% | {tgt} |")
    lines += ["", "## Missing in-scope names", ""]
    for r in rows:
        if r["missing"]:
            lines += [f"### `{r['torch']}` ({len(r['missing'])})", "", ", ".join(f"`{m}`" for m in r["missing"]), ""]
    return "\n".join(lines).rstrip() + "\n"


def main(argv: list[str] | None = None) -> int:
    """Print the coverage table; ``--write`` also updates docs/api-coverage.md and the baseline."""
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--write", action="store_true", help="rewrite docs/api-coverage.md and the test baseline")
    p.add_argument("--missing", metavar="NAMESPACE", help="list the missing in-scope names of one namespace")
    args = p.parse_args(argv)
    import torch

    rows = measure()
    if args.missing:
        row = next((r for r in rows if r["torch"] == args.missing), None)
        if row is None:
            p.error(f"unknown namespace {args.missing!r}; one of {', '.join(ns for ns, _ in NAMESPACES)}")
        print("\n".join(row["missing"]))
        return 0
    text = render(rows, torch.__version__.split("+")[0])
    print(text)
    if args.write:
        DOC.write_text(text)
        baseline = {r["torch"]: r["covered"] for r in rows}
        BASELINE.write_text(json.dumps({"ember_namespaces": dict(NAMESPACES), "covered": baseline}, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
