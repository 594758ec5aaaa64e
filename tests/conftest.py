import pytest

pytest_plugins = ["tests.worker_fixtures"]


@pytest.fixture
def server(db, panel):
    from tests.factories import ServerFactory

    return ServerFactory(hostname=panel.host_port)
