"""The Jinja environment: theme chain, filters, and turning errors into file:line.

Template lookup, first match wins:
    <site>/templates/  ->  <site>/themes/<theme>/templates/  ->
    built-in themes/<theme>/templates/  ->  built-in themes/default/templates/

UI strings come from the gettext catalogs (i18n.py) through `jinja2.ext.i18n`: `_()`, `ngettext()`,
`{% trans %}`, plus the older `t()`.

Autoescape is always on: product data from APIs and feeds is untrusted and
reaches templates only as plain values. Filters that build URLs pass them
through `safety.safe_url`, which allows only http(s) and site-relative URLs.

This module does not decide which pages exist or where they are written.
"""

from __future__ import annotations

import functools
import traceback
from pathlib import Path
from typing import Any

import jinja2

from generator.render.cards import ProductCards
from generator.config.schema import Config
from generator.content.template_loader import SiteTemplateLoader
from generator.core.errors import ContentError
from generator.render.formatting import Formatter
from generator.config.i18n import legacy_t, site_translations, template_callables
from generator.content.navigation import category_menu
from generator.core.safety import safe_url
from generator.render.runtime import environment_class
from generator.content.reviews import review_ld
from generator.render.structured_data import breadcrumb_ld, item_list_ld, product_ld
from generator.render.undefined import undefined_class
from generator.render.stylesheets import ThemeAssets

TEMPLATE_SUFFIXES = (".html", ".xml", ".txt", ".js", ".json")


class UrlBuilder:
    """Site-relative paths to links that honour the base_url path prefix."""

    def __init__(self, config: Config) -> None:
        self.base_path = config.base_path
        self.origin = config.base_url[: len(config.base_url) - len(self.base_path)]
        self._root = self.origin + self.base_path

    def url(self, path: str) -> str:
        """'/a/' -> '/repo/a/'; absolute http(s) URLs pass through (if safe)."""
        if not path:
            return self.base_path
        if "://" in path or path.startswith(("//", "#", "mailto:")):
            return safe_url(path)
        return self.base_path + path.lstrip("/")

    def absolute(self, path: str) -> str:
        if path[:1] == "/" and path[1:2] != "/" and "://" not in path:  # a page's own path: every sitemap entry
            return self._root + path[1:]
        link = self.url(path)
        return link if "://" in link or not link else self.origin + link


def make_environment(config: Config, formatter: Formatter | None = None, *,
                     strict: bool = False, prices_as_of: str = "") -> jinja2.Environment:
    """The site's Jinja environment; `strict` makes a misspelt attribute (`page.titel`) an error, not a warning.
    `prices_as_of`: the note every price block shows (`prices_as_of.py`; "" = none), the global of that name.

    Compiled templates are kept in the site's cache dir (Jinja's bytecode cache, keyed by each template's
    source): a rebuild, and every dev-server rebuild, loads them instead of compiling the theme again.
    The options below are the same for every environment, so compiled code never depends on them."""
    env = environment_class()[0](
        loader=SiteTemplateLoader(config),
        cache_size=-1,  # a plain dict: a site has a bounded set of templates, and an LRU's lock costs per include
        bytecode_cache=_bytecode_cache(config),
        undefined=undefined_class(strict=strict, show=functools.partial(display_path, config=config)),
        autoescape=True,
        auto_reload=False,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        extensions=["jinja2.ext.do", "jinja2.ext.i18n"],
    )
    env.policies["ext.i18n.trimmed"] = True  # {% trans %} text is one line, whatever its layout
    urls = UrlBuilder(config)
    fmt = formatter or Formatter(config.effective_locale)
    env.filters.update(
        url=urls.url,
        absurl=urls.absolute,
        safe_url=safe_url,
        price=fmt.price,
        number=fmt.number,
        percent=fmt.percent,
        date=fmt.date,
    )
    from generator.products.listing_json import register as register_listing_json

    register_listing_json(env)  # listing-products.json uses it; `check` compiles every template
    ui = site_translations(config)
    env.install_gettext_translations(ui, newstyle=True)  # type: ignore[attr-defined]
    env.globals.update(template_callables(ui))  # the same behaviour, without Jinja's wrappers
    env.globals.update(t=legacy_t(config.language, ui), url_for=urls.url, category_menu=category_menu,
                       prices_as_of=prices_as_of,
                       product_ld=lambda p: product_ld(p, urls.absolute),
                       breadcrumb_ld=lambda crumbs: breadcrumb_ld(crumbs, urls.absolute),
                       item_list_ld=lambda products, first=1: item_list_ld(products, first, urls.absolute),
                       review_ld=lambda review, page: review_ld(review, page.title, config.title,
                                                                urls.absolute(page.url)))
    cards = ProductCards(lambda name, context, owner: render_template(env, config, name, context, owner),
                         {"config": config})
    env.globals.update(product_card=cards, product_cards=cards.many)
    env.theme_assets = ThemeAssets(config)  # type: ignore[attr-defined]  # a page's critical CSS (render_template)
    return env


def _bytecode_cache(config: Config) -> jinja2.BytecodeCache | None:
    folder = config.cache_path / "templates"
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError:
        return None  # a read-only site still builds, compiling as it goes
    return jinja2.FileSystemBytecodeCache(str(folder))


def _template_frame(exc: BaseException) -> tuple[str | None, int | None]:
    """The innermost template file and line in an exception's traceback."""
    found: tuple[str | None, int | None] = (None, None)
    for frame in traceback.extract_tb(exc.__traceback__):
        if frame.filename.endswith(TEMPLATE_SUFFIXES):
            found = (frame.filename, frame.lineno)
    return found


def display_path(path: str | None, config: Config) -> str | None:
    """A template's path as messages show it: relative to the site when inside it."""
    if path is None:
        return None
    p = Path(path)
    try:
        return str(p.resolve().relative_to(config.site_dir.resolve()))
    except ValueError:
        return str(p)


def render_template(env: jinja2.Environment, config: Config, name: str, context: dict[str, Any],
                    owner: str) -> str:
    """Render `name`; every template failure becomes a ContentError with file:line."""
    try:
        template = env.get_template(name)
        html = template.render(context)
        assets = getattr(env, "theme_assets", None)
        return assets.inline_critical(html) if assets is not None and name.endswith(".html") else html
    except jinja2.TemplateSyntaxError as exc:
        raise ContentError(f"template syntax error: {exc.message}", file=display_path(exc.filename, config),
                           line=exc.lineno) from None
    except jinja2.TemplateNotFound as exc:
        file, line = _template_frame(exc)  # an {% include %} or {% extends %}: the template that names it
        raise ContentError(f"template {exc.name!r} not found in templates/ or the theme; create it or fix the "
                           "name", file=display_path(file, config) or owner, line=line) from None
    except ContentError:
        raise
    except Exception as exc:  # noqa: BLE001 - any template runtime error becomes one clear line
        file, line = _template_frame(exc)
        reason = str(exc) or type(exc).__name__
        raise ContentError(f"error rendering {owner}: {reason}", file=display_path(file, config), line=line) from None


def template_exists(env: jinja2.Environment, name: str) -> bool:
    """Whether `name` is in the theme chain; one with a syntax error exists (render_template reports it)."""
    try:
        env.get_template(name)
    except jinja2.TemplateNotFound:
        return False
    except jinja2.TemplateSyntaxError:
        return True
    return True


def first_existing(env: jinja2.Environment, names: list[str]) -> str:
    for name in names:
        if template_exists(env, name):
            return name
    return names[-1]

