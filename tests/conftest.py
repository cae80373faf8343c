"""Shared fixtures: a private copy of the data snapshot that a test may damage."""

from __future__ import annotations

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
