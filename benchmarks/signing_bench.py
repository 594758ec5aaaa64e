"""The contract's v2 signature for the load clients, which run without Django settings."""

from provisioning.signing import signed_headers as request_headers


def signed_headers(secret: str, body: bytes, route: str = "/webhooks/whmcs/") -> dict[str, str]:
    return {
        "Content-Type": "application/json",
        **request_headers("POST", route, body, secret=secret),
        "Content-Length": str(len(body)),
    }
