"""Every verdict of the book in one table, with Benjamini-Hochberg adjustment across all chapters.

Each chapter module exposes ``verdicts(panel) -> DataFrame`` (rows of :func:`unwind.stats.verdict_table`);
this module is the one place that collects them, so the false-discovery rate is controlled over every
p-value that decides a verdict, not chapter by chapter.
"""

from __future__ import annotations

import pandas as pd

from . import bottoming, claims, etf_flows, gold, liquidations
from .stats import bh_adjust

#: chapter tag -> (notebook, module)
CHAPTERS = {
    "claims": ("01_claims", claims),
    "liq": ("02_liquidations", liquidations),
    "etf": ("03_etf_flows", etf_flows),
    "gold": ("04_gold", gold),
    "bottom": ("05_bottoming", bottoming),
}


def book_verdicts(p: pd.DataFrame) -> pd.DataFrame:
    """All chapters' verdict rows; ``p_bh_book`` adjusts every non-missing p-value across the whole book."""
    frames = []
    for tag, (notebook, module) in CHAPTERS.items():
        t = module.verdicts(p).copy()
        t["chapter"] = tag
        t["notebook"] = notebook
        frames.append(t)
    out = pd.concat(frames, ignore_index=True)
    out["p_bh_book"] = bh_adjust(out["p_value"]).round(3)
    return out


def verdict_counts(table: pd.DataFrame) -> pd.DataFrame:
    """How many verdicts of each kind per chapter."""
    return pd.crosstab(table["chapter"], table["verdict"]).reindex(list(CHAPTERS)).fillna(0).astype(int)
