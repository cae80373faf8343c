"""FRED daily series through the public CSV endpoint (no key needed)."""

from __future__ import annotations

import csv
import io

import pandas as pd

from ..sources import yahoo as yh
from .common import Ctx, FetchError, Job, Part, get

URL = "https://fred.stlouisfed.org/graph/fredgraph.csv"
DATE_HEADERS = ("observation_date", "DATE")  # current and older FRED layouts
MISSING = ("", ".")  # FRED's "no observation" (bond-market holidays)
STALE_AFTER = pd.Timedelta(days=10)  # business days, published a day or two late, holidays


def series(ctx: Ctx, sid: str, start: pd.Timestamp) -> pd.DataFrame:
    """``Date,Value`` rows from ``start``; days without an observation are left out, as in the snapshot."""
    text = get(ctx, URL, params={"id": sid, "cosd": f"{start:%Y-%m-%d}"}).text
    lines = list(csv.reader(io.StringIO(text)))
    if not lines:
        raise FetchError(f"{URL}?id={sid}: empty response")
    if len(lines[0]) != 2 or lines[0][0] not in DATE_HEADERS or lines[0][1] != sid:
        raise FetchError(f"{URL}?id={sid}: unexpected header {lines[0][:4]}, expected ['observation_date', '{sid}'] "
                         "(FRED changed its CSV layout, or sent an error page)")
    rows = []
    for n, line in enumerate(lines[1:], start=2):
        if not line:
            continue
        if len(line) != 2:
            raise FetchError(f"{URL}?id={sid}: line {n} has {len(line)} fields, expected 2 (truncated response?)")
        day, value = line[0], line[1].strip()
        try:
            pd.to_datetime(day, format="%Y-%m-%d")
            if value not in MISSING:
                float(value)
        except ValueError:
            raise FetchError(f"{URL}?id={sid}: line {n} {line!r} is not 'YYYY-MM-DD,number' "
                             "(truncated or malformed response)") from None
        if value not in MISSING and pd.Timestamp(day) >= start.tz_localize(None).normalize():
            rows.append((day, value))
    return pd.DataFrame(rows, columns=["Date", "Value"], dtype=str)


def jobs() -> list[Job]:
    def part(sid: str) -> Part:
        return Part(yh.fred_table(sid), lambda ctx, start: series(ctx, sid, start), "1950-01-01", full=True)

    return [Job(f"fred_{sid}", "fred", (part(sid),), STALE_AFTER) for sid in yh.FRED_SERIES]
