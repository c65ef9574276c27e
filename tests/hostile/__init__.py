"""Hostile-input properties: every entry point of the simulator against generated junk.

In the suite each property runs a modest number of examples (fixed ones in CI); ``make fuzz``
runs them with thousands of fresh examples. A property that lowers its example count for the
suite uses :func:`examples`, so that ``make fuzz`` still runs it in full.
"""

import os

FUZZ_EXAMPLES = 3000


def examples(n: int) -> int:
    """``n`` examples in the suite, :data:`FUZZ_EXAMPLES` under ``make fuzz``."""
    return max(n, FUZZ_EXAMPLES) if os.environ.get("SUBNET_FUZZ") else n
