"""Coinglass derivatives data: liquidations, open interest, funding, long/short.

Definitions differ by file and are part of every column's meaning:

* ``binance``      -- liquidations on Binance only;
* ``bob``          -- Binance + OKX + Bybit (Coinglass ``exchange_list``);
* ``all venues``   -- Coinglass aggregated open interest over every venue it tracks.

None of them is the all-exchange liquidation total that headlines quote.
Funding is in percent per funding interval (0.01 = 0.01 %).
"""

from __future__ import annotations

import pandas as pd
import pandera.pandas as pa

from .base import NON_NEGATIVE, Col, Known, Table, amount, load_table

COINS4 = ("BTC", "ETH", "SOL", "XRP")
COINS7 = ("ADA", "BNB", "BTC", "DOGE", "ETH", "SOL", "XRP")
_FUND = (pa.Check.in_range(-5, 5),)
_FUND_EXPECT = "a funding rate in percent per interval, between -5 and 5"


def _fund(raw: str, name: str, nullable: bool = True) -> Col:
    return Col(raw, name, _FUND, _FUND_EXPECT, nullable=nullable)


# --- Binance-only liquidations -------------------------------------------------
BINANCE_LIQ_DAILY = Table(
    "derivatives/coinglass_binance_liq/btc_liq_binance_daily_2020-01-01_2025-11-13.csv",
    "date_utc",
    "date",
    (amount("long_usd", "liq_long_usd"), amount("short_usd", "liq_short_usd")),
    span=("2020-01-01", "2025-11-13"),
    max_gap="1D",
)
BINANCE_LIQ_4H = Table(
    "derivatives/coinglass_binance_liq/liq_binance_4h_BTC_ETH_SOL_XRP.csv",
    "time_utc",
    "timestamp",
    tuple(amount(f"{c}_{side}_usd", f"{c.lower()}_liq_{side}_usd") for c in COINS4 for side in ("long", "short")),
    index_name="time_utc",
    span=("2024-11-13 20:00", "2025-11-14 16:00"),
    max_gap="4h",
)


def binance_liquidations_btc_daily() -> pd.DataFrame:
    """BTC long/short liquidations on Binance only, USD per UTC day (2020 -> 2025-11-13).

    Zero before 2020-12-23 means "not covered", not "no liquidations": those
    days are returned as missing.
    """
    df = load_table(BINANCE_LIQ_DAILY)
    df.loc[:"2020-12-22"] = float("nan")
    return df


def binance_liquidations_4h() -> pd.DataFrame:
    """BTC/ETH/SOL/XRP long/short liquidations on Binance only, USD per 4h bar (bar open, UTC)."""
    return load_table(BINANCE_LIQ_4H)


# --- Binance + OKX + Bybit daily, 7 coins (ends 2025-09-08) ----------------------
AGG3_BTC = Table(
    "derivatives/coinglass_agg3/btc_daily_2020-01-01_2025-09-08.csv",
    "date_utc",
    "date",
    (
        amount("liq_long_usd", "liq_long_usd"),
        amount("liq_short_usd", "liq_short_usd"),
        amount("oi_total_close", "oi_all_venues_usd", nullable=True),
        _fund("funding_oiw_close_pct", "funding_oiw_pct"),
        _fund("funding_volw_close_pct", "funding_volw_pct"),
        Col("lsr_global", "long_short_ratio_accounts", NON_NEGATIVE, "a long/short ratio >= 0", nullable=True),
    ),
    span=("2020-01-01", "2025-09-08"),
    max_gap="1D",
)
AGG3_SPAN = {
    "liq": ("2015-01-01", "2025-09-08"),
    "oi": ("2015-01-01", "2025-09-08"),
    "taker": ("2015-01-01", "2025-09-08"),
}
AGG3_LIQ = Table(
    "derivatives/coinglass_agg3/raw_liquidation_agg_1d.csv",
    "ts_utc",
    "timestamp",
    (amount("liq_long_usd", "liq_long_usd"), amount("liq_short_usd", "liq_short_usd")),
    group_col="symbol",
    span=AGG3_SPAN["liq"],
    max_gap="1D",
)
AGG3_OI = Table(
    "derivatives/coinglass_agg3/raw_futures_oi_agg_1d.csv",
    "ts_utc",
    "timestamp",
    (amount("oi_total_close", "oi_all_venues_usd", nullable=True),),
    group_col="symbol",
    span=AGG3_SPAN["oi"],
    max_gap="1D",
)
AGG3_TAKER = Table(
    "derivatives/coinglass_agg3/raw_taker_vol_agg_futures_1d.csv",
    "ts_utc",
    "timestamp",
    (amount("taker_buy_usd", "taker_buy_usd"), amount("taker_sell_usd", "taker_sell_usd")),
    group_col="symbol",
    span=AGG3_SPAN["taker"],
    max_gap="1D",
)


