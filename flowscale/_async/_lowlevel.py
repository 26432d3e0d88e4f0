"""`client.api`: every operation of the generated client, sent through the client's request path.

Operations are found by walking `flowscale_api.api` (`_operations.generated_operations`), so an
operation added to the spec is callable here right after `scripts/regenerate`, with no edit.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from .._errors import ResponseValidationError
from .._operations import Call, GeneratedOperation, generated_operations, operation
from ._http import AsyncAPI

__all__ = ["AsyncEndpoint", "AsyncLowLevelAPI"]


class AsyncLowLevelAPI:
    """Every operation of the Flowscale API spec, as the generated client (`flowscale_api`)
    defines it, with this client's credentials, retries, timeouts, errors and connections.

    `await client.api.get_run("run-id")` returns the generated reply model (e.g.
    `flowscale_api.models.RunResponse`); `await client.api.get_run.detailed("run-id")` the
    generated `Response` (status, headers, raw content, parsed model). Arguments are those of
    the generated function, without `client`. Error replies raise the SDK's typed errors
    (`NotFoundError`, `ValidationError`, ...), as the rest of the client does.
    """

    def __init__(self, api: AsyncAPI) -> None:
        self._api = api

    def __getattr__(self, name: str) -> AsyncEndpoint:
        found = generated_operations().get(name)
        if found is None:
            raise AttributeError(
                f"the API has no operation {name!r}; it has: "
                + ", ".join(sorted(generated_operations()))
            )
        return AsyncEndpoint(self._api, found)

    def __dir__(self) -> list[str]:
        return sorted({*super().__dir__(), *generated_operations()})

    @property
    def operations(self) -> list[str]:
        """The names (operationIds) of every operation of the spec."""
        return sorted(generated_operations())

    def __repr__(self) -> str:
        return f"<{type(self).__name__} operations={self.operations}>"


class AsyncEndpoint:
    """One operation of `client.api`: call it for the parsed reply, `.detailed()` for all."""

    def __init__(self, api: AsyncAPI, generated: GeneratedOperation) -> None:
        self._api = api
        self._generated = generated
        self.__doc__ = generated.summary

    @property
    def name(self) -> str:
        """The operation's operationId."""
        return self._generated.name

    def _call(self, arguments: dict[str, Any]) -> Call:
        workflow_id = arguments.get("workflow_id")
        return Call(
            operation(self._generated.name),
            workflow_id=workflow_id if isinstance(workflow_id, str) else None,
        )

    async def __call__(self, *args: Any, **kwargs: Any) -> object:
        """Send the operation; returns the generated model of its reply.

        Raises:
            FlowscaleError: the subclass for the failure (`APIStatusError` and its
                subclasses for error replies, `APIConnectionError` for the network).
        """
        with self._call(kwargs), _unreadable_reply(self.name):
            return await self._generated.asyncio(
                *args, client=self._api.generated_client(), **kwargs
            )

    async def detailed(self, *args: Any, **kwargs: Any) -> object:
        """Send the operation; returns the generated `Response` (status_code, headers,
        content, parsed).

        Raises:
            FlowscaleError: as for calling the operation itself.
        """
        with self._call(kwargs), _unreadable_reply(self.name):
            return await self._generated.asyncio_detailed(
                *args, client=self._api.generated_client(), **kwargs
            )

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.name}: {self._generated.summary}>"


@contextmanager
def _unreadable_reply(name: str) -> Iterator[None]:
    """The generated parser's failures on a hostile body, as the SDK's typed error."""
    try:
        yield
    except (RecursionError, json.JSONDecodeError) as exc:
        raise ResponseValidationError(
            f"the reply of {name} cannot be read ({type(exc).__name__})",
            url="",
            status_code=0,
            body=None,
        ) from None
