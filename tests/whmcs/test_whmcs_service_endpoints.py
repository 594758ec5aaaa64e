"""The signed endpoints the WHMCS module reads for a service: a command's latest outcome
(the cron hook) and the bridge's view of the service (WHMCS's admin tab)."""

import pytest

from tests.factories import OperationFactory, ServiceFactory
from tests.openapi_check import assert_documented
from tests.webhook_client import get_status

OUTCOME = "/webhooks/whmcs/services/{service_id}/outcome/"
VIEW = "/webhooks/whmcs/services/{service_id}/"


def outcome_url(service_id, command="CreateAccount") -> str:
    return f"/webhooks/whmcs/services/{service_id}/outcome/?command={command}"


@pytest.mark.django_db
def test_it_answers_the_latest_operation_of_that_command_for_the_service(client):
    service = ServiceFactory(status="active")
    OperationFactory(service=service, command="CreateAccount", state="failed", result="no")
    latest = OperationFactory(
        service=service, command="CreateAccount", state="succeeded", result="success"
    )
    OperationFactory(service=service, command="SuspendAccount", state="running")

    answer = get_status(client, outcome_url(service.whmcs_id))

    assert answer.status_code == 200
    assert (answer.json()["operation"], answer.json()["state"]) == (str(latest.pk), "succeeded")
    assert_documented(OUTCOME, "get", answer)


@pytest.mark.django_db
def test_it_answers_404_when_the_bridge_has_no_such_command_for_the_service(client):
    service = ServiceFactory()
    for url in (outcome_url(service.whmcs_id, "TerminateAccount"), outcome_url(999999)):
        answer = get_status(client, url)
        assert answer.status_code == 404
        assert_documented(OUTCOME, "get", answer)


@pytest.mark.django_db
def test_it_refuses_an_unknown_command_and_an_unsigned_request(client):
    service = ServiceFactory()
    bad = get_status(client, outcome_url(service.whmcs_id, "Reboot"))
    assert bad.status_code == 400
    assert "command" in bad.json()["error"]
    assert_documented(OUTCOME, "get", bad)
    unsigned = client.get(outcome_url(service.whmcs_id))
    assert unsigned.status_code == 401
    assert_documented(OUTCOME, "get", unsigned)


@pytest.mark.django_db
def test_the_service_view_has_the_status_the_last_operation_and_the_admin_link(client):
    service = ServiceFactory(status="suspended", on_panel=True)
    op = OperationFactory(
        service=service, command="SuspendAccount", state="succeeded", result="success"
    )
    OperationFactory(service=service, command="PanelLogin", state="succeeded")

    answer = get_status(client, f"/webhooks/whmcs/services/{service.whmcs_id}/")

    assert answer.status_code == 200
    view = answer.json()
    assert (view["status"], view["on_panel"], view["plan_change_owed"]) == (
        "suspended",
        True,
        False,
    )
    assert view["last_operation"]["operation"] == str(op.pk)
    assert view["admin_url"].endswith(f"/admin/provisioning/service/{service.pk}/change/")
    assert "Client-pass-123" not in answer.content.decode()
    assert_documented(VIEW, "get", answer)
    missing = get_status(client, "/webhooks/whmcs/services/999999/")
    assert missing.status_code == 404
    assert_documented(VIEW, "get", missing)
