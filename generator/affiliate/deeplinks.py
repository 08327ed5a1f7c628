"""Deep links in content: which URLs of a page point to a shop, and its HTML with them made tracked links.

A writer links to a shop the way any writer does (`[Rum21](https://www.rum21.se/mattor)`, an autolink
`<https://www.rum21.se/>` or a bare URL in the text). When the shop is in the network and allows deep
links, the build swaps the URL for the partner API's tracked click link, signed with the page's channel,
and marks it `rel="sponsored noopener"` (`deeplink_stage.py` resolves the links; this module only finds
and rewrites them, so it is pure and runs in the render workers).

Opting out: a link with its own `rel` (`[Rum21](https://...){rel=nofollow}`, Markdown's attribute list)
is left exactly as written, and front matter `deeplinks: false` leaves every link of the page alone.
Links inside `<code>`, `<pre>`, `<script>` and `<style>` are never touched.

Must not: talk to any API, read files, or know about channels and signing.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from urllib.parse import unquote

from generator.core.safety import url_host

__all__ = ["DATA_KEY", "REL", "ShopDirectory", "ShopRef", "candidate_urls", "page_opted_out", "rewrite",
           "url_lines"]

DATA_KEY = "deep_links"  # page.data[DATA_KEY]: {url as written: signed deep link}, set by the build
REL = "sponsored noopener"
FRONT_MATTER_KEY = "deeplinks"

# A URL as people write it in Markdown or text; trailing sentence punctuation is not part of it.
_URL = re.compile(r"https?://[^\s<>()\[\]{}\"'`]+", re.IGNORECASE)
_TRAILING = ".,;:!?*_~"
# What follows a Markdown link's URL when the writer gave it attributes with a rel: `... "title"){rel=x}`.
_OWN_REL = re.compile(r""">?(?:\s+(?:"[^"]*"|'[^']*'))?\)\{[^}]*\brel\s*=""")
_CODE = re.compile(r"```.*?```|~~~.*?~~~|`[^`\n]*`", re.DOTALL)
_TAG = re.compile(r"(<[^>]*>)")
_TAG_NAME = re.compile(r"</?([a-zA-Z][a-zA-Z0-9]*)")
_HREF = re.compile(r"""(\shref\s*=\s*)("[^"]*"|'[^']*')""", re.IGNORECASE)
_HAS_REL = re.compile(r"\srel\s*=", re.IGNORECASE)
_UNTOUCHED = {"a", "code", "pre", "script", "style", "textarea"}


def _trim(url: str) -> str:
    url = url.rstrip(_TRAILING)
    if url.endswith(")") and url.count("(") < url.count(")"):
        url = url[:-1]
    return url


def page_opted_out(front: Mapping[str, object]) -> bool:
    """Front matter `deeplinks: false` (or "no"/"off"): leave every link of the page as written."""
    value = front.get(FRONT_MATTER_KEY, True)
    return value is False or (isinstance(value, str) and value.strip().lower() in ("false", "no", "off", "0"))


def candidate_urls(body: str) -> list[str]:
    """Every http(s) URL of a Markdown body that may become a deep link, first occurrence order, without
    those whose Markdown link carries its own `rel`."""
    if "http" not in body.lower():
        return []
    found: dict[str, None] = {}
    body = _CODE.sub(lambda m: " " * len(m.group(0)), body)  # code shows URLs, it does not link them
    for match in _URL.finditer(body):
        url = _trim(match.group(0))
        if _OWN_REL.match(body, match.start() + len(url)):
            continue
        found.setdefault(url)
    return list(found)


def url_lines(text: str, urls: Iterable[str]) -> dict[str, list[int]]:
    """The 1-based lines of `text` (a whole content file) on which each of `urls` is written."""
    wanted = set(urls)
    lines: dict[str, list[int]] = {}
    for number, line in enumerate(text.splitlines(), 1):
        if "http" not in line.lower():
            continue
        for match in _URL.finditer(line):
            url = _trim(match.group(0))
            if url in wanted and number not in lines.setdefault(url, []):
                lines[url].append(number)
    return lines


@dataclass(frozen=True)
class ShopRef:
    """A shop of the network, as the product API and the deeplink store list name it."""

    store_id: str
    name: str


