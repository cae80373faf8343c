"""Bottoming signals and the year after: does extreme fear (plus leverage exhaustion) mark a bottom?

Chapter tag ``bottom``.  Everything a statistic needs arrives as a DataFrame
(the daily panel); nothing here reads data files.  :func:`estimates` returns one
:class:`~unwind.study.Estimate` per hypothesis registered in
``study/05_bottoming.yaml``; the verdict words come from the study's rules, never
from this module.

Conventions
-----------
* Forward and past returns used by the *models* are log returns in percent
  (``fwd_{h}`` = 100 log(close[t+h] / close[t]), calendar days).
* What a *reader* experienced (price change, further drawdown) is the simple
  percentage change of the price, like ``btc_drawdown_pct``.
* "Known at the article's date": a historical estimate only uses forward
  returns whose end date is on or before :data:`FIT_END` (``fit_end`` of
  ``study/book.yaml``).
* Signals and thresholds are fixed here, before any estimate:

  - extreme fear: Fear & Greed <= 10, <= 15, <= 25 on the day;
  - open-interest exhaustion: all-venue BTC futures OI at least 20 % below its
    90-day high (Coinglass, daily close to 2025-09-08, then the identical
    4h-close series to 2025-11-14; equal on their overlap, checked);
  - negative funding: OI-weighted funding below zero on the day (Coinglass
    daily close, then mean of 4h closes; Binance settled funding after
    2025-11-14, a different definition used only for the November read-out);
  - liquidation spike: Binance-only BTC long liquidations at least 5x their
    trailing 90-day median on some day in the last 7 days;
  - deep drawdown: BTC at least 30 % below its running high (the article's
    "down 30%").
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd
import statsmodels.api as sm
from scipy import stats as sps
from statsmodels.regression.quantile_regression import QuantReg
from statsmodels.tools.sm_exceptions import IterationLimitWarning

from . import config, stats
from .study import Estimate
from .study import registry as design

CHAPTER = "bottom"
#: out-of-sample split: models are fitted on forward returns realised by this day (``fit_end``, study/book.yaml)
FIT_END = design.date("fit_end")
#: every date the article could have been written (study/book.yaml)
AS_OF_WINDOW = design.book().as_of_window
HORIZONS = (30, 90, 180)
FNG_THRESHOLDS = (10, 15, 25)
EPISODE_GAP_DAYS = 30
ROLL_DAYS = 90
OI_DD_MAX_PCT = -20.0
LIQ_SPIKE_RATIO = 5.0
LIQ_SPIKE_WITHIN = 7
DRAWDOWN_MAX_PCT = -30.0
#: a pre-registered reading of "potential cyclical bottom": within 180 days of the article the
#: price never closes more than this far below the entry price
BOTTOM_MAX_FURTHER_DD_PCT = -10.0
EXHAUSTION = ("oi_exhausted", "funding_negative", "liq_spike", "deep_drawdown")
MODEL_CONTROLS = ("past_ret_30", "vol_30")


# --- measurement ------------------------------------------------------------------------------


def forward_return_pct(close: pd.Series, h: int) -> pd.Series:
    """100 x log(close[t+h] / close[t]) on a daily calendar index (missing if either end is missing)."""
    return 100 * np.log(close.shift(-h) / close)


def past_return_pct(close: pd.Series, h: int) -> pd.Series:
    """100 x log(close[t] / close[t-h]) on a daily calendar index."""
    return 100 * np.log(close / close.shift(h))


def realized_vol_pct(ret_pct: pd.Series, window: int = 30) -> pd.Series:
    """Annualised (x sqrt 365) standard deviation of daily log returns over the last ``window`` days, in %."""
    return ret_pct.rolling(window, min_periods=int(window * 0.8)).std() * np.sqrt(365)


def drawdown_from_rolling_high_pct(x: pd.Series, window: int = ROLL_DAYS) -> pd.Series:
    """100 x (x / max of x over the last ``window`` days - 1); needs two thirds of the window observed."""
    high = x.rolling(window, min_periods=int(window * 2 / 3)).max()
    return 100 * (x / high - 1)


def liquidation_spike(
    liq_usd: pd.Series, *, window: int = ROLL_DAYS, ratio: float = LIQ_SPIKE_RATIO, within: int = LIQ_SPIKE_WITHIN
) -> pd.Series:
    """True if, on some day of the last ``within`` days, liquidations were >= ``ratio`` x their trailing
    ``window``-day median (median of the days before, so a spike does not raise its own yardstick).

    Missing where the liquidation series itself is missing on the day.
    """
    med = liq_usd.shift(1).rolling(window, min_periods=int(window * 2 / 3)).median()
    hit = (liq_usd / med >= ratio).astype(float).where(med.notna() & liq_usd.notna())
    out = hit.rolling(within, min_periods=1).max()
    return out.where(liq_usd.notna())


def episode_ids(signal: pd.Series, gap: int = EPISODE_GAP_DAYS) -> pd.Series:
    """Number the runs of signal days: a new episode starts when a signal day comes ``gap`` or more
    calendar days after the previous signal day.  Non-signal days get NaN."""
    days = signal.index[signal.astype(float).fillna(0).to_numpy() > 0]
    ids = pd.Series(np.nan, index=signal.index)
    if len(days) == 0:
        return ids
    new = np.r_[True, np.diff(days.values).astype("timedelta64[D]").astype(int) >= gap]
    ids.loc[days] = np.cumsum(new).astype(float)
    return ids


def episodes(signal: pd.Series, gap: int = EPISODE_GAP_DAYS) -> pd.DataFrame:
    """One row per episode (see :func:`episode_ids`): start, end and number of signal days."""
    ids = episode_ids(signal, gap).dropna()
    if ids.empty:
        return pd.DataFrame(columns=["episode", "start", "end", "n_days"])
    g = ids.index.to_series().groupby(ids.values)
    return pd.DataFrame(
        {
            "episode": g.first().index.astype(int),
            "start": g.min().values,
            "end": g.max().values,
            "n_days": g.size().values,
        }
    )


def thin_starts(starts: pd.Series | pd.DatetimeIndex, min_gap: int) -> pd.DatetimeIndex:
    """Keep episode starts at least ``min_gap`` days after the last kept one (non-overlapping h-day windows)."""
    kept: list[pd.Timestamp] = []
    for s in pd.DatetimeIndex(starts).sort_values():
        if not kept or (s - kept[-1]).days >= min_gap:
            kept.append(s)
    return pd.DatetimeIndex(kept)


def difference_series(y: pd.Series, signal: pd.Series) -> pd.Series:
    """d_t = y_t (s_t / pi - (1 - s_t) / (1 - pi)), pi = share of signal days.

    Its mean is exactly mean(y | signal) - mean(y | no signal), so a block bootstrap of its mean
    (holding pi fixed) gives an interval for the difference that respects overlap.
    """
    data = pd.concat([y.rename("y"), signal.rename("s")], axis=1).dropna()
    s = data["s"].astype(float)
    pi = s.mean()
    return data["y"] * (s / pi - (1 - s) / (1 - pi))


def outcome(
    close: pd.Series, entry: pd.Timestamp, *, horizons: tuple[int, ...] = HORIZONS, window_days: int | None = None
) -> dict:
    """What a buyer at the close of ``entry`` experienced.

    Price change (simple %) at each horizon (NaN if not yet observed); the lowest close after entry
    within ``window_days`` (all available data if None), the further drawdown to it (simple %), and
    the first date after that low when the close was back at or above the entry price (NaT if not
    by the last observed date).
    """
    px = close.dropna()
    entry = pd.Timestamp(entry)
    p0 = float(px.loc[entry])
    end = px.index[-1] if window_days is None else min(px.index[-1], entry + pd.Timedelta(days=window_days))
    after = px.loc[entry:end].iloc[1:]
    out: dict = {"entry": entry, "entry_usd": p0, "last_date": px.index[-1]}
    for h in horizons:
        t = entry + pd.Timedelta(days=h)
        out[f"chg_{h}d_pct"] = 100 * (float(px.loc[t]) / p0 - 1) if t in px.index else np.nan
    if after.empty:
        out.update(low_date=pd.NaT, low_usd=np.nan, max_dd_pct=np.nan, recovered=pd.NaT, days_to_recover=np.nan)
        return out
    low_date = after.idxmin()
    low = float(after.min())
    out.update(low_date=low_date, low_usd=low, max_dd_pct=min(0.0, 100 * (low / p0 - 1)))
    later = px.loc[low_date:]
    back = later[later >= p0]
    if low >= p0:  # never below the entry price
        out.update(recovered=entry, days_to_recover=0.0)
    elif back.empty:
        out.update(recovered=pd.NaT, days_to_recover=np.nan)
    else:
        out.update(recovered=back.index[0], days_to_recover=float((back.index[0] - entry).days))
    return out


def is_bottom(o: dict) -> bool:
    """The report's reading of "a cyclical bottom" for a buyer's :func:`outcome`: no close more than
    ``BOTTOM_MAX_FURTHER_DD_PCT`` below the entry within 180 days, and higher 180 days later."""
    return bool(o["max_dd_pct"] > BOTTOM_MAX_FURTHER_DD_PCT and o["chg_180d_pct"] > 0)


# --- the frame every test uses --------------------------------------------------------------------


def _spliced_indicator(parts: list[pd.Series]) -> pd.Series:
    """Earlier series first; each later one only fills days after the previous ends (no overlap mixing)."""
    out = parts[0].copy()
    for s in parts[1:]:
        last = out.dropna().index.max()
        out = out.combine_first(s[s.index > last])
    return out


def signal_frame(p: pd.DataFrame) -> pd.DataFrame:
    """Daily frame from 2018-02-01: price, F&G, forward/past returns, volatility and every signal."""
    idx = p.index[p.index >= "2018-02-01"]
    close = p["btc_close_usd"]
    f = pd.DataFrame(index=idx)
    f["close"] = close
    f["fng"] = p["fng_value"]
    for h in HORIZONS:
        f[f"fwd_{h}"] = forward_return_pct(close, h)
    f["past_ret_30"] = past_return_pct(close, 30)
    f["vol_30"] = realized_vol_pct(p["btc_return_pct"], 30)
    for k in FNG_THRESHOLDS:
        f[f"fear_le_{k}"] = (p["fng_value"] <= k).astype(float).where(p["fng_value"].notna())
    f["oi_dd_pct"] = _spliced_indicator(
        [drawdown_from_rolling_high_pct(p["oi_all_btc_usd"]), drawdown_from_rolling_high_pct(p["oi_all_btc_4h_usd"])]
    )
    f["funding_pct"] = _spliced_indicator([p["funding_oiw_pct"], p["funding_oiw_4h_pct"]])
    f["liq_spike"] = liquidation_spike(p["liq_binance_btc_long_usd"])
    f["drawdown_pct"] = p["btc_drawdown_pct"]
    f["oi_exhausted"] = (f["oi_dd_pct"] <= OI_DD_MAX_PCT).astype(float).where(f["oi_dd_pct"].notna())
    f["funding_negative"] = (f["funding_pct"] < 0).astype(float).where(f["funding_pct"].notna())
    f["deep_drawdown"] = (f["drawdown_pct"] <= DRAWDOWN_MAX_PCT).astype(float).where(f["drawdown_pct"].notna())
    ex = f[list(EXHAUSTION)]
    f["exhaustion_count"] = ex.sum(axis=1).where(ex.notna().all(axis=1))
    f["exhausted_2plus"] = (f["exhaustion_count"] >= 2).astype(float).where(f["exhaustion_count"].notna())
    return f.loc[: close.dropna().index.max()]


def known_by(frame: pd.DataFrame, h: int, end: pd.Timestamp = FIT_END) -> pd.Series:
    """Rows whose h-day forward return had been realised by ``end``."""
    return pd.Series(frame.index + pd.Timedelta(days=h) <= end, index=frame.index)


def oi_splice_check(p: pd.DataFrame) -> dict:
    """Agreement of the two all-venue OI series on their overlap (levels and 90-day drawdowns)."""
    both = pd.concat([p["oi_all_btc_usd"], p["oi_all_btc_4h_usd"]], axis=1).dropna()
    gap = 100 * (both.iloc[:, 1] / both.iloc[:, 0] - 1)
    return {
        "n": len(both),
        "start": both.index.min(),
        "end": both.index.max(),
        "median_abs_gap_pct": float(gap.abs().median()),
        "max_abs_gap_pct": float(gap.abs().max()),
    }


def funding_sign_agreement(p: pd.DataFrame) -> pd.DataFrame:
    """Share of overlap days on which two funding definitions have the same sign."""
    pairs = [
        ("funding_oiw_pct", "funding_oiw_4h_pct"),
        ("funding_oiw_pct", "funding_binance_settled_pct"),
        ("funding_oiw_4h_pct", "funding_binance_settled_pct"),
    ]
    rows = []
    for a, b in pairs:
        both = p[[a, b]].dropna()
        rows.append(
            {
                "series_a": a,
                "series_b": b,
                "n_days": len(both),
                "same_sign_share": float(((both[a] < 0) == (both[b] < 0)).mean()) if len(both) else np.nan,
            }
        )
    return pd.DataFrame(rows)


# --- H1 / H2: event tables ------------------------------------------------------------------------


@dataclass
class SignalTest:
    signal: str
    h: int
    n_days: int
    n_signal_days: int
    n_episodes: int
    mean_signal: float
    mean_other: float
    diff: float
    hac_low: float
    hac_high: float
    hac_p: float
    hac_lags: int
    boot_low: float
    boot_high: float
    n_episodes_nonoverlap: int
    episode_mean_excess: float
    episode_p: float
    episode_share_positive: float


def signal_forward_test(
    frame: pd.DataFrame,
    signal: str,
    h: int,
    *,
    end: pd.Timestamp = FIT_END,
    mask: pd.Series | None = None,
    n_boot: int = 2000,
    seed: int = config.SEED,
) -> SignalTest:
    """Mean h-day forward log return on signal days minus on other days (pp), three ways.

    1. all days, HAC (Newey-West) with lags = h (forward windows overlap by h - 1 days);
    2. block bootstrap of the mean of :func:`difference_series` (:func:`unwind.stats.block_bootstrap_mean`:
       stationary bootstrap, mean block the Politis-White optimal length, at least h);
    3. independent episodes (:func:`episodes`), starts thinned to be >= h days apart so no two
       forward windows overlap: mean excess over the average h-day return, one-sample t-test.

    ``mask`` restricts the sample (e.g. to fear days); only returns realised by ``end`` are used.
    """
    y = frame[f"fwd_{h}"]
    s = frame[signal]
    ok = y.notna() & s.notna() & known_by(frame, h, end)
    if mask is not None:
        ok &= mask.reindex(frame.index).astype(float).fillna(0) > 0
    y, s = y[ok], s[ok].astype(float)
    res = stats.hac_ols(y.rename("y"), s.rename("signal"), maxlags=h)
    lo, hi = res.conf_int().loc["signal"]
    b_lo, b_hi = stats.block_bootstrap_mean(difference_series(y, s), block=h, n_boot=n_boot, seed=seed)
    ep = episodes(s)
    starts = thin_starts(ep["start"], h) if len(ep) else pd.DatetimeIndex([])
    excess = y.reindex(starts) - y[s == 0].mean()
    ep_p = float(sps.ttest_1samp(excess.dropna(), 0.0).pvalue) if excess.notna().sum() >= 2 else np.nan
    return SignalTest(
        signal,
        h,
        int(len(y)),
        int(s.sum()),
        int(len(ep)),
        float(y[s == 1].mean()),
        float(y[s == 0].mean()),
        float(res.params["signal"]),
        float(lo),
        float(hi),
        float(res.pvalues["signal"]),
        int(res.hac_lags),
        float(b_lo),
        float(b_hi),
        int(excess.notna().sum()),
        float(excess.mean()),
        ep_p,
        float((y.reindex(starts) > 0).mean()) if len(starts) else np.nan,
    )


def h1_table(frame: pd.DataFrame, *, end: pd.Timestamp = FIT_END, n_boot: int = 2000) -> pd.DataFrame:
    """H1 for every F&G threshold and horizon: extreme-fear days versus all other days."""
    rows = [
        signal_forward_test(frame, f"fear_le_{k}", h, end=end, n_boot=n_boot) for k in FNG_THRESHOLDS for h in HORIZONS
    ]
    return pd.DataFrame([r.__dict__ for r in rows])


def h2_table(
    frame: pd.DataFrame, *, fear: str = "fear_le_25", end: pd.Timestamp = FIT_END, n_boot: int = 2000
) -> pd.DataFrame:
    """H2: among fear days, days with >= 2 exhaustion signals versus the rest (and each signal alone)."""
    mask = frame[fear] == 1
    rows = []
    for sig in ("exhausted_2plus", *EXHAUSTION):
        for h in HORIZONS:
            rows.append(signal_forward_test(frame, sig, h, end=end, mask=mask, n_boot=n_boot))
    return pd.DataFrame([r.__dict__ for r in rows])


def fng_episode_history(frame: pd.DataFrame, threshold: int = 10, *, window_days: int = 180) -> pd.DataFrame:
    """Every F&G <= threshold episode: dates, lowest F&G, BTC at the first signal day and what followed.

    Price changes are simple % from the close of the episode's first day; the further drawdown is to
    the lowest close within ``window_days`` of it; ``recovered`` is the first close back at the entry
    price after that low.
    """
    ep = episodes(
        frame[f"fear_le_{threshold}"] if f"fear_le_{threshold}" in frame else (frame["fng"] <= threshold).astype(float)
    )
    rows = []
    for _, e in ep.iterrows():
        o = outcome(frame["close"], e["start"], window_days=window_days)
        rows.append(
            {
                "start": e["start"].date(),
                "end": e["end"].date(),
                "signal_days": int(e["n_days"]),
                "min_fng": int(frame.loc[e["start"] : e["end"], "fng"].min()),
                "btc_usd": round(o["entry_usd"]),
                **{f"chg_{h}d_pct": o[f"chg_{h}d_pct"] for h in HORIZONS},
                "max_further_dd_pct": o["max_dd_pct"],
                "low_date": o["low_date"].date(),
                "recovered": o["recovered"].date() if pd.notna(o["recovered"]) else None,
                "known_at_fit_end": bool(e["start"] + pd.Timedelta(days=window_days) <= FIT_END),
            }
        )
    return pd.DataFrame(rows)


# --- models ----------------------------------------------------------------------------------------


def _design(frame: pd.DataFrame, regressors: list[str]) -> pd.DataFrame:
    X = frame[regressors].copy()
    if "fng" in X:
        X["fng"] = X["fng"] / 10  # per 10 index points
        X = X.rename(columns={"fng": "fng_per10"})
    return X


def fit_logit(frame: pd.DataFrame, h: int, regressors: list[str], *, end: pd.Timestamp = FIT_END):
    """Logit of 1[h-day forward return > 0] with HAC (lags = h) covariance, on returns realised by ``end``."""
    data = pd.concat([frame[f"fwd_{h}"].rename("y"), _design(frame, regressors)], axis=1)
    data = data[known_by(frame, h, end)].dropna()
    X = sm.add_constant(data.drop(columns="y"), has_constant="add")
    with warnings.catch_warnings():
        # HAC on a discrete model: statsmodels warns that the scale is not estimated; intended
        warnings.simplefilter("ignore", category=RuntimeWarning)
        res = sm.Logit((data["y"] > 0).astype(float), X).fit(disp=0, cov_type="HAC", cov_kwds={"maxlags": h})
    res.hac_lags = h
    return res


def fit_quantreg(frame: pd.DataFrame, h: int, regressors: list[str], q: float, *, end: pd.Timestamp = FIT_END):
    """Quantile regression of the h-day forward log return (%) on the regressors, returns realised by ``end``."""
    data = pd.concat([frame[f"fwd_{h}"].rename("y"), _design(frame, regressors)], axis=1)
    data = data[known_by(frame, h, end)].dropna()
    X = sm.add_constant(data.drop(columns="y"), has_constant="add")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", IterationLimitWarning)  # ties in the data; the fit is checked by its objective
        return QuantReg(data["y"], X).fit(q=q, max_iter=5000)


def quantreg_block_ci(
    frame: pd.DataFrame,
    h: int,
    regressors: list[str],
    q: float,
    term: str,
    *,
    end: pd.Timestamp = FIT_END,
    n_boot: int = 200,
    seed: int = config.SEED,
) -> tuple[float, float]:
    """95 % block-bootstrap percentile interval for one QuantReg coefficient.

    :func:`unwind.stats.block_bootstrap` (stationary bootstrap; mean block the Politis-White optimal length,
    at least h days, the overlap of the forward returns).
    """
    data = pd.concat([frame[f"fwd_{h}"].rename("y"), _design(frame, regressors)], axis=1)
    data = data[known_by(frame, h, end)].dropna()
    y = data["y"].to_numpy()
    X = sm.add_constant(data.drop(columns="y"), has_constant="add")
    col = list(X.columns).index(term)
    Xv = X.to_numpy()

    def coef(yy: np.ndarray, XX: np.ndarray) -> float:
        return QuantReg(yy, XX).fit(q=q, max_iter=2000).params[col]

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", IterationLimitWarning)  # ties in resampled data; see fit_quantreg
        lo, hi = stats.block_bootstrap(coef, y, Xv, n_boot=n_boot, min_block=h, seed=seed).interval(0.05)
    return (float(lo), float(hi))


def model_table(frame: pd.DataFrame, regressors: list[str], *, end: pd.Timestamp = FIT_END) -> pd.DataFrame:
    """Logit (HAC) and median QuantReg coefficients per horizon, long format."""
    rows = []
    for h in HORIZONS:
        lg = fit_logit(frame, h, regressors, end=end)
        qr = fit_quantreg(frame, h, regressors, 0.5, end=end)
        ci = lg.conf_int()
        for term in lg.params.index:
            rows.append(
                {
                    "h": h,
                    "model": "logit P(ret>0)",
                    "term": term,
                    "coef": lg.params[term],
                    "ci_low": ci.loc[term, 0],
                    "ci_high": ci.loc[term, 1],
                    "p_value": lg.pvalues[term],
                    "n": int(lg.nobs),
                    "cov": f"HAC lags={h}",
                }
            )
        qci = qr.conf_int()
        for term in qr.params.index:
            rows.append(
                {
                    "h": h,
                    "model": "QuantReg median, log %",
                    "term": term,
                    "coef": qr.params[term],
                    "ci_low": qci.loc[term, 0],
                    "ci_high": qci.loc[term, 1],
                    "p_value": qr.pvalues[term],
                    "n": int(qr.nobs),
                    "cov": "iid kernel (too narrow: overlap)",
                }
            )
    return pd.DataFrame(rows)


def exhaustion_wald(frame: pd.DataFrame, h: int, *, end: pd.Timestamp = FIT_END) -> dict:
    """Joint HAC Wald test that the four exhaustion signals add nothing to F&G + controls in the logit."""
    regs = ["fng", *EXHAUSTION, *MODEL_CONTROLS]
    res = fit_logit(frame, h, regs, end=end)
    w = res.wald_test(", ".join(f"{term} = 0" for term in EXHAUSTION), scalar=True)
    return {"h": h, "chi2": float(w.statistic), "df": len(EXHAUSTION), "p_value": float(w.pvalue), "n": int(res.nobs)}


# --- H3 and the out-of-sample call -----------------------------------------------------------------


def asof_values(
    frame: pd.DataFrame, p: pd.DataFrame, date: pd.Timestamp = FIT_END, stale_days: int = 7
) -> pd.DataFrame:
    """Each signal's latest observed value at ``date`` (looking back at most ``stale_days``), with the day
    it refers to.  Funding after the Coinglass series ends is Binance settled funding (other definition)."""
    date = pd.Timestamp(date)
    f = frame.copy()
    binance = p["funding_binance_settled_pct"].reindex(f.index)
    f["funding_pct"] = f["funding_pct"].combine_first(binance.where(f.index > f["funding_pct"].dropna().index.max()))
    f["funding_negative"] = (f["funding_pct"] < 0).astype(float).where(f["funding_pct"].notna())
    items = {
        "fng": "F&G",
        "fear_le_10": "F&G <= 10",
        "fear_le_15": "F&G <= 15",
        "fear_le_25": "F&G <= 25",
        "oi_dd_pct": "OI vs 90-day high, %",
        "oi_exhausted": "OI >= 20% below 90-day high",
        "funding_pct": "funding, % per 8h",
        "funding_negative": "funding < 0",
        "liq_spike": "long-liquidation spike (last 7 days)",
        "drawdown_pct": "BTC vs running high, %",
        "deep_drawdown": "BTC >= 30% below running high",
        "past_ret_30": "past 30-day return, log %",
        "vol_30": "30-day volatility, % a year",
    }
    rows = []
    window = f.loc[date - pd.Timedelta(days=stale_days) : date]
    for col, label in items.items():
        s = window[col].dropna()
        rows.append(
            {
                "signal": col,
                "label": label,
                "value": float(s.iloc[-1]) if len(s) else np.nan,
                "as_of": s.index[-1].date() if len(s) else None,
            }
        )
    return pd.DataFrame(rows).set_index("signal")


def window_signals(frame: pd.DataFrame, window: pd.DatetimeIndex = AS_OF_WINDOW) -> pd.DataFrame:
    """Did each signal fire on any day of the article's window? (1/0, or NaN if never observed there)."""
    w = frame.reindex(window)
    cols = ["fear_le_10", "fear_le_15", "fear_le_25", *EXHAUSTION]
    return pd.DataFrame(
        {"signal": cols, "fired": [w[c].max() for c in cols], "days_observed": [int(w[c].notna().sum()) for c in cols]}
    ).set_index("signal")


