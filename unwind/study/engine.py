"""The verdict engine: registered hypotheses + estimates -> one verdict table for the whole book.

Benjamini–Hochberg runs once, over the substantive family (registered ``family: substantive`` with a p-value);
descriptive rows show their numbers and raw p but do not enter the family; summaries (composites) are decided
from their parts after the parts are decided.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from statsmodels.stats.multitest import multipletests

from .estimate import Estimate
from .registry import Book, Hypothesis
from .rules import PARTLY, RULES, Context, Decision

COLUMNS = [
    "id",
    "chapter",
    "statement",
    "rule",
    "family",
    "written",
    "estimate",
    "low",
    "high",
    "interval",
    "unit",
    "p",
    "p_bh",
    "n",
    "sample",
    "method",
    "verdict",
    "date_sensitive",
    "label",
    "reason",
]


def label(word: str, date_sensitive: bool, rule: str = "tolerance") -> str:
    """The verdict as the book prints it: the word; on *partly supported* "(by reading)" for a claim with several
    readings, "(by part)" for a story made of parts; and a dagger when another possible publication date would
    give another word."""
    qualifier = " (by part)" if rule == "composite" else " (by reading)"
    out = word + (qualifier if word == PARTLY else "")
    return out + (" †" if date_sensitive else "")


def bh_family(hyps: dict[str, Hypothesis], ests: dict[str, Estimate]) -> pd.Series:
    """BH-adjusted p for the substantive family (ids with a finite raw p), NaN for every other id."""
    ids = [k for k, h in hyps.items() if h.family == "substantive" and not math.isnan(ests[k].p)]
    out = pd.Series(np.nan, index=list(hyps), dtype=float)
    if ids:
        out[ids] = multipletests([ests[k].p for k in ids], method="fdr_bh")[1]
    return out


def _order(hyps: dict[str, Hypothesis]) -> list[str]:
    """Parts before the composites that read them."""
    done: list[str] = []

    def visit(k: str, path: tuple[str, ...] = ()) -> None:
        if k in done:
            return
        if k in path:
            raise ValueError(f"composite cycle: {' -> '.join(path + (k,))}")
        for c in hyps[k].components:
            visit(c, path + (k,))
        done.append(k)

    for k in hyps:
        visit(k)
    return done


def decide(hyps: dict[str, Hypothesis], ests: dict[str, Estimate], book: Book) -> pd.DataFrame:
    """Every registered hypothesis decided by its registered rule; one row per id, registry order."""
    summaries = {k for k, h in hyps.items() if h.rule == "composite"}
    unestimated = [k for k in hyps if k not in ests and k not in summaries]
    unregistered = [k for k in ests if k not in hyps]
    if unestimated or unregistered:
        raise KeyError(f"registry and estimates differ: not estimated {unestimated}, not registered {unregistered}")
    ests = {**{k: Estimate() for k in summaries}, **ests}
    p_bh = bh_family(hyps, ests)
    decided: dict[str, Decision] = {}
    for k in _order(hyps):
        h, e = hyps[k], ests[k]
        ctx = Context(
            alpha=book.alpha,
            p_adjusted=float(p_bh[k]),
            primary_date=book.primary_date,
            as_of_window=book.as_of_window,
            contradiction_factor=book.contradiction_factor,
            components=tuple(decided[c] for c in h.components),
        )
        d = RULES[h.rule](h, e, ctx)
        decided[k] = Decision(d.word, d.reason, d.date_sensitive, id=k)
    rows = []
    for k, h in hyps.items():
        e, d = ests[k], decided[k]
        rows.append(
            {
                "id": k,
                "chapter": h.chapter,
                "statement": h.statement,
                "rule": h.rule,
                "family": h.family,
                "written": h.written,
                "estimate": e.value,
                "low": e.low,
                "high": e.high,
                "interval": e.interval,
                "unit": e.unit,
                "p": e.p,
                "p_bh": float(p_bh[k]),
                "n": e.n,
                "sample": e.sample or h.sample,
                "method": e.method,
                "verdict": d.word,
                "date_sensitive": d.date_sensitive,
                "label": label(d.word, d.date_sensitive, h.rule),
                "reason": d.reason,
            }
        )
    return pd.DataFrame(rows, columns=COLUMNS).set_index("id", drop=False)
