"""Reading one raw file into a canonical, validated frame.

Every loader in :mod:`unwind.sources` describes its file declaratively with a
:class:`Table` and calls :func:`load_table`.  This module is the one place that
turns a malformed file into a :class:`DataError` naming the file, the column,
the line and what was expected -- nothing is dropped silently.
"""

from __future__ import annotations

import hashlib
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


def file_sha256(path: Path) -> str:
    """sha256 of a file's bytes, read in 1 MiB blocks."""
    h = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


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


@dataclass(frozen=True)
class Table:
    """How one raw file looks."""

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
            raise DataError(path, "timestamp not in UTC", column=col, line=_line(i, table),
                            expected="UTC timestamps (Z or +00:00)", found=raw.iloc[i])
        if offs.notna().any() and offs.isna().any():
            i = int(np.flatnonzero(offs.isna().to_numpy())[0])
            raise DataError(path, "mixed time zones: some timestamps carry an offset, this one none",
                            column=col, line=_line(i, table), expected="every timestamp with the same UTC offset",
                            found=raw.iloc[i])
        t = pd.to_datetime(text, format="ISO8601", errors="coerce", utc=True)
        expected = "an ISO 8601 UTC timestamp"
    bad = t.isna()
    if bad.any():
        i = int(np.flatnonzero(bad.to_numpy())[0])
        raise DataError(path, f"{int(bad.sum())} unreadable time value(s), first", column=col,
                        line=_line(i, table), expected=expected, found=raw.iloc[i])
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
            raise DataError(path, "not a number", column=c.raw, line=_line(i, table), expected=c.expect,
                            found=df[c.raw].iloc[i])
        out[c.name] = num.astype(float)
    return pd.DataFrame(out, index=df.index)


def check_values(values: pd.DataFrame, path: Path, table: Table) -> None:
    schema = pa.DataFrameSchema(
        {c.name: pa.Column(str if c.text else float, checks=list(c.checks), nullable=c.nullable)
         for c in table.cols},
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
        raise DataError(path, f"{problem} ({n} row(s) in this column)", column=raw_name, line=line,
                        expected=spec.expect if spec else None, found=first["failure_case"]) from None


def check_order(t: pd.Series, path: Path, table: Table, groups: pd.Series | None = None) -> None:
    """Duplicates and ordering of the time column, within each group for long files."""
    keys = pd.DataFrame({"t": t, "g": groups if groups is not None else 0})
    dup = keys.duplicated(keep=False)
    if dup.any():
        pos = np.flatnonzero(dup.to_numpy())
        raise DataError(path, f"duplicate time value (also on line {_line(int(pos[1]), table)})",
                        column=table.time_col, line=_line(int(pos[0]), table),
                        expected="one row per time value", found=str(t.iloc[pos[0]]))
    for _, sub in keys.groupby("g", sort=False):
        step = sub["t"].diff().dt.total_seconds()
        wrong = step > 0 if table.newest_first else step < 0
        if wrong.any():
            i = int(keys.index.get_loc(wrong[wrong].index[0]))
            order = "newest first" if table.newest_first else "oldest first"
            raise DataError(path, "time goes the wrong way", column=table.time_col, line=_line(i, table),
                            expected=f"rows sorted {order}", found=str(t.iloc[i]))


def load_table(table: Table) -> pd.DataFrame:
    """Read, validate and canonicalise one file; index = UTC time, sorted ascending."""
    path = resolve(table.relpath)
    raw = read_raw(path, table)
    t = parse_time(raw[table.time_col], path, table)
    values = to_numbers(raw, path, table)
    check_values(values, path, table)
    groups = raw[table.group_col] if table.group_col else None
    check_order(t, path, table, groups)
    if table.group_col:
        values[table.group_col] = raw[table.group_col]
    values.index = pd.Index(t, name=table.index_name)
    return values.sort_index(kind="stable")


POSITIVE = (pa.Check.gt(0),)
NON_NEGATIVE = (pa.Check.ge(0),)


def row_error(table: Table, when: pd.Timestamp, problem: str, *, column: str, expected: str,
              found: object) -> DataError:
    """An error for a check across columns, naming the row by its date."""
    return DataError(resolve(table.relpath), f"{problem} in the row dated {when:%Y-%m-%d}", column=column,
                     expected=expected, found=found)


def price(raw: str, name: str, unit: str = "USD", nullable: bool = False) -> Col:
    return Col(raw, name, POSITIVE, f"a positive price in {unit}", nullable=nullable)


def amount(raw: str, name: str, unit: str = "USD", nullable: bool = False) -> Col:
    return Col(raw, name, NON_NEGATIVE, f"a non-negative amount in {unit}", nullable=nullable)
