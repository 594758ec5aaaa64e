"""Every HTTP call to a panel is timed through the client's observer hook and recorded
per server and action; an observer that fails never fails the call."""

import pytest

from provisioning.models import PanelCall
from provisioning.operations.worker import operation_run
from provisioning.panels.imscp import client as panel_client
from provisioning.panels.imscp.errors import PanelTransientError
from provisioning.panels.timings import panel_call_record, panel_calls_held, panel_calls_write
from tests.factories import ServiceFactory
from tests.operation_requests import queued
from tests.ports import free_port

pytestmark = pytest.mark.django_db


def test_an_operation_records_each_of_its_panel_calls(active_service, panel):
    op = queued("SuspendAccount", active_service)
    assert operation_run(op.pk) == "succeeded"
    [call] = PanelCall.objects.all()
    assert (call.server_id, call.action, call.answered) == (
        active_service.server_id,
        "suspend",
        True,
    )
    assert 0 < call.seconds < 5


def test_a_refusal_is_recorded_as_answered(server):
    service = ServiceFactory(server=server, product__plan_name="No such plan")
    op = queued("CreateAccount", service)
    assert operation_run(op.pk) == "failed"
    assert list(PanelCall.objects.values_list("action", "answered")) == [("create", True)]


def test_calls_held_by_an_attempt_are_written_with_its_outcome_or_at_its_end(server, panel):
    target = panel_client.PanelTarget.for_server(server)
    with panel_calls_held():
        panel_client.connection_test(target)
        assert not PanelCall.objects.exists(), "not written on its own"
        panel_calls_write()
        assert PanelCall.objects.count() == 1
        panel_client.connection_test(target)
    assert PanelCall.objects.count() == 2
    panel_client.connection_test(target)
    assert PanelCall.objects.count() == 3, "outside an attempt: at once"


def test_a_call_that_gets_no_answer_is_recorded_as_unanswered(server):
    server.hostname = f"127.0.0.1:{free_port()}"
    with pytest.raises(PanelTransientError):
        panel_client.connection_test(panel_client.PanelTarget.for_server(server))
    call = PanelCall.objects.get()
    assert (call.action, call.answered) == ("connectiontest", False)


def test_a_customer_login_check_is_timed_as_a_login(active_service, panel):
    target = panel_client.PanelTarget.for_server(active_service.server)
    assert panel_client.customer_login_check(target, "shop.example.com", "Client-pass-123") == "ok"
    assert list(PanelCall.objects.values_list("action", flat=True)) == ["login"]


def test_a_failing_observer_is_logged_and_the_call_goes_on(server, panel, caplog):
    def broken(*args):
        raise RuntimeError("observer bug")

    panel_client.CALL_OBSERVERS.insert(0, broken)
    try:
        panel_client.connection_test(panel_client.PanelTarget.for_server(server))
    finally:
        panel_client.CALL_OBSERVERS.remove(broken)
    assert "panel call observer" in caplog.text and "observer bug" in caplog.text
    assert PanelCall.objects.count() == 1, "the other observers still ran"


def test_a_target_outside_the_bridges_servers_is_not_recorded(panel):
    assert panel_call_record in panel_client.CALL_OBSERVERS, "registered by the app"
    target = panel_client.PanelTarget(
        base_url=panel.url, endpoint_path="/kaziwhmcs", reseller_name="r", reseller_pass="p"
    )
    with pytest.raises(Exception):  # noqa: B017 - the refusal itself is not the point
        panel_client.suspend(target, "a.example")
    assert PanelCall.objects.count() == 0
