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


def block_indices(n: int, block: int, n_boot: int, seed: int | np.random.Generator = 0) -> np.ndarray:
    """Row indices for ``n_boot`` moving-block bootstrap samples of length ``n`` (shape ``n_boot x n``).

    Blocks of ``block`` consecutive rows start at uniformly drawn positions and are joined until ``n``
    rows are reached, so autocorrelation within a block is kept.
    """
    rng = seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed)
    k = int(np.ceil(n / block))
    starts = rng.integers(0, n - block + 1, size=(n_boot, k))
    return (starts[:, :, None] + np.arange(block)).reshape(n_boot, k * block)[:, :n]


def block_bootstrap_mean(
    x: pd.Series, *, block: int, n_boot: int = 2000, alpha: float = 0.05, seed: int = 0
) -> tuple[float, float]:
    """Moving-block bootstrap interval for the mean of a (possibly overlapping, autocorrelated) series."""
    v = x.dropna().to_numpy()
    n = len(v)
    if n < 2 * block:
        return (np.nan, np.nan)
    means = v[block_indices(n, block, n_boot, seed)].mean(axis=1)
    return tuple(np.quantile(means, [alpha / 2, 1 - alpha / 2]))


def fisher_ci(r: float, n: int, alpha: float = 0.05) -> tuple[float, float]:
    """Interval for a correlation by Fisher's z (assumes roughly independent observations)."""
    if n <= 3 or not np.isfinite(r):
        return (np.nan, np.nan)
    z, se = np.arctanh(r), 1 / np.sqrt(n - 3)
    q = sps.norm.ppf(1 - alpha / 2)
    return (float(np.tanh(z - q * se)), float(np.tanh(z + q * se)))


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
