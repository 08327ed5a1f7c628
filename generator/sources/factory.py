"""Open the product source a site's config asks for: the local catalog or the Shopello API.

The one place that knows both sources exist. With `kind = "catalog"` and no
`catalog` path, the embedded demo catalog is built into the cache dir, so a
new site builds offline with no API key.
"""

from __future__ import annotations

from pathlib import Path

from ..config import Config
from ..errors import ConfigError
from .base import ProductSource
from .cache import CacheMode
from .catalog import CatalogSource
from .demo import demo_catalog
from .records import WarningSink
from .shopello import ProgressHook, ShopelloSettings, ShopelloSource


def catalog_path(config: Config) -> Path:
    """Where this site's catalog lives: the configured file, else the demo catalog in the cache dir."""
    if config.source.catalog:
        return config.site_dir / config.source.catalog
    return config.site_dir / config.source.cache_dir / "demo-catalog.sqlite"


def open_source(config: Config, *, cache_mode: CacheMode = CacheMode.NORMAL,
                on_progress: ProgressHook | None = None, on_warning: WarningSink | None = None) -> ProductSource:
    """The configured source; `on_warning(message, kind)` hears about product data it drops."""
    source = config.source
    if source.kind == "catalog":
        path = catalog_path(config)
        if source.catalog:
            if not path.is_file():
                raise ConfigError(f"catalog file {path} does not exist; create it with `shelfpress catalog import` "
                                  "or remove source.catalog to use the demo catalog",
                                  file=config.config_file, key="source.catalog")
            return CatalogSource(path, on_warning=on_warning)
        path.parent.mkdir(parents=True, exist_ok=True)
        return demo_catalog(path, on_warning=on_warning)
    settings = ShopelloSettings(
        api_key=config.secret(source.api_key_env, "Shopello API key"),
        country=source.country,
        base_url=source.api_base or None,
        concurrency=source.concurrency,
        read_timeout=source.timeout,
        retries=source.retries,
        cache_path=config.site_dir / source.cache_dir / "shopello.sqlite",
        cache_ttl=source.cache_ttl,
        cache_mode=cache_mode,
    )
    return ShopelloSource(settings, on_progress=on_progress, on_warning=on_warning)
