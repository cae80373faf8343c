"""One result type for every estimate the book makes: :class:`Estimate`.

A chapter module turns frames into ``{hypothesis id: Estimate}`` and never writes a verdict word; the rules in
:mod:`unwind.study.rules` turn an Estimate and its registry entry into a word.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field
from typing import Literal

IntervalKind = Literal["95% CI", "range over as-of dates", "range over definitions", "none"]
INTERVAL_KINDS: tuple[str, ...] = ("95% CI", "range over as-of dates", "range over definitions", "none")


@dataclass
class Estimate:
    """What was measured for one registered hypothesis.

    value, low, high   the estimate and its interval; ``interval`` says what kind of interval it is (a sampling
                       95 % CI, or a range over as-of dates or definitions, which is *not* a confidence interval)
    p                  the raw p-value of the test the rule reads (NaN when the rule reads no p-value)
    n, unit, sample    observations, the unit of ``value``, the sample in words
    method             the test or measurement in a few words
    checks             named robustness conditions (``{"holds without 10/10": True}``) a rule may require
    readings           for claims measured on dates: reading or part -> {as-of date "YYYY-MM-DD": measured value}
    missing            non-empty when the data cannot decide; says what is missing
    text               the measured value in words for a ledger cell (optional)
    """

    value: float = math.nan
    low: float = math.nan
    high: float = math.nan
    interval: IntervalKind = "none"
    p: float = math.nan
    n: int | None = None
    unit: str = ""
    sample: str = ""
    method: str = ""
    checks: dict[str, bool] = field(default_factory=dict)
    readings: dict[str, dict[str, float]] = field(default_factory=dict)
    missing: str = ""
    text: str = ""

    def __post_init__(self) -> None:
        if self.interval not in INTERVAL_KINDS:
            raise ValueError(f"interval kind {self.interval!r} is not one of {INTERVAL_KINDS}")
        for name in ("value", "low", "high", "p"):
            setattr(self, name, _float(getattr(self, name)))
        if self.interval == "none" and not (math.isnan(self.low) and math.isnan(self.high)):
            raise ValueError("an interval was given but its kind is 'none'")
        if not math.isnan(self.p) and not 0.0 <= self.p <= 1.0:
            raise ValueError(f"p-value {self.p} is outside [0, 1]")
        if self.n is not None:
            self.n = int(self.n)
        self.checks = {str(k): bool(v) for k, v in self.checks.items()}
        self.readings = {str(r): {str(d): _float(v) for d, v in vals.items()} for r, vals in self.readings.items()}

    @classmethod
    def from_regression(cls, r, **kw) -> Estimate:
        """An Estimate from a regression row with ``coef``, ``ci_low``, ``ci_high`` (95 %), ``p_value`` and ``n``
        (the shape every chapter's HAC helpers return); ``kw`` sets unit, sample, method, checks, …"""
        return cls(
            value=float(r["coef"]),
            low=float(r["ci_low"]),
            high=float(r["ci_high"]),
            interval="95% CI",
            p=float(r["p_value"]),
            n=int(r["n"]),
            **kw,
        )

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict) -> Estimate:
        return cls(**d)


def _float(x: object) -> float:
    if x is None:
        return math.nan
    try:
        return float(x)  # type: ignore[arg-type]
    except (TypeError, ValueError) as err:
        raise ValueError(f"not a number: {x!r}") from err