def oos_forecast(frame: pd.DataFrame, p: pd.DataFrame, *, date: pd.Timestamp = FIT_END) -> pd.DataFrame:
    """What the models fitted on returns realised by ``date`` predicted at ``date``, per horizon.

    Model A: F&G + past 30-day return + 30-day volatility (2018 on).  Model B adds the four
    exhaustion signals (2021 on).  Also the plain event-study answer: the mean forward return and the
    share positive after F&G <= 10 episode starts.  Returns are log %.
    """
    x = asof_values(frame, p, date)["value"]
    specs = {"A": ["fng", *MODEL_CONTROLS], "B": ["fng", *EXHAUSTION, *MODEL_CONTROLS]}
    rows = []
    for h in HORIZONS:
        row: dict = {"h": h}
        for name, regs in specs.items():
            xv = _design(x.to_frame().T.astype(float), regs)
            xv = sm.add_constant(xv, has_constant="add")
            lg = fit_logit(frame, h, regs, end=date)
            row[f"p_up_{name}"] = float(np.asarray(lg.predict(xv))[0])
            for q in (0.1, 0.5, 0.9):
                qr = fit_quantreg(frame, h, regs, q, end=date)
                row[f"q{int(q * 100)}_{name}"] = float(np.asarray(qr.predict(xv))[0])
        ep = episodes(frame["fear_le_10"])
        starts = ep["start"][ep["start"] + pd.Timedelta(days=h) <= date]
        r = frame[f"fwd_{h}"].reindex(starts)
        row.update(
            n_fng10_episodes=int(r.notna().sum()), fng10_mean=float(r.mean()), fng10_share_up=float((r > 0).mean())
        )
        rows.append(row)
    return pd.DataFrame(rows).set_index("h")


