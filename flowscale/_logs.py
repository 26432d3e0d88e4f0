"""The `flowscale` logger: silent by default, `FLOWSCALE_LOG=debug|info` to see it, secrets blanked.

As in the standard library's advice for libraries, the logger gets a `NullHandler`: an
application that never configured logging does not see the SDK's warnings on stderr. Setting
`FLOWSCALE_LOG` (read once, at import, like openai-python's `OPENAI_LOG`) attaches a stderr
handler whose formatter replaces every known secret (the API keys and custom header values of
the clients made in this process, and `FLOWSCALE_API_KEY`) with `***`: a debug log is something
people paste into bug reports. The CLI's `-v`/`--debug` use the same formatter.
"""

from __future__ import annotations

import logging
import os
import sys
import warnings
from collections.abc import Callable, Iterable

__all__ = [
    "LOG_ENV",
    "REDACTED",
    "RedactingFormatter",
    "logger",
    "register_secrets",
    "setup_from_environment",
]

LOG_ENV = "FLOWSCALE_LOG"
REDACTED = "***"
LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
_MIN_SECRET = 4  # shorter values would blank out ordinary words
_ENV_HANDLER = "flowscale-env"
_LEVELS = {"debug": logging.DEBUG, "info": logging.INFO}

logger = logging.getLogger("flowscale")
logger.addHandler(logging.NullHandler())

# Every API key and custom header value a client of this process was given. Kept for the
# process's life: a log line about a closed client can still quote its headers.
_registered: set[str] = set()


def register_secrets(*values: str | None) -> None:
    """Mark values (an API key, custom header values) to be blanked by `FLOWSCALE_LOG` output."""
    _registered.update(v for v in values if v and len(v) >= _MIN_SECRET)


def _known_secrets() -> set[str]:
    key = os.environ.get("FLOWSCALE_API_KEY")
    return _registered | ({key} if key else set())


class RedactingFormatter(logging.Formatter):
    """A `logging.Formatter` that replaces every secret in the formatted record, traceback included.

    Args:
        fmt: The `%`-style format string of `logging.Formatter`.
        secrets: The values to blank, or a callable returning them at each record (for secrets
            that become known after the handler was installed). Values shorter than 4
            characters are ignored: they would blank out ordinary words.
    """

    def __init__(self, fmt: str, secrets: Iterable[str] | Callable[[], Iterable[str]]) -> None:
        super().__init__(fmt)
        self._source = secrets if callable(secrets) else None
        self._secrets = () if callable(secrets) else self._order(secrets)

    @staticmethod
    def _order(secrets: Iterable[str]) -> tuple[str, ...]:
        # Longest first, so a secret containing another is blanked whole.
        kept = {s for s in secrets if len(s) >= _MIN_SECRET}
        return tuple(sorted(kept, key=len, reverse=True))

    def redact(self, text: str) -> str:
        """Return `text` with every secret replaced by `***`."""
        secrets = self._order(self._source()) if self._source is not None else self._secrets
        for secret in secrets:
            text = text.replace(secret, REDACTED)
        return text

    def format(self, record: logging.LogRecord) -> str:
        """Format the record as `logging.Formatter` does, then blank the secrets."""
        return self.redact(super().format(record))


def setup_from_environment(environ: dict[str, str] | None = None) -> logging.Handler | None:
    """Attach a redacting stderr handler to the `flowscale` logger if `FLOWSCALE_LOG` asks for one.

    `FLOWSCALE_LOG=debug` logs every request; `info` logs retries and fallbacks. Any other value
    is ignored (with a `RuntimeWarning`), and so is an empty one. Called once when `flowscale` is
    imported; calling it again replaces the handler it installed, never adds a second one.

    Returns:
        The handler installed, or None when `FLOWSCALE_LOG` is unset or not a known level.
    """
    value = (os.environ if environ is None else environ).get(LOG_ENV, "").strip().lower()
    for old in [h for h in logger.handlers if h.get_name() == _ENV_HANDLER]:
        logger.removeHandler(old)
    if not value:
        return None
    if value not in _LEVELS:
        # Not through the logger: nothing would show it (the point of the setting).
        warnings.warn(
            f"{LOG_ENV}={value!r} is not one of {', '.join(_LEVELS)}: ignored",
            RuntimeWarning,
            stacklevel=2,
        )
        return None
    handler = logging.StreamHandler(sys.stderr)
    handler.set_name(_ENV_HANDLER)
    handler.setFormatter(RedactingFormatter(LOG_FORMAT, _known_secrets))
    logger.addHandler(handler)
    logger.setLevel(_LEVELS[value])
    return handler
