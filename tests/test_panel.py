"""The shared daily panel: alignment rules, definitions, cache invalidation."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from unwind import panel as pnl


@pytest.fixture(scope="module")
def p() -> pd.DataFrame:
    return pnl.panel()


def test_every_column_has_one_definition(p):
    assert list(p.columns) == list(pnl.COLUMNS)
    d = pnl.definitions()
    assert d["definition"].str.len().min() > 5 and d.index.is_unique


def test_one_row_per_utc_day(p):
    assert p.index.is_unique and p.index.is_monotonic_increasing
    assert (p.index.to_series().diff().dropna() == pd.Timedelta(days=1)).all()


def test_us_series_are_never_forward_filled(p):
    weekend = p.index.day_of_week >= 5
    for col in ["spy_close_usd", "gold_close_usd", "etf_btc_flow_usd_m", "spy_return_pct", "btc_usclose_usdt"]:
        assert p.loc[weekend, col].isna().all(), col
    # Monday's return spans Friday -> Monday, not Sunday -> Monday
    mon = pd.Timestamp("2025-10-13")
    expected = 100 * np.log(p.at[mon, "spx_close"] / p.at[pd.Timestamp("2025-10-10"), "spx_close"])
    assert p.at[mon, "spx_return_pct"] == pytest.approx(expected)


def test_log_return_skips_gaps_instead_of_filling():
    s = pd.Series([100.0, np.nan, 110.0, 121.0], index=pd.date_range("2024-01-05", periods=4))
    r = pnl.log_return_pct(s)
    assert np.isnan(r.iloc[0]) and np.isnan(r.iloc[1])
    assert r.iloc[2] == pytest.approx(100 * np.log(1.1)) and r.iloc[3] == pytest.approx(100 * np.log(1.1))


def test_splice_refuses_disagreeing_snapshots():
    idx = pd.date_range("2024-01-01", periods=10)
    old, new = pd.Series(100.0, index=idx), pd.Series(101.0, index=idx)
    with pytest.raises(ValueError, match="disagree"):
        pnl.splice_checked(old, new, "2024-01-05", name="x")
    out = pnl.splice_checked(old, old * 1.00001, "2024-01-05", name="x")
    assert out.index.is_unique and len(out) == 10


def test_us_close_is_16h_new_york_across_dst():
    hours = pd.date_range("2025-03-06", "2025-03-12", freq="h", tz="UTC")
    hourly = pd.DataFrame({"close_usdt": np.arange(len(hours), dtype=float)}, index=hours)
    days = pd.DatetimeIndex(["2025-03-07", "2025-03-10"])  # before / after the U.S. DST switch (03-09)
    px = pnl.us_close_price(hourly, days)
    # 16:00 EST = 21:00 UTC -> bar opening 20:00; 16:00 EDT = 20:00 UTC -> bar opening 19:00
    assert px.iloc[0] == hourly.index.get_loc(pd.Timestamp("2025-03-07 20:00", tz="UTC"))
    assert px.iloc[1] == hourly.index.get_loc(pd.Timestamp("2025-03-10 19:00", tz="UTC"))


EARLY_CLOSES = ["2024-07-03", "2024-11-29", "2024-12-24", "2025-07-03", "2025-11-28", "2025-12-24"]


def test_xnys_close_times_early_closes_and_a_holiday():
    from unwind.sources.base import nyse_close_utc, nyse_sessions

    ny = nyse_close_utc(pd.DatetimeIndex([*EARLY_CLOSES, "2025-11-26", "2025-11-27"])).tz_convert(pnl.US_CLOSE_TZ)
    assert [t.strftime("%H:%M") for t in ny[:6]] == ["13:00"] * 6  # the six early closes in the panel
    assert ny[6].strftime("%H:%M") == "16:00"  # the Wednesday before Thanksgiving: a full session
    assert pd.isna(ny[7])  # Thanksgiving: no session, no close
    assert pd.Timestamp("2025-11-27") not in nyse_sessions()


def test_us_close_uses_the_13h_close_on_early_close_days():
    hours = pd.date_range("2024-07-01", "2026-01-01", freq="h", tz="UTC")
    hourly = pd.DataFrame({"close_usdt": np.arange(len(hours), dtype=float)}, index=hours)
    days = pd.DatetimeIndex([*EARLY_CLOSES, "2025-07-04"])  # the six early closes and a holiday
    px = pnl.us_close_price(hourly, days)
    for d in EARLY_CLOSES:
        close = pd.Timestamp(f"{d} 13:00", tz=pnl.US_CLOSE_TZ).tz_convert("UTC")
        assert px[d] == hourly.index.get_loc(close - pd.Timedelta(hours=1)), d  # the bar ending at 13:00 NY
    assert np.isnan(px["2025-07-04"])  # Independence Day: no U.S. close


def test_panel_btc_us_close_on_early_close_days(p):
    from unwind.sources import binance as bn

    hourly = bn.binance_intraday("BTCUSDT", "spot", "1h")["close_usdt"]
    for d in EARLY_CLOSES:
        bar = pd.Timestamp(f"{d} 12:00", tz=pnl.US_CLOSE_TZ).tz_convert("UTC")
        assert p.loc[d, "btc_usclose_usdt"] == hourly[bar], d
    assert np.isnan(p.loc["2024-12-25", "btc_usclose_usdt"])  # Christmas: no U.S. close


def test_cmc_snapshot_is_assigned_to_the_day_it_closes(p):
    # the row fetched 2025-05-08 ~01:43 UTC describes the market at the end of 2025-05-07
    assert p["total_mcap_usd"].first_valid_index() == pd.Timestamp("2025-05-07")


def test_bitstamp_is_shifted_to_the_day_it_closes(p):
    gap = (p["btc_bitstamp_close_usd"] / p["btc_close_usd"] - 1).abs().loc["2023":"2026-03"]
    assert gap.median() < 0.001


def test_cache_is_keyed_by_file_content(snapshot, tmp_path, monkeypatch):
    monkeypatch.setenv("UNWIND_CACHE", str(tmp_path / "cache"))
    first = pnl.cache_key()
    pnl.panel()
    assert len(list((tmp_path / "cache").glob("panel-*.parquet"))) == 1
    snapshot("sentiment/fear_greed/fear_greed_index__daily.csv", lambda t: t.replace("2018-02-02,15", "2018-02-02,16"))
    assert pnl.cache_key() != first
    assert pnl.panel().at[pd.Timestamp("2018-02-02"), "fng_value"] == 16
    assert len(list((tmp_path / "cache").glob("panel-*.parquet"))) == 1  # the stale file is gone
