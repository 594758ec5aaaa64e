"""Customer logins to one panel take turns, across workers: two failures in flight at once
would leave the panel a count whose session the bridge cannot know (only a good login in
the session that started it clears it)."""

import threading

import pytest
from django.db import connection

from provisioning.models import Server
from provisioning.panels.access import panel_access
from provisioning.panels.imscp import client as panel_client
from tests.factories import changed_password_services

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
