"""The next crash: every causal claim of chapters 02-05 re-tested out of sample, on the 2026 sell-offs.

Chapter ``06_next_crash``.  The hypotheses are registered in ``study/06_next_crash.yaml``; that file was committed
alone (:data:`REGISTRATION_COMMIT`) before any estimate here was computed.  Each out-of-sample row ``OOS.<id>``
re-uses the in-sample specification of ``<id>`` unchanged: the specification is read from the in-sample chapter's
code (its function defaults and the values its ``evidence``/``estimates`` pass) into :data:`IN_SAMPLE_SPEC`, and
``tests/test_next_crash.py`` fails if the registered ``spec`` differs from it in anything.  Only the dates move.

Everything statistical is delegated to the in-sample chapters' functions (``liquidations``, ``etf_flows``,
``gold``, ``bottoming``); this module builds the later frames, calls them, and returns one
:class:`~unwind.study.Estimate` per registered id.  No verdict words: the study's rules decide.

Also here, because they belong to the out-of-sample argument: influence diagnostics (the k largest bars or days,
:func:`influence`; whole sell-offs, :func:`drop_windows`; days beyond the in-sample tail, :func:`daily_extremes`),
the split of the daily liquidation tests at the Binance file's construction change, and a pooled BTC/ETH/SOL/XRP 4h
panel (:func:`pooled_panel`).
"""

from __future__ import annotations

import inspect
import subprocess
from collections.abc import Callable

import numpy as np
import pandas as pd
import statsmodels.api as sm
from scipy import stats as sps

from . import bottoming as bot
from . import config, gold, stats
from . import etf_flows as etf
from . import liquidations as liq
from .study import Estimate, registry

CHAPTER = "06_next_crash"
REGISTRY_FILE = "study/06_next_crash.yaml"
#: the commit that added the registry file, alone, before any out-of-sample estimate (checked against git)
REGISTRATION_COMMIT = "7c957ebf5ae55e245ff50ebf4af388057bca2ac1"

FIT_END = registry.date("fit_end")
OOS_START = FIT_END + pd.Timedelta(days=1)
CRASH = registry.date("crash")
CONSTRUCTION_CHANGE = registry.date("construction_change")
#: chapter 02's check on LIQ.H4.feedback (the same net sign on both sides of the Binance file's construction change)
SPLIT_CHECK = f"same sign before and after {CONSTRUCTION_CHANGE:%Y-%m-%d}"
#: the 2026 sell-offs the chapter looks at (UTC days): the 31 January cascade and the 5-6 February low
EVENTS: dict[str, tuple[pd.Timestamp, pd.Timestamp]] = {
    "31 Jan 2026": (pd.Timestamp("2026-01-31"), pd.Timestamp("2026-01-31")),
    "5-6 Feb 2026": (pd.Timestamp("2026-02-05"), pd.Timestamp("2026-02-06")),
}
#: the two sell-offs inside the daily out-of-sample liquidation sample (UTC days, rows t dropped together by
#: :func:`drop_windows`): the January-February cascade (two days before the 31 January event to two days after the
#: 5-6 February low) and the late-May/early-June slide from about US$ 77k to 61k, after the hourly file ends
DAILY_EPISODES: dict[str, tuple[pd.Timestamp, pd.Timestamp]] = {
    "29 Jan - 8 Feb 2026": (pd.Timestamp("2026-01-29"), pd.Timestamp("2026-02-08")),
    "26 May - 7 Jun 2026": (pd.Timestamp("2026-05-26"), pd.Timestamp("2026-06-07")),
}
#: the influence diagnostic: drop the k bars with the largest long liquidations
INFLUENCE_K = (0, 1, 3, 5, 10)
POOLED_COINS = ("btc", "eth", "sol", "xrp")
#: the trading-activity control (no taker-flow series covers 2026): log of Binance spot dollar volume in the bar
CONTROL = "log_volume"
H4 = 6  # 4h bars in 24 hours: the amplification horizon of chapter 02


def _default(f: Callable, name: str):
    return inspect.signature(f).parameters[name].default


