"""Reading one raw file into a canonical, validated frame.

Every loader in :mod:`unwind.sources` describes its file declaratively with a
:class:`Table` and calls :func:`load_table`.  This module is the one place that
turns a malformed file into a :class:`DataError` naming the file, the column,
the line and what was expected -- nothing is dropped silently.
"""

from __future__ import annotations

import functools
import json
import os
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import numpy as np
import pandas as pd
import pandera.pandas as pa
from pandera.errors import SchemaErrors

from .. import config

ENV_VAR = config.DATA_ENV
REPO_ROOT = config.REPO_ROOT
DEFAULT_DATA = config.DEFAULT_DATA


class DataError(ValueError):
    """A data file is missing or does not look the way its loader expects."""

    def __init__(
        self,
        path: Path | str,
        problem: str,
        *,
        column: str | None = None,
        line: int | None = None,
        expected: str | None = None,
        found: object = None,
    ) -> None:
        self.path, self.column, self.line = str(path), column, line
        self.expected, self.found = expected, found
        where = [self.path]
        if column is not None:
            where.append(f"column '{column}'")
        if line is not None:
            where.append(f"line {line}")
        msg = ", ".join(where) + f": {problem}"
        if expected is not None:
            msg += f"; expected {expected}"
        if found is not None:
            msg += f", found {found!r}"
        super().__init__(msg)


def data_dir() -> Path:
    """The snapshot root: ``$UNWIND_DATA`` if set (relative paths from the repository root), else
    ``../shared/data`` (see :mod:`unwind.config`)."""
    root = config.data_root()
    if not root.is_dir():
        origin = config.data_origin()
        raise DataError(
            root,
            f"no market-data directory at {origin}",
            expected="the snapshot folder (prices/, flows/, sentiment/, derivatives/): "
            f"set {ENV_VAR} to where it is, place it at ../shared/data beside the "
            "repository, or rebuild it from the public APIs with `make data`",
        )
    return root


def resolve(relpath: str) -> Path:
    return data_dir() / relpath


TimeKind = Literal["date", "epoch_ms", "timestamp"]


@dataclass(frozen=True)
class Col:
    """One numeric column: raw name in the file -> canonical name with unit."""

    raw: str
    name: str
    checks: tuple[pa.Check, ...] = ()
    expect: str = "a number"
    nullable: bool = False
    text: bool = False  # kept as text (labels), not converted to a number
    level: bool = False  # a positive level (price, index): its one-bar log move is limited by Table.max_move
    decimals: int | None = None  # the most decimal places the provider writes (more = another unit)


@dataclass(frozen=True)
class Known:
    """A real exception to a plausibility rule, listed by its date (or date and time), with the reason."""

    when: str
    reason: str


@dataclass(frozen=True)
class Table:
    """How one raw file looks, and what its values may plausibly be.

    Plausibility (checked by :func:`load_table` on every file, see :func:`check_plausible`):
    ``ohlc`` names the open/high/low/close columns (low <= open, close <= high); ``max_move`` limits
    the one-bar |log change| of every ``level`` column (exceptions in ``moves_ok``); ``calendar="XNYS"``
    puts every row on a NYSE session (exceptions in ``off_calendar_ok``; a row whose ``placeholder``
    columns are all empty is a holiday placeholder and must *not* be on a session).  Coverage, checked on
    the snapshot (a file with a SOURCE.md at or above it): the file spans ``span`` (first, last) and has
    no step longer than ``max_gap`` (no missing NYSE session for ``calendar`` tables) except the gaps
    listed in ``gaps_ok`` by the date of the last row before the gap.
    No row may be dated after the file's fetch time (its provenance sidecar) or after now.
    """

    relpath: str
    time_col: str
    time_kind: TimeKind
    cols: tuple[Col, ...]
    header: bool = True
    raw_names: tuple[str, ...] | None = None  # for header-less files
    newest_first: bool = False
    index_name: str = "date"
    group_col: str | None = None  # long files (one row per symbol and day)
    min_rows: int = 1
    ohlc: tuple[str, str, str, str] | None = None
    max_move: float | None = None
    moves_ok: tuple[Known, ...] = ()
    span: tuple[str, str] | None = None
    max_gap: str | None = None
    gaps_ok: tuple[Known, ...] = ()
    calendar: Literal["XNYS"] | None = None
    off_calendar_ok: tuple[Known, ...] = ()
    placeholder: tuple[str, ...] = ()


