"""The next-crash chapter (unwind.next_crash): pre-registered specification, estimates' shape, influence diagnostic."""

from __future__ import annotations

import inspect
import math
import subprocess

import numpy as np
import pandas as pd
import pytest
import yaml

from unwind import config, gold, study
from unwind import liquidations as liq
from unwind import next_crash as nc
from unwind.study import registry

#: fields of an OOS entry that may differ from the in-sample entry: the dates (and the words describing them)
SAMPLE_FIELDS = {"sample", "sample_in"}
#: rows changed after the out-of-sample estimates were seen (review); each is `written: after` with a note saying so
AFTER_REVIEW = {
    "OOS.LIQ.loop",
    "OOS.LIQ.H4.feedback",
    "OOS.ETF.H1.next.cw",
    "OOS.GOLD.H1",
    "OOS.BOTTOM.H1.30d",
    "OOS.BOTTOM.H1.90d",
    "OOS.BOTTOM.H1.180d",
}


def _raw_entries() -> dict[str, dict]:
    doc = yaml.safe_load((config.REPO_ROOT / nc.REGISTRY_FILE).read_text())
    return {d["id"]: d for d in doc["hypotheses"]}


# --------------------------------------------------------------------------- pre-registration
def test_registered_spec_equals_the_in_sample_spec():
    """The OOS specification differs from the in-sample one in nothing: every `spec` equals the values read from
    the in-sample chapters' code, and every row replicating a test has its spec."""
    raw = _raw_entries()
    for k, d in raw.items():
        if d["rule"] == "composite":
            continue
        assert "spec" in d, f"{k}: no registered spec"
        assert d["spec"] == nc.IN_SAMPLE_SPEC[k], f"{k}: registered spec differs from the in-sample specification"
    assert set(nc.IN_SAMPLE_SPEC) == {k for k, d in raw.items() if d["rule"] != "composite"}


def test_rule_sign_checks_and_family_equal_the_in_sample_row():
    hyps = registry.load()
    for k, h in nc.hypotheses().items():
        ins = hyps[h.raw["replicates"]]
        assert k.startswith("OOS."), k
        assert h.family == ins.family, k
        if h.raw.get("in_sample_row") is None:
            assert k == f"OOS.{ins.id}", k
            assert (h.rule, h.sign, h.requires) == (ins.rule, ins.sign, ins.requires), k
            mapped = [hyps[c].raw.get("in_sample_row") or hyps[c].raw["replicates"] for c in h.components]
            assert mapped == list(ins.components), k
        else:  # a forecast row: the rule of the in-sample row it is compared with
            assert h.rule == hyps[h.raw["in_sample_row"]].rule, k
        if k in AFTER_REVIEW:
            assert h.written == "after" and "After review" in h.raw.get("note", ""), k
        else:
            assert h.written == "before", k


def test_spec_literals_match_the_in_sample_code():
    """Values the in-sample `evidence` passes literally (not defaults) are the ones this chapter uses."""
    src = inspect.getsource(liq.evidence)
    assert f"amplification(v4.model, {nc.H4}," in src
    assert "predictive(d)" in src and "dollar_effect(h4)" in src  # the in-sample rows use the defaults
    assert "split_link(d, CONSTRUCTION_CHANGE)" in src  # the feedback row's construction split
    assert liq.SPLIT_CHECK == nc.SPLIT_CHECK
    # chapter 04 re-selects the strongest other pair inside every bootstrap draw
    assert "strongest_pair_draws" in inspect.getsource(gold.strongest_pair_test)


def test_only_sample_fields_differ_between_spec_copies():
    """Rows that share one in-sample specification (e.g. the ETF next-day model) register the same spec."""
    raw = _raw_entries()
    by_rep: dict[str, list[dict]] = {}
    for d in raw.values():
        if "spec" in d:
            by_rep.setdefault(d["replicates"], []).append(d)
    for rep, ds in by_rep.items():
        assert all(d["spec"] == ds[0]["spec"] for d in ds), rep


