"""The named decision rules.  Each turns one registered hypothesis and its :class:`Estimate` into a verdict.

Every rule is sign-aware (a claim that names a direction is supported only in that direction) and
interval-aware (a test that rejects but whose interval straddles zero does not establish a sign).  The words are
the METHODS.md vocabulary.  "partly supported" has one meaning: the claim holds under some readings of its words
(or some of its parts) and not others.  Dependence on the publication date is a separate flag,
``date_sensitive``: the verdict is decided on the primary date and flagged when another possible date would
give a different word.  The Methods page explains each rule in words; ``tests/test_rules.py`` runs every branch.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import pandas as pd

from .estimate import Estimate
from .registry import Hypothesis, Reading

SUPPORTED, PARTLY, NOT, CONTRA, CANNOT = (
    "supported",
    "partly supported",
    "not supported",
    "contradicted",
    "cannot be checked with this data",
)
WORDS = (SUPPORTED, PARTLY, NOT, CONTRA, CANNOT)


@dataclass(frozen=True)
class Context:
    """What a rule may read besides the hypothesis and its estimate."""

    alpha: float = 0.05
    p_adjusted: float = math.nan  # the BH-adjusted p (substantive family), else NaN
    primary_date: pd.Timestamp | None = None
    as_of_window: pd.DatetimeIndex | None = None
    contradiction_factor: float = 3.0
    components: tuple[Decision, ...] = ()  # decisions of a composite's parts, in registry order


@dataclass(frozen=True)
class Decision:
    word: str
    reason: str
    date_sensitive: bool = False
    id: str = ""

    def __post_init__(self) -> None:
        if self.word not in WORDS:
            raise ValueError(f"{self.word!r} is not a verdict word")


def _p_decides(h: Hypothesis, e: Estimate, ctx: Context) -> tuple[float, str]:
    """The p-value that decides: BH-adjusted for the substantive family, raw otherwise."""
    if h.family == "substantive":
        return ctx.p_adjusted, "BH-adjusted p"
    return e.p, "p"


def _failed_checks(h: Hypothesis, e: Estimate) -> list[str]:
    missing = [c for c in h.requires if c not in e.checks]
    if missing:
        raise ValueError(f"{h.id}: the estimate lacks the required check(s) {missing}")
    return [c for c in h.requires if not e.checks[c]]


def signed_test(h: Hypothesis, e: Estimate, ctx: Context) -> Decision:
    """A test of a signed effect.  supported: the deciding p < alpha, the estimate has the registered sign and its
    95 % CI lies wholly on that side of zero.  contradicted: p < alpha with the CI wholly on the other side.  A
    decisive word (supported or contradicted) also needs every registered robustness check to hold; otherwise,
    and whenever the test does not reject, not supported (the reason says which part failed)."""
    if e.missing:
        return Decision(CANNOT, e.missing)
    p, p_name = _p_decides(h, e, ctx)
    if math.isnan(p) or math.isnan(e.value):
        raise ValueError(f"{h.id}: rule signed_test needs an estimate and a p-value")
    if e.interval != "95% CI":
        raise ValueError(f"{h.id}: rule signed_test needs a 95% CI, got {e.interval!r}")
    right_side = e.low > 0 if h.sign > 0 else e.high < 0
    wrong_side = e.high < 0 if h.sign > 0 else e.low > 0
    if p < ctx.alpha and (right_side or wrong_side):
        failed = _failed_checks(h, e)
        side = "the registered sign" if right_side else "the opposite sign"
        if failed:
            return Decision(NOT, f"significant with {side}, but fails: {', '.join(failed)}")
        if wrong_side:
            return Decision(CONTRA, f"{p_name} {p:.3g} < {ctx.alpha} with the interval on the opposite side of zero")
        return Decision(SUPPORTED, f"{p_name} {p:.3g} < {ctx.alpha}, interval on the registered side of zero")
    if e.p < ctx.alpha and p >= ctx.alpha:
        return Decision(NOT, f"raw p {e.p:.3g} < {ctx.alpha} but {p_name} {p:.3g}: not significant across the book")
    if p < ctx.alpha:
        return Decision(NOT, f"{p_name} {p:.3g} < {ctx.alpha} but the interval includes zero")
    return Decision(NOT, f"{p_name} {p:.3g} ≥ {ctx.alpha}")


def signed_var(h: Hypothesis, e: Estimate, ctx: Context) -> Decision:
    """A VAR Granger (Wald) test with the sum of the lag coefficients as the estimate.  supported: Wald rejects
    (deciding p < alpha) and the summed-lag 95 % CI lies on the registered side of zero.  contradicted: Wald
    rejects with the CI on the other side.  A decisive word also needs every registered robustness check to hold.
    A rejection whose summed effect could have either sign is not support for a signed claim: not supported."""
    if e.missing:
        return Decision(CANNOT, e.missing)
    p, p_name = _p_decides(h, e, ctx)
    if e.interval != "95% CI":
        raise ValueError(f"{h.id}: rule signed_var needs the 95% CI of the summed lags")
    right = e.low > 0 if h.sign > 0 else e.high < 0
    wrong = e.high < 0 if h.sign > 0 else e.low > 0
    if p < ctx.alpha and (right or wrong):
        failed = _failed_checks(h, e)
        side = "the registered net sign" if right else "the opposite net sign"
        if failed:
            return Decision(NOT, f"Wald rejects with {side}, but fails: {', '.join(failed)}")
        if wrong:
            return Decision(
                CONTRA, f"Wald {p_name} {p:.3g}; summed lags on the opposite side ({e.low:.3g} … {e.high:.3g})"
            )
        return Decision(SUPPORTED, f"Wald {p_name} {p:.3g}; summed lags {e.low:.3g} … {e.high:.3g}")
    if p < ctx.alpha:
        return Decision(
            NOT,
            f"Wald {p_name} {p:.3g} rejects, but the summed lags ({e.low:.3g} … {e.high:.3g}) do not establish a sign",
        )
    return Decision(NOT, f"Wald {p_name} {p:.3g} ≥ {ctx.alpha}")


def threshold(h: Hypothesis, e: Estimate, ctx: Context) -> Decision:
    """A descriptive statistic against a registered threshold, direction by ``sign``: sign -1 means the value
    must be at most the threshold (e.g. an empirical rank p ≤ 0.01), +1 at least.  Holds -> supported, else
    not supported."""
    if e.missing:
        return Decision(CANNOT, e.missing)
    if h.threshold is None or h.sign is None:
        raise ValueError(f"{h.id}: rule threshold needs a threshold and a sign")
    ok = e.value <= h.threshold if h.sign < 0 else e.value >= h.threshold
    rel = "≤" if h.sign < 0 else "≥"
    return Decision(SUPPORTED if ok else NOT, f"{e.value:.3g} {'' if ok else 'not '}{rel} {h.threshold:g}")


def oos_gain(h: Hypothesis, e: Estimate, ctx: Context) -> Decision:
    """An out-of-sample forecast gain (e.g. R² in %, or a Clark–West adjusted gain for nested models, with a 95 %
    CI, and the registered test's p: Diebold–Mariano or Clark–West).  supported: the gain is positive, its CI
    above zero and the test's p < alpha.  contradicted: the CI lies below zero (the forecast
    did worse than the benchmark).  Otherwise not supported."""
    if e.missing:
        return Decision(CANNOT, e.missing)
    p, p_name = _p_decides(h, e, ctx)
    if e.low > 0 and p < ctx.alpha:
        return Decision(SUPPORTED, f"gain {e.value:.3g}, CI above zero, {p_name} {p:.3g}")
    if e.high < 0:
        return Decision(CONTRA, f"gain {e.value:.3g}, CI below zero: worse than the benchmark")
    return Decision(NOT, f"gain {e.value:.3g}, CI {e.low:.3g} … {e.high:.3g}, {p_name} {p:.3g}")


def bounds(h: Hypothesis, e: Estimate, ctx: Context) -> Decision:
    """A claimed value (the registry's ``threshold``) against a lower and an upper bound that the data put on
    the quantity (a range over definitions, not a sampling interval).  The claim outside the bounds ->
    contradicted; inside -> cannot be checked with this data (the bounds do not decide it, and the reason says
    how wide they are)."""
    if e.missing:
        return Decision(CANNOT, e.missing)
    if h.threshold is None or math.isnan(e.low) or math.isnan(e.high):
        raise ValueError(f"{h.id}: rule bounds needs the claimed value (threshold) and both bounds")
    claim = float(h.threshold)
    if claim < e.low or claim > e.high:
        side = "below the lower" if claim < e.low else "above the upper"
        return Decision(CONTRA, f"the claimed {claim:g} lies {side} bound ({e.low:.3g} … {e.high:.3g})")
    return Decision(
        CANNOT, f"the bounds {e.low:.3g} … {e.high:.3g} include the claimed {claim:g}: they do not decide it"
    )


def _holds(x: float, r: Reading) -> bool:
    if math.isnan(x):
        return False
    k, v, t = r.kind, r.value, r.target
    if k == "relative":
        return abs(x - t) <= v * abs(t) + 1e-12
    if k == "absolute":
        return abs(x - t) <= v + 1e-12
    if k == "at_least":
        return x >= v
    if k == "at_most":
        return x <= v
    if k == "below":
        return x < v
    if k == "above":
        return x > v
    if k == "true":
        return x >= 0.5
    raise ValueError(f"unknown tolerance kind {k!r}")


def _wide_miss(x: float, r: Reading, factor: float) -> bool:
    """A miss by more than ``factor`` tolerance widths (numeric readings only)."""
    if math.isnan(x) or r.kind not in ("relative", "absolute"):
        return False
    width = r.value * abs(r.target) if r.kind == "relative" else r.value
    return abs(x - r.target) > factor * width


def _word_on(values: dict[str, float], h: Hypothesis, ctx: Context) -> tuple[str, list[str]]:
    held = [name for name, x in values.items() if _holds(x, h.readings[name])]
    if len(held) == len(values):
        return SUPPORTED, held
    if held:
        return PARTLY, held
    wide = [
        name
        for name, x in values.items()
        if _wide_miss(x, h.readings[name], ctx.contradiction_factor)
        or (h.contradicted_if_false and h.readings[name].kind == "true" and not math.isnan(x))
    ]
    if wide and len(wide) == len(values):
        return CONTRA, held
    return NOT, held


def tolerance(h: Hypothesis, e: Estimate, ctx: Context) -> Decision:
    """A claim measured on the as-of dates against its registered readings (or parts), each with a target and a
    tolerance.  On one date: every reading holds -> supported; some -> partly supported (depends on the
    reading); none -> contradicted when every reading misses by more than ``contradiction_factor`` tolerance
    widths (or a registered yes/no part is false), else not supported.  The verdict is the word on the primary
    date; ``date_sensitive`` when another date of the window gives another word."""
    if e.missing:
        return Decision(CANNOT, e.missing)
    unknown = set(e.readings) ^ set(h.readings)
    if unknown:
        raise ValueError(f"{h.id}: measured readings {sorted(e.readings)} differ from registered {sorted(h.readings)}")
    days = [f"{d:%Y-%m-%d}" for d in ctx.as_of_window]
    primary = f"{ctx.primary_date:%Y-%m-%d}"
    words = {}
    for d in days:
        vals = {name: e.readings[name].get(d, math.nan) for name in h.readings}
        words[d] = _word_on(vals, h, ctx)
    word, held = words[primary]
    others = sorted({w for d, (w, _) in words.items() if w != word})
    differ = [d[5:] for d, (w, _) in words.items() if w != word]
    reason = {
        SUPPORTED: "holds on the primary date",
        NOT: "misses its tolerance on the primary date",
        CONTRA: (
            "is false on the primary date"
            if all(r.kind == "true" for r in h.readings.values())
            else "misses by more than the contradiction margin on the primary date"
        ),
        PARTLY: f"holds under {', '.join(held)} only",
    }[word]
    if len(h.readings) > 1 and word != PARTLY:
        reason += " under every reading"
    if differ:
        reason += f"; {', '.join(others)} on {', '.join(differ)}"
    return Decision(word, reason, date_sensitive=bool(differ))


def composite(h: Hypothesis, e: Estimate, ctx: Context) -> Decision:
    """A story made of registered parts.  Every part supported -> supported; some parts supported (or partly)
    -> partly supported (the story holds for some of its parts); none supported and some contradicted ->
    contradicted; otherwise not supported.  The reason lists every part with its word.  Date-sensitive if a
    part is."""
    parts = ctx.components
    if not parts:
        raise ValueError(f"{h.id}: composite without decided components")
    words = [c.word for c in parts]
    sens = any(c.date_sensitive for c in parts)
    listing = "; ".join(f"{c.id} {c.word}" for c in parts)
    if all(w == SUPPORTED for w in words):
        return Decision(SUPPORTED, f"every part supported ({listing})", sens)
    if any(w in (SUPPORTED, PARTLY) for w in words):
        return Decision(PARTLY, f"holds for some parts: {listing}", sens)
    if any(w == CONTRA for w in words):
        return Decision(CONTRA, f"no part supported: {listing}", sens)
    if all(w == CANNOT for w in words):
        return Decision(CANNOT, f"no part can be checked ({listing})", sens)
    return Decision(NOT, f"no part supported: {listing}", sens)


RULES: dict[str, Callable[[Hypothesis, Estimate, Context], Decision]] = {
    "signed_test": signed_test,
    "signed_var": signed_var,
    "threshold": threshold,
    "oos_gain": oos_gain,
    "tolerance": tolerance,
    "composite": composite,
    "bounds": bounds,
}
