"""Running the CLI in a pseudo-terminal, and a tiny screen model to read what it drew.

The child gets the pty as its controlling terminal (so Ctrl-C typed into it is a real SIGINT
from the line discipline) through a two-line wrapper, not pty.fork(): forking this
multi-threaded test process (the local server runs in threads) is unsafe.
"""

from __future__ import annotations

import fcntl
import os
import re
import select
import struct
import subprocess
import sys
import termios
import time
from collections.abc import Mapping
from pathlib import Path

_WRAPPER = (
    "import fcntl, os, sys, termios; fcntl.ioctl(0, termios.TIOCSCTTY, 0); "
    "os.execv(sys.executable, [sys.executable, '-m', 'flowscale.cli', *sys.argv[1:]])"
)
_CSI = re.compile(r"\x1b\[([0-9;?]*)([A-Za-z])")
_OSC = re.compile(r"\x1b\][^\x07]*\x07")


class Terminal:
    """One CLI process on a `rows` x `cols` pty: read what it writes, type into it."""

    def __init__(
        self,
        args: list[str],
        *,
        cwd: Path,
        env: Mapping[str, str],
        rows: int = 30,
        cols: int = 110,
    ) -> None:
        master, slave = os.openpty()
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))
        self.cols = cols
        self.master = master
        self.raw = b""
        full_env = {**env, "TERM": "xterm-256color", "COLUMNS": str(cols), "LINES": str(rows)}
        self.proc = subprocess.Popen(
            [sys.executable, "-c", _WRAPPER, *args],
            stdin=slave,
            stdout=slave,
            stderr=slave,
            cwd=cwd,
            env=full_env,
            start_new_session=True,
        )
        os.close(slave)

    def _read(self, wait: float) -> bool:
        """Read what is available within `wait` seconds; False once the pty is closed."""
        ready, _, _ = select.select([self.master], [], [], wait)
        if not ready:
            return True
        try:
            chunk = os.read(self.master, 65536)
        except OSError:  # EIO: every holder of the slave side has closed it
            return False
        if not chunk:
            return False
        self.raw += chunk
        return True

    @property
    def text(self) -> str:
        return self.raw.decode("utf-8", "replace")

    def expect(self, needle: str, timeout: float = 20) -> None:
        """Read until `needle` shows in the output (escape sequences removed)."""
        deadline = time.monotonic() + timeout
        while needle not in plain(self.text):
            if time.monotonic() > deadline:
                raise AssertionError(f"{needle!r} never showed; got {plain(self.text)[-2000:]!r}")
            if not self._read(0.1) and needle not in plain(self.text):
                raise AssertionError(f"output ended before {needle!r}: {plain(self.text)!r}")

    def type(self, keys: bytes) -> None:
        os.write(self.master, keys)

    def finish(self, timeout: float = 20) -> int:
        """Read to the end and return the exit code."""
        deadline = time.monotonic() + timeout
        while self._read(0.1):
            if self.proc.poll() is not None and not select.select([self.master], [], [], 0)[0]:
                break
            if time.monotonic() > deadline:
                self.proc.kill()
                raise AssertionError(f"still running; output so far: {plain(self.text)!r}")
        os.close(self.master)
        return self.proc.wait(timeout=timeout)

    def screen(self) -> list[str]:
        return render(self.text, self.cols)


def plain(text: str) -> str:
    """The text without escape sequences or carriage returns (every frame, in order)."""
    return _CSI.sub("", _OSC.sub("", text)).replace("\r", "")


def render(text: str, cols: int) -> list[str]:
    """What a terminal would show after `text`: enough of VT100 for rich's Live display
    (cursor up/down/column, erase line, carriage return, newline); colours are dropped."""
    lines: list[list[str]] = [[]]
    row = col = 0
    pos = 0
    text = _OSC.sub("", text)
    while pos < len(text):
        match = _CSI.match(text, pos)
        if match:
            params, command = match.groups()
            count = int(params) if params.isdigit() else 1
            if command == "A":
                row = max(0, row - count)
            elif command == "B":
                row += count
            elif command == "C":
                col += count
            elif command == "D":
                col = max(0, col - count)
            elif command == "G":
                col = count - 1
            elif command == "K":
                while len(lines) <= row:
                    lines.append([])
                if params in ("2", ""):
                    lines[row] = [] if params == "2" else lines[row][:col]
            pos = match.end()
            continue
        char = text[pos]
        pos += 1
        if char == "\r":
            col = 0
        elif char == "\n":
            row, col = row + 1, 0
        elif char == "\x1b" or ord(char) < 32:
            continue
        else:
            while len(lines) <= row:
                lines.append([])
            line = lines[row]
            while len(line) < col:
                line.append(" ")
            if col < len(line):
                line[col] = char
            else:
                line.append(char)
            col += 1
            if col >= cols:
                row, col = row + 1, 0
        while len(lines) <= row:
            lines.append([])
    shown = ["".join(line).rstrip() for line in lines]
    while shown and not shown[-1]:
        shown.pop()
    return shown
