"""The liquidation feedback loop: measurement and tests for chapter ``liq``.

The article's mechanism: falling prices liquidate leveraged longs, the forced
selling pushes prices lower, which liquidates more longs.  Three testable parts:

* H1 -- down moves raise long liquidations (up moves raise short liquidations);
* H2 -- long liquidations predict *further* down moves beyond the same-period
  mechanical link (short liquidations predict further up moves);
* H3 -- the loop is stronger when leverage (open interest relative to market
  value) is high.

Conventions: returns are log returns in percent; liquidations enter as
``log(1 + USD m)``; every frame here is built from loader output passed in by
the caller (no file reads inside the statistics).  Liquidation definitions are
kept apart: ``bn`` = Binance only, ``bob`` = Binance + OKX + Bybit.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import statsmodels.api as sm
from statsmodels.regression.quantile_regression import QuantReg
from statsmodels.tools.sm_exceptions import IterationLimitWarning

from . import config, stats
from .events import CRASH
from .study import Estimate, registry

VAR_COLS = ["ret", "liq_long", "liq_short"]  # Cholesky ordering used for every impulse response
#: the Binance daily liquidation file changes construction on this day (study/book.yaml): a split point
CONSTRUCTION_CHANGE = registry.date("construction_change")
#: the robustness check LIQ.H4.feedback requires (study/02_liquidations.yaml)
SPLIT_CHECK = f"same sign before and after {CONSTRUCTION_CHANGE:%Y-%m-%d}"


# --- measurement ---------------------------------------------------------------------------------------------------
def log_liq(usd: pd.Series) -> pd.Series:
    """``log(1 + liquidations in US$ m)``: defined at zero, close to log(USD m) for large values."""
    if (usd.dropna() < 0).any():
        raise ValueError(f"{usd.name}: liquidations must be >= 0 USD")
    return np.log1p(usd / 1e6)


def bar_returns(close: pd.Series) -> pd.Series:
    """100 x log change of consecutive closes on a regular grid (a missing bar leaves two missing returns)."""
    return 100 * np.log(close).diff()


def resample_closes(klines: pd.DataFrame, rule: str) -> pd.Series:
    """Close of each ``rule`` bar from finer klines indexed by bar *open* time; incomplete bars are dropped."""
    g = klines["close_usdt"].resample(rule, label="left", closed="left")
    n = g.count()
    return g.last()[n == n.max()]


def leverage_z(oi_usd: pd.Series, price: pd.Series, window: int) -> pd.Series:
    """Leverage state: trailing z-score of log(open interest / price), i.e. OI in BTC, a market-cap proxy.

    OI divided by price is open interest in coins; divided by the (slowly growing) supply it would be
    OI / market cap.  The z-score over the trailing ``window`` observations (up to t, no look-ahead)
    removes the slow trend in the coin supply and in market depth.
    """
    x = np.log(oi_usd / price)
    m = x.rolling(window, min_periods=window // 2).mean()
    s = x.rolling(window, min_periods=window // 2).std()
    return (x - m) / s


def daily_frame(p: pd.DataFrame, *, coin: str = "btc", coins: pd.DataFrame | None = None) -> pd.DataFrame:
    """Daily modelling frame from the panel: return, log long/short liquidations (both definitions), OI state.

    Columns: ``ret`` (% log), ``liq_long``/``liq_short`` = Binance-only logs (BTC, 2020-12-23 ->
    2025-11-13), ``liq_long_bob``/``liq_short_bob`` = Binance+OKX+Bybit logs (-> 2025-09-08),
    the same in US$ m (``*_m``), ``oi_usd`` (all venues, -> 2025-09-08), ``d_oi_pct`` (log change, %),
    ``lev_z`` (365-day trailing z of log OI/price), ``funding`` (OI-weighted, % per 8h).
    For ``coin="eth"`` pass ``coins`` = :func:`unwind.sources.coinglass.bob_coins_daily` output; only the
    Binance+OKX+Bybit definition exists for ETH and it is put in ``liq_long``/``liq_short``.
    """
    out = pd.DataFrame(index=p.index)
    if coin == "btc":
        out["ret"] = p["btc_return_pct"]
        price = p["btc_close_usd"]
        out["liq_long_m"] = p["liq_binance_btc_long_usd"] / 1e6
        out["liq_short_m"] = p["liq_binance_btc_short_usd"] / 1e6
        out["liq_long_bob_m"] = p["liq_bob_btc_long_usd"] / 1e6
        out["liq_short_bob_m"] = p["liq_bob_btc_short_usd"] / 1e6
        out["oi_usd"] = p["oi_all_btc_usd"]
        out["funding"] = p["funding_oiw_pct"]
    else:
        if coins is None:
            raise ValueError("daily_frame(coin=...): pass the bob_coins_daily() frame for coins other than BTC")
        out["ret"] = p[f"{coin}_return_pct"]
        price = p[f"{coin}_close_usd"]
        c = coins.reindex(p.index)
        out["liq_long_m"] = c[f"{coin}_liq_long_usd"] / 1e6
        out["liq_short_m"] = c[f"{coin}_liq_short_usd"] / 1e6
        out["oi_usd"] = c[f"{coin}_oi_all_venues_usd"]
        out["funding"] = np.nan
    for side in ("long", "short"):
        out[f"liq_{side}"] = np.log1p(out[f"liq_{side}_m"])
        if f"liq_{side}_bob_m" in out:
            out[f"liq_{side}_bob"] = np.log1p(out[f"liq_{side}_bob_m"])
    out["d_oi_pct"] = 100 * np.log(out["oi_usd"]).diff()
    out["lev_z"] = leverage_z(out["oi_usd"], price, 365)
    return out


def intraday_frame(
    liq: pd.DataFrame,
    close: pd.Series,
    coin: str,
    *,
    oi: pd.Series | None = None,
    funding: pd.Series | None = None,
    lev_window: int = 6 * 90,
) -> pd.DataFrame:
    """4h (or 1h) modelling frame: bar return and log long/short liquidations aligned on UTC bar *open* times.

    ``liq`` holds ``{coin}_liq_long_usd``/``{coin}_liq_short_usd`` (or ``liq_long_usd``/``liq_short_usd``);
    ``close`` the bar closes of the same grid.  Optional ``oi`` (USD, same grid) adds ``d_oi_pct`` and
    ``lev_z`` (trailing z of log OI/price over ``lev_window`` bars); ``funding`` adds ``funding``.
    """
    pre = f"{coin}_" if f"{coin}_liq_long_usd" in liq else ""
    out = pd.DataFrame(index=liq.index)
    out["ret"] = bar_returns(close.reindex(close.index.union(liq.index))).reindex(liq.index)
    for side in ("long", "short"):
        out[f"liq_{side}_m"] = liq[f"{pre}liq_{side}_usd"] / 1e6
        out[f"liq_{side}"] = np.log1p(out[f"liq_{side}_m"])
    if oi is not None:
        oi = oi.reindex(liq.index)
        out["oi_usd"] = oi
        out["d_oi_pct"] = 100 * np.log(oi).diff()
        out["lev_z"] = leverage_z(oi, close.reindex(liq.index), lev_window)
    if funding is not None:
        out["funding"] = funding.reindex(liq.index)
    return out.dropna(subset=["ret", "liq_long", "liq_short"])


# --- H1: the mechanical link ---------------------------------------------------------------------------------------
def h1_mechanical(df: pd.DataFrame, *, side: str = "long", lags: int = 1) -> pd.DataFrame:
    """Same-period link: log liquidations on the size of the down move and the up move (HAC OLS).

    Regression ``liq_side(t) = a + b_down * max(-ret(t), 0) + b_up * max(ret(t), 0) + c * liq_side(t-1..t-lags)``.
    The loop's first step (H1) says ``b_down > 0`` for longs (``b_up > 0`` for shorts).
    Returns one row per slope: coefficient (log points of liquidations per 1 % move), HAC interval, p, n.
    """
    y = df[f"liq_{side}"]
    X = pd.DataFrame({"down_pct": (-df["ret"]).clip(lower=0), "up_pct": df["ret"].clip(lower=0)})
    for k in range(1, lags + 1):
        X[f"liq_lag{k}"] = y.shift(k)
    res = stats.hac_ols(y, X)
    ci = res.conf_int()
    return pd.DataFrame(
        {
            "coef": res.params,
            "ci_low": ci[0],
            "ci_high": ci[1],
            "p_value": res.pvalues,
            "n": int(res.nobs),
            "hac_lags": res.hac_lags,
        }
    ).loc[["down_pct", "up_pct"]]


# --- H2: prediction beyond the mechanical link -----------------------------------------------------------------------
def predictive(
    df: pd.DataFrame,
    *,
    x: str = "liq_long",
    lags: int = 3,
    exclude: pd.DatetimeIndex | None = None,
    controls: list[str] | None = None,
) -> pd.Series:
    """HAC OLS of the next period's return on ``x(t)`` controlling the return at t..t-lags+1 and both log liquidations.

    Controlling for ``ret(t)`` means the coefficient on ``x`` measures what liquidations add
    beyond the same-period move (the mechanical link).  ``exclude``: periods t dropped (e.g. 10/10).
    Returns coef (% next-period return per unit of ``x``), HAC interval, p, n.
    """
    y = df["ret"].shift(-1).rename("ret_next")
    X = pd.DataFrame({x: df[x]})
    for k in range(lags):
        X[f"ret_lag{k}"] = df["ret"].shift(k)
    for c in ("liq_long", "liq_short"):
        if c != x and c in df:
            X[c] = df[c]
    for c in controls or []:
        X[c] = df[c]
    if exclude is not None:
        keep = ~X.index.isin(exclude)
        y, X = y[keep], X[keep]
    res = stats.hac_ols(y, X)
    return stats.coef_row(res, x)


def var_analysis(df: pd.DataFrame, *, maxlags: int = 10, ic: str = "aic") -> stats.VarResult:
    """VAR on (ret, liq_long, liq_short) in that order, lag order by ``ic``, Wald causality both ways."""
    return stats.var_granger(df[VAR_COLS].dropna(), maxlags=maxlags, ic=ic)


def granger_table(res: stats.VarResult, alpha: float = 0.05) -> pd.DataFrame:
    """The VAR's Wald causality tests with the sign of each link: the summed lag coefficients and their 95 % CI.

    A Wald rejection says only that the lags matter; ``lag_sum`` (sum over lags of the coefficients of
    ``causing`` in the equation of ``caused``, :func:`unwind.stats.var_lag_sum`) says in which direction on net.
    ``net_sign`` is +1 / -1 when the interval lies wholly above / below zero, else 0.
    """
    out = res.causality.copy()
    sums = [stats.var_lag_sum(res, r.caused, r.causing, alpha) for r in out.itertuples()]
    out["lag_sum"] = [s[0] for s in sums]
    out["lag_sum_low"] = [s[1] for s in sums]
    out["lag_sum_high"] = [s[2] for s in sums]
    out["net_sign"] = np.where(out["lag_sum_low"] > 0, 1, np.where(out["lag_sum_high"] < 0, -1, 0))
    return out


def granger_link(res: stats.VarResult, caused: str, causing: str) -> pd.Series:
    """One row of :func:`granger_table`: Wald p of ``causing`` -> ``caused`` with the summed lags and their CI."""
    t = granger_table(res).set_index(["caused", "causing"])
    return t.loc[(caused, causing)]


def var_confirms(res: stats.VarResult, caused: str, causing: str, sign: int, alpha: float = 0.05) -> bool:
    """The VAR check of a signed predictive claim: Wald p < ``alpha``, summed-lag CI wholly on ``sign``'s side."""
    r = granger_link(res, caused, causing)
    return bool(r["p_value"] < alpha and r["net_sign"] == sign)


