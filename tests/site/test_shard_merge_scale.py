"""`build --shard I/N` then `merge` on a synthetic catalog (category, store and brand pages, related products,
search), every command its own `shelfpress` process as CI jobs run them: the merged site is the whole
build's bytes for N = 1, 2 and 3. (Below 20,000 pages search is one whole-site index, which merge makes;
build shards that index their own search shards are tested in process: tests/commands/test_merge.py.)"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.sites import tree

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "bench"))

from bench_scale import make_site  # noqa: E402  (the scale bench's synthetic catalog site)

SHELFPRESS = str(Path(sys.executable).parent / "shelfpress")
PRODUCTS = 800


def shelfpress(*args: str) -> str:
    done = subprocess.run([SHELFPRESS, *args], capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout + done.stderr


@pytest.fixture(scope="module")
def catalog_site(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, bytes]]:
    work = tmp_path_factory.mktemp("scale")
    site = work / "site"
    files = make_site(site, PRODUCTS, search=True)
    shelfpress("catalog", "import", "-C", str(site), *map(str, files))
    shelfpress("build", "-C", str(site), "-o", str(work / "whole"))
    return site, tree(work / "whole")


@pytest.mark.parametrize("count", [1, 2, 3])
def test_shards_of_a_big_catalog_merge_into_one_builds_bytes(catalog_site: tuple[Path, dict[str, bytes]],
                                                             tmp_path: Path, count: int) -> None:
    site, whole = catalog_site
    assert sum(1 for key in whole if key.endswith(".html")) > PRODUCTS
    assert "pagefind/pagefind-entry.json" in whole
    folders = [tmp_path / f"shard-{i}" for i in range(1, count + 1)]
    for index, folder in enumerate(folders, 1):
        shelfpress("build", "-C", str(site), "--shard", f"{index}/{count}", "-o", str(folder))
    shelfpress("merge", "-C", str(site), *map(str, folders), "-o", str(tmp_path / "merged"))
    assert tree(tmp_path / "merged") == whole
