"""CoinMarketCap global metrics: one snapshot a day, taken ~01-05 UTC."""

from __future__ import annotations

import pandas as pd
import pandera.pandas as pa

from .base import Col, Known, Table, amount, load_table

_PCT = (pa.Check.in_range(0, 100),)
TABLE = Table(
    "prices/cmc_global/data.csv",
    "last_updated",
    "timestamp",
    (
        Col(
            "total_market_cap",
            "total_mcap_usd",
            (pa.Check.in_range(1e11, 1e14),),
            "total market cap in USD, between $100bn and $100tn (not millions or billions)",
            level=True,
        ),
        amount("total_volume_24h", "total_volume_24h_usd"),
        amount("altcoin_market_cap", "altcoin_mcap_usd"),
        amount("stablecoin_market_cap", "stablecoin_mcap_usd"),
        Col("btc_dominance", "btc_dominance_pct", _PCT, "a share in percent, 0-100"),
        Col("eth_dominance", "eth_dominance_pct", _PCT, "a share in percent, 0-100"),
    ),
    index_name="snapshot_utc",
    max_move=0.2,
    span=("2025-05-08 01:42", "2026-08-22 01:16"),
    max_gap="30h",
    gaps_ok=(Known("2026-03-18", "no snapshot for 2026-03-19 (SOURCE.md)"),),
)


def cmc_global() -> pd.DataFrame:
    """Snapshots indexed by CMC's ``last_updated`` time (UTC).

    A snapshot taken at 02:00 UTC on D describes the market at the end of
    D-1; :func:`unwind.panel.panel` assigns it to D-1 (``market_date``).
    """
    df = load_table(TABLE)
    df["market_date"] = (df.index - pd.Timedelta(hours=6)).tz_convert(None).normalize()
    return df
