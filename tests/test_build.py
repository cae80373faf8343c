"""The strict offline build: failures turn it red, and the built pages render with no network.

Slow (they build books and drive headless Chromium); part of ``make test`` via ``-m build``.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import tempfile
from concurrent.futures import ThreadPoolExecutor
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pagecheck
import pytest
from conftest import ROOT, build

from unwind import vendor

pytestmark = pytest.mark.build

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")


# --- the build turns red ---------------------------------------------------------------------


def code_notebook(source: str) -> str:
    return json.dumps(
        {
            "cells": [
                {"cell_type": "markdown", "metadata": {}, "source": ["# Chapter\n"]},
                {"cell_type": "code", "execution_count": None, "metadata": {}, "outputs": [], "source": [source]},
            ],
            "metadata": {"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}},
            "nbformat": 4,
            "nbformat_minor": 5,
        }
    )


@pytest.fixture
def mini_book(tmp_path: Path) -> Path:
    """The real _config.yml and bibliography with a two-page TOC; the chapter is written per test."""
    shutil.copy(ROOT / "_config.yml", tmp_path / "_config.yml")
    (tmp_path / "book").mkdir()
    shutil.copy(ROOT / "book" / "references.bib", tmp_path / "book" / "references.bib")
    if not vendor.VEGA_BUNDLE.exists():
        vendor.main()
    (tmp_path / "book" / "_vendor").symlink_to(vendor.VENDOR_DIR, target_is_directory=True)
    (tmp_path / "book" / "assets").symlink_to(ROOT / "book" / "assets", target_is_directory=True)
    (tmp_path / "_toc.yml").write_text("format: jb-book\nroot: intro\nchapters:\n  - file: chapter\n")
    (tmp_path / "intro.md").write_text("# Intro\n\nSee {cite}`newey1987hac`.\n\n```{bibliography}\n```\n")
    return tmp_path


def test_mini_book_builds_green(mini_book: Path):
    (mini_book / "chapter.ipynb").write_text(code_notebook("print(1 + 1)"))
    result = build(mini_book)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]


def test_failing_cell_turns_build_red(mini_book: Path):
    (mini_book / "chapter.ipynb").write_text(code_notebook('raise RuntimeError("injected failure 7f3a")'))
    result = build(mini_book)
    assert result.returncode != 0
    assert "injected failure 7f3a" in result.stdout + result.stderr


@pytest.mark.parametrize(
    "source, marker",
    [
        ('import sys; sys.stderr.write("injected stderr 9b2c\\n")', "9b2c"),
        ('import warnings; warnings.warn("injected warning 4e1d")', "4e1d"),
    ],
)
def test_stderr_and_warnings_turn_build_red(mini_book: Path, source: str, marker: str):
    (mini_book / "chapter.ipynb").write_text(code_notebook(source))
    result = build(mini_book)
    assert result.returncode != 0, f"a cell writing {marker} to stderr built green"


def test_broken_cross_reference_turns_build_red(mini_book: Path):
    (mini_book / "chapter.ipynb").write_text(code_notebook("x = 1"))
    (mini_book / "intro.md").write_text("# Intro\n\nSee {ref}`no-such-label-5c1d`.\n")
    result = build(mini_book)
    assert result.returncode != 0
    assert "no-such-label-5c1d" in result.stdout + result.stderr


# --- the vega bundle ------------------------------------------------------------------------


def test_bundle_preseed_matches_altair():
    from altair.vegalite.v6 import display

    if not vendor.VEGA_BUNDLE.exists():
        vendor.main()
    assert vendor.read_preseed() == {
        "vega_version": display.VEGA_VERSION,
        "vegalite_version": display.VEGALITE_VERSION,
        "vegaembed_version": display.VEGAEMBED_VERSION,
    }
    text = vendor.VEGA_BUNDLE.read_text(encoding="utf-8")
    assert "window.vegaEmbed=" in text and text.index("(function () {") < 400


# --- the real book, built once per session --------------------------------------------------


def chapter_pages(html: Path) -> list[Path]:
    return sorted(p for d in ("book", "notebooks") for p in (html / d).rglob("*.html"))


class PageParser(HTMLParser):
    """Collects ids, link targets and the URLs of resources a page loads."""

    def __init__(self) -> None:
        super().__init__()
        self.ids: set[str] = set()
        self.hrefs: list[str] = []
        self.resources: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if a.get("id"):
            self.ids.add(a["id"])
        if tag == "a" and a.get("href"):
            self.hrefs.append(a["href"])
        if tag in ("script", "img", "iframe", "source", "embed") and a.get("src"):
            self.resources.append(a["src"])
        if tag == "link" and a.get("href") and a.get("rel") != "canonical":
            self.resources.append(a["href"])


def parse(page: Path) -> PageParser:
    parser = PageParser()
    parser.feed(page.read_text(encoding="utf-8"))
    return parser


def dump_dom(page: Path) -> tuple[str, list[str]]:
    """The rendered DOM of ``page`` and the console messages it logged."""
    with tempfile.TemporaryDirectory() as profile:
        result = subprocess.run(
            [
                CHROMIUM,
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--no-first-run",
                "--disable-sync",
                "--disable-quic",
                # Any host lookup fails: the page must render from local files alone.
                "--host-resolver-rules=MAP * ~NOTFOUND",
                f"--user-data-dir={profile}",
                "--virtual-time-budget=10000",
                "--enable-logging=stderr",
                "--v=0",
                "--dump-dom",
                page.as_uri(),
            ],
            capture_output=True,
            text=True,
            timeout=120,
        )
    assert result.returncode == 0, f"{page}: chromium exit {result.returncode}: {result.stderr[-2000:]}"
    console = [line.split("CONSOLE", 1)[1] for line in result.stderr.splitlines() if ":CONSOLE" in line]
    return result.stdout, console


# Console output that means something is broken: script errors, and vega's warnings (an empty or
# misnamed field draws nothing). The theme's own info messages are not listed.
CONSOLE_PROBLEMS = re.compile(r"Uncaught|Error|WARN")


def test_charts_render_offline_in_chromium(built_html: Path):
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} missing: run `make browser`")
    pages = chapter_pages(built_html)
    assert pages, f"no chapter pages under {built_html}"
    with ThreadPoolExecutor(max_workers=2) as pool:
        doms = dict(zip(pages, pool.map(dump_dom, pages), strict=True))
    problems, n_charts = [], 0
    for page, (dom, console) in doms.items():
        problems += [f"{page.relative_to(built_html)}: console{msg}" for msg in console if CONSOLE_PROBLEMS.search(msg)]
        dom = re.sub(r"<script\b.*?</script>", "", dom, flags=re.S)  # altair's loader quotes its errors
        charts = len(re.findall(r'id="altair-viz-[0-9a-f]+"', dom))
        drawn = len(re.findall(r'class="marks"', dom)) + dom.count("<canvas")
        n_charts += charts
        if drawn < charts:
            problems.append(f"{page.relative_to(built_html)}: {charts} chart(s), {drawn} drawn")
        problems += [f"{page.relative_to(built_html)}: MathJax error {e!r}" for e in pagecheck.mathjax_errors(dom)]
        for text in ("Error loading script", "Javascript Error"):
            if text in dom:
                problems.append(f"{page.relative_to(built_html)}: page shows {text!r}")
    assert not problems, "\n".join(problems)
    assert n_charts > 0, "no vega chart on any page: is the renderer still html?"


def test_internal_links_resolve(built_html: Path):
    parsed: dict[Path, PageParser] = {}

    def page(path: Path) -> PageParser:
        if path not in parsed:
            parsed[path] = parse(path)
        return parsed[path]

    broken = []
    for source in chapter_pages(built_html) + [built_html / "genindex.html"]:
        for href in page(source).hrefs:
            url = urlsplit(href)
            if url.scheme or href.startswith("//"):
                continue
            target = (source.parent / unquote(url.path)).resolve() if url.path else source
            if not target.exists():
                broken.append(f"{source.relative_to(built_html)}: {href} (no file)")
            elif url.fragment and target.suffix == ".html" and unquote(url.fragment) not in page(target).ids:
                broken.append(f"{source.relative_to(built_html)}: {href} (no anchor)")
    assert not broken, "\n".join(sorted(set(broken)))


def test_pages_load_nothing_from_the_network(built_html: Path):
    remote = []
    for path in sorted(built_html.rglob("*.html")):
        for url in parse(path).resources:
            if re.match(r"(https?:)?//", url):
                remote.append(f"{path.relative_to(built_html)}: {url}")
    assert not remote, "pages load remote resources:\n" + "\n".join(remote)
