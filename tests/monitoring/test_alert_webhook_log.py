"""The chat webhook's URL is its secret: with LOG_LEVEL=DEBUG, urllib3 logs the path of
each request it makes ("POST /hooks/<token> HTTP/1.1"); the console log masks it."""

import logging
from io import StringIO

import pytest

from provisioning.monitoring.alerts import alerts_deliver
from provisioning.operations.worker import operation_run
from provisioning.redaction import SecretRedactingFilter
from tests.factories import ServiceFactory
from tests.operation_requests import queued

pytestmark = pytest.mark.django_db


@pytest.fixture
def debug_log():
    """The console handler as settings.LOGGING builds it, urllib3 at DEBUG."""
    stream = StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(SecretRedactingFilter())
    urllib3 = logging.getLogger("urllib3")
    level = urllib3.level
    urllib3.addHandler(handler)
    urllib3.setLevel(logging.DEBUG)
    yield stream
    urllib3.removeHandler(handler)
    urllib3.setLevel(level)


def test_urllib3s_debug_line_of_the_webhook_post_hides_the_token(
    server, panel, alerting, debug_log
):
    service = ServiceFactory(server=server)
    service.product.plan_name = "Gold"
    service.product.save()
    assert operation_run(queued("CreateAccount", service, source="admin").pk) == "failed"
    assert alerts_deliver() == 2
    log = debug_log.getvalue()
    assert '"POST ***' in log, "urllib3 logged the request line"
    assert "secret-token-123" not in log
    assert "/hooks/" not in log
