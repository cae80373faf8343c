"""Data that look valid but are wrong: each kind of damage must stop the loader with an error naming the
file, the column, the line and the expectation -- with the snapshot manifest switched off, so the
plausibility checks themselves are tested.  Also: the real snapshot passes, cross-source agreement, the
manifest, and relative ``UNWIND_DATA`` paths."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys

import pandas as pd
import pytest

from unwind import config
from unwind.sources import REGISTRY, DataError, binance, bitstamp, flows, manifest, sentiment, yahoo
from unwind.sources.crosscheck import crosscheck

FARSIDE = "flows/farside/farside_btc_etf_flows__daily.csv"
FNG = "sentiment/fear_greed/fear_greed_index__daily.csv"
BN_1D = "prices/binance_btc/BTCUSDT_spot_1d.csv"
BN_1H = "prices/intraday/binance_spot_1h_hawk/BTCUSDT_spot_1h.csv"
YAHOO_BTC = "prices/yahoo_jonsflow/btc.csv"
SPY = "prices/yahoo_jonsflow/spy.csv"
GOLD = "prices/yahoo_edge/gold.csv"
FUNDING = "derivatives/binance_funding/BTCUSDT-funding_8h_2025-01-01_2026-07-31.csv"
AUM = "flows/artemis/bitcoin_etfs_aum.csv"
BITSTAMP = "prices/bitstamp_btc/daily_bitcoin_prices.csv"


@pytest.fixture(autouse=True)
def _no_manifest(monkeypatch):
    monkeypatch.setenv("UNWIND_VERIFY_MANIFEST", "0")


def lines(text: str) -> list[str]:
    return text.splitlines(keepends=True)


def line_of(text: str, prefix: str) -> int:
    """1-based line number of the first line starting with ``prefix``."""
    return next(i for i, ln in enumerate(lines(text), start=1) if ln.startswith(prefix))


def edit_line(n: int, fn):
    """Apply ``fn`` to the cells of 1-based line ``n``."""

    def edit(text: str) -> str:
        ls = lines(text)
        cells = ls[n - 1].rstrip("\n").split(",")
        ls[n - 1] = ",".join(fn(cells)) + "\n"
        return "".join(ls)

    return edit


def scale(cols, factor, fmt="{:.10g}"):
    def fn(cells):
        return [fmt.format(float(c) * factor) if i in cols and c != "" else c for i, c in enumerate(cells)]

    return fn


def raises(loader, *, path, column, line, words):
    with pytest.raises(DataError) as err:
        loader()
    e, msg = err.value, str(err.value)
    assert str(path) in msg, msg
    assert words in msg, msg
    assert e.column == column, msg
    assert e.line == line, msg
    assert e.expected, msg
    return e


def shared(relpath: str) -> str:
    return (config.data_root() / relpath).read_text()


# --- the damage list ---------------------------------------------------------------------------------


def test_farside_truncated_after_2025_11_13(snapshot):
    n = line_of(shared(FARSIDE), "2025-11-13")
    path = snapshot(FARSIDE, lambda t: "".join(lines(t)[:n]))
    raises(lambda: flows.farside_flows("BTC"), path=path, column="date", line=n, words="ends before its declared end")


def test_fear_greed_missing_last_30_percent(snapshot):
    keep = int(len(lines(shared(FNG))) * 0.7)
    path = snapshot(FNG, lambda t: "".join(lines(t)[:keep]))
    raises(sentiment.fear_greed, path=path, column="date", line=keep, words="ends before its declared end")


def test_btc_close_times_1000(snapshot):
    path = snapshot(BN_1D, edit_line(100, scale({4}, 1000)))
    raises(
        lambda: binance.binance_daily("BTCUSDT", "spot"), path=path, column="high", line=100, words="OHLC inconsistent"
    )


def test_price_inf(snapshot):
    path = snapshot(YAHOO_BTC, edit_line(50, lambda c: [*c[:4], "inf", c[5]]))
    raises(lambda: yahoo.yahoo_ohlcv("BTC-USD"), path=path, column="Close", line=50, words="not a finite number")


def test_gold_in_thousands(snapshot):
    path = snapshot(
        GOLD,
        lambda t: "".join(
            ",".join([d, f"{float(v) / 1000:.4f}"]) + "\n" for d, v in (ln.strip().split(",") for ln in lines(t))
        ),
    )
    e = raises(lambda: yahoo.yahoo_close("GC=F"), path=path, column="close", line=1, words="fails check")
    assert "between 200 and 20000" in e.expected


def test_binance_funding_in_percent(snapshot):
    path = snapshot(
        FUNDING,
        lambda t: (
            lines(t)[0]
            + "".join(
                ",".join([a, b, f"{float(r) * 100:.8f}"]) + "\n"
                for a, b, r in (ln.strip().split(",") for ln in lines(t)[1:])
            )
        ),
    )
    raises(binance.binance_funding, path=path, column="fundingRate", line=2, words="decimal fraction")


def test_one_farside_day_in_billions(snapshot):
    n = line_of(shared(FARSIDE), "2025-11-14")
    path = snapshot(FARSIDE, edit_line(n, scale(set(range(1, 14)), 1e-3, "{:.4f}")))
    raises(lambda: flows.farside_flows("BTC"), path=path, column="IBIT", line=n, words="decimal place")


def test_one_artemis_fund_in_millions(snapshot):
    def fn(cells):  # IBIT, the last column, in US$ m
        return [*cells[:-1], f"{float(cells[-1]) / 1e6:.1f}"]

    path = snapshot(AUM, lambda t: lines(t)[0] + "".join(edit_line(1, fn)(ln) for ln in lines(t)[1:]))
    raises(flows.artemis_btc_aum, path=path, column="IBIT", line=2, words="not millions")


def test_2015_price_spike(snapshot):
    n = line_of(shared(YAHOO_BTC), "2015-03-02")
    path = snapshot(YAHOO_BTC, edit_line(n, scale({1, 2, 3, 4}, 1.5)))  # OHLC stay consistent
    raises(lambda: yahoo.yahoo_ohlcv("BTC-USD"), path=path, column="Open", line=n, words="one-bar move")


def test_spy_low_and_close_labels_swapped(snapshot):
    path = snapshot(SPY, lambda t: t.replace("Date,Open,High,Low,Close", "Date,Open,High,Close,Low", 1))
    with pytest.raises(DataError, match="OHLC inconsistent") as err:
        yahoo.yahoo_ohlcv("SPY")
    assert str(path) in str(err.value) and err.value.column in ("Low", "High") and err.value.line > 1


def test_high_below_low(snapshot):
    path = snapshot(SPY, edit_line(100, lambda c: [c[0], c[1], c[3], c[2], *c[4:]]))
    raises(lambda: yahoo.yahoo_ohlcv("SPY"), path=path, column="Low", line=100, words="OHLC inconsistent")


def test_real_etf_day_blanked_as_holiday(snapshot):
    n = line_of(shared(FARSIDE), "2025-11-14")  # a Friday, NYSE open
    path = snapshot(FARSIDE, edit_line(n, lambda c: [c[0], *[""] * 12, "0.0"]))
    raises(lambda: flows.farside_flows("BTC"), path=path, column="IBIT", line=n, words="holiday placeholder")


def test_etf_dates_shifted_by_one_day(snapshot):
    def shift(t):
        ls = lines(t)
        return ls[0] + "".join(f"{pd.Timestamp(ln[:10]) + pd.Timedelta(days=1):%Y-%m-%d}{ln[10:]}" for ln in ls[1:])

    path = snapshot(FARSIDE, shift)
    e = raises(lambda: flows.farside_flows("BTC"), path=path, column="date", line=3, words="not on a NYSE session")
    assert "Saturday" in str(e.found)  # 2024-01-12 (Friday) became a Saturday


def test_deleted_days(snapshot):
    path = snapshot(BN_1D, lambda t: "".join(ln for i, ln in enumerate(lines(t), start=1) if i not in (200, 201)))
    raises(
        lambda: binance.binance_daily("BTCUSDT", "spot"),
        path=path,
        column="open_time",
        line=200,
        words="a gap of 3 days",
    )


def test_deleted_hours(snapshot):
    path = snapshot(BN_1H, lambda t: "".join(ln for i, ln in enumerate(lines(t), start=1) if not 500 <= i < 505))
    raises(
        lambda: binance.binance_intraday("BTCUSDT", "spot", "1h"),
        path=path,
        column="open_time_utc",
        line=500,
        words="a gap of 0 days 06:00:00",
    )


def test_rows_dated_in_the_future(snapshot):
    tomorrow = pd.Timestamp.now(tz="UTC").normalize() + pd.Timedelta(days=1)
    n = len(lines(shared(FNG)))
    path = snapshot(FNG, lambda t: t + f"{tomorrow:%Y-%m-%d},50,Neutral\n")
    raises(sentiment.fear_greed, path=path, column="date", line=n + 1, words="dated in the future")


def test_future_bar_in_hourly_file(snapshot):
    soon = pd.Timestamp.now(tz="UTC").ceil("h") + pd.Timedelta(hours=1)
    path = snapshot(BN_1H, lambda t: t + f"{soon:%Y-%m-%dT%H:%M:%SZ},1,1,1,1,1\n")
    with pytest.raises(DataError, match="dated in the future") as err:
        binance.binance_intraday("BTCUSDT", "spot", "1h")
    assert str(path) in str(err.value) and err.value.column == "open_time_utc"


def test_binance_high_times_10_on_2025_10_06(snapshot):
    stamp = str(int(pd.Timestamp("2025-10-06", tz="UTC").value // 10**6))
    n = line_of(shared(BN_1D), stamp)
    path = snapshot(BN_1D, edit_line(n, scale({2}, 10)))
    raises(lambda: binance.binance_daily("BTCUSDT", "spot"), path=path, column="high", line=n, words="one-bar move")


def test_fetched_file_may_not_run_past_its_fetch_time(snapshot):
    path = snapshot(FNG, lambda t: t)
    path.with_name(path.name + ".provenance.json").write_text('{"fetched_utc": "2026-04-16T12:00:00+00:00"}')
    raises(sentiment.fear_greed, path=path, column="date", line=len(lines(shared(FNG))), words="fetch time")


# --- the real snapshot and cross-source agreement -------------------------------------------------------


def test_real_snapshot_passes_every_check_with_the_manifest_on(monkeypatch):
    monkeypatch.setenv("UNWIND_VERIFY_MANIFEST", "1")
    if config.data_root().resolve() != config.DEFAULT_DATA.resolve():
        pytest.skip("the manifest describes the default snapshot")
    assert manifest.active()
    for name, src in REGISTRY.items():
        assert len(src.load()) > 0, name


def test_real_sources_agree():
    out = crosscheck()
    assert (out["max_diff"] <= out["tolerance"]).all() and (out["days"] > 100).all()


def test_crosscheck_catches_a_5_percent_bitstamp_error(snapshot):
    n = line_of(shared(BITSTAMP), "2024-06-12")  # the 00:00 price of 06-12 = the close of 06-11
    path = snapshot(BITSTAMP, edit_line(n, scale({1}, 1.05, "{:.2f}")))
    bitstamp.bitstamp_btc()  # within the one-day move limit: the file alone looks fine
    with pytest.raises(DataError, match="disagrees with binance on 2024-06-11") as err:
        crosscheck()
    assert str(path) in str(err.value) and err.value.column == "BTC_USD" and err.value.line == n


def test_crosscheck_catches_an_etf_total_off_by_a_fund(snapshot):
    rel = flows.CRYPTOETF
    n = line_of(shared(rel), "2025-10-01")
    plus50 = edit_line(n, lambda c: [c[0], f"{float(c[1]) + 50:.1f}", *c[2:-1], f"{float(c[-1]) + 50:.1f}"])
    path = snapshot(rel, plus50)  # IBIT and Total both +$50m: the file adds up, Farside disagrees
    with pytest.raises(DataError, match="disagrees with Farside") as err:
        crosscheck()
    assert str(path) in str(err.value) and err.value.line == n and err.value.column == "Total"


# --- the manifest ---------------------------------------------------------------------------------------


def test_manifest_lists_every_file_the_book_reads():
    listed = manifest.expected()
    assert sorted(listed) == manifest.files()
    assert all(len(h) == 64 for h in listed.values())
    assert manifest.manifest_sha256() == hashlib.sha256(manifest.MANIFEST.read_bytes()).hexdigest()


def test_manifest_matches_the_real_snapshot():
    if config.data_root().resolve() != config.DEFAULT_DATA.resolve():
        pytest.skip("the manifest describes the default snapshot")
    assert manifest.verify() == len(manifest.files())


def test_manifest_mismatch_names_file_and_both_hashes(snapshot):
    path = snapshot(FNG, lambda t: t.replace("2018-02-02,15", "2018-02-02,16"))
    with pytest.raises(DataError, match="differs from the snapshot manifest") as err:
        manifest.verify_file(path, FNG, force=True)
    msg = str(err.value)
    assert str(path) in msg and manifest.expected()[FNG] in msg
    assert hashlib.sha256(path.read_bytes()).hexdigest() in msg


def test_manifest_switch(monkeypatch):
    monkeypatch.setenv("UNWIND_VERIFY_MANIFEST", "0")
    assert not manifest.active(config.DEFAULT_DATA)
    monkeypatch.setenv("UNWIND_VERIFY_MANIFEST", "1")
    assert manifest.active(config.DEFAULT_DATA)
    assert not manifest.active(manifest.LIVE)


def test_manifest_command_checks_the_snapshot():
    if config.data_root().resolve() != config.DEFAULT_DATA.resolve():
        pytest.skip("the manifest describes the default snapshot")
    r = subprocess.run(
        [sys.executable, "-m", "unwind.sources.manifest", "--check"],
        cwd=config.REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert r.returncode == 0, r.stderr
    assert f"{len(manifest.files())} files match" in r.stdout


# --- relative UNWIND_DATA ------------------------------------------------------------------------------


def test_relative_unwind_data_resolves_from_the_repository_root(tmp_path, monkeypatch):
    real = config.data_root().resolve()
    monkeypatch.setenv("UNWIND_DATA", os.path.relpath(real, config.REPO_ROOT))
    monkeypatch.chdir(tmp_path)  # somewhere else entirely, as a chapter runs from notebooks/
    assert config.data_root().resolve() == real
    assert len(sentiment.fear_greed()) > 2900
