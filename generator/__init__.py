"""shelfpress: a static site generator for affiliate publishers.

The command line (`generator.cli`, installed as `shelfpress`) is the main
entry point. This module owns the small public API for theme and script
authors, and nothing else:

    __version__                    the installed shelfpress version
    load_config, Config            read and validate a site's shelfpress.toml
    build, BuildReport             build a site, as `shelfpress build` does
    ProductQuery, ProductPage,     one product query, its answer, one product
    Product
    ShelfpressError and the        the errors a script may catch (generator.core.errors
    errors under it                draws the whole tree)

    >>> import generator
    >>> report = generator.build(generator.load_config("my-site"))
    >>> print(report.summary())

Everything else is internal and may change between releases. The names are
imported on first use (PEP 562), so `import generator` -- which every
`shelfpress` start does, `--version` included -- loads no other module.
"""

from __future__ import annotations

import importlib

TYPE_CHECKING = False  # not `from typing import ...`: typing alone would add ~3 ms to every start
__version__ = "0.1.0"

# Public name -> the module that defines it.
_EXPORTS = {
    "load_config": "generator.config.schema",
    "Config": "generator.config.schema",
    "build": "generator.commands.build",
    "BuildReport": "generator.commands.build",
    "ProductQuery": "generator.sources.query",
    "ProductPage": "generator.sources.models",
    "Product": "generator.sources.models",
    "ShelfpressError": "generator.core.errors",
    "ConfigError": "generator.core.errors",
    "ContentError": "generator.core.errors",
    "QueryError": "generator.core.errors",
    "BuildError": "generator.core.errors",
    "SourceError": "generator.core.errors",
}

__all__ = ["__version__", *_EXPORTS]

if TYPE_CHECKING:  # type checkers and IDEs see plain imports
    from typing import Any

    from generator.commands.build import BuildReport, build
    from generator.config.schema import Config, load_config
    from generator.core.errors import BuildError, ConfigError, ContentError, QueryError, ShelfpressError, SourceError
    from generator.sources.models import Product, ProductPage
    from generator.sources.query import ProductQuery


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'generator' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value  # later lookups skip this function
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
