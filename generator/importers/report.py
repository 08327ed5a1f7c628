"""What an import did, for the terminal (one summary line, the dry-run lists) and for the report file
(`content/.wordpress-import/report.md`: every old URL -> new URL, unknown shortcodes, pages to check).

Collects; never decides or writes.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field


@dataclass
class ImportReport:
    posts: int = 0
    pages: int = 0
    drafts: int = 0
    listings: int = 0
    redirects: list[tuple[str, str]] = field(default_factory=list)  # old -> new
    unknown_shortcodes: Counter[str] = field(default_factory=Counter)
    unknown_where: dict[str, list[str]] = field(default_factory=dict)  # shortcode -> files
    to_check: list[str] = field(default_factory=list)  # "content/x.md: why"
    media_failures: dict[str, str] = field(default_factory=dict)
    skipped_items: dict[str, int] = field(default_factory=dict)
    refused: list[str] = field(default_factory=list)  # items left out, and why
    files: dict[str, str] = field(default_factory=dict)  # rel path -> added/changed/unchanged/skipped
    reasons: dict[str, str] = field(default_factory=dict)
    dry_run: bool = False

    def unknown(self, name: str, file: str) -> None:
        self.unknown_shortcodes[name] += 1
        where = self.unknown_where.setdefault(name, [])
        if file not in where:
            where.append(file)

    def count(self, status: str) -> int:
        return sum(1 for s in self.files.values() if s == status)

    def summary(self) -> str:
        verb = "Would import" if self.dry_run else "Imported"
        media = sum(1 for rel in self.files if rel.startswith("static/wp-content/"))
        return (f"{verb} {self.posts} posts and {self.pages} pages ({self.drafts} drafts, {self.listings} product "
                f"listings), {media} media files, {len(self.redirects)} redirects: {self.count('added')} added, "
                f"{self.count('changed')} changed, {self.count('unchanged')} unchanged, "
                f"{self.count('skipped')} skipped")

    def file_lines(self) -> list[str]:
        """'added    content/blog/x.md' lines for --dry-run (unchanged files are not listed)."""
        return [f"{status:<8} {rel}" + (f"  ({self.reasons[rel]})" if rel in self.reasons else "")
                for rel, status in sorted(self.files.items()) if status != "unchanged"]

    def markdown(self) -> str:
        lines = ["# WordPress import report", "", self.summary() + ".", ""]
        if self.to_check:
            lines += ["## Pages to check", ""] + [f"- {line}" for line in self.to_check] + [""]
        if self.unknown_shortcodes:
            lines += ["## Shortcodes kept as text (no shelfpress equivalent)", ""]
            lines += [f"- `[{name}]` ×{count}: {', '.join(self.unknown_where[name][:10])}"
                      for name, count in self.unknown_shortcodes.most_common()] + [""]
        if self.media_failures:
            lines += ["## Media left on the old site", ""]
            lines += [f"- {url}: {why}" for url, why in sorted(self.media_failures.items())] + [""]
        skipped = [f"- {rel}: {self.reasons.get(rel, '')}" for rel, s in sorted(self.files.items()) if s == "skipped"]
        if skipped:
            lines += ["## Files left alone", ""] + skipped + [""]
        if self.skipped_items or self.refused:
            lines += ["## Not imported", ""]
            lines += [f"- {kind}: {n}" for kind, n in sorted(self.skipped_items.items())]
            lines += [f"- {line}" for line in self.refused] + [""]
        lines += ["## Old URL → new URL", "", "| old | new |", "|---|---|"]
        lines += [f"| {old} | {new} |" for old, new in self.redirects]
        return "\n".join(lines) + "\n"
