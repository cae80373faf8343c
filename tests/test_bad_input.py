"""Malformed inputs: every one must stop with an error naming the file, the column, the line and what was
expected -- never a silent drop or a wrong number."""

from __future__ import annotations

import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from unwind.sources import (
    REGISTRY,
    DataError,
    binance,
    bitstamp,
    cmc,
    coinglass,
    data_dir,
    flows,
    hyperliquid,
    sentiment,
    yahoo,
)

YAHOO_BTC = "prices/yahoo_jonsflow/btc.csv"
EDGE_GOLD = "prices/yahoo_edge/gold.csv"
FNG = "sentiment/fear_greed/fear_greed_index__daily.csv"
FARSIDE = "flows/farside/farside_btc_etf_flows__daily.csv"
HOURLY = "prices/intraday/binance_spot_1h_hawk/BTCUSDT_spot_1h.csv"
PERP = "prices/intraday/btcusdt_perp_1h_4h_ggcmk/BTCUSDT_usdm_perp_1h.csv"
LIQ4H = "derivatives/coinglass_binance_liq/liq_binance_4h_BTC_ETH_SOL_XRP.csv"


def lines(text: str) -> list[str]:
    return text.splitlines(keepends=True)


def set_cell(line_no: int, col: int, value: str):
    """Replace one cell (0-based column) on a 1-based line."""

    def edit(text: str) -> str:
        ls = lines(text)
        cells = ls[line_no - 1].rstrip("\n").split(",")
        cells[col] = value
        ls[line_no - 1] = ",".join(cells) + "\n"
        return "".join(ls)

    return edit


def swap_lines(a: int, b: int):
    def edit(text: str) -> str:
        ls = lines(text)
        ls[a - 1], ls[b - 1] = ls[b - 1], ls[a - 1]
        return "".join(ls)

    return edit


def replace_line(n: int, new: str):
    def edit(text: str) -> str:
        ls = lines(text)
        ls[n - 1] = new + "\n"
        return "".join(ls)

    return edit


