"""The snapshot manifest: the sha256 of every file the report reads, committed as ``data/snapshot.sha256``.

Reading the default snapshot checks each file against it (once per process per file, see
:func:`unwind.hashing.file_sha256`); a mismatch is a :class:`DataError` naming the file and both
hashes.  ``UNWIND_VERIFY_MANIFEST=0`` switches the check off; refreshed data in ``data/live`` are never
checked against it (their provenance sidecars identify them).  The plausibility checks in
:func:`unwind.sources.base.check_plausible` do not rely on it.

Regenerate after a deliberate change of the snapshot::

    .venv/bin/python -m unwind.sources.manifest          # rewrite data/snapshot.sha256
    .venv/bin/python -m unwind.sources.manifest --check  # compare only, exit 1 on a mismatch
"""

from __future__ import annotations

import argparse
import functools
import sys
from pathlib import Path

from .. import config
from ..hashing import file_sha256
from .base import DataError

MANIFEST = config.REPO_ROOT / "data" / "snapshot.sha256"
LIVE = config.REPO_ROOT / "data" / "live"


def files() -> list[str]:
    """Every file the report reads, relative to the data root (the tables of the source registry)."""
    from . import REGISTRY  # noqa: PLC0415 (the registry imports the loaders, which import base)

    return sorted({t.relpath for src in REGISTRY.values() for t in src.tables})


@functools.cache
def _read(path: Path, mtime_ns: int) -> dict[str, str]:
    out = {}
    for n, line in enumerate(path.read_text().splitlines(), start=1):
        if not line.strip() or line.startswith("#"):
            continue
        digest, _, rel = line.partition("  ")
        if len(digest) != 64 or not rel:
            raise DataError(
                path, "unreadable manifest line", line=n, expected="'<sha256>  <relative path>'", found=line
            )
        out[rel] = digest
    return out


def expected() -> dict[str, str]:
    """relative path -> sha256, from the committed manifest."""
    if not MANIFEST.is_file():
        raise DataError(
            MANIFEST,
            "snapshot manifest not found",
            expected="the committed data/snapshot.sha256 (python -m unwind.sources.manifest writes it)",
        )
    return _read(MANIFEST, MANIFEST.stat().st_mtime_ns)


def manifest_sha256() -> str:
    """sha256 of the manifest file itself: one hash that names the whole snapshot (for the status page)."""
    return file_sha256(MANIFEST)


def active(root: Path | None = None) -> bool:
    """Whether reads from ``root`` (default: the configured data root) are checked against the manifest:
    the default snapshot, unless ``UNWIND_VERIFY_MANIFEST=0``; never ``data/live``.  Other roots
    (a copy a test damages, a fetcher's staging directory) are checked by :func:`verify` on request."""
    if not config.verify_manifest():
        return False
    root = (root or config.data_root()).resolve()
    return root != LIVE.resolve() and root == config.DEFAULT_DATA.resolve()


def verify_file(path: Path, relpath: str, *, force: bool = False) -> None:
    """Raise a DataError if ``path`` (the snapshot file ``relpath``) differs from the manifest."""
    if not (force or active()):
        return
    want = expected().get(relpath)
    if want is None:
        raise DataError(
            path,
            "file not listed in the snapshot manifest",
            expected=f"a line for {relpath} in {MANIFEST} (regenerate with python -m unwind.sources.manifest)",
        )
    got = file_sha256(path)
    if got != want:
        raise DataError(
            path,
            f"content differs from the snapshot manifest {MANIFEST.name}",
            expected=f"sha256 {want}",
            found=f"sha256 {got}",
        )


def verify(root: Path | None = None) -> int:
    """Check every listed file under ``root`` (default: the data root); returns the number checked."""
    root = root or config.data_root()
    for rel in files():
        path = root / rel
        if not path.is_file():
            raise DataError(path, "file not found", expected=f"the snapshot file {rel} listed in {MANIFEST}")
        verify_file(path, rel, force=True)
    return len(files())


def render(root: Path) -> str:
    lines = [
        "# sha256 of every snapshot file the report reads (paths relative to the data root).",
        "# Regenerate: python -m unwind.sources.manifest",
    ]
    lines += [f"{file_sha256(root / rel)}  {rel}" for rel in files()]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m unwind.sources.manifest", description=__doc__.split("\n\n")[0])
    ap.add_argument("--check", action="store_true", help="compare the data root with the manifest, write nothing")
    ap.add_argument("--data", type=Path, default=None, help="data root (default: $UNWIND_DATA or ../shared/data)")
    args = ap.parse_args(argv)
    root = args.data.resolve() if args.data else config.data_root()
    if args.check:
        try:
            n = verify(root)
        except DataError as exc:
            print(exc, file=sys.stderr)
            return 1
        print(f"{n} files match {MANIFEST}")
        return 0
    MANIFEST.write_text(render(root))
    print(f"wrote {MANIFEST} ({len(files())} files, sha256 {manifest_sha256()})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
