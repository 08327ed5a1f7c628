"""The public API in generator/__init__.py: exactly the pinned names, each importable, none loaded eagerly."""

from __future__ import annotations

import importlib
import subprocess
import sys

import pytest

import generator

PUBLIC = [
    "__version__",
    "load_config",
    "Config",
    "build",
    "BuildReport",
    "ProductQuery",
    "ProductPage",
    "Product",
    "ShelfpressError",
    "ConfigError",
    "ContentError",
    "QueryError",
    "BuildError",
    "SourceError",
]


def test_all_is_pinned() -> None:
    assert generator.__all__ == PUBLIC


@pytest.mark.parametrize("name", PUBLIC)
def test_each_name_is_importable(name: str) -> None:
    namespace: dict[str, object] = {}
    exec(f"from generator import {name}", namespace)  # the spelling a script uses
    value = namespace[name]
    assert value is getattr(generator, name)
    if name != "__version__":
        defining = importlib.import_module(value.__module__)
        assert getattr(defining, name) is value  # the real object, not a copy or wrapper


def test_errors_share_one_base() -> None:
    for name in ("ConfigError", "ContentError", "QueryError", "BuildError", "SourceError"):
        assert issubclass(getattr(generator, name), generator.ShelfpressError)


def test_unknown_name_is_an_attribute_error() -> None:
    with pytest.raises(AttributeError, match="no attribute 'Site'"):
        generator.Site  # noqa: B018
    with pytest.raises(ImportError):
        exec("from generator import Site", {})


def test_dir_lists_the_public_names() -> None:
    assert set(PUBLIC) <= set(dir(generator))


def test_importing_the_package_loads_nothing_else() -> None:
    """`shelfpress --version` imports `generator`: the public names load on first use, not then."""
    code = ("import sys, generator; "
            "print(sorted(m for m in sys.modules if m.startswith('generator.')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"
