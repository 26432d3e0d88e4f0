"""The local server's public names."""

from __future__ import annotations

from flowscale.server import LocalServer, Workflow

__all__ = ["LocalServer", "Workflow"]