def bob_btc_daily() -> pd.DataFrame:
    """BTC daily, Binance+OKX+Bybit liquidations, all-venue OI, weighted funding (2020 -> 2025-09-08).

    Liquidations before 2020-12-23 are zeros in the file (not covered) and
    come back as missing.
    """
    df = load_table(AGG3_BTC)
    df.loc[:"2020-12-22", ["liq_long_usd", "liq_short_usd"]] = float("nan")
    return df


def _long_to_wide(table: Table, cols: list[str]) -> pd.DataFrame:
    df = load_table(table)
    df.index = df.index.tz_convert(None).rename("date")
    wide = df.pivot_table(index="date", columns="symbol", values=cols, aggfunc="first")
    wide.columns = [f"{sym.lower()}_{col}" for col, sym in wide.columns]
    return wide.sort_index(axis=1)


def bob_coins_daily() -> pd.DataFrame:
    """Per-coin daily liquidations (Binance+OKX+Bybit), all-venue OI and taker volume, 7 coins.

    Columns ``{coin}_liq_long_usd`` etc.  Zeros before a coin's coverage
    starts are returned as missing.
    """
    wide = pd.concat(
        [
            _long_to_wide(AGG3_LIQ, ["liq_long_usd", "liq_short_usd"]),
            _long_to_wide(AGG3_OI, ["oi_all_venues_usd"]),
            _long_to_wide(AGG3_TAKER, ["taker_buy_usd", "taker_sell_usd"]),
        ],
        axis=1,
    )
    for coin in COINS7:
        liq = [f"{coin.lower()}_liq_long_usd", f"{coin.lower()}_liq_short_usd"]
        total = wide[liq].sum(axis=1)
        first = total[total > 0].index.min()
        wide.loc[wide.index < first, liq] = float("nan")
    return wide


# --- aggregated OI, funding, ratios (2024-11 -> 2025-11-14) ---------------------
OI_4H = Table(
    "derivatives/coinglass_oi_funding/btc_oi_aggregated_all_exchanges_4h.csv",
    "time_utc",
    "timestamp",
    tuple(
        Col(
            f"oi_usd_{k}",
            f"oi_all_venues_{k}_usd",
            (pa.Check.in_range(1e9, 1e12),),
            "BTC open interest in USD, between $1bn and $1tn",
        )
        for k in ("open", "high", "low", "close")
    ),
    index_name="time_utc",
    span=("2024-11-21 20:00", "2025-11-14 16:00"),
    max_gap="4h",
)
VENUES = (
    "BINANCE",
    "BITMEX",
    "BYBIT",
    "CME",
    "OKX",
    "DERIBIT",
    "KRAKEN",
    "BITFINEX",
    "HTX",
    "BITGET",
    "DYDX",
    "BINGX",
    "COINEX",
    "COINBASE",
    "CRYPTO.COM",
    "GATE",
    "HYPERLIQUID",
    "BITUNIX",
    "MEXC",
    "WHITEBIT",
    "KUCOIN",
)
OI_VENUE_4H = Table(
    "derivatives/coinglass_oi_funding/btc_oi_by_exchange_4h_incl_CME.csv",
    "time_utc",
    "timestamp",
    (
        Col("price", "btc_price_usd", (pa.Check.gt(0),), "a positive BTC price in USD", level=True),
        *(amount(v, v.lower().replace(".", "_") + "_oi_usd", nullable=True) for v in VENUES),
    ),
    index_name="time_utc",
    max_move=0.15,
    span=("2025-05-15 20:00", "2025-11-14 12:00"),
    max_gap="4h",
    gaps_ok=(
        Known(
            "2025-09-11 16:00", "41 missing 4h points to 2025-09-18 12:00 in Coinglass's per-exchange chart (SOURCE.md)"
        ),
    ),
)
FUNDING_4H = Table(
    "derivatives/coinglass_oi_funding/btc_funding_oi_and_vol_weighted_4h_pct.csv",
    "time_utc",
    "timestamp",
    (_fund("oiw_close", "funding_oiw_pct", False), _fund("volw_close", "funding_volw_pct")),
    index_name="time_utc",
    span=("2024-11-13 20:00", "2025-11-14 16:00"),
    max_gap="4h",
)
FUNDING_DAILY_OLD = Table(
    "derivatives/coinglass_oi_funding/btc_funding_daily_coinglass_2020-01-01_2024-11-13.csv",
    "date_utc",
    "date",
    (_fund("binance_funding_close_pct", "funding_binance_pct"), _fund("oiw_funding_close_pct", "funding_oiw_pct")),
    span=("2020-01-01", "2024-11-13"),
    max_gap="1D",
)
LS_4H = Table(
    "derivatives/coinglass_oi_funding/btc_binance_ls_ratios_and_basis_4h.csv",
    "time_utc",
    "timestamp",
    (
        Col("global_account_long_short_ratio", "long_short_ratio_accounts", NON_NEGATIVE, "a ratio >= 0"),
        Col("close_basis", "basis_pct", (pa.Check.in_range(-50, 50),), "a futures basis in percent"),
    ),
    index_name="time_utc",
    span=("2024-11-13 20:00", "2025-11-14 16:00"),
    max_gap="4h",
)


