"""HTML and JavaScript in WHMCS data or panel answers is shown as text, never run."""

import pytest
from django.urls import reverse

from tests.factories import ClientFactory, OperationFactory, ServerFactory, ServiceFactory

pytestmark = pytest.mark.django_db

PAYLOAD = '<script>alert("x")</script><img src=x onerror=alert(1)>'


@pytest.fixture
def hostile(db):
    server = ServerFactory(name=PAYLOAD, last_test_ok=False, last_test_message=PAYLOAD)
    client = ClientFactory(firstname=PAYLOAD, companyname=PAYLOAD)
    service = ServiceFactory(server=server, client=client, domain=PAYLOAD, domain_ascii="x.example")
    op = OperationFactory(service=service, state="failed", result=PAYLOAD, request={"d": PAYLOAD})
    return server, client, service, op


def pages(server, client, service, op) -> list[str]:
    return [
        reverse("admin:index"),
        reverse("admin:provisioning_server_changelist"),
        reverse("admin:provisioning_server_change", args=[server.pk]),
        reverse("admin:provisioning_client_changelist"),
        reverse("admin:provisioning_service_changelist"),
        reverse("admin:provisioning_service_change", args=[service.pk]),
        reverse("admin:provisioning_operation_changelist"),
        reverse("admin:provisioning_operation_change", args=[op.pk]),
    ]


def test_payloads_are_escaped_on_every_list_and_change_page(admin_client, hostile):
    for url in pages(*hostile):
        text = admin_client.get(url).content.decode()
        assert "<script>alert" not in text, url
        assert "<img src=x" not in text, url
        assert "&lt;script&gt;alert" in text, url


def test_the_terminate_confirmation_escapes_the_domains(admin_client, hostile):
    _, _, service, _ = hostile
    response = admin_client.post(
        reverse("admin:provisioning_service_changelist"),
        {"action": "terminate_accounts", "_selected_action": [service.pk]},
    )
    text = response.content.decode()
    assert "<script>alert" not in text and "&lt;script&gt;alert" in text
