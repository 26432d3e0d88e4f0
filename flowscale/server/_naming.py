"""Output names the way the service makes them, and content types of output files.

The service names outputs ``filename_prefix_<node id>_<10 random A-Z0-9>`` (e.g.
``filename_prefix_58358_5WWF7GQUYF``) and the file behind it adds the extension.
"""

from __future__ import annotations

import hashlib
import mimetypes
import re
import secrets
import string
from typing import Final

NAME_PATTERN: Final = re.compile(r"^filename_prefix_\d+_[A-Z0-9]{10}(\.[A-Za-z0-9]+)*$")
_ALPHABET: Final = string.ascii_uppercase + string.digits
TEXT_CONTENT_TYPE: Final = "text/plain; charset=utf-8"


def node_id_for(workflow_id: str, label: str) -> str:
    """A stable 5-digit node id per workflow output, like ComfyUI's numeric node ids."""
    digest = hashlib.sha256(f"{workflow_id}\0{label}".encode()).digest()
    return str(10000 + int.from_bytes(digest[:4], "big") % 90000)


def random_name(node_id: str) -> str:
    suffix = "".join(secrets.choice(_ALPHABET) for _ in range(10))
    return f"filename_prefix_{node_id}_{suffix}"


def strip_extension(filename: str) -> str:
    """``filename_prefix_1_ABC.png`` -> ``filename_prefix_1_ABC`` (names have no dots)."""
    return filename.split(".", 1)[0]


def content_type_for(filename: str) -> str:
    if filename.endswith(".txt"):
        return TEXT_CONTENT_TYPE
    guessed, _ = mimetypes.guess_type(filename)
    return guessed or "application/octet-stream"


def safe_filename(filename: str | None, fallback: str = "upload") -> str:
    """A file name safe to use on disk and in a URL path segment."""
    base = (filename or "").replace("\\", "/").rsplit("/", 1)[-1]
    cleaned = re.sub(r"[^A-Za-z0-9._-]", "_", base).lstrip(".")
    return cleaned[:128] or fallback
