"""Injected faults: each ends with a clear message and leaves the installed data byte-identical.

Every test first installs a good file from a recorded response, then lets the
next refresh meet one fault (timeouts, refused connections, 429 with
Retry-After, 5xx, truncated or malformed bodies, schema drift, empty answers,
time going backwards, files the loader rejects, a crash while installing).
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pandas as pd
import pytest
import requests
import responses
from test_fetch import NOW, Sleeps, ctx, fixture, http, no_network  # noqa: F401  (fixtures)

from unwind.fetch import JOBS, common, provenance_table, run_job
from unwind.fetch import binance as fb
from unwind.fetch import cftc as fcftc
from unwind.fetch import coinglass as fcg
from unwind.fetch import farside as ffs
from unwind.fetch import feargreed as ffg
from unwind.fetch import fred as ffred
from unwind.fetch.__main__ import main

GOOD = {  # source -> (url, recorded response)
    "binance_BTCUSDT_spot_1d": (fb.SPOT, "binance_klines_1d.json"),
    "fred_DGS10": (ffred.URL, "fred_DGS10.csv"),
    "fear_greed": (ffg.URL, "fng.json"),
    "farside_btc": (ffs.URL["BTC"], "farside_btc.html"),
    "cftc_cme": (fcftc.URL, "cftc_cme.json"),
    "cg_binance_liq_btc_1d": (fcg.BASE + fcg.LIQ, "coinglass_liquidation_1d.json"),
}


def files(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


@pytest.fixture
def installed(tmp_path, http, monkeypatch):  # noqa: F811
    """``installed(source)``: a good refresh of ``source``; returns the data dir's files at that point."""
    monkeypatch.setenv("COINGLASS_API_KEY", "test-key")

    def install(name: str) -> dict[str, bytes]:
        url, body = GOOD[name]
        http.add(responses.GET, url, body=fixture(body))
        assert run_job(JOBS[name], ctx(tmp_path)).status == "updated"
        http.remove(responses.GET, url)
        return files(tmp_path)

    return install


def refresh(name: str, out: Path, **kw) -> tuple[common.Result, Sleeps]:
    c = ctx(out, **kw)
    return run_job(JOBS[name], c), c.sleep


def assert_failed_cleanly(result: common.Result, before: dict[str, bytes], out: Path, *phrases: str) -> None:
    assert result.status == "failed", result
    for phrase in phrases:
        assert phrase in result.note, result.note
    assert files(out) == before  # byte-identical, provenance included, no temporary file left behind


# --- transport --------------------------------------------------------------------------------


def test_timeout_retries_with_backoff_then_fails(tmp_path, http, installed):  # noqa: F811
    before = installed("binance_BTCUSDT_spot_1d")
    http.add(responses.GET, fb.SPOT, body=requests.exceptions.ReadTimeout("read timed out"))
    r, sleeps = refresh("binance_BTCUSDT_spot_1d", tmp_path)
    assert_failed_cleanly(r, before, tmp_path, "timed out", "gave up after 5 tries")
    assert sleeps == [1.0, 2.0, 4.0, 8.0] and len(http.calls) == 1 + 5  # the install, then 5 tries


def test_unreachable_host_is_not_retried_again_in_the_same_run(tmp_path, http):  # noqa: F811
    http.add(responses.GET, fb.SPOT, body=requests.exceptions.ConnectionError("Name or service not known"))
    c = ctx(tmp_path)
    first, second = run_job(JOBS["binance_BTCUSDT_spot_1d"], c), run_job(JOBS["binance_BTCUSDT_spot_1h"], c)
    assert first.status == second.status == "failed" and len(http.calls) == 5 and len(c.sleep) == 4
    assert "could not be reached earlier in this run" in second.note


def test_connection_refused(tmp_path, http, installed):  # noqa: F811
    before = installed("fred_DGS10")
    http.add(responses.GET, ffred.URL, body=requests.exceptions.ConnectionError("[Errno 111] Connection refused"))
    r, _ = refresh("fred_DGS10", tmp_path)
    assert_failed_cleanly(r, before, tmp_path, "connection failed", "Connection refused")


