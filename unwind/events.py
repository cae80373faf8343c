"""Dates the whole report refers to, read from the study registry (``study/book.yaml``), where they are fixed
before any estimate.  This module only gives them short names; it restates nothing."""

from __future__ import annotations

from .study import registry

_book = registry.book()
#: every date the undated article could have been written (the sensitivity window)
AS_OF_WINDOW = _book.as_of_window
#: the date every ledger claim is decided on (from the article's own arithmetic)
PRIMARY_DATE = _book.primary_date
#: the all-time-high day the article counts its 41 days from
OCT6_HIGH = registry.date("oct6_high")
#: the liquidation cascade ("October crash"); also the pre-registered break date
CRASH = registry.date("crash")
#: out-of-sample split for forecasts: fit on data up to this day, judge what came after
FIT_END = registry.date("fit_end")
