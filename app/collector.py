"""Python's cycle collector paused around a batch (a register's job, a pool worker's chunk).

A register is ~500,000 live objects (its cells, then its results); every few thousand new ones
the collector walks the young generations again and, now and then, every object of the process
(the catalogue included). That cost a quarter of the job's own CPU and 7–10 % of a pool worker's
(issue 18). Nothing of a batch is cyclic garbage, so the collector is paused while it runs and
resumes at the end; a batch nested in another pause keeps it.
"""

from __future__ import annotations

import contextlib
import gc
from collections.abc import Iterator


@contextlib.contextmanager
def paused() -> Iterator[None]:
    """The cycle collector off inside the block, on again after it (unless it was off already)."""
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()
