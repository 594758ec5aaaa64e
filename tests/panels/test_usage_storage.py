"""On PostgreSQL the services and usage samples leave room on each page for the daily
usage import's new row versions (HOT updates: no new entry in every index)."""

import pytest
from django.db import connection

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("table", ["provisioning_service", "provisioning_usagesample"])
def test_the_usage_tables_are_stored_with_a_fillfactor_of_70_on_postgresql(table):
    if connection.vendor != "postgresql":
        pytest.skip("a PostgreSQL storage parameter (the PostgreSQL lane checks it)")
    with connection.cursor() as cursor:
        cursor.execute("SELECT reloptions FROM pg_class WHERE relname = %s", [table])
        (options,) = cursor.fetchone()
    assert "fillfactor=70" in (options or [])
