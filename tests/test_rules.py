"""Every branch of every named rule, on synthetic estimates (no data)."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from unwind.study import Estimate, engine, registry, rules
from unwind.study.registry import Book, parse_entry
from unwind.study.rules import CANNOT, CONTRA, NOT, PARTLY, SUPPORTED, Context

WINDOW = pd.date_range("2025-11-14", "2025-11-21", freq="D")
PRIMARY = pd.Timestamp("2025-11-16")
BOOK = Book(alpha=0.05, primary_date=PRIMARY, as_of_window=WINDOW, contradiction_factor=3.0, dates={}, windows={})


def H(rule: str, **kw) -> registry.Hypothesis:
    d = {
        "id": kw.pop("id", "T.1"),
        "chapter": "x",
        "statement": "s",
        "estimand": "e",
        "data": "d",
        "sample": "s",
        "rule": rule,
        "family": kw.pop("family", "descriptive"),
        "written": "before",
        **kw,
    }
    return parse_entry(d, "test.yaml")


def ctx(**kw) -> Context:
    return Context(primary_date=PRIMARY, as_of_window=WINDOW, **kw)


def ci(v, lo, hi, p, **kw) -> Estimate:
    return Estimate(value=v, low=lo, high=hi, interval="95% CI", p=p, **kw)


# --- signed_test -------------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "est, sign, word",
    [
        (ci(1.0, 0.5, 1.5, 0.001), 1, SUPPORTED),  # right sign, significant
        (ci(-1.0, -1.5, -0.5, 0.001), 1, CONTRA),  # wrong sign, significant
        (ci(1.0, -0.5, 2.5, 0.20), 1, NOT),  # right sign, not significant
        (ci(-1.0, -1.5, -0.5, 0.001), -1, SUPPORTED),  # negative registered sign
        (ci(1.0, 0.5, 1.5, 0.001), -1, CONTRA),
        (ci(1.0, -0.1, 2.1, 0.04), 1, NOT),  # p < alpha but interval straddles zero (e.g. bootstrap CI)
    ],
)
def test_signed_test_branches(est, sign, word):
    assert rules.signed_test(H("signed_test", sign=sign), est, ctx()).word == word


def test_signed_test_reads_the_bh_p_in_the_substantive_family():
    h = H("signed_test", sign=1, family="substantive")
    e = ci(1.0, 0.5, 1.5, 0.01)
    assert rules.signed_test(h, e, ctx(p_adjusted=0.01)).word == SUPPORTED
    d = rules.signed_test(h, e, ctx(p_adjusted=0.08))
    assert d.word == NOT and "across the book" in d.reason


def test_signed_test_required_checks():
    h = H("signed_test", sign=1, requires=["holds without 10/10"])
    assert rules.signed_test(h, ci(1, 0.5, 1.5, 0.001, checks={"holds without 10/10": True}), ctx()).word == SUPPORTED
    d = rules.signed_test(h, ci(1, 0.5, 1.5, 0.001, checks={"holds without 10/10": False}), ctx())
    assert d.word == NOT and "without 10/10" in d.reason
    with pytest.raises(ValueError, match="lacks the required check"):
        rules.signed_test(h, ci(1, 0.5, 1.5, 0.001), ctx())


def test_a_contradiction_also_needs_the_registered_checks():
    h = H("signed_test", sign=1, requires=["same sign in both halves"])
    e = ci(-1, -1.5, -0.5, 0.001, checks={"same sign in both halves": False})
    d = rules.signed_test(h, e, ctx())
    assert d.word == NOT and "opposite sign" in d.reason and "both halves" in d.reason
    e_ok = ci(-1, -1.5, -0.5, 0.001, checks={"same sign in both halves": True})
    assert rules.signed_test(h, e_ok, ctx()).word == CONTRA
    hv = H("signed_var", sign=-1, requires=["same sign in both halves"])
    assert (
        rules.signed_var(hv, ci(0.08, 0.04, 0.12, 0.001, checks={"same sign in both halves": False}), ctx()).word == NOT
    )
    assert (
        rules.signed_var(hv, ci(0.08, 0.04, 0.12, 0.001, checks={"same sign in both halves": True}), ctx()).word
        == CONTRA
    )


def test_signed_test_missing_data_and_wrong_interval_kind():
    h = H("signed_test", sign=1)
    assert rules.signed_test(h, Estimate(missing="no depth data"), ctx()).word == CANNOT
    with pytest.raises(ValueError, match="95% CI"):
        rules.signed_test(h, Estimate(value=1, low=0.5, high=2, interval="range over as-of dates", p=0.01), ctx())


# --- signed_var --------------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "est, word, why",
    [
        (ci(1.0, 0.2, 1.8, 0.001), SUPPORTED, "Wald"),
        (ci(-1.0, -1.8, -0.2, 0.001), CONTRA, "opposite"),
        (ci(0.9, -0.23, 2.04, 0.001), NOT, "do not establish a sign"),  # the ETF VAR case: unsigned rejection
        (ci(0.9, 0.2, 2.04, 0.30), NOT, "≥"),
    ],
)
def test_signed_var_branches(est, word, why):
    d = rules.signed_var(H("signed_var", sign=1), est, ctx())
    assert d.word == word and why in d.reason


def test_signed_var_required_checks_and_missing():
    h = H("signed_var", sign=-1, requires=["holds at 1h"])
    assert rules.signed_var(h, ci(-1, -2, -0.5, 0.01, checks={"holds at 1h": False}), ctx()).word == NOT
    assert rules.signed_var(h, Estimate(missing="x"), ctx()).word == CANNOT


# --- threshold, oos_gain -----------------------------------------------------------------------------------------
def test_threshold_both_directions():
    lo = H("threshold", sign=-1, threshold=0.01)
    assert rules.threshold(lo, Estimate(value=0.005), ctx()).word == SUPPORTED
    assert rules.threshold(lo, Estimate(value=0.02), ctx()).word == NOT
    hi = H("threshold", sign=1, threshold=2)
    assert rules.threshold(hi, Estimate(value=2), ctx()).word == SUPPORTED
    assert rules.threshold(hi, Estimate(value=1), ctx()).word == NOT
    assert rules.threshold(hi, Estimate(missing="x"), ctx()).word == CANNOT


@pytest.mark.parametrize(
    "est, word",
    [
        (ci(2.0, 0.5, 3.5, 0.01), SUPPORTED),
        (ci(-2.0, -3.5, -0.5, 0.01), CONTRA),
        (ci(0.5, -1.0, 2.0, 0.40), NOT),
        (ci(2.0, 0.5, 3.5, 0.20), NOT),  # CI above zero but DM does not reject
    ],
)
def test_oos_gain_branches(est, word):
    assert rules.oos_gain(H("oos_gain"), est, ctx()).word == word


def test_bounds_decide_only_outside_the_range():
    h = H("bounds", threshold=19.2)
    rng = dict(interval="range over definitions")
    d = rules.bounds(h, Estimate(value=6.8, low=6.8, high=45.5, **rng), ctx())
    assert d.word == CANNOT and "do not decide" in d.reason
    assert rules.bounds(h, Estimate(value=2, low=2, high=10, **rng), ctx()).word == CONTRA
    assert rules.bounds(h, Estimate(value=25, low=25, high=40, **rng), ctx()).word == CONTRA
    assert rules.bounds(h, Estimate(missing="no OI"), ctx()).word == CANNOT
    with pytest.raises(ValueError, match="claimed value"):
        rules.bounds(H("bounds"), Estimate(value=1, low=0, high=2, **rng), ctx())


# --- tolerance: primary date, readings, date sensitivity ---------------------------------------------------------
def days(values: list[float]) -> dict[str, float]:
    return {f"{d:%Y-%m-%d}": v for d, v in zip(WINDOW, values, strict=True)}


def tol_h(**readings) -> registry.Hypothesis:
    return H(
        "tolerance",
        readings={k: {"target": t, "tolerance": {"kind": "absolute", "value": w}} for k, (t, w) in readings.items()},
    )


def test_tolerance_supported_everywhere():
    h = tol_h(a=(-30, 3))
    d = rules.tolerance(h, Estimate(readings={"a": days([-30] * 8)}), ctx())
    assert (d.word, d.date_sensitive) == (SUPPORTED, False)


def test_tolerance_decides_on_the_primary_date_and_flags_other_dates():
    h = tol_h(a=(-30, 3))
    vals = [-25, -26, -29, -29, -29, -29, -29, -29]  # 11-14, 11-15 miss; 11-16 (primary) holds
    d = rules.tolerance(h, Estimate(readings={"a": days(vals)}), ctx())
    assert d.word == SUPPORTED and d.date_sensitive and "11-14" in d.reason and "11-16" not in d.reason


def test_tolerance_partly_means_depends_on_the_reading():
    h = tol_h(a=(-10, 3), b=(-10, 3))
    d = rules.tolerance(h, Estimate(readings={"a": days([-10] * 8), "b": days([-20] * 8)}), ctx())
    assert d.word == PARTLY and "a only" in d.reason and not d.date_sensitive


def test_tolerance_not_supported_vs_contradicted_by_the_margin():
    h = tol_h(a=(-30, 3))
    assert rules.tolerance(h, Estimate(readings={"a": days([-35] * 8)}), ctx()).word == NOT  # miss 5 <= 9
    assert rules.tolerance(h, Estimate(readings={"a": days([-45] * 8)}), ctx()).word == CONTRA  # miss 15 > 9


def test_tolerance_relative_kinds_and_yes_no_parts():
    h = H(
        "tolerance",
        readings={
            "flow": {"target": -1.2, "tolerance": {"kind": "relative", "value": 0.1}},
            "late": {"tolerance": {"kind": "below", "value": 0}},
        },
    )
    e = Estimate(readings={"flow": days([-1.25] * 8), "late": days([-0.5] * 8)})
    assert rules.tolerance(h, e, ctx()).word == SUPPORTED
    e2 = Estimate(readings={"flow": days([-1.25] * 8), "late": days([0.5] * 8)})
    assert rules.tolerance(h, e2, ctx()).word == PARTLY
    yes_no = H("tolerance", contradicted_if_false=True, readings={"bottom": {"tolerance": {"kind": "true"}}})
    d = rules.tolerance(yes_no, Estimate(readings={"bottom": days([0] * 8)}), ctx())
    assert d.word == CONTRA and "is false on the primary date" in d.reason
    plain = H("tolerance", readings={"bottom": {"tolerance": {"kind": "true"}}})
    assert rules.tolerance(plain, Estimate(readings={"bottom": days([0] * 8)}), ctx()).word == NOT
    for kind, v, x, ok in [("at_least", 20, 25, True), ("at_most", 1, 2, False), ("above", 0, 0, False)]:
        hh = H("tolerance", readings={"r": {"tolerance": {"kind": kind, "value": v}}})
        assert (rules.tolerance(hh, Estimate(readings={"r": days([x] * 8)}), ctx()).word == SUPPORTED) is ok


def test_tolerance_missing_value_on_the_primary_date_is_not_a_pass():
    h = tol_h(a=(1, 1))
    vals = [1, 1, math.nan, 1, 1, 1, 1, 1]
    assert rules.tolerance(h, Estimate(readings={"a": days(vals)}), ctx()).word == NOT


def test_tolerance_readings_must_match_the_registry():
    with pytest.raises(ValueError, match="differ from registered"):
        rules.tolerance(tol_h(a=(1, 1)), Estimate(readings={"b": days([1] * 8)}), ctx())
    assert rules.tolerance(tol_h(a=(1, 1)), Estimate(missing="no series"), ctx()).word == CANNOT


# --- composite ----------------------------------------------------------------------------------------------------
def dec(word, sens=False, i="x"):
    return rules.Decision(word, "r", sens, id=i)


@pytest.mark.parametrize(
    "parts, word",
    [
        ([SUPPORTED, SUPPORTED], SUPPORTED),
        ([SUPPORTED, NOT], PARTLY),
        ([PARTLY, NOT], PARTLY),
        ([NOT, CONTRA], CONTRA),
        ([NOT, NOT], NOT),
        ([CANNOT, CANNOT], CANNOT),
        ([CANNOT, NOT], NOT),
    ],
)
def test_composite_branches(parts, word):
    h = H("composite", components=["a", "b"])
    assert rules.composite(h, Estimate(), ctx(components=tuple(dec(w) for w in parts))).word == word


def test_composite_reason_lists_every_part():
    h = H("composite", components=["a", "b"])
    d = rules.composite(h, Estimate(), ctx(components=(dec(CONTRA, i="GOLD.H1"), dec(NOT, i="GOLD.H2.corr"))))
    assert d.word == CONTRA and "GOLD.H1 contradicted" in d.reason and "GOLD.H2.corr not supported" in d.reason


def test_composite_inherits_date_sensitivity():
    h = H("composite", components=["a", "b"])
    d = rules.composite(h, Estimate(), ctx(components=(dec(SUPPORTED, True), dec(SUPPORTED))))
    assert d.date_sensitive


# --- engine -------------------------------------------------------------------------------------------------------
def test_engine_bh_family_composites_and_labels():
    hyps = {
        h.id: h
        for h in [
            H("signed_test", id="A", sign=1, family="substantive"),
            H("signed_test", id="B", sign=1, family="substantive"),
            H("signed_test", id="D", sign=1, family="descriptive"),
            H("composite", id="S", components=["A", "B"], family="summary"),
        ]
    }
    ests = {"A": ci(1, 0.5, 1.5, 0.01), "B": ci(1, -0.5, 2.5, 0.5), "D": ci(1, 0.5, 1.5, 0.001)}
    t = engine.decide(hyps, ests, BOOK)
    assert math.isnan(t.loc["D", "p_bh"]) and t.loc["A", "p_bh"] == pytest.approx(0.02)
    assert list(t["verdict"]) == [SUPPORTED, NOT, SUPPORTED, PARTLY]
    assert t.loc["S", "label"] == "partly supported (by part)"
    assert engine.label(PARTLY, False, "tolerance") == "partly supported (by reading)"
    assert engine.label(SUPPORTED, True) == "supported †"


def test_engine_refuses_unregistered_or_missing_estimates():
    hyps = {"A": H("signed_test", id="A", sign=1)}
    with pytest.raises(KeyError, match="not registered"):
        engine.decide(hyps, {"A": ci(1, 0.5, 1.5, 0.01), "Z": ci(1, 0.5, 1.5, 0.01)}, BOOK)
    with pytest.raises(KeyError, match="not estimated"):
        engine.decide(hyps, {}, BOOK)


# --- registry -----------------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "change, msg",
    [
        ({"rule": "vibes"}, "not a named rule"),
        ({"family": "other"}, "family"),
        ({"written": "later"}, "written"),
        ({"statement": ""}, "missing field"),
        ({"rule": "signed_test", "sign": None}, "expected sign"),
        ({"rule": "composite"}, "needs components"),
        ({"rule": "tolerance"}, "needs a target"),
    ],
)
def test_registry_entry_errors_name_the_file_and_entry(change, msg):
    d = {
        "id": "X.1",
        "chapter": "x",
        "statement": "s",
        "estimand": "e",
        "data": "d",
        "sample": "s",
        "rule": "threshold",
        "family": "descriptive",
        "written": "before",
        **change,
    }
    with pytest.raises(registry.RegistryError, match=msg) as err:
        parse_entry(d, "study/99_x.yaml")
    assert "study/99_x.yaml" in str(err.value) and "X.1" in str(err.value)


def test_estimate_rejects_inconsistent_values():
    with pytest.raises(ValueError, match="kind"):
        Estimate(value=1, low=0, high=2)
    with pytest.raises(ValueError, match="outside"):
        Estimate(value=1, p=1.5)
    with pytest.raises(ValueError, match="interval kind"):
        Estimate(interval="bootstrap")
