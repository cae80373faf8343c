"""Mutation testing: data and code that look valid but are wrong must change what the book says, or stop it.

Each entry of :data:`TABLE` damages one thing in a temporary copy -- one data file in a symlinked copy of the
snapshot, or one line of the package or the registry in a copy of ``unwind/`` and ``study/`` -- and recomputes
every registered hypothesis (``unwind.results.compute()``) in a subprocess.  The mutation is **caught** when

- the computation stops with a :class:`~unwind.sources.DataError` (or any exception naming the mutated file;
  for a code mutation, any exception), or
- its results differ from the committed expected tables (``study/expected.csv``: a verdict word or label, an
  interval kind, an estimate, interval end, p or BH-adjusted p beyond 1e-6 relative, or n;
  ``study/expected_readings.csv``: any value the ledger measured),

and **survives** when the results are the expected ones.  Data mutations run with ``UNWIND_VERIFY_MANIFEST=0``, so
the plausibility checks and the expected tables -- not the snapshot manifest -- must catch them; entries with
``manifest=True`` run with the manifest on, in a copy laid out like the default snapshot (``<tmp>/repo`` and
``<tmp>/shared/data``) so that it applies.  Every run uses a private ``UNWIND_CACHE``; the repository, its cache
and the shared snapshot are never written.

Every edit finds its target by an exact search string (a line prefix, a file line, a code fragment that must
occur exactly once): when the data or the code move on, the table fails loudly (:class:`MutationRot`) instead of
silently mutating nothing.  An unmutated baseline runs first and must reproduce the expected tables, or the
whole run stops.

    .venv/bin/python tests/mutations.py            # make mutate: every mutation, then the score
    .venv/bin/python tests/mutations.py -k farside -j 1 --ref HEAD

``--ref`` takes the package, the registry and the expected tables from a commit instead of the working tree.
``tests/test_mutations.py`` (``pytest -m mutation``) asserts that every mutation is caught, except those listed in
:data:`MANIFEST_ONLY`.
"""

from __future__ import annotations

import argparse
import concurrent.futures
import json
import math
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
#: what a copy of the repository needs to compute the results (and to check the manifest)
COPIED = ("unwind", "study", "data/snapshot.sha256")
REL = 1e-6  # as tests/test_results.py: estimates are deterministic, this absorbs floating-point noise only
ABS = 1e-9
NUMBERS = ("estimate", "low", "high", "p", "p_bh", "n")
TIMEOUT = 600  # seconds per mutation

FARSIDE = "flows/farside/farside_btc_etf_flows__daily.csv"
CRYPTOETF = "flows/cryptoetf_today/btc_etf_flows_cryptoetf_today_2025-09-30_2026-10-02.csv"
FNG = "sentiment/fear_greed/fear_greed_index__daily.csv"
BN_1D = "prices/binance_btc/BTCUSDT_spot_1d.csv"
BN_1H = "prices/intraday/binance_spot_1h_hawk/BTCUSDT_spot_1h.csv"
YAHOO_BTC = "prices/yahoo_jonsflow/btc.csv"
SPY = "prices/yahoo_jonsflow/spy.csv"
GOLD = "prices/yahoo_edge/gold.csv"
FUNDING = "derivatives/binance_funding/BTCUSDT-funding_8h_2025-01-01_2026-07-31.csv"
AUM = "flows/artemis/bitcoin_etfs_aum.csv"
BITSTAMP = "prices/bitstamp_btc/daily_bitcoin_prices.csv"


class MutationRot(RuntimeError):
    """A mutation's search string no longer matches the data or the code: fix the table, do not skip it."""


class BaselineError(RuntimeError):
    """The unmutated copy does not compute, or does not reproduce its expected tables: nothing can be judged."""


# --------------------------------------------------------------------------------------------- edits
def lines(text: str) -> list[str]:
    return text.splitlines(keepends=True)


def line_of(text: str, prefix: str) -> int:
    """1-based number of the one line starting with ``prefix``."""
    found = [i for i, ln in enumerate(lines(text), start=1) if ln.startswith(prefix)]
    if len(found) != 1:
        raise MutationRot(f"{len(found)} lines start with {prefix!r} (expected exactly one)")
    return found[0]


