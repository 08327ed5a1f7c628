"""generator/affiliate/signing.py: byte-compatibility with the PHP library, verification, the build's signer, the CLI."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from click.testing import CliRunner

from generator.commands.links import links_group, verify_command
from generator.config.schema import LinksConfig, load_config
from generator.core.console import Reporter
from generator.affiliate.signing import DEFAULT_SECRET_ENV, make_signer, php_json_encode, sign_url, verify_url
from tests.support.sites import BASIC_CONFIG, write_site

SECRET = "123456789"


def test_public_vector_of_the_reference_library():
    assert (sign_url("https://example.com/", SECRET, [1111, 2222], param="clickdata")
            == "https://example.com/?clickdata=1077e65030.WzExMTEsMjIyMl0")


def test_default_parameter_is_partnerdata():
    assert "?partnerdata=1077e65030.WzExMTEsMjIyMl0" in sign_url("https://example.com/", SECRET, [1111, 2222])


@pytest.mark.parametrize("value, expected", [
    ({"channel": 123}, '{"channel":123}'),
    ({"url": "https://a.se/b"}, '{"url":"https:\\/\\/a.se\\/b"}'),
    ("Kläder €", '"Kl\\u00e4der \\u20ac"'),
    ("😀", '"\\ud83d\\ude00"'),
    ('q"\\\n\t\x01\x7f', '"q\\"\\\\\\n\\t\\u0001\x7f"'),
    ([], "[]"),
    ({}, "[]"),
    ({"0": "a", "1": "b"}, '["a","b"]'),
    ({1: "a"}, '{"1":"a"}'),
    ({"b": None, "a": [True, False]}, '{"b":null,"a":[true,false]}'),
    (10.0, "10"),
    (0.1, "0.1"),
    (-1.5, "-1.5"),
    (0.0001, "0.0001"),
    (0.00001, "1.0e-5"),
    (1e16, "10000000000000000"),
    (1e17, "1.0e+17"),
    (1.25e300, "1.25e+300"),
    (0.1 + 0.2, "0.30000000000000004"),
    (-0.0, "-0"),
])
def test_php_json_encode_defaults(value, expected):
    assert php_json_encode(value) == expected


def test_php_json_encode_rejects_what_php_cannot_encode():
    with pytest.raises(ValueError):
        php_json_encode(float("nan"))
    with pytest.raises(ValueError):
        php_json_encode("\ud800")
    with pytest.raises(TypeError):
        php_json_encode(object())


def test_round_trip_with_non_ascii_channel():
    data = {"channel": "Skor & väskor/Å 😀"}
    url = sign_url("https://shop.example/p/1", "s3cret", data)
    assert "\\" not in url and " " not in url
    result = verify_url(url, "s3cret")
    assert result.valid and result.data == data and result.reason == ""


def test_url_with_existing_query_gets_ampersand():
    url = sign_url("https://shop.example/p?id=5&x=a%20b", "k", {"channel": 1})
    assert url.startswith("https://shop.example/p?id=5&x=a%20b&partnerdata=")
    assert verify_url(url, "k").data == {"channel": 1}


def test_url_without_query_gets_question_mark():
    url = sign_url("https://shop.example/p", "k", {"channel": 1})
    assert url.startswith("https://shop.example/p?partnerdata=")


def test_existing_partnerdata_parameter_is_replaced():
    first = sign_url("https://shop.example/p?id=5", "k", {"channel": "old"})
    second = sign_url(first, "k", {"channel": "new"})
    assert second.count("partnerdata=") == 1
    assert second.startswith("https://shop.example/p?id=5&partnerdata=")
    assert verify_url(second, "k").data == {"channel": "new"}


def test_fragment_stays_last():
    url = sign_url("https://shop.example/p?id=5#reviews", "k", {"channel": 1})
    assert url.endswith("#reviews") and "&partnerdata=" in url
    assert verify_url(url, "k").valid


def test_tampered_token_is_rejected():
    url = sign_url("https://shop.example/p", "k", {"channel": 1})
    forged_token = sign_url("https://shop.example/p", "k", {"channel": 2}).rsplit(".", 1)[1]
    forged = url.rsplit(".", 1)[0] + "." + forged_token
    result = verify_url(forged, "k")
    assert not result.valid and result.data is None
    assert result.unverified_data == {"channel": 2}
    assert "hash" in result.reason


def test_tampered_hash_and_wrong_secret_are_rejected():
    url = sign_url("https://shop.example/p", "k", {"channel": 1})
    value = url.split("partnerdata=")[1]
    bad_hash = ("0" if value[0] != "0" else "1") + value[1:]
    assert not verify_url(url.replace(value, bad_hash), "k").valid
    assert not verify_url(url, "other secret").valid


@pytest.mark.parametrize("url, reason", [
    ("https://shop.example/p", "no partnerdata"),
    ("https://shop.example/p?partnerdata=nodot", "hash.token"),
])
def test_malformed_links(url, reason):
    result = verify_url(url, "k")
    assert not result.valid and reason in result.reason


def test_undecodable_token_with_matching_hash_is_invalid():
    import hashlib
    token = "!!!"
    digest = hashlib.sha256(("k" + token).encode()).hexdigest()[-10:]
    result = verify_url(f"https://s/?partnerdata={digest}.{token}", "k")
    assert not result.valid and "base64" in result.reason


def test_cli_verify_ok(monkeypatch):
    monkeypatch.setenv("SHOPELLO_SIGNING_SECRET", "topsecret-value")
    url = sign_url("https://shop.example/p", "topsecret-value", {"channel": "Kläder"})
    result = CliRunner().invoke(links_group, ["verify", url])
    assert result.exit_code == 0, result.output
    assert '{"channel": "Kläder"}' in result.output and "OK" in result.output
    assert "topsecret-value" not in result.output


def test_cli_verify_invalid_exits_1(monkeypatch):
    monkeypatch.setenv("MY_SECRET", "topsecret-value")
    url = sign_url("https://shop.example/p", "another", {"channel": 7})
    result = CliRunner().invoke(links_group, ["verify", url, "--secret-env", "MY_SECRET"])
    assert result.exit_code == 1
    assert "INVALID" in result.output and "unverified" in result.output
    assert "topsecret-value" not in result.output


def test_cli_missing_secret_env_is_one_line_error(monkeypatch):
    monkeypatch.delenv("SHOPELLO_SIGNING_SECRET", raising=False)
    result = CliRunner().invoke(links_group, ["verify", "https://s/?partnerdata=a.b"])
    assert result.exit_code == 1
    assert "SHOPELLO_SIGNING_SECRET is not set" in result.output


def test_cli_default_secret_env_is_the_config_schema_default():
    """One source of truth: `links verify` and `[links] secret_env` default to the same variable."""
    option = next(param for param in verify_command.params if param.name == "secret_env")
    assert option.default == DEFAULT_SECRET_ENV == LinksConfig().secret_env


def _signer(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, secret: str):
    monkeypatch.setenv("SP_TEST_SIGNING", secret)
    config = load_config(write_site(tmp_path, {}, BASIC_CONFIG + '[links]\nsecret_env = "SP_TEST_SIGNING"\n'))
    stream = io.StringIO()
    return make_signer(config, Reporter(stream=stream)), stream


def test_build_signer_signs_with_the_channel(tmp_path, monkeypatch):
    sign, log = _signer(tmp_path, monkeypatch, "build-secret-value")
    assert verify_url(sign("https://shop.example/p", "42"), "build-secret-value").data == {"channel": "42"}
    assert sign("https://shop.example/p", "") == "https://shop.example/p"  # no channel: nothing to sign
    assert log.getvalue() == ""


def test_build_signer_without_secret_warns_once_and_leaves_links_plain(tmp_path, monkeypatch):
    sign, log = _signer(tmp_path, monkeypatch, "")
    assert [sign(f"https://shop.example/{n}", "42") for n in range(3)] == [
        f"https://shop.example/{n}" for n in range(3)]
    assert log.getvalue().count("links are not signed") == 1
    assert "SP_TEST_SIGNING" in log.getvalue()
