"""PostgreSQL only: room on each page of the services and usage samples for the daily
usage import's new row versions, so they are HOT updates (no new entry in every index)."""

from django.db import migrations

TABLES = ("provisioning_service", "provisioning_usagesample")


def _fillfactor(value: int):
    def apply(apps, schema_editor):
        if schema_editor.connection.vendor != "postgresql":
            return
        for table in TABLES:
            schema_editor.execute(
                f"ALTER TABLE {schema_editor.quote_name(table)} SET (fillfactor = {value})"
            )

    return apply


class Migration(migrations.Migration):
    dependencies = [("provisioning", "0001_initial")]

    operations = [migrations.RunPython(_fillfactor(70), _fillfactor(100))]