def oos_realised(frame: pd.DataFrame, entry: pd.Timestamp = FIT_END) -> pd.DataFrame:
    """Realised forward log returns (%) and direction from ``entry``, per horizon."""
    r = {h: float(frame.loc[entry, f"fwd_{h}"]) for h in HORIZONS}
    return pd.DataFrame(
        {"h": list(r), "realised_log_pct": list(r.values()), "up": [v > 0 for v in r.values()]}
    ).set_index("h")


# --- estimates for the study registry (study/05_bottoming.yaml) ------------------------------------

#: the five signals BOTTOM.H3 counts: extreme fear and the four exhaustion signals
H3_SIGNALS = ("fear_le_10", *EXHAUSTION)
H3_LABELS = {
    "fear_le_10": "F&G ≤ 10",
    "oi_exhausted": "OI exhausted",
    "funding_negative": "funding < 0",
    "liq_spike": "liquidation spike",
    "deep_drawdown": "drawdown ≤ -30%",
}
#: the names of the robustness checks BOTTOM.H1.* and BOTTOM.H2.* require (study/05_bottoming.yaml)
CHECK_BOOT = "block-bootstrap interval above zero"
CHECK_EPISODES = "episode mean excess above zero"


def _boot_text(t: SignalTest) -> str:
    if np.isnan(t.boot_low):
        return "block bootstrap n/a: sample < 2 blocks"
    return f"block bootstrap {t.boot_low:.1f} to {t.boot_high:.1f}"


