"""Findings under test: the computed verdict table equals the committed expected table.

``study/expected.csv`` holds every registered hypothesis's verdict (words exactly), estimate, interval and
p-values; ``study/expected_readings.csv`` every value the ledger measured on every as-of date.  A change of
finding therefore changes these files in the same commit (``python -m unwind.results --write-expected``), where
review sees it.
"""

from __future__ import annotations

import math

import pandas as pd
import pytest

from unwind import results, study

REL = 1e-6  # estimates are deterministic (fixed seeds); this absorbs floating-point noise only


@pytest.fixture(scope="module")
def computed() -> tuple[pd.DataFrame, dict[str, study.Estimate]]:
    return results.load(), results.load_estimates()


def expected() -> pd.DataFrame:
    return pd.read_csv(results.EXPECTED, dtype={"id": str}, keep_default_na=True).set_index("id", drop=False)


def same(a: float, b: float) -> bool:
    if pd.isna(a) and pd.isna(b):
        return True
    if pd.isna(a) or pd.isna(b):
        return False
    return math.isclose(float(a), float(b), rel_tol=REL, abs_tol=1e-9)


def test_every_registered_id_has_an_expected_row(computed):
    table, _ = computed
    exp = expected()
    assert list(table.index) == list(exp.index), "registry and study/expected.csv list different ids (or order)"
    assert set(table.index) == set(study.load())


def test_every_registry_chapter_is_in_the_book():
    chapters = {h.chapter for h in study.load().values()}
    missing = chapters - set(results.CHAPTER_MODULES)
    assert not missing, f"registered but not computed: {missing}"


def test_verdicts_are_the_expected_words(computed):
    table, _ = computed
    exp = expected()
    diff = [
        f"{i}: {exp.loc[i, 'label']!r} -> {table.loc[i, 'label']!r}"
        for i in exp.index
        if table.loc[i, "label"] != exp.loc[i, "label"] or table.loc[i, "verdict"] != exp.loc[i, "verdict"]
    ]
    assert not diff, "verdicts changed (update study/expected.csv in the same commit):\n" + "\n".join(diff)


@pytest.mark.parametrize("col", ["estimate", "low", "high", "p", "p_bh", "n"])
def test_numbers_are_the_expected_numbers(computed, col):
    table, _ = computed
    exp = expected()
    diff = [
        f"{i}: {exp.loc[i, col]} -> {table.loc[i, col]}"
        for i in exp.index
        if not same(exp.loc[i, col], table.loc[i, col])
    ]
    assert not diff, f"{col} changed:\n" + "\n".join(diff)


def test_interval_kinds_are_the_expected_kinds(computed):
    table, _ = computed
    exp = expected()
    assert (table.loc[exp.index, "interval"] == exp["interval"]).all()


def test_ledger_measurements_are_the_expected_values(computed):
    _, ests = computed
    got = results.readings_frame(ests).set_index(["id", "reading", "date"])["value"]
    exp = pd.read_csv(results.EXPECTED_READINGS, dtype={"id": str, "reading": str, "date": str}).set_index(
        ["id", "reading", "date"]
    )["value"]
    assert list(got.index) == list(exp.index), "the ledger measures different claims, readings or dates"
    diff = [f"{k}: {exp[k]} -> {got[k]}" for k in exp.index if not same(exp[k], got[k])]
    assert not diff, "ledger measurements changed:\n" + "\n".join(diff[:40])


def test_one_verdict_per_id_on_every_page_source():
    """No notebook decides or types a verdict word: pages glue labels from the results table only."""
    import json
    import re

    from unwind import config

    words = "|".join(re.escape(w) for w in study.WORDS)
    offenders = []
    for nb in sorted([*config.REPO_ROOT.glob("notebooks/*.ipynb"), *config.REPO_ROOT.glob("book/*.ipynb")]):
        for cell in json.loads(nb.read_text())["cells"]:
            if cell["cell_type"] != "code":
                continue
            src = "".join(cell["source"])
            if re.search(rf"""["'](?:{words})["']""", src):
                offenders.append(f"{nb.name}: {src.splitlines()[0][:80]}")
    assert not offenders, "verdict words typed in notebook code:\n" + "\n".join(offenders)