def split_link(
    d: pd.DataFrame,
    split: pd.Timestamp,
    *,
    caused: str = "liq_long",
    causing: str = "ret",
    alpha: float = 0.05,
    maxlags: int = 10,
) -> pd.DataFrame:
    """The same VAR (:func:`var_analysis`, lag order by AIC in each half) fitted separately on the rows before
    ``split`` and on those from ``split`` on, with the summed lags of ``causing`` in the equation of ``caused``.

    One row per half ("before", "from"): summed lags, their 95 % CI, ``net_sign`` (+1 / -1 when the interval lies
    wholly above / below zero, else 0), the Wald p, the lag order and n.
    """
    rows = []
    for name, f in (("before", d.loc[d.index < split]), ("from", d.loc[d.index >= split])):
        v = var_analysis(f, maxlags=maxlags)
        r = granger_table(v, alpha).set_index(["caused", "causing"]).loc[(caused, causing)]
        rows.append(
            {
                "half": name,
                "lag_sum": float(r["lag_sum"]),
                "ci_low": float(r["lag_sum_low"]),
                "ci_high": float(r["lag_sum_high"]),
                "net_sign": int(r["net_sign"]),
                "p_value": float(r["p_value"]),
                "lags": v.lag_order,
                "n": v.n,
                "first": f.index.min(),
                "last": f.index.max(),
            }
        )
    return pd.DataFrame(rows).set_index("half")


