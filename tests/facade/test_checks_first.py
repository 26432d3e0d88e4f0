"""Every argument of execute_workflow(_async) and wait_for_run is checked before any request:
after each bad call the server has created no run and served no request."""

from __future__ import annotations

from typing import Any

import pytest

from flowscale.server import LocalServer

from .conftest import SLOW


async def _async_callback(update: Any) -> None:
    pass


class _AsyncCallable:
    async def __call__(self, update: Any) -> None:
        pass


GOOD_INPUTS = {"seconds": 0.01}

# (method, args, kwargs, expected exception, text in the message)
BAD_CALLS: list[tuple[str, tuple[Any, ...], dict[str, Any], type[Exception], str]] = [
    ("execute_workflow", ("",), {"inputs": GOOD_INPUTS}, TypeError, "workflow_id"),
    ("execute_workflow", (SLOW, ["seconds"]), {}, TypeError, "inputs must be a mapping"),
    ("execute_workflow", (SLOW, {"seconds": object()}), {}, TypeError, "seconds"),
    ("execute_workflow", (SLOW, GOOD_INPUTS, 7), {}, TypeError, "group_id"),
    ("execute_workflow_async", (7, GOOD_INPUTS), {}, TypeError, "workflow_id"),
    ("execute_workflow_async", (SLOW, {"seconds": None}), {}, TypeError, "None"),
    ("execute_workflow_async", (SLOW, GOOD_INPUTS, None, 0), {}, TypeError, "poll_interval"),
    ("execute_workflow_async", (SLOW, GOOD_INPUTS, None, "2"), {}, TypeError, "poll_interval"),
    ("execute_workflow_async", (SLOW, GOOD_INPUTS, None, 2000), {}, ValueError, "milliseconds"),
    (
        "execute_workflow_async",
        (SLOW, GOOD_INPUTS, None, 2, 600_000),
        {},
        ValueError,
        "milliseconds",
    ),
    ("execute_workflow_async", (SLOW, GOOD_INPUTS, None, 2, -1), {}, TypeError, "timeout"),
    (
        "execute_workflow_async",
        (SLOW, GOOD_INPUTS),
        {"timeout": float("inf")},
        ValueError,
        "finite",
    ),
    (
        "execute_workflow_async",
        (SLOW, GOOD_INPUTS),
        {"on_intermediate_response": "print"},
        TypeError,
        "on_intermediate_response must be callable",
    ),
    (
        "execute_workflow_async",
        (SLOW, GOOD_INPUTS),
        {"on_event": 42},
        TypeError,
        "on_event must be callable",
    ),
    (
        "execute_workflow_async",
        (SLOW, GOOD_INPUTS),
        {"cancel_on_timeout": "yes"},
        TypeError,
        "cancel_on_timeout",
    ),
    (
        "execute_workflow_async",
        (SLOW, GOOD_INPUTS),
        {"cancel_on_interrupt": 1},
        TypeError,
        "cancel_on_interrupt",
    ),
    ("wait_for_run", ("",), {}, TypeError, "run_id"),
    ("wait_for_run", ("r",), {"poll_interval": 500}, ValueError, "milliseconds"),
    ("wait_for_run", ("r",), {"timeout": 100_000}, ValueError, "milliseconds"),
    ("wait_for_run", ("r",), {"on_event": "x"}, TypeError, "on_event"),
    ("wait_for_run", ("r",), {"workflow_id": 3}, TypeError, "workflow_id"),
    ("wait_for_run", ("r",), {"cancel_on_timeout": None}, TypeError, "cancel_on_timeout"),
]


@pytest.mark.parametrize(
    ("method", "args", "kwargs", "error", "text"),
    BAD_CALLS,
    ids=[f"{c[0]}-{n}" for n, c in enumerate(BAD_CALLS)],
)
def test_a_bad_argument_fails_before_any_request(
    client: Any,
    server: LocalServer,
    method: str,
    args: tuple[Any, ...],
    kwargs: dict[str, Any],
    error: type[Exception],
    text: str,
) -> None:
    server.reset()
    with pytest.raises(error, match=text):
        getattr(client, method)(*args, **kwargs)
    counters = server.counters()
    assert sum(counters["runs_created"].values()) == 0
    assert counters["requests"] == {}


@pytest.mark.parametrize("callback", [_async_callback, _AsyncCallable()])
@pytest.mark.parametrize("option", ["on_intermediate_response", "on_event"])
def test_the_blocking_client_refuses_a_coroutine_callback_before_the_run(
    make_client: Any, server: LocalServer, is_async: bool, option: str, callback: Any
) -> None:
    client = make_client()
    server.reset()
    if is_async:  # awaited there: a fine callback
        result = client.execute_workflow_async(SLOW, GOOD_INPUTS, timeout=30, **{option: callback})
        assert result.run_id
        return
    with pytest.raises(TypeError, match="coroutine function"):
        client.execute_workflow_async(SLOW, GOOD_INPUTS, **{option: callback})
    with pytest.raises(TypeError, match="coroutine function"):
        client.wait_for_run("some-run", **{option: callback})
    counters = server.counters()
    assert sum(counters["runs_created"].values()) == 0
    assert counters["requests"] == {}


def test_a_timeout_says_timed_out(client: Any) -> None:
    # The JS habit: `error.message.includes('timed out')`.
    from flowscale import RunTimeoutError

    with pytest.raises(RunTimeoutError, match="timed out") as caught:
        client.execute_workflow_async(SLOW, {"seconds": 5}, timeout=0.3, cancel_on_timeout=True)
    assert "did not finish within 0.3 s" in str(caught.value)
