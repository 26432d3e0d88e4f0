"""How big and how many, per mode. Full is the published run; quick stays under 2 minutes;
smoke only proves that every case runs end to end (its numbers mean nothing)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Mode = Literal["full", "quick", "smoke"]
MIB = 1 << 20


@dataclass(frozen=True)
class Settings:
    mode: Mode
    # 1. completion latency
    latency_trials: int
    polling_trials: int
    loopback_requests: int
    # 2. requests per run
    requests_run_seconds: float
    # 3. per-call overhead
    overhead_calls: int
    overhead_trials: int
    # 4. import time
    import_runs: int
    # 5. upload, 6. download
    upload_bytes: int
    upload_trials: int
    download_bytes: int
    download_trials: int
    # 7. concurrency
    concurrency_runs: int
    concurrency_run_seconds: float
    concurrency_workers: int
    # 8. event throughput
    event_count: int
    event_trials: int


FULL = Settings(
    mode="full",
    latency_trials=21,
    polling_trials=11,
    loopback_requests=500,
    requests_run_seconds=10.0,
    overhead_calls=2000,
    overhead_trials=7,
    import_runs=20,
    upload_bytes=512 * MIB,
    upload_trials=5,
    download_bytes=512 * MIB,
    download_trials=9,
    concurrency_runs=1000,
    concurrency_run_seconds=2.0,
    concurrency_workers=200,
    event_count=200_000,
    event_trials=7,
)

QUICK = Settings(
    mode="quick",
    latency_trials=7,
    polling_trials=4,
    loopback_requests=200,
    requests_run_seconds=3.0,
    overhead_calls=1000,
    overhead_trials=3,
    import_runs=20,
    upload_bytes=256 * MIB,
    upload_trials=1,
    download_bytes=256 * MIB,
    download_trials=3,
    concurrency_runs=200,
    concurrency_run_seconds=1.0,
    concurrency_workers=100,
    event_count=50_000,
    event_trials=3,
)

SMOKE = Settings(
    mode="smoke",
    latency_trials=2,
    polling_trials=1,
    loopback_requests=20,
    requests_run_seconds=0.5,
    overhead_calls=50,
    overhead_trials=1,
    import_runs=2,
    upload_bytes=4 * MIB,
    upload_trials=1,
    download_bytes=4 * MIB,
    download_trials=1,
    concurrency_runs=10,
    concurrency_run_seconds=0.2,
    concurrency_workers=10,
    event_count=2_000,
    event_trials=1,
)


def settings_for(mode: Mode) -> Settings:
    return {"full": FULL, "quick": QUICK, "smoke": SMOKE}[mode]
