"""The hand-drawn SVG plots: well-formed, escaped, deterministic, and sized so that their
text stays readable when a phone shrinks them (issue #11)."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from fmbench import svgplot
from fmbench.svgplot import bar_chart, forest_plot, line_chart

NS = "{http://www.w3.org/2000/svg}"
EVIL = "<script>alert(1)</script> & \"quoted\" 'x'"
LONG = "A very long model name that will never fit on one line of a phone-sized plot"


def _forest(names=("Logistic regression", "Majority class", LONG, EVIL)):  # noqa: ANN001, ANN202
    items = [(n, 0.9 - 0.1 * i, (0.85 - 0.1 * i, 0.95 - 0.1 * i) if i % 2 == 0 else None)
             for i, n in enumerate(names)]  # fmt: skip
    return forest_plot(items, metric="AUROC", direction="higher")


def _bars():  # noqa: ANN202
    groups = [("GE", 0.91, 120), ("south_university_hospital_site", 0.7, 1500), (EVIL, None, 3)]
    return bar_chart([*groups, ("Z", -0.2, 9)], metric="AUROC")


def _lines():  # noqa: ANN202
    series = [
        ("Logistic regression", [0, 0.1, 0.5], [1.0, 0.95, 0.7]),
        (LONG, [0, 0.1, 0.5], [0.9, None, 0.5]),
        (EVIL, [0, 0.5], [0.8, 0.6]),
    ]
    return line_chart(series, xlabel="dropout: output stability severity", ylabel="probabilities " + EVIL)


CHARTS = {"forest": _forest, "bars": _bars, "lines": _lines}


def _svg(markup) -> ET.Element:  # noqa: ANN001
    root = ET.fromstring(str(markup))  # well-formed XML: every label escaped
    assert root.tag == f"{NS}svg" and root.get("class") == "plot"
    return root


def _lines_of(text: ET.Element) -> list[str]:
    """The visible lines of a <text> (not its <title>)."""
    spans = text.findall(f"{NS}tspan")
    if spans:
        return [s.text or "" for s in spans]
    return ["".join([text.text or "", *(c.tail or "" for c in text)])]


@pytest.mark.parametrize("chart", CHARTS)
def test_well_formed_escaped_and_deterministic(chart):
    out = CHARTS[chart]()
    assert str(out) == str(CHARTS[chart]())  # same input, same bytes
    assert "<script" not in str(out) and "&lt;script&gt;" in str(out)
    _svg(out)


@pytest.mark.parametrize("chart", CHARTS)
def test_text_readable_at_390px(chart):
    root = _svg(CHARTS[chart]())
    vb_w = float(root.get("viewBox").split()[2])
    font = float(root.get("font-size"))
    assert float(root.get("width")) > 340  # natural size; CSS max-width:100% shrinks it
    # a 390 px phone leaves the plot >= 340 px (page padding, a <details> box): >= 10 px text
    assert font * 340 / vb_w >= 10
    for t in root.iter(f"{NS}text"):
        assert t.get("font-size") is None and t.get("style") is None  # all text at the svg's size


@pytest.mark.parametrize("chart", CHARTS)
def test_text_stays_inside_the_viewbox(chart):
    """By the (generous, DejaVu Sans) width estimate, no label runs off either side."""
    root = _svg(CHARTS[chart]())
    vb_w = float(root.get("viewBox").split()[2])
    rotated = {t for g in root.iter(f"{NS}g") for t in g.iter(f"{NS}text")}
    n = 0
    for t in root.iter(f"{NS}text"):
        lines = _lines_of(t)
        if t in rotated:  # the y axis title: measured along the plot's height
            assert max(svgplot._text_w(ln) for ln in lines) <= 180.5
            continue
        x = float(t.get("x"))
        for ln in lines:
            w = svgplot._text_w(ln)
            x0 = {"end": x - w, "middle": x - w / 2}.get(t.get("text-anchor", "start"), x)
            assert x0 >= -0.5 and x0 + w <= vb_w + 0.5, (ln, x0, x0 + w)
            n += 1
    assert n > 5


def test_long_labels_wrap_then_cut_with_the_full_text_as_tooltip():
    root = _svg(_forest())
    texts = list(root.iter(f"{NS}text"))
    long = next(t for t in texts if (t.findtext(f"{NS}title") or "") == LONG)
    lines = _lines_of(long)
    assert len(lines) == 2 and lines[1].endswith("…")
    assert LONG.startswith(" ".join(lines)[:-1].rstrip())
    short = next(t for t in texts if _lines_of(t) == ["Majority class"])
    assert short.find(f"{NS}title") is None  # shown whole: no tooltip needed


def test_legend_below_the_line_chart():
    root = _svg(_lines())
    axis_title = next(t for t in root.iter(f"{NS}text") if _lines_of(t)[0].startswith("dropout"))
    legend = [t for t in root.iter(f"{NS}text") if _lines_of(t)[0].startswith(("Logistic", "A very"))]
    assert len(legend) == 2
    assert all(float(t.get("y")) > float(axis_title.get("y")) for t in legend)
    height = float(root.get("viewBox").split()[3])
    assert all(float(t.get("y")) < height for t in legend)


def test_axis_tick_labels_do_not_touch():
    for markup in (_forest(), _bars(), _lines()):
        root = _svg(markup)
        number = lambda s: s.lstrip("-").replace(".", "").isdigit()  # noqa: E731
        ticks = [
            t for t in root.iter(f"{NS}text") if t.get("text-anchor") == "middle" and number(t.text or "")
        ]
        half = [svgplot._text_w(t.text) / 2 for t in ticks]
        spans = sorted(
            (float(t.get("x")) - h, float(t.get("x")) + h) for t, h in zip(ticks, half, strict=True)
        )
        assert len(spans) >= 2
        assert all(a[1] + 4 <= b[0] for a, b in zip(spans, spans[1:], strict=False)), spans


def test_empty_input_draws_nothing():
    assert str(forest_plot([], metric="m", direction="higher")) == ""
    assert str(bar_chart([("a", None, 1)], metric="m")) == ""
    assert str(line_chart([("a", [], [])], xlabel="x", ylabel="y")) == ""
