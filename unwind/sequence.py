"""Who moved first: the order of ETF outflows and deleveraging, 1 October - 21 November 2025, and 10 October by hour.

Registry: ``study/07_sequence.yaml`` (C19, SEQ.*).  This module measures; it writes no verdict word.

Definitions kept apart in every frame (see the registry for the exact wording):

* flows: US spot BTC ETF net flows, Farside, by U.S. trading day (decided after the U.S. close);
* OI: all-venue BTC futures open interest (Coinglass), in USD and in coins (USD / BTC close); OI by venue incl. CME;
* liquidations: Binance only (4h, BTC/ETH/SOL/XRP), Binance+OKX+Bybit (daily BTC, to 2025-09-08), Hyperliquid
  (all coins, 21:15-21:27 UTC on 10/10 only).  None is the all-venue total.

The pure functions (:func:`order_test`, :func:`lead_lag_pairs`, :func:`boot_corr`, :func:`cascade`, ...) take
Series and numbers and are unit tested; :func:`load_inputs` reads the loaders once; :func:`estimates` is the
chapter's entry point for :mod:`unwind.results`.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from scipy import stats as sps

from . import config, stats
from .study import Estimate
from .study import registry as reg

CHAPTER = "07_sequence"
CHRONO_START, CHRONO_END = pd.Timestamp("2025-10-01"), pd.Timestamp("2025-11-21")
#: SEQ.H1/H2: the event-window sample (the next-day OI change must end on or before the last OI day)
LEADLAG_START, LEADLAG_END = pd.Timestamp("2025-10-01"), pd.Timestamp("2025-11-13")
PRE_DAYS = 5  # C19: U.S. trading days in the pre-window before the largest OI fall
BLOCK, N_BOOT = 5, 4000  # SEQ.H1/H2 block bootstrap: mean block at least 5 days, 4,000 draws
TOP_K = 20  # SEQ.damage: the largest deleveraging days compared
C8_THRESHOLDS_BN = (0.5, 1.0)  # SEQ.bounds.c8 and SEQ.bounds.c8.one (the claimed shares are in the registry)
C8_IDS = {0.5: "SEQ.bounds.c8", 1.0: "SEQ.bounds.c8.one"}
COINS4 = ("btc", "eth", "sol", "xrp")
#: other large deleveragings the chapter compares with 10/10 (dates named in the chapter's brief)
OTHER_EVENTS = ("2020-03-12", "2021-05-19", "2021-12-04", "2026-02-05")
MAJOR_VENUES = ("binance", "bybit", "okx", "cme", "hyperliquid", "bitget", "gate", "deribit")


# --------------------------------------------------------------------------------------------------------------
# inputs
# --------------------------------------------------------------------------------------------------------------
def load_inputs() -> dict[str, pd.DataFrame]:
    """Every loader frame the chapter reads beyond the panel (read once)."""
    from .sources import binance, cftc, coinglass, flows, hyperliquid

    return {
        "venue4h": coinglass.oi_by_venue_4h(),
        "oi4h": coinglass.oi_all_venues_4h(),
        "funding4h": coinglass.funding_weighted_4h(),
        "lsbasis4h": coinglass.long_short_basis_4h(),
        "liq4h": coinglass.binance_liquidations_4h(),
        "bob_btc": coinglass.bob_btc_daily(),
        "bn_btc_daily": coinglass.binance_liquidations_btc_daily(),
        "coins_daily": coinglass.bob_coins_daily(),
        "hl": hyperliquid.hyperliquid_oct10(),
        "cftc": cftc.cftc_cme(),
        "farside": flows.farside_flows("BTC"),
        "spot1h": {c: binance.binance_intraday(f"{c.upper()}USDT", "spot", "1h") for c in COINS4},
        "perp1h": binance.binance_intraday("BTCUSDT", "perp", "1h"),
        "oi_bn_2026": coinglass.binance_oi_funding_daily_2026(),
        "bob26": coinglass.bob_liquidations_daily_2026(),
    }


def _naive(idx: pd.DatetimeIndex) -> pd.DatetimeIndex:
    return idx.tz_convert(None) if idx.tz is not None else idx


def _day(d: pd.Timestamp) -> str:
    return f"{pd.Timestamp(d):%Y-%m-%d}"


# --------------------------------------------------------------------------------------------------------------
# open interest in coins
# --------------------------------------------------------------------------------------------------------------
def oi_coins(oi_usd: pd.Series, price: pd.Series) -> pd.Series:
    """Open interest in coins: USD open interest over the price of the same day (NaN where either is missing)."""
    return (oi_usd / price).dropna()


def log_change_pct(s: pd.Series) -> pd.Series:
    """100 x log change between consecutive calendar days (a missing day leaves the next change missing)."""
    s = s.asfreq("D") if isinstance(s.index, pd.DatetimeIndex) and len(s) > 1 else s
    return 100 * np.log(s).diff()


def oi_coins_daily(p: pd.DataFrame) -> pd.Series:
    """All-venue BTC OI in coins from the 4h pull (UTC-day close) over the Yahoo BTC-USD close."""
    return oi_coins(p["oi_all_btc_4h_usd"], p["btc_close_usd"]).rename("oi_coins")


# --------------------------------------------------------------------------------------------------------------
# C19: did outflows come first?
# --------------------------------------------------------------------------------------------------------------
def order_test(
    flow: pd.Series, oi_chg: pd.Series, start: pd.Timestamp, end: pd.Timestamp, pre_days: int = PRE_DAYS
) -> dict:
    """The registered sequence rule of C19 on one period.

    ``flow``: daily net ETF flow on U.S. trading days (US$ m; other days absent or NaN); ``oi_chg``: daily log
    change (%) of OI in coins on UTC days.  t* = the day in (start, end] with the most negative ``oi_chg``.
    yes = 1 when the flow summed over the ``pre_days`` U.S. trading days dated before t* is negative AND the
    cumulative flow from ``start`` to the day before t* is negative.
    """
    start, end = pd.Timestamp(start), pd.Timestamp(end)
    window = oi_chg.loc[start + pd.Timedelta(days=1) : end].dropna()
    if window.empty:
        raise ValueError(f"no OI change between {start:%Y-%m-%d} and {end:%Y-%m-%d}")
    t_star = window.idxmin()
    f = flow.dropna()
    before = f.loc[: t_star - pd.Timedelta(days=1)]
    pre = before.iloc[-pre_days:]
    cum = f.loc[start : t_star - pd.Timedelta(days=1)]
    pre_sum, cum_sum = float(pre.sum()), float(cum.sum())
    yes = bool(len(pre) == pre_days and pre_sum < 0 and len(cum) > 0 and cum_sum < 0)
    return {
        "start": start,
        "end": end,
        "t_star": t_star,
        "oi_drop_pct": float(window.min()),
        "pre_first": pre.index.min(),
        "pre_last": pre.index.max(),
        "pre_flow_usd_m": pre_sum,
        "cum_flow_usd_m": cum_sum,
        "n_cum_days": len(cum),
        "yes": float(yes),
        "first_outflow_day": _first_negative_run_day(f.loc[start:end]),
    }


def _first_negative_run_day(f: pd.Series) -> pd.Timestamp | None:
    """The first day from which the cumulative flow (from the start of ``f``) stays negative to the end."""
    cum = f.cumsum()
    if cum.empty or cum.iloc[-1] >= 0:
        return None
    nonneg = cum[cum >= 0]
    if nonneg.empty:
        return cum.index[0]
    after = cum.loc[nonneg.index[-1] :].iloc[1:]
    return after.index[0] if len(after) else None


def sequence_test(
    flow: pd.Series, oi_level: pd.Series, start: pd.Timestamp, end: pd.Timestamp, pre_days: int = PRE_DAYS
) -> dict:
    """The registered C19 rule on one period: outflows first (:func:`order_test`) AND leverage fell after them.

    ``oi_level``: OI in coins by UTC day.  The outflow start O is the first U.S. trading day from which the
    cumulative flow since ``start`` stays negative up to the day before ``end`` (flows dated ``end`` are decided
    after most of that UTC day).  "Leverage fell" when O exists, OI in coins at the close of ``end`` is lower
    than at the close of O - 1 (the last close before the outflows began), and the period's largest one-day fall
    t* comes after O.  yes = 1 when both parts hold.
    """
    start, end = pd.Timestamp(start), pd.Timestamp(end)
    order = order_test(flow, log_change_pct(oi_level), start, end, pre_days)
    f = flow.dropna().loc[start : end - pd.Timedelta(days=1)]
    o = _first_negative_run_day(f)
    lvl = oi_level.dropna()
    if o is None:
        base_day, change, after = pd.NaT, math.nan, False
    else:
        base_day = o - pd.Timedelta(days=1)
        change = float(100 * np.log(lvl.loc[end] / lvl.loc[base_day]))
        after = bool(order["t_star"] > o)
    fell = bool(o is not None and change < 0 and after)
    trough = lvl.loc[o:end] if o is not None else lvl.iloc[:0]
    return {
        **order,
        "outflows_first": order["yes"],
        "outflow_start": o,
        "oi_base_day": base_day,
        "oi_change_pct": change,
        "oi_min_change_pct": float(100 * np.log(trough.min() / lvl.loc[base_day])) if len(trough) else math.nan,
        "oi_change_from_start_pct": float(100 * np.log(lvl.loc[end] / lvl.loc[start])),
        "t_star_after_outflows": after,
        "leverage_fell": float(fell),
        "yes": float(bool(order["yes"]) and fell),
    }


def rebound_high_day(p: pd.DataFrame) -> pd.Timestamp:
    """C19 reading (b)'s start: the day of the highest BTC close in the book's late_october window."""
    a, b = reg.window("late_october")
    return p["btc_close_usd"].loc[a:b].idxmax()


def c19_periods(p: pd.DataFrame) -> dict[str, pd.Timestamp]:
    return {
        "the whole selloff from the 10/06 high": reg.date("oct6_high"),
        "the leg from the late-October rebound high": rebound_high_day(p),
    }


def c19_frame(p: pd.DataFrame) -> pd.DataFrame:
    """The sequence rule per reading and as-of date (one row each)."""
    lvl = oi_coins_daily(p)
    last_oi = lvl.last_valid_index()
    rows = []
    for reading, start in c19_periods(p).items():
        for d in reg.book().as_of_window:
            r = sequence_test(p["etf_btc_flow_usd_m"].loc[: d - pd.Timedelta(days=1)], lvl, start, min(d, last_oi))
            rows.append({"reading": reading, "as_of": d, **r})
    return pd.DataFrame(rows)


def c19_placebo(p: pd.DataFrame, first: str = "2025-10-11", last: str = "2025-11-07") -> pd.DataFrame:
    """The previous rule (outflows before the largest one-day fall only) and the registered rule (also: leverage
    fell after the outflows) for every start day S from ``first`` to ``last``, on the primary date's data."""
    lvl = oi_coins_daily(p)
    end = min(reg.book().primary_date, lvl.last_valid_index())
    flow = p["etf_btc_flow_usd_m"].loc[: reg.book().primary_date - pd.Timedelta(days=1)]
    rows = []
    for s in pd.date_range(first, last, freq="D"):
        r = sequence_test(flow, lvl, s, end)
        rows.append(
            {
                "start": s,
                "t_star": r["t_star"],
                "outflows_first": r["outflows_first"],
                "outflow_start": r["outflow_start"],
                "oi_change_pct": r["oi_change_pct"],
                "yes": r["yes"],
            }
        )
    return pd.DataFrame(rows).set_index("start")