def _line(i: int, table: Table) -> int:
    """File line of data row ``i`` (0-based position, 1-based lines)."""
    return i + (2 if table.header else 1)


def read_raw(path: Path, table: Table) -> pd.DataFrame:
    if not path.is_file():
        raise DataError(
            path,
            "file not found",
            expected=f"the snapshot file {table.relpath} under ${ENV_VAR} or ../shared/data",
        )
    if path.stat().st_size == 0:
        raise DataError(path, "file is empty", expected="a header line and data rows")
    from . import manifest  # noqa: PLC0415 (manifest lists the registry, which imports this module)

    manifest.verify_file(path, table.relpath)
    try:
        df = pd.read_csv(
            path,
            dtype=str,
            keep_default_na=False,
            header=0 if table.header else None,
            names=list(table.raw_names) if not table.header else None,
            skip_blank_lines=False,
        )
    except pd.errors.ParserError as exc:  # too many fields on a line
        raise DataError(path, f"unreadable CSV ({exc})", expected="one value per column on every line") from exc
    except UnicodeDecodeError as exc:
        raise DataError(path, "not UTF-8 text", expected="a UTF-8 CSV file") from exc
    needed = [table.time_col, *(c.raw for c in table.cols)]
    if table.group_col:
        needed.append(table.group_col)
    missing = [c for c in needed if c not in df.columns]
    if missing:
        raise DataError(
            path,
            f"missing column(s) {missing}",
            column=missing[0],
            line=1 if table.header else None,
            expected=f"header with {needed}",
            found=list(df.columns),
        )
    if len(df) < table.min_rows:
        raise DataError(path, f"only {len(df)} data rows", expected=f"at least {table.min_rows}")
    return df


def parse_time(raw: pd.Series, path: Path, table: Table) -> pd.Series:
    col = table.time_col
    text = raw.str.strip()
    if table.time_kind == "epoch_ms":
        ms = pd.to_numeric(text, errors="coerce")
        t = pd.to_datetime(ms, unit="ms", utc=True, errors="coerce")
        expected = "a Unix time in milliseconds"
        # out-of-range epochs (seconds instead of ms, garbage) -> NaT
        t = t.where((t >= pd.Timestamp("2009-01-01", tz="UTC")) & (t <= pd.Timestamp("2100-01-01", tz="UTC")))
    elif table.time_kind == "date":
        t = pd.to_datetime(text, format="%Y-%m-%d", errors="coerce", utc=True)
        expected = "a date YYYY-MM-DD"
    else:
        # timestamps must all be UTC: "Z", "+00:00", "+00" or no offset at all
        offs = text.str.extract(r"([+-]\d\d(?::?\d\d)?|Z)$")[0]
        bad = offs.notna() & ~offs.isin(["Z", "+00:00", "+00", "+0000", "-00:00"])
        if bad.any():
            i = int(np.flatnonzero(bad.to_numpy())[0])
            raise DataError(
                path,
                "timestamp not in UTC",
                column=col,
                line=_line(i, table),
                expected="UTC timestamps (Z or +00:00)",
                found=raw.iloc[i],
            )
        if offs.notna().any() and offs.isna().any():
            i = int(np.flatnonzero(offs.isna().to_numpy())[0])
            raise DataError(
                path,
                "mixed time zones: some timestamps carry an offset, this one none",
                column=col,
                line=_line(i, table),
                expected="every timestamp with the same UTC offset",
                found=raw.iloc[i],
            )
        t = pd.to_datetime(text, format="ISO8601", errors="coerce", utc=True)
        expected = "an ISO 8601 UTC timestamp"
    bad = t.isna()
    if bad.any():
        i = int(np.flatnonzero(bad.to_numpy())[0])
        raise DataError(
            path,
            f"{int(bad.sum())} unreadable time value(s), first",
            column=col,
            line=_line(i, table),
            expected=expected,
            found=raw.iloc[i],
        )
    t = t.dt.as_unit("ns")
    # calendar dates are UTC days: keep them naive so daily frames join on dates
    return t.dt.tz_localize(None) if table.time_kind == "date" else t


