"""The publisher's own review of a product: rating, pros, cons and verdict, and its schema.org Review.

A review comes from front matter (`review:` with `rating`, `pros`, `cons`, `verdict`, ...) or from a
`{{< review rating=4 pros="Stable|Grows with the child" >}}` shortcode (lists separated by `|`); a
`{{< review />}}` without parameters places the front matter's review. Both are checked before
anything renders: an unknown key or a rating outside its scale is one error naming file, line and key,
with a suggestion. The product stage puts each review in its page's data (`add_reviews`).

Only the publisher's own review is described to search engines: `Review` with the site as its author.
An `AggregateRating` is written only when the publisher supplies one (`aggregate_rating: {value, count}`,
say from their own reader survey); shelfpress never makes one up from the one review it has.

This module does not render; `review_ld` gives the JSON-LD as a plain dict for `| tojson`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from generator.core import validators
from generator.content.page import Page, front_matter_error
from generator.core.errors import ContentError, did_you_mean
from generator.content.site import Site

KEYS: dict[str, str] = {
    "rating": "the rating, a number on the scale from worst to best",
    "best": "the best rating of the scale (default 5)",
    "worst": "the worst rating of the scale (default 1)",
    "pros": "what is good: a list (front matter) or texts separated by | (shortcode)",
    "cons": "what is not: as pros",
    "verdict": "the conclusion, one paragraph of plain text",
    "item": "the name of what is reviewed (default: the page title)",
    "aggregate_rating": "your own readers' rating, `{value: 4.2, count: 118}`: only then is an AggregateRating written",
}
SHORTCODE_KEYS = tuple(k for k in KEYS if k != "aggregate_rating")
ErrorAt = Callable[[tuple[str, ...], str], ContentError]


@dataclass(frozen=True)
class AggregateRating:
    value: float
    count: int


@dataclass(frozen=True)
class Review:
    rating: float | None
    best: float = 5.0
    worst: float = 1.0
    pros: tuple[str, ...] = ()
    cons: tuple[str, ...] = ()
    verdict: str = ""
    item: str = ""
    aggregate: AggregateRating | None = None

    @property
    def stars(self) -> float:
        """The rating as a share of its scale, 0..1 (for a bar or stars)."""
        if self.rating is None or self.best == self.worst:
            return 0.0
        return (self.rating - self.worst) / (self.best - self.worst)


def _texts(value: Any, where: tuple[str, ...], error: ErrorAt, *, split: bool) -> tuple[str, ...]:
    if split and isinstance(value, str):
        value = value.split("|")
    if isinstance(value, str) or not isinstance(value, (list, tuple)) or \
            not all(isinstance(v, (str, int, float)) and not isinstance(v, bool) for v in value):
        raise error(where, f"expected a list of texts, got {value!r}")
    return tuple(text for v in value if (text := str(v).strip()))


def _number(value: Any, where: tuple[str, ...], error: ErrorAt, **bounds: Any) -> float:
    try:
        return validators.at_least(validators.number(value, from_text=True), bounds.get("minimum"),
                                   bounds.get("maximum"))
    except ValueError as exc:
        raise error(where, str(exc)) from None


def parse_review(raw: Mapping[str, Any], prefix: tuple[str, ...], error: ErrorAt, *, split: bool,
                 allowed: tuple[str, ...] = tuple(KEYS)) -> Review:
    """A Review from front matter (`split` False) or shortcode parameters (`split`: lists as "a|b")."""
    for key in raw:
        if key not in allowed:
            raise error((*prefix, str(key)), f"unknown review key{did_you_mean(str(key), allowed)} "
                                             f"(the keys: {', '.join(allowed)})")
    best = _number(raw.get("best", 5), (*prefix, "best"), error)
    worst = _number(raw.get("worst", 1), (*prefix, "worst"), error)
    if worst >= best:
        raise error((*prefix, "worst"), f"must be below best ({best:g}), got {worst:g}")
    rating = None
    if raw.get("rating") is not None:
        rating = _number(raw["rating"], (*prefix, "rating"), error, minimum=worst, maximum=best)
    aggregate = None
    if raw.get("aggregate_rating") is not None:
        value = raw["aggregate_rating"]
        if not isinstance(value, Mapping) or set(value) != {"value", "count"}:
            raise error((*prefix, "aggregate_rating"), f"expected {{value: 4.2, count: 118}}, got {value!r}")
        try:
            count = validators.whole_number(value["count"], minimum=1)
        except ValueError as exc:
            raise error((*prefix, "aggregate_rating", "count"), str(exc)) from None
        aggregate = AggregateRating(_number(value["value"], (*prefix, "aggregate_rating", "value"), error,
                                            minimum=worst, maximum=best), count)
    texts = {key: _texts(raw[key], (*prefix, key), error, split=split) if raw.get(key) is not None else ()
             for key in ("pros", "cons")}
    verdict, item = (str(raw.get(key) or "").strip() for key in ("verdict", "item"))
    if rating is None and not texts["pros"] and not texts["cons"] and not verdict:
        raise error(prefix, "a review needs a rating, pros, cons or a verdict")
    return Review(rating, best, worst, texts["pros"], texts["cons"], verdict, item, aggregate)


def page_reviews(page: Page, site_dir: Path) -> tuple[Review | None, dict[int, Review | None]]:
    """The front matter review of a content page and the review of each of its review shortcodes (None: the
    shortcode places the front matter's)."""
    front = None
    raw = page.front.get("review")
    if raw is not None:
        if not isinstance(raw, Mapping):
            raise front_matter_error(page, site_dir, ("review",), "must be a mapping: rating, pros, cons, "
                                     "verdict")
        front = parse_review(raw, ("review",), lambda path, message: front_matter_error(
            page, site_dir, path, message), split=False)
    shortcodes: dict[int, Review | None] = {}
    for index, shortcode in enumerate(page.shortcodes):
        if shortcode.name != "review":
            continue

        def at(path: tuple[str, ...], message: str, shortcode: Any = shortcode) -> ContentError:
            return ContentError(f"review shortcode: {'.'.join(path[1:]) or 'review'}: {message}", file=page.source,
                                line=shortcode.line, column=shortcode.column)
        params = shortcode.kwargs
        if not params and front is None:
            raise at(("review",), "no parameters and no `review:` in the front matter to show")
        shortcodes[index] = parse_review(params, ("review",), at, split=True, allowed=SHORTCODE_KEYS) \
            if params else None
    return front, shortcodes


def add_reviews(site: Site) -> None:
    """Each content page's reviews, as page data: `review` (front matter) and, per review shortcode,
    `page.data["shortcodes"][index]["review"]`."""
    for page in site.content_pages:
        if "review" not in page.front and not any(s.name == "review" for s in page.shortcodes):
            continue
        front, shortcodes = page_reviews(page, site.config.site_dir)
        if front is not None:
            page.data["review"] = front
        for index, review in shortcodes.items():
            page.data.setdefault("shortcodes", {})[index] = {"review": review or front}


def review_ld(review: Review, page_title: str, site_title: str, absolute_url: str) -> dict[str, Any]:
    """schema.org Review of `review`, by the site (an Organization), of the Product it names."""
    item: dict[str, Any] = {"@type": "Product", "name": review.item or page_title}
    if review.aggregate is not None:
        item["aggregateRating"] = {"@type": "AggregateRating", "ratingValue": review.aggregate.value,
                                   "reviewCount": review.aggregate.count, "bestRating": review.best,
                                   "worstRating": review.worst}
    ld: dict[str, Any] = {"@context": "https://schema.org", "@type": "Review", "itemReviewed": item,
                          "author": {"@type": "Organization", "name": site_title}, "url": absolute_url}
    if review.rating is not None:
        ld["reviewRating"] = {"@type": "Rating", "ratingValue": review.rating, "bestRating": review.best,
                              "worstRating": review.worst}
    for key, texts in (("positiveNotes", review.pros), ("negativeNotes", review.cons)):
        if texts:
            ld[key] = {"@type": "ItemList", "itemListElement": [
                {"@type": "ListItem", "position": position, "name": text} for position, text in enumerate(texts, 1)]}
    if review.verdict:
        ld["reviewBody"] = review.verdict
    return ld
