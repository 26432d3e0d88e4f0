"""pytest plugin (entry point ``flowscale``): fixtures running a local Flowscale server.

- ``flowscale_server``: a fresh ``LocalServer`` per test (``step_delay=0.01``);
- ``flowscale_server_session``: one ``LocalServer`` for the whole session;
- ``flowscale_client``: a ``Flowscale`` pointed at ``flowscale_server`` (closed after the test);
- ``flowscale_async_client``: the same as an ``AsyncFlowscale`` (needs pytest-asyncio);
- ``flowscale_env``: ``FLOWSCALE_API_URL`` / ``FLOWSCALE_API_KEY`` set to ``flowscale_server``
  for the test (monkeypatch), for code that builds its own client from the environment;
  returns the server.

pytest loads this module in every session of every project that has flowscale installed, with
or without the ``server`` extra: it imports nothing heavy; the server loads inside the fixtures,
which without the extra fail saying which one to install.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import TYPE_CHECKING, Any

import pytest

from flowscale.server import load_server

if TYPE_CHECKING:
    from flowscale import AsyncFlowscale, Flowscale
    from flowscale.server._server import LocalServer

TEST_STEP_DELAY = 0.01


def _local_server(fixture: str) -> type[LocalServer]:
    server_class: type[LocalServer] = load_server(f"the {fixture} fixture").LocalServer
    return server_class


@pytest.fixture
def flowscale_server() -> Iterator[LocalServer]:
    """A fresh local Flowscale server, stopped after the test."""
    with _local_server("flowscale_server")(step_delay=TEST_STEP_DELAY) as server:
        yield server


@pytest.fixture(scope="session")
def flowscale_server_session() -> Iterator[LocalServer]:
    """One local Flowscale server shared by the session (call ``reset()`` after faults)."""
    with _local_server("flowscale_server_session")(step_delay=TEST_STEP_DELAY) as server:
        yield server


@pytest.fixture
def flowscale_client(flowscale_server: LocalServer) -> Iterator[Flowscale]:
    """A ``Flowscale`` client of ``flowscale_server``."""
    from flowscale import Flowscale

    with Flowscale(api_key=flowscale_server.api_key, base_url=flowscale_server.base_url) as client:
        yield client


@pytest.fixture
def flowscale_env(flowscale_server: LocalServer, monkeypatch: pytest.MonkeyPatch) -> LocalServer:
    """``FLOWSCALE_API_URL`` and ``FLOWSCALE_API_KEY`` point at ``flowscale_server``."""
    monkeypatch.setenv("FLOWSCALE_API_URL", flowscale_server.base_url)
    monkeypatch.setenv("FLOWSCALE_API_KEY", flowscale_server.api_key)
    return flowscale_server


async def _async_client(server: LocalServer) -> AsyncIterator[AsyncFlowscale]:
    from flowscale import AsyncFlowscale

    # Built inside the test's event loop, which its connections belong to.
    async with AsyncFlowscale(api_key=server.api_key, base_url=server.base_url) as client:
        yield client


def _async_fixture() -> Any:
    try:
        import pytest_asyncio
    except ImportError:

        @pytest.fixture(name="flowscale_async_client")
        def needs_pytest_asyncio() -> None:
            """An ``AsyncFlowscale`` client of ``flowscale_server`` (needs pytest-asyncio)."""
            pytest.fail(
                "the flowscale_async_client fixture needs pytest-asyncio: "
                "pip install pytest-asyncio",
                pytrace=False,
            )

        return needs_pytest_asyncio

    @pytest_asyncio.fixture(name="flowscale_async_client")
    async def async_client(
        flowscale_server: LocalServer,
    ) -> AsyncIterator[AsyncFlowscale]:
        """An ``AsyncFlowscale`` client of ``flowscale_server``, closed after the test."""
        async for client in _async_client(flowscale_server):
            yield client

    return async_client


flowscale_async_client: object = (
    _async_fixture()
)  # a fixture object; its value is an AsyncFlowscale