def to_numbers(df: pd.DataFrame, path: Path, table: Table) -> pd.DataFrame:
    out = {}
    for c in table.cols:
        text = df[c.raw].str.strip()
        if c.text:
            out[c.name] = text
            continue
        num = pd.to_numeric(text, errors="coerce")
        bad = num.isna() & (text != "")
        if bad.any():
            i = int(np.flatnonzero(bad.to_numpy())[0])
            raise DataError(
                path, "not a number", column=c.raw, line=_line(i, table), expected=c.expect, found=df[c.raw].iloc[i]
            )
        bad = num.notna() & ~np.isfinite(num.astype(float))
        if bad.any():
            i = int(np.flatnonzero(bad.to_numpy())[0])
            raise DataError(
                path,
                "not a finite number",
                column=c.raw,
                line=_line(i, table),
                expected=c.expect,
                found=df[c.raw].iloc[i],
            )
        if c.decimals is not None:
            frac = text.str.extract(r"\.(\d+)$")[0].str.rstrip("0").str.len()
            bad = frac > c.decimals
            if bad.any():
                i = int(np.flatnonzero(bad.to_numpy())[0])
                raise DataError(
                    path,
                    f"more than {c.decimals} decimal place(s): another unit?",
                    column=c.raw,
                    line=_line(i, table),
                    expected=f"{c.expect}, written to {c.decimals} decimal(s)",
                    found=df[c.raw].iloc[i],
                )
        out[c.name] = num.astype(float)
    return pd.DataFrame(out, index=df.index)


def check_values(values: pd.DataFrame, path: Path, table: Table) -> None:
    schema = pa.DataFrameSchema(
        {c.name: pa.Column(str if c.text else float, checks=list(c.checks), nullable=c.nullable) for c in table.cols},
        strict=False,
    )
    try:
        schema.validate(values, lazy=True)
    except SchemaErrors as exc:
        fc = exc.failure_cases
        fc = fc[fc["index"].notna()] if fc["index"].notna().any() else fc
        first = fc.iloc[0]
        name = first["column"]
        spec = next((c for c in table.cols if c.name == name), None)
        raw_name = spec.raw if spec else name
        idx = first["index"]
        line = _line(int(idx), table) if pd.notna(idx) else None
        check = str(first["check"])
        problem = "empty cell" if "not_nullable" in check else f"fails check {check}"
        n = int((fc["column"] == name).sum())
        raise DataError(
            path,
            f"{problem} ({n} row(s) in this column)",
            column=raw_name,
            line=line,
            expected=spec.expect if spec else None,
            found=first["failure_case"],
        ) from None


def check_order(t: pd.Series, path: Path, table: Table, groups: pd.Series | None = None) -> None:
    """Duplicates and ordering of the time column, within each group for long files."""
    keys = pd.DataFrame({"t": t, "g": groups if groups is not None else 0})
    dup = keys.duplicated(keep=False)
    if dup.any():
        pos = np.flatnonzero(dup.to_numpy())
        raise DataError(
            path,
            f"duplicate time value (also on line {_line(int(pos[1]), table)})",
            column=table.time_col,
            line=_line(int(pos[0]), table),
            expected="one row per time value",
            found=str(t.iloc[pos[0]]),
        )
    for _, sub in keys.groupby("g", sort=False):
        step = sub["t"].diff().dt.total_seconds()
        wrong = step > 0 if table.newest_first else step < 0
        if wrong.any():
            i = int(keys.index.get_loc(wrong[wrong].index[0]))
            order = "newest first" if table.newest_first else "oldest first"
            raise DataError(
                path,
                "time goes the wrong way",
                column=table.time_col,
                line=_line(i, table),
                expected=f"rows sorted {order}",
                found=str(t.iloc[i]),
            )


