"""Write a `.env` with fresh secrets if there is none: `python -m kaziwhmcs_site.envfile`.

Runs before Django starts (settings refuse to start without secrets unless DEBUG)."""

import secrets
import sys
from pathlib import Path

from cryptography.fernet import Fernet

ENV_PATH = Path(__file__).resolve().parent.parent / ".env"


def envfile_ensure(path: Path = ENV_PATH) -> bool:
    """Create `path` with generated secrets; False when it already exists."""
    if path.exists():
        return False
    path.write_text(
        "# Generated on first run; keep private, never commit.\n"
        f"SECRET_KEY={secrets.token_urlsafe(50)}\n"
        f"WEBHOOK_SECRET={secrets.token_urlsafe(32)}\n"
        f"FIELD_ENCRYPTION_KEYS={Fernet.generate_key().decode()}\n"
    )
    path.chmod(0o600)
    return True


if __name__ == "__main__":
    created = envfile_ensure()
    print(
        f"{'Created' if created else 'Kept'} {ENV_PATH.name} with the bridge's secrets.",
        file=sys.stderr,
    )
