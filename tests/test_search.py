"""The Pagefind bundle check: a bundle that cannot be served never reaches the site."""

from __future__ import annotations

import gzip
import random
from pathlib import Path

import pytest

from generator.search import BrokenBundle, _check_bundle


FRAGMENT = gzip.compress(b"pagefind_dcd" + b"fragment " * 100)
WASM = gzip.compress(random.Random(0).randbytes(68_000))  # does not compress: 68 KB, as Pagefind's


def bundle(root: Path, files: dict[str, bytes]) -> Path:
    for name, data in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_bytes(data)
    return root


def test_a_complete_bundle_passes(tmp_path: Path) -> None:
    root = bundle(tmp_path, {"pagefind-entry.json": b'{"version": "1"}', "pagefind.js": b"export{}",
                             "fragment/a.pf_fragment": FRAGMENT, "wasm.en.pagefind": WASM})
    checked = _check_bundle(root)
    assert [p.name for p, _ in checked] == ["a.pf_fragment", "pagefind-entry.json", "pagefind.js", "wasm.en.pagefind"]
    assert all(data == p.read_bytes() for p, data in checked)  # the bytes the build adopts are the files'



@pytest.mark.parametrize("files", [
    {"pagefind-entry.json": b"", "pagefind.js": b"export{}"},            # truncated to nothing
    {"pagefind-entry.json": b'{"version": ', "pagefind.js": b"export{}"},  # cut mid-way
    {"pagefind-entry.json": b"{}", "pagefind.js": b""},
    {"pagefind.js": b"export{}"},                                         # no entry file at all
    {"pagefind-entry.json": b"{}", "wasm.en.pagefind": WASM[:4096]},      # the service stopped mid-write (seen)
    {"pagefind-entry.json": b"{}", "fragment/a.pf_fragment": FRAGMENT[:-1]},
    {"pagefind-entry.json": b"{}", "index/en_1.pf_index": b"not gzip"},
])
def test_a_broken_bundle_is_refused(tmp_path: Path, files: dict[str, bytes]) -> None:
    with pytest.raises(BrokenBundle):
        _check_bundle(bundle(tmp_path, files))