def epoch_ms(day: str) -> str:
    return str(pd.Timestamp(day, tz="UTC").value // 10**6)


def edit_cells(n: int | Callable[[str], int], fn: Callable[[list[str]], list[str]]) -> Callable[[str], str]:
    """Apply ``fn`` to the cells of line ``n`` (1-based, or a function of the text giving it)."""

    def edit(text: str) -> str:
        ls = lines(text)
        k = n(text) if callable(n) else n
        if not 1 <= k <= len(ls):
            raise MutationRot(f"line {k} not in a file of {len(ls)} lines")
        cells = ls[k - 1].rstrip("\n").split(",")
        ls[k - 1] = ",".join(fn(cells)) + "\n"
        return "".join(ls)

    return edit


def at(prefix: str) -> Callable[[str], int]:
    return lambda text: line_of(text, prefix)


def scale(cols: set[int], factor: float, fmt: str = "{:.10g}") -> Callable[[list[str]], list[str]]:
    def fn(cells: list[str]) -> list[str]:
        return [fmt.format(float(c) * factor) if i in cols and c != "" else c for i, c in enumerate(cells)]

    return fn


def set_cell(col: int, old: str, new: str) -> Callable[[list[str]], list[str]]:
    def fn(cells: list[str]) -> list[str]:
        if cells[col] != old:
            raise MutationRot(f"cell {col} is {cells[col]!r}, expected {old!r}")
        return [*cells[:col], new, *cells[col + 1 :]]

    return fn


def add_to_cell(col: int, delta: float, fmt: str = "{:.2f}") -> Callable[[list[str]], list[str]]:
    return lambda c: [*c[:col], fmt.format(float(c[col]) + delta), *c[col + 1 :]]


def keep_first(n: int | Callable[[str], int]) -> Callable[[str], str]:
    def edit(text: str) -> str:
        k = n(text) if callable(n) else n
        return "".join(lines(text)[:k])

    return edit


def drop_lines(numbers: Iterable[int]) -> Callable[[str], str]:
    drop = set(numbers)
    return lambda text: "".join(ln for i, ln in enumerate(lines(text), start=1) if i not in drop)


def replace_once(old: str, new: str) -> Callable[[str], str]:
    """Replace the one occurrence of ``old``; any other count is rot."""

    def edit(text: str) -> str:
        n = text.count(old)
        if n != 1:
            raise MutationRot(f"{n} occurrences of {old!r} (expected exactly one)")
        return text.replace(old, new)

    return edit


def each_data_line(fn: Callable[[str], str], header: bool = True) -> Callable[[str], str]:
    def edit(text: str) -> str:
        ls = lines(text)
        head, body = (ls[:1], ls[1:]) if header else ([], ls)
        return "".join(head) + "".join(fn(ln) for ln in body)

    return edit


def _gold_thousands(ln: str) -> str:
    d, v = ln.strip().split(",")
    return f"{d},{float(v) / 1000:.4f}\n"


def _funding_percent(ln: str) -> str:
    a, b, r = ln.strip().split(",")
    return f"{a},{b},{float(r) * 100:.8f}\n"


def _aum_millions(ln: str) -> str:  # IBIT, the last column, in US$ m
    cells = ln.rstrip("\n").split(",")
    return ",".join([*cells[:-1], f"{float(cells[-1]) / 1e6:.1f}"]) + "\n"


def _shift_day(ln: str) -> str:
    return f"{pd.Timestamp(ln[:10]) + pd.Timedelta(days=1):%Y-%m-%d}{ln[10:]}"


def _append_tomorrow(text: str) -> str:
    tomorrow = pd.Timestamp.now(tz="UTC").normalize() + pd.Timedelta(days=1)
    return text + f"{tomorrow:%Y-%m-%d},50,Neutral\n"


def _append_next_hour(text: str) -> str:
    soon = pd.Timestamp.now(tz="UTC").ceil("h") + pd.Timedelta(hours=1)
    last = lines(text)[-1].rstrip("\n").split(",")
    return text + ",".join([f"{soon:%Y-%m-%dT%H:%M:%SZ}", *last[1:]]) + "\n"


def _drop_tail(share: float) -> Callable[[str], str]:
    return lambda text: "".join(lines(text)[: int(len(lines(text)) * (1 - share))])


# --------------------------------------------------------------------------------------------- the table
@dataclass(frozen=True)
class Mutation:
    name: str
    kind: str  # "data": ``path`` is relative to the data root; "code": relative to the repository
    path: str
    edit: Callable[[str], str] = field(repr=False)
    what: str
    manifest: bool = False  # run with the snapshot manifest on, in a copy placed where it applies


def data(name: str, path: str, edit: Callable[[str], str], what: str, *, manifest: bool = False) -> Mutation:
    return Mutation(name, "data", path, edit, what, manifest)


def code(name: str, path: str, old: str, new: str, what: str) -> Mutation:
    return Mutation(name, "code", path, replace_once(old, new), what)


_FNG_1115 = edit_cells(at("2025-11-15,"), set_cell(1, "10", "12"))

TABLE: list[Mutation] = [
    # --- data: the plausibility checks (or the expected tables) must catch each ---------------------------
    data("farside_truncated", FARSIDE, keep_first(at("2025-11-13,")), "Farside BTC truncated after 2025-11-13"),
    data("fng_last_30pct_missing", FNG, _drop_tail(0.30), "Fear & Greed without its last 30 % of rows"),
    data("fng_1115_10_to_12", FNG, _FNG_1115, "Fear & Greed on 2025-11-15 changed from 10 to 12 (in range)"),
    data(
        "fng_1115_10_to_12_manifest_on",
        FNG,
        _FNG_1115,
        "the same, with the snapshot manifest on (copy laid out as the default snapshot)",
        manifest=True,
    ),
    data("btc_close_x1000", BN_1D, edit_cells(100, scale({4}, 1000)), "a Binance BTC daily close x 1000"),
    data("price_inf", YAHOO_BTC, edit_cells(50, lambda c: [*c[:4], "inf", c[5]]), "a Yahoo BTC close of inf"),
    data("gold_in_thousands", GOLD, each_data_line(_gold_thousands, header=False), "gold in US$ thousands"),
    data("funding_in_percent", FUNDING, each_data_line(_funding_percent), "Binance funding in percent"),
    data(
        "farside_day_in_bn",
        FARSIDE,
        edit_cells(at("2025-11-14,"), scale(set(range(1, 14)), 1e-3, "{:.4f}")),
        "one Farside day (2025-11-14) in US$ bn",
    ),
    data("artemis_fund_in_m", AUM, each_data_line(_aum_millions), "one Artemis fund's AUM (IBIT) in US$ m"),
    data(
        "price_spike_2015",
        YAHOO_BTC,
        edit_cells(at("2015-03-02,"), scale({1, 2, 3, 4}, 1.5)),
        "a 2015 price spike (Yahoo BTC 2015-03-02 x 1.5, OHLC consistent)",
    ),
    data(
        "spy_low_close_swapped",
        SPY,
        replace_once("Date,Open,High,Low,Close", "Date,Open,High,Close,Low"),
        "SPY Low and Close header labels swapped",
    ),
    data("high_below_low", SPY, edit_cells(100, lambda c: [c[0], c[1], c[3], c[2], *c[4:]]), "SPY high below low"),
    data(
        "etf_day_blanked",
        FARSIDE,
        edit_cells(at("2025-11-14,"), lambda c: [c[0], *[""] * 12, "0.0"]),
        "a real ETF day (Friday 2025-11-14) blanked like a holiday",
    ),
    data("etf_dates_shifted", FARSIDE, each_data_line(_shift_day), "Farside dates shifted by one day"),
    data("deleted_days", BN_1D, drop_lines((200, 201)), "two Binance daily rows deleted"),
    data("deleted_hours", BN_1H, drop_lines(range(500, 505)), "five Binance hourly rows deleted"),
    data("future_row", FNG, _append_tomorrow, "a Fear & Greed row dated tomorrow"),
    data("future_hour", BN_1H, _append_next_hour, "a Binance hourly bar after now"),
    data(
        "binance_1006_high_x10",
        BN_1D,
        edit_cells(at(epoch_ms("2025-10-06") + ","), scale({2}, 10)),
        "the Binance 2025-10-06 high x 10",
    ),
    data(
        "binance_1010_high_minus_500",
        BN_1D,
        edit_cells(at(epoch_ms("2025-10-10") + ","), add_to_cell(2, -500.0, "{:.1f}")),
        "the Binance 10/10 high lowered by US$ 500 (still above open and close)",
    ),
    data(
        "bitstamp_plus_5pct",
        BITSTAMP,
        edit_cells(at("2024-06-12"), scale({1}, 1.05, "{:.2f}")),
        "one Bitstamp price 5 % high (within the one-day move limit)",
    ),
    data(
        "cryptoetf_ibit_plus_50",
        CRYPTOETF,
        edit_cells(
            at("2025-10-01,"), lambda c: [c[0], f"{float(c[1]) + 50:.1f}", *c[2:-1], f"{float(c[-1]) + 50:.1f}"]
        ),
        "cryptoetf.today IBIT and Total both + US$ 50 m on 2025-10-01 (the file adds up)",
    ),
    # --- code and registry: the expected tables must catch each --------------------------------------------
    code(
        "claims_maintenance_margin",
        "unwind/claims.py",
        "BINANCE_TIER1_MM_PCT = 0.4\n",
        "BINANCE_TIER1_MM_PCT = 0.5\n",
        "the maintenance-margin constant 0.4 -> 0.5 %",
    ),
    code(
        "etf_flow_sign",
        "unwind/etf_flows.py",
        'd["flow_bn"] = d["flow_usd_m"] / 1000',
        'd["flow_bn"] = -d["flow_usd_m"] / 1000',
        "ETF net flow sign flipped (inflows read as outflows)",
    ),
    code(
        "etf_lookahead_aum",
        "unwind/etf_flows.py",
        '1e6 / d["aum_usd"].shift(1)',
        '1e6 / d["aum_usd"].shift(-1)',
        "look-ahead: flow in % of the NEXT day's AUM (shift(1) -> shift(-1))",
    ),
    code(
        "etf_lookahead_control",
        "unwind/etf_flows.py",
        'd["flow_prev_bn"] = d["flow_bn"].shift(1)',
        'd["flow_prev_bn"] = d["flow_bn"].shift(-1)',
        "look-ahead: the local projections' lagged-flow control is tomorrow's flow (shift(1) -> shift(-1))",
    ),
    code(
        "var_lag_sum_sign",
        "unwind/stats.py",
        "est = float(sum(res.model.params.loc[r, c] for r, c in names))",
        "est = -float(sum(res.model.params.loc[r, c] for r, c in names))",
        "VAR summed-lag estimate with its sign flipped",
    ),
    code(
        "primary_date",
        "study/book.yaml",
        "primary_date: 2025-11-16\n",
        "primary_date: 2025-11-17\n",
        "the primary publication date 2025-11-16 -> 2025-11-17",
    ),
    code(
        "claims_tolerance",
        "study/01_claims.yaml",
        'tolerance: {kind: relative, value: 0.10, text: "41-day loss',
        'tolerance: {kind: relative, value: 0.04, text: "41-day loss',
        "C1's tolerance ±10 % -> ±4 %",
    ),
    code("alpha", "study/book.yaml", "alpha: 0.05\n", "alpha: 0.045\n", "significance level 0.05 -> 0.045"),
    code(
        "rule_signed_side",
        "unwind/study/rules.py",
        "right_side = e.low > 0 if h.sign > 0 else e.high < 0",
        "right_side = e.low < 0 if h.sign > 0 else e.high < 0",
        "signed_test: 'interval above zero' tested as e.low < 0 (> flipped to <)",
    ),
    code(
        "rule_threshold_direction",
        "unwind/study/rules.py",
        "ok = e.value <= h.threshold if h.sign < 0 else e.value >= h.threshold",
        "ok = e.value >= h.threshold if h.sign < 0 else e.value >= h.threshold",
        "threshold: 'at most' tested as 'at least' (<= flipped to >=)",
    ),
]

#: mutations the expected tables cannot see, caught only with the snapshot manifest on (a ``manifest=True``
#: twin of each must be in TABLE and be caught); none so far.
MANIFEST_ONLY: frozenset[str] = frozenset()


# --------------------------------------------------------------------------------------------- running
@dataclass
class Outcome:
    mutation: Mutation
    caught: bool
    how: str  # "DataError", "error", "differs", "no difference", "error not naming the file", "timeout"
    detail: str
    seconds: float


CHILD = r"""
import json, sys, traceback
from pathlib import Path
out, want_pkg, want_data, want_manifest = Path(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4] == "1"
import unwind
from unwind import config, results
from unwind.sources import DataError, manifest
got_pkg = str(Path(unwind.__file__).resolve().parent)
if got_pkg != want_pkg:
    sys.exit(f"harness: imported unwind from {got_pkg}, expected {want_pkg}")
if str(config.data_root().resolve()) != want_data:
    sys.exit(f"harness: data root {config.data_root().resolve()}, expected {want_data}")
if manifest.active() != want_manifest:
    sys.exit(f"harness: manifest active {manifest.active()}, expected {want_manifest}")
try:
    table, ests = results.compute()
except Exception as exc:
    status = {"status": "error", "type": type(exc).__name__, "data_error": isinstance(exc, DataError),
              "message": str(exc), "trace": traceback.format_exc()[-4000:]}
else:
    table.to_csv(out / "verdicts.csv", index=False)
    results.readings_frame(ests).to_csv(out / "readings.csv", index=False)
    status = {"status": "ok"}
(out / "status.json").write_text(json.dumps(status))
"""


def same(a: object, b: object) -> bool:
    if pd.isna(a) and pd.isna(b):
        return True
    if pd.isna(a) or pd.isna(b):
        return False
    return math.isclose(float(a), float(b), rel_tol=REL, abs_tol=ABS)


def differences(study_dir: Path, out: Path) -> list[str]:
    """Every way the results in ``out`` differ from the expected tables in ``study_dir`` (as tests/test_results.py)."""
    exp = pd.read_csv(study_dir / "expected.csv", dtype={"id": str}).set_index("id", drop=False)
    got = pd.read_csv(out / "verdicts.csv", dtype={"id": str}).set_index("id", drop=False)
    diff: list[str] = []
    if list(got.index) != list(exp.index):
        diff.append(f"ids differ: {sorted(set(exp.index) ^ set(got.index)) or 'order'}")
    for i in exp.index.intersection(got.index):
        e, g = exp.loc[i], got.loc[i]
        for col in ("verdict", "label", "interval"):
            if str(e[col]) != str(g[col]):
                diff.append(f"{i} {col}: {e[col]!r} -> {g[col]!r}")
        diff += [f"{i} {col}: {e[col]} -> {g[col]}" for col in NUMBERS if not same(e[col], g[col])]
    key = ["id", "reading", "date"]
    exp_r = pd.read_csv(study_dir / "expected_readings.csv", dtype=dict.fromkeys(key, str)).set_index(key)["value"]
    got_r = pd.read_csv(out / "readings.csv", dtype=dict.fromkeys(key, str)).set_index(key)["value"]
    if list(got_r.index) != list(exp_r.index):
        diff.append(f"ledger readings differ: {len(set(exp_r.index) ^ set(got_r.index))} (id, reading, date) keys")
    diff += [
        f"reading {'/'.join(k)}: {exp_r[k]} -> {got_r[k]}"
        for k in exp_r.index.intersection(got_r.index)
        if not same(exp_r[k], got_r[k])
    ]
    return diff


def copy_repo(dst: Path, ref: str | None) -> Path:
    """The package, the registry with its expected tables and the manifest, from the working tree or ``ref``."""
    dst.mkdir(parents=True, exist_ok=True)
    if ref is None:
        for rel in COPIED:
            src = ROOT / rel
            if src.is_dir():
                shutil.copytree(src, dst / rel, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
            else:
                (dst / rel).parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(src, dst / rel)
    else:
        archive = subprocess.run(["git", "archive", "--format=tar", ref, *COPIED], cwd=ROOT, capture_output=True)
        if archive.returncode:
            raise BaselineError(f"git archive {ref}: {archive.stderr.decode()}")
        subprocess.run(["tar", "-x", "-C", str(dst)], input=archive.stdout, check=True)
    return dst


def link_data(src: Path, dst: Path) -> Path:
    """A directory of symlinks to every file of the snapshot ``src`` (the article beside it too)."""
    for f in src.rglob("*"):
        if f.is_file():
            target = dst / f.relative_to(src)
            target.parent.mkdir(parents=True, exist_ok=True)
            target.symlink_to(f.resolve())
    article = src.parent / "article"
    if article.is_dir() and not (dst.parent / "article").exists():
        (dst.parent / "article").symlink_to(article.resolve())
    return dst


def rewrite(path: Path, pristine: str, edit: Callable[[str], str]) -> None:
    """Replace the file (a symlink or a copy) at ``path`` with the edited ``pristine`` text."""
    text = edit(pristine)
    if text == pristine:
        raise MutationRot(f"the edit of {path} changed nothing")
    path.unlink()
    path.write_text(text)


def check_table(table: Iterable[Mutation], data_root: Path, repo: Path = ROOT) -> None:
    """Apply every edit to its pristine text (nothing is run): fails loudly on rot or a duplicate name."""
    names: set[str] = set()
    for m in table:
        if m.name in names:
            raise MutationRot(f"duplicate mutation name {m.name}")
        names.add(m.name)
        src = data_root / m.path if m.kind == "data" else repo / m.path
        try:
            text = src.read_text()
            if m.edit(text) == text:
                raise MutationRot("the edit changes nothing")
        except (MutationRot, OSError) as exc:
            raise MutationRot(f"{m.name} ({m.path}): {exc}") from exc


class Harness:
    """One run: a snapshot of the package (working tree or ``ref``), a baseline, then the mutations."""

    def __init__(self, work: Path, data_root: Path, ref: str | None = None) -> None:
        self.work, self.data_root, self.ref = work, data_root.resolve(), ref
        self.base = copy_repo(work / "base" / "repo", ref)  # the unmutated package every data mutation runs
        self.seed_cache = work / "base" / "cache"

    def copy_base(self, dst: Path) -> Path:
        """A private copy of the run's package snapshot (never the working tree again: it may change meanwhile)."""
        return Path(shutil.copytree(self.base, dst, ignore=shutil.ignore_patterns("__pycache__", "*.pyc")))

    def _run(self, repo: Path, data: Path | None, cache: Path, out: Path, manifest: bool) -> tuple[dict, float]:
        """``results.compute()`` in a subprocess with ``repo``'s package; ``data=None``: the default layout."""
        env = {k: v for k, v in os.environ.items() if not k.startswith("UNWIND_")}
        env.update(
            PYTHONPATH=str(repo),
            UNWIND_CACHE=str(cache),
            UNWIND_VERIFY_MANIFEST="1" if manifest else "0",
            PYTHONDONTWRITEBYTECODE="1",
            OMP_NUM_THREADS="1",
            OPENBLAS_NUM_THREADS="1",
            MKL_NUM_THREADS="1",
        )
        if data is not None:
            env["UNWIND_DATA"] = str(data)
        want_data = (data if data is not None else repo.parent / "shared" / "data").resolve()
        out.mkdir(parents=True, exist_ok=True)
        cache.mkdir(parents=True, exist_ok=True)
        if self.seed_cache.is_dir() and cache != self.seed_cache:
            for f in self.seed_cache.iterdir():  # the baseline's panel and calendar: unmutated inputs reuse them
                if f.is_file() and not (cache / f.name).exists():
                    shutil.copy2(f, cache / f.name)
        args = [sys.executable, "-c", CHILD, str(out), str((repo / "unwind").resolve()), str(want_data)]
        t0 = time.monotonic()
        try:
            proc = subprocess.run(
                [*args, "1" if manifest else "0"],
                cwd=repo,
                env=env,
                capture_output=True,
                text=True,
                timeout=TIMEOUT,
            )
        except subprocess.TimeoutExpired:
            return {"status": "timeout"}, time.monotonic() - t0
        seconds = time.monotonic() - t0
        status_file = out / "status.json"
        if proc.returncode or not status_file.is_file():
            raise RuntimeError(f"harness child failed (exit {proc.returncode}):\n{proc.stderr[-4000:]}")
        return json.loads(status_file.read_text()), seconds

    def baseline(self) -> float:
        """The unmutated copy, laid out as the default snapshot with the manifest on: must match the tables."""
        root = self.work / "base"
        link_data(self.data_root, root / "shared" / "data")
        status, seconds = self._run(self.base, None, self.seed_cache, root / "out", manifest=True)
        if status["status"] != "ok":
            raise BaselineError(f"baseline failed: {status.get('message', status)}")
        diff = differences(self.base / "study", root / "out")
        if diff:
            raise BaselineError(
                "baseline: the unmutated package does not reproduce its expected tables, so no mutation can be "
                f"judged ({len(diff)} differences; run tests/test_results.py):\n" + "\n".join(diff[:20])
            )
        return seconds

    def run(self, m: Mutation) -> Outcome:
        root = self.work / m.name
        data_dir = link_data(self.data_root, root / "shared" / "data")
        if m.kind == "data":
            rewrite(data_dir / m.path, (self.data_root / m.path).read_text(), m.edit)
            repo = self.copy_base(root / "repo") if m.manifest else self.base
        else:
            repo = self.copy_base(root / "repo")
            rewrite(repo / m.path, (self.base / m.path).read_text(), m.edit)
        data = None if m.manifest else data_dir  # None: the default layout <root>/shared/data beside <root>/repo
        status, seconds = self._run(repo, data, root / "cache", root / "out", manifest=m.manifest)
        outcome = judge(m, status, self.base / "study", root / "out", seconds)
        if outcome.caught or m.kind != "code":
            return outcome
        return self.unit_tests(m, repo, root / "cache", outcome)

    def unit_tests(self, m: Mutation, repo: Path, cache: Path, outcome: Outcome) -> Outcome:
        """A code mutation the results do not see: the mutated module's own unit tests must catch it (run from
        the mutated copy, so that ``import unwind`` finds the copy before the installed package)."""
        tests = ROOT / "tests" / f"test_{Path(m.path).stem}.py"
        if m.path.startswith("study/") or not tests.is_file():
            return outcome
        env = {k: v for k, v in os.environ.items() if not k.startswith("UNWIND_")}
        env.update(
            PYTHONPATH=str(repo), UNWIND_CACHE=str(cache), UNWIND_VERIFY_MANIFEST="0", PYTHONDONTWRITEBYTECODE="1"
        )
        t0 = time.monotonic()
        proc = subprocess.run(
            [sys.executable, "-m", "pytest", "-q", "-x", "-p", "no:cacheprovider", str(tests)],
            cwd=repo,
            env=env,
            capture_output=True,
            text=True,
            timeout=TIMEOUT,
        )
        seconds = outcome.seconds + time.monotonic() - t0
        if proc.returncode:
            failed = [ln for ln in proc.stdout.splitlines() if ln.startswith("FAILED")][:1]
            return Outcome(m, True, "unit test", (failed or [proc.stdout.strip().splitlines()[-1]])[0], seconds)
        return Outcome(m, False, outcome.how, outcome.detail + f"; {tests.name} passes", seconds)


def judge(m: Mutation, status: dict, study_dir: Path, out: Path, seconds: float) -> Outcome:
    if status["status"] == "timeout":
        return Outcome(m, False, "timeout", f"no result within {TIMEOUT} s", seconds)
    if status["status"] == "error":
        msg = f"{status['type']}: {status['message']}"
        if status["data_error"]:
            return Outcome(m, True, "DataError", status["message"], seconds)
        if m.kind == "code" or m.path in status["message"] or Path(m.path).name in status["message"]:
            return Outcome(m, True, "error", msg, seconds)
        return Outcome(m, False, "error not naming the file", msg + "\n" + status["trace"], seconds)
    diff = differences(study_dir, out)
    if diff:
        more = f" (+{len(diff) - 3} more)" if len(diff) > 3 else ""
        return Outcome(m, True, "differs", f"{len(diff)} difference(s): " + "; ".join(diff[:3]) + more, seconds)
    return Outcome(m, False, "no difference", "the results equal the expected tables", seconds)


def run_all(
    table: list[Mutation] | None = None, *, jobs: int = 2, ref: str | None = None, keep: Path | None = None, log=print
) -> tuple[list[Outcome], float, float]:
    """Check the table, run the baseline, then every mutation (``jobs`` at a time).  Returns the outcomes, the
    baseline's seconds and the total wall time."""
    from unwind import config  # noqa: PLC0415 (the real data root, as the book reads it)

    table = TABLE if table is None else table
    t0 = time.monotonic()
    work = Path(tempfile.mkdtemp(prefix="unwind-mutations-", dir=keep))
    try:
        h = Harness(work, config.data_root(), ref)
        check_table(table, h.data_root, h.base)
        base = h.baseline()
        log(f"baseline reproduces the expected tables ({base:.1f} s); {len(table)} mutations, {jobs} at a time")
        outcomes: list[Outcome] = []
        with concurrent.futures.ThreadPoolExecutor(max_workers=jobs) as pool:
            for o in pool.map(h.run, table):
                log(f"  {'caught  ' if o.caught else 'SURVIVED'} {o.seconds:5.1f} s  {o.mutation.name}: {o.how}")
                outcomes.append(o)
        return outcomes, base, time.monotonic() - t0
    finally:
        if keep is None:
            shutil.rmtree(work, ignore_errors=True)
        else:
            log(f"kept {work}")


def unexpected_survivors(outcomes: list[Outcome]) -> list[Outcome]:
    return [o for o in outcomes if not o.caught and o.mutation.name not in MANIFEST_ONLY]


MANIFEST_NOTE = " [listed as caught only by the manifest]"


def report(outcomes: list[Outcome], base: float, wall: float) -> str:
    caught = sum(o.caught for o in outcomes)
    rows = [
        f"{'mutation':<32} {'kind':<5} {'seconds':>7}  {'verdict':<8} how",
        *(
            f"{o.mutation.name:<32} {o.mutation.kind:<5} {o.seconds:7.1f}  "
            f"{'caught' if o.caught else 'SURVIVED':<8} {o.how}: {o.detail.splitlines()[0][:160]}"
            for o in outcomes
        ),
    ]
    survivors = [o for o in outcomes if not o.caught]
    rows += ["", f"score: {caught} / {len(outcomes)} caught"]
    rows += [
        f"survivors: {', '.join(o.mutation.name for o in survivors) or 'none'}",
        *(
            f"  {o.mutation.name} ({o.mutation.what}): {o.how}{MANIFEST_NOTE * (o.mutation.name in MANIFEST_ONLY)}"
            for o in survivors
        ),
        f"time: {wall:.0f} s wall (baseline {base:.1f} s, mutations {sum(o.seconds for o in outcomes):.0f} s summed)",
    ]
    return "\n".join(rows)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="tests/mutations.py", description=__doc__.split("\n\n")[0])
    ap.add_argument("-j", "--jobs", type=int, default=2, help="mutations run at a time (default 2)")
    ap.add_argument("-k", action="append", default=[], help="run only mutations whose name contains this")
    ap.add_argument("--ref", default=None, help="take unwind/, study/ and the manifest from this commit")
    ap.add_argument("--keep", type=Path, default=None, help="keep the temporary copies under this directory")
    ap.add_argument("--list", action="store_true", help="list the mutations and exit")
    args = ap.parse_args(argv)
    table = [m for m in TABLE if not args.k or any(k in m.name for k in args.k)]
    if args.list:
        for m in table:
            print(f"{m.name:<32} {m.kind:<5} {m.path}: {m.what}")
        return 0
    if not table:
        print(f"no mutation matches {args.k}", file=sys.stderr)
        return 2
    try:
        outcomes, base, wall = run_all(table, jobs=args.jobs, ref=args.ref, keep=args.keep)
    except (BaselineError, MutationRot) as exc:
        print(f"{type(exc).__name__}: {exc}", file=sys.stderr)
        return 3
    print()
    print(report(outcomes, base, wall))
    return 1 if unexpected_survivors(outcomes) else 0


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))  # run as a script: the parent reads the real data root from unwind.config
    raise SystemExit(main())