def same_sign_halves(halves: pd.DataFrame) -> bool:
    """The construction-split check: both halves of :func:`split_link` have a net sign, and the same one (each
    half's summed-lag interval excludes zero on that side)."""
    s = halves["net_sign"]
    return bool(s.iloc[0] != 0 and (s == s.iloc[0]).all())


def orth_irf(model, horizon: int) -> pd.DataFrame:
    """Orthogonalised impulse responses (Cholesky, ordering ``VAR_COLS``) with asymptotic 95 % bands, tidy."""
    irf = model.irf(horizon)
    se = irf.stderr(orth=True)
    names = list(model.names)
    rows = []
    for i, resp in enumerate(names):
        for j, imp in enumerate(names):
            for h in range(horizon + 1):
                v, s = irf.orth_irfs[h, i, j], se[h, i, j]
                rows.append(
                    {
                        "impulse": imp,
                        "response": resp,
                        "h": h,
                        "irf": v,
                        "ci_low": v - 1.96 * s,
                        "ci_high": v + 1.96 * s,
                    }
                )
    return pd.DataFrame(rows)


def _cum_return_response(coefs: np.ndarray, chol: np.ndarray, horizon: int, shut: bool) -> float:
    """Cumulative return response (sum over h=0..horizon) to a return shock scaled to -1 % on impact.

    ``shut=True`` zeroes the liquidation terms in the return equation (the loop switched off).
    """
    A = coefs.copy()
    if shut:
        A[:, 0, 1:] = 0.0
    p = A.shape[0]
    shock = chol[:, 0] / chol[0, 0] * -1.0
    path = [shock]
    for _ in range(horizon):
        nxt = sum(A[k] @ path[-1 - k] for k in range(min(p, len(path))))
        path.append(nxt)
    return float(sum(v[0] for v in path))


def amplification(model, horizon: int, *, n_draws: int = 1000, seed: int = config.SEED) -> pd.Series:
    """Implied amplification of an initial -1 % return shock through the liquidation channel.

    Ordering ret -> liq_long -> liq_short: the shock moves liquidations in the same bar (H1); the loop
    then acts only through the lagged liquidation terms of the return equation (H2).  ``total`` is the
    cumulative return over h = 0..horizon, ``no_loop`` the same with those terms set to zero, ``ratio``
    = total / no_loop (> 1 = amplification).  Interval: 2.5-97.5 % of ``n_draws`` draws of the VAR
    coefficients from their asymptotic normal distribution (residual covariance held fixed).
    """
    chol = np.linalg.cholesky(np.asarray(model.sigma_u))
    total = _cum_return_response(model.coefs, chol, horizon, False)
    base = _cum_return_response(model.coefs, chol, horizon, True)
    params = model.params  # rows: const, L1.x, ...; columns: equations
    mean = params.stack().to_numpy()
    cov = np.asarray(model.cov_params())
    rng = np.random.default_rng(seed)
    draws = rng.multivariate_normal(mean, cov, size=n_draws, method="cholesky")
    K, p = model.neqs, model.k_ar
    ratios, extras = [], []
    for d in draws:
        B = d.reshape(params.shape)  # same (regressor, equation) layout as params
        coefs = np.stack([B[1 + k * K : 1 + (k + 1) * K, :].T for k in range(p)])
        t = _cum_return_response(coefs, chol, horizon, False)
        b = _cum_return_response(coefs, chol, horizon, True)
        ratios.append(t / b)
        extras.append(t - b)
    lo, hi = np.quantile(ratios, [0.025, 0.975])
    elo, ehi = np.quantile(extras, [0.025, 0.975])
    return pd.Series(
        {
            "total_pct": total,
            "no_loop_pct": base,
            "extra_pct": total - base,
            "extra_low": elo,
            "extra_high": ehi,
            "ratio": total / base,
            "ratio_low": lo,
            "ratio_high": hi,
            "horizon": horizon,
        }
    )


