"""What every fetcher shares: HTTP with retries, merging, validation, atomic installs, provenance.

A *job* refreshes one source of :data:`unwind.sources.REGISTRY`; its *parts* are
that source's files.  For each part the provider returns new rows in the file's
own layout; they are merged with the file already in the output directory (new
rows win, no day is duplicated or dropped), written to a temporary file beside
the target, loaded with the project's own loader, and only then moved into
place with :func:`os.replace`.  A failure at any step leaves the previous file
byte-for-byte as it was.
"""

from __future__ import annotations

import contextlib
import email.utils
import hashlib
import json
import math
import os
import re
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import pandas as pd
import requests
from tenacity import Retrying, retry_if_exception_type, stop_after_attempt
from tqdm import tqdm

from ..sources import REGISTRY
from ..sources.base import ENV_VAR, DataError, Table, parse_time

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
    value = r.headers.get("Retry-After")
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        when = email.utils.parsedate_to_datetime(value)
        return max(0.0, (when - pd.Timestamp.now(tz="UTC")).total_seconds()) if when else None


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
            raise _Retryable(f"connection failed ({cause.group(1) if cause else str(exc)[:120]})",
                             transport=True) from exc
        if r.status_code == 429 or r.status_code >= 500:
            raise _Retryable(f"HTTP {r.status_code} {r.reason or ''}".strip(), _retry_after(r))
        if r.status_code >= 400:
            raise FetchError(f"{url}: HTTP {r.status_code} {r.reason or ''}: {r.text[:200]!r}")
        return r

    try:
        r = Retrying(stop=stop_after_attempt(ctx.tries), wait=_wait, retry=retry_if_exception_type(_Retryable),
                     sleep=ctx.sleep, reraise=True)(once)
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
        raise FetchError(f"{url}: malformed JSON ({exc}) in a {len(r.content)}-byte response "
                         "(truncated, or an error page instead of data)") from None


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


@dataclass(frozen=True)
class Job:
    name: str  # the source's name in unwind.sources.REGISTRY
    provider: str
    parts: tuple[Part, ...]


def read_file(path: Path, table: Table) -> pd.DataFrame:
    return pd.read_csv(path, dtype=str, keep_default_na=False, header=0 if table.header else None,
                       names=list(table.raw_names) if not table.header else None)


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
        raise FetchError(f"{what}: time goes backwards or repeats at row {i + 1} "
                         f"({t.iloc[i - 1]} then {t.iloc[i]}); response rejected")
    return t


def merge(existing: pd.DataFrame | None, new: pd.DataFrame, part: Part,
          what: str) -> tuple[pd.DataFrame, pd.Series, int]:
    """Union of stored and new rows, one row per key (the new one wins), in the file's order."""
    table = part.table
    if existing is None or len(existing) == 0:
        both, old_n = new.reset_index(drop=True), 0
    else:
        cols = list(existing.columns) + [c for c in new.columns if c not in existing.columns]
        both = pd.concat([existing, new], ignore_index=True).reindex(columns=cols).fillna("")
        old_n = len(existing)
    t = times(both, table, what)
    key = part.key(t) if part.key else t
    keep = ~key.duplicated(keep="last")
    old_keys = set(key.iloc[:old_n])
    merged, t, key = both[keep.to_numpy()], t[keep], key[keep]
    order = t.sort_values(ascending=not table.newest_first, kind="stable").index
    added = int((~key.isin(old_keys)).sum())
    return merged.loc[order].reset_index(drop=True), t.loc[order].reset_index(drop=True), added


def render(df: pd.DataFrame, table: Table) -> bytes:
    return df.to_csv(index=False, header=table.header, lineterminator="\n").encode()


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def stamp(t: pd.Timestamp, table: Table) -> str:
    return f"{t:%Y-%m-%d}" if table.time_kind == "date" else t.isoformat()


# --- atomic files ---------------------------------------------------------------------------


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


def provenance_path(path: Path) -> Path:
    return path.with_name(path.name + ".provenance.json")


def write_provenance(path: Path, record: dict) -> None:
    atomic_write(provenance_path(path), (json.dumps(record, indent=2, sort_keys=True) + "\n").encode())


@contextlib.contextmanager
def data_env(root: Path) -> Iterator[None]:
    """Point the project's loaders at ``root`` for the duration."""
    old = os.environ.get(ENV_VAR)
    os.environ[ENV_VAR] = str(root)
    try:
        yield
    finally:
        if old is None:
            os.environ.pop(ENV_VAR, None)
        else:
            os.environ[ENV_VAR] = old


