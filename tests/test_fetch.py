"""Live data refresh against recorded upstream responses: layout, round trip through the loaders,
incremental merges, provenance, CLI, and a scan of the repository for API keys.

No test touches the network: ``responses`` answers every HTTP request (and
raises on any it does not know), ``yfinance.download`` is replaced by a
recorded frame, and :func:`no_network` makes any socket connection fail.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import socket
import subprocess
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pandas as pd
import pytest
import responses
import yfinance

from unwind import config
from unwind.fetch import JOBS, Ctx, provenance_table, run_job
from unwind.fetch import binance as fb
from unwind.fetch import bitstamp as fbs
from unwind.fetch import cftc as fcftc
from unwind.fetch import cmc as fcmc
from unwind.fetch import coinglass as fcg
from unwind.fetch import farside as ffs
from unwind.fetch import feargreed as ffg
from unwind.fetch import fred as ffred
from unwind.fetch.__main__ import main
from unwind.fetch.common import provenance_path
from unwind.sources import REGISTRY

ROOT = Path(__file__).resolve().parent.parent
FIX = Path(__file__).resolve().parent / "fixtures" / "fetch"
NOW = pd.Timestamp("2026-08-21 15:00", tz="UTC")  # a Friday, 11:00 in New York


@pytest.fixture(autouse=True)
def no_network(monkeypatch: pytest.MonkeyPatch) -> None:
    """Any real connection attempt is a test failure."""

    def refuse(*args, **kwargs):
        raise RuntimeError("a test tried to open a network connection")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.delenv("CMC_API_KEY", raising=False)
    monkeypatch.delenv("COINGLASS_API_KEY", raising=False)


@pytest.fixture
def http():
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        yield mock


# Yahoo symbol -> factor that brings the recorded prices (~645) into the range the loader accepts for it
YAHOO_SCALE = {
    "^NDX": 32.0,
    "^VIX": 0.03125,
    "TLT": 0.125,
    "^TNX": 0.0078125,
    "DX-Y.NYB": 0.15625,
    "CL=F": 0.125,
    "BTC-USD": 128.0,
    "ETH-USD": 4.0,
}


@pytest.fixture
def fake_yahoo(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """``yfinance.download`` returning the recorded frame; records the symbols asked for."""
    asked: list[str] = []
    frame = pd.read_csv(FIX / "yahoo_daily.csv", index_col="Date", parse_dates=True)

    def download(symbol, start=None, **kwargs):
        asked.append(symbol)
        df = frame[frame.index >= pd.Timestamp(start)].copy()
        if symbol not in ("BTC-USD", "ETH-USD"):
            df = df[df.index.day_of_week < 5]  # New York markets: sessions on weekdays only
        prices = ["Open", "High", "Low", "Close"]
        df[prices] = df[prices] * YAHOO_SCALE.get(symbol, 1.0)  # powers of two: exact in binary
        return df

    monkeypatch.setattr(yfinance, "download", download)
    return asked


class Sleeps(list):
    def __call__(self, seconds: float) -> None:
        self.append(seconds)


def ctx(out: Path, now: pd.Timestamp = NOW, **kw) -> Ctx:
    return Ctx(out=out, now=now, sleep=Sleeps(), quiet=True, **kw)


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def fixture(name: str) -> str:
    return (FIX / name).read_text()


def load(out: Path, name: str, monkeypatch: pytest.MonkeyPatch | None = None) -> pd.DataFrame:
    with config.using_data(out):
        return REGISTRY[name].load()


# --- synthetic upstreams for the full run: same formats as the recorded fixtures ------------


def _qs(request) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlsplit(request.url).query).items()}


def binance_klines(request):
    """Klines from startTime on, the still-forming bar included, as Binance sends them."""
    q = _qs(request)
    step = fb.STEP_MS[q["interval"]]
    t0 = -(-int(q["startTime"]) // step) * step
    base = {"BTCUSDT": 70000.0, "ETHUSDT": 2500.0, "SOLUSDT": 80.0, "XRPUSDT": 1.3}[q["symbol"]]
    bars = []
    for i, t in enumerate(range(t0, NOW.value // 1_000_000 + 1, step)):
        p = base * (1 + 0.001 * (i % 7))
        bars.append(
            [
                t,
                f"{p:.2f}",
                f"{p * 1.01:.2f}",
                f"{p * 0.99:.2f}",
                f"{p * 1.002:.2f}",
                "123.45600000",
                t + step - 1,
                "8641920.12",
                1000 + i,
                "61.2",
                "4284000.5",
                "0",
            ]
        )
    return 200, {}, json.dumps(bars[: int(q["limit"])])


def coinglass_history(request):
    q = _qs(request)
    step = fcg.STEP_MS[q["interval"]]
    path = urlsplit(request.url).path
    t0 = -(-int(q["start_time"]) // step) * step
    data = []
    for i, t in enumerate(range(t0, int(q["end_time"]) + 1, step)):
        if path == fcg.LIQ:
            data.append({"time": t, fcg.LONG: 1_000_000.5 + i, fcg.SHORT: 500_000.25 + i})
        elif path == fcg.OI:
            data.append({"time": t, "open": "70000000000", "high": 71e9, "low": 69.5e9, "close": 70.5e9 + i})
        else:
            data.append({"time": t, "open": "0.01", "high": "0.012", "low": "0.004", "close": f"{0.005 + i / 1e5}"})
    return 200, {}, json.dumps({"code": "0", "msg": "success", "data": data})


def fred_csv(request):
    sid = _qs(request)["id"]
    text = fixture("fred_DGS10.csv").replace("DGS10", sid)
    return 200, {}, text.replace(",4.", ",14.") if sid == "VIXCLS" else text  # VIX is at least 5


def mock_all(http) -> None:
    for url in (fb.SPOT, fb.USDM):
        http.add_callback(responses.GET, url, callback=binance_klines)
    http.add(responses.GET, fb.FUNDING, body=fixture("binance_funding.json"))
    http.add_callback(responses.GET, ffred.URL, callback=fred_csv)
    http.add(responses.GET, ffg.URL, body=fixture("fng.json"))
    http.add(responses.GET, ffs.URL["BTC"], body=fixture("farside_btc.html"))
    http.add(responses.GET, ffs.URL["ETH"], body=fixture("farside_eth.html"))
    http.add(responses.GET, fcmc.URL, body=fixture("cmc_global.json"))
    for path in (fcg.LIQ, fcg.OI, fcg.OIW, fcg.VOLW):
        http.add_callback(responses.GET, fcg.BASE + path, callback=coinglass_history)
    http.add(responses.GET, fcftc.URL, body=fixture("cftc_cme.json"))
    http.add(responses.GET, fbs.URL, body=fixture("bitstamp_ohlc.json"))


# --- the whole refresh ----------------------------------------------------------------------


def test_every_job_writes_its_sources_files():
    for name, job in JOBS.items():
        assert {p.table.relpath for p in job.parts} == {t.relpath for t in REGISTRY[name].tables}, name


def test_full_refresh_is_read_by_the_loaders(tmp_path, http, fake_yahoo, monkeypatch, capsys):
    """Every source fetched from recorded responses, then read back by the project's own loaders."""
    monkeypatch.setenv("CMC_API_KEY", "test-key")
    monkeypatch.setenv("COINGLASS_API_KEY", "test-key")
    mock_all(http)
    out = tmp_path / "live"
    code = main(["--since", "2026-08-17", "--out", str(out), "--no-seed"], now=NOW, sleep=Sleeps())
    printed = capsys.readouterr().out
    assert code == 0, printed
    assert f"{len(JOBS)} updated" in printed and "0 failed" in printed
    assert "DX-Y.NYB" in fake_yahoo  # the loaders' DXY is Yahoo's DX-Y.NYB
    for name in JOBS:
        df = load(out, name, monkeypatch)
        assert len(df) > 0, name
    # the still-forming bar / row of the running day is never written
    assert load(out, "binance_BTCUSDT_spot_1d", monkeypatch).index.max() == pd.Timestamp("2026-08-20")
    assert load(out, "binance_BTCUSDT_spot_1h", monkeypatch).index.max() == pd.Timestamp("2026-08-21 14:00", tz="UTC")
    assert load(out, "yahoo_SPY", monkeypatch).index.max() == pd.Timestamp("2026-08-20")
    flows = load(out, "farside_btc", monkeypatch)
    assert flows.index.max() == pd.Timestamp("2026-08-20")  # 21 Aug is still filling in
    assert flows.loc["2026-08-18", "total_usd_m"] == -682.4 and pd.isna(flows.loc["2026-08-18", "BITB"])
    assert flows.loc["2026-08-19", "IBIT"] == 1012.4
    fg = load(out, "fear_greed", monkeypatch)
    assert fg.loc["2026-08-21", "fng_value"] == 21 and fg.index.is_monotonic_increasing
    assert load(out, "fred_DGS10", monkeypatch).index.tolist() == list(
        pd.to_datetime(["2026-08-18", "2026-08-19", "2026-08-20"])
    )  # 08-17 has no observation
    cftc = load(out, "cftc_cme", monkeypatch)
    assert cftc.loc["2026-08-18", "open_interest_btc"] == 22315 * 5
    bitstamp = (out / REGISTRY["bitstamp_btc"].tables[0].relpath).read_text().splitlines()
    assert bitstamp[:2] == ["Date,BTC_USD", "2026-08-21,73051.94"]  # newest first, like the snapshot
    edge = (out / REGISTRY["yahoo_close_^GSPC"].tables[0].relpath).read_text().splitlines()
    assert edge[0] == "2026-08-17,644.625"  # no header, the recorded close
    cmc = load(out, "cmc_global", monkeypatch)
    assert cmc["market_date"].iloc[0] == pd.Timestamp("2026-08-21")
    # one provenance sidecar per file, matching the bytes on disk
    prov = provenance_table(out)
    assert len(prov) == sum(len(j.parts) for j in JOBS.values())
    assert prov["sha256_ok"].all() and (prov["mode"] == "fetched").all()
    row = prov.set_index("file").loc[REGISTRY["fear_greed"].tables[0].relpath]
    assert row["rows"] == 5 and row["first"] == "2026-08-17" and row["last"] == "2026-08-21"
    assert row["urls"].startswith(ffg.URL) and row["fetched_utc"] == NOW.isoformat()


