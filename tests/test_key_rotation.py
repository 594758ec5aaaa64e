"""Rotating FIELD_ENCRYPTION_KEYS: a new first key, `rotate_keys`, then the old key can go."""

from io import StringIO

import pytest
from cryptography.fernet import Fernet
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext

from provisioning.models import Operation, Server, Service
from tests.factories import OperationFactory, ServiceFactory

OLD = Fernet.generate_key().decode()
NEW = Fernet.generate_key().decode()


def raw_values() -> list[str]:
    with connection.cursor() as cursor:
        rows = []
        for table, column in (
            (Server._meta.db_table, "reseller_password"),
            (Service._meta.db_table, "password"),
            (Operation._meta.db_table, "secret"),
        ):
            cursor.execute(f"SELECT {column} FROM {table} WHERE {column} <> ''")  # noqa: S608
            rows += [value for (value,) in cursor.fetchall()]
    return rows


def stored_under_old_key():
    with override_settings(FIELD_ENCRYPTION_KEYS=[OLD]):
        services = [ServiceFactory(password=f"Client-pass-{n}") for n in range(7)]
        OperationFactory(
            command=Operation.Command.CHANGE_PASSWORD, service=services[0], secret="Next-pass-1"
        )
    return services


@pytest.mark.django_db
def test_after_rotation_the_old_key_can_be_removed():
    services = stored_under_old_key()
    before = raw_values()

    with override_settings(FIELD_ENCRYPTION_KEYS=[NEW, OLD]):
        out = StringIO()
        call_command("rotate_keys", "--batch-size", "3", stdout=out)
    assert "15 values now encrypted with the first key" in out.getvalue()

    after = raw_values()
    assert len(after) == len(before) == 15
    assert not set(after) & set(before)
    with override_settings(FIELD_ENCRYPTION_KEYS=[NEW]):
        for n, service in enumerate(services):
            stored = Service.objects.select_related("server").get(pk=service.pk)
            assert stored.password == f"Client-pass-{n}"
            assert stored.server.reseller_password == "reseller-secret-1"
        assert Operation.objects.get().secret == "Next-pass-1"


@pytest.mark.django_db
def test_without_rotation_removing_the_old_key_is_a_clear_error():
    service = stored_under_old_key()[0]
    with override_settings(FIELD_ENCRYPTION_KEYS=[NEW]):
        with pytest.raises(ImproperlyConfigured, match="was a key removed too early"):
            Service.objects.get(pk=service.pk)


@pytest.mark.django_db
def test_rotating_twice_is_harmless():
    services = stored_under_old_key()
    with override_settings(FIELD_ENCRYPTION_KEYS=[NEW, OLD]):
        call_command("rotate_keys", stdout=StringIO())
        call_command("rotate_keys", stdout=StringIO())
    with override_settings(FIELD_ENCRYPTION_KEYS=[NEW]):
        assert Service.objects.get(pk=services[-1].pk).password == "Client-pass-6"


@pytest.mark.django_db
def test_the_first_key_encrypts_and_every_key_decrypts():
    with override_settings(FIELD_ENCRYPTION_KEYS=[NEW, OLD]):
        service = ServiceFactory(password="Fresh-pass-1")
    with override_settings(FIELD_ENCRYPTION_KEYS=[NEW]):
        assert Service.objects.get(pk=service.pk).password == "Fresh-pass-1"


@pytest.mark.django_db
def test_a_dump_restored_after_its_key_was_removed_fails_naming_the_field(tmp_path):
    service = stored_under_old_key()[0]
    dump = tmp_path / "dump.json"
    with override_settings(FIELD_ENCRYPTION_KEYS=[OLD]):
        call_command("dumpdata", "provisioning.server", output=str(dump))
    with override_settings(FIELD_ENCRYPTION_KEYS=[NEW]):
        Server.objects.filter(pk=service.server_id).update(reseller_password="")
        with pytest.raises(Exception, match=r"Server\.reseller_password .*cannot be decrypted"):
            call_command("loaddata", str(dump), stdout=StringIO())
        stored = Server.objects.get(pk=service.server_id)
        assert stored.reseller_password == "", "the marked token is not stored as the password"


@pytest.mark.django_db
def test_rotation_rewrites_only_the_rows_that_hold_an_encrypted_value():
    stored_under_old_key()
    with override_settings(FIELD_ENCRYPTION_KEYS=[OLD]):
        OperationFactory.create_batch(30, command=Operation.Command.SUSPEND, secret="")
    with override_settings(FIELD_ENCRYPTION_KEYS=[NEW, OLD]):
        with CaptureQueriesContext(connection) as queries:
            call_command("rotate_keys", "--batch-size", "10", stdout=StringIO())
    operation_table = Operation._meta.db_table
    updates = [q["sql"] for q in queries if q["sql"].startswith(f'UPDATE "{operation_table}"')]
    assert len(updates) == 1, "one operation holds a secret: one row rewritten"
