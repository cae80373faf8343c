"""Data audit: coverage, gaps, cross-source agreement and the file manifest of the snapshot."""

from __future__ import annotations

import numpy as np
import pandas as pd

from .hashing import file_sha256
from .sources import REGISTRY, Source, data_dir, resolve
from .sources.base import nyse_sessions

#: Terms under which each provider's data are used, as stated in the snapshot's SOURCE.md files. None of
#: the data is redistributed by this repository: it is read in place or fetched by the reader.
PROVIDER_TERMS = {
    "Yahoo Finance": "Yahoo terms of service; archive repositories state no licence",
    "FRED": "public U.S. government data (Federal Reserve Bank of St. Louis); cite FRED",
    "Binance": "Binance public market data, API terms; archive repositories state no licence",
    "Bitstamp": "Kaggle Bitstamp minute data, CC BY-SA 4.0 (archive code GPL-3.0)",
    "CoinMarketCap": "CoinMarketCap API terms; no redistribution",
    "Farside": "Farside Investors' terms; attribute Farside; no redistribution",
    "cryptoetf.today": "no licence stated; transcribed from a public page",
    "Artemis": "Artemis terms; no licence stated",
    "alternative.me": "free API; alternative.me asks for attribution",
    "Coinglass": "Coinglass commercial API terms; no redistribution",
    "CFTC": "public U.S. government data (CFTC Commitments of Traders)",
    "Hyperliquid": "Hyperliquid public node fills, as processed by the archive's author; no licence stated",
}


def provider_terms(sources: dict[str, Source] | None = None) -> pd.DataFrame:
    """One row per provider: its sources and the terms its data are used under."""
    by = {}
    for name, src in (sources or REGISTRY).items():
        by.setdefault(src.provider, []).append(name)
    return pd.DataFrame(
        [
            {"provider": p, "sources": len(names), "terms": PROVIDER_TERMS.get(p, "not recorded")}
            for p, names in by.items()
        ]
    ).set_index("provider")


def _time_index(df: pd.DataFrame) -> pd.DatetimeIndex | None:
    if not isinstance(df.index, pd.DatetimeIndex):
        return None
    idx = df.index.tz_convert(None) if df.index.tz is not None else df.index
    return pd.DatetimeIndex(idx).sort_values()


def calendar_of(idx: pd.DatetimeIndex) -> tuple[str, pd.DatetimeIndex]:
    """Classify an index and return the grid it should fill: every day, NYSE sessions, or a fixed intraday step.

    A daily series with (almost) no weekend rows is a U.S. market's: its grid is the NYSE (XNYS) sessions of
    :func:`unwind.sources.base.nyse_sessions`, so exchange holidays are not counted as missing.
    """
    step = idx.to_series().diff().median()
    if pd.Timedelta(hours=20) <= step < pd.Timedelta(days=1):  # one snapshot a day at a varying time
        idx = idx.normalize()
        step = pd.Timedelta(days=1)
    if step < pd.Timedelta(days=1):
        return f"every {int(step / pd.Timedelta(hours=1))}h", pd.date_range(idx[0], idx[-1], freq=step)
    if step >= pd.Timedelta(days=6):
        return "weekly", pd.DatetimeIndex(idx)
    if (idx.day_of_week >= 5).mean() < 0.05:
        sessions = nyse_sessions()
        if idx[0] < sessions[0] or idx[-1] > sessions[-1]:
            raise ValueError(
                f"{idx[0]:%Y-%m-%d} … {idx[-1]:%Y-%m-%d} reaches past the NYSE session list "
                f"({sessions[0]:%Y-%m-%d} … {sessions[-1]:%Y-%m-%d}; see CALENDAR_START)"
            )
        return "NYSE sessions", sessions[(sessions >= idx[0].normalize()) & (sessions <= idx[-1].normalize())]
    return "every day", pd.date_range(idx[0], idx[-1], freq="D")


def coverage_table(sources: dict[str, Source] | None = None) -> pd.DataFrame:
    """One row per source: provider, definition, first and last time, rows, grid, missing points, longest gap."""
    rows = []
    for name, src in (sources or REGISTRY).items():
        df = src.load()
        idx = _time_index(df)
        if idx is None:
            rows.append(
                {
                    "source": name,
                    "provider": src.provider,
                    "definition": src.definition,
                    "rows": len(df),
                    "grid": "event window",
                    "first": pd.NaT,
                    "last": pd.NaT,
                    "missing": 0,
                    "longest_gap_days": np.nan,
                }
            )
            continue
        grid_name, grid = calendar_of(idx)
        if grid_name == "every day":
            idx = idx.normalize()
        gaps = idx.to_series().diff().max()
        rows.append(
            {
                "source": name,
                "provider": src.provider,
                "definition": src.definition,
                "rows": len(df),
                "grid": grid_name,
                "first": idx[0],
                "last": idx[-1],
                "missing": int(len(grid.difference(idx))),
                "longest_gap_days": round(gaps / pd.Timedelta(days=1), 2) if len(idx) > 1 else np.nan,
            }
        )
    return pd.DataFrame(rows).set_index("source")


def abs_pct_diff(a: pd.Series, b: pd.Series) -> pd.Series:
    """|a/b - 1| in percent on the days both exist."""
    both = pd.concat([a, b], axis=1).dropna()
    return (both.iloc[:, 0] / both.iloc[:, 1] - 1).abs() * 100


def price_agreement(p: pd.DataFrame, pairs: dict[str, tuple[str, str]]) -> pd.DataFrame:
    """Median, p95 and max absolute % difference for each named pair of panel price columns."""
    rows = []
    for label, (a, b) in pairs.items():
        d = abs_pct_diff(p[a], p[b])
        rows.append(
            {
                "pair": label,
                "days": len(d),
                "median_abs_pct": d.median(),
                "p95_abs_pct": d.quantile(0.95),
                "max_abs_pct": d.max(),
                "first": d.index.min(),
                "last": d.index.max(),
            }
        )
    return pd.DataFrame(rows).set_index("pair")


def flow_agreement(a: pd.DataFrame, b: pd.DataFrame, columns: list[str], tol: float = 0.05) -> pd.DataFrame:
    """Cell-by-cell comparison of two per-fund flow tables on their shared dates (empty cell = 0)."""
    days = a.index.intersection(b.index)
    x, y = a.loc[days, columns].fillna(0.0), b.loc[days, columns].fillna(0.0)
    diff = (x - y).abs()
    cells = diff.stack()
    bad = cells[cells > tol]
    return pd.DataFrame(
        {
            "date": [d for d, _ in bad.index],
            "column": [c for _, c in bad.index],
            "first": [x.at[d, c] for d, c in bad.index],
            "second": [y.at[d, c] for d, c in bad.index],
        }
    ).assign(shared_days=len(days), cells_compared=int(cells.size))


def manifest(sources: dict[str, Source] | None = None) -> pd.DataFrame:
    """Every snapshot file the report reads: path relative to the data directory, bytes, sha256, sources."""
    files: dict[str, list[str]] = {}
    for name, src in (sources or REGISTRY).items():
        for t in src.tables:
            files.setdefault(t.relpath, []).append(name)
    root = data_dir()
    rows = [
        {
            "file": rel,
            "bytes": resolve(rel).stat().st_size,
            "sha256": file_sha256(resolve(rel)),
            "read_by": ", ".join(names),
        }
        for rel, names in sorted(files.items())
    ]
    out = pd.DataFrame(rows).set_index("file")
    out.attrs["data_dir"] = str(root)
    return out
