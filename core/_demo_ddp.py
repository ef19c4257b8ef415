"""One rank of ``ember demo --nproc N``: ``python -m ember._demo_ddp [demo options]``, started by the launcher.

``ember demo --nproc N`` runs ``python -m ember.distributed.run --nproc-per-node N -m ember._demo_ddp ...``;
each rank parses the demo's options and trains its share with :func:`ember.demo.run_rank`. It is not meant to
be started by hand (outside the launcher it is a world of one rank).
"""

from __future__ import annotations

import argparse
import sys

from . import demo


def main(argv: list[str] | None = None) -> int:
    """Parse the demo's options from ``argv`` (default ``sys.argv[1:]``) and run this rank; the exit status."""
    parser = argparse.ArgumentParser(prog="python -m ember._demo_ddp",
                                     description="One rank of `ember demo --nproc N` (started by the launcher).")
    demo.add_arguments(parser)
    args = parser.parse_args(argv)
    try:
        return demo.run_rank(args)
    except RuntimeError as e:
        print(f"ember demo: error: {e}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
