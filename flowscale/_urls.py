"""Absolute URLs of API paths, made from the parsed base URL instead of parsed again per call.

httpx parses and re-escapes every URL given as text: about 12 µs, the largest single cost of a
`get_run` on the client's side. An API path the SDK builds (`/api/v1/runs/<escaped id>`) is
already in the form the parser would give it, so `ApiURLs.join` puts it after the base URL's
own path in httpx's parsed form directly. A path it cannot vouch for (dot segments, a
character the parser would escape or normalise), or an httpx whose parsed form is not the one
this was checked against, goes through the parser as before: the result is the same URL.
"""

from __future__ import annotations

import re

import httpx

__all__ = ["ApiURLs"]

# Segments of unreserved characters and upper-case percent escapes: what httpx's parser leaves
# exactly as it is. No "." (dot segments are normalised away by the parser).
_VERBATIM_PATH = re.compile(r"(?:/(?:[A-Za-z0-9_~-]|%[0-9A-F]{2})+)+")
# Paths the fast form is checked against when a client is made (escapes, a long id, nesting).
_SAMPLES = (
    "/api/v1/runs/3f1c2a9e-1b2c-4d5e-8f90-1234567890ab",
    "/api/v1/runs/a%2Fb%20c/events",
    "/api/v1/comfy/health",
)


class ApiURLs:
    """Absolute URLs under one base URL (`join`), without a parse per call where that is safe."""

    def __init__(self, base_url: str) -> None:
        self._base_url = base_url
        self._base = httpx.URL(base_url)
        self._fast = self._base.query == b"" and not self._base.fragment and _same_as_parsed(self)

    def join(self, path: str) -> httpx.URL:
        """The URL of `path` (beginning with "/") under the base URL's own path."""
        if self._fast and _VERBATIM_PATH.fullmatch(path):
            return self._verbatim(path)
        return httpx.URL(self._base_url + path)

    def _verbatim(self, path: str) -> httpx.URL:
        url = httpx.URL.__new__(httpx.URL)
        reference = self._base._uri_reference
        url._uri_reference = reference._replace(path=reference.path + path)
        return url


def _same_as_parsed(urls: ApiURLs) -> bool:
    """Whether the parser-free form equals httpx's own for sample paths (else it is not used:
    an httpx whose URLs are built differently)."""
    try:
        for path in _SAMPLES:
            fast, parsed = urls._verbatim(path), httpx.URL(urls._base_url + path)
            if fast != parsed or fast.raw_path != parsed.raw_path or str(fast) != str(parsed):
                return False
    except (AttributeError, TypeError, ValueError):
        return False
    return True
