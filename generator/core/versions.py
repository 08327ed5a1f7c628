"""Versions of the software that turns a site's inputs into its output.

A build's output depends on more than the site: Markdown's HTML, Jinja's
whitespace, Babel's number formats, PyYAML's front matter and Pagefind's
index change between releases. The build key (engine/planner.py) includes
`build_software()`, so after an upgrade the next build renders every page
again instead of saying "Nothing changed", and incremental stays equal to
clean.

`installed` is the one place a version is looked up (tests report a
different one through it). This module reads metadata only; it must not
import the libraries it names. It reads it as `importlib.metadata` finds it,
without importing that (and the e-mail parser it reads headers with): the
import and the seven look-ups took 13 ms of every `shelfpress build`. Where
sys.path holds more than folders (a zip file, an egg) or another finder
knows distributions, `importlib.metadata` itself answers.
"""

from __future__ import annotations

import functools
import os
import platform
import re
import sys

from generator import __version__

# Distribution names (as pip knows them) whose output lands in pages; pagefind_bin is the indexer itself.
LIBRARIES = ("jinja2", "markupsafe", "markdown", "babel", "pyyaml", "pagefind", "pagefind_bin")


def installed(distribution: str) -> str | None:
    """The installed version of `distribution`, or None when it is not installed: what
    `importlib.metadata.version` says, read from the first `<name>-*.dist-info` or `.egg-info` on sys.path."""
    if not _folders_only():
        return _from_importlib(distribution)
    wanted = _normalized(distribution)
    for entry in sys.path:
        folder = entry or "."
        if os.path.basename(folder).lower().endswith(".egg"):  # an egg's own metadata, as importlib reads it
            return _from_importlib(distribution)
        try:
            children = os.listdir(folder)
        except NotADirectoryError:  # a zip file: importlib.metadata reads inside it
            return _from_importlib(distribution)
        except OSError:  # a missing folder holds nothing
            continue
        for child in children:  # in the order importlib.metadata takes them
            low = child.lower()
            if (low.endswith((".dist-info", ".egg-info"))
                    and _normalized(low.rpartition(".")[0].partition("-")[0]) == wanted):
                found = _version_in(os.path.join(folder, child))
                return _from_importlib(distribution) if found is _UNREADABLE else found
    return None


def _folders_only() -> bool:
    """Whether importlib.metadata would search only sys.path's folders: no other finder knows distributions."""
    from importlib.machinery import PathFinder

    return all(finder is PathFinder for finder in sys.meta_path if hasattr(finder, "find_distributions"))


_SEPARATORS = re.compile(r"[-_.]+")
_HEADER = re.compile(r"[\041-\071\073-\176]*:")  # what Python's e-mail parser reads as a header line
_UNREADABLE = "(metadata this module leaves to importlib.metadata)"


def _normalized(name: str) -> str:
    """PEP 503's normal form, with underscores: how importlib.metadata matches a name to a metadata folder."""
    return _SEPARATORS.sub("_", name).lower()


def _version_in(info: str) -> str | None:
    """The first `Version` header of the metadata at `info` (a .dist-info or .egg-info folder, or an .egg-info
    file), None when it has none, `_UNREADABLE` when it is not the plain case read here."""
    text = None
    for name in ("METADATA", "PKG-INFO", ""):
        try:
            with open(os.path.join(info, name) if name else info, encoding="utf-8") as file:
                text = file.read()
        except (FileNotFoundError, IsADirectoryError, NotADirectoryError, PermissionError):
            continue
        except (OSError, ValueError):
            return _UNREADABLE
        if text:
            break
    if not text:
        return _UNREADABLE
    lines = text.split("\n")  # (read as text: "\r\n" and "\r" are "\n" already)
    for number, line in enumerate(lines):
        if not line:
            return None  # the end of the headers
        if line[0] in " \t":
            continue  # the rest of a header other than Version
        if not _HEADER.match(line):
            return _UNREADABLE  # a mbox "From " line or a malformed header
        key, _, value = line.partition(":")
        if key.lower() == "version":
            folded = number + 1 < len(lines) and lines[number + 1][:1] in (" ", "\t")
            return _UNREADABLE if folded else value.lstrip(" \t")
    return None


def _from_importlib(distribution: str) -> str | None:
    import importlib.metadata  # deferred: see the module's docstring

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
