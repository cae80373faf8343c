"""Dates the whole report refers to, fixed before any estimate."""

from __future__ import annotations

import pandas as pd

#: the article is undated; it appeared mid-November 2025, 41 days after the October 6 high
AS_OF_WINDOW = pd.date_range("2025-11-14", "2025-11-21", freq="D", name="as_of")
#: the all-time-high day the article counts its 41 days from
OCT6_HIGH = pd.Timestamp("2025-10-06")
#: the liquidation cascade ("October crash"); also the pre-registered break date
CRASH = pd.Timestamp("2025-10-10")
#: out-of-sample split for forecasts: fit on data up to this day, judge what came after
FIT_END = pd.Timestamp("2025-11-20")
