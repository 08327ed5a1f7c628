"""Where pages and bundle files go when the search index is split into shards."""

from __future__ import annotations

import json

import pytest

from generator.publish import shards
from generator.publish.shards import MANIFEST, ShardLayout, shard_count, shard_of


@pytest.mark.parametrize(("pages", "count"), [(0, 1), (1999, 1), (2000, 1), (10_882, 1), (19_999, 1), (20_000, 16),
                                              (31_999, 16), (32_000, 32), (1_000_000, 512)])
def test_a_site_below_whole_site_pages_gets_one_index_and_a_bigger_one_shards_of_one_to_two_times_shard_pages(
        pages: int, count: int) -> None:
    assert (shards.WHOLE_SITE_PAGES, shards.SHARD_PAGES) == (20_000, 1000)
    assert shard_count(pages) == count
    assert count == 1 or shards.SHARD_PAGES <= pages / count < 2 * shards.SHARD_PAGES


def test_a_10k_product_site_is_one_whole_site_index() -> None:
    """Issue 34: results on the demo and a 10,000-product site (10,882 pages) are those of one whole-site index."""
    pages = [f"p/{i}/index.html" for i in range(10_882)]
    assert ShardLayout.for_pages(pages) == ShardLayout(1, (0,))
    assert json.loads(ShardLayout.for_pages(pages).manifest()) == {"shards": 1, "merge": []}


def test_a_page_keeps_its_shard_in_every_process() -> None:
    assert shard_of("products/lamp/index.html", 8) == shard_of("products/lamp/index.html", 8)
    assert shard_of("products/lamp/index.html", 8) == 3127913063 % 8  # crc32: no per-process hash seed
    spread = {shard_of(f"products/p{i}/index.html", 8) for i in range(200)}
    assert spread == set(range(8))


def test_the_first_used_shard_is_the_primary_bundle_and_the_others_are_merged() -> None:
    layout = ShardLayout(4, (1, 2, 3))
    assert [layout.prefix(shard) for shard in layout.used] == ["pagefind/", "pagefind/shard-2/", "pagefind/shard-3/"]
    assert layout.bundle_of("pagefind/pagefind.js") == 1
    assert layout.bundle_of("pagefind/fragment/en_1.pf_fragment") == 1
    assert layout.bundle_of("pagefind/shard-3/index/en_1.pf_index") == 3
    assert layout.bundle_of(MANIFEST) is None
    assert layout.bundle_of("products/index.html") is None
    assert json.loads(layout.manifest()) == {"shards": 4, "merge": ["shard-2/", "shard-3/"]}


def test_every_page_is_in_exactly_one_shard() -> None:
    pages = [f"p/{i}/index.html" for i in range(50_000)]
    layout = ShardLayout.for_pages(pages)
    groups = dict(layout.shards(pages))
    assert layout.count == 32 and sorted(sum(groups.values(), [])) == sorted(pages)
    assert all(shard_of(page, 32) == shard for shard, keys in groups.items() for page in keys)
