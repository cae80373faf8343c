"""Unit tests for the gold chapter's measurements (unwind.gold), on small hand-computed cases."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from scipy import stats as sps

from unwind import gold, study

DAYS = pd.date_range("2025-01-02", "2025-01-07", freq="D")  # Thu .. Tue


def test_align_returns_spans_the_weekend_and_skips_a_holiday():
    btc = pd.Series([100, 110, 120, 130, 121, 133.1], index=DAYS)
    asset = pd.DataFrame(
        {"gold": [50, 50, np.nan, np.nan, 55, np.nan], "y10": [4.00, 4.10, np.nan, np.nan, 4.25, np.nan]}, index=DAYS
    )
    clock = pd.Series("c", index=DAYS)
    r = gold.align_returns(btc, clock, asset, diff_cols={"y10"})
    # Thu->Fri and Fri->Mon only; Tuesday (asset holiday) has no row, nothing is filled
    assert list(r.index) == [pd.Timestamp("2025-01-03"), pd.Timestamp("2025-01-06")]
    assert r.loc["2025-01-06", "btc"] == pytest.approx(100 * np.log(121 / 110))
    assert r.loc["2025-01-06", "gold"] == pytest.approx(100 * np.log(1.1))
    assert r.loc["2025-01-03", "gold"] == 0.0
    assert r["y10"].tolist() == pytest.approx([0.10, 0.15])
    assert r["calendar_days"].tolist() == [1, 3]
    assert r.loc["2025-01-06", "start"] == pd.Timestamp("2025-01-03")


def test_align_returns_drops_a_return_whose_ends_use_different_clocks():
    btc = pd.Series([100, 110, 120, 130, 121, 133.1], index=DAYS)
    asset = pd.DataFrame({"gold": [50, 51, np.nan, np.nan, 52, 53]}, index=DAYS)
    clock = pd.Series(["utc"] * 4 + ["ny"] * 2, index=DAYS)
    r = gold.align_returns(btc, clock, asset)
    assert list(r.index) == [pd.Timestamp("2025-01-03"), pd.Timestamp("2025-01-07")]
    assert r.loc["2025-01-07", "btc"] == pytest.approx(100 * np.log(1.1))


def test_btc_at_us_close_prefers_the_16h_price_and_names_the_clock():
    p = pd.DataFrame(
        {"btc_usclose_usdt": [np.nan, 101.0, np.nan], "btc_close_usd": [99.0, 102.0, 103.0]}, index=DAYS[:3]
    )
    b = gold.btc_at_us_close(p)
    assert b["btc_usd"].tolist() == [99.0, 101.0, 103.0]
    assert b["clock"].tolist() == [gold.UTC_CLOCK, gold.US_CLOCK, gold.UTC_CLOCK]


def test_boot_p_two_sided():
    assert gold.boot_p_two_sided(np.ones(999)) == pytest.approx(2 / 1000)
    assert gold.boot_p_two_sided(np.r_[-np.ones(500), np.ones(500)]) == 1.0
    assert gold.boot_p_two_sided(np.r_[-np.ones(50), np.ones(950)]) == pytest.approx(2 * 51 / 1001)


def test_corr_table_perfect_and_known_beta():
    x = pd.Series(np.sin(np.arange(60.0)), index=pd.date_range("2024-01-01", periods=60))
    df = pd.DataFrame({"btc": 2 * x + 1, "g": x})
    t = gold.corr_table(df, "btc", ["g"], n_boot=200)
    assert t.loc["g", "r"] == pytest.approx(1.0)
    assert t.loc["g", "beta"] == pytest.approx(2.0)
    assert t.loc["g", "boot_low"] == pytest.approx(1.0)
    assert t.loc["g", "n"] == 60


def test_strongest_pair_test_finds_the_stronger_pair():
    rng = np.random.default_rng(1)
    n = 300
    e = rng.normal(size=n)
    df = pd.DataFrame(
        {"btc": e, "gold": rng.normal(size=n), "ndx": e + 0.5 * rng.normal(size=n), "dxy": rng.normal(size=n)},
        index=pd.date_range("2024-01-01", periods=n),
    )
    h = gold.strongest_pair_test(df, "gold", ["ndx", "dxy"], n_boot=300)
    assert h["best_other"] == "ndx"
    assert h["diff"] < 0 and h["ci_high"] < 0 and h["p_value"] < 0.05


def test_strongest_pair_bootstrap_reselects_the_best_other_pair_in_every_draw():
    # two other pairs equally correlated with BTC: which one is the strongest changes from draw to draw
    rng = np.random.default_rng(11)
    n = 250
    e = rng.normal(size=n)
    df = pd.DataFrame(
        {
            "btc": e,
            "gold": 0.3 * e + rng.normal(size=n),
            "a": e + 1.2 * rng.normal(size=n),
            "b": e + 1.2 * rng.normal(size=n),
            "c": rng.normal(size=n),
        },
        index=pd.date_range("2024-01-01", periods=n),
    )
    others = ["a", "b", "c"]
    draws = gold.strongest_pair_draws(df, "gold", others, n_boot=400)
    share = draws["best_other"].value_counts(normalize=True)
    assert share.get("a", 0) > 0.1 and share.get("b", 0) > 0.1  # the best pair differs between draws
    # by hand: the same blocks for every pair, the largest |r| of the others in each draw
    a = gold.boot_corrs(df, "btc", ["gold", *others], n_boot=400).abs()
    assert np.allclose(draws["diff"], a["gold"] - a[others].max(axis=1))
    assert (draws["best_other"] == a[others].idxmax(axis=1)).all()
    # the old test (best other fixed on the full sample) compares with one pair in every draw: never smaller
    r = df.corr()["btc"]
    fixed = max(others, key=lambda k: abs(r[k]))
    assert (draws["diff"] <= a["gold"] - a[fixed] + 1e-15).all()
    assert (draws["diff"] < a["gold"] - a[fixed]).any()
    h = gold.strongest_pair_test(df, "gold", others, n_boot=400)
    assert h["best_other"] == fixed and h["diff"] == pytest.approx(abs(r["gold"]) - abs(r[fixed]))
    assert (h["ci_low"], h["ci_high"]) == pytest.approx(tuple(np.quantile(draws["diff"], [0.025, 0.975])))
    assert h["p_value"] == pytest.approx(gold.boot_p_two_sided(draws["diff"]))
    assert sum(h["best_share"].values()) == pytest.approx(1.0) and set(h["best_share"]) == set(others)
    # the target's draws are those of the single-pair resampler with the same seed (same blocks)
    assert np.allclose(draws["target"], gold.boot_corrs(df, "btc", ["gold"], n_boot=400)["gold"].abs())


def test_corr_change_matches_the_fisher_formula():
    rng = np.random.default_rng(2)
    a = pd.DataFrame(rng.normal(size=(120, 2)), columns=["x", "y"])
    a["y"] += 0.8 * a["x"]
    b = pd.DataFrame(rng.normal(size=(40, 2)), columns=["x", "y"])
    c = gold.corr_change(a, b, "x", "y", n_boot=200)
    r1, r2 = np.corrcoef(a["x"], a["y"])[0, 1], np.corrcoef(b["x"], b["y"])[0, 1]
    z = (np.arctanh(r2) - np.arctanh(r1)) / np.sqrt(1 / 117 + 1 / 37)
    assert c["p_value"] == pytest.approx(2 * sps.norm.sf(abs(z)))
    assert c["diff"] == pytest.approx(r2 - r1)
    assert c["ci_low"] < c["diff"] < c["ci_high"]
    assert c["ci_high"] < 0  # a correlation of ~0.6 falling to ~0 is detected


def test_ewma_corr_by_hand():
    x = pd.Series([1.0, 1.0])
    y = pd.Series([1.0, -1.0])
    # lam = 0.5: cov_2 = 0.5*1 + 0.5*(-1) = 0, variances stay 1
    assert gold.ewma_corr(x, y, lam=0.5).tolist() == pytest.approx([1.0, 0.0])
    z = pd.Series(np.arange(1.0, 11.0))
    assert gold.ewma_corr(z, -3 * z).iloc[-1] == pytest.approx(-1.0)


def test_rolling_corr_window_is_in_common_days():
    idx = pd.date_range("2024-01-01", periods=40)
    df = pd.DataFrame({"btc": np.sin(np.arange(40.0)), "g": np.sin(np.arange(40.0))}, index=idx)
    df.loc[idx[5], "g"] = np.nan
    rc = gold.rolling_corr(df, "btc", ["g"], windows=(30,))
    assert len(rc) == 39 - 29  # 39 common days, first full window at the 30th
    assert rc["r"].round(6).eq(1).all() and rc["beta"].round(6).eq(1).all()


def test_monthly_corr_ranks_by_absolute_value():
    idx = pd.date_range("2024-01-01", periods=120)
    x = np.sin(np.arange(120.0))
    rng = np.random.default_rng(3)
    df = pd.DataFrame({"btc": x, "a": -x, "b": x + rng.normal(size=120)}, index=idx)
    m = gold.monthly_corr(df, "btc", ["a", "b"], window=30, start="2024-02-01")
    assert (m.loc[m["pair"] == "a", "rank"] == 1).all()
    assert (m.loc[m["pair"] == "a", "r"].round(6) == -1).all()


def test_chow_detects_a_slope_break_and_its_f_matches_the_hand_formula():
    rng = np.random.default_rng(4)
    n = 200
    idx = pd.bdate_range("2025-01-01", periods=n)
    x = rng.normal(size=n)
    post = idx >= idx[150]
    y = np.where(post, -1.0, 1.0) * x + 0.3 * rng.normal(size=n)
    df = pd.DataFrame({"y": y, "x": x}, index=idx)
    c = gold.chow_test(df, "y", ["x"], idx[150])
    assert c["n_pre"] == 150 and c["n_post"] == 50
    assert c["change_x"] == pytest.approx(-2, abs=0.2) and c["change_x_p"] < 1e-6
    # classical Chow F from the pooled and the two sub-sample fits
    X = np.c_[np.ones(n), x]
    ssr = lambda yy, xx: float(((yy - xx @ np.linalg.lstsq(xx, yy, rcond=None)[0]) ** 2).sum())  # noqa: E731
    s_p, s_1, s_2 = ssr(y, X), ssr(y[~post], X[~post]), ssr(y[post], X[post])
    f = ((s_p - s_1 - s_2) / 2) / ((s_1 + s_2) / (n - 4))
    assert c["f_stat"] == pytest.approx(f)
    stable = df.assign(y=x + 0.3 * rng.normal(size=n))
    assert gold.chow_test(stable, "y", ["x"], idx[150])["f_p"] > 0.01


def test_chow_wald_string_constraints_equal_the_restriction_matrix():
    # the HAC Wald test of the break terms, stated as "post = 0, post_x_... = 0", with the book's hyphenated names
    rng = np.random.default_rng(8)
    n = 240
    idx = pd.bdate_range("2025-01-01", periods=n)
    df = pd.DataFrame(rng.normal(size=(n, 3)), columns=["btc", "gold", "Nasdaq-100"], index=idx)
    df["btc"] += 0.5 * df["gold"] * (idx >= idx[180])
    c = gold.chow_test(df, "btc", ["gold", "Nasdaq-100"], idx[180], maxlags=3)
    post = (idx >= idx[180]).astype(float)
    g, q = df["gold"], df["Nasdaq-100"]
    X = sm.add_constant(pd.DataFrame({"g": g, "q": q, "p": post, "pg": post * g, "pq": post * q}))
    hac = sm.OLS(df["btc"], X).fit(cov_type="HAC", cov_kwds={"maxlags": 3})
    R = np.zeros((3, 6))
    R[0, 3], R[1, 4], R[2, 5] = 1, 1, 1
    w = hac.wald_test(R, scalar=True)
    assert c["wald_stat"] == pytest.approx(float(w.statistic)) and c["wald_p"] == pytest.approx(float(w.pvalue))


def test_corr_table_fisher_interval_is_scipys():
    rng = np.random.default_rng(9)
    df = pd.DataFrame(rng.normal(size=(80, 2)), columns=["btc", "g"])
    df["g"] += 0.4 * df["btc"]
    t = gold.corr_table(df, "btc", ["g"], n_boot=50)
    ci = sps.pearsonr(df["btc"], df["g"]).confidence_interval()
    assert (t.loc["g", "fisher_low"], t.loc["g", "fisher_high"]) == pytest.approx((ci.low, ci.high))
    assert t.loc["g", "block"] >= gold.MIN_BLOCK


def test_cusum_flags_a_mean_shift_but_not_noise():
    rng = np.random.default_rng(5)
    n = 300
    idx = pd.bdate_range("2024-01-01", periods=n)
    x = rng.normal(size=n)
    noise = pd.DataFrame({"y": x + rng.normal(size=n), "x": x}, index=idx)
    shifted = noise.assign(y=noise["y"] + np.where(np.arange(n) < 150, 1.0, -1.0))
    assert gold.cusum_test(noise, "y", ["x"])["p_value"] > 0.05
    assert gold.cusum_test(shifted, "y", ["x"])["p_value"] < 0.001


def test_relative_performance_by_hand_and_weekend_levels():
    fri, sat, mon = pd.Timestamp("2025-11-14"), pd.Timestamp("2025-11-15"), pd.Timestamp("2025-11-17")
    base = pd.Timestamp("2025-10-10")
    btc = pd.Series({base: 100.0, fri: 80.0, sat: 75.0, mon: 70.0})
    gld = pd.Series({base: 100.0, fri: 104.0, mon: 110.0})
    rp = gold.relative_performance(btc, gld, [base], [fri, sat, mon], asset_last_close=True)
    # Saturday: BTC -25 %, gold still at its Friday close (+4 %) -> -29 pp
    assert rp["gap_pp"].tolist() == pytest.approx([-24.0, -29.0, -40.0])
    strict = gold.relative_performance(btc, gld, [base], [fri, sat, mon])
    assert strict["as_of"].tolist() == [fri, mon]  # no gold close on Saturday: no row


def test_mean_gap_test_sums_the_daily_gap():
    idx = pd.bdate_range("2025-10-13", periods=20)
    r = pd.DataFrame({"btc": np.r_[-1.0, -3.0].repeat(10), "gold": 0.0}, index=idx)
    t = gold.mean_gap_test(r, "btc", "gold")
    assert t["n"] == 20 and t["sum_pp"] == pytest.approx(-40.0) and t["mean_pp"] == pytest.approx(-2.0)
    assert t["sum_low"] < -40 < t["sum_high"]


def test_weekly_returns_sum_daily_log_returns_and_drop_short_weeks():
    idx = pd.bdate_range("2025-11-03", "2025-11-21")  # three Mon-Fri weeks
    r = pd.DataFrame({"btc": 1.0, "gold": -0.5}, index=idx).drop(idx[[5, 6]])  # week 2 has 3 days
    w = gold.weekly_returns(r, ["btc", "gold"])
    assert list(w.index) == [pd.Timestamp("2025-11-07"), pd.Timestamp("2025-11-21")]
    assert w["btc"].tolist() == [5.0, 5.0] and w["gold"].tolist() == [-2.5, -2.5]


def test_pair_returns_rejects_an_unknown_clock():
    p = pd.DataFrame({"btc_close_usd": [1.0], "btc_usclose_usdt": [1.0], "gold_close_usd": [1.0]}, index=DAYS[:1])
    with pytest.raises(ValueError, match="clock"):
        gold.pair_returns(p, {"gold": "gold_close_usd"}, clock="tokyo")


def test_chart_frame_keeps_the_last_row_per_week_and_series():
    d = pd.DataFrame(
        {
            "date": list(pd.bdate_range("2025-11-03", periods=10)) * 2,
            "pair": ["a"] * 10 + ["b"] * 10,
            "r": np.arange(20) / 3,
            "extra": 1,
        }
    )
    out = gold.chart_frame(d, ["date", "pair", "r"], weekly_on="date")
    assert list(out.columns) == ["date", "pair", "r"] and len(out) == 4
    assert out["date"].dt.day_of_week.eq(4).all()  # Fridays
    assert out["r"].tolist() == [1.333, 3.0, 4.667, 6.333]


# --------------------------------------------------------------------------- estimates() against the registry
def _registered() -> dict[str, study.Hypothesis]:
    return {k: h for k, h in study.load().items() if h.source.endswith("04_gold.yaml")}


@pytest.fixture(scope="module")
def chapter_estimates() -> dict[str, study.Estimate]:
    from unwind.panel import panel

    return gold.estimates(panel())


def test_estimates_cover_exactly_the_registered_ids(chapter_estimates):
    hyps = _registered()
    assert set(hyps) == {"GOLD.H1", "GOLD.H2.corr", "GOLD.H2.chow", "GOLD.H2.cusum"}
    assert set(chapter_estimates) == set(hyps)
    assert all(h.chapter == "04_gold" for h in hyps.values())
    # the ledger claims this chapter shows are not registered a second time here
    assert not {"C12", "C13", "C17"} & set(hyps)


def test_estimates_intervals_signs_and_families(chapter_estimates):
    hyps = _registered()
    for k, e in chapter_estimates.items():
        if hyps[k].rule == "signed_test":
            assert e.interval == "95% CI" and e.low <= e.value <= e.high, k
            assert 0 <= e.p <= 1, k
    # the two tests of "decoupled" are substantive; the rank statement and the unsigned CUSUM are descriptive
    assert {k for k, h in hyps.items() if h.family == "substantive"} == {"GOLD.H2.corr", "GOLD.H2.chow"}
    assert hyps["GOLD.H1"].family == "descriptive"
    cusum = chapter_estimates["GOLD.H2.cusum"]
    assert cusum.interval == "none" and hyps["GOLD.H2.cusum"].family == "descriptive"
    assert hyps["GOLD.H1"].sign == 1 and hyps["GOLD.H2.corr"].sign == -1 and hyps["GOLD.H2.chow"].sign == -1


def test_corr_estimate_is_post_minus_pre(chapter_estimates):
    from unwind.panel import panel

    s = gold.samples(panel())
    r_pre = s["pre"]["btc"].corr(s["pre"]["gold"])
    r_post = s["post"]["btc"].corr(s["post"]["gold"])
    e = chapter_estimates["GOLD.H2.corr"]
    assert e.value == pytest.approx(r_post - r_pre)
    assert np.sign(e.value) == np.sign(r_post - r_pre)
    assert e.n == len(s["pre"]) + len(s["post"])


def test_cusum_threshold_is_the_5pct_critical_value_of_its_p(chapter_estimates):
    h = _registered()["GOLD.H2.cusum"]
    assert h.rule == "threshold" and h.sign == 1
    assert h.threshold == pytest.approx(sps.kstwobign.isf(0.05), abs=1e-6)
    e = chapter_estimates["GOLD.H2.cusum"]
    assert (e.value >= h.threshold) == (e.p <= 0.05)


def test_estimates_decide_without_error(chapter_estimates):
    hyps = _registered()
    t = study.decide(hyps, chapter_estimates, study.book())
    assert set(t.index) == set(hyps) and t["verdict"].isin(study.WORDS).all()
    # the rank statement is outside the BH family: no adjusted p
    assert np.isnan(t.loc["GOLD.H1", "p_bh"]) and np.isfinite(t.loc["GOLD.H2.corr", "p_bh"])


def test_post_period_ends_at_fit_end(chapter_estimates):
    from unwind import events
    from unwind.panel import panel
    from unwind.study import registry

    fit_end = registry.date("fit_end")
    assert gold.POST_END == events.FIT_END == fit_end == pd.Timestamp("2025-11-20")
    s = gold.samples(panel())
    assert s["post"].index.max() == fit_end and s["both"].index.max() == fit_end
    assert s["post"].index.min() == events.CRASH and s["pre"].index.max() < events.CRASH
    for k in ("GOLD.H2.corr", "GOLD.H2.chow", "GOLD.H2.cusum"):
        assert f"{fit_end:%Y-%m-%d}" in chapter_estimates[k].sample, k
        assert "2025-11-21" not in chapter_estimates[k].sample, k
    assert "2025-11-21" not in _registered()["GOLD.H2.corr"].sample


def test_module_writes_no_verdict_words():
    import inspect

    src = inspect.getsource(gold)
    for word in ("supported", "contradicted", "Verdict", "verdict_table"):
        assert word not in src, word


def test_pair_ranking_orders_by_absolute_correlation_and_brackets_the_rank():
    rng = np.random.default_rng(6)
    n = 300
    idx = pd.bdate_range("2024-01-01", periods=n)
    e = rng.normal(size=n)
    df = pd.DataFrame(
        {
            "btc_close_usd": 100 * np.exp(np.cumsum(e) / 100),
            "btc_usclose_usdt": np.nan,
            "a": 100 * np.exp(np.cumsum(-e + 0.3 * rng.normal(size=n)) / 100),
            "b": 100 * np.exp(np.cumsum(rng.normal(size=n)) / 100),
        },
        index=idx,
    )
    t = gold.pair_ranking(df, pairs={"a": "a", "b": "b"}, start=idx[0], end=idx[-1], n_boot=200)
    assert list(t.index) == ["a", "b"] and t["rank"].tolist() == [1, 2]
    assert t.loc["a", "r"] < -0.5  # ranked by |r|: a strong negative pair is the strongest
    assert t.loc["a", "rank_low"] == t.loc["a", "rank_high"] == 1 and t.loc["a", "share_first"] == 1.0
    assert t.attrs["n_pairs"] == 2 and (t["n"] == n - 1).all()


def test_pair_ranking_default_is_the_chapter_pair_set():
    from unwind.panel import panel

    t = gold.pair_ranking(panel())
    assert set(t.index) == set(gold.PAIRS) and t.attrs["n_pairs"] == len(gold.PAIRS)
    assert set(t.index[:2]) == {"Nasdaq-100", "S&P 500"}
    assert 1 < t.loc["gold", "rank"] <= len(gold.PAIRS)
