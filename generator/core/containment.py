"""Which source files a build may read: only those whose real path stays inside the site.

A site is assembled from many hands (pull requests, theme downloads, copied folders) and CI builds it
with the API key and signing secret in the environment, then uploads the output unchecked. A symbolic
link such as `content/env.md -> /proc/self/environ` or `static/p.txt -> /etc/passwd` must therefore
never pull a file from elsewhere on the machine into the site. Every file read from content/, static/,
templates/ and themes/ must resolve inside the site folder or the package's own themes; links that stay
inside the site keep working.

The same check turns the other ways a source file fails to be read (a dangling link, a FIFO or device,
no permission, a file over `max_content_size`) into one line naming the file instead of a traceback.

This module decides which files are readable; it never reads, parses or renders them.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from generator.core.errors import ContentError
from generator.assets import THEMES

BUILTIN_THEMES = THEMES


class SiteFiles:
    """The readable part of the file system for one site: its folder and the built-in themes."""

    def __init__(self, site_dir: Path) -> None:
        self.site_dir = site_dir.resolve()
        self.roots = tuple(str(root) for root in (self.site_dir, BUILTIN_THEMES.resolve()))
        self._folders: dict[str, str] = {}

    def inside(self, real: str) -> bool:
        return any(real == root or real.startswith(root + os.sep) for root in self.roots)

    def display(self, path: Path | str) -> str:
        """`path` as the user knows it: relative to the site when it is in the site's folder."""
        absolute = os.path.abspath(path)
        if absolute.startswith(str(self.site_dir) + os.sep):
            return os.path.relpath(absolute, self.site_dir)
        return absolute

    def resolve(self, path: Path | str) -> tuple[str, os.stat_result | None]:
        """The real path of `path` and its status (None: a broken link), resolving each folder once and
        a plain file with one `lstat`: a 10,000-page site is checked in about a tenth of a second."""
        folder, name = os.path.split(os.path.abspath(path))
        real_folder = self._folders.get(folder)
        if real_folder is None:
            real_folder = self._folders[folder] = os.path.realpath(folder)
        real = os.path.join(real_folder, name)
        info = os.lstat(real)
        if stat.S_ISLNK(info.st_mode):
            real = os.path.realpath(real)
            try:
                info = os.stat(real)
            except FileNotFoundError:
                return real, None
        return real, info

    def check(self, path: Path | str, max_bytes: int | None = None) -> os.stat_result:
        """Refuse `path` unless it resolves inside the site and is a readable regular file (of at most
        `max_bytes`), with a ContentError naming the file; its status (of the file a link leads to) when
        it passes, so the caller need not ask again."""
        try:
            real, info = self.resolve(path)
        except OSError as exc:  # gone since it was listed, or a folder we may not search
            raise self._refuse(path, f"cannot be read ({exc.strerror}); check it and its folder") from None
        if not self.inside(real):
            target = os.readlink(path) if os.path.islink(path) else real
            raise self._refuse(path, f"leads outside the site (a symbolic link to {target}); copy the file into "
                                     "the site instead of linking to it")
        if info is None:
            raise self._refuse(path, f"is a broken symbolic link: {real} does not exist; fix or remove the link")
        if not stat.S_ISREG(info.st_mode):
            raise self._refuse(path, "is not a regular file (a FIFO, socket or device); remove it")
        if max_bytes is not None and info.st_size > max_bytes:
            raise self._refuse(path, f"is {_size(info.st_size)}, over the max_content_size limit of "
                                     f"{_size(max_bytes)}; split it or raise max_content_size in shelfpress.toml")
        if not os.access(real, os.R_OK):
            raise self._refuse(path, "cannot be read (permission denied); check its permissions")
        return info

    def _refuse(self, path: Path | str, message: str) -> ContentError:
        return ContentError(message, file=self.display(path))

    def files(self, folder: Path) -> list[tuple[str, Path]]:
        """(path relative to `folder`, file) for every visible file under `folder`, each checked; symbolic
        links to folders are not followed (as `Path.rglob`)."""
        found = []
        for path in sorted(folder.rglob("*")):
            rel = path.relative_to(folder)
            if not any(part.startswith(".") for part in rel.parts) and not path.is_dir():
                self.check(path)
                found.append((rel.as_posix(), path))
        return found


def _size(n: int) -> str:
    return f"{n / 1024 / 1024:.1f} MB" if n >= 1024 * 1024 else f"{n:,} bytes"
