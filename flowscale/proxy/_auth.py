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


# The __init__ is written out rather than generated with attrs converters: a converter's
# field shows up in type checkers as a synthesized descriptor class without a docstring.
@attrs.frozen(slots=True, init=False)
class Principal:
    """An authenticated end user, as an authentication hook returns them.

    Args:
        id: Who they are; it scopes everything they see (runs, outputs, limits).
        workflows: Their own workflow allow-list (None: no list of their own; the policy's
            global one still applies).
        claims: What the hook knows of them (a JWT's claims); kept out of the repr.

    Raises:
        ValueError: An empty ``id``.
        TypeError: ``workflows`` is one string rather than a collection of ids.
    """

    id: str = attrs.field(validator=attrs.validators.min_len(1))
    workflows: frozenset[str] | None
    claims: Mapping[str, Any] = attrs.field(repr=False)

    def __init__(
        self,
        id: str,
        workflows: Iterable[str] | None = None,
        claims: Mapping[str, Any] | None = None,
    ) -> None:
        self.__attrs_init__(id, _optional_ids(workflows), {} if claims is None else claims)


class AuthenticationError(Exception):
    """Raised by a hook: the caller is not authenticated (the message goes into the 401)."""


Authenticate = Callable[[Request], "Principal | Awaitable[Principal]"]


def bearer_token(request: Request) -> str:
    """The token of ``Authorization: Bearer <token>``, or AuthenticationError."""
    # The first Authorization header, as request.headers.get would give it (ASGI header
    # names are lowercase), without making a Headers object for every request.
    value: str | None = None
    for name, raw in request.scope["headers"]:
        if name == b"authorization":
            value = raw.decode("latin-1")
            break
    if value is None:
        raise AuthenticationError("Missing credentials: send Authorization: Bearer <token>")
    scheme, _, token = value.strip().partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise AuthenticationError("Malformed Authorization header: expected Bearer <token>")
    return token.strip()


class JWTVerifier:
    """Verify ``Authorization: Bearer <JWT>`` and make a `Principal` of its claims.

    An authentication hook for `FlowscaleProxy`: calling it with a request returns the
    principal or raises `AuthenticationError`. Give exactly one of ``secret`` (HS256) or
    public keys (``public_keys`` or ``jwks``, for RS256/ES256). The algorithms accepted follow
    from the keys, never from the token: a token signed with HS256 is refused by a verifier
    holding public keys (the RS/HS confusion, where a public key would be used as an HMAC
    secret), and ``alg: none`` is never accepted. ``exp`` and the subject claim are required.

    Args:
        secret: The HS256 secret, at least 32 bytes.
        public_keys: RSA or EC P-256 public keys: PEM strings or key objects.
        jwks: A JWK Set of public keys: a dict, a JSON string or a file path.
        audience: The ``aud`` a token must have (None: a token with an ``aud`` is refused).
        issuer: The ``iss`` a token must have (None: not checked).
        leeway: Seconds of clock skew tolerated on ``exp``, ``nbf`` and ``iat``.
        subject_claim: The claim that becomes `Principal.id`.
        workflows_claim: A claim holding the user's own workflow allow-list (a list of ids).

    Raises:
        ValueError: Not exactly one kind of key, a short secret, a private key, or a key type
            other than RSA and EC.
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
        """Verify a token (without the ``Bearer`` prefix) and make its principal.

        Args:
            token: The encoded JWT.

        Returns:
            The principal: the subject claim as its id, the claims, the workflows claim.

        Raises:
            AuthenticationError: The token is malformed, expired, of another audience or
                issuer, signed with an algorithm or key not accepted, or lacks a claim.
        """
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
