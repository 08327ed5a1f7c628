"""ResponseCache: normalised keys, TTL and the three modes."""

from __future__ import annotations

from pathlib import Path

from generator.sources.cache import CacheMode, ResponseCache, request_key


def test_request_key_ignores_parameter_order() -> None:
    assert request_key("http://x/1/", "products", {"b": "2", "a": "1"}) == \
        request_key("http://x/1", "products", {"a": "1", "b": "2"}) == "http://x/1/products?a=1&b=2"


def test_modes_and_ttl(tmp_path: Path) -> None:
    path = tmp_path / "sub" / "cache.sqlite"
    ResponseCache(path, ttl=3600).store("k", {"status": True, "data": ["å"]})
    assert ResponseCache(path, ttl=3600).lookup("k").body == {"status": True, "data": ["å"]}  # type: ignore[union-attr]
    expired = ResponseCache(path, ttl=0)
    assert expired.lookup("k") is None and expired.entry("k") is not None and not expired.entry("k").fresh  # type: ignore[union-attr]
    assert ResponseCache(path, ttl=0, mode=CacheMode.OFFLINE).lookup("k") is not None
    assert ResponseCache(path, ttl=3600, mode=CacheMode.REFRESH).lookup("k") is None
    assert ResponseCache(path, ttl=3600).lookup("missing") is None
