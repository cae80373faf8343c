"""Tests of the sequence chapter (unwind.sequence): the registered sequence rule on synthetic chronologies, the
lead-lag pairs, the cascade model, and the shape of estimates()."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from unwind import sequence as sq
from unwind import study

DAYS = pd.date_range("2025-10-01", "2025-10-31", freq="D")


def _flows(values: dict[str, float]) -> pd.Series:
    """Flows on weekdays (U.S. trading days), zero unless given."""
    f = pd.Series(0.0, index=DAYS[DAYS.day_of_week < 5])
    for d, v in values.items():
        f.loc[pd.Timestamp(d)] = v
    return f


def _oi_chg(drop_day: str, drop: float = -15.0) -> pd.Series:
    s = pd.Series(0.5, index=DAYS)
    s.loc[pd.Timestamp(drop_day)] = drop
    return s


def test_outflows_first_then_leverage_falls_is_yes():
    # outflows on the week before the OI wipe-out of 10/20
    f = _flows({"2025-10-13": -300, "2025-10-14": -200, "2025-10-15": -100, "2025-10-16": 50, "2025-10-17": -80})
    r = sq.order_test(f, _oi_chg("2025-10-20"), pd.Timestamp("2025-10-06"), pd.Timestamp("2025-10-31"))
    assert r["t_star"] == pd.Timestamp("2025-10-20")
    assert r["pre_flow_usd_m"] == pytest.approx(-630)
    assert r["yes"] == 1.0


def test_leverage_first_then_outflows_is_no():
    # inflows before the wipe-out, outflows only after it
    f = _flows({"2025-10-07": 500, "2025-10-08": 400, "2025-10-09": 200, "2025-10-13": -300, "2025-10-14": -900})
    r = sq.order_test(f, _oi_chg("2025-10-10"), pd.Timestamp("2025-10-06"), pd.Timestamp("2025-10-31"))
    assert r["t_star"] == pd.Timestamp("2025-10-10")
    assert r["pre_flow_usd_m"] > 0 and r["yes"] == 0.0
    assert r["first_outflow_day"] == pd.Timestamp("2025-10-14")


def test_the_flow_of_the_drop_day_itself_is_not_in_the_pre_window():
    f = _flows({"2025-10-20": -5000, "2025-10-17": 100})
    r = sq.order_test(f, _oi_chg("2025-10-20"), pd.Timestamp("2025-10-06"), pd.Timestamp("2025-10-31"))
    assert r["pre_last"] == pd.Timestamp("2025-10-17")
    assert r["yes"] == 0.0


def test_negative_pre_window_but_positive_cumulative_flow_is_no():
    f = _flows({"2025-10-06": 3000, "2025-10-14": -100, "2025-10-15": -100})
    r = sq.order_test(f, _oi_chg("2025-10-20"), pd.Timestamp("2025-10-06"), pd.Timestamp("2025-10-31"))
    assert r["pre_flow_usd_m"] < 0 < r["cum_flow_usd_m"]
    assert r["yes"] == 0.0


def test_the_start_day_itself_cannot_be_the_drop_day():
    r = sq.order_test(
        _flows({}),
        _oi_chg("2025-10-06", -40.0).where(lambda s: s.index != "2025-10-08", -2.0),
        pd.Timestamp("2025-10-06"),
        pd.Timestamp("2025-10-31"),
    )
    assert r["t_star"] == pd.Timestamp("2025-10-08")


def test_lead_lag_pairs_use_the_next_day():
    f = _flows({"2025-10-03": 100, "2025-10-06": -50})
    oi = pd.Series(np.arange(len(DAYS), dtype=float), index=DAYS)
    fo = sq.lead_lag_pairs(f, oi, "flow_oi", start=DAYS[0], end=DAYS[-2])
    row = fo.set_index("flow_day").loc[pd.Timestamp("2025-10-03")]
    assert row["oi_day"] == pd.Timestamp("2025-10-04") and row["y"] == 3.0
    every = sq.lead_lag_pairs(f, oi, "oi_flow", start=DAYS[0], end=DAYS[-5], pairing="every_day")
    sat = every.set_index("oi_day").loc[pd.Timestamp("2025-10-04")]  # Saturday -> Monday's flow
    assert sat["flow_day"] == pd.Timestamp("2025-10-06") and sat["y"] == -50
    with pytest.raises(ValueError):
        sq.lead_lag_pairs(f, oi, "sideways")
    with pytest.raises(ValueError):
        sq.lead_lag_pairs(f, oi, "oi_flow", pairing="twice")


def test_reverse_pairs_give_each_flow_one_pair():
    f = _flows({"2025-10-06": -50, "2025-10-07": 20})
    oi = pd.Series(np.arange(len(DAYS), dtype=float), index=DAYS)  # change of day d = d.day - 1
    per = sq.lead_lag_pairs(f, oi, "oi_flow", start=DAYS[0], end=DAYS[-5])
    assert per["flow_day"].is_unique
    mon = per.set_index("flow_day").loc[pd.Timestamp("2025-10-06")]
    # Friday 10/03, Saturday 10/04 and Sunday 10/05 summed against Monday's flow
    assert mon["x"] == 2.0 + 3.0 + 4.0 and mon["y"] == -50
    assert mon["oi_first"] == pd.Timestamp("2025-10-03") and mon["oi_day"] == pd.Timestamp("2025-10-05")
    nxt = sq.lead_lag_pairs(f, oi, "oi_flow", start=DAYS[0], end=DAYS[-5], pairing="next_day")
    assert nxt["flow_day"].is_unique
    assert nxt.set_index("flow_day").loc[pd.Timestamp("2025-10-06"), "oi_day"] == pd.Timestamp("2025-10-05")


def _levels(changes: dict[str, float]) -> pd.Series:
    """OI in coins from daily log changes (%), 1,000 coins before the first day."""
    chg = pd.Series(0.0, index=DAYS)
    for d, v in changes.items():
        chg.loc[pd.Timestamp(d)] = v
    return 1000 * np.exp(chg.cumsum() / 100)


def test_outflows_then_a_dip_that_is_undone_is_no():
    # outflows from 10/13 on, a one-day dip on 10/20, but OI in coins ends higher than before the outflows
    f = _flows({"2025-10-13": -300, "2025-10-14": -200, "2025-10-15": -100, "2025-10-16": -50, "2025-10-17": -80})
    lvl = _levels({"2025-10-20": -4.0, "2025-10-22": 3.0, "2025-10-24": 3.0})
    r = sq.sequence_test(f, lvl, pd.Timestamp("2025-10-06"), pd.Timestamp("2025-10-31"))
    assert r["outflows_first"] == 1.0 and r["t_star"] == pd.Timestamp("2025-10-20")
    assert r["outflow_start"] == pd.Timestamp("2025-10-13") and r["oi_change_pct"] == pytest.approx(2.0)
    assert r["leverage_fell"] == 0.0 and r["yes"] == 0.0


def test_outflows_then_a_lasting_fall_is_yes():
    f = _flows({"2025-10-13": -300, "2025-10-14": -200, "2025-10-15": -100, "2025-10-16": -50, "2025-10-17": -80})
    lvl = _levels({"2025-10-20": -10.0, "2025-10-22": 2.0})
    r = sq.sequence_test(f, lvl, pd.Timestamp("2025-10-06"), pd.Timestamp("2025-10-31"))
    assert r["oi_change_pct"] == pytest.approx(-8.0)
    assert r["t_star_after_outflows"] and r["leverage_fell"] == 1.0 and r["yes"] == 1.0


def test_leverage_fall_before_the_outflows_is_no():
    f = _flows({"2025-10-07": 500, "2025-10-08": 400, "2025-10-13": -1000, "2025-10-14": -900})
    lvl = _levels({"2025-10-10": -15.0, "2025-10-20": -1.0})
    r = sq.sequence_test(f, lvl, pd.Timestamp("2025-10-06"), pd.Timestamp("2025-10-31"))
    assert r["outflows_first"] == 0.0 and not r["t_star_after_outflows"] and r["yes"] == 0.0


def test_fisher_interval_brackets_r():
    lo, hi = sq.fisher_interval(0.3, 40)
    assert lo < 0.3 < hi and hi - lo > 0.5
    assert all(math.isnan(x) for x in sq.fisher_interval(0.3, 3))


def test_boot_corr_is_reproducible_and_brackets_a_strong_link():
    rng = np.random.default_rng(1)
    x = rng.standard_normal(60)
    y = x + 0.3 * rng.standard_normal(60)
    a, b = sq.boot_corr(x, y), sq.boot_corr(x, y)
    assert a == b
    assert a["low"] < a["r"] < a["high"] and a["low"] > 0.5 and a["p"] < 0.01


def test_cascade_total_fall_is_monotone_in_the_impact_coefficient():
    d = sq.book_distances(5000, median_pct=12.0, sigma=0.6)
    falls = [sq.cascade(3.0, k, 40.0, d)["total_fall_pct"] for k in np.linspace(0.0, 1.0, 21)]
    assert falls[0] == pytest.approx(3.0)
    assert all(b >= a - 1e-12 for a, b in zip(falls, falls[1:], strict=False))
    assert falls[-1] > falls[0]


def test_cascade_without_impact_or_without_book_is_the_shock():
    d = sq.book_distances(1000, 10.0, 0.5)
    assert sq.cascade(2.0, 0.0, 40.0, d)["amplification"] == pytest.approx(1.0)
    assert sq.cascade(2.0, 1.0, 0.0, d)["amplification"] == pytest.approx(1.0)
    with pytest.raises(ValueError):
        sq.cascade(0.0, 1.0, 40.0, d)


def test_calibration_reaches_its_target_or_says_why_not():
    c = sq.calibrate(13.0, forced_bn=10.0, impact_pct_per_bn=0.1, long_book_bn=45.0, sigma=0.5)
    assert c["shock_pct"] == pytest.approx(12.0)
    assert c["amplification"] == pytest.approx(13.0 / 12.0)
    assert c["reaches_target"]
    over = sq.calibrate(13.0, forced_bn=10.0, impact_pct_per_bn=2.0, long_book_bn=45.0, sigma=0.5)
    assert math.isinf(over["amplification"]) and not over["reaches_target"]


def test_damage_ranks_price_fall_per_unit_of_coins_shed():
    d = pd.DataFrame(
        {"oi_coins_chg_pct": [-20.0, -10.0, -5.0, 1.0], "btc_return_pct": [-4.0, -8.0, 2.0, -1.0]},
        index=pd.date_range("2021-01-01", periods=4),
    )
    d["damage"] = d["btc_return_pct"] / d["oi_coins_chg_pct"]
    top = sq.damage_table(d, k=3, down_only=False)
    assert list(top["size_rank"]) == [1, 2, 3]
    assert top.loc["2021-01-02", "damage_rank"] == 1 and top.loc["2021-01-03", "damage_rank"] == 3
    down = sq.damage_table(d, k=3)  # registered: only days on which BTC fell
    assert pd.Timestamp("2021-01-03") not in down.index and len(down) == 3
    assert (down["btc_return_pct"] < 0).all()


# --- the chapter's estimates on the real panel ----------------------------------------------------------------
@pytest.fixture(scope="module")
def ests():
    from unwind.panel import panel

    return sq.estimates(panel())


def test_estimates_cover_exactly_the_registered_ids(ests):
    reg = {k for k, h in study.load().items() if h.chapter == sq.CHAPTER}
    assert set(ests) == reg


def test_interval_kinds_and_readings(ests):
    hyps = study.load()
    days = {f"{d:%Y-%m-%d}" for d in study.book().as_of_window}
    for k, e in ests.items():
        h = hyps[k]
        if h.rule == "signed_test":
            assert e.interval == "95% CI" and e.low <= e.value <= e.high and 0 <= e.p <= 1
            assert set(h.requires) <= set(e.checks)
        if h.rule == "tolerance":
            assert set(e.readings) == set(h.readings)
            assert all(set(v) == days for v in e.readings.values())
            assert all(x in (0.0, 1.0) for v in e.readings.values() for x in v.values())
        if h.rule == "bounds":
            assert e.interval == "range over definitions" and e.low <= e.high and h.threshold is not None
    # a by-reading row has no single estimate: the unit names each reading's value
    assert ests["C19"].interval == "none" and math.isnan(ests["C19"].value) and "(a)" in ests["C19"].unit
    assert {"SEQ.bounds.c6", "SEQ.bounds.c8", "SEQ.bounds.c8.one"} <= set(ests)


def test_c6_upper_end_excludes_adl_and_uses_the_smaller_share():
    from unwind.panel import panel

    p = panel()
    b = sq.c6_bounds(p, sq.load_inputs())
    assert b["f_hi"] < b["f_hi_with_adl"]
    assert b["upper_bn"] == pytest.approx(b["oi_fall_at_prev_bn"] * b["f_hi"] / min(b["s_lo"], b["s_hi"]))
    assert b["lower_bn"] == pytest.approx(max(b["observed_bn"], b["implied_lo_bn"]))


def test_the_rules_decide_every_row(ests):
    hyps = {k: h for k, h in study.load().items() if h.chapter == sq.CHAPTER}
    table = study.decide(hyps, ests, study.book())
    assert set(table["verdict"]) <= set(study.rules.WORDS)
