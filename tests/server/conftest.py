from __future__ import annotations

from collections.abc import Iterator

import pytest

from flowscale.server import LocalServer
from flowscale_api import AuthenticatedClient

from .helpers import api_client


@pytest.fixture
def server() -> Iterator[LocalServer]:
    with LocalServer(step_delay=0.002, workers=2) as running:
        yield running


@pytest.fixture
def client(server: LocalServer) -> Iterator[AuthenticatedClient]:
    with api_client(server) as authenticated:
        yield authenticated
