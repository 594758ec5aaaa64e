"""An operation's page says what WHMCS's Module Queue hook did about it."""

import pytest
from django.urls import reverse
from django.utils import timezone

from provisioning.models import WhmcsNotice
from tests.factories import OperationFactory

pytestmark = pytest.mark.django_db


def test_the_operation_page_lists_what_the_hook_told_whmcs(admin_client):
    op = OperationFactory(command="CreateAccount", state="failed", result="no plan")
    page = admin_client.get(reverse("admin:provisioning_operation_change", args=[op.pk]))
    assert "failure told to staff" not in page.content.decode()

    WhmcsNotice.objects.create(operation=op, kind="failure", created_at=timezone.now())
    page = admin_client.get(reverse("admin:provisioning_operation_change", args=[op.pk]))

    assert "failure told to staff at " in page.content.decode()
