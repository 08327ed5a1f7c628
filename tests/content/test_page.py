"""Tests for generator/content/page.py front matter keys: a key that would silently do nothing is one line with the fix
(issue 16 §1), under both `check` and `build`; free-form keys still reach templates."""

from __future__ import annotations

from pathlib import Path

import pytest

from generator.content.page import FRONT_MATTER, KNOWN_KEYS, MISPLACED_KEYS, read_page
from tests.support.sites import fails, write_site

HOME = {"content/index.md": "---\ntitle: Home\n---\nHi\n"}


def page_with(front: str) -> dict[str, str]:
    return {**HOME, "content/p.md": f"---\ntitle: P\n{front}\n---\nBody\n"}


@pytest.mark.parametrize("command", ["check", "build"])
@pytest.mark.parametrize(("front", "expected"), [
    ("products:\n  query: lampa", ["content/p.md:3: front matter 'products' is not a setting",
                                   "'listing:' (listing: {query: lampa})", '{{< products query="lampa" >}}']),
    ("products: {query: lampa, heading: Lampor}", ["content/p.md:3: front matter 'products'", "'listing:'"]),
    ("products: [1, 2, 3]", ["content/p.md:3: front matter 'products'"]),
    ("product: lampa", ["content/p.md:3: front matter 'product' is not a setting"]),
    ("query: lampa", ["content/p.md:3: front matter 'query' is a product query parameter",
                      "under 'listing:'"]),
    ("per_page: 12", ["content/p.md:3: front matter 'per_page'", "under 'listing:'"]),
    ("url: /lampor/", ["content/p.md:3: front matter 'url' is not a setting", "'slug:'", "'aliases:'"]),
    ("listng:\n  query: lampa", ["content/p.md:3: unknown front matter key 'listng'; did you mean 'listing'?"]),
])
def test_a_key_that_would_do_nothing_is_one_line_with_the_fix(tmp_path: Path, command: str, front: str,
                                                               expected: list[str]) -> None:
    output = fails(write_site(tmp_path, page_with(front)), *expected, command=command)
    assert len([line for line in output.splitlines() if line.startswith("Error")]) == 1


def test_free_form_keys_reach_templates_as_params(tmp_path: Path) -> None:
    site = write_site(tmp_path, page_with("image: /img/a.jpg\nhero: Lampor\nparams: {toc: true}"))
    page = read_page(site / "content/p.md", site / "content", site)
    assert page.params == {"image": "/img/a.jpg", "hero": "Lampor", "toc": True}


def test_every_front_matter_key_is_described() -> None:
    names = [key.name for key in FRONT_MATTER]
    assert len(names) == len(set(names))
    for key in FRONT_MATTER:
        assert key.doc.strip() and key.type and key.default, key.name
    assert not set(MISPLACED_KEYS) & set(names)
    assert set(KNOWN_KEYS) <= set(names)