def test_registry_committed_alone_before_the_module():
    try:
        first = subprocess.run(
            ["git", "log", "--diff-filter=A", "--format=%H", "--", nc.REGISTRY_FILE],
            cwd=config.REPO_ROOT,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.split()
        files = subprocess.run(
            ["git", "show", "--name-only", "--format=", nc.REGISTRATION_COMMIT],
            cwd=config.REPO_ROOT,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.split()
    except (OSError, subprocess.CalledProcessError):
        pytest.skip("no git history")
    assert first[-1] == nc.REGISTRATION_COMMIT
    assert files == [nc.REGISTRY_FILE]
    module = subprocess.run(
        ["git", "log", "--diff-filter=A", "--format=%H", "--", "unwind/next_crash.py"],
        cwd=config.REPO_ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    if module:  # the module's first commit comes after the registry's
        order = subprocess.run(
            ["git", "merge-base", "--is-ancestor", nc.REGISTRATION_COMMIT, module[-1]], cwd=config.REPO_ROOT
        )
        assert order.returncode == 0


# --------------------------------------------------------------------------- estimates
@pytest.fixture(scope="module")
def ests() -> dict[str, study.Estimate]:
    from unwind.panel import panel

    return nc.estimates(panel())


def test_estimates_cover_every_registered_id_and_nothing_else(ests):
    assert set(ests) == set(nc.ids(with_stories=False))
    table = study.decide(nc.hypotheses(), ests, study.book())
    assert list(table.index) == nc.ids()


def test_estimates_carry_signed_95ci_or_say_what_is_missing(ests):
    hyps = nc.hypotheses()
    for k, e in ests.items():
        if e.missing:  # no sampling interval: no p (out of the BH family), a difference of means at most
            assert e.interval == "none" and math.isnan(e.p) and math.isnan(e.low), k
            continue
        assert e.interval == "95% CI", k
        assert e.low <= e.value <= e.high, k
        assert 0 <= e.p <= 1 and e.n and e.n > 0, k
        assert set(hyps[k].requires) <= set(e.checks), k


def test_feedback_split_check_holds_by_definition_on_one_construction(ests):
    e = ests["OOS.LIQ.H4.feedback"]
    assert e.checks == {nc.SPLIT_CHECK: True} and "holds by definition" in e.method
    assert nc.construction_split_holds(pd.date_range(nc.OOS_START, periods=5))
    assert nc.construction_split_holds(pd.date_range("2021-01-01", periods=5))
    with pytest.raises(ValueError, match="straddles"):
        nc.construction_split_holds(pd.date_range(nc.CONSTRUCTION_CHANGE - pd.Timedelta(days=2), periods=5))


def test_degenerate_bottoming_rows_cannot_be_checked(ests):
    """One non-overlapping F&G <= 10 episode after fit_end: no interval, no p (review finding 6)."""
    for h in (30, 90, 180):
        e = ests[f"OOS.BOTTOM.H1.{h}d"]
        assert "one non-overlapping episode" in e.missing and math.isnan(e.p), h


def test_forecast_row_reads_one_series_for_interval_and_p(ests):
    """The Clark-West row's interval and p come from the CW-adjusted differential (review finding 7)."""
    e = ests["OOS.ETF.H1.next.cw"]
    assert "Clark-West" in e.unit and e.low <= e.value <= e.high
    assert (e.low > 0) == (e.p < 0.025)  # one-sided p < 2.5 % <=> the two-sided 95 % CI lies above zero


def test_side_by_side_pairs_each_oos_row_with_its_in_sample_row(ests):
    hyps = registry.load()
    rows = []
    for k, h in nc.hypotheses().items():
        ins = h.raw.get("in_sample_row") or h.raw["replicates"]
        for i in (ins, k):
            rows.append(
                {
                    "id": i,
                    "estimate": 1.0,
                    "low": 0.5,
                    "high": 1.5,
                    "unit": "u",
                    "p_bh": 0.01,
                    "label": "supported",
                    "verdict": "supported",
                }
            )
    R = pd.DataFrame(rows).drop_duplicates("id").set_index("id", drop=False)
    sbs = nc.side_by_side(R)
    assert list(sbs.index) == nc.ids()
    assert sbs["same_word"].all()
    assert set(sbs["in_sample_id"]) <= set(hyps)
    with pytest.raises(KeyError):
        nc.side_by_side(R.drop(index=nc.ids()[0]))


# --------------------------------------------------------------------------- analysis helpers on synthetic data
def _bars(n: int = 600, seed: int = 1) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    idx = pd.date_range("2025-01-01", periods=n, freq="4h", tz="UTC")
    long_m = rng.gamma(1.0, 5.0, n)
    ret = rng.normal(0, 1, n)
    return pd.DataFrame({"ret": ret, "liq_long_m": long_m, "liq_short_m": rng.gamma(1.0, 3.0, n)}, index=idx)


def test_influence_drops_the_largest_bars_and_an_outlier_carries_the_effect():
    df = _bars()
    big = df.index[100]
    df.loc[big, "liq_long_m"] = 2000.0  # one huge bar ...
    df.loc[df.index[101], "ret"] = -40.0  # ... followed by a crash: the whole "effect"
    out = nc.influence(df, liq.dollar_effect, ks=(0, 1, 3))
    assert list(out.index) == [0, 1, 3]
    assert list(out["n"]) == [out.loc[0, "n"], out.loc[0, "n"] - 1, out.loc[0, "n"] - 3]
    assert out.loc[1, "smallest_dropped"] == 2000.0
    assert np.isnan(out.loc[0, "smallest_dropped"])
    assert out.loc[0, "coef"] < 0 and out.loc[0, "p_value"] < 0.05
    assert abs(out.loc[1, "coef"]) < abs(out.loc[0, "coef"]) / 5
    direct = liq.dollar_effect(df, exclude=pd.DatetimeIndex([big]))
    assert out.loc[1, "coef"] == pytest.approx(direct["coef"])


def test_to_4h_sums_complete_bars_only():
    idx = pd.date_range("2026-01-01 02:00", periods=10, freq="h", tz="UTC")
    h = pd.DataFrame({"liq_long_usd": np.arange(10.0), "liq_short_usd": 1.0}, index=idx)
    out = nc.to_4h(h)
    assert list(out.index.hour) == [4, 8]  # the 00:00 bar has only 02:00 and 03:00: dropped
    assert out["liq_long_usd"].iloc[0] == pytest.approx(2 + 3 + 4 + 5)


def test_clark_west_finds_a_planted_forecast_gain():
    rng = np.random.default_rng(0)
    days = pd.bdate_range("2024-01-01", "2026-06-30")
    flow = rng.normal(0, 1, len(days))
    r = rng.normal(0, 1, len(days))
    d = pd.DataFrame({"flow_bn": flow, "r_cc": r, "r_next": 0.5 * flow + rng.normal(0, 1, len(days))}, index=days)
    out = nc.clark_west(d, fit_end=pd.Timestamp("2025-06-30"), oos_start=pd.Timestamp("2025-07-01"))
    assert out["r2_vs_returns"] > 5 and out["cw_p"] < 0.01 and out["r2_low"] > 0
    assert out["cw_low"] > 0 and out["cw_gain"] >= out["r2_vs_returns"]  # the adjustment adds a square
    f = out["forecasts"]
    e_u, e_r = f["actual"] - f["full"], f["actual"] - f["returns_only"]
    adj = e_r**2 - (e_u**2 - (f["returns_only"] - f["full"]) ** 2)
    assert out["cw_gain"] == pytest.approx(100 * adj.mean() / (e_r**2).mean())
    d["r_next"] = rng.normal(0, 1, len(days))  # no signal: no significant gain
    null = nc.clark_west(d, fit_end=pd.Timestamp("2025-06-30"), oos_start=pd.Timestamp("2025-07-01"))
    assert null["r2_vs_returns"] < 2


def test_drop_windows_refits_without_each_window():
    df = _bars(300)
    df.index = pd.date_range("2026-01-01", periods=300, freq="D")
    win = {
        "a": (pd.Timestamp("2026-01-10"), pd.Timestamp("2026-01-19")),
        "b": (pd.Timestamp("2026-03-01"), pd.Timestamp("2026-03-05")),
    }
    out = nc.drop_windows(df, liq.dollar_effect, win)
    assert list(out.index) == ["none", "a", "b", "all of them"]
    assert list(out["rows_dropped"]) == [0, 10, 5, 15]
    assert out.loc["a", "coef"] == pytest.approx(
        liq.dollar_effect(df, exclude=pd.date_range("2026-01-10", "2026-01-19"))["coef"]
    )


def test_daily_extremes_counts_days_above_the_in_sample_quantile():
    days = pd.date_range("2024-01-01", "2025-09-30", freq="D")
    p = pd.DataFrame({"liq_bob_btc_long_usd": np.arange(1, len(days) + 1) * 1e6}, index=days)
    d = pd.DataFrame({"liq_long_m": [1.0, 10_000.0, np.nan, 5_000.0]}, index=pd.date_range(nc.OOS_START, periods=4))
    out = nc.daily_extremes(p, d)
    assert out["threshold_m"] == pytest.approx(np.quantile(np.arange(1, len(days) + 1), 0.99))
    assert out["n_days"] == 3 and out["n_above"] == 2 and out["ref_n"] == len(days)
