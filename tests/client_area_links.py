"""Signed client-area links as the WHMCS module makes them (see the README)."""

import time

from provisioning.signing import client_area_signature


def client_area_link(service_whmcs_id: int, *, expires: int | None = None) -> str:
    expires = int(time.time()) + 600 if expires is None else expires
    sig = client_area_signature(service_whmcs_id, expires)
    return f"/client/services/{service_whmcs_id}/?expires={expires}&sig={sig}"
