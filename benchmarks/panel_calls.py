"""Direct panel calls with the bridge's client, outside Django's request cycle."""

import itertools
import threading
from collections.abc import Callable

from django.conf import settings

from .servers import RESELLER
from .threads import threads_timed


def client_configure() -> None:
    """The client reads only its timeouts from the settings."""
    if not settings.configured:
        settings.configure(PANEL_CONNECT_TIMEOUT=5.0, PANEL_READ_TIMEOUT=60.0)


def panel_target(url: str):
    from provisioning.panels.imscp.client import PanelTarget

    return PanelTarget(
        base_url=url,
        endpoint_path="/kaziwhmcs",
        reseller_name=RESELLER[0],
        reseller_pass=RESELLER[1],
        verify=False,
    )


def calls_run(n: int, concurrency: int, call: Callable[[int], None]) -> tuple[float, int]:
    """Run call(0..n-1) on `concurrency` threads; (seconds, errors)."""
    counter, errors, lock = itertools.count(), [0], threading.Lock()

    def worker() -> None:
        while (i := next(counter)) < n:
            try:
                call(i)
            except Exception:  # counted and reported, the run goes on
                with lock:
                    errors[0] += 1

    return threads_timed(worker, concurrency), errors[0]