def load_table(table: Table) -> pd.DataFrame:
    """Read, validate and canonicalise one file; index = UTC time, sorted ascending."""
    path = resolve(table.relpath)
    raw = read_raw(path, table)
    t = parse_time(raw[table.time_col], path, table)
    values = to_numbers(raw, path, table)
    check_values(values, path, table)
    groups = raw[table.group_col] if table.group_col else None
    check_order(t, path, table, groups)
    check_plausible(values, t, path, table, groups)
    if table.group_col:
        values[table.group_col] = raw[table.group_col]
    values.index = pd.Index(t, name=table.index_name)
    return values.sort_index(kind="stable")


POSITIVE = (pa.Check.gt(0),)
NON_NEGATIVE = (pa.Check.ge(0),)


def row_error(
    table: Table, when: pd.Timestamp, problem: str, *, column: str, expected: str, found: object
) -> DataError:
    """An error for a check across columns, naming the row by its date."""
    return DataError(
        resolve(table.relpath),
        f"{problem} in the row dated {when:%Y-%m-%d}",
        column=column,
        expected=expected,
        found=found,
    )


def price(
    raw: str, name: str, unit: str = "USD", nullable: bool = False, between: tuple[float, float] | None = None
) -> Col:
    """A finite positive price (a ``level``); ``between`` bounds it by range to catch a wrong unit."""
    if between is None:
        return Col(raw, name, POSITIVE, f"a positive price in {unit}", nullable=nullable, level=True)
    lo, hi = between
    return Col(
        raw,
        name,
        (pa.Check.in_range(lo, hi),),
        f"a price in {unit} between {lo:g} and {hi:g}",
        nullable=nullable,
        level=True,
    )


def amount(raw: str, name: str, unit: str = "USD", nullable: bool = False) -> Col:
    return Col(raw, name, NON_NEGATIVE, f"a non-negative amount in {unit}", nullable=nullable)


# --- plausibility: data that parse but are wrong ---------------------------------------------------

CALENDAR_START = "1962-01-01"  # the oldest series read, FRED DGS10 (1962-01-02); the audit grids it on sessions


@functools.cache
def _xnys() -> tuple[pd.DatetimeIndex, pd.DatetimeIndex]:
    """The XNYS calendar from :data:`CALENDAR_START` to the end of next year: (sessions as naive dates, each
    session's close as a UTC time).

    Built once with ``exchange_calendars`` and kept in the cache directory (keyed by the package version
    and the date range), so a cold load does not pay the package's 0.4 s import again.
    """
    from importlib.metadata import version  # noqa: PLC0415

    end = f"{pd.Timestamp.now(tz='UTC').year + 1}-12-31"
    cached = config.cache_dir() / f"xnys-{version('exchange-calendars')}-{CALENDAR_START}-{end}.npz"
    if cached.is_file():
        with np.load(cached) as z:
            sessions = pd.DatetimeIndex(z["sessions"].astype("datetime64[ns]"))
            closes = pd.DatetimeIndex(z["closes"].astype("datetime64[ns]")).tz_localize("UTC")
        return sessions, closes
    import exchange_calendars as xcals  # noqa: PLC0415

    with warnings.catch_warnings():
        # exchange_calendars 4.13 reads Series.values on tz-aware data while it builds the calendar
        warnings.filterwarnings(
            "ignore",
            message="Series.values returning an ndarray that drops timezone",
            category=pd.errors.Pandas4Warning,
        )
        cal = xcals.get_calendar("XNYS", start=CALENDAR_START, end=end)
    sessions = pd.DatetimeIndex(cal.sessions)
    sessions = sessions.tz_localize(None) if sessions.tz is not None else sessions
    closes = pd.DatetimeIndex(cal.closes.reindex(cal.sessions))
    closes = closes.tz_localize("UTC") if closes.tz is None else closes.tz_convert("UTC")
    try:
        cached.parent.mkdir(parents=True, exist_ok=True)
        tmp = cached.with_suffix(f".{os.getpid()}.tmp.npz")
        with open(tmp, "wb") as fh:
            np.savez(
                fh,
                sessions=sessions.to_numpy().astype("datetime64[D]"),
                closes=closes.tz_localize(None).to_numpy().astype("datetime64[m]"),
            )
        os.replace(tmp, cached)
    except OSError:  # a read-only cache is only slower
        pass
    return sessions, closes


