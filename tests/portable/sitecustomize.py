"""Run by every Python process of a portable test run (`SHELFPRESS_PORTABLE=1`; tests/conftest.py puts
this folder on PYTHONPATH, so the CLI processes tests start load it too): `import fcntl` fails, as on
Windows, so a top-level or forgotten use of it anywhere shelfpress runs fails the run."""

import os
import sys

if os.environ.get("SHELFPRESS_PORTABLE", "") not in ("", "0"):
    sys.modules["fcntl"] = None  # type: ignore[assignment]  # the import system's "cannot be imported"
