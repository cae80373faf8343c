"""US spot ETF flows (Farside, cryptoetf.today) and ETF AUM (Artemis)."""

from __future__ import annotations

import pandas as pd
import pandera.pandas as pa

from .base import Col, Table, load_table, row_error

# A single fund-day beyond $10bn would be 10x the largest on record: it means
# the file is in USD rather than US$ millions.
_FLOW = (pa.Check.in_range(-10_000, 10_000),)
_FLOW_EXPECT = "a net flow in US$ millions, between -10,000 and 10,000"

BTC_FUNDS = ("IBIT", "FBTC", "BITB", "ARKB", "BTCO", "EZBC", "BRRR", "HODL", "BTCW", "MSBT", "GBTC", "BTC")
ETH_FUNDS = ("ETHA", "ETHB", "FETH", "ETHW", "TETH", "ETHV", "QETH", "EZET", "ETHE", "ETH")
FARSIDE = {
    "BTC": ("flows/farside/farside_btc_etf_flows__daily.csv", BTC_FUNDS),
    "ETH": ("flows/farside/farside_eth_etf_flows__daily.csv", ETH_FUNDS),
}
CRYPTOETF = "flows/cryptoetf_today/btc_etf_flows_cryptoetf_today_2025-09-30_2026-10-02.csv"
ARTEMIS_BTC_AUM = "flows/artemis/bitcoin_etfs_aum.csv"
ARTEMIS_AUM_FUNDS = ("ARKB", "BITB", "BRRR", "Bitcoin", "BTCO", "BTCW", "EZBC", "FBTC", "GBTC", "HODL", "IBIT")
ARTEMIS_WEEKLY = "flows/artemis/crypto_etf_flows_weekly.csv"


def _flow_cols(funds: tuple[str, ...], decimals: int | None = None) -> tuple[Col, ...]:
    return (
        *(Col(f, f, _FLOW, _FLOW_EXPECT, nullable=True, decimals=decimals) for f in funds),
        Col("Total", "total_usd_m", _FLOW, _FLOW_EXPECT, decimals=decimals),
    )


FARSIDE_SPAN = {"BTC": ("2024-01-11", "2026-04-10"), "ETH": ("2024-07-23", "2026-04-10")}


def farside_table(asset: str) -> Table:
    """Farside writes US$ m to one decimal: a cell with more decimals is in another unit (e.g. US$ bn)."""
    path, funds = FARSIDE[asset]
    return Table(
        path,
        "date",
        "date",
        _flow_cols(funds, decimals=1),
        span=FARSIDE_SPAN[asset],
        calendar="XNYS",
        placeholder=funds,
    )


def _check_total(df: pd.DataFrame, funds: tuple[str, ...], table: Table) -> pd.DataFrame:
    """Fund columns must add up to Total; all-empty holiday placeholders are removed, and counted."""
    per_fund = df[list(funds)]
    placeholder = per_fund.isna().all(axis=1) & (df["total_usd_m"] == 0)
    gap = (per_fund.sum(axis=1) - df["total_usd_m"]).abs()
    bad = (gap > 0.15) & ~placeholder
    if bad.any():
        d = bad[bad].index[0]
        raise row_error(
            table,
            d,
            "fund columns do not add up to Total",
            column="Total",
            expected=f"Total = sum of funds ({per_fund.loc[d].sum():.1f})",
            found=float(df.loc[d, "total_usd_m"]),
        )
    out = df.loc[~placeholder].copy()
    out.attrs["holiday_placeholders_removed"] = [f"{d:%Y-%m-%d}" for d in df.index[placeholder]]
    return out


def farside_flows(asset: str = "BTC") -> pd.DataFrame:
    """Daily net flows per fund and ``total_usd_m`` (US$ m, negative = outflow), U.S. trading days."""
    table = farside_table(asset)
    return _check_total(load_table(table), FARSIDE[asset][1], table)


def cryptoetf_table() -> Table:
    return Table(
        CRYPTOETF,
        "date",
        "date",
        _flow_cols(BTC_FUNDS),
        span=("2025-09-30", "2026-10-02"),
        calendar="XNYS",
        placeholder=BTC_FUNDS,
    )


def cryptoetf_flows() -> pd.DataFrame:
    """cryptoetf.today US spot BTC ETF daily net flows, US$ m (same layout as Farside)."""
    table = cryptoetf_table()
    return _check_total(load_table(table), BTC_FUNDS, table)


def artemis_aum_table() -> Table:
    # a fund's AUM is 0 before it lists and at least $100k after (the smallest real value is $0.9m on BTCW's
    # first day); the largest fund in US$ m would read below 100,000
    aum = (pa.Check(lambda v: (v == 0) | (v >= 1e5), element_wise=False, name="zero_or_at_least_100k"),)
    cols = tuple(
        Col(f, f, aum, "AUM per fund in USD (not millions): 0 before listing, else >= 100,000")
        for f in ARTEMIS_AUM_FUNDS
    )
    return Table(ARTEMIS_BTC_AUM, "date", "date", cols, span=("2024-01-11", "2026-04-14"), max_gap="1D")


def artemis_btc_aum() -> pd.DataFrame:
    """Per-fund US spot BTC ETF AUM in USD (Artemis estimates), plus ``total_aum_usd``."""
    table = artemis_aum_table()
    df = load_table(table)
    df["total_aum_usd"] = df[list(ARTEMIS_AUM_FUNDS)].sum(axis=1)
    small = df["total_aum_usd"].loc["2024-06-01":] < 1e9
    if small.any():
        d = small[small].index[0]
        raise row_error(
            table,
            d,
            "total AUM under $1bn: wrong unit scale?",
            column="(all funds)",
            expected="AUM in USD (tens of billions since mid-2024)",
            found=float(df.loc[d, "total_aum_usd"]),
        )
    return df


def artemis_weekly_table() -> Table:
    cols = tuple(
        Col(
            f"{a} - ETF Flows",
            f"{a.lower()}_usd",
            (pa.Check.in_range(-5e10, 5e10),),
            "a weekly net flow in USD (not millions)",
        )
        for a in ("Bitcoin", "Ethereum", "Ripple", "Solana")
    )
    return Table(
        ARTEMIS_WEEKLY, "date", "date", cols, index_name="week_ending", span=("2024-01-14", "2026-04-12"), max_gap="7D"
    )


def artemis_weekly_flows() -> pd.DataFrame:
    """Weekly US spot ETF net flows (USD) by asset, weeks ending Sunday."""
    return load_table(artemis_weekly_table())
