"""Shared helpers of the admin tests: users with chosen permissions, query counting."""

from django.contrib.auth.models import Permission, User
from django.db import connection
from django.test.utils import CaptureQueriesContext


def staff_user(*codenames: str, username: str = "operator") -> User:
    """A staff user (not superuser) holding exactly these provisioning permissions."""
    user = User.objects.create_user(username, password="pass-123456", is_staff=True)
    for codename in codenames:
        user.user_permissions.add(
            Permission.objects.get(content_type__app_label="provisioning", codename=codename)
        )
    return user


def queries_for(client, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200, response.status_code
    return len(captured.captured_queries)
