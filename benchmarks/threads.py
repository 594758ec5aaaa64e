"""Running one worker function on several threads at once, timed."""

import threading
import time
from collections.abc import Callable


def threads_timed(worker: Callable[[], None], count: int) -> float:
    """Start `count` threads running `worker`, wait for all; the seconds it took."""
    threads = [threading.Thread(target=worker) for _ in range(count)]
    start = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return time.perf_counter() - start
