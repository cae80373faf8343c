"""The claims ledger: measure each of the article's claims on every candidate publication date.

The article is undated (mid-November 2025), so every claim is measured on each
as-of date in :data:`unwind.events.AS_OF_WINDOW` and compared with the claimed
value under the tolerance written in advance in ``book/claims.yaml``.  The
verdict rule (also stated in that file) is:

* holds on every as-of date -> ``supported``;
* on some dates only -> ``partly supported`` (the dates are named);
* on none, nearest miss within 3 x the tolerance -> ``not supported``;
* on none, every miss beyond 3 x the tolerance -> ``contradicted``;
* the snapshot lacks the series -> ``cannot be checked with this data``.

A few claims have several parts and a part-by-part rule (see their ``tolerance.text``).

The small measurement functions at the top are pure (Series in, numbers out) and unit
tested; :func:`measure_all` applies them to the panel and to the loaders' frames
(:func:`load_inputs`), and :func:`ledger` assembles the one-row-per-claim table.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

from . import bottoming, stats
from .events import AS_OF_WINDOW, CRASH, OCT6_HIGH
from .sources import base

CLAIMS_FILE = Path(__file__).resolve().parents[1] / "book" / "claims.yaml"
CHAPTER = "claims"
YEAR_END_2024 = pd.Timestamp("2024-12-31")
#: Binance BTCUSDT USD-M perpetual, notional tier 1 maintenance margin rate (percent)
BINANCE_TIER1_MM_PCT = 0.4
#: the extra factor on the tolerance beyond which a miss on every date counts as a contradiction
CONTRADICTION_FACTOR = 3.0


# --------------------------------------------------------------------------------------------
# the claims file and the article
# --------------------------------------------------------------------------------------------
def load_claims(path: Path = CLAIMS_FILE) -> list[dict]:
    """The claims in ``book/claims.yaml``, in file order; checks ids are unique and fields present."""
    with Path(path).open(encoding="utf-8") as f:
        claims = yaml.safe_load(f)["claims"]
    need = {"id", "short", "quote", "claimed", "measure", "tolerance", "chapter"}
    seen: set[str] = set()
    for i, c in enumerate(claims):
        missing = need - set(c)
        if missing:
            raise ValueError(f"{path}: claim #{i + 1} ({c.get('id')!r}) lacks field(s) {sorted(missing)}")
        if c["id"] in seen:
            raise ValueError(f"{path}: claim id {c['id']!r} appears twice")
        seen.add(c["id"])
    return claims


def article_path() -> Path:
    """The article text: ``$UNWIND_ARTICLE`` if set, else ``../shared/article/ARTICLE.md`` beside the repository."""
    env = os.environ.get("UNWIND_ARTICLE")
    return Path(env) if env else base.REPO_ROOT.parent / "shared" / "article" / "ARTICLE.md"


def quotes_missing(claims: list[dict], article: str) -> list[str]:
    """Ids of claims whose ``quote`` is not an exact substring of ``article``."""
    return [c["id"] for c in claims if c["quote"] not in article]


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
    return {"range": r, "max_before": float(before.max()) if len(before) else np.nan,
            "max_before_date": before.idxmax() if len(before) else pd.NaT,
            "rank": int((upto > r).sum() + 1), "n_days": int(len(upto)),
            "largest_so_far": bool(len(before) == 0 or r > before.max()),
            "first_day": rng.index.min()}


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


def within_tolerance(measured: float, claimed: float, tol: dict) -> bool:
    """Does ``measured`` agree with ``claimed`` under the YAML tolerance (``kind`` and ``value``)?"""
    if not np.isfinite(measured):
        return False
    kind, v = tol["kind"], tol["value"]
    if kind == "relative":
        return abs(measured - claimed) <= v * abs(claimed) + 1e-12
    if kind == "absolute":
        return abs(measured - claimed) <= v + 1e-12
    if kind == "at_least":
        return measured >= v
    raise ValueError(f"tolerance kind {kind!r} has no numeric rule")


def tolerance_width(claimed: float, tol: dict) -> float:
    """The tolerance in the claim's unit (relative tolerances times |claimed|)."""
    return tol["value"] * abs(claimed) if tol["kind"] == "relative" else tol["value"]


def window_verdict(holds: pd.Series, miss: pd.Series, width: float,
                   factor: float = CONTRADICTION_FACTOR) -> str:
    """The pre-stated rule: all dates -> supported, some -> partly, none -> not supported or contradicted.

    ``miss`` is |measured - claimed| per date; a claim that holds nowhere is
    ``contradicted`` when every miss exceeds ``factor`` x ``width``.
    """
    if holds.all():
        return "supported"
    if holds.any():
        return "partly supported"
    m = miss.dropna()
    return "contradicted" if len(m) and (m > factor * width).all() else "not supported"


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
    """One claim measured over the as-of window."""

    id: str
    window: pd.DataFrame            # one row per as-of date: measured, holds, miss, extras
    measured_text: str              # formatted range for the ledger
    verdict: str
    unit: str
    note: str = ""                  # one sentence: why this verdict
    extra: dict = field(default_factory=dict)   # single numbers worth gluing

    def __post_init__(self) -> None:
        if self.verdict not in stats.VERDICTS:
            raise ValueError(f"{self.id}: verdict {self.verdict!r} not in {stats.VERDICTS}")

    @property
    def holds_on(self) -> str:
        w = self.window
        if self.verdict == "cannot be checked with this data" or "holds" not in w or w["holds"].isna().all():
            return "n/a"
        holds = w["holds"].fillna(False).astype(bool)
        return "all dates" if holds.all() else dates_text(w.index[holds])


