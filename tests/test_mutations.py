"""Mutation testing (tests/mutations.py): every data and code mutation of the table must be caught -- by a DataError
or by a difference from the committed expected tables -- except those listed as caught only by the manifest.

The mutation runs take minutes: they are marked ``mutation`` and run only when asked for,
``pytest -m mutation tests/test_mutations.py`` (or ``make mutate`` for the score).  The check that every search
string of the table still matches the data and the code is cheap and runs with the unit tests.
"""

from __future__ import annotations

import re

import mutations
import pytest

from unwind import config
from unwind.sources import REGISTRY

NAMES = [m.name for m in mutations.TABLE]


def asked_for(request: pytest.FixtureRequest) -> bool:
    expr = request.config.getoption("markexpr") or ""
    return re.search(r"(?<!not )\bmutation\b", expr) is not None


@pytest.fixture(scope="module")
def outcomes(request: pytest.FixtureRequest) -> dict[str, mutations.Outcome]:
    if not asked_for(request):
        pytest.skip("mutation runs take minutes: pytest -m mutation tests/test_mutations.py, or make mutate")
    found, base, wall = mutations.run_all(jobs=2, log=lambda _line: None)
    print("\n" + mutations.report(found, base, wall))
    return {o.mutation.name: o for o in found}


def test_the_table_does_not_rot():
    """Every search string matches exactly once in today's data and code, and every edit changes something."""
    mutations.check_table(mutations.TABLE, config.data_root())
    read = {t.relpath for src in REGISTRY.values() for t in src.tables}
    unread = [m.name for m in mutations.TABLE if m.kind == "data" and m.path not in read]
    assert not unread, f"mutations of files no registered source reads: {unread}"
    assert len(NAMES) == len(set(NAMES))
    assert mutations.MANIFEST_ONLY <= set(NAMES)


@pytest.mark.mutation
@pytest.mark.parametrize("name", NAMES)
def test_mutation_is_caught(outcomes, name):
    o = outcomes[name]
    if name in mutations.MANIFEST_ONLY:
        pytest.xfail(f"{name} is listed as caught only by the manifest")
    assert o.caught, f"{name} survived ({o.mutation.what}): {o.how}: {o.detail}"


@pytest.mark.mutation
def test_the_manifest_catches_what_it_is_run_on(outcomes):
    """A mutation run with the manifest on is stopped by the manifest itself (it applies to the placed copy)."""
    runs = [m for m in mutations.TABLE if m.manifest]
    assert runs, "no mutation runs with the manifest on"
    for m in runs:
        assert "differs from the snapshot manifest" in outcomes[m.name].detail, outcomes[m.name].detail
    twins = {(m.path, m.edit) for m in runs}
    for name in mutations.MANIFEST_ONLY:
        m = next(x for x in mutations.TABLE if x.name == name)
        assert (m.path, m.edit) in twins, f"{name} has no manifest-on twin in the table"
