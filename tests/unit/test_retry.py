"""Retry decisions and Retry-After parsing."""

from __future__ import annotations

import email.utils

import httpx
import pytest

from flowscale._retry import RetryPolicy, parse_retry_after

NO_JITTER = RetryPolicy(max_retries=3, random=lambda: 0.0)


def test_backoff_doubles_and_is_capped() -> None:
    policy = RetryPolicy(max_retries=10, initial_delay=0.5, max_delay=4.0, random=lambda: 0.0)
    assert [policy.backoff(n) for n in range(1, 6)] == [0.5, 1.0, 2.0, 4.0, 4.0]
    jittered = RetryPolicy(jitter=0.25, random=lambda: 1.0)
    assert jittered.backoff(1) == pytest.approx(0.375)


def test_retry_after_seconds_and_http_date() -> None:
    assert parse_retry_after({"retry-after": "2"}) == 2.0
    later = email.utils.formatdate(1_000_030, usegmt=True)
    assert parse_retry_after({"retry-after": later}, now=1_000_000) == pytest.approx(30)
    past = email.utils.formatdate(999_000, usegmt=True)
    assert parse_retry_after({"retry-after": past}, now=1_000_000) == 0.0
    assert parse_retry_after({"retry-after": "soon"}) is None
    assert parse_retry_after({}) is None


def test_idempotent_requests_retry_on_transient_statuses_honouring_retry_after() -> None:
    assert NO_JITTER.delay_for_status(1, 503, {}, idempotent=True) == 0.5
    assert NO_JITTER.delay_for_status(1, 429, {"retry-after": "3"}, idempotent=True) == 3.0
    capped = NO_JITTER.delay_for_status(1, 429, {"retry-after": "9999"}, idempotent=True)
    assert capped == NO_JITTER.max_retry_after
    assert NO_JITTER.delay_for_status(1, 404, {}, idempotent=True) is None
    assert NO_JITTER.delay_for_status(4, 503, {}, idempotent=True) is None


def test_a_post_retries_only_when_the_server_did_not_process_it() -> None:
    assert NO_JITTER.delay_for_status(1, 429, {}, idempotent=False) == 0.5
    assert NO_JITTER.delay_for_status(1, 503, {}, idempotent=False) == 0.5
    for status in (500, 502, 504, 408):
        assert NO_JITTER.delay_for_status(1, status, {}, idempotent=False) is None
    assert NO_JITTER.delay_for_error(1, httpx.ConnectError("no"), idempotent=False) == 0.5
    for error in (
        httpx.ReadTimeout("slow"),
        httpx.RemoteProtocolError("reset"),
        httpx.ReadError("x"),
    ):
        assert NO_JITTER.delay_for_error(1, error, idempotent=False) is None
        assert NO_JITTER.delay_for_error(1, error, idempotent=True) == 0.5
