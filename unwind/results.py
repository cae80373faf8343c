"""Every registered hypothesis computed once: ``python -m unwind.results`` -> ``results/``.

The build runs this before the book; chapters, the intro and the Methods page read the table with :func:`load`
and glue from it by id, so no verdict is computed twice and no page can show a different word for one id.
The table is cached by the sha256 of every data file, every module of the package and the registry, like the
panel: a changed input recomputes it.

Files written (``results/`` in the repository, not committed):
  verdicts.json / verdicts.csv   one row per hypothesis: estimate, interval and its kind, p raw and BH, n, verdict
  estimates.json                 the full :class:`~unwind.study.Estimate` behind each row (readings by date, checks)
  KEY                            the input hash these files were computed from
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import sys
import tempfile
import warnings
from pathlib import Path

import pandas as pd

from . import config, study
from .hashing import file_sha256
from .sources import REGISTRY, resolve
from .study.engine import COLUMNS

RESULTS_DIR = config.REPO_ROOT / "results"
#: the book's chapters that estimate registered hypotheses (registry ``chapter`` -> module), in book order
CHAPTER_MODULES = {
    "01_claims": "claims",
    "02_liquidations": "liquidations",
    "03_etf_flows": "etf_flows",
    "04_gold": "gold",
    "05_bottoming": "bottoming",
    "06_next_crash": "next_crash",
    "07_sequence": "sequence",
}


def _modules():
    import importlib

    return [importlib.import_module(f"unwind.{m}") for m in CHAPTER_MODULES.values()]


def registered() -> dict[str, study.Hypothesis]:
    """The registered hypotheses of the book's chapters (a registry file of a chapter not yet in the book is
    left out; tests/test_results.py fails while one exists)."""
    return {k: h for k, h in study.load().items() if h.chapter in CHAPTER_MODULES}


def input_files() -> list[Path]:
    """Every data file a registered source reads (that exists), every package module and registry file."""
    data = sorted({resolve(t.relpath) for src in REGISTRY.values() for t in src.tables})
    code = sorted(Path(__file__).parent.rglob("*.py"))
    design = sorted(config.STUDY_DIR.glob("*.yaml"))
    return [f for f in data if f.is_file()] + code + design


def key() -> str:
    h = hashlib.sha256()
    for f in input_files():
        h.update(str(f.name).encode())
        h.update(file_sha256(f).encode())
    return h.hexdigest()


def estimates(p: pd.DataFrame | None = None) -> dict[str, study.Estimate]:
    """Every chapter's estimates, by hypothesis id (ids must be unique across chapters)."""
    from .panel import panel

    p = panel() if p is None else p
    out: dict[str, study.Estimate] = {}
    for m in _modules():
        for k, e in m.estimates(p).items():  # every chapter module exposes estimates(panel)
            if k in out:
                raise KeyError(f"hypothesis {k} estimated twice ({m.__name__})")
            out[k] = e
    return out


def compute(p: pd.DataFrame | None = None) -> tuple[pd.DataFrame, dict[str, study.Estimate]]:
    """The verdict table and the estimates behind it (no cache)."""
    ests = estimates(p)
    table = study.decide(registered(), ests, study.book())
    return table, ests


