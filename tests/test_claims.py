"""The claims ledger: the registry entries, the estimates on every as-of date, a few values computed independently
from the loaders, the date-sensitivity flag, and the pure measurement functions on hand-computed cases."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from unwind import claims as cl
from unwind.study import Estimate, engine, registry, rules

IDS = [f"C{i}" for i in range(1, 19)]
COMPOSITES = {"C12": ("GOLD.H1", "GOLD.H2.corr"), "C14": ("ETF.H1", "LIQ.loop")}


# ---------------------------------------------------------------- the registry and the article
def test_registry_ids_rules_and_families():
    claims = cl.load_claims()
    assert list(claims) == IDS
    for k, h in claims.items():
        assert h.chapter == "01_claims", k
        assert "text" in h.raw["claimed"] and "further" in h.raw, k
        if k in COMPOSITES:
            assert (h.rule, h.family, h.components) == ("composite", "summary", COMPOSITES[k])
        else:
            assert (h.rule, h.family) == ("tolerance", "descriptive"), k
            assert h.readings and all(r.text for r in h.readings.values()), k
    assert cl.owned(claims) == [k for k in IDS if k not in COMPOSITES]
    # one tolerance each where the ledger is the one home of a number the chapters show
    assert len(claims["C13"].readings) == 1
    assert next(iter(claims["C13"].readings.values())).value == 3.0
    c4 = claims["C4"].readings["early-November redemptions"]
    assert (c4.kind, c4.value, c4.target) == ("relative", 0.10, -1.2)
    c18 = claims["C18"]
    assert c18.contradicted_if_false and [r.kind for r in c18.readings.values()] == ["true"]


def test_composite_components_are_registered_book_wide():
    hyps = registry.load()
    for k, parts in COMPOSITES.items():
        assert all(c in hyps for c in parts), k


def test_every_quote_is_in_the_article():
    article = cl.article_path().read_text(encoding="utf-8")
    assert cl.quotes_missing(cl.load_claims(), article) == []


def test_quotes_missing_detects_an_altered_quote():
    article = "Bitcoin is still up 25% year-over-year."
    claims = [{"id": "a", "quote": "up 25% year-over-year"}, {"id": "b", "quote": "up 25% year over year"}]
    assert cl.quotes_missing(claims, article) == ["b"]


def test_duplicate_ids_are_refused(tmp_path):
    import yaml

    entry = {
        "id": "C1",
        "chapter": "01_claims",
        "statement": "s",
        "estimand": "e",
        "data": "d",
        "sample": "s",
        "rule": "tolerance",
        "family": "descriptive",
        "written": "before",
        "readings": {"r": {"target": 1.0, "tolerance": {"kind": "absolute", "value": 1.0}}},
    }
    f = tmp_path / "01_claims.yaml"
    f.write_text(yaml.safe_dump({"hypotheses": [entry, entry]}))
    with pytest.raises(registry.RegistryError, match="appears twice"):
        cl.load_claims(f)


# ---------------------------------------------------------------- the estimates on real data
@pytest.fixture(scope="module")
def panel():
    from unwind.panel import panel as build

    return build()


@pytest.fixture(scope="module")
def measured(panel):
    return cl.measure_all(panel)


@pytest.fixture(scope="module")
def ests(measured):
    claims = cl.load_claims()
    return {k: measured[k].estimate for k in cl.owned(claims)}


def test_estimates_cover_every_owned_id_and_every_as_of_date(measured, ests):
    claims = cl.load_claims()
    assert set(measured) == set(IDS)
    assert set(ests) == set(cl.owned(claims))
    assert all(measured[k].estimate is None for k in COMPOSITES)
    days = [f"{d:%Y-%m-%d}" for d in registry.book().as_of_window]
    primary = f"{registry.book().primary_date:%Y-%m-%d}"
    for k, e in ests.items():
        assert isinstance(e, Estimate), k
        assert list(e.readings) == list(claims[k].readings), k
        for name, vals in e.readings.items():
            assert sorted(vals) == days, (k, name)
        if e.missing:
            assert e.interval == "none" and math.isnan(e.value), k
        else:
            first = next(iter(e.readings.values()))
            assert e.value == first[primary], k
            assert e.interval == "range over as-of dates", k
            assert e.low == pytest.approx(min(first.values())) and e.high == pytest.approx(max(first.values())), k
        assert e.text, k


def test_claims_the_snapshot_cannot_measure_say_what_is_missing(ests):
    assert "all-venue liquidation total" in ests["C6"].missing
    assert "all-venue daily liquidation totals" in ests["C8"].missing
    assert [k for k, e in ests.items() if e.missing] == ["C6", "C8"]


def test_c2_drawdown_from_the_binance_high_and_close(ests):
    from unwind.sources import binance

    spot = binance.binance_daily("BTCUSDT", "spot")
    day = pd.Timestamp("2025-11-16")
    ath = spot.loc[:day, "high_usdt"].max()
    want = 100 * (spot.loc[day, "close_usdt"] / ath - 1)
    assert ests["C2"].readings["drop of 30 %"]["2025-11-16"] == pytest.approx(want)
    assert ests["C2"].readings["all-time high of 126,000"]["2025-11-16"] == pytest.approx(ath)
    assert ests["C2"].value == pytest.approx(want)


def test_c10_fear_and_greed_on_the_primary_date(panel, ests):
    assert panel.loc["2025-11-16", "fng_value"] == 10
    assert ests["C10"].readings["F&G at 10"]["2025-11-16"] == 10.0
    assert ests["C10"].readings["February 2025 low at 10"]["2025-11-16"] == panel.loc["2025-02", "fng_value"].min()


def test_c11_and_c13_from_the_panel(panel, ests):
    btc, gold = panel["btc_close_usd"], panel["gold_close_usd"]
    d = pd.Timestamp("2025-11-16")
    yoy = 100 * (btc.loc[d] / btc.loc[d - pd.Timedelta(days=365)] - 1)
    assert ests["C11"].value == pytest.approx(yoy)
    g_now = gold.loc[:d].dropna().iloc[-1]  # Sunday: gold's Friday close
    gap = 100 * (btc.loc[d] / btc.loc["2025-10-10"] - 1) - 100 * (g_now / gold.loc["2025-10-10"] - 1)
    assert ests["C13"].value == pytest.approx(gap)


def test_c4_uses_the_named_windows(panel, ests):
    f = panel["etf_btc_flow_usd_m"]
    (e0, e1), (l0, l1) = registry.window("early_november"), registry.window("late_october")
    r = ests["C4"].readings
    assert r["early-November redemptions"]["2025-11-16"] == pytest.approx(f.loc[e0:e1].sum() / 1e3)
    assert r["late-October outflows"]["2025-11-16"] == pytest.approx(f.loc[l0:l1].sum() / 1e3)


def test_date_sensitive_claim_gets_the_dagger(ests):
    """C16 holds on the primary date (11-16) but not on 11-21: supported, flagged with a dagger."""
    claims = cl.load_claims()
    hyps = {k: claims[k] for k in ests}
    t = engine.decide(hyps, ests, registry.book())
    e = ests["C16"].readings["change since 10/06"]
    reading = claims["C16"].readings["change since 10/06"]
    assert abs(e["2025-11-16"] - reading.target) <= reading.value
    assert abs(e["2025-11-21"] - reading.target) > reading.value
    assert t.loc["C16", "verdict"] == rules.SUPPORTED and t.loc["C16", "date_sensitive"]
    assert t.loc["C16", "label"] == "supported †"
    assert not t.loc["C4", "date_sensitive"]  # flows over windows that end before the as-of dates


def test_date_sensitivity_on_a_synthetic_estimate():
    h = cl.load_claims()["C15"]
    days = [f"{d:%Y-%m-%d}" for d in registry.book().as_of_window]
    vals = {d: -8.5 for d in days} | {"2025-11-21": -13.0}
    d = rules.tolerance(
        h,
        Estimate(readings={"year-to-date change": vals}),
        rules.Context(primary_date=registry.book().primary_date, as_of_window=registry.book().as_of_window),
    )
    assert d.word == rules.SUPPORTED and d.date_sensitive and "11-21" in d.reason
    assert engine.label(d.word, d.date_sensitive) == "supported †"


def test_ledger_frame_reads_the_verdict_table():
    claims = cl.load_claims()
    rows = []
    for k, h in claims.items():
        comp = h.rule == "composite"
        est = np.nan if comp else 1.0 if k == "C18" else -25.3
        rows.append(
            {
                "id": k,
                "estimate": est,
                "low": np.nan if comp else -32.5,
                "high": np.nan if comp else -24.2,
                "unit": "%",
                "verdict": "not supported",
                "label": "not supported †",
            }
        )
    table = pd.DataFrame(rows).set_index("id", drop=False)
    lf = cl.ledger_frame(table, claims=claims)
    assert list(lf["id"]) == IDS
    assert list(lf.columns[:3]) == ["id", "claim", "claimed"]
    assert set(lf["verdict"]) == {"not supported †"}
    row = lf.set_index("id").loc["C15"]
    assert row["measured 2025-11-16"] == "-25.3 %" and row["range 11-14…11-21"] == "-32.5 to -24.2 %"
    assert lf.set_index("id").loc["C12", "measured 2025-11-16"] == "decided by GOLD.H1, GOLD.H2.corr"
    assert lf.set_index("id").loc["C18", "measured 2025-11-16"] == "yes"  # a yes/no reading


# ---------------------------------------------------------------- measurement functions
def test_drawdown_from_ath():
    # 88,200 / 126,000 - 1 = -0.30 exactly
    assert cl.drawdown_pct(88_200.0, 126_000.0) == pytest.approx(-30.0)
    assert cl.drawdown_pct(126_000.0, 126_000.0) == 0.0


def test_change_over_days_uses_the_exact_dates():
    idx = pd.date_range("2025-10-01", periods=50, freq="D")
    s = pd.Series(np.arange(50, dtype=float) * 2.0, index=idx)  # +2 a day
    day = pd.Timestamp("2025-11-11")  # position 41
    assert cl.change_over_days(s, day, 41) == pytest.approx(82.0)
    assert math.isnan(cl.change_over_days(s.drop(pd.Timestamp("2025-10-01")), day, 41))


def test_pct_change_over_the_as_of_window():
    idx = pd.date_range("2025-11-14", "2025-11-21", freq="D")
    px = pd.Series([100, 95, 90, 85, 80, 75, 70, 65], index=idx, dtype=float)
    assert [cl.pct_change(100.0, px[d]) for d in idx] == pytest.approx([0, -5, -10, -15, -20, -25, -30, -35])
    assert cl.dates_text(idx[[6]]) == "11-20" and cl.dates_text([]) == "none"


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
    low = pd.Series([100, 100, 112, 100, 124], index=idx, dtype=float)  # ranges 10, 20, 3, 30, 1
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
    assert at == idx[3] and pct == pytest.approx(50.0)  # 1 and 2 of {5, 1, 3, 2} are <= 2


def test_daily_sum_complete_drops_partial_days():
    t = pd.date_range("2025-11-13", periods=8, freq="4h", tz="UTC")  # 6 bars on 11-13, 2 on 11-14
    bars = pd.DataFrame({"a": np.ones(8), "b": np.full(8, 2.0)}, index=t)
    out = cl.daily_sum_complete(bars, bars_per_day=6)
    assert list(out.index) == [pd.Timestamp("2025-11-13")] and out.iloc[0] == pytest.approx(18.0)


def test_range_text():
    assert cl.range_text(pd.Series([-24.2, -32.54, np.nan]), ".1f", "%") == "-32.5 to -24.2 %"
    assert cl.range_text(pd.Series([1.21, 1.2099]), ".2f", "US$ bn") == "1.21 US$ bn"
    assert cl.range_text(pd.Series([np.nan]), ".1f") == "n/a"