# --------------------------------------------------------------------------- the in-sample specification, as data
def in_sample_spec() -> dict[str, dict]:
    """The specification of every replicated in-sample row, read from the in-sample chapters' code.

    Values that are function defaults are read from the signature; the few that the in-sample ``evidence`` passes
    literally (the 24h amplification horizon of 6 bars) are checked by ``tests/test_next_crash.py`` against that
    code.  Keys are the OOS ids; the registered ``spec`` of each must be equal.
    """
    nw = "newey_west_rule"
    var_liq = {
        "variables": list(liq.VAR_COLS),
        "maxlags": _default(liq.var_analysis, "maxlags"),
        "ic": _default(liq.var_analysis, "ic"),
    }
    lags = _default(liq.predictive, "lags")
    logs = {"regressor": "log(1 + long liq US$ m)", "return_lags": lags, "controls": ["log(1 + short liq US$ m)"]}
    transforms = {"ret": "log return %", "liq_long": "log(1 + US$ m)", "liq_short": "log(1 + US$ m)"}
    per = _default(liq.dollar_effect, "per_usd_m")
    out: dict[str, dict] = {
        "OOS.LIQ.H2.4h": {
            "frequency": "4h",
            "dependent": "next-bar log return, %",
            "regressor": "long liquidations, US$ 100 m (linear)",
            "per_usd_m": per,
            "controls": ["ret(t)", "ret(t-1)", "short liquidations US$ 100 m"],
            "hac_lags": nw,
            "check_without": f"bars opening on the crash date ({CRASH:%Y-%m-%d})",
            "check_logs": logs,
            "check_var": {**var_liq, "sign": -1},
            "rule": "signed_test",
        },
        "OOS.LIQ.H2.daily": {
            "frequency": "daily",
            "dependent": "next-day log return, %",
            "regressor": "log(1 + long liq US$ m)",
            "return_lags": lags,
            "controls": [*[f"ret(t{'' if k == 0 else f'-{k}'})" for k in range(lags)], "log(1 + short liq US$ m)"],
            "hac_lags": nw,
            "check_var": {**var_liq, "sign": -1},
            "rule": "signed_test",
        },
        "OOS.LIQ.H4.feedback": {
            "frequency": "daily",
            **var_liq,
            "transforms": transforms,
            "estimate": "summed lags of ret in the liq_long equation, Wald 95 % CI",
            "check_split": {
                "date": f"construction_change ({CONSTRUCTION_CHANGE:%Y-%m-%d})",
                "halves": "the same VAR, lag order by AIC in each half",
                "holds": "summed-lag 95 % CIs on the same side of zero in both halves",
            },
            "rule": "signed_var",
        },
        "OOS.LIQ.amp.4h": {
            "frequency": "4h",
            **var_liq,
            "ordering": list(liq.VAR_COLS),
            "transforms": transforms,
            "horizon_bars": H4,
            "shock_pct": -1,
            "n_draws": _default(liq.evidence, "n_draws"),
            "seed": _default(liq.amplification, "seed"),
            "rule": "signed_test",
        },
    }
    etf_h1 = {
        "frequency": "U.S. trading days",
        "dependent": "r(t+1), U.S. close to U.S. close, log %",
        "regressor": "flow(t), US$ bn",
        "controls": ["r(t)"],
        "hac_lags": nw,
        "rule": "signed_test",
    }
    etf_var = {
        "frequency": "U.S. trading days",
        "variables": ["r_cc", "flow_pct_aum"],
        "maxlags": _default(etf.var_tests, "maxlags"),
        "ic": "aic",
        "rule": "signed_var",
    }
    out["OOS.ETF.H1.next"] = etf_h1
    out["OOS.ETF.H1.next.cw"] = etf_h1
    out["OOS.ETF.H1.var"] = etf_var
    out["OOS.ETF.H2.var"] = etf_var
    out["OOS.ETF.H2.next"] = {
        "frequency": "U.S. trading days",
        "dependent": "flow(t+1), US$ m",
        "regressor": "r(t), U.S. close to U.S. close, log %",
        "controls": ["flow(t) US$ m"],
        "hac_lags": nw,
        "rule": "signed_test",
    }
    common = "U.S. trading days, common days of all five pairs"
    pairs = list(gold.PAIRS)
    out["OOS.GOLD.H1"] = {
        "frequency": common,
        "pairs": pairs,
        "btc_clock": "16:00 New York",
        "bootstrap": {
            "block": "max(5, Politis-White optimal)",
            "scheme": "stationary (arch)",
            "draws": gold.N_BOOT,
            "seed": gold.SEED,
            "strongest_other": "re-selected in every draw",
        },
        "rule": "signed_test",
    }
    out["OOS.GOLD.H2.corr"] = {
        "frequency": common,
        "pairs": pairs,
        "btc_clock": "16:00 New York",
        "pre": f"{gold.PRE_START:%Y-%m-%d}..{gold.PRE_END:%Y-%m-%d}",
        "rule": "signed_test",
    }
    out["OOS.GOLD.H2.chow"] = {
        "frequency": common,
        "regressors": list(gold.BREAK_XS),
        "interactions": "every term with the post dummy",
        "hac_lags": nw,
        "btc_clock": "16:00 New York",
        "rule": "signed_test",
    }
    boot = {"draws": _default(bot.signal_forward_test, "n_boot"), "seed": _default(bot.signal_forward_test, "seed")}
    thresholds = {
        "oi_below_90d_high_pct": bot.OI_DD_MAX_PCT,
        "funding_below": 0,
        "liq_spike_ratio": bot.LIQ_SPIKE_RATIO,
        "liq_spike_within_days": bot.LIQ_SPIKE_WITHIN,
        "rolling_days": bot.ROLL_DAYS,
        "drawdown_pct": bot.DRAWDOWN_MAX_PCT,
    }
    for h in bot.HORIZONS:
        out[f"OOS.BOTTOM.H1.{h}d"] = {
            "frequency": "daily (calendar)",
            "signal": "fear_le_10 (F&G <= 10)",
            "horizon_days": h,
            "hac_lags": h,
            "bootstrap": {"block": f"max({h}, Politis-White optimal)", "scheme": "stationary (arch)", **boot},
            "episode_gap_days": bot.EPISODE_GAP_DAYS,
            "rule": "signed_test",
        }
        out[f"OOS.BOTTOM.H2.{h}d"] = {
            "frequency": "daily (calendar)",
            "fear_mask": "fear_le_25 (F&G <= 25)",
            "signal": "exhausted_2plus (>= 2 of " + ", ".join(bot.EXHAUSTION) + ")",
            "thresholds": thresholds,
            "horizon_days": h,
            "hac_lags": h,
            "bootstrap": {"block": f"max({h}, Politis-White optimal)", "scheme": "stationary (arch)", **boot},
            "episode_gap_days": bot.EPISODE_GAP_DAYS,
            "rule": "signed_test",
        }
    return out


IN_SAMPLE_SPEC = in_sample_spec()


def hypotheses() -> dict[str, registry.Hypothesis]:
    """This chapter's registered hypotheses, in registry order."""
    return {k: h for k, h in registry.load().items() if h.chapter == CHAPTER}


def ids(*, with_stories: bool = True) -> list[str]:
    return [k for k, h in hypotheses().items() if with_stories or h.rule != "composite"]


