"""One loader per raw source, each returning a canonical, schema-checked frame.

:data:`REGISTRY` lists every loader the report uses with the tables it reads,
so the data-audit chapter, the panel cache key and the benchmark all see the
same list.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import partial

import pandas as pd

from . import binance, bitstamp, cftc, cmc, coinglass, flows, hyperliquid, sentiment, yahoo
from .base import DataError, Table, data_dir, resolve


@dataclass(frozen=True)
class Source:
    name: str
    provider: str
    definition: str
    load: Callable[[], pd.DataFrame]
    tables: tuple[Table, ...]


def _yahoo() -> list[Source]:
    out = [
        Source(
            f"yahoo_{t}",
            "Yahoo Finance",
            f"{t} daily OHLCV, USD",
            partial(yahoo.yahoo_ohlcv, t),
            (yahoo.ohlcv_table(t),),
        )
        for t in yahoo.OHLCV_TICKERS
    ]
    out += [
        Source(f"fred_{s}", "FRED", d, partial(yahoo.fred, s), (yahoo.fred_table(s),))
        for s, d in yahoo.FRED_SERIES.items()
    ]
    out += [
        Source(
            f"yahoo_close_{t}",
            "Yahoo Finance",
            f"{t} daily close, {unit}",
            partial(yahoo.yahoo_close, t),
            (yahoo.close_table(t),),
        )
        for t, (_, unit) in yahoo.CLOSE_TICKERS.items()
    ]
    return out


def _binance() -> list[Source]:
    out = [
        Source(
            f"binance_{s}_{m}_1d",
            "Binance",
            f"{s} {m} daily klines, USDT",
            partial(binance.binance_daily, s, m),
            (binance.daily_table(s, m),),
        )
        for s, m in binance.DAILY
    ]
    out += [
        Source(
            f"binance_{s}_{m}_{i}",
            "Binance",
            f"{s} {m} {i} klines, USDT",
            partial(binance.binance_intraday, s, m, i),
            tuple(binance.intraday_tables(s, m, i)),
        )
        for s, m, i in binance.INTRADAY
    ]
    out.append(
        Source(
            "binance_funding",
            "Binance",
            "BTCUSDT settled funding per 8h, decimal",
            binance.binance_funding,
            (binance.funding_table(),),
        )
    )
    return out


cg = coinglass
REGISTRY: dict[str, Source] = {
    s.name: s
    for s in [
        *_yahoo(),
        *_binance(),
        Source("bitstamp_btc", "Bitstamp", "BTC/USD price at 00:00 UTC", bitstamp.bitstamp_btc, (bitstamp.TABLE,)),
        Source(
            "cmc_global",
            "CoinMarketCap",
            "total crypto market cap and dominance, daily snapshot ~01-05 UTC",
            cmc.cmc_global,
            (cmc.TABLE,),
        ),
        Source(
            "farside_btc",
            "Farside",
            "US spot BTC ETF net flows per fund, US$ m",
            partial(flows.farside_flows, "BTC"),
            (flows.farside_table("BTC"),),
        ),
        Source(
            "farside_eth",
            "Farside",
            "US spot ETH ETF net flows per fund, US$ m",
            partial(flows.farside_flows, "ETH"),
            (flows.farside_table("ETH"),),
        ),
        Source(
            "cryptoetf_btc",
            "cryptoetf.today",
            "US spot BTC ETF net flows per fund, US$ m",
            flows.cryptoetf_flows,
            (flows.cryptoetf_table(),),
        ),
        Source(
            "artemis_btc_aum",
            "Artemis",
            "US spot BTC ETF AUM per fund, USD",
            flows.artemis_btc_aum,
            (flows.artemis_aum_table(),),
        ),
        Source(
            "artemis_weekly",
            "Artemis",
            "US spot ETF weekly net flows by asset, USD",
            flows.artemis_weekly_flows,
            (flows.artemis_weekly_table(),),
        ),
        Source(
            "fear_greed", "alternative.me", "Crypto Fear & Greed Index, 0-100", sentiment.fear_greed, (sentiment.TABLE,)
        ),
        Source(
            "cg_binance_liq_btc_1d",
            "Coinglass",
            "BTC liquidations, Binance only, USD/day",
            cg.binance_liquidations_btc_daily,
            (cg.BINANCE_LIQ_DAILY,),
        ),
        Source(
            "cg_binance_liq_4h",
            "Coinglass",
            "BTC/ETH/SOL/XRP liquidations, Binance only, USD/4h",
            cg.binance_liquidations_4h,
            (cg.BINANCE_LIQ_4H,),
        ),
        Source(
            "cg_bob_btc_1d",
            "Coinglass",
            "BTC liquidations Binance+OKX+Bybit, all-venue OI, weighted funding, daily",
            cg.bob_btc_daily,
            (cg.AGG3_BTC,),
        ),
        Source(
            "cg_bob_coins_1d",
            "Coinglass",
            "7-coin liquidations Binance+OKX+Bybit, all-venue OI, taker volume, daily",
            cg.bob_coins_daily,
            (cg.AGG3_LIQ, cg.AGG3_OI, cg.AGG3_TAKER),
        ),
        Source("cg_oi_all_4h", "Coinglass", "BTC open interest, all venues, USD, 4h", cg.oi_all_venues_4h, (cg.OI_4H,)),
        Source(
            "cg_oi_venue_4h",
            "Coinglass",
            "BTC open interest by venue incl. CME, USD, 4h",
            cg.oi_by_venue_4h,
            (cg.OI_VENUE_4H,),
        ),
        Source(
            "cg_funding_4h",
            "Coinglass",
            "BTC OI- and volume-weighted funding, % per interval, 4h",
            cg.funding_weighted_4h,
            (cg.FUNDING_4H,),
        ),
        Source(
            "cg_funding_1d_2020",
            "Coinglass",
            "BTC Binance and OI-weighted funding, % per interval, daily",
            cg.funding_daily_2020,
            (cg.FUNDING_DAILY_OLD,),
        ),
        Source(
            "cg_ls_basis_4h",
            "Coinglass",
            "Binance BTCUSDT long/short account ratio and basis, 4h",
            cg.long_short_basis_4h,
            (cg.LS_4H,),
        ),
        Source(
            "cg_bob_liq_1h_2026",
            "Coinglass",
            "BTC liquidations Binance+Bybit+OKX, USD/hour",
            cg.bob_liquidations_1h_2026,
            (cg.LIQ_1H_2026,),
        ),
        Source(
            "cg_bob_liq_1d_2026",
            "Coinglass",
            "BTC liquidations Binance+Bybit+OKX, USD/day",
            cg.bob_liquidations_daily_2026,
            (cg.LIQ_DAILY_2026,),
        ),
        Source(
            "cg_binance_oi_funding_2026",
            "Coinglass",
            "Binance BTCUSDT OI (USD) and funding (%), daily",
            cg.binance_oi_funding_daily_2026,
            (cg.OI_FUNDING_2026,),
        ),
        Source(
            "cftc_cme", "CFTC", "CME Bitcoin futures OI and positions, contracts, weekly", cftc.cftc_cme, (cftc.TABLE,)
        ),
        Source(
            "hyperliquid_oct10",
            "Hyperliquid",
            "liquidations and ADL per ticker, 2025-10-10 21:15-21:27 UTC",
            hyperliquid.hyperliquid_oct10,
            (hyperliquid.TABLE,),
        ),
    ]
}


def load(name: str) -> pd.DataFrame:
    """Load one registered source by name."""
    try:
        return REGISTRY[name].load()
    except KeyError:
        raise KeyError(f"unknown source {name!r}; known: {sorted(REGISTRY)}") from None


__all__ = ["REGISTRY", "DataError", "Source", "Table", "data_dir", "load", "resolve"]
