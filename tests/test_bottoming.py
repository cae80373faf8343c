"""Hand-computed cases for the bottoming chapter's measurement functions (unwind.bottoming)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from unwind import bottoming as b
from unwind import study
from unwind.study.engine import bh_family
from unwind.study.rules import CANNOT, SUPPORTED, Context, signed_test


def _daily(values, start="2024-01-01") -> pd.Series:
    return pd.Series(values, index=pd.date_range(start, periods=len(values), freq="D"), dtype=float)


def test_forward_and_past_returns_are_log_percent():
    close = _daily([100, 110, 121, np.nan])
    fwd = b.forward_return_pct(close, 2)
    assert fwd.iloc[0] == pytest.approx(100 * np.log(1.21))
    assert np.isnan(fwd.iloc[1])  # end point missing -> missing, never filled
    past = b.past_return_pct(close, 1)
    assert past.iloc[1] == pytest.approx(100 * np.log(1.1))


def test_episode_ids_split_at_gap_of_30_days():
    s = _daily([0] * 100)
    s.iloc[[0, 1, 2, 31, 32, 62]] = 1  # day 31 is 29 days after day 2 -> same episode; day 62 is 30 after 32
    ids = b.episode_ids(s, gap=30)
    assert ids.iloc[[0, 1, 2, 31, 32]].tolist() == [1, 1, 1, 1, 1]
    assert ids.iloc[62] == 2
    assert ids.iloc[3] != ids.iloc[3]  # NaN on non-signal days
    ep = b.episodes(s, gap=30)
    assert ep["n_days"].tolist() == [5, 1]
    assert ep["start"].tolist() == [s.index[0], s.index[62]]
    assert ep["end"].tolist() == [s.index[32], s.index[62]]


def test_episodes_empty_and_missing_signal():
    s = _daily([np.nan, 0, 0])
    assert b.episodes(s).empty


def test_thin_starts_keeps_non_overlapping_windows():
    starts = pd.to_datetime(["2024-01-01", "2024-02-15", "2024-04-05", "2024-04-10"])
    kept = b.thin_starts(starts, 90)
    assert list(kept) == list(pd.to_datetime(["2024-01-01", "2024-04-05"]))


def test_difference_series_mean_is_difference_of_means():
    y = _daily([1, 2, 3, 10, 20])
    s = _daily([0, 0, 0, 1, 1])
    d = b.difference_series(y, s)
    assert d.mean() == pytest.approx(15 - 2)


def test_drawdown_from_rolling_high():
    x = _daily([10, 20, 15, 5, 30])
    dd = b.drawdown_from_rolling_high_pct(x, window=3)  # min_periods = 2
    assert np.isnan(dd.iloc[0])
    assert dd.iloc[2] == pytest.approx(-25.0)
    assert dd.iloc[3] == pytest.approx(-75.0)
    assert dd.iloc[4] == pytest.approx(0.0)


def test_liquidation_spike_uses_previous_days_median_and_window():
    liq = _daily([1.0] * 10 + [6.0] + [1.0] * 10)
    spike = b.liquidation_spike(liq, window=6, ratio=5, within=3)
    assert spike.iloc[9] == 0
    assert spike.iloc[10] == 1  # 6 >= 5 x median(1)
    assert spike.iloc[12] == 1  # still within 3 days
    assert spike.iloc[13] == 0
    assert np.isnan(spike.iloc[0])  # no yardstick yet
    liq.iloc[15] = np.nan
    assert np.isnan(b.liquidation_spike(liq, window=6, ratio=5, within=3).iloc[15])


def test_outcome_drawdown_and_recovery():
    close = _daily([100, 90, 80, 95, 101, 70])
    o = b.outcome(close, close.index[0], horizons=(1, 4, 10), window_days=4)
    assert o["chg_1d_pct"] == pytest.approx(-10.0)
    assert o["chg_4d_pct"] == pytest.approx(1.0)
    assert np.isnan(o["chg_10d_pct"])
    assert o["max_dd_pct"] == pytest.approx(-20.0)  # the day-5 close of 70 is outside the 4-day window
    assert o["low_date"] == close.index[2]
    assert o["days_to_recover"] == 4
    o_all = b.outcome(close, close.index[0], horizons=(1,))
    assert o_all["max_dd_pct"] == pytest.approx(-30.0)
    assert pd.isna(o_all["recovered"])  # not back at 100 after the low of 70


def test_outcome_never_below_entry():
    close = _daily([100, 105, 110])
    o = b.outcome(close, close.index[0], horizons=(1,))
    assert o["max_dd_pct"] == 0.0
    assert o["days_to_recover"] == 0


def test_signal_forward_test_finds_a_planted_effect():
    n = 600
    rng = np.random.default_rng(1)
    idx = pd.date_range("2019-01-01", periods=n, freq="D")
    sig = pd.Series(0.0, index=idx)
    for start in range(50, 550, 100):
        sig.iloc[start : start + 5] = 1
    fwd = pd.Series(rng.normal(0, 1, n), index=idx) + 10 * sig
    frame = pd.DataFrame({"fwd_30": fwd, "sig": sig})
    t = b.signal_forward_test(frame, "sig", 30, end=idx[-1] + pd.Timedelta(days=30), n_boot=200)
    assert t.n_episodes == 5
    assert t.diff == pytest.approx(fwd[sig == 1].mean() - fwd[sig == 0].mean())
    assert t.hac_p < 0.01 and t.boot_low > 0
    assert t.n_episodes_nonoverlap == 5
    # as an Estimate: HAC CI, bootstrap and episode checks; the registered rule supports it on its raw p
    e = b.signal_estimate(t, what="planted", sample="synthetic")
    assert (e.value, e.low, e.high, e.p) == (t.diff, t.hac_low, t.hac_high, t.hac_p)
    assert e.checks == {b.CHECK_BOOT: True, b.CHECK_EPISODES: True}
    h = study.load()["BOTTOM.H1.30d"]
    assert signed_test(h, e, Context(p_adjusted=e.p)).word == SUPPORTED


def test_failed_bootstrap_check_is_named_in_the_reason():
    """The first edition's "partly supported" (HAC significant, bootstrap not) is now not supported, with a reason."""
    t = b.SignalTest("sig", 30, 500, 20, 4, 5.0, 1.0, 4.0, 1.0, 7.0, 0.01, 30, np.nan, np.nan, 4, 2.0, 0.2, 0.75)
    e = b.signal_estimate(t, what="x", sample="y")
    assert e.checks[b.CHECK_BOOT] is False  # no bootstrap interval: the check fails, it is not skipped
    d = signed_test(study.load()["BOTTOM.H2.180d"], e, Context(p_adjusted=0.01))
    assert d.word == "not supported" and b.CHECK_BOOT in d.reason