def _write(table: pd.DataFrame, ests: dict[str, study.Estimate], k: str, out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    files = {
        "verdicts.json": json.dumps(_records(table), indent=1, allow_nan=True) + "\n",
        "verdicts.csv": table.to_csv(index=False),
        "estimates.json": json.dumps({i: e.to_dict() for i, e in ests.items()}, indent=1, allow_nan=True) + "\n",
        "KEY": k + "\n",  # last: a reader that sees the key sees complete files
    }
    for name, text in files.items():
        fd, tmp = tempfile.mkstemp(dir=out, prefix=f".{name}-", suffix=".tmp")
        with os.fdopen(fd, "w") as fh:
            fh.write(text)
        os.replace(tmp, out / name)


def _records(table: pd.DataFrame) -> list[dict]:
    recs = table.to_dict(orient="records")
    for r in recs:
        for c, v in r.items():
            if isinstance(v, float) and math.isnan(v):
                r[c] = None
            elif c == "n" and v is not None and not (isinstance(v, float) and math.isnan(v)):
                r[c] = int(v)
    return recs


def _fresh(out: Path, k: str) -> bool:
    try:
        return (out / "KEY").read_text().strip() == k and (out / "verdicts.json").is_file()
    except OSError:
        return False


def load(*, out: Path = RESULTS_DIR) -> pd.DataFrame:
    """The verdict table (index: hypothesis id), computed if ``results/`` is missing or stale."""
    k = key()
    if not _fresh(out, k):
        table, ests = compute()
        _write(table, ests, k, out)
    recs = json.loads((out / "verdicts.json").read_text())
    table = pd.DataFrame(recs, columns=COLUMNS)
    for c in ("estimate", "low", "high", "p", "p_bh"):
        table[c] = table[c].astype(float)
    table["n"] = table["n"].astype("Int64")
    return table.set_index("id", drop=False)


def load_estimates(*, out: Path = RESULTS_DIR) -> dict[str, study.Estimate]:
    load(out=out)
    raw = json.loads((out / "estimates.json").read_text())
    return {k: study.Estimate.from_dict(v) for k, v in raw.items()}


def glue_key(hid: str) -> str:
    """The glue-key stem of a hypothesis id: ``LIQ.H2.4h`` -> ``liq_h2_4h``."""
    return hid.lower().replace(".", "_").replace("-", "_")


def glue(table: pd.DataFrame, ids: list[str]) -> None:
    """Glue every number of the rows ``ids`` for prose: ``<key>_verdict`` (the label), ``_est``, ``_lo``, ``_hi``,
    ``_p``, ``_pbh``, ``_n``, ``_reason``.  Missing numbers are not glued, so prose that uses one fails the
    strict build instead of printing "nan"."""
    from myst_nb import glue as _glue

    for i in ids:
        r, k = table.loc[i], glue_key(i)
        _glue(f"{k}_verdict", r["label"], display=False)
        _glue(f"{k}_reason", r["reason"], display=False)
        for name, col in (("est", "estimate"), ("lo", "low"), ("hi", "high"), ("p", "p"), ("pbh", "p_bh"), ("n", "n")):
            v = r[col]
            if not pd.isna(v):
                _glue(f"{k}_{name}", int(v) if col == "n" else float(v), display=False)


EXPECTED = config.STUDY_DIR / "expected.csv"
EXPECTED_READINGS = config.STUDY_DIR / "expected_readings.csv"
EXPECTED_COLUMNS = ["id", "verdict", "label", "estimate", "low", "high", "interval", "p", "p_bh", "n"]


def readings_frame(ests: dict[str, study.Estimate]) -> pd.DataFrame:
    """Every measured value of every claim reading on every as-of date (the ledger's numbers), long form."""
    rows = [
        {"id": k, "reading": r, "date": d, "value": v}
        for k, e in ests.items()
        for r, vals in e.readings.items()
        for d, v in sorted(vals.items())
    ]
    return pd.DataFrame(rows, columns=["id", "reading", "date", "value"])


def write_expected() -> None:
    """Write the committed expected tables from the current results (review the diff before committing)."""
    table, ests = load(), load_estimates()
    table[EXPECTED_COLUMNS].to_csv(EXPECTED, index=False, float_format="%.10g")
    readings_frame(ests).to_csv(EXPECTED_READINGS, index=False, float_format="%.10g")


#: glue-key suffix for each verdict word (counts in prose)
COUNT_KEYS = {
    "supported": "supported",
    "partly supported": "partly_supported",
    "not supported": "not_supported",
    "contradicted": "contradicted",
    "cannot be checked with this data": "cannot_check",
}


def glue_counts(table: pd.DataFrame, ids: list[str], prefix: str) -> None:
    """Glue how many of ``ids`` carry each verdict word: ``<prefix>_n``, ``<prefix>_n_supported``,
    ``_n_partly_supported``, ``_n_not_supported``, ``_n_contradicted``, ``_n_cannot_check``, and ``_n_dagger``
    (verdicts that another possible publication date would change)."""
    from myst_nb import glue as _glue

    words = table.loc[ids, "verdict"].value_counts()
    _glue(f"{prefix}_n", len(ids), display=False)
    for word, key in COUNT_KEYS.items():
        _glue(f"{prefix}_n_{key}", int(words.get(word, 0)), display=False)
    _glue(f"{prefix}_n_dagger", int(table.loc[ids, "date_sensitive"].sum()), display=False)


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv == ["--write-expected"]:
        write_expected()
        print(
            f"wrote {EXPECTED} and {EXPECTED_READINGS}: review the diff; a change of finding is committed with it",
            file=sys.stderr,
        )
        return 0
    if argv:
        print("usage: python -m unwind.results [--write-expected]", file=sys.stderr)
        return 2
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # the results step is as strict as the build
        table = load()
    counts = table["verdict"].value_counts().to_dict()
    print(f"results: {len(table)} hypotheses -> {RESULTS_DIR}/verdicts.csv; {counts}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
