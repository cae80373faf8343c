"""Yahoo Finance (and FRED) daily series.

Two snapshots: ``prices/yahoo_jonsflow`` (OHLCV with header, long history to
2026-03) and ``prices/yahoo_edge`` (close only, no header, 2023 -> 2026-08).
Dates are the exchange's trading date (U.S. close date for ETFs and indices;
the UTC day for BTC-USD and ETH-USD).
"""

from __future__ import annotations

import pandas as pd
import pandera.pandas as pa

from .base import NON_NEGATIVE, Col, Known, Table, load_table, price

OHLCV_TICKERS = {
    "BTC-USD": "btc",
    "ETH-USD": "eth",
    "SPY": "spy",
    "QQQ": "qqq",
    "GLD": "gld",
    "TLT": "tlt",
    "UUP": "uup",
}
FRED_SERIES = {
    "DGS10": "10-year Treasury yield, %",
    "T10Y2Y": "10y-2y Treasury spread, %",
    "VIXCLS": "VIX close, index points",
}
CLOSE_TICKERS = {
    "^GSPC": ("spx", "index points"),
    "^NDX": ("ndx", "index points"),
    "GC=F": ("gold", "USD per troy ounce"),
    "^VIX": ("vix", "index points"),
    "TLT": ("tlt", "USD per share"),
    "^TNX": ("ust", "percent (10-year yield)"),
    "DXY": ("dxy", "index points"),
    "CL=F": ("oil", "USD per barrel"),
    "BTC-USD": ("btc", "USD"),
}


_CRYPTO_CRASHES = (
    Known("2017-12-22", "December 2017 sell-off: intraday low far below the day before"),
    Known("2018-01-16", "January 2018 crash: intraday low"),
    Known("2020-03-12", "COVID crash ('Black Thursday'): close and low"),
    Known("2020-03-13", "the day after Black Thursday: open and high follow the crash"),
    Known("2021-05-19", "May 2021 crash: intraday low"),
)
#: per ticker: (first, last) row, max one-day |log move|, the real moves beyond it (checked 2026-11-30)
OHLCV_RULES: dict[str, tuple[str, str, float, tuple[Known, ...]]] = {
    "BTC-USD": ("2014-09-17", "2026-03-28", 0.25, _CRYPTO_CRASHES),
    "ETH-USD": (
        "2017-11-09",
        "2026-03-28",
        0.25,
        (
            *_CRYPTO_CRASHES,
            Known("2018-02-02", "February 2018 sell-off: intraday low"),
            Known("2020-03-14", "COVID crash, third day: intraday low"),
            Known("2021-01-11", "January 2021 flash sell-off: intraday low"),
            Known("2021-05-20", "the day after the May 2021 crash: open follows it"),
        ),
    ),
    "SPY": ("1993-01-29", "2026-03-27", 0.15, ()),
    "QQQ": (
        "1999-03-10",
        "2026-03-27",
        0.15,
        (
            Known("2001-01-03", "surprise Fed rate cut: Nasdaq-100 +17 % close"),
            Known("2001-01-04", "the day after the Fed cut: open follows the jump"),
            Known("2015-08-24", "flash-crash open: QQQ printed ~17 % below the prior low"),
        ),
    ),
    "GLD": ("2004-11-18", "2026-03-27", 0.15, ()),
    "TLT": ("2002-07-30", "2026-03-27", 0.15, ()),
    "UUP": ("2007-03-01", "2026-03-27", 0.15, ()),
}


def ohlcv_table(ticker: str) -> Table:
    stem = OHLCV_TICKERS[ticker]
    first, last, move, ok = OHLCV_RULES[ticker]
    crypto = ticker.endswith("-USD")
    return Table(
        f"prices/yahoo_jonsflow/{stem}.csv",
        "Date",
        "date",
        (
            price("Open", "open_usd"),
            price("High", "high_usd"),
            price("Low", "low_usd"),
            price("Close", "close_usd"),
            Col("Volume", "volume", NON_NEGATIVE, "a non-negative volume (shares; USD for crypto)"),
        ),
        ohlc=("open_usd", "high_usd", "low_usd", "close_usd"),
        max_move=move,
        moves_ok=ok,
        span=(first, last),
        max_gap="1D" if crypto else None,
        calendar=None if crypto else "XNYS",
    )


