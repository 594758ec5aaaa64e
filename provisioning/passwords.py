"""Panel password rules (see the protocol: the panel trims ` {|}` silently)."""

import secrets
import string

MAX_LENGTH = 30
_TRIMMED = " {|}"
_PRINTABLE = {chr(code) for code in range(0x20, 0x7F)}
_GENERATED_ALPHABET = string.ascii_letters + string.digits + "-_.+=!@#%"


def password_problem(password: str) -> str | None:
    """Why the panel can never accept this password, or None.

    The minimum length is configurable on the panel, so it is left to the panel."""
    if not password:
        return "must not be empty"
    if len(password) > MAX_LENGTH:
        return f"must be at most {MAX_LENGTH} characters"
    if not set(password) <= _PRINTABLE:
        return "must contain printable ASCII characters only"
    if password[0] in _TRIMMED or password[-1] in _TRIMMED:
        return "must not start or end with a space, '{', '|' or '}'"
    return None


def password_generate(length: int = 16) -> str:
    """A strong password the panel accepts as is (no spaces, nothing it trims)."""
    while True:
        candidate = "".join(secrets.choice(_GENERATED_ALPHABET) for _ in range(length))
        if (
            any(c.islower() for c in candidate)
            and any(c.isupper() for c in candidate)
            and any(c.isdigit() for c in candidate)
        ):
            return candidate
