"""Customer logins to one panel take turns, across workers, and no other call starts
meanwhile: two failures in flight at once, or a failure and another call in another
session, would leave the panel a count the bridge cannot clear (only a good login in the
session that started it does)."""

import threading

import pytest
from django.db import connection

from provisioning.models import Server
from provisioning.operations import queueing
from provisioning.operations.worker import operation_run
from provisioning.panels.access import panel_access
from provisioning.panels.imscp import client as panel_client
from provisioning.panels.slots import slot_release, slot_take
from tests.factories import ServiceFactory, changed_password_services
from tests.operation_requests import queued

pytestmark = pytest.mark.django_db(transaction=True)


def test_overlapping_customer_logins_take_turns_and_leave_no_count(server, panel):
    panel.state.configure(login_seconds=0.3)  # long enough for logins to overlap
    services = changed_password_services(server, panel, [f"t{n}.example.com" for n in range(3)])
    results = []

    def check(service):
        try:
            with panel_access(Server.objects.get(pk=server.pk)) as target:
                results.append(
                    panel_client.customer_login_check(target, service.domain_ascii, "Mine-pass-1")
                )
        finally:
            connection.close()

    threads = [threading.Thread(target=check, args=(s,)) for s in services]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert results == [panel_client.LoginResult.REFUSED] * 3
    answers = [entry["answer"] or "" for entry in panel.state.requests]
    assert not any("waiting" in a or "blocked" in a for a in answers), answers
    assert panel.state.login_records == {}
    assert Server.objects.get(pk=server.pk).customer_login_until is None


def test_no_call_starts_while_a_customer_login_is_under_way(server, panel, settings, monkeypatch):
    settings.PANEL_MAX_CONCURRENCY = 3
    op = queued("SuspendAccount", ServiceFactory(server=server))
    queued_again: list[int] = []
    monkeypatch.setattr(queueing, "operation_enqueue", queued_again.append)
    own = slot_take(server, "the customer login's caller")
    with panel_access(server, slot_held=True) as target:
        with target.customer_turn():
            assert slot_take(server, "a call starting meanwhile") is None
            assert operation_run(op.pk) is None  # turned away, marked
            assert queued_again == []
    # Its end hands the panel on, as a freed slot does.
    assert queued_again == [op.pk]
    assert slot_take(server, "a call after it") is not None
    slot_release(own)
