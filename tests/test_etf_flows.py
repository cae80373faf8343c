"""Hand-computed cases for the ETF-flows chapter's measurement functions."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from unwind import etf_flows as ef
from unwind import stats, study


def _days(n: int, start: str = "2025-01-06") -> pd.DatetimeIndex:
    return pd.bdate_range(start, periods=n, name="date")


def test_window_sum_percentile_hand_case():
    flow = pd.Series([1.0, -2.0, -3.0, 4.0, -1.0], index=_days(5))
    # 2-day rolling sums: -1, -5, 1, 3 ; the window days 2-3 sums to -5, the lowest of 4
    out = ef.window_sum_percentile(flow, flow.index[1], flow.index[2])
    assert out["sum"] == -5.0 and out["n_days"] == 2 and out["n_windows"] == 4
    assert out["share_as_low"] == pytest.approx(0.25)
    # days 3-4 sum to 1: windows as low are -1, -5, 1 -> 3 of 4
    assert ef.window_sum_percentile(flow, flow.index[2], flow.index[3])["share_as_low"] == pytest.approx(0.75)


def test_intraday_split_sums_to_close_to_close():
    # two New York days in winter (UTC-5): 10:00 NY = 15:00 UTC (bar opening 14:00), 16:00 NY = 21:00 UTC
    idx = pd.date_range("2025-01-06 00:00", "2025-01-07 23:00", freq="h", tz="UTC")
    close = pd.Series(100.0, index=idx)
    close[pd.Timestamp("2025-01-06 20:00", tz="UTC")] = 100.0  # close of day 1 at 16:00 NY
    close[pd.Timestamp("2025-01-07 14:00", tz="UTC")] = 110.0  # 10:00 NY on day 2
    close[pd.Timestamp("2025-01-07 20:00", tz="UTC")] = 121.0  # 16:00 NY on day 2
    out = ef.intraday_split(pd.DataFrame({"close_usdt": close}), pd.DatetimeIndex(["2025-01-06", "2025-01-07"]))
    assert out.loc["2025-01-07", "r_overnight"] == pytest.approx(100 * np.log(1.1))
    assert out.loc["2025-01-07", "r_session"] == pytest.approx(100 * np.log(1.1))
    assert np.isnan(out.loc["2025-01-06", "r_overnight"])


def test_intraday_split_summer_time():
    # summer (UTC-4): 16:00 NY = 20:00 UTC, the bar opening at 19:00 UTC
    idx = pd.date_range("2025-07-07 00:00", "2025-07-07 23:00", freq="h", tz="UTC")
    close = pd.Series(np.arange(len(idx), dtype=float) + 1, index=idx)
    out = ef.intraday_split(pd.DataFrame({"close_usdt": close}), pd.DatetimeIndex(["2025-07-07"]))
    assert out["px_close"].iloc[0] == 20.0  # bar 19:00 UTC holds value 19 + 1
    assert out["px_open"].iloc[0] == 14.0  # 10:00 NY = 14:00 UTC, bar opening 13:00


def test_intraday_split_early_close_day_ends_at_13h():
    # 2025-11-28 (day after Thanksgiving, UTC-5) closes at 13:00 NY = 18:00 UTC, the bar opening 17:00 UTC;
    # 2025-11-27 (Thanksgiving) is not a session: no close
    idx = pd.date_range("2025-11-26 00:00", "2025-11-28 23:00", freq="h", tz="UTC")
    close = pd.Series(np.arange(len(idx), dtype=float) + 1, index=idx)
    days = pd.DatetimeIndex(["2025-11-26", "2025-11-27", "2025-11-28"])
    out = ef.intraday_split(pd.DataFrame({"close_usdt": close}), days)
    assert out.loc["2025-11-28", "px_close"] == close[pd.Timestamp("2025-11-28 17:00", tz="UTC")]
    assert out.loc["2025-11-26", "px_close"] == close[pd.Timestamp("2025-11-26 20:00", tz="UTC")]
    assert np.isnan(out.loc["2025-11-27", "px_close"])


def test_extend_aum_rolls_price_and_flows():
    days = _days(3)
    aum = pd.Series([100e6, np.nan, np.nan], index=days)
    price = pd.Series([10.0, 11.0, 22.0], index=days)
    flow = pd.Series([5.0, 1.0, -2.0], index=days)  # US$ m; day 0's flow is already in the observed AUM
    out = ef.extend_aum(aum, flow, price)
    assert out.iloc[1] == pytest.approx(100e6 * 1.1 + 1e6)
    assert out.iloc[2] == pytest.approx((100e6 * 1.1 + 1e6) * 2 - 2e6)


def test_source_overlap_finds_the_one_cell():
    days = _days(3)
    a = pd.DataFrame({"IBIT": [1.0, np.nan, 3.0], "GBTC": [0.0, 2.0, 1.0]}, index=days)
    a["total_usd_m"] = a.fillna(0).sum(axis=1)
    b = a.fillna(0.0).copy()
    b.loc[days[2], "IBIT"] = 4.0
    b["total_usd_m"] = b[["IBIT", "GBTC"]].sum(axis=1)
    out = ef.source_overlap(a, b, ("IBIT", "GBTC"))
    assert out.attrs["n_days"] == 3 and out.attrs["n_cells"] == 9 and out.attrs["n_equal"] == 7
    assert set(out["column"]) == {"IBIT", "total_usd_m"} and (out["date"] == days[2]).all()


def test_weekly_totals_by_monday():
    s = pd.Series([1.0, 2.0, 3.0], index=pd.DatetimeIndex(["2025-11-03", "2025-11-07", "2025-11-10"]))
    out = ef.weekly_totals(s)
    assert out.loc["2025-11-03"] == 3.0 and out.loc["2025-11-10"] == 3.0


def test_implied_share_of_move():
    d = pd.DataFrame({"flow_bn": [9.0, -1.0, -1.0], "r_cc": [5.0, -4.0, -6.0]}, index=_days(3))
    beta = ef.Slope(2.0, 1.0, 3.0, 0.01, 100, 4, 0.1)
    out = ef.implied_share_of_move(d, d.index[0], d.index[2], beta)  # first row is the start close: excluded
    assert out["flow_bn"] == -2.0 and out["move_pct"] == -10.0
    assert out["share"] == pytest.approx(0.4) and out["share_low"] == pytest.approx(0.2)


def test_oos_forecast_recovers_a_true_slope_and_beats_zero():
    rng = np.random.default_rng(1)
    idx = pd.bdate_range("2024-01-01", "2026-06-30")
    x = pd.Series(rng.standard_normal(len(idx)), index=idx)
    y = 2.0 * x + rng.standard_normal(len(idx))
    out = ef.oos_forecast(pd.DataFrame({"r_next": y, "flow_bn": x}))
    assert out["beta_is"] == pytest.approx(2.0, abs=0.15)
    assert out["oos_r2"] > 0.7 and out["dm_p"] < 1e-6 and out["hit_rate"] > 0.8
    # pure noise: no forecast gain
    noise = ef.oos_forecast(pd.DataFrame({"r_next": pd.Series(rng.standard_normal(len(idx)), index=idx), "flow_bn": x}))
    assert noise["oos_r2"] < 0.02 and noise["dm_p"] > 0.05


def test_hac_slope_and_block_bootstrap_on_exact_line():
    idx = _days(60)
    x = pd.Series(np.sin(np.arange(60)), index=idx)
    d = pd.DataFrame({"y": 1 + 3 * x + 0.01 * np.cos(np.arange(60) * 7), "x": x})
    s = ef.hac_slope(d, "y", "x")
    assert s.beta == pytest.approx(3.0, abs=0.01) and s.ci_low < 3.0 < s.ci_high
    lo, hi = ef.pairs_block_bootstrap_slope(d, "y", "x", block=5, n_boot=99)
    assert lo == pytest.approx(3.0, abs=0.02) and hi == pytest.approx(3.0, abs=0.02)


def test_robust_granger_string_constraints_equal_the_restriction_matrix():
    rng = np.random.default_rng(11)
    idx = _days(400)
    x = pd.Series(rng.normal(size=400), index=idx)
    d = pd.DataFrame({"r": 0.4 * x.shift(1).fillna(0) + rng.normal(size=400), "f": x})
    out = ef.robust_granger(d, "r", "f", 3)
    X = pd.concat({f"{c}_l{k}": d[c].shift(k) for c in ("r", "f") for k in range(1, 4)}, axis=1)
    res = stats.hac_ols(d["r"], X)
    R = np.zeros((3, len(res.params)))
    for i in range(3):
        R[i, list(res.params.index).index(f"f_l{i + 1}")] = 1
    w = res.wald_test(R, scalar=True)
    assert out["stat"] == pytest.approx(float(w.statistic)) and out["p_value"] == pytest.approx(float(w.pvalue))
    assert out["sum"] == pytest.approx(res.params[["f_l1", "f_l2", "f_l3"]].sum())
    assert out["ci_low"] < 0.4 < out["ci_high"]


def test_cme_vs_flows_weeks_end_on_report_date():
    reports = pd.DatetimeIndex(["2025-01-07", "2025-01-14"])
    cme = pd.DataFrame(
        {"open_interest_btc": [100.0, 130.0], "lev_money_long": [10.0, 10.0], "lev_money_short": [20.0, 26.0]},
        index=reports,
    )
    days = pd.bdate_range("2025-01-06", "2025-01-14")
    d = pd.DataFrame({"flow_usd_m": 1.0, "btc_usclose_usdt": 1e6 / 2}, index=days)  # 2 BTC a day
    out = ef.cme_vs_flows(cme, d)
    # week (01-07, 01-14]: 01-08, 09, 10, 13, 14 = 5 trading days = 10 BTC
    assert out.loc["2025-01-14", "etf_flow_btc"] == pytest.approx(10.0)
    assert out.loc["2025-01-14", "d_oi_btc"] == 30.0 and out.loc["2025-01-14", "d_lev_net_btc"] == -30.0


def test_spurious_levels_flags_random_walks():
    idx = _days(300)
    rng = np.random.default_rng(3)
    d = pd.DataFrame(
        {"btc_usclose_usdt": np.exp(np.cumsum(rng.normal(0, 0.02, 300))) * 100, "flow_bn": rng.normal(0, 0.3, 300)},
        index=idx,
    )
    out = ef.spurious_levels(d, n_sim=200)
    assert out["sim_share_significant"] > 0.5  # independent random walks look related in most samples
    assert out["diff_r2"] < 0.05


# --------------------------------------------------------------------------- estimates() for the registry
FLOW_COLS = ("etf_btc_flow_usd_m", "etf_btc_flow_cetf_usd_m", "etf_ibit_flow_usd_m", "etf_gbtc_flow_usd_m")


def _panel(same: float = 3.0, lag: float = 0.8, seed: int = 0) -> pd.DataFrame:
    """A synthetic panel with the columns :func:`ef.daily_frame` reads: return(t) = same x flow(t) + lag x
    flow(t-1) (% per US$ 1 bn) + noise, on U.S. business days across the chapter's samples."""
    rng = np.random.default_rng(seed)
    idx = pd.bdate_range("2024-01-01", "2026-07-31", name="date")
    flow = pd.Series(rng.normal(0, 300, len(idx)), index=idx)  # US$ m
    fb = flow / 1000
    r = same * fb + lag * fb.shift(1).fillna(0) + rng.normal(0, 2.0, len(idx))
    price = 60_000 * np.exp(r.cumsum() / 100)
    p = pd.DataFrame(index=idx)
    for c in FLOW_COLS:
        p[c] = flow if c.startswith("etf_btc") else flow / 2
    p["btc_usclose_usdt"] = price
    p["btc_binance_close_usdt"] = price
    p["btc_usclose_return_pct"] = 100 * np.log(price).diff()
    p["etf_btc_aum_usd"] = pd.Series(50e9, index=idx).where(idx <= "2026-04-14")
    return p


