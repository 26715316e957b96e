"""Browser test: Debian Chromium driven by Playwright against a real hub server."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pytest
from hub_helpers import missing

from fmbench.hub.store import Store
from fmbench.testing import make_toy_record

CHROMIUM = Path("/usr/bin/chromium")
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def test_benchmark_page_sort_expand_screenshot(tmp_path, server_factory):
    if not CHROMIUM.exists():
        missing(f"{CHROMIUM} not found (apt-get install chromium)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        missing("the playwright Python package is not installed (pip install playwright)")

    db = f"sqlite:///{tmp_path / 'hub.sqlite3'}"
    store = Store.open(db)
    scores = {"majority": 0.93, "logistic": 0.71, "dummy_classifier": 0.50}
    store.import_records(
        [(m, make_toy_record(i, model=m, auroc=v)) for i, (m, v) in enumerate(scores.items())]
    )
    store.close()
    srv = server_factory(db)

    shot = tmp_path / "benchmark.png"
    with sync_playwright() as pw, tempfile.TemporaryDirectory(prefix="fmbench-chromium-") as profile:
        ctx = pw.chromium.launch_persistent_context(
            profile,
            executable_path=str(CHROMIUM),
            headless=True,
            args=ARGS,
            env={**os.environ, "HOME": profile},
            timeout=60_000,
        )
        try:
            page = ctx.new_page()
            page.goto(f"{srv.url}/benchmarks/BM-TOY-CLASS", wait_until="load", timeout=60_000)
            table = page.locator("table.ranking")
            names = lambda: table.locator("tbody tr td:nth-child(3) strong").all_inner_texts()  # noqa: E731
            by_score = [m.replace("_", " ").title() for m in sorted(scores, key=scores.get, reverse=True)]
            assert names() == by_score  # ranked best first

            table.locator("thead th", has_text="Model").click()
            assert names() == sorted(by_score, key=str.lower)
            assert table.locator("thead th", has_text="Model").get_attribute("aria-sort") == "ascending"
            table.locator("thead th", has_text="Model").click()
            assert names() == sorted(by_score, key=str.lower, reverse=True)
            table.locator("thead th", has_text="AUROC").click()  # ascending by score: worst first
            assert names() == by_score[::-1]

            details = page.locator("details", has=page.locator("summary", has_text="by Scanner")).first
            inner = details.locator("table")
            assert not inner.is_visible()
            details.locator("summary").click()
            assert details.evaluate("d => d.open") is True
            assert inner.is_visible()
            groups = inner.locator("tbody tr td:first-child").all_inner_texts()
            assert sorted(groups) == ["GE", "Philips"]

            page.screenshot(path=str(shot), full_page=True)
        finally:
            ctx.close()
    assert shot.exists() and shot.stat().st_size > 1000
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