def registration_commit() -> str:
    """The commit that first added the registry file (from git when available, else :data:`REGISTRATION_COMMIT`)."""
    try:
        out = subprocess.run(
            ["git", "log", "--diff-filter=A", "--format=%H", "--", REGISTRY_FILE],
            cwd=config.REPO_ROOT,
            capture_output=True,
            text=True,
            timeout=20,
            check=True,
        )
        found = out.stdout.split()
        return found[-1] if found else REGISTRATION_COMMIT
    except (OSError, subprocess.SubprocessError):
        return REGISTRATION_COMMIT


def registered_spec_text(hid: str) -> str:
    """The registered specification of one OOS row as YAML text (what the chapter prints before any estimate)."""
    import yaml

    h = registry.load()[hid]
    keep = {
        k: h.raw[k]
        for k in ("id", "replicates", "sample_in", "sample", "sign", "rule", "requires", "spec")
        if k in h.raw
    }
    return yaml.safe_dump(keep, sort_keys=False, allow_unicode=True, width=110)


# --------------------------------------------------------------------------- liquidation frames after the article
def to_4h(hourly: pd.DataFrame) -> pd.DataFrame:
    """Sum hourly USD amounts to 4h bars on the UTC grid (bar open 00, 04, ... h); incomplete bars are dropped."""
    g = hourly.resample("4h", label="left", closed="left")
    n = g.count().min(axis=1)
    return g.sum()[n == 4]


def dollar_volume_m(klines: pd.DataFrame) -> pd.Series:
    """Binance dollar volume per bar, US$ m: base volume x close (the loader keeps no quote volume)."""
    return klines["volume_base"] * klines["close_usdt"] / 1e6


def load_liq_oos() -> dict[str, pd.DataFrame]:
    """The 1h and 4h BTC frames after the article: liquidations Binance+Bybit+OKX (Coinglass hourly), Binance spot
    returns, and the trading-activity control ``log_volume`` (log of Binance spot dollar volume in the bar, US$ m).
    Loaders only; no statistics."""
    from .sources import binance as bn
    from .sources import coinglass as cg

    raw = cg.bob_liquidations_1h_2026()
    k1 = bn.binance_intraday("BTCUSDT", "spot", "1h")
    k4 = bn.binance_intraday("BTCUSDT", "spot", "4h")
    h1 = liq.intraday_frame(raw, k1["close_usdt"], "btc")
    h4 = liq.intraday_frame(to_4h(raw), k4["close_usdt"], "btc")
    h1[CONTROL] = np.log(dollar_volume_m(k1)).reindex(h1.index)
    h4[CONTROL] = np.log(dollar_volume_m(k4)).reindex(h4.index)
    return {"1h": h1, "4h": h4, "raw_1h": raw}


def daily_liq_oos(p: pd.DataFrame) -> pd.DataFrame:
    """Daily frame after the article in chapter 02's columns: Yahoo return, Binance+Bybit+OKX liquidations."""
    d = pd.DataFrame(
        {
            "ret": p["btc_return_pct"],
            "liq_long_m": p["liq_bob26_btc_long_usd"] / 1e6,
            "liq_short_m": p["liq_bob26_btc_short_usd"] / 1e6,
        }
    )
    for side in ("long", "short"):
        d[f"liq_{side}"] = np.log1p(d[f"liq_{side}_m"])
    first, last = d["liq_long"].dropna().index[[0, -1]]
    return d.loc[first:last]


# --------------------------------------------------------------------------- statistics added by this chapter
def var_link(
    df: pd.DataFrame, caused: str, causing: str, *, extra: tuple[str, ...] = (), maxlags: int = 10
) -> dict[str, float]:
    """Wald p of ``causing`` -> ``caused`` in a VAR of chapter 02's variables (plus ``extra`` endogenous series,
    ordered last), with the summed lag coefficients and their 95 % CI; lag order by AIC."""
    v = stats.var_granger(df[[*liq.VAR_COLS, *extra]].dropna(), maxlags=maxlags, ic="aic")
    est, lo, hi = stats.var_lag_sum(v, caused, causing)
    p = float(v.causality.set_index(["caused", "causing"]).loc[(caused, causing), "p_value"])
    return {"p_value": p, "lag_sum": est, "ci_low": lo, "ci_high": hi, "lag_order": v.lag_order, "n": v.n}


def construction_split_holds(index: pd.Index) -> bool:
    """Chapter 02's construction-split check of LIQ.H4.feedback on a sample built one way.

    In sample the check needs the same net sign of the feedback sum before and after ``construction_change``, the
    day the Binance daily liquidation file changes how it is built, so that a sign carried by one construction
    alone cannot decide the row.  The out-of-sample series (Coinglass Binance+Bybit+OKX, daily sums of the hourly
    pulls) starts after that date and has one construction throughout: the condition the check guards against
    cannot arise, and the check holds by definition.  (The same sign in two halves of this sample, split at some
    other date, would be a different check.)  A sample that straddles the date raises: there the check must be
    computed, as chapter 02 does.
    """
    idx = pd.DatetimeIndex(index)
    if len(idx) and idx.min() < CONSTRUCTION_CHANGE <= idx.max():
        raise ValueError(
            f"the sample {idx.min():%Y-%m-%d}..{idx.max():%Y-%m-%d} straddles the construction change "
            f"{CONSTRUCTION_CHANGE:%Y-%m-%d}: compute the split check"
        )
    return True


def daily_extremes(p: pd.DataFrame, d: pd.DataFrame, *, q: float = 0.99) -> dict:
    """How many out-of-sample days had long liquidations above the in-sample ``q`` quantile of the same
    definition: Coinglass Binance+Bybit+OKX daily BTC long liquidations (``liq_bob_btc_long_usd``), in sample to
    its last day before ``fit_end``.  Returns the threshold (US$ m), the reference span and size, the count and
    the dates of the days above it."""
    ref = (p["liq_bob_btc_long_usd"].loc[:FIT_END] / 1e6).dropna()
    thr = float(ref.quantile(q))
    oos = d["liq_long_m"].dropna()
    above = oos[oos > thr]
    return {
        "threshold_m": thr,
        "q": q,
        "ref_first": ref.index.min(),
        "ref_last": ref.index.max(),
        "ref_n": len(ref),
        "n_days": len(oos),
        "n_above": len(above),
        "dates": list(above.index),
    }


