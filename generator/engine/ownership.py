"""Which folders shelfpress may write a site into: its own, and no one else's.

A build or a folder publish replaces the whole output folder (`output.py`
swaps a new tree in), so pointed at a git checkout, a `docs/` folder or a
web root it would delete what was there. The output folder must therefore be:

    missing or empty            nothing to lose
    marked                      it holds `MARKER`, the file every commit leaves in
                                the output root (so a copied or moved site stays ours)
    built before                an earlier shelfpress built it: the build state or the
                                shadow tree recorded for it exists (sites from before
                                the marker; their next build adds it)

Anything else is an `OutputNotOwned` error naming the folder and the fix, and
the folder is not touched. A `.git` in the output root is refused even in an
owned folder: someone made a repository in it, which the next swap would lose;
so is any top-level entry the last build (when its state is known) did not leave.

The marker is the only file shelfpress adds to a site; it is in the output,
not beside it, so it travels with the folder (a CI cache, an rsync, a
`deploy --target` copy). It is a few fixed bytes: builds stay byte-identical.

This module only looks at a folder's top level; it never writes.
"""

from __future__ import annotations

import os
from collections.abc import Collection
from pathlib import Path

from generator.core.errors import BuildError

MARKER = ".shelfpress-output"
MARKER_TEXT = (b"This folder is a site built by shelfpress. Each build replaces everything in it;\n"
               b"keep your own files elsewhere.\n")
_SHOWN = 3


class OutputNotOwned(BuildError):
    """The output folder holds files shelfpress did not write."""


def check_owned(out_dir: Path, *, built_before: bool = False, recorded: Collection[str] = (),
                setting: str = "output_dir") -> None:
    """Raise OutputNotOwned unless shelfpress may replace `out_dir` (see the module docstring).

    `built_before`: the caller's build state or shadow tree records an earlier build of it.
    `recorded`: the files that build left, when known: an entry of the folder's top level that none of
    them starts with was put there since (a `.well-known/` for a certificate, a notes file), and the
    next swap would delete it. (Only the top level is compared: one listing, whatever the site's size.)
    `setting` names where the folder came from, for the fix ("output_dir", "-o/--output", "--target")."""
    try:
        entries = sorted(os.listdir(out_dir))
    except FileNotFoundError:
        return
    except NotADirectoryError:
        raise OutputNotOwned(f"output folder {out_dir} is a file, not a folder; choose another {setting}") from None
    except OSError as exc:
        raise OutputNotOwned(f"output folder {out_dir} cannot be read ({exc.strerror}); fix its permissions "
                             f"or choose another {setting}") from None
    if ".git" in entries:
        raise OutputNotOwned(f"output folder {out_dir} is a git repository (it holds .git) and would be replaced "
                             f"by the site; choose another {setting} (shelfpress deploy publishes to git)")
    if recorded:
        tops = {key.split("/", 1)[0] for key in recorded} | {MARKER}
        added = [name for name in entries if name not in tops]
        if added:
            raise OutputNotOwned(f"output folder {out_dir} holds files added since the last build ({_names(added)}), "
                                 "which the next build would delete; move them out of it (a file to publish "
                                 "belongs in the site's static/ folder), or delete them")
        return
    if not entries or MARKER in entries or built_before:
        return
    raise OutputNotOwned(f"output folder {out_dir} holds files shelfpress did not write ({_names(entries)}); a build "
                         f"replaces the whole folder, so choose another {setting} or empty that folder")


def _names(entries: list[str]) -> str:
    return ", ".join(entries[:_SHOWN]) + (f" and {len(entries) - _SHOWN} more" if len(entries) > _SHOWN else "")
