"""Secrets are read only through generator/config/schema.py (Config.secret, secret_from_env)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import generator
from generator.config.schema import read_secret, secret_from_env
from generator.core.errors import ConfigError

# os.environ uses that are not secrets: git's environment, SOURCE_DATE_EPOCH, the portable-mode switch.
NOT_SECRETS = {"config/schema.py", "publish/gitpages.py", "products/stage.py", "core/platform.py",
               "sources/history_source.py"}


def test_no_module_but_config_reads_the_environment_for_secrets() -> None:
    package = Path(generator.__file__).parent
    readers = {path.relative_to(package).as_posix() for path in package.rglob("*.py")
               if any(isinstance(node, ast.Attribute) and node.attr in ("environ", "getenv")
                      for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))))}
    assert readers <= NOT_SECRETS


def test_secret_from_env_names_the_variable_never_a_value(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SP_TEST_SECRET", "value-1234")
    assert secret_from_env("SP_TEST_SECRET") == read_secret("SP_TEST_SECRET") == "value-1234"
    monkeypatch.delenv("SP_TEST_SECRET")
    with pytest.raises(ConfigError, match="SP_TEST_SECRET is not set; export the secret there .or use --x.$"):
        secret_from_env("SP_TEST_SECRET", " (or use --x)")
    assert read_secret("SP_TEST_SECRET") == ""
