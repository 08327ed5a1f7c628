"""Jinja's Undefined, made to notice typos: `{{ page.titel }}` must not render as nothing.

A name that is not in the context (`listing` on a page without one) or a
key missing from a mapping (`page.params.hero`) stays silently empty when
tested (`{% if listing %}`): templates do that on purpose. A missing
*attribute of a real object* (`page.titel`, `config.titel`) is a typo, so
when one is used (printed, tested, looped over) it is reported with a
did-you-mean from the object's attributes; and a top-level name that is
*printed* (`{{ contact_email }}`) although nothing defines it is reported
too, since the reader would see a blank. Both are reported under `--strict`
as an error (render.py turns it into template:line), otherwise as a warning
logged with the template's file:line (the CLI routes it to the Reporter)
while the page renders on. (templatecheck.py finds the same without
rendering, for `check`.)

This module does not choose templates or render pages.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable, Iterator, Mapping
from typing import Any

import jinja2
from jinja2.utils import missing

from generator.core.errors import did_you_mean

log = logging.getLogger(__name__)


def missing_attribute(obj: Any, name: str) -> str:
    """"Page has no attribute 'titel'; did you mean 'title'?" """
    public = [attr for attr in dir(obj) if not attr.startswith("_")]
    return f"{type(obj).__name__} has no attribute {name!r}{did_you_mean(name, public)}"


def undefined_name(name: str, *, fails: bool = False) -> str:
    """"'contact_email' is undefined ...": printing it shows the reader nothing (`fails`: reaching into it,
    `contact_email.address`, fails the page)."""
    effect = ", so rendering this fails" if fails else " and prints as nothing"
    return (f"{name!r} is undefined{effect}; use config.params.{name} ([params] in shelfpress.toml) or "
            f"guard it with {{% if {name} is defined %}}")


class _TypoUndefined(jinja2.Undefined):
    """Reports itself (see `_noticed`) when it stands for a misspelt attribute and gets used."""

    __slots__ = ()
    show: Callable[[str], str | None]  # set per environment by `undefined_class`: a template path as shown

    def _typo(self) -> str | None:
        obj, name = self._undefined_obj, self._undefined_name
        if obj is missing or isinstance(obj, Mapping) or not isinstance(name, str):
            return None
        return missing_attribute(obj, name)

    def _blank(self) -> str | None:
        """The message for printing a top-level name nothing defines (not a missing macro argument)."""
        if self._undefined_obj is not missing or self._undefined_hint or not isinstance(self._undefined_name, str):
            return None
        return undefined_name(self._undefined_name)

    @property
    def _undefined_message(self) -> str:
        return self._typo() or super()._undefined_message

    def _noticed(self, problem: str | None = None) -> None:
        raise NotImplementedError

    def __str__(self) -> str:
        self._noticed(self._typo() or self._blank())
        return super().__str__()

    def __bool__(self) -> bool:
        self._noticed()
        return super().__bool__()

    def __iter__(self) -> Iterator[Any]:
        self._noticed()
        return super().__iter__()

    def __eq__(self, other: object) -> bool:
        self._noticed()
        return super().__eq__(other)

    __hash__ = jinja2.Undefined.__hash__


class _RaisingUndefined(_TypoUndefined):
    __slots__ = ()

    def _noticed(self, problem: str | None = None) -> None:
        problem = problem or self._typo()
        if problem:
            raise self._undefined_exception(problem)


class _WarningUndefined(_TypoUndefined):
    __slots__ = ()

    def _noticed(self, problem: str | None = None) -> None:
        problem = problem or self._typo()
        if problem:
            log.warning("%s: %s", self._template_line(), problem, extra={"kind": problem})

    def _template_line(self) -> str:
        """`templates/page.html:12` of the template code being run (as Jinja's own tracebacks map it)."""
        frame = sys._getframe(1)
        while frame is not None:
            template = frame.f_globals.get("__jinja_template__")
            if template is not None and template.filename:
                return f"{self.show(template.filename)}:{template.get_corresponding_lineno(frame.f_lineno)}"
            frame = frame.f_back  # type: ignore[assignment]
        return "template"


def undefined_class(*, strict: bool, show: Callable[[str], str | None]) -> type[jinja2.Undefined]:
    """The Undefined for one environment: typos raise under `strict`, else warn naming template:line
    (`show` turns a template's filename into the path messages use)."""
    base = _RaisingUndefined if strict else _WarningUndefined
    return type(base.__name__, (base,), {"__slots__": (), "show": staticmethod(show)})