def nyse_sessions() -> pd.DatetimeIndex:
    """NYSE (XNYS) trading sessions from :data:`CALENDAR_START` to the end of next year, as naive dates."""
    return _xnys()[0]


def nyse_close_utc(days: pd.DatetimeIndex | pd.Series | list) -> pd.DatetimeIndex:
    """Each day's actual NYSE close as a UTC time (16:00 New York, 13:00 on early-close days such as the day
    before Independence Day, the day after Thanksgiving and Christmas Eve); ``NaT`` on a day that is not an
    XNYS session (weekend, holiday).  Times come from the cached XNYS calendar (:func:`nyse_sessions`)."""
    sessions, closes = _xnys()
    day = pd.DatetimeIndex(days)
    day = (day.tz_localize(None) if day.tz is not None else day).normalize()
    pos = sessions.get_indexer(day)
    out = closes.take(np.where(pos >= 0, pos, 0))
    return out.where(pos >= 0, pd.NaT).rename(None)


def _listed(when: pd.Series, known: tuple[Known, ...]) -> np.ndarray:
    """Which times fall on a listed exception (matched by prefix: a date covers every bar of that day)."""
    if not known:
        return np.zeros(len(when), dtype=bool)
    stamp = when.dt.strftime("%Y-%m-%d %H:%M")
    return stamp.str.startswith(tuple(k.when for k in known)).to_numpy()


def _fmt(ts: pd.Timestamp) -> str:
    return f"{ts:%Y-%m-%d}" if ts == ts.normalize() else f"{ts:%Y-%m-%d %H:%M}"


@functools.cache
def _in_snapshot_layout(folder: Path, root: Path) -> bool:
    """A file documented by a SOURCE.md at or above its folder belongs to the snapshot: its declared coverage
    applies.  Fetched files (``data/live``, fetch staging) carry provenance sidecars instead."""
    for d in (folder, *folder.parents):
        if (d / "SOURCE.md").is_file():
            return True
        if d == root or d == d.parent:
            return False
    return False


def fetch_time(path: Path) -> pd.Timestamp | None:
    """``fetched_utc`` from the file's provenance sidecar, if it has one."""
    side = path.with_name(path.name + ".provenance.json")
    if not side.is_file():
        return None
    try:
        return pd.Timestamp(json.loads(side.read_text())["fetched_utc"]).tz_convert("UTC")
    except (KeyError, ValueError, TypeError) as exc:
        raise DataError(
            side,
            f"unreadable provenance sidecar ({exc})",
            column="fetched_utc",
            expected="a JSON object with an ISO 8601 fetched_utc",
        ) from None


def check_plausible(
    values: pd.DataFrame, t: pd.Series, path: Path, table: Table, groups: pd.Series | None = None
) -> None:
    """The rules declared on ``table`` (see :class:`Table`); ``values`` and ``t`` are in file order."""
    naive = t.dt.tz_convert(None) if t.dt.tz is not None else t
    _check_future(naive, path, table)
    _check_ohlc(values, path, table)
    if table.max_move is not None:
        _check_moves(values, naive, path, table, groups)
    if table.calendar:
        _check_calendar(values, naive, path, table)
    if (table.span or table.max_gap or table.calendar) and _in_snapshot_layout(path.parent, data_dir()):
        _check_coverage(naive, path, table, groups)