def influence(
    df: pd.DataFrame, fit: Callable[..., pd.Series], *, by: str = "liq_long_m", ks: tuple[int, ...] = INFLUENCE_K
) -> pd.DataFrame:
    """Refit ``fit(df, exclude=...)`` without the k rows with the largest ``by``, for each k in ``ks``.

    ``fit`` is e.g. :func:`unwind.liquidations.dollar_effect` (it takes ``exclude``: an index of rows to drop).
    One row per k: the coefficient, its 95 % CI, p, n, and the smallest ``by`` value dropped.
    """
    order = df[by].dropna().sort_values(ascending=False)
    rows = []
    for k in ks:
        drop = pd.DatetimeIndex(order.index[:k]) if isinstance(df.index, pd.DatetimeIndex) else order.index[:k]
        r = fit(df, exclude=drop if k else None)
        rows.append(
            {
                "k": k,
                "coef": float(r["coef"]),
                "ci_low": float(r["ci_low"]),
                "ci_high": float(r["ci_high"]),
                "p_value": float(r["p_value"]),
                "n": int(r["n"]),
                "smallest_dropped": float(order.iloc[k - 1]) if k else np.nan,
            }
        )
    return pd.DataFrame(rows).set_index("k")


def drop_windows(
    df: pd.DataFrame,
    fit: Callable[..., pd.Series],
    windows: dict[str, tuple[pd.Timestamp, pd.Timestamp]] = DAILY_EPISODES,
) -> pd.DataFrame:
    """Refit ``fit(df, exclude=...)`` without the rows of each window (first and last day included), without all
    of them, and with every row; one row each: coefficient, 95 % CI, p, n and the rows dropped."""
    idx = pd.DatetimeIndex(df.index)
    sets = {"none": pd.DatetimeIndex([])}
    for name, (a, b) in windows.items():
        sets[name] = idx[(idx >= a) & (idx <= b)]
    if len(windows) > 1:
        sets["all of them"] = idx[np.any([(idx >= a) & (idx <= b) for a, b in windows.values()], axis=0)]
    rows = []
    for name, drop in sets.items():
        r = fit(df, exclude=drop if len(drop) else None)
        rows.append(
            {
                "dropped": name,
                "coef": float(r["coef"]),
                "ci_low": float(r["ci_low"]),
                "ci_high": float(r["ci_high"]),
                "p_value": float(r["p_value"]),
                "n": int(r["n"]),
                "rows_dropped": len(drop),
            }
        )
    return pd.DataFrame(rows).set_index("dropped")


def pooled_panel(frames: dict[str, pd.DataFrame], *, lags: int = 3) -> pd.Series:
    """Chapter 02's log H2 regression pooled over coins: ret(t+1) on log long liq(t), ret(t..t-lags+1) and log short
    liq(t), with coin fixed effects and Driscoll-Kraay (HAC over time, summed across coins) standard errors.

    Coefficients are common to all coins; the coin intercepts absorb each coin's mean.  ``frames``: coin ->
    chapter-02 intraday frame (``liq.load_4h``)."""
    parts = []
    for coin, f in frames.items():
        d = pd.DataFrame({"ret_next": f["ret"].shift(-1), "liq_long": f["liq_long"], "liq_short": f["liq_short"]})
        for k in range(lags):
            d[f"ret_lag{k}"] = f["ret"].shift(k)
        d["coin"] = coin
        parts.append(d.dropna())
    data = pd.concat(parts)
    t_codes = pd.factorize(data.index)[0]
    X = pd.concat(
        [
            data[["liq_long", "liq_short", *[f"ret_lag{k}" for k in range(lags)]]],
            pd.get_dummies(data["coin"], dtype=float),
        ],
        axis=1,
    )
    n_t = len(np.unique(t_codes))
    L = stats.newey_west_lags(n_t)
    order = np.argsort(t_codes, kind="stable")
    res = sm.OLS(data["ret_next"].to_numpy()[order], X.to_numpy()[order]).fit(
        cov_type="hac-groupsum", cov_kwds={"time": t_codes[order], "maxlags": L}
    )
    i = list(X.columns).index("liq_long")
    lo, hi = res.conf_int()[i]
    return pd.Series(
        {
            "coef": res.params[i],
            "ci_low": lo,
            "ci_high": hi,
            "p_value": res.pvalues[i],
            "n": int(res.nobs),
            "n_bars": n_t,
            "coins": len(frames),
            "hac_lags": L,
        }
    )


