"""Re-encrypt every encrypted field with the first key of FIELD_ENCRYPTION_KEYS."""

from django.apps import apps
from django.core.management.base import BaseCommand, CommandParser
from django.db import transaction
from django.db.models import Q

from ...fields import EncryptedTextField


def encrypted_fields() -> list[tuple[type, list[str]]]:
    """Every model with encrypted fields, and their names."""
    found = []
    for model in apps.get_models():
        names = [f.name for f in model._meta.concrete_fields if isinstance(f, EncryptedTextField)]
        if names:
            found.append((model, names))
    return found


def keys_rotate(batch_size: int = 500, stdout=None) -> int:
    """Decrypt (with any key) and re-encrypt (with the first) every value; returns how many.
    Rows whose encrypted fields are all empty are left alone.

    Batches by primary key, each in its own transaction with the rows locked, so a worker
    changing a password meanwhile is not overwritten with the old one. Safe to re-run."""
    total = 0
    for model, names in encrypted_fields():
        done, last_pk = 0, None
        # Rows with nothing encrypted are not read nor rewritten: most of a journal.
        holding = Q()
        for name in names:
            holding |= Q(**{f"{name}__gt": ""})
        while True:
            with transaction.atomic():
                rows = (
                    model.objects.select_for_update()
                    .filter(holding)
                    .order_by("pk")
                    .only("pk", *names)
                )
                if last_pk is not None:
                    rows = rows.filter(pk__gt=last_pk)
                batch = list(rows[:batch_size])
                for row in batch:
                    # The field encrypts on the way in: saving the plain value re-encrypts it.
                    values = {name: getattr(row, name) for name in names}
                    model.objects.filter(pk=row.pk).update(**values)
                    done += sum(1 for value in values.values() if value)
            if len(batch) < batch_size:
                break
            last_pk = batch[-1].pk
        if stdout is not None:
            stdout.write(f"{model._meta.label}: {done} values re-encrypted")
        total += done
    return total


class Command(BaseCommand):
    help = (
        "Re-encrypt every stored password with the first key of FIELD_ENCRYPTION_KEYS. "
        "Rotation: put a new key first, keep the old ones after it, run this command, "
        "then remove the old keys."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--batch-size", type=int, default=500)

    def handle(self, *args, batch_size: int, **options) -> None:
        total = keys_rotate(batch_size=batch_size, stdout=self.stdout)
        self.stdout.write(self.style.SUCCESS(f"{total} values now encrypted with the first key"))