def _frame(rows: dict) -> pd.DataFrame:
    return pd.DataFrame.from_dict(rows, orient="index").rename_axis("as_of")


def _numeric(c: dict, rows: dict, meas_col: str = "measured") -> tuple[pd.DataFrame, str]:
    """Apply the claim's numeric tolerance to ``rows[day][meas_col]``; return the window and verdict."""
    w = _frame(rows)
    claimed, tol = c["claimed"]["value"], c["tolerance"]
    w["holds"] = [within_tolerance(m, claimed, tol) for m in w[meas_col]]
    w["miss"] = (w[meas_col] - claimed).abs()
    return w, window_verdict(w["holds"], w["miss"], tolerance_width(claimed, tol))


def m_c1(p: pd.DataFrame, inp: dict, c: dict, window: pd.DatetimeIndex) -> ClaimResult:
    mc = p["total_mcap_usd"]
    rows = {}
    for d in window:
        loss = -change_over_days(mc, d, 41) / 1e12
        peak = mc.loc[OCT6_HIGH:d].max()
        rows[d] = {"measured": loss, "per_day_bn": loss * 1e3 / 41,
                   "start_day": d - pd.Timedelta(days=41),
                   "peak_to_date_tn": (peak - mc.get(d, np.nan)) / 1e12}
    w, verdict = _numeric(c, rows)
    w["holds_peak"] = [within_tolerance(m, c["claimed"]["value"], c["tolerance"]) for m in w["peak_to_date_tn"]]
    txt = (f"41-day loss {range_text(w['measured'], '.2f', 'US$ tn')} "
           f"({range_text(w['per_day_bn'], '.0f', 'US$ bn/day')}); "
           f"peak-to-date {range_text(w['peak_to_date_tn'], '.2f', 'US$ tn')}")
    return ClaimResult(c["id"], w, txt, verdict, "US$ tn",
                       note="The 41-day loss depends on which day the 41 days start: it is $1.1 tn only "
                            "when they start on or just around the 10/06 peak.",
                       extra={"mcap_peak_tn": mc.loc[OCT6_HIGH] / 1e12})


def m_c2(p: pd.DataFrame, inp: dict, c: dict, window: pd.DatetimeIndex) -> ClaimResult:
    spot, y = inp["bn_spot"], p["btc_close_usd"]
    ath_bn, ath_bn_day = spot["high_usdt"].loc[:window[-1]].max(), spot["high_usdt"].loc[:window[-1]].idxmax()
    rows = {}
    for d in window:
        ath_y = y.loc[:d].max()
        rows[d] = {"measured": drawdown_pct(spot.loc[d, "close_usdt"], ath_bn),
                   "yahoo_drawdown_pct": drawdown_pct(y.loc[d], ath_y), "yahoo_ath_close": ath_y,
                   "vs_126k_pct": drawdown_pct(spot.loc[d, "close_usdt"], 126_000.0)}
    w, verdict = _numeric(c, rows)
    w["holds_yahoo"] = [within_tolerance(m, c["claimed"]["value"], c["tolerance"]) for m in w["yahoo_drawdown_pct"]]
    ath_ok = abs(pct_change(126_000.0, ath_bn)) <= 1.0
    if not ath_ok:
        verdict = "partly supported" if verdict == "supported" else verdict
    txt = (f"{range_text(w['measured'], '.1f', '%')} from the Binance high {ath_bn:,.0f}; "
           f"Yahoo close basis {range_text(w['yahoo_drawdown_pct'], '.1f', '%')}")
    return ClaimResult(c["id"], w, txt, verdict, "%",
                       note="The drawdown deepened through the window, so the claimed figure fits only the "
                            "dates listed.",
                       extra={"ath_binance": ath_bn, "ath_binance_day": ath_bn_day,
                              "ath_yahoo_close": float(y.loc[:window[-1]].max()),
                              "ath_yahoo_day": y.loc[:window[-1]].idxmax()})


