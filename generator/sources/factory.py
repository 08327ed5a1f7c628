"""Open the product source a site's config asks for: the local catalog or the Shopello API.

The one place that knows both sources exist. With `kind = "catalog"` and no
`catalog` path, the embedded demo catalog is built into the cache dir, so a
new site builds offline with no API key.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import TYPE_CHECKING

from generator.core.asyncrun import run_sync
from generator.config.schema import Config
from generator.core.containment import SiteFiles
from generator.sources.base import ProductSource
from generator.sources.cache import CacheMode
from generator.sources.catalog import CatalogSource
from generator.sources.catalog_schema import not_a_catalog
from generator.sources.demo import demo_catalog
from generator.sources.records import WarningSink

if TYPE_CHECKING:  # the API client (httpx) loads only for a site that uses it: a catalog build starts sooner
    from generator.sources.shopello import ProgressHook, ShopelloSettings


def catalog_path(config: Config) -> Path:
    """Where this site's catalog lives: the configured file, else the demo catalog in the cache dir."""
    if config.source.catalog:
        return config.site_dir / config.source.catalog
    return config.cache_path / "demo-catalog.sqlite"


def _configured_catalog(config: Config) -> Path | None:
    """The catalog file `source.catalog` names (which must exist), or None for the demo catalog."""
    if not config.source.catalog:
        return None
    path = catalog_path(config)
    if not path.is_file():
        raise config.error("source.catalog", f"catalog file {path} does not exist; create it with `shelfpress "
                           "catalog import` or remove source.catalog to use the demo catalog")
    if not Path(config.source.catalog).is_absolute():
        SiteFiles(config.site_dir).check(path)  # a link out of the site: refused before the file is read
    problem = not_a_catalog(path)
    if problem:
        raise config.error("source.catalog", f"catalog file {path} {problem}; point source.catalog at the catalog "
                           "`shelfpress catalog import` made, or import the product files into a new one")
    return path


def _shopello_settings(config: Config, cache_mode: CacheMode) -> ShopelloSettings:
    from generator.sources.shopello import ShopelloSettings

    source = config.source
    return ShopelloSettings(
        api_key=config.secret(source.api_key_env, "Shopello API key", key="source.api_key_env"),
        country=source.country,
        base_url=source.api_base or None,
        concurrency=source.concurrency,
        read_timeout=source.timeout,
        deadline=source.request_deadline,
        max_body=source.max_response_size,
        retries=source.retries,
        cache_path=config.cache_path / "shopello.sqlite",
        cache_ttl=source.cache_ttl,
        cache_mode=cache_mode,
    )


def check_source(config: Config) -> None:
    """Raise what `open_source` would (a missing catalog file or API key), opening nothing: for `check`."""
    if config.source.kind == "catalog":
        _configured_catalog(config)
    else:
        _shopello_settings(config, CacheMode.NORMAL)


def open_source(config: Config, *, cache_mode: CacheMode = CacheMode.NORMAL,
                on_progress: ProgressHook | None = None, on_warning: WarningSink | None = None,
                cached: bool = True) -> ProductSource:
    """The configured source; `on_warning(message, kind)` hears about product data it drops. `cached=False`
    (`links check`) asks the API afresh and leaves the build's response cache and the price history alone.
    With `[prices] history`, it records every price it hands out and prices products by their history
    (`history_source.py`)."""
    source = _open(config, cache_mode, on_progress, on_warning, cached)
    if not (config.prices.history and cached):
        return source
    from generator.sources.history_source import HistorySource, build_time
    from generator.sources.price_history import PriceHistory

    try:
        history = PriceHistory(config.site_dir / config.prices.history_file)
    except BaseException:
        run_sync(source.aclose())
        raise
    return HistorySource(source, history, build_time())  # type: ignore[return-value]


def _open(config: Config, cache_mode: CacheMode, on_progress: ProgressHook | None,
          on_warning: WarningSink | None, cached: bool) -> ProductSource:
    if config.source.kind == "catalog":
        path = _configured_catalog(config)
        if path is not None:
            return CatalogSource(path, on_warning=on_warning)
        path = catalog_path(config)
        path.parent.mkdir(parents=True, exist_ok=True)
        return demo_catalog(path, on_warning=on_warning)
    from generator.sources.shopello import ShopelloSource

    settings = _shopello_settings(config, cache_mode)
    if not cached:
        settings = dataclasses.replace(settings, cache_path=None)
    return ShopelloSource(settings, on_progress=on_progress, on_warning=on_warning)
