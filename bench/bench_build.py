"""Full build and no-change rebuild speed for a site of N Markdown pages.

    .venv/bin/python bench/bench_build.py 1000 10000

Prints pages/second for the first (cold) build, then the time of a rebuild
with no change and of a rebuild after editing one page's Markdown
(incremental: that page and its section are rendered, the rest kept). Sites are generated under a temp dir: N pages of ~120 words with a
heading, a list and a link, spread over 20 sections.
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

from generator.commands.build import build
from generator.config.schema import load_config
from generator.core.console import Reporter

WORDS = ("lampa pendel ljus design mässing glas vardagsrum sovrum belysning dimmer varmvit "
         "klassisk modern skandinavisk industriell tak vägg golv bord").split()


def make_site(root: Path, n: int) -> None:
    (root / "content").mkdir(parents=True)
    (root / "shelfpress.toml").write_text('title = "Bench"\nbase_url = "https://example.org/bench/"\n')
    for i in range(n):
        section = root / "content" / f"section-{i % 20}"
        section.mkdir(exist_ok=True)
        words = " ".join(WORDS[(i + k) % len(WORDS)] for k in range(120))
        (section / f"page-{i}.md").write_text(
            f"---\ntitle: Page {i}\ndescription: Bench page {i}\nweight: {i % 7}\n---\n"
            f"## Heading {i}\n\n{words}\n\n- one\n- two\n- [three](/section-1/page-1/)\n")


def measure(n: int) -> None:
    # Beside the repo, not /tmp: on these machines /tmp is an order of magnitude slower for small files.
    with tempfile.TemporaryDirectory(dir=Path(__file__).parent, prefix=".bench-") as tmp:
        root = Path(tmp)
        make_site(root, n)
        config = load_config(root)
        quiet = Reporter(verbosity=0)
        t0 = time.perf_counter()
        first = build(config, reporter=quiet)
        cold = time.perf_counter() - t0
        t0 = time.perf_counter()
        again = build(config, reporter=quiet)
        warm = time.perf_counter() - t0
        edited = root / "content/section-3/page-3.md"
        edited.write_text(edited.read_text() + "\nOne more paragraph.\n")
        t0 = time.perf_counter()
        edit = build(config, reporter=quiet)
        one = time.perf_counter() - t0
        print(f"N={n:>6}: full build {cold:6.2f} s ({first.pages / cold:7.0f} pages/s) | "
              f"no-change rebuild {warm:6.2f} s ({again.writes.written} files rewritten) | "
              f"one-page edit {one:6.2f} s ({edit.writes.written} files rewritten)")


if __name__ == "__main__":
    for arg in sys.argv[1:] or ["1000"]:
        measure(int(arg))