def m_c3(p: pd.DataFrame, inp: dict, c: dict, window: pd.DatetimeIndex) -> ClaimResult:
    spot, mc = inp["bn_spot"], p["total_mcap_usd"]
    ref_close, ref_low, ref_mc = spot.loc[CRASH, "close_usdt"], spot.loc[CRASH, "low_usdt"], mc.loc[CRASH]
    rows = {}
    for d in window:
        px = spot.loc[d, "close_usdt"]
        rows[d] = {"vs_close_pct": pct_change(ref_close, px), "vs_low_pct": pct_change(ref_low, px),
                   "mcap_vs_close_pct": pct_change(ref_mc, mc.loc[d])}
    w = _frame(rows)
    claimed, tol = c["claimed"]["value"], c["tolerance"]
    interp = ["vs_close_pct", "vs_low_pct", "mcap_vs_close_pct"]
    for k in interp:
        w[f"holds_{k}"] = [within_tolerance(m, claimed, tol) for m in w[k]]
    w["holds"] = w[[f"holds_{k}" for k in interp]].any(axis=1)
    w["measured"] = w["vs_low_pct"]
    w["miss"] = w[interp].sub(claimed).abs().min(axis=1)
    verdict = window_verdict(w["holds"], w["miss"], tolerance_width(claimed, tol))
    txt = (f"BTC vs 10/10 close {range_text(w['vs_close_pct'], '.1f', '%')}; "
           f"vs 10/10 low {range_text(w['vs_low_pct'], '.1f', '%')}; "
           f"market cap vs 10/10 {range_text(w['mcap_vs_close_pct'], '.1f', '%')}")
    return ClaimResult(c["id"], w, txt, verdict, "%",
                       note="Only the reading 'below the 10/10 intraday low' comes close to the claim, and only "
                            "on the dates listed; against the 10/10 close prices were much lower.",
                       extra={"ref_close": ref_close, "ref_low": ref_low})


def m_c4(p: pd.DataFrame, inp: dict, c: dict, window: pd.DatetimeIndex) -> ClaimResult:
    f = p["etf_btc_flow_usd_m"]
    early = f.loc["2025-11-03":"2025-11-07"].sum() / 1e3
    late = f.loc["2025-10-16":"2025-10-31"].sum() / 1e3
    late_eth = p["etf_eth_flow_usd_m"].loc["2025-10-16":"2025-10-31"].sum() / 1e3
    wk = inp["artemis_weekly"]
    art_early = wk.loc["2025-11-09", "bitcoin_usd"] / 1e9
    art_late = wk.loc["2025-10-19":"2025-11-02", "bitcoin_usd"].sum() / 1e9
    ok_early = within_tolerance(early, c["claimed"]["value"], c["tolerance"])
    rows = {d: {"measured": early, "late_october_bn": late, "late_october_eth_bn": late_eth,
                "holds": bool(ok_early and late < 0)} for d in window}
    w = _frame(rows)
    w["miss"] = abs(early - c["claimed"]["value"])
    if ok_early and late < 0:
        verdict = "supported"
    elif ok_early or late < 0:
        verdict = "partly supported"
    else:
        verdict = "not supported"
    txt = (f"BTC ETF net flow 11/03-07 {early:+.2f} US$ bn; 10/16-31 {late:+.2f} US$ bn "
           f"(ETH ETFs {late_eth:+.2f})")
    return ClaimResult(c["id"], w, txt, verdict, "US$ bn",
                       note="Both periods end before the window, so the verdict does not depend on the date.",
                       extra={"early_nov_bn": early, "late_oct_bn": late, "late_oct_eth_bn": late_eth,
                              "artemis_early_nov_bn": art_early, "artemis_late_oct_bn": art_late})


def m_c5(p: pd.DataFrame, inp: dict, c: dict, window: pd.DatetimeIndex) -> ClaimResult:
    mm = BINANCE_TIER1_MM_PCT
    dist = liquidation_distance_pct(100, mm)
    dist_no_mm = liquidation_distance_pct(100, 0.0)
    lev_2pct = leverage_for_distance(c["claimed"]["value"], mm)
    # part-by-part rule, not one number: "holds" is left undecided per date
    rows = {d: {"measured": dist, "distance_without_mm_pct": dist_no_mm, "leverage_for_2pct": lev_2pct,
                "distance_within_tolerance": within_tolerance(dist, c["claimed"]["value"], c["tolerance"]),
                "holds": np.nan} for d in window}
    w = _frame(rows)
    w["miss"] = abs(dist - c["claimed"]["value"])
    wipes = c["claimed"]["value"] >= dist  # a 2 % move does liquidate a 100x position
    verdict = "partly supported" if wipes else "contradicted"
    txt = (f"100x is liquidated after a {dist:.1f} % move (mm {mm} %; {dist_no_mm:.0f} % with none); "
           f"2 % is the distance at {lev_2pct:.0f}x; '20x-100x common': no data")
    return ClaimResult(c["id"], w, txt, verdict, "% adverse move",
                       note="The claimed move does wipe out a 100x position, but a much smaller move already does: "
                            "the sentence overstates the cushion; how common 20x-100x is "
                            "cannot be checked without position data.",
                       extra={"dist_pct": dist, "dist_no_mm_pct": dist_no_mm, "lev_for_2pct": lev_2pct,
                              "mm_pct": mm})


def liquidations_oct10(inp: dict, p: pd.DataFrame) -> dict:
    """Nearest evidence for the 10/10 all-venue liquidation total (US$ bn)."""
    liq = inp["liq4h"]
    day = liq.loc[(liq.index >= "2025-10-10") & (liq.index < "2025-10-11")]
    by_coin = {k: (day[f"{k}_liq_long_usd"].sum() + day[f"{k}_liq_short_usd"].sum()) / 1e9
               for k in ("btc", "eth", "sol", "xrp")}
    hl = inp["hyperliquid"]
    oi = p["oi_all_btc_4h_usd"]
    oi_prev, oi_day = oi.loc[CRASH - pd.Timedelta(days=1)], oi.loc[CRASH]
    binance4 = sum(by_coin.values())
    hl_liq, hl_adl = hl["liq_notional_usd"].sum() / 1e9, hl["adl_notional_usd"].sum() / 1e9
    return {"binance_4coin_bn": binance4, **{f"binance_{k}_bn": v for k, v in by_coin.items()},
            "binance_long_share_pct": 100 * sum(day[f"{k}_liq_long_usd"].sum() for k in by_coin) / (binance4 * 1e9),
            "hyperliquid_liq_bn": hl_liq, "hyperliquid_adl_bn": hl_adl,
            "lower_bound_bn": binance4 + hl_liq,
            "oi_drop_pct": pct_change(oi_prev, oi_day), "oi_drop_bn": (oi_prev - oi_day) / 1e9}