def venue_change_days(venue4h: pd.DataFrame, day_a: pd.Timestamp, day_b: pd.Timestamp) -> pd.DataFrame:
    """OI in coins by venue from the last 4h point of UTC day ``day_a`` to the last point of ``day_b`` (log %,
    coins = USD OI / the venue file's BTC price at the same point); venues with both points only."""
    v = venue4h.copy()
    v.index = _naive(v.index)
    last = v.groupby(v.index.normalize()).last()
    stamp = v.index.to_series().groupby(v.index.normalize()).last()
    a, b = last.loc[pd.Timestamp(day_a)], last.loc[pd.Timestamp(day_b)]
    rows = {}
    for c in [c for c in v.columns if c.endswith("_oi_usd")]:
        if pd.isna(a[c]) or pd.isna(b[c]) or a[c] <= 0:
            continue
        ca, cb = a[c] / a["btc_price_usd"], b[c] / b["btc_price_usd"]
        rows[c.removesuffix("_oi_usd")] = {"coins_from": ca, "coins_to": cb, "change_coins_pct": 100 * np.log(cb / ca)}
    out = pd.DataFrame.from_dict(rows, orient="index").sort_values("coins_from", ascending=False)
    out.attrs["from_stamp"], out.attrs["to_stamp"] = stamp.loc[pd.Timestamp(day_a)], stamp.loc[pd.Timestamp(day_b)]
    return out


def c19_estimate(p: pd.DataFrame) -> Estimate:
    f = c19_frame(p)
    readings = {
        r: {_day(d): v for d, v in g.set_index("as_of")["yes"].items()} for r, g in f.groupby("reading", sort=False)
    }
    prim = f[f["as_of"] == reg.book().primary_date].set_index("reading")
    a, b = prim.iloc[0], prim.iloc[1]

    def part(r: pd.Series) -> str:
        o = "none" if r["outflow_start"] is None else f"{r['outflow_start']:%m/%d}"
        return (
            f"largest OI-in-coins fall {r['t_star']:%m/%d} ({r['oi_drop_pct']:.1f} %), flow over the {PRE_DAYS} "
            f"U.S. days before {r['pre_flow_usd_m']:+,.0f} US$ m, since {r['start']:%m/%d} "
            f"{r['cum_flow_usd_m']:+,.0f}; outflow start {o}, OI in coins from then to {r['end']:%m/%d} "
            f"{r['oi_change_pct']:+.1f} %"
        )

    return Estimate(
        unit=f"yes = 1, by reading: (a) {a['yes']:.0f}, (b) {b['yes']:.0f}",
        sample="each as-of date of study/book.yaml; OI to 2025-11-14 (the same data on every as-of date)",
        method="outflows before the largest one-day fall of all-venue OI in coins, and OI in coins lower at the "
        "end than before the outflows began",
        readings=readings,
        text=f"(a) from {a['start']:%m/%d}: {part(a)}; (b) from {b['start']:%m/%d}: {part(b)}",
    )