def validate(name: str, out: Path, staged: dict[str, Path]) -> None:
    """Load source ``name`` with its own loader from a scratch data dir holding the staged files.

    The scratch dir (inside ``out``) links every file of the source: the
    staged new ones and, for the others, what ``out`` already has.
    """
    with tempfile.TemporaryDirectory(dir=out, prefix=".validate-") as scratch:
        for t in REGISTRY[name].tables:
            src = staged.get(t.relpath, out / t.relpath)
            if src.exists():
                dst = Path(scratch) / t.relpath
                dst.parent.mkdir(parents=True, exist_ok=True)
                dst.symlink_to(src.resolve())
        try:
            with data_env(Path(scratch)):
                REGISTRY[name].load()
        except DataError as exc:
            msg = str(exc).replace(str(Path(scratch).resolve()), "").replace(scratch, "")
            raise FetchError(f"the project's loader rejects the new file, so it was not installed: {msg}") from None


# --- running jobs ---------------------------------------------------------------------------


@dataclass
class Result:
    source: str
    provider: str
    status: str  # updated | unchanged | skipped | failed | copied
    rows: int | None = None
    added: int | None = None
    last: str = ""
    note: str = ""


def _start(part: Part, existing_t: pd.Series | None, ctx: Ctx) -> pd.Timestamp:
    if ctx.since is not None:
        return ctx.since
    if part.full or existing_t is None or len(existing_t) == 0:
        return utc(part.start)
    last = existing_t.max()
    return utc(last) - part.overlap


def run_job(job: Job, ctx: Ctx, seed: Path | None = None) -> Result:
    """Refresh one source; never raises, never damages what is already installed."""
    ctx.urls = []
    temps: dict[str, Path] = {}
    try:
        staged = []
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
            merged, t, added = merge(existing, new, part, what)
            data = render(merged, table)
            temps[table.relpath] = write_temp(final, data)
            staged.append((part, final, data, merged, t, added, origin))
        validate(job.name, ctx.out, temps)
        changed = 0
        for part, final, data, merged, t, added, origin in staged:
            tmp = temps[part.table.relpath]
            if final.is_file() and final.read_bytes() == data:
                tmp.unlink()
            else:
                os.replace(tmp, final)
                changed += 1
            del temps[part.table.relpath]
            write_provenance(final, {
                "file": part.table.relpath, "source": job.name, "provider": job.provider,
                "mode": "fetched" if origin is None or origin == final else "fetched onto snapshot copy",
                "urls": list(ctx.urls), "fetched_utc": ctx.now.isoformat(), "rows": len(merged),
                "added_rows": added, "sha256": sha256(data), "first": stamp(t.min(), part.table),
                "last": stamp(t.max(), part.table)})
        rows = sum(len(s[3]) for s in staged)
        added = sum(s[5] for s in staged)
        last = max(stamp(s[4].max(), s[0].table) for s in staged)
        return Result(job.name, job.provider, "updated" if changed else "unchanged", rows, added, last)
    except Skip as exc:
        return Result(job.name, job.provider, "skipped", note=str(exc))
    except FetchError as exc:
        return Result(job.name, job.provider, "failed", note=str(exc))
    except Exception as exc:  # a provider bug or an unforeseen upstream change: report, do not crash the run
        return Result(job.name, job.provider, "failed", note=f"{type(exc).__name__}: {exc}")
    finally:
        for tmp in temps.values():
            tmp.unlink(missing_ok=True)


def copy_missing(out: Path, seed: Path, now: pd.Timestamp) -> list[Result]:
    """Copy every registry file that ``out`` lacks from the snapshot, so the book can build from ``out``."""
    results = []
    for name, src in REGISTRY.items():
        for t in src.tables:
            dst, origin = out / t.relpath, seed / t.relpath
            if dst.exists() or not origin.is_file():
                continue
            data = origin.read_bytes()
            atomic_write(dst, data)
            try:
                tt = times(read_file(dst, t), t, str(dst))
                first, last = stamp(tt.min(), t), stamp(tt.max(), t)
            except (FetchError, KeyError):
                first = last = ""
            rows = len(read_file(dst, t))
            write_provenance(dst, {"file": t.relpath, "source": name, "provider": src.provider,
                                   "mode": "copied from snapshot", "urls": [f"snapshot:{t.relpath}"],
                                   "fetched_utc": now.isoformat(), "rows": rows, "added_rows": 0,
                                   "sha256": sha256(data), "first": first, "last": last})
            results.append(Result(name, src.provider, "copied", rows, None, last, "copied from snapshot"))
    return results


PROVENANCE_COLUMNS = ["file", "source", "provider", "mode", "rows", "first", "last", "fetched_utc", "sha256",
                      "sha256_ok", "urls"]


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
        rec["sha256_ok"] = target.is_file() and sha256(target.read_bytes()) == rec.get("sha256")
        rec["urls"] = " ; ".join(rec.get("urls", []))
        rows.append(rec)
    return pd.DataFrame(rows, columns=PROVENANCE_COLUMNS).sort_values("file", ignore_index=True)