def m_c6(p: pd.DataFrame, inp: dict, c: dict, window: pd.DatetimeIndex) -> ClaimResult:
    e = liquidations_oct10(inp, p)
    claimed = c["claimed"]["value"]
    lb_supports = e["lower_bound_bn"] >= claimed * (1 - c["tolerance"]["value"])
    rows = {d: {"measured": e["lower_bound_bn"], "holds": bool(lb_supports)} for d in window}
    w = _frame(rows)
    w["miss"] = abs(e["lower_bound_bn"] - claimed)
    verdict = "supported" if lb_supports else "cannot be checked with this data"
    txt = (f"no all-venue total; Binance BTC/ETH/SOL/XRP {e['binance_4coin_bn']:.2f} US$ bn; "
           f"Hyperliquid 12 min {e['hyperliquid_liq_bn']:.1f} + ADL {e['hyperliquid_adl_bn']:.1f} US$ bn; "
           f"all-venue BTC OI {e['oi_drop_pct']:.0f} % ({-e['oi_drop_bn']:.1f} US$ bn)")
    return ClaimResult(c["id"], w, txt, verdict, "US$ bn",
                       note="The snapshot has no all-venue liquidation total; the two venues it has add up "
                            "to a lower bound well below the claim, which can neither confirm nor refute it.",
                       extra=e)


def m_c7(p: pd.DataFrame, inp: dict, c: dict, window: pd.DatetimeIndex) -> ClaimResult:
    out = {}
    for name, df, hi, lo in (("spot", inp["bn_spot"], "high_usdt", "low_usdt"),
                             ("perp", inp["bn_perp"], "high_usdt", "low_usdt"),
                             ("yahoo", inp["yahoo_btc"], "high_usd", "low_usd")):
        out[name] = candle_range_rank(df[hi], df[lo], CRASH)
    thr = c["tolerance"]["value"]
    ok = {k: v["range"] >= thr and v["largest_so_far"] for k, v in out.items()}
    rows = {d: {"measured": out["spot"]["range"], "perp_range": out["perp"]["range"],
                "yahoo_range": out["yahoo"]["range"], "holds": ok["spot"]} for d in window}
    w = _frame(rows)
    w["miss"] = max(0.0, c["claimed"]["value"] - out["spot"]["range"])
    verdict = window_verdict(w["holds"], w["miss"], c["claimed"]["value"] - thr)
    s, y = out["spot"], out["yahoo"]
    txt = (f"Binance spot range {s['range']:,.0f} US$ (largest before: {s['max_before']:,.0f} on "
           f"{s['max_before_date']:%Y-%m-%d}); perp {out['perp']['range']:,.0f}; "
           f"Yahoo {y['range']:,.0f} (largest since 2014)")
    return ClaimResult(c["id"], w, txt, verdict, "US$",
                       note="On Binance the 10/10 range was the first above the claimed size; on Yahoo's "
                            "composite it was the largest ever but short of it.",
                       extra={**{f"{k}_{m}": v[m] for k, v in out.items() for m in ("range", "max_before",
                                                                                     "rank", "n_days")},
                              "spot_max_before_date": s["max_before_date"],
                              "yahoo_max_before_date": y["max_before_date"], "yahoo_ok": ok["yahoo"]})


def binance_4coin_daily(liq4h: pd.DataFrame) -> pd.Series:
    """Binance-only BTC+ETH+SOL+XRP liquidations (long+short), US$ per complete UTC day."""
    return daily_sum_complete(liq4h, bars_per_day=6)


