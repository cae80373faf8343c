"""The claims ledger: each of the article's checkable claims measured on every possible publication date.

The registry ``study/01_claims.yaml`` holds the claims (ids ``C1`` ... ``C18``): quote, statement, what is
claimed, the readings (or parts) of each claim with their tolerances, and the rule.  This module only
*measures*: for every claims-owned id it returns an :class:`~unwind.study.Estimate` whose ``readings`` give, per
reading and per as-of date (``"YYYY-MM-DD"``), the measured value.  The verdict is decided by the study's
``tolerance`` rule on the primary date (``study/book.yaml``), with the other as-of dates as a sensitivity check
(:mod:`unwind.study.rules`); no verdict word is written here.

Claims that are the same hypothesis as a chapter test (C12: gold, C14: ETF flows and the liquidation loop) are
registered as composites of the chapter ids and are not estimated here; :func:`measure_all` still computes their
display numbers for the ledger.

The small measurement functions are pure (Series in, numbers out) and unit tested; :func:`measure_all` applies
them to the panel and to the loaders' frames (:func:`load_inputs`); :func:`estimates` is the chapter's entry
point for :mod:`unwind.results`; :func:`ledger_frame` builds the ledger rows for display from the verdict table.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

from . import bottoming, config
from .study import Estimate, Hypothesis
from .study import registry as reg

CLAIMS_FILE = config.STUDY_DIR / "01_claims.yaml"
CHAPTER = "01_claims"
YEAR_END_2024 = pd.Timestamp("2024-12-31")
#: Binance BTCUSDT USD-M perpetual, notional tier 1 maintenance margin rate (percent)
BINANCE_TIER1_MM_PCT = 0.4
INTERVAL = "range over as-of dates"


# --------------------------------------------------------------------------------------------
# the registry, the book's dates and the article
# --------------------------------------------------------------------------------------------
def load_claims(path: Path = CLAIMS_FILE) -> dict[str, Hypothesis]:
    """The ledger's registry entries by id, in file order (parsed and checked by the study registry).

    Reads only this chapter's file, so the ledger can be measured while other chapters' files change; the
    book-wide checks (components registered, ids unique across files) are :func:`unwind.study.load`'s.
    """
    path = Path(path)
    doc = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    out: dict[str, Hypothesis] = {}
    for d in doc.get("hypotheses", []):
        h = reg.parse_entry(d, path.name)
        if h.id in out:
            raise reg.RegistryError(f"{path.name}: entry {h.id!r}: id appears twice")
        out[h.id] = h
    return out


def owned(claims: dict[str, Hypothesis]) -> list[str]:
    """Ids the ledger estimates itself (every claim that is not a composite of chapter ids)."""
    return [k for k, h in claims.items() if h.rule != "composite"]


def as_of_window() -> pd.DatetimeIndex:
    """Every date the article could have been written (``study/book.yaml``)."""
    return reg.book().as_of_window


def primary_date() -> pd.Timestamp:
    """The publication date that decides the verdicts (``study/book.yaml``)."""
    return reg.book().primary_date


def article_path() -> Path:
    """The article text: ``../shared/article/ARTICLE.md`` beside the repository."""
    return config.REPO_ROOT.parent / "shared" / "article" / "ARTICLE.md"


def quotes_missing(claims: dict[str, Hypothesis] | list[dict], article: str) -> list[str]:
    """Ids of claims whose ``quote`` is not an exact substring of ``article``."""
    items = claims.values() if isinstance(claims, dict) else claims
    get = (lambda c: (c["id"], c["quote"])) if not isinstance(claims, dict) else (lambda h: (h.id, h.quote))
    return [i for i, q in map(get, items) if q not in article]


# --------------------------------------------------------------------------------------------
# measurement functions (pure)
# --------------------------------------------------------------------------------------------
def value_on_or_before(s: pd.Series, day: pd.Timestamp) -> float:
    """The last non-missing value of ``s`` dated on or before ``day`` (NaN if none)."""
    obs = s.loc[:day].dropna()
    return float(obs.iloc[-1]) if len(obs) else np.nan


def pct_change(start: float, end: float) -> float:
    """Simple percent change from ``start`` to ``end``."""
    return 100.0 * (end / start - 1.0)


def change_over_days(s: pd.Series, day: pd.Timestamp, days: int) -> float:
    """``s(day) - s(day - days)`` using the exact two dates (NaN if either is missing)."""
    a, b = s.get(day - pd.Timedelta(days=days), np.nan), s.get(day, np.nan)
    return float(b - a)


def drawdown_pct(price: float, high: float) -> float:
    """Percent below a high: 100 x (price / high - 1) (negative below the high)."""
    return pct_change(high, price)


def liquidation_distance_pct(leverage: float, mm_pct: float) -> float:
    """Adverse move (percent) that liquidates an isolated position: 100 / L - maintenance margin."""
    if leverage <= 0:
        raise ValueError(f"leverage must be positive, got {leverage}")
    return 100.0 / leverage - mm_pct


def leverage_for_distance(distance_pct: float, mm_pct: float) -> float:
    """The leverage at which an adverse move of ``distance_pct`` reaches liquidation."""
    return 100.0 / (distance_pct + mm_pct)


def candle_range_rank(high: pd.Series, low: pd.Series, day: pd.Timestamp) -> dict:
    """The high-low range on ``day`` against every earlier day's range.

    Returns the range, the largest earlier range and its date, the rank of ``day``
    among all days up to it (1 = largest) and whether it is the largest so far.
    """
    rng = (high - low).dropna()
    if day not in rng.index:
        raise KeyError(f"no high/low on {day.date()}")
    before = rng.loc[: day - pd.Timedelta(days=1)]
    r = float(rng.loc[day])
    upto = rng.loc[:day]
    return {
        "range": r,
        "max_before": float(before.max()) if len(before) else np.nan,
        "max_before_date": before.idxmax() if len(before) else pd.NaT,
        "rank": int((upto > r).sum() + 1),
        "n_days": int(len(upto)),
        "largest_so_far": bool(len(before) == 0 or r > before.max()),
        "first_day": rng.index.min(),
    }


def share_at_least(s: pd.Series, threshold: float) -> float:
    """Percent of non-missing observations >= ``threshold``."""
    v = s.dropna()
    return 100.0 * float((v >= threshold).mean()) if len(v) else np.nan


def percentile_of_latest(s: pd.Series, day: pd.Timestamp) -> tuple[float, pd.Timestamp]:
    """Percentile rank (0-100, share of observations <= it) of the latest value on or before ``day``
    within the series' own history up to that value; also returns the date of that value."""
    obs = s.loc[:day].dropna()
    if obs.empty:
        return np.nan, pd.NaT
    return 100.0 * float((obs <= obs.iloc[-1]).mean()), obs.index[-1]


