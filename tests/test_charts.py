"""Unit tests for the chart theme, renderer choice and helpers (unwind.charts)."""

from __future__ import annotations

import json

import altair as alt
import pandas as pd
import pytest

from unwind import charts


@pytest.fixture
def daily() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "date": pd.date_range("2025-10-01", periods=10),
            "btc_return_pct": range(10),
            "asset": ["BTC"] * 5 + ["ETH"] * 5,
        }
    )


def test_setup_defaults_to_offline_html(monkeypatch):
    monkeypatch.delenv(charts.RENDERER_ENV, raising=False)
    assert charts.setup() == "html"
    assert alt.theme.active == charts.THEME
    assert alt.renderers.options["embed_options"]["renderer"] == "svg"


def test_setup_reads_env_and_rejects_unknown(monkeypatch):
    monkeypatch.setenv(charts.RENDERER_ENV, "svg")
    assert charts.setup() == "svg"
    monkeypatch.setenv(charts.RENDERER_ENV, "pdf")
    with pytest.raises(ValueError, match="UNWIND_CHART_RENDERER"):
        charts.setup()


def test_theme_is_transparent_and_sized():
    config = charts.theme()["config"]
    assert config["background"] == "transparent"
    assert config["view"]["continuousWidth"] == charts.WIDTH


def test_charts_carry_data_inline(daily):
    charts.setup("html")
    layered = charts.shade("2025-10-03", "2025-10-05") + charts.line(daily, "date", "btc_return_pct", "asset")
    spec = layered.to_dict()
    text = json.dumps(spec)
    assert '"url"' not in text
    assert all(isinstance(rows, list) and rows for rows in spec["datasets"].values())
    html = layered._repr_mimebundle_()["text/html"]
    assert "btc_return_pct" in html


def test_bar_and_line_titles(daily):
    spec = charts.bar(daily, "date", "btc_return_pct", title="Daily", y_title="%").to_dict()
    assert spec["mark"]["type"] == "bar" and spec["title"] == "Daily"
    assert spec["encoding"]["y"]["title"] == "%"


def test_coverage_checks_columns_and_draws_one_bar_per_series():
    frame = pd.DataFrame(
        {
            "series": ["btc_close", "etf_flow"],
            "start": ["2018-01-01", "2024-01-11"],
            "end": ["2025-11-30", "2025-11-28"],
            "group": ["crypto", "etf"],
        }
    )
    spec = charts.coverage(frame).to_dict()
    assert spec["encoding"]["x2"]["field"] == "end"
    assert len(next(iter(spec["datasets"].values()))) == 2
    with pytest.raises(ValueError, match="group"):
        charts.coverage(frame.drop(columns="group"))
