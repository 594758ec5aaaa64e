"""The emulated i-MSCP panel for tests: one server per session, a clean panel per test.

Loaded by `pytest_plugins = ["tests.panel_fixtures"]`; needs no database.
"""

from collections.abc import Iterator

import pytest
import requests

from devtools.emulator import Emulator

RESELLER = "reseller1"
RESELLER_PASSWORD = "reseller-secret-1"
PLANS = ("Basic", "Pro")


@pytest.fixture(scope="session")
def panel_server() -> Iterator[Emulator]:
    emulator = Emulator().start("127.0.0.1", 0)
    yield emulator
    emulator.stop()


@pytest.fixture
def panel(panel_server: Emulator) -> Emulator:
    """The emulator, reset: reseller1 (with an IP) and its plans Basic and Pro, no fault."""
    state = panel_server.state
    state.reset()  # also clears faults, logs, sessions and settings
    state.seed_reseller(RESELLER, RESELLER_PASSWORD, has_ip=True)
    state.seed_plan(RESELLER, "Basic", disk_limit_mib=1000, bw_limit_mib=10000)
    state.seed_plan(RESELLER, "Pro", disk_limit_mib=10000, bw_limit_mib=0)
    return panel_server


def plugin_post(
    panel: Emulator, action: str | None, *, session: requests.Session | None = None, **fields
) -> requests.Response:
    """POST to the plugin's endpoint as reseller1; `reseller_name=None` etc. leave a field out."""
    data = {"reseller_name": RESELLER, "reseller_pass": RESELLER_PASSWORD, "action": action}
    data.update(fields)
    data = {name: value for name, value in data.items() if value is not None}
    return (session or requests).post(
        f"{panel.url}{panel.endpoint}", data=data, timeout=5, allow_redirects=False
    )


CREATE = {
    "hp_name": "Basic",
    "domain": "example.com",
    "admin_name": "example.com",
    "admin_pass": "Str0ng-pass",
    "email": "owner@example.net",
}


def plugin_create(panel: Emulator, **fields) -> requests.Response:
    """A valid create as reseller1 (example.com on plan Basic); keywords change fields."""
    return plugin_post(panel, "create", **{**CREATE, **fields})