def daily_sum_complete(bars: pd.DataFrame, bars_per_day: int) -> pd.Series:
    """Sum every column of intraday bars per UTC day, keeping only days with all ``bars_per_day`` bars."""
    idx = bars.index.tz_convert(None) if bars.index.tz is not None else bars.index
    day = idx.normalize()
    total = bars.sum(axis=1, min_count=1).groupby(day).sum()
    count = bars.sum(axis=1, min_count=1).groupby(day).count()
    return total[count == bars_per_day].rename_axis("date")


def dates_text(days: pd.Index | list) -> str:
    """Compact list of dates ('11-15, 11-16'), or 'none'."""
    days = list(days)
    return ", ".join(f"{pd.Timestamp(d):%m-%d}" for d in days) if days else "none"


def range_text(values: pd.Series, fmt: str, unit: str = "") -> str:
    """'lo to hi unit' over the window (one value if they are equal at this precision)."""
    v = values.dropna()
    if v.empty:
        return "n/a"
    lo, hi = format(v.min(), fmt), format(v.max(), fmt)
    txt = lo if lo == hi else f"{lo} to {hi}"
    return f"{txt} {unit}".strip()


# --------------------------------------------------------------------------------------------
# inputs and per-claim measurement
# --------------------------------------------------------------------------------------------
def load_inputs() -> dict[str, pd.DataFrame]:
    """The loader frames the ledger needs beyond the panel (read once, passed to the measurements)."""
    from .sources import binance, cmc, coinglass, flows, hyperliquid, yahoo

    return {
        "bn_spot": binance.binance_daily("BTCUSDT", "spot"),
        "bn_perp": binance.binance_daily("BTCUSDT", "perp"),
        "yahoo_btc": yahoo.yahoo_ohlcv("BTC-USD"),
        "liq4h": coinglass.binance_liquidations_4h(),
        "hyperliquid": hyperliquid.hyperliquid_oct10(),
        "oi4h": coinglass.oi_all_venues_4h(),
        "bob26": coinglass.bob_liquidations_daily_2026(),
        "artemis_weekly": flows.artemis_weekly_flows(),
        "cmc": cmc.cmc_global(),
    }


@dataclass
class ClaimResult:
    """One claim measured over the as-of window: the frame behind it (for display) and its Estimate.

    ``estimate`` is None for a composite claim (decided from chapter ids): its window and ``text`` are display
    numbers only.
    """

    id: str
    window: pd.DataFrame  # one row per as-of date
    estimate: Estimate | None
    text: str  # the measurement in words (ledger cell)
    extra: dict = field(default_factory=dict)  # single numbers worth gluing


def _frame(rows: dict) -> pd.DataFrame:
    return pd.DataFrame.from_dict(rows, orient="index").rename_axis("as_of")


def _day(d: pd.Timestamp) -> str:
    return f"{pd.Timestamp(d):%Y-%m-%d}"


def _estimate(
    h: Hypothesis,
    w: pd.DataFrame,
    cols: dict[str, str],
    *,
    unit: str,
    text: str,
    method: str,
    n: int | None = None,
    missing: str = "",
) -> Estimate:
    """The Estimate of claim ``h`` from its window frame: ``cols`` maps each registered reading to its column.

    ``value`` is the first reading on the primary date, ``low``/``high`` its range over the as-of dates.
    """
    if list(cols) != list(h.readings):
        raise KeyError(f"{h.id}: measured readings {list(cols)} differ from registered {list(h.readings)}")
    readings = {name: {_day(d): float(v) for d, v in w[col].astype(float).items()} for name, col in cols.items()}
    if missing:
        return Estimate(unit=unit, method=method, sample=h.sample, n=n, readings=readings, missing=missing, text=text)
    first = w[next(iter(cols.values()))].astype(float)
    value = float(first.get(primary_date(), np.nan))
    lo, hi = float(first.min()), float(first.max())
    return Estimate(
        value=value,
        low=lo,
        high=hi,
        interval=INTERVAL,
        unit=unit,
        method=method,
        sample=h.sample,
        n=len(w) if n is None else n,
        readings=readings,
        text=text,
    )


Measure = Callable[[pd.DataFrame, dict, Hypothesis, pd.DatetimeIndex], ClaimResult]


