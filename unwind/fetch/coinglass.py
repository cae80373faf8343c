"""Coinglass API v4: liquidations, aggregated open interest, weighted funding (needs ``COINGLASS_API_KEY``).

Plans cap how far back the API reaches (e.g. 4,320-4,500 bars, intervals
>= 4h on the cheapest plan), so each file grows the snapshot's file: older
rows stay as they were, newer ones are appended or refreshed.  An endpoint or
interval the plan does not serve is reported as skipped, not failed.
"""

from __future__ import annotations

import pandas as pd

from ..sources import coinglass as cg
from .common import Ctx, FetchError, Job, Part, Skip, api_key, cell, drift, get_json, progress, to_ms

BASE = "https://open-api-v4.coinglass.com"
LIQ = "/api/futures/liquidation/aggregated-history"
OI = "/api/futures/open-interest/aggregated-history"
OIW = "/api/futures/funding-rate/oi-weight-history"
VOLW = "/api/futures/funding-rate/vol-weight-history"
LIMIT = 4500
STEP_MS = {"1h": 3_600_000, "4h": 14_400_000, "1d": 86_400_000}
LONG, SHORT = "aggregated_long_liquidation_usd", "aggregated_short_liquidation_usd"
OHLC = ("open", "high", "low", "close")
BOB = "Binance,OKX,Bybit"
STALE_AFTER = pd.Timedelta(days=3)  # around-the-clock markets, bars of 1h to 1d


def history(ctx: Ctx, path: str, params: dict, start: pd.Timestamp, fields: tuple[str, ...]) -> pd.DataFrame:
    """Complete bars from ``start``: index = bar open (ms), one float column per field."""
    key = api_key("COINGLASS_API_KEY", "Coinglass API key")
    url, step = BASE + path, STEP_MS[params["interval"]]
    cursor, now, rows = to_ms(start), ctx.now_ms(), []
    with progress(ctx, f"coinglass {path.rsplit('/', 2)[-2]} {params.get('symbol')}") as bar:
        while cursor < now:
            js = get_json(
                ctx,
                url,
                params={**params, "limit": LIMIT, "start_time": cursor, "end_time": now},
                headers={"CG-API-KEY": key, "accept": "application/json"},
            )
            if not isinstance(js, dict) or "code" not in js:
                raise drift(url, "an object with 'code' and 'data'", js)
            if str(js["code"]) != "0":
                msg = str(js.get("msg"))
                if any(w in msg.lower() for w in ("upgrade", "plan", "interval")):
                    raise Skip(f"the Coinglass plan does not serve {path} {params}: {msg}")
                raise FetchError(f"{url}: Coinglass error {js['code']}: {msg}")
            data = js.get("data")
            if not isinstance(data, list):
                raise drift(url, "a 'data' list", data)
            bad = next((r for r in data if not isinstance(r, dict) or not {"time", *fields} <= set(r)), None)
            if bad is not None:
                raise drift(url, f"records with time, {', '.join(fields)}", bad)
            rows += data
            bar.update()
            if len(data) < LIMIT:
                break
            cursor = int(data[-1]["time"]) + 1
    t = [int(r["time"]) for r in rows]
    df = pd.DataFrame({f: [float(r[f]) for r in rows] for f in fields}, index=pd.Index(t, name="time"))
    if not df.index.is_monotonic_increasing or df.index.has_duplicates:
        raise FetchError(f"{url}: bar time goes backwards or repeats; response rejected")
    return df[(df.index + step <= now) & (df.index >= to_ms(start))]


def _day(ms: int) -> str:
    return f"{pd.Timestamp(ms, unit='ms'):%Y-%m-%d}"


def _stamp(ms: int) -> str:
    return f"{pd.Timestamp(ms, unit='ms'):%Y-%m-%d %H:%M:%S}+00:00"


def _liq(ctx: Ctx, start: pd.Timestamp, exchanges: str, interval: str, symbol: str = "BTC") -> pd.DataFrame:
    return history(ctx, LIQ, {"exchange_list": exchanges, "symbol": symbol, "interval": interval}, start, (LONG, SHORT))


def liq_daily(exchanges: str, label: str, cols: tuple[str, ...]):
    """Daily BTC liquidations in a file with ``date_utc, long, short, [hours,] source, total`` columns."""

    def fetch(ctx: Ctx, start: pd.Timestamp) -> pd.DataFrame:
        df = _liq(ctx, start, exchanges, "1d")
        values = {
            "date_utc": [_day(t) for t in df.index],
            "long_usd": map(cell, df[LONG]),
            "short_usd": map(cell, df[SHORT]),
            "hours_covered": ["24.0"] * len(df),
            "source": [label] * len(df),
            "total_usd": map(cell, df[LONG] + df[SHORT]),
        }
        return pd.DataFrame({c: list(values[c]) for c in cols}, dtype=str)

    return fetch


def binance_liq_4h(ctx: Ctx, start: pd.Timestamp) -> pd.DataFrame:
    parts = [
        _liq(ctx, start, "Binance", "4h", c).set_axis([f"{c}_long_usd", f"{c}_short_usd"], axis=1) for c in cg.COINS4
    ]
    df = pd.concat(parts, axis=1, join="inner")  # bars that every coin has
    out = {"time_utc": [_stamp(t) for t in df.index]}
    for c in cg.COINS4:
        out |= {
            f"{c}_long_usd": list(map(cell, df[f"{c}_long_usd"])),
            f"{c}_short_usd": list(map(cell, df[f"{c}_short_usd"])),
            f"{c}_bar_maybe_partial": ["False"] * len(df),
        }
    return pd.DataFrame(out, dtype=str)


