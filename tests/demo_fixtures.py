"""The `make run` demo's data on the test database and the test panel, ready to look at.

The same functions as `manage.py rundemo`; today's usage import runs here in one step
(the worker's single-step function) instead of waiting for a worker."""

import pytest
from django.utils import timezone

from devtools.demo import demo_bridge_seed, demo_catch_up, demo_panel_seed, demo_server
from devtools.emulator import seed_demo
from provisioning.operations.worker import operation_run


@pytest.fixture
def demo(panel_server):
    """The demo panel (emulator reset to its demo seed) and the bridge's demo data."""
    panel_server.state.reset()
    seed_demo(panel_server.state)
    server = demo_server(panel_server.host_port)
    demo_bridge_seed(server, timezone.now())
    demo_panel_seed(panel_server.url, server, timezone.localdate())
    usage_import, report = demo_catch_up(server)
    operation_run(usage_import.pk)
    return server