def lp_responses(df: pd.DataFrame, horizons: range, *, shock: str, lags: int = 2) -> pd.DataFrame:
    """Local projections (one HAC regression per horizon) of the cumulative return from t+1 to t+1+h on ``shock(t)``.

    Controls: ret(t..t-lags+1) and the other liquidation series at t, so the same-period mechanical
    link is held fixed; free of any VAR ordering.
    """
    y = df["ret"].shift(-1)
    ctrl = pd.DataFrame({f"ret_lag{k}": df["ret"].shift(k) for k in range(lags)})
    for c in ("liq_long", "liq_short"):
        if c != shock:
            ctrl[c] = df[c]
    for k in range(1, lags):
        ctrl[f"{shock}_lag{k}"] = df[shock].shift(k)
    return stats.local_projections(y, df[shock], horizons, controls=ctrl)


# --- high-frequency chain --------------------------------------------------------------------------------------------
def hf_chain(df: pd.DataFrame, *, n_boot: int = 500, seed: int = config.SEED, block: int = 24) -> pd.DataFrame:
    """ret(t) -> liq_long(t+1) -> ret(t+2), each step a HAC regression with the same-bar link held fixed.

    Step a: ``liq_long(t+1)`` on ``ret(t)``, controlling ``ret(t+1)``, ``liq_long(t)``.
    Step b: ``ret(t+2)`` on ``liq_long(t+1)``, controlling ``ret(t+1)``, ``ret(t)``, ``liq_short(t+1)``.
    Indirect effect a x b (% of ret(t+2) per 1 % ret(t)) with a block-bootstrap percentile interval and
    two-sided p (:func:`unwind.stats.block_bootstrap`: stationary bootstrap, mean block the Politis-White
    optimal length, at least ``block`` bars).
    """
    d = pd.DataFrame(
        {
            "ret0": df["ret"],
            "ret1": df["ret"].shift(-1),
            "ret2": df["ret"].shift(-2),
            "L0": df["liq_long"],
            "L1": df["liq_long"].shift(-1),
            "S1": df["liq_short"].shift(-1),
        }
    ).dropna()

    def fit(data: pd.DataFrame, hac: bool):
        if hac:
            ra = stats.hac_ols(data["L1"], data[["ret0", "ret1", "L0"]])
            rb = stats.hac_ols(data["ret2"], data[["L1", "ret1", "ret0", "S1"]])
            return ra, rb
        Xa = sm.add_constant(data[["ret0", "ret1", "L0"]].to_numpy())
        Xb = sm.add_constant(data[["L1", "ret1", "ret0", "S1"]].to_numpy())
        a = np.linalg.lstsq(Xa, data["L1"].to_numpy(), rcond=None)[0][1]
        b = np.linalg.lstsq(Xb, data["ret2"].to_numpy(), rcond=None)[0][1]
        return a, b

    ra, rb = fit(d, True)
    a, b = ra.params["ret0"], rb.params["L1"]
    cols = list(d.columns)

    def indirect(v: np.ndarray) -> float:
        ba, bb = fit(pd.DataFrame(v, columns=cols), False)
        return ba * bb

    boot = stats.block_bootstrap(indirect, d.to_numpy(), n_boot=n_boot, min_block=block, seed=seed)
    lo, hi = boot.interval(0.05)
    ca, cb = ra.conf_int().loc["ret0"], rb.conf_int().loc["L1"]
    return pd.DataFrame(
        [
            {
                "step": "a: ret(t) -> liq_long(t+1)",
                "coef": a,
                "ci_low": ca[0],
                "ci_high": ca[1],
                "p_value": ra.pvalues["ret0"],
                "n": int(ra.nobs),
            },
            {
                "step": "b: liq_long(t+1) -> ret(t+2)",
                "coef": b,
                "ci_low": cb[0],
                "ci_high": cb[1],
                "p_value": rb.pvalues["L1"],
                "n": int(rb.nobs),
            },
            {
                "step": "a x b: ret(t) -> ret(t+2) via liq",
                "coef": a * b,
                "ci_low": lo,
                "ci_high": hi,
                "p_value": boot.p_value(),
                "n": len(d),
            },
        ]
    ).set_index("step")


