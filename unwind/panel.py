"""The aligned daily panel every chapter shares.

One row per UTC calendar day.  Crypto series are UTC-day values.  Series that
trade on U.S. business days (ETFs, indices, gold, yields, ETF flows) sit on
their U.S. close date and are *missing* on days without a U.S. close: they
are never forward-filled, so no weekend turns into a fake zero return.
Returns are log returns in percent, each computed on the series' own
observation days.

Every column has one definition in :data:`COLUMNS`.  Two sources are never
spliced silently: the single splice (Yahoo BTC-USD from two snapshots of the
same Yahoo series) is checked for agreement on its overlap here and shown in
the data-audit chapter.

The panel is cached as parquet under ``data/cache/``, keyed by the sha256 of
every file it read and of this package's code, so a changed file or a changed
definition rebuilds it.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from . import config
from .hashing import file_sha256
from .sources import REGISTRY, DataError, resolve
from .sources import binance as bn
from .sources import coinglass as cg
from .sources import flows as fl
from .sources import yahoo as yh
from .sources.base import nyse_close_utc
from .sources.bitstamp import bitstamp_btc
from .sources.cmc import cmc_global
from .sources.crosscheck import crosscheck
from .sources.sentiment import fear_greed

START = pd.Timestamp("2017-01-01")
US_CLOSE_TZ = "America/New_York"


@dataclass(frozen=True)
class ColumnDef:
    unit: str
    source: str
    definition: str


def _c(unit: str, source: str, definition: str) -> ColumnDef:
    return ColumnDef(unit, source, definition)


COLUMNS: dict[str, ColumnDef] = {
    # --- crypto prices, UTC day -------------------------------------------------
    "btc_close_usd": _c(
        "USD",
        "yahoo_BTC-USD + yahoo_close_BTC-USD",
        "Yahoo BTC-USD close of the UTC day; 2023 on from the daily-refreshed snapshot "
        "(equal to the older one on the overlap, checked)",
    ),
    "btc_return_pct": _c("% (log)", "derived", "100 x log change of btc_close_usd from the previous UTC day"),
    "btc_running_high_usd": _c("USD", "derived", "highest btc_close_usd since 2014-09-17 up to that day"),
    "btc_drawdown_pct": _c("%", "derived", "100 x (btc_close_usd / btc_running_high_usd - 1)"),
    "btc_binance_open_usdt": _c("USDT", "binance_BTCUSDT_spot_1d", "Binance BTCUSDT spot daily open, 00:00 UTC"),
    "btc_binance_high_usdt": _c("USDT", "binance_BTCUSDT_spot_1d", "Binance BTCUSDT spot daily high"),
    "btc_binance_low_usdt": _c("USDT", "binance_BTCUSDT_spot_1d", "Binance BTCUSDT spot daily low"),
    "btc_binance_close_usdt": _c("USDT", "binance_BTCUSDT_spot_1d", "Binance BTCUSDT spot daily close, 24:00 UTC"),
    "btc_perp_close_usdt": _c("USDT", "binance_BTCUSDT_perp_1d", "Binance BTCUSDT USD-M perpetual daily close"),
    "btc_bitstamp_close_usd": _c(
        "USD", "bitstamp_btc", "Bitstamp BTC/USD at 00:00 UTC of the NEXT day (= close of this UTC day)"
    ),
    "eth_close_usd": _c("USD", "yahoo_ETH-USD", "Yahoo ETH-USD close of the UTC day (to 2026-03-27)"),
    "eth_return_pct": _c("% (log)", "derived", "100 x log change of eth_close_usd"),
    "eth_binance_close_usdt": _c("USDT", "binance_ETHUSDT_spot_1d", "Binance ETHUSDT spot daily close"),
    "total_mcap_usd": _c(
        "USD",
        "cmc_global",
        "CoinMarketCap total crypto market cap, snapshot taken 01-05 UTC the next day, "
        "assigned to the UTC day it closes",
    ),
    "btc_dominance_pct": _c("%", "cmc_global", "Bitcoin share of total market cap, same snapshot"),
    "fng_value": _c("index 0-100", "fear_greed", "Crypto Fear & Greed Index (alternative.me), daily value"),
    # --- derivatives --------------------------------------------------------------
    "liq_binance_btc_long_usd": _c("USD", "cg_binance_liq_btc_1d", "BTC long liquidations, Binance only"),
    "liq_binance_btc_short_usd": _c("USD", "cg_binance_liq_btc_1d", "BTC short liquidations, Binance only"),
    "liq_bob_btc_long_usd": _c("USD", "cg_bob_btc_1d", "BTC long liquidations, Binance+OKX+Bybit (to 2025-09-08)"),
    "liq_bob_btc_short_usd": _c("USD", "cg_bob_btc_1d", "BTC short liquidations, Binance+OKX+Bybit (to 2025-09-08)"),
    "liq_bob26_btc_long_usd": _c(
        "USD",
        "cg_bob_liq_1d_2026",
        "BTC long liquidations, Binance+Bybit+OKX, hourly pulls summed (2025-11-24 on); "
        "same definition as liq_bob_* but a separate pull with no overlap: not spliced",
    ),
    "liq_bob26_btc_short_usd": _c("USD", "cg_bob_liq_1d_2026", "BTC short liquidations, as liq_bob26_btc_long_usd"),
    "oi_all_btc_usd": _c("USD", "cg_bob_btc_1d", "BTC futures open interest, all venues, daily close (to 2025-09-08)"),
    "oi_all_btc_4h_usd": _c(
        "USD",
        "cg_oi_all_4h",
        "BTC futures open interest, all venues, close of the last 4h bar of the UTC day (2024-11-21 -> 2025-11-14)",
    ),
    "oi_binance_btcusdt_usd": _c(
        "USD",
        "cg_binance_oi_funding_2026",
        "Binance BTCUSDT perpetual OI, last hourly value of the day (2025-12-04 on)",
    ),
    "funding_oiw_pct": _c("% per 8h", "cg_bob_btc_1d", "OI-weighted BTC funding, daily close (to 2025-09-08)"),
    "funding_oiw_4h_pct": _c(
        "% per 8h", "cg_funding_4h", "OI-weighted BTC funding, mean of the day's 4h closes (2024-11-13 -> 2025-11-14)"
    ),
    "funding_binance_settled_pct": _c(
        "% per 8h", "binance_funding", "Binance BTCUSDT settled funding, mean of the day's three settlements"
    ),
    # --- ETF flows (U.S. trading days) ----------------------------------------------
    "etf_btc_flow_usd_m": _c("US$ m", "farside_btc", "US spot BTC ETF net flow, all funds (Farside), U.S. date"),
    "etf_btc_flow_cetf_usd_m": _c("US$ m", "cryptoetf_btc", "US spot BTC ETF net flow, all funds (cryptoetf.today)"),
    "etf_ibit_flow_usd_m": _c("US$ m", "farside_btc", "IBIT net flow (Farside)"),
    "etf_gbtc_flow_usd_m": _c("US$ m", "farside_btc", "GBTC net flow (Farside)"),
    "etf_eth_flow_usd_m": _c("US$ m", "farside_eth", "US spot ETH ETF net flow, all funds (Farside)"),
    "etf_btc_aum_usd": _c("USD", "artemis_btc_aum", "US spot BTC ETF AUM, sum of funds (Artemis estimate)"),
    "etf_btc_flow_pct_aum": _c(
        "% of AUM", "derived", "etf_btc_flow_usd_m as a share of the previous calendar day's etf_btc_aum_usd"
    ),
    "btc_usclose_usdt": _c(
        "USDT",
        "binance_BTCUSDT_spot_1h",
        "Binance BTCUSDT spot price at the U.S. equity close (16:00 New York; 13:00 on NYSE early-close days), "
        "U.S. trading days",
    ),
    "btc_usclose_return_pct": _c(
        "% (log)", "derived", "100 x log change of btc_usclose_usdt from the previous U.S. close"
    ),
    # --- U.S. markets, U.S. close date (missing on days without a close) ----------------
    "spy_close_usd": _c("USD", "yahoo_SPY", "SPY close (adjusted), to 2026-03-27"),
    "qqq_close_usd": _c("USD", "yahoo_QQQ", "QQQ close (adjusted), to 2026-03-27"),
    "gld_close_usd": _c("USD", "yahoo_GLD", "GLD close (adjusted), to 2026-03-27"),
    "uup_close_usd": _c("USD", "yahoo_UUP", "UUP (dollar index ETF) close, to 2026-03-27"),
    "tlt_close_usd": _c("USD", "yahoo_TLT", "TLT close (adjusted), to 2026-03-27"),
    "gold_close_usd": _c("USD/oz", "yahoo_close_GC=F", "COMEX gold front-month (GC=F) close, 2023 on"),
    "spx_close": _c("index", "yahoo_close_^GSPC", "S&P 500 close, 2023 on"),
    "ndx_close": _c("index", "yahoo_close_^NDX", "Nasdaq-100 close, 2023 on"),
    "dxy_close": _c("index", "yahoo_close_DXY", "U.S. dollar index (DX-Y.NYB) close, 2023 on"),
    "vix_close": _c("index", "yahoo_close_^VIX", "VIX close, 2023 on"),
    "ust10y_pct": _c("%", "yahoo_close_^TNX", "10-year Treasury yield (^TNX), 2023 on"),
    "dgs10_pct": _c("%", "fred_DGS10", "10-year Treasury constant-maturity yield (FRED)"),
    "t10y2y_pct": _c("%", "fred_T10Y2Y", "10y-2y Treasury spread (FRED)"),
    "vixcls": _c("index", "fred_VIXCLS", "VIX close (FRED)"),
}
US_PRICE_COLS = [
    "spy_close_usd",
    "qqq_close_usd",
    "gld_close_usd",
    "uup_close_usd",
    "tlt_close_usd",
    "gold_close_usd",
    "spx_close",
    "ndx_close",
    "dxy_close",
    "vix_close",
]
US_RATE_COLS = ["ust10y_pct", "dgs10_pct", "t10y2y_pct"]
for _col in US_PRICE_COLS:
    _stem = _col.removesuffix("_usd").removesuffix("_close")
    COLUMNS[f"{_stem}_return_pct"] = _c(
        "% (log)", "derived", f"100 x log change of {_col} from its previous U.S. close"
    )
for _col in US_RATE_COLS:
    COLUMNS[f"{_col.removesuffix('_pct')}_change_pp"] = _c(
        "pp", "derived", f"change of {_col} from its previous observation"
    )

SOURCES_READ = (
    "yahoo_BTC-USD",
    "yahoo_ETH-USD",
    "yahoo_SPY",
    "yahoo_QQQ",
    "yahoo_GLD",
    "yahoo_UUP",
    "yahoo_TLT",
    "fred_DGS10",
    "fred_T10Y2Y",
    "fred_VIXCLS",
    "yahoo_close_^GSPC",
    "yahoo_close_^NDX",
    "yahoo_close_GC=F",
    "yahoo_close_^VIX",
    "yahoo_close_^TNX",
    "yahoo_close_DXY",
    "yahoo_close_BTC-USD",
    "binance_BTCUSDT_spot_1d",
    "binance_BTCUSDT_perp_1d",
    "binance_ETHUSDT_spot_1d",
    "binance_BTCUSDT_spot_1h",
    "binance_funding",
    "bitstamp_btc",
    "cmc_global",
    "farside_btc",
    "farside_eth",
    "cryptoetf_btc",
    "artemis_btc_aum",
    "fear_greed",
    "cg_binance_liq_btc_1d",
    "cg_bob_btc_1d",
    "cg_oi_all_4h",
    "cg_funding_4h",
    "cg_bob_liq_1d_2026",
    "cg_binance_oi_funding_2026",
)


def log_return_pct(close: pd.Series) -> pd.Series:
    """100 x log change between consecutive *observed* values (gaps are skipped, never filled)."""
    obs = close.dropna()
    return (100 * np.log(obs).diff()).reindex(close.index)


def splice_checked(old: pd.Series, new: pd.Series, start: str, *, name: str, tol_pct: float = 0.01) -> pd.Series:
    """Use ``old`` before ``start`` and ``new`` from it; refuse if they disagree on their overlap."""
    both = pd.concat([old, new], axis=1, keys=["old", "new"]).dropna()
    gap = (both["new"] / both["old"] - 1).abs() * 100
    if len(both) == 0 or gap.median() > tol_pct:
        raise ValueError(
            f"{name}: the two snapshots disagree on their overlap "
            f"(n={len(both)}, median |diff| {gap.median():.4f}% > {tol_pct}%)"
        )
    return pd.concat([old[old.index < start], new[new.index >= start]])


def us_close_price(hourly: pd.DataFrame, us_days: pd.DatetimeIndex) -> pd.Series:
    """Price at the NYSE close on each U.S. trading day: the close of the hourly bar ending then.

    The close is the session's actual close from the XNYS calendar (:func:`~unwind.sources.base.nyse_close_utc`):
    16:00 New York, 13:00 on early-close days; a day that is not an XNYS session has no U.S. close (NaN).
    """
    close_utc = nyse_close_utc(us_days)
    bar_open = close_utc - pd.Timedelta(hours=1)
    px = hourly["close_usdt"].reindex(bar_open)
    return pd.Series(px.to_numpy(), index=pd.DatetimeIndex(us_days, name="date"))


def _build() -> pd.DataFrame:
    # every source agrees with every other where they overlap (a hard check; DataError names the file and row)
    crosscheck()
    # to today: the loaders reject rows dated in the future, and the panel is trimmed to its last row below, so
    # data fetched later are never dropped by a fixed end date
    idx = pd.date_range(START, pd.Timestamp.now(tz="UTC").tz_localize(None).normalize(), freq="D", name="date")
    p = pd.DataFrame(index=idx)

    yb = yh.yahoo_ohlcv("BTC-USD")["close_usd"]
    btc = splice_checked(yb.iloc[:-1], yh.yahoo_close("BTC-USD")["close"], "2023-01-01", name="btc_close_usd")
    p["btc_close_usd"] = btc
    p["btc_return_pct"] = log_return_pct(p["btc_close_usd"])
    p["btc_running_high_usd"] = btc.cummax().reindex(idx)
    p["btc_drawdown_pct"] = 100 * (p["btc_close_usd"] / p["btc_running_high_usd"] - 1)
    spot = bn.binance_daily("BTCUSDT", "spot")
    for k in ("open", "high", "low", "close"):
        p[f"btc_binance_{k}_usdt"] = spot[f"{k}_usdt"]
    p["btc_perp_close_usdt"] = bn.binance_daily("BTCUSDT", "perp")["close_usdt"]
    bs = bitstamp_btc()["btc_usd_0000utc"]
    p["btc_bitstamp_close_usd"] = bs.set_axis(bs.index - pd.Timedelta(days=1))
    # the last Yahoo row of this snapshot is an intraday partial bar
    p["eth_close_usd"] = yh.yahoo_ohlcv("ETH-USD")["close_usd"].iloc[:-1]
    p["eth_return_pct"] = log_return_pct(p["eth_close_usd"])
    p["eth_binance_close_usdt"] = bn.binance_daily("ETHUSDT", "spot")["close_usdt"]

    cmc = cmc_global()
    cmc = cmc.set_index("market_date")
    if cmc.index.duplicated().any():
        raise DataError(
            resolve("prices/cmc_global/data.csv"),
            "two snapshots map to the same market day",
            column="last_updated",
            found=str(cmc.index[cmc.index.duplicated()][0].date()),
            expected="one snapshot per day, taken 01-05 UTC",
        )
    p["total_mcap_usd"] = cmc["total_mcap_usd"]
    p["btc_dominance_pct"] = cmc["btc_dominance_pct"]
    p["fng_value"] = fear_greed()["fng_value"]

    liq = cg.binance_liquidations_btc_daily()
    p["liq_binance_btc_long_usd"], p["liq_binance_btc_short_usd"] = liq["liq_long_usd"], liq["liq_short_usd"]
    bob = cg.bob_btc_daily()
    p["liq_bob_btc_long_usd"], p["liq_bob_btc_short_usd"] = bob["liq_long_usd"], bob["liq_short_usd"]
    p["oi_all_btc_usd"] = bob["oi_all_venues_usd"]
    p["funding_oiw_pct"] = bob["funding_oiw_pct"]
    b26 = cg.bob_liquidations_daily_2026()
    p["liq_bob26_btc_long_usd"], p["liq_bob26_btc_short_usd"] = b26["liq_long_usd"], b26["liq_short_usd"]
    oi4 = cg.oi_all_venues_4h()["oi_all_venues_close_usd"]
    p["oi_all_btc_4h_usd"] = oi4.groupby(oi4.index.tz_convert(None).normalize()).last()
    f4 = cg.funding_weighted_4h()["funding_oiw_pct"]
    p["funding_oiw_4h_pct"] = f4.groupby(f4.index.tz_convert(None).normalize()).mean()
    p["oi_binance_btcusdt_usd"] = cg.binance_oi_funding_daily_2026()["oi_binance_btcusdt_usd"]
    fb = bn.binance_funding()["funding_rate"] * 100
    p["funding_binance_settled_pct"] = fb.groupby(fb.index.tz_convert(None).normalize()).mean()

    far = fl.farside_flows("BTC")
    p["etf_btc_flow_usd_m"] = far["total_usd_m"]
    p["etf_ibit_flow_usd_m"] = far["IBIT"]
    p["etf_gbtc_flow_usd_m"] = far["GBTC"]
    p["etf_btc_flow_cetf_usd_m"] = fl.cryptoetf_flows()["total_usd_m"]
    p["etf_eth_flow_usd_m"] = fl.farside_flows("ETH")["total_usd_m"]
    p["etf_btc_aum_usd"] = fl.artemis_btc_aum()["total_aum_usd"]
    p["etf_btc_flow_pct_aum"] = 100 * p["etf_btc_flow_usd_m"] * 1e6 / p["etf_btc_aum_usd"].shift(1)

    for col, ticker in {
        "spy_close_usd": "SPY",
        "qqq_close_usd": "QQQ",
        "gld_close_usd": "GLD",
        "uup_close_usd": "UUP",
        "tlt_close_usd": "TLT",
    }.items():
        p[col] = yh.yahoo_ohlcv(ticker)["close_usd"]
    for col, ticker in {
        "gold_close_usd": "GC=F",
        "spx_close": "^GSPC",
        "ndx_close": "^NDX",
        "dxy_close": "DXY",
        "vix_close": "^VIX",
        "ust10y_pct": "^TNX",
    }.items():
        p[col] = yh.yahoo_close(ticker)["close"]
    p["dgs10_pct"], p["t10y2y_pct"] = yh.fred("DGS10")["value"], yh.fred("T10Y2Y")["value"]
    p["vixcls"] = yh.fred("VIXCLS")["value"]
    for col in US_PRICE_COLS:
        p[f"{col.removesuffix('_usd').removesuffix('_close')}_return_pct"] = log_return_pct(p[col])
    for col in US_RATE_COLS:
        p[f"{col.removesuffix('_pct')}_change_pp"] = p[col].dropna().diff().reindex(idx)

    us_days = p.index[p["spy_close_usd"].notna() | p["spx_close"].notna()]
    p["btc_usclose_usdt"] = us_close_price(bn.binance_intraday("BTCUSDT", "spot", "1h"), us_days)
    p["btc_usclose_return_pct"] = log_return_pct(p["btc_usclose_usdt"])

    missing = set(COLUMNS) - set(p.columns)
    extra = set(p.columns) - set(COLUMNS)
    if missing or extra:  # one definition per column, always
        raise RuntimeError(f"panel columns and COLUMNS differ: missing {missing}, undefined {extra}")
    return p[list(COLUMNS)].loc[: p.dropna(how="all").index.max()]


def source_files() -> list[Path]:
    """Every snapshot file the panel reads."""
    return sorted({resolve(t.relpath) for name in SOURCES_READ for t in REGISTRY[name].tables})


def cache_key() -> str:
    """sha256 over the panel's input files and the package code that turns them into columns."""
    h = hashlib.sha256()
    code = sorted(Path(__file__).parent.glob("sources/*.py")) + [Path(__file__)]
    for f in [*source_files(), *code]:
        if not f.is_file():
            raise DataError(f, "file not found", expected="every file the panel reads")
        h.update(f.name.encode())
        h.update(file_sha256(f).encode())
    return h.hexdigest()