def _test(n_days=500, lags=30, nonoverlap=4, diff=4.0):
    return b.SignalTest(
        "sig", lags, n_days, 20, nonoverlap, 5.0, 1.0, diff, 1.0, 7.0, 1e-6, lags, 2.0, 6.0, nonoverlap, 2.0, 0.01, 0.75
    )


def test_one_episode_cannot_be_checked_and_leaves_the_family():
    """One non-overlapping episode is one draw: no interval, no p, "cannot be checked", out of the BH family."""
    t = _test(nonoverlap=1)
    assert "one non-overlapping episode" in b.degenerate(t)
    e = b.signal_estimate(t, what="x", sample="y")
    assert e.missing and np.isnan(e.p) and e.interval == "none" and np.isnan(e.low)
    assert e.value == t.diff  # the difference of means is still shown
    h = study.load()["BOTTOM.H1.30d"]
    assert signed_test(h, e, Context(p_adjusted=np.nan)).word == CANNOT
    fam = bh_family({"a": h, "b": h}, {"a": e, "b": b.signal_estimate(_test(), what="x", sample="y")})
    assert np.isnan(fam["a"]) and fam["b"] == pytest.approx(1e-6)
    assert "no non-overlapping episodes" in b.degenerate(_test(nonoverlap=0))


def test_hac_lags_of_half_the_sample_cannot_be_checked():
    assert b.degenerate(_test(n_days=94, lags=180)).startswith("HAC lags (180")
    assert b.degenerate(_test(n_days=360, lags=180))  # exactly half: fewer than two windows
    assert b.degenerate(_test(n_days=361, lags=180)) == ""
    e = b.signal_estimate(_test(n_days=305, lags=180), what="x", sample="y")
    assert e.missing and np.isnan(e.p)


def _model_frame(n: int = 600, seed: int = 12) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    idx = pd.date_range("2022-01-01", periods=n, freq="D")
    f = pd.DataFrame(index=idx)
    f["fng"] = rng.uniform(5, 95, n)
    for c in (*b.EXHAUSTION,):
        f[c] = (rng.uniform(size=n) < 0.3).astype(float)
    f["past_ret_30"] = rng.normal(size=n)
    f["vol_30"] = rng.uniform(1, 3, n)
    f["fwd_5"] = rng.normal(size=n) - 0.05 * (f["fng"] - 50) + 2 * f["oi_exhausted"]
    return f


