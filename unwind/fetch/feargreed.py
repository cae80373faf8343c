"""alternative.me Crypto Fear & Greed Index, full history in one request (no key needed)."""

from __future__ import annotations

import pandas as pd

from ..sources import sentiment
from .common import Ctx, FetchError, Job, Part, drift, get_json

URL = "https://api.alternative.me/fng/"
STALE_AFTER = pd.Timedelta(days=3)  # one value per UTC day, every day


def fear_greed(ctx: Ctx, start: pd.Timestamp) -> pd.DataFrame:
    """``date,fng_value,fng_classification``, oldest first (the API sends newest first)."""
    js = get_json(ctx, URL, params={"limit": 0, "format": "json"})
    if not isinstance(js, dict) or not isinstance(js.get("data"), list):
        raise drift(URL, "an object with a 'data' list", js)
    error = (js.get("metadata") or {}).get("error")
    if error:
        raise FetchError(f"{URL}: the API reports an error: {error}")
    rows = []
    for rec in js["data"]:
        if not isinstance(rec, dict) or not {"value", "value_classification", "timestamp"} <= set(rec):
            raise drift(URL, "records with value, value_classification and timestamp", rec)
        day = pd.Timestamp(int(rec["timestamp"]), unit="s")
        rows.append((f"{day:%Y-%m-%d}", str(rec["value"]), str(rec["value_classification"])))
    df = pd.DataFrame(rows[::-1], columns=["date", "fng_value", "fng_classification"], dtype=str)
    return df[pd.to_datetime(df["date"]) >= start.tz_localize(None).normalize()]


def jobs() -> list[Job]:
    return [Job("fear_greed", "feargreed", (Part(sentiment.TABLE, fear_greed, "2018-02-01", full=True),), STALE_AFTER)]
