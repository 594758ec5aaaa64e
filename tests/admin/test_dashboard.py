"""The dashboard on the admin index: what needs an operator's eye, each a link."""

from datetime import timedelta

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from provisioning.admin.dashboard import SECTIONS, dashboard_sections
from provisioning.models import Attempt, PanelCall, Server
from provisioning.monitoring.incidents import server_incident_open
from tests.admin_helpers import staff_user
from tests.factories import OperationFactory, ServerFactory, ServiceFactory

pytestmark = pytest.mark.django_db


def section(title: str):
    return next(s for s in dashboard_sections() if s.title.startswith(title))


def test_services_are_counted_by_status_with_links_to_the_filtered_list(admin_client):
    ServiceFactory.create_batch(2, status="active")
    ServiceFactory(status="suspended")
    rows = {row.label: row for row in section("Services by status").rows}
    assert (rows["Active"].value, rows["Suspended"].value, rows["Pending"].value) == (2, 1, 0)
    listing = admin_client.get(rows["Suspended"].url).content.decode()
    assert "1 service" in listing


def test_operations_of_the_last_24_hours_are_counted_by_state(admin_client):
    now = timezone.now()
    OperationFactory.create_batch(2, state="failed", created_at=now - timedelta(hours=1))
    OperationFactory(state="failed", created_at=now - timedelta(hours=30))
    OperationFactory(state="retrying", created_at=now)
    rows = {row.label: row for row in section("Operations in the last 24").rows}
    assert (rows["Failed"].value, rows["Retrying"].value, rows["Queued"].value) == (2, 1, 0)
    assert rows["Failed"].alert
    listing = admin_client.get(rows["Failed"].url).content.decode()
    assert "2 operations" in listing


def test_the_oldest_unfinished_operation_is_named_with_its_age():
    with time_machine.travel("2026-03-01 12:00:00Z", tick=False):
        OperationFactory(state="succeeded", created_at=timezone.now() - timedelta(days=2))
        oldest = OperationFactory(state="retrying", created_at=timezone.now() - timedelta(hours=3))
        OperationFactory(state="queued", created_at=timezone.now() - timedelta(minutes=1))
        rows = section("Operations in the last 24").rows
    row = rows[-1]
    assert row.label == f"Oldest unfinished: #{oldest.pk}"
    assert row.value == "3\xa0hours old" and row.alert
    assert row.url == reverse("admin:provisioning_operation_change", args=[oldest.pk])


def test_servers_in_trouble_say_why(admin_client):
    ServerFactory(name="Good", last_test_ok=True)
    ServerFactory(name="Broken", last_test_ok=False, last_test_message="KaziWhmcs: Bad password.")
    paused = ServerFactory(
        name="Locked",
        paused_until=timezone.now() + timedelta(minutes=30),
        pause_reason="KaziWhmcs: Ip 127.0.0.1 is blocked for 30:00 minutes.",
    )
    rows = {row.label: row for row in section("Panels in the last 24").rows}
    assert rows["Broken"].value == "Last connection test failed: KaziWhmcs: Bad password."
    assert rows["Locked"].value.startswith("The bridge waits for the panel until")
    assert rows["Locked"].value.endswith("is blocked for 30:00 minutes.")
    assert rows["Good"].value == "0 failed attempts, no call" and not rows["Good"].alert
    assert rows["Broken"].alert and rows["Locked"].alert
    assert "Locked" in admin_client.get(rows["Locked"].url).content.decode()
    assert rows["Locked"].url.endswith(f"/{paused.pk}/change/")


def test_an_active_service_whose_suspension_did_not_succeed_is_flagged(admin_client):
    failed = ServiceFactory(status="active", on_panel=True, domain="failed.example")
    OperationFactory(service=failed, command="SuspendAccount", state="failed")
    pending = ServiceFactory(status="active", on_panel=True, domain="pending.example")
    OperationFactory(service=pending, command="SuspendAccount", state="retrying")
    resumed = ServiceFactory(status="active", on_panel=True, domain="resumed.example")
    OperationFactory(service=resumed, command="SuspendAccount", state="failed")
    OperationFactory(service=resumed, command="SuspendAccount", state="succeeded")
    done = ServiceFactory(status="suspended", on_panel=True, domain="done.example")
    OperationFactory(service=done, command="SuspendAccount", state="succeeded")
    row = section("Billing says suspended").rows[0]
    assert row.value == 2 and row.alert
    listing = admin_client.get(row.url).content.decode()
    assert "failed.example" in listing and "pending.example" in listing
    assert "resumed.example" not in listing and "done.example" not in listing


