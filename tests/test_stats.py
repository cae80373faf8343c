import numpy as np
import pandas as pd
import pytest

from unwind import config, stats


def test_newey_west_rule():
    assert stats.newey_west_lags(100) == 4 and stats.newey_west_lags(1000) == 6


def test_bh_adjust_hand_computed():
    p = pd.Series([0.01, 0.04, 0.03, np.nan, 0.20])
    adj = stats.bh_adjust(p)
    # sorted 0.01, 0.03, 0.04, 0.20 with m = 4: 0.04, 0.0533, 0.0533, 0.20
    assert adj.iloc[0] == pytest.approx(0.04)
    assert adj.iloc[1] == pytest.approx(0.04 * 4 / 3) and adj.iloc[2] == pytest.approx(0.04 * 4 / 3)
    assert np.isnan(adj.iloc[3]) and adj.iloc[4] == pytest.approx(0.20)


def test_corr_ci_is_fisher_z_from_scipy():
    rng = np.random.default_rng(5)
    x = rng.normal(size=103)
    y = 0.5 * x + rng.normal(size=103)
    lo, hi = stats.corr_ci(x, y)
    r = np.corrcoef(x, y)[0, 1]
    q = 1.959964 / np.sqrt(100)
    assert lo == pytest.approx(np.tanh(np.arctanh(r) - q), abs=1e-6)
    assert hi == pytest.approx(np.tanh(np.arctanh(r) + q), abs=1e-6)
    lo2, hi2 = stats.corr_ci(np.r_[x, x, x], np.r_[y, y, y] + rng.normal(scale=1e-9, size=309))
    assert lo2 < r < hi2 and hi2 - lo2 < hi - lo
    assert np.isnan(stats.corr_ci([1.0, 2.0, 3.0], [1.0, 3.0, 2.0])[0])  # fewer than four pairs


def test_hac_ols_recovers_slope_and_states_lags():
    rng = np.random.default_rng(0)
    x = pd.Series(rng.normal(size=400))
    y = 1.5 + 2.0 * x + pd.Series(rng.normal(scale=0.1, size=400))
    res = stats.hac_ols(y.rename("y"), x.rename("x"), maxlags=3)
    assert res.params["x"] == pytest.approx(2.0, abs=0.02) and res.hac_lags == 3


def test_local_projection_finds_a_delayed_effect():
    rng = np.random.default_rng(1)
    shock = pd.Series(rng.normal(size=600))
    y = 0.5 * shock.shift(2).fillna(0) + pd.Series(rng.normal(scale=0.05, size=600))
    lp = stats.local_projections(y, shock, range(4), cumulative=False)
    assert lp.loc[2, "beta"] == pytest.approx(0.5, abs=0.02)
    assert abs(lp.loc[1, "beta"]) < 0.05 and lp.loc[3, "hac_lags"] >= 4


def test_var_granger_detects_the_true_direction():
    rng = np.random.default_rng(2)
    n = 800
    a = rng.normal(size=n)
    b = np.zeros(n)
    for t in range(1, n):
        b[t] = 0.6 * a[t - 1] + rng.normal(scale=0.5)
    res = stats.var_granger(pd.DataFrame({"a": a, "b": b}), maxlags=4)
    c = res.causality.set_index(["caused", "causing"])["p_value"]
    assert c[("b", "a")] < 1e-6 and c[("a", "b")] > 0.01


def test_block_bootstrap_interval_covers_the_mean():
    x = pd.Series(np.random.default_rng(3).normal(loc=1.0, size=300))
    lo, hi = stats.block_bootstrap_mean(x, block=10, n_boot=500)
    assert lo < 1.0 < hi and hi - lo < 0.5
    assert (lo, hi) == stats.block_bootstrap_mean(x, block=10, n_boot=500)  # the book-wide seed: reproducible
    assert np.isnan(stats.block_bootstrap_mean(x.iloc[:15], block=10)[0])  # fewer than two blocks


def test_block_bootstrap_block_length_seed_and_p_convention():
    rng = np.random.default_rng(6)
    e = rng.normal(size=2000)
    ar = np.zeros(2000)
    for t in range(1, 2000):
        ar[t] = 0.9 * ar[t - 1] + e[t]
    persistent = stats.block_bootstrap(np.mean, ar, n_boot=50)
    white = stats.block_bootstrap(np.mean, e, n_boot=50)
    assert persistent.block > white.block >= 1  # Politis-White: longer blocks for a persistent series
    assert stats.block_bootstrap(np.mean, e, n_boot=50, min_block=30).block == 30  # the caller's floor
    assert stats.block_bootstrap(np.mean, e, n_boot=50, block=7).block == 7
    a = stats.block_bootstrap(np.mean, e, n_boot=200)
    b = stats.block_bootstrap(np.mean, e, n_boot=200, seed=config.SEED)
    assert a.draws.shape == (200, 1) and np.array_equal(a.draws, b.draws)
    assert not np.array_equal(a.draws, stats.block_bootstrap(np.mean, e, n_boot=200, seed=1).draws)
    # two statistics from one call share the resampled rows
    two = stats.block_bootstrap(lambda v: [v[:, 0].mean(), v[:, 0].mean() * 2], np.c_[e, e], n_boot=20)
    assert two.draws.shape == (20, 2) and np.allclose(two.draws[:, 1], 2 * two.draws[:, 0])
    # the p-value convention: 2 (min tail + 1) / (B + 1), capped at 1
    assert stats.bootstrap_p(np.arange(1.0, 100.0)) == pytest.approx(2 / 100)
    assert stats.bootstrap_p(np.r_[-np.ones(10), np.ones(89)]) == pytest.approx(22 / 100)
    assert stats.bootstrap_p(np.zeros(9)) == 1.0
    lo, hi = a.interval()
    assert lo < e.mean() < hi and a.p_value() == stats.bootstrap_p(a.draws[:, 0])


def test_verdict_vocabulary_is_enforced():
    with pytest.raises(ValueError, match="vocabulary"):
        stats.Verdict("c", "t", 1, 0, 2, "%", 0.1, 10, "s", "probably true")
    t = stats.verdict_table([stats.Verdict("c", "t", 1.234, 0.1, 2.0, "%", 0.01234, 10, "s", "supported")], chapter="x")
    assert t.loc[0, "p_value"] == 0.012 and t.loc[0, "p_bh"] == 0.012 and t.loc[0, "estimate"] == 1.23


def test_var_lag_sum_matches_the_coefficients_and_covers_the_truth():
    rng = np.random.default_rng(4)
    n = 1500
    a = rng.normal(size=n)
    b = np.zeros(n)
    for t in range(2, n):
        b[t] = 0.3 * a[t - 1] + 0.2 * a[t - 2] + rng.normal(scale=0.5)
    res = stats.var_granger(pd.DataFrame({"a": a, "b": b}), maxlags=4)
    est, lo, hi = stats.var_lag_sum(res, "b", "a")
    params = res.model.params
    assert est == pytest.approx(sum(params.loc[f"L{k}.a", "b"] for k in range(1, res.lag_order + 1)))
    assert lo < 0.5 < hi and lo < est < hi
