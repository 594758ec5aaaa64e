import pytest

pytest_plugins = ["tests.panel_fixtures", "tests.worker_fixtures", "tests.browser_fixtures"]


@pytest.fixture
def server(db, panel):
    from tests.factories import ServerFactory

    return ServerFactory(hostname=panel.host_port)
