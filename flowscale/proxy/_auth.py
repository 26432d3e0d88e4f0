"""Who is calling: the authentication hook's contract, and a JWT verifier on PyJWT.

A hook takes the request (headers only: the body is still unread) and returns a `Principal`,
or raises (any exception: the proxy answers 401 and nothing reaches the upstream).
"""

from __future__ import annotations

import json
import time
from collections.abc import Awaitable, Callable, Iterable, Mapping
from pathlib import Path
from typing import Any

import attrs
import jwt
from jwt.algorithms import ECAlgorithm, RSAAlgorithm
from starlette.requests import Request

__all__ = [
    "AuthenticationError",
    "Authenticate",
    "JWTVerifier",
    "Principal",
]

CACHE_SIZE = 10_000
SYMMETRIC = ("HS256",)
ASYMMETRIC = ("RS256", "ES256")


def _ids(value: Iterable[str]) -> frozenset[str]:
    if isinstance(value, str):  # frozenset("wf-1") would be a set of characters
        raise TypeError("expected a collection of ids, not one string")
    return frozenset(value)


def _optional_ids(value: Iterable[str] | None) -> frozenset[str] | None:
    return None if value is None else _ids(value)


@attrs.frozen(slots=True)
class Principal:
    """An authenticated end user. ``id`` scopes everything they see (runs, outputs, limits);
    ``workflows``, if not None, is their own workflow allow-list (the global one still applies)."""

    id: str = attrs.field(validator=attrs.validators.min_len(1))
    workflows: frozenset[str] | None = attrs.field(default=None, converter=_optional_ids)
    claims: Mapping[str, Any] = attrs.field(factory=dict, repr=False)


class AuthenticationError(Exception):
    """Raised by a hook: the caller is not authenticated (the message goes into the 401)."""


Authenticate = Callable[[Request], "Principal | Awaitable[Principal]"]


def bearer_token(request: Request) -> str:
    """The token of ``Authorization: Bearer <token>``, or AuthenticationError."""
    value = request.headers.get("authorization")
    if value is None:
        raise AuthenticationError("Missing credentials: send Authorization: Bearer <token>")
    scheme, _, token = value.strip().partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise AuthenticationError("Malformed Authorization header: expected Bearer <token>")
    return token.strip()