def configured_shops(configured: Mapping[str, str],
                     shops: Sequence[tuple[str, str, str]]) -> tuple[dict[str, ShopRef], list[str]]:
    """`[links.shops]` as shops: a store id stands for itself (named as the store lists name it, else
    "store <id>"); a shop name is the one shop of that name (case aside) in the lists. The entries no shop
    answers to, as "host = name" (a name two shops share is as unknown as one nobody has)."""
    names: dict[str, str] = {}
    ids_by_name: dict[str, set[str]] = {}
    for store_id, name, _ in shops:
        names.setdefault(str(store_id), name)
        if name.strip():
            ids_by_name.setdefault(name.strip().casefold(), set()).add(str(store_id))
    found: dict[str, ShopRef] = {}
    unresolved: list[str] = []
    for host, shop in sorted(configured.items()):
        if shop.isdigit():
            found[host] = ShopRef(shop, names.get(shop, f"store {shop}"))
        elif len(ids := ids_by_name.get(shop.casefold(), set())) == 1:
            store_id = next(iter(ids))
            found[host] = ShopRef(store_id, names[store_id])
        else:
            unresolved.append(f"{host} = {shop}")
    return found, unresolved


def host_of(url: str, *, inner: bool = False) -> str:
    """The host of `url` (or of a bare "www.shop.se"): lower case, without "www." and port; "" if none.

    `inner`: a tracking redirect that carries the shop's address (`...click?...url(http://www.rum21.se/x)`,
    `...?url=https%3A%2F%2Fshop.se%2F`), as a product's `original_url` often is, names that address's host."""
    text = url.strip()
    if inner:
        text = unquote(text) if "%3a%2f%2f" in text.lower() else text
        text = (_URL.findall(text[1:]) or [text])[-1]
    return url_host(text)


class ShopDirectory:
    """Shop host -> shop, so a link finds its shop; a subdomain of a shop's host is the same shop.

    A host that several shops share (a click or tracking service, such as the API's own click URLs in
    the store list) names none of them."""

    def __init__(self, shops: Iterable[tuple[str, str, str]], configured: Mapping[str, str] | None = None) -> None:
        """`shops`: (store_id, name, address) for every known shop; the address may be a product URL.
        `configured`: the publisher's `[links.shops]` (host -> store id or shop name), which wins over them;
        `unresolved` lists its entries whose shop name no known shop has (`host = name`)."""
        shops = list(shops)
        by_host: dict[str, ShopRef] = {}
        shared: set[str] = set()
        for store_id, name, url in shops:
            host = host_of(url, inner=True) if url else ""
            if not host or "." not in host or host in shared:
                continue
            known = by_host.setdefault(host, ShopRef(str(store_id), name))
            if known.store_id != str(store_id):
                shared.add(host)
                del by_host[host]
        pinned, self.unresolved = configured_shops(configured or {}, shops)
        self._by_host = {**by_host, **pinned}

    def __len__(self) -> int:
        return len(self._by_host)

    def shop_for(self, url: str) -> ShopRef | None:
        host = host_of(url)
        while "." in host:
            if host in self._by_host:
                return self._by_host[host]
            host = host.partition(".")[2]
        return None


def rewrite(page_html: str, links: Mapping[str, str]) -> str:
    """`page_html` with each link to a URL of `links` pointing to its deep link (`rel` added), and each bare
    URL of `links` in the text made such a link. Links with their own `rel`, and anything inside a link,
    `code`, `pre`, `script`, `style` or `textarea`, stay as they are."""
    if not links:
        return page_html
    return "".join(_rewritten(_TAG.split(page_html), links))


def _rewritten(parts: list[str], links: Mapping[str, str]) -> Iterator[str]:
    inside: list[str] = []  # open elements whose content stays untouched
    for part in parts:
        if not part:
            continue
        if part.startswith("<"):
            name_match = _TAG_NAME.match(part)
            name = name_match.group(1).lower() if name_match else ""
            if part.startswith("</"):
                if inside and inside[-1] == name:
                    inside.pop()
                yield part
                continue
            if name == "a" and not inside:
                part = _link_tag(part, links)
            if name in _UNTOUCHED and not part.endswith("/>"):
                inside.append(name)
            yield part
        elif inside or "http" not in part:
            yield part
        else:
            yield _URL.sub(lambda m: _bare(m.group(0), links), part)


def _link_tag(tag: str, links: Mapping[str, str]) -> str:
    href = _HREF.search(tag)
    if href is None or _HAS_REL.search(tag):
        return tag
    target = links.get(html.unescape(href.group(2)[1:-1]))
    if target is None:
        return tag
    value = html.escape(target, quote=True)
    return f'{tag[:href.start()]}{href.group(1)}"{value}" rel="{REL}"{tag[href.end():]}'


def _bare(escaped: str, links: Mapping[str, str]) -> str:
    """A URL written in the text (HTML-escaped), made a deep link when it is one of `links`."""
    url = _trim(html.unescape(escaped))
    target = links.get(url)
    shown = html.escape(url, quote=False)
    if target is None or not escaped.startswith(shown):
        return escaped
    return f'<a href="{html.escape(target, quote=True)}" rel="{REL}">{shown}</a>{escaped[len(shown):]}'
