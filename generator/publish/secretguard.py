"""Refuse to write a site that contains the value of a configured secret.

CI builds with the API key and the signing secret in the environment and publishes the output as it is
(the Pages workflow uploads `public/`; `deploy` is not involved). A template printing an environment
value, a debug dump or a content file pasted from a terminal would then publish a secret. So the build
itself checks every output file before the new site is swapped in, for every secret the config names
(each `*_env` option), as is and in the encodings a template or serializer would give it: URL-encoded,
JSON-escaped, HTML-escaped.

Errors name the output file and the config key, never the value. Values shorter than MIN_LENGTH are
skipped: they would match by chance, and a secret that short protects nothing anyway.
"""

from __future__ import annotations

import html
import json
from collections.abc import Callable, Iterable
from urllib.parse import quote, quote_plus

from jinja2.utils import htmlsafe_json_dumps
from markupsafe import escape

from generator.config.schema import Config
from generator.core.errors import BuildError

MIN_LENGTH = 8


def encodings(value: str) -> set[bytes]:
    """`value` as it would appear in output: raw, URL-encoded, in a JSON string, HTML-escaped."""
    forms = {
        value,
        quote(value, safe=""),
        quote(value),
        quote_plus(value),
        json.dumps(value)[1:-1],
        json.dumps(value, ensure_ascii=False)[1:-1],
        str(htmlsafe_json_dumps(value))[1:-1],
        str(escape(value)),
        html.escape(value),
    }
    return {form.encode("utf-8") for form in forms}


class SecretGuard:
    """The configured secrets' values in every encoding, checked against output files."""

    def __init__(self, config: Config) -> None:
        self.needles = [(needle, label) for label, value in config.secret_values().items()
                        if len(value) >= MIN_LENGTH for needle in sorted(encodings(value))]

    def check(self, rel_path: str, data: bytes) -> None:
        """Raise a BuildError naming `rel_path` and the secret's config key when `data` holds a secret."""
        for needle, label in self.needles:
            if needle in data:
                raise BuildError(f"output file {rel_path} would contain the value of the secret {label}; the "
                                 "previous output is untouched (find what prints it in the templates, content "
                                 "or static files)")

    def check_all(self, rel_paths: Iterable[str], read: Callable[[str], bytes]) -> None:
        """`check` every path, reading it with `read` (nothing is read when no secret is set)."""
        if self.needles:
            for rel in rel_paths:
                self.check(rel, read(rel))