def m_c1(p: pd.DataFrame, inp: dict, h: Hypothesis, window: pd.DatetimeIndex) -> ClaimResult:
    mc = p["total_mcap_usd"]
    oct6 = reg.date("oct6_high")
    rows = {}
    for d in window:
        loss = -change_over_days(mc, d, 41) / 1e12
        peak = mc.loc[oct6:d].max()
        rows[d] = {
            "loss_41d_tn": loss,
            "per_day_bn": loss * 1e3 / 41,
            "start_day": d - pd.Timedelta(days=41),
            "peak_to_date_tn": (peak - mc.get(d, np.nan)) / 1e12,
        }
    w = _frame(rows)
    txt = (
        f"41-day loss {range_text(w['loss_41d_tn'], '.2f', 'US$ tn')} "
        f"({range_text(w['per_day_bn'], '.0f', 'US$ bn/day')}); "
        f"peak-to-date {range_text(w['peak_to_date_tn'], '.2f', 'US$ tn')}"
    )
    e = _estimate(
        h,
        w,
        {"41-day loss": "loss_41d_tn"},
        unit="US$ tn",
        text=txt,
        method="total market cap 41 days before minus on the date",
    )
    return ClaimResult(h.id, w, e, txt, extra={"mcap_peak_tn": mc.loc[oct6] / 1e12})


def m_c2(p: pd.DataFrame, inp: dict, h: Hypothesis, window: pd.DatetimeIndex) -> ClaimResult:
    spot, y = inp["bn_spot"], p["btc_close_usd"]
    rows = {}
    for d in window:
        ath = spot["high_usdt"].loc[:d].max()
        ath_y = y.loc[:d].max()
        rows[d] = {
            "drawdown_pct": drawdown_pct(spot.loc[d, "close_usdt"], ath),
            "ath_usd": ath,
            "yahoo_drawdown_pct": drawdown_pct(y.loc[d], ath_y),
            "yahoo_ath_close": ath_y,
            "vs_126k_pct": drawdown_pct(spot.loc[d, "close_usdt"], 126_000.0),
        }
    w = _frame(rows)
    hi = spot["high_usdt"].loc[: window[-1]]
    txt = (
        f"{range_text(w['drawdown_pct'], '.1f', '%')} from the Binance high {hi.max():,.0f}; "
        f"Yahoo close basis {range_text(w['yahoo_drawdown_pct'], '.1f', '%')}"
    )
    e = _estimate(
        h,
        w,
        {"drop of 30 %": "drawdown_pct", "all-time high of 126,000": "ath_usd"},
        unit="%",
        text=txt,
        method="Binance close against the Binance intraday all-time high",
    )
    return ClaimResult(
        h.id,
        w,
        e,
        txt,
        extra={
            "ath_binance": hi.max(),
            "ath_binance_day": hi.idxmax(),
            "ath_yahoo_close": float(y.loc[: window[-1]].max()),
            "ath_yahoo_day": y.loc[: window[-1]].idxmax(),
        },
    )


def m_c3(p: pd.DataFrame, inp: dict, h: Hypothesis, window: pd.DatetimeIndex) -> ClaimResult:
    spot, mc, crash = inp["bn_spot"], p["total_mcap_usd"], reg.date("crash")
    ref_close, ref_low, ref_mc = spot.loc[crash, "close_usdt"], spot.loc[crash, "low_usdt"], mc.loc[crash]
    rows = {}
    for d in window:
        px = spot.loc[d, "close_usdt"]
        rows[d] = {
            "vs_close_pct": pct_change(ref_close, px),
            "vs_low_pct": pct_change(ref_low, px),
            "mcap_vs_close_pct": pct_change(ref_mc, mc.loc[d]),
        }
    w = _frame(rows)
    txt = (
        f"BTC vs 10/10 close {range_text(w['vs_close_pct'], '.1f', '%')}; "
        f"vs 10/10 low {range_text(w['vs_low_pct'], '.1f', '%')}; "
        f"market cap vs 10/10 {range_text(w['mcap_vs_close_pct'], '.1f', '%')}"
    )
    e = _estimate(
        h,
        w,
        {
            "BTC vs the 10/10 close": "vs_close_pct",
            "BTC vs the 10/10 low": "vs_low_pct",
            "market cap vs the 10/10 close": "mcap_vs_close_pct",
        },
        unit="%",
        text=txt,
        method="% change from each 10/10 reference",
    )
    return ClaimResult(h.id, w, e, txt, extra={"ref_close": ref_close, "ref_low": ref_low})


def m_c4(p: pd.DataFrame, inp: dict, h: Hypothesis, window: pd.DatetimeIndex) -> ClaimResult:
    f = p["etf_btc_flow_usd_m"]
    (e0, e1), (l0, l1) = reg.window("early_november"), reg.window("late_october")
    early = f.loc[e0:e1].sum() / 1e3
    late = f.loc[l0:l1].sum() / 1e3
    late_eth = p["etf_eth_flow_usd_m"].loc[l0:l1].sum() / 1e3
    wk = inp["artemis_weekly"]
    # Artemis weeks end on Sunday: the week to the Sunday after early November, the weeks ending in late October+
    art_early = wk.loc[e1 + pd.Timedelta(days=2), "bitcoin_usd"] / 1e9
    art_late = wk.loc[l0 + pd.Timedelta(days=3) : l1 + pd.Timedelta(days=2), "bitcoin_usd"].sum() / 1e9
    w = _frame(
        {d: {"early_november_bn": early, "late_october_bn": late, "late_october_eth_bn": late_eth} for d in window}
    )
    txt = (
        f"BTC ETF net flow {e0:%m/%d}-{e1:%d} {early:+.2f} US$ bn; {l0:%m/%d}-{l1:%d} {late:+.2f} US$ bn "
        f"(ETH ETFs {late_eth:+.2f})"
    )
    e = _estimate(
        h,
        w,
        {"early-November redemptions": "early_november_bn", "late-October outflows": "late_october_bn"},
        unit="US$ bn",
        text=txt,
        method="sum of daily US spot BTC ETF net flows over each named window",
        n=int(f.loc[e0:e1].count() + f.loc[l0:l1].count()),
    )
    return ClaimResult(
        h.id,
        w,
        e,
        txt,
        extra={
            "early_nov_bn": early,
            "late_oct_bn": late,
            "late_oct_eth_bn": late_eth,
            "artemis_early_nov_bn": art_early,
            "artemis_late_oct_bn": art_late,
        },
    )


