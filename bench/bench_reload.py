"""Edit-to-reload latency of `shelfpress serve`: file write -> the browser's load event.

    .venv/bin/python bench/bench_reload.py            # the demo site and a 10,000-page site
    .venv/bin/python bench/bench_reload.py demo 1000  # pick: demo and/or page counts

For each site a dev server runs on a free port, headless Chromium (Debian's
/usr/bin/chromium, via Playwright) opens one content page, and that page's
Markdown is edited 20 times; each sample is the time from the write to the
load event of the reloaded page (whose new text is then checked). Prints
p50/p95. Sites live in a temp dir beside the repo (not /tmp, slow here).
"""

from __future__ import annotations

import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

from playwright.sync_api import sync_playwright

from bench_build import make_site
from generator.commands.serve import DevServer
from generator.config.schema import load_config
from generator.core.console import Reporter

REPO = Path(__file__).resolve().parent.parent
EDITS = 20
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--no-first-run"]


def copy_demo(root: Path) -> Path:
    for name in ("content", "templates", "static", "themes", "data"):
        if (REPO / name).is_dir():
            shutil.copytree(REPO / name, root / name)
    shutil.copy(REPO / "shelfpress.toml", root / "shelfpress.toml")
    return root / "content/om.md"


def measure(label: str, root: Path, edited: Path, url_path: str) -> None:
    started = time.perf_counter()
    server = DevServer(load_config(root), port=0, reporter=Reporter(verbosity=0))
    server.start()
    ready = time.perf_counter() - started
    original = edited.read_text()
    samples = []
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
            page = browser.new_page()
            page.goto(server.url + url_path)
            page.wait_for_timeout(300)  # let the reload script start its long poll
            for i in range(EDITS):
                marker = f"Edit number {i} at {time.time_ns()}"
                with page.expect_event("load", timeout=30_000):
                    t0 = time.perf_counter()
                    edited.write_text(original + f"\n{marker}\n")
                samples.append(time.perf_counter() - t0)
                assert marker in page.content(), "the reloaded page lacks the edit"
                page.wait_for_timeout(150)  # a writer does not save 10 times a second
            browser.close()
    finally:
        server.close()
    ms = sorted(s * 1000 for s in samples)
    p95 = ms[min(len(ms) - 1, round(0.95 * (len(ms) - 1)))]
    print(f"{label:>12}: first build + listen {ready:5.2f} s | edit->reload over {len(ms)} edits: "
          f"p50 {statistics.median(ms):6.0f} ms, p95 {p95:6.0f} ms, max {ms[-1]:6.0f} ms")


def main(args: list[str]) -> None:
    for arg in args or ["demo", "10000"]:
        with tempfile.TemporaryDirectory(dir=Path(__file__).parent, prefix=".bench-") as tmp:
            root = Path(tmp)
            if arg == "demo":
                measure("demo site", root, copy_demo(root), "om/")
            else:
                make_site(root, int(arg))
                measure(f"{int(arg):,} pages", root, root / "content/section-3/page-3.md", "section-3/page-3/")


if __name__ == "__main__":
    main(sys.argv[1:])
