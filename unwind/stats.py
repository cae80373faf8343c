"""Statistical procedures shared by the chapters, one function each.

Every function takes plain pandas objects and returns a DataFrame or a small
result object; none reads files.  Conventions (see METHODS.md): returns are
log returns in percent; HAC (Newey-West) standard errors state their lag
length; intervals are 95 % unless a function says otherwise.
"""

from __future__ import annotations

import warnings
from dataclasses import asdict, dataclass

import numpy as np
import pandas as pd
import statsmodels.api as sm
from scipy import stats as sps
from statsmodels.stats.multitest import multipletests
from statsmodels.tsa.api import VAR
from statsmodels.tsa.stattools import adfuller, kpss

from . import config

VERDICTS = ("supported", "partly supported", "not supported", "contradicted", "cannot be checked with this data")


def newey_west_lags(n: int) -> int:
    """The Newey-West (1994) rule of thumb, floor(4 (n/100)^(2/9))."""
    return int(np.floor(4 * (n / 100) ** (2 / 9)))


def hac_ols(y: pd.Series, X: pd.DataFrame | pd.Series, maxlags: int | None = None, *, const: bool = True):
    """OLS of ``y`` on ``X`` with Newey-West standard errors; rows with any missing value are dropped.

    ``maxlags`` defaults to :func:`newey_west_lags` of the sample size; the
    fitted result carries it as ``result.hac_lags``.
    """
    data = pd.concat([y, X], axis=1).dropna()
    yy, XX = data.iloc[:, 0], data.iloc[:, 1:]
    if const:
        XX = sm.add_constant(XX, has_constant="add")
    lags = newey_west_lags(len(data)) if maxlags is None else maxlags
    res = sm.OLS(yy, XX).fit(cov_type="HAC", cov_kwds={"maxlags": lags})
    res.hac_lags = lags
    return res


def coef_row(res, term: str) -> pd.Series:
    """One coefficient of a fitted (HAC) regression as the row every chapter reports: ``coef``, 95 % ``ci_low`` /
    ``ci_high``, ``p_value``, ``n`` and the HAC lag count used (``hac_lags``, when the fit records it)."""
    lo, hi = res.conf_int().loc[term]
    return pd.Series(
        {
            "coef": res.params[term],
            "ci_low": lo,
            "ci_high": hi,
            "p_value": res.pvalues[term],
            "n": int(res.nobs),
            "hac_lags": getattr(res, "hac_lags", np.nan),
        }
    )


def local_projections(
    y: pd.Series,
    shock: pd.Series,
    horizons: range | list[int],
    *,
    controls: pd.DataFrame | None = None,
    cumulative: bool = True,
    maxlags: int | None = None,
    alpha: float = 0.05,
) -> pd.DataFrame:
    """Jordà local projections: for each h, regress y(t..t+h) (or y(t+h)) on shock(t) and controls(t).

    The cumulative left side *includes* y(t), the same period as the shock: for a predictive reading pass
    ``y.shift(-1)`` so that horizon 0 is the next period.

    Returns one row per horizon with the coefficient on ``shock``, its HAC
    interval (lags >= h + 1, since the left side overlaps) and p-value.
    """
    rows = []
    for h in horizons:
        lead = sum(y.shift(-k) for k in range(h + 1)) if cumulative else y.shift(-h)
        X = pd.concat([shock.rename("shock"), controls], axis=1) if controls is not None else shock.rename("shock")
        lags = max(h + 1, maxlags or 0, newey_west_lags(int(lead.notna().sum())))
        res = hac_ols(lead.rename("y"), X, lags)
        lo, hi = res.conf_int(alpha).loc["shock"]
        rows.append(
            {
                "h": h,
                "beta": res.params["shock"],
                "ci_low": lo,
                "ci_high": hi,
                "p_value": res.pvalues["shock"],
                "n": int(res.nobs),
                "hac_lags": lags,
            }
        )
    return pd.DataFrame(rows).set_index("h")


def stationarity(x: pd.Series) -> dict[str, float]:
    """ADF (null: unit root) and KPSS (null: stationary) p-values."""
    x = x.dropna()
    with warnings.catch_warnings():
        # KPSS warns when p is outside its table: the reported p is then the table's bound
        warnings.filterwarnings("ignore", message=".*p-value is (greater|smaller) than.*")
        kp = kpss(x, regression="c", nlags="auto", result_object=False)[1]
    adf = adfuller(x, autolag="AIC", result_object=False)[1]
    return {"adf_p": float(adf), "kpss_p": float(kp), "n": len(x)}