def m_c5(p: pd.DataFrame, inp: dict, h: Hypothesis, window: pd.DatetimeIndex) -> ClaimResult:
    mm = BINANCE_TIER1_MM_PCT
    dist = liquidation_distance_pct(100, mm)
    dist_no_mm = liquidation_distance_pct(100, 0.0)
    lev_2pct = leverage_for_distance(2.0, mm)
    w = _frame(
        {
            d: {
                "move_is_enough": float(2.0 >= dist),
                "distance_pct": dist,
                "distance_without_mm_pct": dist_no_mm,
                "leverage_for_2pct": lev_2pct,
            }
            for d in window
        }
    )
    txt = (
        f"100x is liquidated after a {dist:.1f} % move (mm {mm} %; {dist_no_mm:.0f} % with none); "
        f"2 % is the distance at {lev_2pct:.0f}x; '20x-100x common': no data"
    )
    e = _estimate(
        h,
        w,
        {"the cushion is 2 %": "distance_pct", "a 2 % move is enough": "move_is_enough"},
        unit="% adverse move",
        text=txt,
        n=1,
        method="isolated-margin arithmetic, Binance tier-1 maintenance margin",
    )
    return ClaimResult(
        h.id, w, e, txt, extra={"dist_pct": dist, "dist_no_mm_pct": dist_no_mm, "lev_for_2pct": lev_2pct, "mm_pct": mm}
    )


def liquidations_oct10(inp: dict, p: pd.DataFrame) -> dict:
    """Nearest evidence for the 10/10 all-venue liquidation total (US$ bn)."""
    crash = reg.date("crash")
    liq = inp["liq4h"]
    day = liq.loc[
        (liq.index >= crash.strftime("%Y-%m-%d")) & (liq.index < (crash + pd.Timedelta(days=1)).strftime("%Y-%m-%d"))
    ]
    by_coin = {
        k: (day[f"{k}_liq_long_usd"].sum() + day[f"{k}_liq_short_usd"].sum()) / 1e9
        for k in ("btc", "eth", "sol", "xrp")
    }
    hl = inp["hyperliquid"]
    oi = p["oi_all_btc_4h_usd"]
    oi_prev, oi_day = oi.loc[crash - pd.Timedelta(days=1)], oi.loc[crash]
    binance4 = sum(by_coin.values())
    hl_liq, hl_adl = hl["liq_notional_usd"].sum() / 1e9, hl["adl_notional_usd"].sum() / 1e9
    return {
        "binance_4coin_bn": binance4,
        **{f"binance_{k}_bn": v for k, v in by_coin.items()},
        "binance_long_share_pct": 100 * sum(day[f"{k}_liq_long_usd"].sum() for k in by_coin) / (binance4 * 1e9),
        "hyperliquid_liq_bn": hl_liq,
        "hyperliquid_adl_bn": hl_adl,
        "lower_bound_bn": binance4 + hl_liq,
        "oi_drop_pct": pct_change(oi_prev, oi_day),
        "oi_drop_bn": (oi_prev - oi_day) / 1e9,
    }


def m_c6(p: pd.DataFrame, inp: dict, h: Hypothesis, window: pd.DatetimeIndex) -> ClaimResult:
    ev = liquidations_oct10(inp, p)
    w = _frame({d: {"all_venue_bn": np.nan, "lower_bound_bn": ev["lower_bound_bn"]} for d in window})
    txt = (
        f"no all-venue total; Binance BTC/ETH/SOL/XRP {ev['binance_4coin_bn']:.2f} US$ bn; "
        f"Hyperliquid 12 min {ev['hyperliquid_liq_bn']:.1f} + ADL {ev['hyperliquid_adl_bn']:.1f} US$ bn; "
        f"all-venue BTC OI {ev['oi_drop_pct']:.0f} % ({-ev['oi_drop_bn']:.1f} US$ bn)"
    )
    missing = (
        f"no all-venue liquidation total for 2025-10-10 in the snapshot; the venues it has (Binance 4 coins "
        f"+ Hyperliquid) add up to a lower bound of {ev['lower_bound_bn']:.1f} US$ bn"
    )
    e = _estimate(
        h,
        w,
        {"all-venue total": "all_venue_bn"},
        unit="US$ bn",
        text=txt,
        missing=missing,
        method="sum of liquidations on 2025-10-10",
    )
    return ClaimResult(h.id, w, e, txt, extra=ev)


