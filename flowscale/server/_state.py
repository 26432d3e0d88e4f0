"""Everything the request handlers of one server share."""

from __future__ import annotations

import asyncio
from pathlib import Path

import attrs

from ._faults import Faults
from ._hub import EventHub
from ._registry import Registry
from ._runner import Runner
from ._signing import Signer
from ._store import Store
from ._telemetry import Telemetry


@attrs.define(slots=True)
class ServerState:
    api_key: str
    store: Store
    runner: Runner
    registry: Registry
    hub: EventHub
    signer: Signer
    faults: Faults
    telemetry: Telemetry
    files_dir: Path
    keepalive_interval: float
    # Set on the server's loop when it stops: hung requests and open streams end at once.
    stopping: asyncio.Event = attrs.field(factory=asyncio.Event)