#: a signal test needs at least this many non-overlapping episodes to have a sampling interval
MIN_EPISODES = 2


def degenerate(t: SignalTest) -> str:
    """Why a :class:`SignalTest` has no usable sampling interval, or "" when it has one.

    Two cases: fewer than :data:`MIN_EPISODES` non-overlapping episodes (one episode is one draw, whatever the
    number of its days), or HAC lags (= the horizon) of at least half the observations (fewer than two
    non-overlapping forward windows fit in the sample, and the Newey-West variance with such a bandwidth is not
    an estimate of anything).
    """
    k = t.n_episodes_nonoverlap
    if k < MIN_EPISODES:
        return (
            f"{'one' if k == 1 else 'no'} non-overlapping episode{'' if k == 1 else 's'} of the signal with a "
            f"realised {t.h}-day return ({t.n_signal_days} signal days): no sampling interval"
        )
    if t.hac_lags >= t.n_days / 2:
        return (
            f"HAC lags ({t.hac_lags}, the {t.h}-day overlap) are at least half the {t.n_days} observations: "
            "no sampling interval"
        )
    return ""


def signal_estimate(t: SignalTest, *, what: str, sample: str) -> Estimate:
    """A :class:`SignalTest` as an Estimate: the HAC difference and CI, with the bootstrap and the episode
    test as named checks (a NaN bootstrap interval fails its check).

    A degenerate test (:func:`degenerate`) keeps its difference of means as a number but has no interval and no
    p-value, and says why in ``missing``: the rules read it as "cannot be checked", and it stays out of the
    Benjamini-Hochberg family."""
    episodes_text = (
        f"{t.n_signal_days} signal days in {t.n_episodes} episodes, {t.n_episodes_nonoverlap} non-overlapping"
    )
    checks = {CHECK_BOOT: bool(t.boot_low > 0), CHECK_EPISODES: bool(t.episode_mean_excess > 0)}
    why = degenerate(t)
    if why:
        return Estimate(
            value=t.diff,
            interval="none",
            n=t.n_days,
            unit="pp (log %)",
            sample=sample,
            method=f"{what}; difference of means only, HAC lags={t.hac_lags} on {t.n_days} days ({episodes_text})",
            checks=checks,
            missing=why,
        )
    return Estimate(
        value=t.diff,
        low=t.hac_low,
        high=t.hac_high,
        interval="95% CI",
        p=t.hac_p,
        n=t.n_days,
        unit="pp (log %)",
        sample=sample,
        method=(
            f"{what}; OLS on a dummy, HAC lags={t.hac_lags} ({_boot_text(t)}; {episodes_text}: mean excess "
            f"{t.episode_mean_excess:.1f} pp, p {t.episode_p:.2f})"
        ),
        checks=checks,
    )