def m_c7(p: pd.DataFrame, inp: dict, h: Hypothesis, window: pd.DatetimeIndex) -> ClaimResult:
    crash = reg.date("crash")
    out = {}
    for name, df, hi, lo in (
        ("spot", inp["bn_spot"], "high_usdt", "low_usdt"),
        ("perp", inp["bn_perp"], "high_usdt", "low_usdt"),
        ("yahoo", inp["yahoo_btc"], "high_usd", "low_usd"),
    ):
        out[name] = candle_range_rank(df[hi], df[lo], crash)
    w = _frame(
        {
            d: {
                "range_usd": out["spot"]["range"],
                "first_ever": float(out["spot"]["largest_so_far"]),
                "perp_range": out["perp"]["range"],
                "yahoo_range": out["yahoo"]["range"],
            }
            for d in window
        }
    )
    s, y = out["spot"], out["yahoo"]
    txt = (
        f"Binance spot range {s['range']:,.0f} US$ (largest before: {s['max_before']:,.0f} on "
        f"{s['max_before_date']:%Y-%m-%d}); perp {out['perp']['range']:,.0f}; "
        f"Yahoo {y['range']:,.0f} (largest since 2014)"
    )
    e = _estimate(
        h,
        w,
        {"range of 20,000": "range_usd", "first ever": "first_ever"},
        unit="US$",
        text=txt,
        method="high minus low of the UTC day, ranked among every earlier day",
        n=s["n_days"],
    )
    return ClaimResult(
        h.id,
        w,
        e,
        txt,
        extra={
            **{f"{k}_{m}": v[m] for k, v in out.items() for m in ("range", "max_before", "rank", "n_days")},
            "spot_max_before_date": s["max_before_date"],
            "yahoo_max_before_date": y["max_before_date"],
            "yahoo_largest": y["largest_so_far"],
        },
    )


def binance_4coin_daily(liq4h: pd.DataFrame) -> pd.Series:
    """Binance-only BTC+ETH+SOL+XRP liquidations (long+short), US$ per complete UTC day."""
    return daily_sum_complete(liq4h, bars_per_day=6)


def m_c8(p: pd.DataFrame, inp: dict, h: Hypothesis, window: pd.DatetimeIndex) -> ClaimResult:
    daily = binance_4coin_daily(inp["liq4h"])
    since = daily.loc[reg.date("crash") + pd.Timedelta(days=1) :]
    bob = (inp["bob26"]["liq_long_usd"] + inp["bob26"]["liq_short_usd"]).iloc[:30]
    rows = {}
    for d in window:
        s = since.loc[: d - pd.Timedelta(days=1)]
        rows[d] = {
            "all_venue_share_05": np.nan,
            "all_venue_share_1": np.nan,
            "share_05bn_pct": share_at_least(s, 5e8),
            "share_1bn_pct": share_at_least(s, 1e9),
            "n_days": len(s),
            "last_day": s.index.max(),
            "max_bn": s.max() / 1e9,
            "median_bn": s.median() / 1e9,
        }
    w = _frame(rows)
    txt = (
        f"Binance-only 4 coins, {int(w['n_days'].iloc[-1])} days to {w['last_day'].iloc[-1]:%m-%d}: "
        f">= 0.5 bn on {range_text(w['share_05bn_pct'], '.0f', '%')} of days, >= 1 bn on "
        f"{range_text(w['share_1bn_pct'], '.0f', '%')}; median {w['median_bn'].iloc[-1]:.2f} US$ bn"
    )
    missing = (
        "no all-venue daily liquidation totals after 10/10 in the snapshot; the Binance-only 4-coin series "
        f"(a lower bound) passed 0.5 bn on {w['share_05bn_pct'].iloc[-1]:.0f} % of days"
    )
    e = _estimate(
        h,
        w,
        {"regularly above 0.5 bn": "all_venue_share_05", "often above 1 bn": "all_venue_share_1"},
        unit="% of days",
        text=txt,
        missing=missing,
        method="share of days above each threshold",
    )
    return ClaimResult(
        h.id,
        w,
        e,
        txt,
        extra={
            "bob26_share_05_pct": share_at_least(bob, 5e8),
            "bob26_max_bn": bob.max() / 1e9,
            "bob26_median_bn": bob.median() / 1e9,
            "bob26_n": len(bob),
            "bob26_first": bob.index.min(),
            "bob26_last": bob.index.max(),
        },
    )


def m_c9(p: pd.DataFrame, inp: dict, h: Hypothesis, window: pd.DatetimeIndex) -> ClaimResult:
    oi = p["oi_all_btc_4h_usd"]
    btc_mcap = p["total_mcap_usd"] * p["btc_dominance_pct"] / 100
    share = (100 * oi / btc_mcap).dropna()
    vol = inp["cmc"].set_index("market_date")["total_volume_24h_usd"]
    rows = {}
    for d in window:
        pct, at = percentile_of_latest(oi, d)
        pct_share, _ = percentile_of_latest(share, d)
        vol_pct, _ = percentile_of_latest(vol, d)
        rows[d] = {
            "oi_percentile": pct,
            "oi_day": at,
            "oi_bn": oi.loc[at] / 1e9,
            "oi_share_pct": share.loc[at],
            "oi_share_percentile": pct_share,
            "volume_percentile": vol_pct,
        }
    w = _frame(rows)
    txt = (
        f"all-venue BTC OI {w['oi_bn'].iloc[0]:.0f} US$ bn on {w['oi_day'].iloc[0]:%m-%d}: "
        f"percentile {w['oi_percentile'].iloc[0]:.0f} (level), {w['oi_share_percentile'].iloc[0]:.0f} "
        f"(share of BTC cap); liquidity: no order-book data"
    )
    e = _estimate(
        h,
        w,
        {"OI level": "oi_percentile", "OI share of BTC market cap": "oi_share_percentile"},
        unit="percentile",
        text=txt,
        method="percentile of the latest OI within its own history",
        n=int(oi.loc[: window[-1]].count()),
    )
    return ClaimResult(
        h.id,
        w,
        e,
        txt,
        extra={
            "oi_first": oi.first_valid_index(),
            "oi_last": oi.last_valid_index(),
            "oi_peak_bn": oi.max() / 1e9,
            "oi_peak_day": oi.idxmax(),
        },
    )


