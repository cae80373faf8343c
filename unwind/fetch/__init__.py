"""Live data refresh: rebuild the snapshot's files from the public APIs, in the loaders' exact layout.

``python -m unwind.fetch [SOURCE ...] [--since DATE] [--out DIR]`` writes into
``data/live/`` by default; ``UNWIND_DATA=data/live`` then makes every loader in
:mod:`unwind.sources` read the fresh files with no code change.  One module per
provider; :mod:`unwind.fetch.common` holds what they share (HTTP with retries,
merge, validation with the project's loaders, atomic installs, provenance).
"""

from __future__ import annotations

from . import binance, bitstamp, cftc, cmc, coinglass, farside, feargreed, fred, yahoo
from .common import Ctx, FetchError, Job, Part, Result, Skip, provenance_table, run_job

JOBS: dict[str, Job] = {
    j.name: j for mod in (yahoo, fred, binance, bitstamp, feargreed, farside, cmc, coinglass, cftc) for j in mod.jobs()
}

__all__ = ["JOBS", "Ctx", "FetchError", "Job", "Part", "Result", "Skip", "provenance_table", "run_job"]
