"""Error replies to exceptions: one mapping from an HTTP status to the typed hierarchy (no I/O).

What a status means can depend on the operation (408 from `get_output` is "the output timed
out", from anything else a plain timeout status): such meanings are declared with the
operation in `_operations.py` and passed in as `overrides`, never guessed from the URL.
"""

from __future__ import annotations

from collections.abc import Mapping
from http import HTTPStatus
from typing import Any

import httpx

from ._errors import (
    APIStatusError,
    AuthenticationError,
    FieldError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitError,
    ServerError,
    ValidationError,
)
from ._retry import parse_retry_after

__all__ = ["safe_url", "status_error"]

_STATUS_ERRORS: Mapping[int, type[APIStatusError]] = {
    401: AuthenticationError,
    403: PermissionDeniedError,
    404: NotFoundError,
}

_HINTS: Mapping[int, str] = {
    401: " (send the API key: api_key=... or FLOWSCALE_API_KEY)",
    403: " (check the API key for this base URL)",
}
# In proxy mode the SDK sends no key: your backend adds it, and checks your own credentials.
_PROXY_HINTS: Mapping[int, str] = {
    401: " (proxy mode: the proxy refused this client's credentials; check the cookie, token "
    "or headers your proxy expects, and that the proxy has FLOWSCALE_API_KEY)",
    403: " (proxy mode: the proxy does not allow this request for these credentials)",
}


def safe_url(url: httpx.URL) -> str:
    """The URL for messages and logs: no query on foreign hosts (signed links carry secrets)."""
    return str(url.copy_with(query=None, fragment=None))


def _error_text(body: object) -> str:
    if isinstance(body, Mapping):
        errors = body.get("errors")
        if isinstance(errors, list):
            return "; ".join(str(e) for e in errors)
        if errors:
            return str(errors)
        detail = body.get("detail")
        if isinstance(detail, str):
            return detail
        if isinstance(detail, list):
            return "; ".join(_detail_text(d) for d in detail)
    if isinstance(body, str):
        return body[:300]
    return ""


def _location(item: Mapping[str, object]) -> tuple[str | int, ...]:
    loc = item.get("loc")
    if not isinstance(loc, list):
        return ()
    return tuple(p if isinstance(p, int) else str(p) for p in loc)


def _detail_text(item: object) -> str:
    if not isinstance(item, Mapping):
        return str(item)
    where = ".".join(str(p) for p in _location(item))
    return f"{where}: {item.get('msg')}" if where else str(item.get("msg"))


def field_errors(body: object) -> list[FieldError]:
    """The items of a 422 reply's `detail` list (FastAPI's shape); [] for any other body."""
    detail = body.get("detail") if isinstance(body, Mapping) else None
    if not isinstance(detail, list):
        return []
    return [
        FieldError(loc=_location(d), msg=str(d.get("msg", "")), type=str(d.get("type", "")))
        for d in detail
        if isinstance(d, Mapping)
    ]


def _body(response: httpx.Response) -> object:
    try:
        return response.json()
    except (ValueError, UnicodeDecodeError, RecursionError):
        return response.text


def status_error(
    response: httpx.Response,
    overrides: Mapping[int, type[APIStatusError]] | None = None,
    *,
    proxy_mode: bool = False,
) -> APIStatusError:
    """The exception for an error reply (its body must have been read). `overrides` are the
    operation's own meanings of some statuses; `proxy_mode` words the credential hints for
    a client that sends no API key."""
    request = response.request
    body: Any = _body(response)
    try:
        reason = HTTPStatus(response.status_code).phrase
    except ValueError:
        reason = ""
    status = response.status_code
    text = _error_text(body)
    message = f"{request.method} {safe_url(request.url)} returned {status} {reason}".rstrip()
    message += (f": {text}" if text else "") + (_PROXY_HINTS if proxy_mode else _HINTS).get(
        status, ""
    )
    common: dict[str, Any] = {
        "method": request.method,
        "url": safe_url(request.url),
        "status_code": status,
        "body": body,
        "headers": dict(response.headers),
    }
    special = overrides.get(status) if overrides else None
    if special is not None:
        return special(message, **common)
    if status == 422:
        return ValidationError(message, errors=field_errors(body), **common)
    if status == 429:
        return RateLimitError(message, retry_after=parse_retry_after(response.headers), **common)
    if status >= 500:
        return ServerError(message, **common)
    return _STATUS_ERRORS.get(status, APIStatusError)(message, **common)
