from pathlib import Path

import pytest


def pytest_configure(config):
    # `make test` compiles the translations first; a bare pytest run must find them too.
    from kaziwhmcs_site.catalogs import catalogs_compile

    catalogs_compile()


pytest_plugins = [
    "tests.panel_fixtures",
    "tests.worker_fixtures",
    "tests.browser_fixtures",
    "tests.demo_fixtures",
    "tests.alert_receiver",
    "tests.php_runner",
]


@pytest.fixture(scope="session", autouse=True)
def _queue_bell_removed():
    """The SQLite test database goes at the end of the run: its queue bell too."""
    yield
    from django.conf import settings

    name = settings.DATABASES["default"].get("TEST", {}).get("NAME")
    if name and settings.DATABASES["default"]["ENGINE"].endswith("sqlite3"):
        Path(f"{name}.queue-bell").unlink(missing_ok=True)


@pytest.fixture(autouse=True)
def _language_reset():
    """A request leaves its language active on the thread (LocaleMiddleware activates one
    per request and never resets it): the next test starts in English again."""
    yield
    from django.utils import translation

    translation.deactivate()


@pytest.fixture
def server(db, panel):
    from tests.factories import ServerFactory

    return ServerFactory(hostname=panel.host_port)


@pytest.fixture
def active_service(server, panel):
    """An active service whose account exists on the emulated panel."""
    from tests.factories import ServiceFactory

    panel.state.seed_customer("shop.example.com", reseller="reseller1", password="Client-pass-123")
    return ServiceFactory(
        server=server,
        domain="shop.example.com",
        domain_ascii="shop.example.com",
        status="active",
        on_panel=True,
        password="Client-pass-123",
    )