def dollar_effect(
    df: pd.DataFrame,
    *,
    per_usd_m: float = 100.0,
    exclude: pd.DatetimeIndex | None = None,
    controls: tuple[str, ...] = (),
) -> pd.Series:
    """Next-bar return (%) per ``per_usd_m`` US$ m more long liquidations in a bar (linear in dollars, HAC).

    Controls: ret(t), ret(t-1) and short liquidations (US$ m), so the effect is beyond the same-bar move; plus any
    columns of ``df`` named in ``controls`` (e.g. trading activity, chapter 06).
    """
    y = df["ret"].shift(-1).rename("ret_next")
    X = pd.DataFrame(
        {
            "long_per_unit": df["liq_long_m"] / per_usd_m,
            "ret0": df["ret"],
            "ret1": df["ret"].shift(1),
            "short_per_unit": df["liq_short_m"] / per_usd_m,
        }
    )
    for c in controls:
        X[c] = df[c]
    if exclude is not None:
        keep = ~X.index.isin(exclude)
        y, X = y[keep], X[keep]
    res = stats.hac_ols(y, X)
    return stats.coef_row(res, "long_per_unit")


def bars_above(
    df: pd.DataFrame, thresholds_m: tuple[float, ...] = (100.0, 50.0), *, col: str = "liq_long_m"
) -> pd.Series:
    """How many bars exceed each threshold (US$ m of ``col``), and out of how many bars with a value."""
    x = df[col].dropna()
    out = pd.Series({f"above US$ {t:g} m": int((x > t).sum()) for t in thresholds_m})
    out["bars"] = len(x)
    return out


def drop_top_k(df: pd.DataFrame, ks: tuple[int, ...] = (0, 1, 3, 5, 10), *, per_usd_m: float = 100.0) -> pd.DataFrame:
    """Influence of the largest bars on :func:`dollar_effect`: refit without the k bars with the largest long
    liquidations, for each k in ``ks`` (k = 0: all bars).  One row per k: coefficient, 95 % CI, p, n and the
    smallest liquidation (US$ m) dropped.  Delegates to :func:`unwind.next_crash.influence` (one implementation).
    """
    from . import next_crash

    def fit(f: pd.DataFrame, exclude: pd.DatetimeIndex | None = None) -> pd.Series:
        return dollar_effect(f, per_usd_m=per_usd_m, exclude=exclude)

    return next_crash.influence(df, fit, by="liq_long_m", ks=tuple(ks))


# --- H3: leverage state ---------------------------------------------------------------------------------------------
def leverage_interaction(
    df: pd.DataFrame, *, state: str = "lev_z", side: str = "long", exclude: pd.DatetimeIndex | None = None
) -> pd.DataFrame:
    """Does the predictive link depend on the leverage state? HAC OLS of ret(t+1) on liq, state(t-1) and their product.

    The state is lagged one period so that the crash itself does not define the state.  H3 for longs:
    the product's coefficient is negative (more negative next return per unit of long liquidations
    when leverage is high); for shorts, positive.  ``state`` is standardised over the sample.
    """
    x = df[f"liq_{side}"]
    s = df[state].shift(1)
    s = (s - s.mean()) / s.std()
    X = pd.DataFrame(
        {"liq": x, "state": s, "liq_x_state": (x - x.mean()) * s, "ret0": df["ret"], "ret1": df["ret"].shift(1)}
    )
    y = df["ret"].shift(-1).rename("ret_next")
    if exclude is not None:
        keep = ~X.index.isin(exclude)
        y, X = y[keep], X[keep]
    res = stats.hac_ols(y, X)
    ci = res.conf_int()
    return pd.DataFrame(
        {"coef": res.params, "ci_low": ci[0], "ci_high": ci[1], "p_value": res.pvalues, "n": int(res.nobs)}
    ).loc[["liq", "state", "liq_x_state"]]


def h1_by_state(df: pd.DataFrame, *, state: str = "lev_z") -> pd.Series:
    """Is the mechanical link (H1, longs) stronger in high leverage? Interaction of the down move with state(t-1)."""
    s = df[state].shift(1)
    s = (s - s.mean()) / s.std()
    down = (-df["ret"]).clip(lower=0)
    X = pd.DataFrame(
        {
            "down_pct": down,
            "state": s,
            "down_x_state": down * s,
            "up_pct": df["ret"].clip(lower=0),
            "liq_lag1": df["liq_long"].shift(1),
        }
    )
    res = stats.hac_ols(df["liq_long"], X)
    return stats.coef_row(res, "down_x_state")


# --- tails ----------------------------------------------------------------------------------------------------------
def quantile_effects(
    df: pd.DataFrame, quantiles: tuple[float, ...] = (0.05, 0.1, 0.5, 0.9, 0.95), *, x: str = "liq_long"
) -> pd.DataFrame:
    """Quantile regressions of ret(t+1) on ``x(t)`` and ret(t): is the lower tail (crash) side more exposed?

    Include upper quantiles: if liquidations widen both tails alike, they signal volatility, not crashes.
    """
    d = pd.DataFrame({"ret_next": df["ret"].shift(-1), x: df[x], "ret0": df["ret"]}).dropna()
    X = sm.add_constant(d[[x, "ret0"]])
    rows = []
    for q in quantiles:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", IterationLimitWarning)  # near-degenerate fits in the extreme quantiles
            res = QuantReg(d["ret_next"], X).fit(q=q, max_iter=5000)
        lo, hi = res.conf_int().loc[x]
        rows.append(
            {
                "quantile": q,
                "coef": res.params[x],
                "ci_low": lo,
                "ci_high": hi,
                "p_value": res.pvalues[x],
                "n": int(res.nobs),
            }
        )
    return pd.DataFrame(rows).set_index("quantile")