def test_missing_keys_skip_with_a_message_and_do_not_fail(tmp_path, http, capsys):
    code = main(["cmc", "coinglass", "--out", str(tmp_path), "--no-seed"], now=NOW, sleep=Sleeps())
    printed = capsys.readouterr().out
    assert code == 0
    assert "set CMC_API_KEY" in printed and "set COINGLASS_API_KEY" in printed
    assert "8 skipped" in printed and len(http.calls) == 0
    assert not any(tmp_path.rglob("*.csv"))


def test_unknown_source_is_a_usage_error(tmp_path, capsys):
    assert main(["nosuchsource", "--out", str(tmp_path)]) == 2
    assert "unknown source 'nosuchsource'" in capsys.readouterr().err


def test_untouched_sources_are_copied_from_the_snapshot(tmp_path, http, capsys):
    seed = tmp_path / "snapshot"
    rel = REGISTRY["hyperliquid_oct10"].tables[0].relpath
    (seed / rel).parent.mkdir(parents=True)
    (seed / rel).write_text("ticker,liq_notional,adl_notional,liq_events,adl_events\nBTC,1.5,2.5,3,4\n")
    http.add(responses.GET, ffg.URL, body=fixture("fng.json"))
    out = tmp_path / "live"
    assert main(["fear_greed", "--out", str(out), "--seed", str(seed)], now=NOW, sleep=Sleeps()) == 0
    assert (out / rel).read_bytes() == (seed / rel).read_bytes()
    assert "Copied from the snapshot, not refreshed (1 sources): hyperliquid_oct10" in capsys.readouterr().out
    prov = provenance_table(out).set_index("source")
    assert prov.loc["hyperliquid_oct10", "mode"] == "copied from snapshot"
    assert prov.loc["fear_greed", "mode"] == "fetched"


