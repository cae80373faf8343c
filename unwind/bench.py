"""``make bench``: where the time goes, measured in one run.

(a) every source -> panel, cold (no cache) and warm (cache hit);
(b) the full strict build of the book;
(c) the floor: start a kernel and run only each notebook's first code cell (its imports), plus a Sphinx-only
    build that reuses the stored notebook outputs; the target is build <= 1.5 x floor + Sphinx time.
Also the size of every built page.  This is a benchmark, not a test: it prints figures and exits 0.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import nbformat
import yaml
from jupyter_client.manager import start_new_kernel

from . import panel as pnl
from . import results

ROOT = Path(__file__).resolve().parents[1]
JB = [str(Path(sys.executable).with_name("jupyter-book")), "build", ".", "--all", "-W", "-n", "--keep-going"]


def timed(fn) -> float:
    t = time.perf_counter()
    fn()
    return time.perf_counter() - t


def panel_times() -> tuple[float, float]:
    with tempfile.TemporaryDirectory() as tmp:
        cold = timed(lambda: pnl.panel(cache_dir=Path(tmp)))
        warm = timed(lambda: pnl.panel(cache_dir=Path(tmp)))
    return cold, warm


def notebooks() -> list[Path]:
    """Every page of the table of contents that the build executes."""
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text())
    docs = [toc["root"]] + [ch["file"] for part in toc.get("parts", []) for ch in part.get("chapters", [])]
    return [ROOT / f"{d}.ipynb" for d in docs if (ROOT / f"{d}.ipynb").is_file()]


def floor_time() -> float:
    """Kernel start + first code cell of every notebook, run one after another."""
    total = 0.0
    for nb_path in notebooks():
        nb = nbformat.read(nb_path, as_version=4)
        first = next(c for c in nb.cells if c.cell_type == "code")
        t = time.perf_counter()
        km, kc = start_new_kernel(kernel_name="python3", cwd=str(nb_path.parent))
        try:
            reply = kc.execute_interactive(first.source, timeout=300, output_hook=lambda msg: None)
            if reply["content"]["status"] != "ok":
                raise RuntimeError(f"{nb_path.name}: import cell failed")
        finally:
            kc.stop_channels()
            km.shutdown_kernel(now=True)
        total += time.perf_counter() - t
    return total


def build_time(out: Path, execute: bool) -> float:
    """One strict build into ``out``; without execution it reuses the stored outputs (a config in ``out``,
    nothing is written into the repository)."""
    cmd = [*JB, "--path-output", str(out)]
    if not execute:
        text = (ROOT / "_config.yml").read_text().replace("execute_notebooks: force", 'execute_notebooks: "off"')
        out.mkdir(parents=True, exist_ok=True)
        cfg = out / "_config.bench.yml"
        cfg.write_text(text)
        cmd += ["--config", str(cfg)]
    t = time.perf_counter()
    subprocess.run(cmd, cwd=ROOT, check=True, capture_output=True, text=True)
    return time.perf_counter() - t


def results_time() -> float:
    """The results step from cold (every registered hypothesis computed once), into a scratch directory."""
    with tempfile.TemporaryDirectory() as tmp:
        return timed(lambda: results.load(out=Path(tmp)))


def page_sizes(html: Path) -> dict[str, int]:
    return {
        str(p.relative_to(html)): p.stat().st_size
        for p in sorted(html.rglob("*.html"))
        if "_static" not in p.parts and "_sources" not in p.parts
    }


def execution_times(html: Path) -> dict[str, float]:
    """Per-notebook run time as recorded by the build (the status page's execution table)."""
    import re

    out = {}
    for row in re.findall(r"<tr[^>]*>(.*?)</tr>", (html / "book" / "status.html").read_text(), re.S):
        cells = [re.sub(r"<[^>]+>", "", c).strip() for c in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)]
        if len(cells) == 5 and re.fullmatch(r"[0-9.]+", cells[3]):
            out[cells[0]] = float(cells[3])
    return out


def main() -> None:
    cold, warm = panel_times()
    print(f"(a) panel from every source: cold {cold:.2f} s (target <= 5), warm {warm:.3f} s (target <= 1)")
    res = results_time()
    print(f"(d) results step, every registered hypothesis from cold: {res:.1f} s")
    floor = floor_time()
    print(f"(c) floor, kernel start + import cell of {len(notebooks())} notebooks: {floor:.1f} s")
    with tempfile.TemporaryDirectory() as tmp:
        sphinx = build_time(Path(tmp) / "s", execute=False)
        print(f"    Sphinx-only build (stored outputs): {sphinx:.1f} s")
        full = build_time(Path(tmp) / "f", execute=True) + res
        target = 1.5 * floor + sphinx
        print(
            f"(b) full strict build (results step + book): {full:.1f} s; target 1.5 x floor + Sphinx = "
            f"{target:.1f} s; ratio (build - Sphinx) / floor = {(full - sphinx) / floor:.2f}"
        )
        html = Path(tmp) / "f" / "_build" / "html"
        print(
            "    execution time per notebook (s): "
            + ", ".join(f"{k.split('/')[-1]} {v:.1f}" for k, v in execution_times(html).items())
        )
        sizes = page_sizes(html)
        print("page sizes (KB, excluding the shared vega bundle):")
        for name, size in sizes.items():
            print(f"    {name:45s} {size / 1024:8.0f}{'  > 1 MB' if size > 1 << 20 else ''}")
        (ROOT / "_build").mkdir(exist_ok=True)
        (ROOT / "_build" / "bench.json").write_text(
            json.dumps(
                {
                    "panel_cold_s": cold,
                    "panel_warm_s": warm,
                    "results_s": res,
                    "floor_s": floor,
                    "sphinx_s": sphinx,
                    "build_s": full,
                    "pages_bytes": sizes,
                },
                indent=2,
            )
        )
        shutil.rmtree(Path(tmp), ignore_errors=True)


if __name__ == "__main__":
    main()
