"""Top-level names templates use that nothing defines, found without rendering (for `check`).

At render time (undefined.py) a name that is not in a template's context
prints as nothing (`{{ contact_email }}`: a warning, an error under
`--strict`), and an attribute, item or call of one (`{{ contact_email.address }}`)
fails the page. `check` renders nothing, so it looks for the same in the
syntax trees: a name counts as defined when the build passes it to some
template (`CONTEXT_NAMES`, a test holds it to what real builds pass), when
it is one of the environment's globals (`_`, `url_for`, `product_cards`,
Jinja's `range` ...) or when any template of the chain binds it (`set`,
`for`, a macro, an import: includes see their includer's names). A name the
template tests (`{% if x %}`, `x is defined`, `x | default(...)`) is used on
purpose and never reported.

This module does not load or render templates.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from jinja2 import nodes

from generator.render.undefined import undefined_name

# Every name the build puts into a template's context: pages.py (page, content, toc, children, a shortcode's
# params, inner and shortcode_index), cards.py (p, eager) and each page kind's `page.data` (products/, widgets/,
# site.py).
CONTEXT_NAMES = frozenset({
    "site", "config", "page", "content", "toc", "children", "params", "inner", "p", "eager",
    "listing", "paged_from", "shortcodes", "products", "target",
    "category", "breadcrumbs", "subcategories", "store", "brand",
    "product", "product_categories", "store_url", "brand_url", "related", "recommendations",
    "deals", "feed_updated", "widget", "widgets", "previews", "review", "fields", "group",
    "shortcode_index", "price_chart", "own",
})
# Names Jinja itself provides inside templates.
JINJA_NAMES = frozenset({"loop", "caller", "varargs", "kwargs", "self", "super", "true", "false", "none",
                         "True", "False", "None"})
_TESTING_FILTERS = frozenset({"default", "d"})


@dataclass(frozen=True)
class UndefinedUse:
    """A use of an undefined name at file:line; `fails` when rendering it raises (an attribute, item or call)."""

    file: str | None
    line: int
    message: str
    fails: bool

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.message}"


def bound_names(tree: nodes.Template) -> set[str]:
    """The names one template defines for itself and the templates it includes."""
    names = {name.name for name in tree.find_all(nodes.Name) if name.ctx in ("store", "param")}
    names |= {macro.name for macro in tree.find_all(nodes.Macro)}
    names |= {node.target for node in tree.find_all(nodes.Import)}
    for node in tree.find_all(nodes.FromImport):
        names |= {alias if isinstance(alias, str) else alias[-1] for alias in node.names}
    return names


def _names_in(expr: nodes.Node) -> Iterator[str]:
    if isinstance(expr, nodes.Name):
        yield expr.name
    yield from (name.name for name in expr.find_all(nodes.Name))


def _tested(tree: nodes.Template) -> set[str]:
    """Names the template tests: in an `if` (statement or expression), a test, or `| default`."""
    tests: list[nodes.Node] = [node.test for node in tree.find_all((nodes.If, nodes.CondExpr)) if node.test]
    tests += list(tree.find_all(nodes.Test))
    tests += [node.node for node in tree.find_all(nodes.Filter) if node.name in _TESTING_FILTERS and node.node]
    return {name for expr in tests for name in _names_in(expr)}


def _uses(tree: nodes.Template) -> Iterator[tuple[nodes.Name, bool]]:
    """(name, fails) for each top-level name printed (`{{ x }}`, `{{ x | upper }}`, `{{ "a" ~ x }}`) or reached into
    (`x.a`, `x[0]`, `x()`: rendering fails)."""
    printed = [expr for output in tree.find_all(nodes.Output) for expr in output.nodes]
    while printed:
        expr = printed.pop()
        if isinstance(expr, nodes.Filter) and expr.name not in _TESTING_FILTERS and expr.node is not None:
            printed.append(expr.node)
        elif isinstance(expr, nodes.Concat):  # `{{ "Mail: " ~ contact_email }}`
            printed += expr.nodes
        elif isinstance(expr, nodes.Name):
            yield expr, False
    for node in tree.find_all((nodes.Getattr, nodes.Getitem, nodes.Call)):
        if isinstance(node.node, nodes.Name):
            yield node.node, True


def undefined_uses(tree: nodes.Template, file: str | None, known: Iterable[str]) -> Iterator[UndefinedUse]:
    """Every use of a name that is neither in `known` nor bound or tested by this template."""
    skip = set(known) | bound_names(tree) | _tested(tree) | JINJA_NAMES
    for name, fails in _uses(tree):
        if name.ctx == "load" and name.name not in skip:
            yield UndefinedUse(file, name.lineno, undefined_name(name.name, fails=fails), fails)
