"""A `links check` report as text (a terminal), JSON (scripts) or Markdown (a GitHub issue body).

Product names, shop names and URLs come from APIs and content: the Markdown escapes everything that
could format, link or mention (`@team`), so a report can go into an issue as it is. Must not: decide
what is broken (`link_health.py` does).
"""

from __future__ import annotations

import json
import re
from itertools import groupby

from generator.publish.link_findings import Finding, LinkReport

FORMATS = ("text", "json", "markdown")
_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+!|~>-])")


def render(report: LinkReport, fmt: str) -> str:
    if fmt == "json":
        return json.dumps(report.to_json(), indent=2, ensure_ascii=False)
    if fmt == "markdown":
        return markdown(report)
    return text(report)


def summary(report: LinkReport) -> str:
    broken = report.broken
    pages = len({f.page for f in broken})
    if not broken:
        return f"No broken links on {report.pages_checked} pages."
    return f"{len(broken)} broken on {pages} of {report.pages_checked} pages."


def text(report: LinkReport) -> str:
    lines = [f"{f.where + ': ' if f.where else ''}{'' if f.broken else 'note: '}{f.message}"
             for f in report.findings]
    lines += [f"note: {note}" for note in report.notes]
    return "\n".join([*lines, summary(report)])


def _escape(value: str) -> str:
    value = value.replace("&", "&amp;").replace("<", "&lt;").replace("@", "&#64;")
    return _MARKDOWN_SPECIAL.sub(r"\\\1", value)


def _page_key(finding: Finding) -> tuple[str, str]:
    return (finding.file, finding.page)


def markdown(report: LinkReport) -> str:
    out = ["## Link check", "", _escape(summary(report)), ""]
    for broken, title in ((True, "What broke"), (False, "Notes")):
        findings = sorted((f for f in report.findings if f.broken is broken), key=_page_key)
        if not findings:
            continue
        out += [f"### {title}", ""]
        for (file, page), group in groupby(findings, key=_page_key):
            out.append(f"- **{_escape(page or 'the site')}**" + (f" (`{file.replace('`', '')}`)" if file else ""))
            out += [f"  - {'line ' + str(f.line) + ': ' if f.line else ''}{_escape(f.message)}" for f in group]
        out.append("")
    if report.notes:
        out += ["### About this check", "", *(f"- {_escape(note)}" for note in report.notes), ""]
    return "\n".join(out)
