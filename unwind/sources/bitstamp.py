"""Bitstamp BTC/USD price at 00:00 UTC (file is newest first)."""

from __future__ import annotations

import pandas as pd

from .base import Table, load_table, price

TABLE = Table("prices/bitstamp_btc/daily_bitcoin_prices.csv", "Date", "date",
              (price("BTC_USD", "btc_usd_0000utc"),), newest_first=True)


def bitstamp_btc() -> pd.DataFrame:
    """``btc_usd_0000utc`` on date D is the price at 00:00 UTC of D (~ the close of D-1).

    Only the USD column is read: the file's other currencies use stale FX.
    """
    return load_table(TABLE)