# --- incremental updates ----------------------------------------------------------------------


def test_incremental_update_neither_duplicates_nor_drops_days(tmp_path, http):
    job = JOBS["binance_BTCUSDT_spot_1d"]
    path = tmp_path / job.parts[0].table.relpath
    http.add(responses.GET, fb.SPOT, body=fixture("binance_klines_1d.json"))
    first = run_job(job, ctx(tmp_path))
    assert (first.status, first.rows, first.added, first.last) == ("updated", 4, 4, "2026-08-20T00:00:00+00:00")
    http.replace(responses.GET, fb.SPOT, body=fixture("binance_klines_1d_next.json"))  # lacks 08-17..08-19
    later = NOW + pd.Timedelta(days=1)
    second = run_job(job, ctx(tmp_path, later))
    assert (second.status, second.rows, second.added) == ("updated", 5, 1)
    df = pd.read_csv(path)
    days = pd.to_datetime(df["open_time"], unit="ms")
    assert days.is_unique and days.tolist() == list(pd.date_range("2026-08-17", "2026-08-21"))
    assert df.set_index(days).loc["2026-08-21", "close"] == 78325.11  # the new, complete bar
    start = int(parse_qs(urlsplit(http.calls[-1].request.url).query)["startTime"][0])
    assert pd.Timestamp(start, unit="ms") == pd.Timestamp("2026-08-17")  # last stored day minus 3 days overlap
    before = path.read_bytes()
    third = run_job(job, ctx(tmp_path, later))  # same answer again: nothing changes
    assert third.status == "unchanged" and path.read_bytes() == before