@dataclass
class VarResult:
    lag_order: int
    ic: str
    n: int
    causality: pd.DataFrame  # caused, causing, F/Wald stat, p_value
    model: object


def var_granger(data: pd.DataFrame, *, maxlags: int = 10, ic: str = "aic") -> VarResult:
    """VAR with lag order by information criterion; Wald causality tests in every direction."""
    # a plain position index: trading-day dates have no frequency and statsmodels warns about them
    data = data.dropna().reset_index(drop=True)
    sel = VAR(data).select_order(maxlags)
    p = max(1, int(getattr(sel, ic)))
    res = VAR(data).fit(p)
    rows = []
    for caused in data.columns:
        for causing in data.columns:
            if caused == causing:
                continue
            t = res.test_causality(caused, [causing], kind="wald")
            rows.append(
                {
                    "caused": caused,
                    "causing": causing,
                    "stat": float(t.test_statistic),
                    "df": int(t.df),
                    "p_value": float(t.pvalue),
                }
            )
    return VarResult(p, ic, int(res.nobs), pd.DataFrame(rows), res)


def var_lag_sum(res: VarResult, caused: str, causing: str, alpha: float = 0.05) -> tuple[float, float, float]:
    """Sum of the lag coefficients of ``causing`` in the equation of ``caused`` (the long-run sign of the
    link), with a Wald interval from the VAR's coefficient covariance."""
    names = [(f"L{k}.{causing}", caused) for k in range(1, res.lag_order + 1)]
    est = float(sum(res.model.params.loc[r, c] for r, c in names))
    cov = res.model.cov_params().loc[names, names].to_numpy()
    se = float(np.sqrt(cov.sum()))
    q = sps.norm.ppf(1 - alpha / 2)
    return est, est - q * se, est + q * se


@dataclass
class BlockBootstrap:
    """Draws of a statistic from :func:`block_bootstrap`, and the book's one reading of them.

    ``draws`` has one row per draw and one column per value the statistic returns; ``block`` is the mean block
    length used (rows), ``scheme`` names the resampling.
    """

    draws: np.ndarray
    block: int
    scheme: str

    def interval(self, alpha: float = 0.05) -> np.ndarray:
        """Percentile interval per column: the ``alpha/2`` and ``1 - alpha/2`` quantiles of the draws
        (shape ``2 x k``; ``[lo, hi]`` for a one-value statistic)."""
        q = np.quantile(self.draws, [alpha / 2, 1 - alpha / 2], axis=0)
        return q[:, 0] if q.shape[1] == 1 else q

    def p_value(self) -> float | np.ndarray:
        """Two-sided p-value of "the statistic is zero", per column: twice the smaller share of draws on
        either side of zero, counted with +1 (Davison-Hinkley), ``min(1, 2 (min(#{d <= 0}, #{d >= 0}) + 1)
        / (B + 1))``.  The smallest reportable p is ``2 / (B + 1)``, never 0."""
        return bootstrap_p(self.draws)


def bootstrap_p(draws: np.ndarray | pd.Series | pd.DataFrame) -> float | np.ndarray:
    """The book's bootstrap p-value convention (see :meth:`BlockBootstrap.p_value`) for draws already made."""
    d = np.asarray(draws, dtype=float)
    d2 = d.reshape(len(d), -1)
    tail = np.minimum((d2 <= 0).sum(axis=0), (d2 >= 0).sum(axis=0))
    p = np.minimum(1.0, 2 * (tail + 1) / (len(d2) + 1))
    return float(p[0]) if d.ndim == 1 or d2.shape[1] == 1 else p


