"""`shelfpress import wordpress` on a generated export: posts per second and peak memory.

    .venv/bin/python bench/bench_import_wordpress.py            # 10,000 posts
    .venv/bin/python bench/bench_import_wordpress.py 10000 40000

For each N: writes a WXR 1.2 export of N Gutenberg posts (six paragraphs with a link, a [caption], a list;
about 2.3 KB each), imports it into a fresh site in a child process and prints the file size, the time,
posts/s and the child's peak RSS; then the peak Python memory of the streaming reader alone
(tracemalloc), which should stay flat as N grows.
"""

from __future__ import annotations

import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.importers.test_import_wordpress_scale import reader_peak, write_export  # noqa: E402

CHILD = """
import sys, resource
from pathlib import Path
from generator.commands.importer import import_wordpress
from generator.core.console import Reporter
report = import_wordpress(Path(sys.argv[1]), Path(sys.argv[2]), reporter=Reporter(verbosity=0))
print(report.posts)
"""


def run(posts: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        export, site = Path(tmp) / "export.xml", Path(tmp) / "site"
        size = write_export(export, posts)
        site.mkdir()
        (site / "shelfpress.toml").write_text('title = "Bench"\nbase_url = "https://example.org/"\n')
        before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
        start = time.perf_counter()
        done = subprocess.run([sys.executable, "-c", CHILD, str(site), str(export)], cwd=ROOT, check=True,
                              capture_output=True, text=True)
        seconds = time.perf_counter() - start
        rss = max(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, before)
        imported = int(done.stdout.strip())
        count, peak = reader_peak(export)
        print(f"{posts:>7,} posts  export {size / 1e6:6.1f} MB  import {seconds:6.1f} s  "
              f"{imported / seconds:6.0f} posts/s  peak RSS {rss / 1024:6.0f} MB  "
              f"reader alone: {count:,} items, peak {peak / 1e6:.2f} MB")


if __name__ == "__main__":
    for n in [int(a) for a in sys.argv[1:]] or [10_000]:
        run(n)