# --------------------------------------------------------------------------------------------------------------
# SEQ.H1 / SEQ.H2: lead-lag in the event window
# --------------------------------------------------------------------------------------------------------------
def lead_lag_pairs(
    flow: pd.Series,
    oi_chg: pd.Series,
    direction: str,
    start: pd.Timestamp = LEADLAG_START,
    end: pd.Timestamp = LEADLAG_END,
    pairing: str = "per_flow",
) -> pd.DataFrame:
    """Pairs (x, y, oi_first, oi_day, flow_day) for the registered lead-lag correlations.

    ``flow_oi``: x = flow of U.S. day t, y = OI change of UTC day t+1 (t in [start, end]).
    ``oi_flow``: the OI changes of UTC days t in [start, end] against the flow of the first U.S. trading day
    after t.  ``pairing`` says how days map to flows: "per_flow" (registered) sums the OI changes of every UTC
    day since the previous flow's day, one pair per flow; "next_day" keeps only OI days whose next UTC day is a
    U.S. trading day; "every_day" (the first edition) pairs every OI day, so a Monday flow appears up to three
    times.  ``oi_first`` / ``oi_day``: the first and last OI day of the pair.
    """
    f = flow.dropna()
    cols = ["x", "y", "oi_first", "oi_day", "flow_day"]
    rows = []
    if direction == "flow_oi":
        for t, v in f.loc[start:end].items():
            d = t + pd.Timedelta(days=1)
            if d in oi_chg.index and not math.isnan(oi_chg.loc[d]):
                rows.append({"x": v, "y": float(oi_chg.loc[d]), "oi_first": d, "oi_day": d, "flow_day": t})
        return pd.DataFrame(rows, columns=cols)
    if direction != "oi_flow":
        raise ValueError(f"direction must be 'flow_oi' or 'oi_flow', got {direction!r}")
    if pairing not in ("per_flow", "next_day", "every_day"):
        raise ValueError(f"pairing must be 'per_flow', 'next_day' or 'every_day', got {pairing!r}")
    for t, v in oi_chg.loc[start:end].dropna().items():
        nxt = f.loc[t + pd.Timedelta(days=1) :]
        if len(nxt) and nxt.index[0] <= end + pd.Timedelta(days=4):
            rows.append({"x": float(v), "y": float(nxt.iloc[0]), "oi_first": t, "oi_day": t, "flow_day": nxt.index[0]})
    pairs = pd.DataFrame(rows, columns=cols)
    if pairing == "next_day":
        return pairs[pairs["flow_day"] == pairs["oi_day"] + pd.Timedelta(days=1)].reset_index(drop=True)
    if pairing == "per_flow":
        g = pairs.groupby("flow_day", sort=True)
        return pd.DataFrame(
            {
                "x": g["x"].sum(),
                "y": g["y"].first(),
                "oi_first": g["oi_first"].min(),
                "oi_day": g["oi_day"].max(),
            }
        ).reset_index()[cols]
    return pairs


def fisher_interval(r: float, n: int, level: float = 0.95) -> tuple[float, float]:
    """The analytic (Fisher z) interval of a Pearson correlation, shown beside the bootstrap interval."""
    if n <= 3:
        return math.nan, math.nan
    z, se = math.atanh(r), 1 / math.sqrt(n - 3)
    q = sps.norm.ppf(0.5 + level / 2)
    return math.tanh(z - q * se), math.tanh(z + q * se)


def boot_corr(
    x: np.ndarray, y: np.ndarray, *, block: int = BLOCK, n_boot: int = N_BOOT, seed: int = config.SEED
) -> dict:
    """Pearson r with the book's block bootstrap (:func:`unwind.stats.block_bootstrap`: stationary, mean block
    at least ``block`` days) 95 % percentile interval and two-sided bootstrap p."""
    x, y = np.asarray(x, float), np.asarray(y, float)
    n = len(x)
    r = float(np.corrcoef(x, y)[0, 1])

    def corr(a: np.ndarray, b: np.ndarray) -> float:
        if a.std() == 0 or b.std() == 0:
            return np.nan
        return float(np.corrcoef(a, b)[0, 1])

    bs = stats.block_bootstrap(corr, x, y, n_boot=n_boot, min_block=block, seed=seed)
    b = bs.draws[:, 0]
    b = b[~np.isnan(b)]
    lo, hi = np.quantile(b, [0.025, 0.975])
    p = float(stats.bootstrap_p(b))
    rho, p_s = sps.spearmanr(x, y)
    f_lo, f_hi = fisher_interval(r, n)
    return {
        "r": r,
        "low": float(lo),
        "high": float(hi),
        "fisher_low": f_lo,
        "fisher_high": f_hi,
        "p": p,
        "n": n,
        "spearman": float(rho),
        "spearman_p": float(p_s),
    }


CASCADE_DAYS = (pd.Timestamp("2025-10-10"), pd.Timestamp("2025-10-11"))


def lead_lag(flow: pd.Series, oi_chg: pd.Series, direction: str, **kw) -> dict:
    """One registered lead-lag test with its check (same sign without the cascade days: pairs whose OI days
    include 10/10 or 10/11 are dropped)."""
    pairs = lead_lag_pairs(flow, oi_chg, direction, **{k: v for k, v in kw.items() if k in ("start", "end", "pairing")})
    res = boot_corr(pairs["x"], pairs["y"])
    keep = (pairs["oi_day"] < CASCADE_DAYS[0]) | (pairs["oi_first"] > CASCADE_DAYS[1])
    ex = boot_corr(pairs.loc[keep, "x"], pairs.loc[keep, "y"])
    return {
        **res,
        "pairs": pairs,
        "r_ex": ex["r"],
        "low_ex": ex["low"],
        "high_ex": ex["high"],
        "p_ex": ex["p"],
        "n_ex": ex["n"],
        "same_sign_ex": bool(np.sign(ex["r"]) == np.sign(res["r"])),
    }


def lead_lag_estimate(res: dict, direction: str) -> Estimate:
    unit = (
        "correlation, flow(t) with OI change(t+1)"
        if direction == "flow_oi"
        else "correlation, OI change since the previous flow with the next flow"
    )
    return Estimate(
        value=res["r"],
        low=res["low"],
        high=res["high"],
        interval="95% CI",
        p=res["p"],
        n=res["n"],
        unit=unit,
        sample=f"{LEADLAG_START:%Y-%m-%d} .. {LEADLAG_END:%Y-%m-%d}",
        method=(
            f"Pearson r, stationary block bootstrap percentile interval (mean block >= {BLOCK}, {N_BOOT} draws; "
            f"about {res['n'] // BLOCK} blocks)"
        ),
        checks={"same sign without 10/10": res["same_sign_ex"]},
        text=(
            f"r = {res['r']:.2f} (Fisher interval {res['fisher_low']:.2f} to {res['fisher_high']:.2f}); "
            f"without 10/10-11 r = {res['r_ex']:.2f} (n = {res['n_ex']})"
        ),
    )


def cross_correlations(flow: pd.Series, oi_chg: pd.Series, ret: pd.Series, lags: range = range(-3, 4)) -> pd.DataFrame:
    """Correlation of the flow of U.S. day t with the OI change and the BTC return of UTC day t+k, with block
    bootstrap 95 % intervals (shown, not registered except k = +1 for OI, which is SEQ.H1.flow_oi)."""
    f = flow.loc[LEADLAG_START:LEADLAG_END].dropna()
    rows = []
    for name, s in (("OI change in coins", oi_chg), ("BTC return", ret)):
        for k in lags:
            y = s.reindex(f.index + pd.Timedelta(days=k))
            ok = ~np.isnan(y.to_numpy())
            r = boot_corr(f.to_numpy()[ok], y.to_numpy()[ok])
            rows.append(
                {
                    "series": name,
                    "lag_days": k,
                    "r": r["r"],
                    "low": r["low"],
                    "high": r["high"],
                    "p": r["p"],
                    "n": r["n"],
                }
            )
    return pd.DataFrame(rows)


