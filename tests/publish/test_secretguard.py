"""The build refuses to write output that contains a configured secret, in any common encoding, naming the
output file and the config key, never the value; the previous site stays as it was."""

from __future__ import annotations

import json
from pathlib import Path
from urllib.parse import quote

import pytest

from generator.config.schema import Config
from generator.core.errors import BuildError
from generator.publish.secretguard import SecretGuard
from tests.support.sites import fails, run, tree, write_site

SECRET = 'sig"n&ing/secret+1 2'
ENV = {"SHOPELLO_API_KEY": "api-key-0123456789", "SHOPELLO_SIGNING_SECRET": SECRET,
       "SHOPELLO_PARTNER_PASSWORD": "partner-pass-xyz", "SHOPPER_API_TOKEN": "shopper-token-abc"}


@pytest.fixture
def secrets(monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in ENV.items():
        monkeypatch.setenv(name, value)


def test_secret_values_lists_every_env_option(secrets: None) -> None:
    assert Config().secret_values() == {
        "source.api_key_env ($SHOPELLO_API_KEY)": ENV["SHOPELLO_API_KEY"],
        "links.secret_env ($SHOPELLO_SIGNING_SECRET)": SECRET,
        "revenue.partner_password_env ($SHOPELLO_PARTNER_PASSWORD)": ENV["SHOPELLO_PARTNER_PASSWORD"],
        "revenue.shopper_token_env ($SHOPPER_API_TOKEN)": ENV["SHOPPER_API_TOKEN"],
    }


@pytest.mark.parametrize("form", [SECRET, quote(SECRET, safe=""), json.dumps(SECRET)[1:-1],
                                  "sig&#34;n&amp;ing/secret+1 2", "sig\\\"n\\u0026ing/secret+1 2"])
def test_guard_finds_the_secret_in_any_encoding(secrets: None, form: str) -> None:
    with pytest.raises(BuildError) as caught:
        SecretGuard(Config()).check("a/index.html", f"<p>{form}</p>".encode())
    message = str(caught.value)
    assert "a/index.html" in message and "links.secret_env ($SHOPELLO_SIGNING_SECRET)" in message
    assert form not in message and SECRET not in message


def test_short_and_unset_secrets_are_skipped(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SHOPELLO_API_KEY", "abc")
    monkeypatch.delenv("SHOPELLO_SIGNING_SECRET", raising=False)
    guard = SecretGuard(Config())
    guard.check("index.html", b"abc is everywhere")
    guard.check_all(["never-read"], lambda rel: pytest.fail("nothing to look for, so nothing is read"))


@pytest.mark.parametrize("where", ["content/leak.md", "static/leak.txt"])
def test_build_refuses_to_write_a_secret(tmp_path: Path, secrets: None, where: str) -> None:
    site = write_site(tmp_path / "site", {"content/index.md": "---\ntitle: Home\n---\nHi\n"})
    assert run("build", "-C", str(site)).exit_code == 0
    before = tree(site / "public")
    body = f"---\ntitle: Leak\n---\n[link](https://example.com/?k={quote(ENV['SHOPELLO_API_KEY'])})\n"
    write_site(site, {where: body if where.endswith(".md") else ENV["SHOPPER_API_TOKEN"]})
    key = "source.api_key_env" if where.endswith(".md") else "revenue.shopper_token_env"
    out = fails(site, "output file leak", f"would contain the value of the secret {key}")
    assert all(value not in out for value in ENV.values())
    assert tree(site / "public") == before
    assert not list(site.glob(".shelfpress-cache/shadow-*/.shelfpress-incomplete"))  # cleaned up