class JWTVerifier:
    """Verify ``Authorization: Bearer <JWT>`` and make a Principal of its claims.

    Give either ``secret`` (HS256) or public keys (``public_keys``: PEM strings or key
    objects, or ``jwks``: a JWK Set as a dict, a JSON string or a file path) for RS256/ES256.
    The algorithms accepted follow from the keys, never from the token: a token signed with
    HS256 is refused by a verifier holding public keys (the RS/HS confusion, where a public key
    would be used as an HMAC secret), and ``alg: none`` is never accepted. ``exp`` and the
    subject claim are required; ``audience``/``issuer``, when given, must match; ``leeway``
    seconds of clock skew are tolerated. ``workflows_claim`` names a claim holding the user's
    own workflow allow-list (a list of ids).
    """

    def __init__(
        self,
        *,
        secret: str | bytes | None = None,
        public_keys: Iterable[Any] | None = None,
        jwks: Mapping[str, Any] | str | Path | None = None,
        audience: str | None = None,
        issuer: str | None = None,
        leeway: float = 30.0,
        subject_claim: str = "sub",
        workflows_claim: str | None = None,
    ) -> None:
        given = [secret is not None, public_keys is not None, jwks is not None]
        if sum(given) != 1:
            raise ValueError("give exactly one of secret=, public_keys= or jwks=")
        self._audience = audience
        self._issuer = issuer
        self._leeway = leeway
        self._subject = subject_claim
        self._workflows = workflows_claim
        self._cache: dict[str, tuple[Principal, float]] = {}
        self._secret: bytes | None = None
        self._keys: list[tuple[str | None, str, Any]] = []  # (kid, algorithm, key)
        if secret is not None:
            self._secret = secret.encode() if isinstance(secret, str) else secret
            if len(self._secret) < 32:
                raise ValueError("an HS256 secret must be at least 32 bytes")
            self.algorithms: tuple[str, ...] = SYMMETRIC
        else:
            if public_keys is not None:
                for key in public_keys:
                    self._keys.append(_public_key(None, key))
            else:
                self._keys.extend(_jwks_keys(jwks))
            if not self._keys:
                raise ValueError("no public keys given")
            self.algorithms = tuple(sorted({alg for _, alg, _ in self._keys}))

    def __call__(self, request: Request) -> Principal:
        return self.verify(bearer_token(request))

    def verify(self, token: str) -> Principal:
        # A token is verified once, then served from a bounded cache until it expires: the
        # signature check costs more than the rest of a proxied get_run.
        cached = self._cache.get(token)
        if cached is not None:
            principal, expires = cached
            if time.time() <= expires + self._leeway:
                return principal
            del self._cache[token]
        principal = self._verify(token)
        if len(self._cache) >= CACHE_SIZE:
            self._cache.pop(next(iter(self._cache)))
        self._cache[token] = (principal, float(principal.claims["exp"]))
        return principal

    def _verify(self, token: str) -> Principal:
        try:
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError as exc:
            raise AuthenticationError(f"Invalid token: {exc}") from None
        algorithm = header.get("alg")
        if algorithm not in self.algorithms:  # "none", HS256 against public keys, ...
            raise AuthenticationError(f"Invalid token: algorithm {algorithm!r} not accepted")
        key = self._key_for(algorithm, header.get("kid"))
        try:
            claims: dict[str, Any] = jwt.decode(
                token,
                key,
                algorithms=[algorithm],
                audience=self._audience,
                issuer=self._issuer,
                leeway=self._leeway,
                options={"require": ["exp", self._subject]},
            )
        except jwt.PyJWTError as exc:
            raise AuthenticationError(f"Invalid token: {exc}") from None
        subject = claims.get(self._subject)
        if not isinstance(subject, str) or not subject:
            raise AuthenticationError(f"Invalid token: {self._subject!r} is not a string")
        workflows = None
        if self._workflows is not None and self._workflows in claims:
            listed = claims[self._workflows]
            if not isinstance(listed, list) or not all(isinstance(w, str) for w in listed):
                raise AuthenticationError(f"Invalid token: {self._workflows!r} is not a list")
            workflows = frozenset(listed)
        return Principal(subject, workflows, claims)

    def _key_for(self, algorithm: str, kid: object) -> Any:
        if self._secret is not None:
            return self._secret
        candidates = [key for k, alg, key in self._keys if alg == algorithm]
        if kid is not None:
            candidates = [key for k, alg, key in self._keys if alg == algorithm and k == kid]
        if len(candidates) != 1:
            raise AuthenticationError("Invalid token: no single key matches its kid/algorithm")
        return candidates[0]


def _public_key(kid: str | None, key: Any) -> tuple[str | None, str, Any]:
    if isinstance(key, str | bytes):
        text = key.decode() if isinstance(key, bytes) else key
        if "PRIVATE KEY" in text:
            raise ValueError("give public keys only (the proxy never needs a private key)")
        from cryptography.hazmat.primitives.serialization import load_pem_public_key

        key = load_pem_public_key(text.encode())
    from cryptography.hazmat.primitives.asymmetric import ec, rsa

    if isinstance(key, rsa.RSAPublicKey):
        return kid, "RS256", key
    if isinstance(key, ec.EllipticCurvePublicKey):
        return kid, "ES256", key
    raise ValueError(f"unsupported public key type {type(key).__name__}: use RSA or EC P-256")


def _jwks_keys(jwks: Mapping[str, Any] | str | Path | None) -> list[tuple[str | None, str, Any]]:
    if isinstance(jwks, Path) or (isinstance(jwks, str) and not jwks.lstrip().startswith("{")):
        jwks = Path(jwks).read_text(encoding="utf-8")
    data = json.loads(jwks) if isinstance(jwks, str) else jwks
    if not isinstance(data, Mapping) or not isinstance(data.get("keys"), list):
        raise ValueError('a JWK Set is a JSON object with a "keys" list')
    keys = []
    for entry in data["keys"]:
        kty = entry.get("kty")
        if "d" in entry:
            raise ValueError("the JWK Set holds a private key: give public keys only")
        key: Any
        if kty == "RSA":
            key = RSAAlgorithm.from_jwk(json.dumps(entry))
        elif kty == "EC":
            key = ECAlgorithm.from_jwk(json.dumps(entry))
        else:
            raise ValueError(f"unsupported key type {kty!r} in the JWK Set (RSA or EC only)")
        keys.append(_public_key(entry.get("kid"), key))
    return keys
