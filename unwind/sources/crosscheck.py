"""Cross-source agreement, a hard check where two sources overlap.

:func:`crosscheck` loads the overlapping sources and raises a :class:`DataError` naming the file,
column, line and tolerance at the first disagreement; it returns one row per comparison.  The panel
build calls it once (it is not part of any single loader, which reads one file).

- BTC daily close: Binance BTCUSDT spot close, Bitstamp's 00:00 UTC price of the next day, Yahoo's
  BTC-USD close (both snapshots).  Binance quotes USDT, the others USD (median gap 0.05 %).
- US spot BTC ETF net flows: Farside vs cryptoetf.today, daily total, on every common day.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from . import binance, bitstamp, flows, yahoo
from .base import DataError, Known, Table, parse_time, read_raw, resolve
from .base import _line as file_line

#: (name, since, until, max |log difference|, reason for the tolerance)
BTC_TOLERANCE = (
    ("binance~bitstamp", None, None, 0.02, "two venues' prices a minute apart; largest real gap 1.4 % (2021-05-19)"),
    ("binance~yahoo_edge", None, None, 0.02, "largest real gap 0.9 %"),
    ("yahoo~yahoo_edge", None, None, 0.02, "two Yahoo snapshots; the last row of the older one is intraday"),
    (
        "bitstamp~yahoo",
        "2018-01-01",
        None,
        0.04,
        "Yahoo's BTC-USD averages venues; largest real gap 3.7 % (2021-12-14, a Yahoo bar off Binance and Bitstamp)",
    ),
    (
        "bitstamp~yahoo",
        None,
        "2017-12-31",
        0.08,
        "before 2018 Yahoo's BTC-USD averaged venues with regional premiums; largest real gap 7.8 % (2017-12-07)",
    ),
    ("binance~yahoo", None, None, 0.04, "as bitstamp~yahoo since 2018"),
)
ETF_TOLERANCE = 0.15  # US$ m: both sources round to 0.1
ETF_KNOWN = (Known("2026-04-10", "Farside's last row lacks MSBT (16.3); cryptoetf.today has it (SOURCE.md)"),)


def _line_of(table: Table, when: pd.Timestamp) -> int | None:
    """The file line of the row dated ``when`` (only computed for an error message)."""
    path = resolve(table.relpath)
    t = parse_time(read_raw(path, table)[table.time_col], path, table)
    t = (t.dt.tz_convert(None) if t.dt.tz is not None else t).dt.normalize()
    hit = np.flatnonzero((t == when).to_numpy())
    return file_line(int(hit[0]), table) if len(hit) else None


def _btc_closes() -> dict[str, tuple[pd.Series, Table, str, pd.Timedelta]]:
    bs = bitstamp.bitstamp_btc()["btc_usd_0000utc"]
    bs.index = bs.index - pd.Timedelta(days=1)  # the 00:00 UTC price of D+1 is the close of D
    return {
        "binance": (
            binance.binance_daily("BTCUSDT", "spot")["close_usdt"],
            binance.daily_table("BTCUSDT", "spot"),
            "close",
            pd.Timedelta(0),
        ),
        "bitstamp": (bs, bitstamp.TABLE, "BTC_USD", pd.Timedelta(days=1)),
        "yahoo": (yahoo.yahoo_ohlcv("BTC-USD")["close_usd"], yahoo.ohlcv_table("BTC-USD"), "Close", pd.Timedelta(0)),
        "yahoo_edge": (yahoo.yahoo_close("BTC-USD")["close"], yahoo.close_table("BTC-USD"), "close", pd.Timedelta(0)),
    }


def crosscheck() -> pd.DataFrame:
    """Every cross-source comparison; raises DataError at the first disagreement beyond its tolerance."""
    rows = []
    closes = _btc_closes()
    for pair, since, until, tol, why in BTC_TOLERANCE:
        a, b = pair.split("~")
        (x, _, _, _), (y, table, col, shift) = closes[a], closes[b]
        x, y = x.align(y, join="inner")
        d = (np.log(x) - np.log(y)).abs().loc[since:until]
        bad = d[d > tol]
        if len(bad):
            when = bad.index[0]
            raise DataError(
                resolve(table.relpath),
                f"BTC close disagrees with {a} on {when:%Y-%m-%d} by {bad.iloc[0]:.1%} ({len(bad)} day(s))",
                column=col,
                line=_line_of(table, when + shift),
                expected=f"within {tol:.0%} of {a} ({x[when]:.2f}): {why}",
                found=float(y[when]),
            )
        rows.append(
            {
                "check": f"BTC close {pair}",
                "since": since or f"{d.index.min():%Y-%m-%d}",
                "until": until or f"{d.index.max():%Y-%m-%d}",
                "days": len(d),
                "max_diff": float(d.max()),
                "tolerance": tol,
                "unit": "|log difference|",
                "exceptions": "",
            }
        )
    far, cet = flows.farside_flows("BTC")["total_usd_m"], flows.cryptoetf_flows()["total_usd_m"]
    x, y = far.align(cet, join="inner")
    d = (x - y).abs()
    listed = d.index.strftime("%Y-%m-%d").isin([k.when for k in ETF_KNOWN])
    bad = d[(d > ETF_TOLERANCE) & ~listed]
    table = flows.cryptoetf_table()
    if len(bad):
        when = bad.index[0]
        raise DataError(
            resolve(table.relpath),
            f"ETF total disagrees with Farside on {when:%Y-%m-%d} ({len(bad)} day(s))",
            column="Total",
            line=_line_of(table, when),
            expected=f"within {ETF_TOLERANCE} US$ m of Farside's {x[when]}",
            found=float(y[when]),
        )
    rows.append(
        {
            "check": "US spot BTC ETF total farside~cryptoetf",
            "since": f"{d.index.min():%Y-%m-%d}",
            "until": f"{d.index.max():%Y-%m-%d}",
            "days": len(d),
            "max_diff": float(d[~listed].max()),
            "tolerance": ETF_TOLERANCE,
            "unit": "US$ m",
            "exceptions": "; ".join(f"{k.when}: {k.reason}" for k in ETF_KNOWN),
        }
    )
    return pd.DataFrame(rows)
