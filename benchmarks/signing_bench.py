"""The contract's webhook signature, computed without Django settings (the load client)."""

import hashlib
import hmac
import time


def signed_headers(secret: str, body: bytes) -> dict[str, str]:
    timestamp = str(int(time.time()))
    digest = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256)
    return {
        "Content-Type": "application/json",
        "X-Kazi-Timestamp": timestamp,
        "X-Kazi-Signature": f"sha256={digest.hexdigest()}",
        "Content-Length": str(len(body)),
    }
