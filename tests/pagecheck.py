"""Checks of built pages as a reader sees them (used by tests/test_pages.py; each is shown to fail on a
planted defect there).  Pure functions of a page's HTML, except :func:`measure_overflow`, which drives Chromium."""

from __future__ import annotations

import re
import subprocess
import tempfile
from pathlib import Path

SCRIPT = re.compile(r"<script\b.*?</script>", re.S | re.I)
PRE = re.compile(r"<pre\b.*?</pre>", re.S | re.I)
MATH = re.compile(r'<(?:span|div) class="math[^"]*">(.*?)</(?:span|div)>', re.S)
TAG = re.compile(r"<[^>]+>")


def visible_text(html: str) -> str:
    """The page's text outside scripts and code blocks."""
    return TAG.sub(" ", PRE.sub(" ", SCRIPT.sub(" ", html)))


def raw_markup(html: str) -> list[str]:
    """MyST roles that reached the page unrendered ("{glue:text}`x`", "{ref}`y`") or a glued NaN/inf."""
    text = visible_text(html)
    found = re.findall(r"\{(?:glue|ref|doc|cite)[^}]*\}`[^`]*`?", text) + re.findall(r"`glue:[^`]*`", text)
    bad = r'<span class="pasted-text">\s*(?:nan|NaN|inf|-inf|None)\s*</span>'
    found += [m.group(0) for m in re.finditer(bad, html)]
    return found


def prose_in_math(html: str) -> list[str]:
    """Math spans that contain prose (two words in a row): the sign of a currency "$" pair parsed as math."""
    out = []
    for m in MATH.finditer(html):
        body = re.sub(r"\\[A-Za-z]+", " ", m.group(1))
        if re.search(r"[A-Za-z]{2,}[,.;]?\s+[A-Za-z]{2,}", body) or "glue" in body:
            out.append(m.group(1)[:80])
    return out


def stderr_or_warning_outputs(html: str) -> list[str]:
    """Cell outputs a reader should never see: stderr streams and anything printing a Warning."""
    out = [m.group(0)[:120] for m in re.finditer(r'<div class="output stderr[^"]*">.*?</div>', html, re.S)]
    for m in re.finditer(r'<div class="cell_output[^"]*">(.*?)</div>\s*</div>', html, re.S):
        if re.search(r"\b\w*Warning\b", TAG.sub(" ", m.group(1))):
            out.append(TAG.sub(" ", m.group(1))[:120])
    return out


def printed_tables(html: str) -> list[str]:
    """Stream outputs that look like a print()-ed DataFrame: three or more lines with aligned columns."""
    out = []
    for m in re.finditer(r'<div class="output stream[^"]*">.*?<pre>(.*?)</pre>', html, re.S):
        lines = [ln for ln in TAG.sub("", m.group(1)).splitlines() if ln.strip()]
        tabular = [ln for ln in lines if re.search(r"\S {2,}\S", ln)]
        if len(tabular) >= 3:
            out.append(lines[0][:80])
    return out


def verdict_badges(html: str) -> list[tuple[str, str]]:
    """(registry id, verdict word) of every verdict badge on the page."""
    return re.findall(r'data-hyp="([^"]+)" data-verdict="([^"]+)"', html)


MEASURE = """
<script>
window.addEventListener('load', function () {
  setTimeout(function () {
    var main = document.querySelector('main') || document.body;
    document.body.setAttribute('data-overflow', String(Math.max(
      document.documentElement.scrollWidth - window.innerWidth, main.scrollWidth - main.clientWidth)));
  }, 1500);
});
</script>
"""


def measure_overflow(page: Path, width: int, chromium: str = "/usr/bin/chromium") -> int:
    """Horizontal overflow in CSS px of ``page`` at ``width`` (0 = nothing wider than the window)."""
    probe = page.with_name(f".probe-{width}-{page.name}")
    probe.write_text(page.read_text(encoding="utf-8").replace("</body>", MEASURE + "</body>"), encoding="utf-8")
    try:
        with tempfile.TemporaryDirectory() as profile:
            r = subprocess.run(
                [
                    chromium,
                    "--headless",
                    "--no-sandbox",
                    "--disable-gpu",
                    "--hide-scrollbars",
                    "--disable-background-networking",
                    "--disable-component-update",
                    "--no-first-run",
                    "--disable-sync",
                    "--host-resolver-rules=MAP * ~NOTFOUND",
                    f"--user-data-dir={profile}",
                    f"--window-size={width},900",
                    "--virtual-time-budget=8000",
                    "--dump-dom",
                    probe.as_uri(),
                ],
                capture_output=True,
                text=True,
                timeout=120,
            )
    finally:
        probe.unlink(missing_ok=True)
    m = re.search(r'data-overflow="(-?\d+)"', r.stdout)
    if not m:
        raise RuntimeError(f"{page}: no measurement at {width}px: {r.stderr[-500:]}")
    return int(m.group(1))


def mathjax_errors(dom: str) -> list[str]:
    """MathJax error nodes in a rendered DOM (the sign of TeX that did not parse, e.g. prose taken as math)."""
    return [m.group(0)[:120] for m in re.finditer(r"<mjx-merror\b.*?</mjx-merror>", dom, re.S)]