def oi_all_venues_4h() -> pd.DataFrame:
    """Aggregated BTC futures open interest over all venues, USD, 4h bars (2024-11-21 -> 2025-11-14)."""
    return load_table(OI_4H)


def oi_by_venue_4h() -> pd.DataFrame:
    """BTC open interest per venue incl. CME, USD, 4h points (2025-05-15 -> 2025-11-14)."""
    return load_table(OI_VENUE_4H)


def funding_weighted_4h() -> pd.DataFrame:
    """OI- and volume-weighted BTC funding, percent per interval, 4h bars (2024-11-13 -> 2025-11-14)."""
    return load_table(FUNDING_4H)


def funding_daily_2020() -> pd.DataFrame:
    """Older daily pulls: Binance BTCUSDT and OI-weighted funding, percent (2020 -> 2024-11-13)."""
    return load_table(FUNDING_DAILY_OLD)


def long_short_basis_4h() -> pd.DataFrame:
    """Binance BTCUSDT global long/short account ratio and futures basis (percent), 4h."""
    return load_table(LS_4H)


# --- 2026 hourly (Binance + Bybit + OKX) and Binance OI/funding ------------------
LIQ_1H_2026 = Table(
    "derivatives/coinglass_1h_2026/raw_liq_1h_b_2025-11-23_2026-05-22.csv",
    "timestamp",
    "epoch_ms",
    (amount("longUsd", "liq_long_usd"), amount("shortUsd", "liq_short_usd")),
    index_name="time_utc",
    span=("2025-11-23 06:00", "2026-05-22 05:00"),
    max_gap="1h",
)
LIQ_DAILY_2026 = Table(
    "derivatives/coinglass_1h_2026/btc_liq_agg_binance_bybit_okx_daily.csv",
    "date_utc",
    "date",
    (
        amount("long_usd", "liq_long_usd"),
        amount("short_usd", "liq_short_usd"),
        Col("hours_covered", "hours_covered", (pa.Check.in_range(0, 24),), "hours 0-24"),
    ),
    span=("2025-11-24", "2026-06-07"),
    max_gap="1D",
)
OI_FUNDING_2026 = Table(
    "derivatives/coinglass_1h_2026/btc_binance_oi_funding_daily_2025-12-04_2026-06-02.csv",
    "date_utc",
    "date",
    (
        Col(
            "oi_binance_btcusdt_usd_close",
            "oi_binance_btcusdt_usd",
            (pa.Check.in_range(1e8, 1e12),),
            "Binance BTCUSDT open interest in USD",
        ),
        _fund("funding_binance_btcusdt_close_pct", "funding_binance_pct", False),
        _fund("funding_oiw_close_pct", "funding_oiw_pct", False),
    ),
    span=("2025-12-04", "2026-06-02"),
    max_gap="1D",
)


def bob_liquidations_1h_2026() -> pd.DataFrame:
    """BTC liquidations Binance+Bybit+OKX, USD per hour (2025-11-23 06:00 -> 2026-05-22)."""
    return load_table(LIQ_1H_2026)


def bob_liquidations_daily_2026() -> pd.DataFrame:
    """BTC liquidations Binance+Bybit+OKX, USD per UTC day (2025-11-24 -> 2026-06-07)."""
    return load_table(LIQ_DAILY_2026)


def binance_oi_funding_daily_2026() -> pd.DataFrame:
    """Binance BTCUSDT OI (USD) and funding (percent), last hourly value per day (2025-12-04 -> 2026-06-02)."""
    return load_table(OI_FUNDING_2026)
