"""Hugo's rule for shortcodes with inner content: one whose template shows `inner` must be closed.

`{{< callout type="tip" >}}Careful{{< /callout >}}` renders its inner Markdown. Forgetting the closing
tag used to render an empty callout with the text after it, silently. The parser cannot tell a forgotten
closing tag from a shortcode that takes none (`{{< figure src="..." >}}`); only the shortcode's template
knows, by whether it uses `inner`. Such a shortcode left open is an error at its file:line; one that
means to have no inner content says so by self-closing: `{{< callout text="..." />}}`.

Checked when the site is loaded (build, check and serve alike), before anything renders. A template
that is missing or does not parse is left to the renderer, which reports it.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable

import jinja2
from jinja2 import meta

from generator.config.schema import Config
from generator.content.page import Page
from generator.core.errors import ContentError
from generator.content.shortcodes import template_name
from generator.content.template_loader import SiteTemplateLoader


def check_closed(pages: Iterable[Page], config: Config) -> None:
    """Raise a ContentError at the first shortcode left open whose template shows `inner`."""
    open_ones = [(page, code) for page in pages for code in page.shortcodes
                 if code.inner is None and not code.self_closing]
    if not open_ones:
        return
    shows_inner = _inner_readers(config)
    for page, code in open_ones:
        if shows_inner(code.name):
            raise ContentError(f"shortcode '{code.name}' is never closed: add {{{{< /{code.name} >}}}} after its "
                               f"content, or write {{{{< {code.name} ... />}}}} if it has none",
                               file=page.source, line=code.line, column=code.column)


def _inner_readers(config: Config) -> Callable[[str], bool]:
    """A cached test: does the theme chain's template of this shortcode use `inner`?"""
    env = jinja2.Environment(loader=SiteTemplateLoader(config), extensions=["jinja2.ext.do"])

    @functools.cache
    def shows_inner(name: str) -> bool:
        try:
            source, _, _ = env.loader.get_source(env, template_name(name))  # type: ignore[union-attr]
            return "inner" in meta.find_undeclared_variables(env.parse(source))
        except (jinja2.TemplateNotFound, jinja2.TemplateSyntaxError):
            return False

    return shows_inner