def test_since_refetches_from_that_date_and_keeps_older_rows(tmp_path, http):
    job = JOBS["fred_DGS10"]
    path = tmp_path / job.parts[0].table.relpath
    path.parent.mkdir(parents=True)
    path.write_text("Date,Value\n1962-01-02,4.06\n2026-08-18,9.99\n")
    http.add(responses.GET, ffred.URL, body=fixture("fred_DGS10.csv"))
    since = pd.Timestamp("2026-08-18", tz="UTC")
    r = run_job(job, ctx(tmp_path, since=since))
    assert "cosd=2026-08-18" in http.calls[0].request.url
    # 08-18 is stored as 9.99 and now comes as 4.72: a revision, kept at the stored value and reported
    assert (r.status, r.added, r.revised) == ("revised", 2, 1)
    assert "Value on 2026-08-18: 9.99 -> 4.72 (-52.8%)" in r.note and "--accept-revisions" in r.note
    assert path.read_text() == "Date,Value\n1962-01-02,4.06\n2026-08-18,9.99\n2026-08-19,4.71\n2026-08-20,4.70\n"
    r = run_job(job, ctx(tmp_path, since=since, accept_revisions=True))
    assert (r.status, r.added, r.revised) == ("revised", 0, 1) and "applied (--accept-revisions)" in r.note
    assert path.read_text() == "Date,Value\n1962-01-02,4.06\n2026-08-18,4.72\n2026-08-19,4.71\n2026-08-20,4.70\n"
    assert json.loads(provenance_path(path).read_text())["revised_rows"] == 1


def test_limited_history_grows_the_snapshot_copy(tmp_path, http, monkeypatch):
    """Coinglass serves a few thousand bars: older rows come from the snapshot's file and stay."""
    monkeypatch.setenv("COINGLASS_API_KEY", "test-key")
    job = JOBS["cg_binance_liq_btc_1d"]
    rel = job.parts[0].table.relpath
    seed = tmp_path / "snapshot"
    (seed / rel).parent.mkdir(parents=True)
    (seed / rel).write_text(
        "date_utc,long_usd,short_usd,source,total_usd\n"
        "2021-04-18,1000.0,500.0,1d_bars_snapshot_20250512-old-v2,1500.0\n"
        "2021-04-19,10.0,5.0,1d_bars_snapshot_20250512-old-v2,15.0\n"
    )
    http.add(responses.GET, fcg.BASE + fcg.LIQ, body=fixture("coinglass_liquidation_1d.json"))
    out = tmp_path / "live"
    out.mkdir()
    r = run_job(job, ctx(out), seed)
    assert (r.status, r.rows, r.added) == ("updated", 6, 4)
    assert http.calls[0].request.headers["CG-API-KEY"] == "test-key"
    df = load(out, "cg_binance_liq_btc_1d", monkeypatch)
    assert df.index.tolist() == list(
        pd.to_datetime(["2021-04-18", "2021-04-19", "2026-08-17", "2026-08-18", "2026-08-19", "2026-08-20"])
    )
    assert df.loc["2026-08-17", "liq_long_usd"] == 21069771.35833
    assert (seed / rel).read_text().count("\n") == 3  # the snapshot itself is never written
    assert json.loads((out / (rel + ".provenance.json")).read_text())["mode"] == "fetched onto snapshot copy"