def test_the_admin_index_shows_every_section_in_a_constant_number_of_queries(admin_client):
    ServiceFactory.create_batch(3, status="active")
    PanelCall.objects.create(
        server=ServerFactory(), action="create", at=timezone.now(), seconds=0.2, answered=True
    )
    with CaptureQueriesContext(connection) as few:
        page = admin_client.get(reverse("admin:index")).content.decode()
    for built in dashboard_sections():
        assert built.title.replace(",", "") in page.replace(",", "")
    assert len(SECTIONS) == 8
    assert len(few) <= 12, "the admin index's budget: sessions, user and every section"
    OperationFactory.create_batch(30, state="failed")
    OperationFactory.create_batch(12, state="failed", command="ChangePackage")
    ServerFactory.create_batch(5, last_test_ok=False)
    for server in Server.objects.all():
        PanelCall.objects.create(
            server=server, action="create", at=timezone.now(), seconds=0.2, answered=True
        )
    with CaptureQueriesContext(connection) as many:
        admin_client.get(reverse("admin:index"))
    assert len(many) == len(few)


def test_staff_without_the_view_permissions_see_no_dashboard(client):
    client.force_login(staff_user())
    assert "Services by status" not in client.get(reverse("admin:index")).content.decode()


def test_the_last_reconciliation_report_is_shown_with_its_drift(admin_client):
    from provisioning.models import ReconcileReport

    assert section("Last reconciliation").rows == []
    now = timezone.now()
    ReconcileReport.objects.create(
        started_at=now,
        finished_at=now,
        requested_by="schedule",
        report={"servers": [], "totals": {"panel_only": 2, "bridge_only": 0, "mismatches": 1}},
    )
    rows = {row.label: row for row in section("Last reconciliation").rows}
    assert (rows["On the panel only"].value, rows["State differs"].value) == (2, 1)
    assert rows["On the panel only"].alert and not rows["In the bridge only"].alert
    page = admin_client.get(rows["On the panel only"].url).content.decode()
    assert "&quot;panel_only&quot;: 2" in page


def test_each_server_shows_its_failed_attempts_and_median_panel_time_over_24_hours(
    admin_client,
):
    now = timezone.now()
    fast, slow, idle = (
        ServerFactory(name="Fast"),
        ServerFactory(name="Slow"),
        ServerFactory(name="Idle"),
    )
    for seconds in (0.1, 0.3, 0.2, 9.0):
        PanelCall.objects.create(
            server=fast, action="suspend", at=now, seconds=seconds, answered=True
        )
    PanelCall.objects.create(
        server=fast, action="suspend", at=now - timedelta(hours=25), seconds=50, answered=True
    )
    for seconds in (2.0, 4.0, 3.0):
        PanelCall.objects.create(
            server=slow, action="create", at=now, seconds=seconds, answered=True
        )
    for outcome, age in (("transient", 1), ("permanent", 2), ("succeeded", 1), ("transient", 30)):
        op = OperationFactory(service__server=slow, server=slow, created_at=now)
        Attempt.objects.create(
            operation=op,
            number=1,
            started_at=now - timedelta(hours=age),
            finished_at=now - timedelta(hours=age),
            outcome=outcome,
        )
    rows = {row.label: row for row in section("Panels in the last 24").rows}
    assert set(rows) == {"Fast", "Slow", "Idle"}
    assert rows[str(idle)].value == "0 failed attempts, no call"
    assert rows["Fast"].value == "0 failed attempts, median 250 ms" and not rows["Fast"].alert
    assert rows["Slow"].value == "2 failed attempts, median 3,000 ms" and rows["Slow"].alert
    assert "Slow" in admin_client.get(rows["Slow"].url).content.decode()


def test_open_incidents_are_counted_by_kind_with_a_link(admin_client):
    assert section("Open incidents").rows == []
    server = ServerFactory(name="Down")
    server_incident_open(server, "unreachable: Cannot connect to the panel", timezone.now())
    [row] = section("Open incidents").rows
    assert (row.label, row.value, row.alert) == (
        "Server unreachable, locked out or paused",
        1,
        True,
    )
    assert "Server Down: unreachable" in admin_client.get(row.url).content.decode()