# --- the 10/10 event ------------------------------------------------------------------------------------------------
def event_rank(series: pd.Series, day: pd.Timestamp, *, largest: bool = True) -> pd.Series:
    """Where ``day`` ranks among itself and every EARLIER observation (1 = most extreme), with its percentile.

    ``p_value`` is the empirical rank p-value rank / n (the chance a random earlier-or-same day is at least
    as extreme).
    """
    s = series.dropna()
    s = s[s.index <= day]
    if day not in s.index:
        raise KeyError(f"{series.name}: no value on {day.date()}")
    v = s.loc[day]
    rank = int((s > v).sum() + 1) if largest else int((s < v).sum() + 1)
    n = len(s)
    return pd.Series(
        {
            "value": v,
            "rank": rank,
            "n": n,
            "percentile": 100 * (1 - (rank - 1) / n),
            "p_value": rank / n,
            "first": s.index.min(),
        }
    )


def crash_window(day: pd.Timestamp = CRASH) -> pd.DatetimeIndex:
    """The crash day as a one-element index, for ``exclude=`` arguments."""
    return pd.DatetimeIndex([day])


def rank_against(value: float, history: pd.Series) -> pd.Series:
    """Rank of ``value`` among ``history`` plus itself (1 = largest), percentile and empirical p = rank / n."""
    h = history.dropna()
    rank = int((h > value).sum() + 1)
    n = len(h) + 1
    return pd.Series(
        {"value": value, "rank": rank, "n": n, "percentile": 100 * (1 - (rank - 1) / n), "p_value": rank / n}
    )


def stationarity_table(df: pd.DataFrame, cols: list[str], label: str) -> pd.DataFrame:
    """ADF and KPSS p-values for each column (``stats.stationarity``), one row per column."""
    rows = []
    for c in cols:
        r = stats.stationarity(df[c])
        rows.append({"sample": label, "series": c, **r})
    return pd.DataFrame(rows)


# --- loading (loaders only; no statistics) ---------------------------------------------------------------------------
def load_4h(coin: str = "btc") -> pd.DataFrame:
    """4h frame for one coin: Binance-only liquidations and Binance spot returns (2024-11-13 -> 2025-11-14).

    BTC also gets all-venue OI (``d_oi_pct``, ``lev_z`` over 90 days) and OI-weighted funding.
    ETH/SOL closes are the last hourly close of each 4h bar (equal to Binance's own 4h bars).
    """
    from .sources import binance as bn
    from .sources import coinglass as cg

    liq = cg.binance_liquidations_4h()
    if coin == "btc":
        close = bn.binance_intraday("BTCUSDT", "spot", "4h")["close_usdt"]
        return intraday_frame(
            liq,
            close,
            coin,
            oi=cg.oi_all_venues_4h()["oi_all_venues_close_usd"],
            funding=cg.funding_weighted_4h()["funding_oiw_pct"],
        )
    close = resample_closes(bn.binance_intraday(f"{coin.upper()}USDT", "spot", "1h"), "4h")
    return intraday_frame(liq, close, coin)


def load_1h_2026() -> pd.DataFrame:
    """1h frame: BTC liquidations Binance+Bybit+OKX (2025-11-23 -> 2026-05-22) with Binance spot hourly returns."""
    from .sources import binance as bn
    from .sources import coinglass as cg

    return intraday_frame(
        cg.bob_liquidations_1h_2026(), bn.binance_intraday("BTCUSDT", "spot", "1h")["close_usdt"], "btc"
    )


def crash_bars(index: pd.DatetimeIndex, day: pd.Timestamp = CRASH) -> pd.DatetimeIndex:
    """The bars of an intraday index that open on the crash day (UTC)."""
    start = day.tz_localize("UTC") if index.tz is not None else day
    return index[(index >= start) & (index < start + pd.Timedelta(days=1))]


def oi_drop_rank(daily_oi_bob: pd.Series, oi_4h: pd.Series, day: pd.Timestamp = CRASH) -> pd.DataFrame:
    """How the crash day's one-day fall in all-venue OI compares with every earlier day, in two pulls.

    ``daily_oi_bob``: the daily all-venue OI pull (2020 -> 2025-09-08); ``oi_4h``: the 4h pull
    (2024-11-21 -> 2025-11-14), reduced to the close of each UTC day.  The two pulls are never
    spliced: the crash-day fall (from the 4h pull) is ranked against each pull's earlier days.
    """
    d4 = oi_4h.groupby(oi_4h.index.tz_convert(None).normalize()).last()
    fall4 = -100 * np.log(d4).diff()
    fall_b = -100 * np.log(daily_oi_bob).diff()
    v = fall4.loc[day]
    rows = [
        rank_against(v, fall4[fall4.index < day]).rename("4h pull, 2024-11-22 on"),
        rank_against(v, fall_b[fall_b.index < day]).rename("daily pull, 2020-02-28 to 2025-09-08"),
    ]
    out = pd.DataFrame(rows)
    out["fall_pct"] = 100 * (1 - np.exp(-v / 100))
    return out


