"""ETF flows chapter: do US spot BTC ETF flows move the price, or follow it?

Timing rule (METHODS.md): the net flow of U.S. trading day t is decided by
creation/redemption orders placed before the U.S. close of t and published
after it (issuers and Farside report in the evening of t or the morning of
t+1).  BTC returns here run from one U.S. close (16:00 New York, Binance
BTCUSDT spot) to the next, so

* ``r_cc`` (t)      = close(t-1) -> close(t): the same session as the flow (association only);
* ``r_next`` (t+1)  = close(t) -> close(t+1): the first return after the flow is decided;
* ``r_next2`` (t+2) = close(t+1) -> close(t+2): starts after the flow is certainly published.

All frames built here are indexed by U.S. trading day; no price is ever
forward-filled.  Flows are Farside up to its last day (2026-04-10) and
cryptoetf.today after it; the two agree on their overlap (see
:func:`source_overlap`), and every row says which source it uses.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import statsmodels.api as sm
from scipy import stats as sps

from . import config, stats
from .panel import US_CLOSE_TZ
from .sources.base import nyse_close_utc
from .study import Estimate, registry

TAG = "etf"
FARSIDE_END = pd.Timestamp("2026-04-10")
#: the in-sample window of the chapter's tests (H1, H2, same day), fixed before any estimate; chapter-only.  It is
#: *not* the out-of-sample split: that is the book's ``fit_end`` (:data:`FIT_END`).
IS_START, IS_END = pd.Timestamp("2024-01-01"), pd.Timestamp("2025-10-31")
#: the out-of-sample split of the book (study/book.yaml ``fit_end``): fit up to it, judge from the next day
FIT_END = registry.date("fit_end")
OOS_START, OOS_END = FIT_END + pd.Timedelta(days=1), pd.Timestamp("2026-10-02")
#: the article's "late October" and "early November" (study/book.yaml named windows)
LATE_OCT = registry.window("late_october")
EARLY_NOV = registry.window("early_november")
EPISODE = (pd.Timestamp("2025-10-01"), pd.Timestamp("2026-03-31"))
#: the drawdown the article describes: the October 6 high -> the last of the article's possible as-of days
PRICE_MOVE = (registry.date("oct6_high"), registry.book().as_of_window[-1])
#: robustness: from the start of the article's "late October" to the same end
PRICE_MOVE_LATE = (LATE_OCT[0], PRICE_MOVE[1])
#: the ids this chapter estimates (registered in study/03_etf_flows.yaml); stories are decided from them
IDS = (
    "ETF.same",
    "ETF.H1.next",
    "ETF.H1.var",
    "ETF.H1.oos",
    "ETF.H2.next",
    "ETF.H2.var",
    "ETF.H3.late",
    "ETF.H3.move",
    "ETF.nov.rank",
)
SESSION_OPEN_NY = 10  # first full Binance hourly bar after the 09:30 open starts at 10:00 New York
ROLL_WINDOW = 120


# --------------------------------------------------------------------------- data
def timing_table() -> pd.DataFrame:
    """The timing rule as a small table: what is known when, and which regression uses it."""
    rows = [
        ("flow(t)", "orders before 16:00 NY on t; published evening t / morning t+1", "-", "the regressor"),
        (
            "r_cc(t)",
            "16:00 NY t-1 -> 16:00 NY t",
            "same session as the flow",
            "contemporaneous elasticity (association, not cause)",
        ),
        ("r_overnight(t+1)", "16:00 NY t -> 10:00 NY t+1", "after the flow is decided", "split of r_next"),
        ("r_session(t+1)", "10:00 NY t+1 -> 16:00 NY t+1", "after the flow is published", "split of r_next"),
        (
            "r_next(t+1)",
            "16:00 NY t -> 16:00 NY t+1",
            "after the flow is decided",
            "H1 predictive, out of sample, local projections",
        ),
        (
            "r_next2(t+2)",
            "16:00 NY t+1 -> 16:00 NY t+2",
            "after the flow is published",
            "H1 strict (no possible look-ahead)",
        ),
        ("flow(t+1)", "orders before 16:00 NY t+1", "after r_cc(t) is known", "H2 performance chasing"),
    ]
    return pd.DataFrame(rows, columns=["quantity", "window / when known", "relative to flow(t)", "used for"])


def source_overlap(farside: pd.DataFrame, cetf: pd.DataFrame, funds: tuple[str, ...]) -> pd.DataFrame:
    """Cell-by-cell agreement of two per-fund flow tables on their shared days.

    Returns one row per differing cell (date, column, both values), with the
    counts in ``.attrs``: ``n_days`` shared, ``n_cells`` compared, ``n_equal``.
    Empty cells count as 0 (Farside writes "-" where a fund had no flow).
    """
    cols = [*funds, "total_usd_m"]
    shared = farside.index.intersection(cetf.index)
    a = farside.loc[shared, cols].fillna(0.0)
    b = cetf.loc[shared, cols].fillna(0.0)
    diff = (a - b).abs() > 0.05
    rows = [
        {"date": shared[i], "column": cols[j], "farside_usd_m": a.iat[i, j], "cryptoetf_usd_m": b.iat[i, j]}
        for i, j in zip(*np.nonzero(diff.to_numpy()), strict=True)
    ]
    out = pd.DataFrame(rows, columns=["date", "column", "farside_usd_m", "cryptoetf_usd_m"])
    out.attrs.update(
        n_days=len(shared),
        n_cells=int(diff.size),
        n_equal=int((~diff).to_numpy().sum()),
        first=shared.min(),
        last=shared.max(),
    )
    return out


def intraday_split(
    hourly: pd.DataFrame, days: pd.DatetimeIndex, *, open_hour_ny: int = SESSION_OPEN_NY
) -> pd.DataFrame:
    """BTC price at ``open_hour_ny``:00 New York and at the NYSE close on each day, and the session/overnight split.

    ``hourly`` is Binance 1h klines indexed by bar open (UTC).  The price at a
    time is the close of the bar that ends then.  The close is the session's
    actual close from the XNYS calendar: 16:00 New York, 13:00 on early-close
    days (NaN on a day that is not a session).  ``r_overnight`` runs from the
    previous listed day's close to this day's open hour, ``r_session`` from the
    open hour to the close; their sum is the close-to-close log return (percent).
    """
    days = pd.DatetimeIndex(days)

    def price(t_utc: pd.DatetimeIndex) -> np.ndarray:
        return hourly["close_usdt"].reindex(t_utc - pd.Timedelta(hours=1)).to_numpy()

    t_open = (days.tz_localize(US_CLOSE_TZ) + pd.Timedelta(hours=open_hour_ny)).tz_convert("UTC")
    out = pd.DataFrame({"px_open": price(t_open), "px_close": price(nyse_close_utc(days))}, index=days)
    out["r_overnight"] = 100 * np.log(out["px_open"] / out["px_close"].shift(1))
    out["r_session"] = 100 * np.log(out["px_close"] / out["px_open"])
    return out


def extend_aum(aum: pd.Series, flow_usd_m: pd.Series, price: pd.Series) -> pd.Series:
    """AUM (USD) after its last observation, rolled forward: AUM(t) = AUM(t-1) x P(t)/P(t-1) + flow(t).

    ``aum`` is observed up to some day; ``flow_usd_m`` and ``price`` are on the
    days to roll over (any index).  Days before the last observation keep the
    observed value; a day without a price gives NaN from there on.
    """
    obs = aum.dropna()
    last = obs.index.max()
    out = aum.copy().astype(float)
    level, p_prev = float(obs.iloc[-1]), float(price.get(last, np.nan))
    for d in flow_usd_m.index[flow_usd_m.index > last]:
        p = float(price.get(d, np.nan))
        level = level * p / p_prev + 1e6 * float(flow_usd_m[d])
        out.loc[d] = level
        p_prev = p
    return out.sort_index()


def daily_frame(p: pd.DataFrame, hourly: pd.DataFrame | None = None) -> pd.DataFrame:
    """U.S.-trading-day frame for this chapter (see module docstring for the timing).

    Columns: ``flow_usd_m`` / ``flow_bn`` (Farside to 2026-04-10, cryptoetf.today
    after; ``flow_source`` says which), ``flow_pct_aum`` (flow / previous
    trading day's AUM; Artemis AUM, rolled forward by :func:`extend_aum` after
    2026-04-14), ``ibit_usd_m``, ``gbtc_usd_m``, ``r_cc``, ``r_next``,
    ``r_next2``, ``flow_next``, ``r_utc_next`` (Binance UTC-day return of the
    calendar day after t, the robustness clock for days before 1h data exist)
    and, with ``hourly``, ``r_overnight_next`` / ``r_session_next``.
    """
    far, cetf = p["etf_btc_flow_usd_m"], p["etf_btc_flow_cetf_usd_m"]
    flow = far.where(far.index <= FARSIDE_END).combine_first(cetf.where(cetf.index > FARSIDE_END))
    days = flow.dropna().index.union(p["btc_usclose_usdt"].dropna().index)
    d = pd.DataFrame(index=days)
    d["flow_usd_m"] = flow.reindex(days)
    d["flow_source"] = np.where(d.index <= FARSIDE_END, "Farside", "cryptoetf.today")
    d.loc[d["flow_usd_m"].isna(), "flow_source"] = "none"
    d["flow_bn"] = d["flow_usd_m"] / 1000
    d["ibit_usd_m"] = p["etf_ibit_flow_usd_m"].reindex(days)
    d["gbtc_usd_m"] = p["etf_gbtc_flow_usd_m"].reindex(days)
    price = p["btc_usclose_usdt"].reindex(days).fillna(p["btc_binance_close_usdt"].reindex(days))
    aum = extend_aum(p["etf_btc_aum_usd"].reindex(days), d["flow_usd_m"].dropna(), price)
    d["aum_usd"] = aum
    d["aum_source"] = np.where(d.index <= p["etf_btc_aum_usd"].dropna().index.max(), "Artemis", "rolled forward")
    d["flow_pct_aum"] = 100 * d["flow_usd_m"] * 1e6 / d["aum_usd"].shift(1)
    d["btc_usclose_usdt"] = p["btc_usclose_usdt"].reindex(days)
    d["r_cc"] = p["btc_usclose_return_pct"].reindex(days)
    d["r_next"] = d["r_cc"].shift(-1)
    d["r_next2"] = d["r_cc"].shift(-2)
    d["r_prev"] = d["r_cc"].shift(1)
    d["flow_next"] = d["flow_usd_m"].shift(-1)
    d["flow_prev_bn"] = d["flow_bn"].shift(1)
    utc = 100 * np.log(p["btc_binance_close_usdt"]).diff()
    d["r_utc_next"] = utc.shift(-1).reindex(days)
    d["r_utc_same"] = utc.reindex(days)
    if hourly is not None:
        split = intraday_split(hourly, days)
        d["r_overnight_next"] = split["r_overnight"].shift(-1)
        d["r_session_next"] = split["r_session"].shift(-1)
    return d


# --------------------------------------------------------------------------- estimates
@dataclass
class Slope:
    """One HAC slope: estimate, 95 % interval, p-value, sample size and HAC lags."""

    beta: float
    ci_low: float
    ci_high: float
    p_value: float
    n: int
    hac_lags: int
    r2: float

    def row(self) -> dict[str, float]:
        return {
            "beta": self.beta,
            "ci_low": self.ci_low,
            "ci_high": self.ci_high,
            "p_value": self.p_value,
            "n": self.n,
            "hac_lags": self.hac_lags,
            "r2": self.r2,
        }


def hac_slope(d: pd.DataFrame, y: str, x: str, controls: tuple[str, ...] = (), maxlags: int | None = None) -> Slope:
    """HAC (Newey-West) OLS of ``d[y]`` on ``d[x]`` (+ controls); returns the slope on ``x``."""
    res = stats.hac_ols(d[y], d[[x, *controls]], maxlags)
    lo, hi = res.conf_int().loc[x]
    return Slope(
        float(res.params[x]),
        float(lo),
        float(hi),
        float(res.pvalues[x]),
        int(res.nobs),
        int(res.hac_lags),
        float(res.rsquared),
    )


def regressions(d: pd.DataFrame) -> pd.DataFrame:
    """The chapter's HAC regressions, one row each (slope on the first regressor).

    Units: returns in % (log), flows in $ bn or % of AUM; H2 in US$ m of next-day
    flow per 1 % same-day return.
    """
    spec = {
        "same-day: r_cc(t) on flow(t) $bn [association]": ("r_cc", "flow_bn", ()),
        "H1 next-day: r_next(t+1) on flow(t) $bn, ctrl r_cc(t)": ("r_next", "flow_bn", ("r_cc",)),
        "H1 next-day, no control": ("r_next", "flow_bn", ()),
        "H1 strict: r_next2(t+2) on flow(t) $bn, ctrl r_cc(t), r_next(t+1)": ("r_next2", "flow_bn", ("r_cc", "r_next")),
        "H1 overnight: 16:00 t -> 10:00 t+1 on flow(t) $bn": ("r_overnight_next", "flow_bn", ("r_cc",)),
        "H1 U.S. session: 10:00 -> 16:00 t+1 on flow(t) $bn": ("r_session_next", "flow_bn", ("r_cc",)),
        "UTC clock, same day: UTC day t on flow(t) $bn": ("r_utc_same", "flow_bn", ()),
        "UTC clock, next day: UTC day t+1 on flow(t) $bn, ctrl UTC day t": ("r_utc_next", "flow_bn", ("r_utc_same",)),
        "same-day: r_cc(t) on flow(t) % AUM [association]": ("r_cc", "flow_pct_aum", ()),
        "H1 next-day: r_next(t+1) on flow(t) % AUM, ctrl r_cc(t)": ("r_next", "flow_pct_aum", ("r_cc",)),
        "H2: flow(t+1) $m on r_cc(t), ctrl flow(t)": ("flow_next", "r_cc", ("flow_usd_m",)),
    }
    rows = []
    for name, (y, x, ctrl) in spec.items():
        if y not in d:
            continue
        rows.append({"regression": name, **hac_slope(d, y, x, ctrl).row()})
    return pd.DataFrame(rows).set_index("regression")


def spurious_levels(d: pd.DataFrame, *, n_sim: int = 1000, seed: int = config.SEED) -> dict[str, float]:
    """Why levels-on-levels R² means nothing here.

    Fits BTC price (U.S. close) on cumulative ETF flows (levels), the same in
    first differences (log return on daily flow), and simulates ``n_sim`` pairs
    of *independent* Gaussian random walks of the same length: the share whose
    levels regression has |t| > 1.96 and their median R².
    """
    s = d[["btc_usclose_usdt", "flow_bn"]].dropna()
    cum = s["flow_bn"].cumsum()
    lev = sm.OLS(s["btc_usclose_usdt"], sm.add_constant(cum)).fit()
    dif = sm.OLS(100 * np.log(s["btc_usclose_usdt"]).diff().iloc[1:], sm.add_constant(s["flow_bn"].iloc[1:])).fit()
    rng = np.random.default_rng(seed)
    n = len(s)
    r2, sig = np.empty(n_sim), np.empty(n_sim, dtype=bool)
    for i in range(n_sim):
        a, b = rng.standard_normal((2, n)).cumsum(axis=1)
        f = sm.OLS(a, sm.add_constant(b)).fit()
        r2[i], sig[i] = f.rsquared, abs(f.tvalues[1]) > 1.96
    from statsmodels.stats.stattools import durbin_watson

    return {
        "n": n,
        "levels_r2": float(lev.rsquared),
        "levels_dw": float(durbin_watson(lev.resid)),
        "diff_r2": float(dif.rsquared),
        "sim_share_significant": float(sig.mean()),
        "sim_median_r2": float(np.median(r2)),
    }


def var_tests(d: pd.DataFrame, *, maxlags: int = 10) -> tuple[stats.VarResult, pd.DataFrame]:
    """Stationarity of r_cc and flow % AUM, then a VAR (AIC lag order) with Wald causality both ways."""
    data = d[["r_cc", "flow_pct_aum"]].dropna()
    st = pd.DataFrame({c: stats.stationarity(data[c]) for c in data.columns}).T
    res = stats.var_granger(data, maxlags=maxlags, ic="aic")
    return res, st


def robust_granger(d: pd.DataFrame, y: str, x: str, lags: int) -> dict[str, float]:
    """HAC OLS of y(t) on lags 1..L of y and x; Wald test that all L lags of x are zero, and the sum of those
    L coefficients with its 95 % HAC interval (``sum``, ``ci_low``, ``ci_high``)."""
    X = pd.concat({f"{c}_l{k}": d[c].shift(k) for c in (y, x) for k in range(1, lags + 1)}, axis=1)
    res = stats.hac_ols(d[y], X)
    names = [f"{x}_l{k}" for k in range(1, lags + 1)]
    w = res.wald_test(", ".join(f"{nm} = 0" for nm in names), scalar=True)
    # the net (summed) lag effect and its HAC interval: the sign a Wald p-value alone does not give
    t = res.t_test(" + ".join(names) + " = 0")
    lo, hi = (float(v) for v in np.asarray(t.conf_int()).ravel())
    return {
        "stat": float(w.statistic),
        "p_value": float(w.pvalue),
        "n": int(res.nobs),
        "hac_lags": res.hac_lags,
        "sum": float(np.asarray(t.effect).ravel()[0]),
        "ci_low": lo,
        "ci_high": hi,
    }


def lp_returns(d: pd.DataFrame, horizons: int = 10) -> pd.DataFrame:
    """Local projections: cumulative return r(t+1..t+h) (%) on flow(t) ($ bn), controls r_cc(t), r_cc(t-1), flow(t-1).

    Uses :func:`stats.local_projections` on the return led by one day, so
    horizon ``h`` here is the sum of the ``h`` returns after the flow is decided.
    """
    ctrl = d[["r_cc", "r_prev", "flow_prev_bn"]]
    lp = stats.local_projections(d["r_next"], d["flow_bn"], range(horizons), controls=ctrl)
    lp.index = lp.index + 1
    return lp


def pairs_block_bootstrap_slope(
    d: pd.DataFrame,
    y: str,
    x: str,
    controls: tuple[str, ...] = (),
    *,
    block: int = 10,
    n_boot: int = 999,
    seed: int = config.SEED,
) -> tuple[float, float]:
    """95 % block-bootstrap percentile interval for the OLS slope on ``x`` (rows resampled in blocks).

    :func:`unwind.stats.block_bootstrap` (stationary bootstrap) with ``block`` as the floor of the mean block
    length, which is otherwise the Politis-White optimal length of the columns.
    """
    data = d[[y, x, *controls]].dropna().to_numpy()

    def slope(v: np.ndarray) -> float:
        X = np.column_stack([np.ones(len(v)), v[:, 1:]])
        return np.linalg.lstsq(X, v[:, 0], rcond=None)[0][1]

    lo, hi = stats.block_bootstrap(slope, data, n_boot=n_boot, min_block=block, seed=seed).interval(0.05)
    return float(lo), float(hi)


def lp_cumulative_forward(d: pd.DataFrame, h: int) -> pd.Series:
    """Sum of the ``h`` U.S.-close returns after day t: r(t+1) + ... + r(t+h)."""
    return sum(d["r_cc"].shift(-k) for k in range(1, h + 1))


def rolling_slopes(d: pd.DataFrame, window: int = ROLL_WINDOW, step: int = 5) -> pd.DataFrame:
    """Rolling HAC slopes (every ``step`` trading days) of same-day and next-day returns on flow ($ bn)."""
    s = d[["r_cc", "r_next", "flow_bn"]].dropna()
    rows = []
    for end in range(window, len(s) + 1, step):
        w = s.iloc[end - window : end]
        for label, y in (("same day r_cc(t)", "r_cc"), ("next day r_next(t+1)", "r_next")):
            sl = hac_slope(w, y, "flow_bn")
            rows.append(
                {"date": w.index[-1], "relation": label, "beta": sl.beta, "ci_low": sl.ci_low, "ci_high": sl.ci_high}
            )
    return pd.DataFrame(rows)


# --------------------------------------------------------------------------- out of sample
def oos_forecast(
    d: pd.DataFrame,
    *,
    is_end: pd.Timestamp = FIT_END,
    oos_start: pd.Timestamp = OOS_START,
    y: str = "r_next",
    x: str = "flow_bn",
) -> dict[str, float]:
    """Fit y on x (HAC) up to ``is_end``; forecast y = beta * x from ``oos_start`` and judge it against zero.

    The forecast uses the in-sample slope only (no intercept: the drift of a bull
    market is not what the flow claim is about).  Returns OOS R² vs the zero
    forecast, a Diebold-Mariano test (HAC t-test of the mean squared-error gain,
    one-sided: the flow forecast is better), the sign hit rate and its one-sided
    binomial p-value, the OOS R² with the in-sample intercept included, and the
    daily squared-error gain series ``gain`` (zero forecast minus flow forecast).
    """
    s = d[[y, x]].dropna()
    ins, oos = s.loc[:is_end], s.loc[oos_start:]
    fit = hac_slope(ins, y, x)
    res = stats.hac_ols(ins[y], ins[x])
    f = fit.beta * oos[x]
    f_int = res.params["const"] + f
    e0, e1, e2 = oos[y] ** 2, (oos[y] - f) ** 2, (oos[y] - f_int) ** 2
    gain = (e0 - e1).rename("gain")
    dm = stats.hac_ols(gain, pd.Series(1.0, index=gain.index, name="one"), const=False)
    t = float(dm.tvalues.iloc[0])
    gain_lo, gain_hi = dm.conf_int().iloc[0]  # OOS R² = mean gain / mean e0, so its interval scales the same
    nz = (f != 0) & (oos[y] != 0)
    hits = int((np.sign(f[nz]) == np.sign(oos[y][nz])).sum())
    n_sign = int(nz.sum())
    return {
        "beta_is": fit.beta,
        "beta_is_low": fit.ci_low,
        "beta_is_high": fit.ci_high,
        "n_is": fit.n,
        "n_oos": len(oos),
        "oos_r2": float(1 - e1.sum() / e0.sum()),
        "oos_r2_low": float(gain_lo / e0.mean()),
        "oos_r2_high": float(gain_hi / e0.mean()),
        "oos_r2_with_intercept": float(1 - e2.sum() / e0.sum()),
        "dm_t": t,
        "dm_p": float(sps.norm.sf(t)),
        "hits": hits,
        "n_sign": n_sign,
        "hit_rate": hits / n_sign,
        "hit_p": float(sps.binomtest(hits, n_sign, 0.5, alternative="greater").pvalue),
        "oos_first": oos.index.min(),
        "oos_last": oos.index.max(),
        "gain": gain,
    }


def oos_beta(d: pd.DataFrame, y: str = "r_next", x: str = "flow_bn") -> Slope:
    """The same HAC slope re-estimated on the out-of-sample period alone (after :data:`FIT_END`)."""
    return hac_slope(d.loc[OOS_START:], y, x)


# --------------------------------------------------------------------------- episode
def window_sum_percentile(flow: pd.Series, start: pd.Timestamp, end: pd.Timestamp) -> dict[str, float]:
    """Sum of ``flow`` over [start, end] and where it sits among all rolling sums of the same length.

    The length is the number of observed (trading) days in the window; rolling
    sums use the whole series (overlapping windows).  ``share_as_low`` is the
    fraction of windows whose sum is <= the target sum (an empirical p-value for
    "this outflow was unusually large"); ``rank_pct`` = 100 x that share.
    """
    s = flow.dropna()
    target = s.loc[start:end]
    n = len(target)
    total = float(target.sum())
    roll = s.rolling(n).sum().dropna()
    share = float((roll <= total + 1e-9).mean())
    return {
        "sum": total,
        "n_days": n,
        "n_windows": len(roll),
        "share_as_low": share,
        "rank_pct": 100 * share,
        "min_sum": float(roll.min()),
        "min_end": roll.idxmin(),
    }


def fund_groups(farside: pd.DataFrame) -> pd.DataFrame:
    """Daily flows (US$ m) in three groups: IBIT, GBTC and all other funds (incl. Grayscale's mini trust)."""
    f = farside.drop(columns="total_usd_m").fillna(0.0)
    out = pd.DataFrame({"IBIT": f["IBIT"], "GBTC": f["GBTC"]})
    out["rest"] = f.drop(columns=["IBIT", "GBTC"]).sum(axis=1)
    return out


def weekly_totals(flow_usd_m: pd.Series) -> pd.Series:
    """Mon-Fri sums (US$ m), labelled by the Monday of each week."""
    s = flow_usd_m.dropna()
    return s.groupby(s.index.to_period("W-SUN").start_time).sum()


def implied_share_of_move(d: pd.DataFrame, start: pd.Timestamp, end: pd.Timestamp, beta: Slope) -> dict[str, float]:
    """Price move over (start, end] (sum of U.S.-close log returns, %) vs beta x cumulative flow ($ bn).

    ``beta`` is the same-day elasticity (% per $1bn, an upper bound on any causal
    effect since it includes reverse causation); the share is implied / actual.
    """
    w = d.loc[start:end].iloc[1:]  # returns after the start close
    flow = float(w["flow_bn"].sum())
    move = float(w["r_cc"].sum())
    imp = beta.beta * flow
    return {
        "flow_bn": flow,
        "move_pct": move,
        "implied_pct": imp,
        "implied_low": beta.ci_low * flow,
        "implied_high": beta.ci_high * flow,
        "share": imp / move,
        "share_low": beta.ci_low * flow / move,
        "share_high": beta.ci_high * flow / move,
        "n_days": len(w),
    }


# --------------------------------------------------------------------------- CME basis angle
def cme_vs_flows(cme: pd.DataFrame, d: pd.DataFrame) -> pd.DataFrame:
    """Weekly change in CME BTC futures OI (BTC) and ETF net flow (BTC) over the same Wed-Tue week.

    CFTC positions are as of Tuesday; the ETF flow of each week is summed over
    the trading days after the previous report date up to this one and turned
    into BTC at each day's U.S.-close price.  Also returns asset-manager and
    leveraged-fund net positions' changes (the basis-trade legs).
    """
    c = cme.copy()
    c["d_oi_btc"] = c["open_interest_btc"].diff()
    c["d_lev_net_btc"] = 5 * (c["lev_money_long"] - c["lev_money_short"]).diff()
    flow_btc = (d["flow_usd_m"] * 1e6 / d["btc_usclose_usdt"]).dropna()
    edges = c.index
    lab = pd.Series(edges.searchsorted(flow_btc.index, side="left"), index=flow_btc.index)
    ok = (lab > 0) & (lab < len(edges))
    wk = flow_btc[ok].groupby(edges[lab[ok]]).sum()
    c["etf_flow_btc"] = wk
    return c[["d_oi_btc", "d_lev_net_btc", "etf_flow_btc"]].dropna()


# --------------------------------------------------------------------------- estimates for the registry
def analysis(p: pd.DataFrame) -> dict[str, object]:
    """Everything :func:`estimates` and the notebook's verdict numbers need, computed once (no hourly data)."""
    d = daily_frame(p)
    ins = d.loc[IS_START:IS_END]
    same = hac_slope(ins, "r_cc", "flow_bn")
    nxt = hac_slope(ins, "r_next", "flow_bn", ("r_cc",))
    strict = hac_slope(ins, "r_next2", "flow_bn", ("r_cc", "r_next"))
    h2 = hac_slope(ins, "flow_next", "r_cc", ("flow_usd_m",))
    oos = oos_forecast(d)
    late = window_sum_percentile(d["flow_usd_m"].loc[: LATE_OCT[1]], *LATE_OCT)
    nov = window_sum_percentile(d["flow_usd_m"].loc[: EARLY_NOV[1]], *EARLY_NOV)
    move = implied_share_of_move(d, *PRICE_MOVE, same)
    move_late = implied_share_of_move(d, *PRICE_MOVE_LATE, same)
    var, station = var_tests(ins)
    return {
        "d": d,
        "same": same,
        "next": nxt,
        "strict": strict,
        "h2": h2,
        "oos": oos,
        "late_oct": late,
        "early_nov": nov,
        "move": move,
        "move_late": move_late,
        "var": var,
        "stationarity": station,
    }


def var_row(var: stats.VarResult, caused: str, causing: str) -> dict[str, float]:
    """One direction of the VAR: Wald p, and the summed lag coefficients with their Wald 95 % interval."""
    caus = var.causality.set_index(["caused", "causing"])["p_value"]
    est, lo, hi = stats.var_lag_sum(var, caused, causing)
    lags = {k: float(var.model.params.loc[f"L{k}.{causing}", caused]) for k in range(1, var.lag_order + 1)}
    return {"p_value": float(caus[(caused, causing)]), "sum": est, "ci_low": lo, "ci_high": hi, "lags": lags}


def slope_estimate(s: Slope, unit: str, sample: str, method: str) -> Estimate:
    """The Estimate of a HAC slope (95 % CI, p, n; the method names its HAC lags)."""
    return Estimate(
        value=s.beta,
        low=s.ci_low,
        high=s.ci_high,
        interval="95% CI",
        p=s.p_value,
        n=s.n,
        unit=unit,
        sample=sample,
        method=f"{method}; HAC lags {s.hac_lags}",
    )


def _rank_estimate(w: dict[str, float], start: pd.Timestamp, end: pd.Timestamp, hist_start: pd.Timestamp) -> Estimate:
    return Estimate(
        value=100 * w["share_as_low"],
        unit=f"% of {w['n_days']}-day windows as low",
        n=w["n_windows"],
        sample=f"{start:%Y-%m-%d}..{end:%Y-%m-%d} vs every {w['n_days']}-trading-day sum "
        f"{hist_start:%Y-%m-%d}..{end:%Y-%m-%d}",
        method=f"rank of the {w['n_days']}-trading-day net-flow sum among all rolling sums as long",
        text=f"net flow {w['sum'] / 1000:+.2f} US$ bn; {100 * w['share_as_low']:.1f} % of "
        f"{w['n_windows']} windows as low or lower",
    )


def estimates(p: pd.DataFrame, a: dict[str, object] | None = None) -> dict[str, Estimate]:
    """One :class:`~unwind.study.Estimate` per id of ``study/03_etf_flows.yaml`` (stories are decided from these).

    Signed rows carry the signed estimate and its 95 % CI; the VAR rows carry the sum of the lag coefficients with
    its Wald interval and the Wald p; the window ranks are empirical ranks in % (no p-value).
    """
    a = a or analysis(p)
    d, same, nxt, h2, oos, var = (a[k] for k in ("d", "same", "next", "h2", "oos", "var"))
    first = d.loc[IS_START:IS_END, ["r_cc", "flow_bn"]].dropna().index.min()
    isamp = f"U.S. trading days {first:%Y-%m-%d}..{IS_END:%Y-%m-%d}"
    vsamp = f"{isamp}; VAR({var.lag_order}) by AIC"
    f2r, r2f = var_row(var, "r_cc", "flow_pct_aum"), var_row(var, "flow_pct_aum", "r_cc")
    flow_first = d["flow_usd_m"].dropna().index.min()
    oos_fit_first = d[["r_next", "flow_bn"]].dropna().index.min()
    mv = a["move"]

    def var_est(v: dict, unit: str, method: str) -> Estimate:
        lags = ", ".join(f"L{k} {b:+.3g}" for k, b in v["lags"].items())
        return Estimate(
            value=v["sum"],
            low=v["ci_low"],
            high=v["ci_high"],
            interval="95% CI",
            p=v["p_value"],
            n=var.n,
            unit=unit,
            sample=vsamp,
            method=method,
            text=f"lag coefficients {lags}",
        )

    return {
        "ETF.same": slope_estimate(same, "% per US$ 1 bn", isamp, "HAC OLS r(t) on flow(t)"),
        "ETF.H1.next": slope_estimate(nxt, "% per US$ 1 bn", isamp, "HAC OLS r(t+1) on flow(t), control r(t)"),
        "ETF.H1.var": var_est(
            f2r, "% return per 1 % of AUM (summed lags)", "VAR Wald flow -> return; sum of lag coefficients, Wald CI"
        ),
        "ETF.H1.oos": Estimate(
            value=100 * oos["oos_r2"],
            low=100 * oos["oos_r2_low"],
            high=100 * oos["oos_r2_high"],
            interval="95% CI",
            p=oos["dm_p"],
            n=oos["n_oos"],
            unit="% out-of-sample R²",
            sample=f"fit {oos_fit_first:%Y-%m-%d}..{FIT_END:%Y-%m-%d}; judged {oos['oos_first']:%Y-%m-%d}.."
            f"{oos['oos_last']:%Y-%m-%d}",
            method="R² of beta x flow(t) vs a zero forecast; CI from the HAC mean squared-error gain; "
            "one-sided Diebold-Mariano p",
        ),
        "ETF.H2.next": slope_estimate(h2, "US$ m per 1 % return", isamp, "HAC OLS flow(t+1) on r(t), control flow(t)"),
        "ETF.H2.var": var_est(
            r2f, "% of AUM per 1 % return (summed lags)", "VAR Wald return -> flow; sum of lag coefficients, Wald CI"
        ),
        "ETF.H3.late": _rank_estimate(a["late_oct"], *LATE_OCT, flow_first),
        "ETF.H3.move": Estimate(
            value=100 * mv["share"],
            low=100 * mv["share_low"],
            high=100 * mv["share_high"],
            interval="95% CI",
            n=mv["n_days"],
            unit="% of the price move",
            sample=f"{PRICE_MOVE[0]:%Y-%m-%d}..{PRICE_MOVE[1]:%Y-%m-%d}",
            method="same-day slope x cumulative flow / summed returns (upper bound); CI from the slope's CI",
            text=f"net flow {mv['flow_bn']:+.2f} US$ bn; move {mv['move_pct']:+.1f} %; "
            f"implied {mv['implied_pct']:+.1f} %",
        ),
        "ETF.nov.rank": _rank_estimate(a["early_nov"], *EARLY_NOV, flow_first),
    }