# --------------------------------------------------------------------------------------------------------------
# the chronology
# --------------------------------------------------------------------------------------------------------------
def chronology_daily(p: pd.DataFrame, inp: dict) -> pd.DataFrame:
    """One row per UTC day 2025-10-01 .. 2025-11-21: prices, flows by fund, OI by venue, funding, liquidations."""
    idx = pd.date_range(CHRONO_START, CHRONO_END, freq="D", name="date")
    out = pd.DataFrame(index=idx)
    out["btc_close_usd"] = p["btc_close_usd"]
    out["eth_close_usd"] = p["eth_close_usd"]
    fs = inp["farside"]
    out["etf_total_usd_m"] = fs["total_usd_m"]
    for fund in ("IBIT", "FBTC", "GBTC"):
        out[f"etf_{fund.lower()}_usd_m"] = fs[fund]
    out["etf_other_usd_m"] = fs["total_usd_m"] - fs[["IBIT", "FBTC", "GBTC"]].sum(axis=1, min_count=1)
    out["oi_all_usd"] = p["oi_all_btc_4h_usd"]
    out["oi_coins"] = oi_coins_daily(p)
    v = inp["venue4h"].copy()
    v.index = _naive(v.index)
    last = v.groupby(v.index.normalize()).last()
    for venue in MAJOR_VENUES:
        out[f"oi_{venue}_usd"] = last[f"{venue}_oi_usd"]
    out["funding_oiw_pct"] = p["funding_oiw_4h_pct"]
    liq = inp["liq4h"].copy()
    liq.index = _naive(liq.index)
    day = liq.groupby(liq.index.normalize())
    n = day.size()
    for side in ("long", "short"):
        s = day[[f"{c}_liq_{side}_usd" for c in COINS4]].sum().sum(axis=1)
        out[f"liq_bn4_{side}_usd"] = s.where(n == 6)
    out["liq_bn_btc_usd"] = p["liq_binance_btc_long_usd"] + p["liq_binance_btc_short_usd"]
    out["basis_pct"] = _daily_last(inp["lsbasis4h"]["basis_pct"])
    out["ls_ratio_accounts"] = _daily_last(inp["lsbasis4h"]["long_short_ratio_accounts"])
    return out


def _daily_last(s: pd.Series) -> pd.Series:
    s = s.copy()
    s.index = _naive(s.index)
    return s.groupby(s.index.normalize()).last()


def cftc_positions(cf: pd.DataFrame, start: str = "2025-08-26", end: str = "2025-12-02") -> pd.DataFrame:
    """CME Bitcoin futures, weekly (Tuesday as-of dates): net and gross positions of leveraged funds and asset
    managers, in BTC (5 BTC a contract)."""
    from .sources.cftc import BTC_PER_CONTRACT as k

    c = cf.loc[start:end]
    return pd.DataFrame(
        {
            "open_interest_btc": c["open_interest_btc"],
            "lev_funds_long_btc": c["lev_money_long"] * k,
            "lev_funds_short_btc": c["lev_money_short"] * k,
            "lev_funds_net_btc": (c["lev_money_long"] - c["lev_money_short"]) * k,
            "asset_mgr_long_btc": c["asset_mgr_long"] * k,
            "asset_mgr_short_btc": c["asset_mgr_short"] * k,
            "asset_mgr_net_btc": (c["asset_mgr_long"] - c["asset_mgr_short"]) * k,
        }
    )


def event_4h(inp: dict, start: str = "2025-10-07", end: str = "2025-10-14 20:00") -> pd.DataFrame:
    """4h bars around 10/10 in event time (hours from the 10/10 20:00 UTC bar): spot close, all-venue OI, OI by
    venue (the point at the bar's open), funding, basis, Binance liquidations (4 coins)."""
    t0 = pd.Timestamp("2025-10-10 20:00", tz="UTC")
    from .liquidations import resample_closes

    spot = resample_closes(inp["spot1h"]["btc"], "4h").rename("btc_close_usdt")
    oi = inp["oi4h"]["oi_all_venues_close_usd"].rename("oi_all_close_usd")
    venue = inp["venue4h"][[f"{v}_oi_usd" for v in MAJOR_VENUES]].shift(-1)  # point at the bar's close
    liq = inp["liq4h"]
    f = pd.concat(
        [
            spot,
            oi,
            venue,
            inp["funding4h"]["funding_oiw_pct"],
            inp["lsbasis4h"]["basis_pct"],
            liq[[f"{c}_liq_long_usd" for c in COINS4]].sum(axis=1).rename("liq_bn4_long_usd"),
            liq[[f"{c}_liq_short_usd" for c in COINS4]].sum(axis=1).rename("liq_bn4_short_usd"),
        ],
        axis=1,
    )
    f = f.loc[pd.Timestamp(start, tz="UTC") : pd.Timestamp(end, tz="UTC")]
    f.insert(0, "hours_from_crash", ((f.index - t0) / pd.Timedelta(hours=1)).astype(int))
    return f


# --------------------------------------------------------------------------------------------------------------
# 10 October hour by hour
# --------------------------------------------------------------------------------------------------------------
def venue_fall(venue4h: pd.DataFrame, t_from: str = "2025-10-10 00:00", t_to: str = "2025-10-11 00:00") -> pd.DataFrame:
    """OI by venue at two points (the venue file's points are values at the stamp): change in USD and in coins
    (USD / the file's own BTC price at the same stamp), and each venue's share of the all-venue coin fall."""
    a, b = venue4h.loc[pd.Timestamp(t_from, tz="UTC")], venue4h.loc[pd.Timestamp(t_to, tz="UTC")]
    cols = [c for c in venue4h.columns if c.endswith("_oi_usd")]
    rows = []
    for c in cols:
        if pd.isna(a[c]) or pd.isna(b[c]):
            continue
        ca, cb = a[c] / a["btc_price_usd"], b[c] / b["btc_price_usd"]
        rows.append(
            {
                "venue": c.removesuffix("_oi_usd"),
                "oi_before_usd_bn": a[c] / 1e9,
                "oi_after_usd_bn": b[c] / 1e9,
                "change_usd_bn": (b[c] - a[c]) / 1e9,
                "change_usd_pct": 100 * (b[c] / a[c] - 1),
                "change_coins": cb - ca,
                "change_coins_pct": 100 * (cb / ca - 1),
            }
        )
    out = pd.DataFrame(rows).set_index("venue")
    out["share_of_coin_fall_pct"] = 100 * out["change_coins"] / out["change_coins"].sum()
    return out.sort_values("change_coins")


def venue_path(
    venue4h: pd.DataFrame,
    start: str = "2025-10-10 00:00",
    end: str = "2025-10-11 12:00",
    venues: tuple[str, ...] = MAJOR_VENUES,
) -> pd.DataFrame:
    """Each venue's OI in coins at every 4h point, as % of its value at ``start``; and which fell first."""
    v = venue4h.loc[pd.Timestamp(start, tz="UTC") : pd.Timestamp(end, tz="UTC")]
    coins = v[[f"{x}_oi_usd" for x in venues]].div(v["btc_price_usd"], axis=0)
    coins.columns = list(venues)
    return 100 * (coins / coins.iloc[0] - 1)


def first_to_fall(path: pd.DataFrame, threshold_pct: float = -3.0) -> pd.Series:
    """The first stamp at which each venue's coin OI is ``threshold_pct`` below its start (NaT if never)."""
    return path.apply(lambda s: s.index[(s <= threshold_pct).to_numpy()][0] if (s <= threshold_pct).any() else pd.NaT)


