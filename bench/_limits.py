"""Process limits and memory figures (Linux)."""

from __future__ import annotations

import contextlib
import resource

MIB = 1 << 20


def raise_open_files(want: int = 16384) -> int:
    """Raise the soft limit of open files towards `want` (within the hard limit); returns it."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    target = want if hard == resource.RLIM_INFINITY else min(want, hard)
    if soft < target:
        with contextlib.suppress(ValueError, OSError):
            resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
    return resource.getrlimit(resource.RLIMIT_NOFILE)[0]


def current_rss() -> int:
    """Resident set size now, in bytes."""
    with open("/proc/self/statm") as fh:
        pages = int(fh.read().split()[1])
    return pages * resource.getpagesize()


def peak_rss() -> int:
    """Peak resident set size of this process, in bytes (`getrusage` reports KiB on Linux)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def reset_peak_rss() -> bool:
    """Make the peak start again from the current RSS (Linux >= 4.0: `clear_refs` 5). Without
    it, a peak measured later includes whatever setup touched: an overstatement, never less."""
    try:
        with open("/proc/self/clear_refs", "w") as fh:
            fh.write("5")
    except OSError:
        return False
    return True