def _check_future(t: pd.Series, path: Path, table: Table) -> None:
    now = pd.Timestamp.now(tz="UTC")
    fetched = fetch_time(path)
    limit, what = (
        (fetched, f"its fetch time {fetched:%Y-%m-%d %H:%M} UTC (provenance sidecar)")
        if fetched is not None and fetched < now
        else (now, f"now ({now:%Y-%m-%d %H:%M} UTC)")
    )
    limit = limit.tz_convert(None)
    if table.time_kind == "date":  # a calendar day D exists once D has begun
        limit = limit.normalize()
    late = (t > limit).to_numpy()
    if late.any():
        i = int(np.flatnonzero(late)[0])
        raise DataError(
            path,
            f"{int(late.sum())} row(s) dated in the future, first",
            column=table.time_col,
            line=_line(i, table),
            expected=f"no time after {what}",
            found=_fmt(t.iloc[i]),
        )


def _check_ohlc(values: pd.DataFrame, path: Path, table: Table) -> None:
    if table.ohlc is None:
        return
    o, h, lo, c = (values[n] for n in table.ohlc)
    raw = {c_.name: c_.raw for c_ in table.cols}
    tol = 1e-9 * h.abs()
    rules = [
        (lo > pd.concat([o, c], axis=1).min(axis=1) + tol, table.ohlc[2], "low <= open and low <= close"),
        (h < pd.concat([o, c], axis=1).max(axis=1) - tol, table.ohlc[1], "high >= open and high >= close"),
        (h < lo, table.ohlc[1], "high >= low"),
    ]
    for bad, col, rule in rules:
        bad = bad.to_numpy()
        if bad.any():
            i = int(np.flatnonzero(bad)[0])
            found = {raw[n]: float(values[n].iloc[i]) for n in table.ohlc}
            raise DataError(
                path,
                f"OHLC inconsistent ({int(bad.sum())} row(s)), first",
                column=raw[col],
                line=_line(i, table),
                expected=rule,
                found=found,
            )


def _check_moves(values: pd.DataFrame, t: pd.Series, path: Path, table: Table, groups: pd.Series | None) -> None:
    keys = groups if groups is not None else pd.Series(0, index=t.index)
    order = np.lexsort((t.to_numpy(), keys.to_numpy()))
    tt, kk = t.iloc[order], keys.iloc[order].to_numpy()
    listed = _listed(tt, table.moves_ok)
    same = np.r_[False, kk[1:] == kk[:-1]]
    for c in table.cols:
        if not c.level:
            continue
        v = values[c.name].iloc[order].to_numpy()
        with np.errstate(divide="ignore", invalid="ignore"):
            lv = np.log(v)
        prev = pd.Series(lv).ffill().shift().to_numpy()  # the last non-missing value before this row
        move = np.abs(lv - prev)
        bad = (move > table.max_move) & same & ~listed & np.isfinite(move)
        if bad.any():
            j = int(np.flatnonzero(bad)[0])
            i = int(order[j])
            raise DataError(
                path,
                f"one-bar move of {move[j]:.3f} in log terms ({int(bad.sum())} such bar(s)), first",
                column=c.raw,
                line=_line(i, table),
                expected=f"|log change| <= {table.max_move} per bar outside the listed exceptions "
                f"(a spike, a wrong unit or a wrong row)",
                found=float(values[c.name].iloc[i]),
            )


def _placeholder_rows(values: pd.DataFrame, table: Table) -> np.ndarray:
    if not table.placeholder:
        return np.zeros(len(values), dtype=bool)
    return values[list(table.placeholder)].isna().all(axis=1).to_numpy()


