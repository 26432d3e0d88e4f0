"""Expiring signed URLs on the file host, like the pre-signed storage URLs of the service."""

from __future__ import annotations

import hashlib
import hmac
import time
from urllib.parse import quote


class Signer:
    def __init__(self, secret: bytes, files_url: str, ttl: float) -> None:
        self._secret = secret
        self.files_url = files_url
        self.ttl = ttl

    def _signature(self, token: str, filename: str, expires: int) -> str:
        message = f"{token}/{filename}\n{expires}".encode()
        return hmac.new(self._secret, message, hashlib.sha256).hexdigest()

    def url(self, token: str, filename: str, *, ttl: float | None = None) -> str:
        """``<files_url>/files/<token>/<filename>?expires=<unix>&sig=<hmac>``."""
        expires = int(time.time() + (self.ttl if ttl is None else ttl))
        signature = self._signature(token, filename, expires)
        return (
            f"{self.files_url}/files/{quote(token)}/{quote(filename)}"
            f"?expires={expires}&sig={signature}"
        )

    def check(self, token: str, filename: str, expires: str | None, sig: str | None) -> str | None:
        """None if the link is valid, else why not (the file host answers 403 with it)."""
        if not expires or not sig:
            return "Missing signature"
        try:
            deadline = int(expires)
        except ValueError:
            return "Malformed expiry"
        if not hmac.compare_digest(self._signature(token, filename, deadline), sig):
            return "Signature does not match"
        if deadline < time.time():
            return "Request has expired"
        return None
