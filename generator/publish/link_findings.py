"""What `links check` finds and remembers: findings, the report, the state kept between checks.

Records only, shared by the checks (`link_health.py`, `external_links.py`) and the report formats
(`link_report.py`), so none of them imports another for these.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from generator.config.schema import Config
from generator.core.atomic import atomic_write

# Finding kinds, causes before their effects (a gone product empties its shortcode).
KINDS = ("product-gone", "out-of-stock", "shop-deactivated", "empty-listing", "dead-link", "plain-link")
STATE_FILE = "links-check.json"
STATE_VERSION = 1


@dataclass(frozen=True)
class Finding:
    """One thing that broke (or, with `broken=False`, a note), where it comes from."""

    kind: str  # one of KINDS
    page: str  # the page's URL
    file: str  # the content file, relative to the site ("" for none)
    line: int | None
    message: str
    broken: bool = True

    @property
    def where(self) -> str:
        if not self.file:
            return self.page
        return f"{self.file}:{self.line}" if self.line else self.file


@dataclass
class LinkReport:
    findings: list[Finding] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # about the check itself (a part skipped)
    pages_checked: int = 0

    @property
    def broken(self) -> list[Finding]:
        return [f for f in self.findings if f.broken]

    def to_json(self) -> dict[str, Any]:
        return {"pages_checked": self.pages_checked, "broken": len(self.broken),
                "findings": [asdict(f) for f in self.findings], "notes": list(self.notes)}


class CheckState:
    """`<cache_dir>/links-check.json`: the status log entries seen by the last check, and the external
    link results (see external_links.py) that carry over between runs."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.first = True
        self.seen_log: set[str] = set()
        self.external: dict[str, dict[str, Any]] = {}
        self.broken: list[dict[str, Any]] = []  # the last report's breaks, with each page's channel
        try:
            saved = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return
        if isinstance(saved, dict) and saved.get("version") == STATE_VERSION:
            self.first = saved.get("seen_log") is None
            self.seen_log = {str(k) for k in saved.get("seen_log") or []}
            self.external = {str(k): v for k, v in dict(saved.get("external") or {}).items() if isinstance(v, dict)}
            self.broken = [b for b in saved.get("broken") or [] if isinstance(b, dict)]

    @classmethod
    def for_site(cls, config: Config) -> CheckState:
        return cls(config.cache_path / STATE_FILE)

    def save(self, *, log_checked: bool) -> None:
        saved = {"version": STATE_VERSION, "seen_log": sorted(self.seen_log) if log_checked or not self.first
                 else None, "external": dict(sorted(self.external.items())), "broken": self.broken}
        atomic_write(self.path, json.dumps(saved, indent=1) + "\n")
