"""The built book as a reader sees it: no raw markup, no math made of prose, no warnings or printed tables in
outputs, nothing wider than a phone, one verdict word per registered id on every page.

Every check is first shown to fail on a planted defect (fast tests); the ``build`` tests apply it to the book.
"""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

import pagecheck as pc
import pytest

# --- each check fails on its planted defect --------------------------------------------------------------------


def test_raw_glue_markup_is_found():
    assert pc.raw_markup("<p>US$ tn {glue:text}`claims_c1_loss:.2f` US</p>")
    assert pc.raw_markup('<p>off by at most <span class="pasted-text">nan</span> %</p>')
    assert not pc.raw_markup('<p>off by <span class="pasted-text">1.2</span> %</p><pre>{glue:text}`x`</pre>')


def test_prose_parsed_as_math_is_found():
    assert pc.prose_in_math('<span class="math notranslate nohighlight">\\( tn on 6 October, is \\)</span>')
    math = '<span class="math notranslate nohighlight">\\(\\lfloor 4 (n/100)^{2/9}\\rfloor\\)</span>'
    assert not pc.prose_in_math(math)


def test_warning_and_stderr_outputs_are_found():
    warn = (
        '<div class="cell_output docutils container"><div class="output stream highlight-myst-ansi notranslate">'
        "<pre>/tmp/ipykernel_1/2.py:3: UserWarning: x</pre></div>\n</div>"
    )
    assert pc.stderr_or_warning_outputs(warn)
    assert pc.stderr_or_warning_outputs('<div class="output stderr highlight-myst-ansi notranslate">x</div>')
    assert not pc.stderr_or_warning_outputs('<div class="cell_output docutils container"><p>fine</p></div>\n</div>')


def test_printed_tables_are_found():
    dump = (
        '<div class="output stream highlight-myst-ansi notranslate"><div class="highlight"><pre>'
        "claim  estimate  verdict\nH1     0.31      supported\nH2    -0.12      not supported\n</pre>"
    )
    assert pc.printed_tables(dump)
    assert not pc.printed_tables('<div class="output stream x"><pre>written 3 files\n</pre>')


def test_mathjax_error_nodes_are_found():
    dom = '<mjx-container><mjx-merror data-mjx-error="Double subscripts"><mjx-mtext>x</mjx-mtext></mjx-merror>'
    assert pc.mathjax_errors(dom + "</mjx-container>")
    assert not pc.mathjax_errors("<mjx-container><mjx-mi>x</mjx-mi></mjx-container>")


def test_verdict_badges_are_read():
    html = '<span class="verdict verdict-yes" data-hyp="C13" data-verdict="supported">✓ supported</span>'
    assert pc.verdict_badges(html) == [("C13", "supported")]


# --- the real book --------------------------------------------------------------------------------------------
build = pytest.mark.build


def pages(html: Path) -> list[Path]:
    return sorted(
        p for d in ("book", "notebooks") for p in (html / d).rglob("*.html") if not p.name.startswith(".probe")
    )


@build
def test_no_raw_markup_math_prose_warnings_or_printed_tables(built_html: Path):
    problems = []
    for page in pages(built_html):
        html = page.read_text(encoding="utf-8")
        name = page.relative_to(built_html)
        problems += [f"{name}: raw markup {x!r}" for x in pc.raw_markup(html)]
        problems += [f"{name}: prose in math {x!r}" for x in pc.prose_in_math(html)]
        problems += [f"{name}: warning/stderr output {x!r}" for x in pc.stderr_or_warning_outputs(html)]
        problems += [f"{name}: print()-ed table {x!r}" for x in pc.printed_tables(html)]
    assert not problems, "\n".join(problems)


@build
def test_one_verdict_word_per_id_across_the_book(built_html: Path):
    seen: dict[str, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
    for page in pages(built_html):
        for hid, word in pc.verdict_badges(page.read_text(encoding="utf-8")):
            seen[hid][word].add(str(page.relative_to(built_html)))
    assert seen, "no verdict badge in the book"
    clashes = {h: {w: sorted(p) for w, p in words.items()} for h, words in seen.items() if len(words) > 1}
    assert not clashes, clashes


@build
def test_overflow_check_fails_on_a_planted_wide_block(built_html: Path, tmp_path: Path):
    page = tmp_path / "wide.html"
    page.write_text('<html><body><main><div style="width:1800px">wide</div></main></body></html>')
    assert pc.measure_overflow(page, 390) > 0
    page.write_text("<html><body><main><p>narrow</p></main></body></html>")
    assert pc.measure_overflow(page, 390) <= 0


@build
@pytest.mark.parametrize("width", [390, 1400])
def test_nothing_wider_than_the_window(built_html: Path, width: int):
    from concurrent.futures import ThreadPoolExecutor

    ps = pages(built_html)
    with ThreadPoolExecutor(max_workers=2) as pool:
        px = dict(zip(ps, pool.map(lambda p: pc.measure_overflow(p, width), ps), strict=True))
    wide = {str(p.relative_to(built_html)): v for p, v in px.items() if v > 1}
    assert not wide, f"horizontal overflow at {width}px: {wide}"


def test_no_code_shown_inline():
    """Every code cell is folded (hide-input) or removed (remove-input / remove-cell): the page shows the
    argument and its outputs; the code is one click away and absent from the PDF."""
    import json

    from conftest import ROOT

    allowed = {"hide-input", "remove-input", "remove-cell", "hide-cell"}
    bare = []
    for nb in sorted([*ROOT.glob("notebooks/*.ipynb"), *ROOT.glob("book/*.ipynb")]):
        for i, cell in enumerate(json.loads(nb.read_text())["cells"]):
            if cell["cell_type"] == "code" and not allowed & set(cell.get("metadata", {}).get("tags", [])):
                bare.append(f"{nb.name} cell {i}: {''.join(cell['source']).splitlines()[0][:60]!r}")
    assert not bare, "code cells shown inline:\n" + "\n".join(bare)


def test_no_cell_is_allowed_to_fail():
    """A cell tagged raises-exception (or skip-execution) would let a failing or unrun cell build green."""
    import json

    from conftest import ROOT

    tagged = [
        f"{nb.name} cell {i}"
        for nb in sorted([*ROOT.glob("notebooks/*.ipynb"), *ROOT.glob("book/*.ipynb")])
        for i, cell in enumerate(json.loads(nb.read_text())["cells"])
        if {"raises-exception", "skip-execution"} & set(cell.get("metadata", {}).get("tags", []))
    ]
    assert not tagged, tagged
