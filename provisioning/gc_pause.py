"""Pausing Python's cyclic garbage collector while a bulk step builds large lists.

Parsing and writing a 100,000-account usage list keeps hundreds of thousands of small
containers alive at once (tuples, rows, maps), none of them in a reference cycle. Every
700 allocations the collector scans the young ones, and as the survivors pile up it
runs full collections over the whole heap: 70–100 ms per import for nothing to collect.
Reference counting still frees everything; cycles made meanwhile wait for the next
collection after the pause."""

import contextlib
import gc
import threading
from collections.abc import Iterator

_lock = threading.Lock()
_depth = 0
_was_enabled = False


@contextlib.contextmanager
def gc_paused() -> Iterator[None]:
    """No automatic collection inside (nested and concurrent uses included); afterwards
    the collector is as it was before the outermost pause. Also a decorator."""
    global _depth, _was_enabled
    with _lock:
        if _depth == 0:
            _was_enabled = gc.isenabled()
            gc.disable()
        _depth += 1
    try:
        yield
    finally:
        with _lock:
            _depth -= 1
            if _depth == 0 and _was_enabled:
                gc.enable()
