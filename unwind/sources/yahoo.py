"""Yahoo Finance (and FRED) daily series.

Two snapshots: ``prices/yahoo_jonsflow`` (OHLCV with header, long history to
2026-03) and ``prices/yahoo_edge`` (close only, no header, 2023 -> 2026-08).
Dates are the exchange's trading date (U.S. close date for ETFs and indices;
the UTC day for BTC-USD and ETH-USD).
"""

from __future__ import annotations

import pandas as pd
import pandera.pandas as pa

from .base import NON_NEGATIVE, Col, Table, load_table, price

OHLCV_TICKERS = {"BTC-USD": "btc", "ETH-USD": "eth", "SPY": "spy", "QQQ": "qqq",
                 "GLD": "gld", "TLT": "tlt", "UUP": "uup"}
FRED_SERIES = {"DGS10": "10-year Treasury yield, %", "T10Y2Y": "10y-2y Treasury spread, %",
               "VIXCLS": "VIX close, index points"}
CLOSE_TICKERS = {"^GSPC": ("spx", "index points"), "^NDX": ("ndx", "index points"),
                 "GC=F": ("gold", "USD per troy ounce"), "^VIX": ("vix", "index points"),
                 "TLT": ("tlt", "USD per share"), "^TNX": ("ust", "percent (10-year yield)"),
                 "DXY": ("dxy", "index points"), "CL=F": ("oil", "USD per barrel"),
                 "BTC-USD": ("btc", "USD")}


def ohlcv_table(ticker: str) -> Table:
    stem = OHLCV_TICKERS[ticker]
    return Table(
        f"prices/yahoo_jonsflow/{stem}.csv", "Date", "date",
        (price("Open", "open_usd"), price("High", "high_usd"), price("Low", "low_usd"),
         price("Close", "close_usd"),
         Col("Volume", "volume", NON_NEGATIVE, "a non-negative volume (shares; USD for crypto)")),
    )


def yahoo_ohlcv(ticker: str) -> pd.DataFrame:
    """Daily OHLCV for ``ticker`` (BTC-USD, ETH-USD, SPY, QQQ, GLD, TLT, UUP), USD."""
    return load_table(ohlcv_table(ticker))


def fred_table(series: str) -> Table:
    if series not in FRED_SERIES:
        raise KeyError(f"unknown FRED series {series!r}; known: {sorted(FRED_SERIES)}")
    lo, hi = (-5.0, 25.0) if series != "VIXCLS" else (0.0, 200.0)
    return Table(f"prices/yahoo_jonsflow/fred/{series}.csv", "Date", "date",
                 (Col("Value", "value", (pa.Check.in_range(lo, hi),), f"{FRED_SERIES[series]} in [{lo}, {hi}]"),))


def fred(series: str) -> pd.DataFrame:
    """FRED daily series (DGS10, T10Y2Y, VIXCLS); column ``value``."""
    return load_table(fred_table(series))


def close_table(ticker: str) -> Table:
    stem, unit = CLOSE_TICKERS[ticker]
    col = Col("close", "close", (), f"a close in {unit}") if stem == "ust" else price("close", "close", unit)
    return Table(f"prices/yahoo_edge/{stem}.csv", "date", "date", (col,), header=False,
                 raw_names=("date", "close"))


def yahoo_close(ticker: str) -> pd.DataFrame:
    """Daily close for ``ticker`` from the 2023 -> 2026-08 snapshot; column ``close``."""
    return load_table(close_table(ticker))