def panel(*, use_cache: bool = True, cache_dir: Path | None = None) -> pd.DataFrame:
    """The aligned daily panel (see module docstring); cached by content hash in ``cache_dir``
    (default :func:`unwind.config.cache_dir`)."""
    cache = Path(cache_dir) if cache_dir is not None else config.cache_dir()
    path = cache / f"panel-{cache_key()[:20]}.parquet"
    if use_cache and path.is_file():
        try:
            return pd.read_parquet(path)
        except OSError:  # removed or replaced by a concurrent process: build it here
            pass
    p = _build()
    if use_cache:
        cache.mkdir(parents=True, exist_ok=True)
        # a private temp file, then an atomic rename: concurrent kernels never read a half-written cache
        fd, tmp = tempfile.mkstemp(dir=cache, prefix=".panel-", suffix=".tmp")
        os.close(fd)
        p.to_parquet(tmp)
        os.replace(tmp, path)
        for old in cache.glob("panel-*.parquet"):
            if old != path:
                old.unlink(missing_ok=True)
    return p


def definitions() -> pd.DataFrame:
    """One row per panel column: unit, source, definition."""
    return pd.DataFrame(
        [{"column": k, "unit": v.unit, "source": v.source, "definition": v.definition} for k, v in COLUMNS.items()]
    ).set_index("column")
