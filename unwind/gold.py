"""Chapter "gold": did Bitcoin decouple from gold, its "strongest macro pair", after 2025-10-10?

Everything the chapter measures lives here; the notebook only calls these
functions and shows the results.

Clock.  BTC trades around the clock, gold futures, indices, the dollar index
and Treasury yields on U.S. business days.  When BTC is paired with a U.S.
asset it is sampled at the U.S. equity close: the Binance BTCUSDT price at
16:00 New York (``btc_usclose_usdt``, 2024-04-16 -> 2026-07-24; 13:00 on the NYSE's early-close
days, from the XNYS calendar, where "16:00" below is the session's close).  Outside that
range the Yahoo UTC-day close is used instead, which is taken at 00:00 UTC of
the next day = 20:00 New York in summer (EDT) and 19:00 in winter (EST), i.e.
3-4 h after the U.S. close.  The two clocks are never mixed inside a return:
a return whose two ends use different clocks is dropped.

Alignment.  A pair's returns are log changes between consecutive days on
which *both* BTC and the asset have an observation, so a Friday -> Monday
asset return is matched with BTC's Friday 16:00 -> Monday 16:00 return, and a
U.S. holiday is spanned by both legs.  Nothing is forward-filled.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import statsmodels.api as sm
from scipy import stats as sps
from statsmodels.stats.diagnostic import breaks_cusumolsresid

from . import config
from . import stats as st
from .events import AS_OF_WINDOW, CRASH, FIT_END, OCT6_HIGH
from .study import Estimate

TAG = "gold"
US_CLOCK = "16:00 New York (Binance)"
UTC_CLOCK = "UTC close (3-4 h after U.S. close)"

#: the pairs the chapter compares BTC with (reader's name -> panel column)
PAIRS: dict[str, str] = {
    "gold": "gold_close_usd",
    "Nasdaq-100": "ndx_close",
    "S&P 500": "spx_close",
    "dollar (DXY)": "dxy_close",
    "10y yield": "ust10y_pct",
}
#: the same pairs through exchange-traded funds that close at exactly 16:00 New York (to 2026-03-27)
ETF_PAIRS: dict[str, str] = {
    "gold (GLD)": "gld_close_usd",
    "Nasdaq-100 (QQQ)": "qqq_close_usd",
    "S&P 500 (SPY)": "spy_close_usd",
    "dollar (UUP)": "uup_close_usd",
    "10y yield (FRED)": "dgs10_pct",
}
#: level series whose "return" is a change in percentage points, not a log change
RATE_COLUMNS = frozenset({"ust10y_pct", "dgs10_pct", "t10y2y_pct"})

#: the year before the crash, fixed in advance (the article's "for over a year")
PRE_START = CRASH - pd.DateOffset(years=1)
PRE_END = CRASH - pd.Timedelta(days=1)
#: after the crash up to the registry's fit_end (2025-11-20); chapter 06's out-of-sample period starts the day
#: after, so no day is both in sample and out of sample
POST_END = FIT_END
#: the regressors of the break tests (Chow at 10/10 and CUSUM): BTC on gold, controlling for equities
BREAK_XS = ["gold", "Nasdaq-100"]
SEED = config.SEED
N_BOOT = 2000


# --------------------------------------------------------------------------- alignment
def btc_at_us_close(p: pd.DataFrame) -> pd.DataFrame:
    """BTC price to pair with U.S. assets, one row per day BTC has a price, with the clock it was read at.

    ``btc_usclose_usdt`` (16:00 New York) where it exists, otherwise the UTC-day
    close ``btc_close_usd``.  Column ``clock`` names which.
    """
    us = p["btc_usclose_usdt"]
    price = us.where(us.notna(), p["btc_close_usd"])
    clock = pd.Series(np.where(us.notna(), US_CLOCK, UTC_CLOCK), index=p.index)
    out = pd.DataFrame({"btc_usd": price, "clock": clock})
    return out[out["btc_usd"].notna()]


def align_returns(
    btc: pd.Series, clock: pd.Series, assets: pd.DataFrame, *, diff_cols: frozenset[str] | set[str] = frozenset()
) -> pd.DataFrame:
    """Returns of BTC and ``assets`` over the same intervals, on days where all of them are observed.

    Log returns in percent (changes in the unit of the series for ``diff_cols``,
    e.g. yields in pp) between consecutive common observation days.  Each row
    is indexed by the interval's end date and carries ``start`` (its first day),
    ``calendar_days`` (length) and ``clock``.  Returns whose two ends were read
    at different BTC clocks are dropped.  Nothing is filled.
    """
    data = pd.concat([btc.rename("btc"), assets], axis=1).dropna()
    ck = clock.reindex(data.index)
    out = pd.DataFrame(index=data.index)
    for c in data.columns:
        out[c] = data[c].diff() if c in diff_cols else 100 * np.log(data[c]).diff()
    out["start"] = pd.Series(data.index, index=data.index).shift(1)
    out["calendar_days"] = (out.index - out["start"]).dt.days
    out["clock"] = ck
    same_clock = ck.eq(ck.shift(1))
    return out[same_clock & out["start"].notna()]


def pair_returns(p: pd.DataFrame, columns: dict[str, str], *, common: bool = True, clock: str = "us") -> pd.DataFrame:
    """BTC-at-U.S.-close returns aligned with the panel ``columns`` (reader's name -> column).

    ``common=True`` keeps only days where every asset is observed (one sample
    for all pairs); the result has a ``btc`` column and one column per name.
    ``clock="utc"`` uses BTC's UTC-day close throughout instead (the robustness
    check of what the 3-4 h timing mismatch does).
    """
    if clock == "utc":
        b = pd.DataFrame({"btc_usd": p["btc_close_usd"], "clock": UTC_CLOCK}).dropna()
    elif clock == "us":
        b = btc_at_us_close(p)
    else:
        raise ValueError(f"pair_returns(clock={clock!r}): expected 'us' or 'utc'")
    assets = p[list(columns.values())].rename(columns={v: k for k, v in columns.items()})
    diff = {k for k, v in columns.items() if v in RATE_COLUMNS}
    if common:
        return align_returns(b["btc_usd"], b["clock"], assets, diff_cols=diff)
    parts = [align_returns(b["btc_usd"], b["clock"], assets[[k]], diff_cols=diff)[[k]] for k in assets]
    return pd.concat(parts, axis=1)


def weekly_returns(r: pd.DataFrame, columns: list[str], *, min_days: int = 4) -> pd.DataFrame:
    """Non-overlapping weekly (Friday-ending) returns: the sum of aligned daily log returns (or pp changes).

    Weeks with fewer than ``min_days`` daily returns (holidays, a clock switch)
    are dropped; summing is exact for log returns and for changes in pp.
    """
    g = r[columns].groupby(r.index.to_period("W-FRI"))
    out = g.sum(min_count=1)[g.count().min(axis=1) >= min_days]
    out.index = out.index.to_timestamp(how="end").normalize()
    return out


# --------------------------------------------------------------------------- correlations
#: the shortest mean block of the correlation bootstraps: one trading week
MIN_BLOCK = 5


def _rowwise_corr(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    xc = x - x.mean(axis=-1, keepdims=True)
    yc = y - y.mean(axis=-1, keepdims=True)
    return (xc * yc).sum(-1) / np.sqrt((xc**2).sum(-1) * (yc**2).sum(-1))


def boot_corrs(
    df: pd.DataFrame, x: str, ys: list[str], *, n_boot: int = N_BOOT, block: int | None = None, seed: int = SEED
) -> pd.DataFrame:
    """Block-bootstrap draws of corr(x, y) for every y, resampling the same days for all y.

    :func:`unwind.stats.block_bootstrap` (stationary bootstrap; mean block from Politis-White, at least
    :data:`MIN_BLOCK` days; ``block`` fixes it).  Returns an ``n_boot`` x len(ys) frame, its ``attrs["block"]``
    the mean block used; drawing the same blocks for every pair keeps the dependence between the
    correlations (needed to compare them).
    """
    d = df[[x, *ys]].dropna()

    def corrs(v: np.ndarray) -> np.ndarray:
        return _rowwise_corr(v[:, :1].T, v[:, 1:].T)

    b = st.block_bootstrap(corrs, d.to_numpy(), n_boot=n_boot, min_block=MIN_BLOCK, block=block, seed=seed)
    out = pd.DataFrame(b.draws, columns=ys)
    out.attrs["block"] = b.block
    return out


def corr_table(df: pd.DataFrame, x: str, ys: list[str], *, n_boot: int = N_BOOT, seed: int = SEED) -> pd.DataFrame:
    """corr(x, y) for each y on the rows of ``df`` where all are observed, with Fisher-z and block-bootstrap intervals.

    The Fisher-z interval and the p-value of r = 0 (t-test) are ``scipy.stats.pearsonr``'s; the bootstrap is
    :func:`boot_corrs` (its mean block in ``block``).  Also the OLS beta of x on y with its HAC interval.
    """
    d = df[[x, *ys]].dropna()
    n = len(d)
    boot = boot_corrs(d, x, ys, n_boot=n_boot, seed=seed)
    rows = []
    for y in ys:
        pr = sps.pearsonr(d[x].to_numpy(), d[y].to_numpy())
        r = float(pr.statistic)
        ci = pr.confidence_interval(confidence_level=0.95)
        lo, hi = float(ci.low), float(ci.high)
        blo, bhi = np.quantile(boot[y], [0.025, 0.975])
        res = st.hac_ols(d[x], d[y])
        b_lo, b_hi = res.conf_int().loc[y]
        rows.append(
            {
                "pair": y,
                "r": r,
                "fisher_low": lo,
                "fisher_high": hi,
                "boot_low": float(blo),
                "boot_high": float(bhi),
                "p_value": float(pr.pvalue),
                "n": n,
                "beta": float(res.params[y]),
                "beta_low": float(b_lo),
                "beta_high": float(b_hi),
                "hac_lags": res.hac_lags,
                "block": int(boot.attrs["block"]),
            }
        )
    return pd.DataFrame(rows).set_index("pair")


def boot_p_two_sided(draws: np.ndarray | pd.Series) -> float:
    """Two-sided bootstrap p-value of 'the statistic is zero': 2 x the smaller tail count at 0, capped at 1.

    Counts get +1 (Davison-Hinkley), so the smallest reportable p is 2 / (B + 1), never 0.  The book's one
    convention, :func:`unwind.stats.bootstrap_p`.
    """
    return float(st.bootstrap_p(np.asarray(draws, dtype=float)))


def strongest_pair_draws(
    df: pd.DataFrame, target: str, others: list[str], *, n_boot: int = N_BOOT, seed: int = SEED
) -> pd.DataFrame:
    """Bootstrap draws of |r(btc, target)| − max |r(btc, other)|, the strongest other re-selected in every draw.

    One row per draw (the same resampled blocks for every pair): ``target`` (|r| of the target), ``best`` (the
    largest |r| among ``others`` in that draw), ``best_other`` (which pair that was) and ``diff``.  Choosing the
    strongest other once, on the full sample, and keeping it in every draw would ignore that the choice is
    itself noisy and bias the test against the target.
    """
    d = df[["btc", target, *others]].dropna()
    a = boot_corrs(d, "btc", [target, *others], n_boot=n_boot, seed=seed).abs()
    best = a[others].max(axis=1)
    return pd.DataFrame(
        {"target": a[target], "best": best, "best_other": a[others].idxmax(axis=1), "diff": a[target] - best}
    )


def strongest_pair_test(
    df: pd.DataFrame, target: str, others: list[str], *, n_boot: int = N_BOOT, seed: int = SEED
) -> dict[str, object]:
    """Is |corr(btc, target)| larger than the largest |corr(btc, other)|? Block bootstrap on the same days.

    Returns the difference |r_target| − |r_best other| (``best_other``: the strongest other on the sample), its
    bootstrap interval and two-sided p-value from :func:`strongest_pair_draws`, which re-selects the strongest
    other inside every draw, and ``best_share`` (share of draws in which each other pair was the strongest).
    """
    d = df[["btc", target, *others]].dropna()
    r = d.corr()["btc"]
    best = max(others, key=lambda c: abs(r[c]))
    draws = strongest_pair_draws(d, target, others, n_boot=n_boot, seed=seed)
    lo, hi = np.quantile(draws["diff"], [0.025, 0.975])
    share = draws["best_other"].value_counts(normalize=True).reindex(others, fill_value=0.0)
    return {
        "target": target,
        "best_other": best,
        "r_target": float(r[target]),
        "r_best": float(r[best]),
        "diff": float(abs(r[target]) - abs(r[best])),
        "ci_low": float(lo),
        "ci_high": float(hi),
        "p_value": boot_p_two_sided(draws["diff"]),
        "n": len(d),
        "best_share": {k: float(v) for k, v in share.items()},
    }


def corr_change(
    pre: pd.DataFrame, post: pd.DataFrame, x: str, y: str, *, n_boot: int = N_BOOT, seed: int = SEED
) -> dict[str, float]:
    """Change in corr(x, y) from ``pre`` to ``post`` (independent samples).

    Fisher-z test of equal correlations, Zou (2007) interval for the difference
    (built from the two Fisher intervals) and a block-bootstrap interval.
    """
    a, b = pre[[x, y]].dropna(), post[[x, y]].dropna()
    r1, r2, n1, n2 = float(a[x].corr(a[y])), float(b[x].corr(b[y])), len(a), len(b)
    z = (np.arctanh(r2) - np.arctanh(r1)) / np.sqrt(1 / (n1 - 3) + 1 / (n2 - 3))
    l1, u1 = st.corr_ci(a[x], a[y])
    l2, u2 = st.corr_ci(b[x], b[y])
    diff = r2 - r1
    lo = diff - np.sqrt((r2 - l2) ** 2 + (u1 - r1) ** 2)
    hi = diff + np.sqrt((u2 - r2) ** 2 + (r1 - l1) ** 2)
    bd = boot_corrs(b, x, [y], n_boot=n_boot, seed=seed + 1)[y] - boot_corrs(a, x, [y], n_boot=n_boot, seed=seed)[y]
    blo, bhi = np.quantile(bd, [0.025, 0.975])
    return {
        "r_pre": r1,
        "r_post": r2,
        "n_pre": n1,
        "n_post": n2,
        "diff": diff,
        "ci_low": float(lo),
        "ci_high": float(hi),
        "p_value": float(2 * sps.norm.sf(abs(z))),
        "boot_low": float(blo),
        "boot_high": float(bhi),
        "boot_p": boot_p_two_sided(bd),
    }


def rolling_corr(df: pd.DataFrame, x: str, ys: list[str], windows: tuple[int, ...] = (30, 60, 90)) -> pd.DataFrame:
    """Rolling corr(x, y) and beta of x on y over the last w *common trading days*, with Fisher-z bands.

    Tidy: date, pair, window, r, low, high, beta.  Fisher bands assume
    independent days inside the window (they are pointwise, not joint).
    """
    rows = []
    for y in ys:
        d = df[[x, y]].dropna()
        for w in windows:
            r = d[x].rolling(w).corr(d[y])
            beta = d[x].rolling(w).cov(d[y]) / d[y].rolling(w).var()
            z, se = np.arctanh(r.clip(-0.999999, 0.999999)), 1 / np.sqrt(w - 3)
            q = sps.norm.ppf(0.975)
            rows.append(
                pd.DataFrame(
                    {
                        "date": d.index,
                        "pair": y,
                        "window": w,
                        "r": r.to_numpy(),
                        "low": np.tanh(z - q * se).to_numpy(),
                        "high": np.tanh(z + q * se).to_numpy(),
                        "beta": beta.to_numpy(),
                    }
                )
            )
    return pd.concat(rows, ignore_index=True).dropna(subset=["r"])


def long_run_corr(r: pd.DataFrame, x: str, y: str, *, window: int = 250) -> pd.Series:
    """Rolling corr(x, y) over ``window`` common trading days (about a year), for the historical comparison."""
    d = r[[x, y]].dropna()
    return d[x].rolling(window).corr(d[y]).dropna().rename("r")


def ewma_corr(x: pd.Series, y: pd.Series, lam: float = 0.94) -> pd.Series:
    """RiskMetrics EWMA correlation (zero mean, decay ``lam``) on the days both are observed."""
    d = pd.concat([x, y], axis=1).dropna()
    a, b = d.iloc[:, 0], d.iloc[:, 1]
    ew = {"alpha": 1 - lam, "adjust": False}
    cov = (a * b).ewm(**ew).mean()
    return (cov / np.sqrt((a * a).ewm(**ew).mean() * (b * b).ewm(**ew).mean())).rename("ewma_corr")


def monthly_corr(
    df: pd.DataFrame, x: str, ys: list[str], *, window: int = 90, start: str = "2024-01-01", end: str | None = None
) -> pd.DataFrame:
    """corr(x, y) over the last ``window`` common days before each month end (one row per pair and month).

    Tidy: month (first day), pair, r, n, rank (1 = largest |r| that month).
    """
    rows = []
    for y in ys:
        d = df[[x, y]].dropna()
        r = d[x].rolling(window).corr(d[y]).dropna()
        m = r.groupby(r.index.to_period("M")).last()
        rows.append(pd.DataFrame({"month": m.index.to_timestamp(), "pair": y, "r": m.to_numpy(), "n": window}))
    out = pd.concat(rows, ignore_index=True)
    out = out[out["month"] >= pd.Timestamp(start)]
    if end is not None:
        out = out[out["month"] <= pd.Timestamp(end)]
    out["rank"] = out.groupby("month")["r"].transform(lambda s: s.abs().rank(ascending=False)).astype(int)
    return out.reset_index(drop=True)


# --------------------------------------------------------------------------- break tests
def chow_test(
    df: pd.DataFrame, y: str, xs: list[str], break_date: pd.Timestamp, *, maxlags: int | None = None
) -> dict[str, float]:
    """Chow test at a fixed date: y on xs with a post-break dummy and its interactions with every x.

    Reports the classical F (homoskedastic, = Chow 1960), the HAC Wald test of
    all break terms, and each slope's change with its HAC interval and p-value.
    """
    d = df[[y, *xs]].dropna()
    post = (d.index >= break_date).astype(float)
    X = d[xs].copy()
    X["post"] = post
    for c in xs:
        X[f"post_x_{c}"] = post * d[c]
    Xc = sm.add_constant(X)
    breaks = ["post", *[f"post_x_{c}" for c in xs]]
    ols = sm.OLS(d[y], Xc).fit()
    restricted = sm.OLS(d[y], sm.add_constant(d[xs])).fit()
    f_stat, f_p, _ = ols.compare_f_test(restricted)
    lags = st.newey_west_lags(len(d)) if maxlags is None else maxlags
    hac = sm.OLS(d[y], Xc).fit(cov_type="HAC", cov_kwds={"maxlags": lags})
    wald = hac.wald_test(", ".join(f"{b} = 0" for b in breaks), scalar=True)
    out = {
        "n": len(d),
        "n_pre": int((post == 0).sum()),
        "n_post": int((post == 1).sum()),
        "hac_lags": lags,
        "change_const": float(hac.params["post"]),
        "change_const_low": float(hac.conf_int().loc["post", 0]),
        "change_const_high": float(hac.conf_int().loc["post", 1]),
        "change_const_p": float(hac.pvalues["post"]),
        "f_stat": float(f_stat),
        "f_p": float(f_p),
        "wald_stat": float(wald.statistic),
        "wald_p": float(wald.pvalue),
    }
    ci = hac.conf_int()
    for c in xs:
        k = f"post_x_{c}"
        out[f"pre_beta_{c}"] = float(hac.params[c])
        out[f"change_{c}"] = float(hac.params[k])
        out[f"change_{c}_low"], out[f"change_{c}_high"] = float(ci.loc[k, 0]), float(ci.loc[k, 1])
        out[f"change_{c}_p"] = float(hac.pvalues[k])
    return out


def cusum_test(df: pd.DataFrame, y: str, xs: list[str]) -> dict[str, float]:
    """OLS-residual CUSUM test of parameter stability (Ploberger-Kraemer), no break date needed."""
    d = df[[y, *xs]].dropna()
    res = sm.OLS(d[y], sm.add_constant(d[xs])).fit()
    stat, p, _ = breaks_cusumolsresid(res.resid.to_numpy(), ddof=len(xs) + 1)
    cs = res.resid.cumsum() / (res.resid.std(ddof=len(xs) + 1) * np.sqrt(len(d)))
    return {"stat": float(stat), "p_value": float(p), "n": len(d), "peak_date": cs.abs().idxmax()}


def cusum_path(df: pd.DataFrame, y: str, xs: list[str]) -> pd.DataFrame:
    """The scaled cumulative sum of OLS residuals that the CUSUM test compares with its bound (1.36 at 5 %)."""
    d = df[[y, *xs]].dropna()
    res = sm.OLS(d[y], sm.add_constant(d[xs])).fit()
    cs = res.resid.cumsum() / (res.resid.std(ddof=len(xs) + 1) * np.sqrt(len(d)))
    return pd.DataFrame({"date": d.index, "cusum": cs.to_numpy()})


# --------------------------------------------------------------------------- relative performance
def pct_change(price: pd.Series, start: pd.Timestamp, end: pd.Timestamp, *, last_close: bool = False) -> float:
    """Simple % change of ``price`` from ``start`` to ``end``.

    Exact dates only, unless ``last_close``: then the *level* at ``end`` is the
    last observation on or before it (an asset that does not trade on a
    weekend is worth its Friday close on Sunday; this is a level, never a return).
    """
    s = price.dropna()
    if start not in s.index:
        return np.nan
    if last_close:
        s_end = s.loc[:end]
        v1 = s_end.iloc[-1] if len(s_end) else np.nan
    else:
        v1 = s.get(end, np.nan)
    return float(100 * (v1 / s.loc[start] - 1))


def relative_performance(
    btc: pd.Series,
    asset: pd.Series,
    bases: list[pd.Timestamp],
    as_of: list[pd.Timestamp],
    *,
    asset_last_close: bool = False,
) -> pd.DataFrame:
    """BTC % change minus asset % change (pp) from each base close to each as-of date.

    Tidy: base, as_of, btc_pct, asset_pct, gap_pp; rows where either price is missing are dropped.
    """
    rows = []
    for b in bases:
        for a in as_of:
            bp = pct_change(btc, b, a)
            ap = pct_change(asset, b, a, last_close=asset_last_close)
            rows.append({"base": b, "as_of": a, "btc_pct": bp, "asset_pct": ap, "gap_pp": bp - ap})
    return pd.DataFrame(rows).dropna().reset_index(drop=True)


def gap_definitions(
    p: pd.DataFrame, *, gold: str = "gold_close_usd", as_of: pd.DatetimeIndex = AS_OF_WINDOW
) -> pd.DataFrame:
    """The BTC-minus-gold gap (the ledger's C13) under both BTC clocks, from the 10/9 and 10/10 closes to every
    as-of date.  The spread over these choices is a range over definitions, not a confidence interval.

    * ``16:00 New York``: BTC at the U.S. close vs gold's close, U.S. trading days only;
    * ``UTC close``: BTC's UTC-day close vs gold's last close on or before that day (weekends included).
    """
    bases = [CRASH - pd.Timedelta(days=1), CRASH]
    us = relative_performance(p["btc_usclose_usdt"], p[gold], bases, list(as_of)).assign(btc_clock="16:00 New York")
    utc = relative_performance(p["btc_close_usd"], p[gold], bases, list(as_of), asset_last_close=True)
    return pd.concat([us, utc.assign(btc_clock="UTC close")], ignore_index=True)


def gap_path(p: pd.DataFrame, base: pd.Timestamp = CRASH, *, gold: str = "gold_close_usd") -> pd.DataFrame:
    """Daily BTC-minus-gold gap (pp) from ``base`` on every U.S. trading day after it, under both BTC clocks.

    Tidy: date, btc_clock, btc_pct, gold_pct, gap_pp.
    """
    days = p.index[(p.index >= base) & p[gold].notna()]
    out = []
    for clock, col in (("16:00 New York", "btc_usclose_usdt"), ("UTC close", "btc_close_usd")):
        b = p[col]
        if pd.isna(b.get(base)):
            continue
        btc_pct = 100 * (b.reindex(days) / b[base] - 1)
        gold_pct = 100 * (p[gold].reindex(days) / p[gold][base] - 1)
        out.append(
            pd.DataFrame(
                {
                    "date": days,
                    "btc_clock": clock,
                    "btc_pct": btc_pct.to_numpy(),
                    "gold_pct": gold_pct.to_numpy(),
                    "gap_pp": (btc_pct - gold_pct).to_numpy(),
                }
            )
        )
    return pd.concat(out, ignore_index=True).dropna().reset_index(drop=True)


def mean_gap_test(r: pd.DataFrame, a: str, b: str) -> dict[str, float]:
    """HAC t-test that the mean daily log-return gap a - b is zero, and its sum (pp of log return) with interval."""
    g = (r[a] - r[b]).dropna()
    res = st.hac_ols(g.rename("gap"), pd.Series(1.0, index=g.index, name="one"), const=False)
    lo, hi = res.conf_int().loc["one"]
    n = len(g)
    return {
        "n": n,
        "mean_pp": float(res.params["one"]),
        "sum_pp": float(res.params["one"] * n),
        "sum_low": float(lo * n),
        "sum_high": float(hi * n),
        "p_value": float(res.pvalues["one"]),
        "hac_lags": res.hac_lags,
    }


def risk_asset_changes(
    p: pd.DataFrame,
    columns: dict[str, str] | None = None,
    bases: tuple[pd.Timestamp, ...] = (OCT6_HIGH, CRASH),
    as_of: pd.DatetimeIndex = AS_OF_WINDOW,
) -> pd.DataFrame:
    """% change of U.S. equity indices (and gold, for comparison) from each base close to each as-of U.S. close.

    Also the distance from the index's running high at the as-of date.  Tidy:
    asset, base, as_of, pct_change, from_high_pct.
    """
    columns = columns or {"S&P 500": "spx_close", "Nasdaq-100": "ndx_close", "gold": "gold_close_usd"}
    rows = []
    for name, col in columns.items():
        s = p[col].dropna()
        for b in bases:
            for a in as_of:
                if a not in s.index or b not in s.index:
                    continue
                rows.append(
                    {
                        "asset": name,
                        "base": b,
                        "as_of": a,
                        "pct_change": 100 * (s[a] / s[b] - 1),
                        "from_high_pct": 100 * (s[a] / s.loc[:a].max() - 1),
                    }
                )
    return pd.DataFrame(rows)


def chart_frame(df: pd.DataFrame, columns: list[str], *, digits: int = 3, weekly_on: str | None = None) -> pd.DataFrame:
    """Only the ``columns`` a chart draws, floats rounded, optionally one row per Friday-ending week.

    Keeps the page light: altair embeds every row and column it is given.
    ``weekly_on`` names the date column; the last row of each week (per the
    other non-numeric columns) is kept.
    """
    d = df[columns].copy()
    if weekly_on is not None:
        keys = [c for c in columns if c != weekly_on and not pd.api.types.is_numeric_dtype(d[c])]
        week = d[weekly_on].dt.to_period("W-FRI")
        d = d.groupby([week, *[d[k] for k in keys]], observed=True).tail(1)
    num = d.select_dtypes("number").columns
    d[num] = d[num].round(digits)
    return d.reset_index(drop=True)


# --------------------------------------------------------------------------- the chapter's evidence and estimates
def samples(p: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """The chapter's aligned returns (all five pairs on common days) and its pre, post and pre+post samples.

    A return is dated by the day it ends.  *pre*: returns ending :data:`PRE_START`..:data:`PRE_END`; *post*:
    returns ending :data:`CRASH` (the 10/9 -> 10/10 close, before the cascade that began after the U.S. close)
    .. :data:`POST_END` (= fit_end), so the in-sample post period stops the day before chapter 06's begins.
    """
    r = pair_returns(p, PAIRS)
    return {
        "returns": r,
        "pre": r.loc[PRE_START:PRE_END],
        "post": r.loc[CRASH:POST_END],
        "both": r.loc[PRE_START:POST_END],
    }


def pair_ranking(
    p: pd.DataFrame,
    *,
    pairs: dict[str, str] | None = None,
    start: pd.Timestamp = PRE_START,
    end: pd.Timestamp = PRE_END,
    n_boot: int = N_BOOT,
    seed: int = SEED,
) -> pd.DataFrame:
    """BTC's macro pairs ranked by |correlation| of daily returns: the one home of "gold ranks k of 5".

    Default: the chapter's five pairs (:data:`PAIRS`: gold, Nasdaq-100, S&P 500, dollar index, 10-year yield
    changes) over the pre year, on the days all five are observed, BTC at 16:00 New York -- the sample and pair
    set of GOLD.H1.  One row per pair, strongest first: ``r``, Fisher-z ``fisher_low``/``fisher_high``,
    ``rank`` (1 = largest |r|), ``rank_low``/``rank_high`` (2.5 and 97.5 % quantiles of the rank over
    block-bootstrap draws that resample the same days for every pair), ``share_first`` (share of draws
    in which the pair is the strongest) and ``n``.  ``attrs`` carry the sample in words and the pair count.
    """
    pairs = PAIRS if pairs is None else pairs
    names = list(pairs)
    d = pair_returns(p, pairs).loc[start:end, ["btc", *names]].dropna()
    n = len(d)
    r = d.corr()["btc"][names]
    boot_ranks = boot_corrs(d, "btc", names, n_boot=n_boot, seed=seed).abs().rank(axis=1, ascending=False, method="min")
    rows = []
    for k in names:
        lo, hi = st.corr_ci(d["btc"], d[k])
        rows.append(
            {
                "pair": k,
                "r": float(r[k]),
                "fisher_low": lo,
                "fisher_high": hi,
                "rank_low": int(np.floor(boot_ranks[k].quantile(0.025))),
                "rank_high": int(np.ceil(boot_ranks[k].quantile(0.975))),
                "share_first": float((boot_ranks[k] == 1).mean()),
                "n": n,
            }
        )
    out = pd.DataFrame(rows).set_index("pair")
    out.insert(1, "rank", out["r"].abs().rank(ascending=False, method="min").astype(int))
    out = out.sort_values("rank")
    out.attrs = {
        "sample": f"{d.index[0]:%Y-%m-%d}..{d.index[-1]:%Y-%m-%d}, {n} common days, BTC at 16:00 NY",
        "n_pairs": len(names),
    }
    return out


def evidence(p: pd.DataFrame) -> dict[str, object]:
    """Every number the chapter shows, computed once (deterministic, seeds fixed).  Decides nothing."""
    ev: dict[str, object] = dict(samples(p))
    pre, post, both = ev["pre"], ev["post"], ev["both"]
    names = list(PAIRS)
    ev["pre_table"] = corr_table(pre, "btc", names)
    ev["post_table"] = corr_table(post, "btc", names)
    ev["ranking"] = pair_ranking(p)
    ev["h1"] = strongest_pair_test(pre, "gold", names[1:])
    ev["h2"] = corr_change(pre, post, "btc", "gold")
    ev["chow"] = chow_test(both, "btc", BREAK_XS, CRASH)
    ev["cusum"] = cusum_test(both, "btc", BREAK_XS)
    # the gap behind the ledger's C13 (decided there): central value and the range over definitions
    gaps = gap_definitions(p)
    ev["gaps"] = gaps
    main = gaps[(gaps["base"] == CRASH) & (gaps["btc_clock"] == "16:00 New York")]
    ev["gap_central"] = float(main["gap_pp"].median())
    ev["gap_range_low"], ev["gap_range_high"] = float(gaps["gap_pp"].min()), float(gaps["gap_pp"].max())
    # descriptive only: a test of a zero mean gap, not of the article's -25 pp
    ev["gap_zero_test"] = mean_gap_test(ev["returns"].loc[CRASH + pd.Timedelta(days=1) : POST_END], "btc", "gold")
    # the U.S. equity numbers shown beside the ledger's C17 (decided there)
    ev["risk"] = risk_asset_changes(p)
    eq = ev["returns"].loc[CRASH + pd.Timedelta(days=1) : POST_END]
    ev["risk_tests"] = {
        k: st.hac_ols(eq[k], pd.Series(1.0, index=eq.index, name="one"), const=False) for k in ("S&P 500", "Nasdaq-100")
    }
    return ev


def h1_estimate(h1: dict, sample: str) -> Estimate:
    """The "strongest pair" Estimate from :func:`strongest_pair_test` (in sample here, out of sample in 06)."""
    best = h1["best_other"]
    return Estimate(
        value=h1["diff"],
        low=h1["ci_low"],
        high=h1["ci_high"],
        interval="95% CI",
        p=h1["p_value"],
        n=h1["n"],
        unit="correlation",
        sample=sample,
        method=f"|r(BTC,gold)| − |r(BTC,{best})|, daily returns, block bootstrap "
        "(stationary, Politis-White block, at least 5 days) re-selecting the strongest other pair in every draw",
        text=f"r(gold) {h1['r_target']:.2f} vs r({best}) {h1['r_best']:.2f}; {best} "
        f"the strongest other in {100 * h1['best_share'][best]:.0f} % of draws",
    )


def corr_change_estimate(h2: dict, sample: str, after: str) -> Estimate:
    """The correlation-change Estimate from :func:`corr_change`; ``after`` names the second period in words."""
    return Estimate(
        value=h2["diff"],
        low=h2["ci_low"],
        high=h2["ci_high"],
        interval="95% CI",
        p=h2["p_value"],
        n=h2["n_pre"] + h2["n_post"],
        unit="correlation",
        sample=sample,
        method="r(post) − r(pre), Fisher-z test, Zou interval",
        text=f"r(BTC,gold) {h2['r_pre']:.2f} before, {h2['r_post']:.2f} {after}",
    )


def chow_estimate(ch: dict, sample: str) -> Estimate:
    """The Chow break Estimate (change in the gold beta) from :func:`chow_test`."""
    return Estimate(
        value=ch["change_gold"],
        low=ch["change_gold_low"],
        high=ch["change_gold_high"],
        interval="95% CI",
        p=ch["change_gold_p"],
        n=ch["n"],
        unit="% BTC per % gold",
        sample=sample,
        method=f"change in gold beta, BTC on gold + Nasdaq-100, HAC({ch['hac_lags']}) Wald",
    )


def estimates(p: pd.DataFrame) -> dict[str, Estimate]:
    """One :class:`~unwind.study.Estimate` per hypothesis registered in ``study/04_gold.yaml``."""
    s = samples(p)
    pre, post, both = s["pre"], s["post"], s["both"]
    names = list(PAIRS)
    pre_s = f"{PRE_START:%Y-%m-%d}..{PRE_END:%Y-%m-%d}"
    post_s = f"{CRASH:%Y-%m-%d}..{POST_END:%Y-%m-%d}"
    both_s = f"{PRE_START:%Y-%m-%d}..{POST_END:%Y-%m-%d}"

    h1 = strongest_pair_test(pre, "gold", names[1:])
    h2 = corr_change(pre, post, "btc", "gold")
    ch = chow_test(both, "btc", BREAK_XS, CRASH)
    cu = cusum_test(both, "btc", BREAK_XS)
    return {
        "GOLD.H1": h1_estimate(h1, f"{pre_s}, BTC at 16:00 NY, common days"),
        "GOLD.H2.corr": corr_change_estimate(h2, f"{pre_s} vs {post_s}", "after 10/10"),
        "GOLD.H2.chow": chow_estimate(ch, f"{both_s}, break {CRASH:%Y-%m-%d}"),
        "GOLD.H2.cusum": Estimate(
            value=cu["stat"],
            p=cu["p_value"],
            n=cu["n"],
            unit="sup |scaled CUSUM|",
            sample=both_s,
            method="OLS-residual CUSUM (breaks_cusumolsresid), BTC on gold + Nasdaq-100",
            text=f"largest excursion on {cu['peak_date']:%Y-%m-%d}",
        ),
    }