def bob_liq_1h(ctx: Ctx, start: pd.Timestamp) -> pd.DataFrame:
    df = _liq(ctx, start, "Binance,Bybit,OKX", "1h")
    return pd.DataFrame(
        {
            "timestamp": [str(t) for t in df.index],
            "datetime_utc": [f"{pd.Timestamp(t, unit='ms'):%Y-%m-%dT%H:%M:%S.000Z}" for t in df.index],
            "longUsd": list(map(cell, df[LONG])),
            "shortUsd": list(map(cell, df[SHORT])),
            "totalUsd": list(map(cell, df[LONG] + df[SHORT])),
        },
        dtype=str,
    )


def oi_4h(ctx: Ctx, start: pd.Timestamp) -> pd.DataFrame:
    df = history(ctx, OI, {"symbol": "BTC", "interval": "4h", "unit": "usd"}, start, OHLC)
    return pd.DataFrame(
        {"time_utc": [_stamp(t) for t in df.index], **{f"oi_usd_{k}": list(map(cell, df[k])) for k in OHLC}}, dtype=str
    )


def funding_4h(ctx: Ctx, start: pd.Timestamp) -> pd.DataFrame:
    oiw = history(ctx, OIW, {"symbol": "BTC", "interval": "4h"}, start, OHLC)
    volw = history(ctx, VOLW, {"symbol": "BTC", "interval": "4h"}, start, ("close",))
    df = oiw.join(volw.rename(columns={"close": "volw_close"}), how="left")
    return pd.DataFrame(
        {
            "time_utc": [_stamp(t) for t in df.index],
            **{f"oiw_{k}": list(map(cell, df[k])) for k in OHLC},
            "volw_close": list(map(cell, df["volw_close"])),
        },
        dtype=str,
    )


def bob_btc_daily(ctx: Ctx, start: pd.Timestamp) -> pd.DataFrame:
    """The 2020 -> 2025-09 join, continued: Binance+OKX+Bybit liquidations, all-venue OI, weighted funding.

    Long/short ratios and the stablecoin/coin-margined OI split are not
    refreshed (other endpoints); their cells stay empty in new rows.
    """
    liq = _liq(ctx, start, BOB, "1d")
    oi = history(ctx, OI, {"symbol": "BTC", "interval": "1d", "unit": "usd"}, start, ("close",))
    oiw = history(ctx, OIW, {"symbol": "BTC", "interval": "1d"}, start, ("close",))
    volw = history(ctx, VOLW, {"symbol": "BTC", "interval": "1d"}, start, ("close",))
    df = liq.join(
        [
            oi.rename(columns={"close": "oi"}),
            oiw.rename(columns={"close": "oiw"}),
            volw.rename(columns={"close": "volw"}),
        ],
        how="left",
    )
    empty = [""] * len(df)
    return pd.DataFrame(
        {
            "date_utc": [_day(t) for t in df.index],
            "liq_long_usd": list(map(cell, df[LONG])),
            "liq_short_usd": list(map(cell, df[SHORT])),
            "oi_total_close": list(map(cell, df["oi"])),
            "oi_stable_close": empty,
            "oi_coinm_close": empty,
            "funding_oiw_close_pct": list(map(cell, df["oiw"])),
            "funding_volw_close_pct": list(map(cell, df["volw"])),
            "lsr_global": empty,
            "lsr_top_accounts": empty,
            "lsr_top_positions": empty,
            "liq_total_usd": list(map(cell, df[LONG] + df[SHORT])),
        },
        dtype=str,
    )


def jobs() -> list[Job]:
    def job(name: str, table, fetch, start: str) -> Job:
        return Job(name, "coinglass", (Part(table, fetch, start, seed=True),), STALE_AFTER)

    daily5 = ("date_utc", "long_usd", "short_usd", "source", "total_usd")
    daily6 = ("date_utc", "long_usd", "short_usd", "hours_covered", "source", "total_usd")
    return [
        job(
            "cg_binance_liq_btc_1d",
            cg.BINANCE_LIQ_DAILY,
            liq_daily("Binance", "coinglass_api_1d", daily5),
            "2020-01-01",
        ),
        job("cg_binance_liq_4h", cg.BINANCE_LIQ_4H, binance_liq_4h, "2024-11-13 20:00"),
        job("cg_bob_btc_1d", cg.AGG3_BTC, bob_btc_daily, "2020-01-01"),
        job("cg_oi_all_4h", cg.OI_4H, oi_4h, "2024-11-21 20:00"),
        job("cg_funding_4h", cg.FUNDING_4H, funding_4h, "2024-11-13 20:00"),
        job("cg_bob_liq_1h_2026", cg.LIQ_1H_2026, bob_liq_1h, "2025-11-23 06:00"),
        job(
            "cg_bob_liq_1d_2026",
            cg.LIQ_DAILY_2026,
            liq_daily("Binance,Bybit,OKX", "coinglass_api_1d", daily6),
            "2025-11-24",
        ),
    ]
