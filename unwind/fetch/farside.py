"""Farside Investors US spot ETF daily net flows, scraped from the "all data" HTML tables (no key).

Parentheses are outflows, "-" is an empty cell, US$ millions.  The row of the
current New York day is still filling in and is dropped.
"""

from __future__ import annotations

import io
import re
from collections import defaultdict

import pandas as pd
from lxml import etree

from ..sources import flows
from .common import Ctx, FetchError, Job, Part, get

URL = {
    "BTC": "https://farside.co.uk/bitcoin-etf-flow-all-data/",
    "ETH": "https://farside.co.uk/ethereum-etf-flow-all-data/",
}
DATE_FORMATS = ("%d %b %Y", "%d %B %Y", "%Y-%m-%d")
_NUMBER = re.compile(r"^-?\d+(\.\d+)?$")
STALE_AFTER = pd.Timedelta(days=7)  # US trading days: weekends and holidays (Easter, Christmas) included


_PLACEHOLDER = re.compile(r"^Unnamed: \d+(_level_\d+)?$")  # pandas' label for an empty header cell


def _tables(html: str) -> list[list[list[str]]]:
    """Every ``<table>`` as a list of rows of cell texts (whitespace collapsed), header rows first.

    ``pandas.read_html`` with every cell kept as the text it reads, so ``(12.3)`` and ``1,012.4`` reach
    :func:`_flow` as written.  The header rows it infers (``<thead>``, or leading rows of ``<th>``) come
    back from the column labels, with its placeholder for an empty header cell blanked again.
    """
    try:
        frames = pd.read_html(
            io.StringIO(html), flavor="lxml", thousands=None, keep_default_na=False, converters=defaultdict(lambda: str)
        )
    except (ValueError, etree.LxmlError):  # no <table> in the page, or no document at all
        return []
    tables = []
    for df in frames:
        cols = df.columns
        head = []
        if list(cols) != list(range(len(cols))):  # pandas' own 0..n-1: no header row was inferred
            head = [
                ["" if _PLACEHOLDER.match(str(c)) else str(c) for c in cols.get_level_values(i)]
                for i in range(cols.nlevels)
            ]
        tables.append(head + df.astype(str).values.tolist())
    return tables


def _day(text: str) -> pd.Timestamp | None:
    for fmt in DATE_FORMATS:
        try:
            day = pd.to_datetime(text, format=fmt)
        except ValueError:
            continue
        if pd.notna(day):
            return pd.Timestamp(day)
    return None


def _flow(text: str, where: str) -> str:
    t = text.replace(",", "").replace("$", "").strip()
    if t in ("-", "", "–"):
        return ""
    if t.startswith("(") and t.endswith(")"):
        t = "-" + t[1:-1].strip()
    if not _NUMBER.match(t):
        raise FetchError(f"{where}: {text!r} is not a flow in US$ m (expected 12.3, (12.3) or -)")
    return t


def parse(html: str, asset: str, url: str) -> pd.DataFrame:
    """The flow table as ``date, <funds in the loader's order>, Total`` (text cells)."""
    funds = flows.FARSIDE[asset][1]
    tables = _tables(html)
    for table in tables:
        header = next((r for r in table if "Total" in r and any(f in r for f in funds)), None)
        if header is None:
            continue
        names = header[1:]
        unknown = [n for n in names if n and n not in funds and n != "Total"]
        if unknown:
            raise FetchError(
                f"{url}: unknown column(s) {unknown} in the flow table (a fund was added or renamed; "
                f"the loader knows {list(funds)} + Total)"
            )
        total_at = max(i for i, n in enumerate(header) if n == "Total")
        rows = []
        for r in table:
            day = _day(r[0]) if r else None
            if day is None:  # header, fee and summary rows (Total, Average, Maximum, Minimum)
                continue
            if not r[total_at]:  # read_html pads a row cut short with empty cells
                raise FetchError(f"{url}: the row of {r[0]} has no Total (a row cut short: truncated page?)")
            cells = dict(
                zip(names, (_flow(c, f"{url} {r[0]} {n}") for n, c in zip(names, r[1:], strict=True)), strict=True)
            )
            rows.append([f"{day:%Y-%m-%d}", *(cells.get(f, "") for f in funds), cells["Total"] or "0"])
        if not rows:
            raise FetchError(f"{url}: the flow table has no dated rows")
        return pd.DataFrame(rows, columns=["date", *funds, "Total"], dtype=str)
    raise FetchError(
        f"{url}: no table with a 'Total' column and the known fund tickers "
        f"({len(tables)} table(s) in the page): layout changed, or a blocked/error page"
    )


def _part(asset: str) -> Part:
    def fetch(ctx: Ctx, start: pd.Timestamp) -> pd.DataFrame:
        url = URL[asset]
        df = parse(get(ctx, url, headers={"Accept": "text/html"}).text, asset, url)
        day = pd.to_datetime(df["date"])
        today_ny = ctx.now.tz_convert("America/New_York").tz_localize(None).normalize()
        return df[(day < today_ny) & (day >= start.tz_localize(None).normalize())]

    return Part(flows.farside_table(asset), fetch, "2024-01-01", full=True)


def jobs() -> list[Job]:
    return [Job(f"farside_{a.lower()}", "farside", (_part(a),), STALE_AFTER) for a in URL]
