"""FRED daily series through the public CSV endpoint (no key needed)."""

from __future__ import annotations

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
    where = f"{URL}?id={sid}"
    text = get(ctx, URL, params={"id": sid, "cosd": f"{start:%Y-%m-%d}"}).text
    try:
        # Every cell as text, the header as row 0 and blank lines as empty rows, so row i is line i + 1; the
        # python engine tells a missing field (NaN) from an empty one ("", FRED's "no observation").
        lines = pd.read_csv(
            io.StringIO(text), header=None, dtype=str, keep_default_na=False, skip_blank_lines=False, engine="python"
        )
    except pd.errors.EmptyDataError:
        lines = pd.DataFrame()
    except pd.errors.ParserError as e:  # "Expected 2 fields in line 5, saw 3"
        raise FetchError(f"{where}: {e} (truncated response, an error page, or a changed layout?)") from None
    lines = lines.dropna(how="all")
    if lines.empty:
        raise FetchError(f"{where}: empty response")
    header = lines.iloc[0].tolist()
    if len(header) != 2 or header[0] not in DATE_HEADERS or header[1] != sid:
        raise FetchError(
            f"{where}: unexpected header {header[:4]}, expected ['observation_date', '{sid}'] "
            "(FRED changed its CSV layout, or sent an error page)"
        )
    rows = lines.iloc[1:].set_axis(["Date", "Value"], axis=1)
    short = rows["Value"].isna()
    if short.any():
        raise FetchError(f"{where}: line {rows.index[short][0] + 1} has 1 field, expected 2 (truncated response?)")
    rows["Value"] = rows["Value"].str.strip()
    day = pd.to_datetime(rows["Date"], format="%Y-%m-%d", errors="coerce")
    observed = ~rows["Value"].isin(MISSING)
    bad = day.isna() | (observed & pd.to_numeric(rows["Value"].where(observed), errors="coerce").isna())
    if bad.any():
        i = rows.index[bad][0]
        raise FetchError(
            f"{where}: line {i + 1} {rows.loc[i].tolist()!r} is not 'YYYY-MM-DD,number' "
            "(truncated or malformed response)"
        )
    keep = observed & (day >= start.tz_localize(None).normalize())
    return rows[keep].reset_index(drop=True).astype(str)


def jobs() -> list[Job]:
    def part(sid: str) -> Part:
        return Part(yh.fred_table(sid), lambda ctx, start: series(ctx, sid, start), "1950-01-01", full=True)

    return [Job(f"fred_{sid}", "fred", (part(sid),), STALE_AFTER) for sid in yh.FRED_SERIES]
