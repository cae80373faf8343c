"""Binance public market data: spot and USDⓈ-M klines, settled funding (no key needed)."""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd

from ..sources import binance as bn
from .common import Ctx, Job, Part, drift, get_json, progress, to_ms

SPOT = "https://api.binance.com/api/v3/klines"
USDM = "https://fapi.binance.com/fapi/v1/klines"
FUNDING = "https://fapi.binance.com/fapi/v1/fundingRate"
LIMIT = 1000
STEP_MS = {"1h": 3_600_000, "4h": 14_400_000, "1d": 86_400_000}
# Binance trades around the clock: the newest complete bar is at most a bar old; allow for a missed day.
STALE_AFTER = {
    "1h": pd.Timedelta(days=2),
    "4h": pd.Timedelta(days=2),
    "1d": pd.Timedelta(days=3),
    "funding": pd.Timedelta(days=2),
}

Kline = list
Layout = tuple[tuple[str, Callable[[Kline], str]], ...]


def _i(i: int) -> Callable[[Kline], str]:
    return lambda k: str(k[i])


def _iso(k: Kline) -> str:
    return f"{pd.Timestamp(int(k[0]), unit='ms'):%Y-%m-%dT%H:%M:%SZ}"


_OHLCV = (("open", _i(1)), ("high", _i(2)), ("low", _i(3)), ("close", _i(4)), ("volume", _i(5)))
# Each snapshot file's own column layout (see the SOURCE.md of its folder).
DAILY_LAYOUT: dict[tuple[str, str], Layout] = {
    ("BTCUSDT", "spot"): (
        ("open_time", _i(0)),
        *_OHLCV,
        ("close_time", _i(6)),
        ("quote_volume", _i(7)),
        ("trades", _i(8)),
        ("taker_base", _i(9)),
        ("taker_quote", _i(10)),
        ("ignore", _i(11)),
    ),
    ("BTCUSDT", "perp"): (
        ("open_time", _i(0)),
        *_OHLCV,
        ("close_time", _i(6)),
        ("quote_volume", _i(7)),
        ("count", _i(8)),
        ("taker_buy_volume", _i(9)),
        ("taker_buy_quote_volume", _i(10)),
        ("ignore", _i(11)),
    ),
    ("ETHUSDT", "spot"): (
        ("open_time", _i(0)),
        ("datetime", lambda k: f"{pd.Timestamp(int(k[0]), unit='ms'):%Y-%m-%d %H:%M:%S}"),
        *_OHLCV,
        ("close_time", _i(6)),
        ("quote_volume", _i(7)),
        ("trades", _i(8)),
        ("taker_buy_base", _i(9)),
        ("taker_buy_quote", _i(10)),
    ),
}
DAILY_START = {("BTCUSDT", "spot"): "2021-01-01", ("BTCUSDT", "perp"): "2021-01-01", ("ETHUSDT", "spot"): "2024-07-27"}
_INTRADAY = (("open_time_utc", _iso), *_OHLCV)
_INTRADAY_QV = (*_INTRADAY, ("quote_volume", _i(7)))
# first bar of each snapshot file; folders without quote volume keep their layout
INTRADAY_START = {
    "binance_spot_1h_hawk": "2024-04-16 01:00",
    "binance_spot_1h_zhuxice": "2026-01-27 18:00",
    "btcusdt_perp_1h_4h_ggcmk": "2025-01-01",
    "btcusdt_spot_perp_4h_ronaldlu66": "2021-01-01",
    "sol_xrp_spot_4h_manisch/SOLUSDT": "2026-04-12 16:00",
    "sol_xrp_spot_4h_manisch/XRPUSDT": "2026-04-08 20:00",
}