def test_exhaustion_wald_string_constraints_equal_the_restriction_matrix():
    f = _model_frame()
    end = f.index[-1]
    out = b.exhaustion_wald(f, 5, end=end)
    res = b.fit_logit(f, 5, ["fng", *b.EXHAUSTION, *b.MODEL_CONTROLS], end=end)
    R = np.zeros((len(b.EXHAUSTION), len(res.params)))
    for i, term in enumerate(b.EXHAUSTION):
        R[i, list(res.params.index).index(term)] = 1
    w = res.wald_test(R, scalar=True)
    assert out["chi2"] == pytest.approx(float(w.statistic)) and out["p_value"] == pytest.approx(float(w.pvalue))
    assert out["df"] == 4 and out["p_value"] < 0.01  # oi_exhausted carries a planted effect


def test_quantreg_block_ci_covers_the_median_slope_and_is_reproducible():
    f = _model_frame()
    end = f.index[-1]
    lo, hi = b.quantreg_block_ci(f, 5, ["fng", *b.MODEL_CONTROLS], 0.5, "fng_per10", end=end, n_boot=60)
    assert lo < -0.5 < hi  # the planted slope is -0.05 per point = -0.5 per 10 points
    assert (lo, hi) == b.quantreg_block_ci(f, 5, ["fng", *b.MODEL_CONTROLS], 0.5, "fng_per10", end=end, n_boot=60)


def test_h3_count_reads_any_day_and_unobserved_as_not_fired():
    window = pd.date_range("2025-11-14", periods=3, freq="D")
    frame = pd.DataFrame(
        {
            "fear_le_10": [0, 1, 0],
            "oi_exhausted": [1, np.nan, np.nan],
            "funding_negative": [0, np.nan, np.nan],
            "liq_spike": [np.nan] * 3,
            "deep_drawdown": [0, 0, 1],
        },
        index=window,
        dtype=float,
    )
    e = b.h3_count(frame, window)
    assert e.value == 3 and e.interval == "none" and np.isnan(e.p)
    assert e.unit == "signals of 5"
    assert "at most 1 on any one day" in e.method
    assert set(e.readings) == set(b.H3_SIGNALS)
    assert e.readings["fear_le_10"] == {"2025-11-14": 0.0, "2025-11-15": 1.0, "2025-11-16": 0.0}


# --- the chapter's estimates against its registry ---------------------------------------------------------


@pytest.fixture(scope="module")
def chapter_estimates():
    from unwind.panel import panel

    return b.estimates(panel())


def _registered() -> dict[str, study.Hypothesis]:
    return {k: h for k, h in study.load().items() if h.source.endswith("05_bottoming.yaml")}


def test_estimates_cover_exactly_the_registered_ids(chapter_estimates):
    hyps = _registered()
    estimated = {k for k, h in hyps.items() if h.rule != "composite"}
    assert set(chapter_estimates) == estimated
    assert estimated == {f"BOTTOM.H{i}.{h}d" for i in (1, 2) for h in b.HORIZONS} | {"BOTTOM.H3"}
    assert {"BOTTOM.H1", "BOTTOM.H2"} == {k for k, h in hyps.items() if h.rule == "composite"}
    assert not any(k.startswith("C") for k in chapter_estimates)  # the call is ledger claim C18, not ours
    assert all(h.chapter == "05_bottoming" for h in hyps.values())


def test_estimates_carry_their_checks_intervals_and_signs(chapter_estimates):
    hyps = _registered()
    # the only in-sample signal test without a sampling interval: 180 HAC lags on 305 fear days (review, 2nd ed.)
    assert {k for k, e in chapter_estimates.items() if e.missing} == {"BOTTOM.H2.180d"}
    for k, e in chapter_estimates.items():
        h = hyps[k]
        if h.rule == "signed_test" and e.missing:
            assert e.missing.startswith("HAC lags") and e.interval == "none" and np.isnan(e.p)
            assert set(h.requires) == set(e.checks)
        elif h.rule == "signed_test":
            assert h.sign == 1 and h.family == "substantive"
            assert e.interval == "95% CI" and e.low < e.value < e.high
            assert 0 <= e.p <= 1 and e.unit == "pp (log %)"
            assert set(h.requires) == set(e.checks) == {b.CHECK_BOOT, b.CHECK_EPISODES}
        else:
            assert k == "BOTTOM.H3" and h.rule == "threshold" and h.family == "descriptive"
            assert e.interval == "none" and np.isnan(e.p) and 0 <= e.value <= len(b.H3_SIGNALS)


def test_estimates_decide_without_error(chapter_estimates):
    hyps = _registered()
    table = study.decide(hyps, chapter_estimates, study.book())
    assert list(table.index) == list(hyps)
    assert table["verdict"].isin(study.WORDS).all()


def test_fit_end_is_the_registry_date():
    assert b.FIT_END == study.registry.date("fit_end")
    assert (b.AS_OF_WINDOW == study.book().as_of_window).all()
