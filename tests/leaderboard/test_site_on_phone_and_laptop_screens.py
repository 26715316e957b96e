"""Browser test of the static leaderboard site on small and large screens (issue #11).

The site is built from the repository's evals/ by the CLI, served over loopback HTTP and
opened in Debian Chromium through Playwright at 390 px (a phone) and 1280 px (a laptop):
nothing may scroll the page sideways (wide tables scroll inside their ``.table-wrap``),
plot text renders at >= 10 px, rank cells hold only the rank, and deep links to a board's
anchor on the index land on it.
"""

from __future__ import annotations

import functools
import http.server
import os
import re
import subprocess
import sys
import tempfile
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.slow]

ROOT = Path(__file__).resolve().parents[2]
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
WIDTHS = (390, 1280)
HEIGHT = 900
MIN_TEXT_PX = 10.0
DEEP_LINKS = ("toy-classification-benchmark", "alzheimers-disease-classification-using-brain-mri")
IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}


def missing(reason: str) -> None:
    """Fail under CI (the test command installs what is needed), skip elsewhere (as in tests/hub)."""
    if IN_CI:
        pytest.fail(f"{reason} (CI=true: the README's test command must install it)", pytrace=False)
    pytest.skip(reason)


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    """The static site built by ``fmbench build-leaderboard`` from the repository's evals/."""
    out = tmp_path_factory.mktemp("lb-site")
    proc = subprocess.run(
        [sys.executable, "-m", "fmbench", "build-leaderboard", "--evals", "evals",
         "--out-html", str(out / "site"), "--out-md", str(out / "index.md"), "--no-cache"],
        cwd=ROOT, capture_output=True, text=True, timeout=300,
        env={**os.environ, "COLUMNS": "200"},
    )  # fmt: skip
    assert proc.returncode == 0, proc.stdout + proc.stderr
    pages = sorted(p.name for p in (out / "site").glob("*.html"))
    assert "index.html" in pages and len(pages) >= 2, pages
    return out / "site"


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format, *args):  # noqa: A002, ANN001, ANN002
        pass


