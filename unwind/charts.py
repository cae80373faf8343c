"""The one home for how charts look: theme, renderer and small chart helpers.

Every notebook starts with ``from unwind import charts; charts.setup()``.

The renderer comes from ``$UNWIND_CHART_RENDERER``:

* ``html`` (default) — altair's HTML output with the spec and its data inline, drawn as SVG by
  the vega bundle the book ships (``python -m unwind.vendor``), so pages render offline;
* ``svg`` / ``png`` — static images drawn in Python by vl-convert (the PDF build).
"""

from __future__ import annotations

import os

import altair as alt
import numpy as np
import pandas as pd

RENDERER_ENV = "UNWIND_CHART_RENDERER"
RENDERERS = ("html", "svg", "png")
THEME = "unwind"
WIDTH, HEIGHT = 600, 280
FONT = "system-ui, -apple-system, 'Segoe UI', Roboto, 'Helvetica Neue', Arial, sans-serif"
# Mid-greys: legible on the light page and on the light output panel of the dark theme.
TEXT, GRID = "#4a4a4a", "#d9d9d9"
PALETTE = ["#1f77b4", "#e8710a", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f"]
SHADE = "#f2c14e"

# Loaded on every page (written to book/_vendor by unwind.vendor). In dark mode the theme puts
# HTML outputs on a light panel, which shows through the transparent chart background, so the
# chart keeps its light-mode ink. Wide charts scroll instead of overflowing; printed code wraps.
CHART_CSS = """\
.vega-embed { max-width: 100%; overflow-x: auto; }
.vega-embed.has-actions, .cell_output .vega-embed { width: 100%; }
span.pasted-text { font-weight: inherit; }
@media print { div.highlight pre { white-space: pre-wrap; } table { font-size: 0.8em; } }
"""


def theme() -> alt.theme.ThemeConfig:
    """The report's altair theme: readable type, transparent background, 600 px wide."""
    axis = {
        "labelColor": TEXT,
        "titleColor": TEXT,
        "labelFontSize": 12,
        "titleFontSize": 12,
        "titleFontWeight": "normal",
        "gridColor": GRID,
        "domainColor": TEXT,
        "tickColor": TEXT,
    }
    return {
        "config": {
            "background": "transparent",
            "font": FONT,
            "view": {"continuousWidth": WIDTH, "continuousHeight": HEIGHT, "stroke": None},
            "axis": axis,
            "legend": {
                "labelColor": TEXT,
                "titleColor": TEXT,
                "labelFontSize": 12,
                "titleFontSize": 12,
                "orient": "bottom",
                "columns": 6,
                "direction": "horizontal",
            },
            "title": {"color": TEXT, "fontSize": 14, "anchor": "start", "subtitleColor": TEXT},
            "range": {"category": PALETTE},
            "line": {"strokeWidth": 1.6},
        }
    }


def setup(renderer: str | None = None) -> str:
    """Register and enable the theme, keep data inline and pick the renderer; return its name."""
    # myst-nb formats glued numbers from their text/plain repr; NumPy 2 writes np.float64(0.5) there,
    # which `{glue:text}` cannot format. The 1.25 repr is the bare number.
    np.set_printoptions(legacy="1.25")
    alt.theme.register(THEME, enable=True)(theme)
    alt.data_transformers.enable("default")  # data inline in the spec, never a URL
    name = renderer or os.environ.get(RENDERER_ENV, "html")
    if name not in RENDERERS:
        raise ValueError(f"${RENDERER_ENV}={name!r}: expected one of {', '.join(RENDERERS)}")
    if name == "html":
        # No actions menu: its links open the online vega editor.
        alt.renderers.enable("html", embed_options={"renderer": "svg", "actions": False})
    else:
        alt.renderers.enable(name)
    return name


def _xy(df: pd.DataFrame, x: str, y: str, color: str | None, title: str, y_title: str | None) -> alt.Chart:
    """The shared encoding of :func:`line` and :func:`bar`. Field names must not contain "." (vega-lite
    reads a dot as a nested field and draws nothing)."""
    enc = {
        "x": alt.X(x, title=None),
        # the default axis title is the field name without its ":Q"-style type
        "y": alt.Y(y, title=y_title if y_title is not None else y.rsplit(":", 1)[0]),
        "tooltip": [x, y] + ([color] if color else []),
    }
    if color:
        enc["color"] = alt.Color(color, title=None)
    return alt.Chart(df, title=title).encode(**enc)


def line(
    df: pd.DataFrame, x: str, y: str, color: str | None = None, *, title: str = "", y_title: str | None = None
) -> alt.Chart:
    """A line chart of ``y`` against ``x``, one line per ``color`` value if given."""
    return _xy(df, x, y, color, title, y_title).mark_line()


def bar(
    df: pd.DataFrame, x: str, y: str, color: str | None = None, *, title: str = "", y_title: str | None = None
) -> alt.Chart:
    """A bar chart of ``y`` by ``x`` (dates or categories), coloured by ``color`` if given."""
    return _xy(df, x, y, color, title, y_title).mark_bar()


def shade(start: str | pd.Timestamp, end: str | pd.Timestamp, label: str | None = None) -> alt.LayerChart:
    """A shaded date window, labelled at its top left, to layer under a time-series chart:
    ``shade(a, b, "after the crash") + line(...)``."""
    text = label or f"{pd.Timestamp(start):%Y-%m-%d} to {pd.Timestamp(end):%Y-%m-%d}"
    window = pd.DataFrame({"start": [pd.Timestamp(start)], "end": [pd.Timestamp(end)], "label": [text]})
    base = alt.Chart(window)
    band = base.mark_rect(color=SHADE, opacity=0.25).encode(x="start:T", x2="end:T", tooltip=["label:N"])
    name = base.mark_text(align="left", baseline="top", dx=3, dy=3, fontSize=11, color=TEXT).encode(
        x="start:T", y=alt.value(0), text="label:N"
    )
    return band + name


def rule(
    value: float | str | pd.Timestamp, label: str, *, axis: str = "y", dash: tuple[int, int] = (4, 3)
) -> alt.LayerChart:
    """A labelled reference line: a threshold (``axis="y"``, a number) or an event (``axis="x"``, a date)."""
    if axis == "x":
        d = pd.DataFrame({"v": [pd.Timestamp(value)], "label": [label]})
        enc, txt = {"x": "v:T"}, {"x": "v:T", "y": alt.value(0)}
        text = alt.Chart(d).mark_text(align="left", baseline="top", dx=3, dy=14, fontSize=11, color=TEXT)
    else:
        d = pd.DataFrame({"v": [float(value)], "label": [label]})
        enc, txt = {"y": "v:Q"}, {"y": "v:Q", "x": alt.value(0)}
        text = alt.Chart(d).mark_text(align="left", baseline="bottom", dx=3, dy=-2, fontSize=11, color=TEXT)
    line_ = alt.Chart(d).mark_rule(color=TEXT, strokeDash=list(dash)).encode(**enc, tooltip=["label:N"])
    return line_ + text.encode(**txt, text="label:N")


def _stepped(spec: dict) -> bool:
    """Whether a chart (or one of its layers) sizes a dimension by steps (a discrete axis): vega-lite cannot fit
    such a chart to its container and warns, so it keeps its own width."""
    sizes = [spec.get("width"), spec.get("height")] + [
        s for layer in spec.get("layer", []) for s in (layer.get("width"), layer.get("height"))
    ]
    return any(isinstance(s, dict) and "step" in s for s in sizes)


def figure(key: str, chart: alt.TopLevelMixin, alt_text: str) -> alt.TopLevelMixin:
    """Prepare a chart for a numbered, captioned figure and glue it under ``key``; the page shows it with
    ``{glue:figure} key`` + ``:name: fig-...`` and a caption.  ``alt_text`` (what the chart shows, in words)
    becomes the SVG's accessible description.  Single and layered charts take the page's width, so they stay
    legible on a phone; concatenated charts keep their own widths."""
    from myst_nb import glue

    chart = chart.properties(description=alt_text)
    if isinstance(chart, (alt.Chart, alt.LayerChart)) and not _stepped(chart.to_dict()):
        chart = chart.properties(width="container")
    glue(key, chart, display=False)
    return chart


def coverage(df: pd.DataFrame, *, title: str = "Coverage") -> alt.Chart:
    """A Gantt-like chart, one bar per series from first to last date.

    ``df`` is tidy with columns ``series``, ``start``, ``end`` (dates) and ``group``.
    """
    missing = {"series", "start", "end", "group"} - set(df.columns)
    if missing:
        raise ValueError(f"coverage(): missing column(s) {sorted(missing)}; got {list(df.columns)}")
    data = df.assign(start=pd.to_datetime(df["start"]), end=pd.to_datetime(df["end"]))
    return (
        alt.Chart(data, title=title)
        .mark_bar(height=10)
        .encode(
            x=alt.X("start:T", title=None),
            x2="end:T",
            y=alt.Y("series:N", title=None, sort=alt.EncodingSortField("start", op="min")),
            color=alt.Color("group:N", title=None),
            tooltip=[
                "series:N",
                "group:N",
                alt.Tooltip("start:T", format="%Y-%m-%d"),
                alt.Tooltip("end:T", format="%Y-%m-%d"),
            ],
        )
        .properties(height=alt.Step(18))
    )
