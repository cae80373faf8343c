"""What every fetcher shares: HTTP with retries, merging, validation, atomic installs, provenance.

A *job* refreshes one source of :data:`unwind.sources.REGISTRY`; its *parts* are
that source's files.  For each part the provider returns new rows in the file's
own layout; they are merged with the file already in the output directory (new
rows win, no day is duplicated or dropped), written to a temporary file beside
the target, loaded with the project's own loader, and only then moved into
place with :func:`os.replace`, together with its provenance sidecar (all files
of a job and their sidecars, or none).  A failure at any step leaves the
previous files byte-for-byte as they were.

A row that the stored file already has with a different value is a
*revision*: counted and reported with its largest change, and kept at its
stored value unless the part declares that its provider restates history
(``revisions="apply"``) or the run accepts revisions (``--accept-revisions``).
A source whose newest row is older than its job's ``stale_after`` is reported
``stale``.
"""

from __future__ import annotations

import email.utils
import json
import math
import os
import re
import shutil
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import numpy as np
import pandas as pd
import requests
from tenacity import Retrying, retry_if_exception_type, stop_after_attempt
from tqdm import tqdm

from .. import config
from ..hashing import file_sha256, sha256
from ..sources import REGISTRY
from ..sources.base import DataError, Table, parse_time

USER_AGENT = "anatomy-of-an-unwind data refresh (python-requests)"
TIMEOUT = (10, 60)  # connect, read (seconds)
MAX_WAIT = 300.0  # longest back-off or Retry-After we honour (seconds)


class FetchError(RuntimeError):
    """A source could not be refreshed; its existing file is left as it was."""


class Skip(RuntimeError):
    """A source was deliberately not refreshed (no API key, not in the API plan)."""


class _Retryable(Exception):
    def __init__(self, message: str, wait: float | None = None, transport: bool = False) -> None:
        super().__init__(message)
        self.wait, self.transport = wait, transport


def quiet_default() -> bool:
    """Progress bars only on an interactive terminal and never under CI."""
    return os.environ.get("CI", "").lower() in ("1", "true", "yes") or not sys.stderr.isatty()


@dataclass
class Ctx:
    """One refresh run: where to write, what time it is, how to talk HTTP."""

    out: Path
    now: pd.Timestamp = field(default_factory=lambda: pd.Timestamp.now(tz="UTC"))
    since: pd.Timestamp | None = None
    session: requests.Session = field(default_factory=requests.Session)
    sleep: Callable[[float], None] = time.sleep
    tries: int = 5
    accept_revisions: bool = False  # apply changed values of stored rows (default: keep them, report)
    quiet: bool = field(default_factory=quiet_default)
    urls: list[str] = field(default_factory=list)  # first request per endpoint of the current job
    unreachable: set[str] = field(default_factory=set)  # hosts that timed out or refused in this run

    def now_ms(self) -> int:
        return to_ms(self.now)


