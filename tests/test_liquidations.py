"""Unit tests for the liquidation-loop measurements (unwind.liquidations), on small hand-computed cases."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from unwind import liquidations as lq
from unwind import stats, study


def test_log_liq_is_log1p_of_millions():
    s = pd.Series([0.0, 1e6 * (np.e - 1), 99e6], name="x")
    assert lq.log_liq(s).tolist() == pytest.approx([0.0, 1.0, np.log(100)])
    with pytest.raises(ValueError, match="x"):
        lq.log_liq(pd.Series([-1.0], name="x"))


def test_bar_returns_and_resampled_closes():
    idx = pd.date_range("2025-10-10", periods=9, freq="h", tz="UTC")
    k = pd.DataFrame({"close_usdt": [100, 101, 102, 110, 111, 112, 113, 121, 130.0]}, index=idx)
    c = lq.resample_closes(k, "4h")
    # 00:00 bar closes with the 03:00 hourly close, 04:00 bar with 07:00; the 08:00 bar is incomplete
    assert c.tolist() == [110.0, 121.0]
    assert list(c.index) == [idx[0], idx[4]]
    assert lq.bar_returns(c).iloc[1] == pytest.approx(100 * np.log(121 / 110))


def test_intraday_frame_aligns_on_bar_open():
    idx = pd.date_range("2025-10-10", periods=3, freq="4h", tz="UTC")
    liq = pd.DataFrame({"btc_liq_long_usd": [0.0, 2e6, 5e6], "btc_liq_short_usd": [1e6, 0.0, 0.0]}, index=idx)
    close = pd.Series([100.0, 90.0, 99.0], index=idx)
    f = lq.intraday_frame(liq, close, "btc")
    assert list(f.index) == list(idx[1:])  # first bar has no return
    assert f.loc[idx[1], "ret"] == pytest.approx(100 * np.log(0.9))
    assert f.loc[idx[2], "liq_long"] == pytest.approx(np.log(6))
    assert f.loc[idx[1], "liq_long_m"] == pytest.approx(2.0)


def test_cumulative_response_counts_the_loop():
    # one lag, no contemporaneous correlation: ret falls 1 %, longs liquidated next bar (A[liq, ret] = -1),
    # liquidations cut the following return by 0.5 % per unit (A[ret, liq] = -0.5)
    A = np.zeros((1, 3, 3))
    A[0, 1, 0] = -1.0
    A[0, 0, 1] = -0.5
    chol = np.eye(3)
    # path of ret: -1 (h0), 0 (h1), -0.5 (h2)
    assert lq._cum_return_response(A, chol, 2, False) == pytest.approx(-1.5)
    assert lq._cum_return_response(A, chol, 2, True) == pytest.approx(-1.0)


def test_h1_and_predictive_recover_known_slopes():
    rng = np.random.default_rng(1)
    n = 600
    ret = pd.Series(rng.normal(0, 2, n), index=pd.date_range("2021-01-01", periods=n))
    liq_long = 1 + 0.3 * (-ret).clip(lower=0) + rng.normal(0, 0.05, n)
    liq_short = 1 + 0.2 * ret.clip(lower=0) + rng.normal(0, 0.05, n)
    df = pd.DataFrame({"ret": ret, "liq_long": liq_long, "liq_short": liq_short})
    h1 = lq.h1_mechanical(df, lags=0)
    assert h1.loc["down_pct", "coef"] == pytest.approx(0.3, abs=0.01)
    assert h1.loc["up_pct", "coef"] == pytest.approx(0.0, abs=0.01)
    # next return = -0.5 x long liquidations + noise
    ret2 = pd.Series(rng.normal(0, 0.1, n), index=df.index)
    ret2.iloc[1:] += -0.5 * liq_long.iloc[:-1].to_numpy()
    df2 = df.assign(ret=ret2)
    r = lq.predictive(df2, lags=1)
    assert r["coef"] == pytest.approx(-0.5, abs=0.05)
    assert r["p_value"] < 0.001


def test_ranks_count_only_earlier_days():
    s = pd.Series([5.0, 9.0, 7.0, 20.0], index=pd.date_range("2025-10-08", periods=4))
    r = lq.event_rank(s, pd.Timestamp("2025-10-10"))
    assert (r["rank"], r["n"]) == (2, 3)  # 9 > 7; the later 20 is ignored
    assert r["p_value"] == pytest.approx(2 / 3)
    a = lq.rank_against(5.0, pd.Series([1.0, 2.0, 6.0]))
    assert (a["rank"], a["n"], a["p_value"]) == (2, 4, 0.5)


def test_crash_bars_select_the_utc_day():
    idx = pd.date_range("2025-10-09 20:00", periods=9, freq="4h", tz="UTC")
    bars = lq.crash_bars(idx, pd.Timestamp("2025-10-10"))
    assert len(bars) == 6 and bars[0] == pd.Timestamp("2025-10-10 00:00", tz="UTC")


def test_leverage_z_is_trailing():
    oi = pd.Series([1.0, 1.0, 1.0, 1.0, 2.0, 2.0])
    price = pd.Series(1.0, index=oi.index)
    z = lq.leverage_z(oi, price, 4)
    # last 4 logs [0, 0, 0, L]: mean L/4, sd L/2 -> z = (L - L/4) / (L/2) = 1.5
    assert z.iloc[4] == pytest.approx(1.5)
    # changing a later value does not change an earlier z (no look-ahead)
    oi2 = oi.copy()
    oi2.iloc[5] = 100.0
    assert lq.leverage_z(oi2, price, 4).iloc[4] == pytest.approx(z.iloc[4])


def _var_data(n: int = 1500, b: float = 0.3, seed: int = 3) -> pd.DataFrame:
    """ret, liq_long, liq_short where liq_long(t) = b * ret(t-1) + noise: a known positive lag sum."""
    rng = np.random.default_rng(seed)
    ret = rng.normal(0, 1, n)
    long_ = np.zeros(n)
    long_[1:] = b * ret[:-1]
    long_ += rng.normal(0, 0.5, n)
    return pd.DataFrame({"ret": ret, "liq_long": long_, "liq_short": rng.normal(0, 0.5, n)})


def test_granger_table_shows_the_sign_of_every_link():
    v = stats.var_granger(_var_data(), maxlags=4)
    g = lq.granger_table(v)
    assert len(g) == 6 and {"lag_sum", "lag_sum_low", "lag_sum_high", "net_sign"} <= set(g.columns)
    r = g.set_index(["caused", "causing"]).loc[("liq_long", "ret")]
    assert r["p_value"] < 0.001 and r["lag_sum"] == pytest.approx(0.3, abs=0.05)
    assert r["lag_sum_low"] > 0 and r["net_sign"] == 1
    assert (r["lag_sum"], r["lag_sum_low"], r["lag_sum_high"]) == pytest.approx(stats.var_lag_sum(v, "liq_long", "ret"))
    assert lq.var_confirms(v, "liq_long", "ret", 1) and not lq.var_confirms(v, "liq_long", "ret", -1)
    # a link with no effect: the Wald test does not reject, so nothing is confirmed in either direction
    assert not lq.var_confirms(v, "ret", "liq_short", 1) and not lq.var_confirms(v, "ret", "liq_short", -1)


def test_split_link_fits_each_half_and_the_check_needs_one_sign_in_both():
    idx = pd.date_range("2019-01-01", periods=1600, freq="D")
    split = idx[800]

    def halves(b_before: float, b_from: float) -> pd.DataFrame:
        a, b = _var_data(800, b_before, seed=4), _var_data(800, b_from, seed=5)
        return pd.concat([a, b], ignore_index=True).set_axis(idx)

    same = lq.split_link(halves(0.3, 0.3), split, maxlags=4)
    assert list(same.index) == ["before", "from"]
    assert same.loc["before", "last"] < split <= same.loc["from", "first"]
    assert same["lag_sum"].tolist() == pytest.approx([0.3, 0.3], abs=0.08) and (same["net_sign"] == 1).all()
    assert lq.same_sign_halves(same)
    # both halves significant, but with opposite signs
    flipped = lq.split_link(halves(0.3, -0.3), split, maxlags=4)
    assert flipped["net_sign"].tolist() == [1, -1] and not lq.same_sign_halves(flipped)
    # the effect only before the split: the later half's interval includes zero
    gone = lq.split_link(halves(0.3, 0.0), split, maxlags=4)
    assert gone["net_sign"].tolist() == [1, 0] and not lq.same_sign_halves(gone)
    # no net sign anywhere is not "the same sign"
    assert not lq.same_sign_halves(pd.DataFrame({"net_sign": [0, 0]}))
    assert lq.same_sign_halves(pd.DataFrame({"net_sign": [-1, -1]}))
    # the halves are the same VAR as var_analysis on each part
    v = lq.var_analysis(halves(0.3, 0.3).loc[split:], maxlags=4)
    assert same.loc["from", "lag_sum"] == pytest.approx(stats.var_lag_sum(v, "liq_long", "ret")[0])


def _dollar_data(n: int = 1200, seed: int = 7) -> pd.DataFrame:
    """4h-like frame: small liquidations everywhere and three huge bars, each followed by a -3 % bar."""
    rng = np.random.default_rng(seed)
    idx = pd.date_range("2025-01-01", periods=n, freq="4h", tz="UTC")
    long_m = rng.exponential(1.0, n)
    big = [200, 500, 900]
    long_m[big] = [250.0, 120.0, 60.0]
    ret = rng.normal(0, 0.5, n)
    for i in big:
        ret[i + 1] -= 3.0
    return pd.DataFrame({"ret": ret, "liq_long_m": long_m, "liq_short_m": rng.exponential(1.0, n)}, index=idx)


def test_hf_chain_bootstrap_interval_and_p_follow_the_book_convention():
    rng = np.random.default_rng(13)
    n = 1500
    ret = rng.normal(size=n)
    liq = np.zeros(n)
    for t in range(1, n):
        liq[t] = 0.2 * liq[t - 1] - 0.8 * ret[t - 1] + rng.normal(scale=0.3)
    ret[2:] += -0.5 * liq[1:-1]  # ret(t+2) falls with liq_long(t+1)
    df = pd.DataFrame({"ret": ret, "liq_long": liq, "liq_short": rng.normal(size=n)})
    out = lq.hf_chain(df, n_boot=200)
    row = out.loc["a x b: ret(t) -> ret(t+2) via liq"]
    a, b = out.iloc[0]["coef"], out.iloc[1]["coef"]
    assert row["coef"] == pytest.approx(a * b) and 0 < row["ci_low"] < row["coef"] < row["ci_high"]
    assert row["p_value"] == pytest.approx(2 / 201)  # every draw above zero: the smallest p, 2 / (B + 1)
    assert out.equals(lq.hf_chain(df, n_boot=200))  # the book-wide seed


def test_bars_above_counts_large_bars():
    df = _dollar_data()
    c = lq.bars_above(df)
    assert (c["above US$ 100 m"], c["above US$ 50 m"], c["bars"]) == (2, 3, len(df))
    assert lq.bars_above(df, (200.0,))["above US$ 200 m"] == 1


def test_drop_top_k_refits_without_the_largest_bars():
    df = _dollar_data()
    t = lq.drop_top_k(df, (0, 1, 3, 5))
    full = lq.dollar_effect(df)
    assert list(t.index) == [0, 1, 3, 5]
    assert t.loc[0, "coef"] == pytest.approx(full["coef"]) and t.loc[0, "n"] == full["n"]
    assert np.isnan(t.loc[0, "smallest_dropped"])
    assert (t.loc[1, "n"], t.loc[3, "n"], t.loc[5, "n"]) == (full["n"] - 1, full["n"] - 3, full["n"] - 5)
    assert t.loc[1, "smallest_dropped"] == 250.0 and t.loc[3, "smallest_dropped"] == 60.0
    # the same as dropping those bars by hand
    top3 = df["liq_long_m"].nlargest(3).index
    assert t.loc[3, "coef"] == pytest.approx(lq.dollar_effect(df, exclude=top3)["coef"])
    # the effect lives in the three huge bars: significant with them, gone without them
    assert t.loc[0, "coef"] < 0 and t.loc[0, "p_value"] < 0.01
    assert t.loc[3, "p_value"] > 0.05
    # the unit follows per_usd_m
    assert lq.drop_top_k(df, (0,), per_usd_m=10.0).loc[0, "coef"] == pytest.approx(full["coef"] / 10)


# --- the chapter's estimates against its registry (study/02_liquidations.yaml) ----------------------------------
@pytest.fixture(scope="module")
def chapter():
    from unwind.panel import panel

    ev = lq.evidence(panel())
    return ev, lq.estimates_from(ev, study.book().alpha)


def _registered() -> dict[str, study.Hypothesis]:
    return {k: h for k, h in study.load().items() if h.source.endswith("02_liquidations.yaml")}


def test_estimates_cover_exactly_the_registered_ids(chapter):
    _, est = chapter
    hyps = _registered()
    assert all(h.chapter == "02_liquidations" for h in hyps.values())
    assert set(est) == {k for k, h in hyps.items() if h.rule != "composite"}
    assert set(est) == {
        "LIQ.H1.long",
        "LIQ.H1.short",
        "LIQ.H2.daily",
        "LIQ.H2.4h",
        "LIQ.H2s.daily",
        "LIQ.H3.daily",
        "LIQ.H4.feedback",
        "LIQ.amp.4h",
        "LIQ.oct10",
    }
    assert hyps["LIQ.loop"].rule == "composite" and hyps["LIQ.loop"].family == "summary"
    assert hyps["LIQ.loop"].components == ("LIQ.H2.daily", "LIQ.H2.4h", "LIQ.H4.feedback", "LIQ.amp.4h")


def test_estimates_carry_intervals_checks_and_families(chapter):
    _, est = chapter
    hyps = _registered()
    for k, e in est.items():
        h = hyps[k]
        assert set(e.checks) == set(h.requires), k
        if h.rule in ("signed_test", "signed_var"):
            assert h.sign in (-1, 1)
            assert e.interval == "95% CI" and e.low < e.value < e.high, k
            assert 0 <= e.p <= 1 and e.n > 100, k
        else:
            assert k == "LIQ.oct10" and h.rule == "threshold" and h.family == "descriptive"
            assert e.interval == "none" and 0 < e.value <= 1 and np.isnan(e.p)
    # same-period associations and ranks are descriptive; tests of the claim's mechanism are substantive
    assert {k for k, h in hyps.items() if h.family == "descriptive"} == {"LIQ.H1.long", "LIQ.H1.short", "LIQ.oct10"}
    assert hyps["LIQ.H2.4h"].requires == ("holds without 10/10", "holds in logs", "VAR confirms")
    assert hyps["LIQ.H3.daily"].requires == ("same sign at 4h",)
    assert hyps["LIQ.H4.feedback"].requires == (lq.SPLIT_CHECK,)


def test_feedback_check_splits_at_the_construction_change(chapter):
    ev, est = chapter
    split = study.registry.date("construction_change")
    assert lq.SPLIT_CHECK == f"same sign before and after {split:%Y-%m-%d}"
    halves = ev["fb_split"]
    assert halves.loc["before", "last"] < split <= halves.loc["from", "first"]
    assert halves.loc["before", "first"] == ev["daily"].index.min()
    assert est["LIQ.H4.feedback"].checks == {lq.SPLIT_CHECK: lq.same_sign_halves(halves)}
    # a decisive word needs the check: with it failed, the feedback row is neither supported nor contradicted
    table = study.decide(_registered(), est, study.book())
    if not lq.same_sign_halves(halves):
        assert table.loc["LIQ.H4.feedback", "verdict"] == "not supported"
        assert lq.SPLIT_CHECK in table.loc["LIQ.H4.feedback", "reason"]


def test_feedback_estimate_is_the_signed_sum_of_the_var_lags(chapter):
    ev, est = chapter
    e, h = est["LIQ.H4.feedback"], _registered()["LIQ.H4.feedback"]
    assert h.rule == "signed_var" and h.sign == -1  # the loop: a lower return today, more long liquidations later
    v = ev["var_d"]
    lag_sum, lo, hi = stats.var_lag_sum(v, "liq_long", "ret")
    direct = sum(v.model.params.loc[f"L{k}.ret", "liq_long"] for k in range(1, v.lag_order + 1))
    assert (e.value, e.low, e.high) == pytest.approx((lag_sum, lo, hi))
    assert np.sign(e.value) == np.sign(direct) == np.sign(lag_sum)
    wald = v.causality.set_index(["caused", "causing"]).loc[("liq_long", "ret"), "p_value"]
    assert e.p == pytest.approx(wald)


def test_amplification_is_stated_as_ratio_minus_one(chapter):
    ev, est = chapter
    e, amp = est["LIQ.amp.4h"], ev["amp"]
    assert (e.value, e.low, e.high) == pytest.approx((amp["ratio"] - 1, amp["ratio_low"] - 1, amp["ratio_high"] - 1))
    assert e.p == pytest.approx(ev["wald4"])


def test_estimates_decide_without_error(chapter):
    _, est = chapter
    hyps = _registered()
    table = study.decide(hyps, est, study.book())
    assert list(table.index) == list(hyps)
    assert table["verdict"].isin(study.WORDS).all()


def test_module_writes_no_verdict_words():
    import inspect

    src = inspect.getsource(lq)
    assert not any(w in src for w in ("supported", "contradicted", "stats.Verdict", "verdict_table"))
