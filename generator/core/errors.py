"""The shelfpress error hierarchy: every failure a user can cause or meet.

Each error renders as one line that names *where* (file, line, key,
endpoint) and *what to do*; the CLI prints it and exits non-zero without a
traceback. Errors never carry secrets: sources redact keys before raising.

    ShelfpressError (click.ClickException, exit 1)
    ├── ConfigError          shelfpress.toml problems (file, line, key)
    ├── ContentError         content/template problems (file, line, column)
    ├── QueryError           an invalid ProductQuery parameter
    ├── BuildError           the build as a whole failed (e.g. strict warnings)
    │   ├── OutputNotOwned   the output folder is not shelfpress's (ownership.py)
    │   └── ShrinkError      it would drop too many live products (shrinkguard.py)
    ├── SourceError          a product source failed (endpoint, query)
    │   ├── APIError         HTTP API failures: tree in generator/core/net
    │   └── OfflineMissError a response missing from the cache in offline mode
    ├── DeployError          publishing failed
    ├── ServeError           the dev server cannot start (e.g. port in use)
    └── Abort                the user asked for something we refuse to do
"""

from __future__ import annotations

from collections.abc import Iterable
from difflib import get_close_matches
from pathlib import Path
from typing import IO, Any

import click


class ShelfpressError(click.ClickException):
    """Base class: a one-line, user-facing error with exit code 1."""

    exit_code = 1

    def show(self, file: IO[Any] | None = None) -> None:
        click.echo(click.style("Error: ", fg="red", bold=True) + self.format_message(), err=True, file=file)


def _where(file: str | Path | None, line: int | None = None, column: int | None = None) -> str:
    """Render a `file:line:column` prefix, skipping the parts that are unknown."""
    if file is None:
        return ""
    out = str(file)
    if line is not None:
        out += f":{line}"
        if column is not None:
            out += f":{column}"
    return out + ": "


def did_you_mean(word: object, choices: Iterable[str], cutoff: float = 0.6) -> str:
    """"; did you mean 'title'?" for the closest of `choices`, or "" when none is close: every error about
    an unknown name or value ends with this, so a typo is one edit away from fixed."""
    by_folded = {choice.lower(): choice for choice in choices}  # "EN" is one edit from "en", not two
    hint = get_close_matches(str(word).lower(), list(by_folded), n=1, cutoff=cutoff)
    return f"; did you mean {by_folded[hint[0]]!r}?" if hint else ""


class ConfigError(ShelfpressError):
    """A problem in shelfpress.toml (or the environment it references)."""

    def __init__(self, message: str, *, file: str | Path | None = None, line: int | None = None,
                 key: str | None = None) -> None:
        self.file, self.line, self.key = file, line, key
        prefix = _where(file, line) + (f"{key}: " if key else "")
        super().__init__(prefix + message)


class ContentError(ShelfpressError):
    """A problem in a content file or template, located by file:line:column."""

    def __init__(self, message: str, *, file: str | Path | None = None, line: int | None = None,
                 column: int | None = None) -> None:
        self.file, self.line, self.column = file, line, column
        self.bare_message = message
        super().__init__(_where(file, line, column) + message)


class QueryError(ShelfpressError):
    """An invalid product query parameter, rejected before any request is made."""

    def __init__(self, message: str, *, parameter: str | None = None) -> None:
        self.parameter, self.bare_message = parameter, message
        super().__init__((f"{parameter}: " if parameter else "") + message)


class BuildError(ShelfpressError):
    """The build failed as a whole; the previous output is left untouched."""


class SourceError(ShelfpressError):
    """A product source could not answer. Messages never include secrets."""

    def __init__(self, message: str, *, endpoint: str | None = None, query: str | None = None) -> None:
        self.endpoint, self.query = endpoint, query
        parts = [message]
        if endpoint:
            parts.append(f"endpoint {endpoint}")
        if query:
            parts.append(f"query {query}")
        super().__init__(" | ".join(parts) if len(parts) > 1 else message)


class DeployError(ShelfpressError):
    """Publishing the site failed or was refused."""


class ServeError(ShelfpressError):
    """`shelfpress serve` could not start (the port is taken, the host unknown)."""


class Abort(ShelfpressError):
    """The user asked for something shelfpress refuses to do without confirmation."""
