"""The publishing workflow: tested before deployed, least privilege, pinned actions, checked data.

Reads ``.github/workflows/*.yml`` as YAML (and, for the tag comments, as text); no network.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
WORKFLOWS = sorted((ROOT / ".github" / "workflows").glob("*.y*ml"))
PAGES = ROOT / ".github" / "workflows" / "pages.yml"
PINNED = re.compile(r"^[\w.-]+/[\w.-]+(/[\w./-]+)?@[0-9a-f]{40}$")
USES_LINE = re.compile(r"^\s*(?:-\s+)?uses:\s*(\S+)(.*)$")


def workflow(path: Path = PAGES) -> dict:
    return yaml.safe_load(path.read_text())


def runs(step: dict) -> str:
    return step.get("run", "")


def uses(step: dict) -> str:
    return step.get("uses", "")


def publishing_jobs(wf: dict) -> tuple[str, dict, str, dict]:
    """(name, job) of the job that uploads the Pages artifact and of the one that deploys it."""
    jobs = wf["jobs"]
    build = [n for n, j in jobs.items() if any("actions/upload-pages-artifact@" in uses(s) for s in j["steps"])]
    deploy = [n for n, j in jobs.items() if any("actions/deploy-pages@" in uses(s) for s in j["steps"])]
    assert len(build) == 1 and len(deploy) == 1, (build, deploy)
    return build[0], jobs[build[0]], deploy[0], jobs[deploy[0]]


def step_index(job: dict, pred) -> list[int]:
    return [i for i, s in enumerate(job["steps"]) if pred(s)]


def test_there_is_a_pages_workflow():
    assert PAGES in WORKFLOWS


def test_only_the_deploy_job_may_write():
    wf = workflow()
    build_name, build, deploy_name, deploy = publishing_jobs(wf)
    assert wf.get("permissions", {}) in ({}, {"contents": "read"})  # nothing granted workflow-wide
    assert build["permissions"] == {"contents": "read"}
    assert deploy["permissions"] == {"pages": "write", "id-token": "write"}
    for name, job in wf["jobs"].items():
        if name != deploy_name:
            assert "write" not in str(job.get("permissions", {})), name
    # the deploy job deploys the tested artifact and nothing else: no checkout, no build, no script
    assert all("actions/deploy-pages@" in uses(s) and not runs(s) for s in deploy["steps"])
    needs = deploy["needs"] if isinstance(deploy["needs"], list) else [deploy["needs"]]
    assert build_name in needs


@pytest.mark.parametrize("path", WORKFLOWS, ids=[p.name for p in WORKFLOWS])
def test_every_action_is_pinned_by_commit_with_its_tag(path: Path):
    wf = workflow(path)
    refs = [uses(s) for j in wf["jobs"].values() for s in j.get("steps", []) if uses(s)]
    refs += [j["uses"] for j in wf["jobs"].values() if "uses" in j]  # reusable workflows
    assert refs
    for ref in refs:
        assert PINNED.match(ref), f"{path.name}: {ref} is not pinned by a full commit SHA"
    for line in path.read_text().splitlines():
        m = USES_LINE.match(line)
        if m:
            tag = re.match(r"^\s*#\s*v\d+(\.\d+)*\s*$", m.group(2))
            assert tag, f"{path.name}: no '# vX.Y.Z' tag comment on {line.strip()}"


def test_the_book_is_tested_before_it_is_published():
    """Data, build, tests and upload in one job, in that order: the published pages are the tested pages."""
    _, build, _, _ = publishing_jobs(workflow())
    data = step_index(build, lambda s: "make data" in runs(s) or "UNWIND_SNAPSHOT_URL" in runs(s))
    book = step_index(build, lambda s: re.search(r"\bmake book\b", runs(s)))
    test = step_index(build, lambda s: re.search(r"\bmake test\b", runs(s)))
    upload = step_index(build, lambda s: "actions/upload-pages-artifact@" in uses(s))
    assert len(data) == len(book) == len(test) == len(upload) == 1, (data, book, test, upload)
    assert data[0] < book[0] < test[0] < upload[0]
    artifact = build["steps"][upload[0]]["with"]["path"]
    assert artifact.rstrip("/") == "_build/html"  # what `make book` builds and the built-book tests read
    # nothing between the tests and the upload fetches data or builds again
    for s in build["steps"][test[0] + 1 : upload[0]]:
        assert not re.search(r"\bmake (data|book|pdf)\b|curl|wget|tar ", runs(s)), runs(s)
    # one data directory for build and tests, set for the whole job and overridden by no step
    assert "UNWIND_DATA" in build["env"]
    assert not [s for s in build["steps"] if "UNWIND_DATA" in s.get("env", {})]


def test_the_snapshot_download_is_checked_before_it_is_unpacked():
    _, build, _, _ = publishing_jobs(workflow())
    (step,) = [s for s in build["steps"] if "UNWIND_SNAPSHOT_URL" in runs(s)]
    script = step["run"]
    assert not re.search(r"curl[^\n]*\|", script), "no curl | tar: the archive must be checked first"
    assert step["env"]["UNWIND_SNAPSHOT_SHA256"] == "${{ vars.UNWIND_SNAPSHOT_SHA256 }}"
    check = script.index("sha256sum --check")
    assert script.index("curl ") < check < script.index("tar -x")
    assert "UNWIND_SNAPSHOT_SHA256" in script[check - 120 : check]
    # a missing checksum stops the job instead of skipping the check
    assert re.search(r"\[\[ \"\$\{UNWIND_SNAPSHOT_SHA256\}\" =~ \^\[0-9a-f\]\{64\}\$ \]\]", script)
    assert step.get("shell") == "bash" and "set -euo pipefail" in script


def test_make_test_is_a_target():
    assert re.search(r"^test:", (ROOT / "Makefile").read_text(), re.M)
