"""The static JSON a widget script loads: `/widgets/<name>.json`.

    {"v": 1, "name", "layout", "columns", "colors", "title", "button", "count",
     "items": [{"name", "click", "img", "price", "was", "off", "store", "brand"}],
     "default": [item indexes, best first],
     "index": {"token": [[item index, weight], ...]},        context widgets only
     "stop": ["till", "the", ...]}                             context widgets only

Items carry only what a card shows, already safe: plain-text names, http(s)
image URLs and signed http(s) click links (ProductView). The browser still
validates every field (widget.js) because a static host may serve anything.
`index` is the prebuilt search index the context widget ranks in the
browser: tokens are lowercased and accent-folded exactly as widget.js
folds the host page's words, weighted name > brand > category. A context widget's items are its own
query's results (`WidgetSpec.pool_query`), so the host page only re-ranks
what the widget would show anyway. Stop words (sv, da, nb, en) are left out
of the index, and `stop` tells widget.js to drop them from the host's words.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from typing import Any

from generator.products.views import ProductView
from generator.core.textfold import tokens
from generator.products.widgets.spec import WidgetSpec
from generator.products.widgets.stopwords import ALL_STOP_WORDS

FIELD_WEIGHTS = (("name", 3), ("brand", 2), ("category", 1))

Price = Callable[[float, str], str]


def search_words(text: str) -> list[str]:
    """The tokens of `text` a context widget ranks by: stop words of sv, da, nb and en left out."""
    return [token for token in tokens(text) if token not in ALL_STOP_WORDS]


def _fields(view: ProductView) -> dict[str, str]:
    return {"name": view.name, "brand": view.brand, "category": " ".join(name for _, name in view.categories)}


def search_index(views: Sequence[ProductView]) -> dict[str, list[list[int]]]:
    index: dict[str, dict[int, int]] = {}
    for position, view in enumerate(views):
        texts = _fields(view)
        for field_name, weight in FIELD_WEIGHTS:
            for token in set(search_words(texts[field_name])):
                postings = index.setdefault(token, {})
                postings[position] = postings.get(position, 0) + weight
    return {token: [[pos, w] for pos, w in sorted(postings.items())] for token, postings in sorted(index.items())}


def _item(view: ProductView, price: Price) -> dict[str, Any]:
    return {"name": view.name, "click": view.click_url, "img": view.image(220),
            "price": price(view.price, view.currency),
            "was": price(view.regular_price, view.currency) if view.regular_price else "",
            "off": view.reduction, "store": view.store, "brand": view.brand}


def name_width(name: str) -> int:
    """A generous estimate of `name` in px on one line as widget.js shows it (14 px, weight 600, system-ui):
    the gallery reserves the preview's height from it, so it errs wide (one line more, never one less)."""
    return round(sum(4.5 if c.isspace() else 10.5 if c.isupper() or c.isdigit() else 8.5 for c in name) + 24)


def preview_numbers(spec: WidgetSpec, shown: Sequence[ProductView]) -> dict[str, int]:
    """What the gallery (/widgets/) needs to reserve a preview's height before it loads (style.css,
    "widgets gallery"): the cards shown and the estimated width of the longest name."""
    return {"shown": min(spec.count, len(shown)) or 1,
            "name_px": max((name_width(view.name) for view in shown[:spec.count]), default=0)}


def widget_payload(spec: WidgetSpec, shown: Sequence[ProductView], pool: Sequence[ProductView], price: Price,
                   button: str) -> bytes:
    """The widget's JSON: `shown` are its default products, `pool` what a context widget may rank."""
    views = list(shown)
    seen = {view.id for view in views}
    views += [view for view in pool if view.id not in seen]
    data: dict[str, Any] = {
        "v": 1, "name": spec.name, "layout": spec.layout, "columns": spec.columns, "colors": dict(spec.colors),
        "title": spec.title, "button": button, "count": spec.count,
        "items": [_item(view, price) for view in views], "default": list(range(len(shown))),
    }
    if spec.context:
        data["index"] = search_index(views)
        data["stop"] = sorted(ALL_STOP_WORDS)
    return json.dumps(data, ensure_ascii=False, separators=(",", ":"), sort_keys=True).encode()
