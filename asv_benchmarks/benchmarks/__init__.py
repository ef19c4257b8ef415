"""ember's airspeed-velocity benchmarks, parametrized by backend with peers (see docs/performance.md).

NOTE: the thread pools are pinned to one thread before NumPy, PyTorch or JAX is imported, because the
ratios are only meaningful single-threaded (docs/architecture.md §7): two libraries' pools in one process steal
each other's cores. Set the variables yourself to measure multi-threaded.
"""

import os

for _v in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_v, "1")
os.environ.setdefault("XLA_FLAGS", "--xla_cpu_multi_thread_eigen=false intra_op_parallelism_threads=1")
