"""The API's operations as the SDK sends them (no I/O).

Two things live here. First, what the request path must know about an operation beyond its
method and path, declared with the operation rather than guessed from a URL: whether repeating
it is safe, which error statuses are final, and what a status means for it (408 from
`get_output` is "the output timed out"; 204 is "not ready yet").

Second, the generated client's operations, found by walking `flowscale_api.api`: an
operation added to the spec is there after `scripts/regenerate`, with no list to update.
`flowscale_api` is imported on first use only: its models cost about as much as importing
httpx, which a program that makes no call (a CLI's --help) should not pay.
"""

from __future__ import annotations

import contextvars
from collections.abc import Awaitable, Callable, Mapping
from typing import TYPE_CHECKING, Any

import attrs
import httpx

from ._deadline import NO_DEADLINE, Deadline
from ._errors import APIStatusError, OutputTimedOutError
from ._retry import RetryPolicy

if TYPE_CHECKING:
    from ._inputs import EncodedInputs

__all__ = [
    "CURRENT_CALL",
    "Call",
    "GeneratedOperation",
    "Operation",
    "generated_operations",
    "operation",
]


@attrs.frozen(slots=True)
class Operation:
    """What the request path needs to know about one operation of the API."""

    name: str
    # Repeating it cannot do harm (no run is created twice).
    idempotent: bool = True
    # Error statuses that mean the same on every try: never retried.
    final_statuses: frozenset[int] = frozenset()
    # This operation's own meaning of some statuses.
    status_errors: Mapping[int, type[APIStatusError]] = attrs.field(factory=dict)


_DECLARED = {
    op.name: op
    for op in (
        Operation("execute_workflow", idempotent=False),
        Operation(
            "get_output",
            final_statuses=frozenset({408}),
            status_errors={408: OutputTimedOutError},
        ),
        # 405/501: this server has no event stream (the waiter then polls), not "try again".
        Operation("stream_run_events", final_statuses=frozenset({405, 501})),
    )
}

# A request that is not an API operation: an output download from a file host.
DOWNLOAD = Operation("download")


def operation(name: str) -> Operation:
    """The declaration of the operation `name` (an operationId); plain defaults if it has no
    special needs."""
    declared = _DECLARED.get(name)
    return declared if declared is not None else Operation(name)


@attrs.define(slots=True)
class Call:
    """How the request path should send the request a generated operation is about to make.

    The generated functions take no per-call options, so the caller sets these in
    `CURRENT_CALL` around the call (`with Call(...) as call:`). `keep_reply=False` is for
    the facade, which reads each reply once into its own types: the reply is left in
    `response` and the generated parser is handed an empty stand-in, so nothing is parsed
    twice.
    """

    operation: Operation
    deadline: Deadline = NO_DEADLINE
    body: EncodedInputs | None = None
    stream: bool = False
    timeout: httpx.Timeout | None = None
    workflow_id: str | None = None
    headers: Mapping[str, str] | None = None
    retry: RetryPolicy | None = None
    keep_reply: bool = True
    response: httpx.Response | None = None
    _token: contextvars.Token[Call | None] | None = attrs.field(default=None, init=False)

    def __enter__(self) -> Call:
        self._token = CURRENT_CALL.set(self)
        return self

    def __exit__(self, *exc_info: object) -> None:
        if self._token is not None:
            CURRENT_CALL.reset(self._token)
            self._token = None

    def taken(self) -> httpx.Response:
        """The reply left by the request path (with `keep_reply=False`)."""
        if self.response is None:
            raise RuntimeError(f"{self.operation.name} sent no request")  # a bug, not input
        return self.response


CURRENT_CALL: contextvars.ContextVar[Call | None] = contextvars.ContextVar(
    "flowscale_call", default=None
)


@attrs.frozen(slots=True)
class GeneratedOperation:
    """One operation of the generated client: its four public functions.

    `sync`/`asyncio` return the parsed reply model, the `_detailed` variants a
    `flowscale_api.types.Response` (status, headers, content, parsed).
    """

    name: str
    summary: str
    sync: Callable[..., object]
    sync_detailed: Callable[..., object]
    asyncio: Callable[..., Awaitable[object]]
    asyncio_detailed: Callable[..., Awaitable[object]]


_generated: dict[str, GeneratedOperation] | None = None


def generated_operations() -> Mapping[str, GeneratedOperation]:
    """Every operation module under `flowscale_api.api`, by operation name."""
    global _generated
    if _generated is None:
        import importlib
        import pkgutil

        package = importlib.import_module("flowscale_api.api")
        found: dict[str, GeneratedOperation] = {}
        for info in pkgutil.walk_packages(package.__path__, prefix="flowscale_api.api."):
            if info.ispkg:
                continue
            module = importlib.import_module(info.name)
            functions: dict[str, Any] = {
                kind: getattr(module, kind, None)
                for kind in ("sync", "sync_detailed", "asyncio", "asyncio_detailed")
            }
            if not all(callable(f) for f in functions.values()):
                continue
            name = info.name.rsplit(".", 1)[1]
            doc = (functions["sync_detailed"].__doc__ or "").strip()
            found[name] = GeneratedOperation(
                name=name, summary=doc.splitlines()[0] if doc else name, **functions
            )
        _generated = found
    return _generated