def h3_count(frame: pd.DataFrame, window: pd.DatetimeIndex = AS_OF_WINDOW) -> Estimate:
    """BOTTOM.H3: how many of :data:`H3_SIGNALS` fired on some day of ``window`` (never observed = not fired).

    ``readings`` hold each signal per as-of day (1 fired, 0 not, NaN not observed)."""
    w = frame.reindex(window)
    fired = {c: float(w[c].max()) for c in H3_SIGNALS}
    n = int(sum(v == 1 for v in fired.values()))
    same_day = int((w[list(H3_SIGNALS)] == 1).sum(axis=1).max())

    def state(v: float) -> str:
        return "not observed" if np.isnan(v) else ("yes" if v == 1 else "no")

    return Estimate(
        value=float(n),
        interval="none",
        n=len(window),
        unit=f"signals of {len(H3_SIGNALS)}",
        sample=f"{window[0].date()} to {window[-1].date()}, any day",
        method="signals firing on any as-of day: "
        + ", ".join(f"{H3_LABELS[c]} {state(v)}" for c, v in fired.items())
        + f"; at most {same_day} on any one day",
        readings={c: {f"{d:%Y-%m-%d}": w.loc[d, c] for d in window} for c in H3_SIGNALS},
        text=f"{n} of {len(H3_SIGNALS)} fired",
    )


