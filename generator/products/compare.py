"""The fields of a comparison table (`{{< compare product_id="1,2,3" fields="price,brand,material" >}}`).

A field is one of the built-in ones (`FIELDS`) or any other name, which is a
shop's own attribute of that label (`material`, `weight`): a product without
it shows a dash. A name one typo away from a built-in field (`prise`) is an
error at the shortcode's line, not a row of dashes: it is checked from the
page alone, so `check` finds it without fetching. The products come from
the shortcode's product query like any product shortcode (`query_plan.py`);
rendering is the theme's `shortcodes/compare.html`.
"""

from __future__ import annotations

from generator.content.page import Page
from generator.core.errors import ContentError, did_you_mean
from generator.content.shortcodes import Shortcode

FIELDS = ("price", "store", "brand", "color", "size", "shipping", "stock")
DEFAULT_FIELDS = ("price", "store", "brand", "shipping", "stock")


def compare_fields(shortcode: Shortcode, page: Page) -> tuple[str, ...]:
    """The rows of a compare shortcode's table, in order: built-in names in lower case, others as written."""
    raw = shortcode.kwargs.get("fields")
    if raw is None:
        return DEFAULT_FIELDS
    names = [name.strip() for name in str(raw).split(",") if name.strip()]
    if not names:
        raise ContentError("compare shortcode: fields: name at least one field, e.g. fields=\"price,brand\"",
                           file=page.source, line=shortcode.line, column=shortcode.column)
    fields = []
    for name in names:
        if name.casefold() in FIELDS:
            fields.append(name.casefold())
            continue
        hint = did_you_mean(name, FIELDS, cutoff=0.75)
        if hint:
            raise ContentError(f"compare shortcode: fields: {name!r} is no field{hint} (the fields: "
                               f"{', '.join(FIELDS)}, or a shop's own attribute such as material)",
                               file=page.source, line=shortcode.line, column=shortcode.column)
        fields.append(name)
    return tuple(dict.fromkeys(fields))
