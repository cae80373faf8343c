"""CFTC Traders in Financial Futures (futures only), CME Bitcoin, through the Socrata API (no key)."""

from __future__ import annotations

import pandas as pd

from ..sources import cftc
from .common import Ctx, Job, Part, drift, get_json, progress, to_ms

URL = "https://publicreporting.cftc.gov/resource/gpe5-46if.json"
CME_BITCOIN = "133741"  # cftc_contract_market_code of BITCOIN - CHICAGO MERCANTILE EXCHANGE (5 BTC)
DATE = "report_date_as_yyyy_mm_dd"
COLUMNS = (
    "open_interest_all dealer_positions_long_all dealer_positions_short_all asset_mgr_positions_long "
    "asset_mgr_positions_short lev_money_positions_long lev_money_positions_short other_rept_positions_long "
    "other_rept_positions_short nonrept_positions_long_all nonrept_positions_short_all"
).split()
LIMIT = 1000
# weekly, as of Tuesday, published the Friday after; holidays delay a release by a few days
STALE_AFTER = pd.Timedelta(days=21)


def reports(ctx: Ctx, start: pd.Timestamp) -> pd.DataFrame:
    """Weekly reports from ``start`` in the snapshot's layout (``report_time`` = as-of date, Unix ms)."""
    where = f"cftc_contract_market_code='{CME_BITCOIN}' AND {DATE} >= '{start:%Y-%m-%d}T00:00:00'"
    rows, offset = [], 0
    with progress(ctx, "CFTC CME Bitcoin") as bar:
        while True:
            page = get_json(ctx, URL, params={"$where": where, "$order": DATE, "$limit": LIMIT, "$offset": offset})
            if not isinstance(page, list):
                raise drift(URL, "a JSON list of reports", page)
            bad = next((r for r in page if not isinstance(r, dict) or not {DATE, *COLUMNS} <= set(r)), None)
            if bad is not None:
                raise drift(URL, f"reports with {DATE} and {', '.join(COLUMNS)}", sorted(bad)[:20])
            rows += page
            bar.update()
            if len(page) < LIMIT:
                break
            offset += LIMIT
    out = [[str(to_ms(pd.Timestamp(r[DATE][:10], tz="UTC"))), *(str(int(float(r[c]))) for c in COLUMNS)] for r in rows]
    return pd.DataFrame(out, columns=["report_time", *COLUMNS], dtype=str)


def jobs() -> list[Job]:
    return [Job("cftc_cme", "cftc", (Part(cftc.TABLE, reports, "2019-12-31", full=True),), STALE_AFTER)]
