"""The study registry: the research design as data, read from ``study/*.yaml``.

``study/book.yaml`` holds what the whole book shares (significance level, the primary publication date and the
as-of window, the event dates and the named windows).  Every other ``study/NN_*.yaml`` file registers the
hypotheses of one chapter.  Code reads the registry; prose quotes it; no window or tolerance is restated
elsewhere.  :func:`load` checks every entry and names the file and the entry that is wrong.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
import yaml

from .. import config

FAMILIES = ("substantive", "descriptive", "summary")
WRITTEN = ("before", "after")
SIGNS = (-1, 1, None)
REQUIRED = ("id", "chapter", "statement", "estimand", "data", "sample", "rule", "family", "written")
TOLERANCE_KINDS = ("relative", "absolute", "at_least", "at_most", "below", "above", "true")


class RegistryError(ValueError):
    """An entry of the study registry is malformed."""


@dataclass(frozen=True)
class Reading:
    """One reading of a claim's words (or one part of a claim): a target and the tolerance that decides it."""

    target: float | None
    kind: str
    value: float | None
    text: str = ""


@dataclass(frozen=True)
class Hypothesis:
    """One registered hypothesis (a ledger claim or a chapter's H-row)."""

    id: str
    chapter: str
    statement: str
    estimand: str
    data: str
    sample: str
    rule: str
    family: str
    written: str
    quote: str = ""
    sign: int | None = None
    readings: dict[str, Reading] = field(default_factory=dict)
    requires: tuple[str, ...] = ()
    components: tuple[str, ...] = ()
    threshold: float | None = None
    contradicted_if_false: bool = False
    note: str = ""
    raw: dict = field(default_factory=dict, compare=False, repr=False)
    source: str = ""


@dataclass(frozen=True)
class Book:
    """What every chapter shares."""

    alpha: float
    primary_date: pd.Timestamp
    as_of_window: pd.DatetimeIndex
    contradiction_factor: float
    dates: dict[str, pd.Timestamp]
    windows: dict[str, tuple[pd.Timestamp, pd.Timestamp]]


def _err(source: str, entry: str, problem: str) -> RegistryError:
    return RegistryError(f"{source}: entry {entry!r}: {problem}")


def _readings(d: dict, source: str) -> dict[str, Reading]:
    hid = str(d.get("id"))
    if "readings" in d:
        raw = d["readings"]
    elif "tolerance" in d and d.get("rule") == "tolerance":
        raw = {"as stated": {"target": d.get("target"), "tolerance": d["tolerance"]}}
    else:
        return {}
    out = {}
    for name, r in raw.items():
        tol = r.get("tolerance") or {}
        kind = tol.get("kind")
        if kind not in TOLERANCE_KINDS:
            raise _err(source, hid, f"reading {name!r}: tolerance kind {kind!r} is not one of {TOLERANCE_KINDS}")
        if kind in ("relative", "absolute") and (r.get("target") is None or tol.get("value") is None):
            raise _err(source, hid, f"reading {name!r}: a {kind} tolerance needs a target and a value")
        if kind in ("at_least", "at_most", "below", "above") and tol.get("value") is None:
            raise _err(source, hid, f"reading {name!r}: tolerance {kind} needs a value")
        out[str(name)] = Reading(
            target=r.get("target"), kind=kind, value=tol.get("value"), text=str(tol.get("text", ""))
        )
    return out


def parse_entry(d: dict, source: str) -> Hypothesis:
    hid = str(d.get("id", "?"))
    missing = [k for k in REQUIRED if not d.get(k)]
    if missing:
        raise _err(source, hid, f"missing field(s) {missing}")
    if d["family"] not in FAMILIES:
        raise _err(source, hid, f"family {d['family']!r} is not one of {FAMILIES}")
    if d["written"] not in WRITTEN:
        raise _err(source, hid, f"'written' must be one of {WRITTEN} (was the rule fixed before the estimate?)")
    if d.get("sign") not in SIGNS:
        raise _err(source, hid, f"sign {d.get('sign')!r} is not one of {SIGNS}")
    from .rules import RULES  # the rule names are the engine's; the registry only names them

    if d["rule"] not in RULES:
        raise _err(source, hid, f"rule {d['rule']!r} is not a named rule ({sorted(RULES)})")
    readings = _readings(d, source)
    if d["rule"] == "tolerance" and not readings:
        raise _err(source, hid, "rule 'tolerance' needs a target and tolerance, or readings")
    if d["rule"] == "composite" and not d.get("components"):
        raise _err(source, hid, "rule 'composite' needs components")
    if d["rule"] in ("signed_test", "signed_var") and d.get("sign") is None:
        raise _err(source, hid, f"rule {d['rule']!r} needs the expected sign")
    return Hypothesis(
        id=hid,
        chapter=str(d["chapter"]),
        statement=str(d["statement"]).strip(),
        estimand=str(d["estimand"]).strip(),
        data=str(d["data"]).strip(),
        sample=str(d["sample"]).strip(),
        rule=d["rule"],
        family=d["family"],
        written=d["written"],
        quote=str(d.get("quote", "")).strip(),
        sign=d.get("sign"),
        readings=readings,
        requires=tuple(d.get("requires", ())),
        components=tuple(d.get("components", ())),
        threshold=d.get("threshold"),
        contradicted_if_false=bool(d.get("contradicted_if_false", False)),
        note=str(d.get("note", "")).strip(),
        raw=d,
        source=source,
    )


def _files(root: Path) -> list[Path]:
    return sorted(f for f in root.glob("*.yaml") if f.name != "book.yaml")


@functools.cache
def book(root: Path = config.STUDY_DIR) -> Book:
    path = root / "book.yaml"
    d = yaml.safe_load(path.read_text())
    start, end = (pd.Timestamp(x) for x in d["as_of_window"])
    primary = pd.Timestamp(d["primary_date"])
    window = pd.date_range(start, end, freq="D", name="as_of")
    if primary not in window:
        raise RegistryError(f"{path}: primary_date {primary:%Y-%m-%d} is outside the as-of window")
    return Book(
        alpha=float(d["alpha"]),
        primary_date=primary,
        as_of_window=window,
        contradiction_factor=float(d["contradiction_factor"]),
        dates={k: pd.Timestamp(v) for k, v in d["dates"].items()},
        windows={k: (pd.Timestamp(v[0]), pd.Timestamp(v[1])) for k, v in d["windows"].items()},
    )


@functools.cache
def load(root: Path = config.STUDY_DIR) -> dict[str, Hypothesis]:
    """Every registered hypothesis by id, in registry order; errors name the file and the entry."""
    out: dict[str, Hypothesis] = {}
    for f in _files(root):
        doc = yaml.safe_load(f.read_text()) or {}
        for d in doc.get("hypotheses", []):
            h = parse_entry(d, str(f.relative_to(root.parent)))
            if h.id in out:
                raise _err(h.source, h.id, f"id already registered in {out[h.id].source}")
            out[h.id] = h
    for h in out.values():
        unknown = [c for c in h.components if c not in out]
        if unknown:
            raise _err(h.source, h.id, f"components {unknown} are not registered")
    return out


def window(name: str) -> tuple[pd.Timestamp, pd.Timestamp]:
    """A named window of ``study/book.yaml`` (start, end), both inclusive."""
    return book().windows[name]


def date(name: str) -> pd.Timestamp:
    """A named date of ``study/book.yaml``."""
    return book().dates[name]
