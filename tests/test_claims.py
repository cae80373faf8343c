"""Unit tests for the claims ledger: hand-computed small cases, and every quote is in the article."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from unwind import claims as cl
from unwind.stats import VERDICTS


# ---------------------------------------------------------------- the claims file and the article
def test_claims_file_has_the_required_fields_and_ids():
    claims = cl.load_claims()
    ids = [c["id"] for c in claims]
    assert ids == [f"c{i}" for i in range(1, 19)]
    assert set(ids) == set(cl.MEASURES)
    for c in claims:
        assert c["tolerance"]["kind"] in {"relative", "absolute", "at_least", "none"}, c["id"]
        assert c["tolerance"]["text"], c["id"]
        assert c["measure"]["definition"] and c["measure"]["formula"], c["id"]


def test_every_quote_is_in_the_article():
    article = cl.article_path().read_text(encoding="utf-8")  # ../shared/article or $UNWIND_ARTICLE
    assert cl.quotes_missing(cl.load_claims(), article) == []


def test_quotes_missing_detects_an_altered_quote():
    article = "Bitcoin is still up 25% year-over-year."
    claims = [{"id": "a", "quote": "up 25% year-over-year"}, {"id": "b", "quote": "up 25% year over year"}]
    assert cl.quotes_missing(claims, article) == ["b"]


def test_duplicate_ids_are_refused(tmp_path):
    c = {"id": "c1", "short": "s", "quote": "q", "claimed": {}, "measure": {}, "tolerance": {}, "chapter": None}
    f = tmp_path / "claims.yaml"
    import yaml

    f.write_text(yaml.safe_dump({"claims": [c, c]}))
    with pytest.raises(ValueError, match="appears twice"):
        cl.load_claims(f)


# ---------------------------------------------------------------- measurement functions
def test_drawdown_from_ath():
    # 88,200 / 126,000 - 1 = -0.30 exactly
    assert cl.drawdown_pct(88_200.0, 126_000.0) == pytest.approx(-30.0)
    assert cl.drawdown_pct(126_000.0, 126_000.0) == 0.0


def test_change_over_days_uses_the_exact_dates():
    idx = pd.date_range("2025-10-01", periods=50, freq="D")
    s = pd.Series(np.arange(50, dtype=float) * 2.0, index=idx)   # +2 a day
    day = pd.Timestamp("2025-11-11")                            # position 41
    assert cl.change_over_days(s, day, 41) == pytest.approx(82.0)
    assert math.isnan(cl.change_over_days(s.drop(pd.Timestamp("2025-10-01")), day, 41))


def test_pct_change_over_the_as_of_window():
    idx = pd.date_range("2025-11-14", "2025-11-21", freq="D")
    px = pd.Series([100, 95, 90, 85, 80, 75, 70, 65], index=idx, dtype=float)
    out = [cl.pct_change(100.0, px[d]) for d in idx]
    assert out == pytest.approx([0, -5, -10, -15, -20, -25, -30, -35])
    holds = pd.Series([cl.within_tolerance(v, -30.0, {"kind": "absolute", "value": 3.0}) for v in out], index=idx)
    assert cl.dates_text(idx[holds]) == "11-20"


def test_value_on_or_before_skips_weekends():
    s = pd.Series([1.0, np.nan, np.nan, 4.0], index=pd.date_range("2025-11-14", periods=4))
    assert cl.value_on_or_before(s, pd.Timestamp("2025-11-16")) == 1.0
    assert cl.value_on_or_before(s, pd.Timestamp("2025-11-17")) == 4.0
    assert math.isnan(cl.value_on_or_before(s, pd.Timestamp("2025-11-13")))


def test_leverage_arithmetic():
    # 100x with Binance tier-1 maintenance margin 0.4 %: 1 % - 0.4 % = 0.6 %
    assert cl.liquidation_distance_pct(100, 0.4) == pytest.approx(0.6)
    assert cl.liquidation_distance_pct(20, 0.4) == pytest.approx(4.6)
    assert cl.liquidation_distance_pct(100, 0.0) == pytest.approx(1.0)
    # 2 % is the distance at 100 / 2.4 = 41.67x
    assert cl.leverage_for_distance(2.0, 0.4) == pytest.approx(41.6667, rel=1e-4)
    with pytest.raises(ValueError):
        cl.liquidation_distance_pct(0, 0.4)


def test_candle_range_rank():
    idx = pd.date_range("2025-10-06", periods=5)
    high = pd.Series([110, 120, 115, 130, 125], index=idx, dtype=float)
    low = pd.Series([100, 100, 112, 100, 124], index=idx, dtype=float)   # ranges 10, 20, 3, 30, 1
    r = cl.candle_range_rank(high, low, idx[3])
    assert r["range"] == 30 and r["max_before"] == 20 and r["max_before_date"] == idx[1]
    assert r["rank"] == 1 and r["largest_so_far"] and r["n_days"] == 4
    r2 = cl.candle_range_rank(high, low, idx[2])
    assert r2["rank"] == 3 and not r2["largest_so_far"]


def test_share_and_percentile():
    s = pd.Series([0.2e9, 0.6e9, 1.2e9, 0.4e9, np.nan])
    assert cl.share_at_least(s, 5e8) == pytest.approx(50.0)
    assert cl.share_at_least(s, 1e9) == pytest.approx(25.0)
    idx = pd.date_range("2025-01-01", periods=5)
    v = pd.Series([5.0, 1.0, 3.0, 2.0, np.nan], index=idx)
    pct, at = cl.percentile_of_latest(v, idx[-1])
    assert at == idx[3] and pct == pytest.approx(50.0)     # 1 and 2 of {5, 1, 3, 2} are <= 2


def test_daily_sum_complete_drops_partial_days():
    t = pd.date_range("2025-11-13", periods=8, freq="4h", tz="UTC")   # 6 bars on 11-13, 2 on 11-14
    bars = pd.DataFrame({"a": np.ones(8), "b": np.full(8, 2.0)}, index=t)
    out = cl.daily_sum_complete(bars, bars_per_day=6)
    assert list(out.index) == [pd.Timestamp("2025-11-13")] and out.iloc[0] == pytest.approx(18.0)


def test_tolerances():
    rel = {"kind": "relative", "value": 0.10}
    assert cl.within_tolerance(1.0, 1.1, rel) and not cl.within_tolerance(0.98, 1.1, rel)
    assert cl.tolerance_width(1.1, rel) == pytest.approx(0.11)
    assert cl.within_tolerance(20_550, 20_000, {"kind": "at_least", "value": 19_000})
    assert not cl.within_tolerance(np.nan, 1.0, rel)
    with pytest.raises(ValueError):
        cl.within_tolerance(1.0, 1.0, {"kind": "none", "value": None})


def test_window_verdict_rule():
    idx = pd.date_range("2025-11-14", periods=3)
    yes, no = pd.Series([True] * 3, index=idx), pd.Series([False] * 3, index=idx)
    some = pd.Series([False, True, False], index=idx)
    assert cl.window_verdict(yes, pd.Series([0.0] * 3), 3.0) == "supported"
    assert cl.window_verdict(some, pd.Series([4.0, 0.0, 4.0]), 3.0) == "partly supported"
    assert cl.window_verdict(no, pd.Series([4.0, 12.0, 5.0]), 3.0) == "not supported"
    assert cl.window_verdict(no, pd.Series([10.0, 12.0, 15.0]), 3.0) == "contradicted"


def test_range_text():
    assert cl.range_text(pd.Series([-24.2, -32.54, np.nan]), ".1f", "%") == "-32.5 to -24.2 %"
    assert cl.range_text(pd.Series([1.21, 1.2099]), ".2f", "US$ bn") == "1.21 US$ bn"
    assert cl.range_text(pd.Series([np.nan]), ".1f") == "n/a"


def test_ledger_on_synthetic_results():
    idx = pd.date_range("2025-11-14", periods=2)
    w = pd.DataFrame({"measured": [1.0, 2.0], "holds": [True, False]}, index=idx)
    res = {"c1": cl.ClaimResult("c1", w, "1 to 2 x", "partly supported", "x")}
    claims = [{"id": "c1", "short": "s", "claimed": {"text": "1.1 x"}, "chapter": "02_liquidations"}]
    t = cl.ledger(res, claims)
    assert t.loc[0, "holds on"] == "11-14" and t.loc[0, "verdict"] == "partly supported"
    assert t.loc[0, "evidence"] == "01_claims (C1); 02_liquidations"
    w_all = w.assign(holds=True)
    assert cl.ClaimResult("c1", w_all, "", "supported", "x").holds_on == "all dates"
    assert cl.ClaimResult("c1", w, "", "cannot be checked with this data", "x").holds_on == "n/a"
    counts = cl.verdict_counts(t)
    assert counts["partly supported"] == 1 and set(counts) == set(VERDICTS)
    rows = cl.verdict_rows(res, claims)
    assert rows[0].estimate == 1.5 and rows[0].ci_low == 1.0 and rows[0].ci_high == 2.0
    assert math.isnan(rows[0].p_value)
    with pytest.raises(ValueError):
        cl.ClaimResult("c2", w, "", "true", "x")
