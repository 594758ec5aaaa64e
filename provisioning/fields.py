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


# How a value leaves in a serialization (dumpdata, fixtures): still encrypted, marked.
SERIALIZED_PREFIX = "fernet:"


class EncryptedTextField(models.TextField):
    """Plain str in Python, a Fernet token in the database and in dumps; '' stays ''."""

    def value_to_string(self, obj) -> str:
        # dumpdata would otherwise write the decrypted value: a backup must not hold it.
        value = self.value_from_object(obj)
        if not value:
            return value or ""
        return SERIALIZED_PREFIX + fernet().encrypt(value.encode()).decode()

    def to_python(self, value):
        """A dump's marked token (loaddata) back to the plain value."""
        value = super().to_python(value)
        if isinstance(value, str) and value.startswith(SERIALIZED_PREFIX):
            try:
                return fernet().decrypt(value[len(SERIALIZED_PREFIX) :].encode()).decode()
            except InvalidToken as exc:
                # Storing the marked token as the value would make it the password.
                raise ImproperlyConfigured(
                    f"{self._label()} in the dump cannot be decrypted with "
                    "FIELD_ENCRYPTION_KEYS (was the key it was written with removed?)"
                ) from exc
        return value

    def _label(self) -> str:
        model = getattr(self, "model", None)
        return f"{model.__name__}.{self.name}" if model is not None else self.name

    def from_db_value(self, value, expression, connection):
        if not value:
            return value
        try:
            return fernet().decrypt(value.encode()).decode()
        except InvalidToken as exc:
            raise ImproperlyConfigured(
                f"{self._label()} cannot be decrypted with "
                "FIELD_ENCRYPTION_KEYS (was a key removed too early?)"
            ) from exc

    def get_prep_value(self, value):
        value = super().get_prep_value(value)
        if not value:
            return value
        return fernet().encrypt(value.encode()).decode()
