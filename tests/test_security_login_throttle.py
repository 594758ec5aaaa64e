"""Admin logins are throttled (django-axes): after AXES_FAILURE_LIMIT failures from one
address, even the right password is refused, and the refusal tells nothing."""

import pytest
from axes.models import AccessAttempt
from django.test import override_settings

LOGIN = "/admin/login/"
PASSWORD = "password"  # pytest-django's admin_user


def attempt(client, username: str, password: str, ip: str = "203.0.113.7", **headers):
    return client.post(
        LOGIN,
        {"username": username, "password": password, "next": "/admin/"},
        REMOTE_ADDR=ip,
        headers=headers,
    )


@pytest.fixture(autouse=True)
def axes_on(settings):
    settings.AXES_ENABLED = True
    settings.AXES_FAILURE_LIMIT = 5


@pytest.mark.django_db
def test_the_admin_is_locked_out_after_repeated_failures(client, admin_user):
    for n in range(4):
        assert attempt(client, "admin", f"wrong-{n}").status_code == 200
    assert attempt(client, "admin", "wrong-4").status_code == 429
    locked = attempt(client, "admin", PASSWORD)
    assert locked.status_code == 429
    assert "_auth_user_id" not in client.session
    assert AccessAttempt.objects.filter(ip_address="203.0.113.7").exists()


@pytest.mark.django_db
def test_the_lock_out_answer_leaks_nothing(client, admin_user):
    for n in range(5):
        attempt(client, "admin", f"Guess-{n}-secret")
    for n in range(5):
        attempt(client, "nobody-here", f"Other-{n}-secret", ip="203.0.113.8")
    existing = attempt(client, "admin", "Guess-9-secret")
    unknown = attempt(client, "nobody-here", "Other-9-secret", ip="203.0.113.8")
    assert existing.status_code == unknown.status_code == 429
    assert existing.content == unknown.content
    text = existing.content.decode()
    for leak in ("admin", "Guess", "nobody", "203.0.113", "password"):
        assert leak not in text.lower().replace("administrator", ""), leak
    assert existing["Cache-Control"] == "no-store"


@pytest.mark.django_db
def test_a_success_before_the_limit_resets_the_count(client, admin_user):
    for n in range(4):
        attempt(client, "admin", f"wrong-{n}")
    assert attempt(client, "admin", PASSWORD).status_code == 302
    client.logout()
    for n in range(4):
        assert attempt(client, "admin", f"wrong-again-{n}").status_code == 200


@pytest.mark.django_db
def test_another_address_is_not_locked_out(client, admin_user):
    for n in range(5):
        attempt(client, "admin", f"wrong-{n}")
    assert attempt(client, "admin", PASSWORD, ip="198.51.100.2").status_code == 302


@pytest.mark.django_db
@override_settings(TRUST_X_FORWARDED_FOR=True)
def test_behind_a_proxy_the_address_the_proxy_appended_is_counted(client, admin_user):
    proxy = "10.0.0.1"
    for n in range(5):
        # A forged first entry changes nothing: the proxy's own entry is last.
        forwarded = f"192.0.2.{n}, 203.0.113.50"
        attempt(client, "admin", f"wrong-{n}", ip=proxy, x_forwarded_for=forwarded)
    locked = attempt(client, "admin", PASSWORD, ip=proxy, x_forwarded_for="203.0.113.50")
    assert locked.status_code == 429
    other = attempt(client, "admin", PASSWORD, ip=proxy, x_forwarded_for="203.0.113.51")
    assert other.status_code == 302
