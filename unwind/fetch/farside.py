"""Farside Investors US spot ETF daily net flows, scraped from the "all data" HTML tables (no key).

Parentheses are outflows, "-" is an empty cell, US$ millions.  The row of the
current New York day is still filling in and is dropped.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pandas as pd

from ..sources import flows
from .common import Ctx, FetchError, Job, Part, get

URL = {"BTC": "https://farside.co.uk/bitcoin-etf-flow-all-data/",
       "ETH": "https://farside.co.uk/ethereum-etf-flow-all-data/"}
DATE_FORMATS = ("%d %b %Y", "%d %B %Y", "%Y-%m-%d")
_NUMBER = re.compile(r"^-?\d+(\.\d+)?$")
STALE_AFTER = pd.Timedelta(days=7)  # US trading days: weekends and holidays (Easter, Christmas) included


class _Tables(HTMLParser):
    """Every <table> as a list of rows of cell texts."""

    def __init__(self) -> None:
        super().__init__()
        self.tables: list[list[list[str]]] = []
        self._row: list[str] | None = None
        self._cell: list[str] | None = None

    def handle_starttag(self, tag: str, attrs) -> None:
        if tag == "table":
            self.tables.append([])
        elif tag == "tr" and self.tables:
            self._row = []
        elif tag in ("td", "th") and self._row is not None:
            self._cell = []

    def handle_endtag(self, tag: str) -> None:
        if tag in ("td", "th") and self._cell is not None and self._row is not None:
            self._row.append(" ".join("".join(self._cell).split()))
            self._cell = None
        elif tag == "tr" and self._row is not None:
            self.tables[-1].append(self._row)
            self._row = None

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell.append(data)


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
    parser = _Tables()
    parser.feed(html)
    for table in parser.tables:
        header = next((r for r in table if "Total" in r and any(f in r for f in funds)), None)
        if header is None:
            continue
        names = header[1:]
        unknown = [n for n in names if n and n not in funds and n != "Total"]
        if unknown:
            raise FetchError(f"{url}: unknown column(s) {unknown} in the flow table (a fund was added or renamed; "
                             f"the loader knows {list(funds)} + Total)")
        rows = []
        for r in table:
            day = _day(r[0]) if r else None
            if day is None:  # header, fee and summary rows (Total, Average, Maximum, Minimum)
                continue
            if len(r) != len(header):
                raise FetchError(f"{url}: the row of {r[0]} has {len(r)} cells, the header {len(header)}")
            cells = dict(zip(names, (_flow(c, f"{url} {r[0]} {n}") for n, c in zip(names, r[1:], strict=True)),
                             strict=True))
            rows.append([f"{day:%Y-%m-%d}", *(cells.get(f, "") for f in funds), cells["Total"] or "0"])
        if not rows:
            raise FetchError(f"{url}: the flow table has no dated rows")
        return pd.DataFrame(rows, columns=["date", *funds, "Total"], dtype=str)
    raise FetchError(f"{url}: no table with a 'Total' column and the known fund tickers "
                     f"({len(parser.tables)} table(s) in the page): layout changed, or a blocked/error page")


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