def m_c10(p: pd.DataFrame, inp: dict, h: Hypothesis, window: pd.DatetimeIndex) -> ClaimResult:
    fng = p["fng_value"]
    feb = fng.loc["2025-02-01":"2025-02-28"]
    feb_min, feb_day = feb.min(), feb.idxmin()
    w = _frame({d: {"fng": fng.get(d, np.nan), "feb_2025_min": feb_min} for d in window})
    at10 = w.index[w["fng"] == 10]
    txt = (
        f"F&G {range_text(w['fng'], '.0f')} (= 10 on {dates_text(at10)}); "
        f"February 2025 low {feb_min:.0f} on {feb_day:%m-%d}"
    )
    e = _estimate(
        h,
        w,
        {"F&G at 10": "fng", "February 2025 low at 10": "feb_2025_min"},
        unit="index points",
        text=txt,
        method="index value on the date; minimum over February 2025",
    )
    return ClaimResult(h.id, w, e, txt, extra={"feb_min": feb_min, "feb_day": feb_day, "n_at_10": len(at10)})


def m_c11(p: pd.DataFrame, inp: dict, h: Hypothesis, window: pd.DatetimeIndex) -> ClaimResult:
    btc = p["btc_close_usd"]
    w = _frame(
        {
            d: {
                "change_365d_pct": pct_change(btc.loc[d - pd.Timedelta(days=365)], btc.loc[d]),
                "close_year_before": btc.loc[d - pd.Timedelta(days=365)],
            }
            for d in window
        }
    )
    txt = f"{range_text(w['change_365d_pct'], '+.1f', '%')} over 365 days"
    e = _estimate(
        h, w, {"365-day change": "change_365d_pct"}, unit="%", text=txt, method="% change of the close over 365 days"
    )
    return ClaimResult(h.id, w, e, txt)


def m_c12(p: pd.DataFrame, inp: dict, h: Hypothesis, window: pd.DatetimeIndex) -> ClaimResult:
    """Display only: C12 is decided by the gold chapter's GOLD.H1 and GOLD.H2.corr; the ranking of BTC's macro
    pairs is the gold chapter's (:func:`unwind.gold.pair_ranking`, the one home of "gold ranks k of 5")."""
    from . import gold

    year = gold.pair_ranking(p)
    top = year.index[0]
    w = _frame({d: {"gold_r": year.loc["gold", "r"], "gold_rank": year.loc["gold", "rank"]} for d in window})
    txt = (
        f"prior-year corr with gold {year.loc['gold', 'r']:.2f} (rank {int(year.loc['gold', 'rank'])} of "
        f"{len(year)}; {top} {year.loc[top, 'r']:.2f})"
    )
    return ClaimResult(h.id, w, None, txt, extra={"year": year, "top": top})


def m_c13(p: pd.DataFrame, inp: dict, h: Hypothesis, window: pd.DatetimeIndex) -> ClaimResult:
    btc, gold, crash = p["btc_close_usd"], p["gold_close_usd"], reg.date("crash")
    rows = {}
    for d in window:
        g = value_on_or_before(gold, d)
        row = {}
        for lab, ref in (("1010", crash), ("1009", crash - pd.Timedelta(days=1))):
            row[f"btc_{lab}_pct"] = pct_change(btc.loc[ref], btc.loc[d])
            row[f"gold_{lab}_pct"] = pct_change(gold.loc[ref], g)
            row[f"gap_{lab}_pp"] = row[f"btc_{lab}_pct"] - row[f"gold_{lab}_pct"]
        rows[d] = row
    w = _frame(rows)
    txt = (
        f"gap from 10/10 close {range_text(w['gap_1010_pp'], '.1f', 'pp')}; "
        f"from 10/09 close {range_text(w['gap_1009_pp'], '.1f', 'pp')}"
    )
    e = _estimate(
        h,
        w,
        {"gap from the 10/10 close": "gap_1010_pp"},
        unit="pp",
        text=txt,
        method="BTC % change minus gold % change since the 10/10 close",
    )
    return ClaimResult(h.id, w, e, txt)


def m_c14(p: pd.DataFrame, inp: dict, h: Hypothesis, window: pd.DatetimeIndex) -> ClaimResult:
    """Display only (C14 is decided by ETF.H1 and LIQ.loop)."""
    f, btc, crash = p["etf_btc_flow_usd_m"], p["btc_close_usd"], reg.date("crash")
    before = crash - pd.Timedelta(days=1)
    aum = value_on_or_before(p["etf_btc_aum_usd"], before)
    btc_mcap = p["total_mcap_usd"] * p["btc_dominance_pct"] / 100
    rows = {}
    for d in window:
        flow = f.loc[crash:d].sum() / 1e3
        rows[d] = {
            "etf_flow_bn": flow,
            "flow_pct_aum": 100 * flow * 1e9 / aum,
            "btc_pct": pct_change(btc.loc[before], btc.loc[d]),
            "btc_mcap_change_bn": (btc_mcap.loc[d] - btc_mcap.loc[before]) / 1e9,
        }
    w = _frame(rows)
    txt = (
        f"BTC ETF net flow since 10/10 {range_text(w['etf_flow_bn'], '+.1f', 'US$ bn')} "
        f"({range_text(w['flow_pct_aum'], '.1f', '% of AUM')}) vs BTC market cap "
        f"{range_text(w['btc_mcap_change_bn'], '.0f', 'US$ bn')}"
    )
    return ClaimResult(h.id, w, None, txt, extra={"aum_1009_bn": aum / 1e9})