def hyperliquid_by_coin(hl: pd.DataFrame, top: int = 12) -> pd.DataFrame:
    """Hyperliquid 21:15-21:27 UTC: liquidation and ADL notional by coin (US$ m), the largest ``top`` and the rest."""
    h = hl[["liq_notional_usd", "adl_notional_usd"]].div(1e6)
    h["total_usd_m"] = h.sum(axis=1)
    h["adl_share_pct"] = 100 * h["adl_notional_usd"] / h["total_usd_m"]
    h = h.sort_values("total_usd_m", ascending=False)
    rest = h.iloc[top:][["liq_notional_usd", "adl_notional_usd", "total_usd_m"]].sum()
    rest["adl_share_pct"] = 100 * rest["adl_notional_usd"] / rest["total_usd_m"]
    out = pd.concat([h.iloc[:top], rest.to_frame(f"{len(h) - top} other tickers").T])
    return out.rename(columns={"liq_notional_usd": "liq_usd_m", "adl_notional_usd": "adl_usd_m"})


def basis_1h(
    spot: pd.DataFrame, perp: pd.DataFrame, start: str = "2025-10-10 12:00", end: str = "2025-10-11 06:00"
) -> pd.DataFrame:
    """Binance BTCUSDT perpetual minus spot, % of spot, on hourly closes and on hourly lows."""
    s = spot.loc[pd.Timestamp(start, tz="UTC") : pd.Timestamp(end, tz="UTC")]
    f = perp.reindex(s.index)
    return pd.DataFrame(
        {
            "spot_close": s["close_usdt"],
            "perp_close": f["close_usdt"],
            "spot_low": s["low_usdt"],
            "perp_low": f["low_usdt"],
            "basis_close_pct": 100 * (f["close_usdt"] / s["close_usdt"] - 1),
            "basis_low_pct": 100 * (f["low_usdt"] / s["low_usdt"] - 1),
        }
    )


def cross_coin(
    inp: dict,
    t0: str = "2025-10-10 20:00",
    t1: str = "2025-10-11 00:00",
    oi_day: str = "2025-09-08",
    vol_days: int = 30,
) -> pd.DataFrame:
    """Did the coins with the most leverage fall most?  Per coin (BTC, ETH, SOL, XRP): the fall from the open of
    ``t0`` to the lowest 1h low before ``t1`` and to the close before ``t1`` (log %, Binance spot); leverage proxy =
    all-venue OI on ``oi_day`` (the last day of the 7-coin OI pull) over the mean daily Binance spot dollar volume
    of the ``vol_days`` days to it; Binance liquidations on 10/10 and Hyperliquid liquidations, US$ m."""
    a, b = pd.Timestamp(t0, tz="UTC"), pd.Timestamp(t1, tz="UTC")
    cd = inp["coins_daily"]
    liq = inp["liq4h"]
    day = liq.loc[pd.Timestamp("2025-10-10", tz="UTC") : pd.Timestamp("2025-10-10 20:00", tz="UTC")]
    hl = inp["hl"]
    rows = []
    for c in COINS4:
        k = inp["spot1h"][c]
        w = k.loc[a : b - pd.Timedelta(hours=1)]
        dv = (k["close_usdt"] * k["volume_base"]).loc[: pd.Timestamp(oi_day, tz="UTC") + pd.Timedelta(hours=23)]
        vol = dv.groupby(_naive(dv.index).normalize()).sum().iloc[-vol_days:].mean()
        oi = cd.loc[oi_day, f"{c}_oi_all_venues_usd"]
        rows.append(
            {
                "coin": c.upper(),
                "fall_to_low_pct": 100 * np.log(w["low_usdt"].min() / w["open_usdt"].iloc[0]),
                "fall_to_close_pct": 100 * np.log(w["close_usdt"].iloc[-1] / w["open_usdt"].iloc[0]),
                "oi_usd_bn": oi / 1e9,
                "oi_to_spot_volume": oi / vol,
                "binance_liq_usd_m": (day[f"{c}_liq_long_usd"].sum() + day[f"{c}_liq_short_usd"].sum()) / 1e6,
                "hyperliquid_liq_usd_m": hl.loc[c.upper(), "liq_notional_usd"] / 1e6,
                "hyperliquid_adl_usd_m": hl.loc[c.upper(), "adl_notional_usd"] / 1e6,
            }
        )
    out = pd.DataFrame(rows).set_index("coin")
    out["binance_liq_pct_of_oi"] = 100 * out["binance_liq_usd_m"] / (out["oi_usd_bn"] * 1e3)
    return out


# --------------------------------------------------------------------------------------------------------------
# deleveraging accounting and the bounds of C6 / C8
# --------------------------------------------------------------------------------------------------------------
def _venue_points(venue4h: pd.DataFrame) -> tuple[pd.Series, pd.Series]:
    """Venue OI at the last point of 10/09 and the first point of 10/11 (the registered points)."""
    v = venue4h.copy()
    v.index = _naive(v.index)
    a = v.loc[:"2025-10-09 23:59"].iloc[-1]
    b = v.loc["2025-10-11":].iloc[0]
    return a, b


def c6_bounds(p: pd.DataFrame, inp: dict) -> dict:
    """The registered bounds on the all-venue liquidations of 10/10 (US$ bn) and every input behind them."""
    crash = reg.date("crash")
    prev = crash - pd.Timedelta(days=1)
    oi, px = p["oi_all_btc_4h_usd"], p["btc_close_usd"]
    d_coins = oi.loc[prev] / px.loc[prev] - oi.loc[crash] / px.loc[crash]
    fall_at_close = d_coins * px.loc[crash] / 1e9
    fall_at_prev = d_coins * px.loc[prev] / 1e9
    a, b = _venue_points(inp["venue4h"])
    hl_fall = (a["hyperliquid_oi_usd"] - b["hyperliquid_oi_usd"]) / 1e9
    bn_fall = (a["binance_oi_usd"] - b["binance_oi_usd"]) / 1e9
    hl = inp["hl"]
    hl_btc = hl.loc["BTC", "liq_notional_usd"] / 1e9  # liquidations only: ADL closes the winners, it is no liquidation
    hl_btc_adl = hl.loc["BTC", "adl_notional_usd"] / 1e9
    liq = inp["liq4h"]
    day = liq.loc[pd.Timestamp(crash, tz="UTC") : pd.Timestamp(crash, tz="UTC") + pd.Timedelta(hours=20)]
    by = {c: (day[f"{c}_liq_long_usd"].sum() + day[f"{c}_liq_short_usd"].sum()) / 1e9 for c in COINS4}
    f_hi, f_lo = hl_btc / hl_fall, by["btc"] / bn_fall
    f_hi_adl = (hl_btc + hl_btc_adl) / hl_fall
    s_lo = hl.loc["BTC", "liq_notional_usd"] / hl["liq_notional_usd"].sum()
    s_hi = by["btc"] / sum(by.values())
    observed = sum(by.values()) + hl["liq_notional_usd"].sum() / 1e9
    s_min, s_max = min(s_lo, s_hi), max(s_lo, s_hi)
    implied_lo = fall_at_close * f_lo / s_max
    lower = max(observed, implied_lo)
    upper = fall_at_prev * f_hi / s_min
    return {
        "oi_fall_coins": d_coins,
        "oi_fall_at_close_bn": fall_at_close,
        "oi_fall_at_prev_bn": fall_at_prev,
        "oi_fall_usd_bn": (oi.loc[prev] - oi.loc[crash]) / 1e9,
        "hl_oi_fall_bn": hl_fall,
        "bn_oi_fall_bn": bn_fall,
        "hl_btc_liq_bn": hl_btc,
        "hl_btc_adl_bn": hl_btc_adl,
        "f_hi_with_adl": f_hi_adl,
        "upper_with_adl_bn": fall_at_prev * f_hi_adl / s_lo,
        "bn_btc_liq_bn": by["btc"],
        "bn_4coin_liq_bn": sum(by.values()),
        "hl_liq_bn": hl["liq_notional_usd"].sum() / 1e9,
        "f_lo": f_lo,
        "f_hi": f_hi,
        "s_lo": s_lo,
        "s_hi": s_hi,
        "s_min": s_min,
        "s_max": s_max,
        "observed_bn": observed,
        "implied_lo_bn": implied_lo,
        "lower_bn": lower,
        "upper_bn": upper,
        "btc_forced_lo_bn": fall_at_close * f_lo,
        "btc_forced_hi_bn": fall_at_prev * f_hi,
    }


