"""Incidents in the admin: a read-only journal with its alerts and links to what it is about."""

import pytest
from django.urls import reverse
from django.utils import timezone

from provisioning.models import Incident
from provisioning.monitoring.incidents import server_incident_open
from tests.admin_helpers import staff_user
from tests.factories import ServerFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def incident(settings):
    settings.ALERT_EMAILS = ["ops@example.net"]
    server = ServerFactory(name="Down")
    server_incident_open(server, "unreachable: Cannot connect to the panel", timezone.now())
    return Incident.objects.get()


def test_the_list_filters_open_incidents_and_the_page_shows_alerts_and_links(
    admin_client, incident
):
    listing = admin_client.get(reverse("admin:provisioning_incident_changelist") + "?open=yes")
    assert "Server Down: unreachable" in listing.content.decode()
    resolved = admin_client.get(reverse("admin:provisioning_incident_changelist") + "?open=no")
    assert "Server Down" not in resolved.content.decode()
    page = admin_client.get(
        reverse("admin:provisioning_incident_change", args=[incident.pk])
    ).content.decode()
    assert reverse("admin:provisioning_server_change", args=[incident.server_id]) in page
    assert "unreachable: Cannot connect to the panel" in page
    assert "mail" in page and "opened" in page, "the alert inline"


def test_nobody_adds_changes_or_deletes_an_incident(admin_client, incident):
    assert admin_client.get(reverse("admin:provisioning_incident_add")).status_code == 403
    url = reverse("admin:provisioning_incident_change", args=[incident.pk])
    admin_client.post(url, {"title": "changed"})
    assert Incident.objects.get().title == "Server Down: unreachable: Cannot connect to the panel"
    delete = reverse("admin:provisioning_incident_delete", args=[incident.pk])
    assert admin_client.post(delete, {"post": "yes"}).status_code == 403
    assert Incident.objects.count() == 1


def test_staff_without_the_view_permission_cannot_see_incidents(client, incident):
    client.force_login(staff_user())
    url = reverse("admin:provisioning_incident_changelist")
    assert client.get(url).status_code == 403
