"""What a build was made from: the commit, the data snapshot's manifest, the results key, library versions.

Shown on the status page and on the PDF cover, so a printed copy names exactly what produced it.
"""

from __future__ import annotations

import re
import subprocess
from importlib.metadata import PackageNotFoundError, version

import pandas as pd

from . import config
from .sources import manifest


def commit() -> str:
    """The checked-out commit (short), with ``+changes`` when the working tree differs from it."""
    try:
        sha = subprocess.run(
            ["git", "rev-parse", "--short=12", "HEAD"], cwd=config.REPO_ROOT, capture_output=True, text=True, check=True
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"],
            cwd=config.REPO_ROOT,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown (not a git checkout)"
    return sha + (" +changes" if dirty else "")


def manifest_hash() -> str:
    """sha256 of the committed snapshot manifest (the hashes of every data file the book reads)."""
    return manifest.manifest_sha256()


def data_label() -> str:
    """Which data the build read: the committed snapshot, or refreshed files identified by their sidecars."""
    root = config.data_root()
    if manifest.active(root):
        return "the snapshot, verified file by file against the manifest"
    return f"{root} (not the snapshot: files identified by their provenance sidecars)"


def versions() -> pd.DataFrame:
    """The installed version of every direct dependency named in requirements.txt."""
    names = []
    for line in (config.REPO_ROOT / "requirements.txt").read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            names.append(re.split(r"[<>=!~\[; ]", line, maxsplit=1)[0])
    rows = []
    for n in names:
        try:
            rows.append({"package": n, "version": version(n)})
        except PackageNotFoundError:
            rows.append({"package": n, "version": "not installed"})
    return pd.DataFrame(rows).set_index("package")