def m_c8(p: pd.DataFrame, inp: dict, c: dict, window: pd.DatetimeIndex) -> ClaimResult:
    daily = binance_4coin_daily(inp["liq4h"])
    since = daily.loc[CRASH + pd.Timedelta(days=1):]
    bob = (inp["bob26"]["liq_long_usd"] + inp["bob26"]["liq_short_usd"]).iloc[:30]
    rows = {}
    for d in window:
        s = since.loc[:d - pd.Timedelta(days=1)]
        rows[d] = {"measured": share_at_least(s, 5e8), "share_1bn_pct": share_at_least(s, 1e9),
                   "n_days": len(s), "last_day": s.index.max(), "max_bn": s.max() / 1e9,
                   "median_bn": s.median() / 1e9}
    w = _frame(rows)
    w["holds"] = (w["measured"] >= c["tolerance"]["value"]) & (w["share_1bn_pct"] >= 25.0)
    w["miss"] = (c["tolerance"]["value"] - w["measured"]).clip(lower=0)
    verdict = "supported" if w["holds"].all() else "cannot be checked with this data"
    txt = (f"Binance-only 4 coins, {int(w['n_days'].iloc[-1])} days to {w['last_day'].iloc[-1]:%m-%d}: "
           f">= 0.5 bn on {range_text(w['measured'], '.0f', '%')} of days, >= 1 bn on "
           f"{range_text(w['share_1bn_pct'], '.0f', '%')}; median {w['median_bn'].iloc[-1]:.2f} US$ bn")
    return ClaimResult(c["id"], w, txt, verdict, "% of days",
                       note="The only daily series after 10/10 are single-venue (Binance) or start after the "
                            "window; they stay far below the thresholds, but as lower bounds they cannot refute "
                            "the all-venue claim.",
                       extra={"bob26_share_05_pct": share_at_least(bob, 5e8), "bob26_max_bn": bob.max() / 1e9,
                              "bob26_median_bn": bob.median() / 1e9, "bob26_n": len(bob),
                              "bob26_first": bob.index.min(), "bob26_last": bob.index.max()})


def m_c9(p: pd.DataFrame, inp: dict, c: dict, window: pd.DatetimeIndex) -> ClaimResult:
    oi = p["oi_all_btc_4h_usd"]
    btc_mcap = p["total_mcap_usd"] * p["btc_dominance_pct"] / 100
    share = (100 * oi / btc_mcap).dropna()
    vol = inp["cmc"].set_index("market_date")["total_volume_24h_usd"]
    rows = {}
    for d in window:
        pct, at = percentile_of_latest(oi, d)
        pct_share, _ = percentile_of_latest(share, d)
        vol_pct, _ = percentile_of_latest(vol, d)
        rows[d] = {"measured": pct, "oi_day": at, "oi_bn": oi.loc[at] / 1e9, "oi_share_pct": share.loc[at],
                   "oi_share_percentile": pct_share, "volume_percentile": vol_pct}
    w = _frame(rows)
    thr = c["tolerance"]["value"]
    w["holds"] = (w["measured"] >= thr) | (w["oi_share_percentile"] >= thr)
    w["miss"] = (thr - w[["measured", "oi_share_percentile"]].max(axis=1)).clip(lower=0)
    verdict = "partly supported" if w["holds"].all() else "not supported"
    txt = (f"all-venue BTC OI {w['oi_bn'].iloc[0]:.0f} US$ bn on {w['oi_day'].iloc[0]:%m-%d}: "
           f"percentile {w['measured'].iloc[0]:.0f} (level), {w['oi_share_percentile'].iloc[0]:.0f} "
           f"(share of BTC cap); liquidity: no order-book data")
    return ClaimResult(c["id"], w, txt, verdict, "percentile",
                       note="Open interest on the last day with data sat in the middle of its one-year range "
                            "(level and share of BTC market cap); thin liquidity needs order-book depth the "
                            "snapshot lacks.",
                       extra={"oi_first": oi.first_valid_index(), "oi_last": oi.last_valid_index(),
                              "oi_peak_bn": oi.max() / 1e9, "oi_peak_day": oi.idxmax()})


def m_c10(p: pd.DataFrame, inp: dict, c: dict, window: pd.DatetimeIndex) -> ClaimResult:
    fng = p["fng_value"]
    feb_min = fng.loc["2025-02-01":"2025-02-28"].min()
    feb_day = fng.loc["2025-02-01":"2025-02-28"].idxmin()
    claimed, tol = c["claimed"]["value"], c["tolerance"]
    feb_ok = within_tolerance(feb_min, claimed, tol)
    rows = {d: {"measured": fng.get(d, np.nan), "feb_2025_min": feb_min,
                "holds": within_tolerance(fng.get(d, np.nan), claimed, tol) and feb_ok} for d in window}
    w = _frame(rows)
    w["miss"] = (w["measured"] - claimed).abs()
    verdict = window_verdict(w["holds"], w["miss"], tolerance_width(claimed, tol))
    at10 = w.index[w["measured"] == claimed]
    txt = (f"F&G {range_text(w['measured'], '.0f')} (= 10 on {dates_text(at10)}); "
           f"February 2025 low {feb_min:.0f} on {feb_day:%m-%d}")
    return ClaimResult(c["id"], w, txt, verdict, "index points",
                       note="The index touched the claimed level on some days of the window and rebounded on "
                            "others; the February 2025 low matches.",
                       extra={"feb_min": feb_min, "feb_day": feb_day, "n_at_10": len(at10)})


def m_c11(p: pd.DataFrame, inp: dict, c: dict, window: pd.DatetimeIndex) -> ClaimResult:
    btc = p["btc_close_usd"]
    rows = {d: {"measured": pct_change(btc.loc[d - pd.Timedelta(days=365)], btc.loc[d]),
                "close_year_before": btc.loc[d - pd.Timedelta(days=365)]} for d in window}
    w, verdict = _numeric(c, rows)
    txt = f"{range_text(w['measured'], '+.1f', '%')} over 365 days"
    return ClaimResult(c["id"], w, txt, verdict, "%",
                       note="BTC's 365-day change was far below the claim on every date, and negative by the "
                            "end of the window.")


