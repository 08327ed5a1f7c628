"""`shelfpress check`: every build stage that needs neither product data nor the output folder.

    config (load_config) -> output dir, theme, product source settings (API key, catalog file)
    -> site graph -> widgets -> query plan of every page (listing, product shortcodes) -> link signing
    -> page and shortcode templates -> every template compiles, no misspelt page/site/config attribute

It uses the build's own functions for each stage, so what `build` rejects
before fetching, `check` rejects too. The problems of all pages are reported
together, one `file:line: key: message` line each. `strict` makes warnings
(a misspelt template attribute among them) fatal, as in `build --strict`.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from generator.engine.buildstate import BuildState
from generator.config.schema import Config
from generator.core.console import Reporter
from generator.core.errors import BuildError, ContentError, ShelfpressError
from generator.engine.output import check_output_dir
from generator.engine.ownership import check_owned
from generator.render.page import PageRenderer
from generator.products.fallback import page_fallbacks
from generator.core.portable_paths import unportable
from generator.products.query_plan import channel_for, page_queries
from generator.content.reviews import page_reviews
from generator.affiliate.signing import unsigned_warning
from generator.config.themes import check_theme
from generator.render.environment import make_environment
from generator.publish.search import add_search_page
from generator.content.site import load_site
from generator.sources.factory import check_source
from generator.render.templatecheck import check_templates
from generator.products.product_data import load_product_data
from generator.products.recommendations import RecommendationStage
from generator.products.widgets import widget_specs


class Problems:
    """Errors collected across independent checks, raised together at the end."""

    def __init__(self) -> None:
        self.errors: list[ShelfpressError] = []

    @contextmanager
    def collect(self) -> Iterator[None]:
        try:
            yield
        except ShelfpressError as exc:
            self.errors.append(exc)

    def raise_any(self) -> None:
        if len(self.errors) == 1:
            raise self.errors[0]
        if self.errors:
            raise BuildError("\n".join(error.format_message() for error in self.errors))


def check_site(config: Config, *, drafts: bool = False, strict: bool = False,
               reporter: Reporter | None = None) -> int:
    """Return the number of pages checked; raise one error listing every problem found."""
    reporter = reporter or Reporter()
    check_output_dir(config.output_path, config.site_dir)
    check_owned(config.output_path, built_before=BuildState.for_output(config.cache_path, config.output_path).shadows.built_before())
    check_theme(config)
    check_source(config)
    site = load_site(config, drafts=drafts)
    if config.search:
        add_search_page(site)
    problems = Problems()
    owners = {page.output_path: str(page.source or page.url) for page in site.pages}
    for rel, source in site.static_files:
        owners.setdefault(rel, str(source))  # a page wins over a static file of the same path, as in a build
    if found := unportable(owners):  # what the build's output writer would refuse
        problems.errors.append(ContentError(f"{found[1]}; rename the file or change its slug", file=found[0]))
    channels = {channel_for(page, site) for page in site.content_pages}
    with problems.collect():
        channels |= {spec.channel for spec in widget_specs(config, site.content_pages)}
    with problems.collect():
        RecommendationStage(site, reporter)  # the recommendations file and shortcodes
    with problems.collect():
        load_product_data(config)  # data/products/<id>.yaml
    renderer = PageRenderer(site, make_environment(config, strict=strict))
    for page in site.pages:
        if page.source is not None:
            with problems.collect():
                page_fallbacks(page, page_queries(page, config)[1])
                page_reviews(page, config.site_dir)
        with problems.collect():
            renderer.check(page)
    unsigned = next(filter(None, (unsigned_warning(config, channel) for channel in sorted(channels))), "")
    if unsigned:
        reporter.warn(unsigned)
    errors, typos = check_templates(renderer.env, config, {"page": site.by_url["/"], "site": site,
                                                          "config": config})
    problems.errors += errors
    for typo in typos:
        if strict:
            problems.errors.append(BuildError(str(typo)))
        else:
            reporter.warn(str(typo))
    problems.raise_any()
    reporter.flush_groups()
    if strict and reporter.warnings:
        raise BuildError(f"{len(reporter.warnings)} warnings and --strict is on (first: {reporter.warnings[0]})")
    return len(site.pages)