def _flipped(p: pd.DataFrame) -> pd.DataFrame:
    q = p.copy()
    for c in FLOW_COLS:
        q[c] = -q[c]
    return q


def _chapter_ids() -> tuple[set[str], set[str]]:
    hyps = {k: h for k, h in study.load().items() if h.chapter == "03_etf_flows"}
    stories = {k for k, h in hyps.items() if h.rule == "composite"}
    return set(hyps) - stories, stories


def test_estimates_cover_exactly_the_registered_ids():
    estimated, stories = _chapter_ids()
    e = ef.estimates(_panel())
    assert set(e) == estimated == set(ef.IDS)
    assert stories == {"ETF.H1", "ETF.H2"}
    hyps = study.load()
    assert set(hyps["ETF.H1"].components) == {"ETF.H1.next", "ETF.H1.var", "ETF.H1.oos"}
    # every signed (statistical) row carries a 95 % CI around its estimate and a p-value
    for k in ("ETF.same", "ETF.H1.next", "ETF.H1.var", "ETF.H1.oos", "ETF.H2.next", "ETF.H2.var"):
        assert e[k].interval == "95% CI" and e[k].low <= e[k].value <= e[k].high and 0 <= e[k].p <= 1, k
    # window ranks are empirical ranks in %, with no sampling interval and no p-value
    for k in ("ETF.H3.late", "ETF.nov.rank"):
        assert e[k].interval == "none" and np.isnan(e[k].p) and 0 <= e[k].value <= 100


