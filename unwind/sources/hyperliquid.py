"""Hyperliquid liquidations and auto-deleveraging, 2025-10-10 21:15-21:27 UTC (event window only)."""

from __future__ import annotations

import pandas as pd

from .base import (
    NON_NEGATIVE,
    Col,
    DataError,
    Table,
    check_values,
    read_raw,
    resolve,
    to_numbers,
)

TABLE = Table(
    "derivatives/hyperliquid_oct10/combined_impact_by_ticker_2025-10-10_2115-2127UTC.csv",
    "ticker",
    "date",
    (
        Col("liq_notional", "liq_notional_usd", NON_NEGATIVE, "a non-negative USD notional"),
        Col("adl_notional", "adl_notional_usd", NON_NEGATIVE, "a non-negative USD notional"),
        Col("liq_events", "liq_events", NON_NEGATIVE, "a count"),
        Col("adl_events", "adl_events", NON_NEGATIVE, "a count"),
    ),
)
WINDOW = (pd.Timestamp("2025-10-10 21:15", tz="UTC"), pd.Timestamp("2025-10-10 21:27", tz="UTC"))


def hyperliquid_oct10() -> pd.DataFrame:
    """Per-ticker liquidation and ADL notional (USD) in the 12-minute window; index ``ticker``."""
    path = resolve(TABLE.relpath)
    raw = read_raw(path, TABLE)
    values = to_numbers(raw, path, TABLE)
    check_values(values, path, TABLE)
    tickers = raw["ticker"].str.strip()
    dup = tickers.duplicated()
    if dup.any():
        i = int(dup.to_numpy().nonzero()[0][0])
        raise DataError(
            path, "duplicate ticker", column="ticker", line=i + 2, expected="one row per ticker", found=tickers.iloc[i]
        )
    values.index = pd.Index(tickers, name="ticker")
    return values
