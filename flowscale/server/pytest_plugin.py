"""pytest plugin (entry point ``flowscale``): fixtures running a local Flowscale server.

- ``flowscale_server``: a fresh ``LocalServer`` per test (``step_delay=0.01``);
- ``flowscale_server_session``: one ``LocalServer`` for the whole session.

pytest loads this module in every session of every project that has flowscale installed, with
or without the ``server`` extra: it imports nothing heavy; the server loads inside the fixtures.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from flowscale.server._server import LocalServer

TEST_STEP_DELAY = 0.01


@pytest.fixture
def flowscale_server() -> Iterator[LocalServer]:
    """A fresh local Flowscale server, stopped after the test."""
    from flowscale.server._server import LocalServer

    with LocalServer(step_delay=TEST_STEP_DELAY) as server:
        yield server


@pytest.fixture(scope="session")
def flowscale_server_session() -> Iterator[LocalServer]:
    """One local Flowscale server shared by the session (call ``reset()`` after faults)."""
    from flowscale.server._server import LocalServer

    with LocalServer(step_delay=TEST_STEP_DELAY) as server:
        yield server
