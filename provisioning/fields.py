"""A text field encrypted at rest with Fernet keys from FIELD_ENCRYPTION_KEYS.

The first key encrypts, every key decrypts, so keys rotate by prepending a new
one and re-encrypting (`manage.py rotate_keys`)."""

from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import models


@lru_cache(maxsize=4)
def _fernet_for(keys: tuple[str, ...]) -> MultiFernet:
    try:
        return MultiFernet([Fernet(key) for key in keys])
    except (ValueError, TypeError) as exc:
        raise ImproperlyConfigured(
            "FIELD_ENCRYPTION_KEYS must be Fernet keys (32 url-safe base64 bytes)"
        ) from exc


def fernet() -> MultiFernet:
    return _fernet_for(tuple(settings.FIELD_ENCRYPTION_KEYS))


class EncryptedTextField(models.TextField):
    """Plain str in Python, a Fernet token in the database; '' stays ''."""

    def from_db_value(self, value, expression, connection):
        if not value:
            return value
        try:
            return fernet().decrypt(value.encode()).decode()
        except InvalidToken as exc:
            raise ImproperlyConfigured(
                f"{self.model.__name__}.{self.name} cannot be decrypted with "
                "FIELD_ENCRYPTION_KEYS (was a key removed too early?)"
            ) from exc

    def get_prep_value(self, value):
        value = super().get_prep_value(value)
        if not value:
            return value
        return fernet().encrypt(value.encode()).decode()
