"""``python -m unwind.fetch [SOURCE ...] [--since DATE] [--out DIR] [--accept-revisions]``: refresh, then a summary.

SOURCE is a source name (``binance_funding``), a provider (``binance``) or a
shell pattern (``'cg_*'``); none means every source.  Exit status 1 when any
source failed (its previous file is left untouched) or was left inconsistent,
2 on a usage error.  Revised and stale sources are reported, not failures.
"""

from __future__ import annotations

import argparse
import fnmatch
import sys
from pathlib import Path

import pandas as pd
import requests
from tqdm import tqdm

from ..sources.base import DEFAULT_DATA, REPO_ROOT
from . import JOBS
from .common import Ctx, Job, Result, copy_missing, remove_leftovers, run_job, utc

DEFAULT_OUT = REPO_ROOT / "data" / "live"


def select(patterns: list[str]) -> list[Job]:
    """Jobs matching any name, provider or pattern, in registry order; unknown words are an error."""
    if not patterns:
        return list(JOBS.values())
    chosen = []
    for pat in patterns:
        hits = [j for j in JOBS.values() if j.provider == pat or fnmatch.fnmatchcase(j.name, pat)]
        if not hits:
            providers = sorted({j.provider for j in JOBS.values()})
            raise SystemExit(f"unknown source {pat!r}; providers: {', '.join(providers)}; sources: {', '.join(JOBS)}")
        chosen += [j for j in hits if j not in chosen]
    return chosen


TALLY = ("updated", "unchanged", "skipped", "failed", "revised", "stale")
COLUMNS = ["source", "provider", "status", "rows", "added", "revised", "last", "note"]


def summary(results: list[Result]) -> str:
    """The table of what was updated, revised, stale, skipped and failed; copied files are named in one line.

    Revisions (count and largest change) and stale sources are repeated in full below the table.
    """
    counts = pd.Series([r.status for r in results], dtype=object).value_counts()
    tally = ", ".join(f"{counts.get(s, 0)} {s}" for s in TALLY)
    if counts.get("inconsistent", 0):
        tally += f", {counts['inconsistent']} inconsistent"
    copied = sorted({r.source for r in results if r.status == "copied"})
    df = pd.DataFrame([{c: getattr(r, c) for c in COLUMNS} for r in results if r.status != "copied"], columns=COLUMNS)
    df["rows"] = df["rows"].map(lambda v: "" if pd.isna(v) else f"{int(v):,}")
    df["added"] = df["added"].map(lambda v: "" if pd.isna(v) else f"+{int(v):,}")
    df["revised"] = df["revised"].map(lambda v: "" if pd.isna(v) or not v else f"{int(v):,}")
    df["note"] = df["note"].str.slice(0, 160)
    for col in ("source", "provider", "status", "last", "note"):  # text reads best left-aligned
        df[col] = df[col].str.ljust(max(df[col].str.len().max() if len(df) else 0, len(col)))
    text = df.to_string(index=False, justify="left") if len(df) else "(no source fetched)"
    if copied:
        text += f"\n\nCopied from the snapshot, not refreshed ({len(copied)} sources): {', '.join(copied)}"
    revised = [r for r in results if r.revisions is not None]
    if revised:
        text += "\n\nRevisions (stored rows the provider now sends with other values):\n" + "\n".join(
            f"  {r.source}: {r.revisions.describe()}" for r in revised
        )
    stale = [r for r in results if r.status == "stale"]
    if stale:
        text += "\n\nStale:\n" + "\n".join(f"  {r.source}: {r.note.split('; ')[0]}" for r in stale)
    return text + f"\n\n{tally}"


def main(
    argv: list[str] | None = None,
    *,
    now: pd.Timestamp | None = None,
    session: requests.Session | None = None,
    sleep=None,
) -> int:
    ap = argparse.ArgumentParser(prog="python -m unwind.fetch", description=__doc__.split("\n\n")[0])
    ap.add_argument("sources", nargs="*", metavar="SOURCE")
    ap.add_argument("--since", help="refetch from this date (YYYY-MM-DD) and merge with the existing files")
    ap.add_argument("--out", type=Path, default=DEFAULT_OUT, help=f"data directory to write (default {DEFAULT_OUT})")
    ap.add_argument(
        "--seed",
        type=Path,
        default=DEFAULT_DATA,
        help="snapshot to copy files from that cannot be (or were not) refreshed (default %(default)s)",
    )
    ap.add_argument("--no-seed", action="store_true", help="copy nothing from the snapshot")
    ap.add_argument(
        "--accept-revisions",
        action="store_true",
        help="apply changed values of rows already stored (default: keep them and report)",
    )
    args = ap.parse_args(argv)
    try:
        jobs = select(args.sources)
        since = utc(args.since) if args.since else None
    except (SystemExit, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    out = args.out.resolve()
    out.mkdir(parents=True, exist_ok=True)
    leftovers = remove_leftovers(out)  # temporary files and scratch dirs of a killed run
    seed = None if args.no_seed or not args.seed.is_dir() or args.seed.resolve() == out else args.seed.resolve()
    ctx = Ctx(
        out=out,
        since=since,
        accept_revisions=args.accept_revisions,
        **{k: v for k, v in {"now": now, "session": session, "sleep": sleep}.items() if v is not None},
    )
    results = []
    for job in tqdm(jobs, desc="sources", unit="source", disable=ctx.quiet, file=sys.stderr):
        r = run_job(job, ctx, seed)
        tqdm.write(f"{r.source}: {r.status}{' - ' + r.note if r.note else ''}", file=sys.stderr)
        results.append(r)
    if seed is not None:
        results += copy_missing(out, seed, ctx.now)
    print(f"Data refresh into {out} at {ctx.now:%Y-%m-%d %H:%M} UTC\n")
    if leftovers:
        print(
            f"Removed {len(leftovers)} leftover temporary file(s) of an interrupted run: "
            f"{', '.join(str(p.relative_to(out)) for p in leftovers[:5])}{' ...' if len(leftovers) > 5 else ''}\n"
        )
    print(summary(results))
    failed = [r.source for r in results if r.status == "failed"]
    broken = [r for r in results if r.status == "inconsistent"]
    if failed:
        print(f"\nFAILED: {', '.join(failed)} (their previous files are unchanged)")
    if broken:
        print(
            "\nINCONSISTENT (a file changed, its provenance sidecar could not be written, and undoing it failed: "
            "refresh these sources again):\n" + "\n".join(f"  {r.source}: {r.note}" for r in broken)
        )
    return 1 if failed or broken else 0


if __name__ == "__main__":
    sys.exit(main())
