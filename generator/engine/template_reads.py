"""What a theme's templates read of other pages, found in their Jinja syntax trees.

Two readings make an edit reach further than its own page:

- the whole site (`site.pages`, `site.by_url`, `site.content_pages`, any
  section's `site.children(...)`, `site.content_files`): every
  page then depends on every content source;
- a page's text (`child.body`, `child.shortcodes`, `children | map(attribute="body")`,
  `child["body"]`): a section then depends on its children's text, and the dev
  server cannot render an edited page's text alone (`publish/text_edit.py`).

Only the template's Jinja code can read them. The text around it is output,
so the inline script of a theme (`document.body.classList.add("js")`,
`querySelector("body")`) reads nothing: a scan of the raw text took such a
theme for one that shows other pages' text, and every edit took the full
rebuild. A page reading its own shortcodes (`page.shortcodes`) is no reading
of another page. A template that does not parse reads everything, as far as
anyone can tell: rendering reports its error.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import jinja2
from jinja2 import nodes

from generator.config.schema import Config
from generator.config.themes import theme_dirs
from generator.core.digest import digest

WHOLE_SITE = frozenset({"pages", "by_url", "content_pages", "children", "content_files"})  # `site`'s lists of pages
PAGE_TEXT = frozenset({"body", "shortcodes"})  # attributes of a page that hold its text
# The same extensions as the site's environment (`render/environment.py`), so every tag it knows parses.
_PARSER = jinja2.Environment(extensions=["jinja2.ext.do", "jinja2.ext.i18n"])


@dataclass(frozen=True)
class TemplateReads:
    """What the theme chain's templates read (conservatively: a name built at run time is not seen)."""

    whole_site: bool  # every page (`site.pages`): then every page depends on every source
    bodies: bool  # a page's Markdown body (`child.body`): then a section depends on its children's text


def template_reads(config: Config, known: dict[str, tuple[bool, bool]]) -> TemplateReads:
    """What the templates of `config`'s theme chain read, all of them together.

    `known` maps a template source's digest to what it reads, as earlier builds found it (the build record
    keeps it): a template whose source did not change is not parsed again, which was 60 ms of every build of
    the default theme. It is left holding the chain's templates as they are now."""
    sources = [path.read_text("utf-8", "replace") for layer in theme_dirs(config, "templates")
               for path in layer.rglob("*") if path.is_file()]
    current = {key: known[key] if key in known else _reads(source)
               for key, source in zip((digest(source) for source in sources), sources)}
    known.clear()
    known.update(current)
    return TemplateReads(whole_site=any(whole for whole, _ in current.values()),
                         bodies=any(text for _, text in current.values()))


@functools.lru_cache(maxsize=1024)
def _reads(source: str) -> tuple[bool, bool]:
    """(reads the whole site, reads a page's text) for one template's source. Parsed only when one of the
    names occurs in it at all (most templates: no), and once per source for a long-lived process."""
    if not any(name in source for name in (*WHOLE_SITE, *PAGE_TEXT)):
        return False, False
    try:
        tree = _PARSER.parse(source)
    except jinja2.TemplateSyntaxError:
        return True, True
    return _reads_whole_site(tree), _reads_page_text(tree)


def _reads_whole_site(tree: nodes.Template) -> bool:
    """`site.pages` or `site["pages"]` (and the other whole-site lists)."""
    return any(_of(node, "site") and _key(node) in WHOLE_SITE for node in tree.find_all((nodes.Getattr, nodes.Getitem)))


def _reads_page_text(tree: nodes.Template) -> bool:
    """`x.body`, `x["body"]`, or the name as a string anywhere else in the code (`map(attribute="body")`,
    `attr("body")`); `page.shortcodes`, a page's own, is not another page's text."""
    own: set[int] = set()  # the string constants of `page["shortcodes"]`
    for node in tree.find_all((nodes.Getattr, nodes.Getitem)):
        key = _key(node)
        if key == "shortcodes" and _of(node, "page"):
            own.add(id(node.arg) if isinstance(node, nodes.Getitem) else 0)
        elif key in PAGE_TEXT:
            return True
    return any(node.value in PAGE_TEXT and id(node) not in own for node in tree.find_all(nodes.Const)
               if isinstance(node.value, str))


def _of(node: nodes.Getattr | nodes.Getitem, name: str) -> bool:
    """Whether `node` reads an attribute or item of the variable `name` itself."""
    return isinstance(node.node, nodes.Name) and node.node.name == name


def _key(node: nodes.Getattr | nodes.Getitem) -> str | None:
    """The attribute or constant string key `node` reads (None: a key computed at run time)."""
    if isinstance(node, nodes.Getattr):
        return node.attr
    return node.arg.value if isinstance(node.arg, nodes.Const) and isinstance(node.arg.value, str) else None