# --- estimates for the registered hypotheses (study/02_liquidations.yaml) ------------------------------------------
def evidence(p: pd.DataFrame, *, n_draws: int = 1000) -> dict:
    """Every estimate the registered hypotheses rest on (deterministic; a few seconds)."""
    d = daily_frame(p).loc["2020-12-23":"2025-11-13"]
    h4 = load_4h("btc")
    from .sources import coinglass as cg

    h1l, h1s = h1_mechanical(d, side="long").loc["down_pct"], h1_mechanical(d, side="short").loc["up_pct"]
    h2_daily = predictive(d)
    h2s_daily = predictive(d, x="liq_short")
    dollar = dollar_effect(h4)
    dollar_ex = dollar_effect(h4, exclude=crash_bars(h4.index))
    h2_4h_log = predictive(h4)
    v_d = var_analysis(d)
    fb_split = split_link(d, CONSTRUCTION_CHANGE)
    v4 = var_analysis(h4)
    amp = amplification(v4.model, 6, n_draws=n_draws)
    wald4 = v4.causality.set_index(["caused", "causing"]).loc[("ret", "liq_long"), "p_value"]
    h3 = leverage_interaction(d).loc["liq_x_state"]
    h3_4h = leverage_interaction(h4).loc["liq_x_state"]
    oi = oi_drop_rank(cg.bob_btc_daily()["oi_all_venues_usd"], cg.oi_all_venues_4h()["oi_all_venues_close_usd"])
    return {
        "daily": d,
        "h4": h4,
        "h1_long": h1l,
        "h1_short": h1s,
        "h2_daily": h2_daily,
        "h2s_daily": h2s_daily,
        "dollar": dollar,
        "dollar_ex": dollar_ex,
        "h2_4h_log": h2_4h_log,
        "var_d": v_d,
        "var4": v4,
        "amp": amp,
        "wald4": float(wald4),
        "h3": h3,
        "h3_4h": h3_4h,
        "oi_rank": oi,
        "fb_split": fb_split,
    }


def span(idx: pd.Index) -> str:
    """'YYYY-MM-DD .. YYYY-MM-DD' of an index (UTC timestamps shown as dates)."""
    idx = idx.tz_convert(None) if getattr(idx, "tz", None) is not None else idx
    return f"{idx.min():%Y-%m-%d} .. {idx.max():%Y-%m-%d}"


_ci = Estimate.from_regression


def holds(r: pd.Series, sign: int, alpha: float) -> bool:
    """A robustness variant holds: p < ``alpha`` with the registered sign."""
    return bool(r["p_value"] < alpha and np.sign(r["coef"]) == sign)


def amp_estimate(amp: pd.Series, wald_p: float, var, sample: str) -> Estimate:
    """The amplification Estimate (ratio - 1 with the interval of the coefficient draws, Wald p of long
    liquidations -> return) from :func:`amplification` and the 4h VAR (in sample here, out of sample in 06)."""
    return Estimate(
        value=float(amp["ratio"]) - 1,
        low=float(amp["ratio_low"]) - 1,
        high=float(amp["ratio_high"]) - 1,
        interval="95% CI",
        p=wald_p,
        n=var.n,
        unit="amplification ratio - 1, 24h",
        sample=sample,
        method=f"VAR({var.lag_order}) ordering ret, long, short; cum. 24h response to a -1% shock with / without "
        "the liquidation terms; interval of coefficient draws; Wald p of long liq -> ret",
        text=f"ratio {amp['ratio']:.2f} ({amp['ratio_low']:.2f} to {amp['ratio_high']:.2f})",
    )


