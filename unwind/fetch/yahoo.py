"""Yahoo Finance daily bars through ``yfinance`` (no key needed).

``yfinance`` does its own HTTP (curl_cffi), so this module's boundary is
:func:`download`; tests replace ``yfinance.download`` with recorded frames.
"""

from __future__ import annotations

import logging
import warnings

import pandas as pd
import yfinance as yf

from ..sources import REGISTRY
from ..sources import yahoo as yh
from .common import Ctx, FetchError, Job, Part, cell

YF_SYMBOL = {"DXY": "DX-Y.NYB"}  # the loaders' ticker -> Yahoo's symbol
UTC_DAY = {"BTC-USD", "ETH-USD"}  # crypto bars are UTC days; the rest close in New York
COLUMNS = ["Open", "High", "Low", "Close", "Volume"]
# New York sessions: weekends and holidays (up to four closed days in a row); crypto trades every day
STALE_AFTER = {"market": pd.Timedelta(days=7), "crypto": pd.Timedelta(days=3)}
# auto-adjusted prices: every dividend or split re-bases the history before it, so restated rows are applied
RESTATED = "Yahoo re-bases auto-adjusted history on dividends and splits"


class _Keep(logging.Handler):
    def __init__(self) -> None:
        super().__init__()
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


def download(ticker: str, start: pd.Timestamp, now: pd.Timestamp) -> pd.DataFrame:
    """Daily auto-adjusted bars for ``ticker`` from ``start``; only bars whose day has ended."""
    symbol = YF_SYMBOL.get(ticker, ticker)
    log, kept = logging.getLogger("yfinance"), _Keep()
    log.addHandler(kept)
    log.propagate = False  # yfinance logs its errors; ours carry the reason instead
    try:
        with warnings.catch_warnings():  # yfinance's own pandas deprecations
            warnings.simplefilter("ignore", FutureWarning)
            warnings.simplefilter("ignore", DeprecationWarning)
            df = yf.download(
                symbol,
                start=f"{start:%Y-%m-%d}",
                interval="1d",
                auto_adjust=True,
                actions=False,
                progress=False,
                threads=False,
                multi_level_index=False,
            )
    finally:
        log.removeHandler(kept)
        log.propagate = True
    if df is None or df.empty:
        reason = kept.messages[-1][:200] if kept.messages else "no reason given"
        raise FetchError(f"Yahoo returned no rows for {symbol} from {start:%Y-%m-%d}: {reason}")
    missing = [c for c in COLUMNS if c not in df.columns]
    if missing:
        raise FetchError(f"Yahoo {symbol}: unexpected layout: missing column(s) {missing}, found {list(df.columns)}")
    idx = pd.DatetimeIndex(df.index)
    days = (idx.tz_localize(None) if idx.tz is not None else idx).normalize()
    tz = "UTC" if ticker in UTC_DAY else "America/New_York"
    day_end = days.tz_localize(tz) + pd.Timedelta(days=1)  # a bar is final once its day is over
    out = df[COLUMNS].set_axis(days)[(day_end <= now) & (days >= start.tz_localize(None).normalize())]
    return out.dropna(subset=["Close"])


def _ohlcv_part(ticker: str) -> Part:
    def fetch(ctx: Ctx, start: pd.Timestamp) -> pd.DataFrame:
        df = download(ticker, start, ctx.now)
        rows = [
            [f"{d:%Y-%m-%d}", *(cell(float(v)) for v in r[:4]), cell(float(r[4]))]
            for d, r in zip(df.index, df[COLUMNS].itertuples(index=False), strict=True)
        ]
        return pd.DataFrame(rows, columns=["Date", *COLUMNS], dtype=str)

    return Part(yh.ohlcv_table(ticker), fetch, "1990-01-01", full=True, revisions="apply", why=RESTATED)


def _close_part(ticker: str) -> Part:
    def fetch(ctx: Ctx, start: pd.Timestamp) -> pd.DataFrame:
        df = download(ticker, start, ctx.now)
        return pd.DataFrame(
            {"date": [f"{d:%Y-%m-%d}" for d in df.index], "close": [cell(float(v)) for v in df["Close"]]}, dtype=str
        )

    return Part(yh.close_table(ticker), fetch, "2023-01-01", full=True, revisions="apply", why=RESTATED)


def _stale_after(ticker: str) -> pd.Timedelta:
    return STALE_AFTER["crypto" if ticker in UTC_DAY else "market"]


def jobs() -> list[Job]:
    out = [Job(f"yahoo_{t}", "yahoo", (_ohlcv_part(t),), _stale_after(t)) for t in yh.OHLCV_TICKERS]
    out += [
        Job(f"yahoo_close_{t}", "yahoo", (_close_part(t),), _stale_after(t))
        for t in yh.CLOSE_TICKERS
        if f"yahoo_close_{t}" in REGISTRY
    ]
    return out
