import numpy as np
import pandas as pd
import pytest

from unwind import audit


def test_calendar_classification():
    days = pd.date_range("2025-01-01", "2025-01-31")
    name, grid = audit.calendar_of(days.delete(3))
    assert name == "every day" and len(grid.difference(days.delete(3))) == 1
    bdays = pd.bdate_range("2025-01-01", "2025-01-31")
    name, grid = audit.calendar_of(bdays.delete(0))
    assert name == "NYSE sessions"
    # NYSE closed on 2025-01-01, 01-09 (a national day of mourning) and 01-20: no grid point, no false gap
    sessions = bdays.drop(pd.to_datetime(["2025-01-01", "2025-01-09", "2025-01-20"]))
    name, grid = audit.calendar_of(sessions.delete(5))
    assert name == "NYSE sessions" and grid.difference(sessions.delete(5)).tolist() == [sessions[5]]
    hours = pd.date_range("2025-01-01", periods=48, freq="4h")
    name, grid = audit.calendar_of(hours.delete(5))
    assert name == "every 4h" and len(grid) == 48


def test_abs_pct_diff_only_on_shared_days():
    a = pd.Series([100.0, 102.0, np.nan], index=pd.date_range("2025-01-01", periods=3))
    b = pd.Series([101.0, 102.0, 5.0], index=a.index)
    d = audit.abs_pct_diff(a, b)
    assert len(d) == 2 and d.iloc[0] == pytest.approx(100 * (1 - 100 / 101)) and d.iloc[1] == 0


def test_flow_agreement_finds_the_one_cell():
    idx = pd.date_range("2026-04-08", periods=3)
    a = pd.DataFrame({"IBIT": [1.0, 2.0, 3.0], "MSBT": [np.nan, 0.0, np.nan]}, index=idx)
    b = pd.DataFrame({"IBIT": [1.0, 2.0, 3.0], "MSBT": [0.0, 0.0, 16.3]}, index=idx)
    out = audit.flow_agreement(a, b, ["IBIT", "MSBT"])
    assert len(out) == 1 and out.iloc[0]["column"] == "MSBT" and out.iloc[0]["second"] == 16.3
    assert out["cells_compared"].iloc[0] == 6


def test_every_provider_has_its_terms_recorded():
    terms = audit.provider_terms()
    assert (terms["terms"] != "not recorded").all(), terms[terms["terms"] == "not recorded"]
    assert terms["sources"].sum() == len(audit.REGISTRY)