def test_windows_come_from_the_registry():
    assert ef.LATE_OCT == study.registry.window("late_october")
    assert ef.EARLY_NOV == study.registry.window("early_november")
    assert ef.FIT_END == study.registry.date("fit_end") and ef.OOS_START > ef.FIT_END
    e = ef.estimates(_panel())
    assert e["ETF.H3.late"].sample.startswith(f"{ef.LATE_OCT[0]:%Y-%m-%d}..{ef.LATE_OCT[1]:%Y-%m-%d}")
    assert f"judged {ef.OOS_START:%Y-%m-%d}.." in e["ETF.H1.oos"].sample  # a business day in the synthetic panel


def test_var_rows_carry_the_summed_lags_and_their_wald_interval():
    p = _panel()
    a = ef.analysis(p)
    e = ef.estimates(p, a)
    var = a["var"]
    caus = var.causality.set_index(["caused", "causing"])["p_value"]
    for k, caused, causing in (("ETF.H1.var", "r_cc", "flow_pct_aum"), ("ETF.H2.var", "flow_pct_aum", "r_cc")):
        est, lo, hi = stats.var_lag_sum(var, caused, causing)
        assert (e[k].value, e[k].low, e[k].high) == pytest.approx((est, lo, hi))
        assert e[k].p == pytest.approx(caus[(caused, causing)])
        lags = [var.model.params.loc[f"L{j}.{causing}", caused] for j in range(1, var.lag_order + 1)]
        assert sum(lags) == pytest.approx(e[k].value)
    # the synthetic lagged effect is positive: the summed lags find it with a CI above zero
    assert e["ETF.H1.var"].low > 0


