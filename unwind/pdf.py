"""The printed book: turn the single-page HTML build into a page a person would print.

``python -m unwind.pdf SRC DST`` reads the singlehtml page ``SRC`` and writes ``DST`` with a cover (title, date,
the commit and the data manifest hash), a table of contents linking every chapter, a print stylesheet (each
chapter on a new page, page numbers, no code, no navigation, tables that fit) — then the Makefile prints it with
headless Chromium, which also writes the PDF outline (bookmarks) from the headings.
"""

from __future__ import annotations

import datetime as dt
import html
import re
import sys
from pathlib import Path

from . import buildinfo

PRINT_CSS = """
@page { size: A4; margin: 18mm 16mm 20mm 16mm;
  @bottom-center { content: counter(page) " / " counter(pages); font: 9pt sans-serif; color: #555; } }
@page :first { @bottom-center { content: none; } }
html, body { font-family: "DejaVu Sans", "Noto Sans", sans-serif; font-size: 10pt; }
.bd-header, .bd-sidebar-primary, .bd-sidebar-secondary, .bd-footer, .bd-footer-article, .header-article,
.prev-next-area, .headerlink, .toggle-details, .cell_input, details.hide, .tag_hide-input > .cell_input,
button, .sd-btn, nav, .search-button, .theme-switch-button, #pst-back-to-top { display: none !important; }
.bd-main .bd-content .bd-article-container, .bd-page-width, .bd-container, .bd-article { max-width: none !important;
  width: 100% !important; padding: 0 !important; margin: 0 !important; }
span[id^="document-"] + section { break-before: page; }
.unwind-cover, .unwind-contents { break-after: page; }
.unwind-cover { padding-top: 60mm; }
.unwind-cover h1 { font-size: 28pt; break-before: avoid; margin: 0 0 8mm; }
.unwind-cover .subtitle { font-size: 14pt; color: #333; margin-bottom: 20mm; }
.unwind-cover dl { font-size: 9pt; color: #333; } .unwind-cover dt { font-weight: 700; margin-top: 2mm; }
.unwind-cover dd { margin: 0; word-break: break-all; font-family: "DejaVu Sans Mono", monospace; }
.unwind-contents ol { font-size: 12pt; line-height: 1.9; }
table { font-size: 8pt !important; max-width: 100% !important; table-layout: auto; word-break: break-word; }
.cell_output, .output { overflow: visible !important; }
.vega-embed, svg, img { max-width: 100% !important; height: auto; }
tr, .verdict-brief { break-inside: avoid; }
figure svg, .cell_output svg, figure img, .cell_output img { max-height: 235mm; width: auto; }
pre { white-space: pre-wrap; font-size: 8pt; }
"""


def cover(title: str, subtitle: str) -> str:
    facts = {
        "Built": dt.date.today().isoformat(),
        "Commit": buildinfo.commit(),
        "Data manifest sha256": buildinfo.manifest_hash(),
    }
    items = "".join(f"<dt>{html.escape(k)}</dt><dd>{html.escape(v)}</dd>" for k, v in facts.items())
    return (
        f'<div class="unwind-cover"><h1>{html.escape(title)}</h1><p class="subtitle">{html.escape(subtitle)}</p>'
        f"<dl>{items}</dl></div>"
    )


def contents(page: str) -> str:
    """A contents list of every chapter: in the single-page build each included document starts with a
    ``<span id="document-...">`` marker followed by its section, whose heading is the chapter title."""
    entries = re.findall(
        r'<span id="document-[^"]+"></span><section id="([^"]+)"[^>]*>\s*<h\d>(.*?)<a class="headerlink"', page, re.S
    )
    items = "".join(f'<li><a href="#{html.escape(i)}">{re.sub(r"<[^>]+>", "", t).strip()}</a></li>' for i, t in entries)
    return f'<div class="unwind-contents"><h2>Contents</h2><ol>{items}</ol></div>'


def make_print_page(src: Path, dst: Path) -> None:
    page = src.read_text(encoding="utf-8")
    title = "Anatomy of an Unwind"
    subtitle = (
        "A news account of the October–November 2025 crypto selloff, tested against the data — and judged a year later"
    )
    front = cover(title, subtitle) + contents(page)
    page = re.sub(r'(<article class="bd-article"[^>]*>)', lambda m: m.group(1) + front, page, count=1)
    page = page.replace("</head>", f"<style>{PRINT_CSS}</style></head>", 1)
    # the singlehtml page links its resources relative to the build root; the print page sits beside it
    dst.write_text(page, encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if len(argv) != 2:
        print("usage: python -m unwind.pdf SINGLEHTML_PAGE PRINT_PAGE", file=sys.stderr)
        return 2
    make_print_page(Path(argv[0]), Path(argv[1]))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