def c8_multiplier(p: pd.DataFrame, inp: dict) -> dict:
    """M = B x V x C of the registered upper definition of SEQ.bounds.c8."""
    bob = p["liq_bob_btc_long_usd"] + p["liq_bob_btc_short_usd"]
    bn = p["liq_binance_btc_long_usd"] + p["liq_binance_btc_short_usd"]
    both = pd.concat([bob, bn], axis=1, keys=["bob", "bn"]).loc["2024-11-13":"2025-09-08"].dropna()
    both = both[both["bn"] >= 1e6]
    ratio = both["bob"] / both["bn"]
    b90, bmed = float(ratio.quantile(0.9)), float(ratio.median())
    v = inp["venue4h"].copy()
    v.index = _naive(v.index)
    last = v.groupby(v.index.normalize()).last().loc["2025-10-11":"2025-11-13"]
    cols = [c for c in last.columns if c.endswith("_oi_usd") and c != "cme_oi_usd"]
    bob_oi = last[["binance_oi_usd", "okx_oi_usd", "bybit_oi_usd"]].sum(axis=1)
    vv = float((last[cols].sum(axis=1) / bob_oi).median())
    hl = inp["hl"]["liq_notional_usd"]
    cc = float(hl.sum() / hl.loc[[c.upper() for c in COINS4]].sum())
    return {"B": b90, "B_median": bmed, "B_n": len(ratio), "V": vv, "C": cc, "M": b90 * vv * cc}


def c8_bounds(p: pd.DataFrame, inp: dict) -> pd.DataFrame:
    """Per as-of date: share of days (%) above each threshold under the lower and the upper definition, and
    (shown, not registered) under the median multiplier (B at its median)."""
    from .claims import binance_4coin_daily, share_at_least

    daily = binance_4coin_daily(inp["liq4h"])
    since = daily.loc[reg.date("crash") + pd.Timedelta(days=1) :]
    mm = c8_multiplier(p, inp)
    m, m_med = mm["M"], mm["B_median"] * mm["V"] * mm["C"]
    rows = {}
    for d in reg.book().as_of_window:
        s = since.loc[: d - pd.Timedelta(days=1)]
        row = {"n_days": len(s), "last_day": s.index.max()}
        for thr in C8_THRESHOLDS_BN:
            row[f"lower_{thr}"] = share_at_least(s, thr * 1e9)
            row[f"upper_{thr}"] = share_at_least(s * m, thr * 1e9)
            row[f"median_m_{thr}"] = share_at_least(s * m_med, thr * 1e9)
        rows[d] = row
    return pd.DataFrame.from_dict(rows, orient="index").rename_axis("as_of")


def c6_estimate(b: dict) -> Estimate:
    return Estimate(
        low=b["lower_bn"],
        high=b["upper_bn"],
        interval="range over definitions",
        unit="US$ bn",
        n=1,
        sample="2025-10-10",
        method=(
            "lower: observed disjoint venues; upper: the all-venue BTC OI fall x Hyperliquid's liquidations (no ADL) "
            "per OI fall / the smaller BTC share"
        ),
        text=f"all-venue liquidations of 10/10 between {b['lower_bn']:.1f} and {b['upper_bn']:.1f} US$ bn",
    )


def c8_estimate(w: pd.DataFrame, thr: float) -> Estimate:
    prim = w.loc[reg.book().primary_date]
    lo, hi = float(prim[f"lower_{thr}"]), float(prim[f"upper_{thr}"])
    return Estimate(
        low=lo,
        high=hi,
        interval="range over definitions",
        unit=f"% of days >= US${thr:g} bn",
        n=int(prim["n_days"]),
        sample=f"2025-10-11 .. {prim['last_day']:%Y-%m-%d}",
        method="share of days above the threshold, Binance 4 coins as observed (lower) and scaled by M (upper)",
        text=(
            f">= {thr:g} bn on {lo:.0f} to {hi:.0f} % of days ({prim[f'median_m_{thr}']:.0f} % with the median "
            "multiplier)"
        ),
    )


# --------------------------------------------------------------------------------------------------------------
# damage per unit of deleveraging
# --------------------------------------------------------------------------------------------------------------
def deleveraging_days(p: pd.DataFrame) -> pd.DataFrame:
    """Every UTC day with a one-day change of all-venue BTC OI in coins (%, log) and BTC's log return (%).

    Changes are computed within each Coinglass pull (daily pull to 2025-09-08, 4h pull after), never across them.
    """
    px = p["btc_close_usd"]
    old = log_change_pct(oi_coins(p["oi_all_btc_usd"], px)).loc[:"2025-09-08"]
    new = log_change_pct(oi_coins(p["oi_all_btc_4h_usd"], px)).loc["2025-09-09":]
    d = pd.concat([old, new]).dropna().rename("oi_coins_chg_pct").to_frame()
    d["btc_return_pct"] = 100 * np.log(px).diff().reindex(d.index)
    d["oi_usd_chg_pct"] = pd.concat(
        [
            log_change_pct(p["oi_all_btc_usd"]).loc[:"2025-09-08"],
            log_change_pct(p["oi_all_btc_4h_usd"]).loc["2025-09-09":],
        ]
    ).reindex(d.index)
    d["pull"] = np.where(d.index <= pd.Timestamp("2025-09-08"), "daily pull", "4h pull")
    d["damage"] = d["btc_return_pct"] / d["oi_coins_chg_pct"]
    return d


def damage_table(d: pd.DataFrame, k: int = TOP_K, down_only: bool = True) -> pd.DataFrame:
    """The ``k`` largest falls of OI in coins, ranked by damage (1 = most price fall per 1 % of coins shed).

    ``down_only`` (registered): only days on which BTC fell; a day on which the price rose did no price damage
    and would rank below every down day by construction (the first edition, ``down_only=False``, kept them)."""
    pool = d[d["btc_return_pct"] < 0] if down_only else d
    top = pool.nsmallest(k, "oi_coins_chg_pct").copy()
    top["size_rank"] = np.arange(1, len(top) + 1)
    top["damage_rank"] = top["damage"].rank(ascending=False, method="min").astype(int)
    return top


def other_events(p: pd.DataFrame, d: pd.DataFrame, events: tuple[str, ...] = OTHER_EVENTS) -> pd.DataFrame:
    """10/10 and the named deleveragings, each with its definition (the 2026 event has Binance-only OI)."""
    rows = []
    for e in (*events[:3], _day(reg.date("crash")), *events[3:]):
        t = pd.Timestamp(e)
        if t in d.index:
            r = d.loc[t]
            rank = 100 * (d["oi_coins_chg_pct"] <= r["oi_coins_chg_pct"]).mean()
            rows.append(
                {
                    "date": t,
                    "oi_definition": f"all venues ({r['pull']})",
                    "oi_coins_chg_pct": r["oi_coins_chg_pct"],
                    "btc_return_pct": r["btc_return_pct"],
                    "damage": r["damage"],
                    "size_pct_rank": rank,
                }
            )
        else:
            bn = log_change_pct(oi_coins(p["oi_binance_btcusdt_usd"], p["btc_close_usd"]))
            ret = 100 * np.log(p["btc_close_usd"]).diff()
            if t in bn.index and not math.isnan(bn.loc[t]):
                rows.append(
                    {
                        "date": t,
                        "oi_definition": "Binance BTCUSDT only",
                        "oi_coins_chg_pct": bn.loc[t],
                        "btc_return_pct": ret.loc[t],
                        "damage": ret.loc[t] / bn.loc[t],
                        "size_pct_rank": 100 * (bn.dropna() <= bn.loc[t]).mean(),
                    }
                )
    return pd.DataFrame(rows).set_index("date")