def _eth_change(p: pd.DataFrame, window: pd.DatetimeIndex, ref: pd.Timestamp) -> pd.DataFrame:
    eth = p["eth_close_usd"]
    return _frame({d: {"change_pct": pct_change(eth.loc[ref], eth.loc[d]), "ref_close": eth.loc[ref]} for d in window})


def m_c15(p: pd.DataFrame, inp: dict, h: Hypothesis, window: pd.DatetimeIndex) -> ClaimResult:
    w = _eth_change(p, window, YEAR_END_2024)
    txt = f"{range_text(w['change_pct'], '.1f', '%')} year to date"
    e = _estimate(
        h,
        w,
        {"year-to-date change": "change_pct"},
        unit="%",
        text=txt,
        method="% change of the ETH close since 2024-12-31",
    )
    return ClaimResult(h.id, w, e, txt)


def m_c16(p: pd.DataFrame, inp: dict, h: Hypothesis, window: pd.DatetimeIndex) -> ClaimResult:
    w = _eth_change(p, window, reg.date("oct6_high"))
    txt = f"{range_text(w['change_pct'], '.1f', '%')} since 10/06"
    e = _estimate(
        h,
        w,
        {"change since 10/06": "change_pct"},
        unit="%",
        text=txt,
        method="% change of the ETH close since 2025-10-06",
    )
    return ClaimResult(h.id, w, e, txt)


def m_c17(p: pd.DataFrame, inp: dict, h: Hypothesis, window: pd.DatetimeIndex) -> ClaimResult:
    crash = reg.date("crash")
    rows = {}
    for d in window:
        row = {}
        for k, col in (("spx", "spx_close"), ("ndx", "ndx_close")):
            s = p[col]
            now = value_on_or_before(s, d)
            row[f"{k}_since_1010_pct"] = pct_change(s.loc[crash], now)
            row[f"{k}_ytd_pct"] = pct_change(s.loc[YEAR_END_2024], now)
        rows[d] = row
    w = _frame(rows)
    txt = (
        f"since the 10/10 close: S&P 500 {range_text(w['spx_since_1010_pct'], '+.1f', '%')}, Nasdaq-100 "
        f"{range_text(w['ndx_since_1010_pct'], '+.1f', '%')} (year to date S&P 500 "
        f"{range_text(w['spx_ytd_pct'], '+.1f', '%')})"
    )
    e = _estimate(
        h,
        w,
        {"S&P 500 up since 10/10": "spx_since_1010_pct", "Nasdaq-100 up since 10/10": "ndx_since_1010_pct"},
        unit="%",
        text=txt,
        method="% change since the 10/10 close, last close on or before the date",
    )
    return ClaimResult(h.id, w, e, txt)


def m_c18(p: pd.DataFrame, inp: dict, h: Hypothesis, window: pd.DatetimeIndex) -> ClaimResult:
    """Judged by the bottoming chapter's reading (``bottoming.is_bottom``) for a buyer on each as-of date."""
    btc = p["btc_close_usd"].dropna()
    win_low, win_low_day = btc.loc[window[0] : window[-1]].min(), btc.loc[window[0] : window[-1]].idxmin()
    after = btc.loc[window[-1] + pd.Timedelta(days=1) : window[-1] + pd.Timedelta(days=180)]
    low_after, low_after_day = after.min(), after.idxmin()
    rows = {}
    for d in window:
        o = bottoming.outcome(btc, d, window_days=180)
        rows[d] = {
            "is_bottom": float(bottoming.is_bottom(o)),
            "further_fall_pct": o["max_dd_pct"],
            "fwd_30d_pct": o["chg_30d_pct"],
            "fwd_90d_pct": o["chg_90d_pct"],
            "fwd_180d_pct": o["chg_180d_pct"],
        }
    w = _frame(rows)
    txt = (
        f"further fall within 180 days {range_text(w['further_fall_pct'], '+.0f', '%')}; 180 days later "
        f"{range_text(w['fwd_180d_pct'], '+.0f', '%')}; window low {win_low:,.0f} broken: low "
        f"{low_after:,.0f} on {low_after_day:%Y-%m-%d} ({pct_change(win_low, low_after):+.0f} %)"
    )
    e = _estimate(
        h,
        w,
        {"a cyclical bottom": "is_bottom"},
        unit="yes = 1",
        text=txt,
        method="bottoming.is_bottom for a buyer at the close of the date",
    )
    return ClaimResult(
        h.id,
        w,
        e,
        txt,
        extra={
            "win_low": win_low,
            "win_low_day": win_low_day,
            "low_after": low_after,
            "low_after_day": low_after_day,
            "low_after_pct": pct_change(win_low, low_after),
            "low_snapshot": btc.loc[window[-1] :].min(),
            "low_snapshot_day": btc.loc[window[-1] :].idxmin(),
            "last_day": btc.index.max(),
        },
    )


MEASURES: dict[str, Measure] = {
    "C1": m_c1,
    "C2": m_c2,
    "C3": m_c3,
    "C4": m_c4,
    "C5": m_c5,
    "C6": m_c6,
    "C7": m_c7,
    "C8": m_c8,
    "C9": m_c9,
    "C10": m_c10,
    "C11": m_c11,
    "C12": m_c12,
    "C13": m_c13,
    "C14": m_c14,
    "C15": m_c15,
    "C16": m_c16,
    "C17": m_c17,
    "C18": m_c18,
}


