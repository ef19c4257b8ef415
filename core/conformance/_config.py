"""Run-time settings of the conformance suite, filled in by the pytest plugin.

Kept free of imports so the plugin can set them before the test modules are imported.
"""

from __future__ import annotations

#: Hypothesis ``max_examples`` for every property test (``--ember-max-examples``).
MAX_EXAMPLES = 25