def estimates(p: pd.DataFrame) -> dict[str, Estimate]:
    """One :class:`~unwind.study.Estimate` per hypothesis registered in ``study/05_bottoming.yaml``.

    BOTTOM.H1.<h>d and BOTTOM.H2.<h>d: :func:`signal_forward_test` on returns realised by :data:`FIT_END`;
    BOTTOM.H3: :func:`h3_count`.  The stories BOTTOM.H1 and BOTTOM.H2 are composites decided from their parts;
    the article's call ("potential cyclical bottom") is ledger claim C18, estimated by the claims chapter with
    :func:`is_bottom`.
    """
    frame = signal_frame(p)
    out: dict[str, Estimate] = {}
    for h in HORIZONS:
        last = (FIT_END - pd.Timedelta(days=h)).date()
        t = signal_forward_test(frame, "fear_le_10", h)
        out[f"BOTTOM.H1.{h}d"] = signal_estimate(
            t,
            what=f"mean {h}-day forward log return, F&G ≤ 10 days minus other days",
            sample=f"2018-02-01 to {last} (entry days)",
        )
    for h in HORIZONS:
        last = (FIT_END - pd.Timedelta(days=h)).date()
        t = signal_forward_test(frame, "exhausted_2plus", h, mask=frame["fear_le_25"] == 1)
        out[f"BOTTOM.H2.{h}d"] = signal_estimate(
            t,
            what=f"F&G ≤ 25 days: mean {h}-day forward log return with ≥ 2 of 4 exhaustion signals minus fewer",
            sample=f"F&G ≤ 25 days with all four signals observed, to {last} (entry days)",
        )
    out["BOTTOM.H3"] = h3_count(frame)
    return out