def test_429_honours_retry_after_then_succeeds(tmp_path, http):  # noqa: F811
    http.add(responses.GET, ffg.URL, status=429, headers={"Retry-After": "7"}, body="slow down")
    http.add(responses.GET, ffg.URL, body=fixture("fng.json"))
    r, sleeps = refresh("fear_greed", tmp_path)
    assert r.status == "updated" and sleeps == [7.0]


@pytest.mark.parametrize("value", ["soon", "Wed, 99 Foo 2026 99:99:99 GMT", "nan", "inf", "-", "1e400000"])
def test_malformed_retry_after_falls_back_to_the_normal_backoff(tmp_path, http, value):  # noqa: F811
    http.add(responses.GET, ffg.URL, status=429, headers={"Retry-After": value}, body="slow down")
    http.add(responses.GET, ffg.URL, status=503, headers={"Retry-After": value})
    http.add(responses.GET, ffg.URL, body=fixture("fng.json"))
    r, sleeps = refresh("fear_greed", tmp_path)
    assert r.status == "updated" and sleeps == [1.0, 2.0]


def test_retry_after_as_an_http_date(tmp_path, http):  # noqa: F811
    http.add(responses.GET, ffg.URL, status=429, headers={"Retry-After": "Fri, 21 Aug 2020 15:00:00 -0000"})
    http.add(responses.GET, ffg.URL, body=fixture("fng.json"))
    r, sleeps = refresh("fear_greed", tmp_path)
    assert r.status == "updated" and sleeps == [0.0]  # a date already past: retry at once


def test_429_forever_fails(tmp_path, http, installed):  # noqa: F811
    before = installed("fear_greed")
    http.add(responses.GET, ffg.URL, status=429, headers={"Retry-After": "7"})
    r, sleeps = refresh("fear_greed", tmp_path)
    assert_failed_cleanly(r, before, tmp_path, "HTTP 429", "gave up after 5 tries")
    assert sleeps == [7.0] * 4


def test_5xx_is_retried(tmp_path, http):  # noqa: F811
    http.add(responses.GET, fcftc.URL, status=503)
    http.add(responses.GET, fcftc.URL, body=fixture("cftc_cme.json"))
    r, sleeps = refresh("cftc_cme", tmp_path)
    assert r.status == "updated" and sleeps == [1.0]


def test_5xx_forever_fails(tmp_path, http, installed):  # noqa: F811
    before = installed("cftc_cme")
    http.add(responses.GET, fcftc.URL, status=500, body="<html>Internal Server Error</html>")
    r, _ = refresh("cftc_cme", tmp_path)
    assert_failed_cleanly(r, before, tmp_path, "HTTP 500")


def test_rejected_key_fails_at_once_without_showing_it(tmp_path, http, installed):  # noqa: F811
    before = installed("cg_binance_liq_btc_1d")
    http.add(responses.GET, fcg.BASE + fcg.LIQ, status=401, json={"code": "401", "msg": "API key missing or invalid"})
    r, sleeps = refresh("cg_binance_liq_btc_1d", tmp_path)
    assert_failed_cleanly(r, before, tmp_path, "HTTP 401", "invalid")
    assert "test-key" not in r.note and sleeps == []


def test_plan_limit_is_skipped_not_failed(tmp_path, http, monkeypatch):  # noqa: F811
    monkeypatch.setenv("COINGLASS_API_KEY", "test-key")
    http.add(responses.GET, fcg.BASE + fcg.LIQ, json={"code": "400", "msg": "Upgrade plan to access interval 1h"})
    r, _ = refresh("cg_bob_liq_1h_2026", tmp_path)
    assert r.status == "skipped" and "plan" in r.note and not any(tmp_path.rglob("*.csv"))


# --- bodies -----------------------------------------------------------------------------------


