"""Keep secrets out of the journal, the logs and the answers to WHMCS."""

import re
from collections.abc import Iterable

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
