"""Product cards rendered once per product and build, not once per page that shows them.

A 10,000-product site shows every product on its own page, in up to eight
related lists and on listing pages: about 100,000 cards, 10,000 of them
distinct. Templates call `product_card(p, eager)` instead of including
`partials/product-card.html`, or `product_cards(products, eager=n)` for a
whole grid in one call (a listing of thousands then costs no template loop);
the first call for a product view renders the partial, later calls reuse its HTML. That is why a card sees only `p`,
`eager` (load the image at once, for cards above the fold), `config` and the
template globals, never the page it is on.

`IMPLIED_TEMPLATES` tells the build state (fingerprint.TemplateDigests) that a
template calling `product_card` depends on the partial, as an include would.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from markupsafe import Markup

from generator.core.errors import ShelfpressError

CARD_TEMPLATE = "partials/product-card.html"
IMPLIED_TEMPLATES = {"product_card": CARD_TEMPLATE, "product_cards": CARD_TEMPLATE}


class ProductCards:
    """The `product_card` template global: card HTML memoised per (product view, eager) for one build.

    `render(name, context, owner)` renders a template the way pages are rendered (errors as file:line);
    `context` is what every card sees besides `p` and `eager`.
    """

    def __init__(self, render: Callable[[str, dict[str, Any], str], str], context: dict[str, Any]) -> None:
        self.render, self.context = render, context
        self._memo: dict[tuple[int, bool], tuple[Any, Markup]] = {}

    def preload(self, p: Any, html: str) -> Markup:
        """The card of `p` (eager=False) is `html`, made earlier (card_store.py); returns the Markup kept,
        which is `html` itself when it is one (a 100,000-product site holds 100 MB of cards: one copy)."""
        card = html if type(html) is Markup else Markup(html)
        self._memo[(id(p), False)] = (p, card)
        return card

    def render_card(self, p: Any) -> Markup | None:
        """The HTML of `p`'s card (eager=False), the very string the memo keeps, or None when it fails to
        render (a page showing it will report the error)."""
        try:
            return self(p)
        except ShelfpressError:
            return None

    def __call__(self, p: Any, eager: bool = False) -> Markup:
        key = (id(p), bool(eager))
        hit = self._memo.get(key)
        if hit is not None and hit[0] is p:
            return hit[1]
        html = Markup(self.render(CARD_TEMPLATE, {**self.context, "p": p, "eager": bool(eager)}, CARD_TEMPLATE))
        self._memo[key] = (p, html)  # holding `p` keeps its id from being reused
        return html

    def many(self, products: Iterable[Any], eager: int = 0) -> Markup:
        """The cards of `products` in one call (the `product_cards` global), the first `eager` of them loaded
        at once: a Jinja loop calling `product_card` costs a template call per card, a large part of
        rendering a listing of thousands."""
        memo = self._memo
        html = []
        for index, p in enumerate(products):
            hit = memo.get((id(p), index < eager))
            html.append(hit[1] if hit is not None and hit[0] is p else self(p, index < eager))
        return Markup("".join(html))
