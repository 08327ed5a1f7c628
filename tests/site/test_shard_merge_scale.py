"""`build --shard I/N` then `merge` on a synthetic catalog big enough for a sharded search index (over
2,000 pages: publish/shards.py), every command its own `shelfpress` process as CI jobs run them: the merged
site is the whole build's bytes for N = 1, 2 and 3 (N = 2: each build shard indexes its own search shard;
N = 3: more build shards than search shards, so merge indexes them)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.sites import tree

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "bench"))

from bench_scale import make_site  # noqa: E402  (the scale bench's synthetic catalog site)

SHELFPRESS = str(Path(sys.executable).parent / "shelfpress")
PRODUCTS = 2_100


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
    assert sum(1 for key in whole if key.endswith(".html")) > 2_000
    assert json.loads(whole["pagefind/shards.json"])["shards"] == 2
    folders = [tmp_path / f"shard-{i}" for i in range(1, count + 1)]
    for index, folder in enumerate(folders, 1):
        shelfpress("build", "-C", str(site), "--shard", f"{index}/{count}", "-o", str(folder))
    shelfpress("merge", "-C", str(site), *map(str, folders), "-o", str(tmp_path / "merged"))
    assert tree(tmp_path / "merged") == whole
