"""Pause Python's cyclic garbage collector during a bulk import.

An import holds a few million small objects (rows, tuples) at once. Each automatic collection walks all
of them, so collections get slower as the import grows; with 100,000 services they took more time than
the work itself. Imports create no reference cycles worth collecting, so the collector is paused for
the duration and one collection runs at the end.
"""
from __future__ import annotations

import gc
from contextlib import contextmanager
from typing import Iterator


@contextmanager
def gc_paused() -> Iterator[None]:
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
