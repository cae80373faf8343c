"""Shared fixtures: a private copy of the data snapshot that a test may damage."""

from __future__ import annotations

import re
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from unwind import config
from unwind.sources.base import ENV_VAR


def real_data() -> Path:
    return config.data_root()


@pytest.fixture
def snapshot(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Callable[[str, Callable[[str], str] | None], Path]:
    """A data directory of symlinks to the real snapshot; ``snapshot(relpath, edit)`` replaces one file.

    ``edit`` receives the file's text and returns the damaged text (``None`` deletes the file).
    ``$UNWIND_DATA`` points at the copy for the rest of the test.
    """
    src = real_data()
    root = tmp_path / "data"
    for f in src.rglob("*"):
        if f.is_file():
            dst = root / f.relative_to(src)
            dst.parent.mkdir(parents=True, exist_ok=True)
            dst.symlink_to(f)
    monkeypatch.setenv(ENV_VAR, str(root))

    def damage(relpath: str, edit: Callable[[str], str] | None = None) -> Path:
        path = root / relpath
        text = (src / relpath).read_text()  # always from the pristine snapshot
        path.unlink(missing_ok=True)
        if edit is not None:
            path.write_text(edit(text))
        return path

    return damage


# --- the real book, built once per session (tests/test_build.py, tests/test_pages.py) -------------------------
ROOT = Path(__file__).resolve().parent.parent
HTML = ROOT / "_build" / "html"
JUPYTER_BOOK = Path(sys.executable).with_name("jupyter-book")
# Sources whose change makes an existing _build/html stale.
SOURCES = [
    "_config.yml",
    "_toc.yml",
    "book/*.md",
    "book/*.ipynb",
    "book/assets/*",
    "study/*.yaml",
    "book/*.bib",
    "notebooks/*.ipynb",
    "unwind/**/*.py",
    "book/_vendor/*.js",
    "book/_vendor/*.css",
]


def jb_flags() -> list[str]:
    """The strict build flags, read from the Makefile so tests and ``make book`` cannot drift."""
    match = re.search(r"^JB_FLAGS\s*:=\s*(.+)$", (ROOT / "Makefile").read_text(), re.M)
    assert match, "Makefile: no JB_FLAGS := line"
    return match.group(1).split()


def build(book: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(JUPYTER_BOOK), "build", str(book), *jb_flags(), *extra], capture_output=True, text=True, timeout=1200
    )


def newest_source_mtime() -> float:
    return max(p.stat().st_mtime for pattern in SOURCES for p in ROOT.glob(pattern))


@pytest.fixture(scope="session")
def built_html() -> Path:
    """``_build/html`` from this tree: reused when newer than every source, else rebuilt."""
    stamp = HTML / ".buildinfo"
    if not (stamp.exists() and stamp.stat().st_mtime > newest_source_mtime()):
        result = build(ROOT)
        assert result.returncode == 0, result.stdout[-5000:] + result.stderr[-5000:]
    return HTML
