"""The asyncio download writer: batches written off the loop while the next one fills."""

from __future__ import annotations

import asyncio
import io
import threading
from collections.abc import Iterable

import pytest

from flowscale._async_utils import ChunkWriter


class SlowFile(io.BytesIO):
    """A file whose writes block until released, recording what each write got."""

    def __init__(self) -> None:
        super().__init__()
        self.release = threading.Event()
        self.started = threading.Event()
        self.batches: list[int] = []
        self.fail = False

    def writelines(self, lines: Iterable[bytes], /) -> None:  # type: ignore[override]
        chunks = list(lines)
        self.started.set()
        self.release.wait(5)
        if self.fail:
            raise OSError(28, "No space left on device")
        self.batches.append(sum(map(len, chunks)))
        super().writelines(chunks)


def test_batches_are_written_in_order_and_whole() -> None:
    async def main() -> bytes:
        fh = SlowFile()
        fh.release.set()
        writer = ChunkWriter(fh, batch=10)
        for i in range(25):
            await writer.write(bytes([i]) * 3)
        await writer.close()
        assert sum(fh.batches) == 75
        assert all(b >= 10 for b in fh.batches[:-1])
        return fh.getvalue()

    assert asyncio.run(main()) == b"".join(bytes([i]) * 3 for i in range(25))


def test_the_next_batch_fills_while_one_is_written_and_no_more() -> None:
    async def main() -> None:
        fh = SlowFile()
        writer = ChunkWriter(fh, batch=4)
        await writer.write(b"aaaa")  # handed to a thread, which blocks
        await asyncio.to_thread(fh.started.wait, 5)
        await writer.write(b"bb")  # reading goes on meanwhile
        third = asyncio.ensure_future(writer.write(b"cc"))  # a second full batch: waits
        await asyncio.sleep(0.05)
        assert not third.done()  # at most two batches are held
        fh.release.set()
        await third
        await writer.close()
        assert fh.getvalue() == b"aaaabbcc"

    asyncio.run(main())


def test_a_failed_write_is_raised_by_the_next_write_or_close() -> None:
    async def main() -> None:
        fh = SlowFile()
        fh.fail = True
        fh.release.set()
        writer = ChunkWriter(fh, batch=2)
        await writer.write(b"xx")  # handed over; its failure surfaces at the next hand-over
        await asyncio.to_thread(fh.started.wait, 5)
        with pytest.raises(OSError, match="No space"):
            await writer.write(b"yy")
        writer2 = ChunkWriter(fh, batch=100)
        await writer2.write(b"zz")
        with pytest.raises(OSError, match="No space"):
            await writer2.close()

    asyncio.run(main())


def test_a_cancelled_download_waits_for_the_thread_before_the_file_is_closed() -> None:
    async def main() -> None:
        fh = SlowFile()
        writer = ChunkWriter(fh, batch=2)
        await writer.write(b"11")
        await asyncio.to_thread(fh.started.wait, 5)

        async def download() -> None:
            try:
                await writer.write(b"22")  # waits for the blocked write: cancelled there
            except asyncio.CancelledError:
                threading.Timer(0.1, fh.release.set).start()
                await writer.abandon()
                raise

        task = asyncio.ensure_future(download())
        await asyncio.sleep(0.05)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        # abandon() returned only once the thread was done with the file.
        assert fh.batches == [2]
        fh.close()

    asyncio.run(main())