def test_truncated_json(tmp_path, http, installed):  # noqa: F811
    before = installed("binance_BTCUSDT_spot_1d")
    body = fixture("binance_klines_1d.json")
    http.add(responses.GET, fb.SPOT, body=body[: len(body) // 2])
    r, _ = refresh("binance_BTCUSDT_spot_1d", tmp_path)
    assert_failed_cleanly(r, before, tmp_path, "malformed JSON", "truncated")


def test_truncated_csv(tmp_path, http, installed):  # noqa: F811
    before = installed("fred_DGS10")
    http.add(responses.GET, ffred.URL, body=fixture("fred_DGS10.csv")[:-8])  # cut inside the last date
    r, _ = refresh("fred_DGS10", tmp_path)
    assert_failed_cleanly(r, before, tmp_path, "line 10", "truncated")


def test_malformed_html(tmp_path, http, installed):  # noqa: F811
    before = installed("farside_btc")
    http.add(responses.GET, ffs.URL["BTC"], body="<html><body><h1>Just a moment...</h1><table><tr><td>x")
    r, _ = refresh("farside_btc", tmp_path)
    assert_failed_cleanly(r, before, tmp_path, "no table with a 'Total' column")


def test_truncated_html(tmp_path, http, installed):  # noqa: F811
    before = installed("farside_btc")
    body = fixture("farside_btc.html")
    cut = body.index("(3.3)")  # inside the row of 20 Aug, after its IBIT cell: what is left adds up (0.0 = 0)
    http.add(responses.GET, ffs.URL["BTC"], body=body[:cut])
    r, _ = refresh("farside_btc", tmp_path)
    assert_failed_cleanly(r, before, tmp_path, "row of 20 Aug 2026 has no Total", "truncated")


DRIFT = [  # source, edit of the recorded response, phrase in the message
    ("fred_DGS10", lambda s: s.replace("observation_date,DGS10", "date,DGS10_PCT"), "unexpected header"),
    ("binance_BTCUSDT_spot_1d", lambda s: json.dumps([k[:6] for k in json.loads(s)]), "klines of 12 fields"),
    ("farside_btc", lambda s: s.replace("<th>IBIT</th>", "<th>IBIT-X</th>"), "unknown column(s) ['IBIT-X']"),
    (
        "cg_binance_liq_btc_1d",
        lambda s: s.replace("aggregated_long_liquidation_usd", "longLiquidationUsd"),
        "records with time, aggregated_long_liquidation_usd",
    ),
    (
        "cftc_cme",
        lambda s: s.replace('"asset_mgr_positions_long"', '"asset_mgr_positions_long_all"'),
        "reports with report_date_as_yyyy_mm_dd",
    ),
    (
        "fear_greed",
        lambda s: s.replace('"value_classification"', '"classification"'),
        "records with value, value_classification",
    ),
]


@pytest.mark.parametrize(("name", "edit", "phrase"), DRIFT, ids=[d[0] for d in DRIFT])
def test_schema_drift(tmp_path, http, installed, name, edit, phrase):  # noqa: F811
    before = installed(name)
    url, body = GOOD[name]
    http.add(responses.GET, url, body=edit(fixture(body)))
    r, _ = refresh(name, tmp_path)
    assert_failed_cleanly(r, before, tmp_path, phrase)


@pytest.mark.parametrize(
    ("name", "body"),
    [
        ("binance_BTCUSDT_spot_1d", "[]"),
        ("fear_greed", '{"name": "Fear and Greed Index", "data": []}'),
        ("fred_DGS10", ""),
    ],
)
def test_empty_response(tmp_path, http, installed, name, body):  # noqa: F811
    before = installed(name)
    http.add(responses.GET, GOOD[name][0], body=body)
    r, _ = refresh(name, tmp_path)
    assert r.status == "failed" and ("holds no rows" in r.note or "empty response" in r.note), r.note
    assert files(tmp_path) == before


def test_partial_last_bar_is_dropped(tmp_path, http):  # noqa: F811
    http.add(responses.GET, fb.SPOT, body=fixture("binance_klines_1d.json"))  # 08-21 closes 23:59:59.999
    r, _ = refresh("binance_BTCUSDT_spot_1d", tmp_path)
    text = (tmp_path / JOBS["binance_BTCUSDT_spot_1d"].parts[0].table.relpath).read_text()
    assert r.rows == 4 and str(int(pd.Timestamp("2026-08-21", tz="UTC").value // 1e6)) not in text


def test_day_going_backwards(tmp_path, http, installed):  # noqa: F811
    before = installed("fear_greed")
    js = json.loads(fixture("fng.json"))
    js["data"][2], js["data"][3] = js["data"][3], js["data"][2]
    http.add(responses.GET, ffg.URL, json=js)
    r, _ = refresh("fear_greed", tmp_path)
    assert_failed_cleanly(r, before, tmp_path, "time goes backwards", "response rejected")


def test_repeated_bar_is_rejected(tmp_path, http, installed):  # noqa: F811
    before = installed("binance_BTCUSDT_spot_1d")
    bars = json.loads(fixture("binance_klines_1d.json"))
    http.add(responses.GET, fb.SPOT, json=[*bars[:3], bars[1], bars[3]])
    r, _ = refresh("binance_BTCUSDT_spot_1d", tmp_path)
    assert_failed_cleanly(r, before, tmp_path, "time goes backwards or repeats")


# --- validation and installation -------------------------------------------------------------


def test_file_the_loader_rejects_is_never_installed(tmp_path, http, installed):  # noqa: F811
    before = installed("fear_greed")
    http.add(responses.GET, ffg.URL, body=fixture("fng.json").replace('"value": "21"', '"value": "150"'))
    r, _ = refresh("fear_greed", tmp_path, accept_revisions=True)  # a stored day: applied only when accepted
    assert_failed_cleanly(r, before, tmp_path, "loader rejects the new file", "fng_value", "150")


def test_fund_columns_that_do_not_add_up_are_rejected(tmp_path, http, installed):  # noqa: F811
    before = installed("farside_btc")
    http.add(responses.GET, ffs.URL["BTC"], body=fixture("farside_btc.html").replace("1,073.9", "2,073.9"))
    r, _ = refresh("farside_btc", tmp_path, accept_revisions=True)
    assert_failed_cleanly(r, before, tmp_path, "do not add up to Total")


def test_crash_while_installing_leaves_the_old_file(tmp_path, http, installed, monkeypatch):  # noqa: F811
    before = installed("cftc_cme")
    http.add(responses.GET, fcftc.URL, body=fixture("cftc_cme.json").replace('"22315"', '"22316"'))

    def disk_full(src, dst):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(common.os, "replace", disk_full)
    r, _ = refresh("cftc_cme", tmp_path, accept_revisions=True)  # the new value would be installed
    assert_failed_cleanly(r, before, tmp_path, "No space left on device", "nothing was replaced")


def failing_sidecar_replace(monkeypatch, *, also_undo: bool = False, which: str = ".provenance.json") -> list:
    """``os.replace`` fails for a sidecar (and, with ``also_undo``, for the data file being restored)."""
    replace, moved = os.replace, []

    def flaky(src, dst):
        dst = str(dst)
        if dst.endswith(which) or (also_undo and moved and dst in moved):
            raise OSError(5, "Input/output error")
        replace(src, dst)
        moved.append(dst)

    monkeypatch.setattr(common.os, "replace", flaky)
    return moved


def test_sidecar_that_cannot_be_staged_installs_nothing(tmp_path, http, installed, monkeypatch):  # noqa: F811
    before = installed("fear_greed")
    http.add(responses.GET, ffg.URL, body=fixture("fng.json").replace('"value": "21"', '"value": "22"'))
    write_temp = common.write_temp

    def no_sidecar(path, data):
        if path.name.endswith(".provenance.json"):
            raise OSError(28, "No space left on device")
        return write_temp(path, data)

    monkeypatch.setattr(common, "write_temp", no_sidecar)
    r, _ = refresh("fear_greed", tmp_path, accept_revisions=True)
    assert_failed_cleanly(r, before, tmp_path, "staging the provenance sidecar failed", "nothing was replaced")


def test_sidecar_failure_after_data_moved_rolls_back(tmp_path, http, installed, monkeypatch, capsys):  # noqa: F811
    before = installed("fear_greed")
    http.add(responses.GET, ffg.URL, body=fixture("fng.json").replace('"value": "21"', '"value": "22"'))
    moved = failing_sidecar_replace(monkeypatch)
    code = main(["fear_greed", "--out", str(tmp_path), "--no-seed", "--accept-revisions"], now=NOW, sleep=Sleeps())
    printed = capsys.readouterr().out
    data = tmp_path / JOBS["fear_greed"].parts[0].table.relpath
    assert moved and moved[0] == str(data)  # the data file had been replaced before the sidecar failed
    assert code == 1 and files(tmp_path) == before  # and is back, byte for byte, with its own sidecar
    assert "0 updated" in printed and "0 revised" in printed and "1 failed" in printed
    assert "Input/output error" in printed and "restored" in printed


def test_a_job_installs_all_its_files_or_none(tmp_path, http, monkeypatch):  # noqa: F811
    """binance_BTCUSDT_spot_1h writes two files: the second sidecar fails, so the first file is undone too."""
    from test_fetch import binance_klines

    http.add_callback(responses.GET, fb.SPOT, callback=binance_klines)
    job = JOBS["binance_BTCUSDT_spot_1h"]
    since = NOW - pd.Timedelta(days=2)  # the same bars for both files (the loader compares their overlap)
    assert run_job(job, ctx(tmp_path, NOW - pd.Timedelta(hours=5), since=since)).status == "updated"
    before = files(tmp_path)
    last = Path(job.parts[-1].table.relpath).name + ".provenance.json"
    moved = failing_sidecar_replace(monkeypatch, which=f"zhuxice/{last}")
    r = run_job(job, ctx(tmp_path, since=since))
    first, second = (str(tmp_path / part.table.relpath) for part in job.parts)
    # data 1, sidecar 1, data 2 were in place when sidecar 2 failed; then they were restored, last first
    assert moved == [first, first + ".provenance.json", second, second, first + ".provenance.json", first]
    assert_failed_cleanly(r, before, tmp_path, "the 3 file(s) already replaced were restored")


def test_failed_undo_is_inconsistent_not_failed(tmp_path, http, installed, monkeypatch, capsys):  # noqa: F811
    installed("fear_greed")
    http.add(responses.GET, ffg.URL, body=fixture("fng.json").replace('"value": "21"', '"value": "22"'))
    failing_sidecar_replace(monkeypatch, also_undo=True)
    code = main(["fear_greed", "--out", str(tmp_path), "--no-seed", "--accept-revisions"], now=NOW, sleep=Sleeps())
    printed = capsys.readouterr().out
    rel = JOBS["fear_greed"].parts[0].table.relpath
    assert code == 1 and "0 failed, 0 revised" in printed and "1 inconsistent" in printed
    assert f"{rel} changed without a matching provenance sidecar" in printed and "INCONSISTENT (" in printed
    assert "2026-08-21,22," in (tmp_path / rel).read_text()
    assert not provenance_table(tmp_path).set_index("file").loc[rel, "sha256_ok"]  # the audit table sees it


def test_unreadable_existing_file_is_left_alone(tmp_path, http, installed):  # noqa: F811
    installed("fear_greed")
    path = tmp_path / JOBS["fear_greed"].parts[0].table.relpath
    path.write_text("date,fng_value,fng_classification\n21/08/2026,21,Extreme Fear\n")
    before = files(tmp_path)
    http.add(responses.GET, ffg.URL, body=fixture("fng.json"))
    r, _ = refresh("fear_greed", tmp_path)
    assert_failed_cleanly(r, before, tmp_path, "unreadable time value", "21/08/2026")


def test_one_failure_gives_a_nonzero_exit_and_a_summary(tmp_path, http, capsys):  # noqa: F811
    http.add(responses.GET, ffg.URL, body=fixture("fng.json"))
    http.add(responses.GET, ffred.URL, status=404, body="Series does not exist.")
    code = main(["fear_greed", "fred_DGS10", "cmc", "--out", str(tmp_path), "--no-seed"], now=NOW, sleep=Sleeps())
    printed = capsys.readouterr().out
    assert code == 1
    assert "1 updated, 0 unchanged, 1 skipped, 1 failed" in printed
    assert "FAILED: fred_DGS10" in printed and "HTTP 404" in printed


def test_yahoo_failure_carries_yfinance_reason(tmp_path, monkeypatch):
    """yfinance swallows errors, logs them and returns an empty frame: the reason reaches the summary."""
    import logging

    import yfinance

    def download(symbol, **kwargs):
        logging.getLogger("yfinance").error(
            "['%s']: DNSError('Could not resolve host: query2.finance.yahoo.com')", symbol
        )
        return pd.DataFrame()

    monkeypatch.setattr(yfinance, "download", download)
    r, _ = refresh("yahoo_close_DXY", tmp_path)
    assert r.status == "failed" and "DX-Y.NYB" in r.note and "Could not resolve host" in r.note
    assert not any(tmp_path.rglob("*"))


def test_progress_bars_are_quiet_under_ci(monkeypatch):
    monkeypatch.setenv("CI", "true")
    assert common.quiet_default()
