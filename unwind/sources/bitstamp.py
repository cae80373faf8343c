"""Bitstamp BTC/USD price at 00:00 UTC (file is newest first)."""

from __future__ import annotations

import pandas as pd

from .base import Known, Table, load_table, price

BITSTAMP_MOVES_OK = (
    Known("2012-08-20", "August 2012 flash crash"),
    Known("2013-04-11", "April 2013 crash (Mt. Gox lag)"),
    Known("2013-04-12", "April 2013 crash"),
    Known("2013-04-13", "April 2013 crash: rebound"),
    Known("2013-04-18", "April 2013: rebound"),
    Known("2013-11-19", "November 2013 U.S. Senate hearing spike"),
    Known("2013-12-19", "PBoC payment ban sell-off"),
    Known("2013-12-20", "PBoC ban: rebound"),
    Known("2015-01-15", "January 2015 crash (after the Bitstamp hack)"),
    Known("2020-03-13", "COVID crash: the 00:00 UTC price after Black Thursday"),
)
TABLE = Table(
    "prices/bitstamp_btc/daily_bitcoin_prices.csv",
    "Date",
    "date",
    (price("BTC_USD", "btc_usd_0000utc"),),
    newest_first=True,
    max_move=0.25,
    moves_ok=BITSTAMP_MOVES_OK,
    span=("2012-01-01", "2026-08-22"),
    max_gap="1D",
)


def bitstamp_btc() -> pd.DataFrame:
    """``btc_usd_0000utc`` on date D is the price at 00:00 UTC of D (~ the close of D-1).

    Only the USD column is read: the file's other currencies use stale FX.
    """
    return load_table(TABLE)
