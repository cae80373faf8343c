"""CoinMarketCap global metrics: today's snapshot, appended to the history (needs ``CMC_API_KEY``).

The free plan serves only the latest snapshot, so the history before the first
refresh comes from the snapshot's file.  One row per market day is kept
(market day = snapshot time minus 6 h, as the loader assigns it); a later
snapshot of the same market day replaces an earlier one.
"""

from __future__ import annotations

import pandas as pd

from ..sources import cmc
from .common import Ctx, FetchError, Job, Part, api_key, cell, drift, get_json

URL = "https://pro-api.coinmarketcap.com/v1/global-metrics/quotes/latest"
# the snapshot file's columns: top-level fields, then the USD quote, then the fetch time
FIELDS = (
    "active_cryptocurrencies total_cryptocurrencies active_market_pairs active_exchanges total_exchanges "
    "eth_dominance btc_dominance eth_dominance_yesterday btc_dominance_yesterday defi_volume_24h "
    "defi_volume_24h_reported defi_market_cap defi_24h_percentage_change stablecoin_volume_24h "
    "stablecoin_volume_24h_reported stablecoin_market_cap stablecoin_24h_percentage_change "
    "derivatives_volume_24h derivatives_volume_24h_reported derivatives_24h_percentage_change "
    "total_crypto_dex_currencies today_incremental_crypto_number past_24h_incremental_crypto_number "
    "past_7d_incremental_crypto_number past_30d_incremental_crypto_number today_change_percent last_updated "
    "total_market_cap total_volume_24h total_volume_24h_reported altcoin_volume_24h altcoin_volume_24h_reported "
    "altcoin_market_cap total_market_cap_yesterday total_volume_24h_yesterday "
    "total_market_cap_yesterday_percentage_change total_volume_24h_yesterday_percentage_change date"
).split()
REQUIRED = [c.raw for c in cmc.TABLE.cols] + ["last_updated"]
STALE_AFTER = pd.Timedelta(days=3)  # a snapshot per refresh; older means the API keeps sending an old one


def snapshot(ctx: Ctx, start: pd.Timestamp) -> pd.DataFrame:
    key = api_key("CMC_API_KEY", "CoinMarketCap Pro API key")
    js = get_json(ctx, URL, headers={"X-CMC_PRO_API_KEY": key, "Accept": "application/json"})
    if not isinstance(js, dict) or not isinstance(js.get("data"), dict):
        raise drift(URL, "an object with a 'data' object", js)
    status = js.get("status") or {}
    if status.get("error_code") not in (None, 0, "0"):
        raise FetchError(f"{URL}: error {status.get('error_code')}: {status.get('error_message')}")
    data = dict(js["data"])
    quote = (data.pop("quote", None) or {}).get("USD")
    if not isinstance(quote, dict):
        raise drift(URL, "data.quote.USD", data.get("quote"))
    flat = {**data, **quote, "date": f"{ctx.now:%Y-%m-%d %H:%M:%S}"}
    missing = [f for f in REQUIRED if flat.get(f) in (None, "")]
    if missing:
        raise drift(URL, f"fields {missing}", sorted(flat)[:40])
    return pd.DataFrame([[cell(flat.get(f)) for f in FIELDS]], columns=FIELDS, dtype=str)


def market_day(t: pd.Series) -> pd.Series:
    return (t - pd.Timedelta(hours=6)).dt.normalize()


def jobs() -> list[Job]:
    return [
        Job("cmc_global", "cmc", (Part(cmc.TABLE, snapshot, "2025-05-08", seed=True, key=market_day),), STALE_AFTER)
    ]
