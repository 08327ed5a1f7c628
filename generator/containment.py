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

from .errors import ContentError

BUILTIN_THEMES = Path(__file__).parent / "themes"


class SiteFiles:
    """The readable part of the file system for one site: its folder and the built-in themes."""

    def __init__(self, site_dir: Path) -> None:
        self.site_dir = site_dir.resolve()
        self.roots = tuple(str(root) for root in (self.site_dir, BUILTIN_THEMES.resolve()))

    def inside(self, real: str) -> bool:
        return any(real == root or real.startswith(root + os.sep) for root in self.roots)

    def display(self, path: Path | str) -> str:
        """`path` as the user knows it: relative to the site when it is in the site's folder."""
        absolute = os.path.abspath(path)
        if absolute.startswith(str(self.site_dir) + os.sep):
            return os.path.relpath(absolute, self.site_dir)
        return absolute

    def check(self, path: Path | str, max_bytes: int | None = None) -> None:
        """Refuse `path` unless it resolves inside the site and is a readable regular file (of at most
        `max_bytes`), with a ContentError naming the file."""
        where = self.display(path)
        real = os.path.realpath(path)
        if not self.inside(real):
            target = os.readlink(path) if os.path.islink(path) else real
            raise ContentError(f"leads outside the site (a symbolic link to {target}); copy the file into the "
                               "site instead of linking to it", file=where)
        try:
            info = os.stat(real)
        except FileNotFoundError:
            raise ContentError(f"is a broken symbolic link: {real} does not exist; fix or remove the link",
                               file=where) from None
        if not stat.S_ISREG(info.st_mode):
            raise ContentError("is not a regular file (a FIFO, socket or device); remove it", file=where)
        if max_bytes is not None and info.st_size > max_bytes:
            raise ContentError(f"is {_size(info.st_size)}, over the max_content_size limit of {_size(max_bytes)}; "
                               "split it or raise max_content_size in shelfpress.toml", file=where)
        try:
            os.close(os.open(real, os.O_RDONLY))
        except OSError as exc:
            raise ContentError(f"cannot be read ({exc.strerror}); check its permissions", file=where) from None

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