def to_ms(t: pd.Timestamp) -> int:
    return int(pd.Timestamp(t).value // 1_000_000)


def utc(t: str | pd.Timestamp) -> pd.Timestamp:
    t = pd.Timestamp(t)
    return t.tz_localize("UTC") if t.tzinfo is None else t.tz_convert("UTC")


def api_key(var: str, what: str) -> str:
    """An API key from the environment only; :class:`Skip` when it is not set."""
    key = os.environ.get(var, "").strip()
    if not key:
        raise Skip(f"no {what}: set {var} in the environment to refresh this source")
    return key


def progress(ctx: Ctx, desc: str, total: int | None = None) -> tqdm:
    return tqdm(desc=desc, total=total, unit="page", leave=False, disable=ctx.quiet, file=sys.stderr)


# --- HTTP ------------------------------------------------------------------------------


def _retry_after(r: requests.Response) -> float | None:
    """Seconds to wait from a ``Retry-After`` header (seconds or an HTTP date).

    None when the header is missing or malformed (the normal back-off applies then).
    """
    value = (r.headers.get("Retry-After") or "").strip()
    if not value:
        return None
    try:
        seconds = float(value)
    except ValueError:
        try:
            when = pd.Timestamp(email.utils.parsedate_to_datetime(value))
        except (TypeError, ValueError, IndexError, OverflowError):
            return None
        when = when.tz_localize("UTC") if when.tzinfo is None else when  # "-0000": UTC by RFC 5322
        seconds = (when - pd.Timestamp.now(tz="UTC")).total_seconds()
    return max(0.0, seconds) if math.isfinite(seconds) else None


def _wait(state) -> float:  # tenacity wait: Retry-After when given, else exponential back-off
    exc = state.outcome.exception()
    wait = exc.wait if isinstance(exc, _Retryable) and exc.wait is not None else 2.0 ** (state.attempt_number - 1)
    return min(wait, MAX_WAIT)


def _endpoint(url: str) -> str:
    return url.split("?")[0]


def get(ctx: Ctx, url: str, *, params: dict | None = None, headers: dict | None = None) -> requests.Response:
    """GET with retries on timeouts, refused connections, HTTP 429 (honouring Retry-After) and 5xx.

    Any other HTTP error fails at once.  Keys travel in ``headers`` and never
    appear in messages or provenance.
    """
    hdrs = {"User-Agent": USER_AGENT, **(headers or {})}
    host = urlsplit(url).netloc
    if host in ctx.unreachable:
        raise FetchError(f"{url}: not tried, {host} could not be reached earlier in this run")

    def once() -> requests.Response:
        try:
            r = ctx.session.get(url, params=params, headers=hdrs, timeout=TIMEOUT)
        except requests.Timeout as exc:
            raise _Retryable(f"timed out ({type(exc).__name__})", transport=True) from exc
        except requests.ConnectionError as exc:
            cause = re.search(r"Caused by (\w+)", str(exc))
            raise _Retryable(
                f"connection failed ({cause.group(1) if cause else str(exc)[:120]})", transport=True
            ) from exc
        if r.status_code == 429 or r.status_code >= 500:
            raise _Retryable(f"HTTP {r.status_code} {r.reason or ''}".strip(), _retry_after(r))
        if r.status_code >= 400:
            raise FetchError(f"{url}: HTTP {r.status_code} {r.reason or ''}: {r.text[:200]!r}")
        return r

    try:
        r = Retrying(
            stop=stop_after_attempt(ctx.tries),
            wait=_wait,
            retry=retry_if_exception_type(_Retryable),
            sleep=ctx.sleep,
            reraise=True,
        )(once)
    except _Retryable as exc:
        if exc.transport:
            ctx.unreachable.add(host)  # timeouts and refused connections: do not wait for this host again
        raise FetchError(f"{url}: {exc} (gave up after {ctx.tries} tries)") from None
    if not any(_endpoint(u) == _endpoint(r.url) for u in ctx.urls):
        ctx.urls.append(r.url)
    return r


def get_json(ctx: Ctx, url: str, **kw) -> object:
    r = get(ctx, url, **kw)
    try:
        return r.json()
    except ValueError as exc:
        raise FetchError(
            f"{url}: malformed JSON ({exc}) in a {len(r.content)}-byte response "
            "(truncated, or an error page instead of data)"
        ) from None


def drift(url: str, what: str, found: object) -> FetchError:
    """The upstream format changed: say what was expected and what came."""
    return FetchError(f"{url}: unexpected response layout: expected {what}, found {str(found)[:200]!r}")


def cell(v: object) -> str:
    """One CSV cell: missing -> empty, floats in shortest round-trip form, text as given."""
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return ""
    if isinstance(v, float):
        return str(int(v)) if v.is_integer() and abs(v) < 1e15 else repr(v)
    return str(v)


# --- one file: read, merge, render ----------------------------------------------------------


@dataclass(frozen=True)
class Part:
    """One file of a source and how to refresh it.

    ``fetch(ctx, start)`` returns the rows from ``start`` to now in the file's
    own layout (strings, oldest first, still-forming bars already dropped).
    """

    table: Table
    fetch: Callable[[Ctx, pd.Timestamp], pd.DataFrame]
    start: str  # first time to fetch when there is no file yet
    full: bool = False  # refetch from ``start`` on every run (small, or revised upstream)
    overlap: pd.Timedelta = pd.Timedelta(days=3)  # re-read this much before the last stored row
    seed: bool = False  # the API no longer serves the old history: grow the snapshot's file
    key: Callable[[pd.Series], pd.Series] | None = None  # from parsed times to the dedup key
    # What to do with a stored row the provider now sends with other values: "hold" keeps the stored
    # value (reported; ``--accept-revisions`` applies it), "apply" takes the new one (still reported)
    # for providers that restate their history by design; ``why`` says so in the summary.
    revisions: str = "hold"
    why: str = ""

    def __post_init__(self) -> None:
        if self.revisions not in ("hold", "apply") or (self.revisions == "apply" and not self.why):
            raise ValueError(f"{self.table.relpath}: revisions must be 'hold', or 'apply' with a reason")


@dataclass(frozen=True)
class Job:
    name: str  # the source's name in unwind.sources.REGISTRY
    provider: str
    parts: tuple[Part, ...]
    # The newest row may be at most this old (weekends, holidays, publication lag included);
    # older is reported "stale".  None: no limit.
    stale_after: pd.Timedelta | None = None


def read_file(path: Path, table: Table) -> pd.DataFrame:
    return pd.read_csv(
        path,
        dtype=str,
        keep_default_na=False,
        header=0 if table.header else None,
        names=list(table.raw_names) if not table.header else None,
    )


def times(df: pd.DataFrame, table: Table, label: str) -> pd.Series:
    try:
        t = parse_time(df[table.time_col].astype(str), Path(label), table)
    except DataError as exc:
        raise FetchError(str(exc)) from None
    return t.reset_index(drop=True)


def check_new(new: pd.DataFrame, table: Table, what: str) -> pd.Series:
    """Rows in time order, none twice; returns their parsed times."""
    if new is None or len(new) == 0:
        raise FetchError(f"{what}: the response holds no rows")
    t = times(new, table, what)
    back = t.diff() <= pd.Timedelta(0)
    if back.any():
        i = int(back.to_numpy().nonzero()[0][0])
        raise FetchError(
            f"{what}: time goes backwards or repeats at row {i + 1} "
            f"({t.iloc[i - 1]} then {t.iloc[i]}); response rejected"
        )
    return t


@dataclass
class Revisions:
    """Stored rows that the provider now sends with other values."""

    rows: int = 0
    largest: str = ""  # the largest change, e.g. "fng_value on 2026-08-19: 30 -> 55 (+83.3%)"
    score: float = -1.0  # relative size of ``largest`` (text changes: 0), to compare parts
    applied: bool = False
    why: str = ""  # why they were applied

    def add(self, other: Revisions) -> None:
        self.rows += other.rows
        if other.rows and other.score > self.score:
            self.largest, self.score = other.largest, other.score
        if other.rows and other.applied:
            self.applied, self.why = True, self.why or other.why

    def describe(self) -> str:
        if not self.rows:
            return ""
        n = f"{self.rows:,} stored row{'s' if self.rows != 1 else ''} revised upstream"
        fate = (
            f"applied ({self.why})" if self.applied else "kept at the stored values (--accept-revisions applies them)"
        )
        return f"{n}, {fate}; largest: {self.largest}"


def _show(text: str) -> str:
    return "(empty)" if text == "" else (text if len(text) <= 24 else text[:21] + "...")


def find_revisions(old: pd.DataFrame, new: pd.DataFrame, at: list[str]) -> tuple[np.ndarray, Revisions]:
    """Which of the aligned rows differ (numbers compared as numbers, so 4.70 == 4.7), and the largest change.

    ``old`` and ``new`` hold the same keys in the same order and the columns to compare; ``at`` names
    each row's time for the message.
    """
    if len(old) == 0:
        return np.zeros(0, dtype=bool), Revisions()
    o, n = old.astype(str).to_numpy(), new.astype(str).to_numpy()
    with np.errstate(invalid="ignore"):
        on = old.apply(pd.to_numeric, errors="coerce").to_numpy(dtype=float)
        nn = new.apply(pd.to_numeric, errors="coerce").to_numpy(dtype=float)
        diff = (o != n) & ~(on == nn)
    revised = diff.any(axis=1)
    if not revised.any():
        return revised, Revisions()
    numeric = diff & np.isfinite(on) & np.isfinite(nn)
    if numeric.any():
        with np.errstate(divide="ignore", invalid="ignore"):
            rel = np.where(on != 0, np.abs(nn - on) / np.abs(on), np.inf)
        rel = np.where(numeric, rel, -1.0)
        i, j = np.unravel_index(int(np.argmax(rel)), rel.shape)
        pct = f" ({(nn[i, j] - on[i, j]) / abs(on[i, j]):+.1%})" if on[i, j] != 0 else ""
        score = float(rel[i, j]) if np.isfinite(rel[i, j]) else 1e300
    else:
        i, j = (int(x[0]) for x in np.nonzero(diff))
        pct, score = "", 0.0
    text = f"{old.columns[j]} on {at[i]}: {_show(o[i, j])} -> {_show(n[i, j])}{pct}"
    return revised, Revisions(int(revised.sum()), text, score)


def merge(
    existing: pd.DataFrame | None,
    new: pd.DataFrame,
    part: Part,
    what: str,
    *,
    now: pd.Timestamp | None = None,
    accept: bool = False,
) -> tuple[pd.DataFrame, pd.Series, int, Revisions]:
    """Union of stored and new rows, one row per key, in the file's order.

    New keys are added.  A stored key that comes again with the same values keeps its stored row
    (text and columns the provider does not send); with other values it is a *revision*: counted,
    and the stored row is kept unless the part applies revisions or ``accept`` is set.  The key of
    ``now`` (an open period, e.g. CoinMarketCap's current market day) is not a past date: the new row
    replaces it.
    """
    table = part.table
    if existing is None or len(existing) == 0:
        both, old_n = new.reset_index(drop=True), 0
    else:
        cols = list(existing.columns) + [c for c in new.columns if c not in existing.columns]
        both = pd.concat([existing, new], ignore_index=True).reindex(columns=cols).fillna("")
        old_n = len(existing)
    t = times(both, table, what)
    keys = (part.key(t) if part.key else t).tolist()
    old_at = {k: i for i, k in enumerate(keys[:old_n])}
    new_at = {k: i for i, k in enumerate(keys[old_n:], start=old_n)}
    current = part.key(pd.Series([now])).iloc[0] if part.key is not None and now is not None else None
    again = [k for k in new_at if k in old_at and k != current]
    compare = [c for c in new.columns if c != table.time_col]
    revised, rev = find_revisions(
        both.iloc[[old_at[k] for k in again]][compare].reset_index(drop=True),
        both.iloc[[new_at[k] for k in again]][compare].reset_index(drop=True),
        [stamp(t.iloc[new_at[k]], table) for k in again],
    )
    apply = part.revisions == "apply" or accept
    if rev.rows and apply:
        rev.applied, rev.why = True, part.why if part.revisions == "apply" else "--accept-revisions"
    changed = {k for k, r in zip(again, revised, strict=True) if r}
    chosen = dict(old_at)
    for k, i in new_at.items():
        if k not in old_at or k == current or (k in changed and apply):
            chosen[k] = i
    rows = sorted(chosen.values())
    merged, t = both.iloc[rows].reset_index(drop=True), t.iloc[rows].reset_index(drop=True)
    order = t.sort_values(ascending=not table.newest_first, kind="stable").index
    added = sum(1 for k in new_at if k not in old_at)
    return merged.loc[order].reset_index(drop=True), t.loc[order].reset_index(drop=True), added, rev


def render(df: pd.DataFrame, table: Table) -> bytes:
    return df.to_csv(index=False, header=table.header, lineterminator="\n").encode()


def stamp(t: pd.Timestamp, table: Table) -> str:
    return f"{t:%Y-%m-%d}" if table.time_kind == "date" else t.isoformat()


def age_text(age: pd.Timedelta) -> str:
    return f"{age.days} days" if age >= pd.Timedelta(days=2) else f"{age.total_seconds() / 3600:.0f} hours"


# --- atomic files ---------------------------------------------------------------------------

_TEMP_FILE = re.compile(r"^\..+\.[a-z0-9_]{8}\.tmp$")  # write_temp's names: .<file>.<random>.tmp
_SCRATCH_DIR = re.compile(r"^\.validate-[a-z0-9_]{8}$")  # validate's scratch data dirs


def write_temp(path: Path, data: bytes) -> Path:
    """``data`` in a temporary file beside ``path`` (same file system, so os.replace is atomic)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    with os.fdopen(fd, "wb") as f:
        f.write(data)
        f.flush()
        os.fsync(f.fileno())
    return Path(tmp)


def atomic_write(path: Path, data: bytes) -> None:
    tmp = write_temp(path, data)
    try:
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def remove_leftovers(out: Path) -> list[Path]:
    """Remove the temporary files and scratch dirs that a killed run left in ``out``; returns them.

    Only names this module creates are touched (``.<file>.<8 chars>.tmp``, ``.validate-<8 chars>``).
    """
    removed: list[Path] = []
    for root, dirs, names in os.walk(out):
        for d in [d for d in dirs if _SCRATCH_DIR.match(d)]:
            shutil.rmtree(Path(root) / d, ignore_errors=True)
            dirs.remove(d)
            removed.append(Path(root) / d)
        for n in names:
            if _TEMP_FILE.match(n):
                (Path(root) / n).unlink(missing_ok=True)
                removed.append(Path(root) / n)
    return sorted(removed)


class InstallError(FetchError):
    """Installing failed; ``changed`` lists targets left changed because undoing them failed too."""

    def __init__(self, message: str, changed: list[Path]) -> None:
        super().__init__(message)
        self.changed = changed


def install(moves: list[tuple[Path, Path]]) -> None:
    """Move each staged temporary file onto its target, in order: all of them or none.

    When a move fails, every target already replaced gets its previous bytes back (or is removed
    if it did not exist before) and :class:`InstallError` says what happened.
    """
    done: list[tuple[Path, bytes | None]] = []
    try:
        for tmp, final in moves:
            before = final.read_bytes() if final.is_file() else None
            os.replace(tmp, final)
            done.append((final, before))
    except Exception as exc:
        left = []
        for final, before in reversed(done):
            try:
                if before is None:
                    final.unlink(missing_ok=True)
                else:
                    atomic_write(final, before)
            except Exception:
                left.append(final)
        if left:
            raise InstallError(f"installing failed ({exc}) and undoing it failed too", left) from None
        what = "nothing was replaced" if not done else f"the {len(done)} file(s) already replaced were restored"
        raise InstallError(f"installing failed ({exc}); {what}", []) from None


def provenance_path(path: Path) -> Path:
    return path.with_name(path.name + ".provenance.json")


def provenance_bytes(record: dict) -> bytes:
    return (json.dumps(record, indent=2, sort_keys=True) + "\n").encode()


def write_provenance(path: Path, record: dict) -> None:
    atomic_write(provenance_path(path), provenance_bytes(record))


def validate(name: str, out: Path, staged: dict[str, Path]) -> None:
    """Load source ``name`` with its own loader from a scratch data dir holding the staged files.

    The scratch dir (inside ``out``) links every file of the source: the
    staged new ones and, for the others, what ``out`` already has.  The
    loaders are pointed at it with :func:`unwind.config.using_data`; the
    process environment is not touched.
    """
    with tempfile.TemporaryDirectory(dir=out, prefix=".validate-") as scratch:
        for t in REGISTRY[name].tables:
            src = staged.get(t.relpath, out / t.relpath)
            if src.exists():
                dst = Path(scratch) / t.relpath
                dst.parent.mkdir(parents=True, exist_ok=True)
                dst.symlink_to(src.resolve())
        try:
            with config.using_data(Path(scratch)):
                REGISTRY[name].load()
        except DataError as exc:
            msg = str(exc).replace(str(Path(scratch).resolve()), "").replace(scratch, "")
            raise FetchError(f"the project's loader rejects the new file, so it was not installed: {msg}") from None


# --- running jobs ---------------------------------------------------------------------------

#: every status a result can have; ``inconsistent``: installing failed and could not be undone
STATUSES = ("updated", "revised", "stale", "unchanged", "skipped", "failed", "inconsistent", "copied")


@dataclass
class Result:
    source: str
    provider: str
    status: str  # one of STATUSES
    rows: int | None = None
    added: int | None = None
    revised: int | None = None  # stored rows the provider sent with other values
    last: str = ""
    note: str = ""
    revisions: Revisions | None = None


@dataclass
class _Staged:
    part: Part
    final: Path
    data: bytes
    merged: pd.DataFrame
    t: pd.Series
    added: int
    rev: Revisions
    origin: Path | None
    tmp: Path | None  # None: the file on disk already holds these bytes


def _start(part: Part, existing_t: pd.Series | None, ctx: Ctx) -> pd.Timestamp:
    if ctx.since is not None:
        return ctx.since
    if part.full or existing_t is None or len(existing_t) == 0:
        return utc(part.start)
    last = existing_t.max()
    return utc(last) - part.overlap


def _record(job: Job, s: _Staged, ctx: Ctx) -> dict:
    table = s.part.table
    return {
        "file": table.relpath,
        "source": job.name,
        "provider": job.provider,
        "mode": "fetched" if s.origin is None or s.origin == s.final else "fetched onto snapshot copy",
        "urls": list(ctx.urls),
        "fetched_utc": ctx.now.isoformat(),
        "rows": len(s.merged),
        "added_rows": s.added,
        "revised_rows": s.rev.rows,
        "revisions": "" if not s.rev.rows else ("applied" if s.rev.applied else "kept stored values"),
        "sha256": sha256(s.data),
        "first": stamp(s.t.min(), table),
        "last": stamp(s.t.max(), table),
    }


def staleness(job: Job, staged: list[_Staged], now: pd.Timestamp) -> str:
    """'' when fresh; else which file's newest row is how old, against the job's limit."""
    if job.stale_after is None:
        return ""
    for s in staged:
        age = now - utc(s.t.max())
        if age > job.stale_after:
            return (
                f"newest row {stamp(s.t.max(), s.part.table)} is {age_text(age)} old "
                f"(limit {age_text(job.stale_after)}): the provider may have stopped updating"
            )
    return ""


def run_job(job: Job, ctx: Ctx, seed: Path | None = None) -> Result:
    """Refresh one source; never raises, never damages what is already installed.

    Every changed file of the job and every provenance sidecar is staged first, then all are
    installed together (:func:`install`), or none.
    """
    ctx.urls = []
    temps: list[Path] = []
    try:
        staged: list[_Staged] = []
        for part in job.parts:
            table, final = part.table, ctx.out / part.table.relpath
            origin = final if final.is_file() else None
            if origin is None and part.seed and seed is not None and (seed / table.relpath).is_file():
                origin = seed / table.relpath
            existing = read_file(origin, table) if origin else None
            existing_t = times(existing, table, str(origin)) if existing is not None else None
            start = _start(part, existing_t, ctx)
            what = f"{job.name} ({Path(table.relpath).name})"
            new = part.fetch(ctx, start)
            check_new(new, table, what)
            merged, t, added, rev = merge(existing, new, part, what, now=ctx.now, accept=ctx.accept_revisions)
            data = render(merged, table)
            tmp = None if final.is_file() and final.read_bytes() == data else write_temp(final, data)
            if tmp is not None:
                temps.append(tmp)
            staged.append(_Staged(part, final, data, merged, t, added, rev, origin, tmp))
        validate(job.name, ctx.out, {s.part.table.relpath: s.tmp for s in staged if s.tmp is not None})
        moves = []
        for s in staged:
            try:
                sidecar = write_temp(provenance_path(s.final), provenance_bytes(_record(job, s, ctx)))
            except OSError as exc:
                raise FetchError(f"staging the provenance sidecar failed ({exc}); nothing was replaced") from None
            temps.append(sidecar)
            moves += ([(s.tmp, s.final)] if s.tmp is not None else []) + [(sidecar, provenance_path(s.final))]
        install(moves)
        temps.clear()
        rev = Revisions()
        for s in staged:
            rev.add(s.rev)
        stale = staleness(job, staged, ctx.now)
        changed = any(s.tmp is not None for s in staged)
        status = "stale" if stale else "revised" if rev.rows else "updated" if changed else "unchanged"
        note = "; ".join(x for x in (stale, rev.describe()) if x)
        return Result(
            job.name,
            job.provider,
            status,
            sum(len(s.merged) for s in staged),
            sum(s.added for s in staged),
            rev.rows,
            max(stamp(s.t.max(), s.part.table) for s in staged),
            note,
            rev if rev.rows else None,
        )
    except Skip as exc:
        return Result(job.name, job.provider, "skipped", note=str(exc))
    except InstallError as exc:
        if exc.changed:
            names = ", ".join(str(p.relative_to(ctx.out)) for p in exc.changed)
            return Result(
                job.name,
                job.provider,
                "inconsistent",
                note=f"{names} changed without a matching provenance sidecar: {exc}",
            )
        return Result(job.name, job.provider, "failed", note=str(exc))
    except FetchError as exc:
        return Result(job.name, job.provider, "failed", note=str(exc))
    except Exception as exc:  # a provider bug or an unforeseen upstream change: report, do not crash the run
        return Result(job.name, job.provider, "failed", note=f"{type(exc).__name__}: {exc}")
    finally:
        for tmp in temps:
            tmp.unlink(missing_ok=True)


def copy_missing(out: Path, seed: Path, now: pd.Timestamp) -> list[Result]:
    """Copy every registry file that ``out`` lacks from the snapshot, so the book can build from ``out``.

    Each file and its sidecar are installed together, or neither.
    """
    results = []
    for name, src in REGISTRY.items():
        for t in src.tables:
            dst, origin = out / t.relpath, seed / t.relpath
            if dst.exists() or not origin.is_file():
                continue
            data = origin.read_bytes()
            temps: list[Path] = []
            try:
                df = read_file(origin, t)
                try:
                    tt = times(df, t, str(origin))
                    first, last = stamp(tt.min(), t), stamp(tt.max(), t)
                except (FetchError, KeyError):
                    first = last = ""
                record = {
                    "file": t.relpath,
                    "source": name,
                    "provider": src.provider,
                    "mode": "copied from snapshot",
                    "urls": [f"snapshot:{t.relpath}"],
                    "fetched_utc": now.isoformat(),
                    "rows": len(df),
                    "added_rows": 0,
                    "sha256": sha256(data),
                    "first": first,
                    "last": last,
                }
                temps = [write_temp(dst, data), write_temp(provenance_path(dst), provenance_bytes(record))]
                install([(temps[0], dst), (temps[1], provenance_path(dst))])
                results.append(Result(name, src.provider, "copied", len(df), None, None, last, "copied from snapshot"))
            except InstallError as exc:
                status = "inconsistent" if exc.changed else "failed"
                results.append(Result(name, src.provider, status, note=f"copying {t.relpath} from the snapshot: {exc}"))
            except (OSError, ValueError, pd.errors.ParserError) as exc:
                results.append(
                    Result(
                        name,
                        src.provider,
                        "failed",
                        note=f"copying {t.relpath} from the snapshot: {type(exc).__name__}: {exc}",
                    )
                )
            finally:
                for tmp in temps:
                    tmp.unlink(missing_ok=True)
    return results


PROVENANCE_COLUMNS = [
    "file",
    "source",
    "provider",
    "mode",
    "rows",
    "first",
    "last",
    "fetched_utc",
    "sha256",
    "sha256_ok",
    "urls",
]


def provenance_table(data_dir: str | Path | None = None) -> pd.DataFrame:
    """One row per fetched or copied file under ``data_dir`` (default: the loaders' data dir).

    ``sha256_ok`` is False where the file changed after it was fetched.
    """
    from ..sources.base import data_dir as default_dir

    root = Path(data_dir) if data_dir is not None else default_dir()
    rows = []
    for p in sorted(root.rglob("*.provenance.json")):
        rec = json.loads(p.read_text())
        target = p.with_name(p.name.removesuffix(".provenance.json"))
        rec["sha256_ok"] = target.is_file() and file_sha256(target, cached=False) == rec.get("sha256")
        rec["urls"] = " ; ".join(rec.get("urls", []))
        rows.append(rec)
    return pd.DataFrame(rows, columns=PROVENANCE_COLUMNS).sort_values("file", ignore_index=True)