def estimates_from(ev: dict, alpha: float = 0.05) -> dict[str, Estimate]:
    """One :class:`~unwind.study.Estimate` per registered id of the chapter, from :func:`evidence` (no verdicts)."""
    d, h4, v_d, v4 = ev["daily"], ev["h4"], ev["var_d"], ev["var4"]
    day_s = f"BTC daily {span(d.dropna(subset=['ret', 'liq_long']).index)}, Binance-only liquidations"
    h4_s = f"BTC 4h {span(h4.index.tz_convert(None))}, Binance-only liquidations, Binance spot returns"
    out: dict[str, Estimate] = {}
    out["LIQ.H1.long"] = _ci(
        ev["h1_long"],
        unit="log pts per 1% fall",
        sample=day_s,
        method=f"HAC OLS (lags {int(ev['h1_long']['hac_lags'])}) of log(1+US$ m) long "
        "liquidations on the down move, up move and one own lag",
    )
    out["LIQ.H1.short"] = _ci(
        ev["h1_short"],
        unit="log pts per 1% rise",
        sample=day_s,
        method=f"HAC OLS (lags {int(ev['h1_short']['hac_lags'])}) of log(1+US$ m) short "
        "liquidations on the up move, down move and one own lag",
    )
    out["LIQ.H2.daily"] = _ci(
        ev["h2_daily"],
        unit="% next-day return per log pt",
        sample=day_s,
        method="HAC OLS ret(t+1) on log long liq(t), ctrl ret(t..t-2), short liq(t)",
        checks={"VAR confirms": var_confirms(v_d, "ret", "liq_long", -1, alpha)},
    )
    out["LIQ.H2.4h"] = _ci(
        ev["dollar"],
        unit="% next 4h return per US$ 100 m",
        sample=h4_s,
        method="HAC OLS ret(t+1) on long liq(t) in US$ 100 m, ctrl ret(t), ret(t-1), short liq(t)",
        checks={
            "holds without 10/10": holds(ev["dollar_ex"], -1, alpha),
            "holds in logs": holds(ev["h2_4h_log"], -1, alpha),
            "VAR confirms": var_confirms(v4, "ret", "liq_long", -1, alpha),
        },
    )
    out["LIQ.H2s.daily"] = _ci(
        ev["h2s_daily"],
        unit="% next-day return per log pt",
        sample=day_s,
        method="HAC OLS ret(t+1) on log short liq(t), ctrl ret(t..t-2), long liq(t)",
        checks={"VAR confirms": var_confirms(v_d, "ret", "liq_short", 1, alpha)},
    )
    h3 = ev["h3"]
    out["LIQ.H3.daily"] = _ci(
        h3,
        unit="% per log pt per 1 sd of leverage",
        sample=f"BTC daily {span(d.dropna(subset=['lev_z', 'liq_long', 'ret']).index)}, "
        "Binance-only liquidations, all-venue OI",
        method="HAC OLS ret(t+1) on long liq x leverage z(t-1), ctrl liq, state, ret(t..t-1)",
        checks={"same sign at 4h": bool(ev["h3_4h"]["coef"] < 0)},
    )
    fb = granger_link(v_d, "liq_long", "ret")
    out["LIQ.H4.feedback"] = Estimate(
        value=float(fb["lag_sum"]),
        low=float(fb["lag_sum_low"]),
        high=float(fb["lag_sum_high"]),
        interval="95% CI",
        p=float(fb["p_value"]),
        n=v_d.n,
        unit="log pts of long liq per 1% return, summed over lags",
        sample=day_s,
        method=f"VAR({v_d.lag_order}, AIC) of ret, log long, log short liq; summed lags of ret in the long-liq "
        "equation; Wald p of ret -> long liq",
        checks={SPLIT_CHECK: same_sign_halves(ev["fb_split"])},
    )
    amp = ev["amp"]
    out["LIQ.amp.4h"] = amp_estimate(amp, ev["wald4"], v4, h4_s)
    oi = ev["oi_rank"].iloc[1]  # ranked against the long daily pull: the stricter comparison
    out["LIQ.oct10"] = Estimate(
        value=float(oi["p_value"]),
        n=int(oi["n"]),
        unit="empirical rank p (rank / n)",
        sample="all-venue BTC OI, daily pull 2020-02-28 .. 2025-09-08, 10/10 from the 4h pull",
        method="rank of the one-day fall in all-venue OI among itself and every earlier day",
        text=f"OI fell {oi['fall_pct']:.1f}% on 10/10, rank {int(oi['rank'])} of {int(oi['n'])}",
    )
    return out


def estimates(p: pd.DataFrame) -> dict[str, Estimate]:
    """The chapter's registered hypotheses (``study/02_liquidations.yaml``), one Estimate each."""
    return estimates_from(evidence(p), registry.book().alpha)


def robustness(p: pd.DataFrame, ev: dict, coins: pd.DataFrame) -> pd.DataFrame:
    """H2 (long liquidations -> next return, HAC OLS with the same-period controls) across definitions, windows, coins.

    ``coins`` = :func:`unwind.sources.coinglass.bob_coins_daily` output.  One row per variant.
    """
    d = ev["daily"]
    bob = d.assign(liq_long=d["liq_long_bob"], liq_short=d["liq_short_bob"]).dropna(subset=["liq_long"])
    eth = daily_frame(p, coin="eth", coins=coins).loc["2020-12-23":"2025-09-08"]
    variants = [
        ("BTC daily, Binance-only", d, None),
        ("BTC daily, Binance+OKX+Bybit (to 2025-09-08)", bob, None),
        ("BTC daily, Binance-only, without 10/10", d, crash_window()),
        ("BTC daily, Binance-only, 2020-12..2023", d.loc[:"2023-12-31"], None),
        ("BTC daily, Binance-only, 2024..2025-11", d.loc["2024-01-01":], None),
        ("ETH daily, Binance+OKX+Bybit (to 2025-09-08)", eth, None),
    ]
    frames = {"BTC": ev["h4"], "ETH": load_4h("eth"), "SOL": load_4h("sol")}
    for coin, f in frames.items():
        variants.append((f"{coin} 4h, Binance-only", f, None))
    variants.append(("BTC 4h, Binance-only, without 10/10", ev["h4"], crash_bars(ev["h4"].index)))
    h1 = load_1h_2026()
    variants.append(("BTC 1h, Binance+Bybit+OKX, 2025-11-23..2026-05-22", h1, None))
    rows = []
    for name, f, ex in variants:
        r = predictive(f, exclude=ex)
        rows.append(
            {
                "variant": name,
                "coef_pct_per_logpt": r["coef"],
                "ci_low": r["ci_low"],
                "ci_high": r["ci_high"],
                "p_value": r["p_value"],
                "n": int(r["n"]),
            }
        )
    out = pd.DataFrame(rows)
    # amplification (VAR, ordering ret first) for the intraday samples
    amps = {}
    for coin, f in frames.items():
        amps[f"{coin} 4h, Binance-only"] = amplification(var_analysis(f).model, 6, n_draws=300)
    amps["BTC 1h, Binance+Bybit+OKX, 2025-11-23..2026-05-22"] = amplification(
        var_analysis(h1, maxlags=24).model, 24, n_draws=300
    )
    amp = pd.DataFrame(amps).T[["ratio", "ratio_low", "ratio_high"]]
    return out.merge(amp, left_on="variant", right_index=True, how="left")
