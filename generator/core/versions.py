"""Versions of the software that turns a site's inputs into its output.

A build's output depends on more than the site: Markdown's HTML, Jinja's
whitespace, Babel's number formats, PyYAML's front matter and Pagefind's
index change between releases. The build key (engine/planner.py) includes
`build_software()`, so after an upgrade the next build renders every page
again instead of saying "Nothing changed", and incremental stays equal to
clean.

`installed` is the one place a version is looked up (tests report a
different one through it). This module reads metadata only; it must not
import the libraries it names.
"""

from __future__ import annotations

import functools
import importlib.metadata
import platform

from generator import __version__

# Distribution names (as pip knows them) whose output lands in pages; pagefind_bin is the indexer itself.
LIBRARIES = ("jinja2", "markupsafe", "markdown", "babel", "pyyaml", "pagefind", "pagefind_bin")


def installed(distribution: str) -> str | None:
    """The installed version of `distribution`, or None when it is not installed."""
    try:
        return importlib.metadata.version(distribution)
    except importlib.metadata.PackageNotFoundError:
        return None


def version_tuple(version: str | None) -> tuple[int, ...]:
    """The leading numbers of a version: "3.1.6" -> (3, 1, 6), "3.2.0rc1" -> (3, 2, 0); () for None."""
    numbers: list[int] = []
    for part in (version or "").split("."):
        digits = part[:len(part) - len(part.lstrip("0123456789"))]
        if not digits:
            break
        numbers.append(int(digits))
        if digits != part:
            break
    return tuple(numbers)


@functools.lru_cache(maxsize=1)
def build_software() -> str:
    """Python, shelfpress and each library of LIBRARIES by version, as one string; once per process, which
    runs the libraries it imported at its start (tests clear the cache after reporting another version)."""
    parts = [f"python={platform.python_implementation()}-{platform.python_version()}",
             f"shelfpress={__version__}"]
    parts += [f"{name}={installed(name)}" for name in LIBRARIES]
    return " ".join(parts)