def clark_west(
    d: pd.DataFrame,
    *,
    fit_end: pd.Timestamp = FIT_END,
    oos_start: pd.Timestamp = OOS_START,
    y: str = "r_next",
    x: str = "flow_bn",
    controls: tuple[str, ...] = ("r_cc",),
) -> dict[str, float]:
    """The headline next-day model fitted (OLS) up to ``fit_end`` and judged after ``oos_start``.

    Full model: y on const, x and controls; nested benchmark: y on const and controls.  Returns

    * ``cw_gain`` (``cw_low``, ``cw_high``): the mean Clark-West (2007) MSPE-adjusted loss differential,
      e_bench² − (e_model² − (ŷ_bench − ŷ_model)²), as % of the benchmark's MSE, with its HAC 95 % CI; ``cw_p`` the
      one-sided Clark-West HAC t-test of the same mean (the interval and the p come from one series);
    * ``r2_vs_returns`` (``r2_low``, ``r2_high``): the realised OOS R² of the full model against the benchmark (%),
      with the HAC interval of the raw squared-error gain, and ``dm_p`` the one-sided Diebold-Mariano test of that
      gain (biased against the larger model when the models are nested: the reason Clark-West exists);
    * the OOS R² against a zero forecast, and the series of both forecasts."""
    s = d[[y, x, *controls]].dropna()
    ins, oos = s.loc[:fit_end], s.loc[oos_start:]
    full = sm.OLS(ins[y], sm.add_constant(ins[[x, *controls]])).fit()
    nest = sm.OLS(ins[y], sm.add_constant(ins[list(controls)])).fit()
    f_u = full.predict(sm.add_constant(oos[[x, *controls]], has_constant="add"))
    f_r = nest.predict(sm.add_constant(oos[list(controls)], has_constant="add"))
    e_u, e_r = oos[y] - f_u, oos[y] - f_r
    gain = (e_r**2 - e_u**2).rename("gain")
    cw = (e_r**2 - (e_u**2 - (f_r - f_u) ** 2)).rename("cw")
    one = pd.Series(1.0, index=oos.index, name="one")
    dm = stats.hac_ols(gain, one, const=False)
    cwr = stats.hac_ols(cw, one, const=False)
    lo, hi = dm.conf_int().iloc[0]
    cw_lo, cw_hi = cwr.conf_int().iloc[0]
    denom = float((e_r**2).mean())
    return {
        "cw_gain": 100 * float(cw.mean()) / denom,
        "cw_low": 100 * float(cw_lo) / denom,
        "cw_high": 100 * float(cw_hi) / denom,
        "r2_vs_returns": 100 * (1 - float((e_u**2).sum() / (e_r**2).sum())),
        "r2_low": 100 * float(lo) / denom,
        "r2_high": 100 * float(hi) / denom,
        "cw_t": float(cwr.tvalues.iloc[0]),
        "cw_p": float(sps.norm.sf(cwr.tvalues.iloc[0])),
        "dm_t": float(dm.tvalues.iloc[0]),
        "dm_p": float(sps.norm.sf(dm.tvalues.iloc[0])),
        "r2_vs_zero": 100 * (1 - float((e_u**2).sum() / (oos[y] ** 2).sum())),
        "beta_flow": float(full.params[x]),
        "n_is": int(full.nobs),
        "n_oos": len(oos),
        "fit_first": ins.index.min(),
        "oos_first": oos.index.min(),
        "oos_last": oos.index.max(),
        "forecasts": pd.DataFrame({"actual": oos[y], "full": f_u, "returns_only": f_r}),
        "hac_lags": dm.hac_lags,
    }


# --------------------------------------------------------------------------- bottoming signals after the article
def signal_frame_oos(p: pd.DataFrame) -> pd.DataFrame:
    """Chapter 05's signal frame, with the exhaustion signals after the article measured by the closest definitions:
    Binance BTCUSDT OI (from 2025-12-04) for all-venue OI, Coinglass OI-weighted funding of the 2026 file, and
    Binance+Bybit+OKX long liquidations for Binance-only ones.  Same thresholds; only days after ``fit_end`` are
    filled from the substitutes (the in-sample days keep their own definitions)."""
    from .sources import coinglass as cg

    f = bot.signal_frame(p)
    late = f.index > FIT_END
    oi_dd = bot.drawdown_from_rolling_high_pct(p["oi_binance_btcusdt_usd"]).reindex(f.index)
    funding = cg.binance_oi_funding_daily_2026()["funding_oiw_pct"].reindex(f.index)
    spike = bot.liquidation_spike(p["liq_bob26_btc_long_usd"]).reindex(f.index)
    f.loc[late, "oi_dd_pct"] = oi_dd[late]
    f.loc[late, "funding_pct"] = funding[late]
    f.loc[late, "liq_spike"] = spike[late]
    f["oi_exhausted"] = (f["oi_dd_pct"] <= bot.OI_DD_MAX_PCT).astype(float).where(f["oi_dd_pct"].notna())
    f["funding_negative"] = (f["funding_pct"] < 0).astype(float).where(f["funding_pct"].notna())
    ex = f[list(bot.EXHAUSTION)]
    f["exhaustion_count"] = ex.sum(axis=1).where(ex.notna().all(axis=1))
    f["exhausted_2plus"] = (f["exhaustion_count"] >= 2).astype(float).where(f["exhaustion_count"].notna())
    return f


def signal_test_oos(frame: pd.DataFrame, signal: str, h: int, *, mask: pd.Series | None = None) -> bot.SignalTest | str:
    """Chapter 05's :func:`~unwind.bottoming.signal_forward_test` on entry days after ``fit_end``, forward returns
    realised by the last close; a string saying what is missing when the sample cannot decide."""
    end = frame["close"].dropna().index.max()
    m = pd.Series(frame.index > FIT_END, index=frame.index)
    if mask is not None:
        m &= mask.reindex(frame.index).fillna(False).astype(bool)
    ok = m & frame[f"fwd_{h}"].notna() & frame[signal].notna() & bot.known_by(frame, h, end)
    s = frame.loc[ok, signal]
    if s.sum() == 0 or (s == 1).all():
        return (
            f"no {'' if s.sum() == 0 else 'non-'}signal entry day after {FIT_END:%Y-%m-%d} with a realised "
            f"{h}-day return (last close {end:%Y-%m-%d}; {int(ok.sum())} entry days)"
        )
    return bot.signal_forward_test(frame, signal, h, end=end, mask=m)


