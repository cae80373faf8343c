"""The package's one way to take a sha256: of bytes in memory, or of a file with :func:`hashlib.file_digest`.

Snapshot files are hashed once per process per (path, mtime, size) (:func:`file_sha256`); files the
package itself rewrites (the fetcher's output) are hashed afresh with ``cached=False``.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

_HASHES: dict[tuple[str, int, int], str] = {}


def sha256(data: bytes) -> str:
    """sha256 of bytes in memory, as 64 hex digits."""
    return hashlib.sha256(data).hexdigest()


def file_sha256(path: Path | str, *, cached: bool = True) -> str:
    """sha256 of a file's bytes, as 64 hex digits; with ``cached``, computed once per process per
    (path, mtime, size)."""
    path = Path(path)
    if not cached:
        return _digest(path)
    st = path.stat()
    key = (str(path.resolve()), st.st_mtime_ns, st.st_size)
    if key not in _HASHES:
        _HASHES[key] = _digest(path)
    return _HASHES[key]


def _digest(path: Path) -> str:
    with path.open("rb") as f:
        return hashlib.file_digest(f, "sha256").hexdigest()
