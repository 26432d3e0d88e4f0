"""Measurements that need a process of their own: memory figures are the peak resident set
of a fresh child, so each trial runs here, apart from the harness and the server.

    python -m bench._probe <probe> '<json arguments>'

prints one JSON object: the probe's result plus `rss_setup` (bytes resident once imports and
setup are done), `rss_peak` (the peak from then on), `growth` (their difference) and `seconds`.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from ._limits import current_rss, peak_rss, raise_open_files, reset_peak_rss, rusage_peak


class Meter:
    """Setup is done when the meter starts: the peak is reset there."""

    def __init__(self) -> None:
        self.result: dict[str, Any] = {}

    @contextlib.contextmanager
    def measure(self) -> Iterator[None]:
        rss_setup = current_rss()
        reset = reset_peak_rss()
        started = time.perf_counter()
        yield
        seconds = time.perf_counter() - started
        peak = peak_rss()
        self.result.update(
            rss_setup=rss_setup,
            rss_peak=peak,
            growth=max(0, peak - rss_setup),
            seconds=seconds,
            peak_reset=reset,
            ru_maxrss=rusage_peak(),
        )


def upload_facade(meter: Meter, args: dict[str, Any]) -> None:
    from flowscale import Flowscale

    path = Path(args["path"])
    with Flowscale(api_key=args["api_key"], base_url=args["base_url"], timeout=300) as client:
        client.get_workflows()  # warm-up: the connection, lazily imported modules
        with meter.measure():
            result = client.execute_workflow_async(args["workflow_id"], {"file": path})
    meter.result["server_size"] = int(result.outputs[0].file_content or -1)


def upload_raw(meter: Meter, args: dict[str, Any]) -> None:
    import httpx

    path = Path(args["path"])
    headers = {"X-API-KEY": args["api_key"]}
    with httpx.Client(timeout=300) as http:
        http.get(f"{args['base_url']}/api/v1/comfy/workflows", headers=headers)
        with meter.measure(), path.open("rb") as fh:
            response = http.post(
                f"{args['base_url']}/api/v1/runs",
                params={"workflow_id": args["workflow_id"]},
                files={"file": (path.name, fh, "application/octet-stream")},
                headers=headers,
            )
            response.raise_for_status()
    meter.result["run_id"] = response.json()["data"]["run_id"]


def upload_buffered(meter: Meter, args: dict[str, Any]) -> None:
    """The control: the SDK given the file's bytes (read inside the measured window), as a
    client that buffers uploads would do. Its growth must be at least the file size."""
    from flowscale import Flowscale

    path = Path(args["path"])
    with Flowscale(api_key=args["api_key"], base_url=args["base_url"], timeout=300) as client:
        client.get_workflows()
        with meter.measure():
            result = client.execute_workflow_async(args["workflow_id"], {"file": path.read_bytes()})
    meter.result["server_size"] = int(result.outputs[0].file_content or -1)


def download_buffered(meter: Meter, args: dict[str, Any]) -> None:
    """The control: raw httpx reading the whole body into memory, then writing it."""
    import httpx

    target = Path(args["target"])
    with httpx.Client(timeout=300) as http, meter.measure():
        response = http.get(args["url"])
        response.raise_for_status()
        target.write_bytes(response.content)
    meter.result["size"] = target.stat().st_size
    target.unlink()


def download_facade(meter: Meter, args: dict[str, Any]) -> None:
    """`download_output` of a run's output, looked up with `get_output` during setup."""
    target = Path(args["target"])
    if args["flavour"] == "sync":
        from flowscale import Flowscale

        with Flowscale(api_key=args["api_key"], base_url=args["base_url"], timeout=300) as c:
            output = c.get_output(args["filename"])
            assert output is not None
            with meter.measure():
                c.download_output(output, target)
    else:
        from flowscale import AsyncFlowscale

        async def main() -> None:
            async with AsyncFlowscale(
                api_key=args["api_key"], base_url=args["base_url"], timeout=300
            ) as c:
                output = await c.get_output(args["filename"])
                assert output is not None
                with meter.measure():
                    await c.download_output(output, target)

        asyncio.run(main())
    meter.result["size"] = target.stat().st_size
    target.unlink()


def download_stream(meter: Meter, args: dict[str, Any]) -> None:
    """`stream_output` of the same output, counting its chunks (the blocking client)."""
    from flowscale import Flowscale

    with Flowscale(api_key=args["api_key"], base_url=args["base_url"], timeout=300) as c:
        output = c.get_output(args["filename"])
        assert output is not None
        size = 0
        with meter.measure(), c.stream_output(output) as chunks:
            for chunk in chunks:
                size += len(chunk)
    meter.result["size"] = size


def _write_sync(target: Path, chunks: Iterator[bytes]) -> None:
    with target.open("wb") as fh:
        for chunk in chunks:
            fh.write(chunk)


def download_raw(meter: Meter, args: dict[str, Any]) -> None:
    import httpx

    target = Path(args["target"])
    if args["flavour"] == "sync":
        with (
            httpx.Client(timeout=300) as http,
            meter.measure(),
            http.stream("GET", args["url"]) as response,
        ):
            response.raise_for_status()
            _write_sync(target, response.iter_bytes())
    else:

        async def main() -> None:
            async with httpx.AsyncClient(timeout=300) as http:
                with meter.measure():
                    async with http.stream("GET", args["url"]) as response:
                        response.raise_for_status()
                        with target.open("wb") as fh:  # noqa: ASYNC230 (as a user would)
                            async for chunk in response.aiter_bytes():
                                fh.write(chunk)

        asyncio.run(main())
    meter.result["size"] = target.stat().st_size
    target.unlink()


def concurrency(meter: Meter, args: dict[str, Any]) -> None:
    from flowscale import AsyncFlowscale

    n = int(args["runs"])
    inputs = {"seconds": args["seconds"], "steps": args["steps"]}

    async def main() -> None:
        async with AsyncFlowscale(
            api_key=args["api_key"], base_url=args["base_url"], timeout=args["timeout"]
        ) as client:
            await client.get_workflows()
            with meter.measure():
                calls = [
                    client.execute_workflow_async(
                        args["workflow_id"], inputs, timeout=args["timeout"]
                    )
                    for _ in range(n)
                ]
                results = await asyncio.gather(*calls, return_exceptions=True)
        errors = Counter(type(r).__name__ for r in results if isinstance(r, BaseException))
        samples = [str(r) for r in results if isinstance(r, BaseException)][:3]
        meter.result.update(
            completed=sum(1 for r in results if not isinstance(r, BaseException)),
            errors=dict(errors),
            error_samples=samples,
        )

    asyncio.run(main())


PROBES: dict[str, Callable[[Meter, dict[str, Any]], None]] = {
    "upload_facade": upload_facade,
    "upload_raw": upload_raw,
    "upload_buffered": upload_buffered,
    "download_buffered": download_buffered,
    "download_facade": download_facade,
    "download_raw": download_raw,
    "download_stream": download_stream,
    "concurrency": concurrency,
}


def main(argv: list[str]) -> int:
    name, raw_args = argv
    raise_open_files()
    meter = Meter()
    if name.startswith("batch_"):
        from ._batch_probes import PROBES as BATCH_PROBES

        BATCH_PROBES[name](meter, json.loads(raw_args))
    else:
        PROBES[name](meter, json.loads(raw_args))
    print(json.dumps(meter.result))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