def signal_outcomes(frame: pd.DataFrame, signals: tuple[str, ...] = bot.H3_SIGNALS) -> pd.DataFrame:
    """Every episode of each signal after ``fit_end`` (runs 30+ days apart) and what a buyer at its first day saw."""
    rows = []
    for sig in signals:
        s = frame[sig].where(frame.index > FIT_END)
        for _, e in bot.episodes(s).iterrows():
            o = bot.outcome(frame["close"], e["start"], window_days=180)
            rows.append(
                {
                    "signal": bot.H3_LABELS[sig],
                    "start": e["start"],
                    "end": e["end"],
                    "signal_days": int(e["n_days"]),
                    "btc_usd": o["entry_usd"],
                    **{f"chg_{h}d_pct": o[f"chg_{h}d_pct"] for h in bot.HORIZONS},
                    "max_further_dd_pct": o["max_dd_pct"],
                    "low_date": o["low_date"],
                }
            )
    return pd.DataFrame(rows)


# --------------------------------------------------------------------------- gold after the article
def gold_samples(p: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """Chapter 04's aligned returns: the in-sample pre year, and the days after ``fit_end`` read at 16:00 New York."""
    r = gold.pair_returns(p, gold.PAIRS)
    us = r[r["clock"] == gold.US_CLOCK]
    return {"returns": r, "pre": r.loc[gold.PRE_START : gold.PRE_END], "post": us.loc[OOS_START:]}


# --------------------------------------------------------------------------- everything, once
def evidence(p: pd.DataFrame) -> dict:
    """Every estimate the registered OOS rows rest on (deterministic)."""
    ev: dict = {}
    fr = load_liq_oos()
    h4, d = fr["4h"], daily_liq_oos(p)
    ev.update(h4=h4, h1=fr["1h"], daily=d, raw_1h=fr["raw_1h"])
    ev["dollar"] = liq.dollar_effect(h4)
    ev["dollar_ex"] = liq.dollar_effect(h4, exclude=liq.crash_bars(h4.index))
    ev["logs_4h"] = liq.predictive(h4)
    ev["var4"] = liq.var_analysis(h4)
    ev["amp"] = liq.amplification(ev["var4"].model, H4, n_draws=_default(liq.evidence, "n_draws"))
    ev["wald4"] = float(ev["var4"].causality.set_index(["caused", "causing"]).loc[("ret", "liq_long"), "p_value"])
    ev["h2_daily"] = liq.predictive(d)
    ev["var_d"] = liq.var_analysis(d)
    ev["daily_influence"] = influence(d, liq.predictive)
    ev["daily_episodes"] = drop_windows(d, liq.predictive)
    ev["daily_extremes"] = daily_extremes(p, d)
    # ETF
    ed = etf.daily_frame(p)
    last = ed["r_cc"].dropna().index.max()
    eo = ed.loc[OOS_START:last]
    ev.update(etf_d=ed, etf_oos=eo)
    ev["etf_next"] = etf.hac_slope(eo, "r_next", "flow_bn", ("r_cc",))
    # chapter 03's strict test (r(t+2), which starts after flow(t) is certainly published), in and out of sample
    ev["etf_strict"] = etf.hac_slope(eo, "r_next2", "flow_bn", ("r_cc", "r_next"))
    ev["etf_strict_in"] = etf.hac_slope(ed.loc[etf.IS_START : etf.IS_END], "r_next2", "flow_bn", ("r_cc", "r_next"))
    ev["etf_h2"] = etf.hac_slope(eo, "flow_next", "r_cc", ("flow_usd_m",))
    ev["etf_var"], ev["etf_station"] = etf.var_tests(eo)
    ev["etf_cw"] = clark_west(ed)
    # gold
    gs = gold_samples(p)
    ev["gold"] = gs
    names = list(gold.PAIRS)
    ev["gold_h1"] = gold.strongest_pair_test(gs["post"], "gold", names[1:])
    ev["gold_corr"] = gold.corr_change(gs["pre"], gs["post"], "btc", "gold")
    both = pd.concat([gs["pre"], gs["post"]])
    ev["gold_chow"] = gold.chow_test(both, "btc", gold.BREAK_XS, gs["post"].index.min())
    # bottoming
    sf = signal_frame_oos(p)
    ev["signals"] = sf
    ev["bottom_h1"] = {h: signal_test_oos(sf, "fear_le_10", h) for h in bot.HORIZONS}
    ev["bottom_h2"] = {h: signal_test_oos(sf, "exhausted_2plus", h, mask=sf["fear_le_25"] == 1) for h in bot.HORIZONS}
    return ev


_span, _ci, _holds = liq.span, Estimate.from_regression, liq.holds  # the liquidation chapter's, unchanged


def _var_est(v: dict, n: int, unit: str, sample: str, method: str) -> Estimate:
    return Estimate(
        value=v["sum"],
        low=v["ci_low"],
        high=v["ci_high"],
        interval="95% CI",
        p=v["p_value"],
        n=n,
        unit=unit,
        sample=sample,
        method=method,
    )


def estimates_from(ev: dict, alpha: float = 0.05) -> dict[str, Estimate]:
    """One Estimate per registered (non-composite) id of the chapter, from :func:`evidence`.  No verdicts."""
    h4, d, v4, vd = ev["h4"], ev["daily"], ev["var4"], ev["var_d"]
    s4 = f"BTC 4h {_span(h4.index)}, Binance+Bybit+OKX liquidations, Binance spot returns"
    sd = f"BTC daily {_span(d.dropna(subset=['ret', 'liq_long']).index)}, Binance+Bybit+OKX liquidations"
    out: dict[str, Estimate] = {}
    out["OOS.LIQ.H2.4h"] = _ci(
        ev["dollar"],
        unit="% next 4h return per US$ 100 m",
        sample=s4,
        method="HAC OLS ret(t+1) on long liq(t) in US$ 100 m, ctrl ret(t), ret(t-1), short liq(t)",
        checks={
            "holds without 10/10": _holds(ev["dollar_ex"], -1, alpha),
            "holds in logs": _holds(ev["logs_4h"], -1, alpha),
            "VAR confirms": liq.var_confirms(v4, "ret", "liq_long", -1, alpha),
        },
    )
    out["OOS.LIQ.H2.daily"] = _ci(
        ev["h2_daily"],
        unit="% next-day return per log pt",
        sample=sd,
        method="HAC OLS ret(t+1) on log long liq(t), ctrl ret(t..t-2), short liq(t)",
        checks={"VAR confirms": liq.var_confirms(vd, "ret", "liq_long", -1, alpha)},
    )
    fb = liq.granger_link(vd, "liq_long", "ret")
    out["OOS.LIQ.H4.feedback"] = Estimate(
        value=float(fb["lag_sum"]),
        low=float(fb["lag_sum_low"]),
        high=float(fb["lag_sum_high"]),
        interval="95% CI",
        p=float(fb["p_value"]),
        n=vd.n,
        unit="log pts of long liq per 1% return, summed over lags",
        sample=sd,
        method=f"VAR({vd.lag_order}, AIC) of ret, log long, log short liq; summed lags of ret in the long-liq "
        f"equation; Wald p of ret -> long liq; the construction-split check holds by definition (every day "
        f"of this sample is after {CONSTRUCTION_CHANGE:%Y-%m-%d} and built one way)",
        checks={SPLIT_CHECK: construction_split_holds(d.index)},
    )
    amp = ev["amp"]
    out["OOS.LIQ.amp.4h"] = liq.amp_estimate(amp, ev["wald4"], v4, s4)
    # ETF
    eo, var = ev["etf_oos"], ev["etf_var"]
    first = eo[["r_next", "flow_bn"]].dropna().index
    esamp = f"U.S. trading days {first.min():%Y-%m-%d}..{first.max():%Y-%m-%d}"
    for k, s, unit, method in (
        ("OOS.ETF.H1.next", ev["etf_next"], "% per US$ 1 bn", "HAC OLS r(t+1) on flow(t), control r(t)"),
        ("OOS.ETF.H2.next", ev["etf_h2"], "US$ m per 1 % return", "HAC OLS flow(t+1) on r(t), control flow(t)"),
    ):
        out[k] = etf.slope_estimate(s, unit, esamp, method)  # the ETF chapter's constructor
    vs = f"{esamp}; VAR({var.lag_order}) by AIC"
    out["OOS.ETF.H1.var"] = _var_est(
        etf.var_row(var, "r_cc", "flow_pct_aum"),
        var.n,
        "% return per 1 % of AUM (summed lags)",
        vs,
        "VAR Wald flow -> return; sum of lag coefficients, Wald CI",
    )
    out["OOS.ETF.H2.var"] = _var_est(
        etf.var_row(var, "flow_pct_aum", "r_cc"),
        var.n,
        "% of AUM per 1 % return (summed lags)",
        vs,
        "VAR Wald return -> flow; sum of lag coefficients, Wald CI",
    )
    cw = ev["etf_cw"]
    out["OOS.ETF.H1.next.cw"] = Estimate(
        value=cw["cw_gain"],
        low=cw["cw_low"],
        high=cw["cw_high"],
        interval="95% CI",
        p=cw["cw_p"],
        n=cw["n_oos"],
        unit="% of the returns-only MSE (Clark-West adjusted gain)",
        sample=f"fit {cw['fit_first']:%Y-%m-%d}..{FIT_END:%Y-%m-%d}; judged {cw['oos_first']:%Y-%m-%d}.."
        f"{cw['oos_last']:%Y-%m-%d}",
        method=f"OLS r(t+1) on flow(t), r(t) vs on r(t) only; mean Clark-West adjusted loss differential with its "
        f"HAC CI (lags {cw['hac_lags']}) and one-sided Clark-West p; realised R² vs returns-only "
        f"{cw['r2_vs_returns']:.2f} % (CI {cw['r2_low']:.2f} to {cw['r2_high']:.2f}, DM p {cw['dm_p']:.3f})",
        text=f"R² vs returns-only {cw['r2_vs_returns']:.2f} %, vs zero {cw['r2_vs_zero']:.2f} %",
    )
    # gold
    gs, h1, h2, ch = ev["gold"], ev["gold_h1"], ev["gold_corr"], ev["gold_chow"]
    pre_s = f"{gold.PRE_START:%Y-%m-%d}..{gold.PRE_END:%Y-%m-%d}"
    post_s = _span(gs["post"].index)
    out["OOS.GOLD.H1"] = gold.h1_estimate(h1, f"{post_s}, BTC at 16:00 NY, common days")
    out["OOS.GOLD.H2.corr"] = gold.corr_change_estimate(h2, f"{pre_s} vs {post_s}", "after the article")
    out["OOS.GOLD.H2.chow"] = gold.chow_estimate(ch, f"{pre_s} and {post_s}, break {gs['post'].index.min():%Y-%m-%d}")
    # bottoming
    for name, tests, what in (
        ("H1", ev["bottom_h1"], "F&G ≤ 10 days minus other days"),
        ("H2", ev["bottom_h2"], "F&G ≤ 25 days with ≥ 2 of 4 exhaustion signals minus fewer"),
    ):
        for h, t in tests.items():
            k = f"OOS.BOTTOM.{name}.{h}d"
            if isinstance(t, str):
                out[k] = Estimate(missing=t, unit="pp (log %)", sample=f"entry days after {FIT_END:%Y-%m-%d}")
                continue
            out[k] = bot.signal_estimate(
                t,
                what=f"mean {h}-day forward log return, {what}",
                sample=f"entry days after {FIT_END:%Y-%m-%d}, returns realised by the last close",
            )
    return out


def estimates(p: pd.DataFrame) -> dict[str, Estimate]:
    """The chapter's registered hypotheses (``study/06_next_crash.yaml``), one Estimate each (stories excluded)."""
    return estimates_from(evidence(p), registry.book().alpha)


# --------------------------------------------------------------------------- side by side
def side_by_side(R: pd.DataFrame) -> pd.DataFrame:
    """Each re-tested hypothesis with its in-sample and out-of-sample estimate, interval and verdict, from the book's
    verdict table ``R`` (:func:`unwind.results.load`).  One row per OOS id, registry order."""
    rows = []
    for k, h in hypotheses().items():
        ins = str(h.raw.get("in_sample_row") or h.raw["replicates"])
        if ins not in R.index or k not in R.index:
            raise KeyError(
                f"side_by_side: {ins if ins not in R.index else k} is not in the verdict table; "
                "is unwind.next_crash in results.CHAPTER_MODULES?"
            )
        a, b = R.loc[ins], R.loc[k]
        rows.append(
            {
                "hypothesis": h.statement,
                "in_sample_id": ins,
                "in_estimate": a["estimate"],
                "in_low": a["low"],
                "in_high": a["high"],
                "in_unit": a["unit"],
                "in_p_bh": a["p_bh"],
                "in_verdict": a["label"],
                "oos_id": k,
                "oos_estimate": b["estimate"],
                "oos_low": b["low"],
                "oos_high": b["high"],
                "oos_unit": b["unit"],
                "oos_p_bh": b["p_bh"],
                "oos_verdict": b["label"],
                "rule": h.rule,
                "same_word": a["verdict"] == b["verdict"],
            }
        )
    return pd.DataFrame(rows).set_index("oos_id", drop=False)


# --------------------------------------------------------------------------- descriptive pieces for the notebook
def event_table(h1: pd.DataFrame, events: dict[str, tuple[pd.Timestamp, pd.Timestamp]] = EVENTS) -> pd.DataFrame:
    """For each sell-off (UTC days): liquidations (US$ m, long and short), BTC's move over the days, the largest
    hourly long liquidation and the return in the 24 hours after that hour."""
    idx = h1.index.tz_convert(None)
    rows = []
    for name, (a, b) in events.items():
        w = h1[(idx >= a) & (idx < b + pd.Timedelta(days=1))]
        peak = w["liq_long_m"].idxmax()
        after = h1.loc[peak:].iloc[1:25]["ret"].sum()
        rows.append(
            {
                "event": name,
                "long_liq_usd_m": w["liq_long_m"].sum(),
                "short_liq_usd_m": w["liq_short_m"].sum(),
                "btc_move_pct": w["ret"].sum(),
                "peak_hour_utc": peak.tz_convert(None),
                "peak_long_liq_usd_m": w["liq_long_m"].max(),
                "next_24h_pct": after,
                "hours": len(w),
            }
        )
    return pd.DataFrame(rows).set_index("event")


def split_daily(d: pd.DataFrame, split: pd.Timestamp = CONSTRUCTION_CHANGE) -> pd.DataFrame:
    """Chapter 02's daily H2 (log) and feedback VAR before and after the Binance file's construction change."""
    rows = []
    for name, f in (
        (f"before {split:%Y-%m-%d}", d.loc[: split - pd.Timedelta(days=1)]),
        (f"from {split:%Y-%m-%d}", d.loc[split:]),
        ("whole sample", d),
    ):
        r = liq.predictive(f)
        v = liq.var_analysis(f)
        fb = liq.granger_link(v, "liq_long", "ret")
        rows.append(
            {
                "sample": name,
                "h2_coef": r["coef"],
                "h2_low": r["ci_low"],
                "h2_high": r["ci_high"],
                "h2_p": r["p_value"],
                "n": int(r["n"]),
                "fb_sum": fb["lag_sum"],
                "fb_low": fb["lag_sum_low"],
                "fb_high": fb["lag_sum_high"],
                "fb_p": fb["p_value"],
                "var_lags": v.lag_order,
            }
        )
    return pd.DataFrame(rows).set_index("sample")


def control_table(ev: dict) -> pd.DataFrame:
    """The OOS liquidation tests at 4h and 1h, without and with the trading-activity control."""
    rows = []
    for freq in ("4h", "1h"):
        f = ev["h4" if freq == "4h" else "h1"].dropna(subset=[CONTROL])
        maxlags = 10 if freq == "4h" else 24
        for ctrl in ((), (CONTROL,)):
            de = liq.dollar_effect(f, controls=tuple(ctrl))
            lg = liq.predictive(f, controls=list(ctrl))
            vl = var_link(f, "ret", "liq_long", extra=ctrl, maxlags=maxlags)
            fb = var_link(f, "liq_long", "ret", extra=ctrl, maxlags=maxlags)
            rows.append(
                {
                    "frequency": freq,
                    "control": "volume" if ctrl else "none",
                    "dollar_coef": de["coef"],
                    "dollar_low": de["ci_low"],
                    "dollar_high": de["ci_high"],
                    "dollar_p": de["p_value"],
                    "log_coef": lg["coef"],
                    "log_low": lg["ci_low"],
                    "log_high": lg["ci_high"],
                    "log_p": lg["p_value"],
                    "var_sum": vl["lag_sum"],
                    "var_low": vl["ci_low"],
                    "var_high": vl["ci_high"],
                    "var_p": vl["p_value"],
                    "fb_sum": fb["lag_sum"],
                    "fb_low": fb["ci_low"],
                    "fb_high": fb["ci_high"],
                    "fb_p": fb["p_value"],
                    "n": int(de["n"]),
                }
            )
    return pd.DataFrame(rows)
