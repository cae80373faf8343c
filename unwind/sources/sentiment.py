"""Crypto Fear & Greed Index (alternative.me), one value per UTC day."""

from __future__ import annotations

import pandas as pd
import pandera.pandas as pa

from .base import Col, Known, Table, load_table

LABELS = ("Extreme Fear", "Fear", "Neutral", "Greed", "Extreme Greed")
TABLE = Table(
    "sentiment/fear_greed/fear_greed_index__daily.csv",
    "date",
    "date",
    (
        Col(
            "fng_value",
            "fng_value",
            (pa.Check.in_range(0, 100), pa.Check(lambda v: v % 1 == 0, element_wise=True)),
            "an integer index from 0 to 100",
        ),
        Col("fng_classification", "fng_classification", (pa.Check.isin(LABELS),), f"one of {LABELS}", text=True),
    ),
    span=("2018-02-01", "2026-04-17"),
    max_gap="1D",
    gaps_ok=(
        Known("2018-04-13", "2018-04-14 .. 16 absent from alternative.me itself (SOURCE.md)"),
        Known("2024-10-25", "2024-10-26 absent from alternative.me itself (SOURCE.md)"),
    ),
)


def fear_greed() -> pd.DataFrame:
    """``fng_value`` (0-100) and ``fng_classification`` (one of :data:`LABELS`)."""
    return load_table(TABLE)