def damage_sensitivity(d: pd.DataFrame, ks: tuple[int, ...] = (10, 15, 20, 25, 40)) -> pd.DataFrame:
    """10/10's damage rank / k for several k, among down days (registered set) and among all days (first edition)."""
    rows = []
    crash = reg.date("crash")
    for k in ks:
        for down, name in ((True, "days BTC fell"), (False, "all days")):
            t = damage_table(d, k, down_only=down)
            r = t.loc[crash] if crash in t.index else None
            rows.append(
                {
                    "k": k,
                    "set": name,
                    "rank": int(r["damage_rank"]) if r is not None else math.nan,
                    "rank_over_k": float(r["damage_rank"]) / k if r is not None else math.nan,
                    "n_up_days": int((t["btc_return_pct"] >= 0).sum()),
                }
            )
    return pd.DataFrame(rows)


def damage_estimate(top: pd.DataFrame) -> Estimate:
    crash = reg.date("crash")
    if crash not in top.index:
        return Estimate(missing="10/10 is not among the largest deleveraging days", unit="rank / k")
    r = top.loc[crash]
    return Estimate(
        value=float(r["damage_rank"]) / len(top),
        n=len(top),
        unit="damage rank / k",
        sample="UTC days 2020-02-28 .. 2025-11-14",
        method=(
            f"rank of % price fall per 1 % of OI in coins shed among the {len(top)} largest falls on days BTC fell"
        ),
        text=(
            f"10/10: {r['btc_return_pct']:.1f} % for {r['oi_coins_chg_pct']:.1f} % of coins "
            f"(damage {r['damage']:.2f}), damage rank {int(r['damage_rank'])} of {len(top)}, "
            f"size rank {int(r['size_rank'])}"
        ),
    )


# --------------------------------------------------------------------------------------------------------------
# the mechanical cascade model
# --------------------------------------------------------------------------------------------------------------
def book_distances(n: int, median_pct: float, sigma: float, seed: int = config.SEED) -> np.ndarray:
    """A discrete leveraged long book: ``n`` equal positions whose distance to liquidation (% below the starting
    price) is lognormal with the given median and log-dispersion (draws from the book-wide seed)."""
    rng = np.random.default_rng(seed)
    return np.sort(median_pct * np.exp(sigma * rng.standard_normal(n)))


def cascade(
    shock_pct: float,
    impact_pct_per_bn: float,
    long_book_bn: float,
    distances_pct: np.ndarray,
    max_rounds: int = 500,
    tol: float = 1e-9,
) -> dict:
    """The forced-selling loop in rounds.  Round 0: the price falls by ``shock_pct``.  In each round every position
    whose liquidation distance the fall has reached is sold; the liquidated notional (US$ bn) moves the price by
    ``impact_pct_per_bn`` per US$ bn.  fall_k+1 = shock + impact x liquidated(fall_k).  Stops at the fixed point.
    Returns the total fall, the liquidated notional, the path and amplification = total / shock."""
    if shock_pct <= 0:
        raise ValueError("the initial shock must be a positive fall in %")
    d = np.sort(np.asarray(distances_pct, float))
    per_pos = long_book_bn / len(d)
    fall, path = shock_pct, [shock_pct]
    for _ in range(max_rounds):
        liq = per_pos * np.searchsorted(d, fall, side="right")
        new = shock_pct + impact_pct_per_bn * liq
        path.append(new)
        if new - fall <= tol:
            break
        fall = new
    liq = per_pos * np.searchsorted(d, fall, side="right")
    return {
        "total_fall_pct": fall,
        "liquidated_bn": liq,
        "amplification": fall / shock_pct,
        "rounds": len(path) - 1,
        "path": np.array(path),
    }


def impact_coefficients(spot4h_close: pd.Series, liq4h: pd.DataFrame, exclude_day: pd.Timestamp | None = None) -> dict:
    """Price impact of Binance-reported BTC long liquidations, % per US$ 100 m, from 4h bars (HAC OLS).

    same bar: r(t) on liq(t), an UPPER end (falls also cause liquidations in the bar); next bar: r(t+1) on liq(t)
    controlling for r(t), a LOWER end (only what is left after the bar).  10/10 is left out (it is the
    calibration target)."""
    r = 100 * np.log(spot4h_close).diff()
    x = (liq4h["btc_liq_long_usd"] / 1e8).rename("liq")
    df = pd.concat([r.rename("r"), x], axis=1).dropna()
    if exclude_day is not None:
        ex = pd.Timestamp(exclude_day, tz="UTC")
        df = df[(df.index < ex) | (df.index >= ex + pd.Timedelta(days=1))]
    same = stats.hac_ols(df["r"], df[["liq"]])
    nxt = stats.hac_ols(df["r"].shift(-1).rename("r_next"), df[["liq", "r"]])
    return {
        "same_bar": float(same.params["liq"]),
        "same_bar_low": float(same.conf_int().loc["liq", 0]),
        "same_bar_high": float(same.conf_int().loc["liq", 1]),
        "next_bar": float(nxt.params["liq"]),
        "next_bar_low": float(nxt.conf_int().loc["liq", 0]),
        "next_bar_high": float(nxt.conf_int().loc["liq", 1]),
        "n": int(same.nobs),
        "start": df.index.min(),
        "end": df.index.max(),
        "hac_lags": same.hac_lags,
    }


def calibrate(
    target_fall_pct: float,
    forced_bn: float,
    impact_pct_per_bn: float,
    long_book_bn: float,
    sigma: float,
    n: int = 20000,
    seed: int = config.SEED,
) -> dict:
    """Calibrate the model to one 10/10 target: the total fall and the forced (liquidated) long notional.

    The fixed point gives the initial shock directly, shock = fall - impact x forced; the median liquidation
    distance is set so that the book liquidated at the target fall equals ``forced_bn``.  The run from that shock
    is then checked to reach the target (not to stop at a lower fixed point).  shock <= 0 means the forced selling
    alone would account for the whole fall at this impact: the amplification is unbounded (returned as inf)."""
    share = forced_bn / long_book_bn
    if not 0 < share < 1:
        raise ValueError(f"forced notional {forced_bn} must be a fraction of the long book {long_book_bn}")
    z = sps.norm.ppf(share)
    median = target_fall_pct / math.exp(sigma * z)
    d = book_distances(n, median, sigma, seed)
    shock = target_fall_pct - impact_pct_per_bn * forced_bn
    if shock <= 0:
        return {
            "shock_pct": shock,
            "amplification": math.inf,
            "reached_pct": math.nan,
            "median_distance_pct": median,
            "reaches_target": False,
            "rounds": 0,
        }
    run = cascade(shock, impact_pct_per_bn, long_book_bn, d)
    return {
        "shock_pct": shock,
        "amplification": target_fall_pct / shock,
        "reached_pct": run["total_fall_pct"],
        "median_distance_pct": median,
        "reaches_target": bool(abs(run["total_fall_pct"] - target_fall_pct) <= 0.05 * target_fall_pct),
        "model_amplification": run["amplification"],
        "rounds": run["rounds"],
        "path": run["path"],
    }


