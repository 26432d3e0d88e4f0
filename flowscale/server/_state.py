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
from ._turns import Turns

# Run creations and event-stream reads take turns on the loop (see _turns.py): a few per
# iteration keep each iteration short (with 16, the opening burst of 1,000 starts made
# iterations of 100-300 ms, the health check waiting behind each).
TURNS_PER_ITERATION = 4


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
    turns: Turns = attrs.field(factory=lambda: Turns(per_round=TURNS_PER_ITERATION))
