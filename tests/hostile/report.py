"""Print the hostile-server table: `python -m tests.hostile.report` (from the repository)."""

from __future__ import annotations

import time

from ._suite import format_table, run_suite

if __name__ == "__main__":
    started = time.monotonic()
    print(format_table(run_suite()))
    print(f"\n{time.monotonic() - started:.1f} s")
