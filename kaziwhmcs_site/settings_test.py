"""Test settings: the real settings with fixed secrets and a fast password hasher."""

import os

os.environ.setdefault("SECRET_KEY", "test-secret-key-not-for-production-0123456789")
os.environ.setdefault("WEBHOOK_SECRET", "test-webhook-secret")
os.environ.setdefault(
    "FIELD_ENCRYPTION_KEYS",
    "dGVzdC1maWVsZC1rZXktMzItYnl0ZXMtbG9uZy0wMDA=,b2xkLXRlc3QtZmllbGQta2V5LTMyLWJ5dGVzLTAwMDA=",
)

from .settings import *  # noqa: E402,F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

# The test client's login() authenticates without a request, which django-axes refuses;
# the throttling tests turn it on for themselves.
AXES_ENABLED = False