def _check_calendar(values: pd.DataFrame, t: pd.Series, path: Path, table: Table) -> None:
    sessions = nyse_sessions()
    day = t.dt.normalize()
    on_session = day.isin(sessions).to_numpy()
    placeholder = _placeholder_rows(values, table)
    holiday_on_session = placeholder & on_session
    off = ~on_session & ~placeholder & ~_listed(t, table.off_calendar_ok)
    first_holiday = int(np.flatnonzero(holiday_on_session)[0]) if holiday_on_session.any() else len(t)
    first_off = int(np.flatnonzero(off)[0]) if off.any() else len(t)
    if first_holiday < first_off:  # report whichever comes first in the file
        i = first_holiday
        raise DataError(
            path,
            "a holiday placeholder (every fund empty) on a NYSE trading session",
            column=table.placeholder[0],
            line=_line(i, table),
            expected="values on every NYSE session; empty rows only on exchange holidays",
            found=_fmt(t.iloc[i]),
        )
    if first_off < len(t):
        i = first_off
        raise DataError(
            path,
            f"{int(off.sum())} row(s) not on a NYSE session, first",
            column=table.time_col,
            line=_line(i, table),
            expected="U.S. trading days only (XNYS calendar)",
            found=f"{t.iloc[i]:%Y-%m-%d (%A)}",
        )


def _check_coverage(t: pd.Series, path: Path, table: Table, groups: pd.Series | None) -> None:
    if table.span is not None:
        first, last = (pd.Timestamp(x) for x in table.span)
        if t.max().floor("min") < last:
            i = int(t.to_numpy().argmax())
            raise DataError(
                path,
                "the file ends before its declared end (truncated?)",
                column=table.time_col,
                line=_line(i, table),
                expected=f"rows through {_fmt(last)}",
                found=_fmt(t.iloc[i]),
            )
        if t.min().floor("min") > first:
            i = int(t.to_numpy().argmin())
            raise DataError(
                path,
                "the file starts after its declared start (truncated?)",
                column=table.time_col,
                line=_line(i, table),
                expected=f"rows from {_fmt(first)}",
                found=_fmt(t.iloc[i]),
            )
    if table.max_gap is not None:
        keys = groups if groups is not None else pd.Series(0, index=t.index)
        order = np.lexsort((t.to_numpy(), keys.to_numpy()))
        tt, kk = t.iloc[order], keys.iloc[order].to_numpy()
        step = tt.diff().to_numpy()
        before = tt.shift()
        listed = _listed(before.fillna(tt.iloc[0]), table.gaps_ok)
        same = np.r_[False, kk[1:] == kk[:-1]]
        bad = same & (step > pd.Timedelta(table.max_gap).to_timedelta64()) & ~listed
        if bad.any():
            j = int(np.flatnonzero(bad)[0])
            i = int(order[j])
            raise DataError(
                path,
                f"a gap of {pd.Timedelta(step[j])} after {_fmt(before.iloc[j])} ({int(bad.sum())} such gap(s)), first",
                column=table.time_col,
                line=_line(i, table),
                expected=f"no step longer than {table.max_gap} outside the listed known gaps",
                found=_fmt(tt.iloc[j]),
            )
    if table.calendar:
        sessions = nyse_sessions()
        days = pd.DatetimeIndex(t.dt.normalize().unique())
        want = sessions[(sessions >= days.min()) & (sessions <= days.max())]
        missing = want.difference(days)
        missing = missing[~_listed(pd.Series(missing), table.gaps_ok)]
        if len(missing):
            after = t[t > missing[0]]
            i = int(after.index[after.to_numpy().argmin()]) if len(after) else len(t) - 1
            raise DataError(
                path,
                f"{len(missing)} NYSE session(s) missing, first {missing[0]:%Y-%m-%d}",
                column=table.time_col,
                line=_line(i, table),
                expected="a row for every NYSE session between the first and last row",
                found=_fmt(t.iloc[i]),
            )
