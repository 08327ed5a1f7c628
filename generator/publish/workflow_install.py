"""How the GitHub workflow of a new site installs shelfpress (`shelfpress new`).

The workflow runs on a fresh runner that reaches only the site's repository
and the public package index. So:

- a shelfpress installed from an index (pip wrote no `direct_url.json`) is
  pinned: `pip install "shelfpress==<this version>"`;
- any other (a checkout, an editable install, a local wheel or folder, a
  git URL) is not on the index: `new` writes a wheel of the running
  shelfpress into the site's `vendor/` folder (which the starter's
  .gitignore does not ignore, so `git add -A` commits it) and the workflow
  installs that file.

The wheel is made from what runs: the package's own files (without
`__pycache__`) and the metadata pip installed with it (dependencies, entry
points), zipped with fixed timestamps, so the same shelfpress always makes
the same bytes. This module only decides and writes that one file; the
starter's copying lives in commands/new.py.
"""

from __future__ import annotations

import base64
import hashlib
import importlib.metadata
import json
import os
import zipfile
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlsplit

from generator import __version__
from generator.core.errors import Abort

PACKAGE = Path(__file__).resolve().parents[1]  # the generator package
VENDOR = "vendor"
_NOT_SHIPPED = {"INSTALLER", "REQUESTED", "direct_url.json", "RECORD"}  # written by the installer, per install
_EPOCH = (1980, 1, 1, 0, 0, 0)  # the earliest time a zip can hold: no build time in the wheel


@dataclass(frozen=True)
class WorkflowInstall:
    """What the workflow's `pip install` names, and the line `new` prints about it."""

    requirement: str
    said: str


def plan_install(site: Path) -> WorkflowInstall:
    """Pin the running version when it came from an index; else write its wheel into `site`/vendor/."""
    dist = _running_distribution()
    if dist is None:
        return WorkflowInstall(f"shelfpress=={__version__}",
                               f"The workflow installs shelfpress=={__version__} from the package index. (This "
                               "shelfpress was not installed by pip, so no wheel of it could be made for the "
                               "site; install it with pip if that version is not on the index.)")
    if dist.read_text("direct_url.json") is None:
        return WorkflowInstall(f"shelfpress=={__version__}",
                               f"The workflow installs shelfpress=={__version__} from the package index.")
    wheel = write_wheel(dist, site / VENDOR)
    rel = f"{VENDOR}/{wheel.name}"
    return WorkflowInstall(f"./{rel}", f"This shelfpress is not from the package index ({_origin(dist)}): its "
                                       f"wheel is in {rel}, which the workflow installs; commit it with the site.")


def _running_distribution() -> importlib.metadata.Distribution | None:
    """The installed `shelfpress` whose package is the one running (pip's record of it: INSTALLER present),
    not a leftover `*.egg-info` of a checkout or another environment's copy."""
    for dist in importlib.metadata.distributions(name="shelfpress"):
        if dist.read_text("INSTALLER") is None:
            continue
        if Path(dist.locate_file("generator/__init__.py")).resolve() == PACKAGE / "__init__.py":
            return dist  # installed files: a wheel from an index or a file
        if _editable_source(dist) == PACKAGE.parent:
            return dist  # `pip install -e` of this checkout
    return None


def _direct_url(dist: importlib.metadata.Distribution) -> dict:
    text = dist.read_text("direct_url.json")
    return json.loads(text) if text else {}


def _editable_source(dist: importlib.metadata.Distribution) -> Path | None:
    url = _direct_url(dist)
    if not url.get("dir_info", {}).get("editable") or not str(url.get("url", "")).startswith("file:"):
        return None
    return Path(unquote(urlsplit(url["url"]).path)).resolve()


def _origin(dist: importlib.metadata.Distribution) -> str:
    url = _direct_url(dist)
    return "an editable install" if url.get("dir_info", {}).get("editable") else str(url.get("url", "a local file"))


def write_wheel(dist: importlib.metadata.Distribution, folder: Path) -> Path:
    """A wheel of the running shelfpress in `folder`: the package's files and `dist`'s metadata."""
    version = dist.version
    if version != __version__:
        raise Abort(f"shelfpress's installed metadata says {version} but its code is {__version__}: reinstall "
                    "it (pip install -e .) so `new` can put a wheel of it into the site")
    info = f"shelfpress-{version}.dist-info"
    files: list[tuple[str, bytes]] = []
    for folder_, dirs, names in os.walk(PACKAGE):
        dirs[:] = sorted(d for d in dirs if d != "__pycache__")
        rel = Path(folder_).relative_to(PACKAGE.parent).as_posix()
        files += [(f"{rel}/{name}", Path(folder_, name).read_bytes()) for name in sorted(names)
                  if not name.endswith((".pyc", ".pyo"))]
    for path in sorted(p for p in dist.files or () if p.parts[0].endswith(".dist-info")):
        if path.name not in _NOT_SHIPPED:
            files.append((f"{info}/{path.name}", Path(dist.locate_file(path)).read_bytes()))
    tag = next((line.split(":", 1)[1].strip() for line in (dist.read_text("WHEEL") or "").splitlines()
                if line.startswith("Tag:")), "py3-none-any")
    folder.mkdir(parents=True, exist_ok=True)
    wheel = folder / f"shelfpress-{version}-{tag}.whl"
    record = [f"{name},sha256={_hash(data)},{len(data)}" for name, data in files] + [f"{info}/RECORD,,"]
    temp = wheel.with_name(f".{wheel.name}.tmp")
    with zipfile.ZipFile(temp, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in [*files, (f"{info}/RECORD", ("\n".join(record) + "\n").encode())]:
            entry = zipfile.ZipInfo(name, _EPOCH)
            entry.external_attr = 0o644 << 16
            entry.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(entry, data)
    temp.replace(wheel)
    return wheel


def _hash(data: bytes) -> str:
    return base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
