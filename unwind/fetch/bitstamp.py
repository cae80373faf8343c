"""Bitstamp BTC/USD price at 00:00 UTC, from the public daily OHLC API (no key needed).

The snapshot takes the close of the day's first one-minute candle; the open
of Bitstamp's daily candle is the first trade of the same minute (they differ
by at most one minute of trading).  Only the USD column is written: the
snapshot's other currencies use stale FX and are not read by the loader.
"""

from __future__ import annotations

import pandas as pd

from ..sources import bitstamp
from .common import Ctx, Job, Part, drift, get_json, progress

URL = "https://www.bitstamp.net/api/v2/ohlc/btcusd/"
LIMIT = 1000
DAY = 86_400
STALE_AFTER = pd.Timedelta(days=3)  # a row per UTC day, every day


def price_0000(ctx: Ctx, start: pd.Timestamp) -> pd.DataFrame:
    """``Date,BTC_USD``: the daily candle's open; a day's row exists as soon as the day has begun."""
    cursor, end, rows = int(start.timestamp()), int(ctx.now.timestamp()), []
    with progress(ctx, "bitstamp BTC/USD", max(1, (end - cursor) // (DAY * LIMIT) + 1)) as bar:
        while cursor <= end:
            js = get_json(ctx, URL, params={"step": DAY, "limit": LIMIT, "start": cursor})
            ohlc = js.get("data", {}).get("ohlc") if isinstance(js, dict) else None
            if not isinstance(ohlc, list):
                raise drift(URL, "an object with data.ohlc, a list of candles", js)
            bad = next((c for c in ohlc if not isinstance(c, dict) or not {"timestamp", "open"} <= set(c)), None)
            if bad is not None:
                raise drift(URL, "candles with timestamp and open", bad)
            rows += ohlc
            bar.update()
            if len(ohlc) < LIMIT:
                break
            cursor = int(ohlc[-1]["timestamp"]) + DAY
    rows = [c for c in rows if int(start.timestamp()) <= int(c["timestamp"]) <= end]
    return pd.DataFrame(
        {
            "Date": [f"{pd.Timestamp(int(c['timestamp']), unit='s'):%Y-%m-%d}" for c in rows],
            "BTC_USD": [str(c["open"]) for c in rows],
        },
        dtype=str,
    )


def jobs() -> list[Job]:
    return [Job("bitstamp_btc", "bitstamp", (Part(bitstamp.TABLE, price_0000, "2012-01-01"),), STALE_AFTER)]