def klines(ctx: Ctx, market: str, symbol: str, interval: str, start: pd.Timestamp) -> list[Kline]:
    """Every complete kline from ``start`` to now, paging forward ``LIMIT`` bars at a time.

    Bars whose close time is not yet past (the still-forming bar) are dropped.
    """
    url = SPOT if market == "spot" else USDM
    cursor, now, rows = to_ms(start), ctx.now_ms(), []
    total = max(1, (now - cursor) // (STEP_MS[interval] * LIMIT) + 1)
    with progress(ctx, f"{symbol} {market} {interval}", total) as bar:
        while cursor < now:
            page = get_json(
                ctx, url, params={"symbol": symbol, "interval": interval, "startTime": cursor, "limit": LIMIT}
            )
            if not isinstance(page, list):
                raise drift(url, "a JSON list of klines", page)
            bad = next((k for k in page if not isinstance(k, list) or len(k) < 12), None)
            if bad is not None:
                raise drift(url, "klines of 12 fields [openTime, open, high, low, close, volume, closeTime, ...]", bad)
            rows += page
            bar.update()
            if len(page) < LIMIT or int(page[-1][0]) < cursor:
                break
            cursor = int(page[-1][0]) + 1
    return [k for k in rows if int(k[6]) < now and int(k[0]) >= to_ms(start)]


def _frame(rows: list[Kline], layout: Layout) -> pd.DataFrame:
    return pd.DataFrame([[f(k) for _, f in layout] for k in rows], columns=[c for c, _ in layout], dtype=str)


def _kline_part(table, market: str, symbol: str, interval: str, layout: Layout, start: str) -> Part:
    def fetch(ctx: Ctx, since: pd.Timestamp) -> pd.DataFrame:
        return _frame(klines(ctx, market, symbol, interval, since), layout)

    return Part(table, fetch, start)


def funding(ctx: Ctx, start: pd.Timestamp, symbol: str = "BTCUSDT") -> pd.DataFrame:
    """Settled funding rates; the interval (hours) is the gap to the neighbouring settlement."""
    cursor, now, rows = to_ms(start), ctx.now_ms(), []
    with progress(ctx, f"{symbol} funding") as bar:
        while cursor < now:
            page = get_json(ctx, FUNDING, params={"symbol": symbol, "startTime": cursor, "limit": LIMIT})
            if not isinstance(page, list):
                raise drift(FUNDING, "a JSON list of funding records", page)
            bad = next(
                (r for r in page if not isinstance(r, dict) or not {"fundingTime", "fundingRate"} <= set(r)), None
            )
            if bad is not None:
                raise drift(FUNDING, "records with fundingTime and fundingRate", bad)
            rows += page
            bar.update()
            if len(page) < LIMIT:
                break
            cursor = int(page[-1]["fundingTime"]) + 1
    t = [int(r["fundingTime"]) for r in rows if int(r["fundingTime"]) <= now]
    gaps = [round((b - a) / 3_600_000) for a, b in zip(t, t[1:], strict=False)]
    hours = ([gaps[0]] + gaps) if gaps else [8] * len(t)
    return pd.DataFrame(
        {
            "fundingTime": [str(x) for x in t],
            "fundingIntervalHours": [str(h) for h in hours],
            "fundingRate": [str(r["fundingRate"]) for r in rows[: len(t)]],
        },
        dtype=str,
    )


def jobs() -> list[Job]:
    out = []
    for (symbol, market), layout in DAILY_LAYOUT.items():
        part = _kline_part(bn.daily_table(symbol, market), market, symbol, "1d", layout, DAILY_START[(symbol, market)])
        out.append(Job(f"binance_{symbol}_{market}_1d", "binance", (part,), STALE_AFTER["1d"]))
    for symbol, market, interval in bn.INTRADAY:
        parts = []
        for table in bn.intraday_tables(symbol, market, interval):
            folder = table.relpath.split("/")[2]
            start = INTRADAY_START.get(folder) or INTRADAY_START[f"{folder}/{symbol}"]
            layout = _INTRADAY if folder in ("binance_spot_1h_hawk", "sol_xrp_spot_4h_manisch") else _INTRADAY_QV
            parts.append(_kline_part(table, market, symbol, interval, layout, start))
        out.append(Job(f"binance_{symbol}_{market}_{interval}", "binance", tuple(parts), STALE_AFTER[interval]))
    out.append(
        Job("binance_funding", "binance", (Part(bn.funding_table(), funding, "2025-01-01"),), STALE_AFTER["funding"])
    )
    return out
