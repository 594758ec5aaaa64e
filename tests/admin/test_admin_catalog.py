"""Products and clients: the mirrored WHMCS catalogue lists."""

import pytest
from django.urls import reverse

from tests.admin_helpers import queries_for
from tests.factories import ClientFactory, ProductFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("model", "factory"), [("product", ProductFactory), ("client", ClientFactory)]
)
def test_the_list_runs_the_same_queries_for_5_and_50_rows(admin_client, model, factory):
    url = reverse(f"admin:provisioning_{model}_changelist")
    factory.create_batch(5)
    few = queries_for(admin_client, url)
    factory.create_batch(45)
    assert queries_for(admin_client, url) == few


def test_clients_are_found_by_email_and_whmcs_id(admin_client):
    ClientFactory(email="ada@example.com", whmcs_id=5151, lastname="Found")
    ClientFactory(lastname="Other")
    url = reverse("admin:provisioning_client_changelist")
    for term in ("ada@example.com", "5151"):
        text = admin_client.get(url, {"q": term}).content.decode()
        assert "Found" in text and "Other" not in text
