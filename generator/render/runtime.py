"""Jinja's runtime with the same behaviour at a lower cost per call.

A 10,000-product build creates about 60,000 template contexts (a page, each
include, each card) and makes about 200,000 calls from templates (`_()`,
`p.image(440)`, `product_cards(...)`). Three pieces of Jinja's generic
runtime cost more there than the work they wrap:

- each template's globals are a `collections.ChainMap` over the
  environment's, which every context walks in Python code, name by name, to
  list and to copy them (`ShelfpressEnvironment.make_globals` merges them
  into a plain dict once);
- every `{{ value }}` passes through `markupsafe.escape`, whose `Markup(...)`
  result is made by Python code (`Markup.__new__`): about fifty times on a
  product page (`escape` here makes the same Markup in C);
- `Context.call` asks each callable, and its `__call__`, whether it wants the
  context passed (`jinja_pass_arg`, set by `pass_context` and its kin),
  through attribute lookups that fail for nearly every callable
  (`FastContext.call` reads that from a function's or method's `__dict__`,
  and leaves callable objects and `pass_context` functions to Jinja).

The `tojson` filter (JSON-LD on every product page) gets its default
options from one JSON encoder made once: `json.dumps` makes a new encoder for
each call given any option. Everything else is Jinja's own.

These pieces lean on Jinja's and MarkupSafe's internals (`Context.call`'s
body, `Template._from_namespace`, `markupsafe._speedups`), so they are used
only with the releases they are tested against (`TESTED`, the same bounds as
pyproject.toml's; tests/render/test_runtime_parity.py builds whole sites both ways
and compares every byte). With any other release, `environment_class` hands
back stock `jinja2.Environment` and says so in one note.
"""

from __future__ import annotations

import functools
import json
from collections.abc import MutableMapping
from types import BuiltinFunctionType, FunctionType, MethodType
from typing import Any

import jinja2
import markupsafe
from jinja2.runtime import Context
from markupsafe import Markup

from generator.core.versions import installed, version_tuple

# Distribution -> (lowest tested, first untested) release; keep pyproject.toml's bounds the same.
TESTED = {"jinja2": ((3, 1), (3, 2)), "markupsafe": ((2, 1), (3, 1))}

try:
    from markupsafe._speedups import _escape_inner
except ImportError:  # markupsafe without its C speedups (or another layout): its own escape, as Jinja calls it
    _escape_inner = None

_new_str = str.__new__


def escape(value: Any) -> Markup:
    """`markupsafe.escape(value)`, for a str or Markup without a Python-level `Markup(...)` call."""
    kind = type(value)
    if kind is str and _escape_inner is not None:
        return _new_str(Markup, _escape_inner(value))
    if kind is Markup:
        return value
    return markupsafe.escape(value)


_UNKNOWN = object()
_EVAL_CONTEXT = jinja2.pass_eval_context(lambda: None).jinja_pass_arg  # type: ignore[attr-defined]
_ENVIRONMENT = jinja2.pass_environment(lambda: None).jinja_pass_arg  # type: ignore[attr-defined]


def _pass_arg(obj: Any) -> Any:
    """What a function or method asks to be passed first (`jinja2.pass_eval_context` and its kin mark the
    function itself; a bound method reads its function's): None for nothing; _UNKNOWN for any other
    callable, which Jinja's own `call` handles."""
    kind = type(obj)
    if kind is MethodType:
        obj = obj.__func__
        kind = type(obj)
    if kind is FunctionType:
        return obj.__dict__.get("jinja_pass_arg")
    return None if kind is BuiltinFunctionType else _UNKNOWN


class FastContext(Context):
    """Jinja's Context; `call` skips Jinja's probing for the callables that need none."""

    def call(__self, __obj: Any, *args: Any, **kwargs: Any) -> Any:  # noqa: N805 - Jinja's signature
        pass_arg = _pass_arg(__obj)
        if pass_arg is _EVAL_CONTEXT:  # `_()` and `ngettext()` (i18n.template_callables)
            args = (__self.eval_ctx, *args)
        elif pass_arg is _ENVIRONMENT:
            args = (__self.environment, *args)
        elif pass_arg is not None:  # the context itself, or a callable object
            return super().call(__obj, *args, **kwargs)
        kwargs.pop("_block_vars", None)
        kwargs.pop("_loop_vars", None)
        try:
            return __obj(*args, **kwargs)
        except StopIteration:
            return __self.environment.undefined("value was undefined because a callable raised a StopIteration "
                                                "exception")


_SORTED_JSON = json.JSONEncoder(sort_keys=True).encode


def json_dumps(obj: Any, **options: Any) -> str:
    """`json.dumps` for the `tojson` filter: Jinja's default options (sorted keys) through `_SORTED_JSON`."""
    return _SORTED_JSON(obj) if options == {"sort_keys": True} else json.dumps(obj, **options)


class ShelfpressTemplate(jinja2.Template):
    """A compiled template whose `{{ value }}` outputs call `escape` above instead of markupsafe's."""

    @classmethod
    def _from_namespace(cls, environment: jinja2.Environment, namespace: dict[str, Any],
                        globals: MutableMapping[str, Any]) -> jinja2.Template:  # noqa: A002 - Jinja's name
        namespace["escape"] = escape  # the name the compiled code imported from jinja2.runtime
        return super()._from_namespace(environment, namespace, globals)  # type: ignore[misc]


class ShelfpressEnvironment(jinja2.Environment):
    """`jinja2.Environment` with the cheaper pieces above, and each template's globals in a plain dict.

    Jinja lays a template's globals over the environment's in a `collections.ChainMap`, and merges that
    into a dict for every render (`dict(globals, **vars)`): Python code for each name, each time. Here the
    merge is made once, when the template is loaded. As Jinja's documentation already asks, set every
    global before the first template is loaded (`render.make_environment` does): a template loaded
    earlier would not see it."""

    context_class = FastContext
    template_class = ShelfpressTemplate

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        self.policies["json.dumps_function"] = json_dumps

    def make_globals(self, d: MutableMapping[str, Any] | None) -> MutableMapping[str, Any]:
        return {**self.globals, **(d or {})}


@functools.lru_cache(maxsize=1)  # once per process, which keeps the Jinja it imported
def environment_class() -> tuple[type[jinja2.Environment], str | None]:
    """The environment to render with: ShelfpressEnvironment when Jinja and MarkupSafe are releases it is
    tested against, else stock `jinja2.Environment` and a note saying which release made it step aside."""
    for name, (lowest, first_untested) in TESTED.items():
        version = installed(name)
        if not lowest <= version_tuple(version) < first_untested:
            tested = f"{'.'.join(map(str, lowest))} up to {'.'.join(map(str, first_untested))}"
            return jinja2.Environment, (f"{name} {version} is outside the range the fast template runtime is "
                                        f"tested with ({tested}, not included): rendering with stock Jinja")
    return ShelfpressEnvironment, None