@pytest.fixture(scope="module")
def base_url(site) -> Iterator[str]:
    """The site served by a loopback HTTP server on a free port."""
    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_Quiet, directory=str(site)))
    thread = threading.Thread(target=srv.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{srv.server_address[1]}"
    finally:
        srv.shutdown()
        srv.server_close()
        thread.join(timeout=10)


@pytest.fixture(scope="module")
def page():  # noqa: ANN201
    if not CHROMIUM.exists():
        missing(f"{CHROMIUM} not found (apt-get install chromium)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        missing("the playwright Python package is not installed (pip install playwright)")
    with sync_playwright() as pw, tempfile.TemporaryDirectory(prefix="fmbench-chromium-") as profile:
        ctx = pw.chromium.launch_persistent_context(
            profile,
            executable_path=str(CHROMIUM),
            headless=True,
            args=ARGS,
            env={**os.environ, "HOME": profile},
            viewport={"width": WIDTHS[0], "height": HEIGHT},
            timeout=60_000,
        )
        try:
            yield ctx.new_page()
        finally:
            ctx.close()


def _pages(site: Path) -> list[str]:
    return sorted(p.name for p in site.glob("*.html"))


def _open(page, url: str, width: int) -> None:  # noqa: ANN001
    page.set_viewport_size({"width": width, "height": HEIGHT})
    page.goto(url, wait_until="load", timeout=60_000)


_OPEN_ALL_DETAILS = "() => document.querySelectorAll('details').forEach(d => { d.open = true; })"

# The outermost elements that reach past the right edge of the viewport, not counting
# those clipped by a scroll container (a .table-wrap) that fits: what makes the page
# scroll sideways (for the failure message).
_PAGE_WIDTH = """() => {
  const w = window.innerWidth, wide = [];
  const over = (el) => el && el.getBoundingClientRect().right > w + 0.5;
  const clipped = (el) => {
    for (let a = el.parentElement; a && a !== document.body; a = a.parentElement) {
      if (getComputedStyle(a).overflowX !== 'visible' && !over(a)) return true;
    }
    return false;
  };
  for (const el of document.querySelectorAll('body *')) {
    if (over(el) && !over(el.parentElement) && !clipped(el)) {
      const cls = el.className ? '.' + el.className : '';
      wide.push(`${el.tagName.toLowerCase()}${cls} right=${Math.round(el.getBoundingClientRect().right)}`
        + ` "${(el.textContent || '').trim().slice(0, 40)}"`);
    }
  }
  return {scrollWidth: document.documentElement.scrollWidth, innerWidth: w, wide: wide.slice(0, 8)};
}"""

# Rendered size of every non-empty <text> of the plots: the font size in user units scaled
# by the plot's rendered width over its viewBox width, and the height of its box.
_PLOT_TEXT = """() => {
  const out = [];
  for (const svg of document.querySelectorAll('svg.plot')) {
    const r = svg.getBoundingClientRect(), vb = svg.viewBox.baseVal;
    for (const t of svg.querySelectorAll('text')) {
      const s = (t.textContent || '').trim();
      if (!s) continue;
      out.push({text: s.slice(0, 40), vbWidth: vb ? vb.width : 0, svgWidth: r.width,
                px: parseFloat(getComputedStyle(t).fontSize) * r.width / (vb && vb.width ? vb.width : NaN),
                height: t.getBoundingClientRect().height});
    }
  }
  return out;
}"""


@pytest.mark.parametrize("width", WIDTHS)
def test_page_never_scrolls_sideways(site, base_url, page, width):
    bad = []
    for name in _pages(site):
        _open(page, f"{base_url}/{name}", width)
        for state in ("as loaded", "every <details> open"):
            if state != "as loaded":
                page.evaluate(_OPEN_ALL_DETAILS)
            m = page.evaluate(_PAGE_WIDTH)
            if m["scrollWidth"] > m["innerWidth"]:
                bad.append(f"{name} at {width}px ({state}): scrollWidth {m['scrollWidth']} > "
                           f"{m['innerWidth']}; too wide: {m['wide']}")  # fmt: skip
    assert not bad, "\n".join(bad)


@pytest.mark.parametrize("width", WIDTHS)
def test_plot_text_at_least_10px(site, base_url, page, width):
    n_texts, bad = 0, []
    for name in _pages(site):
        _open(page, f"{base_url}/{name}", width)
        page.evaluate(_OPEN_ALL_DETAILS)  # plots inside closed <details> have no layout
        for t in page.evaluate(_PLOT_TEXT):
            n_texts += 1
            assert t["vbWidth"] > 0, f"{name}: svg.plot without a viewBox"
            if not (t["px"] >= MIN_TEXT_PX and t["height"] >= MIN_TEXT_PX):
                bad.append(f"{name} at {width}px: {t['text']!r} renders at {t['px']:.2f}px "
                           f"(box {t['height']:.1f}px high, plot {t['svgWidth']:.0f}px wide)")  # fmt: skip
    assert n_texts > 0, "no svg.plot text on any page"
    assert not bad, "\n".join(bad[:20])


def test_rank_cells_hold_only_the_rank(site, base_url, page):
    n_tables = 0
    for name in _pages(site):
        _open(page, f"{base_url}/{name}", WIDTHS[0])
        tables = page.locator("table.ranking")
        for i in range(tables.count()):
            n_tables += 1
            ranks = [s.strip() for s in tables.nth(i).locator("tbody td.rank").all_text_contents()]
            assert ranks, f"{name}: ranking table {i} has no td.rank cells"
            assert all(re.fullmatch(r"=?\d+", r) for r in ranks), f"{name}: table {i} ranks {ranks}"
            assert ranks[0] in {"1", "=1"}, f"{name}: table {i} starts at rank {ranks[0]!r}"
    assert n_tables > 0, "no table.ranking on any page"


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("anchor", DEEP_LINKS)
def test_deep_link_lands_on_the_board(base_url, page, width, anchor):
    _open(page, f"{base_url}/index.html#{anchor}", width)
    m = page.evaluate(
        """(id) => {
          const el = document.getElementById(id);
          const d = document.documentElement;
          return el && {top: el.getBoundingClientRect().top, innerHeight: window.innerHeight,
                        atBottom: window.scrollY + window.innerHeight >= d.scrollHeight - 1};
        }""",
        anchor,
    )
    assert m, f"index.html has no element with id={anchor!r}"
    # near the top; or, when the page cannot scroll that far, at least on screen at the bottom
    landed = -5 <= m["top"] <= 200 or (m["atBottom"] and -5 <= m["top"] < m["innerHeight"] - 40)
    assert landed, f"#{anchor} at {width}px: element top {m['top']:.0f}px after following the link ({m})"
