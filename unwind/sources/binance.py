"""Binance klines (daily and intraday) and settled funding. Prices in USDT."""

from __future__ import annotations

import pandas as pd
import pandera.pandas as pa

from .base import NON_NEGATIVE, Col, DataError, Known, Table, load_table, price, resolve

_KLINE_COLS = (
    price("open", "open_usdt", "USDT"),
    price("high", "high_usdt", "USDT"),
    price("low", "low_usdt", "USDT"),
    price("close", "close_usdt", "USDT"),
    Col("volume", "volume_base", NON_NEGATIVE, "a non-negative volume in the base asset"),
)

DAILY = {
    ("BTCUSDT", "spot"): ("prices/binance_btc/BTCUSDT_spot_1d.csv", "taker_base"),
    ("BTCUSDT", "perp"): ("prices/binance_btc/BTCUSDT_usdm_perp_1d.csv", "taker_buy_volume"),
    ("ETHUSDT", "spot"): ("prices/binance_eth/ETHUSDT_spot_1d.csv", "taker_buy_base"),
}

INTRADAY = {
    ("BTCUSDT", "spot", "1h"): [
        "prices/intraday/binance_spot_1h_hawk/BTCUSDT_spot_1h.csv",
        "prices/intraday/binance_spot_1h_zhuxice/BTCUSDT_spot_1h.csv",
    ],
    ("ETHUSDT", "spot", "1h"): [
        "prices/intraday/binance_spot_1h_hawk/ETHUSDT_spot_1h.csv",
        "prices/intraday/binance_spot_1h_zhuxice/ETHUSDT_spot_1h.csv",
    ],
    ("SOLUSDT", "spot", "1h"): ["prices/intraday/binance_spot_1h_hawk/SOLUSDT_spot_1h.csv"],
    ("XRPUSDT", "spot", "1h"): ["prices/intraday/binance_spot_1h_hawk/XRPUSDT_spot_1h.csv"],
    ("BTCUSDT", "perp", "1h"): ["prices/intraday/btcusdt_perp_1h_4h_ggcmk/BTCUSDT_usdm_perp_1h.csv"],
    ("BTCUSDT", "spot", "4h"): ["prices/intraday/btcusdt_spot_perp_4h_ronaldlu66/BTCUSDT_spot_4h.csv"],
    ("BTCUSDT", "perp", "4h"): ["prices/intraday/btcusdt_spot_perp_4h_ronaldlu66/BTCUSDT_usdm_perp_4h.csv"],
    ("SOLUSDT", "spot", "4h"): ["prices/intraday/sol_xrp_spot_4h_manisch/SOLUSDT_spot_4h.csv"],
    ("XRPUSDT", "spot", "4h"): ["prices/intraday/sol_xrp_spot_4h_manisch/XRPUSDT_spot_4h.csv"],
}

FUNDING_8H = "derivatives/binance_funding/BTCUSDT-funding_8h_2025-01-01_2026-07-31.csv"


_OHLC = ("open_usdt", "high_usdt", "low_usdt", "close_usdt")
_MAY19 = Known("2021-05-19", "May 2021 crash: BTC traded down to ~30k intraday")
_JUL26 = Known("2021-07-26", "short squeeze: the perpetual wicked to ~48k on Binance")
_DEC4 = Known("2021-12-04", "December 2021 weekend flash crash: low ~42k")
#: per file: (first bar, last bar), max one-bar |log move| of O/H/L/C, the real bars beyond it
DAILY_RULES: dict[tuple[str, str], tuple[tuple[str, str], float, tuple[Known, ...]]] = {
    ("BTCUSDT", "spot"): (("2021-01-01", "2026-08-13"), 0.25, (_MAY19,)),
    ("BTCUSDT", "perp"): (("2021-01-01", "2026-07-31"), 0.25, (_MAY19, _JUL26)),
    ("ETHUSDT", "spot"): (
        ("2024-07-27", "2026-07-26"),
        0.25,
        (Known("2025-02-03", "tariff sell-off: ETH wicked to ~2,100"),),
    ),
}
_I = "prices/intraday/"
INTRADAY_SPAN = {
    _I + "binance_spot_1h_hawk/BTCUSDT_spot_1h.csv": ("2024-04-16 01:00", "2026-04-15 23:00"),
    _I + "binance_spot_1h_zhuxice/BTCUSDT_spot_1h.csv": ("2026-01-27 18:00", "2026-07-26 16:00"),
    _I + "binance_spot_1h_hawk/ETHUSDT_spot_1h.csv": ("2024-04-16 01:00", "2026-04-15 23:00"),
    _I + "binance_spot_1h_zhuxice/ETHUSDT_spot_1h.csv": ("2026-01-27 18:00", "2026-07-26 16:00"),
    _I + "binance_spot_1h_hawk/SOLUSDT_spot_1h.csv": ("2024-04-16 01:00", "2026-04-15 23:00"),
    _I + "binance_spot_1h_hawk/XRPUSDT_spot_1h.csv": ("2024-04-16 01:00", "2026-04-15 23:00"),
    _I + "btcusdt_perp_1h_4h_ggcmk/BTCUSDT_usdm_perp_1h.csv": ("2025-01-01 00:00", "2026-07-31 23:00"),
    _I + "btcusdt_spot_perp_4h_ronaldlu66/BTCUSDT_spot_4h.csv": ("2021-01-01 00:00", "2026-08-13 08:00"),
    _I + "btcusdt_spot_perp_4h_ronaldlu66/BTCUSDT_usdm_perp_4h.csv": ("2021-01-01 00:00", "2026-07-31 20:00"),
    _I + "sol_xrp_spot_4h_manisch/SOLUSDT_spot_4h.csv": ("2026-04-12 16:00", "2026-07-19 08:00"),
    _I + "sol_xrp_spot_4h_manisch/XRPUSDT_spot_4h.csv": ("2026-04-08 20:00", "2026-07-09 04:00"),
}
#: per intraday file: max one-bar |log move| of O/H/L/C (default 0.2) and the real moves beyond it
INTRADAY_RULES: dict[str, tuple[float, tuple[Known, ...]]] = {
    _I + "binance_spot_1h_hawk/XRPUSDT_spot_1h.csv": (
        0.2,
        (Known("2025-10-10", "the 10/10 cascade: XRPUSDT wicked ~50 % down in the 21:00 bar"),),
    ),
    _I + "btcusdt_spot_perp_4h_ronaldlu66/BTCUSDT_spot_4h.csv": (0.2, (_DEC4,)),
    _I + "btcusdt_spot_perp_4h_ronaldlu66/BTCUSDT_usdm_perp_4h.csv": (0.2, (_MAY19, _JUL26, _DEC4)),
}
_BAR = {"1h": "1h", "4h": "4h"}


