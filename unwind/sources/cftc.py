"""CFTC Traders in Financial Futures: CME Bitcoin futures, weekly (contracts of 5 BTC)."""

from __future__ import annotations

import pandas as pd

from .base import NON_NEGATIVE as NN
from .base import Col, Table, load_table

_C = "a non-negative number of contracts"
TABLE = Table(
    "derivatives/cftc_cme/cftc-cme-bitcoin-tff_2019-12-31_2026-09-22.csv",
    "report_time",
    "epoch_ms",
    (
        Col("open_interest_all", "open_interest_contracts", NN, _C),
        Col("asset_mgr_positions_long", "asset_mgr_long", NN, _C),
        Col("asset_mgr_positions_short", "asset_mgr_short", NN, _C),
        Col("lev_money_positions_long", "lev_money_long", NN, _C),
        Col("lev_money_positions_short", "lev_money_short", NN, _C),
    ),
    index_name="report_date",
    span=("2019-12-31", "2026-09-22"),
    max_gap="8D",
)
BTC_PER_CONTRACT = 5


def cftc_cme() -> pd.DataFrame:
    """Weekly CME Bitcoin futures OI and positions (contracts), indexed by report ("as of") date."""
    df = load_table(TABLE)
    df.index = df.index.tz_convert(None).normalize()
    df["open_interest_btc"] = df["open_interest_contracts"] * BTC_PER_CONTRACT
    return df
