"""The demo page end to end in a real headless Chromium (Debian's, driven by playwright).

Sign in as a demo user, run "Text to Image", watch the events, see the image; then check that
the upstream API key appears nowhere the browser could see it: no response body or header,
no script, no storage, no cookie, no DOM. A screenshot is saved as a test artifact.
Runs once, on Python 3.13 (scripts/test installs the `chromium` package when missing).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from flowscale.proxy._demo import demo_proxy
from flowscale.proxy._serve import ProxyServer
from flowscale.server import LocalServer

CHROMIUM = Path("/usr/bin/chromium")
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
ARTIFACTS = Path(
    os.environ.get(
        "FLOWSCALE_TEST_ARTIFACTS", Path(__file__).resolve().parents[2] / "test-artifacts"
    )
)

pytestmark = pytest.mark.skipif(
    sys.version_info[:2] != (3, 13), reason="the browser test runs once, on Python 3.13"
)


@pytest.fixture
def demo() -> Iterator[tuple[str, str]]:
    with LocalServer(step_delay=0.02) as upstream:
        app = demo_proxy(upstream.base_url, upstream.api_key)
        with ProxyServer(app) as server:
            yield server.url, upstream.api_key


def test_the_demo_page_in_chromium(
    demo: tuple[str, str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from playwright.sync_api import sync_playwright

    assert CHROMIUM.exists(), (
        "install Debian's chromium (scripts/test does: apt-get install chromium)"
    )
    url, key = demo
    seen: list[Any] = []
    with sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            str(tmp_path / "profile"),
            executable_path=str(CHROMIUM),
            headless=True,
            args=FLAGS,
            viewport={"width": 900, "height": 1400},
        )
        try:
            page = context.new_page()
            page.on("response", lambda response: seen.append(response))
            errors: list[str] = []
            page.on("pageerror", lambda exc: errors.append(str(exc)))
            page.goto(f"{url}/demo/")
            page.fill("#user", "alice")
            page.click("#signin-button")
            page.wait_for_selector("#run-section:not([hidden])")
            page.select_option("#workflow", label="Text to Image")
            page.fill("textarea[name=text_51536]", "a lighthouse at dusk")
            page.click("#run-button")
            image = page.wait_for_selector("#output-image", timeout=30_000)
            # Predicates as functions, not expressions: playwright evaluates an expression
            # with eval() on every poll, which the page's CSP (no 'unsafe-eval') refuses once
            # a poll runs outside the first DevTools call, i.e. whenever the first is false.
            page.wait_for_function(
                "() => { const img = document.getElementById('output-image');"
                " return img.complete && img.naturalWidth > 0; }",
                timeout=30_000,
            )
            page.wait_for_function(
                "() => document.getElementById('status').textContent === 'completed'",
                timeout=30_000,
            )
            assert image is not None
            assert page.eval_on_selector("#output-image", "img => img.naturalWidth") == 512
            assert page.locator("#events li").count() > 3
            assert page.text_content("#error") == ""
            assert errors == []

            ARTIFACTS.mkdir(parents=True, exist_ok=True)
            shot = ARTIFACTS / "proxy-demo-page.png"
            page.screenshot(path=str(shot), full_page=True)

            # Where the key could have reached the browser: all of it, as text.
            places: dict[str, str] = {
                "dom": page.content(),
                "storage": page.evaluate(
                    "JSON.stringify([Object.entries(localStorage), Object.entries(sessionStorage)])"
                ),
                "cookies": repr(context.cookies()),
                "scripts": page.evaluate(
                    "Array.from(document.scripts).map(s => s.src + s.textContent).join()"
                ),
                "globals": page.evaluate("JSON.stringify(Object.keys(window))"),
            }
            for number, response in enumerate(seen):
                places[f"response {number} headers {response.url}"] = repr(response.all_headers())
                try:
                    body = response.body()
                except Exception:  # redirects and aborted streams have no body to read
                    body = b""
                places[f"response {number} body {response.url}"] = body.decode("latin-1")
                places[f"request {number} {response.url}"] = repr(response.request.all_headers())
        finally:
            context.close()
    assert len(seen) >= 6  # page, script, style, token, workflows, run, events, run, image
    leaked = [where for where, text in places.items() if key in text]
    assert leaked == []
    with capsys.disabled():
        print(f"\nproxy browser test: screenshot saved to {shot}")
        print(f"proxy browser test: the API key appeared in 0 of {len(places)} places checked")