def daily_table(symbol: str, market: str) -> Table:
    path, taker = DAILY[(symbol, market)]
    cols = (*_KLINE_COLS, Col(taker, "taker_buy_base", NON_NEGATIVE, "a non-negative taker-buy volume"))
    span, move, ok = DAILY_RULES[(symbol, market)]
    return Table(path, "open_time", "epoch_ms", cols, ohlc=_OHLC, max_move=move, moves_ok=ok, span=span, max_gap="1D")


def binance_daily(symbol: str = "BTCUSDT", market: str = "spot") -> pd.DataFrame:
    """Daily klines (UTC day 00:00-23:59), index ``date``; prices in USDT."""
    df = load_table(daily_table(symbol, market))
    df.index = df.index.tz_convert(None).normalize().rename("date")
    return df


def intraday_tables(symbol: str, market: str, interval: str) -> list[Table]:
    out = []
    for p in INTRADAY[(symbol, market, interval)]:
        move, ok = INTRADAY_RULES.get(p, (0.2, ()))
        out.append(
            Table(
                p,
                "open_time_utc",
                "timestamp",
                _KLINE_COLS,
                index_name="open_time_utc",
                ohlc=_OHLC,
                max_move=move,
                moves_ok=ok,
                span=INTRADAY_SPAN[p],
                max_gap=_BAR[interval],
            )
        )
    return out


def binance_intraday(symbol: str = "BTCUSDT", market: str = "spot", interval: str = "1h") -> pd.DataFrame:
    """Intraday klines, index = bar open time (UTC).

    Where two snapshots cover the same market they are joined only after
    checking that they agree exactly on every shared bar (they are copies of
    the same Binance bars, not two definitions).
    """
    parts = [load_table(t) for t in intraday_tables(symbol, market, interval)]
    out = parts[0]
    for table, nxt in zip(intraday_tables(symbol, market, interval)[1:], parts[1:], strict=True):
        shared = out.index.intersection(nxt.index)
        cols = ["open_usdt", "high_usdt", "low_usdt", "close_usdt"]
        diff = (out.loc[shared, cols] - nxt.loc[shared, cols]).abs().to_numpy().max() if len(shared) else 0.0
        if diff > 1e-9:
            raise DataError(
                resolve(table.relpath),
                f"disagrees with the earlier snapshot on shared bars (max {diff})",
                expected="identical Binance bars on the overlap",
            )
        out = pd.concat([out, nxt.loc[nxt.index.difference(out.index)]]).sort_index()
    return out


def funding_table() -> Table:
    return Table(
        FUNDING_8H,
        "fundingTime",
        "epoch_ms",
        (
            Col(
                "fundingRate",
                "funding_rate",
                (pa.Check.in_range(-0.003, 0.003),),
                "a funding rate per 8h as a decimal fraction in [-0.003, 0.003] (0.0001 = 0.01%; "
                "the file's largest is 0.00015, so 0.01 reads as percent, not a decimal)",
            ),
            Col(
                "fundingIntervalHours",
                "interval_hours",
                (pa.Check.isin([1, 2, 4, 8]),),
                "a funding interval of 1, 2, 4 or 8 hours",
            ),
        ),
        index_name="funding_time_utc",
        span=("2025-01-01", "2026-07-31 16:00"),
        max_gap="8h1min",
    )


def binance_funding() -> pd.DataFrame:
    """Settled BTCUSDT perpetual funding; ``funding_rate`` is a decimal per interval."""
    df = load_table(funding_table())
    # settlement stamps carry a few ms of jitter (e.g. ...600015): round to the hour
    df.index = df.index.round("h")
    return df