def test_flipping_the_flow_sign_flips_the_h1_estimates():
    p = _panel()
    e, f = ef.estimates(p), ef.estimates(_flipped(p))
    for k in ("ETF.same", "ETF.H1.next", "ETF.H1.var", "ETF.H2.next", "ETF.H2.var"):
        assert f[k].value == pytest.approx(-e[k].value, rel=1e-6), k
        assert (f[k].low, f[k].high) == pytest.approx((-e[k].high, -e[k].low), rel=1e-6), k
        assert f[k].p == pytest.approx(e[k].p, rel=1e-6), k
    assert e["ETF.H1.next"].value > 0 > f["ETF.H1.next"].value
    # the forecast beta x flow is unchanged when both flip: the out-of-sample R² is sign-free
    assert f["ETF.H1.oos"].value == pytest.approx(e["ETF.H1.oos"].value)


def test_a_look_ahead_changes_the_next_day_estimate():
    # a purely same-day link: flow(t) says nothing about r(t+1)
    p = _panel(same=3.0, lag=0.0, seed=2)
    honest = ef.estimates(p)["ETF.H1.next"]
    assert honest.low < 0 < honest.high
    # look-ahead: the row of day t holds flow(t+1), so "r(t+1) on flow(t)" becomes the same-day association
    ahead = p.copy()
    for c in FLOW_COLS:
        ahead[c] = ahead[c].shift(-1)
    cheat = ef.estimates(ahead)["ETF.H1.next"]
    assert cheat.low > 0 and cheat.value == pytest.approx(3.0, abs=0.5)
    assert abs(cheat.value - honest.value) > 2


def test_decide_runs_on_the_chapter_with_the_real_panel():
    from unwind.panel import panel

    hyps = {k: h for k, h in study.load().items() if h.chapter == "03_etf_flows"}
    e = ef.estimates(panel())
    t = study.decide(hyps, e, study.book())
    assert set(t.index) == set(hyps) and t["verdict"].isin(study.WORDS).all()
    # the VAR flow -> return rejection has summed lags whose interval straddles zero: not support for a signed claim
    assert e["ETF.H1.var"].low < 0 < e["ETF.H1.var"].high
    assert t.loc["ETF.H1.var", "verdict"] != "supported"


def test_every_control_uses_only_the_past():
    """The lagged controls of the local projections are yesterday's values, never tomorrow's (a look-ahead
    here would leave every registered estimate unchanged, so this test is what guards it)."""
    d = ef.daily_frame(_panel())
    assert d["flow_prev_bn"].iloc[1:].equals(d["flow_bn"].shift(1).iloc[1:])
    assert d["r_prev"].iloc[1:].equals(d["r_cc"].shift(1).iloc[1:])