def cascade_band(target_fall_pct: float, runs: pd.DataFrame, sigmas: tuple[float, ...] = (0.5, 1.0)) -> pd.DataFrame:
    """Calibrate over every combination the data cannot pin down: ``runs`` has one row per (impact source,
    Binance share, forced notional, long book) with ``impact_pct_per_bn`` (all-venue) and ``forced_bn``; each is
    run for every dispersion in ``sigmas``.  ``status``: "reaches the 10/10 fall" (a consistent calibration),
    "forced selling alone exceeds the fall" (shock <= 0, amplification unbounded) or "stops short" (from the
    implied shock the run halts at a lower fixed point: this book cannot produce the observed fall)."""
    rows = []
    for _, r in runs.iterrows():
        for s in sigmas:
            c = calibrate(target_fall_pct, r["forced_bn"], r["impact_pct_per_bn"], r["long_book_bn"], s)
            status = (
                "forced selling alone exceeds the fall"
                if c["shock_pct"] <= 0
                else "reaches the 10/10 fall"
                if c["reaches_target"]
                else "stops short"
            )
            rows.append(
                {
                    **r.to_dict(),
                    "sigma": s,
                    "status": status,
                    **{x: c[x] for x in ("shock_pct", "amplification", "reached_pct", "median_distance_pct", "rounds")},
                }
            )
    return pd.DataFrame(rows)


def cascade_inputs(p: pd.DataFrame, inp: dict, bounds: dict) -> dict:
    """The data the model is calibrated to and the grid of what the data cannot pin down.

    Target: the fall of Binance BTCUSDT spot from the 10/10 20:00 UTC open to the lowest low before 24:00 (log %).
    Long book: 50 % or 60 % of all-venue BTC OI at 20:00 (Binance's account long/short ratio puts about half of
    accounts long; notional shares are not published).  Forced BTC notional, all venues: the BTC part of the
    C6 bounds (low / high).  Impact per Binance-reported US$ bn of BTC long liquidations (4h bars, 10/10 left
    out): the next-bar slope (lower), the upper end of its 95 % CI, the same-bar slope (an upper end that also
    contains the reverse effect of falls on liquidations).  Converted to impact per all-venue US$ bn by Binance's
    share of reported liquidations: on 10/10 (Binance's BTC long liquidations of the 20:00 bar over the forced
    notional) or on a normal day (1 / (B_median x V), SEQ.bounds.c8's ratios)."""
    from .liquidations import resample_closes

    spot = inp["spot1h"]["btc"]
    t0 = pd.Timestamp("2025-10-10 20:00", tz="UTC")
    w = spot.loc[t0 : t0 + pd.Timedelta(hours=3)]
    fall = -100 * np.log(w["low_usdt"].min() / w["open_usdt"].iloc[0])
    close_fall = -100 * np.log(w["close_usdt"].iloc[-1] / w["open_usdt"].iloc[0])
    oi_pre = inp["oi4h"].loc[t0, "oi_all_venues_open_usd"] / 1e9
    ls = inp["lsbasis4h"]["long_short_ratio_accounts"].loc[t0 - pd.Timedelta(hours=4)]
    imp = impact_coefficients(resample_closes(spot, "4h"), inp["liq4h"], exclude_day=reg.date("crash"))
    m = c8_multiplier(p, inp)
    bn_long = inp["liq4h"].loc[t0, "btc_liq_long_usd"] / 1e9
    share_normal = 1 / (m["B_median"] * m["V"])
    kappa_b = {
        "next bar": max(-imp["next_bar"], 0.0) * 10,
        "next bar, CI end": max(-imp["next_bar_low"], 0.0) * 10,
        "same bar": -imp["same_bar"] * 10,
    }  # % per US$ bn Binance-reported
    rows = []
    for kname, kb in kappa_b.items():
        for forced_name, forced in (("low", bounds["btc_forced_lo_bn"]), ("high", bounds["btc_forced_hi_bn"])):
            for sname, share in (("10/10", bn_long / forced), ("normal day", share_normal)):
                for book in (0.5 * oi_pre, 0.6 * oi_pre):
                    rows.append(
                        {
                            "impact_source": kname,
                            "binance_share": sname,
                            "forced": forced_name,
                            "forced_bn": forced,
                            "impact_pct_per_bn": kb * share,
                            "long_book_bn": book,
                            "forced_selling_pct": kb * share * forced,
                        }
                    )
    runs = pd.DataFrame(rows)
    return {
        "fall_to_low_pct": fall,
        "fall_to_close_pct": close_fall,
        "oi_pre_bn": oi_pre,
        "long_share_accounts": ls / (1 + ls),
        "impact": imp,
        "kappa_binance": kappa_b,
        "runs": runs,
        "binance_long_bn": bn_long,
        "binance_share_normal": share_normal,
    }


def band_summary(band: pd.DataFrame) -> dict:
    """Amplification where a log-normal book reaches the 10/10 fall, without and with the same-bar impact, and
    how many calibrations were dropped and why.  The amplification of a calibration is fall / (fall - impact x
    forced) before the book enters: the book only decides whether a calibration reaches the fall."""
    ok = band[band["status"] == "reaches the 10/10 fall"]
    core = ok[ok["impact_source"] != "same bar"]
    return {
        "core_low": float(core["amplification"].min()),
        "core_high": float(core["amplification"].max()),
        "all_low": float(ok["amplification"].min()),
        "all_high": float(ok["amplification"].max()),
        "n_unbounded": int((band["status"] == "forced selling alone exceeds the fall").sum()),
        "n_short": int((band["status"] == "stops short").sum()),
        "n": len(band),
        "n_ok": len(ok),
        "n_distinct": int(band["amplification"].round(6).nunique()),
        "max_finite": float(band.loc[np.isfinite(band["amplification"]), "amplification"].max()),
    }


# --------------------------------------------------------------------------------------------------------------
# the chapter's estimates
# --------------------------------------------------------------------------------------------------------------
def evidence(p: pd.DataFrame, inp: dict | None = None) -> dict:
    """Everything the registered rows need (and the notebook shows)."""
    inp = load_inputs() if inp is None else inp
    chg = log_change_pct(oi_coins_daily(p))
    flow = p["etf_btc_flow_usd_m"]
    h1 = lead_lag(flow, chg, "flow_oi")
    h2 = lead_lag(flow, chg, "oi_flow")
    b6 = c6_bounds(p, inp)
    w8 = c8_bounds(p, inp)
    dd = deleveraging_days(p)
    top = damage_table(dd)
    top_all = damage_table(dd, down_only=False)
    return {
        "inputs": inp,
        "oi_chg": chg,
        "c19": c19_frame(p),
        "h1": h1,
        "h2": h2,
        "c6": b6,
        "c8": w8,
        "c8_m": c8_multiplier(p, inp),
        "deleveraging": dd,
        "damage_top": top,
        "damage_top_all": top_all,
    }


def estimates_from(p: pd.DataFrame, ev: dict) -> dict[str, Estimate]:
    return {
        "C19": c19_estimate(p),
        "SEQ.H1.flow_oi": lead_lag_estimate(ev["h1"], "flow_oi"),
        "SEQ.H2.oi_flow": lead_lag_estimate(ev["h2"], "oi_flow"),
        "SEQ.bounds.c6": c6_estimate(ev["c6"]),
        **{hid: c8_estimate(ev["c8"], thr) for thr, hid in C8_IDS.items()},
        "SEQ.damage": damage_estimate(ev["damage_top"]),
    }


def estimates(p: pd.DataFrame) -> dict[str, Estimate]:
    """One Estimate per registered id of chapter 07_sequence."""
    return estimates_from(p, evidence(p))
