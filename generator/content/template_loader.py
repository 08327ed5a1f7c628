"""The theme chain's templates as a Jinja loader that never leaves the site.

Content needs it too (a shortcode left open is an error only when its template shows `inner`), so it
lives below rendering: the render stage's environment and the content checks load templates alike.
"""

from __future__ import annotations

import os
from typing import Any

import jinja2

from generator.config.schema import Config
from generator.config.themes import theme_dirs
from generator.core.containment import SiteFiles


class SiteTemplateLoader(jinja2.FileSystemLoader):
    """The theme chain's loader, refusing a template whose real path leaves the site (a symbolic link
    to /etc/passwd must not become a page) and naming a dangling link instead of skipping it."""

    def __init__(self, config: Config) -> None:
        super().__init__([str(p) for p in theme_dirs(config, "templates")])
        self.files = SiteFiles(config.site_dir)

    def get_source(self, environment: jinja2.Environment, template: str) -> tuple[str, str, Any]:
        pieces = jinja2.loaders.split_template_path(template)
        found = next((path for folder in self.searchpath
                      if os.path.lexists(path := os.path.join(folder, *pieces))), None)
        if found is not None:
            self.files.check(found)
        return super().get_source(environment, template)
