"""Authentication: the JWT verifier on its own (no sockets), then bad credentials through the
proxy: every one is a 401 in the API's envelope, and the upstream sees none of them."""

from __future__ import annotations

import base64
import json
import time
from typing import Any

import httpx
import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from jwt.algorithms import ECAlgorithm, RSAAlgorithm
from starlette.requests import Request

from flowscale.proxy import AuthenticationError, JWTVerifier, Principal
from flowscale.server import LocalServer

from .conftest import AUDIENCE, ISSUER, SECRET, MakeProxy, mint

RSA_KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)
EC_KEY = ec.generate_private_key(ec.SECP256R1())
RSA_PUBLIC_PEM = (
    RSA_KEY.public_key()
    .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    .decode()
)


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unsigned(claims: dict[str, Any]) -> str:
    header = _b64(json.dumps({"alg": "none", "typ": "JWT"}).encode())
    return f"{header}.{_b64(json.dumps(claims).encode())}."


def _claims(**extra: Any) -> dict[str, Any]:
    return {"sub": "alice", "aud": AUDIENCE, "iss": ISSUER, "exp": int(time.time()) + 60, **extra}


def _hs_confusion() -> str:
    """HS256 signed with the RSA public key as the secret: the classic confusion attack."""
    import hashlib
    import hmac

    header = _b64(json.dumps({"alg": "HS256", "typ": "JWT"}).encode())
    body = _b64(json.dumps(_claims()).encode())
    signature = hmac.new(RSA_PUBLIC_PEM.encode(), f"{header}.{body}".encode(), hashlib.sha256)
    return f"{header}.{body}.{_b64(signature.digest())}"


HS = JWTVerifier(secret=SECRET, audience=AUDIENCE, issuer=ISSUER, leeway=5)
RS = JWTVerifier(public_keys=[RSA_PUBLIC_PEM], audience=AUDIENCE, issuer=ISSUER)
ES = JWTVerifier(public_keys=[EC_KEY.public_key()], audience=AUDIENCE)


def test_valid_tokens_of_each_algorithm() -> None:
    assert HS.verify(mint("alice")).id == "alice"
    assert RS.verify(jwt.encode(_claims(), RSA_KEY, algorithm="RS256")).id == "alice"
    assert ES.verify(jwt.encode(_claims(), EC_KEY, algorithm="ES256")).id == "alice"


def test_expiry_has_leeway_and_no_more() -> None:
    assert HS.verify(mint("alice", exp=int(time.time()) - 2)).id == "alice"
    with pytest.raises(AuthenticationError, match="expired"):
        HS.verify(mint("alice", exp=int(time.time()) - 30))


@pytest.mark.parametrize(
    ("verifier", "token"),
    [
        (HS, mint("alice", secret="another-secret-" + "y" * 40)),  # forged
        (HS, mint("alice", exp=int(time.time()) - 3600)),  # expired
        (HS, mint("alice", aud="someone-else")),  # wrong audience
        (HS, mint("alice", iss="https://evil.test")),  # wrong issuer
        (HS, mint("alice", exp=None)),  # no expiry
        (HS, mint("", sub=None)),  # no subject
        (HS, _unsigned(_claims())),  # alg none
        (RS, _unsigned(_claims())),
        (RS, _hs_confusion()),  # RS/HS confusion
        (RS, mint("alice")),  # HS256 against public keys
        (ES, jwt.encode(_claims(), RSA_KEY, algorithm="RS256")),  # RSA against an EC key
        (HS, "not.a.jwt"),
        (HS, ""),
    ],
)
def test_bad_tokens_are_refused(verifier: JWTVerifier, token: str) -> None:
    with pytest.raises(AuthenticationError):
        verifier.verify(token)


def test_jwks_keys_are_chosen_by_kid() -> None:
    rsa_jwk = json.loads(RSAAlgorithm.to_jwk(RSA_KEY.public_key()))
    ec_jwk = json.loads(ECAlgorithm.to_jwk(EC_KEY.public_key()))
    other = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    other_jwk = json.loads(RSAAlgorithm.to_jwk(other.public_key()))
    verifier = JWTVerifier(
        jwks={
            "keys": [{**rsa_jwk, "kid": "r1"}, {**other_jwk, "kid": "r2"}, {**ec_jwk, "kid": "e1"}]
        },
        audience=AUDIENCE,
    )
    token = jwt.encode(_claims(), RSA_KEY, algorithm="RS256", headers={"kid": "r1"})
    assert verifier.verify(token).id == "alice"
    wrong_kid = jwt.encode(_claims(), RSA_KEY, algorithm="RS256", headers={"kid": "r2"})
    with pytest.raises(AuthenticationError):
        verifier.verify(wrong_kid)
    with pytest.raises(ValueError, match="private"):
        JWTVerifier(jwks={"keys": [json.loads(RSAAlgorithm.to_jwk(RSA_KEY))]})