def macro_correlations(p: pd.DataFrame, start: pd.Timestamp, end: pd.Timestamp) -> pd.DataFrame:
    """Correlation of BTC's U.S.-close daily return with each macro series' return over [start, end]."""
    macro = {"gold": "gold_return_pct", "S&P 500": "spx_return_pct", "Nasdaq-100": "ndx_return_pct",
             "dollar index": "dxy_return_pct", "TLT": "tlt_return_pct"}
    rows = []
    for name, col in macro.items():
        d = p.loc[start:end, ["btc_usclose_return_pct", col]].dropna()
        r = d.iloc[:, 0].corr(d.iloc[:, 1])
        lo, hi = stats.fisher_ci(r, len(d))
        rows.append({"series": name, "corr": r, "ci_low": lo, "ci_high": hi, "n": len(d)})
    out = pd.DataFrame(rows)
    out["rank_abs"] = out["corr"].abs().rank(ascending=False).astype(int)
    return out.set_index("series")


def m_c12(p: pd.DataFrame, inp: dict, c: dict, window: pd.DatetimeIndex) -> ClaimResult:
    year = macro_correlations(p, OCT6_HIGH - pd.Timedelta(days=365), OCT6_HIGH)
    rows = {}
    for d in window:
        after = macro_correlations(p, CRASH + pd.Timedelta(days=1), d)
        rows[d] = {"measured": year.loc["gold", "corr"], "gold_rank": year.loc["gold", "rank_abs"],
                   "corr_after": after.loc["gold", "corr"], "n_after": after.loc["gold", "n"]}
    w = _frame(rows)
    w["holds"] = (w["gold_rank"] == 1) & (w["corr_after"] < w["measured"])
    w["miss"] = np.nan
    top = year["corr"].abs().idxmax()
    verdict = "contradicted" if (w["gold_rank"] != 1).all() else window_verdict(w["holds"], w["miss"], np.nan)
    txt = (f"prior-year corr with gold {year.loc['gold', 'corr']:.2f} (rank {int(year.loc['gold', 'rank_abs'])} "
           f"of 5; {top} {year.loc[top, 'corr']:.2f}); since 10/10 {range_text(w['corr_after'], '.2f')}")
    return ClaimResult(c["id"], w, txt, verdict, "correlation",
                       note="Gold was not BTC's strongest macro pair: over the prior year their daily returns "
                            "were nearly uncorrelated, while equities were BTC's closest pair.",
                       extra={"year": year, "top": top})


def m_c13(p: pd.DataFrame, inp: dict, c: dict, window: pd.DatetimeIndex) -> ClaimResult:
    btc, gold = p["btc_close_usd"], p["gold_close_usd"]
    rows = {}
    for d in window:
        g = value_on_or_before(gold, d)
        row = {}
        for lab, ref in (("1010", CRASH), ("1009", CRASH - pd.Timedelta(days=1))):
            row[f"btc_{lab}_pct"] = pct_change(btc.loc[ref], btc.loc[d])
            row[f"gold_{lab}_pct"] = pct_change(gold.loc[ref], g)
            row[f"gap_{lab}_pp"] = row[f"btc_{lab}_pct"] - row[f"gold_{lab}_pct"]
        rows[d] = {"measured": row["gap_1010_pp"], **row}
    w = _frame(rows)
    claimed, tol = c["claimed"]["value"], c["tolerance"]
    w["holds"] = [within_tolerance(a, claimed, tol) or within_tolerance(b, claimed, tol)
                  for a, b in zip(w["gap_1010_pp"], w["gap_1009_pp"], strict=True)]
    w["miss"] = w[["gap_1010_pp", "gap_1009_pp"]].sub(claimed).abs().min(axis=1)
    verdict = window_verdict(w["holds"], w["miss"], tolerance_width(claimed, tol))
    txt = (f"gap from 10/10 close {range_text(w['gap_1010_pp'], '.1f', 'pp')}; "
           f"from 10/09 close {range_text(w['gap_1009_pp'], '.1f', 'pp')}")
    return ClaimResult(c["id"], w, txt, verdict, "pp",
                       note="The gap widened through the window as BTC fell and gold held; the claim fits "
                            "the dates listed under one of the two reference days.")


def m_c14(p: pd.DataFrame, inp: dict, c: dict, window: pd.DatetimeIndex) -> ClaimResult:
    f, btc = p["etf_btc_flow_usd_m"], p["btc_close_usd"]
    aum = value_on_or_before(p["etf_btc_aum_usd"], CRASH - pd.Timedelta(days=1))
    btc_mcap = p["total_mcap_usd"] * p["btc_dominance_pct"] / 100
    rows = {}
    for d in window:
        flow = f.loc[CRASH:d].sum() / 1e3
        rows[d] = {"measured": flow, "flow_pct_aum": 100 * flow * 1e9 / aum,
                   "btc_pct": pct_change(btc.loc[CRASH - pd.Timedelta(days=1)], btc.loc[d]),
                   "btc_mcap_change_bn": (btc_mcap.loc[d] - btc_mcap.loc[CRASH - pd.Timedelta(days=1)]) / 1e9}
    w = _frame(rows)
    w["holds"] = np.nan
    w["miss"] = np.nan
    txt = (f"BTC ETF net flow since 10/10 {range_text(w['measured'], '+.1f', 'US$ bn')} "
           f"({range_text(w['flow_pct_aum'], '.1f', '% of AUM')}) vs BTC market cap "
           f"{range_text(w['btc_mcap_change_bn'], '.0f', 'US$ bn')}")
    return ClaimResult(c["id"], w, txt, "cannot be checked with this data", "US$ bn",
                       note="ETF outflows were real but small beside BTC's loss of market value, and no series "
                            "measures 'fundamentals'; the causal tests are in the liquidation and ETF-flow "
                            "chapters.",
                       extra={"aum_1009_bn": aum / 1e9})


