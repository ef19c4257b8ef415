"""``ember.conformance``: the conformance suite every ember backend must pass.

It ships inside the package so that the author of a third-party backend can run it against
their backend::

    pytest --pyargs ember.conformance --ember-backend mybackend

The suite is a pytest plugin (:mod:`ember.conformance.plugin`, loaded through the ``pytest11``
entry point ``ember``) plus the test modules in this package. Tests request the ``device``
fixture and are run once per selected backend; test ids name the backend (``test_exp[numpy]``).

Options (see ``pytest --help``):

``--ember-backend NAME``
    Run on this backend (by backend name or device type); repeatable. The default is the
    comma-separated list in ``EMBER_CONFORMANCE_DEFAULT`` or, when unset, every available
    backend, installed plugins included.
``--ember-skips FILE`` / ``--ember-xfails FILE``
    One ``test-id-glob  # reason`` per line; matching tests are skipped / xfailed with that
    reason. ``*`` and ``?`` are the only wildcards (brackets are literal). A glob is matched
    against the full node id, the node id without its directory
    (``test_shape.py::test_view_shares_memory[view-jax]``) and the test name
    (``test_exp[jax]``), so ``*[jax]`` scopes an entry to one backend.
``--ember-max-examples N``
    Hypothesis ``max_examples`` for the property tests (default 25).

Parity tests compare with PyTorch when it is importable and skip without it; set
``EMBER_CONFORMANCE_NO_TORCH=1`` to run as if it were missing (NumPy references only).

Helpers for writing more tests live in :mod:`ember.conformance._helpers` (``helper_test_op``,
``assert_close``) and :mod:`ember.conformance.strategies` (Hypothesis strategies).
"""

from __future__ import annotations