def block_bootstrap(
    stat,
    *data: np.ndarray | pd.Series | pd.DataFrame,
    n_boot: int,
    min_block: int = 1,
    block: int | None = None,
    seed: int | np.random.Generator = config.SEED,
) -> BlockBootstrap:
    """The book's one block bootstrap: ``arch``'s stationary bootstrap (Politis-Romano 1994) of the rows of
    ``data``, ``stat(*resampled)`` computed on each of ``n_boot`` draws.

    Every array in ``data`` has the same rows and is resampled with the same indices (so several statistics
    computed in one call keep their dependence).  The mean block length is the Politis-White (2004, Patton et
    al. 2009 correction) optimal length for the stationary bootstrap, ``arch.bootstrap.optimal_block_length``,
    taken over every column of ``data`` (the largest, rounded up), but never below ``min_block`` (the caller's
    design floor, e.g. the overlap ``h`` of ``h``-day forward returns); ``block`` fixes it instead.  The seed is
    the book-wide :data:`unwind.config.SEED` unless a caller passes another.  Read the draws with
    :meth:`BlockBootstrap.interval` (percentile) and :meth:`BlockBootstrap.p_value` (two-sided, +1 counts).
    """
    from arch.bootstrap import StationaryBootstrap, optimal_block_length  # noqa: PLC0415

    arrays = [np.asarray(a, dtype=float) for a in data]
    n = len(arrays[0])
    if block is None:
        cols = np.column_stack([a.reshape(n, -1) for a in arrays])
        cols = cols[:, cols.std(axis=0) > 0]
        opt = optimal_block_length(cols)["stationary"].to_numpy() if cols.shape[1] else np.array([1.0])
        opt = opt[np.isfinite(opt)]
        block = int(np.ceil(opt.max())) if len(opt) else 1
        block = max(int(min_block), block)
    block = int(min(max(1, block), n))
    bs = StationaryBootstrap(block, *arrays, seed=seed)

    def one(*a: np.ndarray) -> np.ndarray:
        return np.atleast_1d(np.asarray(stat(*a), dtype=float))

    draws = bs.apply(one, n_boot)
    return BlockBootstrap(np.asarray(draws, dtype=float), block, f"stationary bootstrap, mean block {block}")


def block_bootstrap_mean(
    x: pd.Series, *, block: int, n_boot: int = 2000, alpha: float = 0.05, seed: int = config.SEED
) -> tuple[float, float]:
    """Block-bootstrap percentile interval for the mean of a (possibly overlapping, autocorrelated) series.

    :func:`block_bootstrap` with ``block`` as the floor of the mean block length; NaNs when the series is
    shorter than two blocks.
    """
    v = x.dropna().to_numpy()
    n = len(v)
    if n < 2 * block:
        return (np.nan, np.nan)
    b = block_bootstrap(np.mean, v, n_boot=n_boot, min_block=block, seed=seed)
    lo, hi = b.interval(alpha)
    return (float(lo), float(hi))


def corr_ci(x: np.ndarray | pd.Series, y: np.ndarray | pd.Series, alpha: float = 0.05) -> tuple[float, float]:
    """Interval for Pearson's r of paired observations: ``scipy.stats.pearsonr(x, y).confidence_interval``
    (Fisher's z; assumes roughly independent observations).  NaNs with fewer than four pairs."""
    x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    ok = np.isfinite(x) & np.isfinite(y)
    if ok.sum() <= 3:
        return (np.nan, np.nan)
    ci = sps.pearsonr(x[ok], y[ok]).confidence_interval(confidence_level=1 - alpha)
    return (float(ci.low), float(ci.high))


def bh_adjust(p_values: pd.Series) -> pd.Series:
    """Benjamini-Hochberg FDR-adjusted p-values (missing values stay missing)."""
    p = p_values.astype(float)
    out = pd.Series(np.nan, index=p.index)
    ok = p.notna()
    if ok.any():
        out[ok] = multipletests(p[ok], method="fdr_bh")[1]
    return out


@dataclass
class Verdict:
    """One row of a chapter's verdict table: what was tested, the estimate and what it means."""

    claim: str
    test: str
    estimate: float
    ci_low: float
    ci_high: float
    unit: str
    p_value: float
    n: int
    sample: str
    verdict: str

    def __post_init__(self) -> None:
        if self.verdict not in VERDICTS:
            raise ValueError(f"verdict {self.verdict!r} is not in the vocabulary {VERDICTS}")


def verdict_table(rows: list[Verdict], *, chapter: str, digits: int = 3) -> pd.DataFrame:
    """A chapter's verdicts with raw and BH-adjusted p-values, rounded so the printed table is stable."""
    df = pd.DataFrame([asdict(r) for r in rows])
    df.insert(0, "chapter", chapter)
    df["p_bh"] = bh_adjust(df["p_value"])
    for c in ("estimate", "ci_low", "ci_high"):
        df[c] = df[c].astype(float).round(2)
    for c in ("p_value", "p_bh"):
        df[c] = df[c].astype(float).round(digits)
    return df
