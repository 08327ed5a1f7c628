"""Static checks of the theme chain's templates, for `check` (which renders nothing).

Every template the chain would load must compile: a syntax error or an
unknown filter is an error at file:line. And every `page.x`, `site.x` and
`config.x` must name an attribute those objects have: the typo the strict
Undefined (undefined.py) catches while rendering, found here without any
product data, with the same did-you-mean. A template that binds one of those
names itself (a loop variable, a macro argument, `set`) is not checked for
that name, since what it holds there is unknown. A top-level name nothing
defines (template_names.py) is reported too: printed, like a typo; reached
into (`contact_email.address`), as an error, since rendering it fails.

This module does not render.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass

import jinja2
from jinja2 import nodes

from generator.config.schema import Config
from generator.core.errors import ContentError
from generator.render.environment import TEMPLATE_SUFFIXES, display_path
from generator.render.template_names import CONTEXT_NAMES, UndefinedUse, bound_names, undefined_uses
from generator.render.undefined import missing_attribute


@dataclass(frozen=True)
class AttributeTypo:
    """`{{ page.titel }}` at a template's file:line; rendering it would give nothing."""

    file: str | None
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.message}"


def _parse(env: jinja2.Environment, config: Config, name: str) -> tuple[nodes.Template, str | None]:
    """The template's syntax tree and its path as messages show it; compiles it too."""
    assert env.loader is not None
    try:
        source, filename, _ = env.loader.get_source(env, name)
        tree = env.parse(source, name, filename)
        env.compile(tree, name, filename)  # unknown filters and tests fail only here
    except jinja2.TemplateSyntaxError as exc:
        raise ContentError(f"template syntax error: {exc.message}", file=display_path(exc.filename, config),
                           line=exc.lineno) from None
    return tree, display_path(filename, config)


def _typos(tree: nodes.Template, file: str | None, roots: Mapping[str, object]) -> Iterator[AttributeTypo]:
    bound = {name.name for name in tree.find_all(nodes.Name) if name.ctx in ("store", "param")}
    for node in tree.find_all(nodes.Getattr):
        target = node.node
        if isinstance(target, nodes.Name) and target.name in roots and target.name not in bound:
            obj = roots[target.name]
            if node.attr not in dir(obj):
                yield AttributeTypo(file, node.lineno, f"{target.name}.{node.attr}: "
                                    f"{missing_attribute(obj, node.attr)}")


# What `check` compiles: every file of the chain a page, card or shortcode can render. A `.txt` in
# templates/ is the site's own notes (the starter's README.txt), never loaded by the build.
CHECKED_SUFFIXES = tuple(suffix for suffix in TEMPLATE_SUFFIXES if suffix != ".txt")


def check_templates(env: jinja2.Environment, config: Config,
                    roots: Mapping[str, object]) -> tuple[list[ContentError], list[AttributeTypo | UndefinedUse]]:
    """Compile every template of the chain; return the syntax errors and the attribute typos of `roots`
    (context name -> an object of the kind templates get under that name)."""
    errors: list[ContentError] = []
    typos: list[AttributeTypo | UndefinedUse] = []
    trees: list[tuple[nodes.Template, str | None]] = []
    for name in env.list_templates(filter_func=lambda n: n.endswith(CHECKED_SUFFIXES)):
        try:
            trees.append(_parse(env, config, name))
        except ContentError as exc:
            errors.append(exc)
    known = CONTEXT_NAMES | set(env.globals) | {name for tree, _ in trees for name in bound_names(tree)}
    for tree, file in trees:
        typos += _typos(tree, file, roots)
        for use in undefined_uses(tree, file, known):
            if use.fails:  # `{{ contact_email.address }}` fails the build, so it fails `check`
                errors.append(ContentError(use.message, file=use.file, line=use.line))
            else:
                typos.append(use)
    return errors, typos
