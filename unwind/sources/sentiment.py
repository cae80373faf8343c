"""Crypto Fear & Greed Index (alternative.me), one value per UTC day."""

from __future__ import annotations

import pandas as pd
import pandera.pandas as pa

from .base import Col, Table, load_table

LABELS = ("Extreme Fear", "Fear", "Neutral", "Greed", "Extreme Greed")
TABLE = Table(
    "sentiment/fear_greed/fear_greed_index__daily.csv", "date", "date",
    (Col("fng_value", "fng_value", (pa.Check.in_range(0, 100), pa.Check(lambda v: v % 1 == 0, element_wise=True)),
         "an integer index from 0 to 100"),
     Col("fng_classification", "fng_classification", (pa.Check.isin(LABELS),), f"one of {LABELS}", text=True)),
)


def fear_greed() -> pd.DataFrame:
    """``fng_value`` (0-100) and ``fng_classification`` (one of :data:`LABELS`)."""
    return load_table(TABLE)
