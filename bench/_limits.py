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
    """Peak resident set size of this process, in bytes.

    The kernel's high-water mark of this process's own memory (VmHWM), which `reset_peak_rss`
    resets. `getrusage(RUSAGE_SELF).ru_maxrss` is the same figure except that it also keeps
    the high-water mark of the image the process replaced at exec, i.e. of the parent that
    spawned it (subprocess uses vfork): a child of a 50 MiB harness never reports less than
    50 MiB there. It is the fallback where /proc is missing, and recorded beside VmHWM.
    """
    hwm = status_kib("VmHWM")
    return hwm * 1024 if hwm is not None else rusage_peak()


def rusage_peak() -> int:
    """`getrusage(RUSAGE_SELF).ru_maxrss` in bytes (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def status_kib(field: str) -> int | None:
    """A field of /proc/self/status in KiB (VmHWM: the kernel's peak RSS, VmRSS: now)."""
    try:
        with open("/proc/self/status") as fh:
            for line in fh:
                if line.startswith(field + ":"):
                    return int(line.split()[1])
    except OSError:
        pass
    return None


def reset_peak_rss() -> bool:
    """Make the peak start again from the current RSS (Linux >= 4.0: `clear_refs` 5). Without
    it, a peak measured later includes whatever setup touched: an overstatement, never less."""
    try:
        with open("/proc/self/clear_refs", "w") as fh:
            fh.write("5")
    except OSError:
        return False
    return True