# (id, relpath, edit, loader, column named, line named, words in the message)
CASES = [
    ("empty-file", YAHOO_BTC, lambda t: "", lambda: yahoo.yahoo_ohlcv("BTC-USD"), None, None, "file is empty"),
    (
        "header-only",
        YAHOO_BTC,
        lambda t: lines(t)[0],
        lambda: yahoo.yahoo_ohlcv("BTC-USD"),
        None,
        None,
        "only 0 data rows",
    ),
    (
        "truncated-last-row",
        YAHOO_BTC,
        lambda t: t.rstrip("\n").rsplit(",", 3)[0] + "\n",
        lambda: yahoo.yahoo_ohlcv("BTC-USD"),
        "Low",
        4212,
        "empty cell",
    ),
    (
        "too-many-fields",
        YAHOO_BTC,
        set_cell(10, 5, "1,2"),
        lambda: yahoo.yahoo_ohlcv("BTC-USD"),
        None,
        None,
        "unreadable CSV",
    ),
    (
        "renamed-column",
        YAHOO_BTC,
        lambda t: t.replace("Close", "Adj Close", 1),
        lambda: yahoo.yahoo_ohlcv("BTC-USD"),
        "Close",
        1,
        "missing column",
    ),
    (
        "missing-header",
        YAHOO_BTC,
        lambda t: "".join(lines(t)[1:]),
        lambda: yahoo.yahoo_ohlcv("BTC-USD"),
        "Date",
        1,
        "missing column",
    ),
    (
        "non-numeric-cell",
        YAHOO_BTC,
        set_cell(100, 4, "n/a"),
        lambda: yahoo.yahoo_ohlcv("BTC-USD"),
        "Close",
        100,
        "not a number",
    ),
    (
        "negative-price",
        YAHOO_BTC,
        set_cell(50, 4, "-457.3"),
        lambda: yahoo.yahoo_ohlcv("BTC-USD"),
        "Close",
        50,
        "fails check",
    ),
    ("zero-price", EDGE_GOLD, set_cell(7, 1, "0"), lambda: yahoo.yahoo_close("GC=F"), "close", 7, "fails check"),
    (
        "duplicate-date",
        YAHOO_BTC,
        replace_line(21, "2014-10-05,1,1,1,1,1"),
        lambda: yahoo.yahoo_ohlcv("BTC-USD"),
        "Date",
        20,
        "duplicate",
    ),
    ("unsorted-dates", YAHOO_BTC, swap_lines(30, 31), lambda: yahoo.yahoo_ohlcv("BTC-USD"), "Date", 31, "wrong way"),
    (
        "bad-date-format",
        EDGE_GOLD,
        set_cell(3, 0, "01/04/2023"),
        lambda: yahoo.yahoo_close("GC=F"),
        "date",
        3,
        "unreadable time",
    ),
    (
        "blank-line-inside",
        EDGE_GOLD,
        replace_line(12, ""),
        lambda: yahoo.yahoo_close("GC=F"),
        "date",
        12,
        "unreadable time",
    ),
    ("fng-above-100", FNG, set_cell(5, 1, "101"), sentiment.fear_greed, "fng_value", 5, "in_range"),
    ("fng-negative", FNG, set_cell(6, 1, "-3"), sentiment.fear_greed, "fng_value", 6, "in_range"),
    ("fng-fractional", FNG, set_cell(7, 1, "10.5"), sentiment.fear_greed, "fng_value", 7, "integer"),
    ("fng-unknown-label", FNG, set_cell(8, 2, "Panic"), sentiment.fear_greed, "fng_classification", 8, "isin"),
    (
        "flows-in-usd-not-millions",
        FARSIDE,
        set_cell(2, 1, "111700000"),
        lambda: flows.farside_flows("BTC"),
        "IBIT",
        2,
        "US$ millions",
    ),
    (
        "flows-total-mismatch",
        FARSIDE,
        set_cell(3, 13, "999.0"),
        lambda: flows.farside_flows("BTC"),
        "Total",
        None,
        "do not add up",
    ),
    (
        "aum-in-millions",
        "flows/artemis/bitcoin_etfs_aum.csv",
        lambda t: "".join(
            ls if i == 0 else re.sub(r"(\d+)\.\d+", lambda m: str(int(m.group(1)) // 10**6), ls)
            for i, ls in enumerate(lines(t))
        ),
        flows.artemis_btc_aum,
        "ARKB",
        2,
        "not millions",
    ),
    (
        "cmc-cap-in-billions",
        "prices/cmc_global/data.csv",
        lambda t: t.replace("3019069391515.3403", "3019.07", 1),
        cmc.cmc_global,
        "total_market_cap",
        2,
        "not millions",
    ),
    (
        "timestamp-not-utc",
        HOURLY,
        lambda t: t.replace("2024-04-16T05:00:00Z", "2024-04-16T07:00:00+02:00", 1),
        lambda: binance.binance_intraday("BTCUSDT", "spot", "1h"),
        "open_time_utc",
        6,
        "not in UTC",
    ),
    (
        "mixed-timezones",
        HOURLY,
        lambda t: t.replace("2024-04-16T05:00:00Z", "2024-04-16T05:00:00", 1),
        lambda: binance.binance_intraday("BTCUSDT", "spot", "1h"),
        "open_time_utc",
        6,
        "mixed time zones",
    ),
    (
        "epoch-seconds-not-ms",
        "prices/binance_btc/BTCUSDT_spot_1d.csv",
        set_cell(4, 0, "1609632000"),
        lambda: binance.binance_daily("BTCUSDT", "spot"),
        "open_time",
        4,
        "unreadable time",
    ),
    (
        "bitstamp-oldest-first",
        "prices/bitstamp_btc/daily_bitcoin_prices.csv",
        lambda t: lines(t)[0] + "".join(reversed(lines(t)[1:])),
        bitstamp.bitstamp_btc,
        "Date",
        3,
        "newest first",
    ),
    (
        "funding-in-percent-not-decimal",
        "derivatives/binance_funding/BTCUSDT-funding_8h_2025-01-01_2026-07-31.csv",
        set_cell(5, 2, "0.0100"),
        binance.binance_funding,
        "fundingRate",
        5,
        "decimal fraction",
    ),  # 1 %/8h
    (
        "funding-at-the-edge-is-legal",
        "derivatives/binance_funding/BTCUSDT-funding_8h_2025-01-01_2026-07-31.csv",
        set_cell(5, 2, "-0.0030"),
        binance.binance_funding,
        None,
        None,
        None,
    ),
    (
        "funding-way-out-of-range",
        "derivatives/binance_funding/BTCUSDT-funding_8h_2025-01-01_2026-07-31.csv",
        set_cell(5, 2, "1.5"),
        binance.binance_funding,
        "fundingRate",
        5,
        "decimal fraction",
    ),
    (
        "negative-liquidation",
        LIQ4H,
        set_cell(4, 1, "-5.0"),
        coinglass.binance_liquidations_4h,
        "BTC_long_usd",
        4,
        "non-negative",
    ),
    (
        "liquidation-column-renamed",
        "derivatives/coinglass_1h_2026/raw_liq_1h_b_2025-11-23_2026-05-22.csv",
        lambda t: t.replace("longUsd", "long_usd", 1),
        coinglass.bob_liquidations_1h_2026,
        "longUsd",
        1,
        "missing column",
    ),
    (
        "duplicate-day-in-long-file",
        "derivatives/coinglass_agg3/raw_liquidation_agg_1d.csv",
        replace_line(3, "ADA,2015-01-01 00:00:00+00,0.0,0.0"),
        coinglass.bob_coins_daily,
        "ts_utc",
        2,
        "duplicate",
    ),
    (
        "duplicate-ticker",
        "derivatives/hyperliquid_oct10/combined_impact_by_ticker_2025-10-10_2115-2127UTC.csv",
        lambda t: t + lines(t)[1],
        hyperliquid.hyperliquid_oct10,
        "ticker",
        None,
        "duplicate ticker",
    ),
    ("not-utf8", EDGE_GOLD, lambda t: t, lambda: yahoo.yahoo_close("GC=F"), None, None, "UTF-8"),
    (
        "overlapping-snapshots-disagree",
        "prices/intraday/binance_spot_1h_zhuxice/BTCUSDT_spot_1h.csv",
        lambda t: set_cell(2, 4, lines(t)[1].split(",")[3])(t),  # close := low: plausible, but not Binance's bar
        lambda: binance.binance_intraday("BTCUSDT", "spot", "1h"),
        None,
        None,
        "disagrees",
    ),
]


@pytest.fixture(autouse=True)
def _no_manifest(monkeypatch):
    """The damage must be caught by the loaders' own checks, not by the snapshot manifest."""
    monkeypatch.setenv("UNWIND_VERIFY_MANIFEST", "0")


@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
def test_malformed_input_names_file_column_line(snapshot, case):
    name, relpath, edit, loader, column, line, words = case
    path = snapshot(relpath, edit)
    if name == "not-utf8":
        path.write_bytes(b"2023-01-03,1839.70\n2023-01-04,\xff\xfe1852\n")
    if words is None:  # a legal value must load
        loader()
        return
    with pytest.raises(DataError) as err:
        loader()
    msg = str(err.value)
    assert str(path) in msg, msg
    assert words in msg, msg
    if column is not None:
        assert err.value.column == column, msg
    if line is not None:
        assert err.value.line == line, msg


def test_missing_file_says_where_to_get_data(snapshot):
    path = snapshot(FARSIDE, None)
    with pytest.raises(DataError, match="file not found") as err:
        flows.farside_flows("BTC")
    assert str(path) in str(err.value) and "UNWIND_DATA" in str(err.value)


def test_missing_data_directory(monkeypatch, tmp_path):
    monkeypatch.setenv("UNWIND_DATA", str(tmp_path / "nowhere"))
    with pytest.raises(DataError, match="no market-data directory") as err:
        data_dir()
    assert "make data" in str(err.value)


def test_farside_holiday_placeholders_are_counted_not_hidden():
    df = flows.farside_flows("BTC")
    removed = df.attrs["holiday_placeholders_removed"]
    assert len(removed) == 16 and "2024-01-15" in removed
    assert df["total_usd_m"].notna().all()


def test_every_registered_source_loads():
    for name, src in REGISTRY.items():
        df = src.load()
        assert len(df) > 0, name


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(row=st.integers(min_value=2, max_value=900), junk=st.sampled_from(["abc", "1.2.3", "--", "1e", "NaN?"]))
def test_any_garbage_cell_is_reported_at_its_line(snapshot, row, junk):
    snapshot(EDGE_GOLD, set_cell(row, 1, junk))
    with pytest.raises(DataError) as err:
        yahoo.yahoo_close("GC=F")
    assert err.value.line == row and err.value.column == "close"
