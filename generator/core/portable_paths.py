"""Output paths that name the same file on Linux, macOS and Windows.

A site built on Linux must build the same on a Mac or a Windows laptop, and
a GitHub Pages server must find every page where the links say it is. So no
output path may hold a segment that one of them reads differently:

- a device name of Windows (`con`, `prn`, `aux`, `nul`, `com0`-`com9`,
  `lpt0`-`lpt9`, with the superscripts ¹²³ too, in any case, with or
  without an extension): Windows opens the device instead of the file;
- a name ending in a dot or a space, which Windows drops;
- a character Windows forbids in names (`\\ < > : " | ? *`, control
  characters); a backslash is a folder separator there;
- two paths that differ only in case (or in Unicode normalisation): macOS
  and Windows write them to one file or one folder.

`unportable` finds these among the paths of a whole build (the output
writer asks before it swaps the site in; `check` asks too): content, static
files and config-made pages then fail with one line naming the sources.
Names made from product data never get there: `slugify` (textfold.py) makes
ASCII lower-case slugs behind numeric ids, and `device_safe` keeps them off
the device names. This module knows path strings only.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping

_DEVICE_NAME = re.compile(r"(?:con|prn|aux|nul|com[0-9¹²³]|lpt[0-9¹²³])(?: *\..*)?", re.IGNORECASE)
_BAD_CHARS = frozenset('\\<>:"|?*' + "".join(map(chr, range(32))))


def device_safe(slug: str) -> str:
    """`slug`, or `slug` + "_" when Windows reads it as a device: "con" -> "con_" (slugs hold no dots)."""
    return slug + "_" if _DEVICE_NAME.fullmatch(slug) else slug


def problem(path: str) -> str | None:
    """Why `path` ("a/b/index.html") cannot be written alike on every OS, or None when it can."""
    low = path.lower()
    # Substring tests in C rule out nearly every path (30,000 outputs claim a path each, every build).
    if (_BAD_CHARS.isdisjoint(path) and "./" not in path and " /" not in path and not path.endswith((".", " "))
            and "con" not in low and "prn" not in low and "aux" not in low and "nul" not in low
            and "com" not in low and "lpt" not in low):
        return None
    for segment in path.split("/"):
        if _DEVICE_NAME.fullmatch(segment):
            return f"{segment!r} is a device name on Windows (con, prn, aux, nul, com1-com9, lpt1-lpt9)"
        if segment.endswith((".", " ")):
            return f"{segment!r} ends in a dot or a space, which Windows drops"
        bad = next((char for char in segment if char in _BAD_CHARS), None)
        if bad is not None:
            return f"{segment!r} holds {bad!r}, which Windows does not allow in a name"
    return None


def unportable(owners: Mapping[str, str]) -> tuple[str, str] | None:
    """(owner, why) for a path of `owners` (output path -> what writes it) that cannot be written alike on
    every OS, or None. The whole site at once, in set operations: about a third of a microsecond a path."""
    for path in owners:
        reason = problem(path)
        if reason:
            return owners[path], f"output path {path}: {reason}"
    folders: set[str] = set()
    level = {path.rpartition("/")[0] for path in owners}
    while level:
        level -= folders
        folders |= level
        level = {folder.rpartition("/")[0] for folder in level}
    folders.discard("")
    files = {path.lower() if path.isascii() else _fold(path) for path in owners}
    folded = {folder.lower() if folder.isascii() else _fold(folder) for folder in folders}
    if len(files) == len(owners) and len(folded) == len(folders) and files.isdisjoint(folded):
        return None
    folds = CaseFolds()  # there is a clash: find it, and who wrote it
    for path in sorted(owners):
        clash = folds.conflict(path, owners[path])
        if clash:
            return owners[path], clash
    return None  # (unreachable: the sets above differ only when two paths clash)


def _fold(path: str) -> str:
    """What macOS and Windows compare: case-insensitive, and (macOS) normalisation-insensitive."""
    return path.lower() if path.isascii() else unicodedata.normalize("NFC", path).lower()


class CaseFolds:
    """Every path written so far, by its folded spelling: finds two that are one file, or one folder, on a
    case-insensitive file system."""

    def __init__(self) -> None:
        self._files: dict[str, tuple[str, str]] = {}  # folded path -> (path, owner)
        self._folders: dict[str, tuple[str, str]] = {}  # folded folder -> (folder, owner of its first file)
        self._known_folders: set[str] = {""}  # folders (as spelt) already checked

    def conflict(self, path: str, owner: str) -> str | None:
        """Record `path` (written by `owner`); a one-line description of the clash with an earlier path that
        differs only in case, or None."""
        folded = _fold(path)
        first = self._files.setdefault(folded, (path, owner))
        if first[0] != path:
            return _clash(first, (path, owner))
        if folded in self._folders:
            folder, by = self._folders[folded]
            return _clash((folder + "/", by), (path, owner))
        folder = path.rpartition("/")[0]
        while folder not in self._known_folders:  # the new folders, deepest first (a product page: one)
            folded_folder = _fold(folder)
            seen = self._folders.setdefault(folded_folder, (folder, owner))
            if seen[0] != folder:
                return _clash((seen[0] + "/", seen[1]), (folder + "/", owner))
            if folded_folder in self._files:
                return _clash(self._files[folded_folder], (folder + "/", owner))
            self._known_folders.add(folder)
            folder = folder.rpartition("/")[0]
        return None


def _clash(first: tuple[str, str], second: tuple[str, str]) -> str:
    how = "case" if first[0].lower() == second[0].lower() else "case or Unicode normalisation"
    return (f"{first[0]} (from {first[1]}) and {second[0]} (from {second[1]}) differ only in {how}: "
            "macOS and Windows would write them to one place")
