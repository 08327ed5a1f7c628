"""Tests for generator/core/safety.py: only http(s) and site-relative URLs pass, however they are written."""

from __future__ import annotations

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from generator.core.safety import _checked_url, plain_text, plain_text_head, safe_url, url_host

HOSTILE = ["javascript:alert(1)", " JaVaScRiPt:alert(1)", "java\tscript:alert(1)", "&#106;avascript:alert(1)",
           "data:text/html,<script>", "vbscript:x", "//evil.example/x", "http://", "http:///path", "https:",
           "\x00javascript:x", "http://[::1", "mailto:a@b"]
SAFE = ["https://cdn.example/a.jpg", "http://shop.example:8080/p?id=1&x=2#top", "/local/page/", "?q=1", "#anchor",
        "HTTPS://Shop.Example/A", "https://shop.example/a&amp;b", "https://xn--bcher-kva.example/"]


@pytest.mark.parametrize("url", HOSTILE)
def test_hostile_urls_are_dropped(url: str) -> None:
    assert safe_url(url) == ""


@pytest.mark.parametrize("url", SAFE)
def test_http_and_site_relative_urls_pass_as_they_are(url: str) -> None:
    assert safe_url(url) == url


url_like = st.builds(
    lambda scheme, host, port, rest: f"{scheme}{host}{port}{rest}",
    st.sampled_from(["http://", "https://", "HTTP://", "javascript:", "java&#115;cript:", "//", "/", "", " http://",
                     "ftp://", "data:"]),
    st.text(alphabet="abcxyz019.-_[]:@&;#%", max_size=12),
    st.sampled_from(["", ":80", ":", ":x"]),
    st.text(alphabet=st.characters(codec="utf-8"), max_size=20),
)


@settings(max_examples=1500, deadline=None)
@given(st.one_of(url_like, st.text(max_size=30)))
def test_the_quick_check_for_plain_urls_agrees_with_the_full_check(url: str) -> None:
    """Plain http(s) URLs pass a quick pattern (they are most product and image URLs); for any string the
    answer is the full check's."""
    assert safe_url(url) == _checked_url(url.strip())


# Descriptions as feeds send them: words, every kind of space, now and then an entity or a tag.
_DESCRIPTION_PARTS = st.sampled_from(["lampa", "Ström", "x", " ", "  ", "\n", "\t", "\u00a0", "\u2003", "&amp;",
                                      "&nbsp;", "<br>", "<b>", "</b>", "<", "&", "ö" * 7, " \n" * 20])


@settings(max_examples=400, deadline=None)
@example(parts=["a", " " * 50, "b"], length=10)  # mostly space at the start: the head alone is too short
@given(parts=st.lists(_DESCRIPTION_PARTS, max_size=120), length=st.integers(0, 40))
def test_the_head_of_plain_text_is_read_from_the_start_alone_when_that_gives_the_same(parts: list[str],
                                                                                     length: int) -> None:
    """A product page's meta description: the first characters of the plain text, for any description."""
    text = "".join(parts)
    assert plain_text_head(text, length) == plain_text(text)[:length]


@settings(max_examples=400, deadline=None)
@example(parts=["Lampa", " ", "Ström"])
@given(parts=st.lists(_DESCRIPTION_PARTS, max_size=30))
def test_plain_text_is_the_words_joined_by_single_spaces_and_text_already_plain_is_not_copied(parts: list[str]) -> None:
    """Names, brands and stores are plain already: a build keeps the product's own string (a million
    products), not an equal copy; any other text still becomes its words joined by single spaces."""
    text = "".join(parts)
    plain = plain_text(text)
    if "&" not in text and "<" not in text:
        assert plain == " ".join(text.split())
        assert (plain is text) == (plain == text)


@pytest.mark.parametrize(("text", "host"), [
    ("https://www.Rum21.se/lampor?x=1", "rum21.se"), ("www.rum21.se", "rum21.se"), ("rum21.se:8080/x", "rum21.se"),
    ("http://shop.example.", "shop.example"), ("  https://a.b/  ", "a.b"), ("http://[::1", ""), ("", ""),
])
def test_url_host_is_the_host_shops_are_compared_by(text: str, host: str) -> None:
    assert url_host(text) == host