def _eth_change(p: pd.DataFrame, c: dict, window: pd.DatetimeIndex, ref: pd.Timestamp) -> tuple:
    eth = p["eth_close_usd"]
    rows = {d: {"measured": pct_change(eth.loc[ref], eth.loc[d]), "ref_close": eth.loc[ref]} for d in window}
    return _numeric(c, rows)


def m_c15(p: pd.DataFrame, inp: dict, c: dict, window: pd.DatetimeIndex) -> ClaimResult:
    w, verdict = _eth_change(p, c, window, YEAR_END_2024)
    return ClaimResult(c["id"], w, f"{range_text(w['measured'], '.1f', '%')} year to date", verdict, "%",
                       note="ETH's year-to-date loss deepened through the window; the claim fits the dates listed.")


def m_c16(p: pd.DataFrame, inp: dict, c: dict, window: pd.DatetimeIndex) -> ClaimResult:
    w, verdict = _eth_change(p, c, window, OCT6_HIGH)
    return ClaimResult(c["id"], w, f"{range_text(w['measured'], '.1f', '%')} since 10/06", verdict, "%",
                       note="ETH's fall since 10/06 deepened through the window; the claim fits the dates listed.")


def m_c17(p: pd.DataFrame, inp: dict, c: dict, window: pd.DatetimeIndex) -> ClaimResult:
    rows = {}
    for d in window:
        row = {}
        for k, col in (("spx", "spx_close"), ("ndx", "ndx_close")):
            s = p[col]
            now = value_on_or_before(s, d)
            row[f"{k}_ytd_pct"] = pct_change(s.loc[YEAR_END_2024], now)
            row[f"{k}_since_1006_pct"] = pct_change(s.loc[OCT6_HIGH], now)
        rows[d] = row
    w = _frame(rows)
    ytd_up = (w["spx_ytd_pct"] > 0) & (w["ndx_ytd_pct"] > 0)
    not_down = (w["spx_since_1006_pct"] >= 0) & (w["ndx_since_1006_pct"] >= 0)
    w["holds"] = ytd_up & not_down
    w["measured"] = w["spx_since_1006_pct"]
    w["miss"] = np.nan
    if w["holds"].all():
        verdict = "supported"
    elif ytd_up.any() or w["holds"].any():
        verdict = "partly supported"
    else:
        verdict = "not supported"
    txt = (f"S&P 500 YTD {range_text(w['spx_ytd_pct'], '+.1f', '%')}, since 10/06 "
           f"{range_text(w['spx_since_1006_pct'], '+.1f', '%')}; Nasdaq-100 YTD "
           f"{range_text(w['ndx_ytd_pct'], '+.1f', '%')}, "
           f"since 10/06 {range_text(w['ndx_since_1006_pct'], '+.1f', '%')}")
    return ClaimResult(c["id"], w, txt, verdict, "%",
                       note="Equities were well up for the year but flat to lower since 10/06, so 'strength' "
                            "holds for the year, not for the weeks of the selloff.")


def m_c18(p: pd.DataFrame, inp: dict, c: dict, window: pd.DatetimeIndex) -> ClaimResult:
    """Judged by the bottoming chapter's rule (``bottoming.is_bottom``) for a buyer on each as-of date."""
    btc = p["btc_close_usd"].dropna()
    win_low, win_low_day = btc.loc[window[0]:window[-1]].min(), btc.loc[window[0]:window[-1]].idxmin()
    after = btc.loc[window[-1] + pd.Timedelta(days=1):window[-1] + pd.Timedelta(days=180)]
    low_after, low_after_day = after.min(), after.idxmin()
    rows = {}
    for d in window:
        o = bottoming.outcome(btc, d, window_days=180)
        rows[d] = {"measured": o["max_dd_pct"], "fwd_30d_pct": o["chg_30d_pct"], "fwd_90d_pct": o["chg_90d_pct"],
                   "fwd_180d_pct": o["chg_180d_pct"], "holds": bottoming.is_bottom(o), "miss": np.nan}
    w = _frame(rows)
    held = bool(w["holds"].all())
    verdict = "supported" if held else ("partly supported" if w["holds"].any() else "contradicted")
    txt = (f"further fall within 180 days {range_text(w['measured'], '+.0f', '%')}; 180 days later "
           f"{range_text(w['fwd_180d_pct'], '+.0f', '%')}; window low {win_low:,.0f} broken: low "
           f"{low_after:,.0f} on {low_after_day:%Y-%m-%d} ({pct_change(win_low, low_after):+.0f} %)")
    return ClaimResult(c["id"], w, txt, verdict, "%",
                       note="The November prices were not the bottom: BTC fell much further in the months "
                            "after the window.",
                       extra={"win_low": win_low, "win_low_day": win_low_day, "low_after": low_after,
                              "low_after_day": low_after_day, "low_after_pct": pct_change(win_low, low_after),
                              "held": held, "low_snapshot": btc.loc[window[-1]:].min(),
                              "low_snapshot_day": btc.loc[window[-1]:].idxmin(), "last_day": btc.index.max()})


