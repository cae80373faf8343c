"""The one reader of the project's environment: where the data are, where caches go, the seed, the dates.

Every other module asks this one; none reads ``os.environ`` for a ``UNWIND_*`` variable itself.

- ``$UNWIND_DATA``: the market-data snapshot.  A relative path is resolved from the repository root (not
  from the working directory, which is ``notebooks/`` while a chapter executes).  Default: ``../shared/data``
  beside the repository.
- ``$UNWIND_CACHE``: where the panel and results caches live (default ``data/cache`` in the repository).
- ``$UNWIND_VERIFY_MANIFEST``: ``0`` switches the snapshot-manifest check off (refreshed data).
"""

from __future__ import annotations

import contextlib
import contextvars
import os
from collections.abc import Iterator
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
DATA_ENV = "UNWIND_DATA"
CACHE_ENV = "UNWIND_CACHE"
MANIFEST_ENV = "UNWIND_VERIFY_MANIFEST"
DEFAULT_DATA = REPO_ROOT.parent / "shared" / "data"
DEFAULT_CACHE = REPO_ROOT / "data" / "cache"
#: where the registry of the research design lives (see unwind.study)
STUDY_DIR = REPO_ROOT / "study"
#: the book-wide random seed: every bootstrap and simulation derives its generator from it
SEED = 20251010


def _resolve(value: str) -> Path:
    path = Path(value).expanduser()
    return path if path.is_absolute() else (REPO_ROOT / path)


_DATA_OVERRIDE: contextvars.ContextVar[Path | None] = contextvars.ContextVar("unwind_data_override", default=None)


@contextlib.contextmanager
def using_data(root: Path) -> Iterator[Path]:
    """Read data from ``root`` inside the block (e.g. a fetcher validating staged files), without touching
    the process environment."""
    token = _DATA_OVERRIDE.set(Path(root))
    try:
        yield Path(root)
    finally:
        _DATA_OVERRIDE.reset(token)


def data_root() -> Path:
    """The configured snapshot root (not checked to exist; :func:`unwind.sources.base.data_dir` checks)."""
    override = _DATA_OVERRIDE.get()
    if override is not None:
        return override
    env = os.environ.get(DATA_ENV)
    return _resolve(env) if env else DEFAULT_DATA


def data_origin() -> str:
    """In words, where :func:`data_root` came from (for error messages)."""
    override = _DATA_OVERRIDE.get()
    if override is not None:
        return f"the data directory {override} passed by the caller"
    env = os.environ.get(DATA_ENV)
    return f"${DATA_ENV}={env}" if env else f"the default {DEFAULT_DATA} (${DATA_ENV} is not set)"


def cache_dir() -> Path:
    """Where cached panels and results are written."""
    env = os.environ.get(CACHE_ENV)
    return _resolve(env) if env else DEFAULT_CACHE


def verify_manifest() -> bool:
    """Whether reading the snapshot checks it against the committed manifest (default yes)."""
    return os.environ.get(MANIFEST_ENV, "1").strip().lower() not in ("0", "false", "no", "off")