def yahoo_ohlcv(ticker: str) -> pd.DataFrame:
    """Daily OHLCV for ``ticker`` (BTC-USD, ETH-USD, SPY, QQQ, GLD, TLT, UUP), USD."""
    return load_table(ohlcv_table(ticker))


def fred_table(series: str) -> Table:
    if series not in FRED_SERIES:
        raise KeyError(f"unknown FRED series {series!r}; known: {sorted(FRED_SERIES)}")
    lo, hi = (-5.0, 25.0) if series != "VIXCLS" else (5.0, 200.0)
    # FRED follows the bond-market (SIFMA) calendar for yields, not NYSE: no XNYS check, a gap tolerance instead
    return Table(
        f"prices/yahoo_jonsflow/fred/{series}.csv",
        "Date",
        "date",
        (Col("Value", "value", (pa.Check.in_range(lo, hi),), f"{FRED_SERIES[series]} in [{lo}, {hi}]"),),
        span=FRED_SPAN[series],
        max_gap="5D",
        gaps_ok=FRED_GAPS,
    )


def fred(series: str) -> pd.DataFrame:
    """FRED daily series (DGS10, T10Y2Y, VIXCLS); column ``value``."""
    return load_table(fred_table(series))


FRED_SPAN = {
    "DGS10": ("1962-01-02", "2026-03-26"),
    "T10Y2Y": ("1976-06-01", "2026-03-27"),
    "VIXCLS": ("1990-01-02", "2026-03-26"),
}
FRED_GAPS = (Known("2001-09-10", "U.S. markets closed 2001-09-11 .. 14 after the attacks (VIX)"),)

_CARTER = "2025-01-09: NYSE closed for President Carter's national day of mourning; futures traded"
#: per ticker: range that fixes the unit, max one-day |log move|, real rows off the NYSE calendar
CLOSE_RULES: dict[str, tuple[tuple[float, float], float, tuple[Known, ...]]] = {
    "^GSPC": ((500.0, 50_000.0), 0.15, ()),
    "^NDX": ((1_000.0, 100_000.0), 0.15, ()),
    "GC=F": (
        (200.0, 20_000.0),
        0.15,
        (Known("2025-01-09", _CARTER), Known("2025-07-04", "CME Globex session on Independence Day")),
    ),
    "^VIX": ((5.0, 200.0), 0.8, (Known("2026-05-25", "Cboe global-trading-hours session on Memorial Day"),)),
    "TLT": ((20.0, 500.0), 0.15, ()),
    "^TNX": ((0.0, 20.0), 0.15, ()),
    "DXY": (
        (50.0, 200.0),
        0.1,
        (Known("2025-01-09", _CARTER), Known("2025-05-26", "ICE futures session on Memorial Day")),
    ),
    "CL=F": (
        (5.0, 500.0),
        0.25,
        (Known("2025-01-09", _CARTER), Known("2025-07-04", "CME Globex session on Independence Day")),
    ),
    "BTC-USD": ((1_000.0, 10_000_000.0), 0.25, ()),
}


def close_table(ticker: str) -> Table:
    stem, unit = CLOSE_TICKERS[ticker]
    between, move, off_ok = CLOSE_RULES[ticker]
    col = price("close", "close", unit, between=between)
    if stem == "ust":
        col = Col(
            "close",
            "close",
            (pa.Check.in_range(*between),),
            f"a yield in percent between {between[0]:g} and {between[1]:g} (not a decimal, not basis points)",
            level=True,
        )
    crypto = ticker == "BTC-USD"
    return Table(
        f"prices/yahoo_edge/{stem}.csv",
        "date",
        "date",
        (col,),
        header=False,
        raw_names=("date", "close"),
        max_move=move,
        span=("2023-01-03" if not crypto else "2023-01-01", "2026-08-21"),
        max_gap="1D" if crypto else None,
        calendar=None if crypto else "XNYS",
        off_calendar_ok=off_ok,
    )


def yahoo_close(ticker: str) -> pd.DataFrame:
    """Daily close for ``ticker`` from the 2023 -> 2026-08 snapshot; column ``close``."""
    return load_table(close_table(ticker))