def test_cmc_keeps_one_snapshot_per_market_day(tmp_path, http, monkeypatch):
    monkeypatch.setenv("CMC_API_KEY", "test-key")
    http.add(responses.GET, fcmc.URL, body=fixture("cmc_global.json"))
    job = JOBS["cmc_global"]
    assert run_job(job, ctx(tmp_path)).status == "updated"
    later = json.loads(fixture("cmc_global.json"))
    later["data"]["quote"]["USD"]["last_updated"] = "2026-08-22T02:10:00.000Z"  # same market day 08-21
    later["data"]["quote"]["USD"]["total_market_cap"] = 2.8e12
    http.replace(responses.GET, fcmc.URL, json=later)
    r = run_job(job, ctx(tmp_path, NOW + pd.Timedelta(hours=11, minutes=15)))
    assert (r.status, r.rows, r.added) == ("updated", 1, 0)
    df = load(tmp_path, "cmc_global", monkeypatch)
    assert df["total_mcap_usd"].tolist() == [2.8e12]
    assert http.calls[0].request.headers["X-CMC_PRO_API_KEY"] == "test-key"


def test_yahoo_drops_the_running_day_by_its_own_clock(tmp_path, fake_yahoo, monkeypatch):
    evening = pd.Timestamp("2026-08-21 23:30", tz="UTC")  # 19:30 in New York, UTC day not over
    for name in ("yahoo_SPY", "yahoo_BTC-USD"):
        assert run_job(JOBS[name], ctx(tmp_path, evening)).status == "updated"
    assert load(tmp_path, "yahoo_SPY", monkeypatch).index.max() == pd.Timestamp("2026-08-20")
    assert load(tmp_path, "yahoo_BTC-USD", monkeypatch).index.max() == pd.Timestamp("2026-08-20")
    next_morning = pd.Timestamp("2026-08-22 04:30", tz="UTC")  # 00:30 in New York
    assert run_job(JOBS["yahoo_SPY"], ctx(tmp_path, next_morning)).added == 1


# --- revisions, staleness, validation, leftovers --------------------------------------------


def fng_with(day: str, value: str, label: str) -> dict:
    js = json.loads(fixture("fng.json"))
    rec = next(r for r in js["data"] if f"{pd.Timestamp(int(r['timestamp']), unit='s'):%Y-%m-%d}" == day)
    rec["value"], rec["value_classification"] = value, label
    return js


def test_a_revised_past_day_is_kept_and_reported_not_updated(tmp_path, http, capsys):
    """F&G for 2026-08-19 goes back from "30, Fear" to "55, Greed": not installed, reported as a revision."""
    http.add(responses.GET, ffg.URL, body=fixture("fng.json"))
    out = tmp_path / "live"
    assert main(["fear_greed", "--out", str(out), "--no-seed"], now=NOW, sleep=Sleeps()) == 0
    path = out / JOBS["fear_greed"].parts[0].table.relpath
    before = path.read_bytes()
    assert "2026-08-19,30,Fear\n" in before.decode()
    capsys.readouterr()
    http.replace(responses.GET, ffg.URL, json=fng_with("2026-08-19", "55", "Greed"))
    assert main(["fear_greed", "--out", str(out), "--no-seed"], now=NOW, sleep=Sleeps()) == 0
    printed = capsys.readouterr().out
    assert path.read_bytes() == before  # never overwritten silently
    assert "0 updated" in printed and "1 revised" in printed and " updated " not in printed
    assert (
        "fear_greed: 1 stored row revised upstream, kept at the stored values (--accept-revisions applies them); "
        "largest: fng_value on 2026-08-19: 30 -> 55 (+83.3%)" in printed
    )
    prov = json.loads(provenance_path(path).read_text())
    assert prov["revised_rows"] == 1 and prov["revisions"] == "kept stored values" and prov["sha256"] == sha(before)
    # applied only when asked for, and then still reported as a revision
    assert main(["fear_greed", "--out", str(out), "--no-seed", "--accept-revisions"], now=NOW, sleep=Sleeps()) == 0
    printed = capsys.readouterr().out
    assert "2026-08-19,55,Greed\n" in path.read_text() and "0 updated" in printed and "1 revised" in printed
    assert "applied (--accept-revisions)" in printed
    # the same values again: nothing left to revise
    r = run_job(JOBS["fear_greed"], ctx(out))
    assert (r.status, r.revised) == ("unchanged", 0)