def test_configuration_mistakes_are_loud() -> None:
    with pytest.raises(ValueError, match="exactly one"):
        JWTVerifier()
    with pytest.raises(ValueError, match="32 bytes"):
        JWTVerifier(secret="short")
    private_pem = RSA_KEY.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()
    with pytest.raises(ValueError, match="public keys only"):
        JWTVerifier(public_keys=[private_pem])


def test_workflows_claim_becomes_the_principals_allow_list() -> None:
    verifier = JWTVerifier(secret=SECRET, audience=AUDIENCE, workflows_claim="workflows")
    principal = verifier.verify(mint("alice", workflows=["wf-1"]))
    assert principal.workflows == frozenset({"wf-1"})
    with pytest.raises(AuthenticationError):
        verifier.verify(mint("alice", workflows="wf-1"))


# ---- through the proxy ------------------------------------------------------------------

BAD_HEADERS: list[tuple[str, dict[str, str]]] = [
    ("missing", {}),
    ("not bearer", {"Authorization": f"Basic {_b64(b'alice:pw')}"}),
    ("empty bearer", {"Authorization": "Bearer"}),
    ("forged", {"Authorization": f"Bearer {mint('alice', secret='z' * 48)}"}),
    ("expired", {"Authorization": f"Bearer {mint('alice', exp=int(time.time()) - 3600)}"}),
    ("wrong audience", {"Authorization": f"Bearer {mint('alice', aud='other')}"}),
    ("wrong issuer", {"Authorization": f"Bearer {mint('alice', iss='https://evil.test')}"}),
    ("alg none", {"Authorization": f"Bearer {_unsigned(_claims())}"}),
    ("an API key instead", {"X-API-KEY": "fs-some-key"}),
]


def test_bad_credentials_never_reach_the_upstream(
    make_proxy: MakeProxy, upstream: LocalServer, capsys: pytest.CaptureFixture[str]
) -> None:
    plain = make_proxy()
    rs = make_proxy(authenticate=RS)
    before = upstream.counters()["requests"]
    attempts = 0
    with httpx.Client(timeout=10) as http:
        for server, cases in ((plain, BAD_HEADERS), (rs, [("confusion", _confused())])):
            for label, headers in cases:
                for method, path in (
                    ("GET", "/api/v1/runs"),
                    ("GET", "/api/v1/comfy/workflows"),
                    ("POST", "/api/v1/runs?workflow_id=550e8400-e29b-41d4-a716-446655440000"),
                    ("GET", "/api/v1/runs/some-run/events"),
                ):
                    reply = http.request(method, server.url + path, headers=headers)
                    attempts += 1
                    assert reply.status_code == 401, (label, path, reply.text)
                    assert reply.json()["status"] == "error"
                    assert reply.headers["www-authenticate"] == "Bearer"
    assert upstream.counters()["requests"] == before
    with capsys.disabled():
        print(f"\nproxy bad credentials: {attempts} attempts, all 401, 0 upstream requests")


def _confused() -> dict[str, str]:
    return {"Authorization": f"Bearer {_hs_confusion()}"}


async def test_async_hooks_and_failing_hooks(make_proxy: MakeProxy) -> None:
    async def hook(request: Request) -> Principal:
        if request.headers.get("x-user") != "carol":
            raise AuthenticationError("who are you?")
        return Principal("carol")

    def broken(request: Request) -> Principal:
        raise RuntimeError("database password is hunter2")

    good = make_proxy(authenticate=hook)
    bad = make_proxy(authenticate=broken)
    async with httpx.AsyncClient(timeout=10) as http:
        ok = await http.get(good.url + "/api/v1/runs", headers={"X-User": "carol"})
        assert ok.status_code == 200
        refused = await http.get(good.url + "/api/v1/runs")
        assert (refused.status_code, refused.json()["errors"]) == (401, "who are you?")
        failed = await http.get(bad.url + "/api/v1/runs")
        assert failed.status_code == 401
        assert "hunter2" not in failed.text