def measure_all(
    p: pd.DataFrame,
    inputs: dict[str, pd.DataFrame] | None = None,
    claims: dict[str, Hypothesis] | None = None,
    window: pd.DatetimeIndex | None = None,
) -> dict[str, ClaimResult]:
    """Measure every claim of the ledger over the as-of window (composites: display numbers only)."""
    claims = load_claims() if claims is None else claims
    inputs = load_inputs() if inputs is None else inputs
    window = as_of_window() if window is None else window
    missing = [k for k in claims if k not in MEASURES]
    if missing:
        raise KeyError(f"{CLAIMS_FILE.name}: no measurement for claim(s) {missing}")
    return {k: MEASURES[k](p, inputs, h, window) for k, h in claims.items()}


def estimates(p: pd.DataFrame) -> dict[str, Estimate]:
    """One Estimate per claims-owned id (composites are decided from their chapter components)."""
    claims = load_claims()
    res = measure_all(p, claims=claims)
    out = {k: res[k].estimate for k in owned(claims)}
    bad = [k for k, e in out.items() if e is None]
    if bad:
        raise ValueError(f"claims {bad} are registered with a rule but measured for display only")
    return out


# --------------------------------------------------------------------------------------------
# display
# --------------------------------------------------------------------------------------------
def _digits(*xs: float) -> int:
    """Decimals for a value and its range, chosen from the largest magnitude so the three read alike."""
    ax = max((abs(x) for x in xs if x is not None and not math.isnan(x)), default=0.0)
    return 0 if ax >= 1000 else 1 if ax >= 10 else 2


def _fmt(x: float, unit: str, kind: str, digits: int = 2) -> str:
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "–"
    if kind == "true" or unit == "yes = 1":
        return "yes" if x >= 0.5 else "no"
    return f"{x:,.{digits}f} {unit}".strip()


def primary_values(ests: dict[str, Estimate], claims: dict[str, Hypothesis] | None = None) -> pd.DataFrame:
    """Every reading of every estimated claim on the primary date (id, reading, value): the numbers a changed
    input must not move silently (printed for nbval)."""
    claims = load_claims() if claims is None else claims
    day = _day(primary_date())
    rows = [
        {"id": k, "reading": r, "value": ests[k].readings.get(r, {}).get(day, np.nan)}
        for k in claims
        if k in ests
        for r in claims[k].readings
    ]
    return pd.DataFrame(rows, columns=["id", "reading", "value"])


def ledger_frame(
    table: pd.DataFrame, results: dict[str, ClaimResult] | None = None, claims: dict[str, Hypothesis] | None = None
) -> pd.DataFrame:
    """The ledger for display, one row per claim: id, claim, claimed, measured on the primary date, range over
    the as-of dates, verdict label (from the verdict table ``table`` of :func:`unwind.results.load`).

    With ``results`` (from :func:`measure_all`) the measured cell of a composite claim shows its display numbers;
    without, it names the chapter ids that decide it.
    """
    claims = load_claims() if claims is None else claims
    first = primary_date()
    win = as_of_window()
    rows = []
    for k, h in claims.items():
        r = table.loc[k]
        if h.rule == "composite":
            measured = results[k].text if results else "decided by " + ", ".join(h.components)
            rng = "–"
        else:
            kind = next(iter(h.readings.values())).kind
            dg = _digits(r["estimate"], r["low"], r["high"])
            measured = _fmt(r["estimate"], r["unit"], kind, dg)
            lo, hi = _fmt(r["low"], r["unit"], kind, dg), _fmt(r["high"], r["unit"], kind, dg)
            rng = "–" if pd.isna(r["low"]) else lo if lo == hi else f"{_fmt(r['low'], '', kind, dg)} to {hi}"
        rows.append(
            {
                "id": k,
                "claim": h.statement,
                "claimed": h.raw.get("claimed", {}).get("text", ""),
                f"measured {first:%Y-%m-%d}": measured,
                f"range {win[0]:%m-%d}…{win[-1]:%m-%d}": rng,
                "verdict": r["label"],
                "further": h.raw.get("further") or "",
            }
        )
    return pd.DataFrame(rows)


def ledger_html(table: pd.DataFrame, results: dict[str, ClaimResult] | None = None) -> str:
    """:func:`ledger_frame` as an HTML table with verdict badges (:func:`unwind.tables.badge`)."""
    import html

    from . import tables

    lf = ledger_frame(table, results)
    cols = [c for c in lf.columns if c not in ("verdict", "further")]
    head = "".join(f'<th scope="col">{html.escape(c)}</th>' for c in cols) + '<th scope="col">verdict</th>'
    body = []
    for _, row in lf.iterrows():
        cells = "".join(f'<td data-label="{html.escape(c)}">{html.escape(str(row[c]))}</td>' for c in cols)
        body.append(f'<tr>{cells}<td data-label="verdict">{tables.badge(table.loc[row["id"]])}</td></tr>')
    return (
        '<div class="verdict-table-wrap"><table class="verdict-table claims-ledger"><thead><tr>'
        + head
        + "</tr></thead><tbody>"
        + "".join(body)
        + "</tbody></table></div>"
    )


def window_view(result: ClaimResult, cols: list[str], digits: int = 2) -> pd.DataFrame:
    """The as-of-window table of one claim for display: chosen columns, rounded, dates as MM-DD."""
    w = result.window[cols].copy()
    for k in w.columns:
        if pd.api.types.is_float_dtype(w[k]):
            w[k] = w[k].round(digits)
        elif pd.api.types.is_datetime64_any_dtype(w[k]):
            w[k] = w[k].dt.strftime("%Y-%m-%d")
    w.index = w.index.strftime("%m-%d")
    return w