def test_a_text_only_revision_is_reported(tmp_path, http):
    http.add(responses.GET, ffg.URL, body=fixture("fng.json"))
    run_job(JOBS["fear_greed"], ctx(tmp_path))
    http.replace(responses.GET, ffg.URL, json=fng_with("2026-08-19", "30", "Neutral"))
    r = run_job(JOBS["fear_greed"], ctx(tmp_path))
    assert r.status == "revised" and "fng_classification on 2026-08-19: Fear -> Neutral" in r.note


def test_numbers_written_differently_are_not_revisions(tmp_path, http):
    job = JOBS["fred_DGS10"]
    path = tmp_path / job.parts[0].table.relpath
    path.parent.mkdir(parents=True)
    path.write_text("Date,Value\n2026-08-18,4.720\n")
    http.add(responses.GET, ffred.URL, body=fixture("fred_DGS10.csv"))
    r = run_job(job, ctx(tmp_path))
    assert (r.status, r.revised, r.added) == ("updated", 0, 7)
    assert "2026-08-18,4.720\n" in path.read_text()  # the stored text stays


def test_restated_history_is_applied_where_declared_and_reported(tmp_path, fake_yahoo, monkeypatch):
    """Yahoo re-bases auto-adjusted prices on a dividend: applied (one adjustment basis), reported."""
    assert run_job(JOBS["yahoo_SPY"], ctx(tmp_path)).status == "updated"
    frame = pd.read_csv(FIX / "yahoo_daily.csv", index_col="Date", parse_dates=True)
    frame = frame[frame.index.day_of_week < 5]
    frame[["Open", "High", "Low", "Close"]] *= 0.5  # exact in binary
    monkeypatch.setattr(yfinance, "download", lambda symbol, start=None, **kw: frame.copy())
    r = run_job(JOBS["yahoo_SPY"], ctx(tmp_path))
    assert (r.status, r.revised) == ("revised", 5)
    assert "applied (Yahoo re-bases auto-adjusted history on dividends and splits)" in r.note
    assert "(-50.0%)" in r.note
    assert load(tmp_path, "yahoo_SPY")["close_usd"].tolist() == frame["Close"].iloc[:-1].tolist()  # 08-21: open


def test_every_source_states_a_staleness_limit():
    assert all(isinstance(j.stale_after, pd.Timedelta) and j.stale_after > pd.Timedelta(0) for j in JOBS.values())


def test_a_frozen_provider_is_reported_stale(tmp_path, http, capsys):
    """The API keeps answering, but its newest day is 40 days old: "stale", with the age, not "unchanged"."""
    http.add(responses.GET, ffg.URL, body=fixture("fng.json"))
    out = tmp_path / "live"
    assert main(["fear_greed", "--out", str(out), "--no-seed"], now=NOW, sleep=Sleeps()) == 0
    capsys.readouterr()
    later = NOW + pd.Timedelta(days=40)
    assert main(["fear_greed", "--out", str(out), "--no-seed"], now=later, sleep=Sleeps()) == 0
    printed = capsys.readouterr().out
    assert "0 unchanged" in printed and "1 stale" in printed
    assert "fear_greed: newest row 2026-08-21 is 40 days old (limit 3 days)" in printed
    r = run_job(JOBS["fear_greed"], ctx(out, NOW + pd.Timedelta(days=2)))
    assert r.status == "unchanged" and r.note == ""  # within the limit


