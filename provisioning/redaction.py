"""Keep secrets out of the journal, the logs and the answers to WHMCS."""

import logging
import re
from collections.abc import Iterable
from urllib.parse import urlsplit

from django.conf import settings

MASK = "***"
SECRET_KEYS = frozenset(
    {"password", "serverpassword", "reseller_pass", "admin_pass", "upass", "serveraccesshash"}
)
# The panel echoes a refused password: "KaziWhmcs: '<password>' is not a valid password".
_ECHOED_PASSWORD = re.compile(r"'.*' is not a valid password", re.DOTALL)


def redact_text(text: str, secrets: Iterable[str] = ()) -> str:
    text = _ECHOED_PASSWORD.sub(f"'{MASK}' is not a valid password", text)
    for secret in secrets:
        if secret:
            text = text.replace(secret, MASK)
    return text


def redact_mapping(data):
    """A copy of a JSON-like value with every secret-named key's value masked."""
    if isinstance(data, dict):
        return {
            key: (MASK if key in SECRET_KEYS and value not in (None, "") else redact_mapping(value))
            for key, value in data.items()
        }
    if isinstance(data, list):
        return [redact_mapping(item) for item in data]
    return data


def settings_secrets() -> list[str]:
    secrets = [getattr(settings, "WEBHOOK_SECRET", ""), getattr(settings, "SECRET_KEY", "")]
    secrets += list(getattr(settings, "FIELD_ENCRYPTION_KEYS", []))
    secrets += [
        getattr(settings, name, "") or ""
        for name in ("METRICS_TOKEN", "ALERT_WEBHOOK_URL", "EMAIL_HOST_PASSWORD")
    ]
    secrets += _url_tail(getattr(settings, "ALERT_WEBHOOK_URL", "") or "")
    return [secret for secret in secrets if secret and len(secret) >= 8]


def _url_tail(url: str) -> list[str]:
    """A chat webhook's token is its path: urllib3 logs the path (and query) alone at
    DEBUG ("POST /hooks/<token> HTTP/1.1"), without the host."""
    parts = urlsplit(url)
    tail = [parts.path + (f"?{parts.query}" if parts.query else "")]
    if parts.query:
        tail.append(parts.query)
    return [t for t in tail if t.strip("/")]


class SecretRedactingFilter(logging.Filter):
    """Last line of defence for log records: the settings' secrets and a password the
    panel echoed are masked in the message and the traceback, whoever logged them."""

    def filter(self, record: logging.LogRecord) -> bool:
        secrets = settings_secrets()
        message = record.getMessage()
        cleaned = redact_text(message, secrets)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact_text(record.exc_text, secrets)
        return True
