"""The widget stage: fetch every widget's products and add its pages and files.

    WidgetStage(site, sign, reporter)   validates every widget (before any request)
    stage.queries()                     what the widgets show: part of the site's one
                                        fetch round (the product stage's)
    stage.add_pages(results)            /widgets/ (gallery, with each preview's size numbers) and
                                        /widgets/<name>/ (iframe)
    stage.write(writer, env)            /widgets/<name>.json and /widgets/<name>.js

The script is the theme's `js/widget.js` (a site may override it in
static/), copied once per widget so each embed is one self-describing URL:
it loads the JSON next to itself. This module does not render templates.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

import jinja2

from generator.core.console import Reporter
from generator.content.page import Page
from generator.core.errors import BuildError
from generator.config.i18n import site_translations
from generator.products.views import ProductView, grouped_page_url
from generator.affiliate.signing import Signer
from generator.content.site import Site
from generator.sources.models import ProductPage
from generator.sources.query import ProductQuery
from generator.products.widgets.payload import preview_numbers, widget_payload
from generator.products.widgets.spec import WidgetSpec, widget_specs

if TYPE_CHECKING:
    from generator.engine.output import OutputWriter

SCRIPT = "js/widget.js"
HIDDEN = {"sitemap": False}


class WidgetStage:
    def __init__(self, site: Site, sign: Signer, reporter: Reporter) -> None:
        self.site, self.sign, self.reporter = site, sign, reporter
        self.specs = widget_specs(site.config, site.content_pages)
        self.results: Mapping[ProductQuery, ProductPage] = {}

    def needed_by(self) -> dict[ProductQuery, str]:
        """Every widget query with the widget that needs it (named in errors about the query)."""
        owners = {spec.pool_query: f"widget {spec.name!r} (its context pool)" for spec in self.specs if spec.context}
        owners.update((spec.query, f"widget {spec.name!r}") for spec in self.specs)
        return owners

    def add_pages(self, results: Mapping[ProductQuery, ProductPage]) -> None:
        """Keep the widgets' products (from the site's fetch round) and add the widget pages."""
        if not self.specs:
            return
        self.results = results
        for spec in self.specs:
            if not self.results[spec.query].products:
                self.reporter.warn(f"widget {spec.name!r} found no products for {spec.query}", kind="empty widget")
            self.site.add(Page(url=f"/widgets/{spec.name}/", kind="widget", title=spec.title or spec.name,
                               template="widget.html", params=HIDDEN, data={"widget": spec}))
        previews = {spec.name: preview_numbers(spec, self._views(spec.query, spec)) for spec in self.specs}
        self.site.add(Page(url="/widgets/", kind="widgets", title="Widgets", template="widgets.html",
                           params=HIDDEN, data={"widgets": self.specs, "previews": previews}))

    def _views(self, query: ProductQuery, spec: WidgetSpec) -> list[ProductView]:
        grouping = self.site.config.offers.group_by  # a card links to its grouped product's page, not a redirect
        views = [ProductView(product, spec.channel, self.sign, grouped_page_url(product, grouping))
                 for product in self.results[query].products]
        return [view for view in views if view.click_url]  # a widget card is a link, or nothing

    def write(self, writer: OutputWriter, env: jinja2.Environment) -> None:
        if not self.specs:
            return
        script = dict(self.site.static_files).get(SCRIPT)
        if script is None:
            raise BuildError(f"the theme has no static/{SCRIPT}, which widgets need; restore it or remove "
                             "[widgets] from shelfpress.toml")
        button = site_translations(self.site.config).gettext("To the store")
        for spec in self.specs:
            pool = self._views(spec.pool_query, spec) if spec.context else []
            data = widget_payload(spec, self._views(spec.query, spec), pool, env.filters["price"], button)
            writer.write(f"widgets/{spec.name}.json", data, f"widget {spec.name}")
            writer.write(f"widgets/{spec.name}.js", env.theme_assets.output(SCRIPT, script), f"widget {spec.name}")