MEASURES: dict[str, Callable[..., ClaimResult]] = {
    "c1": m_c1, "c2": m_c2, "c3": m_c3, "c4": m_c4, "c5": m_c5, "c6": m_c6, "c7": m_c7, "c8": m_c8,
    "c9": m_c9, "c10": m_c10, "c11": m_c11, "c12": m_c12, "c13": m_c13, "c14": m_c14, "c15": m_c15,
    "c16": m_c16, "c17": m_c17, "c18": m_c18,
}


def measure_all(p: pd.DataFrame, inputs: dict[str, pd.DataFrame] | None = None,
                claims: list[dict] | None = None,
                window: pd.DatetimeIndex = AS_OF_WINDOW) -> dict[str, ClaimResult]:
    """Measure every claim of the ledger over the as-of window."""
    claims = load_claims() if claims is None else claims
    inputs = load_inputs() if inputs is None else inputs
    missing = [c["id"] for c in claims if c["id"] not in MEASURES]
    if missing:
        raise KeyError(f"{CLAIMS_FILE}: no measurement for claim(s) {missing}")
    return {c["id"]: MEASURES[c["id"]](p, inputs, c, window) for c in claims}


def evidence_link(claim_id: str, chapter: str | None) -> str:
    """Where the evidence is: the claim's section of this chapter, plus a further chapter if it has one."""
    here = f"01_claims ({claim_id.upper()})"
    return f"{here}; {chapter}" if chapter else here


def ledger(results: dict[str, ClaimResult], claims: list[dict]) -> pd.DataFrame:
    """One row per claim: claim, claimed, measured (window range), dates where it holds, verdict, evidence."""
    rows = []
    for c in claims:
        r = results[c["id"]]
        rows.append({"id": c["id"], "claim": c["short"], "claimed": c["claimed"]["text"],
                     "measured": r.measured_text, "holds on": r.holds_on, "verdict": r.verdict,
                     "evidence": evidence_link(c["id"], c["chapter"])})
    return pd.DataFrame(rows)


def verdict_counts(table: pd.DataFrame) -> dict[str, int]:
    """Number of claims per verdict, every verdict of the vocabulary present (0 if unused)."""
    vc = table["verdict"].value_counts()
    return {v: int(vc.get(v, 0)) for v in stats.VERDICTS}


def verdict_rows(results: dict[str, ClaimResult], claims: list[dict]) -> list[stats.Verdict]:
    """Rows for :func:`stats.verdict_table`: pure measurements, so p = NaN; the interval is the range
    of the measured value over the as-of dates (not a sampling interval)."""
    out = []
    for c in claims:
        r = results[c["id"]]
        m = pd.to_numeric(r.window["measured"], errors="coerce").dropna()
        est, lo, hi = (float(m.median()), float(m.min()), float(m.max())) if len(m) else (np.nan,) * 3
        out.append(stats.Verdict(
            claim=f"{c['id']}: {c['short']}", test="measurement vs pre-stated tolerance",
            estimate=est, ci_low=lo, ci_high=hi, unit=r.unit, p_value=np.nan, n=len(r.window),
            sample=f"as-of {AS_OF_WINDOW[0]:%Y-%m-%d}..{AS_OF_WINDOW[-1]:%Y-%m-%d}; interval = range over dates",
            verdict=r.verdict))
    return out


def verdicts(p: pd.DataFrame) -> pd.DataFrame:
    """The ledger's verdicts as :func:`stats.verdict_table` rows (p-values NaN: pure measurements)."""
    claims = load_claims()
    results = measure_all(p, claims=claims)
    return stats.verdict_table(verdict_rows(results, claims), chapter=CHAPTER)


def best_fitting_dates(results: dict[str, ClaimResult]) -> pd.Series:
    """Per as-of date, how many date-dependent claims hold (claims whose holding varies over the window)."""
    cols = {}
    for k, r in results.items():
        h = r.window["holds"]
        if h.notna().all() and h.astype(bool).nunique() > 1:
            cols[k] = h.astype(bool)
    if not cols:
        return pd.Series(dtype=int)
    return pd.DataFrame(cols).sum(axis=1).rename("claims_holding")


def window_view(result: ClaimResult, cols: list[str], digits: int = 2) -> pd.DataFrame:
    """The as-of-window table of one claim for display: chosen columns, rounded, dates as MM-DD."""
    w = result.window[cols + (["holds"] if "holds" in result.window and "holds" not in cols else [])].copy()
    for k in w.columns:
        if pd.api.types.is_float_dtype(w[k]):
            w[k] = w[k].round(digits)
        elif pd.api.types.is_datetime64_any_dtype(w[k]):
            w[k] = w[k].dt.strftime("%Y-%m-%d")
    w.index = w.index.strftime("%m-%d")
    return w
