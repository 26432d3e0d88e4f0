"""Client configuration: where to send requests, with which credentials and limits."""

from __future__ import annotations

import os
import re
import sys
import urllib.parse
from collections.abc import Mapping

import attrs
import httpx

from ._bounds import DEFAULT_MAX_RESPONSE_BYTES
from ._errors import ConfigurationError
from ._logs import register_secrets
from ._retry import RetryPolicy
from ._version import __version__

__all__ = ["DEFAULT_MAX_READ", "DEFAULT_TIMEOUT", "ClientConfig"]

API_KEY_ENV = "FLOWSCALE_API_KEY"
BASE_URL_ENV = "FLOWSCALE_API_URL"
API_KEY_HEADER = "X-API-KEY"
DEFAULT_TIMEOUT = httpx.Timeout(60.0, connect=10.0)
DEFAULT_MAX_RETRIES = 2
# The most bytes `read_output` holds in memory unless told otherwise.
DEFAULT_MAX_READ = 256 * 1024 * 1024
USER_AGENT = (
    f"flowscale-python/{__version__} httpx/{httpx.__version__} python/{{}}.{{}}.{{}}".format(
        *sys.version_info[:3]
    )
)
# RFC 9110 field names are tokens; values are visible ASCII, spaces and tabs (obs-text is
# refused: httpx would raise UnicodeEncodeError on every later request).
_HEADER_NAME = re.compile(r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+")
_HEADER_VALUE = re.compile(r"[\t\x20-\x7e]*")


def in_browser() -> bool:
    """Whether this Python runs in a browser (Pyodide / emscripten), where a key is public."""
    return sys.platform == "emscripten" or "pyodide" in sys.modules


def to_timeout(value: float | httpx.Timeout | None) -> httpx.Timeout:
    if isinstance(value, httpx.Timeout):
        return value
    if value is None:
        return DEFAULT_TIMEOUT
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 < value < 1e9:
        raise TypeError(
            f"timeout must be a positive number of seconds or an httpx.Timeout, not {value!r}"
        )
    return httpx.Timeout(float(value), connect=min(float(value), 10.0))


def _origin(url: httpx.URL) -> tuple[str, str, int | None]:
    return (url.scheme, url.host, url.port)


def _normalise_base_url(raw: str) -> httpx.URL:
    parsed = urllib.parse.urlsplit(raw.strip())
    if parsed.scheme not in ("http", "https") or not parsed.netloc:
        raise ConfigurationError(
            f"base_url must be an absolute http(s) URL such as "
            f"https://your-deployment.pod.flowscale.ai, not {raw!r}",
            setting="base_url",
        )
    if parsed.username or parsed.password:
        raise ConfigurationError(
            "base_url must not contain credentials; pass api_key instead", setting="base_url"
        )
    # A trailing slash would turn /api/v1 into //api/v1 once paths are joined.
    path = parsed.path.rstrip("/")
    return httpx.URL(urllib.parse.urlunsplit((parsed.scheme, parsed.netloc, path, "", "")))


@attrs.frozen(slots=True, repr=False)
class ClientConfig:
    """Everything a client needs to talk to one deployment. The key never shows in `repr`."""

    base_url: httpx.URL
    api_key: str | None
    timeout: httpx.Timeout
    retry: RetryPolicy
    proxy_mode: bool
    # Mutable on purpose: update_custom_headers() changes it in place, so that clients made by
    # with_options() (which share it) see a refreshed token too.
    custom_headers: dict[str, str]
    max_response_bytes: int = DEFAULT_MAX_RESPONSE_BYTES

    @classmethod
    def create(
        cls,
        *,
        api_key: str | None,
        base_url: str | None,
        timeout: float | httpx.Timeout | None,
        max_retries: int | None,
        proxy_mode: bool,
        custom_headers: Mapping[str, str] | None,
        allow_dangerously_expose_api_key: bool,
        max_response_bytes: int = DEFAULT_MAX_RESPONSE_BYTES,
    ) -> ClientConfig:
        """Check the client's arguments and fill the unset ones from the environment.

        Raises:
            ConfigurationError: No key (outside proxy mode), no base URL, a key in proxy mode,
                or a key in a browser Python without `allow_dangerously_expose_api_key`.
            TypeError: An argument of the wrong type.
            ValueError: A header containing a line break.
        """
        if api_key is None and not proxy_mode:
            api_key = os.environ.get(API_KEY_ENV) or None
        if base_url is None:
            base_url = os.environ.get(BASE_URL_ENV) or None
        if not base_url:
            raise ConfigurationError(
                f"no base URL: pass base_url=... or set {BASE_URL_ENV} "
                "(e.g. https://your-deployment.pod.flowscale.ai)",
                setting="base_url",
            )
        if not isinstance(base_url, str):
            raise TypeError(f"base_url must be a str, not {type(base_url).__name__}")
        if api_key is not None and not isinstance(api_key, str):
            raise TypeError(f"api_key must be a str, not {type(api_key).__name__}")
        if proxy_mode and api_key:
            raise ConfigurationError(
                "proxy_mode sends no API key: your backend adds it. Drop api_key, or drop "
                "proxy_mode to call the API directly",
                setting="proxy_mode",
            )
        if not proxy_mode and not api_key:
            raise ConfigurationError(
                f"no API key: pass api_key=... or set {API_KEY_ENV} "
                "(or use proxy_mode=True behind your own backend)",
                setting="api_key",
            )
        if api_key and in_browser() and not allow_dangerously_expose_api_key:
            raise ConfigurationError(
                "this Python runs in a browser, where the API key would be visible to every "
                "user. Use proxy_mode=True behind your backend, or pass "
                "allow_dangerously_expose_api_key=True to accept the risk",
                setting="allow_dangerously_expose_api_key",
            )
        if max_retries is None:
            max_retries = DEFAULT_MAX_RETRIES
        if isinstance(max_retries, bool) or not isinstance(max_retries, int) or max_retries < 0:
            raise TypeError(f"max_retries must be an int >= 0, not {max_retries!r}")
        if (
            isinstance(max_response_bytes, bool)
            or not isinstance(max_response_bytes, int)
            or max_response_bytes < 1
        ):
            raise TypeError(f"max_response_bytes must be an int >= 1, not {max_response_bytes!r}")
        register_secrets(api_key)  # blanked in FLOWSCALE_LOG output
        return cls(
            base_url=_normalise_base_url(base_url),
            api_key=api_key,
            timeout=to_timeout(timeout),
            retry=RetryPolicy(max_retries=max_retries),
            proxy_mode=proxy_mode,
            custom_headers=check_headers(custom_headers or {}),
            max_response_bytes=max_response_bytes,
        )

    def api_headers(self) -> dict[str, str]:
        """Headers for a request to the API (never for a download host)."""
        headers = dict(self.custom_headers)
        if self.api_key and not self.proxy_mode:
            headers[API_KEY_HEADER] = self.api_key
        return headers

    def is_api_origin(self, url: httpx.URL) -> bool:
        """Whether `url` is on the API's origin (scheme, host, port): the only one given the key."""
        return _origin(url) == _origin(self.base_url)

    def __repr__(self) -> str:
        key = "<set>" if self.api_key else None
        return (
            f"ClientConfig(base_url={str(self.base_url)!r}, api_key={key}, "
            f"proxy_mode={self.proxy_mode})"
        )


def check_headers(headers: Mapping[str, str]) -> dict[str, str]:
    """A copy of `headers` once every name and value is one HTTP allows.

    Raises:
        TypeError: not a mapping of str to str.
        ValueError: a name that is not an HTTP token, or a value with a line break, another
            control character or a non-ASCII character.
    """
    if not isinstance(headers, Mapping):
        raise TypeError(
            f"custom headers must be a mapping of str to str, not {type(headers).__name__}"
        )
    checked: dict[str, str] = {}
    for name, value in headers.items():
        if not isinstance(name, str) or not isinstance(value, str):
            raise TypeError(
                f"custom headers must map str to str, got {name!r}: {type(value).__name__}"
            )
        if any(c in name + value for c in "\r\n"):
            raise ValueError(f"custom header {name!r} contains a line break")
        if not _HEADER_NAME.fullmatch(name):
            raise ValueError(
                f"custom header name {name!r} is not a valid HTTP header name (letters, "
                "digits and !#$%&'*+-.^_`|~ only)"
            )
        if not _HEADER_VALUE.fullmatch(value):
            raise ValueError(
                f"custom header {name!r} has a value with a control or non-ASCII character"
            )
        checked[name] = value
    register_secrets(*checked.values())  # header values are often tokens: blanked in logs
    return checked