def test_validation_does_not_touch_the_environment(tmp_path, http, monkeypatch):
    """The staged file is read through config.using_data; $UNWIND_DATA is neither read nor rewritten."""
    from unwind.fetch import common

    assert not hasattr(common, "data_env")
    monkeypatch.setenv(config.DATA_ENV, str(tmp_path / "elsewhere"))
    seen = []
    data_root = config.data_root

    def spy():
        seen.append((os.environ.get(config.DATA_ENV), data_root()))
        return seen[-1][1]

    monkeypatch.setattr(config, "data_root", spy)
    http.add(responses.GET, ffg.URL, body=fixture("fng.json"))
    assert run_job(JOBS["fear_greed"], ctx(tmp_path / "live")).status == "updated"
    assert seen and all(env == str(tmp_path / "elsewhere") and root.name.startswith(".validate-") for env, root in seen)
    assert os.environ[config.DATA_ENV] == str(tmp_path / "elsewhere")


def test_leftovers_of_a_killed_run_are_removed_at_start(tmp_path, http, capsys):
    out = tmp_path / "live"
    rel = Path(JOBS["fear_greed"].parts[0].table.relpath)
    (out / rel).parent.mkdir(parents=True)
    leftovers = [
        out / rel.parent / f".{rel.name}.k3j_x9qz.tmp",
        out / rel.parent / f".{rel.name}.provenance.json.a1b2c3d4.tmp",
        out / "prices" / ".spy.csv.zz00yy11.tmp",
    ]
    for p in leftovers:
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text("half a file")
    scratch = out / ".validate-ab12cd34"
    (scratch / "sentiment").mkdir(parents=True)
    (scratch / "sentiment" / "x.csv").symlink_to(leftovers[0])
    keep = [out / "notes.tmp", out / ".keep", out / rel.parent / "README.md"]
    for p in keep:
        p.write_text("mine")
    http.add(responses.GET, ffg.URL, body=fixture("fng.json"))
    assert main(["fear_greed", "--out", str(out), "--no-seed"], now=NOW, sleep=Sleeps()) == 0
    assert "Removed 4 leftover temporary file(s) of an interrupted run" in capsys.readouterr().out
    assert not any(p.exists() for p in leftovers) and not scratch.exists()
    assert all(p.read_text() == "mine" for p in keep)
    assert not [p for p in out.rglob("*") if p not in keep and (p.name.endswith(".tmp") or ".validate-" in str(p))]


# --- secrets ----------------------------------------------------------------------------------

UUID = r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"
SECRET_PATTERNS = [
    re.compile(r"X-CMC_PRO_API_KEY['\"]?\s*[:=,]\s*['\"]?" + UUID),  # CoinMarketCap keys are UUIDs
    re.compile(r"(?i)CG-API-KEY['\"]?\s*[:=,]\s*['\"]?[0-9a-f]{32}\b"),  # Coinglass keys: 32 hex
    re.compile(r"(?i)[A-Z_]*API_KEY['\"]?\s*[:=]\s*['\"]?(?:[0-9a-f]{32}\b|" + UUID + ")"),
    re.compile(r"\bsk-[A-Za-z0-9_-]{20,}"),
]


def find_secrets(text: str) -> list[str]:
    return [m.group(0) for p in SECRET_PATTERNS for m in p.finditer(text)]


def test_the_scanner_finds_key_shaped_strings():
    hex32, uuid = "0123456789abcdef" * 2, "12345678-9abc-def0-1234-56789abcdef0"
    planted = [
        f'"X-CMC_PRO_API_KEY": "{uuid}"',
        f"CMC_API_KEY={uuid}",
        f"COINGLASS_API_KEY = '{hex32}'",
        f'headers = {{"CG-API-KEY": "{hex32}"}}',
        "token = " + "sk-" + "A1b2" * 6,
    ]
    for text in planted:
        assert find_secrets(text), text
    allowed = [
        'monkeypatch.setenv("CMC_API_KEY", "test-key")',
        '{"CG-API-KEY": key}',
        "sha256: " + hex32 * 2,
        'api_key("COINGLASS_API_KEY", "Coinglass API key")',
    ]
    for text in allowed:
        assert not find_secrets(text), text


def test_no_tracked_file_contains_an_api_key():
    files = subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True).stdout
    found = {}
    for name in filter(None, files.decode().split("\0")):
        path = ROOT / name
        if path.is_file():
            hits = find_secrets(path.read_bytes().decode("utf-8", errors="ignore"))
            if hits:
                found[name] = [h[:12] + "..." for h in hits]
    assert not found, f"key-shaped strings in tracked files: {found}"
